//! The ATOP 4.0 import (745 alliances, 2 398 member rows) and evaluation over it.
//!
//! Method: criterion's default sampling; the vendored data folder `data/atop-4.0`
//! beside the repository. Timed: the CSV-to-YAML import alone; import + load (validation and
//! resolution) + compile, i.e. everything from the two CSV texts to an engine; every directed
//! defense pledge at one date (one verdict-only evaluation per state, 208 states); who is bound
//! to defend one state over a whole year, day by day; one full verdict with reasons. Compare
//! medians within one run only: the machines are shared and noisy.

use std::path::PathBuf;

use casus::{Scenario, When};
use casus_atop::CsvText;
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/atop-4.0");
    let (Ok(a), Ok(m)) = (
        std::fs::read_to_string(dir.join("atop-alliance-level.csv")),
        std::fs::read_to_string(dir.join("atop-member-level.csv")),
    ) else {
        eprintln!("the ATOP data is missing from {}; nothing to measure", dir.display());
        return;
    };
    let input = || {
        (
            CsvText {
                name: "atop-alliance-level.csv",
                text: &a,
            },
            CsvText {
                name: "atop-member-level.csv",
                text: &m,
            },
        )
    };
    c.bench_function("atop: import (CSV to YAML text), 745 alliances", |b| {
        b.iter(|| {
            let (x, y) = input();
            casus_atop::import(x, y).map(|i| i.files.len())
        })
    });
    c.bench_function("atop: import + load + compile, 745 alliances", |b| {
        b.iter(|| {
            let (x, y) = input();
            let import = casus_atop::import(x, y).ok()?;
            import.rule_set().ok()?.compile().ok()
        })
    });
    let (x, y) = input();
    let Ok(import) = casus_atop::import(x, y) else { return };
    let Ok(rules) = import.rule_set() else { return };
    c.bench_function("atop: load + compile of the generated YAML", |b| {
        b.iter(|| import.rule_set().ok().and_then(|r| r.compile().ok()))
    });
    let Ok(engine) = rules.compile() else { return };
    for day in ["1914-07-01", "1990-07-01", "2018-12-31"] {
        let Ok(on) = When::parse(day) else { return };
        c.bench_function(&format!("atop: every defense pledge on {day} (208 states)"), |b| {
            b.iter(|| casus_atop::defense_pledges(&engine, &on).map(|p| p.len()))
        });
    }
    let days: Vec<When> = (1..=12)
        .flat_map(|m| (1..=31).map(move |d| format!("1990-{m:02}-{d:02}")))
        .filter_map(|s| When::parse(&s).ok())
        .collect();
    c.bench_function(
        &format!("atop: defenders of BEL, every day of 1990 ({} evaluations)", days.len()),
        |b| {
            b.iter(|| {
                days.iter()
                    .map(|d| casus_atop::defenders(&engine, "BEL", d).map_or(0, |p| p.len()))
                    .sum::<usize>()
            })
        },
    );
    let Ok(attack) = Scenario::from_yaml("{date: 1990-07-01, event: armed_attack, target: BEL, location: BEL}") else {
        return;
    };
    c.bench_function("atop: full verdict with reasons, attack on BEL 1990-07-01", |b| {
        b.iter(|| engine.evaluate(&attack).map(|v| v.not_obligated.len()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
