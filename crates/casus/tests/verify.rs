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
#[cfg_attr(not(feature = "proptest"), ignore = "sampling needs the `proptest` feature")]
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
    for d in ["a", "b", "c", "d"] {
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
        assert!(
            g.old.level.map(casus::Level::rank) > g.new.level.map(casus::Level::rank) || g.new.level.is_none(),
            "{g:?}"
        );
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
    let table = casus::verify::render_diff(&d, casus::table::Width::default());
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

/// A copy of draft A that changes only the forms (intelligence only, air and naval forces
/// excluded) and the deadline (30 days instead of 24 hours): the diff names both, and nothing
/// else, for every guarantor.
#[test]
fn diff_reports_changes_of_forms_and_deadline() {
    let a = engine(&root().join("rules/drafts/ukraine-coalition-a"));
    let copy = engine(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/draft-a-forms-deadline"));
    let d = casus::verify::diff(&a, &copy, &Default::default(), None).unwrap();
    assert!(d.changed > 0);
    use casus::verify::Aspect;
    let mut parties = std::collections::BTreeSet::new();
    for g in &d.groups {
        assert_eq!(g.changes, [Aspect::Forms, Aspect::Deadline], "{g:?}");
        assert_eq!(g.old.level, g.new.level, "{g:?}");
        // The deadline is the first stage's, the decision on a joint response.
        let first = |c: &casus::verify::Change| c.stages.first().and_then(|s| s.deadline.clone());
        assert_eq!(first(&g.old).as_deref(), Some("within 24 hours"), "{g:?}");
        assert_eq!(first(&g.new).as_deref(), Some("within 30 days"), "{g:?}");
        assert_eq!(g.new.forms.allowed, [casus::Form::Intelligence]);
        assert_eq!(
            g.new.forms.excluded,
            [
                casus::Form::AirPower,
                casus::Form::NavalForces,
                casus::Form::GroundTroops
            ]
        );
        assert!(g.old.forms.allowed.contains(&casus::Form::ArmedForce));
        assert_eq!(g.new.toward, ["UKR"]);
        parties.insert(g.party.as_str());
    }
    assert_eq!(parties.len(), 19, "every guarantor: {parties:?}");
    let table = casus::verify::render_diff(&d, casus::table::Width::wide(true));
    assert!(table.contains("forms, deadline"), "{table}");
    assert!(
        table.contains(
            "allowed: intelligence; excluded: air_power naval_forces ground_troops; stages: 1/2 consult within 30 days, 2/2 assist (no deadline)"
        ),
        "{table}"
    );
}

/// "No guarantor's obligation allows ground troops" holds on the three drafts (A and B name
/// only other forms, C excludes them) and fails on a copy of A whose forms allow them; the
/// old requirement on *required* forms passes on that copy too.
#[test]
fn no_obligation_allows_ground_troops_except_on_a_copy_that_allows_them() {
    let text = "
properties:
  - id: no-ground-troops
    treaty: [ukraine_coalition_a, ukraine_coalition_b, ukraine_coalition_c]
    scope: {target: {is: UKR}}
    require:
      forms: {under: treaty, not_allowed: [ground_troops]}
  - id: never-required
    scope: {target: {is: UKR}}
    require:
      never: {forms: [ground_troops]}
";
    let check = |rules: &Path| {
        let e = engine(rules);
        let p = Properties::from_yaml(text, &e).unwrap();
        casus::verify::verify(&e, &p, &VerifyOptions::default(), None).unwrap()
    };
    for d in ["a", "b", "c"] {
        let r = check(&root().join(format!("rules/drafts/ukraine-coalition-{d}")));
        assert_eq!(prop(&r, "no-ground-troops").outcome, Outcome::Proven, "draft {d}");
    }
    let r = check(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/draft-a-ground-troops"));
    let bad = prop(&r, "no-ground-troops");
    assert_eq!(bad.outcome, Outcome::Violated);
    let why = &bad.counterexample.as_ref().unwrap().why;
    assert!(
        why.contains("under ukraine_coalition_a/guarantee, which allows ground_troops"),
        "{why}"
    );
    assert_eq!(prop(&r, "never-required").outcome, Outcome::Proven);
}

/// Deadlines and the forms an obligation must allow, require or exclude, on the example
/// library: Art. 5 names no deadline and no forms.
#[test]
fn requirements_on_deadlines_and_forms() {
    let e = RuleSet::from_yaml(casus::doc_example()).unwrap().compile().unwrap();
    let check = |require: &str| {
        let text = format!("properties:\n  - id: p\n    require: {require}\n");
        let p = Properties::from_yaml(&text, &e).unwrap();
        let r = casus::verify::verify(&e, &p, &VerifyOptions::default(), None).unwrap();
        let p = &r.properties[0];
        (
            p.outcome,
            p.counterexample.as_ref().map(|c| c.why.clone()).unwrap_or_default(),
        )
    };
    let (o, why) = check("{deadline: {within: {hours: 24}}}");
    assert_eq!(o, Outcome::Violated);
    assert!(
        why.ends_with("which has no deadline (required: within 24 hours)"),
        "{why}"
    );
    let (o, why) = check("{forms: {parties: [USA], excluded: [ground_troops]}}");
    assert_eq!(o, Outcome::Violated);
    assert!(
        why.starts_with("USA owes") && why.ends_with("which does not exclude ground_troops"),
        "{why}"
    );
    // Art. 5 allows armed force: air power, naval forces and ground troops with it.
    assert_eq!(
        check("{forms: {allowed: [ground_troops, air_power]}}").0,
        Outcome::Proven
    );
    let (o, why) = check("{forms: {allowed: [weapons]}}");
    assert_eq!(o, Outcome::Violated);
    assert!(why.ends_with("which does not allow weapons"), "{why}");
    let (o, why) = check("{forms: {not_allowed: [ground_troops]}}");
    assert_eq!(o, Outcome::Violated);
    assert!(why.ends_with("which allows ground_troops"), "{why}");
    // Naming no forms leaves every form open.
    let text = casus::doc_example().replace("            forms: {allowed: [armed_force]}\n", "");
    let open = RuleSet::from_yaml(&text).unwrap().compile().unwrap();
    let p = Properties::from_yaml(
        "properties:\n  - id: p\n    require: {forms: {not_allowed: [ground_troops]}}\n",
        &open,
    )
    .unwrap();
    let r = casus::verify::verify(&open, &p, &VerifyOptions::default(), None).unwrap();
    let why = &r.properties[0].counterexample.as_ref().unwrap().why;
    assert!(why.ends_with("(it names no forms, so leaves every form open)"), "{why}");
    let (o, _) = check("{obliged: {at_least: 1, level: assist, status: any, within: {days: 2}}}");
    assert_eq!(o, Outcome::Violated);
}

/// An obligation that waits on a fact, and so is contingent where the fact is open.
const ASKED: &str = "
tags:
  - {id: europe, description: Europe.}
facts:
  - {id: asked, description: Help is asked for.}
parties:
  - {id: AAA, name: A, territory_tags: [europe]}
  - {id: BBB, name: B, territory_tags: [europe]}
treaties:
  - id: pact
    name: Pact
    in_force: 2000-01-01
    parties: [{party: AAA}, {party: BBB}]
    clauses:
      - id: art1
        citation: Art. 1
        trigger: {all: [{target: treaty_party}, {event: armed_attack}]}
        obligations:
          - level: assist
            forms: {allowed: [economic]}
            when: {fact: asked}
";

/// A requirement on definite obligations only still waits on the contingent ones: the walk
/// splits on the fact they wait on, and finds the scenario where one becomes definite.
#[test]
fn a_requirement_on_definite_obligations_sees_a_contingent_one_become_definite() {
    let e = RuleSet::from_yaml(ASKED).unwrap().compile().unwrap();
    let check = |require: &str, outcome: Outcome, violating: u128, why: &str, facts: &str| {
        let text = format!("properties:\n  - id: p\n    require: {require}\n");
        let p = Properties::from_yaml(&text, &e).unwrap();
        let r = casus::verify::verify(&e, &p, &VerifyOptions::default(), None).unwrap();
        let p = &r.properties[0];
        assert_eq!((p.outcome, p.violations), (outcome, violating), "{require}");
        let c = p.counterexample.as_ref();
        assert_eq!(c.map(|c| c.why.as_str()).unwrap_or_default(), why, "{require}");
        let yaml = c.map(|c| serde_json::to_string(&c.scenario.facts).unwrap());
        assert_eq!(yaml.unwrap_or_default(), facts, "{require}");
    };
    let definite = "BBB owes assist (definite) toward AAA under pact/art1, which does not require armed_force";
    let contingent = "BBB owes assist (contingent) toward AAA under pact/art1, which does not require armed_force";
    check(
        "{forms: {level: assist, status: definite, required: [armed_force]}}",
        Outcome::Violated,
        1800,
        definite,
        r#"{"asked":true}"#,
    );
    check(
        "{forms: {level: assist, required: [armed_force]}}",
        Outcome::Violated,
        3600,
        contingent,
        "{}",
    );
    check(
        "{forms: {level: assist, status: definite, allowed: [economic]}}",
        Outcome::Proven,
        0,
        "",
        "",
    );
}

#[test]
fn bad_requirements_are_errors_with_help() {
    let e = RuleSet::from_yaml(casus::doc_example()).unwrap().compile().unwrap();
    for (require, says) in [
        ("{deadline: {within: {hours: 24, days: 1}}}", "either `hours` or `days`"),
        ("{forms: {level: assist}}", "names no form"),
        (
            "{forms: {under: [natoo], excluded: [ground_troops]}}",
            "none of the treaties [natoo]",
        ),
    ] {
        let text = format!("properties:\n  - id: p\n    require: {require}\n");
        let err = Properties::from_yaml(&text, &e).unwrap_err();
        let all: String = err.diagnostics.items().iter().map(casus::Diagnostic::render).collect();
        assert!(all.contains(says), "{require}: {all}");
    }
}

/// Draft D holds what its drafting team requires (Belarus, the guarantors' forces in Ukraine,
/// a decision within 24 hours, Ukraine owing an attacked guarantor nothing); the same text
/// with `obligated: others` makes Ukraine owe the attacked guarantor, and the property says so.
#[test]
fn draft_d_and_the_obligated_others_slip() {
    let props = root().join("examples/properties/ukraine-d.yaml");
    let (_, r) = verify(&root().join("rules/drafts/ukraine-coalition-d"), &props);
    for p in &r.properties {
        assert_eq!(p.outcome, Outcome::Proven, "{}", p.id);
    }
    let dir = std::env::temp_dir().join(format!("casus-draft-d-others-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(root().join("rules/drafts/ukraine-coalition-d/guarantee.yaml")).unwrap();
    let named = "obligated: [GBR, FRA, DEU, ITA, POL, CAN, NLD, DNK, NOR, SWE, FIN, EST, LVA, LTU, BEL, ESP, PRT, TUR]";
    assert!(text.contains(named));
    std::fs::write(dir.join("guarantee.yaml"), text.replace(named, "obligated: others")).unwrap();
    let rules = root().join("rules").canonicalize().unwrap();
    std::fs::write(
        dir.join("ruleset.yaml"),
        format!("name: D with obligated others\nextends: ['{}']\n", rules.display()),
    )
    .unwrap();
    // The copy lives in a temporary folder: the library it extends is allowed explicitly.
    let limits = casus::Limits {
        allow_outside: vec![rules],
        ..casus::Limits::default()
    };
    let e = RuleSet::load_with(std::slice::from_ref(&dir), &limits)
        .unwrap()
        .compile()
        .unwrap();
    let p = Properties::load(&props, &e).unwrap();
    let r = casus::verify::verify(&e, &p, &VerifyOptions::default(), None).unwrap();
    let slip = prop(&r, "ukraine-owes-guarantors-nothing");
    assert_eq!(slip.outcome, Outcome::Violated);
    let why = &slip.counterexample.as_ref().unwrap().why;
    assert!(why.starts_with("UKR owes consult"), "{why}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A scope that counts several attackers lies beyond the exhaustive walk (one attacker per
/// scenario): it was reported "vacuous" though sampling finds a violation. Now it is sampled,
/// and when sampling finds nothing it is "not checked exhaustively", never proven or vacuous.
#[test]
#[cfg_attr(not(feature = "proptest"), ignore = "sampling needs the `proptest` feature")]
fn a_scope_of_several_attackers_is_sampled_not_called_vacuous() {
    let e = RuleSet::from_yaml(casus::doc_example()).unwrap().compile().unwrap();
    let p = Properties::from_yaml(
        "
properties:
  - id: two-attackers-never-assist
    scope: {attackers: {at_least: 2, that: state}}
    require: {never: {level: assist}}
  - id: two-attackers-never-military
    scope: {attackers: {at_least: 2, that: state}}
    require: {never: {level: military}}
",
        &e,
    )
    .unwrap();
    let r = casus::verify::verify(&e, &p, &VerifyOptions::default(), None).unwrap();
    let assist = prop(&r, "two-attackers-never-assist");
    assert_eq!(assist.outcome, Outcome::Violated);
    assert_eq!(assist.mode, casus::verify::Mode::Sampled);
    let c = assist.counterexample.as_ref().unwrap();
    assert!(c.scenario.attackers().is_some_and(|a| a.len() >= 2), "{:?}", c.scenario);
    let military = prop(&r, "two-attackers-never-military");
    assert_eq!(military.outcome, Outcome::NotCheckedExhaustively);
    assert_eq!(military.outcome.as_str(), "not checked exhaustively");
    assert!(
        military
            .notes
            .iter()
            .any(|n| n.contains("sampled instead, 10000 random scenarios")),
        "{:?}",
        military.notes
    );
    assert!(r.any_unsettled());
    assert!(!r.all_hold());
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["properties"][1]["outcome"], "not_checked_exhaustively");
}

/// Fourteen facts, each obliging one party, and a property that needs seven of them: every
/// class waits on every fact (3^14 evaluations each). The walk stops at its budget with an
/// error that names the limit, how far it got and how to raise it.
fn fourteen_facts() -> (Engine, Properties) {
    open_facts(14, 7)
}

/// `n` facts, each obliging one party, and a property that needs `at_least` of them.
fn open_facts(n: usize, at_least: usize) -> (Engine, Properties) {
    let mut y = String::from("parties:\n  - {id: TGT, name: Target}\n");
    for i in 0..n {
        y.push_str(&format!("  - {{id: P{i:02}, name: Party {i}}}\n"));
    }
    y.push_str("facts:\n");
    for i in 0..n {
        y.push_str(&format!("  - {{id: f{i:02}, description: Fact {i}.}}\n"));
    }
    y.push_str(
        "treaties:\n  - id: pact\n    name: Pact\n    in_force: 2000-01-01\n    parties:\n      - {party: TGT}\n",
    );
    for i in 0..n {
        y.push_str(&format!("      - {{party: P{i:02}}}\n"));
    }
    y.push_str("    clauses:\n");
    for i in 0..n {
        y.push_str(&format!(
            "      - {{id: c{i:02}, citation: Art. {i}, trigger: {{all: [{{target: {{is: TGT}}}}, {{fact: f{i:02}}}]}}, obligations: [{{level: assist, obligated: [P{i:02}]}}]}}\n"
        ));
    }
    let e = RuleSet::from_yaml(&y).unwrap().compile().unwrap();
    let p = Properties::from_yaml(
        &"properties:\n  - id: seven\n    scope: {target: {is: TGT}}\n    require: {obliged: {at_least: AT_LEAST, level: assist}}\n"
            .replace("AT_LEAST", &at_least.to_string()),
        &e,
    )
    .unwrap();
    (e, p)
}

#[test]
fn a_walk_over_too_many_open_facts_stops_at_its_budget() {
    let (e, p) = fourteen_facts();
    let opts = VerifyOptions {
        max_evaluations: 20_000,
        ..VerifyOptions::default()
    };
    let err = casus::verify::verify(&e, &p, &opts, None).unwrap_err().to_string();
    assert!(
        err.starts_with("verify stopped: 20000 classes of scenarios evaluated with "),
        "{err}"
    );
    assert!(err.contains("(target, event, attacker) jobs done"), "{err}");
    assert!(
        err.contains("over the limit of 20000 evaluations (max_evaluations)"),
        "{err}"
    );
    assert!(err.contains("--max-evaluations N"), "{err}");
}

#[test]
fn a_ring_of_many_parties_stops_before_the_walk() {
    // 3 000 parties, each bound to its neighbour: 3 000 targets, each to be told apart from
    // 3 000 attackers and places, before a single evaluation.
    let n = 3000;
    let mut y = String::from("parties:\n");
    for i in 0..n {
        y.push_str(&format!("  - {{id: R{i:04}, name: Ring {i}}}\n"));
    }
    y.push_str("treaties:\n");
    for i in 0..n {
        let j = (i + 1) % n;
        y.push_str(&format!(
            "  - {{id: t{i:04}, name: Link {i}, in_force: 2000-01-01, parties: [{{party: R{i:04}}}, {{party: R{j:04}}}], clauses: [{{id: c, citation: Art. 1, trigger: {{target: treaty_party}}, obligations: [{{level: assist}}]}}]}}\n"
        ));
    }
    let e = RuleSet::from_yaml(&y).unwrap().compile().unwrap();
    let p = Properties::from_yaml(
        "properties:\n  - id: any\n    require: {never: {level: military}}\n",
        &e,
    )
    .unwrap();
    let opts = VerifyOptions {
        max_evaluations: 1_000_000,
        ..VerifyOptions::default()
    };
    let err = casus::verify::verify(&e, &p, &opts, None).unwrap_err().to_string();
    assert!(
        err.starts_with("verify stopped: nothing evaluated: preparing the walk takes "),
        "{err}"
    );
    assert!(
        err.contains("over the limit of 1000000 evaluations (max_evaluations)"),
        "{err}"
    );
    let d = casus::verify::diff(
        &e,
        &e,
        &casus::verify::DiffOptions {
            max_evaluations: 1_000_000,
            ..Default::default()
        },
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(d.starts_with("diff stopped: nothing evaluated"), "{d}");
    assert!(d.contains("(--target, --party)"), "{d}");
}

/// (ext) Whose mission the forces hit served is a dimension of the walk when a condition reads
/// it: unknown, no treaty's, and each treaty named. A property about the reassurance force is
/// proven; one about any forces is violated by national forces, and the counterexample says so.
#[test]
fn the_walk_covers_whose_mission_the_forces_served() {
    let rules = "
parties:
  - {id: AAA, name: Aland}
  - {id: BBB, name: Bland}
  - {id: XXX, name: Xland}
treaties:
  - id: pact
    name: Pact
    in_force: 2000-01-01
    parties: [{party: AAA}, {party: BBB}]
    clauses:
      - id: art1
        citation: Art. 1
        trigger: {all: [{event: armed_attack}, {on: forces}, {deployed_under: treaty}]}
        obligations: [{level: assist}]
";
    let e = RuleSet::from_yaml(rules).unwrap().compile().unwrap();
    let text = "
properties:
  - id: mission-covered
    scope: {all: [{target: {is: AAA}}, {attacker: {is: XXX}}, {event: armed_attack}, {on: forces}, {deployed_under: pact}, {date: {from: 2000-01-01}}]}
    require: {obliged: {at_least: 1, level: assist}}
  - id: any-forces
    scope: {all: [{target: {is: AAA}}, {attacker: {is: XXX}}, {event: armed_attack}, {on: forces}, {date: {from: 2000-01-01}}]}
    require: {obliged: {at_least: 1, level: assist, status: any}}
";
    let p = Properties::from_yaml(text, &e).unwrap();
    let r = casus::verify::verify(&e, &p, &VerifyOptions::default(), None).unwrap();
    assert_eq!(r.space.deployed_under, 3, "unknown, none, pact");
    let covered = prop(&r, "mission-covered");
    assert_eq!(covered.outcome, Outcome::Proven, "{:?}", covered.counterexample);
    let bad = prop(&r, "any-forces");
    assert_eq!(bad.outcome, Outcome::Violated);
    let c = bad.counterexample.as_ref().unwrap();
    assert_eq!(
        c.scenario.deployed_under.as_deref(),
        Some("none"),
        "{}: {:?}",
        c.why,
        c.scenario
    );
    // A property names a treaty of the rule set.
    let err = Properties::from_yaml(
        "properties:\n  - id: p\n    scope: {deployed_under: pakt}\n    require: {obliged: {at_least: 1}}\n",
        &e,
    )
    .err()
    .unwrap();
    let err: String = err.diagnostics.items().iter().map(casus::Diagnostic::render).collect();
    assert!(
        err.contains("unknown treaty `pakt`") && err.contains("did you mean `pact`?"),
        "{err}"
    );
}

/// Issue 14, item 13: a property over fourteen open facts spent minutes inside one job, and
/// progress counted whole jobs only. `VerifyOptions::progress` counts inside a job: a walk
/// stopped part of the way through its jobs has counted a part of a job.
#[test]
fn progress_moves_inside_one_long_job() {
    use casus::verify::WalkProgress;
    let (e, p) = open_facts(9, 5);
    let counter = std::sync::Arc::new(WalkProgress::default());
    let opts = VerifyOptions {
        max_evaluations: 30_000,
        progress: Some(counter.clone()),
        ..VerifyOptions::default()
    };
    assert!(
        casus::verify::verify(&e, &p, &opts, None).is_err(),
        "the budget stops the walk"
    );
    let (done, total) = (counter.done(), counter.total());
    assert_eq!(counter.walk(), 1);
    assert!(0 < done && done < total, "{done} of {total}");
    assert_ne!(done % WalkProgress::JOB, 0, "part of a job is counted: {done}");
}

/// The progress of a walk never goes back, and reaches its total exactly when the walk ends,
/// for every property of `verify` and for `diff`; the reports are the same with and without it.
#[test]
fn progress_is_monotone_and_reaches_the_total() {
    use casus::verify::{DiffOptions, WalkProgress};
    use std::sync::atomic::{AtomicBool, Ordering};
    let watch = |run: &dyn Fn(Option<std::sync::Arc<WalkProgress>>)| {
        let counter = std::sync::Arc::new(WalkProgress::default());
        let stop = AtomicBool::new(false);
        let seen = std::thread::scope(|s| {
            let reader = s.spawn(|| {
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    seen.push((counter.walk(), counter.done(), counter.total()));
                    std::thread::yield_now();
                }
                seen
            });
            run(Some(counter.clone()));
            stop.store(true, Ordering::Relaxed);
            reader.join().unwrap()
        });
        for w in seen.windows(2) {
            let ((wa, da, ta), (wb, db, tb)) = (w[0], w[1]);
            assert!(wb >= wa, "walks go forward: {w:?}");
            if wa == wb && ta == tb {
                assert!(db >= da, "never back within a walk: {w:?}");
            }
        }
        assert!(counter.total() > 0);
        assert_eq!(counter.done(), counter.total());
        counter.walk()
    };
    let (e, p) = open_facts(7, 4);
    let quiet = casus::verify::verify(&e, &p, &VerifyOptions::default(), None).unwrap();
    let walks = watch(&|progress| {
        let opts = VerifyOptions {
            progress,
            ..VerifyOptions::default()
        };
        assert_eq!(casus::verify::verify(&e, &p, &opts, None).unwrap(), quiet);
    });
    assert_eq!(walks, 1);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken-guarantee");
    let e = engine(&dir.join("rules"));
    let p = Properties::load(dir.join("properties.yaml"), &e).unwrap();
    let walks = watch(&|progress| {
        let opts = VerifyOptions {
            progress,
            ..VerifyOptions::default()
        };
        casus::verify::verify(&e, &p, &opts, None).unwrap();
    });
    assert_eq!(walks, p.properties.len() as u64);
    let old = RuleSet::from_yaml(casus::doc_example()).unwrap().compile().unwrap();
    let text = casus::doc_example().replace("- {party: EST, joined: 2004-03-29}", "");
    let new = RuleSet::from_yaml(&text).unwrap().compile().unwrap();
    let quiet = casus::verify::diff(&old, &new, &DiffOptions::default(), None).unwrap();
    let walks = watch(&|progress| {
        let opts = DiffOptions {
            progress,
            ..DiffOptions::default()
        };
        assert_eq!(casus::verify::diff(&old, &new, &opts, None).unwrap(), quiet);
    });
    assert_eq!(walks, 1);
}
