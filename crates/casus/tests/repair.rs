//! `casus::repair` on the broken guarantee (each counterexample repaired by one edit; two
//! contradictory properties blocked, and by which) and on the shipped draft B (the smallest
//! repair is draft A's wording).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use casus::repair::{Draft, RepairOptions, RepairReport, repair};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const BROKEN: &str = "crates/casus/tests/data/broken-guarantee";

fn run(rules: &Path, props: &Path, only: &[&str], max_edits: usize) -> RepairReport {
    let draft = Draft::load(rules, &Default::default()).unwrap();
    let text = std::fs::read_to_string(props).unwrap();
    let opts = RepairOptions {
        max_edits,
        properties: only.iter().map(|s| (*s).to_string()).collect(),
        ..RepairOptions::default()
    };
    repair(&draft, (props, &text), &opts, None).unwrap()
}

/// What a report says, in short: per repair (best first) its edits as `kind: what`, or the
/// blocking property.
fn summary(r: &RepairReport) -> Vec<String> {
    if let Some(b) = &r.blocked {
        return vec![format!("blocked by {}", b.property)];
    }
    r.repairs
        .iter()
        .map(|rep| {
            rep.edits
                .iter()
                .map(|e| format!("{}: {}", e.kind.as_str(), e.what))
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect()
}

fn check(props: &str, only: &[&str], max_edits: usize, expected: &[&str]) {
    let r = run(
        &root().join(BROKEN).join("rules"),
        &root().join(BROKEN).join(props),
        only,
        max_edits,
    );
    assert_eq!(summary(&r), expected, "{}", casus::repair::render_repair(&r));
}

#[test]
fn kyiv_uncovered_is_repaired_by_one_edit() {
    check(
        "properties.yaml",
        &["kyiv-covered"],
        1,
        &[
            // Fewer side effects: the sovereign test also drops the attacks on Ukraine at
            // places Russia controls, which `controller: attacker` covered.
            "drop_test: drop the test `location: {controller: attacker}` from where clause `broken_guarantee/art1` applies",
            "place_holder: clause `broken_guarantee/art1` applies to places whose sovereign at the date of the attack is the target, instead of `location: {controller: attacker}`",
        ],
    );
}

#[test]
fn poland_ground_troops_are_repaired_by_one_edit() {
    check(
        "properties.yaml",
        &["no-ground-troops"],
        1,
        &["remove_form: remove ground_troops from the forms required by clause `broken_guarantee/art1`"],
    );
}

#[test]
fn both_at_once_take_two_edits() {
    check("properties.yaml", &[], 1, &["blocked by kyiv-covered"]);
    check(
        "properties.yaml",
        &[],
        2,
        &[
            "place_holder: clause `broken_guarantee/art1` applies to places whose sovereign at the date of the attack is the target, instead of `location: {controller: attacker}` + remove_form: remove ground_troops from the forms required by clause `broken_guarantee/art1`",
            "drop_test: drop the test `location: {controller: attacker}` from where clause `broken_guarantee/art1` applies + remove_form: remove ground_troops from the forms required by clause `broken_guarantee/art1`",
        ],
    );
}

#[test]
fn contradictory_properties_block_every_repair() {
    // Each property refutes the sets that repair the other; the one named is the one that
    // refutes the most sets tried.
    check("contradiction.yaml", &[], 3, &["blocked by kyiv-covered"]);
}

#[test]
fn a_date_moves_to_the_counterexample_and_a_deadline_to_the_property() {
    check(
        "time.yaml",
        &["covered-from-2026"],
        1,
        &["move_date: move the entry into force of `broken_guarantee` from 2026-06-01 to 2026-01-01"],
    );
    check(
        "time.yaml",
        &["assistance-within-24-hours"],
        1,
        &[
            "add_deadline: give the assist obligation of clause `broken_guarantee/art1` the deadline `{within_hours: 24}`",
        ],
    );
}
