//! Graphviz DOT text, written by hand: every id and label is quoted and escaped, node ids are
//! party ids, edges are coloured by level.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::Level;

use super::{Cascade, Commitment, Exposure, GraphTimeline, Membership, Occasion};

/// Quotes a string for DOT: backslashes, quotes and line breaks escaped, other control
/// characters dropped (the unit tests below show each case).
#[must_use]
pub(crate) fn dot_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The colour of a level: reds for armed help, blues for words, grey for neutrality.
#[must_use]
pub(crate) fn level_color(l: Level) -> &'static str {
    match l {
        Level::Military => "#8b0000",
        Level::AllMeans => "#d7301f",
        Level::Assist => "#fc8d59",
        Level::Diplomatic => "#4393c3",
        Level::Consult => "#92c5de",
        Level::Neutrality => "#999999",
        Level::NonAggression => "#bbbbbb",
    }
}

fn strength(l: Level) -> (bool, u8) {
    (l.is_response(), l.rank())
}

fn penwidth(l: Level) -> &'static str {
    match l {
        Level::Military | Level::AllMeans => "2.2",
        Level::Assist => "1.6",
        _ => "1.0",
    }
}

/// Per obligor, beneficiary and treaty: the strongest level, the clauses, the occasion.
type EdgeMap<'a> = BTreeMap<(&'a str, &'a str, &'a str), (Level, Vec<String>, Occasion)>;
/// Per beneficiary and treaty: the strongest level and the number of classes per clause.
type ExposureEdges<'a> = BTreeMap<(&'a str, &'a str), (Level, BTreeMap<String, usize>)>;

struct Writer {
    s: String,
}

impl Writer {
    fn new(title: &str, rankdir: &str) -> Writer {
        let mut s = String::new();
        let _ = writeln!(s, "digraph casus {{");
        let _ = writeln!(
            s,
            "  graph [label={}, labelloc=t, fontsize=16, fontname=\"Helvetica\", rankdir={rankdir}, newrank=true, nodesep=0.15];",
            dot_quote(title)
        );
        let _ = writeln!(
            s,
            "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f7f7f7\", fontname=\"Helvetica\", fontsize=11];"
        );
        let _ = writeln!(s, "  edge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.7];");
        Writer { s }
    }

    fn node(&mut self, indent: &str, id: &str, label: &str, tooltip: &str, extra: &str) {
        let _ = writeln!(
            self.s,
            "{indent}{} [label={}, tooltip={}{extra}];",
            dot_quote(id),
            dot_quote(label),
            dot_quote(tooltip)
        );
    }

    fn edge(&mut self, from: &str, to: &str, attrs: &[(&str, String)]) {
        let attrs: Vec<String> = attrs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(
            self.s,
            "  {} -> {} [{}];",
            dot_quote(from),
            dot_quote(to),
            attrs.join(", ")
        );
    }

    /// Lays out the members of a cluster in rows, so that a star of many parties around one
    /// stays compact.
    fn grid(&mut self, members: &[&str]) {
        let n = members.len();
        let per_row = ((n as f64).sqrt().ceil() as usize).clamp(1, 7);
        let rows: Vec<&[&str]> = members.chunks(per_row).collect();
        for row in &rows {
            let ids: Vec<String> = row.iter().map(|p| dot_quote(p)).collect();
            let _ = writeln!(self.s, "    {{ rank=same; {} }}", ids.join("; "));
        }
        for pair in rows.windows(2) {
            if let [a, b] = pair
                && let (Some(x), Some(y)) = (a.first(), b.first())
            {
                let _ = writeln!(self.s, "    {} -> {} [style=invis];", dot_quote(x), dot_quote(y));
            }
        }
    }

