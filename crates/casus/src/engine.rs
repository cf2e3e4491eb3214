//! The compiled rule set: ids interned to integers, conditions resolved, clauses indexed.
//!
//! Nothing here refers to a file or a string id at evaluation time; the strings are kept only
//! to print answers.

use serde::{Deserialize, Serialize};

use crate::level::Level;
use crate::model::{Accession, Against, HolderRole, PartyKind, TreatyStatus, Withdrawal};
use crate::time::When;
use crate::vocab::{Caveat, Deadline, Form};

pub(crate) type PartyIx = u32;
pub(crate) type PlaceIx = u32;
pub(crate) type TreatyIx = u32;
pub(crate) type ClauseIx = u32;
pub(crate) type FactIx = u32;
pub(crate) type NodeIx = u32;

/// Pseudo-facts: scenario fields that may be left open. Their bits come before the named facts.
pub(crate) const DEP_ATTACKER: u32 = 0;
pub(crate) const DEP_MEANS: u32 = 1;
pub(crate) const DEP_LOCATION: u32 = 2;
pub(crate) const DEP_ON: u32 = 3;
pub(crate) const DEP_SUPPORTED_BY: u32 = 4;
pub(crate) const DEP_TIME: u32 = 5;
pub(crate) const DEP_LAUNCHED_FROM: u32 = 6;
pub(crate) const DEP_DEPLOYED_UNDER: u32 = 7;
pub(crate) const PSEUDO: [&str; 8] = [
    "attacker",
    "means",
    "location",
    "on",
    "supported_by",
    "time",
    "launched_from",
    "deployed_under",
];
pub(crate) const FACT_BASE: u32 = 8;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Period {
    pub party: PartyIx,
    pub from: Option<When>,
    pub to: Option<When>,
}

