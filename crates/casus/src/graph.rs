//! The commitment graph: who is bound to help whom, at a date, and how that changes over time.
//!
//! Nodes are parties; an edge runs from an obligated party (the *obligor*) to the party it must
//! help (the *beneficiary*), labelled with the treaty, the clause, the level and the period in
//! which it holds. Membership edges run from members to organizations and groups.
//!
//! A commitment is what the compiled clauses say when everything but the date and the
//! beneficiary is left open: for each kind of event, the engine evaluates a scenario in which
//! the beneficiary is attacked by an unknown attacker at an unknown place, with every fact
//! open. A clause whose trigger cannot be true for that beneficiary (its target test excludes
//! it, or the treaty is not in force) gives no edge; suspensions and opt-outs that apply toward
//! the beneficiary remove the edge; `obligated: [named]` limits it to the parties named. Clauses
//! with an obligation toward the *attacker* (a promise of neutrality toward an ally that went
//! to war) give edges toward a party when it attacks. Every clause is read under its default
//! reading.
//!
//! The same machinery answers three further questions: [`Engine::exposure`] (every class of
//! attack that obliges a party), [`Engine::cascade`] (rounds of entry into a war) and
//! [`Engine::timeline`] (when an answer changes).
//!
//! ```
//! use casus::{RuleSet, When, Level};
//!
//! let engine = RuleSet::from_yaml(casus::doc_example())?.compile()?;
//! let guarantors = engine.guarantors("EST", When::parse("2020-01-01")?)?;
//! let ids: Vec<&str> = guarantors.iter().map(|c| c.obligor.as_str()).collect();
//! assert_eq!(ids, ["FRA", "USA"]);
//! assert_eq!(guarantors[0].level, Level::Assist);
//! // Before Estonia's accession nobody is bound to help it.
//! assert!(engine.guarantors("EST", When::parse("2000-01-01")?)?.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cascade;
mod dot;
mod exposure;
mod text;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use petgraph::Direction;
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;
use serde::Serialize;
use thiserror::Error;

use crate::kernel::{
    ActorIx, ClauseIx, Deps, Engine, Hit, LTest, Node, NodeIx, PTest, PartyIx, Period, Prepared, TreatyIx, forms_of,
};
use crate::model::{PartyKind, Toward, TreatyStatus};
use crate::{EventKind, Forms, Level, Staging, Status, When};

pub use crate::kernel::Wait;
pub use cascade::{
    Cascade, CascadeConflict, CascadeEvent, CascadeOptions, CascadePolicy, Entrant, Round, Side, StayedOut,
};
#[cfg(feature = "panel")]
pub(crate) use exposure::Leaves;
pub use exposure::{Exposure, ExposureClass, PartyClass, PlaceClass};

/// The guarantors of a party, or its commitments, at one date as an aligned table with a
/// heading (what `casus guarantors` and `casus commitments` print), long cells wrapped to
/// fit `width`.
///
/// ```
/// # use casus::{RuleSet, When, graph::Relation, table::Width};
/// # let engine = RuleSet::from_yaml(casus::doc_example())?.compile()?;
/// let at = When::parse("2020-01-01")?;
/// let text = casus::graph::render_commitments("EST", Relation::Guarantors, &at, &engine.guarantors("EST", at)?, Width::default());
/// assert!(text.starts_with("Bound to help EST on 2020-01-01: 2 parties under 1 treaty"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn render_commitments(
    party: &str,
    relation: Relation,
    at: &When,
    list: &[Commitment],
    width: crate::table::Width,
) -> String {
    text::render_commitments(party, relation, at, list, width)
}

impl Timeline {
    /// The timeline as text: the answer at the start, then each change with the parties that
    /// gain or lose a commitment.
    /// Within `width` (see [`crate::table::Width`]) long cells wrap at word boundaries.
    #[must_use]
    pub fn to_table(&self, width: crate::table::Width) -> String {
        text::render_timeline(self, width)
    }
}

/// A question about the graph could not be answered.
#[derive(Debug, Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum GraphError {
    /// The party id names nothing in the rule set.
    #[error("unknown party `{id}`{}", .suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownParty {
        /// The id as given.
        id: String,
        /// The closest existing id.
        suggestion: Option<String>,
    },
    /// A date range that ends before it starts.
    #[error("the range from {from} to {to} is empty: the end comes before the start")]
    EmptyRange {
        /// The start.
        from: When,
        /// The end.
        to: When,
    },
    /// The analysis would pass a budget of [`Limits`](crate::Limits); nothing was computed.
    #[error(
        "the {what} could hold up to {needed} {unit}, over the limit of {max} ({limit}); \
         {how}"
    )]
    OverBudget {
        /// What was asked (`commitment graph at 2025-06-01`).
        what: String,
        /// The bound computed before the work.
        needed: u64,
        /// What is counted (`commitments`).
        unit: &'static str,
        /// The limit's value.
        max: u64,
        /// The limit's name in `Limits` (`max_graph_edges`).
        limit: &'static str,
        /// How to get an answer anyway.
        how: &'static str,
    },
    /// The scenario of a cascade is malformed or names something the rule set lacks.
    #[error(transparent)]
    Scenario(#[from] crate::ScenarioError),
}

/// When a commitment runs toward its beneficiary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Occasion {
    /// When the beneficiary is attacked (the usual case).
    Attacked,
    /// When the beneficiary is the attacker (a promise of neutrality toward an ally at war).
    Attacking,
}

impl Occasion {
    /// The pinned lower-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Occasion::Attacked => "attacked",
            Occasion::Attacking => "attacking",
        }
    }
}

/// One commitment: an obligor bound to help a beneficiary under one clause.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Commitment {
    /// The bound party.
    pub obligor: String,
    /// The party it must help.
    pub beneficiary: String,
    /// Whether it runs toward the beneficiary when attacked or when attacking.
    pub occasion: Occasion,
    /// Treaty id.
    pub treaty: String,
    /// Treaty name.
    pub treaty_name: String,
    /// Whether the treaty is a draft, not in force.
    pub draft: bool,
    /// Clause id.
    pub clause: String,
    /// As cited.
    pub citation: String,
    /// The level after reservations.
    pub level: Level,
    /// The kinds of event that can set it off.
    pub events: Vec<EventKind>,
    /// `definite` when, for at least one kind of event, nothing else need be known; otherwise
    /// `contingent` on what `depends_on` names (the attacker, the place, facts).
    pub status: Status,
    /// What a contingent commitment waits on.
    pub depends_on: Vec<String>,
    /// (ext) The same in words and data, condition by condition: the attacker it must be, the
    /// place, the facts. Absent for a definite commitment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waits_on: Vec<Wait>,
    /// Reservations or understandings of the obligor that shape it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reservations: Vec<String>,
    /// (ext) The response forms the clause requires, allows and excludes (after
    /// reservations); absent when the clause says nothing of forms.
    #[serde(skip_serializing_if = "Forms::is_empty")]
    pub forms: Forms,
    /// (ext) By when, under the clause (`within 24 hours`); for a later stage, counted from
    /// the end of the stage before. Absent when the clause sets no deadline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// (ext) For an obligation in stages: which stage, of how many, due by when (the fields
    /// `stage`, `stages`, `due`, written inline).
    #[serde(flatten)]
    pub staging: Staging,
    /// The first date of the period around the query date in which it holds (`null`: always).
    pub valid_from: Option<When>,
    /// The first date on which it no longer holds (`null`: open-ended).
    pub valid_until: Option<When>,
}

