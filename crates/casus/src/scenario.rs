//! Scenarios: the event to evaluate (pinned format: extend it, don't rename).
//!
//! ```yaml
//! date: 2027-03-01
//! event: armed_attack
//! attacker: RUS
//! target: UKR
//! location: UA-30
//! on: territory
//! facts: {requested: true}
//! ```
//!
//! A fact may also be stated for one treaty or one clause (`treaty_facts`, `invoked`): it then
//! overrides `facts` there and only there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, FileCtx, Position};
use crate::level::Level;
use crate::load::{Limits, parse_text, parse_yaml, read_text};
use crate::model::{Location, Spanned};
use crate::time::When;
use crate::vocab::{EventKind, Means, On};

/// Who attacked: a party id, or a non-state actor.
///
/// Written as a party id (`RUS`) or as `{non_state: NAME}`; any other key is an error, so that
/// nothing written about an attacker is dropped without a word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Actor {
    /// A party of the rule set.
    Party(String),
    /// A non-state actor, by name.
    NonState {
        /// Its name.
        non_state: String,
    },
}

impl<'de> Deserialize<'de> for Actor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ActorVisitor;
        impl<'de> serde::de::Visitor<'de> for ActorVisitor {
            type Value = Actor;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a party id (`RUS`) or `{non_state: NAME}`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Actor, E> {
                Ok(Actor::Party(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Actor, A::Error> {
                let mut name = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key != "non_state" {
                        return Err(serde::de::Error::custom(format!(
                            "unknown key `{key}` in an attacker: write a party id, or `{{non_state: NAME}}` alone"
                        )));
                    }
                    if name.is_some() {
                        return Err(serde::de::Error::custom("`non_state` given twice"));
                    }
                    name = Some(map.next_value::<String>()?);
                }
                name.map(|non_state| Actor::NonState { non_state })
                    .ok_or_else(|| serde::de::Error::custom("an attacker mapping needs `non_state: NAME`"))
            }
        }
        d.deserialize_any(ActorVisitor)
    }
}

/// What a scenario expects, checked by `casus test`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Parties whose strongest level is `neutrality`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub neutrality: Vec<String>,
    /// Parties whose strongest level is `consult`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consult: Vec<String>,
    /// Parties whose strongest level is `diplomatic`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diplomatic: Vec<String>,
    /// Parties whose strongest level is `assist`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assist: Vec<String>,
    /// Parties whose strongest level is `all_means`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub all_means: Vec<String>,
    /// Parties whose strongest level is `military`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub military: Vec<String>,
    /// Parties with no obligation at all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub none: Vec<String>,
    /// Parties whose obligation is contingent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contingent: Vec<String>,
    /// Parties whose obligation is definite.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub definite: Vec<String>,
    /// Who holds the scenario's place on its day (*ext*): pins a date of control in the
    /// gazetteer, such as the start of an occupation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<ExpectPlace>,
}

/// The holders a scenario expects its place to have on its day; each one given is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ExpectPlace {
    /// The expected de jure sovereign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sovereign: Option<String>,
    /// The expected de facto controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    /// The expected administrator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub administrator: Option<String>,
}

impl Expect {
    /// The expected level of each listed party (`None` for `none`).
    #[must_use]
    pub fn levels(&self) -> Vec<(&str, Option<Level>)> {
        let mut v = Vec::new();
        let lists: [(&Vec<String>, Option<Level>); 7] = [
            (&self.neutrality, Some(Level::Neutrality)),
            (&self.consult, Some(Level::Consult)),
            (&self.diplomatic, Some(Level::Diplomatic)),
            (&self.assist, Some(Level::Assist)),
            (&self.all_means, Some(Level::AllMeans)),
            (&self.military, Some(Level::Military)),
            (&self.none, None),
        ];
        for (list, level) in lists {
            for p in list {
                v.push((p.as_str(), level));
            }
        }
        v
    }
}

