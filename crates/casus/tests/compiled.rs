//! The compiled form of a rule set (`casus build`, the CLI's cache): it gives the same answers
//! as the YAML it was built from, and a file that is foreign, of another version, damaged or
//! stale is refused with a clear error.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use casus::compiled::SourceHash;
use casus::{CompiledError, Engine, Limits, RuleSet, Scenario};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every scenario file under `dir`, sorted.
fn scenario_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            scenario_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
}

/// The YAML engine and the engine read back from its compiled form, per rule set.
fn both(rules: &Path) -> (Engine, Engine) {
    let set = RuleSet::load(rules).unwrap_or_else(|e| panic!("{}: {e}", rules.display()));
    let (built, bytes) = set.build(&rules.display().to_string()).unwrap();
    let hash = SourceHash::of(&[rules.to_path_buf()], &Limits::default()).unwrap();
    assert_eq!(
        set.source_hash(),
        Some(hash),
        "the load and the walk hash the same files"
    );
    let read = Engine::from_compiled(&bytes, &hash).unwrap();
    // Building is deterministic: the same engine gives the same bytes.
    assert_eq!(set.build(&rules.display().to_string()).unwrap().1, bytes);
    (built, read)
}

#[test]
fn every_shipped_scenario_gets_the_same_verdict_from_the_compiled_form() {
    let mut files = Vec::new();
    scenario_files(&root().join("examples/scenarios"), &mut files);
    let mut engines: BTreeMap<PathBuf, (Engine, Engine)> = BTreeMap::new();
    let mut compared = 0;
    for f in &files {
        let Ok(s) = Scenario::load(f) else { continue };
        let rules = s.rules_path(f).unwrap_or_else(|| root().join("rules"));
        let rules = std::fs::canonicalize(&rules).unwrap();
        let (yaml, compiled) = engines.entry(rules.clone()).or_insert_with(|| both(&rules));
        for explain in [false, true] {
            let run = |e: &Engine| {
                let v = if explain {
                    e.evaluate_explained(&s)
                } else {
                    e.evaluate(&s)
                };
                v.map(|v| serde_json::to_string(&v).unwrap()).map_err(|e| e.to_string())
            };
            assert_eq!(run(yaml), run(compiled), "{} (explain: {explain})", f.display());
        }
        compared += 1;
    }
    assert!(compared >= 100, "only {compared} scenarios compared");
    assert!(engines.len() >= 3, "only {} rule sets", engines.len());
}

fn example() -> (RuleSet, Vec<u8>, SourceHash) {
    let rules = RuleSet::from_yaml(casus::doc_example()).unwrap();
    let bytes = rules.build("example").unwrap().1;
    (rules, bytes, SourceHash::default())
}

#[test]
fn a_foreign_file_is_refused() {
    let hash = SourceHash::default();
    for bytes in [&b""[..], b"casus", b"parties:\n  - id: USA\n", &[0u8; 100]] {
        assert_eq!(Engine::from_compiled(bytes, &hash).unwrap_err(), CompiledError::Foreign);
    }
}

#[test]
fn another_format_version_is_refused() {
    let (_, mut bytes, hash) = example();
    bytes[8..12].copy_from_slice(&(casus::compiled::FORMAT_VERSION + 1).to_le_bytes());
    let err = Engine::from_compiled(&bytes, &hash).unwrap_err();
    assert_eq!(
        err,
        CompiledError::Version {
            found: casus::compiled::FORMAT_VERSION + 1,
            expected: casus::compiled::FORMAT_VERSION
        }
    );
    assert!(err.to_string().contains("build it again with `casus build`"), "{err}");
}

#[test]
fn a_file_from_another_build_is_refused() {
    let (_, mut bytes, hash) = example();
    bytes[12] ^= 1;
    assert_eq!(
        Engine::from_compiled(&bytes, &hash).unwrap_err(),
        CompiledError::OtherBuild
    );
}

#[test]
fn a_damaged_or_truncated_file_is_refused() {
    let (_, bytes, hash) = example();
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x40;
    assert_eq!(
        Engine::from_compiled(&flipped, &hash).unwrap_err(),
        CompiledError::Damaged
    );
    for cut in [13, 40, bytes.len() / 2, bytes.len() - 1] {
        assert_eq!(
            Engine::from_compiled(&bytes[..cut], &hash).unwrap_err(),
            CompiledError::Damaged,
            "cut at {cut}"
        );
    }
}

