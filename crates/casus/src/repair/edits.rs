//! The edits a repair tries, in a drafter's words, each a change of a rule file's text at the
//! place the model says the edited value was written (comments and formatting kept).

use serde::Serialize;

use crate::level::Level;
use crate::model::{ClauseDecl, Condition, FormsDecl, PartyTest, PlaceTest, RuleFile, Spanned, TreatyDecl};
use crate::scenario::{Actor, Scenario};

/// The kinds of edit a repair tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EditKind {
    /// Test another holder of the place (the sovereign instead of the controller on a date).
    PlaceHolder,
    /// Drop one test from where a clause applies (a place, an attacker, a waited-on fact).
    DropTest,
    /// Add an exception to where a clause applies (`not:` a place or an attacker).
    AddException,
    /// Add a place to a clause's `location: {in: [...]}`.
    AddPlace,
    /// Add an attacker to a clause's `attacker: {is: [...]}`.
    AddAttacker,
    /// Raise an obligation's level one step.
    RaiseLevel,
    /// Lower an obligation's level one step.
    LowerLevel,
    /// Remove a form from those an obligation requires or allows.
    RemoveForm,
    /// Add a form to those an obligation excludes.
    ExcludeForm,
    /// Remove an obligor from a clause's `obligated: [...]`.
    RemoveObligor,
    /// Remove a party from a treaty.
    RemoveParty,
}

impl EditKind {
    /// The kind's name, as in the JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            EditKind::PlaceHolder => "place_holder",
            EditKind::DropTest => "drop_test",
            EditKind::AddException => "add_exception",
            EditKind::AddPlace => "add_place",
            EditKind::AddAttacker => "add_attacker",
            EditKind::RaiseLevel => "raise_level",
            EditKind::LowerLevel => "lower_level",
            EditKind::RemoveForm => "remove_form",
            EditKind::ExcludeForm => "exclude_form",
            EditKind::RemoveObligor => "remove_obligor",
            EditKind::RemoveParty => "remove_party",
        }
    }
}

/// One edit of a rule file: what it does in words, where, and the text it writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// The kind of edit.
    pub kind: EditKind,
    /// The rule file it changes.
    pub file: String,
    /// The line of the value it changes (from 1).
    pub line: u64,
    /// The column of the value it changes (from 1).
    pub column: u64,
    /// The treaty it changes.
    pub treaty: String,
    /// The clause it changes, when it changes one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    /// What it does, in words.
    pub what: String,
    /// Which file of the rule set's own files it changes.
    #[serde(skip)]
    pub(crate) file_ix: usize,
    /// The bytes it replaces, `start..end` of the file's text.
    #[serde(skip)]
    pub(crate) start: usize,
    #[serde(skip)]
    pub(crate) end: usize,
    /// The text written in their place.
    #[serde(skip)]
    pub(crate) text: String,
}

impl Edit {
    /// Whether two edits touch the same text (they cannot both be applied).
    pub(crate) fn clashes(&self, other: &Edit) -> bool {
        self.file_ix == other.file_ix
            && (self.start < other.end && other.start < self.end
                || self.start == other.start
                || self.end == other.start && self.start == self.end
                || other.end == self.start && other.start == other.end)
    }
}

/// A rule file the repair may edit: its path (as shown), its text and its model.
pub(crate) struct Editable {
    pub(crate) shown: String,
    pub(crate) text: String,
    pub(crate) model: RuleFile,
}

/// What the counterexamples name, that edits may add or except.
#[derive(Default)]
pub(crate) struct Seeds {
    places: Vec<String>,
    attackers: Vec<String>,
}

impl Seeds {
    pub(crate) fn of<'a>(scenarios: impl Iterator<Item = &'a Scenario>) -> Seeds {
        let mut s = Seeds::default();
        for sc in scenarios {
            if let Some(p) = &sc.location
                && !s.places.contains(p)
            {
                s.places.push(p.clone());
            }
            if let Some(Actor::Party(a)) = &sc.attacker
                && !s.attackers.contains(a)
            {
                s.attackers.push(a.clone());
            }
        }
        s
    }
}

