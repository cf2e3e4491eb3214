//! The ATOP import, checked against the data it comes from.
//!
//! The data is the ATOP 4.0 release vendored in the repository, `data/atop-4.0/` (see its
//! README for the citation and terms of use).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use casus::{Level, Scenario, Status, When};
use casus_atop::{CsvText, Import};
use jiff::civil::{Date, date};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn data_dir() -> PathBuf {
    let dir = repo().join("data/atop-4.0");
    assert!(
        dir.join("atop-member-level.csv").is_file(),
        "the ATOP 4.0 data is missing: expected atop-alliance-level.csv, atop-member-level.csv and \
         cow-country-codes.csv in {} (`data/atop-4.0` in the repository)",
        dir.display()
    );
    dir
}

fn read(name: &str) -> String {
    let path = data_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn import_real() -> Import {
    let (a, m) = (read("atop-alliance-level.csv"), read("atop-member-level.csv"));
    casus_atop::import(
        CsvText {
            name: "atop-alliance-level.csv",
            text: &a,
        },
        CsvText {
            name: "atop-member-level.csv",
            text: &m,
        },
    )
    .unwrap()
}

fn engine() -> casus::Engine {
    import_real().rule_set().unwrap().compile().unwrap()
}

// ---- the COW table ---------------------------------------------------------------------------

#[test]
fn cow_table_matches_the_csv() {
    let text = read("cow-country-codes.csv");
    let mut lines = text.lines();
    assert_eq!(lines.next().map(str::trim), Some("cow_abbrev,cow_code,name,iso3"));
    let rows: Vec<Vec<&str>> = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim_end().split(',').collect())
        .collect();
    let table = casus_atop::cow_states();
    assert_eq!(rows.len(), table.len(), "one table entry per CSV row");
    for (row, s) in rows.iter().zip(table) {
        assert_eq!(row[0], s.abbrev);
        assert_eq!(row[1].parse::<u32>().unwrap(), s.code);
        assert_eq!(row[2], s.name);
        assert_eq!(
            row.get(3).copied().filter(|x| !x.is_empty()),
            s.iso3,
            "iso3 of {}",
            s.abbrev
        );
    }
    // Ids: the ISO code where there is one; otherwise a prefixed id that cannot be an alpha-3
    // code, so that no made-up id ever collides with a real one (COW 730 "KOR", the Korean
    // Empire, is not ISO KOR, South Korea).
    let mut seen: HashMap<&str, u32> = HashMap::new();
    for s in table {
        match s.iso3 {
            Some(iso) => assert_eq!(s.id, iso),
            None => {
                assert!(s.id.starts_with("COW_") || s.id == "ATOP_ANM", "{}", s.id);
                assert!(!table.iter().any(|t| t.iso3 == Some(s.id)));
            }
        }
        if let Some(prev) = seen.insert(s.id, s.code) {
            // Only Germany is one id for two codes: 255 (Germany, Prussia) and 260 (the FRG).
            assert_eq!((prev, s.code, s.id), (255, 260, "DEU"));
        }
    }
    assert_eq!(casus_atop::cow_state(730).map(|s| s.id), Some("COW_KOR"));
    assert_eq!(casus_atop::cow_state(732).map(|s| s.id), Some("KOR"));
}

// ---- the import ------------------------------------------------------------------------------

#[test]
fn every_alliance_is_imported_and_loads() {
    let import = import_real();
    assert!(import.problems.is_empty(), "{:#?}", import.problems);
    assert_eq!(import.stats.alliance_rows, 745);
    assert_eq!(import.stats.member_rows, 2398);
    assert_eq!(import.stats.treaties, 745);
    assert_eq!(import.stats.skipped_rows, 0);
    let alliance_files = import.files.iter().filter(|f| f.path.starts_with("alliances/")).count();
    assert_eq!(alliance_files, 745);
    let rules = import.rule_set().unwrap();
    assert!(!rules.diagnostics().has_errors());
    let engine = rules.compile().unwrap();
    assert_eq!(engine.treaties().len(), 745);
    assert_eq!(engine.parties().len(), import.stats.parties);
    // Deterministic: the same input gives byte-identical files.
    let again = import_real();
    assert_eq!(
        import.files.iter().map(|f| (&f.path, &f.text)).collect::<Vec<_>>(),
        again.files.iter().map(|f| (&f.path, &f.text)).collect::<Vec<_>>()
    );
}

const ALLIANCE_HEADER: &str =
    "atopid,begyr,begmo,begday,endyr,endmo,endday,defense,offense,neutral,nonagg,consul,specthrt,statthr1,statthr2";
const MEMBER_HEADER: &str = "atopid,member,phase,yrent,moent,dayent,yrexit,moexit,dayexit,defense,offense,neutral,nonagg,consul,\
defcoadv,defcoloc,defcocon,defconum,defcodem,defconpr,neucoadv,neucoloc,neucocon,neuconum,neucodem,neuconpr,neucoatt,\
concoadv,concoloc,concocon,concoreq,statthr1,statthr2";

fn small(alliances: &str, members: &str) -> Result<Import, casus_atop::AtopError> {
    casus_atop::import(
        CsvText {
            name: "a.csv",
            text: alliances,
        },
        CsvText {
            name: "m.csv",
            text: members,
        },
    )
}

