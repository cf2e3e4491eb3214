//! The engine's public entry points: preparing and evaluating scenarios, listing what a rule
//! set holds, and building the clause index.

use serde::Serialize;

use crate::engine::{
    Clause, ClauseHot, ClauseIx, Engine, FACT_BASE, Index, LTest, Node, NodeIx, Op, PTest, PartyIx, Period, PlaceFast,
    PlaceIx, PlaceKind, TreatyIx,
};
use crate::err::ScenarioError;
use crate::eval::{ActorIx, Deps, Prepared, ScopedFact};
use crate::model::{PartyKind, TreatyStatus};
use crate::scenario::{Actor, Scenario};
use crate::time::{When, day_bound};
use crate::truth::Truth;
use crate::verdict::Verdict;

/// The bounds of the row that sends `Engine::is_party_at` to a party's entries (a window no
/// day lies in, sorted after every other row of the party).
pub(crate) const ASK_ENTRIES: (i32, i32) = (i32::MAX, i32::MIN);

/// A party's row for a window of day keys, or [`ASK_ENTRIES`] when a bound is an instant.
fn window(p: PartyIx, days: Option<(i32, i32)>) -> (PartyIx, i32, i32) {
    let (from, to) = days.unwrap_or(ASK_ENTRIES);
    (p, from, to)
}

/// A party as listed by `casus parties`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyInfo {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// State, organization or group.
    pub kind: PartyKind,
    /// Members (organizations and groups), as `ID from–to`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    /// Correlates of War codes (ext), as `255`, `260 from 1955-05-05 until 1990-10-03`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cow: Vec<String>,
}

/// A territory or area as listed by `casus territories`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceInfo {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `territory` or `area`.
    pub kind: &'static str,
    /// De jure sovereign over time.
    pub sovereign: Vec<String>,
    /// De facto controller over time, where it differs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub controller: Vec<String>,
    /// Administrator over time, where it differs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub administrator: Vec<String>,
    /// Tags (inherited ones included).
    pub tags: Vec<String>,
    /// The place it lies within, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
    /// Other names it is found by.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// A treaty as listed by `casus treaties`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TreatyInfo {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// In force, draft or political.
    pub status: TreatyStatus,
    /// Signature.
    pub signed: Option<When>,
    /// Entry into force.
    pub in_force: Option<When>,
    /// End.
    pub terminated: Option<When>,
    /// Number of parties at any time.
    pub parties: usize,
    /// Clauses as cited.
    pub clauses: Vec<String>,
    /// Source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What is modeled and left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// How others join.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accession: Option<crate::model::Accession>,
    /// How a party leaves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawal: Option<crate::model::Withdrawal>,
    /// Each clause with its paraphrase and readings.
    pub clause_details: Vec<ClauseInfo>,
}

impl TreatyInfo {
    /// Where the treaty stands on a date, as `casus treaties` prints it: `draft` (never in
    /// force), `not_yet_in_force`, `in_force` (`political` for a political commitment in
    /// effect), `ended`, or `changes_that_day` when the date is a day on which an instant of
    /// entry into force or end falls.
    ///
    /// ```
    /// # let engine = casus::RuleSet::from_yaml(casus::doc_example()).unwrap().compile().unwrap();
    /// let t = engine.treaties().into_iter().find(|t| t.id == "alliance").unwrap();
    /// assert_eq!(t.status_on(&casus::When::parse("1940-01-01").unwrap()), "not_yet_in_force");
    /// assert_eq!(t.status_on(&casus::When::parse("2000-01-01").unwrap()), "in_force");
    /// ```
    #[must_use]
    pub fn status_on(&self, at: &When) -> &'static str {
        if self.status == TreatyStatus::Draft {
            return "draft";
        }
        let started = self.in_force.as_ref().map_or(Truth::True, |f| at.at_or_after(f));
        let ended = self.terminated.as_ref().map_or(Truth::False, |t| at.at_or_after(t));
        match (started, ended) {
            (Truth::False, _) => "not_yet_in_force",
            (_, Truth::True) => "ended",
            (Truth::True, Truth::False) if self.status == TreatyStatus::Political => "political",
            (Truth::True, Truth::False) => "in_force",
            _ => "changes_that_day",
        }
    }
}