    fn legend(&mut self, levels: &BTreeSet<crate::kernel::ByRank>) {
        if levels.is_empty() {
            return;
        }
        let _ = writeln!(self.s, "  subgraph cluster_legend {{");
        let _ = writeln!(
            self.s,
            "    label=\"level\"; style=dashed; color=\"#bbbbbb\"; fontsize=10;"
        );
        let mut prev: Option<String> = None;
        for l in levels.iter().rev().map(|l| &l.0) {
            let id = format!("level {}", l.as_str());
            let _ = writeln!(
                self.s,
                "    {} [label={}, shape=box, style=filled, fillcolor={}, fontcolor={}, fontsize=9];",
                dot_quote(&id),
                dot_quote(l.as_str()),
                dot_quote(level_color(*l)),
                dot_quote(if l.rank() >= Level::AllMeans.rank() {
                    "white"
                } else {
                    "black"
                })
            );
            if let Some(p) = prev {
                let _ = writeln!(self.s, "    {} -> {} [style=invis];", dot_quote(&p), dot_quote(&id));
            }
            prev = Some(id);
        }
        let _ = writeln!(self.s, "  }}");
    }

    fn finish(mut self) -> String {
        self.s.push_str("}\n");
        self.s
    }
}

/// Commitments as a picture: one edge per obligor, beneficiary and treaty (the strongest
/// level's colour), parties clustered by the treaties that bind them, the focus party (if any)
/// outside every cluster.
pub(crate) fn commitments_dot(
    title: &str,
    focus: Option<&str>,
    commitments: &[&Commitment],
    memberships: &[&Membership],
    name: &dyn Fn(&str) -> Option<String>,
) -> String {
    commitments_dot_labelled(title, focus, commitments, memberships, name, &BTreeMap::new())
}

/// As [`commitments_dot`], with a label on the edges `labels` names (by obligor, beneficiary
/// and treaty).
fn commitments_dot_labelled(
    title: &str,
    focus: Option<&str>,
    commitments: &[&Commitment],
    memberships: &[&Membership],
    name: &dyn Fn(&str) -> Option<String>,
    labels: &EdgeLabels,
) -> String {
    let mut w = Writer::new(title, if focus.is_some() { "TB" } else { "LR" });
    // (obligor, beneficiary, treaty) -> (strongest level, citations, occasion)
    let mut edges: EdgeMap = BTreeMap::new();
    let mut treaties_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut levels = BTreeSet::new();
    for c in commitments {
        let e = edges
            .entry((c.obligor.as_str(), c.beneficiary.as_str(), c.treaty.as_str()))
            .or_insert((c.level, Vec::new(), c.occasion));
        if strength(c.level) > strength(e.0) {
            e.0 = c.level;
        }
        e.1.push(format!("{} ({})", c.citation, c.level));
        for p in [&c.obligor, &c.beneficiary] {
            treaties_of.entry(p.as_str()).or_default().insert(c.treaty.as_str());
        }
    }
    for m in memberships {
        treaties_of.entry(m.member.as_str()).or_default();
        treaties_of.entry(m.organization.as_str()).or_default();
    }
    let mut clusters: BTreeMap<BTreeSet<&str>, Vec<&str>> = BTreeMap::new();
    for (p, ts) in &treaties_of {
        if Some(*p) == focus {
            continue;
        }
        clusters.entry(ts.clone()).or_default().push(p);
    }
    let label_of = |p: &str| name(p).unwrap_or_default();
    if let Some(f) = focus {
        let n = label_of(f);
        w.node("  ", f, &format!("{f}\n{n}"), &n, ", fillcolor=\"#ffffcc\", penwidth=2");
    }
    for (i, (ts, members)) in clusters.iter().enumerate() {
        let indent = if ts.is_empty() { "  " } else { "    " };
        if !ts.is_empty() {
            let label = ts.iter().copied().collect::<Vec<_>>().join(" + ");
            let _ = writeln!(w.s, "  subgraph {} {{", dot_quote(&format!("cluster_{i}")));
            let _ = writeln!(
                w.s,
                "    label={}; style=\"rounded\"; color=\"#999999\";",
                dot_quote(&label)
            );
        }
        for p in members {
            w.node(indent, p, p, &label_of(p), "");
        }
        if !ts.is_empty() {
            if focus.is_some() {
                w.grid(members);
            }
            let _ = writeln!(w.s, "  }}");
        }
    }
    for ((from, to, treaty), (level, cites, occasion)) in &edges {
        levels.insert(crate::kernel::ByRank(*level));
        let mut tip = format!("{from} → {to}: {treaty} {}", cites.join("; "));
        if *occasion == Occasion::Attacking {
            tip.push_str(&format!(" (when {to} attacks)"));
        }
        let mut attrs = vec![
            ("color", dot_quote(level_color(*level))),
            ("penwidth", penwidth(*level).into()),
            ("tooltip", dot_quote(&tip)),
        ];
        if !level.is_response() || *occasion == Occasion::Attacking {
            attrs.push(("style", "dashed".into()));
        }
        if let Some(l) = labels.get(&(from.to_string(), to.to_string(), treaty.to_string())) {
            attrs.push(("label", dot_quote(l)));
        }
        w.edge(from, to, &attrs);
    }
    for m in memberships {
        w.edge(
            &m.member,
            &m.organization,
            &[
                ("style", "dotted".into()),
                ("color", dot_quote("#bbbbbb")),
                ("arrowhead", "none".into()),
                (
                    "tooltip",
                    dot_quote(&format!("{} is a member of {}", m.member, m.organization)),
                ),
            ],
        );
    }
    w.legend(&levels);
    w.finish()
}

