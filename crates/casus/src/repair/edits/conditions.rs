//! Edits of where a clause applies: the tests of its trigger (and of an obligation's `when:`)
//! at any depth of `all:`, `any:` and `not:`, and the exceptions and waited-on facts added to
//! its top-level `all:`.

use super::{At, Edit, EditKind, Seeds, Splice, after_level_line, item_extent};
use crate::model::{ClauseDecl, Condition, ObligationDecl, PartyTest, PlaceTest, Spanned};

/// The facts every rule set knows.
pub(super) const BUILT_IN_FACTS: [&str; 3] = ["provoked", "requested", "determined"];

/// Every edit of where clause `c` applies; `facts` are those it may wait on.
pub(super) fn trigger(at: &At<'_>, c: &ClauseDecl, seeds: &Seeds, facts: &[String], out: &mut Vec<Edit>) {
    walk(at, &c.trigger, seeds, out);
    let Condition::All(items) = &c.trigger.value else {
        return;
    };
    let text = &at.file.text;
    let last = items
        .iter()
        .rev()
        .find_map(|i| item_extent(text, i.referenced.byte_offset()?));
    let Some((_, end, dash)) = last else { return };
    exceptions(at, items, (end, dash), seeds, out);
    waited_facts(at, c, items, (end, dash), facts, out);
}

/// The edits of an obligation's own condition (`when:`): its tests; dropping it when it is
/// written on the `when:` line, and, when it is a fact, turning it into a caveat.
pub(super) fn when(at: &At<'_>, o: &ObligationDecl, out: &mut Vec<Edit>) {
    let Some(w) = &o.when else { return };
    walk(at, w, &Seeds::default(), out);
    let text = &at.file.text;
    let Some(p) = w.referenced.byte_offset() else { return };
    let line_start = text.get(..p).and_then(|b| b.rfind('\n')).map_or(0, |i| i + 1);
    let line_end = text
        .get(p..)
        .and_then(|a| a.find('\n'))
        .map_or(text.len(), |i| p + i + 1);
    if text.get(line_start..p).map(str::trim) != Some("when:") || test_span(text, w).is_none() {
        return;
    }
    let written = text.get(line_start..line_end).unwrap_or("").trim();
    let what = format!(
        "drop the condition `{written}` of an obligation of {}",
        at.clause_words()
    );
    out.push(at.edit(EditKind::DropTest, p, (line_start, line_end), String::new(), what));
    let Some((fact, positive)) = waited_fact(&w.value) else {
        return;
    };
    let caveat = caveat_of(fact, positive);
    let Some(more) = add_caveat(text, o, &caveat) else {
        return;
    };
    let what = format!(
        "an obligation of {} no longer waits on the fact {fact} {}: it carries the caveat `{caveat}` instead",
        at.clause_words(),
        if positive { "being true" } else { "being false" }
    );
    let mut e = at.edit(EditKind::FactToCaveat, p, (line_start, line_end), String::new(), what);
    e.more = vec![more];
    out.push(e);
}

/// The fact a condition is, and whether it waits on it being true.
fn waited_fact(c: &Condition) -> Option<(&str, bool)> {
    match c {
        Condition::Fact(f) => Some((&f.value, true)),
        Condition::Not(inner) => match &inner.value {
            Condition::Fact(f) => Some((&f.value, false)),
            _ => None,
        },
        _ => None,
    }
}

/// The caveat that says what waiting on a fact said.
fn caveat_of(fact: &str, positive: bool) -> String {
    format!("{{other: \"only if {}{fact}\"}}", if positive { "" } else { "not " })
}

/// The edits of condition `cond` and of every condition under it.
fn walk(at: &At<'_>, cond: &Spanned<Condition>, seeds: &Seeds, out: &mut Vec<Edit>) {
    match &cond.value {
        Condition::All(items) | Condition::Any(items) => {
            for item in items {
                if items.len() > 1 {
                    drop_item(at, item, out);
                }
                walk(at, item, seeds, out);
            }
        }
        Condition::Not(inner) => match &inner.value {
            Condition::Fact(f) => flip(at, cond, &f.value, false, out),
            _ => walk(at, inner, seeds, out),
        },
        Condition::Fact(f) => flip(at, cond, &f.value, true, out),
        _ => leaf(at, cond, seeds, out),
    }
}

/// Drops an item of an `all:` or `any:` written as a block item.
fn drop_item(at: &At<'_>, item: &Spanned<Condition>, out: &mut Vec<Edit>) {
    let text = &at.file.text;
    let Some(key) = item.referenced.byte_offset() else {
        return;
    };
    let Some((start, end, _)) = item_extent(text, key) else {
        return;
    };
    let written = text.get(key..end).unwrap_or("").trim_end().to_string();
    let what = format!("drop the test `{written}` from where {} applies", at.clause_words());
    out.push(at.edit(EditKind::DropTest, key, (start, end), String::new(), what));
}

