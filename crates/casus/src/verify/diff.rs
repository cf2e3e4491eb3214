//! `casus diff`: every class of scenarios whose verdict differs between two rule sets.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use indexmap::IndexMap;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::kernel::{ClauseIx, Hit, Prepared, forms_of, made};
use crate::{Engine, Forms, Level, Scenario, Status};

use super::VerifyError;
use super::check::{Cancel, Progress, SpaceReport, WalkProgress, cancelled};
use super::shard::Shard;
use super::space::Universe;
use super::walk::{Atk, Budget, Cell, Dim, Eval, JobInfo, Stats, TargetCtx, Visitor, sat_mul};

/// Options of [`diff()`](fn@diff).
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// The most classes of scenarios compared; above it, the diff fails rather than run for
    /// hours.
    pub max_classes: u64,
    /// Only scenarios whose target is one of these party ids (`None`: every target). A class
    /// of parties that no rule names is walked when one of its members is listed.
    pub targets: Option<Vec<String>>,
    /// Only the obligations of these party ids (`None`: every party).
    pub parties: Option<Vec<String>>,
    /// The most classes the walk may evaluate; past it, the diff stops with
    /// [`VerifyError::OverBudget`] (see [`VerifyOptions::max_evaluations`](super::VerifyOptions)).
    pub max_evaluations: u64,
    /// Set to `true` (from another thread) to stop the walk at its next class of scenarios:
    /// [`diff()`](fn@diff) then returns [`VerifyError::Cancelled`].
    pub cancel: Option<Cancel>,
    /// (ext) Counts how far the walk has got, inside one long class of scenarios too
    /// ([`WalkProgress`]; the diff is walk 1).
    pub progress: Option<std::sync::Arc<WalkProgress>>,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            max_classes: 50_000_000,
            targets: None,
            parties: None,
            max_evaluations: super::check::DEFAULT_MAX_EVALUATIONS,
            cancel: None,
            progress: None,
        }
    }
}

fn is_none_listed(v: &Arc<[String]>) -> bool {
    v.is_empty()
}

/// A party's strongest obligation in one rule set, or none: everything a verdict says of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Change {
    /// The strongest level (`null`: no obligation).
    pub level: Option<Level>,
    /// Its status.
    pub status: Option<Status>,
    /// (ext) The forms over the clauses at the strongest level, after reservations.
    #[serde(skip_serializing_if = "Forms::is_empty", default)]
    pub forms: Forms,
    /// (ext) The tightest deadline at the strongest level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// (ext) The caveats at the strongest level.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub caveats: Vec<String>,
    /// (ext) Whom the obligations at the strongest level run toward.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub toward: Vec<String>,
    /// (ext) For obligations in stages, each stage, whatever its level.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub stages: Vec<StageChange>,
}

/// One stage of an obligation in stages, as `casus diff` compares it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StageChange {
    /// Which stage (1-based).
    pub stage: u8,
    /// Of how many.
    pub of: u8,
    /// Its level.
    pub level: Level,
    /// Its deadline, from the end of the stage before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
}

/// Field by field, the level by [`Level::rank`](crate::Level::rank) (`Level` is `PartialOrd` only).
impl Ord for StageChange {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.stage, self.of, self.level.rank(), &self.deadline).cmp(&(
            other.stage,
            other.of,
            other.level.rank(),
            &other.deadline,
        ))
    }
}

impl PartialOrd for StageChange {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Field by field, the level by [`Level::rank`](crate::Level::rank) (`Level` is `PartialOrd` only).
impl Ord for Change {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (
            self.level.map(Level::rank),
            self.status,
            &self.forms,
            &self.deadline,
            &self.caveats,
            &self.toward,
            &self.stages,
        )
            .cmp(&(
                other.level.map(Level::rank),
                other.status,
                &other.forms,
                &other.deadline,
                &other.caveats,
                &other.toward,
                &other.stages,
            ))
    }
}

impl PartialOrd for Change {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for StageChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{} {} ", self.stage, self.of, self.level)?;
        f.write_str(self.deadline.as_deref().unwrap_or("(no deadline)"))
    }
}

/// One kind of difference between two obligations of a party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aspect {
    /// The strongest level, or whether there is an obligation at all.
    Level,
    /// Definite or contingent.
    Status,
    /// Forms required, allowed or excluded.
    Forms,
    /// By when.
    Deadline,
    /// The caveats.
    Caveats,
    /// Whom the obligation runs toward.
    Toward,
    /// The stages of an obligation in steps.
    Stages,
}

impl Aspect {
    /// The lower-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Aspect::Level => "level",
            Aspect::Status => "status",
            Aspect::Forms => "forms",
            Aspect::Deadline => "deadline",
            Aspect::Caveats => "caveats",
            Aspect::Toward => "toward",
            Aspect::Stages => "stages",
        }
    }
}

impl Change {
    /// The kinds of difference between two obligations: `level` alone when one side has
    /// none (an obligation appears or disappears with everything it says).
    #[must_use]
    pub fn aspects(&self, other: &Change) -> Vec<Aspect> {
        if self.level.is_none() || other.level.is_none() {
            return if self.level == other.level {
                Vec::new()
            } else {
                vec![Aspect::Level]
            };
        }
        let mut out = Vec::new();
        let mut differs = |same: bool, a: Aspect| {
            if !same {
                out.push(a);
            }
        };
        differs(self.level == other.level, Aspect::Level);
        differs(self.status == other.status, Aspect::Status);
        differs(self.forms == other.forms, Aspect::Forms);
        let steps = |c: &Change| c.stages.iter().map(|x| (x.stage, x.of, x.level)).collect::<Vec<_>>();
        let due = |c: &Change| c.stages.iter().map(|x| x.deadline.clone()).collect::<Vec<_>>();
        let same_steps = steps(self) == steps(other);
        differs(
            self.deadline == other.deadline && (!same_steps || due(self) == due(other)),
            Aspect::Deadline,
        );
        differs(self.caveats == other.caveats, Aspect::Caveats);
        differs(self.toward == other.toward, Aspect::Toward);
        differs(same_steps, Aspect::Stages);
        out
    }

