//! Checking properties over the space, exhaustively or by sampling.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::kernel::{Clause, ClauseIx, Engine, Hit, Node, NodeIx, Obligation, PartyIx, forms_of};
use crate::{Actor, Scenario, Truth};

use super::props::{Property, Readings, Requirement, Which, due_within, level_matches, status_matches};
use super::shard::{Beyond, How, PropertyPart, Shard};
use super::space::{Scope, Universe};
use super::walk::{Atk, AtkClass, Budget, Cell, Dim, Eval, JobInfo, Stats, Sup, TargetCtx, Visitor, sat_mul};
use super::{Properties, VerifyError};

/// How `casus verify` checks.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Sample this many scenarios per property instead of checking exhaustively.
    pub sample: Option<u32>,
    /// The most classes of scenarios a property is checked exhaustively over; above it, the
    /// property is sampled (and the report says so).
    pub max_classes: u64,
    /// Samples per property when the space is too large and `sample` is not given.
    pub default_samples: u32,
    /// The most classes a property's exhaustive walk may evaluate (each split on an open
    /// value counts its children); past it, `verify` stops with [`VerifyError::OverBudget`].
    /// Checked before the walk too, against the (target, attacker) and (target, place) pairs
    /// that preparing it takes.
    pub max_evaluations: u64,
    /// Set to `true` (from another thread) to stop an exhaustive walk at its next class of
    /// scenarios: [`verify()`](fn@verify) then returns [`VerifyError::Cancelled`].
    pub cancel: Option<Cancel>,
    /// (ext) Counts how far each property's exhaustive walk has got, inside one long class
    /// of scenarios too, for a progress display on another thread ([`WalkProgress`]).
    pub progress: Option<std::sync::Arc<WalkProgress>>,
}

/// How far a running exhaustive walk of `verify` or `diff` has got, read from another thread
/// (a progress bar): the walk's work is `total` units, of which `done` are finished. Each job
/// (target, event, attacker class; for `verify`, the jobs of attackers that share one walk)
/// is [`WalkProgress::JOB`] units, shared out over its cells as they split, so `done` moves
/// inside one long job too, never goes back within a walk, and reaches `total` exactly when
/// the walk finishes. The walk adds to it every few thousand
/// cells, so counting costs nothing measurable.
#[derive(Debug, Default)]
pub struct WalkProgress {
    done: AtomicU64,
    total: AtomicU64,
    walk: AtomicU64,
}

impl WalkProgress {
    /// The units of one job.
    pub const JOB: u64 = 1 << 24;
    /// Cells a job walks before it adds what it did to the count.
    const EVERY: u32 = 1024;

    /// Units finished in the current walk.
    #[must_use]
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed).min(self.total())
    }

    /// Units of the current walk.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Which walk runs: `verify` numbers its properties from 1 (a property sampled instead
    /// has no walk), `diff` has walk 1; 0 before any starts.
    #[must_use]
    pub fn walk(&self) -> u64 {
        self.walk.load(Ordering::Relaxed)
    }

    /// Starts walk number `walk` of `jobs` jobs.
    pub(crate) fn start(&self, walk: u64, jobs: u64) {
        self.total.store(0, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        self.walk.store(walk, Ordering::Relaxed);
        self.total.store(jobs.saturating_mul(Self::JOB), Ordering::Relaxed);
    }
}

/// A job's share of a [`WalkProgress`]: what its cells finished since it last added to the
/// count.
pub(crate) struct JobProgress<'a> {
    to: Option<&'a WalkProgress>,
    pending: std::cell::Cell<u64>,
    cells: std::cell::Cell<u32>,
}

impl<'a> JobProgress<'a> {
    pub(crate) fn new(to: Option<&'a WalkProgress>) -> JobProgress<'a> {
        JobProgress {
            to,
            pending: std::cell::Cell::new(0),
            cells: std::cell::Cell::new(0),
        }
    }

    /// A cell of `units` is finished (with its children, if any).
    pub(crate) fn finished(&self, units: u64) {
        if self.to.is_none() {
            return;
        }
        self.pending.set(self.pending.get().saturating_add(units));
        self.cells.set(self.cells.get().saturating_add(1));
        if self.cells.get() >= WalkProgress::EVERY {
            self.flush();
        }
    }

    /// Adds what is pending to the count.
    pub(crate) fn flush(&self) {
        if let Some(to) = self.to {
            to.done.fetch_add(self.pending.replace(0), Ordering::Relaxed);
            self.cells.set(0);
        }
    }
}

/// `units` shared out over `n` parts: part `i` gets its share, the last one the remainder, so
/// the parts add up to `units` exactly.
pub(crate) fn share(units: u64, n: usize, i: usize) -> u64 {
    let n = n.max(1) as u64;
    let each = units / n;
    if i as u64 + 1 == n {
        units - each * (n - 1)
    } else {
        each
    }
}

/// A flag that stops a running `verify` or `diff` when set (shared with another thread).
pub type Cancel = std::sync::Arc<std::sync::atomic::AtomicBool>;

/// Whether the walk was asked to stop.
pub(crate) fn cancelled(cancel: Option<&Cancel>) -> bool {
    cancel.is_some_and(|c| c.load(Ordering::Relaxed))
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            sample: None,
            max_classes: 20_000_000,
            default_samples: 10_000,
            max_evaluations: DEFAULT_MAX_EVALUATIONS,
            cancel: None,
            progress: None,
        }
    }
}

/// The default evaluation budget of one property's walk (and of a diff): about a minute of a
/// release build on 2 cores; the shipped library's properties take under a tenth of it.
pub const DEFAULT_MAX_EVALUATIONS: u64 = 50_000_000;

/// A progress callback: `(done, total)` units of work of the current property, and its id.
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// The scenario space of a rule set, as `casus verify` and `casus diff` count it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceReport {
    /// The number of scenarios: the product of the dimensions below.
    pub scenarios: u128,
    /// Parties (each a possible target).
    pub targets: usize,
    /// Attackers: every party, a non-state actor, or unknown.
    pub attackers: usize,
    /// Event kinds.
    pub events: usize,
    /// Dates: one per interval between the dates where a rule changes.
    pub dates: usize,
    /// Places, or unknown.
    pub locations: usize,
    /// What was hit (territory, forces, vessels, aircraft), or unknown.
    pub on: usize,
    /// Means, or unknown.
    pub means: usize,
    /// Supporters: unknown, none, or one party.
    pub supporters: usize,
    /// Named facts that some condition tests (each true, false or unknown).
    pub facts: usize,
    /// (ext) Places an attack may be launched from, or unknown; 1 (and left out of the JSON)
    /// when no condition reads where an attack was launched from.
    #[serde(skip_serializing_if = "is_one", default = "one")]
    pub launched_from: usize,
    /// (ext) Whose mission the forces hit served: unknown, no treaty's, or each treaty of the
    /// rule sets; 1 (and left out of the JSON) when no condition reads `deployed_under`.
    #[serde(skip_serializing_if = "is_one", default = "one")]
    pub deployed_under: usize,
    /// Readings: the default, and each alternative reading of a clause.
    pub readings: u128,
    /// Parties that only one of two rule sets compared has (left out).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub left_out_parties: usize,
    /// Places that only one of two rule sets compared has (left out).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub left_out_places: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

fn one() -> usize {
    1
}

impl SpaceReport {
    /// The space `verify` walks for one rule set.
    pub(crate) fn of_engine(e: &Engine) -> SpaceReport {
        SpaceReport::of(&Universe::new(&[e], None, &[], true))
    }

