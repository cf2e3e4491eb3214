//! The finite scenario space of one or more rule sets, and its collapse into classes.
//!
//! The space is every single-target, single-attacker scenario: each party as target; each
//! party, a non-state actor or an unknown attacker; each event kind; one date per interval
//! between the dates where any rule changes (an entry into force, an accession, a change of
//! control; for a boundary given as an instant also the instant itself and the second before
//! it); each place or an unknown place; each kind of what was hit, each means, or unknown;
//! an unknown supporter, none, or each party; each named fact that a condition tests as true,
//! false or unknown; and, where a property asks for it, each reading.
//!
//! Parties, places, event kinds, dates, means and what was hit are collapsed into classes that
//! no condition can tell apart: for a given target, two attackers are merged when every test
//! the relevant clauses make of an attacker gives the same answer at every date and neither is
//! an obligor; two places when they carry the same tested tags and the same holders over time
//! (as far as the tests of holders can tell); parties that no rule names are merged when their
//! holdings look alike, and so on. A class is checked once and counts for all its members.

use std::collections::{BTreeMap, BTreeSet};

use crate::kernel::{
    Clause, ClauseIx, Engine, FactIx, LTest, Node, NodeIx, Obligors, PTest, PartyIx, Period, PlaceIx, Treaty, TreatyIx,
};
use crate::model::PartyKind;
use crate::{EventKind, Means, On, Truth, When};

/// One engine's view of the universe: universe index → engine index.
pub(crate) struct View<'a> {
    pub e: &'a Engine,
    pub party: Vec<PartyIx>,
    pub place: Vec<PlaceIx>,
    pub fact: Vec<Option<FactIx>>,
    /// Engine party index → universe index.
    pub upart: Vec<Option<u32>>,
    /// Engine place index → universe index.
    pub uplace: Vec<Option<u32>>,
    /// Engine fact index → universe index.
    pub ufact: Vec<Option<u32>>,
}

/// A property's scope: a condition over engine 0.
pub(crate) struct Scope<'a> {
    pub nodes: &'a [Node],
    pub root: NodeIx,
    pub treaty: Option<TreatyIx>,
}

/// The parties, places and facts common to the rule sets compared, by id.
pub(crate) struct Universe<'a> {
    pub views: Vec<View<'a>>,
    pub parties: Vec<String>,
    pub places: Vec<String>,
    pub facts: Vec<String>,
    /// Parties and places that only some of the rule sets have (left out of the space).
    pub left_out: (usize, usize),
    pub scope: Option<Scope<'a>>,
    /// Parties the property names (universe indices).
    pub named_extra: Vec<u32>,
    /// Date representatives of the whole space.
    pub dates: Vec<When>,
    /// Anonymous classes: for each universe party, its class id (None: named).
    pub anon: Vec<Option<u32>>,
    pub anon_members: Vec<Vec<u32>>,
    pub readings_total: u128,
    /// Whether some condition (of a rule set or the scope) reads where the attack was
    /// launched from: only then is it a dimension of the space.
    pub launch: bool,
    /// Whose mission the forces hit served, when some condition reads it (`deployed_under`):
    /// the treaties some condition names, by id, and the weight of the rest (no treaty's
    /// mission, or that of a treaty no condition names: alike for every condition). `None`
    /// when no condition reads it: then it is no dimension of the space.
    pub missions: Option<(Vec<String>, u128)>,
    /// Per clause of the first rule set: whether its hits can matter to the property walked
    /// (`Requirement::may_see`); `None` (a diff, or no property) keeps every clause. A clause
    /// left out is neither evaluated nor read for what tells scenarios apart.
    pub keep: Option<Vec<bool>>,
}

