//! Overlays: a rule set's `ruleset.yaml` amends treaties of what it extends (`amend:`). What
//! an amendment changes in the answers, and how a mistake in one is reported.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;

use casus::{Limits, RuleSet, Scenario};

/// The base rule set: a pact of AAA, BBB and CCC (CCC leaving in 2030) with a consultation
/// clause and an assistance clause; DDD is no party.
const BASE: &str = r"
parties:
  - {id: AAA, name: A}
  - {id: BBB, name: B}
  - {id: CCC, name: C}
  - {id: DDD, name: D}
  - {id: RRR, name: R}
treaties:
  - id: pact
    name: The Pact
    in_force: 2000-01-01
    parties:
      - {party: AAA}
      - {party: BBB}
      - {party: CCC, left: 2030-01-01}
    clauses:
      - id: art4
        citation: Art. 4
        trigger: {target: treaty_party}
        obligations:
          - level: consult
      - id: art5
        citation: Art. 5
        trigger:
          all: [{target: treaty_party}, {event: armed_attack}]
        obligations:
          - level: assist
";

/// A repository holding the base rule set in `base/` and the overlay manifest in `draft/`.
fn repo(tag: &str, manifest: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("casus-overlay-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::create_dir_all(dir.join("base")).unwrap();
    std::fs::create_dir_all(dir.join("draft")).unwrap();
    std::fs::write(dir.join("base/pact.yaml"), BASE).unwrap();
    std::fs::write(
        dir.join("draft/ruleset.yaml"),
        format!("name: test overlay\nextends: [../base]\n{manifest}"),
    )
    .unwrap();
    dir.join("draft")
}

/// Who owes what (`AAA assist`) when `target` is attacked on `date`, under the overlay.
fn owed(tag: &str, manifest: &str, date: &str, target: &str) -> Vec<String> {
    let rules = RuleSet::load_with(&[repo(tag, manifest)], &Limits::default()).unwrap_or_else(|e| panic!("{e:?}"));
    let engine = rules.compile().unwrap();
    let s = Scenario::from_yaml(&format!(
        "date: {date}\nevent: armed_attack\nattacker: RRR\ntarget: {target}\n"
    ))
    .unwrap();
    let v = engine.evaluate(&s).unwrap();
    v.obligations
        .iter()
        .map(|o| format!("{} {}", o.party, o.level))
        .collect()
}

/// (code, message, line, column) of every error of the load.
fn errors(tag: &str, manifest: &str) -> Vec<(String, String, u32, u32)> {
    let err = RuleSet::load_with(&[repo(tag, manifest)], &Limits::default())
        .err()
        .unwrap_or_else(|| panic!("the overlay `{tag}` loads"));
    err.diagnostics
        .items()
        .iter()
        .filter(|d| d.severity == casus::Severity::Error)
        .map(|d| {
            (
                d.code.to_string(),
                format!(
                    "{}{}",
                    d.message,
                    d.help.as_deref().map(|h| format!(" — {h}")).unwrap_or_default()
                ),
                d.position.line,
                d.position.column,
            )
        })
        .collect()
}

#[test]
fn an_added_party_is_obliged_from_the_day_it_joins() {
    let m = "amend:\n  - treaty: pact\n    add_parties:\n      - {party: DDD, joined: 2027-01-01}\n";
    // Before it joins, DDD neither owes nor is owed.
    assert_eq!(owed("add-before", m, "2026-06-01", "AAA"), ["BBB assist", "CCC assist"]);
    assert_eq!(owed("add-before-d", m, "2026-06-01", "DDD"), Vec::<String>::new());
    // From the day it joins, both.
    assert_eq!(
        owed("add-after", m, "2027-06-01", "AAA"),
        ["BBB assist", "CCC assist", "DDD assist"]
    );
    assert_eq!(
        owed("add-after-d", m, "2027-06-01", "DDD"),
        ["AAA assist", "BBB assist", "CCC assist"]
    );
}

#[test]
fn a_removed_party_owes_nothing_and_a_party_that_leaves_owes_until_then() {
    let gone = "amend:\n  - treaty: pact\n    remove_parties: [{party: BBB}]\n";
    assert_eq!(owed("remove", gone, "2010-01-01", "AAA"), ["CCC assist"]);
    let leaves = "amend:\n  - treaty: pact\n    remove_parties: [{party: BBB, left: 2020-01-01}]\n";
    assert_eq!(
        owed("leave-before", leaves, "2019-12-31", "AAA"),
        ["BBB assist", "CCC assist"]
    );
    assert_eq!(owed("leave-after", leaves, "2020-01-01", "AAA"), ["CCC assist"]);
    // Removed and added again: new dates for a party.
    let rejoin = "amend:\n  - treaty: pact\n    remove_parties: [{party: CCC}]\n    add_parties: [{party: CCC, joined: 2040-01-01}]\n";
    assert_eq!(owed("rejoin-1", rejoin, "2010-01-01", "AAA"), ["BBB assist"]);
    assert_eq!(
        owed("rejoin-2", rejoin, "2041-01-01", "AAA"),
        ["BBB assist", "CCC assist"]
    );
}

#[test]
fn clauses_are_replaced_added_and_removed() {
    let replaced = "amend:
  - treaty: pact
    replace_clauses:
      - id: art5
        citation: Art. 5 (amended)
        trigger:
          all: [{target: treaty_party}, {event: armed_attack}]
        obligations:
          - level: military
";
    assert_eq!(
        owed("replace", replaced, "2010-01-01", "AAA"),
        ["BBB military", "CCC military"]
    );
    let removed = "amend:\n  - treaty: pact\n    remove_clauses: [art5]\n";
    assert_eq!(
        owed("remove-clause", removed, "2010-01-01", "AAA"),
        ["BBB consult", "CCC consult"]
    );
    let added = "amend:
  - treaty: pact
    remove_clauses: [art5]
    add_clauses:
      - id: art5_bis
        citation: Art. 5 bis
        trigger: {all: [{target: treaty_party}, {event: armed_attack}]}
        obligations: [{level: all_means}]
";
    assert_eq!(
        owed("add-clause", added, "2010-01-01", "AAA"),
        ["BBB all_means", "CCC all_means"]
    );
}

#[test]
fn mistakes_in_an_amendment_are_located_and_explained() {
    let check = |tag: &str, manifest: &str, expected: &[(&str, &str, u32, u32)]| {
        let got = errors(tag, manifest);
        let want: Vec<(String, String, u32, u32)> = expected
            .iter()
            .map(|(c, m, l, col)| (c.to_string(), m.to_string(), *l, *col))
            .collect();
        assert_eq!(got, want, "{tag}");
    };
    // Lines count from the manifest's first line (`name:`, `extends:`, then the amendment).
    check(
        "unknown-treaty",
        "amend:\n  - treaty: pakt\n    add_parties: [{party: DDD}]\n",
        &[(
            "amend-unknown-treaty",
            "`amend` names treaty `pakt`, which no rule set loaded here declares — did you mean `pact`? an amendment changes a treaty of a rule set named under `extends:`; a new treaty goes in a rule file",
            4,
            13,
        )],
    );
    check(
        "not-a-member",
        "amend:\n  - treaty: pact\n    remove_parties: [{party: DDD}]\n",
        &[(
            "amend-not-a-member",
            "cannot remove `DDD` from `pact`: it is not a party to it — only a party listed under the treaty's `parties:` can be removed",
            5,
            30,
        )],
    );
    check(
        "already-left",
        "amend:\n  - treaty: pact\n    remove_parties: [{party: CCC, left: 2035-01-01}]\n",
        &[(
            "amend-not-a-member",
            "`CCC` has already left `pact`: no open membership to end on 2035-01-01 — omit `left:` to strike the party from the treaty altogether",
            5,
            41,
        )],
    );
    check(
        "already-member",
        "amend:\n  - treaty: pact\n    add_parties: [{party: AAA, joined: 2027-01-01}]\n",
        &[(
            "amend-already-a-member",
            "`AAA` is already a party to `pact` — to change its dates, list it under `remove_parties:` too (it is removed first) and add it with the new `joined:`",
            5,
            27,
        )],
    );
    check(
        "unknown-party",
        "amend:\n  - treaty: pact\n    add_parties: [{party: DDE}]\n",
        &[(
            "unknown-party",
            "cannot add `DDE` to `pact`: no such party — did you mean `DDD`? parties are declared under `parties:` in a rule file",
            5,
            27,
        )],
    );
    check(
        "unknown-clause",
        "amend:\n  - treaty: pact\n    remove_clauses: [art55]\n",
        &[(
            "amend-unknown-clause",
            "cannot remove clause `art55`: treaty `pact` has no such clause — did you mean `art5`? its clauses are art4, art5",
            5,
            22,
        )],
    );
    check(
        "duplicate-clause",
        "amend:\n  - treaty: pact\n    add_clauses:\n      - {id: art4, citation: x, trigger: {target: treaty_party}, obligations: [{level: consult}]}\n",
        &[(
            "amend-duplicate-clause",
            "treaty `pact` already has a clause `art4` — to change it, list it under `replace_clauses:`; to add another, give it a new id",
            6,
            14,
        )],
    );
    // A mistake inside an added clause is reported at its line in the manifest.
    let bad = errors(
        "bad-clause",
        "amend:\n  - treaty: pact\n    add_clauses:\n      - id: art9\n        citation: Art. 9\n        trigger: {target: {is: [QQQ]}}\n        obligations: [{level: consult}]\n",
    );
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(
        (bad[0].0.as_str(), bad[0].2, bad[0].3),
        ("unknown-party", 8, 33),
        "{bad:?}"
    );
    let err = RuleSet::load_with(&[repo("bad-clause-file", "amend:\n  - treaty: pact\n    add_clauses:\n      - id: art9\n        citation: Art. 9\n        trigger: {target: {is: [QQQ]}}\n        obligations: [{level: consult}]\n")], &Limits::default()).err().unwrap();
    assert!(err.diagnostics.items()[0].position.file.ends_with("draft/ruleset.yaml"));
    // An unknown key in an amendment is an error like any other.
    let key = errors(
        "unknown-key",
        "amend:\n  - treaty: pact\n    add_party: [{party: DDD}]\n",
    );
    assert!(key[0].1.contains("add_party"), "{key:?}");
}