#[test]
fn bad_rows_are_reported_with_file_and_line_and_the_rest_is_imported() {
    let alliances = format!(
        "{ALLIANCE_HEADER}\n\
         1,1900,1,1,1910,0,0,1,0,0,0,0,1,365,0\n\
         2,19x0,1,1,0,0,0,1,0,0,0,0,0,0,0\n\
         3,1900,2,30,0,0,0,1,0,0,0,0,0,0,0\n\
         1,1901,1,1,0,0,0,1,0,0,0,0,0,0,0\n\
         4,1920,5,0,0,0,0,1,0,0,0,0,0,0,0\n"
    );
    let zeros = ",0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0";
    let members = format!(
        "{MEMBER_HEADER}\n\
         1,200,0,1900,1,1,1910,6,0,1,0,0,0,0,1{zeros},0,0\n\
         1,220,0,1900,1,1,1910,6,0,1,0,0,0,0,1{zeros},0,0\n\
         1,999,0,1900,1,1,0,0,0,1,0,0,0,0,0{zeros},0,0\n\
         1,210,0,1905,1,1,1904,1,1,1,0,0,0,0,0{zeros},0,0\n\
         1,211,0,1900,1,1\n\
         1,211,0,1900,1,1,0,0,0,2,0,0,0,0,0{zeros},0,0\n\
         7,211,0,1900,1,1,0,0,0,1,0,0,0,0,0{zeros},0,0\n\
         4,211,0,1920,5,0,0,0,0,1,0,0,0,0,0{zeros},0,0\n\
         4,212,0,1920,5,0,0,0,0,1,0,0,0,0,0{zeros},0,0\n"
    );
    let import = small(&alliances, &members).unwrap();
    let report: Vec<String> = import.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        report,
        vec![
            "a.csv:3: row skipped: `begyr` is `19x0`, not a whole number",
            "a.csv:4: row skipped: begin date 1900-2-30: 1900-02-30 is not a date",
            "a.csv:5: row skipped: ATOP 1 appears again (first on line 2)",
            "m.csv:4: row skipped: unknown state code 999 in `member`",
            "m.csv:5: row skipped: exit 1904-1-1 is not after entry 1905-01-01",
            "m.csv:6: row skipped: 6 fields, the header has 33",
            "m.csv:7: row skipped: `defense` is 2, expected 0 or 1",
            "m.csv:8: row skipped: ATOP 7 has no (valid) alliance-level row",
        ]
    );
    assert_eq!(import.stats.skipped_rows, 8);
    assert_eq!(import.stats.treaties, 2);
    let engine = import.rule_set().unwrap().compile().unwrap();
    // Alliance 1: GBR and FRA defend each other against Russia until the end of June 1910
    // (exit day coded 0: the whole month counts).
    let s = Scenario::from_yaml("{date: 1910-06-30, event: armed_attack, attacker: RUS, target: FRA}").unwrap();
    assert_eq!(engine.evaluate(&s).unwrap().level_of("GBR"), Some(Level::Assist));
    let s = Scenario::from_yaml("{date: 1910-07-01, event: armed_attack, attacker: RUS, target: FRA}").unwrap();
    assert_eq!(engine.evaluate(&s).unwrap().level_of("GBR"), None);
    // ... and not against anyone else.
    let s = Scenario::from_yaml("{date: 1905-01-01, event: armed_attack, attacker: LUX, target: FRA}").unwrap();
    assert_eq!(engine.evaluate(&s).unwrap().level_of("GBR"), None);
    // Alliance 4 begins in May 1920, day unknown: from the first of the month.
    let s = Scenario::from_yaml("{date: 1920-05-01, event: armed_attack, target: LUX}").unwrap();
    assert_eq!(engine.evaluate(&s).unwrap().level_of("BEL"), Some(Level::Assist));
    let s = Scenario::from_yaml("{date: 1920-04-30, event: armed_attack, target: LUX}").unwrap();
    assert_eq!(engine.evaluate(&s).unwrap().level_of("BEL"), None);
}

#[test]
fn two_circumstances_on_one_pledge_are_alternatives_and_non_provocation_stays_required() {
    // Britain and France pledge defense against Russia (defcoadv, threat state 365 on the
    // alliance row) or in a location the treaty names (defcoloc), if not provoked (defconpr);
    // the Netherlands, a member that pledges nothing, stands for another attacker.
    let alliances = format!("{ALLIANCE_HEADER}\n1,1900,1,1,0,0,0,1,0,0,0,0,1,365,0\n");
    let rest = ",0,0,0,0,0,0,0,0,0,0,0,0,0";
    let members = format!(
        "{MEMBER_HEADER}\n\
         1,200,0,1900,1,1,0,0,0,1,0,0,0,0,1,1,0,0,0,1{rest}\n\
         1,220,0,1900,1,1,0,0,0,1,0,0,0,0,1,1,0,0,0,1{rest}\n\
         1,210,0,1900,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0{rest}\n"
    );
    let import = small(&alliances, &members).unwrap();
    assert!(import.problems.is_empty(), "{:#?}", import.problems);
    let text = &import
        .files
        .iter()
        .find(|f| f.path == "alliances/atop_0001.yaml")
        .unwrap_or_else(|| panic!("{:?}", import.files.iter().map(|f| &f.path).collect::<Vec<_>>()))
        .text;
    assert!(
        text.contains("            - any:\n                - attacker: {is: [RUS, SUN]}\n                - fact: atop_location_condition\n            - not: {fact: provoked}\n"),
        "{text}"
    );
    let engine = import.rule_set().unwrap().compile().unwrap();
    let gbr = |yaml: &str| {
        let v = engine.evaluate(&Scenario::from_yaml(yaml).unwrap()).unwrap();
        v.party("GBR").map(|p| (p.level, p.status, p.depends_on.clone()))
    };
    // Russia attacks: the adversary suffices, whatever the location.
    assert_eq!(
        gbr("{date: 1950-01-01, event: armed_attack, attacker: RUS, target: FRA, facts: {provoked: false}}"),
        Some((Level::Assist, Status::Definite, vec![]))
    );
    // Someone else attacks: the pledge waits on the location alone.
    assert_eq!(
        gbr("{date: 1950-01-01, event: armed_attack, attacker: NLD, target: FRA, facts: {provoked: false}}"),
        Some((
            Level::Assist,
            Status::Contingent,
            vec!["atop_location_condition".to_string()]
        ))
    );
    assert_eq!(
        gbr(
            "{date: 1950-01-01, event: armed_attack, attacker: NLD, target: FRA, facts: {provoked: false, atop_location_condition: false}}"
        ),
        None
    );
    // Non-provocation qualifies every case.
    assert_eq!(
        gbr("{date: 1950-01-01, event: armed_attack, attacker: RUS, target: FRA, facts: {provoked: true}}"),
        None
    );
    // The cumulative reading is kept beside it, and differs where only one circumstance holds.
    let v = engine
        .evaluate(
            &Scenario::from_yaml("{date: 1950-01-01, event: armed_attack, attacker: RUS, target: FRA, facts: {provoked: false, atop_location_condition: false}}")
                .unwrap(),
        )
        .unwrap();
    let r = &v.party("GBR").unwrap().readings;
    assert!(
        r.iter()
            .any(|r| r.reading == "atop_conditions_cumulative" && r.level.is_none()),
        "{r:?}"
    );
}