/// Every edit of the kinds above that the files allow, in file order.
pub(crate) fn candidates(files: &[Editable], seeds: &Seeds) -> Vec<Edit> {
    let mut out = Vec::new();
    for (file_ix, f) in files.iter().enumerate() {
        for t in &f.model.treaties {
            let at = At {
                file_ix,
                file: f,
                treaty: &t.id.value,
                clause: None,
            };
            parties(&at, t, &mut out);
            for c in &t.clauses {
                let at = At {
                    clause: Some(&c.id.value),
                    ..at
                };
                trigger(&at, c, seeds, &mut out);
                obligations(&at, c, &mut out);
            }
        }
    }
    out
}

/// Where edits are being made.
#[derive(Clone, Copy)]
struct At<'a> {
    file_ix: usize,
    file: &'a Editable,
    treaty: &'a str,
    clause: Option<&'a str>,
}

impl At<'_> {
    fn edit(&self, kind: EditKind, at: usize, (start, end): (usize, usize), text: String, what: String) -> Edit {
        let (line, column) = line_col(&self.file.text, at);
        Edit {
            kind,
            file: self.file.shown.clone(),
            line,
            column,
            treaty: self.treaty.to_string(),
            clause: self.clause.map(str::to_string),
            what,
            file_ix: self.file_ix,
            start,
            end,
            text,
        }
    }

    fn clause_words(&self) -> String {
        format!("clause `{}/{}`", self.treaty, self.clause.unwrap_or("?"))
    }
}

fn line_col(text: &str, at: usize) -> (u64, u64) {
    let before = text.get(..at).unwrap_or("");
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, column)
}

/// A block-sequence item whose value starts at `key`: the start of its line, the end of its
/// last line (newline included) and the column of its dash. `None` when the item is not
/// written as `- key: ...` at the start of its own line.
fn item_extent(text: &str, key: usize) -> Option<(usize, usize, usize)> {
    let line_start = text.get(..key)?.rfind('\n').map_or(0, |i| i + 1);
    let lead = text.get(line_start..key)?;
    let dash = lead.len().checked_sub(2)?;
    if !lead.ends_with("- ") || !lead.get(..dash)?.chars().all(|c| c == ' ') {
        return None;
    }
    let mut end = text.get(key..)?.find('\n').map_or(text.len(), |i| key + i + 1);
    while end < text.len() {
        let line = text.get(end..)?.split('\n').next().unwrap_or("");
        let indent = line.len() - line.trim_start_matches(' ').len();
        if line.trim().is_empty() || indent <= dash {
            break;
        }
        end += line.len() + 1;
    }
    Some((line_start, end.min(text.len()), dash))
}

fn trigger(at: &At<'_>, c: &ClauseDecl, seeds: &Seeds, out: &mut Vec<Edit>) {
    let Condition::All(items) = &c.trigger.value else {
        return;
    };
    let text = &at.file.text;
    let mut last = None;
    for item in items {
        let Some(key) = item.referenced.byte_offset() else {
            continue;
        };
        let Some((start, end, dash)) = item_extent(text, key) else {
            continue;
        };
        last = Some((end, dash));
        let written = text.get(key..end).unwrap_or("").trim_end().to_string();
        if items.len() > 1 {
            let what = format!("drop the test `{written}` from where {} applies", at.clause_words());
            out.push(at.edit(EditKind::DropTest, key, (start, end), String::new(), what));
        }
        let value_end = key + written.len();
        match &item.value {
            Condition::Location(test) => place_tests(at, test, (key, value_end), &written, seeds, out),
            Condition::Attacker(PartyTest::Is(ids)) => {
                add_to_list(at, EditKind::AddAttacker, &ids.0, &seeds.attackers, "attacker", out);
            }
            _ => {}
        }
    }
    let Some((end, dash)) = last else { return };
    let indent = " ".repeat(dash);
    for p in &seeds.places {
        let what = format!("add an exception to {}: not at {p}", at.clause_words());
        let line = format!("{indent}- not: {{location: {{in: [{p}]}}}}\n");
        out.push(at.edit(EditKind::AddException, end, (end, end), line, what));
    }
    for a in &seeds.attackers {
        let what = format!("add an exception to {}: not when {a} attacks", at.clause_words());
        let line = format!("{indent}- not: {{attacker: {{is: [{a}]}}}}\n");
        out.push(at.edit(EditKind::AddException, end, (end, end), line, what));
    }
}

