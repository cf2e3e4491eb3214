//! The JSON of every shipped scenario's verdict, plain and explained, is pinned byte for byte:
//! `tests/data/verdict-json.txt` holds, per scenario file, the BLAKE3 hash and length of both
//! (the full texts would weigh megabytes: a hub party's verdict lists a thousand reasons). A
//! change in how a verdict is built or held (reasons kept as data, worded when serialized)
//! must leave every byte as it was; a change meant to alter the JSON regenerates the file
//! with `CASUS_UPDATE_VERDICT_JSON=1 cargo test -p casus --test verdict_json`, and the
//! reviewer reads the diff of the CLI's snapshots for what changed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use casus::{Engine, RuleSet, Scenario, Verdict};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.yaml` file under `dir`, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn digest(json: &str) -> String {
    format!("{} {}", &blake3::hash(json.as_bytes()).to_hex()[..32], json.len())
}

/// Every shipped scenario file, by path from the repository's root, with its verdict and its
/// explained verdict (or why there are none: a scenario made to be refused).
fn each_verdict(mut f: impl FnMut(&str, Result<(Verdict, Verdict), &'static str>)) {
    let root = root();
    let mut engines: BTreeMap<PathBuf, Option<Engine>> = BTreeMap::new();
    for file in files(&root.join("examples/scenarios")) {
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        let Ok(s) = Scenario::load(&file) else {
            f(&name, Err("not a scenario"));
            continue;
        };
        let rules = s.rules_path(&file).unwrap_or_else(|| root.join("rules"));
        let rules = rules.canonicalize().unwrap_or(rules);
        let engine = engines
            .entry(rules.clone())
            .or_insert_with(|| RuleSet::load(&rules).ok().and_then(|r| r.compile().ok()));
        let Some(engine) = engine else {
            f(&name, Err("rules refused"));
            continue;
        };
        match (engine.evaluate(&s), engine.evaluate_explained(&s)) {
            (Ok(v), Ok(x)) => f(&name, Ok((v, x))),
            _ => f(&name, Err("scenario refused")),
        }
    }
}

/// One line per scenario file: its path, then the digest of its verdict's JSON and of its
/// explained verdict's JSON (or why there is none).
fn lines() -> String {
    let mut out = String::new();
    each_verdict(|name, verdicts| {
        let _ = match verdicts {
            Ok((v, x)) => writeln!(
                out,
                "{name}\t{} reasons\t{}\t{}",
                v.not_obligated.len(),
                digest(&v.to_json()),
                digest(&x.to_json())
            ),
            Err(why) => writeln!(out, "{name}\t{why}"),
        };
    });
    out
}

/// The CLI's JSON reads back into the library's types: every shipped verdict, plain and
/// explained, deserializes into a `Verdict` equal to the one written (its reasons, held grouped,
/// equal to the entries read back), which serializes to the same bytes again.
#[test]
fn every_shipped_verdict_reads_back_from_its_json() {
    let mut read = 0;
    each_verdict(|name, verdicts| {
        let Ok((v, x)) = verdicts else { return };
        for verdict in [v, x] {
            // The reasons are held grouped: the count kept equals the entries worded.
            assert_eq!(
                verdict.not_obligated.len(),
                verdict.not_obligated.iter().count(),
                "{name}: the reasons' count"
            );
            let json = verdict.to_json();
            let back: Verdict =
                serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: the JSON does not read back: {e}"));
            assert_eq!(back, verdict, "{name}: the verdict read back differs");
            assert_eq!(back.to_json(), json, "{name}: the verdict read back writes other JSON");
            read += 1;
        }
    });
    assert!(read > 300, "only {read} verdicts were read back");
}

#[test]
fn every_shipped_verdict_serializes_to_the_same_bytes() {
    let golden = root().join("crates/casus/tests/data/verdict-json.txt");
    let now = lines();
    if std::env::var_os("CASUS_UPDATE_VERDICT_JSON").is_some() {
        std::fs::write(&golden, &now).unwrap();
        return;
    }
    let was = std::fs::read_to_string(&golden).unwrap();
    let changed: Vec<String> = was
        .lines()
        .zip(now.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("was: {a}\nnow: {b}"))
        .collect();
    assert!(
        changed.is_empty() && was.lines().count() == now.lines().count(),
        "the JSON of {} verdict(s) changed ({} scenario files before, {} now):\n{}",
        changed.len(),
        was.lines().count(),
        now.lines().count(),
        changed.join("\n")
    );
    // Most shipped scenarios do give a verdict, and some list many reasons: the pin covers
    // the reasons this file is about.
    let reasons: usize = now
        .lines()
        .filter_map(|l| l.split('\t').nth(1)?.strip_suffix(" reasons")?.parse::<usize>().ok())
        .sum();
    assert!(reasons > 1000, "only {reasons} reasons over the shipped scenarios");
}
