//! `casus brief`: a one-page brief of a rule set for a decision maker.
//!
//! A brief is a coverage matrix — attack type × place group × attacker → who is obliged, at
//! what level, in what form and by when, stage by stage — followed by the properties a
//! drafter requires (checked with [`verify`](crate::verify::verify)) and, when another rule
//! set is given, what changes from it (with [`diff`](crate::verify::diff), summed up).
//!
//! The rows are derived from the rule set, for one target party on one date:
//!
//! - **target**: the one party of the draft treaties (`status: draft`) that none of their
//!   clauses obliges (the beneficiary), unless [`BriefOptions::target`] names one;
//! - **date**: the latest day a draft treaty enters into force, unless
//!   [`BriefOptions::date`] names one;
//! - **attack types**: the event kinds the clauses that can protect the target (and the
//!   clauses of the draft treaties) test; an armed attack when none does;
//! - **place groups**: territory the target controls on the date; territory of the target
//!   held by another party (the first such place by id); the forces of another party in the
//!   target's territory, where a clause protects forces (the party is the first lead of that
//!   clause's obligations, else the first party its target test names); and the target's
//!   territory attacked from the territory of each party a `launched_from` test names;
//! - **attackers**: the parties the clauses' `attacker` tests name (the
//!   [`MAX_NAMED_ATTACKERS`] named most often), those of [`BriefOptions::attackers`], then
//!   another state (the first state by id that no relevant treaty binds and no test names)
//!   and a non-state actor.
//!
//! Every row is one evaluation, so the brief costs little beyond the properties and the
//! diff, which keep the budgets of [`VerifyOptions`] and [`DiffOptions`]. The same inputs
//! give the same brief, byte for byte.

mod render;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use thiserror::Error;

use crate::kernel::{ClauseIx, Node, NodeIx, Obligors, PTest, PartyIx, PlaceIx, TreatyIx};
use crate::model::{HolderRole, PartyKind, TreatyStatus};
use crate::verify::{DiffOptions, Outcome, Properties, VerifyError, VerifyOptions};
use crate::{Actor, Engine, EventKind, Forms, Level, On, PartyObligation, Scenario, Source, Status, When};

/// The most attackers named by the rule set that become columns of the matrix.
pub const MAX_NAMED_ATTACKERS: usize = 4;

/// The most rows of differences a brief shows; the rest are counted.
pub const DEFAULT_DIFF_ROWS: usize = 12;

/// What a brief is about and how much work it may do.
#[derive(Debug, Clone)]
pub struct BriefOptions {
    /// The party attacked (`None`: the beneficiary of the draft treaties).
    pub target: Option<String>,
    /// The day of the attacks (`None`: the latest day a draft treaty enters into force).
    pub date: Option<When>,
    /// Attackers to show besides those the rule set names (party ids).
    pub attackers: Vec<String>,
    /// The budgets of the properties' check.
    pub verify: VerifyOptions,
    /// The budgets of the comparison (its targets are the brief's).
    pub diff: DiffOptions,
    /// The most rows of differences shown.
    pub diff_rows: usize,
}

impl Default for BriefOptions {
    fn default() -> Self {
        BriefOptions {
            target: None,
            date: None,
            attackers: Vec::new(),
            verify: VerifyOptions::default(),
            diff: DiffOptions::default(),
            diff_rows: DEFAULT_DIFF_ROWS,
        }
    }
}

/// A brief could not be written.
#[derive(Debug, Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum BriefError {
    /// No target was given and the rule set does not single one out.
    #[error(
        "which party is attacked? the rule set's draft treaties do not single out one beneficiary{}; name it with --target ID",
        candidates_words(.candidates)
    )]
    NoTarget {
        /// The parties that could be meant.
        candidates: Vec<String>,
    },
    /// No date was given and the rule set has no draft treaty to take it from.
    #[error("on which day? the rule set has no draft treaty to take the date from; give it with --date YYYY-MM-DD")]
    NoDate,
    /// A party named in the options is not in the rule set.
    #[error("unknown party `{id}`{}", hint.as_ref().map_or(String::new(), |h| format!("; did you mean `{h}`?")))]
    UnknownParty {
        /// The id as given.
        id: String,
        /// The nearest id there is.
        hint: Option<String>,
    },
    /// A row's scenario could not be evaluated.
    #[error("{0}")]
    Scenario(#[from] crate::ScenarioError),
    /// The properties or the comparison could not be checked.
    #[error("{0}")]
    Verify(#[from] VerifyError),
}

fn candidates_words(c: &[String]) -> String {
    if c.is_empty() {
        String::new()
    } else {
        format!(" (candidates: {})", c.join(", "))
    }
}

/// A one-page brief: the coverage matrix, the properties and the differences.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Brief {
    /// The rule set's name.
    pub rules: String,
    /// The party attacked, by id.
    pub target: String,
    /// Its name.
    pub target_name: String,
    /// The day of the attacks.
    pub date: When,
    /// The rows of the matrix.
    pub rows: Vec<BriefRow>,
    /// The properties and their results (empty when none were given).
    pub properties: Vec<PropertyLine>,
    /// What changes from another rule set, when one was given.
    pub differences: Option<Differences>,
}

