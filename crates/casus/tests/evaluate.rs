//! Evaluation semantics, one line per case: a scenario against a small rule set, and the level
//! and status expected for each named party (`-` for no obligation).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use casus::{Level, Reason, RuleSet, Scenario};

const WORLD: &str = r"
tags:
  - {id: europe, description: Europe.}
  - {id: pacific, description: The Pacific.}
  - {id: island, description: An island.}
  - {id: sea, description: A sea area.}
facts:
  - {id: state_of_war, description: The target is in a state of war.}
parties:
  - {id: AAA, name: Aland, territory_tags: [europe]}
  - {id: BBB, name: Bland, territory_tags: [europe]}
  - {id: CCC, name: Cland, territory_tags: [europe]}
  - {id: DDD, name: Dland, territory_tags: [pacific]}
  - {id: XXX, name: Xland, territory_tags: [europe]}
  - {id: YYY, name: Yland}
  - {id: ORG, name: Organization, kind: organization, members: [{party: AAA}, {party: BBB, joined: 2000-01-01}]}
territories:
  - {id: AAA-I, name: Aland Island, sovereign: AAA, tags: [pacific, island]}
  - {id: AAA-OCC, name: Occupied Aland, sovereign: AAA, controller: [{party: XXX, from: 2014-02-27}], tags: [europe]}
  - {id: AAA-ADM, name: Administered, sovereign: AAA, administrator: [{party: BBB, to: 1972-05-15}, {party: AAA, from: 1972-05-15}], tags: [pacific]}
areas:
  - {id: north_sea, name: North Sea, tags: [sea, europe]}
";

fn rules(treaties: &str) -> casus::Engine {
    let text = format!("{WORLD}\n{treaties}");
    match RuleSet::from_yaml(&text) {
        Ok(r) => r.compile().unwrap_or_else(|e| panic!("{e}")),
        Err(e) => panic!("{}", e.diagnostics),
    }
}

/// A treaty among AAA, BBB, CCC (CCC from 2004-03-29) whose one clause has `trigger` and
/// obliges the others to assist.
fn alliance(trigger: &str) -> casus::Engine {
    rules(&format!(
        r"
treaties:
  - id: pact
    name: Pact
    in_force: 1950-01-01
    parties: [{{party: AAA}}, {{party: BBB}}, {{party: CCC, joined: 2004-03-29}}]
    clauses:
      - id: art1
        citation: Art. 1
        trigger: {trigger}
        obligations: [{{level: assist}}]
"
    ))
}

fn verdict(engine: &casus::Engine, scenario: &str) -> casus::Verdict {
    let s = Scenario::from_yaml(scenario).unwrap_or_else(|e| panic!("{e}"));
    engine.evaluate(&s).unwrap_or_else(|e| panic!("{e}"))
}

/// `expected`: `PARTY=level/status[deps]` items, or `PARTY=-`.
fn check(engine: &casus::Engine, scenario: &str, expected: &str) {
    let v = verdict(engine, scenario);
    for item in expected.split_whitespace() {
        let (party, want) = item.split_once('=').unwrap_or((item, "-"));
        let got = match v.party(party) {
            None => "-".to_string(),
            Some(p) => {
                let deps = if p.depends_on.is_empty() {
                    String::new()
                } else {
                    format!("[{}]", p.depends_on.join(","))
                };
                format!("{}/{}{deps}", p.level, p.status.as_str())
            }
        };
        assert_eq!(
            got,
            want,
            "party {party} in scenario {scenario}\n{}",
            casus::report::render_table(&v, false)
        );
    }
}

const ATTACK: &str = "{date: 2020-01-01, event: armed_attack, attacker: XXX, target: AAA, location: AAA, on: territory";

fn s(extra: &str) -> String {
    format!("{ATTACK}{extra}}}")
}

#[test]
fn event_means_on() {
    let e = alliance("{event: armed_attack}");
    check(&e, &s(""), "BBB=assist/definite CCC=assist/definite AAA=- XXX=-");
    check(&e, "{date: 2020-01-01, event: threat, target: AAA}", "BBB=-");
    let e = alliance("{means: nuclear}");
    check(&e, &s(", means: nuclear"), "BBB=assist/definite");
    check(&e, &s(", means: conventional"), "BBB=-");
    check(&e, &s(""), "BBB=assist/contingent[means]");
    let e = alliance("{on: [forces, vessels]}");
    check(&e, &s(""), "BBB=-");
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, target: AAA, on: vessels}",
        "BBB=assist/definite",
    );
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, target: AAA}",
        "BBB=assist/contingent[on]",
    );
}

#[test]
fn attacker_tests() {
    let e = alliance("{attacker: {is: XXX}}");
    check(&e, &s(""), "BBB=assist/definite");
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, attacker: YYY, target: AAA}",
        "BBB=-",
    );
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, target: AAA}",
        "BBB=assist/contingent[attacker]",
    );
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, attacker: {non_state: gang}, target: AAA}",
        "BBB=-",
    );
    let e = alliance("{attacker: non_state}");
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, attacker: {non_state: gang}, target: AAA}",
        "BBB=assist/definite",
    );
    check(&e, &s(""), "BBB=-");
    let e = alliance("{not: {attacker: treaty_party}}");
    check(&e, &s(""), "BBB=assist/definite");
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, attacker: CCC, target: AAA}",
        "BBB=- CCC=-",
    );
    let e = alliance("{attackers: {at_least: 2, that: {is: [XXX, YYY]}}}");
    check(&e, &s(""), "BBB=-");
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, attackers: [XXX, YYY], target: AAA}",
        "BBB=assist/definite",
    );
    let e = alliance("{supported_by: {is: YYY}}");
    check(&e, &s(""), "BBB=assist/contingent[supported_by]");
    check(&e, &s(", supported_by: [YYY]"), "BBB=assist/definite");
    check(&e, &s(", supported_by: []"), "BBB=-");
}

#[test]
fn target_tests() {
    let e = alliance("{target: treaty_party}");
    check(&e, &s(""), "BBB=assist/definite");
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, target: DDD}",
        "AAA=- BBB=-",
    );
    let e = alliance("{target: {member_of: ORG}}");
    check(&e, "{date: 1999-01-01, event: armed_attack, target: BBB}", "AAA=-");
    check(
        &e,
        "{date: 2000-01-01, event: armed_attack, target: BBB}",
        "AAA=assist/definite",
    );
    let e = alliance("{target: {is: [AAA]}}");
    check(&e, "{date: 2020-01-01, event: armed_attack, target: BBB}", "AAA=-");
    check(&e, &s(""), "BBB=assist/definite");
}