    pub(crate) fn of(u: &Universe) -> SpaceReport {
        SpaceReport {
            scenarios: u.size(),
            targets: u.parties.len(),
            attackers: u.parties.len() + 2,
            events: crate::EventKind::ALL.len(),
            dates: u.dates.len(),
            locations: u.places.len() + 1,
            on: crate::On::ALL.len() + 1,
            means: crate::Means::ALL.len() + 1,
            supporters: u.parties.len() + 2,
            facts: u.facts.len(),
            launched_from: if u.launch { u.places.len() + 1 } else { 1 },
            deployed_under: u.missions.as_ref().map_or(1, |(named, rest)| {
                named.len() + usize::try_from(*rest).unwrap_or(usize::MAX) + 1
            }),
            readings: u.readings_total,
            left_out_parties: u.left_out.0,
            left_out_places: u.left_out.1,
        }
    }
}

/// How a property was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Over every scenario of the space.
    Exhaustive,
    /// Over random scenarios.
    Sampled,
}

/// What checking found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Holds for every scenario checked.
    Proven,
    /// Fails for at least one scenario.
    Violated,
    /// No scenario is in the property's scope: it says nothing.
    Vacuous,
    /// The exhaustive walk could not settle the property (its scope speaks of scenarios with
    /// several attackers, or its space is too large), and the random scenarios sampled in its
    /// place found no violation: not proven.
    NotCheckedExhaustively,
}

impl Outcome {
    /// The lower-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Proven => "proven",
            Outcome::Violated => "violated",
            Outcome::Vacuous => "vacuous",
            Outcome::NotCheckedExhaustively => "not checked exhaustively",
        }
    }
}

/// The smallest scenario found that violates a property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counterexample {
    /// The scenario: `casus eval` on it shows the obligations that break the property.
    pub scenario: Scenario,
    /// The alternative reading under which it fails (`treaty/clause/reading`), if not the
    /// default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
    /// What goes wrong, in words.
    pub why: String,
}

/// The result for one property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyReport {
    /// The property's id.
    pub id: String,
    /// Its description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Exhaustive or sampled.
    pub mode: Mode,
    /// Proven, violated or vacuous.
    pub outcome: Outcome,
    /// Scenarios in the property's scope that were checked (exhaustive: all of them).
    pub scenarios: u128,
    /// Of those, how many violate it.
    pub violations: u128,
    /// Scenarios of the space outside the scope.
    pub out_of_scope: u128,
    /// Classes evaluated (exhaustive) or samples drawn.
    pub evaluated: u64,
    /// Anything the reader should know (sampling instead of exhaustive, uncovered cases).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub notes: Vec<String>,
    /// The smallest counterexample, when violated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<Counterexample>,
}

/// What `casus verify` reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// The scenario space of the rule set.
    pub space: SpaceReport,
    /// One result per property, in file order.
    pub properties: Vec<PropertyReport>,
}

impl VerifyReport {
    /// Whether no property is violated (each is proven, vacuous or not checked exhaustively).
    #[must_use]
    pub fn all_hold(&self) -> bool {
        self.properties.iter().all(|p| p.outcome != Outcome::Violated)
    }

    /// Whether some property could only be sampled where an exhaustive check was asked for
    /// (`casus verify` exits 3 then, unless sampling is accepted).
    #[must_use]
    pub fn any_unsettled(&self) -> bool {
        self.properties
            .iter()
            .any(|p| p.outcome == Outcome::NotCheckedExhaustively)
    }
}

/// Whether a requirement on forms or deadlines speaks of hit `h`.
fn selects(which: &Which, e: &Engine, h: &Hit) -> bool {
    status_matches(h.status, which.status) && selects_in_any_status(which, e, h)
}

/// Whether `which` selects hit `h` or would once `h` is definite.
fn selects_in_any_status(which: &Which, e: &Engine, h: &Hit) -> bool {
    which.parties.as_ref().is_none_or(|p| p.contains(&h.party))
        && level_matches(h.level, which.level)
        && which
            .under
            .as_ref()
            .is_none_or(|ts| e.clauses.get(h.clause as usize).is_some_and(|c| ts.contains(&c.treaty)))
}

/// The obligation a hit stands for, under a reading choice.
pub(crate) fn obligation_of<'e>(e: &'e Engine, reading: Option<(ClauseIx, usize)>, h: &Hit) -> Option<&'e Obligation> {
    let c = e.clauses.get(h.clause as usize)?;
    match reading {
        Some((rc, ri)) if rc == h.clause => c.readings.get(ri)?.obligations.get(h.obligation as usize),
        _ => c.obligations.get(h.obligation as usize),
    }
}

/// The ids of a clause the engine made, its treaty's and its own. The index comes from the
/// engine, so it is always in range: a missing clause is a bug, which fails every test (debug
/// builds); a release build writes `?` for it rather than abort a whole verification.
fn clause_ids(e: &Engine, cix: ClauseIx) -> (&str, &str, Option<&Clause>) {
    let c = e.clauses.get(cix as usize);
    let t = c.and_then(|c| e.treaties.get(c.treaty as usize));
    debug_assert!(t.is_some(), "clause index {cix} made by the engine is out of range");
    (t.map_or("?", |t| t.id.as_str()), c.map_or("?", |c| c.id.as_str()), c)
}

/// Where a hit comes from, in words: `FRA owes assist (definite) toward EST under nato/art5`.
fn hit_source(e: &Engine, h: &Hit) -> String {
    let (treaty, clause, _) = clause_ids(e, h.clause);
    format!(
        "{} owes {} ({}) toward {} under {treaty}/{clause}",
        e.party_id(h.party),
        h.level,
        h.status.as_str(),
        e.party_id(h.toward),
    )
}

/// A violation of a property in one scenario, in words; `None` when it holds.
pub(crate) fn violation(
    req: &Requirement,
    e: &Engine,
    reading: Option<(ClauseIx, usize)>,
    hits: &[Hit],
) -> Option<String> {
    let obligation = |h: &Hit| obligation_of(e, reading, h);
    let source = |h: &Hit| hit_source(e, h);
    match req {
        Requirement::Obliged { .. } => obliged_violation(req, e, reading, hits),
        Requirement::Never { forms, .. } => never_first(req, e, reading, hits, None).map(|h| never_why(e, *forms, h)),
        Requirement::Each { which, must } => hits.iter().filter(|h| selects(which, e, h)).find_map(|h| {
            let o = obligation(h)?;
            must.check(o, h.excluded)
                .err()
                .map(|why| format!("{}, which {why}", source(h)))
        }),
        Requirement::Exclusive(a, b) => {
            for h in hits.iter().filter(|h| level_matches(h.level, Some(*a))) {
                if let Some(g) = hits
                    .iter()
                    .find(|g| g.party == h.party && *g != h && level_matches(g.level, Some(*b)))
                {
                    return Some(format!("{}, and {}", source(h), source(g)));
                }
            }
            None
        }
    }
}

/// The first obligation of `hits` that breaks a `never` requirement, leaving out those of
/// party `without` (an attacker of a shared walk); `None` when it holds (or `req` is another
/// kind of requirement).
fn never_first<'h>(
    req: &Requirement,
    e: &Engine,
    reading: Option<(ClauseIx, usize)>,
    hits: &'h [Hit],
    without: Option<PartyIx>,
) -> Option<&'h Hit> {
    let Requirement::Never {
        parties,
        level,
        forms,
        status,
    } = req
    else {
        return None;
    };
    hits.iter()
        .filter(|h| Some(h.party) != without)
        .filter(|h| parties.as_ref().is_none_or(|p| p.contains(&h.party)))
        .filter(|h| level_matches(h.level, *level) && status_matches(h.status, *status))
        .find(|h| obligation_of(e, reading, h).is_some_and(|o| o.required & forms == *forms))
}