/// The edits of one test that is not `all`, `any`, `not` or a fact.
fn leaf(at: &At<'_>, cond: &Spanned<Condition>, seeds: &Seeds, out: &mut Vec<Edit>) {
    let text = &at.file.text;
    let span = test_span(text, cond);
    let written = span.and_then(|(s, e)| text.get(s..e)).unwrap_or("").to_string();
    match &cond.value {
        Condition::Location(test) => {
            if let Some(span) = span {
                place_tests(at, test, span, &written, seeds, out);
            } else if let PlaceTest::In(ids) | PlaceTest::Tagged(ids) = test {
                let (kind, seeds, noun) = match test {
                    PlaceTest::In(_) => (EditKind::AddPlace, &seeds.places, "place"),
                    _ => (EditKind::AddTag, &seeds.tags, "tag"),
                };
                add_to_list(at, kind, &ids.0, seeds, noun, out);
            }
        }
        Condition::Attacker(PartyTest::Is(ids)) => {
            add_to_list(at, EditKind::AddAttacker, &ids.0, &seeds.attackers, "attacker", out);
        }
        Condition::Event(kinds) => {
            let now: Vec<&str> = kinds.0.iter().map(|k| k.as_str()).collect();
            let new: Vec<&str> = seeds.events.iter().map(|k| k.as_str()).collect();
            add_kind(
                at,
                span,
                (EditKind::AddEvent, "event", "the event kind"),
                (&now, &new),
                out,
            );
        }
        Condition::On(kinds) => {
            let now: Vec<&str> = kinds.0.iter().map(|k| k.as_str()).collect();
            let new: Vec<&str> = seeds.ons.iter().map(|k| k.as_str()).collect();
            add_kind(at, span, (EditKind::AddOn, "on", "what was hit:"), (&now, &new), out);
        }
        Condition::Date(w) => super::time::window(at, w, seeds, out),
        _ => {}
    }
}

/// Adds each of `new` not in `now` to a test `key: x` or `key: [x, y]`, written `key: [x, y, z]`.
fn add_kind(
    at: &At<'_>,
    span: Option<(usize, usize)>,
    (kind, key, noun): (EditKind, &str, &str),
    (now, new): (&[&str], &[&str]),
    out: &mut Vec<Edit>,
) {
    let Some((s, e)) = span else { return };
    let written = at.file.text.get(s..e).unwrap_or("");
    for k in new.iter().filter(|k| !now.contains(k)) {
        let list = now
            .iter()
            .chain(std::iter::once(k))
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        let what = format!("add {noun} {k} to `{written}` where {} applies", at.clause_words());
        out.push(at.edit(kind, s, (s, e), format!("{key}: [{list}]"), what));
    }
}

/// Flips a waited-on fact: `fact: X` becomes `not: {fact: X}` and back.
fn flip(at: &At<'_>, cond: &Spanned<Condition>, fact: &str, positive: bool, out: &mut Vec<Edit>) {
    let Some((s, e)) = test_span(&at.file.text, cond) else {
        return;
    };
    let (text, was, now) = if positive {
        (format!("not: {{fact: {fact}}}"), "true", "false")
    } else {
        (format!("fact: {fact}"), "false", "true")
    };
    let what = format!(
        "{} waits on the fact {fact} being {now}, instead of {was}",
        at.clause_words()
    );
    out.push(at.edit(EditKind::FlipFact, s, (s, e), text, what));
}

/// The text of a test written on one line, `key: value` (the braces of a flow mapping left
/// out, a comment after it too); `None` when it spans lines.
pub(super) fn test_span(text: &str, cond: &Spanned<Condition>) -> Option<(usize, usize)> {
    let o = cond.referenced.byte_offset()?;
    let rest = text.get(o..)?;
    if rest.starts_with('{') {
        let close = o + flow_end(rest.get(1..)?)? + 1;
        let inner = text.get(o + 1..close)?;
        let s = o + 1 + (inner.len() - inner.trim_start().len());
        return Some((s, o + 1 + inner.trim_end().len()));
    }
    let written = rest.get(..flow_end(rest)?)?.trim_end();
    let (_, value) = written.split_once(':')?;
    (!value.trim().is_empty()).then_some((o, o + written.len()))
}

/// Where the value `text` starts with ends: at the `,`, `}` or `]` that closes it in the
/// flow collection around it, at a comment, or at the end of the line (`None` when it goes
/// on past the line).
fn flow_end(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), '\n') => return None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') if depth > 0 => depth -= 1,
            (None, '}' | ']' | ',') if depth == 0 => return Some(i),
            (None, '#') if prev == ' ' && depth == 0 => return Some(i),
            (None, '\n') => return (depth == 0).then_some(i),
            _ => {}
        }
        prev = c;
    }
    (depth == 0).then_some(text.len())
}

