//! A loop for profilers: `cargo build --release -p casus-benches --bin casus-profile && perf
//! record -g target/release/casus-profile S hits` (or `verdict`, `build`: the verdict not read, `tail`:
//! the slowest 2 % built, `mid`: the middle fifth, or `explain`).

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
    let mut prepared: Vec<_> = world.scenarios.iter().filter_map(|s| engine.prepare(s).ok()).collect();
    // `tail`: the full verdict of the slowest 2 % of scenarios only (hub parties), built and
    // dropped; `mid`: of the middle fifth (40 % to 60 % by time).
    if what == "tail" || what == "mid" {
        let mut timed: Vec<_> = prepared
            .into_iter()
            .map(|p| {
                let t = std::time::Instant::now();
                for _ in 0..5 {
                    std::hint::black_box(engine.verdict(&p, false));
                }
                (t.elapsed(), p)
            })
            .collect();
        timed.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
        let n = timed.len();
        if what == "mid" {
            timed.truncate(n * 6 / 10);
            timed.drain(..n * 4 / 10);
        } else {
            timed.truncate(n / 50);
        }
        prepared = timed.into_iter().map(|(_, p)| p).collect();
    }
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
    let rounds = match what.as_str() {
        "hits" => 200,
        "tail" | "mid" => 500,
        _ => 20,
    };
    for _ in 0..rounds {
        for p in &prepared {
            if what == "hits" {
                engine.hits(p, &mut hits);
                n += hits.len();
            } else {
                let v = engine.verdict(p, what == "explain");
                n += v.obligations.len();
                if !matches!(what.as_str(), "build" | "tail" | "mid") {
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
