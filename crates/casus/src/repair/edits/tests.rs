//! Each kind of edit on a small rule file: the text before, the edit (in words), the text
//! after, which must read as a rule file again.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::repair::Draft;
use crate::{EventKind, On};

use super::{Seeds, apply, candidates};

/// A treaty with a test of every kind the edits change, nested ones included.
const PACT: &str = "\
treaties:
  - id: pact
    name: Pact
    in_force: 2026-06-01
    parties:
      - {party: POL}
      - {party: FRA, joined: 2026-07-01}
    clauses:
      - id: art1
        citation: Art. 1
        trigger:
          all:
            - event: armed_attack  # the attack
            - on: territory
            - attacker: {is: [RUS]}
            - location: {tagged: [baltic]}
            - any:
                - target: {is: [POL]}
                - location: {in: [UKR]}
            - not: {location: {controller: attacker}}
            - not: {fact: provoked}
            - date: {from: 2026-06-01}
        obligations:
          - level: consult
            obligated: [POL]
            forms: {allowed: [consultation]}
            deadline: {within_hours: 48}
            when: {fact: requested}
            then:
              - level: assist
                forms:
                  excluded: [ground_troops]
";

/// A consultation within 24 hours, then assistance with no deadline (draft B's obligation).
const STAGED: &str = "\
treaties:
  - id: pact
    name: Pact
    clauses:
      - id: art1
        citation: Art. 1
        trigger: {event: armed_attack}
        obligations:
          - level: consult
            deadline: {within_hours: 24}
            then:
              - level: assist
";

/// What a counterexample and the properties to repair name.
fn seeds() -> Seeds {
    Seeds {
        places: vec!["UA-09-OCC".into()],
        attackers: vec!["BLR".into()],
        targets: vec!["UKR".into()],
        events: vec![EventKind::CyberAttack],
        ons: vec![On::Forces],
        dates: vec![jiff::civil::date(2026, 5, 1)],
        tags: vec!["europe".into()],
        parties: vec!["UKR".into()],
        hours: vec![24],
    }
}

/// The edit described by `what` turns `before` into `after`, and `after` reads as a rule file.
fn check(before: &str, what: &str, after: &str) {
    let limits = crate::Limits::default();
    let files = vec![
        Draft::editable("<rules>", before.to_string(), &limits)
            .unwrap()
            .unwrap(),
    ];
    let all = candidates(&files, &seeds());
    let Some(edit) = all.iter().find(|e| e.what == what) else {
        let list: Vec<&str> = all.iter().map(|e| e.what.as_str()).collect();
        panic!("no edit `{what}` among:\n{}", list.join("\n"));
    };
    let edited = apply(before, &[edit]);
    assert_eq!(edited, after, "{what}");
    assert!(
        Draft::editable("<rules>", edited, &limits).is_ok(),
        "`{what}` does not read as a rule file"
    );
}