#[test]
fn location_tests() {
    let e = alliance("{location: {in: [AAA-I]}}");
    check(&e, &s(""), "BBB=-");
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, target: AAA, location: AAA-I}",
        "BBB=assist/definite",
    );
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, target: AAA}",
        "BBB=assist/contingent[location]",
    );
    let e = alliance("{location: {tagged: [pacific]}}");
    check(&e, &s(""), "BBB=-");
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, target: AAA, location: AAA-I}",
        "BBB=assist/definite",
    );
    let e = alliance("{location: {sovereign: target}}");
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, target: AAA, location: AAA-OCC}",
        "BBB=assist/definite",
    );
    let e = alliance("{location: {controller: target}}");
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, target: AAA, location: AAA-OCC}",
        "BBB=-",
    );
    check(
        &e,
        "{date: 2014-02-26, event: armed_attack, target: AAA, location: AAA-OCC}",
        "BBB=assist/definite",
    );
    let e = alliance("{location: {held_on: {role: controller, by: target, date: 2010-01-01}}}");
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, target: AAA, location: AAA-OCC}",
        "BBB=assist/definite",
    );
    let e = alliance("{location: {administrator: target}}");
    check(
        &e,
        "{date: 1972-05-14, event: armed_attack, target: AAA, location: AAA-ADM}",
        "BBB=-",
    );
    check(
        &e,
        "{date: 1972-05-15, event: armed_attack, target: AAA, location: AAA-ADM}",
        "BBB=assist/definite",
    );
    let e = alliance("{location: area}");
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, target: AAA, location: north_sea, on: vessels}",
        "BBB=assist/definite",
    );
    check(&e, &s(""), "BBB=-");
}

#[test]
fn date_and_fact_and_kleene() {
    let e = alliance("{date: {from: 2010-01-01, before: 2020-01-01}}");
    check(&e, "{date: 2009-12-31, event: armed_attack, target: AAA}", "BBB=-");
    check(
        &e,
        "{date: 2010-01-01, event: armed_attack, target: AAA}",
        "BBB=assist/definite",
    );
    check(&e, "{date: 2020-01-01, event: armed_attack, target: AAA}", "BBB=-");
    let e = alliance("{fact: requested}");
    check(&e, &s(", facts: {requested: true}"), "BBB=assist/definite");
    check(&e, &s(", facts: {requested: false}"), "BBB=-");
    check(&e, &s(""), "BBB=assist/contingent[requested]");
    // Kleene: false AND unknown is false; true OR unknown is true; NOT unknown is unknown.
    let e = alliance("{all: [{fact: requested}, {fact: state_of_war}]}");
    check(&e, &s(", facts: {requested: false}"), "BBB=-");
    check(&e, &s(""), "BBB=assist/contingent[requested,state_of_war]");
    let e = alliance("{any: [{fact: requested}, {fact: state_of_war}]}");
    check(&e, &s(", facts: {requested: true}"), "BBB=assist/definite");
    check(
        &e,
        &s(", facts: {requested: false}"),
        "BBB=assist/contingent[state_of_war]",
    );
    let e = alliance("{not: {fact: provoked}}");
    check(&e, &s(", facts: {provoked: true}"), "BBB=-");
    check(&e, &s(""), "BBB=assist/contingent[provoked]");
    let e = alliance("{always: true}");
    check(&e, &s(""), "BBB=assist/definite");
}

#[test]
fn entry_into_force_and_accession_dates() {
    let e = alliance("{target: treaty_party}");
    check(&e, "{date: 1949-12-31, event: armed_attack, target: AAA}", "BBB=-");
    check(
        &e,
        "{date: 1950-01-01, event: armed_attack, target: AAA}",
        "BBB=assist/definite",
    );
    check(
        &e,
        "{date: 1950-01-02, event: armed_attack, target: AAA}",
        "BBB=assist/definite",
    );
    check(&e, "{date: 2004-03-28, event: armed_attack, target: CCC}", "BBB=-");
    check(
        &e,
        "{date: 2004-03-29, event: armed_attack, target: CCC}",
        "BBB=assist/definite",
    );
    check(
        &e,
        "{date: 2004-03-30, event: armed_attack, target: AAA}",
        "CCC=assist/definite",
    );
    check(&e, "{date: 2004-03-28, event: armed_attack, target: AAA}", "CCC=-");
    // An accession at an instant: the day alone leaves it open.
    let e = rules(
        r"
treaties:
  - id: pact
    name: Pact
    in_force: 1950-01-01
    parties: [{party: AAA}, {party: BBB, joined: '2024-03-07T17:30:00+01:00'}]
    clauses:
      - {id: art1, citation: Art. 1, trigger: {target: treaty_party}, obligations: [{level: assist}]}
",
    );
    check(&e, "{date: 2024-03-06, event: armed_attack, target: BBB}", "AAA=-");
    check(
        &e,
        "{date: 2024-03-07, event: armed_attack, target: BBB}",
        "AAA=assist/contingent[time]",
    );
    check(
        &e,
        "{date: '2024-03-07T16:45:00+00:00', event: armed_attack, target: BBB}",
        "AAA=assist/definite",
    );
    check(
        &e,
        "{date: '2024-03-07T16:00:00+01:00', event: armed_attack, target: BBB}",
        "AAA=-",
    );
    check(
        &e,
        "{date: 2024-03-08, event: armed_attack, target: BBB}",
        "AAA=assist/definite",
    );
}

const TWO_TREATIES: &str = r"
treaties:
  - id: weak
    name: Weak
    in_force: 1950-01-01
    parties: [{party: AAA}, {party: BBB}]
    clauses:
      - {id: c, citation: Art. 4, trigger: {target: treaty_party}, obligations: [{level: consult, deadline: {within_hours: 24}}]}
  - id: strong
    name: Strong
    in_force: 1950-01-01
    parties: [{party: AAA}, {party: BBB}, {party: CCC}]
    clauses:
      - id: c
        citation: Art. 5
        trigger: {all: [{target: treaty_party}, {fact: requested}]}
        obligations: [{level: military, forms: {excluded: [ground_troops]}}]
  - id: other_side
    name: Other side
    in_force: 1950-01-01
    parties: [{party: BBB}, {party: XXX}]
    clauses:
      - {id: c, citation: Art. 2, trigger: {attacker: treaty_party}, obligations: [{level: neutrality, toward: attacker}, {level: assist, toward: attacker}]}
";

