//! Importing ATOP (Alliance Treaty Obligations and Provisions, version 4.0): every written
//! military alliance since 1815, as coded by Leeds, Ritter, Mitchell and Long, turned into a
//! Casus rule set of its own.
//!
//! This is a crate of its own, not a module of `casus`: ATOP is one data source among others,
//! and the importer (its CSV reader, its mapping of ATOP's codes to clauses) needs nothing of
//! the evaluator but its public API. A program that only evaluates rule sets never compiles
//! it, and `casus` does not depend on it. The Correlates of War state table it maps codes with
//! is `casus::cow` (panels use it too), re-exported here.
//!
//! [`import`] takes the alliance-level and member-level CSV exports as text and returns the
//! rule files (YAML text) with a report of every row it skipped or changed, each with its file
//! and line; [`Import::rule_set`] loads them in memory. The `casus import atop` command writes
//! the same files to a folder. The mapping, in short (the full account is `docs/atop.md`):
//!
//! - each alliance becomes a treaty `atop_<atopid>`, in force from ATOP's begin date up to its
//!   end date (none when ATOP codes it as ongoing); its members are parties from their entry
//!   up to, not including, their exit, phase by phase;
//! - a member-level row with `defense=1` becomes an obligation at `assist` owed by that member
//!   (named) to any other member that is attacked; `neutral=1` a `neutrality` obligation;
//!   `consul=1` a `consult` obligation; `offense=1` an obligation at `assist` toward another
//!   member when it attacks; `nonagg=1` a `non_aggression` obligation toward another member;
//! - conditions stay conditions: a specific adversary becomes an attacker filter on the threat
//!   states ATOP codes (or the fact `atop_specific_adversary` where it codes none);
//!   non-provocation becomes `not: {fact: provoked}`; location, specific conflict, number of
//!   attackers and non-compliance with a demand become named facts that a scenario leaves
//!   unknown unless it states them, so the pledge comes out contingent and names them;
//! - Correlates of War codes become ISO 3166-1 alpha-3 ids where the state has one, else
//!   `COW_<abbreviation>` ([`cow_states`]); COW 365 is the Soviet Union (`SUN`) from 1922-12-30
//!   up to 1991-12-26 and Russia (`RUS`) otherwise, COW 345 Yugoslavia (`YUG`) from 1918-12-01
//!   up to 2006-06-05 and Serbia (`SRB`) otherwise ([`party_id`]); every party carries its COW
//!   code(s) as `cow:` data ([`Engine::cow_code`]);
//! - an asymmetric alliance (`asymm` = 1) is directed as far as its member rows tell: a
//!   guarantee pact binds its guarantors toward the guaranteed members only, and a pledge whose
//!   direction ATOP leaves open waits on the fact `atop_owed_to_target`.
//!
//! ```
//! let alliances = "atopid,begyr,begmo,begday,endyr,endmo,endday,defense,offense,neutral,nonagg,consul\n\
//!                  9001,1949,4,4,0,0,0,1,0,0,0,0\n";
//! let members = "atopid,member,yrent,moent,dayent,yrexit,moexit,dayexit,defense,offense,neutral,nonagg,consul,\
//!                defcoadv,defcoloc,defcocon,defconum,defcodem,defconpr,neucoadv,neucoloc,neucocon,neuconum,\
//!                neucodem,neuconpr,neucoatt,concoadv,concoloc,concocon,concoreq\n\
//!                9001,2,1949,4,4,0,0,0,1,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n\
//!                9001,211,1949,4,4,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n";
//! let import = casus_atop::import(
//!     casus_atop::CsvText { name: "alliances.csv", text: alliances },
//!     casus_atop::CsvText { name: "members.csv", text: members },
//! )?;
//! assert!(import.problems.is_empty());
//! let engine = import.rule_set()?.compile()?;
//! let attack = casus::Scenario::from_yaml("{date: 1990-07-01, event: armed_attack, target: BEL, location: BEL}")?;
//! let verdict = engine.evaluate(&attack)?;
//! // The United States defends Belgium; the location condition ATOP codes is left open.
//! assert_eq!(verdict.level_of("USA"), Some(casus::Level::Assist));
//! assert_eq!(verdict.party("USA").map(|o| o.depends_on.clone()), Some(vec!["atop_location_condition".to_string()]));
//! // Belgium promised nothing in return.
//! let attack = casus::Scenario::from_yaml("{date: 1990-07-01, event: armed_attack, target: USA, location: USA}")?;
//! assert_eq!(engine.evaluate(&attack)?.level_of("BEL"), None);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod csv;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use thiserror::Error;

use casus::cow::{ids_over as split, periods_of};
use casus::model::PartyKind;
use casus::{Engine, EventKind, Level, LoadError, On, RuleSet, Scenario, ScenarioError, Sources, When};

pub use casus::cow::{CowState, cow_code_of, cow_state, cow_states, party_id};

use self::csv::Record;

/// The COW code that stands for Russia and the Soviet Union alike.
const COW_RUSSIA: u32 = 365;
/// The COW code that stands for Serbia and Yugoslavia alike.
const COW_SERBIA: u32 = 345;
/// The day the Federal Republic (COW 260) ends in COW's list: German unification, after which
/// Germany is COW 255 again.
const GERMAN_UNIFICATION: Date = Date::constant(1990, 10, 3);
/// The COW code of the Federal Republic of Germany.
const COW_FRG: u32 = 260;

/// One CSV export given as text, with the name its problems are reported under.
#[derive(Debug, Clone, Copy)]
pub struct CsvText<'a> {
    /// The file's name or path, as it should appear in the report and in the rule files.
    pub name: &'a str,
    /// Its contents.
    pub text: &'a str,
}

/// A row the importer skipped, or imported with a change, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, as named in [`CsvText::name`].
    pub file: String,
    /// The line the row starts on (1-based; the header is line 1).
    pub line: usize,
    /// What is wrong and what was done.
    pub message: String,
    /// Whether the row was left out (otherwise it was imported as the message says).
    pub skipped: bool,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.skipped { "row skipped" } else { "warning" };
        write!(f, "{}:{}: {what}: {}", self.file, self.line, self.message)
    }
}

/// One generated rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleText {
    /// Its path inside the rule-set folder, with `/` separators (`alliances/atop_3180.yaml`).
    pub path: String,
    /// Its YAML text.
    pub text: String,
}

/// Counts of what an import read and wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Alliance-level rows read (header excluded).
    pub alliance_rows: usize,
    /// Member-level rows read.
    pub member_rows: usize,
    /// Rows left out (see [`Import::problems`]).
    pub skipped_rows: usize,
    /// Treaties written (one per alliance with at least one member).
    pub treaties: usize,
    /// Clauses written.
    pub clauses: usize,
    /// Parties written.
    pub parties: usize,
}

/// The result of an import: the rule files and the report.
#[derive(Debug, Clone)]
pub struct Import {
    /// The rule files, sorted by path: `alliances/atop_<id>.yaml` (one per alliance),
    /// `facts.yaml`, `parties.yaml` and the manifest `ruleset.yaml`.
    pub files: Vec<RuleText>,
    /// Every row skipped or changed: the alliance-level file's by line, then the member-level
    /// file's.
    pub problems: Vec<Problem>,
    /// What was read and written.
    pub stats: Stats,
}

/// An export that cannot be imported at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum AtopError {
    /// The file has no header row.
    #[error("{file}: empty file, expected the ATOP {level}-level export with a header row")]
    Empty {
        /// The file.
        file: String,
        /// `alliance` or `member`.
        level: &'static str,
    },
    /// A column the import needs is missing from the header.
    #[error("{file}: no column `{column}`; is this the ATOP {level}-level export?")]
    MissingColumn {
        /// The file.
        file: String,
        /// The missing column.
        column: &'static str,
        /// `alliance` or `member`.
        level: &'static str,
    },
    /// Two columns of the header have the same name, so a row's value would be read from one
    /// and the other silently ignored.
    #[error("{file}:1: the column `{column}` appears twice (fields {first} and {second}); keep one")]
    DuplicateColumn {
        /// The file.
        file: String,
        /// The column's name.
        column: String,
        /// The 1-based position of its first appearance.
        first: usize,
        /// The 1-based position of its second appearance.
        second: usize,
    },
    /// The files have rows, yet not one pledge could be imported from them.
    #[error(
        "{file}: {rows} alliance rows read but no pledge imported ({skipped} rows skipped{first}); \
         is this the ATOP export, with its own columns and line ends?"
    )]
    NothingImported {
        /// The alliance-level file.
        file: String,
        /// Alliance-level rows read.
        rows: usize,
        /// Rows left out of either file.
        skipped: usize,
        /// The first problem found, as `; first: …`, or empty.
        first: String,
    },
    /// The file could not be read (missing, over the size limit, not UTF-8): the diagnostic,
    /// rendered with its file, line and column.
    #[error("{0}")]
    Read(String),
    /// More rows than [`Limits::max_csv_rows`](casus::Limits::max_csv_rows).
    #[error("{file}: more than {max} rows (max_csv_rows); split the file, or raise the limit if it is trusted")]
    TooManyRows {
        /// The file.
        file: String,
        /// The limit.
        max: usize,
    },
    /// A quoted field is never closed, so the rows after it cannot be told apart.
    #[error("{file}:{line}: a quoted field is never closed")]
    Unclosed {
        /// The file.
        file: String,
        /// The line where the record began.
        line: usize,
    },
}

