//! Repair: from "this wording fails" to "these are the smallest wordings that hold".
//!
//! [`repair`] takes a rule set whose properties fail (`casus verify`) and searches for the
//! smallest sets of edits to its own rule files (the treaties and clauses it declares, never
//! the world or the rule sets it extends) after which every property it must keep holds and
//! every property it was asked to repair holds too, each repair **proved** by the exhaustive
//! walk of [`verify`](crate::verify::verify), and its side effects shown as a
//! [`diff`](crate::verify::diff) against the original. The edits are a drafter's
//! ([`EditKind`]): add or remove a party or an obligor; widen or narrow where a clause applies
//! (test the sovereign instead of the controller, add or drop a place, a tag, an attacker, an
//! event kind or what was hit, at any depth of `all:`, `any:` and `not:`; add an exception);
//! wait on a fact, flip it, or turn it into a caveat; raise or lower a level; require, remove
//! or exclude a form; move a date (entry into force, a membership, a `date:` window) to a
//! counterexample's; add or shorten a deadline to the hours a property asks for. Each is a
//! change of the rule file's text where the edited value was written, so a repair reads as a
//! patch of the file, comments and formatting kept. The walk-through is in `docs/repair.md`.

mod edits;
mod patch;
mod reload;
mod render;
mod search;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

pub use edits::{Edit, EditKind};
pub use patch::write_repaired;
pub use render::render_repair;

use crate::verify::{Aspect, DiffGroup, VerifyError, VerifyOptions};
use crate::{Engine, Limits, LoadError, RuleSet, Sources};

/// How [`repair`] searches.
#[derive(Debug, Clone)]
pub struct RepairOptions {
    /// The most edits in one repair (`--max-edits`).
    pub max_edits: usize,
    /// The properties to repair (ids); empty: every property the rule set violates.
    pub properties: Vec<String>,
    /// The most candidate edits the search combines; past it, the repair stops with
    /// [`RepairError::OverBudget`].
    pub max_candidates: usize,
    /// The most sets of edits checked by an exhaustive walk; past it, the repair stops with
    /// [`RepairError::OverBudget`].
    pub max_checks: u64,
    /// The most repairs reported (the smallest, ranked by their side effects).
    pub max_repairs: usize,
    /// How each walk is bounded (its `max_evaluations`, its `cancel` flag); sampling is never
    /// used: a repair is proved exhaustively or not at all.
    pub verify: VerifyOptions,
    /// The limits of loading the rule set.
    pub limits: Limits,
}

impl Default for RepairOptions {
    fn default() -> Self {
        RepairOptions {
            max_edits: 3,
            properties: Vec::new(),
            max_candidates: 64,
            max_checks: 2_000,
            max_repairs: 5,
            verify: VerifyOptions::default(),
            limits: Limits::default(),
        }
    }
}

/// The repair could not run.
#[derive(Debug, Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum RepairError {
    /// The rule set or one of its repaired versions could not be read.
    #[error("cannot read {path}: {message}")]
    Read {
        /// The file or folder.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The rule set or the properties file has errors.
    #[error("{0}")]
    Load(#[from] LoadError),
    /// A walk could not run (over its budget, cancelled).
    #[error("{0}")]
    Verify(#[from] VerifyError),
    /// A property to repair is not in the properties file.
    #[error("no property `{id}` in the properties file{}", hint.as_ref().map_or(String::new(), |h| format!("; did you mean `{h}`?")))]
    UnknownProperty {
        /// The id as given.
        id: String,
        /// The nearest id there is.
        hint: Option<String>,
    },
    /// A property could only be sampled: a repair must be proved by an exhaustive walk.
    #[error(
        "`{id}` cannot be checked exhaustively (it was sampled), so no repair of it can be proved; restrict its scope"
    )]
    NotExhaustive {
        /// The property.
        id: String,
    },
    /// The rule set has no rule file of its own to edit.
    #[error(
        "{path} declares no treaty of its own to edit (a repair edits the rule set's own files, not those it extends)"
    )]
    NothingToEdit {
        /// The rule set.
        path: String,
    },
    /// The search went past one of its limits.
    #[error("repair stopped: {reached}, over the limit of {limit} ({field}); {narrow}")]
    OverBudget {
        /// How far the search got, in words.
        reached: String,
        /// The limit.
        limit: u64,
        /// The option that sets it.
        field: &'static str,
        /// How to narrow the search, in words.
        narrow: &'static str,
    },
}