/// A party in the graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartyNode {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// State, organization or group.
    pub kind: PartyKind,
}

/// A membership of a party in an organization or group at the graph's date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    /// The member.
    pub member: String,
    /// The organization or group.
    pub organization: String,
    /// Since when (`null`: from the start).
    pub from: Option<When>,
    /// Until when, exclusive (`null`: open-ended).
    pub until: Option<When>,
}

/// Which way a query looks along the commitments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Who is bound to help the party.
    Guarantors,
    /// Whom the party is bound to help.
    Commitments,
}

// Commitments are nearly every edge and memberships few: boxing the large variant would add an
// allocation per commitment to save space on the few membership edges.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum GraphEdge {
    Commitment(Commitment),
    Membership(Membership),
}

/// The commitments between all parties at one date: a directed graph from obligor to
/// beneficiary, with membership edges from members to organizations.
///
/// ```
/// use casus::{RuleSet, When};
/// let engine = RuleSet::from_yaml(casus::doc_example())?.compile()?;
/// let graph = engine.commitment_graph(When::parse("2020-01-01")?);
/// // Three parties, each bound to help the two others under Art. 5.
/// assert_eq!(graph.commitments().len(), 6);
/// assert_eq!(graph.guarantors_of("USA").len(), 2);
/// assert_eq!(graph.commitments_of("USA").len(), 2);
/// assert!(graph.to_dot().starts_with("digraph"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct CommitmentGraph {
    date: When,
    graph: StableDiGraph<PartyNode, GraphEdge>,
    nodes: BTreeMap<String, NodeIndex>,
}

impl CommitmentGraph {
    fn new(date: When) -> CommitmentGraph {
        CommitmentGraph {
            date,
            graph: StableDiGraph::new(),
            nodes: BTreeMap::new(),
        }
    }

    fn node(&mut self, e: &Engine, p: PartyIx) -> NodeIndex {
        let id = e.party_id(p).to_string();
        if let Some(n) = self.nodes.get(&id) {
            return *n;
        }
        let (name, kind) = e
            .parties
            .get(p as usize)
            .map_or((String::new(), PartyKind::State), |x| (x.name.clone(), x.kind));
        let n = self.graph.add_node(PartyNode {
            id: id.clone(),
            name,
            kind,
        });
        self.nodes.insert(id, n);
        n
    }

    /// The date of the graph.
    #[must_use]
    pub fn date(&self) -> When {
        self.date
    }

    /// Every party with at least one commitment or membership, sorted by id.
    #[must_use]
    pub fn parties(&self) -> Vec<&PartyNode> {
        self.nodes.values().filter_map(|n| self.graph.node_weight(*n)).collect()
    }

    /// One party, if it is in the graph.
    #[must_use]
    pub fn party(&self, id: &str) -> Option<&PartyNode> {
        self.nodes.get(id).and_then(|n| self.graph.node_weight(*n))
    }

    /// Every commitment, sorted by obligor, beneficiary, treaty and clause.
    #[must_use]
    pub fn commitments(&self) -> Vec<&Commitment> {
        let mut v: Vec<&Commitment> = self
            .graph
            .edge_weights()
            .filter_map(|w| match w {
                GraphEdge::Commitment(c) => Some(c),
                GraphEdge::Membership(_) => None,
            })
            .collect();
        v.sort_by(|a, b| commitment_order(a, b));
        v
    }

    /// Every membership at the date, sorted by organization and member.
    #[must_use]
    pub fn memberships(&self) -> Vec<&Membership> {
        let mut v: Vec<&Membership> = self
            .graph
            .edge_weights()
            .filter_map(|w| match w {
                GraphEdge::Membership(m) => Some(m),
                GraphEdge::Commitment(_) => None,
            })
            .collect();
        v.sort_by(|a, b| (&a.organization, &a.member).cmp(&(&b.organization, &b.member)));
        v
    }

    fn along(&self, id: &str, dir: Direction) -> Vec<&Commitment> {
        let Some(n) = self.nodes.get(id) else {
            return Vec::new();
        };
        let mut v: Vec<&Commitment> = self
            .graph
            .edges_directed(*n, dir)
            .filter_map(|e| match e.weight() {
                GraphEdge::Commitment(c) => Some(c),
                GraphEdge::Membership(_) => None,
            })
            .collect();
        v.sort_by(|a, b| commitment_order(a, b));
        v
    }

    /// The commitments toward a party: who is bound to help it.
    #[must_use]
    pub fn guarantors_of(&self, id: &str) -> Vec<&Commitment> {
        self.along(id, Direction::Incoming)
    }

    /// The commitments of a party: whom it is bound to help.
    #[must_use]
    pub fn commitments_of(&self, id: &str) -> Vec<&Commitment> {
        self.along(id, Direction::Outgoing)
    }

