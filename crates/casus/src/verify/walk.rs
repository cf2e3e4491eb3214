//! The walk over the space: each class evaluated once with everything it leaves open unknown,
//! and split only on what an answer actually waits on.
//!
//! Kleene evaluation is monotone: a condition that is true or false while the place, the
//! means, what was hit, the supporters or a fact is unknown stays so whatever that value turns
//! out to be. So a cell whose obligations are all definite (or wait only on values the cell
//! has fixed as unknown) stands for every refinement of its open values at once; a cell with a
//! contingent obligation is split on one value it waits on, every value of that dimension
//! (unknown included) becoming a child cell. The attacker, the target, the event and the date
//! are never left open: an attacker is never obliged, so a known attacker is not a refinement
//! of an unknown one.
//!
//! Attackers that every test of a target's clauses answers alike differ only as obligors (an
//! attacker owes nothing): their jobs share one walk ([`Universe::run_shared`]). Its cells are
//! evaluated once with every obligor kept; each attacker's obligations are the cells' less its
//! own, and a cell splits on whatever any attacker's answer waits on. For each attacker that
//! refines its own walk only on values its answer does not wait on, so the counts are its
//! own, and each refinement's child with the value unknown is its own class again (the same
//! scenario, and the smallest counterexample with it).

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::kernel::{
    Benef, ClauseIx, DEP_DEPLOYED_UNDER, DEP_LAUNCHED_FROM, DEP_LOCATION, DEP_MEANS, DEP_ON, DEP_SUPPORTED_BY, Deps,
    Engine, FACT_BASE, Hit, PTest, PartyIx, Period, Place, PlaceIx, PlaceKind, Prepared, TreatyIx,
};
use crate::model::HolderRole;
use crate::reference::{Reference, Situation, Value};
use crate::{EventKind, Means, On, Truth, When};

use super::check::{JobProgress, WalkProgress, share};
use super::space::{Key, Rel, Universe, event_classes, means_classes, on_classes, wkey};

/// An attacker of the space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Atk {
    Unknown,
    NonState,
    Party(u32),
}

/// A value of a dimension that may still be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dim<T> {
    Open,
    Is(T),
}

/// The supporters of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sup {
    Unknown,
    Nobody,
    One(u32),
}

/// The dimensions a cell may split on, in the order it splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Split {
    Location,
    On,
    Means,
    Supporters,
    LaunchedFrom,
    DeployedUnder,
    Fact(u32),
}

/// One class of scenarios.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub target: u32,
    pub attacker: Atk,
    pub event: EventKind,
    pub date: When,
    pub location: Dim<Option<u32>>,
    /// Index of the place class (for grouping), when the location is a known place.
    pub place_class: Option<usize>,
    pub on: Dim<Option<On>>,
    pub means: Dim<Option<Means>>,
    pub supporters: Dim<Sup>,
    /// Where the attack was launched from (a place representative), or unknown.
    pub launched_from: Dim<Option<u32>>,
    /// Whose mission the forces hit served: unknown (`None`), no treaty's or that of a treaty
    /// no condition names (`Some(None)`), or the `i`th of the universe's missions.
    pub deployed_under: Dim<Option<Option<u32>>>,
    pub facts: Vec<Dim<Option<bool>>>,
    /// The product of the weights of the values fixed so far.
    pub fixed: u128,
    /// The prepared scenario per rule set, once made.
    pub prepared: Vec<Option<Prepared>>,
}

/// One evaluation of each cell: a rule set (index in the universe) under a reading choice.
#[derive(Debug, Clone)]
pub(crate) struct Eval {
    pub k: usize,
    pub reading: Option<(ClauseIx, usize)>,
    pub weight: u128,
}

/// A class of attackers.
#[derive(Debug, Clone)]
pub(crate) struct AtkClass {
    pub atk: Atk,
    pub weight: u128,
    pub members: Vec<u32>,
    /// Classes of one target with the same number here are parties that every test of the
    /// target's clauses (and of the scope) answers alike, so that they differ only as
    /// obligors: one walk may serve them all ([`Universe::run_shared`]). `None`: the class
    /// walks alone (an unknown or non-state attacker, the target itself, or a target whose
    /// clauses ask of a holder or supporter whether it is the attacker, or oblige toward it).
    pub alike: Option<u32>,
}

/// What the attacker tests and the supporter tests of a target's clauses make of a party:
/// parties with the same profile attack alike, but for what they would owe themselves.
type Profile = Vec<(u8, Vec<Key>)>;

/// A class of places.
#[derive(Debug, Clone)]
pub(crate) struct PlaceClass {
    pub rep: u32,
    /// The places of the class (empty for the classes of one date, which only count them).
    pub members: Vec<u32>,
    /// How many places the class stands for.
    pub weight: u128,
}

/// Everything about one target that every job for it shares.
pub(crate) struct TargetCtx {
    pub target: u32,
    pub members: Vec<u32>,
    pub rel: Rel,
    pub events: Vec<(EventKind, u128)>,
    pub dates: Vec<(When, u128)>,
    pub attackers: Vec<AtkClass>,
    pub on: Vec<(On, u128)>,
    pub means: Vec<(Means, u128)>,
    pub evals: Vec<Eval>,
    /// Place classes, when they do not depend on the attacker.
    pub places: Option<Vec<PlaceClass>>,
    /// Places grouped by what the clauses can tell of them and by who held them when, party
    /// by party: the place classes of any attacker merge these ([`Universe::merge_held`]).
    pub held: Vec<PlaceClass>,
    /// Per date class: the place classes coarsened to that date ([`Universe::places_on`]),
    /// made when first needed, when the place classes do not depend on the attacker.
    pub dated: Vec<OnceLock<Vec<PlaceClass>>>,
}

/// Counts of one walk.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Stats {
    /// Cells evaluated.
    pub evaluated: u64,
    /// Scenarios (weighted) in scope.
    pub in_scope: u128,
    /// Scenarios (weighted) out of scope.
    pub out_of_scope: u128,
}

