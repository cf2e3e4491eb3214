//! Loading a rule set, three ways, side by side in one run: from YAML (read, parse, validate,
//! compile), from its compiled form (`casus build`: hash the sources, then decode), and the
//! hand-written baseline's loaders of the same world: from the same YAML files (same YAML
//! library), and from the same data written as JSON (`serde_json`). On the synthetic world L (or the
//! worlds in `CASUS_SCALE`) and on the shipped `rules/`.
//!
//! `cargo bench -p casus-benches --bench load`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::{Path, PathBuf};

use casus::compiled::SourceHash;
use casus::{Engine, Limits, RuleSet};
use casus_benches::{Baseline, Size, World};
use criterion::{Criterion, criterion_group, criterion_main};

fn sizes() -> Vec<Size> {
    let wanted = std::env::var("CASUS_SCALE").unwrap_or_else(|_| "L".into());
    [Size::S, Size::M, Size::L]
        .into_iter()
        .filter(|s| wanted.split(',').any(|w| w.trim() == s.name()))
        .collect()
}

/// The three ways of loading one rule set folder (the baseline only for synthetic worlds).
fn group(c: &mut Criterion, name: &str, dir: &Path, json: Option<&Path>) {
    let paths = [dir.to_path_buf()];
    let limits = Limits::default();
    let rules = RuleSet::load(dir).unwrap();
    let (_, bytes) = rules.build(&dir.display().to_string()).unwrap();
    let file: PathBuf = std::env::temp_dir().join(format!("casus-load-{name}.casus"));
    std::fs::write(&file, &bytes).unwrap();
    let yaml_bytes: u64 = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "{name}: compiled form {} bytes (YAML at the top level {yaml_bytes} bytes)",
        bytes.len()
    );
    let mut g = c.benchmark_group(format!("load-{name}"));
    g.sample_size(10);
    // Each load's result is dropped outside the timing: what is measured is the time until it
    // is ready to use. The YAML load ends with `into_engine` (the rule set is not kept, so
    // the engine is not copied).
    g.bench_function("yaml: load+validate+compile", |b| {
        b.iter_with_large_drop(|| RuleSet::load(dir).unwrap().into_engine().unwrap())
    });
    if let Some(json) = json {
        g.bench_function("baseline: parse+maps", |b| {
            b.iter_with_large_drop(|| Baseline::load(dir).unwrap())
        });
        g.bench_function("baseline JSON: parse+maps", |b| {
            b.iter_with_large_drop(|| Baseline::load_json(json).unwrap())
        });
    }
    g.bench_function("compiled: read file + hash sources + decode", |b| {
        b.iter_with_large_drop(|| {
            let bytes = std::fs::read(&file).unwrap();
            let h = SourceHash::of(&paths, &limits).unwrap();
            Engine::from_compiled(&bytes, &h).unwrap()
        })
    });
    let h = SourceHash::of(&paths, &limits).unwrap();
    g.bench_function("compiled: decode only", |b| {
        b.iter_with_large_drop(|| Engine::from_compiled(&bytes, &h).unwrap())
    });
    g.bench_function("compiled: hash sources only", |b| {
        b.iter(|| SourceHash::of(&paths, &limits).unwrap())
    });
    g.finish();
    let _ = std::fs::remove_file(&file);
}

fn bench(c: &mut Criterion) {
    for size in sizes() {
        let name = size.name();
        let dir = std::env::temp_dir().join(format!("casus-load-{name}"));
        let world = World::generate(size, &dir).unwrap();
        group(c, name, &dir, Some(&world.json_dir));
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&world.json_dir);
    }
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    group(c, "rules", &rules, None);
}

criterion_group!(benches, bench);
criterion_main!(benches);
