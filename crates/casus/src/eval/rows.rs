//! What a verdict's reasons read first, laid out side by side.
//!
//! A verdict lists, for every treaty it involves, why each member owes nothing. At scale the
//! treaties, clauses and condition nodes it reads sit far apart in memory, and each first read
//! is a cache miss: the treaty (for how many members it has ever had), its list of clauses,
//! each clause's hot row, each blamed node and that node's words. These rows hold what those
//! reads are for: one row per treaty, its clauses' rows next to each other in the order of
//! their ids, and per node what a false leaf's reason needs, densely. They are derived from
//! the engine when its first verdict is built (see `Lexicon`), never stored.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::engine::{ClauseIx, Engine, Node, NodeIx, Op, PTest, PartyIx, TreatyIx};
use crate::verdict::Reason;

/// One treaty as its reasons read it.
#[derive(Debug, Clone, Copy)]
pub(super) struct TreatyRow {
    /// Its place in the order of the treaties' ids.
    pub rank: u32,
    /// How many parties it has ever had.
    pub ever: u32,
    /// Its clauses, in the order of their ids: `Rows::clauses[from..to]`.
    clauses: (u32, u32),
    /// The members whose windows send them to its entries, sorted: `Rows::asks[from..to]`.
    asks: (u32, u32),
    /// Its days in force, as its clauses' hot rows hold them (`ClauseHot::in_force`).
    pub in_force: Option<(i32, i32)>,
    /// It has windows of membership (`Engine::treaty_windows`).
    pub windows: bool,
}

/// One clause as its reason reads it: the clause, its default trigger and that trigger's
/// flat program (`Engine::program[from..to]`, empty when it has none).
#[derive(Debug, Clone, Copy)]
pub(super) struct ClauseRow {
    pub clause: ClauseIx,
    pub trigger: NodeIx,
    pub program: (u32, u32),
}

/// How the reason of a false node is found without reading the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Blame {
    /// Read the node (an `all`, `any` or `not`, or a leaf whose words name its treaty).
    Node,
    /// `target: treaty_party`.
    TargetNotAParty,
    /// A leaf whose reason says what it asks for and what the scenario has in this slot of
    /// the verdict's words (see `actual_slot`).
    Slot(u8),
}

/// The reason false `node` gives, and how it is found.
pub(super) fn node_blame(node: &Node) -> (Reason, Blame) {
    let blame = match node {
        Node::Target(PTest::TreatyParty) => Blame::TargetNotAParty,
        leaf if !super::words_name_treaty(leaf) => {
            super::actual_slot(leaf).map_or(Blame::Node, |s| Blame::Slot(s as u8))
        }
        _ => Blame::Node,
    };
    (reason_of(node), blame)
}

/// As [`node_blame`] of the node a step of a program was compiled from, where the step
/// alone tells (an event, a place's tags or holder, `target: treaty_party`).
pub(super) fn step_blame(op: Op) -> Option<(Reason, Blame)> {
    match op {
        Op::Event { .. } => Some((Reason::EventNotCovered, Blame::Slot(0))),
        Op::Tagged { .. } | Op::HolderIsTarget { .. } => Some((Reason::OutOfScope, Blame::Slot(6))),
        Op::TargetTreatyParty { .. } => Some((Reason::TargetNotAParty, Blame::TargetNotAParty)),
        Op::All { .. } | Op::Any { .. } | Op::Not { .. } | Op::Leaf(_) => None,
    }
}

/// Per node, one bit: whether what it asks for is worded (see `Lexicon::worded`). Dense,
/// so that asking costs no read of the node's words.
#[derive(Debug, Default)]
pub(super) struct Worded(Vec<AtomicU64>);

impl Worded {
    /// No node worded, of `n`.
    pub(super) fn new(n: usize) -> Worded {
        Worded((0..n.div_ceil(64)).map(|_| AtomicU64::new(0)).collect())
    }

    /// Whether node `ix` was marked.
    pub(super) fn has(&self, ix: NodeIx) -> bool {
        let (w, b) = (ix as usize / 64, ix % 64);
        self.0.get(w).is_some_and(|x| x.load(Ordering::Acquire) & (1 << b) != 0)
    }

    /// Marks node `ix`.
    pub(super) fn mark(&self, ix: NodeIx) {
        let (w, b) = (ix as usize / 64, ix % 64);
        if let Some(x) = self.0.get(w) {
            x.fetch_or(1 << b, Ordering::Release);
        }
    }
}

impl Clone for Worded {
    fn clone(&self) -> Worded {
        Worded(
            self.0
                .iter()
                .map(|x| AtomicU64::new(x.load(Ordering::Acquire)))
                .collect(),
        )
    }
}

