//! The shipped treaty library: every rule set loads clean, the catalog in `rules/README.md`
//! matches the rules, and the famous cases come out right with an explanation that cites the
//! article.
//!
//! To regenerate the catalog after changing a rule file: `CASUS_UPDATE_CATALOG=1 cargo test
//! -p casus --test library`.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use casus::{Engine, Level, Reason, RuleSet, Scenario, Severity, Status};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every shipped rule set: the main library, each draft, the 1914 world.
fn rule_sets() -> Vec<(String, PathBuf)> {
    let mut v = vec![("rules".to_string(), root().join("rules"))];
    let mut drafts: Vec<PathBuf> = std::fs::read_dir(root().join("rules/drafts"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("ruleset.yaml").is_file())
        .collect();
    drafts.sort();
    for d in drafts {
        let name = format!("rules/drafts/{}", d.file_name().unwrap().to_string_lossy());
        v.push((name, d));
    }
    v.push(("rules/historical/1914".into(), root().join("rules/historical/1914")));
    v
}

fn engine(path: &Path) -> Engine {
    match RuleSet::load(path) {
        Ok(r) => r.compile().unwrap(),
        Err(e) => panic!("{}: {}", path.display(), e.diagnostics),
    }
}

#[test]
fn every_rule_set_loads_without_errors_or_warnings() {
    for (name, path) in rule_sets() {
        let rules = RuleSet::load(&path).unwrap_or_else(|e| panic!("{name}: {}", e.diagnostics));
        let bad: Vec<String> = rules
            .diagnostics()
            .items()
            .iter()
            .filter(|d| d.severity != Severity::Note)
            .map(|d| d.render())
            .collect();
        assert!(bad.is_empty(), "{name}:\n{}", bad.join(""));
        let e = rules.compile().unwrap();
        for t in e.treaties() {
            assert!(t.source.is_some(), "{name}: treaty {} names no source", t.id);
            for c in &t.clause_details {
                assert!(c.summary.is_some(), "{name}: {} {} has no paraphrase", t.id, c.citation);
            }
        }
        // Every territory has a sovereign, except disputed features at sea that no sovereign is
        // recognised for (the Paracels, the Spratlys): they lie within a sea area.
        let places = e.places();
        let areas: Vec<&str> = places
            .iter()
            .filter(|p| p.kind == "area")
            .map(|p| p.id.as_str())
            .collect();
        for p in &places {
            if p.kind == "territory" && !p.within.as_deref().is_some_and(|w| areas.contains(&w)) {
                assert!(!p.sovereign.is_empty(), "{name}: territory {} has no sovereign", p.id);
            }
        }
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn catalog(e: &Engine) -> String {
    let mut out = String::from(
        "| treaty | status | parties | in force | trigger | level | scope | waits on | source |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for t in e.treaties() {
        let events: Vec<String> = {
            let mut v: Vec<String> = t
                .clause_details
                .iter()
                .flat_map(|c| c.events.iter().map(ToString::to_string))
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let levels: Vec<String> = t
            .clause_details
            .iter()
            .map(|c| {
                let l: Vec<String> = c.levels.iter().map(Level::to_string).collect();
                format!("{}: {}", c.citation, l.join("/"))
            })
            .collect();
        let mut scope: Vec<String> = t.clause_details.iter().flat_map(|c| c.scope.clone()).collect();
        scope.sort();
        scope.dedup();
        let mut facts: Vec<String> = t.clause_details.iter().flat_map(|c| c.facts.clone()).collect();
        facts.sort();
        facts.dedup();
        let dates = format!(
            "{} – {}",
            t.in_force.map_or("(draft)".into(), |d| d.to_string()),
            t.terminated.map_or(String::new(), |d| d.to_string())
        );
        let source = t.source.clone().unwrap_or_default();
        let source: String = if source.chars().count() > 90 {
            format!("{}…", source.chars().take(90).collect::<String>().trim_end())
        } else {
            source
        };
        let status = serde_json::to_value(t.status)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        out.push_str(&format!(
            "| `{}` {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            t.id,
            cell(&t.name),
            status,
            t.parties,
            dates.trim_end_matches(" – "),
            events.join(", "),
            cell(&levels.join("; ")),
            if scope.is_empty() {
                "—".into()
            } else {
                scope.join(", ")
            },
            if facts.is_empty() {
                "—".into()
            } else {
                facts.join(", ")
            },
            cell(&source)
        ));
    }
    out
}

#[test]
fn the_catalog_in_rules_readme_matches_the_rules() {
    let path = root().join("rules/README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut expected = text.clone();
    for (name, dir) in rule_sets() {
        let start = format!("<!-- catalog:{name}:start -->\n");
        let end = format!("<!-- catalog:{name}:end -->");
        let (Some(a), Some(b)) = (expected.find(&start), expected.find(&end)) else {
            panic!("rules/README.md lacks the markers {start:?} … {end:?}");
        };
        let table = catalog(&engine(&dir));
        expected.replace_range(a + start.len()..b, &table);
    }
    if std::env::var_os("CASUS_UPDATE_CATALOG").is_some() {
        std::fs::write(&path, &expected).unwrap();
    } else {
        assert!(
            text == expected,
            "rules/README.md is out of date: run CASUS_UPDATE_CATALOG=1 cargo test -p casus --test library"
        );
    }
}

fn verdict(file: &str) -> casus::Verdict {
    let path = root().join(file);
    let s = Scenario::load(&path).unwrap();
    let rules = s.rules_path(&path).unwrap_or_else(|| root().join("rules"));
    engine(&rules).evaluate(&s).unwrap()
}

/// `party` owes nothing under `treaty`'s `clause`, for `reason`, and the detail cites `article`.
fn not_under(v: &casus::Verdict, party: &str, treaty: &str, clause: &str, reason: Reason, article: &str) {
    let n = v
        .not_obligated
        .iter()
        .find(|n| n.party == party && n.treaty == treaty && n.clause.as_deref() == Some(clause))
        .unwrap_or_else(|| panic!("{party} not listed under {treaty}/{clause}: {:#?}", v.not_obligated));
    assert_eq!(n.reason, reason, "{n:?}");
    assert!(n.detail.text().starts_with(article), "{}", n.detail);
}

#[test]
fn famous_cases() {
    // Hawaii: outside the Art. 6 map; Art. 4 consultation only, if asked.
    let v = verdict("examples/scenarios/nato/hawaii.yaml");
    not_under(&v, "GBR", "nato", "art5", Reason::OutOfScope, "Art. 5");
    assert_eq!(v.level_of("GBR"), Some(Level::Consult));
    // Ceuta: African mainland, not covered by Art. 5; EU 42(7) applies.
    let v = verdict("examples/scenarios/nato/ceuta.yaml");
    not_under(&v, "USA", "nato", "art5", Reason::OutOfScope, "Art. 5");
    assert_eq!(v.level_of("FRA"), Some(Level::AllMeans));
    // US vessels in the Mediterranean: Art. 6(2) covers them on the high seas.
    let v = verdict("examples/scenarios/nato/us-vessels-mediterranean.yaml");
    let gbr = v.party("GBR").unwrap();
    assert_eq!((gbr.level, gbr.status), (Level::Assist, Status::Definite));
    assert!(
        gbr.sources
            .iter()
            .any(|s| s.treaty == "nato" && s.citation.starts_with("Art. 5"))
    );
    // Sweden the day before its accession: not a party, so nobody owes it Art. 5.
    let v = verdict("examples/scenarios/nato/sweden-2024-03-06.yaml");
    not_under(&v, "USA", "nato", "art5", Reason::TargetNotAParty, "Art. 5");
    assert!(v.party("USA").is_none());
    // 9/11: contingent on the North Atlantic Council's determination.
    let v = verdict("examples/scenarios/nato/sept-11.yaml");
    let gbr = v.party("GBR").unwrap();
    assert_eq!((gbr.level, gbr.status), (Level::Assist, Status::Contingent));
    assert_eq!(gbr.depends_on, vec!["determined"]);
}

/// Crimea and Sevastopol pass under Russian control on 2014-02-27, when Russian troops seized
/// the Crimean parliament and strategic sites; Ukrainian law dates the temporary occupation
/// from 2014-02-20, when the operation began (Law of 2014-04-15 as amended in 2015), which the
/// gazetteer gives as a note. No clause of the library reads Crimea's controller in 2014, so
/// no scenario's verdict can pin the day; the gazetteer itself is checked here.
#[test]
fn crimea_passes_under_russian_control_on_2014_02_27() {
    let e = engine(&root().join("rules"));
    let places = e.places();
    for id in ["UA-43", "UA-40"] {
        let p = places.iter().find(|p| p.id == id).unwrap();
        assert_eq!(p.sovereign, ["UKR"], "{id}");
        assert_eq!(p.controller, ["UKR until 2014-02-27", "RUS from 2014-02-27"], "{id}");
    }
}
