//! The baseline the benchmarks compare against must give Casus's answers, or the ratio means
//! nothing: both are run on every scenario of the small and medium synthetic worlds.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use casus_benches::{Baseline, Size, World};

fn check(size: Size) {
    let dir = std::env::temp_dir().join(format!("casus-agreement-{}-{}", size.name(), std::process::id()));
    let world = World::generate(size, &dir).unwrap();
    let engine = casus::RuleSet::load(&dir)
        .unwrap_or_else(|e| panic!("{}", e.diagnostics))
        .compile()
        .unwrap();
    let baseline = Baseline::load(&dir).unwrap();
    let obliging = world
        .check_agreement(&engine, &baseline)
        .unwrap_or_else(|e| panic!("{e}"));
    // The loader of the same world as JSON builds the same maps.
    let from_json = Baseline::load_json(&world.json_dir).unwrap();
    let again = world
        .check_agreement(&engine, &from_json)
        .unwrap_or_else(|e| panic!("JSON: {e}"));
    assert_eq!(again, obliging);
    // A realistic mix: neither almost none nor almost all scenarios oblige someone.
    let share = obliging as f64 / world.scenarios.len() as f64;
    assert!(
        (0.15..0.6).contains(&share),
        "{obliging} of {} scenarios oblige someone",
        world.scenarios.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&world.json_dir);
}

#[test]
fn baseline_agrees_with_casus_on_the_small_world() {
    check(Size::S);
}

#[test]
fn baseline_agrees_with_casus_on_the_medium_world() {
    check(Size::M);
}
