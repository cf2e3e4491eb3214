//! Dates and instants, and three-valued comparison between them.
//!
//! Sources give most dates as days, a few as instants (Sweden became a NATO party on the
//! deposit of its instrument, just before 17:30 CET on 7 March 2024). A scenario may likewise
//! give a day or an instant. When a boundary is an instant and the scenario gives only the
//! day of that instant, whether the boundary has passed is *unknown*: the answer waits on the
//! time of day, and the engine says so instead of guessing.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::err::WhenError;
use crate::truth::Truth;

/// A day, or an instant where the hour matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum When {
    /// A whole civil day.
    Day(Date),
    /// An instant (RFC 3339 with an offset); its day is taken in UTC.
    Instant(Timestamp),
}

impl When {
    /// The civil day (UTC for instants).
    #[must_use]
    pub fn day(&self) -> Date {
        match self {
            When::Day(d) => *d,
            When::Instant(t) => jiff::tz::Offset::UTC.to_datetime(*t).date(),
        }
    }

    /// Parses `YYYY-MM-DD` or an RFC 3339 date-time.
    ///
    /// ```
    /// use casus::When;
    /// assert!(matches!(When::parse("2024-03-07"), Ok(When::Day(_))));
    /// assert!(matches!(When::parse("2024-03-07T17:30:00+01:00"), Ok(When::Instant(_))));
    /// assert!(When::parse("2024-13-07").is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`WhenError`] when the text is neither a valid calendar day nor an RFC 3339 date-time
    /// (with an offset between -24:00 and +24:00).
    pub fn parse(s: &str) -> Result<When, WhenError> {
        let s = s.trim();
        if s.len() <= 10 {
            s.parse::<Date>().map(When::Day).map_err(|e| WhenError::Date {
                text: s.to_string(),
                reason: e.to_string(),
            })
        } else {
            if stated_offset(s).is_some_and(|o| o.abs() > 24 * 3600) {
                return Err(WhenError::Offset { text: s.to_string() });
            }
            s.parse::<Timestamp>()
                .map(When::Instant)
                .map_err(|e| WhenError::DateTime {
                    text: s.to_string(),
                    reason: e.to_string(),
                })
        }
    }

    /// Whether `self` (a scenario time) is at or after `boundary`: true, false, or unknown
    /// when the boundary is an instant on the very day `self` names.
    #[must_use]
    #[inline]
    pub fn at_or_after(&self, boundary: &When) -> Truth {
        match (self, boundary) {
            (When::Day(a), When::Day(b)) => Truth::from(a >= b),
            (When::Instant(a), When::Instant(b)) => Truth::from(a >= b),
            (When::Instant(_), When::Day(b)) => Truth::from(self.day() >= *b),
            (When::Day(a), When::Instant(_)) => {
                let b = boundary.day();
                if *a > b {
                    Truth::True
                } else if *a < b {
                    Truth::False
                } else {
                    Truth::Unknown
                }
            }
        }
    }

    /// Whether `self` lies in `[from, to)`, open ends meaning forever.
    #[must_use]
    #[inline]
    pub fn within(&self, from: Option<&When>, to: Option<&When>) -> Truth {
        let after = from.map_or(Truth::True, |f| self.at_or_after(f));
        let before = to.map_or(Truth::True, |t| self.at_or_after(t).not());
        after.and(before)
    }

    /// A sortable key (seconds since the epoch at the start of the day, UTC).
    #[must_use]
    ///
    /// Defined for every date the format accepts (years -9999 to 9999), also those whose
    /// midnight lies outside the range of instants, so that dates at the edges order as the
    /// calendar does.
    pub fn sort_key(&self) -> i64 {
        match self {
            When::Day(d) => epoch_day(*d) * 86_400,
            When::Instant(t) => t.as_second(),
        }
    }
}

