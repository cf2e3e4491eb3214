//! The commitment graph on the shipped rule library: exposure, cascades, guarantors, the whole
//! graph and a timeline.
//!
//! Method: criterion's default sampling; the shipped `rules/` folder and the 1914 rule set;
//! the 1914 scenarios of `examples/scenarios/1914/`. Compare medians within one run only: the
//! machines are shared and noisy.

use std::path::PathBuf;

use casus::graph::{CascadeOptions, CascadePolicy, Relation};
use casus::{Engine, Level, RuleSet, Scenario, When};
use criterion::{Criterion, criterion_group, criterion_main};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn engine(dir: &str) -> Option<Engine> {
    RuleSet::load(root().join(dir)).ok()?.compile().ok()
}

fn bench(c: &mut Criterion) {
    let (Some(world), Some(old)) = (engine("rules"), engine("rules/historical/1914")) else {
        return;
    };
    let Ok(today) = When::parse("2025-06-01") else { return };
    c.bench_function("exposure USA, every level, full library", |b| {
        b.iter(|| world.exposure("USA", today, Level::Neutrality).map(|x| x.classes.len()))
    });
    c.bench_function("exposure USA, assist or above, full library", |b| {
        b.iter(|| world.exposure("USA", today, Level::Assist).map(|x| x.classes.len()))
    });
    let worst = CascadeOptions {
        policy: CascadePolicy::Worst,
        min_level: Level::Assist,
    };
    for (name, file) in [
        (
            "cascade 1914 Austria-Hungary attacks Serbia, worst case",
            "july-01-austria-attacks-serbia.yaml",
        ),
        (
            "cascade 1914 Germany invades Belgium, worst case",
            "july-10-germany-invades-belgium.yaml",
        ),
    ] {
        let Ok(s) = Scenario::load(root().join("examples/scenarios/1914").join(file)) else {
            continue;
        };
        c.bench_function(name, |b| b.iter(|| old.cascade(&s, &worst).map(|c| c.rounds.len())));
    }
    if let Ok(s) = Scenario::from_yaml(
        "{date: 2025-06-01, event: armed_attack, attacker: RUS, target: EST, location: EST, on: territory}",
    ) {
        c.bench_function("cascade Russia attacks Estonia, best case", |b| {
            b.iter(|| world.cascade(&s, &CascadeOptions::default()).map(|c| c.rounds.len()))
        });
        c.bench_function("cascade Russia attacks Estonia, worst case", |b| {
            b.iter(|| world.cascade(&s, &worst).map(|c| c.rounds.len()))
        });
    }
    c.bench_function("guarantors POL", |b| {
        b.iter(|| world.guarantors("POL", today).map(|v| v.len()))
    });
    c.bench_function("commitments USA", |b| {
        b.iter(|| world.commitments("USA", today).map(|v| v.len()))
    });
    c.bench_function("whole commitment graph, full library", |b| {
        b.iter(|| world.commitment_graph(today).commitments().len())
    });
    if let (Ok(from), Ok(to)) = (When::parse("1949-01-01"), When::parse("2025-12-31")) {
        c.bench_function("timeline guarantors POL 1949-2025", |b| {
            b.iter(|| {
                world
                    .timeline("POL", Relation::Guarantors, from, to)
                    .map(|t| t.changes.len())
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
