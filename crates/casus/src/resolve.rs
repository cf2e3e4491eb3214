//! Validation and compilation in one pass: every id is looked up, every date checked, every
//! condition resolved to interned integers. What is wrong becomes a diagnostic with the file,
//! line and column of the offending value and, for a misspelled id, the closest existing one.

use std::collections::HashMap;
use std::sync::Arc;

use crate::diag::{Diagnostics, FileCtx, Position, Severity, suggest};
use crate::engine::{
    Benef, Clause, ClauseIx, Engine, Fact, FactIx, Index, LTest, Line, Node, NodeIx, NotModelled, Obligation, Obligors,
    PTest, Party, PartyIx, Period, Place, PlaceIx, PlaceKind, Reading, Reservation, Treaty, TreatyIx, TreatyMember,
    form_bits,
};
use crate::load::Limits;
use crate::model::{self, Condition, Id, PartyKind, PartyTest, PlaceTest, RuleFile};
use crate::model::{Location, Spanned};
use crate::time::When;
use crate::vocab::{Caveat, Deadline};

pub(crate) const BUILTIN_FACTS: [(&str, &str); 3] = [
    ("provoked", "the target provoked the attack"),
    ("requested", "the target asked for assistance or invoked the clause"),
    (
        "determined",
        "the treaty's competent body determined that the event qualifies",
    ),
];

struct Decl<'a> {
    ctx: &'a FileCtx,
    loc: Location,
}

struct Resolver<'a> {
    diags: Diagnostics,
    limits: &'a Limits,
    e: Engine,
    /// Where each party id was first declared (ids borrowed from the parsed files, as in the
    /// tables below: a load copies an id only into the engine).
    party_decl: HashMap<&'a str, Decl<'a>>,
    place_decl: HashMap<&'a str, Decl<'a>>,
    tag_ix: HashMap<&'a str, u32>,
    clause_ix: HashMap<(TreatyIx, &'a str), ClauseIx>,
    /// Where each clause (by index) is declared, for errors found after all are defined.
    clause_at: Vec<(&'a FileCtx, Location)>,
    /// A count limit was passed: the rule set is refused, and the definitions pass is skipped
    /// (its unknown ids would only repeat the point, at the cost of a suggestion each).
    over: bool,
    /// Codes of the count limits already reported (each is reported once).
    reported: Vec<&'static str>,
    /// Candidate comparisons left for "did you mean" suggestions (see [`SUGGEST_BUDGET`]).
    suggest_budget: usize,
    /// Lines of contact by id (`lines:`), for `across_line:`.
    line_ix: HashMap<String, u32>,
    /// The treaty whose clauses are being resolved (`deployed_under: treaty` names it).
    current_treaty: Option<TreatyIx>,
}

/// Most candidate comparisons spent on "did you mean" suggestions in one load. A file with
/// very many unknown ids against a very large rule set would otherwise cost their product;
/// past the budget, unknown ids are still errors, only without a suggestion.
const SUGGEST_BUDGET: usize = 1_000_000;

/// The closest of `candidates` to `word`, if the budget still covers all of them (so that the
/// answer never depends on the order of a hash map).
fn suggest_within<'c>(
    budget: &mut usize,
    word: &str,
    candidates: impl ExactSizeIterator<Item = &'c str>,
) -> Option<String> {
    let n = candidates.len();
    if n > *budget {
        *budget = 0;
        return None;
    }
    *budget -= n;
    suggest(word, candidates)
}

pub(crate) fn resolve(
    files: &[(FileCtx, Arc<RuleFile>)],
    limits: &Limits,
    diags: Diagnostics,
) -> (Engine, Diagnostics) {
    let e = Engine {
        not_modelled: Vec::new(),
        lines: Vec::new(),
        parties: Vec::new(),
        places: Vec::new(),
        tags: Vec::new(),
        facts: Vec::new(),
        treaties: Vec::new(),
        clauses: Vec::new(),
        nodes: Vec::new(),
        index: Index::default(),
        place_fast: Vec::new(),
        clause_hot: Vec::new(),
        program: Vec::new(),
        treaty_rows: Vec::new(),
        member_rows: Vec::new(),
        treaty_party_rows: Vec::new(),
        party_rows: Vec::new(),
        party_ix: HashMap::new(),
        place_ix: HashMap::new(),
        fact_ix: HashMap::new(),
        treaty_ix: HashMap::new(),
        names: std::sync::OnceLock::new(),
        lexicon: std::sync::OnceLock::new(),
    };
    let mut r = Resolver {
        diags,
        limits,
        e,
        party_decl: HashMap::new(),
        place_decl: HashMap::new(),
        tag_ix: HashMap::new(),
        clause_ix: HashMap::new(),
        clause_at: Vec::new(),
        over: false,
        reported: Vec::new(),
        suggest_budget: SUGGEST_BUDGET,
        line_ix: HashMap::new(),
        current_treaty: None,
    };
    r.declare(files);
    if !r.over {
        r.define(files);
    }
    if !r.over {
        r.check_clause_parties();
    }
    (r.e, r.diags)
}

fn pos(ctx: &FileCtx, loc: &Location, fallback: &Location) -> Position {
    if loc.line() == 0 { ctx.at(fallback) } else { ctx.at(loc) }
}

impl<'a> Resolver<'a> {
    fn err(&mut self, ctx: &FileCtx, code: &'static str, at: Position, msg: String, help: Option<String>) {
        self.diags.push(ctx.error(code, at, msg, help));
    }

    fn warn(&mut self, ctx: &FileCtx, code: &'static str, at: Position, msg: String, help: Option<String>) {
        let mut d = ctx.error(code, at, msg, help);
        d.severity = Severity::Warning;
        self.diags.push(d);
    }

    /// Checks that an id of any kind has the form every id has (see [`valid_id`]).
    fn check_id(&mut self, ctx: &FileCtx, id: &Id, kind: &str) {
        if !valid_id(&id.value) {
            let shown: String = crate::text::visible(&id.value).chars().take(80).collect();
            self.err(
                ctx,
                "bad-id",
                ctx.at(&id.referenced),
                format!("`{shown}` is not a valid {kind} id"),
                Some("an id is 1 to 64 ASCII letters, digits, `_` and `-`".into()),
            );
        }
    }

    /// Checks a free text of the item whose id is `id`: a name or citation (`one_line`) holds
    /// no control character and something visible; a note or description may break lines.
    /// Text that could move a terminal's cursor or change its colours never reaches output.
    fn check_text(&mut self, ctx: &FileCtx, id: &Id, what: &str, text: &str, one_line: bool) {
        if let Some(problem) = crate::text::problem(text, one_line) {
            self.err(
                ctx,
                "bad-text",
                ctx.at(&id.referenced),
                format!("the {what} of `{}` {problem}", crate::text::visible(&id.value)),
                Some("remove control and direction-override characters; write plain text".into()),
            );
        }
    }

    /// Whether one more of a kind (there are `count`) fits under `max`. The first time one
    /// does not, says so, naming the limit; the load then fails.
    #[allow(clippy::too_many_arguments)]
    fn fits(
        &mut self,
        ctx: &FileCtx,
        at: &Location,
        count: usize,
        max: usize,
        code: &'static str,
        what: &str,
        limit: &str,
    ) -> bool {
        if count < max {
            return true;
        }
        self.over = true;
        if !self.reported.contains(&code) {
            self.reported.push(code);
            self.err(
                ctx,
                code,
                ctx.at(at),
                format!("more than {max} {what} in the rule set ({limit})"),
                Some("split the rule set, or raise the limit if the files are trusted (docs/limits.md)".into()),
            );
        }
        false
    }

    /// Checks the clause–party pairs against `max_clause_parties`: for every clause and each
    /// of its readings, the parties of its treaty plus those its `target:` tests can name.
    fn check_clause_parties(&mut self) {
        let max = self.limits.max_clause_parties;
        let mut total: usize = 0;
        for (cix, c) in self.e.clauses.iter().enumerate() {
            let own = self.e.treaties.get(c.treaty as usize).map_or(0, |t| t.ever.len());
            let triggers = std::iter::once(c.trigger).chain(c.readings.iter().map(|r| r.trigger));
            for trig in triggers {
                total = total.saturating_add(own).saturating_add(self.target_parties(trig, own));
            }
            if total > max {
                let Some(&(ctx, loc)) = self.clause_at.get(cix) else {
                    return;
                };
                let msg = format!(
                    "clause `{}` brings the clause–party pairs of the rule set to more than {max} (max_clause_parties)",
                    c.id
                );
                let help = "each clause counts the parties of its treaty and those its `target:` tests name, once per reading; split the rule set, or raise the limit if the files are trusted (docs/limits.md)";
                self.diags
                    .push(ctx.error("limit-clause-parties", ctx.at(&loc), msg, Some(help.into())));
                return;
            }
        }
    }