/// The treaties `deployed_under` conditions name (by id, sorted) and how many other values
/// the scenario's `deployed_under` can take (`none` and every other treaty of the rule sets);
/// `None` when no condition reads it.
fn missions(engines: &[&Engine], scope: Option<&Scope>) -> Option<(Vec<String>, u128)> {
    let mut named = BTreeSet::new();
    let mut reads = false;
    let scope_nodes = scope.map(|s| (s.nodes, engines.first()));
    let arenas = engines.iter().map(|e| (e.nodes.as_slice(), Some(e))).chain(scope_nodes);
    for (nodes, e) in arenas {
        for n in nodes {
            if let Node::DeployedUnder(ts) = n {
                reads = true;
                named.extend(
                    ts.iter()
                        .filter_map(|t| e.and_then(|e| e.treaties.get(*t as usize)).map(|t| t.id.clone())),
                );
            }
        }
    }
    if !reads {
        return None;
    }
    let all: BTreeSet<&str> = engines
        .iter()
        .flat_map(|e| e.treaties.iter().map(|t| t.id.as_str()))
        .collect();
    let rest = 1 + all.iter().filter(|t| !named.contains(**t)).count() as u128;
    Some((named.into_iter().collect(), rest))
}

/// A date, comparable and hashable (days before instants of the same second).
pub(crate) type WKey = (u8, i64);

pub(crate) fn wkey(w: Option<&When>) -> WKey {
    match w {
        None => (0, 0),
        Some(When::Day(_)) => (1, w.map_or(0, When::sort_key)),
        Some(When::Instant(t)) => (2, t.as_second()),
    }
}

/// A membership period, and the organization's membership period it goes through.
pub(crate) type PeriodKey = (WKey, WKey, Option<(WKey, WKey)>);

/// What one test makes of one party: enough to tell whether two parties answer alike.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Key {
    Bool(bool),
    Kind(u8),
    Periods(Vec<PeriodKey>),
}

/// Whether clause `c` counts attackers somewhere (`attackers: {at_least: 2}` and more), in its
/// triggers or its obligations' conditions.
fn counts_attackers(e: &Engine, c: &Clause) -> bool {
    let mut roots = vec![c.trigger];
    roots.extend(c.readings.iter().map(|r| r.trigger));
    roots.extend(
        c.obligations
            .iter()
            .chain(c.readings.iter().flat_map(|r| r.obligations.iter()))
            .filter_map(|o| o.when),
    );
    let mut reached = Vec::new();
    for r in roots {
        reach(&e.nodes, r, &mut reached);
    }
    reached
        .iter()
        .any(|n| matches!(e.nodes.get(*n as usize), Some(Node::Attackers(x, _)) if *x >= 2))
}

/// Every node reachable from `root` in an arena.
fn reach(nodes: &[Node], root: NodeIx, out: &mut Vec<NodeIx>) {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        out.push(n);
        match nodes.get(n as usize) {
            Some(Node::All(k) | Node::Any(k)) => stack.extend(k.iter().copied()),
            Some(Node::Not(k)) => stack.push(*k),
            _ => {}
        }
    }
}

/// What the clauses that can concern one target (and a property's scope) look at.
#[derive(Debug, Default, Clone)]
pub(crate) struct Rel {
    /// Per engine: the clauses that can oblige anyone for this target.
    pub clauses: Vec<Vec<ClauseIx>>,
    pub event_masks: BTreeSet<u8>,
    pub means_masks: BTreeSet<u8>,
    pub on_masks: BTreeSet<u8>,
    pub facts: BTreeSet<u32>,
    /// Per engine: tests of attackers, holders, supporters, with the treaty they are read in.
    pub attacker_tests: Vec<Vec<(PTest, Option<TreatyIx>)>>,
    pub holder_tests: Vec<Vec<(PTest, Option<TreatyIx>)>>,
    pub supporter_tests: Vec<Vec<(PTest, Option<TreatyIx>)>>,
    pub tags: BTreeSet<String>,
    pub in_places: BTreeSet<u32>,
    pub holders: bool,
    pub holder_attacker: bool,
    pub count_tests: bool,
    pub boundaries: Vec<When>,
    /// The fixed dates holder tests read the holders on (`controller: {on: DATE}`).
    pub fixed_dates: Vec<When>,
    pub identity: BTreeSet<u32>,
}

