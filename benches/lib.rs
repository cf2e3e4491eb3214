//! Synthetic worlds for the Casus benchmarks, and the hand-written baseline they are measured
//! against.
//!
//! A world is generated from a seed: parties with a few territories each, treaties of 2–30
//! members with accession and withdrawal dates, a scope tag, the event kinds that trigger them
//! and a level. The same world is rendered as Casus rule files (YAML), copied as JSON for the
//! second baseline loader, and answered by [`Baseline`], a plain function over hash maps that a
//! careful programmer would write for this one treaty shape. [`World::check_agreement`] proves both give the same answer on every
//! scenario before anything is timed.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use casus::{Engine, EventKind, Level, Scenario};
use serde::Deserialize;

/// A small deterministic generator (xorshift64*), so worlds are the same on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    #[must_use]
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// The sizes the issue names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// 200 parties, 100 treaties.
    S,
    /// 2 000 parties, 1 000 treaties.
    M,
    /// 20 000 parties, 10 000 treaties.
    L,
}

impl Size {
    /// (parties, treaties).
    #[must_use]
    pub fn counts(self) -> (usize, usize) {
        match self {
            Size::S => (200, 100),
            Size::M => (2_000, 1_000),
            Size::L => (20_000, 10_000),
        }
    }

    /// The name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Size::S => "S",
            Size::M => "M",
            Size::L => "L",
        }
    }
}

const REGIONS: usize = 4;
const LEVELS: [Level; 5] = [
    Level::Consult,
    Level::Diplomatic,
    Level::Assist,
    Level::AllMeans,
    Level::Military,
];
const EVENTS: [EventKind; 4] = [
    EventKind::ArmedAttack,
    EventKind::CyberAttack,
    EventKind::HybridAttack,
    EventKind::Threat,
];

/// A day as a number (days since 1950-01-01), and back.
/// Synthetic calendars use 12 months of 28 days, so every number is a valid date.
fn ymd(day: u32) -> String {
    let y = 1950 + day / 336;
    let m = (day % 336) / 28 + 1;
    let d = day % 28 + 1;
    format!("{y:04}-{m:02}-{d:02}")
}

fn day_number(y: u32, m: u32, d: u32) -> u32 {
    (y.saturating_sub(1950)) * 336 + (m - 1) * 28 + (d - 1)
}

/// A generated world: rule files on disk and 10 000 scenarios.
#[derive(Debug)]
pub struct World {
    /// Its size.
    pub size: Size,
    /// The folder holding its rule files.
    pub dir: PathBuf,
    /// The folder holding the same files as JSON ([`json_dir`]), for [`Baseline::load_json`].
    pub json_dir: PathBuf,
    /// The scenarios, a realistic mix (about a third oblige someone).
    pub scenarios: Vec<Scenario>,
}

