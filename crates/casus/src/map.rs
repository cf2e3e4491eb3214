//! World maps of what the rules say: the coverage of a treaty, the guarantors and the exposure
//! of a party, the places where two rule sets differ, the rounds of a cascade. Drawn as SVG on
//! the Equal Earth projection from the vendored Natural Earth geometry
//! (`data/natural-earth/`), with a legend and a title stating the date and the rule set.
//!
//! Every place is one `<path>` with `data-place` (its id in the rule set, or the geometry's
//! own id where the rule set lacks it), `data-shade` (its shading: `assist-definite`,
//! `none`, `only-old`, `target-round-1`, … see [`Map::shades`]) and, for a place that is not
//! a party, `data-holder` (the party that holds it on the date: `UKR` on `UA-46`), so that
//! tests and pages can query the picture. The output is deterministic.
//!
//! ```
//! use casus::map::{MapKind, MapRequest, render_svg};
//! let engine = casus::RuleSet::from_yaml(casus::doc_example())?.compile()?;
//! let req = MapRequest::new(MapKind::Coverage { treaty: Some("alliance"), attacker: None },
//!     casus::When::parse("2020-01-01")?, "example");
//! let svg = render_svg(&engine, &req)?;
//! assert!(svg.contains(r#"data-place="EST" data-shade="assist-definite""#));
//! assert!(svg.contains(r#"data-place="USA" data-shade="none""#)); // Art. 5 here: Europe only
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod geo;
mod shade;
mod svg;

use std::collections::BTreeMap;

pub use geo::Bounds;

use crate::Level;
use crate::When;
use crate::graph::{Cascade, GraphError};
use crate::kernel::Engine;

/// What a map shows.
#[derive(Debug, Clone, Copy)]
pub enum MapKind<'a> {
    /// Every place where an armed attack on the place's holder (on its territory; on vessels
    /// of a party, for a sea area) obliges someone under the treaty (every treaty: `None`),
    /// shaded by the strongest level and its status.
    Coverage {
        /// A treaty id, or `treaty/clause` for one clause (`nato/art5`); `None`: every treaty
        /// of the rule set.
        treaty: Option<&'a str>,
        /// The attacker (a party id); `None`: unknown, so a clause that asks who attacked is
        /// contingent on it.
        attacker: Option<&'a str>,
    },
    /// Who is bound to help the party: each guarantor shaded by the strongest level it owes.
    Guarantors {
        /// The party helped.
        party: &'a str,
    },
    /// Where an attack would oblige the party to act, shaded by the strongest level.
    Exposure {
        /// The party obliged.
        party: &'a str,
        /// The weakest level shown.
        min_level: Level,
    },
    /// Where the coverage of two rule sets differs: the engine the map is built from is the
    /// old one.
    Diff {
        /// The new rule set.
        new: &'a Engine,
        /// How the new rule set is named in the title (its folder).
        new_label: &'a str,
        /// A treaty id, or every treaty.
        treaty: Option<&'a str>,
        /// The attacker, or unknown.
        attacker: Option<&'a str>,
    },
    /// Who enters a war in which round ([`Engine::cascade`]); the date is the cascade's.
    Cascade {
        /// The cascade.
        cascade: &'a Cascade,
    },
}

/// A map to draw: what, on which date, of which rule set, over which part of the world.
#[derive(Debug, Clone, Copy)]
pub struct MapRequest<'a> {
    /// What the map shows.
    pub kind: MapKind<'a>,
    /// The date (a cascade's map uses the cascade's).
    pub date: When,
    /// How the rule set is named in the title (its folder, as given).
    pub rules_label: &'a str,
    /// The part of the world shown; `None`: the whole world, or for a diff the places that
    /// change.
    pub bounds: Option<Bounds>,
}

impl<'a> MapRequest<'a> {
    /// A request for the whole world.
    #[must_use]
    pub fn new(kind: MapKind<'a>, date: When, rules_label: &'a str) -> MapRequest<'a> {
        MapRequest {
            kind,
            date,
            rules_label,
            bounds: None,
        }
    }
}

/// Why a map could not be drawn.
#[derive(Debug, thiserror::Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum MapError {
    /// An id on the request names no treaty of the rule set.
    #[error("unknown treaty `{id}`{}", .suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownTreaty {
        /// The id as given.
        id: String,
        /// The closest existing id.
        suggestion: Option<String>,
    },
    /// A `treaty/clause` whose clause the treaty lacks.
    #[error("unknown clause `{id}` of treaty `{treaty}`{}", .suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownClause {
        /// The treaty.
        treaty: String,
        /// The clause id as given.
        id: String,
        /// The closest clause id of the treaty.
        suggestion: Option<String>,
    },
    /// An analysis failed (an unknown party, a budget).
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// A region that is neither a known name nor four numbers.
    #[error(
        "unknown region `{0}`: use world, europe, east-asia, ukraine, or WEST,SOUTH,EAST,NORTH in degrees (e.g. 20,43,42,53)"
    )]
    Region(String),
    /// The vendored geometry does not read (a broken build of the library).
    #[error("the map geometry does not read: {0}")]
    Geometry(String),
}