#[test]
fn aggregation_across_two_treaties() {
    let e = rules(TWO_TREATIES);
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, target: AAA, facts: {requested: true}}",
        "BBB=military/definite CCC=military/definite",
    );
    check(
        &e,
        "{date: 2020-01-01, event: armed_attack, target: AAA}",
        "BBB=military/contingent[requested] CCC=military/contingent[requested]",
    );
    let v = verdict(
        &e,
        "{date: 2020-01-01, event: armed_attack, target: AAA, facts: {requested: true}}",
    );
    let b = v.party("BBB").unwrap_or_else(|| panic!("BBB"));
    let sources: Vec<(&str, Level)> = b.sources.iter().map(|s| (s.treaty.as_str(), s.level)).collect();
    assert_eq!(sources, vec![("strong", Level::Military), ("weak", Level::Consult)]);
    // The summary describes the strongest level; the weaker clause keeps its deadline.
    assert_eq!(b.deadline, None);
    let weak = b
        .sources
        .iter()
        .find(|s| s.treaty == "weak")
        .unwrap_or_else(|| panic!("weak source"));
    assert_eq!(weak.deadline, Some(casus::Deadline::WithinHours(24)));
    assert_eq!(b.forms.excluded, vec![casus::Form::GroundTroops]);
}

/// The obliged parties and their sources, held as data and built when read, read the same
/// every way: as a slice, owned, from a clone made before any was read (each party its own
/// sources, in the order of treaty and clause), and back from the JSON; a party's summary is
/// that of its sources at its strongest level.
#[test]
fn obligations_and_sources_read_the_same_every_way() {
    let e = rules(TWO_TREATIES);
    let v = verdict(&e, "{date: 2020-01-01, event: armed_attack, target: AAA}");
    let unread = v.clone();
    assert_eq!((unread.obligations.len(), unread.obligations.is_empty()), (2, false));
    let cited = |p: &casus::PartyObligation| -> Vec<(String, String, Level, casus::Status)> {
        p.sources
            .iter()
            .map(|s| (s.treaty.to_string(), s.citation.to_string(), s.level, s.status))
            .collect()
    };
    use casus::Status::{Contingent, Definite};
    let bbb = v.party("BBB").unwrap_or_else(|| panic!("BBB"));
    let ccc = v.party("CCC").unwrap_or_else(|| panic!("CCC"));
    assert_eq!(
        cited(bbb),
        vec![
            ("strong".into(), "Art. 5".into(), Level::Military, Contingent),
            ("weak".into(), "Art. 4".into(), Level::Consult, Definite),
        ]
    );
    assert_eq!(
        cited(ccc),
        vec![("strong".into(), "Art. 5".into(), Level::Military, Contingent)]
    );
    assert_eq!(bbb.sources.len(), 2);
    assert_eq!(
        bbb.sources.first().map(|s| s.depends_on.clone()),
        Some(vec!["requested".to_string()])
    );
    // The summary: the strongest level's forms, status and what it waits on.
    assert_eq!((bbb.level, bbb.status), (Level::Military, Contingent));
    assert_eq!(bbb.depends_on, vec!["requested"]);
    assert_eq!(bbb.forms.excluded, vec![casus::Form::GroundTroops]);
    // A clone made before any read builds the same, party by party, in either order.
    let (ub, uc) = (unread.party("BBB").unwrap(), unread.party("CCC").unwrap());
    assert_eq!(cited(uc), cited(ccc));
    assert_eq!(cited(ub), cited(bbb));
    assert_eq!(unread.obligations, v.obligations);
    // Owned, from a list, and back from the JSON.
    let listed: Vec<casus::Source> = bbb.sources.to_vec();
    assert_eq!(bbb.sources.clone().into_iter().collect::<Vec<_>>(), listed);
    assert_eq!(casus::SourceList::from(listed.clone()), bbb.sources);
    assert_eq!(bbb.sources, listed);
    let parties: Vec<casus::PartyObligation> = v.obligations.to_vec();
    assert_eq!(casus::ObligationList::from(parties.clone()), v.obligations);
    assert_eq!(v.obligations.clone().into_iter().collect::<Vec<_>>(), parties);
    assert_eq!(
        v.obligations.iter().map(|p| p.party.as_str()).collect::<Vec<_>>(),
        ["BBB", "CCC"]
    );
    let back: casus::Verdict = serde_json::from_str(&v.to_json()).unwrap();
    assert_eq!(back.obligations, v.obligations);
    assert_eq!(back.to_json(), v.to_json());
}

#[test]
fn conflict_between_sides() {
    let e = rules(TWO_TREATIES);
    let v = verdict(
        &e,
        "{date: 2020-01-01, event: armed_attack, attacker: XXX, target: AAA, facts: {requested: true}}",
    );
    assert_eq!(v.conflicts.len(), 1, "{v:#?}");
    let c = v.conflicts.first().unwrap_or_else(|| panic!("conflict"));
    assert_eq!(c.party, "BBB");
    assert_eq!(c.sources, vec!["other_side/c", "strong/c"]);
    // No conflict when only consultation is owed to the target.
    let v = verdict(
        &e,
        "{date: 2020-01-01, event: armed_attack, attacker: XXX, target: AAA, facts: {requested: false}}",
    );
    assert!(v.conflicts.is_empty(), "{:?}", v.conflicts);
}

#[test]
fn readings_that_differ_are_reported() {
    let e = rules(
        r"
treaties:
  - id: pact
    name: Pact
    in_force: 1950-01-01
    parties: [{party: AAA}, {party: BBB}, {party: DDD}]
    clauses:
      - id: art4
        citation: Art. IV
        trigger: {all: [{target: treaty_party}, {location: {sovereign: target}}]}
        reading: {id: anywhere, basis: metropolitan territory is covered wherever it lies}
        readings:
          - id: pacific_only
            basis: the Pacific limit of Art. IV applies to Art. V too
            trigger: {all: [{target: treaty_party}, {location: {tagged: pacific}}]}
        obligations: [{level: assist, caveats: [constitutional_processes]}]
",
    );
    let v = verdict(
        &e,
        "{date: 2001-09-11, event: armed_attack, target: AAA, location: AAA}",
    );
    let d = v.party("DDD").unwrap_or_else(|| panic!("DDD obliged"));
    assert_eq!(d.level, Level::Assist);
    assert_eq!(d.readings.len(), 1);
    let r = d.readings.first().unwrap_or_else(|| panic!("reading"));
    assert_eq!(
        (r.reading.as_str(), r.level, r.default_level),
        ("pacific_only", None, Some(Level::Assist))
    );
    // Where both readings agree, nothing is reported.
    let v = verdict(
        &e,
        "{date: 2001-09-11, event: armed_attack, target: AAA, location: AAA-I}",
    );
    assert!(v.party("DDD").is_some_and(|d| d.readings.is_empty()));
}

