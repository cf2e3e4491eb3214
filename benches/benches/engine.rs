//! Load and evaluate on the shipped rule library.
//!
//! Method: criterion's default sampling (100 samples after a warm-up); the shipped `rules/`
//! folder; scenarios from `examples/scenarios/` that use the main library. Compare medians
//! within one run only: the machines are shared and noisy.

use std::path::PathBuf;

use casus::{RuleSet, Scenario};
use criterion::{Criterion, criterion_group, criterion_main};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scenarios() -> Vec<Scenario> {
    let mut out = Vec::new();
    let mut dirs = vec![root().join("examples/scenarios")];
    while let Some(d) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if let Ok(s) = Scenario::load(&p)
                && s.rules
                    .as_deref()
                    .is_none_or(|r| r.trim_end_matches('/').ends_with("/rules"))
            {
                out.push(s);
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn bench(c: &mut Criterion) {
    let rules_dir = root().join("rules");
    c.bench_function("load+validate shipped rules", |b| {
        b.iter(|| RuleSet::load(&rules_dir).map(|r| r.compile()))
    });
    let Ok(rules) = RuleSet::load(&rules_dir) else { return };
    let Ok(engine) = rules.compile() else { return };
    let list = scenarios();
    let prepared: Vec<_> = list.iter().filter_map(|s| engine.prepare(s).ok()).collect();
    let n = prepared.len().max(1);
    let mut hits = Vec::new();
    c.bench_function(&format!("evaluate verdict-only x{n}"), |b| {
        b.iter(|| {
            let mut total = 0;
            for p in &prepared {
                engine.hits(p, &mut hits);
                total += hits.len();
            }
            total
        })
    });
    c.bench_function(&format!("evaluate full verdict x{n}"), |b| {
        b.iter(|| {
            prepared
                .iter()
                .map(|p| engine.verdict(p, false).obligations.len())
                .sum::<usize>()
        })
    });
    // What the CLI's `--json` pays: the verdict, then every reason worded into the JSON.
    c.bench_function(&format!("evaluate full verdict to JSON x{n}"), |b| {
        b.iter(|| {
            prepared
                .iter()
                .map(|p| engine.verdict(p, false).to_json().len())
                .sum::<usize>()
        })
    });
    c.bench_function(&format!("evaluate with explanation x{n}"), |b| {
        b.iter(|| {
            prepared
                .iter()
                .map(|p| engine.verdict(p, true).explanation.len())
                .sum::<usize>()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
