//! Conditions (triggers and `when:`) resolved to nodes, and the bounds that tell a trigger
//! that can never fire.

use super::{Resolver, pos};
use crate::diag::FileCtx;
use crate::engine::{LTest, Node, NodeIx, PTest, PartyIx, made};
use crate::model::{self, Condition, Id, Location, PartyKind, PartyTest, PlaceTest, Spanned};
use crate::time::When;

impl<'a> Resolver<'a> {
    /// `across_line: ID`: the place was on the line's side on its date, a holder test at a
    /// fixed date (so the engine and `casus verify` read it as they read `held_on`).
    pub(super) fn across_line(&mut self, ctx: &FileCtx, id: &Id, at: &Location) -> Node {
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
    pub(super) fn deployed_under(&mut self, ctx: &FileCtx, ids: &model::Ids, at: &Location) -> Node {
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

    /// Warns, at the trigger, when a clause's trigger can never be true (see `never_true`).
    pub(super) fn warn_never_fires(&mut self, ctx: &FileCtx, trigger: NodeIx, at: &Location, clause: &str) {
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

    pub(super) fn event_mask(&self, node: NodeIx) -> u8 {
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

    pub(super) fn push(&mut self, n: Node) -> NodeIx {
        let ix = self.e.nodes.len() as NodeIx;
        self.e.nodes.push(n);
        ix
    }

    pub(super) fn condition(&mut self, ctx: &FileCtx, c: &Spanned<Condition>, depth: usize) -> NodeIx {
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

    pub(super) fn ptest(&mut self, ctx: &FileCtx, t: &PartyTest, at: &Location) -> PTest {
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

    pub(super) fn ltest(&mut self, ctx: &FileCtx, l: &PlaceTest, at: &Location) -> LTest {
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
        // The parties of a `PTest::Is` the resolver made (`made` stops a debug build if one is
        // out of range); "?" would only stand in a warning's words.
        let name = |p: &PartyIx| {
            made(&r.e.parties, *p, "party")
                .map_or("?", |x| x.id.as_str())
                .to_string()
        };
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