#[test]
fn reservations_and_suspensions() {
    let e = rules(
        r"
treaties:
  - id: pact
    name: Pact
    in_force: 1950-01-01
    parties: [{party: AAA}, {party: BBB}, {party: CCC}, {party: DDD}]
    clauses:
      - {id: art1, citation: Art. 1, trigger: {target: treaty_party}, obligations: [{level: all_means, forms: {allowed: [armed_force]}}]}
    reservations:
      - {party: BBB, kind: suspension, toward: [AAA], from: 1986-09-17, opt_out: true, note: suspended toward AAA}
      - {party: CCC, caveats: [specific_character], exclude_forms: [armed_force], note: neutral}
      - {party: DDD, max_level: diplomatic, note: capped}
",
    );
    check(
        &e,
        "{date: 1986-09-16, event: armed_attack, target: AAA}",
        "BBB=all_means/definite",
    );
    check(
        &e,
        "{date: 1986-09-17, event: armed_attack, target: AAA}",
        "BBB=- CCC=all_means/definite DDD=diplomatic/definite",
    );
    check(
        &e,
        "{date: 1986-09-17, event: armed_attack, target: DDD}",
        "BBB=all_means/definite",
    );
    let v = verdict(&e, "{date: 2000-01-01, event: armed_attack, target: AAA}");
    let c = v.party("CCC").unwrap_or_else(|| panic!("CCC"));
    assert_eq!(c.forms.excluded, vec![casus::Form::ArmedForce]);
    assert!(c.forms.allowed.is_empty());
    assert_eq!(c.caveats, vec![casus::Caveat::SpecificCharacter]);
    let why = v
        .not_obligated
        .iter()
        .find(|n| n.party == "BBB")
        .unwrap_or_else(|| panic!("BBB why not"));
    assert_eq!(why.reason, Reason::Suspended);
}

#[test]
fn why_not() {
    let e = rules(
        r"
treaties:
  - id: pact
    name: Pact
    in_force: 1950-01-01
    terminated: 1991-07-01
    parties: [{party: AAA}, {party: BBB}, {party: CCC, joined: 1960-01-01, left: 1968-09-13}]
    clauses:
      - {id: art4, citation: Art. 4, trigger: {all: [{event: armed_attack}, {target: treaty_party}, {location: {tagged: europe}}]}, obligations: [{level: assist}]}
",
    );
    let reasons = |sc: &str| -> Vec<(String, Reason)> {
        let mut v: Vec<(String, Reason)> = verdict(&e, sc)
            .not_obligated
            .into_iter()
            .map(|n| (n.party.into(), n.reason))
            .collect();
        v.sort();
        v
    };
    let r = |p: &str, x: Reason| (p.to_string(), x);
    // A former member attacks: the pact is involved, and its members say why they owe nothing.
    assert_eq!(
        reasons("{date: 1970-01-01, event: armed_attack, attacker: CCC, target: DDD}"),
        vec![
            r("AAA", Reason::TargetNotAParty),
            r("BBB", Reason::TargetNotAParty),
            r("CCC", Reason::NotAParty)
        ]
    );
    assert_eq!(
        reasons("{date: 1970-01-01, event: armed_attack, attacker: XXX, target: AAA, location: AAA-I}"),
        vec![
            r("AAA", Reason::OutOfScope),
            r("BBB", Reason::OutOfScope),
            r("CCC", Reason::NotAParty)
        ]
    );
    assert_eq!(
        reasons("{date: 1970-01-01, event: armed_attack, attacker: BBB, target: AAA, location: AAA}"),
        vec![
            r("AAA", Reason::IsTarget),
            r("BBB", Reason::IsAttacker),
            r("CCC", Reason::NotAParty)
        ]
    );
    assert_eq!(
        reasons("{date: 1991-07-01, event: armed_attack, target: AAA, location: AAA}"),
        vec![
            r("AAA", Reason::TreatyTerminated),
            r("BBB", Reason::TreatyTerminated),
            r("CCC", Reason::TreatyTerminated)
        ]
    );
    let v = verdict(
        &e,
        "{date: 1970-01-01, event: armed_attack, attacker: CCC, target: DDD}",
    );
    let detail = &v
        .not_obligated
        .iter()
        .find(|n| n.party == "AAA")
        .unwrap_or_else(|| panic!("why"))
        .detail;
    assert_eq!(detail, "Art. 4: target DDD is not a party to Pact on 1970-01-01");
    // No party of the scenario belongs to the pact: it is not listed member by member, but the
    // explanation's survey says it would apply if the target were a party.
    let sc = "{date: 1970-01-01, event: armed_attack, attacker: YYY, target: DDD, location: XXX}";
    assert!(reasons(sc).is_empty());
    let v = e.evaluate_explained(&Scenario::from_yaml(sc).unwrap()).unwrap();
    let w: Vec<(&str, &str)> = v
        .would_apply
        .iter()
        .map(|w| (w.treaty.as_str(), w.clause.as_str()))
        .collect();
    assert_eq!(w, vec![("pact", "art4")]);
}

/// A false trigger's reason names its first false part down nested `all`s, whatever the depth
/// and position: (trigger, scenario extra, reason, detail of BBB's entry).
#[test]
fn a_false_trigger_names_its_first_false_part_down_nested_alls() {
    let cases = [
        (
            "{all: [{event: armed_attack}, {all: [{target: treaty_party}, {location: {tagged: island}}]}]}",
            "",
            Reason::OutOfScope,
            "Art. 1: requires place is tagged island; the place is AAA (Aland), tagged europe, sovereign AAA",
        ),
        (
            "{all: [{all: [{all: [{event: cyber_attack}]}]}, {location: {tagged: island}}]}",
            "",
            Reason::EventNotCovered,
            "Art. 1: requires event is cyber_attack; the event is armed_attack",
        ),
        (
            "{all: [{location: {tagged: europe}}, {any: [{event: cyber_attack}, {means: nuclear}]}]}",
            ", means: conventional",
            Reason::EventNotCovered,
            "Art. 1: none of: requires event is cyber_attack; the event is armed_attack; requires means is nuclear; the means is conventional",
        ),
    ];
    for (trigger, extra, reason, detail) in cases {
        let e = alliance(trigger);
        let v = verdict(&e, &s(extra));
        let n = v
            .not_obligated
            .iter()
            .find(|n| n.party == "BBB")
            .unwrap_or_else(|| panic!("BBB owes nothing under {trigger}"));
        assert_eq!((n.reason, n.detail.text().as_ref()), (reason, detail), "{trigger}");
    }
}

