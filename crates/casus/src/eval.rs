//! Evaluation: a prepared scenario in, obligations out, in Kleene's three-valued logic.
//!
//! A condition that depends on something the scenario leaves open (a fact, the attacker, the
//! place, the time of day) is *unknown*, and the set of open things it depends on travels with
//! it, so that a contingent obligation can name exactly what it waits on. Evaluation does no
//! I/O and allocates nothing on the verdict-only path beyond the caller's output vector.

use std::collections::BTreeMap;

use crate::engine::{
    Benef, Clause, ClauseHot, ClauseIx, DEP_ATTACKER, DEP_DEPLOYED_UNDER, DEP_LAUNCHED_FROM, DEP_LOCATION, DEP_MEANS,
    DEP_ON, DEP_SUPPORTED_BY, DEP_TIME, Engine, FACT_BASE, FactIx, LTest, Node, NodeIx, Obligation, Obligors, Op,
    PSEUDO, PTest, PartyIx, Period, Place, PlaceFast, PlaceIx, PlaceKind, Treaty, TreatyIx, made,
};
use crate::level::Level;
use crate::model::{HolderRole, PartyKind, TreatyStatus};
use crate::time::{When, in_days};
use crate::truth::Truth;
use crate::verdict::{
    ClauseGroup, ClauseTerms, Code, Conflict, Detail, Explanation, Grouped, Held, HeldTrace, Kept, Key, Lazy,
    NotModelledNote, NotObligatedList, ObligationList, Parties, PlaceOnDay, ReadingDifference, Reason, Seed, Seeds,
    Shared, Status, TreatyGroup, Verdict, WordsAt, WouldApply,
};
use crate::vocab::{EventKind, Means, On};

mod rows;

use rows::{Blame, ClauseRow, Rows, TreatyRow, Worded, node_blame, reason_of, step_blame};

/// A set of open things (pseudo-facts and named facts) a value depends on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) struct Deps([u64; 4]);

impl Deps {
    pub const NONE: Deps = Deps([0; 4]);

    pub fn one(bit: u32) -> Deps {
        let mut d = Deps::NONE;
        if let Some(w) = d.0.get_mut((bit / 64) as usize) {
            *w |= 1u64 << (bit % 64);
        }
        d
    }

    pub fn union(self, o: Deps) -> Deps {
        let mut d = self;
        for (a, b) in d.0.iter_mut().zip(o.0) {
            *a |= b;
        }
        d
    }

    pub fn has(self, bit: u32) -> bool {
        self.0
            .get((bit / 64) as usize)
            .is_some_and(|w| w & (1u64 << (bit % 64)) != 0)
    }

    /// The bits set, in increasing order; visits only those (a walk asks at every class).
    pub fn bits(self) -> impl Iterator<Item = u32> {
        self.0.into_iter().zip(0u32..).flat_map(|(word, i)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let b = rest.trailing_zeros();
                rest &= rest - 1;
                Some(i * 64 + b)
            })
        })
    }
}

/// A value with what it waits on (meaningful when unknown).
pub(crate) type Val = (Truth, Deps);

fn known(t: Truth) -> Val {
    (t, Deps::NONE)
}

fn unknown(bit: u32) -> Val {
    (Truth::Unknown, Deps::one(bit))
}

fn and(a: Val, b: Val) -> Val {
    match (a.0, b.0) {
        (Truth::False, _) => known(Truth::False),
        (_, Truth::False) => known(Truth::False),
        (Truth::True, Truth::True) => known(Truth::True),
        (Truth::Unknown, Truth::Unknown) => (Truth::Unknown, a.1.union(b.1)),
        (Truth::Unknown, _) => a,
        (_, Truth::Unknown) => b,
    }
}

fn or(a: Val, b: Val) -> Val {
    match (a.0, b.0) {
        (Truth::True, _) | (_, Truth::True) => known(Truth::True),
        (Truth::False, Truth::False) => known(Truth::False),
        (Truth::Unknown, Truth::Unknown) => (Truth::Unknown, a.1.union(b.1)),
        (Truth::Unknown, _) => a,
        (_, Truth::Unknown) => b,
    }
}

fn when_val(t: Truth) -> Val {
    match t {
        Truth::Unknown => unknown(DEP_TIME),
        t => known(t),
    }
}

/// An attacker after preparation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActorIx {
    Party(PartyIx),
    NonState,
}

/// A scenario with its ids resolved against an engine: ready to evaluate many times.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub(crate) date: When,
    pub(crate) event: EventKind,
    pub(crate) means: Option<Means>,
    pub(crate) attackers: Option<Vec<ActorIx>>,
    pub(crate) attacker_names: Option<Vec<String>>,
    pub(crate) supporters: Option<Vec<PartyIx>>,
    pub(crate) targets: Vec<PartyIx>,
    pub(crate) location: Option<PlaceIx>,
    pub(crate) place: PlaceFast,
    /// Where the attack was launched from, if known.
    pub(crate) launched_from: Option<PlaceIx>,
    /// Whose mission the forces hit served, if known: `Some(None)` under no treaty's.
    pub(crate) deployed_under: Option<Option<TreatyIx>>,
    pub(crate) on: Option<On>,
    pub(crate) facts: Vec<Option<bool>>,
    /// Facts stated for one treaty or clause, sorted by (treaty, clause, fact).
    pub(crate) scoped: Vec<ScopedFact>,
    /// The facts stated for some treaty or clause: an open one is named with its treaty.
    pub(crate) scoped_bits: Deps,
    /// Whether an attacker that is a party is still listed as an obligor (`false` for every
    /// scenario a user gives: an attacker owes nothing). `verify` sets it to walk once for
    /// several attackers that the clauses treat alike, and drops, attacker by attacker, the
    /// obligations each would owe.
    pub(crate) attackers_obliged: bool,
}

/// A fact stated for one treaty, or for one of its clauses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ScopedFact {
    pub treaty: TreatyIx,
    /// `None`: every clause of the treaty.
    pub clause: Option<ClauseIx>,
    pub fact: FactIx,
    pub value: bool,
}

// The analyses' constructors of probe scenarios: only `graph` builds probes today.
#[cfg(feature = "graph")]
impl Prepared {
    /// A scenario of `event` against `target` on `date` that leaves everything else open: no
    /// attacker, supporter, means, place, launch site, mission or `on`, and every fact open.
    /// The analyses build their probes from it (see the `with_` methods) instead of writing
    /// the fields out, so that a new field of a prepared scenario has one place to default.
    pub(crate) fn open(e: &Engine, date: When, event: EventKind, target: PartyIx) -> Prepared {
        Prepared {
            date,
            event,
            means: None,
            attackers: None,
            attacker_names: None,
            supporters: None,
            targets: vec![target],
            location: None,
            place: PlaceFast::default(),
            launched_from: None,
            deployed_under: None,
            on: None,
            facts: vec![None; e.facts.len()],
            scoped: Vec::new(),
            scoped_bits: Deps::NONE,
            attackers_obliged: false,
        }
    }

    /// The same with the attackers (and, for the record of a verdict, their ids) set.
    pub(crate) fn with_attackers(mut self, attackers: Option<Vec<ActorIx>>, names: Option<Vec<String>>) -> Prepared {
        self.attackers = attackers;
        self.attacker_names = names;
        self
    }

    /// The same with the means set.
    pub(crate) fn with_means(mut self, means: Option<Means>) -> Prepared {
        self.means = means;
        self
    }

    /// The same with what was hit (`on`) set.
    pub(crate) fn with_on(mut self, on: Option<On>) -> Prepared {
        self.on = on;
        self
    }

    /// The same with the location set, and the engine's precomputed data of that place.
    pub(crate) fn with_location(mut self, e: &Engine, location: Option<PlaceIx>) -> Prepared {
        self.location = location;
        self.place = location
            .and_then(|l| e.place_fast.get(l as usize).copied())
            .unwrap_or_default();
        self
    }
}

impl Prepared {
    /// The value of fact `f` in clause `cix` of treaty `tix`: the clause's own statement, else
    /// the treaty's, else the scenario's `facts`; `None` when open.
    pub(crate) fn fact_in(&self, tix: TreatyIx, cix: ClauseIx, f: FactIx) -> Option<bool> {
        if !self.scoped.is_empty() {
            // Sorted by treaty first: only this treaty's statements are read.
            let a = self.scoped.partition_point(|x| x.treaty < tix);
            let b = self.scoped.partition_point(|x| x.treaty <= tix);
            let mut treaty_wide = None;
            for x in self.scoped.get(a..b).unwrap_or(&[]).iter().filter(|x| x.fact == f) {
                match x.clause {
                    Some(c) if c == cix => return Some(x.value),
                    None => treaty_wide = Some(x.value),
                    Some(_) => {}
                }
            }
            if treaty_wide.is_some() {
                return treaty_wide;
            }
        }
        self.facts.get(f as usize).copied().flatten()
    }
}

/// One obligation of a triggered clause, with what evaluating it needs.
#[derive(Clone, Copy)]
struct Owed<'a> {
    s: &'a Prepared,
    cix: ClauseIx,
    tix: TreatyIx,
    treaty: &'a Treaty,
    o: &'a Obligation,
    oi: u16,
    ov: Val,
    target: PartyIx,
}

/// Calls `f` with each party an obligation runs toward, in the order of its `toward` list,
/// each once: the target, each attacker that is a party, named parties. Allocates nothing.
pub(crate) fn for_each_beneficiary(
    toward: &[Benef],
    attackers: Option<&[ActorIx]>,
    target: PartyIx,
    f: &mut dyn FnMut(PartyIx),
) {
    fn each(b: &Benef, attackers: Option<&[ActorIx]>, target: PartyIx, g: &mut dyn FnMut(PartyIx)) {
        match b {
            Benef::Target => g(target),
            Benef::Party(p) => g(*p),
            Benef::Attacker => {
                for a in attackers.into_iter().flatten() {
                    if let ActorIx::Party(p) = a {
                        g(*p);
                    }
                }
            }
        }
    }
    for (i, b) in toward.iter().enumerate() {
        each(b, attackers, target, &mut |p| {
            let mut seen = false;
            for prev in toward.get(..i).unwrap_or(&[]) {
                each(prev, attackers, target, &mut |q| seen |= q == p);
            }
            if !seen {
                f(p);
            }
        });
    }
}

/// One obligation found by the verdict-only path: plain integers, no strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// The obliged party (index into the engine's parties).
    pub party: u32,
    /// The clause (index into the engine's clauses).
    pub clause: u32,
    /// Which obligation of the clause.
    pub obligation: u16,
    /// The party it runs toward.
    pub toward: u32,
    /// The level after reservations.
    pub level: Level,
    /// Definite or contingent.
    pub status: Status,
    pub(crate) deps: Deps,
    pub(crate) excluded: u16,
    pub(crate) reservation_mask: u64,
}

impl Hit {
    /// What a contingent obligation waits on, by name: the things the scenario left open and
    /// the facts it did not state, in the engine's order; empty for a definite one. A fact
    /// stated for one treaty only is named plainly here (the full verdict's `depends_on` adds
    /// `@treaty` where the scenario scopes it).
    ///
    /// ```
    /// let engine = casus::RuleSet::from_yaml(casus::doc_example())?.compile()?;
    /// // A cyber attack on Estonia obliges only once the attack is determined to be one.
    /// let scenario = casus::Scenario::from_yaml(
    ///     "date: 2020-01-01\nevent: cyber_attack\nattacker: RUS\ntarget: EST\nlocation: EST\non: territory\n",
    /// )?;
    /// let mut hits = Vec::new();
    /// engine.hits(&engine.prepare(&scenario)?, &mut hits);
    /// assert_eq!(hits.len(), 2);
    /// assert!(hits.iter().all(|h| h.depends_on(&engine) == ["determined"]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn depends_on(&self, engine: &Engine) -> Vec<String> {
        if self.status == Status::Definite {
            return Vec::new();
        }
        engine.dep_names(self.deps)
    }
}

/// The evaluation of one clause for one target: which reading, what the treaty and trigger say.
#[derive(Clone, Copy)]
struct Frame<'a> {
    e: &'a Engine,
    s: &'a Prepared,
    treaty: TreatyIx,
    /// The clause whose conditions are evaluated (for facts stated per clause).
    clause: ClauseIx,
    target: PartyIx,
    /// Treat the target as a party to the clause's treaty (the survey's "what if").
    assume_target_party: bool,
    /// Whether the target is a party to the treaty on the scenario's date, once a frame of
    /// this treaty has asked: shared by the frames of one treaty in a verdict's reasons, which
    /// ask it clause after clause (`None`: not kept).
    member: Option<&'a std::cell::Cell<Option<Val>>>,
}