/// A clause as listed by `casus treaties --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClauseInfo {
    /// Id.
    pub id: String,
    /// As cited.
    pub citation: String,
    /// Paraphrase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The default reading's id and basis, where alternatives exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<(String, String)>,
    /// The alternative readings' ids.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub readings: Vec<String>,
    /// The event kinds that can trigger it (default reading).
    pub events: Vec<crate::vocab::EventKind>,
    /// The levels of its obligations, strongest first.
    pub levels: Vec<crate::level::Level>,
    /// The tags and places its trigger tests (its geographic scope).
    pub scope: Vec<String>,
    /// The named facts its trigger and obligations wait on.
    pub facts: Vec<String>,
}

/// A named fact as listed by the engine.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactInfo {
    /// Id.
    pub id: String,
    /// What it means to be true.
    pub description: String,
}

fn periods(e: &Engine, ps: &[Period]) -> Vec<String> {
    ps.iter()
        .map(|p| {
            let id = e.party_id(p.party).to_string();
            match (&p.from, &p.to) {
                (None, None) => id,
                (Some(f), None) => format!("{id} from {f}"),
                (None, Some(t)) => format!("{id} until {t}"),
                (Some(f), Some(t)) => format!("{id} from {f} until {t}"),
            }
        })
        .collect()
}

impl Engine {
    /// Appends the program of the condition at node `ix` (prefix order) to the program of
    /// one clause, which starts at `out[base]`: the `end` of a step counts from there.
    fn compile_program(&self, ix: NodeIx, base: usize, out: &mut Vec<Op>) {
        let Some(node) = self.nodes.get(ix as usize) else {
            out.push(Op::Leaf(ix));
            return;
        };
        match node {
            // More parts than a step can count: evaluated from the node.
            Node::All(kids) | Node::Any(kids) if kids.len() > usize::from(u16::MAX) => out.push(Op::Leaf(ix)),
            Node::All(kids) | Node::Any(kids) => {
                let at = out.len();
                out.push(Op::Not { node: ix });
                for k in kids {
                    self.compile_program(*k, base, out);
                }
                let n = u16::try_from(kids.len()).unwrap_or(u16::MAX);
                let end = u32::try_from(out.len() - base).unwrap_or(u32::MAX);
                if let Some(slot) = out.get_mut(at) {
                    *slot = if matches!(node, Node::All(_)) {
                        Op::All { n, end, node: ix }
                    } else {
                        Op::Any { n, end, node: ix }
                    };
                }
            }
            Node::Not(k) => {
                out.push(Op::Not { node: ix });
                self.compile_program(*k, base, out);
            }
            Node::Event(mask) => out.push(Op::Event { mask: *mask, node: ix }),
            Node::Target(PTest::TreatyParty) => out.push(Op::TargetTreatyParty { node: ix }),
            Node::Location(LTest::Tagged(bits, _)) if bits.len() <= 1 => out.push(Op::Tagged {
                bits: bits.first().copied().unwrap_or(0),
                node: ix,
            }),
            Node::Location(LTest::Holder(_, PTest::Target, None)) => out.push(Op::HolderIsTarget { node: ix }),
            _ => out.push(Op::Leaf(ix)),
        }
    }

    /// `member_rows` and `treaty_rows`: one row per entry of each treaty whose members are
    /// simple and whose dates of membership are whole days, in the order of `members`.
    fn build_member_rows(&mut self) {
        self.member_rows.clear();
        self.treaty_rows = Vec::with_capacity(self.treaties.len());
        for t in &self.treaties {
            let rows: Option<Vec<(PartyIx, i32, i32)>> = if t.simple_members {
                t.members
                    .iter()
                    .map(|m| {
                        Some((
                            m.party?,
                            day_bound(m.from.as_ref(), i32::MIN)?,
                            day_bound(m.to.as_ref(), i32::MAX)?,
                        ))
                    })
                    .collect()
            } else {
                None
            };
            let span = rows.and_then(|rows| {
                let a = u32::try_from(self.member_rows.len()).ok()?;
                let b = u32::try_from(self.member_rows.len() + rows.len()).ok()?;
                self.member_rows.extend(rows);
                Some((a, b))
            });
            self.treaty_rows.push(span);
        }
    }

