//! `casus repair` on the shipped draft B and on the broken guarantee of the tests.
//!
//! Method: criterion with 10 samples (each run takes seconds): draft B
//! (`rules/drafts/ukraine-coalition-b`) repaired for `recognized-territory-covered` of
//! `examples/properties/ukraine.yaml` (three candidates, three sets proved or refuted by the
//! exhaustive walk, the diff of each repair against the original), the same file with every
//! violated property (blocked at once: no candidate changes `assistance-within-24-hours`), and
//! the broken guarantee of `crates/casus/tests/data/broken-guarantee` with both of its
//! violated properties (two edits). Each run reads the rule set from disk as the CLI does.
//! Compare within one run only: the machines are shared and noisy.

use std::path::{Path, PathBuf};

use casus::repair::{Draft, RepairOptions};
use criterion::{Criterion, criterion_group, criterion_main};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(rules: &Path, props: &Path, only: &[&str], max_edits: usize) -> usize {
    let Ok(draft) = Draft::load(rules, &Default::default()) else {
        return 0;
    };
    let Ok(text) = std::fs::read_to_string(props) else {
        return 0;
    };
    let opts = RepairOptions {
        max_edits,
        properties: only.iter().map(|s| (*s).to_string()).collect(),
        ..RepairOptions::default()
    };
    casus::repair::repair(&draft, (props, &text), &opts, None).map_or(0, |r| r.repairs.len())
}

fn bench(c: &mut Criterion) {
    let draft_b = root().join("rules/drafts/ukraine-coalition-b");
    let ukraine = root().join("examples/properties/ukraine.yaml");
    let broken = root().join("crates/casus/tests/data/broken-guarantee");
    let mut group = c.benchmark_group("repair");
    group.sample_size(10);
    group.bench_function("draft B, recognized-territory-covered (3 edits at most)", |b| {
        b.iter(|| run(&draft_b, &ukraine, &["recognized-territory-covered"], 3))
    });
    group.bench_function("draft B, every violated property (blocked)", |b| {
        b.iter(|| run(&draft_b, &ukraine, &[], 3))
    });
    group.bench_function("broken guarantee, both violated properties (2 edits)", |b| {
        b.iter(|| run(&broken.join("rules"), &broken.join("properties.yaml"), &[], 2))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
