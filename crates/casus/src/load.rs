//! Reading rule files from disk: folders, manifests, size and structure budgets, YAML parsing.
//!
//! This is the only module that touches the file system or the YAML library, so that a change
//! of either touches one file. Everything it finds wrong becomes a [`Diagnostic`]; it never
//! stops at the first problem of a load.

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::model::Spanned;
use serde::de::DeserializeOwned;

use crate::diag::{Diagnostic, Diagnostics, FileCtx, Position, Severity};
use crate::model::{Manifest, RuleFile};

/// Limits that keep hostile input from exhausting time or memory. Each error that a limit
/// causes names the limit and its value; `docs/limits.md` lists them all with their error codes.
///
/// The defaults admit rule sets far larger than the shipped library (every state, hundreds of
/// thousands of places, tens of thousands of treaties) while keeping a hostile file from
/// exhausting memory. Raise a limit for trusted input:
///
/// ```
/// let limits = casus::Limits { max_file_bytes: 64 * 1024 * 1024, ..casus::Limits::default() };
/// let rules = casus::RuleSet::load_with(&["rules".into()], &limits);
/// # let _ = rules;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest rule or scenario file read, in bytes.
    pub max_file_bytes: u64,
    /// Most bytes of all the rule files of one load together (what `extends` names included).
    pub max_total_bytes: u64,
    /// Most rule files in one load (what `extends` names included); the walk of the folders
    /// stops as soon as it is passed.
    pub max_files: usize,
    /// Most YAML nodes in one file (an alias counts as the nodes it expands to).
    pub max_yaml_nodes: usize,
    /// Deepest YAML nesting in one file. Values above [`Limits::YAML_DEPTH_CEILING`] act as
    /// the ceiling, so that no setting can overflow the stack.
    pub max_yaml_depth: usize,
    /// Deepest nesting of conditions (`all`/`any`/`not`).
    pub max_condition_depth: usize,
    /// Deepest chain of `extends`.
    pub max_extends_depth: usize,
    /// Most named facts (built-in ones included). Values above [`Limits::FACTS_CEILING`] act
    /// as the ceiling: a verdict can name at most that many facts it waits on.
    pub max_facts: usize,
    /// Most parties (states, organizations and groups).
    pub max_parties: usize,
    /// Most places: territories, areas, and the main territories of states.
    pub max_places: usize,
    /// Most tags.
    pub max_tags: usize,
    /// Most treaties.
    pub max_treaties: usize,
    /// Most clauses, over all treaties.
    pub max_clauses: usize,
    /// Most clause–party pairs: the sum, over every clause and each of its alternative
    /// readings, of the number of parties its treaty ever has. It bounds the size of the
    /// clause index and the number of obligations one evaluation can produce per target.
    pub max_clause_parties: usize,
    /// Folders that paths named inside files (a scenario's `rules:`, a manifest's `extends:`)
    /// may reach besides their confinement root (the nearest folder at or above the file's
    /// that holds a `.git` entry, else the current folder when the file lies inside it). Empty
    /// by default: a file can name only what lies within its own repository or the current
    /// folder.
    pub allow_outside: Vec<PathBuf>,
    /// Most rows of a CSV file read by an import (ATOP's member-level export has 2,398).
    pub max_csv_rows: usize,
    /// Most targets, attackers or supporters a scenario may list (each is a dimension of the
    /// evaluation).
    pub max_scenario_parties: usize,
    /// Most commitments a whole commitment graph may hold, as bounded before it is built
    /// (`Engine::graph_size_bound`, feature `graph`).
    pub max_graph_edges: u64,
}

impl Limits {
    /// The deepest YAML nesting any setting of [`Limits::max_yaml_depth`] allows.
    pub const YAML_DEPTH_CEILING: usize = 256;
    /// The most named facts any setting of [`Limits::max_facts`] allows (the evaluator tracks
    /// what an answer waits on in a fixed-size set).
    pub const FACTS_CEILING: usize = 248;

    /// Reads a text file from disk within these limits, as a rule file is read: at most
    /// [`Limits::max_file_bytes`] are read (a device such as `/dev/zero` is not read without
    /// end), and text that is not UTF-8 is an error at its line and column. For data a rule
    /// set is made from, such as the CSV exports the `casus-atop` crate imports.
    ///
    /// ```
    /// let limits = casus::Limits { max_file_bytes: 4, ..casus::Limits::default() };
    /// let err = limits.read_text(std::path::Path::new("Cargo.toml")).unwrap_err();
    /// assert!(err.to_string().contains("max_file_bytes"), "{err}");
    /// ```
    ///
    /// # Errors
    ///
    /// A [`Diagnostic`] naming the file when it is missing, a folder, larger than
    /// `max_file_bytes` or not UTF-8.
    pub fn read_text(&self, path: &Path) -> Result<Arc<str>, Box<Diagnostic>> {
        read_text(path, self)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 16 * 1024 * 1024,
            max_total_bytes: 64 * 1024 * 1024,
            max_files: 20_000,
            max_yaml_nodes: 2_000_000,
            max_yaml_depth: 64,
            max_condition_depth: 24,
            max_extends_depth: 8,
            max_facts: 240,
            max_parties: 100_000,
            max_places: 200_000,
            max_tags: 1_024,
            max_treaties: 100_000,
            max_clauses: 1_000_000,
            max_clause_parties: 1_000_000,
            allow_outside: Vec::new(),
            max_csv_rows: 200_000,
            max_scenario_parties: 1_000,
            max_graph_edges: 2_000_000,
        }
    }
}

/// The folder that paths named inside a file in `dir` must stay within: the nearest folder at
/// or above `dir` that holds a `.git` entry (the repository), else the current folder when
/// `dir` lies inside it, else `dir` itself. A scenario's `rules:` and a manifest's `extends:`
/// resolve within it (or within a folder of [`Limits::allow_outside`]), so that a file handed
/// over by someone else cannot make Casus read, and echo in an error, any file on the disk.
#[must_use]
pub(crate) fn confinement_root(dir: &Path) -> PathBuf {
    let dir = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if let Some(repo) = dir.ancestors().find(|a| a.join(".git").exists()) {
        return repo.to_path_buf();
    }
    match std::env::current_dir().and_then(fs::canonicalize) {
        Ok(cwd) if dir.starts_with(&cwd) => cwd,
        _ => dir,
    }
}

/// Checks that `target`, named inside a file in `dir`, lies within the confinement root of
/// `dir` or a folder the limits allow; the error says where it points and how to allow it.
pub(crate) fn confined(dir: &Path, target: &Path, limits: &Limits) -> Result<(), String> {
    let Ok(real) = fs::canonicalize(target) else {
        return Ok(()); // a missing path is reported as missing by the caller
    };
    let root = confinement_root(dir);
    let allowed = std::iter::once(root.clone())
        .chain(limits.allow_outside.iter().filter_map(|a| fs::canonicalize(a).ok()))
        .any(|r| real.starts_with(r));
    if allowed {
        Ok(())
    } else {
        Err(format!(
            "it lies outside {}, the folder that paths named inside files stay within",
            root.display()
        ))
    }
}

