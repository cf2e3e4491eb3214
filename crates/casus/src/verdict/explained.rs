//! A verdict's condition trees as the evaluation leaves them: per involved clause and target,
//! the nodes of its trigger in preorder, each a node of the engine, its value and how many
//! children it has; the words of a node are the engine's own, kept once in its [`Lexicon`].
//! [`super::Explanation`] words them into [`ClauseTrace`]s only when read: an explained
//! verdict does not format a tree of strings nobody reads.

use std::sync::Arc;

use super::{ClauseTrace, ConditionTrace, Shared};
use crate::engine::{ClauseIx, NodeIx, PartyIx, TreatyIx};
use crate::eval::{Deps, Lexicon};
use crate::truth::Truth;

/// Where the words of a held node are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WordsAt {
    /// What the leaf asks for, kept in the lexicon (see `Lexicon::wanted`).
    Wanted(NodeIx),
    /// The words of a leaf that names its clause's treaty, kept in the lexicon for that treaty.
    Named(NodeIx),
    /// "all of", "any of" or "not".
    List(u8),
    /// Worded for this verdict: `Held::own[i]`.
    Own(u32),
}

/// One node of a held condition tree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeldNode {
    /// Its words.
    pub words: WordsAt,
    /// Its value.
    pub value: Truth,
    /// How many children follow it (each with its own subtree).
    pub kids: u32,
    /// What an unknown value waits on: `Held::deps[i]`, or `u32::MAX` for nothing.
    pub deps: u32,
}

/// One clause's trigger for one target.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeldTrace {
    /// The treaty.
    pub treaty: TreatyIx,
    /// The clause.
    pub clause: ClauseIx,
    /// The target.
    pub target: PartyIx,
    /// Whether the treaty is in force on the day.
    pub in_force: Truth,
    /// Its nodes: `Held::nodes[from..to]`, the trigger first.
    pub nodes: (u32, u32),
}

/// The condition trees of one verdict (see the module's documentation).
#[derive(Debug, Clone)]
pub(crate) struct Held {
    /// The engine's ids and words.
    pub lx: Arc<Lexicon>,
    /// The trees, in the order of (treaty, clause, target) ids.
    pub traces: Vec<HeldTrace>,
    /// Every tree's nodes, in runs.
    pub nodes: Vec<HeldNode>,
    /// What the unknown nodes wait on.
    pub deps: Vec<Deps>,
    /// The facts the scenario states for some treaty (named `fact@treaty` when waited on).
    pub scoped: Deps,
    /// Words no lexicon entry holds.
    pub own: Vec<Shared>,
}

impl Held {
    /// Nothing held yet.
    pub(crate) fn new(lx: Arc<Lexicon>) -> Held {
        Held {
            lx,
            traces: Vec::new(),
            nodes: Vec::new(),
            deps: Vec::new(),
            scoped: Deps::NONE,
            own: Vec::new(),
        }
    }

    /// A node put next in preorder, with its words and how many children follow it; its value
    /// is set by [`Held::close`] once its children are held. Returns where it is.
    pub(crate) fn open(&mut self, words: WordsAt, kids: u32) -> usize {
        self.nodes.push(HeldNode {
            words,
            value: Truth::False,
            kids,
            deps: u32::MAX,
        });
        self.nodes.len() - 1
    }

    /// Node `at`'s value, and what it waits on when unknown.
    pub(crate) fn close(&mut self, at: usize, (value, deps): (Truth, Deps)) {
        if value == Truth::Unknown {
            self.deps.push(deps);
        }
        if let Some(n) = self.nodes.get_mut(at) {
            n.value = value;
            if value == Truth::Unknown {
                n.deps = self.deps.len() as u32 - 1;
            }
        }
    }

    /// How many trees.
    pub(crate) fn len(&self) -> usize {
        self.traces.len()
    }

    /// Tree `i`, worded.
    pub(crate) fn get(&self, i: usize) -> Option<ClauseTrace> {
        let t = self.traces.get(i)?;
        let nodes = self.nodes.get(t.nodes.0 as usize..t.nodes.1 as usize)?;
        let mut at = 0;
        let trigger = self.tree(nodes, t.treaty, &mut at);
        Some(ClauseTrace {
            treaty: self.lx.treaty(t.treaty).to_string(),
            clause: self.lx.clause(t.clause).to_string(),
            citation: self.lx.citation(t.clause).to_string(),
            target: self.lx.party(t.target).to_string(),
            in_force: t.in_force,
            value: trigger.value,
            trigger,
        })
    }

    /// The subtree at `nodes[*at]`, `*at` moved past it. A run cut short (not built so) ends
    /// its tree with "?" rather than lose the rest.
    fn tree(&self, nodes: &[HeldNode], treaty: TreatyIx, at: &mut usize) -> ConditionTrace {
        let Some(n) = nodes.get(*at) else {
            return ConditionTrace {
                condition: "?".into(),
                value: Truth::False,
                depends_on: Vec::new(),
                children: Vec::new(),
            };
        };
        *at += 1;
        let children = (0..n.kids).map(|_| self.tree(nodes, treaty, at)).collect();
        ConditionTrace {
            condition: self.words(n.words),
            value: n.value,
            depends_on: self
                .deps
                .get(n.deps as usize)
                .map_or_else(Vec::new, |d| self.lx.dep_words(*d, self.scoped, treaty)),
            children,
        }
    }

    fn words(&self, at: WordsAt) -> String {
        let w = match at {
            WordsAt::Own(i) => self.own.get(i as usize),
            other => self.lx.node_words(other),
        };
        w.map_or_else(|| "?".to_string(), ToString::to_string)
    }
}