/// Why hit `h` breaks a `never` requirement on `forms`, in words.
fn never_why(e: &Engine, forms: u16, h: &Hit) -> String {
    let mut s = hit_source(e, h);
    if forms != 0 {
        let f: Vec<String> = forms_of(forms).iter().map(ToString::to_string).collect();
        s.push_str(&format!(", which requires {}", f.join(", ")));
    }
    s
}

/// Whether a requirement can look at hit `h` at all: an attacker none of whose hits it can
/// look at answers it as if it owed nothing (a superset of what each kind reads).
fn counts(req: &Requirement, e: &Engine, reading: Option<(ClauseIx, usize)>, h: &Hit) -> bool {
    match req {
        Requirement::Obliged {
            level, among, within, ..
        } => {
            level_matches(h.level, *level)
                && among.as_ref().is_none_or(|a| a.contains(&h.party))
                && obligation_of(e, reading, h).is_some_and(|o| due_within(o, *within))
        }
        Requirement::Never {
            parties, level, forms, ..
        } => {
            parties.as_ref().is_none_or(|p| p.contains(&h.party))
                && level_matches(h.level, *level)
                && (*forms == 0 || obligation_of(e, reading, h).is_some_and(|o| o.required & forms == *forms))
        }
        // A contingent obligation counts once definite: `undecided` reads it too.
        Requirement::Each { which, .. } => selects_in_any_status(which, e, h),
        Requirement::Exclusive(a, b) => level_matches(h.level, Some(*a)) || level_matches(h.level, Some(*b)),
    }
}

/// A violation of an `obliged` requirement in words: too few parties obliged; `None` when it
/// holds (or `req` is another kind of requirement).
fn obliged_violation(
    req: &Requirement,
    e: &Engine,
    reading: Option<(ClauseIx, usize)>,
    hits: &[Hit],
) -> Option<String> {
    let Requirement::Obliged {
        count,
        level,
        status,
        among,
        within,
    } = req
    else {
        return None;
    };
    let parties: BTreeSet<&str> = hits
        .iter()
        .filter(|h| level_matches(h.level, *level) && status_matches(h.status, *status))
        .filter(|h| among.as_ref().is_none_or(|a| a.contains(&h.party)))
        .filter(|h| obligation_of(e, reading, h).is_some_and(|o| due_within(o, *within)))
        .map(|h| e.party_id(h.party))
        .collect();
    if parties.len() >= *count as usize {
        return None;
    }
    let what = format!(
        "{}{}",
        level.map_or("any level".to_string(), |l| if l == crate::Level::Neutrality {
            "neutrality".into()
        } else {
            format!("{l} or stronger")
        }),
        if *status == super::StatusFilter::Definite {
            ", definite"
        } else {
            ""
        }
    ) + &within.map_or(String::new(), |h| format!(", due within {h} hours"));
    // Who could have counted: every party, or those of `among` (named when few).
    let of = among.as_ref().map(|a| match a.as_slice() {
        list if list.len() <= 6 => list.iter().map(|p| e.party_id(*p)).collect::<Vec<_>>().join(", "),
        list => format!("the {} parties of `among`", list.len()),
    });
    let n = parties.len();
    let named = parties.into_iter().collect::<Vec<_>>().join(", ");
    let verb = if n == 1 { "is" } else { "are" };
    Some(match (n, of) {
        (0, None) => format!("no party is obliged at {what}; at least {count} required"),
        (0, Some(of)) => format!("none of {of} is obliged at {what}; at least {count} required"),
        (_, None) => format!(
            "only {n} part{} obliged at {what} ({named}); at least {count} required",
            if n == 1 { "y is" } else { "ies are" }
        ),
        (_, Some(of)) => {
            format!("only {n} of {of} {verb} obliged at {what} ({named}); at least {count} required")
        }
    })
}

/// The obligations of one evaluation that hold the answer to a requirement in suspense: the
/// contingent ones whose becoming definite or disappearing could change it. Empty when the
/// requirement holds, or fails, whatever the open values turn out to be.
pub(crate) fn undecided<'h>(
    req: &Requirement,
    e: &Engine,
    reading: Option<(ClauseIx, usize)>,
    hits: &'h [Hit],
) -> Vec<&'h Hit> {
    let requires = |h: &Hit, forms: u16| -> bool {
        if forms == 0 {
            return true;
        }
        obligation_of(e, reading, h).is_some_and(|o| o.required & forms == forms)
    };
    fn definite(h: &&&Hit) -> bool {
        h.status == crate::Status::Definite
    }
    match req {
        Requirement::Obliged {
            count,
            level,
            among,
            within,
            ..
        } => {
            let m: Vec<&Hit> = hits
                .iter()
                .filter(|h| level_matches(h.level, *level))
                .filter(|h| among.as_ref().is_none_or(|a| a.contains(&h.party)))
                .filter(|h| obligation_of(e, reading, h).is_some_and(|o| due_within(o, *within)))
                .collect();
            let sure: BTreeSet<u32> = m.iter().filter(definite).map(|h| h.party).collect();
            let maybe: BTreeSet<u32> = m.iter().map(|h| h.party).collect();
            if sure.len() >= *count as usize || maybe.len() < *count as usize {
                return Vec::new();
            }
            m.into_iter().filter(|h| !sure.contains(&h.party)).collect()
        }
        Requirement::Never {
            parties, level, forms, ..
        } => {
            let m: Vec<&Hit> = hits
                .iter()
                .filter(|h| parties.as_ref().is_none_or(|p| p.contains(&h.party)))
                .filter(|h| level_matches(h.level, *level) && requires(h, *forms))
                .collect();
            if m.iter().any(|h| h.status == crate::Status::Definite) {
                return Vec::new();
            }
            m
        }
        Requirement::Each { which, must } => {
            // A contingent obligation counts once it becomes definite, so the answer waits on
            // it even where the requirement reads definite obligations only.
            let m: Vec<&Hit> = hits
                .iter()
                .filter(|h| selects_in_any_status(which, e, h))
                .filter(|h| obligation_of(e, reading, h).is_some_and(|o| must.check(o, h.excluded).is_err()))
                .collect();
            if m.iter().any(|h| h.status == crate::Status::Definite) {
                return Vec::new();
            }
            m
        }
        Requirement::Exclusive(a, b) => {
            let mut out = Vec::new();
            let parties: BTreeSet<u32> = hits.iter().map(|h| h.party).collect();
            for p in parties {
                let xs: Vec<&Hit> = hits
                    .iter()
                    .filter(|h| h.party == p && level_matches(h.level, Some(*a)))
                    .collect();
                let ys: Vec<&Hit> = hits
                    .iter()
                    .filter(|h| h.party == p && level_matches(h.level, Some(*b)))
                    .collect();
                let both_sure = xs
                    .iter()
                    .filter(definite)
                    .any(|x| ys.iter().filter(definite).any(|y| !std::ptr::eq(*x, *y)));
                if both_sure {
                    return Vec::new();
                }
                if !xs.is_empty() && !ys.is_empty() {
                    out.extend(xs.into_iter().chain(ys).filter(|h| h.status != crate::Status::Definite));
                }
            }
            out
        }
    }
}

