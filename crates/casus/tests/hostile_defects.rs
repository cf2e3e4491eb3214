//! Hostile input, second round: each test pins one defect a hostile tester found (the number is
//! the item of that round's list), and fails on the code before its fix. The first round lives
//! in `hostile.rs`.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use casus::{RuleSet, Severity};

/// The codes of the errors a rule text loads with (empty when it loads).
fn error_codes(yaml: &str) -> Vec<&'static str> {
    match RuleSet::from_yaml(yaml) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .diagnostics
            .items()
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.code)
            .collect(),
    }
}

/// Defect 10: A 100,000-character id once aborted the process: the did-you-mean distance allocated a
/// table of the product of the lengths. Long words get no suggestion, ids are capped.
#[test]
fn a_huge_id_is_an_error_not_an_abort() {
    let long = "A".repeat(100_000);
    let near = format!("{}B", "A".repeat(99_999));
    let yaml = format!(
        "parties:\n  - id: {long}\n    name: x\ntreaties:\n  - id: t\n    name: t\n    parties: [{{party: {near}}}]\n    clauses: []\n"
    );
    let codes = error_codes(&yaml);
    assert!(codes.contains(&"bad-id"), "{codes:?}");
    assert!(codes.contains(&"unknown-party"), "{codes:?}");
    assert_eq!(casus::names::suggest(&near, [long.as_str()].into_iter()), None);
    // Short words keep their suggestions.
    assert_eq!(
        casus::names::suggest("GRB", ["GBR", "USA"].into_iter()),
        Some("GBR".into())
    );
}

/// Defect 11: Rendering found each diagnostic's line by counting lines from the start of the file, so
/// a file with tens of thousands of errors took minutes. Each rendering now shows its own line.
#[test]
fn every_diagnostic_of_a_large_file_shows_its_own_line() {
    let mut yaml = String::from("treaties:\n  - id: t\n    name: t\n    clauses: []\n    parties:\n");
    let n = 20_000;
    for i in 0..n {
        yaml.push_str(&format!("      - {{party: P{i}}}\n"));
    }
    let err = RuleSet::from_yaml(&yaml).unwrap_err();
    let unknown: Vec<_> = err
        .diagnostics
        .items()
        .iter()
        .filter(|d| d.code == "unknown-party")
        .collect();
    assert_eq!(unknown.len(), n, "one diagnostic per unknown party");
    for (i, d) in unknown.iter().enumerate() {
        let text = d.render();
        let line = i + 6;
        assert!(text.contains(&format!("{line} |       - {{party: P{i}}}")), "{text}");
    }
}

/// Defect 1: Two `<<:` keys in one mapping were accepted and one silently replaced the other, so an
/// opt-out could appear or vanish. Merge keys are refused, at their line, in rule files and
/// scenarios alike; anchors and aliases for whole values still work.
#[test]
fn merge_keys_are_refused_where_they_stand() {
    let rules = "parties:\n  - id: AAA\n    name: A\n  - &b\n    id: BBB\n    name: B\ntreaties:\n  - id: t\n    name: t\n    parties: [{party: AAA}, {party: BBB}]\n    clauses: []\n    reservations:\n      - &r {party: AAA, note: x}\n      - <<: *r\n        <<: {party: BBB}\n";
    let err = RuleSet::from_yaml(rules).unwrap_err();
    let d = &err.diagnostics.items()[0];
    assert_eq!((d.code, d.position.line), ("merge-key", 14), "{}", d.render());
    assert!(d.render().contains("write the keys out"), "{}", d.render());

    let scenario = "date: 2025-01-01\nevent: armed_attack\ntarget: AAA\nfacts:\n  <<: {requested: true}\n  <<: {requested: false}\n";
    let e = casus::Scenario::from_yaml(scenario).unwrap_err().to_string();
    assert!(e.contains("merge keys"), "{e}");

    // An alias for a whole value is not a merge and still loads.
    let aliased = "tags:\n  - {id: x, description: &d an island}\n  - {id: y, description: *d}\n";
    assert!(error_codes(aliased).is_empty(), "{:?}", error_codes(aliased));
}