    /// How many parties the `target:` tests of a condition can name, at most.
    fn target_parties(&self, root: NodeIx, own: usize) -> usize {
        let mut total: usize = 0;
        let mut stack = vec![root];
        while let Some(ix) = stack.pop() {
            match self.e.nodes.get(ix as usize) {
                Some(Node::All(kids) | Node::Any(kids)) => stack.extend(kids.iter().copied()),
                Some(Node::Not(kid)) => stack.push(*kid),
                Some(Node::Target(t)) => {
                    let n = match t {
                        PTest::TreatyParty => own,
                        PTest::PartyTo(x) => self.e.treaties.get(*x as usize).map_or(0, |t| t.ever.len()),
                        PTest::Is(v) => v.len(),
                        PTest::MemberOf(o) => self.e.parties.get(*o as usize).map_or(0, |p| p.members.len()),
                        _ => 0,
                    };
                    total = total.saturating_add(n);
                }
                _ => {}
            }
        }
        total
    }

    fn duplicate(&mut self, ctx: &FileCtx, kind: &str, id: &Id, first: Option<(&FileCtx, Location)>) {
        let help = first.map(|(c, l)| format!("first declared at {}", c.at(&l)));
        self.err(
            ctx,
            "duplicate-id",
            ctx.at(&id.referenced),
            format!("duplicate {kind} id `{}`", id.value),
            help,
        );
    }

    // ---- pass 1: declarations ----------------------------------------------------------

    fn declare(&mut self, files: &'a [(FileCtx, Arc<RuleFile>)]) {
        // Room for every declaration at once: growing these by doubling would leave up to
        // half of each unused while the parsed files are still held.
        let count = |f: fn(&RuleFile) -> usize| files.iter().map(|(_, x)| f(x)).sum::<usize>();
        let parties = count(|f| f.parties.len());
        self.e.parties.reserve_exact(parties);
        self.e
            .places
            .reserve_exact(parties + count(|f| f.territories.len() + f.areas.len()));
        self.e.treaties.reserve_exact(count(|f| f.treaties.len()));
        for (id, description) in BUILTIN_FACTS {
            let ix = self.e.facts.len() as FactIx;
            self.e.facts.push(Fact {
                id: id.into(),
                description: description.into(),
            });
            self.e.fact_ix.insert(id.into(), ix);
        }
        for (ctx, f) in files {
            for t in &f.tags {
                if self.tag_ix.contains_key(t.id.value.as_str()) {
                    self.duplicate(ctx, "tag", &t.id, None);
                    continue;
                }
                let (n, max) = (self.e.tags.len(), self.limits.max_tags);
                if !self.fits(ctx, &t.id.referenced, n, max, "limit-tags", "tags", "max_tags") {
                    continue;
                }
                self.check_id(ctx, &t.id, "tag");
                self.check_text(ctx, &t.id, "description", &t.description, false);
                self.tag_ix.insert(&t.id.value, self.e.tags.len() as u32);
                self.e.tags.push((t.id.value.clone(), t.description.clone()));
            }
            for fact in &f.facts {
                if self.e.fact_ix.contains_key(&fact.id.value) {
                    self.duplicate(ctx, "fact", &fact.id, None);
                    continue;
                }
                let (n, max) = (self.e.facts.len(), self.limits.max_facts.min(Limits::FACTS_CEILING));
                if !self.fits(
                    ctx,
                    &fact.id.referenced,
                    n,
                    max,
                    "limit-facts",
                    "named facts",
                    "max_facts",
                ) {
                    continue;
                }
                self.check_id(ctx, &fact.id, "fact");
                self.check_text(ctx, &fact.id, "description", &fact.description, false);
                let ix = self.e.facts.len() as FactIx;
                self.e.facts.push(Fact {
                    id: fact.id.value.clone(),
                    description: fact.description.clone(),
                });
                self.e.fact_ix.insert(fact.id.value.clone(), ix);
            }
            for p in &f.parties {
                if let Some(first) = self.party_decl.get(p.id.value.as_str()) {
                    let first = (first.ctx, first.loc);
                    self.duplicate(ctx, "party", &p.id, Some(first));
                    continue;
                }
                let (n, max) = (self.e.parties.len(), self.limits.max_parties);
                if !self.fits(ctx, &p.id.referenced, n, max, "limit-parties", "parties", "max_parties") {
                    continue;
                }
                self.check_id(ctx, &p.id, "party");
                self.check_text(ctx, &p.id, "name", &p.name, true);
                for alias in &p.aliases {
                    self.check_text(ctx, &p.id, "alias", alias, true);
                }
                self.party_decl.insert(
                    &p.id.value,
                    Decl {
                        ctx,
                        loc: p.id.referenced,
                    },
                );
                for c in &p.cow {
                    self.order(ctx, c.from.as_ref(), c.before.as_ref(), "from", "before");
                }
                let ix = self.e.parties.len() as PartyIx;
                self.e.party_ix.insert(p.id.value.clone(), ix);
                self.e.parties.push(Party {
                    id: p.id.value.clone(),
                    name: p.name.clone(),
                    kind: p.kind,
                    members: Vec::new(),
                    cow: p
                        .cow
                        .iter()
                        .map(|c| {
                            (
                                c.code,
                                c.from.as_ref().map(|w| w.value),
                                c.before.as_ref().map(|w| w.value),
                            )
                        })
                        .collect(),
                });
            }
            for t in &f.treaties {
                if self.e.treaty_ix.contains_key(&t.id.value) {
                    self.duplicate(ctx, "treaty", &t.id, None);
                    continue;
                }
                let (n, max) = (self.e.treaties.len(), self.limits.max_treaties);
                if !self.fits(
                    ctx,
                    &t.id.referenced,
                    n,
                    max,
                    "limit-treaties",
                    "treaties",
                    "max_treaties",
                ) {
                    continue;
                }
                self.check_id(ctx, &t.id, "treaty");
                self.check_text(ctx, &t.id, "name", &t.name, true);
                for (what, text) in [("source", &t.source), ("note", &t.note)] {
                    if let Some(text) = text {
                        self.check_text(ctx, &t.id, what, text, false);
                    }
                }
                let ix = self.e.treaties.len() as TreatyIx;
                self.e.treaty_ix.insert(t.id.value.clone(), ix);
                self.e.treaties.push(Treaty {
                    id: t.id.value.clone(),
                    name: t.name.clone(),
                    status: t.status,
                    signed: t.signed.as_ref().map(|w| w.value),
                    in_force: t.in_force.as_ref().map(|w| w.value),
                    terminated: t.terminated.as_ref().map(|w| w.value),
                    source: t.source.clone(),
                    note: t.note.clone(),
                    members: Vec::new(),
                    ever: Vec::new(),
                    simple_members: false,
                    accession: t.accession.clone(),
                    withdrawal: t.withdrawal.clone(),
                    clauses: Vec::new(),
                    reservations: Vec::new(),
                    lapses: t
                        .lapses
                        .iter()
                        .map(|l| (l.party.value.clone(), l.joins.value.clone(), l.note.clone()))
                        .collect(),
                    lapsed: None,
                });
            }
        }
        // Places: explicit territories and areas, then implicit main territories of states.
        for (ctx, f) in files {
            for t in &f.territories {
                self.declare_place(ctx, &t.id, &t.name, PlaceKind::Territory);
            }
            for a in &f.areas {
                self.declare_place(ctx, &a.id, &a.name, PlaceKind::Area);
            }
        }
        for (ctx, f) in files {
            for p in &f.parties {
                if p.kind == PartyKind::State && !self.place_decl.contains_key(p.id.value.as_str()) {
                    let Some(&owner) = self.e.party_ix.get(&p.id.value) else {
                        continue;
                    };
                    if self.e.place_ix.contains_key(&p.id.value) {
                        continue; // a duplicate party id: its main territory exists already
                    }
                    let (n, max) = (self.e.places.len(), self.limits.max_places);
                    if !self.fits(ctx, &p.id.referenced, n, max, "limit-places", "places", "max_places") {
                        continue;
                    }
                    let ix = self.e.places.len() as PlaceIx;
                    self.e.place_ix.insert(p.id.value.clone(), ix);
                    let (tags, names) = self.tags(ctx, &p.territory_tags, &p.id.referenced);
                    self.e.places.push(Place {
                        id: p.id.value.clone(),
                        name: p.name.clone(),
                        kind: PlaceKind::Territory,
                        sovereign: vec![Period {
                            party: owner,
                            from: None,
                            to: None,
                        }],
                        controller: None,
                        administrator: None,
                        tags,
                        tag_names: names,
                        within: None,
                        aliases: p.aliases.clone(),
                    });
                } else if p.kind == PartyKind::State && !p.territory_tags.is_empty() {
                    let at = ctx.at(&p.id.referenced);
                    self.err(
                        ctx,
                        "territory-tags-ignored",
                        at,
                        format!(
                            "`{}` has `territory_tags`, but its main territory is declared under `territories:`, whose tags are the ones that count",
                            p.id.value
                        ),
                        Some("move the tags to the territory's `tags:`".into()),
                    );
                } else if p.kind != PartyKind::State && !p.territory_tags.is_empty() {
                    let at = ctx.at(&p.id.referenced);
                    self.err(
                        ctx,
                        "no-territory",
                        at,
                        format!("`{}` is not a state and has no territory to tag", p.id.value),
                        Some("remove `territory_tags`".into()),
                    );
                }
            }
        }
    }