    /// `party_rows` and `treaty_party_rows`: for each treaty, every window in which a party is
    /// a party, sorted by party, from its own entries and, through `members_of`, the
    /// organisations' periods of membership (one row per period, cut to the entry's dates; a
    /// party may have several rows). A party one of whose dates is an instant (Sweden joining
    /// NATO at 17:30) gets the row [`ASK_ENTRIES`] instead, and `Engine::is_party_at` reads its
    /// entries; every other party's rows are found by binary search.
    fn build_party_rows(&mut self) {
        self.party_rows.clear();
        self.treaty_party_rows = Vec::with_capacity(self.treaties.len());
        for t in &self.treaties {
            let mut rows: Vec<(PartyIx, i32, i32)> = Vec::new();
            for m in &t.members {
                let own = day_bound(m.from.as_ref(), i32::MIN).zip(day_bound(m.to.as_ref(), i32::MAX));
                let org = m.members_of.and_then(|o| self.parties.get(o as usize));
                match (m.party, org) {
                    (Some(p), _) => rows.push(window(p, own)),
                    (None, Some(org)) => rows.extend(org.members.iter().map(|om| {
                        let theirs = day_bound(om.from.as_ref(), i32::MIN).zip(day_bound(om.to.as_ref(), i32::MAX));
                        let cut = own.zip(theirs).map(|((a, b), (c, d))| (a.max(c), b.min(d)));
                        window(om.party, cut)
                    })),
                    _ => {}
                }
            }
            rows.retain(|&(_, a, b)| a < b || (a, b) == ASK_ENTRIES);
            rows.sort_unstable();
            rows.dedup();
            let a = u32::try_from(self.party_rows.len()).ok();
            let b = u32::try_from(self.party_rows.len() + rows.len()).ok();
            self.party_rows.extend(rows);
            self.treaty_party_rows.push(a.zip(b));
        }
        self.build_rows_by_party();
    }

    /// `rows_by_party` and `party_row_starts`: `party_rows` again, party by party, sorted by
    /// (party, treaty, window), so that a party's rows of one treaty keep their order (the
    /// row [`ASK_ENTRIES`] still last).
    fn build_rows_by_party(&mut self) {
        let mut rows: Vec<(PartyIx, TreatyIx, i32, i32)> = Vec::with_capacity(self.party_rows.len());
        for (t, span) in self.treaty_party_rows.iter().enumerate() {
            let (Some((a, b)), Ok(t)) = (span, TreatyIx::try_from(t)) else {
                continue;
            };
            let of_treaty = self.party_rows.get(*a as usize..*b as usize).unwrap_or(&[]);
            rows.extend(of_treaty.iter().map(|&(p, from, to)| (p, t, from, to)));
        }
        rows.sort_unstable();
        self.rows_by_party = rows.iter().map(|&(_, t, from, to)| (t, from, to)).collect();
        let mut starts = Vec::with_capacity(self.parties.len() + 1);
        let mut at = 0usize;
        for p in 0..=self.parties.len() {
            while rows.get(at).is_some_and(|r| (r.0 as usize) < p) {
                at += 1;
            }
            starts.push(at);
        }
        self.party_row_starts = starts
            .into_iter()
            .map(u32::try_from)
            .collect::<Result<_, _>>()
            .unwrap_or_default();
    }

    /// Builds everything evaluation reads besides the resolved rule set: the index of
    /// clauses by target, the membership rows, the trigger programs and the places' fast
    /// paths.
    pub(crate) fn build_index(&mut self) {
        self.build_target_index();
        self.build_member_rows();
        self.build_party_rows();
        self.build_programs();
        self.build_place_fast();
    }

