//! Obligation levels (pinned names: other programs read them).

use serde::{Deserialize, Serialize};

/// How strongly a party is bound.
///
/// The five response levels are ordered, weakest first: `consult` < `diplomatic` < `assist` <
/// `all_means` < `military`. `neutrality` (must not aid the attacker) stands apart: it is not
/// weaker or stronger than the others and can conflict with them. `non_aggression` (must not
/// itself attack the party; an addition to the pinned names) stands apart likewise.
///
/// So `Level` is `PartialOrd` only, not `Ord`: two response levels compare by strength, a level
/// equals itself, and any other pair is incomparable (`partial_cmp` gives `None`, and `<`, `>`,
/// `<=`, `>=` are all false). For sorting and map keys use [`Level::rank`], a total order that
/// is not a strength; for the strongest of some levels use [`strongest_level`].
///
/// ```
/// use casus::Level;
/// use std::cmp::Ordering;
/// assert_eq!(Level::Neutrality.partial_cmp(&Level::Consult), None);
/// assert_eq!(Level::NonAggression.partial_cmp(&Level::Neutrality), None);
/// assert_eq!(Level::Neutrality.partial_cmp(&Level::Neutrality), Some(Ordering::Equal));
/// assert!(!(Level::Neutrality < Level::Assist));
/// assert!(!(Level::Neutrality >= Level::Assist));
/// assert!(Level::Consult < Level::Assist);
/// assert!(Level::AllMeans < Level::Military);
/// assert_eq!(Level::Assist.as_str(), "assist");
/// assert_eq!(Level::parse("all_means"), Some(Level::AllMeans));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Level {
    /// Must not attack the party itself (a promise of non-aggression, ATOP's `nonagg`).
    NonAggression,
    /// Must not aid the attacker (benevolent or strict neutrality).
    Neutrality,
    /// Must consult.
    Consult,
    /// Must act diplomatically: seek Security Council action, démarches, sanctions.
    Diplomatic,
    /// Must take the action it deems necessary; armed force allowed, not required.
    Assist,
    /// Must aid by all the means in its power; the form is left to it.
    AllMeans,
    /// Owes military assistance, with all its forces.
    Military,
}

impl Level {
    /// Every level, the two that stand apart first (non-aggression, neutrality), then weakest to
    /// strongest.
    pub const ALL: [Level; 7] = [
        Level::NonAggression,
        Level::Neutrality,
        Level::Consult,
        Level::Diplomatic,
        Level::Assist,
        Level::AllMeans,
        Level::Military,
    ];

    /// The pinned lower-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Level::NonAggression => "non_aggression",
            Level::Neutrality => "neutrality",
            Level::Consult => "consult",
            Level::Diplomatic => "diplomatic",
            Level::Assist => "assist",
            Level::AllMeans => "all_means",
            Level::Military => "military",
        }
    }

    /// Parses a pinned name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The declaration order (non-aggression 0, neutrality 1, consult 2, … military 6), for
    /// sorting and keys, not a strength: neutrality's rank below consult's does not make it
    /// weaker. Compare strengths with `<`/`partial_cmp`, which leave the two that stand apart
    /// incomparable.
    ///
    /// ```
    /// use casus::Level;
    /// assert!(Level::Neutrality.rank() < Level::Consult.rank());
    /// assert_eq!(Level::Military.rank(), 6);
    /// ```
    #[must_use]
    pub fn rank(self) -> u8 {
        match self {
            Level::NonAggression => 0,
            Level::Neutrality => 1,
            Level::Consult => 2,
            Level::Diplomatic => 3,
            Level::Assist => 4,
            Level::AllMeans => 5,
            Level::Military => 6,
        }
    }

    /// Whether this is one of the ordered response levels (not neutrality or non-aggression).
    #[must_use]
    pub fn is_response(self) -> bool {
        !matches!(self, Level::Neutrality | Level::NonAggression)
    }
}

/// The strongest of some levels: the strongest response level when there is one, else
/// neutrality over non-aggression; `None` for none.
///
/// ```
/// use casus::{Level, strongest_level};
/// assert_eq!(strongest_level([Level::Neutrality, Level::Consult]), Some(Level::Consult));
/// assert_eq!(strongest_level([Level::NonAggression, Level::Neutrality]), Some(Level::Neutrality));
/// assert_eq!(strongest_level([]), None);
/// ```
pub fn strongest_level(levels: impl IntoIterator<Item = Level>) -> Option<Level> {
    levels.into_iter().max_by_key(|l| (l.is_response(), l.rank()))
}

