//! Output an analyst reads: tables that fit 100 columns (full width with `--wide`), who owes
//! nothing summarised per treaty and reason, caveats beside the level they weaken, treaty
//! status at a date.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `casus` in the repository root; returns (exit code, stdout, stderr).
fn casus(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casus"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run casus: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn stdout(args: &[&str]) -> String {
    let (code, out, err) = casus(args);
    assert!(code == 0 || code == 1, "casus {args:?} exited {code}\n{err}");
    out
}

macro_rules! snapshot_case {
    ($name:ident, [$($arg:expr),*]) => {
        #[test]
        fn $name() {
            let (code, out, err) = casus(&[$($arg),*]);
            insta::assert_snapshot!(format!("exit {code}\n--- stdout\n{out}--- stderr\n{err}"));
        }
    };
}

const SENKAKU: &str = "examples/scenarios/us-japan/senkaku-2026.yaml";
const ESTONIA: &str = "examples/scenarios/eu/estonia-not-yet-activated.yaml";

/// Every table the CLI prints fits 100 columns by default.
#[test]
fn every_table_fits_100_columns() {
    let commands: &[&[&str]] = &[
        &["eval", ESTONIA],
        &["eval", SENKAKU],
        &["eval", "examples/scenarios/nato/hawaii.yaml"],
        &[
            "eval",
            "--explain",
            "examples/scenarios/ukraine/nato-alone-kyiv-2027.yaml",
        ],
        &["parties"],
        &["territories"],
        &["treaties", "--date", "2026-01-01"],
        &["guarantors", "POL", "--date", "2026-01-01"],
        &["guarantors", "SWE", "--from", "2024-01-01", "--to", "2024-12-31"],
        &["exposure", "USA", "--date", "2026-01-01", "--min-level", "assist"],
        &["graph", "--date", "2026-01-01"],
        &[
            "cascade",
            "examples/scenarios/1914/july-10-germany-invades-belgium.yaml",
            "--policy",
            "worst",
        ],
        &[
            "diff",
            "rules/drafts/ukraine-coalition-a",
            "rules/drafts/ukraine-coalition-b",
        ],
    ];
    for args in commands {
        let out = stdout(args);
        // An example scenario is YAML, printed as is.
        for line in out
            .split("\nOne scenario of each row:")
            .next()
            .unwrap_or_default()
            .lines()
        {
            assert!(
                line.chars().count() <= 100,
                "casus {}: a line of {} characters:\n{line}",
                args.join(" "),
                line.chars().count()
            );
        }
    }
}

/// `--wide` prints each row on one line, and the words are the same as in the fitted table.
#[test]
fn wide_prints_each_row_on_one_line_and_loses_nothing() {
    for args in [
        &["territories"][..],
        &["eval", ESTONIA][..],
        &["treaties", "--date", "2026-01-01"][..],
    ] {
        let narrow = stdout(args);
        let wide = stdout(&[args, &["--wide"][..]].concat());
        assert!(wide.lines().any(|l| l.chars().count() > 100), "{args:?}");
        // Wrapping moves words (and splits a word longer than its column), never drops one.
        let letters = |s: &str| {
            let mut w: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
            w.sort_unstable();
            w
        };
        assert_eq!(letters(&narrow), letters(&wide), "{args:?}");
    }
    let wide = stdout(&["territories", "--wide"]);
    let narrow = stdout(&["territories"]);
    assert!(wide.lines().count() < narrow.lines().count());
}

#[test]
fn the_target_is_never_listed_as_not_obliged_to_itself() {
    for args in [&["eval", SENKAKU][..], &["eval", "--why-not", SENKAKU][..]] {
        let out = stdout(args);
        assert!(!out.contains("is_target"), "{out}");
        assert!(!out.contains("JPN is the target"), "{out}");
    }
}

#[test]
fn why_not_lists_every_party_and_the_default_summarises() {
    let summary = stdout(&["eval", SENKAKU]);
    let each = stdout(&["eval", "--why-not", SENKAKU]);
    assert!(
        summary.contains("nato [target_not_a_party] 32 parties: ALB BEL"),
        "{summary}"
    );
    assert_ne!(summary, each);
    assert!(summary.contains("--why-not lists each party") && !each.contains("--why-not lists each party"));
    for party in ["BOL", "ECU", "MEX", "NIC"] {
        assert!(
            each.contains(&format!("{party} is not a party to Inter-American Treaty")),
            "{each}"
        );
    }
    let explained = stdout(&["eval", "--explain", SENKAKU]);
    let section = |s: &str| {
        s.split("\nNot obliged")
            .nth(1)
            .unwrap_or_default()
            .split("\n\n")
            .next()
            .unwrap_or_default()
            .trim_end()
            .to_string()
    };
    assert_eq!(section(&each), section(&explained));
}