    /// The clauses indexed by the targets their triggers can protect (those any target may
    /// meet apart), and the treaties of each party.
    fn build_target_index(&mut self) {
        let mut keyed: Vec<Vec<(ClauseIx, u8)>> = vec![Vec::new(); self.parties.len()];
        let mut any = Vec::new();
        for (cix, c) in self.clauses.iter().enumerate() {
            let entry = (cix as ClauseIx, c.event_mask);
            let mut keys: Option<Vec<PartyIx>> = None;
            let readings = std::iter::once(c.trigger).chain(c.readings.iter().map(|r| r.trigger));
            for trig in readings {
                match self.target_keys(trig, c.treaty) {
                    Some(k) => keys.get_or_insert_with(Vec::new).extend(k),
                    None => {
                        keys = None;
                        break;
                    }
                }
            }
            match keys {
                None => any.push(entry),
                Some(mut k) => {
                    k.sort_unstable();
                    k.dedup();
                    for p in k {
                        if let Some(v) = keyed.get_mut(p as usize) {
                            v.push(entry);
                        }
                    }
                }
            }
        }
        let mut starts = Vec::with_capacity(keyed.len() + 1);
        let mut by_target = Vec::new();
        for v in keyed {
            starts.push(u32::try_from(by_target.len()).unwrap_or(u32::MAX));
            by_target.extend(v);
        }
        starts.push(u32::try_from(by_target.len()).unwrap_or(u32::MAX));
        let mut treaties_of: Vec<Vec<TreatyIx>> = vec![Vec::new(); self.parties.len()];
        for (tix, t) in self.treaties.iter().enumerate() {
            for p in &t.ever {
                if let Some(v) = treaties_of.get_mut(*p as usize) {
                    v.push(tix as TreatyIx);
                }
            }
        }
        let mut open_treaties: Vec<TreatyIx> = any
            .iter()
            .filter_map(|(c, _)| self.clauses.get(*c as usize).map(|c| c.treaty))
            .collect();
        open_treaties.sort_unstable();
        open_treaties.dedup();
        self.index = Index {
            treaties_of,
            open_treaties,
            starts,
            by_target,
            any_target: any,
        };
    }

    /// Each clause's trigger compiled into the shared program, and what evaluation reads of
    /// the clause first (`clause_hot`): its treaty, its span of the program, its days in force.
    fn build_programs(&mut self) {
        let mut program = Vec::new();
        let spans: Vec<(u32, u32)> = self
            .clauses
            .iter()
            .map(|c| {
                let start = program.len();
                self.compile_program(c.trigger, start, &mut program);
                (
                    u32::try_from(start).unwrap_or(u32::MAX),
                    u32::try_from(program.len()).unwrap_or(u32::MAX),
                )
            })
            .collect();
        self.program = program;
        self.clause_hot = self
            .clauses
            .iter()
            .zip(spans)
            .map(|(c, program)| {
                let t = self.treaties.get(c.treaty as usize);
                let in_force = t.and_then(|t| {
                    let to = day_bound(t.terminated.as_ref(), i32::MAX)?;
                    match (&t.in_force, t.status) {
                        (None, crate::model::TreatyStatus::Draft) => Some((i32::MIN, to)),
                        // Never in force: an empty window.
                        (None, _) => Some((i32::MAX, i32::MIN)),
                        (Some(f), _) => Some((day_bound(Some(f), i32::MIN)?, to)),
                    }
                });
                ClauseHot {
                    treaty: c.treaty,
                    trigger: c.trigger,
                    program,
                    in_force,
                }
            })
            .collect();
    }

    /// What evaluation reads of each place first (`place_fast`): its first tag word, and its
    /// sovereign when that is one party at every date and nobody else controls or administers it.
    fn build_place_fast(&mut self) {
        let all_tags = self.tags.len() <= 64;
        self.place_fast = self
            .places
            .iter()
            .map(|p| {
                let sole = match p.sovereign.as_slice() {
                    [one] if one.from.is_none() && one.to.is_none() => Some(one.party),
                    _ => None,
                };
                let simple = sole.is_some() && p.controller.is_none() && p.administrator.is_none();
                PlaceFast {
                    tags: p.tags.first().copied().unwrap_or(0),
                    all_tags,
                    simple,
                    sovereign: sole.unwrap_or(0),
                    area: p.kind == PlaceKind::Area,
                }
            })
            .collect();
    }

    /// The parties a trigger can possibly protect, if the trigger says (a top-level `target:`
    /// test); `None` when any target is possible.
    fn target_keys(&self, node: NodeIx, treaty: TreatyIx) -> Option<Vec<PartyIx>> {
        match self.nodes.get(node as usize)? {
            Node::Target(t) => self.ptest_keys(t, treaty),
            Node::All(kids) => {
                let mut best: Option<Vec<PartyIx>> = None;
                for k in kids {
                    if let Some(v) = self.target_keys(*k, treaty)
                        && best.as_ref().is_none_or(|b| v.len() < b.len())
                    {
                        best = Some(v);
                    }
                }
                best
            }
            Node::Any(kids) => {
                let mut all = Vec::new();
                for k in kids {
                    all.extend(self.target_keys(*k, treaty)?);
                }
                Some(all)
            }
            Node::Always(false) => Some(Vec::new()),
            _ => None,
        }
    }