    /// Every party that could be drawn in, directly or through others, if `id` is attacked and
    /// every commitment at `min_level` or above is honoured (a breadth-first walk backwards
    /// along the commitments), sorted by id. The party itself is not included.
    ///
    /// ```
    /// # use casus::{RuleSet, When, Level};
    /// # let engine = RuleSet::from_yaml(casus::doc_example())?.compile()?;
    /// let graph = engine.commitment_graph(When::parse("2020-01-01")?);
    /// assert_eq!(graph.drawn_in("EST", Level::Assist), ["FRA", "USA"]);
    /// assert!(graph.drawn_in("RUS", Level::Assist).is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn drawn_in(&self, id: &str, min_level: Level) -> Vec<String> {
        let Some(start) = self.nodes.get(id).copied() else {
            return Vec::new();
        };
        let mut seen: BTreeSet<NodeIndex> = BTreeSet::from([start]);
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(n) = queue.pop_front() {
            for e in self.graph.edges_directed(n, Direction::Incoming) {
                let strong = matches!(e.weight(), GraphEdge::Commitment(c)
                    if c.occasion == Occasion::Attacked && c.level.is_response() && c.level.rank() >= min_level.rank());
                if strong && seen.insert(e.source()) {
                    queue.push_back(e.source());
                }
            }
        }
        let mut out: Vec<String> = seen
            .into_iter()
            .filter(|n| *n != start)
            .filter_map(|n| self.graph.node_weight(n).map(|p| p.id.clone()))
            .collect();
        out.sort();
        out
    }

    /// The same graph with only the commitments under the given treaties (ids) and the
    /// parties they bind; memberships are kept between parties that remain. An empty list
    /// keeps everything.
    ///
    /// ```
    /// # use casus::{RuleSet, When};
    /// # let engine = RuleSet::from_yaml(casus::doc_example())?.compile()?;
    /// let g = engine.commitment_graph(When::parse("2020-01-01")?);
    /// assert_eq!(g.with_treaties(&["alliance".to_string()]).commitments().len(), 6);
    /// assert!(g.with_treaties(&["other".to_string()]).commitments().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_treaties(&self, treaties: &[String]) -> CommitmentGraph {
        if treaties.is_empty() {
            return self.clone();
        }
        let mut g = self.clone();
        g.graph.retain_edges(|gr, e| match gr.edge_weight(e) {
            Some(GraphEdge::Commitment(c)) => treaties.contains(&c.treaty),
            _ => true,
        });
        let bound: BTreeSet<NodeIndex> = g
            .graph
            .edge_indices()
            .filter(|e| matches!(g.graph.edge_weight(*e), Some(GraphEdge::Commitment(_))))
            .filter_map(|e| g.graph.edge_endpoints(e))
            .flat_map(|(a, b)| [a, b])
            .collect();
        g.graph.retain_edges(|gr, e| match gr.edge_weight(e) {
            Some(GraphEdge::Membership(_)) => gr
                .edge_endpoints(e)
                .is_some_and(|(a, b)| bound.contains(&a) && bound.contains(&b)),
            _ => true,
        });
        g.graph.retain_nodes(|_, n| bound.contains(&n));
        g.nodes.retain(|_, n| bound.contains(n));
        g
    }

    /// Every commitment as a table, with a heading.
    /// Within `width` (see [`crate::table::Width`]) long cells wrap at word boundaries.
    #[must_use]
    pub fn to_table(&self, width: crate::table::Width) -> String {
        text::graph_table(&self.date, &self.commitments(), self.memberships().len(), width)
    }

    /// (ext) Past this many commitments, [`CommitmentGraph::write_table`] and
    /// [`CommitmentGraph::write_json`] summarize the graph unless asked for all of it: above
    /// every shipped rule set's graph (about 6,500 commitments), far below an alliance of a
    /// thousand parties (999,000).
    pub const SUMMARIZE_ABOVE: usize = 20_000;

    /// (ext) The commitments a summarized graph shows: the first ones, by obligor.
    pub const SHOWN: usize = 100;

    /// (ext) The graph as text, written to `out` as it is made (what `casus graph` prints).
    /// Up to [`CommitmentGraph::SUMMARIZE_ABOVE`] commitments, or with `full`, every one (the
    /// same text as [`CommitmentGraph::to_table`]; a large graph with `full` at full width, row
    /// by row); past it, a summary per treaty, level and obligor, the first
    /// [`CommitmentGraph::SHOWN`] commitments and how many were left out.
    ///
    /// # Errors
    ///
    /// A write error of `out`.
    pub fn write_table(
        &self,
        width: crate::table::Width,
        full: bool,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        text::write_graph_table(self, width, full, out)
    }

    /// (ext) The graph as JSON (as its `Serialize`), written to `out` as it is made. Past
    /// [`CommitmentGraph::SUMMARIZE_ABOVE`] commitments and without `full`, `commitments`
    /// holds the first [`CommitmentGraph::SHOWN`] and a `summary` ([`GraphSummary`]) counts
    /// them all.
    ///
    /// # Errors
    ///
    /// A write error of `out`.
    pub fn write_json(&self, full: bool, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        #[derive(Serialize)]
        struct Summarized<'a> {
            date: When,
            parties: Vec<&'a PartyNode>,
            commitments: &'a [&'a Commitment],
            memberships: Vec<&'a Membership>,
            summary: GraphSummary,
        }
        let list = self.commitments();
        if full || list.len() <= Self::SUMMARIZE_ABOVE {
            serde_json::to_writer_pretty(&mut *out, self).map_err(std::io::Error::from)?;
        } else {
            let summary = GraphSummary::of(&list, Self::SHOWN);
            let s = Summarized {
                date: self.date,
                parties: self.parties(),
                commitments: list.get(..summary.shown).unwrap_or(&list),
                memberships: self.memberships(),
                summary,
            };
            serde_json::to_writer_pretty(&mut *out, &s).map_err(std::io::Error::from)?;
        }
        out.write_all(b"\n")
    }

    /// The graph in Graphviz DOT: one node per party (the party id, quoted), one edge per
    /// obligor, beneficiary and treaty, coloured by its strongest level, and one cluster per
    /// treaty, or per combination of treaties where a party is bound under several.
    #[must_use]
    pub fn to_dot(&self) -> String {
        let edges: Vec<&Commitment> = self.commitments();
        let memberships = self.memberships();
        dot::commitments_dot(
            &format!("Commitments on {}", self.date),
            None,
            &edges,
            &memberships,
            &|id| self.party(id).map(|p| p.name.clone()),
        )
    }
}

impl Serialize for CommitmentGraph {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = ser.serialize_struct("CommitmentGraph", 4)?;
        st.serialize_field("date", &self.date)?;
        st.serialize_field("parties", &self.parties())?;
        st.serialize_field("commitments", &self.commitments())?;
        st.serialize_field("memberships", &self.memberships())?;
        st.end()
    }
}

/// (ext) What a summarized graph says of all its commitments, including those it leaves out
/// (the `summary` of `casus graph --format json` past
/// [`CommitmentGraph::SUMMARIZE_ABOVE`] commitments).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GraphSummary {
    /// Commitments in the whole graph.
    pub commitments: usize,
    /// Commitments shown: the first ones, by obligor, beneficiary, treaty and clause.
    pub shown: usize,
    /// Commitments per treaty (id).
    pub by_treaty: BTreeMap<String, usize>,
    /// Commitments per level.
    pub by_level: BTreeMap<String, usize>,
    /// Per obligor, most commitments first (then by id): the first [`GraphSummary::OBLIGORS`].
    pub by_obligor: Vec<ObligorCommitments>,
    /// How many more obligors there are than `by_obligor` lists.
    pub more_obligors: usize,
}

/// (ext) How many commitments bind one obligor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObligorCommitments {
    /// The bound party.
    pub obligor: String,
    /// Its commitments.
    pub commitments: usize,
}

impl GraphSummary {
    /// The most obligors `by_obligor` lists.
    pub const OBLIGORS: usize = 20;

    /// The summary of a sorted list of commitments, of which the first `most` are shown.
    fn of(list: &[&Commitment], most: usize) -> GraphSummary {
        let mut by_treaty: BTreeMap<String, usize> = BTreeMap::new();
        let mut levels: BTreeMap<crate::kernel::ByRank, usize> = BTreeMap::new();
        let mut obligors: BTreeMap<&str, usize> = BTreeMap::new();
        for c in list {
            *by_treaty.entry(c.treaty.clone()).or_default() += 1;
            *levels.entry(crate::kernel::ByRank(c.level)).or_default() += 1;
            *obligors.entry(c.obligor.as_str()).or_default() += 1;
        }
        let mut by_obligor: Vec<ObligorCommitments> = obligors
            .into_iter()
            .map(|(o, n)| ObligorCommitments {
                obligor: o.to_string(),
                commitments: n,
            })
            .collect();
        by_obligor.sort_by(|a, b| {
            b.commitments
                .cmp(&a.commitments)
                .then_with(|| a.obligor.cmp(&b.obligor))
        });
        let more_obligors = by_obligor.len().saturating_sub(Self::OBLIGORS);
        by_obligor.truncate(Self::OBLIGORS);
        GraphSummary {
            commitments: list.len(),
            shown: most.min(list.len()),
            by_treaty,
            by_level: levels.into_iter().map(|(l, n)| (l.0.to_string(), n)).collect(),
            by_obligor,
            more_obligors,
        }
    }
}

fn commitment_order(a: &Commitment, b: &Commitment) -> std::cmp::Ordering {
    (
        &a.obligor,
        &a.beneficiary,
        &a.treaty,
        &a.clause,
        a.occasion,
        a.staging.stage,
        a.level.rank(),
    )
        .cmp(&(
            &b.obligor,
            &b.beneficiary,
            &b.treaty,
            &b.clause,
            b.occasion,
            b.staging.stage,
            b.level.rank(),
        ))
}

/// A change in the answer to a query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// When it takes effect (a day, or the instant where the rules give one).
    pub at: When,
    /// Commitments that begin.
    pub added: Vec<Commitment>,
    /// Commitments that end.
    pub removed: Vec<Commitment>,
}

