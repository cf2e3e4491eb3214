//! The answer: who must respond, how strongly, in what form, by when, under which clause, and
//! why (or why not). Plain data, serializable; the JSON field names are pinned.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::level::Level;
use crate::time::When;
use crate::truth::Truth;
use crate::vocab::{Caveat, Deadline, EventKind, Form};

mod explained;
mod grouped;
mod sources;

pub(crate) use explained::{Held, HeldTrace, WordsAt};
pub(crate) use grouped::{ClauseGroup, Code, Grouped, Kept, Key, Lazy, TreatyGroup};
#[cfg(feature = "verify")]
pub(crate) use sources::caveats_in;
pub(crate) use sources::{ClauseTerms, Parties, Seed, Seeds};
pub use sources::{ObligationList, SourceList};

/// Whether an obligation holds on the facts given, or waits on facts left open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Holds on the facts given.
    Definite,
    /// Holds if the facts in `depends_on` turn out so.
    Contingent,
}

impl Status {
    /// Both, definite first.
    pub const ALL: [Status; 2] = [Status::Definite, Status::Contingent];

    /// The pinned lower-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Definite => "definite",
            Status::Contingent => "contingent",
        }
    }
}

crate::vocab::named_words!(Status, "status");

/// Response forms of an obligation.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Forms {
    /// Forms that must be used.
    pub required: Vec<Form>,
    /// Forms named as allowed.
    pub allowed: Vec<Form>,
    /// Forms ruled out.
    pub excluded: Vec<Form>,
}

impl Forms {
    /// Whether nothing is said about forms.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.required.is_empty() && self.allowed.is_empty() && self.excluded.is_empty()
    }
}

/// One clause that obliges a party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// Treaty id.
    pub treaty: Shared,
    /// Treaty name.
    pub treaty_name: Shared,
    /// Whether the treaty is a draft, not in force.
    pub draft: bool,
    /// Clause id.
    pub clause: Shared,
    /// As cited (`Art. 5`).
    pub citation: Shared,
    /// The party the obligation runs toward.
    pub toward: Shared,
    /// The level under this clause.
    pub level: Level,
    /// Definite or contingent under this clause.
    pub status: Status,
    /// What it waits on, when contingent.
    pub depends_on: Vec<String>,
    /// Response forms under this clause.
    pub forms: Forms,
    /// By when, under this clause (in the JSON, in words: `within 24 hours`).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "words::maybe")]
    pub deadline: Option<Deadline>,
    /// Caveats under this clause (in the JSON, in words: `constitutional_processes`), in the
    /// order of their words.
    #[serde(with = "words::list")]
    pub caveats: Vec<Caveat>,
    /// Reservations, understandings or suspensions of the party that changed this obligation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reservations: Vec<String>,
    /// (ext) For an obligation in stages: which stage, of how many, due by when (the fields
    /// `stage`, `stages`, `due`, written inline).
    #[serde(flatten)]
    pub staging: Staging,
    /// (ext) Whether the party leads the response under this obligation (`lead:` in the rule
    /// language); absent when it does not.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lead: bool,
    /// (ext) Against whom the response is directed, where the obligation names more than the
    /// attacker (`against:`): the attackers, then the supporters or the state the attack was
    /// launched from, each once; absent otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub against: Vec<String>,
}

impl Source {
    /// The steps of a staged obligation in words (`consult within 24 hours, then assist (no
    /// deadline)`), from the sources of one party; `None` when no source is staged.
    #[must_use]
    pub fn sequence(sources: &[Source]) -> Option<String> {
        let mut staged: Vec<&Source> = sources.iter().filter(|s| s.staging.stage.is_some()).collect();
        if staged.is_empty() {
            return None;
        }
        staged.sort_by(|a, b| {
            (&a.treaty, &a.clause, a.staging.stage, &a.toward).cmp(&(&b.treaty, &b.clause, b.staging.stage, &b.toward))
        });
        // One step per stage, whoever it runs toward (an obligation toward two beneficiaries).
        staged.dedup_by(|a, b| (&a.treaty, &a.clause, a.staging.stage) == (&b.treaty, &b.clause, b.staging.stage));
        let steps: Vec<String> = staged
            .iter()
            .map(|s| {
                let by = match (s.staging.stage, &s.deadline, &s.staging.due) {
                    (Some(1), Some(d), _) => d.to_string(),
                    (_, Some(d), Some(due)) => format!("{d} after ({due})"),
                    (_, Some(d), None) => format!("{d} after"),
                    (_, None, _) => "(no deadline)".into(),
                };
                format!("{} {by}", s.level)
            })
            .collect();
        Some(steps.join(", then "))
    }
}

