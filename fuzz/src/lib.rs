//! Shared pieces of the Casus fuzz targets: what every load must satisfy, a scenario drawn
//! from fuzz bytes and an engine's own lists, and a generator of rule sets as YAML text.
//!
//! The targets panic (and so report a crash) when an invariant is broken:
//! - loading never panics, and a failed load carries at least one error with a code and a
//!   message;
//! - a loaded rule set compiles, and every scenario drawn from its own lists evaluates;
//! - evaluation is deterministic: the same scenario twice gives byte-identical JSON;
//! - the verdict-only path (`Engine::hits`) obliges the same parties as the full verdict.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::fmt::Write as _;

use casus::{Actor, Engine, EventKind, LoadError, Means, On, RuleSet, Scenario, Severity, When};
use libfuzzer_sys::arbitrary::{Result, Unstructured};

/// A failed load must say why: at least one error, each diagnostic with a code and a message.
pub fn check_load_error(e: &LoadError) {
    let items = e.diagnostics.items();
    assert!(
        items.iter().any(|d| d.severity == Severity::Error),
        "a failed load without an error: {items:?}"
    );
    for d in items {
        assert!(!d.code.is_empty(), "a diagnostic without a code: {d:?}");
        assert!(!d.message.is_empty(), "a diagnostic without a message: {d:?}");
        // Nothing a file holds can drive the terminal that prints its errors: no control
        // character but the line breaks of the rendering itself.
        let text = d.render();
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "a rendered diagnostic holds a control character: {text:?}"
        );
    }
}

/// Checks a load result: a clean error, or a rule set that compiles and evaluates scenarios
/// drawn from `u` against its own lists.
pub fn check_load(result: Result<RuleSet, LoadError>, u: &mut Unstructured<'_>) {
    match result {
        Err(e) => check_load_error(&e),
        Ok(rules) => {
            let engine = match rules.compile() {
                Ok(e) => e,
                Err(e) => panic!("a loaded rule set does not compile: {e}"),
            };
            let lists = Lists::of(&engine);
            for _ in 0..3 {
                let Ok(s) = scenario(u, &lists) else {
                    return;
                };
                check_scenario(&engine, &s);
            }
        }
    }
}

/// Evaluates a scenario twice (with and without explanation) and checks determinism and the
/// agreement of the verdict-only path with the full verdict.
pub fn check_scenario(engine: &Engine, s: &Scenario) {
    let verdict = match engine.evaluate_explained(s) {
        Ok(v) => v,
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.is_empty());
            return;
        }
    };
    let again = engine
        .evaluate_explained(s)
        .unwrap_or_else(|e| panic!("second evaluation failed: {e}"));
    let (a, b) = (verdict.to_json(), again.to_json());
    assert!(!a.is_empty(), "a verdict that does not serialize");
    assert_eq!(a, b, "two evaluations of one scenario differ");
    // The verdict-only path obliges the same parties.
    let prepared = engine
        .prepare(s)
        .unwrap_or_else(|e| panic!("prepare failed after evaluate: {e}"));
    let mut hits = Vec::new();
    engine.hits(&prepared, &mut hits);
    let from_hits: BTreeSet<u32> = hits.iter().map(|h| h.party).collect();
    let from_verdict: BTreeSet<&str> = verdict.obligations.iter().map(|o| o.party.as_str()).collect();
    assert_eq!(
        from_hits.len(),
        from_verdict.len(),
        "hits oblige {} parties, the verdict {}",
        from_hits.len(),
        from_verdict.len()
    );
    let plain = engine
        .evaluate(s)
        .unwrap_or_else(|e| panic!("evaluate failed after evaluate_explained: {e}"));
    assert_eq!(
        plain.obligations, verdict.obligations,
        "explaining changed the obligations"
    );
}

