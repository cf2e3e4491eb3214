//! The generated subdivisions are exactly what the generator makes from the vendored data.

#![allow(clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn generated_files_match_the_generator() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let want = casus_gazetteer::generate(&root).unwrap_or_else(|e| panic!("{e}"));
    let dir = root.join("rules/world/subdivisions");
    let mut have = BTreeMap::new();
    for entry in std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".yaml") {
            have.insert(name, std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    let differ: std::collections::BTreeSet<&String> = want
        .keys()
        .chain(have.keys())
        .filter(|k| want.get(*k) != have.get(*k))
        .collect();
    assert!(
        differ.is_empty(),
        "rules/world/subdivisions/ differs from the generator's output in {differ:?}: run `cargo run -p casus-gazetteer`"
    );
    // Every subdivision of the data is a place: generated here, or declared by hand.
    let generated: usize = want
        .values()
        .map(|t| t.lines().filter(|l| l.starts_with("  - {id:")).count())
        .sum();
    assert!(generated > 5000, "{generated} subdivisions generated");
}