    fn declare_place(&mut self, ctx: &'a FileCtx, id: &'a Id, name: &str, kind: PlaceKind) {
        self.check_id(ctx, id, "place");
        self.check_text(ctx, id, "name", name, true);
        let party = self
            .e
            .party_ix
            .get(&id.value)
            .and_then(|&ix| self.e.parties.get(ix as usize));
        if let Some(party) = party
            && (kind == PlaceKind::Area || party.kind != PartyKind::State)
        {
            let what = if kind == PlaceKind::Area {
                "sea or air area"
            } else {
                "territory"
            };
            let msg = format!("the {what} `{}` has the id of a party", id.value);
            self.err(
                ctx,
                "id-clash",
                ctx.at(&id.referenced),
                msg,
                Some(
                    "ids are unique across parties, territories and areas; only a territory may take a \
                     state's id, to declare that state's main territory"
                        .into(),
                ),
            );
            return;
        }
        if let Some(first) = self.place_decl.get(id.value.as_str()) {
            let first = (first.ctx, first.loc);
            self.duplicate(ctx, "place", id, Some(first));
            return;
        }
        let (n, max) = (self.e.places.len(), self.limits.max_places);
        if !self.fits(ctx, &id.referenced, n, max, "limit-places", "places", "max_places") {
            return;
        }
        self.place_decl.insert(
            &id.value,
            Decl {
                ctx,
                loc: id.referenced,
            },
        );
        let ix = self.e.places.len() as PlaceIx;
        self.e.place_ix.insert(id.value.clone(), ix);
        self.e.places.push(Place {
            id: id.value.clone(),
            name: name.into(),
            kind,
            sovereign: Vec::new(),
            controller: None,
            administrator: None,
            tags: Vec::new(),
            tag_names: Vec::new(),
            within: None,
            aliases: Vec::new(),
        });
    }

    // ---- lookups -------------------------------------------------------------------------

    /// Looks an id up in one namespace; an unknown id becomes an error with the closest match.
    #[allow(clippy::too_many_arguments)]
    fn lookup(
        diags: &mut Diagnostics,
        budget: &mut usize,
        map: &HashMap<String, u32>,
        ctx: &FileCtx,
        id: &Id,
        fallback: &Location,
        code: &'static str,
        kind: &str,
        declare: Option<&str>,
    ) -> Option<u32> {
        if let Some(&ix) = map.get(&id.value) {
            return Some(ix);
        }
        let help = match suggest_within(budget, &id.value, map.keys().map(String::as_str)) {
            Some(s) => Some(format!("did you mean `{s}`?")),
            None => declare.map(String::from),
        };
        let at = pos(ctx, &id.referenced, fallback);
        diags.push(ctx.error(code, at, format!("unknown {kind} `{}`", id.value), help));
        None
    }

    fn party(&mut self, ctx: &FileCtx, id: &Id, fallback: &Location) -> Option<PartyIx> {
        let declare = "declare the party under `parties:` (states use ISO 3166-1 alpha-3 codes)";
        Self::lookup(
            &mut self.diags,
            &mut self.suggest_budget,
            &self.e.party_ix,
            ctx,
            id,
            fallback,
            "unknown-party",
            "party",
            Some(declare),
        )
    }

    fn place(&mut self, ctx: &FileCtx, id: &Id, fallback: &Location) -> Option<PlaceIx> {
        let declare = "declare it under `territories:` or `areas:`";
        let kind = "territory or area";
        Self::lookup(
            &mut self.diags,
            &mut self.suggest_budget,
            &self.e.place_ix,
            ctx,
            id,
            fallback,
            "unknown-place",
            kind,
            Some(declare),
        )
    }

    fn treaty(&mut self, ctx: &FileCtx, id: &Id, fallback: &Location) -> Option<TreatyIx> {
        Self::lookup(
            &mut self.diags,
            &mut self.suggest_budget,
            &self.e.treaty_ix,
            ctx,
            id,
            fallback,
            "unknown-treaty",
            "treaty",
            None,
        )
    }

    fn fact(&mut self, ctx: &FileCtx, id: &Id, fallback: &Location) -> Option<FactIx> {
        let declare = "declare it under `facts:` with a description";
        Self::lookup(
            &mut self.diags,
            &mut self.suggest_budget,
            &self.e.fact_ix,
            ctx,
            id,
            fallback,
            "unknown-fact",
            "fact",
            Some(declare),
        )
    }

    fn tags(&mut self, ctx: &FileCtx, ids: &[Id], fallback: &Location) -> (Vec<u64>, Vec<String>) {
        let mut bits = vec![0u64; self.e.tags.len().div_ceil(64).max(1)];
        let mut names = Vec::new();
        for t in ids {
            match self.tag_ix.get(t.value.as_str()) {
                Some(&ix) => {
                    if let Some(w) = bits.get_mut((ix / 64) as usize) {
                        *w |= 1u64 << (ix % 64);
                    }
                    names.push(t.value.clone());
                }
                None => {
                    let hint = suggest_within(&mut self.suggest_budget, &t.value, self.tag_ix.keys().copied());
                    let help = Some(match hint {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "declare the tag under `tags:` with a description".into(),
                    });
                    self.err(
                        ctx,
                        "unknown-tag",
                        pos(ctx, &t.referenced, fallback),
                        format!("unknown tag `{}`", t.value),
                        help,
                    );
                }
            }
        }
        (bits, names)
    }

    fn periods(&mut self, ctx: &FileCtx, h: &Spanned<model::Holder>) -> Vec<Period> {
        let mut out = Vec::new();
        for p in &h.value.0 {
            let Some(party) = self.party(ctx, &p.party, &h.referenced) else {
                continue;
            };
            self.order(ctx, p.from.as_ref(), p.to.as_ref(), "from", "to");
            out.push(Period {
                party,
                from: p.from.as_ref().map(|w| w.value),
                to: p.to.as_ref().map(|w| w.value),
            });
        }
        out
    }

    fn order(&mut self, ctx: &FileCtx, a: Option<&Spanned<When>>, b: Option<&Spanned<When>>, an: &str, bn: &str) {
        if let (Some(a), Some(b)) = (a, b) {
            let same_allowed = an == "signed";
            let bad = if same_allowed {
                b.value.sort_key() < a.value.sort_key()
            } else {
                b.value.sort_key() <= a.value.sort_key()
            };
            if bad {
                let msg = format!("`{bn}` ({}) is not after `{an}` ({})", b.value, a.value);
                self.err(
                    ctx,
                    "date-order",
                    ctx.at(&b.referenced),
                    msg,
                    Some(format!(
                        "`{bn}` must come after `{an}`; periods run from `{an}` up to, not including, `{bn}`"
                    )),
                );
            }
        }
    }

    // ---- pass 2: definitions --------------------------------------------------------------

    fn define(&mut self, files: &'a [(FileCtx, Arc<RuleFile>)]) {
        for (ctx, f) in files {
            for p in &f.parties {
                let Some(&ix) = self.e.party_ix.get(&p.id.value) else {
                    continue;
                };
                if p.kind == PartyKind::State && !p.members.is_empty() {
                    let at = ctx.at(&p.id.referenced);
                    self.err(
                        ctx,
                        "state-members",
                        at,
                        format!("state `{}` cannot have members", p.id.value),
                        Some("use `kind: organization` or `kind: group`".into()),
                    );
                }
                let mut members = Vec::new();
                for m in &p.members {
                    if m.members_of.is_some() {
                        let at = ctx.at(&p.id.referenced);
                        self.err(
                            ctx,
                            "bad-member",
                            at,
                            "`members_of` is for treaty parties only".into(),
                            Some("list each member with `party:`".into()),
                        );
                    }
                    let Some(id) = &m.party else {
                        let at = ctx.at(&p.id.referenced);
                        self.err(
                            ctx,
                            "missing-key",
                            at,
                            format!("a member of `{}` has no `party`", p.id.value),
                            None,
                        );
                        continue;
                    };
                    let Some(party) = self.party(ctx, id, &p.id.referenced) else {
                        continue;
                    };
                    if party == ix {
                        let at = ctx.at(&id.referenced);
                        self.err(
                            ctx,
                            "own-member",
                            at,
                            format!("`{}` is listed as a member of itself", p.id.value),
                            Some("remove the entry; an organization or group lists other parties".into()),
                        );
                        continue;
                    }
                    self.order(ctx, m.joined.as_ref(), m.left.as_ref(), "joined", "left");
                    members.push(Period {
                        party,
                        from: m.joined.as_ref().map(|w| w.value),
                        to: m.left.as_ref().map(|w| w.value),
                    });
                }
                if let Some(party) = self.e.parties.get_mut(ix as usize) {
                    party.members = members;
                }
            }
            for t in &f.territories {
                self.define_place(ctx, (&t.id, &t.tags, &t.aliases), Some(t));
            }
            for a in &f.areas {
                self.define_place(ctx, (&a.id, &a.tags, &a.aliases), None);
            }
        }
        self.link_places(files);
        for (ctx, f) in files {
            for l in &f.lines {
                self.define_line(ctx, l);
            }
        }
        for (ctx, f) in files {
            for t in &f.treaties {
                self.define_treaty(ctx, t);
            }
            for n in &f.not_modelled {
                self.define_not_modelled(ctx, n);
            }
        }
        for (ctx, f) in files {
            for t in &f.treaties {
                self.apply_lapses(ctx, t);
            }
        }
    }

