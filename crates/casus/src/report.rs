//! Text renderings of verdicts and the checking of scenario expectations. These live in the
//! library so that the command-line tool stays thin and other front ends print the same.

use std::fmt::Write as _;

use crate::level::Level;
use crate::scenario::Expect;
use crate::table::{Width, paragraph, table};
pub use crate::text::visible;
use crate::verdict::{NotObligated, PlaceOnDay, Reason, Source, Status, Verdict};
use crate::vocab::Caveat;

/// One expectation of a scenario that the verdict does not meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectFailure {
    /// The party.
    pub party: String,
    /// What was expected.
    pub expected: String,
    /// What the verdict says.
    pub actual: String,
}

/// One line on the scenario's place: its name, what it lies within, its holders on the day
/// (the controller and administrator only where they differ) and its tags.
fn place_line(p: &PlaceOnDay) -> String {
    let mut line = format!("{} {}", p.id, p.name);
    if !p.within.is_empty() {
        let _ = write!(line, ", within {}", p.within.join(" < "));
    }
    let none = "no one";
    let _ = write!(line, "; sovereign {}", p.sovereign.as_deref().unwrap_or(none));
    if p.controller != p.sovereign {
        let _ = write!(line, ", controlled by {}", p.controller.as_deref().unwrap_or(none));
    }
    if p.administrator != p.controller {
        let _ = write!(line, ", administered by {}", p.administrator.as_deref().unwrap_or(none));
    }
    if !p.tags.is_empty() {
        let _ = write!(line, "; tags {}", p.tags.join(", "));
    }
    line
}

/// Checks a verdict against a scenario's `expect` block.
///
/// ```
/// # let rules = casus::RuleSet::from_yaml(casus::doc_example()).unwrap();
/// # let engine = rules.compile().unwrap();
/// let s = casus::Scenario::from_yaml("{date: 2020-01-01, event: armed_attack, attacker: RUS, target: EST, location: EST, on: territory, expect: {assist: [USA], none: [RUS]}}").unwrap();
/// let v = engine.evaluate(&s).unwrap();
/// assert!(casus::report::check_expectations(&v, s.expect.as_ref().unwrap()).is_empty());
/// ```
#[must_use]
pub fn check_expectations(v: &Verdict, e: &Expect) -> Vec<ExpectFailure> {
    let mut out = Vec::new();
    let actual_of = |p: &str| -> String {
        match v.party(p) {
            Some(x) => format!("{} ({})", x.level, x.status.as_str()),
            None => "none".into(),
        }
    };
    for (p, want) in e.levels() {
        let got = v.level_of(p);
        if got != want {
            out.push(ExpectFailure {
                party: p.into(),
                expected: want.map_or("none".into(), |l| l.to_string()),
                actual: actual_of(p),
            });
        }
    }
    for (list, want) in [(&e.contingent, Status::Contingent), (&e.definite, Status::Definite)] {
        for p in list {
            if v.party(p).map(|x| x.status) != Some(want) {
                out.push(ExpectFailure {
                    party: p.clone(),
                    expected: want.as_str().into(),
                    actual: actual_of(p),
                });
            }
        }
    }
    place_expectations(v, e, &mut out);
    out
}

/// The `expect.place` holders (*ext*) that the verdict's place does not have on the day.
fn place_expectations(v: &Verdict, e: &Expect, out: &mut Vec<ExpectFailure>) {
    let Some(want) = &e.place else {
        return;
    };
    let place = v.place.as_ref();
    let roles = [
        ("sovereign", &want.sovereign, place.and_then(|p| p.sovereign.as_deref())),
        (
            "controller",
            &want.controller,
            place.and_then(|p| p.controller.as_deref()),
        ),
        (
            "administrator",
            &want.administrator,
            place.and_then(|p| p.administrator.as_deref()),
        ),
    ];
    for (role, wanted, got) in roles {
        if let Some(wanted) = wanted
            && Some(wanted.as_str()) != got
        {
            out.push(ExpectFailure {
                party: format!("the place's {role}"),
                expected: wanted.clone(),
                actual: got.unwrap_or("none").to_string(),
            });
        }
    }
}