/// One attack of the matrix and who must respond to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BriefRow {
    /// The kind of attack.
    pub event: EventKind,
    /// The place group, in words.
    pub place: String,
    /// The attackers, in words: those whose attacks oblige the same parties in the same way
    /// share a row.
    pub attackers: Vec<String>,
    /// The scenarios evaluated, one per attacker (what `casus eval` reproduces).
    pub scenarios: Vec<Scenario>,
    /// The obliged parties, grouped by what they owe (empty: nobody).
    pub obliged: Vec<ObligedGroup>,
}

/// Parties that owe the same thing in one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObligedGroup {
    /// The strongest level.
    pub level: Level,
    /// Its status.
    pub status: Status,
    /// What a contingent level waits on.
    pub depends_on: Vec<String>,
    /// The forms at the strongest level, in words (`any` when nothing is said).
    pub forms: String,
    /// By when, stage by stage (`consult within 24 hours, then assist (no deadline)`).
    pub by_when: String,
    /// Those of the parties that lead the response.
    pub lead: Vec<String>,
    /// The parties, by id.
    pub parties: Vec<String>,
}

/// Field by field, the level by [`Level::rank`](crate::Level::rank) (`Level` is `PartialOrd` only).
impl Ord for ObligedGroup {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (
            self.level.rank(),
            self.status,
            &self.depends_on,
            &self.forms,
            &self.by_when,
            &self.lead,
            &self.parties,
        )
            .cmp(&(
                other.level.rank(),
                other.status,
                &other.depends_on,
                &other.forms,
                &other.by_when,
                &other.lead,
                &other.parties,
            ))
    }
}

impl PartialOrd for ObligedGroup {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A property and whether it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PropertyLine {
    /// Its id.
    pub id: String,
    /// The result.
    pub outcome: Outcome,
    /// What it requires, as its file says.
    pub description: Option<String>,
    /// Why it fails and the smallest counterexample, in words; or a note.
    pub detail: Option<String>,
}

/// What changes from another rule set, summed up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Differences {
    /// The other rule set's name.
    pub against: String,
    /// Scenarios compared.
    pub scenarios: u128,
    /// Scenarios whose verdict changes.
    pub changed: u128,
    /// The largest changes, one per place, attacker and change.
    pub rows: Vec<DiffLine>,
    /// Changes left out of `rows`.
    pub more: usize,
}

/// Parties whose obligation changes the same way for one place group and attacker.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DiffLine {
    /// The target.
    pub target: String,
    /// The attacker, in words.
    pub attacker: String,
    /// The places, in words.
    pub place: String,
    /// The obligation under this rule set, in words.
    pub here: String,
    /// The obligation under the other, in words.
    pub there: String,
    /// The parties concerned.
    pub parties: Vec<String>,
    /// Scenarios that change so (for the party with the most: the same scenario changes for
    /// several parties at once).
    pub scenarios: u128,
}

/// A rule set, with the name a brief gives it.
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    /// The compiled rule set.
    pub engine: &'a Engine,
    /// Its name (its manifest's, or its path).
    pub name: &'a str,
}

