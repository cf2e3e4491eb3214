//! Bad input: every class of error gets a clear, located message, and nothing panics. The
//! rendered diagnostics are snapshots, so a change of wording or position shows in review.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use casus::{Limits, RuleSet};

static N: AtomicUsize = AtomicUsize::new(0);

/// A fresh folder with the given files.
fn folder(files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "casus-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = fs::remove_dir_all(&dir);
    for (name, text) in files {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
    }
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// Every diagnostic of loading `dir`, rendered, with the folder name replaced by `DIR`.
fn errors(dir: &Path) -> String {
    errors_with(dir, &Limits::default())
}

fn errors_with(dir: &Path, limits: &Limits) -> String {
    match RuleSet::load_with(&[dir.to_path_buf()], limits) {
        Ok(_) => "ok".into(),
        Err(e) => e
            .diagnostics
            .items()
            .iter()
            .map(|d| d.render())
            .collect::<String>()
            .replace(&dir.display().to_string(), "DIR"),
    }
}

const BASE: &str = "
tags:
  - {id: europe, description: Europe.}
parties:
  - {id: GBR, name: United Kingdom, territory_tags: [europe]}
  - {id: USA, name: United States}
";

#[test]
fn unknown_key() {
    let d = folder(&[(
        "a.yaml",
        "parties:\n  - id: USA\n    name: United States\n    nmae: x\n",
    )]);
    insta::assert_snapshot!(errors(&d));
}

#[test]
fn unknown_ids_with_suggestions_all_at_once() {
    let d = folder(&[
        ("a.yaml", BASE),
        (
            "b.yaml",
            "treaties:
  - id: t
    name: T
    in_force: 2000-01-01
    parties: [{party: GRB}, {party: USA}]
    clauses:
      - id: c
        citation: Art. 1
        trigger:
          all:
            - location: {tagged: [europ]}
            - fact: requestd
            - attacker: {is: [RUSS]}
        obligations:
          - {level: assist, caveats: [{primacy_of: nato}]}
",
        ),
    ]);
    insta::assert_snapshot!(errors(&d));
}

#[test]
fn duplicate_ids_across_files() {
    let d = folder(&[("a.yaml", BASE), ("b.yaml", "parties:\n  - {id: GBR, name: Britain}\n")]);
    insta::assert_snapshot!(errors(&d));
}

#[test]
fn dates_out_of_order() {
    let d = folder(&[
        ("a.yaml", BASE),
        (
            "b.yaml",
            "treaties:
  - id: t
    name: T
    signed: 2001-01-01
    in_force: 2000-01-01
    terminated: 1999-01-01
    parties:
      - {party: GBR, joined: 1990-01-01}
      - {party: USA, joined: 2005-01-01, left: 2004-01-01}
    clauses:
      - {id: c, citation: Art. 1, trigger: {target: treaty_party}, obligations: [{level: assist}]}
",
        ),
    ]);
    insta::assert_snapshot!(errors(&d));
}

#[test]
fn invalid_date_and_level_and_condition_shape() {
    let d = folder(&[
        ("a.yaml", BASE),
        (
            "b.yaml",
            "treaties:
  - id: t
    name: T
    in_force: 2000-02-30
    clauses: []
",
        ),
        (
            "c.yaml",
            "treaties:
  - id: u
    name: U
    in_force: 2000-01-01
    clauses:
      - id: c
        citation: Art. 1
        trigger: {event: armed_attack, target: treaty_party}
        obligations: [{level: assist}]
",
        ),
        (
            "d.yaml",
            "treaties:
  - id: v
    name: V
    in_force: 2000-01-01
    clauses:
      - {id: c, citation: Art. 1, trigger: {always: true}, obligations: [{level: defend}]}
",
        ),
    ]);
    insta::assert_snapshot!(errors(&d));
}

#[test]
fn a_condition_on_nothing_is_an_error_not_a_silent_no() {
    // Every kind of reference in a condition: an unknown one is a load error.
    for (cond, code) in [
        ("{target: {is: [XYZ]}}", "unknown-party"),
        ("{location: {in: [XX-YY]}}", "unknown-place"),
        ("{location: {tagged: [nowhere]}}", "unknown-tag"),
        ("{fact: nothing_declared}", "unknown-fact"),
        ("{target: {party_to: no_treaty}}", "unknown-treaty"),
        ("{target: {member_of: NOORG}}", "unknown-party"),
        ("{any: []}", "empty-condition"),
        ("{evnt: armed_attack}", "unknown-value"),
    ] {
        let text = format!(
            "{BASE}\ntreaties:\n  - id: t\n    name: T\n    in_force: 2000-01-01\n    parties: [{{party: GBR}}]\n    clauses:\n      - {{id: c, citation: Art. 1, trigger: {cond}, obligations: [{{level: assist}}]}}\n"
        );
        let err = RuleSet::from_yaml(&text)
            .err()
            .unwrap_or_else(|| panic!("{cond} loaded"));
        let codes: Vec<&str> = err.diagnostics.items().iter().map(|d| d.code).collect();
        assert_eq!(codes, vec![code], "{cond}");
    }
}

#[test]
fn alias_bomb_is_refused_quickly() {
    let mut y = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        y.push_str(&format!(
            "{}: &{} [*{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}]\n",
            (b'a' + i) as char,
            (b'a' + i) as char,
            (b'a' + i - 1) as char,
            (b'a' + i - 1) as char,
            (b'a' + i - 1) as char,
            (b'a' + i - 1) as char,
            (b'a' + i - 1) as char,
            (b'a' + i - 1) as char,
            (b'a' + i - 1) as char,
            (b'a' + i - 1) as char,
            (b'a' + i - 1) as char,
            (b'a' + i - 1) as char
        ));
    }
    let d = folder(&[("bomb.yaml", &y)]);
    let out = errors(&d);
    assert!(out.contains("error["), "{out}");
}

