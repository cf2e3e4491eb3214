//! How a downstream crate property-tests its own rule set with `casus::strategies`.
//!
//! `cargo run -p casus --features proptest --example proptest_downstream`
//!
//! The rule set here is the shipped draft A of the coalition guarantee for Ukraine; the
//! property is one a drafter might state: whatever the scenario, a guarantor that owes Ukraine
//! assistance under the draft owes it within 24 hours, and the obligation never requires
//! ground troops.

use casus::{RuleSet, Scenario};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/drafts/ukraine-coalition-a");
    let engine = RuleSet::load(&root)?.compile()?;

    // The strategy owns what it needs; the closure borrows the engine.
    let mut runner = TestRunner::new(Config {
        cases: 500,
        failure_persistence: None,
        ..Config::default()
    });
    let checked = std::cell::Cell::new(0u32);
    let result = runner.run(&casus::strategies::scenarios(&engine), |s: Scenario| {
        let v = engine.evaluate(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for o in &v.obligations {
            for src in o.sources.iter().filter(|x| x.treaty == "ukraine_coalition_a") {
                prop_assert_eq!(src.deadline, Some(casus::Deadline::WithinHours(24)));
                prop_assert!(!src.forms.required.contains(&casus::Form::GroundTroops));
            }
        }
        checked.set(checked.get() + 1);
        Ok(())
    });
    match result {
        Ok(()) => println!("held for {} random scenarios", checked.get()),
        Err(e) => println!("counterexample (shrunk): {e}"),
    }

    // The same with the `proptest!` macro, as in a test:
    let config = ProptestConfig {
        cases: 50,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(s in casus::strategies::scenarios(&engine))| {
        let v = engine.evaluate(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(v.obligations.iter().all(|o| Some(o.party.as_str()) != s.target.as_deref()
            || o.sources.iter().all(|x| x.toward != o.party)));
    });
    Ok(())
}
