//! Reading rule files from disk: folders, manifests, size and structure budgets, YAML parsing.
//!
//! This is the only module that touches the file system or the YAML library, so that a change
//! of either touches one file. Everything it finds wrong becomes a [`Diagnostic`]; it never
//! stops at the first problem of a load.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::diag::{Diagnostic, Diagnostics, FileCtx, Severity};
use crate::model::{Manifest, RuleFile};

/// Limits that keep hostile input from exhausting time or memory. Each error that a limit
/// causes names the limit and its value.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest rule or scenario file read, in bytes.
    pub max_file_bytes: u64,
    /// Most files in one rule set.
    pub max_files: usize,
    /// Most YAML nodes in one file.
    pub max_yaml_nodes: usize,
    /// Deepest YAML nesting in one file.
    pub max_yaml_depth: usize,
    /// Deepest nesting of conditions (`all`/`any`/`not`).
    pub max_condition_depth: usize,
    /// Deepest chain of `extends`.
    pub max_extends_depth: usize,
    /// Most named facts (built-in ones included).
    pub max_facts: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 16 * 1024 * 1024,
            max_files: 20_000,
            max_yaml_nodes: 2_000_000,
            max_yaml_depth: 64,
            max_condition_depth: 24,
            max_extends_depth: 8,
            max_facts: 240,
        }
    }
}

/// The text of one file that was read, kept for rendering snippets.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Its path as given or found.
    pub path: PathBuf,
    /// Its text.
    pub text: Arc<str>,
}

/// What a read of rule folders produced: parsed files and diagnostics.
#[derive(Debug, Default)]
pub(crate) struct Read {
    pub files: Vec<(FileCtx, RuleFile)>,
    pub diagnostics: Diagnostics,
    pub manifest: Option<Manifest>,
}

fn yaml_options(limits: &Limits) -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = limits.max_yaml_nodes;
    budget.max_depth = limits.max_yaml_depth;
    budget.max_events = limits.max_yaml_nodes.saturating_mul(4);
    let mut opts = serde_saphyr::Options::default();
    opts.budget = Some(budget);
    opts.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    opts.strict_booleans = true;
    opts
}

/// Reads a file's text within the size limit.
pub(crate) fn read_text(path: &Path, limits: &Limits) -> Result<Arc<str>, Box<Diagnostic>> {
    read_text_inner(path, limits).map_err(Box::new)
}

#[allow(clippy::result_large_err)]
fn read_text_inner(path: &Path, limits: &Limits) -> Result<Arc<str>, Diagnostic> {
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
        return Err(ctx.error(
            "limit-file-size",
            ctx.whole(),
            format!(
                "file is {} bytes, over the limit of {} bytes (max_file_bytes)",
                meta.len(),
                limits.max_file_bytes
            ),
            Some("split the file, or raise the limit if the file is trusted".into()),
        ));
    }
    let bytes =
        fs::read(path).map_err(|e| ctx.error("io", ctx.whole(), format!("cannot read: {}", io_words(&e)), None))?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok(Arc::from(s)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes());
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
            Err(ctx.error(
                "encoding",
                pos,
                format!("invalid UTF-8 at byte {at}"),
                Some("save the file as UTF-8".into()),
            ))
        }
    }
}

fn io_words(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string().to_lowercase(),
    }
}

/// Parses YAML text into `T`, turning a failure into a located diagnostic.
pub(crate) fn parse_yaml<T: DeserializeOwned>(
    ctx: &FileCtx,
    text: &str,
    limits: &Limits,
) -> Result<T, Box<Diagnostic>> {
    serde_saphyr::from_str_with_options::<T>(text, yaml_options(limits))
        .map_err(|e| Box::new(yaml_diagnostic(ctx, &e, limits)))
}