#[test]
fn a_file_that_is_not_an_atop_export_is_refused_whole() {
    let err = small("atopid,begyr\n1,1900\n", "x\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "a.csv: no column `begmo`; is this the ATOP alliance-level export?"
    );
    let err = small(&format!("{ALLIANCE_HEADER}\n"), "").unwrap_err();
    assert_eq!(
        err.to_string(),
        "m.csv: empty file, expected the ATOP member-level export with a header row"
    );
}

// ---- conditions stay conditions --------------------------------------------------------------

fn attack(engine: &casus::Engine, yaml: &str) -> casus::Verdict {
    engine.evaluate(&Scenario::from_yaml(yaml).unwrap()).unwrap()
}

#[test]
fn conditions_atop_codes_make_the_pledge_contingent_and_name_what_it_waits_on() {
    let e = engine();
    nato_waits_on_its_location_condition(&e);
    the_dual_alliance_names_its_adversary(&e);
    the_triple_alliance_reads_its_circumstances_as_alternatives(&e);
}

fn nato_waits_on_its_location_condition(e: &casus::Engine) {
    // NATO as ATOP codes it (3180): defense limited to a location ATOP does not name.
    let v = attack(
        e,
        "{date: 1990-07-01, event: armed_attack, attacker: SUN, target: BEL, location: BEL}",
    );
    let usa = v.party("USA").unwrap();
    assert_eq!((usa.level, usa.status), (Level::Assist, Status::Contingent));
    assert_eq!(usa.depends_on, vec!["atop_location_condition"]);
    let src = usa
        .sources
        .iter()
        .find(|s| s.treaty == "atop_3180" && s.clause.starts_with("defense"))
        .unwrap();
    assert!(
        src.citation == "ATOP 3180 phase 2: defense, defcoloc (from 1951-06-19)",
        "{}",
        src.citation
    );
    // Stating the fact makes it definite.
    let v = attack(
        e,
        "{date: 1990-07-01, event: armed_attack, attacker: SUN, target: BEL, location: BEL, facts: {atop_location_condition: true}}",
    );
    assert_eq!(v.party("USA").unwrap().status, Status::Definite);
}

fn the_dual_alliance_names_its_adversary(e: &casus::Engine) {
    // The Dual Alliance (1335): defense against Russia only (defcoadv + threat state 365).
    let v = attack(e, "{date: 1900-01-01, event: armed_attack, attacker: RUS, target: DEU}");
    let auh = v.party("COW_AUH").unwrap();
    assert_eq!((auh.level, auh.status), (Level::Assist, Status::Definite));
    let v = attack(e, "{date: 1900-01-01, event: armed_attack, attacker: FRA, target: DEU}");
    let auh = v.party("COW_AUH").unwrap();
    assert!(
        auh.sources
            .iter()
            .all(|s| s.treaty != "atop_1335" || s.level == Level::Neutrality)
    );
    assert!(
        auh.sources
            .iter()
            .all(|s| s.treaty != "atop_1335" || s.status == Status::Contingent)
    );
    // An attacker left open: the pledge waits on who attacked.
    let v = attack(e, "{date: 1900-01-01, event: armed_attack, target: DEU}");
    let src = v
        .party("COW_AUH")
        .unwrap()
        .sources
        .iter()
        .find(|s| s.treaty == "atop_1335" && s.clause.starts_with("defense"))
        .unwrap()
        .clone();
    assert_eq!(
        (src.status, src.depends_on),
        (Status::Contingent, vec!["attacker".to_string()])
    );
}

fn the_triple_alliance_reads_its_circumstances_as_alternatives(e: &casus::Engine) {
    // The Triple Alliance (1350): non-provocation, a number of attackers, an adversary.
    let v = attack(e, "{date: 1900-01-01, event: armed_attack, attacker: FRA, target: ITA}");
    let deu = v.party("DEU").unwrap();
    let src = deu
        .sources
        .iter()
        .find(|s| s.treaty == "atop_1350" && s.level == Level::Assist)
        .unwrap();
    assert_eq!(src.status, Status::Contingent);
    // ATOP codes the Triple Alliance as asymmetric (asymm = 1) with all three members pledging
    // and nothing in the rows to say who is owed: the direction is open (docs/atop.md). The
    // adversary (France, Art. II) and the number of attackers (Art. III) are alternatives: a
    // French attack does not also wait on the number.
    assert_eq!(src.depends_on, vec!["provoked", "atop_owed_to_target"]);
    // Two Great Powers other than France (Britain and Russia): Art. III, waiting on the number
    // ATOP does not code.
    let v = attack(
        e,
        "{date: 1900-01-01, event: armed_attack, attackers: [GBR, RUS], target: ITA, facts: {provoked: false, atop_owed_to_target: true, atop_number_of_attackers: true}}",
    );
    assert_eq!(
        v.party("DEU").map(|p| (p.level, p.status)),
        Some((Level::Assist, Status::Definite))
    );
    let v = attack(
        e,
        "{date: 1900-01-01, event: armed_attack, attacker: FRA, target: ITA, facts: {provoked: true}}",
    );
    assert!(
        v.party("DEU")
            .unwrap()
            .sources
            .iter()
            .all(|s| s.treaty != "atop_1350" || s.level != Level::Assist)
    );
}

