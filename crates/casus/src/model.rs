//! The rule language as it is written: one struct per YAML construct.
//!
//! These types mirror the files exactly (every key is known; unknown keys are errors) and keep
//! the source location of every id, so that validation can point at the value that is wrong.
//! They are not what evaluation works on: [`crate::RuleSet::compile`] turns them into the
//! interned, indexed form in [`crate::Engine`]. The reference for treaty drafters is
//! `docs/rules.md`; this module is its Rust twin.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::level::Level;
use crate::time::When;
use crate::vocab::{Caveat, Deadline, EventKind, Form, Means, On};

/// A string id (party, territory, area, tag, fact, treaty, clause) with the place it was written.
pub type Id = Spanned<String>;

/// Where a value was written in its file: line and column (1-based; 0 when unknown) and its
/// byte span.
///
/// Sixteen bytes: a rule set of twenty thousand parties keeps the location of every id it
/// read, so this is kept small.
///
/// ```
/// let id: casus::model::Id = serde_saphyr::from_str("  NATO").unwrap();
/// assert_eq!((id.value.as_str(), id.referenced.line(), id.referenced.column()), ("NATO", 1, 3));
/// assert_eq!(casus::model::Location::UNKNOWN.line(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Location {
    line: u32,
    column: u32,
    /// Byte offset, or `u32::MAX` when unknown.
    offset: u32,
    /// Byte length, or `u32::MAX` when unknown.
    len: u32,
}

impl Location {
    /// A location not in any file (values made by a program rather than read).
    pub const UNKNOWN: Location = Location {
        line: 0,
        column: 0,
        offset: u32::MAX,
        len: u32::MAX,
    };

    /// The line, from 1 (0: unknown).
    #[must_use]
    pub fn line(&self) -> u64 {
        u64::from(self.line)
    }

    /// The column, from 1 (0: unknown).
    #[must_use]
    pub fn column(&self) -> u64 {
        u64::from(self.column)
    }

    /// The byte offset of the value in its file, when known.
    #[must_use]
    pub fn byte_offset(&self) -> Option<usize> {
        (self.offset != u32::MAX).then_some(self.offset as usize)
    }

    /// The length of the value in bytes, when known.
    #[must_use]
    pub fn byte_len(&self) -> Option<usize> {
        (self.len != u32::MAX).then_some(self.len as usize)
    }
}

impl From<serde_saphyr::Location> for Location {
    fn from(l: serde_saphyr::Location) -> Self {
        let small = |v: Option<u64>| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(u32::MAX);
        let span = l.span();
        Location {
            line: u32::try_from(l.line()).unwrap_or(u32::MAX),
            column: u32::try_from(l.column()).unwrap_or(u32::MAX),
            offset: small(span.byte_offset()),
            len: small(span.byte_len()),
        }
    }
}

/// A value with the place it was written (where an alias was used, for a value reached
/// through one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub referenced: Location,
}

impl<T> Spanned<T> {
    /// A value not read from a file.
    pub fn unlocated(value: T) -> Spanned<T> {
        Spanned {
            value,
            referenced: Location::UNKNOWN,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    /// Reads the value and where it was referenced through the YAML reader's span protocol
    /// (the one `serde_saphyr::Spanned` uses), without what that type also builds and drops
    /// for every value: a copy of the reader's private marker key as a `String`, and the
    /// definition site. A rule file of twenty thousand parties reads hundreds of thousands of
    /// located values. Other deserializers (a value buffered by serde) give the value without
    /// a location, as `serde_saphyr::Spanned` does.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(span::NEWTYPE, span::Outer(std::marker::PhantomData))
    }
}

/// Reading a [`Spanned`] value from the YAML reader (see its `Deserialize`).
mod span {
    use std::marker::PhantomData;

    use serde::Deserialize;
    use serde::de::{self, IntoDeserializer, MapAccess, Visitor};

    use super::{Location, Spanned};

    /// The newtype name under which the YAML reader offers a value with its locations.
    pub(super) const NEWTYPE: &str = "__yaml_spanned";
    /// The first key of the reader's synthesized map, marking the span protocol.
    const MARKER: &str = "__serde_saphyr_private_spanned";