    /// Folds a treaty's `lapses:` into its end: the first day the party named becomes a party
    /// to the treaty (or a member of the organization) named, by the rule set's dates. A lapse
    /// whose event never happens in the rule set changes nothing.
    fn apply_lapses(&mut self, ctx: &FileCtx, t: &model::TreatyDecl) {
        if t.lapses.is_empty() || self.over {
            return;
        }
        let Some(&tix) = self.e.treaty_ix.get(&t.id.value) else {
            return;
        };
        let mut first: Option<(When, String)> = None;
        for l in &t.lapses {
            let Some(p) = self.party(ctx, &l.party, &t.id.referenced) else {
                continue;
            };
            let joined = if let Some(&other) = self.e.treaty_ix.get(&l.joins.value) {
                if other == tix {
                    self.err(
                        ctx,
                        "lapse-on-itself",
                        ctx.at(&l.joins.referenced),
                        format!("treaty `{}` cannot lapse when a party joins it", t.id.value),
                        Some("name another treaty or an organization in `joins`".into()),
                    );
                    continue;
                }
                self.first_joined_treaty(other, p)
            } else if let Some(&org) = self.e.party_ix.get(&l.joins.value) {
                self.first_joined_org(org, p, None)
            } else {
                let names: Vec<String> = self.e.treaty_ix.keys().chain(self.e.party_ix.keys()).cloned().collect();
                let hint = crate::suggest(&l.joins.value, names.iter().map(String::as_str));
                self.err(
                    ctx,
                    "unknown-treaty",
                    ctx.at(&l.joins.referenced),
                    format!("unknown treaty or organization `{}` in `joins`", l.joins.value),
                    Some(match hint {
                        Some(h) => format!("did you mean `{h}`?"),
                        None => "name a treaty id or an organization's party id".into(),
                    }),
                );
                continue;
            };
            let Some(day) = joined else { continue };
            if first.as_ref().is_none_or(|(d, _)| day.sort_key() < d.sort_key()) {
                first = Some((day, format!("{} joined {}", l.party.value, l.joins.value)));
            }
        }
        let Some((day, words)) = first else { return };
        if let Some(tr) = self.e.treaties.get_mut(tix as usize) {
            if tr.terminated.as_ref().is_none_or(|end| day.sort_key() < end.sort_key()) {
                tr.terminated = Some(day);
            }
            tr.lapsed = Some((day, words));
        }
    }

    /// The first day party `p` is a party to treaty `t` (directly or through an organization),
    /// if ever. An entry without a start counts from the treaty's entry into force.
    fn first_joined_treaty(&self, t: TreatyIx, p: PartyIx) -> Option<When> {
        let tr = self.e.treaties.get(t as usize)?;
        let start = tr.in_force.or(tr.signed);
        let mut best: Option<When> = None;
        for m in &tr.members {
            let from = m.from.or(start);
            let day = if m.party == Some(p) {
                from
            } else if let Some(org) = m.members_of {
                self.first_joined_org(org, p, from)
            } else {
                continue;
            };
            let Some(day) = day else { continue };
            if best.as_ref().is_none_or(|b| day.sort_key() < b.sort_key()) {
                best = Some(day);
            }
        }
        best
    }

    /// The first day party `p` is a member of organization `org`, not before `after`.
    fn first_joined_org(&self, org: PartyIx, p: PartyIx, after: Option<When>) -> Option<When> {
        let o = self.e.parties.get(org as usize)?;
        let mut best: Option<When> = None;
        for m in o.members.iter().filter(|m| m.party == p) {
            let day = match (m.from, after) {
                (Some(a), Some(b)) => Some(if a.sort_key() < b.sort_key() { b } else { a }),
                (a, b) => a.or(b),
            };
            let Some(day) = day else { continue };
            if m.to.as_ref().is_some_and(|to| to.sort_key() <= day.sort_key()) {
                continue;
            }
            if best.as_ref().is_none_or(|b| day.sort_key() < b.sort_key()) {
                best = Some(day);
            }
        }
        best
    }

    /// A line of contact: its id is unique among lines, its side is a party.
    fn define_line(&mut self, ctx: &FileCtx, l: &model::LineDecl) {
        self.check_id(ctx, &l.id, "line");
        for (what, text, one_line) in [("name", &l.name, true), ("note", &l.note, false)] {
            if let Some(text) = text {
                self.check_text(ctx, &l.id, what, text, one_line);
            }
        }
        if self.line_ix.contains_key(&l.id.value) {
            self.duplicate(ctx, "line", &l.id, None);
            return;
        }
        let Some(side) = self.party(ctx, &l.side, &l.id.referenced) else {
            return;
        };
        self.line_ix.insert(l.id.value.clone(), self.e.lines.len() as u32);
        self.e.lines.push(Line {
            id: l.id.value.clone(),
            name: l.name.clone(),
            date: l.date.value,
            side,
            note: l.note.clone(),
        });
    }

    /// `across_line: ID`: the place was on the line's side on its date, a holder test at a
    /// fixed date (so the engine and `casus verify` read it as they read `held_on`).
    fn across_line(&mut self, ctx: &FileCtx, id: &Id, at: &Location) -> Node {
        let declare = "declare the line under `lines:` in a rule file: `{id, date, side}`";
        let found = Self::lookup(
            &mut self.diags,
            &mut self.suggest_budget,
            &self.line_ix,
            ctx,
            id,
            at,
            "unknown-line",
            "line",
            Some(declare),
        );
        match found.and_then(|ix| self.e.lines.get(ix as usize)) {
            Some(l) => Node::Location(LTest::Holder(
                model::HolderRole::Controller,
                PTest::Is(vec![l.side]),
                Some(l.date),
            )),
            None => Node::Always(false),
        }
    }

    /// `deployed_under: [..]`: treaty ids, `treaty` for the clause's own; sorted, no repeats.
    fn deployed_under(&mut self, ctx: &FileCtx, ids: &model::Ids, at: &Location) -> Node {
        if ids.0.is_empty() {
            self.err(
                ctx,
                "empty-condition",
                ctx.at(at),
                "`deployed_under: []` names no treaty".into(),
                Some("write `deployed_under: treaty` for forces deployed under this clause's treaty".into()),
            );
        }
        let mut v = Vec::new();
        for id in &ids.0 {
            if id.value == "treaty" {
                v.extend(self.current_treaty);
            } else if let Some(t) = self.treaty(ctx, id, at) {
                v.push(t);
            }
        }
        v.sort_unstable();
        v.dedup();
        Node::DeployedUnder(v)
    }

    /// An instrument left out on purpose: its id is unique among them, every party it
    /// concerns exists.
    fn define_not_modelled(&mut self, ctx: &FileCtx, n: &model::NotModelledDecl) {
        self.check_id(ctx, &n.id, "instrument");
        if self.e.not_modelled.iter().any(|x| x.id == n.id.value) {
            let at = ctx.at(&n.id.referenced);
            self.err(
                ctx,
                "duplicate-id",
                at,
                format!("instrument `{}` is listed twice under `not_modelled`", n.id.value),
                Some("give each instrument its own id".into()),
            );
            return;
        }
        let concerns = n
            .concerns
            .iter()
            .filter_map(|p| self.party(ctx, p, &n.id.referenced))
            .collect();
        self.e.not_modelled.push(NotModelled {
            id: n.id.value.clone(),
            name: n.name.clone(),
            kind: n.kind.clone(),
            concerns,
            why: n.why.clone(),
            source: n.source.clone(),
        });
    }

    fn define_place(
        &mut self,
        ctx: &FileCtx,
        (id, tags, aliases): (&Id, &[Id], &[String]),
        t: Option<&model::TerritoryDecl>,
    ) {
        let Some(&ix) = self.e.place_ix.get(&id.value) else {
            return;
        };
        // Only the declaration that won the id defines it.
        if self
            .place_decl
            .get(id.value.as_str())
            .is_none_or(|d| d.ctx.path != ctx.path || d.loc != id.referenced)
        {
            return;
        }
        for alias in aliases {
            self.check_text(ctx, id, "alias", alias, true);
        }
        let (bits, names) = self.tags(ctx, tags, &id.referenced);
        let (sov, ctl, adm) = match t {
            Some(t) => {
                let sov = match &t.sovereign {
                    Some(h) => {
                        let sov = self.periods(ctx, h);
                        if sov.is_empty() && h.value.0.is_empty() {
                            let at = ctx.at(&h.referenced);
                            self.err(
                                ctx,
                                "no-sovereign",
                                at,
                                format!("territory `{}` has no sovereign", id.value),
                                Some("name the de jure sovereign".into()),
                            );
                        }
                        sov
                    }
                    None if t.within.is_none() => {
                        let at = ctx.at(&id.referenced);
                        self.err(
                            ctx,
                            "no-sovereign",
                            at,
                            format!("territory `{}` has no sovereign and lies within no other place", id.value),
                            Some("name the de jure sovereign (`sovereign: ISO3`) or the place it lies within (`within: ID`)".into()),
                        );
                        Vec::new()
                    }
                    None => Vec::new(),
                };
                let ctl = t.controller.as_ref().map(|h| self.periods(ctx, h));
                let adm = t.administrator.as_ref().map(|h| self.periods(ctx, h));
                (sov, ctl, adm)
            }
            None => (Vec::new(), None, None),
        };
        if let Some(p) = self.e.places.get_mut(ix as usize) {
            p.tags = bits;
            p.tag_names = names;
            p.sovereign = sov;
            p.controller = ctl;
            p.administrator = adm;
            p.aliases = aliases.to_vec();
        }
    }

