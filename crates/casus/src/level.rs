//! Obligation levels (pinned names: other programs read them).

use serde::{Deserialize, Serialize};

/// How strongly a party is bound.
///
/// The five response levels are ordered, weakest first: `consult` < `diplomatic` < `assist` <
/// `all_means` < `military`. `neutrality` (must not aid the attacker) stands apart: it is not
/// weaker or stronger than the others and can conflict with them. `non_aggression` (must not
/// itself attack the party; an addition to the pinned names) stands apart likewise.
///
/// ```
/// use casus::Level;
/// assert!(Level::Consult < Level::Assist);
/// assert!(Level::AllMeans < Level::Military);
/// assert_eq!(Level::Assist.as_str(), "assist");
/// assert_eq!(Level::parse("all_means"), Some(Level::AllMeans));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    levels.into_iter().max_by_key(|l| (l.is_response(), *l))
}

crate::vocab::named_words!(Level, "level");
