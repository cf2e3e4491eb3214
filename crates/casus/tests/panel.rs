//! `Engine::panel`: who is bound to whom, period by period, on small rule sets whose answers
//! can be worked out by hand, and on the shipped library.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use casus::RuleSet;
use casus::panel::{PanelOptions, Unit};
use jiff::civil::date;

/// Two treaties over five parties: a defense pact with an accession and a withdrawal, an
/// offense promise, neutrality, non-aggression and consultation on request, and a diplomatic
/// pledge (none of the five kinds).
const RULES: &str = r"
parties:
  - {id: AAA, name: A, cow: [{code: 2}]}
  - {id: BBB, name: B, cow: [{code: 20}]}
  - {id: CCC, name: C, cow: [{code: 200, before: 2001-07-01}, {code: 210, from: 2001-07-01}]}
  - {id: DDD, name: D}
  - {id: X_1, name: Not an ISO code}
facts:
  - {id: adversary_named, description: The attacker is the adversary the treaty names.}
treaties:
  - id: pact
    name: Pact
    in_force: 2000-01-01
    parties:
      - {party: AAA}
      - {party: BBB}
      - {party: CCC, joined: 2000-03-01, left: 2002-01-01}
    clauses:
      - id: defense
        citation: Art. 1
        trigger: {all: [{event: armed_attack}, {target: treaty_party}]}
        obligations:
          - {level: assist, obligated: [AAA, CCC]}
      - id: defense_conditional
        citation: Art. 2
        trigger: {all: [{event: armed_attack}, {target: treaty_party}, {fact: adversary_named}]}
        obligations:
          - {level: military, obligated: [BBB]}
      - id: offense
        citation: Art. 3
        trigger: {all: [{event: armed_attack}, {attacker: treaty_party}]}
        obligations:
          - {level: assist, obligated: [BBB], toward: attacker}
      - id: consult
        citation: Art. 4
        trigger: {all: [{event: threat}, {target: treaty_party}, {fact: requested}]}
        obligations:
          - {level: consult}
  - id: side
    name: Side agreement
    in_force: 2001-01-01
    terminated: 2001-01-03
    parties:
      - {party: DDD}
      - {party: X_1}
    clauses:
      - id: neutral
        citation: Art. 1
        trigger: {all: [{event: armed_attack}, {target: treaty_party}]}
        obligations:
          - {level: neutrality}
      - id: nonagg
        citation: Art. 2
        trigger: {all: [{event: armed_attack}, {target: treaty_party}]}
        obligations:
          - {level: non_aggression}
      - id: words
        citation: Art. 3
        trigger: {all: [{event: armed_attack}, {target: {is: [DDD]}}]}
        obligations:
          - {level: diplomatic, obligated: [X_1]}
";

fn check(from: (i16, i8, i8), to: (i16, i8, i8), unit: Unit, directed: bool, expected: &str) {
    let engine = RuleSet::from_yaml(RULES).unwrap().compile().unwrap();
    let opts = PanelOptions {
        from: date(from.0, from.1, from.2),
        to: date(to.0, to.1, to.2),
        unit,
        directed,
    };
    let panel = engine.panel(&opts).unwrap();
    let mut out = Vec::new();
    let n = panel.write_csv(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    // Keep the columns that matter here: the pair, codes, period, days, level, status, the five
    // kinds, what it waits on (non-empty conditions only), direction and treaties.
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let keep: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| {
            !h.ends_with("_iso3") && !h.starts_with("waits_")
                || **h == "waits_adversary_named"
                || **h == "waits_requested"
                || **h == "waits_attacker"
        })
        .map(|(i, _)| i)
        .collect();
    let pick = |l: &str| -> String {
        let f: Vec<&str> = l.split(',').collect();
        keep.iter().map(|i| f[*i]).collect::<Vec<_>>().join(",")
    };
    let got: Vec<String> = std::iter::once(pick(&header.join(",")))
        .chain(lines.map(pick))
        .collect();
    let want: Vec<&str> = expected.trim().lines().map(str::trim).collect();
    assert_eq!(got, want, "\n{}", got.join("\n"));
    assert_eq!(n, want.len() - 1, "rows counted");
}