    /// Whether this declaration is the one that won its place id (a duplicate is reported
    /// once, where it was declared, and otherwise ignored).
    fn owns_place(&self, ctx: &FileCtx, id: &Id) -> Option<PlaceIx> {
        let d = self.place_decl.get(id.value.as_str())?;
        (d.ctx.path == ctx.path && d.loc == id.referenced).then(|| self.e.place_ix.get(&id.value).copied())?
    }

    /// Resolves every `within:`, rejects cycles, and gives each place what it inherits:
    /// sovereign, controller, administrator and tags it does not state itself, from the
    /// nearest place containing it that has them (parents are completed before children).
    fn link_places(&mut self, files: &'a [(FileCtx, Arc<RuleFile>)]) {
        let n = self.e.places.len();
        let mut parent: Vec<Option<PlaceIx>> = vec![None; n];
        // (place, parent, states its sovereign, states its tags)
        let mut links: Vec<(PlaceIx, PlaceIx, bool, bool)> = Vec::new();
        for (ctx, f) in files {
            let decls = f
                .territories
                .iter()
                .map(|t| (&t.id, &t.within, t.sovereign.is_some(), !t.tags.is_empty()))
                .chain(f.areas.iter().map(|a| (&a.id, &a.within, true, !a.tags.is_empty())));
            for (id, within, own_sov, own_tags) in decls {
                let Some(w) = within else { continue };
                let Some(ix) = self.owns_place(ctx, id) else { continue };
                let Some(px) = self.place(ctx, w, &id.referenced) else {
                    continue;
                };
                if let Some(slot) = parent.get_mut(ix as usize) {
                    *slot = Some(px);
                }
                links.push((ix, px, own_sov, own_tags));
                if self.within_cycle(&parent, ix) {
                    let at = ctx.at(&w.referenced);
                    self.err(
                        ctx,
                        "within-cycle",
                        at,
                        format!(
                            "`{}` lies within `{}`, which lies within `{}`",
                            id.value, w.value, id.value
                        ),
                        Some("a place cannot contain itself: remove one of the `within:`".into()),
                    );
                    if let Some(slot) = parent.get_mut(ix as usize) {
                        *slot = None;
                    }
                    links.pop();
                }
            }
        }
        // Parents first: by depth.
        let depth = |mut p: PlaceIx| {
            let mut d = 0usize;
            while let Some(Some(up)) = parent.get(p as usize) {
                d += 1;
                p = *up;
            }
            d
        };
        links.sort_by_cached_key(|l| (depth(l.0), l.0));
        for (ix, px, own_sov, own_tags) in links {
            inherit(&mut self.e.places, ix, px, own_sov, own_tags);
        }
    }

    /// Whether following `within` up from `ix` comes back to it.
    fn within_cycle(&self, parent: &[Option<PlaceIx>], ix: PlaceIx) -> bool {
        let mut at = parent.get(ix as usize).copied().flatten();
        for _ in 0..parent.len() {
            match at {
                None => return false,
                Some(p) if p == ix => return true,
                Some(p) => at = parent.get(p as usize).copied().flatten(),
            }
        }
        true
    }

    fn define_treaty(&mut self, ctx: &'a FileCtx, t: &'a model::TreatyDecl) {
        if self.over {
            return;
        }
        let Some(&tix) = self.e.treaty_ix.get(&t.id.value) else {
            return;
        };
        if self
            .e
            .treaties
            .get(tix as usize)
            .is_none_or(|x| x.clauses.len() + x.members.len() > 0)
        {
            return; // a duplicate id: the first declaration is the one kept
        }
        self.current_treaty = Some(tix);
        if t.in_force.is_none() && t.status != model::TreatyStatus::Draft {
            let at = ctx.at(&t.id.referenced);
            self.err(
                ctx,
                "missing-key",
                at,
                format!("treaty `{}` has no `in_force` date", t.id.value),
                Some("add `in_force: YYYY-MM-DD`, or mark a proposal with `status: draft`".into()),
            );
        }
        self.order(ctx, t.signed.as_ref(), t.in_force.as_ref(), "signed", "in_force");
        self.order(
            ctx,
            t.in_force.as_ref(),
            t.terminated.as_ref(),
            "in_force",
            "terminated",
        );
        let mut members = Vec::with_capacity(t.parties.len());
        let mut ever: Vec<PartyIx> = Vec::with_capacity(t.parties.len());
        for m in &t.parties {
            let (party, org) = match (&m.party, &m.members_of) {
                (Some(p), None) => (self.party(ctx, p, &t.id.referenced), None),
                (None, Some(o)) => {
                    let org = self.party(ctx, o, &t.id.referenced);
                    if let Some(ox) = org {
                        let is_org = self
                            .e
                            .parties
                            .get(ox as usize)
                            .is_some_and(|p| p.kind != PartyKind::State);
                        if !is_org {
                            let at = ctx.at(&o.referenced);
                            self.err(
                                ctx,
                                "not-organization",
                                at,
                                format!("`{}` is a state, not an organization or group", o.value),
                                Some("use `party:` for a single state".into()),
                            );
                        }
                    }
                    (None, org)
                }
                _ => {
                    let at = ctx.at(&t.id.referenced);
                    self.err(
                        ctx,
                        "bad-member",
                        at,
                        format!(
                            "each party of `{}` needs exactly one of `party` or `members_of`",
                            t.id.value
                        ),
                        None,
                    );
                    continue;
                }
            };
            if party.is_none() && org.is_none() {
                continue;
            }
            self.order(ctx, m.joined.as_ref(), m.left.as_ref(), "joined", "left");
            if let (Some(j), Some(inf)) = (&m.joined, &t.in_force)
                && j.value.sort_key() < inf.value.sort_key()
            {
                let msg = format!(
                    "party joins on {} but the treaty enters into force only on {}",
                    j.value, inf.value
                );
                self.err(
                    ctx,
                    "date-order",
                    ctx.at(&j.referenced),
                    msg,
                    Some("a party cannot join before entry into force; omit `joined` for founding parties".into()),
                );
            }
            if let (Some(j), Some(end)) = (&m.joined, &t.terminated)
                && j.value.sort_key() >= end.value.sort_key()
            {
                let msg = format!("party joins on {} but the treaty ended on {}", j.value, end.value);
                self.err(ctx, "date-order", ctx.at(&j.referenced), msg, None);
            }
            match (party, org) {
                (Some(p), _) => ever.push(p),
                (None, Some(o)) => {
                    if let Some(org) = self.e.parties.get(o as usize) {
                        ever.extend(org.members.iter().map(|m| m.party));
                    }
                }
                _ => {}
            }
            members.push(TreatyMember {
                party,
                members_of: org,
                from: m.joined.as_ref().map(|w| w.value),
                to: m.left.as_ref().map(|w| w.value),
            });
        }
        ever.sort_unstable();
        ever.dedup();
        if let Some(x) = self.e.treaties.get_mut(tix as usize) {
            x.simple_members = members.len() == ever.len() && members.iter().all(|m| m.members_of.is_none());
            x.members = members;
            x.ever = ever;
        }
        // Clauses.
        let mut clause_list = Vec::new();
        let mut seen: HashMap<String, Location> = HashMap::new();
        for c in &t.clauses {
            if let Some(first) = seen.get(&c.id.value) {
                let help = Some(format!("first declared at {}", ctx.at(first)));
                let at = ctx.at(&c.id.referenced);
                self.err(
                    ctx,
                    "duplicate-id",
                    at,
                    format!("duplicate clause id `{}` in treaty `{}`", c.id.value, t.id.value),
                    help,
                );
                continue;
            }
            seen.insert(c.id.value.clone(), c.id.referenced);
            let (n, max) = (self.e.clauses.len(), self.limits.max_clauses);
            if !self.fits(ctx, &c.id.referenced, n, max, "limit-clauses", "clauses", "max_clauses") {
                return;
            }
            let errors = self.diags.error_count();
            let trigger = self.condition(ctx, &c.trigger, 0);
            // A condition with an error (an unknown id) already has its diagnostic.
            if self.diags.error_count() == errors {
                self.warn_never_fires(ctx, trigger, &c.trigger.referenced, &c.id.value);
            }
            if c.obligations.is_empty() {
                let at = ctx.at(&c.id.referenced);
                self.err(
                    ctx,
                    "no-obligation",
                    at,
                    format!("clause `{}` obliges nothing", c.id.value),
                    Some("add at least one entry under `obligations:`".into()),
                );
            }
            let obligations = self.obligations(ctx, &c.obligations, &c.id.referenced);
            self.named_obligors_are_parties(ctx, t, tix, &c.obligations);
            let mut readings = Vec::new();
            let mut reading_ids: Vec<String> = c.reading.iter().map(|r| r.id.value.clone()).collect();
            for r in &c.readings {
                if reading_ids.contains(&r.id.value) {
                    let at = ctx.at(&r.id.referenced);
                    self.err(
                        ctx,
                        "duplicate-id",
                        at,
                        format!("duplicate reading id `{}`", r.id.value),
                        None,
                    );
                    continue;
                }
                reading_ids.push(r.id.value.clone());
                if r.trigger.is_none() && r.obligations.is_none() {
                    let at = ctx.at(&r.id.referenced);
                    self.err(
                        ctx,
                        "empty-reading",
                        at,
                        format!(
                            "reading `{}` changes neither the trigger nor the obligations",
                            r.id.value
                        ),
                        Some("give it a `trigger:` or `obligations:`".into()),
                    );
                }
                let rt = match &r.trigger {
                    Some(tr) => {
                        let errors = self.diags.error_count();
                        let rt = self.condition(ctx, tr, 0);
                        if self.diags.error_count() == errors {
                            self.warn_never_fires(ctx, rt, &tr.referenced, &c.id.value);
                        }
                        rt
                    }
                    None => trigger,
                };
                let ro = match &r.obligations {
                    Some(o) => {
                        self.named_obligors_are_parties(ctx, t, tix, o);
                        self.obligations(ctx, o, &r.id.referenced)
                    }
                    None => obligations.clone(),
                };
                readings.push(Reading {
                    id: r.id.value.clone(),
                    basis: r.basis.clone(),
                    trigger: rt,
                    obligations: ro,
                });
            }
            if !c.readings.is_empty() && c.reading.is_none() {
                let at = ctx.at(&c.id.referenced);
                self.warn(
                    ctx,
                    "unnamed-reading",
                    at,
                    format!(
                        "clause `{}` has alternative readings but does not name its default reading",
                        c.id.value
                    ),
                    Some("add `reading: {id: ..., basis: ...}` saying who holds the default reading".into()),
                );
            }
            // Every reading's trigger can fire, so the index must admit all their events.
            let event_mask = readings
                .iter()
                .fold(self.event_mask(trigger), |m, r| m | self.event_mask(r.trigger));
            self.check_id(ctx, &c.id, "clause");
            self.check_text(ctx, &c.id, "citation", &c.citation, true);
            if let Some(summary) = &c.summary {
                self.check_text(ctx, &c.id, "summary", summary, false);
            }
            let cix = self.e.clauses.len() as ClauseIx;
            self.clause_ix.insert((tix, &c.id.value), cix);
            self.clause_at.push((ctx, c.id.referenced));
            self.e.clauses.push(Clause {
                treaty: tix,
                id: c.id.value.clone(),
                citation: c.citation.clone(),
                summary: c.summary.clone(),
                trigger,
                obligations,
                reading: c.reading.as_ref().map(|r| (r.id.value.clone(), r.basis.clone())),
                readings,
                event_mask,
            });
            clause_list.push(cix);
        }
        if let Some(x) = self.e.treaties.get_mut(tix as usize) {
            x.clauses = clause_list;
        }
        // Reservations.
        let mut reservations = Vec::new();
        for r in &t.reservations {
            let Some(party) = self.party(ctx, &r.party, &r.party.referenced) else {
                continue;
            };
            if !self.ever_party(tix, party) {
                let msg = format!(
                    "reservation by `{}`, which is never a party to treaty `{}`: it could never apply",
                    r.party.value, t.id.value
                );
                let help = "name a party of the treaty, or add the party under the treaty's `parties:`";
                self.warn(ctx, "not-a-party", ctx.at(&r.party.referenced), msg, Some(help.into()));
            }
            let mut clauses = Vec::new();
            for c in &r.clauses {
                match self.clause_ix.get(&(tix, c.value.as_str())) {
                    Some(&cx) => clauses.push(cx),
                    None => {
                        let names: Vec<String> = t.clauses.iter().map(|c| c.id.value.clone()).collect();
                        let hint = suggest_within(&mut self.suggest_budget, &c.value, names.iter().map(String::as_str));
                        let at = ctx.at(&c.referenced);
                        self.err(
                            ctx,
                            "unknown-clause",
                            at,
                            format!("treaty `{}` has no clause `{}`", t.id.value, c.value),
                            hint.map(|h| format!("did you mean `{h}`?")),
                        );
                    }
                }
            }
            let mut toward = Vec::new();
            for p in &r.toward {
                if let Some(px) = self.party(ctx, p, &r.party.referenced) {
                    toward.push(px);
                }
            }
            self.order(ctx, r.from.as_ref(), r.to.as_ref(), "from", "to");
            let (caveats, _) = self.caveats(ctx, &r.caveats);
            reservations.push(Reservation {
                party,
                kind: r.kind,
                clauses,
                toward,
                from: r.from.as_ref().map(|w| w.value),
                to: r.to.as_ref().map(|w| w.value),
                opt_out: r.opt_out,
                max_level: r.max_level.as_ref().map(|l| l.value),
                exclude_forms: form_bits(&r.exclude_forms.iter().map(|f| f.value).collect::<Vec<_>>()),
                caveats,
                note: r.note.clone(),
            });
        }
        if let Some(x) = self.e.treaties.get_mut(tix as usize) {
            x.reservations = reservations;
        }
    }

