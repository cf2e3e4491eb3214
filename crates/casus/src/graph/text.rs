//! Text tables of the graph analyses (what `casus guarantors`, `commitments`, `exposure` and
//! `cascade` print).

use std::fmt::Write as _;

use crate::Status;
use crate::table::{Width, table};

use super::{
    Cascade, Change, Commitment, CommitmentGraph, Exposure, GraphSummary, GraphTimeline, Occasion, Relation, Timeline,
};

fn status_words(status: Status, depends_on: &[String]) -> String {
    if status == Status::Contingent && !depends_on.is_empty() {
        format!("on {}", depends_on.join(", "))
    } else {
        status.as_str().to_string()
    }
}

fn events_words(events: &[crate::EventKind]) -> String {
    if events.len() == crate::EventKind::ALL.len() {
        "any".into()
    } else {
        events.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
}

fn period(c: &Commitment) -> String {
    match (&c.valid_from, &c.valid_until) {
        (None, None) => "always".into(),
        (Some(f), None) => format!("since {f}"),
        (None, Some(u)) => format!("until {u}"),
        (Some(f), Some(u)) => format!("{f} to {u}"),
    }
}

/// The level, with its place in a sequence of stages (`1. consult`, `2. assist`).
fn level_words(c: &Commitment) -> String {
    match c.staging.stage {
        Some(n) => format!("{n}. {}", c.level),
        None => c.level.to_string(),
    }
}

/// The forms in words: those allowed, those required, those excluded
/// (`armed_force, weapons; not ground_troops`).
pub(crate) fn forms_words(f: &crate::Forms) -> String {
    let list = |v: &[crate::Form]| v.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    let mut parts = Vec::new();
    if !f.required.is_empty() {
        parts.push(format!("must: {}", list(&f.required)));
    }
    if !f.allowed.is_empty() {
        parts.push(list(&f.allowed));
    }
    if !f.excluded.is_empty() {
        parts.push(format!("not {}", list(&f.excluded)));
    }
    parts.join("; ")
}

/// By when, in words: the deadline of a one-step obligation or a first stage; for a later
/// stage, its own deadline after the stage before and when it falls from the attack.
pub(crate) fn by_when(deadline: Option<&str>, stage: Option<u8>, due: Option<&str>) -> String {
    match (deadline, stage, due) {
        (None, Some(n), _) if n > 1 => format!("after stage {}, no deadline", n - 1),
        (None, _, _) => "no deadline".into(),
        (Some(d), Some(n), Some(due)) if n > 1 => format!("{d} after stage {} ({due})", n - 1),
        (Some(d), Some(n), None) if n > 1 => format!("{d} after stage {}", n - 1),
        (Some(d), _, _) => d.to_string(),
    }
}

fn under(c: &Commitment) -> String {
    format!("{} {}{}", c.treaty, c.citation, if c.draft { " (draft)" } else { "" })
}

/// The commitments of one party, or toward it, as a table.
pub(crate) fn commitments_table(relation: Relation, list: &[Commitment], width: Width) -> String {
    let attacking = list.iter().any(|c| c.occasion == Occasion::Attacking);
    let mut header = vec![
        match relation {
            Relation::Guarantors => "GUARANTOR",
            Relation::Commitments => "HELPS",
        },
        "LEVEL",
    ];
    if attacking {
        header.push(match relation {
            Relation::Guarantors => "WHEN IT",
            Relation::Commitments => "WHEN IT IS",
        });
    }
    header.extend(["UNDER", "EVENTS", "WAITS", "VALID"]);
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|c| {
            let mut r = vec![
                match relation {
                    Relation::Guarantors => c.obligor.clone(),
                    Relation::Commitments => c.beneficiary.clone(),
                },
                level_words(c),
            ];
            if attacking {
                r.push(match (relation, c.occasion) {
                    (Relation::Guarantors, Occasion::Attacked) => "is attacked".into(),
                    (Relation::Guarantors, Occasion::Attacking) => "attacks".into(),
                    (Relation::Commitments, o) => o.as_str().into(),
                });
            }
            r.push(under(c));
            r.push(events_words(&c.events));
            r.push(status_words(c.status, &c.depends_on));
            r.push(period(c));
            r
        })
        .collect();
    let mut s = table(&header, &rows, width);
    s.push_str(&response_table(relation, list, width));
    s
}

