//! Facts stated for one treaty or one clause (`treaty_facts`, `invoked`): evaluation, the
//! reference evaluator, `--explain`, the verdict's `depends_on`, errors, and what `casus
//! verify` covers. One line per case: a scenario and the sources expected for each party.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use casus::reference::{Reference, engine_hits};
use casus::verify::{Outcome, Properties, VerifyOptions};
use casus::{Engine, RuleSet, Scenario, ScenarioError};

/// Two treaties among AAA, BBB, CCC that both wait on the target's request: `alpha` (all
/// three; a consultation clause and a diplomatic one) and `beta` (AAA and BBB; assistance).
const RULES: &str = r"
facts:
  - {id: hostile, description: The attacker is named as the treaty's adversary.}
parties:
  - {id: AAA, name: Aland}
  - {id: BBB, name: Bland}
  - {id: CCC, name: Cland}
  - {id: XXX, name: Xland}
treaties:
  - id: alpha
    name: Alpha Treaty
    in_force: 1950-01-01
    parties: [{party: AAA}, {party: BBB}, {party: CCC}]
    clauses:
      - id: art1
        citation: Art. 1
        trigger: {all: [{target: treaty_party}, {fact: requested}]}
        obligations: [{level: consult}]
      - id: art2
        citation: Art. 2
        trigger: {all: [{target: treaty_party}, {fact: requested}, {fact: hostile}]}
        obligations: [{level: diplomatic}]
  - id: beta
    name: Beta Treaty
    in_force: 1950-01-01
    parties: [{party: AAA}, {party: BBB}]
    clauses:
      - id: art1
        citation: Art. 1
        trigger: {all: [{event: armed_attack}, {target: treaty_party}, {fact: requested}]}
        obligations: [{level: assist}]
";

const BASE: &str = "date: 2020-01-01\nevent: armed_attack\nattacker: XXX\ntarget: AAA\n";

fn engine() -> Engine {
    RuleSet::from_yaml(RULES)
        .unwrap_or_else(|e| panic!("{}", e.diagnostics))
        .compile()
        .unwrap()
}

fn scenario(extra: &str) -> Scenario {
    Scenario::from_yaml(&format!("{BASE}{extra}")).unwrap_or_else(|e| panic!("{e}"))
}

/// `expected`: for each party, its strongest level, status and `depends_on`, then its sources
/// as `treaty/clause=level/status[deps]`, e.g. `BBB=assist/contingent[requested@beta]`.
fn check(extra: &str, expected: &[(&str, &str)]) {
    let e = engine();
    let s = scenario(extra);
    let v = e.evaluate(&s).unwrap();
    let deps = |d: &[String]| {
        if d.is_empty() {
            String::new()
        } else {
            format!("[{}]", d.join(","))
        }
    };
    for (party, want) in expected {
        let got = match v.party(party) {
            None => "-".to_string(),
            Some(p) => {
                let mut words = vec![format!("{}/{}{}", p.level, p.status.as_str(), deps(&p.depends_on))];
                for x in &p.sources {
                    words.push(format!(
                        "{}/{}={}/{}{}",
                        x.treaty,
                        x.clause,
                        x.level,
                        x.status.as_str(),
                        deps(&x.depends_on)
                    ));
                }
                words.join(" ")
            }
        };
        assert_eq!(&got, want, "{party} in scenario with\n{extra}");
    }
    // The reference evaluator, which resolves the facts of each clause its own way, agrees.
    let p = e.prepare(&s).unwrap();
    assert_eq!(engine_hits(&e, &p, None), Reference::new(&e).hits(&p, None), "{extra}");
}

#[test]
fn a_plain_fact_holds_for_every_treaty() {
    check(
        "facts: {requested: true, hostile: true}\n",
        &[
            (
                "BBB",
                "assist/definite alpha/art1=consult/definite alpha/art2=diplomatic/definite beta/art1=assist/definite",
            ),
            (
                "CCC",
                "diplomatic/definite alpha/art1=consult/definite alpha/art2=diplomatic/definite",
            ),
        ],
    );
    // Open, and stated for no treaty: named plainly, as before.
    check(
        "facts: {hostile: false}\n",
        &[(
            "BBB",
            "assist/contingent[requested] alpha/art1=consult/contingent[requested] beta/art1=assist/contingent[requested]",
        )],
    );
}

#[test]
fn invoking_one_treaty_is_no_request_under_another() {
    // France in 2015: TEU 42(7) invoked, NATO not. What the other treaty waits on names it.
    check(
        "invoked: [alpha]\nfacts: {hostile: false}\n",
        &[
            (
                "BBB",
                "assist/contingent[requested@beta] alpha/art1=consult/definite beta/art1=assist/contingent[requested@beta]",
            ),
            ("CCC", "consult/definite alpha/art1=consult/definite"),
        ],
    );
    // With the plain fact beside it: no request anywhere else.
    check(
        "invoked: [alpha]\nfacts: {requested: false, hostile: false}\n",
        &[
            ("BBB", "consult/definite alpha/art1=consult/definite"),
            ("CCC", "consult/definite alpha/art1=consult/definite"),
        ],
    );
    // The other way round: a request under beta only.
    check(
        "treaty_facts: {beta: {requested: true}}\nfacts: {requested: false}\n",
        &[("BBB", "assist/definite beta/art1=assist/definite"), ("CCC", "-")],
    );
}

#[test]
fn a_clause_statement_overrides_its_treaty_and_a_treaty_statement_the_plain_fact() {
    check(
        "facts: {requested: true}\ntreaty_facts:\n  alpha: {requested: false, hostile: true}\n  alpha/art2: {requested: true}\n",
        &[
            (
                "BBB",
                "assist/definite alpha/art2=diplomatic/definite beta/art1=assist/definite",
            ),
            ("CCC", "diplomatic/definite alpha/art2=diplomatic/definite"),
        ],
    );
    // Any fact, not only the request: `hostile` for alpha's Art. 2 alone.
    check(
        "facts: {requested: true, hostile: false}\ntreaty_facts: {alpha/art2: {hostile: true}}\n",
        &[(
            "CCC",
            "diplomatic/definite alpha/art1=consult/definite alpha/art2=diplomatic/definite",
        )],
    );
    // Open under one treaty, stated under another: the open one is named with its treaty.
    check(
        "treaty_facts: {alpha: {hostile: true, requested: true}}\n",
        &[(
            "BBB",
            "assist/contingent[requested@beta] alpha/art1=consult/definite alpha/art2=diplomatic/definite beta/art1=assist/contingent[requested@beta]",
        )],
    );
}

#[test]
fn explain_names_the_treaty_of_a_scoped_fact() {
    let e = engine();
    let v = e
        .evaluate_explained(&scenario("invoked: [alpha]\nfacts: {hostile: false}\n"))
        .unwrap();
    let trace = v
        .explanation
        .iter()
        .find(|t| t.treaty == "beta" && t.clause == "art1")
        .unwrap();
    let leaf = trace
        .trigger
        .children
        .iter()
        .find(|c| c.condition == "fact `requested`")
        .unwrap();
    assert_eq!(leaf.depends_on, vec!["requested@beta"]);
    assert_eq!(trace.trigger.depends_on, vec!["requested@beta"]);
    // Why CCC owes nothing under Art. 2: the fact, with the treaty it was stated for.
    let v = e
        .evaluate(&scenario(
            "invoked: [alpha]\nfacts: {requested: false, hostile: false}\n",
        ))
        .unwrap();
    let why = v
        .not_obligated
        .iter()
        .find(|n| n.party == "CCC" && n.treaty == "alpha" && n.clause.as_deref() == Some("art2"))
        .unwrap();
    assert_eq!(why.detail, "Art. 2: requires fact `hostile`; fact `hostile` is false");
    let why = v
        .not_obligated
        .iter()
        .find(|n| n.party == "BBB" && n.treaty == "beta")
        .unwrap();
    assert_eq!(
        why.detail,
        "Art. 1: requires fact `requested`; fact `requested` under beta is false"
    );
}

#[test]
fn a_scope_or_fact_that_names_nothing_is_an_error_with_a_suggestion() {
    let e = engine();
    let cases: [(&str, &str); 5] = [
        (
            "invoked: [alpah]\n",
            "unknown treaty `alpah` in the scenario's `invoked` (did you mean `alpha`?)",
        ),
        (
            "treaty_facts: {alpha/art3: {requested: true}}\n",
            "unknown clause `alpha/art3` in the scenario's `treaty_facts` (did you mean `alpha/art1`?)",
        ),
        (
            "treaty_facts: {beta: {requsted: true}}\n",
            "unknown fact `requsted` in the scenario's `treaty_facts` (did you mean `requested`?)",
        ),
        (
            "invoked: [gamma/art1]\n",
            "unknown treaty `gamma` in the scenario's `invoked`",
        ),
        (
            "invoked: [beta/art9]\n",
            "unknown clause `beta/art9` in the scenario's `invoked` (did you mean `beta/art1`?)",
        ),
    ];
    for (extra, want) in cases {
        let err = e.evaluate(&scenario(extra)).unwrap_err();
        assert!(matches!(err, ScenarioError::Unknown { .. }));
        assert_eq!(err.to_string(), want);
    }
    let err = Scenario::from_yaml(&format!(
        "{BASE}invoked: [beta]\ntreaty_facts: {{beta: {{requested: false}}}}\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("`beta` is in `invoked` but `treaty_facts` states `requested: false`"),
        "{err}"
    );
}

#[test]
fn verification_covers_facts_stated_alike_for_every_treaty() {
    let e = engine();
    // Assistance only under a request: verify finds it, with a counterexample that states the
    // fact for every treaty (its space has no treaty-scoped facts).
    let props = Properties::from_yaml(
        "properties:\n  - id: no-assist\n    require: {never: {level: assist}}\n",
        &e,
    )
    .unwrap();
    let report = casus::verify::verify(&e, &props, &VerifyOptions::default(), None).unwrap();
    assert_eq!(report.space.facts, 2);
    let r = &report.properties[0];
    assert_eq!(r.outcome, Outcome::Violated);
    let c = r.counterexample.as_ref().unwrap();
    assert!(c.scenario.treaty_facts.is_empty() && c.scenario.invoked.is_empty());
    let v = e.evaluate(&c.scenario).unwrap();
    assert!(v.obligations.iter().any(|o| o.level == casus::Level::Assist));
    // What it does not cover, as docs/verify.md says: a property whose scope reads the plain
    // fact holds over its space, and a scenario that states the fact otherwise for one treaty
    // falls outside it.
    let props = Properties::from_yaml(
        "properties:\n  - id: unrequested\n    scope: {not: {fact: requested}}\n    require: {never: {level: assist}}\n",
        &e,
    )
    .unwrap();
    let report = casus::verify::verify(&e, &props, &VerifyOptions::default(), None).unwrap();
    assert_eq!(report.properties[0].outcome, Outcome::Proven);
    let outside = e
        .evaluate(&scenario("facts: {requested: false}\ninvoked: [beta]\n"))
        .unwrap();
    assert_eq!(outside.party("BBB").unwrap().level, casus::Level::Assist);
}

#[test]
fn treaty_scoped_statements_are_bounded_like_the_parties_of_a_scenario() {
    let tight = casus::Limits {
        max_scenario_parties: 2,
        ..casus::Limits::default()
    };
    let text = format!("{BASE}invoked: [alpha, beta, alpha/art1]\n");
    let err = Scenario::from_yaml_with(&text, &tight).unwrap_err().to_string();
    assert!(
        err.contains("`invoked` lists 3 treaties or clauses, over the limit of 2"),
        "{err}"
    );
    let text =
        format!("{BASE}treaty_facts: {{alpha: {{requested: true, hostile: true}}, beta: {{requested: false}}}}\n");
    let err = Scenario::from_yaml_with(&text, &tight).unwrap_err().to_string();
    assert!(
        err.contains("`treaty_facts` lists 3 facts, over the limit of 2"),
        "{err}"
    );
}