/// Texts a load reads in place of files on disk: an editor's unsaved buffers, or files a
/// program holds in memory beside a rule set on disk.
///
/// A text stands in for the file at its path (compared after resolving links and `..`, so
/// `rules/./a.yaml` and `rules/a.yaml` are one file); the folder walk still decides which
/// files belong to the rule set, so the file must exist on disk.
///
/// ```no_run
/// let mut sources = casus::Sources::new();
/// sources.insert("rules/treaties/nato.yaml", "treaties: []\n");
/// let result = casus::RuleSet::load_with_sources(&["rules".into()], &casus::Limits::default(), &sources);
/// ```
///
/// [`Sources::in_memory`] holds a whole rule tree instead: the load reads nothing from disk,
/// and the folders are those the held paths name, `extends` included (a service or a test
/// needs no temporary folder):
///
/// ```
/// let mut files = casus::Sources::in_memory();
/// files.insert("world/ruleset.yaml", "name: world\n");
/// files.insert("world/parties.yaml", "parties:\n  - {id: AAA, name: A}\n  - {id: BBB, name: B}\n");
/// files.insert("draft/ruleset.yaml", "name: draft\nextends: [../world]\n");
/// files.insert("draft/pact.yaml", "treaties:\n  - id: pact\n    name: Pact\n    in_force: 2020-01-01\n    parties: [{party: AAA}, {party: BBB}]\n");
/// let rules = casus::RuleSet::load_with_sources(&["draft".into()], &casus::Limits::default(), &files).unwrap();
/// assert_eq!(rules.name(), Some("draft"));
/// assert_eq!(rules.compile().unwrap().parties().len(), 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Sources {
    texts: std::collections::BTreeMap<PathBuf, Arc<str>>,
    /// The held texts are the whole rule tree: nothing is read from disk.
    alone: bool,
}

impl Sources {
    /// No text held: every file is read from disk.
    #[must_use]
    pub fn new() -> Sources {
        Sources::default()
    }

    /// No text held yet, and none will be read from disk: a load sees only the files
    /// inserted, under the folders their paths name (compared after `.` and `..` are
    /// resolved, as written: there are no links).
    #[must_use]
    pub fn in_memory() -> Sources {
        Sources {
            alone: true,
            ..Sources::default()
        }
    }

    /// Whether the held texts are the whole rule tree ([`Sources::in_memory`]).
    #[must_use]
    pub fn is_in_memory(&self) -> bool {
        self.alone
    }

    /// Reads `text` in place of the file at `path`.
    pub fn insert(&mut self, path: impl AsRef<Path>, text: impl Into<Arc<str>>) {
        let key = self.key(path.as_ref());
        self.texts.insert(key, text.into());
    }

    /// Reads the file at `path` from disk again (in memory: the file is gone).
    pub fn remove(&mut self, path: impl AsRef<Path>) {
        let key = self.key(path.as_ref());
        self.texts.remove(&key);
    }

    /// The text held for `path`, if any.
    #[must_use]
    pub fn get(&self, path: impl AsRef<Path>) -> Option<&Arc<str>> {
        if self.texts.is_empty() {
            return None;
        }
        // A path held as it is was canonical when inserted: no need to resolve it again (a
        // load asks for every file it reads, and resolving links costs a call per folder).
        let path = path.as_ref();
        self.texts.get(path).or_else(|| self.texts.get(&self.key(path)))
    }

    /// Whether no text is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// The paths held, in order.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.texts.keys().map(PathBuf::as_path)
    }

    /// How a path is held: canonical on disk, with `.` and `..` resolved in memory.
    fn key(&self, path: &Path) -> PathBuf {
        if self.alone { lexical(path) } else { canonical(path) }
    }

    /// In memory: what is at `path`, a held file (its length) or a folder of held files.
    fn entry(&self, path: &Path) -> Option<Entry> {
        let key = lexical(path);
        if let Some(text) = self.texts.get(&key) {
            return Some(Entry::File(text.len() as u64));
        }
        let inside = |k: &&PathBuf| k.starts_with(&key) && **k != key;
        self.texts.keys().any(|k| inside(&k)).then_some(Entry::Folder)
    }

    /// In memory: the files and folders directly inside `dir`, sorted, as paths within `dir`
    /// as it is written (as a folder's walk on disk gives them).
    fn list(&self, dir: &Path) -> Vec<PathBuf> {
        let key = lexical(dir);
        let mut out: Vec<PathBuf> = self
            .texts
            .keys()
            .filter_map(|k| k.strip_prefix(&key).ok()?.components().next())
            .map(|c| dir.join(c))
            .collect();
        out.dedup();
        out
    }
}

/// What an entry of a folder is, without following links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A symbolic link (never followed).
    Link,
    /// A folder.
    Folder,
    /// A regular file of so many bytes.
    File(u64),
    /// A pipe, socket or device.
    Other,
}

/// What a path names, in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    /// A file of so many bytes.
    File(u64),
    /// A folder.
    Folder,
}

/// The path with `.` dropped and `..` taken off the folder before it, as written (a `..` that
/// climbs above the start is kept).
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Rule files parsed by earlier loads, kept so that a load parses again only the files whose
/// text changed: a language server or a watcher that reloads a rule set after every edit of
/// one file pays for that file, not for the whole folder.
///
/// Each parsed file is kept under its path and the hash of its text (and the [`Limits`] it was
/// parsed with: a load with other limits starts afresh); a load through the cache gives exactly
/// the diagnostics and rule set a load without it gives. Files a load no longer reads are
/// dropped from the cache at the end of that load.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("casus-doc-cache-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// std::fs::write(dir.join("a.yaml"), "parties: [{id: USA, name: United States}]\n").unwrap();
/// std::fs::write(dir.join("b.yaml"), "parties: [{id: FRA, name: France}]\n").unwrap();
/// let (limits, mut cache) = (casus::Limits::default(), casus::ParseCache::new());
/// let mut sources = casus::Sources::new();
/// assert!(casus::RuleSet::load_with_cache(&[dir.clone()], &limits, &sources, &mut cache).is_ok());
/// assert_eq!(cache.parsed(), 2);
/// sources.insert(dir.join("b.yaml"), "parties: [{id: FRA, nmae: France}]\n");
/// let err = casus::RuleSet::load_with_cache(&[dir.clone()], &limits, &sources, &mut cache).unwrap_err();
/// assert!(err.diagnostics.items()[0].message.contains("unknown key `nmae`"));
/// assert_eq!(cache.parsed(), 3); // b.yaml again, a.yaml taken from the cache
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug, Default)]
pub struct ParseCache {
    /// The limits the kept files were parsed with.
    limits: Option<Limits>,
    files: std::collections::BTreeMap<PathBuf, CachedFile>,
    /// Files parsed through the cache so far (those not found in it).
    parsed: usize,
}

/// One kept parse: the hash of the text it was parsed from, and what the parse gave.
#[derive(Debug)]
struct CachedFile {
    hash: [u8; 32],
    parse: Result<Arc<RuleFile>, Box<Diagnostic>>,
    /// Read by the load under way.
    used: bool,
}

impl ParseCache {
    /// An empty cache.
    #[must_use]
    pub fn new() -> ParseCache {
        ParseCache::default()
    }