/// An event to evaluate.
///
/// Its `Debug` is the scenario file it would be written as ([`Scenario::to_yaml`]), so that a
/// failing scenario of a property test reads as a file `casus eval` takes.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Free text (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The rule set to use, relative to the scenario file (optional; `--rules` wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<String>,
    /// When: a day, or an RFC 3339 instant.
    pub date: When,
    /// What happened.
    pub event: EventKind,
    /// With what; omitted = unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub means: Option<Means>,
    /// Who attacked; omitted (with `attackers`) = unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attacker: Option<Actor>,
    /// Several attackers (instead of `attacker`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attackers: Option<Vec<Actor>>,
    /// Parties supporting the attacker; omitted = unknown, `[]` = none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_by: Option<Vec<String>>,
    /// The attacked party.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Several attacked parties (instead of `target`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<String>>,
    /// Where: a territory or area id; omitted = unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Where the attack was launched from: a territory or area id, or a name (a state's id
    /// names its main territory: `BLR`); omitted = unknown. (ext)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launched_from: Option<String>,
    /// (ext) Whose mission the forces hit served: the id of the treaty they were deployed
    /// under (a reassurance force deployed under a guarantee), or `none` for forces under no
    /// treaty's mission (a state's national forces); omitted = unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployed_under: Option<String>,
    /// What was hit; omitted = unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<On>,
    /// Facts stated true or false for every treaty; a fact not stated is unknown.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub facts: BTreeMap<String, bool>,
    /// Facts stated for one treaty (`nato`) or one clause (`nato/art4`): they override
    /// `facts` there and only there. A clause's statement overrides its treaty's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub treaty_facts: BTreeMap<String, BTreeMap<String, bool>>,
    /// The treaties (`teu_42_7`) or clauses (`nato/art4`) the target invoked: short for
    /// `treaty_facts: {T: {requested: true}}` for each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invoked: Vec<String>,
    /// Expectations for `casus test`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// The file and text the scenario was read from, if it was read: an error found later (an
    /// id the rule set lacks) points at its line and column. Not part of what it means.
    #[serde(skip)]
    origin: Origin,
}

/// The value of a scenario's `deployed_under:` for forces deployed under no treaty's
/// mission (a state's national forces).
pub const NO_MISSION: &str = "none";

/// The first line `casus verify --counterexamples` writes in each counterexample file, by which
/// `casus test` knows the file for a counterexample rather than a test: it is skipped, with a
/// note, until someone gives it an `expect:` block.
pub const COUNTEREXAMPLE_MARKER: &str = "# casus: counterexample";

/// What a YAML file found among scenarios holds, read from its top-level keys (and, for a
/// counterexample, its first line): `casus test` runs scenarios and skips the rest with a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlKind {
    /// A scenario, or meant as one: it has a key a scenario has, or it is not a mapping at all
    /// (reading it as a scenario then says what is wrong).
    Scenario,
    /// A scenario written by `casus verify --counterexamples` (it starts with
    /// [`COUNTEREXAMPLE_MARKER`]) and given no `expect:` block since.
    Counterexample,
    /// A properties file of `casus verify` (`properties:`).
    Properties,
    /// A rule file or a rule-set manifest (`parties:`, `treaties:`, `extends:`, …).
    Rules,
    /// A mapping with none of a scenario's keys.
    Other,
}