impl World {
    /// Generates the world into `dir` (replacing what is there).
    ///
    /// # Errors
    /// When the folder cannot be written.
    pub fn generate(size: Size, dir: &Path) -> std::io::Result<World> {
        let (n_parties, n_treaties) = size.counts();
        let mut rng = Rng::new(0x5eed ^ n_parties as u64);
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir)?;
        let mut head = String::from("tags:\n");
        for r in 0..REGIONS {
            let _ = writeln!(head, "  - {{id: region{r}, description: Region {r}.}}");
        }
        head.push_str("parties:\n");
        let mut territories = String::from("territories:\n");
        let mut places: Vec<(String, usize)> = Vec::new(); // (place id, sovereign)
        for p in 0..n_parties {
            let _ = writeln!(
                head,
                "  - {{id: P{p:05}, name: Party {p}, territory_tags: [region{}]}}",
                rng.below(REGIONS)
            );
            places.push((format!("P{p:05}"), p));
            for t in 0..2 {
                let _ = writeln!(
                    territories,
                    "  - {{id: P{p:05}-T{t}, name: Territory {t} of {p}, sovereign: P{p:05}, tags: [region{}]}}",
                    rng.below(REGIONS)
                );
                places.push((format!("P{p:05}-T{t}"), p));
            }
        }
        std::fs::write(dir.join("world.yaml"), format!("{head}{territories}"))?;
        // Treaties, 500 to a file.
        let mut memberships: Vec<Vec<usize>> = vec![Vec::new(); n_parties];
        let mut file = String::from("treaties:\n");
        for t in 0..n_treaties {
            let members = 2 + rng.below(29);
            let scope = rng.below(REGIONS);
            let level = LEVELS[rng.below(LEVELS.len())];
            let mut events: Vec<&str> = EVENTS
                .iter()
                .filter(|_| rng.below(2) == 0)
                .map(|e| e.as_str())
                .collect();
            if events.is_empty() {
                events.push("armed_attack");
            }
            let _ = writeln!(
                file,
                "  - id: t{t:05}\n    name: Treaty {t}\n    in_force: 1950-01-01\n    parties:"
            );
            let mut chosen: Vec<usize> = Vec::new();
            while chosen.len() < members.min(n_parties) {
                let p = rng.below(n_parties);
                if !chosen.contains(&p) {
                    chosen.push(p);
                }
            }
            for p in chosen {
                memberships[p].push(t);
                let joined = rng.below(60 * 336) as u32;
                let left = if rng.below(5) == 0 {
                    Some(joined + 1 + rng.below(20 * 336) as u32)
                } else {
                    None
                };
                let _ = write!(file, "      - {{party: P{p:05}, joined: {}", ymd(joined));
                if let Some(l) = left {
                    let _ = write!(file, ", left: {}", ymd(l));
                }
                file.push_str("}\n");
            }
            let _ = writeln!(
                file,
                "    clauses:\n      - id: c\n        citation: Art. 1\n        trigger:\n          all:\n            - event: [{}]\n            - target: treaty_party\n            - location: {{sovereign: target}}\n            - location: {{tagged: [region{scope}]}}\n        obligations: [{{level: {}}}]",
                events.join(", "),
                level.as_str()
            );
            if t % 500 == 499 || t + 1 == n_treaties {
                std::fs::write(dir.join(format!("treaties-{:03}.yaml", t / 500)), &file)?;
                file = String::from("treaties:\n");
            }
        }
        // Scenarios: half aimed at parties in some treaty, at their own territory.
        let mut scenarios = Vec::with_capacity(10_000);
        for _ in 0..10_000 {
            let in_alliance: Vec<usize> = (0..8)
                .map(|_| rng.below(n_parties))
                .filter(|p| !memberships[*p].is_empty())
                .collect();
            let target = match (rng.below(2), in_alliance.first()) {
                (0, Some(p)) => *p,
                _ => rng.below(n_parties),
            };
            let own = [
                format!("P{target:05}"),
                format!("P{target:05}-T0"),
                format!("P{target:05}-T1"),
            ];
            let location = if rng.below(10) == 0 {
                places[rng.below(places.len())].0.clone()
            } else {
                own[rng.below(3)].clone()
            };
            let day = rng.below(80 * 336) as u32;
            let yaml = format!(
                "{{date: {}, event: {}, attacker: P{:05}, target: P{target:05}, location: {location}, on: territory}}",
                ymd(day),
                EVENTS[rng.below(EVENTS.len())].as_str(),
                rng.below(n_parties)
            );
            if let Ok(s) = Scenario::from_yaml(&yaml) {
                scenarios.push(s);
            }
        }
        let json_dir = json_dir(dir);
        write_json(dir, &json_dir)?;
        Ok(World {
            size,
            dir: dir.to_path_buf(),
            json_dir,
            scenarios,
        })
    }

    /// Checks that Casus and the baseline agree on every scenario; returns how many scenarios
    /// oblige someone.
    ///
    /// # Errors
    /// The first scenario where they disagree, in words.
    pub fn check_agreement(&self, engine: &Engine, baseline: &Baseline) -> Result<usize, String> {
        let mut hits = Vec::new();
        let mut obliging = 0;
        for s in &self.scenarios {
            let p = engine.prepare(s).map_err(|e| e.to_string())?;
            engine.hits(&p, &mut hits);
            let mut got: Vec<(String, Level)> = Vec::new();
            for h in &hits {
                let id = engine_party(engine, h.party);
                match got.iter_mut().find(|(p, _)| *p == id) {
                    Some(x) => x.1 = std::cmp::max_by_key(x.1, h.level, |l| l.rank()),
                    None => got.push((id, h.level)),
                }
            }
            got.sort_by_key(|(p, l)| (p.clone(), l.rank()));
            let q = baseline.query(s).ok_or("baseline cannot read the scenario")?;
            let mut want: Vec<(String, Level)> = Vec::new();
            baseline.answer(&q, &mut |p, l| want.push((baseline.party_ids[p].clone(), l)));
            want.sort_by_key(|(p, l)| (p.clone(), l.rank()));
            if got != want {
                return Err(format!("{s:?}\ncasus: {got:?}\nbaseline: {want:?}"));
            }
            obliging += usize::from(!got.is_empty());
        }
        Ok(obliging)
    }
}

/// The folder beside `dir` that holds the world's files as JSON (`DIR-json`): outside the rule
/// folder, so that Casus's load of `dir` does not see them.
#[must_use]
pub fn json_dir(dir: &Path) -> PathBuf {
    let mut name = dir.as_os_str().to_owned();
    name.push("-json");
    PathBuf::from(name)
}