/// What a false scope says the scenario's place is, on one engine across dates: a place whose
/// holders never change reads the same every time (it is worded once per engine); one whose
/// controller or administrator changes reads as it is on each scenario's day.
#[test]
fn a_false_scope_names_the_place_as_it_is_on_the_day() {
    let e = alliance("{all: [{event: armed_attack}, {target: treaty_party}, {location: {tagged: island}}]}");
    let check = |place: &str, date: &str, expected: &str| {
        let sc = format!("{{date: {date}, event: armed_attack, attacker: XXX, target: AAA, location: {place}}}");
        let v = verdict(&e, &sc);
        let n = v
            .not_obligated
            .iter()
            .find(|n| n.party == "BBB")
            .unwrap_or_else(|| panic!("BBB owes nothing in {sc}"));
        assert_eq!(n.reason, Reason::OutOfScope, "{sc}");
        assert_eq!(n.detail, expected, "{sc}");
    };
    let wanted = "Art. 1: requires place is tagged island";
    for date in ["2010-01-01", "2020-01-01", "2010-01-01"] {
        check(
            "AAA",
            date,
            &format!("{wanted}; the place is AAA (Aland), tagged europe, sovereign AAA"),
        );
    }
    check(
        "AAA-OCC",
        "2010-01-01",
        &format!("{wanted}; the place is AAA-OCC (Occupied Aland), tagged europe, sovereign AAA"),
    );
    check(
        "AAA-OCC",
        "2020-01-01",
        &format!("{wanted}; the place is AAA-OCC (Occupied Aland), tagged europe, sovereign AAA, controlled by XXX"),
    );
    check(
        "AAA-OCC",
        "2010-01-01",
        &format!("{wanted}; the place is AAA-OCC (Occupied Aland), tagged europe, sovereign AAA"),
    );
}

/// Whether a target is a party to a treaty is asked once per treaty and kept for the
/// verdict's first target only: with two targets, one a party on the day and one not (yet),
/// each condition tree and the reason name each target's own membership, in either order.
#[test]
fn each_target_reads_its_own_membership_of_a_treaty() {
    let e = alliance("{all: [{event: armed_attack}, {target: treaty_party}]}");
    for targets in ["[CCC, AAA]", "[AAA, CCC]"] {
        let sc = format!("{{date: 2000-01-01, event: armed_attack, attacker: XXX, targets: {targets}}}");
        let s = Scenario::from_yaml(&sc).unwrap_or_else(|e| panic!("{e}"));
        let v = e.evaluate_explained(&s).unwrap_or_else(|e| panic!("{e}"));
        let trees: Vec<(String, casus::Truth, casus::Truth)> = v
            .explanation
            .iter()
            .map(|t| {
                let party = t.trigger.children.get(1).map(|c| c.value);
                (t.target.clone(), t.value, party.unwrap_or(casus::Truth::Unknown))
            })
            .collect();
        use casus::Truth::{False, True};
        assert_eq!(
            trees,
            vec![("AAA".to_string(), True, True), ("CCC".to_string(), False, False)],
            "{targets}"
        );
        check(&e, &sc, "BBB=assist/definite CCC=- AAA=-");
        let ccc = v.not_obligated.iter().find(|n| n.party == "CCC");
        assert_eq!(ccc.map(|n| n.reason), Some(Reason::NotAParty), "{targets}");
    }
}

#[test]
fn explanation_traces_every_node() {
    let e = alliance("{all: [{event: armed_attack}, {fact: requested}]}");
    let s = Scenario::from_yaml(&s("")).unwrap_or_else(|e| panic!("{e}"));
    let v = e.evaluate_explained(&s).unwrap_or_else(|e| panic!("{e}"));
    let t = v.explanation.first().unwrap_or_else(|| panic!("trace"));
    assert_eq!(t.value, casus::Truth::Unknown);
    let kids: Vec<(String, casus::Truth)> = t
        .trigger
        .children
        .iter()
        .map(|c| (c.condition.clone(), c.value))
        .collect();
    assert_eq!(
        kids,
        vec![
            ("event is armed_attack".to_string(), casus::Truth::True),
            ("fact `requested`".to_string(), casus::Truth::Unknown)
        ]
    );
    assert_eq!(t.trigger.depends_on, vec!["requested"]);
}

/// An explanation held as data reads the same every way it is read: by index, in order,
/// owned, and back from its JSON; a nested tree keeps its shape and each node's value.
#[test]
fn an_explanation_reads_the_same_every_way() {
    let e = alliance("{all: [{event: armed_attack}, {not: {any: [{fact: requested}, {means: nuclear}]}}]}");
    let s = Scenario::from_yaml(&s("")).unwrap_or_else(|e| panic!("{e}"));
    let v = e.evaluate_explained(&s).unwrap_or_else(|e| panic!("{e}"));
    let x = &v.explanation;
    assert!(!x.is_empty());
    let listed = x.to_vec();
    assert_eq!(listed.len(), x.len());
    assert_eq!(x.iter().size_hint(), (x.len(), Some(x.len())));
    assert_eq!(x.first(), x.get(0));
    assert_eq!(x.get(x.len()), None);
    assert_eq!(x.clone().into_iter().collect::<Vec<_>>(), listed);
    let back: casus::Explanation = serde_json::from_str(&serde_json::to_string(x).unwrap()).unwrap();
    assert_eq!(&back, x);
    assert_eq!(casus::Explanation::from(listed.clone()), *x);
    // The tree: all of [event (true), not (any of [fact (unknown), means (unknown)])].
    let t = x.first().unwrap_or_else(|| panic!("trace"));
    let shape = |c: &casus::ConditionTrace| (c.condition.clone(), c.value, c.children.len());
    let not = t.trigger.children.get(1).unwrap_or_else(|| panic!("not"));
    let any = not.children.first().unwrap_or_else(|| panic!("any"));
    assert_eq!(
        [shape(&t.trigger), shape(not), shape(any)],
        [
            ("all of".to_string(), casus::Truth::Unknown, 2),
            ("not".to_string(), casus::Truth::Unknown, 1),
            ("any of".to_string(), casus::Truth::Unknown, 2),
        ]
    );
    assert_eq!(any.depends_on, vec!["means", "requested"]);
}

#[test]
fn json_is_deterministic() {
    let e = rules(TWO_TREATIES);
    let sc = "{date: 2020-01-01, event: armed_attack, attacker: XXX, target: AAA}";
    let a = verdict(&e, sc).to_json();
    let b = verdict(&rules(TWO_TREATIES), sc).to_json();
    assert_eq!(a, b);
    assert!(a.contains("\"not_obligated\""));
    assert!(a.contains("\"depends_on\""));
}

