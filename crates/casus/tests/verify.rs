//! `casus::verify` on a deliberately broken rule set (the expected counterexamples), on the
//! shipped drafts of the coalition guarantee (the results quoted in docs/verify.md), and
//! `casus::verify::diff` between drafts A and B.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use casus::verify::{Outcome, Properties, PropertyReport, VerifyOptions, VerifyReport};
use casus::{Engine, RuleSet};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn engine(path: &Path) -> Engine {
    RuleSet::load(path).unwrap().compile().unwrap()
}

fn verify(rules: &Path, props: &Path) -> (Engine, VerifyReport) {
    let e = engine(rules);
    let p = Properties::load(props, &e).unwrap();
    let r = casus::verify::verify(&e, &p, &VerifyOptions::default(), None).unwrap();
    (e, r)
}

fn prop<'a>(r: &'a VerifyReport, id: &str) -> &'a PropertyReport {
    r.properties.iter().find(|p| p.id == id).unwrap()
}

#[test]
fn the_broken_guarantee_yields_the_expected_counterexamples() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken-guarantee");
    let (e, r) = verify(&dir.join("rules"), &dir.join("properties.yaml"));

    // `controller: attacker` covers only Crimea: an attack on Kyiv obliges nobody.
    let kyiv = prop(&r, "kyiv-covered");
    assert_eq!(kyiv.outcome, Outcome::Violated);
    let c = kyiv.counterexample.as_ref().unwrap();
    insta::assert_snapshot!(c.scenario.to_yaml().unwrap(), @r"
    date: 2026-06-01
    event: armed_attack
    attacker: RUS
    target: UKR
    location: UA-30
    ");
    assert_eq!(
        c.why,
        "no party is obliged at assist or stronger, definite; at least 3 required"
    );
    assert!(e.evaluate(&c.scenario).unwrap().obligations.is_empty());

    // Poland's obligation requires ground troops. The smallest counterexample leaves the place
    // open: Poland's obligation then waits on it (contingent), which the property counts.
    let troops = prop(&r, "no-ground-troops");
    assert_eq!(troops.outcome, Outcome::Violated);
    let c = troops.counterexample.as_ref().unwrap();
    insta::assert_snapshot!(c.scenario.to_yaml().unwrap(), @r"
    date: 2026-06-01
    event: armed_attack
    target: UKR
    ");
    assert!(
        c.why
            .starts_with("POL owes assist (contingent) toward UKR under broken_guarantee/art1"),
        "{}",
        c.why
    );
    let v = e.evaluate(&c.scenario).unwrap();
    assert!(
        v.party("POL")
            .unwrap()
            .forms
            .required
            .contains(&casus::Form::GroundTroops)
    );
    // In Crimea it is definite.
    let mut crimea = c.scenario.clone();
    crimea.location = Some("UA-43".into());
    crimea.attacker = Some(casus::Actor::Party("RUS".into()));
    assert_eq!(
        e.evaluate(&crimea).unwrap().party("POL").unwrap().status,
        casus::Status::Definite
    );

    assert_eq!(prop(&r, "usa-never-military").outcome, Outcome::Proven);
    assert_eq!(prop(&r, "nothing-before-entry-into-force").outcome, Outcome::Proven);
    // The unrestricted properties cover the whole space.
    assert_eq!(prop(&r, "usa-never-military").scenarios, r.space.scenarios);
}

#[test]
fn checking_is_deterministic_and_sampling_finds_the_same_flaw() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken-guarantee");
    let (_, a) = verify(&dir.join("rules"), &dir.join("properties.yaml"));
    let (_, b) = verify(&dir.join("rules"), &dir.join("properties.yaml"));
    assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
    let e = engine(&dir.join("rules"));
    let p = Properties::load(dir.join("properties.yaml"), &e).unwrap();
    let opts = VerifyOptions {
        sample: Some(2000),
        ..VerifyOptions::default()
    };
    let s = casus::verify::verify(&e, &p, &opts, None).unwrap();
    let kyiv = prop(&s, "kyiv-covered");
    assert_eq!(kyiv.mode, casus::verify::Mode::Sampled);
    assert_eq!(kyiv.outcome, Outcome::Violated);
    // Shrunk: the counterexample is an attack by RUS on UKR, nothing more than needed.
    let c = kyiv.counterexample.as_ref().unwrap();
    assert_eq!(c.scenario.target.as_deref(), Some("UKR"));
    assert_eq!(prop(&s, "usa-never-military").outcome, Outcome::Proven);
}

/// The results of the shipped properties on the three drafts, as docs/verify.md reports them.
#[test]
fn shipped_properties_on_the_drafts() {
    let props = root().join("examples/properties/ukraine.yaml");
    let mut table = String::new();
    for d in ["a", "b", "c"] {
        let (_, r) = verify(&root().join(format!("rules/drafts/ukraine-coalition-{d}")), &props);
        for p in &r.properties {
            let c = p.counterexample.as_ref().map_or(String::new(), |c| {
                format!(
                    " at {} by {:?}{}",
                    c.scenario.location.as_deref().unwrap_or("?"),
                    c.scenario.attacker,
                    if c.scenario.facts.is_empty() {
                        String::new()
                    } else {
                        format!(" with {:?}", c.scenario.facts)
                    }
                )
            });
            table.push_str(&format!("{d} {} {}{c}\n", p.id, p.outcome.as_str()));
        }
    }
    insta::assert_snapshot!(table);
}

