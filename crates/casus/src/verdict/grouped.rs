//! A verdict's reasons as the evaluation leaves them: one group per involved treaty, one per
//! clause inside it, each with a reason every member shares and the few members that differ,
//! the members being the engine's own list. [`super::NotObligatedList`] words them into the
//! flat list of entries (in the order of treaty, clause and party ids) only when asked: a
//! reason for 1,000 members costs a few integers until it is read or serialized.

use std::sync::{Arc, OnceLock};

use super::{Detail, NotObligated, ReadingDifference, Reason, Shared};
use crate::engine::PartyIx;
use crate::eval::Lexicon;
use crate::time::When;
use crate::truth::Truth;

/// Why one member owes nothing, as a code; the words come from the engine's [`Lexicon`] and
/// the verdict's date when the entry is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    /// Not listed here: the member owes something under the clause (or, for a treaty-wide
    /// reason, under some clause of the treaty), or a treaty-wide reason already lists it.
    Skip,
    /// A reason worded once for the verdict: `Grouped::words[i]`.
    Words(u32),
    /// Not a party to the treaty on the day.
    NotAParty,
    /// The member is the attacker.
    IsAttacker,
    /// The member is the target of a clause whose obligations all run toward the target.
    IsTarget,
    /// The clause obliges named parties only, and not this one.
    NotNamed,
    /// No obligation arises for this member.
    NoObligation,
}

/// A reason kept once for a verdict (the entries of its members give it by
/// [`Code::Words`]): worded already, or a false condition kept as the clause and the node,
/// worded when read.
#[derive(Debug, Clone)]
pub(crate) enum Kept {
    /// Worded (or kept as a [`Detail`] already).
    Detail(Detail),
    /// [`Detail::Requires`]: leaf `node` of `clause` is false; what it asks for is the
    /// lexicon's, what the scenario has is `Grouped::actual[slot]`.
    Requires {
        /// The clause.
        clause: u32,
        /// The false leaf.
        node: u32,
        /// Its slot in `Grouped::actual`.
        slot: u8,
    },
    /// [`Detail::TargetNotAParty`]: the clause's target is not a party to its treaty on the
    /// day.
    TargetNotAParty {
        /// The clause.
        clause: u32,
        /// Its treaty.
        treaty: u32,
        /// The target.
        target: PartyIx,
    },
}

/// The reasons of one clause of an involved treaty.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClauseGroup {
    /// The clause.
    pub clause: u32,
    /// The reason of every member not in `except` and not settled by the treaty.
    pub default: Code,
    /// The members whose reason differs: `Grouped::marks[from..to]`, sorted by party.
    pub except: (u32, u32),
}

/// The reasons under one involved treaty.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TreatyGroup {
    /// The treaty.
    pub treaty: u32,
    /// A treaty-wide reason every member shares (a treaty not in force); then `wide` lists
    /// the members who are not listed (`Code::Skip`) and `clauses` is empty.
    pub all: Option<Code>,
    /// The members a treaty-wide reason settles, with it (`Code::Skip`: settled, but owing
    /// under some clause, so not listed): `Grouped::marks[from..to]`, sorted by party.
    pub wide: (u32, u32),
    /// The treaty's clauses in the order of their ids: `Grouped::clauses[from..to]`.
    pub clauses: (u32, u32),
    /// When set, `wide` is empty and the members a treaty-wide reason settles are worked out
    /// only when the list is read (see [`Lazy`]).
    pub lazy: Option<Lazy>,
}

/// What a treaty in force needs to find, when the list is read, the members a treaty-wide
/// reason settles: the day, and the members that owe under some of its clauses. Who is a
/// party on the day comes from the treaty's windows in the [`Lexicon`]; the attackers are
/// `Grouped::attackers`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lazy {
    /// The scenario's day, as a day key.
    pub day: i32,
    /// The members that owe under some clause of the treaty (settled, but not listed):
    /// `Grouped::owing[from..to]`, sorted.
    pub owing: (u32, u32),
    /// The members whose windows send them to the treaty's entries, with whether each is a
    /// party on the day as read there: `Grouped::asked[from..to]`, sorted by party.
    pub asked: (u32, u32),
}

