//! Exposure: every class of attack that would oblige a party, the inverse of evaluation.
//!
//! For each commitment of the party at the date (obligor → beneficiary under a clause), the
//! clause's own conditions split the world into classes that it cannot tell apart: places by
//! the values of its place tests (tags, listed places, who holds them, area or territory),
//! attackers by the values of its attacker tests, what was hit and the means by the values of
//! its `on` and `means` tests. The engine then evaluates one representative of each
//! combination, for each kind of event the clause admits, and keeps those that oblige the
//! party. Facts and supporters stay open, so an answer that waits on them is contingent.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use serde::Serialize;

use crate::kernel::{
    ActorIx, ClauseIx, Deps, Engine, Hit, LTest, Node, NodeIx, PTest, PartyIx, PlaceIx, PlaceKind, Prepared, TreatyIx,
};
use crate::model::{HolderRole, PartyKind, TreatyStatus};
use crate::{EventKind, Level, Means, On, Status, Truth, When};

use super::{GraphError, Occasion, RawEdge};

/// A class of places that a clause treats alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceClass {
    /// What its places have in common that matters to the clause (`anywhere` when the clause
    /// does not look at the place).
    pub description: String,
    /// The places of the class, sorted (empty when the clause does not look at the place).
    pub places: Vec<String>,
}

/// A class of parties (attackers, or targets) that a clause treats alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartyClass {
    /// What they have in common that matters to the clause.
    pub description: String,
    /// The parties of the class, sorted (empty for `any`).
    pub parties: Vec<String>,
    /// Whether a non-state actor belongs to the class.
    pub non_state: bool,
    /// How many of them act together (more than one where the clause counts attackers).
    pub at_least: u32,
}

/// One class of attack that obliges the party, with the level and the source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExposureClass {
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
    /// The level owed.
    pub level: Level,
    /// Definite, or contingent on what `depends_on` names.
    pub status: Status,
    /// What a contingent obligation waits on.
    pub depends_on: Vec<String>,
    /// Whether the party owes it to the attacked party or to the attacker.
    pub occasion: Occasion,
    /// The parties it is owed to: the targets (or the attackers, for `attacking`).
    pub beneficiaries: Vec<String>,
    /// The kinds of event.
    pub events: Vec<EventKind>,
    /// What was hit (empty: the clause does not ask).
    pub on: Vec<On>,
    /// With what (empty: the clause does not ask).
    pub means: Vec<Means>,
    /// Where.
    pub place: PlaceClass,
    /// The other side: the attacker (or, for `attacking`, the target).
    pub counterpart: PartyClass,
}

/// Every class of attack that obliges a party at a date.
///
/// ```
/// use casus::{RuleSet, When, Level};
/// let engine = RuleSet::from_yaml(casus::doc_example())?.compile()?;
/// let x = engine.exposure("USA", When::parse("2020-01-01")?, Level::Assist)?;
/// // An armed attack on Estonia or France anywhere tagged europe obliges the United States.
/// let c = &x.classes[0];
/// assert_eq!((c.clause.as_str(), c.level), ("art5", Level::Assist));
/// assert_eq!(c.beneficiaries, ["EST", "FRA"]);
/// assert_eq!(c.place.description, "territory, tagged europe");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exposure {
    /// The party.
    pub party: String,
    /// Its name.
    pub name: String,
    /// The date.
    pub date: When,
    /// The weakest level reported.
    pub min_level: Level,
    /// Every class, sorted by treaty, clause, level and beneficiaries.
    pub classes: Vec<ExposureClass>,
    /// How many scenarios the engine evaluated to find them.
    pub evaluations: usize,
}

impl ExposureClass {
    /// ` (n parties)` when the counterpart class has several members, else nothing.
    pub(crate) fn parties_count(&self) -> String {
        let n = self.counterpart.parties.len()
            + usize::from(self.counterpart.non_state && !self.counterpart.parties.is_empty());
        if n > 1 {
            format!(" ({n} parties)")
        } else {
            String::new()
        }
    }
}

impl Exposure {
    /// The exposure as text: one block per clause, one entry per class of attack.
    /// Within `width` (see [`crate::table::Width`]) long lines wrap at word boundaries.
    #[must_use]
    pub fn to_table(&self, width: crate::table::Width) -> String {
        super::text::render_exposure(self, width)
    }

    /// The exposure as a Graphviz picture: the party and an edge to each party it owes
    /// something to, per treaty, coloured by the strongest level.
    #[must_use]
    pub fn to_dot(&self) -> String {
        super::dot::exposure_dot(self)
    }
}

