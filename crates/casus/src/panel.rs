//! Panels: who is bound to whom, period by period, as a table a statistics package loads.
//!
//! [`Engine::panel`] answers, for every pair of parties and every year (or day) of a range,
//! whether the first is bound to help the second, how strongly, whether definitely or
//! contingent on what, in which kinds of obligation (defense, offense, neutrality,
//! non-aggression, consultation) and under which treaties. It reads the commitment graph
//! ([`Engine::guarantors`]): a commitment is what a clause says when everything but the date
//! and the beneficiary is left open, so it works on any rule set, the shipped library as well
//! as an imported ATOP data set. The dates at which answers can change come from the rules
//! (accessions, withdrawals, entries into force, date windows), not from sampling days.
//!
//! A dyad-year row holds when the pair is bound on at least one day of the year (the
//! convention of dyad-year alliance data); `days` says on how many. [`Panel::write_csv`] and
//! (feature `parquet`) [`Panel::write_parquet`] write it; `docs/research.md` shows how to load
//! it in R and pandas.
//!
//! ```
//! use casus::{RuleSet, panel::{PanelOptions, Unit}};
//! use jiff::civil::date;
//!
//! let engine = RuleSet::from_yaml(casus::doc_example())?.compile()?;
//! let opts = PanelOptions { from: date(2003, 1, 1), to: date(2005, 12, 31), unit: Unit::DyadYear, directed: true };
//! let panel = engine.panel(&opts)?;
//! let rows: Vec<String> = panel.rows().map(|r| format!("{} {} {} {}", r.obligor, r.beneficiary, r.period, r.days)).collect();
//! assert!(rows.contains(&"FRA EST 2004 278".to_string()));
//! assert!(!rows.iter().any(|r| r.starts_with("FRA EST 2003")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use jiff::civil::Date;
use rayon::prelude::*;
use thiserror::Error;

use crate::graph::{Commitment, Occasion};
use crate::kernel::{ClauseIx, Node, NodeIx, PSEUDO, PTest, PartyIx, TreatyIx};
use crate::model::PartyKind;
use crate::{Engine, Hit, Level, Status, When, strongest_level};

/// The unit of observation of a panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// One row per pair and calendar year in which the pair is bound on at least one day.
    DyadYear,
    /// One row per pair and day on which the pair is bound.
    DyadDay,
}

impl Unit {
    /// The name on the command line (`dyad-year`, `dyad-day`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::DyadYear => "dyad-year",
            Unit::DyadDay => "dyad-day",
        }
    }
}

/// What a panel covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PanelOptions {
    /// The first day.
    pub from: Date,
    /// The last day (inclusive).
    pub to: Date,
    /// Rows per year or per day.
    pub unit: Unit,
    /// One row per ordered pair (obligor, beneficiary); otherwise one per unordered pair, both
    /// directions merged.
    pub directed: bool,
}

/// The five kinds of alliance obligation the panel marks (those of ATOP and peacesciencer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObligationKind {
    /// Help, at `assist` or above, to a party that is attacked.
    Defense,
    /// Help, at `assist` or above, to a party that attacks (a promise to join its war).
    Offense,
    /// Neutrality: no aid to the party's enemy.
    Neutrality,
    /// Non-aggression: not attacking the party.
    NonAggression,
    /// Consultation.
    Consultation,
}

impl ObligationKind {
    /// Every kind, in column order.
    pub const ALL: [ObligationKind; 5] = [
        ObligationKind::Defense,
        ObligationKind::Offense,
        ObligationKind::Neutrality,
        ObligationKind::NonAggression,
        ObligationKind::Consultation,
    ];