/// (ext) Where an obligation in stages stands (`then:` in the rule language), as a verdict's
/// sources and the graph's commitments write it: every field absent for an obligation in one
/// step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staging {
    /// Which stage this is (1-based; a later stage is owed once the one before it is done,
    /// its `deadline` running from then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<u8>,
    /// How many stages there are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stages: Option<u8>,
    /// For a later stage: by when it is due, counted from the attack (absent when a stage
    /// before it has no deadline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
}

/// Where an alternative reading of a clause gives a different answer for a party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadingDifference {
    /// Treaty id.
    pub treaty: String,
    /// Clause id.
    pub clause: String,
    /// As cited.
    pub citation: String,
    /// The alternative reading.
    pub reading: String,
    /// Who holds it and why.
    pub basis: String,
    /// The level under the alternative (`null`: no obligation).
    pub level: Option<Level>,
    /// The status under the alternative.
    pub status: Option<Status>,
    /// The level under the default reading.
    pub default_level: Option<Level>,
    /// The status under the default reading.
    pub default_status: Option<Status>,
}

/// One party's obligations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartyObligation {
    /// Party id.
    pub party: Shared,
    /// Party name.
    pub name: Shared,
    /// The strongest level over all sources (`neutrality` only if nothing else).
    pub level: Level,
    /// Whether that level is definite or contingent.
    pub status: Status,
    /// What a contingent level waits on.
    pub depends_on: Vec<String>,
    /// Every clause that obliges the party (a list of [`Source`], held as data and built when
    /// read: see [`SourceList`]).
    pub sources: SourceList,
    /// Forms over the sources at the strongest level.
    pub forms: Forms,
    /// The tightest deadline over the sources at the strongest level.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "words::maybe")]
    pub deadline: Option<Deadline>,
    /// Caveats over the sources at the strongest level.
    #[serde(with = "words::list")]
    pub caveats: Vec<Caveat>,
    /// Where an alternative reading differs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readings: Vec<ReadingDifference>,
}

/// Why a member of a relevant treaty is not obliged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// The treaty is not yet in force at the date.
    TreatyNotInForce,
    /// The treaty has ended.
    TreatyTerminated,
    /// The party is not a party at the date (not yet a member, or left).
    NotAParty,
    /// The party is the target.
    IsTarget,
    /// The party is the attacker.
    IsAttacker,
    /// The target is not a party to the treaty.
    TargetNotAParty,
    /// The target is not one the clause covers.
    TargetNotCovered,
    /// The place or what was hit is outside the clause's scope.
    OutOfScope,
    /// The kind of event does not trigger the clause.
    EventNotCovered,
    /// The means (conventional, nuclear) does not trigger the clause.
    MeansNotCovered,
    /// The attacker (or its supporters) is not one the clause covers.
    AttackerNotCovered,
    /// The date is outside the clause's window.
    DateOutOfRange,
    /// A fact the clause requires is false (not requested, provoked, …).
    ConditionNotMet,
    /// The clause obliges named parties only, and not this one.
    NotNamed,
    /// The party's reservation or opt-out removes the obligation.
    Reservation,
    /// The obligation is suspended between the two parties.
    Suspended,
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: [Reason; 16] = [
        Reason::TreatyNotInForce,
        Reason::TreatyTerminated,
        Reason::NotAParty,
        Reason::IsTarget,
        Reason::IsAttacker,
        Reason::TargetNotAParty,
        Reason::TargetNotCovered,
        Reason::OutOfScope,
        Reason::EventNotCovered,
        Reason::MeansNotCovered,
        Reason::AttackerNotCovered,
        Reason::DateOutOfRange,
        Reason::ConditionNotMet,
        Reason::NotNamed,
        Reason::Reservation,
        Reason::Suspended,
    ];

    /// The pinned lower-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::TreatyNotInForce => "treaty_not_in_force",
            Reason::TreatyTerminated => "treaty_terminated",
            Reason::NotAParty => "not_a_party",
            Reason::IsTarget => "is_target",
            Reason::IsAttacker => "is_attacker",
            Reason::TargetNotAParty => "target_not_a_party",
            Reason::TargetNotCovered => "target_not_covered",
            Reason::OutOfScope => "out_of_scope",
            Reason::EventNotCovered => "event_not_covered",
            Reason::MeansNotCovered => "means_not_covered",
            Reason::AttackerNotCovered => "attacker_not_covered",
            Reason::DateOutOfRange => "date_out_of_range",
            Reason::ConditionNotMet => "condition_not_met",
            Reason::NotNamed => "not_named",
            Reason::Reservation => "reservation",
            Reason::Suspended => "suspended",
        }
    }
}