impl<'a> View<'a> {
    /// Engine `e`'s view of the universe's parties, places and facts (by id).
    fn of(e: &'a Engine, parties: &[String], places: &[String], facts: &[String]) -> View<'a> {
        let party: Vec<PartyIx> = parties
            .iter()
            .map(|id| e.party_ix.get(id).copied().unwrap_or(0))
            .collect();
        let mut upart = vec![None; e.parties.len()];
        for (u, p) in party.iter().enumerate() {
            if let Some(slot) = upart.get_mut(*p as usize) {
                *slot = Some(u as u32);
            }
        }
        let fact: Vec<Option<FactIx>> = facts.iter().map(|id| e.fact_ix.get(id).copied()).collect();
        let mut ufact = vec![None; e.facts.len()];
        for (u, f) in fact.iter().enumerate() {
            if let Some(f) = f
                && let Some(slot) = ufact.get_mut(*f as usize)
            {
                *slot = Some(u as u32);
            }
        }
        let mut uplace = vec![None; e.places.len()];
        for (u, id) in places.iter().enumerate() {
            if let Some(slot) = e.place_ix.get(id).and_then(|px| uplace.get_mut(*px as usize)) {
                *slot = Some(u as u32);
            }
        }
        View {
            e,
            party,
            place: places
                .iter()
                .map(|id| e.place_ix.get(id).copied().unwrap_or(0))
                .collect(),
            fact,
            upart,
            uplace,
            ufact,
        }
    }
}

/// Every fact some condition tests, in any of the rule sets or the scope, by id, sorted.
fn tested_facts(engines: &[&Engine], scope: Option<&Scope>) -> Vec<String> {
    let mut facts = BTreeSet::new();
    for e in engines {
        for n in &e.nodes {
            if let Node::Fact(f) = n
                && let Some(x) = e.facts.get(*f as usize)
            {
                facts.insert(x.id.clone());
            }
        }
    }
    if let (Some(s), Some(e)) = (scope, engines.first()) {
        for n in s.nodes {
            if let Node::Fact(f) = n
                && let Some(x) = e.facts.get(*f as usize)
            {
                facts.insert(x.id.clone());
            }
        }
    }
    facts.into_iter().collect()
}

impl<'a> Universe<'a> {
    pub fn new(engines: &[&'a Engine], scope: Option<Scope<'a>>, named: &[PartyIx], readings: bool) -> Universe<'a> {
        let common = |ids: &dyn Fn(&Engine) -> Vec<String>| -> (Vec<String>, usize) {
            let mut sets: Vec<BTreeSet<String>> = engines.iter().map(|e| ids(e).into_iter().collect()).collect();
            let all: BTreeSet<String> = sets.iter().flatten().cloned().collect();
            let first = sets.pop().unwrap_or_default();
            let both: Vec<String> = first
                .into_iter()
                .filter(|x| sets.iter().all(|s| s.contains(x)))
                .collect();
            let left = all.len() - both.len();
            (both, left)
        };
        let (parties, lp) = common(&|e| e.parties.iter().map(|p| p.id.clone()).collect());
        let (places, ll) = common(&|e| e.places.iter().map(|p| p.id.clone()).collect());
        let facts = tested_facts(engines, scope.as_ref());
        let launch = engines
            .iter()
            .flat_map(|e| e.nodes.iter())
            .chain(scope.iter().flat_map(|s| s.nodes.iter()))
            .any(|n| matches!(n, Node::LaunchedFrom(_)));
        let missions = missions(engines, scope.as_ref());
        let views = engines.iter().map(|e| View::of(e, &parties, &places, &facts)).collect();
        let mut u = Universe {
            views,
            parties,
            places,
            facts,
            left_out: (lp, ll),
            scope,
            named_extra: Vec::new(),
            dates: Vec::new(),
            anon: Vec::new(),
            anon_members: Vec::new(),
            readings_total: 1,
            launch,
            missions,
            keep: None,
        };
        u.named_extra = named
            .iter()
            .filter_map(|p| {
                u.views
                    .first()
                    .and_then(|v| v.upart.get(*p as usize).copied().flatten())
            })
            .collect();
        if readings && let Some(v) = u.views.first() {
            u.readings_total = 1 + v.e.clauses.iter().map(|c| c.readings.len() as u128).sum::<u128>();
        }
        u.dates = u.global_dates();
        u.anonymous();
        u
    }

    /// The universe index of engine `k`'s party.
    pub fn upart(&self, k: usize, p: PartyIx) -> Option<u32> {
        self.views
            .get(k)
            .and_then(|v| v.upart.get(p as usize).copied().flatten())
    }