/// Picks one of `items`, or `None` when empty.
fn pick<'a, T>(u: &mut Unstructured<'_>, items: &'a [T]) -> Result<Option<&'a T>> {
    if items.is_empty() {
        return Ok(None);
    }
    Ok(items.get(u.choose_index(items.len())?))
}

/// A date from fuzz bytes: mostly days between 1800 and 2100, sometimes an instant.
pub fn date(u: &mut Unstructured<'_>) -> Result<When> {
    let year = u.int_in_range(1800..=2100)?;
    let month = u.int_in_range(1..=12)?;
    let day = u.int_in_range(1..=31)?;
    let text = if u.ratio(1, 8)? {
        let hour = u.int_in_range(0..=23)?;
        let offset = u.int_in_range(-12..=12)?;
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:30:00{offset:+03}:00")
    } else {
        format!("{year:04}-{month:02}-{day:02}")
    };
    Ok(When::parse(&text).unwrap_or_else(|_| When::parse(&format!("{year:04}-{month:02}-28")).unwrap()))
}

/// An id from the engine's list, or (rarely) one it lacks.
fn id_from(u: &mut Unstructured<'_>, ids: &[String]) -> Result<String> {
    if ids.is_empty() || u.ratio(1, 32)? {
        let n: u8 = u.arbitrary()?;
        return Ok(format!("UNKNOWN{n}"));
    }
    Ok(pick(u, ids)?.cloned().unwrap_or_default())
}

/// The ids an engine knows, from `Engine::parties`, `places` and `facts`.
#[derive(Debug, Clone)]
pub struct Lists {
    /// Party ids.
    pub parties: Vec<String>,
    /// Territory and area ids.
    pub places: Vec<String>,
    /// Fact ids.
    pub facts: Vec<String>,
}

impl Lists {
    /// The lists of one engine.
    #[must_use]
    pub fn of(engine: &Engine) -> Lists {
        Lists {
            parties: engine.parties().into_iter().map(|p| p.id).collect(),
            places: engine.places().into_iter().map(|p| p.id).collect(),
            facts: engine.facts().into_iter().map(|f| f.id).collect(),
        }
    }
}

/// A scenario whose fields come from an engine's parties, places and facts.
pub fn scenario(u: &mut Unstructured<'_>, lists: &Lists) -> Result<Scenario> {
    let (parties, places, facts) = (&lists.parties, &lists.places, &lists.facts);
    let event = *pick(u, EventKind::ALL)?.unwrap_or(&EventKind::ArmedAttack);
    let target = id_from(u, parties)?;
    let mut s = Scenario::new(date(u)?, event, &target);
    if u.ratio(1, 4)? {
        let n = u.int_in_range(1..=3)?;
        let mut ts = Vec::new();
        for _ in 0..n {
            ts.push(id_from(u, parties)?);
        }
        s.target = None;
        s.targets = Some(ts);
    }
    s.means = if u.arbitrary()? {
        pick(u, Means::ALL)?.copied()
    } else {
        None
    };
    s.on = if u.arbitrary()? {
        pick(u, On::ALL)?.copied()
    } else {
        None
    };
    match u.int_in_range(0..=3)? {
        0 => {}
        1 => s.attacker = Some(Actor::Party(id_from(u, parties)?)),
        2 => {
            s.attacker = Some(Actor::NonState {
                non_state: "a group".into(),
            })
        }
        _ => {
            let n = u.int_in_range(0..=3)?;
            let mut v = Vec::new();
            for _ in 0..n {
                v.push(if u.ratio(1, 5)? {
                    Actor::NonState {
                        non_state: "others".into(),
                    }
                } else {
                    Actor::Party(id_from(u, parties)?)
                });
            }
            s.attackers = Some(v);
        }
    }
    if u.arbitrary()? {
        let n = u.int_in_range(0..=2)?;
        let mut v = Vec::new();
        for _ in 0..n {
            v.push(id_from(u, parties)?);
        }
        s.supported_by = Some(v);
    }
    if u.ratio(3, 4)? {
        s.location = Some(id_from(u, places)?);
    }
    for f in facts {
        match u.int_in_range(0..=2)? {
            0 => {}
            1 => {
                s.facts.insert(f.clone(), true);
            }
            _ => {
                s.facts.insert(f.clone(), false);
            }
        }
    }
    Ok(s)
}

