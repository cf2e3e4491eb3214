//! The repair report as text.

use std::fmt::Write;

use super::RepairReport;

/// The report as text: per repair its edits, the patch, the proof and the side effects; or
/// why there is none.
#[must_use]
pub fn render_repair(r: &RepairReport) -> String {
    let mut out = String::new();
    if r.goal.is_empty() {
        out.push_str("Nothing to repair: every property asked for holds.\n");
        return out;
    }
    let _ = writeln!(out, "Repairing: {}", r.goal.join(", "));
    if !r.left_violated.is_empty() {
        let _ = writeln!(
            out,
            "Left as they are (violated before, not asked for): {}",
            r.left_violated.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "Search: {} candidate edits, {} sets tried, {} proved or refuted by an exhaustive walk (up to {} edits)",
        r.candidates, r.tried, r.checked, r.max_edits
    );
    if let Some(b) = &r.blocked {
        let _ = writeln!(
            out,
            "\nNo repair within {} edit(s): `{}` blocks it ({}).",
            r.max_edits, b.property, b.why
        );
        return out;
    }
    for (n, rep) in r.repairs.iter().enumerate() {
        let _ = writeln!(
            out,
            "\nRepair {} ({} edit{}):",
            n + 1,
            rep.edits.len(),
            if rep.edits.len() == 1 { "" } else { "s" }
        );
        for e in &rep.edits {
            let _ = writeln!(
                out,
                "  - {} ({}:{}:{}, {})",
                e.what,
                e.file,
                e.line,
                e.column,
                e.kind.as_str()
            );
        }
        out.push('\n');
        for line in rep.patch.lines() {
            let _ = writeln!(out, "    {line}");
        }
        let _ = writeln!(
            out,
            "\n  Proof: {} of {} properties hold over {} scenarios (exhaustive){}",
            rep.hold,
            r.properties.len(),
            rep.scenarios,
            if r.left_violated.is_empty() {
                String::new()
            } else {
                format!("; still violated as before: {}", r.left_violated.join(", "))
            }
        );
        side_effects(&mut out, rep);
    }
    out
}

fn side_effects(out: &mut String, rep: &super::Repair) {
    let s = &rep.side_effects;
    let kinds: Vec<String> = s.by_kind.iter().map(|(k, n)| format!("{} ({n})", k.as_str())).collect();
    let _ = writeln!(
        out,
        "  Side effects: {} scenarios change (× parties), in {} groups{}",
        s.changed,
        s.groups,
        if kinds.is_empty() {
            String::new()
        } else {
            format!("; by kind: {}", kinds.join(", "))
        }
    );
    for g in &s.first {
        let places = &g.place;
        let changes: Vec<&str> = g.changes.iter().map(|c| c.as_str()).collect();
        let _ = writeln!(
            out,
            "    {} attacked by {} at {}: {} {} -> {} ({})",
            g.target,
            g.attacker,
            places,
            g.party,
            g.old,
            g.new,
            changes.join(", ")
        );
    }
    if s.groups > s.first.len() {
        let _ = writeln!(
            out,
            "    ... and {} more groups (casus diff shows them all)",
            s.groups - s.first.len()
        );
    }
}
