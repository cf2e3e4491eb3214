//! Cascades: how one attack pulls in party after party.
//!
//! Round 1 evaluates the scenario. Every party obliged at the chosen level or above enters the
//! war on the side of the party it must help. Under the worst-case policy an entry counts as
//! an armed attack by the entrant on the party it fights, at that party's main territory on
//! the same date, with every fact left open; those attacks are evaluated in the next round,
//! and so on until no one new enters. Under the best-case policy an entry is not an attack and
//! the cascade ends after round 1.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::kernel::{ActorIx, Engine, PartyIx, Prepared};
use crate::{EventKind, Level, On, Scenario, Source, Status, Verdict, When};

use super::GraphError;

/// Whether entering a war counts as an attack on the enemy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CascadePolicy {
    /// An entrant's entry is not an attack: only the scenario's own event obliges anyone.
    #[default]
    Best,
    /// An entrant's entry is an armed attack on the party it fights, which can oblige that
    /// party's allies in turn.
    Worst,
}

impl CascadePolicy {
    /// The pinned lower-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CascadePolicy::Best => "best",
            CascadePolicy::Worst => "worst",
        }
    }
}

/// How a cascade is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CascadeOptions {
    /// Whether an entry counts as an attack.
    pub policy: CascadePolicy,
    /// The weakest level at which an obliged party enters (a response level; neutrality never
    /// makes a party enter).
    pub min_level: Level,
}

impl Default for CascadeOptions {
    fn default() -> Self {
        CascadeOptions {
            policy: CascadePolicy::Best,
            min_level: Level::Assist,
        }
    }
}

/// The side a party fights on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The side of the scenario's target.
    Target,
    /// The side of the scenario's attacker.
    Attacker,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Target => Side::Attacker,
            Side::Attacker => Side::Target,
        }
    }

    /// The pinned lower-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Target => "target",
            Side::Attacker => "attacker",
        }
    }
}

/// One event evaluated in a round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CascadeEvent {
    /// What happened.
    pub event: EventKind,
    /// Who attacked (`null`: unknown).
    pub attackers: Option<Vec<String>>,
    /// Who was attacked.
    pub targets: Vec<String>,
    /// Where (`null`: unknown).
    pub location: Option<String>,
    /// Why it is evaluated: the scenario, or the entries that count as attacks.
    pub cause: String,
}

/// A party that enters the war in a round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entrant {
    /// Party id.
    pub party: String,
    /// Party name.
    pub name: String,
    /// The side it joins.
    pub side: Side,
    /// The party it must help.
    pub helps: String,
    /// The parties it fights.
    pub against: Vec<String>,
    /// The strongest level it owes that party.
    pub level: Level,
    /// Definite, or contingent on `depends_on`.
    pub status: Status,
    /// What a contingent entry waits on (facts, or the entry of others).
    pub depends_on: Vec<String>,
    /// The clauses at the entry level or above that oblige it.
    pub sources: Vec<Source>,
}

/// The events and entries of one round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Round {
    /// 1 for the scenario itself.
    pub number: u32,
    /// The events evaluated.
    pub events: Vec<CascadeEvent>,
    /// The parties that enter, sorted by id.
    pub entrants: Vec<Entrant>,
}

/// A party obliged to help the side it is fighting against.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CascadeConflict {
    /// Party id.
    pub party: String,
    /// The round in which the conflicting obligation arises.
    pub round: u32,
    /// The side it fights on.
    pub side: Side,
    /// The party on the other side it owes help to.
    pub toward: String,
    /// The level it owes.
    pub level: Level,
    /// In words.
    pub detail: String,
}

/// Why a party that some treaty in play binds stays out of the war.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StayedOut {
    /// Party id.
    pub party: String,
    /// The first round in which a treaty in play binds it.
    pub round: u32,
    /// Treaty id.
    pub treaty: String,
    /// The clause the reason comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    /// Why, as a code: a verdict's reason, or `below_min_level`.
    pub reason: String,
    /// Why, in words.
    pub detail: String,
}