/// An obligation of a clause as found for a beneficiary: index, level, reservations applied.
type Owed = (u16, crate::kernel::ByRank, u64);
/// What beneficiaries must share to be evaluated once: clause, occasion, events, obligations
/// and the values of the clause's tests on the target.
type BatchKey = (ClauseIx, Occasion, u8, Vec<Owed>, Vec<u8>);

/// The tests of one clause, by what they look at.
#[derive(Default)]
pub(crate) struct Leaves<'a> {
    places: Vec<&'a LTest>,
    attackers: Vec<&'a PTest>,
    /// The largest `attackers: {at_least: n}` count.
    at_least: u32,
    pub(crate) targets: Vec<&'a PTest>,
    on: Vec<u8>,
    means: Vec<u8>,
}

/// What a party test is evaluated against.
struct Ctx<'a> {
    e: &'a Engine,
    treaty: TreatyIx,
    target: PartyIx,
    attackers: &'a [PartyIx],
    at: When,
}

impl Ctx<'_> {
    /// A party test on a party (`None`: a non-state actor).
    fn ptest(&self, t: &PTest, p: Option<PartyIx>) -> Truth {
        let Some(p) = p else {
            return Truth::from(matches!(t, PTest::NonState));
        };
        match t {
            PTest::Target => Truth::from(p == self.target),
            PTest::Attacker => Truth::from(self.attackers.contains(&p)),
            PTest::TreatyParty => self.e.is_party_at(self.treaty, p, &self.at).0,
            PTest::State => Truth::from(
                self.e
                    .parties
                    .get(p as usize)
                    .is_some_and(|x| x.kind == PartyKind::State),
            ),
            PTest::NonState => Truth::False,
            PTest::Is(v) => Truth::from(v.contains(&p)),
            PTest::MemberOf(o) => self.e.parties.get(*o as usize).map_or(Truth::False, |org| {
                org.members
                    .iter()
                    .filter(|m| m.party == p)
                    .fold(Truth::False, |acc, m| {
                        acc.or(self.at.within(m.from.as_ref(), m.to.as_ref()))
                    })
            }),
            PTest::PartyTo(t) => self.e.is_party_at(*t, p, &self.at).0,
        }
    }

    fn ltest(&self, t: &LTest, place: PlaceIx) -> Truth {
        let Some(pl) = self.e.places.get(place as usize) else {
            return Truth::False;
        };
        match t {
            LTest::In(v) => Truth::from(self.e.place_in(place, v)),
            LTest::Tagged(bits, _) => Truth::from(bits.iter().zip(&pl.tags).any(|(a, b)| a & b != 0)),
            LTest::Holder(role, pt, fixed) => match pl.holder_on(*role, fixed.as_ref().unwrap_or(&self.at)) {
                Some(h) => self.ptest(pt, Some(h)),
                None => Truth::False,
            },
            LTest::Area => Truth::from(pl.kind == PlaceKind::Area),
        }
    }
}

/// The id of a treaty a compiled test names. The engine resolved the name when it compiled
/// the test, so the treaty exists: a missing one is a bug, which fails every test (debug
/// builds); a release build writes `?` rather than stop a whole exposure.
fn treaty_id_of_test(e: &Engine, t: TreatyIx) -> &str {
    let treaty = e.treaties.get(t as usize);
    debug_assert!(treaty.is_some(), "treaty index {t} of a compiled test is out of range");
    treaty.map_or("?", |x| x.id.as_str())
}

fn ptest_words(e: &Engine, t: &PTest) -> String {
    match t {
        PTest::Target => "the target".into(),
        PTest::Attacker => "the attacker".into(),
        PTest::TreatyParty => "a party to the treaty".into(),
        PTest::State => "a state".into(),
        PTest::NonState => "a non-state actor".into(),
        PTest::Is(v) => v.iter().map(|p| e.party_id(*p)).collect::<Vec<_>>().join(" or "),
        PTest::MemberOf(o) => format!("a member of {}", e.party_id(*o)),
        PTest::PartyTo(t) => format!("a party to {}", treaty_id_of_test(e, *t)),
    }
}

