//! A rule set held in memory (`Sources::in_memory`) loads as the same files on disk do:
//! folders, `extends`, nested rule sets and every diagnostic, without reading the disk.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use casus::{Limits, RuleSet, Scenario, Sources};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file under `dir` (relative to the repository's root), read into `sources`.
fn hold(sources: &mut Sources, dir: &Path) {
    for e in std::fs::read_dir(root().join(dir)).unwrap().flatten() {
        let rel = dir.join(e.file_name());
        if e.path().is_dir() {
            hold(sources, &rel);
        } else {
            sources.insert(&rel, std::fs::read_to_string(e.path()).unwrap());
        }
    }
}

/// The errors of a load, as `code line:column message` (the path left out).
fn errors(sources: &Sources, root: &str) -> Vec<String> {
    let err = RuleSet::load_with_sources(&[root.into()], &Limits::default(), sources).unwrap_err();
    err.diagnostics
        .items()
        .iter()
        .map(|d| format!("{} {}:{} {}", d.code, d.position.line, d.position.column, d.message))
        .collect()
}

#[test]
fn the_library_and_a_draft_held_in_memory_give_the_verdicts_they_give_on_disk() {
    let mut sources = Sources::in_memory();
    hold(&mut sources, Path::new("rules"));
    assert!(sources.is_in_memory());
    let draft = "rules/drafts/ukraine-coalition-a";
    let held = RuleSet::load_with_sources(&[draft.into()], &Limits::default(), &sources).unwrap();
    let disk = RuleSet::load(root().join(draft)).unwrap();
    assert_eq!(held.name(), disk.name());
    let base = format!("{}/", root().display());
    let notes = |r: &RuleSet| -> Vec<String> {
        let file = |d: &casus::Diagnostic| d.position.file.display().to_string().replace(&base, "");
        r.diagnostics()
            .items()
            .iter()
            .map(|d| format!("{} {}", file(d), d.message))
            .collect()
    };
    assert_eq!(notes(&held), notes(&disk));
    assert_eq!(
        held.source_hash(),
        disk.source_hash(),
        "the same files, read in the same order"
    );
    let (held, disk) = (held.compile().unwrap(), disk.compile().unwrap());
    for scenario in [
        "examples/scenarios/ukraine/coalition-a-kyiv-2027.yaml",
        "examples/scenarios/nato/hawaii.yaml",
    ] {
        let s = Scenario::load(root().join(scenario)).unwrap();
        assert_eq!(
            held.evaluate(&s).unwrap().to_json(),
            disk.evaluate(&s).unwrap().to_json(),
            "{scenario}"
        );
    }
}

fn check(files: &[(&str, &str)], root: &str, expected: &[&str]) {
    let mut sources = Sources::in_memory();
    for (path, text) in files {
        sources.insert(path, *text);
    }
    assert_eq!(errors(&sources, root), expected, "loading {root}");
}

const PARTIES: &str = "parties:\n  - {id: AAA, name: A}\n";

#[test]
fn what_is_not_held_is_reported_where_it_is_named() {
    // A rule set extending one that is not held.
    check(
        &[
            ("draft/ruleset.yaml", "name: d\nextends: [../world]\n"),
            ("draft/p.yaml", PARTIES),
        ],
        "draft",
        &["unknown-path 2:11 `extends` names `../world`, which does not exist"],
    );
    // A path climbing out of every held folder is not held either: nothing on disk is read.
    check(
        &[
            ("draft/ruleset.yaml", "name: d\nextends: [../../../etc]\n"),
            ("draft/p.yaml", PARTIES),
        ],
        "draft",
        &["unknown-path 2:11 `extends` names `../../../etc`, which does not exist"],
    );
    // Two rule sets extending each other.
    check(
        &[
            ("a/ruleset.yaml", "name: a\nextends: [../b]\n"),
            ("b/ruleset.yaml", "name: b\nextends: [../a]\n"),
            ("a/p.yaml", PARTIES),
        ],
        "a",
        &[
            "extends-cycle 2:11 `extends` names `../a`, which is already being loaded: the rule sets extend each other in a cycle (a → a/../b → a/../b/../a)",
        ],
    );
    // A root that is not held.
    check(
        &[("a/p.yaml", PARTIES)],
        "b",
        &["io 0:0 cannot read rule set: no such file or folder"],
    );
}

#[test]
fn a_held_file_over_the_size_limit_is_refused_by_name() {
    let mut sources = Sources::in_memory();
    sources.insert("a/p.yaml", PARTIES);
    let limits = Limits {
        max_file_bytes: 8,
        ..Limits::default()
    };
    let err = RuleSet::load_with_sources(&["a".into()], &limits, &sources).unwrap_err();
    let d = &err.diagnostics.items()[0];
    assert_eq!(d.code, "limit-file-size");
    assert!(d.message.contains("max_file_bytes"), "{}", d.message);
}

#[test]
fn folders_nested_rule_sets_and_other_files_are_walked_as_on_disk() {
    let mut sources = Sources::in_memory();
    sources.insert("w/ruleset.yaml", "name: w\n");
    sources.insert("w/parties/a.yaml", PARTIES);
    sources.insert("w/parties/b.yml", "parties:\n  - {id: BBB, name: B}\n");
    sources.insert("w/README.md", "# not a rule file\n");
    sources.insert("w/notes.txt", "not a rule file\n");
    sources.insert("w/nested/ruleset.yaml", "name: nested\n");
    sources.insert("w/nested/c.yaml", "parties:\n  - {id: CCC, name: C}\n");
    let rules = RuleSet::load_with_sources(&["w".into()], &Limits::default(), &sources).unwrap();
    let engine = rules.compile().unwrap();
    let ids: Vec<String> = engine.parties().into_iter().map(|p| p.id).collect();
    assert_eq!(ids, ["AAA", "BBB"], "a nested rule set is not part of its parent");
    let notes: Vec<String> = rules.diagnostics().items().iter().map(|d| d.message.clone()).collect();
    assert_eq!(
        notes,
        [
            "skipped a nested rule set (it has its own ruleset.yaml); load it with --rules",
            "skipped: not a .yaml or .yml file"
        ]
    );
}
