//! The properties file: what a drafter requires of a rule set, and its resolution against one.

use std::path::Path;

use serde::Deserialize;

use crate::kernel::{
    Clause, FileCtx, LTest, Node, NodeIx, Obligation, Obligors, PTest, PartyIx, TreatyIx, form_bits, forms_of,
};
use crate::model::{Condition, Id, Ids, PartyTest, PlaceTest};
use crate::model::{Location, Spanned};
use crate::{Diagnostics, Engine, Form, Level, Limits, LoadError, Status};

/// A properties file as written.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct PropertiesFile {
    /// The properties, each checked over every scenario in its scope.
    properties: Vec<PropertyDecl>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
/// One property: what a drafter requires of every scenario in its scope.
#[serde(deny_unknown_fields)]
struct PropertyDecl {
    /// The property's id, named in the report.
    id: Id,
    /// What it requires, in words.
    #[serde(default)]
    description: Option<String>,
    /// Only the obligations of these treaties count (default: every treaty).
    #[serde(default)]
    treaty: Option<Ids>,
    /// The scenarios it speaks of: a condition, written as a clause's trigger (default: every
    /// scenario).
    #[serde(default)]
    scope: Option<Spanned<Condition>>,
    /// Under which readings of ambiguous clauses it is checked (default: every one).
    #[serde(default)]
    readings: Readings,
    /// What must hold in every scenario of the scope.
    require: Spanned<RequirementDecl>,
}

/// Which readings of ambiguous clauses a property is checked under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Readings {
    /// The default reading and every alternative reading, one at a time.
    #[default]
    Every,
    /// The default reading of every clause only.
    Default,
}

/// Which obligations a requirement counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    /// Definite obligations only.
    Definite,
    /// Definite and contingent obligations.
    #[default]
    Any,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
/// What a property requires: one of `obliged`, `never`, `exclusive`, `forms`, `deadline`.
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum RequirementDecl {
    /// At least so many parties owe an obligation.
    Obliged(ObligedDecl),
    /// No party owes such an obligation.
    Never(NeverDecl),
    /// No party owes two of these levels at once.
    Exclusive(Vec<Spanned<Level>>),
    /// The obligations let the obligors use these forms, or rule them out.
    Forms(FormsDecl),
    /// The obligations fall due within a time.
    Deadline(DeadlineDecl),
}

/// A span of time, as a requirement on deadlines writes it: `{hours: 24}` or `{days: 30}`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct WithinDecl {
    /// So many hours.
    #[serde(default)]
    hours: Option<u32>,
    /// So many days.
    #[serde(default)]
    days: Option<u32>,
}

/// Which obligations a requirement on forms or deadlines speaks of.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct FormsDecl {
    /// Only these parties' obligations (default: every party's).
    #[serde(default)]
    parties: Option<Ids>,
    /// Only obligations at this level (default: any).
    #[serde(default)]
    level: Option<Level>,
    /// Definite obligations only, or any (the default).
    #[serde(default)]
    status: StatusFilter,
    /// Only obligations under these treaties or clauses (`nato`, `nato/art5`).
    #[serde(default)]
    under: Option<Ids>,
    /// Forms every such obligation must require.
    #[serde(default)]
    required: Vec<Form>,
    /// Forms every such obligation must allow.
    #[serde(default)]
    allowed: Vec<Form>,
    /// Forms every such obligation must exclude.
    #[serde(default)]
    excluded: Vec<Form>,
    /// Forms no such obligation may allow.
    #[serde(default)]
    not_allowed: Vec<Form>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