impl Stats {
    pub fn add(&mut self, o: &Stats) {
        self.evaluated += o.evaluated;
        self.in_scope = self.in_scope.saturating_add(o.in_scope);
        self.out_of_scope = self.out_of_scope.saturating_add(o.out_of_scope);
    }
}

/// What a walk does with each class it settles.
pub(crate) trait Visitor {
    /// What the obligations found could still turn on: the dependencies of the contingent
    /// obligations whose fate decides the visitor's conclusion (empty: settled for every
    /// refinement of the cell).
    fn relevant(&mut self, u: &Universe, results: &[(&Eval, &[Hit])], out: &mut Vec<(usize, Deps)>);

    /// A class in scope whose every member has these obligations (per evaluation).
    fn leaf(&mut self, u: &Universe, job: &JobInfo<'_>, cell: &Cell, weight: u128, results: &[(&Eval, &[Hit])]);
}

/// What a visitor may want to know of the job a cell belongs to.
pub(crate) struct JobInfo<'a> {
    pub target: &'a TargetCtx,
    pub attacker: &'a AtkClass,
    /// The date class of the job's cells: its index among the target's dates, and the date.
    pub day: (usize, When),
    /// Whether a split on the place uses the place classes of that date.
    pub by_date: bool,
    /// Whether the cells serve several attacker classes at once ([`Universe::run_shared`]):
    /// evaluated with the attackers' own obligations kept, for the visitor to drop them
    /// attacker by attacker.
    pub shared: bool,
    /// What the scenarios the walk counts in or out of scope are multiplied by: 1 for a job
    /// (its attacker's weight is in its cells'), the attackers' weights for a shared walk
    /// (whose cells count no attacker).
    pub scale: u128,
    /// The place classes of all time and of the date, made when a cell first splits on the
    /// place ([`Universe::job_places`]).
    pub all_time: &'a OnceCell<Vec<PlaceClass>>,
    pub on_day: &'a OnceCell<Vec<PlaceClass>>,
    pub budget: &'a Budget,
    /// The job's share of the walk's progress.
    pub progress: &'a JobProgress<'a>,
}

/// The evaluations a walk may spend, shared by all its jobs (`max_evaluations`): checked at
/// every evaluation, so that a walk over too many combinations of open values stops within
/// the limit instead of running for hours.
pub(crate) struct Budget {
    /// The most evaluations.
    pub limit: u64,
    used: AtomicU64,
}

impl Budget {
    pub fn new(limit: u64) -> Budget {
        Budget {
            limit,
            used: AtomicU64::new(0),
        }
    }

    /// Takes one evaluation; `false` once the limit is spent (nothing is evaluated then).
    pub fn spend(&self) -> bool {
        self.used.fetch_add(1, Ordering::Relaxed) < self.limit
    }

    /// Whether the walk ran out.
    pub fn exceeded(&self) -> bool {
        self.used.load(Ordering::Relaxed) > self.limit
    }
}

pub(crate) fn sat_mul(a: u128, b: u128) -> u128 {
    a.saturating_mul(b)
}