    /// How many files the cache keeps.
    #[must_use]
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether it keeps no file.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// How many files were parsed through the cache since it was made (the files it did not
    /// hold with the same text): what a caller counts to see that an edit re-parsed one file.
    #[must_use]
    pub fn parsed(&self) -> usize {
        self.parsed
    }

    /// Prepares for a load with `limits`: forgets every file if they differ from the last.
    fn start(&mut self, limits: &Limits) {
        if self.limits.as_ref() != Some(limits) {
            self.files.clear();
            self.limits = Some(limits.clone());
        }
        for f in self.files.values_mut() {
            f.used = false;
        }
    }

    /// Ends a load: forgets the files it did not read.
    fn finish(&mut self) {
        self.files.retain(|_, f| f.used);
    }

    /// The parse of `text` at `path`: the kept one when the text is the same, else a new one,
    /// kept. The kept parse is shared, not copied: a load that amends a treaty copies the file
    /// it changes (see [`crate::overlay`]).
    fn parse(
        &mut self,
        ctx: &FileCtx,
        path: &Path,
        text: &str,
        limits: &Limits,
    ) -> Result<Arc<RuleFile>, Box<Diagnostic>> {
        let hash = *blake3::hash(text.as_bytes()).as_bytes();
        if let Some(f) = self.files.get_mut(path)
            && f.hash == hash
        {
            f.used = true;
            return f.parse.clone();
        }
        self.parsed += 1;
        let parse = parse_yaml::<RuleFile>(ctx, text, limits).map(Arc::new);
        self.files.insert(
            path.to_path_buf(),
            CachedFile {
                hash,
                parse: parse.clone(),
                used: true,
            },
        );
        parse
    }
}

/// The path with links and `..` resolved, or as given when it cannot be.
fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// What a read of rule folders produced: parsed files and diagnostics.
#[derive(Debug, Default)]
pub(crate) struct Read {
    /// The rule files parsed, shared with the [`ParseCache`] that kept them.
    pub files: Vec<(FileCtx, Arc<RuleFile>)>,
    pub diagnostics: Diagnostics,
    pub manifest: Option<Manifest>,
    /// The `amend:` lists of every manifest read, in the order read (what is extended first).
    pub amendments: Vec<(FileCtx, Vec<crate::overlay::AmendDecl>)>,
    /// The content hash of every file read (see [`SourceHash`]).
    pub sources: SourceHash,
}

/// The content hash of a rule set's sources: every rule file and manifest it reads, in the
/// order it reads them, each with its path relative to its rule set's folder (so that the same
/// folder gives the same hash from anywhere). A compiled rule set records the hash of the
/// sources it was built from, and is refused when they have changed since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct SourceHash(pub(crate) [u8; 32]);

impl SourceHash {
    /// Hashes the sources a load of `paths` would read, without parsing the rule files (the
    /// manifests are read for what they extend). `None` when a file cannot be read or the walk
    /// breaks a limit: a load would fail, and its diagnostics say why.
    #[must_use]
    pub fn of(paths: &[PathBuf], limits: &Limits) -> Option<SourceHash> {
        let read = on_parse_stack(|| walk_rules(paths, limits, false, &Sources::new(), None));
        (!read.diagnostics.has_errors()).then_some(read.sources)
    }

    /// The hash in hexadecimal (64 digits).
    #[must_use]
    pub fn to_hex(&self) -> String {
        self.0.iter().fold(String::with_capacity(64), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        })
    }
}

impl std::fmt::Display for SourceHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Adds one source file to a hash: a kind byte, then its path and its text, each preceded by
/// its length, so that no two different lists of files hash alike by concatenation.
fn hash_source(h: &mut blake3::Hasher, kind: u8, rel: &Path, text: &str) {
    let rel = rel.to_string_lossy().replace('\\', "/");
    h.update(&[kind]);
    h.update(&(rel.len() as u64).to_le_bytes());
    h.update(rel.as_bytes());
    h.update(&(text.len() as u64).to_le_bytes());
    h.update(text.as_bytes());
}

fn yaml_options(limits: &Limits) -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = limits.max_yaml_nodes;
    budget.max_depth = limits.max_yaml_depth.min(Limits::YAML_DEPTH_CEILING);
    budget.max_events = limits.max_yaml_nodes.saturating_mul(4);
    // The node and event budgets bound what aliases expand to; the reader's extra rule (more
    // than 100 aliases must stay under 10 × the anchors) would refuse a file that reuses one
    // anchored list a few hundred times, which is legitimate.
    budget.enforce_alias_anchor_ratio = false;
    let mut opts = serde_saphyr::Options::default();
    opts.budget = Some(budget);
    opts.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    // A merge key lets one key hide another without a word (the second `<<:` of a mapping, or
    // an explicit key over a merged one), so a reservation or a fact could appear or vanish
    // unseen: Casus files take anchors and aliases for whole values, never merge keys.
    opts.merge_keys = serde_saphyr::MergeKeyPolicy::Error;
    opts.strict_booleans = true;
    // Casus defines no YAML tag: an unknown one (`!foo`) would otherwise be dropped in silence.
    opts.reject_unsupported_tags = true;
    opts.reject_tagged_field_names = true;
    opts
}

/// The error of a file over `max_file_bytes`.
fn too_large(ctx: &FileCtx, len: u64, limits: &Limits) -> Diagnostic {
    ctx.error(
        "limit-file-size",
        ctx.whole(),
        format!(
            "file is {len} bytes, over the limit of {} bytes (max_file_bytes)",
            limits.max_file_bytes
        ),
        Some("split the file, or raise the limit if the file is trusted".into()),
    )
}

/// Reads a file's text within the size limit.
pub(crate) fn read_text(path: &Path, limits: &Limits) -> Result<Arc<str>, Box<Diagnostic>> {
    read_text_inner(path, limits).map_err(Box::new)
}

#[allow(clippy::result_large_err)]
fn read_text_inner(path: &Path, limits: &Limits) -> Result<Arc<str>, Diagnostic> {
    let mut bytes = Vec::new();
    read_bytes(path, limits, &mut bytes)?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok(Arc::from(s)),
        Err(e) => Err(not_utf8(path, e.as_bytes(), e.utf8_error().valid_up_to())),
    }
}

/// The text of the file at `path` if it is still the one of `len` bytes and BLAKE3 `hash`
/// that was parsed: what a diagnostic found after parsing shows its snippet from (see
/// `FileCtx::let_go`). A file changed since gives none.
pub(crate) fn read_again(path: &Path, len: u64, hash: &blake3::Hash) -> Option<Arc<str>> {
    let mut bytes = Vec::new();
    // At most one byte more than the text was: a file that has grown is not it.
    fs::File::open(path)
        .and_then(|f| f.take(len.saturating_add(1)).read_to_end(&mut bytes))
        .ok()?;
    if bytes.len() as u64 != len || blake3::hash(&bytes) != *hash {
        return None;
    }
    String::from_utf8(bytes).ok().map(Arc::from)
}