fn ltest_words(e: &Engine, t: &LTest, value: bool) -> Option<String> {
    let not = if value { "" } else { "not " };
    match t {
        LTest::In(v) => value.then(|| v.iter().map(|p| e.place_id(*p)).collect::<Vec<_>>().join(" or ")),
        LTest::Tagged(_, names) => value.then(|| format!("tagged {}", names.join(" or "))),
        LTest::Holder(role, pt, fixed) => {
            let role = match role {
                HolderRole::Sovereign => "sovereign",
                HolderRole::Controller => "controller",
                HolderRole::Administrator => "administrator",
            };
            let when = fixed.map(|d| format!(" on {d}")).unwrap_or_default();
            Some(format!("{role}{when} is {not}{}", ptest_words(e, pt)))
        }
        LTest::Area => None,
    }
}

impl Engine {
    /// The leaf tests under `roots` (places, attackers, targets, what was hit, means), the
    /// one walk of a condition tree that exposure and the panel's probes share.
    pub(crate) fn collect_leaves<'a>(&'a self, roots: impl Iterator<Item = NodeIx>, out: &mut Leaves<'a>) {
        let mut stack: Vec<NodeIx> = roots.collect();
        let mut budget = self.nodes.len() + 1;
        while let Some(n) = stack.pop() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                break;
            }
            match self.nodes.get(n as usize) {
                Some(Node::All(k) | Node::Any(k)) => stack.extend(k.iter().copied()),
                Some(Node::Not(k)) => stack.push(*k),
                Some(Node::Location(l)) => out.places.push(l),
                Some(Node::Attacker(t)) => out.attackers.push(t),
                Some(Node::Attackers(n, t)) => {
                    out.attackers.push(t);
                    out.at_least = out.at_least.max(*n);
                }
                Some(Node::Target(t)) => out.targets.push(t),
                Some(Node::On(m)) => out.on.push(*m),
                Some(Node::Means(m)) => out.means.push(*m),
                _ => {}
            }
        }
    }

    /// Every class of attack that would oblige `party` at `at` at `min_level` or above (in the
    /// order neutrality < consult < … < military), with the level and the source.
    ///
    /// # Errors
    ///
    /// [`GraphError`] when `party` names no party of the rule set.
    pub fn exposure(&self, party: &str, at: When, min_level: Level) -> Result<Exposure, GraphError> {
        let x = self.lookup_party(party)?;
        let plan = self.plan();
        let raw: Vec<RawEdge> = self
            .raw_commitments_of(&plan, x, &at)
            .into_iter()
            .filter(|r| r.key.level.rank() >= min_level.rank())
            .collect();
        // One pass per clause, beneficiary and occasion, over the events found for them.
        let mut jobs: BTreeMap<(ClauseIx, Occasion, PartyIx), (u8, Vec<Owed>)> = BTreeMap::new();
        for r in &raw {
            let job = jobs
                .entry((r.key.clause, r.key.occasion, r.key.beneficiary))
                .or_default();
            job.0 |= r.events;
            job.1
                .push((r.key.obligation, crate::kernel::ByRank(r.key.level), r.reservations));
        }
        // Beneficiaries the clause cannot tell apart are evaluated once: same events, same
        // obligations after reservations, same values of every test on the target, and no
        // test that compares a place's holder or an attacker with the target.
        let mut batches: BTreeMap<BatchKey, Vec<PartyIx>> = BTreeMap::new();
        for ((cix, occasion, y), (events, mut obligations)) in jobs {
            obligations.sort();
            let mut leaves = Leaves::default();
            let c = self.clauses.get(cix as usize);
            if let Some(c) = c {
                self.collect_leaves(
                    std::iter::once(c.trigger).chain(c.obligations.iter().filter_map(|o| o.when)),
                    &mut leaves,
                );
            }
            let relative = leaves
                .places
                .iter()
                .any(|l| matches!(l, LTest::Holder(_, t, _) if matches!(t, PTest::Target | PTest::Attacker)))
                || leaves.attackers.iter().any(|t| matches!(t, PTest::Target));
            let signature: Vec<u8> = if occasion == Occasion::Attacked && !relative {
                let ctx = Ctx {
                    e: self,
                    treaty: c.map_or(0, |c| c.treaty),
                    target: y,
                    attackers: &[],
                    at,
                };
                leaves.targets.iter().map(|t| ctx.ptest(t, Some(y)) as u8).collect()
            } else {
                // Not batched: a signature no other beneficiary shares.
                vec![u8::MAX, (y >> 24) as u8, (y >> 16) as u8, (y >> 8) as u8, y as u8]
            };
            batches
                .entry((cix, occasion, events, obligations, signature))
                .or_default()
                .push(y);
        }
        let mut finder = Finder {
            e: self,
            x,
            at,
            min_level,
            buf: Vec::new(),
            evaluations: 0,
            findings: Vec::new(),
            places: HashMap::new(),
            parties: HashMap::new(),
            by_id: {
                let mut order: Vec<PlaceIx> = (0..self.places.len() as PlaceIx).collect();
                order.sort_by(|a, b| self.place_id(*a).cmp(self.place_id(*b)));
                order
            },
        };
        for ((cix, occasion, events, _, _), ys) in batches {
            finder.clause(cix, occasion, &ys, events);
        }
        let evaluations = finder.evaluations;
        let classes = finder.rows();
        Ok(Exposure {
            party: self.party_id(x).to_string(),
            name: self.parties.get(x as usize).map_or(String::new(), |p| p.name.clone()),
            date: at,
            min_level,
            classes,
            evaluations,
        })
    }
}

