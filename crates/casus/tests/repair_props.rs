//! `casus::repair` on generated drafts and properties (`casus::strategies::drafts`: block
//! style, every trigger an `all:` that tests the attacker and the place, so that every kind of
//! edit applies): every repair returned makes every property hold, by an independent
//! exhaustive `verify` of the repaired text; every repair returned has the same, smallest
//! size; and no smaller set of the candidate edits is a repair (brute force over every subset).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;

use casus::repair::{Draft, Edit, EditKind, RepairError, RepairOptions, RepairReport, repair};
use casus::strategies::{Rules, drafts};
use casus::verify::{Mode, Outcome, Properties, VerifyOptions};
use casus::{RuleSet, Scenario};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestRunner};

fn config(cases: u32) -> Config {
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_204);
    Config {
        cases,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(seed),
        ..Config::default()
    }
}

/// Cases of the main property: enough to meet repairs of several kinds, few enough for a
/// debug run well under a minute.
const CASES: u32 = 24;

const LEVELS: [&str; 5] = ["consult", "diplomatic", "assist", "all_means", "military"];

/// One property on the parties of a generated rule set: nobody (or one party) obliged at a
/// level, at least N parties obliged when one party is attacked, or a form never allowed.
fn property(parties: Vec<String>) -> BoxedStrategy<String> {
    let level = select(LEVELS.to_vec());
    prop_oneof![
        3 => (proptest::option::of(select(parties.clone())), level.clone()).prop_map(|(p, l)| match p {
            Some(p) => format!("require: {{never: {{parties: [{p}], level: {l}}}}}"),
            None => format!("require: {{never: {{level: {l}}}}}"),
        }),
        1 => (select(parties), 1usize..=2, level).prop_map(|(t, n, l)| format!(
            "scope: {{all: [{{event: armed_attack}}, {{target: {{is: {t}}}}}]}}\n    require: {{obliged: {{at_least: {n}, level: {l}, status: any}}}}"
        )),
        2 => select(vec!["ground_troops", "armed_force", "weapons", "sanctions"])
            .prop_map(|f| format!("require: {{forms: {{not_allowed: [{f}]}}}}")),
    ]
    .boxed()
}

/// A generated draft with one or two properties on its parties (the properties file's text).
fn case() -> impl Strategy<Value = (Rules, String)> {
    drafts().prop_flat_map(|r| {
        let e = r.engine().unwrap();
        let parties: Vec<String> = e
            .parties()
            .into_iter()
            .map(|p| p.id)
            .filter(|id| id.starts_with('P'))
            .collect();
        let props = (
            proptest::collection::vec(property(parties), 1..=2),
            select(vec!["default", "every"]),
        )
            .prop_map(|(ps, readings)| {
                let mut text = String::from("properties:\n");
                for (i, p) in ps.iter().enumerate() {
                    text.push_str(&format!("  - id: p{i}\n    readings: {readings}\n    {p}\n"));
                }
                text
            });
        (Just(r), props)
    })
}

/// Whether every property of `props` holds of the rule file `yaml`, by a load and an
/// exhaustive `verify` of its own; `None` when a property could only be sampled.
fn holds(yaml: &str, props: &str) -> Option<bool> {
    let Ok(Ok(e)) = RuleSet::from_yaml(yaml).map(|r| r.compile()) else {
        return Some(false); // an edit that makes the rule set invalid repairs nothing
    };
    let p = Properties::from_yaml(props, &e).unwrap();
    let r = casus::verify::verify(&e, &p, &VerifyOptions::default(), None).unwrap();
    if r.properties.iter().any(|x| x.mode == Mode::Sampled) {
        return None;
    }
    Some(
        r.properties
            .iter()
            .all(|x| matches!(x.outcome, Outcome::Proven | Outcome::Vacuous)),
    )
}

/// Every subset of `0..n` with `1..=k` elements, smallest first.
fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new()];
    let mut all = Vec::new();
    for _ in 0..k {
        let next: Vec<Vec<usize>> = out
            .iter()
            .flat_map(|s| {
                let from = s.last().map_or(0, |l| l + 1);
                (from..n).map(move |i| {
                    let mut t = s.clone();
                    t.push(i);
                    t
                })
            })
            .collect();
        all.extend(next.iter().cloned());
        out = next;
    }
    all
}

/// The most subsets of the candidates the brute force checks in one case (the generated
/// drafts keep a few candidates, so this bounds the rare large case only).
const MOST_SUBSETS: usize = 300;

/// What the cases covered, so that the test cannot pass by proving nothing.
#[derive(Default)]
struct Seen {
    /// Cases where a repair was found.
    repaired: usize,
    /// The kinds of edit of the repairs found.
    kinds: BTreeSet<EditKind>,
    /// Sets of candidates checked by brute force.
    subsets: usize,
}