/// The number of fields a cell's scenario states beyond the required ones.
pub(crate) fn stated_count(c: &Cell) -> usize {
    usize::from(c.attacker != super::walk::Atk::Unknown)
        + usize::from(matches!(c.location, Dim::Is(Some(_))))
        + usize::from(matches!(c.launched_from, Dim::Is(Some(_))))
        + usize::from(matches!(c.deployed_under, Dim::Is(Some(_))))
        + usize::from(matches!(c.on, Dim::Is(Some(_))))
        + usize::from(matches!(c.means, Dim::Is(Some(_))))
        + usize::from(matches!(c.supporters, Dim::Is(Sup::Nobody | Sup::One(_))))
        + c.facts.iter().filter(|f| matches!(f, Dim::Is(Some(_)))).count()
}

impl Universe<'_> {
    /// The scenario of a cell, with every open value left unknown.
    ///
    /// A cell's parties and places are indices into this universe, which made the cell: a
    /// missing one is a bug, which fails the tests (debug builds) rather than name no one.
    pub(crate) fn scenario(&self, c: &Cell) -> Scenario {
        self.scenario_as(c, c.attacker)
    }

    /// The scenario of a cell with attacker `attacker` (a shared walk's cells stand for
    /// several attackers).
    pub(crate) fn scenario_as(&self, c: &Cell, attacker: Atk) -> Scenario {
        let id = |u: u32| {
            let p = self.parties.get(u as usize);
            debug_assert!(p.is_some(), "party {u} of a cell is not in the universe");
            p.cloned().unwrap_or_default()
        };
        let place = |p: u32| {
            let x = self.places.get(p as usize);
            debug_assert!(x.is_some(), "place {p} of a cell is not in the universe");
            x.cloned()
        };
        let mut s = Scenario::new(c.date, c.event, &id(c.target));
        s.attacker = match attacker {
            super::walk::Atk::Unknown => None,
            super::walk::Atk::NonState => Some(Actor::NonState {
                non_state: "a non-state actor".into(),
            }),
            super::walk::Atk::Party(u) => Some(Actor::Party(id(u))),
        };
        s.location = match c.location {
            Dim::Is(Some(p)) => place(p),
            _ => None,
        };
        s.launched_from = match c.launched_from {
            Dim::Is(Some(p)) => place(p),
            _ => None,
        };
        s.deployed_under = match c.deployed_under {
            Dim::Is(Some(Some(i))) => self.missions.as_ref().and_then(|(m, _)| m.get(i as usize)).cloned(),
            Dim::Is(Some(None)) => Some(crate::kernel::NO_MISSION.to_string()),
            _ => None,
        };
        s.on = match c.on {
            Dim::Is(o) => o,
            Dim::Open => None,
        };
        s.means = match c.means {
            Dim::Is(m) => m,
            Dim::Open => None,
        };
        s.supported_by = match c.supporters {
            Dim::Is(Sup::Nobody) => Some(Vec::new()),
            Dim::Is(Sup::One(u)) => Some(vec![id(u)]),
            _ => None,
        };
        for (u, f) in c.facts.iter().enumerate() {
            if let (Dim::Is(Some(b)), Some(name)) = (f, self.facts.get(u)) {
                s.facts.insert(name.clone(), *b);
            }
        }
        s
    }

    /// Per target: its context, or `None` when the scope rules it out.
    pub(crate) fn contexts(&self, readings: bool) -> Vec<Option<TargetCtx>> {
        self.targets()
            .into_par_iter()
            .map(|(t, members)| {
                (self.scope_value(t, None, None, None).truth != Truth::False)
                    .then(|| self.target_ctx(t, members, readings))
            })
            .collect()
    }

    /// The jobs of a walk: (target, event class, attacker class) not ruled out by the scope.
    pub(crate) fn jobs<'c>(&self, ctxs: &'c [Option<TargetCtx>]) -> Vec<(&'c TargetCtx, usize, usize)> {
        let mut out = Vec::new();
        for tc in ctxs.iter().flatten() {
            for (ei, &(ev, _)) in tc.events.iter().enumerate() {
                if self.scope_value(tc.target, Some(ev), None, None).truth == Truth::False {
                    continue;
                }
                for (ai, a) in tc.attackers.iter().enumerate() {
                    if self.scope_value(tc.target, Some(ev), Some(a.atk), None).truth != Truth::False {
                        out.push((tc, ei, ai));
                    }
                }
            }
        }
        out
    }
}

/// The best counterexample so far: fewest stated fields, then the YAML text, then the job that
/// found it (the earliest, as a walk in the jobs' order keeps it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Best {
    /// Fields the scenario states (and 1 for an alternative reading).
    pub stated: usize,
    /// The scenario as YAML, then the reading's name.
    pub key: String,
    /// The number of the job that found it, in the walk's order of jobs.
    pub job: usize,
    /// The counterexample.
    pub counterexample: Counterexample,
}

impl Best {
    fn before(&self, other: &Best) -> bool {
        (self.stated, &self.key, self.job) < (other.stated, &other.key, other.job)
    }
}

/// What a walk of some of a property's jobs found: it adds up over the jobs, in any order
/// and over any split of them (the shards of `casus verify --shard`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct WalkPart {
    /// Classes evaluated.
    pub evaluated: u64,
    /// Scenarios (weighted) in scope.
    pub in_scope: u128,
    /// Of those, how many violate the property.
    pub violations: u128,
    /// The smallest counterexample.
    pub best: Option<Best>,
}

impl WalkPart {
    /// Adds what another part of the walk found.
    pub(crate) fn absorb(&mut self, other: WalkPart) {
        self.evaluated = self.evaluated.saturating_add(other.evaluated);
        self.in_scope = self.in_scope.saturating_add(other.in_scope);
        self.violations = self.violations.saturating_add(other.violations);
        if let Some(b) = other.best
            && self.best.as_ref().is_none_or(|x| b.before(x))
        {
            self.best = Some(b);
        }
    }
}

/// One attacker class a walk judges its leaves for: the class and the number of its job in the
/// walk's order of jobs.
#[derive(Clone, Copy)]
pub(crate) struct Served<'a> {
    pub class: &'a AtkClass,
    pub job: usize,
}

struct Checker<'a> {
    e: &'a Engine,
    prop: &'a Property,
    /// The attacker classes the walk serves, in the order of their jobs: one for a job walked
    /// alone, several for a shared walk ([`Universe::run_shared`]), whose hits keep what
    /// each attacker would owe, dropped here attacker by attacker.
    served: Vec<(Served<'a>, Option<PartyIx>)>,
    shared: bool,
    /// One evaluation's hits less those of one attacker, per evaluation (reused).
    scratch: Vec<Vec<Hit>>,
    violations: u128,
    best: Option<Best>,
}