/// A rule set to repair: its own rule files (text and model) and how to load it with some
/// of them changed.
pub struct Draft {
    files: Vec<edits::Editable>,
    paths: Vec<PathBuf>,
    /// The folder or file given, when read from disk.
    root: Option<PathBuf>,
    limits: Limits,
}

impl Draft {
    /// Reads a rule-set folder (or one rule file): its own `.yaml` files other than
    /// `ruleset.yaml` are the files a repair may edit.
    pub fn load(rules: &Path, limits: &Limits) -> Result<Draft, RepairError> {
        let read_err = |e: std::io::Error| RepairError::Read {
            path: rules.display().to_string(),
            message: e.to_string(),
        };
        let mut paths = Vec::new();
        if rules.is_dir() {
            for entry in std::fs::read_dir(rules).map_err(read_err)? {
                let p = entry.map_err(read_err)?.path();
                let yaml = p.extension().is_some_and(|x| x == "yaml" || x == "yml");
                if yaml && p.is_file() && p.file_stem().is_some_and(|s| s != "ruleset") {
                    paths.push(p);
                }
            }
            paths.sort();
        } else {
            paths.push(rules.to_path_buf());
        }
        let mut files = Vec::new();
        let mut kept = Vec::new();
        for p in paths {
            let text = std::fs::read_to_string(&p).map_err(read_err)?;
            if let Some(f) = Draft::editable(&p.display().to_string(), text, limits)? {
                files.push(f);
                kept.push(p);
            }
        }
        if files.is_empty() {
            return Err(RepairError::NothingToEdit {
                path: rules.display().to_string(),
            });
        }
        Ok(Draft {
            files,
            paths: kept,
            root: Some(rules.to_path_buf()),
            limits: limits.clone(),
        })
    }

    /// One rule file given as text (tests, embedding): the whole rule set, and the file a
    /// repair edits.
    pub fn from_yaml(text: &str) -> Result<Draft, RepairError> {
        let limits = Limits::default();
        let f = Draft::editable("<rules>", text.to_string(), &limits)?
            .ok_or(RepairError::NothingToEdit { path: "<rules>".into() })?;
        Ok(Draft {
            files: vec![f],
            paths: vec![PathBuf::from("<rules>")],
            root: None,
            limits,
        })
    }

    fn editable(shown: &str, text: String, limits: &Limits) -> Result<Option<edits::Editable>, RepairError> {
        let ctx = crate::kernel::FileCtx::new(Path::new(shown), Some(text.clone().into()));
        let model = crate::kernel::parse_rule_text(&ctx, &text, limits).map_err(|d| {
            let mut diagnostics = crate::Diagnostics::new();
            diagnostics.push(*d);
            RepairError::Load(LoadError { diagnostics })
        })?;
        Ok((!model.treaties.is_empty()).then(|| edits::Editable {
            shown: shown.to_string(),
            text,
            model,
        }))
    }

    /// The engine of the rule set with the texts of `changed` (file index, text) in place of
    /// its files; `Err` with the diagnostics when they make it invalid.
    fn engine(&self, changed: &[(usize, String)]) -> Result<Engine, RepairError> {
        let rules = match &self.root {
            Some(root) => {
                let mut sources = Sources::new();
                for (i, text) in changed {
                    if let Some(p) = self.paths.get(*i) {
                        sources.insert(p, text.as_str());
                    }
                }
                RuleSet::load_with_sources(std::slice::from_ref(root), &self.limits, &sources)?
            }
            None => {
                let text = changed
                    .first()
                    .map(|(_, t)| t.as_str())
                    .or_else(|| self.files.first().map(|f| f.text.as_str()))
                    .unwrap_or("");
                RuleSet::from_yaml_with(text, &self.limits)?
            }
        };
        rules.into_engine().map_err(|e| RepairError::Read {
            path: self.root.as_ref().map_or("<rules>".into(), |r| r.display().to_string()),
            message: e.to_string(),
        })
    }

    /// Every edit of the vocabulary the rule set's own files allow, with what `seeds`
    /// (counterexamples) name to add, except or move to (places, attackers, targets, event
    /// kinds, what was hit, dates): what the search draws its candidates from (before keeping
    /// those that change a counterexample; the search adds the tags of the places, the
    /// parties the properties name and the hours they ask for).
    #[must_use]
    pub fn vocabulary(&self, seeds: &[crate::Scenario]) -> Vec<Edit> {
        edits::candidates(&self.files, &edits::Seeds::of(seeds.iter()))
    }

