//! `casus::brief`: the rows a brief derives from a rule set, what each says, and its errors,
//! on a small rule set written here (the shipped drafts are the CLI's snapshots).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use casus::brief::{BriefError, BriefOptions, Named, brief};
use casus::{Engine, RuleSet, When};

/// A guarantee for `LND` against `BIG` or from `NBR`'s territory, consult within 24 hours
/// then assist, led by `ONE`; `LND-OCC` is held by `BIG`; `FAR` is bound by nothing.
const GUARANTEE: &str = r#"
parties:
  - {id: LND, name: Land}
  - {id: BIG, name: "Big <Power> & Co"}
  - {id: NBR, name: Neighbour}
  - {id: ONE, name: One}
  - {id: TWO, name: Two}
  - {id: FAR, name: Faraway}
territories:
  - id: LND-OCC
    name: Land (occupied part)
    within: LND
    sovereign: LND
    controller:
      - {party: BIG, from: 2020-01-01}
treaties:
  - id: pact
    name: The Pact
    status: draft
    in_force: 2026-06-01
    parties: [{party: LND}, {party: ONE}, {party: TWO}]
    clauses:
      - id: art1
        citation: Art. 1
        trigger:
          all:
            - event: armed_attack
            - any:
                - attacker: {is: [BIG]}
                - launched_from: {controller: {is: [NBR]}}
            - target: {is: [LND]}
            - location: {controller: target}
        obligations:
          - level: consult
            obligated: [ONE, TWO]
            lead: [ONE]
            toward: target
            forms: {allowed: [consultation]}
            deadline: {within_hours: 24}
            then:
              - level: assist
                forms: {allowed: [weapons], excluded: [ground_troops]}
"#;

fn engine(yaml: &str) -> Engine {
    RuleSet::from_yaml(yaml).unwrap().compile().unwrap()
}

fn named(e: &Engine) -> Named<'_> {
    Named {
        engine: e,
        name: "pact",
    }
}

/// One line per row and obliged group: `where | attackers | parties | level | by when`.
fn lines(b: &casus::brief::Brief) -> Vec<String> {
    let mut out = Vec::new();
    for r in &b.rows {
        if r.obliged.is_empty() {
            out.push(format!("{} | {} | nobody", r.place, r.attackers.join("; ")));
        }
        for g in &r.obliged {
            out.push(format!(
                "{} | {} | {} (lead {}) | {} {} | {} | {}",
                r.place,
                r.attackers.join("; "),
                g.parties.join(" "),
                g.lead.join(" "),
                g.level,
                g.status.as_str(),
                g.forms,
                g.by_when
            ));
        }
    }
    out
}

fn check(yaml: &str, options: &BriefOptions, expected: &[&str]) {
    let e = engine(yaml);
    let b = brief(named(&e), None, None, options).unwrap();
    assert_eq!(lines(&b), expected);
}

#[test]
fn the_rows_come_from_the_rule_set() {
    // The target (the one party the draft never obliges), the date (its entry into force),
    // the place groups (held, occupied, launched from NBR), the attackers (BIG named, another
    // state, a non-state actor), the stages and the lead.
    let staged = "consult within 24 hours, then assist (no deadline)";
    let assist = format!("(lead ONE) | assist definite | allowed: weapons; excluded: ground_troops | {staged}");
    check(
        GUARANTEE,
        &BriefOptions::default(),
        &[
            &format!("territory Land controls (LND) | Big <Power> & Co | ONE TWO {assist}"),
            // Launched from where? Left open, the answer waits on it.
            &format!(
                "territory Land controls (LND) | another state (e.g. Faraway); a non-state actor | ONE TWO {}",
                assist.replace("definite", "contingent")
            ),
            "Land's territory held by Big <Power> & Co (LND-OCC) | Big <Power> & Co; another state (e.g. Faraway); a non-state actor | nobody",
            &format!(
                "Land's territory, attack launched from Neighbour's | Big <Power> & Co; another state (e.g. Faraway); a non-state actor | ONE TWO {assist}"
            ),
        ],
    );
}

#[test]
fn the_options_choose_the_date_the_target_and_more_attackers() {
    // Before the entry into force, nobody is obliged; NBR added as an attacker.
    let before = BriefOptions {
        date: Some(When::parse("2026-01-01").unwrap()),
        attackers: vec!["NBR".into()],
        ..BriefOptions::default()
    };
    let e = engine(GUARANTEE);
    let b = brief(named(&e), None, None, &before).unwrap();
    assert_eq!(b.date.to_string(), "2026-01-01");
    assert!(b.rows.iter().all(|r| r.obliged.is_empty()));
    assert!(b.rows.iter().any(|r| r.attackers.contains(&"Neighbour".to_string())));
    // Another target: ONE's own territory is not covered.
    let one = BriefOptions {
        target: Some("ONE".into()),
        ..BriefOptions::default()
    };
    let b = brief(named(&e), None, None, &one).unwrap();
    assert_eq!(b.target, "ONE");
    assert!(b.rows.iter().all(|r| r.obliged.is_empty()));
}