impl Frame<'_> {
    fn member_of(&self, org: PartyIx, p: PartyIx, at: &When) -> Val {
        let Some(o) = self.e.parties.get(org as usize) else {
            return known(Truth::False);
        };
        let mut v = known(Truth::False);
        for m in o.members.iter().filter(|m| m.party == p) {
            v = or(v, when_val(at.within(m.from.as_ref(), m.to.as_ref())));
        }
        v
    }

    fn ptest_party(&self, t: &PTest, p: PartyIx, at: &When) -> Val {
        match t {
            PTest::Target => known(Truth::from(p == self.target)),
            PTest::Attacker => match &self.s.attackers {
                None => unknown(DEP_ATTACKER),
                Some(a) => known(Truth::from(a.contains(&ActorIx::Party(p)))),
            },
            PTest::TreatyParty if self.assume_target_party && p == self.target => known(Truth::True),
            PTest::TreatyParty => match self.member {
                Some(kept) if p == self.target && *at == self.s.date => kept.get().unwrap_or_else(|| {
                    let v = self.e.is_party_at(self.treaty, p, at);
                    kept.set(Some(v));
                    v
                }),
                _ => self.e.is_party_at(self.treaty, p, at),
            },
            PTest::State => known(Truth::from(
                self.e
                    .parties
                    .get(p as usize)
                    .is_some_and(|x| x.kind == PartyKind::State),
            )),
            PTest::NonState => known(Truth::False),
            PTest::Is(v) => known(Truth::from(v.contains(&p))),
            PTest::MemberOf(o) => self.member_of(*o, p, at),
            PTest::PartyTo(t) => self.e.is_party_at(*t, p, at),
        }
    }

    fn ptest_actor(&self, t: &PTest, a: ActorIx) -> Val {
        match a {
            ActorIx::Party(p) => self.ptest_party(t, p, &self.s.date),
            ActorIx::NonState => known(Truth::from(matches!(t, PTest::NonState | PTest::Attacker))),
        }
    }

    /// Whether the place's holder in `role` at `at` passes the test. Periods of a controller
    /// or administrator override the next role only where they apply; elsewhere the controller
    /// is the sovereign and the administrator the controller.
    fn holder(&self, place: &Place, role: HolderRole, t: &PTest, at: &When) -> Val {
        let own: Option<&[Period]> = match role {
            HolderRole::Sovereign => Some(&place.sovereign),
            HolderRole::Controller => place.controller.as_deref(),
            HolderRole::Administrator => place.administrator.as_deref(),
        };
        let fallback = match role {
            HolderRole::Sovereign => None,
            HolderRole::Controller => Some(HolderRole::Sovereign),
            HolderRole::Administrator => Some(HolderRole::Controller),
        };
        let Some(periods) = own else {
            return fallback.map_or(known(Truth::False), |r| self.holder(place, r, t, at));
        };
        let mut v = known(Truth::False);
        let mut covered = known(Truth::False);
        for period in periods {
            let within = when_val(at.within(period.from.as_ref(), period.to.as_ref()));
            if within.0 == Truth::False {
                continue;
            }
            covered = or(covered, within);
            v = or(v, and(within, self.ptest_party(t, period.party, at)));
        }
        match fallback {
            Some(r) if covered.0 != Truth::True => {
                let rest = and((covered.0.not(), covered.1), self.holder(place, r, t, at));
                or(v, rest)
            }
            _ => v,
        }
    }

    /// Whether place `px` passes place test `l` (read from the place itself, not the
    /// scenario's prepared copy: used for the launch place and the location's slow path).
    fn place_test(&self, px: PlaceIx, l: &LTest) -> Val {
        let Some(place) = self.e.places.get(px as usize) else {
            return known(Truth::False);
        };
        match l {
            LTest::In(v) => known(Truth::from(self.e.place_in(px, v))),
            LTest::Tagged(bits, _) => known(Truth::from(bits.iter().zip(&place.tags).any(|(a, b)| a & b != 0))),
            LTest::Holder(role, t, at) => self.holder(place, *role, t, at.as_ref().unwrap_or(&self.s.date)),
            LTest::Area => known(Truth::from(place.kind == PlaceKind::Area)),
        }
    }

    fn leaf(&self, node: &Node) -> Val {
        let s = self.s;
        match node {
            Node::All(_) | Node::Any(_) | Node::Not(_) => known(Truth::Unknown),
            Node::Event(mask) => known(Truth::from(mask & (1u8 << (s.event as u8)) != 0)),
            Node::Means(mask) => match s.means {
                None => unknown(DEP_MEANS),
                Some(m) => known(Truth::from(mask & (1u8 << (m as u8)) != 0)),
            },
            Node::On(mask) => match s.on {
                None => unknown(DEP_ON),
                Some(o) => known(Truth::from(mask & (1u8 << (o as u8)) != 0)),
            },
            Node::Attacker(t) => match &s.attackers {
                None => unknown(DEP_ATTACKER),
                Some(list) => list
                    .iter()
                    .fold(known(Truth::False), |acc, a| or(acc, self.ptest_actor(t, *a))),
            },
            Node::Attackers(n, t) => match &s.attackers {
                None => unknown(DEP_ATTACKER),
                Some(list) => {
                    let (mut yes, mut maybe, mut deps) = (0u32, 0u32, Deps::NONE);
                    for a in list {
                        let v = self.ptest_actor(t, *a);
                        match v.0 {
                            Truth::True => yes += 1,
                            Truth::Unknown => {
                                maybe += 1;
                                deps = deps.union(v.1);
                            }
                            Truth::False => {}
                        }
                    }
                    if yes >= *n {
                        known(Truth::True)
                    } else if yes + maybe >= *n {
                        (Truth::Unknown, deps)
                    } else {
                        known(Truth::False)
                    }
                }
            },
            Node::SupportedBy(t) => match &s.supporters {
                None => unknown(DEP_SUPPORTED_BY),
                Some(list) => list
                    .iter()
                    .fold(known(Truth::False), |acc, p| or(acc, self.ptest_party(t, *p, &s.date))),
            },
            Node::Target(t) => self.ptest_party(t, self.target, &s.date),
            Node::Location(l) => {
                let Some(px) = s.location else {
                    return unknown(DEP_LOCATION);
                };
                let fast = &s.place;
                match l {
                    LTest::In(v) => known(Truth::from(self.e.place_in(px, v))),
                    LTest::Tagged(bits, _) if fast.all_tags => {
                        known(Truth::from(bits.first().is_some_and(|b| b & fast.tags != 0)))
                    }
                    LTest::Holder(_, t, None) if fast.simple => self.ptest_party(t, fast.sovereign, &s.date),
                    LTest::Area => known(Truth::from(fast.area)),
                    _ => self.place_test(px, l),
                }
            }
            Node::LaunchedFrom(l) => match s.launched_from {
                None => unknown(DEP_LAUNCHED_FROM),
                Some(px) => self.place_test(px, l),
            },
            Node::DeployedUnder(ts) => match s.deployed_under {
                None => unknown(DEP_DEPLOYED_UNDER),
                Some(None) => known(Truth::False),
                Some(Some(t)) => known(Truth::from(ts.contains(&t))),
            },
            Node::Date(from, before) => when_val(s.date.within(from.as_ref(), before.as_ref())),
            Node::Fact(f) => match s.fact_in(self.treaty, self.clause, *f) {
                Some(b) => known(Truth::from(b)),
                None => unknown(FACT_BASE + f),
            },
            Node::Always(b) => known(Truth::from(*b)),
        }
    }

    fn eval(&self, ix: NodeIx) -> Val {
        let Some(node) = self.e.nodes.get(ix as usize) else {
            return known(Truth::False);
        };
        match node {
            Node::All(kids) => {
                let mut v = known(Truth::True);
                for k in kids {
                    v = and(v, self.eval(*k));
                    if v.0 == Truth::False {
                        break;
                    }
                }
                v
            }
            Node::Any(kids) => {
                let mut v = known(Truth::False);
                for k in kids {
                    v = or(v, self.eval(*k));
                    if v.0 == Truth::True {
                        break;
                    }
                }
                v
            }
            Node::Not(k) => {
                let v = self.eval(*k);
                (v.0.not(), v.1)
            }
            leaf => self.leaf(leaf),
        }
    }

    /// Evaluates the program step at `i` and its subtree; returns the value and the index
    /// after the subtree. The same value as `eval` of the node the program was compiled from.
    fn run(&self, ops: &[Op], i: usize) -> (Val, usize) {
        let s = self.s;
        let Some(op) = ops.get(i) else {
            return (known(Truth::False), ops.len());
        };
        match *op {
            Op::All { n, end, .. } => {
                let (mut v, mut j) = (known(Truth::True), i + 1);
                for _ in 0..n {
                    let (c, next) = self.run(ops, j);
                    v = and(v, c);
                    j = next;
                    if v.0 == Truth::False {
                        break;
                    }
                }
                (v, end as usize)
            }
            Op::Any { n, end, .. } => {
                let (mut v, mut j) = (known(Truth::False), i + 1);
                for _ in 0..n {
                    let (c, next) = self.run(ops, j);
                    v = or(v, c);
                    j = next;
                    if v.0 == Truth::True {
                        break;
                    }
                }
                (v, end as usize)
            }
            Op::Not { .. } => {
                let (v, next) = self.run(ops, i + 1);
                ((v.0.not(), v.1), next)
            }
            Op::Event { mask, .. } => (known(Truth::from(mask & (1u8 << (s.event as u8)) != 0)), i + 1),
            Op::TargetTreatyParty { .. } => (self.ptest_party(&PTest::TreatyParty, self.target, &s.date), i + 1),
            Op::Tagged { bits, node } => {
                let v = match s.location {
                    None => unknown(DEP_LOCATION),
                    Some(_) if s.place.all_tags => known(Truth::from(bits & s.place.tags != 0)),
                    Some(_) => self.eval(node),
                };
                (v, i + 1)
            }
            Op::HolderIsTarget { node } => {
                let v = match s.location {
                    None => unknown(DEP_LOCATION),
                    Some(_) if s.place.simple => known(Truth::from(s.place.sovereign == self.target)),
                    Some(_) => self.eval(node),
                };
                (v, i + 1)
            }
            Op::Leaf(node) => (self.eval(node), i + 1),
        }
    }

    /// As [`Frame::run`] from step `i`, and when an `all` there is false, the step of its
    /// first false part, down the chain of `all`s as far as it goes (`blamed`: the deepest is
    /// found first and kept; what [`Frame::why_not_met`] would find by evaluating the parts
    /// again).
    fn run_blame(&self, ops: &[Op], i: usize, blamed: &mut Option<usize>) -> (Val, usize) {
        let Some(&Op::All { n, end, .. }) = ops.get(i) else {
            return self.run(ops, i);
        };
        let (mut v, mut j) = (known(Truth::True), i + 1);
        for _ in 0..n {
            let (c, next) = self.run_blame(ops, j, blamed);
            v = and(v, c);
            if c.0 == Truth::False {
                blamed.get_or_insert(j);
                break;
            }
            j = next;
        }
        (v, end as usize)
    }

    /// The condition tree under node `ix`, appended to `held` in preorder: each node's value,
    /// where its words are (worded once per engine), and what an unknown one waits on. Returns
    /// the node's value, the one [`Frame::eval`] gives, combined from its children's as
    /// `eval` combines them (so no subtree is evaluated twice).
    fn trace(&self, ix: NodeIx, held: &mut Held) -> Val {
        // A node index comes from the engine's own arena: out of range is a bug (a debug build
        // fails); a release build shows "?" rather than lose the rest of the explanation.
        let Some(node) = made(&self.e.nodes, ix, "node") else {
            held.own.push(Shared::from("?"));
            held.open(WordsAt::Own(held.own.len() as u32 - 1), 0);
            return known(Truth::False);
        };
        let words = match held.lx.words_at(self.e, ix, self.treaty) {
            Some(at) => at,
            None => {
                held.own.push(Shared::from(self.describe(node)));
                WordsAt::Own(held.own.len() as u32 - 1)
            }
        };
        let kids = match node {
            Node::All(k) | Node::Any(k) => k.len() as u32,
            Node::Not(_) => 1,
            _ => 0,
        };
        let at = held.open(words, kids);
        let v = match node {
            Node::All(kids) => self.trace_list(kids, held, true),
            Node::Any(kids) => self.trace_list(kids, held, false),
            Node::Not(k) => {
                let v = self.trace(*k, held);
                (v.0.not(), v.1)
            }
            leaf => self.leaf(leaf),
        };
        held.close(at, v);
        v
    }

    /// As [`Frame::trace`] of the node that step `i` of a trigger's program was compiled from:
    /// the same nodes in the same order with the same values, an `all`, `any` or `not` read
    /// from its step (its node and child list are not read), every other step traced from its
    /// node. Returns the value and the index after the step's subtree.
    fn trace_step(&self, ops: &[Op], i: usize, held: &mut Held) -> (Val, usize) {
        let (all, n, end) = match ops.get(i) {
            Some(&Op::All { n, end, .. }) => (true, n, end),
            Some(&Op::Any { n, end, .. }) => (false, n, end),
            Some(Op::Not { .. }) => {
                let at = held.open(WordsAt::List(2), 1);
                let (v, next) = self.trace_step(ops, i + 1, held);
                let v = (v.0.not(), v.1);
                held.close(at, v);
                return (v, next);
            }
            Some(&op) => return self.trace_leaf_step(ops, (i, op), held),
            None => return (known(Truth::False), ops.len()),
        };
        let at = held.open(WordsAt::List(u8::from(!all)), u32::from(n));
        let (mut fold, mut j) = (Fold::new(all), i + 1);
        for _ in 0..n {
            let (c, next) = self.trace_step(ops, j, held);
            fold.add(c);
            j = next;
        }
        held.close(at, fold.v);
        (fold.v, end as usize)
    }

    /// As [`Frame::trace_step`] of leaf step `op` at `i`: an event or a place's tags or holder
    /// valued from its step and worded from the lexicon, its node not read once worded (at
    /// scale, that read is a miss); any other leaf traced from its node.
    fn trace_leaf_step(&self, ops: &[Op], (i, op): (usize, Op), held: &mut Held) -> (Val, usize) {
        let ix = op.node();
        let by_step = matches!(op, Op::Event { .. } | Op::Tagged { .. } | Op::HolderIsTarget { .. });
        if by_step && held.lx.worded(self.e, ix) {
            let at = held.open(WordsAt::Wanted(ix), 0);
            let (v, next) = self.run(ops, i);
            held.close(at, v);
            return (v, next);
        }
        (self.trace(ix, held), i + 1)
    }

    /// The children of an `all` (or an `any`) traced, and its value (see [`Fold`]).
    fn trace_list(&self, kids: &[NodeIx], held: &mut Held, all: bool) -> Val {
        let mut fold = Fold::new(all);
        for k in kids {
            fold.add(self.trace(*k, held));
        }
        fold.v
    }

    /// The first leaf that makes a false condition false: the reason, in words.
    fn why_false(&self, ix: NodeIx) -> (Reason, String) {
        let Some(node) = made(&self.e.nodes, ix, "node") else {
            return (Reason::ConditionNotMet, "?".into());
        };
        match node {
            Node::All(kids) => {
                for k in kids {
                    if self.eval(*k).0 == Truth::False {
                        return self.why_false(*k);
                    }
                }
                (Reason::ConditionNotMet, self.describe(node))
            }
            Node::Any(kids) => {
                let parts: Vec<(Reason, String)> = kids.iter().map(|k| self.why_false(*k)).collect();
                let reason = parts.first().map_or(Reason::ConditionNotMet, |p| p.0);
                let words: Vec<String> = parts.into_iter().map(|p| p.1).collect();
                (reason, format!("none of: {}", words.join("; ")))
            }
            Node::Not(k) => {
                let inner = self.e.nodes.get(*k as usize);
                let reason = inner.map_or(Reason::ConditionNotMet, reason_of);
                (
                    reason,
                    format!(
                        "it is the case that {}",
                        inner.map_or_else(String::new, |n| self.describe_actual(n))
                    ),
                )
            }
            leaf => (reason_of(leaf), self.describe_actual(leaf)),
        }
    }

    /// As [`Frame::why_false`], kept as data for a verdict's reasons (the same words when
    /// read): a false leaf as the clause and the node (what it asks for is worded once per
    /// engine, `lx`; what the scenario has once per verdict, in `g.actual`; this frame's target
    /// is the verdict's first); other false conditions are worded now, after the clause as
    /// cited. `step`: the step of the trigger's program the node was blamed at, when known.
    ///
    /// (Inlined: most reasons are told here, from the step or the node's blame, without a
    /// call; the rest read the node, [`Frame::why_not_met_by_node`].)
    #[inline]
    fn why_not_met(&self, (ix, step): (NodeIx, Option<Op>), lx: &Lexicon, g: &mut Grouped) -> (Reason, Kept) {
        // Known from the step, else from the node's blame, not from the node, where they can
        // tell: a clause's blamed leaf is most often of a kind the verdict has already said
        // what the scenario has.
        match step.and_then(step_blame).or_else(|| lx.blame(ix)) {
            Some((_, Blame::TargetNotAParty)) => return self.target_not_a_party(),
            Some((reason, Blame::Slot(at)))
                if g.actual
                    .get(at as usize)
                    .is_some_and(|a| a.as_ref().is_some_and(|a| !a.is_empty()))
                    && lx.worded(self.e, ix) =>
            {
                let kept = Kept::Requires {
                    clause: self.clause,
                    node: ix,
                    slot: at,
                };
                return (reason, kept);
            }
            _ => {}
        }
        self.why_not_met_by_node(ix, lx, g)
    }

    /// As [`Frame::why_not_met`], from node `ix` itself: an `all` by its first false part, a
    /// leaf whose words the verdict has not yet said by them, anything else worded now.
    /// (`target: treaty_party` never comes here: its blame tells.)
    fn why_not_met_by_node(&self, ix: NodeIx, lx: &Lexicon, g: &mut Grouped) -> (Reason, Kept) {
        match made(&self.e.nodes, ix, "node") {
            Some(Node::All(kids)) => {
                if let Some(k) = kids.iter().find(|k| self.eval(**k).0 == Truth::False) {
                    return self.why_not_met((*k, None), lx, g);
                }
            }
            Some(leaf) => {
                let at = actual_slot(leaf);
                let slot = at.and_then(|i| g.actual.get_mut(i));
                if let (Some(at), Some(slot), Some(_)) = (at, slot, lx.wanted(self.e, ix)) {
                    let actual = slot.get_or_insert_with(|| self.actual_shared(leaf, lx));
                    if !actual.is_empty() {
                        let kept = Kept::Requires {
                            clause: self.clause,
                            node: ix,
                            slot: at as u8,
                        };
                        return (reason_of(leaf), kept);
                    }
                }
            }
            None => {}
        }
        let (reason, words) = self.why_false(ix);
        let citation = lx.citation(self.clause);
        (
            reason,
            Kept::Detail(Detail::Words(format!("{citation}: {words}").into())),
        )
    }

    /// Why `target: treaty_party` is false: the frame's target is not a party to its treaty.
    fn target_not_a_party(&self) -> (Reason, Kept) {
        let kept = Kept::TargetNotAParty {
            clause: self.clause,
            treaty: self.treaty,
            target: self.target,
        };
        (Reason::TargetNotAParty, kept)
    }

    /// The words of a condition, as [`Wording::describe`] gives them for this frame's treaty.
    fn describe(&self, node: &Node) -> String {
        Wording {
            e: self.e,
            treaty: self.treaty,
        }
        .describe(node)
    }

    /// A leaf with the scenario's actual value, for explaining why it is false.
    fn describe_actual(&self, node: &Node) -> String {
        let wanted = self.describe(node);
        if let Node::Target(PTest::TreatyParty) = node {
            return format!(
                "target {} is not a party to {} on {}",
                self.e.party_id(self.target),
                self.e.treaty_name(self.treaty),
                self.s.date
            );
        }
        let actual = self.actual_words(node);
        if actual.is_empty() {
            wanted
        } else {
            format!("requires {wanted}; {actual}")
        }
    }

    /// As [`Frame::actual_words`], as a shared text: the words of a place whose holders never
    /// change are worded once per engine (`lx`), not once per verdict.
    fn actual_shared(&self, node: &Node, lx: &Lexicon) -> Shared {
        let place = self.s.location.filter(|px| {
            matches!(node, Node::Location(_)) && self.e.place_fast.get(*px as usize).is_some_and(|f| f.simple)
        });
        match place.and_then(|px| Some((px, self.e.places.get(px as usize)?))) {
            Some((px, p)) => lx.located(px, || self.place_is(p)).clone(),
            None => self.actual_words(node).into(),
        }
    }

    /// The scenario's place `p` in words, with its tags and its holders on the day.
    fn place_is(&self, p: &Place) -> String {
        let e = self.e;
        let s = self.s;
        let name = |x: Option<PartyIx>| x.map_or("none".to_string(), |x| e.party_id(x).to_string());
        let sov = name(p.holder_on(HolderRole::Sovereign, &s.date));
        let ctl = name(p.holder_on(HolderRole::Controller, &s.date));
        let adm = name(p.holder_on(HolderRole::Administrator, &s.date));
        let mut t = format!("{} ({})", p.id, p.name);
        if !p.tag_names.is_empty() {
            t.push_str(&format!(", tagged {}", p.tag_names.join(", ")));
        }
        if p.kind == PlaceKind::Territory {
            t.push_str(&format!(", sovereign {sov}"));
            if ctl != sov {
                t.push_str(&format!(", controlled by {ctl}"));
            }
            if adm != ctl {
                t.push_str(&format!(", administered by {adm}"));
            }
        } else {
            t.push_str(", a sea or air area");
        }
        format!("the place is {t}")
    }

    /// What the scenario has for a leaf, in words (empty for a leaf that says nothing of it).
    fn actual_words(&self, node: &Node) -> String {
        let e = self.e;
        let s = self.s;
        match node {
            Node::Event(_) => format!("the event is {}", s.event),
            Node::Means(_) => s
                .means
                .map_or("the means is unknown".into(), |m| format!("the means is {m}")),
            Node::On(_) => {
                s.on.map_or("what was hit is unknown".into(), |o| format!("the attack is on {o}"))
            }
            Node::Attacker(_) | Node::Attackers(..) => match &s.attacker_names {
                Some(a) => format!("the attacker is {}", a.join(", ")),
                None => "the attacker is unknown".into(),
            },
            Node::SupportedBy(_) => match &s.supporters {
                Some(v) if v.is_empty() => "the attacker has no supporter".into(),
                Some(v) => format!(
                    "the attacker is supported by {}",
                    v.iter().map(|p| e.party_id(*p)).collect::<Vec<_>>().join(", ")
                ),
                None => "supporters are unknown".into(),
            },
            Node::Target(_) => format!("the target is {}", e.party_id(self.target)),
            Node::Location(_) => match s.location.and_then(|p| e.places.get(p as usize)) {
                Some(p) => self.place_is(p),
                None => "the place is unknown".into(),
            },
            Node::LaunchedFrom(_) => match s.launched_from.and_then(|p| e.places.get(p as usize)) {
                Some(p) => format!("the attack was launched from {} ({})", p.id, p.name),
                None => "where the attack was launched from is unknown".into(),
            },
            Node::DeployedUnder(_) => match s.deployed_under {
                Some(Some(t)) => format!("the forces hit were deployed under {}", e.treaty_id(t)),
                Some(None) => "the forces hit served under no treaty's mission".into(),
                None => "whose mission the forces hit served is unknown".into(),
            },
            Node::Date(..) => format!("the date is {}", s.date),
            Node::Fact(f) => {
                let name = made(&e.facts, *f, "fact").map_or("?", |x| x.id.as_str());
                let scope = if s.scoped_bits.has(FACT_BASE + f) {
                    format!(" under {}", e.treaty_id(self.treaty))
                } else {
                    String::new()
                };
                match s.fact_in(self.treaty, self.clause, *f) {
                    Some(b) => format!("fact `{name}`{scope} is {b}"),
                    None => format!("fact `{name}`{scope} is unknown"),
                }
            }
            _ => String::new(),
        }
    }
}

