//! The handlers of `/api/`: each asks the library and answers JSON (or text where asked).

// A handler's error is the answer itself (an axum `Response`), made once per request: boxing
// it would only add an allocation.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State as Shared};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use casus::graph::{CascadeOptions, CascadePolicy};
use casus::verify::{DiffOptions, Properties, VerifyOptions};
use casus::{Engine, EventKind, Level, Means, On, RuleSet, Scenario, When};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::State;

type St = Shared<Arc<State>>;

/// An error answer: `{"error": text}` with the status, plus the located diagnostics when
/// there are some.
fn fail(status: StatusCode, error: impl Into<String>, diagnostics: Vec<casus::Diagnostic>) -> Response {
    let error = error.into();
    let body = if diagnostics.is_empty() {
        json!({ "error": error })
    } else {
        json!({ "error": error, "diagnostics": diagnostics })
    };
    (status, Json(body)).into_response()
}

/// A 400 answer with a message.
fn bad(error: impl Into<String>) -> Response {
    fail(StatusCode::BAD_REQUEST, error, Vec::new())
}

/// A JSON answer.
fn ok<T: serde::Serialize>(v: &T) -> Response {
    match serde_json::to_value(v) {
        Ok(v) => Json(v).into_response(),
        Err(e) => fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot write JSON: {e}"),
            Vec::new(),
        ),
    }
}

/// Runs blocking library work off the request threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Response> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the request failed: {e}"),
            Vec::new(),
        )
    })
}

/// A date from a query, today (UTC) when absent.
fn date(s: Option<&str>) -> Result<When, Response> {
    match s.filter(|s| !s.is_empty()) {
        Some(s) => When::parse(s).map_err(|e| bad(format!("error: {e}"))),
        None => Ok(When::Day(
            jiff::tz::Offset::UTC.to_datetime(jiff::Timestamp::now()).date(),
        )),
    }
}

/// `GET /api/info`: the rule set's parties, treaties, facts and vocabulary, and what the
/// server offers (drafts, properties).
pub async fn info(Shared(s): St) -> Response {
    let e = &s.engine;
    let parties: Vec<Value> = e
        .parties()
        .into_iter()
        .map(|p| json!({"id": p.id, "name": p.name, "kind": p.kind}))
        .collect();
    let treaties: Vec<Value> = e
        .treaties()
        .into_iter()
        .map(|t| json!({"id": t.id, "name": t.name, "clauses": t.clauses}))
        .collect();
    let words = |all: Vec<&'static str>| Value::from(all);
    ok(&json!({
        "name": s.name,
        "parties": parties,
        "treaties": treaties,
        "facts": e.facts(),
        "events": words(EventKind::ALL.iter().map(|v| v.as_str()).collect()),
        "on": words(On::ALL.iter().map(|v| v.as_str()).collect()),
        "means": words(Means::ALL.iter().map(|v| v.as_str()).collect()),
        "levels": words(Level::ALL.iter().map(|v| v.as_str()).collect()),
        "drafts": s.drafts.keys().collect::<Vec<_>>(),
        "properties": s.properties.keys().collect::<Vec<_>>(),
    }))
}

/// Query of `GET /api/places`.
#[derive(Deserialize)]
pub struct PlacesQuery {
    q: String,
    #[serde(default)]
    limit: Option<usize>,
}

/// `GET /api/places?q=kyiv`: places whose id, name or alias contains the text (at most
/// `limit`, default 20), exact matches first.
pub async fn places(Shared(s): St, Query(q): Query<PlacesQuery>) -> Response {
    if q.q.chars().count() > 200 {
        return bad("error: the search text is longer than 200 characters");
    }
    let limit = q.limit.unwrap_or(20).min(200);
    let engine = s.engine.clone();
    let found = blocking(move || {
        let mut hits = engine.search_places(&q.q);
        let folded = casus::names::fold_name(&q.q);
        hits.sort_by_key(|p| {
            (
                casus::names::fold_name(&p.name) != folded && p.id != q.q,
                p.name.len(),
                p.id.clone(),
            )
        });
        hits.truncate(limit);
        hits
    })
    .await;
    match found {
        Ok(h) => ok(&h),
        Err(r) => r,
    }
}

