//! The evaluator on arbitrary scenarios against the shipped rule sets (`rules/`, the three
//! drafts, 1914), loaded once. The fuzz bytes pick the rule set and every scenario field from
//! the engine's own parties, places and facts (now and then an id it lacks). Each scenario is
//! evaluated with explanation twice (byte-identical JSON), without, and on the verdict-only
//! path.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use casus::Engine;
use casus_fuzz::Lists;
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fn engines() -> &'static Vec<(Engine, Lists)> {
    static ENGINES: OnceLock<Vec<(Engine, Lists)>> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
        let sets = [
            rules.clone(),
            rules.join("drafts/ukraine-coalition-a"),
            rules.join("drafts/ukraine-coalition-b"),
            rules.join("drafts/ukraine-coalition-c"),
            rules.join("historical/1914"),
        ];
        sets.iter()
            .map(|p| match casus::RuleSet::load(p).map(|r| r.compile()) {
                Ok(Ok(e)) => {
                    let lists = Lists::of(&e);
                    (e, lists)
                }
                Ok(Err(e)) => panic!("{}: {e}", p.display()),
                Err(e) => panic!("{}: {}", p.display(), e.diagnostics),
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let engines = engines();
    let mut u = Unstructured::new(data);
    let Ok(i) = u.choose_index(engines.len()) else {
        return;
    };
    let Some((engine, lists)) = engines.get(i) else {
        return;
    };
    if let Ok(s) = casus_fuzz::scenario(&mut u, lists) {
        casus_fuzz::check_scenario(engine, &s);
    }
});
