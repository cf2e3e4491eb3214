//! `casus brief` as a user runs it: the brief of draft D with its properties (Markdown and
//! HTML), draft A against draft B, the brief shown in docs/brief.md, and mistakes.

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
        .args(["--no-cache"])
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run casus: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const DRAFT_D: &[&str] = &[
    "brief",
    "rules/drafts/ukraine-coalition-d",
    "--properties",
    "examples/properties/ukraine-d.yaml",
];

/// The command whose output docs/brief.md shows, and the file it is shown in.
const SHOWN: &str = "brief rules/drafts/ukraine-coalition-d --properties examples/properties/ukraine-d.yaml";

#[test]
fn brief_of_draft_d_with_its_properties() {
    let (code, out, err) = casus(DRAFT_D);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(out);
    // docs/brief.md shows this output, between the command and the next heading.
    let doc = std::fs::read_to_string(root().join("docs/brief.md")).unwrap();
    let fence = format!("```sh\ncasus {SHOWN}\n```\n\n");
    let start = doc
        .find(&fence)
        .unwrap_or_else(|| panic!("docs/brief.md should show `casus {SHOWN}` in a sh block"))
        + fence.len();
    let shown = &doc[start..];
    let shown = &shown[..shown.find("<!-- end of the brief -->").expect("the end marker")];
    assert!(
        shown.trim_end() == out.trim_end(),
        "docs/brief.md differs from what `casus {SHOWN}` writes; paste the command's output \
         between the command and `<!-- end of the brief -->`"
    );
}

#[test]
fn brief_of_draft_d_as_html() {
    // Without the properties (their check is the Markdown test's): the page's layout and
    // escaping are what this one pins.
    let (code, out, err) = casus(&["brief", "rules/drafts/ukraine-coalition-d", "--format", "html"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(out);
    for banned in ["<script", "http://", "https://", "src=", "<link"] {
        assert!(!out.contains(banned), "the page should fetch and run nothing: {banned}");
    }
}

#[test]
fn brief_of_draft_a_against_draft_b() {
    let (code, out, err) = casus(&[
        "brief",
        "rules/drafts/ukraine-coalition-a",
        "--against",
        "rules/drafts/ukraine-coalition-b",
    ]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(out);
}

#[test]
fn brief_writes_a_file() {
    let dir = std::env::temp_dir().join(format!("casus-brief-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("brief.html");
    let (code, out, err) = casus(&[
        "brief",
        "rules/drafts/ukraine-coalition-d",
        "--format",
        "html",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty());
    let page = std::fs::read_to_string(&file).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("forces of United Kingdom deployed under ukraine_coalition_d in Ukraine"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn brief_errors_exit_2() {
    let (code, out, err) = casus(&[
        "brief",
        "rules/drafts/ukraine-coalition-d",
        "--against",
        "rules/drafts/no-such-draft",
    ]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.starts_with("error: no rule set at rules/drafts/no-such-draft"),
        "{err}"
    );
    assert!(err.contains("help: pass an existing rule folder or file"), "{err}");
    let (code, _, err) = casus(&["brief", "rules/drafts/ukraine-coalition-d", "--target", "UKRR"]);
    assert_eq!(code, 2);
    assert_eq!(err, "error: unknown party `UKRR`; did you mean `UKR`?\n");
    let (code, _, err) = casus(&["brief", "rules/drafts/ukraine-in-nato"]);
    assert_eq!(code, 2);
    assert!(err.contains("--target ID"), "{err}");
    let (code, _, err) = casus(&["brief", "rules/drafts/ukraine-coalition-d", "--date", "2026-13-01"]);
    assert_eq!(code, 2);
    assert!(err.starts_with("error: --date:"), "{err}");
}
