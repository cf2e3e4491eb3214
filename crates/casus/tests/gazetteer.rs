//! The layered gazetteer: places within places, what they inherit, and finding them by name.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use casus::{FindPlaceError, RuleSet, Scenario};

const WORLD: &str = r"
tags:
  - {id: europe, description: Europe.}
  - {id: island, description: An island.}
  - {id: atlantic, description: The North Atlantic.}
  - {id: sea, description: A sea.}
parties:
  - {id: AAA, name: Aland, territory_tags: [europe]}
  - {id: BBB, name: Bland, aliases: [Republic of Bland], territory_tags: [europe]}
  - {id: XXX, name: Xland}
  - {id: GEO, name: Georgia}
  - {id: USA, name: United States}
territories:
  - {id: AA-1, name: Nordmark, within: AAA}
  - {id: AA-1-K, name: Kreis Süd, within: AA-1}
  - {id: AA-IS, name: Outer Islands, within: AAA, tags: [island, atlantic]}
  - {id: AA-IS-2, name: Şanlıurfa Isle, within: AA-IS}
  - {id: AA-OCC, name: Occupied East, within: AAA, controller: [{party: XXX, from: 2014-02-27}]}
  - {id: AA-OCC-R, name: East Raion, within: AA-OCC}
  - {id: AA-LEASE, name: The Lease, within: AAA, controller: BBB}
  - {id: US-GA, name: Georgia, within: USA}
  - {id: AA-G, name: Aland, within: AAA}
  - {id: REEF, name: Disputed Reef, within: ocean, controller: [{party: XXX, from: 2012-06-01}]}
areas:
  - {id: ocean, name: Ocean, tags: [sea, atlantic]}
  - {id: bay, name: The Bay, within: ocean, aliases: [Great Bay]}
";

const PACT: &str = r"
treaties:
  - id: pact
    name: Pact
    in_force: 1950-01-01
    parties: [{party: AAA}, {party: BBB}]
    clauses:
      - id: europe
        citation: Art. 1
        trigger: {all: [{event: armed_attack}, {target: treaty_party}, {location: {tagged: europe}}]}
        obligations: [{level: assist}]
      - id: islands
        citation: Art. 2
        trigger: {all: [{event: armed_attack}, {target: treaty_party}, {location: {tagged: atlantic}}]}
        obligations: [{level: consult}]
      - id: listed
        citation: Art. 3
        trigger: {all: [{event: armed_attack}, {location: {in: [AA-OCC]}}]}
        obligations: [{level: diplomatic, obligated: all}]
      - id: held
        citation: Art. 4
        trigger: {all: [{event: armed_attack}, {location: {controller: attacker}}]}
        obligations: [{level: military}]
";

fn engine() -> casus::Engine {
    match RuleSet::from_yaml(&format!("{WORLD}\n{PACT}")) {
        Ok(r) => r.compile().unwrap_or_else(|e| panic!("{e}")),
        Err(e) => panic!("{}", e.diagnostics),
    }
}

fn info(e: &casus::Engine, id: &str) -> String {
    let p = e.find_place(id).unwrap_or_else(|err| panic!("{err}"));
    format!(
        "{} within={} sov={} ctl={} tags={}",
        p.id,
        p.within.as_deref().unwrap_or("-"),
        p.sovereign.join(","),
        p.controller.join(","),
        p.tags.join(",")
    )
}

#[test]
fn places_inherit_what_they_do_not_state() {
    let e = engine();
    let cases = [
        ("AA-1", "AA-1 within=AAA sov=AAA ctl= tags=europe"),
        // Through two levels.
        ("AA-1-K", "AA-1-K within=AA-1 sov=AAA ctl= tags=europe"),
        // Tags stated replace the parent's; the child of such a place inherits the new ones.
        ("AA-IS", "AA-IS within=AAA sov=AAA ctl= tags=island,atlantic"),
        ("AA-IS-2", "AA-IS-2 within=AA-IS sov=AAA ctl= tags=island,atlantic"),
        // A controller over time is inherited with its dates.
        (
            "AA-OCC-R",
            "AA-OCC-R within=AA-OCC sov=AAA ctl=XXX from 2014-02-27 tags=europe",
        ),
        ("AA-LEASE", "AA-LEASE within=AAA sov=AAA ctl=BBB tags=europe"),
        // Areas inherit tags.
        ("bay", "bay within=ocean sov= ctl= tags=sea,atlantic"),
        // A disputed feature at sea: no sovereign, a controller, the sea's tags.
        (
            "REEF",
            "REEF within=ocean sov= ctl=XXX from 2012-06-01 tags=sea,atlantic",
        ),
    ];
    for (id, want) in cases {
        assert_eq!(info(&e, id), want, "{id}");
    }
}

fn levels(e: &casus::Engine, location: &str, date: &str) -> String {
    let s = Scenario::from_yaml(&format!(
        "date: {date}\nevent: armed_attack\nattacker: XXX\ntarget: AAA\nlocation: {location}\n"
    ))
    .unwrap_or_else(|err| panic!("{err}"));
    let v = e.evaluate(&s).unwrap_or_else(|err| panic!("{location}: {err}"));
    let mut out: Vec<String> = v
        .obligations
        .iter()
        .flat_map(|o| o.sources.iter().map(move |s| format!("{}:{}", o.party, s.clause)))
        .collect();
    out.sort();
    out.join(" ")
}