/// The slot in `Grouped::actual` (what the scenario has, in words, worded at most once per
/// verdict for each kind of leaf: the place, the event, the attacker, ...) of a leaf whose scenario value reads the same under every clause of a
/// verdict; `None` for one whose words name the clause's treaty, clause or fact.
fn actual_slot(node: &Node) -> Option<usize> {
    Some(match node {
        Node::Event(_) => 0,
        Node::Means(_) => 1,
        Node::On(_) => 2,
        Node::Attacker(_) | Node::Attackers(..) => 3,
        Node::SupportedBy(_) => 4,
        Node::Target(PTest::TreatyParty) => return None,
        Node::Target(_) => 5,
        Node::Location(_) => 6,
        Node::LaunchedFrom(_) => 7,
        Node::DeployedUnder(_) => 8,
        Node::Date(..) => 9,
        _ => return None,
    })
}

/// Whether a node's words depend on the clause's treaty (`treaty_party`), or it is not a leaf:
/// such words are not kept per node.
fn words_name_treaty(node: &Node) -> bool {
    let names = |t: &PTest| matches!(t, PTest::TreatyParty);
    match node {
        Node::All(_) | Node::Any(_) | Node::Not(_) => true,
        Node::Attacker(t) | Node::Attackers(_, t) | Node::SupportedBy(t) | Node::Target(t) => names(t),
        Node::Location(LTest::Holder(_, t, _)) | Node::LaunchedFrom(LTest::Holder(_, t, _)) => names(t),
        _ => false,
    }
}

/// The held trees in the order of (treaty, clause, target) ids: `order[i]` is tree `i`'s key
/// (ranks of the treaty and the target, the clause's place among its treaty's).
fn explanation(mut held: Held, order: &[(u32, u32, u32)]) -> Explanation {
    if held.traces.is_empty() {
        return Explanation::default();
    }
    let mut by_key: Vec<usize> = (0..held.traces.len()).collect();
    by_key.sort_by_key(|i| order.get(*i));
    held.traces = by_key.iter().filter_map(|i| held.traces.get(*i).copied()).collect();
    Explanation::held(held)
}

/// Conditions in words: what a condition asks for, which depends on the engine and (for
/// `treaty_party`) the clause's treaty only, not on the scenario.
#[derive(Clone, Copy)]
struct Wording<'a> {
    e: &'a Engine,
    treaty: TreatyIx,
}

impl Wording<'_> {
    fn ptest_words(&self, t: &PTest) -> String {
        match t {
            PTest::Target => "the target".into(),
            PTest::Attacker => "the attacker".into(),
            PTest::TreatyParty => format!("a party to {}", self.e.treaty_name(self.treaty)),
            PTest::State => "a state".into(),
            PTest::NonState => "a non-state actor".into(),
            PTest::Is(v) => format!(
                "one of [{}]",
                v.iter().map(|p| self.e.party_id(*p)).collect::<Vec<_>>().join(", ")
            ),
            PTest::MemberOf(o) => format!("a member of {}", self.e.party_id(*o)),
            PTest::PartyTo(t) => format!("a party to {}", self.e.treaty_name(*t)),
        }
    }

    /// A place test in words, about `what` ("place", "the place the attack was launched from").
    fn ltest_words(&self, what: &str, l: &LTest) -> String {
        let e = self.e;
        match l {
            LTest::In(v) => format!(
                "{what} is one of [{}]",
                v.iter().map(|p| e.place_id(*p)).collect::<Vec<_>>().join(", ")
            ),
            LTest::Tagged(_, names) => format!("{what} is tagged {}", names.join(" or ")),
            LTest::Holder(role, t, at) => {
                let role = match role {
                    HolderRole::Sovereign => "sovereign",
                    HolderRole::Controller => "controller",
                    HolderRole::Administrator => "administrator",
                };
                let whose = if what == "place" {
                    format!("the place's {role}")
                } else {
                    format!("the {role} of {what}")
                };
                match at {
                    Some(d) => format!("{whose} on {d} is {}", self.ptest_words(t)),
                    None => format!("{whose} is {}", self.ptest_words(t)),
                }
            }
            LTest::Area => format!("{what} is a sea or air area"),
        }
    }

    fn describe(&self, node: &Node) -> String {
        let e = self.e;
        match node {
            Node::All(_) => "all of".into(),
            Node::Any(_) => "any of".into(),
            Node::Not(_) => "not".into(),
            Node::Event(m) => format!("event is {}", mask_words(*m, EventKind::ALL)),
            Node::Means(m) => format!("means is {}", mask_words(*m, Means::ALL)),
            Node::On(m) => format!("attack is on {}", mask_words(*m, On::ALL)),
            Node::Attacker(t) => format!("an attacker is {}", self.ptest_words(t)),
            Node::Attackers(n, t) => format!("at least {n} attackers are {}", self.ptest_words(t)),
            Node::SupportedBy(t) => format!("the attacker is supported by {}", self.ptest_words(t)),
            Node::Target(t) => format!("target is {}", self.ptest_words(t)),
            Node::Location(l) => self.ltest_words("place", l),
            Node::LaunchedFrom(l) => self.ltest_words("the place the attack was launched from", l),
            Node::DeployedUnder(ts) => format!(
                "the forces hit were deployed under {}",
                ts.iter().map(|t| e.treaty_id(*t)).collect::<Vec<_>>().join(" or ")
            ),
            Node::Date(from, before) => match (from, before) {
                (Some(f), Some(b)) => format!("date is on or after {f} and before {b}"),
                (Some(f), None) => format!("date is on or after {f}"),
                (None, Some(b)) => format!("date is before {b}"),
                (None, None) => "any date".into(),
            },
            Node::Fact(f) => format!("fact `{}`", made(&e.facts, *f, "fact").map_or("?", |x| x.id.as_str())),
            Node::Always(b) => format!("always {b}"),
        }
    }
}

/// The verdict-only path under a reading choice: every clause under its default reading,
/// except clause `reading.0`, which uses its alternative reading `reading.1`.
pub(crate) fn hits_under(e: &Engine, s: &Prepared, reading: Option<(ClauseIx, usize)>, out: &mut Vec<Hit>) {
    let Some((rc, ri)) = reading else {
        e.hits(s, out);
        return;
    };
    out.clear();
    for &t in &s.targets {
        for cix in e.candidates(t, s.event) {
            e.clause_hits(s, cix, t, (cix == rc).then_some(ri), out);
        }
    }
}

/// (ext) One condition a contingent commitment waits on, in words and as data: what is open
/// (`on`), the condition (`test`), and the parties, places or tags it names (the attacker it
/// must be: `is: [FRA]`).
#[cfg(feature = "graph")]
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Wait {
    /// What the scenario must say: `attacker`, `supported_by`, `location`, `launched_from`,
    /// `on`, `means`, `time`, or a fact's id (`fact@treaty` when stated per treaty).
    pub on: String,
    /// The condition in words (`an attacker is one of [FRA]`).
    pub test: String,
    /// The parties it names: the attacker (supporter, holder) must be one of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub is: Vec<String>,
    /// The organization or group it must be a member of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_of: Option<String>,
    /// The treaty it must be a party to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party_to: Option<String>,
    /// How many attackers must pass the test (`attackers: {at_least: 2, …}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_least: Option<u32>,
    /// The places it names (the place, or where the attack was launched from, lies in one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
    /// The tags it names (the place carries one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tagged: Vec<String>,
    /// The condition must *not* hold (it stands under a `not`: `not provoked`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub negated: bool,
    /// Conditions with the same `any_of` number are alternatives: any one of them suffices.
    /// Absent: required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub any_of: Option<u16>,
    /// Within a group of alternatives (`any_of`), which alternative this condition belongs to
    /// (1-based): conditions of the same group and option are required together, as one
    /// alternative.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<u16>,
}

#[cfg(feature = "graph")]
impl Engine {
    /// What a contingent obligation of `clause` waits on in scenario `s` for `target`: every
    /// condition of its trigger (and of the obligation's own `when`) that the scenario leaves
    /// open and on which the answer still turns, in the order the clause states them.
    pub(crate) fn waits_in(&self, s: &Prepared, clause: ClauseIx, obligation: u16, target: PartyIx) -> Vec<Wait> {
        let Some(c) = self.clauses.get(clause as usize) else {
            return Vec::new();
        };
        let f = Frame {
            e: self,
            s,
            treaty: c.treaty,
            clause,
            target,
            assume_target_party: false,
            member: None,
        };
        let mut out = Vec::new();
        let mut groups = 0u16;
        let when = c.obligations.get(usize::from(obligation)).and_then(|o| o.when);
        for n in std::iter::once(c.trigger).chain(when) {
            f.waits(n, false, None, &mut groups, &mut out);
        }
        out
    }
}

#[cfg(feature = "graph")]
impl Frame<'_> {
    /// Collects the open conditions under `ix` into `out`. `negated`: under an odd number of
    /// `not`s (so `all` becomes alternatives and `any` requirements); `group`: the group of
    /// alternatives this node belongs to and which alternative in it; `groups` counts the
    /// groups handed out.
    fn waits(&self, ix: NodeIx, negated: bool, group: Option<(u16, u16)>, groups: &mut u16, out: &mut Vec<Wait>) {
        let v = self.eval(ix);
        if v.0 != Truth::Unknown {
            return;
        }
        let Some(node) = self.e.nodes.get(ix as usize) else {
            return;
        };
        match node {
            Node::All(kids) | Node::Any(kids) => {
                let open: Vec<NodeIx> = kids
                    .iter()
                    .copied()
                    .filter(|k| self.eval(*k).0 == Truth::Unknown)
                    .collect();
                let alternatives = matches!(node, Node::Any(_)) != negated;
                if alternatives && open.len() > 1 {
                    *groups += 1;
                    let g = *groups;
                    for (i, k) in open.into_iter().enumerate() {
                        let option = u16::try_from(i + 1).unwrap_or(u16::MAX);
                        self.waits(k, negated, Some((g, option)), groups, out);
                    }
                } else {
                    for k in open {
                        self.waits(k, negated, group, groups, out);
                    }
                }
            }
            Node::Not(k) => self.waits(*k, !negated, group, groups, out),
            leaf => {
                let on = self
                    .e
                    .dep_names_in(v.1, self.s, self.treaty)
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                let mut w = Wait {
                    on,
                    test: if negated {
                        format!("not {}", self.describe(leaf))
                    } else {
                        self.describe(leaf)
                    },
                    negated,
                    any_of: group.map(|g| g.0),
                    option: group.map(|g| g.1),
                    ..Wait::default()
                };
                self.wait_data(leaf, &mut w);
                if !out.contains(&w) {
                    out.push(w);
                }
            }
        }
    }

    /// The parties, places and tags a leaf condition names, as data.
    fn wait_data(&self, node: &Node, w: &mut Wait) {
        let e = self.e;
        let party = |t: &PTest, w: &mut Wait| match t {
            PTest::Is(v) => w.is = v.iter().map(|p| e.party_id(*p).to_string()).collect(),
            PTest::MemberOf(o) => w.member_of = Some(e.party_id(*o).to_string()),
            PTest::PartyTo(t) => w.party_to = Some(e.treaty_id(*t).to_string()),
            PTest::TreatyParty => w.party_to = Some(e.treaty_id(self.treaty).to_string()),
            PTest::Target | PTest::Attacker | PTest::State | PTest::NonState => {}
        };
        let place = |l: &LTest, w: &mut Wait| match l {
            LTest::In(v) => w.places = v.iter().map(|p| e.place_id(*p).to_string()).collect(),
            LTest::Tagged(_, names) => w.tagged = names.clone(),
            LTest::Holder(_, t, _) => party(t, w),
            LTest::Area => {}
        };
        match node {
            Node::Attacker(t) | Node::SupportedBy(t) | Node::Target(t) => party(t, w),
            Node::Attackers(n, t) => {
                w.at_least = Some(*n);
                party(t, w);
            }
            Node::Location(l) | Node::LaunchedFrom(l) => place(l, w),
            _ => {}
        }
    }
}