    /// The column name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ObligationKind::Defense => "defense",
            ObligationKind::Offense => "offense",
            ObligationKind::Neutrality => "neutrality",
            ObligationKind::NonAggression => "non_aggression",
            ObligationKind::Consultation => "consultation",
        }
    }

    /// The kind of a commitment at `level`, owed when the beneficiary is attacked or attacks;
    /// `None` for a `diplomatic` commitment, which is none of the five.
    #[must_use]
    pub fn of(level: Level, occasion: Occasion) -> Option<ObligationKind> {
        match (level, occasion) {
            (Level::NonAggression, _) => Some(ObligationKind::NonAggression),
            (Level::Neutrality, _) => Some(ObligationKind::Neutrality),
            (Level::Consult, _) => Some(ObligationKind::Consultation),
            (Level::Diplomatic, _) => None,
            (_, Occasion::Attacked) => Some(ObligationKind::Defense),
            (_, Occasion::Attacking) => Some(ObligationKind::Offense),
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The fact an ATOP import uses for a pledge whose direction ATOP leaves open.
pub const OWED_TO_TARGET: &str = "atop_owed_to_target";

/// A panel could not be computed or written.
#[derive(Debug, Error)]
#[cfg_attr(feature = "miette", derive(miette::Diagnostic))]
#[non_exhaustive]
pub enum PanelError {
    /// The range ends before it starts.
    #[error("the range from {from} to {to} is empty: the end comes before the start")]
    EmptyRange {
        /// The first day.
        from: Date,
        /// The last day.
        to: Date,
    },
    /// Writing the table failed.
    #[error("cannot write the panel: {0}")]
    Write(String),
}

/// The period of a row: a year or a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Period {
    /// A calendar year.
    Year(i16),
    /// A day.
    Day(Date),
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Day(d) => write!(f, "{d}"),
        }
    }
}

/// One row of a panel: `obligor` bound toward `beneficiary` in `period` (for an undirected
/// panel, the two parties of the pair, bound in either direction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelRow {
    /// The bound party (undirected: the first of the pair, by COW code, then id).
    pub obligor: String,
    /// The party it is bound toward (undirected: the second of the pair).
    pub beneficiary: String,
    /// The obligor's Correlates of War code in the period, where known.
    pub obligor_cow: Option<u32>,
    /// The beneficiary's Correlates of War code in the period, where known.
    pub beneficiary_cow: Option<u32>,
    /// The obligor's ISO 3166 alpha-3 code (its id when the id is one).
    pub obligor_iso3: Option<String>,
    /// The beneficiary's ISO 3166 alpha-3 code.
    pub beneficiary_iso3: Option<String>,
    /// The year or day.
    pub period: Period,
    /// On how many days of the period the pair is bound (1 for a day).
    pub days: u32,
    /// The strongest level (a response level over neutrality over non-aggression).
    pub level: Level,
    /// Definite when a commitment at that level holds with nothing else known, on some day of
    /// the period.
    pub status: Status,
    /// Whether the pair is bound in each kind of obligation ([`ObligationKind::ALL`] order),
    /// definitely or not.
    pub kinds: [bool; 5],
    /// Per condition of [`Panel::conditions`], whether a contingent row waits on it: what the
    /// commitments at the strongest level wait on (any one of them suffices).
    pub waits: Vec<bool>,
    /// Whether every commitment of the row waits on [`OWED_TO_TARGET`]: an ATOP pledge whose
    /// direction ATOP leaves open.
    pub direction_uncertain: bool,
    /// The treaties of every commitment of the row, sorted.
    pub treaties: Vec<String>,
    /// The ATOP ids among them (`atop_<id>`), sorted.
    pub atop_ids: Vec<u32>,
}

/// The COW codes of a pair's two parties, where known.
type Codes = (Option<u32>, Option<u32>);

/// What the commitments of one pair say over one stretch of days.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Info {
    kinds: u8,
    level: Option<Level>,
    definite: bool,
    waits: BTreeSet<u16>,
    uncertain: bool,
    treaties: BTreeSet<u32>,
}

impl Info {
    /// Both at once: kinds and treaties joined, the stronger level kept with what it waits on.
    fn merge(&mut self, o: &Info) {
        self.kinds |= o.kinds;
        self.treaties.extend(o.treaties.iter().copied());
        self.uncertain = self.uncertain && o.uncertain;
        let level = strongest_level(self.level.into_iter().chain(o.level));
        if level == o.level && level != self.level {
            self.definite = o.definite;
            self.waits.clone_from(&o.waits);
        } else if level == o.level {
            self.definite |= o.definite;
            self.waits.extend(o.waits.iter().copied());
        }
        self.level = level;
        if self.definite {
            self.waits.clear();
        }
    }
}