/// A class of parties while it is being found: its signature, members and words.
#[derive(Clone)]
struct Group {
    signature: Vec<u8>,
    members: Vec<Option<PartyIx>>,
    description: String,
    /// 0: the clause does not look at this side (any party, left unknown).
    at_least: u32,
}

/// A class of places while it is being found.
struct PlaceGroup {
    signature: Vec<u8>,
    members: Vec<PlaceIx>,
    area: bool,
    words: Vec<String>,
}

/// One obliging combination; merged findings stand for every combination of their lists.
#[derive(Clone)]
struct Finding {
    clause: ClauseIx,
    occasion: Occasion,
    level: Level,
    definite: bool,
    deps: Deps,
    beneficiaries: BTreeSet<PartyIx>,
    events: u8,
    on: Vec<On>,
    means: Vec<Means>,
    /// `None`: the clause does not look at the place.
    place: Option<PlaceFinding>,
    counterpart: Rc<Group>,
    counterpart_members: BTreeSet<Option<PartyIx>>,
}

#[derive(Clone)]
struct PlaceFinding {
    signatures: BTreeSet<Vec<u8>>,
    members: BTreeSet<PlaceIx>,
    kinds: BTreeSet<bool>,
    words: Vec<String>,
}

/// Place classes per clause and the parties they are relative to.
type PlaceCache = HashMap<(ClauseIx, Option<PartyIx>, Vec<PartyIx>), Rc<Vec<PlaceGroup>>>;
/// Party classes per clause, occasion and the target they are relative to.
type PartyCache = HashMap<(ClauseIx, Occasion, Option<PartyIx>), Rc<Vec<Rc<Group>>>>;

struct Finder<'a> {
    e: &'a Engine,
    x: PartyIx,
    at: When,
    min_level: Level,
    buf: Vec<Hit>,
    evaluations: usize,
    findings: Vec<Finding>,
    places: PlaceCache,
    parties: PartyCache,
    /// Every place, in the order of its id: the order place groups list their members in
    /// (sorted once, not for every clause).
    by_id: Vec<PlaceIx>,
}

/// One clause and the beneficiaries it is looked at for: what its trigger and conditions
/// test, and the classes of the operations and means they tell apart.
struct ClauseLook<'l, 'a> {
    cix: ClauseIx,
    treaty: TreatyIx,
    occasion: Occasion,
    /// The beneficiaries the clause treats alike; `y`, the first, is evaluated.
    batch: &'l [PartyIx],
    y: PartyIx,
    /// The event kinds to evaluate, as a bit set.
    events: u8,
    leaves: &'l Leaves<'a>,
    ons: Vec<Vec<On>>,
    means: Vec<Vec<Means>>,
    /// Whether a place test compares the holder with the target.
    place_target: bool,
    /// Whether a place test compares the holder with the attackers.
    place_attacker: bool,
}

/// Groups values by the truth of the masks that test them.
fn mask_classes<T: Copy>(all: &[T], masks: &[u8]) -> Vec<Vec<T>> {
    if masks.is_empty() {
        return vec![Vec::new()];
    }
    let mut groups: BTreeMap<Vec<bool>, Vec<T>> = BTreeMap::new();
    for (i, v) in all.iter().enumerate() {
        let sig: Vec<bool> = masks.iter().map(|m| m & (1u8 << i) != 0).collect();
        groups.entry(sig).or_default().push(*v);
    }
    groups.into_values().collect()
}

fn uses(t: &PTest, what: &PTest) -> bool {
    std::mem::discriminant(t) == std::mem::discriminant(what)
}