    /// The obligation in words, with what it says of each aspect in `what` beyond its level
    /// and status (`assist (definite); allowed: intelligence; no deadline`).
    #[must_use]
    pub fn describe(&self, what: &[Aspect]) -> String {
        let mut s = self.to_string();
        if self.level.is_none() {
            return s;
        }
        let list = |v: &[crate::Form]| v.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(" ");
        for a in what {
            let part = match a {
                Aspect::Level | Aspect::Status => continue,
                Aspect::Forms => {
                    let mut parts = Vec::new();
                    for (name, v) in [
                        ("required", &self.forms.required),
                        ("allowed", &self.forms.allowed),
                        ("excluded", &self.forms.excluded),
                    ] {
                        if !v.is_empty() {
                            parts.push(format!("{name}: {}", list(v)));
                        }
                    }
                    if parts.is_empty() {
                        "no forms named".to_string()
                    } else {
                        parts.join("; ")
                    }
                }
                Aspect::Deadline if !self.stages.is_empty() => {
                    let v: Vec<String> = self.stages.iter().map(ToString::to_string).collect();
                    format!("stages: {}", v.join(", "))
                }
                Aspect::Deadline => self.deadline.clone().unwrap_or_else(|| "no deadline".into()),
                Aspect::Caveats if self.caveats.is_empty() => "no caveats".into(),
                Aspect::Caveats => format!("caveats: {}", self.caveats.join(" ")),
                Aspect::Toward => format!("toward {}", self.toward.join(" ")),
                Aspect::Stages if self.stages.is_empty() => "in one step".into(),
                Aspect::Stages if what.contains(&Aspect::Deadline) => continue,
                Aspect::Stages => {
                    let v: Vec<String> = self.stages.iter().map(ToString::to_string).collect();
                    format!("stages: {}", v.join(", "))
                }
            };
            s.push_str("; ");
            s.push_str(&part);
        }
        s
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.level, self.status) {
            (Some(l), Some(s)) => write!(f, "{l} ({})", s.as_str()),
            _ => f.write_str("none"),
        }
    }
}

/// Scenarios whose verdict for one party changes the same way.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffGroup {
    /// The target (for a class of parties that no rule names: the first of them).
    pub target: String,
    /// How many parties the target stands for.
    pub targets: usize,
    /// The attacker class in words.
    pub attacker: String,
    /// Every attacker of the class (shared with the other groups of the class).
    #[serde(skip_serializing_if = "is_none_listed")]
    pub attackers: Arc<[String]>,
    /// The alternative reading under which the verdict changes this way
    /// (`treaty/clause/reading`). Absent: under the default reading of every clause, and
    /// under each alternative reading that changes it the same way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
    /// The place group in words: `any place` when the change does not depend on it.
    pub place: String,
    /// Every place of the group (shared with the other groups of the same places: a diff of
    /// a large alliance has hundreds of thousands of groups, most of them over a few place
    /// classes of thousands of places each).
    #[serde(skip_serializing_if = "is_none_listed")]
    pub places: Arc<[String]>,
    /// The party whose obligation changes.
    pub party: String,
    /// Its obligation in the old rule set.
    pub old: Change,
    /// Its obligation in the new rule set.
    pub new: Change,
    /// (ext) What differs between the two, by kind.
    pub changes: Vec<Aspect>,
    /// How many scenarios of the space change so.
    pub scenarios: u128,
    /// The smallest of them.
    pub example: Scenario,
}

/// What `casus diff` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffReport {
    /// The space compared (parties and places common to both).
    pub space: SpaceReport,
    /// Scenarios compared.
    pub scenarios: u128,
    /// Scenarios whose verdict changes for at least one party.
    pub changed: u128,
    /// Classes evaluated.
    pub evaluated: u64,
    /// The changes, grouped.
    pub groups: Vec<DiffGroup>,
    /// Anything the reader should know.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// (ext) Set when [`DiffReport::summarize`] kept only the first groups: what the rest
    /// holds. Absent from a full report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<DiffSummary>,
}

/// What a summarized diff says of all its groups, including those it leaves out (the JSON of
/// `casus diff` without `--full`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffSummary {
    /// Groups in the full diff.
    pub groups: usize,
    /// Groups kept in `groups`: the first ones, in the report's order.
    pub shown: usize,
    /// Scenarios (counted once per party) of the groups left out.
    pub omitted_scenarios: u128,
    /// Per kind of change, the scenarios (counted once per party) that show it, over every
    /// group.
    pub by_kind: BTreeMap<Aspect, u128>,
    /// Per party whose obligation changes, most scenarios first (then by id): the first
    /// [`DiffSummary::PARTIES`].
    pub by_party: Vec<PartyChanges>,
    /// How many more parties' obligations change than `by_party` lists.
    pub more_parties: usize,
}

impl DiffSummary {
    /// The most parties `by_party` lists.
    pub const PARTIES: usize = 20;
}

/// How much of a diff concerns one party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartyChanges {
    /// The party whose obligation changes.
    pub party: String,
    /// The scenarios in which it changes.
    pub scenarios: u128,
    /// The groups that show it.
    pub groups: usize,
}

impl DiffReport {
    /// Per kind of change, the scenarios (counted once per party) that show it.
    #[must_use]
    pub fn scenarios_by_kind(&self) -> BTreeMap<Aspect, u128> {
        let mut kinds: BTreeMap<Aspect, u128> = BTreeMap::new();
        for g in &self.groups {
            for a in &g.changes {
                let n = kinds.entry(*a).or_default();
                *n = n.saturating_add(g.scenarios);
            }
        }
        kinds
    }

    /// Keeps the first `most` groups and says in [`DiffReport::summary`] what all of them
    /// hold (per kind of change, per party, what was left out), so that the diff of a large
    /// alliance stays readable; a report of `most` groups or fewer is left whole.
    pub fn summarize(&mut self, most: usize) {
        if self.groups.len() <= most {
            return;
        }
        let mut by: BTreeMap<&str, (u128, usize)> = BTreeMap::new();
        for g in &self.groups {
            let e = by.entry(g.party.as_str()).or_default();
            e.0 = e.0.saturating_add(g.scenarios);
            e.1 += 1;
        }
        let mut parties: Vec<PartyChanges> = by
            .into_iter()
            .map(|(p, (scenarios, groups))| PartyChanges {
                party: p.to_string(),
                scenarios,
                groups,
            })
            .collect();
        parties.sort_by(|a, b| b.scenarios.cmp(&a.scenarios).then_with(|| a.party.cmp(&b.party)));
        let more_parties = parties.len().saturating_sub(DiffSummary::PARTIES);
        parties.truncate(DiffSummary::PARTIES);
        let omitted = self.groups.get(most..).unwrap_or_default();
        let summary = DiffSummary {
            groups: self.groups.len(),
            shown: most,
            omitted_scenarios: omitted.iter().fold(0u128, |n, g| n.saturating_add(g.scenarios)),
            by_kind: self.scenarios_by_kind(),
            by_party: parties,
            more_parties,
        };
        self.groups.truncate(most);
        self.summary = Some(summary);
    }
}