/// The commitments of one pair over days `first..=last`, with the parties' COW codes.
#[derive(Debug, Clone)]
struct Piece {
    obligor: PartyIx,
    beneficiary: PartyIx,
    first: Date,
    last: Date,
    codes: Codes,
    info: Info,
}

/// One pair's stretches of days with what holds in each, in order, not overlapping.
#[derive(Debug, Clone)]
struct Span {
    first: Date,
    last: Date,
    codes: Codes,
    info: Info,
}

/// A panel: the pairs bound in a range of dates, with what binds them. Rows come from
/// [`Panel::rows`] in a fixed order: by pair, then period.
#[derive(Debug, Clone)]
pub struct Panel {
    options: PanelOptions,
    conditions: Vec<String>,
    names: Vec<String>,
    treaties: Vec<String>,
    dyads: Vec<((PartyIx, PartyIx), Vec<Span>)>,
}

impl Engine {
    /// The panel of every pair of parties bound to each other in a range (see the module
    /// documentation).
    ///
    /// # Errors
    ///
    /// [`PanelError::EmptyRange`] when `to` comes before `from`.
    pub fn panel(&self, opts: &PanelOptions) -> Result<Panel, PanelError> {
        if opts.to < opts.from {
            return Err(PanelError::EmptyRange {
                from: opts.from,
                to: opts.to,
            });
        }
        let conditions: Vec<String> = PSEUDO
            .iter()
            .map(|s| (*s).to_string())
            .chain(self.facts.iter().map(|f| f.id.clone()))
            .collect();
        let column: HashMap<&str, u16> = conditions
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i as u16))
            .collect();
        let mut cow_dates: Vec<When> = self
            .parties
            .iter()
            .flat_map(|p| p.cow.iter().flat_map(|(_, f, t)| f.iter().chain(t.iter()).copied()))
            .collect();
        crate::graph::sort_dates(&mut cow_dates);
        let plan = self.plan();
        let beneficiaries: Vec<PartyIx> = (0..self.parties.len() as PartyIx)
            .filter(|p| {
                self.parties
                    .get(*p as usize)
                    .is_some_and(|x| x.kind != PartyKind::Group)
            })
            .collect();
        let probes = self.attack_probes(&plan);
        let pieces: Vec<Piece> = beneficiaries
            .par_iter()
            .flat_map_iter(|y| {
                let (mut dates, attacking) = self.dates_toward(&plan, *y);
                dates.extend(cow_dates.iter().copied());
                crate::graph::sort_dates(&mut dates);
                let targets: &[PartyIx] = if attacking { &probes } else { &[] };
                self.pieces_toward(&plan, *y, &dates, targets, opts, &column)
            })
            .collect();
        let mut by_dyad: BTreeMap<(PartyIx, PartyIx), Vec<Piece>> = BTreeMap::new();
        for p in pieces {
            let key = if opts.directed {
                (p.obligor, p.beneficiary)
            } else {
                self.ordered_pair(p.obligor, p.beneficiary)
            };
            by_dyad.entry(key).or_default().push(p);
        }
        let mut dyads: Vec<((PartyIx, PartyIx), Vec<Span>)> =
            by_dyad.into_iter().map(|(k, ps)| (k, spans(&ps, k.0))).collect();
        dyads.sort_by(|a, b| {
            let ids = |k: &(PartyIx, PartyIx)| (self.party_id(k.0), self.party_id(k.1));
            ids(&a.0).cmp(&ids(&b.0))
        });
        Ok(Panel {
            options: *opts,
            conditions,
            names: self.parties.iter().map(|p| p.id.clone()).collect(),
            treaties: self.treaties.iter().map(|t| t.id.clone()).collect(),
            dyads,
        })
    }

    /// The dates at which commitments toward `y` can change, and whether a commitment toward
    /// `y` as an attacker is possible: the clauses indexed under `y`, those that protect any
    /// target, and the clauses owed to an attacker whose attacker test can be `y`.
    fn dates_toward(&self, plan: &crate::graph::Plan, y: PartyIx) -> (Vec<When>, bool) {
        let mut clauses: Vec<ClauseIx> = self.index.of(y).iter().map(|(c, _)| *c).collect();
        clauses.extend(self.index.any_target.iter().map(|(c, _)| *c));
        let attacking: Vec<ClauseIx> = plan
            .attacker_clauses
            .iter()
            .copied()
            .filter(|c| self.attacker_may_be(*c, y))
            .collect();
        let any = !attacking.is_empty();
        clauses.extend(attacking);
        clauses.sort_unstable();
        clauses.dedup();
        (Self::dates_of(plan, &clauses), any)
    }

    /// Whether `y` can be the attacker a clause's trigger asks for: false only when the
    /// trigger requires, at its top, an attacker that is a party to the clause's treaty or
    /// one of a list, and `y` never is.
    fn attacker_may_be(&self, c: ClauseIx, y: PartyIx) -> bool {
        let Some(clause) = self.clauses.get(c as usize) else {
            return true;
        };
        let tops: Vec<NodeIx> = match self.nodes.get(clause.trigger as usize) {
            Some(Node::All(kids)) => kids.clone(),
            _ => vec![clause.trigger],
        };
        tops.iter().all(|n| match self.nodes.get(*n as usize) {
            Some(Node::Attacker(PTest::TreatyParty)) => self
                .treaties
                .get(clause.treaty as usize)
                .is_none_or(|t| t.ever.contains(&y)),
            Some(Node::Attacker(PTest::Is(v))) => v.contains(&y),
            _ => true,
        })
    }

    /// The targets worth trying when a party attacks, for the clauses owed to an attacker:
    /// every party their target tests name (listed, members of an organization or treaty), and
    /// three states they do not name, standing for all the others.
    fn attack_probes(&self, plan: &crate::graph::Plan) -> Vec<PartyIx> {
        let mut named: BTreeSet<PartyIx> = BTreeSet::new();
        for c in &plan.attacker_clauses {
            let Some(clause) = self.clauses.get(*c as usize) else {
                continue;
            };
            let mut leaves = crate::graph::Leaves::default();
            self.collect_leaves(std::iter::once(clause.trigger), &mut leaves);
            for t in leaves.targets {
                self.named_by(t, clause.treaty, &mut named);
            }
        }
        // Three, so that one is neither the attacker nor the obligor.
        let outsiders: Vec<PartyIx> = (0..self.parties.len() as PartyIx)
            .filter(|p| {
                !named.contains(p)
                    && self
                        .parties
                        .get(*p as usize)
                        .is_some_and(|x| x.kind == PartyKind::State)
            })
            .take(3)
            .collect();
        named.into_iter().chain(outsiders).collect()
    }

    fn named_by(&self, t: &PTest, own: TreatyIx, out: &mut BTreeSet<PartyIx>) {
        match t {
            PTest::Is(v) => out.extend(v.iter().copied()),
            PTest::MemberOf(o) => {
                out.insert(*o);
                if let Some(org) = self.parties.get(*o as usize) {
                    out.extend(org.members.iter().map(|m| m.party));
                }
            }
            PTest::PartyTo(x) => out.extend(
                self.treaties
                    .get(*x as usize)
                    .into_iter()
                    .flat_map(|t| t.ever.iter().copied()),
            ),
            PTest::TreatyParty => out.extend(
                self.treaties
                    .get(own as usize)
                    .into_iter()
                    .flat_map(|t| t.ever.iter().copied()),
            ),
            PTest::Target | PTest::Attacker | PTest::State | PTest::NonState => {}
        }
    }

    /// The two parties of an undirected pair in order: by COW code where both have one (as
    /// peacesciencer's `ccode1 < ccode2`), then by id.
    fn ordered_pair(&self, a: PartyIx, b: PartyIx) -> (PartyIx, PartyIx) {
        let rank = |p: PartyIx| {
            let code = self
                .parties
                .get(p as usize)
                .and_then(|x| x.cow.iter().map(|(c, _, _)| *c).min())
                .or_else(|| crate::cow::cow_code_of(self.party_id(p), None))
                .unwrap_or(u32::MAX);
            (code, self.party_id(p))
        };
        if rank(a) <= rank(b) { (a, b) } else { (b, a) }
    }

    /// A party's COW code on a date: its own `cow:` data, else (for a party without any) the
    /// code of the Correlates of War state whose ISO code is its id.
    fn cow_at(&self, p: PartyIx, at: &When) -> Option<u32> {
        let party = self.parties.get(p as usize)?;
        if party.cow.is_empty() {
            return crate::cow::cow_code_of(&party.id, Some(at.day()));
        }
        party
            .cow
            .iter()
            .find(|(_, from, to)| at.within(from.as_ref(), to.as_ref()) == crate::Truth::True)
            .map(|(code, _, _)| *code)
    }

    /// The commitments toward `y` over the range, one piece per obligor and stretch of days
    /// between two dates at which they can change.
    fn pieces_toward(
        &self,
        plan: &crate::graph::Plan,
        y: PartyIx,
        dates: &[When],
        attack_targets: &[PartyIx],
        opts: &PanelOptions,
        column: &HashMap<&str, u16>,
    ) -> Vec<Piece> {
        let start = When::Day(opts.from);
        let starts: Vec<When> = std::iter::once(start)
            .chain(
                dates
                    .iter()
                    .filter(|d| d.day() <= opts.to && crate::graph::later(d, &start))
                    .copied(),
            )
            .collect();
        let mut buf: Vec<Hit> = Vec::new();
        let mut out = Vec::new();
        for (i, at) in starts.iter().enumerate() {
            let last = match starts.get(i + 1) {
                Some(w @ When::Instant(_)) => w.day(),
                Some(When::Day(d)) => match d.yesterday() {
                    Ok(x) => x,
                    Err(_) => continue,
                },
                None => opts.to,
            };
            let first = at.day();
            if last < first {
                continue;
            }
            let mut by_obligor: BTreeMap<PartyIx, Info> = BTreeMap::new();
            for r in self.edges_toward_via(plan, y, at, &mut buf, attack_targets) {
                let c = self.commitment_of(&r, (None, None));
                let Some(&obligor) = self.party_ix.get(&c.obligor) else {
                    continue;
                };
                let info = self.info_of(&c, column);
                by_obligor.entry(obligor).or_insert_with(|| info.clone()).merge(&info);
            }
            for (obligor, info) in by_obligor {
                out.push(Piece {
                    obligor,
                    beneficiary: y,
                    first,
                    last,
                    codes: (self.cow_at(obligor, at), self.cow_at(y, at)),
                    info,
                });
            }
        }
        out
    }

    fn info_of(&self, c: &Commitment, column: &HashMap<&str, u16>) -> Info {
        Info {
            kinds: ObligationKind::of(c.level, c.occasion).map_or(0, ObligationKind::bit),
            level: Some(c.level),
            definite: c.status == Status::Definite,
            waits: c
                .depends_on
                .iter()
                .filter_map(|d| column.get(d.as_str()).copied())
                .collect(),
            uncertain: c.depends_on.iter().any(|d| d == OWED_TO_TARGET),
            treaties: self.treaty_ix.get(&c.treaty).copied().into_iter().collect(),
        }
    }
}