    /// Every date a rule of any of the rule sets (or the scope) compares the scenario's date
    /// with, as one representative per interval.
    fn global_dates(&self) -> Vec<When> {
        let mut b: Vec<When> = Vec::new();
        for v in &self.views {
            all_whens(v.e, &mut b);
        }
        if let Some(s) = &self.scope {
            for n in s.nodes {
                node_whens(n, &mut b);
            }
        }
        representatives(&b)
    }

    /// Marks the parties no rule names, and groups them by kind and holdings.
    fn anonymous(&mut self) {
        let mut named: BTreeSet<u32> = self.named_extra.iter().copied().collect();
        for (k, v) in self.views.iter().enumerate() {
            let e = v.e;
            let mut add = |p: PartyIx| {
                if let Some(u) = self.upart(k, p) {
                    named.insert(u);
                }
            };
            for p in &e.parties {
                for m in &p.members {
                    add(m.party);
                }
            }
            for (px, p) in e.parties.iter().enumerate() {
                if !p.members.is_empty() {
                    add(px as PartyIx);
                }
            }
            for t in &e.treaties {
                for m in &t.members {
                    m.party.into_iter().chain(m.members_of).for_each(&mut add);
                }
                t.ever.iter().copied().for_each(&mut add);
                for r in &t.reservations {
                    add(r.party);
                    r.toward.iter().copied().for_each(&mut add);
                }
            }
            for c in &e.clauses {
                for o in c
                    .obligations
                    .iter()
                    .chain(c.readings.iter().flat_map(|r| r.obligations.iter()))
                {
                    if let Obligors::Named(ps) = &o.obligated {
                        ps.iter().copied().for_each(&mut add);
                    }
                }
            }
            let mut ptest = |t: &PTest| match t {
                PTest::Is(v) => v.iter().copied().for_each(&mut add),
                PTest::MemberOf(o) => add(*o),
                _ => {}
            };
            let arenas: Vec<&[Node]> = if k == 0 {
                std::iter::once(e.nodes.as_slice())
                    .chain(self.scope.as_ref().map(|s| s.nodes))
                    .collect()
            } else {
                vec![e.nodes.as_slice()]
            };
            for n in arenas.into_iter().flatten() {
                match n {
                    Node::Attacker(t) | Node::Attackers(_, t) | Node::SupportedBy(t) | Node::Target(t) => ptest(t),
                    Node::Location(LTest::Holder(_, t, _)) | Node::LaunchedFrom(LTest::Holder(_, t, _)) => ptest(t),
                    _ => {}
                }
            }
        }
        let mut classes: BTreeMap<Vec<(u8, Vec<String>)>, Vec<u32>> = BTreeMap::new();
        let mut anon = vec![None; self.parties.len()];
        for u in 0..self.parties.len() as u32 {
            if named.contains(&u) {
                continue;
            }
            let key: Vec<(u8, Vec<String>)> = self
                .views
                .iter()
                .map(|v| {
                    let p = v.party.get(u as usize).copied().unwrap_or(0);
                    let kind = v.e.parties.get(p as usize).map_or(0, |x| x.kind as u8);
                    (kind, holdings(v.e, p))
                })
                .collect();
            classes.entry(key).or_default().push(u);
        }
        let mut members = Vec::new();
        for (_, v) in classes {
            for u in &v {
                if let Some(slot) = anon.get_mut(*u as usize) {
                    *slot = Some(members.len() as u32);
                }
            }
            members.push(v);
        }
        self.anon = anon;
        self.anon_members = members;
    }

    /// The targets of the space: every named party, and one party of each anonymous class,
    /// with the members each stands for.
    pub fn targets(&self) -> Vec<(u32, Vec<u32>)> {
        let mut out = Vec::new();
        for u in 0..self.parties.len() as u32 {
            match self.anon.get(u as usize).copied().flatten() {
                None => out.push((u, vec![u])),
                Some(c) => {
                    let members = self.anon_members.get(c as usize).cloned().unwrap_or_default();
                    if members.first() == Some(&u) {
                        out.push((u, members));
                    }
                }
            }
        }
        out
    }

