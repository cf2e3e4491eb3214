//! The `casus` command under hostile conditions, second round: each test pins a defect a hostile
//! tester found (the number is the item of that round's list) and fails on the code before its
//! fix.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn casus() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_casus"));
    c.current_dir(root());
    c
}

/// Runs `casus` with standard output a pipe whose reader has gone: returns the exit code.
fn with_closed_pipe(args: &[&str]) -> i32 {
    let mut child = casus()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait().unwrap().code().unwrap_or(-1)
}

/// Defect 7: Write errors were ignored: output to a full device exited 0 with nothing written, and a
/// closed pipe turned a failing command's status into 0. A write error is exit 2; a closed pipe
/// keeps the command's own status.
#[test]
fn write_errors_are_errors_and_a_closed_pipe_keeps_the_status() {
    if Path::new("/dev/full").exists() {
        for args in [
            &["eval", "examples/scenarios/nato/hawaii.yaml", "--format", "json"][..],
            &["guarantors", "POL", "--date", "2025-06-01", "--format", "dot"][..],
        ] {
            let out = casus()
                .args(args)
                .stdout(std::fs::File::options().write(true).open("/dev/full").unwrap())
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(err.contains("cannot write the output"), "{args:?}: {err}");
        }
    }
    assert_eq!(
        with_closed_pipe(&["check", "--rules", "crates/casus-cli/tests/data/bad-rules"]),
        1
    );
    assert_eq!(with_closed_pipe(&["check", "--rules", "rules"]), 0);
    assert_eq!(
        with_closed_pipe(&["eval", "crates/casus-cli/tests/data/estonia-2025.yaml"]),
        0
    );
}

