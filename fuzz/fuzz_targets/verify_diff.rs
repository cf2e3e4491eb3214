//! `casus diff` and `casus verify` on small generated rule sets: a rule set generated from the
//! fuzz bytes, and a second one made from it by mutating its YAML line by line (so that the
//! two share most of their parties, places and treaties, as two drafts do). Both must load;
//! then:
//! - a rule set compared with itself changes nothing;
//! - the diff counts no more changed scenarios than the space has, and every group of changes
//!   has scenarios, an old and a new obligation that differ, and an example scenario that
//!   `casus eval` reproduces: on each rule set, the party's strongest obligation in the verdict
//!   of the example is the one the group reports;
//! - `verify` of a few fixed properties gives the same report twice (when its walk was small),
//!   and the counterexample of a violated `never military` property does oblige someone at
//!   `military`.
//!
//! The walks are bounded (2 000 top-level classes; a larger space is a clean `TooLarge`
//! error). A class splits on every open value an answer waits on, so an input can still cost
//! tens of thousands of evaluations: with coverage instrumentation some take seconds, and the
//! target runs with `-timeout=60`.

#![no_main]

use casus::verify::{DiffOptions, Outcome, Properties, VerifyError, VerifyOptions};
use casus::{Engine, Level, RuleSet, Status};
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

const PROPERTIES: &str = "
properties:
  - id: never-military
    readings: default
    require: {never: {level: military}}
  - id: armed-attack-answered
    scope: {all: [{event: armed_attack}]}
    require: {obliged: {at_least: 1, level: assist, status: any}}
  - id: assist-or-neutral
    require: {exclusive: [assist, neutrality]}
";

fn engine(text: &str) -> Option<Engine> {
    RuleSet::from_yaml(text).ok()?.compile().ok()
}

/// The strongest response a party owes in the verdict of `s`, as the diff summarizes it.
fn strongest(e: &Engine, s: &casus::Scenario, party: &str) -> (Option<Level>, Option<Status>) {
    let v = e
        .evaluate(s)
        .unwrap_or_else(|err| panic!("the example of a diff group does not evaluate: {err}"));
    let mine: Vec<_> = v.obligations.iter().filter(|o| o.party == party).collect();
    if mine.is_empty() {
        return (None, None);
    }
    let level = mine
        .iter()
        .map(|o| o.level)
        .filter(|l| l.is_response())
        .max_by_key(|l| l.rank())
        .unwrap_or(Level::Neutrality);
    let definite = mine.iter().any(|o| o.level == level && o.status == Status::Definite);
    (
        Some(level),
        Some(if definite { Status::Definite } else { Status::Contingent }),
    )
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(text) = casus_fuzz::rule_set_yaml(&mut u) else {
        return;
    };
    let Ok(changed) = casus_fuzz::mutate(&mut u, &text) else {
        return;
    };
    let (Some(old), Some(new)) = (engine(&text), engine(&changed)) else {
        return;
    };
    let opts = DiffOptions {
        max_classes: 2_000,
        ..DiffOptions::default()
    };
    match casus::verify::diff(&old, &old, &opts, None) {
        Ok(same) => assert!(
            same.changed == 0 && same.groups.is_empty(),
            "a rule set differs from itself: {:?}",
            same.groups.first()
        ),
        Err(VerifyError::TooLarge { .. }) => return,
        Err(e) => panic!("diff failed: {e}"),
    }
    match casus::verify::diff(&old, &new, &opts, None) {
        Ok(d) => {
            assert!(d.changed <= d.scenarios, "{} changed of {}", d.changed, d.scenarios);
            assert_eq!(
                d.changed == 0,
                d.groups.is_empty(),
                "changes without groups or groups without changes"
            );
            let _ = casus::verify::render_diff(&d, casus::table::Width::default());
            for g in &d.groups {
                assert!(g.scenarios > 0, "an empty group: {g:?}");
                assert_ne!(g.old, g.new, "a group that does not change: {g:?}");
                if g.reading.is_none() {
                    let was = strongest(&old, &g.example, &g.party);
                    let is = strongest(&new, &g.example, &g.party);
                    assert_eq!(
                        (was, is),
                        ((g.old.level, g.old.status), (g.new.level, g.new.status)),
                        "{g:?}"
                    );
                }
            }
        }
        Err(VerifyError::TooLarge { .. }) => {}
        Err(e) => panic!("diff failed: {e}"),
    }
    let Ok(props) = Properties::from_yaml(PROPERTIES, &old) else {
        panic!("the fixed properties do not load");
    };
    let vopts = VerifyOptions {
        max_classes: 2_000,
        ..VerifyOptions::default()
    };
    match casus::verify::verify(&old, &props, &vopts, None) {
        Ok(a) => {
            // Twice, when the walk was small: the answer must not change.
            if a.properties.iter().map(|p| p.evaluated).sum::<u64>() < 5_000 {
                let b = casus::verify::verify(&old, &props, &vopts, None)
                    .unwrap_or_else(|e| panic!("verify failed the second time: {e}"));
                assert_eq!(a, b, "verify gave two answers");
            }
            let _ = casus::verify::render_verify(&a, casus::table::Width::default());
            if let Some(p) = a.properties.first()
                && p.outcome == Outcome::Violated
            {
                let c = p
                    .counterexample
                    .as_ref()
                    .unwrap_or_else(|| panic!("a violation without a counterexample"));
                let v = old
                    .evaluate(&c.scenario)
                    .unwrap_or_else(|e| panic!("a counterexample does not evaluate: {e}"));
                assert!(
                    v.obligations.iter().any(|o| o.level == Level::Military),
                    "the counterexample obliges nobody at military: {:?}",
                    c.scenario
                );
            }
        }
        Err(VerifyError::NoSampling | VerifyError::TooLarge { .. }) => {}
    }
});