/// How a verdict is printed as text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableOptions {
    /// How wide the table may be (default: [`crate::table::DEFAULT_WIDTH`] columns).
    pub width: Width,
    /// Print every relevant trigger's condition tree (`--explain`).
    pub explain: bool,
    /// List every party that owes nothing, with its reason, instead of a summary per treaty
    /// and reason (`--why-not`; implied by `explain`).
    pub why_not: bool,
}

/// An aligned, readable table of a verdict (what `casus eval` prints), at the default width;
/// `explain` adds the condition trees and lists every party that owes nothing.
#[must_use]
pub fn render_table(v: &Verdict, explain: bool) -> String {
    render_verdict(
        v,
        &TableOptions {
            explain,
            ..TableOptions::default()
        },
    )
}

/// A verdict as text: a heading, one row per obligation (and a row for a weaker level that is
/// definite where the strongest is contingent), the caveats explained, readings, conflicts,
/// who owes nothing and why, and with `explain` the condition trees.
///
/// ```
/// # let engine = casus::RuleSet::from_yaml(casus::doc_example()).unwrap().compile().unwrap();
/// let s = casus::Scenario::from_yaml("{date: 2020-01-01, event: armed_attack, attacker: RUS, target: EST, location: EST, on: territory}").unwrap();
/// let text = casus::report::render_verdict(&engine.evaluate(&s).unwrap(), &casus::report::TableOptions::default());
/// assert!(text.lines().all(|l| l.chars().count() <= 100));
/// ```
#[must_use]
pub fn render_verdict(v: &Verdict, options: &TableOptions) -> String {
    let width = options.width;
    let mut s = String::new();
    let attackers = v
        .attackers
        .as_ref()
        .map_or("an unknown attacker".to_string(), |a| a.join(", "));
    let _ = writeln!(
        s,
        "{} by {} on {} at {} — {}",
        v.event,
        attackers,
        v.targets.join(", "),
        v.location.as_deref().unwrap_or("an unknown place"),
        v.date
    );
    if let Some(place) = &v.place {
        s.push_str(&paragraph("", "  ", &place_line(place), width));
    }
    if v.obligations.is_empty() {
        let _ = writeln!(s, "\nNo party is obliged to respond.");
    } else {
        let rows: Vec<Vec<String>> = v.obligations.iter().flat_map(obligation_rows).collect();
        let header = ["PARTY", "LEVEL", "STATUS", "UNDER", "CAVEATS, FORM, DEADLINE"];
        let _ = writeln!(s);
        s.push_str(&table(&header, &rows, width));
        caveat_legend(v, width, &mut s);
        readings(v, width, &mut s);
    }
    if !v.conflicts.is_empty() {
        let _ = writeln!(s, "\nConflicts:");
        for c in &v.conflicts {
            s.push_str(&paragraph("  ", "      ", &format!("{}: {}", c.party, c.detail), width));
        }
    }
    if options.why_not || options.explain {
        not_obliged_each(v, width, &mut s);
    } else {
        not_obliged_summary(v, width, &mut s);
    }
    if !v.would_apply.is_empty() {
        let _ = writeln!(s, "\nWould apply if the target were a party:");
        for w in &v.would_apply {
            s.push_str(&paragraph(
                "  ",
                "      ",
                &format!("{} — {}", w.treaty, w.detail),
                width,
            ));
        }
    }
    if !v.not_modelled.is_empty() {
        let _ = writeln!(
            s,
            "\nNo treaty of the rule set obliges anyone. Not modelled, on purpose:"
        );
        for n in &v.not_modelled {
            let line = format!("{} ({}): {}", n.name, n.kind, n.detail);
            s.push_str(&paragraph("  ", "      ", &line, width));
        }
    }
    if options.explain {
        let _ = writeln!(s, "\nTriggers:");
        for c in &v.explanation {
            let _ = writeln!(
                s,
                "  {} {} (for {}): {}",
                c.treaty,
                c.citation,
                c.target,
                c.value.as_str()
            );
            trace(&c.trigger, 2, width, &mut s);
        }
    }
    s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n") + "\n"
}