/// One entry of a map's legend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegendEntry {
    /// The shading (`data-shade`).
    pub shade: String,
    /// What it means.
    pub label: String,
}

/// A computed map: the shading of every place, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    /// The title (what and when).
    pub title: String,
    /// The line under it (rule set and assumptions).
    pub subtitle: String,
    /// The shading of each place id that is not `none`, with a line of explanation.
    pub shades: BTreeMap<String, (String, String)>,
    /// The legend, in order.
    pub legend: Vec<LegendEntry>,
    /// The part of the world shown.
    pub bounds: Bounds,
    /// Geometry key → place id, where they differ (1914's polities on today's borders).
    pub(crate) drawn_as: BTreeMap<String, String>,
    /// Place ids of the rule set (to tell `none` from `absent`).
    pub(crate) known: std::collections::BTreeSet<String>,
    /// Place id → the party that holds it on the date (its sovereign, else its controller),
    /// where the two differ: a page that is clicked on Lviv shows Ukraine.
    pub(crate) holders: BTreeMap<String, String>,
    /// Place id → the party whose shading it takes on a map of parties (`UA-46` → `UKR`):
    /// such places are labelled once, as the party.
    pub(crate) inherited: BTreeMap<String, String>,
}

impl Map {
    /// The shading of a place (`None` when the map does not shade it).
    #[must_use]
    pub fn shade(&self, place: &str) -> Option<&str> {
        self.shades.get(place).map(|(s, _)| s.as_str())
    }

    /// Where a point (longitude, latitude in degrees) falls in the picture, in pixels from
    /// its top-left corner (to place a marker, or to find the place under a click).
    #[must_use]
    pub fn point(&self, lon: f64, lat: f64) -> (f64, f64) {
        svg::frame(self).point(lon, lat)
    }

    /// The map as an SVG picture.
    #[must_use]
    pub fn to_svg(&self) -> String {
        match geo::shapes() {
            Ok(shapes) => svg::render(self, shapes),
            Err(_) => String::new(),
        }
    }
}

impl Region {
    /// The bounds of a region name or of `WEST,SOUTH,EAST,NORTH`.
    ///
    /// ```
    /// let b = casus::map::Region::parse("20,43,42,53")?;
    /// assert_eq!((b.west, b.north), (20.0, 53.0));
    /// assert!(casus::map::Region::parse("atlantis").is_err());
    /// # Ok::<(), casus::map::MapError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`MapError::Region`] when the text is neither a known region nor four numbers
    /// `west,south,east,north` in range.
    pub fn parse(s: &str) -> Result<Bounds, MapError> {
        let b = |west, south, east, north| Bounds {
            west,
            south,
            east,
            north,
        };
        match s {
            "world" => return Ok(Bounds::WORLD),
            "europe" => return Ok(b(-25.0, 34.0, 45.0, 71.0)),
            "east-asia" => return Ok(b(95.0, -12.0, 155.0, 50.0)),
            "ukraine" => return Ok(b(21.0, 43.5, 41.5, 53.0)),
            _ => {}
        }
        let n: Vec<f64> = s.split(',').filter_map(|x| x.trim().parse::<f64>().ok()).collect();
        match n.as_slice() {
            [w, so, e, no]
                if w < e
                    && so < no
                    && (-180.0..=180.0).contains(w)
                    && (-180.0..=180.0).contains(e)
                    && (-90.0..=90.0).contains(so)
                    && (-90.0..=90.0).contains(no) =>
            {
                Ok(b(*w, *so, *e, *no))
            }
            _ => Err(MapError::Region(s.to_string())),
        }
    }
}

/// Named regions and boxes for [`MapRequest::bounds`].
#[derive(Debug, Clone, Copy)]
pub struct Region;

/// Computes a map.
///
/// # Errors
///
/// [`MapError`] when the request names a treaty, clause or party the rule set lacks, or an
/// analysis passes a budget of the limits.
pub fn build(engine: &Engine, req: &MapRequest) -> Result<Map, MapError> {
    let shapes = geo::shapes().map_err(MapError::Geometry)?;
    shade::build(engine, req, shapes)
}

/// Computes a map and draws it as SVG.
///
/// # Errors
///
/// [`MapError`] when the request names a treaty, clause or party the rule set lacks, or an
/// analysis passes a budget of the limits.
pub fn render_svg(engine: &Engine, req: &MapRequest) -> Result<String, MapError> {
    let map = build(engine, req)?;
    let shapes = geo::shapes().map_err(MapError::Geometry)?;
    Ok(svg::render(&map, shapes))
}