// ---- a generator of rule sets as YAML text ------------------------------------------------

const LEVELS: [&str; 6] = ["consult", "diplomatic", "assist", "all_means", "military", "neutrality"];
const FORMS: [&str; 5] = ["armed_force", "weapons", "sanctions", "ground_troops", "diplomatic"];
const CAVEATS: [&str; 3] = ["constitutional_processes", "specific_character", "domestic_law"];
const EVENTS: [&str; 5] = [
    "armed_attack",
    "cyber_attack",
    "hybrid_attack",
    "threat",
    "mobilization",
];
const MEANS: [&str; 4] = ["conventional", "nuclear", "chemical", "biological"];
const ONS: [&str; 4] = ["territory", "forces", "vessels", "aircraft"];
const ROLES: [&str; 3] = ["sovereign", "controller", "administrator"];

/// Sizes of a generated rule set, so that references can be drawn by index.
struct Shape {
    parties: usize,
    orgs: usize,
    tags: usize,
    facts: usize,
    territories: usize,
    areas: usize,
    treaties: usize,
}

fn pick_str(u: &mut Unstructured<'_>, items: &[&'static str]) -> Result<&'static str> {
    Ok(*pick(u, items)?.unwrap_or(&"x"))
}

/// A day between 1900 and 2060 as YAML text; `after` makes it no earlier than that year.
fn gen_date(u: &mut Unstructured<'_>, after: i32) -> Result<(i32, String)> {
    let year = u.int_in_range(after.clamp(1900, 2060)..=2060)?;
    let month = u.int_in_range(1..=12)?;
    let day = u.int_in_range(1..=28)?;
    Ok((year, format!("{year:04}-{month:02}-{day:02}")))
}

fn party_id(u: &mut Unstructured<'_>, sh: &Shape) -> Result<String> {
    Ok(format!("P{}", u.choose_index(sh.parties.max(1))?))
}

fn party_test(u: &mut Unstructured<'_>, sh: &Shape) -> Result<String> {
    Ok(match u.int_in_range(0..=7)? {
        0 => "target".into(),
        1 => "attacker".into(),
        2 => "treaty_party".into(),
        3 => "state".into(),
        4 => "non_state".into(),
        5 => format!("{{is: [{}, {}]}}", party_id(u, sh)?, party_id(u, sh)?),
        6 => format!("{{member_of: O{}}}", u.choose_index(sh.orgs.max(1))?),
        _ => format!("{{party_to: tr{}}}", u.choose_index(sh.treaties.max(1))?),
    })
}

fn place_test(u: &mut Unstructured<'_>, sh: &Shape) -> Result<String> {
    Ok(match u.int_in_range(0..=6)? {
        0 => format!(
            "{{in: [{}, T{}]}}",
            party_id(u, sh)?,
            u.choose_index(sh.territories.max(1))?
        ),
        1 => format!("{{tagged: [t{}]}}", u.choose_index(sh.tags.max(1))?),
        2 => format!("{{sovereign: {}}}", party_test(u, sh)?),
        3 => format!("{{controller: {}}}", party_test(u, sh)?),
        4 => format!("{{administrator: {}}}", party_test(u, sh)?),
        5 => {
            let role = pick_str(u, &ROLES)?;
            let by = party_test(u, sh)?;
            let (_, d) = gen_date(u, 1900)?;
            format!("{{held_on: {{role: {role}, by: {by}, date: {d}}}}}")
        }
        _ => "area".into(),
    })
}

