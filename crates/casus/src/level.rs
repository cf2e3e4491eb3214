//! Obligation levels (pinned names: other programs read them).

use std::fmt;

use serde::{Deserialize, Serialize};

/// How strongly a party is bound.
///
/// The five response levels are ordered, weakest first: `consult` < `diplomatic` < `assist` <
/// `all_means` < `military`. `neutrality` (must not aid the attacker) stands apart: it is not
/// weaker or stronger than the others and can conflict with them.
///
/// ```
/// use casus::Level;
/// assert!(Level::Consult < Level::Assist);
/// assert!(Level::AllMeans < Level::Military);
/// assert_eq!(Level::Assist.as_str(), "assist");
/// assert_eq!(Level::parse("all_means"), Some(Level::AllMeans));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
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
    /// Every level, neutrality first, then weakest to strongest.
    pub const ALL: [Level; 6] = [
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

    /// Whether this is one of the ordered response levels (not neutrality).
    #[must_use]
    pub fn is_response(self) -> bool {
        self != Level::Neutrality
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
