//! Every shipped scenario with an `expect:` block meets it: what `casus test examples/scenarios`
//! checks, proved by `cargo test` alone. (That every shipped rule set loads without an error
//! or a warning, what `casus check` checks, is `tests/library.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use casus::{Engine, RuleSet, Scenario, YamlKind};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.yaml` and `.yml` file under `dir`, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// What is wrong with one scenario file: `None` when it meets its expectations.
fn failures(engines: &mut BTreeMap<PathBuf, Engine>, file: &Path) -> Option<Vec<String>> {
    let s = match Scenario::load(file) {
        Ok(s) => s,
        Err(e) => return Some(vec![e.to_string()]),
    };
    let rules = s.rules_path(file).unwrap_or_else(|| root().join("rules"));
    let rules = rules.canonicalize().unwrap_or(rules);
    let engine = engines.entry(rules.clone()).or_insert_with(|| {
        let set = RuleSet::load(&rules).unwrap_or_else(|e| panic!("{}: {e}", rules.display()));
        set.compile().unwrap()
    });
    let verdict = match engine.check_expect(&s).and_then(|()| engine.evaluate(&s)) {
        Ok(v) => v,
        Err(e) => return Some(vec![e.to_string()]),
    };
    let expect = s.expect.as_ref()?;
    let fails: Vec<String> = casus::report::check_expectations(&verdict, expect)
        .into_iter()
        .map(|x| format!("{}: expected {}, got {}", x.party, x.expected, x.actual))
        .collect();
    (!fails.is_empty()).then_some(fails)
}

#[test]
fn every_shipped_scenario_meets_its_expectations() {
    let mut engines = BTreeMap::new();
    let (mut checked, mut failed) = (0, Vec::new());
    for file in files(&root().join("examples/scenarios")) {
        let text = std::fs::read_to_string(&file).unwrap();
        if YamlKind::of_text(&text) != YamlKind::Scenario {
            continue; // a properties file, a rule file beside the scenarios
        }
        let name = file.strip_prefix(root()).unwrap().display().to_string();
        if let Some(lines) = failures(&mut engines, &file) {
            failed.push(format!("{name}:\n  {}", lines.join("\n  ")));
        } else if Scenario::load(&file).unwrap().expect.is_some() {
            checked += 1;
        }
    }
    assert!(
        failed.is_empty(),
        "{} scenario(s) fail:\n{}",
        failed.len(),
        failed.join("\n")
    );
    // The shipped scenarios carry some two hundred `expect:` blocks: all of them were read.
    assert!(
        checked >= 200,
        "only {checked} scenarios with expectations were checked"
    );
}
