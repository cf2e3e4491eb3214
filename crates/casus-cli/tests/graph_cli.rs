//! `casus guarantors`, `commitments`, `exposure`, `cascade` and `graph` as a user runs them:
//! output snapshots, exit codes, and a real picture through Graphviz.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `casus` in the repository root; returns (exit code, stdout, stderr).
fn casus_env(args: &[&str], env: &[(&str, &str)]) -> (i32, Vec<u8>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casus"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run casus: {e}"));
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn casus(args: &[&str]) -> (i32, String, String) {
    let (code, out, err) = casus_env(args, &[]);
    (code, String::from_utf8_lossy(&out).into_owned(), err)
}

macro_rules! snapshot_case {
    ($name:ident, [$($arg:expr),*], $code:expr) => {
        #[test]
        fn $name() {
            let (code, out, err) = casus(&[$($arg),*]);
            assert_eq!(code, $code, "stdout:\n{out}\nstderr:\n{err}");
            insta::assert_snapshot!(format!("exit {code}\n--- stdout\n{out}--- stderr\n{err}"));
        }
    };
}

snapshot_case!(
    guarantors_of_new_zealand_1990,
    ["guarantors", "NZL", "--date", "1990-01-01"],
    0
);
snapshot_case!(
    guarantors_of_sweden_over_2024,
    ["guarantors", "SWE", "--from", "2024-01-01", "--to", "2024-12-31"],
    0
);
snapshot_case!(
    commitments_of_new_zealand_json,
    ["commitments", "NZL", "--date", "1985-01-01", "--format", "json"],
    0
);
snapshot_case!(
    commitments_of_new_zealand_over_time,
    ["commitments", "NZL", "--from", "1980-01-01", "--to", "2025-01-01"],
    0
);
snapshot_case!(
    guarantors_of_belgium_dot_1914,
    [
        "guarantors",
        "BEL",
        "--date",
        "1914-08-04",
        "--rules",
        "rules/historical/1914",
        "--format",
        "dot"
    ],
    0
);
snapshot_case!(exposure_of_japan, ["exposure", "JPN", "--date", "2025-06-01"], 0);
snapshot_case!(
    exposure_of_the_united_states_at_assist,
    ["exposure", "USA", "--date", "2025-06-01", "--min-level", "assist"],
    0
);
snapshot_case!(
    exposure_of_germany_1914_json,
    [
        "exposure",
        "DEUE",
        "--date",
        "1914-08-01",
        "--rules",
        "rules/historical/1914",
        "--min-level",
        "military",
        "--format",
        "json"
    ],
    0
);
snapshot_case!(
    cascade_austria_attacks_serbia,
    [
        "cascade",
        "examples/scenarios/1914/july-01-austria-attacks-serbia.yaml",
        "--policy",
        "worst"
    ],
    0
);
snapshot_case!(
    cascade_germany_invades_belgium_worst,
    [
        "cascade",
        "examples/scenarios/1914/july-10-germany-invades-belgium.yaml",
        "--policy",
        "worst"
    ],
    0
);
snapshot_case!(
    cascade_germany_invades_belgium_dot,
    [
        "cascade",
        "examples/scenarios/1914/july-10-germany-invades-belgium.yaml",
        "--policy",
        "worst",
        "--format",
        "dot"
    ],
    0
);
snapshot_case!(
    cascade_estonia_best_case,
    ["cascade", "crates/casus-cli/tests/data/estonia-2025.yaml"],
    0
);
snapshot_case!(
    graph_of_1914_triple_alliance,
    [
        "graph",
        "--date",
        "1914-08-01",
        "--rules",
        "rules/historical/1914",
        "--treaty",
        "triple_alliance"
    ],
    0
);
snapshot_case!(
    graph_of_1914_triple_alliance_over_1914_1915,
    [
        "graph",
        "--from",
        "1914-07-01",
        "--to",
        "1915-12-31",
        "--rules",
        "rules/historical/1914",
        "--treaty",
        "triple_alliance"
    ],
    0
);
snapshot_case!(
    graph_of_1914_over_august_json,
    [
        "graph",
        "--from",
        "1914-07-31",
        "--to",
        "1914-08-31",
        "--rules",
        "rules/historical/1914",
        "--treaty",
        "ottoman_german",
        "--format",
        "json"
    ],
    0
);
snapshot_case!(
    graph_of_1914_triple_alliance_over_1914_1915_dot,
    [
        "graph",
        "--from",
        "1914-07-01",
        "--to",
        "1915-12-31",
        "--rules",
        "rules/historical/1914",
        "--treaty",
        "triple_alliance",
        "--format",
        "dot"
    ],
    0
);
snapshot_case!(
    graph_over_an_empty_range,
    [
        "graph",
        "--from",
        "1915-01-01",
        "--to",
        "1914-01-01",
        "--rules",
        "rules/historical/1914"
    ],
    2
);
snapshot_case!(unknown_party, ["guarantors", "SWEE", "--date", "2025-01-01"], 2);
snapshot_case!(unknown_treaty, ["graph", "--treaty", "natoo"], 2);
snapshot_case!(bad_date, ["exposure", "USA", "--date", "2025-13-01"], 2);
snapshot_case!(
    timeline_has_no_picture,
    [
        "guarantors",
        "SWE",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--format",
        "svg"
    ],
    2
);

