//! Casus reads declarative rule sets describing collective-defense commitments — who is a
//! party to what, since when, which places a clause covers, what it obliges — and answers, for
//! a given attack, **which signatories must respond, how strongly, in what form, by when,
//! under which clause, and why (or why not)**.
//!
//! ```
//! use casus::{RuleSet, Scenario, Level, Status};
//!
//! let rules = RuleSet::from_yaml(casus::doc_example())?;
//! let engine = rules.compile()?;
//! let scenario = Scenario::from_yaml("
//! date: 2020-01-01
//! event: armed_attack
//! attacker: RUS
//! target: EST
//! location: EST
//! on: territory
//! ")?;
//! let verdict = engine.evaluate(&scenario)?;
//! assert_eq!(verdict.level_of("USA"), Some(Level::Assist));
//! assert_eq!(verdict.party("USA").unwrap().status, Status::Definite);
//! // A cyber attack waits on the alliance's determination: contingent.
//! let cyber = Scenario::from_yaml("{date: 2020-01-01, event: cyber_attack, attacker: RUS, target: EST, location: EST, on: territory}")?;
//! let verdict = engine.evaluate(&cyber)?;
//! assert_eq!(verdict.party("USA").unwrap().status, Status::Contingent);
//! assert_eq!(verdict.party("USA").unwrap().depends_on, vec!["determined"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Why it is built this way
//!
//! - **Three-valued from the start.** A real question always leaves something open: was the
//!   attack directed from abroad, did the victim ask for help, at what hour did the accession
//!   take effect. Conditions are evaluated in Kleene's logic and an open fact yields a
//!   *contingent* obligation that names what it waits on, instead of a guess either way.
//! - **Every answer is explained.** Each obligation lists its sources down to the article;
//!   each member of a relevant treaty that owes nothing is listed with the reason.
//! - **Load once, evaluate many.** [`RuleSet::load`] reads, validates and resolves every id;
//!   [`RuleSet::compile`] indexes clauses by the target they can protect and the events that
//!   can trigger them, so [`Engine::evaluate`] never scans every treaty and does no I/O. An
//!   [`Engine`] is `Send + Sync`.
//! - **Nothing silently lost.** Unknown keys, unknown ids and dates out of order are errors
//!   with a file, line and column; a whole load reports every error at once.
//!
//! # Cargo features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `graph` | yes | `graph`: who is bound to help whom and when, exposure and cascades (`petgraph`) |
//! | `verify` | yes | `verify`: properties checked over every scenario, and diffs of two rule sets; `brief` (one-page briefs) and `repair` (repairs of a draft) on top of it (`rayon`) |
//! | `map` | yes | `map`: maps of coverage, guarantors, exposure, diffs and cascades as SVG, with the vendored world geometry compiled in (implies `graph`) |
//! | `panel` | yes | `panel`: panels and batches of evaluations as CSV tables (the `csv` crate, `rayon`; implies `graph`) |
//! | `parquet` | no | Parquet output for panels and batches (implies `panel`; `arrow` and `parquet`, heavy to compile) |
//! | `miette` | no | `miette::Diagnostic` for every error type, and `Report`, a load diagnostic as a `miette` report with its source snippet |
//! | `proptest` | no | `strategies`: proptest strategies for generated rule sets and scenarios, to property-test a rule set or a program that embeds the engine |
//! | `schema` | no | `schema`: JSON Schemas of the rule, scenario and properties formats, generated from the model types (`schemars`; implies `verify`) |
//!
//! Evaluation alone (loading, compiling, [`Engine::evaluate`], the verdict and its text) needs
//! none of them: `casus = { version = "0.1", default-features = false }` compiles neither
//! `petgraph` nor `rayon`.