/// Exceptions added to the top-level `all:` for what the counterexamples name: a place, an
/// attacker, an event kind, what was hit, a target (each unless the clause already admits
/// nothing else).
fn exceptions(
    at: &At<'_>,
    items: &[Spanned<Condition>],
    (end, dash): (usize, usize),
    seeds: &Seeds,
    out: &mut Vec<Edit>,
) {
    let indent = " ".repeat(dash);
    let only = |f: &dyn Fn(&Condition) -> Option<Vec<String>>, v: &str| {
        items
            .iter()
            .any(|i| f(&i.value).is_some_and(|l| l.len() == 1 && l.iter().any(|x| x == v)))
    };
    let mut push = |test: String, words: String| {
        let what = format!("add an exception to {}: {words}", at.clause_words());
        let line = format!("{indent}- not: {{{test}}}\n");
        out.push(at.edit(EditKind::AddException, end, (end, end), line, what));
    };
    for p in &seeds.places {
        push(format!("location: {{in: [{p}]}}"), format!("not at {p}"));
    }
    for a in &seeds.attackers {
        push(format!("attacker: {{is: [{a}]}}"), format!("not when {a} attacks"));
    }
    let events = |c: &Condition| match c {
        Condition::Event(k) => Some(k.0.iter().map(|x| x.as_str().to_string()).collect()),
        _ => None,
    };
    for e in seeds.events.iter().map(|e| e.as_str()).filter(|e| !only(&events, e)) {
        push(format!("event: {e}"), format!("not for an event of kind {e}"));
    }
    let ons = |c: &Condition| match c {
        Condition::On(k) => Some(k.0.iter().map(|x| x.as_str().to_string()).collect()),
        _ => None,
    };
    for o in seeds.ons.iter().map(|o| o.as_str()).filter(|o| !only(&ons, o)) {
        push(format!("on: {o}"), format!("not when what was hit is {o}"));
    }
    let targets = |c: &Condition| match c {
        Condition::Target(PartyTest::Is(ids)) => Some(ids.0.iter().map(|x| x.value.clone()).collect()),
        _ => None,
    };
    for t in seeds.targets.iter().filter(|t| !only(&targets, t)) {
        push(format!("target: {{is: [{t}]}}"), format!("not when {t} is attacked"));
    }
}

/// Facts the top-level `all:` may newly wait on (true or false), and the facts it waits on
/// turned into a caveat of every obligation of the clause.
fn waited_facts(
    at: &At<'_>,
    c: &ClauseDecl,
    items: &[Spanned<Condition>],
    (end, dash): (usize, usize),
    facts: &[String],
    out: &mut Vec<Edit>,
) {
    let mut named = Vec::new();
    facts_in(&c.trigger.value, &mut named);
    let indent = " ".repeat(dash);
    for f in facts.iter().filter(|f| !named.contains(f)) {
        for (test, words) in [
            (format!("fact: {f}"), format!("waits on the fact {f}")),
            (
                format!("not: {{fact: {f}}}"),
                format!("waits on the fact {f} being false"),
            ),
        ] {
            let what = format!("{} {words}", at.clause_words());
            let line = format!("{indent}- {test}\n");
            out.push(at.edit(EditKind::AddFact, end, (end, end), line, what));
        }
    }
    let text = &at.file.text;
    for item in items {
        let Some((fact, positive)) = waited_fact(&item.value) else {
            continue;
        };
        let Some(key) = item.referenced.byte_offset() else {
            continue;
        };
        let Some((start, end, _)) = item_extent(text, key) else {
            continue;
        };
        let caveat = caveat_of(fact, positive);
        let Some(more) = c
            .obligations
            .iter()
            .map(|o| add_caveat(text, o, &caveat))
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let what = format!(
            "{} no longer waits on the fact {fact} {}: every obligation carries the caveat `{caveat}` instead",
            at.clause_words(),
            if positive { "being true" } else { "being false" }
        );
        let mut e = at.edit(EditKind::FactToCaveat, key, (start, end), String::new(), what);
        e.more = more;
        out.push(e);
    }
}

/// The text that adds `caveat` to an obligation's `caveats: [...]`, or a `caveats:` line.
fn add_caveat(text: &str, o: &ObligationDecl, caveat: &str) -> Option<Splice> {
    if let Some(last) = o.caveats.last() {
        let (p, n) = (last.referenced.byte_offset()?, last.referenced.byte_len()?);
        return text.get(p + n..)?.starts_with(']').then(|| Splice {
            start: p + n,
            end: p + n,
            text: format!(", {caveat}"),
        });
    }
    let (at, indent) = after_level_line(text, &o.level)?;
    Some(Splice {
        start: at,
        end: at,
        text: format!("{indent}caveats: [{caveat}]\n"),
    })
}

/// The facts a condition names, in order.
fn facts_in(c: &Condition, out: &mut Vec<String>) {
    match c {
        Condition::All(items) | Condition::Any(items) => {
            for i in items {
                facts_in(&i.value, out);
            }
        }
        Condition::Not(inner) => facts_in(&inner.value, out),
        Condition::Fact(f) if !out.contains(&f.value) => out.push(f.value.clone()),
        _ => {}
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
        PlaceTest::Tagged(ids) => {
            add_to_list(at, EditKind::AddTag, &ids.0, &seeds.tags, "tag", out);
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
pub(super) fn add_to_list(
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
