//! `casus verify` and `casus diff` as a user runs them: output snapshots, exit codes, and
//! counterexample files that `casus eval` reproduces.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::{casus, root};

const BROKEN: &str = "crates/casus/tests/data/broken-guarantee/rules";
const BROKEN_PROPS: &str = "crates/casus/tests/data/broken-guarantee/properties.yaml";

#[test]
fn verify_the_broken_guarantee() {
    let (code, out, err) = casus(&["verify", BROKEN, BROKEN_PROPS]);
    assert_eq!(code, 1, "{out}\n{err}");
    insta::assert_snapshot!(out);
}

#[test]
fn verify_draft_b() {
    let (code, out, err) = casus(&[
        "verify",
        "rules/drafts/ukraine-coalition-b",
        "examples/properties/ukraine.yaml",
    ]);
    assert_eq!(code, 1, "{out}\n{err}");
    insta::assert_snapshot!(out);
}

#[test]
fn verify_a_property_that_holds_exits_0() {
    let dir = std::env::temp_dir().join(format!("casus-verify-ok-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let props = dir.join("p.yaml");
    std::fs::write(
        &props,
        "properties:\n  - id: usa\n    require: {never: {parties: [USA], level: military}}\n",
    )
    .unwrap();
    let (code, out, err) = casus(&["verify", BROKEN, props.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["properties"][0]["outcome"], "proven");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn counterexample_files_reproduce_with_casus_eval() {
    let dir = std::env::temp_dir().join(format!("casus-counterexamples-{}", std::process::id()));
    let (code, _, err) = casus(&[
        "verify",
        BROKEN,
        BROKEN_PROPS,
        "--counterexamples",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    let file = dir.join("kyiv-covered.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("name: counterexample to kyiv-covered"), "{text}");
    // Marked as a counterexample, so that `casus test` on the folder skips it with a note.
    assert!(text.starts_with(casus::COUNTEREXAMPLE_MARKER), "{text}");
    let (_, out, _) = casus(&["test", dir.to_str().unwrap()]);
    assert!(
        out.contains(&format!(
            "skip {}: a counterexample written by `casus verify`",
            file.display()
        )),
        "{out}"
    );
    assert!(
        out.contains("0 passed, 0 failed\n0 without expectations, 2 skipped\n"),
        "{out}"
    );
    // The scenario names its rule set, so `casus eval` needs nothing else but, since the file
    // lies outside the repository it names the rules of, leave to reach them.
    let repo = root();
    let (code, out, err) = casus(&[
        "eval",
        file.to_str().unwrap(),
        "--format",
        "json",
        "--allow-outside",
        repo.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["obligations"].as_array().map(Vec::len), Some(0), "{out}");
    assert_eq!(v["location"], "UA-30");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn verify_errors_exit_2() {
    let (code, _, err) = casus(&["verify", BROKEN, "no/such/properties.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/properties.yaml"), "{err}");
    let dir = std::env::temp_dir().join(format!("casus-verify-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let props = dir.join("p.yaml");
    std::fs::write(
        &props,
        "properties:\n  - id: x\n    scope: {target: {is: UKRR}}\n    require: {never: {level: militar}}\n",
    )
    .unwrap();
    let (code, _, err) = casus(&["verify", BROKEN, props.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("militar"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn diff_of_drafts_a_and_b() {
    let (code, out, err) = casus(&[
        "diff",
        "rules/drafts/ukraine-coalition-a",
        "rules/drafts/ukraine-coalition-b",
    ]);
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!(out);
}

#[test]
fn diff_json_is_deterministic_and_a_rule_set_equals_itself() {
    let args = [
        "diff",
        "rules/drafts/ukraine-coalition-a",
        "rules/drafts/ukraine-coalition-c",
        "--format",
        "json",
    ];
    let (code, one, _) = casus(&args);
    assert_eq!(code, 1);
    let (_, two, _) = casus(&args);
    assert_eq!(one, two);
    let (code, out, _) = casus(&["diff", BROKEN, BROKEN]);
    assert_eq!(code, 0);
    assert!(out.contains("No verdict changes."), "{out}");
}

/// Where standard error is not a terminal (as here), `--progress` writes a line when each
/// property starts and ends; standard output is byte-identical with and without it.
#[test]
fn verify_progress_goes_to_stderr_when_asked() {
    let (code, quiet, err) = casus(&["verify", BROKEN, BROKEN_PROPS]);
    assert_eq!(code, 1, "{err}");
    let (code, out, err) = casus(&["verify", BROKEN, BROKEN_PROPS, "--progress"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, quiet);
    // (ext) `--no-progress` shows nothing, and cannot be asked together with `--progress`.
    let (code, silent, none) = casus(&["verify", BROKEN, BROKEN_PROPS, "--no-progress"]);
    assert_eq!((code, silent.as_str(), none.as_str()), (1, quiet.as_str(), ""));
    let (code, _, both) = casus(&["verify", BROKEN, BROKEN_PROPS, "--progress", "--no-progress"]);
    assert_eq!(code, 2, "{both}");
    let lines: Vec<&str> = err.lines().collect();
    for id in [
        "kyiv-covered",
        "no-ground-troops",
        "usa-never-military",
        "nothing-before-entry-into-force",
    ] {
        let prefix = format!("verify: {id}: ");
        let of = lines.iter().filter(|l| l.starts_with(&prefix)).count();
        assert_eq!(of, 2, "{id}: a line at the start and at the end:\n{err}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&prefix) && l.ends_with("classes (100%)")),
            "{err}"
        );
    }
    let (code, _, err) = casus(&[
        "diff",
        "rules/drafts/ukraine-coalition-a",
        "rules/drafts/ukraine-coalition-b",
        "--progress",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.lines()
            .last()
            .is_some_and(|l| l.starts_with("diff: ") && l.ends_with("(100%)")),
        "{err}"
    );
}

#[test]
fn diff_of_forms_and_deadline_only() {
    let (code, out, err) = casus(&[
        "diff",
        "rules/drafts/ukraine-coalition-a",
        "crates/casus/tests/data/draft-a-forms-deadline",
    ]);
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!(out);
}

/// `--target` and `--party` limit a diff to what a drafter asks about; an unknown id is an
/// error with a suggestion.
#[test]
fn diff_limited_to_a_target_and_a_party() {
    let (code, out, err) = casus(&[
        "diff",
        "rules/drafts/ukraine-coalition-a",
        "rules/drafts/ukraine-coalition-b",
        "--target",
        "UKR",
        "--party",
        "GBR,USA",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let groups = v["groups"].as_array().unwrap();
    assert!(!groups.is_empty());
    for g in groups {
        assert_eq!(g["target"], "UKR");
        assert!(g["party"] == "GBR" || g["party"] == "USA", "{g}");
    }
    assert!(groups.iter().any(|g| g["party"] == "USA"));
    let (code, _, err) = casus(&[
        "diff",
        "rules/drafts/ukraine-coalition-a",
        "rules/drafts/ukraine-coalition-b",
        "--party",
        "GBRR",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown party `GBRR` (in neither rule set); did you mean `GBR`?"),
        "{err}"
    );
}

#[test]
fn a_property_only_sampled_exits_3_unless_sampling_is_accepted() {
    let dir = std::env::temp_dir().join(format!("casus-verify-sampled-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let props = dir.join("p.yaml");
    std::fs::write(
        &props,
        "properties:\n  - id: two\n    scope: {attackers: {at_least: 2, that: state}}\n    require: {never: {parties: [USA], level: military}}\n",
    )
    .unwrap();
    let p = props.to_str().unwrap();
    let (code, out, err) = casus(&["verify", BROKEN, p]);
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(out.contains("two: not checked exhaustively"), "{out}");
    assert!(out.contains("random scenarios"), "{out}");
    let (code, out, err) = casus(&["verify", BROKEN, p, "--accept-sampled"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, err) = casus(&["verify", BROKEN, p, "--sample", "200"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A rule file: 300 parties and a rival, `members` of them in one alliance whose Art. 5
/// obliges every other member to assist an attacked member.
fn alliance(members: usize) -> String {
    let mut s = String::from("parties:\n");
    for i in 1..=300 {
        s.push_str(&format!("  - {{id: P{i:03}, name: Party {i}}}\n"));
    }
    s.push_str("  - {id: RRR, name: Rival}\ntreaties:\n  - id: big\n    name: Big Alliance\n");
    s.push_str("    in_force: 2000-01-01\n    source: generated for a test\n    parties:\n");
    for i in 1..=members {
        s.push_str(&format!("      - {{party: P{i:03}}}\n"));
    }
    s.push_str(
        "    clauses:\n      - id: art5\n        citation: Art. 5\n        summary: one for all\n        trigger:\n          all: [{target: treaty_party}, {event: armed_attack}]\n        obligations:\n          - level: assist\n",
    );
    s
}

/// Issue 14, item 15: a diff of a 300-member alliance against the same minus one member
/// printed 142 MB. By default the table stops at 40 rows and sums up the rest per kind and per
/// party (parties in a cell cut at twenty); `--full` prints every row.
#[test]
fn a_diff_of_a_large_alliance_is_summarized_unless_full() {
    let dir = std::env::temp_dir().join(format!("casus-big-diff-{}", std::process::id()));
    for (name, members) in [("old", 300), ("new", 299)] {
        std::fs::create_dir_all(dir.join(name)).unwrap();
        std::fs::write(dir.join(name).join("rules.yaml"), alliance(members)).unwrap();
    }
    let (old, new) = (dir.join("old"), dir.join("new"));
    let args = |full: bool| {
        let mut v = vec![
            "diff".to_string(),
            old.display().to_string(),
            new.display().to_string(),
            "--target".into(),
            "P300".into(),
        ];
        if full {
            v.push("--full".into());
        }
        v
    };
    let run = |full: bool| {
        let a = args(full);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        casus(&refs)
    };
    let (code, summary, err) = run(false);
    assert_eq!(code, 1, "{err}");
    // Each attacker but the leaving member gives a row: 303 rows in all.
    assert!(summary.contains("… and 263 more rows"), "{summary}");
    assert!(summary.contains("Changes by party (scenarios): P001 "), "{summary}");
    assert!(summary.contains("and 279 more parties"), "{summary}");
    assert!(summary.contains("\n#40 ") && !summary.contains("\n#41 "), "{summary}");
    assert!(summary.len() < 40_000, "{} bytes", summary.len());
    let (code, full, _) = run(true);
    assert_eq!(code, 1);
    assert!(full.contains("\n#303 ") && !full.contains("more rows"));
    assert!(
        full.len() > 50 * summary.len(),
        "{} against {}",
        full.len(),
        summary.len()
    );
}

/// Issue 14, item 15, the JSON form: `--format json` of the same diff printed every group
/// (90 000 of them, 49 MB). By default it keeps the first 40 groups and a `summary` of all of
/// them (per kind, per party, what was left out); `--full` writes every group. Both are valid
/// JSON and agree on the totals.
#[test]
fn a_diff_json_of_a_large_alliance_is_summarized_unless_full() {
    let dir = std::env::temp_dir().join(format!("casus-big-diff-json-{}", std::process::id()));
    for (name, members) in [("old", 300), ("new", 299)] {
        std::fs::create_dir_all(dir.join(name)).unwrap();
        std::fs::write(dir.join(name).join("rules.yaml"), alliance(members)).unwrap();
    }
    let (old, new) = (
        dir.join("old").display().to_string(),
        dir.join("new").display().to_string(),
    );
    let run = |full: bool| {
        let mut a = vec![
            "diff",
            old.as_str(),
            new.as_str(),
            "--target",
            "P300",
            "--format",
            "json",
        ];
        if full {
            a.push("--full");
        }
        let (code, out, err) = casus(&a);
        assert_eq!(code, 1, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        (out.len(), v)
    };
    let (short_len, short) = run(false);
    let (full_len, full) = run(true);
    let _ = std::fs::remove_dir_all(&dir);
    let groups = |v: &serde_json::Value| v["groups"].as_array().unwrap().clone();
    let scenarios = |g: &[serde_json::Value]| g.iter().map(|g| g["scenarios"].as_u64().unwrap()).sum::<u64>();
    let (shown, all) = (groups(&short), groups(&full));
    let summary = &short["summary"];
    assert_eq!(shown.len(), 40);
    assert_eq!(shown[..], all[..40], "the groups kept are the first of the full report");
    assert_eq!(summary["shown"], 40);
    assert_eq!(summary["groups"].as_u64(), Some(all.len() as u64));
    assert!(all.len() > 10_000, "{}", all.len());
    assert_eq!(
        scenarios(&shown) + summary["omitted_scenarios"].as_u64().unwrap(),
        scenarios(&all)
    );
    assert_eq!(summary["by_kind"]["level"].as_u64(), Some(scenarios(&all)));
    let by_party = summary["by_party"].as_array().unwrap();
    assert_eq!(by_party.len(), 20);
    assert_eq!(by_party[0]["party"], "P001");
    let parties = all
        .iter()
        .map(|g| g["party"].as_str().unwrap())
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(summary["more_parties"].as_u64(), Some(parties.len() as u64 - 20));
    for key in ["space", "scenarios", "changed", "evaluated"] {
        assert_eq!(short[key], full[key], "{key}");
    }
    assert!(full.get("summary").is_none());
    assert!(short_len < 40_000, "{short_len} bytes");
    assert!(full_len > 500 * short_len, "{full_len} against {short_len}");
}