/// What is owed, clause by clause and stage by stage: level, forms and by when, with the
/// parties that owe it (or are owed it); empty when no clause says anything of forms,
/// deadlines or stages.
fn response_table(relation: Relation, list: &[Commitment], width: Width) -> String {
    if !list
        .iter()
        .any(|c| !c.forms.is_empty() || c.deadline.is_some() || c.staging.stage.is_some())
    {
        return String::new();
    }
    type Key = (
        String,
        String,
        Occasion,
        Option<u8>,
        crate::kernel::ByRank,
        String,
        String,
    );
    let mut groups: std::collections::BTreeMap<Key, Vec<String>> = std::collections::BTreeMap::new();
    for c in list {
        let key = (
            c.treaty.clone(),
            c.clause.clone(),
            c.occasion,
            c.staging.stage,
            crate::kernel::ByRank(c.level),
            forms_words(&c.forms),
            by_when(c.deadline.as_deref(), c.staging.stage, c.staging.due.as_deref()),
        );
        let who = match relation {
            Relation::Guarantors => &c.obligor,
            Relation::Commitments => &c.beneficiary,
        };
        let v = groups.entry(key).or_default();
        if !v.contains(who) {
            v.push(who.clone());
        }
    }
    let citation = |treaty: &str, clause: &str| {
        list.iter()
            .find(|c| c.treaty == treaty && c.clause == clause)
            .map(under)
            .unwrap_or_default()
    };
    let staged = list.iter().any(|c| c.staging.stage.is_some());
    let mut last: Option<(String, String, Occasion)> = None;
    let rows: Vec<Vec<String>> = groups
        .into_iter()
        .map(
            |((treaty, clause, occasion, stage, crate::kernel::ByRank(level), forms, by), who)| {
                let here = Some((treaty.clone(), clause.clone(), occasion));
                let first = last != here;
                last = here;
                let mut r = vec![if first {
                    citation(&treaty, &clause)
                } else {
                    String::new()
                }];
                if staged {
                    r.push(stage.map_or_else(String::new, |n| n.to_string()));
                }
                r.extend([
                    level.to_string(),
                    if forms.is_empty() { "not said".into() } else { forms },
                    by,
                    who.join(" "),
                ]);
                r
            },
        )
        .collect();
    let mut header = vec!["UNDER"];
    if staged {
        header.push("STAGE");
    }
    header.extend([
        "LEVEL",
        "FORMS",
        "BY WHEN",
        match relation {
            Relation::Guarantors => "GUARANTORS",
            Relation::Commitments => "TOWARD",
        },
    ]);
    let mut s = String::from(if staged {
        "\nWhat is owed, in what form, by when, stage by stage:\n\n"
    } else {
        "\nWhat is owed, in what form, by when:\n\n"
    });
    s.push_str(&table(&header, &rows, width));
    if staged {
        s.push_str(&crate::table::paragraph(
            "",
            "",
            "Stages are owed one after the other: a later stage's deadline runs from the end of \
             the stage before (in brackets: from the attack).",
            width,
        ));
    }
    s
}

/// The whole graph as a table: one row per commitment.
pub(crate) fn graph_table(at: &crate::When, list: &[&Commitment], memberships: usize, width: Width) -> String {
    let mut s = graph_heading(at, list, memberships);
    if list.is_empty() {
        return s;
    }
    let rows: Vec<Vec<String>> = list.iter().map(|c| graph_row(c).to_vec()).collect();
    s.push('\n');
    s.push_str(&table(&GRAPH_HEADER, &rows, width));
    s
}

const GRAPH_HEADER: [&str; 7] = ["OBLIGOR", "HELPS", "LEVEL", "WHEN IT IS", "UNDER", "WAITS", "VALID"];

/// The first line of the graph as text: the date, how many commitments between how many
/// parties, and the memberships left out.
fn graph_heading(at: &crate::When, list: &[&Commitment], memberships: usize) -> String {
    let parties: std::collections::BTreeSet<&str> = list
        .iter()
        .flat_map(|c| [c.obligor.as_str(), c.beneficiary.as_str()])
        .collect();
    let mut s = format!("Commitments on {at}: {} between {} parties", list.len(), parties.len());
    if memberships > 0 {
        s.push_str(&format!(" ({memberships} memberships not listed)"));
    }
    s.push('\n');
    s
}

