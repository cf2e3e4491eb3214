//! The closed vocabularies of the rule language and the scenario format: event kinds, means,
//! what was hit, response forms, caveats, deadlines. Closed so that a typo is an error with a
//! suggestion, never a silently unmatched word.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vm])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name as written in files.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the name as written in files.
            #[must_use]
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        named_words!($name, words(stringify!($name)));
    };
}

/// `Display` (the name as written in files, padded and aligned as the format asks: `{:10}`)
/// and `FromStr` (its inverse; the error lists the names there are) for a closed set of names
/// with `ALL` and `as_str`. `$kind` names the set in words, for the error.
macro_rules! named_words {
    ($name:ident, $kind:expr) => {
        impl std::fmt::Display for $name {
            /// The name as written in files, padded and aligned as the format asks (`{:10}`).
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::vocab::UnknownWord;
            /// Parses the name as written in files; the error lists the names there are.
            fn from_str(s: &str) -> Result<$name, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| $crate::vocab::UnknownWord {
                        word: s.to_string(),
                        kind: String::from($kind),
                        allowed: $name::ALL.iter().map(|v| v.as_str()).collect(),
                    })
            }
        }
    };
}
pub(crate) use named_words;

/// A vocabulary's name in words: `EventKind` is "event kind".
fn words(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// A word that is not one of a closed vocabulary's names (`"armed_atack".parse::<EventKind>()`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{word}` is not a known {kind}; one of {}", .allowed.join(", "))]
pub struct UnknownWord {
    /// The word as given.
    pub word: String,
    /// The vocabulary, in words (`event kind`, `level`, …).
    pub kind: String,
    /// Every name it has.
    pub allowed: Vec<&'static str>,
}

vocabulary! {
    /// What happened (pinned scenario values; extended with `mobilization` and `incursion`).
    EventKind {
        /// An armed attack.
        ArmedAttack = "armed_attack",
        /// A cyber attack.
        CyberAttack = "cyber_attack",
        /// A hybrid attack (disinformation, sabotage, proxies).
        HybridAttack = "hybrid_attack",
        /// A threat of attack or to security.
        Threat = "threat",
        /// A mobilization of armed forces (the Franco-Russian convention of 1892, Art. 2).
        Mobilization = "mobilization",
        /// An incursion into or violation of a state's territory or airspace that is not an
        /// armed attack (drones or aircraft crossing a border, September 2025 over Poland).
        Incursion = "incursion",
    }
}

vocabulary! {
    /// With what (pinned scenario values; extended with chemical and biological).
    Means {
        /// Conventional weapons.
        Conventional = "conventional",
        /// Nuclear weapons.
        Nuclear = "nuclear",
        /// Chemical weapons.
        Chemical = "chemical",
        /// Biological weapons.
        Biological = "biological",
    }
}

vocabulary! {
    /// What was hit (pinned scenario values).
    On {
        /// The territory itself.
        Territory = "territory",
        /// Armed forces.
        Forces = "forces",
        /// Vessels.
        Vessels = "vessels",
        /// Aircraft.
        Aircraft = "aircraft",
    }
}

vocabulary! {
    /// Forms a response can take.
    Form {
        /// Consultations.
        Consultation = "consultation",
        /// Diplomatic action, including at the Security Council.
        Diplomatic = "diplomatic",
        /// Economic sanctions on the attacker.
        Sanctions = "sanctions",
        /// Economic or financial aid.
        Economic = "economic",
        /// Humanitarian or medical aid.
        Humanitarian = "humanitarian",
        /// Intelligence sharing.
        Intelligence = "intelligence",
        /// Weapons and equipment.
        Weapons = "weapons",
        /// Training of the victim's forces.
        Training = "training",
        /// Any use of armed force.
        ArmedForce = "armed_force",
        /// Air forces in combat.
        AirPower = "air_power",
        /// Naval forces in combat.
        NavalForces = "naval_forces",
        /// Ground troops on the victim's territory.
        GroundTroops = "ground_troops",
    }
}

/// What qualifies an obligation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Caveat {
    /// To be carried out in accordance with the party's constitutional processes.
    ConstitutionalProcesses,
    /// Does not prejudice the specific character of the party's security and defence policy
    /// (TEU 42(7) for the neutral states).
    SpecificCharacter,
    /// No party may be required to use armed force without its consent.
    ForceNotCompulsory,
    /// Subject to the laws of the parties.
    DomesticLaw,
    /// Measures end when the Security Council has acted.
    UntilSecurityCouncilActs,
    /// A political commitment, not a legal obligation.
    PoliticalCommitment,
    /// For obligors that are also parties to this treaty, that treaty has primacy.
    PrimacyOf(String),
    /// Anything else, in words.
    Other(String),
}

