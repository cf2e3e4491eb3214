//! Checking a property on random scenarios (proptest), when asked or when the exhaustive
//! space is too large; a failure is shrunk to a small counterexample.

use crate::Engine;

use super::VerifyError;
use super::check::PropertyReport;
use super::props::Property;
use super::space::Universe;

#[cfg(not(feature = "proptest"))]
pub(crate) fn sample(
    _engine: &Engine,
    _u: &Universe,
    _p: &Property,
    _n: u32,
    _notes: Vec<String>,
) -> Result<PropertyReport, VerifyError> {
    Err(VerifyError::NoSampling)
}

#[cfg(feature = "proptest")]
pub(crate) fn sample(
    engine: &Engine,
    u: &Universe,
    p: &Property,
    n: u32,
    mut notes: Vec<String>,
) -> Result<PropertyReport, VerifyError> {
    use std::cell::Cell;

    use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

    use crate::Truth;

    let targets: Vec<String> = (0..u.parties.len() as u32)
        .filter(|t| u.scope_value(*t, None, None, None).truth != Truth::False)
        .filter_map(|t| u.parties.get(t as usize).cloned())
        .collect();
    let readings: Vec<Option<(u32, usize)>> = if p.readings == super::Readings::Every {
        crate::reference::reading_choices(engine)
    } else {
        vec![None]
    };
    let mut report = empty_report(p);
    if targets.is_empty() {
        report.notes = notes;
        return Ok(report);
    }
    let strategy = crate::strategies::scenarios_among(engine, &targets, &u.dates);
    let config = Config {
        cases: n,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7u8; 32]));
    let (drawn, in_scope, failed) = (Cell::new(0u64), Cell::new(0u64), Cell::new(false));
    let result = runner.run(&strategy, |s| {
        if !failed.get() {
            drawn.set(drawn.get() + 1);
        }
        match check_one(engine, u, p, &readings, &s) {
            Ok(scoped) => {
                if scoped && !failed.get() {
                    in_scope.set(in_scope.get() + 1);
                }
                Ok(())
            }
            Err((_, why)) => {
                if !failed.get() {
                    in_scope.set(in_scope.get() + 1);
                }
                failed.set(true);
                Err(TestCaseError::fail(why))
            }
        }
    });
    report.evaluated = drawn.get();
    report.scenarios = u128::from(in_scope.get());
    notes.push(format!(
        "sampled {} random scenarios, {} of them in scope",
        drawn.get(),
        in_scope.get()
    ));
    conclude_sample(engine, u, p, &readings, result, in_scope.get(), &mut notes, &mut report);
    report.notes = notes;
    Ok(report)
}

/// A sampled report of property `p` before any scenario is drawn.
#[cfg(feature = "proptest")]
fn empty_report(p: &Property) -> PropertyReport {
    PropertyReport {
        id: p.id.clone(),
        description: p.description.clone(),
        mode: super::check::Mode::Sampled,
        outcome: super::check::Outcome::Vacuous,
        scenarios: 0,
        violations: 0,
        out_of_scope: 0,
        evaluated: 0,
        notes: Vec::new(),
        counterexample: None,
    }
}

/// Checks one drawn scenario: `Ok(false)` when it is out of scope (or not a valid scenario),
/// `Ok(true)` when the property holds in it under every reading of `readings`, otherwise the
/// first reading that violates it and why.
#[cfg(feature = "proptest")]
fn check_one(
    engine: &Engine,
    u: &Universe,
    p: &Property,
    readings: &[Option<(u32, usize)>],
    s: &crate::Scenario,
) -> Result<bool, (Option<(u32, usize)>, String)> {
    use crate::Truth;
    use crate::reference::Situation;

    let Ok(prepared) = engine.prepare(s) else {
        return Ok(false);
    };
    let scope_ok = prepared.targets.iter().all(|t| {
        let sit = Situation::of(&prepared, *t);
        match (&u.scope, u.views.first()) {
            (Some(sc), Some(v)) => {
                crate::reference::Reference::with_nodes(v.e, sc.nodes)
                    .condition(&sit, sc.treaty, sc.root)
                    .truth
                    == Truth::True
            }
            _ => true,
        }
    });
    if !scope_ok {
        return Ok(false);
    }
    let mut hits = Vec::new();
    for r in readings {
        super::hits_under(engine, &prepared, *r, &mut hits);
        if let Some(why) = super::check::violation(&p.require, engine, *r, &hits) {
            return Err((*r, why));
        }
    }
    Ok(true)
}

/// The outcome of a sampling run in `report` (and a note when it stopped early); a failure's
/// shrunk scenario becomes the counterexample.
#[cfg(feature = "proptest")]
#[allow(clippy::too_many_arguments)]
fn conclude_sample(
    engine: &Engine,
    u: &Universe,
    p: &Property,
    readings: &[Option<(u32, usize)>],
    result: Result<(), proptest::test_runner::TestError<crate::Scenario>>,
    in_scope: u64,
    notes: &mut Vec<String>,
    report: &mut PropertyReport,
) {
    use proptest::test_runner::TestError;

    use super::check::{Counterexample, Outcome, reading_name};

    match result {
        Ok(()) => {
            report.outcome = if in_scope == 0 {
                Outcome::Vacuous
            } else {
                Outcome::Proven
            };
        }
        Err(TestError::Fail(_, s)) => {
            report.outcome = Outcome::Violated;
            report.violations = 1;
            if let Err((r, why)) = check_one(engine, u, p, readings, &s) {
                report.counterexample = Some(Counterexample {
                    scenario: s,
                    reading: r.map(|r| reading_name(engine, r)),
                    why,
                });
            }
        }
        Err(TestError::Abort(why)) => notes.push(format!("sampling stopped: {why}")),
    }
}
