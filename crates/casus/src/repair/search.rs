//! The search: candidate edits from the counterexamples, sets of them smallest first, each
//! set that survives the known counterexamples proved by an exhaustive walk.

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;

use super::edits::{self, Edit, Seeds};
use super::reload::Reload;
use super::{Blocked, Draft, Repair, RepairError, RepairOptions, RepairReport, SideEffects};
use crate::verify::{self, DiffOptions, Mode, Outcome, Properties, VerifyReport};
use crate::{Engine, Scenario};

/// The state of one search.
struct Search<'a> {
    draft: &'a Draft,
    props_text: (&'a Path, &'a str),
    opts: &'a RepairOptions,
    /// The rule files the draft reads, parsed once (`None` for a draft given as text).
    reload: Option<Reload>,
    /// Properties that must hold after a repair, by index; the goal first.
    must: Vec<usize>,
    /// The properties to repair, by index.
    goal: Vec<usize>,
    /// Counterexamples found so far: property index and scenario.
    known: Vec<(usize, Scenario)>,
    /// Sets rejected, by the property that rejected them.
    rejected: BTreeMap<usize, u64>,
    tried: u64,
    checked: u64,
}

pub(super) fn run(
    draft: &Draft,
    props_text: (&Path, &str),
    opts: &RepairOptions,
    progress: Option<&(dyn Fn(&str) + Sync)>,
) -> Result<RepairReport, RepairError> {
    let say = |s: &str| {
        if let Some(p) = progress {
            p(s);
        }
    };
    let engine = draft.engine(&[])?;
    let props = Properties::parse(props_text.0, props_text.1.into(), &engine)?;
    let ids: Vec<String> = props.properties.iter().map(|p| p.id.clone()).collect();
    say(&format!(
        "checking the {} properties of the rule set as it is",
        ids.len()
    ));
    let original = verify::verify(&engine, &props, &exhaustive(opts), None)?;
    for p in &original.properties {
        if p.mode == Mode::Sampled {
            return Err(RepairError::NotExhaustive { id: p.id.clone() });
        }
    }
    let [goal, left, must] = plan(&original, &ids, &opts.properties)?;
    let known: Vec<(usize, Scenario)> = goal
        .iter()
        .filter_map(|i| {
            let c = original.properties.get(*i)?.counterexample.as_ref()?;
            Some((*i, c.scenario.clone()))
        })
        .collect();
    let name = |v: &[usize]| v.iter().filter_map(|i| ids.get(*i).cloned()).collect::<Vec<_>>();
    let mut report = RepairReport {
        properties: ids.clone(),
        goal: name(&goal),
        left_violated: name(&left),
        scenarios: original.space.scenarios,
        candidates: 0,
        candidate_edits: Vec::new(),
        tried: 0,
        checked: 0,
        max_edits: opts.max_edits,
        repairs: Vec::new(),
        blocked: None,
    };
    if known.is_empty() {
        return Ok(report);
    }
    let reload = match &draft.root {
        Some(root) => Some(Reload::read(draft, root)?),
        None => None,
    };
    let mut s = Search {
        draft,
        props_text,
        opts,
        reload,
        must,
        goal: goal.clone(),
        known,
        rejected: BTreeMap::new(),
        tried: 0,
        checked: 0,
    };
    let cands = s.candidates(&engine, &props)?;
    report.candidates = cands.len();
    report.candidate_edits = cands.iter().map(|(e, _)| e.clone()).collect();
    say(&format!("{} candidate edits change a counterexample", cands.len()));
    let goal_touched: Vec<usize> = goal
        .iter()
        .copied()
        .filter(|g| cands.iter().any(|(_, t)| t.contains(g)))
        .collect();
    if let Some(g) = goal.iter().find(|g| !goal_touched.contains(g)) {
        report.blocked = Some(Blocked {
            property: ids.get(*g).cloned().unwrap_or_default(),
            why: "no edit of the kinds tried changes whether its counterexample violates it, or why".into(),
        });
        return Ok(report);
    }
    for k in 1..=opts.max_edits.min(cands.len()) {
        say(&format!("trying sets of {k} edit(s)"));
        let found = s.sets_of(k, &cands, &goal)?;
        if !found.is_empty() {
            report.repairs = s.rank(&found, &cands, &engine, ids.len() - left.len())?;
            break;
        }
    }
    report.tried = s.tried;
    report.checked = s.checked;
    if report.repairs.is_empty() {
        report.blocked = s
            .blocker(&ids)
            .or_else(|| too_many(&goal, &cands, &ids, opts.max_edits));
    }
    Ok(report)
}