/// The stretches of one pair: pieces that overlap are merged day by day, neighbours that say
/// the same joined. `first_party` is the pair's first party, whose code comes first.
fn spans(pieces: &[Piece], first_party: PartyIx) -> Vec<Span> {
    let mut bounds: Vec<Date> = Vec::new();
    for p in pieces {
        bounds.push(p.first);
        if let Ok(next) = p.last.tomorrow() {
            bounds.push(next);
        }
    }
    bounds.sort_unstable();
    bounds.dedup();
    let mut out: Vec<Span> = Vec::new();
    for (i, first) in bounds.iter().enumerate() {
        let Some(last) = bounds.get(i + 1).and_then(|n| n.yesterday().ok()) else {
            continue;
        };
        let covering: Vec<&Piece> = pieces
            .iter()
            .filter(|p| p.first <= *first && *first <= p.last)
            .collect();
        let Some(head) = covering.first() else {
            continue;
        };
        let mut info = head.info.clone();
        for p in covering.iter().skip(1) {
            info.merge(&p.info);
        }
        let codes = if head.obligor == first_party {
            head.codes
        } else {
            (head.codes.1, head.codes.0)
        };
        match out.last_mut() {
            Some(prev) if prev.info == info && prev.codes == codes && prev.last.tomorrow().ok() == Some(*first) => {
                prev.last = last;
            }
            _ => out.push(Span {
                first: *first,
                last,
                codes,
                info,
            }),
        }
    }
    out
}