/// Defect 8 at the command line: a scenario's `rules:` pointing at any file on disk is refused
/// without reading it; `--allow-outside DIR` lets a named folder in, and even then only YAML
/// files are read as rule files, so nothing of the file is echoed.
#[test]
fn a_scenario_cannot_make_casus_read_any_file() {
    let dir = std::env::temp_dir().join(format!("casus-confine-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let s = dir.join("s.yaml");
    std::fs::write(
        &s,
        "date: 2025-01-01\nevent: armed_attack\ntarget: POL\nrules: /proc/self/environ\n",
    )
    .unwrap();
    let out = casus()
        .args(["eval", s.to_str().unwrap()])
        .current_dir(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error[outside-root]") && err.contains("--allow-outside"),
        "{err}"
    );
    let out = casus()
        .args(["eval", s.to_str().unwrap(), "--allow-outside", "/proc"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("error[not-yaml]"), "{err}");
    assert!(!err.contains("PATH="), "the environment is never echoed: {err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Defect 17, exit codes: `check` exited 1 for a path it could not read, as for rules with an
/// error. Per the README, "could not read" is 2 and "the rules are wrong" 1; `test` tells a
/// scenario it cannot read (2) from one whose rules fail to load or whose expectation fails (1).
#[test]
fn could_not_read_and_rules_wrong_exit_differently() {
    let code = |args: &[&str]| casus().args(args).output().unwrap().status.code();
    assert_eq!(code(&["check", "--rules", "no/such/rules"]), Some(2));
    assert_eq!(
        code(&["check", "--rules", "crates/casus-cli/tests/data/bad-rules"]),
        Some(1)
    );
    assert_eq!(code(&["check", "--rules", "rules"]), Some(0));
    assert_eq!(code(&["test", "no/such/scenario.yaml"]), Some(2));
}

/// One alliance of `n` parties with one clause, in a new folder: `n × (n − 1)` commitments.
fn alliance(n: usize, tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("casus-alliance-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut yaml = String::from("parties:\n");
    for i in 0..n {
        yaml.push_str(&format!("  - {{id: P{i}, name: P{i}}}\n"));
    }
    yaml.push_str("treaties:\n  - id: big\n    name: big\n    in_force: 2000-01-01\n    parties:\n");
    for i in 0..n {
        yaml.push_str(&format!("      - {{party: P{i}}}\n"));
    }
    yaml.push_str(
        "    clauses:\n      - {id: c0, citation: c0, trigger: {target: treaty_party}, obligations: [{level: consult}]}\n",
    );
    std::fs::write(dir.join("rules.yaml"), yaml).unwrap();
    dir
}

fn graph_of(dir: &Path, extra: &[&str]) -> std::process::Output {
    casus()
        .args(["graph", "--date", "2025-01-01", "--rules"])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap()
}

/// Item 12: the graph of one alliance of 1,000 parties (999,000 commitments, inside the edge
/// limit) printed 72 MB of text. Without `--full`, table and JSON show the first 100
/// commitments and a summary whose totals count them all; a picture is refused with the way out.
#[test]
fn a_huge_graph_is_summarized() {
    let dir = alliance(1000, "big");
    let out = graph_of(&dir, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.len() < 20_000, "{} bytes", text.len());
    assert!(
        text.starts_with("Commitments on 2025-01-01: 999000 between 1000 parties\n"),
        "{text}"
    );
    assert!(text.contains("By treaty: big (999000)\n"), "{text}");
    assert!(text.contains("By level: consult (999000)\n"), "{text}");
    assert!(text.contains("P0 (999), "), "{text}");
    assert!(text.contains("and 980 more\n"), "{text}");
    assert_eq!(text.lines().filter(|l| l.contains(" big c0 ")).count(), 100, "{text}");
    assert!(
        text.contains("… and 998900 more commitments: `casus graph --full`"),
        "{text}"
    );
    std::fs::remove_dir_all(dir).unwrap();

    // JSON and DOT on 300 parties (89,700 commitments), which keeps the test quick.
    let dir = alliance(300, "summary");
    let out = graph_of(&dir, &["--format", "json"]);
    assert!(out.stdout.len() < 100_000, "{} bytes", out.stdout.len());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["commitments"].as_array().unwrap().len(), 100);
    assert_eq!(v["parties"].as_array().unwrap().len(), 300);
    let s = &v["summary"];
    assert_eq!(
        (s["commitments"].as_u64(), s["shown"].as_u64()),
        (Some(89_700), Some(100))
    );
    assert_eq!(s["by_treaty"]["big"], 89_700);
    assert_eq!(s["by_level"]["consult"], 89_700);
    assert_eq!(s["by_obligor"].as_array().unwrap().len(), 20);
    assert_eq!(s["by_obligor"][0]["commitments"], 299);
    assert_eq!(s["more_obligors"], 280);

    // A range over the same graph lists it whole only with --full.
    let out = casus()
        .args(["graph", "--from", "2024-01-01", "--to", "2025-01-01", "--rules"])
        .arg(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the range holds 89700 commitments") && err.contains("--full"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = graph_of(&dir, &["--format", "dot"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains("89700 commitments, too many to draw") && err.contains("--treaty") && err.contains("--full"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Item 12: `--full` writes every commitment, table and JSON (300 parties: 89,700), each once.
#[test]
fn a_huge_graph_is_written_whole_with_full() {
    let dir = alliance(300, "full");
    let out = graph_of(&dir, &["--full"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: std::collections::BTreeSet<(&str, &str)> = text
        .lines()
        .filter(|l| l.contains(" big c0 "))
        .map(|l| {
            let mut w = l.split_whitespace();
            (w.next().unwrap(), w.next().unwrap())
        })
        .collect();
    assert_eq!(rows.len(), 89_700);
    assert_eq!(text.lines().count(), 89_700 + 3);
    assert!(!text.contains("more commitments"));

    let file = dir.join("graph.json");
    let out = graph_of(&dir, &["--full", "--format", "json", "-o", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(v["commitments"].as_array().unwrap().len(), 89_700);
    assert!(v.get("summary").is_none());
    std::fs::remove_dir_all(dir).unwrap();
}