#[test]
fn deep_nesting_is_refused() {
    let depth = 10_000;
    let y = format!("parties: {}{}", "[".repeat(depth), "]".repeat(depth));
    let d = folder(&[("deep.yaml", &y)]);
    let out = errors(&d);
    assert!(out.contains("deep.yaml:1:"), "{out}");
    // Deep but valid conditions hit the condition-depth limit, not the stack.
    let mut cond = String::from("{always: true}");
    for _ in 0..26 {
        cond = format!("{{not: {cond}}}");
    }
    let text = format!(
        "{BASE}\ntreaties:\n  - id: t\n    name: T\n    in_force: 2000-01-01\n    clauses:\n      - {{id: c, citation: Art. 1, trigger: {cond}, obligations: [{{level: assist}}]}}\n"
    );
    let err = RuleSet::from_yaml(&text)
        .err()
        .unwrap_or_else(|| panic!("deep condition loaded"));
    assert!(
        err.diagnostics
            .items()
            .iter()
            .any(|d| d.code == "limit-condition-depth")
    );
}

#[test]
fn huge_file_is_refused_before_reading() {
    let d = folder(&[("ok.yaml", BASE)]);
    let big = fs::File::create(d.join("huge.yaml")).unwrap_or_else(|e| panic!("{e}"));
    big.set_len(100 * 1024 * 1024).unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!(errors(&d));
}

#[test]
fn invalid_utf8_missing_path_and_wrong_files() {
    let d = folder(&[
        ("ok.yaml", BASE),
        ("picture.png", "not yaml"),
        ("notes/readme.txt", "hello"),
    ]);
    fs::write(d.join("bad.yaml"), b"parties:\n  - id: \xff\xfe\n").unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!(errors(&d));
    let missing = d.join("no-such-folder");
    insta::assert_snapshot!(errors(&missing));
}

#[test]
fn a_folder_of_only_wrong_things_loads_as_empty_with_notes() {
    let d = folder(&[("a.png", "x"), ("b.json", "{}")]);
    let rules = RuleSet::load(&d).unwrap_or_else(|e| panic!("{e}"));
    let notes: Vec<String> = rules.diagnostics().items().iter().map(|n| n.message.clone()).collect();
    assert_eq!(
        notes,
        vec!["skipped: not a .yaml or .yml file", "skipped: not a .yaml or .yml file"]
    );
}

