//! What each rule file declares: every id with where it is written and what to say of it on
//! hover. Built from the model types (`casus::model`), one file at a time, so that a change in
//! one file re-indexes that file only.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use casus::model::{Holder, MemberDecl, PartyKind, RuleFile, Spanned, TreatyStatus};

use crate::text::Lines;

/// What an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A state, organization or group.
    Party,
    /// A land territory.
    Territory,
    /// A sea or air area.
    Area,
    /// A tag.
    Tag,
    /// A named fact.
    Fact,
    /// A treaty.
    Treaty,
    /// A clause of a treaty (its id is `treaty/clause`).
    Clause,
    /// An instrument left out on purpose (`not_modelled:`).
    NotModelled,
}

impl Kind {
    /// The kind in words.
    #[must_use]
    pub fn words(self) -> &'static str {
        match self {
            Kind::Party => "party",
            Kind::Territory => "territory",
            Kind::Area => "area",
            Kind::Tag => "tag",
            Kind::Fact => "fact",
            Kind::Treaty => "treaty",
            Kind::Clause => "clause",
            Kind::NotModelled => "instrument not modelled",
        }
    }
}

/// One declaration.
#[derive(Debug, Clone)]
pub struct Def {
    /// What it names.
    pub kind: Kind,
    /// The id (`treaty/clause` for a clause).
    pub id: String,
    /// The id as written at the declaration (the clause's own id for a clause).
    pub written: String,
    /// Byte span of the id at the declaration.
    pub span: (usize, usize),
    /// A one-line detail (the name).
    pub detail: String,
    /// What hover shows (Markdown).
    pub doc: String,
}

/// The declarations of one rule file.
#[derive(Debug, Clone)]
pub struct FileIndex {
    /// The file.
    pub path: PathBuf,
    /// Its text (as indexed).
    pub text: Arc<str>,
    /// Its lines.
    pub lines: Lines,
    /// Its declarations, in file order.
    pub defs: Vec<Def>,
}

impl FileIndex {
    /// Indexes a rule file's text; a text that does not parse declares nothing (its errors
    /// come from the load).
    #[must_use]
    pub fn new(path: PathBuf, text: Arc<str>) -> FileIndex {
        let defs = serde_saphyr::from_str::<RuleFile>(&text)
            .map(|f| declarations(&f))
            .unwrap_or_default();
        FileIndex {
            path,
            lines: Lines::new(&text),
            text,
            defs,
        }
    }

    /// The id of the treaty whose declaration comes last before byte `offset` (the treaty a
    /// bare clause id there belongs to).
    #[must_use]
    pub fn treaty_before(&self, offset: usize) -> Option<&str> {
        self.defs
            .iter()
            .rfind(|d| d.kind == Kind::Treaty && d.span.0 <= offset)
            .map(|d| d.id.as_str())
    }
}

/// The span of a spanned value, when the file gave one.
fn span<T>(s: &Spanned<T>) -> (usize, usize) {
    let start = s.referenced.byte_offset().unwrap_or(0);
    (start, start + s.referenced.byte_len().unwrap_or(0))
}

fn def(kind: Kind, id: &Spanned<String>, detail: &str, doc: String) -> Def {
    Def {
        kind,
        id: id.value.clone(),
        written: id.value.clone(),
        span: span(id),
        detail: detail.to_string(),
        doc,
    }
}

fn when<T: std::fmt::Display>(w: Option<&Spanned<T>>) -> String {
    w.map_or_else(String::new, |w| w.value.to_string())
}

fn members(list: &[MemberDecl]) -> String {
    let mut s = String::new();
    for m in list {
        let who = m
            .party
            .as_ref()
            .map(|p| format!("`{}`", p.value))
            .or_else(|| m.members_of.as_ref().map(|o| format!("the members of `{}`", o.value)))
            .unwrap_or_default();
        let (from, to) = (when(m.joined.as_ref()), when(m.left.as_ref()));
        let period = match (from.is_empty(), to.is_empty()) {
            (true, true) => String::new(),
            (false, true) => format!(" from {from}"),
            (true, false) => format!(" until {to}"),
            (false, false) => format!(" {from} – {to}"),
        };
        let _ = writeln!(s, "- {who}{period}");
    }
    s
}

fn holder(role: &str, h: Option<&Spanned<Holder>>) -> String {
    let Some(h) = h else { return String::new() };
    let mut s = format!("**{role}**:");
    for p in &h.value.0 {
        let (from, to) = (when(p.from.as_ref()), when(p.to.as_ref()));
        let period = if from.is_empty() && to.is_empty() {
            String::new()
        } else {
            format!(" ({} – {})", if from.is_empty() { "…" } else { &from }, to)
        };
        let _ = write!(s, " `{}`{period};", p.party.value);
    }
    s.pop();
    s.push_str("\n\n");
    s
}

