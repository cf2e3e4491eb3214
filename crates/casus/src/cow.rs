//! The Correlates of War (COW) state list with the Casus party id of every state: the codes a
//! panel writes (`obligor_cow`) for a rule set whose parties carry no `cow:` data, and the
//! codes the ATOP importer (the `casus-atop` crate) turns into party ids. Data compiled into the
//! crate from `cow-country-codes.csv` of the ATOP 4.0 data folder.

mod states;

use jiff::civil::Date;

/// One Correlates of War state code with the Casus party id it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CowState {
    /// The numeric COW code (ATOP's `member`, `statthr1`, `statthr2`).
    pub code: u32,
    /// The COW abbreviation (`UKG`, `BAV`).
    pub abbrev: &'static str,
    /// The state's name as the COW list gives it.
    pub name: &'static str,
    /// ISO 3166-1 alpha-3 (or the ISO 3166-3 former code for DDR, CSK, YUG) where one exists.
    pub iso3: Option<&'static str>,
    /// The party id: `iso3`, else `COW_` and the abbreviation (`ATOP_ANM` for ATOP's own 8152).
    pub id: &'static str,
}

/// The Correlates of War state codes known to Casus, with their party ids: data
/// compiled into the crate from the `cow-country-codes.csv` of the ATOP 4.0 data folder.
///
/// ```
/// let uk = casus::cow::cow_states().iter().find(|s| s.code == 200).unwrap();
/// assert_eq!((uk.abbrev, uk.id), ("UKG", "GBR"));
/// ```
#[must_use]
pub fn cow_states() -> &'static [CowState] {
    states::STATES
}

/// The state with this COW code, if the table knows it.
#[must_use]
pub fn cow_state(code: u32) -> Option<&'static CowState> {
    states::STATES.iter().find(|s| s.code == code)
}

/// First day on which COW 365 is the Soviet Union (`SUN`): the Union Treaty of 1922-12-30.
const SOVIET_UNION_FROM: Date = Date::constant(1922, 12, 30);
/// First day on which COW 365 is Russia (`RUS`) again: the Soviet Union dissolved on 1991-12-26.
const SOVIET_UNION_TO: Date = Date::constant(1991, 12, 26);
/// The COW code that stands for Russia and the Soviet Union alike.
const COW_RUSSIA: u32 = 365;
/// First day on which COW 345 is Yugoslavia (`YUG`): the Kingdom of the Serbs, Croats and
/// Slovenes proclaimed on 1918-12-01; before it COW 345 is Serbia (`SRB`).
const YUGOSLAVIA_FROM: Date = Date::constant(1918, 12, 1);
/// First day on which COW 345 is Serbia (`SRB`) again: Serbia continued the state union's
/// membership on 2006-06-05, after Montenegro's independence.
const YUGOSLAVIA_TO: Date = Date::constant(2006, 6, 5);
/// The COW code that stands for Serbia and Yugoslavia alike.
const COW_SERBIA: u32 = 345;

/// The ids a COW code that names two states by period takes, `[before, between, after]`, with
/// the first day of the middle one and the first day after it: COW 365 is Russia, the Soviet
/// Union from 1922-12-30 up to 1991-12-26, then Russia again; COW 345 is Serbia, Yugoslavia
/// from 1918-12-01 up to 2006-06-05, then Serbia again. `None` for every other code.
///
/// ```
/// use jiff::civil::date;
/// let (ids, from, to) = casus::cow::periods_of(365).unwrap();
/// assert_eq!((ids, from, to), (["RUS", "SUN", "RUS"], date(1922, 12, 30), date(1991, 12, 26)));
/// assert_eq!(casus::cow::periods_of(200), None);
/// ```
#[must_use]
pub fn periods_of(code: u32) -> Option<([&'static str; 3], Date, Date)> {
    match code {
        COW_RUSSIA => Some((["RUS", "SUN", "RUS"], SOVIET_UNION_FROM, SOVIET_UNION_TO)),
        COW_SERBIA => Some((["SRB", "YUG", "SRB"], YUGOSLAVIA_FROM, YUGOSLAVIA_TO)),
        _ => None,
    }
}

/// The party id of a COW state on a day: the table's id, except that COW 365 is `SUN` from
/// 1922-12-30 up to 1991-12-26 and `RUS` otherwise, and COW 345 is `YUG` from 1918-12-01 up
/// to 2006-06-05 and Serbia (`SRB`) otherwise ([`periods_of`]).
///
/// ```
/// use jiff::civil::date;
/// use casus::cow::party_id;
/// assert_eq!(party_id(365, date(1950, 1, 1)), Some("SUN"));
/// assert_eq!(party_id(365, date(1991, 12, 26)), Some("RUS"));
/// assert_eq!(party_id(260, date(1960, 1, 1)), Some("DEU"));
/// assert_eq!(party_id(245, date(1850, 1, 1)), Some("COW_BAV"));
/// assert_eq!(party_id(345, date(1912, 1, 1)), Some("SRB"));
/// assert_eq!(party_id(345, date(1950, 1, 1)), Some("YUG"));
/// assert_eq!(party_id(345, date(2010, 1, 1)), Some("SRB"));
/// assert_eq!(party_id(1, date(1850, 1, 1)), None);
/// ```
#[must_use]
pub fn party_id(code: u32, on: Date) -> Option<&'static str> {
    if let Some(([before, between, after], from, to)) = periods_of(code) {
        return Some(if on < from {
            before
        } else if on < to {
            between
        } else {
            after
        });
    }
    cow_state(code).map(|s| s.id)
}