impl YamlKind {
    /// What the file is, in words, for a file that is not a scenario.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            YamlKind::Scenario => "a scenario",
            YamlKind::Counterexample => {
                "a counterexample written by `casus verify`, not a test (give it an `expect:` block to make it one)"
            }
            YamlKind::Properties => "a properties file for `casus verify`, not a scenario",
            YamlKind::Rules => "a rule file, not a scenario",
            YamlKind::Other => "not a scenario: it has none of a scenario's keys (date, event, target, …)",
        }
    }

    /// What the YAML text `text` holds.
    ///
    /// ```
    /// use casus::YamlKind;
    /// assert_eq!(YamlKind::of_text("date: 2027-03-01\nevent: armed_attack\ntarget: UKR\n"), YamlKind::Scenario);
    /// assert_eq!(YamlKind::of_text("properties:\n  - id: x\n"), YamlKind::Properties);
    /// assert_eq!(YamlKind::of_text("parties: []\ntreaties: []\n"), YamlKind::Rules);
    /// assert_eq!(YamlKind::of_text("{dat: 2027-03-01, evnt: threat}"), YamlKind::Other);
    /// assert_eq!(YamlKind::of_text(": not yaml ["), YamlKind::Scenario);
    /// let marked = format!("{}\ndate: 2027-03-01\n", casus::COUNTEREXAMPLE_MARKER);
    /// assert_eq!(YamlKind::of_text(&marked), YamlKind::Counterexample);
    /// assert_eq!(YamlKind::of_text(&format!("{marked}expect: {{none: [USA]}}\n")), YamlKind::Scenario);
    /// ```
    #[must_use]
    pub fn of_text(text: &str) -> YamlKind {
        const SCENARIO: [&str; 17] = [
            "name",
            "description",
            "rules",
            "date",
            "event",
            "means",
            "attacker",
            "attackers",
            "supported_by",
            "target",
            "targets",
            "location",
            "launched_from",
            "deployed_under",
            "on",
            "facts",
            "expect",
        ];
        const RULES: [&str; 8] = [
            "parties",
            "tags",
            "territories",
            "areas",
            "facts",
            "treaties",
            "extends",
            "amend",
        ];
        let ctx = FileCtx::new(Path::new("<yaml>"), None);
        let Ok(keys) = parse_yaml::<Keys>(&ctx, text, &Limits::default()) else {
            return YamlKind::Scenario;
        };
        let has = |k: &str| keys.0.iter().any(|(key, _)| key.value == k);
        if text.starts_with(COUNTEREXAMPLE_MARKER) && !has("expect") {
            return YamlKind::Counterexample;
        }
        let scenario_key = |k: &&str| has(k) && !RULES.contains(k) && !["name", "description"].contains(k);
        if SCENARIO.iter().any(scenario_key) {
            YamlKind::Scenario
        } else if has("properties") {
            YamlKind::Properties
        } else if RULES.iter().any(|k| has(k)) {
            YamlKind::Rules
        } else if keys.0.is_empty() {
            YamlKind::Scenario
        } else {
            YamlKind::Other
        }
    }

    /// What the YAML file at `path` holds; an error if it cannot be read.
    ///
    /// # Errors
    ///
    /// [`ScenarioError`](crate::ScenarioError) when the file cannot be read or is not YAML.
    pub fn of_file(path: impl AsRef<Path>) -> Result<YamlKind, crate::ScenarioError> {
        let text = read_text(path.as_ref(), &Limits::default()).map_err(crate::ScenarioError::Invalid)?;
        Ok(YamlKind::of_text(&text))
    }
}

/// Where a scenario was read from. Two scenarios that differ only in their origin are equal.
#[derive(Clone, Default)]
struct Origin(Option<Arc<FileCtx>>);

impl PartialEq for Origin {
    fn eq(&self, _: &Origin) -> bool {
        true
    }
}

impl std::fmt::Debug for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(ctx) => write!(f, "Origin({})", ctx.path.display()),
            None => f.write_str("Origin(none)"),
        }
    }
}

/// The ids of a scenario with where each was written. Read again from the text only when an
/// error needs a line and column, so that a scenario costs nothing more when it is right.
#[derive(Default, Deserialize)]
#[serde(default)]
struct IdSpans {
    target: Option<Spanned<String>>,
    targets: Option<Vec<Spanned<String>>>,
    attacker: Option<Spanned<Actor>>,
    attackers: Option<Vec<Spanned<Actor>>>,
    supported_by: Option<Vec<Spanned<String>>>,
    location: Option<Spanned<String>>,
    launched_from: Option<Spanned<String>>,
    deployed_under: Option<Spanned<String>>,
    facts: Option<Keys>,
    expect: Option<BTreeMap<String, Vec<Spanned<String>>>>,
}

