//! Generated rule sets: a skeleton of small integers (indices that are resolved modulo the
//! number of things they point at, so that shrinking never breaks a reference), rendered to
//! the rule language.

use std::fmt;

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::{Engine, EngineError, LoadError, RuleSet};

/// The dates rules are drawn from, in order: days close together, and an instant on a day
/// that is also a boundary, so that "unknown until the time of day" arises.
const DATES: [&str; 9] = [
    "1990-01-01",
    "1995-06-01",
    "2000-01-01",
    "2000-01-02",
    "2005-03-07",
    "2005-03-07T12:00:00Z",
    "2010-01-01",
    "2015-01-01",
    "2020-01-01",
];

const LEVELS: [&str; 6] = ["neutrality", "consult", "diplomatic", "assist", "all_means", "military"];
const FORMS: [&str; 12] = [
    "consultation",
    "diplomatic",
    "sanctions",
    "economic",
    "humanitarian",
    "intelligence",
    "weapons",
    "training",
    "armed_force",
    "air_power",
    "naval_forces",
    "ground_troops",
];
const EVENTS: [&str; 6] = [
    "armed_attack",
    "cyber_attack",
    "hybrid_attack",
    "threat",
    "mobilization",
    "incursion",
];
const MEANS: [&str; 4] = ["conventional", "nuclear", "chemical", "biological"];
const ON: [&str; 4] = ["territory", "forces", "vessels", "aircraft"];
const ROLES: [&str; 3] = ["sovereign", "controller", "administrator"];

fn date(i: usize) -> &'static str {
    DATES.get(i % DATES.len()).copied().unwrap_or("2000-01-01")
}

/// A period as two date indices: `[min, max)` if they differ, else open-ended from `min`.
fn period(a: Option<usize>, b: Option<usize>) -> (Option<usize>, Option<usize>) {
    match (a, b) {
        (Some(x), Some(y)) if x % DATES.len() != y % DATES.len() => {
            let (x, y) = (x % DATES.len(), y % DATES.len());
            (Some(x.min(y)), Some(x.max(y)))
        }
        (Some(x), _) => (Some(x % DATES.len()), None),
        (None, Some(y)) => (None, Some(y % DATES.len())),
        (None, None) => (None, None),
    }
}

#[derive(Debug, Clone)]
enum PT {
    Target,
    Attacker,
    TreatyParty,
    State,
    NonState,
    Is(Vec<usize>),
    MemberOf(usize),
    PartyTo(usize),
}

#[derive(Debug, Clone)]
enum LT {
    In(Vec<usize>),
    Tagged(Vec<usize>),
    Holder(u8, PT, Option<usize>),
    Area,
}

#[derive(Debug, Clone)]
enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Event(u8),
    Means(u8),
    On(u8),
    Attacker(PT),
    Attackers(u32, PT),
    SupportedBy(PT),
    Target(PT),
    Location(LT),
    LaunchedFrom(LT),
    Date(Option<usize>, Option<usize>),
    Fact(usize),
    Always(bool),
}

#[derive(Debug, Clone)]
struct Obl {
    level: usize,
    obligated: Option<Vec<usize>>,
    all: bool,
    toward_attacker: bool,
    /// Further beneficiaries: the attacker (`None`) or a party, after the first.
    toward_more: Vec<Option<usize>>,
    required: u16,
    allowed: u16,
    excluded: u16,
    when: Option<Cond>,
}

#[derive(Debug, Clone)]
struct Clause {
    trigger: Cond,
    obligations: Vec<Obl>,
    reading: Option<(Option<Cond>, Option<Vec<Obl>>)>,
}

#[derive(Debug, Clone)]
struct Res {
    party: usize,
    clause: Option<usize>,
    toward: Option<usize>,
    from: Option<usize>,
    to: Option<usize>,
    opt_out: bool,
    max_level: Option<usize>,
    exclude: u16,
}

#[derive(Debug, Clone)]
struct Member {
    party: usize,
    org: bool,
    joined: Option<usize>,
    left: Option<usize>,
}

#[derive(Debug, Clone)]
struct Treaty {
    /// Its number in the id (`tr3`); kept when an earlier treaty is dropped.
    name: Option<usize>,
    draft: bool,
    in_force: usize,
    terminated: Option<usize>,
    members: Vec<Member>,
    clauses: Vec<Clause>,
    reservations: Vec<Res>,
}

#[derive(Debug, Clone)]
struct Territory {
    sovereign: usize,
    controller: Vec<(usize, Option<usize>, Option<usize>)>,
    administrator: Vec<(usize, Option<usize>, Option<usize>)>,
    tags: Vec<usize>,
}

/// A party with a period, as indices.
type Span = (usize, Option<usize>, Option<usize>);

/// The skeleton of a generated rule set.
#[derive(Debug, Clone)]
struct Gen {
    states: usize,
    state_tags: Vec<Vec<usize>>,
    org: Option<Vec<Span>>,
    tags: usize,
    facts: usize,
    territories: Vec<Territory>,
    areas: Vec<Vec<usize>>,
    treaties: Vec<Treaty>,
}