fn check(rules: &Rules, props: &str, seen: &RefCell<Seen>) -> Result<(), TestCaseError> {
    let draft = Draft::from_yaml(rules.yaml()).unwrap();
    let opts = RepairOptions {
        max_edits: 2,
        ..RepairOptions::default()
    };
    let report: RepairReport = match repair(&draft, (Path::new("p.yaml"), props), &opts, None) {
        Ok(r) => r,
        // Nothing to prove: a property that is only sampled, or a search over its limits.
        Err(RepairError::NotExhaustive { .. } | RepairError::OverBudget { .. }) => return Ok(()),
        Err(e) => panic!("repair failed: {e}\n{}", rules.yaml()),
    };
    let Some(before) = holds(rules.yaml(), props) else {
        return Ok(());
    };
    prop_assert_eq!(before, report.goal.is_empty(), "the goal is every violated property");
    let smallest = report.repairs.first().map(|r| r.edits.len());
    for r in &report.repairs {
        prop_assert_eq!(Some(r.edits.len()), smallest, "repairs of different sizes");
        let edited = draft.edited(&r.edits);
        prop_assert_eq!(edited.len(), 1);
        prop_assert_eq!(
            holds(&edited[0].1, props),
            Some(true),
            "not a repair: {:?}\n{}",
            r.edits.iter().map(|e| &e.what).collect::<Vec<_>>(),
            edited[0].1
        );
    }
    if report.goal.is_empty() {
        prop_assert!(report.repairs.is_empty() && report.blocked.is_none());
        return Ok(());
    }
    prop_assert_eq!(report.repairs.is_empty(), report.blocked.is_some());
    // No set of the candidates smaller than the smallest repair (or, when none was found,
    // of at most `max_edits`) is a repair.
    let below = smallest.map_or(opts.max_edits, |s| s - 1);
    let cands: &[Edit] = &report.candidate_edits;
    prop_assert_eq!(cands.len(), report.candidates);
    let sets = subsets(cands.len(), below);
    let mut seen = seen.borrow_mut();
    seen.repaired += usize::from(smallest.is_some());
    seen.kinds
        .extend(report.repairs.iter().flat_map(|r| r.edits.iter().map(|e| e.kind)));
    seen.subsets += sets.len().min(MOST_SUBSETS);
    drop(seen);
    for set in sets.iter().take(MOST_SUBSETS) {
        let edits: Vec<Edit> = set.iter().map(|i| cands[*i].clone()).collect();
        let edited = draft.edited(&edits);
        let Some(text) = edited.first().map(|e| &e.1) else {
            continue;
        };
        prop_assert_ne!(
            holds(text, props),
            Some(true),
            "a repair smaller than the smallest returned ({:?}) was missed: {:?}",
            smallest,
            edits.iter().map(|e| &e.what).collect::<Vec<_>>()
        );
    }
    Ok(())
}

#[test]
fn every_repair_holds_and_none_smaller_is_missed() {
    let mut runner = TestRunner::new(config(CASES));
    let seen = RefCell::new(Seen::default());
    runner
        .run(&case(), |(rules, props)| check(&rules, &props, &seen))
        .unwrap();
    let seen = seen.into_inner();
    if std::env::var("REPAIR_PROPS_STATS").is_ok() {
        eprintln!(
            "repaired {} subsets {} kinds {:?}",
            seen.repaired, seen.subsets, seen.kinds
        );
    }
    assert!(
        seen.repaired >= 2 && seen.kinds.len() >= 2 && seen.subsets >= 10,
        "too few repairs to test: {} cases repaired, by edits of kinds {:?}, {} smaller sets checked",
        seen.repaired,
        seen.kinds,
        seen.subsets
    );
}

/// The generated drafts are written so that the repair's whole vocabulary applies to them:
/// over a few dozen of them, with a counterexample's place and attacker as seeds, every kind
/// of edit is offered; and the block style loads to the same rule set as the JSON.
#[test]
fn generated_drafts_offer_every_kind_of_edit() {
    let mut runner = TestRunner::new(config(48));
    let seeds =
        [
            Scenario::from_yaml("{date: 2000-01-01, event: armed_attack, attacker: P5, target: P0, location: T2}")
                .unwrap(),
        ];
    let seen = RefCell::new(BTreeSet::new());
    runner
        .run(&drafts(), |rules| {
            let block = rules.engine().unwrap().to_yaml().unwrap();
            let json = RuleSet::from_yaml(&rules.json())
                .unwrap()
                .compile()
                .unwrap()
                .to_yaml()
                .unwrap();
            prop_assert_eq!(block, json, "block style and JSON load differently:\n{}", rules.yaml());
            let draft = Draft::from_yaml(rules.yaml()).unwrap();
            seen.borrow_mut()
                .extend(draft.vocabulary(&seeds).iter().map(|e| e.kind));
            Ok(())
        })
        .unwrap();
    let wanted = [
        EditKind::PlaceHolder,
        EditKind::DropTest,
        EditKind::AddException,
        EditKind::AddPlace,
        EditKind::AddAttacker,
        EditKind::RaiseLevel,
        EditKind::LowerLevel,
        EditKind::RemoveForm,
        EditKind::ExcludeForm,
        EditKind::RemoveObligor,
        EditKind::RemoveParty,
    ];
    let seen = seen.into_inner();
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|k| !seen.contains(k))
        .map(|k| k.as_str())
        .collect();
    assert!(missing.is_empty(), "no generated draft offers: {missing:?}");
}