/// The keys of a mapping, each with where it and its value were written.
#[derive(Default)]
struct Keys(Vec<(Spanned<String>, Location)>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Keys, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = map.next_key::<Spanned<String>>()? {
                    let v = map.next_value::<Spanned<serde::de::IgnoredAny>>()?;
                    keys.push((k, v.referenced));
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(Visit)
    }
}

impl IdSpans {
    /// Where `id` was written under the scenario key `field` (`expect.LEVEL` for an
    /// expectation).
    fn find(&self, field: &str, id: &str) -> Option<Location> {
        let party = |a: &Spanned<Actor>| matches!(&a.value, Actor::Party(p) if p == id);
        let first = |v: &Option<Vec<Spanned<String>>>| v.iter().flatten().find(|x| x.value == id).map(|x| x.referenced);
        match field {
            "target" => self.target.as_ref().filter(|t| t.value == id).map(|t| t.referenced),
            "targets" => first(&self.targets),
            "attacker" => self.attacker.as_ref().filter(|a| party(a)).map(|a| a.referenced),
            "attackers" => self.attackers.iter().flatten().find(|a| party(a)).map(|a| a.referenced),
            "supported_by" => first(&self.supported_by),
            "location" => self.location.as_ref().filter(|l| l.value == id).map(|l| l.referenced),
            "launched_from" => self
                .launched_from
                .as_ref()
                .filter(|l| l.value == id)
                .map(|l| l.referenced),
            "deployed_under" => self
                .deployed_under
                .as_ref()
                .filter(|l| l.value == id)
                .map(|l| l.referenced),
            "facts" => self
                .facts
                .iter()
                .flat_map(|k| &k.0)
                .find(|(k, _)| k.value == id)
                .map(|(k, _)| k.referenced),
            _ => {
                let level = field.strip_prefix("expect.")?;
                let list = self.expect.as_ref()?.get(level)?;
                list.iter().find(|x| x.value == id).map(|x| x.referenced)
            }
        }
    }
}

impl Scenario {
    /// A scenario with only the required fields: everything else unknown.
    ///
    /// ```
    /// use casus::{Scenario, EventKind, When};
    /// let s = Scenario::new(When::parse("2027-03-01").unwrap(), EventKind::ArmedAttack, "UKR");
    /// assert_eq!(s.targets(), vec!["UKR"]);
    /// assert!(s.attacker.is_none());
    /// ```
    #[must_use]
    pub fn new(date: When, event: EventKind, target: &str) -> Scenario {
        Scenario {
            name: None,
            description: None,
            rules: None,
            date,
            event,
            means: None,
            attacker: None,
            attackers: None,
            supported_by: None,
            target: Some(target.to_string()),
            targets: None,
            location: None,
            launched_from: None,
            deployed_under: None,
            on: None,
            facts: BTreeMap::new(),
            treaty_facts: BTreeMap::new(),
            invoked: Vec::new(),
            expect: None,
            origin: Origin::default(),
        }
    }

    /// Parses a scenario from YAML text.
    ///
    /// ```
    /// let s = casus::Scenario::from_yaml("date: 2027-03-01\nevent: armed_attack\ntarget: UKR\nattacker: RUS\n").unwrap();
    /// assert_eq!(s.attacker, Some(casus::Actor::Party("RUS".into())));
    /// ```
    ///
    /// # Errors
    ///
    /// [`ScenarioError`](crate::ScenarioError) when the text is not a valid scenario (a missing or
    /// unknown field, a bad value), located at its line and column.
    pub fn from_yaml(text: &str) -> Result<Scenario, crate::ScenarioError> {
        Scenario::from_yaml_with(text, &Limits::default())
    }