impl<'a> Checker<'a> {
    fn new(e: &'a Engine, prop: &'a Property, u: &Universe<'_>, served: &[Served<'a>]) -> Checker<'a> {
        let party = |c: &AtkClass| match c.atk {
            Atk::Party(x) => u.views.first().and_then(|v| v.party.get(x as usize).copied()),
            _ => None,
        };
        Checker {
            e,
            prop,
            served: served.iter().map(|s| (*s, party(s.class))).collect(),
            shared: served.len() > 1,
            scratch: Vec::new(),
            violations: 0,
            best: None,
        }
    }

    /// The parties that owe an obligation the requirement can look at in `results`
    /// ([`counts`]), sorted: only for an attacker among them do its own hits change the answer.
    fn owners(&self, results: &[(&Eval, &[Hit])]) -> Vec<PartyIx> {
        let mut out: Vec<PartyIx> = results
            .iter()
            .flat_map(|(ev, hits)| {
                hits.iter()
                    .filter(|h| counts(&self.prop.require, self.e, ev.reading, h))
                    .map(|h| h.party)
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// `results` less the hits of party `p`, in the scratch buffers (one per evaluation).
    fn fill_without(&mut self, p: PartyIx, results: &[(&Eval, &[Hit])]) {
        self.scratch.resize_with(results.len(), Vec::new);
        for ((_, hits), out) in results.iter().zip(self.scratch.iter_mut()) {
            out.clear();
            out.extend(hits.iter().filter(|h| h.party != p).copied());
        }
    }

    /// The dependencies of the obligations that hold the answer in suspense in `results`.
    fn undecided_deps(&self, results: &[(&Eval, &[Hit])], out: &mut Vec<(usize, crate::kernel::Deps)>) {
        for (ev, hits) in results {
            for h in undecided(&self.prop.require, self.e, ev.reading, hits) {
                out.push((ev.k, h.deps));
            }
        }
    }

    /// Why each evaluation of `results` violates the property (`None` where it holds).
    fn verdicts(&self, results: &[(&Eval, &[Hit])]) -> Vec<Option<String>> {
        results
            .iter()
            .map(|(ev, hits)| violation(&self.prop.require, self.e, ev.reading, hits))
            .collect()
    }

    /// Counts a leaf's violations for attacker class `served` (`weight`: the scenarios of the
    /// cell for that class, per evaluation's weight) and keeps the smallest counterexample.
    fn record(
        &mut self,
        u: &Universe,
        cell: &Cell,
        (served, weight): (Served<'_>, u128),
        evals: &[(&Eval, &[Hit])],
        verdicts: &[Option<String>],
    ) {
        for ((ev, _), why) in evals.iter().zip(verdicts) {
            let Some(why) = why else { continue };
            self.violations = self.violations.saturating_add(sat_mul(weight, ev.weight));
            let n = stated_count(cell) + usize::from(ev.reading.is_some());
            if self.best.as_ref().is_some_and(|b| b.stated < n) {
                continue;
            }
            let scenario = u.scenario_as(cell, served.class.atk);
            let text = scenario.to_yaml().unwrap_or_default();
            let reading = ev.reading.map(|r| reading_name(self.e, r));
            let key = format!("{text}{}", reading.as_deref().unwrap_or(""));
            if self
                .best
                .as_ref()
                .is_none_or(|b| (n, &key, served.job) < (b.stated, &b.key, b.job))
            {
                self.best = Some(Best {
                    stated: n,
                    key,
                    job: served.job,
                    counterexample: Counterexample {
                        scenario,
                        reading,
                        why: why.clone(),
                    },
                });
            }
        }
    }
}

/// The evaluations of `results` paired with other hits, one list per evaluation (an
/// attacker's: the walk's less its own, from [`Checker::fill_without`]).
fn with_hits<'r, 'h>(results: &[(&'r Eval, &[Hit])], hits: &'h [Vec<Hit>]) -> Vec<(&'r Eval, &'h [Hit])> {
    results.iter().zip(hits).map(|((e, _), h)| (*e, h.as_slice())).collect()
}

impl Checker<'_> {
    /// What any attacker of a shared walk waits on: each attacker's hits are the walk's less
    /// its own, so an attacker that owes nothing the requirement looks at waits on what the
    /// walk's hits wait on, and each other one is read on its own.
    fn shared_relevant(&mut self, results: &[(&Eval, &[Hit])], out: &mut Vec<(usize, crate::kernel::Deps)>) {
        if let Requirement::Never { .. } = self.prop.require {
            self.never_relevant(results, out);
            return;
        }
        let owners = self.owners(results);
        let mut plain = false;
        for i in 0..self.served.len() {
            match self.served.get(i).and_then(|s| s.1) {
                Some(p) if owners.binary_search(&p).is_ok() => {
                    self.fill_without(p, results);
                    self.undecided_deps(&with_hits(results, &self.scratch), out);
                }
                _ => plain = true,
            }
        }
        if plain {
            self.undecided_deps(results, out);
        }
    }

    /// [`Checker::shared_relevant`] for a `never` requirement, in one pass: an attacker's
    /// answer waits on nothing while another party definitely owes what the requirement
    /// forbids; with no such party, on every obligation it counts (each is another attacker's
    /// too, since a shared walk serves two or more); with one, only that party as the attacker
    /// waits, on the others' obligations.
    fn never_relevant(&self, results: &[(&Eval, &[Hit])], out: &mut Vec<(usize, crate::kernel::Deps)>) {
        for (ev, hits) in results {
            let counted = || {
                hits.iter()
                    .filter(|h| counts(&self.prop.require, self.e, ev.reading, h))
            };
            let mut sure = counted()
                .filter(|h| h.status == crate::Status::Definite)
                .map(|h| h.party);
            let first = sure.next();
            let deps = match first {
                Some(d) if sure.all(|p| p == d) => {
                    if !self.served.iter().any(|s| s.1 == Some(d)) {
                        continue;
                    }
                    counted()
                        .filter(|h| h.party != d)
                        .fold(crate::kernel::Deps::NONE, |a, h| a.union(h.deps))
                }
                Some(_) => continue,
                None => counted().fold(crate::kernel::Deps::NONE, |a, h| a.union(h.deps)),
            };
            out.push((ev.k, deps));
        }
    }

    /// Judges a leaf of a shared walk for each of its attackers, in their jobs' order.
    fn shared_leaf(&mut self, u: &Universe, cell: &Cell, weight: u128, results: &[(&Eval, &[Hit])]) {
        let owners = self.owners(results);
        let mut plain: Option<Vec<Option<String>>> = None;
        for i in 0..self.served.len() {
            let Some(&(served, party)) = self.served.get(i) else {
                continue;
            };
            let w = sat_mul(weight, served.class.weight);
            match party {
                Some(p) if owners.binary_search(&p).is_ok() => {
                    let verdicts = self.verdicts_without(p, results);
                    self.record(u, cell, (served, w), results, &verdicts);
                }
                _ => {
                    if plain.is_none() {
                        plain = Some(self.verdicts(results));
                    }
                    if let Some(verdicts) = &plain {
                        self.record(u, cell, (served, w), results, verdicts);
                    }
                }
            }
        }
    }

    /// [`Checker::verdicts`] of `results` less the hits of party `p`.
    fn verdicts_without(&mut self, p: PartyIx, results: &[(&Eval, &[Hit])]) -> Vec<Option<String>> {
        if let Requirement::Never { forms, .. } = &self.prop.require {
            return results
                .iter()
                .map(|(ev, hits)| {
                    never_first(&self.prop.require, self.e, ev.reading, hits, Some(p))
                        .map(|h| never_why(self.e, *forms, h))
                })
                .collect();
        }
        self.fill_without(p, results);
        self.verdicts(&with_hits(results, &self.scratch))
    }
}

impl Visitor for Checker<'_> {
    fn relevant(&mut self, _: &Universe, results: &[(&Eval, &[Hit])], out: &mut Vec<(usize, crate::kernel::Deps)>) {
        if self.shared {
            self.shared_relevant(results, out);
        } else {
            self.undecided_deps(results, out);
        }
    }

    fn leaf(&mut self, u: &Universe, _: &JobInfo<'_>, cell: &Cell, weight: u128, results: &[(&Eval, &[Hit])]) {
        if self.shared {
            self.shared_leaf(u, cell, weight, results);
            return;
        }
        let verdicts = self.verdicts(results);
        if let Some(&(served, _)) = self.served.first() {
            self.record(u, cell, (served, weight), results, &verdicts);
        }
    }
}

/// `treaty/clause/reading` of a reading choice. The choice comes from the engine's own
/// clauses and readings, so every part exists (see [`clause_ids`] for what a bug does).
pub(crate) fn reading_name(e: &Engine, (cix, ri): (ClauseIx, usize)) -> String {
    let (treaty, clause, c) = clause_ids(e, cix);
    let r = c.and_then(|c| c.readings.get(ri));
    debug_assert!(
        r.is_some(),
        "reading {ri} of clause index {cix} made by the engine is out of range"
    );
    format!("{treaty}/{clause}/{}", r.map_or("?", |r| r.id.as_str()))
}

/// Checks every property of a file against a rule set.
///
/// Each property is checked over the exhaustive space of single-target, single-attacker
/// scenarios (collapsed into classes no condition tells apart), or by sampling when asked or
/// when that space is too large. The result is the same whatever the number of threads.
///
/// ```
/// let engine = casus::RuleSet::from_yaml(casus::doc_example())?.compile()?;
/// let props = casus::verify::Properties::from_yaml("
/// properties:
///   - id: usa-never-military
///     require: {never: {parties: [USA], level: military}}
///   - id: estonia-covered
///     scope: {all: [{event: armed_attack}, {target: {is: EST}}, {location: {in: EST}}, {date: {from: 2004-03-29}}]}
///     require: {obliged: {at_least: 2, level: assist}}
/// ", &engine)?;
/// let report = casus::verify::verify(&engine, &props, &Default::default(), None)?;
/// assert_eq!(report.properties[0].outcome, casus::verify::Outcome::Proven);
/// // An attack by FRA leaves only USA obliged: a counterexample.
/// let bad = &report.properties[1];
/// assert_eq!(bad.outcome, casus::verify::Outcome::Violated);
/// assert!(bad.counterexample.is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`VerifyError`] when the space is too large to walk, the evaluation budget is spent, the
/// walk is cancelled, or sampling is asked for without the `proptest` feature.
pub fn verify(
    engine: &Engine,
    props: &Properties,
    opts: &VerifyOptions,
    progress: Option<Progress<'_>>,
) -> Result<VerifyReport, VerifyError> {
    let space = SpaceReport::of(&Universe::new(&[engine], None, &[], true));
    let mut out = Vec::new();
    for (i, p) in props.properties.iter().enumerate() {
        out.push(check_property(engine, props, (i, p), opts, progress)?);
        if cancelled(opts.cancel.as_ref()) {
            return Err(VerifyError::Cancelled);
        }
    }
    Ok(VerifyReport { space, properties: out })
}

fn check_property(
    engine: &Engine,
    props: &Properties,
    (index, p): (usize, &Property),
    opts: &VerifyOptions,
    progress: Option<Progress<'_>>,
) -> Result<PropertyReport, VerifyError> {
    let u = universe_of(engine, props, p);
    let part = part_of(engine, (&u, props), (index, p), opts, (Shard::WHOLE, false), progress)?;
    conclude(part, || {
        super::sample::sample(engine, &u, p, opts.default_samples, Vec::new())
    })
}

/// What shard `shard` finds of property `p` (number `index`); see [`part_of`].
pub(crate) fn property_shard(
    engine: &Engine,
    props: &Properties,
    (index, p): (usize, &Property),
    opts: &VerifyOptions,
    shard: Shard,
    progress: Option<Progress<'_>>,
) -> Result<PropertyPart, VerifyError> {
    let u = universe_of(engine, props, p);
    part_of(engine, (&u, props), (index, p), opts, (shard, true), progress)
}

/// The space one property is checked over.
fn universe_of<'a>(engine: &'a Engine, props: &'a Properties, p: &Property) -> Universe<'a> {
    let scope = p.scope.map(|root| Scope {
        nodes: &props.nodes,
        root,
        treaty: p.treaty,
    });
    let mut u = Universe::new(&[engine], scope, &p.named, p.readings == Readings::Every);
    u.keep = Some(engine.clauses.iter().map(|c| p.require.may_see(engine, c)).collect());
    u
}

/// What one shard finds of property `p` (number `index`): its share of the walk, or, when the
/// property is sampled instead, the sample, from the shard that owns the property (`eager`:
/// the owner samples a property the walk cannot reach in full before knowing whether the
/// walk found a violation, since no shard knows that alone).
pub(crate) fn part_of(
    engine: &Engine,
    (u, props): (&Universe<'_>, &Properties),
    (index, p): (usize, &Property),
    opts: &VerifyOptions,
    (shard, eager): (Shard, bool),
    progress: Option<Progress<'_>>,
) -> Result<PropertyPart, VerifyError> {
    let owner = shard.owns(index);
    let part = |how| PropertyPart {
        id: p.id.clone(),
        description: p.description.clone(),
        how,
    };
    if let Some(n) = opts.sample {
        let report = owner
            .then(|| super::sample::sample(engine, u, p, n, Vec::new()).map(Box::new))
            .transpose()?;
        return Ok(part(How::Settled { report }));
    }
    let budget = Budget::new(opts.max_evaluations);
    before_walk(u, &budget, "verify")?;
    let ctxs = u.contexts(p.readings == Readings::Every);
    let jobs = u.jobs(&ctxs);
    let classes: u64 = jobs
        .iter()
        .map(|(tc, _, _)| tc.dates.len() as u64)
        .fold(0u64, u64::saturating_add);
    if classes > opts.max_classes {
        let notes = vec![format!(
            "the exhaustive space has {classes} classes of scenarios in scope, over the limit of {}: sampled instead (restrict the scope, or raise the limit)",
            opts.max_classes
        )];
        let report = owner
            .then(|| unsettled(super::sample::sample(engine, u, p, opts.default_samples, notes)).map(Box::new))
            .transpose()?;
        return Ok(part(How::Settled { report }));
    }
    let mut notes = Vec::new();
    if ctxs.iter().flatten().any(|c| c.rel.count_tests) {
        notes.push(
            "some clauses count several attackers; the exhaustive space has one attacker per scenario, so sample (--sample) to cover them"
                .into(),
        );
    }
    // A shared walk splits a class on what any of its attackers waits on, which for each of
    // them refines its own walk on values none of its counted obligations depends on (every
    // requirement waits on the contingent obligations that could change its answer): each
    // attacker's counts and smallest counterexample stay exact.
    let walk = walk_jobs(engine, (u, p), &jobs, (shard, true), (index, opts, &budget), progress)?;
    let beyond = if p.scope.is_some_and(|root| counts_attackers(&props.nodes, root)) {
        let sample = (eager && owner)
            .then(|| super::sample::sample(engine, u, p, opts.default_samples, Vec::new()).map(Box::new))
            .transpose()?;
        Some(Beyond {
            samples: opts.default_samples,
            sample,
        })
    } else {
        None
    };
    Ok(part(How::Walked {
        walk: Box::new(walk),
        everything: u.size(),
        notes,
        beyond,
    }))
}

/// The jobs of one target and event class that one walk serves: (attacker class, job number)
/// each, in the jobs' order.
pub(crate) struct WalkUnit<'c> {
    tc: &'c TargetCtx,
    event: usize,
    jobs: Vec<(usize, usize)>,
}

/// The walks of `jobs`: with `share`, the jobs of one target and event class whose attacker
/// classes are alike ([`AtkClass::alike`]) share one walk; every other job walks alone. In the
/// order of their first jobs, so that the walks, and the shard that takes each, follow from the
/// rule set and the property alone.
pub(crate) fn walk_units<'c>(jobs: &[(&'c TargetCtx, usize, usize)], share: bool) -> Vec<WalkUnit<'c>> {
    let mut out: Vec<WalkUnit<'c>> = Vec::new();
    let mut open: BTreeMap<(u32, usize, u32), usize> = BTreeMap::new();
    for (n, &(tc, ei, ai)) in jobs.iter().enumerate() {
        let alike = tc.attackers.get(ai).and_then(|a| a.alike).filter(|_| share);
        if let Some(g) = alike {
            let key = (tc.target, ei, g);
            if let Some(w) = open.get(&key).and_then(|&i| out.get_mut(i)) {
                w.jobs.push((ai, n));
                continue;
            }
            open.insert(key, out.len());
        }
        out.push(WalkUnit {
            tc,
            event: ei,
            jobs: vec![(ai, n)],
        });
    }
    out
}

