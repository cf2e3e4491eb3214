//! The JSON Schemas under `schemas/` are the ones the model types generate, every shipped rule
//! file, manifest, scenario and properties file names its schema on its first line, and each
//! validates against it.
//!
//! `CASUS_UPDATE_SCHEMAS=1 cargo test -p casus --features schema --test schemas` rewrites the
//! schemas and adds (or corrects) the first line of each shipped file; without it, any
//! difference fails with the command to run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use casus::YamlKind;
use casus::schema::{SchemaKind, json};

/// The line that names a file's schema, as the YAML language server reads it.
const MARK: &str = "# yaml-language-server: $schema=";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn updating() -> bool {
    std::env::var_os("CASUS_UPDATE_SCHEMAS").is_some()
}

const UPDATE: &str = "run `CASUS_UPDATE_SCHEMAS=1 cargo test -p casus --features schema --test schemas`";

#[test]
fn committed_schemas_are_the_generated_ones() {
    let mut stale = Vec::new();
    for kind in SchemaKind::ALL {
        let path = repo().join("schemas").join(kind.file_name());
        let want = json(kind);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            if updating() {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &want).unwrap();
            } else {
                stale.push(kind.file_name());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "schemas/{stale:?} differ from the model types: {UPDATE}"
    );
}

/// Every `.yaml` file under `dir`, sorted.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

/// The shipped files that name a schema, each with the kind it names.
fn shipped() -> Vec<(PathBuf, SchemaKind)> {
    let mut files = Vec::new();
    for dir in ["rules", "examples"] {
        yaml_files(&repo().join(dir), &mut files);
    }
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(repo()).unwrap().to_path_buf();
            let text = std::fs::read_to_string(&p).unwrap();
            let kind = if rel.file_name().is_some_and(|n| n == "ruleset.yaml") {
                SchemaKind::Manifest
            } else if rel.starts_with("rules") {
                SchemaKind::Rules
            } else {
                match YamlKind::of_text(&text) {
                    YamlKind::Properties => SchemaKind::Properties,
                    YamlKind::Rules => SchemaKind::Rules,
                    _ => SchemaKind::Scenario,
                }
            };
            (rel, kind)
        })
        .collect()
}

/// The first line a file at `rel` (relative to the repository) must carry.
fn schema_line(rel: &Path, kind: SchemaKind) -> String {
    let up = "../".repeat(rel.components().count() - 1);
    format!("{MARK}{up}schemas/{}", kind.file_name())
}

#[test]
fn every_shipped_file_names_its_schema_on_its_first_line() {
    let files = shipped();
    assert!(files.len() > 400, "only {} files found", files.len());
    let mut wrong = Vec::new();
    for (rel, kind) in &files {
        let path = repo().join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        let want = schema_line(rel, *kind);
        let first = text.lines().next().unwrap_or("");
        if first == want {
            continue;
        }
        if updating() {
            let rest = if first.starts_with(MARK) {
                text.split_once('\n').map_or("", |(_, r)| r)
            } else {
                &text
            };
            std::fs::write(&path, format!("{want}\n{rest}")).unwrap();
        } else {
            wrong.push(format!("{}: first line should be `{want}`", rel.display()));
        }
    }
    assert!(wrong.is_empty(), "{}\n{UPDATE}", wrong.join("\n"));
}

