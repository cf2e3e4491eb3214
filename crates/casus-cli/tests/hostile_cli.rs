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