    /// Unwraps the newtype: the reader answers with a map, serde's buffers with the value.
    pub(super) struct Outer<T>(pub(super) PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for Outer<T> {
        type Value = Spanned<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a located value")
        }

        fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(Inner(PhantomData))
        }
    }

    /// The value itself, from the reader's map `{marker, value, referenced, defined}` or, from
    /// another deserializer, as it comes (without a location).
    struct Inner<T>(PhantomData<T>);

    /// The keys of the reader's map; any other key is the first key of a plain mapping value.
    enum Key {
        Marker,
        Value,
        Referenced,
        Defined,
        Other(String),
    }

    impl Key {
        fn of(v: &str) -> Key {
            match v {
                MARKER => Key::Marker,
                "value" => Key::Value,
                "referenced" => Key::Referenced,
                "defined" => Key::Defined,
                other => Key::Other(other.to_owned()),
            }
        }

        /// The key as it was written.
        fn name(self) -> String {
            match self {
                Key::Marker => MARKER,
                Key::Value => "value",
                Key::Referenced => "referenced",
                Key::Defined => "defined",
                Key::Other(k) => return k,
            }
            .to_owned()
        }
    }

    impl<'de> Deserialize<'de> for Key {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_identifier(KeyOf(Key::of))
        }
    }

    /// Reads a map key as one of a few names (`K`), through `of`.
    struct KeyOf<K>(fn(&str) -> K);

    impl<K> Visitor<'_> for KeyOf<K> {
        type Value = K;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a key")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<K, E> {
            Ok((self.0)(v))
        }
    }

    /// A plain mapping whose first key was already read.
    struct Prepend<A> {
        first: Option<String>,
        tail: A,
    }

    impl<'de, A: MapAccess<'de>> MapAccess<'de> for Prepend<A> {
        type Error = A::Error;
        fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
            match self.first.take() {
                Some(k) => seed.deserialize(k.into_deserializer()).map(Some),
                None => self.tail.next_key_seed(seed),
            }
        }
        fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
            self.tail.next_value_seed(seed)
        }
    }

    fn plain<T>(value: T) -> Spanned<T> {
        Spanned::unlocated(value)
    }

    /// A value arriving as a scalar (from serde's buffers): read as it is, without a location.
    macro_rules! plain_scalars {
        ($($name:ident: $ty:ty),*) => {$(
            fn $name<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(plain)
            }
        )*};
    }

    impl<'de, T: Deserialize<'de>> Visitor<'de> for Inner<T> {
        type Value = Spanned<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a value")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            match map.next_key::<Key>()? {
                None => return T::deserialize(de::value::MapAccessDeserializer::new(map)).map(plain),
                Some(Key::Marker) => {}
                Some(other) => {
                    let rest = Prepend {
                        first: Some(other.name()),
                        tail: map,
                    };
                    return T::deserialize(de::value::MapAccessDeserializer::new(rest)).map(plain);
                }
            }
            map.next_value::<de::IgnoredAny>()?;
            let (mut value, mut referenced) = (None, None);
            // The reader gives the value, then where it was referenced, then where it was
            // defined (not kept: it is read only if it comes before the other two).
            while value.is_none() || referenced.is_none() {
                match map.next_key::<Key>()? {
                    Some(Key::Value) => value = Some(map.next_value::<T>()?),
                    Some(Key::Referenced) => referenced = Some(map.next_value::<Loc>()?.0),
                    Some(Key::Defined) => {
                        map.next_value::<Loc>()?;
                    }
                    Some(_) => {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                    None => break,
                }
            }
            let value = value.ok_or_else(|| de::Error::missing_field("value"))?;
            let referenced = referenced.ok_or_else(|| de::Error::missing_field("referenced"))?;
            Ok(Spanned { value, referenced })
        }

        plain_scalars!(visit_bool: bool, visit_i8: i8, visit_i16: i16, visit_i32: i32, visit_i64: i64,
            visit_u8: u8, visit_u16: u16, visit_u32: u32, visit_u64: u64, visit_f32: f32, visit_f64: f64,
            visit_char: char, visit_str: &str, visit_string: String);

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
            T::deserialize(de::value::BytesDeserializer::new(v)).map(plain)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            T::deserialize(().into_deserializer()).map(plain)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            T::deserialize(().into_deserializer()).map(plain)
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(plain)
        }
    }

    /// A location as the reader gives it: `{line, column, span: {offset, len, byte_info},
    /// source_id}`, of which the line, the column and the byte offset and length are kept.
    struct Loc(Location);

    /// The part of a span that is kept: (byte offset, byte length), `u32::MAX` when unknown.
    struct Bytes(u32, u32);

    /// A count in 32 bits, `u32::MAX` (unknown) when it does not fit.
    fn small(v: u64) -> u32 {
        u32::try_from(v).unwrap_or(u32::MAX)
    }

    impl<'de> Deserialize<'de> for Loc {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Loc;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a source location")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loc, A::Error> {
                    let mut loc = Location::UNKNOWN;
                    while let Some(key) = map.next_key::<LocKey>()? {
                        match key {
                            LocKey::Line => loc.line = small(map.next_value::<u64>()?),
                            LocKey::Column => loc.column = small(map.next_value::<u64>()?),
                            LocKey::Span => {
                                let Bytes(offset, len) = map.next_value::<Bytes>()?;
                                (loc.offset, loc.len) = (offset, len);
                            }
                            LocKey::Other => {
                                map.next_value::<de::IgnoredAny>()?;
                            }
                        }
                    }
                    Ok(Loc(loc))
                }
            }
            d.deserialize_struct("Location", &["line", "column", "span", "source_id"], V)
        }
    }

    impl<'de> Deserialize<'de> for Bytes {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Bytes;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a source span")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Bytes, A::Error> {
                    let mut bytes = Bytes(u32::MAX, u32::MAX);
                    while let Some(key) = map.next_key::<LocKey>()? {
                        if let LocKey::Other = key {
                            map.next_value::<de::IgnoredAny>()?;
                        } else {
                            let (offset, len) = map.next_value::<(u64, u64)>()?;
                            bytes = Bytes(small(offset), small(len));
                        }
                    }
                    Ok(bytes)
                }
            }
            d.deserialize_struct("Span", &["offset", "len", "byte_info"], V)
        }
    }

    /// The keys of a location and its span (`byte_info` read as the span's one kept field).
    enum LocKey {
        Line,
        Column,
        Span,
        Other,
    }

    impl LocKey {
        fn of(v: &str) -> LocKey {
            match v {
                "line" => LocKey::Line,
                "column" => LocKey::Column,
                "span" | "byte_info" => LocKey::Span,
                _ => LocKey::Other,
            }
        }
    }

    impl<'de> Deserialize<'de> for LocKey {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_identifier(KeyOf(LocKey::of))
        }
    }
}