// ---- reading the exports -----------------------------------------------------------------

const ALLIANCE_COLUMNS: [&str; 12] = [
    "atopid", "begyr", "begmo", "begday", "endyr", "endmo", "endday", "defense", "offense", "neutral", "nonagg",
    "consul",
];
const MEMBER_COLUMNS: [&str; 30] = [
    "atopid", "member", "yrent", "moent", "dayent", "yrexit", "moexit", "dayexit", "defense", "offense", "neutral",
    "nonagg", "consul", "defcoadv", "defcoloc", "defcocon", "defconum", "defcodem", "defconpr", "neucoadv", "neucoloc",
    "neucocon", "neuconum", "neucodem", "neuconpr", "neucoatt", "concoadv", "concoloc", "concocon", "concoreq",
];

struct Table<'a> {
    file: &'a str,
    cols: HashMap<String, usize>,
    width: usize,
    rows: Vec<Record<'a>>,
}

fn table<'a>(input: CsvText<'a>, level: &'static str, required: &[&'static str]) -> Result<Table<'a>, AtopError> {
    let (mut records, open) = csv::records(input.text);
    if let Some((line, _)) = open {
        return Err(AtopError::Unclosed {
            file: input.name.into(),
            line,
        });
    }
    if records.is_empty() {
        return Err(AtopError::Empty {
            file: input.name.into(),
            level,
        });
    }
    let header = records.remove(0);
    let mut cols: HashMap<String, usize> = HashMap::with_capacity(header.fields.len());
    for (i, h) in header.fields.iter().enumerate() {
        let name = h.trim().to_ascii_lowercase();
        if let Some(&first) = cols.get(&name) {
            return Err(AtopError::DuplicateColumn {
                file: input.name.into(),
                column: name,
                first: first + 1,
                second: i + 1,
            });
        }
        cols.insert(name, i);
    }
    for c in required {
        if !cols.contains_key(*c) {
            return Err(AtopError::MissingColumn {
                file: input.name.into(),
                column: c,
                level,
            });
        }
    }
    Ok(Table {
        file: input.name,
        cols,
        width: header.fields.len(),
        rows: records,
    })
}

/// Reads the fields of one row by column name.
struct Row<'t> {
    table: &'t Table<'t>,
    rec: &'t Record<'t>,
    notes: Vec<String>,
}

impl Row<'_> {
    fn raw(&self, col: &str) -> Option<&str> {
        let ix = self.table.cols.get(col)?;
        self.rec.fields.get(*ix).map(|s| s.trim())
    }

    /// An integer; `None` when the column is absent or the field is empty, `NA` or `.`.
    fn int(&self, col: &str) -> Result<Option<i64>, String> {
        let Some(s) = self.raw(col) else {
            return Ok(None);
        };
        if s.is_empty() || s.eq_ignore_ascii_case("na") || s == "." {
            return Ok(None);
        }
        if let Ok(v) = s.parse::<i64>() {
            return Ok(Some(v));
        }
        match s.parse::<f64>() {
            #[allow(clippy::cast_possible_truncation)]
            Ok(f) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(Some(f as i64)),
            _ => Err(format!("`{col}` is `{s}`, not a whole number")),
        }
    }

    /// A 0/1 flag; an empty field is taken as 0 and noted.
    fn flag(&mut self, col: &str) -> Result<bool, String> {
        match self.int(col)? {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            None => {
                if self.table.cols.contains_key(col) {
                    self.notes.push(format!("`{col}` is empty, taken as 0"));
                }
                Ok(false)
            }
            Some(v) => Err(format!("`{col}` is {v}, expected 0 or 1")),
        }
    }

    /// A COW code, 0 and empty meaning none.
    fn code(&self, col: &str) -> Result<Option<u32>, String> {
        match self.int(col)? {
            None | Some(0) => Ok(None),
            Some(v) => u32::try_from(v)
                .map(Some)
                .map_err(|_| format!("`{col}` is {v}, not a state code")),
        }
    }
}

/// Whether a date is the start of a period or its end (exclusive).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Edge {
    Start,
    End,
}

/// A date from ATOP's year, month and day columns. A day or month coded 0 (or empty) is
/// unknown: the period is taken to cover the whole month (or year) it names, so a start becomes
/// its first day and an end the first day after it. A year of 0 is no date: an error for a
/// start, "ongoing" for an end.
fn atop_date(y: Option<i64>, m: Option<i64>, d: Option<i64>, edge: Edge) -> Result<Option<(Date, bool)>, String> {
    let y = match y {
        None | Some(0) if edge == Edge::End => return Ok(None),
        None | Some(0) => return Err("no year".into()),
        Some(y) => y,
    };
    let y16 = i16::try_from(y)
        .ok()
        .filter(|y| (1000..=9998).contains(y))
        .ok_or_else(|| format!("year {y} out of range"))?;
    let m = m.unwrap_or(0);
    let d = d.unwrap_or(0);
    let m8 = i8::try_from(m)
        .ok()
        .filter(|m| (0..=12).contains(m))
        .ok_or_else(|| format!("month {m} out of range"))?;
    let d8 = i8::try_from(d)
        .ok()
        .filter(|d| (0..=31).contains(d))
        .ok_or_else(|| format!("day {d} out of range"))?;
    let date = |y: i16, m: i8, d: i8| Date::new(y, m, d).map_err(|_| format!("{y:04}-{m:02}-{d:02} is not a date"));
    let approx = m8 == 0 || d8 == 0;
    let out = match (m8, d8, edge) {
        (0, _, Edge::Start) => date(y16, 1, 1)?,
        (0, _, Edge::End) => date(y16 + 1, 1, 1)?,
        (m, 0, Edge::Start) => date(y16, m, 1)?,
        (12, 0, Edge::End) => date(y16 + 1, 1, 1)?,
        (m, 0, Edge::End) => date(y16, m + 1, 1)?,
        (m, d, _) => date(y16, m, d)?,
    };
    Ok(Some((out, approx)))
}

fn coded(y: Option<i64>, m: Option<i64>, d: Option<i64>) -> String {
    let part = |v: Option<i64>| v.map_or_else(|| "0".to_string(), |v| v.to_string());
    format!("{}-{}-{}", part(y), part(m), part(d))
}

/// The conditions attached to one obligation of one member.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Conds {
    adversary: bool,
    provocation: bool,
    location: bool,
    conflict: bool,
    number: bool,
    demand: bool,
    attacked: bool,
    request: bool,
}

/// The five obligations ATOP codes per member (defense, neutrality and consultation first, so
/// that their clauses keep their numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Kind {
    Defense,
    Neutrality,
    Consult,
    Offense,
    NonAggression,
}

impl Kind {
    /// Every kind, in the order of [`Member::conds`].
    const ALL: [Kind; 5] = [
        Kind::Defense,
        Kind::Neutrality,
        Kind::Consult,
        Kind::Offense,
        Kind::NonAggression,
    ];
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Defense => "def",
            Kind::Neutrality => "neu",
            Kind::Consult => "con",
            Kind::Offense => "off",
            Kind::NonAggression => "nonagg",
        }
    }

    fn flag(self) -> &'static str {
        match self {
            Kind::Defense => "defense",
            Kind::Neutrality => "neutral",
            Kind::Consult => "consul",
            Kind::Offense => "offense",
            Kind::NonAggression => "nonagg",
        }
    }

    fn clause(self) -> &'static str {
        match self {
            Kind::Defense => "defense",
            Kind::Neutrality => "neutrality",
            Kind::Consult => "consult",
            Kind::Offense => "offense",
            Kind::NonAggression => "non_aggression",
        }
    }

    /// Whether a member's row pledges this kind.
    fn pledged(self, f: &Flags) -> bool {
        match self {
            Kind::Defense => f.defense,
            Kind::Neutrality => f.neutral,
            Kind::Consult => f.consul,
            Kind::Offense => f.offense,
            Kind::NonAggression => f.nonagg,
        }
    }
}

/// The five obligation types ATOP codes, at alliance or member level.
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    defense: bool,
    offense: bool,
    neutral: bool,
    nonagg: bool,
    consul: bool,
}

impl Flags {
    fn read(row: &mut Row<'_>) -> Result<Flags, String> {
        Ok(Flags {
            defense: row.flag("defense")?,
            offense: row.flag("offense")?,
            neutral: row.flag("neutral")?,
            nonagg: row.flag("nonagg")?,
            consul: row.flag("consul")?,
        })
    }
}

