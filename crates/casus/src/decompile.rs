//! From a compiled rule set back to the rule language: the `model` types serialized as YAML.
//!
//! A rule set written out by [`crate::Engine::to_yaml`] loads back to the same rule set: the
//! same parties, places, treaties, clauses and conditions, so the same verdict for every
//! scenario (the property tests check it). Comments, notes on periods and the split into files
//! are not kept; every main territory of a state is written as an explicit territory.

use serde::ser::{Serialize, SerializeSeq, Serializer};

use crate::engine::{
    ClauseIx, Engine, LTest, Node, NodeIx, Obligation, Obligors, PTest, PartyIx, Period, PlaceKind, Treaty, forms_of,
};
use crate::model::{Holder, Ids, Obligated, OneOrMany};

impl Serialize for Holder {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for p in &self.0 {
            seq.serialize_element(p)?;
        }
        seq.end()
    }
}

impl Serialize for Ids {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for p in &self.0 {
            seq.serialize_element(&p.value)?;
        }
        seq.end()
    }
}

impl<T: Serialize> Serialize for OneOrMany<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for p in &self.0 {
            seq.serialize_element(p)?;
        }
        seq.end()
    }
}

impl Serialize for Obligated {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Obligated::Others => s.serialize_str("others"),
            Obligated::All => s.serialize_str("all"),
            Obligated::Named(ids) => {
                let mut seq = s.serialize_seq(Some(ids.len()))?;
                for p in ids {
                    seq.serialize_element(&p.value)?;
                }
                seq.end()
            }
        }
    }
}

use crate::model::Spanned;

use crate::model::{
    AreaDecl, ClauseDecl, Condition, CountTest, DateWindow, FactDecl, FormsDecl, HeldOn, HolderPeriod, HolderRole,
    MemberDecl, ObligationDecl, PartyDecl, PartyTest, PlaceTest, ReadingDecl, ReadingName, ReservationDecl, RuleFile,
    TagDecl, TerritoryDecl, TreatyDecl,
};
use crate::vocab::{EventKind, Means, On};

fn sp<T>(value: T) -> Spanned<T> {
    Spanned::unlocated(value)
}

fn mask<T: Copy>(bits: u8, all: &[T]) -> crate::model::OneOrMany<T> {
    crate::model::OneOrMany(
        all.iter()
            .enumerate()
            .filter(|(i, _)| bits & (1u8 << i) != 0)
            .map(|(_, x)| *x)
            .collect(),
    )
}