impl<T: Serialize> Serialize for Spanned<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

/// A list read without the spare capacity its growth left: a rule set keeps every file's
/// lists until it is resolved, and for a data set of thousands of treaties the spare room of
/// doubled vectors is tens of megabytes.
fn shrunk<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    let mut v = Vec::<T>::deserialize(d)?;
    v.shrink_to_fit();
    Ok(v)
}

/// One rule file: any of the sections may be present; a rule set is the union of its files.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// States, organizations and groups.
    #[serde(default, deserialize_with = "shrunk", skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<PartyDecl>,
    /// Tags that scope rules use to group places.
    #[serde(default, deserialize_with = "shrunk", skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagDecl>,
    /// Land territories with their holders over time.
    #[serde(default, deserialize_with = "shrunk", skip_serializing_if = "Vec::is_empty")]
    pub territories: Vec<TerritoryDecl>,
    /// Sea and air areas (for attacks on forces, vessels and aircraft).
    #[serde(default, deserialize_with = "shrunk", skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<AreaDecl>,
    /// Named facts that conditions may wait on.
    #[serde(default, deserialize_with = "shrunk", skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<FactDecl>,
    /// Treaties with their parties and clauses.
    #[serde(default, deserialize_with = "shrunk", skip_serializing_if = "Vec::is_empty")]
    pub treaties: Vec<TreatyDecl>,
    /// Instruments the rule set leaves out on purpose (statutes, declarations, policies), so
    /// that an answer in which no treaty applies can say what is not modelled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_modelled: Vec<NotModelledDecl>,
    /// (ext) Lines of contact and ceasefire lines, each declared once and named by the
    /// conditions `across_line:`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<LineDecl>,
}