fn condition(u: &mut Unstructured<'_>, sh: &Shape, depth: u32) -> Result<String> {
    let leaf = depth >= 4 || u.ratio(1, 2)?;
    if !leaf {
        return Ok(match u.int_in_range(0..=2)? {
            0 | 1 => {
                let n = u.int_in_range(1..=3)?;
                let mut kids = Vec::new();
                for _ in 0..n {
                    kids.push(condition(u, sh, depth + 1)?);
                }
                let op = if u.arbitrary()? { "all" } else { "any" };
                format!("{{{op}: [{}]}}", kids.join(", "))
            }
            _ => format!("{{not: {}}}", condition(u, sh, depth + 1)?),
        });
    }
    Ok(match u.int_in_range(0..=10)? {
        0 => format!("{{event: {}}}", pick_str(u, &EVENTS)?),
        1 => format!("{{means: [{}]}}", pick_str(u, &MEANS)?),
        2 => format!("{{on: {}}}", pick_str(u, &ONS)?),
        3 => format!("{{attacker: {}}}", party_test(u, sh)?),
        4 => format!(
            "{{attackers: {{at_least: {}, that: {}}}}}",
            u.int_in_range(1..=3)?,
            party_test(u, sh)?
        ),
        5 => format!("{{supported_by: {}}}", party_test(u, sh)?),
        6 => format!("{{target: {}}}", party_test(u, sh)?),
        7 => format!("{{location: {}}}", place_test(u, sh)?),
        8 => {
            let (y, a) = gen_date(u, 1900)?;
            let (_, b) = gen_date(u, y + 1)?;
            format!("{{date: {{from: {a}, before: {b}}}}}")
        }
        9 => {
            let builtin = ["provoked", "requested", "determined"];
            if sh.facts > 0 && u.arbitrary()? {
                format!("{{fact: f{}}}", u.choose_index(sh.facts)?)
            } else {
                format!("{{fact: {}}}", pick_str(u, &builtin)?)
            }
        }
        _ => format!("{{always: {}}}", u.arbitrary::<bool>()?),
    })
}

fn obligation(u: &mut Unstructured<'_>, sh: &Shape, y: &mut String) -> Result<()> {
    let level = pick_str(u, &LEVELS)?;
    let _ = write!(y, "{{level: {level}");
    match u.int_in_range(0..=3)? {
        0 => y.push_str(", obligated: all"),
        1 => {
            let _ = write!(y, ", obligated: [{}]", party_id(u, sh)?);
        }
        _ => {}
    }
    if u.ratio(1, 4)? {
        y.push_str(", toward: attacker");
    }
    if u.arbitrary()? {
        let _ = write!(
            y,
            ", forms: {{allowed: [{}], excluded: [{}]}}",
            pick_str(u, &FORMS)?,
            pick_str(u, &FORMS)?
        );
    }
    if u.ratio(1, 3)? {
        let _ = write!(
            y,
            ", caveats: [{}, {{primacy_of: tr{}}}]",
            pick_str(u, &CAVEATS)?,
            u.choose_index(sh.treaties.max(1))?
        );
    }
    if u.ratio(1, 3)? {
        y.push_str(", deadline: {within_days: 3}");
    }
    if u.ratio(1, 4)? {
        let _ = write!(y, ", when: {}", condition(u, sh, 2)?);
    }
    y.push('}');
    Ok(())
}