/// Target, attacker, place, party, old, new, reading (empty: the default).
pub(crate) type GroupKey = (String, String, String, String, Change, Change, String);
/// Count, target class size, attacker label, attackers, places, fields stated by the example,
/// example, the example as YAML (what orders two examples with as many fields stated), the
/// number of the first job that met the group (whose words it keeps).
pub(crate) type GroupVal = (
    u128,
    usize,
    String,
    Arc<[String]>,
    Arc<[String]>,
    usize,
    Scenario,
    String,
    usize,
);

/// Adds a group: a new one as it is, one already there by its count and, when smaller, its
/// example; the words of the earliest job stay (what a walk in the jobs' order keeps), so the
/// groups add up the same in any order.
pub(crate) fn add_group(groups: &mut BTreeMap<GroupKey, GroupVal>, key: GroupKey, v: GroupVal) {
    match groups.get_mut(&key) {
        None => {
            groups.insert(key, v);
        }
        Some(e) => {
            e.0 = e.0.saturating_add(v.0);
            if v.5 < e.5 || (v.5 == e.5 && v.7 < e.7) {
                e.5 = v.5;
                e.6 = v.6;
                e.7 = v.7;
            }
            if v.8 < e.8 {
                (e.1, e.2, e.3, e.4, e.8) = (v.1, v.2, v.3, v.4, v.8);
            }
        }
    }
}

/// The parties a diff compares, by number: per rule set, each engine party's key. A key is
/// the party's index in the universe, or, for a party only one rule set has, an index past
/// them that both rule sets share for the same id.
struct PartyKeys {
    of: Vec<Vec<u32>>,
    ids: Vec<String>,
    /// Per key: whether the party's obligations are compared (`--party`).
    compared: Vec<bool>,
}

impl PartyKeys {
    fn new(u: &Universe, parties: Option<&[String]>) -> PartyKeys {
        let mut extra: BTreeSet<&str> = BTreeSet::new();
        for v in &u.views {
            for (i, up) in v.upart.iter().enumerate() {
                if up.is_none() {
                    extra.insert(v.e.party_id(i as u32));
                }
            }
        }
        let extra: Vec<&str> = extra.into_iter().collect();
        let n = u.parties.len() as u32;
        let of = u
            .views
            .iter()
            .map(|v| {
                // Every party missing from the universe was put in `extra` above, so it is found.
                let past = |i: usize| {
                    let found = extra.binary_search(&v.e.party_id(i as u32));
                    debug_assert!(found.is_ok(), "a party of one side is in neither list");
                    n + found.unwrap_or(0) as u32
                };
                v.upart
                    .iter()
                    .enumerate()
                    .map(|(i, up)| up.unwrap_or_else(|| past(i)))
                    .collect()
            })
            .collect();
        let mut ids = u.parties.clone();
        ids.extend(extra.iter().map(|x| x.to_string()));
        let compared = ids.iter().map(|p| parties.is_none_or(|ps| ps.contains(p))).collect();
        PartyKeys { of, ids, compared }
    }

    /// The key of engine party `p` of rule set `k`, when its obligations are compared.
    fn compared(&self, k: usize, p: u32) -> Option<u32> {
        let key = *self.of.get(k)?.get(p as usize)?;
        self.compared.get(key as usize).copied().unwrap_or(false).then_some(key)
    }

    fn id(&self, key: u32) -> &str {
        self.ids.get(key as usize).map_or("", String::as_str)
    }
}

/// Where a cell's scenarios take place, as a job's groups tell places apart: any place, an
/// unknown one, or a place class (of the job's date when the classes are by date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum PlaceKey {
    Any,
    Unknown,
    Class { day: Option<usize>, ix: usize },
}

/// Place, evaluation pair (reading), party key, old and new obligation (numbers).
type LocalKey = (PlaceKey, usize, u32, u32, u32);

/// A group of one job while the job runs.
struct Local {
    count: u128,
    place: String,
    places: Arc<[String]>,
    reading: String,
    stated: usize,
    example: Scenario,
    text: String,
}

/// What every group of a job shares: its target and attacker.
struct JobLabel {
    target: String,
    targets: usize,
    attacker: String,
    attackers: Arc<[String]>,
}

/// A job's groups while it runs, keyed by numbers and put into words once it ends: a cell
/// compares the obligations of every party that can change (all of NATO's members, for a
/// draft against NATO membership), and most cells repeat what earlier ones found.
struct JobGroups {
    label: Option<JobLabel>,
    /// Every obligation seen, by number; 0 is none.
    changes: Vec<Change>,
    numbers: HashMap<Change, u32>,
    /// Per rule set: the hits of one party, encoded (see [`encode`]), → their obligation's
    /// number.
    seen: [HashMap<Box<[u64]>, u32>; 2],
    /// In the order first met, as the walk meets them.
    groups: IndexMap<LocalKey, Local>,
    /// Each place group's words and places, shared by the groups of every party.
    places: HashMap<PlaceKey, (String, Arc<[String]>)>,
    scratch: Vec<u64>,
}

impl Default for JobGroups {
    fn default() -> Self {
        JobGroups {
            label: None,
            changes: vec![NONE],
            numbers: HashMap::from([(NONE, 0)]),
            seen: [HashMap::new(), HashMap::new()],
            groups: IndexMap::new(),
            places: HashMap::new(),
            scratch: Vec::new(),
        }
    }
}