#[cfg(feature = "verify")]
pub mod brief;
pub mod compiled;
pub mod cow;
mod decompile;
mod diag;
mod engine;
mod err;
mod eval;
#[cfg(feature = "graph")]
pub mod graph;
mod kernel;
mod level;
mod load;
#[cfg(feature = "map")]
pub mod map;
pub mod model;
pub mod names;
mod overlay;
#[cfg(feature = "panel")]
pub mod panel;
mod query;
#[doc(hidden)]
pub mod reference;
#[cfg(feature = "verify")]
pub mod repair;
pub mod report;
mod resolve;
mod scenario;
#[cfg(feature = "schema")]
pub mod schema;
#[cfg(feature = "proptest")]
pub mod strategies;
pub mod table;
mod text;
mod time;
mod truth;
mod verdict;
#[cfg(feature = "verify")]
pub mod verify;
mod vocab;

use std::path::{Path, PathBuf};

use compiled::{CompiledHeader, SourceHash};

pub use compiled::CompiledError;
pub use decompile::WriteError;
#[cfg(feature = "miette")]
pub use diag::Report;
pub use diag::{Diagnostic, Diagnostics, Position, Severity};
pub use engine::Engine;
pub use err::{CompileError, EngineError, LoadError, ScenarioError, WhenError};
pub use eval::{Hit, Prepared};
pub use level::{Level, strongest_level};
pub use load::{CompiledFileError, Limits, ParseCache, Sources};
pub use names::FindPlaceError;
pub use query::{ClauseInfo, FactInfo, PartyInfo, PlaceInfo, TreatyInfo};
pub use scenario::{Actor, COUNTEREXAMPLE_MARKER, Expect, ExpectPlace, Scenario, YamlKind};
pub use time::When;
pub use truth::Truth;
pub use verdict::{
    ClauseTrace, ConditionTrace, Conflict, Detail, Explanation, ExplanationIter, Forms, NotModelledNote, NotObligated,
    NotObligatedIter, NotObligatedList, ObligationList, PartyObligation, PlaceOnDay, ReadingDifference, Reason, Shared,
    Source, SourceList, Staging, Status, Verdict, WouldApply,
};
pub use vocab::{Caveat, Deadline, EventKind, Form, Means, On, UnknownWord};

/// A loaded and validated rule set: every id resolved, every date checked.
#[derive(Debug, Clone)]
pub struct RuleSet {
    engine: Engine,
    diagnostics: Diagnostics,
    name: Option<String>,
    /// The hash of the files it was read from (`None` for text given in memory).
    sources: Option<SourceHash>,
}

impl RuleSet {
    /// Loads a rule-set folder (with what its `ruleset.yaml` extends) or a single rule file.
    ///
    /// Returns every error of the load at once.
    ///
    /// # Errors
    ///
    /// [`LoadError`] with every diagnostic when a file cannot be read or parsed, or the rules are
    /// inconsistent (an unknown id, a duplicate, a clause that cannot hold).
    pub fn load(path: impl AsRef<Path>) -> Result<RuleSet, LoadError> {
        RuleSet::load_with(&[path.as_ref().to_path_buf()], &Limits::default())
    }

    /// Loads the union of several folders or files, with explicit limits.
    ///
    /// # Errors
    ///
    /// [`LoadError`] with every diagnostic, as [`RuleSet::load`].
    pub fn load_with(paths: &[PathBuf], limits: &Limits) -> Result<RuleSet, LoadError> {
        RuleSet::load_with_sources(paths, limits, &Sources::new())
    }

    /// Loads the union of several folders or files, reading the texts held in `sources` in
    /// place of the files on disk at their paths (an editor's unsaved buffers): the same
    /// diagnostics as [`RuleSet::load_with`] would give were the texts saved.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("casus-doc-sources-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// let file = dir.join("a.yaml");
    /// std::fs::write(&file, "parties: [{id: USA, name: United States}]\n").unwrap();
    /// let mut sources = casus::Sources::new();
    /// sources.insert(&file, "parties: [{id: USA, nmae: United States}]\n");
    /// let err = casus::RuleSet::load_with_sources(&[dir.clone()], &casus::Limits::default(), &sources).unwrap_err();
    /// assert!(err.diagnostics.items()[0].message.contains("unknown key `nmae`"));
    /// sources.remove(&file);
    /// assert!(casus::RuleSet::load_with_sources(&[dir.clone()], &casus::Limits::default(), &sources).is_ok());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// [`LoadError`] with every diagnostic, as [`RuleSet::load`].
    pub fn load_with_sources(paths: &[PathBuf], limits: &Limits, sources: &Sources) -> Result<RuleSet, LoadError> {
        // Read and resolved on one thread: the parsed files are freed where the engine is
        // then built, so that the allocator reuses their memory (a second thread's heap would
        // keep it as well).
        load::on_parse_stack(|| RuleSet::from_read(load::read_rules_here(paths, limits, sources), limits))
    }