/// Writes the brief of `rules`: the matrix, the `properties` checked, and what changes from
/// `against`.
///
/// # Errors
///
/// [`BriefError`] when the target or the date cannot be chosen, a party named in `options`
/// is unknown, or the check or comparison stops (over its budget, cancelled).
pub fn brief(
    rules: Named<'_>,
    properties: Option<&Properties>,
    against: Option<Named<'_>>,
    options: &BriefOptions,
) -> Result<Brief, BriefError> {
    let e = rules.engine;
    let target = choose_target(e, options.target.as_deref())?;
    let date = match options.date {
        Some(d) => d,
        None => default_date(e).ok_or(BriefError::NoDate)?,
    };
    let extra: Vec<PartyIx> = options
        .attackers
        .iter()
        .map(|a| party(e, a))
        .collect::<Result<_, _>>()?;
    let seen = scan(e, target);
    let rows = rows(e, target, date, &seen, &extra)?;
    let properties = match properties {
        Some(p) => property_lines(&crate::verify::verify(e, p, &options.verify, None)?),
        None => Vec::new(),
    };
    let differences = match against {
        Some(other) => Some(differences(rules, other, &rows, options)?),
        None => None,
    };
    Ok(Brief {
        rules: rules.name.to_string(),
        target: e.party_id(target).to_string(),
        target_name: party_name(e, target),
        date,
        rows,
        properties,
        differences,
    })
}

fn party(e: &Engine, id: &str) -> Result<PartyIx, BriefError> {
    e.party_ix.get(id).copied().ok_or_else(|| BriefError::UnknownParty {
        id: id.to_string(),
        hint: crate::names::suggest(id, e.party_ix.keys().map(String::as_str)),
    })
}

fn party_name(e: &Engine, p: PartyIx) -> String {
    e.parties.get(p as usize).map_or_else(String::new, |x| x.name.clone())
}

fn drafts(e: &Engine) -> impl Iterator<Item = (TreatyIx, &crate::kernel::Treaty)> {
    e.treaties
        .iter()
        .enumerate()
        .filter(|(_, t)| t.status == TreatyStatus::Draft)
        .map(|(i, t)| (i as TreatyIx, t))
}

/// The given target; else the one party of the draft treaties that none of their clauses
/// obliges; else the one party a draft clause's `target` test names alone.
fn choose_target(e: &Engine, given: Option<&str>) -> Result<PartyIx, BriefError> {
    if let Some(id) = given {
        return party(e, id);
    }
    let mut members: BTreeSet<PartyIx> = BTreeSet::new();
    let mut obliged: BTreeSet<PartyIx> = BTreeSet::new();
    let mut alone: BTreeSet<PartyIx> = BTreeSet::new();
    for (_, t) in drafts(e) {
        members.extend(t.ever.iter().copied());
        for c in t.clauses.iter().filter_map(|&c| e.clauses.get(c as usize)) {
            let mut tests = Tests::default();
            tests.walk(e, c.trigger, 0);
            if let [one] = tests.targets.as_slice() {
                alone.insert(*one);
            }
            for o in &c.obligations {
                match &o.obligated {
                    Obligors::Named(ps) => obliged.extend(ps.iter().copied()),
                    Obligors::All | Obligors::Others => obliged.extend(t.ever.iter().copied()),
                }
            }
        }
    }
    let never: BTreeSet<PartyIx> = members.difference(&obliged).copied().collect();
    for set in [&never, &alone] {
        if let Some(&one) = set.first()
            && set.len() == 1
        {
            return Ok(one);
        }
    }
    let mut candidates: Vec<String> = never.union(&alone).map(|&p| e.party_id(p).to_string()).collect();
    candidates.sort();
    Err(BriefError::NoTarget { candidates })
}

/// The latest day a draft treaty enters into force.
fn default_date(e: &Engine) -> Option<When> {
    drafts(e)
        .filter_map(|(_, t)| t.in_force.or(t.signed))
        .max_by_key(When::sort_key)
}

/// What the clauses that matter to the target test.
#[derive(Debug, Default)]
struct Seen {
    /// Event kinds tested (bit per kind): by the draft treaties' clauses where there are
    /// any, else by every clause that can protect the target.
    events: u16,
    /// Attackers named, with how many tests name them.
    attackers: BTreeMap<PartyIx, usize>,
    /// Parties whose territory an attack may be launched from.
    launch: BTreeSet<PartyIx>,
    /// The party whose forces in the target's territory a clause protects.
    forces: Option<PartyIx>,
    /// The treaty those forces are deployed under, when that clause asks (`deployed_under`).
    mission: Option<TreatyIx>,
    /// The treaties of those clauses.
    treaties: BTreeSet<TreatyIx>,
}

