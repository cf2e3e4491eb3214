//! A verdict's obliged parties and their sources as the evaluation leaves them: per source,
//! the hit found and the few facts of the scenario that its entry needs (which caveats bind,
//! against whom). [`ObligationList`] builds the parties' entries ([`PartyObligation`]) and
//! [`SourceList`] each party's sources ([`Source`]) from them, with the engine's words kept in
//! its [`Lexicon`], only when they are read or serialized: a verdict for a hub party does not
//! build, copy and drop fifty entries and a hundred sources nobody reads.

use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Forms, PartyObligation, ReadingDifference, Source, Status};
use crate::engine::{Obligation, PartyIx, Reservation, TreatyIx, forms_of};
use crate::eval::{Deps, Hit, Lexicon};
use crate::level::Level;
use crate::vocab::Caveat;

/// What the entries of a clause's sources read from the engine, kept in the [`Lexicon`] the
/// first time a verdict obliges someone under the clause.
#[derive(Debug, Clone)]
pub(crate) struct ClauseTerms {
    /// The clause's treaty.
    pub treaty: TreatyIx,
    /// Whether the treaty is a draft.
    pub draft: bool,
    /// The clause's obligations.
    pub obligations: Vec<Obligation>,
    /// The treaty's reservations (a hit names those that changed it by bit).
    pub reservations: Vec<Reservation>,
}

/// One source as the evaluation leaves it.
#[derive(Debug, Clone)]
pub(crate) struct Seed {
    /// The hit.
    pub hit: Hit,
    /// Which of the obligation's own caveats bind the party (bit `i`: caveat `i`).
    pub binds: u64,
    /// Against whom the response is directed, where the obligation names more than the
    /// attacker (see [`Source::against`]).
    pub against: Vec<PartyIx>,
}

/// The sources of every obliged party of one verdict, one run per party.
#[derive(Debug)]
pub(crate) struct Seeds {
    /// The engine's words.
    pub lx: Arc<Lexicon>,
    /// The facts the scenario states for some treaty only (named `fact@treaty`).
    pub scoped: Deps,
    /// The sources, party after party.
    pub seeds: Vec<Seed>,
}

/// Whether bit `i` of `mask` is set (a mask holds 64 bits: beyond them, never).
fn has_bit(mask: u64, i: usize) -> bool {
    i < 64 && mask & (1u64 << i) != 0
}

/// The items named by `mask` (bit `i`: item `i`), in order.
fn named<T>(items: &[T], mask: u64) -> impl Iterator<Item = &T> {
    items
        .iter()
        .enumerate()
        .filter(move |(i, _)| has_bit(mask, *i))
        .map(|(_, r)| r)
}

/// The caveats of an obligation as a party owes it: its own that bind (`binds`, bit `i` for
/// caveat `i`) and those of the reservations named by `reservation_mask` (bit `i` for
/// reservation `i`), in that order.
pub(crate) fn caveats_in(
    own: &[Caveat],
    binds: u64,
    reservations: &[Reservation],
    reservation_mask: u64,
    out: &mut Vec<Caveat>,
) {
    out.extend(named(own, binds).cloned());
    for r in named(reservations, reservation_mask) {
        out.extend(r.caveats.iter().cloned());
    }
}

impl Seed {
    /// The terms of the seed's clause and the obligation it is owed under, as the lexicon
    /// keeps them.
    fn owed<'a>(&self, lx: &'a Lexicon) -> Option<(&'a ClauseTerms, &'a Obligation)> {
        let terms = lx.terms(self.hit.clause)?;
        Some((terms, terms.obligations.get(self.hit.obligation as usize)?))
    }

    /// The caveats the seed's party owes under obligation `o` of clause `terms` (see
    /// [`caveats_in`]), appended to `out`.
    fn caveats_into(&self, (terms, o): (&ClauseTerms, &Obligation), out: &mut Vec<Caveat>) {
        caveats_in(
            &o.caveats,
            self.binds,
            &terms.reservations,
            self.hit.reservation_mask,
            out,
        );
    }
}

/// Sorts caveats in the order of their words (the order the JSON has always had) and keeps
/// each once.
fn sort_by_words(caveats: &mut Vec<Caveat>) {
    caveats.sort_by_cached_key(ToString::to_string);
    caveats.dedup();
}

