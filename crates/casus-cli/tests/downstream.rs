//! A crate downstream of `casus` property-tests the shipped rules with `casus::strategies`.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(5),
        ..ProptestConfig::default()
    }
}

#[test]
fn no_draft_obliges_the_attacker_or_requires_ground_troops() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/drafts/ukraine-coalition-c");
    let engine = casus::RuleSet::load(root).unwrap().compile().unwrap();
    proptest!(config(), |(s in casus::strategies::scenarios(&engine))| {
        let v = engine.evaluate(&s).unwrap();
        for a in s.attackers().into_iter().flatten() {
            if let casus::Actor::Party(p) = a {
                prop_assert!(v.party(p).is_none(), "the attacker {} is obliged", p);
            }
        }
        for o in &v.obligations {
            for src in o.sources.iter().filter(|x| x.treaty == "ukraine_coalition_c") {
                prop_assert!(src.forms.excluded.contains(&casus::Form::GroundTroops));
            }
        }
    });
}