/// (ext) A line of contact or ceasefire line: where control stood on a date. The condition
/// `across_line: ID` holds for an attack on a place the line's `side` controlled that day, so
/// a clause that requires it covers a renewed attack across the line, and not every incident
/// in the territory the other side then held.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LineDecl {
    /// Id, named by `across_line:`.
    pub id: Id,
    /// Name, in words (`Line of contact of the ceasefire of 2026-06-01`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The day on which the line is drawn: where control stood that day.
    pub date: Spanned<When>,
    /// The party whose side of the line is protected: the places it controlled on `date`.
    pub side: Id,
    /// Source and paraphrase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An instrument bearing on someone's defence that the rule set deliberately does not model
/// as a treaty: a statute, a declaration, a policy. Data only: it obliges no one, and
/// `casus eval --explain` names it when no treaty could apply to an attack on a party it
/// concerns.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NotModelledDecl {
    /// Id.
    pub id: Id,
    /// Name.
    pub name: String,
    /// What kind of instrument it is, in words (`statute`, `declaration`, `policy`).
    pub kind: String,
    /// The parties whose defence it concerns: an attack on one of them, or on a place one of
    /// them holds, brings it up.
    pub concerns: Vec<Id>,
    /// Why it is not modelled as a treaty.
    pub why: String,
    /// Source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

pub use crate::overlay::{AmendDecl, RemoveParty};

/// The optional `ruleset.yaml` at the root of a rule-set directory.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// A human name for the rule set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the rule set holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Other rule-set directories loaded first (paths relative to this directory).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extends: Vec<Spanned<String>>,
    /// (ext) Amendments to treaties of the rule sets it extends (see `overlay`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amend: Vec<AmendDecl>,
}

/// What kind of party an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// A state; it has a main territory with the same id.
    #[default]
    State,
    /// An international organization with members over time (NATO, EU).
    Organization,
    /// A named group used by conditions (e.g. the Great Powers of 1914); no territory.
    Group,
}

/// A party: a state, an organization or a group.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PartyDecl {
    /// ISO 3166-1 alpha-3 for states; a short upper-case id otherwise.
    pub id: Id,
    /// The name to print.
    pub name: String,
    /// Other names a scenario may give for the state's main territory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// State (default), organization or group.
    #[serde(default)]
    pub kind: PartyKind,
    /// Members over time (organizations and groups only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MemberDecl>,
    /// Tags of the state's main territory (the territory with the same id), unless a
    /// territory with that id is declared explicitly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub territory_tags: Vec<Id>,
    /// The Correlates of War state codes the party carries, each over a period (ext): the data
    /// researchers merge on. On a day the first entry whose period covers it applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cow: Vec<CowDecl>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A Correlates of War state code a party carries over a period (`cow:` on a party; ext).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CowDecl {
    /// The numeric COW code (`255`; ATOP's own `8152` is accepted too).
    pub code: u32,
    /// From this date or instant (default: always).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Spanned<When>>,
    /// Up to, not including, this date or instant (default: for ever).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Spanned<When>>,
}

/// One membership of a party in an organization, group or treaty.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MemberDecl {
    /// The member (exclusive with `members_of`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<Id>,
    /// Every member of this organization is a member here, for as long as it is a member there
    /// (treaty parties only; exclusive with `party`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members_of: Option<Id>,
    /// From this date or instant (default: the start of the treaty or forever).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined: Option<Spanned<When>>,
    /// Up to (not including) this date or instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left: Option<Spanned<When>>,
    /// Free text: source, deposit details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A tag that scope rules use (continent, sea basin, "island north of the Tropic", …).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TagDecl {
    /// The tag.
    pub id: Id,
    /// What it means and which places carry it.
    pub description: String,
}

/// A named fact that a scenario may state as true or false, or leave unknown.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FactDecl {
    /// The fact's name as used in conditions and scenarios.
    pub id: Id,
    /// What it means to be true.
    pub description: String,
}

/// A holder of a place over time: one party, or a list of periods.
#[derive(Debug, Clone, Default)]
pub struct Holder(pub Vec<HolderPeriod>);

