//! The `casus` command as a user runs it: output snapshots and exit codes.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `casus` in the repository root; returns (exit code, stdout, stderr).
fn casus(args: &[&str]) -> (i32, String, String) {
    casus_in(&root(), args)
}

/// Runs `casus` in `dir`; returns (exit code, stdout, stderr).
fn casus_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casus"))
        .args(args)
        .current_dir(dir)
        .env(
            "CASUS_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("casus-cache"),
        )
        .env_remove("CASUS_NO_CACHE")
        .output()
        .unwrap_or_else(|e| panic!("cannot run casus: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
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
    eval_seed_case_draft_a,
    ["eval", "examples/scenarios/ukraine/coalition-a-kyiv-2027.yaml"],
    0
);
snapshot_case!(
    eval_seed_case_draft_c_no_ground_troops,
    ["eval", "examples/scenarios/ukraine/coalition-c-kyiv-2027.yaml"],
    0
);
snapshot_case!(
    eval_nato_alone_explains_why_not,
    ["eval", "examples/scenarios/ukraine/nato-alone-kyiv-2027.yaml"],
    0
);
snapshot_case!(eval_hawaii, ["eval", "examples/scenarios/nato/hawaii.yaml"], 0);
snapshot_case!(eval_missing_file, ["eval", "no/such/scenario.yaml"], 2);
snapshot_case!(check_missing_rules, ["check", "--rules", "no/such/rules"], 2);
snapshot_case!(
    check_bad_rules,
    ["check", "--rules", "crates/casus-cli/tests/data/bad-rules"],
    1
);
snapshot_case!(
    eval_unknown_attacker_is_located,
    ["eval", "crates/casus-cli/tests/data/unknown-attacker.yaml"],
    2
);
snapshot_case!(
    test_unknown_party_in_expect_is_located,
    ["test", "crates/casus-cli/tests/data/unknown-expected-party.yaml"],
    1
);
snapshot_case!(
    test_a_folder_of_mixed_files,
    ["test", "crates/casus-cli/tests/data/mixed"],
    0
);
snapshot_case!(
    test_a_failing_expectation,
    ["test", "crates/casus-cli/tests/data/wrong-expectation.yaml"],
    1
);

#[test]
fn json_verdict_has_the_pinned_fields() {
    let (code, out, _) = casus(&["eval", "--format", "json", "examples/scenarios/nato/sept-11.yaml"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
    for key in ["obligations", "not_obligated", "conflicts", "date", "event"] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let first = &v["obligations"][0];
    for key in ["party", "level", "status", "depends_on", "sources", "forms", "caveats"] {
        assert!(first.get(key).is_some(), "missing obligations[].{key}");
    }
    let src = &first["sources"][0];
    for key in ["treaty", "clause", "citation", "level", "status"] {
        assert!(src.get(key).is_some(), "missing sources[].{key}");
    }
    let no = &v["not_obligated"][0];
    for key in ["party", "reason"] {
        assert!(no.get(key).is_some(), "missing not_obligated[].{key}");
    }
    // Byte-identical output on a second run.
    let (_, again, _) = casus(&["eval", "--format", "json", "examples/scenarios/nato/sept-11.yaml"]);
    assert_eq!(out, again);
}

#[test]
fn explain_prints_condition_trees() {
    let (code, out, _) = casus(&["eval", "--explain", "examples/scenarios/nato/sept-11.yaml"]);
    assert_eq!(code, 0);
    assert!(out.contains("Triggers:"));
    assert!(out.contains("[unknown]"), "{out}");
}

#[test]
fn listings() {
    for (cmd, needle) in [("parties", "UKR"), ("territories", "US-HI"), ("treaties", "nato")] {
        let (code, out, _) = casus(&[cmd]);
        assert_eq!(code, 0);
        assert!(out.lines().any(|l| l.starts_with(needle)), "{cmd}: {out}");
        let (code, json, _) = casus(&[cmd, "--format", "json"]);
        assert_eq!(code, 0);
        assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
    }
}

/// A fresh, empty folder outside the repository.
fn outside(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("casus-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

const KYIV: &str = "date: 2027-03-01\nevent: armed_attack\nattacker: RUS\ntarget: UKR\n";

/// Outside the repository, with no `--rules` and no `rules:`, the error says that `rules/` is
/// the default, where it was looked for, and how to choose another.
#[test]
fn eval_outside_the_repository_explains_the_default() {
    let dir = outside("default");
    std::fs::write(dir.join("x.yaml"), KYIV).unwrap();
    let (code, out, err) = casus_in(&dir, &["eval", "x.yaml"]);
    assert_eq!(code, 2, "{out}{err}");
    let err = err.replace(&dir.display().to_string(), "TMP");
    insta::assert_snapshot!(err);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A scenario's `rules: ../rules` is reported resolved against the scenario's folder, and the
/// suggested command names the rule set by that path.
#[test]
fn eval_names_the_rule_set_a_scenario_chose_resolved() {
    let dir = outside("resolved");
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::fs::write(dir.join("scenarios/x.yaml"), format!("rules: ../rules\n{KYIV}")).unwrap();
    let (code, _, err) = casus_in(&dir, &["eval", "scenarios/x.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err,
        "error: no rule set at rules: the scenario scenarios/x.yaml names `rules: ../rules`, which is read \
         relative to the scenario file\n  help: correct `rules:` in the scenario, or pass `--rules DIR` to use \
         another rule set\n"
    );
    // A rule set that is there but broken: `casus check` on the resolved path.
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(dir.join("rules/a.yaml"), "parties: [{id: UKR, nmae: Ukraine}]\n").unwrap();
    let (code, _, err) = casus_in(&dir, &["eval", "scenarios/x.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.ends_with("error: 1 error(s) in the rule set (run `casus check --rules rules`)\n"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A folder with scenarios but no `expect:` block tests nothing: exit 1, and it says so.
#[test]
fn test_with_nothing_to_test_says_so() {
    let (code, out, err) = casus(&["test", "crates/casus-cli/tests/data/mixed/no-expectations.yaml"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.ends_with(
            "0 passed, 0 failed\n1 without expectations, 0 skipped\nnothing was tested: no scenario with an `expect:` block was found\n"
        ),
        "{out}"
    );
}

/// Issue: `location: Poland` answered "did you mean `AND`?". A state's name finds its main
/// territory; suggestions come from names as well as ids; a shared name lists its places.
#[test]
fn locations_by_name() {
    let cases = [
        ("poland.yaml", 0, "armed_attack by RUS on POL at POL"),
        ("polnd.yaml", 2, "did you mean `Poland`?"),
        (
            "georgia.yaml",
            2,
            "`Georgia` in the scenario's `location` names 2 places: `GEO` (Georgia), `US-GA` (Georgia); give the id",
        ),
    ];
    for (file, want_code, want) in cases {
        let path = format!("crates/casus-cli/tests/data/names/{file}");
        let (code, out, err) = casus(&["eval", &path]);
        assert_eq!(code, want_code, "{file}: {out}{err}");
        assert!(out.contains(want) || err.contains(want), "{file}: {out}{err}");
    }
}

#[test]
fn territories_within_and_find() {
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["territories", "--format", "json"];
        all.extend_from_slice(args);
        let (code, out, err) = casus(&all);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect()
    };
    let ukr = ids(&["--within", "UKR"]);
    assert_eq!(
        ukr.len(),
        27 + 5,
        "24 oblasts, Crimea, Kyiv, Sevastopol, 4 occupied parts, a raion: {ukr:?}"
    );
    assert!(ukr.contains(&"UA-14-OCC-MARIUPOL".to_string()) && !ukr.contains(&"UKR".to_string()));
    assert_eq!(ids(&["--find", "Sanliurfa"]), ["TR-63"]);
    assert_eq!(ids(&["--within", "Canary Islands"]), ["ES-GC", "ES-TF"]);
    assert_eq!(ids(&["--within", "ESP", "--find", "palmas"]), ["ES-GC"]);
    let (code, _, err) = casus(&["territories", "--within", "Georgia"]);
    assert_eq!(
        (code, err.contains("`GEO` (Georgia), `US-GA` (Georgia)")),
        (2, true),
        "{err}"
    );
}

/// A fresh scratch folder under the target's temporary folder.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `casus` in the repository root with extra environment variables.
fn casus_env(env: &[(&str, &Path)], args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_casus"));
    cmd.args(args).current_dir(root()).env_remove("CASUS_NO_CACHE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_built_rule_set_answers_as_its_yaml_and_is_refused_once_the_yaml_changes() {
    let dir = scratch("build");
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("alliance.yaml"), casus::doc_example()).unwrap();
    let scenario = dir.join("attack.yaml");
    std::fs::write(
        &scenario,
        "date: 2020-01-01\nevent: armed_attack\nattacker: RUS\ntarget: EST\nlocation: EST\non: territory\n",
    )
    .unwrap();
    let built = dir.join("alliance.casus");
    let (code, out, err) = casus(&["build", rules.to_str().unwrap(), "-o", built.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("4 parties") && out.contains("bytes written to"), "{out}");
    let s = scenario.to_str().unwrap();
    let from_yaml = casus(&["--no-cache", "eval", "--rules", rules.to_str().unwrap(), s]);
    let from_file = casus(&["eval", "--rules", built.to_str().unwrap(), s]);
    assert_eq!(from_yaml.0, 0, "{}", from_yaml.2);
    assert_eq!(from_file, from_yaml);
    assert!(from_file.1.contains("USA"), "{}", from_file.1);
    // The YAML changes: the built file is refused with the command that rebuilds it.
    std::fs::write(
        rules.join("alliance.yaml"),
        casus::doc_example().replace("assist", "military"),
    )
    .unwrap();
    let (code, out, err) = casus(&["eval", "--rules", built.to_str().unwrap(), s]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("has changed since") && err.contains("casus build"),
        "{err}"
    );
    // A file that is not a compiled rule set is read as YAML, and says so in YAML's words.
    std::fs::write(&built, b"\x00\x01binary").unwrap();
    let (code, _, err) = casus(&["eval", "--rules", built.to_str().unwrap(), s]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn the_cache_is_filled_once_and_can_be_turned_off() {
    let cache = scratch("cache").join("c");
    let scenario = "examples/scenarios/nato/hawaii.yaml";
    let count = || std::fs::read_dir(&cache).map_or(0, |d| d.count());
    let plain = casus_env(&[("CASUS_NO_CACHE", Path::new("1"))], &["eval", scenario]);
    assert_eq!(plain.0, 0, "{}", plain.2);
    let env = [("CASUS_CACHE_DIR", cache.as_path())];
    let off = casus_env(&env, &["--no-cache", "eval", scenario]);
    assert_eq!((off, count()), (plain.clone(), 0));
    let first = casus_env(&env, &["eval", scenario]);
    assert_eq!((first, count()), (plain.clone(), 1));
    let second = casus_env(&env, &["eval", scenario]);
    assert_eq!((second, count()), (plain.clone(), 1));
    let env_off = casus_env(
        &[("CASUS_CACHE_DIR", cache.as_path()), ("CASUS_NO_CACHE", Path::new("1"))],
        &["exposure", "USA"],
    );
    assert_eq!((env_off.0, count()), (0, 1));
}