/// `deadline`: the obligations it speaks of fall due within a time.
#[serde(deny_unknown_fields)]
struct DeadlineDecl {
    /// Only these parties' obligations (default: every party's).
    #[serde(default)]
    parties: Option<Ids>,
    /// Only obligations at this level (default: any).
    #[serde(default)]
    level: Option<Level>,
    /// Definite obligations only, or any (the default).
    #[serde(default)]
    status: StatusFilter,
    /// Only obligations under these treaties or clauses (`nato`, `nato/art5`).
    #[serde(default)]
    under: Option<Ids>,
    /// Each such obligation falls due within this time.
    within: WithinDecl,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
/// `obliged`: at least so many parties owe an obligation.
#[serde(deny_unknown_fields)]
struct ObligedDecl {
    /// How many parties at least.
    at_least: u32,
    /// At this level or stronger (default: any level).
    #[serde(default)]
    level: Option<Level>,
    /// Definite obligations only (the default), or any.
    #[serde(default = "definite")]
    status: StatusFilter,
    /// Counting only these parties (default: every party).
    #[serde(default)]
    among: Option<Ids>,
    /// Counting only obligations due within this time.
    #[serde(default)]
    within: Option<WithinDecl>,
}

fn definite() -> StatusFilter {
    StatusFilter::Definite
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
/// `never`: no party owes such an obligation.
#[serde(deny_unknown_fields)]
struct NeverDecl {
    /// Only these parties (default: every party).
    #[serde(default)]
    parties: Option<Ids>,
    /// At this level or stronger (default: any level).
    #[serde(default)]
    level: Option<Level>,
    /// Requiring one of these forms (default: any).
    #[serde(default)]
    forms: Vec<Form>,
    /// Definite obligations only, or any (the default).
    #[serde(default)]
    status: StatusFilter,
}

/// What a property requires of every scenario in its scope.
#[derive(Debug, Clone)]
pub(crate) enum Requirement {
    /// At least `count` parties (of `among`, if given) owe an obligation matching `level`.
    Obliged {
        count: u32,
        level: Option<Level>,
        status: StatusFilter,
        among: Option<Vec<PartyIx>>,
        /// Only obligations due within so many hours count.
        within: Option<u64>,
    },
    /// No party (of `parties`, if given) owes an obligation matching `level` and requiring
    /// every one of `forms`.
    Never {
        parties: Option<Vec<PartyIx>>,
        level: Option<Level>,
        forms: u16,
        status: StatusFilter,
    },
    /// No party owes obligations matching two levels at once.
    Exclusive(Level, Level),
    /// Every obligation that `which` selects satisfies `must`.
    Each { which: Which, must: Must },
}

/// The obligations a requirement on forms or deadlines speaks of.
#[derive(Debug, Clone)]
pub(crate) struct Which {
    pub parties: Option<Vec<PartyIx>>,
    pub level: Option<Level>,
    pub status: StatusFilter,
    /// Obligations under these treaties only.
    pub under: Option<Vec<TreatyIx>>,
}

/// What every selected obligation must say.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Must {
    /// Forms, as bit sets: each of `required` required, each of `allowed` allowed, each of
    /// `excluded` excluded, none of `not_allowed` allowed.
    Forms {
        required: u16,
        allowed: u16,
        excluded: u16,
        not_allowed: u16,
    },
    /// Due within so many hours.
    Within(u64),
}

/// The forms an obligation allows: those it requires or names as allowed (`armed_force`
/// allowing air power, naval forces and ground troops too), or every form when it names none,
/// less those excluded (by the clause or a reservation).
pub(crate) fn allowed_forms(o: &Obligation, excluded: u16) -> u16 {
    let named = o.required | o.allowed;
    let armed = form_bits(&[Form::ArmedForce]);
    let combat = form_bits(&[Form::AirPower, Form::NavalForces, Form::GroundTroops]);
    let open = if named == 0 {
        form_bits(Form::ALL)
    } else if named & armed != 0 {
        named | combat
    } else {
        named
    };
    open & !(excluded | o.excluded)
}

impl Must {
    /// Whether obligation `o`, owed with `excluded` forms ruled out (reservations included),
    /// satisfies this; `Err` says how it fails.
    pub(crate) fn check(self, o: &Obligation, excluded: u16) -> Result<(), String> {
        let names = |bits: u16| -> String {
            forms_of(bits)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Must::Forms {
                required,
                allowed,
                excluded: must_exclude,
                not_allowed,
            } => {
                let allows = allowed_forms(o, excluded);
                let excl = excluded | o.excluded;
                let mut why = Vec::new();
                if required & !o.required != 0 {
                    why.push(format!("does not require {}", names(required & !o.required)));
                }
                if allowed & !allows != 0 {
                    why.push(format!("does not allow {}", names(allowed & !allows)));
                }
                if must_exclude & !excl != 0 {
                    why.push(format!("does not exclude {}", names(must_exclude & !excl)));
                }
                if not_allowed & allows != 0 {
                    let how = if (o.required | o.allowed) == 0 {
                        " (it names no forms, so leaves every form open)"
                    } else {
                        ""
                    };
                    why.push(format!("allows {}{how}", names(not_allowed & allows)));
                }
                if why.is_empty() { Ok(()) } else { Err(why.join("; ")) }
            }
            Must::Within(hours) => match (o.due, o.due_words()) {
                (Some(h), _) if h <= hours => Ok(()),
                (Some(_), Some(d)) => Err(format!("is due {d}, not within {hours} hours")),
                _ if o.stage.0 > 1 && o.deadline.is_some() => Err(format!(
                    "is a later stage after one with no deadline, so has none from the attack (required: within {hours} hours)"
                )),
                _ => Err(format!("has no deadline (required: within {hours} hours)")),
            },
        }
    }
}

/// Whether obligation `o` is due within `hours` of the attack (an obligation without a
/// deadline is not; a later stage counts the stages before it).
pub(crate) fn due_within(o: &Obligation, hours: Option<u64>) -> bool {
    hours.is_none_or(|h| o.due.is_some_and(|x| x <= h))
}

impl Requirement {
    /// Whether some hit of clause `c` (under its default or any alternative reading) could be
    /// one the requirement looks at: its answer, and what it waits on ([`super::check`]'s
    /// `violation` and `undecided`), read only hits of a level, of obligors, of forms and of
    /// deadlines the requirement selects. A clause no such hit can come from cannot change the
    /// answer, so the walk neither evaluates it nor tells scenarios apart by what it tests.
    /// Conservative: a hit's level is its obligation's, or the lower one a reservation of the
    /// treaty caps it at; its obligor one the obligation names or a party of the treaty.
    pub(crate) fn may_see(&self, e: &Engine, c: &Clause) -> bool {
        let Some(t) = e.treaties.get(c.treaty as usize) else {
            return true;
        };
        let caps: Vec<Level> = t.reservations.iter().filter_map(|r| r.max_level).collect();
        let level = |o: &Obligation, want: Option<Level>| {
            level_matches(o.level, want) || (o.level.is_response() && caps.iter().any(|l| level_matches(*l, want)))
        };
        let obligors = |o: &Obligation, among: &Option<Vec<PartyIx>>| {
            among.as_ref().is_none_or(|ps| match &o.obligated {
                Obligors::Named(v) => v.iter().any(|p| ps.contains(p)),
                Obligors::Others | Obligors::All => t.ever.iter().any(|p| ps.contains(p)),
            })
        };
        let sees = |o: &Obligation| match self {
            Requirement::Obliged {
                level: want,
                among,
                within,
                ..
            } => level(o, *want) && obligors(o, among) && due_within(o, *within),
            Requirement::Never {
                parties,
                level: want,
                forms,
                ..
            } => level(o, *want) && obligors(o, parties) && o.required & forms == *forms,
            Requirement::Exclusive(a, b) => level(o, Some(*a)) || level(o, Some(*b)),
            Requirement::Each { which, .. } => {
                level(o, which.level)
                    && obligors(o, &which.parties)
                    && which.under.as_ref().is_none_or(|ts| ts.contains(&c.treaty))
            }
        };
        c.obligations
            .iter()
            .chain(c.readings.iter().flat_map(|r| r.obligations.iter()))
            .any(sees)
    }
}

/// One property, resolved against a rule set.
#[derive(Debug, Clone)]
pub struct Property {
    /// Its id.
    pub id: String,
    /// What it says, in words.
    pub description: Option<String>,
    /// The treaty that `treaty_party` in the scope means.
    pub(crate) treaty: Option<TreatyIx>,
    /// The scope's root node in `Properties::nodes`, if any.
    pub(crate) scope: Option<NodeIx>,
    /// Which readings.
    pub readings: Readings,
    pub(crate) require: Requirement,
    /// Parties the property names (they are never merged with others).
    pub(crate) named: Vec<PartyIx>,
}

/// The properties of a file, resolved against one rule set.
#[derive(Debug, Clone)]
pub struct Properties {
    /// The properties, in file order.
    pub properties: Vec<Property>,
    /// The condition arena of the scopes.
    pub(crate) nodes: Vec<Node>,
}

/// Whether an obligation's level matches a required level: the same or stronger for the
/// response levels; exactly `neutrality` for neutrality; any level when none is given.
pub(crate) fn level_matches(have: Level, want: Option<Level>) -> bool {
    match want {
        None => true,
        Some(w) if !w.is_response() => have == w,
        Some(w) => have.is_response() && have.rank() >= w.rank(),
    }
}

pub(crate) fn status_matches(have: Status, want: StatusFilter) -> bool {
    want == StatusFilter::Any || have == Status::Definite
}

impl Properties {
    /// Reads a properties file and resolves its ids against a rule set; every error at once.
    ///
    /// # Errors
    ///
    /// [`LoadError`] with every diagnostic when the file cannot be read or parsed, or names
    /// something the rule set lacks.
    pub fn load(path: impl AsRef<Path>, engine: &Engine) -> Result<Properties, LoadError> {
        let path = path.as_ref();
        let limits = Limits::default();
        let text = crate::kernel::read_text(path, &limits).map_err(|d| LoadError { diagnostics: one(*d) })?;
        Properties::parse(path, text, engine)
    }