/// Each kind of edit, in PACT: the edit in words, the text it replaces, the text it writes.
const EDITS: &[(&str, &str, &str)] = &[
    (
        "add UKR to the parties of `pact`",
        "      - {party: FRA, joined: 2026-07-01}\n",
        "      - {party: FRA, joined: 2026-07-01}\n      - {party: UKR}\n",
    ),
    (
        "add FRA to the obligors of clause `pact/art1`",
        "obligated: [POL]",
        "obligated: [POL, FRA]",
    ),
    (
        "add the tag europe to where clause `pact/art1` applies",
        "{tagged: [baltic]}",
        "{tagged: [baltic, europe]}",
    ),
    (
        "add what was hit: forces to `on: territory` where clause `pact/art1` applies",
        "- on: territory\n",
        "- on: [territory, forces]\n",
    ),
    (
        "add the event kind cyber_attack to `event: armed_attack` where clause `pact/art1` applies",
        "- event: armed_attack  # the attack",
        "- event: [armed_attack, cyber_attack]  # the attack",
    ),
    // Nested in `any:`.
    (
        "add the place UA-09-OCC to where clause `pact/art1` applies",
        "{in: [UKR]}",
        "{in: [UKR, UA-09-OCC]}",
    ),
    (
        "drop the test `target: {is: [POL]}` from where clause `pact/art1` applies",
        "                - target: {is: [POL]}\n",
        "",
    ),
    (
        "add an exception to clause `pact/art1`: not when what was hit is forces",
        "            - date: {from: 2026-06-01}\n",
        "            - date: {from: 2026-06-01}\n            - not: {on: forces}\n",
    ),
    (
        "add an exception to clause `pact/art1`: not for an event of kind cyber_attack",
        "            - date: {from: 2026-06-01}\n",
        "            - date: {from: 2026-06-01}\n            - not: {event: cyber_attack}\n",
    ),
    (
        "add an exception to clause `pact/art1`: not when UKR is attacked",
        "            - date: {from: 2026-06-01}\n",
        "            - date: {from: 2026-06-01}\n            - not: {target: {is: [UKR]}}\n",
    ),
    // Nested in a flow `not:`.
    (
        "clause `pact/art1` applies to places whose sovereign at the date of the attack is the attacker, instead of `location: {controller: attacker}`",
        "- not: {location: {controller: attacker}}",
        "- not: {location: {sovereign: attacker}}",
    ),
    (
        "clause `pact/art1` waits on the fact provoked being true, instead of false",
        "- not: {fact: provoked}",
        "- fact: provoked",
    ),
    (
        "clause `pact/art1` waits on the fact determined",
        "            - date: {from: 2026-06-01}\n",
        "            - date: {from: 2026-06-01}\n            - fact: determined\n",
    ),
    (
        "add weapons to the forms required by the consult obligation of clause `pact/art1`",
        "forms: {allowed: [consultation]}",
        "forms: {required: [weapons], allowed: [consultation]}",
    ),
    (
        "add weapons to the forms required by the assist obligation of clause `pact/art1`",
        "                  excluded: [ground_troops]\n",
        "                  required: [weapons]\n                  excluded: [ground_troops]\n",
    ),
    (
        "move the entry into force of `pact` from 2026-06-01 to 2026-05-01",
        "in_force: 2026-06-01",
        "in_force: 2026-05-01",
    ),
    (
        "move the date FRA joined `pact` from 2026-07-01 to 2026-05-01",
        "joined: 2026-07-01",
        "joined: 2026-05-01",
    ),
    (
        "move the start of the `date:` window of clause `pact/art1` from 2026-06-01 to 2026-05-01",
        "{from: 2026-06-01}",
        "{from: 2026-05-01}",
    ),
    (
        "shorten the deadline of the consult obligation of clause `pact/art1` from within 48 hours to `{within_hours: 24}`",
        "deadline: {within_hours: 48}",
        "deadline: {within_hours: 24}",
    ),
    (
        "drop the condition `when: {fact: requested}` of an obligation of clause `pact/art1`",
        "            when: {fact: requested}\n",
        "",
    ),
];

#[test]
fn each_kind_of_edit_changes_the_text_where_the_value_is_written() {
    for (what, from, to) in EDITS {
        assert_eq!(PACT.matches(from).count(), 1, "`{from}` is not once in the rule file");
        check(PACT, what, &PACT.replacen(from, to, 1));
    }
}

#[test]
fn a_fact_turned_into_a_caveat_is_dropped_and_qualifies_every_obligation() {
    let after = PACT.replacen("            - not: {fact: provoked}\n", "", 1).replacen(
        "          - level: consult\n",
        "          - level: consult\n            caveats: [{other: \"only if not provoked\"}]\n",
        1,
    );
    check(
        PACT,
        "clause `pact/art1` no longer waits on the fact provoked being false: every obligation carries the caveat `{other: \"only if not provoked\"}` instead",
        &after,
    );
}

#[test]
fn an_obligation_waiting_on_a_fact_carries_it_as_a_caveat_instead() {
    let after = PACT.replacen("            when: {fact: requested}\n", "", 1).replacen(
        "          - level: consult\n",
        "          - level: consult\n            caveats: [{other: \"only if requested\"}]\n",
        1,
    );
    check(
        PACT,
        "an obligation of clause `pact/art1` no longer waits on the fact requested being true: it carries the caveat `{other: \"only if requested\"}` instead",
        &after,
    );
}

#[test]
fn a_later_stage_gets_the_deadline_left_by_the_stages_before() {
    // 24 hours to consult leave no time to assist within 24 hours of the attack: at once.
    check(
        STAGED,
        "give the assist stage of an obligation of clause `pact/art1` the deadline `immediately` (due within 24 hours of the attack)",
        &STAGED.replacen(
            "              - level: assist\n",
            "              - level: assist\n                deadline: immediately\n",
            1,
        ),
    );
}

#[test]
fn no_deadline_is_proposed_that_the_stages_before_already_exceed() {
    let limits = crate::Limits::default();
    let files = vec![Draft::editable("<rules>", PACT.to_string(), &limits).unwrap().unwrap()];
    let stage: Vec<String> = candidates(&files, &seeds())
        .into_iter()
        .filter(|e| e.kind == super::EditKind::AddDeadline)
        .map(|e| e.what)
        .collect();
    // The consultation is due within 48 hours: no deadline of the assist stage can make it
    // due within 24 hours of the attack.
    assert!(stage.is_empty(), "{stage:?}");
}
