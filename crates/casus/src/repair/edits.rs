//! The edits a repair tries, in a drafter's words, each a change of a rule file's text at the
//! place the model says the edited value was written (comments and formatting kept).

mod conditions;
#[cfg(test)]
mod tests;
mod time;

use jiff::civil::Date;
use serde::Serialize;

use crate::model::{ClauseDecl, FormsDecl, Obligated, RuleFile, Spanned, TreatyDecl};
use crate::{Actor, EventKind, Form, Level, On, Scenario};

/// The kinds of edit a repair tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EditKind {
    /// Test another holder of the place (the sovereign instead of the controller on a date).
    PlaceHolder,
    /// Drop one test from where a clause applies (a place, an attacker, a waited-on fact), at
    /// any depth of `all:` and `any:`, or an obligation's `when:` condition.
    DropTest,
    /// Add an exception to where a clause applies (`not:` a place, an attacker, an event kind,
    /// what was hit, a target).
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
    /// Add a party to a treaty.
    AddParty,
    /// Add an obligor to a clause's `obligated: [...]`.
    AddObligor,
    /// Add a tag to a `location: {tagged: [...]}` test.
    AddTag,
    /// Add what was hit to an `on:` test.
    AddOn,
    /// Add an event kind to an `event:` test.
    AddEvent,
    /// Make where a clause applies wait on a fact (true, or false).
    AddFact,
    /// Wait on a fact being false instead of true, or the other way round.
    FlipFact,
    /// Stop waiting on a fact, and qualify every obligation of the clause with it instead.
    FactToCaveat,
    /// Add a form to those an obligation requires.
    AddForm,
    /// Move a date: entry into force, end, a membership, a `date:` window.
    MoveDate,
    /// Give an obligation (or a later stage) a deadline.
    AddDeadline,
    /// Shorten the deadline of an obligation (or a later stage).
    ShortenDeadline,
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
            EditKind::AddParty => "add_party",
            EditKind::AddObligor => "add_obligor",
            EditKind::AddTag => "add_tag",
            EditKind::AddOn => "add_on",
            EditKind::AddEvent => "add_event",
            EditKind::AddFact => "add_fact",
            EditKind::FlipFact => "flip_fact",
            EditKind::FactToCaveat => "fact_to_caveat",
            EditKind::AddForm => "add_form",
            EditKind::MoveDate => "move_date",
            EditKind::AddDeadline => "add_deadline",
            EditKind::ShortenDeadline => "shorten_deadline",
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
    /// Further changes of the same file that the edit makes (a fact turned into a caveat:
    /// the test dropped, the caveat added to each obligation).
    #[serde(skip)]
    pub(crate) more: Vec<Splice>,
}

/// One change of a file's text: the bytes `start..end` replaced by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Splice {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) text: String,
}

impl Edit {
    /// Whether two edits touch the same text (they cannot both be applied).
    pub(crate) fn clashes(&self, other: &Edit) -> bool {
        self.file_ix == other.file_ix
            && self
                .splices()
                .any(|(s1, e1, _)| other.splices().any(|(s2, e2, _)| touch((s1, e1), (s2, e2))))
    }

    /// Every change the edit makes: `start..end`, the text.
    fn splices(&self) -> impl Iterator<Item = (usize, usize, &str)> {
        std::iter::once((self.start, self.end, self.text.as_str()))
            .chain(self.more.iter().map(|s| (s.start, s.end, s.text.as_str())))
    }
}

/// Whether two changes of one text touch the same bytes (or insert at the same place).
fn touch((s1, e1): (usize, usize), (s2, e2): (usize, usize)) -> bool {
    s1 < e2 && s2 < e1 || s1 == s2 || e1 == s2 && s1 == e1 || e2 == s1 && s2 == e2
}

/// A rule file the repair may edit: its path (as shown), its text and its model.
pub(crate) struct Editable {
    pub(crate) shown: String,
    pub(crate) text: String,
    pub(crate) model: RuleFile,
}

/// What the counterexamples (and the properties to repair) name, that edits may add, except
/// or move to.
#[derive(Default)]
pub(crate) struct Seeds {
    places: Vec<String>,
    attackers: Vec<String>,
    targets: Vec<String>,
    events: Vec<EventKind>,
    ons: Vec<On>,
    dates: Vec<Date>,
    /// Tags of the counterexamples' places.
    pub(crate) tags: Vec<String>,
    /// Parties a treaty may gain: the targets, and the parties the properties name.
    pub(crate) parties: Vec<String>,
    /// Hours within which the properties ask obligations to fall due.
    pub(crate) hours: Vec<u64>,
}

/// Pushes `v` unless `list` has it.
pub(crate) fn add_new<T: PartialEq>(list: &mut Vec<T>, v: T) {
    if !list.contains(&v) {
        list.push(v);
    }
}