#[test]
fn scenario_ids_are_checked() {
    let e = alliance("{always: true}");
    for (sc, want) in [
        (
            "{date: 2020-01-01, event: armed_attack, target: AAB}",
            "<scenario>:1:49: error[unknown-party]: unknown party `AAB` in `target`\n  help: did you mean `AAA`?",
        ),
        (
            "{date: 2020-01-01, event: armed_attack, target: AAA, location: AAA-J}",
            "<scenario>:1:64: error[unknown-place]: unknown territory or area `AAA-J` in `location`\n  help: did you mean `AAA-I`?",
        ),
        (
            "{date: 2020-01-01, event: armed_attack, target: AAA, facts: {requestd: true}}",
            "<scenario>:1:62: error[unknown-fact]: unknown fact `requestd` in `facts`\n  help: did you mean `requested`?",
        ),
    ] {
        let s = Scenario::from_yaml(sc).unwrap_or_else(|e| panic!("{e}"));
        let err = e.evaluate(&s).err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some(want));
    }
    assert!(Scenario::from_yaml("{date: 2020-01-01, event: armed_atack, target: AAA}").is_err());
    assert!(Scenario::from_yaml("{date: 2020-01-01, event: armed_attack}").is_err());
    assert!(Scenario::from_yaml("{date: 2020-01-01, event: armed_attack, target: A, targets: [B]}").is_err());
}

#[test]
fn a_reading_that_widens_the_events_is_evaluated() {
    // The default reading covers armed attacks only; the alternative also mobilizations. The
    // clause index must admit both, or the alternative is never looked at.
    let e = rules(
        r"
treaties:
  - id: pact
    name: Pact
    in_force: 1950-01-01
    parties: [{party: AAA}, {party: BBB}]
    clauses:
      - id: art2
        citation: Art. 2
        trigger: {all: [{event: armed_attack}, {target: treaty_party}]}
        reading: {id: attack_only, basis: the text speaks of attacks}
        readings:
          - id: mobilization_counts
            basis: a mobilization against a party counts
            trigger: {all: [{event: [armed_attack, mobilization]}, {target: treaty_party}]}
        obligations: [{level: military}]
",
    );
    let v = verdict(
        &e,
        "{date: 2000-01-01, event: mobilization, attacker: XXX, target: AAA}",
    );
    assert!(v.party("BBB").is_none());
    let why = v
        .not_obligated
        .iter()
        .find(|n| n.party == "BBB")
        .unwrap_or_else(|| panic!("BBB listed"));
    let r = why.readings.first().unwrap_or_else(|| panic!("reading reported"));
    assert_eq!(
        (r.reading.as_str(), r.level),
        ("mobilization_counts", Some(Level::Military))
    );
}

/// The vocabulary types read from and print to text as Rust users expect: `FromStr` with an
/// error that lists the names, `Display` that honours width and alignment.
#[test]
fn vocabulary_parses_and_pads_like_any_text() {
    use casus::{EventKind, Level, Means, On};
    let check = |shown: String, expected: &str| assert_eq!(shown, expected);
    check(format!("[{:10}]", Level::Assist), "[assist    ]");
    check(format!("[{:>10}]", Level::Consult), "[   consult]");
    check(format!("[{:<14}]", EventKind::ArmedAttack), "[armed_attack  ]");
    check(format!("[{:^9}]", On::Forces), "[ forces  ]");
    assert_eq!("all_means".parse::<Level>(), Ok(Level::AllMeans));
    assert_eq!("nuclear".parse::<Means>(), Ok(Means::Nuclear));
    let e = "armed_atack".parse::<EventKind>().unwrap_err().to_string();
    assert!(
        e.starts_with("`armed_atack` is not a known event kind; one of armed_attack, "),
        "{e}"
    );
    let e = "strong".parse::<Level>().unwrap_err().to_string();
    assert!(e.contains("not a known level") && e.contains("military"), "{e}");
}