impl JobGroups {
    /// The number of the obligation that hits `hs` (of one party, rule set `k`) make.
    fn number(
        &mut self,
        e: &Engine,
        k: usize,
        s: Option<&Prepared>,
        reading: Option<(ClauseIx, usize)>,
        hs: &[&Hit],
    ) -> u32 {
        let mut code = std::mem::take(&mut self.scratch);
        encode(e, s, reading, hs, &mut code);
        let known = self.seen.get(k).and_then(|m| m.get(code.as_slice())).copied();
        let n = known.unwrap_or_else(|| {
            let c = party_change(e, s, reading, hs);
            let next = self.changes.len() as u32;
            let n = *self.numbers.entry(c.clone()).or_insert(next);
            if n == next {
                self.changes.push(c);
            }
            if let Some(m) = self.seen.get_mut(k) {
                m.insert(code.clone().into_boxed_slice(), n);
            }
            n
        });
        self.scratch = code;
        n
    }

    fn change(&self, n: u32) -> Change {
        self.changes.get(n as usize).cloned().unwrap_or(NONE)
    }
}

/// Writes into `out` what [`party_change`] reads of one party's hits, as numbers: two
/// parties' hits with the same code owe the same obligation.
fn encode(e: &Engine, s: Option<&Prepared>, reading: Option<(ClauseIx, usize)>, hs: &[&Hit], out: &mut Vec<u64>) {
    out.clear();
    out.push(reading.map_or(u64::MAX, |(c, r)| (u64::from(c) << 32) | r as u64));
    for h in hs {
        out.push((u64::from(h.clause) << 32) | (u64::from(h.obligation) << 16) | u64::from(h.excluded));
        out.push((u64::from(h.toward) << 32) | ((h.level as u64) << 8) | h.status as u64);
        out.push(h.reservation_mask);
        // A primacy caveat binds only while the party is a party to the treaty it names.
        if let Some(o) = super::check::obligation_of(e, reading, h) {
            for cv in o.caveats.iter().filter(|c| matches!(c, crate::Caveat::PrimacyOf(_))) {
                out.push(u64::from(e.caveat_applies(h, o, cv, s)));
            }
        }
    }
}

struct Differ<'a> {
    /// Per rule set, per clause: whether the clause may behave differently in the other.
    unstable: &'a [Vec<bool>],
    keys: &'a PartyKeys,
    changed: u128,
    groups: BTreeMap<GroupKey, GroupVal>,
    job: JobGroups,
    /// The number of the job being walked, in the walk's order of jobs.
    number: usize,
}

/// The reading each rule set is evaluated under (`None`: its default).
type Readings = (Option<(ClauseIx, usize)>, Option<(ClauseIx, usize)>);

/// One reading choice of a cell: how many scenarios it stands for, which reading each rule
/// set is evaluated under, and each party's obligation under it in each (party key,
/// obligation number; sorted).
struct Pair {
    weight: u128,
    reading: Readings,
    old: Vec<(u32, u32)>,
    new: Vec<(u32, u32)>,
}

impl Pair {
    /// Party `p`'s obligation in each rule set, by number.
    fn of(&self, p: u32) -> (u32, u32) {
        let get = |side: &[(u32, u32)]| {
            side.binary_search_by_key(&p, |x| x.0)
                .ok()
                .and_then(|i| side.get(i))
                .map_or(0, |x| x.1)
        };
        (get(&self.old), get(&self.new))
    }
}

/// What a verdict says of one party's obligation, from its hits: the strongest level, its
/// status, and the forms, tightest deadline, caveats and beneficiaries at that level (as
/// `Engine::party_entry` words them).
fn party_change(e: &Engine, s: Option<&Prepared>, reading: Option<(ClauseIx, usize)>, hs: &[&Hit]) -> Change {
    let level = crate::strongest_level(hs.iter().map(|h| h.level)).unwrap_or(Level::Neutrality);
    let definite = hs.iter().any(|h| h.level == level && h.status == Status::Definite);
    let (mut req, mut alw, mut exc) = (0u16, 0u16, 0u16);
    let mut deadline: Option<crate::Deadline> = None;
    let mut caveats: BTreeSet<String> = BTreeSet::new();
    let mut toward: BTreeSet<&str> = BTreeSet::new();
    let mut stages: BTreeSet<StageChange> = BTreeSet::new();
    for h in hs {
        if let Some(o) = super::check::obligation_of(e, reading, h)
            && o.stage.1 > 1
        {
            stages.insert(StageChange {
                stage: o.stage.0,
                of: o.stage.1,
                level: h.level,
                deadline: o.deadline.map(|d| d.to_string()),
            });
        }
    }
    for h in hs.iter().filter(|h| h.level == level) {
        toward.insert(e.party_id(h.toward));
        exc |= h.excluded;
        let Some(o) = super::check::obligation_of(e, reading, h) else {
            continue;
        };
        req |= o.required;
        alw |= o.allowed;
        if let Some(d) = o.deadline
            && deadline.is_none_or(|cur| d.hours() < cur.hours())
        {
            deadline = Some(d);
        }
        caveats.extend(e.caveats_of(h, o, s).iter().map(ToString::to_string));
    }
    Change {
        level: Some(level),
        status: Some(if definite { Status::Definite } else { Status::Contingent }),
        forms: Forms {
            required: forms_of(req),
            allowed: forms_of(alw & !exc),
            excluded: forms_of(exc),
        },
        deadline: deadline.map(|d| d.to_string()),
        caveats: caveats.into_iter().collect(),
        toward: toward.into_iter().map(str::to_string).collect(),
        stages: stages.into_iter().collect(),
    }
}

const NONE: Change = Change {
    level: None,
    status: None,
    forms: Forms {
        required: Vec::new(),
        allowed: Vec::new(),
        excluded: Vec::new(),
    },
    deadline: None,
    caveats: Vec::new(),
    toward: Vec::new(),
    stages: Vec::new(),
};