/// Labels of edges, by obligor, beneficiary and treaty.
type EdgeLabels = BTreeMap<(String, String, String), String>;

/// The graph over a range as a picture: every commitment that holds at some time in the range,
/// an edge that begins or ends within it labelled with the dates (`+1914-08-04`, `-1915-05-04`).
pub(crate) fn graph_timeline_dot(t: &GraphTimeline) -> String {
    let mut all: Vec<&Commitment> = t.initial.iter().collect();
    let mut labels: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for ch in &t.changes {
        for (sign, list) in [("+", &ch.added), ("-", &ch.removed)] {
            for c in list {
                let v = labels
                    .entry((c.obligor.clone(), c.beneficiary.clone(), c.treaty.clone()))
                    .or_default();
                let l = format!("{sign}{}", ch.at);
                if !v.contains(&l) {
                    v.push(l);
                }
            }
        }
        all.extend(ch.added.iter());
    }
    // A commitment that ends and begins again within the range is drawn once.
    all.sort_by(|a, b| super::commitment_order(a, b));
    all.dedup_by(|a, b| super::commitment_order(a, b).is_eq());
    let labels: EdgeLabels = labels.into_iter().map(|(k, v)| (k, v.join(" "))).collect();
    commitments_dot_labelled(
        &format!("Commitments from {} to {}", t.from, t.to),
        None,
        &all,
        &[],
        &|_| None,
        &labels,
    )
}

