//! `casus::repair` on the shipped draft B (the smallest repair is draft A's wording), on a
//! rule set whose properties contradict each other (no repair, and the property that blocks
//! it), and data-driven cases of the edit kinds.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use casus::repair::{Draft, RepairOptions, RepairReport, repair};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(rules: &Path, props: &Path, only: &[&str], max_edits: usize) -> RepairReport {
    let draft = Draft::load(rules, &Default::default()).unwrap();
    let text = std::fs::read_to_string(props).unwrap();
    let opts = RepairOptions {
        max_edits,
        properties: only.iter().map(|s| (*s).to_string()).collect(),
        ..RepairOptions::default()
    };
    let say = |s: &str| eprintln!("{s}");
    repair(&draft, (props, &text), &opts, Some(&say)).unwrap()
}

#[test]
fn draft_b_is_repaired_by_draft_a_wording() {
    let r = run(
        &root().join("rules/drafts/ukraine-coalition-b"),
        &root().join("examples/properties/ukraine.yaml"),
        &["recognized-territory-covered"],
        3,
    );
    eprintln!("{}", casus::repair::render_repair(&r));
    let first = &r.repairs[0];
    assert_eq!(first.edits.len(), 1);
    assert!(
        first.patch.contains("+            - location: {sovereign: target}"),
        "{}",
        first.patch
    );
}