    /// As [`RuleSet::load_with_sources`], taking from `cache` the files parsed by an earlier
    /// load whose text has not changed, and keeping there the files it parses: a reload after
    /// an edit of one file parses that file only. The result is the same as without the cache
    /// (see [`ParseCache`] for an example).
    ///
    /// # Errors
    ///
    /// [`LoadError`] with every diagnostic, as [`RuleSet::load`].
    pub fn load_with_cache(
        paths: &[PathBuf],
        limits: &Limits,
        sources: &Sources,
        cache: &mut ParseCache,
    ) -> Result<RuleSet, LoadError> {
        load::on_parse_stack(|| RuleSet::from_read(load::read_rules_cached_here(paths, limits, sources, cache), limits))
    }

    /// Resolves the files a read of rule folders gave: overlays applied, ids resolved.
    fn from_read(mut read: load::Read, limits: &Limits) -> Result<RuleSet, LoadError> {
        let name = read.manifest.as_ref().and_then(|m| m.name.clone());
        overlay::apply(&mut read.files, &read.amendments, &mut read.diagnostics);
        let mut rules = RuleSet::finish(read.files, read.diagnostics, limits, name)?;
        rules.sources = Some(read.sources);
        Ok(rules)
    }

    /// Loads one rule file given as text (tests, examples, embedding).
    ///
    /// ```
    /// let err = casus::RuleSet::from_yaml("parties:\n  - id: USA\n    nmae: x\n").unwrap_err();
    /// assert!(err.diagnostics.items()[0].message.contains("unknown key `nmae`"));
    /// ```
    ///
    /// # Errors
    ///
    /// [`LoadError`] with every diagnostic of the text, as [`RuleSet::load`].
    pub fn from_yaml(text: &str) -> Result<RuleSet, LoadError> {
        RuleSet::from_yaml_with(text, &Limits::default())
    }

    /// Loads one rule file given as text, with explicit limits (`max_file_bytes` applies to
    /// the text's length).
    ///
    /// # Errors
    ///
    /// [`LoadError`] with every diagnostic of the text, also when it exceeds `limits`.
    pub fn from_yaml_with(text: &str, limits: &Limits) -> Result<RuleSet, LoadError> {
        let ctx = diag::FileCtx::new(Path::new("<rules>"), Some(text.into()));
        let mut diags = Diagnostics::new();
        let mut files = Vec::new();
        match load::parse_rule_text(&ctx, text, limits) {
            Ok(f) => files.push((ctx, std::sync::Arc::new(f))),
            Err(d) => diags.push(*d),
        }
        RuleSet::finish(files, diags, limits, None)
    }

    /// Loads the rule sets at `base` (folders or files, with what they extend) together with
    /// one more rule file given as text, named `name` in diagnostics: a draft being edited over
    /// the library it extends. The text obeys the same limits as a file (`max_file_bytes`,
    /// YAML budgets); the count limits apply to the whole.
    ///
    /// ```
    /// let text = "treaties:\n  - id: pact\n    nmae: x\n";
    /// let err = casus::RuleSet::load_with_text(&[], "<draft>", text, &Default::default()).unwrap_err();
    /// let d = &err.diagnostics.items()[0];
    /// assert_eq!((d.position.file.to_str(), d.position.line), (Some("<draft>"), 3));
    /// ```
    ///
    /// # Errors
    ///
    /// [`LoadError`] with every diagnostic of `base` and the text, as [`RuleSet::load`].
    pub fn load_with_text(base: &[PathBuf], name: &str, text: &str, limits: &Limits) -> Result<RuleSet, LoadError> {
        let read = load::read_rules(base, limits, &Sources::new());
        let mut files = read.files;
        let mut diags = read.diagnostics;
        let ctx = diag::FileCtx::new(Path::new(name), Some(text.into()));
        match load::parse_rule_text(&ctx, text, limits) {
            Ok(f) => files.push((ctx, std::sync::Arc::new(f))),
            Err(d) => diags.push(*d),
        }
        RuleSet::finish(files, diags, limits, None)
    }