fn mask_words<T: Copy + std::fmt::Display>(mask: u8, all: &[T]) -> String {
    let v: Vec<String> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1u8 << i) != 0)
        .map(|(_, x)| x.to_string())
        .collect();
    v.join(" or ")
}

impl Engine {
    // The ids and names of the engine's own indexes: an index out of range is a bug, which fails
    // a debug build (`made`); a release build writes "?" rather than stop an answer.
    pub(crate) fn party_id(&self, p: PartyIx) -> &str {
        made(&self.parties, p, "party").map_or("?", |x| x.id.as_str())
    }

    pub(crate) fn place_id(&self, p: PlaceIx) -> &str {
        made(&self.places, p, "place").map_or("?", |x| x.id.as_str())
    }

    pub(crate) fn treaty_name(&self, t: TreatyIx) -> &str {
        made(&self.treaties, t, "treaty").map_or("?", |x| x.name.as_str())
    }

    pub(crate) fn treaty_id(&self, t: TreatyIx) -> &str {
        made(&self.treaties, t, "treaty").map_or("?", |x| x.id.as_str())
    }

    /// What `d` waits on, in words, for a clause of treaty `t`: a fact the scenario states for
    /// some treaty or clause is named with the treaty, `requested@nato`, since stating it for
    /// another treaty does not settle it here.
    ///
    /// The words are the lexicon's ([`Lexicon::dep_words`]), which a held explanation reads too.
    #[cfg(feature = "graph")]
    pub(crate) fn dep_names_in(&self, d: Deps, s: &Prepared, t: TreatyIx) -> Vec<String> {
        self.lexicon().dep_words(d, s.scoped_bits, t)
    }

    /// What `d` waits on, in words, with no fact named for a treaty (what the commitment graph
    /// and a hit say, where no scenario states facts for a treaty).
    pub(crate) fn dep_names(&self, d: Deps) -> Vec<String> {
        d.bits().filter_map(|b| self.dep_name(b)).collect()
    }

    /// The name of open thing `b` (a pseudo-fact, then the facts).
    fn dep_name(&self, b: u32) -> Option<String> {
        if b < FACT_BASE {
            PSEUDO.get(b as usize).map(|s| (*s).to_string())
        } else {
            self.facts.get((b - FACT_BASE) as usize).map(|f| f.id.clone())
        }
    }

    pub(crate) fn in_force_at(&self, t: TreatyIx, at: &When) -> Val {
        let Some(tr) = self.treaties.get(t as usize) else {
            return known(Truth::False);
        };
        if tr.status == TreatyStatus::Draft && tr.in_force.is_none() {
            return when_val(at.within(None, tr.terminated.as_ref()));
        }
        match &tr.in_force {
            None => known(Truth::False),
            Some(f) => when_val(at.within(Some(f), tr.terminated.as_ref())),
        }
    }

    /// Whether treaty `t` is in force at `at`, from its days in force (`days`, as a clause's
    /// hot row holds them) on a whole day, else from its dates.
    fn in_force_by_days(&self, t: TreatyIx, days: Option<(i32, i32)>, at: &When) -> Val {
        match (at, days) {
            (When::Day(d), Some((from, to))) => known(Truth::from(in_days(crate::time::day_key(*d), from, to))),
            _ => self.in_force_at(t, at),
        }
    }

    pub(crate) fn is_party_at(&self, t: TreatyIx, p: PartyIx, at: &When) -> Val {
        match (at, self.party_windows(t, p)) {
            (When::Day(d), Some(rows)) => self.is_party_by_rows(t, p, rows, crate::time::day_key(*d), at),
            _ => self.is_party_by_entries(t, p, at),
        }
    }

    /// Whether `p` is a party to treaty `t` on the day with key `k`, from its `rows` (its
    /// windows in `Engine::party_rows`): two comparisons per row, unless the rows send the
    /// party to its entries (a date of its membership is an instant).
    fn is_party_by_rows(&self, t: TreatyIx, p: PartyIx, rows: &[(PartyIx, i32, i32)], k: i32, at: &When) -> Val {
        if rows.last().is_some_and(|r| (r.1, r.2) == crate::query::ASK_ENTRIES) {
            return self.is_party_by_entries(t, p, at);
        }
        known(Truth::from(rows.iter().any(|&(_, from, to)| in_days(k, from, to))))
    }

    /// Whether `p` is a party to treaty `t` at `at`, read from the treaty's entries and the
    /// organisations they name: what `is_party_at` answers without rows.
    pub(crate) fn is_party_by_entries(&self, t: TreatyIx, p: PartyIx, at: &When) -> Val {
        let Some(tr) = self.treaties.get(t as usize) else {
            return known(Truth::False);
        };
        let mut v = known(Truth::False);
        for m in &tr.members {
            if m.party.is_some_and(|x| x != p) {
                continue;
            }
            let own = when_val(at.within(m.from.as_ref(), m.to.as_ref()));
            if own.0 == Truth::False {
                continue;
            }
            if m.party == Some(p) {
                v = or(v, own);
            } else if let Some(org) = m.members_of
                && let Some(o) = self.parties.get(org as usize)
            {
                for om in o.members.iter().filter(|om| om.party == p) {
                    v = or(v, and(own, when_val(at.within(om.from.as_ref(), om.to.as_ref()))));
                }
            }
        }
        v
    }