/// The YAML reader's options for the baseline: no budget (the files are the generator's own).
fn unbounded_yaml() -> serde_saphyr::Options {
    let mut opts = serde_saphyr::Options::default();
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = usize::MAX / 4;
    budget.max_events = usize::MAX / 4;
    opts.budget = Some(budget);
    opts
}

/// Writes every rule file of `dir` again as JSON into `json`, value for value (read as YAML
/// into a generic value, written with `serde_json`), so that both baseline loaders read the
/// same data.
fn write_json(dir: &Path, json: &Path) -> std::io::Result<()> {
    let _ = std::fs::remove_dir_all(json);
    std::fs::create_dir_all(json)?;
    for f in sorted_files(dir)? {
        let text = std::fs::read_to_string(&f)?;
        let value: serde_json::Value =
            serde_saphyr::from_str_with_options(&text, unbounded_yaml()).map_err(std::io::Error::other)?;
        let name = f.with_extension("json");
        let name = name.file_name().unwrap_or_default();
        std::fs::write(json.join(name), serde_json::to_vec(&value)?)?;
    }
    Ok(())
}

/// The files directly in `dir`, sorted.
fn sorted_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

fn engine_party(engine: &Engine, ix: u32) -> String {
    engine.party_id_of(ix).unwrap_or_default().to_string()
}

// ---- the baseline --------------------------------------------------------------------------

#[derive(Deserialize)]
struct BFile {
    #[serde(default)]
    parties: Vec<BParty>,
    #[serde(default)]
    territories: Vec<BTerritory>,
    #[serde(default)]
    treaties: Vec<BTreaty>,
    #[serde(default)]
    #[allow(dead_code)]
    tags: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct BParty {
    id: String,
    #[serde(default)]
    territory_tags: Vec<String>,
}

#[derive(Deserialize)]
struct BTerritory {
    id: String,
    sovereign: String,
    tags: Vec<String>,
}

#[derive(Deserialize)]
struct BTreaty {
    parties: Vec<BMember>,
    clauses: Vec<BClause>,
}

#[derive(Deserialize)]
struct BMember {
    party: String,
    joined: String,
    #[serde(default)]
    left: Option<String>,
}

#[derive(Deserialize)]
struct BClause {
    trigger: BTrigger,
    obligations: Vec<BObligation>,
}

#[derive(Deserialize)]
struct BTrigger {
    all: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct BObligation {
    level: Level,
}

/// One treaty as the baseline keeps it.
#[derive(Debug, Clone)]
struct BTreatyRec {
    members: Vec<(usize, u32, u32)>, // party, from day, to day (exclusive)
    scope: u16,
    events: u8,
    level: Level,
}

/// A scenario as the baseline reads it: integers only.
#[derive(Debug, Clone, Copy)]
pub struct Query {
    day: u32,
    event: u8,
    target: usize,
    attacker: usize,
    place: usize,
}

/// The hand-written answer for the synthetic treaty shape: hash maps from party to treaties,
/// a linear look at the target's treaties, no rules engine.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    party_ix: HashMap<String, usize>,
    place_ix: HashMap<String, usize>,
    /// Party ids by index.
    pub party_ids: Vec<String>,
    places: Vec<(usize, u16)>, // sovereign, tag bits
    treaties: Vec<BTreatyRec>,
    of_party: Vec<Vec<usize>>,
}

fn parse_day(s: &str) -> Option<u32> {
    let mut it = s.split('-').map(|x| x.parse::<u32>().ok());
    Some(day_number(it.next()??, it.next()??, it.next()??))
}

fn region_bit(tag: &str) -> u16 {
    tag.strip_prefix("region")
        .and_then(|n| n.parse::<u16>().ok())
        .map_or(0, |n| 1 << n)
}

impl Baseline {
    /// Reads the same rule files as Casus (YAML, with the same YAML library, without
    /// validation or positions) and builds its maps.
    ///
    /// # Errors
    /// When a file cannot be read or parsed.
    pub fn load(dir: &Path) -> Result<Baseline, String> {
        let mut parsed = Vec::new();
        for f in sorted_files(dir).map_err(|e| e.to_string())? {
            let text = std::fs::read_to_string(&f).map_err(|e| e.to_string())?;
            let file: BFile =
                serde_saphyr::from_str_with_options(&text, unbounded_yaml()).map_err(|e| e.to_string())?;
            parsed.push(file);
        }
        Baseline::from_files(&parsed)
    }

    /// Reads the same world written as JSON (the folder [`World::json_dir`]) with `serde_json`
    /// into the same plain structs, and builds the same maps: the hand-written loader of a
    /// format made for machines.
    ///
    /// # Errors
    /// When a file cannot be read or parsed.
    pub fn load_json(json_dir: &Path) -> Result<Baseline, String> {
        let mut parsed = Vec::new();
        for f in sorted_files(json_dir).map_err(|e| e.to_string())? {
            let bytes = std::fs::read(&f).map_err(|e| e.to_string())?;
            let file: BFile = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            parsed.push(file);
        }
        Baseline::from_files(&parsed)
    }

