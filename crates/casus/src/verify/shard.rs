//! Shards: one `verify` or `diff` walk split over several processes or machines, and the
//! merge of their reports into the answer of a single run, byte for byte.
//!
//! A walk is a list of jobs, one per (target class, event class, attacker class), in an
//! order fixed by the rule sets and the properties alone. `verify` walks the jobs whose
//! attackers differ only as obligors as one unit (`check::walk_units`, numbered in the order of
//! their first jobs), every other job as a unit of its own; `diff` walks each job alone. Shard
//! `I/N` walks the units whose number (from 0, in that order) is `I - 1` modulo `N`:
//! round-robin, so each shard takes its share of every target's jobs, the same on any machine
//! and with any number of threads.
//! Work that is not a job (a property sampled instead of walked) goes to one shard by the
//! same rule on the property's number.
//!
//! A shard writes a [`ShardReport`]: the format version, the command, a hash of the inputs
//! (the compiled rule sets, the properties and the options that change the answer), `I/N`,
//! and what its jobs found in a form that adds up exactly: counts, the smallest counterexample
//! with the number of the job that found it, every diff group before it is cut to a page.
//! [`merge`] checks that the reports are of the same command and inputs and that shards
//! `1..N` are all there once, then adds them up as the single run does.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::check::{PropertyReport, SpaceReport, VerifyOptions, VerifyReport, WalkPart};
use super::diff::{Change, DiffOptions, DiffPart, DiffReport, GroupKey, GroupVal};
use super::{Progress, Properties, VerifyError};
use crate::{Engine, Scenario};

/// The version of the shard report format; [`ShardReport::from_json`] reads this one only.
pub const SHARD_FORMAT: u32 = 1;

/// One shard of a walk, `I/N`: the `index`-th (from 1) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shard {
    index: u32,
    count: u32,
}

/// A shard written wrong, or out of range.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum ShardError {
    /// Not of the form `I/N`.
    #[error("`{0}` is not a shard: write I/N, the I-th of N shards (`2/8`), I from 1 to N")]
    Syntax(String),
    /// `I` is 0 or greater than `N`, or `N` is 0.
    #[error("shard {index}/{count} does not exist: I runs from 1 to N (1/{n} … {n}/{n})", n = (*.count).max(1))]
    OutOfRange {
        /// `I` as given.
        index: u32,
        /// `N` as given.
        count: u32,
    },
}