/// Reads a file's bytes into `bytes` (emptied first) within the size limit.
#[allow(clippy::result_large_err)]
fn read_bytes(path: &Path, limits: &Limits, bytes: &mut Vec<u8>) -> Result<(), Diagnostic> {
    let ctx = FileCtx::new(path, None);
    let meta = fs::metadata(path).map_err(|e| {
        ctx.error(
            "io",
            ctx.whole(),
            format!("cannot read: {}", io_words(&e)),
            Some("check the path".into()),
        )
    })?;
    if meta.is_dir() {
        return Err(ctx.error("io", ctx.whole(), "is a folder, not a file".into(), None));
    }
    if meta.len() > limits.max_file_bytes {
        return Err(too_large(&ctx, meta.len(), limits));
    }
    // Read at most one byte more than the limit: a file that grows while it is read, a pipe
    // or a device (`/dev/zero`) must not be read without end.
    let cannot = |e: std::io::Error| ctx.error("io", ctx.whole(), format!("cannot read: {}", io_words(&e)), None);
    bytes.clear();
    fs::File::open(path)
        .and_then(|f| f.take(limits.max_file_bytes.saturating_add(1)).read_to_end(bytes))
        .map_err(cannot)?;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(ctx.error(
            "limit-file-size",
            ctx.whole(),
            format!(
                "file is over the limit of {} bytes (max_file_bytes)",
                limits.max_file_bytes
            ),
            Some("split the file, or raise the limit if the file is trusted".into()),
        ));
    }
    Ok(())
}

/// The error of a file that is not UTF-8 from byte `at` on, at its line and column.
fn not_utf8(path: &Path, bytes: &[u8], at: usize) -> Diagnostic {
    let text = String::from_utf8_lossy(bytes);
    let prefix = text.get(..at).unwrap_or("");
    let line = prefix.matches('\n').count() + 1;
    let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let pos = crate::diag::Position {
        file: path.to_path_buf(),
        line: u32::try_from(line).unwrap_or(0),
        column: u32::try_from(column).unwrap_or(0),
        offset: None,
        len: 0,
    };
    FileCtx::new(path, None).error(
        "encoding",
        pos,
        format!("invalid UTF-8 at byte {at}"),
        Some("save the file as UTF-8".into()),
    )
}

fn io_words(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string().to_lowercase(),
    }
}

/// Parses YAML text given in memory into `T`: the size limit as for a file, then as
/// [`parse_yaml`].
pub(crate) fn parse_text<T: DeserializeOwned>(
    ctx: &FileCtx,
    text: &str,
    limits: &Limits,
) -> Result<T, Box<Diagnostic>> {
    let len = text.len() as u64;
    if len > limits.max_file_bytes {
        return Err(Box::new(ctx.error(
            "limit-file-size",
            ctx.whole(),
            format!(
                "text is {len} bytes, over the limit of {} bytes (max_file_bytes)",
                limits.max_file_bytes
            ),
            Some("split the text, or raise the limit if it is trusted".into()),
        )));
    }
    parse_yaml(ctx, text, limits)
}

/// Parses YAML text into `T`, turning a failure into a located diagnostic.
pub(crate) fn parse_yaml<T: DeserializeOwned>(
    ctx: &FileCtx,
    text: &str,
    limits: &Limits,
) -> Result<T, Box<Diagnostic>> {
    if let Some(d) = binary_tag(ctx, text) {
        return Err(Box::new(d));
    }
    // A document that says nothing (`null`, `~`, a lone `---`) reads as an empty file does.
    let text = if says_nothing(text) { "" } else { text };
    serde_saphyr::from_str_with_options::<T>(text, yaml_options(limits))
        .map_err(|e| Box::new(yaml_diagnostic(ctx, &e, limits)))
}

/// Whether the text is one document with no content: only comments, blank lines, document
/// markers and a null.
fn says_nothing(text: &str) -> bool {
    let mut nulls = 0;
    for line in text.lines() {
        let line = line.split_once(" #").map_or(line, |(l, _)| l).trim();
        match line {
            "" | "---" | "..." => {}
            _ if line.starts_with('#') => {}
            "null" | "Null" | "NULL" | "~" | "--- null" | "--- ~" => nulls += 1,
            _ => return false,
        }
    }
    nulls <= 1 && !text.trim().is_empty()
}

/// The first `!!binary` tag outside quotes, as an error: Casus defines no tag, and a binary
/// value would turn base64 text into a name nobody wrote. (The reader itself refuses every
/// other tag it does not know, see `yaml_options`.)
fn binary_tag(ctx: &FileCtx, text: &str) -> Option<Diagnostic> {
    if !text.contains("!!binary") && !text.contains(":binary>") {
        return None;
    }
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        for tag in ["!!binary", "!<tag:yaml.org,2002:binary>"] {
            let found = line.match_indices(tag).find(|(at, _)| {
                let before = line.get(..*at).unwrap_or("");
                let quotes = before.matches(['"', '\'']).count();
                quotes % 2 == 0 && !before.contains('#')
            });
            if let Some((at, _)) = found {
                let mut pos = ctx.whole();
                pos.line = u32::try_from(n + 1).unwrap_or(u32::MAX);
                pos.column = u32::try_from(line.get(..at).map_or(0, |b| b.chars().count()) + 1).unwrap_or(u32::MAX);
                pos.offset = Some(offset + at);
                pos.len = tag.len();
                return Some(ctx.error(
                    "yaml-tag",
                    pos,
                    "the `!!binary` tag is not accepted in Casus files".into(),
                    Some("write the value as plain text; Casus files take no YAML tags".into()),
                ));
            }
        }
        offset += line.len();
    }
    None
}

/// The message and help for a breach of a YAML budget, naming the limit and its value.
fn budget_words(breach: &serde_saphyr::budget::BudgetBreach, limits: &Limits) -> (String, String) {
    use serde_saphyr::budget::BudgetBreach as B;
    let raise = "raise the limit if the file is trusted (docs/limits.md)";
    match breach {
        B::Depth { .. } if limits.max_yaml_depth >= Limits::YAML_DEPTH_CEILING => (
            format!(
                "YAML nested deeper than {} levels (max_yaml_depth, at its ceiling)",
                Limits::YAML_DEPTH_CEILING
            ),
            "flatten the structure; conditions combine with `all: [...]` and `any: [...]`".into(),
        ),
        B::Depth { .. } => (
            format!(
                "YAML nested deeper than {} levels (max_yaml_depth)",
                limits.max_yaml_depth
            ),
            format!("flatten the structure; conditions combine with `all: [...]` and `any: [...]`; or {raise}"),
        ),
        B::Nodes { .. } => (
            format!(
                "more than {} YAML nodes, aliases counted as what they expand to (max_yaml_nodes)",
                limits.max_yaml_nodes
            ),
            format!("split the file; or {raise}"),
        ),
        B::Events { .. } => (
            format!(
                "more than {} YAML events, aliases counted as what they expand to (4 × max_yaml_nodes)",
                limits.max_yaml_nodes.saturating_mul(4)
            ),
            format!("split the file; or {raise}"),
        ),
        _ => (
            "too many anchors, aliases, alias replays, merge keys, documents or bytes of text for the YAML reader's fixed budget"
                .into(),
            "anchors and aliases that expand without bound are refused; write the values out, or split the file".into(),
        ),
    }
}