/// Strength among the response levels; a level equals itself; neutrality and non-aggression
/// compare with nothing else (see [`Level`]).
impl PartialOrd for Level {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        if self == other {
            Some(std::cmp::Ordering::Equal)
        } else if self.is_response() && other.is_response() {
            Some(self.rank().cmp(&other.rank()))
        } else {
            None
        }
    }
}

crate::vocab::named_words!(Level, "level");

/// A level ordered by [`Level::rank`] (declaration order), for sorting and keys inside the
/// crate: the total order `Level` had before it became `PartialOrd` only.
#[cfg_attr(
    not(any(feature = "graph", feature = "verify")),
    allow(dead_code, reason = "only the analyses sort by rank")
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ByRank(pub(crate) Level);

impl Ord for ByRank {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.rank().cmp(&other.0.rank())
    }
}

impl PartialOrd for ByRank {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::Level::{self, *};
    use std::cmp::Ordering::{self, *};

    fn check(a: Level, b: Level, expected: Option<Ordering>) {
        assert_eq!(a.partial_cmp(&b), expected, "{a} vs {b}");
        assert_eq!(b.partial_cmp(&a), expected.map(Ordering::reverse), "{b} vs {a}");
        assert_eq!(a < b, expected == Some(Less), "{a} < {b}");
        assert_eq!(a >= b, matches!(expected, Some(Greater | Equal)), "{a} >= {b}");
    }

    /// Every pair of the 7 levels: by strength among the five response levels, equal to
    /// itself, and otherwise incomparable.
    #[test]
    fn the_partial_order_over_every_pair() {
        let cases: &[(Level, Level, Option<Ordering>)] = &[
            (NonAggression, NonAggression, Some(Equal)),
            (NonAggression, Neutrality, None),
            (NonAggression, Consult, None),
            (NonAggression, Diplomatic, None),
            (NonAggression, Assist, None),
            (NonAggression, AllMeans, None),
            (NonAggression, Military, None),
            (Neutrality, NonAggression, None),
            (Neutrality, Neutrality, Some(Equal)),
            (Neutrality, Consult, None),
            (Neutrality, Diplomatic, None),
            (Neutrality, Assist, None),
            (Neutrality, AllMeans, None),
            (Neutrality, Military, None),
            (Consult, Consult, Some(Equal)),
            (Consult, Diplomatic, Some(Less)),
            (Consult, Assist, Some(Less)),
            (Consult, AllMeans, Some(Less)),
            (Consult, Military, Some(Less)),
            (Diplomatic, Consult, Some(Greater)),
            (Diplomatic, Diplomatic, Some(Equal)),
            (Diplomatic, Assist, Some(Less)),
            (Diplomatic, AllMeans, Some(Less)),
            (Diplomatic, Military, Some(Less)),
            (Assist, Consult, Some(Greater)),
            (Assist, Diplomatic, Some(Greater)),
            (Assist, Assist, Some(Equal)),
            (Assist, AllMeans, Some(Less)),
            (Assist, Military, Some(Less)),
            (AllMeans, Consult, Some(Greater)),
            (AllMeans, Diplomatic, Some(Greater)),
            (AllMeans, Assist, Some(Greater)),
            (AllMeans, AllMeans, Some(Equal)),
            (AllMeans, Military, Some(Less)),
            (Military, Consult, Some(Greater)),
            (Military, Diplomatic, Some(Greater)),
            (Military, Assist, Some(Greater)),
            (Military, AllMeans, Some(Greater)),
            (Military, Military, Some(Equal)),
        ];
        for &(a, b, expected) in cases {
            check(a, b, expected);
        }
        // The table covers all 7×7 pairs (a response level against one that stands apart
        // by symmetry, checked in `check`).
        let listed = |a: Level, b: Level| cases.iter().any(|&(x, y, _)| (x, y) == (a, b) || (y, x) == (a, b));
        for a in Level::ALL {
            for b in Level::ALL {
                assert!(listed(a, b), "{a} vs {b} not in the table");
            }
        }
    }

    /// The rank is the declaration order `ALL` lists, distinct for every level.
    #[test]
    fn rank_is_the_order_of_all() {
        let ranks: Vec<u8> = Level::ALL.iter().map(|l| l.rank()).collect();
        assert_eq!(ranks, (0..7).collect::<Vec<u8>>());
    }
}