impl Shard {
    /// The whole walk: shard 1 of 1.
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Shard `index` (from 1) of `count`.
    ///
    /// # Errors
    ///
    /// [`ShardError::OutOfRange`] unless `1 ≤ index ≤ count`.
    pub fn new(index: u32, count: u32) -> Result<Shard, ShardError> {
        if index == 0 || index > count {
            return Err(ShardError::OutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }

    /// `I`, from 1.
    #[must_use]
    pub fn index(self) -> u32 {
        self.index
    }

    /// `N`.
    #[must_use]
    pub fn count(self) -> u32 {
        self.count
    }

    /// Whether this shard walks job (or unit of jobs) number `job` (from 0, in the walk's order).
    #[must_use]
    pub fn takes(self, job: usize) -> bool {
        job % self.count.max(1) as usize == self.index.saturating_sub(1) as usize
    }

    /// Whether this shard does the work of property number `property` (from 0) that is not
    /// a job: sampling it.
    pub(crate) fn owns(self, property: usize) -> bool {
        self.takes(property)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    /// `I/N`, as `--shard` takes it (spaces around the numbers are allowed).
    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let syntax = || ShardError::Syntax(s.to_string());
        let (i, n) = s.split_once('/').ok_or_else(syntax)?;
        let number = |x: &str| x.trim().parse::<u32>().map_err(|_| syntax());
        Shard::new(number(i)?, number(n)?)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Serialize for Shard {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Shard {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Shard, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// What one shard found of one property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PropertyPart {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub how: How,
}

/// How a property is checked, and what this shard found of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum How {
    /// Sampled instead of walked, by the shard that owns the property (`None` in the others).
    Settled {
        #[serde(default)]
        report: Option<Box<PropertyReport>>,
    },
    /// Walked: what this shard's jobs found.
    Walked {
        walk: Box<WalkPart>,
        /// Scenarios of the whole space.
        everything: u128,
        #[serde(default)]
        notes: Vec<String>,
        /// Set when the scope counts several attackers, which the walk cannot reach.
        #[serde(default)]
        beyond: Option<Beyond>,
    },
}

/// The sampling of a property the walk cannot reach in full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Beyond {
    /// Random scenarios sampled.
    pub samples: u32,
    /// Their result, from the shard that owns the property.
    #[serde(default)]
    pub sample: Option<Box<PropertyReport>>,
}

/// What `casus verify --shard` or `casus diff --shard` writes: one shard's share of the
/// answer, which [`merge`] adds up with the others'. Read and write it as JSON
/// ([`ShardReport::from_json`], [`ShardReport::to_json`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardReport {
    format: u32,
    command: String,
    casus: String,
    inputs: String,
    shard: Shard,
    #[serde(default)]
    sources: Vec<String>,
    part: Part,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Part {
    Verify(VerifyPart),
    Diff(DiffWire),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct VerifyPart {
    space: SpaceReport,
    properties: Vec<PropertyPart>,
}

/// A [`DiffPart`] as written: the lists of places and attackers that groups share are
/// written once and named by number.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DiffWire {
    space: SpaceReport,
    scenarios: u128,
    #[serde(default)]
    notes: Vec<String>,
    changed: u128,
    evaluated: u64,
    lists: Vec<Arc<[String]>>,
    groups: Vec<GroupWire>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct GroupWire {
    target: String,
    attacker: String,
    place: String,
    party: String,
    old: Change,
    new: Change,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    reading: String,
    scenarios: u128,
    targets: usize,
    attackers: usize,
    places: usize,
    stated: usize,
    example: Scenario,
    job: usize,
}

/// A shard report that cannot be read.
#[derive(Debug, Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum ShardReadError {
    /// Not JSON, or not a shard report.
    #[error(
        "line {line}, column {column}: not a shard report ({message}); make one with `casus verify --shard I/N` or `casus diff --shard I/N`"
    )]
    Invalid {
        /// The line (from 1).
        line: usize,
        /// The column (from 1).
        column: usize,
        /// What is wrong there.
        message: String,
    },
    /// A report of another version of the format.
    #[error(
        "a shard report of format {found} (written by casus {casus}); this casus reads format {SHARD_FORMAT}: run the shards and the merge with the same casus"
    )]
    Format {
        /// The format found.
        found: u32,
        /// The casus version that wrote it.
        casus: String,
    },
}

#[derive(Deserialize)]
struct Header {
    format: u32,
    #[serde(default)]
    casus: String,
}

impl ShardReport {
    /// The command that wrote it: `verify` or `diff`.
    #[must_use]
    pub fn command(&self) -> &str {
        &self.command
    }

    /// Which shard it is.
    #[must_use]
    pub fn shard(&self) -> Shard {
        self.shard
    }

    /// The hash of the inputs (hexadecimal): reports to merge must share it.
    #[must_use]
    pub fn inputs(&self) -> &str {
        &self.inputs
    }

    /// Where the inputs were read from, as the caller gave it ([`ShardReport::with_sources`]).
    #[must_use]
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// Records where the inputs were read from (the paths of the rule sets, the properties
    /// file): informational, not compared by [`merge`], which keeps shard 1's.
    #[must_use]
    pub fn with_sources(mut self, sources: Vec<String>) -> ShardReport {
        self.sources = sources;
        self
    }