/// The error under the reader's wrappers (snippets, alias use-sites).
fn innermost(e: &serde_saphyr::Error) -> &serde_saphyr::Error {
    let mut e = e;
    while let serde_saphyr::Error::AliasError { error, .. } | serde_saphyr::Error::WithSnippet { error, .. } = e {
        e = error;
    }
    e
}

/// Where a YAML error points: its own location, else its innermost cause's, else the file.
fn pos_of(ctx: &FileCtx, e: &serde_saphyr::Error, inner: &serde_saphyr::Error) -> Position {
    e.location()
        .or_else(|| inner.location())
        .map_or_else(|| ctx.whole(), |l| ctx.at(&l.into()))
}

fn yaml_diagnostic(ctx: &FileCtx, e: &serde_saphyr::Error, limits: &Limits) -> Diagnostic {
    use serde_saphyr::Error as E;
    let inner = innermost(e);
    let words = match inner {
        E::Budget { breach, .. } => Some(budget_words(breach, limits)),
        E::AliasReplayCounterOverflow { .. }
        | E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. } => Some((
            "aliases expand beyond the YAML reader's fixed budget".to_string(),
            "anchors and aliases that expand without bound are refused; write the values out, or split the file"
                .to_string(),
        )),
        E::MergeKeyNotAllowed { .. } | E::MergeValueNotMapOrSeqOfMaps { .. } => {
            let message = "merge keys (`<<`) are not accepted in Casus files".to_string();
            let help = "write the keys out; a merge can hide one key behind another (a second `<<`, or a key \
                        over a merged one), which would let an entry vanish unseen. An alias (`*name`) for a \
                        whole value is fine"
                .to_string();
            return ctx.error("merge-key", pos_of(ctx, e, inner), message, Some(help));
        }
        _ => None,
    };
    if let Some((message, help)) = words {
        return ctx.error("limit-yaml", pos_of(ctx, e, inner), message, Some(help));
    }
    let full = e.without_snippet().to_string();
    let message = match full.rsplit_once(" at line ") {
        Some((m, rest)) if rest.contains("column") => m.to_string(),
        _ => full,
    };
    let depth = limits.max_yaml_depth.min(Limits::YAML_DEPTH_CEILING);
    let message = message
        .replace(", set DuplicateKeyPolicy in Options if acceptable", "")
        .replace(
            "multiple YAML documents detected; use from_str_multiple or from_str_multiple_with_options",
            "a second YAML document begins here (a `---` line); a Casus file holds one",
        )
        .replace(
            "cannot deserialize null into string; use Option<String>",
            "a text is required here, not null (`~`, `null` or nothing)",
        )
        .replace(
            "recursion limit exceeded",
            &format!("YAML nested deeper than {depth} levels (max_yaml_depth)"),
        )
        .replace("unknown variant", "unknown value")
        .replace("unknown field", "unknown key")
        .replace("missing field", "missing key");
    let pos = e.location().map_or_else(|| ctx.whole(), |l| ctx.at(&l.into()));
    if let Some((message, help)) = value_shape_words(ctx, &pos, &message) {
        return ctx.error("syntax", pos, message, Some(help));
    }
    let lower = message.to_lowercase();
    let (code, help) = if lower.contains("unknown key") {
        (
            "unknown-key",
            Some(
                "remove the key or fix its spelling; every key must be one the rule language knows (docs/rules.md)"
                    .to_string(),
            ),
        )
    } else if lower.contains("unknown value") {
        ("unknown-value", Some("use one of the values listed".to_string()))
    } else if lower.contains("duplicate") {
        (
            "duplicate-key",
            Some("a key may appear once per mapping; merge the two entries".to_string()),
        )
    } else if lower.contains("budget") || lower.contains("limit") || lower.contains("alias") || lower.contains("depth")
    {
        (
            "limit-yaml",
            Some(format!(
                "the file exceeds a structure budget (at most {} nodes, nesting depth {}); anchors and aliases that expand without bound are refused",
                limits.max_yaml_nodes,
                limits.max_yaml_depth.min(Limits::YAML_DEPTH_CEILING)
            )),
        )
    } else if lower.contains("missing key") {
        ("missing-key", Some("add the key".to_string()))
    } else if lower.contains("end of mapping after enum variant") {
        (
            "syntax",
            Some(
                "a condition is a mapping with exactly one key; combine several with `all: [...]` or `any: [...]`"
                    .to_string(),
            ),
        )
    } else {
        ("syntax", None)
    };
    ctx.error(code, pos, message, help)
}

/// The key that the line at `pos` starts with (`deadline` for `  deadline: {…}`).
fn key_of_line(ctx: &FileCtx, pos: &crate::Position) -> Option<String> {
    let text = ctx.source.as_deref()?;
    let line = text.lines().nth((pos.line as usize).checked_sub(1)?)?;
    let (key, _) = line.trim_start().trim_start_matches("- ").split_once(':')?;
    let key = key.trim().trim_start_matches('{').trim();
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then(|| key.to_string())
}

/// A drafter's words for a value of the wrong shape where one value is expected (a list or a
/// mapping of two keys for `toward`, `deadline`, a level): what the key takes, and how to say
/// the rest. `None` when the error is not of that kind.
fn value_shape_words(ctx: &FileCtx, pos: &crate::Position, message: &str) -> Option<(String, String)> {
    let lower = message.to_lowercase();
    let shape = lower.contains("externally tagged enum")
        || lower.contains("end of mapping after enum variant")
        || lower.contains("invalid type");
    if !shape {
        return None;
    }
    let key = key_of_line(ctx, pos)?;
    let words = match key.as_str() {
        "toward" => (
            "`toward` takes `target`, `attacker`, a party id, or a list of these".to_string(),
            "write e.g. `toward: target` or, toward the attacked guarantor and Ukraine, `toward: [target, UKR]`".to_string(),
        ),
        "deadline" => (
            "`deadline` takes one deadline: `immediately`, `{within_hours: N}` or `{within_days: N}`".to_string(),
            "give a single deadline; for a response in steps (consult within 24 hours, then assist) give the later steps under `then:`, each with its own deadline".to_string(),
        ),
        "level" => (
            "`level` takes one level".to_string(),
            "write one of consult, diplomatic, assist, all_means, military, neutrality; for several levels write several obligations".to_string(),
        ),
        "obligated" => (
            "`obligated` takes `others`, `all` or a list of party ids".to_string(),
            "write e.g. `obligated: others` or `obligated: [GBR, FRA]`".to_string(),
        ),
        _ => return None,
    };
    Some(words)
}

/// Most "skipped" notes listed one by one in a load; the rest are counted in one last note.
const MAX_SKIP_NOTES: usize = 100;

/// Stack of the thread that parses rule files. Serde's recursive descent takes tens of
/// kilobytes per nesting level in a debug build (a 2 MB thread overflows at about 45 levels),
/// so rule files are parsed on a thread of their own with room for the deepest nesting any
/// [`Limits`] allows ([`Limits::YAML_DEPTH_CEILING`]); the caller's stack does not matter.
const PARSE_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Runs `f` on a thread with [`PARSE_STACK_BYTES`] of stack, or on this thread if no thread
/// can be started.
pub(crate) fn on_parse_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let slot = std::sync::Mutex::new(Some(f));
    let take = || slot.lock().ok().and_then(|mut g| g.take());
    let spawned = std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("casus-parse".into())
            .stack_size(PARSE_STACK_BYTES)
            .spawn_scoped(scope, || take().map(|f| f()));
        match handle {
            Ok(h) => match h.join() {
                Ok(out) => out,
                Err(payload) => std::panic::resume_unwind(payload),
            },
            Err(_) => None,
        }
    });
    match spawned {
        Some(out) => out,
        None => match take() {
            Some(f) => f(),
            None => on_this_stack_unreachable(),
        },
    }
}