struct Alliance {
    id: u32,
    line: usize,
    begin: Date,
    end: Option<Date>,
    approx: Vec<String>,
    flags: Flags,
    specthrt: Option<i64>,
    threats: Vec<u32>,
    asymm: Option<i64>,
    maxphase: Option<i64>,
    /// ATOP's `version` column, as `4.01`, when present.
    version: Option<String>,
}

struct Member {
    line: usize,
    state: &'static CowState,
    phase: i64,
    entry: Date,
    exit: Option<Date>,
    approx: Vec<String>,
    flags: Flags,
    conds: [Conds; 5],
    threats: Vec<u32>,
}

fn read_alliance(row: &mut Row<'_>) -> Result<Alliance, String> {
    let id = match row.int("atopid")? {
        Some(v) if v > 0 => u32::try_from(v).map_err(|_| format!("`atopid` {v} out of range"))?,
        Some(v) => return Err(format!("`atopid` is {v}")),
        None => return Err("no `atopid`".into()),
    };
    let (by, bm, bd) = (row.int("begyr")?, row.int("begmo")?, row.int("begday")?);
    let (ey, em, ed) = (row.int("endyr")?, row.int("endmo")?, row.int("endday")?);
    let mut approx = Vec::new();
    let (begin, a) = atop_date(by, bm, bd, Edge::Start)
        .map_err(|e| format!("begin date {}: {e}", coded(by, bm, bd)))?
        .ok_or("no begin date")?;
    if a {
        approx.push(format!("begin coded {} taken as {begin}", coded(by, bm, bd)));
    }
    let end = atop_date(ey, em, ed, Edge::End).map_err(|e| format!("end date {}: {e}", coded(ey, em, ed)))?;
    if let Some((e, true)) = end {
        approx.push(format!(
            "end coded {} taken as the whole period, ending before {e}",
            coded(ey, em, ed)
        ));
    }
    let end = end.map(|x| x.0);
    if end.is_some_and(|e| e <= begin) {
        return Err(format!("ends ({}) before it begins ({begin})", coded(ey, em, ed)));
    }
    let flags = Flags::read(row)?;
    let threats = [row.code("statthr1")?, row.code("statthr2")?]
        .into_iter()
        .flatten()
        .collect();
    Ok(Alliance {
        id,
        line: row.rec.line,
        begin,
        end,
        approx,
        flags,
        specthrt: row.int("specthrt").ok().flatten(),
        threats,
        asymm: row.int("asymm").ok().flatten(),
        maxphase: row.int("maxphase").ok().flatten(),
        version: row
            .raw("version")
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v > 0.0)
            .map(|v| format!("{v:.2}")),
    })
}

fn read_member(row: &mut Row<'_>, alliances: &BTreeMap<u32, Alliance>) -> Result<(u32, Member), String> {
    let id = match row.int("atopid")? {
        Some(v) => u32::try_from(v).map_err(|_| format!("`atopid` is {v}"))?,
        None => return Err("no `atopid`".into()),
    };
    let Some(alliance) = alliances.get(&id) else {
        return Err(format!("ATOP {id} has no (valid) alliance-level row"));
    };
    let code = row.code("member")?.ok_or("no `member` code")?;
    let state = cow_state(code).ok_or_else(|| format!("unknown state code {code} in `member`"))?;
    let (y, m, d) = (row.int("yrent")?, row.int("moent")?, row.int("dayent")?);
    let (xy, xm, xd) = (row.int("yrexit")?, row.int("moexit")?, row.int("dayexit")?);
    let mut approx = Vec::new();
    let (entry, a) = atop_date(y, m, d, Edge::Start)
        .map_err(|e| format!("entry date {}: {e}", coded(y, m, d)))?
        .ok_or("no entry date")?;
    if a {
        approx.push(format!("{} entry coded {} taken as {entry}", state.id, coded(y, m, d)));
    }
    let exit = atop_date(xy, xm, xd, Edge::End).map_err(|e| format!("exit date {}: {e}", coded(xy, xm, xd)))?;
    if let Some((e, true)) = exit {
        approx.push(format!(
            "{} exit coded {} taken as the whole period, a member until {e}",
            state.id,
            coded(xy, xm, xd)
        ));
    }
    let exit = exit.map(|x| x.0);
    if exit.is_some_and(|x| x <= entry) {
        return Err(format!("exit {} is not after entry {entry}", coded(xy, xm, xd)));
    }
    let flags = Flags::read(row)?;
    let mut conds = [Conds::default(); 5];
    for (c, kind) in conds.iter_mut().zip(Kind::ALL) {
        if kind == Kind::NonAggression {
            // ATOP codes no condition on non-aggression.
            continue;
        }
        let p = kind.prefix();
        c.adversary = row.flag(&format!("{p}coadv"))?;
        c.location = row.flag(&format!("{p}coloc"))?;
        c.conflict = row.flag(&format!("{p}cocon"))?;
        if kind != Kind::Consult {
            c.number = row.flag(&format!("{p}conum"))?;
            c.demand = row.flag(&format!("{p}codem"))?;
        }
        match kind {
            Kind::Neutrality => c.attacked = row.flag("neucoatt")?,
            Kind::Consult => c.request = row.flag("concoreq")?,
            Kind::Defense | Kind::Offense | Kind::NonAggression => {}
        }
        if matches!(kind, Kind::Defense | Kind::Neutrality) {
            // Offense has no non-provocation condition: the ally is the one that attacks.
            c.provocation = row.flag(&format!("{p}conpr"))?;
        }
    }
    let own: Vec<u32> = [row.code("statthr1")?, row.code("statthr2")?]
        .into_iter()
        .flatten()
        .collect();
    let threats = if own.is_empty() { alliance.threats.clone() } else { own };
    Ok((
        id,
        Member {
            line: row.rec.line,
            state,
            phase: row.int("phase").ok().flatten().unwrap_or(0),
            entry,
            exit,
            approx,
            flags,
            conds,
            threats,
        },
    ))
}

struct Reader {
    problems: Vec<Problem>,
    skipped: usize,
    file: String,
}

impl Reader {
    fn rows<'t, T>(
        &mut self,
        table: &'t Table<'t>,
        mut read: impl FnMut(&mut Row<'t>) -> Result<T, String>,
    ) -> Vec<(usize, T)> {
        self.file = table.file.to_string();
        let mut out = Vec::new();
        for rec in &table.rows {
            if rec.fields.len() != table.width {
                self.skip(
                    rec.line,
                    format!("{} fields, the header has {}", rec.fields.len(), table.width),
                );
                continue;
            }
            let mut row = Row {
                table,
                rec,
                notes: Vec::new(),
            };
            match read(&mut row) {
                Ok(v) => {
                    for n in row.notes {
                        self.warn(rec.line, n);
                    }
                    out.push((rec.line, v));
                }
                Err(e) => self.skip(rec.line, e),
            }
        }
        out
    }

    fn skip(&mut self, line: usize, message: String) {
        self.skipped += 1;
        self.problems.push(Problem {
            file: self.file.clone(),
            line,
            message,
            skipped: true,
        });
    }

    fn warn(&mut self, line: usize, message: String) {
        self.problems.push(Problem {
            file: self.file.clone(),
            line,
            message,
            skipped: false,
        });
    }
}

/// Reads an ATOP export from disk within the limits: at most `max_file_bytes` are read (a
/// device such as `/dev/zero` is not read without end), and text that is not UTF-8 is an
/// error at its line and column.
///
/// # Errors
///
/// [`AtopError::Read`] when the file is missing, too large or not UTF-8.
pub fn read_export(path: &std::path::Path, limits: &casus::Limits) -> Result<String, AtopError> {
    limits
        .read_text(path)
        .map(|t| t.to_string())
        .map_err(|d| AtopError::Read(d.render().trim_end().to_string()))
}

/// As [`import`], refusing files with more rows than `limits.max_csv_rows` before any work.
///
/// # Errors
///
/// As [`import`], and [`AtopError::TooManyRows`].
pub fn import_with(alliances: CsvText<'_>, members: CsvText<'_>, limits: &casus::Limits) -> Result<Import, AtopError> {
    for f in [&alliances, &members] {
        // A row takes at least one line break: counting them bounds the rows before parsing.
        if f.text.bytes().filter(|&b| b == b'\n' || b == b'\r').count() > limits.max_csv_rows.saturating_add(1) {
            return Err(AtopError::TooManyRows {
                file: f.name.to_string(),
                max: limits.max_csv_rows,
            });
        }
    }
    import(alliances, members)
}