/// Query of `POST /api/eval`.
#[derive(Deserialize, Default)]
pub struct EvalQuery {
    #[serde(default)]
    rules: Option<String>,
    #[serde(default)]
    explain: Option<bool>,
    #[serde(default)]
    format: Option<String>,
}

/// Reads a scenario from a request body (YAML or JSON) within the limits; an error answer
/// carries the located diagnostic, as `casus eval` prints it.
fn scenario(text: &str, limits: &casus::Limits) -> Result<Scenario, Response> {
    Scenario::from_yaml_with(text, limits).map_err(|e| scenario_fail(&e))
}

fn scenario_fail(e: &casus::ScenarioError) -> Response {
    let located = match e {
        casus::ScenarioError::Invalid(d) | casus::ScenarioError::Unknown { located: Some(d), .. } => {
            vec![(**d).clone()]
        }
        _ => Vec::new(),
    };
    fail(StatusCode::BAD_REQUEST, e.render(), located)
}

/// `POST /api/eval?rules=&explain=&format=`: the verdict on the scenario in the body, in the
/// pinned JSON of `casus eval --format json` (with `explain=true`, of `--explain`), or with
/// `format=table` the text table of `casus eval` (`--why-not` with `explain`).
pub async fn eval(Shared(s): St, Query(q): Query<EvalQuery>, body: String) -> Response {
    let sc = match scenario(&body, &s.limits) {
        Ok(sc) => sc,
        Err(r) => return r,
    };
    let st = s.clone();
    let out = blocking(move || {
        let engine = st.engine_named(q.rules.as_deref().unwrap_or("")).map_err(bad)?;
        let explain = q.explain.unwrap_or(false);
        let v = if explain {
            engine.evaluate_explained(&sc)
        } else {
            engine.evaluate(&sc)
        }
        .map_err(|e| scenario_fail(&e))?;
        Ok::<_, Response>((v, q.format, explain))
    })
    .await;
    match out {
        Err(r) | Ok(Err(r)) => r,
        Ok(Ok((v, format, explain))) if format.as_deref() == Some("table") => {
            let options = casus::report::TableOptions {
                width: casus::table::Width::wide(false),
                explain,
                why_not: explain,
            };
            text(casus::report::render_verdict(&v, &options))
        }
        Ok(Ok((v, _, _))) => ok(&v),
    }
}

fn text(s: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], s).into_response()
}

/// Query of the party views.
#[derive(Deserialize)]
pub struct PartyQuery {
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    rules: Option<String>,
    #[serde(default)]
    min_level: Option<String>,
}

/// `GET /api/guarantors/{party}?date=&rules=`: who is bound to help the party on the date.
pub async fn guarantors(Shared(s): St, Path(party): Path<String>, Query(q): Query<PartyQuery>) -> Response {
    party_view(s, party, q, |e, p, at, _| e.guarantors(p, at).map(|v| json!(v))).await
}

/// `GET /api/commitments/{party}?date=&rules=`: whom the party is bound to help.
pub async fn commitments(Shared(s): St, Path(party): Path<String>, Query(q): Query<PartyQuery>) -> Response {
    party_view(s, party, q, |e, p, at, _| e.commitments(p, at).map(|v| json!(v))).await
}

/// `GET /api/exposure/{party}?date=&rules=&min_level=`: every class of attack that would
/// oblige the party (at `min_level` or stronger, default `assist`).
pub async fn exposure(Shared(s): St, Path(party): Path<String>, Query(q): Query<PartyQuery>) -> Response {
    party_view(s, party, q, |e, p, at, min| e.exposure(p, at, min).map(|v| json!(v))).await
}

type PartyFn = fn(&Engine, &str, When, Level) -> Result<Value, casus::graph::GraphError>;

