//! Proptest strategies for property-testing rule sets (the `proptest` feature).
//!
//! - [`rule_sets`]: valid rule sets. Every cross-reference stays valid (treaty members,
//!   organizations and named obligors exist, dates are in order, scopes name declared tags),
//!   so each value loads; conditions use every operator of the rule language.
//! - [`scenarios`]: scenarios drawn from a compiled rule set: any party as attacker or target,
//!   any place, a date at or next to a date where some rule changes, facts true, false or
//!   unknown; [`scenarios_within`] the same, restricted to some targets and a range of dates.
//! - [`drafts`]: valid rule sets written as a drafter writes them (block style, triggers that
//!   test the attacker and the place), so that every edit of `casus repair` applies.
//! - [`mutations`]: small changes to a generated rule set (a member added or removed, a date
//!   shifted, a clause or a treaty dropped), applied with [`Rules::mutate`].
//!
//! Everything shrinks toward fewer parties, treaties, clauses and conditions, and toward
//! scenarios that leave more unknown, so a failure comes out small; a failing scenario is
//! shown as a scenario file (a [`Scenario`]'s `Debug` is its YAML), which `casus eval`
//! reads as it is.
//!
//! ```
//! use proptest::prelude::*;
//!
//! let engine = casus::RuleSet::from_yaml(casus::doc_example())?.compile()?;
//! proptest!(ProptestConfig::with_cases(16), |(s in casus::strategies::scenarios(&engine))| {
//!     let v = engine.evaluate(&s).unwrap();
//!     // Whoever attacks is never obliged to help its victim against itself.
//!     for a in s.attackers().into_iter().flatten() {
//!         if let casus::Actor::Party(p) = a {
//!             prop_assert!(v.party(p).is_none());
//!         }
//!     }
//! });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! To test rule sets that are themselves generated, build an engine from each generated rule
//! set, then draw scenarios from that engine (`prop_flat_map`):
//!
//! ```
//! use proptest::prelude::*;
//! use casus::strategies::{rule_sets, scenarios};
//!
//! let pairs = rule_sets().prop_flat_map(|rules| {
//!     let engine = rules.engine().expect("a generated rule set always compiles");
//!     (Just(rules), scenarios(&engine))
//! });
//! proptest!(ProptestConfig::with_cases(8), |((rules, s) in pairs)| {
//!     let engine = rules.engine().unwrap();
//!     let verdict = engine.evaluate(&s).unwrap();
//!     // The verdict-only path and the full verdict agree on who is obliged.
//!     let mut hits = Vec::new();
//!     engine.hits(&engine.prepare(&s).unwrap(), &mut hits);
//!     let mut obliged: Vec<&str> = hits.iter().filter_map(|h| engine.party_id_of(h.party)).collect();
//!     obliged.sort();
//!     obliged.dedup();
//!     let listed: Vec<&str> = verdict.obligations.iter().map(|o| o.party.as_str()).collect();
//!     prop_assert_eq!(obliged, listed);
//! });
//! ```

mod block;
mod rules;

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::select;

use crate::kernel::{Engine, Node};
use crate::{Actor, EventKind, Means, On, Scenario, When};

pub use rules::{Mutation, Rules, drafts, mutations, rule_sets};

/// Scenarios of a rule set: one target (now and then two), an attacker that may be a party, a
/// non-state actor, several parties or unknown; any event; a date at, just before or just
/// after a date where some rule changes; any place or none; facts true, false or unknown.
///
/// The strategy owns what it needs: it does not borrow the engine.
pub fn scenarios(engine: &Engine) -> BoxedStrategy<Scenario> {
    let mut targets: Vec<String> = engine.parties.iter().map(|p| p.id.clone()).collect();
    targets.sort();
    with_scoped_facts(engine, scenarios_among(engine, &targets, &change_dates(engine)))
}