    fn ptest_keys(&self, t: &PTest, treaty: TreatyIx) -> Option<Vec<PartyIx>> {
        match t {
            PTest::TreatyParty => self.treaties.get(treaty as usize).map(|t| t.ever.clone()),
            PTest::PartyTo(x) => self.treaties.get(*x as usize).map(|t| t.ever.clone()),
            PTest::Is(v) => Some(v.clone()),
            PTest::MemberOf(o) => self
                .parties
                .get(*o as usize)
                .map(|p| p.members.iter().map(|m| m.party).collect()),
            _ => None,
        }
    }

    /// Resolves a scenario's ids against this rule set.
    ///
    /// # Errors
    ///
    /// [`ScenarioError`] when the scenario names a party, place or fact the rule set lacks, or a
    /// name several places share.
    pub fn prepare(&self, s: &Scenario) -> Result<Prepared, ScenarioError> {
        let mut targets = Vec::new();
        let target_field = if s.target.is_some() { "target" } else { "targets" };
        for t in s.targets() {
            targets.push(self.scenario_party(s, t, target_field)?);
        }
        let attackers = self.scenario_attackers(s)?;
        let attacker_names = s.attackers().map(|l| {
            l.iter()
                .map(|a| match a {
                    Actor::Party(p) => p.clone(),
                    Actor::NonState { non_state } => format!("non-state actor {non_state}"),
                })
                .collect()
        });
        let supporters = match &s.supported_by {
            None => None,
            Some(l) => {
                let mut v = Vec::new();
                for p in l {
                    v.push(self.scenario_party(s, p, "supported_by")?);
                }
                Some(v)
            }
        };
        let location = self.scenario_place(s, s.location.as_deref(), "location")?;
        let launched_from = self.scenario_place(s, s.launched_from.as_deref(), "launched_from")?;
        let deployed_under = self.scenario_mission(s)?;
        let facts = self.scenario_facts(s)?;
        let (scoped, scoped_bits) = self.scoped_facts(s)?;
        Ok(Prepared {
            date: s.date,
            event: s.event,
            means: s.means,
            attackers,
            attacker_names,
            supporters,
            targets,
            location,
            place: location
                .and_then(|l| self.place_fast.get(l as usize).copied())
                .unwrap_or_default(),
            launched_from,
            deployed_under,
            on: s.on,
            facts,
            scoped,
            scoped_bits,
            attackers_obliged: false,
        })
    }

    /// A party id of the scenario's `field` resolved; an unknown one is an error with the
    /// closest id.
    fn scenario_party(&self, s: &Scenario, id: &str, field: &'static str) -> Result<PartyIx, ScenarioError> {
        self.party_ix.get(id).copied().ok_or_else(|| {
            s.unknown(
                "party",
                id,
                field,
                crate::names::suggest(id, self.party_ix.keys().map(String::as_str)),
            )
        })
    }

    /// The scenario's attackers resolved (`None` when it names none).
    fn scenario_attackers(&self, s: &Scenario) -> Result<Option<Vec<ActorIx>>, ScenarioError> {
        let field = if s.attacker.is_some() { "attacker" } else { "attackers" };
        let Some(list) = s.attackers() else {
            return Ok(None);
        };
        let mut v = Vec::new();
        for a in list {
            v.push(match a {
                Actor::Party(p) => ActorIx::Party(self.scenario_party(s, p, field)?),
                Actor::NonState { .. } => ActorIx::NonState,
            });
        }
        Ok(Some(v))
    }

    /// The place (id or name) of the scenario's `field` resolved, if it names one.
    fn scenario_place(
        &self,
        s: &Scenario,
        name: Option<&str>,
        field: &'static str,
    ) -> Result<Option<PlaceIx>, ScenarioError> {
        let Some(name) = name else { return Ok(None) };
        self.place_named(name).map(Some).map_err(|e| match e {
            crate::FindPlaceError::Unknown { query, suggestion } => {
                s.unknown("territory or area", &query, field, suggestion)
            }
            crate::FindPlaceError::Ambiguous { query, candidates } => ScenarioError::Ambiguous {
                field,
                name: query,
                candidates,
            },
        })
    }

