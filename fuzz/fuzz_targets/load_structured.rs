//! The loader on structure-aware input: a rule set generated from the fuzz bytes (references
//! mostly valid, dates mostly in order), serialized to YAML, then mutated line by line. Loads
//! that succeed are compiled and evaluated on scenarios drawn from their own lists.

#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(text) = casus_fuzz::rule_set_yaml(&mut u) else {
        return;
    };
    let Ok(text) = casus_fuzz::mutate(&mut u, &text) else {
        return;
    };
    casus_fuzz::check_load(casus::RuleSet::from_yaml(&text), &mut u);
});