/// Days from 1970-01-01 to `d` in the proleptic Gregorian calendar (negative before), by the
/// civil-from-days arithmetic of the calendar itself: no range limit but the year's.
fn epoch_day(d: Date) -> i64 {
    let (m, day) = (i64::from(d.month()), i64::from(d.day()));
    let y = i64::from(d.year()) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let day_of_year = (153 * ((m + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The UTC offset an RFC 3339 date-time states, in seconds (0 for `Z`); `None` when the text
/// has none that can be read.
fn stated_offset(s: &str) -> Option<i32> {
    if s.ends_with(['Z', 'z']) {
        return Some(0);
    }
    let time = s.get(s.find(['T', 't', ' '])?..)?;
    let at = time.rfind(['+', '-'])?;
    let sign = if time.get(at..=at)? == "-" { -1 } else { 1 };
    let mut parts = time.get(at + 1..)?.split(':').map(str::parse::<i32>);
    let hours = parts.next()?.ok()?;
    let minutes = parts.next().unwrap_or(Ok(0)).ok()?;
    Some(sign * (hours * 3600 + minutes * 60))
}

/// A key that orders civil days as the days do: year, month and day packed into one integer
/// (not a day count: cheap to make, and only compared).
#[must_use]
pub(crate) fn day_key(d: Date) -> i32 {
    i32::from(d.year()) * 512 + i32::from(d.month()) * 32 + i32::from(d.day())
}

/// A boundary of a date window (`from`, `to`) as a day key; `open` stands for a missing
/// boundary (`i32::MIN` for a start, `i32::MAX` for an end). `None` when the boundary is an
/// instant: only [`When::within`] can compare a day with it (the answer may be unknown).
#[must_use]
pub(crate) fn day_bound(w: Option<&When>, open: i32) -> Option<i32> {
    match w {
        None => Some(open),
        Some(When::Day(d)) => Some(day_key(*d)),
        Some(When::Instant(_)) => None,
    }
}

/// The day with key `k` lies in the window from day key `from` up to, not including, `to`:
/// [`When::within`] for a day and day boundaries, as two integer comparisons.
#[must_use]
pub(crate) fn in_days(k: i32, from: i32, to: i32) -> bool {
    from <= k && k < to
}

impl fmt::Display for When {
    /// `YYYY-MM-DD`, or an RFC 3339 instant in UTC, padded and aligned as the format asks.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            When::Day(d) => f.pad(&d.to_string()),
            When::Instant(t) => f.pad(&t.to_string()),
        }
    }
}

impl std::str::FromStr for When {
    type Err = WhenError;
    /// As [`When::parse`].
    fn from_str(s: &str) -> Result<When, WhenError> {
        When::parse(s)
    }
}

/// A `When` in a binary format (the compiled rule set): numbers, not text, so that loading
/// parses no date. Human-readable formats (JSON, YAML) keep the text.
#[derive(Serialize, Deserialize)]
enum CompactWhen {
    Day(i16, i8, i8),
    Instant(i64, i32),
}

impl Serialize for When {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return s.collect_str(self);
        }
        match self {
            When::Day(d) => CompactWhen::Day(d.year(), d.month(), d.day()),
            When::Instant(t) => CompactWhen::Instant(t.as_second(), t.subsec_nanosecond()),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for When {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if !d.is_human_readable() {
            return match CompactWhen::deserialize(d)? {
                CompactWhen::Day(y, m, day) => Date::new(y, m, day).map(When::Day),
                CompactWhen::Instant(secs, nanos) => Timestamp::new(secs, nanos).map(When::Instant),
            }
            .map_err(serde::de::Error::custom);
        }
        let s = String::deserialize(d)?;
        When::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> When {
        When::parse(s).unwrap_or(When::Day(Date::constant(1900, 1, 1)))
    }

    fn check(at: &str, boundary: &str, expected: Truth) {
        assert_eq!(w(at).at_or_after(&w(boundary)), expected, "{at} >= {boundary}");
    }

    /// Defect 5 of the second hostile round: a date whose midnight lies beyond the range of
    /// instants sorted before every other date, so `terminated: 9999-12-31` was refused and a
    /// validity read "9999-12-31 to 1949-08-24".
    #[test]
    fn dates_order_as_the_calendar_over_the_whole_range() {
        for (a, b) in [
            ("1949-08-24", "9999-12-31"),
            ("0000-01-01", "0001-01-01"),
            ("0000-01-01", "1970-01-01"),
            ("9999-12-30", "9999-12-31"),
            ("9999-12-30T12:00:00Z", "9999-12-31"),
            ("1969-12-31", "1970-01-01T00:00:00Z"),
        ] {
            assert!(w(a).sort_key() < w(b).sort_key(), "{a} < {b}");
        }
        // The arithmetic agrees with the calendar library wherever the library can count.
        let mut d = Date::constant(-2000, 1, 1);
        while d < Date::constant(2400, 1, 1) {
            let ts = jiff::tz::Offset::UTC.to_timestamp(d.to_datetime(jiff::civil::Time::midnight()));
            assert_eq!(ts.map(|t| t.as_second()).ok(), Some(When::Day(d).sort_key()), "{d}");
            d = d.checked_add(jiff::Span::new().days(37)).unwrap_or(Date::MAX);
        }
    }

    #[test]
    fn offsets_beyond_a_day_are_refused() {
        for (text, ok) in [
            ("2024-03-07T17:30:00+01:00", true),
            ("2024-03-07T17:30:00Z", true),
            ("2024-03-07T17:30:00-23:59", true),
            ("2024-03-07T17:30:00+25:00", false),
            ("2024-03-07T17:30:00-24:30", false),
        ] {
            assert_eq!(When::parse(text).is_ok(), ok, "{text}: {:?}", When::parse(text));
        }
        assert!(
            When::parse("2024-03-07T17:30:00+25:00")
                .unwrap_err()
                .to_string()
                .contains("-24:00 and +24:00")
        );
    }

    #[test]
    fn comparisons() {
        check("2024-03-06", "2024-03-07", Truth::False);
        check("2024-03-07", "2024-03-07", Truth::True);
        check("2024-03-08", "2024-03-07", Truth::True);
        check("2024-03-06", "2024-03-07T17:30:00+01:00", Truth::False);
        check("2024-03-07", "2024-03-07T17:30:00+01:00", Truth::Unknown);
        check("2024-03-08", "2024-03-07T17:30:00+01:00", Truth::True);
        check("2024-03-07T16:00:00+01:00", "2024-03-07T17:30:00+01:00", Truth::False);
        check("2024-03-07T18:00:00+01:00", "2024-03-07T17:30:00+01:00", Truth::True);
        check("2024-03-07T00:30:00+00:00", "2024-03-07", Truth::True);
    }

    #[test]
    fn window() {
        let d = w("2000-01-01");
        assert_eq!(d.within(Some(&w("1999-01-01")), Some(&w("2000-01-01"))), Truth::False);
        assert_eq!(d.within(Some(&w("2000-01-01")), None), Truth::True);
        assert_eq!(d.within(None, Some(&w("2000-01-02"))), Truth::True);
    }

    /// The integer form of a window agrees with `When::within` on every day around its
    /// boundaries, across years and months, open ends included.
    #[test]
    fn day_keys_answer_as_within_does() {
        let days = [
            "1899-12-31",
            "1900-01-01",
            "1949-08-23",
            "1949-08-24",
            "1949-08-25",
            "1999-12-31",
            "2000-01-01",
            "2000-02-29",
            "2000-03-01",
            "2024-03-06",
            "2024-03-07",
            "2024-03-08",
        ];
        let bounds: Vec<Option<When>> = std::iter::once(None).chain(days.iter().map(|d| Some(w(d)))).collect();
        for at in days {
            let (d, k) = (w(at), day_key(w(at).day()));
            for from in &bounds {
                for to in &bounds {
                    let (Some(a), Some(b)) = (day_bound(from.as_ref(), i32::MIN), day_bound(to.as_ref(), i32::MAX))
                    else {
                        panic!("a day boundary without a key");
                    };
                    let expected = d.within(from.as_ref(), to.as_ref()) == Truth::True;
                    assert_eq!(in_days(k, a, b), expected, "{at} in {from:?}..{to:?}");
                }
            }
        }
        assert_eq!(day_bound(Some(&w("2024-03-07T17:30:00+01:00")), 0), None);
    }

    #[test]
    fn rejects_bad_dates() {
        assert!(When::parse("2024-02-30").is_err());
        assert!(When::parse("yesterday").is_err());
        assert!(When::parse("2024-03-07T25:00:00Z").is_err());
    }
}