const HEAD: &str = "obligor,beneficiary,obligor_cow,beneficiary_cow,year,days,level,status,defense,offense,neutrality,non_aggression,consultation,waits_attacker,waits_requested,waits_adversary_named,direction_uncertain,treaties,atop_ids";

#[test]
fn directed_dyad_years_with_accession_withdrawal_and_a_change_of_code() {
    check(
        (1999, 1, 1),
        (2002, 12, 31),
        Unit::DyadYear,
        true,
        &format!(
            "{HEAD}
            AAA,BBB,2,20,2000,366,assist,definite,1,0,0,0,1,0,0,0,0,pact,
            AAA,BBB,2,20,2001,365,assist,definite,1,0,0,0,1,0,0,0,0,pact,
            AAA,BBB,2,20,2002,365,assist,definite,1,0,0,0,1,0,0,0,0,pact,
            AAA,CCC,2,200,2000,306,assist,definite,1,0,0,0,1,0,0,0,0,pact,
            AAA,CCC,2,200,2001,181,assist,definite,1,0,0,0,1,0,0,0,0,pact,
            AAA,CCC,2,210,2001,184,assist,definite,1,0,0,0,1,0,0,0,0,pact,
            BBB,AAA,20,2,2000,366,military,contingent,1,1,0,0,1,0,0,1,0,pact,
            BBB,AAA,20,2,2001,365,military,contingent,1,1,0,0,1,0,0,1,0,pact,
            BBB,AAA,20,2,2002,365,military,contingent,1,1,0,0,1,0,0,1,0,pact,
            BBB,CCC,20,200,2000,306,military,contingent,1,1,0,0,1,0,0,1,0,pact,
            BBB,CCC,20,200,2001,181,military,contingent,1,1,0,0,1,0,0,1,0,pact,
            BBB,CCC,20,210,2001,184,military,contingent,1,1,0,0,1,0,0,1,0,pact,
            CCC,AAA,200,2,2000,306,assist,definite,1,0,0,0,1,0,0,0,0,pact,
            CCC,AAA,200,2,2001,181,assist,definite,1,0,0,0,1,0,0,0,0,pact,
            CCC,AAA,210,2,2001,184,assist,definite,1,0,0,0,1,0,0,0,0,pact,
            CCC,BBB,200,20,2000,306,assist,definite,1,0,0,0,1,0,0,0,0,pact,
            CCC,BBB,200,20,2001,181,assist,definite,1,0,0,0,1,0,0,0,0,pact,
            CCC,BBB,210,20,2001,184,assist,definite,1,0,0,0,1,0,0,0,0,pact,
            DDD,X_1,,,2001,2,neutrality,definite,0,0,1,1,0,0,0,0,0,side,
            X_1,DDD,,,2001,2,diplomatic,definite,0,0,1,1,0,0,0,0,0,side,"
        ),
    );
}

#[test]
fn undirected_dyad_days_merge_both_directions_and_order_by_cow_code() {
    // 2000-02-28 to 2000-03-02: CCC joins on 03-01. The pair AAA–BBB is bound both ways (A's
    // definite assist, B's contingent military): the stronger level wins with its status.
    let head = HEAD
        .replace("obligor", "party1")
        .replace("beneficiary", "party2")
        .replace("year", "date");
    check(
        (2000, 2, 28),
        (2000, 3, 2),
        Unit::DyadDay,
        false,
        &format!(
            "{head}
            AAA,BBB,2,20,2000-02-28,1,military,contingent,1,1,0,0,1,0,0,1,0,pact,
            AAA,BBB,2,20,2000-02-29,1,military,contingent,1,1,0,0,1,0,0,1,0,pact,
            AAA,BBB,2,20,2000-03-01,1,military,contingent,1,1,0,0,1,0,0,1,0,pact,
            AAA,BBB,2,20,2000-03-02,1,military,contingent,1,1,0,0,1,0,0,1,0,pact,
            AAA,CCC,2,200,2000-03-01,1,assist,definite,1,0,0,0,1,0,0,0,0,pact,
            AAA,CCC,2,200,2000-03-02,1,assist,definite,1,0,0,0,1,0,0,0,0,pact,
            BBB,CCC,20,200,2000-03-01,1,military,contingent,1,1,0,0,1,0,0,1,0,pact,
            BBB,CCC,20,200,2000-03-02,1,military,contingent,1,1,0,0,1,0,0,1,0,pact,"
        ),
    );
}