/// One commitment as the cells of a row of the graph table.
fn graph_row(c: &Commitment) -> [String; 7] {
    [
        c.obligor.clone(),
        c.beneficiary.clone(),
        c.level.to_string(),
        match c.occasion {
            Occasion::Attacked => "attacked".into(),
            Occasion::Attacking => "attacking".into(),
        },
        under(c),
        status_words(c.status, &c.depends_on),
        period(c),
    ]
}

/// The graph as text, written as it is made. A graph of at most
/// [`CommitmentGraph::SUMMARIZE_ABOVE`] commitments (or any graph when `full`) is written
/// whole; a larger one as its heading, a summary of every commitment (per treaty, level and
/// obligor), the first [`CommitmentGraph::SHOWN`] rows and what was left out.
pub(crate) fn write_graph_table(
    g: &CommitmentGraph,
    width: Width,
    full: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let list = g.commitments();
    let memberships = g.memberships().len();
    if list.len() <= CommitmentGraph::SUMMARIZE_ABOVE {
        return out.write_all(graph_table(&g.date(), &list, memberships, width).as_bytes());
    }
    out.write_all(graph_heading(&g.date(), &list, memberships).as_bytes())?;
    if full {
        return write_aligned(&list, out);
    }
    let sum = GraphSummary::of(&list, CommitmentGraph::SHOWN);
    let counts = |m: &std::collections::BTreeMap<String, usize>| {
        m.iter()
            .map(|(k, n)| format!("{k} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut s = crate::table::paragraph("By treaty: ", "    ", &counts(&sum.by_treaty), width);
    s.push_str(&crate::table::paragraph(
        "By level: ",
        "    ",
        &counts(&sum.by_level),
        width,
    ));
    let mut obligors: Vec<String> = sum
        .by_obligor
        .iter()
        .map(|o| format!("{} ({})", o.obligor, o.commitments))
        .collect();
    if sum.more_obligors > 0 {
        obligors.push(format!("and {} more", sum.more_obligors));
    }
    s.push_str(&crate::table::paragraph(
        "By obligor: ",
        "    ",
        &obligors.join(", "),
        width,
    ));
    s.push('\n');
    let shown = list.get(..sum.shown).unwrap_or(&list);
    let rows: Vec<Vec<String>> = shown.iter().map(|c| graph_row(c).to_vec()).collect();
    s.push_str(&table(&GRAPH_HEADER, &rows, width));
    s.push_str(&crate::table::paragraph(
        "",
        "",
        &format!(
            "… and {} more commitments: `casus graph --full` lists every one, or limit the graph with --treaty, or ask about one party (guarantors, commitments).",
            sum.commitments - sum.shown
        ),
        width,
    ));
    out.write_all(s.as_bytes())
}

/// Every commitment as an aligned table at full width, each row written as it is made.
fn write_aligned(list: &[&Commitment], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    out.write_all(b"\n")?;
    crate::table::write_rows(&GRAPH_HEADER, || list.iter().map(|c| graph_row(c)), out)
}

/// A heading and the table of guarantors or commitments at one date.
#[must_use]
pub(crate) fn render_commitments(
    party: &str,
    relation: Relation,
    at: &crate::When,
    list: &[Commitment],
    width: Width,
) -> String {
    let mut s = String::new();
    let parties: std::collections::BTreeSet<&str> = list
        .iter()
        .map(|c| match relation {
            Relation::Guarantors => c.obligor.as_str(),
            Relation::Commitments => c.beneficiary.as_str(),
        })
        .collect();
    let treaties: std::collections::BTreeSet<&str> = list.iter().map(|c| c.treaty.as_str()).collect();
    let _ = writeln!(
        s,
        "{} on {at}: {} part{} under {} treat{}",
        match relation {
            Relation::Guarantors => format!("Bound to help {party}"),
            Relation::Commitments => format!("{party} is bound to help"),
        },
        parties.len(),
        if parties.len() == 1 { "y" } else { "ies" },
        treaties.len(),
        if treaties.len() == 1 { "y" } else { "ies" },
    );
    if !list.is_empty() {
        s.push('\n');
        s.push_str(&commitments_table(relation, list, width));
    }
    s
}

/// A timeline as text: the answer at the start, then each change.
#[must_use]
pub(crate) fn render_timeline(t: &Timeline, width: Width) -> String {
    let mut s = render_commitments(&t.party, t.relation, &t.from, &t.initial, width);
    let who = |c: &Commitment| match t.relation {
        Relation::Guarantors => c.obligor.clone(),
        Relation::Commitments => c.beneficiary.clone(),
    };
    s.push_str(&changes_text(&t.changes, &t.to, &who, width));
    s
}

/// The graph over a range as text: the graph at the start, then each change, each commitment
/// named by its two parties (`FRA→EST`).
#[must_use]
pub(crate) fn render_graph_timeline(t: &GraphTimeline, width: Width) -> String {
    let initial: Vec<&Commitment> = t.initial.iter().collect();
    let mut s = graph_table(&t.from, &initial, 0, width);
    let who = |c: &Commitment| format!("{}→{}", c.obligor, c.beneficiary);
    s.push_str(&changes_text(&t.changes, &t.to, &who, width));
    s
}

/// The changes of a timeline: a count, then per date one line per clause and level with the
/// parties (`who`) that gain (`+`) or lose (`-`) a commitment under it.
fn changes_text(changes: &[Change], to: &crate::When, who: &dyn Fn(&Commitment) -> String, width: Width) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n{} change{} up to {}",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" },
        to
    );
    for ch in changes {
        let _ = writeln!(s, "\n{}", ch.at);
        for (sign, list) in [("+", &ch.added), ("-", &ch.removed)] {
            // One line per clause and level: the parties that gain or lose it.
            let mut groups: std::collections::BTreeMap<(String, String), Vec<String>> =
                std::collections::BTreeMap::new();
            for c in list {
                groups.entry((under(c), c.level.to_string())).or_default().push(who(c));
            }
            for ((u, level), parties) in groups {
                let line = format!("{sign} {u} ({level}): {}", parties.join(" "));
                s.push_str(&crate::table::paragraph("  ", "      ", &line, width));
            }
        }
    }
    s
}

