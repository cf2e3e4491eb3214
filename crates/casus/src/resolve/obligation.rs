//! A clause's obligations: who owes what, in what forms, toward whom, with what caveats.

use super::Resolver;
use crate::diag::FileCtx;
use crate::engine::{Benef, Obligation, Obligors, PartyIx, form_bits};
use crate::model::{self, Location};
use crate::vocab::Deadline;

impl<'a> Resolver<'a> {
    /// An obligation's forms as bit sets (required, allowed less excluded, excluded), with
    /// an error for a form both required and excluded and a warning for one both allowed and
    /// excluded.
    pub(super) fn forms(&mut self, ctx: &FileCtx, f: &model::FormsDecl, at: &Location) -> (u16, u16, u16) {
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
    pub(super) fn beneficiaries(&mut self, ctx: &FileCtx, ids: &model::Ids, at: &Location) -> Vec<Benef> {
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
                        let hint = crate::names::suggest(
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
    pub(super) fn leads(&mut self, ctx: &FileCtx, o: &model::ObligationDecl, obligated: &Obligors) -> Vec<PartyIx> {
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

    pub(super) fn obligations(
        &mut self,
        ctx: &FileCtx,
        os: &[model::ObligationDecl],
        at: &Location,
    ) -> Vec<Obligation> {
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
}