    /// Whether a party is a party to a treaty at some date (directly or as a member of an
    /// organization the treaty names).
    fn ever_party(&self, tix: TreatyIx, p: PartyIx) -> bool {
        self.e
            .treaties
            .get(tix as usize)
            .is_some_and(|t| t.ever.binary_search(&p).is_ok())
    }

    /// A named obligor that is never a party to the treaty could never owe anything under it
    /// ("each only while a party"): a warning, not an obligation that silently never applies.
    /// (Not an error: generated rule sets name obligors freely.)
    fn named_obligors_are_parties(
        &mut self,
        ctx: &FileCtx,
        t: &model::TreatyDecl,
        tix: TreatyIx,
        os: &[model::ObligationDecl],
    ) {
        for o in os {
            let model::Obligated::Named(ids) = &o.obligated else {
                continue;
            };
            for id in ids {
                let Some(&p) = self.e.party_ix.get(&id.value) else {
                    continue; // an unknown party: reported where it is resolved
                };
                if !self.ever_party(tix, p) {
                    let msg = format!(
                        "`obligated` names `{}`, which is never a party to treaty `{}`: the obligation could never apply to it",
                        id.value, t.id.value
                    );
                    let help = "add it under the treaty's `parties:` with its dates, or remove it from `obligated`";
                    let at = pos(ctx, &id.referenced, &o.level.referenced);
                    self.warn(ctx, "not-a-party", at, msg, Some(help.into()));
                }
            }
        }
    }

    fn caveats(&mut self, ctx: &FileCtx, cs: &[Spanned<Caveat>]) -> (Vec<Caveat>, Vec<TreatyIx>) {
        let mut out = Vec::new();
        let mut primacy = Vec::new();
        for c in cs {
            if let Caveat::PrimacyOf(t) = &c.value {
                let id = Spanned {
                    value: t.clone(),
                    referenced: c.referenced,
                };
                if let Some(tx) = self.treaty(ctx, &id, &c.referenced) {
                    primacy.push(tx);
                }
            }
            out.push(c.value.clone());
        }
        out.sort();
        out.dedup();
        (out, primacy)
    }

    /// An obligation's forms as bit sets (required, allowed less excluded, excluded), with
    /// an error for a form both required and excluded and a warning for one both allowed and
    /// excluded.
    fn forms(&mut self, ctx: &FileCtx, f: &model::FormsDecl, at: &Location) -> (u16, u16, u16) {
        let req: Vec<_> = f.required.iter().map(|f| f.value).collect();
        let alw: Vec<_> = f.allowed.iter().map(|f| f.value).collect();
        let exc: Vec<_> = f.excluded.iter().map(|f| f.value).collect();
        let (required, allowed, excluded) = (form_bits(&req), form_bits(&alw), form_bits(&exc));
        if required & excluded != 0 {
            let f = f.excluded.iter().find(|f| required & form_bits(&[f.value]) != 0);
            let pos = f.map_or_else(|| ctx.at(at), |f| ctx.at(&f.referenced));
            self.err(
                ctx,
                "form-conflict",
                pos,
                "a form is both required and excluded".into(),
                Some("remove it from one of the two lists".into()),
            );
        }
        if allowed & excluded != 0 {
            let f = f.excluded.iter().find(|f| allowed & form_bits(&[f.value]) != 0);
            let pos = f.map_or_else(|| ctx.at(at), |f| ctx.at(&f.referenced));
            let names: Vec<String> = crate::engine::forms_of(allowed & excluded)
                .iter()
                .map(ToString::to_string)
                .collect();
            self.warn(
                ctx,
                "form-contradiction",
                pos,
                format!("{} both allowed and excluded: excluded wins", names.join(", ")),
                Some("remove it from one of the two lists, so that the text says one thing".into()),
            );
        }
        (required, allowed & !excluded, excluded)
    }