/// An exposure as text.
#[must_use]
pub(crate) fn render_exposure(x: &Exposure, width: Width) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "What obliges {} ({}) to act on {}, at {} or above: {} class{} of attack under {} clause{}",
        x.party,
        x.name,
        x.date,
        x.min_level,
        x.classes.len(),
        if x.classes.len() == 1 { "" } else { "es" },
        {
            let n: std::collections::BTreeSet<(&str, &str)> = x
                .classes
                .iter()
                .map(|c| (c.treaty.as_str(), c.clause.as_str()))
                .collect();
            n.len()
        },
        {
            let n: std::collections::BTreeSet<(&str, &str)> = x
                .classes
                .iter()
                .map(|c| (c.treaty.as_str(), c.clause.as_str()))
                .collect();
            if n.len() == 1 { "" } else { "s" }
        }
    );
    let mut current = String::new();
    for c in &x.classes {
        let head = format!(
            "{} {}{} — {}",
            c.treaty,
            c.citation,
            if c.draft { " (draft)" } else { "" },
            c.treaty_name
        );
        if head != current {
            let _ = writeln!(s, "\n{head}");
            current = head;
        }
        let n = c.beneficiaries.len();
        let _ = writeln!(
            s,
            "  {}, {} — when {} attacked: {}",
            c.level,
            match c.status {
                Status::Definite => "definite".to_string(),
                Status::Contingent => format!("contingent on {}", c.depends_on.join(", ")),
            },
            match (c.occasion, n) {
                (Occasion::Attacked, 1) => "this party is".to_string(),
                (Occasion::Attacked, n) => format!("one of these {n} is"),
                (Occasion::Attacking, 1) => "this party has".to_string(),
                (Occasion::Attacking, n) => format!("one of these {n} has"),
            },
            list_words(&c.beneficiaries, 16)
        );
        let what = if c.on.is_empty() {
            String::new()
        } else {
            format!(
                " on {}",
                words_or(&c.on.iter().map(ToString::to_string).collect::<Vec<_>>())
            )
        };
        let means = if c.means.is_empty() {
            String::new()
        } else {
            format!(
                " with {} means",
                words_or(&c.means.iter().map(ToString::to_string).collect::<Vec<_>>())
            )
        };
        let _ = writeln!(
            s,
            "    {}{what}{means}",
            words_or(&c.events.iter().map(ToString::to_string).collect::<Vec<_>>())
        );
        let counterpart = match c.occasion {
            Occasion::Attacked => "by",
            Occasion::Attacking => "on",
        };
        let count = c.parties_count();
        let _ = writeln!(s, "    {counterpart} {}{count}", c.counterpart.description);
        let places = if c.place.places.is_empty() {
            String::new()
        } else {
            format!(
                " ({} place{}): {}",
                c.place.places.len(),
                if c.place.places.len() == 1 { "" } else { "s" },
                list_words(&c.place.places, 12)
            )
        };
        let _ = writeln!(s, "    at {}{places}", c.place.description);
    }
    crate::table::fit_lines(&s, width)
}