/// The clauses that can protect the target, and those of the draft treaties.
fn relevant_clauses(e: &Engine, target: PartyIx) -> BTreeSet<ClauseIx> {
    let mut out: BTreeSet<ClauseIx> = BTreeSet::new();
    for &k in EventKind::ALL {
        out.extend(e.candidates(target, k));
    }
    for (_, t) in drafts(e) {
        out.extend(t.clauses.iter().copied());
    }
    out
}

fn scan(e: &Engine, target: PartyIx) -> Seen {
    let mut seen = Seen::default();
    let (mut all_events, mut draft_events) = (0u16, 0u16);
    for cix in relevant_clauses(e, target) {
        let Some(c) = e.clauses.get(cix as usize) else { continue };
        seen.treaties.insert(c.treaty);
        let mut tests = Tests::default();
        tests.walk(e, c.trigger, 0);
        all_events |= tests.events;
        if e.treaties
            .get(c.treaty as usize)
            .is_some_and(|t| t.status == TreatyStatus::Draft)
        {
            draft_events |= tests.events;
        }
        for p in tests.attackers {
            *seen.attackers.entry(p).or_default() += 1;
        }
        seen.launch.extend(tests.launch);
        if tests.forces && seen.forces.is_none() {
            let lead = c.obligations.iter().flat_map(|o| o.lead.iter().copied()).next();
            seen.forces = lead.or_else(|| tests.targets.iter().copied().find(|&p| p != target));
            seen.mission = tests.mission;
        }
    }
    seen.events = if draft_events != 0 { draft_events } else { all_events };
    seen.attackers.remove(&target);
    seen.launch.remove(&target);
    seen
}

/// The tests of one trigger.
#[derive(Debug, Default)]
struct Tests {
    events: u16,
    attackers: BTreeSet<PartyIx>,
    launch: BTreeSet<PartyIx>,
    targets: Vec<PartyIx>,
    forces: bool,
    mission: Option<TreatyIx>,
}