/// One period of a [`Holder`].
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct HolderPeriod {
    /// The holding party.
    pub party: Id,
    /// From (default: forever).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Spanned<When>>,
    /// Up to, not including (default: still).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Spanned<When>>,
    /// Source or remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl<'de> Deserialize<'de> for Holder {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Holder;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a party id, or a list of periods `{party, from, to}`")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Holder, E> {
                Ok(Holder(vec![HolderPeriod {
                    party: unspanned(s.to_owned()),
                    from: None,
                    to: None,
                    note: None,
                }]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Holder, A::Error> {
                let mut v = Vec::new();
                while let Some(p) = a.next_element::<HolderPeriod>()? {
                    v.push(p);
                }
                Ok(Holder(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// One id or a list of ids, each with its place in the file.
#[derive(Debug, Clone, Default)]
pub struct Ids(pub Vec<Id>);

impl<'de> Deserialize<'de> for Ids {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Ids;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an id or a list of ids")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Ids, E> {
                Ok(Ids(vec![unspanned(s.to_owned())]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Ids, A::Error> {
                let mut v = Vec::new();
                while let Some(p) = a.next_element::<Id>()? {
                    v.push(p);
                }
                Ok(Ids(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// One value or a list of values of a vocabulary enum.
#[derive(Debug, Clone)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
                let one = T::deserialize(serde::de::value::StrDeserializer::<E>::new(s))?;
                Ok(OneOrMany(vec![one]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some(p) = a.next_element::<T>()? {
                    v.push(p);
                }
                Ok(OneOrMany(v))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A span-less id (filled in with the enclosing value's location by the loader).
pub(crate) fn unspanned(value: String) -> Id {
    Spanned::unlocated(value)
}

/// A land territory.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TerritoryDecl {
    /// ISO 3166-2 for subdivisions (`US-HI`), alpha-2 for dependent territories (`GU`), the
    /// state's alpha-3 for its main territory.
    pub id: Id,
    /// The name to print.
    pub name: String,
    /// Other names a scenario may give for it (matched like the name, without regard to case
    /// or diacritics).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The place this one lies within (a subdivision in its state, a district in its region):
    /// it inherits that place's sovereign, controller, administrator and tags unless it
    /// states its own, and a test `in: [PARENT]` holds for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Id>,
    /// De jure sovereign: a party, or periods (required unless inherited through `within`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sovereign: Option<Spanned<Holder>>,
    /// De facto controller where it differs from the sovereign (occupation), as periods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<Spanned<Holder>>,
    /// Administering party where it differs from the controller (a treaty may cover
    /// "territories under the administration of" a party).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub administrator: Option<Spanned<Holder>>,
    /// Tags used by scope rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Id>,
    /// Source or remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A sea or air area.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AreaDecl {
    /// A lower-case id (`mediterranean`, `north_atlantic_north`).
    pub id: Id,
    /// The name to print.
    pub name: String,
    /// Other names a scenario may give for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The area this one is part of (the Gulf of Aden in the Indian Ocean): it inherits that
    /// area's tags unless it states its own, and `in: [PARENT]` holds for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Id>,
    /// Tags used by scope rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Id>,
    /// Source or remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Whether a treaty is law or a text under negotiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TreatyStatus {
    /// Signed and (from `in_force`) binding.
    #[default]
    InForce,
    /// A proposal or draft, not in force: evaluated as if it were, and marked as a draft in
    /// every answer.
    Draft,
    /// A political commitment rather than a treaty (a memorandum, an executive agreement).
    Political,
}

/// The rule by which new parties join (data only; the engine does not simulate accession).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Accession {
    /// `unanimity`, `majority`, `open`, `closed`, …
    pub rule: String,
    /// The article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// Paraphrase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How a party leaves (data only).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// The notice period, e.g. `1 year`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    /// The article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// Paraphrase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A treaty (or memorandum, or draft).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TreatyDecl {
    /// A lower-case id (`nato`, `teu_42_7`).
    pub id: Id,
    /// The full name.
    pub name: String,
    /// In force (default), draft, or political commitment.
    #[serde(default)]
    pub status: TreatyStatus,
    /// Date of signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<Spanned<When>>,
    /// Entry into force (required unless a draft; a draft without it counts as in force at
    /// every date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_force: Option<Spanned<When>>,
    /// End (termination, dissolution, expiry); not in force from this date on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminated: Option<Spanned<When>>,
    /// Where the text and dates come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What is modeled, what is left out, which facts are unverified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Parties with their dates, or the members of an organization.
    #[serde(default, deserialize_with = "shrunk", skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<MemberDecl>,
    /// How others join.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accession: Option<Accession>,
    /// How a party leaves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal: Option<Withdrawal>,
    /// The operative clauses.
    #[serde(default, deserialize_with = "shrunk", skip_serializing_if = "Vec::is_empty")]
    pub clauses: Vec<ClauseDecl>,
    /// Per-party reservations, opt-outs and suspensions.
    #[serde(default, deserialize_with = "shrunk", skip_serializing_if = "Vec::is_empty")]
    pub reservations: Vec<ReservationDecl>,
    /// (ext) Events on which the treaty lapses: it no longer binds from the first day one of
    /// them happens (a guarantee that ends when Ukraine joins NATO).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lapses: Vec<LapseDecl>,
}

/// An event on which a treaty lapses: `party` becomes a party to treaty `joins`, or a member
/// of organization or group `joins`, by the dates the rule set gives for that membership.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LapseDecl {
    /// The party whose accession ends the treaty (`UKR`).
    pub party: Id,
    /// The treaty (`nato`) or organization (`EU`) it joins.
    pub joins: Id,
    /// Source and paraphrase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A clause: when it triggers and what it obliges.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ClauseDecl {
    /// Unique within the treaty (`art5`).
    pub id: Id,
    /// As cited (`Art. 5`).
    pub citation: String,
    /// The clause paraphrased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// When the clause applies.
    pub trigger: Spanned<Condition>,
    /// What it obliges, and whom.
    #[serde(deserialize_with = "shrunk")]
    pub obligations: Vec<ObligationDecl>,
    /// The name and basis of the reading that `trigger` and `obligations` encode, where
    /// alternatives exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<ReadingName>,
    /// Alternative readings of an ambiguous clause.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readings: Vec<ReadingDecl>,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The name of the default reading of a clause.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReadingName {
    /// Its id.
    pub id: Id,
    /// Who holds it and why.
    pub basis: String,
}

/// An alternative reading: replaces the trigger, the obligations, or both.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReadingDecl {
    /// Its id.
    pub id: Id,
    /// Who holds it and why.
    pub basis: String,
    /// The trigger under this reading (default: the clause's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Spanned<Condition>>,
    /// The obligations under this reading (default: the clause's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obligations: Option<Vec<ObligationDecl>>,
}

/// Who is obligated by a clause.
#[derive(Debug, Clone, Default)]
pub enum Obligated {
    /// Every party except the target(s) and the attacker(s).
    #[default]
    Others,
    /// Every party except the attacker(s), the target included.
    All,
    /// These parties (each only while it is a party).
    Named(Vec<Id>),
}

impl<'de> Deserialize<'de> for Obligated {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Obligated;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("`others`, `all`, or a list of party ids")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Obligated, E> {
                match s {
                    "others" => Ok(Obligated::Others),
                    "all" => Ok(Obligated::All),
                    _ => Err(E::custom(format!(
                        "unknown value `{s}` for `obligated`: write `others`, `all`, or a list of party ids such as [{s}]"
                    ))),
                }
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Obligated, A::Error> {
                let mut v = Vec::new();
                while let Some(p) = a.next_element::<Id>()? {
                    v.push(p);
                }
                Ok(Obligated::Named(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// Toward whom an obligation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Toward {
    /// The attacked party (the usual case).
    #[default]
    Target,
    /// The attacker (e.g. a promise of neutrality toward an ally that is at war).
    Attacker,
}

/// Whether a `toward` list says only "the target" (and can be left out when written back).
fn towards_target_only(t: &Ids) -> bool {
    t.0.is_empty() || (t.0.len() == 1 && t.0.iter().all(|x| x.value == "target"))
}

/// Against whom a response is directed besides the attacker(s).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Against {
    /// The attacker(s) (always included; may be written for clarity).
    Attacker,
    /// Every party the scenario names as supporting the attacker.
    Supporters,
    /// The controller, at the scenario's date, of the place the attack was launched from
    /// (Belarus, for a Russian attack launched from Belarusian territory).
    LaunchedFrom,
}

/// Response forms: required, allowed, excluded.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FormsDecl {
    /// Forms the obligor must use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<Spanned<Form>>,
    /// Forms named as allowed (the rest is left to the obligor unless excluded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<Spanned<Form>>,
    /// Forms ruled out (e.g. ground troops).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<Spanned<Form>>,
}

/// One obligation of a clause.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ObligationDecl {
    /// How strong.
    pub level: Spanned<Level>,
    /// Who owes it (default `others`).
    #[serde(default)]
    pub obligated: Obligated,
    /// To whom: `target` (the default), `attacker`, a party id, or (ext) a list of these
    /// (the attacked guarantor *and* Ukraine: `[target, UKR]`). Empty means `target`.
    #[serde(default, skip_serializing_if = "towards_target_only")]
    pub toward: Ids,
    /// (ext) Against whom the response is directed, beyond the attacker(s): `supporters`
    /// (every supporter of the attacker) and `launched_from` (the controller of the place
    /// the attack was launched from). Empty means the attacker(s) only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub against: Vec<Spanned<Against>>,
    /// (ext) Obligors who lead the response (each must be an obligor of the obligation).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lead: Vec<Id>,
    /// Response forms.
    #[serde(default)]
    pub forms: FormsDecl,
    /// By when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
    /// What qualifies it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caveats: Vec<Spanned<Caveat>>,
    /// A further condition for this obligation only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Spanned<Condition>>,
    /// Later stages, in order: each owed once the one before it is done, its deadline
    /// running from then ("consult within 24 hours, then assist").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub then: Vec<StageDecl>,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A later stage of an obligation: the same obligors, toward the same party, under the same
/// caveats and condition, owe this once the stage before it is done.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StageDecl {
    /// How strong.
    pub level: Spanned<Level>,
    /// Response forms.
    #[serde(default)]
    pub forms: FormsDecl,
    /// By when, counted from the end of the stage before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What a reservation does to the obligations it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReservationKind {
    /// A reservation or declaration made by the party itself.
    #[default]
    Reservation,
    /// A suspension of the obligation between two parties.
    Suspension,
    /// An understanding that qualifies the obligation without removing it.
    Understanding,
}

/// A per-party reservation, opt-out or suspension.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReservationDecl {
    /// The party whose obligations it changes.
    pub party: Id,
    /// Reservation (default), suspension or understanding.
    #[serde(default)]
    pub kind: ReservationKind,
    /// The clauses it covers (default: every clause of the treaty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clauses: Vec<Id>,
    /// Only obligations toward these parties (default: toward anyone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub toward: Vec<Id>,
    /// From (default: always).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Spanned<When>>,
    /// Up to, not including (default: still).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Spanned<When>>,
    /// No obligation at all while it applies.
    #[serde(default)]
    pub opt_out: bool,
    /// The strongest level the party owes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_level: Option<Spanned<Level>>,
    /// Forms the party excludes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_forms: Vec<Spanned<Form>>,
    /// Caveats it adds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caveats: Vec<Spanned<Caveat>>,
    /// Source and paraphrase.
    pub note: String,
}

/// A date window `[from, before)`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DateWindow {
    /// On or after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Spanned<When>>,
    /// Strictly before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Spanned<When>>,
}

/// A test on a party (the attacker, the target, a place's holder).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PartyTest {
    /// It is the target being evaluated.
    Target,
    /// It is (one of) the attacker(s).
    Attacker,
    /// It is a party to the treaty of the clause at the scenario's date.
    TreatyParty,
    /// It is a state.
    State,
    /// It is a non-state actor.
    NonState,
    /// It is one of these parties.
    Is(Ids),
    /// It is a member of this organization or group at the scenario's date.
    MemberOf(Id),
    /// It is a party to this treaty at the scenario's date.
    PartyTo(Id),
}

/// Which holder of a place a test looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HolderRole {
    /// The de jure sovereign.
    Sovereign,
    /// The de facto controller.
    Controller,
    /// The administering party.
    Administrator,
}

/// A holder test at a fixed date rather than the scenario's.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct HeldOn {
    /// Sovereign, controller or administrator.
    pub role: HolderRole,
    /// The test on that holder.
    pub by: PartyTest,
    /// The date at which the holder is taken.
    pub date: Spanned<When>,
}

/// A test on the place of the event.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PlaceTest {
    /// The place is one of these territories or areas.
    In(Ids),
    /// The place carries one of these tags.
    Tagged(Ids),
    /// Its sovereign at the scenario's date passes the test.
    Sovereign(PartyTest),
    /// Its controller at the scenario's date passes the test.
    Controller(PartyTest),
    /// Its administrator at the scenario's date passes the test.
    Administrator(PartyTest),
    /// Its holder at a fixed date passes the test.
    HeldOn(HeldOn),
    /// It is a sea or air area, not a territory.
    Area,
}

/// At least `n` attackers pass the test.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CountTest {
    /// How many at least.
    pub at_least: u32,
    /// The test each must pass.
    pub that: PartyTest,
}

/// A condition: operators and predicates on the event, three-valued.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// Every sub-condition holds.
    All(Vec<Spanned<Condition>>),
    /// At least one holds.
    Any(Vec<Spanned<Condition>>),
    /// It does not hold.
    Not(Box<Spanned<Condition>>),
    /// The event is of one of these kinds.
    Event(OneOrMany<EventKind>),
    /// The means is one of these.
    Means(OneOrMany<Means>),
    /// What was hit: territory, forces, vessels, aircraft.
    On(OneOrMany<On>),
    /// Some attacker passes the test.
    Attacker(PartyTest),
    /// At least n attackers pass a test.
    Attackers(CountTest),
    /// Some supporter of the attacker passes the test.
    SupportedBy(PartyTest),
    /// The target passes the test.
    Target(PartyTest),
    /// The place passes the test.
    Location(PlaceTest),
    /// The place the attack was launched from passes the test (Russia attacking from
    /// Belarusian territory).
    LaunchedFrom(PlaceTest),
    /// (ext) The place lay on the side of a declared line (`lines:`) on the line's date: the
    /// line's side controlled it then, so the attack crosses the line of contact.
    AcrossLine(Id),
    /// (ext) The forces hit were deployed under one of these treaties (scenario
    /// `deployed_under:`); `treaty` names the clause's own treaty (a reassurance force
    /// deployed under the guarantee).
    DeployedUnder(Ids),
    /// The scenario's date lies in the window.
    Date(DateWindow),
    /// The named fact is true.
    Fact(Id),
    /// Always true or always false.
    Always(bool),
}

#[cfg(test)]
mod tests {
    use super::{Id, Location, Spanned};

    #[derive(Debug, serde::Deserialize)]
    struct Doc {
        a: Id,
        b: Vec<Spanned<u32>>,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Theirs {
        a: serde_saphyr::Spanned<String>,
        b: Vec<serde_saphyr::Spanned<u32>>,
    }

    /// The reader's own located values, as locations of ours.
    fn theirs(text: &str) -> Vec<Location> {
        let t: Theirs = serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{e}"));
        std::iter::once(t.a.referenced)
            .chain(t.b.iter().map(|s| s.referenced))
            .map(Location::from)
            .collect()
    }

    #[test]
    fn a_located_value_is_where_the_reader_locates_it() {
        for text in [
            "a: é\nb: [1, &x 22, *x]\n",
            "b:\n  - 3\n  - 4\na:   \"x y\"\n",
            "{a: z, b: []}",
        ] {
            let d: Doc = serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{e}"));
            let ours: Vec<Location> = std::iter::once(d.a.referenced)
                .chain(d.b.iter().map(|s| s.referenced))
                .collect();
            assert_eq!(ours, theirs(text), "{text}");
        }
        let d: Doc = serde_saphyr::from_str("a: é\nb: [1]\n").unwrap_or_else(|e| panic!("{e}"));
        let r = d.a.referenced;
        assert_eq!(
            (r.line(), r.column(), r.byte_offset(), r.byte_len()),
            (1, 4, Some(3), Some(2))
        );
        assert_eq!(
            (d.b[0].value, d.b[0].referenced.line(), d.b[0].referenced.column()),
            (1, 2, 5)
        );
    }

    #[test]
    fn other_deserializers_give_the_value_without_a_location() {
        let d: Doc = serde_json::from_str(r#"{"a": "NATO", "b": [7]}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((d.a.value.as_str(), d.a.referenced), ("NATO", Location::UNKNOWN));
        assert_eq!((d.b[0].value, d.b[0].referenced), (7, Location::UNKNOWN));
    }
}