#[test]
fn asymmetric_pledges_follow_the_member_rows() {
    let e = engine();
    // ATOP 2005, Germany and the Ottoman Empire (1914): Germany defends Turkey (defense = 1);
    // Turkey's obligation is coded as offense, which is a note, not a response obligation.
    let v = attack(
        &e,
        "{date: 1915-01-01, event: armed_attack, attacker: RUS, target: TUR}",
    );
    assert_eq!(v.level_of("DEU"), Some(Level::Assist));
    let v = attack(
        &e,
        "{date: 1915-01-01, event: armed_attack, attacker: RUS, target: DEU}",
    );
    assert!(
        v.party("TUR")
            .is_none_or(|o| o.sources.iter().all(|s| s.treaty != "atop_2005"))
    );
}

/// The pledges of one ATOP treaty toward `target` on a day: obligor and what it waits on.
fn pledges_of(e: &casus::Engine, treaty: &str, target: &str, on: Date) -> BTreeMap<String, Vec<String>> {
    casus_atop::defenders(e, target, &When::Day(on))
        .unwrap()
        .into_iter()
        .filter(|p| p.treaty == treaty)
        .map(|p| (p.obligor, p.depends_on))
        .collect()
}

#[test]
fn locarno_binds_its_guarantors_toward_france_belgium_and_germany_not_the_reverse() {
    let e = engine();
    let on = date(1930, 1, 1);
    let owed = "atop_owed_to_target".to_string();
    // ATOP 2130 (asymm = 1): all five pledge defense; France, Belgium and Germany also promise
    // non-aggression, Britain and Italy do not: Britain and Italy are the guarantors.
    for target in ["FRA", "BEL", "DEU"] {
        let p = pledges_of(&e, "atop_2130", target, on);
        for guarantor in ["GBR", "ITA"] {
            let deps = &p[guarantor];
            assert!(!deps.contains(&owed), "{guarantor} -> {target}: {deps:?}");
            assert!(deps.contains(&"provoked".to_string()), "defconpr stays a condition");
        }
        // A guaranteed state toward another: kept, of uncertain direction.
        for other in ["FRA", "BEL", "DEU"].into_iter().filter(|o| *o != target) {
            assert!(p[other].contains(&owed), "{other} -> {target}: {:?}", p[other]);
        }
        assert_eq!(p.len(), 4, "{target}: {p:?}");
    }
    // Nobody is bound to defend a guarantor under Locarno.
    for target in ["GBR", "ITA"] {
        assert_eq!(pledges_of(&e, "atop_2130", target, on), BTreeMap::new(), "{target}");
    }
}

#[test]
fn an_asymmetric_alliance_without_a_rule_keeps_its_pledges_with_uncertain_direction() {
    let e = engine();
    let owed = "atop_owed_to_target".to_string();
    // ATOP 1100, the Quadruple Alliance of 1834 (asymm = 1): Britain, Spain and Portugal pledge
    // defense, France only consultation; the rows do not say who is owed.
    let on = date(1835, 1, 1);
    let to_esp = pledges_of(&e, "atop_1100", "ESP", on);
    assert!(
        to_esp["GBR"].contains(&owed) && to_esp["PRT"].contains(&owed),
        "{to_esp:?}"
    );
    let to_fra = pledges_of(&e, "atop_1100", "FRA", on);
    assert!(
        to_fra.values().all(|d| d.contains(&owed)) && to_fra.len() == 3,
        "{to_fra:?}"
    );
    // A bilateral asymmetric alliance has one possible beneficiary: ATOP 3240, the United
    // States and South Korea (1953), both pledging: definite direction both ways.
    let on = date(1980, 1, 1);
    assert!(!pledges_of(&e, "atop_3240", "KOR", on)["USA"].contains(&owed));
    assert!(!pledges_of(&e, "atop_3240", "USA", on)["KOR"].contains(&owed));
    // A symmetric alliance is mutual: NATO (ATOP 3180).
    assert!(!pledges_of(&e, "atop_3180", "BEL", on)["USA"].contains(&owed));
}

#[test]
fn every_member_row_s_cow_code_is_recovered_from_its_party_and_day() {
    let e = engine();
    let direct = Direct::load();
    let mut checked = 0;
    for on in sample_dates() {
        for (atopid, code, entry, exit, _) in &direct.rows {
            if !(*entry <= on && exit.is_none_or(|x| on < x)) {
                continue;
            }
            let id = direct.id(*code, on);
            // COW's Federal Republic ends at unification; a 260 row left open past it is 255's.
            let want = if *code == 260 && on >= date(1990, 10, 3) {
                255
            } else {
                *code
            };
            assert_eq!(
                e.cow_code(&id, &When::Day(on)),
                Some(want),
                "ATOP {atopid}: COW {code} is {id} on {on}"
            );
            checked += 1;
        }
    }
    assert!(checked > 5_000, "{checked}");
    // Germany: the Federal Republic is 260, Prussia, the Empire and Germany since 1990 are 255.
    let cow = |id: &str, d: Date| e.cow_code(id, &When::Day(d));
    assert_eq!(cow("DEU", date(1900, 1, 1)), Some(255));
    assert_eq!(cow("DEU", date(1980, 1, 1)), Some(260));
    assert_eq!(cow("DEU", date(1990, 10, 3)), Some(255));
    assert_eq!(
        (cow("SUN", date(1950, 1, 1)), cow("RUS", date(2000, 1, 1))),
        (Some(365), Some(365))
    );
    assert_eq!(cow("ATOP_ANM", date(1874, 6, 1)), Some(8152));
    let deu = e.parties().into_iter().find(|p| p.id == "DEU").unwrap();
    assert_eq!(deu.cow, vec!["260 from 1954-10-23 until 1990-10-03", "255"]);
}

