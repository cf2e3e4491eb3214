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

// ---------------------------------------------------------------------------------------------
// The boundaries inside `casus`: the core, its one internal interface (`crate::kernel`), and the
// analyses built on it. See ARCHITECTURE.md, "Architecture Invariants".

/// The analyses: modules that answer other questions from the compiled rules.
const ANALYSES: &[&str] = &[
    "graph",
    "verify",
    "strategies",
    "repair",
    "panel",
    "map",
    "brief",
    "reference",
];

/// The core's modules that are private to the crate: an analysis reaches what it needs of them
/// through `crate::kernel` (or the public API at the crate root), never by their paths. The
/// core's public modules (`model`, `table`) are part of the public API.
const CORE_PRIVATE: &[&str] = &[
    "engine",
    "eval",
    "resolve",
    "query",
    "decompile",
    "compiled",
    "load",
    "level",
    "time",
    "truth",
    "verdict",
    "names",
    "overlay",
    "scenario",
    "diag",
    "err",
    "report",
    "text",
    "vocab",
];

/// The core: the evaluator and what it is built from, and the interface to the analyses.
const CORE: &[&str] = &[
    "engine",
    "eval",
    "resolve",
    "query",
    "decompile",
    "compiled",
    "load",
    "model",
    "vocab",
    "level",
    "time",
    "truth",
    "verdict",
    "names",
    "overlay",
    "scenario",
    "diag",
    "err",
    "report",
    "text",
    "table",
    "kernel",
];

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every Rust source file under `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The files of module `name`: `src/name.rs` and everything under `src/name/`.
fn module_files(name: &str) -> Vec<PathBuf> {
    let mut out = vec![src().join(format!("{name}.rs"))];
    let dir = src().join(name);
    if dir.is_dir() {
        rust_files(&dir, &mut out);
    }
    out
}

/// Every `use` statement of a file (its visibility dropped, whitespace collapsed), each with
/// its line and whether it stands at the top level of the file (not indented).
fn use_statements(text: &str) -> Vec<(usize, bool, String)> {
    let mut found = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let body = line.trim_start();
        let body = ["pub(crate) ", "pub(super) ", "pub "]
            .iter()
            .find_map(|v| body.strip_prefix(v))
            .unwrap_or(body);
        if !body.starts_with("use ") {
            continue;
        }
        let mut stmt = body.to_string();
        while !stmt.trim_end().ends_with(';') {
            let Some((_, more)) = lines.next() else { break };
            stmt.push(' ');
            stmt.push_str(more.trim());
        }
        let stmt = stmt.split_whitespace().collect::<Vec<_>>().join(" ");
        found.push((n + 1, !line.starts_with(' '), stmt));
    }
    found
}

/// The first path segment of every module a text names through `crate::`, each with its line:
/// `crate::engine::Node` names `engine`, `use crate::{eval::Hit, Level}` names `eval`; root
/// items (`crate::Level`, `crate::Level::Act`) are no modules and are left out.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let joined: String = text.lines().collect::<Vec<_>>().join("\n");
    let line_of = |at: usize| joined[..at].matches('\n').count() + 1;
    for (at, _) in joined.match_indices("crate::") {
        if joined[..at].ends_with('$') {
            continue;
        }
        let rest = &joined[at + "crate::".len()..];
        if let Some(list) = rest.strip_prefix('{') {
            let end = list.find('}').unwrap_or(list.len());
            for item in list[..end].split(',') {
                let item = item.trim();
                if let Some((first, _)) = item.split_once("::")
                    && first.trim().starts_with(|c: char| c.is_ascii_lowercase())
                {
                    found.push((line_of(at), first.trim().to_string()));
                }
            }
        } else {
            let first: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if first.starts_with(|c: char| c.is_ascii_lowercase()) && rest[first.len()..].starts_with("::") {
                found.push((line_of(at), first));
            }
        }
    }
    found
}

fn rel(p: &Path) -> String {
    p.strip_prefix(src()).unwrap_or(p).display().to_string()
}

/// The Architecture Invariant "no wildcard imports from the crate": every module names what it
/// takes from another (`use crate::engine::{Node, PTest}`), so that a module's dependencies can
/// be read from its head. `use super::*` is allowed in a nested test module only.
#[test]
fn no_wildcard_imports_from_the_crate() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    assert!(files.len() > 40, "the walk found the sources");
    let modules: Vec<String> = files
        .iter()
        .filter(|p| p.parent() == Some(src().as_path()))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    let mut bad = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (line, top, stmt) in use_statements(&text) {
            if !stmt.contains('*') {
                continue;
            }
            let path = stmt.trim_start_matches("use ");
            let first = path.split("::").next().unwrap_or("");
            let ours = matches!(first, "crate" | "self") || modules.iter().any(|m| m == first);
            if ours || (first == "super" && top) {
                bad.push(format!("{}:{line}: {stmt}", rel(file)));
            }
        }
    }
    assert!(bad.is_empty(), "wildcard imports from the crate:\n{}", bad.join("\n"));
}

/// The Architecture Invariant "analyses reach the core through crate::kernel only": the
/// analyses name no private module of the core; what they need of it is re-exported by
/// `crate::kernel`, the one contract between the evaluator and them.
#[test]
fn analyses_reach_the_core_only_through_the_kernel() {
    let mut bad = Vec::new();
    let mut checked = 0;
    for analysis in ANALYSES {
        for file in module_files(analysis) {
            let text = std::fs::read_to_string(&file).unwrap();
            checked += 1;
            for (line, module) in crate_paths(&text) {
                if CORE_PRIVATE.contains(&module.as_str()) {
                    bad.push(format!("{}:{line}: crate::{module}", rel(&file)));
                }
            }
        }
    }
    assert!(checked > 20, "the analyses' files were read");
    assert!(
        bad.is_empty(),
        "analyses naming the core's private modules (import from crate::kernel instead):\n{}",
        bad.join("\n")
    );
}

/// The Architecture Invariant "the core does not depend on the analyses": no core module names
/// an analysis, so every analysis can be left out (the `graph` and `verify` features) and the
/// dependencies run one way, from the analyses to the core.
#[test]
fn the_core_names_no_analysis() {
    let mut bad = Vec::new();
    for core in CORE {
        let file = src().join(format!("{core}.rs"));
        let text = std::fs::read_to_string(&file).unwrap();
        for (line, module) in crate_paths(&text) {
            if ANALYSES.contains(&module.as_str()) {
                bad.push(format!("{}:{line}: crate::{module}", rel(&file)));
            }
        }
    }
    assert!(bad.is_empty(), "core modules naming an analysis:\n{}", bad.join("\n"));
}

/// The Architecture Invariant "reference does not depend on verify": the reference evaluator
/// is what `casus verify` and the property tests check the engine against, so it takes
/// nothing from verify (verify uses it; the dependency runs one way).
#[test]
fn reference_does_not_use_verify() {
    let text = std::fs::read_to_string(src().join("reference.rs")).unwrap();
    assert!(text.contains("pub struct Reference"), "reference.rs was read");
    let named: Vec<usize> = crate_paths(&text)
        .into_iter()
        .filter(|(_, m)| m == "verify")
        .map(|(line, _)| line)
        .collect();
    assert!(named.is_empty(), "reference.rs names crate::verify on lines {named:?}");
    assert!(!text.contains("super::verify"), "reference.rs names super::verify");
}

/// The checks above find what they look for.
#[test]
fn boundary_checks_find_what_they_look_for() {
    let paths = crate_paths("use crate::engine::Node;\nlet x = crate::Level::Act;\nuse crate::{eval::Hit, When};\n");
    assert_eq!(paths, vec![(1, "engine".to_string()), (3, "eval".to_string())]);
    let uses = use_statements("use crate::engine::*;\nmod tests {\n    use super::*;\n}\npub use a::{\n    b,\n};\n");
    assert_eq!(
        uses,
        vec![
            (1, true, "use crate::engine::*;".to_string()),
            (3, false, "use super::*;".to_string()),
            (5, true, "use a::{ b, };".to_string()),
        ]
    );
}

/// The Architecture Invariant "a program that only evaluates compiles neither petgraph nor
/// rayon": both are optional dependencies of `casus`, enabled by the features `graph` and
/// `verify` (and `panel`, which evaluates in parallel), which are on by default.
#[test]
fn analyses_dependencies_are_optional() {
    let manifest = std::fs::read_to_string(repo().join("crates/casus/Cargo.toml")).unwrap();
    for dep in ["petgraph", "rayon"] {
        let line = manifest
            .lines()
            .find(|l| l.starts_with(&format!("{dep} ")) || l.starts_with(&format!("{dep}.")))
            .unwrap_or_else(|| panic!("crates/casus/Cargo.toml names {dep}"));
        assert!(line.contains("optional = true"), "{dep} is not optional: {line}");
    }
    let features = |name: &str| {
        manifest
            .lines()
            .find(|l| l.starts_with(&format!("{name} = [")))
            .unwrap_or_else(|| panic!("feature {name}"))
            .to_string()
    };
    assert!(features("graph").contains("\"dep:petgraph\""));
    assert!(features("verify").contains("\"dep:rayon\""));
    let default = features("default");
    assert!(
        default.contains("\"graph\"") && default.contains("\"verify\""),
        "{default}"
    );
}