    /// Parses a scenario from YAML text under explicit limits (file size, YAML nodes and
    /// depth), for scenarios from untrusted hands.
    ///
    /// ```
    /// let tight = casus::Limits { max_file_bytes: 16, ..casus::Limits::default() };
    /// let e = casus::Scenario::from_yaml_with("date: 2027-03-01\nevent: armed_attack\ntarget: UKR\n", &tight);
    /// assert!(e.unwrap_err().to_string().contains("max_file_bytes"));
    /// ```
    ///
    /// # Errors
    ///
    /// [`ScenarioError`](crate::ScenarioError) as [`Scenario::from_yaml`], also when the text
    /// exceeds `limits`.
    pub fn from_yaml_with(text: &str, limits: &Limits) -> Result<Scenario, crate::ScenarioError> {
        let ctx = FileCtx::new(Path::new("<scenario>"), Some(text.into()));
        let mut s: Scenario = parse_text(&ctx, text, limits).map_err(crate::ScenarioError::Invalid)?;
        s.check_shape(&ctx, limits).map_err(crate::ScenarioError::Invalid)?;
        s.origin = Origin(Some(Arc::new(ctx)));
        Ok(s)
    }

    /// Reads a scenario file.
    ///
    /// # Errors
    ///
    /// [`ScenarioError`](crate::ScenarioError) when the file cannot be read or is not a valid
    /// scenario.
    pub fn load(path: impl AsRef<Path>) -> Result<Scenario, crate::ScenarioError> {
        Scenario::load_with(path, &Limits::default())
    }

    /// Reads a scenario file under explicit limits (file size, YAML nodes and depth).
    ///
    /// ```
    /// let tight = casus::Limits { max_yaml_depth: 1, ..casus::Limits::default() };
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/scenarios/nato/alaska.yaml");
    /// let e = casus::Scenario::load_with(path, &tight);
    /// assert!(e.unwrap_err().to_string().contains("max_yaml_depth"));
    /// ```
    ///
    /// # Errors
    ///
    /// [`ScenarioError`](crate::ScenarioError) when the file cannot be read, exceeds `limits` or
    /// is not a valid scenario.
    pub fn load_with(path: impl AsRef<Path>, limits: &Limits) -> Result<Scenario, crate::ScenarioError> {
        let path = path.as_ref();
        let text = read_text(path, limits).map_err(crate::ScenarioError::Invalid)?;
        let ctx = FileCtx::new(path, Some(text.clone()));
        let mut s: Scenario = parse_yaml(&ctx, &text, limits).map_err(crate::ScenarioError::Invalid)?;
        s.check_shape(&ctx, limits).map_err(crate::ScenarioError::Invalid)?;
        s.origin = Origin(Some(Arc::new(ctx)));
        Ok(s)
    }

    /// Whether a scenario file could state this scenario: what reading one checks of its
    /// shape (a target, no party attacking itself, ...) holds.
    #[cfg(feature = "proptest")]
    pub(crate) fn is_well_formed(&self) -> bool {
        let ctx = FileCtx::new(Path::new("<scenario>"), None);
        self.check_shape(&ctx, &Limits::default()).is_ok()
    }