    /// The scenario's `deployed_under`: not stated, no mission, or a treaty.
    fn scenario_mission(&self, s: &Scenario) -> Result<Option<Option<TreatyIx>>, ScenarioError> {
        Ok(match s.deployed_under.as_deref() {
            None => None,
            Some(crate::scenario::NO_MISSION) => Some(None),
            Some(t) => Some(Some(self.treaty_ix.get(t).copied().ok_or_else(|| {
                s.unknown(
                    "treaty",
                    t,
                    "deployed_under",
                    crate::names::suggest(t, self.treaty_ix.keys().map(String::as_str)),
                )
            })?)),
        })
    }

    /// The scenario's `facts` by fact index (`None` where it states none).
    fn scenario_facts(&self, s: &Scenario) -> Result<Vec<Option<bool>>, ScenarioError> {
        let mut facts = vec![None; self.facts.len()];
        for (k, v) in &s.facts {
            let ix = self.fact_ix.get(k).copied().ok_or_else(|| {
                s.unknown(
                    "fact",
                    k,
                    "facts",
                    crate::names::suggest(k, self.fact_ix.keys().map(String::as_str)),
                )
            })?;
            if let Some(slot) = facts.get_mut(ix as usize) {
                *slot = Some(*v);
            }
        }
        Ok(facts)
    }