/// The id when it is an ISO 3166 alpha-3 code (three capital letters).
fn iso3(id: &str) -> Option<String> {
    (id.len() == 3 && id.bytes().all(|b| b.is_ascii_uppercase())).then(|| id.to_string())
}

impl Panel {
    /// What the panel covers.
    #[must_use]
    pub fn options(&self) -> &PanelOptions {
        &self.options
    }

    /// The conditions a row can wait on, in column order: the open parts of a scenario
    /// (`attacker`, `means`, `location`, `on`, `supported_by`, `time`), then every fact of the
    /// rule set.
    #[must_use]
    pub fn conditions(&self) -> &[String] {
        &self.conditions
    }

    /// The number of pairs with at least one row.
    #[must_use]
    pub fn dyads(&self) -> usize {
        self.dyads.len()
    }

    /// The column names, in order: the pair (`obligor`, `beneficiary`, or `party1`, `party2`
    /// for an undirected panel) with their COW and ISO codes, the period (`year` or `date`),
    /// `days`, `level`, `status`, one 0/1 column per [`ObligationKind`], one `waits_<name>`
    /// column per condition, `direction_uncertain`, `treaties`, `atop_ids`.
    #[must_use]
    pub fn columns(&self) -> Vec<String> {
        let (a, b) = if self.options.directed {
            ("obligor", "beneficiary")
        } else {
            ("party1", "party2")
        };
        let mut v: Vec<String> = vec![
            a.into(),
            b.into(),
            format!("{a}_cow"),
            format!("{b}_cow"),
            format!("{a}_iso3"),
            format!("{b}_iso3"),
            match self.options.unit {
                Unit::DyadYear => "year".into(),
                Unit::DyadDay => "date".into(),
            },
            "days".into(),
            "level".into(),
            "status".into(),
        ];
        v.extend(ObligationKind::ALL.iter().map(|k| k.as_str().to_string()));
        v.extend(self.conditions.iter().map(|c| format!("waits_{c}")));
        v.extend(["direction_uncertain".into(), "treaties".into(), "atop_ids".into()]);
        v
    }

