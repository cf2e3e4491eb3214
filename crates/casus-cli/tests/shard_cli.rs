//! `casus verify --shard I/N`, `casus diff --shard I/N` and `casus merge`: the merge of every
//! shard's report prints what the single run prints, byte for byte and with the same exit
//! code, for N = 1, 2, 3 and 7, in every format; and reports that do not make one answer are
//! refused with an error that names the shard or the file.
//!
//! The library is checked with `tests/data/shard/library-fast.yaml`, the properties of
//! `examples/properties/library.yaml` and `analyst.yaml` narrowed to a few targets: unscoped,
//! each walks every target of the library, which takes minutes per run in a debug build, and
//! these tests run each command fourteen times.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::casus;

use std::path::{Path, PathBuf};

const UKRAINE: &str = "examples/properties/ukraine.yaml";
const LIBRARY_FAST: &str = "crates/casus-cli/tests/data/shard/library-fast.yaml";
const SEVERAL: &str = "crates/casus-cli/tests/data/shard/several-attackers.yaml";

fn draft(x: &str) -> String {
    format!("rules/drafts/ukraine-coalition-{x}")
}

/// A fresh folder for one test's reports.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("casus-shard-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs every shard of `run` (N of them), each writing its report into `dir`; the report
/// files, last shard first (the merge takes them in any order).
fn run_shards(run: &[&str], n: u32, dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for i in (1..=n).rev() {
        let file = dir.join(format!("{i}-of-{n}.json")).display().to_string();
        let shard = format!("{i}/{n}");
        let mut args = run.to_vec();
        args.extend(["--no-progress", "--shard", &shard, "--out", &file]);
        let (code, out, err) = casus(&args);
        assert_eq!(code, 0, "{args:?}\n{out}\n{err}");
        assert!(out.is_empty(), "a shard with --out prints nothing: {out}");
        files.push(file);
    }
    files
}

/// Merges `files` with the flags `view`.
fn merge(files: &[String], view: &[&str]) -> (i32, String, String) {
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    args.extend(view);
    casus(&args)
}