    /// An obligation's `toward:` list resolved: `target`, `attacker` or a party id, in order,
    /// without repeats; empty means the target.
    fn beneficiaries(&mut self, ctx: &FileCtx, ids: &model::Ids, at: &Location) -> Vec<Benef> {
        let mut out = Vec::new();
        for id in &ids.0 {
            let b = match id.value.as_str() {
                "target" => Benef::Target,
                "attacker" => Benef::Attacker,
                _ => match self.e.party_ix.get(&id.value) {
                    Some(p) => Benef::Party(*p),
                    None => {
                        let pos = if id.referenced == Location::UNKNOWN {
                            ctx.at(at)
                        } else {
                            ctx.at(&id.referenced)
                        };
                        let words = ["target", "attacker"].into_iter().map(str::to_string);
                        let hint = crate::suggest(
                            &id.value,
                            words
                                .chain(self.e.party_ix.keys().cloned())
                                .collect::<Vec<_>>()
                                .iter()
                                .map(String::as_str),
                        );
                        self.err(
                            ctx,
                            "unknown-beneficiary",
                            pos,
                            format!("unknown beneficiary `{}` in `toward`", id.value),
                            Some(match hint {
                                Some(h) => format!("did you mean `{h}`? `toward` takes `target`, `attacker`, a party id, or a list of these"),
                                None => "`toward` takes `target`, `attacker`, a party id, or a list of these".into(),
                            }),
                        );
                        continue;
                    }
                },
            };
            if !out.contains(&b) {
                out.push(b);
            }
        }
        if out.is_empty() {
            out.push(Benef::Target);
        }
        out
    }

    /// An obligation's `lead:` parties, each of which must be one of its named obligors (or,
    /// for `others` and `all`, a party to the treaty: checked when the obligation is owed).
    fn leads(&mut self, ctx: &FileCtx, o: &model::ObligationDecl, obligated: &Obligors) -> Vec<PartyIx> {
        let mut out = Vec::new();
        for id in &o.lead {
            let Some(p) = self.party(ctx, id, &o.level.referenced) else {
                continue;
            };
            if let Obligors::Named(v) = obligated
                && !v.contains(&p)
            {
                self.err(
                    ctx,
                    "lead-not-obligor",
                    ctx.at(&id.referenced),
                    format!(
                        "`{}` leads the response but is not among the obligated parties",
                        id.value
                    ),
                    Some("add it to `obligated`, or remove it from `lead`".into()),
                );
                continue;
            }
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }

    fn obligations(&mut self, ctx: &FileCtx, os: &[model::ObligationDecl], at: &Location) -> Vec<Obligation> {
        let mut out = Vec::new();
        for o in os {
            let obligated = match &o.obligated {
                model::Obligated::Others => Obligors::Others,
                model::Obligated::All => Obligors::All,
                model::Obligated::Named(ids) => {
                    let mut v = Vec::new();
                    for id in ids {
                        if let Some(p) = self.party(ctx, id, at) {
                            v.push(p);
                        }
                    }
                    if ids.is_empty() {
                        let pos = ctx.at(&o.level.referenced);
                        self.err(
                            ctx,
                            "no-obligor",
                            pos,
                            "`obligated` is an empty list".into(),
                            Some("name the obligated parties, or write `others`".into()),
                        );
                    }
                    Obligors::Named(v)
                }
            };
            let (required, allowed, excluded) = self.forms(ctx, &o.forms, &o.level.referenced);
            let toward = self.beneficiaries(ctx, &o.toward, &o.level.referenced);
            let lead = self.leads(ctx, o, &obligated);
            let mut against: Vec<model::Against> = o
                .against
                .iter()
                .map(|a| a.value)
                .filter(|a| *a != model::Against::Attacker)
                .collect();
            against.sort_unstable();
            against.dedup();
            let (caveats, primacy) = self.caveats(ctx, &o.caveats);
            let when = o.when.as_ref().map(|w| self.condition(ctx, w, 0));
            let stages = u8::try_from(o.then.len() + 1).unwrap_or(u8::MAX);
            let first = Obligation {
                level: o.level.value,
                obligated,
                toward,
                against,
                lead,
                required,
                allowed: allowed & !excluded,
                excluded,
                deadline: o.deadline,
                caveats,
                primacy,
                when,
                stage: (1, stages),
                due: o.deadline.and_then(Deadline::hours),
            };
            let mut prev = first.clone();
            out.push(first);
            for (i, st) in o.then.iter().enumerate() {
                if o.then.len() >= usize::from(u8::MAX) {
                    break;
                }
                let (required, allowed, excluded) = self.forms(ctx, &st.forms, &st.level.referenced);
                let next = Obligation {
                    level: st.level.value,
                    required,
                    allowed,
                    excluded,
                    deadline: st.deadline,
                    stage: (u8::try_from(i + 2).unwrap_or(u8::MAX), stages),
                    due: prev
                        .due
                        .and_then(|h| st.deadline.and_then(Deadline::hours).map(|d| h.saturating_add(d))),
                    ..prev.clone()
                };
                out.push(next.clone());
                prev = next;
            }
        }
        out
    }

    /// Warns, at the trigger, when a clause's trigger can never be true (see `never_true`).
    fn warn_never_fires(&mut self, ctx: &FileCtx, trigger: NodeIx, at: &Location, clause: &str) {
        let mut b = Bounds::default();
        self.bounds(trigger, true, &mut b);
        if let Some(why) = b.contradiction(self) {
            let pos = ctx.at(at);
            self.warn(
                ctx,
                "never-fires",
                pos,
                format!("the trigger of clause `{clause}` can never fire: {why}"),
                Some(
                    "as written the clause obliges nobody in any scenario; check the conditions under `trigger:`"
                        .into(),
                ),
            );
        }
    }

    /// Gathers what the conditions that must all hold for `node` to be true (`positive`) or
    /// false say of the target, the attacker, the event, the means, what was hit and the date.
    /// Conservative: an `any` of several conditions, and anything else it cannot read, adds
    /// nothing.
    fn bounds(&self, node: NodeIx, positive: bool, b: &mut Bounds) {
        let party_set = |t: &PTest| match t {
            PTest::Is(v) => Some(v.clone()),
            _ => None,
        };
        let narrow = |set: &mut Option<Vec<PartyIx>>, out: &mut Vec<PartyIx>, v: Vec<PartyIx>| {
            if positive {
                *set = Some(match set.take() {
                    None => v,
                    Some(old) => old.into_iter().filter(|p| v.contains(p)).collect(),
                });
            } else {
                out.extend(v);
            }
        };
        match self.e.nodes.get(node as usize) {
            Some(Node::All(kids)) if positive => kids.iter().for_each(|k| self.bounds(*k, true, b)),
            Some(Node::Any(kids)) if !positive => kids.iter().for_each(|k| self.bounds(*k, false, b)),
            Some(Node::All(kids) | Node::Any(kids)) if kids.len() == 1 => {
                kids.iter().for_each(|k| self.bounds(*k, positive, b));
            }
            Some(Node::Not(k)) => self.bounds(*k, !positive, b),
            Some(Node::Target(t)) => {
                if let Some(v) = party_set(t) {
                    narrow(&mut b.target, &mut b.not_target, v);
                }
            }
            Some(Node::Attacker(t)) => {
                if let Some(v) = party_set(t) {
                    narrow(&mut b.attacker, &mut b.not_attacker, v);
                }
            }
            Some(Node::Event(m)) => b.event &= if positive { *m } else { !*m },
            Some(Node::Means(m)) => b.means &= if positive { *m } else { !*m },
            Some(Node::On(m)) => b.on &= if positive { *m } else { !*m },
            Some(Node::Date(from, before)) if positive => {
                if let Some(f) = from
                    && b.from.is_none_or(|x| x.day() < f.day())
                {
                    b.from = Some(*f);
                }
                if let Some(x) = before
                    && b.before.is_none_or(|y| x.day() < y.day())
                {
                    b.before = Some(*x);
                }
            }
            Some(Node::Always(v)) if *v != positive => b.never = true,
            _ => {}
        }
    }

    fn event_mask(&self, node: NodeIx) -> u8 {
        match self.e.nodes.get(node as usize) {
            Some(Node::Event(m)) => *m,
            Some(Node::All(children)) => {
                let mut mask = u8::MAX;
                for c in children {
                    mask &= self.event_mask(*c);
                }
                mask
            }
            Some(Node::Any(children)) => {
                let mut mask = 0u8;
                for c in children {
                    mask |= self.event_mask(*c);
                }
                mask
            }
            Some(Node::Always(false)) => 0,
            _ => u8::MAX,
        }
    }

    fn push(&mut self, n: Node) -> NodeIx {
        let ix = self.e.nodes.len() as NodeIx;
        self.e.nodes.push(n);
        ix
    }

    fn condition(&mut self, ctx: &FileCtx, c: &Spanned<Condition>, depth: usize) -> NodeIx {
        if depth > self.limits.max_condition_depth {
            let msg = format!(
                "conditions nested deeper than {} levels (max_condition_depth)",
                self.limits.max_condition_depth
            );
            self.err(
                ctx,
                "limit-condition-depth",
                ctx.at(&c.referenced),
                msg,
                Some("flatten the condition; `all` and `any` take lists".into()),
            );
            return self.push(Node::Always(false));
        }
        let at = c.referenced;
        let node = match &c.value {
            Condition::All(v) | Condition::Any(v) => {
                if v.is_empty() {
                    let msg = "empty list: `all: []` is always true and `any: []` always false".to_string();
                    self.err(
                        ctx,
                        "empty-condition",
                        ctx.at(&at),
                        msg,
                        Some("list at least one condition, or write `always: true`".into()),
                    );
                }
                let kids: Vec<NodeIx> = v.iter().map(|x| self.condition(ctx, x, depth + 1)).collect();
                if matches!(c.value, Condition::All(_)) {
                    Node::All(kids)
                } else {
                    Node::Any(kids)
                }
            }
            Condition::Not(x) => Node::Not(self.condition(ctx, x, depth + 1)),
            Condition::Event(k) => Node::Event(k.0.iter().fold(0u8, |m, e| m | (1u8 << (*e as u8)))),
            Condition::Means(k) => Node::Means(k.0.iter().fold(0u8, |m, e| m | (1u8 << (*e as u8)))),
            Condition::On(k) => Node::On(k.0.iter().fold(0u8, |m, e| m | (1u8 << (*e as u8)))),
            Condition::Attacker(t) => Node::Attacker(self.ptest(ctx, t, &at)),
            Condition::Attackers(ct) => {
                if ct.at_least == 0 {
                    self.err(
                        ctx,
                        "bad-count",
                        ctx.at(&at),
                        "`at_least: 0` is always true".into(),
                        Some("use 1 or more".into()),
                    );
                }
                Node::Attackers(ct.at_least, self.ptest(ctx, &ct.that, &at))
            }
            Condition::SupportedBy(t) => Node::SupportedBy(self.ptest(ctx, t, &at)),
            Condition::Target(t) => Node::Target(self.ptest(ctx, t, &at)),
            Condition::Location(l) => Node::Location(self.ltest(ctx, l, &at)),
            Condition::LaunchedFrom(l) => Node::LaunchedFrom(self.ltest(ctx, l, &at)),
            Condition::AcrossLine(id) => self.across_line(ctx, id, &at),
            Condition::DeployedUnder(ids) => self.deployed_under(ctx, ids, &at),
            Condition::Date(w) => {
                if w.from.is_none() && w.before.is_none() {
                    self.err(
                        ctx,
                        "empty-condition",
                        ctx.at(&at),
                        "`date` needs `from`, `before` or both".into(),
                        None,
                    );
                }
                self.order(ctx, w.from.as_ref(), w.before.as_ref(), "from", "before");
                Node::Date(w.from.as_ref().map(|x| x.value), w.before.as_ref().map(|x| x.value))
            }
            Condition::Fact(f) => match self.fact(ctx, f, &at) {
                Some(fx) => Node::Fact(fx),
                None => Node::Always(false),
            },
            Condition::Always(b) => Node::Always(*b),
        };
        self.push(node)
    }

    fn ptest(&mut self, ctx: &FileCtx, t: &PartyTest, at: &Location) -> PTest {
        match t {
            PartyTest::Target => PTest::Target,
            PartyTest::Attacker => PTest::Attacker,
            PartyTest::TreatyParty => PTest::TreatyParty,
            PartyTest::State => PTest::State,
            PartyTest::NonState => PTest::NonState,
            PartyTest::Is(ids) => {
                if ids.0.is_empty() {
                    self.err(
                        ctx,
                        "empty-condition",
                        ctx.at(at),
                        "`is: []` names no party".into(),
                        None,
                    );
                }
                PTest::Is(ids.0.iter().filter_map(|i| self.party(ctx, i, at)).collect())
            }
            PartyTest::MemberOf(o) => match self.party(ctx, o, at) {
                Some(ox) => {
                    if self
                        .e
                        .parties
                        .get(ox as usize)
                        .is_some_and(|p| p.kind == PartyKind::State)
                    {
                        self.err(
                            ctx,
                            "not-organization",
                            pos(ctx, &o.referenced, at),
                            format!("`{}` is a state, not an organization or group", o.value),
                            Some("use `is:` to name a state".into()),
                        );
                    }
                    PTest::MemberOf(ox)
                }
                None => PTest::Is(Vec::new()),
            },
            PartyTest::PartyTo(tr) => match self.treaty(ctx, tr, at) {
                Some(tx) => PTest::PartyTo(tx),
                None => PTest::Is(Vec::new()),
            },
        }
    }

    fn ltest(&mut self, ctx: &FileCtx, l: &PlaceTest, at: &Location) -> LTest {
        match l {
            PlaceTest::In(ids) => LTest::In(ids.0.iter().filter_map(|i| self.place(ctx, i, at)).collect()),
            PlaceTest::Tagged(ids) => {
                let (bits, names) = self.tags(ctx, &ids.0, at);
                LTest::Tagged(bits, names)
            }
            PlaceTest::Sovereign(t) => LTest::Holder(model::HolderRole::Sovereign, self.ptest(ctx, t, at), None),
            PlaceTest::Controller(t) => LTest::Holder(model::HolderRole::Controller, self.ptest(ctx, t, at), None),
            PlaceTest::Administrator(t) => {
                LTest::Holder(model::HolderRole::Administrator, self.ptest(ctx, t, at), None)
            }
            PlaceTest::HeldOn(h) => LTest::Holder(h.role, self.ptest(ctx, &h.by, at), Some(h.date.value)),
            PlaceTest::Area => LTest::Area,
        }
    }
}

fn valid_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Checks that every tag bitset has the same width (tags declared after a place was tagged).
pub(crate) fn normalize_tags(e: &mut Engine) {
    let words = e.tags.len().div_ceil(64).max(1);
    for p in &mut e.places {
        p.tags.resize(words, 0);
    }
    for n in &mut e.nodes {
        if let Node::Location(LTest::Tagged(bits, _)) = n {
            bits.resize(words, 0);
        }
    }
}

/// What must hold of a scenario for a condition to be true, as far as `Resolver::bounds` can
/// read it.
struct Bounds {
    target: Option<Vec<PartyIx>>,
    not_target: Vec<PartyIx>,
    attacker: Option<Vec<PartyIx>>,
    not_attacker: Vec<PartyIx>,
    event: u8,
    means: u8,
    on: u8,
    from: Option<When>,
    before: Option<When>,
    never: bool,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            target: None,
            not_target: Vec::new(),
            attacker: None,
            not_attacker: Vec::new(),
            event: u8::MAX,
            means: u8::MAX,
            on: u8::MAX,
            from: None,
            before: None,
            never: false,
        }
    }
}