/// The answer to a query over a range of dates: the answer at the start and every change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    /// The party asked about.
    pub party: String,
    /// Guarantors of the party, or its own commitments.
    pub relation: Relation,
    /// The start of the range.
    pub from: When,
    /// The end of the range (inclusive).
    pub to: When,
    /// The answer at `from`.
    pub initial: Vec<Commitment>,
    /// Every date in the range where the answer changes, in order.
    pub changes: Vec<Change>,
}

/// Every commitment between all parties over a range of dates: the graph at the start and
/// every change (see [`Engine::graph_timeline`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphTimeline {
    /// The start of the range.
    pub from: When,
    /// The end of the range (inclusive).
    pub to: When,
    /// Every commitment at `from`.
    pub initial: Vec<Commitment>,
    /// Every date in the range where a commitment begins or ends, in order.
    pub changes: Vec<Change>,
}

impl GraphTimeline {
    /// How many commitments the timeline lists: those of the first day and those each change
    /// adds or removes (what a table or JSON of it writes, row by row).
    #[must_use]
    pub fn listed(&self) -> usize {
        self.initial.len()
            + self
                .changes
                .iter()
                .map(|c| c.added.len() + c.removed.len())
                .sum::<usize>()
    }

    /// The same timeline with only the commitments under the given treaties (ids); changes
    /// left empty are dropped. An empty list keeps everything.
    #[must_use]
    pub fn with_treaties(&self, treaties: &[String]) -> GraphTimeline {
        if treaties.is_empty() {
            return self.clone();
        }
        let keep = |v: &[Commitment]| -> Vec<Commitment> {
            v.iter().filter(|c| treaties.contains(&c.treaty)).cloned().collect()
        };
        GraphTimeline {
            from: self.from,
            to: self.to,
            initial: keep(&self.initial),
            changes: self
                .changes
                .iter()
                .map(|ch| Change {
                    at: ch.at,
                    added: keep(&ch.added),
                    removed: keep(&ch.removed),
                })
                .filter(|ch| !ch.added.is_empty() || !ch.removed.is_empty())
                .collect(),
        }
    }

    /// The timeline as text: the graph at the start as a table, then each change with the
    /// commitments that begin (`+`) or end (`-`), one line per clause and level.
    /// Within `width` (see [`crate::table::Width`]) long cells wrap at word boundaries.
    #[must_use]
    pub fn to_table(&self, width: crate::table::Width) -> String {
        text::render_graph_timeline(self, width)
    }

    /// The timeline as a Graphviz picture: every commitment that holds at some time in the
    /// range, each edge that begins or ends within it labelled with the dates (`+D`, `-D`).
    #[must_use]
    pub fn to_dot(&self) -> String {
        dot::graph_timeline_dot(self)
    }
}

/// The dates strictly after `from` and up to `to` (a day: through its end).
fn within_range(dates: Vec<When>, from: &When, to: &When) -> Vec<When> {
    dates
        .into_iter()
        .filter(|d| {
            later(d, from)
                && match to {
                    When::Day(day) => d.day() <= *day,
                    When::Instant(_) => !later(d, to),
                }
        })
        .collect()
}

/// What identifies a commitment at one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct EdgeKey {
    obligor: PartyIx,
    beneficiary: PartyIx,
    occasion: Occasion,
    clause: ClauseIx,
    obligation: u16,
    level: Level,
}

/// Field by field, the level by rank.
impl Ord for EdgeKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (
            self.obligor,
            self.beneficiary,
            self.occasion,
            self.clause,
            self.obligation,
            self.level.rank(),
        )
            .cmp(&(
                other.obligor,
                other.beneficiary,
                other.occasion,
                other.clause,
                other.obligation,
                other.level.rank(),
            ))
    }
}

impl PartialOrd for EdgeKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A commitment at one date, merged over the events (and targets) that produce it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawEdge {
    key: EdgeKey,
    events: u8,
    definite: bool,
    deps: Deps,
    reservations: u64,
    /// Forms excluded, by the clause or a reservation.
    excluded: u16,
    /// The target of the first scenario that found it (the beneficiary, unless it is owed
    /// to the beneficiary as an attacker).
    target: PartyIx,
}

/// Precomputed facts about the rule set that every graph query needs.
pub(crate) struct Plan {
    /// Clauses with an obligation toward the attacker.
    pub(crate) attacker_clauses: Vec<ClauseIx>,
    /// Parties that can be the target when one of those clauses applies.
    attacker_targets: Vec<PartyIx>,
    /// Per clause, the dates at which its answer for a known target can change.
    pub(crate) clause_dates: Vec<Vec<When>>,
}

/// Sorts dates in time (a day before an instant on the same day) and drops duplicates.
pub(crate) fn sort_dates(v: &mut Vec<When>) {
    v.sort_by_key(|w| (w.sort_key(), matches!(w, When::Instant(_))));
    v.dedup();
}

/// Whether `a` comes strictly after `b` in time.
pub(crate) fn later(a: &When, b: &When) -> bool {
    (a.sort_key(), matches!(a, When::Instant(_))) > (b.sort_key(), matches!(b, When::Instant(_)))
}

fn periods_dates(ps: &[Period], out: &mut Vec<When>) {
    for p in ps {
        out.extend(p.from);
        out.extend(p.to);
    }
}

impl Engine {
    /// The index of a party id, or an error naming the closest id.
    pub(crate) fn lookup_party(&self, id: &str) -> Result<PartyIx, GraphError> {
        self.party_ix.get(id).copied().ok_or_else(|| GraphError::UnknownParty {
            id: id.to_string(),
            suggestion: crate::names::suggest(id, self.party_ix.keys().map(String::as_str)),
        })
    }

    /// Whether a party is a group: a name for conditions (the Great Powers of 1914), which is
    /// neither attacked nor attacks.
    fn is_group(&self, p: PartyIx) -> bool {
        self.parties.get(p as usize).is_some_and(|x| x.kind == PartyKind::Group)
    }

    /// A scenario in which everything but the date, the event and the parties is open.
    pub(crate) fn open_scenario(
        &self,
        at: When,
        event: EventKind,
        target: PartyIx,
        attackers: Option<Vec<PartyIx>>,
    ) -> Prepared {
        let names = attackers
            .as_ref()
            .map(|a| a.iter().map(|p| self.party_id(*p).to_string()).collect());
        Prepared::open(self, at, event, target)
            .with_attackers(attackers.map(|a| a.into_iter().map(ActorIx::Party).collect()), names)
    }

    fn obligation_toward(&self, h: &Hit) -> Option<Toward> {
        self.clauses
            .get(h.clause as usize)
            .and_then(|c| c.obligations.get(h.obligation as usize))
            .map(|o| {
                if o.toward.contains(&crate::kernel::Benef::Attacker) {
                    Toward::Attacker
                } else {
                    Toward::Target
                }
            })
    }

