//! A deliberately simple and slow reference evaluator, kept for differential testing.
//!
//! It answers the same question as [`Engine::hits`] from the same compiled rules, but shares
//! none of the evaluator's machinery: no clause index and no candidate selection (every clause
//! of every treaty is visited for every target), no precomputed list of a treaty's parties
//! (every party of the rule set is tried as an obligor), tags compared by name rather than by
//! bitset, dates compared by its own rule, and a condition evaluator written out once more,
//! with the set of open things a value waits on kept as an ordered set. The property tests run
//! both on every generated case and require the same obligations (`tests/properties.rs`).
//!
//! The same condition evaluator decides the scope of a property in `casus verify`, where a
//! value may also wait on the event, the date or the target.
//!
//! Not part of the stable API.

use std::collections::BTreeSet;

use crate::kernel::{
    ActorIx, Benef, Engine, Hit, LTest, Node, Obligation, Obligors, PTest, Place, PlaceKind, Prepared, Treaty,
    TreatyIx, forms_of, hits_under,
};
use crate::model::{HolderRole, PartyKind, TreatyStatus};
use crate::{EventKind, Form, Level, Means, On, Status, Truth, When};

/// What an unknown value waits on: the evaluator's bit numbers (pseudo-facts below 8, then
/// named facts), plus two that only a property's scope can leave open.
pub type Open = BTreeSet<u32>;

/// The target is open (a property scope evaluated before the target is chosen); above every
/// named fact.
pub const OPEN_TARGET: u32 = 1 << 20;
/// The event kind is open (likewise); above every named fact, apart from the evaluator's
/// pseudo-facts.
pub const OPEN_EVENT: u32 = OPEN_TARGET + 1;
/// The date is open (likewise).
pub const OPEN_DATE: u32 = OPEN_TARGET + 2;

/// A three-valued value with what it waits on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// The truth value.
    pub truth: Truth,
    /// What it waits on when unknown (empty otherwise).
    pub open: Open,
}

impl Value {
    fn known(t: Truth) -> Value {
        Value {
            truth: t,
            open: Open::new(),
        }
    }

    fn unknown(bit: u32) -> Value {
        Value {
            truth: Truth::Unknown,
            open: Open::from([bit]),
        }
    }

    fn not(self) -> Value {
        Value {
            truth: self.truth.not(),
            open: self.open,
        }
    }
}

/// Kleene conjunction of many values: false if any is false, else unknown if any is unknown
/// (waiting on everything the unknown ones wait on), else true.
fn all(values: impl IntoIterator<Item = Value>) -> Value {
    let values: Vec<Value> = values.into_iter().collect();
    if values.iter().any(|v| v.truth == Truth::False) {
        return Value::known(Truth::False);
    }
    let unknown: Vec<&Value> = values.iter().filter(|v| v.truth == Truth::Unknown).collect();
    if unknown.is_empty() {
        return Value::known(Truth::True);
    }
    Value {
        truth: Truth::Unknown,
        open: unknown.iter().flat_map(|v| v.open.iter().copied()).collect(),
    }
}

/// Kleene disjunction of many values.
fn any(values: impl IntoIterator<Item = Value>) -> Value {
    let values: Vec<Value> = values.into_iter().collect();
    if values.iter().any(|v| v.truth == Truth::True) {
        return Value::known(Truth::True);
    }
    let unknown: Vec<&Value> = values.iter().filter(|v| v.truth == Truth::Unknown).collect();
    if unknown.is_empty() {
        return Value::known(Truth::False);
    }
    Value {
        truth: Truth::Unknown,
        open: unknown.iter().flat_map(|v| v.open.iter().copied()).collect(),
    }
}