    /// The report as JSON text (one line, then a newline).
    ///
    /// # Errors
    ///
    /// When JSON cannot be written (it always can).
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let mut s = serde_json::to_string(self)?;
        s.push('\n');
        Ok(s)
    }

    /// Reads a report written by [`ShardReport::to_json`].
    ///
    /// # Errors
    ///
    /// [`ShardReadError`] naming the line and column of what is wrong, or the format version
    /// when the report is of another one.
    pub fn from_json(text: &str) -> Result<ShardReport, ShardReadError> {
        let invalid = |e: serde_json::Error| ShardReadError::Invalid {
            line: e.line(),
            column: e.column(),
            message: e.to_string().split(" at line ").next().unwrap_or_default().to_string(),
        };
        let head: Header = serde_json::from_str(text).map_err(invalid)?;
        if head.format != SHARD_FORMAT {
            return Err(ShardReadError::Format {
                found: head.format,
                casus: head.casus,
            });
        }
        serde_json::from_str(text).map_err(invalid)
    }
}

/// The hash of what decides an answer: the casus version, the command, the compiled rule
/// sets and `extra` (the properties and options).
fn inputs_hash(command: &str, engines: &[&Engine], extra: &str) -> String {
    let mut h = blake3::Hasher::new();
    for part in [env!("CARGO_PKG_VERSION"), command] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    for e in engines {
        h.update(serde_json::to_string(&e.to_rule_file()).unwrap_or_default().as_bytes());
        h.update(&[0]);
    }
    h.update(extra.as_bytes());
    h.finalize().to_hex().to_string()
}

fn report(command: &str, inputs: String, shard: Shard, part: Part) -> ShardReport {
    ShardReport {
        format: SHARD_FORMAT,
        command: command.to_string(),
        casus: env!("CARGO_PKG_VERSION").to_string(),
        inputs,
        shard,
        sources: Vec::new(),
        part,
    }
}

/// Shard `shard` of [`verify()`](fn@super::verify): the jobs of each property's walk it
/// takes, and the sampling of the properties it owns.
///
/// ```
/// use casus::verify::{MergedReport, Shard, ShardReport, merge, verify, verify_shard};
/// let engine = casus::RuleSet::from_yaml(casus::doc_example())?.compile()?;
/// let props = casus::verify::Properties::from_yaml("
/// properties:
///   - id: anyone-assisted
///     require: {obliged: {at_least: 1, level: assist}}
/// ", &engine)?;
/// let opts = Default::default();
/// let mut reports = Vec::new();
/// for i in 1..=3 {
///     // Each shard may run on another machine: its report travels as JSON.
///     let json = verify_shard(&engine, &props, &opts, Shard::new(i, 3)?, None)?.to_json()?;
///     reports.push((format!("{i}.json"), ShardReport::from_json(&json)?));
/// }
/// let merged = merge(&reports)?;
/// assert_eq!(merged.report, MergedReport::Verify(verify(&engine, &props, &opts, None)?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`verify()`](fn@super::verify), for this shard's share of the work (its evaluation
/// budget is the shard's own).
pub fn verify_shard(
    engine: &Engine,
    props: &Properties,
    opts: &VerifyOptions,
    shard: Shard,
    progress: Option<Progress<'_>>,
) -> Result<ShardReport, VerifyError> {
    let space = SpaceReport::of_engine(engine);
    let mut properties = Vec::new();
    for (i, p) in props.properties.iter().enumerate() {
        properties.push(super::check::property_shard(
            engine,
            props,
            (i, p),
            opts,
            shard,
            progress,
        )?);
        if super::check::cancelled(opts.cancel.as_ref()) {
            return Err(VerifyError::Cancelled);
        }
    }
    let extra = format!(
        "{props:?}\n{:?}\n{}\n{}",
        opts.sample, opts.max_classes, opts.default_samples
    );
    let inputs = inputs_hash("verify", &[engine], &extra);
    Ok(report(
        "verify",
        inputs,
        shard,
        Part::Verify(VerifyPart { space, properties }),
    ))
}

/// Shard `shard` of [`diff()`](fn@super::diff): the jobs of the walk it takes.
///
/// # Errors
///
/// As [`diff()`](fn@super::diff), for this shard's share of the walk (its evaluation budget
/// is the shard's own).
pub fn diff_shard(
    old: &Engine,
    new: &Engine,
    opts: &DiffOptions,
    shard: Shard,
    progress: Option<Progress<'_>>,
) -> Result<ShardReport, VerifyError> {
    let part = super::diff::diff_part(old, new, opts, shard, progress)?;
    let extra = format!("{:?}\n{:?}\n{}", opts.targets, opts.parties, opts.max_classes);
    let inputs = inputs_hash("diff", &[old, new], &extra);
    Ok(report("diff", inputs, shard, Part::Diff(DiffWire::of(part))))
}