    /// The event kinds (a bit each, as `Clause::event_mask`) the scope leaves possible for
    /// target `t`: every kind without a scope.
    fn scope_events(&self, t: u32) -> u8 {
        if self.scope.is_none() {
            return u8::MAX;
        }
        EventKind::ALL
            .iter()
            .filter(|ev| self.scope_value(t, Some(**ev), None, None).truth != Truth::False)
            .fold(0u8, |m, ev| m | (1u8 << (*ev as u8)))
    }

    /// The clauses of rule set `k` that can concern target `t`: those the index lists for it
    /// that an event of `events` can trigger and whose hits the property can look at
    /// ([`Universe::keep`]). The event kinds of every clause listed still make the event
    /// classes (so the classes of events, and their representatives, do not depend on the
    /// property), and a clause left out that counts attackers is still noted (`count_tests`).
    fn clauses_for(&self, k: usize, t: u32, events: u8, rel: &mut Rel) -> Vec<ClauseIx> {
        let Some(v) = self.views.get(k) else {
            return Vec::new();
        };
        let e = v.e;
        let tk = v.party.get(t as usize).copied().unwrap_or(0);
        let mut clauses: Vec<ClauseIx> = e
            .index
            .of(tk)
            .iter()
            .chain(&e.index.any_target)
            .map(|(c, _)| *c)
            .collect();
        clauses.sort_unstable();
        clauses.dedup();
        let keep = if k == 0 { self.keep.as_deref() } else { None };
        clauses.retain(|&cix| {
            let Some(c) = e.clauses.get(cix as usize) else {
                return true;
            };
            rel.event_masks.insert(c.event_mask);
            let kept = c.event_mask & events != 0 && keep.is_none_or(|m| m.get(cix as usize).copied().unwrap_or(true));
            if !kept && counts_attackers(e, c) {
                rel.count_tests = true;
            }
            kept
        });
        clauses
    }

    /// What the clauses that can concern target `t` (and the scope) look at.
    pub fn relevance(&self, t: u32) -> Rel {
        let mut rel = Rel {
            attacker_tests: vec![Vec::new(); self.views.len()],
            holder_tests: vec![Vec::new(); self.views.len()],
            supporter_tests: vec![Vec::new(); self.views.len()],
            ..Rel::default()
        };
        rel.identity.insert(t);
        rel.identity.extend(self.named_extra.iter().copied());
        let events = self.scope_events(t);
        for (k, v) in self.views.iter().enumerate() {
            let e = v.e;
            let clauses = self.clauses_for(k, t, events, &mut rel);
            let mut treaties = BTreeSet::new();
            for &cix in &clauses {
                let Some(c) = e.clauses.get(cix as usize) else { continue };
                treaties.insert(c.treaty);
                let mut roots = vec![c.trigger];
                roots.extend(c.readings.iter().map(|r| r.trigger));
                for o in c
                    .obligations
                    .iter()
                    .chain(c.readings.iter().flat_map(|r| r.obligations.iter()))
                {
                    roots.extend(o.when);
                    match &o.obligated {
                        Obligors::Named(ps) => {
                            for p in ps {
                                rel.identity.extend(self.upart(k, *p));
                            }
                        }
                        Obligors::Others | Obligors::All => {
                            if let Some(tr) = e.treaties.get(c.treaty as usize) {
                                for p in &tr.ever {
                                    rel.identity.extend(self.upart(k, *p));
                                }
                            }
                        }
                    }
                }
                let mut reached = Vec::new();
                for r in roots {
                    reach(&e.nodes, r, &mut reached);
                }
                for n in reached {
                    self.note_node(k, &e.nodes, n, Some(c.treaty), &mut rel);
                }
            }
            for tx in treaties {
                let Some(tr) = e.treaties.get(tx as usize) else {
                    continue;
                };
                rel.boundaries
                    .extend(tr.in_force.iter().chain(tr.terminated.iter()).copied());
                treaty_member_whens(e, tr, &mut rel.boundaries);
                for r in &tr.reservations {
                    rel.boundaries.extend(r.from.iter().chain(r.to.iter()).copied());
                    rel.identity.extend(self.upart(k, r.party));
                    for p in &r.toward {
                        rel.identity.extend(self.upart(k, *p));
                    }
                }
            }
            if let (0, Some(s)) = (k, &self.scope) {
                let mut reached = Vec::new();
                reach(s.nodes, s.root, &mut reached);
                for n in reached {
                    self.note_node(0, s.nodes, n, s.treaty, &mut rel);
                }
            }
            rel.clauses.push(clauses);
        }
        if rel.holders {
            for v in &self.views {
                for p in &v.e.places {
                    for ps in std::iter::once(&p.sovereign)
                        .chain(p.controller.iter())
                        .chain(p.administrator.iter())
                    {
                        for x in ps {
                            rel.boundaries.extend(x.from.iter().chain(x.to.iter()).copied());
                        }
                    }
                }
            }
        }
        rel
    }