/// Defect 5: dates at the edge of the range ordered wrongly, so `terminated` before `in_force`
/// passed when `in_force` was 9999-12-31, `terminated: 9999-12-31` was refused, and a range
/// from 0000-01-01 to 9999-12-31 was "empty".
#[test]
fn dates_at_the_edges_of_the_range_are_ordered() {
    let treaty = |in_force: &str, terminated: &str| {
        format!(
            "parties:\n  - {{id: AAA, name: A}}\n  - {{id: BBB, name: B}}\ntreaties:\n  - id: t\n    name: t\n    in_force: {in_force}\n    terminated: {terminated}\n    parties: [{{party: AAA}}, {{party: BBB}}]\n    clauses: []\n"
        )
    };
    assert_eq!(error_codes(&treaty("9999-12-31", "2000-01-01")), ["date-order"]);
    assert!(error_codes(&treaty("1949-08-24", "9999-12-31")).is_empty());
    let engine = casus::RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules"))
        .unwrap()
        .compile()
        .unwrap();
    let all_time = engine
        .timeline(
            "SWE",
            casus::graph::Relation::Guarantors,
            casus::When::parse("0000-01-01").unwrap(),
            casus::When::parse("9999-12-31").unwrap(),
        )
        .unwrap();
    let json = serde_json::to_value(&all_time).unwrap();
    assert!(
        json.to_string().contains("2024-03-07"),
        "Sweden's NATO accession is a change: {json}"
    );
}

/// A fresh folder with the given files; `repo` puts a `.git` entry in it, which makes it the
/// confinement root of the files inside.
fn folder(tag: &str, repo: bool, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("casus-defects-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    if repo {
        std::fs::create_dir_all(dir.join(".git")).unwrap();
    }
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    dir
}

fn load_codes(path: &std::path::Path, limits: &casus::Limits) -> Vec<(&'static str, String)> {
    match RuleSet::load_with(&[path.to_path_buf()], limits) {
        Ok(r) => r
            .diagnostics()
            .items()
            .iter()
            .map(|d| (d.code, d.message.clone()))
            .collect(),
        Err(e) => e
            .diagnostics
            .items()
            .iter()
            .map(|d| (d.code, d.message.clone()))
            .collect(),
    }
}

/// Defect 8: any file on disk could be read and echoed: `extends: [/etc/passwd]` or `[/etc]`
/// read it as a rule file and printed its first line in the error. Only `.yaml`/`.yml` files
/// are read as rule files, and paths named inside files stay within the repository.
#[test]
fn paths_named_inside_files_stay_within_the_repository() {
    const BASE: &str = "parties:\n  - {id: AAA, name: A}\n";
    let outside = folder(
        "outside",
        false,
        &[("secret.yaml", "parties:\n  - {id: ZZZ, name: secret}\n")],
    );
    let repo = folder(
        "repo",
        true,
        &[
            ("base/a.yaml", BASE),
            ("draft/ruleset.yaml", "extends: [../base]\n"),
            ("escape/ruleset.yaml", &format!("extends: [{}]\n", outside.display())),
            ("etc/ruleset.yaml", "extends: [/etc]\n"),
            ("passwd/ruleset.yaml", "extends: [/etc/passwd]\n"),
            ("notes.txt", "not a rule file\n"),
        ],
    );
    let none = casus::Limits::default();
    assert!(
        load_codes(&repo.join("draft"), &none)
            .iter()
            .all(|(c, _)| *c != "outside-root")
    );
    for dir in ["escape", "etc", "passwd"] {
        let codes = load_codes(&repo.join(dir), &none);
        assert!(
            codes
                .iter()
                .any(|(c, m)| *c == "outside-root" && m.contains("lies outside")),
            "{dir}: {codes:?}"
        );
        assert!(
            codes.iter().all(|(_, m)| !m.contains("root:")),
            "{dir}: nothing of the file is echoed"
        );
    }
    // Allowing the folder explicitly lets the draft reach it.
    let allow = casus::Limits {
        allow_outside: vec![outside.clone()],
        ..casus::Limits::default()
    };
    assert!(
        load_codes(&repo.join("escape"), &allow)
            .iter()
            .all(|(c, _)| *c != "outside-root")
    );
    // A file that is not YAML is never read as a rule file, even when named directly.
    let codes = load_codes(&repo.join("notes.txt"), &none);
    assert_eq!(
        codes.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        ["not-yaml"],
        "{codes:?}"
    );
    // A scenario's `rules:` is confined the same way.
    let s = casus::Scenario::from_yaml("{date: 2025-01-01, event: armed_attack, target: AAA, rules: /etc}").unwrap();
    let e = s
        .rules_path_confined(&repo.join("s.yaml"), &none)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`rules:` names `/etc`") && e.contains("lies outside"), "{e}");
    assert_eq!(
        s.rules_path_confined(
            &repo.join("s.yaml"),
            &casus::Limits {
                allow_outside: vec!["/etc".into()],
                ..none.clone()
            }
        )
        .unwrap(),
        Some("/etc".into())
    );
    let _ = std::fs::remove_dir_all(&repo);
    let _ = std::fs::remove_dir_all(&outside);
}