impl Seeds {
    pub(crate) fn of<'a>(scenarios: impl Iterator<Item = &'a Scenario>) -> Seeds {
        let mut s = Seeds::default();
        for sc in scenarios {
            if let Some(p) = &sc.location {
                add_new(&mut s.places, p.clone());
            }
            if let Some(Actor::Party(a)) = &sc.attacker {
                add_new(&mut s.attackers, a.clone());
            }
            for t in sc.target.iter().chain(sc.targets.iter().flatten()) {
                add_new(&mut s.targets, t.clone());
                add_new(&mut s.parties, t.clone());
            }
            add_new(&mut s.events, sc.event);
            if let Some(on) = sc.on {
                add_new(&mut s.ons, on);
            }
            add_new(&mut s.dates, sc.date.day());
        }
        s
    }

    /// Adds what the rule set and the properties `goal` name: the tags of the places, the
    /// parties the properties name, the hours within which they ask obligations to fall due.
    pub(crate) fn with_rules(mut self, engine: &crate::Engine, goal: &[&crate::verify::Property]) -> Seeds {
        use crate::verify::props::{Must, Requirement};
        for p in &self.places {
            if let Ok(info) = engine.find_place(p) {
                for t in info.tags {
                    add_new(&mut self.tags, t);
                }
            }
        }
        for p in goal {
            for ix in &p.named {
                add_new(&mut self.parties, engine.party_id(*ix).to_string());
            }
            match &p.require {
                Requirement::Obliged { within: Some(h), .. }
                | Requirement::Each {
                    must: Must::Within(h), ..
                } => add_new(&mut self.hours, *h),
                _ => {}
            }
        }
        self
    }
}

