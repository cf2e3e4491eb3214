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

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, FileCtx};
use crate::level::Level;
use crate::load::{Limits, parse_text, parse_yaml, read_text};
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
            on: None,
            facts: BTreeMap::new(),
            treaty_facts: BTreeMap::new(),
            invoked: Vec::new(),
            expect: None,
        }
    }

    /// Parses a scenario from YAML text.
    ///
    /// ```
    /// let s = casus::Scenario::from_yaml("date: 2027-03-01\nevent: armed_attack\ntarget: UKR\nattacker: RUS\n").unwrap();
    /// assert_eq!(s.attacker, Some(casus::Actor::Party("RUS".into())));
    /// ```
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
    pub fn from_yaml_with(text: &str, limits: &Limits) -> Result<Scenario, crate::ScenarioError> {
        let ctx = FileCtx::new(Path::new("<scenario>"), Some(text.into()));
        let s: Scenario = parse_text(&ctx, text, limits).map_err(crate::ScenarioError::Invalid)?;
        s.check_shape(&ctx, limits).map_err(crate::ScenarioError::Invalid)?;
        Ok(s)
    }

    /// Reads a scenario file.
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
    pub fn load_with(path: impl AsRef<Path>, limits: &Limits) -> Result<Scenario, crate::ScenarioError> {
        let path = path.as_ref();
        let text = read_text(path, limits).map_err(crate::ScenarioError::Invalid)?;
        let ctx = FileCtx::new(path, Some(text.clone()));
        let s: Scenario = parse_yaml(&ctx, &text, limits).map_err(crate::ScenarioError::Invalid)?;
        s.check_shape(&ctx, limits).map_err(crate::ScenarioError::Invalid)?;
        Ok(s)
    }

    fn check_shape(&self, ctx: &FileCtx, limits: &Limits) -> Result<(), Box<Diagnostic>> {
        let bad = |m: &str, h: &str| Err(Box::new(ctx.error("scenario", ctx.whole(), m.into(), Some(h.into()))));
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
                    &format!("`{field}` lists {n} {what}, over the limit of {max} (max_scenario_parties)"),
                    "split the scenario, or raise the limit if the file is trusted",
                );
            }
        }
        match (&self.target, &self.targets) {
            (Some(_), Some(_)) => return bad("both `target` and `targets` are given", "use one of them"),
            (None, None) => return bad("no `target`", "name the attacked party with `target: ID`"),
            (None, Some(t)) if t.is_empty() => return bad("`targets` is empty", "name at least one attacked party"),
            _ => {}
        }
        if self.attacker.is_some() && self.attackers.is_some() {
            return bad("both `attacker` and `attackers` are given", "use one of them");
        }
        if self.attackers.as_ref().is_some_and(Vec::is_empty) {
            return bad(
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
                &format!("`{own}` is both the attacker and the target"),
                "a party does not attack itself; for an armed group acting on a party's own territory write \
                 `attacker: {non_state: NAME}`",
            );
        }
        for scope in &self.invoked {
            if self.treaty_facts.get(scope).and_then(|f| f.get("requested")) == Some(&false) {
                return bad(
                    &format!("`{scope}` is in `invoked` but `treaty_facts` states `requested: false` for it"),
                    "keep one of the two statements",
                );
            }
        }
        Ok(())
    }

    /// The rule set named by the scenario's `rules:`, resolved against the scenario file's
    /// folder and confined as the paths in rule files are: it must lie within the scenario's
    /// repository or the current folder (see [`crate::confinement_root`]), or a folder of
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
            let ctx = FileCtx::new(scenario_file, None);
            crate::ScenarioError::Invalid(Box::new(
                ctx.error(
                    "outside-root",
                    ctx.whole(),
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