#[test]
fn mistakes_are_named() {
    let e = engine(GUARANTEE);
    let err = |o: BriefOptions| brief(named(&e), None, None, &o).unwrap_err().to_string();
    assert_eq!(
        err(BriefOptions {
            target: Some("LDN".into()),
            ..BriefOptions::default()
        }),
        "unknown party `LDN`; did you mean `LND`?"
    );
    // No draft treaty: neither the target nor the date can be chosen.
    let plain = engine(casus::doc_example());
    let e2 = |o: BriefOptions| brief(named(&plain), None, None, &o).unwrap_err();
    assert!(matches!(e2(BriefOptions::default()), BriefError::NoTarget { .. }));
    let no_date = e2(BriefOptions {
        target: Some("EST".into()),
        ..BriefOptions::default()
    });
    assert!(no_date.to_string().contains("--date YYYY-MM-DD"), "{no_date}");
}

#[test]
fn the_html_escapes_every_name_and_fetches_nothing() {
    let e = engine(GUARANTEE);
    let b = brief(named(&e), None, None, &BriefOptions::default()).unwrap();
    let html = b.to_html();
    assert!(html.contains("Big &lt;Power&gt; &amp; Co"), "{html}");
    assert!(!html.contains("<Power>"));
    for banned in ["<script", "http://", "https://", "src=", "@import"] {
        assert!(!html.contains(banned), "{banned}");
    }
    let md = b.to_markdown();
    assert!(md.contains("Big &lt;Power&gt; &amp; Co"), "{md}");
    // Rerun: byte-identical.
    let again = brief(named(&e), None, None, &BriefOptions::default()).unwrap();
    assert_eq!(again.to_html(), html);
    assert_eq!(again.to_markdown(), md);
}

#[test]
fn a_comparison_names_what_changes() {
    // The same pact without the stages: the deadline and the stages change for ONE and TWO.
    let other_yaml = GUARANTEE.replace(
        "            deadline: {within_hours: 24}\n            then:\n              - level: assist\n                forms: {allowed: [weapons], excluded: [ground_troops]}\n",
        "",
    );
    let (a, b) = (engine(GUARANTEE), engine(&other_yaml));
    let brief = brief(
        named(&a),
        None,
        Some(Named {
            engine: &b,
            name: "consult only",
        }),
        &BriefOptions::default(),
    )
    .unwrap();
    let d = brief.differences.unwrap();
    assert_eq!(d.against, "consult only");
    assert!(d.changed > 0);
    let first = d.rows.iter().find(|r| r.attacker == "BIG").unwrap();
    assert_eq!(first.parties, ["ONE", "TWO"]);
    assert_eq!(
        first.here,
        "assist (definite): consult within 24 hours, then assist (no deadline); allowed: weapons; excluded: ground_troops"
    );
    assert_eq!(first.there, "consult (definite); allowed: consultation");
}

#[test]
fn a_failing_property_comes_with_its_counterexample() {
    let e = engine(GUARANTEE);
    let props = casus::verify::Properties::from_yaml(
        r"
properties:
  - id: two-assist
    description: Any armed attack on Land obliges two parties to assist.
    scope:
      all:
        - event: armed_attack
        - target: {is: LND}
        - date: {from: 2026-06-01}
    require:
      obliged: {at_least: 2, level: assist}
  - id: lead-consults
    scope: {target: {is: LND}}
    require:
      never: {parties: [LND], level: consult}
",
        &e,
    )
    .unwrap();
    let b = brief(named(&e), Some(&props), None, &BriefOptions::default()).unwrap();
    let p = &b.properties;
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].id, "two-assist");
    assert_eq!(p[0].outcome, casus::verify::Outcome::Violated);
    let detail = p[0].detail.as_deref().unwrap();
    assert!(detail.contains("; for example 2026-06-01: armed_attack"), "{detail}");
    assert!(detail.contains(" on LND"), "{detail}");
    assert_eq!(p[1].outcome, casus::verify::Outcome::Proven);
    assert_eq!(p[1].detail, None);
    let md = b.to_markdown();
    assert!(
        md.contains("| two-assist | FAILS | Any armed attack on Land obliges two parties to assist. — "),
        "{md}"
    );
}