/// Imports the alliance-level and member-level exports of ATOP into a Casus rule set.
///
/// Rows that cannot be read (a wrong number of fields, a value that is not a number, an unknown
/// state code, an impossible date, a member row whose alliance has no valid row) are left out
/// and reported with their file and line; everything else is imported. Fails only when a file
/// cannot be read as an ATOP export at all (no header, a missing column).
///
/// # Errors
///
/// [`AtopError`] when a file cannot be read as an ATOP export at all (no header, a missing
/// column); rows that are wrong one by one are reported in the [`Import`], not as an error.
pub fn import(alliances: CsvText<'_>, members: CsvText<'_>) -> Result<Import, AtopError> {
    let at = table(alliances, "alliance", &ALLIANCE_COLUMNS)?;
    let mt = table(members, "member", &MEMBER_COLUMNS)?;
    let mut reader = Reader {
        problems: Vec::new(),
        skipped: 0,
        file: at.file.to_string(),
    };
    let mut by_id: BTreeMap<u32, Alliance> = BTreeMap::new();
    for (line, a) in reader.rows(&at, read_alliance) {
        if let Some(first) = by_id.get(&a.id) {
            let msg = format!("ATOP {} appears again (first on line {})", a.id, first.line);
            reader.skip(line, msg);
            continue;
        }
        by_id.insert(a.id, a);
    }
    let mut rows: BTreeMap<u32, Vec<Member>> = BTreeMap::new();
    for (_, (id, m)) in reader.rows(&mt, |r| read_member(r, &by_id)) {
        rows.entry(id).or_default().push(m);
    }
    let mut files = Vec::new();
    let mut used: BTreeMap<&'static str, BTreeSet<u32>> = BTreeMap::new();
    let mut stats = Stats {
        alliance_rows: at.rows.len(),
        member_rows: mt.rows.len(),
        ..Stats::default()
    };
    let names = Names {
        alliances: file_name(at.file),
        members: file_name(mt.file),
    };
    reader.file = at.file.to_string();
    for (id, a) in &by_id {
        let Some(ms) = rows.get(id) else {
            reader.skip(
                a.line,
                format!("ATOP {id} has no (valid) member-level row; not imported"),
            );
            continue;
        };
        let (text, clauses, warnings) = treaty_yaml(a, ms, &names, &mut used);
        for w in warnings {
            reader.warn(a.line, w);
        }
        stats.treaties += 1;
        stats.clauses += clauses;
        files.push(RuleText {
            path: format!("alliances/atop_{id:04}.yaml"),
            text,
        });
    }
    stats.parties = used.len();
    stats.skipped_rows = reader.skipped;
    if stats.clauses == 0 && stats.alliance_rows > 0 {
        return Err(AtopError::NothingImported {
            file: at.file.into(),
            rows: stats.alliance_rows,
            skipped: reader.skipped,
            first: reader
                .problems
                .first()
                .map(|p| format!("; first: {p}"))
                .unwrap_or_default(),
        });
    }
    files.push(RuleText {
        path: "parties.yaml".into(),
        text: parties_yaml(&used, &code_spans(&rows), &names),
    });
    files.push(RuleText {
        path: "facts.yaml".into(),
        text: facts_yaml(),
    });
    files.push(RuleText {
        path: "ruleset.yaml".into(),
        text: manifest_yaml(&names, &stats),
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut problems = reader.problems;
    problems.sort_by_key(|p| (p.file != at.file, p.line));
    Ok(Import { files, problems, stats })
}

impl Import {
    /// Loads the generated files as a rule set, in memory, exactly as `casus --rules DIR` would
    /// read them from the folder the CLI writes.
    ///
    /// # Errors
    ///
    /// [`LoadError`] when the generated files do not load, a bug in the importer.
    pub fn rule_set(&self) -> Result<RuleSet, LoadError> {
        let mut sources = Sources::in_memory();
        for f in &self.files {
            sources.insert(&f.path, f.text.as_str());
        }
        RuleSet::load_with_sources(&[PathBuf::from(".")], &casus::Limits::default(), &sources)
    }
}

// ---- reading pledges back -------------------------------------------------------------------

/// One directed defense pledge: `obligor` is bound to defend `target` under `clause` of
/// `treaty`, definitely or contingent on `depends_on`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pledge {
    /// The defended party.
    pub target: String,
    /// The party bound to defend it.
    pub obligor: String,
    /// The treaty (`atop_<atopid>`).
    pub treaty: String,
    /// The clause (`defense_<n>`).
    pub clause: String,
    /// Definite, or contingent on what the scenario leaves open.
    pub status: casus::Status,
    /// What a contingent pledge waits on (`attacker`, `provoked`, `atop_location_condition`, …).
    pub depends_on: Vec<String>,
}

/// Every directed defense pledge of an imported ATOP rule set on a day, through evaluation:
/// [`defenders`] of every state. Sorted by target, obligor, treaty and clause.
///
/// ```
/// # let alliances = "atopid,begyr,begmo,begday,endyr,endmo,endday,defense,offense,neutral,nonagg,consul\n1,1900,1,1,0,0,0,1,0,0,0,0\n";
/// # let members = "atopid,member,yrent,moent,dayent,yrexit,moexit,dayexit,defense,offense,neutral,nonagg,consul,defcoadv,defcoloc,defcocon,defconum,defcodem,defconpr,neucoadv,neucoloc,neucocon,neuconum,neucodem,neuconpr,neucoatt,concoadv,concoloc,concocon,concoreq\n1,200,1900,1,1,0,0,0,1,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0\n1,220,1900,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n";
/// # let import = casus_atop::import(casus_atop::CsvText { name: "a", text: alliances }, casus_atop::CsvText { name: "m", text: members })?;
/// let engine = import.rule_set()?.compile()?;
/// let pledges = casus_atop::defense_pledges(&engine, &casus::When::parse("1950-01-01")?)?;
/// assert_eq!(pledges.len(), 1);
/// assert_eq!((pledges[0].obligor.as_str(), pledges[0].target.as_str()), ("GBR", "FRA"));
/// assert_eq!(pledges[0].depends_on, vec!["provoked"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`ScenarioError`] when a party of the rule set cannot be evaluated as a target, as
/// [`defenders`].
pub fn defense_pledges(engine: &Engine, on: &When) -> Result<Vec<Pledge>, ScenarioError> {
    let mut out = Vec::new();
    let mut hits = Vec::new();
    let places = place_ids(engine);
    for party in engine.parties().iter().filter(|p| p.kind == PartyKind::State) {
        defenders_into(engine, &places, &party.id, on, &mut hits, &mut out)?;
    }
    out.sort();
    Ok(out)
}

/// Who is bound to defend `target` on a day, through evaluation: an armed attack on its
/// territory by an attacker left unknown, with every fact open; a pledge is an obligation at
/// `assist` or above from the `defense_*` clause of an `atop_*` treaty, definite or contingent
/// on what it waits on. Uses the verdict-only path ([`Engine::hits`]). Sorted by obligor,
/// treaty and clause.
///
/// # Errors
///
/// [`ScenarioError`] when `target` names no party of the rule set.
pub fn defenders(engine: &Engine, target: &str, on: &When) -> Result<Vec<Pledge>, ScenarioError> {
    let mut out = Vec::new();
    defenders_into(engine, &place_ids(engine), target, on, &mut Vec::new(), &mut out)?;
    out.sort();
    Ok(out)
}

/// The ids of the rule set's places: a target that is one is attacked on its territory.
fn place_ids(engine: &Engine) -> HashSet<String> {
    engine.places().into_iter().map(|p| p.id).collect()
}

fn defenders_into(
    engine: &Engine,
    places: &HashSet<String>,
    target: &str,
    on: &When,
    hits: &mut Vec<casus::Hit>,
    out: &mut Vec<Pledge>,
) -> Result<(), ScenarioError> {
    let mut s = Scenario::new(*on, EventKind::ArmedAttack, target);
    if places.contains(target) {
        s.location = Some(target.to_string());
        s.on = Some(On::Territory);
    }
    let prepared = engine.prepare(&s)?;
    engine.hits(&prepared, hits);
    for h in hits.iter() {
        if h.level.rank() < Level::Assist.rank() {
            continue;
        }
        let Some((treaty, clause)) = engine.clause_ids_of(h.clause) else {
            continue;
        };
        if !(treaty.starts_with("atop_") && clause.starts_with("defense_")) {
            continue;
        }
        // A hit's party is an index the engine made, so it always names a party.
        let Some(obligor) = engine.party_id_of(h.party) else {
            continue;
        };
        out.push(Pledge {
            target: target.to_string(),
            obligor: obligor.to_string(),
            treaty: treaty.to_string(),
            clause: clause.to_string(),
            status: h.status,
            depends_on: h.depends_on(engine),
        });
    }
    Ok(())
}

// ---- writing the rule files ----------------------------------------------------------------

struct Names {
    alliances: String,
    members: String,
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
        .to_string()
}

/// A YAML double-quoted scalar (JSON string syntax, which YAML accepts).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The fact an uncertain-direction pledge waits on.
const OWED: &str = "atop_owed_to_target";

const FACTS: [(&str, &str); 6] = [
    (
        OWED,
        "The pledging member is bound toward the attacked member. ATOP codes the alliance as asymmetric (asymm = 1) and its member-level rows say which members pledged, not toward whom, so the importer keeps the pledge but leaves its direction open (docs/atop.md, \"Direction of pledges\"). One fact for every ATOP treaty: stating it true takes every such pledge as owed.",
    ),
    (
        "atop_specific_adversary",
        "The attacker is the specific adversary the treaty names, where ATOP codes that a pledge is limited to a specific adversary without naming it as a state for that pledge: a defense pledge (defcoadv = 1) of an alliance with no threat state (statthr1, statthr2), or a neutrality or consultation pledge (neucoadv, concoadv = 1; ATOP's threat states belong to the defense pledge). One fact for every ATOP treaty: stating it in a scenario states it for all of them.",
    ),
    (
        "atop_location_condition",
        "The attack happened in the location the treaty limits the pledge to (ATOP defcoloc, neucoloc or concoloc = 1; ATOP does not code which location). One fact for every ATOP treaty: stating it in a scenario states it for all of them.",
    ),
    (
        "atop_specific_conflict",
        "The attack is part of the specific conflict the treaty limits the pledge to (ATOP defcocon, neucocon or concocon = 1; ATOP does not code which conflict). One fact for every ATOP treaty.",
    ),
    (
        "atop_number_of_attackers",
        "The number of attackers meets the condition the treaty sets (ATOP defconum or neuconum = 1, e.g. an attack by two or more powers; ATOP does not code the number). One fact for every ATOP treaty.",
    ),
    (
        "atop_demand_not_met",
        "The attacker (or the state the treaty names) has not complied with the demand the treaty specifies (ATOP defcodem or neucodem = 1). One fact for every ATOP treaty.",
    ),
];

fn header(out: &mut String, what: &str, names: &Names) {
    let _ = writeln!(
        out,
        "# Generated by `casus import atop` from {} and {}: {what}.\n# Regenerate rather than edit; the mapping is documented in docs/atop.md of Casus.\n",
        names.alliances, names.members
    );
}

fn facts_yaml() -> String {
    let mut out = String::from(
        "# Generated by `casus import atop`: the conditions ATOP codes without spelling them out.\n\nfacts:\n",
    );
    for (id, d) in FACTS {
        let _ = writeln!(out, "  - id: {id}\n    description: {}", q(d));
    }
    out
}

/// The span of the member rows of each (party id, COW code): the earliest entry and the latest
/// exit (`None` when a row is ongoing).
type Spans = BTreeMap<(&'static str, u32), Span>;
/// A first day and an end (exclusive; `None` when open).
type Span = (Date, Option<Date>);

fn code_spans(rows: &BTreeMap<u32, Vec<Member>>) -> Spans {
    let mut spans: Spans = BTreeMap::new();
    for m in rows.values().flatten() {
        for (id, f, t) in split(m.state, m.entry, m.exit) {
            let slot = spans.entry((id, m.state.code)).or_insert((f, t));
            slot.0 = slot.0.min(f);
            slot.1 = match (slot.1, t) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            };
            if m.state.code == COW_FRG {
                // A row of the FRG that ATOP leaves open past unification is Germany's (255) then.
                slot.1 = Some(slot.1.map_or(GERMAN_UNIFICATION, |e| e.min(GERMAN_UNIFICATION)));
            }
        }
    }
    spans
}

/// The `cow:` entries of a party: one code unbounded; several (COW 255 and 260, both `DEU`)
/// each over the span of its member rows, narrowest first, the last unbounded so that every
/// day has a code.
fn cow_yaml(id: &'static str, codes: &BTreeSet<u32>, spans: &Spans) -> String {
    let mut by_span: Vec<(u32, Option<Span>)> = codes.iter().map(|c| (*c, spans.get(&(id, *c)).copied())).collect();
    by_span.sort_by_key(|(c, s)| (s.is_none(), s.is_some_and(|s| s.1.is_none()), s.map(|s| s.0), *c));
    let last = by_span.len().saturating_sub(1);
    let entries: Vec<String> = by_span
        .iter()
        .enumerate()
        .map(|(i, (code, span))| match span {
            Some((f, Some(t))) if i < last => format!("{{code: {code}, from: {f}, before: {t}}}"),
            Some((f, None)) if i < last => format!("{{code: {code}, from: {f}}}"),
            _ => format!("{{code: {code}}}"),
        })
        .collect();
    entries.join(", ")
}

fn parties_yaml(used: &BTreeMap<&'static str, BTreeSet<u32>>, spans: &Spans, names: &Names) -> String {
    let mut out = String::new();
    header(&mut out, "every state that appears as a member or a threat", names);
    out.push_str("parties:\n");
    for (id, codes) in used {
        let states: Vec<&CowState> = codes.iter().filter_map(|c| cow_state(*c)).collect();
        let name = match *id {
            "SUN" => "Soviet Union",
            "RUS" => "Russia",
            "DEU" => "Germany",
            "SRB" => "Serbia",
            "YUG" => "Yugoslavia",
            _ => states.first().map_or(*id, |s| s.name),
        };
        let mut note = states
            .iter()
            .map(|s| format!("COW {} ({}, {})", s.code, s.abbrev, s.name))
            .collect::<Vec<_>>()
            .join(" and ");
        note.push_str(&period_note(id));
        if states.iter().all(|s| s.iso3.is_none()) {
            note.push_str("; no ISO 3166 code, so the id is made from the COW abbreviation");
        }
        let _ = writeln!(
            out,
            "  - id: {id}\n    name: {}\n    cow: [{}]\n    note: {}",
            q(name),
            cow_yaml(id, codes, spans),
            q(&note)
        );
    }
    out
}

/// What the note of a party that shares its COW code with another says of the periods
/// ([`periods_of`]): Russia and the Soviet Union, Serbia and Yugoslavia; empty for any other.
fn period_note(id: &str) -> String {
    let code = if matches!(id, "SUN" | "RUS") {
        COW_RUSSIA
    } else {
        COW_SERBIA
    };
    let Some((_, from, to)) = periods_of(code) else {
        return String::new();
    };
    match id {
        "SUN" => format!(" from {from} up to {to}; COW does not tell Russia and the Soviet Union apart"),
        "RUS" => format!(" before {from} and from {to}; the Soviet Union in between is SUN"),
        "YUG" => format!(" from {from} up to {to}; COW does not tell Serbia and Yugoslavia apart"),
        "SRB" => format!(" before {from} and from {to}: Serbia; Yugoslavia in between is YUG"),
        _ => String::new(),
    }
}

fn manifest_yaml(names: &Names, stats: &Stats) -> String {
    let mut out = String::new();
    header(&mut out, "the manifest", names);
    let _ = writeln!(out, "name: {}", q("ATOP alliances (imported)"));
    let description = format!(
        "The written military alliances coded by ATOP (Alliance Treaty Obligations and Provisions; Leeds, Ritter, Mitchell and Long 2002; atopdata.org), imported from {} and {}: {} treaties, {} clauses, {} parties. A world of its own: states are identified by ISO 3166-1 alpha-3 where one exists, else COW_ and the Correlates of War abbreviation; it does not extend the shipped rules/. Cite ATOP when publishing results derived from it.",
        names.alliances, names.members, stats.treaties, stats.clauses, stats.parties
    );
    let _ = writeln!(out, "description: {}", q(&description));
    out
}

/// One group of members that owe the same obligation over the same period under the same
/// conditions: one clause.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    kind: Kind,
    from: Date,
    to: Option<Date>,
    phase: i64,
    conds: Conds,
    threats: Vec<&'static str>,
    /// The members the pledge is owed to; empty means every other member.
    toward: Vec<&'static str>,
    /// Whether ATOP leaves open that the pledge is owed to those members (see [`Direction`]).
    uncertain: bool,
}