/// A cascade of entries into a war from one scenario.
///
/// ```
/// use casus::{RuleSet, Scenario, graph::CascadeOptions};
/// let engine = RuleSet::from_yaml(casus::doc_example())?.compile()?;
/// let s = Scenario::from_yaml("{date: 2020-01-01, event: armed_attack, attacker: RUS, target: EST, location: EST, on: territory}")?;
/// let c = engine.cascade(&s, &CascadeOptions::default())?;
/// assert_eq!(c.rounds.len(), 1);
/// let entrants: Vec<&str> = c.rounds[0].entrants.iter().map(|e| e.party.as_str()).collect();
/// assert_eq!(entrants, ["FRA", "USA"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cascade {
    /// The scenario's name, if it has one.
    pub name: Option<String>,
    /// The date.
    pub date: When,
    /// The options it was run with.
    pub policy: CascadePolicy,
    /// The weakest level at which a party enters.
    pub min_level: Level,
    /// The scenario's targets (side `target`).
    pub targets: Vec<String>,
    /// The scenario's attackers that are parties (side `attacker`).
    pub attackers: Vec<String>,
    /// The rounds, until no one new enters.
    pub rounds: Vec<Round>,
    /// Entrants obliged to help the other side.
    pub conflicts: Vec<CascadeConflict>,
    /// Parties bound by a treaty in play that never enter, and why (one line per party and
    /// treaty, from the first round in which the treaty binds it).
    pub stayed_out: Vec<StayedOut>,
}

impl Cascade {
    /// The cascade as text: each round's events and entrants, conflicts, who stays out and why.
    /// Within `width` (see [`crate::table::Width`]) long cells wrap at word boundaries.
    #[must_use]
    pub fn to_table(&self, width: crate::table::Width) -> String {
        super::text::render_cascade(self, width)
    }

    /// The cascade as a Graphviz picture, one cluster per round.
    #[must_use]
    pub fn to_dot(&self) -> String {
        super::dot::cascade_dot(self)
    }

    /// Every party that enters, with its round, in order of entry.
    #[must_use]
    pub fn entrants(&self) -> Vec<(u32, &Entrant)> {
        self.rounds
            .iter()
            .flat_map(|r| r.entrants.iter().map(move |e| (r.number, e)))
            .collect()
    }
}

struct Pending {
    prepared: Prepared,
    cause: String,
    /// Attackers whose own entry is contingent, by id.
    contingent_attackers: Vec<String>,
}

/// What a cascade has found so far: the side each party fights on, who enters in the round
/// being evaluated, the conflicts, and who stays out (by party and treaty).
#[derive(Default)]
struct Progress {
    side: BTreeMap<PartyIx, Side>,
    entrants: BTreeMap<PartyIx, Entrant>,
    conflicts: Vec<CascadeConflict>,
    stayed: BTreeMap<(String, String), StayedOut>,
}

/// The sources of one obligation at the entry level, toward one party: what makes a party
/// enter (or conflict).
struct Obliged<'v> {
    party: PartyIx,
    obligation: &'v crate::PartyObligation,
    toward: &'v str,
    sources: Vec<&'v Source>,
}

impl Engine {
    /// Runs a cascade from a scenario: rounds of evaluation until no one new enters.
    ///
    /// # Errors
    ///
    /// [`GraphError`] when the scenario names a party, place or fact the rule set lacks.
    pub fn cascade(&self, scenario: &Scenario, options: &CascadeOptions) -> Result<Cascade, GraphError> {
        let first = self.prepare(scenario)?;
        let mut progress = Progress::default();
        let mut contingent_entry: BTreeSet<PartyIx> = BTreeSet::new();
        for t in &first.targets {
            progress.side.insert(*t, Side::Target);
        }
        let attackers: Vec<PartyIx> = first
            .attackers
            .iter()
            .flatten()
            .filter_map(|a| match a {
                ActorIx::Party(p) => Some(*p),
                ActorIx::NonState => None,
            })
            .collect();
        for a in &attackers {
            progress.side.entry(*a).or_insert(Side::Attacker);
        }
        let mut out = Cascade {
            name: scenario.name.clone(),
            date: first.date,
            policy: options.policy,
            min_level: options.min_level,
            targets: first.targets.iter().map(|p| self.party_id(*p).to_string()).collect(),
            attackers: attackers.iter().map(|p| self.party_id(*p).to_string()).collect(),
            rounds: Vec::new(),
            conflicts: Vec::new(),
            stayed_out: Vec::new(),
        };
        let mut attacked_by: BTreeMap<PartyIx, BTreeSet<PartyIx>> = BTreeMap::new();
        let mut pending = vec![Pending {
            prepared: first,
            cause: "the scenario".into(),
            contingent_attackers: Vec::new(),
        }];
        let max_rounds = self.parties.len() + 1;
        for number in 1..=max_rounds as u32 {
            let events = self.round(&pending, number, options, &mut progress);
            let entrants = std::mem::take(&mut progress.entrants);
            for (p, e) in &entrants {
                if e.status == Status::Contingent {
                    contingent_entry.insert(*p);
                }
            }
            // The next round: each entry is an attack on the parties the entrant fights.
            let mut fresh: BTreeSet<PartyIx> = BTreeSet::new();
            if options.policy == CascadePolicy::Worst {
                for (p, e) in &entrants {
                    for enemy in &e.against {
                        if let Some(w) = self.party_ix.get(enemy)
                            && attacked_by.entry(*w).or_default().insert(*p)
                        {
                            fresh.insert(*w);
                        }
                    }
                }
            }
            let done = entrants.is_empty() || fresh.is_empty();
            let mut entrants: Vec<Entrant> = entrants.into_values().collect();
            entrants.sort_by(|a, b| a.party.cmp(&b.party));
            out.rounds.push(Round {
                number,
                events,
                entrants,
            });
            if done {
                break;
            }
            pending = self.entries_as_attacks(fresh, &attacked_by, &contingent_entry, out.date);
        }
        out.conflicts = progress.conflicts;
        let side = progress.side;
        out.stayed_out = progress
            .stayed
            .into_values()
            .filter(|s| self.party_ix.get(&s.party).is_none_or(|p| !side.contains_key(p)))
            .collect();
        Ok(out)
    }