    /// The maps, from the parsed files.
    fn from_files(parsed: &[BFile]) -> Result<Baseline, String> {
        let mut b = Baseline::default();
        for f in parsed {
            for p in &f.parties {
                let ix = b.party_ids.len();
                b.party_ix.insert(p.id.clone(), ix);
                b.party_ids.push(p.id.clone());
                b.place_ix.insert(p.id.clone(), b.places.len());
                b.places
                    .push((ix, p.territory_tags.iter().map(|t| region_bit(t)).fold(0, |a, x| a | x)));
            }
        }
        for f in parsed {
            for t in &f.territories {
                let sov = *b.party_ix.get(&t.sovereign).ok_or("unknown sovereign")?;
                b.place_ix.insert(t.id.clone(), b.places.len());
                b.places
                    .push((sov, t.tags.iter().map(|t| region_bit(t)).fold(0, |a, x| a | x)));
            }
        }
        b.of_party = vec![Vec::new(); b.party_ids.len()];
        for f in parsed {
            for t in &f.treaties {
                let ix = b.treaties.len();
                let mut members = Vec::new();
                for m in &t.parties {
                    let p = *b.party_ix.get(&m.party).ok_or("unknown member")?;
                    let from = parse_day(&m.joined).ok_or("bad date")?;
                    let to = m.left.as_deref().and_then(parse_day).unwrap_or(u32::MAX);
                    members.push((p, from, to));
                    b.of_party[p].push(ix);
                }
                let c = t.clauses.first().ok_or("no clause")?;
                let mut events = 0u8;
                let mut scope = 0u16;
                for cond in &c.trigger.all {
                    if let Some(ev) = cond.get("event").and_then(|e| e.as_array()) {
                        for e in ev.iter().filter_map(|e| e.as_str()) {
                            if let Some(k) = EventKind::parse(e) {
                                events |= 1 << (k as u8);
                            }
                        }
                    }
                    if let Some(tags) = cond
                        .get("location")
                        .and_then(|l| l.get("tagged"))
                        .and_then(|t| t.as_array())
                    {
                        for t in tags.iter().filter_map(|t| t.as_str()) {
                            scope |= region_bit(t);
                        }
                    }
                }
                let level = c.obligations.first().map(|o| o.level).ok_or("no obligation")?;
                b.treaties.push(BTreatyRec {
                    members,
                    scope,
                    events,
                    level,
                });
            }
        }
        Ok(b)
    }

    /// Resolves a scenario's ids once (as Casus's `prepare` does).
    #[must_use]
    pub fn query(&self, s: &Scenario) -> Option<Query> {
        let attacker = match &s.attacker {
            Some(casus::Actor::Party(p)) => *self.party_ix.get(p)?,
            _ => usize::MAX,
        };
        let d = s.date.day();
        Some(Query {
            day: day_number(
                u32::try_from(d.year()).ok()?,
                u32::try_from(d.month()).ok()?,
                u32::try_from(d.day()).ok()?,
            ),
            event: s.event as u8,
            target: *self.party_ix.get(s.target.as_deref()?)?,
            attacker,
            place: *self.place_ix.get(s.location.as_deref()?)?,
        })
    }

    /// Every (party, level) owed, reported through `out` (a party may be reported more than
    /// once; the caller keeps the strongest).
    pub fn answer(&self, q: &Query, out: &mut dyn FnMut(usize, Level)) {
        let Some(&(sovereign, tags)) = self.places.get(q.place) else {
            return;
        };
        if sovereign != q.target {
            return;
        }
        let member_at =
            |t: &BTreatyRec, p: usize| t.members.iter().any(|&(m, f, to)| m == p && f <= q.day && q.day < to);
        let mut best: Vec<(usize, Level)> = Vec::new();
        for &ti in self.of_party.get(q.target).map_or(&[][..], |v| v.as_slice()) {
            let Some(t) = self.treaties.get(ti) else { continue };
            if t.events & (1 << q.event) == 0 || t.scope & tags == 0 || !member_at(t, q.target) {
                continue;
            }
            for &(m, f, to) in &t.members {
                if m != q.target && m != q.attacker && f <= q.day && q.day < to {
                    match best.iter_mut().find(|(p, _)| *p == m) {
                        Some(x) => x.1 = std::cmp::max_by_key(x.1, t.level, |l| l.rank()),
                        None => best.push((m, t.level)),
                    }
                }
            }
        }
        for (p, l) in best {
            out(p, l);
        }
    }
}