impl Finder<'_> {
    fn party_groups(
        &self,
        tests: &[&PTest],
        ctx: &Ctx,
        candidates: &[Option<PartyIx>],
        at_least: u32,
    ) -> Vec<Rc<Group>> {
        let e = self.e;
        let mut by_sig: BTreeMap<Vec<u8>, Group> = BTreeMap::new();
        for &p in candidates {
            let mut sig: Vec<u8> = tests.iter().map(|t| ctx.ptest(t, p) as u8).collect();
            // A non-state actor is a class of its own.
            sig.push(u8::from(p.is_none()));
            by_sig
                .entry(sig.clone())
                .or_insert_with(|| Group {
                    signature: sig,
                    members: Vec::new(),
                    description: String::new(),
                    at_least: 1,
                })
                .members
                .push(p);
        }
        let mut out = Vec::new();
        for mut g in by_sig.into_values() {
            let non_state = g.members.contains(&None);
            let mut positive: Vec<String> = Vec::new();
            let mut negative: Vec<String> = Vec::new();
            for (t, v) in tests.iter().zip(&g.signature) {
                let w = ptest_words(e, t);
                if *v == Truth::True as u8 && !positive.contains(&w) {
                    positive.push(w);
                } else if *v == Truth::False as u8 && !negative.contains(&format!("not {w}")) {
                    negative.push(format!("not {w}"));
                }
            }
            let words = if non_state {
                vec!["a non-state actor".to_string()]
            } else if !positive.is_empty() {
                positive
            } else if !negative.is_empty() {
                negative
            } else {
                vec!["any party".to_string()]
            };
            g.description = words.join(", ");
            if at_least > 1 && g.members.len() > at_least as usize && !non_state {
                out.push(Rc::new(Group {
                    description: format!("at least {at_least} of: {}", g.description),
                    at_least,
                    ..g.clone()
                }));
            }
            out.push(Rc::new(g));
        }
        out
    }

    fn place_groups(&self, tests: &[&LTest], ctx: &Ctx) -> Vec<PlaceGroup> {
        let e = self.e;
        let mut by_sig: BTreeMap<Vec<u8>, PlaceGroup> = BTreeMap::new();
        let mut sig: Vec<u8> = Vec::with_capacity(tests.len() + 1);
        for &p in &self.by_id {
            let area = e.places.get(p as usize).is_some_and(|x| x.kind == PlaceKind::Area);
            sig.clear();
            sig.extend(tests.iter().map(|t| ctx.ltest(t, p) as u8));
            sig.push(u8::from(area));
            if let Some(g) = by_sig.get_mut(&sig) {
                g.members.push(p);
                continue;
            }
            let mut words: Vec<String> = Vec::new();
            for (t, v) in tests.iter().zip(&sig) {
                if let Some(w) = ltest_words(e, t, *v == Truth::True as u8)
                    && !words.contains(&w)
                {
                    words.push(w);
                }
            }
            by_sig.insert(
                sig.clone(),
                PlaceGroup {
                    signature: sig.clone(),
                    members: vec![p],
                    area,
                    words,
                },
            );
        }
        by_sig.into_values().collect()
    }

    /// Finds the classes of one clause for a batch of beneficiaries the clause treats alike,
    /// evaluating the first.
    fn clause(&mut self, cix: ClauseIx, occasion: Occasion, batch: &[PartyIx], events: u8) {
        let e = self.e;
        let Some(&y) = batch.first() else {
            return;
        };
        let Some(c) = e.clauses.get(cix as usize) else {
            return;
        };
        let mut leaves = Leaves::default();
        e.collect_leaves(
            std::iter::once(c.trigger).chain(c.obligations.iter().filter_map(|o| o.when)),
            &mut leaves,
        );
        let holder_is = |role: &PTest| {
            leaves
                .places
                .iter()
                .any(|l| matches!(l, LTest::Holder(_, t, _) if uses(t, role)))
        };
        let look = ClauseLook {
            cix,
            treaty: c.treaty,
            occasion,
            batch,
            y,
            events,
            ons: mask_classes(On::ALL, &leaves.on),
            means: mask_classes(Means::ALL, &leaves.means),
            place_target: holder_is(&PTest::Target),
            place_attacker: holder_is(&PTest::Attacker),
            leaves: &leaves,
        };
        let groups = self.counterparts(&look);
        for g in groups.iter() {
            self.counterpart_findings(&look, g);
        }
    }

    /// The classes of the other side of a clause: attackers when the beneficiary is attacked,
    /// targets when it attacks (cached per clause, occasion and, where the clause compares them
    /// with the target or attacker, the beneficiary).
    fn counterparts(&mut self, look: &ClauseLook<'_, '_>) -> Rc<Vec<Rc<Group>>> {
        let e = self.e;
        let (occasion, y) = (look.occasion, look.y);
        let tests: &[&PTest] = match occasion {
            Occasion::Attacked => &look.leaves.attackers,
            Occasion::Attacking => &look.leaves.targets,
        };
        let relative = tests
            .iter()
            .any(|t| uses(t, &PTest::Target) || uses(t, &PTest::Attacker));
        let gkey = (look.cix, occasion, relative.then_some(y));
        if let Some(g) = self.parties.get(&gkey) {
            return Rc::clone(g);
        }
        let g: Vec<Rc<Group>> = if tests.is_empty() && occasion == Occasion::Attacked {
            vec![Rc::new(Group {
                signature: Vec::new(),
                members: Vec::new(),
                description: "any attacker".into(),
                at_least: 0,
            })]
        } else {
            // Groups (the Great Powers of 1914) are names for conditions, not actors.
            let mut candidates: Vec<Option<PartyIx>> = (0..e.parties.len() as PartyIx)
                .filter(|p| *p != self.x)
                .filter(|p| e.parties.get(*p as usize).is_some_and(|x| x.kind != PartyKind::Group))
                .map(Some)
                .collect();
            if occasion == Occasion::Attacked {
                candidates.push(None);
            }
            let ctx = Ctx {
                e,
                treaty: look.treaty,
                target: y,
                attackers: &[],
                at: self.at,
            };
            self.party_groups(tests, &ctx, &candidates, look.leaves.at_least)
        };
        let g = Rc::new(g);
        self.parties.insert(gkey, Rc::clone(&g));
        g
    }

    /// The findings of a clause against one class of the other side: one evaluation per event,
    /// place class, operation class and means class.
    fn counterpart_findings(&mut self, look: &ClauseLook<'_, '_>, g: &Rc<Group>) {
        let (occasion, y, batch) = (look.occasion, look.y, look.batch);
        // Representatives: members other than the beneficiary (who cannot be both),
        // preferably outside the batch.
        let mut reps: Vec<Option<PartyIx>> = g.members.iter().filter(|p| **p != Some(y)).copied().collect();
        reps.sort_by_key(|p| p.is_some_and(|p| batch.contains(&p)));
        reps.truncate(g.at_least.max(1) as usize);
        if g.at_least > 0 && reps.len() < g.at_least as usize {
            return;
        }
        let (target, attackers): (PartyIx, Option<Vec<ActorIx>>) = match occasion {
            Occasion::Attacked if g.at_least == 0 => (y, None),
            Occasion::Attacked => (
                y,
                Some(
                    reps.iter()
                        .map(|p| p.map_or(ActorIx::NonState, ActorIx::Party))
                        .collect(),
                ),
            ),
            Occasion::Attacking => match reps.first().copied().flatten() {
                Some(t) => (t, Some(vec![ActorIx::Party(y)])),
                None => return,
            },
        };
        let places = self.place_classes(look, target, attackers.as_deref());
        let place_list: Vec<Option<&PlaceGroup>> = match &places {
            None => vec![None],
            Some(p) => p.iter().map(Some).collect(),
        };
        // One beneficiary cannot attack itself; over a batch the class is listed whole.
        let members: BTreeSet<Option<PartyIx>> = g
            .members
            .iter()
            .filter(|p| batch.len() > 1 || **p != Some(y))
            .copied()
            .collect();
        let beneficiaries: BTreeSet<PartyIx> = batch.iter().copied().collect();
        let e = self.e;
        for &event in EventKind::ALL
            .iter()
            .filter(|ev| look.events & (1u8 << (**ev as u8)) != 0)
        {
            for pg in &place_list {
                for on in &look.ons {
                    for m in &look.means {
                        let s = Prepared::open(e, self.at, event, target)
                            .with_attackers(attackers.clone(), None)
                            .with_means(m.first().copied())
                            .with_location(e, pg.and_then(|g| g.members.first().copied()))
                            .with_on(on.first().copied());
                        let Some((level, definite, deps)) = self.evaluate(&s, look.cix, occasion, y) else {
                            continue;
                        };
                        self.findings.push(Finding {
                            clause: look.cix,
                            occasion,
                            level,
                            definite,
                            deps,
                            beneficiaries: beneficiaries.clone(),
                            events: 1u8 << (event as u8),
                            on: on.clone(),
                            means: m.clone(),
                            place: pg.map(|p| PlaceFinding {
                                signatures: BTreeSet::from([p.signature.clone()]),
                                members: p.members.iter().copied().collect(),
                                kinds: BTreeSet::from([p.area]),
                                words: p.words.clone(),
                            }),
                            counterpart: Rc::clone(g),
                            counterpart_members: members.clone(),
                        });
                    }
                }
            }
        }
    }

    /// The place classes of a clause for one target and attackers (`None`: the clause does not
    /// look at the place), cached per clause and the parties its place tests are relative to.
    fn place_classes(
        &mut self,
        look: &ClauseLook<'_, '_>,
        target: PartyIx,
        attackers: Option<&[ActorIx]>,
    ) -> Option<Rc<Vec<PlaceGroup>>> {
        if look.leaves.places.is_empty() {
            return None;
        }
        let attacker_parties: Vec<PartyIx> = attackers
            .iter()
            .copied()
            .flatten()
            .filter_map(|a| match a {
                ActorIx::Party(p) => Some(*p),
                ActorIx::NonState => None,
            })
            .collect();
        let pkey = (
            look.cix,
            look.place_target.then_some(target),
            if look.place_attacker {
                attacker_parties.clone()
            } else {
                Vec::new()
            },
        );
        if let Some(p) = self.places.get(&pkey) {
            return Some(Rc::clone(p));
        }
        let ctx = Ctx {
            e: self.e,
            treaty: look.treaty,
            target,
            attackers: &attacker_parties,
            at: self.at,
        };
        let p = Rc::new(self.place_groups(&look.leaves.places, &ctx));
        self.places.insert(pkey, Rc::clone(&p));
        Some(p)
    }

    /// The strongest obligation of the party under the clause toward the beneficiary.
    fn evaluate(&mut self, s: &Prepared, cix: ClauseIx, occasion: Occasion, y: PartyIx) -> Option<(Level, bool, Deps)> {
        self.evaluations += 1;
        self.buf.clear();
        let &target = s.targets.first()?;
        self.e.clause_hits(s, cix, target, None, &mut self.buf);
        let toward = match occasion {
            Occasion::Attacked => crate::model::Toward::Target,
            Occasion::Attacking => crate::model::Toward::Attacker,
        };
        let h = self
            .buf
            .iter()
            .filter(|h| {
                h.party == self.x && h.clause == cix && h.toward == y && h.level.rank() >= self.min_level.rank()
            })
            .filter(|h| self.e.obligation_toward(h) == Some(toward))
            .max_by_key(|h| (h.level.is_response(), h.level.rank(), h.status == Status::Definite))?;
        let definite = h.status == Status::Definite;
        Some((h.level, definite, if definite { Deps::NONE } else { h.deps }))
    }

    /// Merges findings that differ in one dimension only, one dimension at a time, until
    /// nothing merges, so that every row stands for every combination of its lists.
    fn rows(self) -> Vec<ExposureClass> {
        let e = self.e;
        let mut v = self.findings;
        loop {
            let before = v.len();
            for dim in 0..5 {
                v = merge(v, dim);
            }
            if v.len() == before {
                break;
            }
        }
        let mut rows: Vec<ExposureClass> = v.into_iter().map(|f| row(e, f)).collect();
        rows.sort_by(|a, b| {
            (
                &a.treaty,
                &a.clause,
                std::cmp::Reverse(a.level.rank()),
                a.status,
                &a.depends_on,
            )
                .cmp(&(
                    &b.treaty,
                    &b.clause,
                    std::cmp::Reverse(b.level.rank()),
                    b.status,
                    &b.depends_on,
                ))
                .then_with(|| a.beneficiaries.cmp(&b.beneficiaries))
                .then_with(|| a.events.cmp(&b.events))
                .then_with(|| a.counterpart.description.cmp(&b.counterpart.description))
                .then_with(|| a.on.cmp(&b.on))
                .then_with(|| a.means.cmp(&b.means))
                .then_with(|| a.place.places.cmp(&b.place.places))
        });
        rows
    }
}

