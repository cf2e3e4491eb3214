//! The commitment graph on the shipped rules: guarantors, commitments, timelines, exposure,
//! cascades and pictures, with answers checked against the treaties as encoded.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use casus::graph::{CascadeOptions, CascadePolicy, Commitment, GraphError, Occasion, Relation, Side};
use casus::{Engine, Level, RuleSet, Scenario, Status, When};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn main_rules() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| RuleSet::load(root().join("rules")).unwrap().compile().unwrap())
}

fn rules_1914() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        RuleSet::load(root().join("rules/historical/1914"))
            .unwrap()
            .compile()
            .unwrap()
    })
}

fn day(s: &str) -> When {
    When::parse(s).unwrap()
}

fn ids<'a>(v: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    v.into_iter().map(String::from).collect()
}

fn words(s: &str) -> BTreeSet<String> {
    ids(s.split_whitespace())
}

/// The members of NATO and of the EU on 2025-06-01, as the treaties list them.
const NATO_2025: &str = "ALB BEL BGR CAN CZE DEU DNK ESP EST FIN FRA GBR GRC HRV HUN ISL ITA LTU LUX LVA MKD MNE \
                         NLD NOR POL PRT ROU SVK SVN SWE TUR USA";
const EU_2025: &str = "AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GRC HRV HUN IRL ITA LTU LUX LVA MLT NLD POL PRT \
                       ROU SVK SVN SWE";

/// Obligors of a party's guarantors at `level` or above under `treaty` (`*`: any treaty).
fn guarantors(e: &Engine, party: &str, date: &str, treaty: &str, level: Level) -> BTreeSet<String> {
    e.guarantors(party, day(date))
        .unwrap()
        .iter()
        .filter(|c| (treaty == "*" || c.treaty == treaty) && c.level.is_response() && c.level.rank() >= level.rank())
        .map(|c| c.obligor.clone())
        .collect()
}

#[test]
fn guarantors_follow_membership_suspensions_and_named_obligors() {
    let e = main_rules();
    let nato_but = |x: &str| words(NATO_2025).into_iter().filter(|p| p != x).collect::<BTreeSet<_>>();
    let eu_but = |x: &str| words(EU_2025).into_iter().filter(|p| p != x).collect::<BTreeSet<_>>();
    // (party, date, treaty, weakest level, expected obligors)
    let cases: Vec<(&str, &str, &str, Level, BTreeSet<String>)> = vec![
        ("POL", "2025-06-01", "nato", Level::Assist, nato_but("POL")),
        ("POL", "2025-06-01", "teu_42_7", Level::AllMeans, eu_but("POL")),
        ("POL", "1998-01-01", "nato", Level::Consult, BTreeSet::new()),
        // Sweden: a NATO party only from the deposit of its instrument.
        ("SWE", "2024-03-06", "nato", Level::Consult, BTreeSet::new()),
        ("SWE", "2024-03-08", "nato", Level::Assist, nato_but("SWE")),
        // ANZUS: US obligations toward New Zealand suspended from 1986-08-11, one-sidedly.
        ("NZL", "1985-01-01", "anzus", Level::Assist, words("AUS USA")),
        ("NZL", "1990-01-01", "anzus", Level::Assist, words("AUS")),
        ("USA", "1990-01-01", "anzus", Level::Assist, words("AUS NZL")),
        // Nobody has promised anything to Ukraine at NATO's level.
        ("UKR", "2025-06-01", "nato", Level::Consult, BTreeSet::new()),
    ];
    for (party, date, treaty, level, want) in cases {
        assert_eq!(
            guarantors(e, party, date, treaty, level),
            want,
            "{party} {date} {treaty}"
        );
    }
    // London 1839: the guarantee names five Powers; the German Empire is bound as Prussia's
    // successor from 1871, Prussia no longer.
    assert_eq!(
        guarantors(rules_1914(), "BEL", "1914-08-04", "london_1839", Level::Assist),
        words("AUH DEUE FRA GBR RUSE")
    );
    assert_eq!(
        guarantors(rules_1914(), "BEL", "1870-08-10", "london_1839", Level::Assist),
        words("AUH FRA GBR PRU RUSE")
    );
}