#[test]
fn a_weakening_caveat_sits_beside_its_level_and_a_definite_weaker_level_shows() {
    let out = stdout(&["eval", ESTONIA]);
    let row = |party: &str| -> Vec<&str> {
        let mut lines = out.lines().skip_while(|l| !l.starts_with(party));
        let first = lines.next().unwrap_or_default();
        std::iter::once(first)
            .chain(lines.take_while(|l| l.starts_with(' ')))
            .collect()
    };
    let irl = row("IRL");
    assert!(
        irl[0].contains("all_means") && irl[0].contains("specific_character"),
        "{irl:?}"
    );
    let deu = row("DEU");
    assert!(
        deu[0].contains("all_means") && deu[0].contains("contingent on requested"),
        "{deu:?}"
    );
    assert!(
        deu.iter()
            .any(|l| l.contains("assist") && l.contains("definite") && l.contains("nato Art. 5")),
        "{deu:?}"
    );
    assert!(out.contains("specific_character: does not prejudice"), "{out}");
}

snapshot_case!(eval_estonia_caveats_and_two_levels, ["eval", ESTONIA]);
snapshot_case!(eval_senkaku_summary, ["eval", SENKAKU]);
snapshot_case!(treaties_on_a_date, ["treaties", "--date", "1995-01-01"]);

#[test]
fn treaties_status_is_at_the_date() {
    let at = |date: &str| {
        let out = stdout(&["treaties", "--date", date, "--wide"]);
        out.lines()
            .find(|l| l.starts_with("warsaw_pact"))
            .unwrap_or_else(|| panic!("{out}"))
            .to_string()
    };
    assert!(at("1980-01-01").contains(" in_force "), "{}", at("1980-01-01"));
    assert!(at("1995-01-01").contains(" ended "), "{}", at("1995-01-01"));
    assert!(at("1950-01-01").contains(" not_yet_in_force "), "{}", at("1950-01-01"));
    assert!(at("1995-01-01").contains("1955-06-05") && at("1995-01-01").contains("1991-07-01"));
}

/// Russian drones over Poland (September 2025): an incursion, not an armed attack. The allies
/// consult under Art. 4; nobody is bound to assist under Art. 5.
#[test]
fn an_incursion_triggers_consultation_not_collective_defence() {
    let scenario = "examples/scenarios/nato/poland-drones-2025-09-10.yaml";
    let (code, out, err) = casus(&["eval", "--format", "json", scenario]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["event"], "incursion");
    let obligations = v["obligations"].as_array().unwrap();
    assert!(obligations.len() >= 31, "{out}");
    for o in obligations {
        assert_eq!(o["level"], "consult", "{o}");
        for s in o["sources"].as_array().unwrap() {
            assert_eq!(
                (s["treaty"].as_str(), s["clause"].as_str()),
                (Some("nato"), Some("art4")),
                "{s}"
            );
        }
    }
    let (code, out, _) = casus(&["test", scenario]);
    assert_eq!(code, 0, "{out}");
}

const TAIWAN: &str = "examples/scenarios/taiwan/armed-attack-2026.yaml";

/// "Would apply if TWN were a party" lists only treaties whose scope reaches the place, and
/// when nothing obliges anyone the instruments left out on purpose are named, from data.
#[test]
fn would_apply_reaches_the_place_and_what_is_not_modelled_is_said() {
    let (code, out, err) = casus(&["eval", "--explain", "--format", "json", TAIWAN]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let treaties: Vec<&str> = v["would_apply"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["treaty"].as_str().unwrap())
        .collect();
    for far in ["csto", "russia_dprk", "teu_42_7"] {
        assert!(!treaties.contains(&far), "{far} listed: {treaties:?}");
    }
    assert!(treaties.contains(&"anzus"), "{treaties:?}");
    assert_eq!(v["not_modelled"][0]["id"], "taiwan_relations_act", "{out}");
    let text = stdout(&["eval", "--explain", TAIWAN]);
    assert!(
        text.contains("Not modelled, on purpose:\n  Taiwan Relations Act (United States, 1979) (statute)"),
        "{text}"
    );
    // Without --explain the JSON is as before: no survey, no note.
    let plain = stdout(&["eval", "--format", "json", TAIWAN]);
    assert!(
        !plain.contains("not_modelled") && !plain.contains("would_apply"),
        "{plain}"
    );
    // A treaty whose scope reaches the place is still listed: NATO for Kyiv.
    let kyiv = stdout(&[
        "eval",
        "--explain",
        "examples/scenarios/ukraine/nato-alone-kyiv-2027.yaml",
    ]);
    assert!(kyiv.contains("nato — Art. 5"), "{kyiv}");
}

/// The record of instruments not modelled is checked like the rest of a rule set.
#[test]
fn a_not_modelled_entry_names_existing_parties() {
    let yaml = "parties: [{id: TWN, name: Taiwan}]\nnot_modelled:\n  - {id: act, name: An act, kind: statute, concerns: [TWM], why: A statute.}\n";
    let Err(err) = casus::RuleSet::from_yaml(yaml) else {
        panic!("an unknown party is an error");
    };
    let text: String = err.diagnostics.items().iter().map(|d| d.render()).collect();
    assert!(text.contains("TWM") && text.contains("TWN"), "{text}");
    let ok = "parties: [{id: TWN, name: Taiwan}]\nnot_modelled:\n  - {id: act, name: An act, kind: statute, concerns: [TWN], why: A statute.}\n";
    assert!(casus::RuleSet::from_yaml(ok).is_ok());
}