    pub(crate) fn plan(&self) -> Plan {
        let attacker_clauses: Vec<ClauseIx> = self
            .clauses
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.obligations
                    .iter()
                    .any(|o| o.toward.contains(&crate::kernel::Benef::Attacker))
            })
            .map(|(i, _)| i as ClauseIx)
            .collect();
        let any = self.index.any_target.iter().any(|(c, _)| attacker_clauses.contains(c));
        let attacker_targets: Vec<PartyIx> = if attacker_clauses.is_empty() {
            Vec::new()
        } else {
            (0..self.parties.len() as PartyIx)
                .filter(|p| !self.is_group(*p))
                .filter(|p| any || self.index.of(*p).iter().any(|(c, _)| attacker_clauses.contains(c)))
                .collect()
        };
        let clause_dates = (0..self.clauses.len() as ClauseIx)
            .map(|c| self.clause_dates(c))
            .collect();
        Plan {
            attacker_clauses,
            attacker_targets,
            clause_dates,
        }
    }

    fn treaty_member_dates(&self, t: TreatyIx, out: &mut Vec<When>) {
        let Some(tr) = self.treaties.get(t as usize) else {
            return;
        };
        for m in &tr.members {
            out.extend(m.from);
            out.extend(m.to);
            if let Some(org) = m.members_of.and_then(|o| self.parties.get(o as usize)) {
                periods_dates(&org.members, out);
            }
        }
    }

    fn ptest_dates(&self, t: &PTest, out: &mut Vec<When>) {
        match t {
            PTest::MemberOf(o) => {
                if let Some(org) = self.parties.get(*o as usize) {
                    periods_dates(&org.members, out);
                }
            }
            PTest::PartyTo(x) => self.treaty_member_dates(*x, out),
            _ => {}
        }
    }

    /// The dates at which a clause's answer for a known beneficiary can change when the place
    /// is open: the treaty's entry into force and end, its membership and reservation periods,
    /// the memberships its conditions test and the windows of its date conditions.
    fn clause_dates(&self, cix: ClauseIx) -> Vec<When> {
        let mut out = Vec::new();
        let Some(c) = self.clauses.get(cix as usize) else {
            return out;
        };
        if let Some(t) = self.treaties.get(c.treaty as usize) {
            out.extend(t.in_force);
            out.extend(t.terminated);
            for r in &t.reservations {
                out.extend(r.from);
                out.extend(r.to);
            }
        }
        self.treaty_member_dates(c.treaty, &mut out);
        let mut stack: Vec<NodeIx> = std::iter::once(c.trigger)
            .chain(c.obligations.iter().filter_map(|o| o.when))
            .collect();
        let mut budget = self.nodes.len() + 1;
        while let Some(n) = stack.pop() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                break;
            }
            match self.nodes.get(n as usize) {
                Some(Node::All(k) | Node::Any(k)) => stack.extend(k.iter().copied()),
                Some(Node::Not(k)) => stack.push(*k),
                Some(Node::Date(from, before)) => {
                    out.extend(*from);
                    out.extend(*before);
                }
                Some(Node::Attacker(t) | Node::Attackers(_, t) | Node::SupportedBy(t) | Node::Target(t)) => {
                    self.ptest_dates(t, &mut out)
                }
                Some(Node::Location(LTest::Holder(_, t, _)) | Node::LaunchedFrom(LTest::Holder(_, t, _))) => {
                    self.ptest_dates(t, &mut out)
                }
                _ => {}
            }
        }
        sort_dates(&mut out);
        out
    }

    /// Every date in the rule set at which some answer can change: entries into force and
    /// ends of treaties, accessions and withdrawals, memberships of organizations, reservation
    /// periods, changes of sovereign, controller or administrator, and the windows of date
    /// conditions. Sorted in time; a day comes before an instant on the same day.
    ///
    /// ```
    /// # use casus::{RuleSet, When};
    /// # let engine = RuleSet::from_yaml(casus::doc_example())?.compile()?;
    /// let dates: Vec<String> = engine.change_points().iter().map(|d| d.to_string()).collect();
    /// assert_eq!(dates, ["1949-08-24", "2004-03-29"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn change_points(&self) -> Vec<When> {
        let mut out = Vec::new();
        for c in 0..self.clauses.len() as ClauseIx {
            out.extend(self.clause_dates(c));
        }
        for t in &self.treaties {
            out.extend(t.in_force);
            out.extend(t.terminated);
        }
        for p in &self.parties {
            periods_dates(&p.members, &mut out);
        }
        for pl in &self.places {
            periods_dates(&pl.sovereign, &mut out);
            for ps in [&pl.controller, &pl.administrator].into_iter().flatten() {
                periods_dates(ps, &mut out);
            }
        }
        sort_dates(&mut out);
        out
    }

    /// Every commitment toward `y` at `at`, merged over the kinds of event.
    pub(crate) fn edges_toward(&self, plan: &Plan, y: PartyIx, at: &When, buf: &mut Vec<Hit>) -> Vec<RawEdge> {
        self.edges_toward_via(plan, y, at, buf, &plan.attacker_targets)
    }

    /// As [`Engine::edges_toward`], trying only `attacker_targets` as the target of an attack
    /// by `y` (a caller that knows fewer targets suffice; none: no commitment toward `y` as an
    /// attacker).
    pub(crate) fn edges_toward_via(
        &self,
        plan: &Plan,
        y: PartyIx,
        at: &When,
        buf: &mut Vec<Hit>,
        attacker_targets: &[PartyIx],
    ) -> Vec<RawEdge> {
        if self.is_group(y) {
            return Vec::new();
        }
        let mut merged: BTreeMap<EdgeKey, RawEdge> = BTreeMap::new();
        let mut add = |h: &Hit, occasion: Occasion, event: EventKind, target: PartyIx| {
            let key = EdgeKey {
                obligor: h.party,
                beneficiary: y,
                occasion,
                clause: h.clause,
                obligation: h.obligation,
                level: h.level,
            };
            let bit = 1u8 << (event as u8);
            let definite = h.status == Status::Definite;
            merged
                .entry(key)
                .and_modify(|r| {
                    r.events |= bit;
                    r.definite |= definite;
                    r.deps = r.deps.union(h.deps);
                    r.reservations |= h.reservation_mask;
                    r.excluded |= h.excluded;
                })
                .or_insert(RawEdge {
                    key,
                    events: bit,
                    definite,
                    deps: h.deps,
                    reservations: h.reservation_mask,
                    excluded: h.excluded,
                    target,
                });
        };
        for &event in EventKind::ALL {
            let s = self.open_scenario(*at, event, y, None);
            self.hits(&s, buf);
            for h in buf.iter().filter(|h| h.toward == y) {
                add(h, Occasion::Attacked, event, y);
            }
        }
        if !plan.attacker_clauses.is_empty() {
            for &z in attacker_targets.iter().filter(|z| **z != y) {
                for &event in EventKind::ALL {
                    let s = self.open_scenario(*at, event, z, Some(vec![y]));
                    self.hits(&s, buf);
                    for h in buf.iter() {
                        if h.toward == y && self.obligation_toward(h) == Some(Toward::Attacker) {
                            add(h, Occasion::Attacking, event, z);
                        }
                    }
                }
            }
        }
        merged.into_values().collect()
    }

    /// The clauses a commitment toward `y` can come from.
    pub(crate) fn clauses_toward(&self, plan: &Plan, y: PartyIx) -> Vec<ClauseIx> {
        let mut v: Vec<ClauseIx> = self.index.of(y).iter().map(|(c, _)| *c).collect();
        v.extend(self.index.any_target.iter().map(|(c, _)| *c));
        v.extend(&plan.attacker_clauses);
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The clauses under which `x` can be bound.
    fn clauses_of(&self, x: PartyIx) -> Vec<ClauseIx> {
        self.clauses
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                let in_treaty = self
                    .treaties
                    .get(c.treaty as usize)
                    .is_some_and(|t| t.ever.contains(&x));
                in_treaty
                    && c.obligations.iter().any(|o| match &o.obligated {
                        crate::kernel::Obligors::Named(v) => v.contains(&x),
                        _ => true,
                    })
            })
            .map(|(i, _)| i as ClauseIx)
            .collect()
    }

    /// The parties toward which a commitment under one of `clauses` can run.
    fn beneficiaries_of(&self, plan: &Plan, clauses: &[ClauseIx]) -> Vec<PartyIx> {
        let any = clauses
            .iter()
            .any(|c| self.index.any_target.iter().any(|(x, _)| x == c) || plan.attacker_clauses.contains(c));
        (0..self.parties.len() as PartyIx)
            .filter(|p| !self.is_group(*p))
            .filter(|p| any || self.index.of(*p).iter().any(|(c, _)| clauses.contains(c)))
            .collect()
    }

    pub(crate) fn dates_of(plan: &Plan, clauses: &[ClauseIx]) -> Vec<When> {
        let mut v: Vec<When> = clauses
            .iter()
            .filter_map(|c| plan.clause_dates.get(*c as usize))
            .flatten()
            .copied()
            .collect();
        sort_dates(&mut v);
        v
    }

    /// As [`Engine::commitment_of`], with what a contingent commitment waits on at `at`
    /// spelt out condition by condition (`waits_on`).
    fn commitment_at(&self, r: &RawEdge, validity: (Option<When>, Option<When>), at: &When) -> Commitment {
        let mut c = self.commitment_of(r, validity);
        c.waits_on = self.waits_of(r, at);
        c
    }

    /// What a contingent commitment waits on at `at`, over the kinds of event that give it
    /// (nothing when it is definite).
    fn waits_of(&self, r: &RawEdge, at: &When) -> Vec<Wait> {
        let mut out: Vec<Wait> = Vec::new();
        if r.definite {
            return out;
        }
        for &event in EventKind::ALL.iter().filter(|e| r.events & (1u8 << (**e as u8)) != 0) {
            let s = match r.key.occasion {
                Occasion::Attacked => self.open_scenario(*at, event, r.key.beneficiary, None),
                Occasion::Attacking => self.open_scenario(*at, event, r.target, Some(vec![r.key.beneficiary])),
            };
            for w in self.waits_in(&s, r.key.clause, r.key.obligation, r.target) {
                if !out.contains(&w) {
                    out.push(w);
                }
            }
        }
        out
    }

    pub(crate) fn commitment_of(&self, r: &RawEdge, validity: (Option<When>, Option<When>)) -> Commitment {
        let k = r.key;
        let c = self.clauses.get(k.clause as usize);
        let t = c.and_then(|c| self.treaties.get(c.treaty as usize));
        let o = c.and_then(|c| c.obligations.get(usize::from(k.obligation)));
        let mut reservations = Vec::new();
        for (ri, res) in t
            .map(|t| t.reservations.as_slice())
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if ri < 64 && r.reservations & (1u64 << ri) != 0 {
                reservations.push(res.note.clone());
            }
        }
        Commitment {
            obligor: self.party_id(k.obligor).to_string(),
            beneficiary: self.party_id(k.beneficiary).to_string(),
            occasion: k.occasion,
            treaty: t.map_or(String::new(), |t| t.id.clone()),
            treaty_name: t.map_or(String::new(), |t| t.name.clone()),
            draft: t.is_some_and(|t| t.status == TreatyStatus::Draft),
            clause: c.map_or(String::new(), |c| c.id.clone()),
            citation: c.map_or(String::new(), |c| c.citation.clone()),
            level: k.level,
            events: EventKind::ALL
                .iter()
                .copied()
                .filter(|e| r.events & (1u8 << (*e as u8)) != 0)
                .collect(),
            status: if r.definite {
                Status::Definite
            } else {
                Status::Contingent
            },
            depends_on: if r.definite { Vec::new() } else { self.dep_names(r.deps) },
            waits_on: Vec::new(),
            reservations,
            forms: o.map_or_else(Forms::default, |o| Forms {
                required: forms_of(o.required),
                allowed: forms_of(o.allowed & !r.excluded),
                excluded: forms_of(r.excluded),
            }),
            deadline: o.and_then(|o| o.deadline).map(|d| d.to_string()),
            staging: o.map(crate::kernel::Obligation::staging).unwrap_or_default(),
            valid_from: validity.0,
            valid_until: validity.1,
        }
    }

    /// The guarantors of a party, or its commitments, as a Graphviz picture around the party:
    /// the other parties clustered by the treaties that bind them, edges coloured by level.
    #[must_use]
    pub fn commitments_dot(&self, party: &str, relation: Relation, at: When, list: &[Commitment]) -> String {
        let refs: Vec<&Commitment> = list.iter().collect();
        let title = match relation {
            Relation::Guarantors => format!("Bound to help {party} on {at}"),
            Relation::Commitments => format!("{party} is bound to help, on {at}"),
        };
        dot::commitments_dot(&title, Some(party), &refs, &[], &|id| {
            self.party_ix
                .get(id)
                .and_then(|p| self.parties.get(*p as usize))
                .map(|p| p.name.clone())
        })
    }

    /// The most commitments the graph at any date can hold, computed from the rule set alone
    /// (every pair of parties each treaty ever has, for each of its clauses): a bound checked
    /// before the graph is built.
    #[must_use]
    pub fn graph_size_bound(&self) -> u64 {
        self.treaties
            .iter()
            .map(|t| {
                let n = t.ever.len() as u64;
                n.saturating_mul(n).saturating_mul(t.clauses.len() as u64)
            })
            .fold(0u64, u64::saturating_add)
    }

    /// As [`Engine::commitment_graph`], refusing before any work when the graph could pass
    /// `max_edges` commitments (see [`Engine::graph_size_bound`]).
    ///
    /// # Errors
    ///
    /// [`GraphError::OverBudget`] naming `max_graph_edges` and its value.
    pub fn commitment_graph_within(&self, at: When, max_edges: u64) -> Result<CommitmentGraph, GraphError> {
        let needed = self.graph_size_bound();
        if needed > max_edges {
            return Err(GraphError::OverBudget {
                what: format!("commitment graph at {at}"),
                needed,
                unit: "commitments",
                max: max_edges,
                limit: "max_graph_edges",
                how: "ask about one party instead (guarantors, commitments), or raise the limit \
                      (--max-edges N) if the machine can hold the graph",
            });
        }
        Ok(self.commitment_graph(at))
    }

    /// Every commitment between all parties at a date (see [`Engine::commitment_graph_within`]
    /// for the same under a budget).
    #[must_use]
    pub fn commitment_graph(&self, at: When) -> CommitmentGraph {
        let plan = self.plan();
        let mut g = CommitmentGraph::new(at);
        let mut buf = Vec::new();
        let mut raw = Vec::new();
        for y in 0..self.parties.len() as PartyIx {
            raw.extend(self.edges_toward(&plan, y, &at, &mut buf));
        }
        let mut validity = Validity::new(self, &plan);
        for r in &raw {
            let v = validity.of(r, &at);
            let c = self.commitment_at(r, v, &at);
            let a = g.node(self, r.key.obligor);
            let b = g.node(self, r.key.beneficiary);
            g.graph.add_edge(a, b, GraphEdge::Commitment(c));
        }
        for (oi, org) in self.parties.iter().enumerate() {
            for m in &org.members {
                if at.within(m.from.as_ref(), m.to.as_ref()) == crate::Truth::False {
                    continue;
                }
                let a = g.node(self, m.party);
                let b = g.node(self, oi as PartyIx);
                g.graph.add_edge(
                    a,
                    b,
                    GraphEdge::Membership(Membership {
                        member: self.party_id(m.party).to_string(),
                        organization: org.id.clone(),
                        from: m.from,
                        until: m.to,
                    }),
                );
            }
        }
        g
    }

    /// Who is bound to help `party` at a date, under which clause, at what level, sorted by
    /// obligor, treaty and clause.
    ///
    /// # Errors
    ///
    /// [`GraphError`] when `party` names no party of the rule set.
    pub fn guarantors(&self, party: &str, at: When) -> Result<Vec<Commitment>, GraphError> {
        let x = self.lookup_party(party)?;
        let plan = self.plan();
        let mut buf = Vec::new();
        let mut validity = Validity::new(self, &plan);
        let mut out: Vec<Commitment> = self
            .edges_toward(&plan, x, &at, &mut buf)
            .iter()
            .map(|r| self.commitment_at(r, validity.of(r, &at), &at))
            .collect();
        out.sort_by(commitment_order);
        Ok(out)
    }

    /// Whom `party` is bound to help at a date, under which clause, at what level, sorted by
    /// beneficiary, treaty and clause.
    ///
    /// ```
    /// # use casus::{RuleSet, When};
    /// # let engine = RuleSet::from_yaml(casus::doc_example())?.compile()?;
    /// let owed = engine.commitments("FRA", When::parse("2020-01-01")?)?;
    /// let to: Vec<&str> = owed.iter().map(|c| c.beneficiary.as_str()).collect();
    /// assert_eq!(to, ["EST", "USA"]);
    /// assert_eq!(owed[0].valid_from.map(|d| d.to_string()).as_deref(), Some("2004-03-29"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`GraphError`] when `party` names no party of the rule set.
    pub fn commitments(&self, party: &str, at: When) -> Result<Vec<Commitment>, GraphError> {
        let x = self.lookup_party(party)?;
        let plan = self.plan();
        let mut validity = Validity::new(self, &plan);
        let mut out: Vec<Commitment> = self
            .raw_commitments_of(&plan, x, &at)
            .iter()
            .map(|r| self.commitment_at(r, validity.of(r, &at), &at))
            .collect();
        out.sort_by(commitment_order);
        Ok(out)
    }

    pub(crate) fn raw_commitments_of(&self, plan: &Plan, x: PartyIx, at: &When) -> Vec<RawEdge> {
        let clauses = self.clauses_of(x);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        for y in self.beneficiaries_of(plan, &clauses) {
            out.extend(
                self.edges_toward(plan, y, at, &mut buf)
                    .into_iter()
                    .filter(|r| r.key.obligor == x),
            );
        }
        out
    }

    /// The guarantors of a party, or its commitments, over a range of dates: the answer at
    /// `from` and every date up to `to` (inclusive) at which it changes. The dates come from
    /// the rule data (accessions, withdrawals, memberships, entries into force, ends,
    /// reservation periods), not from sampling days.
    ///
    /// ```
    /// # use casus::{RuleSet, When, graph::Relation};
    /// # let engine = RuleSet::from_yaml(casus::doc_example())?.compile()?;
    /// let t = engine.timeline("EST", Relation::Guarantors, When::parse("2000-01-01")?, When::parse("2020-01-01")?)?;
    /// assert!(t.initial.is_empty());
    /// assert_eq!(t.changes.len(), 1);
    /// assert_eq!(t.changes[0].at.to_string(), "2004-03-29");
    /// assert_eq!(t.changes[0].added.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`GraphError`] when `party` names no party of the rule set, or `to` comes before `from`.
    pub fn timeline(&self, party: &str, direction: Relation, from: When, to: When) -> Result<Timeline, GraphError> {
        let x = self.lookup_party(party)?;
        if later(&from, &to) {
            return Err(GraphError::EmptyRange { from, to });
        }
        let plan = self.plan();
        let mut buf = Vec::new();
        let answer = |at: &When, buf: &mut Vec<Hit>| -> BTreeMap<EdgeKey, RawEdge> {
            let v = match direction {
                Relation::Guarantors => self.edges_toward(&plan, x, at, buf),
                Relation::Commitments => self.raw_commitments_of(&plan, x, at),
            };
            v.into_iter().map(|r| (r.key, r)).collect()
        };
        let clauses = match direction {
            Relation::Guarantors => self.clauses_toward(&plan, x),
            Relation::Commitments => self.clauses_of(x),
        };
        let dates = within_range(Self::dates_of(&plan, &clauses), &from, &to);
        let (initial, changes) = self.changes_over(&plan, from, &dates, |at: &When| answer(at, &mut buf));
        Ok(Timeline {
            party: self.party_id(x).to_string(),
            relation: direction,
            from,
            to,
            initial,
            changes,
        })
    }
}