/// Defect 3: `attackers: []` made "the attacker is a state" false, so obligations vanished;
/// and a party attacking itself was accepted.
#[test]
fn an_empty_attacker_list_and_a_self_attack_are_refused() {
    let check = |yaml: &str, expected: &str| {
        let e = casus::Scenario::from_yaml(yaml).unwrap_err().to_string();
        assert!(e.contains(expected), "{yaml}: {e}");
    };
    check(
        "{date: 2025-01-01, event: armed_attack, target: POL, attackers: []}",
        "`attackers` is empty",
    );
    check(
        "{date: 2025-01-01, event: armed_attack, target: POL, attacker: POL}",
        "`POL` is both the attacker and the target",
    );
    check(
        "{date: 2025-01-01, event: armed_attack, targets: [EST, POL], attackers: [RUS, POL]}",
        "`POL` is both the attacker and the target",
    );
    assert!(
        casus::Scenario::from_yaml("{date: 2025-01-01, event: armed_attack, target: POL, attacker: {non_state: X}}")
            .is_ok()
    );
}

/// Defect 9: ids and names could hold terminal escapes, line breaks, or nothing visible
/// (`AAA\u200b`). Every kind of id has one form; names and notes hold no control or
/// invisible character; what an error must echo is shown with such characters written out.
#[test]
fn ids_and_names_cannot_drive_a_terminal() {
    let cases = [
        ("parties:\n  - {id: \"A\\e[31mB\", name: x}\n", "bad-id"),
        ("tags:\n  - {id: \"t\\u200b\", description: x}\n", "bad-id"),
        ("facts:\n  - {id: \"\", description: x}\n", "bad-id"),
        ("areas:\n  - {id: \"X-\\n1\", name: x}\n", "bad-id"),
        ("parties:\n  - {id: AAA, name: \"\\e]0;pwned\\a\"}\n", "bad-text"),
        ("parties:\n  - {id: AAA, name: \"\\u202eASU\"}\n", "bad-text"),
        ("parties:\n  - {id: AAA, name: \"  \"}\n", "bad-text"),
        (
            "treaties:\n  - {id: \"t\\e\", name: t, parties: [], clauses: []}\n",
            "bad-id",
        ),
        (
            "treaties:\n  - {id: t, name: \"two\\nlines\", parties: [], clauses: []}\n",
            "bad-text",
        ),
    ];
    for (yaml, code) in cases {
        let err = RuleSet::from_yaml(yaml).unwrap_err();
        let d = err.diagnostics.items().iter().find(|d| d.code == code);
        let d = d.unwrap_or_else(|| panic!("{yaml}: {:?}", err.diagnostics.items()));
        let text = d.render();
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
        assert!(!text.contains('\u{202e}') && !text.contains('\u{200b}'), "{text:?}");
    }
    // A note may break lines; Åland keeps its ring.
    let fine = "parties:\n  - {id: AAA, name: \"\u{c5}land\"}\ntags:\n  - {id: t, description: \"one\\ntwo\"}\n";
    assert!(error_codes(fine).is_empty(), "{:?}", error_codes(fine));
}