/// The treaty-wide reasons of the lazy groups, worked out on the first read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Walked {
    /// Members and their codes, in one run per lazy treaty group, sorted by party.
    marks: Vec<(PartyIx, Code)>,
    /// Per treaty group, its run in `marks` (empty for a group that is not lazy).
    runs: Vec<(u32, u32)>,
    /// How many entries the flat list has.
    len: usize,
}

/// Where a reading difference is listed: (treaty group, clause group or `u32::MAX` for the
/// treaty-wide entry, party).
pub(crate) type Key = (u32, u32, PartyIx);

/// The reasons of one verdict, grouped (see the module's documentation).
#[derive(Debug, Clone)]
pub(crate) struct Grouped {
    /// The engine's ids, names and member lists.
    pub lx: Arc<Lexicon>,
    /// The scenario's date.
    pub date: When,
    /// How many entries the flat list has, counted as if a treaty-wide reason settled no
    /// member of a lazy group: [`Grouped::len`] corrects it when the list is first read.
    pub len: usize,
    /// The attackers that are parties, sorted (a member that is one is settled).
    pub attackers: Vec<PartyIx>,
    /// The owing members of the lazy groups, in runs (see [`Lazy`]).
    pub owing: Vec<PartyIx>,
    /// The members read from a lazy group's entries, in runs (see [`Lazy`]).
    pub asked: Vec<(PartyIx, Truth)>,
    /// Whether some treaty group is lazy.
    pub any_lazy: bool,
    /// The lazy groups' treaty-wide reasons, once read.
    walked: OnceLock<Walked>,
    /// Reasons kept once (a false trigger, a treaty not in force, a reservation's note).
    pub words: Vec<(Reason, Kept)>,
    /// What the scenario has, in words, for each kind of leaf a [`Kept::Requires`] names
    /// (worded once per verdict, the first time a false leaf of that kind is kept).
    pub actual: [Option<Shared>; 10],
    /// Members and their codes, in runs sorted by party (see the groups).
    pub marks: Vec<(PartyIx, Code)>,
    /// Clause groups, in runs per treaty.
    pub clauses: Vec<ClauseGroup>,
    /// Treaty groups, in the order of the treaties' ids.
    pub treaties: Vec<TreatyGroup>,
    /// The readings that differ for an entry, in the order they are listed in.
    pub readings: Vec<(Key, Vec<ReadingDifference>)>,
}

fn run<T>(list: &[T], (a, b): (u32, u32)) -> &[T] {
    list.get(a as usize..b as usize).unwrap_or(&[])
}

fn find(marks: &[(PartyIx, Code)], p: PartyIx) -> Option<Code> {
    marks
        .binary_search_by_key(&p, |m| m.0)
        .ok()
        .and_then(|i| marks.get(i))
        .map(|m| m.1)
}

impl Grouped {
    /// An empty list for the scenario's date.
    pub(crate) fn new(lx: Arc<Lexicon>, date: When) -> Grouped {
        Grouped {
            lx,
            date,
            len: 0,
            attackers: Vec::new(),
            owing: Vec::new(),
            asked: Vec::new(),
            any_lazy: false,
            walked: OnceLock::new(),
            words: Vec::new(),
            actual: Default::default(),
            marks: Vec::new(),
            clauses: Vec::new(),
            treaties: Vec::new(),
            readings: Vec::new(),
        }
    }

    /// A reason worded once for this verdict, as the code its members get.
    pub(crate) fn word(&mut self, reason: Reason, words: String) -> Code {
        self.detail(reason, Detail::Words(words.into()))
    }

    /// A reason kept as data for this verdict (worded when read), as the code its members get.
    pub(crate) fn detail(&mut self, reason: Reason, detail: Detail) -> Code {
        self.kept(reason, Kept::Detail(detail))
    }

    /// A reason kept for this verdict, as the code its members get.
    pub(crate) fn kept(&mut self, reason: Reason, kept: Kept) -> Code {
        self.words.push((reason, kept));
        Code::Words(self.words.len() as u32 - 1)
    }