    /// Candidate clauses for one target: those indexed under it, then those that can protect
    /// any target (a clause is in one list or the other), filtered by event kind. No allocation.
    pub(crate) fn candidates(&self, target: PartyIx, event: EventKind) -> impl Iterator<Item = ClauseIx> + '_ {
        let bit = 1u8 << (event as u8);
        self.index
            .of(target)
            .iter()
            .chain(&self.index.any_target)
            .filter(move |(_, m)| m & bit != 0)
            .map(|(c, _)| *c)
    }

    /// The flat program at `(from, to)` in `Engine::program`, as a clause's hot row or row
    /// holds it: `None` where the clause has none (an empty range).
    fn program_at(&self, (from, to): (u32, u32)) -> Option<&[Op]> {
        self.program
            .get(from as usize..to as usize)
            .filter(|ops| !ops.is_empty())
    }

    /// The value of a clause's default trigger in frame `f`, from the clause's row `cr`: from
    /// its flat program where it has one (the same value, read faster), else from its nodes;
    /// and the node a false trigger is false for: its first false part down the chain of
    /// `all`s from its root, found by the same run of the program (else the root;
    /// [`Frame::why_not_met`] goes on from there), with its step when the program found it.
    /// The clause itself is not read: at scale, that read is a miss.
    fn trigger_blame(&self, f: &Frame, cr: &ClauseRow) -> (Val, NodeIx, Option<Op>) {
        let trigger = cr.trigger;
        let Some(ops) = self.program_at(cr.program) else {
            return (f.eval(trigger), trigger, None);
        };
        let mut blamed = None;
        let v = f.run_blame(ops, 0, &mut blamed).0;
        match blamed.and_then(|j| ops.get(j)) {
            Some(&op) if v.0 == Truth::False => (v, op.node(), Some(op)),
            _ => (v, trigger, None),
        }
    }

    /// Obligations of one clause (under a reading) for one target, appended to `out`.
    ///
    /// `reading`: the index of an alternative reading of the clause, or `None` for its
    /// default. The `Clause` itself is read only once its trigger is not false.
    pub(crate) fn clause_hits(
        &self,
        s: &Prepared,
        cix: ClauseIx,
        target: PartyIx,
        reading: Option<usize>,
        out: &mut Vec<Hit>,
    ) {
        let Some(&ClauseHot {
            treaty: tix,
            trigger,
            program,
            in_force,
        }) = self.clause_hot.get(cix as usize)
        else {
            return;
        };
        let alternative = match reading {
            None => None,
            Some(ri) => match self.clauses.get(cix as usize).and_then(|c| c.readings.get(ri)) {
                Some(r) => Some(r),
                None => return,
            },
        };
        let trigger = alternative.map_or(trigger, |r| r.trigger);
        let inf = self.in_force_by_days(tix, in_force, &s.date);
        if inf.0 == Truth::False {
            return;
        }
        let f = Frame {
            e: self,
            s,
            treaty: tix,
            clause: cix,
            target,
            assume_target_party: false,
            member: None,
        };
        let fired = match (alternative, self.program_at(program)) {
            (None, Some(ops)) => f.run(ops, 0).0,
            _ => f.eval(trigger),
        };
        let tv = and(inf, fired);
        if tv.0 == Truth::False {
            return;
        }
        let (Some(treaty), Some(c)) = (self.treaties.get(tix as usize), self.clauses.get(cix as usize)) else {
            return;
        };
        let obligations = alternative.map_or(&c.obligations, |r| &r.obligations);
        for (oi, o) in obligations.iter().enumerate() {
            let ov = match o.when {
                Some(w) => and(tv, f.eval(w)),
                None => tv,
            };
            if ov.0 == Truth::False {
                continue;
            }
            let at = Owed {
                s,
                cix,
                tix,
                treaty,
                o,
                oi: u16::try_from(oi).unwrap_or(u16::MAX),
                ov,
                target,
            };
            let attackers = s.attackers.as_deref();
            for_each_beneficiary(&o.toward, attackers, target, &mut |p| self.owed_toward(&at, p, out));
        }
    }

    /// The hits of one obligation toward one party: each obligor after reservations.
    fn owed_toward(&self, at: &Owed<'_>, toward: PartyIx, out: &mut Vec<Hit>) {
        let Owed { s, treaty, o, .. } = *at;
        match &o.obligated {
            Obligors::Named(v) => {
                for &p in v {
                    let m = self.is_party_at(at.tix, p, &s.date);
                    self.owed_by(at, toward, p, m, out);
                }
            }
            Obligors::Others | Obligors::All
                if let (When::Day(d), Some(rows)) = (&s.date, self.day_members(at.tix)) =>
            {
                let k = crate::time::day_key(*d);
                for &(p, from, to) in rows {
                    self.owed_by(at, toward, p, known(Truth::from(in_days(k, from, to))), out);
                }
            }
            Obligors::Others | Obligors::All if treaty.simple_members => {
                // One pass over the entries: each party's membership is its own entry's dates.
                for m in &treaty.members {
                    if let Some(p) = m.party {
                        let v = when_val(s.date.within(m.from.as_ref(), m.to.as_ref()));
                        self.owed_by(at, toward, p, v, out);
                    }
                }
            }
            Obligors::Others | Obligors::All
                if let (When::Day(d), Some(rows)) = (&s.date, self.treaty_windows(at.tix)) =>
            {
                // One pass over the treaty's windows, sorted by party as `ever` is: the same
                // obligors in the same order as asking `is_party_at` of each.
                let k = crate::time::day_key(*d);
                for run in rows.chunk_by(|a, b| a.0 == b.0) {
                    let Some(&(p, _, _)) = run.first() else { continue };
                    let m = self.is_party_by_rows(at.tix, p, run, k, &s.date);
                    self.owed_by(at, toward, p, m, out);
                }
            }
            Obligors::Others | Obligors::All => {
                for &p in &treaty.ever {
                    let m = self.is_party_at(at.tix, p, &s.date);
                    self.owed_by(at, toward, p, m, out);
                }
            }
        }
    }

    /// The hit of one obligor (whose membership at the date is `member`), after reservations.
    fn owed_by(&self, at: &Owed<'_>, toward: PartyIx, p: PartyIx, member: Val, out: &mut Vec<Hit>) {
        let Owed {
            s,
            cix,
            treaty,
            o,
            oi,
            ov,
            target,
            ..
        } = *at;
        if member.0 == Truth::False
            || p == toward
            || (matches!(o.obligated, Obligors::Others) && p == target)
            || (!s.attackers_obliged && s.attackers.as_ref().is_some_and(|a| a.contains(&ActorIx::Party(p))))
        {
            return;
        }
        let mut v = and(ov, member);
        if v.0 == Truth::False {
            return;
        }
        let (mut level, mut excluded, mut rmask) = (o.level, o.excluded, 0u64);
        for (ri, r) in treaty.reservations.iter().enumerate() {
            let concerns = r.party == p
                && (r.clauses.is_empty() || r.clauses.contains(&cix))
                && (r.toward.is_empty() || r.toward.contains(&toward));
            if !concerns {
                continue;
            }
            let during = s.date.within(r.from.as_ref(), r.to.as_ref());
            // An opt-out that starts or ends at an instant on the scenario's day leaves the
            // obligation waiting on the time of day.
            if r.opt_out && during == Truth::Unknown {
                v = and(v, unknown(DEP_TIME));
                continue;
            }
            if during != Truth::True {
                continue;
            }
            if r.opt_out {
                return;
            }
            if let Some(max) = r.max_level
                && level.is_response()
                && level.rank() > max.rank()
            {
                level = max;
            }
            excluded |= r.exclude_forms;
            if ri < 64 {
                rmask |= 1u64 << ri;
            }
        }
        out.push(Hit {
            party: p,
            clause: cix,
            obligation: oi,
            toward,
            level,
            status: if v.0 == Truth::True {
                Status::Definite
            } else {
                Status::Contingent
            },
            deps: v.1,
            excluded,
            reservation_mask: rmask,
        });
    }

    /// The verdict-only path: every obligation as plain integers, appended to `out` (cleared
    /// first). Reuse `out` across calls to evaluate without allocating.
    ///
    /// ```
    /// # let rules = casus::RuleSet::from_yaml(casus::doc_example()).unwrap();
    /// # let engine = rules.compile().unwrap();
    /// let scenario = casus::Scenario::from_yaml("date: 2020-01-01\nevent: armed_attack\nattacker: RUS\ntarget: EST\nlocation: EST\non: territory\n").unwrap();
    /// let prepared = engine.prepare(&scenario).unwrap();
    /// let mut hits = Vec::new();
    /// engine.hits(&prepared, &mut hits);
    /// assert_eq!(hits.len(), 2); // FRA and USA assist Estonia
    /// ```
    pub fn hits(&self, s: &Prepared, out: &mut Vec<Hit>) {
        out.clear();
        for &t in &s.targets {
            for cix in self.candidates(t, s.event) {
                self.clause_hits(s, cix, t, None, out);
            }
        }
    }

    pub(crate) fn build_verdict(&self, s: &Prepared, explain: bool) -> Verdict {
        // Room for what most scenarios oblige, not grown push by push.
        let mut hits = Vec::with_capacity(16);
        self.hits(s, &mut hits);
        // Per (clause, party): strongest default result, for comparing readings.
        // The hits sorted once by party id (stable: each party's in the order found), one run
        // per party.
        // (Keyed by rank and place found, each key read once: an unstable sort of plain
        // integers, as stable as the order found.)
        let lx = self.lexicon();
        let mut keyed: Vec<(u32, u32)> = (0u32..).zip(&hits).map(|(i, h)| (lx.party_rank(h.party), i)).collect();
        keyed.sort_unstable();
        // (Room for every hit at once: collected through a filter, these would grow.)
        let mut sorted: Vec<&Hit> = Vec::with_capacity(hits.len());
        sorted.extend(keyed.iter().filter_map(|(_, i)| hits.get(*i as usize)));
        let mut by_party: Vec<(&str, &[&Hit])> = Vec::with_capacity(hits.len());
        by_party.extend(
            sorted
                .chunk_by(|a, b| a.party == b.party)
                .filter_map(|hs| Some((self.party_id(hs.first()?.party), hs))),
        );
        // Readings.
        let mut reading_diffs: BTreeMap<String, Vec<ReadingDifference>> = BTreeMap::new();
        for &t in &s.targets {
            for cix in self.candidates(t, s.event) {
                let Some(c) = self.clauses.get(cix as usize) else {
                    continue;
                };
                if c.readings.is_empty() {
                    continue;
                }
                let mut default: Vec<&Hit> = hits.iter().filter(|h| h.clause == cix).collect();
                default.sort_by_key(|h| h.party);
                for (ri, r) in c.readings.iter().enumerate() {
                    let mut alt = Vec::new();
                    self.clause_hits(s, cix, t, Some(ri), &mut alt);
                    alt.sort_by_key(|h| h.party);
                    let mut parties: Vec<PartyIx> = default
                        .iter()
                        .map(|h| h.party)
                        .chain(alt.iter().map(|h| h.party))
                        .collect();
                    parties.sort_unstable();
                    parties.dedup();
                    // Both lists are sorted by party: each party's hits are one contiguous run.
                    let run = |list: &[&Hit], p: PartyIx| -> (usize, usize) {
                        (
                            list.partition_point(|h| h.party < p),
                            list.partition_point(|h| h.party <= p),
                        )
                    };
                    let alt_refs: Vec<&Hit> = alt.iter().collect();
                    for p in parties {
                        let (a0, a1) = run(&default, p);
                        let (b0, b1) = run(&alt_refs, p);
                        let d = strongest(default.get(a0..a1).unwrap_or(&[]).iter().copied());
                        let a = strongest(alt_refs.get(b0..b1).unwrap_or(&[]).iter().copied());
                        if d != a {
                            reading_diffs
                                .entry(self.party_id(p).to_string())
                                .or_default()
                                .push(ReadingDifference {
                                    treaty: self
                                        .treaties
                                        .get(c.treaty as usize)
                                        .map_or(String::new(), |t| t.id.clone()),
                                    clause: c.id.clone(),
                                    citation: c.citation.clone(),
                                    reading: r.id.clone(),
                                    basis: r.basis.clone(),
                                    level: a.map(|x| x.0),
                                    status: a.map(|x| x.1),
                                    default_level: d.map(|x| x.0),
                                    default_status: d.map(|x| x.1),
                                });
                        }
                    }
                }
            }
        }
        let obligations = self.obligations(&by_party, s, &mut reading_diffs);
        let conflicts = self.conflicts(&by_party, s);
        let (not_obligated, explanation) = self.why_not(s, &hits, &mut reading_diffs, explain);
        Verdict {
            date: s.date,
            event: s.event,
            targets: s.targets.iter().map(|t| self.party_id(*t).to_string()).collect(),
            attackers: s.attacker_names.clone(),
            location: s.location.map(|p| self.place_id(p).to_string()),
            place: s.location.and_then(|p| self.place_on_day(p, &s.date)),
            obligations,
            not_obligated,
            conflicts,
            would_apply: Vec::new(),
            not_modelled: Vec::new(),
            explanation,
        }
    }

    /// Every obliged party (`by_party`: each party's hits, in the order of the parties'
    /// ids), with the reading differences it has, held as data: every party's sources in one
    /// list, party after party, each entry built from its own run when read.
    fn obligations(
        &self,
        by_party: &[(&str, &[&Hit])],
        s: &Prepared,
        reading_diffs: &mut BTreeMap<String, Vec<ReadingDifference>>,
    ) -> ObligationList {
        let mut seeds = Vec::with_capacity(by_party.iter().map(|(_, hs)| hs.len()).sum());
        let mut runs = Vec::with_capacity(by_party.len());
        for (pid, hs) in by_party {
            let from = seeds.len() as u32;
            seeds.extend(hs.iter().map(|h| self.seed(h, s)));
            let readings = reading_diffs.remove(*pid).unwrap_or_default();
            runs.push(((from, seeds.len() as u32), readings));
        }
        let seeds = std::sync::Arc::new(Seeds {
            lx: self.lexicon().clone(),
            scoped: s.scoped_bits,
            seeds,
        });
        ObligationList::pending(Parties { seeds, runs })
    }

    /// Whether caveat `cv` of obligation `o` binds the hit's party: a primacy caveat only
    /// while the party is a party to the treaty given primacy (with no scenario, always).
    pub(crate) fn caveat_applies(
        &self,
        h: &Hit,
        o: &Obligation,
        cv: &crate::vocab::Caveat,
        s: Option<&Prepared>,
    ) -> bool {
        let (crate::vocab::Caveat::PrimacyOf(tid), Some(s)) = (cv, s) else {
            return true;
        };
        o.primacy.iter().any(|tx| {
            self.treaties.get(*tx as usize).is_some_and(|tt| &tt.id == tid)
                && self.is_party_at(*tx, h.party, &s.date).0 == Truth::True
        })
    }

    /// Which of obligation `o`'s own caveats bind hit `h`'s party (bit `i`: caveat `i`): a
    /// `primacy_of` caveat only when the party is a party to that treaty on the day (`None`:
    /// the day is not known, and the caveat is kept).
    pub(crate) fn binds(&self, h: &Hit, o: &Obligation, s: Option<&Prepared>) -> u64 {
        o.caveats
            .iter()
            .enumerate()
            .take(64)
            .filter(|(_, cv)| self.caveat_applies(h, o, cv, s))
            .fold(0u64, |m, (i, _)| m | (1u64 << i))
    }

    /// The caveats of obligation `o` as hit `h` owes it: its own that bind the party (see
    /// [`Engine::binds`]) and those of the reservations that changed it.
    #[cfg(feature = "verify")]
    pub(crate) fn caveats_of(&self, h: &Hit, o: &Obligation, s: Option<&Prepared>) -> Vec<crate::vocab::Caveat> {
        let reservations = self
            .clauses
            .get(h.clause as usize)
            .and_then(|c| self.treaties.get(c.treaty as usize))
            .map_or(&[][..], |t| t.reservations.as_slice());
        let mut caveats = Vec::new();
        crate::verdict::caveats_in(
            &o.caveats,
            self.binds(h, o, s),
            reservations,
            h.reservation_mask,
            &mut caveats,
        );
        caveats
    }

    /// One source of a verdict, as data: hit `h` and what its entry needs of scenario `s`.
    fn seed(&self, h: &Hit, s: &Prepared) -> Seed {
        let lx = self.lexicon();
        let o = lx
            .terms_of(self, h.clause)
            .and_then(|t| t.obligations.get(h.obligation as usize));
        Seed {
            hit: *h,
            binds: o.map_or(0, |o| self.binds(h, o, Some(s))),
            against: o.map_or_else(Vec::new, |o| self.against(o, s)),
        }
    }

    /// The parties an obligation's response is directed against, when it names more than the
    /// attacker: the attackers, then (as it says) the supporters and the controller of the
    /// place the attack was launched from, each once.
    fn against(&self, o: &Obligation, s: &Prepared) -> Vec<PartyIx> {
        if o.against.is_empty() {
            return Vec::new();
        }
        let mut out: Vec<PartyIx> = Vec::new();
        let mut add = |p: PartyIx| {
            if !out.contains(&p) {
                out.push(p);
            }
        };
        for a in s.attackers.iter().flatten() {
            if let ActorIx::Party(p) = a {
                add(*p);
            }
        }
        for a in &o.against {
            match a {
                crate::model::Against::Attacker => {}
                crate::model::Against::Supporters => s.supporters.iter().flatten().for_each(|p| add(*p)),
                crate::model::Against::LaunchedFrom => {
                    let held = s
                        .launched_from
                        .and_then(|px| self.places.get(px as usize))
                        .and_then(|place| place.holder_on(HolderRole::Controller, &s.date));
                    if let Some(p) = held {
                        add(p);
                    }
                }
            }
        }
        out
    }

    fn conflicts(&self, by_party: &[(&str, &[&Hit])], s: &Prepared) -> Vec<Conflict> {
        let mut out = Vec::new();
        for (pid, hs) in by_party {
            let side = |h: &Hit| -> Option<bool> {
                if s.targets.contains(&h.toward) {
                    Some(true)
                } else if s
                    .attackers
                    .as_ref()
                    .is_some_and(|a| a.contains(&ActorIx::Party(h.toward)))
                {
                    Some(false)
                } else {
                    None
                }
            };
            let serious = |h: &&&Hit| h.level != Level::Consult;
            let mut for_target = hs.iter().filter(|h| side(h) == Some(true)).filter(serious);
            let mut for_attacker = hs.iter().filter(|h| side(h) == Some(false)).filter(serious);
            // (Almost never both: nothing is collected until they are.)
            if let (Some(a), Some(b)) = (for_target.next(), for_attacker.next()) {
                let name = |h: &Hit| {
                    let c = made(&self.clauses, h.clause, "clause");
                    let t = c.and_then(|c| made(&self.treaties, c.treaty, "treaty"));
                    format!(
                        "{}/{}",
                        t.map_or("?", |t| t.id.as_str()),
                        c.map_or("?", |c| c.id.as_str())
                    )
                };
                let mut sources: Vec<String> = [a, b]
                    .into_iter()
                    .chain(for_target)
                    .chain(for_attacker)
                    .map(|h| name(h))
                    .collect();
                sources.sort();
                sources.dedup();
                let owes = |h: &Hit| format!("{} toward {} under {}", h.level, self.party_id(h.toward), name(h));
                let (a, b) = (owes(a), owes(b));
                out.push(Conflict {
                    party: (*pid).to_string(),
                    detail: format!("owes {a}, but also {b}: the two sides are at war"),
                    sources,
                });
            }
        }
        out
    }

    /// The engine's ids and names as shared texts, built on the first verdict that needs them.
    fn lexicon(&self) -> &std::sync::Arc<Lexicon> {
        self.lexicon.get_or_init(|| std::sync::Arc::new(Lexicon::of(self)))
    }

    /// Every member of a relevant treaty that owes nothing, and why, in the order of (treaty,
    /// clause, party) ids, held grouped ([`Grouped`]): per treaty, the members a treaty-wide
    /// reason settles, then per clause the reason its members share and the few that differ
    /// (a target, a party the clause names, a reservation, one that owes). Entries are worded
    /// only when read. With `explain`, also each relevant clause's condition trees.
    fn why_not(
        &self,
        s: &Prepared,
        hits: &[Hit],
        readings: &mut BTreeMap<String, Vec<ReadingDifference>>,
        explain: bool,
    ) -> (NotObligatedList, Explanation) {
        let lx = self.lexicon();
        let mut g = Grouped::new(lx.clone(), s.date);
        g.attackers = s
            .attackers
            .iter()
            .flatten()
            .filter_map(|a| match a {
                ActorIx::Party(p) => Some(*p),
                _ => None,
            })
            .collect();
        g.attackers.sort_unstable();
        g.attackers.dedup();
        let mut held = Held::new(lx.clone());
        held.scoped = s.scoped_bits;
        let mut order = Vec::new();
        // (treaty, party, clause) triples that oblige, sorted: what is owed is never listed.
        let mut owed: Vec<(TreatyIx, PartyIx, ClauseIx)> = Vec::with_capacity(hits.len());
        owed.extend(
            hits.iter()
                .filter_map(|h| Some((self.clause_hot.get(h.clause as usize)?.treaty, h.party, h.clause))),
        );
        owed.sort_unstable();
        owed.dedup();
        // (The lists a pass reuses made with room for what most verdicts put in them, not
        // grown push by push.)
        let mut pass = Pass {
            owed: &owed,
            settled: Vec::with_capacity(16),
            owing: Vec::with_capacity(owed.len()),
            odd: Vec::with_capacity(owed.len() + s.targets.len() + 16),
        };
        // (Ordered by the treaties' rows, which their reasons read next.)
        let mut treaties = self.relevant_treaties(s);
        treaties.sort_unstable_by_key(|t| lx.reasons.treaty(*t).map_or(u32::MAX, |r| r.rank));
        self.warm(lx, &treaties);
        // One group per treaty and per clause, and about one reason and one member set apart
        // per clause: room for them at once, not grown push by push.
        let clauses: usize = treaties
            .iter()
            .filter_map(|t| lx.reasons.treaty(*t))
            .map(|r| lx.reasons.clauses(r).len())
            .sum();
        g.treaties.reserve(treaties.len());
        g.clauses.reserve(clauses);
        g.words.reserve(clauses);
        g.marks.reserve(clauses);
        if explain {
            held.traces.reserve(clauses * s.targets.len());
            held.nodes.reserve(clauses * s.targets.len() * 8);
        }
        for tix in treaties {
            // (Only a reference: the treaty itself is read only where its row cannot tell.)
            let (Some(t), Some(row)) = (self.treaties.get(tix as usize), lx.reasons.treaty(tix)) else {
                continue;
            };
            let inf = self.in_force_by_days(tix, row.in_force, &s.date);
            // A treaty that is not in force matters only to a target that was (or will be) a
            // party: the ended alliances of the attacker or of a place's holder are noise.
            if inf.0 == Truth::False && !s.targets.iter().any(|x| t.ever.contains(x)) {
                continue;
            }
            let member = std::cell::Cell::new(None);
            let inv = Involved {
                tix,
                t,
                row,
                inf,
                clauses: lx.reasons.clauses(row),
                member: &member,
            };
            if explain {
                self.traces(s, &inv, &mut held, &mut order);
            }
            self.treaty_group(s, &inv, &mut pass, &mut g);
        }
        if readings.values().any(|v| !v.is_empty()) {
            place_readings(&mut g, readings);
        }
        (NotObligatedList::grouped(g), explanation(held, &order))
    }

    /// Reads the first step of each clause of the involved `treaties` (the reads their reasons
    /// start with), all in one pass: at scale each is a miss, and misses that do not wait on
    /// one another overlap, where read treaty by treaty each would wait for the last.
    fn warm(&self, lx: &Lexicon, treaties: &[TreatyIx]) {
        let mut seen = 0u32;
        for r in treaties.iter().filter_map(|t| lx.reasons.treaty(*t)) {
            for cr in lx.reasons.clauses(r) {
                seen ^= self.program.get(cr.program.0 as usize).map_or(0, |op| op.node());
            }
        }
        std::hint::black_box(seen);
    }

    /// The condition tree of each of the treaty's `clauses` for each target, for `--explain`,
    /// appended to `held` with the key that orders them by (treaty, clause, target) ids.
    fn traces(&self, s: &Prepared, inv: &Involved<'_>, held: &mut Held, order: &mut Vec<(u32, u32, u32)>) {
        let &Involved {
            tix, row, inf, clauses, ..
        } = inv;
        let lx = self.lexicon();
        for &tg in &s.targets {
            // (From the clause's row: the clause itself is not read.)
            for (
                pos,
                &ClauseRow {
                    clause: cix,
                    trigger,
                    program,
                },
            ) in clauses.iter().enumerate()
            {
                let f = Frame {
                    e: self,
                    s,
                    treaty: tix,
                    clause: cix,
                    target: tg,
                    assume_target_party: false,
                    member: (s.targets.first() == Some(&tg)).then_some(inv.member),
                };
                let from = held.nodes.len() as u32;
                let _ = match self.program_at(program) {
                    Some(ops) => f.trace_step(ops, 0, held).0,
                    None => f.trace(trigger, held),
                };
                order.push((row.rank, pos as u32, lx.party_rank(tg)));
                held.traces.push(HeldTrace {
                    treaty: tix,
                    clause: cix,
                    target: tg,
                    in_force: inf.0,
                    nodes: (from, held.nodes.len() as u32),
                });
            }
        }
    }

    /// The reasons under one involved treaty, appended to `g`: a treaty not in force gives
    /// every member the same reason; else each member who is not a party on the day, or is
    /// the attacker, is settled for the whole treaty, and the others clause by clause. A
    /// member is listed nowhere under a clause it owes under, nor for the whole treaty if it
    /// owes under any of its clauses (`pass.owed`: what is owed, sorted).
    fn treaty_group(&self, s: &Prepared, inv: &Involved<'_>, pass: &mut Pass<'_>, g: &mut Grouped) {
        let &Involved {
            tix,
            t,
            row,
            inf,
            clauses,
            ..
        } = inv;
        // The members that owe under some clause of the treaty (few: they are in the hits).
        // (In a list kept for the verdict's treaties, not one made per treaty.)
        let mut owing = std::mem::take(&mut pass.owing);
        owing.clear();
        owing.extend(pass.owed_under(tix).iter().map(|(_, p, _)| *p));
        owing.dedup();
        pass.settled.clear();
        let wide_from = g.marks.len() as u32;
        let clause_from = g.clauses.len() as u32;
        let mut group = TreatyGroup {
            treaty: tix,
            all: None,
            wide: (wide_from, wide_from),
            clauses: (clause_from, clause_from),
            lazy: None,
        };
        if inf.0 == Truth::False {
            let (reason, words) = self.not_in_force(s, t);
            group.all = Some(g.word(reason, words));
            let skipped = owing.iter().filter(|p| t.ever.binary_search(p).is_ok()).count();
            g.marks.extend(
                owing
                    .iter()
                    .filter(|p| t.ever.binary_search(p).is_ok())
                    .map(|p| (*p, Code::Skip)),
            );
            group.wide.1 = g.marks.len() as u32;
            g.len += row.ever as usize - skipped;
        } else {
            let wide = match (&s.date, row.windows) {
                // Who is a party on the day is worked out when the list is read.
                (When::Day(d), true) => {
                    let lazy = self.lazy_group(s, (tix, row), crate::time::day_key(*d), &owing, g);
                    group.lazy = Some(lazy);
                    g.any_lazy = true;
                    None
                }
                _ => {
                    self.wide_marks(s, (tix, t), &owing, g);
                    Some((wide_from, g.marks.len() as u32))
                }
            };
            let f = Frame {
                e: self,
                s,
                treaty: tix,
                clause: 0,
                target: s.targets.first().copied().unwrap_or(0),
                assume_target_party: false,
                member: Some(inv.member),
            };
            for cr in clauses {
                if let Some(c) = self.clauses.get(cr.clause as usize) {
                    let f = Frame { clause: cr.clause, ..f };
                    self.clause_group(&f, (t, row), (cr, c), wide, pass, g);
                }
            }
            group.wide = wide.unwrap_or((wide_from, wide_from));
            group.clauses.1 = g.clauses.len() as u32;
        }
        g.treaties.push(group);
        pass.owing = owing;
    }

    /// What a lazy treaty group keeps to find, when its list is read, the members a
    /// treaty-wide reason settles on day key `day` (see [`Lazy`]): the members that owe, and
    /// whether each member whose windows send it to the entries is a party on the day.
    fn lazy_group(
        &self,
        s: &Prepared,
        (tix, row): (TreatyIx, &TreatyRow),
        day: i32,
        owing: &[PartyIx],
        g: &mut Grouped,
    ) -> Lazy {
        let owing_from = g.owing.len() as u32;
        g.owing.extend(owing);
        let asked_from = g.asked.len() as u32;
        for &p in self.lexicon().reasons.asks(row) {
            g.asked.push((p, self.is_party_by_entries(tix, p, &s.date).0));
        }
        Lazy {
            day,
            owing: (owing_from, g.owing.len() as u32),
            asked: (asked_from, g.asked.len() as u32),
        }
    }

    /// The members of treaty `t` a treaty-wide reason settles (not a party on the scenario's
    /// date, or an attacker), appended to `g.marks` sorted by party, `Code::Skip` for those
    /// in `owing`.
    fn wide_marks(&self, s: &Prepared, (tix, t): (TreatyIx, &Treaty), owing: &[PartyIx], g: &mut Grouped) {
        for &p in &t.ever {
            if let Some(code) = wide_code(s, p, self.is_party_at(tix, p, &s.date)) {
                let listed = !owing.contains(&p);
                g.marks.push((p, if listed { code } else { Code::Skip }));
                g.len += usize::from(listed);
            }
        }
    }

    /// The reason the members of clause `c` share, in frame `f`: its trigger's false part
    /// (`trigger`), else its first false obligation condition (`when`), else a clause for
    /// named parties only, else none arising (the third value: the one that applies).
    fn clause_reason(
        &self,
        f: &Frame,
        (cr, c): (&ClauseRow, &Clause),
        g: &mut Grouped,
    ) -> (Option<Code>, Option<Code>, Code) {
        let lx = self.lexicon();
        let cited = |g: &mut Grouped, blamed: (NodeIx, Option<Op>)| {
            let (reason, kept) = f.why_not_met(blamed, lx, g);
            g.kept(reason, kept)
        };
        let (fired, blamed, step) = self.trigger_blame(f, cr);
        // (The step, where the program found it, tells what the node would.)
        let trigger = (fired.0 == Truth::False).then(|| cited(g, (blamed, step)));
        // (Under a false trigger, the clause's obligations are not read: most clauses of an
        // involved treaty are, and at scale each read is a miss.)
        let when = match trigger {
            Some(_) => None,
            None => c
                .obligations
                .iter()
                .filter_map(|o| o.when)
                .find(|w| f.eval(*w).0 == Truth::False)
                .map(|w| cited(g, (w, None))),
        };
        let default = match (trigger, when) {
            (Some(code), _) | (None, Some(code)) => code,
            (None, None) if c.obligations.iter().all(|o| matches!(o.obligated, Obligors::Named(_))) => Code::NotNamed,
            (None, None) => Code::NoObligation,
        };
        (trigger, when, default)
    }

    /// The reasons under one clause for the members no treaty-wide reason settles (`wide`,
    /// a run of `g.marks`), appended to `g`: the reason they share (a false trigger, a false
    /// obligation condition, a clause for named parties only, or none arising) and the
    /// members whose reason differs, each found as [`Engine::member_code`] says.
    fn clause_group(
        &self,
        f: &Frame,
        (t, row): (&Treaty, &TreatyRow),
        (cr, c): (&ClauseRow, &Clause),
        wide: Option<(u32, u32)>,
        pass: &mut Pass<'_>,
        g: &mut Grouped,
    ) {
        let s = f.s;
        let cix = cr.clause;
        let (trigger, when, default) = self.clause_reason(f, (cr, c), g);
        let owed = pass.owed_under(f.treaty);
        // The members whose reason may differ from the default.
        // (In a list kept for the verdict's clauses, not one made per clause.)
        let mut odd = std::mem::take(&mut pass.odd);
        odd.clear();
        odd.extend(owed.iter().filter(|(_, _, x)| *x == cix).map(|(_, p, _)| *p));
        if trigger.is_none() {
            odd.extend(&s.targets);
            if when.is_none() {
                for o in &c.obligations {
                    if let Obligors::Named(v) = &o.obligated {
                        odd.extend(v);
                    }
                }
                odd.extend(t.reservations.iter().filter(|r| r.opt_out).map(|r| r.party));
            }
        }
        odd.sort_unstable();
        odd.dedup();
        // Settled by a treaty-wide reason: found in the treaty's marks, or (a lazy group)
        // worked out for this member alone.
        // (The same few members, the targets first, come back clause after clause: a lazy
        // group's answers are kept for the treaty in `pass.settled`.)
        let settled = |g: &Grouped, known: &mut Vec<(PartyIx, bool)>, p: PartyIx| match wide {
            Some((a, b)) => g
                .marks
                .get(a as usize..b as usize)
                .is_some_and(|m| m.binary_search_by_key(&p, |m| m.0).is_ok()),
            None => match known.binary_search_by_key(&p, |k| k.0) {
                Ok(i) => known.get(i).is_some_and(|k| k.1),
                Err(i) => {
                    let v = wide_code(s, p, self.is_party_at(f.treaty, p, &s.date)).is_some();
                    known.insert(i, (p, v));
                    v
                }
            },
        };
        let from = g.marks.len() as u32;
        let mut skipped = 0;
        for &p in &odd {
            let owes = owed.binary_search(&(f.treaty, p, cix)).is_ok();
            // A member that owes is a party on the day (its hit asked): of the treaty-wide
            // reasons, only being an attacker (where attackers are obliged) can settle it.
            // (A hub party's owing members are most of `odd`: their membership is not asked
            // again.)
            let settled = if owes {
                wide_code(s, p, known(Truth::True)).is_some()
            } else {
                settled(g, &mut pass.settled, p)
            };
            if settled || t.ever.binary_search(&p).is_err() {
                continue;
            }
            let code = if owes {
                skipped += 1;
                Code::Skip
            } else if trigger.is_some() {
                default
            } else {
                self.member_code(s, t, p, c, when, g)
            };
            if code != default {
                g.marks.push((p, code));
            }
        }
        // A lazy group's settled members are taken off when the list is read.
        let settled_here = wide.map_or(0, |(a, b)| (b - a) as usize);
        g.len += row.ever as usize - settled_here - skipped;
        g.clauses.push(ClauseGroup {
            clause: cix,
            default,
            except: (from, g.marks.len() as u32),
        });
        pass.odd = odd;
    }

    /// The treaties a scenario involves: those its targets, attackers, supporters or the
    /// holders of its place are parties to at some date, and those with a clause that can
    /// protect any target. Sorted; cost in proportion to what the scenario touches.
    fn relevant_treaties(&self, s: &Prepared) -> Vec<TreatyIx> {
        // (Room for the targets, attackers, supporters and a few holders at once.)
        let n = s.targets.len() + s.attackers.iter().flatten().count() + s.supporters.iter().flatten().count();
        let mut parties: Vec<PartyIx> = Vec::with_capacity(n + 4);
        parties.extend(&s.targets);
        parties.extend(
            s.attackers
                .iter()
                .flatten()
                .filter_map(|a| if let ActorIx::Party(p) = a { Some(*p) } else { None }),
        );
        parties.extend(s.supporters.iter().flatten());
        self.place_holders(s, &mut parties);
        let of = |p: &PartyIx| self.index.treaties_of.get(*p as usize).map_or(&[][..], Vec::as_slice);
        let mut out: Vec<TreatyIx> =
            Vec::with_capacity(self.index.open_treaties.len() + parties.iter().map(|p| of(p).len()).sum::<usize>());
        out.extend(&self.index.open_treaties);
        for p in &parties {
            out.extend(of(p));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Clauses of treaties the scenario does not involve that would apply if the target were a
    /// party: every treaty in force is tried, so this costs time in proportion to the library.
    pub(crate) fn survey(&self, s: &Prepared) -> Vec<WouldApply> {
        let involved = self.relevant_treaties(s);
        let bit = 1u8 << (s.event as u8);
        let mut out = Vec::new();
        for (tix, t) in self.treaties.iter().enumerate() {
            let tix = tix as TreatyIx;
            if involved.binary_search(&tix).is_ok()
                || self.in_force_at(tix, &s.date).0 == Truth::False
                || !self.reaches(s, tix, t)
            {
                continue;
            }
            for &target in &s.targets {
                for (&cix, c) in t
                    .clauses
                    .iter()
                    .filter_map(|c| self.clauses.get(*c as usize).map(|x| (c, x)))
                {
                    if c.event_mask & bit == 0 {
                        continue;
                    }
                    let f = Frame {
                        e: self,
                        s,
                        treaty: tix,
                        clause: cix,
                        target,
                        assume_target_party: true,
                        member: None,
                    };
                    let v = f.eval(c.trigger);
                    if v.0 == Truth::False {
                        continue;
                    }
                    let tid = self.party_id(target);
                    let how = if v.0 == Truth::True {
                        "would apply"
                    } else {
                        "could apply (the rest is open)"
                    };
                    out.push(WouldApply {
                        treaty: t.id.clone(),
                        clause: c.id.clone(),
                        citation: c.citation.clone(),
                        target: tid.to_string(),
                        detail: format!(
                            "{}: {how} if {tid} were a party to {}; {tid} is not",
                            c.citation, t.name
                        ),
                    });
                }
            }
        }
        out.sort_by(|a, b| (&a.treaty, &a.clause, &a.target).cmp(&(&b.treaty, &b.clause, &b.target)));
        out
    }

    /// Place `px` as it stands on day `at`: its containing places, holders and tags.
    fn place_on_day(&self, px: PlaceIx, at: &When) -> Option<PlaceOnDay> {
        let place = self.places.get(px as usize)?;
        let lx = self.lexicon();
        let holder = |role| place.holder_on(role, at).map(|p| lx.party(p).clone());
        let mut within = Vec::new();
        let mut up = place.within;
        while let Some(w) = up {
            let Some(parent) = self.places.get(w as usize) else {
                break;
            };
            if within.len() > self.places.len() {
                debug_assert!(false, "a cycle of `within` survived validation");
                break;
            }
            within.push(lx.place(self, w).id.clone());
            up = parent.within;
        }
        let words = lx.place(self, px);
        Some(PlaceOnDay {
            id: words.id.clone(),
            name: words.name.clone(),
            within,
            sovereign: holder(HolderRole::Sovereign),
            controller: holder(HolderRole::Controller),
            administrator: holder(HolderRole::Administrator),
            tags: words.tags.clone(),
        })
    }

    /// Every party that ever holds the scenario's place (sovereign, controller,
    /// administrator), appended to `out`.
    fn place_holders(&self, s: &Prepared, out: &mut Vec<PartyIx>) {
        // A place with one sovereign for all time and no other holder: read from the
        // scenario's copy, not from the place.
        if s.location.is_some() && s.place.simple {
            out.push(s.place.sovereign);
            return;
        }
        if let Some(place) = s.location.and_then(|l| self.places.get(l as usize)) {
            let lists = [
                Some(&place.sovereign),
                place.controller.as_ref(),
                place.administrator.as_ref(),
            ];
            for list in lists.into_iter().flatten() {
                out.extend(list.iter().map(|p| p.party));
            }
        }
    }

    /// The instruments left out on purpose that concern a target or a holder of the place.
    pub(crate) fn not_modelled_for(&self, s: &Prepared) -> Vec<NotModelledNote> {
        let mut who: Vec<PartyIx> = s.targets.clone();
        self.place_holders(s, &mut who);
        self.not_modelled
            .iter()
            .filter(|n| n.concerns.iter().any(|p| who.contains(p)))
            .map(|n| NotModelledNote {
                id: n.id.clone(),
                name: n.name.clone(),
                kind: n.kind.clone(),
                detail: n.why.clone(),
                source: n.source.clone(),
            })
            .collect()
    }

    /// Whether the scope of treaty `t` could reach the scenario's place: some clause (default
    /// trigger or reading) names where it applies by a place test that does not depend on the
    /// target — a list of places, a tag, a holder other than the target — and that test is not
    /// false for the place. A treaty whose clauses only protect the target's own territory
    /// (CSTO, TEU 42(7)) reaches no place a non-party holds. An unknown place is reached.
    fn reaches(&self, s: &Prepared, tix: TreatyIx, t: &Treaty) -> bool {
        if s.location.is_none() {
            return true;
        }
        let mut tests = Vec::new();
        for c in t.clauses.iter().filter_map(|c| self.clauses.get(*c as usize)) {
            self.place_tests(c.trigger, true, &mut tests);
            for r in &c.readings {
                self.place_tests(r.trigger, true, &mut tests);
            }
        }
        let Some(&target) = s.targets.first() else {
            return true;
        };
        let f = Frame {
            e: self,
            s,
            treaty: tix,
            // Place tests read no fact, so no clause's own facts are needed: none matches.
            clause: ClauseIx::MAX,
            target,
            assume_target_party: true,
            member: None,
        };
        tests.iter().any(|n| f.eval(*n).0 != Truth::False)
    }

    /// The place tests under `ix` that do not depend on the target, the attacker or the
    /// treaty's own parties, outside any `not`.
    fn place_tests(&self, ix: NodeIx, positive: bool, out: &mut Vec<NodeIx>) {
        match self.nodes.get(ix as usize) {
            Some(Node::All(kids) | Node::Any(kids)) => {
                for k in kids {
                    self.place_tests(*k, positive, out);
                }
            }
            Some(Node::Not(k)) => self.place_tests(*k, !positive, out),
            Some(Node::Location(l)) if positive => {
                let fixed = match l {
                    LTest::In(_) | LTest::Tagged(..) => true,
                    LTest::Holder(_, p, _) => !matches!(p, PTest::Target | PTest::Attacker | PTest::TreatyParty),
                    LTest::Area => false,
                };
                if fixed {
                    out.push(ix);
                }
            }
            _ => {}
        }
    }

    /// Why a treaty not in force at the scenario's date obliges nobody, in words.
    fn not_in_force(&self, s: &Prepared, t: &Treaty) -> (Reason, String) {
        let not_yet = t
            .in_force
            .as_ref()
            .is_some_and(|d| s.date.at_or_after(d) == Truth::False);
        let when = |d: Option<When>| d.map_or(String::new(), |d| d.to_string());
        if not_yet {
            return (
                Reason::TreatyNotInForce,
                format!("{} enters into force only on {}", t.name, when(t.in_force)),
            );
        }
        match &t.lapsed {
            Some((d, why)) if Some(*d) == t.terminated => (
                Reason::TreatyTerminated,
                format!("{} lapsed on {d}, when {why}", t.name),
            ),
            _ => (
                Reason::TreatyTerminated,
                format!("{} ended on {}", t.name, when(t.terminated)),
            ),
        }
    }

    /// Why one clause `c` obliges member `p` (a party, not the attacker) to nothing when its
    /// trigger is not false; `when_false` is the reason of its first obligation condition that
    /// is false, if any. A reservation's note is worded into `g`.
    fn member_code(
        &self,
        s: &Prepared,
        t: &Treaty,
        p: PartyIx,
        c: &Clause,
        when_false: Option<Code>,
        g: &mut Grouped,
    ) -> Code {
        // Nothing is owed to oneself: a target owes nothing under obligations toward the target.
        if s.targets.contains(&p) && c.obligations.iter().all(|o| o.toward == [Benef::Target]) {
            return Code::IsTarget;
        }
        if let Some(w) = when_false {
            return w;
        }
        if c.obligations
            .iter()
            .all(|o| matches!(&o.obligated, Obligors::Named(v) if !v.contains(&p)))
        {
            return Code::NotNamed;
        }
        let opted_out = t
            .reservations
            .iter()
            .find(|r| r.party == p && r.opt_out && s.date.within(r.from.as_ref(), r.to.as_ref()) == Truth::True);
        if let Some(r) = opted_out {
            let reason = if r.kind == crate::model::ReservationKind::Suspension {
                Reason::Suspended
            } else {
                Reason::Reservation
            };
            return g.word(reason, format!("{}: {}", c.citation, r.note));
        }
        Code::NoObligation
    }
}

/// The reason that settles member `p` of a treaty in force for the whole treaty, if any: it
/// is not a party on the day (`member`, whether it is), or it is the attacker.
fn wide_code(s: &Prepared, p: PartyIx, member: Val) -> Option<Code> {
    if member.0 == Truth::False {
        return Some(Code::NotAParty);
    }
    if s.attackers.as_ref().is_some_and(|a| a.contains(&ActorIx::Party(p))) {
        return Some(Code::IsAttacker);
    }
    None
}

/// The value of an `all` or an `any` as [`Frame::eval`] folds it, child by child, for a
/// condition tree that still traces every child: an `all` from true with `and`, settled by
/// its first false child; an `any` from false with `or`, settled by its first true one.
struct Fold {
    v: Val,
    all: bool,
    settled: bool,
}

impl Fold {
    fn new(all: bool) -> Fold {
        Fold {
            v: known(Truth::from(all)),
            all,
            settled: false,
        }
    }

    fn add(&mut self, c: Val) {
        if !self.settled {
            self.v = if self.all { and(self.v, c) } else { or(self.v, c) };
            self.settled = self.v.0 == Truth::from(!self.all);
        }
    }
}

/// One treaty a verdict's reasons are built for: its index and itself, whether it is in force
/// on the day, its clauses in the order of their ids, and what its frames keep of whether the
/// verdict's first target is a party to it (see `Frame::member`).
struct Involved<'a> {
    tix: TreatyIx,
    t: &'a Treaty,
    row: &'a TreatyRow,
    inf: Val,
    clauses: &'a [ClauseRow],
    member: &'a std::cell::Cell<Option<Val>>,
}

