//! The repository cites only what it holds: every path that a document, rule file or
//! scenario names (`docs/…`, `rules/…`, `examples/…`, `data/…`, …) exists in the repository,
//! so that a reader who follows a citation on a fresh clone finds the file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

/// The folders at the root whose paths a text may cite.
const ROOTS: &[&str] = &[
    "docs/",
    "rules/",
    "examples/",
    "data/",
    "crates/",
    "benches/",
    "fuzz/",
    "schemas/",
    "tools/",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether `c` can be part of a cited path.
fn in_path(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/')
}

/// The paths `text` cites, each with its line: a root folder's name not preceded by another
/// path character (`../` before it is kept), up to the first character that cannot be in a
/// path, without trailing punctuation. Patterns (`{a,b}`, `*`, `<NAME>`, `$VAR`) are not
/// citations and are skipped.
fn citations(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for root in ROOTS {
            for (at, _) in line.match_indices(root) {
                let mut start = at;
                while line[..start].ends_with("../") {
                    start -= 3;
                }
                if line[..start].chars().next_back().is_some_and(in_path) {
                    continue;
                }
                let end = line[at..].find(|c: char| !in_path(c)).map_or(line.len(), |e| at + e);
                if line[end..].starts_with(['{', '*', '<', '$']) {
                    continue;
                }
                let path = line[start..end].trim_end_matches(['.', ',', ':', ';']);
                found.push((n + 1, path.to_string()));
            }
        }
    }
    found
}

/// Whether a cited path exists: from the repository root, or from the citing file's folder
/// (a relative link in a document).
fn exists(repo: &Path, file: &Path, cited: &str) -> bool {
    let bare = cited.trim_start_matches("../");
    repo.join(bare).exists() || file.parent().is_some_and(|d| d.join(cited).exists())
}

fn texts(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            if !matches!(
                name.as_str(),
                "target" | ".git" | "corpus" | "artifacts" | "node_modules"
            ) {
                texts(&p, out);
            }
        } else if name.ends_with(".md") || name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(p);
        }
    }
}

#[test]
fn citations_are_found_as_a_reader_would_follow_them() {
    let check = |line: &str, expected: &[&str]| {
        let got: Vec<String> = citations(line).into_iter().map(|(_, p)| p).collect();
        assert_eq!(got, expected, "{line:?}");
    };
    check("see docs/rules.md.", &["docs/rules.md"]);
    check("rules: ../../rules/drafts/x", &["../../rules/drafts/x"]);
    check(
        "[a](../docs/graph.md) and `rules/world/`",
        &["../docs/graph.md", "rules/world/"],
    );
    check("rules/drafts/ukraine-coalition-{a,b,c}/", &[]);
    check("my_rules/x and subrules/y", &[]);
    check("nothing here", &[]);
}

#[test]
fn every_cited_path_exists() {
    let repo = repo();
    let mut files = Vec::new();
    texts(&repo, &mut files);
    assert!(files.len() > 100, "the walk found the documents and rule files");
    let mut missing = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (line, cited) in citations(&text) {
            if !exists(&repo, file, &cited) {
                let rel = file.strip_prefix(&repo).unwrap_or(file);
                missing.push(format!("{}:{line}: {cited}", rel.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "these files cite paths that are not in the repository:\n{}",
        missing.join("\n")
    );
}

/// The Architecture Invariant "casus does not depend on casus-atop": the ATOP importer is built
/// on the evaluator's public API, never the other way round, so the manifest of `casus` names
/// the importer in none of its dependency tables.
#[test]
fn casus_does_not_depend_on_casus_atop() {
    let manifest = std::fs::read_to_string(repo().join("crates/casus/Cargo.toml")).unwrap();
    assert!(manifest.contains("[dependencies]"), "the manifest was read");
    let deps: Vec<&str> = manifest
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("casus-atop") || l.contains("\"casus-atop\"") || l.contains("casus-atop ="))
        .collect();
    assert!(
        deps.is_empty(),
        "crates/casus/Cargo.toml depends on casus-atop: {deps:?}"
    );
}