/// An obligation in stages: consult within 24 hours, then assist within 3 days of that. Each
/// stage is a source with its own level, forms and deadline, the later one due counted from
/// the attack; the party's level is the strongest stage's; the table says the sequence; the
/// rule set writes back with its stages.
#[test]
fn an_obligation_in_stages_says_who_owes_what_by_when() {
    let e = rules(
        r"
treaties:
  - id: pact
    name: Pact
    in_force: 1950-01-01
    parties: [{party: AAA}, {party: BBB}]
    clauses:
      - id: art1
        citation: Art. 1
        trigger: {target: {is: AAA}}
        obligations:
          - level: consult
            forms: {allowed: [consultation]}
            deadline: {within_hours: 24}
            then:
              - level: assist
                forms: {allowed: [weapons], excluded: [ground_troops]}
                deadline: {within_days: 3}
",
    );
    let v = verdict(&e, &s(""));
    let b = v.party("BBB").unwrap();
    assert_eq!(b.level, Level::Assist);
    type Row<'a> = (Option<u8>, Option<u8>, Level, Option<String>, Option<&'a str>);
    let stages: Vec<Row<'_>> = b
        .sources
        .iter()
        .map(|x| {
            (
                x.staging.stage,
                x.staging.stages,
                x.level,
                x.deadline.map(|d| d.to_string()),
                x.staging.due.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        stages,
        [
            (Some(1), Some(2), Level::Consult, Some("within 24 hours".into()), None),
            (
                Some(2),
                Some(2),
                Level::Assist,
                Some("within 3 days".into()),
                Some("within 4 days of the attack")
            ),
        ]
    );
    assert_eq!(b.forms.excluded, [casus::Form::GroundTroops]);
    let wide = casus::report::TableOptions {
        width: casus::table::Width::wide(true),
        explain: false,
        why_not: false,
    };
    let table = casus::report::render_verdict(&v, &wide);
    assert!(
        table.contains("consult within 24 hours, then assist within 3 days after (within 4 days of the attack)"),
        "{table}"
    );
    let yaml = e.to_yaml().unwrap();
    assert!(yaml.contains("then:"), "{yaml}");
    let again = RuleSet::from_yaml(&yaml).unwrap().compile().unwrap();
    assert_eq!(
        serde_json::to_string(&verdict(&again, &s(""))).unwrap(),
        serde_json::to_string(&v).unwrap()
    );
}

#[test]
fn launched_from_tests() {
    // (ext) Where the attack was launched from: a place, tested like the location.
    let e = alliance("{all: [{event: armed_attack}, {launched_from: {controller: {is: YYY}}}]}");
    check(&e, &s(", launched_from: YYY"), "BBB=assist/definite");
    check(&e, &s(", launched_from: XXX"), "BBB=-");
    check(&e, &s(""), "BBB=assist/contingent[launched_from]");
    // A place given by name as well as by id.
    let e = alliance("{launched_from: {in: [AAA-OCC]}}");
    check(&e, &s(", launched_from: Occupied Aland"), "BBB=assist/definite");
    check(&e, &s(", launched_from: north_sea"), "BBB=-");
    // A holder at a fixed date, and a place that is not the location.
    let e = alliance("{launched_from: {held_on: {role: controller, by: attacker, date: 2015-01-01}}}");
    check(&e, &s(", launched_from: AAA-OCC"), "BBB=assist/definite");
    check(&e, &s(", launched_from: AAA"), "BBB=-");
    // An unknown place is an error that names the field.
    let bad = Scenario::from_yaml(&s(", launched_from: YYYY")).unwrap();
    let err = e.evaluate(&bad).unwrap_err().to_string();
    assert!(err.contains("launched_from") && err.contains("YYY"), "{err}");
}

/// A treaty among AAA, BBB, CCC whose one clause obliges with `obligation` (a flow mapping's
/// inside) on any armed attack.
fn obliging(obligation: &str) -> casus::Engine {
    rules(&format!(
        r"
treaties:
  - id: pact
    name: Pact
    in_force: 1950-01-01
    parties: [{{party: AAA}}, {{party: BBB}}, {{party: CCC}}]
    clauses:
      - id: art1
        citation: Art. 1
        trigger: {{event: armed_attack}}
        obligations: [{{{obligation}}}]
"
    ))
}

/// The beneficiaries of each party's sources, `PARTY:A+B`, sorted.
fn towards(v: &casus::Verdict) -> String {
    let mut out = Vec::new();
    for o in &v.obligations {
        let mut t: Vec<&str> = o.sources.iter().map(|x| x.toward.as_str()).collect();
        t.sort_unstable();
        t.dedup();
        out.push(format!("{}:{}", o.party, t.join("+")));
    }
    out.join(" ")
}

#[test]
fn toward_more_than_one_beneficiary() {
    // (ext) `toward: [target, AAA]`: the attacked party and a named one. Each named obligor
    // owes every beneficiary but itself (the target BBB owes AAA), and a beneficiary named
    // twice (the target is AAA) counts once.
    let e = obliging("level: assist, obligated: [AAA, BBB, CCC], toward: [target, AAA]");
    let v = verdict(
        &e,
        "{date: 2020-01-01, event: armed_attack, attacker: XXX, target: BBB}",
    );
    assert_eq!(towards(&v), "AAA:BBB BBB:AAA CCC:AAA+BBB");
    let v = verdict(
        &e,
        "{date: 2020-01-01, event: armed_attack, attacker: XXX, target: AAA}",
    );
    assert_eq!(towards(&v), "BBB:AAA CCC:AAA");
    assert_eq!(v.party("CCC").unwrap().sources.len(), 1);
    // A single named party, whoever is attacked.
    let e = obliging("level: consult, obligated: all, toward: CCC");
    let v = verdict(
        &e,
        "{date: 2020-01-01, event: armed_attack, attacker: XXX, target: AAA}",
    );
    assert_eq!(towards(&v), "AAA:CCC BBB:CCC");
}

#[test]
fn toward_names_an_unknown_beneficiary_with_a_suggestion() {
    let text = format!(
        "{WORLD}\ntreaties:\n  - id: pact\n    name: Pact\n    in_force: 1950-01-01\n    parties: [{{party: AAA}}]\n    clauses:\n      - id: art1\n        citation: Art. 1\n        trigger: {{event: armed_attack}}\n        obligations: [{{level: assist, toward: [target, AAAA]}}]\n"
    );
    let err = RuleSet::from_yaml(&text).unwrap_err().diagnostics.to_string();
    assert!(err.contains("unknown beneficiary `AAAA` in `toward`"), "{err}");
    assert!(err.contains("did you mean `AAA`?"), "{err}");
}

#[test]
fn against_and_lead_are_reported_on_the_sources() {
    let e = obliging(
        "level: assist, obligated: [AAA, BBB, CCC], lead: [BBB], against: [attacker, launched_from, supporters]",
    );
    let v = verdict(
        &e,
        "{date: 2020-01-01, event: armed_attack, attacker: XXX, target: AAA, launched_from: AAA-OCC, supported_by: [YYY]}",
    );
    let b = &v.party("BBB").unwrap().sources[0];
    let c = &v.party("CCC").unwrap().sources[0];
    assert!(b.lead && !c.lead);
    // The attacker, the launch place's controller (XXX again: once), the supporters.
    assert_eq!(b.against, ["XXX", "YYY"]);
    let table = casus::report::render_table(&v, false);
    assert!(table.contains("pact Art. 1 (lead)"), "{table}");
    assert!(table.contains("against XXX, YYY"), "{table}");
    // Without `against:`, nothing is added to the answer.
    let e = obliging("level: assist");
    let v = verdict(
        &e,
        "{date: 2020-01-01, event: armed_attack, attacker: XXX, target: AAA}",
    );
    assert!(v.party("BBB").unwrap().sources[0].against.is_empty());
    // A lead that is not an obligor is an error.
    let text = format!(
        "{WORLD}\ntreaties:\n  - id: pact\n    name: Pact\n    in_force: 1950-01-01\n    parties: [{{party: AAA}}, {{party: BBB}}]\n    clauses:\n      - id: art1\n        citation: Art. 1\n        trigger: {{event: armed_attack}}\n        obligations: [{{level: assist, obligated: [AAA], lead: [BBB]}}]\n"
    );
    let err = RuleSet::from_yaml(&text).unwrap_err().diagnostics.to_string();
    assert!(
        err.contains("`BBB` leads the response but is not among the obligated parties"),
        "{err}"
    );
}

#[test]
fn a_treaty_lapses_when_a_party_joins_another() {
    // (ext) The guarantee lapses when AAA joins `bloc` (2010-06-01) or ORG (never for CCC).
    let e = rules(
        r"
treaties:
  - id: bloc
    name: Bloc
    in_force: 1960-01-01
    parties: [{party: BBB}, {party: AAA, joined: 2010-06-01}]
  - id: guarantee
    name: Guarantee
    in_force: 2000-01-01
    lapses: [{party: AAA, joins: bloc}, {party: CCC, joins: ORG}]
    parties: [{party: AAA}, {party: CCC}, {party: DDD}]
    clauses:
      - id: art1
        citation: Art. 1
        trigger: {all: [{event: armed_attack}, {target: {is: AAA}}]}
        obligations: [{level: assist}]
",
    );
    let at = |d: &str| format!("{{date: {d}, event: armed_attack, attacker: XXX, target: AAA}}");
    check(&e, &at("2010-05-31"), "CCC=assist/definite DDD=assist/definite");
    check(&e, &at("2010-06-01"), "CCC=- DDD=-");
    let v = verdict(&e, &at("2011-01-01"));
    let why = v.not_obligated.iter().find(|n| n.party == "CCC").unwrap();
    assert_eq!(why.reason, Reason::TreatyTerminated);
    assert!(
        why.detail.text().contains("lapsed on 2010-06-01, when AAA joined bloc"),
        "{}",
        why.detail
    );
    // A lapse on a treaty or organization the rule set lacks is an error with a suggestion.
    let text = format!(
        "{WORLD}\ntreaties:\n  - id: guarantee\n    name: Guarantee\n    in_force: 2000-01-01\n    lapses: [{{party: AAA, joins: ORGG}}]\n    parties: [{{party: AAA}}]\n"
    );
    let err = RuleSet::from_yaml(&text).unwrap_err().diagnostics.to_string();
    assert!(
        err.contains("unknown treaty or organization `ORGG` in `joins`"),
        "{err}"
    );
    assert!(err.contains("did you mean `ORG`?"), "{err}");
}

#[test]
fn a_lapse_through_an_organization_counts_from_its_accession() {
    // BBB joins ORG on 2000-01-01 (WORLD): a guarantee lapsing on BBB's membership ends then.
    let e = rules(
        r"
treaties:
  - id: guarantee
    name: Guarantee
    in_force: 1990-01-01
    lapses: [{party: BBB, joins: ORG}]
    parties: [{party: BBB}, {party: CCC}]
    clauses:
      - id: art1
        citation: Art. 1
        trigger: {event: armed_attack}
        obligations: [{level: consult}]
",
    );
    let at = |d: &str| format!("{{date: {d}, event: armed_attack, attacker: XXX, target: BBB}}");
    check(&e, &at("1999-12-31"), "CCC=consult/definite");
    check(&e, &at("2000-01-01"), "CCC=-");
}

/// (ext) Forces deployed under a treaty (a reassurance force): `deployed_under: treaty` names
/// the clause's own treaty; the scenario says whose mission the unit hit served, `none` for
/// national forces; left out, the obligation waits on it.
#[test]
fn deployed_under_tests() {
    let e = alliance("{all: [{on: [forces, vessels]}, {deployed_under: treaty}]}");
    let forces = "{date: 2020-01-01, event: armed_attack, attacker: XXX, target: AAA, on: forces";
    let with = |extra: &str| format!("{forces}{extra}}}");
    check(
        &e,
        &with(", deployed_under: pact"),
        "BBB=assist/definite CCC=assist/definite",
    );
    check(&e, &with(", deployed_under: none"), "BBB=-");
    check(&e, &with(""), "BBB=assist/contingent[deployed_under]");
    // Territory hit: `on` decides, whoever's mission is named.
    check(&e, &s(", deployed_under: pact"), "BBB=-");
    // Written back and read again: the same answers.
    let again = RuleSet::from_yaml(&e.to_yaml().unwrap()).unwrap().compile().unwrap();
    check(&again, &with(", deployed_under: pact"), "BBB=assist/definite");
    check(&again, &with(", deployed_under: none"), "BBB=-");
    // A treaty the scenario names must exist: an error with a suggestion.
    let bad = Scenario::from_yaml(&with(", deployed_under: pakt")).unwrap();
    let err = e.evaluate(&bad).unwrap_err().to_string();
    assert!(
        err.contains("unknown treaty `pakt` in `deployed_under`") && err.contains("did you mean `pact`?"),
        "{err}"
    );
    // So must a treaty a clause names.
    let text = format!(
        "{WORLD}\ntreaties:\n  - id: pact\n    name: Pact\n    in_force: 1950-01-01\n    parties: [{{party: AAA}}, {{party: BBB}}]\n    clauses:\n      - id: art1\n        citation: Art. 1\n        trigger: {{deployed_under: [pakt]}}\n        obligations: [{{level: assist}}]\n"
    );
    let err = RuleSet::from_yaml(&text).err().unwrap().diagnostics.to_string();
    assert!(
        err.contains("error[unknown-treaty]: unknown treaty `pakt`") && err.contains("did you mean `pact`?"),
        "{err}"
    );
}

/// (ext) A line of contact declared once (`lines:`) and named by `across_line:`: the place was
/// controlled by the line's side on the line's date.
#[test]
fn across_line_tests() {
    let pact = |line: &str| {
        format!(
            "lines:\n  - {{id: line-2015, name: Line of 2015, date: 2015-01-01, side: AAA}}\ntreaties:\n  - id: pact\n    name: Pact\n    in_force: 1950-01-01\n    parties: [{{party: AAA}}, {{party: BBB}}]\n    clauses:\n      - id: art1\n        citation: Art. 1\n        trigger: {{across_line: {line}}}\n        obligations: [{{level: assist}}]\n"
        )
    };
    let e = rules(&pact("line-2015"));
    let at = |place: &str| {
        format!("{{date: 2020-01-01, event: armed_attack, attacker: XXX, target: AAA, on: territory{place}}}")
    };
    // AAA held its own territory in 2015: an attack there crosses the line.
    check(&e, &at(", location: AAA"), "BBB=assist/definite");
    // XXX has controlled AAA-OCC since 2014: behind the line.
    check(&e, &at(", location: AAA-OCC"), "BBB=-");
    check(&e, &at(""), "BBB=assist/contingent[location]");
    // Written back, the line and the condition keep their names.
    let yaml = e.to_yaml().unwrap();
    assert!(
        yaml.contains("across_line: line-2015") && yaml.contains("id: line-2015"),
        "{yaml}"
    );
    let again = RuleSet::from_yaml(&yaml).unwrap().compile().unwrap();
    check(&again, &at(", location: AAA-OCC"), "BBB=-");
    check(&again, &at(", location: AAA"), "BBB=assist/definite");
    // An unknown line is an error at its place, with the nearest line.
    let text = format!("{WORLD}\n{}", pact("line-2016"));
    let err = RuleSet::from_yaml(&text).err().unwrap().diagnostics.to_string();
    assert!(
        err.contains("error[unknown-line]: unknown line `line-2016`") && err.contains("did you mean `line-2015`?"),
        "{err}"
    );
}