/// What one verdict's reasons are built with: the (treaty, party, clause) triples that
/// oblige, sorted (what is owed is never listed).
struct Pass<'a> {
    owed: &'a [(TreatyIx, PartyIx, ClauseIx)],
    /// For the treaty at hand (a lazy group): the members already tested, and whether a
    /// treaty-wide reason settles each, sorted by member.
    settled: Vec<(PartyIx, bool)>,
    /// Room for the members that owe under the treaty at hand.
    owing: Vec<PartyIx>,
    /// Room for the members of the clause at hand whose reason may differ from its default.
    odd: Vec<PartyIx>,
}

impl<'a> Pass<'a> {
    /// The run of `owed` under treaty `tix`, sorted by (party, clause).
    fn owed_under(&self, tix: TreatyIx) -> &'a [(TreatyIx, PartyIx, ClauseIx)] {
        let from = self.owed.partition_point(|x| x.0 < tix);
        let to = self.owed.partition_point(|x| x.0 <= tix);
        self.owed.get(from..to).unwrap_or(&[])
    }
}

/// Gives each reading difference left in `readings` to the entry that lists its party under
/// its treaty: the treaty-wide entry, else the entry of its clause; one that no entry lists
/// is dropped. Each entry's readings keep their order.
fn place_readings(g: &mut Grouped, readings: &mut BTreeMap<String, Vec<ReadingDifference>>) {
    let mut placed: Vec<(Key, Vec<ReadingDifference>)> = Vec::new();
    for (pid, list) in readings.iter_mut() {
        for r in std::mem::take(list) {
            let Some(key) = reading_key(g, pid, &r) else {
                continue;
            };
            match placed.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(r),
                None => placed.push((key, vec![r])),
            }
        }
    }
    g.readings = placed;
}

