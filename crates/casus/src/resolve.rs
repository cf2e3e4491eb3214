//! Validation and compilation in one pass: every id is looked up, every date checked, every
//! condition resolved to interned integers. What is wrong becomes a diagnostic with the file,
//! line and column of the offending value and, for a misspelled id, the closest existing one.

use std::collections::HashMap;
use std::sync::Arc;

use crate::diag::{Diagnostics, FileCtx, Position, Severity, suggest};
use crate::engine::{
    Engine, FactIx, Index, LTest, Line, Node, NodeIx, NotModelled, PTest, PartyIx, Period, Place, PlaceIx, PlaceKind,
    TreatyIx,
};
use crate::load::Limits;
use crate::model::{self, Id, PartyKind, RuleFile};
use crate::model::{Location, Spanned};
use crate::time::When;

mod condition;
mod declare;
mod obligation;
mod treaty;

pub(crate) const BUILTIN_FACTS: [(&str, &str); 3] = [
    ("provoked", "the target provoked the attack"),
    ("requested", "the target asked for assistance or invoked the clause"),
    (
        "determined",
        "the treaty's competent body determined that the event qualifies",
    ),
];

/// One file's treaties, held apart from the rest of its parse: a file's treaties are freed as
/// soon as they are defined, so that the parsed treaties and the engine's do not all stand in
/// memory at once. A parse shared with a [`crate::ParseCache`] is only borrowed.
enum Treaties {
    /// Taken out of the file's parse, which nothing else held.
    Own(Vec<model::TreatyDecl>),
    /// Read in the file's parse, which a cache keeps.
    Shared(Arc<RuleFile>),
    /// Defined and freed.
    Gone,
}

impl Treaties {
    /// Takes the treaties out of `file` when nothing else holds it.
    fn take(file: &mut Arc<RuleFile>) -> Treaties {
        match Arc::get_mut(file) {
            Some(f) => Treaties::Own(std::mem::take(&mut f.treaties)),
            None => Treaties::Shared(Arc::clone(file)),
        }
    }

    fn get(&self) -> &[model::TreatyDecl] {
        match self {
            Treaties::Own(t) => t,
            Treaties::Shared(f) => &f.treaties,
            Treaties::Gone => &[],
        }
    }
}

/// One file's parties, territories and areas, held apart from the rest of its parse as its
/// treaties are: freed once parties and places are defined, before the treaties (the largest
/// part of a rule set) are. A parse shared with a [`crate::ParseCache`] is only borrowed.
enum World {
    /// Taken out of the file's parse, which nothing else held.
    Own {
        parties: Vec<model::PartyDecl>,
        territories: Vec<model::TerritoryDecl>,
        areas: Vec<model::AreaDecl>,
    },
    /// Read in the file's parse, which a cache keeps.
    Shared(Arc<RuleFile>),
    /// Defined and freed.
    Gone,
}

impl World {
    /// Takes the parties, territories and areas out of `file` when nothing else holds it.
    fn take(file: &mut Arc<RuleFile>) -> World {
        match Arc::get_mut(file) {
            Some(f) => World::Own {
                parties: std::mem::take(&mut f.parties),
                territories: std::mem::take(&mut f.territories),
                areas: std::mem::take(&mut f.areas),
            },
            None => World::Shared(Arc::clone(file)),
        }
    }

    fn parties(&self) -> &[model::PartyDecl] {
        match self {
            World::Own { parties, .. } => parties,
            World::Shared(f) => &f.parties,
            World::Gone => &[],
        }
    }

    fn territories(&self) -> &[model::TerritoryDecl] {
        match self {
            World::Own { territories, .. } => territories,
            World::Shared(f) => &f.territories,
            World::Gone => &[],
        }
    }

    fn areas(&self) -> &[model::AreaDecl] {
        match self {
            World::Own { areas, .. } => areas,
            World::Shared(f) => &f.areas,
            World::Gone => &[],
        }
    }
}

/// Where a party or place was first declared.
#[derive(Clone, Copy)]
struct Decl<'a> {
    ctx: &'a FileCtx,
    loc: Location,
}

struct Resolver<'a> {
    diags: Diagnostics,
    limits: &'a Limits,
    e: Engine,
    /// Where each party was declared, by party index (the id is looked up in the engine's
    /// table: nothing here borrows from the parsed parties, which are freed before the
    /// treaties are defined).
    party_decl: Vec<Decl<'a>>,
    /// Where each place declared under `territories:` or `areas:` was declared, by place
    /// index: these come before the implicit main territories, which have none.
    place_decl: Vec<Decl<'a>>,
    tag_ix: HashMap<&'a str, u32>,
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
    mut files: Vec<(FileCtx, Arc<RuleFile>)>,
    limits: &Limits,
    diags: Diagnostics,
) -> (Engine, Diagnostics) {
    let treaties = files.iter_mut().map(|(_, f)| Treaties::take(f)).collect();
    let world = files.iter_mut().map(|(_, f)| World::take(f)).collect();
    resolve_files(&files, world, treaties, limits, diags)
}