/// The caveats without an argument.
const PLAIN_CAVEATS: [Caveat; 6] = [
    Caveat::ConstitutionalProcesses,
    Caveat::SpecificCharacter,
    Caveat::ForceNotCompulsory,
    Caveat::DomesticLaw,
    Caveat::UntilSecurityCouncilActs,
    Caveat::PoliticalCommitment,
];

impl fmt::Display for Caveat {
    /// The name, `primacy_of:TREATY` or `other:TEXT`, padded and aligned as the format asks.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Caveat::ConstitutionalProcesses => f.pad("constitutional_processes"),
            Caveat::SpecificCharacter => f.pad("specific_character"),
            Caveat::ForceNotCompulsory => f.pad("force_not_compulsory"),
            Caveat::DomesticLaw => f.pad("domestic_law"),
            Caveat::UntilSecurityCouncilActs => f.pad("until_security_council_acts"),
            Caveat::PoliticalCommitment => f.pad("political_commitment"),
            Caveat::PrimacyOf(t) => f.pad(&format!("primacy_of:{t}")),
            Caveat::Other(t) => f.pad(&format!("other:{t}")),
        }
    }
}

impl std::str::FromStr for Caveat {
    type Err = UnknownWord;
    /// Parses what `Display` writes: a name, `primacy_of:TREATY` or `other:TEXT`.
    fn from_str(s: &str) -> Result<Caveat, UnknownWord> {
        if let Some(t) = s.strip_prefix("primacy_of:") {
            return Ok(Caveat::PrimacyOf(t.to_string()));
        }
        if let Some(t) = s.strip_prefix("other:") {
            return Ok(Caveat::Other(t.to_string()));
        }
        PLAIN_CAVEATS
            .iter()
            .find(|c| c.to_string() == s)
            .cloned()
            .ok_or_else(|| UnknownWord {
                word: s.to_string(),
                kind: "caveat".into(),
                allowed: vec![
                    "constitutional_processes",
                    "specific_character",
                    "force_not_compulsory",
                    "domestic_law",
                    "until_security_council_acts",
                    "political_commitment",
                    "primacy_of:TREATY",
                    "other:TEXT",
                ],
            })
    }
}

/// By when an obligation is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Deadline {
    /// "Forthwith", "immediately", "without delay".
    Immediately,
    /// Within so many hours.
    WithinHours(u32),
    /// Within so many days.
    WithinDays(u32),
}

impl Deadline {
    /// The deadline in hours, `Some(0)` for immediately.
    #[must_use]
    pub fn hours(self) -> Option<u64> {
        match self {
            Deadline::Immediately => Some(0),
            Deadline::WithinHours(h) => Some(u64::from(h)),
            Deadline::WithinDays(d) => Some(u64::from(d) * 24),
        }
    }
}

impl fmt::Display for Deadline {
    /// `immediately`, `within N hours` or `within N days`, padded and aligned as the format asks.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Deadline::Immediately => f.pad("immediately"),
            Deadline::WithinHours(h) => f.pad(&format!("within {h} hours")),
            Deadline::WithinDays(d) => f.pad(&format!("within {d} days")),
        }
    }
}

impl std::str::FromStr for Deadline {
    type Err = UnknownWord;
    /// Parses what `Display` writes: `immediately`, `within N hours`, `within N days`.
    fn from_str(s: &str) -> Result<Deadline, UnknownWord> {
        let within = |unit: &str| {
            s.strip_prefix("within ")
                .and_then(|rest| rest.strip_suffix(unit))
                .and_then(|n| n.trim_end().parse::<u32>().ok())
        };
        if s == "immediately" {
            Ok(Deadline::Immediately)
        } else if let Some(h) = within("hours") {
            Ok(Deadline::WithinHours(h))
        } else if let Some(d) = within("days") {
            Ok(Deadline::WithinDays(d))
        } else {
            Err(UnknownWord {
                word: s.to_string(),
                kind: "deadline".into(),
                allowed: vec!["immediately", "within N hours", "within N days"],
            })
        }
    }
}
