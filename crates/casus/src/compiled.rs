//! The compiled form of a rule set: the validated, indexed [`Engine`] as bytes, so that a
//! program evaluates without reading YAML again (`casus build`, and the CLI's cache).
//!
//! Layout: an 8-byte marker, the format version (4 bytes, little-endian), the fingerprint of
//! the build's engine types (8 bytes, see `LAYOUT`), the BLAKE3 hash of everything after it
//! (32 bytes), then, in postcard, a [`CompiledHeader`] and the engine. A file is refused,
//! never misread, when its marker, version, fingerprint or checksum do not match, or when the
//! sources it was built from have changed since (their [`SourceHash`]).
//!
//! Every engine type derives its serialization: a field added to one is written and read
//! without a word here, and a field of a type that cannot be written is a compile error. The
//! few types written by hand here (`accession`, `withdrawal`) destructure every field, so a
//! new field is a compile error in this file too. Any change to the files that define the
//! engine's types changes `LAYOUT`, so a file written by a build with other types is refused
//! even where [`FORMAT_VERSION`] was not raised.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

use crate::engine::Engine;
pub use crate::load::SourceHash;

/// The version of the compiled form this build reads and writes.
pub const FORMAT_VERSION: u32 = 5;

/// The first bytes of every compiled rule set.
const MAGIC: [u8; 8] = *b"casus-rs";

/// Marker, version, layout fingerprint and checksum.
const PREFIX: usize = MAGIC.len() + 4 + 8 + 32;

/// A fingerprint (FNV-1a, computed when Casus is compiled) of the source files that define
/// every type the compiled form writes: two builds whose engine types may differ never read
/// each other's files. An edit to these files that changes no type only costs a rebuild of
/// the cache.
const LAYOUT: u64 = fnv(
    &[
        include_bytes!("engine.rs"),
        include_bytes!("model.rs"),
        include_bytes!("vocab.rs"),
        include_bytes!("level.rs"),
        include_bytes!("time.rs"),
        include_bytes!("compiled.rs"),
        include_bytes!("load.rs"),
    ],
    FORMAT_VERSION as u64,
);

/// FNV-1a over several byte strings, at compile time.
const fn fnv(parts: &[&[u8]], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325 ^ seed;
    let mut parts = parts;
    while let [part, more @ ..] = parts {
        let mut rest: &[u8] = part;
        while let [b, tail @ ..] = rest {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
            rest = tail;
        }
        parts = more;
    }
    h
}

/// What a compiled rule set says of itself, readable without decoding the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompiledHeader {
    /// The version of Casus that built it.
    pub casus_version: String,
    /// The hash of the sources it was built from.
    pub sources: SourceHash,
    /// The rule set's name from its manifest.
    pub name: Option<String>,
    /// The rule set it was built from, as a path (for messages).
    pub origin: String,
}

/// A compiled rule set that cannot be used.
#[derive(Debug, Error, PartialEq, Eq)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum CompiledError {
    /// The bytes are not a compiled rule set.
    #[error(
        "not a compiled rule set (it lacks the marker `casus build` writes); build one with `casus build RULES -o FILE`"
    )]
    Foreign,
    /// Written in another version of the format.
    #[error(
        "compiled rule set of format version {found}, but this casus reads version {expected}; build it again with `casus build`"
    )]
    Version {
        /// The file's version.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// Written by a build of Casus whose engine types differ from this one's.
    #[error("compiled rule set written by another build of casus; build it again with `casus build`")]
    OtherBuild,
    /// The checksum does not match: the file was cut short or altered.
    #[error("the compiled rule set is damaged (its checksum does not match); build it again with `casus build`")]
    Damaged,
    /// The bytes could not be decoded although the checksum matches.
    #[error("the compiled rule set cannot be decoded ({0}); build it again with `casus build`")]
    Undecodable(String),
    /// Built from sources that have changed since.
    #[error(
        "the compiled rule set was built from `{origin}`, which has changed since (or cannot be read); build it again with `casus build {origin} -o FILE`"
    )]
    Stale {
        /// The rule set it was built from.
        origin: String,
    },
}