impl Tests {
    fn walk(&mut self, e: &Engine, n: NodeIx, depth: usize) {
        // Conditions are trees the loader bounded; the depth guard only keeps a damaged
        // compiled form from recursing without end.
        if depth > 64 {
            return;
        }
        let Some(node) = e.nodes.get(n as usize) else { return };
        match node {
            Node::All(xs) | Node::Any(xs) => xs.iter().for_each(|&x| self.walk(e, x, depth + 1)),
            Node::Not(_) => {}
            Node::Event(mask) => self.events |= u16::from(*mask),
            Node::On(mask) => self.forces |= mask & (1u8 << (On::Forces as u8)) != 0,
            Node::Attacker(PTest::Is(ps)) | Node::Attackers(_, PTest::Is(ps)) => self.attackers.extend(ps),
            Node::Target(PTest::Is(ps)) => self.targets.extend(ps),
            Node::DeployedUnder(ts) => self.mission = self.mission.or_else(|| ts.first().copied()),
            Node::LaunchedFrom(crate::kernel::LTest::Holder(_, PTest::Is(ps), _)) => self.launch.extend(ps),
            Node::LaunchedFrom(crate::kernel::LTest::In(places)) => {
                for &px in places {
                    if let Some(p) = e.places.get(px as usize).and_then(|pl| e.party_ix.get(&pl.id)) {
                        self.launch.insert(*p);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A place group: its words and the scenario fields it sets.
struct PlaceGroup {
    words: String,
    target: PartyIx,
    location: PlaceIx,
    launched_from: Option<PlaceIx>,
    on: Option<On>,
    deployed_under: Option<TreatyIx>,
}

/// Place ids in sorted order, with their index.
fn sorted_places(e: &Engine) -> Vec<(&str, PlaceIx)> {
    let mut v: Vec<(&str, PlaceIx)> = e.place_ix.iter().map(|(k, &v)| (k.as_str(), v)).collect();
    v.sort_unstable();
    v
}

fn holder(e: &Engine, px: PlaceIx, role: HolderRole, date: &When) -> Option<PartyIx> {
    e.places.get(px as usize).and_then(|p| p.holder_on(role, date))
}

/// The place groups of the matrix for `target` on `date`.
fn place_groups(e: &Engine, target: PartyIx, date: &When, seen: &Seen) -> Vec<PlaceGroup> {
    let places = sorted_places(e);
    let own = |px: PlaceIx| {
        holder(e, px, HolderRole::Sovereign, date) == Some(target)
            && holder(e, px, HolderRole::Controller, date) == Some(target)
    };
    let home = e
        .place_ix
        .get(e.party_id(target))
        .copied()
        .filter(|&px| own(px))
        .or_else(|| places.iter().map(|&(_, px)| px).find(|&px| own(px)));
    let name = party_name(e, target);
    let mut out = Vec::new();
    let Some(home) = home else { return out };
    let group = |words: String, t: PartyIx, location: PlaceIx| PlaceGroup {
        words,
        target: t,
        location,
        launched_from: None,
        on: None,
        deployed_under: None,
    };
    out.push(group(
        format!("territory {name} controls ({})", e.place_id(home)),
        target,
        home,
    ));
    let occupied = places.iter().find_map(|&(id, px)| {
        let c = holder(e, px, HolderRole::Controller, date)?;
        (holder(e, px, HolderRole::Sovereign, date) == Some(target) && c != target).then_some((id, px, c))
    });
    if let Some((id, px, c)) = occupied {
        out.push(group(
            format!("{name}'s territory held by {} ({id})", party_name(e, c)),
            target,
            px,
        ));
    }
    if let Some(f) = seen.forces {
        let words = match seen.mission {
            Some(t) => format!(
                "forces of {} deployed under {} in {name}",
                party_name(e, f),
                e.treaty_id(t)
            ),
            None => format!("forces of {} in {name}", party_name(e, f)),
        };
        let mut g = group(words, f, home);
        g.on = Some(On::Forces);
        g.deployed_under = seen.mission;
        out.push(g);
    }
    for &l in &seen.launch {
        if let Some(&from) = e.place_ix.get(e.party_id(l)) {
            let mut g = group(
                format!("{name}'s territory, attack launched from {}'s", party_name(e, l)),
                target,
                home,
            );
            g.launched_from = Some(from);
            out.push(g);
        }
    }
    out
}

/// The attackers of the matrix: words and actor.
fn attackers(e: &Engine, target: PartyIx, seen: &Seen, extra: &[PartyIx]) -> Vec<(String, Actor)> {
    let mut named: Vec<(usize, &str, PartyIx)> = seen
        .attackers
        .iter()
        .map(|(&p, &n)| (usize::MAX - n, e.party_id(p), p))
        .collect();
    named.sort_unstable();
    let mut chosen: Vec<PartyIx> = named.iter().take(MAX_NAMED_ATTACKERS).map(|x| x.2).collect();
    for &p in extra {
        if !chosen.contains(&p) {
            chosen.push(p);
        }
    }
    let mut out: Vec<(String, Actor)> = chosen
        .iter()
        .map(|&p| (party_name(e, p), Actor::Party(e.party_id(p).to_string())))
        .collect();
    if let Some(other) = another_state(e, target, seen, &chosen) {
        let id = e.party_id(other).to_string();
        out.push((
            format!("another state (e.g. {})", party_name(e, other)),
            Actor::Party(id),
        ));
    }
    out.push((
        "a non-state actor".into(),
        Actor::NonState {
            non_state: "an armed group".into(),
        },
    ));
    out
}

/// The first state by id that no relevant treaty binds and no test names.
fn another_state(e: &Engine, target: PartyIx, seen: &Seen, chosen: &[PartyIx]) -> Option<PartyIx> {
    let bound: BTreeSet<PartyIx> = seen
        .treaties
        .iter()
        .filter_map(|&t| e.treaties.get(t as usize))
        .flat_map(|t| t.ever.iter().copied())
        .collect();
    let mut ids: Vec<(&str, PartyIx)> = e.party_ix.iter().map(|(k, &v)| (k.as_str(), v)).collect();
    ids.sort_unstable();
    ids.into_iter().map(|(_, p)| p).find(|&p| {
        p != target
            && !chosen.contains(&p)
            && !bound.contains(&p)
            && !seen.launch.contains(&p)
            && seen.forces != Some(p)
            && e.parties.get(p as usize).is_some_and(|x| x.kind == PartyKind::State)
    })
}

/// Every row of the matrix, evaluated.
fn rows(e: &Engine, target: PartyIx, date: When, seen: &Seen, extra: &[PartyIx]) -> Result<Vec<BriefRow>, BriefError> {
    let events: Vec<EventKind> = EventKind::ALL
        .iter()
        .copied()
        .filter(|&k| seen.events & (1 << k as u16) != 0)
        .collect();
    let events = if events.is_empty() {
        vec![EventKind::ArmedAttack]
    } else {
        events
    };
    let groups = place_groups(e, target, &date, seen);
    let actors = attackers(e, target, seen, extra);
    let mut out: Vec<BriefRow> = Vec::new();
    for &event in &events {
        for g in &groups {
            let first = out.len();
            for (words, actor) in &actors {
                if matches!(actor, Actor::Party(a) if a == e.party_id(g.target)) {
                    continue;
                }
                let mut s = Scenario::new(date, event, e.party_id(g.target));
                s.attacker = Some(actor.clone());
                s.location = Some(e.place_id(g.location).to_string());
                s.launched_from = g.launched_from.map(|l| e.place_id(l).to_string());
                s.on = g.on;
                s.deployed_under = g.deployed_under.map(|t| e.treaty_id(t).to_string());
                let obliged = obliged_groups(&e.evaluate(&s)?.obligations);
                // Attackers whose attacks oblige alike share a row.
                match out.iter_mut().skip(first).find(|r| r.obliged == obliged) {
                    Some(r) => {
                        r.attackers.push(words.clone());
                        r.scenarios.push(s);
                    }
                    None => out.push(BriefRow {
                        event,
                        place: g.words.clone(),
                        attackers: vec![words.clone()],
                        scenarios: vec![s],
                        obliged,
                    }),
                }
            }
        }
    }
    Ok(out)
}

/// The forms in words: `allowed: …; excluded: …` (`any` when nothing is said).
#[must_use]
pub fn forms_words(f: &Forms) -> String {
    let part = |name: &str, v: &[crate::Form]| {
        (!v.is_empty()).then(|| {
            let words: Vec<&str> = v.iter().map(|x| x.as_str()).collect();
            format!("{name}: {}", words.join(", "))
        })
    };
    let parts: Vec<String> = [
        part("required", &f.required),
        part("allowed", &f.allowed),
        part("excluded", &f.excluded),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        "any".into()
    } else {
        parts.join("; ")
    }
}

/// The obliged parties of a verdict, grouped by what they owe (strongest first).
fn obliged_groups(obligations: &[PartyObligation]) -> Vec<ObligedGroup> {
    /// Strongest first; then status, what it waits on, forms and by when.
    type Key = (
        std::cmp::Reverse<crate::kernel::ByRank>,
        Status,
        Vec<String>,
        String,
        String,
    );
    let mut by: BTreeMap<Key, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for p in obligations {
        let by_when = Source::sequence(&p.sources)
            .or_else(|| p.deadline.map(|d| d.to_string()))
            .unwrap_or_else(|| "no deadline".into());
        let key = (
            std::cmp::Reverse(crate::kernel::ByRank(p.level)),
            p.status,
            p.depends_on.clone(),
            forms_words(&p.forms),
            by_when,
        );
        let (parties, lead) = by.entry(key).or_default();
        parties.push(p.party.to_string());
        if p.sources.iter().any(|s| s.lead) {
            lead.push(p.party.to_string());
        }
    }
    by.into_iter()
        .map(
            |((level, status, depends_on, forms, by_when), (parties, lead))| ObligedGroup {
                level: level.0.0,
                status,
                depends_on,
                forms,
                by_when,
                lead,
                parties,
            },
        )
        .collect()
}

/// The properties' results in words.
fn property_lines(r: &crate::verify::VerifyReport) -> Vec<PropertyLine> {
    r.properties
        .iter()
        .map(|p| {
            let detail = match &p.counterexample {
                Some(c) => Some(format!("{}; for example {}", c.why, scenario_words(&c.scenario))),
                None => (!p.notes.is_empty()).then(|| p.notes.join("; ")),
            };
            PropertyLine {
                id: p.id.clone(),
                outcome: p.outcome,
                description: p.description.clone(),
                detail,
            }
        })
        .collect()
}

fn actor_words(a: &Actor) -> String {
    match a {
        Actor::Party(p) => p.clone(),
        Actor::NonState { non_state } => format!("non-state actor {non_state}"),
    }
}

/// A scenario in one line: `2026-06-01: armed_attack by RUS on UKR at UA-09-OCC`.
#[must_use]
pub fn scenario_words(s: &Scenario) -> String {
    let mut w = format!("{}: {}", s.date, s.event.as_str());
    let attackers: Vec<String> = s
        .attacker
        .iter()
        .chain(s.attackers.iter().flatten())
        .map(actor_words)
        .collect();
    if !attackers.is_empty() {
        w.push_str(&format!(" by {}", attackers.join(", ")));
    }
    let targets = s.targets();
    if !targets.is_empty() {
        w.push_str(&format!(" on {}", targets.join(", ")));
    }
    if let Some(on) = s.on {
        w.push_str(&format!(" ({})", on.as_str()));
    }
    if let Some(l) = &s.location {
        w.push_str(&format!(" at {l}"));
    }
    if let Some(l) = &s.launched_from {
        w.push_str(&format!(" launched from {l}"));
    }
    w
}

/// What changes from `other`, for the targets of the rows.
fn differences(
    rules: Named<'_>,
    other: Named<'_>,
    rows: &[BriefRow],
    options: &BriefOptions,
) -> Result<Differences, BriefError> {
    let targets: BTreeSet<String> = rows
        .iter()
        .flat_map(|r| {
            r.scenarios
                .iter()
                .flat_map(|s| s.targets().into_iter().map(str::to_string))
        })
        .collect();
    let opts = DiffOptions {
        targets: Some(targets.into_iter().collect()),
        ..options.diff.clone()
    };
    let report = crate::verify::diff(rules.engine, other.engine, &opts, None)?;
    // One line per target, attacker and change, whatever the places and parties.
    type Acc = (BTreeSet<String>, BTreeMap<String, u128>);
    let mut lines: BTreeMap<(String, String, String, String), Acc> = BTreeMap::new();
    for g in &report.groups {
        let forms = g.old.level.is_some() && g.new.level.is_some() && g.old.forms != g.new.forms;
        let key = (
            g.target.clone(),
            g.attacker.clone(),
            change_words(&g.old, forms),
            change_words(&g.new, forms),
        );
        let (places, parties) = lines.entry(key).or_default();
        if g.places.is_empty() {
            places.insert(g.place.clone());
        }
        places.extend(g.places.iter().cloned());
        let n = parties.entry(g.party.clone()).or_default();
        *n = n.saturating_add(g.scenarios);
    }
    let mut rows: Vec<DiffLine> = lines
        .into_iter()
        .map(|((target, attacker, here, there), (places, parties))| DiffLine {
            target,
            attacker,
            place: places_words(&places.into_iter().collect::<Vec<_>>()),
            here,
            there,
            // The same scenario changes for several parties at once: not summed over them.
            scenarios: parties.values().copied().max().unwrap_or(0),
            parties: parties.into_keys().collect(),
        })
        .collect();
    rows.sort_by(|a, b| b.scenarios.cmp(&a.scenarios).then_with(|| a.cmp(b)));
    let more = rows.len().saturating_sub(options.diff_rows);
    rows.truncate(options.diff_rows);
    Ok(Differences {
        against: other.name.to_string(),
        scenarios: report.scenarios,
        changed: report.changed,
        rows,
        more,
    })
}

fn places_words(places: &[String]) -> String {
    match places {
        [] => "any place".into(),
        [a] => a.clone(),
        [a, b] => format!("{a}, {b}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
    }
}

/// An obligation as a diff reports it, in words: `none`, `assist (definite)`, with its
/// stages or deadline (`consult within 24 hours, then assist`), and its forms when asked.
fn change_words(c: &crate::verify::Change, forms: bool) -> String {
    let Some(level) = c.level else { return "none".into() };
    let mut w = format!("{level} ({})", c.status.map_or("definite", Status::as_str));
    if !c.stages.is_empty() {
        let stages: Vec<String> = c
            .stages
            .iter()
            .map(|st| format!("{} {}", st.level, st.deadline.as_deref().unwrap_or("(no deadline)")))
            .collect();
        w.push_str(&format!(": {}", stages.join(", then ")));
    } else if let Some(d) = &c.deadline {
        w.push_str(&format!(", {d}"));
    }
    if forms && !c.forms.is_empty() {
        w.push_str(&format!("; {}", forms_words(&c.forms)));
    }
    w
}