fn words_or(v: &[String]) -> String {
    match v.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => v.join(""),
    }
}

fn list_words(v: &[String], max: usize) -> String {
    if v.len() <= max {
        v.join(" ")
    } else {
        let shown: Vec<&str> = v.iter().take(max).map(String::as_str).collect();
        format!("{} … (+{})", shown.join(" "), v.len() - max)
    }
}

/// A cascade as text: each round's events and entrants, the conflicts, who stays out and why.
#[must_use]
pub(crate) fn render_cascade(c: &Cascade, width: Width) -> String {
    let mut s = String::new();
    let entered: usize = c.rounds.iter().map(|r| r.entrants.len()).sum();
    let _ = writeln!(
        s,
        "Cascade{} on {}: policy {}, a party enters when obliged at {} or above — {} part{} enter{} in {} round{}",
        c.name.as_deref().map(|n| format!(" of \"{n}\"")).unwrap_or_default(),
        c.date,
        c.policy.as_str(),
        c.min_level,
        entered,
        if entered == 1 { "y" } else { "ies" },
        if entered == 1 { "s" } else { "" },
        c.rounds.len(),
        if c.rounds.len() == 1 { "" } else { "s" }
    );
    for r in &c.rounds {
        let _ = writeln!(s, "\nRound {}", r.number);
        for e in &r.events {
            let _ = writeln!(
                s,
                "  {} by {} on {} at {} ({})",
                e.event,
                e.attackers
                    .as_ref()
                    .map_or("an unknown attacker".into(), |a| a.join(", ")),
                e.targets.join(", "),
                e.location.as_deref().unwrap_or("an unknown place"),
                e.cause
            );
        }
        if r.entrants.is_empty() {
            let _ = writeln!(s, "  nobody enters");
            continue;
        }
        let rows: Vec<Vec<String>> = r
            .entrants
            .iter()
            .map(|e| {
                vec![
                    e.party.clone(),
                    e.side.as_str().into(),
                    e.helps.clone(),
                    e.against.join(" "),
                    e.level.to_string(),
                    status_words(e.status, &e.depends_on),
                    e.sources
                        .iter()
                        .map(|x| format!("{} {}", x.treaty, x.citation))
                        .collect::<Vec<_>>()
                        .join("; "),
                ]
            })
            .collect();
        let t = table(
            &["ENTERS", "SIDE", "HELPS", "AGAINST", "LEVEL", "STATUS", "UNDER"],
            &rows,
            width.indented(2),
        );
        for line in t.lines() {
            let _ = writeln!(s, "  {line}");
        }
    }
    if !c.conflicts.is_empty() {
        let _ = writeln!(s, "\nConflicts");
        for k in &c.conflicts {
            let _ = writeln!(s, "  {} (round {}): {}", k.party, k.round, k.detail);
        }
    }
    if !c.stayed_out.is_empty() {
        let _ = writeln!(s, "\nStayed out");
        let rows: Vec<Vec<String>> = c
            .stayed_out
            .iter()
            .map(|x| vec![x.party.clone(), x.treaty.clone(), x.reason.clone(), x.detail.clone()])
            .collect();
        let t = table(&["PARTY", "TREATY", "REASON", "DETAIL"], &rows, width.indented(2));
        for line in t.lines() {
            let _ = writeln!(s, "  {line}");
        }
    }
    crate::table::fit_lines(&s, width)
}
