//! The errors of the public API.

use thiserror::Error;

use crate::diag::{Diagnostic, Diagnostics};

/// A rule set could not be loaded: every diagnostic of the load, not just the first.
#[derive(Debug, Error)]
#[error("{} error(s) in the rule set", .diagnostics.error_count())]
pub struct LoadError {
    /// Every diagnostic, errors and notes, in file order.
    pub diagnostics: Diagnostics,
}

/// A compiled rule set could not be built.
#[derive(Debug, Error)]
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
}

/// A scenario is malformed or names something the rule set lacks.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// The file could not be read or parsed.
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
    /// An id in the scenario names nothing in the rule set.
    #[error("unknown {kind} `{id}` in the scenario's `{field}`{}", .suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    Unknown {
        /// party, territory or area, fact.
        kind: &'static str,
        /// The id.
        id: String,
        /// The scenario field.
        field: &'static str,
        /// The closest existing id.
        suggestion: Option<String>,
    },
}
