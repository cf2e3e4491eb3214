//! What each place's shading is, for each kind of map: evaluations through the engine and the
//! graph analyses, joined to the geometry by place id.

use std::collections::{BTreeMap, BTreeSet};

use crate::graph::{Cascade, Side};
use crate::kernel::{Engine, PlaceKind};
use crate::model::{HolderRole, PartyKind};
use crate::{EventKind, Level, On, Status, When};

use super::geo::{Bounds, Shape, Source};
use super::{LegendEntry, Map, MapError, MapKind, MapRequest};

/// Polities of the 1914 rule set drawn on the land of today's states that succeeded them,
/// where the rule set has no place of that id (listed in order: the first that the rule set
/// has claims the land). A shape joins when any of its ids is listed (Ukraine's oblasts
/// carry `UKR`).
const SUCCESSORS: &[(&str, &[&str])] = &[
    ("AUH", &["AUT", "HUN", "CZE", "SVK", "SVN", "HRV", "BIH"]),
    ("DEUE", &["DEU", "RU-KGD"]),
    ("PRU", &["DEU", "RU-KGD"]),
    ("RUSE", &["RUS", "FIN", "EST", "LVA", "LTU", "BLR", "UKR", "POL", "MDA"]),
    ("OTT", &["TUR", "SYR", "IRQ", "LBN", "JOR", "ISR", "PSE"]),
    ("SRB", &["MKD", "XKX"]),
    ("ITAK", &["ITA"]),
    ("KORE", &["KOR", "PRK"]),
    ("JPNE", &["JPN", "JP-47", "TWN"]),
    ("GBR", &["IRL"]),
];

/// The obligations an attack at a place gives rise to: (obliged party, level, definite).
use crate::kernel::ByRank;

type Hits = BTreeSet<(String, ByRank, bool)>;

/// Geometry key → place id of the rule set, for every shape that joins: the first of the
/// shape's ids that the rule set has, else the first polity of `SUCCESSORS` that claims one
/// of them.
pub(super) fn join(engine: &Engine, shapes: &[Shape]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for s in shapes {
        let own = s.ids.iter().find(|i| engine.place_ix.contains_key(i.as_str()));
        let successor = || {
            SUCCESSORS
                .iter()
                .find(|(polity, lands)| {
                    engine.place_ix.contains_key(*polity) && s.ids.iter().any(|i| lands.contains(&i.as_str()))
                })
                .map(|(polity, _)| (*polity).to_string())
        };
        if let Some(id) = own.cloned().or_else(successor) {
            out.insert(s.key().to_string(), id);
        }
    }
    out
}

/// On a map of parties (guarantors, exposure, cascade): a place the map does not shade
/// itself is drawn as the party it belongs to, the next of its shape's ids that `parties`
/// shades (Lviv as Ukraine on the map of Ukraine's guarantors).
fn inherit(map: &mut Map, shapes: &[Shape], parties: &BTreeSet<String>) {
    for s in shapes {
        let Some(id) = map.drawn_as.get(s.key()) else {
            continue;
        };
        if map.shades.contains_key(id) {
            continue;
        }
        let from = s
            .ids
            .iter()
            .filter(|i| *i != id && parties.contains(i.as_str()))
            .find_map(|i| map.shades.get(i).map(|shade| (i.clone(), shade.clone())));
        if let Some((party, shade)) = from {
            map.shades.insert(id.clone(), shade);
            map.inherited.insert(id.clone(), party);
        }
    }
}