#[test]
fn a_file_built_from_other_sources_is_refused() {
    let (_, bytes, _) = example();
    let other = SourceHash::of(&[root().join("rules/drafts/ukraine-coalition-a")], &Limits::default()).unwrap();
    let err = Engine::from_compiled(&bytes, &other).unwrap_err();
    assert_eq!(
        err,
        CompiledError::Stale {
            origin: "example".into()
        }
    );
    assert!(err.to_string().contains("has changed since"), "{err}");
    let header = casus::compiled::compiled_header(&bytes).unwrap();
    assert_eq!(header.origin, "example");
    assert_eq!(header.sources, SourceHash::default());
}

/// A small rule set in a fresh folder, and a cache folder beside it.
fn scratch(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("casus-compiled-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(dir.join("rules/alliance.yaml"), casus::doc_example()).unwrap();
    (dir.join("rules"), dir.join("cache"))
}

fn level_of_usa(e: &Engine) -> Option<casus::Level> {
    let s = Scenario::from_yaml(
        "{date: 2020-01-01, event: armed_attack, attacker: RUS, target: EST, location: EST, on: territory}",
    )
    .unwrap();
    e.evaluate(&s).unwrap().level_of("USA")
}

fn cached_files(cache: &Path) -> usize {
    std::fs::read_dir(cache).map_or(0, |d| d.count())
}

#[test]
fn the_cache_is_reused_while_the_sources_are_the_same_and_rebuilt_when_they_change() {
    let (rules, cache) = scratch("cache");
    let limits = Limits::default();
    let paths = [rules.clone()];
    let first = Engine::load_cached(&paths, &limits, &cache).unwrap();
    assert_eq!(level_of_usa(&first), Some(casus::Level::Assist));
    assert_eq!(cached_files(&cache), 1);
    // Same sources: the cached file is read, not written again.
    let file = std::fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path();
    let written = std::fs::metadata(&file).unwrap().modified().unwrap();
    let again = Engine::load_cached(&paths, &limits, &cache).unwrap();
    assert_eq!(level_of_usa(&again), Some(casus::Level::Assist));
    assert_eq!(cached_files(&cache), 1);
    assert_eq!(std::fs::metadata(&file).unwrap().modified().unwrap(), written);
    // A source file changes: the cache answers with the new rules.
    let changed = casus::doc_example().replace("level: assist", "level: military");
    std::fs::write(rules.join("alliance.yaml"), changed).unwrap();
    let third = Engine::load_cached(&paths, &limits, &cache).unwrap();
    assert_eq!(level_of_usa(&third), Some(casus::Level::Military));
    assert_eq!(cached_files(&cache), 2);
    // A new file in the folder changes the sources too.
    std::fs::write(rules.join("more.yaml"), "parties:\n  - {id: NOR, name: Norway}\n").unwrap();
    let fourth = Engine::load_cached(&paths, &limits, &cache).unwrap();
    assert!(fourth.parties().iter().any(|p| p.id == "NOR"));
    let _ = std::fs::remove_dir_all(rules.parent().unwrap());
}

#[test]
fn a_damaged_cache_file_is_rebuilt_not_trusted() {
    let (rules, cache) = scratch("damaged");
    let limits = Limits::default();
    let paths = [rules.clone()];
    Engine::load_cached(&paths, &limits, &cache).unwrap();
    let file = std::fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path();
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    std::fs::write(&file, &bytes).unwrap();
    let e = Engine::load_cached(&paths, &limits, &cache).unwrap();
    assert_eq!(level_of_usa(&e), Some(casus::Level::Assist));
    let hash = SourceHash::of(&paths, &limits).unwrap();
    assert!(Engine::from_compiled(&std::fs::read(&file).unwrap(), &hash).is_ok());
    let _ = std::fs::remove_dir_all(rules.parent().unwrap());
}

#[test]
fn a_compiled_file_is_refused_once_its_rule_set_changes() {
    let (rules, _) = scratch("file");
    let set = RuleSet::load(&rules).unwrap();
    let (_, bytes) = set.build(&rules.display().to_string()).unwrap();
    let file = rules.parent().unwrap().join("built.casus");
    std::fs::write(&file, &bytes).unwrap();
    let e = Engine::load_compiled(&file, &Limits::default()).unwrap();
    assert_eq!(level_of_usa(&e), Some(casus::Level::Assist));
    std::fs::write(
        rules.join("alliance.yaml"),
        casus::doc_example().replace("Art. 5", "Art. 5 "),
    )
    .unwrap();
    let err = Engine::load_compiled(&file, &Limits::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("has changed since"), "{err}");
    assert!(err.starts_with(&file.display().to_string()), "{err}");
    let _ = std::fs::remove_dir_all(rules.parent().unwrap());
}