#[test]
fn limits_name_themselves() {
    let d = folder(&[("a.yaml", BASE), ("b.yaml", BASE)]);
    let limits = Limits {
        max_files: 1,
        ..Limits::default()
    };
    insta::assert_snapshot!(errors_with(&d, &limits));
}

#[cfg(unix)]
#[test]
fn symlinks_are_not_followed() {
    let d = folder(&[("a.yaml", BASE)]);
    std::os::unix::fs::symlink(&d, d.join("loop")).unwrap_or_else(|e| panic!("{e}"));
    let rules = RuleSet::load(&d).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        rules
            .diagnostics()
            .items()
            .iter()
            .any(|n| n.message.contains("symbolic link"))
    );
}

/// A small rule set for the scenario errors: two parties, a territory, a fact.
const SCENARIO_RULES: &str = "
parties:
  - {id: UKR, name: Ukraine}
  - {id: RUS, name: Russia}
territories:
  - {id: UA-30, name: Kyiv, sovereign: UKR}
facts:
  - {id: consented, description: The host state consented.}
";

/// The first error a scenario gets, from reading it or, once read, from resolving its ids
/// (and its `expect:` block's) against `SCENARIO_RULES`: rendered, as `casus eval` and
/// `casus test` print it.
fn scenario_error(yaml: &str) -> String {
    let engine = RuleSet::from_yaml(SCENARIO_RULES).unwrap().compile().unwrap();
    let s = match casus::Scenario::from_yaml(yaml) {
        Ok(s) => s,
        Err(e) => return e.render(),
    };
    match engine.check_expect(&s).and_then(|()| engine.evaluate(&s).map(|_| ())) {
        Ok(()) => "ok".into(),
        Err(e) => e.render(),
    }
}

/// A scenario (after [`SCENARIO_HEAD`] unless it starts with `date`) with an error.
fn scenario_yaml(body: &str) -> String {
    if body.starts_with("date") {
        body.to_string()
    } else {
        format!("{SCENARIO_HEAD}{body}")
    }
}

/// The date and event of the scenarios of [`SCENARIO_ERRORS`] that do not give their own.
const SCENARIO_HEAD: &str = "date: 2027-03-01\nevent: armed_attack\n";

