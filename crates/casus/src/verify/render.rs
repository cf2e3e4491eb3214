//! The text renderings of `casus verify` and `casus diff` (in the library, so that the CLI
//! stays thin).

use std::fmt::Write as _;

use super::check::{Outcome, SpaceReport, VerifyReport};
use super::diff::DiffReport;
use crate::table::{Width, table};

fn space_line(s: &SpaceReport) -> String {
    let mut line = format!(
        "{} scenarios = {} targets × {} attackers × {} events × {} dates × {} places × {} on × {} means × {} supporters × 3^{} facts",
        s.scenarios, s.targets, s.attackers, s.events, s.dates, s.locations, s.on, s.means, s.supporters, s.facts
    );
    if s.launched_from > 1 {
        let _ = write!(line, " × {} launch places", s.launched_from);
    }
    if s.readings > 1 {
        let _ = write!(line, " × {} readings", s.readings);
    }
    line
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

/// The text of a verification report (what `casus verify` prints), its table fitted to
/// `width`.
#[must_use]
pub fn render_verify(r: &VerifyReport, width: Width) -> String {
    let mut s = String::new();
    s.push_str(&crate::table::paragraph(
        "",
        "    ",
        &format!("Scenario space: {}", space_line(&r.space)),
        width,
    ));
    s.push('\n');
    let rows: Vec<Vec<String>> = r
        .properties
        .iter()
        .map(|p| {
            vec![
                p.id.clone(),
                match p.outcome {
                    Outcome::Violated => "VIOLATED".into(),
                    o => o.as_str().into(),
                },
                format!("{:?}", p.mode).to_lowercase(),
                p.scenarios.to_string(),
                p.violations.to_string(),
                p.evaluated.to_string(),
            ]
        })
        .collect();
    s.push_str(&table(
        &["PROPERTY", "RESULT", "MODE", "IN SCOPE", "VIOLATING", "EVALUATED"],
        &rows,
        width,
    ));
    for p in &r.properties {
        if p.counterexample.is_none() && p.notes.is_empty() && p.outcome != Outcome::Vacuous {
            continue;
        }
        let _ = writeln!(s, "\n{}: {}", p.id, p.outcome.as_str());
        if let Some(d) = &p.description {
            let _ = writeln!(s, "  {d}");
        }
        if p.outcome == Outcome::Vacuous {
            let _ = writeln!(s, "  note: no scenario is in the property's scope");
        }
        for n in &p.notes {
            let _ = writeln!(s, "  note: {n}");
        }
        if let Some(c) = &p.counterexample {
            let _ = writeln!(s, "  why: {}", c.why);
            if let Some(r) = &c.reading {
                let _ = writeln!(s, "  under the reading {r}");
            }
            let _ = writeln!(s, "  smallest counterexample:");
            s.push_str(&indent(&c.scenario.to_yaml().unwrap_or_default(), "    "));
        }
    }
    s
}

/// The text of a diff (what `casus diff` prints). Groups that differ only in the party are
/// printed on one line; the table is fitted to `width`.
#[must_use]
pub fn render_diff(d: &DiffReport, width: Width) -> String {
    let mut s = String::new();
    s.push_str(&crate::table::paragraph(
        "",
        "    ",
        &format!("Scenario space: {}", space_line(&d.space)),
        width,
    ));
    let _ = writeln!(
        s,
        "{} of {} scenarios change ({} classes evaluated)\n",
        d.changed, d.scenarios, d.evaluated
    );
    for n in &d.notes {
        let _ = writeln!(s, "note: {n}");
    }
    if d.groups.is_empty() {
        s.push_str("No verdict changes.\n");
        return s;
    }
    // What kinds of change there are, each with the scenarios (counted per party) that show it.
    let mut kinds: std::collections::BTreeMap<super::diff::Aspect, u128> = std::collections::BTreeMap::new();
    for g in &d.groups {
        for a in &g.changes {
            let n = kinds.entry(*a).or_default();
            *n = n.saturating_add(g.scenarios);
        }
    }
    let kinds: Vec<String> = kinds.iter().map(|(a, n)| format!("{} ({n})", a.as_str())).collect();
    s.push_str(&crate::table::paragraph(
        "Changes by kind (scenarios × parties): ",
        "    ",
        &kinds.join(", "),
        width,
    ));
    s.push('\n');
    // Groups that differ only in the party, then rows that differ only in the place, are
    // printed as one line; the count is per party.
    struct Row {
        target: String,
        reading: String,
        attacker: String,
        places: Vec<String>,
        parties: Vec<String>,
        what: String,
        old: String,
        new: String,
        count: u128,
        example: String,
    }
    let mut rows: Vec<Row> = Vec::new();
    for g in &d.groups {
        let target = if g.targets > 1 {
            format!("{} and {} alike", g.target, g.targets - 1)
        } else {
            g.target.clone()
        };
        let (old, new) = (g.old.describe(&g.changes), g.new.describe(&g.changes));
        let what: Vec<&str> = g.changes.iter().map(|a| a.as_str()).collect();
        let what = what.join(", ");
        let reading = g.reading.clone().unwrap_or_else(|| "default".into());
        let same = |r: &&mut Row| {
            r.target == target
                && r.reading == reading
                && r.attacker == g.attacker
                && r.places == [g.place.clone()]
                && r.old == old
                && r.new == new
                && r.count == g.scenarios
        };
        match rows.iter_mut().find(|r| same(r)) {
            Some(r) => r.parties.push(g.party.clone()),
            None => rows.push(Row {
                target,
                reading,
                attacker: g.attacker.clone(),
                places: vec![g.place.clone()],
                parties: vec![g.party.clone()],
                what,
                old,
                new,
                count: g.scenarios,
                example: g.example.to_yaml().unwrap_or_default(),
            }),
        }
    }
    let mut merged: Vec<Row> = Vec::new();
    for r in rows {
        match merged.iter_mut().find(|m| {
            m.target == r.target
                && m.reading == r.reading
                && m.attacker == r.attacker
                && m.parties == r.parties
                && m.old == r.old
                && m.new == r.new
        }) {
            Some(m) => {
                m.places.extend(r.places);
                m.count = m.count.saturating_add(r.count);
            }
            None => merged.push(r),
        }
    }
    // The reading column shows only when some change depends on an alternative reading.
    let readings = d.groups.iter().any(|g| g.reading.is_some());
    let table_rows: Vec<Vec<String>> = merged
        .iter()
        .map(|r| {
            let mut row = vec![
                r.target.clone(),
                r.attacker.clone(),
                r.places.join(", "),
                r.parties.join(" "),
                r.what.clone(),
                r.old.clone(),
                r.new.clone(),
                r.count.to_string(),
            ];
            if readings {
                row.push(r.reading.clone());
            }
            row
        })
        .collect();
    let mut head = vec![
        "TARGET",
        "ATTACKER",
        "PLACES",
        "PARTIES",
        "CHANGE",
        "OLD",
        "NEW",
        "SCENARIOS (EACH)",
    ];
    if readings {
        head.push("READING");
    }
    s.push_str(&table(&head, &table_rows, width));
    s.push_str("\nOne scenario of each row:\n");
    for (i, r) in merged.iter().enumerate() {
        let under = if readings && r.reading != "default" {
            format!(" under the reading {}", r.reading)
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "\n#{} {} → {} for {}{under}:",
            i + 1,
            r.old,
            r.new,
            r.parties.join(" ")
        );
        s.push_str(&indent(&r.example, "  "));
    }
    s
}