#[test]
fn serbia_is_not_yugoslavia_before_1918_or_after_2006() {
    let e = engine();
    // Every membership the import writes for COW 345 lies inside 1918-12-01 .. 2006-06-05 as
    // YUG and outside it as SRB.
    let (from, to) = (date(1918, 12, 1), date(2006, 6, 5));
    let mut seen = BTreeMap::new();
    for f in import_real().files {
        for line in f
            .text
            .lines()
            .filter(|l| l.contains("{party: YUG,") || l.contains("{party: SRB,"))
        {
            let field = |k: &str| {
                line.split_once(k)
                    .map(|(_, r)| r.trim_start().get(..10).unwrap().parse::<Date>().unwrap())
            };
            let (joined, left) = (field("joined:").unwrap(), field("left:"));
            let yug = line.contains("YUG");
            *seen.entry(yug).or_insert(0) += 1;
            if yug {
                assert!(joined >= from && left.is_some_and(|l| l <= to), "{}: {line}", f.path);
            } else {
                assert!(joined >= to || left.is_some_and(|l| l <= from), "{}: {line}", f.path);
            }
        }
    }
    assert!(seen[&true] > 5 && seen[&false] > 3, "{seen:?}");
    // The Balkan League: Serbia, not Yugoslavia, is bound to Bulgaria in 1912–13 (ATOP 1470).
    let to_bgr = casus_atop::defenders(&e, "BGR", &When::Day(date(1913, 1, 1))).unwrap();
    assert!(to_bgr.iter().any(|p| p.obligor == "SRB"), "{to_bgr:?}");
    assert!(to_bgr.iter().all(|p| p.obligor != "YUG"));
    let srb = e.parties().into_iter().find(|p| p.id == "SRB").unwrap();
    assert_eq!(
        (srb.name.as_str(), srb.cow.clone()),
        ("Serbia", vec!["345".to_string()])
    );
}

#[test]
fn cow_365_is_the_soviet_union_only_between_1922_and_1991() {
    let e = engine();
    // The Warsaw Pact (ATOP 3285) ends 1991-07-01, inside the Soviet period.
    let v = attack(&e, "{date: 1980-01-01, event: armed_attack, target: POL}");
    assert!(v.party("SUN").unwrap().sources.iter().any(|s| s.treaty == "atop_3285"));
    assert!(
        v.party("RUS")
            .is_none_or(|o| o.sources.iter().all(|s| s.treaty != "atop_3285"))
    );
    // A treaty across the dissolution: the same COW row is SUN before 1991-12-26, RUS after.
    let info = e.treaties().into_iter().find(|t| t.id == "atop_3140").unwrap();
    assert!(info.name.contains("FIN"));
    let before = attack(&e, "{date: 1991-12-25, event: armed_attack, target: FIN}");
    let after = attack(&e, "{date: 1991-12-26, event: armed_attack, target: FIN}");
    let from = |v: &casus::Verdict, p: &str| {
        v.party(p)
            .is_some_and(|o| o.sources.iter().any(|s| s.treaty == "atop_3140"))
    };
    assert!(from(&before, "SUN") && !from(&before, "RUS"));
    assert!(from(&after, "RUS") && !from(&after, "SUN"));
}

// ---- the proof: every directed defense pledge, through Casus and from the table ---------------

/// Reads the member-level table directly (no quotes in the ATOP export), independently of the
/// importer: the same conventions (unknown day or month covers the whole month or year; the
/// exit day is excluded), its own code.
struct Direct {
    ids: HashMap<u32, String>,
    rows: Vec<(u32, u32, Date, Option<Date>, bool)>,
    /// Per alliance: the guaranteed members of a guarantee pact (Locarno), or `None` when
    /// every pledge is of uncertain direction; absent when pledges are mutual.
    asymmetric: HashMap<u32, Option<BTreeSet<u32>>>,
}

