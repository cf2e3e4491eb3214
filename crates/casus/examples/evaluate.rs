//! Loads the shipped rule library, evaluates one scenario through the library API and prints
//! the verdict: `cargo run -p casus --example evaluate -- [SCENARIO] [RULES]`.
//!
//! Default: the seed case, a renewed Russian armed attack on Kyiv under draft A of the
//! coalition guarantee for Ukraine.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut args = std::env::args().skip(1);
    let scenario_path = args.next().map_or_else(
        || root.join("examples/scenarios/ukraine/coalition-a-kyiv-2027.yaml"),
        PathBuf::from,
    );
    let scenario = casus::Scenario::load(&scenario_path)?;
    let rules_path = args
        .next()
        .map(PathBuf::from)
        .or_else(|| scenario.rules_path(&scenario_path))
        .unwrap_or_else(|| root.join("rules"));
    let rules = casus::RuleSet::load(&rules_path)?;
    let engine = rules.compile()?;
    let verdict = engine.evaluate(&scenario)?;
    print!("{}", casus::report::render_table(&verdict, false));
    for o in &verdict.obligations {
        for s in &o.sources {
            println!(
                "{} is bound toward {} under {} {} ({}{})",
                o.party,
                s.toward,
                s.treaty,
                s.citation,
                s.level,
                if s.draft { ", draft" } else { "" }
            );
        }
    }
    Ok(())
}