/// Walks the walks of `jobs` ([`walk_units`], sharing them where `share`) that `shard`
/// takes, in parallel, and adds up what they find in the walks' order.
fn walk_jobs(
    engine: &Engine,
    (u, p): (&Universe<'_>, &Property),
    jobs: &[(&TargetCtx, usize, usize)],
    (shard, share): (Shard, bool),
    (index, opts, budget): (usize, &VerifyOptions, &Budget),
    progress: Option<Progress<'_>>,
) -> Result<WalkPart, VerifyError> {
    let units = walk_units(jobs, share);
    let mine: Vec<&WalkUnit<'_>> = units
        .iter()
        .enumerate()
        .filter(|(k, _)| shard.takes(*k))
        .map(|(_, w)| w)
        .collect();
    let (done, finished) = (AtomicU64::new(0), AtomicU64::new(0));
    let total = mine.len() as u64;
    let total_jobs: u64 = mine.iter().map(|w| w.jobs.len() as u64).sum();
    let walked = opts.progress.as_deref();
    if let Some(w) = walked {
        w.start(index as u64 + 1, total);
    }
    let results: Vec<WalkPart> = mine
        .par_iter()
        .map(|w| {
            let served: Vec<Served<'_>> = w
                .jobs
                .iter()
                .filter_map(|&(ai, job)| w.tc.attackers.get(ai).map(|class| Served { class, job }))
                .collect();
            let mut stats = Stats::default();
            let mut checker = Checker::new(engine, p, u, &served);
            if cancelled(opts.cancel.as_ref()) {
                return WalkPart::default();
            }
            if let Some(ev) = w.tc.events.get(w.event)
                && !budget.exceeded()
            {
                if let [one] = served.as_slice() {
                    u.run_job(w.tc, *ev, one.class, (true, walked), budget, &mut checker, &mut stats);
                } else {
                    let atks: Vec<&AtkClass> = served.iter().map(|s| s.class).collect();
                    u.run_shared(w.tc, *ev, &atks, walked, budget, &mut checker, &mut stats);
                }
                if !budget.exceeded() {
                    finished.fetch_add(served.len() as u64, Ordering::Relaxed);
                }
            }
            if let Some(f) = progress {
                f(&p.id, done.fetch_add(1, Ordering::Relaxed) + 1, total);
            }
            WalkPart {
                evaluated: stats.evaluated,
                in_scope: stats.in_scope,
                violations: checker.violations,
                best: checker.best,
            }
        })
        .collect();
    if cancelled(opts.cancel.as_ref()) {
        return Err(VerifyError::Cancelled);
    }
    if budget.exceeded() {
        return Err(over_budget("verify", budget, finished.into_inner(), total_jobs));
    }
    let mut all = WalkPart::default();
    for r in results {
        all.absorb(r);
    }
    Ok(all)
}

/// One property's report from what the walk (all of its shards) found. `sample` samples a
/// property the walk cannot reach in full when no shard did it already.
pub(crate) fn conclude(
    part: PropertyPart,
    sample: impl FnOnce() -> Result<PropertyReport, VerifyError>,
) -> Result<PropertyReport, VerifyError> {
    let (walk, everything, notes, beyond) = match part.how {
        How::Settled { report } => return report.map(|r| *r).ok_or(VerifyError::Cancelled),
        How::Walked {
            walk,
            everything,
            notes,
            beyond,
        } => (walk, everything, notes, beyond),
    };
    // Everything the walk did not visit is out of scope.
    let out_of_scope = everything.saturating_sub(walk.in_scope);
    let outcome = if walk.violations > 0 {
        Outcome::Violated
    } else if walk.in_scope == 0 {
        Outcome::Vacuous
    } else {
        Outcome::Proven
    };
    let report = PropertyReport {
        id: part.id,
        description: part.description,
        mode: Mode::Exhaustive,
        outcome,
        scenarios: walk.in_scope,
        violations: walk.violations,
        out_of_scope,
        evaluated: walk.evaluated,
        notes,
        counterexample: walk.best.map(|b| b.counterexample),
    };
    match beyond {
        None => Ok(report),
        Some(b) => beyond_reach(report, b.samples, || b.sample.map_or_else(sample, |s| Ok(*s))),
    }
}

/// A property whose scope the exhaustive walk cannot reach in full (several attackers): a
/// violation found stands; otherwise the property is sampled, and is not checked
/// exhaustively unless sampling finds a violation.
fn beyond_reach(
    mut report: PropertyReport,
    samples: u32,
    sample: impl FnOnce() -> Result<PropertyReport, VerifyError>,
) -> Result<PropertyReport, VerifyError> {
    let beyond = "the scope speaks of scenarios with several attackers, which the exhaustive walk (one attacker per scenario) cannot reach";
    if report.outcome == Outcome::Violated {
        report.notes.push(format!("{beyond}; they were not checked"));
        return Ok(report);
    }
    let mut notes = vec![format!(
        "{beyond}: sampled instead, {samples} random scenarios (choose how many with --sample N)"
    )];
    if report.scenarios > 0 {
        notes.push(format!(
            "the {} scenarios with one attacker in scope were checked exhaustively: none violates it",
            report.scenarios
        ));
    }
    unsettled(sample().map(|mut r| {
        notes.append(&mut r.notes);
        r.notes = notes;
        r
    }))
}

/// Stops a walk before it starts when preparing it would already pass the evaluation budget:
/// telling the attackers and the places of each target apart takes a step per (target,
/// attacker) and (target, place) pair.
pub(crate) fn before_walk(u: &Universe, budget: &Budget, what: &'static str) -> Result<(), VerifyError> {
    let targets = u.targets().len() as u64;
    let pairs = targets.saturating_mul((u.parties.len() + 2 + u.places.len()) as u64);
    if pairs <= budget.limit {
        return Ok(());
    }
    Err(VerifyError::OverBudget {
        what,
        limit: budget.limit,
        reached: format!(
            "nothing evaluated: preparing the walk takes {pairs} steps ({targets} target classes × {} attackers and places)",
            u.parties.len() + 2 + u.places.len()
        ),
        narrow: narrowing(what),
        field: field(what),
    })
}

/// The error of a walk that ran out of evaluations, with how far it got.
pub(crate) fn over_budget(what: &'static str, budget: &Budget, finished: u64, total: u64) -> VerifyError {
    VerifyError::OverBudget {
        what,
        limit: budget.limit,
        reached: format!(
            "{} classes of scenarios evaluated with {finished} of {total} (target, event, attacker) jobs done",
            budget.limit
        ),
        narrow: narrowing(what),
        field: field(what),
    }
}

fn narrowing(what: &str) -> &'static str {
    if what == "diff" {
        " (--target, --party)"
    } else {
        " of the property"
    }
}