/// An exposure as a picture: the party, an edge to each party it owes something to per treaty,
/// coloured by the strongest level, labelled with the clauses and the number of classes.
pub(crate) fn exposure_dot(x: &Exposure) -> String {
    let mut w = Writer::new(
        &format!(
            "What obliges {} ({}) to act, {} (at {} or above)",
            x.party, x.name, x.date, x.min_level
        ),
        "TB",
    );
    let mut edges: ExposureEdges = BTreeMap::new();
    let mut treaties_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for c in &x.classes {
        for b in &c.beneficiaries {
            let e = edges
                .entry((b.as_str(), c.treaty.as_str()))
                .or_insert((c.level, BTreeMap::new()));
            if strength(c.level) > strength(e.0) {
                e.0 = c.level;
            }
            *e.1.entry(c.citation.clone()).or_default() += 1;
            treaties_of.entry(b.as_str()).or_default().insert(c.treaty.as_str());
        }
    }
    w.node(
        "  ",
        &x.party,
        &format!("{}\n{}", x.party, x.name),
        &x.name,
        ", fillcolor=\"#ffffcc\", penwidth=2",
    );
    let mut clusters: BTreeMap<BTreeSet<&str>, Vec<&str>> = BTreeMap::new();
    for (p, ts) in &treaties_of {
        if *p != x.party {
            clusters.entry(ts.clone()).or_default().push(p);
        }
    }
    for (i, (ts, members)) in clusters.iter().enumerate() {
        let label = ts.iter().copied().collect::<Vec<_>>().join(" + ");
        let _ = writeln!(w.s, "  subgraph {} {{", dot_quote(&format!("cluster_{i}")));
        let _ = writeln!(
            w.s,
            "    label={}; style=\"rounded\"; color=\"#999999\";",
            dot_quote(&label)
        );
        for p in members {
            w.node("    ", p, p, p, "");
        }
        w.grid(members);
        let _ = writeln!(w.s, "  }}");
    }
    let mut levels = BTreeSet::new();
    for ((to, treaty), (level, cites)) in &edges {
        levels.insert(crate::kernel::ByRank(*level));
        let label = cites
            .iter()
            .map(|(c, n)| format!("{c}: {n} class{}", if *n == 1 { "" } else { "es" }))
            .collect::<Vec<_>>()
            .join("\n");
        w.edge(
            &x.party,
            to,
            &[
                ("color", dot_quote(level_color(*level))),
                ("penwidth", penwidth(*level).into()),
                ("tooltip", dot_quote(&format!("{treaty}: {label}"))),
            ],
        );
    }
    w.legend(&levels);
    w.finish()
}

/// A cascade as a picture: one cluster per round, the scenario's parties in round 0; an edge
/// from each entrant to the party it helps (colour by level), the scenario's attack in black,
/// entries that count as attacks dashed, conflicts dotted red.
pub(crate) fn cascade_dot(c: &Cascade) -> String {
    let title = format!(
        "Cascade{}: {} — policy {}, entry at {} or above",
        c.name.as_deref().map(|n| format!(" of {n}")).unwrap_or_default(),
        c.date,
        c.policy.as_str(),
        c.min_level
    );
    let mut w = Writer::new(&title, "LR");
    let first = c.rounds.first().and_then(|r| r.events.first());
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    cascade_scenario_cluster(&mut w, c, first, &mut placed);
    for r in &c.rounds {
        cascade_round_cluster(&mut w, r, &mut placed);
    }
    for t in &c.targets {
        for a in &c.attackers {
            w.edge(
                a,
                t,
                &[
                    ("color", dot_quote("black")),
                    ("penwidth", "2.5".into()),
                    (
                        "label",
                        dot_quote(&first.map_or(String::new(), |e| e.event.to_string())),
                    ),
                ],
            );
        }
    }
    let levels = cascade_entries(&mut w, c);
    for k in &c.conflicts {
        w.edge(
            &k.party,
            &k.toward,
            &[
                ("color", dot_quote("red")),
                ("style", "dotted".into()),
                ("penwidth", "2".into()),
                ("constraint", "false".into()),
                ("label", dot_quote(&format!("conflict: owes {}", k.level))),
                ("tooltip", dot_quote(&k.detail)),
            ],
        );
    }
    w.legend(&levels);
    w.finish()
}

/// Round 0 of a cascade: the scenario's event, its targets and attackers.
fn cascade_scenario_cluster<'c>(
    w: &mut Writer,
    c: &'c Cascade,
    first: Option<&super::cascade::CascadeEvent>,
    placed: &mut BTreeSet<&'c str>,
) {
    let _ = writeln!(w.s, "  subgraph \"cluster_round_0\" {{");
    let event_words = first.map_or(String::new(), |e| {
        format!(
            "{} by {} at {}",
            e.event,
            e.attackers
                .as_ref()
                .map_or("an unknown attacker".into(), |a| a.join(", ")),
            e.location.as_deref().unwrap_or("an unknown place")
        )
    });
    let _ = writeln!(
        w.s,
        "    label={}; style=\"rounded\"; color=\"#333333\";",
        dot_quote(&format!("the event: {event_words}"))
    );
    for t in &c.targets {
        if placed.insert(t) {
            w.node("    ", t, t, "target", ", fillcolor=\"#ffffcc\", penwidth=2");
        }
    }
    for a in &c.attackers {
        if placed.insert(a) {
            w.node("    ", a, a, "attacker", ", fillcolor=\"#dddddd\", penwidth=2");
        }
    }
    let _ = writeln!(w.s, "  }}");
}