crate::vocab::named_words!(Reason, "reason");

/// Text that many entries of a verdict share (an id, a name, a reason worded once): cloning
/// it copies a pointer, not the text. It reads as a `&str` (`as_str`, `Deref`), compares
/// with `str` and `String`, and serializes as a plain string.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shared(Arc<str>);

impl Shared {
    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Shared {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Shared {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Shared {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Shared {
    fn from(s: &str) -> Self {
        Shared(Arc::from(s))
    }
}

impl From<String> for Shared {
    fn from(s: String) -> Self {
        Shared(Arc::from(s))
    }
}

impl From<Shared> for String {
    fn from(s: Shared) -> Self {
        s.0.to_string()
    }
}

impl PartialEq<str> for Shared {
    fn eq(&self, o: &str) -> bool {
        &*self.0 == o
    }
}

impl PartialEq<&str> for Shared {
    fn eq(&self, o: &&str) -> bool {
        &*self.0 == *o
    }
}

impl PartialEq<String> for Shared {
    fn eq(&self, o: &String) -> bool {
        *self.0 == **o
    }
}

impl PartialEq<Shared> for str {
    fn eq(&self, o: &Shared) -> bool {
        self == &*o.0
    }
}

impl PartialEq<Shared> for &str {
    fn eq(&self, o: &Shared) -> bool {
        *self == &*o.0
    }
}

impl PartialEq<Shared> for String {
    fn eq(&self, o: &Shared) -> bool {
        **self == *o.0
    }
}

impl fmt::Display for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Serialize for Shared {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Shared {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Shared::from)
    }
}

/// Why a member owes nothing, in words: kept as data and worded when displayed or
/// serialized (as the string it always was). `to_string()` (or [`Detail::text`]) gives the
/// words.
#[derive(Clone)]
#[non_exhaustive]
pub enum Detail {
    /// Worded once and shared by every entry that gives it: a treaty not in force, a trigger
    /// or an obligation condition that is false for every member, a reservation's note.
    Words(Shared),
    /// `{party} is not a party to {treaty} on {date}`, with when it joins or left, if known.
    NotAParty {
        /// Party id.
        party: Shared,
        /// Treaty name.
        treaty: Shared,
        /// The scenario's date, in words.
        date: Shared,
        /// When the party becomes a party (`false`) or ceased to be one (`true`).
        change: Option<(bool, crate::time::When)>,
    },
    /// `{party} is the attacker`.
    IsAttacker(Shared),
    /// `{citation}: {party} is the target`.
    IsTarget {
        /// The clause as cited.
        citation: Shared,
        /// Party id.
        party: Shared,
    },
    /// `{citation}: the clause obliges only the parties it names, not {party}`.
    NotNamed {
        /// The clause as cited.
        citation: Shared,
        /// Party id.
        party: Shared,
    },
    /// `{citation}: no obligation arises for this party`.
    NoObligation {
        /// The clause as cited.
        citation: Shared,
    },
    /// `{citation}: requires {wanted}; {actual}`: a condition of the clause that is false,
    /// what it asks for (worded once per engine) and what the scenario has (worded once per
    /// verdict).
    Requires {
        /// The clause as cited.
        citation: Shared,
        /// The condition, in words.
        wanted: Shared,
        /// What the scenario has, in words.
        actual: Shared,
    },
    /// `{citation}: target {target} is not a party to {treaty} on {date}`: a trigger that
    /// asks for a target that is a party.
    TargetNotAParty {
        /// The clause as cited.
        citation: Shared,
        /// The target's id.
        target: Shared,
        /// Treaty name.
        treaty: Shared,
        /// The scenario's date, in words.
        date: Shared,
    },
}

impl Detail {
    /// The words, borrowed when they were worded once.
    #[must_use]
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Detail::Words(w) => Cow::Borrowed(w.as_str()),
            other => Cow::Owned(other.to_string()),
        }
    }
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Detail::Words(w) => f.write_str(w),
            Detail::NotAParty {
                party,
                treaty,
                date,
                change,
            } => {
                write!(f, "{party} is not a party to {treaty} on {date}")?;
                match change {
                    Some((false, j)) => write!(f, " (it becomes a party on {j})"),
                    Some((true, l)) => write!(f, " (it ceased to be a party on {l})"),
                    None => Ok(()),
                }
            }
            Detail::IsAttacker(p) => write!(f, "{p} is the attacker"),
            Detail::IsTarget { citation, party } => write!(f, "{citation}: {party} is the target"),
            Detail::NotNamed { citation, party } => {
                write!(
                    f,
                    "{citation}: the clause obliges only the parties it names, not {party}"
                )
            }
            Detail::NoObligation { citation } => write!(f, "{citation}: no obligation arises for this party"),
            Detail::Requires {
                citation,
                wanted,
                actual,
            } => write!(f, "{citation}: requires {wanted}; {actual}"),
            Detail::TargetNotAParty {
                citation,
                target,
                treaty,
                date,
            } => write!(f, "{citation}: target {target} is not a party to {treaty} on {date}"),
        }
    }
}