/// A generated rule set: valid, small, printed as YAML by `{:?}` so that a failing case reads
/// like a rule file.
#[derive(Clone)]
pub struct Rules {
    skel: Gen,
    text: String,
    /// Written in block style ([`drafts`]) rather than as JSON.
    block: bool,
}

impl fmt::Debug for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.block {
            // As written: the repair's edits name its lines.
            return write!(f, "\n{}", self.text);
        }
        let pretty = RuleSet::from_yaml(&self.text)
            .ok()
            .and_then(|r| r.compile().ok())
            .and_then(|e| e.to_yaml().ok());
        f.write_str("\n")?;
        f.write_str(pretty.as_deref().unwrap_or(&self.text))
    }
}

/// A change to a generated rule set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    /// A party becomes a party to a treaty (from its entry into force).
    AddMember {
        /// The treaty id.
        treaty: String,
        /// The party id.
        party: String,
    },
    /// A party listed among a treaty's parties is removed.
    RemoveMember {
        /// The treaty id.
        treaty: String,
        /// The party id.
        party: String,
    },
    /// A treaty enters into force at another date of the pool (its members' dates kept in
    /// order with it).
    ShiftDate {
        /// The treaty id.
        treaty: String,
        /// How many dates of the pool later (negative: earlier).
        steps: i32,
    },
    /// A clause is dropped (with the reservations that name it).
    DropClause {
        /// The treaty id.
        treaty: String,
        /// The clause id.
        clause: String,
    },
    /// A treaty that no other treaty refers to is dropped.
    DropTreaty {
        /// The treaty id.
        treaty: String,
    },
}

impl Rules {
    fn new(skel: Gen) -> Rules {
        Rules::styled(skel, false)
    }

    /// The rule set of `skel`, written in block style if `block`, else as JSON.
    fn styled(skel: Gen, block: bool) -> Rules {
        let doc = skel.render();
        let text = if block {
            super::block::rule_file(&doc)
        } else {
            doc.to_string()
        };
        Rules { skel, text, block }
    }

    /// The rule set as text: JSON (which is YAML), or block-style YAML for [`drafts`].
    #[must_use]
    pub fn yaml(&self) -> &str {
        &self.text
    }

    /// The same rule set as JSON, whatever the style of [`Rules::yaml`]: the two load to the
    /// same rule set.
    #[must_use]
    pub fn json(&self) -> String {
        self.skel.render().to_string()
    }

    /// Loads the rule set. A generated rule set always loads; an error is a bug in the
    /// generator or the loader.
    ///
    /// # Errors
    ///
    /// [`LoadError`] when the rule set does not load: a bug in the generator or the loader.
    pub fn rule_set(&self) -> Result<RuleSet, LoadError> {
        RuleSet::from_yaml(&self.text)
    }

    /// Loads and compiles the rule set.
    ///
    /// # Errors
    ///
    /// [`EngineError`] when the rule set does not load or compile: a generated rule set always
    /// does, so an error is a bug in the generator, the loader or the compiler.
    pub fn engine(&self) -> Result<Engine, EngineError> {
        Ok(self.rule_set()?.compile()?)
    }

    /// The ids of the treaties, in order.
    #[must_use]
    pub fn treaty_ids(&self) -> Vec<String> {
        (0..self.skel.treaties.len()).map(|i| self.skel.treaty_id(i)).collect()
    }

    /// Whether membership of `treaty` only ever counts in favour of a condition (no
    /// `treaty_party` or `party_to` test of it under a `not`): then adding a member can only
    /// make conditions truer.
    #[must_use]
    pub fn membership_monotone(&self, treaty: &str) -> bool {
        let n = self.skel.treaties.len().max(1);
        let Some(t) = self.skel.index_of(treaty) else {
            return true;
        };
        fn bad(c: &Cond, neg: bool, own: bool, t: usize, n: usize) -> bool {
            let pt = |p: &PT| match p {
                PT::TreatyParty => own,
                PT::PartyTo(x) => x % n == t,
                _ => false,
            };
            let pt_any = |p: &PT| pt(p) || matches!(p, PT::Attacker | PT::Target);
            match c {
                Cond::All(v) | Cond::Any(v) => v.iter().any(|k| bad(k, neg, own, t, n)),
                Cond::Not(k) => bad(k, !neg, own, t, n),
                Cond::Attacker(p) | Cond::Attackers(_, p) | Cond::SupportedBy(p) | Cond::Target(p) => {
                    neg && pt_any(p) && pt(p)
                }
                Cond::Location(LT::Holder(_, p, _)) | Cond::LaunchedFrom(LT::Holder(_, p, _)) => neg && pt(p),
                _ => false,
            }
        }
        self.skel.treaties.iter().enumerate().all(|(i, tr)| {
            tr.clauses.iter().all(|c| {
                let mut conds: Vec<&Cond> = vec![&c.trigger];
                conds.extend(c.obligations.iter().filter_map(|o| o.when.as_ref()));
                if let Some((rt, ro)) = &c.reading {
                    conds.extend(rt.iter());
                    conds.extend(ro.iter().flatten().filter_map(|o| o.when.as_ref()));
                }
                conds.iter().all(|x| !bad(x, false, i == t, t, n))
            })
        })
    }