#[test]
fn diff_of_drafts_a_and_b_is_the_occupied_territory() {
    let a = engine(&root().join("rules/drafts/ukraine-coalition-a"));
    let b = engine(&root().join("rules/drafts/ukraine-coalition-b"));
    let d = casus::verify::diff(&a, &b, &Default::default(), None).unwrap();
    assert!(d.changed > 0);
    let mut places: Vec<&str> = d
        .groups
        .iter()
        .flat_map(|g| {
            if g.places.is_empty() {
                vec![g.place.as_str()]
            } else {
                g.places.iter().map(String::as_str).collect()
            }
        })
        .collect();
    places.sort_unstable();
    places.dedup();
    // Every change is on territory Ukraine did not control on 2026-06-01 (an occupied part or
    // a place within one), or where the place is unknown; and every change takes an
    // obligation away from a guarantor.
    for p in &places {
        let occupied = p.ends_with("-OCC") || p.contains("-OCC-");
        assert!(occupied || ["UA-43", "UA-40", "unknown"].contains(p), "{p}");
    }
    assert!(places.contains(&"UA-43"));
    for g in &d.groups {
        assert_eq!(g.target, "UKR");
        assert!(g.old.level > g.new.level || g.new.level.is_none(), "{g:?}");
    }
    let same = casus::verify::diff(&a, &a, &Default::default(), None).unwrap();
    assert!(same.groups.is_empty());
}

#[test]
fn diff_reports_a_change_that_only_an_alternative_reading_makes() {
    let old = casus::RuleSet::from_yaml(casus::doc_example())
        .unwrap()
        .compile()
        .unwrap();
    // The new draft adds a narrower reading of art5: armed attacks only.
    let text = casus::doc_example().replace(
        "        obligations:\n",
        "        readings:\n          - id: armed_only\n            basis: Only armed attacks.\n            \
         trigger: {all: [{target: treaty_party}, {location: {tagged: europe}}, {event: armed_attack}]}\n        \
         obligations:\n",
    );
    let new = casus::RuleSet::from_yaml(&text).unwrap().compile().unwrap();
    let d = casus::verify::diff(&old, &new, &Default::default(), None).unwrap();
    assert_eq!(d.space.readings, 2, "{:?}", d.space);
    assert!(!d.groups.is_empty());
    for g in &d.groups {
        assert_eq!(g.reading.as_deref(), Some("alliance/art5/armed_only"), "{g:?}");
        assert_eq!(g.example.event, casus::EventKind::CyberAttack, "{g:?}");
        assert!(g.new.level.is_none(), "{g:?}");
    }
    assert!(d.groups.iter().any(|g| g.target == "EST" && g.party == "USA"));
    // Every changed scenario is one under the new reading: at most half the space.
    assert!(d.changed > 0 && d.changed * 2 <= d.scenarios);
    let table = casus::verify::render_diff(&d);
    assert!(
        table.contains("READING") && table.contains("under the reading alliance/art5/armed_only"),
        "{table}"
    );
}

/// A property restricted with `among` names those parties when none (or too few) of them is
/// obliged, instead of saying that no party is.
#[test]
fn a_failure_among_some_parties_names_them() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken-guarantee");
    let e = engine(&dir.join("rules"));
    let check = |place: &str, among: &str, at_least: u32, expected: &str| {
        let yaml = format!(
            "properties:
  - id: p
    scope:
      all: [{{event: armed_attack}}, {{attacker: {{is: RUS}}}}, {{target: {{is: UKR}}}}, {{location: {{in: [{place}]}}}}, {{date: {{from: 2026-06-01}}}}]
    require: {{obliged: {{at_least: {at_least}, level: assist, among: {among}}}}}
"
        );
        let p = Properties::from_yaml(&yaml, &e).unwrap();
        let r = casus::verify::verify(&e, &p, &VerifyOptions::default(), None).unwrap();
        let why = prop(&r, "p").counterexample.as_ref().map(|c| c.why.clone());
        assert_eq!(why.as_deref(), Some(expected), "{place} {among}");
    };
    // Kyiv: the broken guarantee obliges nobody.
    check(
        "UA-30",
        "[USA]",
        1,
        "none of USA is obliged at assist or stronger, definite; at least 1 required",
    );
    check(
        "UA-30",
        "[GBR, FRA]",
        1,
        "none of GBR, FRA is obliged at assist or stronger, definite; at least 1 required",
    );
    // Crimea: GBR owes assistance, Ukraine (the target) does not.
    check(
        "UA-43",
        "[GBR, UKR]",
        2,
        "only 1 of GBR, UKR is obliged at assist or stronger, definite (GBR); at least 2 required",
    );
    check(
        "UA-43",
        "[UKR, RUS, BLR, GBR, FRA, POL, USA]",
        5,
        "only 4 of the 7 parties of `among` are obliged at assist or stronger, definite (FRA, GBR, POL, USA); at least 5 required",
    );
}
