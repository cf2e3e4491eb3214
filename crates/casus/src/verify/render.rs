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
    if s.deployed_under > 1 {
        let _ = write!(line, " × {} missions", s.deployed_under);
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

/// How much of a diff to print: every row, or the first rows and a summary of the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffView {
    /// Print every row and the example of each (`casus diff --full`).
    pub full: bool,
    /// Otherwise, the most rows printed; the rest are summarized per kind and per party.
    pub rows: usize,
}

impl Default for DiffView {
    fn default() -> Self {
        DiffView { full: false, rows: 40 }
    }
}

/// One line of the diff table: groups that differ only in the party, then in the place.
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

/// The groups of a diff as table rows, merged first over parties, then over places; linear in
/// the groups (a diff of a large alliance has hundreds of thousands).
fn diff_rows(d: &DiffReport) -> Vec<Row> {
    type ByParty = (String, String, String, String, String, String, u128);
    let mut rows: Vec<Row> = Vec::new();
    let mut at: std::collections::HashMap<ByParty, usize> = std::collections::HashMap::new();
    for g in &d.groups {
        let target = if g.targets > 1 {
            format!("{} and {} alike", g.target, g.targets - 1)
        } else {
            g.target.clone()
        };
        let (old, new) = (g.old.describe(&g.changes), g.new.describe(&g.changes));
        let reading = g.reading.clone().unwrap_or_else(|| "default".into());
        let key = (
            target.clone(),
            reading.clone(),
            g.attacker.clone(),
            g.place.clone(),
            old.clone(),
            new.clone(),
            g.scenarios,
        );
        if let Some(r) = at.get(&key).and_then(|i| rows.get_mut(*i)) {
            r.parties.push(g.party.clone());
            continue;
        }
        at.insert(key, rows.len());
        let what: Vec<&str> = g.changes.iter().map(|a| a.as_str()).collect();
        rows.push(Row {
            target,
            reading,
            attacker: g.attacker.clone(),
            places: vec![g.place.clone()],
            parties: vec![g.party.clone()],
            what: what.join(", "),
            old,
            new,
            count: g.scenarios,
            example: g.example.to_yaml().unwrap_or_default(),
        });
    }
    type ByPlace = (String, String, String, Vec<String>, String, String);
    let mut merged: Vec<Row> = Vec::new();
    let mut at: std::collections::HashMap<ByPlace, usize> = std::collections::HashMap::new();
    for r in rows {
        let key = (
            r.target.clone(),
            r.reading.clone(),
            r.attacker.clone(),
            r.parties.clone(),
            r.old.clone(),
            r.new.clone(),
        );
        if let Some(m) = at.get(&key).and_then(|i| merged.get_mut(*i)) {
            m.places.extend(r.places);
            m.count = m.count.saturating_add(r.count);
            continue;
        }
        at.insert(key, merged.len());
        merged.push(r);
    }
    merged
}

/// Per party, the scenarios in which its obligation changes and the rows that show it, most
/// scenarios first; at most `most` parties, then how many more.
fn per_party(rows: &[Row], most: usize) -> String {
    let mut by: std::collections::BTreeMap<&str, (u128, usize)> = std::collections::BTreeMap::new();
    for r in rows {
        for p in &r.parties {
            let e = by.entry(p.as_str()).or_default();
            e.0 = e.0.saturating_add(r.count);
            e.1 += 1;
        }
    }
    let mut v: Vec<(&str, (u128, usize))> = by.into_iter().collect();
    v.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    let more = v.len().saturating_sub(most);
    let mut words: Vec<String> = v
        .iter()
        .take(most)
        .map(|(p, (n, rows))| format!("{p} {n} in {rows} row{}", if *rows == 1 { "" } else { "s" }))
        .collect();
    if more > 0 {
        words.push(format!("and {more} more parties"));
    }
    words.join(", ")
}