impl<'a> Differ<'a> {
    fn new(unstable: &'a [Vec<bool>], keys: &'a PartyKeys) -> Differ<'a> {
        Differ {
            unstable,
            keys,
            changed: 0,
            groups: BTreeMap::new(),
            job: JobGroups::default(),
            number: 0,
        }
    }

    /// The parties compared whose obligations may change in this cell (keys, sorted): those
    /// with an obligation under a clause that differs between the two rule sets. Every other
    /// party's obligations come from clauses both rule sets have alike, so they cannot differ.
    fn changing(&self, results: &[(&Eval, &[Hit])]) -> Vec<u32> {
        let mut parties: Vec<u32> = Vec::new();
        for (ev, hits) in results {
            let Some(flags) = self.unstable.get(ev.k) else {
                continue;
            };
            for h in hits.iter() {
                if flags.get(h.clause as usize).copied().unwrap_or(true)
                    && let Some(key) = self.keys.compared(ev.k, h.party)
                {
                    parties.push(key);
                }
            }
        }
        parties.sort_unstable();
        parties.dedup();
        parties
    }

    /// Each party of `only`'s obligation in one evaluation (party key, obligation number;
    /// sorted by party).
    fn side(
        &mut self,
        e: &Engine,
        (k, s): (usize, Option<&Prepared>),
        reading: Option<(ClauseIx, usize)>,
        hits: &[Hit],
        only: &[u32],
    ) -> Vec<(u32, u32)> {
        let mut mine: Vec<(u32, usize)> = hits
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                let key = self.keys.compared(k, h.party)?;
                only.binary_search(&key).is_ok().then_some((key, i))
            })
            .collect();
        mine.sort_unstable();
        let mut out = Vec::new();
        let mut hs: Vec<&Hit> = Vec::new();
        for run in mine.chunk_by(|a, b| a.0 == b.0) {
            hs.clear();
            hs.extend(run.iter().filter_map(|(_, i)| hits.get(*i)));
            if let Some((key, _)) = run.first() {
                out.push((*key, self.job.number(e, k, s, reading, &hs)));
            }
        }
        out
    }

    /// Moves the groups of the job just walked into the diff's, in words.
    fn flush(&mut self) {
        let job = std::mem::take(&mut self.job);
        let Some(label) = &job.label else { return };
        for ((_, _, p, x, y), g) in job.groups.iter() {
            let key = (
                label.target.clone(),
                label.attacker.clone(),
                g.place.clone(),
                self.keys.id(*p).to_string(),
                job.change(*x),
                job.change(*y),
                g.reading.clone(),
            );
            let val = (
                g.count,
                label.targets,
                label.attacker.clone(),
                label.attackers.clone(),
                g.places.clone(),
                g.stated,
                g.example.clone(),
                g.text.clone(),
                self.number,
            );
            add_group(&mut self.groups, key, val);
        }
    }

    /// Takes in the groups of another part of the walk (which comes after this one).
    fn absorb(&mut self, other: Differ<'_>) {
        self.changed = self.changed.saturating_add(other.changed);
        for (k, v) in other.groups {
            add_group(&mut self.groups, k, v);
        }
    }
}

impl Visitor for Differ<'_> {
    /// Only parties with an obligation under a clause that differs between the two rule sets
    /// can change; their contingent obligations are what the answer waits on.
    fn relevant(&mut self, _: &Universe, results: &[(&Eval, &[Hit])], out: &mut Vec<(usize, crate::kernel::Deps)>) {
        let parties = self.changing(results);
        if parties.is_empty() {
            return;
        }
        for (ev, hits) in results {
            for h in hits.iter().filter(|h| h.status == Status::Contingent) {
                if self
                    .keys
                    .compared(ev.k, h.party)
                    .is_some_and(|key| parties.binary_search(&key).is_ok())
                {
                    out.push((ev.k, h.deps));
                }
            }
        }
    }

    fn leaf(&mut self, u: &Universe, job: &JobInfo<'_>, cell: &Cell, weight: u128, results: &[(&Eval, &[Hit])]) {
        let (Some(vo), Some(vn)) = (u.views.first(), u.views.get(1)) else {
            return;
        };
        let only = self.changing(results);
        if only.is_empty() {
            return;
        }
        let prepared = |k: usize| cell.prepared.get(k).and_then(Option::as_ref);
        // The evaluations come in pairs (old, new): first under the default reading, then
        // under each alternative reading a clause of either rule set has.
        let mut pairs: Vec<Pair> = Vec::new();
        for c in results.chunks_exact(2) {
            if let [(eo, old), (en, new)] = c {
                pairs.push(Pair {
                    weight: eo.weight,
                    reading: (eo.reading, en.reading),
                    old: self.side(vo.e, (0, prepared(0)), eo.reading, old, &only),
                    new: self.side(vn.e, (1, prepared(1)), en.reading, new, &only),
                });
            }
        }
        let Some(default) = pairs.first() else {
            return;
        };
        let mut changed_weight: u128 = 0;
        for (i, pair) in pairs.iter().enumerate() {
            let mut parties: Vec<u32> = pair.old.iter().chain(&pair.new).map(|x| x.0).collect();
            parties.sort_unstable();
            parties.dedup();
            let mut any = false;
            for p in parties {
                let xy = pair.of(p);
                if xy.0 == xy.1 {
                    continue;
                }
                any = true;
                // Under an alternative reading, a change the default reading shows too is
                // counted with the default's group.
                let times = if i == 0 {
                    let same = pairs
                        .iter()
                        .skip(1)
                        .filter(|q| q.of(p) == xy)
                        .fold(0u128, |n, q| n.saturating_add(q.weight));
                    default.weight.saturating_add(same)
                } else if default.of(p) == xy {
                    continue;
                } else {
                    pair.weight
                };
                self.group(u, job, cell, sat_mul(weight, times), (i, pair.reading), (p, xy));
            }
            if any {
                changed_weight = changed_weight.saturating_add(pair.weight);
            }
        }
        self.changed = self.changed.saturating_add(sat_mul(weight, changed_weight));
    }
}

impl JobLabel {
    fn of(u: &Universe, job: &JobInfo<'_>) -> JobLabel {
        let name = |v: u32| made(&u.parties, v, "party").cloned().unwrap_or_default();
        let members = &job.attacker.members;
        let attacker = match job.attacker.atk {
            Atk::Unknown => "unknown".to_string(),
            Atk::NonState => "a non-state actor".to_string(),
            Atk::Party(r) if members.len() <= 1 => name(r),
            Atk::Party(r) => format!("{} and {} alike", name(r), members.len() - 1),
        };
        let attackers = match job.attacker.atk {
            Atk::Party(_) if members.len() > 1 => members.iter().map(|m| name(*m)).collect(),
            _ => Arc::from([]),
        };
        JobLabel {
            target: name(job.target.target),
            targets: job.target.members.len(),
            attacker,
            attackers,
        }
    }
}