impl fmt::Debug for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.text(), f)
    }
}

/// Two details are equal when their words are.
impl PartialEq for Detail {
    fn eq(&self, o: &Self) -> bool {
        match (self, o) {
            (Detail::Words(a), Detail::Words(b))
            | (Detail::IsAttacker(a), Detail::IsAttacker(b))
            | (Detail::NoObligation { citation: a }, Detail::NoObligation { citation: b }) => a == b,
            _ => self.text() == o.text(),
        }
    }
}

impl PartialEq<str> for Detail {
    fn eq(&self, o: &str) -> bool {
        self.text() == o
    }
}

impl PartialEq<&str> for Detail {
    fn eq(&self, o: &&str) -> bool {
        self.text() == *o
    }
}

impl Serialize for Detail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Detail::Words(w) => s.serialize_str(w),
            other => s.collect_str(other),
        }
    }
}

/// Read back from its words: a [`Detail::Words`] that equals (and serializes as) the detail
/// it was written from.
impl<'de> Deserialize<'de> for Detail {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Shared::deserialize(d).map(Detail::Words)
    }
}

/// A member of a relevant treaty that is not obliged under it, and why. Its texts are shared
/// with the other entries of the verdict ([`Shared`], [`Detail`]): an entry costs no text of
/// its own. They serialize as the strings they always were.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotObligated {
    /// Party id (`as_str()` or `to_string()` for the text).
    pub party: Shared,
    /// Treaty id.
    pub treaty: Shared,
    /// The clause the reason comes from (absent for a reason that holds for the whole treaty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clause: Option<Shared>,
    /// Why not, as a code.
    pub reason: Reason,
    /// Why not, in words, citing the article (`to_string()` for the text).
    pub detail: Detail,
    /// Where an alternative reading would oblige the party.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readings: Vec<ReadingDifference>,
}

/// Every member of a relevant treaty that is not obliged, and why: a verdict's
/// `not_obligated`, the [`NotObligated`] entries in the order of (treaty, clause, party) ids.
///
/// A verdict holds them as evaluation found them, grouped (one reason per clause shared by
/// its members, the members that differ listed apart, the members themselves the engine's
/// list), and words each entry only when it is read ([`NotObligatedList::iter`]), displayed
/// or serialized: a hub party's verdict does not build a thousand entries nobody reads. It
/// serializes as the JSON list it always was and reads back from it; a list read back or
/// built from entries (`From<Vec<NotObligated>>`, `collect()`) holds them as given. Two
/// lists are equal when their entries are.
#[derive(Clone, Default)]
pub struct NotObligatedList(Repr);

#[derive(Clone)]
enum Repr {
    Flat(Vec<NotObligated>),
    Grouped(Box<Grouped>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Flat(Vec::new())
    }
}