#[test]
fn every_shipped_file_validates_against_its_schema() {
    let validators: Vec<(SchemaKind, jsonschema::Validator)> = SchemaKind::ALL
        .into_iter()
        .map(|k| (k, jsonschema::validator_for(&casus::schema::schema(k)).unwrap()))
        .collect();
    let mut failures = Vec::new();
    let files = shipped();
    for (rel, kind) in &files {
        let text = std::fs::read_to_string(repo().join(rel)).unwrap();
        let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let validator = &validators.iter().find(|(k, _)| k == kind).unwrap().1;
        for error in validator.iter_errors(&value).take(3) {
            failures.push(format!("{}: {} at {}", rel.display(), error, error.instance_path()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The schemas reject what the loader rejects: a misspelt key, a word outside a closed
/// vocabulary, a malformed date; and accept the shapes the loader's own readers accept.
#[test]
fn the_schemas_accept_and_reject_what_the_loader_does() {
    let check = |kind: SchemaKind, yaml: &str, valid: bool| {
        let validator = jsonschema::validator_for(&casus::schema::schema(kind)).unwrap();
        let value: serde_json::Value = serde_saphyr::from_str(yaml).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert_eq!(errors.is_empty(), valid, "{yaml}: {errors:?}");
        let loads = match kind {
            SchemaKind::Scenario => casus::Scenario::from_yaml(yaml).is_ok(),
            _ => true,
        };
        if kind == SchemaKind::Scenario {
            assert_eq!(loads, valid, "the loader disagrees on {yaml}");
        }
    };
    let s = SchemaKind::Scenario;
    check(s, "date: 2027-03-01\nevent: armed_attack\ntarget: UKR\n", true);
    check(s, "date: 2027-03-01\nevent: armed_atack\ntarget: UKR\n", false);
    check(s, "date: 2027-03-01\nevnt: armed_attack\ntarget: UKR\n", false);
    check(s, "date: 1 March 2027\nevent: threat\ntarget: UKR\n", false);
    check(
        s,
        "date: 2024-03-07T17:30:00+01:00\nevent: threat\ntarget: UKR\nattacker: {non_state: Wagner}\n",
        true,
    );
    check(
        s,
        "date: 2027-03-01\nevent: threat\ntarget: UKR\nattacker: {nonstate: Wagner}\n",
        false,
    );
    check(
        s,
        "date: 2027-03-01\nevent: threat\ntarget: UKR\nmeans: nuclear\non: vessels\nexpect: {assist: [USA]}\n",
        true,
    );
    check(
        s,
        "date: 2027-03-01\nevent: threat\ntarget: UKR\nexpect: {assits: [USA]}\n",
        false,
    );
    let r = SchemaKind::Rules;
    let rule = |obligation: &str| {
        format!(
            "treaties:\n  - id: t\n    name: T\n    clauses:\n      - id: c\n        citation: Art. 1\n        \
             trigger: {{all: [{{event: [armed_attack, threat]}}, {{location: {{in: UKR}}}}, {{target: treaty_party}}]}}\n        \
             obligations: [{obligation}]\n"
        )
    };
    check(r, &rule("{level: assist}"), true);
    check(
        r,
        &rule("{level: assist, obligated: all, deadline: {within_hours: 24}, caveats: [{primacy_of: nato}]}"),
        true,
    );
    check(
        r,
        &rule("{level: assist, obligated: [USA, GBR], forms: {excluded: [ground_troops]}}"),
        true,
    );
    check(r, &rule("{level: asist}"), false);
    check(r, &rule("{level: assist, obligated: some}"), false);
    check(r, &rule("{level: assist, forms: {excluded: [ground_troop]}}"), false);
    check(
        r,
        "territories:\n  - {id: X, name: X, sovereign: USA}\n  - {id: Z, name: Z, sovereign: [{party: USA, from: 1990-01-01}]}\n",
        true,
    );
    check(
        r,
        "territories:\n  - {id: X, name: X, sovereign: [{party: USA, form: 1990-01-01}]}\n",
        false,
    );
    check(SchemaKind::Manifest, "name: x\nextends: [../..]\n", true);
    check(SchemaKind::Manifest, "name: x\nextend: [../..]\n", false);
    let p = SchemaKind::Properties;
    check(
        p,
        "properties:\n  - id: x\n    require: {obliged: {at_least: 3, level: assist}}\n",
        true,
    );
    check(
        p,
        "properties:\n  - id: x\n    require: {oblige: {at_least: 3}}\n",
        false,
    );
}