    fn finish(
        files: Vec<(diag::FileCtx, std::sync::Arc<model::RuleFile>)>,
        diags: Diagnostics,
        limits: &Limits,
        name: Option<String>,
    ) -> Result<RuleSet, LoadError> {
        let (mut engine, mut diagnostics) = resolve::resolve(files, limits, diags);
        resolve::normalize_tags(&mut engine);
        diagnostics.sort();
        if diagnostics.has_errors() {
            return Err(LoadError { diagnostics });
        }
        Ok(RuleSet {
            engine,
            diagnostics,
            name,
            sources: None,
        })
    }

    /// Warnings and notes of the load (errors make [`RuleSet::load`] fail).
    #[must_use]
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }

    /// The rule set's name from its manifest.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The content hash of the files the rule set was read from (`None` when it was given as
    /// text): what a compiled form of it records.
    #[must_use]
    pub fn source_hash(&self) -> Option<SourceHash> {
        self.sources
    }

    /// Compiles the rule set and writes the engine in the compiled form (see
    /// [`Engine::from_compiled`]), recording the hash of its sources and `origin`, the path
    /// it was read from (named in the message when the sources have changed since).
    ///
    /// ```
    /// let rules = casus::RuleSet::from_yaml(casus::doc_example())?;
    /// let (engine, bytes) = rules.build("example")?;
    /// let again = casus::Engine::from_compiled(&bytes, &rules.source_hash().unwrap_or_default())?;
    /// assert_eq!(again.parties().len(), engine.parties().len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CompileError`] when the rule set has more of something than the compiled form can index,
    /// or the compiled form cannot be written.
    pub fn build(&self, origin: &str) -> Result<(Engine, Vec<u8>), CompileError> {
        let engine = self.compile()?;
        let header = CompiledHeader {
            casus_version: env!("CARGO_PKG_VERSION").to_string(),
            sources: self.sources.unwrap_or_default(),
            name: self.name.clone(),
            origin: origin.to_string(),
        };
        let bytes = compiled::encode(&engine, &header).map_err(|e| CompileError::Encode(e.to_string()))?;
        Ok((engine, bytes))
    }

    /// Builds the evaluation indexes, keeping the rule set (its engine is copied).
    ///
    /// # Errors
    ///
    /// [`CompileError`] when the rule set has more of something than the engine can index.
    pub fn compile(&self) -> Result<Engine, CompileError> {
        RuleSet::index(self.engine.clone())
    }

    /// Builds the evaluation indexes, consuming the rule set: the same engine as
    /// [`RuleSet::compile`] gives, without copying it (what a program that reloads a rule set
    /// after every edit, such as the language server, wants). Take the
    /// [`diagnostics`](RuleSet::diagnostics) first if they are wanted.
    ///
    /// # Errors
    ///
    /// [`CompileError`] as for [`RuleSet::compile`].
    ///
    /// ```
    /// let rules = casus::RuleSet::from_yaml(casus::doc_example())?;
    /// let copied = rules.compile()?;
    /// let engine = rules.into_engine()?;
    /// assert_eq!(engine.parties().len(), copied.parties().len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_engine(self) -> Result<Engine, CompileError> {
        RuleSet::index(self.engine)
    }

    /// Checks the counts an index can number and builds the evaluation indexes of `e`.
    fn index(mut e: Engine) -> Result<Engine, CompileError> {
        for (what, count) in [
            ("parties", e.parties.len()),
            ("clauses", e.clauses.len()),
            ("places", e.places.len()),
            ("condition nodes", e.nodes.len()),
        ] {
            if count >= u32::MAX as usize {
                return Err(CompileError::TooMany {
                    what,
                    count,
                    max: u32::MAX as usize - 1,
                });
            }
        }
        e.build_index();
        Ok(e)
    }
}

