//! The contract between the evaluator and the analyses built on it.
//!
//! The core of the crate reads, resolves, compiles and evaluates rule sets (`load`, `resolve`,
//! `engine`, `eval`, `query` and the vocabulary around them). The analyses (`graph`, `verify`,
//! `strategies`, `repair`, `panel`, `map`, `brief`, and the reference evaluator `reference`)
//! answer other questions from the same compiled rules. Besides the public API, this module is
//! everything of the core they may use: each analysis imports named items from here, never from
//! a core module directly and never with a wildcard (`tests/repository.rs` checks both), so that
//! what the core promises its analyses is written in one place and a change to anything else
//! in the core cannot break them.
//!
//! The contract, by concern:
//!
//! - **The compiled rules**: the index types ([`PartyIx`], [`TreatyIx`], [`ClauseIx`], ...),
//!   the tables of an [`Engine`] ([`Place`], [`Treaty`], [`Obligation`], [`Period`], the
//!   condition nodes [`Node`], [`PTest`], [`LTest`]) and the bits of what a value waits on
//!   ([`DEP_ATTACKER`] ... [`FACT_BASE`], [`Deps`]).
//! - **Evaluation**: a [`Prepared`] scenario, built by [`Prepared::open`] and its `with_`
//!   methods; the [`Hit`]s of one clause ([`Engine::clause_hits`]) among the candidate clauses
//!   of a target ([`Engine::candidates`]), or of every clause under one reading choice
//!   ([`hits_under`]); what a contingent hit waits on (`Wait`, with the `graph` feature).
//! - **Reading rule files again**, for the analyses that edit them (`repair`): [`read_rules`],
//!   [`parse_rule_text`], [`apply_amendments`].
//!
//! Most analyses are optional (the features `graph`, `verify`, `map`, `panel`, `proptest`):
//! built without one of them, part of the contract may have no user, hence the
//! `allow(unused_imports)` below; built with all of them (as `cargo clippy --all-features`
//! does), every item here must have a user.
#![cfg_attr(
    not(all(
        feature = "graph",
        feature = "verify",
        feature = "map",
        feature = "panel",
        feature = "proptest"
    )),
    allow(unused_imports)
)]

pub(crate) use crate::diag::FileCtx;
pub(crate) use crate::engine::{
    Benef, Clause, ClauseIx, DEP_ATTACKER, DEP_DEPLOYED_UNDER, DEP_LAUNCHED_FROM, DEP_LOCATION, DEP_MEANS, DEP_ON,
    DEP_SUPPORTED_BY, DEP_TIME, Engine, FACT_BASE, FactIx, LTest, Node, NodeIx, Obligation, Obligors, PSEUDO, PTest,
    PartyIx, Period, Place, PlaceIx, PlaceKind, Treaty, TreatyIx, form_bits, forms_of, made,
};
#[cfg(feature = "graph")]
pub use crate::eval::Wait;
pub(crate) use crate::eval::{ActorIx, Deps, hits_under};
pub use crate::eval::{Hit, Prepared};
pub(crate) use crate::level::ByRank;
pub(crate) use crate::load::{on_parse_stack, parse_rule_text, parse_text, parse_yaml, read_rules, read_text};
pub(crate) use crate::overlay::{AmendDecl, apply as apply_amendments};
pub(crate) use crate::scenario::NO_MISSION;