    /// The rule set after a mutation; `None` when the mutation does not apply.
    #[must_use]
    pub fn mutate(&self, m: &Mutation) -> Option<Rules> {
        let mut g = self.skel.clone();
        let idx = |s: &str, prefix: &str| s.strip_prefix(prefix).and_then(|x| x.parse::<usize>().ok());
        let tix = |s: &str| self.skel.index_of(s);
        match m {
            Mutation::AddMember { treaty, party } => {
                let t = g.treaties.get_mut(tix(treaty)?)?;
                let p = idx(party, "P")?;
                if t.members.iter().any(|x| !x.org && x.party % g.states == p) {
                    return None;
                }
                t.members.push(Member {
                    party: p,
                    org: false,
                    joined: None,
                    left: None,
                });
            }
            Mutation::RemoveMember { treaty, party } => {
                let states = g.states;
                let t = g.treaties.get_mut(tix(treaty)?)?;
                let p = idx(party, "P")?;
                let before = t.members.len();
                t.members.retain(|x| x.org || x.party % states != p);
                if t.members.len() == before {
                    return None;
                }
            }
            Mutation::ShiftDate { treaty, steps } => {
                let t = g.treaties.get_mut(tix(treaty)?)?;
                let moved = (t.in_force as i64 + i64::from(*steps)).clamp(0, DATES.len() as i64 - 1) as usize;
                if moved == t.in_force {
                    return None;
                }
                t.in_force = moved;
            }
            Mutation::DropClause { treaty, clause } => {
                let t = g.treaties.get_mut(tix(treaty)?)?;
                let c = idx(clause, "c")?;
                if c >= t.clauses.len() {
                    return None;
                }
                t.clauses.remove(c);
                let n = t.clauses.len();
                t.reservations.retain(|r| r.clause.is_none_or(|x| x % (n + 1) != c));
                for r in &mut t.reservations {
                    r.clause = r.clause.map(|x| {
                        let x = x % (n + 1);
                        if x > c { x - 1 } else { x }
                    });
                }
            }
            Mutation::DropTreaty { treaty } => {
                let t = tix(treaty)?;
                let n = g.treaties.len();
                if t >= n || n < 2 {
                    return None;
                }
                // Resolve every `party_to` first; none may name the treaty dropped.
                let mut ok = true;
                for tr in &mut g.treaties {
                    for c in &mut tr.clauses {
                        c.visit_pts(&mut |p: &mut PT| {
                            if let PT::PartyTo(x) = p {
                                *x %= n;
                                if *x == t {
                                    ok = false;
                                } else if *x > t {
                                    *x -= 1;
                                }
                            }
                        });
                    }
                }
                if !ok {
                    return None;
                }
                for (i, tr) in g.treaties.iter_mut().enumerate() {
                    tr.name.get_or_insert(i);
                }
                g.treaties.remove(t);
            }
        }
        Some(Rules::styled(g, self.block))
    }
}

impl Clause {
    fn visit_pts(&mut self, f: &mut dyn FnMut(&mut PT)) {
        fn cond(c: &mut Cond, f: &mut dyn FnMut(&mut PT)) {
            match c {
                Cond::All(v) | Cond::Any(v) => v.iter_mut().for_each(|k| cond(k, f)),
                Cond::Not(k) => cond(k, f),
                Cond::Attacker(p) | Cond::Attackers(_, p) | Cond::SupportedBy(p) | Cond::Target(p) => f(p),
                Cond::Location(LT::Holder(_, p, _)) | Cond::LaunchedFrom(LT::Holder(_, p, _)) => f(p),
                _ => {}
            }
        }
        cond(&mut self.trigger, f);
        for o in &mut self.obligations {
            if let Some(w) = &mut o.when {
                cond(w, f);
            }
        }
        if let Some((rt, ro)) = &mut self.reading {
            if let Some(t) = rt {
                cond(t, f);
            }
            for o in ro.iter_mut().flatten() {
                if let Some(w) = &mut o.when {
                    cond(w, f);
                }
            }
        }
    }
}

struct Ctx<'a> {
    g: &'a Gen,
    treaty: usize,
}