impl Engine {
    /// Reads an engine from its compiled form (written by [`RuleSet::build`] or `casus
    /// build`), if it was built from sources whose hash is `sources` (see [`SourceHash::of`]).
    ///
    /// # Errors
    /// When the bytes are not a compiled rule set, are of another format version, are
    /// damaged, or were built from other sources: never a wrong answer.
    pub fn from_compiled(bytes: &[u8], sources: &SourceHash) -> Result<Engine, CompiledError> {
        compiled::decode(bytes, sources).map(|(_, e)| e)
    }

    /// Reads a compiled rule set from a file, checking that the rule set it was built from
    /// (the path it records) still has the same sources.
    ///
    /// # Errors
    /// When the file cannot be read, is not a usable compiled rule set, or its sources have
    /// changed or cannot be read.
    pub fn load_compiled(file: &Path, limits: &Limits) -> Result<Engine, CompiledFileError> {
        load::load_compiled(file, limits)
    }

    /// Loads a rule set through a cache of compiled rule sets in the folder `cache`: a
    /// compiled form built from the same sources (by content) is read instead of the YAML;
    /// otherwise the YAML is loaded and compiled, and its compiled form stored for next time
    /// (a cache that cannot be written is passed over in silence).
    ///
    /// # Errors
    /// As [`RuleSet::load_with`] and [`RuleSet::compile`].
    pub fn load_cached(paths: &[PathBuf], limits: &Limits, cache: &Path) -> Result<Engine, CachedLoadError> {
        if let Some(e) = load::cached(paths, limits, cache) {
            return Ok(e);
        }
        let rules = RuleSet::load_with(paths, limits)?;
        let origin = paths.first().map(|p| p.display().to_string()).unwrap_or_default();
        let (engine, bytes) = rules.build(&origin)?;
        if let Some(h) = rules.source_hash() {
            load::store_cached(cache, &h, limits, &bytes);
        }
        Ok(engine)
    }
}

/// A rule set could not be loaded through the cache (see [`Engine::load_cached`]): the same
/// error as any load and compile.
pub type CachedLoadError = EngineError;

/// A small rule set used by the documentation examples: NATO-like Art. 5 with three parties.
/// Hidden from the documentation: it is for examples and tests, not part of the API.
#[doc(hidden)]
#[must_use]
pub fn doc_example() -> &'static str {
    r"
tags:
  - {id: europe, description: In Europe.}
parties:
  - {id: USA, name: United States}
  - {id: FRA, name: France, territory_tags: [europe]}
  - {id: EST, name: Estonia, territory_tags: [europe]}
  - {id: RUS, name: Russia, territory_tags: [europe]}
treaties:
  - id: alliance
    name: Example Alliance
    in_force: 1949-08-24
    parties:
      - {party: USA}
      - {party: FRA}
      - {party: EST, joined: 2004-03-29}
    clauses:
      - id: art5
        citation: Art. 5
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
"
}

/// An engine is shared between threads: evaluation takes `&self` and mutates nothing.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
    assert_send_sync::<RuleSet>();
};

/// The rule sets the engine's own tests read as a whole: the library (`rules/`), the 1914
/// alliances and draft C of the coalition guarantee, each loaded and built, with its
/// compiled bytes.
#[cfg(test)]
pub(crate) fn shipped_rule_sets() -> Vec<(RuleSet, Engine, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    [
        root.clone(),
        root.join("historical/1914"),
        root.join("drafts/ukraine-coalition-c"),
    ]
    .iter()
    .map(|path| {
        let rules = RuleSet::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (engine, bytes) = rules.build("rules").unwrap_or_else(|e| panic!("{e}"));
        (rules, engine, bytes)
    })
    .collect()
}