    /// Reason `i` kept for this verdict, as data (`date`: the verdict's date in words).
    fn reason(&self, i: u32, date: &Shared) -> (Reason, Detail) {
        let lx = &*self.lx;
        let Some((reason, kept)) = self.words.get(i as usize) else {
            return (Reason::ConditionNotMet, Detail::Words(Shared::default()));
        };
        let detail = match kept {
            Kept::Detail(d) => d.clone(),
            Kept::Requires { clause, node, slot } => Detail::Requires {
                citation: lx.citation(*clause).clone(),
                wanted: lx
                    .node_words(super::WordsAt::Wanted(*node))
                    .cloned()
                    .unwrap_or_default(),
                actual: self.actual.get(*slot as usize).cloned().flatten().unwrap_or_default(),
            },
            Kept::TargetNotAParty { clause, treaty, target } => Detail::TargetNotAParty {
                citation: lx.citation(*clause).clone(),
                target: lx.party(*target).clone(),
                treaty: lx.treaty_name(*treaty).clone(),
                date: date.clone(),
            },
        };
        (*reason, detail)
    }

    /// How many entries the flat list has (the first call on a list with lazy groups works
    /// out their treaty-wide reasons).
    pub(crate) fn len(&self) -> usize {
        if self.any_lazy { self.walked().len } else { self.len }
    }

    /// The treaty-wide reasons of the lazy groups, worked out on the first call.
    fn walked(&self) -> &Walked {
        self.walked.get_or_init(|| {
            let mut w = Walked {
                marks: Vec::new(),
                runs: Vec::with_capacity(self.treaties.len()),
                len: self.len,
            };
            let mut settled = 0;
            for t in &self.treaties {
                let from = w.marks.len() as u32;
                if let Some(lazy) = &t.lazy {
                    w.len += self.walk(t.treaty, lazy, &mut w.marks);
                    let clauses = (t.clauses.1 - t.clauses.0) as usize;
                    settled += (w.marks.len() - from as usize) * clauses;
                }
                w.runs.push((from, w.marks.len() as u32));
            }
            w.len = w.len.saturating_sub(settled);
            w
        })
    }

    /// The members of treaty `tix` a treaty-wide reason settles on `lazy.day` (not a party,
    /// or an attacker), appended to `out` sorted by party: one walk over the treaty's
    /// windows, which are sorted by party as its members are. Returns how many are listed
    /// (those that owe under none of its clauses).
    fn walk(&self, tix: u32, lazy: &Lazy, out: &mut Vec<(PartyIx, Code)>) -> usize {
        let rows = self.lx.windows(tix);
        let owing = run(&self.owing, lazy.owing);
        let asked = run(&self.asked, lazy.asked);
        let mut next = 0;
        let mut listed = 0;
        for &p in self.lx.ever(tix) {
            while rows.get(next).is_some_and(|r| r.0 < p) {
                next += 1;
            }
            let first = next;
            while rows.get(next).is_some_and(|r| r.0 == p) {
                next += 1;
            }
            let mine = rows.get(first..next).unwrap_or(&[]);
            let member = if mine.last().is_some_and(|r| (r.1, r.2) == crate::query::ASK_ENTRIES) {
                asked
                    .binary_search_by_key(&p, |a| a.0)
                    .ok()
                    .and_then(|i| asked.get(i))
                    .map_or(Truth::False, |a| a.1)
            } else {
                Truth::from(
                    mine.iter()
                        .any(|&(_, from, to)| crate::time::in_days(lazy.day, from, to)),
                )
            };
            let code = if member == Truth::False {
                Code::NotAParty
            } else if self.attackers.binary_search(&p).is_ok() {
                Code::IsAttacker
            } else {
                continue;
            };
            let owes = owing.binary_search(&p).is_ok();
            out.push((p, if owes { Code::Skip } else { code }));
            listed += usize::from(!owes);
        }
        listed
    }

    /// The members treaty group `gi` settles with a treaty-wide reason, with their codes.
    fn wide(&self, gi: usize) -> &[(PartyIx, Code)] {
        match self.treaties.get(gi) {
            Some(t) if t.lazy.is_some() => {
                let w = self.walked();
                run(&w.marks, w.runs.get(gi).copied().unwrap_or((0, 0)))
            }
            Some(t) => run(&self.marks, t.wide),
            None => &[],
        }
    }