pub(super) fn build(engine: &Engine, req: &MapRequest, shapes: &[Shape]) -> Result<Map, MapError> {
    let joined = join(engine, shapes);
    let known: BTreeSet<String> = joined.values().cloned().collect();
    let historic = joined
        .iter()
        .any(|(k, v)| k != v && shapes.iter().any(|s| s.key() == k && !s.ids.contains(v)));
    let mut map = Map {
        title: String::new(),
        subtitle: String::new(),
        shades: BTreeMap::new(),
        legend: Vec::new(),
        bounds: req.bounds.unwrap_or(Bounds::WORLD),
        holders: holders(engine, &known, req.date),
        inherited: BTreeMap::new(),
        drawn_as: joined.clone(),
        known,
    };
    let date = req.date;
    match req.kind {
        MapKind::Coverage { treaty, attacker } => {
            let hits = coverage(engine, &joined, treaty, attacker, date)?;
            for (place, h) in &hits {
                if let Some(((level, definite), detail)) = strongest(h) {
                    map.shades.insert(place.clone(), (level_shade(level, definite), detail));
                }
            }
            map.title = format!("Coverage of {} on {date}", treaty_words(engine, treaty));
            map.subtitle = format!(
                "rule set {} · an armed attack on each place's holder (at sea, on a party's vessels), attacker {}",
                req.rules_label,
                attacker.unwrap_or("unknown")
            );
            map.legend = level_legend(&map);
        }
        MapKind::Guarantors { party } => {
            let list = engine.guarantors(party, date)?;
            let mut by: BTreeMap<String, Hits> = BTreeMap::new();
            for c in &list {
                by.entry(c.obligor.clone()).or_default().insert((
                    format!("{} {}", c.treaty, c.citation),
                    ByRank(c.level),
                    c.status == Status::Definite,
                ));
            }
            for (obligor, h) in &by {
                if let Some(((level, definite), detail)) = strongest(h) {
                    map.shades.insert(
                        obligor.clone(),
                        (level_shade(level, definite), format!("{obligor}: {detail}")),
                    );
                }
            }
            map.shades.insert(
                party.to_string(),
                ("subject".into(), format!("{party}: the party helped")),
            );
            map.title = format!("Who is bound to help {} on {date}", party_words(engine, party));
            map.subtitle = format!(
                "rule set {} · each guarantor by the strongest level it owes",
                req.rules_label
            );
            map.legend = level_legend(&map);
            map.legend
                .insert(0, entry("subject", &format!("{party}, the party helped")));
            let parties = map.shades.keys().cloned().collect();
            inherit(&mut map, shapes, &parties);
        }
        MapKind::Exposure { party, min_level } => {
            let parties = exposure(engine, &mut map, req, party, min_level)?;
            inherit(&mut map, shapes, &parties);
        }
        MapKind::Diff {
            new,
            new_label,
            treaty,
            attacker,
        } => {
            diff(engine, &mut map, req, (new, new_label), treaty, attacker, shapes)?;
        }
        MapKind::Cascade { cascade } => {
            cascade_shades(&mut map, cascade, req.rules_label);
            let parties = map.shades.keys().cloned().collect();
            inherit(&mut map, shapes, &parties);
        }
    }
    if shapes
        .iter()
        .any(|s| s.source != Source::Sea && !joined.contains_key(s.key()))
    {
        map.legend.push(entry("absent", "not in the rule set"));
    }
    if historic {
        map.subtitle
            .push_str(" · polities of the time drawn on the land of their successors");
    }
    Ok(map)
}

/// The party holding each territory of `places` on the date (its sovereign, else its
/// controller), where the place is not that party.
fn holders(engine: &Engine, places: &BTreeSet<String>, at: When) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for id in places {
        let Some(place) = engine
            .place_ix
            .get(id.as_str())
            .and_then(|ix| engine.places.get(*ix as usize))
        else {
            continue;
        };
        if place.kind != PlaceKind::Territory {
            continue;
        }
        let holder = place
            .holder_on(HolderRole::Sovereign, &at)
            .or_else(|| place.holder_on(HolderRole::Controller, &at))
            .map(|p| engine.party_id(p));
        if let Some(h) = holder.filter(|h| *h != id.as_str()) {
            out.insert(id.clone(), h.to_string());
        }
    }
    out
}

fn entry(shade: &str, label: &str) -> LegendEntry {
    LegendEntry {
        shade: shade.to_string(),
        label: label.to_string(),
    }
}

fn level_shade(level: Level, definite: bool) -> String {
    format!(
        "{}-{}",
        level.as_str(),
        if definite { "definite" } else { "contingent" }
    )
}

/// The strongest (level, definite) of a set of hits, with the obliged parties at it.
fn strongest(h: &Hits) -> Option<((Level, bool), String)> {
    let top = h.iter().map(|(_, l, d)| (*l, *d)).max()?;
    let who: Vec<&str> = h
        .iter()
        .filter(|(_, l, d)| (*l, *d) == top)
        .map(|(p, _, _)| p.as_str())
        .collect();
    let status = if top.1 { "definite" } else { "contingent" };
    let more = who.len().saturating_sub(12);
    let mut list = who.iter().take(12).copied().collect::<Vec<_>>().join(" ");
    if more > 0 {
        list.push_str(&format!(" … (+{more})"));
    }
    Some(((top.0.0, top.1), format!("{} ({status}): {list}", top.0.0.as_str())))
}