/// Defect 2: keys were dropped without a word: `territory_tags` went unchecked when the state's
/// territory was declared too, an `areas:` entry with a state's id turned its homeland into a
/// sea, and `attacker: {non_state: X, state_sponsor: Y}` lost the second key.
#[test]
fn every_key_is_understood_or_an_error() {
    let state = "parties:\n  - {id: AAA, name: A, territory_tags: [nowhere]}\n";
    assert_eq!(error_codes(state), ["unknown-tag"]);
    let both = "tags:\n  - {id: t, description: x}\nparties:\n  - {id: AAA, name: A, territory_tags: [t]}\nterritories:\n  - {id: AAA, name: A, sovereign: AAA}\n";
    assert_eq!(error_codes(both), ["territory-tags-ignored"]);
    let sea = "parties:\n  - {id: AAA, name: A}\nareas:\n  - {id: AAA, name: A sea}\n";
    assert_eq!(error_codes(sea), ["id-clash"]);
    let org =
        "parties:\n  - {id: ORG, name: O, kind: organization}\nterritories:\n  - {id: ORG, name: O, sovereign: ORG}\n";
    assert_eq!(error_codes(org), ["id-clash"]);
    let e = casus::Scenario::from_yaml(
        "{date: 2025-01-01, event: armed_attack, target: AAA, attacker: {non_state: X, state_sponsor: Y}}",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("unknown key `state_sponsor`") && !e.contains("untagged"),
        "{e}"
    );
}

/// Defect 19: unknown and binary YAML tags were accepted, a file holding only `null` or `---`
/// was an error where an empty file was fine, and a group could be its own member.
#[test]
fn small_ones_tags_null_files_and_own_members() {
    assert_eq!(
        error_codes("parties:\n  - {id: AAA, name: !!binary QUJD}\n"),
        ["yaml-tag"]
    );
    assert!(!error_codes("parties:\n  - {id: AAA, name: !foo A}\n").is_empty());
    assert!(error_codes("parties:\n  - {id: AAA, name: \"!!binary is text here\"}\n").is_empty());
    for nothing in ["", "null\n", "---\n", "--- # nothing yet\n...\n", "~\n"] {
        assert!(
            error_codes(nothing).is_empty(),
            "{nothing:?}: {:?}",
            error_codes(nothing)
        );
    }
    let own = "parties:\n  - {id: AAA, name: A}\n  - id: G\n    name: G\n    kind: group\n    members: [{party: AAA}, {party: G}]\n";
    assert_eq!(error_codes(own), ["own-member"]);
}

/// Defects 12 and 16: a commitment graph of one 1,000-party alliance took 15 s and 1.6 GB (148 s
/// and 15 GB with ten clauses), and a scenario with 100,000 targets ran for minutes. Both are
/// bounded before any work, by limits the errors name; the shipped library stays well inside.
#[test]
fn graphs_and_scenarios_are_bounded_before_the_work() {
    let mut yaml = String::from("parties:\n");
    for i in 0..1000 {
        yaml.push_str(&format!("  - {{id: P{i}, name: P{i}}}\n"));
    }
    yaml.push_str("treaties:\n  - id: big\n    name: big\n    in_force: 2000-01-01\n    parties:\n");
    for i in 0..1000 {
        yaml.push_str(&format!("      - {{party: P{i}}}\n"));
    }
    yaml.push_str("    clauses:\n");
    for c in 0..10 {
        yaml.push_str(&format!(
            "      - {{id: c{c}, citation: c{c}, trigger: {{target: treaty_party}}, obligations: [{{level: consult}}]}}\n"
        ));
    }
    let engine = RuleSet::from_yaml(&yaml)
        .map_err(|e| e.to_string())
        .unwrap()
        .compile()
        .unwrap();
    let limits = casus::Limits::default();
    assert_eq!(engine.graph_size_bound(), 10_000_000);
    let e = engine
        .commitment_graph_within(casus::When::parse("2025-01-01").unwrap(), limits.max_graph_edges)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("max_graph_edges") && e.contains("2000000") && e.contains("--max-edges"),
        "{e}"
    );

    let shipped = RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules"))
        .unwrap()
        .compile()
        .unwrap();
    assert!(
        shipped.graph_size_bound() * 10 < limits.max_graph_edges,
        "{}",
        shipped.graph_size_bound()
    );

    let targets: Vec<String> = (0..1001).map(|i| format!("P{i}")).collect();
    let scenario = format!(
        "{{date: 2025-01-01, event: armed_attack, targets: [{}]}}",
        targets.join(", ")
    );
    let e = casus::Scenario::from_yaml(&scenario).unwrap_err().to_string();
    assert!(
        e.contains("1001 parties, over the limit of 1000 (max_scenario_parties)"),
        "{e}"
    );
}