/// The name of the reading of evaluation pair `i` (empty for the default, the first).
fn reading_label(u: &Universe, (i, (old, new)): (usize, Readings)) -> String {
    if i == 0 {
        return String::new();
    }
    let name = |k: usize, r: Option<(ClauseIx, usize)>| Some(super::check::reading_name(u.views.get(k)?.e, r?));
    name(0, old).or_else(|| name(1, new)).unwrap_or_default()
}

/// The place group of a cell in words, and its places (none for a single place).
fn place_label(u: &Universe, job: &JobInfo<'_>, cell: &Cell) -> (String, Arc<[String]>) {
    let class = match (cell.location, cell.place_class.and_then(|i| u.job_places(job).get(i))) {
        (Dim::Is(Some(_)), Some(pc)) => Some(pc),
        _ => None,
    };
    let place_id = |m: &u32| made(&u.places, *m, "place").cloned().unwrap_or_default();
    let label = match (cell.location, class) {
        (Dim::Open, _) => "any place".to_string(),
        (_, None) => "unknown".to_string(),
        (_, Some(pc)) if pc.members.len() <= 4 => pc.members.iter().map(place_id).collect::<Vec<_>>().join(", "),
        (_, Some(pc)) => format!(
            "{} and {} alike",
            pc.members.first().map(place_id).unwrap_or_default(),
            pc.members.len() - 1
        ),
    };
    let places = match class {
        Some(pc) if pc.members.len() > 1 => pc.members.iter().map(place_id).collect(),
        _ => Arc::from([]),
    };
    (label, places)
}

impl Differ<'_> {
    /// Counts `weight` scenarios of `cell` in the group of party `p` changing from `x` to `y`
    /// (obligation numbers) under evaluation pair `i`. A group's words (its place, reading,
    /// example) are written once, when the group is made; later cells of it only add their
    /// count and, when smaller, their scenario.
    fn group(
        &mut self,
        u: &Universe,
        job: &JobInfo<'_>,
        cell: &Cell,
        weight: u128,
        reading: (usize, Readings),
        (p, (x, y)): (u32, (u32, u32)),
    ) {
        let place = match (cell.location, cell.place_class) {
            (Dim::Open, _) => PlaceKey::Any,
            (Dim::Is(Some(_)), Some(ix)) => PlaceKey::Class {
                day: job.by_date.then_some(job.day.0),
                ix,
            },
            _ => PlaceKey::Unknown,
        };
        if self.job.label.is_none() {
            self.job.label = Some(JobLabel::of(u, job));
        }
        let stated = super::check::stated_count(cell);
        let key = (place, reading.0, p, x, y);
        if let Some(g) = self.job.groups.get_mut(&key) {
            g.count = g.count.saturating_add(weight);
            if stated <= g.stated {
                let s = u.scenario(cell);
                let text = s.to_yaml().unwrap_or_default();
                if stated < g.stated || text < g.text {
                    (g.stated, g.example, g.text) = (stated, s, text);
                }
            }
            return;
        }
        let (place, places) = self
            .job
            .places
            .entry(key.0)
            .or_insert_with(|| place_label(u, job, cell))
            .clone();
        let example = u.scenario(cell);
        let text = example.to_yaml().unwrap_or_default();
        self.job.groups.insert(
            key,
            Local {
                count: weight,
                place,
                places,
                reading: reading_label(u, reading),
                stated,
                example,
                text,
            },
        );
    }
}

/// Compares two rule sets over the same exhaustive space (the parties and places both have,
/// the dates where either changes, the facts either tests): every class of scenarios whose
/// verdict changes for some party, grouped by target, attacker class, place group, party and
/// change, with counts and the smallest scenario of each group.
///
/// ```
/// let old = casus::RuleSet::from_yaml(casus::doc_example())?.compile()?;
/// let text = casus::doc_example().replace("- {party: EST, joined: 2004-03-29}", "");
/// let new = casus::RuleSet::from_yaml(&text)?.compile()?;
/// let d = casus::verify::diff(&old, &new, &Default::default(), None)?;
/// assert!(d.changed > 0);
/// // Estonia lost its guarantee: FRA and USA no longer owe it assistance.
/// assert!(d.groups.iter().any(|g| g.target == "EST" && g.party == "USA" && g.new.level.is_none()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`VerifyError`] when a party named in the options is in neither rule set, the space is too
/// large to walk, the evaluation budget is spent, or the walk is cancelled.
pub fn diff(
    old: &Engine,
    new: &Engine,
    opts: &DiffOptions,
    progress: Option<Progress<'_>>,
) -> Result<DiffReport, VerifyError> {
    Ok(diff_part(old, new, opts, Shard::WHOLE, progress)?.into_report())
}

/// What a walk of some of a diff's jobs found: it adds up over the jobs (the shards of
/// `casus diff --shard`); every shard finds the same space, scenarios and notes.
#[derive(Debug, Clone)]
pub(crate) struct DiffPart {
    pub space: SpaceReport,
    pub scenarios: u128,
    pub notes: Vec<String>,
    pub changed: u128,
    pub evaluated: u64,
    pub groups: BTreeMap<GroupKey, GroupVal>,
}

impl DiffPart {
    /// Adds what another shard found.
    pub(crate) fn absorb(&mut self, other: DiffPart) {
        self.changed = self.changed.saturating_add(other.changed);
        self.evaluated = self.evaluated.saturating_add(other.evaluated);
        for (k, v) in other.groups {
            add_group(&mut self.groups, k, v);
        }
    }

    /// The report of the whole walk.
    pub(crate) fn into_report(self) -> DiffReport {
        let groups = self
            .groups
            .into_iter()
            .map(|((target, attacker, place, party, old, new, reading), v)| DiffGroup {
                target,
                reading: (!reading.is_empty()).then_some(reading),
                targets: v.1,
                attacker,
                attackers: v.3,
                place,
                places: v.4,
                party,
                changes: old.aspects(&new),
                old,
                new,
                scenarios: v.0,
                example: v.6,
            })
            .collect();
        DiffReport {
            space: self.space,
            scenarios: self.scenarios,
            changed: self.changed,
            evaluated: self.evaluated,
            groups,
            notes: self.notes,
            summary: None,
        }
    }
}

