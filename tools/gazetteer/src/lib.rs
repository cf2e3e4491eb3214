//! Generates `rules/world/subdivisions/` from the vendored iso-codes data (`data/iso-codes/`).
//!
//! Every ISO 3166-2 subdivision becomes a territory that lies `within` its parent subdivision
//! (as iso-codes gives it) or its country, and so inherits its holders and tags. A code that
//! `rules/world/territories.yaml` declares by hand (an exception where the law draws a line:
//! Hawaii, the Canaries, Crimea, ...) is left to that file; its ISO name must be among the hand
//! declaration's name and aliases, so that every ISO name still finds a place. A country is
//! the state party with its alpha-3 code, or the dependent territory declared with its alpha-2
//! code. A few subdivisions that ISO lists under a state but that the library treats as a
//! place of their own (the French overseas regions and collectivities, the US outlying areas,
//! the Dutch Caribbean countries, Svalbard, Åland, Taiwan) lie within that place: see
//! [`LINKS`].
//!
//! `cargo run -p casus-gazetteer` writes the files; the crate's test fails when they differ
//! from what [`generate`] makes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::Deserialize;

/// Subdivisions that lie within a place other than their country, with the reason.
pub const LINKS: &[(&str, &str, &str)] = &[
    ("US-AS", "AS", "US outlying area, declared as a territory of its own"),
    ("US-GU", "GU", "US outlying area, declared as a territory of its own"),
    ("US-MP", "MP", "US outlying area, declared as a territory of its own"),
    ("US-PR", "PR", "US outlying area, declared as a territory of its own"),
    ("US-UM", "UM", "US outlying area, declared as a territory of its own"),
    ("US-VI", "VI", "US outlying area, declared as a territory of its own"),
    (
        "FR-BL",
        "BL",
        "French overseas collectivity, declared as a territory of its own",
    ),
    (
        "FR-GF",
        "GF",
        "French overseas region, declared as a territory of its own",
    ),
    (
        "FR-GP",
        "GP",
        "French overseas region, declared as a territory of its own",
    ),
    (
        "FR-MF",
        "MF",
        "French overseas collectivity, declared as a territory of its own",
    ),
    (
        "FR-MQ",
        "MQ",
        "French overseas region, declared as a territory of its own",
    ),
    (
        "FR-NC",
        "NC",
        "French overseas collectivity, declared as a territory of its own",
    ),
    (
        "FR-PF",
        "PF",
        "French overseas collectivity, declared as a territory of its own",
    ),
    (
        "FR-PM",
        "PM",
        "French overseas collectivity, declared as a territory of its own",
    ),
    (
        "FR-RE",
        "RE",
        "French overseas region, declared as a territory of its own",
    ),
    (
        "FR-WF",
        "WF",
        "French overseas collectivity, declared as a territory of its own",
    ),
    (
        "FR-YT",
        "YT",
        "French overseas region, declared as a territory of its own",
    ),
    (
        "NL-AW",
        "AW",
        "country of the Kingdom, declared as a territory of its own",
    ),
    (
        "NL-CW",
        "CW",
        "country of the Kingdom, declared as a territory of its own",
    ),
    (
        "NL-SX",
        "SX",
        "country of the Kingdom, declared as a territory of its own",
    ),
    ("NL-BQ1", "BQ", "Bonaire, part of the Caribbean Netherlands"),
    ("NL-BQ2", "BQ", "Saba, part of the Caribbean Netherlands"),
    ("NL-BQ3", "BQ", "Sint Eustatius, part of the Caribbean Netherlands"),
    ("NO-21", "SJ", "Svalbard, declared as a territory of its own"),
    ("FI-01", "AX", "Åland, declared as a territory of its own"),
    (
        "CN-TW",
        "TWN",
        "ISO lists Taiwan as a province of China; the library treats Taiwan as a party (TWN)",
    ),
];