impl Bounds {
    /// Why nothing can meet these bounds, in words; `None` when something may.
    fn contradiction(&self, r: &Resolver<'_>) -> Option<String> {
        let all = |n: usize| -> u8 { if n >= 8 { u8::MAX } else { (1u8 << n) - 1 } };
        let name = |p: &PartyIx| r.e.parties.get(*p as usize).map_or("?", |x| x.id.as_str()).to_string();
        let parties = |role: &str, set: &Option<Vec<PartyIx>>, out: &[PartyIx]| -> Option<String> {
            let set = set.as_ref()?;
            if set.iter().any(|p| !out.contains(p)) {
                return None;
            }
            Some(if set.is_empty() {
                format!("the {role} must be one of two lists that have no party in common")
            } else {
                let ids: Vec<String> = set.iter().map(name).collect();
                format!("the {role} must be {} and must not be", ids.join(" or "))
            })
        };
        if self.never {
            return Some("it requires `always: false`".into());
        }
        if let Some(w) = parties("target", &self.target, &self.not_target) {
            return Some(w);
        }
        if let Some(w) = parties("attacker", &self.attacker, &self.not_attacker) {
            return Some(w);
        }
        for (what, mask, n) in [
            ("event", self.event, crate::vocab::EventKind::ALL.len()),
            ("means", self.means, crate::vocab::Means::ALL.len()),
            ("`on`", self.on, crate::vocab::On::ALL.len()),
        ] {
            if mask & all(n) == 0 {
                return Some(format!("no {what} meets all its tests"));
            }
        }
        // Whole days only: an instant leaves part of its day on either side.
        if let (Some(When::Day(f)), Some(When::Day(b))) = (self.from, self.before)
            && f >= b
        {
            return Some(format!("its dates ask for a day from {f} and before {b}"));
        }
        None
    }
}

/// Gives the place `ix`, lying within `px`, what it does not state itself: its parent's
/// sovereign (a territory that states none), controller, administrator and tags (when it
/// states none). Copies only those, never the parent's ids, names or aliases.
fn inherit(places: &mut [Place], ix: PlaceIx, px: PlaceIx, own_sov: bool, own_tags: bool) {
    let Some(p) = places.get(ix as usize) else { return };
    let (take_sov, take_ctl, take_adm) = (
        !own_sov && p.kind == PlaceKind::Territory,
        p.controller.is_none(),
        p.administrator.is_none(),
    );
    let Some(up) = places.get(px as usize) else { return };
    let sovereign = take_sov.then(|| up.sovereign.clone());
    let controller = if take_ctl { up.controller.clone() } else { None };
    let administrator = if take_adm { up.administrator.clone() } else { None };
    let tags = (!own_tags).then(|| (up.tags.clone(), up.tag_names.clone()));
    let Some(p) = places.get_mut(ix as usize) else { return };
    p.within = Some(px);
    if let Some(sov) = sovereign {
        p.sovereign = sov;
    }
    if take_ctl {
        p.controller = controller;
    }
    if take_adm {
        p.administrator = administrator;
    }
    if let Some((bits, names)) = tags {
        p.tags = bits;
        p.tag_names = names;
    }
}