/// A rule set as YAML text whose cross-references mostly hold (ids are drawn from the sizes
/// chosen first); mutations then break it in the ways hand-edited files break.
pub fn rule_set_yaml(u: &mut Unstructured<'_>) -> Result<String> {
    let sh = Shape {
        parties: u.int_in_range(1..=8)?,
        orgs: u.int_in_range(0..=2)?,
        tags: u.int_in_range(0..=4)?,
        facts: u.int_in_range(0..=3)?,
        territories: u.int_in_range(0..=4)?,
        areas: u.int_in_range(0..=2)?,
        treaties: u.int_in_range(1..=3)?,
    };
    let mut y = String::new();
    if sh.tags > 0 {
        y.push_str("tags:\n");
        for i in 0..sh.tags {
            let _ = writeln!(y, "  - {{id: t{i}, description: Tag {i}.}}");
        }
    }
    if sh.facts > 0 {
        y.push_str("facts:\n");
        for i in 0..sh.facts {
            let _ = writeln!(y, "  - {{id: f{i}, description: Fact {i}.}}");
        }
    }
    y.push_str("parties:\n");
    for i in 0..sh.parties {
        let _ = write!(y, "  - {{id: P{i}, name: Party {i}");
        if sh.tags > 0 && u.arbitrary()? {
            let _ = write!(y, ", territory_tags: [t{}]", u.choose_index(sh.tags)?);
        }
        y.push_str("}\n");
    }
    for i in 0..sh.orgs {
        let _ = write!(y, "  - {{id: O{i}, name: Org {i}, kind: organization, members: [");
        let n = u.int_in_range(1..=3)?;
        for k in 0..n {
            if k > 0 {
                y.push_str(", ");
            }
            let (yr, j) = gen_date(u, 1900)?;
            let _ = write!(y, "{{party: {}, joined: {j}", party_id(u, &sh)?);
            if u.ratio(1, 3)? {
                let (_, l) = gen_date(u, yr + 1)?;
                let _ = write!(y, ", left: {l}");
            }
            y.push('}');
        }
        y.push_str("]}\n");
    }
    if sh.territories > 0 {
        y.push_str("territories:\n");
        for i in 0..sh.territories {
            let _ = write!(
                y,
                "  - {{id: T{i}, name: Territory {i}, sovereign: {}",
                party_id(u, &sh)?
            );
            if u.ratio(1, 3)? {
                let (_, f) = gen_date(u, 1900)?;
                let _ = write!(y, ", controller: [{{party: {}, from: {f}}}]", party_id(u, &sh)?);
            }
            if u.ratio(1, 4)? {
                let (yr, f) = gen_date(u, 1900)?;
                let (_, t) = gen_date(u, yr + 1)?;
                let _ = write!(
                    y,
                    ", administrator: [{{party: {}, from: {f}, to: {t}}}]",
                    party_id(u, &sh)?
                );
            }
            if sh.tags > 0 {
                let _ = write!(y, ", tags: [t{}]", u.choose_index(sh.tags)?);
            }
            y.push_str("}\n");
        }
    }
    if sh.areas > 0 {
        y.push_str("areas:\n");
        for i in 0..sh.areas {
            let _ = write!(y, "  - {{id: a{i}, name: Area {i}");
            if sh.tags > 0 {
                let _ = write!(y, ", tags: [t{}]", u.choose_index(sh.tags)?);
            }
            y.push_str("}\n");
        }
    }
    y.push_str("treaties:\n");
    for i in 0..sh.treaties {
        let (inf_year, inf) = gen_date(u, 1900)?;
        let _ = writeln!(y, "  - id: tr{i}\n    name: Treaty {i}");
        match u.int_in_range(0..=3)? {
            0 => y.push_str("    status: draft\n"),
            1 => y.push_str("    status: political\n"),
            _ => {}
        }
        let _ = writeln!(y, "    in_force: {inf}");
        if u.ratio(1, 4)? {
            let (_, t) = gen_date(u, inf_year + 1)?;
            let _ = writeln!(y, "    terminated: {t}");
        }
        y.push_str("    parties:\n");
        let n = u.int_in_range(1..=sh.parties.min(6))?;
        let mut used = BTreeSet::new();
        for _ in 0..n {
            let p = party_id(u, &sh)?;
            if !used.insert(p.clone()) {
                continue;
            }
            let _ = write!(y, "      - {{party: {p}");
            if u.ratio(1, 3)? {
                let (jy, j) = gen_date(u, inf_year + 1)?;
                let _ = write!(y, ", joined: {j}");
                if u.ratio(1, 3)? {
                    let (_, l) = gen_date(u, jy + 1)?;
                    let _ = write!(y, ", left: {l}");
                }
            }
            y.push_str("}\n");
        }
        if sh.orgs > 0 && u.ratio(1, 3)? {
            let _ = writeln!(y, "      - {{members_of: O{}}}", u.choose_index(sh.orgs)?);
        }
        y.push_str("    clauses:\n");
        let nc = u.int_in_range(1..=3)?;
        for c in 0..nc {
            let _ = writeln!(y, "      - id: c{c}\n        citation: Art. {c}");
            let _ = writeln!(y, "        trigger: {}", condition(u, &sh, 0)?);
            y.push_str("        obligations:\n");
            let no = u.int_in_range(1..=2)?;
            for _ in 0..no {
                y.push_str("          - ");
                obligation(u, &sh, &mut y)?;
                y.push('\n');
            }
            if u.ratio(1, 4)? {
                y.push_str("        reading: {id: main, basis: The usual reading.}\n");
                let _ = writeln!(
                    y,
                    "        readings:\n          - {{id: alt, basis: A minority view., trigger: {}}}",
                    condition(u, &sh, 1)?
                );
            }
        }
        if u.ratio(1, 3)? {
            y.push_str("    reservations:\n");
            let _ = write!(y, "      - {{party: {}, note: A reservation.", party_id(u, &sh)?);
            match u.int_in_range(0..=3)? {
                0 => y.push_str(", opt_out: true"),
                1 => {
                    let _ = write!(y, ", max_level: {}", pick_str(u, &LEVELS)?);
                }
                2 => {
                    let _ = write!(y, ", kind: suspension, toward: [{}]", party_id(u, &sh)?);
                }
                _ => {
                    let _ = write!(y, ", exclude_forms: [{}], clauses: [c0]", pick_str(u, &FORMS)?);
                }
            }
            y.push_str("}\n");
        }
    }
    Ok(y)
}