    fn check_shape(&self, ctx: &FileCtx, limits: &Limits) -> Result<(), Box<Diagnostic>> {
        // Where to point: the second of two keys that exclude each other, the empty list, or
        // for a missing target the start of the scenario.
        let at = |key: &str| value_position(ctx, key);
        let bad = |key: &str, m: &str, h: &str| Err(Box::new(ctx.error("scenario", at(key), m.into(), Some(h.into()))));
        let max = limits.max_scenario_parties;
        for (field, n, what) in [
            ("targets", self.targets.as_ref().map_or(0, Vec::len), "parties"),
            ("attackers", self.attackers.as_ref().map_or(0, Vec::len), "parties"),
            (
                "supported_by",
                self.supported_by.as_ref().map_or(0, Vec::len),
                "parties",
            ),
            ("invoked", self.invoked.len(), "treaties or clauses"),
            (
                "treaty_facts",
                self.treaty_facts.values().map(BTreeMap::len).sum(),
                "facts",
            ),
        ] {
            if n > max {
                return bad(
                    field,
                    &format!("`{field}` lists {n} {what}, over the limit of {max} (max_scenario_parties)"),
                    "split the scenario, or raise the limit if the file is trusted",
                );
            }
        }
        match (&self.target, &self.targets) {
            (Some(_), Some(_)) => return bad("targets", "both `target` and `targets` are given", "use one of them"),
            (None, None) => return bad("", "no `target`", "name the attacked party with `target: ID`"),
            (None, Some(t)) if t.is_empty() => {
                return bad("targets", "`targets` is empty", "name at least one attacked party");
            }
            _ => {}
        }
        if self.attacker.is_some() && self.attackers.is_some() {
            return bad(
                "attackers",
                "both `attacker` and `attackers` are given",
                "use one of them",
            );
        }
        if self.attackers.as_ref().is_some_and(Vec::is_empty) {
            return bad(
                "attackers",
                "`attackers` is empty",
                "name at least one attacker, or leave the field out when the attacker is unknown",
            );
        }
        let targets = self.targets();
        if let Some(own) = self.attackers().into_iter().flatten().find_map(|a| match a {
            Actor::Party(p) if targets.contains(&p.as_str()) => Some(p),
            _ => None,
        }) {
            return bad(
                if self.attacker.is_some() {
                    "attacker"
                } else {
                    "attackers"
                },
                &format!("`{own}` is both the attacker and the target"),
                "a party does not attack itself; for an armed group acting on a party's own territory write \
                 `attacker: {non_state: NAME}`",
            );
        }
        for scope in &self.invoked {
            if self.treaty_facts.get(scope).and_then(|f| f.get("requested")) == Some(&false) {
                return bad(
                    "invoked",
                    &format!("`{scope}` is in `invoked` but `treaty_facts` states `requested: false` for it"),
                    "keep one of the two statements",
                );
            }
        }
        Ok(())
    }

    /// The rule set named by the scenario's `rules:`, resolved against the scenario file's
    /// folder and confined as the paths in rule files are: it must lie within the scenario's
    /// repository or the current folder (the nearest folder at or above the scenario's that holds a `.git` entry), or a folder of
    /// [`Limits::allow_outside`]. `None` when the scenario names none.
    ///
    /// # Errors
    ///
    /// When the named rule set lies outside those folders.
    pub fn rules_path_confined(
        &self,
        scenario_file: &Path,
        limits: &Limits,
    ) -> Result<Option<PathBuf>, crate::ScenarioError> {
        let Some(path) = self.rules_path(scenario_file) else {
            return Ok(None);
        };
        let dir = scenario_file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        crate::load::confined(dir, &path, limits).map_err(|why| {
            let ctx = match &self.origin.0 {
                Some(read) if read.path == scenario_file => (**read).clone(),
                _ => FileCtx::new(scenario_file, None),
            };
            crate::ScenarioError::Invalid(Box::new(
                ctx.error(
                    "outside-root",
                    value_position(&ctx, "rules"),
                    format!("`rules:` names `{}`, but {why}", path.display()),
                    Some(
                        "name a rule set inside the repository, or allow the folder explicitly (`--allow-outside DIR`)"
                            .into(),
                    ),
                ),
            ))
        })?;
        Ok(Some(path))
    }