impl Ctx<'_> {
    fn party(&self, i: usize) -> String {
        format!("P{}", i % self.g.states.max(1))
    }

    fn places(&self) -> Vec<String> {
        let mut v: Vec<String> = (0..self.g.states).map(|i| format!("P{i}")).collect();
        v.extend((0..self.g.territories.len()).map(|i| format!("T{i}")));
        v.extend((0..self.g.areas.len()).map(|i| format!("A{i}")));
        v
    }

    fn pt(&self, p: &PT) -> Value {
        match p {
            PT::Target => json!("target"),
            PT::Attacker => json!("attacker"),
            PT::TreatyParty => json!("treaty_party"),
            PT::State => json!("state"),
            PT::NonState => json!("non_state"),
            PT::Is(v) => {
                let mut ids: Vec<String> = v.iter().map(|i| self.party(*i)).collect();
                if ids.is_empty() {
                    ids.push(self.party(0));
                }
                json!({"is": ids})
            }
            PT::MemberOf(_) if self.g.org.is_some() => json!({"member_of": "ORG"}),
            PT::MemberOf(i) => json!({"is": [self.party(*i)]}),
            PT::PartyTo(t) => json!({"party_to": self.g.treaty_id(t % self.g.treaties.len().max(1))}),
        }
    }

    fn cond(&self, c: &Cond) -> Value {
        let mask = |m: u8, names: &[&str]| -> Value {
            let m = if m == 0 { 1 } else { m };
            let v: Vec<&str> = names
                .iter()
                .enumerate()
                .filter(|(i, _)| m & (1u8 << i) != 0)
                .map(|(_, n)| *n)
                .collect();
            json!(v)
        };
        match c {
            Cond::All(v) if !v.is_empty() => json!({"all": v.iter().map(|k| self.cond(k)).collect::<Vec<_>>()}),
            Cond::Any(v) if !v.is_empty() => json!({"any": v.iter().map(|k| self.cond(k)).collect::<Vec<_>>()}),
            Cond::All(_) => json!({"always": true}),
            Cond::Any(_) => json!({"always": false}),
            Cond::Not(k) => json!({"not": self.cond(k)}),
            Cond::Event(m) => json!({"event": mask(*m, &EVENTS)}),
            Cond::Means(m) => json!({"means": mask(*m, &MEANS)}),
            Cond::On(m) => json!({"on": mask(*m, &ON)}),
            Cond::Attacker(p) => json!({"attacker": self.pt(p)}),
            Cond::Attackers(n, p) => json!({"attackers": {"at_least": n.max(&1), "that": self.pt(p)}}),
            Cond::SupportedBy(p) => json!({"supported_by": self.pt(p)}),
            Cond::Target(p) => json!({"target": self.pt(p)}),
            Cond::Location(l) => json!({"location": self.lt(l)}),
            Cond::LaunchedFrom(l) => json!({"launched_from": self.lt(l)}),
            Cond::Date(a, b) => match period(*a, *b) {
                (Some(f), Some(t)) => json!({"date": {"from": date(f), "before": date(t)}}),
                (Some(f), None) => json!({"date": {"from": date(f)}}),
                (None, Some(t)) => json!({"date": {"before": date(t)}}),
                (None, None) => json!({"always": true}),
            },
            Cond::Fact(i) => {
                let n = self.g.facts + 3;
                let builtin = ["provoked", "requested", "determined"];
                let i = i % n;
                match builtin.get(i) {
                    Some(b) => json!({"fact": b}),
                    None => json!({"fact": format!("f{}", i - 3)}),
                }
            }
            Cond::Always(b) => json!({"always": b}),
        }
    }

    fn lt(&self, l: &LT) -> Value {
        let places = self.places();
        match l {
            LT::In(v) => {
                let mut ids: Vec<String> = v
                    .iter()
                    .filter_map(|i| places.get(i % places.len().max(1)).cloned())
                    .collect();
                if ids.is_empty() {
                    ids.extend(places.first().cloned());
                }
                json!({"in": ids})
            }
            LT::Tagged(v) => {
                let mut ids: Vec<String> = v.iter().map(|i| format!("t{}", i % self.g.tags.max(1))).collect();
                if ids.is_empty() {
                    ids.push("t0".into());
                }
                json!({"tagged": ids})
            }
            LT::Holder(role, p, None) => {
                let r = ROLES.get((*role % 3) as usize).copied().unwrap_or("sovereign");
                let mut m = serde_json::Map::new();
                m.insert(r.into(), self.pt(p));
                Value::Object(m)
            }
            LT::Holder(role, p, Some(d)) => {
                let r = ROLES.get((*role % 3) as usize).copied().unwrap_or("sovereign");
                json!({"held_on": {"role": r, "by": self.pt(p), "date": date(*d)}})
            }
            LT::Area => json!("area"),
        }
    }

    fn forms(bits: u16) -> Vec<&'static str> {
        FORMS
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1u16 << i) != 0)
            .map(|(_, f)| *f)
            .collect()
    }

    fn toward(&self, o: &Obl) -> Value {
        let first = if o.toward_attacker { "attacker" } else { "target" };
        if o.toward_more.is_empty() {
            return json!(first);
        }
        let mut v = vec![first.to_string()];
        v.extend(o.toward_more.iter().map(|x| match x {
            None => "attacker".to_string(),
            Some(i) => self.party(*i),
        }));
        json!(v)
    }

    fn obligation(&self, o: &Obl) -> Value {
        let obligated = match (&o.obligated, o.all) {
            (Some(v), _) if !v.is_empty() => json!(v.iter().map(|i| self.party(*i)).collect::<Vec<_>>()),
            (_, true) => json!("all"),
            _ => json!("others"),
        };
        let excluded = o.excluded & !o.required;
        let mut v = json!({
            "level": LEVELS.get(o.level % LEVELS.len()).copied().unwrap_or("assist"),
            "obligated": obligated,
            "toward": self.toward(o),
            "forms": {"required": Self::forms(o.required), "allowed": Self::forms(o.allowed), "excluded": Self::forms(excluded)},
            "deadline": {"within_hours": 24},
            "caveats": ["constitutional_processes"],
        });
        if let (Some(w), Some(m)) = (&o.when, v.as_object_mut()) {
            m.insert("when".into(), self.cond(w));
        }
        v
    }
}

