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

/// Every `.rs` file under `dir`, in sorted order, leaving out build output.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            if !matches!(name.as_str(), "target" | ".git") {
                rust_files(&p, out);
            }
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
}

/// The text of a Rust source with every comment, string and character literal blanked out
/// (newlines kept, so lines still count), leaving only the code's own braces and keywords.
fn code_only(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < chars.len() {
        let (c, next) = (chars[i], chars.get(i + 1).copied());
        let start = i;
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            loop {
                match (chars.get(i), chars.get(i + 1)) {
                    (Some('/'), Some('*')) => (depth, i) = (depth + 1, i + 2),
                    (Some('*'), Some('/')) => (depth, i) = (depth - 1, i + 2),
                    (Some(_), _) => i += 1,
                    (None, _) => break,
                }
                if depth == 0 {
                    break;
                }
            }
        } else if let Some(hashes) = raw_string_start(&chars, i) {
            // r"..", r#".."#, br"..": ends at a quote followed by as many `#`.
            i += chars[i..].iter().position(|&c| c == '"').unwrap() + 1;
            while i < chars.len() && !(chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#'))) {
                i += 1;
            }
            i += 1 + hashes;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' && next == Some('\\') {
            i += 3;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3;
        } else {
            out.push(c);
            i += 1;
            continue;
        }
        for &c in chars.get(start..i).unwrap_or(&chars[start..]) {
            blank(&mut out, c);
        }
    }
    out
}

/// How many `#` a raw string starting at `i` has (`r"`, `r#"`, `br"`), if one starts there
/// (and `r` is not the end of an identifier).
fn raw_string_start(chars: &[char], i: usize) -> Option<usize> {
    let before = i.checked_sub(1).map(|b| chars[b]);
    if before.is_some_and(|b| b.is_alphanumeric() || b == '_') {
        return None;
    }
    let at = if chars.get(i) == Some(&'b') { i + 1 } else { i };
    if chars.get(at) != Some(&'r') {
        return None;
    }
    let hashes = chars[at + 1..].iter().take_while(|&&c| c == '#').count();
    (chars.get(at + 1 + hashes) == Some(&'"')).then_some(hashes)
}

/// Every function with a body in a source: its name, the line of `fn` (1-based) and its
/// length in lines, from that line to the closing brace.
fn functions(src: &str) -> Vec<(String, usize, usize)> {
    let code = code_only(src);
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let bytes = code.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut found = Vec::new();
    for (at, _) in code.match_indices("fn ") {
        if at > 0 && word(bytes[at - 1]) {
            continue;
        }
        let rest = &code[at + 3..];
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|&c| c.is_alphanumeric() || c == '_')
            .collect();
        if name.is_empty() {
            continue; // a function pointer type, `fn(..)`
        }
        // The body opens at the first `{` outside parentheses and brackets; a `;` first
        // means a declaration without a body.
        let (mut nest, mut depth, mut open) = (0i32, 0i32, None);
        for (k, b) in rest.bytes().enumerate() {
            match b {
                b'(' | b'[' => nest += 1,
                b')' | b']' => nest -= 1,
                b';' if nest == 0 && open.is_none() => break,
                b'{' if nest == 0 || open.is_some() => {
                    open.get_or_insert(k);
                    depth += 1;
                }
                b'}' if open.is_some() => {
                    depth -= 1;
                    if depth == 0 {
                        let (first, last) = (line_of(at), line_of(at + 3 + k));
                        found.push((name.clone(), first, last - first + 1));
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// Whether the comment lines directly above line `line` (1-based; attributes between them
/// are passed over) say why the function below is over 100 lines.
fn has_reason(src: &str, line: usize) -> bool {
    let lines: Vec<&str> = src.lines().collect();
    let mut words = String::new();
    for l in lines[..line - 1].iter().rev().map(|l| l.trim()) {
        if l.starts_with("#[") {
            continue;
        }
        let Some(text) = l.strip_prefix("//") else { break };
        words = format!("{} {words}", text.trim_start_matches(['/', '!']));
    }
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    words.contains("over 100 lines") && words.split(' ').count() >= 8
}

#[test]
fn the_function_scanner_reads_code_not_comments_or_strings() {
    let src = "fn a() {\n    let s = \"}\"; let c = '{'; let q = '\\''; let r = r#\"{\"#;\n    // }\n    /* { /* } */ */\n}\n\
               fn b<'x>(v: [u8; 2]) -> &'x str where { todo!() }\nfn c();\nlet f: fn() = a;\n";
    let got = functions(src);
    assert_eq!(got, [("a".to_string(), 1, 5), ("b".to_string(), 6, 1)]);
    let reason = "x\n/// Over 100 lines: each step feeds the next,\n/// in order.\n#[allow(x)]\nfn long() {}\n";
    assert!(has_reason(reason, 5));
    assert!(
        !has_reason("/// Over 100 lines.\nfn long() {}\n", 2),
        "the phrase alone is no reason"
    );
    assert!(!has_reason("// over 100 lines: a reason but\n\nfn long() {}\n", 3));
}

/// The standard "functions ≤ 100 lines": a longer function must say why, in a comment
/// directly above it with the words "over 100 lines" (lines count from `fn` to the closing
/// brace).
#[test]
fn no_function_is_over_100_lines_without_a_reason() {
    let repo = repo();
    let mut files = Vec::new();
    rust_files(&repo.join("crates"), &mut files);
    assert!(files.len() > 100, "the walk found the sources");
    let mut long = Vec::new();
    for file in &files {
        let src = std::fs::read_to_string(file).unwrap();
        let rel = file.strip_prefix(&repo).unwrap().to_string_lossy().replace('\\', "/");
        for (name, line, len) in functions(&src) {
            if len <= 100 || has_reason(&src, line) {
                continue;
            }
            long.push(format!("{rel}:{line}: `{name}` is {len} lines"));
        }
    }
    assert!(
        long.is_empty(),
        "split these functions, or write above each why it is over 100 lines:\n{}",
        long.join("\n")
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
/// core's public modules (`model`, `table`, `compiled`, `names`, `report`) are part of the
/// public API.
const CORE_PRIVATE: &[&str] = &[
    "engine",
    "eval",
    "resolve",
    "query",
    "decompile",
    "load",
    "level",
    "time",
    "truth",
    "verdict",
    "overlay",
    "scenario",
    "diag",
    "err",
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