fn resolve_files(
    files: &[(FileCtx, Arc<RuleFile>)],
    mut world: Vec<World>,
    mut treaties: Vec<Treaties>,
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
        party_row_starts: Vec::new(),
        rows_by_party: Vec::new(),
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
        party_decl: Vec::new(),
        place_decl: Vec::new(),
        tag_ix: HashMap::new(),
        clause_at: Vec::new(),
        over: false,
        reported: Vec::new(),
        suggest_budget: SUGGEST_BUDGET,
        line_ix: HashMap::new(),
        current_treaty: None,
    };
    r.declare(files, &world, &treaties);
    // Only the declarations look a party's first declaration up: freed before the treaties,
    // the largest part of a rule set, are defined.
    r.party_decl = Vec::new();
    if !r.over {
        r.define(files, &mut world, &mut treaties);
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
        let mut names = Vec::with_capacity(ids.len());
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
        // Sized to the periods written: most holders are one party, and a list grown from
        // empty keeps room for four (forty thousand places hold such a list).
        let mut out = Vec::with_capacity(h.value.0.len());
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

    fn define(&mut self, files: &'a [(FileCtx, Arc<RuleFile>)], world: &mut [World], treaties: &mut [Treaties]) {
        for ((ctx, _), w) in files.iter().zip(world.iter()) {
            for p in w.parties() {
                self.define_party(ctx, p);
            }
            for t in w.territories() {
                self.define_place(ctx, (&t.id, &t.tags, &t.aliases), Some(t));
            }
            for a in w.areas() {
                self.define_place(ctx, (&a.id, &a.tags, &a.aliases), None);
            }
        }
        self.link_places(files, world);
        // Places are defined: which declaration won a place id is not asked again, and the
        // parsed parties, territories and areas are not read again.
        self.place_decl = Vec::new();
        for w in world.iter_mut() {
            *w = World::Gone;
        }
        for (ctx, f) in files {
            for l in &f.lines {
                self.define_line(ctx, l);
            }
        }
        for ((ctx, f), held) in files.iter().zip(treaties.iter_mut()) {
            for t in held.get() {
                self.define_treaty(ctx, t);
            }
            for n in &f.not_modelled {
                self.define_not_modelled(ctx, n);
            }
            // Defined: freed now, unless a lapse must still be read once all are defined.
            if held.get().iter().all(|t| t.lapses.is_empty()) {
                *held = Treaties::Gone;
            }
        }
        for ((ctx, _), held) in files.iter().zip(treaties.iter()) {
            for t in held.get() {
                self.apply_lapses(ctx, t);
            }
        }
    }

    /// A party's members: each a declared party other than itself, its dates in order (a
    /// state has none).
    fn define_party(&mut self, ctx: &FileCtx, p: &model::PartyDecl) {
        let Some(&ix) = self.e.party_ix.get(&p.id.value) else {
            return;
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
                let hint = crate::names::suggest(&l.joins.value, names.iter().map(String::as_str));
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
            .place_decl_of(ix)
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
        let ix = *self.e.place_ix.get(&id.value)?;
        let d = self.place_decl_of(ix)?;
        (d.ctx.path == ctx.path && d.loc == id.referenced).then_some(ix)
    }

    /// Where the place `ix` was declared under `territories:` or `areas:`, if it was (an
    /// implicit main territory was not).
    fn place_decl_of(&self, ix: PlaceIx) -> Option<Decl<'a>> {
        self.place_decl.get(ix as usize).copied()
    }

    /// Where the party `id` was first declared, while the declarations are read.
    fn party_decl_of(&self, id: &str) -> Option<Decl<'a>> {
        let ix = *self.e.party_ix.get(id)?;
        self.party_decl.get(ix as usize).copied()
    }

    /// Resolves every `within:`, rejects cycles, and gives each place what it inherits:
    /// sovereign, controller, administrator and tags it does not state itself, from the
    /// nearest place containing it that has them (parents are completed before children).
    fn link_places(&mut self, files: &'a [(FileCtx, Arc<RuleFile>)], world: &[World]) {
        let n = self.e.places.len();
        let mut parent: Vec<Option<PlaceIx>> = vec![None; n];
        // (place, parent, states its sovereign, states its tags)
        let mut links: Vec<(PlaceIx, PlaceIx, bool, bool)> = Vec::new();
        for ((ctx, _), w) in files.iter().zip(world) {
            let decls = w
                .territories()
                .iter()
                .map(|t| (&t.id, &t.within, t.sovereign.is_some(), !t.tags.is_empty()))
                .chain(w.areas().iter().map(|a| (&a.id, &a.within, true, !a.tags.is_empty())));
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