impl NotObligatedList {
    /// How many entries.
    #[must_use]
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Flat(v) => v.len(),
            Repr::Grouped(g) => g.len(),
        }
    }

    /// Whether there is no entry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries in order, each worded as it is reached (its texts shared with the
    /// engine's: no entry copies an id or a name).
    #[must_use]
    pub fn iter(&self) -> NotObligatedIter<'_> {
        NotObligatedIter(match &self.0 {
            Repr::Flat(v) => Inner::Flat(v.iter()),
            Repr::Grouped(g) => Inner::Grouped(g.iter()),
        })
    }

    /// The entries as a vector.
    #[must_use]
    pub fn to_vec(&self) -> Vec<NotObligated> {
        self.iter().collect()
    }

    /// The first entry, if any.
    #[must_use]
    pub fn first(&self) -> Option<NotObligated> {
        self.iter().next()
    }

    /// Grouped reasons, as the evaluation builds them.
    pub(crate) fn grouped(g: Grouped) -> NotObligatedList {
        NotObligatedList(Repr::Grouped(Box::new(g)))
    }
}

/// The entries of a [`NotObligatedList`], in order (see [`NotObligatedList::iter`]).
#[derive(Debug, Clone)]
pub struct NotObligatedIter<'a>(Inner<'a>);

#[derive(Debug, Clone)]
enum Inner<'a> {
    Flat(std::slice::Iter<'a, NotObligated>),
    Grouped(grouped::Entries<'a>),
}

impl Iterator for NotObligatedIter<'_> {
    type Item = NotObligated;

    fn next(&mut self) -> Option<NotObligated> {
        match &mut self.0 {
            Inner::Flat(i) => i.next().cloned(),
            Inner::Grouped(i) => i.next(),
        }
    }
}

impl<'a> IntoIterator for &'a NotObligatedList {
    type Item = NotObligated;
    type IntoIter = NotObligatedIter<'a>;

    fn into_iter(self) -> NotObligatedIter<'a> {
        self.iter()
    }
}

impl IntoIterator for NotObligatedList {
    type Item = NotObligated;
    type IntoIter = std::vec::IntoIter<NotObligated>;

    fn into_iter(self) -> std::vec::IntoIter<NotObligated> {
        match self.0 {
            Repr::Flat(v) => v.into_iter(),
            Repr::Grouped(g) => g.iter().collect::<Vec<_>>().into_iter(),
        }
    }
}

impl From<Vec<NotObligated>> for NotObligatedList {
    fn from(v: Vec<NotObligated>) -> Self {
        NotObligatedList(Repr::Flat(v))
    }
}

impl From<NotObligatedList> for Vec<NotObligated> {
    fn from(l: NotObligatedList) -> Self {
        l.into_iter().collect()
    }
}

impl FromIterator<NotObligated> for NotObligatedList {
    fn from_iter<I: IntoIterator<Item = NotObligated>>(i: I) -> Self {
        NotObligatedList(Repr::Flat(i.into_iter().collect()))
    }
}

impl PartialEq for NotObligatedList {
    fn eq(&self, o: &Self) -> bool {
        self.len() == o.len() && self.iter().eq(o.iter())
    }
}

impl fmt::Debug for NotObligatedList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for NotObligatedList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for n in self {
            seq.serialize_element(&n)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for NotObligatedList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<NotObligated>::deserialize(d).map(NotObligatedList::from)
    }
}

/// A clause of a treaty that none of the scenario's parties belongs to, which would apply if
/// the target were a party (found by the survey of `--explain`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WouldApply {
    /// Treaty id.
    pub treaty: String,
    /// Clause id.
    pub clause: String,
    /// As cited.
    pub citation: String,
    /// The target it was tried for.
    pub target: String,
    /// In words.
    pub detail: String,
}

/// An instrument the rule set leaves out on purpose that concerns the attack's target or the
/// holder of its place (only in an explained verdict in which no party is obliged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotModelledNote {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// What kind of instrument (`statute`, `declaration`, …).
    pub kind: String,
    /// Why the rule set does not model it.
    pub detail: String,
    /// Source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Obligations of one party that pull in opposite directions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// Party id.
    pub party: String,
    /// In words.
    pub detail: String,
    /// The clauses involved, as `treaty/clause`.
    pub sources: Vec<String>,
}

/// One node of a trigger's condition tree, with its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionTrace {
    /// The condition in words.
    pub condition: String,
    /// Its value.
    pub value: Truth,
    /// What an unknown value waits on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Sub-conditions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<ConditionTrace>,
}