    /// Checks that every party the scenario's `expect:` block names is in this rule set: an
    /// expectation about a party that does not exist would pass or fail for the wrong reason
    /// (`none: [USAA]` always holds).
    ///
    /// ```
    /// let rules = casus::RuleSet::from_yaml("parties: [{id: USA, name: United States}]")?.compile()?;
    /// let s = casus::Scenario::from_yaml("date: 2027-03-01\nevent: armed_attack\ntarget: USA\nexpect: {none: [USAA]}\n")?;
    /// let e = rules.check_expect(&s).unwrap_err();
    /// assert!(e.to_string().contains("unknown party `USAA` in `expect.none`"), "{e}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ScenarioError`] when an expectation names a party the rule set lacks.
    pub fn check_expect(&self, s: &Scenario) -> Result<(), ScenarioError> {
        let Some(e) = &s.expect else {
            return Ok(());
        };
        let lists: [(&'static str, &Vec<String>); 9] = [
            ("expect.neutrality", &e.neutrality),
            ("expect.consult", &e.consult),
            ("expect.diplomatic", &e.diplomatic),
            ("expect.assist", &e.assist),
            ("expect.all_means", &e.all_means),
            ("expect.military", &e.military),
            ("expect.none", &e.none),
            ("expect.contingent", &e.contingent),
            ("expect.definite", &e.definite),
        ];
        for (field, list) in lists {
            for id in list {
                if !self.party_ix.contains_key(id) {
                    let near = crate::names::suggest(id, self.party_ix.keys().map(String::as_str));
                    return Err(s.unknown("party", id, field, near));
                }
            }
        }
        Ok(())
    }

    /// A scenario's facts stated for one treaty or clause, resolved: sorted, and the facts
    /// they concern as bits.
    fn scoped_facts(&self, s: &Scenario) -> Result<(Vec<ScopedFact>, Deps), ScenarioError> {
        let mut out = Vec::new();
        let mut bits = Deps::NONE;
        for (scope, fact, value) in s.scoped_facts() {
            let field = if s.treaty_facts.get(scope).is_some_and(|f| f.contains_key(fact)) {
                "treaty_facts"
            } else {
                "invoked"
            };
            let (treaty_id, clause_id) = match scope.split_once('/') {
                Some((t, c)) => (t, Some(c)),
                None => (scope, None),
            };
            let treaty = self
                .treaty_ix
                .get(treaty_id)
                .copied()
                .ok_or_else(|| ScenarioError::Unknown {
                    located: None,
                    kind: "treaty",
                    id: treaty_id.into(),
                    field,
                    suggestion: crate::names::suggest(treaty_id, self.treaty_ix.keys().map(String::as_str)),
                })?;
            let clause = match clause_id {
                None => None,
                Some(cid) => {
                    let own = self
                        .treaties
                        .get(treaty as usize)
                        .map_or(&[][..], |t| t.clauses.as_slice());
                    let ids = || {
                        own.iter()
                            .filter_map(|c| self.clauses.get(*c as usize))
                            .map(|c| c.id.as_str())
                    };
                    let found = own
                        .iter()
                        .copied()
                        .find(|c| self.clauses.get(*c as usize).is_some_and(|x| x.id == cid));
                    Some(found.ok_or_else(|| ScenarioError::Unknown {
                        located: None,
                        kind: "clause",
                        id: scope.into(),
                        field,
                        suggestion: crate::names::suggest(cid, ids()).map(|c| format!("{treaty_id}/{c}")),
                    })?)
                }
            };
            let f = self.fact_ix.get(fact).copied().ok_or_else(|| ScenarioError::Unknown {
                located: None,
                kind: "fact",
                id: fact.into(),
                field,
                suggestion: crate::names::suggest(fact, self.fact_ix.keys().map(String::as_str)),
            })?;
            bits = bits.union(Deps::one(FACT_BASE + f));
            out.push(ScopedFact {
                treaty,
                clause,
                fact: f,
                value,
            });
        }
        out.sort_unstable();
        out.dedup();
        Ok((out, bits))
    }

    /// Evaluates a scenario: obligations with their sources, and why every other member of a
    /// relevant treaty owes nothing.
    ///
    /// # Errors
    ///
    /// [`ScenarioError`] when the scenario names a party, place or fact the rule set lacks, or a
    /// name several places share.
    pub fn evaluate(&self, s: &Scenario) -> Result<Verdict, ScenarioError> {
        Ok(self.build_verdict(&self.prepare(s)?, false))
    }

    /// As [`Engine::evaluate`], with every relevant clause's condition tree and values.
    ///
    /// It also surveys every other treaty in force (those no party of the scenario belongs
    /// to) for clauses that would apply if the target were a party (`would_apply`): that
    /// survey costs time in proportion to the whole library.
    ///
    /// # Errors
    ///
    /// [`ScenarioError`] as [`Engine::evaluate`].
    pub fn evaluate_explained(&self, s: &Scenario) -> Result<Verdict, ScenarioError> {
        let p = self.prepare(s)?;
        let mut v = self.build_verdict(&p, true);
        v.would_apply = self.survey(&p);
        if v.obligations.is_empty() {
            v.not_modelled = self.not_modelled_for(&p);
        }
        Ok(v)
    }

    /// Evaluates an already prepared scenario.
    #[must_use]
    pub fn verdict(&self, p: &Prepared, explain: bool) -> Verdict {
        self.build_verdict(p, explain)
    }

    /// Every party, sorted by id.
    #[must_use]
    pub fn parties(&self) -> Vec<PartyInfo> {
        let mut v: Vec<PartyInfo> = self
            .parties
            .iter()
            .map(|p| PartyInfo {
                id: p.id.clone(),
                name: p.name.clone(),
                kind: p.kind,
                members: periods(self, &p.members),
                cow: p
                    .cow
                    .iter()
                    .map(|(code, from, to)| match (from, to) {
                        (None, None) => code.to_string(),
                        (Some(f), None) => format!("{code} from {f}"),
                        (None, Some(t)) => format!("{code} until {t}"),
                        (Some(f), Some(t)) => format!("{code} from {f} until {t}"),
                    })
                    .collect(),
            })
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    /// The Correlates of War code `party` carries on a day: its first `cow:` entry whose
    /// period covers the day; `None` for an unknown party or one without a code then.
    ///
    /// ```
    /// let rules = casus::RuleSet::from_yaml(
    ///     "parties:\n  - {id: DEU, name: Germany, cow: [{code: 260, from: 1955-05-05, before: 1990-10-03}, {code: 255}]}\n",
    /// )?;
    /// let engine = rules.compile()?;
    /// assert_eq!(engine.cow_code("DEU", &casus::When::parse("1980-01-01")?), Some(260));
    /// assert_eq!(engine.cow_code("DEU", &casus::When::parse("1991-01-01")?), Some(255));
    /// assert_eq!(engine.cow_code("FRA", &casus::When::parse("1991-01-01")?), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn cow_code(&self, party: &str, on: &When) -> Option<u32> {
        let p = self.parties.get(*self.party_ix.get(party)? as usize)?;
        p.cow
            .iter()
            .find(|(_, from, to)| on.within(from.as_ref(), to.as_ref()) == crate::Truth::True)
            .map(|(code, _, _)| *code)
    }

    /// Every territory and area, sorted by id.
    #[must_use]
    pub fn places(&self) -> Vec<PlaceInfo> {
        let mut v: Vec<PlaceInfo> = (0..self.places.len() as PlaceIx)
            .filter_map(|px| self.place_info(px))
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    /// One place as listed.
    pub(crate) fn place_info(&self, px: PlaceIx) -> Option<PlaceInfo> {
        self.places.get(px as usize).map(|p| PlaceInfo {
            id: p.id.clone(),
            name: p.name.clone(),
            kind: if p.kind == PlaceKind::Area { "area" } else { "territory" },
            sovereign: periods(self, &p.sovereign),
            controller: p.controller.as_ref().map(|c| periods(self, c)).unwrap_or_default(),
            administrator: p.administrator.as_ref().map(|c| periods(self, c)).unwrap_or_default(),
            tags: p.tag_names.clone(),
            within: p.within.map(|w| self.place_id(w).to_string()),
            aliases: p.aliases.clone(),
        })
    }

    /// The tags and places (`scope`) or the facts a clause's conditions mention, sorted.
    fn clause_terms(&self, c: &Clause, scope: bool) -> Vec<String> {
        let mut stack: Vec<NodeIx> = vec![c.trigger];
        stack.extend(c.obligations.iter().filter_map(|o| o.when));
        let mut out = Vec::new();
        while let Some(n) = stack.pop() {
            match self.nodes.get(n as usize) {
                Some(Node::All(k) | Node::Any(k)) => stack.extend(k),
                Some(Node::Not(k)) => stack.push(*k),
                Some(Node::Location(LTest::Tagged(_, names))) if scope => out.extend(names.iter().cloned()),
                Some(Node::Location(LTest::In(places))) if scope => {
                    out.extend(places.iter().map(|p| self.place_id(*p).to_string()));
                }
                Some(Node::Location(LTest::Area)) if scope => out.push("any sea or air area".into()),
                Some(Node::Fact(f)) if !scope => {
                    out.extend(self.facts.get(*f as usize).map(|f| f.id.clone()));
                }
                _ => {}
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The id of the party with this index (as in [`crate::Hit::party`]), or `None` for an
    /// index this engine did not make.
    #[must_use]
    pub fn party_id_of(&self, ix: u32) -> Option<&str> {
        self.parties.get(ix as usize).map(|p| p.id.as_str())
    }

    /// The treaty and clause ids of a clause index (as in [`crate::Hit::clause`]).
    #[must_use]
    pub fn clause_ids_of(&self, ix: u32) -> Option<(&str, &str)> {
        let c = self.clauses.get(ix as usize)?;
        let t = self.treaties.get(c.treaty as usize)?;
        Some((t.id.as_str(), c.id.as_str()))
    }

    /// Every named fact (built-in ones first).
    #[must_use]
    pub fn facts(&self) -> Vec<FactInfo> {
        self.facts
            .iter()
            .map(|f| FactInfo {
                id: f.id.clone(),
                description: f.description.clone(),
            })
            .collect()
    }

    /// Every treaty, sorted by id.
    #[must_use]
    pub fn treaties(&self) -> Vec<TreatyInfo> {
        let mut v: Vec<TreatyInfo> = self
            .treaties
            .iter()
            .map(|t| TreatyInfo {
                id: t.id.clone(),
                name: t.name.clone(),
                status: t.status,
                signed: t.signed,
                in_force: t.in_force,
                terminated: t.terminated,
                parties: t.ever.len(),
                clauses: t
                    .clauses
                    .iter()
                    .filter_map(|c| self.clauses.get(*c as usize))
                    .map(|c| c.citation.clone())
                    .collect(),
                source: t.source.clone(),
                note: t.note.clone(),
                accession: t.accession.clone(),
                withdrawal: t.withdrawal.clone(),
                clause_details: t
                    .clauses
                    .iter()
                    .filter_map(|c| self.clauses.get(*c as usize))
                    .map(|c| ClauseInfo {
                        id: c.id.clone(),
                        citation: c.citation.clone(),
                        summary: c.summary.clone(),
                        reading: c.reading.clone(),
                        readings: c.readings.iter().map(|r| r.id.clone()).collect(),
                        events: crate::vocab::EventKind::ALL
                            .iter()
                            .copied()
                            .filter(|k| c.event_mask & (1u8 << (*k as u8)) != 0)
                            .collect(),
                        levels: {
                            let mut v: Vec<_> = c.obligations.iter().map(|o| o.level).collect();
                            v.sort_by_key(|l| std::cmp::Reverse(l.rank()));
                            v.dedup();
                            v
                        },
                        scope: self.clause_terms(c, true),
                        facts: self.clause_terms(c, false),
                    })
                    .collect(),
            })
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }
}