#[test]
fn conditions_see_inherited_tags_holders_and_containing_places() {
    let e = engine();
    let cases = [
        // Inherited `europe`.
        ("AA-1-K", "2020-01-01", "BBB:europe"),
        // Own tags replace `europe`: the island clause, not the Europe clause.
        ("AA-IS-2", "2020-01-01", "BBB:islands"),
        // `in: [AA-OCC]` holds in a place within it; the inherited controller is the attacker
        // from 2014 only.
        ("AA-OCC-R", "2020-01-01", "BBB:europe BBB:held BBB:listed"),
        ("AA-OCC-R", "2010-01-01", "BBB:europe BBB:listed"),
        // By name, without regard to case or diacritics.
        ("sanliurfa isle", "2020-01-01", "BBB:islands"),
        ("KREIS SUD", "2020-01-01", "BBB:europe"),
        // A state's name finds its main territory; a place and its same-named part are one.
        ("Aland", "2020-01-01", "BBB:europe"),
        ("Republic of Bland", "2020-01-01", "BBB:europe"),
    ];
    for (place, date, want) in cases {
        assert_eq!(levels(&e, place, date), want, "{place} on {date}");
    }
}

#[test]
fn names_that_find_no_single_place() {
    let e = engine();
    match e.find_place("georgia") {
        Err(FindPlaceError::Ambiguous { candidates, .. }) => assert_eq!(
            candidates,
            [
                ("GEO".to_string(), "Georgia".to_string()),
                ("US-GA".into(), "Georgia".into())
            ]
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.find_place("Nordmrk").unwrap_err().to_string(),
        "no territory or area has the id or name `Nordmrk` (did you mean `Nordmark`?)"
    );
    assert_eq!(e.find_place("Great Bay").map(|p| p.id).unwrap(), "bay");
    let s = Scenario::from_yaml("date: 2020-01-01\nevent: armed_attack\ntarget: AAA\nlocation: Georgia\n").unwrap();
    assert_eq!(
        e.evaluate(&s).unwrap_err().to_string(),
        "`Georgia` in the scenario's `location` names 2 places: `GEO` (Georgia), `US-GA` (Georgia); give the id"
    );
}

#[test]
fn search_and_containment_lists() {
    let e = engine();
    let ids = |v: Vec<casus::PlaceInfo>| v.into_iter().map(|p| p.id).collect::<Vec<_>>().join(" ");
    assert_eq!(
        ids(e.places_within("AAA").unwrap()),
        "AA-1 AA-1-K AA-G AA-IS AA-IS-2 AA-LEASE AA-OCC AA-OCC-R"
    );
    assert_eq!(ids(e.places_within("Occupied East").unwrap()), "AA-OCC-R");
    assert_eq!(ids(e.search_places("east")), "AA-OCC AA-OCC-R");
    assert_eq!(ids(e.search_places("land")), "AA-G AA-IS AAA BBB XXX");
}

fn load_errors(yaml: &str) -> String {
    let world = "parties: [{id: AAA, name: Aland}]\n";
    match RuleSet::from_yaml(&format!("{world}{yaml}")) {
        Ok(_) => String::new(),
        Err(e) => e
            .diagnostics
            .items()
            .iter()
            .map(|d| {
                format!(
                    "{}: {}{}",
                    d.code,
                    d.message,
                    d.help.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[test]
fn bad_within_is_an_error() {
    let cases = [
        (
            "territories: [{id: T1, name: T, within: AAB}]",
            "unknown-place: unknown territory or area `AAB` (did you mean `AAA`?)",
        ),
        (
            "areas: [{id: T1, name: T1, within: T2}, {id: T2, name: T2, within: T1}]",
            "within-cycle: `T2` lies within `T1`, which lies within `T2` (a place cannot contain itself: remove one of the `within:`)",
        ),
        (
            "territories: [{id: T1, name: T}]",
            "no-sovereign: territory `T1` has no sovereign and lies within no other place (name the de jure sovereign (`sovereign: ISO3`) or the place it lies within (`within: ID`))",
        ),
    ];
    let bidi = "territories: [{id: T1, name: T, within: AAA, aliases: [\"a\u{202E}b\"]}]";
    assert!(load_errors(bidi).contains("the alias of `T1`"), "{}", load_errors(bidi));
    for (yaml, want) in cases {
        assert_eq!(load_errors(yaml), want, "{yaml}");
    }
}

#[test]
fn a_rule_set_written_back_keeps_its_hierarchy() {
    let e = engine();
    let yaml = e.to_yaml().unwrap_or_else(|err| panic!("{err}"));
    let again = RuleSet::from_yaml(&yaml)
        .unwrap_or_else(|err| panic!("{}\n{yaml}", err.diagnostics))
        .compile()
        .unwrap();
    for id in ["AA-1-K", "AA-IS-2", "AA-OCC-R", "bay", "REEF"] {
        assert_eq!(info(&again, id), info(&e, id), "{id}");
    }
    assert_eq!(again.find_place("Great Bay").map(|p| p.id).unwrap(), "bay");
}