/// Parties in a cell: every one in the full view, else the first twenty and how many more.
fn parties_words(v: &[String], full: bool) -> String {
    const MOST: usize = 20;
    if full || v.len() <= MOST {
        return v.join(" ");
    }
    let first: Vec<&str> = v.iter().take(MOST).map(String::as_str).collect();
    format!("{} and {} more", first.join(" "), v.len() - MOST)
}

/// The text of a diff (what `casus diff` prints), summarized past [`DiffView::default`]'s
/// rows. Groups that differ only in the party are printed on one line; the table is fitted
/// to `width`.
#[must_use]
pub fn render_diff(d: &DiffReport, width: Width) -> String {
    let mut out = Vec::new();
    // Writing to a vector cannot fail.
    let _ = write_diff(d, width, DiffView::default(), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes the text of a diff: the head, the table (every row with `view.full`, else the
/// first `view.rows` with the rest summarized per kind and per party), then one scenario of
/// each row shown, each written as it is made.
///
/// # Errors
///
/// A write error of `out`.
pub fn write_diff(d: &DiffReport, width: Width, view: DiffView, out: &mut dyn std::io::Write) -> std::io::Result<()> {
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
        return out.write_all(s.as_bytes());
    }
    // What kinds of change there are, each with the scenarios (counted per party) that show it.
    let kinds: Vec<String> = d
        .scenarios_by_kind()
        .iter()
        .map(|(a, n)| format!("{} ({n})", a.as_str()))
        .collect();
    s.push_str(&crate::table::paragraph(
        "Changes by kind (scenarios × parties): ",
        "    ",
        &kinds.join(", "),
        width,
    ));
    let merged = diff_rows(d);
    let shown = if view.full {
        merged.len()
    } else {
        merged.len().min(view.rows)
    };
    if shown < merged.len() {
        s.push_str(&crate::table::paragraph(
            "Changes by party (scenarios): ",
            "    ",
            &per_party(&merged, 20),
            width,
        ));
    }
    s.push('\n');
    out.write_all(s.as_bytes())?;
    let rows = merged.get(..shown).unwrap_or(&merged);
    // The reading column shows only when some change depends on an alternative reading.
    let readings = d.groups.iter().any(|g| g.reading.is_some());
    out.write_all(diff_table(rows, readings, view, width).as_bytes())?;
    if shown < merged.len() {
        let rest = merged.get(shown..).unwrap_or_default();
        let scenarios = rest.iter().fold(0u128, |n, r| n.saturating_add(r.count));
        out.write_all(
            crate::table::paragraph(
                "",
                "",
                &format!(
                    "… and {} more rows ({scenarios} scenarios, each counted per party): `casus diff --full` lists every row, or limit the diff with --target and --party.",
                    rest.len()
                ),
                width,
            )
            .as_bytes(),
        )?;
    }
    write_diff_examples(rows, readings, view, out)
}

/// The table of a diff's rows (with a reading column when `readings`).
fn diff_table(rows: &[Row], readings: bool, view: DiffView, width: Width) -> String {
    let table_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut row = vec![
                r.target.clone(),
                r.attacker.clone(),
                r.places.join(", "),
                parties_words(&r.parties, view.full),
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
    table(&head, &table_rows, width)
}

/// Writes one scenario of each row shown, numbered as the rows are.
fn write_diff_examples(
    rows: &[Row],
    readings: bool,
    view: DiffView,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    out.write_all(b"\nOne scenario of each row:\n")?;
    for (i, r) in rows.iter().enumerate() {
        let under = if readings && r.reading != "default" {
            format!(" under the reading {}", r.reading)
        } else {
            String::new()
        };
        let mut e = format!(
            "\n#{} {} → {} for {}{under}:\n",
            i + 1,
            r.old,
            r.new,
            parties_words(&r.parties, view.full)
        );
        e.push_str(&indent(&r.example, "  "));
        out.write_all(e.as_bytes())?;
    }
    Ok(())
}