/// Who a pledging member is bound toward, from what ATOP codes (docs/atop.md, "Direction of
/// pledges").
#[derive(Debug, Clone, PartialEq, Eq)]
enum Direction {
    /// Every other member: the alliance is symmetric (`asymm` = 0), bilateral, or has at most
    /// one pledging member, so the member rows leave no doubt.
    Mutual,
    /// A guarantee pact (Locarno): in an asymmetric alliance where every member pledges defense
    /// or non-aggression and some pledge both, the members that promise non-aggression (the
    /// codes here) are the guaranteed states and the others their guarantors. A guarantor is
    /// bound toward the guaranteed states; a guaranteed state toward the other guaranteed
    /// states, of uncertain direction; nobody toward a guarantor.
    Guarantee(BTreeSet<u32>),
    /// An asymmetric alliance of three or more members with two or more pledging members that
    /// fits no rule above: the member rows say who pledged, not to whom, so every pledge is kept
    /// but of uncertain direction.
    Uncertain,
}

/// The direction rule of one alliance, from its `asymm` code and its member rows.
fn direction(a: &Alliance, ms: &[Member]) -> Direction {
    let members: BTreeSet<u32> = ms.iter().map(|m| m.state.code).collect();
    let pledging: BTreeSet<u32> = ms.iter().filter(|m| m.flags.defense).map(|m| m.state.code).collect();
    if a.asymm != Some(1) || members.len() <= 2 || pledging.len() < 2 {
        return Direction::Mutual;
    }
    let guaranteed: BTreeSet<u32> = ms.iter().filter(|m| m.flags.nonagg).map(|m| m.state.code).collect();
    let guarantors: BTreeSet<u32> = pledging.difference(&guaranteed).copied().collect();
    let covered = guaranteed.union(&pledging).count() == members.len();
    if !guaranteed.is_empty() && !guarantors.is_empty() && covered && guaranteed.iter().any(|g| pledging.contains(g)) {
        return Direction::Guarantee(guaranteed);
    }
    Direction::Uncertain
}