/// The entry of `g` that lists party `pid` under the treaty (and clause) of reading `r`.
fn reading_key(g: &Grouped, pid: &str, r: &ReadingDifference) -> Option<Key> {
    let lx = &*g.lx;
    let (gi, t) = g
        .treaties
        .iter()
        .enumerate()
        .find(|(_, t)| lx.treaty(t.treaty).as_str() == r.treaty)?;
    let p = lx
        .members_by_id(t.treaty)
        .iter()
        .copied()
        .find(|p| lx.party(*p).as_str() == pid)?;
    if g.code(gi, None, p).is_some() {
        return Some((gi as u32, u32::MAX, p));
    }
    let (c0, c1) = t.clauses;
    (c0..c1).find_map(|ci| {
        let c = g.clauses.get(ci as usize)?;
        (lx.clause(c.clause).as_str() == r.clause && g.code(gi, Some(c), p).is_some()).then_some((gi as u32, ci, p))
    })
}

/// The engine's ids, names and citations as [`Shared`] texts, and the orders by id that a
/// verdict's reasons are listed in: built once per engine, so that a reason costs no text,
/// and shared by the verdicts whose reasons it words ([`Grouped`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Lexicon {
    party: Vec<Shared>,
    party_name: Vec<Shared>,
    treaty: Vec<Shared>,
    treaty_name: Vec<Shared>,
    clause: Vec<Shared>,
    citation: Vec<Shared>,
    /// Per treaty, `ever` in the order of the parties' ids.
    ever_by_id: Vec<Vec<PartyIx>>,
    /// Per treaty, what its reasons read first, and its clauses' rows (see [`Rows`]).
    reasons: Rows,
    /// Per party, its place in the order of the parties' ids.
    party_rank: Vec<u32>,
    /// Per treaty, `ever` (sorted by party index, as its windows are).
    ever: Vec<Vec<PartyIx>>,
    /// The engine's windows of membership (`Engine::party_rows`) and, per treaty, where its
    /// own start and end (`Engine::treaty_party_rows`): what a verdict's list reads, when it
    /// is read, to find who is not a party on the day.
    rows: Vec<(PartyIx, i32, i32)>,
    treaty_rows: Vec<Option<(u32, u32)>>,
    /// Per treaty, the dates of its direct entries (`from`, `to`), sorted by party and, for
    /// one party, in the order of the entries: what says when a non-member joins or left.
    entries: Vec<Vec<Entry>>,
    /// Per node, what the leaf asks for in words, worded the first time a verdict needs it
    /// (see [`Lexicon::wanted`]).
    wanted: Vec<std::sync::OnceLock<Option<Shared>>>,
    /// Per node, whether it is worded (see [`Lexicon::worded`]).
    worded: Worded,
    /// Per node, the reason it gives when false, and how that is found (see [`node_blame`]).
    blame: Vec<(Reason, Blame)>,
    /// Per node whose words name its clause's treaty, those words for the first treaty a
    /// condition tree needed them for (see [`Lexicon::words_at`]).
    named: Vec<std::sync::OnceLock<(TreatyIx, Shared)>>,
    /// "all of", "any of", "not".
    lists: [Shared; 3],
    /// The name of each open thing a value can wait on, by bit: the pseudo-facts, then the
    /// facts (see [`Lexicon::dep_words`]).
    dep_names: Vec<Shared>,
    /// Per place, its id, name and tags, worded the first time a verdict names it (see
    /// [`Lexicon::place`]).
    place: Vec<std::sync::OnceLock<PlaceWords>>,
    /// Per place whose holders never change, what a reason says the scenario's place is
    /// ("the place is …"), worded the first time a verdict needs it (see [`Lexicon::located`]).
    located: Vec<std::sync::OnceLock<Shared>>,
    /// Per clause, what its sources' entries read from the engine, kept the first time a
    /// verdict obliges someone under it (see [`Lexicon::terms_of`]).
    terms: Vec<std::sync::OnceLock<Option<ClauseTerms>>>,
}

/// A place's id, name and tags (inherited ones included), as a verdict's place names them.
#[derive(Debug, Clone, Default)]
pub(crate) struct PlaceWords {
    pub id: Shared,
    pub name: Shared,
    pub tags: Vec<Shared>,
}

/// A direct entry of a treaty's members: the party, from when, until when.
type Entry = (PartyIx, Option<When>, Option<When>);

impl Lexicon {
    fn of(e: &Engine) -> Lexicon {
        let party: Vec<Shared> = e.parties.iter().map(|p| Shared::from(p.id.as_str())).collect();
        let clause: Vec<Shared> = e.clauses.iter().map(|c| Shared::from(c.id.as_str())).collect();
        let by_id = |list: &[u32], ids: &[Shared]| {
            let mut v = list.to_vec();
            v.sort_by(|a, b| ids.get(*a as usize).cmp(&ids.get(*b as usize)));
            v
        };
        let entries = |t: &Treaty| {
            let mut v: Vec<_> = t
                .members
                .iter()
                .filter_map(|m| m.party.map(|p| (p, m.from, m.to)))
                .collect();
            v.sort_by_key(|m| m.0);
            v
        };
        let treaty: Vec<Shared> = e.treaties.iter().map(|t| Shared::from(t.id.as_str())).collect();
        let rank = |ids: &[Shared]| {
            let all: Vec<u32> = (0..ids.len() as u32).collect();
            let mut ranks = vec![0; ids.len()];
            for (rank, x) in by_id(&all, ids).into_iter().enumerate() {
                if let Some(r) = ranks.get_mut(x as usize) {
                    *r = rank as u32;
                }
            }
            ranks
        };
        let party_rank = rank(&party);
        let clauses_by_id: Vec<Vec<ClauseIx>> = e.treaties.iter().map(|t| by_id(&t.clauses, &clause)).collect();
        let asks: Vec<Vec<PartyIx>> = (0..e.treaties.len() as u32).map(|t| asks(e, t)).collect();
        Lexicon {
            reasons: Rows::new(e, &rank(&treaty), &clauses_by_id, &asks),
            party_name: e.parties.iter().map(|p| Shared::from(p.name.as_str())).collect(),
            treaty,
            party_rank,
            treaty_name: e.treaties.iter().map(|t| Shared::from(t.name.as_str())).collect(),
            citation: e.clauses.iter().map(|c| Shared::from(c.citation.as_str())).collect(),
            ever_by_id: e.treaties.iter().map(|t| by_id(&t.ever, &party)).collect(),
            ever: e.treaties.iter().map(|t| t.ever.clone()).collect(),
            rows: e.party_rows.clone(),
            treaty_rows: e.treaty_party_rows.clone(),
            entries: e.treaties.iter().map(entries).collect(),
            wanted: e.nodes.iter().map(|_| std::sync::OnceLock::new()).collect(),
            worded: Worded::new(e.nodes.len()),
            blame: e.nodes.iter().map(node_blame).collect(),
            named: e.nodes.iter().map(|_| std::sync::OnceLock::new()).collect(),
            place: e.places.iter().map(|_| std::sync::OnceLock::new()).collect(),
            located: e.places.iter().map(|_| std::sync::OnceLock::new()).collect(),
            terms: e.clauses.iter().map(|_| std::sync::OnceLock::new()).collect(),
            lists: ["all of", "any of", "not"].map(Shared::from),
            dep_names: PSEUDO
                .iter()
                .map(|p| Shared::from(*p))
                .chain(e.facts.iter().map(|f| Shared::from(f.id.as_str())))
                .collect(),
            party,
            clause,
        }
    }

    fn get(list: &[Shared], ix: u32) -> &Shared {
        static UNKNOWN: std::sync::OnceLock<Shared> = std::sync::OnceLock::new();
        made(list, ix, "lexicon entry").unwrap_or_else(|| UNKNOWN.get_or_init(|| Shared::from("?")))
    }

    /// A party's id.
    pub(crate) fn party(&self, p: PartyIx) -> &Shared {
        Self::get(&self.party, p)
    }

    /// Place `px` of engine `e` in words, worded on first use.
    pub(crate) fn place(&self, e: &Engine, px: PlaceIx) -> &PlaceWords {
        static UNKNOWN: std::sync::OnceLock<PlaceWords> = std::sync::OnceLock::new();
        let Some(slot) = self.place.get(px as usize) else {
            return UNKNOWN.get_or_init(PlaceWords::default);
        };
        slot.get_or_init(|| match e.places.get(px as usize) {
            Some(p) => PlaceWords {
                id: Shared::from(p.id.as_str()),
                name: Shared::from(p.name.as_str()),
                tags: p.tag_names.iter().map(|t| Shared::from(t.as_str())).collect(),
            },
            None => PlaceWords::default(),
        })
    }

