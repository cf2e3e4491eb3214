//! Proptest strategies for property-testing rule sets (the `proptest` feature).
//!
//! - [`rule_sets`]: valid rule sets. Every cross-reference stays valid (treaty members,
//!   organizations and named obligors exist, dates are in order, scopes name declared tags),
//!   so each value loads; conditions use every operator of the rule language.
//! - [`scenarios`]: scenarios drawn from a compiled rule set: any party as attacker or target,
//!   any place, a date at or next to a date where some rule changes, facts true, false or
//!   unknown.
//! - [`drafts`]: valid rule sets written as a drafter writes them (block style, triggers that
//!   test the attacker and the place), so that every edit of `casus repair` applies.
//! - [`mutations`]: small changes to a generated rule set (a member added or removed, a date
//!   shifted, a clause or a treaty dropped), applied with [`Rules::mutate`].
//!
//! Everything shrinks toward fewer parties, treaties, clauses and conditions, and toward
//! scenarios that leave more unknown, so a failure comes out small.
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

mod block;
mod rules;

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::select;

use crate::engine::*;
use crate::scenario::{Actor, Scenario};
use crate::time::When;
use crate::vocab::{EventKind, Means, On};

pub use rules::{Mutation, Rules, drafts, mutations, rule_sets};

/// Scenarios of a rule set: one target (now and then two), an attacker that may be a party, a
/// non-state actor, several parties or unknown; any event; a date at, just before or just
/// after a date where some rule changes; any place or none; facts true, false or unknown.
///
/// The strategy owns what it needs: it does not borrow the engine.
pub fn scenarios(engine: &Engine) -> BoxedStrategy<Scenario> {
    let mut targets: Vec<String> = engine.parties.iter().map(|p| p.id.clone()).collect();
    targets.sort();
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
    with_scoped_facts(engine, scenarios_among(engine, &targets, &dates))
}

/// Adds, now and then, facts stated for one treaty or one clause (`treaty_facts`,
/// `invoked`) to generated scenarios. Kept apart from [`scenarios_among`], which `casus
/// verify` samples from: its scenario space holds facts stated for every treaty alike.
fn with_scoped_facts(engine: &Engine, base: BoxedStrategy<Scenario>) -> BoxedStrategy<Scenario> {
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
        .any(|n| matches!(n, crate::engine::Node::LaunchedFrom(_)));
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