/// The party ids of the members with these codes, over their membership (COW 365 by period).
fn member_ids(ms: &[Member], codes: &BTreeSet<u32>) -> Vec<&'static str> {
    let mut ids = BTreeSet::new();
    for m in ms.iter().filter(|m| codes.contains(&m.state.code)) {
        for (id, _, _) in split(m.state, m.entry, m.exit) {
            ids.insert(id);
        }
    }
    ids.into_iter().collect()
}

struct Group {
    obligated: BTreeSet<&'static str>,
    rows: Vec<(usize, &'static str)>,
    threat_codes: BTreeSet<u32>,
}

fn threat_ids(codes: &[u32], from: Date, to: Option<Date>) -> (Vec<&'static str>, Vec<u32>) {
    let mut ids = BTreeSet::new();
    let mut unknown = Vec::new();
    for c in codes {
        match cow_state(*c) {
            Some(s) => {
                // A threat is a filter on the attacker over the whole period: for COW 365
                // both names it had during the period count.
                for (id, _, _) in split(s, from, to) {
                    ids.insert(id);
                }
            }
            None => unknown.push(*c),
        }
    }
    (ids.into_iter().collect(), unknown)
}

fn conditions_of(kind: Kind, c: &Conds) -> Vec<&'static str> {
    let p = kind.prefix();
    let mut v = Vec::new();
    let all = [
        (c.adversary, "coadv"),
        (c.location, "coloc"),
        (c.conflict, "cocon"),
        (c.number, "conum"),
        (c.demand, "codem"),
        (c.provocation, "conpr"),
        (c.attacked, "coatt"),
        (c.request, "coreq"),
    ];
    for (on, suffix) in all {
        if on {
            v.push(match (p, suffix) {
                ("def", "coadv") => "defcoadv",
                ("def", "coloc") => "defcoloc",
                ("def", "cocon") => "defcocon",
                ("def", "conum") => "defconum",
                ("def", "codem") => "defcodem",
                ("def", "conpr") => "defconpr",
                ("neu", "coadv") => "neucoadv",
                ("neu", "coloc") => "neucoloc",
                ("neu", "cocon") => "neucocon",
                ("neu", "conum") => "neuconum",
                ("neu", "codem") => "neucodem",
                ("neu", "conpr") => "neuconpr",
                ("neu", "coatt") => "neucoatt",
                ("con", "coadv") => "concoadv",
                ("con", "coloc") => "concoloc",
                ("con", "cocon") => "concocon",
                ("con", "coreq") => "concoreq",
                ("off", "coadv") => "offcoadv",
                ("off", "coloc") => "offcoloc",
                ("off", "cocon") => "offcocon",
                ("off", "conum") => "offconum",
                ("off", "codem") => "offcodem",
                _ => "",
            });
        }
    }
    v.retain(|s| !s.is_empty());
    v
}

fn threat_names(ids: &[&str]) -> String {
    ids.join(", ")
}

/// The treaty file of one alliance; returns its text, its number of clauses and warnings.
fn treaty_yaml(
    a: &Alliance,
    ms: &[Member],
    names: &Names,
    used: &mut BTreeMap<&'static str, BTreeSet<u32>>,
) -> (String, usize, Vec<String>) {
    let mut warnings = Vec::new();
    let periods = member_periods(ms, used);
    let (in_force, terminated) = treaty_span(a, ms, &mut warnings);
    let groups = obligation_groups(a, ms, used, &mut warnings);
    let mut out = String::new();
    treaty_head(&mut out, a, ms, names, &periods, (in_force, terminated));
    let mut counters: BTreeMap<Kind, usize> = BTreeMap::new();
    if !groups.is_empty() {
        out.push_str("    clauses:\n");
    }
    for (key, g) in &groups {
        let n = counters.entry(key.kind).or_default();
        *n += 1;
        clause_yaml(&mut out, a, key, g, *n, names);
    }
    (out, groups.len(), warnings)
}

/// Membership periods per party id, merged where they meet or overlap (a state that became
/// several parties over time counts for each); records the COW codes behind each id in `used`.
fn member_periods(
    ms: &[Member],
    used: &mut BTreeMap<&'static str, BTreeSet<u32>>,
) -> BTreeMap<&'static str, Vec<(Date, Option<Date>)>> {
    let mut periods: BTreeMap<&'static str, Vec<(Date, Option<Date>)>> = BTreeMap::new();
    for m in ms {
        for (id, f, t) in split(m.state, m.entry, m.exit) {
            periods.entry(id).or_default().push((f, t));
            used.entry(id).or_default().insert(m.state.code);
        }
    }
    for v in periods.values_mut() {
        v.sort();
        let mut merged: Vec<(Date, Option<Date>)> = Vec::new();
        for (f, t) in v.drain(..) {
            match merged.last_mut() {
                Some(last) if last.1.is_none_or(|e| f <= e) => {
                    last.1 = match (last.1, t) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                }
                _ => merged.push((f, t)),
            }
        }
        *v = merged;
    }
    periods
}

/// When the treaty is in force: from the alliance's beginning or its first member's entry,
/// whichever is earlier, until its end or its last member's exit (`None`: ongoing), with a
/// warning where the two disagree.
fn treaty_span(a: &Alliance, ms: &[Member], warnings: &mut Vec<String>) -> (Date, Option<Date>) {
    let first_entry = ms.iter().map(|m| m.entry).min().unwrap_or(a.begin);
    let in_force = a.begin.min(first_entry);
    if first_entry < a.begin {
        warnings.push(format!(
            "a member enters on {first_entry}, before the alliance begins ({}); the treaty is in force from {first_entry}",
            a.begin
        ));
    }
    let ongoing = ms.iter().any(|m| m.exit.is_none());
    let last_exit = ms.iter().filter_map(|m| m.exit).max();
    let terminated = match (a.end, ongoing) {
        (None, _) => None,
        (Some(e), true) => {
            warnings.push(format!(
                "the alliance ends on {e} but a member has no exit date; the treaty is taken as ongoing"
            ));
            None
        }
        (Some(e), false) => {
            let last = last_exit.map_or(e, |x| x.max(e));
            if last > e {
                warnings.push(format!(
                    "a member leaves on {last}, after the alliance ends ({e}); the treaty ends on {last}"
                ));
            }
            Some(last)
        }
    };
    (in_force, terminated)
}

/// The obligation groups of an alliance: members whose pledges share kind, period, phase,
/// conditions, threat states and direction become one clause.
fn obligation_groups(
    a: &Alliance,
    ms: &[Member],
    used: &mut BTreeMap<&'static str, BTreeSet<u32>>,
    warnings: &mut Vec<String>,
) -> BTreeMap<Key, Group> {
    let plan = direction(a, ms);
    let mut groups: BTreeMap<Key, Group> = BTreeMap::new();
    for m in ms {
        let (toward, uncertain) = match &plan {
            Direction::Mutual => (Vec::new(), false),
            Direction::Uncertain => (Vec::new(), true),
            Direction::Guarantee(g) => (member_ids(ms, g), g.contains(&m.state.code)),
        };
        for (i, kind) in Kind::ALL.into_iter().enumerate() {
            if !kind.pledged(&m.flags) {
                continue;
            }
            // In a guarantee pact the guaranteed states promise non-aggression to each other,
            // which the rows do say: that pledge is not of uncertain direction.
            let uncertain = uncertain && !(kind == Kind::NonAggression && matches!(plan, Direction::Guarantee(_)));
            let conds = m.conds.get(i).copied().unwrap_or_default();
            // ATOP codes its threat states once per alliance; they describe the adversary of
            // the defense pledge (defcoadv). A neutrality or consultation pledge limited to a
            // specific adversary may name another one (the Dual Alliance: defense against
            // Russia, neutrality against anyone else), so those wait on a fact instead.
            let (threats, codes) = if conds.adversary && kind == Kind::Defense {
                let (ids, unknown) = threat_ids(&m.threats, m.entry, m.exit);
                if !unknown.is_empty() {
                    warnings.push(format!(
                        "unknown threat state code(s) {unknown:?}; the adversary condition of {} is the fact atop_specific_adversary",
                        m.state.id
                    ));
                    (Vec::new(), Vec::new())
                } else {
                    (ids, m.threats.clone())
                }
            } else {
                (Vec::new(), Vec::new())
            };
            for c in &codes {
                if let Some(s) = cow_state(*c) {
                    for (id, _, _) in split(s, m.entry, m.exit) {
                        used.entry(id).or_default().insert(s.code);
                    }
                }
            }
            let key = Key {
                kind,
                from: m.entry,
                to: m.exit,
                phase: m.phase,
                conds,
                threats,
                toward: toward.clone(),
                uncertain,
            };
            let g = groups.entry(key).or_insert_with(|| Group {
                obligated: BTreeSet::new(),
                rows: Vec::new(),
                threat_codes: BTreeSet::new(),
            });
            for (id, _, _) in split(m.state, m.entry, m.exit) {
                g.obligated.insert(id);
            }
            g.rows.push((m.line, m.state.id));
            g.threat_codes.extend(codes);
        }
    }
    groups
}