impl DiffWire {
    fn of(part: DiffPart) -> DiffWire {
        let mut lists: Vec<Arc<[String]>> = Vec::new();
        let mut numbers: HashMap<Arc<[String]>, usize> = HashMap::new();
        let mut number = |l: &Arc<[String]>| {
            *numbers.entry(l.clone()).or_insert_with(|| {
                lists.push(l.clone());
                lists.len() - 1
            })
        };
        let groups = part
            .groups
            .into_iter()
            .map(|((target, attacker, place, party, old, new, reading), v)| GroupWire {
                target,
                attacker,
                place,
                party,
                old,
                new,
                reading,
                scenarios: v.0,
                targets: v.1,
                attackers: number(&v.3),
                places: number(&v.4),
                stated: v.5,
                example: v.6,
                job: v.8,
            })
            .collect();
        DiffWire {
            space: part.space,
            scenarios: part.scenarios,
            notes: part.notes,
            changed: part.changed,
            evaluated: part.evaluated,
            lists,
            groups,
        }
    }

    fn into_part(self) -> Result<DiffPart, String> {
        let mut groups: BTreeMap<GroupKey, GroupVal> = BTreeMap::new();
        for g in self.groups {
            let list = |i: usize| {
                self.lists
                    .get(i)
                    .cloned()
                    .ok_or_else(|| format!("a group names list {i}, which is not there"))
            };
            let text = g.example.to_yaml().unwrap_or_default();
            let key = (g.target, g.attacker.clone(), g.place, g.party, g.old, g.new, g.reading);
            let val = (
                g.scenarios,
                g.targets,
                g.attacker,
                list(g.attackers)?,
                list(g.places)?,
                g.stated,
                g.example,
                text,
                g.job,
            );
            super::diff::add_group(&mut groups, key, val);
        }
        Ok(DiffPart {
            space: self.space,
            scenarios: self.scenarios,
            notes: self.notes,
            changed: self.changed,
            evaluated: self.evaluated,
            groups,
        })
    }
}

/// The answer of a merge: what the single run would have returned.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MergedReport {
    /// Of `casus verify`.
    Verify(VerifyReport),
    /// Of `casus diff`.
    Diff(DiffReport),
}

/// Shard reports added up.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The answer.
    pub report: MergedReport,
    /// Where shard 1 read its inputs from ([`ShardReport::sources`]).
    pub sources: Vec<String>,
}

/// Shard reports that do not make one answer. Each report is named by the label given with
/// it (its file).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum MergeError {
    /// No report was given.
    #[error("no shard report to merge: give every shard's report, 1/N to N/N")]
    Empty,
    /// Two reports are not of the same run.
    #[error(
        "{other} is not a shard of the same run as {first}: {what} differ ({theirs} against {ours}); merge the reports of one run, made with the same rule sets, properties and options"
    )]
    Mismatch {
        /// The first report.
        first: String,
        /// The report that differs.
        other: String,
        /// What differs: the command, the inputs, the casus version, the number of shards.
        what: &'static str,
        /// The first report's value.
        ours: String,
        /// The other's.
        theirs: String,
    },
    /// A shard is there twice.
    #[error("shard {shard} is given twice: {first} and {second}; give each shard's report once")]
    Duplicate {
        /// The shard.
        shard: Shard,
        /// The first report of it.
        first: String,
        /// The second.
        second: String,
    },
    /// Shards are missing.
    #[error("{}", missing_list(.missing, *.count))]
    Missing {
        /// The missing shards' numbers (from 1).
        missing: Vec<u32>,
        /// How many shards there are.
        count: u32,
    },
    /// Reports of the same inputs that do not fit together (written by hand, or damaged).
    #[error("{report}: {what}; make the report again with `casus {command} --shard`")]
    Inconsistent {
        /// The report.
        report: String,
        /// The command.
        command: String,
        /// What does not fit.
        what: String,
    },
}