    /// The error for an id under `field` that names nothing in the rule set, pointing at where
    /// it was written when the scenario was read from text.
    pub(crate) fn unknown(
        &self,
        kind: &'static str,
        id: &str,
        field: &'static str,
        suggestion: Option<String>,
    ) -> crate::ScenarioError {
        let located = self.origin.0.as_ref().and_then(|ctx| {
            let text = ctx.source.as_deref()?;
            let spans: IdSpans = parse_yaml(ctx, text, &Limits::default()).ok()?;
            let loc = spans.find(field, id)?;
            let code = match kind {
                "party" => "unknown-party",
                "fact" => "unknown-fact",
                "treaty" => "unknown-treaty",
                _ => "unknown-place",
            };
            let help = match &suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => unknown_help(kind, field),
            };
            let message = format!("unknown {kind} `{id}` in `{field}`");
            Some(Box::new(ctx.error(code, ctx.at(&loc), message, Some(help))))
        });
        crate::ScenarioError::Unknown {
            kind,
            id: id.into(),
            field,
            suggestion,
            located,
        }
    }

    /// Every treaty-scoped statement, `invoked` included: (scope, fact, value), where a scope
    /// is a treaty id or `treaty/clause`. Sorted by scope and fact.
    #[must_use]
    pub fn scoped_facts(&self) -> Vec<(&str, &str, bool)> {
        let mut v: Vec<(&str, &str, bool)> = self
            .treaty_facts
            .iter()
            .flat_map(|(scope, facts)| facts.iter().map(move |(f, b)| (scope.as_str(), f.as_str(), *b)))
            .collect();
        v.extend(self.invoked.iter().map(|scope| (scope.as_str(), "requested", true)));
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The rule set named by the scenario, resolved against the scenario file's folder.
    #[must_use]
    pub fn rules_path(&self, scenario_file: &Path) -> Option<PathBuf> {
        self.rules
            .as_ref()
            .map(|r| scenario_file.parent().unwrap_or(Path::new(".")).join(r))
    }

    /// The attacked parties.
    #[must_use]
    pub fn targets(&self) -> Vec<&str> {
        match (&self.target, &self.targets) {
            (Some(t), _) => vec![t.as_str()],
            (None, Some(ts)) => ts.iter().map(String::as_str).collect(),
            (None, None) => Vec::new(),
        }
    }

    /// The attackers, if known.
    #[must_use]
    pub fn attackers(&self) -> Option<Vec<&Actor>> {
        match (&self.attacker, &self.attackers) {
            (Some(a), _) => Some(vec![a]),
            (None, Some(v)) => Some(v.iter().collect()),
            (None, None) => None,
        }
    }
}

/// Where the value of the top-level `key` was written (the first key when there is none, the
/// whole file when the text is not at hand).
fn value_position(ctx: &FileCtx, key: &str) -> Position {
    let Some(text) = ctx.source.as_deref() else {
        return ctx.whole();
    };
    let loc = parse_yaml::<Keys>(ctx, text, &Limits::default()).ok().and_then(|m| {
        m.0.iter()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| *v)
            .or_else(|| m.0.first().map(|(k, _)| k.referenced))
    });
    loc.map_or_else(|| ctx.whole(), |l| ctx.at(&l))
}

/// What a field takes and where to find the ids, for an unknown id with no near miss.
fn unknown_help(kind: &str, field: &str) -> String {
    match kind {
        "party" => format!("`{field}` takes a party id of the rule set; `casus parties` lists them"),
        "treaty" => format!(
            "`{field}` takes the id of a treaty of the rule set (`casus treaties` lists them), or `{NO_MISSION}` for forces under no treaty's mission"
        ),
        "fact" => {
            "a scenario may state only the facts its rule set declares (the `facts:` sections of its rule files)".into()
        }
        _ => format!("`{field}` takes a territory or area id of the rule set; `casus territories` lists them"),
    }
}

impl std::fmt::Debug for Scenario {
    /// The scenario as YAML, on lines of its own.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.to_yaml() {
            Ok(yaml) => write!(f, "\n{yaml}"),
            Err(e) => write!(f, "a scenario that cannot be written as YAML ({e})"),
        }
    }
}
