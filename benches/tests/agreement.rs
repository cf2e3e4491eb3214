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
    // A realistic mix: neither almost none nor almost all scenarios oblige someone.
    let share = obliging as f64 / world.scenarios.len() as f64;
    assert!(
        (0.15..0.6).contains(&share),
        "{obliging} of {} scenarios oblige someone",
        world.scenarios.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn baseline_agrees_with_casus_on_the_small_world() {
    check(Size::S);
}

#[test]
fn baseline_agrees_with_casus_on_the_medium_world() {
    check(Size::M);
}