impl Gen {
    fn treaty_id(&self, i: usize) -> String {
        format!("tr{}", self.treaties.get(i).and_then(|t| t.name).unwrap_or(i))
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        (0..self.treaties.len()).find(|i| self.treaty_id(*i) == id)
    }

    fn render(&self) -> Value {
        let states = self.states.max(1);
        let tag_ids: Vec<String> = (0..self.tags.max(1)).map(|i| format!("t{i}")).collect();
        let tag = |i: &usize| tag_ids.get(i % tag_ids.len()).cloned().unwrap_or_default();
        let mut parties: Vec<Value> = (0..states)
            .map(|i| {
                json!({"id": format!("P{i}"), "name": format!("State {i}"),
                       "territory_tags": self.state_tags.get(i).map(|v| v.iter().map(tag).collect::<Vec<_>>()).unwrap_or_default()})
            })
            .collect();
        if let Some(members) = &self.org {
            let mut seen = std::collections::BTreeSet::new();
            let ms: Vec<Value> = members
                .iter()
                .filter(|(p, _, _)| seen.insert(p % states))
                .map(|(p, a, b)| {
                    let (f, t) = period(*a, *b);
                    json!({"party": format!("P{}", p % states), "joined": f.map(date), "left": t.map(date)})
                })
                .collect();
            parties.push(json!({"id": "ORG", "name": "Organization", "kind": "organization", "members": ms}));
        }
        let holder = |v: &[(usize, Option<usize>, Option<usize>)]| -> Value {
            json!(
                v.iter()
                    .map(|(p, a, b)| {
                        let (f, t) = period(*a, *b);
                        json!({"party": format!("P{}", p % states), "from": f.map(date), "to": t.map(date)})
                    })
                    .collect::<Vec<_>>()
            )
        };
        let territories: Vec<Value> = self
            .territories
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let mut v = json!({"id": format!("T{i}"), "name": format!("Territory {i}"),
                    "sovereign": format!("P{}", t.sovereign % states),
                    "tags": t.tags.iter().map(tag).collect::<Vec<_>>()});
                if let Some(m) = v.as_object_mut() {
                    if !t.controller.is_empty() {
                        m.insert("controller".into(), holder(&t.controller));
                    }
                    if !t.administrator.is_empty() {
                        m.insert("administrator".into(), holder(&t.administrator));
                    }
                }
                v
            })
            .collect();
        let areas: Vec<Value> = self
            .areas
            .iter()
            .enumerate()
            .map(|(i, tags)| json!({"id": format!("A{i}"), "name": format!("Area {i}"), "tags": tags.iter().map(tag).collect::<Vec<_>>()}))
            .collect();
        let treaties: Vec<Value> = self
            .treaties
            .iter()
            .enumerate()
            .map(|(ti, t)| self.treaty(ti, t))
            .collect();
        json!({
            "tags": tag_ids.iter().map(|t| json!({"id": t, "description": "A tag."})).collect::<Vec<_>>(),
            "facts": (0..self.facts).map(|i| json!({"id": format!("f{i}"), "description": "A fact."})).collect::<Vec<_>>(),
            "parties": parties,
            "territories": territories,
            "areas": areas,
            "treaties": treaties,
        })
    }

    fn treaty(&self, ti: usize, t: &Treaty) -> Value {
        let c = Ctx { g: self, treaty: ti };
        let states = self.states.max(1);
        let inf = t.in_force % DATES.len();
        let end = t.terminated.map(|x| x % DATES.len()).filter(|x| *x > inf);
        let members = self.members(t, inf, end);
        let clauses: Vec<Value> = t.clauses.iter().enumerate().map(|(ci, cl)| c.clause(ci, cl)).collect();
        let nclauses = t.clauses.len();
        let reservations: Vec<Value> = t
            .reservations
            .iter()
            .map(|r| reservation_json(r, states, nclauses))
            .collect();
        let mut v = json!({
            "id": self.treaty_id(c.treaty),
            "name": format!("Treaty {ti}"),
            "status": if t.draft { "draft" } else { "in_force" },
            "in_force": date(inf),
            "parties": members,
            "clauses": clauses,
            "reservations": reservations,
        });
        if let (Some(e), Some(o)) = (end, v.as_object_mut()) {
            o.insert("terminated".into(), json!(date(e)));
        }
        v
    }

    /// The `parties:` of a treaty in force from date index `inf` until `end`: each party once
    /// (the organization's members once), with the dates it joined and left.
    fn members(&self, t: &Treaty, inf: usize, end: Option<usize>) -> Vec<Value> {
        let states = self.states.max(1);
        let mut seen = std::collections::BTreeSet::new();
        t.members
            .iter()
            .filter(|m| {
                seen.insert(if m.org && self.org.is_some() {
                    usize::MAX
                } else {
                    m.party % states
                })
            })
            .map(|m| {
                // Joined: not before entry into force, before the end; left after joined.
                let joined = m
                    .joined
                    .map(|x| x % DATES.len())
                    .filter(|x| *x > inf && end.is_none_or(|e| *x < e));
                let left = m.left.map(|x| x % DATES.len()).filter(|x| *x > joined.unwrap_or(inf));
                let who = if m.org && self.org.is_some() {
                    json!({"members_of": "ORG"})
                } else {
                    json!({"party": format!("P{}", m.party % states)})
                };
                let mut v = who;
                if let Some(o) = v.as_object_mut() {
                    if let Some(j) = joined {
                        o.insert("joined".into(), json!(date(j)));
                    }
                    if let Some(l) = left {
                        o.insert("left".into(), json!(date(l)));
                    }
                }
                v
            })
            .collect()
    }
}