/// Defect 17: messages leaked the YAML library's wording ("set DuplicateKeyPolicy in Options",
/// "use from_str_multiple", "use Option<String>", "recursion limit exceeded"). Each is worded
/// for the person who wrote the file, and a depth error names its limit and value.
#[test]
fn messages_speak_of_the_file_not_of_the_library() {
    let deep = format!("tags: {}{}\n", "[".repeat(300), "]".repeat(300));
    let cases = [
        (
            "parties:\n  - {id: AAA, name: A, name: B}\n",
            "duplicate mapping key: name",
        ),
        ("parties: []\n---\nparties: []\n", "a second YAML document begins here"),
        (
            "parties:\n  - {id: AAA, name: ~}\n",
            "a text is required here, not null",
        ),
        (deep.as_str(), "YAML nested deeper than 64 levels (max_yaml_depth)"),
    ];
    for (yaml, expected) in cases {
        let err = RuleSet::from_yaml(yaml).unwrap_err();
        let text: String = err.diagnostics.items().iter().map(casus::Diagnostic::render).collect();
        assert!(text.contains(expected), "{text}");
        for leak in ["Options", "from_str", "Option<", "untagged", "recursion limit"] {
            assert!(!text.contains(leak), "{leak} in {text}");
        }
    }
}

/// Done-means of the second round: every default limit keeps the shipped rule sets (`rules/`,
/// every draft, 1914) well inside. Each loads under limits ten times tighter than the defaults
/// for sizes and counts, and half as deep for nesting; their commitment graphs stay under a
/// tenth of `max_graph_edges`. (The ATOP import has its own test in `crates/casus-atop/tests/atop.rs`.)
#[test]
fn every_default_limit_keeps_the_shipped_rule_sets_well_inside() {
    let d = casus::Limits::default();
    let tight = casus::Limits {
        max_file_bytes: d.max_file_bytes / 10,
        max_total_bytes: d.max_total_bytes / 10,
        max_files: d.max_files / 10,
        max_yaml_nodes: d.max_yaml_nodes / 10,
        max_yaml_depth: d.max_yaml_depth / 2,
        max_condition_depth: d.max_condition_depth / 2,
        max_extends_depth: d.max_extends_depth / 2,
        max_facts: d.max_facts / 10,
        max_parties: d.max_parties / 10,
        max_places: d.max_places / 10,
        max_tags: d.max_tags / 10,
        max_treaties: d.max_treaties / 10,
        max_clauses: d.max_clauses / 10,
        max_clause_parties: d.max_clause_parties / 10,
        ..d.clone()
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let mut sets = vec![root.clone(), root.join("historical/1914")];
    for e in std::fs::read_dir(root.join("drafts")).unwrap() {
        sets.push(e.unwrap().path());
    }
    sets.sort();
    assert!(sets.len() >= 7, "{sets:?}");
    for set in &sets {
        let engine = RuleSet::load_with(std::slice::from_ref(set), &tight)
            .map_err(|e| format!("{}: {e}", set.display()))
            .unwrap()
            .compile()
            .unwrap();
        assert!(
            engine.graph_size_bound() * 10 < d.max_graph_edges,
            "{}: {}",
            set.display(),
            engine.graph_size_bound()
        );
    }
}