/// How one clause's trigger came out for one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClauseTrace {
    /// Treaty id.
    pub treaty: String,
    /// Clause id.
    pub clause: String,
    /// As cited.
    pub citation: String,
    /// The target it was evaluated for.
    pub target: String,
    /// Whether the treaty is in force at the date.
    pub in_force: Truth,
    /// The trigger's value.
    pub value: Truth,
    /// The condition tree.
    pub trigger: ConditionTrace,
}

/// How the trigger of every clause of the involved treaties came out for each target: a
/// verdict's `explanation`, the [`ClauseTrace`]s in the order of (treaty, clause, target) ids.
///
/// A verdict holds each tree as evaluation found it (the engine's nodes in preorder with their
/// values; a node's words are the engine's own, worded once per engine) and words a
/// [`ClauseTrace`] only when it is read ([`Explanation::iter`]), displayed or serialized. It
/// serializes as the JSON list it always was and reads back from it; a list read back or built
/// from traces (`From<Vec<ClauseTrace>>`, `collect()`) holds them as given. Two lists are equal
/// when their traces are.
#[derive(Clone, Default)]
pub struct Explanation(Traces);

#[derive(Clone)]
enum Traces {
    Flat(Vec<ClauseTrace>),
    Held(Box<Held>),
}

impl Default for Traces {
    fn default() -> Self {
        Traces::Flat(Vec::new())
    }
}

impl Explanation {
    /// How many traces.
    #[must_use]
    pub fn len(&self) -> usize {
        match &self.0 {
            Traces::Flat(v) => v.len(),
            Traces::Held(h) => h.len(),
        }
    }

    /// Whether there is no trace.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The traces in order, each worded as it is reached.
    #[must_use]
    pub fn iter(&self) -> ExplanationIter<'_> {
        ExplanationIter { list: self, next: 0 }
    }

    /// The traces as a vector.
    #[must_use]
    pub fn to_vec(&self) -> Vec<ClauseTrace> {
        self.iter().collect()
    }

    /// The first trace, if any.
    #[must_use]
    pub fn first(&self) -> Option<ClauseTrace> {
        self.iter().next()
    }

    /// Trace `i`, worded.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<ClauseTrace> {
        match &self.0 {
            Traces::Flat(v) => v.get(i).cloned(),
            Traces::Held(h) => h.get(i),
        }
    }

    /// Held trees, as the evaluation builds them.
    pub(crate) fn held(h: Held) -> Explanation {
        Explanation(Traces::Held(Box::new(h)))
    }
}

/// The traces of an [`Explanation`], in order (see [`Explanation::iter`]).
#[derive(Debug, Clone)]
pub struct ExplanationIter<'a> {
    list: &'a Explanation,
    next: usize,
}

impl Iterator for ExplanationIter<'_> {
    type Item = ClauseTrace;

    fn next(&mut self) -> Option<ClauseTrace> {
        let t = self.list.get(self.next)?;
        self.next += 1;
        Some(t)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.list.len().saturating_sub(self.next);
        (left, Some(left))
    }
}

impl<'a> IntoIterator for &'a Explanation {
    type Item = ClauseTrace;
    type IntoIter = ExplanationIter<'a>;

    fn into_iter(self) -> ExplanationIter<'a> {
        self.iter()
    }
}

impl IntoIterator for Explanation {
    type Item = ClauseTrace;
    type IntoIter = std::vec::IntoIter<ClauseTrace>;

    fn into_iter(self) -> std::vec::IntoIter<ClauseTrace> {
        match self.0 {
            Traces::Flat(v) => v.into_iter(),
            Traces::Held(_) => self.to_vec().into_iter(),
        }
    }
}

impl From<Vec<ClauseTrace>> for Explanation {
    fn from(v: Vec<ClauseTrace>) -> Self {
        Explanation(Traces::Flat(v))
    }
}

impl From<Explanation> for Vec<ClauseTrace> {
    fn from(l: Explanation) -> Self {
        l.into_iter().collect()
    }
}

impl FromIterator<ClauseTrace> for Explanation {
    fn from_iter<I: IntoIterator<Item = ClauseTrace>>(i: I) -> Self {
        Explanation(Traces::Flat(i.into_iter().collect()))
    }
}

impl PartialEq for Explanation {
    fn eq(&self, o: &Self) -> bool {
        self.len() == o.len() && self.iter().eq(o.iter())
    }
}

