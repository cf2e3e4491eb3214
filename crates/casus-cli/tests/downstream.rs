//! A crate downstream of `casus` property-tests the shipped rules with `casus::strategies`.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(5),
        ..ProptestConfig::default()
    }
}

#[test]
fn no_draft_obliges_the_attacker_or_requires_ground_troops() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/drafts/ukraine-coalition-c");
    let engine = casus::RuleSet::load(root).unwrap().compile().unwrap();
    proptest!(config(), |(s in casus::strategies::scenarios(&engine))| {
        let v = engine.evaluate(&s).unwrap();
        for a in s.attackers().into_iter().flatten() {
            if let casus::Actor::Party(p) = a {
                prop_assert!(v.party(p).is_none(), "the attacker {} is obliged", p);
            }
        }
        for o in &v.obligations {
            for src in o.sources.iter().filter(|x| x.treaty == "ukraine_coalition_c") {
                prop_assert!(src.forms.excluded.contains(&casus::Form::GroundTroops));
            }
        }
    });
}

/// A small rule set an embedding program holds in memory: a two-member alliance whose clause
/// obliges at once against an armed attack, and only on the alliance's determination against
/// a cyber attack.
const PACT: &str = "
parties:
  - {id: AAA, name: Aland}
  - {id: BBB, name: Bland}
  - {id: CCC, name: Cland}
treaties:
  - id: pact
    name: The Pact
    in_force: 2001-01-01
    parties:
      - {party: AAA}
      - {party: BBB}
    clauses:
      - id: art1
        citation: Art. 1
        trigger:
          all:
            - target: treaty_party
            - any:
                - event: armed_attack
                - all: [{event: cyber_attack}, {fact: determined}]
        obligations:
          - level: assist
";

/// What an embedding program does, with the public API only: load a rule set held in memory,
/// build a scenario in code, evaluate it, and read what a verdict-only hit waits on.
#[test]
fn a_program_loads_from_memory_builds_a_scenario_and_reads_what_a_hit_waits_on() {
    let mut sources = casus::Sources::in_memory();
    sources.insert(std::path::Path::new("pact/pact.yaml"), PACT.to_string());
    let rules = casus::RuleSet::load_with_sources(&["pact".into()], &casus::Limits::default(), &sources).unwrap();
    let engine = rules.compile().unwrap();
    let check = |event: casus::EventKind, level: Option<casus::Level>, waits: &[&str]| {
        let mut s = casus::Scenario::new("2020-06-01".parse().unwrap(), event, "AAA");
        s.attacker = Some(casus::Actor::Party("CCC".into()));
        let verdict = engine.evaluate(&s).unwrap();
        assert_eq!(verdict.level_of("BBB"), level, "{event}");
        assert_eq!(verdict.level_of("CCC"), None, "the attacker owes nothing");
        let mut hits = Vec::new();
        engine.hits(&engine.prepare(&s).unwrap(), &mut hits);
        let got: Vec<(Option<&str>, Vec<String>)> = hits
            .iter()
            .map(|h| (engine.party_id_of(h.party), h.depends_on(&engine)))
            .collect();
        let want: Vec<(Option<&str>, Vec<String>)> = level
            .map(|_| (Some("BBB"), waits.iter().map(|w| (*w).to_string()).collect()))
            .into_iter()
            .collect();
        assert_eq!(got, want, "{event}");
    };
    check(casus::EventKind::ArmedAttack, Some(casus::Level::Assist), &[]);
    check(
        casus::EventKind::CyberAttack,
        Some(casus::Level::Assist),
        &["determined"],
    );
    check(casus::EventKind::Threat, None, &[]);
}

/// A property tested over generated rule sets, as a downstream crate writes it: an engine is
/// built from each generated rule set, then scenarios are drawn from that engine
/// (`prop_flat_map`); whoever the verdict-only path obliges, the full verdict lists, and the
/// attacker is never among them.
#[test]
fn generated_rule_sets_agree_between_the_verdict_only_path_and_the_full_verdict() {
    use casus::strategies::{rule_sets, scenarios};
    let pairs = rule_sets().prop_flat_map(|rules| {
        let engine = rules.engine().unwrap();
        (Just(rules), scenarios(&engine))
    });
    proptest!(config(), |((rules, s) in pairs)| {
        let engine = rules.engine().unwrap();
        let verdict = engine.evaluate(&s).unwrap();
        let mut hits = Vec::new();
        engine.hits(&engine.prepare(&s).unwrap(), &mut hits);
        let mut obliged: Vec<&str> = hits.iter().filter_map(|h| engine.party_id_of(h.party)).collect();
        obliged.sort_unstable();
        obliged.dedup();
        prop_assert_eq!(obliged.len(), hits.iter().map(|h| h.party).collect::<std::collections::BTreeSet<_>>().len());
        let listed: Vec<&str> = verdict.obligations.iter().map(|o| o.party.as_str()).collect();
        prop_assert_eq!(&obliged, &listed);
        for a in s.attackers().into_iter().flatten() {
            if let casus::Actor::Party(p) = a {
                prop_assert!(!listed.contains(&p.as_str()), "the attacker {} is obliged", p);
            }
        }
    });
}