#[test]
fn a_commitment_names_its_clause_level_events_and_period() {
    let e = main_rules();
    let g = e.guarantors("NZL", day("1985-01-01")).unwrap();
    let usa: Vec<&Commitment> = g.iter().filter(|c| c.obligor == "USA").collect();
    let art4 = usa.iter().find(|c| c.clause == "art4").unwrap();
    assert_eq!(art4.level, Level::Assist);
    assert_eq!(art4.citation, "Arts. IV, V");
    assert_eq!(art4.events, [casus::EventKind::ArmedAttack]);
    assert_eq!(art4.occasion, Occasion::Attacked);
    assert_eq!(art4.status, Status::Contingent);
    assert_eq!(art4.depends_on, ["location", "on"]);
    assert_eq!(art4.valid_from, Some(day("1952-04-29")));
    assert_eq!(art4.valid_until, Some(day("1986-08-11")));
    // Sweden's NATO guarantee starts at the instant of the deposit.
    let swe = e.guarantors("SWE", day("2025-01-01")).unwrap();
    let usa5 = swe.iter().find(|c| c.obligor == "USA" && c.clause == "art5").unwrap();
    assert_eq!(usa5.valid_from, Some(day("2024-03-07T17:30:00+01:00")));
    assert_eq!(usa5.valid_until, None);
}

#[test]
fn commitments_are_the_other_direction_of_guarantors() {
    let e = main_rules();
    let at = day("2025-06-01");
    for x in ["USA", "FRA", "NZL", "JPN"] {
        let out = e.commitments(x, at).unwrap();
        assert!(out.iter().all(|c| c.obligor == x));
        for c in &out {
            let back = e.guarantors(&c.beneficiary, at).unwrap();
            assert!(back.contains(c), "{x} -> {}: {c:?}", c.beneficiary);
        }
    }
    let nzl: BTreeSet<String> = e
        .commitments("NZL", day("1990-01-01"))
        .unwrap()
        .into_iter()
        .map(|c| c.beneficiary)
        .collect();
    // The 1986 suspension was the United States' alone: New Zealand is still bound to it.
    assert_eq!(nzl, words("AUS USA"));
    let g = e.commitment_graph(at);
    assert_eq!(g.guarantors_of("POL").len(), e.guarantors("POL", at).unwrap().len());
    assert!(g.drawn_in("EST", Level::Assist).contains(&"USA".to_string()));
}

#[test]
fn timeline_lists_the_dates_where_the_answer_changes() {
    let e = main_rules();
    let t = e
        .timeline("SWE", Relation::Guarantors, day("2024-01-01"), day("2024-12-31"))
        .unwrap();
    assert_eq!(t.changes.len(), 1, "{}", t.to_table(casus::table::Width::default()));
    let ch = &t.changes[0];
    assert_eq!(ch.at, day("2024-03-07T17:30:00+01:00"));
    assert_eq!(ch.at.day(), jiff::civil::date(2024, 3, 7));
    assert!(ch.removed.is_empty());
    let art5: BTreeSet<String> = ch
        .added
        .iter()
        .filter(|c| c.clause == "art5")
        .map(|c| c.obligor.clone())
        .collect();
    assert_eq!(art5, words(NATO_2025).into_iter().filter(|p| p != "SWE").collect());
    assert!(ch.added.iter().all(|c| c.treaty == "nato"));
    // New Zealand loses the United States in 1986 and nothing else changes until 2025.
    let t = e
        .timeline("NZL", Relation::Guarantors, day("1980-01-01"), day("2025-01-01"))
        .unwrap();
    let dates: Vec<String> = t.changes.iter().map(|c| c.at.to_string()).collect();
    assert_eq!(dates, ["1986-08-11"]);
    assert!(t.changes[0].removed.iter().all(|c| c.obligor == "USA"));
    // The other direction: the United Kingdom's commitments under TEU 42(7) end with Brexit.
    let t = e
        .timeline("GBR", Relation::Commitments, day("2019-06-01"), day("2020-06-01"))
        .unwrap();
    let ch: Vec<String> = t.changes.iter().map(|c| c.at.to_string()).collect();
    assert_eq!(ch, ["2020-02-01", "2020-03-27"]);
    assert!(t.changes[0].added.is_empty());
    assert!(t.changes[0].removed.iter().all(|c| c.treaty == "teu_42_7"));
    // ... and grow when North Macedonia joins NATO.
    assert!(t.changes[1].removed.is_empty());
    assert!(
        t.changes[1]
            .added
            .iter()
            .all(|c| c.treaty == "nato" && c.beneficiary == "MKD")
    );
    assert!(matches!(
        e.timeline("SWE", Relation::Guarantors, day("2024-12-31"), day("2024-01-01")),
        Err(GraphError::EmptyRange { .. })
    ));
}