    fn note_node(&self, k: usize, nodes: &[Node], n: NodeIx, treaty: Option<TreatyIx>, rel: &mut Rel) {
        let Some(v) = self.views.get(k) else { return };
        let e = v.e;
        let ptest_whens = |t: &PTest, b: &mut Vec<When>| match t {
            PTest::MemberOf(o) => {
                if let Some(org) = e.parties.get(*o as usize) {
                    for m in &org.members {
                        b.extend(m.from.iter().chain(m.to.iter()).copied());
                    }
                }
            }
            PTest::PartyTo(x) => {
                if let Some(tr) = e.treaties.get(*x as usize) {
                    treaty_member_whens(e, tr, b);
                }
            }
            PTest::TreatyParty => {
                if let Some(tr) = treaty.and_then(|x| e.treaties.get(x as usize)) {
                    treaty_member_whens(e, tr, b);
                }
            }
            _ => {}
        };
        let Some(node) = nodes.get(n as usize) else { return };
        match node {
            Node::Event(m) => {
                rel.event_masks.insert(*m);
            }
            Node::Means(m) => {
                rel.means_masks.insert(*m);
            }
            Node::On(m) => {
                rel.on_masks.insert(*m);
            }
            Node::Fact(f) => {
                if let Some(u) = v.ufact.get(*f as usize).copied().flatten() {
                    rel.facts.insert(u);
                }
            }
            Node::Attacker(t) | Node::Attackers(_, t) => {
                if let Node::Attackers(n, _) = node
                    && *n >= 2
                {
                    rel.count_tests = true;
                }
                ptest_whens(t, &mut rel.boundaries);
                if let Some(x) = rel.attacker_tests.get_mut(k) {
                    x.push((t.clone(), treaty));
                }
            }
            Node::SupportedBy(t) => {
                ptest_whens(t, &mut rel.boundaries);
                if let Some(x) = rel.supporter_tests.get_mut(k) {
                    x.push((t.clone(), treaty));
                }
            }
            Node::Target(t) => ptest_whens(t, &mut rel.boundaries),
            Node::Location(l) | Node::LaunchedFrom(l) => match l {
                LTest::In(ps) => {
                    for p in ps {
                        if let Some(id) = e.places.get(*p as usize).map(|x| &x.id)
                            && let Ok(u) = self.places.binary_search(id)
                        {
                            rel.in_places.insert(u as u32);
                        }
                    }
                }
                LTest::Tagged(_, names) => rel.tags.extend(names.iter().cloned()),
                LTest::Holder(_, t, fixed) => {
                    rel.holders = true;
                    if matches!(t, PTest::Attacker) {
                        rel.holder_attacker = true;
                    }
                    match fixed {
                        None => ptest_whens(t, &mut rel.boundaries),
                        Some(day) => {
                            if !rel.fixed_dates.contains(day) {
                                rel.fixed_dates.push(*day);
                            }
                        }
                    }
                    if let Some(x) = rel.holder_tests.get_mut(k) {
                        x.push((t.clone(), treaty));
                    }
                }
                LTest::Area => {}
            },
            Node::Date(from, before) => rel.boundaries.extend(from.iter().chain(before.iter()).copied()),
            // Whose mission the forces served is a dimension of its own (`Universe::missions`).
            Node::All(_) | Node::Any(_) | Node::Not(_) | Node::Always(_) | Node::DeployedUnder(_) => {}
        }
    }