/// The jobs of [`diff()`](fn@diff) that `shard` takes, walked: see there.
pub(crate) fn diff_part(
    old: &Engine,
    new: &Engine,
    opts: &DiffOptions,
    shard: Shard,
    progress: Option<Progress<'_>>,
) -> Result<DiffPart, VerifyError> {
    let mut u = Universe::new(&[old, new], None, &[], false);
    for id in opts.targets.iter().chain(opts.parties.iter()).flatten() {
        if !u.parties.contains(id) {
            return Err(VerifyError::UnknownParty {
                id: id.clone(),
                hint: crate::names::suggest(id, u.parties.iter().map(String::as_str)),
            });
        }
    }
    let budget = Budget::new(opts.max_evaluations);
    super::check::before_walk(&u, &budget, "diff")?;
    let unstable = unstable_clauses(old, new);
    // Every alternative reading either rule set has, by name; the space counts each once.
    let names: [BTreeMap<String, (ClauseIx, usize)>; 2] = [old, new].map(reading_names);
    let all_names: BTreeSet<&String> = names.iter().flat_map(BTreeMap::keys).collect();
    u.readings_total = 1 + all_names.len() as u128;
    // A target none of whose clauses differ keeps every verdict: it is not walked.
    let ctxs: Vec<_> = u
        .contexts(false)
        .into_iter()
        .map(|c| {
            c.filter(|c| {
                c.rel
                    .clauses
                    .iter()
                    .zip(&unstable)
                    .any(|(cs, flags)| cs.iter().any(|x| flags.get(*x as usize).copied().unwrap_or(true)))
            })
        })
        .map(|c| {
            c.filter(|c| {
                opts.targets.as_ref().is_none_or(|ts| {
                    c.members
                        .iter()
                        .any(|m| u.parties.get(*m as usize).is_some_and(|p| ts.contains(p)))
                })
            })
        })
        .map(|c| c.map(|c| with_readings(c, [old, new], &names, u.readings_total)))
        .collect();
    let jobs = u.jobs(&ctxs);
    let classes: u64 = jobs.iter().map(|(tc, _, _)| tc.dates.len() as u64).sum();
    if classes > opts.max_classes {
        return Err(VerifyError::TooLarge {
            classes,
            max: opts.max_classes,
        });
    }
    let notes = diff_notes(&u, &ctxs, opts);
    let keys = PartyKeys::new(&u, opts.parties.as_deref());
    let (evaluated, all) = walk_diff(&u, (&unstable, &keys), &jobs, shard, (opts, &budget), progress)?;
    Ok(DiffPart {
        space: SpaceReport::of(&u),
        scenarios: u.size(),
        notes,
        changed: all.changed,
        evaluated,
        groups: all.groups,
    })
}

/// What the reader of a diff should know of its space and options.
fn diff_notes(u: &Universe<'_>, ctxs: &[Option<TargetCtx>], opts: &DiffOptions) -> Vec<String> {
    let mut notes = Vec::new();
    if u.left_out.0 + u.left_out.1 > 0 {
        notes.push(format!(
            "{} parties and {} places that only one rule set has are left out",
            u.left_out.0, u.left_out.1
        ));
    }
    if let Some(ts) = &opts.targets {
        notes.push(format!("limited to scenarios whose target is {}", ts.join(", ")));
    }
    if let Some(ps) = &opts.parties {
        notes.push(format!("limited to the obligations of {}", ps.join(", ")));
    }
    if ctxs.iter().flatten().any(|c| c.rel.count_tests) {
        notes.push("some clauses count several attackers; the space has one attacker per scenario".into());
    }
    notes
}

/// Walks the jobs of `jobs` that `shard` takes, in parallel; each job's groups are merged into
/// the others' as the jobs end, in the jobs' order. Returns the classes evaluated and the
/// groups.
fn walk_diff<'a>(
    u: &Universe<'_>,
    (unstable, keys): (&'a [Vec<bool>], &'a PartyKeys),
    jobs: &[(&TargetCtx, usize, usize)],
    shard: Shard,
    (opts, budget): (&DiffOptions, &Budget),
    progress: Option<Progress<'_>>,
) -> Result<(u64, Differ<'a>), VerifyError> {
    let mine: Vec<(usize, &(&TargetCtx, usize, usize))> =
        jobs.iter().enumerate().filter(|(k, _)| shard.takes(*k)).collect();
    let (done, finished) = (AtomicU64::new(0), AtomicU64::new(0));
    let total = mine.len() as u64;
    let walked = opts.progress.as_deref();
    if let Some(w) = walked {
        w.start(1, total);
    }
    let (stats, all) = mine
        .par_iter()
        .map(|&(number, &(tc, ei, ai))| {
            let mut stats = Stats::default();
            let mut d = Differ::new(unstable, keys);
            d.number = number;
            if cancelled(opts.cancel.as_ref()) {
                return (stats, d);
            }
            if let (Some(ev), Some(a)) = (tc.events.get(ei), tc.attackers.get(ai))
                && !budget.exceeded()
            {
                u.run_job(tc, *ev, a, (false, walked), budget, &mut d, &mut stats);
                d.flush();
                if !budget.exceeded() {
                    finished.fetch_add(1, Ordering::Relaxed);
                }
            }
            if let Some(f) = progress {
                f("diff", done.fetch_add(1, Ordering::Relaxed) + 1, total);
            }
            (stats, d)
        })
        .reduce(
            || (Stats::default(), Differ::new(unstable, keys)),
            |(mut sa, mut a), (sb, b)| {
                sa.add(&sb);
                a.absorb(b);
                (sa, a)
            },
        );
    if cancelled(opts.cancel.as_ref()) {
        return Err(VerifyError::Cancelled);
    }
    if budget.exceeded() {
        return Err(super::check::over_budget("diff", budget, finished.into_inner(), total));
    }
    Ok((stats.evaluated, all))
}

/// Every alternative reading of `e`, by `treaty/clause/reading`.
fn reading_names(e: &Engine) -> BTreeMap<String, (ClauseIx, usize)> {
    let mut out = BTreeMap::new();
    for (cix, c) in e.clauses.iter().enumerate() {
        for ri in 0..c.readings.len() {
            let r = (cix as ClauseIx, ri);
            out.insert(super::check::reading_name(e, r), r);
        }
    }
    out
}