fn exhaustive(opts: &RepairOptions) -> verify::VerifyOptions {
    verify::VerifyOptions {
        sample: None,
        progress: None,
        ..opts.verify.clone()
    }
}

fn holds(r: &VerifyReport, i: usize) -> bool {
    r.properties
        .get(i)
        .is_some_and(|p| matches!(p.outcome, Outcome::Proven | Outcome::Vacuous))
}

/// The properties to repair, those violated and left as they are, and those that must hold
/// after a repair (the goal first), by index.
fn plan(original: &VerifyReport, ids: &[String], asked: &[String]) -> Result<[Vec<usize>; 3], RepairError> {
    let violated: Vec<usize> = (0..ids.len()).filter(|i| !holds(original, *i)).collect();
    let goal = goal_of(ids, &violated, asked)?;
    let left: Vec<usize> = violated.iter().copied().filter(|i| !goal.contains(i)).collect();
    let mut must = goal.clone();
    must.extend((0..ids.len()).filter(|i| !goal.contains(i) && !left.contains(i)));
    Ok([goal, left, must])
}

/// The properties to repair: those asked for, or every violated one.
fn goal_of(ids: &[String], violated: &[usize], asked: &[String]) -> Result<Vec<usize>, RepairError> {
    if asked.is_empty() {
        return Ok(violated.to_vec());
    }
    let mut out = Vec::new();
    for a in asked {
        let Some(i) = ids.iter().position(|x| x == a) else {
            return Err(RepairError::UnknownProperty {
                id: a.clone(),
                hint: crate::names::suggest(a, ids.iter().map(String::as_str)),
            });
        };
        if violated.contains(&i) && !out.contains(&i) {
            out.push(i);
        }
    }
    Ok(out)
}