/// The Correlates of War code of a party id on a day, for a rule set whose parties carry no
/// `cow:` data (the shipped library): the code whose id ([`party_id`]) is `id` on that day.
/// `DEU` is the Federal Republic (260) from 1955-05-05 up to 1990-10-03 and Germany (255)
/// otherwise; without a day, the first code. `None` for an id no COW state has.
///
/// ```
/// use jiff::civil::date;
/// use casus::cow::cow_code_of;
/// assert_eq!(cow_code_of("GBR", Some(date(2000, 1, 1))), Some(200));
/// assert_eq!(cow_code_of("DEU", Some(date(1980, 1, 1))), Some(260));
/// assert_eq!(cow_code_of("DEU", Some(date(2000, 1, 1))), Some(255));
/// assert_eq!(cow_code_of("RUS", Some(date(1950, 1, 1))), None);
/// assert_eq!(cow_code_of("SUN", Some(date(1950, 1, 1))), Some(365));
/// assert_eq!(cow_code_of("NATO", None), None);
/// ```
#[must_use]
pub fn cow_code_of(id: &str, on: Option<Date>) -> Option<u32> {
    if id == "DEU" {
        let frg = on.is_some_and(|d| d >= jiff::civil::date(1955, 5, 5) && d < jiff::civil::date(1990, 10, 3));
        return Some(if frg { 260 } else { 255 });
    }
    let mut codes = states::STATES
        .iter()
        .filter(|s| match on {
            Some(d) => party_id(s.code, d) == Some(id),
            None => s.id == id || periods_of(s.code).is_some_and(|(ids, _, _)| ids.contains(&id)),
        })
        .map(|s| s.code);
    codes.next()
}

/// The ids a COW state has over `[from, to)` (`to` `None`: open), each with its sub-period;
/// only COW 365 and 345 have more than one ([`periods_of`]).
///
/// ```
/// use jiff::civil::date;
/// let russia = casus::cow::cow_state(365).unwrap();
/// let ids = casus::cow::ids_over(russia, date(1900, 1, 1), Some(date(1950, 1, 1)));
/// assert_eq!(ids, vec![("RUS", date(1900, 1, 1), Some(date(1922, 12, 30))), ("SUN", date(1922, 12, 30), Some(date(1950, 1, 1)))]);
/// ```
#[must_use]
pub fn ids_over(state: &CowState, from: Date, to: Option<Date>) -> Vec<(&'static str, Date, Option<Date>)> {
    let Some(([before, between, after], s, e)) = periods_of(state.code) else {
        return vec![(state.id, from, to)];
    };
    let mut out = Vec::new();
    let segments = [
        (before, None, Some(s)),
        (between, Some(s), Some(e)),
        (after, Some(e), None),
    ];
    for (id, s, e) in segments {
        let a = s.map_or(from, |s| s.max(from));
        let b = match (e, to) {
            (Some(e), Some(t)) => Some(e.min(t)),
            (Some(e), None) => Some(e),
            (None, t) => t,
        };
        if b.is_none_or(|b| a < b) {
            out.push((id, a, b));
        }
    }
    out
}