/// One reservation of a treaty with `nclauses` clauses among `states` states.
fn reservation_json(r: &Res, states: usize, nclauses: usize) -> Value {
    let (f, to) = period(r.from, r.to);
    let mut v = json!({
        "party": format!("P{}", r.party % states),
        "opt_out": r.opt_out,
        "exclude_forms": Ctx::forms(r.exclude),
        "note": "A reservation.",
    });
    if let Some(o) = v.as_object_mut() {
        if let (Some(x), true) = (r.clause, nclauses > 0) {
            o.insert("clauses".into(), json!([format!("c{}", x % nclauses)]));
        }
        if let Some(x) = r.toward {
            o.insert("toward".into(), json!([format!("P{}", x % states)]));
        }
        if let Some(x) = f {
            o.insert("from".into(), json!(date(x)));
        }
        if let Some(x) = to {
            o.insert("to".into(), json!(date(x)));
        }
        if let Some(x) = r.max_level {
            o.insert(
                "max_level".into(),
                json!(LEVELS.get(x % LEVELS.len()).copied().unwrap_or("assist")),
            );
        }
    }
    v
}

impl Ctx<'_> {
    /// Clause `ci` of the treaty, with its alternative reading if it has one.
    fn clause(&self, ci: usize, cl: &Clause) -> Value {
        let mut v = json!({
            "id": format!("c{ci}"),
            "citation": format!("Art. {ci}"),
            "trigger": self.cond(&cl.trigger),
            "obligations": cl.obligations.iter().map(|o| self.obligation(o)).collect::<Vec<_>>(),
        });
        if let (Some((rt, ro)), Some(m)) = (&cl.reading, v.as_object_mut()) {
            let mut r = json!({"id": "alt", "basis": "Another reading."});
            if let Some(o) = r.as_object_mut() {
                match (rt, ro) {
                    (None, None) => {
                        o.insert("trigger".into(), json!({"always": false}));
                    }
                    _ => {
                        if let Some(x) = rt {
                            o.insert("trigger".into(), self.cond(x));
                        }
                        if let Some(x) = ro.as_ref().filter(|x| !x.is_empty()) {
                            o.insert(
                                "obligations".into(),
                                json!(x.iter().map(|ob| self.obligation(ob)).collect::<Vec<_>>()),
                            );
                        } else if rt.is_none() {
                            o.insert("trigger".into(), json!({"always": true}));
                        }
                    }
                }
            }
            m.insert("reading".into(), json!({"id": "main", "basis": "The usual reading."}));
            m.insert("readings".into(), json!([r]));
        }
        v
    }
}

fn pt() -> impl Strategy<Value = PT> {
    prop_oneof![
        4 => Just(PT::TreatyParty),
        2 => Just(PT::Target),
        1 => Just(PT::Attacker),
        1 => Just(PT::State),
        1 => Just(PT::NonState),
        3 => proptest::collection::vec(0usize..8, 1..=2).prop_map(PT::Is),
        1 => (0usize..8).prop_map(PT::MemberOf),
        1 => (0usize..4).prop_map(PT::PartyTo),
    ]
}

fn lt() -> impl Strategy<Value = LT> {
    prop_oneof![
        1 => proptest::collection::vec(0usize..12, 1..=2).prop_map(LT::In),
        1 => proptest::collection::vec(0usize..4, 1..=2).prop_map(LT::Tagged),
        2 => ((0u8..3), pt(), proptest::option::of(date_ix())).prop_map(|(r, p, d)| LT::Holder(r, p, d)),
        1 => Just(LT::Area),
    ]
}

fn date_ix() -> impl Strategy<Value = usize> {
    0usize..DATES.len()
}

