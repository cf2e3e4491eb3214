//! Pass 1: declarations. Every tag, fact, party, treaty and place gets its index, in file
//! order, before any reference to one is resolved.

use std::sync::Arc;

use super::{BUILTIN_FACTS, Decl, Resolver, Treaties, World};
use crate::diag::FileCtx;
use crate::engine::{Fact, FactIx, Party, PartyIx, Period, Place, PlaceIx, PlaceKind, Treaty, TreatyIx};
use crate::load::Limits;
use crate::model::{self, Id, PartyKind, RuleFile};

impl<'a> Resolver<'a> {
    /// Pass 1: every id gets its index, so that pass 2 can resolve references in any order.
    pub(super) fn declare(&mut self, files: &'a [(FileCtx, Arc<RuleFile>)], world: &[World], treaties: &[Treaties]) {
        // Room for every declaration at once: growing these by doubling would leave up to
        // half of each unused while the parsed files are still held.
        let count = |f: fn(&World) -> usize| world.iter().map(f).sum::<usize>();
        let parties = count(|w| w.parties().len());
        let explicit = count(|w| w.territories().len() + w.areas().len());
        self.e.parties.reserve_exact(parties);
        self.party_decl.reserve_exact(parties);
        self.e.places.reserve_exact(parties + explicit);
        self.place_decl.reserve_exact(explicit);
        self.e
            .treaties
            .reserve_exact(treaties.iter().map(|t| t.get().len()).sum());
        for (id, description) in BUILTIN_FACTS {
            let ix = self.e.facts.len() as FactIx;
            self.e.facts.push(Fact {
                id: id.into(),
                description: description.into(),
            });
            self.e.fact_ix.insert(id.into(), ix);
        }
        for (((ctx, f), w), held) in files.iter().zip(world).zip(treaties) {
            for t in &f.tags {
                self.declare_tag(ctx, t);
            }
            for fact in &f.facts {
                self.declare_fact(ctx, fact);
            }
            for p in w.parties() {
                self.declare_party(ctx, p);
            }
            for t in held.get() {
                self.declare_treaty(ctx, t);
            }
        }
        // Places: explicit territories and areas, then implicit main territories of states.
        for ((ctx, _), w) in files.iter().zip(world) {
            for t in w.territories() {
                self.declare_place(ctx, &t.id, &t.name, PlaceKind::Territory);
            }
            for a in w.areas() {
                self.declare_place(ctx, &a.id, &a.name, PlaceKind::Area);
            }
        }
        for ((ctx, _), w) in files.iter().zip(world) {
            for p in w.parties() {
                self.declare_main_territory(ctx, p);
            }
        }
    }

    /// A tag: its id unique, its description plain text.
    fn declare_tag(&mut self, ctx: &FileCtx, t: &'a model::TagDecl) {
        if self.tag_ix.contains_key(t.id.value.as_str()) {
            self.duplicate(ctx, "tag", &t.id, None);
            return;
        }
        let (n, max) = (self.e.tags.len(), self.limits.max_tags);
        if !self.fits(ctx, &t.id.referenced, n, max, "limit-tags", "tags", "max_tags") {
            return;
        }
        self.check_id(ctx, &t.id, "tag");
        self.check_text(ctx, &t.id, "description", &t.description, false);
        self.tag_ix.insert(&t.id.value, self.e.tags.len() as u32);
        self.e.tags.push((t.id.value.clone(), t.description.clone()));
    }

    /// A named fact: its id unique among facts (the built-in ones included).
    fn declare_fact(&mut self, ctx: &FileCtx, fact: &model::FactDecl) {
        if self.e.fact_ix.contains_key(&fact.id.value) {
            self.duplicate(ctx, "fact", &fact.id, None);
            return;
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
            return;
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

    /// A party: its id unique, its texts plain, its COW periods in order.
    fn declare_party(&mut self, ctx: &'a FileCtx, p: &model::PartyDecl) {
        if let Some(first) = self.party_decl_of(&p.id.value) {
            let first = (first.ctx, first.loc);
            self.duplicate(ctx, "party", &p.id, Some(first));
            return;
        }
        let (n, max) = (self.e.parties.len(), self.limits.max_parties);
        if !self.fits(ctx, &p.id.referenced, n, max, "limit-parties", "parties", "max_parties") {
            return;
        }
        self.check_id(ctx, &p.id, "party");
        self.check_text(ctx, &p.id, "name", &p.name, true);
        for alias in &p.aliases {
            self.check_text(ctx, &p.id, "alias", alias, true);
        }
        debug_assert_eq!(self.party_decl.len(), self.e.parties.len());
        self.party_decl.push(Decl {
            ctx,
            loc: p.id.referenced,
        });
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

    /// A treaty: its id unique, its texts plain; its parties, clauses and reservations
    /// are defined in pass 2.
    fn declare_treaty(&mut self, ctx: &FileCtx, t: &model::TreatyDecl) {
        if self.e.treaty_ix.contains_key(&t.id.value) {
            self.duplicate(ctx, "treaty", &t.id, None);
            return;
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
            return;
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

    /// The implicit main territory of a state that has none under `territories:` (it takes
    /// the state's id and name, and its `territory_tags`); `territory_tags` anywhere else is
    /// an error.
    fn declare_main_territory(&mut self, ctx: &FileCtx, p: &model::PartyDecl) {
        let declared = self.e.place_ix.get(&p.id.value).and_then(|&ix| self.place_decl_of(ix));
        if p.kind == PartyKind::State && declared.is_none() {
            let Some(&owner) = self.e.party_ix.get(&p.id.value) else {
                return;
            };
            if self.e.place_ix.contains_key(&p.id.value) {
                return; // a duplicate party id: its main territory exists already
            }
            let (n, max) = (self.e.places.len(), self.limits.max_places);
            if !self.fits(ctx, &p.id.referenced, n, max, "limit-places", "places", "max_places") {
                return;
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

    pub(super) fn declare_place(&mut self, ctx: &'a FileCtx, id: &Id, name: &str, kind: PlaceKind) {
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
        let first = self.e.place_ix.get(&id.value).and_then(|&ix| self.place_decl_of(ix));
        if let Some(first) = first {
            let first = (first.ctx, first.loc);
            self.duplicate(ctx, "place", id, Some(first));
            return;
        }
        let (n, max) = (self.e.places.len(), self.limits.max_places);
        if !self.fits(ctx, &id.referenced, n, max, "limit-places", "places", "max_places") {
            return;
        }
        // Declared places come before any implicit main territory: a place's index is its
        // entry here.
        debug_assert_eq!(self.place_decl.len(), self.e.places.len());
        self.place_decl.push(Decl {
            ctx,
            loc: id.referenced,
        });
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
}