#[test]
fn a_missing_graphviz_says_how_to_install_it() {
    let (code, out, err) = casus_env(
        &["guarantors", "POL", "--date", "2025-06-01", "--format", "svg"],
        &[("CASUS_DOT", "/nonexistent/dot")],
    );
    assert_eq!(code, 2);
    assert!(out.is_empty());
    insta::assert_snapshot!(err);
}

/// `--output FILE` is written only when the whole output exists: a failed rendering leaves no
/// file behind (the shell's `> file` would leave an empty one), and a text format writes to the
/// file exactly what it prints.
#[test]
fn output_file_is_written_only_on_success() {
    let dir = std::env::temp_dir().join(format!("casus-output-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("guarantors.svg");
    let (code, out, err) = casus_env(
        &[
            "guarantors",
            "POL",
            "--date",
            "2025-06-01",
            "--format",
            "svg",
            "--output",
            svg.to_str().unwrap(),
        ],
        &[("CASUS_DOT", "/nonexistent/dot")],
    );
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(!svg.exists(), "a failed rendering left {} behind", svg.display());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no temporary file is left either"
    );

    let dot = dir.join("guarantors.dot");
    let args = ["guarantors", "POL", "--date", "2025-06-01", "--format", "dot"];
    let (code, printed, err) = casus(&args);
    assert_eq!(code, 0, "{err}");
    let mut with_output = args.to_vec();
    with_output.extend(["-o", dot.to_str().unwrap()]);
    let (code, out, err) = casus(&with_output);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "with --output nothing goes to standard output: {out}");
    assert_eq!(std::fs::read_to_string(&dot).unwrap(), printed);

    let (code, _, err) = casus(&[
        "exposure",
        "USA",
        "--format",
        "dot",
        "-o",
        dir.join("no/such/folder.dot").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot write") && err.contains("folder.dot"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Renders a real picture when Graphviz is installed (CI installs it and sets
/// CASUS_REQUIRE_DOT, so there the test cannot pass without it).
#[test]
fn svg_and_png_render_through_graphviz() {
    let have_dot = Command::new("dot").arg("-V").output().is_ok();
    if !have_dot {
        assert!(
            std::env::var_os("CASUS_REQUIRE_DOT").is_none(),
            "Graphviz `dot` is required here: apt-get install graphviz"
        );
        // Past the harness's capture, so that the skip shows in `cargo test`'s output.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED svg_and_png_render_through_graphviz: Graphviz `dot` is not installed, \
             pictures not rendered (apt-get install graphviz; CI requires it)"
        );
        return;
    }
    let (code, svg, err) = casus_env(&["guarantors", "POL", "--date", "2025-06-01", "--format", "svg"], &[]);
    assert_eq!(code, 0, "{err}");
    let svg = String::from_utf8(svg).unwrap();
    assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"), "{svg}");
    assert!(svg.contains("<title>POL</title>"));
    let (code, png, err) = casus_env(
        &[
            "cascade",
            "examples/scenarios/1914/july-10-germany-invades-belgium.yaml",
            "--policy",
            "worst",
            "--format",
            "png",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
}

// Who owes what by when, stage by stage: draft D's consultation within 24 hours, then
// assistance without ground troops, beside the bilateral agreements' consultations.
snapshot_case!(
    guarantors_of_ukraine_under_draft_d_stage_by_stage,
    [
        "guarantors",
        "UKR",
        "--rules",
        "rules/drafts/ukraine-coalition-d",
        "--date",
        "2027-01-01"
    ],
    0
);

/// The JSON of `guarantors` carries each commitment's forms, deadline and stage (additions).
#[test]
fn guarantors_json_gives_forms_deadlines_and_stages() {
    let (code, out, err) = casus(&[
        "guarantors",
        "UKR",
        "--rules",
        "rules/drafts/ukraine-coalition-d",
        "--date",
        "2027-01-01",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let of = |obligor: &str, treaty: &str| -> Vec<serde_json::Value> {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|c| c["obligor"] == obligor && c["treaty"] == treaty)
            .cloned()
            .collect()
    };
    let d = of("BEL", "ukraine_coalition_d");
    let summary: Vec<(String, String, String, String, String, String)> = d
        .iter()
        .map(|c| {
            (
                c["level"].as_str().unwrap_or("").to_string(),
                c["stage"].to_string(),
                c["stages"].to_string(),
                c["deadline"].to_string(),
                c["due"].to_string(),
                c["forms"]["excluded"].to_string(),
            )
        })
        .collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        summary,
        vec![
            (
                s("consult"),
                s("1"),
                s("2"),
                s("\"within 24 hours\""),
                s("null"),
                s("[]")
            ),
            (
                s("assist"),
                s("2"),
                s("2"),
                s("null"),
                s("null"),
                s("[\"ground_troops\"]")
            ),
        ]
    );
    assert_eq!(d[0]["forms"]["allowed"], serde_json::json!(["consultation"]));
    // A one-step obligation has no stage fields.
    let can = of("CAN", "ukr_can_2024");
    assert_eq!(can.len(), 1);
    assert!(can[0].get("stage").is_none());
    assert_eq!(can[0]["deadline"], "within 24 hours");
}