async fn party_view(s: Arc<State>, party: String, q: PartyQuery, f: PartyFn) -> Response {
    let at = match date(q.date.as_deref()) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let min = match q.min_level.as_deref() {
        None | Some("") => Level::Assist,
        Some(l) => match Level::parse(l) {
            Some(l) => l,
            None => return bad(format!("error: unknown level `{l}`")),
        },
    };
    let out = blocking(move || {
        let engine = s.engine_named(q.rules.as_deref().unwrap_or(""))?;
        f(&engine, &party, at, min).map_err(|e| format!("error: {e}"))
    })
    .await;
    match out {
        Err(r) => r,
        Ok(Err(e)) => bad(e),
        Ok(Ok(v)) => Json(v).into_response(),
    }
}

/// Query of `GET /api/graph`.
#[derive(Deserialize)]
pub struct GraphQuery {
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    rules: Option<String>,
    /// Treaty ids, separated by commas.
    #[serde(default)]
    treaties: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

/// `GET /api/graph?date=&treaties=&format=`: every commitment at a date (of some treaties
/// only), as the JSON of `casus graph --format json`, or with `format=dot` its DOT text.
pub async fn graph(Shared(s): St, Query(q): Query<GraphQuery>) -> Response {
    let at = match date(q.date.as_deref()) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let out = blocking(move || {
        let engine = s.engine_named(q.rules.as_deref().unwrap_or(""))?;
        let mut g = engine
            .commitment_graph_within(at, s.limits.max_graph_edges)
            .map_err(|e| format!("error: {e}"))?;
        let treaties: Vec<String> = q
            .treaties
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect();
        if !treaties.is_empty() {
            g = g.with_treaties(&treaties);
        }
        if q.format.as_deref() == Some("dot") {
            return Ok(Err(g.to_dot()));
        }
        serde_json::to_value(&g).map(Ok).map_err(|e| format!("error: {e}"))
    })
    .await;
    match out {
        Err(r) => r,
        Ok(Err(e)) => bad(e),
        Ok(Ok(Ok(v))) => Json(v).into_response(),
        Ok(Ok(Err(dot))) => text(dot),
    }
}

/// Query of `POST /api/cascade`.
#[derive(Deserialize)]
pub struct CascadeQuery {
    #[serde(default)]
    rules: Option<String>,
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    min_level: Option<String>,
}

/// `POST /api/cascade?policy=best|worst&min_level=`: the rounds of entry set off by the
/// scenario in the body, as the JSON of `casus cascade --format json`.
pub async fn cascade(Shared(s): St, Query(q): Query<CascadeQuery>, body: String) -> Response {
    let sc = match scenario(&body, &s.limits) {
        Ok(sc) => sc,
        Err(r) => return r,
    };
    let policy = match q.policy.as_deref() {
        None | Some("" | "best") => CascadePolicy::Best,
        Some("worst") => CascadePolicy::Worst,
        Some(p) => return bad(format!("error: unknown policy `{p}`; one of best, worst")),
    };
    let min_level = match q.min_level.as_deref() {
        None | Some("") => Level::Assist,
        Some(l) => match Level::parse(l) {
            Some(l) => l,
            None => return bad(format!("error: unknown level `{l}`")),
        },
    };
    let out = blocking(move || {
        let engine = s.engine_named(q.rules.as_deref().unwrap_or(""))?;
        engine
            .cascade(&sc, &CascadeOptions { policy, min_level })
            .map_err(|e| format!("error: {e}"))
    })
    .await;
    match out {
        Err(r) => r,
        Ok(Err(e)) => bad(e),
        Ok(Ok(c)) => ok(&c),
    }
}

/// `GET /api/drafts/{name}`: the rule files of a draft (`drafts/ukraine-coalition-a`), each
/// as `{path, text}`, to open in the page.
pub async fn draft(Shared(s): St, Path(name): Path<String>) -> Response {
    let Some(dir) = s.drafts.get(&name).cloned() else {
        return fail(StatusCode::NOT_FOUND, format!("error: no draft `{name}`"), Vec::new());
    };
    let limit = s.limits.max_file_bytes;
    let files = blocking(move || {
        let mut out = Vec::new();
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map(|r| r.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for p in entries {
            let yaml = p.extension().is_some_and(|x| x == "yaml" || x == "yml");
            let small = std::fs::metadata(&p).is_ok_and(|m| m.is_file() && m.len() <= limit);
            if yaml
                && small
                && let Ok(t) = std::fs::read_to_string(&p)
            {
                let file = p
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default();
                out.push(json!({"path": file, "text": t}));
            }
        }
        out
    })
    .await;
    match files {
        Err(r) => r,
        Ok(f) => ok(&json!({"name": name, "files": f})),
    }
}

/// `GET /api/properties/{name}`: the text of a properties file on offer.
pub async fn properties(Shared(s): St, Path(name): Path<String>) -> Response {
    let Some(path) = s.properties.get(&name).cloned() else {
        return fail(
            StatusCode::NOT_FOUND,
            format!("error: no properties file `{name}`"),
            Vec::new(),
        );
    };
    match blocking(move || std::fs::read_to_string(path)).await {
        Err(r) => r,
        Ok(Err(e)) => fail(StatusCode::INTERNAL_SERVER_ERROR, format!("error: {e}"), Vec::new()),
        Ok(Ok(t)) => ok(&json!({"name": name, "text": t})),
    }
}

/// A rule set named in a request: `{"name": "main" | "drafts/…"}`, or `{"text": "…"}`, a
/// rule file over the main rule set (a draft being edited).
#[derive(Deserialize, Debug, Clone, Default)]
pub struct RuleSource {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

/// What went wrong building an engine: a message and the located diagnostics.
type Failure = (String, Vec<casus::Diagnostic>);

/// Loads the text over the main rule set, through the same limits as a file.
fn load_text(s: &State, text: &str) -> Result<RuleSet, Failure> {
    RuleSet::load_with_text(std::slice::from_ref(&s.rules), "<draft>", text, &s.limits).map_err(|e| {
        let mut items = e.diagnostics.items().to_vec();
        errors_first(&mut items);
        let rendered: String = items.iter().map(casus::Diagnostic::render).collect();
        (format!("{rendered}error: {}\n", e.summary()), items)
    })
}

/// Errors first, then the text's own diagnostics, then the rest (notes of the main rule set).
fn errors_first(items: &mut [casus::Diagnostic]) {
    items.sort_by_key(|d| {
        (
            d.severity != casus::Severity::Error,
            d.position.file.as_os_str() != "<draft>",
        )
    });
}

impl RuleSource {
    fn engine(&self, s: &State) -> Result<Arc<Engine>, Failure> {
        match (&self.text, &self.name) {
            (Some(t), _) => {
                let set = load_text(s, t)?;
                set.compile()
                    .map(Arc::new)
                    .map_err(|e| (format!("error: {e}\n"), Vec::new()))
            }
            (None, n) => s.engine_named(n.as_deref().unwrap_or("")).map_err(|e| (e, Vec::new())),
        }
    }
}

/// Body of `POST /api/check`.
#[derive(Deserialize)]
pub struct CheckBody {
    text: String,
}

/// `POST /api/check` `{"text": …}`: every diagnostic of the text loaded over the main rule
/// set, as `casus check --format json` gives them (`ok`, `diagnostics`), with `rendered`,
/// the text the command line prints.
pub async fn check(Shared(s): St, Json(b): Json<CheckBody>) -> Response {
    let out = blocking(move || match load_text(&s, &b.text) {
        Ok(set) => {
            // The notes of the main rule set (folders it skips) say nothing of the text.
            let items: Vec<casus::Diagnostic> = set
                .diagnostics()
                .items()
                .iter()
                .filter(|d| d.severity != casus::Severity::Note || d.position.file.as_os_str() == "<draft>")
                .cloned()
                .collect();
            let rendered: String = items.iter().map(casus::Diagnostic::render).collect();
            json!({"ok": true, "diagnostics": items, "rendered": rendered})
        }
        Err((rendered, items)) => json!({"ok": false, "diagnostics": items, "rendered": rendered}),
    })
    .await;
    match out {
        Err(r) => r,
        Ok(v) => Json(v).into_response(),
    }
}

/// Body of `POST /api/verify`.
#[derive(Deserialize)]
pub struct VerifyBody {
    #[serde(default)]
    rules: RuleSource,
    /// A properties file on offer, by name.
    #[serde(default)]
    properties: Option<String>,
    /// Or the properties as text.
    #[serde(default)]
    properties_text: Option<String>,
    #[serde(default)]
    sample: Option<u32>,
}

/// `POST /api/verify`: starts checking properties against a rule set; answers `{"job": id}`
/// at once (see `GET /api/jobs/{id}`).
pub async fn verify(Shared(s): St, Json(b): Json<VerifyBody>) -> Response {
    let text = match (&b.properties_text, &b.properties) {
        (Some(t), _) => t.clone(),
        (None, Some(n)) => match s.properties.get(n).map(std::fs::read_to_string) {
            Some(Ok(t)) => t,
            _ => {
                return fail(
                    StatusCode::NOT_FOUND,
                    format!("error: no properties file `{n}`"),
                    Vec::new(),
                );
            }
        },
        (None, None) => return bad("error: give `properties` (a name) or `properties_text`"),
    };
    if text.len() as u64 > s.limits.max_file_bytes {
        return bad("error: the properties text is over the size limit (max_file_bytes)");
    }
    let st = s.clone();
    let prepared = blocking(move || {
        let engine = b.rules.engine(&st)?;
        let props = Properties::from_yaml(&text, &engine).map_err(|e| {
            let items = e.diagnostics.items().to_vec();
            let rendered: String = items.iter().map(casus::Diagnostic::render).collect();
            (format!("{rendered}error: {} in the properties\n", e.summary()), items)
        })?;
        Ok::<_, Failure>((engine, props, b.sample))
    })
    .await;
    let (engine, props, sample) = match prepared {
        Err(r) => return r,
        Ok(Err((msg, d))) => return fail(StatusCode::BAD_REQUEST, msg, d),
        Ok(Ok(x)) => x,
    };
    start(&s, "verify", move |ctx| {
        let opts = VerifyOptions {
            sample,
            cancel: Some(ctx.cancel.clone()),
            ..VerifyOptions::default()
        };
        let tick = |_: &str, done: u64, total: u64| ctx.tick(done, total);
        let r = casus::verify::verify(&engine, &props, &opts, Some(&tick))?;
        Ok(serde_json::to_value(&r).unwrap_or(Value::Null))
    })
}

/// Body of `POST /api/diff`.
#[derive(Deserialize)]
pub struct DiffBody {
    old: RuleSource,
    new: RuleSource,
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    parties: Vec<String>,
}

/// `POST /api/diff`: starts comparing two rule sets over every scenario; answers
/// `{"job": id}` at once (see `GET /api/jobs/{id}`).
pub async fn diff(Shared(s): St, Json(b): Json<DiffBody>) -> Response {
    let st = s.clone();
    let engines =
        blocking(move || Ok::<_, Failure>((b.old.engine(&st)?, b.new.engine(&st)?, b.targets, b.parties))).await;
    let (old, new, targets, parties) = match engines {
        Err(r) => return r,
        Ok(Err((msg, d))) => return fail(StatusCode::BAD_REQUEST, msg, d),
        Ok(Ok(x)) => x,
    };
    start(&s, "diff", move |ctx| {
        let opts = DiffOptions {
            targets: (!targets.is_empty()).then_some(targets),
            parties: (!parties.is_empty()).then_some(parties),
            cancel: Some(ctx.cancel.clone()),
            ..DiffOptions::default()
        };
        let tick = |_: &str, done: u64, total: u64| ctx.tick(done, total);
        let r = casus::verify::diff(&old, &new, &opts, Some(&tick))?;
        Ok(serde_json::to_value(&r).unwrap_or(Value::Null))
    })
}

fn start<F>(s: &State, kind: &'static str, work: F) -> Response
where
    F: FnOnce(&crate::jobs::Ctx) -> Result<Value, casus::verify::VerifyError> + Send + 'static,
{
    match s.jobs.start(kind, work) {
        Ok(id) => (StatusCode::ACCEPTED, Json(json!({"job": id}))).into_response(),
        Err(e) => fail(StatusCode::TOO_MANY_REQUESTS, format!("error: {e}"), Vec::new()),
    }
}

/// `GET /api/jobs/{id}`: where a job stands, and its report once done.
pub async fn job(Shared(s): St, Path(id): Path<u64>) -> Response {
    match s.jobs.view(id) {
        Some(v) => ok(&v),
        None => fail(StatusCode::NOT_FOUND, format!("error: no job {id}"), Vec::new()),
    }
}

/// `DELETE /api/jobs/{id}`: asks a job to stop.
pub async fn cancel(Shared(s): St, Path(id): Path<u64>) -> Response {
    if s.jobs.cancel(id) {
        ok(&json!({"job": id, "cancelling": true}))
    } else {
        fail(StatusCode::NOT_FOUND, format!("error: no job {id}"), Vec::new())
    }
}

/// Query of `GET /api/map`.
#[derive(Deserialize)]
pub struct MapQuery {
    /// `coverage` (default), `guarantors`, `exposure` or `diff`.
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    rules: Option<String>,
    /// For `diff`: the new rule set.
    #[serde(default)]
    new: Option<String>,
    #[serde(default)]
    treaty: Option<String>,
    #[serde(default)]
    party: Option<String>,
    #[serde(default)]
    attacker: Option<String>,
    #[serde(default)]
    min_level: Option<String>,
}

/// `GET /api/map?kind=&date=&rules=&treaty=&party=&attacker=&new=`: the map of `casus map`
/// as SVG (each place's path carries `data-place` and `data-shade`).
pub async fn map(Shared(s): St, Query(q): Query<MapQuery>) -> Response {
    let at = match date(q.date.as_deref()) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let min_level = match q.min_level.as_deref().filter(|l| !l.is_empty()) {
        None => Level::Assist,
        Some(l) => match Level::parse(l) {
            Some(l) => l,
            None => return bad(format!("error: unknown level `{l}`")),
        },
    };
    let out = blocking(move || {
        let rules = q.rules.clone().unwrap_or_else(|| "main".into());
        let engine = s.engine_named(&rules)?;
        let new_name = q.new.clone().unwrap_or_default();
        let new = s.engine_named(&new_name)?;
        let treaty = q.treaty.as_deref().filter(|t| !t.is_empty());
        let attacker = q.attacker.as_deref().filter(|t| !t.is_empty());
        let party = q.party.as_deref().unwrap_or("");
        let kind = match q.kind.as_deref().unwrap_or("coverage") {
            "coverage" => casus::map::MapKind::Coverage { treaty, attacker },
            "guarantors" => casus::map::MapKind::Guarantors { party },
            "exposure" => casus::map::MapKind::Exposure { party, min_level },
            "diff" => casus::map::MapKind::Diff {
                new: &new,
                new_label: &new_name,
                treaty,
                attacker,
            },
            k => {
                return Err(format!(
                    "error: unknown map `{k}`; one of coverage, guarantors, exposure, diff"
                ));
            }
        };
        let label = if rules == "main" { s.name.clone() } else { rules.clone() };
        casus::map::render_svg(&engine, &casus::map::MapRequest::new(kind, at, &label))
            .map_err(|e| format!("error: {e}"))
    })
    .await;
    match out {
        Err(r) => r,
        Ok(Err(e)) => bad(e),
        Ok(Ok(svg)) => ([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], svg).into_response(),
    }
}