/// Scenario errors: a name, the scenario, how the error begins, and what the caret is under.
const SCENARIO_ERRORS: [(&str, &str, &str, &str); 22] = [
    (
        "target",
        "target: UKRR\n",
        "<scenario>:3:9: error[unknown-party]: unknown party `UKRR` in `target`",
        "UKRR",
    ),
    (
        "targets",
        "targets: [UKR, RUSS]\n",
        "<scenario>:3:16: error[unknown-party]: unknown party `RUSS` in `targets`",
        "RUSS",
    ),
    (
        "attacker",
        "attacker: RUSS\ntarget: UKR\n",
        "<scenario>:3:11: error[unknown-party]: unknown party `RUSS` in `attacker`",
        "RUSS",
    ),
    (
        "attackers",
        "attackers: [{non_state: x}, BLR]\ntarget: UKR\n",
        "<scenario>:3:29: error[unknown-party]: unknown party `BLR` in `attackers`",
        "BLR",
    ),
    (
        "supported_by",
        "target: UKR\nsupported_by:\n  - RUS\n  - XYZQW\n",
        "<scenario>:6:5: error[unknown-party]: unknown party `XYZQW` in `supported_by`",
        "XYZQW",
    ),
    (
        "location",
        "target: UKR\nlocation: UA-31\n",
        "<scenario>:4:11: error[unknown-place]: unknown territory or area `UA-31` in `location`",
        "UA-31",
    ),
    (
        "facts",
        "target: UKR\nfacts:\n  consented: true\n  consentd: false\n",
        "<scenario>:6:3: error[unknown-fact]: unknown fact `consentd` in `facts`",
        "consentd",
    ),
    (
        "expect level",
        "target: UKR\nexpect:\n  assist: [UKR, GBR]\n",
        "<scenario>:5:17: error[unknown-party]: unknown party `GBR` in `expect.assist`",
        "GBR",
    ),
    (
        "expect none",
        "target: UKR\nexpect: {none: [RUSS]}\n",
        "<scenario>:4:17: error[unknown-party]: unknown party `RUSS` in `expect.none`",
        "RUSS",
    ),
    (
        "expect status",
        "target: UKR\nexpect:\n  contingent:\n    - UKRR\n",
        "<scenario>:6:7: error[unknown-party]: unknown party `UKRR` in `expect.contingent`",
        "UKRR",
    ),
    (
        "expect key",
        "target: UKR\nexpect: {asist: [UKR]}\n",
        "<scenario>:4:10: error[unknown-key]: unknown key `asist`",
        "asist",
    ),
    (
        "event",
        "date: 2027-03-01\nevent: armed_atack\ntarget: UKR\n",
        "<scenario>:2:8: error[unknown-value]: unknown value `armed_atack`",
        "armed_atack",
    ),
    (
        "means",
        "means: nuke\ntarget: UKR\n",
        "<scenario>:3:8: error[unknown-value]: unknown value `nuke`",
        "nuke",
    ),
    (
        "on",
        "on: teritory\ntarget: UKR\n",
        "<scenario>:3:5: error[unknown-value]: unknown value `teritory`",
        "teritory",
    ),
    (
        "date",
        "date: 2027-02-30\nevent: armed_attack\ntarget: UKR\n",
        "<scenario>:1:7: error[syntax]: invalid date `2027-02-30`",
        "2027-02-30",
    ),
    (
        "date-time",
        "date: 2027-03-01T25:00:00Z\nevent: armed_attack\ntarget: UKR\n",
        "<scenario>:1:7: error[syntax]: invalid date",
        "2027",
    ),
    (
        "fact value",
        "target: UKR\nfacts: {consented: maybe}\n",
        "<scenario>:4:20: error[syntax]",
        "maybe",
    ),
    (
        "unknown key",
        "target: UKR\nlocaton: UA-30\n",
        "<scenario>:4:1: error[unknown-key]: unknown key `locaton`",
        "locaton",
    ),
    (
        "no target",
        "attacker: RUS\n",
        "<scenario>:1:1: error[scenario]: no `target`",
        "date",
    ),
    (
        "target and targets",
        "target: UKR\ntargets: [UKR]\n",
        "<scenario>:4:10: error[scenario]: both `target` and `targets`",
        "[UKR]",
    ),
    (
        "empty targets",
        "targets: []\n",
        "<scenario>:3:10: error[scenario]: `targets` is empty",
        "[]",
    ),
    (
        "attacker and attackers",
        "attacker: RUS\nattackers: [RUS]\ntarget: UKR\n",
        "<scenario>:4:12: error[scenario]: both `attacker` and `attackers`",
        "[RUS]",
    ),
];

/// The error of a scenario begins with `expected` and its caret is under `caret_under`.
fn check_scenario_error(name: &str, body: &str, expected: &str, caret_under: &str) {
    let got = scenario_error(&scenario_yaml(body));
    assert!(got.starts_with(expected), "{name}: expected `{expected}…`, got:\n{got}");
    let mut lines = got.lines().skip(2);
    let (shown, caret) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
    let col = caret.find('^').unwrap_or_else(|| panic!("{name}: no caret:\n{got}"));
    assert!(
        shown.get(col..).is_some_and(|rest| rest.starts_with(caret_under)),
        "{name}: the caret is not under `{caret_under}`:\n{got}"
    );
}