fn field(what: &str) -> &'static str {
    if what == "diff" {
        "DiffOptions::max_evaluations in the library"
    } else {
        "VerifyOptions::max_evaluations in the library"
    }
}

/// A property sampled in place of an exhaustive check: unless sampling found a violation, it
/// is not checked exhaustively (neither proven nor vacuous).
fn unsettled(sampled: Result<PropertyReport, VerifyError>) -> Result<PropertyReport, VerifyError> {
    sampled.map(|mut r| {
        if r.outcome != Outcome::Violated {
            r.outcome = Outcome::NotCheckedExhaustively;
        }
        r
    })
}

/// Whether a scope counts several attackers (`attackers: {at_least: N}` with N ≥ 2): the
/// exhaustive space has one attacker per scenario, so it cannot reach all of such a scope.
fn counts_attackers(nodes: &[Node], root: NodeIx) -> bool {
    let mut stack = vec![root];
    let mut seen = 0usize;
    while let Some(n) = stack.pop() {
        seen += 1;
        if seen > nodes.len() {
            return false;
        }
        match nodes.get(n as usize) {
            Some(Node::Attackers(count, _)) if *count >= 2 => return true,
            Some(Node::All(k) | Node::Any(k)) => stack.extend(k.iter().copied()),
            Some(Node::Not(k)) => stack.push(*k),
            _ => {}
        }
    }
    false
}

