//! Text renderings of verdicts and the checking of scenario expectations. These live in the
//! library so that the command-line tool stays thin and other front ends print the same.

use std::fmt::Write as _;

use crate::scenario::Expect;
use crate::verdict::{Status, Verdict};

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

/// Checks a verdict against a scenario's `expect` block.
///
/// ```
/// # let rules = casus::RuleSet::from_yaml(casus::doc_example()).unwrap();
/// # let engine = rules.compile().unwrap();
/// let s = casus::Scenario::from_yaml("{date: 2020-01-01, event: armed_attack, attacker: RUS, target: EST, location: EST, on: territory, expect: {assist: [USA], none: [RUS]}}").unwrap();
/// let v = engine.evaluate(&s).unwrap();
/// assert!(casus::check_expectations(&v, s.expect.as_ref().unwrap()).is_empty());
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
    out
}

/// An aligned, readable table of a verdict (what `casus eval` prints).
#[must_use]
pub fn render_table(v: &Verdict, explain: bool) -> String {
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
    if v.obligations.is_empty() {
        let _ = writeln!(s, "\nNo party is obliged to respond.");
    } else {
        let rows: Vec<[String; 5]> = v
            .obligations
            .iter()
            .map(|o| {
                let status = if o.status == Status::Contingent {
                    format!("contingent on {}", o.depends_on.join(", "))
                } else {
                    "definite".into()
                };
                let mut srcs: Vec<String> = o
                    .sources
                    .iter()
                    .map(|x| format!("{} {}{}", x.treaty, x.citation, if x.draft { " (draft)" } else { "" }))
                    .collect();
                srcs.dedup();
                let mut extra = Vec::new();
                match crate::verdict::Source::sequence(&o.sources) {
                    Some(steps) => extra.push(steps),
                    None => {
                        if let Some(d) = &o.deadline {
                            extra.push(d.clone());
                        }
                    }
                }
                if !o.forms.excluded.is_empty() {
                    extra.push(format!(
                        "excluded: {}",
                        o.forms
                            .excluded
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                if !o.forms.required.is_empty() {
                    extra.push(format!(
                        "required: {}",
                        o.forms
                            .required
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                if !o.caveats.is_empty() {
                    extra.push(o.caveats.join(", "));
                }
                [
                    o.party.clone(),
                    o.level.to_string(),
                    status,
                    srcs.join("; "),
                    extra.join("; "),
                ]
            })
            .collect();
        let header = ["PARTY", "LEVEL", "STATUS", "UNDER", "FORM, DEADLINE, CAVEATS"];
        let mut w = header.map(|h| h.chars().count());
        for r in &rows {
            for (i, c) in r.iter().enumerate() {
                if let Some(x) = w.get_mut(i) {
                    *x = (*x).max(c.chars().count());
                }
            }
        }
        let line = |cells: &[String; 5], s: &mut String| {
            let mut l = String::new();
            for (i, c) in cells.iter().enumerate() {
                let width = w.get(i).copied().unwrap_or(0);
                if i + 1 == cells.len() {
                    l.push_str(c);
                } else {
                    let _ = write!(l, "{c:<width$}  ");
                }
            }
            let _ = writeln!(s, "{}", l.trim_end());
        };
        let _ = writeln!(s);
        line(&header.map(String::from), &mut s);
        for r in &rows {
            line(r, &mut s);
        }
        for o in &v.obligations {
            for r in &o.readings {
                let _ = writeln!(
                    s,
                    "  reading `{}` of {} {}: {} would be {} instead of {} — {}",
                    r.reading,
                    r.treaty,
                    r.citation,
                    o.party,
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
            }
        }
    }
    if !v.conflicts.is_empty() {
        let _ = writeln!(s, "\nConflicts:");
        for c in &v.conflicts {
            let _ = writeln!(s, "  {}: {}", c.party, c.detail);
        }
    }
    if !v.not_obligated.is_empty() {
        let _ = writeln!(s, "\nNot obliged:");
        // Group parties of one treaty that share a reason and detail.
        let mut i = 0;
        let list = &v.not_obligated;
        while let Some(first) = list.get(i) {
            let mut parties = vec![first.party.clone()];
            let mut j = i + 1;
            while let Some(n) = list.get(j) {
                if n.treaty == first.treaty
                    && n.reason == first.reason
                    && n.detail == first.detail
                    && n.readings.is_empty()
                {
                    parties.push(n.party.clone());
                    j += 1;
                } else {
                    break;
                }
            }
            let _ = writeln!(
                s,
                "  {} [{}] {}: {}",
                first.treaty,
                first.reason.as_str(),
                parties.join(" "),
                first.detail
            );
            for r in &first.readings {
                let _ = writeln!(
                    s,
                    "    reading `{}` of {}: {} would be {} — {}",
                    r.reading,
                    r.citation,
                    first.party,
                    r.level.map_or("none".into(), |l| l.to_string()),
                    r.basis
                );
            }
            i = j;
        }
    }
    if !v.would_apply.is_empty() {
        let _ = writeln!(s, "\nWould apply if the target were a party:");
        for w in &v.would_apply {
            let _ = writeln!(s, "  {} — {}", w.treaty, w.detail);
        }
    }
    if explain {
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
            trace(&c.trigger, 2, &mut s);
        }
    }
    s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n") + "\n"
}

fn trace(t: &crate::verdict::ConditionTrace, depth: usize, s: &mut String) {
    let pad = "  ".repeat(depth);
    let dep = if t.depends_on.is_empty() {
        String::new()
    } else {
        format!(" (waits on {})", t.depends_on.join(", "))
    };
    let _ = writeln!(s, "{pad}[{}] {}{dep}", t.value.as_str(), t.condition);
    for c in &t.children {
        trace(c, depth + 1, s);
    }
}
