//! Exhaustive verification and diffs on the shipped library.
//!
//! Method: criterion with 10 samples (each run takes seconds); the shipped `rules/` folder
//! with `examples/properties/library.yaml` (three properties over every scenario of the whole
//! library) and `examples/properties/analyst.yaml` (four properties, each measured alone; every
//! property of both files is also timed alone once before criterion starts), the
//! three drafts with `examples/properties/ukraine.yaml`, and the diff of drafts A
//! and B. Before measuring, the bench prints the size of each space and the number of classes
//! evaluated, from which the classes per second follow. Compare within one run only: the
//! machines are shared and noisy.

use std::path::PathBuf;
use std::time::Instant;

use casus::RuleSet;
use casus::verify::{Properties, VerifyOptions};
use criterion::{Criterion, criterion_group, criterion_main};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn bench(c: &mut Criterion) {
    let Ok(rules) = RuleSet::load(root().join("rules")) else {
        return;
    };
    let Ok(library) = rules.compile() else { return };
    let Ok(props) = Properties::load(root().join("examples/properties/library.yaml"), &library) else {
        return;
    };
    let opts = VerifyOptions::default();
    let Ok(report) = casus::verify::verify(&library, &props, &opts, None) else {
        return;
    };
    let started = Instant::now();
    let _ = casus::verify::verify(&library, &props, &opts, None);
    let secs = started.elapsed().as_secs_f64();
    let classes: u64 = report.properties.iter().map(|p| p.evaluated).sum();
    let scenarios: u128 = report.properties.iter().map(|p| p.scenarios).sum();
    println!(
        "library: space {} scenarios; {} properties; {classes} classes evaluated in {secs:.2} s = {:.0} classes/s, {:.3e} scenarios/s",
        report.space.scenarios,
        report.properties.len(),
        classes as f64 / secs,
        scenarios as f64 / secs
    );
    // Each property of both files alone, timed once (the target of issue 16: at most 10 s
    // each on 2 cores, exact), with its classes evaluated.
    let analyst = Properties::load(root().join("examples/properties/analyst.yaml"), &library).ok();
    for (file, all) in [("library.yaml", Some(&props)), ("analyst.yaml", analyst.as_ref())] {
        for p in all.iter().flat_map(|a| a.properties.iter()) {
            let one = alone(all, &p.id);
            let started = Instant::now();
            let evaluated = one
                .and_then(|o| casus::verify::verify(&library, &o, &opts, None).ok())
                .map_or(0, |r| r.properties.iter().map(|p| p.evaluated).sum::<u64>());
            println!(
                "{file} {} alone: {:.2} s, {evaluated} classes evaluated",
                p.id,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let mut group = c.benchmark_group("verify");
    group.sample_size(10);
    group.bench_function("library.yaml on rules/ (3 properties, every scenario)", |b| {
        b.iter(|| casus::verify::verify(&library, &props, &opts, None))
    });
    // An analyst's four properties (NATO homeland, Japan-administered territory, Taiwan, cyber
    // attacks), one at a time: each is a target of its own (at most 10 s on 2 cores).
    for p in analyst.iter().flat_map(|a| a.properties.iter()) {
        let Some(one) = alone(analyst.as_ref(), &p.id) else {
            continue;
        };
        group.bench_function(format!("analyst.yaml {} on rules/", p.id), |b| {
            b.iter(|| casus::verify::verify(&library, &one, &opts, None))
        });
    }
    let drafts: Vec<_> = ["a", "b", "c"]
        .iter()
        .filter_map(|d| {
            let e = RuleSet::load(root().join(format!("rules/drafts/ukraine-coalition-{d}")))
                .ok()?
                .compile()
                .ok()?;
            let p = Properties::load(root().join("examples/properties/ukraine.yaml"), &e).ok()?;
            Some((e, p))
        })
        .collect();
    group.bench_function("ukraine.yaml on drafts A, B and C (7 properties each)", |b| {
        b.iter(|| {
            for (e, p) in &drafts {
                let _ = casus::verify::verify(e, p, &opts, None);
            }
        })
    });
    if let (Some((a, _)), Some((b_, _))) = (drafts.first(), drafts.get(1)) {
        group.bench_function("diff draft A draft B", |b| {
            b.iter(|| casus::verify::diff(a, b_, &Default::default(), None))
        });
    }
    group.finish();
}

/// The properties of `all` with only the one of id `id` left.
fn alone(all: Option<&Properties>, id: &str) -> Option<Properties> {
    let mut one = all?.clone();
    one.properties.retain(|q| q.id == id);
    Some(one)
}

criterion_group!(benches, bench);
criterion_main!(benches);