    /// Every row, by pair then period (see the module documentation).
    pub fn rows(&self) -> impl Iterator<Item = PanelRow> + '_ {
        self.dyads.iter().flat_map(move |(k, spans)| self.rows_of(*k, spans))
    }

    fn rows_of(&self, (a, b): (PartyIx, PartyIx), spans: &[Span]) -> Vec<PanelRow> {
        let mut out = Vec::new();
        match self.options.unit {
            Unit::DyadDay => {
                for s in spans {
                    let mut d = s.first;
                    while d <= s.last {
                        out.push(self.row(a, b, Period::Day(d), 1, s.codes, &s.info));
                        match d.tomorrow() {
                            Ok(n) => d = n,
                            Err(_) => break,
                        }
                    }
                }
            }
            Unit::DyadYear => {
                let mut years: BTreeMap<(i16, Codes), (u32, Info)> = BTreeMap::new();
                for s in spans {
                    for y in s.first.year()..=s.last.year() {
                        let lo = s.first.max(Date::new(y, 1, 1).unwrap_or(s.first));
                        let hi = s.last.min(Date::new(y, 12, 31).unwrap_or(s.last));
                        let days = lo.until(hi).map_or(0, |sp| sp.get_days().unsigned_abs() + 1);
                        years
                            .entry((y, s.codes))
                            .and_modify(|(n, info)| {
                                *n += days;
                                info.merge(&s.info);
                            })
                            .or_insert_with(|| (days, s.info.clone()));
                    }
                }
                for ((y, codes), (days, info)) in years {
                    out.push(self.row(a, b, Period::Year(y), days, codes, &info));
                }
            }
        }
        out
    }

    fn row(&self, a: PartyIx, b: PartyIx, period: Period, days: u32, codes: Codes, info: &Info) -> PanelRow {
        let name = |p: PartyIx| self.names.get(p as usize).cloned().unwrap_or_default();
        let treaties: Vec<String> = info
            .treaties
            .iter()
            .filter_map(|t| self.treaties.get(*t as usize).cloned())
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect();
        let atop_ids: Vec<u32> = treaties
            .iter()
            .filter_map(|t| t.strip_prefix("atop_").and_then(|n| n.parse().ok()))
            .collect::<BTreeSet<u32>>()
            .into_iter()
            .collect();
        let kinds = ObligationKind::ALL.map(|k| info.kinds & k.bit() != 0);
        PanelRow {
            obligor: name(a),
            beneficiary: name(b),
            obligor_cow: codes.0,
            beneficiary_cow: codes.1,
            obligor_iso3: iso3(&name(a)),
            beneficiary_iso3: iso3(&name(b)),
            period,
            days,
            level: info.level.unwrap_or(Level::Neutrality),
            status: if info.definite {
                Status::Definite
            } else {
                Status::Contingent
            },
            kinds,
            waits: (0..self.conditions.len())
                .map(|i| info.waits.contains(&(i as u16)))
                .collect(),
            direction_uncertain: info.uncertain,
            treaties,
            atop_ids,
        }
    }
}