/// What two findings must share to merge along `dim` (0: on, 1: means, 2: events,
/// 3: beneficiaries, 4: places).
type MergeKey = (
    ClauseIx,
    Occasion,
    crate::kernel::ByRank,
    bool,
    Vec<u32>,
    Vec<u8>,
    u32,
    Vec<u8>,
    Vec<u8>,
    u8,
    Vec<PartyIx>,
    Option<BTreeSet<Vec<u8>>>,
);

fn merge(v: Vec<Finding>, dim: usize) -> Vec<Finding> {
    let key = |f: &Finding| -> MergeKey {
        (
            f.clause,
            f.occasion,
            crate::kernel::ByRank(f.level),
            f.definite,
            f.deps.bits().collect(),
            f.counterpart.signature.clone(),
            f.counterpart.at_least,
            if dim == 0 {
                Vec::new()
            } else {
                f.on.iter().map(|x| *x as u8).collect()
            },
            if dim == 1 {
                Vec::new()
            } else {
                f.means.iter().map(|x| *x as u8).collect()
            },
            if dim == 2 { 0 } else { f.events },
            if dim == 3 {
                Vec::new()
            } else {
                f.beneficiaries.iter().copied().collect()
            },
            if dim == 4 {
                None
            } else {
                f.place.as_ref().map(|p| p.signatures.clone())
            },
        )
    };
    let mut merged: BTreeMap<MergeKey, Finding> = BTreeMap::new();
    for f in v {
        match merged.entry(key(&f)) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(f);
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                let g = slot.get_mut();
                match dim {
                    0 => g.on.extend(f.on),
                    1 => g.means.extend(f.means),
                    2 => g.events |= f.events,
                    3 => g.beneficiaries.extend(f.beneficiaries),
                    _ => {}
                }
                g.on.sort();
                g.on.dedup();
                g.means.sort();
                g.means.dedup();
                if let (Some(a), Some(b)) = (g.place.as_mut(), f.place) {
                    a.members.extend(b.members);
                    if dim == 4 {
                        a.signatures.extend(b.signatures);
                        a.kinds.extend(b.kinds);
                        a.words.retain(|w| b.words.contains(w));
                    }
                }
                g.counterpart_members.extend(f.counterpart_members);
            }
        }
    }
    merged.into_values().collect()
}