/// The other holder tests a location test could make, with the same test of the holder.
fn place_tests(
    at: &At<'_>,
    test: &PlaceTest,
    (key, value_end): (usize, usize),
    written: &str,
    seeds: &Seeds,
    out: &mut Vec<Edit>,
) {
    let (by, date) = match test {
        PlaceTest::Sovereign(by) | PlaceTest::Controller(by) => (by, None),
        PlaceTest::HeldOn(h) => (&h.by, Some(h.date.value.to_string())),
        PlaceTest::In(ids) => {
            add_to_list(at, EditKind::AddPlace, &ids.0, &seeds.places, "place", out);
            return;
        }
        _ => return,
    };
    let mut options = Vec::new();
    let target = PartyTest::Target;
    let bys: Vec<&PartyTest> = if matches!(by, PartyTest::Target) {
        vec![by]
    } else {
        vec![by, &target]
    };
    for by in bys {
        let who = party_test_yaml(by);
        let words = party_words(by);
        options.push((
            format!("location: {{sovereign: {who}}}"),
            format!("places whose sovereign at the date of the attack is {words}"),
        ));
        options.push((
            format!("location: {{controller: {who}}}"),
            format!("places {words} controls at the date of the attack"),
        ));
        if let Some(d) = &date {
            for role in ["sovereign", "controller"] {
                options.push((
                    format!("location: {{held_on: {{role: {role}, by: {who}, date: {d}}}}}"),
                    format!("places whose {role} on {d} was {words}"),
                ));
            }
        }
    }
    for (text, words) in options {
        if text == written {
            continue;
        }
        let what = format!("{} applies to {words}, instead of `{written}`", at.clause_words());
        out.push(at.edit(EditKind::PlaceHolder, key, (key, value_end), text, what));
    }
}

/// Adds each seed not yet in a flow list `[A, B]`, after its last element.
fn add_to_list(
    at: &At<'_>,
    kind: EditKind,
    ids: &[Spanned<String>],
    seeds: &[String],
    noun: &str,
    out: &mut Vec<Edit>,
) {
    let Some(last) = ids.last() else { return };
    let (Some(o), Some(n)) = (last.referenced.byte_offset(), last.referenced.byte_len()) else {
        return;
    };
    for s in seeds.iter().filter(|s| !ids.iter().any(|i| &i.value == *s)) {
        let what = format!("add the {noun} {s} to where {} applies", at.clause_words());
        out.push(at.edit(kind, o, (o + n, o + n), format!(", {s}"), what));
    }
}

fn party_test_yaml(t: &PartyTest) -> String {
    let list = |ids: &[Spanned<String>]| ids.iter().map(|i| i.value.as_str()).collect::<Vec<_>>().join(", ");
    match t {
        PartyTest::Target => "target".into(),
        PartyTest::Attacker => "attacker".into(),
        PartyTest::TreatyParty => "treaty_party".into(),
        PartyTest::State => "state".into(),
        PartyTest::NonState => "non_state".into(),
        PartyTest::Is(ids) => format!("{{is: [{}]}}", list(&ids.0)),
        PartyTest::MemberOf(x) => format!("{{member_of: {}}}", x.value),
        PartyTest::PartyTo(x) => format!("{{party_to: {}}}", x.value),
    }
}

fn party_words(t: &PartyTest) -> String {
    match t {
        PartyTest::Target => "the target".into(),
        PartyTest::Attacker => "the attacker".into(),
        PartyTest::TreatyParty => "a party to the treaty".into(),
        PartyTest::State => "a state".into(),
        PartyTest::NonState => "a non-state actor".into(),
        other => party_test_yaml(other),
    }
}

fn obligations(at: &At<'_>, c: &ClauseDecl, out: &mut Vec<Edit>) {
    for o in &c.obligations {
        level(at, &o.level, out);
        forms(at, &o.forms, out);
        if let crate::model::Obligated::Named(ids) = &o.obligated
            && ids.len() > 1
        {
            for id in ids {
                if let Some((s, e)) = list_element(&at.file.text, &id.referenced) {
                    let what = format!("remove {} from the obligors of {}", id.value, at.clause_words());
                    out.push(at.edit(EditKind::RemoveObligor, s, (s, e), String::new(), what));
                }
            }
        }
        for stage in &o.then {
            level(at, &stage.level, out);
            forms(at, &stage.forms, out);
        }
    }
}

/// The response levels, weakest first.
const STEPS: [Level; 5] = [
    Level::Consult,
    Level::Diplomatic,
    Level::Assist,
    Level::AllMeans,
    Level::Military,
];