    /// Evaluates the events of one round, recording who enters, and returns them as listed.
    fn round(
        &self,
        pending: &[Pending],
        number: u32,
        options: &CascadeOptions,
        progress: &mut Progress,
    ) -> Vec<CascadeEvent> {
        let mut events = Vec::new();
        for ev in pending {
            let verdict = self.build_verdict(&ev.prepared, false);
            events.push(CascadeEvent {
                event: ev.prepared.event,
                attackers: ev.prepared.attacker_names.clone(),
                targets: verdict.targets.clone(),
                location: verdict.location.clone(),
                cause: ev.cause.clone(),
            });
            self.enter(&verdict, ev, number, options, progress);
        }
        events
    }

    /// The events of the next round: each party in `fresh` attacked, at its main territory, by
    /// the entrants that fight it.
    fn entries_as_attacks(
        &self,
        fresh: BTreeSet<PartyIx>,
        attacked_by: &BTreeMap<PartyIx, BTreeSet<PartyIx>>,
        contingent_entry: &BTreeSet<PartyIx>,
        date: When,
    ) -> Vec<Pending> {
        let mut fresh: Vec<PartyIx> = fresh.into_iter().collect();
        fresh.sort_by(|a, b| self.party_id(*a).cmp(self.party_id(*b)));
        fresh
            .into_iter()
            .map(|w| {
                let mut by: Vec<PartyIx> = attacked_by
                    .get(&w)
                    .map(|s| s.iter().copied().collect())
                    .unwrap_or_default();
                by.sort_by(|a, b| self.party_id(*a).cmp(self.party_id(*b)));
                let names: Vec<String> = by.iter().map(|p| self.party_id(*p).to_string()).collect();
                let mut prepared = self.open_scenario(date, EventKind::ArmedAttack, w, Some(by.clone()));
                prepared.location = self.place_ix.get(self.party_id(w)).copied();
                prepared.place = prepared
                    .location
                    .and_then(|l| self.place_fast.get(l as usize).copied())
                    .unwrap_or_default();
                prepared.on = Some(On::Territory);
                Pending {
                    cause: format!(
                        "the entry of {} counts as an attack",
                        if names.len() > 3 {
                            format!("{} parties", names.len())
                        } else {
                            names.join(", ")
                        }
                    ),
                    contingent_attackers: by
                        .iter()
                        .filter(|p| contingent_entry.contains(p))
                        .map(|p| self.party_id(*p).to_string())
                        .collect(),
                    prepared,
                }
            })
            .collect()
    }

