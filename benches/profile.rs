//! A loop for profilers: `cargo build --release -p casus-benches --bin casus-profile && perf
//! record -g target/release/casus-profile S hits`.

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
    for _ in 0..if what == "hits" { 200 } else { 1 } {
        for p in &prepared {
            if what == "hits" {
                engine.hits(p, &mut hits);
                n += hits.len();
            } else {
                n += engine.verdict(p, what == "explain").obligations.len();
            }
        }
    }
    let ns = t.elapsed().as_nanos() as f64 / (200.0 * prepared.len() as f64);
    println!(
        "{n} {m}: casus {ns:.0} ns/scenario, baseline {base_ns:.0} ns/scenario, ratio {:.2}",
        ns / base_ns
    );
    Ok(())
}