/// What is known of a situation. Unlike a prepared scenario, the event, the date and the
/// target may be open too.
#[derive(Debug, Clone)]
pub struct Situation {
    /// The day or instant, if known.
    pub date: Option<When>,
    /// The event kind, if known.
    pub event: Option<EventKind>,
    /// The means, if known.
    pub means: Option<Means>,
    /// The attackers, if known.
    pub attackers: Option<Vec<Attacker>>,
    /// The attacker's supporters, if known.
    pub supporters: Option<Vec<u32>>,
    /// The target evaluated for, if known (party index).
    pub target: Option<u32>,
    /// The place, if known (place index).
    pub location: Option<u32>,
    /// Where the attack was launched from, if known (place index).
    pub launched_from: Option<u32>,
    /// Whose mission the forces hit served, if known: `Some(None)` under no treaty's,
    /// `Some(Some(t))` under treaty index `t`.
    pub deployed_under: Option<Option<u32>>,
    /// What was hit, if known.
    pub on: Option<On>,
    /// Each named fact's value, by fact index; missing or `None` = unknown.
    pub facts: Vec<Option<bool>>,
}

/// An attacker: a party (by index) or a non-state actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attacker {
    /// A party of the rule set.
    Party(u32),
    /// A non-state actor.
    NonState,
}

impl Situation {
    /// The situation of a prepared scenario, for one of its targets.
    #[must_use]
    pub fn of(p: &Prepared, target: u32) -> Situation {
        Situation {
            date: Some(p.date),
            event: Some(p.event),
            means: p.means,
            attackers: p.attackers.as_ref().map(|v| {
                v.iter()
                    .map(|a| match a {
                        ActorIx::Party(x) => Attacker::Party(*x),
                        ActorIx::NonState => Attacker::NonState,
                    })
                    .collect()
            }),
            supporters: p.supporters.clone(),
            target: Some(target),
            location: p.location,
            launched_from: p.launched_from,
            deployed_under: p.deployed_under,
            on: p.on,
            facts: p.facts.clone(),
        }
    }

    /// The situation as one clause of one treaty sees it: the facts the scenario states for
    /// the treaty replace the general ones, then those it states for the clause.
    #[must_use]
    pub fn in_clause(&self, p: &Prepared, treaty: u32, clause: u32) -> Situation {
        let mut s = self.clone();
        let mut overrides: Vec<(u8, u32, bool)> = p
            .scoped
            .iter()
            .filter(|x| x.treaty == treaty && x.clause.is_none_or(|c| c == clause))
            .map(|x| (u8::from(x.clause.is_some()), x.fact, x.value))
            .collect();
        // The treaty's statements first, the clause's after them: the narrower one wins.
        overrides.sort_by_key(|o| o.0);
        for (_, f, v) in overrides {
            if let Some(slot) = s.facts.get_mut(f as usize) {
                *slot = Some(v);
            }
        }
        s
    }
}

/// Day-and-instant comparison, written out again: is `at` at or after `boundary`? Unknown
/// when the boundary is an instant on the very day `at` names.
fn at_or_after(at: &When, boundary: &When) -> Value {
    let day = |w: &When| -> jiff::civil::Date {
        match w {
            When::Day(d) => *d,
            When::Instant(t) => jiff::tz::Offset::UTC.to_datetime(*t).date(),
        }
    };
    let t = match (at, boundary) {
        (When::Instant(a), When::Instant(b)) => Truth::from(a >= b),
        (When::Day(_), When::Instant(_)) if day(at) == day(boundary) => Truth::Unknown,
        _ => Truth::from(day(at) >= day(boundary)),
    };
    match t {
        Truth::Unknown => Value::unknown(crate::kernel::DEP_TIME),
        t => Value::known(t),
    }
}

fn during(at: Option<&When>, from: Option<&When>, to: Option<&When>) -> Value {
    let Some(at) = at else {
        return Value::unknown(OPEN_DATE);
    };
    let after = from.map_or(Value::known(Truth::True), |f| at_or_after(at, f));
    let before = to.map_or(Value::known(Truth::True), |t| at_or_after(at, t).not());
    all([after, before])
}

/// The reference evaluator over an engine's compiled rules and an arena of condition nodes
/// (the engine's own, or a property's).
pub struct Reference<'a> {
    e: &'a Engine,
    nodes: &'a [Node],
}

impl<'a> Reference<'a> {
    /// Over the engine's own conditions.
    #[must_use]
    pub fn new(e: &'a Engine) -> Reference<'a> {
        Reference { e, nodes: &e.nodes }
    }

    #[cfg(feature = "verify")]
    pub(crate) fn with_nodes(e: &'a Engine, nodes: &'a [Node]) -> Reference<'a> {
        Reference { e, nodes }
    }