/// Why property `p` is violated in scenario `s` (in scope by construction: a counterexample)
/// under its default reading or, when it checks every reading, under any of them; `None` when
/// it holds there, or when the scenario names something the rule set lacks.
pub(crate) fn violated_in(e: &Engine, p: &Property, s: &Scenario) -> Option<String> {
    let prepared = e.prepare(s).ok()?;
    let readings = if p.readings == Readings::Every {
        crate::reference::reading_choices(e)
    } else {
        vec![None]
    };
    let mut hits = Vec::new();
    readings.into_iter().find_map(|r| {
        super::hits_under(e, &prepared, r, &mut hits);
        violation(&p.require, e, r, &hits)
    })
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// Parties that attack alike but oblige one another, with facts their obligations wait on.
    const PACT: &str = "
tags:
  - {id: europe, description: Europe.}
facts:
  - {id: neutral, description: Neutrality is declared.}
parties:
  - {id: AAA, name: A, territory_tags: [europe]}
  - {id: BBB, name: B, territory_tags: [europe]}
  - {id: CCC, name: C, territory_tags: [europe]}
  - {id: DDD, name: D, territory_tags: [europe]}
  - {id: TTT, name: T, territory_tags: [europe]}
  - {id: XXX, name: X}
treaties:
  - id: pact
    name: Pact
    in_force: 2000-01-01
    parties: [{party: AAA}, {party: BBB}, {party: CCC}, {party: DDD, joined: 2010-01-01}, {party: TTT}]
    clauses:
      - id: art1
        citation: Art. 1
        trigger:
          all:
            - target: treaty_party
            - location: {tagged: europe}
            - any:
                - event: armed_attack
                - all: [{event: cyber_attack}, {fact: determined}]
        obligations:
          - level: assist
            forms: {allowed: [armed_force]}
          - level: neutrality
            obligated: [AAA, BBB]
            when: {fact: neutral}
      - id: art2
        citation: Art. 2
        trigger: {all: [{target: treaty_party}, {event: [armed_attack, cyber_attack]}]}
        obligations:
          - level: consult
            obligated: [CCC, DDD]
            deadline: immediately
            when: {fact: requested}
";

    const PACT_PROPERTIES: &str = "
properties:
  - id: never-definite-assist
    require: {never: {level: assist, status: definite}}
  - id: never-assist
    require: {never: {level: assist}}
  - id: three-assist
    require: {obliged: {at_least: 3, level: assist}}
  - id: two-definite
    require: {obliged: {at_least: 2, level: assist, status: definite}}
  - id: consult-at-once
    require: {obliged: {at_least: 1, level: consult, within: {hours: 1}}}
  - id: assist-or-neutral
    require: {exclusive: [assist, neutrality]}
  - id: forms-any
    require: {forms: {level: assist, required: [armed_force]}}
  - id: forms-definite
    require: {forms: {level: assist, status: definite, required: [armed_force]}}
  - id: forms-definite-on-cyber
    scope: {event: cyber_attack}
    require: {forms: {level: assist, status: definite, required: [economic]}}
  - id: every-reading
    readings: every
    scope: {event: cyber_attack}
    require: {never: {level: assist, status: definite}}
";

    /// What each property's walk finds, in shard `shard`, with shared walks where its
    /// requirement allows them (`share`) or without.
    fn walked(engine: &Engine, props: &Properties, share: bool, shard: Shard) -> Vec<WalkPart> {
        let opts = VerifyOptions::default();
        props
            .properties
            .iter()
            .enumerate()
            .map(|(index, p)| {
                let u = universe_of(engine, props, p);
                let budget = Budget::new(opts.max_evaluations);
                let ctxs = u.contexts(p.readings == Readings::Every);
                let jobs = u.jobs(&ctxs);
                walk_jobs(engine, (&u, p), &jobs, (shard, share), (index, &opts, &budget), None).unwrap()
            })
            .collect()
    }

    /// A walk shared by attackers finds what their jobs walked one by one find: the same
    /// scenarios in scope, violations and smallest counterexample, with fewer classes
    /// evaluated; and the shards of the shared walks add up to the single run.
    #[test]
    fn shared_walks_find_what_separate_jobs_find() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let pact = crate::RuleSet::from_yaml(PACT).unwrap().compile().unwrap();
        let pact_props = Properties::from_yaml(PACT_PROPERTIES, &pact).unwrap();
        let draft = crate::RuleSet::load(root.join("rules/drafts/ukraine-coalition-b"))
            .unwrap()
            .compile()
            .unwrap();
        let draft_props = Properties::load(root.join("examples/properties/ukraine.yaml"), &draft).unwrap();
        for (engine, props) in [(&pact, &pact_props), (&draft, &draft_props)] {
            let alone = walked(engine, props, false, Shard::WHOLE);
            let shared = walked(engine, props, true, Shard::WHOLE);
            let mut fewer = 0;
            for ((p, a), s) in props.properties.iter().zip(&alone).zip(&shared) {
                let found = |w: &WalkPart| (w.in_scope, w.violations, w.best.clone());
                assert_eq!(found(a), found(s), "{}", p.id);
                assert!(s.evaluated <= a.evaluated, "{}", p.id);
                fewer += usize::from(s.evaluated < a.evaluated);
            }
            assert!(fewer > 0, "some walk is shared");
            assert!(alone.iter().any(|w| w.violations > 0), "some property is violated");
            for n in [2, 3] {
                let mut merged = vec![WalkPart::default(); props.properties.len()];
                for i in 1..=n {
                    let part = walked(engine, props, true, Shard::new(i, n).unwrap());
                    for (m, w) in merged.iter_mut().zip(part) {
                        m.absorb(w);
                    }
                }
                assert_eq!(merged, shared, "{n} shards");
            }
        }
    }
}