/// Every kind of scenario error names `<scenario>:line:column`, its code, and shows the line
/// with a caret under the offending value.
#[test]
fn every_scenario_error_is_located() {
    for (name, body, expected, caret_under) in SCENARIO_ERRORS {
        check_scenario_error(name, body, expected, caret_under);
    }
    // The wording, help included, in one place for review.
    let all: String = SCENARIO_ERRORS
        .iter()
        .map(|(name, body, _, _)| format!("== {name}\n{}", scenario_error(&scenario_yaml(body))))
        .collect();
    insta::assert_snapshot!(all);
}

/// Read from a file, a scenario's unknown id names the file; a program that changed the
/// scenario after reading it gets the error without a position rather than a wrong one.
#[test]
fn a_scenario_file_error_names_the_file() {
    let d = folder(&[("s.yaml", "date: 2027-03-01\nevent: armed_attack\ntarget: UKRR\n")]);
    let engine = RuleSet::from_yaml(SCENARIO_RULES).unwrap().compile().unwrap();
    let mut s = casus::Scenario::load(d.join("s.yaml")).unwrap();
    let text = engine.evaluate(&s).unwrap_err().render();
    assert!(
        text.starts_with(&format!("{}:3:9: error[unknown-party]", d.join("s.yaml").display())),
        "{text}"
    );
    assert!(text.contains("help: did you mean `UKR`?"), "{text}");
    // A `rules:` that leads out of the scenario's folder is pointed at too.
    let d = folder(&[(
        "s.yaml",
        "date: 2027-03-01\nevent: armed_attack\ntarget: UKR\nrules: ..\n",
    )]);
    let outside = casus::Scenario::load(d.join("s.yaml")).unwrap();
    let text = outside
        .rules_path_confined(&d.join("s.yaml"), &Limits::default())
        .unwrap_err()
        .render();
    assert!(
        text.starts_with(&format!("{}:4:8: error[outside-root]", d.join("s.yaml").display())),
        "{text}"
    );
    assert!(text.contains("4 | rules: ..\n  |        ^"), "{text}");
    s.target = Some("RUSS".into());
    let text = engine.evaluate(&s).unwrap_err().render();
    assert_eq!(
        text,
        "error: unknown party `RUSS` in the scenario's `target` (did you mean `RUS`?)\n"
    );
}

/// Every diagnostic of loading `dir` that is not an error, rendered (the load must succeed).
fn warnings(dir: &Path) -> String {
    let rules = RuleSet::load(dir).unwrap_or_else(|e| panic!("{e:?}"));
    rules
        .diagnostics()
        .items()
        .iter()
        .filter(|d| d.severity == casus::Severity::Warning)
        .map(|d| d.render())
        .collect::<String>()
        .replace(&dir.display().to_string(), "DIR")
}

/// Contradictions a drafter can write without an error: a trigger that can never fire and a
/// form both allowed and excluded are warnings, each at its place in the file.
#[test]
fn contradictions_are_warnings_at_their_place() {
    let treaty = |trigger: &str, forms: &str| {
        format!(
            "{BASE}  - {{id: UKR, name: Ukraine}}\ntreaties:\n  - id: d\n    name: D\n    in_force: 2026-01-01\n    parties: [{{party: UKR}}, {{party: GBR}}]\n    clauses:\n      - id: c\n        citation: Art. 1\n        trigger: {trigger}\n        obligations:\n          - level: assist\n            forms: {forms}\n"
        )
    };
    let check = |trigger: &str, forms: &str| warnings(&folder(&[("r.yaml", &treaty(trigger, forms))]));
    let w = check("{all: [{target: {is: UKR}}, {not: {target: {is: UKR}}}]}", "{}");
    assert!(
        w.contains("r.yaml:16:18: warning[never-fires]: the trigger of clause `c` can never fire: the target must be UKR and must not be"),
        "{w}"
    );
    let w = check("{all: [{event: armed_attack}, {event: cyber_attack}]}", "{}");
    assert!(w.contains("no event meets all its tests"), "{w}");
    let w = check("{all: [{target: {is: UKR}}, {target: {is: GBR}}]}", "{}");
    assert!(w.contains("two lists that have no party in common"), "{w}");
    let w = check(
        "{all: [{date: {from: 2027-01-01}}, {date: {before: 2026-01-01}}]}",
        "{}",
    );
    assert!(w.contains("from 2027-01-01 and before 2026-01-01"), "{w}");
    // Satisfiable triggers, and an `any` it cannot read, say nothing.
    assert_eq!(
        check("{all: [{target: {is: UKR}}, {not: {target: {is: GBR}}}]}", "{}"),
        ""
    );
    assert_eq!(
        check("{any: [{target: {is: UKR}}, {not: {target: {is: UKR}}}]}", "{}"),
        ""
    );
    let w = check(
        "{target: {is: UKR}}",
        "{allowed: [air_power, ground_troops], excluded: [ground_troops]}",
    );
    assert!(
        w.contains("warning[form-contradiction]: ground_troops both allowed and excluded: excluded wins"),
        "{w}"
    );
    assert_eq!(
        check(
            "{target: {is: UKR}}",
            "{allowed: [armed_force], excluded: [ground_troops]}"
        ),
        ""
    );
}