/// One round of a cascade: a cluster of the parties that enter in it (none: no cluster).
fn cascade_round_cluster<'c>(w: &mut Writer, r: &'c super::cascade::Round, placed: &mut BTreeSet<&'c str>) {
    if r.entrants.is_empty() {
        return;
    }
    let _ = writeln!(
        w.s,
        "  subgraph {} {{",
        dot_quote(&format!("cluster_round_{}", r.number))
    );
    let _ = writeln!(
        w.s,
        "    label={}; style=\"rounded\"; color=\"#999999\";",
        dot_quote(&format!("round {}", r.number))
    );
    for e in &r.entrants {
        if placed.insert(&e.party) {
            let fill = match e.side {
                super::cascade::Side::Target => "#ffffcc",
                super::cascade::Side::Attacker => "#dddddd",
            };
            let style = if e.status == crate::Status::Contingent {
                ", style=\"rounded,filled,dashed\""
            } else {
                ""
            };
            w.node(
                "    ",
                &e.party,
                &e.party,
                &format!("{}: {} side, {}", e.name, e.side.as_str(), e.status.as_str()),
                &format!(", fillcolor=\"{fill}\"{style}"),
            );
        }
    }
    let _ = writeln!(w.s, "  }}");
}

/// The edges of the entries: from each entrant to the party it helps and, under the worst-case
/// policy, to the parties it fights. Returns the levels drawn, for the legend.
fn cascade_entries(w: &mut Writer, c: &Cascade) -> BTreeSet<crate::kernel::ByRank> {
    let mut levels = BTreeSet::new();
    for r in &c.rounds {
        for e in &r.entrants {
            levels.insert(crate::kernel::ByRank(e.level));
            let under = e
                .sources
                .iter()
                .map(|s| format!("{} {}", s.treaty, s.citation))
                .collect::<Vec<_>>();
            let mut attrs = vec![
                ("color", dot_quote(level_color(e.level))),
                ("penwidth", penwidth(e.level).into()),
                ("label", dot_quote(&under.join("\n"))),
                (
                    "tooltip",
                    dot_quote(&format!(
                        "{} owes {} {} (round {})",
                        e.party, e.helps, e.level, r.number
                    )),
                ),
            ];
            if e.status == crate::Status::Contingent {
                attrs.push(("style", "dashed".into()));
            }
            // Drawn from the helped party with the arrow at its end, so that rounds run from
            // left to right.
            attrs.push(("dir", "back".into()));
            w.edge(&e.helps, &e.party, &attrs);
        }
    }
    if c.policy == super::CascadePolicy::Worst {
        for r in &c.rounds {
            for e in &r.entrants {
                for x in &e.against {
                    w.edge(
                        &e.party,
                        x,
                        &[
                            ("color", dot_quote("#aaaaaa")),
                            ("style", "dotted".into()),
                            ("arrowhead", "vee".into()),
                            ("constraint", "false".into()),
                            ("tooltip", dot_quote(&format!("{} enters against {x}", e.party))),
                        ],
                    );
                }
            }
        }
    }
    levels
}

#[cfg(test)]
mod tests {
    use super::dot_quote;

    #[test]
    fn every_label_is_quoted_and_escaped() {
        let check = |input: &str, expected: &str| assert_eq!(dot_quote(input), expected, "{input:?}");
        check("USA", "\"USA\"");
        check("say \"no\"", "\"say \\\"no\\\"\"");
        check("a\\b", "\"a\\\\b\"");
        check("two\nlines", "\"two\\nlines\"");
        check("tab\there", "\"tab here\"");
        check("bell\u{7}", "\"bell\"");
    }
}