impl fmt::Debug for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Explanation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for t in self {
            seq.serialize_element(&t)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Explanation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<ClauseTrace>::deserialize(d).map(Explanation::from)
    }
}

/// The scenario's place as the rule set has it on the scenario's day (*ext*): what it lies
/// within, who holds it in each role, and its tags, inherited ones included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceOnDay {
    /// Id.
    pub id: Shared,
    /// Name.
    pub name: Shared,
    /// The places it lies within, nearest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub within: Vec<Shared>,
    /// The de jure sovereign on the day (`null` when it has none then).
    pub sovereign: Option<Shared>,
    /// The de facto controller on the day (the sovereign unless the rules say otherwise).
    pub controller: Option<Shared>,
    /// The administrator on the day (the controller unless the rules say otherwise).
    pub administrator: Option<Shared>,
    /// Tags, inherited ones included.
    pub tags: Vec<Shared>,
}

/// The answer for one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The scenario's date.
    pub date: When,
    /// The scenario's event.
    pub event: EventKind,
    /// The targets.
    pub targets: Vec<String>,
    /// The attackers (`null` when unknown).
    pub attackers: Option<Vec<String>>,
    /// The place (`null` when unknown).
    pub location: Option<String>,
    /// The place's holders and tags on the day (*ext*; absent when the place is unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<PlaceOnDay>,
    /// Every obliged party, by id (a list of [`PartyObligation`], held as data and built
    /// when read: see [`ObligationList`]).
    pub obligations: ObligationList,
    /// Every member of a relevant treaty that is not obliged, and why (a list of
    /// [`NotObligated`], held grouped and worded when read: see [`NotObligatedList`]).
    pub not_obligated: NotObligatedList,
    /// Obligations that conflict.
    pub conflicts: Vec<Conflict>,
    /// Treaties the scenario's parties do not belong to whose clauses would apply if the target
    /// were a party (only with an explanation).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub would_apply: Vec<WouldApply>,
    /// Instruments the rule set leaves out on purpose that concern the target or the place,
    /// when no party is obliged (only with an explanation).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_modelled: Vec<NotModelledNote>,
    /// Condition trees (only when an explanation was asked for; a list of [`ClauseTrace`],
    /// held as data and worded when read: see [`Explanation`]).
    #[serde(default, skip_serializing_if = "Explanation::is_empty")]
    pub explanation: Explanation,
}

impl Verdict {
    /// The entry of one party, if it is obliged.
    #[must_use]
    pub fn party(&self, id: &str) -> Option<&PartyObligation> {
        self.obligations.iter().find(|p| p.party == id)
    }

    /// The strongest level of a party, `None` if it owes nothing.
    #[must_use]
    pub fn level_of(&self, id: &str) -> Option<Level> {
        self.party(id).map(|p| p.level)
    }

    /// Stable, pretty JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Vocabulary written in the JSON as its words (`Display`) and read back from them
/// (`FromStr`), where the rule language writes the same values as structures.
mod words {
    use std::fmt::Display;
    use std::str::FromStr;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    fn parse<'de, T, D>(word: &str) -> Result<T, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        word.parse().map_err(D::Error::custom)
    }

    /// An optional value, as its words or absent.
    pub(super) mod maybe {
        use super::*;

        pub(in crate::verdict) fn serialize<T: Display, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                Some(v) => s.collect_str(v),
                None => s.serialize_none(),
            }
        }

        pub(in crate::verdict) fn deserialize<'de, T, D>(d: D) -> Result<Option<T>, D::Error>
        where
            T: FromStr,
            T::Err: Display,
            D: Deserializer<'de>,
        {
            Option::<String>::deserialize(d)?.map(|w| parse::<T, D>(&w)).transpose()
        }
    }

    /// A list of values, each as its words.
    pub(super) mod list {
        use super::*;

        pub(in crate::verdict) fn serialize<T: Display, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(v.iter().map(ToString::to_string))
        }

        pub(in crate::verdict) fn deserialize<'de, T, D>(d: D) -> Result<Vec<T>, D::Error>
        where
            T: FromStr,
            T::Err: Display,
            D: Deserializer<'de>,
        {
            Vec::<String>::deserialize(d)?
                .iter()
                .map(|w| parse::<T, D>(w))
                .collect()
        }
    }
}