/// The head of a treaty file: the header, the treaty's name, period, source, note and parties.
fn treaty_head(
    out: &mut String,
    a: &Alliance,
    ms: &[Member],
    names: &Names,
    periods: &BTreeMap<&'static str, Vec<(Date, Option<Date>)>>,
    (in_force, terminated): (Date, Option<Date>),
) {
    header(out, &format!("ATOP {}", a.id), names);
    let ids: Vec<&str> = periods.keys().copied().collect();
    let shown: Vec<&str> = ids.iter().take(6).copied().collect();
    let mut who = shown.join(", ");
    if ids.len() > shown.len() {
        let _ = write!(who, " and {} more", ids.len() - shown.len());
    }
    let span = match terminated {
        Some(t) => format!("{in_force} to {t}"),
        None => format!("from {in_force}"),
    };
    let _ = writeln!(out, "treaties:\n  - id: atop_{}", a.id);
    let _ = writeln!(out, "    name: {}", q(&format!("ATOP {}: {who} ({span})", a.id)));
    let _ = writeln!(out, "    in_force: {in_force}");
    if let Some(t) = terminated {
        let _ = writeln!(out, "    terminated: {t}");
    }
    let mut lines: Vec<usize> = ms.iter().map(|m| m.line).collect();
    lines.sort_unstable();
    let source = format!(
        "ATOP{} (Leeds, Ritter, Mitchell and Long 2002, atopdata.org), alliance {}: {} line {}; {} {} {}.",
        a.version.as_ref().map_or_else(String::new, |v| format!(" version {v}")),
        a.id,
        names.alliances,
        a.line,
        names.members,
        if lines.len() == 1 { "line" } else { "lines" },
        line_ranges(&lines)
    );
    let _ = writeln!(out, "    source: {}", q(&source));
    let _ = writeln!(out, "    note: {}", q(&treaty_note(a, ms, terminated.is_none())));
    out.push_str("    parties:\n");
    for (id, ps) in periods {
        for (f, t) in ps {
            match t {
                Some(t) => {
                    let _ = writeln!(out, "      - {{party: {id}, joined: {f}, left: {t}}}");
                }
                None => {
                    let _ = writeln!(out, "      - {{party: {id}, joined: {f}}}");
                }
            }
        }
    }
}