/// The legend of the level shades present, strongest first, then `none`.
fn level_legend(map: &Map) -> Vec<LegendEntry> {
    let present: BTreeSet<&str> = map.shades.values().map(|(s, _)| s.as_str()).collect();
    let mut out = Vec::new();
    for level in Level::ALL.iter().rev() {
        for definite in [true, false] {
            let shade = level_shade(*level, definite);
            if present.contains(shade.as_str()) {
                let status = if definite { "definite" } else { "contingent" };
                out.push(entry(&shade, &format!("{} ({status})", level.as_str())));
            }
        }
    }
    out.push(entry("none", "no obligation"));
    out
}

fn treaty_words(engine: &Engine, treaty: Option<&str>) -> String {
    let Some(t) = treaty else {
        return "every treaty".to_string();
    };
    let (tid, cid) = t.split_once('/').map_or((t, None), |(a, b)| (a, Some(b)));
    let Some(&ix) = engine.treaty_ix.get(tid) else {
        return t.to_string();
    };
    let name = engine.treaties.get(ix as usize).map_or("", |x| x.name.as_str());
    let citation = cid.and_then(|c| engine.clauses.iter().find(|x| x.treaty == ix && x.id == c));
    match citation {
        Some(c) => format!("{tid} {} ({name})", c.citation),
        None => format!("{tid} ({name})"),
    }
}

fn party_words(engine: &Engine, party: &str) -> String {
    match engine
        .party_ix
        .get(party)
        .and_then(|ix| engine.parties.get(*ix as usize))
    {
        Some(p) => format!("{} ({})", p.id, p.name),
        None => party.to_string(),
    }
}

/// Per place id joined to the geometry, the obligations an armed attack there gives rise to.
fn coverage(
    engine: &Engine,
    joined: &BTreeMap<String, String>,
    treaty: Option<&str>,
    attacker: Option<&str>,
    at: When,
) -> Result<BTreeMap<String, Hits>, MapError> {
    let (treaty_ix, clause) = match treaty {
        Some(t) => {
            let (tid, cid) = t.split_once('/').map_or((t, None), |(a, b)| (a, Some(b)));
            let ix = *engine.treaty_ix.get(tid).ok_or_else(|| MapError::UnknownTreaty {
                id: tid.to_string(),
                suggestion: crate::names::suggest(tid, engine.treaty_ix.keys().map(String::as_str)),
            })?;
            if let Some(c) = cid {
                let ids = || engine.clauses.iter().filter(|x| x.treaty == ix).map(|x| x.id.as_str());
                if !ids().any(|x| x == c) {
                    return Err(MapError::UnknownClause {
                        treaty: tid.to_string(),
                        id: c.to_string(),
                        suggestion: crate::names::suggest(c, ids()),
                    });
                }
            }
            (Some(ix), cid)
        }
        None => (None, None),
    };
    let attacker_ix = match attacker {
        Some(a) => Some(engine.lookup_party(a)?),
        None => None,
    };
    let states: Vec<u32> = (0..engine.parties.len() as u32)
        .filter(|p| {
            engine
                .parties
                .get(*p as usize)
                .is_some_and(|x| x.kind == PartyKind::State)
        })
        .collect();
    let places: BTreeSet<&String> = joined.values().collect();
    let mut out = BTreeMap::new();
    let mut buf = Vec::new();
    for id in places {
        let Some(&ix) = engine.place_ix.get(id.as_str()) else {
            continue;
        };
        let Some(place) = engine.places.get(ix as usize) else {
            continue;
        };
        let (targets, on) = match place.kind {
            PlaceKind::Territory => {
                let holder = place
                    .holder_on(HolderRole::Sovereign, &at)
                    .or_else(|| place.holder_on(HolderRole::Controller, &at));
                (holder.into_iter().collect::<Vec<_>>(), On::Territory)
            }
            PlaceKind::Area => (states.clone(), On::Vessels),
        };
        let mut hits = Hits::new();
        for target in targets {
            if Some(target) == attacker_ix {
                continue;
            }
            let mut s = engine.open_scenario(at, EventKind::ArmedAttack, target, attacker_ix.map(|a| vec![a]));
            s.location = Some(ix);
            s.place = engine.place_fast.get(ix as usize).copied().unwrap_or_default();
            s.on = Some(on);
            engine.hits(&s, &mut buf);
            for h in buf.iter().filter(|h| h.toward == target) {
                let c = engine.clauses.get(h.clause as usize);
                let of_treaty = treaty_ix.is_none() || c.map(|c| c.treaty) == treaty_ix;
                if of_treaty && clause.is_none_or(|id| c.is_some_and(|c| c.id == id)) {
                    hits.insert((
                        engine.party_id(h.party).to_string(),
                        ByRank(h.level),
                        h.status == Status::Definite,
                    ));
                }
            }
        }
        out.insert(id.clone(), hits);
    }
    Ok(out)
}