    /// The code of member `p` in treaty group `gi`, for the treaty-wide entry (`clause`
    /// `None`) or a clause group's; `None` when the member is not listed there.
    pub(crate) fn code(&self, gi: usize, clause: Option<&ClauseGroup>, p: PartyIx) -> Option<Code> {
        let g = self.treaties.get(gi)?;
        let wide = find(self.wide(gi), p);
        let code = match clause {
            None => wide.or(g.all),
            Some(_) if wide.is_some() || g.all.is_some() => None,
            Some(c) => Some(find(run(&self.marks, c.except), p).unwrap_or(c.default)),
        };
        code.filter(|c| *c != Code::Skip)
    }

    /// The entry of member `p` with `code` in treaty group `gi` (clause group `ci`, or
    /// `u32::MAX` for the treaty-wide entry), worded; `date` is the date in words.
    fn entry(&self, date: &Shared, gi: u32, ci: u32, p: PartyIx, code: Code) -> NotObligated {
        let lx = &*self.lx;
        let g = self.treaties.get(gi as usize);
        let tix = g.map_or(u32::MAX, |g| g.treaty);
        let cix = self.clauses.get(ci as usize).map(|c| c.clause);
        let party = lx.party(p).clone();
        let citation = || cix.map_or_else(Shared::default, |c| lx.citation(c).clone());
        let (reason, detail) = match code {
            Code::Words(i) => self.reason(i, date),
            Code::NotAParty => (
                Reason::NotAParty,
                Detail::NotAParty {
                    party: party.clone(),
                    treaty: lx.treaty_name(tix).clone(),
                    date: date.clone(),
                    change: lx.change(tix, p, &self.date),
                },
            ),
            Code::IsAttacker => (Reason::IsAttacker, Detail::IsAttacker(party.clone())),
            Code::IsTarget => (
                Reason::IsTarget,
                Detail::IsTarget {
                    citation: citation(),
                    party: party.clone(),
                },
            ),
            Code::NotNamed => (
                Reason::NotNamed,
                Detail::NotNamed {
                    citation: citation(),
                    party: party.clone(),
                },
            ),
            Code::NoObligation | Code::Skip => (Reason::ConditionNotMet, Detail::NoObligation { citation: citation() }),
        };
        let readings = if self.readings.is_empty() {
            Vec::new()
        } else {
            let key = (gi, ci, p);
            self.readings
                .iter()
                .find(|(k, _)| *k == key)
                .map_or_else(Vec::new, |(_, r)| r.clone())
        };
        NotObligated {
            party,
            treaty: lx.treaty(tix).clone(),
            clause: cix.map(|c| lx.clause(c).clone()),
            reason,
            detail,
            readings,
        }
    }

    /// The entries, worded, in the order of (treaty, clause, party) ids.
    pub(crate) fn iter(&self) -> Entries<'_> {
        Entries {
            g: self,
            date: self.date.to_string().into(),
            gi: 0,
            slot: 0,
            mi: 0,
        }
    }
}

/// The entries of a [`Grouped`] list, worded one by one.
#[derive(Debug, Clone)]
pub(crate) struct Entries<'a> {
    g: &'a Grouped,
    /// The date in words, once per pass.
    date: Shared,
    /// Treaty group.
    gi: usize,
    /// 0 for the treaty-wide entries, then 1 + the clause group's offset in the treaty's run.
    slot: usize,
    /// Member, in the order of their ids.
    mi: usize,
}

impl Iterator for Entries<'_> {
    type Item = NotObligated;

    fn next(&mut self) -> Option<NotObligated> {
        let g = self.g;
        loop {
            let t = g.treaties.get(self.gi)?;
            let members = g.lx.members_by_id(t.treaty);
            let (c0, c1) = t.clauses;
            let clause_ix = (self.slot > 0).then(|| c0 as usize + self.slot - 1);
            if clause_ix.is_some_and(|c| c >= c1 as usize) {
                self.gi += 1;
                self.slot = 0;
                self.mi = 0;
                continue;
            }
            let Some(&p) = members.get(self.mi) else {
                self.slot += 1;
                self.mi = 0;
                continue;
            };
            self.mi += 1;
            let clause = clause_ix.and_then(|c| g.clauses.get(c));
            if let Some(code) = g.code(self.gi, clause, p) {
                let ci = clause_ix.map_or(u32::MAX, |c| c as u32);
                return Some(g.entry(&self.date, self.gi as u32, ci, p, code));
            }
        }
    }
}