impl Universe<'_> {
    /// Full sizes of the open dimensions.
    fn open_size(&self, s: Split) -> u128 {
        match s {
            Split::Location => self.places.len() as u128 + 1,
            Split::On => On::ALL.len() as u128 + 1,
            Split::Means => Means::ALL.len() as u128 + 1,
            Split::Supporters => self.parties.len() as u128 + 2,
            // Counted only where some condition reads it: elsewhere every value answers alike.
            Split::LaunchedFrom if self.launch => self.places.len() as u128 + 1,
            Split::LaunchedFrom => 1,
            Split::DeployedUnder => self
                .missions
                .as_ref()
                .map_or(1, |(named, rest)| named.len() as u128 + rest + 1),
            Split::Fact(_) => 3,
        }
    }

    pub fn weight(&self, c: &Cell) -> u128 {
        let mut w = c.fixed;
        if c.location == Dim::Open {
            w = sat_mul(w, self.open_size(Split::Location));
        }
        if c.on == Dim::Open {
            w = sat_mul(w, self.open_size(Split::On));
        }
        if c.means == Dim::Open {
            w = sat_mul(w, self.open_size(Split::Means));
        }
        if c.supporters == Dim::Open {
            w = sat_mul(w, self.open_size(Split::Supporters));
        }
        if c.launched_from == Dim::Open {
            w = sat_mul(w, self.open_size(Split::LaunchedFrom));
        }
        if c.deployed_under == Dim::Open {
            w = sat_mul(w, self.open_size(Split::DeployedUnder));
        }
        for f in &c.facts {
            if *f == Dim::Open {
                w = sat_mul(w, 3);
            }
        }
        w
    }

    /// The size of the whole space (see the module documentation of `space`).
    pub fn size(&self) -> u128 {
        let p = self.parties.len() as u128;
        let mut w = sat_mul(p, p + 2);
        w = sat_mul(w, EventKind::ALL.len() as u128);
        w = sat_mul(w, self.dates.len() as u128);
        for s in [
            Split::Location,
            Split::On,
            Split::Means,
            Split::Supporters,
            Split::LaunchedFrom,
            Split::DeployedUnder,
        ] {
            w = sat_mul(w, self.open_size(s));
        }
        for _ in &self.facts {
            w = sat_mul(w, 3);
        }
        sat_mul(w, self.readings_total)
    }

    /// The shared context of target `t`.
    pub fn target_ctx(&self, t: u32, members: Vec<u32>, readings: bool) -> TargetCtx {
        let rel = self.relevance(t);
        let events = event_classes(&rel);
        let dates = self.date_classes(&rel);
        let on = on_classes(&rel);
        let means = means_classes(&rel);
        let attackers = self.attacker_classes(t, &rel);
        let mut evals = Vec::new();
        for k in 0..self.views.len() {
            if readings && k == 0 {
                let mut alts = Vec::new();
                if let Some(v) = self.views.first() {
                    for &cix in rel.clauses.first().map(Vec::as_slice).unwrap_or(&[]) {
                        if let Some(c) = v.e.clauses.get(cix as usize) {
                            for ri in 0..c.readings.len() {
                                alts.push(Eval {
                                    k: 0,
                                    reading: Some((cix, ri)),
                                    weight: 1,
                                });
                            }
                        }
                    }
                }
                evals.push(Eval {
                    k: 0,
                    reading: None,
                    weight: self.readings_total.saturating_sub(alts.len() as u128),
                });
                evals.extend(alts);
            } else {
                evals.push(Eval {
                    k,
                    reading: None,
                    weight: 1,
                });
            }
        }
        let held = self.held_classes(&rel);
        let places = if rel.holder_attacker {
            None
        } else {
            Some(self.merge_held(t, &rel, Atk::Unknown, &held))
        };
        TargetCtx {
            target: t,
            members,
            dated: dates.iter().map(|_| OnceLock::new()).collect(),
            rel,
            events,
            dates,
            attackers,
            on,
            means,
            evals,
            places,
            held,
        }
    }

    fn pk(&self, k: usize, u: u32) -> PartyIx {
        self.views
            .get(k)
            .and_then(|v| v.party.get(u as usize).copied())
            .unwrap_or(0)
    }

    /// The attackers of target `t` grouped by what the target's clauses can tell of them: the
    /// target, the parties the clauses name and, when a clause tests who holds a place against
    /// the attacker, every holder of a place stand alone; every other party is grouped by its
    /// kind and what the attacker and supporter tests make of it. What a party holds matters
    /// only through such holder tests, so parties no rule names are not told apart by their
    /// holdings here (a state with 24 provinces and one with 18 attack alike).
    fn attacker_classes(&self, t: u32, rel: &Rel) -> Vec<AtkClass> {
        #[derive(PartialEq, Eq, PartialOrd, Ord)]
        enum AKey {
            Id(u32),
            Profile(Profile),
        }
        let holds = self.place_holders(rel);
        let mut groups: BTreeMap<AKey, Vec<u32>> = BTreeMap::new();
        for u in 0..self.parties.len() as u32 {
            let key = if u == t || rel.identity.contains(&u) || holds.contains(&u) {
                AKey::Id(u)
            } else {
                AKey::Profile(self.attacker_profile(t, rel, u))
            };
            groups.entry(key).or_default().push(u);
        }
        let share = may_share(&self.views, rel);
        let mut profiles: BTreeMap<Profile, u32> = BTreeMap::new();
        let mut out = vec![
            AtkClass {
                atk: Atk::Unknown,
                weight: 1,
                members: Vec::new(),
                alike: None,
            },
            AtkClass {
                atk: Atk::NonState,
                weight: 1,
                members: Vec::new(),
                alike: None,
            },
        ];
        let mut parties: Vec<AtkClass> = groups
            .into_iter()
            .filter_map(|(key, m)| {
                let rep = m.first().copied()?;
                let alike = (share && rep != t).then(|| {
                    let profile = match key {
                        AKey::Profile(p) => p,
                        AKey::Id(_) => self.attacker_profile(t, rel, rep),
                    };
                    let next = profiles.len() as u32;
                    *profiles.entry(profile).or_insert(next)
                });
                Some(AtkClass {
                    atk: Atk::Party(rep),
                    weight: m.len() as u128,
                    members: m,
                    alike,
                })
            })
            .collect();
        parties.sort_by_key(|c| c.atk);
        out.extend(parties);
        out
    }

    /// Every holder of a place, when a clause tests who holds a place against the attacker
    /// (each stands alone as an attacker then); empty otherwise.
    fn place_holders(&self, rel: &Rel) -> BTreeSet<u32> {
        let mut s = BTreeSet::new();
        if !rel.holder_attacker {
            return s;
        }
        for (k, v) in self.views.iter().enumerate() {
            for p in &v.e.places {
                for ps in std::iter::once(&p.sovereign)
                    .chain(p.controller.iter())
                    .chain(p.administrator.iter())
                {
                    for x in ps {
                        s.extend(self.upart(k, x.party));
                    }
                }
            }
        }
        s
    }

    /// What target `t`'s attacker and supporter tests make of party `u` as the attacker, rule
    /// set by rule set, with its kind.
    fn attacker_profile(&self, t: u32, rel: &Rel, u: u32) -> Profile {
        self.views
            .iter()
            .enumerate()
            .map(|(k, v)| {
                let p = self.pk(k, u);
                let kind = v.e.parties.get(p as usize).map_or(0, |x| x.kind as u8);
                let tests = rel
                    .attacker_tests
                    .get(k)
                    .into_iter()
                    .flatten()
                    .chain(rel.supporter_tests.get(k).into_iter().flatten());
                (kind, tests.map(|x| self.key(k, x, p, self.pk(k, t), &[p])).collect())
            })
            .collect()
    }

    /// What the target's clauses can tell of place `px` of rule set `k` apart from its
    /// holders: whether it is an area, its tested tags, and the listed places it is or lies
    /// within.
    fn place_facets(&self, k: usize, px: PlaceIx, rel: &Rel) -> (u8, Vec<String>, Vec<u32>) {
        let Some(v) = self.views.get(k) else {
            return (0, Vec::new(), Vec::new());
        };
        let e = v.e;
        let Some(place) = e.places.get(px as usize) else {
            return (0, Vec::new(), Vec::new());
        };
        let tags: Vec<String> = place
            .tag_names
            .iter()
            .filter(|x| rel.tags.contains(*x))
            .cloned()
            .collect();
        // Called for every place and every target: the universe index of each ancestor is
        // looked up by engine index (`uplace`), not by a search of the ids, and not at all
        // when no clause lists places.
        let ident: Vec<u32> = if rel.in_places.is_empty() {
            Vec::new()
        } else {
            e.place_and_ancestors(px)
                .filter_map(|p| v.uplace.get(p as usize).copied().flatten())
                .filter(|x| rel.in_places.contains(x))
                .collect()
        };
        (u8::from(place.kind == PlaceKind::Area), tags, ident)
    }

    /// What every holder test of the target's clauses makes of party `p` of rule set `k`.
    fn holder_keys(&self, k: usize, rel: &Rel, p: PartyIx, t: u32, a: Atk) -> Vec<Key> {
        let tk = self.pk(k, t);
        let ak: Vec<PartyIx> = match a {
            Atk::Party(x) => vec![self.pk(k, x)],
            _ => Vec::new(),
        };
        rel.holder_tests
            .get(k)
            .into_iter()
            .flatten()
            .map(|test| self.key(k, test, p, tk, &ak))
            .collect()
    }

    /// Places grouped by what the target's clauses can tell of them apart from their holders,
    /// and by their holders' periods, party by party. Every place class of any attacker is a
    /// union of these, so [`Universe::merge_held`] looks at one place per group instead of
    /// every place for each attacker.
    pub fn held_classes(&self, rel: &Rel) -> Vec<PlaceClass> {
        type Held = Vec<(super::space::WKey, super::space::WKey, PartyIx)>;
        type HeldKey = Vec<(u8, Vec<String>, Vec<u32>, Vec<Option<Held>>)>;
        let mut groups: BTreeMap<HeldKey, Vec<u32>> = BTreeMap::new();
        for u in 0..self.places.len() as u32 {
            let key = self
                .views
                .iter()
                .enumerate()
                .map(|(k, v)| {
                    let px = v.place.get(u as usize).copied().unwrap_or(0);
                    let Some(place) = v.e.places.get(px as usize) else {
                        return (0, Vec::new(), Vec::new(), Vec::new());
                    };
                    let (area, tags, ident) = self.place_facets(k, px, rel);
                    let held = |ps: &[Period]| -> Held {
                        ps.iter()
                            .map(|x| (wkey(x.from.as_ref()), wkey(x.to.as_ref()), x.party))
                            .collect()
                    };
                    let holders = if rel.holders {
                        vec![
                            Some(held(&place.sovereign)),
                            place.controller.as_deref().map(held),
                            place.administrator.as_deref().map(held),
                        ]
                    } else {
                        Vec::new()
                    };
                    (area, tags, ident, holders)
                })
                .collect();
            groups.entry(key).or_default().push(u);
        }
        groups
            .into_values()
            .filter_map(|m| {
                m.first().copied().map(|rep| PlaceClass {
                    rep,
                    weight: m.len() as u128,
                    members: m,
                })
            })
            .collect()
    }

    /// The groups `held` ([`Universe::held_classes`]) merged where the target's clauses cannot
    /// tell their holders apart for attacker `a`: the place classes of all time. Each class
    /// lists its places in order and stands for its first.
    pub fn merge_held(&self, t: u32, rel: &Rel, a: Atk, held: &[PlaceClass]) -> Vec<PlaceClass> {
        type PeriodsKey = Vec<(super::space::WKey, super::space::WKey, Vec<Key>)>;
        type PlaceKey = Vec<(u8, Vec<String>, Vec<u32>, Vec<Option<PeriodsKey>>)>;
        let mut groups: BTreeMap<PlaceKey, Vec<u32>> = BTreeMap::new();
        // What the holder tests make of a party is the same for every place it holds.
        let mut memo: BTreeMap<(usize, PartyIx), Vec<Key>> = BTreeMap::new();
        for hc in held {
            let key = self
                .views
                .iter()
                .enumerate()
                .map(|(k, v)| {
                    let px = v.place.get(hc.rep as usize).copied().unwrap_or(0);
                    let Some(place) = v.e.places.get(px as usize) else {
                        return (0, Vec::new(), Vec::new(), Vec::new());
                    };
                    let (area, tags, ident) = self.place_facets(k, px, rel);
                    let mut holder = |ps: &[Period]| -> PeriodsKey {
                        ps.iter()
                            .map(|x| {
                                let keys = memo
                                    .entry((k, x.party))
                                    .or_insert_with(|| self.holder_keys(k, rel, x.party, t, a))
                                    .clone();
                                (wkey(x.from.as_ref()), wkey(x.to.as_ref()), keys)
                            })
                            .collect()
                    };
                    let holders = if rel.holders {
                        vec![
                            Some(holder(&place.sovereign)),
                            place.controller.as_deref().map(&mut holder),
                            place.administrator.as_deref().map(&mut holder),
                        ]
                    } else {
                        Vec::new()
                    };
                    (area, tags, ident, holders)
                })
                .collect();
            groups.entry(key).or_default().extend(hc.members.iter().copied());
        }
        let mut out: Vec<PlaceClass> = groups
            .into_values()
            .filter_map(|mut m| {
                m.sort_unstable();
                m.first().copied().map(|rep| PlaceClass {
                    rep,
                    weight: m.len() as u128,
                    members: m,
                })
            })
            .collect();
        out.sort_by_key(|c| c.rep);
        out
    }

    /// The place classes `classes` (of target `t` and attacker `a`) merged where the target's
    /// clauses cannot tell them apart on `date`: a place's holders count as they are on that
    /// date (and on the fixed dates of holder tests), not over all time. Two places that
    /// changed hands on different days are one class on a day when the same party holds both.
    /// Exact for the scenarios of that date; the classes only count their places (`members`
    /// is empty), and each stands for its first place.
    pub fn places_on(&self, t: u32, rel: &Rel, a: Atk, date: &When, classes: &[PlaceClass]) -> Vec<PlaceClass> {
        let counted = |rep: u32, weight: u128| PlaceClass {
            rep,
            members: Vec::new(),
            weight,
        };
        if !rel.holders {
            return classes.iter().map(|c| counted(c.rep, c.weight)).collect();
        }
        let days: Vec<When> = std::iter::once(*date).chain(rel.fixed_dates.iter().copied()).collect();
        type Chain = Vec<(u8, Vec<Key>)>;
        let mut memo: BTreeMap<(usize, PartyIx), Vec<Key>> = BTreeMap::new();
        type DayKey = Vec<(u8, Vec<String>, Vec<u32>, Vec<Chain>)>;
        let mut groups: BTreeMap<DayKey, (u32, u128)> = BTreeMap::new();
        for pc in classes {
            let key = self
                .views
                .iter()
                .enumerate()
                .map(|(k, v)| {
                    let px = v.place.get(pc.rep as usize).copied().unwrap_or(0);
                    let (area, tags, ident) = self.place_facets(k, px, rel);
                    let mut chains = Vec::new();
                    if let Some(place) = v.e.places.get(px as usize) {
                        let mut keys = |p: PartyIx| {
                            memo.entry((k, p))
                                .or_insert_with(|| self.holder_keys(k, rel, p, t, a))
                                .clone()
                        };
                        for day in &days {
                            for role in [HolderRole::Sovereign, HolderRole::Controller, HolderRole::Administrator] {
                                let mut chain = Vec::new();
                                holder_chain(place, role, day, &mut keys, &mut chain);
                                chains.push(chain);
                            }
                        }
                    }
                    (area, tags, ident, chains)
                })
                .collect();
            let slot = groups.entry(key).or_insert((pc.rep, 0));
            slot.0 = slot.0.min(pc.rep);
            slot.1 = slot.1.saturating_add(pc.weight);
        }
        let mut out: Vec<PlaceClass> = groups.into_values().map(|(rep, w)| counted(rep, w)).collect();
        out.sort_by_key(|c| c.rep);
        out
    }

    fn supporter_classes(&self, t: u32, rel: &Rel, a: Atk) -> Vec<(u32, u128)> {
        let mut groups: BTreeMap<Vec<(u8, Vec<Key>)>, Vec<u32>> = BTreeMap::new();
        for u in 0..self.parties.len() as u32 {
            let key = self
                .views
                .iter()
                .enumerate()
                .map(|(k, v)| {
                    let p = self.pk(k, u);
                    let kind = v.e.parties.get(p as usize).map_or(0, |x| x.kind as u8);
                    let ak: Vec<PartyIx> = match a {
                        Atk::Party(x) => vec![self.pk(k, x)],
                        _ => Vec::new(),
                    };
                    let keys = rel
                        .supporter_tests
                        .get(k)
                        .into_iter()
                        .flatten()
                        .map(|test| self.key(k, test, p, self.pk(k, t), &ak))
                        .collect();
                    (kind, keys)
                })
                .collect();
            groups.entry(key).or_default().push(u);
        }
        let mut out: Vec<(u32, u128)> = groups
            .into_values()
            .filter_map(|m| m.first().map(|rep| (*rep, m.len() as u128)))
            .collect();
        out.sort_unstable();
        out
    }

    /// The prepared scenario of a cell for rule set `k` (through the scenario, so that the
    /// preparation is the engine's own).
    pub fn prepared(&self, k: usize, c: &Cell) -> Option<Prepared> {
        let v = self.views.get(k)?;
        let mut s = self.scenario(c);
        s.deployed_under = None;
        // A fact only the other rule set knows stays unknown here.
        s.facts.retain(|name, _| {
            self.facts
                .binary_search(name)
                .is_ok_and(|u| v.fact.get(u).is_some_and(Option::is_some))
        });
        let mut p = v.e.prepare(&s).ok()?;
        p.deployed_under = self.mission_in(k, c);
        Some(p)
    }

    /// A cell's mission as rule set `k` knows it: a treaty it lacks is no treaty's mission
    /// there (no condition of it can name that treaty).
    pub fn mission_in(&self, k: usize, c: &Cell) -> Option<Option<TreatyIx>> {
        match c.deployed_under {
            Dim::Open | Dim::Is(None) => None,
            Dim::Is(Some(m)) => Some(m.and_then(|i| {
                let id = self.missions.as_ref()?.0.get(i as usize)?;
                self.views.get(k)?.e.treaty_ix.get(id).copied()
            })),
        }
    }

    /// The scope's value for what is known so far (`None` fields open).
    pub fn scope_value(&self, t: u32, event: Option<EventKind>, atk: Option<Atk>, cell: Option<&Cell>) -> Value {
        let (Some(scope), Some(v)) = (&self.scope, self.views.first()) else {
            return Value {
                truth: Truth::True,
                open: BTreeSet::new(),
            };
        };
        let s = match cell {
            Some(c) => match self.prepared(0, c) {
                Some(p) => Situation::of(&p, self.pk(0, t)),
                None => {
                    return Value {
                        truth: Truth::False,
                        open: BTreeSet::new(),
                    };
                }
            },
            None => Situation {
                date: None,
                event,
                means: None,
                attackers: atk.and_then(|a| match a {
                    Atk::Unknown => None,
                    Atk::NonState => Some(vec![crate::reference::Attacker::NonState]),
                    Atk::Party(u) => Some(vec![crate::reference::Attacker::Party(self.pk(0, u))]),
                }),
                supporters: None,
                target: Some(self.pk(0, t)),
                location: None,
                launched_from: None,
                deployed_under: None,
                on: None,
                facts: vec![None; v.e.facts.len()],
            },
        };
        Reference::with_nodes(v.e, scope.nodes).condition(&s, scope.treaty, scope.root)
    }

    /// The scope's value for a prepared cell.
    fn scope_of(&self, t: u32, p: &Prepared) -> Value {
        let (Some(scope), Some(v)) = (&self.scope, self.views.first()) else {
            return Value {
                truth: Truth::True,
                open: BTreeSet::new(),
            };
        };
        let s = Situation::of(p, self.pk(0, t));
        Reference::with_nodes(v.e, scope.nodes).condition(&s, scope.treaty, scope.root)
    }

    /// The open dimension a dependency bit of rule set `k` stands for.
    fn split_of(&self, k: usize, bit: u32, c: &Cell) -> Option<Split> {
        let s = match bit {
            DEP_LOCATION => Split::Location,
            DEP_ON => Split::On,
            DEP_MEANS => Split::Means,
            DEP_SUPPORTED_BY => Split::Supporters,
            DEP_LAUNCHED_FROM => Split::LaunchedFrom,
            DEP_DEPLOYED_UNDER => Split::DeployedUnder,
            b if (FACT_BASE..crate::reference::OPEN_TARGET).contains(&b) => Split::Fact(
                self.views
                    .get(k)?
                    .ufact
                    .get((b - FACT_BASE) as usize)
                    .copied()
                    .flatten()?,
            ),
            _ => return None,
        };
        let open = match s {
            Split::Location => c.location == Dim::Open,
            Split::On => c.on == Dim::Open,
            Split::Means => c.means == Dim::Open,
            Split::Supporters => c.supporters == Dim::Open,
            Split::LaunchedFrom => c.launched_from == Dim::Open,
            Split::DeployedUnder => c.deployed_under == Dim::Open,
            Split::Fact(u) => c.facts.get(u as usize) == Some(&Dim::Open),
        };
        open.then_some(s)
    }

    /// Runs one job: every date of target `tc` for one event and attacker class. With
    /// `by_date`, a class split on the place has the place classes of its date
    /// ([`Universe::places_on`]); otherwise those of all time, whose members a diff names.
    /// Stops early, leaving the job unfinished, when `budget` runs out. Adds the job's
    /// [`WalkProgress::JOB`] units to `walked` as its cells finish.
    #[allow(clippy::too_many_arguments)]
    pub fn run_job<V: Visitor>(
        &self,
        tc: &TargetCtx,
        event: (EventKind, u128),
        atk: &AtkClass,
        (by_date, walked): (bool, Option<&WalkProgress>),
        budget: &Budget,
        visitor: &mut V,
        stats: &mut Stats,
    ) {
        self.run_dates(tc, event, (atk, false, 1), (by_date, walked), budget, visitor, stats);
    }

    /// Runs the jobs of the attacker classes `atks` of target `tc` (classes with the same
    /// [`AtkClass::alike`]) for one event as one walk, with the place classes of each date:
    /// its cells are evaluated once, as if the first class attacked but with its own
    /// obligations kept ([`JobInfo::shared`]), and split on whatever any of them waits on;
    /// the visitor judges each leaf attacker by attacker. The cells' weights count no
    /// attacker: the visitor weighs each attacker's scenarios, and the scenarios in and out
    /// of scope are the cells' times the classes' weights.
    #[allow(clippy::too_many_arguments)]
    pub fn run_shared<V: Visitor>(
        &self,
        tc: &TargetCtx,
        event: (EventKind, u128),
        atks: &[&AtkClass],
        walked: Option<&WalkProgress>,
        budget: &Budget,
        visitor: &mut V,
        stats: &mut Stats,
    ) {
        let Some(first) = atks.first() else { return };
        let scale = atks.iter().fold(0u128, |w, a| w.saturating_add(a.weight));
        self.run_dates(tc, event, (first, true, scale), (true, walked), budget, visitor, stats);
    }

    /// Walks every date of target `tc` for one event and attacker class `atk`: alone, or
    /// (`shared`) for the classes of a shared walk whose weights add up to `scale`.
    #[allow(clippy::too_many_arguments)]
    fn run_dates<V: Visitor>(
        &self,
        tc: &TargetCtx,
        event: (EventKind, u128),
        (atk, shared, scale): (&AtkClass, bool, u128),
        (by_date, walked): (bool, Option<&WalkProgress>),
        budget: &Budget,
        visitor: &mut V,
        stats: &mut Stats,
    ) {
        let mut supporters: Option<Vec<(u32, u128)>> = None;
        let own = if shared { 1 } else { atk.weight };
        let base = sat_mul(sat_mul(tc.members.len() as u128, event.1), own);
        let mut hits: Vec<Vec<Hit>> = vec![Vec::new(); tc.evals.len()];
        let all_time = OnceCell::new();
        let progress = JobProgress::new(walked);
        for (i, &(date, dw)) in tc.dates.iter().enumerate() {
            if budget.exceeded() {
                break;
            }
            let on_day = OnceCell::new();
            let job = JobInfo {
                target: tc,
                attacker: atk,
                day: (i, date),
                by_date,
                shared,
                scale,
                all_time: &all_time,
                on_day: &on_day,
                budget,
                progress: &progress,
            };
            let units = share(WalkProgress::JOB, tc.dates.len(), i);
            let cell = Cell {
                target: tc.target,
                attacker: atk.atk,
                event: event.0,
                date,
                location: Dim::Open,
                place_class: None,
                on: Dim::Open,
                means: Dim::Open,
                supporters: Dim::Open,
                launched_from: Dim::Open,
                deployed_under: Dim::Open,
                facts: vec![Dim::Open; self.facts.len()],
                fixed: sat_mul(base, dw),
                prepared: vec![None; self.views.len()],
            };
            self.walk(&job, (cell, units), visitor, stats, &mut supporters, &mut hits);
        }
        if tc.dates.is_empty() {
            progress.finished(WalkProgress::JOB);
        }
        progress.flush();
    }

    /// The place classes a cell of `job` splits on: with `by_date`, those of its date
    /// ([`Universe::places_on`]), otherwise those of all time. Made when first needed, since
    /// most cells never split on the place.
    pub fn job_places<'j, 'a: 'j>(&self, job: &'j JobInfo<'a>) -> &'j [PlaceClass] {
        let tc = job.target;
        let atk = job.attacker.atk;
        let all: &'j [PlaceClass] = match &tc.places {
            Some(p) => p,
            None => job
                .all_time
                .get_or_init(|| self.merge_held(tc.target, &tc.rel, atk, &tc.held)),
        };
        if !job.by_date {
            return all;
        }
        let (i, date) = job.day;
        match (&tc.places, tc.dated.get(i)) {
            (Some(_), Some(cache)) => cache.get_or_init(|| self.places_on(tc.target, &tc.rel, atk, &date, all)),
            _ => job
                .on_day
                .get_or_init(|| self.places_on(tc.target, &tc.rel, atk, &date, all)),
        }
    }

    /// Walks `cell`, which stands for `units` of its job's progress: a cell that does not
    /// split counts them as finished; one that splits shares them out over its children.
    fn walk<V: Visitor>(
        &self,
        job: &JobInfo<'_>,
        (cell, units): (Cell, u64),
        visitor: &mut V,
        stats: &mut Stats,
        supporters: &mut Option<Vec<(u32, u128)>>,
        hits: &mut [Vec<Hit>],
    ) {
        let split = self.visit(job, cell, visitor, stats, supporters, hits);
        let Some(children) = split else {
            // A cell the budget stopped is not done.
            if !job.budget.exceeded() {
                job.progress.finished(units);
            }
            return;
        };
        let n = children.len();
        if n == 0 {
            job.progress.finished(units);
        }
        for (i, c) in children.into_iter().enumerate() {
            self.walk(job, (c, share(units, n, i)), visitor, stats, supporters, hits);
        }
    }

    /// Evaluates `cell`: counts it when no open value matters, or returns the children it
    /// splits into.
    fn visit<V: Visitor>(
        &self,
        job: &JobInfo<'_>,
        mut cell: Cell,
        visitor: &mut V,
        stats: &mut Stats,
        supporters: &mut Option<Vec<(u32, u128)>>,
        hits: &mut [Vec<Hit>],
    ) -> Option<Vec<Cell>> {
        if !job.budget.spend() {
            return None;
        }
        stats.evaluated += 1;
        for k in 0..self.views.len() {
            if cell.prepared.get(k).is_some_and(Option::is_none) {
                let mut p = self.prepared(k, &cell);
                if job.shared
                    && let Some(p) = p.as_mut()
                {
                    p.attackers_obliged = true;
                }
                if let Some(slot) = cell.prepared.get_mut(k) {
                    *slot = p;
                }
            }
        }
        let split = self.settle(job, &cell, visitor, stats, hits)?;
        Some(self.children(job, &cell, split, supporters))
    }

    /// Settles a prepared `cell` when no open value matters to the scope or to the visitor
    /// (counting it in or out of scope, and showing it to the visitor when in): `None`.
    /// Otherwise the dimension it splits on first.
    fn settle<V: Visitor>(
        &self,
        job: &JobInfo<'_>,
        cell: &Cell,
        visitor: &mut V,
        stats: &mut Stats,
        hits: &mut [Vec<Hit>],
    ) -> Option<Split> {
        let scope = match cell.prepared.first().and_then(Option::as_ref) {
            Some(p) if self.scope.is_some() => self.scope_of(cell.target, p),
            Some(_) => Value {
                truth: Truth::True,
                open: BTreeSet::new(),
            },
            None => Value {
                truth: Truth::False,
                open: BTreeSet::new(),
            },
        };
        if scope.truth == Truth::False {
            let w = sat_mul(sat_mul(self.weight(cell), factor(&job.target.evals)), job.scale);
            stats.out_of_scope = stats.out_of_scope.saturating_add(w);
            return None;
        }
        let mut open: BTreeSet<Split> = BTreeSet::new();
        if scope.truth == Truth::Unknown {
            open.extend(scope.open.iter().filter_map(|b| self.split_of(0, *b, cell)));
        }
        if open.is_empty() {
            for (ev, out) in job.target.evals.iter().zip(hits.iter_mut()) {
                out.clear();
                let (Some(v), Some(Some(p))) = (self.views.get(ev.k), cell.prepared.get(ev.k)) else {
                    continue;
                };
                self.hits_kept(ev.k, v.e, p, ev.reading, out);
            }
            let results: Vec<(&Eval, &[Hit])> = job
                .target
                .evals
                .iter()
                .zip(hits.iter())
                .map(|(e, h)| (e, h.as_slice()))
                .collect();
            let mut deps = Vec::new();
            visitor.relevant(self, &results, &mut deps);
            for (k, d) in deps {
                open.extend(d.bits().filter_map(|b| self.split_of(k, b, cell)));
            }
            if open.is_empty() {
                let w = self.weight(cell);
                let scenarios = sat_mul(sat_mul(w, factor(&job.target.evals)), job.scale);
                if scope.truth == Truth::True {
                    stats.in_scope = stats.in_scope.saturating_add(scenarios);
                    visitor.leaf(self, job, cell, w, &results);
                } else {
                    stats.out_of_scope = stats.out_of_scope.saturating_add(scenarios);
                }
                return None;
            }
        }
        open.first().copied()
    }

    /// The children `cell` splits into on `split`: every value of that dimension (unknown
    /// included), each weighted by how many values it stands for.
    fn children(
        &self,
        job: &JobInfo<'_>,
        cell: &Cell,
        split: Split,
        supporters: &mut Option<Vec<(u32, u128)>>,
    ) -> Vec<Cell> {
        let mut children: Vec<Cell> = Vec::new();
        let child = |f: &dyn Fn(&mut Cell), w: u128| -> Cell {
            let mut c = cell.clone();
            f(&mut c);
            c.fixed = sat_mul(c.fixed, w);
            self.sync(&mut c, split);
            c
        };
        match split {
            Split::Location => {
                children.push(child(&|c| c.location = Dim::Is(None), 1));
                for (i, pc) in self.job_places(job).iter().enumerate() {
                    children.push(child(
                        &|c| {
                            c.location = Dim::Is(Some(pc.rep));
                            c.place_class = Some(i);
                        },
                        pc.weight,
                    ));
                }
            }
            Split::On => {
                children.push(child(&|c| c.on = Dim::Is(None), 1));
                for &(o, w) in &job.target.on {
                    children.push(child(&|c| c.on = Dim::Is(Some(o)), w));
                }
            }
            Split::Means => {
                children.push(child(&|c| c.means = Dim::Is(None), 1));
                for &(m, w) in &job.target.means {
                    children.push(child(&|c| c.means = Dim::Is(Some(m)), w));
                }
            }
            Split::Supporters => {
                children.push(child(&|c| c.supporters = Dim::Is(Sup::Unknown), 1));
                children.push(child(&|c| c.supporters = Dim::Is(Sup::Nobody), 1));
                let classes = supporters
                    .get_or_insert_with(|| self.supporter_classes(cell.target, &job.target.rel, cell.attacker));
                for &(s, w) in classes.iter() {
                    children.push(child(&|c| c.supporters = Dim::Is(Sup::One(s)), w));
                }
            }
            Split::LaunchedFrom => {
                children.push(child(&|c| c.launched_from = Dim::Is(None), 1));
                for pc in self.job_places(job) {
                    children.push(child(&|c| c.launched_from = Dim::Is(Some(pc.rep)), pc.weight));
                }
            }
            Split::DeployedUnder => {
                children.push(child(&|c| c.deployed_under = Dim::Is(None), 1));
                if let Some((named, rest)) = &self.missions {
                    children.push(child(&|c| c.deployed_under = Dim::Is(Some(None)), *rest));
                    for i in 0..named.len() as u32 {
                        children.push(child(&|c| c.deployed_under = Dim::Is(Some(Some(i))), 1));
                    }
                }
            }
            Split::Fact(u) => {
                for v in [None, Some(true), Some(false)] {
                    children.push(child(
                        &|c| {
                            if let Some(slot) = c.facts.get_mut(u as usize) {
                                *slot = Dim::Is(v);
                            }
                        },
                        1,
                    ));
                }
            }
        }
        children
    }

    /// The hits of rule set `k` (engine `e`) in `p` under a reading choice, of the clauses
    /// [`Universe::keep`] keeps only: the others cannot change the answer.
    fn hits_kept(&self, k: usize, e: &Engine, p: &Prepared, reading: Option<(ClauseIx, usize)>, out: &mut Vec<Hit>) {
        let Some(keep) = self.keep.as_deref().filter(|_| k == 0) else {
            super::hits_under(e, p, reading, out);
            return;
        };
        out.clear();
        for &t in &p.targets {
            for cix in e.candidates(t, p.event) {
                if keep.get(cix as usize).copied().unwrap_or(true) {
                    let alternative = reading.and_then(|(rc, ri)| (rc == cix).then_some(ri));
                    e.clause_hits(p, cix, t, alternative, out);
                }
            }
        }
    }

    /// Brings a child's prepared scenarios in line with the value just fixed (a new place is
    /// prepared again from the scenario; the other values are set in place).
    fn sync(&self, c: &mut Cell, split: Split) {
        let missions: Vec<Option<Option<TreatyIx>>> = if split == Split::DeployedUnder {
            (0..c.prepared.len()).map(|k| self.mission_in(k, c)).collect()
        } else {
            Vec::new()
        };
        for (k, slot) in c.prepared.iter_mut().enumerate() {
            let Some(p) = slot.as_mut() else { continue };
            match split {
                Split::Location | Split::LaunchedFrom => *slot = None,
                Split::On => {
                    p.on = match c.on {
                        Dim::Is(o) => o,
                        Dim::Open => None,
                    };
                }
                Split::Means => {
                    p.means = match c.means {
                        Dim::Is(m) => m,
                        Dim::Open => None,
                    };
                }
                Split::DeployedUnder => p.deployed_under = missions.get(k).copied().flatten(),
                Split::Supporters => {
                    p.supporters = match c.supporters {
                        Dim::Open | Dim::Is(Sup::Unknown) => None,
                        Dim::Is(Sup::Nobody) => Some(Vec::new()),
                        Dim::Is(Sup::One(u)) => Some(vec![self.pk(k, u)]),
                    };
                }
                Split::Fact(u) => {
                    let fx = self
                        .views
                        .get(k)
                        .and_then(|v| v.fact.get(u as usize).copied().flatten());
                    if let (Some(fx), Some(Dim::Is(b))) = (fx, c.facts.get(u as usize))
                        && let Some(f) = p.facts.get_mut(fx as usize)
                    {
                        *f = *b;
                    }
                }
            }
        }
    }
}