impl PanelRow {
    /// The row as CSV fields, in [`Panel::columns`] order: 0/1 for indicators, an empty field
    /// for a missing code, lists joined with `;`.
    #[must_use]
    pub fn fields(&self) -> Vec<String> {
        let flag = |b: bool| if b { "1" } else { "0" }.to_string();
        let opt = |c: Option<u32>| c.map(|c| c.to_string()).unwrap_or_default();
        let mut v = vec![
            self.obligor.clone(),
            self.beneficiary.clone(),
            opt(self.obligor_cow),
            opt(self.beneficiary_cow),
            self.obligor_iso3.clone().unwrap_or_default(),
            self.beneficiary_iso3.clone().unwrap_or_default(),
            self.period.to_string(),
            self.days.to_string(),
            self.level.as_str().to_string(),
            self.status.as_str().to_string(),
        ];
        v.extend(self.kinds.iter().map(|k| flag(*k)));
        v.extend(self.waits.iter().map(|w| flag(*w)));
        v.push(flag(self.direction_uncertain));
        v.push(self.treaties.join(";"));
        v.push(self.atop_ids.iter().map(u32::to_string).collect::<Vec<_>>().join(";"));
        v
    }
}

impl Panel {
    /// Writes the panel as CSV (a header row, then [`Panel::rows`]); returns the number of rows.
    ///
    /// # Errors
    ///
    /// [`PanelError::Write`] when the writer fails.
    pub fn write_csv<W: std::io::Write>(&self, w: W) -> Result<usize, PanelError> {
        let mut out = ::csv::Writer::from_writer(w);
        let err = |e: ::csv::Error| PanelError::Write(e.to_string());
        out.write_record(self.columns()).map_err(err)?;
        let mut n = 0;
        for r in self.rows() {
            out.write_record(r.fields()).map_err(err)?;
            n += 1;
        }
        out.flush().map_err(|e| PanelError::Write(e.to_string()))?;
        Ok(n)
    }
}

pub mod batch;
#[cfg(feature = "parquet")]
mod parquet_out;