/// Every declaration of a rule file, with its hover text.
fn declarations(f: &RuleFile) -> Vec<Def> {
    let mut defs = Vec::new();
    for p in &f.parties {
        let kind = match p.kind {
            PartyKind::State => "state",
            PartyKind::Organization => "organization",
            PartyKind::Group => "group",
        };
        let mut doc = format!("**{}** — {kind} `{}`\n\n", p.name, p.id.value);
        if !p.members.is_empty() {
            let _ = write!(doc, "Members:\n{}\n", members(&p.members));
        }
        if let Some(n) = &p.note {
            let _ = writeln!(doc, "{n}");
        }
        defs.push(def(Kind::Party, &p.id, &p.name, doc));
    }
    for t in &f.tags {
        defs.push(def(
            Kind::Tag,
            &t.id,
            &t.description,
            format!("tag `{}`: {}", t.id.value, t.description),
        ));
    }
    for t in &f.territories {
        let mut doc = format!("**{}** — territory `{}`\n\n", t.name, t.id.value);
        if let Some(w) = &t.within {
            let _ = write!(doc, "within `{}`\n\n", w.value);
        }
        doc.push_str(&holder("sovereign", t.sovereign.as_ref()));
        doc.push_str(&holder("controller", t.controller.as_ref()));
        doc.push_str(&holder("administrator", t.administrator.as_ref()));
        if !t.tags.is_empty() {
            let tags: Vec<String> = t.tags.iter().map(|t| format!("`{}`", t.value)).collect();
            let _ = write!(doc, "tags: {}\n\n", tags.join(", "));
        }
        if let Some(n) = &t.note {
            doc.push_str(n);
        }
        defs.push(def(Kind::Territory, &t.id, &t.name, doc));
    }
    for a in &f.areas {
        let mut doc = format!("**{}** — sea or air area `{}`\n\n", a.name, a.id.value);
        if let Some(w) = &a.within {
            let _ = write!(doc, "within `{}`\n\n", w.value);
        }
        defs.push(def(Kind::Area, &a.id, &a.name, doc));
    }
    for fact in &f.facts {
        let doc = format!("fact `{}`: true when {}", fact.id.value, fact.description);
        defs.push(def(Kind::Fact, &fact.id, &fact.description, doc));
    }
    for n in &f.not_modelled {
        let doc = format!("**{}** — {} (not modelled)\n\n{}", n.name, n.kind, n.why);
        defs.push(def(Kind::NotModelled, &n.id, &n.name, doc));
    }
    for t in &f.treaties {
        treaty(t, &mut defs);
    }
    defs
}

fn treaty(t: &casus::model::TreatyDecl, defs: &mut Vec<Def>) {
    let status = match t.status {
        TreatyStatus::InForce => "in force",
        TreatyStatus::Draft => "draft, not in force",
        TreatyStatus::Political => "political commitment",
    };
    let mut doc = format!("**{}** — treaty `{}` ({status})\n\n", t.name, t.id.value);
    for (what, w) in [
        ("signed", &t.signed),
        ("in force", &t.in_force),
        ("terminated", &t.terminated),
    ] {
        if let Some(w) = w {
            let _ = write!(doc, "{what} {}; ", w.value);
        }
    }
    let clauses: Vec<String> = t
        .clauses
        .iter()
        .map(|c| format!("`{}` ({})", c.id.value, c.citation))
        .collect();
    let _ = writeln!(doc, "{} parties; clauses: {}", t.parties.len(), clauses.join(", "));
    defs.push(def(Kind::Treaty, &t.id, &t.name, doc));
    for c in &t.clauses {
        let levels: Vec<String> = c.obligations.iter().map(|o| format!("`{}`", o.level.value)).collect();
        let mut doc = format!(
            "**{}** of {} — clause `{}/{}`\n\nobliges: {}\n\n",
            c.citation,
            t.name,
            t.id.value,
            c.id.value,
            levels.join(", ")
        );
        if let Some(s) = &c.summary {
            doc.push_str(s);
        }
        defs.push(Def {
            kind: Kind::Clause,
            id: format!("{}/{}", t.id.value, c.id.value),
            written: c.id.value.clone(),
            span: span(&c.id),
            detail: format!("{} — {}", c.citation, t.name),
            doc,
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn declarations_carry_their_spans_and_hover_text() {
        let text = "parties:\n  - {id: USA, name: United States}\nterritories:\n  - id: GU\n    name: Guam\n    sovereign: USA\ntreaties:\n  - id: t\n    name: T\n    clauses:\n      - id: c\n        citation: Art. 1\n        trigger: {always: true}\n        obligations: [{level: assist}]\n";
        let ix = FileIndex::new(PathBuf::from("x.yaml"), text.into());
        let ids: Vec<(&str, Kind)> = ix.defs.iter().map(|d| (d.id.as_str(), d.kind)).collect();
        assert_eq!(
            ids,
            [
                ("USA", Kind::Party),
                ("GU", Kind::Territory),
                ("t", Kind::Treaty),
                ("t/c", Kind::Clause)
            ]
        );
        let usa = &ix.defs[0];
        assert_eq!(&text[usa.span.0..usa.span.1], "USA");
        assert!(ix.defs[1].doc.contains("**sovereign**: `USA`"), "{}", ix.defs[1].doc);
        assert!(ix.defs[3].doc.contains("obliges: `assist`"));
        assert_eq!(ix.treaty_before(ix.defs[3].span.0), Some("t"));
    }
}