/// The reason a false leaf gives.
pub(super) fn reason_of(node: &Node) -> Reason {
    match node {
        Node::Event(_) => Reason::EventNotCovered,
        Node::Means(_) => Reason::MeansNotCovered,
        Node::On(_) | Node::Location(_) | Node::DeployedUnder(_) => Reason::OutOfScope,
        Node::Attacker(_) | Node::Attackers(..) | Node::SupportedBy(_) | Node::LaunchedFrom(_) => {
            Reason::AttackerNotCovered
        }
        Node::Target(PTest::TreatyParty) => Reason::TargetNotAParty,
        Node::Target(_) => Reason::TargetNotCovered,
        Node::Date(..) => Reason::DateOutOfRange,
        _ => Reason::ConditionNotMet,
    }
}

/// Every treaty's row, and its clauses' rows and asked members, each treaty's side by side.
#[derive(Debug, Clone, Default)]
pub(super) struct Rows {
    treaties: Vec<TreatyRow>,
    clauses: Vec<ClauseRow>,
    asks: Vec<PartyIx>,
}

impl Rows {
    /// The rows of engine `e`, given per treaty its place in the order of ids (`rank`), its
    /// clauses in the order of their ids (`clauses_by_id`) and its asked members (`asks`).
    pub(super) fn new(e: &Engine, rank: &[u32], clauses_by_id: &[Vec<ClauseIx>], asks: &[Vec<PartyIx>]) -> Rows {
        let mut rows = Rows::default();
        for (tix, t) in e.treaties.iter().enumerate() {
            let by_id = clauses_by_id.get(tix).map_or(&[][..], Vec::as_slice);
            let from = rows.clauses.len() as u32;
            rows.clauses.extend(by_id.iter().filter_map(|&clause| {
                let h = e.clause_hot.get(clause as usize)?;
                Some(ClauseRow {
                    clause,
                    trigger: h.trigger,
                    program: h.program,
                })
            }));
            let asked_from = rows.asks.len() as u32;
            rows.asks.extend(asks.get(tix).map_or(&[][..], Vec::as_slice));
            rows.treaties.push(TreatyRow {
                rank: rank.get(tix).copied().unwrap_or(u32::MAX),
                ever: t.ever.len() as u32,
                clauses: (from, rows.clauses.len() as u32),
                asks: (asked_from, rows.asks.len() as u32),
                // (From the first clause's hot row, as a clause's reason reads it.)
                in_force: by_id
                    .first()
                    .and_then(|c| e.clause_hot.get(*c as usize))
                    .and_then(|h| h.in_force),
                windows: e.treaty_windows(tix as u32).is_some(),
            });
        }
        rows
    }

    /// Treaty `t`'s row.
    pub(super) fn treaty(&self, t: TreatyIx) -> Option<&TreatyRow> {
        self.treaties.get(t as usize)
    }

    /// The rows of a treaty's clauses, in the order of their ids.
    pub(super) fn clauses(&self, t: &TreatyRow) -> &[ClauseRow] {
        self.clauses
            .get(t.clauses.0 as usize..t.clauses.1 as usize)
            .unwrap_or(&[])
    }

    /// A treaty's members whose windows send them to its entries, sorted.
    pub(super) fn asks(&self, t: &TreatyRow) -> &[PartyIx] {
        self.asks.get(t.asks.0 as usize..t.asks.1 as usize).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::LTest;

    /// A node's blame says what reading the node would: `check(node, blame, reason)`.
    #[test]
    fn a_node_row_blames_as_its_node_would() {
        let check = |node: Node, blame: Blame, reason: Reason| {
            assert_eq!(node_blame(&node), (reason, blame), "{node:?}");
        };
        check(
            Node::Target(PTest::TreatyParty),
            Blame::TargetNotAParty,
            Reason::TargetNotAParty,
        );
        check(Node::All(vec![1, 2]), Blame::Node, Reason::ConditionNotMet);
        check(Node::Any(vec![1, 2]), Blame::Node, Reason::ConditionNotMet);
        check(Node::Not(1), Blame::Node, Reason::ConditionNotMet);
        check(Node::Location(LTest::Area), Blame::Slot(6), Reason::OutOfScope);
        check(Node::Date(None, None), Blame::Slot(9), Reason::DateOutOfRange);
        check(Node::Target(PTest::State), Blame::Slot(5), Reason::TargetNotCovered);
        // Words that name the clause's treaty are not kept per node: the node is read.
        check(
            Node::Attacker(PTest::TreatyParty),
            Blame::Node,
            Reason::AttackerNotCovered,
        );
        check(Node::Fact(0), Blame::Node, Reason::ConditionNotMet);
    }
}