/// Writes an engine in the compiled form.
///
/// # Errors
/// Only if serialization fails, which the engine's types do not allow in practice.
pub(crate) fn encode(engine: &Engine, header: &CompiledHeader) -> Result<Vec<u8>, CompiledError> {
    let mut body = postcard::to_stdvec(header).map_err(|e| CompiledError::Undecodable(e.to_string()))?;
    body = postcard::to_extend(engine, body).map_err(|e| CompiledError::Undecodable(e.to_string()))?;
    let mut out = Vec::with_capacity(PREFIX + body.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&LAYOUT.to_le_bytes());
    out.extend_from_slice(blake3::hash(&body).as_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Checks marker, version and checksum; returns the header and the engine's bytes.
fn open(bytes: &[u8]) -> Result<(CompiledHeader, &[u8]), CompiledError> {
    let (magic, rest) = bytes.split_at_checked(MAGIC.len()).ok_or(CompiledError::Foreign)?;
    if magic != MAGIC {
        return Err(CompiledError::Foreign);
    }
    let (version, rest) = rest.split_first_chunk::<4>().ok_or(CompiledError::Damaged)?;
    let found = u32::from_le_bytes(*version);
    if found != FORMAT_VERSION {
        return Err(CompiledError::Version {
            found,
            expected: FORMAT_VERSION,
        });
    }
    let (layout, rest) = rest.split_first_chunk::<8>().ok_or(CompiledError::Damaged)?;
    if u64::from_le_bytes(*layout) != LAYOUT {
        return Err(CompiledError::OtherBuild);
    }
    let (sum, body) = rest.split_first_chunk::<32>().ok_or(CompiledError::Damaged)?;
    if blake3::hash(body).as_bytes() != sum {
        return Err(CompiledError::Damaged);
    }
    postcard::take_from_bytes::<CompiledHeader>(body).map_err(|e| CompiledError::Undecodable(e.to_string()))
}

/// The header of a compiled rule set (after checking marker, version and checksum).
///
/// # Errors
/// When the bytes are not a compiled rule set of this format version, or are damaged.
pub fn compiled_header(bytes: &[u8]) -> Result<CompiledHeader, CompiledError> {
    open(bytes).map(|(h, _)| h)
}

/// Reads an engine from the compiled form, if it was built from sources with hash `sources`.
pub(crate) fn decode(bytes: &[u8], sources: &SourceHash) -> Result<(CompiledHeader, Engine), CompiledError> {
    let (header, rest) = open(bytes)?;
    if header.sources != *sources {
        return Err(CompiledError::Stale { origin: header.origin });
    }
    let (engine, tail) =
        postcard::take_from_bytes::<Engine>(rest).map_err(|e| CompiledError::Undecodable(e.to_string()))?;
    if !tail.is_empty() {
        return Err(CompiledError::Undecodable("bytes after the end".into()));
    }
    Ok((header, engine))
}

/// Whether the bytes start as a compiled rule set does (the marker only).
#[must_use]
pub fn is_compiled(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// `Option<Accession>`, every field by name.
pub(crate) mod accession {
    use super::{Deserialize, Deserializer, Serialize, Serializer};
    use crate::model::Accession;

    type Row = (String, Option<String>, Option<String>);

    pub(crate) fn serialize<S: Serializer>(v: &Option<Accession>, s: S) -> Result<S::Ok, S::Error> {
        v.as_ref()
            .map(|Accession { rule, citation, note }| (rule, citation, note))
            .serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Accession>, D::Error> {
        Ok(Option::<Row>::deserialize(d)?.map(|(rule, citation, note)| Accession { rule, citation, note }))
    }
}

/// `Option<Withdrawal>`, every field by name.
pub(crate) mod withdrawal {
    use super::{Deserialize, Deserializer, Serialize, Serializer};
    use crate::model::Withdrawal;

    type Row = (Option<String>, Option<String>, Option<String>);

    pub(crate) fn serialize<S: Serializer>(v: &Option<Withdrawal>, s: S) -> Result<S::Ok, S::Error> {
        v.as_ref()
            .map(|Withdrawal { notice, citation, note }| (notice, citation, note))
            .serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Withdrawal>, D::Error> {
        Ok(Option::<Row>::deserialize(d)?.map(|(notice, citation, note)| Withdrawal { notice, citation, note }))
    }
}

/// A map from id to index, written sorted by id so that the same engine gives the same bytes.
pub(crate) mod sorted_map {
    use std::collections::HashMap;

    use super::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer, V: Serialize>(m: &HashMap<String, V>, s: S) -> Result<S::Ok, S::Error> {
        let mut rows: Vec<(&String, &V)> = m.iter().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
        rows.serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, V: Deserialize<'de>>(
        d: D,
    ) -> Result<HashMap<String, V>, D::Error> {
        Ok(Vec::<(String, V)>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::fmt::Debug;

    use super::*;

    fn sorted<V: Debug>(m: &HashMap<String, V>) -> Vec<String> {
        let mut v: Vec<String> = m.iter().map(|(k, x)| format!("{k:?}: {x:?}")).collect();
        v.sort();
        v
    }

    /// Every field of the engine survives the round trip. The pattern names every field, so a
    /// field added to `Engine` is a compile error here until it is compared too.
    fn assert_same(a: &Engine, b: &Engine) {
        let Engine {
            not_modelled,
            lines,
            parties,
            places,
            tags,
            facts,
            treaties,
            clauses,
            nodes,
            index,
            place_fast,
            clause_hot,
            program,
            treaty_rows,
            member_rows,
            treaty_party_rows,
            party_rows,
            party_row_starts,
            rows_by_party,
            party_ix,
            place_ix,
            fact_ix,
            treaty_ix,
            names: _,
            lexicon: _,
        } = a;
        let d = |x: &dyn Debug| format!("{x:?}");
        assert_eq!(d(not_modelled), d(&b.not_modelled));
        assert_eq!(d(lines), d(&b.lines));
        assert_eq!(d(parties), d(&b.parties));
        assert_eq!(d(places), d(&b.places));
        assert_eq!(d(tags), d(&b.tags));
        assert_eq!(d(facts), d(&b.facts));
        assert_eq!(d(treaties), d(&b.treaties));
        assert_eq!(d(clauses), d(&b.clauses));
        assert_eq!(d(nodes), d(&b.nodes));
        assert_eq!(d(index), d(&b.index));
        assert_eq!(d(place_fast), d(&b.place_fast));
        assert_eq!(d(clause_hot), d(&b.clause_hot));
        assert_eq!(d(program), d(&b.program));
        assert_eq!(d(treaty_rows), d(&b.treaty_rows));
        assert_eq!(d(member_rows), d(&b.member_rows));
        assert_eq!(d(treaty_party_rows), d(&b.treaty_party_rows));
        assert_eq!(d(party_rows), d(&b.party_rows));
        assert_eq!(d(party_row_starts), d(&b.party_row_starts));
        assert_eq!(d(rows_by_party), d(&b.rows_by_party));
        assert_eq!(sorted(party_ix), sorted(&b.party_ix));
        assert_eq!(sorted(place_ix), sorted(&b.place_ix));
        assert_eq!(sorted(fact_ix), sorted(&b.fact_ix));
        assert_eq!(sorted(treaty_ix), sorted(&b.treaty_ix));
    }

    #[test]
    fn every_field_of_the_engine_survives_the_round_trip() {
        for (rules, engine, bytes) in crate::shipped_rule_sets() {
            let read = Engine::from_compiled(&bytes, &rules.source_hash().unwrap_or_default());
            assert_same(&engine, &read.unwrap_or_else(|e| panic!("{e}")));
        }
    }

    #[test]
    fn the_layout_fingerprint_covers_the_format_version() {
        assert_ne!(LAYOUT, fnv(&[], u64::from(FORMAT_VERSION)));
        assert_ne!(fnv(&[b"a"], 1), fnv(&[b"a"], 2));
        assert_ne!(fnv(&[b"ab"], 1), fnv(&[b"ba"], 1));
    }
}