fn level(at: &At<'_>, l: &Spanned<Level>, out: &mut Vec<Edit>) {
    let (Some(o), Some(n)) = (l.referenced.byte_offset(), l.referenced.byte_len()) else {
        return;
    };
    let Some(i) = STEPS.iter().position(|s| *s == l.value) else {
        return;
    };
    let now = l.value.as_str();
    for (kind, to) in [
        (EditKind::LowerLevel, i.checked_sub(1).and_then(|j| STEPS.get(j))),
        (EditKind::RaiseLevel, STEPS.get(i + 1)),
    ] {
        if let Some(to) = to {
            let what = format!(
                "{} the level of an obligation of {} from {now} to {}",
                if kind == EditKind::RaiseLevel { "raise" } else { "lower" },
                at.clause_words(),
                to.as_str()
            );
            out.push(at.edit(kind, o, (o, o + n), to.as_str().to_string(), what));
        }
    }
}

fn forms(at: &At<'_>, f: &FormsDecl, out: &mut Vec<Edit>) {
    let text = &at.file.text;
    for (list, noun) in [(&f.required, "required"), (&f.allowed, "allowed")] {
        for form in list {
            if let Some((s, e)) = list_element(text, &form.referenced) {
                let what = format!(
                    "remove {} from the forms {noun} by {}",
                    form.value.as_str(),
                    at.clause_words()
                );
                out.push(at.edit(EditKind::RemoveForm, s, (s, e), String::new(), what));
            }
        }
    }
    let Some(last) = f.excluded.last() else { return };
    let (Some(o), Some(n)) = (last.referenced.byte_offset(), last.referenced.byte_len()) else {
        return;
    };
    let named = |x: &crate::vocab::Form| {
        f.excluded
            .iter()
            .chain(&f.allowed)
            .chain(&f.required)
            .any(|y| y.value == *x)
    };
    for form in crate::vocab::Form::ALL.iter().filter(|x| !named(x)) {
        let what = format!("exclude {} from the forms of {}", form.as_str(), at.clause_words());
        out.push(at.edit(
            EditKind::ExcludeForm,
            o,
            (o + n, o + n),
            format!(", {}", form.as_str()),
            what,
        ));
    }
}

/// The bytes to delete to remove one element of a flow list: the element and the `, ` (or
/// `,`) after it, or before it for the last; the element alone when it is the only one.
fn list_element(text: &str, l: &crate::model::Location) -> Option<(usize, usize)> {
    let (o, n) = (l.byte_offset()?, l.byte_len()?);
    let after = text.get(o + n..)?;
    for sep in [", ", ","] {
        if after.starts_with(sep) {
            return Some((o, o + n + sep.len()));
        }
    }
    let before = text.get(..o)?;
    for sep in [", ", ","] {
        if before.ends_with(sep) {
            return Some((o - sep.len(), o + n));
        }
    }
    // The only element: the list becomes empty.
    (before.ends_with('[') && after.starts_with(']')).then_some((o, o + n))
}

fn parties(at: &At<'_>, t: &TreatyDecl, out: &mut Vec<Edit>) {
    let text = &at.file.text;
    for p in &t.parties {
        let Some(id) = &p.party else { continue };
        let Some(o) = id.referenced.byte_offset() else { continue };
        let line_start = text.get(..o).and_then(|b| b.rfind('\n')).map_or(0, |i| i + 1);
        let line_end = text
            .get(o..)
            .and_then(|a| a.find('\n'))
            .map_or(text.len(), |i| o + i + 1);
        let line = text.get(line_start..line_end).unwrap_or("").trim();
        if line.starts_with("- {party:") && line.ends_with('}') {
            let what = format!("remove {} from the parties of `{}`", id.value, at.treaty);
            out.push(at.edit(EditKind::RemoveParty, o, (line_start, line_end), String::new(), what));
        }
    }
}

/// The text of a file with edits applied (they do not clash).
pub(crate) fn apply(text: &str, edits: &[&Edit]) -> String {
    let mut sorted: Vec<&&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse((e.start, e.end)));
    let mut out = text.to_string();
    for e in sorted {
        if e.start <= e.end && e.end <= out.len() && out.is_char_boundary(e.start) && out.is_char_boundary(e.end) {
            out.replace_range(e.start..e.end, &e.text);
        }
    }
    out
}