/// Shades the places where an attack obliges `party`; returns the ids shaded as parties
/// (beneficiaries of a clause that does not look at the place, and `party` itself), whose
/// shade their land inherits.
fn exposure(
    engine: &Engine,
    map: &mut Map,
    req: &MapRequest,
    party: &str,
    min: Level,
) -> Result<BTreeSet<String>, MapError> {
    let x = engine.exposure(party, req.date, min)?;
    let mut by: BTreeMap<String, Hits> = BTreeMap::new();
    let mut parties = BTreeSet::from([party.to_string()]);
    for c in &x.classes {
        let places: Vec<String> = if c.place.places.is_empty() {
            parties.extend(c.beneficiaries.iter().cloned());
            c.beneficiaries.clone()
        } else {
            c.place.places.clone()
        };
        for p in places {
            by.entry(p).or_default().insert((
                format!("{} {}", c.treaty, c.citation),
                ByRank(c.level),
                c.status == Status::Definite,
            ));
        }
    }
    for (place, h) in &by {
        if let Some(((level, definite), detail)) = strongest(h) {
            map.shades.insert(place.clone(), (level_shade(level, definite), detail));
        }
    }
    map.shades.insert(
        party.to_string(),
        ("subject".into(), format!("{party}: the party obliged")),
    );
    map.title = format!(
        "Where an attack obliges {} to act, on {}",
        party_words(engine, party),
        req.date
    );
    map.subtitle = format!(
        "rule set {} · at {} or above, by the strongest level",
        req.rules_label,
        min.as_str()
    );
    map.legend = level_legend(map);
    map.legend
        .insert(0, entry("subject", &format!("{party}, the party obliged")));
    Ok(parties)
}

fn diff(
    old: &Engine,
    map: &mut Map,
    req: &MapRequest,
    (new, new_label): (&Engine, &str),
    treaty: Option<&str>,
    attacker: Option<&str>,
    shapes: &[Shape],
) -> Result<(), MapError> {
    let a = coverage(old, &join(old, shapes), treaty, attacker, req.date)?;
    let b = coverage(new, &join(new, shapes), treaty, attacker, req.date)?;
    let empty = Hits::new();
    let ids: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for id in ids {
        let (x, y) = (a.get(id).unwrap_or(&empty), b.get(id).unwrap_or(&empty));
        let words = |h: &Hits| strongest(h).map_or_else(|| "none".to_string(), |(_, d)| d);
        let top = |h: &Hits| h.iter().map(|(_, l, d)| (l.0, *d)).max_by_key(|(l, d)| (l.rank(), *d));
        let shade = match (top(x), top(y)) {
            (None, None) => continue,
            _ if x == y => "same",
            (Some(_), None) => "only-old",
            (None, Some(_)) => "only-new",
            (Some(a), Some(b)) if (a.0.rank(), a.1) > (b.0.rank(), b.1) => "weaker",
            (Some(a), Some(b)) if (a.0.rank(), a.1) < (b.0.rank(), b.1) => "stronger",
            _ => "changed",
        };
        map.shades.insert(
            id.clone(),
            (shade.to_string(), format!("old: {}; new: {}", words(x), words(y))),
        );
    }
    map.known.extend(join(new, shapes).into_values());
    if req.bounds.is_none() {
        map.bounds = changed_bounds(map, shapes).unwrap_or(Bounds::WORLD);
    }
    map.title = format!("Where {} and {new_label} differ, on {}", req.rules_label, req.date);
    map.subtitle = format!(
        "coverage of {} · an armed attack on each place's holder, attacker {}",
        treaty_words(old, treaty),
        attacker.unwrap_or("unknown")
    );
    let present: BTreeSet<&str> = map.shades.values().map(|(s, _)| s.as_str()).collect();
    map.legend = [
        ("only-old", format!("covered under {} only", req.rules_label)),
        ("only-new", format!("covered under {new_label} only")),
        ("weaker", format!("weaker under {new_label}")),
        ("stronger", format!("stronger under {new_label}")),
        ("changed", "as strong under both, owed by other parties".to_string()),
        ("same", "covered alike by both".to_string()),
    ]
    .into_iter()
    .filter(|(s, _)| present.contains(s))
    .map(|(s, l)| entry(s, &l))
    .chain([entry("none", "covered by neither")])
    .collect();
    Ok(())
}