/// The evaluations of a target's cells, in pairs (old, new): the default reading, then each
/// alternative reading of a clause that can oblige anyone for this target in either rule set
/// (under the name it has in either; the rule set that lacks it uses its default).
fn with_readings(
    mut tc: TargetCtx,
    engines: [&Engine; 2],
    names: &[BTreeMap<String, (ClauseIx, usize)>; 2],
    total: u128,
) -> TargetCtx {
    let mut relevant: BTreeSet<String> = BTreeSet::new();
    for (k, e) in engines.iter().enumerate() {
        for &cix in tc.rel.clauses.get(k).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(c) = e.clauses.get(cix as usize) {
                relevant.extend((0..c.readings.len()).map(|ri| super::check::reading_name(e, (cix, ri))));
            }
        }
    }
    let eval = |k: usize, reading: Option<(ClauseIx, usize)>, weight: u128| Eval { k, reading, weight };
    let mut evals = vec![
        eval(0, None, total.saturating_sub(relevant.len() as u128)),
        eval(1, None, 1),
    ];
    for name in &relevant {
        let [a, b] = names.each_ref().map(|m| m.get(name).copied());
        evals.push(eval(0, a, 1));
        evals.push(eval(1, b, 1));
    }
    tc.evals = evals;
    tc
}

/// Per rule set, per clause: whether the clause may answer differently in the other rule set.
/// A clause is stable when both rule sets have the same parties and places (with their
/// memberships, holders and tags), its treaty is written the same in both, and so is every
/// treaty its conditions refer to. Conditions name tags and facts by id, so declaring another
/// tag or fact changes nothing.
fn unstable_clauses(a: &Engine, b: &Engine) -> Vec<Vec<bool>> {
    let (fa, fb) = (a.to_rule_file(), b.to_rule_file());
    let json = |v: &dyn erased::Ser| v.json();
    let world_same = json(&fa.parties) == json(&fb.parties)
        && json(&fa.territories) == json(&fb.territories)
        && json(&fa.areas) == json(&fb.areas);
    let (da, db) = (TreatyText::of(&fa), TreatyText::of(&fb));
    // Whether each treaty of `a` is the same in `b`, whole (header and clauses) and in its
    // header (members, dates, reservations: all but the clauses).
    let same = |id: &String, t: &TreatyText| db.get(id).is_some_and(|u| u.header == t.header);
    let mut whole: BTreeMap<String, bool> = da
        .iter()
        .map(|(id, t)| {
            (
                id.clone(),
                world_same && same(id, t) && db.get(id).is_some_and(|u| u.clauses == t.clauses),
            )
        })
        .collect();
    let mut header: BTreeMap<String, bool> = da
        .iter()
        .map(|(id, t)| (id.clone(), world_same && same(id, t)))
        .collect();
    // A treaty whose conditions test membership of a treaty that changed is unstable whole.
    loop {
        let mut changed = false;
        for t in &a.treaties {
            if header.get(&t.id) != Some(&true) {
                continue;
            }
            let refers = referenced_treaties(a, t);
            if refers.iter().any(|r| whole.get(r) != Some(&true)) {
                header.insert(t.id.clone(), false);
                whole.insert(t.id.clone(), false);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // A clause is stable when its treaty's header is and its own declaration is the same: a
    // clause's obligations depend on its treaty's header and its own text, not on the
    // treaty's other clauses.
    [a, b]
        .iter()
        .map(|e| {
            e.clauses
                .iter()
                .map(|c| {
                    let id = made(&e.treaties, c.treaty, "treaty").map_or("", |t| t.id.as_str());
                    if whole.get(id) == Some(&true) {
                        return false;
                    }
                    let own = |d: &BTreeMap<String, TreatyText>| d.get(id).and_then(|t| t.clauses.get(&c.id).cloned());
                    !(header.get(id) == Some(&true) && own(&da).is_some() && own(&da) == own(&db))
                })
                .collect()
        })
        .collect()
}

/// A treaty's declaration as text, for comparing: its header (all but the clauses) and each
/// clause by id.
struct TreatyText {
    header: String,
    clauses: BTreeMap<String, String>,
}

impl TreatyText {
    fn of(f: &crate::model::RuleFile) -> BTreeMap<String, TreatyText> {
        f.treaties
            .iter()
            .map(|t| {
                let clauses = t
                    .clauses
                    .iter()
                    .map(|c| (c.id.value.clone(), serde_json::to_string(c).unwrap_or_default()))
                    .collect();
                let bare = crate::model::TreatyDecl {
                    clauses: Vec::new(),
                    ..t.clone()
                };
                let header = serde_json::to_string(&bare).unwrap_or_default();
                (t.id.value.clone(), TreatyText { header, clauses })
            })
            .collect()
    }
}

mod erased {
    /// Serializes anything serializable to JSON text, for comparing.
    pub(super) trait Ser {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

fn referenced_treaties(e: &Engine, t: &crate::kernel::Treaty) -> Vec<String> {
    use crate::kernel::{LTest, Node, PTest};
    let mut out = Vec::new();
    let mut stack: Vec<u32> = Vec::new();
    for c in t.clauses.iter().filter_map(|c| e.clauses.get(*c as usize)) {
        stack.push(c.trigger);
        stack.extend(c.readings.iter().map(|r| r.trigger));
        for o in c
            .obligations
            .iter()
            .chain(c.readings.iter().flat_map(|r| r.obligations.iter()))
        {
            stack.extend(o.when);
        }
    }
    while let Some(n) = stack.pop() {
        let test = match e.nodes.get(n as usize) {
            Some(Node::All(k) | Node::Any(k)) => {
                stack.extend(k.iter().copied());
                None
            }
            Some(Node::Not(k)) => {
                stack.push(*k);
                None
            }
            Some(
                Node::Attacker(p)
                | Node::Attackers(_, p)
                | Node::SupportedBy(p)
                | Node::Target(p)
                | Node::Location(LTest::Holder(_, p, _)),
            ) => Some(p),
            _ => None,
        };
        if let Some(PTest::PartyTo(x)) = test
            && let Some(tr) = e.treaties.get(*x as usize)
        {
            out.push(tr.id.clone());
        }
    }
    out
}