fn cond() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        3 => (1u8..32).prop_map(Cond::Event),
        1 => (1u8..16).prop_map(Cond::Means),
        1 => (1u8..16).prop_map(Cond::On),
        3 => pt().prop_map(Cond::Attacker),
        1 => ((1u32..3), pt()).prop_map(|(n, p)| Cond::Attackers(n, p)),
        1 => pt().prop_map(Cond::SupportedBy),
        4 => pt().prop_map(Cond::Target),
        1 => proptest::collection::vec(0usize..12, 1..=2).prop_map(|v| Cond::Location(LT::In(v))),
        2 => proptest::collection::vec(0usize..4, 1..=2).prop_map(|v| Cond::Location(LT::Tagged(v))),
        2 => ((0u8..3), pt(), proptest::option::of(date_ix())).prop_map(|(r, p, d)| Cond::Location(LT::Holder(r, p, d))),
        1 => Just(Cond::Location(LT::Area)),
        2 => lt().prop_map(Cond::LaunchedFrom),
        1 => (proptest::option::of(date_ix()), proptest::option::of(date_ix())).prop_map(|(a, b)| Cond::Date(a, b)),
        2 => (0usize..6).prop_map(Cond::Fact),
        1 => any::<bool>().prop_map(Cond::Always),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            3 => proptest::collection::vec(inner.clone(), 1..=3).prop_map(Cond::All),
            2 => proptest::collection::vec(inner.clone(), 1..=3).prop_map(Cond::Any),
            1 => inner.prop_map(|c| Cond::Not(Box::new(c))),
        ]
    })
}

fn obligation() -> impl Strategy<Value = Obl> {
    (
        (
            0usize..LEVELS.len(),
            proptest::option::weighted(0.2, proptest::collection::vec(0usize..8, 1..=2)),
            proptest::bool::weighted(0.2),
            proptest::bool::weighted(0.15),
        ),
        (
            any::<u16>().prop_map(|x| x & 0x0fff & (x >> 4)),
            any::<u16>().prop_map(|x| x & 0x0fff),
            any::<u16>().prop_map(|x| x & 0x0fff & (x >> 8)),
        ),
        proptest::option::weighted(0.2, cond()),
        prop_oneof![
            3 => Just(Vec::new()),
            1 => proptest::collection::vec(proptest::option::weighted(0.8, 0usize..8), 1..=2),
        ],
    )
        .prop_map(
            |((level, obligated, all, toward_attacker), (required, allowed, excluded), when, more)| Obl {
                level,
                obligated,
                all,
                toward_attacker,
                toward_more: more,
                required,
                allowed,
                excluded,
                when,
            },
        )
}

fn clause() -> impl Strategy<Value = Clause> {
    (
        cond(),
        proptest::collection::vec(obligation(), 1..=2),
        proptest::option::weighted(
            0.2,
            (
                proptest::option::of(cond()),
                proptest::option::of(proptest::collection::vec(obligation(), 1..=2)),
            ),
        ),
    )
        .prop_map(|(trigger, obligations, reading)| Clause {
            trigger,
            obligations,
            reading,
        })
}

fn reservation() -> impl Strategy<Value = Res> {
    (
        (
            0usize..8,
            proptest::option::of(0usize..4),
            proptest::option::of(0usize..8),
        ),
        (
            proptest::option::of(date_ix()),
            proptest::option::of(date_ix()),
            any::<bool>(),
        ),
        (
            proptest::option::of(0usize..LEVELS.len()),
            any::<u16>().prop_map(|x| x & 0x0fff & (x >> 6)),
        ),
    )
        .prop_map(
            |((party, clause, toward), (from, to, opt_out), (max_level, exclude))| Res {
                party,
                clause,
                toward,
                from,
                to,
                opt_out,
                max_level,
                exclude,
            },
        )
}

fn treaty() -> impl Strategy<Value = Treaty> {
    (
        (
            proptest::bool::weighted(0.2),
            date_ix(),
            proptest::option::weighted(0.2, date_ix()),
        ),
        proptest::collection::vec(
            (
                0usize..8,
                proptest::bool::weighted(0.15),
                proptest::option::weighted(0.3, date_ix()),
                proptest::option::weighted(0.2, date_ix()),
            )
                .prop_map(|(party, org, joined, left)| Member {
                    party,
                    org,
                    joined,
                    left,
                }),
            1..=5,
        ),
        proptest::collection::vec(clause(), 1..=3),
        proptest::collection::vec(reservation(), 0..=1),
    )
        .prop_map(
            |((draft, in_force, terminated), members, clauses, reservations)| Treaty {
                name: None,
                draft,
                in_force,
                terminated,
                members,
                clauses,
                reservations,
            },
        )
}

fn holder_periods() -> impl Strategy<Value = Vec<(usize, Option<usize>, Option<usize>)>> {
    proptest::collection::vec(
        (
            0usize..8,
            proptest::option::of(date_ix()),
            proptest::option::of(date_ix()),
        ),
        0..=2,
    )
}

