//! The errors of the public API.

use std::fmt;

use thiserror::Error;

use crate::diag::{Diagnostic, Diagnostics};

/// A rule set could not be loaded: every diagnostic of the load, not just the first.
///
/// `Display` (and `Debug`, so that `fn main() -> Result<(), Box<dyn Error>>` prints it too)
/// gives every diagnostic, one per line, as `file:line:column: error[code]: message` followed
/// by its `help:` line; [`Diagnostic::render`] adds the offending source line.
///
/// ```
/// let err = casus::RuleSet::from_yaml("parties:\n  - id: USA\n    nmae: x\n").unwrap_err();
/// let text = err.to_string();
/// assert!(text.starts_with("<rules>:3:5: error[unknown-key]: unknown key `nmae`"), "{text}");
/// assert_eq!(format!("{err:?}"), text);
/// ```
#[derive(Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
pub struct LoadError {
    /// Every diagnostic, errors and notes, in file order.
    pub diagnostics: Diagnostics,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items = self.diagnostics.items();
        if items.is_empty() {
            return f.write_str("the rule set could not be loaded");
        }
        for (i, d) in items.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl LoadError {
    /// A one-line count of the errors, `2 error(s) in the rule set`, for a program that prints
    /// the diagnostics itself (with [`Diagnostic::render`]) and ends with a summary.
    #[must_use]
    pub fn summary(&self) -> String {
        format!("{} error(s) in the rule set", self.diagnostics.error_count())
    }
}

/// The same text as `Display`: the diagnostics a user reads, not the structs that hold them.
impl fmt::Debug for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A compiled rule set could not be built.
#[derive(Debug, Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum CompileError {
    /// More of something than the compiled form can index.
    #[error("too many {what}: {count} (at most {max})")]
    TooMany {
        /// What.
        what: &'static str,
        /// How many there are.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// The compiled form could not be written.
    #[error("cannot write the compiled rule set: {0}")]
    Encode(String),
}

/// A scenario is malformed or names something the rule set lacks.
#[derive(Debug, Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read or parsed.
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
    /// An id in the scenario names nothing in the rule set.
    #[error("{}", unknown_words(.kind, .id, .field, .suggestion.as_deref(), .located.as_deref()))]
    Unknown {
        /// party, territory or area, fact.
        kind: &'static str,
        /// The id.
        id: String,
        /// The scenario field.
        field: &'static str,
        /// The closest existing id (or, for a place, id or name).
        suggestion: Option<String>,
        /// The same error pointing at the id's line and column, when the scenario was read
        /// from text (`Scenario::load`, `Scenario::from_yaml`).
        located: Option<Box<Diagnostic>>,
    },
    /// A name in the scenario that several places share (none containing the others).
    #[error("`{name}` in the scenario's `{field}` names {} places: {}; give the id", .candidates.len(), .candidates.iter().map(|(id, n)| format!("`{id}` ({n})")).collect::<Vec<_>>().join(", "))]
    Ambiguous {
        /// The scenario field.
        field: &'static str,
        /// The name as given.
        name: String,
        /// Each place it names, as (id, name), sorted by id.
        candidates: Vec<(String, String)>,
    },
}

impl ScenarioError {
    /// The error as a user reads it: `file:line:column: error[code]: message`, the line with a
    /// caret under the offending value, and how to fix it; `error: message` when nothing
    /// points into a file.
    ///
    /// ```
    /// let rules = casus::RuleSet::from_yaml("parties: [{id: USA, name: United States}]")?.compile()?;
    /// let s = casus::Scenario::from_yaml("date: 2027-03-01\nevent: armed_attack\ntarget: USAA\n")?;
    /// let text = rules.evaluate(&s).unwrap_err().render();
    /// assert!(text.starts_with("<scenario>:3:9: error[unknown-party]: unknown party `USAA` in `target`"), "{text}");
    /// assert!(text.contains("3 | target: USAA\n  |         ^"), "{text}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn render(&self) -> String {
        match self {
            ScenarioError::Invalid(d) | ScenarioError::Unknown { located: Some(d), .. } => d.render(),
            other => format!("error: {other}\n"),
        }
    }
}

fn unknown_words(kind: &str, id: &str, field: &str, suggestion: Option<&str>, located: Option<&Diagnostic>) -> String {
    match located {
        Some(d) => d.to_string(),
        None => format!(
            "unknown {kind} `{id}` in the scenario's `{field}`{}",
            suggestion
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default()
        ),
    }
}

/// A date or date-time could not be read (see [`When::parse`](crate::When::parse)).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum WhenError {
    /// Not a calendar day `YYYY-MM-DD`.
    #[error("invalid date `{text}` ({reason}); write YYYY-MM-DD")]
    #[cfg_attr(feature = "miette", diagnostic(code(casus::invalid_date)))]
    Date {
        /// The text as given (trimmed).
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A date-time whose UTC offset lies beyond a day.
    #[error(
        "invalid date-time `{text}`: a UTC offset lies between -24:00 and +24:00; write YYYY-MM-DD or an RFC 3339 \
         date-time such as 2024-03-07T17:30:00+01:00"
    )]
    #[cfg_attr(feature = "miette", diagnostic(code(casus::invalid_date)))]
    Offset {
        /// The text as given (trimmed).
        text: String,
    },
    /// Not an RFC 3339 date-time.
    #[error(
        "invalid date-time `{text}` ({reason}); write YYYY-MM-DD or an RFC 3339 date-time such as \
         2024-03-07T17:30:00+01:00"
    )]
    #[cfg_attr(feature = "miette", diagnostic(code(casus::invalid_date)))]
    DateTime {
        /// The text as given (trimmed).
        text: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// A rule set could not be made into an engine: it does not load, or it loads but cannot be
/// compiled.
#[derive(Debug, Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum EngineError {
    /// The rule set does not load.
    #[error(transparent)]
    #[cfg_attr(feature = "miette", diagnostic(code(casus::load)))]
    Load(#[from] LoadError),
    /// It loads, but cannot be compiled.
    #[error(transparent)]
    #[cfg_attr(feature = "miette", diagnostic(code(casus::compile)))]
    Compile(#[from] CompileError),
}