    /// What a reason says place `px` is, worded by `words` on first use (for a place whose
    /// holders never change: the words are the same on every day).
    fn located(&self, px: PlaceIx, words: impl FnOnce() -> String) -> &Shared {
        static UNKNOWN: std::sync::OnceLock<Shared> = std::sync::OnceLock::new();
        match self.located.get(px as usize) {
            Some(slot) => slot.get_or_init(|| Shared::from(words())),
            None => UNKNOWN.get_or_init(|| Shared::from("the place is unknown")),
        }
    }

    /// What the entries of clause `c` of engine `e` read, kept on first use (`None`: not a
    /// clause of the engine).
    pub(crate) fn terms_of(&self, e: &Engine, c: ClauseIx) -> Option<&ClauseTerms> {
        self.terms
            .get(c as usize)?
            .get_or_init(|| {
                let clause = e.clauses.get(c as usize)?;
                let t = e.treaties.get(clause.treaty as usize)?;
                Some(ClauseTerms {
                    treaty: clause.treaty,
                    draft: t.status == TreatyStatus::Draft,
                    obligations: clause.obligations.clone(),
                    reservations: t.reservations.clone(),
                })
            })
            .as_ref()
    }

    /// What the entries of clause `c` read, if a verdict has kept it (see
    /// [`Lexicon::terms_of`]).
    pub(crate) fn terms(&self, c: ClauseIx) -> Option<&ClauseTerms> {
        self.terms.get(c as usize)?.get()?.as_ref()
    }

    /// A party's name.
    pub(crate) fn party_name(&self, p: PartyIx) -> &Shared {
        Self::get(&self.party_name, p)
    }

    /// A treaty's id.
    pub(crate) fn treaty(&self, t: TreatyIx) -> &Shared {
        Self::get(&self.treaty, t)
    }

    /// A party's place in the order of the parties' ids.
    fn party_rank(&self, p: PartyIx) -> u32 {
        self.party_rank.get(p as usize).copied().unwrap_or(u32::MAX)
    }

    /// The reason node `ix` gives when false, and how that is found.
    fn blame(&self, ix: NodeIx) -> Option<(Reason, Blame)> {
        self.blame.get(ix as usize).copied()
    }

    /// Whether what leaf `ix` of engine `e` asks for has words ([`Lexicon::wanted`] is
    /// `Some`), worded now if not yet: once worded, asked again without reading its words.
    fn worded(&self, e: &Engine, ix: NodeIx) -> bool {
        if self.worded.has(ix) {
            return true;
        }
        let some = self.wanted(e, ix).is_some();
        if some {
            self.worded.mark(ix);
        }
        some
    }

    /// A treaty's name.
    pub(crate) fn treaty_name(&self, t: TreatyIx) -> &Shared {
        Self::get(&self.treaty_name, t)
    }

    /// A clause's id.
    pub(crate) fn clause(&self, c: ClauseIx) -> &Shared {
        Self::get(&self.clause, c)
    }

    /// A clause as cited.
    pub(crate) fn citation(&self, c: ClauseIx) -> &Shared {
        Self::get(&self.citation, c)
    }

    /// What leaf `ix` of engine `e` asks for, in words (as a condition tree shows it), worded
    /// on first use; `None` for a node whose words name the clause's treaty, or not a leaf.
    fn wanted(&self, e: &Engine, ix: NodeIx) -> Option<&Shared> {
        self.wanted
            .get(ix as usize)?
            .get_or_init(|| {
                let node = e.nodes.get(ix as usize)?;
                let words = Wording { e, treaty: u32::MAX };
                (!words_name_treaty(node)).then(|| Shared::from(words.describe(node)))
            })
            .as_ref()
    }

    /// Where the words of node `ix` of engine `e` in a condition tree of treaty `t` are kept,
    /// worded on first use; `None` for a node that names a treaty other than the one its words
    /// were first kept for (or not of the engine): the caller words it.
    pub(crate) fn words_at(&self, e: &Engine, ix: NodeIx, t: TreatyIx) -> Option<WordsAt> {
        let node = e.nodes.get(ix as usize)?;
        match node {
            Node::All(_) => Some(WordsAt::List(0)),
            Node::Any(_) => Some(WordsAt::List(1)),
            Node::Not(_) => Some(WordsAt::List(2)),
            n if words_name_treaty(n) => {
                let kept = self
                    .named
                    .get(ix as usize)?
                    .get_or_init(|| (t, Shared::from(Wording { e, treaty: t }.describe(n))));
                (kept.0 == t).then_some(WordsAt::Named(ix))
            }
            _ => self.wanted(e, ix).map(|_| WordsAt::Wanted(ix)),
        }
    }

    /// The words [`Lexicon::words_at`] said where to find (`None` for a verdict's own).
    pub(crate) fn node_words(&self, at: WordsAt) -> Option<&Shared> {
        match at {
            WordsAt::Wanted(ix) => self.wanted.get(ix as usize)?.get()?.as_ref(),
            WordsAt::Named(ix) => self.named.get(ix as usize)?.get().map(|k| &k.1),
            WordsAt::List(k) => self.lists.get(k as usize),
            WordsAt::Own(_) => None,
        }
    }

    /// What `d` waits on in words, for a clause of treaty `t` in a scenario that states the
    /// facts `scoped` for some treaty (`fact@treaty`).
    pub(crate) fn dep_words(&self, d: Deps, scoped: Deps, t: TreatyIx) -> Vec<String> {
        d.bits()
            .filter_map(|b| {
                let name = self.dep_names.get(b as usize)?;
                Some(if scoped.has(b) {
                    format!("{name}@{}", self.treaty(t))
                } else {
                    name.to_string()
                })
            })
            .collect()
    }

    /// Every party ever a party to treaty `t`, sorted by party index.
    pub(crate) fn ever(&self, t: TreatyIx) -> &[PartyIx] {
        self.ever.get(t as usize).map_or(&[], Vec::as_slice)
    }

    /// Treaty `t`'s windows of membership, sorted by party (empty when it has none).
    pub(crate) fn windows(&self, t: TreatyIx) -> &[(PartyIx, i32, i32)] {
        self.treaty_rows
            .get(t as usize)
            .copied()
            .flatten()
            .and_then(|(a, b)| self.rows.get(a as usize..b as usize))
            .unwrap_or(&[])
    }

    /// Every party ever a party to treaty `t`, in the order of their ids.
    pub(crate) fn members_by_id(&self, t: TreatyIx) -> &[PartyIx] {
        self.ever_by_id.get(t as usize).map_or(&[], Vec::as_slice)
    }

    /// For party `p`, not a party to treaty `t` at `date`: when it becomes a party (`false`)
    /// or ceased to be one (`true`), if its entries say (the last entry that says wins).
    pub(crate) fn change(&self, t: TreatyIx, p: PartyIx, date: &When) -> Option<(bool, When)> {
        let rows = self.entries.get(t as usize).map_or(&[][..], Vec::as_slice);
        let from = rows.partition_point(|r| r.0 < p);
        let mut change = None;
        for (_, join, left) in rows.get(from..).unwrap_or(&[]).iter().take_while(|r| r.0 == p) {
            if let Some(j) = join
                && date.at_or_after(j) == Truth::False
            {
                change = Some((false, *j));
            }
            if let Some(l) = left
                && date.at_or_after(l) != Truth::False
            {
                change = Some((true, *l));
            }
        }
        change
    }
}

/// The members of treaty `t` whose windows end in `query::ASK_ENTRIES`, sorted.
fn asks(e: &Engine, t: TreatyIx) -> Vec<PartyIx> {
    let rows = e.treaty_windows(t).unwrap_or(&[]);
    rows.chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.last().is_some_and(|r| (r.1, r.2) == crate::query::ASK_ENTRIES))
        .filter_map(|run| run.first().map(|r| r.0))
        .collect()
}

fn strongest<'a>(hs: impl Iterator<Item = &'a Hit>) -> Option<(Level, Status)> {
    let mut best: Option<(Level, Status)> = None;
    for h in hs {
        let cand = (h.level, h.status);
        best = match best {
            None => Some(cand),
            Some(b) => {
                let better = (cand.0.is_response(), cand.0.rank(), cand.1 == Status::Definite)
                    > (b.0.is_response(), b.0.rank(), b.1 == Status::Definite);
                Some(if better { cand } else { b })
            }
        };
    }
    best
}

#[cfg(test)]
mod tests {
    use super::{Deps, Frame, Held, node_blame, step_blame};
    use crate::time::When;

    /// What a verdict's reasons read from the rows (`eval::rows`) is what they would read from
    /// the engine, over `rules/`, `historical/1914` and draft C: each treaty's row (its rank,
    /// how many parties it ever had, its days in force, its asked members, its clauses in the
    /// order of their ids with their triggers and programs), and each step's blame, where the
    /// step alone tells, is its node's.
    #[test]
    fn reason_rows_read_as_the_engine_does() {
        let (mut steps, mut told) = (0, 0);
        for (_, e, _) in crate::shipped_rule_sets() {
            let lx = e.lexicon();
            let mut ids: Vec<&str> = e.treaties.iter().map(|t| t.id.as_str()).collect();
            ids.sort_unstable();
            for (tix, t) in e.treaties.iter().enumerate() {
                let row = lx
                    .reasons
                    .treaty(tix as u32)
                    .unwrap_or_else(|| panic!("{}: no row", t.id));
                assert_eq!(ids.get(row.rank as usize), Some(&t.id.as_str()), "rank");
                assert_eq!(row.ever as usize, t.ever.len(), "{}", t.id);
                assert_eq!(lx.reasons.asks(row), super::asks(&e, tix as u32).as_slice(), "{}", t.id);
                let mut by_id = t.clauses.clone();
                by_id.sort_by_key(|c| e.clauses.get(*c as usize).map(|c| c.id.clone()));
                let rows: Vec<u32> = lx.reasons.clauses(row).iter().map(|r| r.clause).collect();
                assert_eq!(rows, by_id, "{}", t.id);
                for r in lx.reasons.clauses(row) {
                    let h = e.clause_hot.get(r.clause as usize).expect("hot row");
                    assert_eq!(
                        (r.trigger, r.program, row.in_force),
                        (h.trigger, h.program, h.in_force),
                        "{}",
                        t.id
                    );
                }
            }
            for op in &e.program {
                steps += 1;
                if let Some(b) = step_blame(*op) {
                    told += 1;
                    let node = e.nodes.get(op.node() as usize).expect("node");
                    assert_eq!(b, node_blame(node), "{op:?} {node:?}");
                }
            }
        }
        // (Not a check that cannot fail for want of steps: about a third tell alone.)
        assert!(told * 4 > steps, "{told} of {steps}");
    }

    /// The flattened windows of membership (`Engine::party_rows`) answer as the treaty's
    /// entries do, on every day around each boundary of each treaty that has them, for every
    /// party ever a member and for two that never are; and the treaties whose members come
    /// from an organisation (the EU's 42(7), through `members_of`) have them. A party's
    /// windows read party by party (`Engine::rows_by_party`) are those of the treaty's rows.
    #[test]
    fn membership_windows_answer_as_the_entries_do() {
        let mut flattened = 0;
        for (_, e, _) in crate::shipped_rule_sets() {
            for (t, tr) in e.treaties.iter().enumerate() {
                let t = t as u32;
                if e.treaty_party_rows.get(t as usize).copied().flatten().is_none() {
                    continue;
                }
                flattened += usize::from(tr.members.iter().any(|m| m.members_of.is_some()));
                let mut bounds: Vec<&When> = Vec::new();
                for m in &tr.members {
                    bounds.extend(m.from.iter().chain(m.to.iter()));
                    if let Some(o) = m.members_of.and_then(|o| e.parties.get(o as usize)) {
                        bounds.extend(o.members.iter().flat_map(|om| om.from.iter().chain(om.to.iter())));
                    }
                }
                let mut days = vec![jiff::civil::date(1900, 1, 1), jiff::civil::date(2100, 1, 1)];
                for b in bounds {
                    let d = b.day();
                    days.extend([d.yesterday().ok(), Some(d), d.tomorrow().ok()].into_iter().flatten());
                }
                let never = [e.parties.len() as u32, 0];
                for p in tr.ever.iter().chain(never.iter().filter(|p| !tr.ever.contains(p))) {
                    let days_of = |rows: Option<&[(u32, i32, i32)]>| {
                        rows.map(|r| r.iter().map(|x| (x.1, x.2)).collect::<Vec<_>>())
                    };
                    assert_eq!(
                        days_of(e.party_windows(t, *p)),
                        days_of(e.windows_in_treaty(t, *p)),
                        "{} {}",
                        tr.id,
                        e.party_id(*p)
                    );
                    for d in &days {
                        let at = When::Day(*d);
                        assert_eq!(
                            e.is_party_at(t, *p, &at),
                            e.is_party_by_entries(t, *p, &at),
                            "{} {} {d}",
                            tr.id,
                            e.party_id(*p)
                        );
                    }
                }
            }
        }
        assert!(
            flattened > 0,
            "no treaty with members through an organisation was flattened"
        );
    }

    /// A trigger traced from its program gives the condition tree its nodes give (the same
    /// nodes in the same order, words, values and what each waits on), for every clause of
    /// `rules/` against each target of every shipped scenario that loads against it.
    #[test]
    fn a_program_traces_as_its_nodes_do() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let rules = crate::RuleSet::load(root.join("rules")).unwrap_or_else(|e| panic!("{e}"));
        let (e, _) = rules.build("rules").unwrap_or_else(|e| panic!("{e}"));
        let mut files = vec![root.join("examples/scenarios")];
        let mut prepared = Vec::new();
        while let Some(path) = files.pop() {
            if path.is_dir() {
                let dir = std::fs::read_dir(&path).unwrap_or_else(|e| panic!("{e}"));
                files.extend(dir.filter_map(|d| d.ok().map(|d| d.path())));
            } else if path.extension().is_some_and(|x| x == "yaml") {
                let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
                let s = crate::Scenario::from_yaml(&text).ok();
                prepared.extend(s.and_then(|s| e.prepare(&s).ok()));
            }
        }
        assert!(prepared.len() > 50, "only {} scenarios loaded", prepared.len());
        let lx = e.lexicon();
        let mut traced = 0;
        for s in &prepared {
            for (cix, c) in e.clauses.iter().enumerate() {
                let cix = cix as u32;
                let Some(ops) = e.clause_hot.get(cix as usize).and_then(|h| e.program_at(h.program)) else {
                    continue;
                };
                for &target in &s.targets {
                    let f = Frame {
                        e: &e,
                        s,
                        treaty: c.treaty,
                        clause: cix,
                        target,
                        assume_target_party: false,
                        member: None,
                    };
                    let (mut by_nodes, mut by_steps) = (Held::new(lx.clone()), Held::new(lx.clone()));
                    let v = f.trace(c.trigger, &mut by_nodes);
                    let (w, end) = f.trace_step(ops, 0, &mut by_steps);
                    assert_eq!(end, ops.len(), "{}", c.id);
                    assert_eq!(format!("{v:?}"), format!("{w:?}"), "{}", c.id);
                    let held = |h: &Held| format!("{:?} {:?} {:?}", h.nodes, h.deps, h.own);
                    assert_eq!(held(&by_nodes), held(&by_steps), "{}", c.id);
                    traced += 1;
                }
            }
        }
        assert!(traced > 1000, "only {traced} trees traced");
    }

    #[test]
    fn deps_list_their_bits_in_order() {
        let check = |set: &[u32]| {
            let d = set.iter().fold(Deps::NONE, |d, b| d.union(Deps::one(*b)));
            let mut expected = set.to_vec();
            expected.sort_unstable();
            expected.dedup();
            assert_eq!(d.bits().collect::<Vec<u32>>(), expected, "{set:?}");
            assert!(expected.iter().all(|b| d.has(*b)));
        };
        check(&[]);
        check(&[0]);
        check(&[255]);
        check(&[63, 64, 0, 127, 128, 191, 192, 255]);
        check(&[200, 3, 3, 77, 130]);
        check(&(0..256).collect::<Vec<u32>>());
    }
}
