//! Kleene's three-valued logic: true, false, unknown.

use serde::{Deserialize, Serialize};

/// A truth value that may be unknown because the scenario leaves a fact open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Truth {
    /// Holds.
    True,
    /// Does not hold.
    False,
    /// Depends on something the scenario does not state.
    Unknown,
}

impl Truth {
    /// Kleene conjunction.
    ///
    /// ```
    /// use casus::Truth::*;
    /// assert_eq!(True.and(Unknown), Unknown);
    /// assert_eq!(False.and(Unknown), False);
    /// ```
    #[must_use]
    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    /// Kleene disjunction.
    ///
    /// ```
    /// use casus::Truth::*;
    /// assert_eq!(False.or(Unknown), Unknown);
    /// assert_eq!(True.or(Unknown), True);
    /// ```
    #[must_use]
    pub fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        }
    }

    /// Kleene negation.
    ///
    /// ```
    /// use casus::Truth::*;
    /// assert_eq!(Unknown.not(), Unknown);
    /// assert_eq!(True.not(), False);
    /// ```
    #[must_use]
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }

    /// The lower-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Truth::True => "true",
            Truth::False => "false",
            Truth::Unknown => "unknown",
        }
    }
}

impl From<bool> for Truth {
    fn from(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }
}

#[cfg(test)]
mod tests {
    use super::Truth::{self, *};

    #[test]
    fn kleene_tables() {
        let all = [True, False, Unknown];
        for a in all {
            for b in all {
                // De Morgan holds in Kleene logic.
                assert_eq!(a.and(b).not(), a.not().or(b.not()));
                assert_eq!(a.and(b), b.and(a));
                assert_eq!(a.or(b), b.or(a));
            }
            assert_eq!(a.not().not(), a);
        }
        let t: [(Truth, Truth, Truth, Truth); 3] = [
            (True, Unknown, Unknown, True),
            (False, Unknown, False, Unknown),
            (Unknown, Unknown, Unknown, Unknown),
        ];
        for (a, b, and, or) in t {
            assert_eq!(a.and(b), and);
            assert_eq!(a.or(b), or);
        }
    }
}