impl Direct {
    fn load() -> Direct {
        let cow = read("cow-country-codes.csv");
        let mut ids = HashMap::new();
        for l in cow.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let f: Vec<&str> = l.trim_end().split(',').collect();
            let code: u32 = f[1].parse().unwrap();
            let iso = f.get(3).copied().unwrap_or("");
            let id = if !iso.is_empty() {
                iso.to_string()
            } else if code == 8152 {
                format!("ATOP_{}", f[0])
            } else {
                format!("COW_{}", f[0])
            };
            ids.insert(code, id);
        }
        let text = read("atop-member-level.csv");
        assert!(!text.contains('"'), "the direct reader assumes no quoted fields");
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
        let c = [
            "atopid", "member", "yrent", "moent", "dayent", "yrexit", "moexit", "dayexit", "defense", "nonagg",
        ]
        .map(col);
        let num = |s: &str| -> i16 { if s.is_empty() { 0 } else { s.parse().unwrap() } };
        let mut rows = Vec::new();
        let mut nonagg: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
        for l in lines {
            let f: Vec<&str> = l.split(',').collect();
            if f[c[9]] == "1" {
                nonagg
                    .entry(f[c[0]].parse().unwrap())
                    .or_default()
                    .insert(f[c[1]].parse().unwrap());
            }
            let (y, m, d) = (num(f[c[2]]), num(f[c[3]]) as i8, num(f[c[4]]) as i8);
            let entry = match (m, d) {
                (0, _) => date(y, 1, 1),
                (m, 0) => date(y, m, 1),
                (m, d) => date(y, m, d),
            };
            let (y, m, d) = (num(f[c[5]]), num(f[c[6]]) as i8, num(f[c[7]]) as i8);
            let exit = match (y, m, d) {
                (0, _, _) => None,
                (y, 0, _) | (y, 12, 0) => Some(date(y + 1, 1, 1)),
                (y, m, 0) => Some(date(y, m + 1, 1)),
                (y, m, d) => Some(date(y, m, d)),
            };
            rows.push((
                f[c[0]].parse().unwrap(),
                f[c[1]].parse().unwrap(),
                entry,
                exit,
                f[c[8]] == "1",
            ));
        }
        // The direction rule of docs/atop.md, from the alliance-level `asymm` and the rows.
        let alliances = read("atop-alliance-level.csv");
        let mut lines = alliances.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let (id_col, asymm_col) = (
            header.iter().position(|h| *h == "atopid").unwrap(),
            header.iter().position(|h| *h == "asymm").unwrap(),
        );
        let mut asymmetric = HashMap::new();
        for l in lines {
            let f: Vec<&str> = l.split(',').collect();
            if f[asymm_col] != "1" {
                continue;
            }
            let id: u32 = f[id_col].parse().unwrap();
            let members: BTreeSet<u32> = rows.iter().filter(|r| r.0 == id).map(|r| r.1).collect();
            let pledging: BTreeSet<u32> = rows.iter().filter(|r| r.0 == id && r.4).map(|r| r.1).collect();
            if members.len() <= 2 || pledging.len() < 2 {
                continue;
            }
            let g = nonagg.get(&id).cloned().unwrap_or_default();
            let guarantee = !g.is_empty()
                && pledging.iter().any(|p| !g.contains(p))
                && members.iter().all(|m| g.contains(m) || pledging.contains(m))
                && g.iter().any(|m| pledging.contains(m));
            asymmetric.insert(id, guarantee.then_some(g));
        }
        Direct { ids, rows, asymmetric }
    }

    fn id(&self, code: u32, on: Date) -> String {
        if code == 365 && on >= date(1922, 12, 30) && on < date(1991, 12, 26) {
            return "SUN".into();
        }
        if code == 345 && (on < date(1918, 12, 1) || on >= date(2006, 6, 5)) {
            return "SRB".into();
        }
        self.ids[&code].clone()
    }

    /// Every (defender, defended) pair on a day, with whether its direction is uncertain.
    fn pledges(&self, on: Date) -> BTreeMap<(String, String), bool> {
        let mut members: BTreeMap<u32, BTreeSet<(u32, String)>> = BTreeMap::new();
        let mut defenders: BTreeMap<u32, BTreeSet<(u32, String)>> = BTreeMap::new();
        for (atopid, code, entry, exit, defense) in &self.rows {
            if *entry <= on && exit.is_none_or(|x| on < x) {
                let id = (*code, self.id(*code, on));
                members.entry(*atopid).or_default().insert(id.clone());
                if *defense {
                    defenders.entry(*atopid).or_default().insert(id);
                }
            }
        }
        let mut out = BTreeMap::new();
        for (atopid, ds) in &defenders {
            for (ca, a) in ds {
                for (cb, b) in &members[atopid] {
                    let uncertain = match self.asymmetric.get(atopid) {
                        None => false,
                        Some(None) => true,
                        Some(Some(g)) if g.contains(cb) => g.contains(ca),
                        Some(Some(_)) => continue,
                    };
                    if a != b {
                        let slot = out.entry((a.clone(), b.clone())).or_insert(uncertain);
                        *slot &= uncertain;
                    }
                }
            }
        }
        out
    }
}

/// Every (defender, defended) pair on a day through Casus ([`casus_atop::defense_pledges`]:
/// an armed attack on each state, on its territory, by an attacker left unknown, evaluated on
/// the verdict-only path), with whether the pledge is definite.
fn through_casus(e: &casus::Engine, on: Date) -> BTreeMap<(String, String), Status> {
    let mut out = BTreeMap::new();
    for p in casus_atop::defense_pledges(e, &When::Day(on)).unwrap() {
        let slot = out.entry((p.obligor, p.target)).or_insert(p.status);
        *slot = (*slot).min(p.status);
    }
    out
}

/// The same through full verdicts ([`casus::Engine::evaluate`]): a party with an obligation at
/// `assist` or above whose source is the defense clause of an ATOP treaty.
fn through_verdicts(e: &casus::Engine, on: Date) -> BTreeMap<(String, String), Status> {
    let mut out = BTreeMap::new();
    for b in e.parties().into_iter().map(|p| p.id) {
        let mut s = Scenario::new(When::Day(on), casus::EventKind::ArmedAttack, &b);
        s.location = Some(b.clone());
        s.on = Some(casus::On::Territory);
        for o in &e.evaluate(&s).unwrap().obligations {
            for src in &o.sources {
                if src.level.rank() >= Level::Assist.rank()
                    && src.treaty.starts_with("atop_")
                    && src.clause.starts_with("defense_")
                {
                    let slot = out.entry((o.party.to_string(), b.clone())).or_insert(src.status);
                    *slot = (*slot).min(src.status);
                }
            }
        }
    }
    out
}

#[test]
fn the_verdict_only_path_and_full_verdicts_agree_on_pledges() {
    let e = engine();
    for on in [date(1875, 7, 1), date(1991, 12, 25)] {
        assert_eq!(through_casus(&e, on), through_verdicts(&e, on), "{on}");
    }
}

fn sample_dates() -> Vec<Date> {
    let mut v: Vec<Date> = (0..21).map(|i| date(1815 + 10 * i, 7, 1)).collect();
    v.extend([
        date(1815, 1, 3),   // the first alliance begins
        date(1922, 12, 29), // the day before COW 365 becomes the Soviet Union
        date(1922, 12, 30),
        date(1949, 4, 4),   // NATO signed
        date(1990, 10, 2),  // the last day of the FRG (COW 260)
        date(1990, 10, 3),  // German unification (COW 255 again)
        date(1991, 12, 25), // the last day of the Soviet Union
        date(1991, 12, 26),
        date(2018, 12, 31), // the end of ATOP 4.0
    ]);
    v.sort();
    v
}