/// Every edit of the kinds above that the files allow, in file order.
pub(crate) fn candidates(files: &[Editable], seeds: &Seeds) -> Vec<Edit> {
    let mut out = Vec::new();
    for (file_ix, f) in files.iter().enumerate() {
        let mut facts: Vec<String> = conditions::BUILT_IN_FACTS.iter().map(|f| (*f).to_string()).collect();
        for d in &f.model.facts {
            add_new(&mut facts, d.id.value.clone());
        }
        for t in &f.model.treaties {
            let at = At {
                file_ix,
                file: f,
                treaty: &t.id.value,
                clause: None,
            };
            parties(&at, t, seeds, &mut out);
            time::treaty(&at, t, seeds, &mut out);
            let members: Vec<&str> = t
                .parties
                .iter()
                .filter_map(|m| m.party.as_ref().map(|p| p.value.as_str()))
                .collect();
            for c in &t.clauses {
                let at = At {
                    clause: Some(&c.id.value),
                    ..at
                };
                conditions::trigger(&at, c, seeds, &facts, &mut out);
                obligations(&at, c, &members, seeds, &mut out);
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
            more: Vec::new(),
        }
    }

    /// The clause being edited, in words. Only edits of a clause's own values ask for them,
    /// and those are made only with its id set (`candidates`): a debug build stops if not, so
    /// that such a bug fails a test; a release build names the treaty alone.
    fn clause_words(&self) -> String {
        debug_assert!(
            self.clause.is_some(),
            "clause words asked outside a clause of `{}`",
            self.treaty
        );
        match self.clause {
            Some(c) => format!("clause `{}/{c}`", self.treaty),
            None => format!("treaty `{}`", self.treaty),
        }
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

/// The edits of a clause's obligations; `members` are its treaty's parties.
fn obligations(at: &At<'_>, c: &ClauseDecl, members: &[&str], seeds: &Seeds, out: &mut Vec<Edit>) {
    for o in &c.obligations {
        level(at, &o.level, out);
        forms(at, &o.forms, out);
        if let Obligated::Named(ids) = &o.obligated
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
        if let Obligated::Named(ids) = &o.obligated {
            add_obligors(at, ids, members, out);
        }
        add_forms(at, &o.level, &o.forms, out);
        for stage in &o.then {
            add_forms(at, &stage.level, &stage.forms, out);
        }
        conditions::when(at, o, out);
        time::deadlines(at, o, seeds, out);
    }
}

/// Adds each party of the treaty that is not yet one to `obligated: [...]`.
fn add_obligors(at: &At<'_>, ids: &[crate::model::Id], members: &[&str], out: &mut Vec<Edit>) {
    let Some(last) = ids.last() else { return };
    let (Some(o), Some(n)) = (last.referenced.byte_offset(), last.referenced.byte_len()) else {
        return;
    };
    for m in members.iter().filter(|m| !ids.iter().any(|i| i.value == **m)) {
        let what = format!("add {m} to the obligors of {}", at.clause_words());
        out.push(at.edit(EditKind::AddObligor, o, (o + n, o + n), format!(", {m}"), what));
    }
}

/// Adds a form to those an obligation (or a stage, whose level is `level`) requires: to its
/// `required: [...]`, or as a new `required:` beside its other forms, or as a new `forms:`.
fn add_forms(at: &At<'_>, level: &Spanned<Level>, f: &FormsDecl, out: &mut Vec<Edit>) {
    let text = &at.file.text;
    let Some((p, write)) = required_slot(text, level, f) else {
        return;
    };
    let named = |x: &Form| f.required.iter().chain(&f.excluded).any(|y| y.value == *x);
    for form in Form::ALL.iter().filter(|x| !named(x)) {
        let what = format!(
            "add {} to the forms required by the {} obligation of {}",
            form.as_str(),
            level.value.as_str(),
            at.clause_words()
        );
        let o = level.referenced.byte_offset().unwrap_or(p);
        out.push(at.edit(EditKind::AddForm, o, (p, p), write(form.as_str()), what));
    }
}

/// Where a required form is written, and how.
type Slot = (usize, Box<dyn Fn(&str) -> String>);

/// Where a form to require goes: after the last required one; before the first key of the
/// forms (`required: [F], ` in a flow mapping, a line of its own in a block one); or a new
/// `forms:` line after the level's.
fn required_slot(text: &str, level: &Spanned<Level>, f: &FormsDecl) -> Option<Slot> {
    if let Some(last) = f.required.last() {
        let (o, n) = (last.referenced.byte_offset()?, last.referenced.byte_len()?);
        return Some((o + n, Box::new(|s: &str| format!(", {s}"))));
    }
    let first = f
        .allowed
        .first()
        .into_iter()
        .chain(f.excluded.first())
        .filter_map(|x| x.referenced.byte_offset())
        .min();
    let Some(first) = first else {
        let (p, indent) = after_level_line(text, level)?;
        return Some((
            p,
            Box::new(move |s: &str| format!("{indent}forms: {{required: [{s}]}}\n")),
        ));
    };
    let line_start = text.get(..first)?.rfind('\n').map_or(0, |i| i + 1);
    let before = text.get(line_start..first)?;
    let key = before
        .rfind("allowed:")
        .into_iter()
        .chain(before.rfind("excluded:"))
        .min()?;
    let lead = before.get(..key)?;
    if lead.trim().is_empty() {
        let indent = lead.to_string();
        Some((
            line_start,
            Box::new(move |s: &str| format!("{indent}required: [{s}]\n")),
        ))
    } else {
        Some((line_start + key, Box::new(|s: &str| format!("required: [{s}], "))))
    }
}

/// The end of the line of a block mapping's `level:` key (written first, `- level: X`, or
/// on a line of its own), and the indentation of its keys.
fn after_level_line(text: &str, level: &Spanned<Level>) -> Option<(usize, String)> {
    let (_, column) = level_key(text, level)?;
    let o = level.referenced.byte_offset()?;
    let line_end = o + text.get(o..)?.find('\n')? + 1;
    Some((line_end, " ".repeat(column)))
}

/// The start of the line of a block mapping's `level:` key and the key's column (from 0);
/// `None` unless written `- level: X` or `level: X` at the start of its line.
fn level_key(text: &str, level: &Spanned<Level>) -> Option<(usize, usize)> {
    let o = level.referenced.byte_offset()?;
    let line_start = text.get(..o)?.rfind('\n').map_or(0, |i| i + 1);
    let key_at = text.get(line_start..o)?.trim_end_matches(' ');
    let keyed = key_at.ends_with("level:") && key_at.trim_start().trim_start_matches("- ") == "level:";
    keyed.then(|| (line_start, key_at.len() - "level:".len()))
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
    let named = |x: &crate::Form| {
        f.excluded
            .iter()
            .chain(&f.allowed)
            .chain(&f.required)
            .any(|y| y.value == *x)
    };
    for form in crate::Form::ALL.iter().filter(|x| !named(x)) {
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

fn parties(at: &At<'_>, t: &TreatyDecl, seeds: &Seeds, out: &mut Vec<Edit>) {
    let text = &at.file.text;
    let mut last = None;
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
            let indent = text.get(line_start..o).map_or(0, |l| l.len() - l.trim_start().len());
            last = Some((line_end, indent));
        }
    }
    let Some((end, indent)) = last else { return };
    let member = |s: &String| {
        t.parties
            .iter()
            .any(|p| p.party.as_ref().is_some_and(|i| &i.value == s))
    };
    for s in seeds.parties.iter().filter(|s| !member(s)) {
        let what = format!("add {s} to the parties of `{}`", at.treaty);
        let line = format!("{}- {{party: {s}}}\n", " ".repeat(indent));
        out.push(at.edit(EditKind::AddParty, end, (end, end), line, what));
    }
}

/// The text of a file with edits applied (they do not clash).
pub(crate) fn apply(text: &str, edits: &[&Edit]) -> String {
    let mut splices: Vec<(usize, usize, &str)> = edits.iter().flat_map(|e| e.splices()).collect();
    splices.sort_by_key(|(s, e, _)| std::cmp::Reverse((*s, *e)));
    let mut out = text.to_string();
    for (s, e, t) in splices {
        if s <= e && e <= out.len() && out.is_char_boundary(s) && out.is_char_boundary(e) {
            out.replace_range(s..e, t);
        }
    }
    out
}