/// As [`scenarios`], with targets drawn from `targets` only (every party when empty) and dates
/// from `from` to `to`, both included: the dates where some rule changes within the range, the
/// days next to them, and the range's two ends.
///
/// ```
/// use proptest::prelude::*;
/// use casus::When;
///
/// let engine = casus::RuleSet::from_yaml(casus::doc_example())?.compile()?;
/// let (from, to) = (When::parse("2004-01-01")?, When::parse("2004-12-31")?);
/// let within = casus::strategies::scenarios_within(&engine, &["EST"], &from, &to)?;
/// proptest!(ProptestConfig::with_cases(16), |(s in within)| {
///     prop_assert!(s.targets().iter().all(|t| *t == "EST"));
///     prop_assert!(s.date.sort_key() >= from.sort_key() && s.date.sort_key() <= to.sort_key());
/// });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`StrategyError`] when a target is not a party of the engine, or `from` is after `to`.
pub fn scenarios_within(
    engine: &Engine,
    targets: &[&str],
    from: &When,
    to: &When,
) -> Result<BoxedStrategy<Scenario>, StrategyError> {
    if from.sort_key() > to.sort_key() {
        return Err(StrategyError::EmptyRange {
            from: from.to_string(),
            to: to.to_string(),
        });
    }
    if let Some(t) = targets.iter().find(|t| !engine.parties.iter().any(|p| p.id == **t)) {
        return Err(StrategyError::UnknownTarget((*t).to_string()));
    }
    let mut dates: Vec<When> = change_dates(engine)
        .into_iter()
        .filter(|d| d.sort_key() >= from.sort_key() && d.sort_key() <= to.sort_key())
        .collect();
    dates.extend([*from, *to]);
    dates.sort_by_key(|w| (w.sort_key(), matches!(w, When::Instant(_))));
    dates.dedup();
    let mut targets: Vec<String> = targets.iter().map(|t| (*t).to_string()).collect();
    if targets.is_empty() {
        targets = engine.parties.iter().map(|p| p.id.clone()).collect();
    }
    targets.sort();
    Ok(with_scoped_facts(engine, scenarios_among(engine, &targets, &dates)))
}

/// Why [`scenarios_within`] cannot draw scenarios.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StrategyError {
    /// A target is not a party of the rule set.
    #[error("unknown target `{0}`: it is not a party of the rule set")]
    UnknownTarget(String),
    /// The range of dates is empty.
    #[error("no date lies from {from} to {to}: the range ends before it starts")]
    EmptyRange {
        /// The first date.
        from: String,
        /// The last date.
        to: String,
    },
}

/// Every date where some rule of `engine` changes, with the days next to it (and the second
/// before an instant), sorted; one day in 2000 when nothing changes.
fn change_dates(engine: &Engine) -> Vec<When> {
    let mut b = Vec::new();
    for t in &engine.treaties {
        b.extend(t.in_force.iter().chain(t.terminated.iter()).copied());
        for m in &t.members {
            b.extend(m.from.iter().chain(m.to.iter()).copied());
        }
        for r in &t.reservations {
            b.extend(r.from.iter().chain(r.to.iter()).copied());
        }
    }
    for p in &engine.parties {
        for m in &p.members {
            b.extend(m.from.iter().chain(m.to.iter()).copied());
        }
    }
    for p in &engine.places {
        for ps in std::iter::once(&p.sovereign)
            .chain(p.controller.iter())
            .chain(p.administrator.iter())
        {
            for x in ps {
                b.extend(x.from.iter().chain(x.to.iter()).copied());
            }
        }
    }
    for n in &engine.nodes {
        if let Node::Date(f, t) = n {
            b.extend(f.iter().chain(t.iter()).copied());
        }
    }
    let mut dates: Vec<When> = Vec::new();
    for w in &b {
        let d = w.day();
        dates.extend(
            [d.yesterday().ok(), Some(d), d.tomorrow().ok()]
                .into_iter()
                .flatten()
                .map(When::Day),
        );
        if let When::Instant(t) = w {
            dates.push(*w);
            if let Ok(x) = t.checked_sub(jiff::SignedDuration::from_secs(1)) {
                dates.push(When::Instant(x));
            }
        }
    }
    if dates.is_empty() {
        dates.push(When::Day(jiff::civil::Date::constant(2000, 1, 1)));
    }
    dates.sort_by_key(|w| (w.sort_key(), matches!(w, When::Instant(_))));
    dates.dedup();
    dates
}

/// Adds, now and then, facts stated for one treaty or one clause (`treaty_facts`,
/// `invoked`) to generated scenarios, and keeps those a scenario file could state (no party
/// attacking itself), so that a failing one, printed, is a file `casus eval` reads. Kept
/// apart from [`scenarios_among`], which `casus verify` samples from: its scenario space
/// holds facts stated for every treaty alike.
fn with_scoped_facts(engine: &Engine, base: BoxedStrategy<Scenario>) -> BoxedStrategy<Scenario> {
    scoped_facts(engine, base)
        .prop_filter("a party does not attack itself", Scenario::is_well_formed)
        .boxed()
}