/// The sources of one obligation that share a level and a status, and what they wait on.
struct SourceGroup<'a> {
    level: Level,
    status: Status,
    depends_on: Vec<String>,
    sources: Vec<&'a Source>,
}

impl SourceGroup<'_> {
    /// Whether this group says everything `other` says: at least as strong, and definite
    /// where `other` is.
    fn covers(&self, other: &SourceGroup<'_>) -> bool {
        self.level.rank() >= other.level.rank()
            && (self.status == Status::Definite || other.status == Status::Contingent)
    }
}

fn status_words(status: Status, depends_on: &[String]) -> String {
    if status == Status::Contingent {
        format!("contingent on {}", depends_on.join(", "))
    } else {
        "definite".into()
    }
}

fn cited(x: &Source) -> String {
    let marks = match (x.draft, x.lead) {
        (true, true) => " (draft, lead)",
        (true, false) => " (draft)",
        (false, true) => " (lead)",
        (false, false) => "",
    };
    format!("{} {}{marks}", x.treaty, x.citation)
}

/// The rows of one obligation: the strongest level first; below it, a weaker level only where
/// it is definite and the stronger is not. Sources that add nothing (weaker and no more
/// certain) are named in the first row's UNDER with their level.
fn obligation_rows(o: &crate::verdict::PartyObligation) -> Vec<Vec<String>> {
    let mut groups: Vec<SourceGroup<'_>> = Vec::new();
    for x in &o.sources {
        match groups.iter_mut().find(|g| g.level == x.level && g.status == x.status) {
            Some(g) => {
                g.sources.push(x);
                for d in &x.depends_on {
                    if !g.depends_on.contains(d) {
                        g.depends_on.push(d.clone());
                    }
                }
            }
            None => groups.push(SourceGroup {
                level: x.level,
                status: x.status,
                depends_on: x.depends_on.clone(),
                sources: vec![x],
            }),
        }
    }
    groups.sort_by(|a, b| b.level.rank().cmp(&a.level.rank()).then(a.status.cmp(&b.status)));
    let mut shown: Vec<(SourceGroup<'_>, Vec<String>)> = Vec::new();
    for g in groups {
        match shown.iter_mut().find(|(k, _)| k.covers(&g)) {
            // A later or earlier stage of a clause already shown is in its stage sequence, not
            // an "also".
            Some((k, also)) => also.extend(
                g.sources
                    .iter()
                    .filter(|x| !k.sources.iter().any(|y| y.treaty == x.treaty && y.clause == x.clause))
                    .map(|x| {
                        let status = match g.status {
                            Status::Definite => String::new(),
                            Status::Contingent => format!(", if {}", g.depends_on.join(", ")),
                        };
                        format!("{} ({}{status})", cited(x), g.level)
                    }),
            ),
            None => shown.push((g, Vec::new())),
        }
    }
    shown
        .iter()
        .enumerate()
        .map(|(i, (g, also))| {
            let mut under: Vec<String> = g.sources.iter().map(|x| cited(x)).collect();
            under.dedup();
            if !also.is_empty() {
                under.push(format!("also {}", also.join("; ")));
            }
            vec![
                if i == 0 { o.party.to_string() } else { String::new() },
                g.level.to_string(),
                status_words(g.status, &g.depends_on),
                under.join("; "),
                extras(&g.sources, &o.sources),
            ]
        })
        .collect()
}

/// The caveats, forms and deadline of some sources, caveats first, each named once; where the
/// obligation comes in stages (`all` its sources), the stages with their deadlines instead of
/// one deadline ("consult within 24 hours, then assist (no deadline)").
fn extras(sources: &[&Source], all: &[Source]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut add = |x: String| {
        if !out.contains(&x) {
            out.push(x);
        }
    };
    for x in sources {
        for c in &x.caveats {
            add(c.to_string());
        }
    }
    let mut toward: Vec<&str> = Vec::new();
    for x in sources {
        if !toward.contains(&x.toward.as_str()) {
            toward.push(&x.toward);
        }
    }
    if toward.len() > 1 {
        add(format!("toward {}", toward.join(" and ")));
    }
    for x in sources.iter().filter(|x| !x.against.is_empty()) {
        add(format!("against {}", x.against.join(", ")));
    }
    let stages = Source::sequence(all);
    if let Some(steps) = &stages {
        add(steps.clone());
    }
    for x in sources {
        if let (Some(d), None) = (&x.deadline, &stages) {
            add(d.to_string());
        }
        for (word, forms) in [("excluded", &x.forms.excluded), ("required", &x.forms.required)] {
            if !forms.is_empty() {
                let list: Vec<String> = forms.iter().map(ToString::to_string).collect();
                add(format!("{word}: {}", list.join(", ")));
            }
        }
    }
    out.join("; ")
}

/// What a caveat means, in words, for the legend below the table.
fn caveat_meaning(caveat: &Caveat) -> Option<String> {
    Some(match caveat {
        Caveat::ConstitutionalProcesses => "carried out in accordance with the party's constitutional processes".into(),
        Caveat::SpecificCharacter => "does not prejudice the specific character of the party's security and defence \
            policy (a neutral or non-aligned state): it still owes aid, but may limit its form"
            .into(),
        Caveat::ForceNotCompulsory => "no party may be required to use armed force without its consent".into(),
        Caveat::DomesticLaw => "subject to the laws of the parties".into(),
        Caveat::UntilSecurityCouncilActs => "the measures end when the UN Security Council has acted".into(),
        Caveat::PoliticalCommitment => "a political commitment, not a legal obligation".into(),
        Caveat::PrimacyOf(t) => format!("for parties to {t}, {t} remains the foundation of their collective defence"),
        Caveat::Other(_) => return None,
    })
}

fn caveat_legend(v: &Verdict, width: Width, s: &mut String) {
    let mut seen: Vec<&Caveat> = Vec::new();
    for x in v.obligations.iter().flat_map(|o| &o.sources) {
        for c in &x.caveats {
            if !seen.contains(&c) {
                seen.push(c);
            }
        }
    }
    seen.sort_by_cached_key(|c| c.to_string());
    let lines: Vec<String> = seen
        .iter()
        .filter_map(|c| caveat_meaning(c).map(|m| format!("{c}: {m}")))
        .collect();
    if !lines.is_empty() {
        let _ = writeln!(s, "\nCaveats:");
        for l in lines {
            s.push_str(&paragraph("  ", "      ", &l, width));
        }
    }
}

/// Alternative readings that change an answer: one line per reading and change, with the
/// parties it changes.
fn readings(v: &Verdict, width: Width, s: &mut String) {
    let mut lines: Vec<(String, Vec<&str>)> = Vec::new();
    for o in &v.obligations {
        for r in &o.readings {
            let line = format!(
                "reading `{}` of {} {}: {{}} would be {} instead of {} — {}",
                r.reading,
                r.treaty,
                r.citation,
                r.level.map_or("none".into(), |l| format!(
                    "{l} ({})",
                    r.status.map_or("", |s| s.as_str())
                )),
                r.default_level.map_or("none".into(), |l| format!(
                    "{l} ({})",
                    r.default_status.map_or("", |s| s.as_str())
                )),
                r.basis
            );
            match lines.iter_mut().find(|(l, _)| *l == line) {
                Some((_, parties)) => parties.push(&o.party),
                None => lines.push((line, vec![&o.party])),
            }
        }
    }
    if !lines.is_empty() {
        let _ = writeln!(s);
    }
    for (line, parties) in lines {
        s.push_str(&paragraph(
            "  ",
            "      ",
            &line.replacen("{}", &parties.join(" "), 1),
            width,
        ));
    }
}

/// The entries of `not_obligated` worth printing: a target is never listed as not obliged to
/// itself.
fn not_obliged_list(v: &Verdict) -> Vec<NotObligated> {
    v.not_obligated
        .iter()
        .filter(|n| !(n.reason == Reason::IsTarget && v.targets.iter().any(|t| *t == n.party)))
        .collect()
}

/// Every party that owes nothing, with its reason (parties of one treaty that share a reason
/// and detail on one line).
fn not_obliged_each(v: &Verdict, width: Width, s: &mut String) {
    let list = not_obliged_list(v);
    if list.is_empty() {
        return;
    }
    let _ = writeln!(s, "\nNot obliged:");
    let mut i = 0;
    while let Some(first) = list.get(i) {
        let mut parties = vec![first.party.as_str()];
        let mut j = i + 1;
        while let Some(n) = list.get(j) {
            if n.treaty == first.treaty && n.reason == first.reason && n.detail == first.detail && n.readings.is_empty()
            {
                parties.push(&n.party);
                j += 1;
            } else {
                break;
            }
        }
        let line = format!(
            "{} [{}] {}: {}",
            first.treaty,
            first.reason.as_str(),
            parties.join(" "),
            first.detail
        );
        s.push_str(&paragraph("  ", "      ", &line, width));
        for r in &first.readings {
            let line = format!(
                "reading `{}` of {}: {} would be {} — {}",
                r.reading,
                r.citation,
                first.party,
                r.level.map_or("none".into(), |l| l.to_string()),
                r.basis
            );
            s.push_str(&paragraph("    ", "        ", &line, width));
        }
        i = j;
    }
}

/// Who owes nothing, per treaty and reason: how many parties, which, and why in words (every
/// distinct wording when there are few, else the first and how many more).
fn not_obliged_summary(v: &Verdict, width: Width, s: &mut String) {
    let list = not_obliged_list(v);
    if list.is_empty() {
        return;
    }
    let mut groups: Vec<((&str, Reason), Vec<&NotObligated>)> = Vec::new();
    for n in &list {
        let key = (n.treaty.as_str(), n.reason);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push(n),
            None => groups.push((key, vec![n])),
        }
    }
    let _ = writeln!(
        s,
        "\nNot obliged ({} reasons under {} treaties; --why-not lists each party):",
        list.len(),
        {
            let mut t: Vec<&str> = list.iter().map(|n| n.treaty.as_str()).collect();
            t.dedup();
            t.len()
        }
    );
    for ((treaty, reason), g) in &groups {
        let mut parties: Vec<&str> = g.iter().map(|n| n.party.as_str()).collect();
        parties.sort_unstable();
        parties.dedup();
        let line = format!(
            "{treaty} [{}] {} part{}: {}",
            reason.as_str(),
            parties.len(),
            if parties.len() == 1 { "y" } else { "ies" },
            parties.join(" ")
        );
        s.push_str(&paragraph("  ", "      ", &line, width));
        let mut details: Vec<std::borrow::Cow<str>> = Vec::new();
        for n in g {
            let words = n.detail.text();
            if !details.contains(&words) {
                details.push(words);
            }
        }
        let shown = if details.len() > 3 { 1 } else { details.len() };
        for d in details.iter().take(shown) {
            s.push_str(&paragraph("    ", "      ", d, width));
        }
        if details.len() > shown {
            let more = details.len() - shown;
            let line = format!("… and {more} other wording{}", if more == 1 { "" } else { "s" });
            s.push_str(&paragraph("    ", "      ", &line, width));
        }
        let readings: usize = g.iter().map(|n| n.readings.len()).sum();
        if readings > 0 {
            let line = format!(
                "{readings} alternative reading{} would oblige some of them (--why-not)",
                if readings == 1 { "" } else { "s" }
            );
            s.push_str(&paragraph("    ", "      ", &line, width));
        }
    }
}

fn trace(t: &crate::verdict::ConditionTrace, depth: usize, width: Width, s: &mut String) {
    let pad = "  ".repeat(depth);
    let dep = if t.depends_on.is_empty() {
        String::new()
    } else {
        format!(" (waits on {})", t.depends_on.join(", "))
    };
    let line = format!("[{}] {}{dep}", t.value.as_str(), t.condition);
    s.push_str(&paragraph(&pad, &format!("{pad}    "), &line, width));
    for c in &t.children {
        trace(c, depth + 1, width, s);
    }
}