/// Whether attackers of one target with the same profile ([`AtkClass::alike`]) can share a
/// walk: the target's clauses must tell them apart only as obligors. They cannot when a test
/// of a place's holder or of a supporter asks whether it is the attacker (the place and
/// supporter classes then depend on the attacker), or when an obligation of a clause the walk
/// evaluates runs toward the attacker.
fn may_share(views: &[super::space::View<'_>], rel: &Rel) -> bool {
    let asks =
        |tests: &[Vec<(PTest, Option<TreatyIx>)>]| tests.iter().flatten().any(|(t, _)| matches!(t, PTest::Attacker));
    if rel.holder_attacker || asks(&rel.holder_tests) || asks(&rel.supporter_tests) {
        return false;
    }
    let toward_attacker = views.iter().zip(&rel.clauses).any(|(v, clauses)| {
        clauses.iter().any(|cix| {
            v.e.clauses.get(*cix as usize).is_some_and(|c| {
                c.obligations
                    .iter()
                    .chain(c.readings.iter().flat_map(|r| r.obligations.iter()))
                    .any(|o| o.toward.iter().any(|b| matches!(b, Benef::Attacker)))
            })
        })
    });
    !toward_attacker
}

/// How many scenarios one cell stands for per unit of weight: the reading choices of the
/// first rule set (a diff evaluates two rule sets but counts each scenario once).
pub(crate) fn factor(evals: &[Eval]) -> u128 {
    evals
        .iter()
        .filter(|e| e.k == 0)
        .map(|e| e.weight)
        .fold(0u128, u128::saturating_add)
}

/// Who holds `place` in `role` on `at`, as the evaluator reads it (`Frame::holder`): each
/// period that may cover the day (with how surely), what the holder tests make of its party,
/// and, unless a period surely covers the day, the next role's chain after a marker.
fn holder_chain(
    place: &Place,
    role: HolderRole,
    at: &When,
    keys: &mut dyn FnMut(PartyIx) -> Vec<Key>,
    out: &mut Vec<(u8, Vec<Key>)>,
) {
    let own: &[Period] = match role {
        HolderRole::Sovereign => &place.sovereign,
        HolderRole::Controller => place.controller.as_deref().unwrap_or(&[]),
        HolderRole::Administrator => place.administrator.as_deref().unwrap_or(&[]),
    };
    let fallback = match role {
        HolderRole::Sovereign => None,
        HolderRole::Controller => Some(HolderRole::Sovereign),
        HolderRole::Administrator => Some(HolderRole::Controller),
    };
    let mut covered = Truth::False;
    for period in own {
        let within = at.within(period.from.as_ref(), period.to.as_ref());
        if within == Truth::False {
            continue;
        }
        covered = covered.or(within);
        out.push((within as u8, keys(period.party)));
    }
    if let Some(next) = fallback
        && covered != Truth::True
    {
        out.push((u8::MAX, Vec::new()));
        holder_chain(place, next, at, keys, out);
    }
}
