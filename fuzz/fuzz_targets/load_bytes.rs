//! The loader on arbitrary bytes: a rule file and a scenario file given as (lossy) text.
//! A load either succeeds — and then compiles and evaluates scenarios drawn from its own
//! lists — or fails with at least one error that has a code and a message.

#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut u = Unstructured::new(data);
    casus_fuzz::check_load(casus::RuleSet::from_yaml(&text), &mut u);
    if let Err(e) = casus::Scenario::from_yaml(&text) {
        assert!(!e.to_string().is_empty());
    }
});