/// A commitment as a key that does not depend on the period around the date.
/// The level by rank: `Level` is `PartialOrd` only, and a set needs a total order.
fn edge_key(c: &Commitment) -> (String, String, String, String, Occasion, u8, Option<u8>) {
    (
        c.obligor.clone(),
        c.beneficiary.clone(),
        c.treaty.clone(),
        c.clause.clone(),
        c.occasion,
        c.level.rank(),
        c.staging.stage,
    )
}

#[test]
fn the_graph_over_a_range_replays_into_the_graph_at_each_date() {
    let e = rules_1914();
    let (from, to) = (day("1905-01-01"), day("1919-12-31"));
    let t = e.graph_timeline(from, to, 1_000_000).unwrap();
    let at = |d: When| -> BTreeSet<_> { e.commitment_graph(d).commitments().into_iter().map(edge_key).collect() };
    let mut current: BTreeSet<_> = t.initial.iter().map(edge_key).collect();
    assert_eq!(current, at(from));
    assert!(t.changes.len() >= 5, "{}", t.to_table(casus::table::Width::default()));
    let mut previous = from;
    for ch in &t.changes {
        assert!(ch.at.sort_key() > previous.sort_key());
        for c in &ch.removed {
            assert!(current.remove(&edge_key(c)), "{c:?} removed but not present");
        }
        for c in &ch.added {
            assert!(current.insert(edge_key(c)), "{c:?} added twice");
        }
        assert_eq!(current, at(ch.at), "the graph on {}", ch.at);
        // Nothing changes on the day before a change.
        if let Ok(before) = ch.at.day().yesterday()
            && When::Day(before).sort_key() > previous.sort_key()
        {
            let mut before_set: BTreeSet<_> = current.clone();
            for c in &ch.added {
                before_set.remove(&edge_key(c));
            }
            before_set.extend(ch.removed.iter().map(edge_key));
            assert_eq!(
                before_set,
                at(When::Day(before)),
                "the graph on the day before {}",
                ch.at
            );
        }
        previous = ch.at;
    }
    // Italy's pledges under the Triple Alliance end with its denunciation, Art. II included.
    let italy = t
        .changes
        .iter()
        .find(|c| c.at == day("1915-05-04"))
        .expect("a change on 1915-05-04");
    let removed: BTreeSet<(&str, &str, &str)> = italy
        .removed
        .iter()
        .filter(|c| c.treaty == "triple_alliance")
        .map(|c| (c.obligor.as_str(), c.beneficiary.as_str(), c.clause.as_str()))
        .collect();
    assert!(removed.contains(&("DEUE", "ITAK", "art2_italy")), "{removed:?}");
    assert!(removed.contains(&("ITAK", "DEUE", "art2_germany")), "{removed:?}");
    // Only the treaty asked for, and a range that ends before it starts is refused.
    let only = t.with_treaties(&["triple_alliance".to_string()]);
    assert!(
        only.changes
            .iter()
            .flat_map(|c| &c.added)
            .all(|c| c.treaty == "triple_alliance")
    );
    assert!(matches!(
        e.graph_timeline(to, from, 1_000_000),
        Err(GraphError::EmptyRange { .. })
    ));
    assert!(matches!(
        e.graph_timeline(from, to, 1),
        Err(GraphError::OverBudget { .. })
    ));
}