/// The closure ran on the spawned thread, or it is still in its slot: never both, never
/// neither. Kept as a function so that the impossible case is visible.
#[cold]
fn on_this_stack_unreachable() -> ! {
    std::process::abort()
}

/// Parses one rule file's text given in memory, on the parse stack.
pub(crate) fn parse_rule_text(ctx: &FileCtx, text: &str, limits: &Limits) -> Result<RuleFile, Box<Diagnostic>> {
    on_parse_stack(|| parse_text::<RuleFile>(ctx, text, limits))
}

/// Reads a rule-set folder (and what it extends), or a single rule file, on the parse stack.
pub(crate) fn read_rules(paths: &[PathBuf], limits: &Limits, sources: &Sources) -> Read {
    on_parse_stack(|| read_rules_here(paths, limits, sources))
}

/// As [`read_rules`], on this thread (for a caller already on the parse stack).
pub(crate) fn read_rules_here(paths: &[PathBuf], limits: &Limits, sources: &Sources) -> Read {
    walk_rules(paths, limits, true, sources, None)
}

/// As [`read_rules_here`], parsing only the files `cache` does not hold with the same text.
pub(crate) fn read_rules_cached_here(
    paths: &[PathBuf],
    limits: &Limits,
    sources: &Sources,
    cache: &mut ParseCache,
) -> Read {
    cache.start(limits);
    let read = walk_rules(paths, limits, true, sources, Some(&mut *cache));
    cache.finish();
    read
}

/// Walks the rule folders; `parse` false reads and hashes the files without parsing them.
fn walk_rules(
    paths: &[PathBuf],
    limits: &Limits,
    parse: bool,
    sources: &Sources,
    cache: Option<&mut ParseCache>,
) -> Read {
    let mut w = Walker {
        limits,
        parse,
        cache,
        hasher: blake3::Hasher::new(),
        buf: Vec::new(),
        sources,
        read: Read::default(),
        seen: Vec::new(),
        chain: Vec::new(),
        files: 0,
        bytes: 0,
        stopped: false,
        skipped: 0,
    };
    for p in paths {
        w.root(p, 0, None);
    }
    if w.skipped > MAX_SKIP_NOTES {
        let first = paths.first().map_or(Path::new("."), PathBuf::as_path);
        let more = w.skipped - MAX_SKIP_NOTES;
        w.read.diagnostics.push(note(
            first,
            &format!("skipped {more} more entries, not listed one by one"),
        ));
    }
    w.read.sources = SourceHash(*w.hasher.finalize().as_bytes());
    w.read
}

/// One load's walk over folders: what was read, what is being read, and the running totals
/// that the limits bound.
struct Walker<'l> {
    limits: &'l Limits,
    /// Parse the rule files (false: only read and hash them).
    parse: bool,
    /// The hash of every file read, in order.
    hasher: blake3::Hasher,
    /// The bytes of the file being hashed (when the files are only hashed).
    buf: Vec<u8>,
    /// Texts read in place of files on disk.
    sources: &'l Sources,
    /// Files parsed by earlier loads, taken when their text is the same.
    cache: Option<&'l mut ParseCache>,
    read: Read,
    /// Canonical paths of the rule sets loaded (or being loaded): each is read once.
    seen: Vec<PathBuf>,
    /// The chain of `extends` being followed, canonical path and path as written: a rule set
    /// met again on its own chain is a cycle.
    chain: Vec<(PathBuf, PathBuf)>,
    /// Rule files found so far.
    files: usize,
    /// Bytes of rule files read so far.
    bytes: u64,
    /// A total limit was passed: read nothing more.
    stopped: bool,
    /// Entries skipped with a note.
    skipped: usize,
}

