//! A loop for profilers: `cargo build --release -p casus-benches --bin casus-profile && perf
//! record -g target/release/casus-profile S hits` (or `verdict`, `build`: the verdict not read, or
//! `explain`).

use casus_benches::{Size, World};

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let size = match args.next().as_deref() {
        Some("M") => Size::M,
        Some("L") => Size::L,
        _ => Size::S,
    };
    let what = args.next().unwrap_or_else(|| "hits".into());
    let dir = std::env::temp_dir().join(format!("casus-profile-{}", size.name()));
    let world = World::generate(size, &dir).map_err(|e| e.to_string())?;
    let engine = casus::RuleSet::load(&dir)
        .map_err(|e| e.to_string())?
        .compile()
        .map_err(|e| e.to_string())?;
    let prepared: Vec<_> = world.scenarios.iter().filter_map(|s| engine.prepare(s).ok()).collect();
    let baseline = casus_benches::Baseline::load(&dir)?;
    let queries: Vec<_> = world.scenarios.iter().filter_map(|s| baseline.query(s)).collect();
    let t = std::time::Instant::now();
    let mut m = 0usize;
    for _ in 0..200 {
        for q in &queries {
            baseline.answer(q, &mut |_, _| m += 1);
        }
    }
    let base_ns = t.elapsed().as_nanos() as f64 / (200.0 * queries.len() as f64);
    let t = std::time::Instant::now();
    let mut hits = Vec::new();
    let mut n = 0usize;
    let mut reasons = 0usize;
    // `build`: the full verdict built and dropped, its reasons not read.
    let rounds = if what == "hits" { 200 } else { 20 };
    for _ in 0..rounds {
        for p in &prepared {
            if what == "hits" {
                engine.hits(p, &mut hits);
                n += hits.len();
            } else {
                let v = engine.verdict(p, what == "explain");
                n += v.obligations.len();
                if what != "build" {
                    reasons += v.not_obligated.len();
                }
            }
        }
    }
    let ns = t.elapsed().as_nanos() as f64 / (f64::from(rounds) * prepared.len() as f64);
    if reasons > 0 {
        println!(
            "{:.1} reasons per verdict",
            reasons as f64 / (f64::from(rounds) * prepared.len() as f64)
        );
    }
    println!(
        "{n} {m}: casus {ns:.0} ns/scenario, baseline {base_ns:.0} ns/scenario, ratio {:.2}",
        ns / base_ns
    );
    Ok(())
}