fn line_ranges(lines: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(&start) = lines.get(i) {
        let mut end = start;
        while lines.get(i + 1) == Some(&(end + 1)) {
            end += 1;
            i += 1;
        }
        parts.push(if end == start {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(", ")
}

fn treaty_note(a: &Alliance, ms: &[Member], ongoing: bool) -> String {
    let yes = |b: bool| if b { "1" } else { "0" };
    let mut s = format!(
        "ATOP codes (alliance level): defense {}, offense {}, neutrality {}, non-aggression {}, consultation {}",
        yes(a.flags.defense),
        yes(a.flags.offense),
        yes(a.flags.neutral),
        yes(a.flags.nonagg),
        yes(a.flags.consul)
    );
    if let Some(x) = a.asymm {
        let _ = write!(s, "; asymmetric obligations {x}");
    }
    match a.maxphase {
        Some(x) if x > 0 => {
            let _ = write!(s, "; {x} phases");
        }
        Some(_) => s.push_str("; one phase"),
        None => {}
    }
    if let Some(x) = a.specthrt {
        let _ = write!(s, "; specific threat (specthrt) {x}");
        let (ids, _) = threat_ids(&a.threats, a.begin, a.end);
        if !ids.is_empty() {
            let _ = write!(s, " naming {}", threat_names(&ids));
        }
    }
    s.push_str(". ");
    let who = |pick: fn(&Flags) -> bool| -> Vec<&str> {
        let set: BTreeSet<&str> = ms.iter().filter(|m| pick(&m.flags)).map(|m| m.state.id).collect();
        set.into_iter().collect()
    };
    let offense = who(|f| f.offense);
    let nonagg = who(|f| f.nonagg);
    s.push_str(
        "Offense (a promise to join an ally's war that the ally starts) and non-aggression are clauses of their own (offense_*, non_aggression_*): ",
    );
    if offense.is_empty() {
        s.push_str("no member promises offensive support; ");
    } else {
        let _ = write!(
            s,
            "offensive support promised by {} (in at least one phase); ",
            offense.join(", ")
        );
    }
    if nonagg.is_empty() {
        s.push_str("no member promises non-aggression. ");
    } else {
        let _ = write!(
            s,
            "non-aggression promised by {} (in at least one phase). ",
            nonagg.join(", ")
        );
    }
    s.push_str(
        "Members are bound from their entry day up to, not including, their exit day (ATOP's phases meet on that day).",
    );
    let approx: Vec<&String> = a.approx.iter().chain(ms.iter().flat_map(|m| m.approx.iter())).collect();
    if !approx.is_empty() {
        let list: Vec<&str> = approx.iter().map(|x| x.as_str()).collect();
        let _ = write!(s, " Day or month coded 0 (unknown): {}.", list.join("; "));
    }
    if ongoing {
        s.push_str(" ATOP codes the alliance as ongoing at the end of its data (2018): no end date, so dates after 2018 extrapolate.");
    }
    s
}

/// What the clause's summary says about who the pledge is owed to.
fn direction_summary(key: &Key) -> String {
    match (key.toward.is_empty(), key.uncertain) {
        (true, false) => String::new(),
        (false, false) => format!(
            " Owed only to {}: the alliance is an asymmetric guarantee (asymm = 1) in which these members promise non-aggression and the obligated members do not, so the obligated members are the guarantors.",
            key.toward.join(", ")
        ),
        (false, true) => format!(
            " Direction uncertain: the alliance is an asymmetric guarantee (asymm = 1) and ATOP does not say whether a guaranteed member ({}) is bound toward the others; the pledge waits on the fact {OWED}.",
            key.toward.join(", ")
        ),
        (true, true) => format!(
            " Direction uncertain: ATOP codes the alliance as asymmetric (asymm = 1) and its member rows say which members pledged, not toward whom; the pledge waits on the fact {OWED}."
        ),
    }
}

/// One clause of a treaty file. (Over 100 lines: one branch per condition ATOP codes, each
/// writing its summary phrase and its trigger line, kept side by side so they cannot drift.)
/// The default reading of a pledge with several circumstances: any one suffices.
const ALTERNATIVE: &str = "atop_conditions_alternative";
/// The other reading: every circumstance at once.
const CUMULATIVE: &str = "atop_conditions_cumulative";

/// The circumstances a pledge is limited to, as conditions (one YAML flow item each): the
/// adversary (the threat states or the fact), the location, the conflict, the number of
/// attackers, the demand. Non-provocation and request are not circumstances: they qualify
/// every one.
fn circumstance_tests(kind: Kind, key: &Key) -> Vec<String> {
    let mut v = Vec::new();
    if key.conds.adversary {
        if key.threats.is_empty() || kind == Kind::Offense {
            v.push("fact: atop_specific_adversary".to_string());
        } else {
            v.push(format!("attacker: {{is: [{}]}}", key.threats.join(", ")));
        }
    }
    for (on, fact) in [
        (key.conds.location, "atop_location_condition"),
        (key.conds.conflict, "atop_specific_conflict"),
        (key.conds.number, "atop_number_of_attackers"),
        (key.conds.demand, "atop_demand_not_met"),
    ] {
        if on {
            v.push(format!("fact: {fact}"));
        }
    }
    v
}

/// One clause of a treaty file: the `n`th of its kind, for one obligation group.
fn clause_yaml(out: &mut String, a: &Alliance, key: &Key, g: &Group, n: usize, names: &Names) {
    let kind = key.kind;
    let vars = conditions_of(kind, &key.conds);
    let mut cited = vec![kind.flag()];
    cited.extend(vars.iter().copied());
    let phase = if key.phase > 0 {
        format!(" phase {}", key.phase)
    } else {
        String::new()
    };
    let period = match key.to {
        Some(t) => format!("{} to {t}", key.from),
        None => format!("from {}", key.from),
    };
    let citation = format!("ATOP {}{phase}: {} ({period})", a.id, cited.join(", "));
    let summary = clause_summary(key);
    let _ = writeln!(out, "      - id: {}_{n}", kind.clause());
    let _ = writeln!(out, "        citation: {}", q(&citation));
    let _ = writeln!(out, "        summary: {}", q(&summary));
    let beneficiary = trigger_yaml(out, key);
    obligation_yaml(out, key, g, beneficiary, names);
}

/// The summary of a clause: what the pledge promises, to whom, and the conditions ATOP codes.
fn clause_summary(key: &Key) -> String {
    let kind = key.kind;
    let mut summary = String::from(match kind {
        Kind::Defense => {
            "Each obligated member promises active military support to another member that is attacked (ATOP defense = 1). ATOP does not grade that support beyond \"active military support\", so the level is assist with armed force allowed, not a stronger one."
        }
        Kind::Neutrality => {
            "Each obligated member promises to stay neutral, giving no aid to the attacker, when another member is attacked (ATOP neutral = 1)."
        }
        Kind::Consult => {
            "Each obligated member promises to consult another member in a crisis that threatens it (ATOP consul = 1); any event that can be such a crisis counts."
        }
        Kind::Offense => {
            "Each obligated member promises active military support to another member in a war that member starts: owed toward the attacker when another member attacks (ATOP offense = 1). Graded like defense: assist with armed force allowed."
        }
        Kind::NonAggression => {
            "Each obligated member promises not to attack another member (ATOP nonagg = 1): owed toward any member that is attacked or threatened, at non_aggression (it must not be the attacker itself). ATOP codes no condition on it."
        }
    });
    let conds = condition_words(key);
    summary.push_str(&direction_summary(key));
    if conds.is_empty() {
        summary.push_str(" ATOP codes no condition on it.");
    } else {
        let _ = write!(summary, " Conditions ATOP codes: {}.", conds.join("; "));
    }
    if circumstance_tests(kind, key).len() > 1 {
        let _ = write!(
            summary,
            " The circumstances (adversary, location, conflict, number, demand) are read as alternatives: any one of them suffices (reading {ALTERNATIVE}; the reading {CUMULATIVE} requires them all)."
        );
    }
    summary
}

/// The conditions ATOP codes on a pledge, in words, each with the variable and the fact it
/// becomes.
fn condition_words(key: &Key) -> Vec<String> {
    let kind = key.kind;
    let p = kind.prefix();
    let mut conds: Vec<String> = Vec::new();
    if key.conds.adversary {
        if key.threats.is_empty() && kind == Kind::Defense {
            conds.push(format!(
                "only against the specific adversary the treaty names, which ATOP does not code as a state ({p}coadv): the fact atop_specific_adversary"
            ));
        } else if key.threats.is_empty() {
            conds.push(format!(
                "only against the specific adversary the treaty names ({p}coadv; ATOP's threat states belong to the defense pledge, not to this one): the fact atop_specific_adversary"
            ));
        } else {
            conds.push(format!(
                "only against {} ({p}coadv with ATOP's threat states)",
                threat_names(&key.threats)
            ));
        }
    }
    if key.conds.provocation {
        conds.push(format!(
            "only if the attacked member did not provoke the attack ({p}conpr): not the fact provoked"
        ));
    }
    if key.conds.location {
        conds.push(format!(
            "only in the location the treaty specifies ({p}coloc): the fact atop_location_condition"
        ));
    }
    if key.conds.conflict {
        conds.push(format!(
            "only in the specific conflict the treaty names ({p}cocon): the fact atop_specific_conflict"
        ));
    }
    if key.conds.number {
        conds.push(format!(
            "only with the number of attackers the treaty specifies ({p}conum): the fact atop_number_of_attackers"
        ));
    }
    if key.conds.demand {
        conds.push(format!(
            "only if a demand the treaty specifies is not complied with ({p}codem): the fact atop_demand_not_met"
        ));
    }
    if key.conds.attacked {
        conds.push(
            "only if the member is attacked rather than attacking (neucoatt), which the armed attack on the member that triggers the clause already means"
                .into(),
        );
    }
    if key.conds.request {
        conds.push("only on the request of a member (concoreq): the built-in fact requested".into());
    }
    conds
}

/// The trigger of a clause, with the cumulative reading when several circumstances are
/// alternatives; returns the role the pledge is owed toward (`target` or `attacker`).
fn trigger_yaml(out: &mut String, key: &Key) -> &'static str {
    let kind = key.kind;
    // The conditions every reading shares, the circumstances, and the qualifiers.
    let mut items: Vec<String> = vec![match kind {
        Kind::Consult | Kind::NonAggression => {
            "event: [armed_attack, cyber_attack, hybrid_attack, threat, mobilization]".to_string()
        }
        Kind::Defense | Kind::Neutrality | Kind::Offense => "event: armed_attack".to_string(),
    }];
    // Offense is owed to the member that attacks; every other pledge to the member attacked.
    let beneficiary = if kind == Kind::Offense { "attacker" } else { "target" };
    items.push(format!("{beneficiary}: treaty_party"));
    if !key.toward.is_empty() {
        items.push(format!("{beneficiary}: {{is: [{}]}}", key.toward.join(", ")));
    }
    if key.uncertain {
        items.push(format!("fact: {OWED}"));
    }
    items.push(match key.to {
        Some(t) => format!("date: {{from: {}, before: {t}}}", key.from),
        None => format!("date: {{from: {}}}", key.from),
    });
    let circumstances = circumstance_tests(kind, key);
    let mut qualifiers = Vec::new();
    if key.conds.provocation {
        qualifiers.push("not: {fact: provoked}".to_string());
    }
    if key.conds.request {
        qualifiers.push("fact: requested".to_string());
    }
    out.push_str("        trigger:\n          all:\n");
    for i in &items {
        let _ = writeln!(out, "            - {i}");
    }
    if circumstances.len() > 1 {
        // Several circumstances on one pledge are alternatives (docs/atop.md, "Conditions").
        out.push_str("            - any:\n");
        for c in &circumstances {
            let _ = writeln!(out, "                - {c}");
        }
    } else {
        for c in &circumstances {
            let _ = writeln!(out, "            - {c}");
        }
    }
    for c in &qualifiers {
        let _ = writeln!(out, "            - {c}");
    }
    if circumstances.len() > 1 {
        let _ = writeln!(
            out,
            "        reading:\n          id: {ALTERNATIVE}\n          basis: {}",
            q(
                "ATOP flags each circumstance of a pledge separately (adversary, location, conflict, number of attackers, demand); where a treaty names several, they are read as separate cases of the casus foederis (the Triple Alliance: an attack by France, Art. II, or by two or more Great Powers, Art. III), so any one of them suffices. Non-provocation and a request qualify every case and stay required."
            )
        );
        let _ = writeln!(
            out,
            "        readings:\n          - id: {CUMULATIVE}\n            basis: {}\n            trigger:\n              all:",
            q(
                "Every circumstance ATOP codes on the pledge is required at once: the pledge holds only when all of them are met."
            )
        );
        for c in items.iter().chain(&circumstances).chain(&qualifiers) {
            let _ = writeln!(out, "                - {c}");
        }
    }
    beneficiary
}

/// The obligation of a clause and its note (the member file's rows and the threat states).
fn obligation_yaml(out: &mut String, key: &Key, g: &Group, beneficiary: &str, names: &Names) {
    let kind = key.kind;
    out.push_str("        obligations:\n");
    let level = match kind {
        Kind::Defense | Kind::Offense => "assist",
        Kind::Neutrality => "neutrality",
        Kind::Consult => "consult",
        Kind::NonAggression => "non_aggression",
    };
    let obligated: Vec<&str> = g.obligated.iter().copied().collect();
    let _ = writeln!(
        out,
        "          - level: {level}\n            obligated: [{}]\n            toward: {beneficiary}",
        obligated.join(", ")
    );
    match kind {
        Kind::Defense | Kind::Offense => out.push_str("            forms: {allowed: [armed_force]}\n"),
        Kind::Consult => out.push_str("            forms: {required: [consultation]}\n"),
        Kind::Neutrality | Kind::NonAggression => {}
    }
    let rows: Vec<String> = g.rows.iter().map(|(l, id)| format!("{l} ({id})")).collect();
    let mut note = format!(
        "From {} line{} {}",
        names.members,
        if rows.len() == 1 { "" } else { "s" },
        rows.join(", ")
    );
    if !g.threat_codes.is_empty() {
        let codes: Vec<String> = g.threat_codes.iter().map(u32::to_string).collect();
        let _ = write!(note, "; threat states (statthr1, statthr2) COW {}", codes.join(", "));
    }
    note.push('.');
    let _ = writeln!(out, "        note: {}", q(&note));
}