/// What a commitment waits on, as `(on, is, any_of, negated)` per condition.
fn waits(c: &Commitment) -> Vec<(String, Vec<String>, Option<u16>, bool)> {
    c.waits_on
        .iter()
        .map(|w| (w.on.clone(), w.is.clone(), w.any_of, w.negated))
        .collect()
}

#[test]
fn a_contingent_commitment_names_the_attacker_it_must_be() {
    let e = rules_1914();
    let find = |party: &str, date: &str, obligor: &str, clause: &str| -> Commitment {
        e.guarantors(party, day(date))
            .unwrap()
            .into_iter()
            .find(|c| c.obligor == obligor && c.clause == clause)
            .unwrap_or_else(|| panic!("{obligor} {clause} toward {party}"))
    };
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
    // Triple Alliance Art. II: France, unprovoked.
    let c = find("ITAK", "1900-01-01", "DEUE", "art2_italy");
    assert_eq!(c.depends_on, ["attacker", "provoked"]);
    assert_eq!(
        waits(&c),
        [
            ("attacker".to_string(), s(&["FRA"]), None, false),
            ("provoked".to_string(), vec![], None, true)
        ]
    );
    assert_eq!(c.waits_on[1].test, "not fact `provoked`");
    // Art. III: at least two Great Powers.
    let c = find("ITAK", "1900-01-01", "DEUE", "art3");
    assert_eq!(c.waits_on[0].at_least, Some(2));
    assert_eq!(c.waits_on[0].member_of.as_deref(), Some("GREAT_POWERS"));
    // Dual Alliance Art. I: Russia attacks, or supports the attacker: two alternatives.
    let c = find("AUH", "1900-01-01", "DEUE", "art1");
    assert_eq!(
        waits(&c),
        [
            ("attacker".to_string(), s(&["RUSE"]), Some(1), false),
            ("supported_by".to_string(), s(&["RUSE"]), Some(1), false)
        ]
    );
    assert_eq!((c.waits_on[0].option, c.waits_on[1].option), (Some(1), Some(2)));
    // Art. II: neither of them (both required, negated).
    let c = find("AUH", "1900-01-01", "DEUE", "art2");
    assert_eq!(
        waits(&c),
        [
            ("attacker".to_string(), s(&["RUSE"]), None, true),
            ("supported_by".to_string(), s(&["RUSE"]), None, true)
        ]
    );
    // The 1839 guarantee waits on the place: Belgium's own territory.
    let c = find("BEL", "1914-08-04", "GBR", "art2");
    assert_eq!(c.waits_on.len(), 1);
    assert_eq!(c.waits_on[0].on, "location");
    assert_eq!(c.waits_on[0].places, ["BEL"]);
    // A definite commitment waits on nothing.
    let c = find("OTT", "1914-08-05", "DEUE", "art4");
    assert_eq!(c.status, Status::Definite, "{c:?}");
    assert!(c.waits_on.is_empty());
    // The same in the graph's JSON, beside the pinned `depends_on`.
    let g = e.commitment_graph(day("1900-01-01"));
    let json = serde_json::to_value(&g).unwrap();
    let edge = json["commitments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["obligor"] == "DEUE" && c["clause"] == "art2_italy")
        .unwrap();
    assert_eq!(edge["depends_on"], serde_json::json!(["attacker", "provoked"]));
    assert_eq!(
        edge["waits_on"][0],
        serde_json::json!({"on": "attacker", "test": "an attacker is one of [FRA]", "is": ["FRA"]})
    );
}

#[test]
fn change_points_come_from_the_rule_data() {
    let points = main_rules().change_points();
    for d in ["2024-03-07T17:30:00+01:00", "1986-08-11", "2020-02-01", "1949-08-24"] {
        assert!(points.contains(&day(d)), "{d}");
    }
    let keys: Vec<(i64, bool)> = points
        .iter()
        .map(|w| (w.sort_key(), matches!(w, When::Instant(_))))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates");
}

#[test]
fn unknown_parties_are_named_with_a_suggestion() {
    let e = main_rules();
    let err = e.guarantors("SWEE", day("2025-01-01")).unwrap_err();
    assert_eq!(err.to_string(), "unknown party `SWEE` (did you mean `SWE`?)");
    assert!(e.exposure("ZZZZZZ", day("2025-01-01"), Level::Assist).is_err());
}

#[test]
fn exposure_of_the_united_states_today() {
    let e = main_rules();
    let x = e.exposure("USA", day("2025-06-01"), Level::Assist).unwrap();
    // NATO Art. 5 for an armed attack by a state on Canadian territory: definite.
    let art5 = x
        .classes
        .iter()
        .find(|c| {
            c.clause == "art5"
                && c.treaty == "nato"
                && c.events.contains(&casus::EventKind::ArmedAttack)
                && c.beneficiaries.contains(&"CAN".to_string())
                && c.place.places.contains(&"CAN".to_string())
                && c.counterpart.description == "a state"
        })
        .unwrap_or_else(|| panic!("{}", x.to_table(casus::table::Width::default())));
    assert_eq!((art5.level, art5.status), (Level::Assist, Status::Definite));
    assert!(art5.on.contains(&casus::On::Territory));
    // Hawaii is outside Art. 6: no NATO class contains it.
    for c in x.classes.iter().filter(|c| c.treaty == "nato") {
        assert!(!c.place.places.contains(&"US-HI".to_string()), "{c:?}");
    }
    // The Senkakus are under Japanese administration: US–Japan Art. V covers them.
    assert!(
        x.classes
            .iter()
            .any(|c| c.treaty == "us_japan" && c.place.places.contains(&"JP-SENKAKU".to_string()))
    );
    // Cyber attacks wait on the Council's determination.
    assert!(x.classes.iter().any(|c| c.treaty == "nato"
        && c.events.contains(&casus::EventKind::CyberAttack)
        && c.depends_on == ["determined"]));
    // Nothing below the level asked for; nothing toward New Zealand (suspended).
    assert!(x.classes.iter().all(|c| c.level.rank() >= Level::Assist.rank()));
    assert!(x.classes.iter().all(|c| !c.beneficiaries.contains(&"NZL".to_string())));
    let treaties: BTreeSet<&str> = x.classes.iter().map(|c| c.treaty.as_str()).collect();
    assert_eq!(
        treaties,
        BTreeSet::from(["anzus", "nato", "rio", "us_japan", "us_korea", "us_philippines"])
    );
}

/// Every class the exposure reports holds when the engine evaluates one of its members: each
/// beneficiary, the first place of the class, the first party of the other side.
#[test]
fn every_exposure_class_holds_for_its_members() {
    for (e, party, date) in [
        (main_rules(), "USA", "2025-06-01"),
        (main_rules(), "FRA", "2025-06-01"),
        (main_rules(), "RUS", "2025-06-01"),
        (rules_1914(), "DEUE", "1914-08-01"),
        (rules_1914(), "GBR", "1914-08-01"),
    ] {
        let x = e.exposure(party, day(date), Level::Neutrality).unwrap();
        assert!(!x.classes.is_empty(), "{party}");
        for c in &x.classes {
            for b in &c.beneficiaries {
                let others: Vec<&String> = c.counterpart.parties.iter().filter(|p| *p != b).collect();
                let mut s = Scenario::new(day(date), c.events[0], b);
                match c.occasion {
                    Occasion::Attacked => {
                        if c.counterpart.non_state && others.is_empty() {
                            s.attacker = Some(casus::Actor::NonState {
                                non_state: "someone".into(),
                            });
                        } else if !c.counterpart.parties.is_empty() {
                            let n = c.counterpart.at_least as usize;
                            s.attackers = Some(
                                others
                                    .iter()
                                    .take(n)
                                    .map(|p| casus::Actor::Party((*p).clone()))
                                    .collect(),
                            );
                        }
                    }
                    Occasion::Attacking => {
                        s.target = Some(others[0].clone());
                        s.attacker = Some(casus::Actor::Party(b.clone()));
                    }
                }
                s.on = c.on.first().copied();
                s.means = c.means.first().copied();
                // A class described relative to the target lists its places for every
                // beneficiary together: one of them must do; otherwise the first must.
                let places: Vec<Option<String>> = if c.place.places.is_empty() {
                    vec![None]
                } else if c.place.description.contains("the target") {
                    c.place.places.iter().cloned().map(Some).collect()
                } else {
                    vec![c.place.places.first().cloned()]
                };
                let found = places.into_iter().any(|place| {
                    s.location = place;
                    let v = e.evaluate(&s).unwrap();
                    v.party(party).is_some_and(|o| {
                        o.sources.iter().any(|src| {
                            src.treaty == c.treaty
                                && src.clause == c.clause
                                && src.level == c.level
                                && src.status == c.status
                                && src.depends_on == c.depends_on
                        })
                    })
                });
                assert!(found, "{party} class not found for {b}: {c:#?}");
            }
        }
    }
}

fn scenario(text: &str) -> Scenario {
    Scenario::from_yaml(text).unwrap()
}

const ESTONIA: &str =
    "{date: 2025-06-01, event: armed_attack, attacker: RUS, target: EST, location: EST, on: territory}";

#[test]
fn a_russian_attack_on_estonia_reaches_every_other_nato_and_eu_member_and_no_one_else() {
    let e = main_rules();
    let c = e.cascade(&scenario(ESTONIA), &CascadeOptions::default()).unwrap();
    assert_eq!(c.rounds.len(), 1);
    let entered: BTreeSet<String> = c.rounds[0].entrants.iter().map(|x| x.party.clone()).collect();
    let want: BTreeSet<String> = words(NATO_2025)
        .union(&words(EU_2025))
        .filter(|p| *p != "EST")
        .cloned()
        .collect();
    assert_eq!(entered, want);
    for x in &c.rounds[0].entrants {
        assert_eq!(
            (x.helps.as_str(), x.against.as_slice()),
            ("EST", ["RUS".to_string()].as_slice())
        );
    }
    // Non-NATO EU members enter under TEU 42(7), waiting on Estonia's request.
    let aut = c.rounds[0].entrants.iter().find(|x| x.party == "AUT").unwrap();
    assert_eq!((aut.level, aut.status), (Level::AllMeans, Status::Contingent));
    assert_eq!(aut.depends_on, ["requested"]);
    let usa = c.rounds[0].entrants.iter().find(|x| x.party == "USA").unwrap();
    assert_eq!((usa.level, usa.status), (Level::Assist, Status::Definite));
    // At the all_means level only the EU members enter.
    let strict = e
        .cascade(
            &scenario(ESTONIA),
            &CascadeOptions {
                min_level: Level::AllMeans,
                ..CascadeOptions::default()
            },
        )
        .unwrap();
    let entered: BTreeSet<String> = strict.rounds[0].entrants.iter().map(|x| x.party.clone()).collect();
    assert_eq!(entered, words(EU_2025).into_iter().filter(|p| p != "EST").collect());
    assert!(
        strict
            .stayed_out
            .iter()
            .any(|s| s.party == "USA" && s.reason == "below_min_level")
    );
}

#[test]
fn under_the_worst_case_russias_allies_enter_in_round_two() {
    let e = main_rules();
    let c = e
        .cascade(
            &scenario(ESTONIA),
            &CascadeOptions {
                policy: CascadePolicy::Worst,
                min_level: Level::Assist,
            },
        )
        .unwrap();
    assert!(c.rounds.len() >= 3, "{}", c.to_table(casus::table::Width::default()));
    let round2 = &c.rounds[1];
    assert_eq!(round2.events.len(), 1);
    assert_eq!(round2.events[0].targets, ["RUS"]);
    assert_eq!(round2.events[0].location.as_deref(), Some("RUS"));
    for x in &round2.entrants {
        assert_eq!((x.side, x.helps.as_str()), (Side::Attacker, "RUS"));
    }
    let allies: BTreeSet<String> = round2.entrants.iter().map(|x| x.party.clone()).collect();
    assert!(allies.contains("BLR") && allies.contains("PRK"), "{allies:?}");
    // Every party enters once.
    let all: Vec<String> = c.entrants().iter().map(|(_, x)| x.party.clone()).collect();
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(all.len(), unique.len());
}

fn load_1914(name: &str) -> Scenario {
    Scenario::load(root().join("examples/scenarios/1914").join(name)).unwrap()
}

#[test]
fn in_july_1914_no_treaty_obliged_anyone_to_enter_over_serbia() {
    let e = rules_1914();
    let s = load_1914("july-01-austria-attacks-serbia.yaml");
    for policy in [CascadePolicy::Best, CascadePolicy::Worst] {
        let c = e
            .cascade(
                &s,
                &CascadeOptions {
                    policy,
                    min_level: Level::Consult,
                },
            )
            .unwrap();
        assert_eq!(c.rounds.len(), 1);
        assert!(
            c.rounds[0].entrants.is_empty(),
            "{}",
            c.to_table(casus::table::Width::default())
        );
        // Germany's alliance with Austria-Hungary is defensive: Serbia attacked nobody.
        assert!(
            c.stayed_out
                .iter()
                .any(|x| x.party == "DEUE" && x.treaty == "dual_alliance"),
            "{:#?}",
            c.stayed_out
        );
    }
}

#[test]
fn the_invasion_of_belgium_cascades_through_the_alliances_as_written() {
    let e = rules_1914();
    let s = load_1914("july-10-germany-invades-belgium.yaml");
    let c = e
        .cascade(
            &s,
            &CascadeOptions {
                policy: CascadePolicy::Worst,
                min_level: Level::Assist,
            },
        )
        .unwrap();
    let round = |n: usize| -> Vec<(String, String, Level, Status)> {
        c.rounds[n]
            .entrants
            .iter()
            .map(|x| (x.party.clone(), x.helps.clone(), x.level, x.status))
            .collect()
    };
    let g = |p: &str, h: &str, l, s| (p.to_string(), h.to_string(), l, s);
    use Level::{Assist, Military};
    use Status::{Contingent, Definite};
    // The guarantors of 1839 other than the violator (the German Empire, Prussia's
    // successor), Austria-Hungary included.
    assert_eq!(
        round(0),
        [
            g("AUH", "BEL", Assist, Definite),
            g("FRA", "BEL", Assist, Definite),
            g("GBR", "BEL", Assist, Definite),
            g("RUSE", "BEL", Assist, Definite),
        ]
    );
    // Their entry against Germany: Italy's Triple Alliance duty waits on whether Germany
    // provoked it. The Ottoman alliance stays silent: its case is Germany's casus foederis
    // toward Austria-Hungary, which a Russian attack on Germany is not.
    assert_eq!(round(1), [g("ITAK", "DEUE", Military, Contingent)]);
    assert_eq!(round(2), [g("JPNE", "GBR", Military, Contingent)]);
    assert!(c.rounds[3].entrants.is_empty());
    assert_eq!(c.rounds.len(), 4);
    // Germany owes Austria-Hungary help against the attack on it, while Austria-Hungary
    // fights Germany as a guarantor of Belgium.
    assert!(
        c.conflicts
            .iter()
            .any(|k| k.party == "DEUE" && k.toward == "AUH" && k.level == Military)
    );
    // The best case stops after the guarantors.
    let best = e.cascade(&s, &CascadeOptions::default()).unwrap();
    assert_eq!(best.rounds.len(), 1);
    assert_eq!(best.rounds[0].entrants.len(), 4);
}

/// Runs Graphviz on a DOT text for the test named `test`; `None` when `dot` is not installed
/// (unless the environment requires it, as CI does), after saying on the terminal, past the
/// test harness's capture, which test skipped its pictures.
fn graphviz(test: &str, dot: &str) -> Option<String> {
    let child = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(_) if std::env::var_os("CASUS_REQUIRE_DOT").is_none() => {
            // Written to the stream itself, not through `eprintln!`, which a passing test's
            // capture would swallow: a skip must show in `cargo test`'s output.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: Graphviz `dot` is not installed, pictures not rendered \
                 (apt-get install graphviz; CI requires it)"
            );
            return None;
        }
        Err(e) => panic!("cannot run dot: {e}"),
    };
    child.stdin.take().unwrap().write_all(dot.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "dot rejected the text: {}\n{dot}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn dot_escapes_every_label() {
    // How one label is quoted is a unit test of `graph/dot.rs`.
    // A rule set whose names would break an unescaped file.
    let rules = RuleSet::from_yaml(
        r#"
parties:
  - {id: AAA, name: "The \"Quoted\" State"}
  - {id: BBB, name: "Back\\slash, no line break (names are one line)"}
treaties:
  - id: pact
    name: "Pact \"of\" {braces} [brackets]"
    in_force: 2000-01-01
    parties: [{party: AAA}, {party: BBB}]
    clauses:
      - id: art1
        citation: "Art. 1 \"quoted\" \\ backslash"
        trigger: {all: [{event: armed_attack}, {target: treaty_party}]}
        obligations: [{level: military}]
"#,
    )
    .unwrap()
    .compile()
    .unwrap();
    let at = day("2020-01-01");
    let list = rules.guarantors("AAA", at).unwrap();
    let dot = rules.commitments_dot("AAA", Relation::Guarantors, at, &list);
    assert!(dot.contains("The \\\"Quoted\\\" State"), "{dot}");
    assert!(dot.contains("Back\\\\slash, no line break"), "{dot}");
    assert!(dot.contains("Art. 1 \\\"quoted\\\" \\\\ backslash"), "{dot}");
    assert!(dot.contains("\"BBB\" -> \"AAA\""), "{dot}");
    let graph = rules.commitment_graph(at).to_dot();
    if let Some(svg) = graphviz("dot_escapes_every_label", &dot).and(graphviz("dot_escapes_every_label", &graph)) {
        assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"));
    }
}