impl Seeds {
    /// The entry of the party whose sources are `from..to`, with the `readings` that differ
    /// for it: the strongest level over its sources, and at that level, whether one is
    /// definite, what the rest wait on, the forms, the tightest deadline and the caveats.
    fn party(self: &Arc<Self>, (from, to): (u32, u32), readings: Vec<ReadingDifference>) -> PartyObligation {
        let lx = &*self.lx;
        let run = self.seeds.get(from as usize..to as usize).unwrap_or(&[]);
        let p = run.first().map_or(PartyIx::MAX, |x| x.hit.party);
        let level = crate::level::strongest_level(run.iter().map(|x| x.hit.level)).unwrap_or(Level::Neutrality);
        let at_level = || run.iter().filter(|x| x.hit.level == level);
        let definite = at_level().any(|x| x.hit.status == Status::Definite);
        let deps = if definite {
            Deps::NONE
        } else {
            at_level().fold(Deps::NONE, |d, x| d.union(x.hit.deps))
        };
        let (mut req, mut alw, mut exc) = (0u16, 0u16, 0u16);
        let mut deadline: Option<crate::vocab::Deadline> = None;
        let mut caveats: Vec<Caveat> = Vec::new();
        // The summary describes the strongest level; weaker clauses keep their own in `sources`.
        for seed in at_level() {
            let Some(owed @ (_, o)) = seed.owed(lx) else {
                continue;
            };
            req |= o.required;
            alw |= o.allowed;
            exc |= seed.hit.excluded;
            if let Some(d) = o.deadline
                && deadline.is_none_or(|cur| d.hours() < cur.hours())
            {
                deadline = Some(d);
            }
            seed.caveats_into(owed, &mut caveats);
        }
        sort_by_words(&mut caveats);
        PartyObligation {
            party: lx.party(p).clone(),
            name: lx.party_name(p).clone(),
            level,
            status: if definite { Status::Definite } else { Status::Contingent },
            depends_on: self.depends_on(deps, run, level),
            sources: SourceList::pending(self.clone(), from, to),
            forms: Forms {
                required: forms_of(req),
                allowed: forms_of(alw & !exc),
                excluded: forms_of(exc),
            },
            deadline,
            caveats,
            readings,
        }
    }

    /// What a party's strongest obligation waits on, in words: each open thing once, in bit
    /// order; a fact stated for some treaty is named with the treaty of every source at
    /// `level` that waits on it (`requested@teu_42_7`, `requested@nato`).
    fn depends_on(&self, deps: Deps, run: &[Seed], level: Level) -> Vec<String> {
        let lx = &*self.lx;
        let mut out = Vec::new();
        for b in deps.bits() {
            let one = Deps::one(b);
            if !self.scoped.has(b) {
                out.extend(lx.dep_words(one, Deps::NONE, 0));
                continue;
            }
            let mut named: Vec<String> = run
                .iter()
                .filter(|x| x.hit.level == level && x.hit.deps.has(b))
                .filter_map(|x| lx.terms(x.hit.clause))
                .flat_map(|t| lx.dep_words(one, self.scoped, t.treaty))
                .collect();
            named.sort();
            named.dedup();
            out.extend(named);
        }
        out
    }

    /// The entry of one source.
    fn source(&self, seed: &Seed) -> Option<Source> {
        let lx = &*self.lx;
        let h = &seed.hit;
        let owed @ (terms, o) = seed.owed(lx)?;
        let mut caveats = Vec::new();
        seed.caveats_into(owed, &mut caveats);
        sort_by_words(&mut caveats);
        let reservations = named(&terms.reservations, h.reservation_mask)
            .map(|r| r.note.clone())
            .collect();
        Some(Source {
            treaty: lx.treaty(terms.treaty).clone(),
            treaty_name: lx.treaty_name(terms.treaty).clone(),
            draft: terms.draft,
            clause: lx.clause(h.clause).clone(),
            citation: lx.citation(h.clause).clone(),
            toward: lx.party(h.toward).clone(),
            level: h.level,
            status: h.status,
            depends_on: if h.status == Status::Contingent {
                lx.dep_words(h.deps, self.scoped, terms.treaty)
            } else {
                Vec::new()
            },
            forms: Forms {
                required: forms_of(o.required),
                allowed: forms_of(o.allowed & !h.excluded),
                excluded: forms_of(h.excluded),
            },
            deadline: o.deadline,
            caveats,
            reservations,
            staging: o.staging(),
            lead: o.lead.contains(&h.party),
            against: seed.against.iter().map(|p| lx.party(*p).to_string()).collect(),
        })
    }

    /// The entries of the sources `from..to`, in the order of (treaty, clause, toward, level),
    /// each once.
    fn entries(&self, from: u32, to: u32) -> Vec<Source> {
        let seeds = self.seeds.get(from as usize..to as usize).unwrap_or(&[]);
        let mut sources: Vec<Source> = seeds.iter().filter_map(|s| self.source(s)).collect();
        // Most parties owe under one clause: nothing to order.
        if sources.len() > 1 {
            sources.sort_by(|a, b| {
                (&a.treaty, &a.clause, &a.toward, a.level.rank()).cmp(&(
                    &b.treaty,
                    &b.clause,
                    &b.toward,
                    b.level.rank(),
                ))
            });
            sources.dedup();
        }
        sources
    }
}