    /// What a test makes of party `p` (engine `k`'s index) for target `t` and attackers `a`.
    pub fn key(&self, k: usize, test: &(PTest, Option<TreatyIx>), p: PartyIx, t: PartyIx, a: &[PartyIx]) -> Key {
        let Some(v) = self.views.get(k) else {
            return Key::Bool(false);
        };
        let e = v.e;
        match &test.0 {
            PTest::Target => Key::Bool(p == t),
            PTest::Attacker => Key::Bool(a.contains(&p)),
            PTest::TreatyParty => test.1.map_or(Key::Bool(false), |tr| treaty_periods(e, tr, p)),
            PTest::PartyTo(tr) => treaty_periods(e, *tr, p),
            PTest::State | PTest::NonState => Key::Kind(
                e.parties
                    .get(p as usize)
                    .map_or(0, |x| u8::from(x.kind == PartyKind::State)),
            ),
            PTest::Is(v) => Key::Bool(v.contains(&p)),
            PTest::MemberOf(o) => Key::Periods(
                e.parties
                    .get(*o as usize)
                    .map(|org| {
                        let mut v: Vec<_> = org
                            .members
                            .iter()
                            .filter(|m| m.party == p)
                            .map(|m| (wkey(m.from.as_ref()), wkey(m.to.as_ref()), None))
                            .collect();
                        v.sort();
                        v
                    })
                    .unwrap_or_default(),
            ),
        }
    }