fn row(e: &Engine, f: Finding) -> ExposureClass {
    let c = e.clauses.get(f.clause as usize);
    let t = c.and_then(|c| e.treaties.get(c.treaty as usize));
    let ids = |v: &mut Vec<String>| v.sort();
    let mut parties: Vec<String> = f
        .counterpart_members
        .iter()
        .flatten()
        .map(|p| e.party_id(*p).to_string())
        .collect();
    ids(&mut parties);
    let mut beneficiaries: Vec<String> = f.beneficiaries.iter().map(|p| e.party_id(*p).to_string()).collect();
    ids(&mut beneficiaries);
    // A one-member class is named by its member; merged over beneficiaries it may hold more.
    let description = if f.counterpart.members.len() == 1 && parties.len() > 1 {
        parties.join(" or ")
    } else if f.counterpart.members.len() == 1 {
        parties
            .first()
            .cloned()
            .unwrap_or_else(|| f.counterpart.description.clone())
    } else {
        f.counterpart.description.clone()
    };
    let place = match f.place {
        None => PlaceClass {
            description: "anywhere".into(),
            places: Vec::new(),
        },
        Some(p) => {
            let kind = match (p.kinds.contains(&false), p.kinds.contains(&true)) {
                (true, true) => "territory or sea or air area",
                (false, true) => "sea or air area",
                _ => "territory",
            };
            let mut places: Vec<String> = p.members.iter().map(|x| e.place_id(*x).to_string()).collect();
            ids(&mut places);
            PlaceClass {
                description: std::iter::once(kind.to_string())
                    .chain(p.words)
                    .collect::<Vec<_>>()
                    .join(", "),
                places,
            }
        }
    };
    ExposureClass {
        treaty: t.map_or(String::new(), |t| t.id.clone()),
        treaty_name: t.map_or(String::new(), |t| t.name.clone()),
        draft: t.is_some_and(|t| t.status == TreatyStatus::Draft),
        clause: c.map_or(String::new(), |c| c.id.clone()),
        citation: c.map_or(String::new(), |c| c.citation.clone()),
        level: f.level,
        status: if f.definite {
            Status::Definite
        } else {
            Status::Contingent
        },
        depends_on: e.dep_names(f.deps),
        occasion: f.occasion,
        beneficiaries,
        events: EventKind::ALL
            .iter()
            .copied()
            .filter(|ev| f.events & (1u8 << (*ev as u8)) != 0)
            .collect(),
        on: f.on,
        means: f.means,
        place,
        counterpart: PartyClass {
            description,
            non_state: f.counterpart_members.contains(&None),
            parties: if f.counterpart.at_least == 0 {
                Vec::new()
            } else {
                parties
            },
            at_least: f.counterpart.at_least.max(1),
        },
    }
}