impl Engine {
    /// The rule set in the rule language: one [`RuleFile`] that loads back to the same rules.
    ///
    /// ```
    /// let engine = casus::RuleSet::from_yaml(casus::doc_example())?.compile()?;
    /// let file = engine.to_rule_file();
    /// assert_eq!(file.treaties[0].clauses[0].id.value, "art5");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_rule_file(&self) -> RuleFile {
        let builtin = crate::resolve::BUILTIN_FACTS.len();
        RuleFile {
            parties: self.parties.iter().map(|p| self.party_decl(p)).collect(),
            tags: self
                .tags
                .iter()
                .map(|(id, d)| TagDecl {
                    id: sp(id.clone()),
                    description: d.clone(),
                })
                .collect(),
            territories: self
                .places
                .iter()
                .filter(|p| p.kind == PlaceKind::Territory)
                .map(|p| self.territory_decl(p))
                .collect(),
            areas: self
                .places
                .iter()
                .filter(|p| p.kind == PlaceKind::Area)
                .map(|p| AreaDecl {
                    id: sp(p.id.clone()),
                    name: p.name.clone(),
                    aliases: p.aliases.clone(),
                    within: p.within.map(|w| sp(self.place_id(w).to_string())),
                    tags: p.tag_names.iter().cloned().map(sp).collect(),
                    note: None,
                })
                .collect(),
            facts: self
                .facts
                .iter()
                .skip(builtin)
                .map(|f| FactDecl {
                    id: sp(f.id.clone()),
                    description: f.description.clone(),
                })
                .collect(),
            treaties: self.treaties.iter().map(|t| self.treaty_decl(t)).collect(),
            not_modelled: self
                .not_modelled
                .iter()
                .map(|n| crate::model::NotModelledDecl {
                    id: sp(n.id.clone()),
                    name: n.name.clone(),
                    kind: n.kind.clone(),
                    concerns: n.concerns.iter().map(|p| sp(self.party_id(*p).to_string())).collect(),
                    why: n.why.clone(),
                    source: n.source.clone(),
                })
                .collect(),
            lines: self
                .lines
                .iter()
                .map(|l| crate::model::LineDecl {
                    id: sp(l.id.clone()),
                    name: l.name.clone(),
                    date: sp(l.date),
                    side: sp(self.party_id(l.side).to_string()),
                    note: l.note.clone(),
                })
                .collect(),
        }
    }

    /// The rule set as one YAML rule file that loads back to the same rules.
    ///
    /// ```
    /// let engine = casus::RuleSet::from_yaml(casus::doc_example())?.compile()?;
    /// let again = casus::RuleSet::from_yaml(&engine.to_yaml()?)?.compile()?;
    /// assert_eq!(engine.treaties(), again.treaties());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`WriteError`] when the rule set cannot be written as YAML.
    pub fn to_yaml(&self) -> Result<String, WriteError> {
        crate::load::to_yaml(&self.to_rule_file()).map_err(WriteError)
    }

    /// A party as declared: its members with their dates, its COW codes.
    fn party_decl(&self, p: &crate::engine::Party) -> PartyDecl {
        PartyDecl {
            id: sp(p.id.clone()),
            name: p.name.clone(),
            aliases: Vec::new(),
            kind: p.kind,
            members: p
                .members
                .iter()
                .map(|m| self.member(Some(m.party), None, m.from, m.to))
                .collect(),
            territory_tags: Vec::new(),
            cow: p
                .cow
                .iter()
                .map(|(code, from, before)| crate::model::CowDecl {
                    code: *code,
                    from: from.map(sp),
                    before: before.map(sp),
                })
                .collect(),
            note: None,
        }
    }

    /// A territory as declared, with its holders (a state's main territory included).
    fn territory_decl(&self, p: &crate::engine::Place) -> TerritoryDecl {
        TerritoryDecl {
            id: sp(p.id.clone()),
            name: p.name.clone(),
            aliases: p.aliases.clone(),
            within: p.within.map(|w| sp(self.place_id(w).to_string())),
            // A place within another may have no sovereign (a disputed feature at sea).
            sovereign: (!p.sovereign.is_empty() || p.within.is_none()).then(|| sp(self.holder(&p.sovereign))),
            controller: p.controller.as_ref().map(|c| sp(self.holder(c))),
            administrator: p.administrator.as_ref().map(|c| sp(self.holder(c))),
            tags: p.tag_names.iter().cloned().map(sp).collect(),
            note: None,
        }
    }

    fn member(&self, party: Option<PartyIx>, org: Option<PartyIx>, from: Option<When>, to: Option<When>) -> MemberDecl {
        MemberDecl {
            party: party.map(|p| sp(self.party_id(p).to_string())),
            members_of: org.map(|p| sp(self.party_id(p).to_string())),
            joined: from.map(sp),
            left: to.map(sp),
            note: None,
        }
    }

    fn holder(&self, periods: &[Period]) -> crate::model::Holder {
        crate::model::Holder(
            periods
                .iter()
                .map(|p| HolderPeriod {
                    party: sp(self.party_id(p.party).to_string()),
                    from: p.from.map(sp),
                    to: p.to.map(sp),
                    note: None,
                })
                .collect(),
        )
    }

    fn treaty_decl(&self, t: &Treaty) -> TreatyDecl {
        // Indexes the resolver made (`made` stops a debug build if one is out of range).
        let clause_id = |c: &ClauseIx| made(&self.clauses, *c, "clause").map_or(String::new(), |c| c.id.clone());
        TreatyDecl {
            id: sp(t.id.clone()),
            name: t.name.clone(),
            status: t.status,
            signed: t.signed.map(sp),
            in_force: t.in_force.map(sp),
            terminated: t.terminated.map(sp),
            source: t.source.clone(),
            note: t.note.clone(),
            parties: t
                .members
                .iter()
                .map(|m| self.member(m.party, m.members_of, m.from, m.to))
                .collect(),
            accession: t.accession.clone(),
            withdrawal: t.withdrawal.clone(),
            lapses: t
                .lapses
                .iter()
                .map(|(party, joins, note)| crate::model::LapseDecl {
                    party: crate::model::unspanned(party.clone()),
                    joins: crate::model::unspanned(joins.clone()),
                    note: note.clone(),
                })
                .collect(),
            clauses: t
                .clauses
                .iter()
                .filter_map(|c| made(&self.clauses, *c, "clause"))
                .map(|c| ClauseDecl {
                    id: sp(c.id.clone()),
                    citation: c.citation.clone(),
                    summary: c.summary.clone(),
                    trigger: sp(self.condition(c.trigger)),
                    obligations: self.obligation_decls(&c.obligations),
                    reading: c.reading.as_ref().map(|(id, basis)| ReadingName {
                        id: sp(id.clone()),
                        basis: basis.clone(),
                    }),
                    readings: c
                        .readings
                        .iter()
                        .map(|r| ReadingDecl {
                            id: sp(r.id.clone()),
                            basis: r.basis.clone(),
                            trigger: Some(sp(self.condition(r.trigger))),
                            obligations: Some(self.obligation_decls(&r.obligations)),
                        })
                        .collect(),
                    note: None,
                })
                .collect(),
            reservations: t
                .reservations
                .iter()
                .map(|r| ReservationDecl {
                    party: sp(self.party_id(r.party).to_string()),
                    kind: r.kind,
                    clauses: r.clauses.iter().map(|c| sp(clause_id(c))).collect(),
                    toward: r.toward.iter().map(|p| sp(self.party_id(*p).to_string())).collect(),
                    from: r.from.map(sp),
                    to: r.to.map(sp),
                    opt_out: r.opt_out,
                    max_level: r.max_level.map(sp),
                    exclude_forms: forms_of(r.exclude_forms).into_iter().map(sp).collect(),
                    caveats: r.caveats.iter().cloned().map(sp).collect(),
                    note: r.note.clone(),
                })
                .collect(),
        }
    }

    /// The obligations as written: a later stage goes back under `then:` of its first stage.
    fn obligation_decls(&self, os: &[Obligation]) -> Vec<ObligationDecl> {
        let forms = |o: &Obligation| FormsDecl {
            required: forms_of(o.required).into_iter().map(sp).collect(),
            allowed: forms_of(o.allowed).into_iter().map(sp).collect(),
            excluded: forms_of(o.excluded).into_iter().map(sp).collect(),
        };
        let mut out: Vec<ObligationDecl> = Vec::new();
        for o in os {
            if o.stage.0 > 1
                && let Some(last) = out.last_mut()
            {
                last.then.push(crate::model::StageDecl {
                    level: sp(o.level),
                    forms: forms(o),
                    deadline: o.deadline,
                    note: None,
                });
                continue;
            }
            out.extend(self.first_stages(std::slice::from_ref(o)));
        }
        out
    }

    fn first_stages(&self, os: &[Obligation]) -> Vec<ObligationDecl> {
        os.iter()
            .map(|o| ObligationDecl {
                level: sp(o.level),
                obligated: match &o.obligated {
                    Obligors::Others => crate::model::Obligated::Others,
                    Obligors::All => crate::model::Obligated::All,
                    Obligors::Named(v) => {
                        crate::model::Obligated::Named(v.iter().map(|p| sp(self.party_id(*p).to_string())).collect())
                    }
                },
                toward: crate::model::Ids(
                    o.toward
                        .iter()
                        .map(|b| {
                            sp(match b {
                                crate::engine::Benef::Target => "target".to_string(),
                                crate::engine::Benef::Attacker => "attacker".to_string(),
                                crate::engine::Benef::Party(p) => self.party_id(*p).to_string(),
                            })
                        })
                        .collect(),
                ),
                against: o.against.iter().copied().map(sp).collect(),
                lead: o.lead.iter().map(|p| sp(self.party_id(*p).to_string())).collect(),
                forms: FormsDecl {
                    required: forms_of(o.required).into_iter().map(sp).collect(),
                    allowed: forms_of(o.allowed).into_iter().map(sp).collect(),
                    excluded: forms_of(o.excluded).into_iter().map(sp).collect(),
                },
                deadline: o.deadline,
                caveats: o.caveats.iter().cloned().map(sp).collect(),
                when: o.when.map(|w| sp(self.condition(w))),
                then: Vec::new(),
                note: None,
            })
            .collect()
    }

    fn ids(&self, v: &[PartyIx]) -> crate::model::Ids {
        crate::model::Ids(v.iter().map(|p| sp(self.party_id(*p).to_string())).collect())
    }

    fn party_test(&self, t: &PTest) -> PartyTest {
        match t {
            PTest::Target => PartyTest::Target,
            PTest::Attacker => PartyTest::Attacker,
            PTest::TreatyParty => PartyTest::TreatyParty,
            PTest::State => PartyTest::State,
            PTest::NonState => PartyTest::NonState,
            PTest::Is(v) => PartyTest::Is(self.ids(v)),
            PTest::MemberOf(o) => PartyTest::MemberOf(sp(self.party_id(*o).to_string())),
            PTest::PartyTo(t) => PartyTest::PartyTo(sp(
                made(&self.treaties, *t, "treaty").map_or(String::new(), |t| t.id.clone())
            )),
        }
    }

    /// The line of contact a place test is the compiled form of, if any (`across_line:`).
    fn line_of(&self, l: &LTest) -> Option<&str> {
        let LTest::Holder(HolderRole::Controller, PTest::Is(v), Some(d)) = l else {
            return None;
        };
        let [side] = v.as_slice() else { return None };
        self.lines
            .iter()
            .find(|x| x.side == *side && x.date == *d)
            .map(|x| x.id.as_str())
    }

    /// A place test in the rule language.
    fn place_test(&self, l: &LTest) -> PlaceTest {
        match l {
            LTest::In(v) => PlaceTest::In(crate::model::Ids(
                v.iter().map(|p| sp(self.place_id(*p).to_string())).collect(),
            )),
            LTest::Tagged(_, names) => PlaceTest::Tagged(crate::model::Ids(names.iter().cloned().map(sp).collect())),
            LTest::Holder(role, t, None) => match role {
                HolderRole::Sovereign => PlaceTest::Sovereign(self.party_test(t)),
                HolderRole::Controller => PlaceTest::Controller(self.party_test(t)),
                HolderRole::Administrator => PlaceTest::Administrator(self.party_test(t)),
            },
            LTest::Holder(role, t, Some(d)) => PlaceTest::HeldOn(HeldOn {
                role: *role,
                by: self.party_test(t),
                date: sp(*d),
            }),
            LTest::Area => PlaceTest::Area,
        }
    }

    /// The condition rooted at node `ix`, in the rule language.
    pub(crate) fn condition(&self, ix: NodeIx) -> Condition {
        let kids = |k: &[NodeIx]| k.iter().map(|c| sp(self.condition(*c))).collect();
        // Every node index is one the resolver pushed (`made` stops a debug build if not). A
        // release build writes `always: false` for a missing node, the condition the resolver
        // itself writes for one it could not resolve, rather than stop.
        match made(&self.nodes, ix, "node") {
            None => Condition::Always(false),
            Some(n) => match n {
                Node::All(k) => Condition::All(kids(k)),
                Node::Any(k) => Condition::Any(kids(k)),
                Node::Not(k) => Condition::Not(Box::new(sp(self.condition(*k)))),
                Node::Event(m) => Condition::Event(mask(*m, EventKind::ALL)),
                Node::Means(m) => Condition::Means(mask(*m, Means::ALL)),
                Node::On(m) => Condition::On(mask(*m, On::ALL)),
                Node::Attacker(t) => Condition::Attacker(self.party_test(t)),
                Node::Attackers(n, t) => Condition::Attackers(CountTest {
                    at_least: *n,
                    that: self.party_test(t),
                }),
                Node::SupportedBy(t) => Condition::SupportedBy(self.party_test(t)),
                Node::Target(t) => Condition::Target(self.party_test(t)),
                Node::Location(l) => match self.line_of(l) {
                    Some(id) => Condition::AcrossLine(sp(id.to_string())),
                    None => Condition::Location(self.place_test(l)),
                },
                Node::DeployedUnder(ts) => Condition::DeployedUnder(crate::model::Ids(
                    ts.iter().map(|t| sp(self.treaty_id(*t).to_string())).collect(),
                )),
                Node::LaunchedFrom(l) => Condition::LaunchedFrom(self.place_test(l)),
                Node::Date(from, before) => Condition::Date(DateWindow {
                    from: from.map(sp),
                    before: before.map(sp),
                }),
                Node::Fact(f) => {
                    Condition::Fact(sp(made(&self.facts, *f, "fact").map_or(String::new(), |f| f.id.clone())))
                }
                Node::Always(b) => Condition::Always(*b),
            },
        }
    }
}

use crate::engine::made;
use crate::time::When;

/// A rule set or scenario could not be written as YAML.
#[derive(Debug, thiserror::Error)]
#[error("cannot write YAML: {0}")]
pub struct WriteError(pub String);

impl crate::Scenario {
    /// The scenario as a YAML scenario file.
    ///
    /// ```
    /// let s = casus::Scenario::from_yaml("{date: 2027-03-01, event: armed_attack, target: UKR, attacker: RUS}")?;
    /// let text = s.to_yaml()?;
    /// assert_eq!(casus::Scenario::from_yaml(&text)?, s);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`WriteError`] when the scenario cannot be written as YAML.
    pub fn to_yaml(&self) -> Result<String, WriteError> {
        crate::load::to_yaml(self).map_err(WriteError)
    }
}

#[cfg(test)]
mod tests {
    /// A missing node is a bug, not a condition: a debug build (every test run) stops at it
    /// instead of writing the release build's `always: false`.
    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "node index 4294967295 out of range")]
    fn a_missing_node_fails_a_debug_build() {
        let engine = crate::RuleSet::from_yaml(crate::doc_example())
            .unwrap()
            .compile()
            .unwrap();
        let _ = engine.condition(u32::MAX);
    }
}