/// What [`SourceList`] and [`ObligationList`] share: given a type with `built` (a
/// `OnceLock<Vec<$entry>>`), `pending` and `entries()`, it reads as a slice of `$entry`,
/// converts to and from vectors, compares, prints and serializes as its entries.
macro_rules! entry_list {
    ($list:ident, $entry:ty) => {
        impl $list {
            /// The entries as a vector.
            #[must_use]
            pub fn to_vec(&self) -> Vec<$entry> {
                self.entries().clone()
            }

            /// The entries as a vector, built if they were not.
            #[must_use]
            pub fn into_vec(self) -> Vec<$entry> {
                self.entries();
                self.built.into_inner().unwrap_or_default()
            }
        }

        impl std::ops::Deref for $list {
            type Target = [$entry];
            fn deref(&self) -> &[$entry] {
                self.entries()
            }
        }

        impl From<Vec<$entry>> for $list {
            fn from(v: Vec<$entry>) -> Self {
                $list {
                    built: OnceLock::from(v),
                    pending: None,
                }
            }
        }

        impl FromIterator<$entry> for $list {
            fn from_iter<I: IntoIterator<Item = $entry>>(iter: I) -> Self {
                $list::from(iter.into_iter().collect::<Vec<_>>())
            }
        }

        impl<'a> IntoIterator for &'a $list {
            type Item = &'a $entry;
            type IntoIter = std::slice::Iter<'a, $entry>;
            fn into_iter(self) -> Self::IntoIter {
                self.entries().iter()
            }
        }

        impl IntoIterator for $list {
            type Item = $entry;
            type IntoIter = std::vec::IntoIter<$entry>;
            fn into_iter(self) -> Self::IntoIter {
                self.into_vec().into_iter()
            }
        }

        impl PartialEq for $list {
            fn eq(&self, o: &$list) -> bool {
                self.entries() == o.entries()
            }
        }

        impl PartialEq<Vec<$entry>> for $list {
            fn eq(&self, o: &Vec<$entry>) -> bool {
                self.entries() == o
            }
        }

        impl fmt::Debug for $list {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.entries()).finish()
            }
        }

        impl Serialize for $list {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.entries().serialize(s)
            }
        }

        impl<'de> Deserialize<'de> for $list {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Vec::<$entry>::deserialize(d).map($list::from)
            }
        }
    };
}

/// Every clause that obliges a party ([`Source`]), in the order of (treaty, clause, toward,
/// level), each once. A verdict holds them as the evaluation found them and builds the entries
/// on the first read: the list reads as a slice of [`Source`] (`Deref`, `iter`, `len`,
/// indexing), serializes as the JSON list it always was and reads back from it. A list read
/// back or built from entries (`From<Vec<Source>>`, `collect()`) holds them as given. Two
/// lists are equal when their entries are.
#[derive(Clone, Default)]
pub struct SourceList {
    /// The entries, once built (or as given).
    built: OnceLock<Vec<Source>>,
    /// Where they are built from: a verdict's sources and this party's run of them.
    pending: Option<(Arc<Seeds>, u32, u32)>,
}

impl SourceList {
    /// The sources `from..to` of a verdict's `seeds`, built when read.
    pub(crate) fn pending(seeds: Arc<Seeds>, from: u32, to: u32) -> SourceList {
        SourceList {
            built: OnceLock::new(),
            pending: Some((seeds, from, to)),
        }
    }

    /// The entries, built on first use.
    fn entries(&self) -> &Vec<Source> {
        self.built.get_or_init(|| match &self.pending {
            Some((seeds, from, to)) => seeds.entries(*from, *to),
            None => Vec::new(),
        })
    }
}

entry_list!(SourceList, Source);

/// The obliged parties of one verdict as data: its sources, each party's run of them (in the
/// order of the parties' ids) and the readings that differ for it.
#[derive(Debug, Clone)]
pub(crate) struct Parties {
    /// Every party's sources, party after party.
    pub seeds: Arc<Seeds>,
    /// Per obliged party, its run of `seeds` and the readings that differ for it.
    pub runs: Vec<((u32, u32), Vec<ReadingDifference>)>,
}

/// Every obliged party's entry ([`PartyObligation`]), in the order of the parties' ids. A
/// verdict holds them as the evaluation found them and builds the entries on the first read:
/// the list reads as a slice of [`PartyObligation`] (`Deref`, `iter`, indexing; `len` and
/// `is_empty` without building), serializes as the JSON list it always was and reads back
/// from it. A list read back or built from entries (`From<Vec<PartyObligation>>`,
/// `collect()`) holds them as given. Two lists are equal when their entries are.
#[derive(Clone, Default)]
pub struct ObligationList {
    /// The entries, once built (or as given).
    built: OnceLock<Vec<PartyObligation>>,
    /// Where they are built from.
    pending: Option<Box<Parties>>,
}

impl ObligationList {
    /// The obliged parties of a verdict, built when read.
    pub(crate) fn pending(parties: Parties) -> ObligationList {
        ObligationList {
            built: OnceLock::new(),
            pending: Some(Box::new(parties)),
        }
    }

    /// The entries, built on first use.
    fn entries(&self) -> &Vec<PartyObligation> {
        self.built.get_or_init(|| match &self.pending {
            Some(p) => p.runs.iter().map(|(run, r)| p.seeds.party(*run, r.clone())).collect(),
            None => Vec::new(),
        })
    }

    /// How many parties are obliged (the entries are not built).
    #[must_use]
    pub fn len(&self) -> usize {
        match (self.built.get(), &self.pending) {
            (None, Some(p)) => p.runs.len(),
            _ => self.entries().len(),
        }
    }

    /// Whether no party is obliged (the entries are not built).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

entry_list!(ObligationList, PartyObligation);