#[derive(Debug, Deserialize)]
struct Subdivision {
    code: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    parent: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Country {
    alpha_2: String,
    alpha_3: String,
    name: String,
}

/// What the generator needs from the hand-written rule files.
struct Hand {
    /// Territory ids declared by hand, with their name and aliases (folded).
    territories: HashMap<String, Vec<String>>,
    /// State party ids.
    states: BTreeSet<String>,
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn hand(root: &Path) -> Result<Hand, String> {
    let mut h = Hand {
        territories: HashMap::new(),
        states: BTreeSet::new(),
    };
    for file in ["rules/world/territories.yaml", "rules/world/parties.yaml"] {
        let path = root.join(file);
        let f: casus::model::RuleFile =
            serde_saphyr::from_str(&read(&path)?).map_err(|e| format!("{}: {e}", path.display()))?;
        for t in f.territories {
            let names = std::iter::once(&t.name)
                .chain(&t.aliases)
                .map(|n| casus::names::fold_name(n))
                .collect();
            h.territories.insert(t.id.value, names);
        }
        for p in f.parties {
            if p.kind == casus::model::PartyKind::State {
                h.states.insert(p.id.value);
            }
        }
    }
    Ok(h)
}

/// ISO's name without its markers, and the alternative name it gives in brackets, if any
/// (`A Coruña [La Coruña]`; `Alacant*`; `Wales [Cymru GB-CYM]`; `[city]` is no name).
fn clean_name(raw: &str) -> (String, Option<String>) {
    let (main, alt) = match raw.split_once(" [") {
        Some((m, rest)) => (m, Some(rest.trim_end_matches(']'))),
        None => (raw, None),
    };
    let main = main.trim_end_matches('*').trim().to_string();
    let alt = alt.and_then(|a| {
        let words: Vec<&str> = a
            .split_whitespace()
            .filter(|w| {
                !(w.contains('-')
                    && w.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'))
            })
            .collect();
        let alt = words.join(" ");
        let starts_upper = alt.chars().next().is_some_and(char::is_uppercase);
        (starts_upper && alt != main).then_some(alt)
    });
    (main, alt)
}

/// A YAML double-quoted scalar.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{}\"", s.escape_default()))
}

/// The generated files: file name (in `rules/world/subdivisions/`) to text.
pub fn generate(root: &Path) -> Result<BTreeMap<String, String>, String> {
    let data = root.join("data/iso-codes");
    let version = read(&data.join("VERSION"))?.trim().to_string();
    #[derive(Deserialize)]
    struct Two {
        #[serde(rename = "3166-2")]
        list: Vec<Subdivision>,
    }
    #[derive(Deserialize)]
    struct One {
        #[serde(rename = "3166-1")]
        list: Vec<Country>,
    }
    let two: Two =
        serde_json::from_str(&read(&data.join("iso_3166-2.json"))?).map_err(|e| format!("iso_3166-2.json: {e}"))?;
    let one: One =
        serde_json::from_str(&read(&data.join("iso_3166-1.json"))?).map_err(|e| format!("iso_3166-1.json: {e}"))?;
    let countries: HashMap<&str, &Country> = one.list.iter().map(|c| (c.alpha_2.as_str(), c)).collect();
    let hand = hand(root)?;
    let links: HashMap<&str, &str> = LINKS.iter().map(|(a, b, _)| (*a, *b)).collect();
    let mut problems = Vec::new();
    let mut by_country: BTreeMap<&str, Vec<&Subdivision>> = BTreeMap::new();
    for s in &two.list {
        let cc = s.code.split('-').next().unwrap_or_default();
        by_country.entry(cc).or_default().push(s);
    }
    let mut out = BTreeMap::new();
    for (cc, subs) in by_country {
        let Some(country) = countries.get(cc) else {
            problems.push(format!("{cc}: not in iso_3166-1.json"));
            continue;
        };
        let country_place = if hand.territories.contains_key(cc) {
            cc.to_string()
        } else if hand.states.contains(&country.alpha_3) {
            country.alpha_3.clone()
        } else {
            problems.push(format!(
                "{cc} ({}): neither a territory `{cc}` nor a state `{}` is declared",
                country.name, country.alpha_3
            ));
            continue;
        };
        out.insert(
            format!("{}.yaml", cc.to_lowercase()),
            country_file(&version, country, &country_place, &subs, &hand, &links, &mut problems),
        );
    }
    for (code, place, _) in LINKS {
        if !hand.territories.contains_key(*place) && !hand.states.contains(*place) {
            problems.push(format!("link {code} -> {place}: `{place}` is not declared"));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems.join("\n"))
    }
}

fn country_file(
    version: &str,
    country: &Country,
    country_place: &str,
    subs: &[&Subdivision],
    hand: &Hand,
    links: &HashMap<&str, &str>,
    problems: &mut Vec<String>,
) -> String {
    let cc = country.alpha_2.as_str();
    let mut body = String::new();
    let mut by_hand = Vec::new();
    let mut subs: Vec<&&Subdivision> = subs.iter().collect();
    subs.sort_by(|a, b| a.code.cmp(&b.code));
    for s in subs {
        let (name, alt) = clean_name(&s.name);
        if let Some(names) = hand.territories.get(&s.code) {
            if !names.contains(&casus::names::fold_name(&name)) {
                problems.push(format!(
                    "{}: declared by hand, but its ISO name `{name}` is neither its name nor one of its aliases",
                    s.code
                ));
            }
            by_hand.push(s.code.as_str());
            continue;
        }
        let within = match (links.get(s.code.as_str()), &s.parent) {
            (Some(place), _) => (*place).to_string(),
            (None, Some(p)) if p.contains('-') => p.clone(),
            (None, Some(p)) => format!("{cc}-{p}"),
            (None, None) => country_place.to_string(),
        };
        let aliases = alt.map(|a| format!(", aliases: [{}]", quoted(&a))).unwrap_or_default();
        body.push_str(&format!(
            "  - {{id: {}, name: {}{aliases}, within: {within}, note: {}}}\n",
            s.code,
            quoted(&name),
            quoted(&s.kind)
        ));
    }
    let mut head = format!(
        "# yaml-language-server: $schema=../../../schemas/rules.schema.json\n\
         # ISO 3166-2 subdivisions of {} ({cc}), generated from iso-codes {version}\n\
         # (data/iso-codes/iso_3166-2.json; LGPL-2.1-or-later, see data/iso-codes/README.md).\n\
         # Do not edit: regenerate with `cargo run -p casus-gazetteer` (docs/conventions.md).\n\
         # Each lies within its parent subdivision or its country ({country_place}) and inherits\n\
         # its holders and tags; `note` is ISO's type of subdivision.\n",
        country.name
    );
    if !by_hand.is_empty() {
        head.push_str(&format!(
            "# Declared by hand in rules/world/territories.yaml: {}.\n",
            by_hand.join(", ")
        ));
    }
    if body.is_empty() {
        head
    } else {
        format!("{head}\nterritories:\n{body}")
    }
}

/// Writes the generated files into `root/rules/world/subdivisions/`, removing any other
/// `.yaml` file there; returns how many files and subdivisions were written.
pub fn write(root: &Path) -> Result<(usize, usize), String> {
    let files = generate(root)?;
    let dir = root.join("rules/world/subdivisions");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".yaml") && !files.contains_key(&name) {
            std::fs::remove_file(entry.path()).map_err(|e| format!("{name}: {e}"))?;
        }
    }
    let mut count = 0;
    for (name, text) in &files {
        count += text.lines().filter(|l| l.starts_with("  - {id:")).count();
        std::fs::write(dir.join(name), text).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok((files.len(), count))
}

#[cfg(test)]
mod tests {
    use super::clean_name;

    #[test]
    fn iso_names_are_cleaned_and_bracketed_names_become_aliases() {
        let cases = [
            ("A Coruña [La Coruña]", ("A Coruña", Some("La Coruña"))),
            ("Alacant*", ("Alacant", None)),
            ("Barcelona [Barcelona]", ("Barcelona", None)),
            ("Wales [Cymru GB-CYM]", ("Wales", Some("Cymru"))),
            ("Norrbottens län [SE-25]", ("Norrbottens län", None)),
            ("Amānat al ‘Āşimah [city]", ("Amānat al ‘Āşimah", None)),
        ];
        for (raw, (name, alias)) in cases {
            assert_eq!(clean_name(raw), (name.to_string(), alias.map(String::from)), "{raw}");
        }
    }
}
