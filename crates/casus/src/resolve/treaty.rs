//! Pass 2 for a treaty: its parties, its clauses (each with its readings) and its
//! reservations.

use std::collections::HashMap;

use super::{Resolver, pos, suggest_within};
use crate::diag::FileCtx;
use crate::engine::{
    Clause, ClauseIx, NodeIx, Obligation, PartyIx, Reading, Reservation, TreatyIx, TreatyMember, form_bits,
};
use crate::model::{self, Condition, Location, PartyKind, Spanned};
use crate::vocab::Caveat;

impl<'a> Resolver<'a> {
    /// Pass 2 for one treaty: its dates, its parties, its clauses, then its reservations
    /// (which name the clauses). Only the first declaration of a treaty id is defined.
    pub(super) fn define_treaty(&mut self, ctx: &'a FileCtx, t: &model::TreatyDecl) {
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
        self.treaty_dates(ctx, t);
        self.treaty_members(ctx, t, tix);
        // A count limit passed: the load fails, and the reservations would only repeat it.
        let Some(clauses) = self.clauses(ctx, t, tix) else {
            return;
        };
        if let Some(x) = self.e.treaties.get_mut(tix as usize) {
            x.clauses = clauses;
        }
        let reservations = t
            .reservations
            .iter()
            .filter_map(|r| self.reservation(ctx, t, tix, r))
            .collect();
        if let Some(x) = self.e.treaties.get_mut(tix as usize) {
            x.reservations = reservations;
        }
    }

    /// A treaty in force has its date of entry into force; its dates come in order.
    fn treaty_dates(&mut self, ctx: &FileCtx, t: &model::TreatyDecl) {
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
    }

    /// The treaty's `parties:`: its members (a party, or the members of an organization) and
    /// every party that is ever one of them.
    fn treaty_members(&mut self, ctx: &FileCtx, t: &model::TreatyDecl, tix: TreatyIx) {
        let mut members = Vec::with_capacity(t.parties.len());
        let mut ever: Vec<PartyIx> = Vec::with_capacity(t.parties.len());
        for m in &t.parties {
            let Some((party, org)) = self.treaty_member(ctx, t, m) else {
                continue;
            };
            if party.is_none() && org.is_none() {
                continue;
            }
            self.member_dates(ctx, t, m);
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
    }

    /// One entry of a treaty's `parties:` resolved: (the party, the organization whose
    /// members are parties), either `None` if its id is unknown; `None` if the entry names
    /// neither or both.
    fn treaty_member(
        &mut self,
        ctx: &FileCtx,
        t: &model::TreatyDecl,
        m: &model::MemberDecl,
    ) -> Option<(Option<PartyIx>, Option<PartyIx>)> {
        match (&m.party, &m.members_of) {
            (Some(p), None) => Some((self.party(ctx, p, &t.id.referenced), None)),
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
                Some((None, org))
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
                None
            }
        }
    }

    /// A party joins after it joined nothing else: `joined` before `left`, not before the
    /// treaty's entry into force, not after its end.
    fn member_dates(&mut self, ctx: &FileCtx, t: &model::TreatyDecl, m: &model::MemberDecl) {
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
    }

    /// The treaty's clauses, each defined once (a repeated clause id is an error); `None`
    /// when one more clause passes `max_clauses`.
    fn clauses(&mut self, ctx: &'a FileCtx, t: &model::TreatyDecl, tix: TreatyIx) -> Option<Vec<ClauseIx>> {
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
                return None;
            }
            clause_list.push(self.clause(ctx, t, tix, c));
        }
        Some(clause_list)
    }

    /// One clause: its trigger, its obligations and its readings, checked and added to the
    /// engine; returns its index.
    fn clause(&mut self, ctx: &'a FileCtx, t: &model::TreatyDecl, tix: TreatyIx, c: &model::ClauseDecl) -> ClauseIx {
        let trigger = self.trigger(ctx, &c.trigger, &c.id.value);
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
        let readings = self.readings(ctx, t, tix, c, (trigger, &obligations));
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
        cix
    }

    /// A trigger resolved, with a warning when it can never fire (unless it has an error, an
    /// unknown id, which already has its diagnostic).
    fn trigger(&mut self, ctx: &FileCtx, c: &Spanned<Condition>, clause: &str) -> NodeIx {
        let errors = self.diags.error_count();
        let trigger = self.condition(ctx, c, 0);
        if self.diags.error_count() == errors {
            self.warn_never_fires(ctx, trigger, &c.referenced, clause);
        }
        trigger
    }

    /// A clause's alternative readings, each with its own trigger or obligations or both (the
    /// clause's `default` where it has none); a warning when the default reading is unnamed.
    fn readings(
        &mut self,
        ctx: &FileCtx,
        t: &model::TreatyDecl,
        tix: TreatyIx,
        c: &model::ClauseDecl,
        (trigger, obligations): (NodeIx, &[Obligation]),
    ) -> Vec<Reading> {
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
                Some(tr) => self.trigger(ctx, tr, &c.id.value),
                None => trigger,
            };
            let ro = match &r.obligations {
                Some(o) => {
                    self.named_obligors_are_parties(ctx, t, tix, o);
                    self.obligations(ctx, o, &r.id.referenced)
                }
                None => obligations.to_vec(),
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
        readings
    }

    /// One reservation: by a party of the treaty, to clauses it has; `None` when its party
    /// is unknown.
    fn reservation(
        &mut self,
        ctx: &FileCtx,
        t: &model::TreatyDecl,
        tix: TreatyIx,
        r: &model::ReservationDecl,
    ) -> Option<Reservation> {
        let party = self.party(ctx, &r.party, &r.party.referenced)?;
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
            match self.clause_of(tix, &c.value) {
                Some(cx) => clauses.push(cx),
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
        Some(Reservation {
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
        })
    }

    /// The clause of treaty `tix` with id `id` (its clauses are defined before its
    /// reservations; a repeated clause id is not among them).
    fn clause_of(&self, tix: TreatyIx, id: &str) -> Option<ClauseIx> {
        let treaty = self.e.treaties.get(tix as usize)?;
        treaty
            .clauses
            .iter()
            .copied()
            .find(|&cx| self.e.clauses.get(cx as usize).is_some_and(|c| c.id == id))
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

    pub(super) fn caveats(&mut self, ctx: &FileCtx, cs: &[Spanned<Caveat>]) -> (Vec<Caveat>, Vec<TreatyIx>) {
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
}