    fn in_force(&self, t: &Treaty, at: Option<&When>) -> Value {
        match (&t.in_force, t.status) {
            (None, TreatyStatus::Draft) => during(at, None, t.terminated.as_ref()),
            (None, _) => Value::known(Truth::False),
            (Some(f), _) => during(at, Some(f), t.terminated.as_ref()),
        }
    }

    /// Whether party `p` is a party to treaty `t` on the date: a direct membership, or a
    /// membership of an organization whose members are parties, both current.
    fn party_to(&self, t: TreatyIx, p: u32, at: Option<&When>) -> Value {
        let Some(tr) = self.e.treaties.get(t as usize) else {
            return Value::known(Truth::False);
        };
        let mut ways = Vec::new();
        for m in &tr.members {
            if m.party == Some(p) {
                ways.push(during(at, m.from.as_ref(), m.to.as_ref()));
            }
            if let Some(org) = m.members_of.and_then(|o| self.e.parties.get(o as usize)) {
                for om in org.members.iter().filter(|om| om.party == p) {
                    ways.push(all([
                        during(at, m.from.as_ref(), m.to.as_ref()),
                        during(at, om.from.as_ref(), om.to.as_ref()),
                    ]));
                }
            }
        }
        any(ways)
    }

    fn member_of(&self, org: u32, p: u32, at: Option<&When>) -> Value {
        let Some(o) = self.e.parties.get(org as usize) else {
            return Value::known(Truth::False);
        };
        any(o
            .members
            .iter()
            .filter(|m| m.party == p)
            .map(|m| during(at, m.from.as_ref(), m.to.as_ref())))
    }

    fn is_attacker(s: &Situation, p: u32) -> Value {
        match &s.attackers {
            None => Value::unknown(crate::kernel::DEP_ATTACKER),
            Some(list) => Value::known(Truth::from(list.contains(&Attacker::Party(p)))),
        }
    }

    /// A party test on a party.
    fn ptest(&self, s: &Situation, treaty: Option<TreatyIx>, t: &PTest, p: u32, at: Option<&When>) -> Value {
        match t {
            PTest::Target => match s.target {
                None => Value::unknown(OPEN_TARGET),
                Some(x) => Value::known(Truth::from(x == p)),
            },
            PTest::Attacker => Self::is_attacker(s, p),
            PTest::TreatyParty => match treaty {
                Some(tr) => self.party_to(tr, p, at),
                None => Value::known(Truth::False),
            },
            PTest::State => Value::known(Truth::from(
                self.e
                    .parties
                    .get(p as usize)
                    .is_some_and(|x| x.kind == PartyKind::State),
            )),
            PTest::NonState => Value::known(Truth::False),
            PTest::Is(v) => Value::known(Truth::from(v.contains(&p))),
            PTest::MemberOf(o) => self.member_of(*o, p, at),
            PTest::PartyTo(tr) => self.party_to(*tr, p, at),
        }
    }

    fn ptest_attacker(&self, s: &Situation, treaty: Option<TreatyIx>, t: &PTest, a: Attacker) -> Value {
        match a {
            Attacker::Party(p) => self.ptest(s, treaty, t, p, s.date.as_ref()),
            Attacker::NonState => Value::known(Truth::from(matches!(t, PTest::NonState | PTest::Attacker))),
        }
    }

    /// Whether the holder of `place` in `role` on a date passes a test. A role's own periods
    /// decide where they apply; elsewhere the next role down decides (administrator, then
    /// controller, then sovereign).
    fn holder(
        &self,
        s: &Situation,
        treaty: Option<TreatyIx>,
        place: &Place,
        role: HolderRole,
        t: &PTest,
        at: Option<&When>,
    ) -> Value {
        let (own, next) = match role {
            HolderRole::Sovereign => (Some(&place.sovereign), None),
            HolderRole::Controller => (place.controller.as_ref(), Some(HolderRole::Sovereign)),
            HolderRole::Administrator => (place.administrator.as_ref(), Some(HolderRole::Controller)),
        };
        let below = |r: Option<HolderRole>| match r {
            Some(r) => self.holder(s, treaty, place, r, t, at),
            None => Value::known(Truth::False),
        };
        let Some(periods) = own else {
            return below(next);
        };
        let held = any(periods.iter().map(|p| {
            all([
                during(at, p.from.as_ref(), p.to.as_ref()),
                self.ptest(s, treaty, t, p.party, at),
            ])
        }));
        let covered = any(periods.iter().map(|p| during(at, p.from.as_ref(), p.to.as_ref())));
        any([held, all([covered.not(), below(next)])])
    }