fn scoped_facts(engine: &Engine, base: BoxedStrategy<Scenario>) -> BoxedStrategy<Scenario> {
    let mut scopes: Vec<String> = Vec::new();
    for t in &engine.treaties {
        scopes.push(t.id.clone());
        for c in t.clauses.iter().filter_map(|c| engine.clauses.get(*c as usize)) {
            scopes.push(format!("{}/{}", t.id, c.id));
        }
    }
    let facts: Vec<String> = engine.facts.iter().map(|f| f.id.clone()).collect();
    if scopes.is_empty() || facts.is_empty() {
        return base;
    }
    let statement = (select(scopes.clone()), select(facts), proptest::bool::ANY);
    (
        base,
        proptest::collection::vec(statement, 0..=3),
        proptest::option::weighted(0.2, select(scopes)),
    )
        .prop_map(|(mut s, stated, invoked)| {
            for (scope, fact, value) in stated {
                s.treaty_facts.entry(scope).or_default().insert(fact, value);
            }
            if let Some(scope) = invoked
                && s.treaty_facts.get(&scope).and_then(|f| f.get("requested")) != Some(&false)
            {
                s.invoked.push(scope);
            }
            s
        })
        .boxed()
}

/// Scenarios whose targets are drawn from `targets` and dates from `dates`.
pub(crate) fn scenarios_among(engine: &Engine, targets: &[String], dates: &[When]) -> BoxedStrategy<Scenario> {
    let mut parties: Vec<String> = engine.parties.iter().map(|p| p.id.clone()).collect();
    parties.sort();
    let mut places: Vec<String> = engine.places.iter().map(|p| p.id.clone()).collect();
    places.sort();
    let facts: Vec<String> = engine.facts.iter().map(|f| f.id.clone()).collect();
    let targets = if targets.is_empty() {
        parties.clone()
    } else {
        targets.to_vec()
    };
    let dates = if dates.is_empty() {
        vec![When::Day(jiff::civil::Date::constant(2000, 1, 1))]
    } else {
        dates.to_vec()
    };
    let party = select(parties.clone());
    let place: BoxedStrategy<Option<String>> = if places.is_empty() {
        Just(None).boxed()
    } else {
        proptest::option::weighted(0.75, select(places.clone())).boxed()
    };
    let attackers = prop_oneof![
        2 => Just(None),
        1 => Just(Some(vec![Actor::NonState { non_state: "a non-state actor".into() }])),
        6 => party.clone().prop_map(|p| Some(vec![Actor::Party(p)])),
        1 => proptest::collection::vec(party.clone(), 2..=3)
            .prop_map(|v| Some(v.into_iter().map(Actor::Party).collect())),
    ];
    let target_list = prop_oneof![
        6 => select(targets.clone()).prop_map(|t| vec![t]),
        1 => proptest::collection::vec(select(targets), 2..=2),
    ];
    let supporters = proptest::option::of(proptest::collection::vec(party, 0..=2));
    // Only where a condition reads it: elsewhere it changes no answer, and drawing it would
    // change the scenarios (and the seeds) that samples of other rule sets have always drawn.
    let reads_launch = engine
        .nodes
        .iter()
        .any(|n| matches!(n, crate::kernel::Node::LaunchedFrom(_)));
    let launched_from: BoxedStrategy<Option<String>> = if places.is_empty() || !reads_launch {
        Just(None).boxed()
    } else {
        proptest::option::weighted(0.5, select(places)).boxed()
    };
    let nfacts = facts.len();
    (
        (
            select(dates),
            select(EventKind::ALL.to_vec()),
            target_list,
            attackers,
            launched_from,
        ),
        (
            place,
            proptest::option::of(select(On::ALL.to_vec())),
            proptest::option::of(select(Means::ALL.to_vec())),
            supporters,
            proptest::collection::vec(0u8..3, nfacts),
        ),
    )
        .prop_map(
            move |((date, event, targets, attackers, launched_from), (location, on, means, supported_by, fv))| {
                let mut s = Scenario::new(date, event, targets.first().map_or("", String::as_str));
                if targets.len() > 1 {
                    s.target = None;
                    s.targets = Some(targets);
                }
                match attackers {
                    Some(v) if v.len() == 1 => s.attacker = v.into_iter().next(),
                    other => s.attackers = other,
                }
                s.location = location;
                s.launched_from = launched_from;
                s.on = on;
                s.means = means;
                s.supported_by = supported_by;
                s.facts = facts
                    .iter()
                    .zip(fv)
                    .filter(|(_, v)| *v != 0)
                    .map(|(f, v)| (f.clone(), v == 1))
                    .collect::<BTreeMap<String, bool>>();
                s
            },
        )
        .boxed()
}