impl Search<'_> {
    /// Every candidate edit that changes, for some counterexample of the goal, whether its
    /// property is violated or why; with the goal properties it so touches.
    fn candidates(&mut self, engine: &Engine, props: &Properties) -> Result<Vec<(Edit, Vec<usize>)>, RepairError> {
        let before: Vec<Option<String>> = self
            .known
            .iter()
            .map(|(i, sc)| {
                props
                    .properties
                    .get(*i)
                    .and_then(|p| verify::violated_in(engine, p, sc))
            })
            .collect();
        let words: String = before.iter().flatten().cloned().collect::<Vec<_>>().join(" ");
        let goal: Vec<&verify::Property> = self.goal.iter().filter_map(|i| props.properties.get(*i)).collect();
        let seeds = Seeds::of(self.known.iter().map(|(_, sc)| sc)).with_rules(engine, &goal);
        let all = edits::candidates(&self.draft.files, &seeds);
        let mut tried = Vec::new();
        for e in all {
            let named = |id: &str| words.split(|c: char| !c.is_alphanumeric() && c != '_').any(|w| w == id);
            // A party or a form is removed or required only when a counterexample's
            // violation names it.
            if matches!(
                e.kind,
                edits::EditKind::RemoveParty | edits::EditKind::RemoveObligor | edits::EditKind::AddForm
            ) && !e.what.split(' ').nth(1).is_some_and(named)
            {
                continue;
            }
            tried.push(e);
        }
        // Each edit is loaded on its own, in parallel; kept in the order of the vocabulary.
        let touched: Vec<Vec<usize>> = tried.par_iter().map(|e| self.touched(e, &before)).collect();
        let kept: Vec<(Edit, Vec<usize>)> = tried.into_iter().zip(touched).filter(|(_, t)| !t.is_empty()).collect();
        if kept.len() > self.opts.max_candidates {
            return Err(RepairError::OverBudget {
                reached: format!("{} candidate edits", kept.len()),
                limit: self.opts.max_candidates as u64,
                field: "max_candidates",
                narrow: "repair fewer properties at once (--property ID)",
            });
        }
        Ok(kept)
    }

    /// The goal properties (by index) whose known counterexample the edit `e` alone changes:
    /// whether the property is violated there, or why (`before`: why it is, unedited).
    fn touched(&self, e: &Edit, before: &[Option<String>]) -> Vec<usize> {
        let Some((new, props)) = self.load(&[e]) else {
            return Vec::new();
        };
        self.known
            .iter()
            .zip(before)
            .filter(|((i, sc), was)| {
                props
                    .properties
                    .get(*i)
                    .map(|p| verify::violated_in(&new, p, sc))
                    .as_ref()
                    != Some(*was)
            })
            .map(|((i, _), _)| *i)
            .collect()
    }

    /// The engine of the rule set with the edited texts `texts` in place of its files.
    fn engine(&self, texts: &[(usize, String)]) -> Result<Engine, RepairError> {
        match &self.reload {
            Some(r) => r.engine(self.draft, texts),
            None => self.draft.engine(texts),
        }
    }

    /// The engine and properties of the rule set with `edits` applied; `None` when the edits
    /// make it invalid.
    fn load(&self, edits: &[&Edit]) -> Option<(Engine, Properties)> {
        let texts = self.draft.patched(edits);
        let engine = self.engine(&texts).ok()?;
        let props = Properties::parse(self.props_text.0, self.props_text.1.into(), &engine).ok()?;
        Some((engine, props))
    }

    /// Every set of `k` candidates that is a repair: no two clash, together they touch every
    /// goal property, no known counterexample still violates its property, and the
    /// exhaustive walk proves every property that must hold.
    fn sets_of(
        &mut self,
        k: usize,
        cands: &[(Edit, Vec<usize>)],
        goal: &[usize],
    ) -> Result<Vec<(Vec<usize>, u128)>, RepairError> {
        let mut found = Vec::new();
        let mut ix: Vec<usize> = (0..k).collect();
        let batch = rayon::current_num_threads().max(1);
        let mut more = true;
        while more {
            // The next admissible sets, as many as there are threads to load them at once;
            // then each is checked in turn, in the order of the combinations, as before.
            let mut sets = Vec::new();
            while more && sets.len() < batch {
                if self.admissible(&ix, cands, goal) {
                    sets.push(ix.clone());
                }
                more = next_combination(&mut ix, cands.len());
            }
            let loaded: Vec<Option<(Engine, Properties)>> = sets
                .par_iter()
                .map(|set| {
                    let edits: Vec<&Edit> = set.iter().filter_map(|i| cands.get(*i).map(|c| &c.0)).collect();
                    self.load(&edits)
                })
                .collect();
            for (set, l) in sets.into_iter().zip(loaded) {
                if let Some(scenarios) = self.proves(l)? {
                    found.push((set, scenarios));
                }
            }
        }
        Ok(found)
    }

    fn admissible(&self, ix: &[usize], cands: &[(Edit, Vec<usize>)], goal: &[usize]) -> bool {
        let set: Vec<&(Edit, Vec<usize>)> = ix.iter().filter_map(|i| cands.get(*i)).collect();
        let clash = set
            .iter()
            .enumerate()
            .any(|(a, x)| set.iter().skip(a + 1).any(|y| x.0.clashes(&y.0)));
        !clash && goal.iter().all(|g| set.iter().any(|(_, t)| t.contains(g)))
    }

    /// The size of the space over which a set of candidates, `loaded` (`None` when its edits
    /// make the rule set invalid), was proved a repair by the exhaustive walk; `None` when it
    /// is not one.
    fn proves(&mut self, loaded: Option<(Engine, Properties)>) -> Result<Option<u128>, RepairError> {
        self.tried += 1;
        let Some((engine, props)) = loaded else {
            return Ok(None);
        };
        for (i, sc) in &self.known {
            if self.must.contains(i)
                && props
                    .properties
                    .get(*i)
                    .is_some_and(|p| verify::violated_in(&engine, p, sc).is_some())
            {
                *self.rejected.entry(*i).or_default() += 1;
                return Ok(None);
            }
        }
        self.checked += 1;
        if self.checked > self.opts.max_checks {
            return Err(RepairError::OverBudget {
                reached: format!("{} sets of edits checked exhaustively", self.checked),
                limit: self.opts.max_checks,
                field: "max_checks",
                narrow: "lower --max-edits, or repair fewer properties at once (--property ID)",
            });
        }
        // The goal first, in one walk each, so that a set that fails it costs the least.
        let (goal, rest): (Vec<usize>, Vec<usize>) = self.must.iter().partition(|i| self.goal.contains(i));
        for group in [goal, rest] {
            if !self.walk(&engine, &props, &group)? {
                return Ok(None);
            }
        }
        Ok(Some(scenarios_of(&engine)))
    }

    /// Whether the properties `which` all hold over the exhaustive space of `engine`; a
    /// counterexample found is kept for the next sets.
    fn walk(&mut self, engine: &Engine, props: &Properties, which: &[usize]) -> Result<bool, RepairError> {
        let some = Properties {
            properties: which.iter().filter_map(|i| props.properties.get(*i).cloned()).collect(),
            nodes: props.nodes.clone(),
        };
        if some.properties.is_empty() {
            return Ok(true);
        }
        let r = verify::verify(engine, &some, &exhaustive(self.opts), None)?;
        for (pr, i) in r.properties.iter().zip(which) {
            if pr.mode == Mode::Sampled || !matches!(pr.outcome, Outcome::Proven | Outcome::Vacuous) {
                if let Some(c) = &pr.counterexample {
                    self.known.push((*i, c.scenario.clone()));
                }
                *self.rejected.entry(*i).or_default() += 1;
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The repairs found, with their patch, proof and side effects, fewest side effects first.
    fn rank(
        &self,
        found: &[(Vec<usize>, u128)],
        cands: &[(Edit, Vec<usize>)],
        engine: &Engine,
        hold: usize,
    ) -> Result<Vec<Repair>, RepairError> {
        // Each repair's diff against the original, in parallel; in the order found.
        let mut out = found
            .par_iter()
            .map(|(ix, scenarios)| {
                let mut edits: Vec<&Edit> = ix.iter().filter_map(|i| cands.get(*i).map(|c| &c.0)).collect();
                edits.sort_by_key(|e| (e.file_ix, e.start));
                self.repair_of(&edits, engine, (hold, *scenarios))
            })
            .collect::<Result<Vec<Repair>, RepairError>>()?;
        out.sort_by_key(|r| (r.side_effects.changed, r.side_effects.groups));
        out.truncate(self.opts.max_repairs);
        Ok(out)
    }

    fn repair_of(
        &self,
        edits: &[&Edit],
        engine: &Engine,
        (hold, scenarios): (usize, u128),
    ) -> Result<Repair, RepairError> {
        let texts = self.draft.patched(edits);
        let new = self.engine(&texts)?;
        let opts = DiffOptions {
            max_evaluations: self.opts.verify.max_evaluations,
            cancel: self.opts.verify.cancel.clone(),
            ..DiffOptions::default()
        };
        let d = verify::diff(engine, &new, &opts, None)?;
        let side_effects = SideEffects {
            changed: d.changed,
            groups: d.groups.len(),
            by_kind: d.scenarios_by_kind(),
            first: d.groups.iter().take(SHOWN).cloned().collect(),
        };
        Ok(Repair {
            edits: edits.iter().map(|e| (*e).clone()).collect(),
            patch: super::patch::unified(self.draft, &texts),
            hold,
            scenarios,
            side_effects,
            texts,
        })
    }

    /// The property that blocks every repair: the one that rejected the most sets tried.
    fn blocker(&self, ids: &[String]) -> Option<Blocked> {
        let (i, n) = self
            .rejected
            .iter()
            .max_by_key(|(i, n)| (**n, std::cmp::Reverse(**i)))?;
        Some(Blocked {
            property: ids.get(*i).cloned().unwrap_or_default(),
            why: format!(
                "{n} of the {} sets of up to {} edits tried fail it",
                self.tried, self.opts.max_edits
            ),
        })
    }
}

/// When no set of up to `max_edits` candidates touches every property to repair: the one
/// the fewest candidates touch.
fn too_many(goal: &[usize], cands: &[(Edit, Vec<usize>)], ids: &[String], max_edits: usize) -> Option<Blocked> {
    let g = goal
        .iter()
        .min_by_key(|g| cands.iter().filter(|(_, t)| t.contains(g)).count())?;
    Some(Blocked {
        property: ids.get(*g).cloned().unwrap_or_default(),
        why: format!(
            "no set of up to {max_edits} edits changes the counterexamples of every property to repair; this one is changed by the fewest edits"
        ),
    })
}

/// The size of the exhaustive space of a rule set, as `casus verify` reports it.
fn scenarios_of(engine: &Engine) -> u128 {
    verify::SpaceReport::of_engine(engine).scenarios
}

/// The groups of the diff a repair report shows.
const SHOWN: usize = 5;

/// The next `k`-combination of `0..n` in lexicographic order; `false` after the last.
fn next_combination(ix: &mut [usize], n: usize) -> bool {
    let k = ix.len();
    for pos in (0..k).rev() {
        let Some(v) = ix.get(pos).copied() else { return false };
        if v < n - k + pos {
            for (j, slot) in ix.iter_mut().enumerate().skip(pos) {
                *slot = v + 1 + (j - pos);
            }
            return true;
        }
    }
    false
}
