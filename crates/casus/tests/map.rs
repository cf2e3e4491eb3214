//! Maps of the shipped rules, read back from the SVG as a page or a reader would: which place
//! carries which shading.

#![cfg(feature = "map")]
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use casus::graph::{CascadeOptions, CascadePolicy};
use casus::map::{MapError, MapKind, MapRequest, Region, render_svg};
use casus::{Engine, RuleSet, Scenario, When};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn engine(path: &str) -> &'static Engine {
    static E: OnceLock<std::sync::Mutex<BTreeMap<String, &'static Engine>>> = OnceLock::new();
    let cache = E.get_or_init(Default::default);
    let mut m = cache.lock().unwrap();
    m.entry(path.to_string())
        .or_insert_with(|| Box::leak(Box::new(RuleSet::load(root().join(path)).unwrap().compile().unwrap())))
}

fn day(s: &str) -> When {
    When::parse(s).unwrap()
}

/// Every `data-place` of the SVG with its `data-shade` (the last wins; a place drawn in
/// several pieces carries the same on each).
fn shades(svg: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for part in svg.split("data-place=\"").skip(1) {
        let place = part.split('"').next().unwrap();
        let shade = part.split("data-shade=\"").nth(1).unwrap().split('"').next().unwrap();
        out.insert(place.to_string(), shade.to_string());
    }
    out
}

fn coverage(rules: &str, treaty: &str, date: &str) -> BTreeMap<String, String> {
    let req = MapRequest::new(
        MapKind::Coverage {
            treaty: Some(treaty),
            attacker: Some("RUS"),
        },
        day(date),
        rules,
    );
    shades(&render_svg(engine(rules), &req).unwrap())
}

/// Checks the shading of each place: `expected` is `place shade` pairs.
fn check(map: &BTreeMap<String, String>, expected: &[(&str, &str)]) {
    for (place, shade) in expected {
        assert_eq!(map.get(*place).map(String::as_str), Some(*shade), "{place}");
    }
}

#[test]
fn nato_art5_covers_its_area_and_not_hawaii() {
    let m = coverage("rules", "nato/art5", "2026-06-01");
    check(
        &m,
        &[
            ("USA", "assist-definite"),
            ("US-AK", "assist-definite"),
            ("US-HI", "none"),
            ("GU", "none"),
            ("GF", "none"),
            ("TUR", "assist-definite"),
            ("GL", "assist-definite"),
            ("north_atlantic", "assist-definite"),
            ("mediterranean", "assist-definite"),
            ("black_sea", "none"),
            ("UA-46", "none"),
            ("UA-43", "none"),
            ("RUS", "none"),
        ],
    );
    // The whole treaty: Art. 4's consultation reaches Hawaii, Art. 5 does not.
    check(
        &coverage("rules", "nato", "2026-06-01"),
        &[("US-HI", "consult-contingent")],
    );
}

#[test]
fn teu_42_7_covers_the_outermost_regions() {
    let m = coverage("rules", "teu_42_7", "2026-06-01");
    check(
        &m,
        &[
            ("GF", "all_means-contingent"),
            ("RE", "all_means-contingent"),
            ("ES-CN", "all_means-contingent"),
            ("FRA", "all_means-contingent"),
            ("US-HI", "none"),
            ("GBR", "none"),
            ("NOR", "none"),
        ],
    );
}

#[test]
fn sweden_is_covered_from_its_accession() {
    check(
        &coverage("rules", "nato/art5", "2024-03-06"),
        &[("SWE", "none"), ("FIN", "assist-definite")],
    );
    check(
        &coverage("rules", "nato/art5", "2024-03-08"),
        &[("SWE", "assist-definite")],
    );
}