impl Walker<'_> {
    /// A file's text: the one held in `sources`, else the file's on disk.
    fn text(&self, path: &Path) -> Result<Arc<str>, Box<Diagnostic>> {
        match self.sources.get(path) {
            Some(text) if text.len() as u64 > self.limits.max_file_bytes => Err(Box::new(too_large(
                &FileCtx::new(path, None),
                text.len() as u64,
                self.limits,
            ))),
            Some(text) => Ok(text.clone()),
            None if self.sources.alone => {
                let ctx = FileCtx::new(path, None);
                Err(Box::new(ctx.error(
                    "io",
                    ctx.whole(),
                    "cannot read file: it is not among the files held in memory".to_string(),
                    Some("insert the file into the sources before loading".into()),
                )))
            }
            None => read_text(path, self.limits),
        }
    }

    /// The path with links and `..` resolved (in memory: `.` and `..` only).
    fn canon(&self, path: &Path) -> PathBuf {
        if self.sources.alone {
            lexical(path)
        } else {
            canonical(path)
        }
    }

    /// What `path` is, following links: a file or a folder (in memory: as the held paths say).
    fn entry(&self, path: &Path) -> std::io::Result<Entry> {
        if self.sources.alone {
            return self
                .sources
                .entry(path)
                .ok_or_else(|| std::io::ErrorKind::NotFound.into());
        }
        fs::metadata(path).map(|m| {
            if m.is_file() {
                Entry::File(m.len())
            } else {
                Entry::Folder
            }
        })
    }

    /// Whether `path` is a file (following links).
    fn is_file(&self, path: &Path) -> bool {
        matches!(self.entry(path), Ok(Entry::File(_)))
    }

    /// The entries of a folder, sorted, each with what it is without following links.
    fn entries(&self, dir: &Path) -> std::io::Result<Vec<(PathBuf, Kind)>> {
        if self.sources.alone {
            let list = self.sources.list(dir);
            return Ok(list
                .into_iter()
                .map(|p| {
                    let kind = match self.sources.entry(&p) {
                        Some(Entry::File(len)) => Kind::File(len),
                        _ => Kind::Folder,
                    };
                    (p, kind)
                })
                .collect());
        }
        let mut list: Vec<PathBuf> = fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        list.sort();
        Ok(list
            .into_iter()
            .filter_map(|p| {
                let meta = fs::symlink_metadata(&p).ok()?;
                let kind = if meta.file_type().is_symlink() {
                    Kind::Link
                } else if meta.is_dir() {
                    Kind::Folder
                } else if meta.is_file() {
                    Kind::File(meta.len())
                } else {
                    Kind::Other
                };
                Some((p, kind))
            })
            .collect())
    }

    fn root(&mut self, root: &Path, depth: usize, from: Option<(&FileCtx, &Spanned<String>)>) {
        if self.stopped {
            return;
        }
        let canon = self.canon(root);
        if self.chain.iter().any(|(c, _)| *c == canon) {
            if let Some((mctx, ext)) = from {
                let cycle: Vec<String> = self
                    .chain
                    .iter()
                    .skip_while(|(c, _)| *c != canon)
                    .map(|(_, shown)| shown.display().to_string())
                    .chain(std::iter::once(root.display().to_string()))
                    .collect();
                self.read.diagnostics.push(mctx.error(
                    "extends-cycle",
                    mctx.at(&ext.referenced),
                    format!(
                        "`extends` names `{}`, which is already being loaded: the rule sets extend each other in a cycle ({})",
                        ext.value,
                        cycle.join(" → ")
                    ),
                    Some("remove the entry; a rule set cannot extend itself, directly or through others".into()),
                ));
            }
            return;
        }
        if self.seen.contains(&canon) {
            return; // already loaded through another `extends` (a diamond): once is enough
        }
        self.seen.push(canon.clone());
        self.chain.push((canon, root.to_path_buf()));
        self.root_inner(root, depth);
        self.chain.pop();
    }

    fn root_inner(&mut self, root: &Path, depth: usize) {
        let limits = self.limits;
        let ctx = FileCtx::new(root, None);
        let meta = match self.entry(root) {
            Ok(m) => m,
            Err(e) => {
                self.read.diagnostics.push(ctx.error(
                    "io",
                    ctx.whole(),
                    format!("cannot read rule set: {}", io_words(&e)),
                    Some("pass an existing rule folder or file".into()),
                ));
                return;
            }
        };
        if let Entry::File(len) = meta {
            if !is_yaml(root) {
                self.read.diagnostics.push(ctx.error(
                    "not-yaml",
                    ctx.whole(),
                    "not read: only .yaml and .yml files are read as rule files".to_string(),
                    Some("name a rule folder, or a rule file ending in .yaml or .yml".into()),
                ));
                return;
            }
            if !self.over_files(root) {
                self.files += 1;
                let rel = root.file_name().map_or(root, Path::new);
                self.rule_file(root, rel, len);
            }
            return;
        }
        let manifest_path = root.join("ruleset.yaml");
        if self.is_file(&manifest_path) {
            match self.text(&manifest_path) {
                Err(d) => self.read.diagnostics.push(*d),
                Ok(text) => {
                    hash_source(&mut self.hasher, b'm', Path::new("ruleset.yaml"), &text);
                    let mctx = FileCtx::new(&manifest_path, Some(text.clone()));
                    match parse_yaml::<Manifest>(&mctx, &text, limits) {
                        Err(d) => self.read.diagnostics.push(*d),
                        Ok(m) => {
                            for ext in &m.extends {
                                self.extends(root, &mctx, ext, depth);
                            }
                            if !m.amend.is_empty() {
                                self.read.amendments.push((mctx.clone(), m.amend.clone()));
                            }
                            if depth == 0 {
                                self.read.manifest = Some(m);
                            }
                        }
                    }
                }
            }
        }
        let mut files = Vec::new();
        self.walk(root, root, &mut files);
        if self.stopped {
            return;
        }
        for (f, len) in files {
            if self.stopped {
                return;
            }
            let rel = f.strip_prefix(root).unwrap_or(&f);
            self.rule_file(&f, rel, len);
        }
    }

    fn extends(&mut self, root: &Path, mctx: &FileCtx, ext: &Spanned<String>, depth: usize) {
        let limits = self.limits;
        if depth + 1 > limits.max_extends_depth {
            self.read.diagnostics.push(mctx.error(
                "limit-extends",
                mctx.at(&ext.referenced),
                format!(
                    "`extends` chain deeper than {} (max_extends_depth)",
                    limits.max_extends_depth
                ),
                Some("check for a chain of rule sets that extend each other".into()),
            ));
            return;
        }
        let target = root.join(&ext.value);
        if let Err(e) = self.entry(&target) {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "which does not exist".to_string(),
                _ => format!("which cannot be read: {}", io_words(&e)),
            };
            self.read.diagnostics.push(mctx.error(
                "unknown-path",
                mctx.at(&ext.referenced),
                format!("`extends` names `{}`, {why}", ext.value),
                Some("paths are relative to the folder holding ruleset.yaml".into()),
            ));
            return;
        }
        // In memory, every path is one of the held files: there is nothing outside to reach.
        if let Err(why) = if self.sources.alone {
            Ok(())
        } else {
            confined(root, &target, limits)
        } {
            self.read.diagnostics.push(
                mctx.error(
                    "outside-root",
                    mctx.at(&ext.referenced),
                    format!("`extends` names `{}`, but {why}", ext.value),
                    Some(
                        "name a rule set inside the repository, or allow the folder explicitly \
                     (`--allow-outside DIR`, `Limits::allow_outside`)"
                            .into(),
                    ),
                ),
            );
            return;
        }
        self.root(&target, depth + 1, Some((mctx, ext)));
    }

    /// Whether one more rule file would pass `max_files`; says so once and stops the load.
    fn over_files(&mut self, dir: &Path) -> bool {
        if self.files < self.limits.max_files {
            return false;
        }
        if !self.stopped {
            self.stopped = true;
            let ctx = FileCtx::new(dir, None);
            self.read.diagnostics.push(ctx.error(
                "limit-files",
                ctx.whole(),
                format!(
                    "more than {} rule files in the rule set (max_files)",
                    self.limits.max_files
                ),
                Some("split the rule set, or raise the limit if the files are trusted".into()),
            ));
        }
        true
    }

    fn skip(&mut self, path: &Path, message: &str) {
        self.skipped += 1;
        if self.skipped <= MAX_SKIP_NOTES {
            self.read.diagnostics.push(note(path, message));
        }
    }

    /// Collects the rule files under `dir` (sorted, without following links, nested rule
    /// sets skipped) with their sizes, stopping as soon as `max_files` is passed.
    fn walk(&mut self, root: &Path, dir: &Path, out: &mut Vec<(PathBuf, u64)>) {
        let ctx = FileCtx::new(dir, None);
        let list = match self.entries(dir) {
            Ok(e) => e,
            Err(e) => {
                self.read.diagnostics.push(ctx.error(
                    "io",
                    ctx.whole(),
                    format!("cannot list folder: {}", io_words(&e)),
                    None,
                ));
                return;
            }
        };
        for (path, kind) in list {
            if self.stopped {
                return;
            }
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') {
                if is_yaml(&path) {
                    self.skip(&path, "skipped a hidden file (its name starts with a dot)");
                }
                continue;
            }
            if kind == Kind::Link {
                self.skip(
                    &path,
                    "skipped a symbolic link: rule folders are read without following links",
                );
                continue;
            }
            if kind == Kind::Folder {
                if self.is_file(&path.join("ruleset.yaml")) {
                    self.skip(
                        &path,
                        "skipped a nested rule set (it has its own ruleset.yaml); load it with --rules",
                    );
                    continue;
                }
                self.walk(root, &path, out);
            } else if let Kind::File(len) = kind {
                if !is_yaml(&path) {
                    // Markdown is the folder's documentation (a README): passed over silently.
                    if !matches!(path.extension().and_then(|e| e.to_str()), Some("md")) {
                        self.skip(&path, "skipped: not a .yaml or .yml file");
                    }
                    continue;
                }
                if dir == root && name == "ruleset.yaml" {
                    continue;
                }
                if self.over_files(dir) {
                    return;
                }
                self.files += 1;
                out.push((path, len));
            } else {
                self.skip(&path, "skipped: not a regular file (a pipe, socket or device)");
            }
        }
    }

    /// Reads a rule file from disk and adds it to the hash, as [`Walker::rule_file`] does
    /// without parsing, through one buffer used for every file: a freshness check of a
    /// compiled rule set reads every source and keeps none.
    fn hash_only(&mut self, path: &Path, rel: &Path) {
        let mut buf = std::mem::take(&mut self.buf);
        match read_bytes(path, self.limits, &mut buf) {
            Err(d) => self.read.diagnostics.push(d),
            Ok(()) => match std::str::from_utf8(&buf) {
                Ok(text) => {
                    hash_source(&mut self.hasher, b'r', rel, text);
                    self.bytes = self.bytes.saturating_add(buf.len() as u64);
                }
                Err(e) => self.read.diagnostics.push(not_utf8(path, &buf, e.valid_up_to())),
            },
        }
        self.buf = buf;
    }

    /// Reads and parses one rule file within the total size limit.
    fn rule_file(&mut self, path: &Path, rel: &Path, len: u64) {
        let limits = self.limits;
        // A file over the per-file limit is reported as such by `read_text`, unread.
        if len <= limits.max_file_bytes && self.bytes.saturating_add(len) > limits.max_total_bytes {
            self.stopped = true;
            let ctx = FileCtx::new(path, None);
            self.read.diagnostics.push(ctx.error(
                "limit-total-size",
                ctx.whole(),
                format!(
                    "the rule files come to more than {} bytes together (max_total_bytes); this file was not read",
                    limits.max_total_bytes
                ),
                Some("split the rule set, or raise the limit if the files are trusted".into()),
            ));
            return;
        }
        if !self.parse && self.sources.get(path).is_none() && !self.sources.alone {
            self.hash_only(path, rel);
            return;
        }
        match self.text(path) {
            Err(d) => self.read.diagnostics.push(*d),
            Ok(text) => {
                self.bytes = self.bytes.saturating_add(text.len() as u64);
                hash_source(&mut self.hasher, b'r', rel, &text);
                if !self.parse {
                    return;
                }
                let mut ctx = FileCtx::new(path, Some(text.clone()));
                let parsed = match self.cache.as_deref_mut() {
                    Some(cache) => cache.parse(&ctx, path, &text, limits),
                    None => parse_yaml::<RuleFile>(&ctx, &text, limits).map(Arc::new),
                };
                match parsed {
                    Err(d) => self.read.diagnostics.push(*d),
                    Ok(file) => {
                        // Parsed without a diagnostic: a text read from disk is read again
                        // only for a diagnostic found later (one held in `sources` is kept
                        // there anyway).
                        if self.sources.get(path).is_none() {
                            ctx.let_go();
                        }
                        self.read.files.push((ctx, file));
                    }
                }
            }
        }
    }
}