/// Valid rule sets: two to six states (some with tagged main territories), an organization
/// with members over time, tags, facts, territories with controllers and administrators over
/// time, sea areas, and one to three treaties with members (some through the organization),
/// clauses whose conditions use every operator, alternative readings and reservations.
pub fn rule_sets() -> BoxedStrategy<Rules> {
    (
        (
            2usize..=6,
            proptest::collection::vec(proptest::collection::vec(0usize..4, 0..=2), 0..=6),
        ),
        proptest::option::weighted(
            0.5,
            proptest::collection::vec(
                (
                    0usize..8,
                    proptest::option::of(date_ix()),
                    proptest::option::of(date_ix()),
                ),
                1..=3,
            ),
        ),
        (1usize..=3, 0usize..=2),
        proptest::collection::vec(
            (
                0usize..8,
                holder_periods(),
                holder_periods(),
                proptest::collection::vec(0usize..4, 0..=2),
            )
                .prop_map(|(sovereign, controller, administrator, tags)| Territory {
                    sovereign,
                    controller,
                    administrator,
                    tags,
                }),
            0..=3,
        ),
        proptest::collection::vec(proptest::collection::vec(0usize..4, 0..=2), 0..=1),
        proptest::collection::vec(treaty(), 1..=3),
    )
        .prop_map(
            |((states, state_tags), org, (tags, facts), territories, areas, treaties)| {
                Rules::new(Gen {
                    states,
                    state_tags,
                    org,
                    tags,
                    facts,
                    territories,
                    areas,
                    treaties,
                })
            },
        )
        .boxed()
}

/// Rule sets as a drafter writes them, for testing `casus repair`: in block style (a treaty's
/// parties and a trigger's tests one a line, lists of ids in flow style), and every clause's
/// trigger an `all:` that tests the attacker (`is:` a list of parties) and the place (a list
/// of places, or its sovereign, controller or holder on a date) beside the generated
/// condition; obligations name their obligors now and then. So every kind of edit of the
/// repair applies to them: a place or an attacker added, an exception, a test dropped or its
/// holder changed, a party or an obligor removed, a level or a form changed.
pub fn drafts() -> BoxedStrategy<Rules> {
    let tests = (
        proptest::collection::vec(0usize..8, 1..=2),
        prop_oneof![
            2 => proptest::collection::vec(0usize..12, 1..=2).prop_map(LT::In),
            1 => ((0u8..2), prop_oneof![Just(PT::Target), Just(PT::Attacker)], proptest::option::of(date_ix()))
                .prop_map(|(r, p, d)| LT::Holder(r, p, d)),
        ],
        proptest::option::weighted(0.4, proptest::collection::vec(0usize..8, 2..=3)),
    );
    (rule_sets(), proptest::collection::vec(tests, 9))
        .prop_map(|(r, tests)| {
            let mut g = r.skel;
            // Small enough for a brute force over the repair's candidate edits.
            g.treaties.truncate(2);
            for t in &mut g.treaties {
                t.clauses.truncate(2);
            }
            let states = g.states.max(1);
            let mut drawn = tests.into_iter().cycle();
            for t in &mut g.treaties {
                // Obligors named among the treaty's own parties, each once.
                let members: Vec<usize> = t.members.iter().filter(|m| !m.org).map(|m| m.party % states).collect();
                for c in &mut t.clauses {
                    let Some((attackers, place, obligors)) = drawn.next() else {
                        break;
                    };
                    let mut all = vec![Cond::Attacker(PT::Is(attackers)), Cond::Location(place)];
                    match std::mem::replace(&mut c.trigger, Cond::Always(true)) {
                        Cond::All(v) => all.extend(v),
                        other => all.push(other),
                    }
                    c.trigger = Cond::All(all);
                    let mut named: Vec<usize> = obligors
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|i| members.get(i % members.len().max(1)).copied())
                        .collect();
                    named.sort_unstable();
                    named.dedup();
                    if let (true, Some(o)) = (named.len() > 1, c.obligations.first_mut()) {
                        o.obligated = Some(named);
                    }
                }
            }
            Rules::styled(g, true)
        })
        .boxed()
}

/// Mutations that apply to `rules`: a member added or removed, an entry into force shifted,
/// a clause or a treaty dropped.
pub fn mutations(rules: &Rules) -> BoxedStrategy<Mutation> {
    let treaties = rules.skel.treaties.len().max(1);
    let states = rules.skel.states.max(1);
    let clauses: Vec<usize> = rules.skel.treaties.iter().map(|t| t.clauses.len().max(1)).collect();
    let ids = rules.treaty_ids();
    let name = move |t: usize| ids.get(t).cloned().unwrap_or_default();
    let (n1, n2, n3, n4, n5) = (name.clone(), name.clone(), name.clone(), name.clone(), name);
    let t = 0..treaties;
    prop_oneof![
        (t.clone(), 0..states).prop_map(move |(t, p)| Mutation::AddMember {
            treaty: n1(t),
            party: format!("P{p}")
        }),
        (t.clone(), 0..states).prop_map(move |(t, p)| Mutation::RemoveMember {
            treaty: n2(t),
            party: format!("P{p}")
        }),
        (t.clone(), prop_oneof![Just(-2), Just(-1), Just(1), Just(2)])
            .prop_map(move |(t, steps)| Mutation::ShiftDate { treaty: n3(t), steps }),
        (t.clone(), 0usize..3).prop_map(move |(t, c)| Mutation::DropClause {
            treaty: n4(t),
            clause: format!("c{}", c % clauses.get(t).copied().unwrap_or(1))
        }),
        t.prop_map(move |t| Mutation::DropTreaty { treaty: n5(t) }),
    ]
    .boxed()
}