    /// Parses properties given as text (see `docs/verify.md` for the format).
    ///
    /// ```
    /// let engine = casus::RuleSet::from_yaml(casus::doc_example())?.compile()?;
    /// let props = casus::verify::Properties::from_yaml("
    /// properties:
    ///   - id: usa-never-military
    ///     require: {never: {parties: [USA], level: military}}
    /// ", &engine)?;
    /// assert_eq!(props.properties[0].id, "usa-never-military");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`LoadError`] with every diagnostic, as [`Properties::load`].
    pub fn from_yaml(text: &str, engine: &Engine) -> Result<Properties, LoadError> {
        Properties::parse(Path::new("<properties>"), text.into(), engine)
    }

    pub(crate) fn parse(path: &Path, text: std::sync::Arc<str>, engine: &Engine) -> Result<Properties, LoadError> {
        let limits = Limits::default();
        let ctx = FileCtx::new(path, Some(text.clone()));
        let file: PropertiesFile =
            crate::kernel::parse_text(&ctx, &text, &limits).map_err(|d| LoadError { diagnostics: one(*d) })?;
        let mut r = Resolver {
            e: engine,
            ctx: &ctx,
            diags: Diagnostics::new(),
            nodes: Vec::new(),
            named: Vec::new(),
            depth_limit: limits.max_condition_depth,
        };
        let mut out = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        if file.properties.is_empty() {
            r.err("empty", ctx.whole(), "the file lists no properties".into(), None);
        }
        for p in &file.properties {
            if !seen.insert(p.id.value.clone()) {
                let at = ctx.at(&p.id.referenced);
                r.err(
                    "duplicate-id",
                    at,
                    format!("duplicate property id `{}`", p.id.value),
                    None,
                );
            }
            r.named.clear();
            let treaty = p.treaty.as_ref().and_then(|ids| r.treaty_choice(ids, &p.id));
            let scope = p.scope.as_ref().map(|c| r.condition(c, treaty.is_some(), 0));
            let require = r.requirement(&p.require, treaty);
            let mut named = std::mem::take(&mut r.named);
            named.sort_unstable();
            named.dedup();
            out.push(Property {
                id: p.id.value.clone(),
                description: p.description.clone(),
                treaty,
                scope,
                readings: p.readings,
                require,
                named,
            });
        }
        if r.diags.has_errors() {
            let mut diagnostics = r.diags;
            diagnostics.sort();
            return Err(LoadError { diagnostics });
        }
        Ok(Properties {
            properties: out,
            nodes: r.nodes,
        })
    }
}

fn one(d: crate::Diagnostic) -> Diagnostics {
    let mut ds = Diagnostics::new();
    ds.push(d);
    ds
}

struct Resolver<'a> {
    e: &'a Engine,
    ctx: &'a FileCtx,
    diags: Diagnostics,
    nodes: Vec<Node>,
    named: Vec<PartyIx>,
    depth_limit: usize,
}