    /// Records who a verdict makes enter, who is obliged against its own side, and who stays
    /// out and why.
    fn enter(&self, verdict: &Verdict, ev: &Pending, number: u32, options: &CascadeOptions, progress: &mut Progress) {
        let enters = |l: Level| l.is_response() && l.rank() >= options.min_level.rank();
        for po in &verdict.obligations {
            let Some(p) = self.party_ix.get(po.party.as_str()).copied() else {
                continue;
            };
            // The sources at the entry level, by the party they help.
            let mut by_toward: BTreeMap<&str, Vec<&Source>> = BTreeMap::new();
            for src in po.sources.iter().filter(|x| enters(x.level)) {
                by_toward.entry(src.toward.as_str()).or_default().push(src);
            }
            if by_toward.is_empty() {
                for src in &po.sources {
                    progress
                        .stayed
                        .entry((po.party.to_string(), src.treaty.to_string()))
                        .or_insert(StayedOut {
                            party: po.party.to_string(),
                            round: number,
                            treaty: src.treaty.to_string(),
                            clause: Some(src.clause.to_string()),
                            reason: "below_min_level".into(),
                            detail: format!(
                                "owes only {} toward {} under {} {}",
                                src.level, src.toward, src.treaty, src.citation
                            ),
                        });
                }
                continue;
            }
            for (toward, sources) in by_toward {
                let obliged = Obliged {
                    party: p,
                    obligation: po,
                    toward,
                    sources,
                };
                self.join(obliged, ev, number, options, progress);
            }
        }
        for n in &verdict.not_obligated {
            progress
                .stayed
                .entry((n.party.to_string(), n.treaty.to_string()))
                .or_insert_with(|| StayedOut {
                    party: n.party.to_string(),
                    round: number,
                    treaty: n.treaty.to_string(),
                    clause: n.clause.as_ref().map(ToString::to_string),
                    reason: n.reason.as_str().into(),
                    detail: n.detail.to_string(),
                });
        }
    }

    /// One party obliged toward one party already at war: it enters on that side, or, when it
    /// already fights on the other, the obligation is a conflict.
    fn join(&self, obliged: Obliged<'_>, ev: &Pending, number: u32, options: &CascadeOptions, progress: &mut Progress) {
        let Obliged {
            party: p,
            obligation: po,
            toward,
            sources,
        } = obliged;
        let s = &ev.prepared;
        let Some(t) = self.party_ix.get(toward).copied() else {
            return;
        };
        let Some(&joins) = progress.side.get(&t) else {
            return;
        };
        let level = sources
            .iter()
            .map(|x| x.level)
            .max_by_key(|l| l.rank())
            .unwrap_or(options.min_level);
        let at_level: Vec<&&Source> = sources.iter().filter(|x| x.level == level).collect();
        let definite = at_level.iter().any(|x| x.status == Status::Definite);
        let mut depends_on: Vec<String> = if definite {
            Vec::new()
        } else {
            at_level.iter().flat_map(|x| x.depends_on.iter().cloned()).collect()
        };
        depends_on.extend(ev.contingent_attackers.iter().map(|a| format!("entry of {a}")));
        depends_on.sort();
        depends_on.dedup();
        let mut against: Vec<String> = if s.targets.contains(&t) {
            s.attackers
                .iter()
                .flatten()
                .filter_map(|a| match a {
                    ActorIx::Party(x) if *x != p => Some(self.party_id(*x).to_string()),
                    _ => None,
                })
                .collect()
        } else {
            s.targets
                .iter()
                .filter(|x| **x != p)
                .map(|x| self.party_id(*x).to_string())
                .collect()
        };
        against.sort();
        let under = sources
            .iter()
            .map(|x| format!("{} {}", x.treaty, x.citation))
            .collect::<Vec<_>>()
            .join("; ");
        match progress.side.get(&p).copied() {
            Some(own) if own == joins => {}
            Some(own) => progress.conflicts.push(CascadeConflict {
                party: po.party.to_string(),
                round: number,
                side: own,
                toward: toward.to_string(),
                level,
                detail: format!(
                    "fights on the {} side, but owes {level} toward {toward} (on the {} side) under {under}{}",
                    own.as_str(),
                    own.other().as_str(),
                    if depends_on.is_empty() {
                        String::new()
                    } else {
                        format!(", contingent on {}", depends_on.join(", "))
                    }
                ),
            }),
            None => {
                progress.side.insert(p, joins);
                progress.entrants.insert(
                    p,
                    Entrant {
                        party: po.party.to_string(),
                        name: po.name.to_string(),
                        side: joins,
                        helps: toward.to_string(),
                        against,
                        level,
                        status: if depends_on.is_empty() {
                            Status::Definite
                        } else {
                            Status::Contingent
                        },
                        depends_on,
                        sources: sources.into_iter().cloned().collect(),
                    },
                );
            }
        }
    }
}