/// A box around the places a diff changes, with a margin; `None` when nothing changes.
fn changed_bounds(map: &Map, shapes: &[Shape]) -> Option<Bounds> {
    let changed: BTreeSet<&str> = map
        .shades
        .iter()
        .filter(|(_, (s, _))| s != "same")
        .map(|(id, _)| id.as_str())
        .collect();
    let mut b: Option<Bounds> = None;
    for s in shapes.iter().filter(|s| s.source != Source::Sea) {
        let id = map.drawn_as.get(s.key()).map_or(s.key(), String::as_str);
        if !changed.contains(id) {
            continue;
        }
        for &(lon, lat) in s.rings.iter().flatten() {
            let c = b.get_or_insert(Bounds {
                west: lon,
                south: lat,
                east: lon,
                north: lat,
            });
            c.west = c.west.min(lon);
            c.east = c.east.max(lon);
            c.south = c.south.min(lat);
            c.north = c.north.max(lat);
        }
    }
    b.map(|c| {
        let (cx, cy) = (f64::midpoint(c.west, c.east), f64::midpoint(c.south, c.north));
        let half_w = ((c.east - c.west) / 2.0 + 6.0).max(12.0);
        let half_h = ((c.north - c.south) / 2.0 + 4.0).max(7.0);
        Bounds {
            west: (cx - half_w).max(-180.0),
            south: (cy - half_h).max(-90.0),
            east: (cx + half_w).min(180.0),
            north: (cy + half_h).min(90.0),
        }
    })
}

fn cascade_shades(map: &mut Map, c: &Cascade, rules_label: &str) {
    for t in &c.targets {
        map.shades
            .insert(t.clone(), ("target".into(), format!("{t}: attacked")));
    }
    for a in &c.attackers {
        map.shades
            .insert(a.clone(), ("attacker".into(), format!("{a}: the attacker")));
    }
    let mut rounds = BTreeSet::new();
    for (round, e) in c.entrants() {
        if map.shades.contains_key(&e.party) {
            continue;
        }
        let n = round.min(4);
        rounds.insert((n, e.side));
        let status = if e.status == Status::Definite {
            String::new()
        } else {
            format!(", contingent on {}", e.depends_on.join(", "))
        };
        map.shades.insert(
            e.party.clone(),
            (
                format!("{}-round-{n}", e.side.as_str()),
                format!(
                    "{}: enters in round {round} for {} ({}{status})",
                    e.party,
                    e.helps,
                    e.level.as_str()
                ),
            ),
        );
    }
    map.title = format!(
        "Who enters in which round: {} on {}",
        c.name.as_deref().unwrap_or("the scenario"),
        c.date
    );
    map.subtitle = format!(
        "rule set {rules_label} · policy {}, entry at {} or above",
        c.policy.as_str(),
        c.min_level.as_str()
    );
    map.legend = vec![entry("target", "attacked"), entry("attacker", "the attacker")];
    for (n, side) in rounds {
        let whose = match side {
            Side::Target => "the attacked side",
            Side::Attacker => "the attacker's side",
        };
        let when = if n >= 4 {
            "round 4 or later".to_string()
        } else {
            format!("round {n}")
        };
        map.legend.push(entry(
            &format!("{}-round-{n}", side.as_str()),
            &format!("enters for {whose} in {when}"),
        ));
    }
    map.legend.push(entry("none", "stays out"));
}