#[test]
fn pictures_render_through_graphviz() {
    let e = main_rules();
    let at = day("2025-06-01");
    let pol = e.guarantors("POL", at).unwrap();
    let dots = [
        e.commitments_dot("POL", Relation::Guarantors, at, &pol),
        e.exposure("USA", at, Level::Assist).unwrap().to_dot(),
        e.cascade(&scenario(ESTONIA), &CascadeOptions::default())
            .unwrap()
            .to_dot(),
        rules_1914()
            .cascade(
                &load_1914("july-10-germany-invades-belgium.yaml"),
                &CascadeOptions {
                    policy: CascadePolicy::Worst,
                    min_level: Level::Assist,
                },
            )
            .unwrap()
            .to_dot(),
    ];
    for dot in &dots {
        assert!(dot.starts_with("digraph casus {\n") && dot.ends_with("}\n"));
        // Colour by level: the legend names each level drawn.
        assert!(dot.contains("cluster_legend"));
        if let Some(svg) = graphviz("pictures_render_through_graphviz", dot) {
            assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"), "{svg}");
        }
    }
    // One cluster per combination of treaties around Poland; per round in a cascade.
    assert!(dots[0].contains("label=\"nato + teu_42_7\""));
    assert!(dots[0].contains("label=\"teu_42_7\""));
    assert!(dots[3].contains("\"cluster_round_3\""));
}