    /// The rule files `edits` change (as named in the report), with their edited text; edits
    /// that clash with an earlier one are left out.
    #[must_use]
    pub fn edited(&self, edits: &[Edit]) -> Vec<(String, String)> {
        let mut kept: Vec<&Edit> = Vec::new();
        for e in edits {
            if !kept.iter().any(|k| k.clashes(e)) {
                kept.push(e);
            }
        }
        self.patched(&kept)
            .into_iter()
            .filter_map(|(i, t)| self.files.get(i).map(|f| (f.shown.clone(), t)))
            .collect()
    }

    /// The texts of the files `edits` change, edited.
    fn patched(&self, edits: &[&Edit]) -> Vec<(usize, String)> {
        let mut out: Vec<(usize, String)> = Vec::new();
        for (i, f) in self.files.iter().enumerate() {
            let mine: Vec<&Edit> = edits.iter().copied().filter(|e| e.file_ix == i).collect();
            if !mine.is_empty() {
                out.push((i, edits::apply(&f.text, &mine)));
            }
        }
        out
    }
}

/// What the repairs of a rule set are.
#[derive(Debug, Clone, Serialize)]
pub struct RepairReport {
    /// The properties of the file, in order.
    pub properties: Vec<String>,
    /// The properties the repair makes hold (those asked for, or every violated one).
    pub goal: Vec<String>,
    /// Properties violated before that were not asked for: they may stay violated.
    pub left_violated: Vec<String>,
    /// The scenarios of the original rule set's space.
    pub scenarios: u128,
    /// The candidate edits kept (each changes whether a counterexample violates its property,
    /// or why).
    pub candidates: usize,
    /// The candidate edits kept, in the order the search combines them (not written in the
    /// JSON, which counts them in `candidates`).
    #[serde(skip)]
    pub candidate_edits: Vec<Edit>,
    /// Sets of edits tried.
    pub tried: u64,
    /// Sets of edits checked by an exhaustive walk.
    pub checked: u64,
    /// The most edits tried in one set.
    pub max_edits: usize,
    /// The smallest repairs found, fewest side effects first.
    pub repairs: Vec<Repair>,
    /// When no repair exists within `max_edits`: the property that blocks it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<Blocked>,
}

/// One repair: its edits, the patch, its proof and its side effects.
#[derive(Debug, Clone, Serialize)]
pub struct Repair {
    /// The edits, in file order.
    pub edits: Vec<Edit>,
    /// The edits as a unified diff of the rule files.
    pub patch: String,
    /// The properties that hold after it (every property but those left violated).
    pub hold: usize,
    /// The scenarios of the repaired rule set's space, over which they were proved.
    pub scenarios: u128,
    /// What else changes: the diff against the original.
    pub side_effects: SideEffects,
    /// The repaired texts, by file.
    #[serde(skip)]
    pub(crate) texts: Vec<(usize, String)>,
}

/// The side effects of a repair: every change of a verdict it makes, as `casus diff` counts it.
#[derive(Debug, Clone, Serialize)]
pub struct SideEffects {
    /// Scenarios whose verdict changes (counted once per party).
    pub changed: u128,
    /// Groups of changes (`casus diff`'s rows before merging).
    pub groups: usize,
    /// Scenarios per kind of change.
    pub by_kind: BTreeMap<Aspect, u128>,
    /// The first groups, in the diff's order.
    pub first: Vec<DiffGroup>,
}

/// Why no repair exists within the edits allowed.
#[derive(Debug, Clone, Serialize)]
pub struct Blocked {
    /// The property that blocks it.
    pub property: String,
    /// Why, in words.
    pub why: String,
}

/// Searches the smallest repairs of `draft` for the properties file `properties` (its text,
/// and the path named in its diagnostics); `progress` is told of each stage in words.
///
/// ```
/// let text = casus::doc_example().replace("- {party: EST, joined: 2004-03-29}", "");
/// let draft = casus::repair::Draft::from_yaml(&text)?;
/// let props = "properties:\n  - id: usa-never-military\n    require: {never: {parties: [USA], level: military}}\n";
/// let report = casus::repair::repair(&draft, (std::path::Path::new("p.yaml"), props), &Default::default(), None)?;
/// assert!(report.goal.is_empty()); // nothing to repair: it holds
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn repair(
    draft: &Draft,
    properties: (&Path, &str),
    opts: &RepairOptions,
    progress: Option<&(dyn Fn(&str) + Sync)>,
) -> Result<RepairReport, RepairError> {
    search::run(draft, properties, opts, progress)
}