#[test]
fn drafts_a_and_b_differ_on_the_occupied_oblasts_and_crimea() {
    let a = engine("rules/drafts/ukraine-coalition-a");
    let b = engine("rules/drafts/ukraine-coalition-b");
    let req = MapRequest::new(
        MapKind::Diff {
            new: b,
            new_label: "B",
            treaty: None,
            attacker: Some("RUS"),
        },
        day("2026-06-01"),
        "A",
    );
    let svg = render_svg(a, &req).unwrap();
    let m = shades(&svg);
    let changed: Vec<&str> = m
        .iter()
        .filter(|(_, s)| !matches!(s.as_str(), "same" | "none" | "absent"))
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(
        changed,
        ["UA-09-OCC", "UA-14-OCC", "UA-23-OCC", "UA-40", "UA-43", "UA-65-OCC"],
        "{m:?}"
    );
    // Weaker under B: the coalition's guarantee is gone there, Ukraine's bilateral
    // agreements remain. The rest of Ukraine is drawn oblast by oblast, the held part of each
    // split oblast beside its occupied part; no shape is left over as Ukraine itself.
    check(
        &m,
        &[
            ("UA-43", "weaker"),
            ("UA-46", "same"),
            ("UA-30", "same"),
            ("UA-14", "same"),
            ("UA-65", "same"),
        ],
    );
    assert!(!m.contains_key("UKR"), "{m:?}");
    // The map zooms onto the change, and says so in its legend.
    assert!(svg.contains("weaker under B"));
    assert!(!svg.contains(r#"data-place="USA""#) || svg.contains("clip-path"));
}

#[test]
fn draft_a_covers_every_oblast_and_b_the_held_ones_only() {
    let a = coverage("rules/drafts/ukraine-coalition-a", "ukraine_coalition_a", "2026-06-01");
    let b = coverage("rules/drafts/ukraine-coalition-b", "ukraine_coalition_b", "2026-06-01");
    // All 27 of Ukraine's units are drawn, each as itself; the four split oblasts twice.
    let ukraine: Vec<&String> = a.keys().filter(|p| p.starts_with("UA-")).collect();
    assert_eq!(ukraine.len(), 31, "{ukraine:?}");
    for (place, in_b) in [
        ("UA-46", true),
        ("UA-30", true),
        ("UA-63", true),
        ("UA-14", true),
        ("UA-65", true),
        ("UA-14-OCC", false),
        ("UA-65-OCC", false),
        ("UA-43", false),
        ("UA-40", false),
    ] {
        assert!(a[place].ends_with("-definite"), "{place} under A: {}", a[place]);
        assert_eq!(b[place] == a[place], in_b, "{place} under B: {}", b[place]);
        assert_eq!(b[place] == "none", !in_b, "{place} under B: {}", b[place]);
    }
}

#[test]
fn an_oblast_is_drawn_as_the_party_that_holds_it() {
    let e = engine("rules");
    let svg = render_svg(
        e,
        &MapRequest::new(MapKind::Guarantors { party: "UKR" }, day("2026-06-01"), "rules"),
    )
    .unwrap();
    let m = shades(&svg);
    // Ukraine is the party helped, on every oblast and on Crimea, and is labelled once.
    check(
        &m,
        &[
            ("UA-46", "subject"),
            ("UA-43", "subject"),
            ("UA-14-OCC", "subject"),
            ("POL", "none"),
        ],
    );
    assert!(svg.contains(r#"data-place="UA-46" data-shade="subject" data-holder="UKR""#));
    assert!(svg.contains(r#"data-place="UA-43" data-shade="subject" data-holder="UKR""#));
    assert_eq!(svg.matches(">UKR</text>").count(), 1);
    assert!(!svg.contains(">UA-46</text>"));
    // A party is its own holder: no attribute.
    assert!(svg.contains(r#"data-place="POL" data-shade="none" fill"#));
}

#[test]
fn the_1914_cascade_by_round() {
    let e = engine("rules/historical/1914");
    let s = Scenario::load(root().join("examples/scenarios/1914/july-10-germany-invades-belgium.yaml")).unwrap();
    let c = e
        .cascade(
            &s,
            &CascadeOptions {
                policy: CascadePolicy::Worst,
                ..CascadeOptions::default()
            },
        )
        .unwrap();
    let req = MapRequest::new(MapKind::Cascade { cascade: &c }, c.date, "rules/historical/1914");
    let svg = render_svg(e, &req).unwrap();
    let m = shades(&svg);
    check(
        &m,
        &[
            ("BEL", "target"),
            ("DEUE", "attacker"),
            ("FRA", "target-round-1"),
            ("RUSE", "target-round-1"),
            ("AUH", "target-round-1"),
            ("ITAK", "attacker-round-2"),
            ("JPNE", "target-round-3"),
            ("NLD", "none"),
        ],
    );
    // Austria-Hungary is drawn on the land of its successors, and the title says so.
    assert!(svg.contains("AUH Austria (drawn on Austria)") || svg.contains("drawn on Austria"));
    assert!(svg.contains("polities of the time drawn on the land of their successors"));
    // The Russian Empire is drawn on Ukraine's oblasts too.
    assert!(svg.contains("RUSE RUSE (drawn on Lviv)"));
    assert!(svg.contains("RUSE RUSE (drawn on Crimea)"));
}

#[test]
fn guarantors_and_exposure() {
    let e = engine("rules");
    let g = shades(
        &render_svg(
            e,
            &MapRequest::new(MapKind::Guarantors { party: "POL" }, day("2025-06-01"), "rules"),
        )
        .unwrap(),
    );
    check(
        &g,
        &[
            ("POL", "subject"),
            ("USA", "assist-contingent"),
            ("FRA", "all_means-contingent"),
            ("CHN", "none"),
        ],
    );
    let x = shades(
        &render_svg(
            e,
            &MapRequest::new(
                MapKind::Exposure {
                    party: "EST",
                    min_level: casus::Level::Assist,
                },
                day("2025-06-01"),
                "rules",
            ),
        )
        .unwrap(),
    );
    // Estonia owes help where NATO Art. 5 and TEU 42(7) reach: not in Hawaii, not in Asia.
    check(
        &x,
        &[
            ("EST", "subject"),
            ("USA", "assist-definite"),
            ("FRA", "all_means-contingent"),
            ("US-HI", "none"),
            ("JPN", "none"),
        ],
    );
}

#[test]
fn errors_name_the_id_and_the_nearest() {
    let e = engine("rules");
    let at = day("2026-06-01");
    let err = |kind| {
        render_svg(e, &MapRequest::new(kind, at, "rules"))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err(MapKind::Coverage {
            treaty: Some("natto"),
            attacker: None
        }),
        "unknown treaty `natto` (did you mean `nato`?)"
    );
    assert_eq!(
        err(MapKind::Coverage {
            treaty: Some("nato/art55"),
            attacker: None
        }),
        "unknown clause `art55` of treaty `nato` (did you mean `art5`?)"
    );
    assert_eq!(
        err(MapKind::Guarantors { party: "POLL" }),
        "unknown party `POLL` (did you mean `POL`?)"
    );
    assert!(matches!(Region::parse("1,2,3"), Err(MapError::Region(_))));
    assert!(matches!(Region::parse("30,10,20,20"), Err(MapError::Region(_))));
}

#[test]
fn the_same_map_twice_is_the_same_text() {
    let a = coverage("rules", "teu_42_7", "2026-06-01");
    let b = coverage("rules", "teu_42_7", "2026-06-01");
    assert_eq!(a, b);
    let e = engine("rules");
    let req = MapRequest::new(MapKind::Guarantors { party: "EST" }, day("2026-06-01"), "rules");
    assert_eq!(render_svg(e, &req).unwrap(), render_svg(e, &req).unwrap());
}