#[test]
fn every_directed_defense_pledge_equals_the_member_level_table() {
    let e = engine();
    let direct = Direct::load();
    let mut rows = Vec::new();
    for on in sample_dates() {
        let want_all = direct.pledges(on);
        let want: BTreeSet<(String, String)> = want_all.keys().cloned().collect();
        let got = through_casus(&e, on);
        let got_pairs: BTreeSet<(String, String)> = got.keys().cloned().collect();
        // A pledge that rests only on alliances of uncertain direction is never definite.
        for (pair, uncertain) in &want_all {
            assert!(
                !*uncertain || got.get(pair) == Some(&Status::Contingent),
                "{on}: {pair:?} rests on uncertain direction only, yet is {:?}",
                got.get(pair)
            );
        }
        let missing: Vec<_> = want.difference(&got_pairs).take(10).collect();
        let extra: Vec<_> = got_pairs.difference(&want).take(10).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{on}: {} pledges in the table, {} through Casus; missing in Casus {missing:?}, not in the table {extra:?}",
            want.len(),
            got_pairs.len()
        );
        let definite = got.values().filter(|s| **s == Status::Definite).count();
        let defended: BTreeSet<&String> = want.iter().map(|p| &p.1).collect();
        rows.push(format!(
            "| {on} | {} | {definite} | {} | {} |",
            want.len(),
            want.len() - definite,
            defended.len()
        ));
    }
    // The counts are reported in docs/atop.md; keep them in step.
    let table = format!(
        "| date | pledges | definite | contingent | states defended |\n|---|---|---|---|---|\n{}\n",
        rows.join("\n")
    );
    let doc = std::fs::read_to_string(repo().join("docs/atop.md")).unwrap();
    let start = "<!-- proof-counts:start -->\n";
    let end = "<!-- proof-counts:end -->";
    let block = doc
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(b, _)| b.to_string())
        .unwrap_or_default();
    assert_eq!(
        block, table,
        "docs/atop.md's proof table is out of date; it should read:\n{table}"
    );
}

// ---- spot checks against the hand-encoded treaties in rules/ ----------------------------------

/// The parties of a treaty in a hand-encoded rule file on a day.
fn parties_in_rules(file: &str, treaty: &str, on: Date) -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo().join(file)).unwrap();
    let f: casus::model::RuleFile = serde_saphyr::from_str(&text).unwrap();
    let t = f.treaties.iter().find(|t| t.id.value == treaty).unwrap();
    let day = When::Day(on);
    t.parties
        .iter()
        .filter(|m| {
            m.joined
                .as_ref()
                .is_none_or(|j| day.at_or_after(&j.value) == casus::Truth::True)
                && m.left
                    .as_ref()
                    .is_none_or(|l| day.at_or_after(&l.value) == casus::Truth::False)
        })
        .map(|m| m.party.as_ref().unwrap().value.clone())
        .collect()
}

/// The parties of an imported ATOP treaty on a day, through the member-level table.
fn parties_in_atop(atopid: u32, on: Date) -> BTreeSet<String> {
    let d = Direct::load();
    d.rows
        .iter()
        .filter(|r| r.0 == atopid && r.2 <= on && r.3.is_none_or(|x| on < x))
        .map(|r| d.id(r.1, on))
        .collect()
}

#[test]
fn nato_as_atop_codes_it_has_the_members_of_rules_nato_on_2020_01_01() {
    let on = date(2020, 1, 1);
    assert_eq!(
        parties_in_atop(3180, on),
        parties_in_rules("rules/treaties/nato.yaml", "nato", on)
    );
    assert_eq!(parties_in_atop(3180, on).len(), 29);
    // ATOP dates accession by the signature of the protocol, rules/ by the deposit of the
    // instrument: Poland, Hungary and the Czech Republic were ATOP members from 1997-12-16,
    // parties to the treaty only from 1999-03-12.
    let on = date(1998, 7, 1);
    let atop = parties_in_atop(3180, on);
    let rules = parties_in_rules("rules/treaties/nato.yaml", "nato", on);
    let diff: Vec<&String> = atop.symmetric_difference(&rules).collect();
    assert_eq!(diff, vec!["CZE", "HUN", "POL"]);
}

#[test]
fn atop_codes_no_alliance_that_defends_belgium_in_august_1914() {
    // The 1839 Treaty of London (rules/historical/1914/london_1839.yaml) guaranteed Belgium's
    // neutrality; ATOP does not code it as an alliance, so no state is bound to defend Belgium
    // in ATOP between the French pledge of 1832-33 and the Franco-Belgian accord of 1920.
    let e = engine();
    let v = attack(
        &e,
        "{date: 1914-08-04, event: armed_attack, attacker: DEU, target: BEL, location: BEL}",
    );
    // Nobody toward Belgium; the Ottoman Empire's offense (ATOP 2005) runs toward Germany.
    assert!(
        v.obligations
            .iter()
            .flat_map(|o| &o.sources)
            .all(|s| s.toward != "BEL" || s.level.rank() < Level::Assist.rank()),
        "{:?}",
        v.obligations
    );
    let rules = casus::RuleSet::load(repo().join("rules/historical/1914"))
        .unwrap()
        .compile()
        .unwrap();
    let v = attack(
        &rules,
        "{date: 1914-08-04, event: armed_attack, attacker: DEUE, target: BEL, location: BEL}",
    );
    assert_eq!(v.level_of("GBR"), Some(Level::Assist));
}

/// Hostile round 2, defect 6: a second `defense` column (all 0) imported 0 defense clauses and
/// reported "0 rows skipped, 0 warnings". A repeated column is an error; rows that yield no
/// pledge at all are one too.
#[test]
fn a_repeated_column_or_an_import_without_a_pledge_is_refused() {
    let members = format!("{MEMBER_HEADER}\n1,200,0,1900,1,1,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n");
    let err = small(
        &format!("{ALLIANCE_HEADER},defense\n1,1900,1,1,0,0,0,1,0,0,0,0,0,0,0,0\n"),
        &members,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "a.csv:1: the column `defense` appears twice (fields 8 and 16); keep one"
    );
    // Every row unreadable (here: CR-only line ends make one long header): no pledge.
    let cr_only = format!("{ALLIANCE_HEADER}\r1,1900,1,1,0,0,0,1,0,0,0,0,0,0,0\r").replace('\n', "");
    let err = small(
        &format!("{ALLIANCE_HEADER}\n2,1900,1,1,0,0,0,1,0,0,0,0,0,0,0\n"),
        &members,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("a.csv: 1 alliance rows read but no pledge imported (2 rows skipped; first: m.csv:2"),
        "{err}"
    );
    assert!(small(&cr_only, &members).is_err());
}