/// Whether a file's name ends in `.yaml` or `.yml`, the only files read as rule files.
fn is_yaml(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

fn note(path: &Path, message: &str) -> Diagnostic {
    let ctx = FileCtx::new(path, None);
    Diagnostic {
        severity: Severity::Note,
        code: "skipped",
        message: message.into(),
        position: ctx.whole(),
        help: None,
        source: None,
    }
}

/// Writes a value as YAML (a rule file written back, a scenario): the YAML library's other use.
pub(crate) fn to_yaml<T: serde::Serialize>(value: &T) -> Result<String, String> {
    // YAML 1.2 rules, as the loader reads: dates and `on` need no quotes.
    let options = serde_saphyr::ser_options! { yaml_12: true, no_lang_directive: true };
    serde_saphyr::to_string_with_options(value, options).map_err(|e| e.to_string().to_lowercase())
}

/// A compiled rule set file that cannot be used (see [`crate::Engine::load_compiled`]).
#[derive(Debug, thiserror::Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum CompiledFileError {
    /// The file cannot be read.
    #[error("{}: cannot read: {message}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why, in words.
        message: String,
    },
    /// It is not a compiled rule set this build can use, or its sources have changed.
    #[error("{}: {error}", .path.display())]
    Compiled {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        error: crate::compiled::CompiledError,
    },
}

/// Reads a compiled rule set, checking that the rule set it records as its origin still has
/// the sources it was built from.
pub(crate) fn load_compiled(file: &Path, limits: &Limits) -> Result<crate::Engine, CompiledFileError> {
    let bytes = fs::read(file).map_err(|e| CompiledFileError::Io {
        path: file.to_path_buf(),
        message: io_words(&e),
    })?;
    let wrap = |error| CompiledFileError::Compiled {
        path: file.to_path_buf(),
        error,
    };
    let header = crate::compiled::compiled_header(&bytes).map_err(wrap)?;
    let sources = SourceHash::of(&[PathBuf::from(&header.origin)], limits).ok_or_else(|| {
        wrap(crate::compiled::CompiledError::Stale {
            origin: header.origin.clone(),
        })
    })?;
    crate::Engine::from_compiled(&bytes, &sources).map_err(wrap)
}

/// How many compiled rule sets a cache folder keeps (the most recently written).
const CACHE_KEEP: usize = 16;

/// The file in `cache` for sources with hash `sources` read under `limits`: the key covers
/// the format version, the version of Casus and the limits too, since a load under other
/// limits may refuse what these accepted.
fn cache_file(cache: &Path, sources: &SourceHash, limits: &Limits) -> PathBuf {
    let mut h = blake3::Hasher::new();
    h.update(&crate::compiled::FORMAT_VERSION.to_le_bytes());
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(&sources.0);
    h.update(format!("{limits:?}").as_bytes());
    let key = SourceHash(*h.finalize().as_bytes()).to_hex();
    cache.join(format!("{}.casus", key.get(..32).unwrap_or(&key)))
}

/// The engine from the cache, when a compiled form of the same sources is there and sound.
pub(crate) fn cached(paths: &[PathBuf], limits: &Limits, cache: &Path) -> Option<crate::Engine> {
    let sources = SourceHash::of(paths, limits)?;
    let bytes = fs::read(cache_file(cache, &sources, limits)).ok()?;
    crate::Engine::from_compiled(&bytes, &sources).ok()
}

/// Stores a compiled form in the cache (written aside, then renamed, so that a reader never
/// sees half a file), and removes the oldest beyond [`CACHE_KEEP`]. Failures are ignored: the
/// cache only saves time.
pub(crate) fn store_cached(cache: &Path, sources: &SourceHash, limits: &Limits, bytes: &[u8]) {
    let file = cache_file(cache, sources, limits);
    let aside = file.with_extension(format!("tmp{}", std::process::id()));
    let stored = fs::create_dir_all(cache)
        .and_then(|()| fs::write(&aside, bytes))
        .and_then(|()| fs::rename(&aside, &file));
    if stored.is_err() {
        let _ = fs::remove_file(&aside);
        return;
    }
    let Ok(entries) = fs::read_dir(cache) else { return };
    let mut kept: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "casus"))
        .filter_map(|p| Some((fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    kept.sort_unstable_by(|a, b| b.cmp(a));
    for (_, old) in kept.iter().skip(CACHE_KEEP) {
        let _ = fs::remove_file(old);
    }
}
