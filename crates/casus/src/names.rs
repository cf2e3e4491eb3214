//! Finding places by name: a scenario's `location:` may give an id or a name (a place's name,
//! any of its `aliases`, or for a state's main territory the state's name), matched without
//! regard to case, diacritics or punctuation ("Sanliurfa" finds "Şanlıurfa").
//!
//! The index is built the first time a name is looked up, so that loading and checking a rule
//! set never pay for it. Beside it, [`fold_name`] (how names are compared) and [`suggest`]
//! (the did-you-mean of every error about an unknown id).

use std::collections::HashMap;

pub use crate::diag::suggest;
use crate::engine::{Engine, PlaceIx};
use crate::query::PlaceInfo;

/// A name or id that finds no single place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum FindPlaceError {
    /// Nothing has that id or name.
    #[error("no territory or area has the id or name `{query}`{}", .suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    Unknown {
        /// What was looked up.
        query: String,
        /// The closest id or name, if one is close.
        suggestion: Option<String>,
    },
    /// Several places that do not contain one another have that name.
    #[error("`{query}` names {} places: {}; give the id", .candidates.len(), candidate_list(.candidates))]
    Ambiguous {
        /// What was looked up.
        query: String,
        /// Each place it names, as (id, name), sorted by id.
        candidates: Vec<(String, String)>,
    },
}

fn candidate_list(c: &[(String, String)]) -> String {
    c.iter()
        .map(|(id, name)| format!("`{id}` ({name})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A name as it is compared: transliterated to ASCII, lower case, every run of other
/// characters one space.
///
/// ```
/// assert_eq!(casus::names::fold_name("Şanlıurfa"), "sanliurfa");
/// assert_eq!(casus::names::fold_name("  Val-d'Oise "), "val d oise");
/// ```
#[must_use]
pub fn fold_name(s: &str) -> String {
    let ascii = deunicode::deunicode(s).to_lowercase();
    let mut out = String::with_capacity(ascii.len());
    for w in ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Every place under each folded id, name and alias.
#[derive(Debug, Clone, Default)]
pub(crate) struct NameIndex {
    by_name: HashMap<String, Vec<PlaceIx>>,
    /// The names as written, with their place (for suggestions and searches), sorted.
    written: Vec<(String, String, PlaceIx)>,
}

impl NameIndex {
    fn build(e: &Engine) -> NameIndex {
        let mut ix = NameIndex::default();
        for (px, p) in e.places.iter().enumerate() {
            let px = px as PlaceIx;
            for name in std::iter::once(&p.id).chain(std::iter::once(&p.name)).chain(&p.aliases) {
                let folded = fold_name(name);
                let slot = ix.by_name.entry(folded.clone()).or_default();
                if !slot.contains(&px) {
                    slot.push(px);
                }
                ix.written.push((folded, name.clone(), px));
            }
        }
        ix.written.sort();
        ix.written.dedup();
        ix
    }
}

impl Engine {
    fn names(&self) -> &NameIndex {
        self.names.get_or_init(|| NameIndex::build(self))
    }

    /// The place a scenario's `location:` names: its id exactly, else a name or alias.
    pub(crate) fn place_named(&self, query: &str) -> Result<PlaceIx, FindPlaceError> {
        if let Some(&px) = self.place_ix.get(query) {
            return Ok(px);
        }
        let names = self.names();
        let folded = fold_name(query);
        let Some(found) = names.by_name.get(&folded).filter(|v| !v.is_empty()) else {
            let suggestion = crate::names::suggest(&folded, names.written.iter().map(|w| w.0.as_str()))
                .and_then(|s| names.written.iter().find(|w| w.0 == s).map(|w| w.1.clone()));
            return Err(FindPlaceError::Unknown {
                query: query.to_string(),
                suggestion,
            });
        };
        // Places nested in one another (a region, its department of the same name) are one
        // answer: the outermost.
        if let Some(&outer) = found
            .iter()
            .find(|&&o| found.iter().all(|&p| self.place_and_ancestors(p).any(|a| a == o)))
        {
            return Ok(outer);
        }
        let mut candidates: Vec<(String, String)> = found
            .iter()
            .filter_map(|p| self.places.get(*p as usize))
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect();
        candidates.sort();
        Err(FindPlaceError::Ambiguous {
            query: query.to_string(),
            candidates,
        })
    }

    /// Finds a territory or area by id or by name, as a scenario's `location:` does: the id
    /// exactly, else any name or alias matched without regard to case, diacritics or
    /// punctuation. A name several unrelated places share is an error listing them; an unknown
    /// one suggests the closest id or name.
    ///
    /// ```
    /// let engine = casus::RuleSet::from_yaml(
    ///     "parties: [{id: TUR, name: Türkiye}]\n\
    ///      territories: [{id: TR-63, name: Şanlıurfa, within: TUR}]",
    /// )?
    /// .compile()?;
    /// assert_eq!(engine.find_place("sanliurfa")?.id, "TR-63");
    /// assert_eq!(engine.find_place("TR-63")?.sovereign, ["TUR"]);
    /// assert!(engine.find_place("Sanliurf").unwrap_err().to_string().contains("did you mean `Şanlıurfa`"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`FindPlaceError`] when the query finds no place (with the closest names) or several.
    pub fn find_place(&self, query: &str) -> Result<PlaceInfo, FindPlaceError> {
        let px = self.place_named(query)?;
        self.place_info(px).ok_or_else(|| FindPlaceError::Unknown {
            query: query.to_string(),
            suggestion: None,
        })
    }

    /// Every place whose id, name or an alias contains `query` (compared as names are), sorted
    /// by id.
    #[must_use]
    pub fn search_places(&self, query: &str) -> Vec<PlaceInfo> {
        let folded = fold_name(query);
        let mut hits: Vec<PlaceIx> = self
            .names()
            .written
            .iter()
            .filter(|w| w.0.contains(&folded))
            .map(|w| w.2)
            .collect();
        hits.sort_unstable();
        hits.dedup();
        self.infos(hits)
    }

    /// Every place that lies, directly or through others, within the place `id` (by id or
    /// name), sorted by id; an error when `id` finds no single place.
    ///
    /// # Errors
    ///
    /// [`FindPlaceError`] when `id` finds no single place.
    pub fn places_within(&self, id: &str) -> Result<Vec<PlaceInfo>, FindPlaceError> {
        let outer = self.place_named(id)?;
        let inner: Vec<PlaceIx> = (0..self.places.len() as PlaceIx)
            .filter(|&p| p != outer && self.place_and_ancestors(p).any(|a| a == outer))
            .collect();
        Ok(self.infos(inner))
    }

    fn infos(&self, v: Vec<PlaceIx>) -> Vec<PlaceInfo> {
        let mut out: Vec<PlaceInfo> = v.into_iter().filter_map(|p| self.place_info(p)).collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }
}