/// Tokens that mutations insert: vocabulary, ids that exist and ids that do not, YAML syntax,
/// merge keys, tags Casus refuses, and ids and names holding control, line-break and invisible
/// characters.
const TOKENS: [&str; 33] = [
    "P0",
    "P99",
    "tr0",
    "nato",
    "t0",
    "f0",
    "all:",
    "any:",
    "not:",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ": ",
    "&a",
    "*a",
    "!!str ",
    "~",
    "2000-02-30",
    "1e9",
    "\"",
    "'",
    "\t",
    "<<: *a",
    "<<: {id: P0}",
    "!!binary ",
    "!foo ",
    "!!merge ",
    "\"P0\\e[31m\"",
    "\"t0\\u200b\"",
    "\"\\e]0;x\\a\"",
    "\"a\\nb\"",
];

/// Mutates YAML text line by line: deletes, duplicates, swaps, re-indents, or inserts tokens.
pub fn mutate(u: &mut Unstructured<'_>, text: &str) -> Result<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let n = u.int_in_range(0..=4)?;
    for _ in 0..n {
        if lines.is_empty() {
            break;
        }
        let i = u.choose_index(lines.len())?;
        match u.int_in_range(0..=5)? {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                let j = u.choose_index(lines.len())?;
                lines.swap(i, j);
            }
            3 => {
                let l = format!("  {}", lines[i]);
                lines[i] = l;
            }
            4 => {
                let l = &lines[i];
                let at = u.choose_index(l.len() + 1)?;
                let at = (0..=at).rev().find(|k| l.is_char_boundary(*k)).unwrap_or(0);
                let tok = pick_str(u, &TOKENS)?;
                let mut m = l.clone();
                m.insert_str(at, tok);
                lines[i] = m;
            }
            _ => {
                let l = &lines[i];
                let at = u.choose_index(l.len() + 1)?;
                let at = (0..=at).rev().find(|k| l.is_char_boundary(*k)).unwrap_or(0);
                lines[i] = l[..at].to_string();
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    Ok(out)
}