/// For each N, the merge of N shards of `run` prints, under each of `views`, exactly what the
/// single run prints with the same flags, and exits the same.
fn merges_as_one(name: &str, run: &[&str], views: &[&[&str]]) {
    let dir = scratch(name);
    let singles: Vec<(i32, String, String)> = views
        .iter()
        .map(|view| {
            let mut args = run.to_vec();
            args.push("--no-progress");
            args.extend(*view);
            casus(&args)
        })
        .collect();
    for (view, (code, out, err)) in views.iter().zip(&singles) {
        assert!(
            *code == 0 || *code == 1 || *code == 3,
            "{run:?} {view:?}: {code}\n{err}"
        );
        assert!(!out.is_empty(), "{run:?} {view:?} printed nothing");
    }
    for n in [1, 2, 3, 7] {
        let files = run_shards(run, n, &dir);
        for (view, (code, out, _)) in views.iter().zip(&singles) {
            let (m_code, m_out, m_err) = merge(&files, view);
            assert_eq!(m_err, "", "{run:?} in {n} shards, {view:?}");
            assert!(
                m_out == *out,
                "{run:?} in {n} shards, {view:?}: the merge differs from the single run\n--- single\n{out}\n--- merged\n{m_out}"
            );
            assert_eq!(m_code, *code, "{run:?} in {n} shards, {view:?}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

const VERIFY_VIEWS: &[&[&str]] = &[&[], &["--format", "json"]];

#[test]
fn verify_draft_a_in_shards_is_the_single_run() {
    merges_as_one("a", &["verify", &draft("a"), UKRAINE], VERIFY_VIEWS);
}

#[test]
fn verify_draft_b_in_shards_is_the_single_run() {
    merges_as_one("b", &["verify", &draft("b"), UKRAINE], VERIFY_VIEWS);
}

#[test]
fn verify_draft_c_in_shards_is_the_single_run() {
    merges_as_one("c", &["verify", &draft("c"), UKRAINE], VERIFY_VIEWS);
}

#[test]
fn verify_draft_d_in_shards_is_the_single_run() {
    merges_as_one("d", &["verify", &draft("d"), UKRAINE], VERIFY_VIEWS);
}

#[test]
fn verify_the_library_in_shards_is_the_single_run() {
    merges_as_one("library", &["verify", "rules", LIBRARY_FAST], VERIFY_VIEWS);
}

/// Sampled properties merge too: with `--sample`, and when the scope counts several
/// attackers (violated by sampling, violated by the walk, or not checked exhaustively: exit 3
/// unless `--accept-sampled`).
#[test]
fn sampled_properties_in_shards_are_the_single_run() {
    let b = draft("b");
    merges_as_one(
        "several",
        &["verify", &b, SEVERAL],
        &[&[], &["--format", "json"], &["--accept-sampled"]],
    );
    merges_as_one("sampled", &["verify", &b, UKRAINE, "--sample", "300"], VERIFY_VIEWS);
}

#[test]
fn diff_of_two_drafts_in_shards_is_the_single_run() {
    let (a, b) = (draft("a"), draft("b"));
    merges_as_one(
        "diff",
        &["diff", &a, &b, "--target", "UKR"],
        &[&[], &["--format", "json"], &["--full"], &["--full", "--format", "json"]],
    );
}

/// `casus merge --counterexamples` writes the files the single run writes, byte for byte.
#[test]
fn merged_counterexamples_are_the_single_runs() {
    let dir = scratch("counterexamples");
    let (one, merged) = (dir.join("one"), dir.join("merged"));
    let b = draft("b");
    let run = ["verify", b.as_str(), UKRAINE];
    let mut args = run.to_vec();
    let one_dir = one.display().to_string();
    args.extend(["--no-progress", "--counterexamples", &one_dir]);
    assert_eq!(casus(&args).0, 1);
    let files = run_shards(&run, 3, &dir);
    let merged_dir = merged.display().to_string();
    let (code, _, err) = merge(&files, &["--counterexamples", &merged_dir]);
    assert_eq!(code, 1, "{err}");
    let names = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert!(!names(&one).is_empty(), "draft b has counterexamples");
    assert_eq!(names(&one), names(&merged));
    for name in names(&one) {
        let (x, y) = (
            std::fs::read(one.join(&name)).unwrap(),
            std::fs::read(merged.join(&name)).unwrap(),
        );
        assert!(x == y, "{name} differs");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A missing shard, a shard given twice, shards of other inputs or of another command, and a
/// file that is no report are refused, each naming what is wrong.
#[test]
fn reports_that_do_not_make_one_answer_are_refused() {
    let dir = scratch("refused");
    let (a, b) = (draft("a"), draft("b"));
    let of_b = run_shards(&["verify", &b, UKRAINE], 3, &dir.join("b").tap_mkdir());
    let of_a = run_shards(&["verify", &a, UKRAINE], 3, &dir.join("a").tap_mkdir());
    let diff = run_shards(&["diff", &a, &b, "--target", "UKR"], 3, &dir.join("d").tap_mkdir());
    let refused = |files: &[&String], wants: &[&str]| {
        let files: Vec<String> = files.iter().map(|f| (*f).clone()).collect();
        let (code, out, err) = merge(&files, &[]);
        assert_eq!(code, 2, "{files:?}\n{out}");
        assert!(out.is_empty(), "{out}");
        for want in wants {
            assert!(err.contains(want), "{files:?}: wanted {want:?} in\n{err}");
        }
    };
    // of_b is [3/3, 2/3, 1/3].
    refused(&[&of_b[0], &of_b[2]], &["shard 2/3 is missing"]);
    refused(&[&of_b[0]], &["shards 1/3, 2/3 are missing"]);
    refused(
        &[&of_b[0], &of_b[1], &of_b[2], &of_b[1]],
        &["shard 2/3 is given twice", &of_b[1]],
    );
    refused(&[&of_b[0], &of_b[1], &of_a[2]], &["the inputs differ", &of_a[2]]);
    refused(
        &[&of_b[0], &of_b[1], &diff[2]],
        &["the commands differ (diff against verify)"],
    );
    let other_n = run_shards(&["verify", &b, UKRAINE], 2, &dir.join("n").tap_mkdir());
    refused(
        &[&of_b[0], &of_b[1], &other_n[1]],
        &["the numbers of shards differ (2 against 3)"],
    );
    let junk = dir.join("junk.json");
    std::fs::write(&junk, "{\"format\": 1,\n \"command\": 7}\n").unwrap();
    let junk = junk.display().to_string();
    refused(&[&junk], &[&format!("{junk}:2:"), "not a shard report", "--shard I/N"]);
    let future = dir.join("future.json");
    std::fs::write(&future, "{\"format\": 99, \"casus\": \"9.0.0\"}").unwrap();
    let future = future.display().to_string();
    refused(&[&future], &["format 99", "same casus"]);
    let (code, _, err) = merge(&of_b, &["--full"]);
    assert_eq!((code, err.contains("--full is for")), (2, true), "{err}");
    let (code, _, err) = merge(&diff, &["--counterexamples", "x"]);
    assert_eq!(
        (code, err.contains("are for the reports of `casus verify")),
        (2, true),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--shard` takes I/N with 1 ≤ I ≤ N, and says so.
#[test]
fn a_shard_out_of_range_or_misspelt_is_refused() {
    let b = draft("b");
    for (shard, want) in [
        ("0/3", "shard 0/3 does not exist: I runs from 1 to N (1/3 … 3/3)"),
        ("4/3", "shard 4/3 does not exist"),
        ("x/y", "`x/y` is not a shard: write I/N"),
        ("3", "`3` is not a shard"),
    ] {
        for cmd in [
            vec!["verify", b.as_str(), UKRAINE],
            vec!["diff", b.as_str(), b.as_str()],
        ] {
            let mut args = cmd.clone();
            args.extend(["--shard", shard]);
            let (code, out, err) = casus(&args);
            assert_eq!(code, 2, "{args:?}\n{out}");
            assert!(err.contains(want), "{args:?}: wanted {want:?} in\n{err}");
        }
    }
    let (code, _, err) = casus(&["verify", &b, UKRAINE, "--out", "x.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("--shard"), "{err}");
    let (code, _, err) = casus(&["verify", &b, UKRAINE, "--shard", "1/2", "--format", "json"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");
}

/// Without `--out`, a shard writes its report to standard output; it reads back as one.
#[test]
fn a_shard_report_goes_to_standard_output_without_out() {
    let b = draft("b");
    let (code, out, err) = casus(&["verify", &b, UKRAINE, "--no-progress", "--shard", "2/2"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["format"], 1);
    assert_eq!(v["command"], "verify");
    assert_eq!(v["shard"], "2/2");
    assert_eq!(v["inputs"].as_str().map(str::len), Some(64));
    assert_eq!(v["sources"][0], b.as_str());
}

/// A shard report is the same, byte for byte, whatever the number of threads that wrote it.
#[test]
fn a_shard_report_does_not_depend_on_the_thread_count() {
    let (a, b) = (draft("a"), draft("b"));
    let report = |threads: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_casus"))
            .args(["diff", &a, &b, "--target", "UKR", "--no-progress", "--shard", "2/3"])
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(common::root())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let one = report("1");
    assert!(one.len() > 1000, "the shard has groups");
    assert!(one == report("3"), "1 and 3 threads wrote different reports");
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for PathBuf {
    /// Creates the folder, and gives it back.
    fn tap_mkdir(self) -> PathBuf {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}