fn yaml_diagnostic(ctx: &FileCtx, e: &serde_saphyr::Error, limits: &Limits) -> Diagnostic {
    let full = e.without_snippet().to_string();
    let message = match full.rsplit_once(" at line ") {
        Some((m, rest)) if rest.contains("column") => m.to_string(),
        _ => full,
    };
    let message = message
        .replace("unknown variant", "unknown value")
        .replace("unknown field", "unknown key")
        .replace("missing field", "missing key");
    let pos = e.location().map_or_else(|| ctx.whole(), |l| ctx.at(&l));
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
                limits.max_yaml_nodes, limits.max_yaml_depth
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

/// Reads a rule-set folder (and what it extends), or a single rule file.
pub(crate) fn read_rules(paths: &[PathBuf], limits: &Limits) -> Read {
    let mut read = Read::default();
    let mut seen: Vec<PathBuf> = Vec::new();
    for p in paths {
        read_root(p, limits, &mut read, &mut seen, 0);
    }
    read
}

fn read_root(root: &Path, limits: &Limits, read: &mut Read, seen: &mut Vec<PathBuf>, depth: usize) {
    let canon = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if seen.contains(&canon) {
        return;
    }
    seen.push(canon);
    let ctx = FileCtx::new(root, None);
    let meta = match fs::metadata(root) {
        Ok(m) => m,
        Err(e) => {
            read.diagnostics.push(ctx.error(
                "io",
                ctx.whole(),
                format!("cannot read rule set: {}", io_words(&e)),
                Some("pass an existing folder or file with --rules".into()),
            ));
            return;
        }
    };
    if meta.is_file() {
        read_rule_file(root, limits, read);
        return;
    }
    let manifest_path = root.join("ruleset.yaml");
    if manifest_path.is_file() {
        match read_text(&manifest_path, limits) {
            Err(d) => read.diagnostics.push(*d),
            Ok(text) => {
                let mctx = FileCtx::new(&manifest_path, Some(text.clone()));
                match parse_yaml::<Manifest>(&mctx, &text, limits) {
                    Err(d) => read.diagnostics.push(*d),
                    Ok(m) => {
                        for ext in &m.extends {
                            if depth + 1 > limits.max_extends_depth {
                                read.diagnostics.push(mctx.error(
                                    "limit-extends",
                                    mctx.at(&ext.referenced),
                                    format!(
                                        "`extends` chain deeper than {} (max_extends_depth)",
                                        limits.max_extends_depth
                                    ),
                                    Some("check for a chain of rule sets that extend each other".into()),
                                ));
                                continue;
                            }
                            let target = root.join(&ext.value);
                            if !target.exists() {
                                read.diagnostics.push(mctx.error(
                                    "unknown-path",
                                    mctx.at(&ext.referenced),
                                    format!("`extends` names `{}`, which does not exist", ext.value),
                                    Some("paths are relative to the folder holding ruleset.yaml".into()),
                                ));
                                continue;
                            }
                            read_root(&target, limits, read, seen, depth + 1);
                        }
                        if depth == 0 {
                            read.manifest = Some(m);
                        }
                    }
                }
            }
        }
    }
    let mut files = Vec::new();
    walk(root, root, limits, read, &mut files);
    if files.len() > limits.max_files {
        read.diagnostics.push(ctx.error(
            "limit-files",
            ctx.whole(),
            format!(
                "{} rule files, over the limit of {} (max_files)",
                files.len(),
                limits.max_files
            ),
            Some("split the rule set or raise the limit".into()),
        ));
        return;
    }
    for f in files {
        read_rule_file(&f, limits, read);
    }
}

fn walk(root: &Path, dir: &Path, limits: &Limits, read: &mut Read, out: &mut Vec<PathBuf>) {
    let ctx = FileCtx::new(dir, None);
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            read.diagnostics
                .push(ctx.error("io", ctx.whole(), format!("cannot list folder: {}", io_words(&e)), None));
            return;
        }
    };
    let mut list: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    list.sort();
    for path in list {
        if out.len() > limits.max_files {
            return;
        }
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if meta.file_type().is_symlink() {
            read.diagnostics.push(note(
                &path,
                "skipped a symbolic link: rule folders are read without following links",
            ));
            continue;
        }
        if meta.is_dir() {
            if path.join("ruleset.yaml").is_file() {
                read.diagnostics.push(note(
                    &path,
                    "skipped a nested rule set (it has its own ruleset.yaml); load it with --rules",
                ));
                continue;
            }
            walk(root, &path, limits, read, out);
        } else if meta.is_file() {
            let is_yaml = matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"));
            if !is_yaml {
                if !matches!(path.extension().and_then(|e| e.to_str()), Some("md" | "txt")) {
                    read.diagnostics.push(note(&path, "skipped: not a .yaml or .yml file"));
                }
                continue;
            }
            if dir == root && name == "ruleset.yaml" {
                continue;
            }
            out.push(path);
        }
    }
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

fn read_rule_file(path: &Path, limits: &Limits, read: &mut Read) {
    match read_text(path, limits) {
        Err(d) => read.diagnostics.push(*d),
        Ok(text) => {
            let ctx = FileCtx::new(path, Some(text.clone()));
            match parse_yaml::<RuleFile>(&ctx, &text, limits) {
                Err(d) => read.diagnostics.push(*d),
                Ok(file) => read.files.push((ctx, file)),
            }
        }
    }
}