    fn location(&self, s: &Situation, treaty: Option<TreatyIx>, l: &LTest) -> Value {
        let Some(px) = s.location else {
            return Value::unknown(crate::kernel::DEP_LOCATION);
        };
        self.place(s, treaty, px, l)
    }

    /// Whether place `px` passes place test `l`.
    fn place(&self, s: &Situation, treaty: Option<TreatyIx>, px: u32, l: &LTest) -> Value {
        let Some(place) = self.e.places.get(px as usize) else {
            return Value::known(Truth::False);
        };
        match l {
            LTest::In(v) => Value::known(Truth::from(self.e.place_in(px, v))),
            LTest::Tagged(_, names) => Value::known(Truth::from(place.tag_names.iter().any(|t| names.contains(t)))),
            LTest::Holder(role, t, fixed) => {
                let at = fixed.as_ref().or(s.date.as_ref());
                if fixed.is_none() && s.date.is_none() {
                    return Value::unknown(OPEN_DATE);
                }
                self.holder(s, treaty, place, *role, t, at)
            }
            LTest::Area => Value::known(Truth::from(place.kind == PlaceKind::Area)),
        }
    }

    /// Evaluates condition node `ix` for a situation, in the context of a treaty (for
    /// `treaty_party`; `None` makes it false).
    #[must_use]
    pub fn condition(&self, s: &Situation, treaty: Option<TreatyIx>, ix: u32) -> Value {
        let Some(node) = self.nodes.get(ix as usize) else {
            return Value::known(Truth::False);
        };
        let mask_has = |mask: u8, bit: u8| Value::known(Truth::from(mask & (1u8 << bit) != 0));
        match node {
            Node::All(kids) => all(kids.iter().map(|k| self.condition(s, treaty, *k))),
            Node::Any(kids) => any(kids.iter().map(|k| self.condition(s, treaty, *k))),
            Node::Not(k) => self.condition(s, treaty, *k).not(),
            Node::Event(mask) => match s.event {
                None => Value::unknown(OPEN_EVENT),
                Some(e) => mask_has(*mask, e as u8),
            },
            Node::Means(mask) => match s.means {
                None => Value::unknown(crate::kernel::DEP_MEANS),
                Some(m) => mask_has(*mask, m as u8),
            },
            Node::On(mask) => match s.on {
                None => Value::unknown(crate::kernel::DEP_ON),
                Some(o) => mask_has(*mask, o as u8),
            },
            Node::Attacker(t) => match &s.attackers {
                None => Value::unknown(crate::kernel::DEP_ATTACKER),
                Some(list) => any(list.iter().map(|a| self.ptest_attacker(s, treaty, t, *a))),
            },
            Node::Attackers(n, t) => match &s.attackers {
                None => Value::unknown(crate::kernel::DEP_ATTACKER),
                Some(list) => {
                    let values: Vec<Value> = list.iter().map(|a| self.ptest_attacker(s, treaty, t, *a)).collect();
                    let yes = values.iter().filter(|v| v.truth == Truth::True).count();
                    let maybe: Vec<&Value> = values.iter().filter(|v| v.truth == Truth::Unknown).collect();
                    let n = *n as usize;
                    if yes >= n {
                        Value::known(Truth::True)
                    } else if yes + maybe.len() >= n {
                        Value {
                            truth: Truth::Unknown,
                            open: maybe.iter().flat_map(|v| v.open.iter().copied()).collect(),
                        }
                    } else {
                        Value::known(Truth::False)
                    }
                }
            },
            Node::SupportedBy(t) => match &s.supporters {
                None => Value::unknown(crate::kernel::DEP_SUPPORTED_BY),
                Some(list) => any(list.iter().map(|p| self.ptest(s, treaty, t, *p, s.date.as_ref()))),
            },
            Node::Target(t) => match s.target {
                None => Value::unknown(OPEN_TARGET),
                Some(p) => self.ptest(s, treaty, t, p, s.date.as_ref()),
            },
            Node::Location(l) => self.location(s, treaty, l),
            Node::LaunchedFrom(l) => match s.launched_from {
                None => Value::unknown(crate::kernel::DEP_LAUNCHED_FROM),
                Some(px) => self.place(s, treaty, px, l),
            },
            Node::DeployedUnder(ts) => match s.deployed_under {
                None => Value::unknown(crate::kernel::DEP_DEPLOYED_UNDER),
                Some(None) => Value::known(Truth::False),
                Some(Some(t)) => Value::known(Truth::from(ts.contains(&t))),
            },
            Node::Date(from, before) => during(s.date.as_ref(), from.as_ref(), before.as_ref()),
            Node::Fact(f) => match s.facts.get(*f as usize).copied().flatten() {
                Some(b) => Value::known(Truth::from(b)),
                None => Value::unknown(crate::kernel::FACT_BASE + f),
            },
            Node::Always(b) => Value::known(Truth::from(*b)),
        }
    }