/// The default limits keep the whole ATOP import well inside: its CSV rows, and the bound on
/// its commitment graph (a tenth of the default at most).
#[test]
fn the_default_limits_admit_the_atop_import() {
    let limits = casus::Limits::default();
    for name in ["atop-alliance-level.csv", "atop-member-level.csv"] {
        assert!(read(name).lines().count() * 10 < limits.max_csv_rows, "{name}");
    }
    // A margin of 4: the bound counts every pair of members for every clause, and each member
    // row can give five clauses (defense, offense, neutrality, non-aggression, consultation).
    let bound = engine().graph_size_bound();
    assert!(bound * 4 < limits.max_graph_edges, "{bound}");
}

// ---- validation: the directed dyad-year panel against ATOP's own coding ------------------------

impl Direct {
    /// The directed defense dyad-years straight from the member-level table: (obligor's COW
    /// code, beneficiary's COW code, year) for every year in which, on some day, the obligor's
    /// row pledges defense and the beneficiary has a row in the same alliance, the direction
    /// rule of docs/atop.md allowing it. The value: whether every alliance behind it leaves the
    /// direction uncertain.
    fn dyad_years(&self) -> BTreeMap<(u32, u32, i16), bool> {
        let mut out: BTreeMap<(u32, u32, i16), bool> = BTreeMap::new();
        let end = date(2019, 1, 1);
        for a in self.rows.iter().filter(|r| r.4) {
            for b in self.rows.iter().filter(|b| b.0 == a.0 && b.1 != a.1) {
                let uncertain = match self.asymmetric.get(&a.0) {
                    None => false,
                    Some(None) => true,
                    Some(Some(g)) if g.contains(&b.1) => g.contains(&a.1),
                    Some(Some(_)) => continue,
                };
                let from = a.2.max(b.2);
                let until = a.3.unwrap_or(end).min(b.3.unwrap_or(end));
                if from >= until {
                    continue;
                }
                let last = until.yesterday().unwrap();
                for y in from.year()..=last.year() {
                    let slot = out.entry((a.1, b.1, y)).or_insert(uncertain);
                    *slot &= uncertain;
                }
            }
        }
        out
    }
}

#[test]
fn the_directed_dyad_year_panel_equals_atop_s_member_level_coding() {
    use casus::panel::{PanelOptions, Unit};
    let e = engine();
    let panel = e
        .panel(&PanelOptions {
            from: date(1815, 1, 1),
            to: date(2018, 12, 31),
            unit: Unit::DyadYear,
            directed: true,
        })
        .unwrap();
    let mut got: BTreeMap<(u32, u32, i16), (Status, bool)> = BTreeMap::new();
    for r in panel.rows().filter(|r| r.kinds[0]) {
        let casus::panel::Period::Year(y) = r.period else {
            unreachable!()
        };
        let key = (r.obligor_cow.unwrap(), r.beneficiary_cow.unwrap(), y);
        // Rows of one party under two codes in one year (DEU: 260, 255 in 1990) stay apart;
        // two ids under one code (SUN and RUS, both 365, in 1991) meet here, as in the table.
        let slot = got.entry(key).or_insert((r.status, r.direction_uncertain));
        *slot = (slot.0.min(r.status), slot.1 && r.direction_uncertain);
    }
    let want = Direct::load().dyad_years();
    let missing: Vec<_> = want.keys().filter(|k| !got.contains_key(k)).take(10).collect();
    let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(k)).take(10).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{} dyad-years in the table, {} in the panel; missing from the panel {missing:?}, not in the table {extra:?}",
        want.len(),
        got.len()
    );
    // A dyad-year resting only on alliances of uncertain direction is contingent in the panel.
    for (k, uncertain) in &want {
        if *uncertain {
            assert_eq!(got[k].0, Status::Contingent, "{k:?}");
        }
    }
    let uncertain = want.values().filter(|u| **u).count();
    let definite = got.values().filter(|v| v.0 == Status::Definite).count();
    eprintln!(
        "{} directed defense dyad-years 1815-2018; {definite} definite; {uncertain} of uncertain direction only",
        want.len()
    );
}

#[test]
fn offense_and_non_aggression_are_clauses_of_their_own() {
    let e = engine();
    // ATOP 2005: the Ottoman Empire promised offense (to join Germany's war), Germany defense.
    let v = attack(
        &e,
        "{date: 1914-09-01, event: armed_attack, attacker: DEU, target: FRA}",
    );
    let tur = v.party("TUR").unwrap();
    assert!(
        tur.sources
            .iter()
            .any(|s| s.treaty == "atop_2005" && s.clause.starts_with("offense_"))
    );
    assert_eq!(tur.level, Level::Assist);
    // Locarno (ATOP 2130): France, Belgium and Germany promise non-aggression to each other,
    // in the direction the rows give (no atop_owed_to_target), and the guarantors do not.
    let v = attack(&e, "{date: 1930-01-01, event: armed_attack, target: BEL}");
    let nonagg = |p: &str| {
        v.party(p).is_some_and(|o| {
            o.sources
                .iter()
                .any(|s| s.treaty == "atop_2130" && s.level == Level::NonAggression && s.depends_on.is_empty())
        })
    };
    assert!(nonagg("FRA") && nonagg("DEU"));
    assert!(!nonagg("GBR") && !nonagg("ITA"));
}