/// A line of contact: control of the places on `side`'s side on `date`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Line {
    pub id: String,
    pub name: Option<String>,
    pub date: When,
    pub side: PartyIx,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Party {
    pub id: String,
    pub name: String,
    pub kind: PartyKind,
    pub members: Vec<Period>,
    /// Correlates of War codes over time: `(code, from, before)`, first match wins.
    pub cow: Vec<(u32, Option<When>, Option<When>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum PlaceKind {
    Territory,
    Area,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Place {
    pub id: String,
    pub name: String,
    pub kind: PlaceKind,
    pub sovereign: Vec<Period>,
    pub controller: Option<Vec<Period>>,
    pub administrator: Option<Vec<Period>>,
    pub tags: Vec<u64>,
    pub tag_names: Vec<String>,
    /// The place this one lies within (`within:`), after inheritance was applied.
    pub within: Option<PlaceIx>,
    /// Other names (`aliases:`; for a state's main territory, the party's).
    pub aliases: Vec<String>,
}

impl Place {
    /// The holder in `role` on a day: the role's own period covering it, else the next role's.
    pub fn holder_on(&self, role: HolderRole, at: &When) -> Option<PartyIx> {
        let own: Option<&[Period]> = match role {
            HolderRole::Sovereign => Some(&self.sovereign),
            HolderRole::Controller => self.controller.as_deref(),
            HolderRole::Administrator => self.administrator.as_deref(),
        };
        let hit = own.and_then(|ps| {
            ps.iter()
                .find(|p| at.within(p.from.as_ref(), p.to.as_ref()) != crate::truth::Truth::False)
                .map(|p| p.party)
        });
        match (hit, role) {
            (Some(p), _) => Some(p),
            (None, HolderRole::Sovereign) => None,
            (None, HolderRole::Controller) => self.holder_on(HolderRole::Sovereign, at),
            (None, HolderRole::Administrator) => self.holder_on(HolderRole::Controller, at),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TreatyMember {
    pub party: Option<PartyIx>,
    pub members_of: Option<PartyIx>,
    pub from: Option<When>,
    pub to: Option<When>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Reservation {
    pub party: PartyIx,
    pub kind: crate::model::ReservationKind,
    pub clauses: Vec<ClauseIx>,
    pub toward: Vec<PartyIx>,
    pub from: Option<When>,
    pub to: Option<When>,
    pub opt_out: bool,
    pub max_level: Option<Level>,
    pub exclude_forms: u16,
    pub caveats: Vec<Caveat>,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Treaty {
    pub id: String,
    pub name: String,
    pub status: TreatyStatus,
    pub signed: Option<When>,
    pub in_force: Option<When>,
    pub terminated: Option<When>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub members: Vec<TreatyMember>,
    /// Every party that is a party at some date (for explanations and indexes).
    pub ever: Vec<PartyIx>,
    /// Each party appears in exactly one direct entry of `members` (no `members_of`): the
    /// obligors of a clause can then be read off `members` in one pass.
    pub simple_members: bool,
    #[serde(with = "crate::compiled::accession")]
    pub accession: Option<Accession>,
    #[serde(with = "crate::compiled::withdrawal")]
    pub withdrawal: Option<Withdrawal>,
    pub clauses: Vec<ClauseIx>,
    pub reservations: Vec<Reservation>,
    /// Its lapses as written (party, what it joins, note), and the first day one happens (already folded into
    /// `terminated`) with the words for it.
    pub lapses: Vec<(String, String, Option<String>)>,
    pub lapsed: Option<(When, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Obligors {
    Others,
    All,
    Named(Vec<PartyIx>),
}

/// A beneficiary of an obligation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Benef {
    /// The party attacked (the usual case).
    Target,
    /// Each attacker that is a party.
    Attacker,
    /// A named party, whoever is attacked (Ukraine, when a guarantor's forces are).
    Party(PartyIx),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Obligation {
    pub level: Level,
    pub obligated: Obligors,
    /// Toward whom, in order, without repeats (at least one).
    pub toward: Vec<Benef>,
    /// Against whom besides the attacker(s), sorted.
    pub against: Vec<Against>,
    /// Obligors who lead the response.
    pub lead: Vec<PartyIx>,
    pub required: u16,
    pub allowed: u16,
    pub excluded: u16,
    pub deadline: Option<Deadline>,
    pub caveats: Vec<Caveat>,
    /// `primacy_of` caveats resolved to treaties.
    pub primacy: Vec<TreatyIx>,
    pub when: Option<NodeIx>,
    /// Its place in a sequence of stages (1-based) and the number of stages; `(1, 1)` for an
    /// obligation in one step.
    pub stage: (u8, u8),
    /// Hours from the attack by which it is due: its deadline plus those of the stages before
    /// it (`None` when one of them has none).
    pub due: Option<u64>,
}

impl Obligation {
    /// Where it stands in a sequence of stages, as verdicts and the graph write it: nothing
    /// for an obligation in one step; for a later stage, also when it is due from the attack.
    pub(crate) fn staging(&self) -> crate::verdict::Staging {
        let staged = self.stage.1 > 1;
        crate::verdict::Staging {
            stage: staged.then_some(self.stage.0),
            stages: staged.then_some(self.stage.1),
            due: if staged && self.stage.0 > 1 {
                self.due_words()
            } else {
                None
            },
        }
    }

    /// When it is due, from the attack, in words: `within 24 hours` for a first stage or an
    /// obligation in one step, `within 8 days of the attack` for a later stage.
    pub(crate) fn due_words(&self) -> Option<String> {
        let h = self.due?;
        if self.stage.0 <= 1 {
            return self.deadline.map(|d| d.to_string());
        }
        Some(if h % 24 == 0 {
            format!("within {} days of the attack", h / 24)
        } else {
            format!("within {h} hours of the attack")
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Reading {
    pub id: String,
    pub basis: String,
    pub trigger: NodeIx,
    pub obligations: Vec<Obligation>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Clause {
    pub treaty: TreatyIx,
    pub id: String,
    pub citation: String,
    pub summary: Option<String>,
    pub trigger: NodeIx,
    pub obligations: Vec<Obligation>,
    pub reading: Option<(String, String)>,
    pub readings: Vec<Reading>,
    /// Event kinds that can trigger the clause (bit per kind).
    pub event_mask: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum PTest {
    Target,
    Attacker,
    TreatyParty,
    State,
    NonState,
    Is(Vec<PartyIx>),
    MemberOf(PartyIx),
    PartyTo(TreatyIx),
}

/// An instrument the rule set leaves out on purpose (`not_modelled:` in a rule file).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct NotModelled {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub concerns: Vec<PartyIx>,
    pub why: String,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum LTest {
    In(Vec<PlaceIx>),
    Tagged(Vec<u64>, Vec<String>),
    Holder(HolderRole, PTest, Option<When>),
    Area,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Node {
    All(Vec<NodeIx>),
    Any(Vec<NodeIx>),
    Not(NodeIx),
    Event(u8),
    Means(u8),
    On(u8),
    Attacker(PTest),
    Attackers(u32, PTest),
    SupportedBy(PTest),
    Target(PTest),
    Location(LTest),
    LaunchedFrom(LTest),
    /// The forces hit were deployed under one of these treaties (sorted, no repeats).
    DeployedUnder(Vec<TreatyIx>),
    Date(Option<When>, Option<When>),
    Fact(FactIx),
    Always(bool),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Fact {
    pub id: String,
    pub description: String,
}

/// Candidate clauses per target party and for any target, each with the event kinds that can
/// trigger it, in one flat array per kind of key (compressed rows: `starts[p]..starts[p + 1]`),
/// so that choosing candidates touches no clause that cannot fire.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Index {
    /// Per party, the treaties it is a party to at some date (directly or through an
    /// organization), sorted.
    pub treaties_of: Vec<Vec<TreatyIx>>,
    /// Treaties with a clause that can protect any target, sorted.
    pub open_treaties: Vec<TreatyIx>,
    pub starts: Vec<u32>,
    pub by_target: Vec<(ClauseIx, u8)>,
    pub any_target: Vec<(ClauseIx, u8)>,
}

impl Engine {
    /// Whether place `px` is one of `list` or lies (through `within:`) in one of them: a
    /// scenario at a subdivision is also at every place containing it.
    pub(crate) fn place_in(&self, px: PlaceIx, list: &[PlaceIx]) -> bool {
        self.place_and_ancestors(px).any(|p| list.contains(&p))
    }

    /// The place itself, then each place containing it, nearest first.
    pub(crate) fn place_and_ancestors(&self, px: PlaceIx) -> impl Iterator<Item = PlaceIx> + '_ {
        // Cycles are rejected when the rule set is resolved; the bound is a second guard.
        std::iter::successors(Some(px), |p| self.places.get(*p as usize).and_then(|x| x.within))
            .take(self.places.len().max(1))
    }

    /// The member rows of treaty `t`, when it has them (see `Engine::member_rows`).
    pub(crate) fn day_members(&self, t: TreatyIx) -> Option<&[(PartyIx, i32, i32)]> {
        let (a, b) = self.treaty_rows.get(t as usize).copied().flatten()?;
        self.member_rows.get(a as usize..b as usize)
    }

    /// Treaty `t`'s windows of membership, every party's, sorted by party (see
    /// `Engine::party_rows`), when the treaty has them.
    pub(crate) fn treaty_windows(&self, t: TreatyIx) -> Option<&[(PartyIx, i32, i32)]> {
        let (a, b) = self.treaty_party_rows.get(t as usize).copied().flatten()?;
        self.party_rows.get(a as usize..b as usize)
    }

    /// Treaty `t`'s windows of membership of party `p`, when the treaty has rows (see
    /// `Engine::party_rows`): empty when `p` is never a party. Read from `p`'s own rows
    /// (`Engine::rows_by_party`), which a verdict reads treaty after treaty. Only a row's
    /// days are for reading: its first field is the treaty here, the party when the rows
    /// come from `windows_in_treaty`.
    pub(crate) fn party_windows(&self, t: TreatyIx, p: PartyIx) -> Option<&[(PartyIx, i32, i32)]> {
        self.treaty_party_rows.get(t as usize).copied().flatten()?;
        let (Some(a), Some(b)) = (
            self.party_row_starts.get(p as usize),
            self.party_row_starts.get(p as usize + 1),
        ) else {
            return self.windows_in_treaty(t, p);
        };
        let rows = self.rows_by_party.get(*a as usize..*b as usize)?;
        let lo = rows.partition_point(|r| r.0 < t);
        // A party has a window or two: counted, not searched for.
        let n = rows.get(lo..).map_or(0, |r| r.iter().take_while(|r| r.0 == t).count());
        rows.get(lo..lo + n)
    }

    /// As `party_windows`, searched for in the treaty's rows.
    pub(crate) fn windows_in_treaty(&self, t: TreatyIx, p: PartyIx) -> Option<&[(PartyIx, i32, i32)]> {
        let rows = self.treaty_windows(t)?;
        let lo = rows.partition_point(|r| r.0 < p);
        let n = rows.get(lo..).map_or(0, |r| r.iter().take_while(|r| r.0 == p).count());
        rows.get(lo..lo + n)
    }
}

impl Index {
    /// The clauses indexed under one target.
    pub fn of(&self, target: PartyIx) -> &[(ClauseIx, u8)] {
        let a = self.starts.get(target as usize).copied().unwrap_or(0) as usize;
        let b = self.starts.get(target as usize + 1).copied().unwrap_or(0) as usize;
        self.by_target.get(a..b).unwrap_or(&[])
    }
}

/// The item at an index the engine made itself (a party, place, treaty, clause, fact or node
/// index taken from the resolved rule set), which cannot be out of range. A debug build stops
/// there if it is, so that such a bug fails a test; a release build returns `None` and the
/// caller's documented fallback is what prints.
pub(crate) fn made<'a, T>(items: &'a [T], ix: u32, kind: &str) -> Option<&'a T> {
    let item = items.get(ix as usize);
    debug_assert!(
        item.is_some(),
        "{kind} index {ix} out of range: only {} {kind}s",
        items.len()
    );
    item
}

/// A clause as the first step of evaluation reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ClauseHot {
    pub treaty: TreatyIx,
    /// The default reading's trigger.
    pub trigger: NodeIx,
    /// The trigger as a program: `Engine::program[start..end]`.
    pub program: (u32, u32),
    /// The treaty is in force on a day `d` (given as [`crate::time::day_key`]) exactly when
    /// `from <= d < to`; `None` when its dates are instants, so that only
    /// `Engine::in_force_at` can tell.
    pub in_force: Option<(i32, i32)>,
}

/// One step of a trigger compiled to a flat program (prefix order, one clause's steps
/// contiguous): what evaluating the trigger of a candidate clause reads, in a cache line or
/// two, instead of following the condition tree's nodes and child lists. Evaluating a program
/// gives exactly what evaluating its nodes gives (value and what it waits on). Every step
/// names the node it was compiled from (`node`), so that a reason can name the part that is
/// false without walking the tree again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Op {
    /// The next `n` subtrees, all of them; `end` is the index after the last.
    All { n: u16, end: u32, node: NodeIx },
    /// The next `n` subtrees, any of them; `end` is the index after the last.
    Any { n: u16, end: u32, node: NodeIx },
    /// The negation of the next subtree.
    Not { node: NodeIx },
    /// `Node::Event`.
    Event { mask: u8, node: NodeIx },
    /// `target: treaty_party`.
    TargetTreatyParty { node: NodeIx },
    /// `location: {tagged: …}` with every tag in the first word; `node` when the place's
    /// tags are not all in its first word.
    Tagged { bits: u64, node: NodeIx },
    /// `location: {<role>: target}` at the scenario's date; `node` when the place's holders
    /// change over time.
    HolderIsTarget { node: NodeIx },
    /// Any other leaf, evaluated from its node.
    Leaf(NodeIx),
}

impl Op {
    /// The node this step was compiled from.
    pub(crate) fn node(self) -> NodeIx {
        match self {
            Op::All { node, .. }
            | Op::Any { node, .. }
            | Op::Not { node }
            | Op::Event { node, .. }
            | Op::TargetTreatyParty { node }
            | Op::Tagged { node, .. }
            | Op::HolderIsTarget { node }
            | Op::Leaf(node) => node,
        }
    }
}

/// A place as the hot path reads it: copied into a prepared scenario, so that evaluating a
/// location test touches no `Place`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PlaceFast {
    /// The first 64 tags as bits (all of them when `all_tags`).
    pub tags: u64,
    /// Every tag fits in `tags`.
    pub all_tags: bool,
    /// One sovereign for all time and no controller or administrator periods: every holder is
    /// `sovereign`.
    pub simple: bool,
    /// The sole sovereign when `simple`.
    pub sovereign: PartyIx,
    /// A sea or air area.
    pub area: bool,
}

/// The compiled form of a rule set: load it once, evaluate many scenarios, from any thread.
///
/// Built by [`crate::RuleSet::compile`]. Evaluation does no I/O and never fails once the
/// engine exists; a scenario that names something the rule set lacks is rejected when it is
/// prepared.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Engine {
    pub(crate) not_modelled: Vec<NotModelled>,
    /// Lines of contact, as declared (`across_line:` compiles to a holder test at the line's
    /// date; these are kept to write the rule set back and to name the line).
    pub(crate) lines: Vec<Line>,
    pub(crate) parties: Vec<Party>,
    pub(crate) places: Vec<Place>,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) facts: Vec<Fact>,
    pub(crate) treaties: Vec<Treaty>,
    pub(crate) clauses: Vec<Clause>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) index: Index,
    /// Per place, what evaluation needs in one word or two (built with the index).
    pub(crate) place_fast: Vec<PlaceFast>,
    /// Per clause, what deciding whether it triggers needs first (built with the index):
    /// a dense array, so that rejecting a candidate clause touches no `Clause` or `Treaty`.
    pub(crate) clause_hot: Vec<ClauseHot>,
    /// Every clause's default trigger as a flat program (see [`Op`]).
    pub(crate) program: Vec<Op>,
    /// Per treaty whose members are simple and whose dates of membership are whole days:
    /// where its rows start and end in `member_rows` (built with the index).
    pub(crate) treaty_rows: Vec<Option<(u32, u32)>>,
    /// Each such treaty's `members` as (party, first day, day after the last), keys from
    /// [`crate::time::day_key`] (`i32::MIN` / `i32::MAX` when open), one treaty after
    /// another: on a day, membership is two integer comparisons on twelve contiguous bytes.
    pub(crate) member_rows: Vec<(PartyIx, i32, i32)>,
    /// Per treaty: where its rows start and end in `party_rows` (built with the index).
    pub(crate) treaty_party_rows: Vec<Option<(u32, u32)>>,
    /// Each treaty's windows of membership as (party, first day, day after the last), an
    /// entry through `members_of` flattened into one row per period of membership in the
    /// organisation; sorted by party within a treaty, so that a party's rows are found by
    /// binary search. A party with a bound that is an instant has the row
    /// `query::ASK_ENTRIES` (its last): its membership is read from the entries.
    pub(crate) party_rows: Vec<(PartyIx, i32, i32)>,
    /// Per party, where its rows start in `rows_by_party`, and one more for the end (empty
    /// when the rows could not be counted in `u32`: `party_windows` then searches each
    /// treaty's rows).
    pub(crate) party_row_starts: Vec<u32>,
    /// `party_rows` again, party by party: (treaty, first day, day after the last), sorted by
    /// party, then treaty, then window. A verdict asks its target's membership of every treaty
    /// it involves: that party's rows lie side by side, where a search through each treaty's
    /// rows (thousands, for a treaty open to all) misses the cache at every step.
    pub(crate) rows_by_party: Vec<(TreatyIx, i32, i32)>,
    #[serde(with = "crate::compiled::sorted_map")]
    pub(crate) party_ix: std::collections::HashMap<String, PartyIx>,
    #[serde(with = "crate::compiled::sorted_map")]
    pub(crate) place_ix: std::collections::HashMap<String, PlaceIx>,
    #[serde(with = "crate::compiled::sorted_map")]
    pub(crate) fact_ix: std::collections::HashMap<String, FactIx>,
    #[serde(with = "crate::compiled::sorted_map")]
    pub(crate) treaty_ix: std::collections::HashMap<String, TreatyIx>,
    /// Places by folded name, built on the first lookup by name.
    #[serde(skip)]
    pub(crate) names: std::sync::OnceLock<crate::names::NameIndex>,
    /// Ids, names and orders by id as shared texts, for verdicts' reasons; built on the first
    /// verdict that lists one.
    #[serde(skip)]
    pub(crate) lexicon: std::sync::OnceLock<std::sync::Arc<crate::eval::Lexicon>>,
}

pub(crate) fn form_bits(forms: &[Form]) -> u16 {
    forms.iter().fold(0u16, |acc, f| acc | (1u16 << (*f as u16)))
}

pub(crate) fn forms_of(bits: u16) -> Vec<Form> {
    if bits == 0 {
        return Vec::new();
    }
    Form::ALL
        .iter()
        .copied()
        .filter(|f| bits & (1u16 << (*f as u16)) != 0)
        .collect()
}
