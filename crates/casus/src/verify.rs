//! Verification: properties a drafter requires of a rule set, checked over every scenario
//! (`casus verify`), and what changes between two versions of a rule set (`casus diff`).
//!
//! The scenario space of a rule set is finite: the parties, the places, the event kinds, the
//! dates where some rule changes, what was hit, the means, the supporters, the facts that
//! conditions test, the readings. [`verify`] checks each property of a [`Properties`] file
//! over all of it, collapsing scenarios that no condition can tell apart into one class and
//! leaving open (unknown) every value an answer does not depend on, so that one evaluation
//! settles many scenarios at once. A violated property comes with its smallest
//! counterexample, a scenario that `casus eval` reproduces. [`diff()`] walks the space of two
//! rule sets at once and groups every scenario whose verdict changes.
//!
//! The file format and the results on the shipped drafts are in `docs/verify.md`.

mod check;
mod diff;
pub(crate) mod props;
mod render;
mod sample;
mod shard;
mod space;
mod walk;

use thiserror::Error;

use crate::kernel::hits_under;

pub(crate) use check::violated_in;
pub use check::{
    Cancel, Counterexample, DEFAULT_MAX_EVALUATIONS, Mode, Outcome, Progress, PropertyReport, SpaceReport,
    VerifyOptions, VerifyReport, WalkProgress, verify,
};
pub use diff::{Aspect, Change, DiffGroup, DiffOptions, DiffReport, DiffSummary, PartyChanges, StageChange, diff};
pub use props::{Properties, Property, Readings, StatusFilter};
pub use render::{DiffView, render_diff, render_verify, write_diff};
pub use shard::{
    MergeError, Merged, MergedReport, SHARD_FORMAT, Shard, ShardError, ShardReadError, ShardReport, diff_shard, merge,
    verify_shard,
};

/// Verification could not run.
#[derive(Debug, Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum VerifyError {
    /// Sampling was asked for but the library was built without the `proptest` feature.
    #[error("sampling needs casus built with the `proptest` feature")]
    NoSampling,
    /// A party named to limit a diff is in neither rule set.
    #[error("unknown party `{id}` (in neither rule set){}", did_you_mean(.hint))]
    UnknownParty {
        /// The id as given.
        id: String,
        /// The nearest id there is.
        hint: Option<String>,
    },
    /// The walk spent its evaluation budget (`max_evaluations`) before it was done.
    #[error(
        "{what} stopped: {reached}, over the limit of {limit} evaluations (max_evaluations); restrict the scope{narrow}, or raise the limit with --max-evaluations N ({field})"
    )]
    OverBudget {
        /// `verify` or `diff`.
        what: &'static str,
        /// The limit.
        limit: u64,
        /// How far the work got, in words.
        reached: String,
        /// How to narrow the work, in words (empty when there is nothing to add).
        narrow: &'static str,
        /// The library field that sets the limit.
        field: &'static str,
    },
    /// The walk was stopped through the options' `cancel` flag.
    #[error("stopped before the end: the check was cancelled or ran out of time")]
    Cancelled,
    /// The space is too large to walk.
    #[error("the space has {classes} classes of scenarios, over the limit of {max}")]
    TooLarge {
        /// Classes in the space.
        classes: u64,
        /// The limit.
        max: u64,
    },
}

fn did_you_mean(hint: &Option<String>) -> String {
    hint.as_ref()
        .map_or(String::new(), |h| format!("; did you mean `{h}`?"))
}