impl Engine {
    /// Every commitment between all parties over a range of dates: the graph at `from` and
    /// every date up to `to` (inclusive) at which a commitment begins or ends, refusing before
    /// any work when the graph at one date could pass `max_edges` commitments (as
    /// [`Engine::commitment_graph_within`]). The dates come from the rule data, as for
    /// [`Engine::timeline`]; memberships are not listed.
    ///
    /// ```
    /// # use casus::{RuleSet, When};
    /// # let engine = RuleSet::from_yaml(casus::doc_example())?.compile()?;
    /// let t = engine.graph_timeline(When::parse("2000-01-01")?, When::parse("2020-01-01")?, 1_000)?;
    /// assert_eq!(t.initial.len(), 2); // France and the United States, toward each other
    /// assert_eq!(t.changes.len(), 1);
    /// assert_eq!(t.changes[0].at.to_string(), "2004-03-29");
    /// assert_eq!(t.changes[0].added.len(), 4); // Estonia joins: 2 toward it, 2 from it
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`GraphError::EmptyRange`] when `to` comes before `from`; [`GraphError::OverBudget`]
    /// as for [`Engine::commitment_graph_within`].
    pub fn graph_timeline(&self, from: When, to: When, max_edges: u64) -> Result<GraphTimeline, GraphError> {
        if later(&from, &to) {
            return Err(GraphError::EmptyRange { from, to });
        }
        let needed = self.graph_size_bound();
        if needed > max_edges {
            return Err(GraphError::OverBudget {
                what: format!("commitment graph from {from} to {to}"),
                needed,
                unit: "commitments",
                max: max_edges,
                limit: "max_graph_edges",
                how: "ask about one party over the range instead (guarantors, commitments with \
                      --from/--to), or raise the limit (--max-edges N) if the machine can hold the graph",
            });
        }
        let plan = self.plan();
        let mut buf = Vec::new();
        let parties: Vec<PartyIx> = (0..self.parties.len() as PartyIx).collect();
        let answer = |at: &When, buf: &mut Vec<Hit>| -> BTreeMap<EdgeKey, RawEdge> {
            parties
                .iter()
                .flat_map(|y| self.edges_toward(&plan, *y, at, buf))
                .map(|r| (r.key, r))
                .collect()
        };
        let clauses: Vec<ClauseIx> = (0..self.clauses.len() as ClauseIx).collect();
        let dates = within_range(Self::dates_of(&plan, &clauses), &from, &to);
        let (initial, changes) = self.changes_over(&plan, from, &dates, |at: &When| answer(at, &mut buf));
        Ok(GraphTimeline {
            from,
            to,
            initial,
            changes,
        })
    }

    /// The answer at `from` and every change at `dates` (sorted, after `from`): the one
    /// change-listing step of every query over a range (`timeline`, `graph_timeline`).
    /// `answer` gives the commitments found at a date, keyed so that a commitment found at
    /// two dates is the same one.
    fn changes_over(
        &self,
        plan: &Plan,
        from: When,
        dates: &[When],
        mut answer: impl FnMut(&When) -> BTreeMap<EdgeKey, RawEdge>,
    ) -> (Vec<Commitment>, Vec<Change>) {
        let mut validity = Validity::new(self, plan);
        let mut current = answer(&from);
        let mut initial: Vec<Commitment> = current
            .values()
            .map(|r| self.commitment_at(r, validity.of(r, &from), &from))
            .collect();
        initial.sort_by(commitment_order);
        let mut changes = Vec::new();
        let mut previous = from;
        for d in dates {
            let next = answer(d);
            let mut added: Vec<Commitment> = next
                .iter()
                .filter(|(k, _)| !current.contains_key(k))
                .map(|(_, r)| self.commitment_at(r, validity.of(r, d), d))
                .collect();
            let mut removed: Vec<Commitment> = current
                .iter()
                .filter(|(k, _)| !next.contains_key(k))
                .map(|(_, r)| self.commitment_at(r, validity.of(r, &previous), &previous))
                .collect();
            if !added.is_empty() || !removed.is_empty() {
                added.sort_by(commitment_order);
                removed.sort_by(commitment_order);
                changes.push(Change { at: *d, added, removed });
            }
            current = next;
            previous = *d;
        }
        (initial, changes)
    }
}

