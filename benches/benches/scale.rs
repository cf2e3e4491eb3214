//! Casus against the hand-written baseline on synthetic worlds S, M and L, side by side in one
//! run: load + validate + compile (against the baseline's loaders of the same YAML and of the
//! same data as JSON), verdict-only evaluation, the full verdict (reasons for every
//! member that owes nothing), evaluation with explanation,
//! batch throughput on every core. Both answer the same question; `tests/agreement.rs` proves
//! they agree on every scenario. Per-scenario percentiles (which criterion does not report)
//! are printed at the end and written to `target/scale-report.txt`.
//!
//! `cargo bench -p casus-benches --bench scale` (set `CASUS_SCALE=S,M` to skip L).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use casus_benches::{Baseline, Size, World};
use criterion::{Criterion, criterion_group, criterion_main};
use rayon::prelude::*;

fn sizes() -> Vec<Size> {
    let wanted = std::env::var("CASUS_SCALE").unwrap_or_else(|_| "S,M,L".into());
    [Size::S, Size::M, Size::L]
        .into_iter()
        .filter(|s| wanted.split(',').any(|w| w.trim() == s.name()))
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

/// Per-scenario time of `f`: nine passes over every scenario in order, so that each scenario
/// meets the caches as a batch leaves them (repeating one scenario back to back would measure
/// it with hot caches only); a scenario's time is its median over the passes, then percentiles
/// over scenarios. Each time includes one `Instant::now` pair (some 20–40 ns), for Casus and the
/// baseline alike.
fn per_scenario(n: usize, mut f: impl FnMut(usize)) -> (Duration, Duration) {
    let mut runs = vec![[Duration::ZERO; 9]; n];
    for r in 0..9 {
        for (i, slot) in runs.iter_mut().enumerate() {
            let t = Instant::now();
            f(i);
            slot[r] = t.elapsed();
        }
    }
    let mut times: Vec<Duration> = runs
        .into_iter()
        .map(|mut r| {
            r.sort();
            r[4]
        })
        .collect();
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.99))
}

fn bench(c: &mut Criterion) {
    let mut report = String::from("world | who | p50 per scenario | p99 per scenario\n");
    for size in sizes() {
        let name = size.name();
        let dir = std::env::temp_dir().join(format!("casus-scale-{name}"));
        let world = World::generate(size, &dir).unwrap();
        let mut g = c.benchmark_group(format!("scale-{name}"));
        if size == Size::L {
            g.sample_size(10);
        }
        g.bench_function("load: casus load+validate+compile", |b| {
            b.iter(|| casus::RuleSet::load(&dir).unwrap().compile().unwrap())
        });
        g.bench_function("load: baseline parse+maps", |b| {
            b.iter(|| Baseline::load(&dir).unwrap())
        });
        g.bench_function("load: baseline JSON parse+maps", |b| {
            b.iter(|| Baseline::load_json(&world.json_dir).unwrap())
        });
        // Loads of L take seconds: ten samples; evaluation takes milliseconds: the default.
        g.sample_size(100);
        let engine = casus::RuleSet::load(&dir).unwrap().compile().unwrap();
        let baseline = Baseline::load(&dir).unwrap();
        world.check_agreement(&engine, &baseline).unwrap();
        let prepared: Vec<_> = world.scenarios.iter().map(|s| engine.prepare(s).unwrap()).collect();
        let queries: Vec<_> = world.scenarios.iter().map(|s| baseline.query(s).unwrap()).collect();
        let mut hits = Vec::new();
        g.bench_function("evaluate x10000: casus verdict-only", |b| {
            b.iter(|| {
                let mut n = 0;
                for p in &prepared {
                    engine.hits(p, &mut hits);
                    n += hits.len();
                }
                black_box(n)
            })
        });
        g.bench_function("evaluate x10000: baseline", |b| {
            b.iter(|| {
                let mut n = 0;
                for q in &queries {
                    baseline.answer(q, &mut |_, _| n += 1);
                }
                black_box(n)
            })
        });
        g.bench_function("evaluate x1000: casus full verdict", |b| {
            b.iter(|| {
                prepared
                    .iter()
                    .take(1000)
                    .map(|p| engine.verdict(p, false).not_obligated.len())
                    .sum::<usize>()
            })
        });
        g.bench_function("evaluate x1000: casus with explanation", |b| {
            b.iter(|| {
                prepared
                    .iter()
                    .take(1000)
                    .map(|p| engine.verdict(p, true).explanation.len())
                    .sum::<usize>()
            })
        });
        g.bench_function("throughput x10000 on all cores: casus verdict-only", |b| {
            b.iter(|| {
                prepared
                    .par_iter()
                    .map_init(Vec::new, |buf, p| {
                        engine.hits(p, buf);
                        buf.len()
                    })
                    .sum::<usize>()
            })
        });
        g.bench_function("throughput x1000 on all cores: casus with explanation", |b| {
            b.iter(|| {
                prepared
                    .par_iter()
                    .take(1000)
                    .map(|p| engine.verdict(p, true).explanation.len())
                    .sum::<usize>()
            })
        });
        g.bench_function("throughput x10000 on all cores: baseline", |b| {
            b.iter(|| {
                queries
                    .par_iter()
                    .map(|q| {
                        let mut n = 0;
                        baseline.answer(q, &mut |_, _| n += 1);
                        n
                    })
                    .sum::<usize>()
            })
        });
        g.finish();
        let (c50, c99) = per_scenario(prepared.len(), |i| {
            engine.hits(&prepared[i], &mut hits);
            black_box(hits.len());
        });
        let (b50, b99) = per_scenario(queries.len(), |i| {
            let mut n = 0;
            baseline.answer(&queries[i], &mut |_, _| n += 1);
            black_box(n);
        });
        let (f50, f99) = per_scenario(1000, |i| {
            black_box(engine.verdict(&prepared[i], false));
        });
        // The reasons are worked out in part when first read: the same verdict, its reasons
        // counted (what a caller that reads them pays).
        let (r50, r99) = per_scenario(1000, |i| {
            black_box(engine.verdict(&prepared[i], false).not_obligated.len());
        });
        let (e50, e99) = per_scenario(1000, |i| {
            black_box(engine.verdict(&prepared[i], true));
        });
        let _ = writeln!(report, "{name} | casus verdict-only | {c50:?} | {c99:?}");
        let _ = writeln!(report, "{name} | casus full verdict | {f50:?} | {f99:?}");
        let _ = writeln!(
            report,
            "{name} | casus full verdict, reasons counted | {r50:?} | {r99:?}"
        );
        let _ = writeln!(report, "{name} | casus with explanation | {e50:?} | {e99:?}");
        let _ = writeln!(report, "{name} | baseline | {b50:?} | {b99:?}");
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&world.json_dir);
    }
    println!("\n{report}");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/scale-report.txt");
    let _ = std::fs::write(out, report);
}

criterion_group!(benches, bench);
criterion_main!(benches);