/// A value of the wrong shape where one value is expected says what the key takes.
#[test]
fn wrong_shapes_of_toward_and_deadline_speak_to_a_drafter() {
    let obligation = |line: &str| {
        format!(
            "{BASE}  - {{id: UKR, name: Ukraine}}\ntreaties:\n  - id: d\n    name: D\n    in_force: 2026-01-01\n    parties: [{{party: UKR}}, {{party: GBR}}]\n    clauses:\n      - id: c\n        citation: Art. 1\n        trigger: {{target: {{is: UKR}}}}\n        obligations:\n          - level: assist\n            {line}\n"
        )
    };
    // (ext) A list of beneficiaries is now the rule language: only a mapping is the wrong shape.
    let e = errors(&folder(&[("r.yaml", &obligation("toward: {target: UKR}"))]));
    assert!(
        e.contains("`toward` takes `target`, `attacker`, a party id, or a list of these"),
        "{e}"
    );
    assert!(e.contains("`toward: [target, UKR]`"), "{e}");
    assert!(!e.contains("externally tagged"), "{e}");
    let ok = folder(&[("r.yaml", &obligation("toward: [target, UKR]"))]);
    assert_eq!(errors(&ok), "ok");
    let e = errors(&folder(&[(
        "r.yaml",
        &obligation("deadline: {within_hours: 24, within_days: 1}"),
    )]));
    assert!(e.contains("`deadline` takes one deadline"), "{e}");
    assert!(e.contains("under `then:`"), "{e}");
    assert!(!e.contains("a condition"), "{e}");
}

/// A diagnostic found after parsing (here by resolution: an unknown party, a date out of
/// order, a warning) shows the snippet of a file read from disk, whose text the load lets go
/// of once it is parsed, exactly as it does for the same text held in memory.
#[test]
fn snippets_after_parsing_are_those_of_the_text() {
    let world = "parties:\n  - {id: FRA, name: France}\n  - {id: USA, name: United States}\n";
    let treaty = "treaties:\n  - id: t\n    name: T\n    signed: 2001-01-01\n    in_force: 2000-01-01\n    parties: [{party: USA}, {party: FRQ}]\n";
    let dir = folder(&[("a.yaml", world), ("b.yaml", treaty)]);
    let on_disk = errors(&dir);
    assert!(
        on_disk.contains("6 |     parties: [{party: USA}, {party: FRQ}]"),
        "{on_disk}"
    );
    let mut sources = casus::Sources::new();
    sources.insert(dir.join("a.yaml"), world);
    sources.insert(dir.join("b.yaml"), treaty);
    let held = match RuleSet::load_with_sources(std::slice::from_ref(&dir), &Limits::default(), &sources) {
        Ok(_) => "ok".into(),
        Err(e) => e
            .diagnostics
            .items()
            .iter()
            .map(|d| d.render())
            .collect::<String>()
            .replace(&dir.display().to_string(), "DIR"),
    };
    assert_eq!(on_disk, held);
}
