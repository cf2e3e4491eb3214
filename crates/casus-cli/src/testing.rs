//! `casus test`: run the `expect:` blocks of scenario files. A scenario without one is counted
//! apart ("no expectations"), and a YAML file that is not a scenario (a properties file, a rule
//! file, a counterexample written by `casus verify`) is skipped with a note; neither fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use casus::{Scenario, YamlKind};

use crate::{Engines, collect, scenario_error};

/// What became of one file.
enum Outcome {
    /// Every expectation held.
    Passed,
    /// What went wrong, one line each.
    Failed(Vec<String>),
    /// A scenario that evaluates but has nothing to check.
    NoExpectations,
    /// Not a scenario.
    Skipped(YamlKind),
}

/// Runs every scenario under `paths` (folders are searched for `*.yaml` and `*.yml`); exit 1
/// if any fails or none was tested.
pub(crate) fn run(rules: Option<&Path>, paths: &[PathBuf]) -> Result<ExitCode, String> {
    let mut files = Vec::new();
    for p in paths {
        collect(p, &mut files).map_err(|e| format!("error: {}: {e}\n", p.display()))?;
    }
    let mut engines = Engines { cache: BTreeMap::new() };
    let (mut passed, mut failed, mut bare, mut skipped) = (0usize, 0usize, 0usize, 0usize);
    for f in &files {
        match one(&mut engines, rules, f) {
            Outcome::Passed => {
                passed += 1;
                outln!("ok   {}", f.display());
            }
            Outcome::Failed(lines) => {
                failed += 1;
                outln!("FAIL {}", f.display());
                for line in lines {
                    outln!("     {line}");
                }
            }
            Outcome::NoExpectations => {
                bare += 1;
                outln!("--   {}: no expectations (no `expect:` block)", f.display());
            }
            Outcome::Skipped(kind) => {
                skipped += 1;
                outln!("skip {}: {}", f.display(), kind.describe());
            }
        }
    }
    outln!("{passed} passed, {failed} failed");
    if bare + skipped > 0 {
        outln!("{bare} without expectations, {skipped} skipped");
    }
    if passed + failed == 0 {
        outln!("nothing was tested: no scenario with an `expect:` block was found");
    }
    Ok(if failed == 0 && passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Reads, evaluates and checks one file.
fn one(engines: &mut Engines, rules: Option<&Path>, f: &Path) -> Outcome {
    let lines = |e: String| Outcome::Failed(e.lines().map(String::from).collect());
    match YamlKind::of_file(f) {
        Err(e) => return lines(scenario_error(&e)),
        Ok(YamlKind::Scenario) => {}
        Ok(other) => return Outcome::Skipped(other),
    }
    let s = match Scenario::load(f) {
        Ok(s) => s,
        Err(e) => return lines(scenario_error(&e)),
    };
    let engine = match engines.for_scenario(rules, &s, f) {
        Ok(e) => e,
        Err(e) => return lines(e),
    };
    let checked = engine.check_expect(&s).and_then(|()| engine.evaluate(&s));
    let v = match checked {
        Ok(v) => v,
        Err(e) => return lines(scenario_error(&e)),
    };
    let Some(expect) = &s.expect else {
        return Outcome::NoExpectations;
    };
    let fails: Vec<String> = casus::report::check_expectations(&v, expect)
        .into_iter()
        .map(|x| format!("{}: expected {}, got {}", x.party, x.expected, x.actual))
        .collect();
    if fails.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed(fails)
    }
}