    /// Every obligation of a prepared scenario: every clause of every treaty, for every
    /// target, under the default reading of every clause except `reading` (a clause index and
    /// the index of one of its alternative readings), tried on every party of the rule set.
    #[must_use]
    pub fn hits(&self, p: &Prepared, reading: Option<(u32, usize)>) -> Vec<RefHit> {
        let mut out = Vec::new();
        for &target in &p.targets {
            let general = Situation::of(p, target);
            for (tix, treaty) in self.e.treaties.iter().enumerate() {
                let tix = tix as TreatyIx;
                for (cix, clause) in self.e.clauses.iter().enumerate() {
                    let cix = cix as u32;
                    if clause.treaty != tix {
                        continue;
                    }
                    let s = general.in_clause(p, tix, cix);
                    let (trigger, obligations) = match reading {
                        Some((rc, ri)) if rc == cix => match clause.readings.get(ri) {
                            Some(r) => (r.trigger, &r.obligations),
                            None => (clause.trigger, &clause.obligations),
                        },
                        _ => (clause.trigger, &clause.obligations),
                    };
                    let applies = all([
                        self.in_force(treaty, s.date.as_ref()),
                        self.condition(&s, Some(tix), trigger),
                    ]);
                    if applies.truth == Truth::False {
                        continue;
                    }
                    for (oi, o) in obligations.iter().enumerate() {
                        let owed = match o.when {
                            Some(w) => all([applies.clone(), self.condition(&s, Some(tix), w)]),
                            None => applies.clone(),
                        };
                        if owed.truth == Truth::False {
                            continue;
                        }
                        let mut towards: Vec<u32> = Vec::new();
                        for b in &o.toward {
                            let parties: Vec<u32> = match b {
                                Benef::Target => vec![target],
                                Benef::Party(p) => vec![*p],
                                Benef::Attacker => s
                                    .attackers
                                    .iter()
                                    .flatten()
                                    .filter_map(|a| match a {
                                        Attacker::Party(x) => Some(*x),
                                        Attacker::NonState => None,
                                    })
                                    .collect(),
                            };
                            for p in parties {
                                if !towards.contains(&p) {
                                    towards.push(p);
                                }
                            }
                        }
                        for toward in towards {
                            self.owed(&s, tix, treaty, cix, oi, o, &owed, toward, &mut out);
                        }
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn owed(
        &self,
        s: &Situation,
        tix: TreatyIx,
        treaty: &Treaty,
        cix: u32,
        oi: usize,
        o: &Obligation,
        owed: &Value,
        toward: u32,
        out: &mut Vec<RefHit>,
    ) {
        for party in 0..self.e.parties.len() as u32 {
            let named = match &o.obligated {
                Obligors::Named(v) => v.contains(&party),
                Obligors::Others => Some(party) != s.target,
                Obligors::All => true,
            };
            let attacker = s.attackers.iter().flatten().any(|a| *a == Attacker::Party(party));
            if !named || attacker || party == toward {
                continue;
            }
            let v = all([owed.clone(), self.party_to(tix, party, s.date.as_ref())]);
            if v.truth == Truth::False {
                continue;
            }
            let mut level = o.level;
            let mut excluded = o.excluded;
            let mut opted_out = false;
            for r in &treaty.reservations {
                let applies = r.party == party
                    && (r.clauses.is_empty() || r.clauses.contains(&cix))
                    && (r.toward.is_empty() || r.toward.contains(&toward))
                    && during(s.date.as_ref(), r.from.as_ref(), r.to.as_ref()).truth == Truth::True;
                if !applies {
                    continue;
                }
                opted_out |= r.opt_out;
                if let Some(max) = r.max_level
                    && level.is_response()
                    && level.rank() > max.rank()
                {
                    level = max;
                }
                excluded |= r.exclude_forms;
            }
            if opted_out {
                continue;
            }
            out.push(RefHit {
                party,
                clause: cix,
                obligation: u16::try_from(oi).unwrap_or(u16::MAX),
                toward,
                level,
                status: if v.truth == Truth::True {
                    Status::Definite
                } else {
                    Status::Contingent
                },
                open: if v.truth == Truth::True {
                    Vec::new()
                } else {
                    v.open.into_iter().collect()
                },
                excluded: forms_of(excluded),
            });
        }
    }
}

/// One obligation, as both evaluators report it for comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RefHit {
    /// The obliged party (index).
    pub party: u32,
    /// The clause (index).
    pub clause: u32,
    /// Which obligation of the clause.
    pub obligation: u16,
    /// Toward whom (party index).
    pub toward: u32,
    /// The level after reservations.
    pub level: Level,
    /// Definite or contingent.
    pub status: Status,
    /// What a contingent obligation waits on (bit numbers).
    pub open: Vec<u32>,
    /// Forms the party's reservations exclude.
    pub excluded: Vec<Form>,
}

/// Field by field, the level by [`Level::rank`](crate::Level::rank) (`Level` is `PartialOrd` only).
impl Ord for RefHit {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (
            self.party,
            self.clause,
            self.obligation,
            self.toward,
            self.level.rank(),
            self.status,
            &self.open,
            &self.excluded,
        )
            .cmp(&(
                other.party,
                other.clause,
                other.obligation,
                other.toward,
                other.level.rank(),
                other.status,
                &other.open,
                &other.excluded,
            ))
    }
}

impl PartialOrd for RefHit {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl RefHit {
    /// The same report of one of the indexed evaluator's hits.
    #[must_use]
    pub fn of(h: &Hit) -> RefHit {
        RefHit {
            party: h.party,
            clause: h.clause,
            obligation: h.obligation,
            toward: h.toward,
            level: h.level,
            status: h.status,
            open: if h.status == Status::Definite {
                Vec::new()
            } else {
                h.deps.bits().collect()
            },
            excluded: forms_of(h.excluded),
        }
    }
}

/// The indexed evaluator's obligations for a prepared scenario under a reading choice, in the
/// same form as [`Reference::hits`].
#[must_use]
pub fn engine_hits(e: &Engine, p: &Prepared, reading: Option<(u32, usize)>) -> Vec<RefHit> {
    let mut hits = Vec::new();
    hits_under(e, p, reading, &mut hits);
    let mut v: Vec<RefHit> = hits.iter().map(RefHit::of).collect();
    v.sort();
    v.dedup();
    v
}

/// Every reading choice of an engine: `None` (every default) and each alternative reading.
#[must_use]
pub fn reading_choices(e: &Engine) -> Vec<Option<(u32, usize)>> {
    let mut v = vec![None];
    for (cix, c) in e.clauses.iter().enumerate() {
        for ri in 0..c.readings.len() {
            v.push(Some((cix as u32, ri)));
        }
    }
    v
}

/// A party's id (for reports of hits).
#[must_use]
pub fn party_id(e: &Engine, p: u32) -> String {
    e.party_id(p).to_string()
}

/// A clause's treaty id and clause id (for reports of hits).
#[must_use]
pub fn clause_id(e: &Engine, c: u32) -> (String, String) {
    let cl = e.clauses.get(c as usize);
    (
        cl.and_then(|x| e.treaties.get(x.treaty as usize))
            .map_or(String::new(), |t| t.id.clone()),
        cl.map_or(String::new(), |x| x.id.clone()),
    )
}