impl Resolver<'_> {
    fn err(&mut self, code: &'static str, at: crate::Position, msg: String, help: Option<String>) {
        self.diags.push(self.ctx.error(code, at, msg, help));
    }

    fn pos(&self, id: &Location, fallback: &Location) -> crate::Position {
        if id.line() == 0 {
            self.ctx.at(fallback)
        } else {
            self.ctx.at(id)
        }
    }

    fn lookup(
        &mut self,
        map: &std::collections::HashMap<String, u32>,
        id: &Id,
        at: &Location,
        kind: &str,
    ) -> Option<u32> {
        if let Some(&ix) = map.get(&id.value) {
            return Some(ix);
        }
        let help =
            crate::names::suggest(&id.value, map.keys().map(String::as_str)).map(|s| format!("did you mean `{s}`?"));
        let pos = self.pos(&id.referenced, at);
        self.err(
            "unknown-id",
            pos,
            format!("unknown {kind} `{}` (not in the rule set)", id.value),
            help,
        );
        None
    }

    fn party(&mut self, id: &Id, at: &Location) -> Option<PartyIx> {
        let p = self.lookup(&self.e.party_ix, id, at, "party")?;
        self.named.push(p);
        Some(p)
    }

    fn parties(&mut self, ids: &Ids, at: &Location) -> Vec<PartyIx> {
        ids.0.iter().filter_map(|i| self.party(i, at)).collect()
    }

    /// The one treaty of a list that the rule set defines.
    fn treaty_choice(&mut self, ids: &Ids, prop: &Id) -> Option<TreatyIx> {
        let found: Vec<TreatyIx> = ids
            .0
            .iter()
            .filter_map(|i| self.e.treaty_ix.get(&i.value).copied())
            .collect();
        let at = self.ctx.at(&prop.referenced);
        match found.as_slice() {
            [one] => Some(*one),
            [] => {
                let names: Vec<&str> = ids.0.iter().map(|i| i.value.as_str()).collect();
                let hint = ids
                    .0
                    .first()
                    .and_then(|i| crate::names::suggest(&i.value, self.e.treaty_ix.keys().map(String::as_str)));
                self.err(
                    "unknown-id",
                    at,
                    format!(
                        "property `{}`: the rule set has none of the treaties [{}]",
                        prop.value,
                        names.join(", ")
                    ),
                    hint.map(|h| format!("did you mean `{h}`?")),
                );
                None
            }
            _ => {
                self.err(
                    "ambiguous-treaty",
                    at,
                    format!(
                        "property `{}`: the rule set has more than one of the treaties listed",
                        prop.value
                    ),
                    Some("list treaties of which each rule set has exactly one".into()),
                );
                None
            }
        }
    }

    /// Hours of a `within`, or an error when it gives neither or both of hours and days.
    fn within(&mut self, w: &WithinDecl, at: &Location) -> u64 {
        match (w.hours, w.days) {
            (Some(h), None) => u64::from(h),
            (None, Some(d)) => u64::from(d) * 24,
            _ => {
                self.err(
                    "bad-within",
                    self.ctx.at(at),
                    "`within` takes either `hours` or `days`".into(),
                    Some("write e.g. `within: {hours: 24}` or `within: {days: 30}`".into()),
                );
                0
            }
        }
    }

    /// The treaties of `under:`: those of the list the rule set has (at least one), or the
    /// property's `treaty` for `under: treaty`.
    fn under(&mut self, ids: &Ids, treaty: Option<TreatyIx>, at: &Location) -> Vec<TreatyIx> {
        if let ([one], Some(t)) = (ids.0.as_slice(), treaty)
            && one.value == "treaty"
            && !self.e.treaty_ix.contains_key("treaty")
        {
            return vec![t];
        }
        let found: Vec<TreatyIx> = ids
            .0
            .iter()
            .filter_map(|i| self.e.treaty_ix.get(&i.value).copied())
            .collect();
        if found.is_empty() {
            let names: Vec<&str> = ids.0.iter().map(|i| i.value.as_str()).collect();
            let hint = ids
                .0
                .first()
                .and_then(|i| crate::names::suggest(&i.value, self.e.treaty_ix.keys().map(String::as_str)));
            self.err(
                "unknown-id",
                self.ctx.at(at),
                format!("`under`: the rule set has none of the treaties [{}]", names.join(", ")),
                Some(hint.map_or_else(
                    || "name a treaty of the rule set, or write `under: treaty` for the property's `treaty`".into(),
                    |h| format!("did you mean `{h}`?"),
                )),
            );
        }
        found
    }

    fn requirement(&mut self, r: &Spanned<RequirementDecl>, treaty: Option<TreatyIx>) -> Requirement {
        let at = r.referenced;
        match &r.value {
            RequirementDecl::Obliged(o) => {
                if o.at_least == 0 {
                    self.err(
                        "bad-count",
                        self.ctx.at(&at),
                        "`at_least: 0` always holds".into(),
                        Some("use 1 or more".into()),
                    );
                }
                Requirement::Obliged {
                    count: o.at_least,
                    level: o.level,
                    status: o.status,
                    among: o.among.as_ref().map(|ids| self.parties(ids, &at)),
                    within: o.within.map(|w| self.within(&w, &at)),
                }
            }
            RequirementDecl::Forms(f) => {
                if f.required.is_empty() && f.allowed.is_empty() && f.excluded.is_empty() && f.not_allowed.is_empty() {
                    self.err(
                        "empty-requirement",
                        self.ctx.at(&at),
                        "`forms` names no form to require, allow, exclude or rule out".into(),
                        Some("write e.g. `forms: {not_allowed: [ground_troops]}`".into()),
                    );
                }
                let which = Which {
                    parties: f.parties.as_ref().map(|ids| self.parties(ids, &at)),
                    level: f.level,
                    status: f.status,
                    under: f.under.as_ref().map(|ids| self.under(ids, treaty, &at)),
                };
                Requirement::Each {
                    which,
                    must: Must::Forms {
                        required: form_bits(&f.required),
                        allowed: form_bits(&f.allowed),
                        excluded: form_bits(&f.excluded),
                        not_allowed: form_bits(&f.not_allowed),
                    },
                }
            }
            RequirementDecl::Deadline(d) => {
                let which = Which {
                    parties: d.parties.as_ref().map(|ids| self.parties(ids, &at)),
                    level: d.level,
                    status: d.status,
                    under: d.under.as_ref().map(|ids| self.under(ids, treaty, &at)),
                };
                Requirement::Each {
                    which,
                    must: Must::Within(self.within(&d.within, &at)),
                }
            }
            RequirementDecl::Never(n) => Requirement::Never {
                parties: n.parties.as_ref().map(|ids| self.parties(ids, &at)),
                level: n.level,
                forms: form_bits(&n.forms),
                status: n.status,
            },
            RequirementDecl::Exclusive(levels) => match levels.as_slice() {
                [a, b] => Requirement::Exclusive(a.value, b.value),
                _ => {
                    self.err(
                        "bad-exclusive",
                        self.ctx.at(&at),
                        "`exclusive` takes exactly two levels".into(),
                        Some("write e.g. `exclusive: [assist, neutrality]`".into()),
                    );
                    Requirement::Exclusive(Level::Neutrality, Level::Neutrality)
                }
            },
        }
    }

    fn push(&mut self, n: Node) -> NodeIx {
        self.nodes.push(n);
        (self.nodes.len() - 1) as NodeIx
    }

    fn condition(&mut self, c: &Spanned<Condition>, has_treaty: bool, depth: usize) -> NodeIx {
        let at = c.referenced;
        if depth > self.depth_limit {
            self.err(
                "limit-condition-depth",
                self.ctx.at(&at),
                format!("conditions nested deeper than {} levels", self.depth_limit),
                None,
            );
            return self.push(Node::Always(false));
        }
        let node = match &c.value {
            Condition::All(v) | Condition::Any(v) => {
                if v.is_empty() {
                    self.err(
                        "empty-condition",
                        self.ctx.at(&at),
                        "empty list".into(),
                        Some("list at least one condition".into()),
                    );
                }
                let kids = v.iter().map(|k| self.condition(k, has_treaty, depth + 1)).collect();
                if matches!(c.value, Condition::All(_)) {
                    Node::All(kids)
                } else {
                    Node::Any(kids)
                }
            }
            Condition::Not(k) => Node::Not(self.condition(k, has_treaty, depth + 1)),
            Condition::Event(k) => Node::Event(k.0.iter().fold(0u8, |m, e| m | (1u8 << (*e as u8)))),
            Condition::Means(k) => Node::Means(k.0.iter().fold(0u8, |m, e| m | (1u8 << (*e as u8)))),
            Condition::On(k) => Node::On(k.0.iter().fold(0u8, |m, e| m | (1u8 << (*e as u8)))),
            Condition::Attacker(t) => Node::Attacker(self.ptest(t, has_treaty, &at)),
            Condition::Attackers(ct) => Node::Attackers(ct.at_least, self.ptest(&ct.that, has_treaty, &at)),
            Condition::SupportedBy(t) => Node::SupportedBy(self.ptest(t, has_treaty, &at)),
            Condition::Target(t) => Node::Target(self.ptest(t, has_treaty, &at)),
            Condition::Location(l) => Node::Location(self.ltest(l, has_treaty, &at)),
            Condition::LaunchedFrom(l) => Node::LaunchedFrom(self.ltest(l, has_treaty, &at)),
            Condition::AcrossLine(id) => self.across_line(id, &at),
            Condition::DeployedUnder(ids) => {
                let mut v: Vec<TreatyIx> = ids
                    .0
                    .iter()
                    .filter_map(|i| {
                        if i.value == "treaty" && !self.e.treaty_ix.contains_key("treaty") {
                            let pos = self.pos(&i.referenced, &at);
                            self.err(
                                "no-treaty",
                                pos,
                                "in a property, `deployed_under` names its treaties".into(),
                                Some("write the treaty's id, e.g. `deployed_under: ukraine_coalition_d`".into()),
                            );
                            return None;
                        }
                        self.lookup(&self.e.treaty_ix, i, &at, "treaty")
                    })
                    .collect();
                v.sort_unstable();
                v.dedup();
                Node::DeployedUnder(v)
            }
            Condition::Date(w) => {
                if w.from.is_none() && w.before.is_none() {
                    self.err(
                        "empty-condition",
                        self.ctx.at(&at),
                        "`date` needs `from`, `before` or both".into(),
                        None,
                    );
                }
                Node::Date(w.from.as_ref().map(|x| x.value), w.before.as_ref().map(|x| x.value))
            }
            Condition::Fact(f) => match self.lookup(&self.e.fact_ix, f, &at, "fact") {
                Some(fx) => Node::Fact(fx),
                None => Node::Always(false),
            },
            Condition::Always(b) => Node::Always(*b),
        };
        self.push(node)
    }

    fn ptest(&mut self, t: &PartyTest, has_treaty: bool, at: &Location) -> PTest {
        match t {
            PartyTest::Target => PTest::Target,
            PartyTest::Attacker => PTest::Attacker,
            PartyTest::TreatyParty => {
                if !has_treaty {
                    self.err(
                        "no-treaty",
                        self.ctx.at(at),
                        "`treaty_party` needs the property to name its treaty".into(),
                        Some("add `treaty: [ID]` to the property, or write `party_to: ID`".into()),
                    );
                }
                PTest::TreatyParty
            }
            PartyTest::State => PTest::State,
            PartyTest::NonState => PTest::NonState,
            PartyTest::Is(ids) => PTest::Is(self.parties(ids, at)),
            PartyTest::MemberOf(o) => match self.party(o, at) {
                Some(ox) => PTest::MemberOf(ox),
                None => PTest::Is(Vec::new()),
            },
            PartyTest::PartyTo(tr) => match self.lookup(&self.e.treaty_ix, tr, at, "treaty") {
                Some(tx) => PTest::PartyTo(tx),
                None => PTest::Is(Vec::new()),
            },
        }
    }

    /// `across_line: ID`, as the rule set compiles it: the line's side controlled the place on
    /// the line's date.
    fn across_line(&mut self, id: &Id, at: &Location) -> Node {
        if let Some(l) = self.e.lines.iter().find(|l| l.id == id.value) {
            return Node::Location(LTest::Holder(
                crate::model::HolderRole::Controller,
                PTest::Is(vec![l.side]),
                Some(l.date),
            ));
        }
        let help = crate::names::suggest(&id.value, self.e.lines.iter().map(|l| l.id.as_str())).map_or_else(
            || "the rule set's lines are declared under `lines:` in its rule files".to_string(),
            |s| format!("did you mean `{s}`?"),
        );
        let pos = self.pos(&id.referenced, at);
        self.err(
            "unknown-id",
            pos,
            format!("unknown line `{}` (not in the rule set)", id.value),
            Some(help),
        );
        Node::Always(false)
    }

    fn ltest(&mut self, l: &PlaceTest, has_treaty: bool, at: &Location) -> LTest {
        use crate::model::HolderRole;
        match l {
            PlaceTest::In(ids) => LTest::In(
                ids.0
                    .iter()
                    .filter_map(|i| self.lookup(&self.e.place_ix, i, at, "territory or area"))
                    .collect(),
            ),
            PlaceTest::Tagged(ids) => {
                let words = self.e.tags.len().div_ceil(64).max(1);
                let mut bits = vec![0u64; words];
                let mut names = Vec::new();
                for t in &ids.0 {
                    match self.e.tags.iter().position(|(id, _)| *id == t.value) {
                        Some(ix) => {
                            if let Some(w) = bits.get_mut(ix / 64) {
                                *w |= 1u64 << (ix % 64);
                            }
                            names.push(t.value.clone());
                        }
                        None => {
                            let help = crate::names::suggest(&t.value, self.e.tags.iter().map(|(id, _)| id.as_str()))
                                .map(|s| format!("did you mean `{s}`?"));
                            let pos = self.pos(&t.referenced, at);
                            self.err("unknown-id", pos, format!("unknown tag `{}`", t.value), help);
                        }
                    }
                }
                LTest::Tagged(bits, names)
            }
            PlaceTest::Sovereign(t) => LTest::Holder(HolderRole::Sovereign, self.ptest(t, has_treaty, at), None),
            PlaceTest::Controller(t) => LTest::Holder(HolderRole::Controller, self.ptest(t, has_treaty, at), None),
            PlaceTest::Administrator(t) => {
                LTest::Holder(HolderRole::Administrator, self.ptest(t, has_treaty, at), None)
            }
            PlaceTest::HeldOn(h) => LTest::Holder(h.role, self.ptest(&h.by, has_treaty, at), Some(h.date.value)),
            PlaceTest::Area => LTest::Area,
        }
    }
}