fn missing_list(missing: &[u32], count: u32) -> String {
    let named: Vec<String> = missing.iter().take(10).map(|i| format!("{i}/{count}")).collect();
    let more = missing.len().saturating_sub(named.len());
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    if missing.len() == 1 {
        format!("shard {} is missing: run it and give its report too", named.join(""))
    } else {
        format!(
            "shards {}{tail} are missing: run them and give their reports too",
            named.join(", ")
        )
    }
}

/// Adds up shard reports, each with a label that names it in errors (its file), into the
/// answer of the single run: the same [`VerifyReport`] or [`DiffReport`], field for field.
///
/// # Errors
///
/// [`MergeError`] when the reports are not of one run (command, inputs, casus version or
/// number of shards differ), a shard is missing or given twice, or a report is damaged.
pub fn merge(reports: &[(String, ShardReport)]) -> Result<Merged, MergeError> {
    let (first_label, first) = reports.first().ok_or(MergeError::Empty)?;
    let count = first.shard.count;
    let mut by_index: BTreeMap<u32, (&String, &ShardReport)> = BTreeMap::new();
    for (label, r) in reports {
        let differs = |what: &'static str, ours: String, theirs: String| {
            (ours != theirs).then(|| MergeError::Mismatch {
                first: first_label.clone(),
                other: label.clone(),
                what,
                ours,
                theirs,
            })
        };
        let checks = [
            differs("the commands", first.command.clone(), r.command.clone()),
            differs("the casus versions", first.casus.clone(), r.casus.clone()),
            differs("the numbers of shards", count.to_string(), r.shard.count.to_string()),
            differs("the inputs", short(&first.inputs), short(&r.inputs)),
        ];
        if let Some(e) = checks.into_iter().flatten().next() {
            return Err(e);
        }
        if let Some((seen, _)) = by_index.insert(r.shard.index, (label, r)) {
            return Err(MergeError::Duplicate {
                shard: r.shard,
                first: seen.clone(),
                second: label.clone(),
            });
        }
    }
    let missing: Vec<u32> = (1..=count).filter(|i| !by_index.contains_key(i)).collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing { missing, count });
    }
    let ordered: Vec<(&String, &ShardReport)> = by_index.into_values().collect();
    let report = match &first.part {
        Part::Verify(_) => MergedReport::Verify(merge_verify(&ordered)?),
        Part::Diff(_) => MergedReport::Diff(merge_diff(&ordered)?),
    };
    let sources = ordered.first().map(|(_, r)| r.sources.clone()).unwrap_or_default();
    Ok(Merged { report, sources })
}

/// The first characters of a hash, enough to tell two apart in a message.
fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

fn inconsistent(label: &str, command: &str, what: impl Into<String>) -> MergeError {
    MergeError::Inconsistent {
        report: label.to_string(),
        command: command.to_string(),
        what: what.into(),
    }
}

fn merge_verify(reports: &[(&String, &ShardReport)]) -> Result<VerifyReport, MergeError> {
    let mut parts: Vec<(&String, &VerifyPart)> = Vec::new();
    for (label, r) in reports {
        match &r.part {
            Part::Verify(v) => parts.push((label, v)),
            Part::Diff(_) => return Err(inconsistent(label, "verify", "a diff report under a verify header")),
        }
    }
    let Some((_, head)) = parts.first() else {
        return Err(MergeError::Empty);
    };
    let mut properties = Vec::new();
    for (i, p) in head.properties.iter().enumerate() {
        let mut whole = p.clone();
        for (label, v) in parts.iter().skip(1) {
            let q = v
                .properties
                .get(i)
                .filter(|q| q.id == p.id)
                .ok_or_else(|| inconsistent(label, "verify", format!("property {} is not at its place", p.id)))?;
            add_property(&mut whole, q).map_err(|what| inconsistent(label, "verify", what))?;
        }
        let report = super::check::conclude(whole, || Err(VerifyError::Cancelled)).map_err(|_| {
            inconsistent(
                reports_label(reports),
                "verify",
                format!("no shard sampled property {}", p.id),
            )
        })?;
        properties.push(report);
    }
    Ok(VerifyReport {
        space: head.space.clone(),
        properties,
    })
}