    /// Date classes for a target: the space's dates grouped by how they compare with every
    /// boundary the target's clauses know.
    pub fn date_classes(&self, rel: &Rel) -> Vec<(When, u128)> {
        let mut b = rel.boundaries.clone();
        b.sort_by_key(|w| wkey(Some(w)));
        b.dedup();
        let mut classes: Vec<(Vec<crate::Truth>, When, u128)> = Vec::new();
        let mut index: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
        for d in &self.dates {
            let sig: Vec<crate::Truth> = b.iter().map(|x| d.at_or_after(x)).collect();
            let k: Vec<u8> = sig.iter().map(|t| *t as u8).collect();
            match index.get(&k) {
                Some(&i) => {
                    if let Some(c) = classes.get_mut(i) {
                        c.2 += 1;
                    }
                }
                None => {
                    index.insert(k, classes.len());
                    classes.push((sig, *d, 1));
                }
            }
        }
        classes.into_iter().map(|(_, d, w)| (d, w)).collect()
    }
}

/// Groups the values of a small vocabulary by the masks that test them.
pub(crate) fn mask_classes<T: Copy>(all: &[T], masks: &BTreeSet<u8>) -> Vec<(T, u128)> {
    let mut out: Vec<(Vec<bool>, T, u128)> = Vec::new();
    for (i, x) in all.iter().enumerate() {
        let sig: Vec<bool> = masks.iter().map(|m| m & (1u8 << i) != 0).collect();
        match out.iter_mut().find(|c| c.0 == sig) {
            Some(c) => c.2 += 1,
            None => out.push((sig, *x, 1)),
        }
    }
    out.into_iter().map(|(_, x, w)| (x, w)).collect()
}

pub(crate) fn event_classes(rel: &Rel) -> Vec<(EventKind, u128)> {
    mask_classes(EventKind::ALL, &rel.event_masks)
}

pub(crate) fn on_classes(rel: &Rel) -> Vec<(On, u128)> {
    mask_classes(On::ALL, &rel.on_masks)
}

pub(crate) fn means_classes(rel: &Rel) -> Vec<(Means, u128)> {
    mask_classes(Means::ALL, &rel.means_masks)
}

fn treaty_periods(e: &Engine, tr: TreatyIx, p: PartyIx) -> Key {
    let Some(t) = e.treaties.get(tr as usize) else {
        return Key::Periods(Vec::new());
    };
    let mut v = Vec::new();
    for m in &t.members {
        let own = (wkey(m.from.as_ref()), wkey(m.to.as_ref()));
        if m.party == Some(p) {
            v.push((own.0, own.1, None));
        }
        if let Some(org) = m.members_of.and_then(|o| e.parties.get(o as usize)) {
            for om in org.members.iter().filter(|om| om.party == p) {
                v.push((own.0, own.1, Some((wkey(om.from.as_ref()), wkey(om.to.as_ref())))));
            }
        }
    }
    v.sort();
    Key::Periods(v)
}

fn treaty_member_whens(e: &Engine, tr: &Treaty, b: &mut Vec<When>) {
    for m in &tr.members {
        b.extend(m.from.iter().chain(m.to.iter()).copied());
        if let Some(org) = m.members_of.and_then(|o| e.parties.get(o as usize)) {
            for om in &org.members {
                b.extend(om.from.iter().chain(om.to.iter()).copied());
            }
        }
    }
}

fn node_whens(n: &Node, b: &mut Vec<When>) {
    match n {
        Node::Date(from, before) => b.extend(from.iter().chain(before.iter()).copied()),
        Node::Location(LTest::Holder(_, _, Some(_))) => {}
        _ => {}
    }
}

/// Every date in a rule set that a scenario's date is compared with.
fn all_whens(e: &Engine, b: &mut Vec<When>) {
    for p in &e.parties {
        for m in &p.members {
            b.extend(m.from.iter().chain(m.to.iter()).copied());
        }
    }
    for p in &e.places {
        for ps in std::iter::once(&p.sovereign)
            .chain(p.controller.iter())
            .chain(p.administrator.iter())
        {
            for x in ps {
                b.extend(x.from.iter().chain(x.to.iter()).copied());
            }
        }
    }
    for t in &e.treaties {
        b.extend(t.in_force.iter().chain(t.terminated.iter()).copied());
        for m in &t.members {
            b.extend(m.from.iter().chain(m.to.iter()).copied());
        }
        for r in &t.reservations {
            b.extend(r.from.iter().chain(r.to.iter()).copied());
        }
    }
    for n in &e.nodes {
        node_whens(n, b);
    }
}

/// One date per interval between boundaries: the day before the first, each boundary's day,
/// and for an instant also the day after, the instant and the second before it.
pub(crate) fn representatives(boundaries: &[When]) -> Vec<When> {
    let mut out: Vec<When> = Vec::new();
    let mut days: BTreeSet<jiff::civil::Date> = BTreeSet::new();
    for b in boundaries {
        days.insert(b.day());
        if let When::Instant(t) = b {
            if let Ok(next) = b.day().tomorrow() {
                days.insert(next);
            }
            out.push(*b);
            if let Ok(before) = t.checked_sub(jiff::SignedDuration::from_secs(1)) {
                out.push(When::Instant(before));
            }
        }
    }
    match days.first().map(|d| d.yesterday()) {
        Some(Ok(first)) => {
            days.insert(first);
        }
        Some(Err(_)) => {}
        None => {
            days.insert(jiff::civil::Date::constant(2000, 1, 1));
        }
    }
    out.extend(days.into_iter().map(When::Day));
    out.sort_by_key(|w| wkey(Some(w)));
    out.dedup();
    out
}

/// A party's holdings, for comparing anonymous parties: each place it ever holds, described
/// with itself as `=`.
fn holdings(e: &Engine, p: PartyIx) -> Vec<String> {
    let mut in_lists = BTreeSet::new();
    for n in &e.nodes {
        if let Node::Location(LTest::In(v)) = n {
            in_lists.extend(v.iter().copied());
        }
    }
    let mut out = Vec::new();
    for (px, place) in e.places.iter().enumerate() {
        let all = std::iter::once(&place.sovereign)
            .chain(place.controller.iter())
            .chain(place.administrator.iter());
        if !all.flatten().any(|x| x.party == p) {
            continue;
        }
        let who = |ps: &[Period]| -> String {
            ps.iter()
                .map(|x| {
                    let id = if x.party == p { "=" } else { e.party_id(x.party) };
                    format!("{id}@{:?}-{:?}", wkey(x.from.as_ref()), wkey(x.to.as_ref()))
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        out.push(format!(
            "{:?}|{}|{}|{}|{}|{}",
            place.kind,
            place.tag_names.join(","),
            e.place_and_ancestors(px as PlaceIx)
                .filter(|x| in_lists.contains(x))
                .map(|x| e.place_id(x))
                .collect::<Vec<_>>()
                .join(","),
            who(&place.sovereign),
            place.controller.as_deref().map_or("-".into(), who),
            place.administrator.as_deref().map_or("-".into(), who),
        ));
    }
    out.sort();
    out
}