/// A treaty's member given as the members of an organization: its period and the organization.
type GroupMember = (Option<When>, Option<When>, PartyIx);

/// Computes the period in which a commitment holds: the run of consecutive periods, between
/// the dates at which something that commitment depends on changes, in which the same
/// commitment is found.
struct Validity<'a> {
    e: &'a Engine,
    plan: &'a Plan,
    buf: Vec<Hit>,
    /// The commitments toward a party at a date, once computed.
    found: HashMap<(PartyIx, When), BTreeSet<EdgeKey>>,
    /// Per treaty, the membership dates of each party named as a member, indexed once so that
    /// the dates of one commitment do not walk every member of an alliance (which made the
    /// graph of a large alliance quadratic in its size).
    member_dates: Vec<HashMap<PartyIx, Vec<When>>>,
    /// Per treaty, its members given as the members of an organization: their period and the
    /// organization.
    group_members: Vec<Vec<GroupMember>>,
}

impl<'a> Validity<'a> {
    fn new(e: &'a Engine, plan: &'a Plan) -> Validity<'a> {
        let member_dates = e
            .treaties
            .iter()
            .map(|t| {
                let mut by: HashMap<PartyIx, Vec<When>> = HashMap::new();
                for m in &t.members {
                    if let Some(p) = m.party {
                        let v = by.entry(p).or_default();
                        v.extend(m.from);
                        v.extend(m.to);
                    }
                }
                by
            })
            .collect();
        let group_members = e
            .treaties
            .iter()
            .map(|t| {
                t.members
                    .iter()
                    .filter_map(|m| m.members_of.map(|o| (m.from, m.to, o)))
                    .collect()
            })
            .collect();
        Validity {
            e,
            plan,
            buf: Vec::new(),
            found: HashMap::new(),
            member_dates,
            group_members,
        }
    }

    fn present(&mut self, y: PartyIx, at: When, key: &EdgeKey) -> bool {
        let (e, plan) = (self.e, self.plan);
        let buf = &mut self.buf;
        self.found
            .entry((y, at))
            .or_insert_with(|| e.edges_toward(plan, y, &at, buf).into_iter().map(|r| r.key).collect())
            .contains(key)
    }

    /// The dates at which a commitment can begin or end: the treaty's entry into force and
    /// end, the two parties' membership periods (directly or through an organization), the
    /// obligor's reservations, and the windows and memberships the clause's conditions test.
    fn dates(&self, k: &EdgeKey) -> Vec<When> {
        let e = self.e;
        if k.occasion == Occasion::Attacking {
            // The target varies: every date the clause depends on.
            return self
                .plan
                .clause_dates
                .get(k.clause as usize)
                .cloned()
                .unwrap_or_default();
        }
        let mut out = Vec::new();
        let ours = |p: PartyIx| p == k.obligor || p == k.beneficiary;
        let org_dates = |org: PartyIx, out: &mut Vec<When>| {
            if let Some(o) = e.parties.get(org as usize) {
                for m in o.members.iter().filter(|m| ours(m.party)) {
                    out.extend(m.from);
                    out.extend(m.to);
                }
            }
        };
        let treaty_dates = |t: TreatyIx, out: &mut Vec<When>| {
            if let Some(by) = self.member_dates.get(t as usize) {
                for p in [k.obligor, k.beneficiary] {
                    out.extend(by.get(&p).into_iter().flatten().copied());
                }
            }
            for (from, to, org) in self.group_members.get(t as usize).into_iter().flatten() {
                out.extend(*from);
                out.extend(*to);
                org_dates(*org, out);
            }
        };
        let Some(c) = e.clauses.get(k.clause as usize) else {
            return out;
        };
        if let Some(t) = e.treaties.get(c.treaty as usize) {
            out.extend(t.in_force);
            out.extend(t.terminated);
            for r in t.reservations.iter().filter(|r| r.party == k.obligor) {
                out.extend(r.from);
                out.extend(r.to);
            }
        }
        treaty_dates(c.treaty, &mut out);
        let mut stack: Vec<NodeIx> = std::iter::once(c.trigger)
            .chain(c.obligations.iter().filter_map(|o| o.when))
            .collect();
        let mut budget = e.nodes.len() + 1;
        while let Some(n) = stack.pop() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                break;
            }
            let ptest = match e.nodes.get(n as usize) {
                Some(Node::All(kids) | Node::Any(kids)) => {
                    stack.extend(kids.iter().copied());
                    None
                }
                Some(Node::Not(kid)) => {
                    stack.push(*kid);
                    None
                }
                Some(Node::Date(from, before)) => {
                    out.extend(*from);
                    out.extend(*before);
                    None
                }
                Some(Node::Target(t)) => Some(t),
                _ => None,
            };
            match ptest {
                Some(PTest::MemberOf(o)) => org_dates(*o, &mut out),
                Some(PTest::PartyTo(t)) => treaty_dates(*t, &mut out),
                _ => {}
            }
        }
        sort_dates(&mut out);
        out
    }

    fn of(&mut self, r: &RawEdge, at: &When) -> (Option<When>, Option<When>) {
        let y = r.key.beneficiary;
        let dates = self.dates(&r.key);
        // Period i runs from dates[i-1] (or the beginning) to dates[i] (or forever); it is
        // tested at its first date, or the day before the first date for period 0.
        let probe = |i: usize| -> Option<When> {
            if i == 0 {
                dates.first().and_then(|d| d.day().yesterday().ok()).map(When::Day)
            } else {
                dates.get(i - 1).copied()
            }
        };
        let k = dates.iter().filter(|d| !later(d, at)).count();
        let here = |this: &mut Self, i: usize| probe(i).is_some_and(|d| this.present(y, d, &r.key));
        let mut start = k;
        if !here(self, k) {
            // Found at `at` but not at the start of its period: it begins later that day
            // (an instant on the same day), or holds only on the day of an instant.
            match dates.get(k) {
                Some(d) if d.day() == at.day() && here(self, k + 1) => start = k + 1,
                _ => return (Some(*at), dates.get(k).copied()),
            }
        }
        let mut first = start;
        while first > 0 && here(self, first - 1) {
            first -= 1;
        }
        let mut last = start;
        while last < dates.len() && here(self, last + 1) {
            last += 1;
        }
        let from = if first == 0 {
            None
        } else {
            dates.get(first - 1).copied()
        };
        (from, dates.get(last).copied())
    }
}