fn reports_label<'a>(reports: &[(&'a String, &ShardReport)]) -> &'a str {
    reports.first().map_or("", |(l, _)| l.as_str())
}

/// Adds another shard's part of a property to `whole`.
fn add_property(whole: &mut PropertyPart, other: &PropertyPart) -> Result<(), String> {
    match (&mut whole.how, &other.how) {
        (How::Settled { report }, How::Settled { report: theirs }) => match (report.is_some(), theirs) {
            (true, Some(_)) => Err(format!("property {} was sampled by two shards", whole.id)),
            (_, Some(r)) => {
                *report = Some(r.clone());
                Ok(())
            }
            (_, None) => Ok(()),
        },
        (
            How::Walked { walk, beyond, .. },
            How::Walked {
                walk: w,
                beyond: theirs,
                ..
            },
        ) => {
            walk.absorb(w.as_ref().clone());
            if let (Some(b), Some(Beyond { sample: Some(s), .. })) = (beyond.as_mut(), theirs) {
                b.sample.get_or_insert_with(|| s.clone());
            }
            Ok(())
        }
        _ => Err(format!(
            "property {} is sampled in one shard and walked in another",
            whole.id
        )),
    }
}

fn merge_diff(reports: &[(&String, &ShardReport)]) -> Result<DiffReport, MergeError> {
    let mut whole: Option<DiffPart> = None;
    for (label, r) in reports {
        let Part::Diff(d) = &r.part else {
            return Err(inconsistent(label, "diff", "a verify report under a diff header"));
        };
        let part = d
            .clone()
            .into_part()
            .map_err(|what| inconsistent(label, "diff", what))?;
        match whole.as_mut() {
            None => whole = Some(part),
            Some(w) => w.absorb(part),
        }
    }
    whole.map(DiffPart::into_report).ok_or(MergeError::Empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_read_as_i_of_n() {
        assert_eq!("2/8".parse::<Shard>(), Shard::new(2, 8));
        assert_eq!(" 1 / 1 ".parse::<Shard>(), Ok(Shard::WHOLE));
        for (text, want) in [
            ("0/3", ShardError::OutOfRange { index: 0, count: 3 }),
            ("4/3", ShardError::OutOfRange { index: 4, count: 3 }),
            ("1/0", ShardError::OutOfRange { index: 1, count: 0 }),
            ("x/y", ShardError::Syntax("x/y".into())),
            ("3", ShardError::Syntax("3".into())),
            ("-1/3", ShardError::Syntax("-1/3".into())),
            ("1/2/3", ShardError::Syntax("1/2/3".into())),
        ] {
            assert_eq!(text.parse::<Shard>(), Err(want), "{text}");
        }
        let message = "0/3".parse::<Shard>().map_err(|e| e.to_string());
        assert_eq!(
            message,
            Err("shard 0/3 does not exist: I runs from 1 to N (1/3 … 3/3)".to_string())
        );
    }

    /// Every job is taken by exactly one shard, the shards' shares differ by one job at most,
    /// and the partition depends on the job's number alone.
    #[test]
    fn the_shards_partition_the_jobs_evenly() {
        for n in [1u32, 2, 3, 7, 64] {
            let shards: Vec<Shard> = (1..=n).filter_map(|i| Shard::new(i, n).ok()).collect();
            let jobs = 1000usize;
            let mut shares = vec![0usize; n as usize];
            for job in 0..jobs {
                let takers: Vec<usize> = (0..shards.len()).filter(|&s| shards[s].takes(job)).collect();
                assert_eq!(takers.len(), 1, "job {job} of {n} shards");
                shares[takers[0]] += 1;
            }
            let (lo, hi) = (shares.iter().min(), shares.iter().max());
            assert!(hi.zip(lo).is_some_and(|(h, l)| h - l <= 1), "{n}: {shares:?}");
            assert_eq!(shares.iter().sum::<usize>(), jobs);
        }
        assert!(Shard::WHOLE.takes(12345));
    }

    #[test]
    fn a_shard_is_written_as_it_is_read() {
        let s = Shard::new(3, 7).unwrap_or(Shard::WHOLE);
        let json = serde_json::to_string(&s).unwrap_or_default();
        assert_eq!(json, "\"3/7\"");
        assert_eq!(serde_json::from_str::<Shard>(&json).ok(), Some(s));
        assert!(serde_json::from_str::<Shard>("\"0/7\"").is_err());
    }

    fn example() -> (Engine, Engine, Properties) {
        let load = |t: &str| crate::RuleSet::from_yaml(t).ok().and_then(|r| r.compile().ok());
        let text = crate::doc_example().replace("- {party: EST, joined: 2004-03-29}", "");
        let (Some(old), Some(new)) = (load(crate::doc_example()), load(&text)) else {
            panic!("the documentation's example loads");
        };
        let props = Properties::from_yaml(
            "
properties:
  - id: usa-never-military
    require: {never: {parties: [USA], level: military}}
  - id: estonia-covered
    scope: {all: [{event: armed_attack}, {target: {is: EST}}, {date: {from: 2004-03-29}}]}
    require: {obliged: {at_least: 2, level: assist}}
  - id: anyone-assisted
    require: {obliged: {at_least: 1, level: assist}}
",
            &old,
        );
        let Ok(props) = props else {
            panic!("the properties load: {props:?}");
        };
        (old, new, props)
    }

    /// Merging the reports of N shards, given in any order and read back from their JSON,
    /// gives what the single run returns, for `verify` and `diff`.
    #[test]
    fn merged_shards_are_the_single_run() {
        let (old, new, props) = example();
        let opts = VerifyOptions::default();
        let single = super::super::verify(&old, &props, &opts, None).map_err(|e| e.to_string());
        let diffed = super::super::diff(&old, &new, &DiffOptions::default(), None).map_err(|e| e.to_string());
        assert!(diffed.as_ref().is_ok_and(|d| !d.groups.is_empty()), "{diffed:?}");
        assert!(single.as_ref().is_ok_and(|r| !r.all_hold()), "{single:?}");
        for n in 1..=5 {
            let mut verified = Vec::new();
            let mut compared = Vec::new();
            for i in (1..=n).rev() {
                let shard = Shard::new(i, n).unwrap_or(Shard::WHOLE);
                let v = verify_shard(&old, &props, &opts, shard, None).map_err(|e| e.to_string());
                let d = diff_shard(&old, &new, &DiffOptions::default(), shard, None).map_err(|e| e.to_string());
                let read = |r: Result<ShardReport, String>| {
                    r.and_then(|r| r.to_json().map_err(|e| e.to_string()))
                        .and_then(|t| ShardReport::from_json(&t).map_err(|e| e.to_string()))
                };
                verified.push((format!("v{i}"), read(v).unwrap_or_else(|e| panic!("{e}"))));
                compared.push((format!("d{i}"), read(d).unwrap_or_else(|e| panic!("{e}"))));
            }
            let v = merge(&verified).map(|m| m.report).map_err(|e| e.to_string());
            let d = merge(&compared).map(|m| m.report).map_err(|e| e.to_string());
            assert_eq!(v, single.clone().map(MergedReport::Verify), "verify in {n} shards");
            assert_eq!(d, diffed.clone().map(MergedReport::Diff), "diff in {n} shards");
        }
    }

    #[test]
    fn missing_shards_are_listed() {
        let e = MergeError::Missing {
            missing: vec![2],
            count: 3,
        };
        assert_eq!(e.to_string(), "shard 2/3 is missing: run it and give its report too");
        let e = MergeError::Missing {
            missing: vec![1, 3],
            count: 3,
        };
        assert_eq!(
            e.to_string(),
            "shards 1/3, 3/3 are missing: run them and give their reports too"
        );
    }
}
