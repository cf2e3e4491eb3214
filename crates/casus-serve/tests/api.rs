//! The HTTP API, asked as another program would: each answer is compared with what the
//! library gives for the same question.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use casus_serve::{Config, JobState, Jobs, State};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// The shipped library, loaded once for every test of this file.
fn state() -> Arc<State> {
    static STATE: OnceLock<Arc<State>> = OnceLock::new();
    STATE
        .get_or_init(|| {
            let mut config = Config::new(PathBuf::from("../../rules"));
            config.properties = Some(PathBuf::from("../../examples/properties"));
            match State::load(&config) {
                Ok(s) => Arc::new(s),
                Err(e) => unreachable!("the shipped rules load: {e}"),
            }
        })
        .clone()
}

/// Sends a request; the status and the body as JSON (or as a JSON string when it is text).
async fn send(req: Request<Body>) -> (StatusCode, Value) {
    let resp = casus_serve::app(state())
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let status = resp.status();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn post(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap_or_default()
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap_or_default()
}

/// The verdict the library gives, as JSON.
fn library_verdict(yaml: &str, explain: bool) -> Value {
    let s = casus::Scenario::from_yaml(yaml).unwrap_or_else(|e| unreachable!("{e}"));
    let e = &state().engine;
    let v = if explain {
        e.evaluate_explained(&s)
    } else {
        e.evaluate(&s)
    };
    serde_json::to_value(v.unwrap_or_else(|e| unreachable!("{e}"))).unwrap_or_default()
}

const ESTONIA: &str = "date: 2026-06-01\nevent: armed_attack\nattacker: RUS\ntarget: EST\nlocation: Tallinn\n";

#[tokio::test]
async fn eval_answers_the_pinned_verdict_json() {
    let (status, v) = send(post("/api/eval", ESTONIA)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v, library_verdict(ESTONIA, false));
    let usa = v["obligations"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["party"] == "USA"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (usa["level"].as_str(), usa["status"].as_str()),
        (Some("assist"), Some("definite"))
    );
    let (_, explained) = send(post("/api/eval?explain=true", ESTONIA)).await;
    assert_eq!(explained, library_verdict(ESTONIA, true));
    assert!(explained["explanation"].is_array());
}

#[tokio::test]
async fn eval_takes_json_and_gives_the_table_as_text() {
    let body = json!({"date": "2026-06-01", "event": "armed_attack", "attacker": "RUS", "target": "EST", "location": "Tallinn"});
    let (_, v) = send(post("/api/eval", body.to_string())).await;
    assert_eq!(v, library_verdict(ESTONIA, false));
    let (status, t) = send(post("/api/eval?format=table", ESTONIA)).await;
    assert_eq!(status, StatusCode::OK);
    let s = casus::Scenario::from_yaml(ESTONIA).unwrap_or_else(|e| unreachable!("{e}"));
    let verdict = state().engine.evaluate(&s).unwrap_or_else(|e| unreachable!("{e}"));
    let want = casus::report::render_verdict(&verdict, &casus::report::TableOptions::default());
    assert_eq!(t.as_str(), Some(want.as_str()));
}

#[tokio::test]
async fn a_bad_scenario_gets_the_located_diagnostic_of_the_command_line() {
    let (status, v) = send(post(
        "/api/eval",
        "date: 2026-06-01\nevent: armed_attack\nattacker: RUSS\ntarget: EST\n",
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = v["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("<scenario>:3:11: error[unknown-party]: unknown party `RUSS`"),
        "{error}"
    );
    assert!(error.contains("did you mean `RUS`?"), "{error}");
    assert_eq!(v["diagnostics"][0]["position"]["line"], 3);
    let (status, v) = send(post(
        "/api/eval",
        "date: 2026-13-01\nevent: armed_attack\ntarget: EST\n",
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        v["error"].as_str().unwrap_or_default().starts_with("<scenario>:1:"),
        "{v}"
    );
    let (status, v) = send(post("/api/eval?rules=drafts/ukraine-coalition-z", ESTONIA)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        v["error"]
            .as_str()
            .unwrap_or_default()
            .contains("did you mean `drafts/ukraine-coalition-a`?"),
        "{v}"
    );
}

#[tokio::test]
async fn several_users_at_once_get_each_their_own_answer() {
    let targets = ["EST", "POL", "USA", "FRA", "JPN", "UKR", "KOR", "AUS"];
    let mut asks = Vec::new();
    for t in targets {
        let yaml = format!("date: 2026-06-01\nevent: armed_attack\nattacker: RUS\ntarget: {t}\n");
        asks.push(tokio::spawn(async move {
            let (status, v) = send(post("/api/eval", yaml.clone())).await;
            (yaml, status, v)
        }));
    }
    let mut distinct = std::collections::BTreeSet::new();
    for a in asks {
        let (yaml, status, v) = a.await.unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(status, StatusCode::OK);
        assert_eq!(v, library_verdict(&yaml, false), "{yaml}");
        distinct.insert(v.to_string());
    }
    assert_eq!(distinct.len(), targets.len());
}

#[tokio::test]
async fn places_are_found_by_name_for_completion() {
    let (status, v) = send(get("/api/places?q=tallinn")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v[0]["name"], "Tallinn", "{v}");
    assert_eq!(v[0]["sovereign"][0], "EST");
    let (_, v) = send(get("/api/places?q=kyiv&limit=1")).await;
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    assert_eq!(v[0]["id"], "UA-30", "{v}");
}

/// NATO's clauses among the guarantors of Sweden on a date.
async fn nato_guarantors_of_sweden(date: &str) -> usize {
    let (status, v) = send(get(&format!("/api/guarantors/SWE?date={date}"))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v.as_array()
        .map(|a| {
            a.iter()
                .filter(|c| c["treaty"] == "nato" && c["clause"] == "art5")
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn sweden_gains_its_nato_guarantors_on_accession() {
    assert_eq!(nato_guarantors_of_sweden("2024-03-06").await, 0);
    assert!(nato_guarantors_of_sweden("2024-03-08").await >= 31);
    let (status, v) = send(get("/api/exposure/SWE?date=2024-03-08")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        v["classes"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["treaty"] == "nato")),
        "{v}"
    );
    let (status, v) = send(get("/api/guarantors/SWEE")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(v["error"].as_str().unwrap_or_default().contains("SWE"), "{v}");
}

#[tokio::test]
async fn a_pasted_draft_gets_diagnostics_located_on_its_lines() {
    let (_, d) = send(get("/api/drafts/drafts/ukraine-coalition-a")).await;
    let text = d["files"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["path"] == "guarantee.yaml"))
        .and_then(|f| f["text"].as_str())
        .unwrap_or_default()
        .to_string();
    assert!(text.contains("treaties:"), "{d}");
    let (_, ok) = send(post("/api/check", json!({"text": text}).to_string())).await;
    assert_eq!(ok["ok"], true, "{ok}");
    let broken = text.replacen("level: assist", "level: asist", 1);
    let line = broken.lines().position(|l| l.contains("asist")).map(|i| i + 1);
    let (_, bad) = send(post("/api/check", json!({"text": broken}).to_string())).await;
    assert_eq!(bad["ok"], false);
    let d = &bad["diagnostics"][0];
    assert_eq!(d["position"]["file"], "<draft>");
    assert_eq!(d["position"]["line"].as_u64(), line.map(|l| l as u64), "{bad}");
    assert!(bad["rendered"].as_str().unwrap_or_default().contains("asist"), "{bad}");
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused() {
    let big = "#".repeat(casus_serve::MAX_BODY_BYTES + 1);
    let (status, _) = send(post("/api/eval", big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // A text within the body limit still obeys the YAML budgets of a file.
    let deep = format!(
        "date: 2026-06-01\nevent: armed_attack\ntarget: EST\nx: {}{}\n",
        "[".repeat(300),
        "]".repeat(300)
    );
    let (status, v) = send(post("/api/eval", deep)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        v["error"].as_str().unwrap_or_default().starts_with("<scenario>:"),
        "{v}"
    );
}

/// Polls a job until it ends.
async fn wait(job: &Value) -> Value {
    let id = job["job"].as_u64().unwrap_or_default();
    loop {
        let (_, v) = send(get(&format!("/api/jobs/{id}"))).await;
        if v.get("state").and_then(Value::as_str) != Some("running") {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn verify_runs_as_a_job_and_reports_as_the_library() {
    let props = "properties:\n  - id: estonia-covered\n    scope: {all: [{event: armed_attack}, {target: {is: EST}}, {attacker: {is: RUS}}, {on: territory}, {location: {sovereign: target}}, {date: {from: 2025-01-01}}]}\n    readings: default\n    require: {obliged: {at_least: 2, level: assist}}\n  - id: estonia-by-all\n    scope: {all: [{event: armed_attack}, {target: {is: EST}}, {attacker: {is: RUS}}, {on: territory}, {location: {sovereign: target}}, {date: {from: 2025-01-01}}]}\n    readings: default\n    require: {obliged: {at_least: 100, level: assist}}\n";
    let (status, job) = send(post(
        "/api/verify",
        json!({"rules": {"name": "main"}, "properties_text": props}).to_string(),
    ))
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let done = wait(&job).await;
    assert_eq!(done["state"], "done", "{done}");
    let engine = state().engine.clone();
    let parsed = casus::verify::Properties::from_yaml(props, &engine).unwrap_or_else(|e| unreachable!("{e}"));
    let report =
        casus::verify::verify(&engine, &parsed, &Default::default(), None).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(done["result"], serde_json::to_value(&report).unwrap_or_default());
    let p = &done["result"]["properties"];
    assert_eq!(p[1]["outcome"], "violated", "{p}");
    assert_eq!(p[1]["counterexample"]["scenario"]["target"], "EST");
    let (status, v) = send(post(
        "/api/verify",
        json!({"properties_text": "properties: [{id: x, nope: 1}]"}).to_string(),
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        v["error"].as_str().unwrap_or_default().contains("<properties>:1:"),
        "{v}"
    );
}

#[tokio::test]
async fn a_diff_can_be_cancelled() {
    let body = json!({"old": {"name": "drafts/ukraine-coalition-a"}, "new": {"name": "drafts/ukraine-coalition-b"}});
    let (status, job) = send(post("/api/diff", body.to_string())).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let id = job["job"].as_u64().unwrap_or_default();
    let (status, _) = send(
        Request::delete(format!("/api/jobs/{id}"))
            .body(Body::empty())
            .unwrap_or_default(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let v = wait(&job).await;
    assert_eq!(v["state"], "cancelled", "{v}");
    assert!(v.get("result").is_none());
}

#[test]
fn a_job_over_its_time_is_stopped_and_says_so() {
    let jobs = Jobs::new(Duration::from_millis(100));
    let id = jobs
        .start("diff", |ctx| {
            while !ctx.cancel.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(casus::verify::VerifyError::Cancelled)
        })
        .unwrap_or_default();
    let view = loop {
        match jobs.view(id) {
            Some(v) if v.state != JobState::Running => break v,
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    assert_eq!(view.state, JobState::Failed);
    assert!(view.error.unwrap_or_default().starts_with("stopped after 0 seconds"));
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_from_the_binary() {
    for (path, kind, marker) in [
        ("/", "text/html", "<title>Casus</title>"),
        ("/app.js", "text/javascript", "/api/eval"),
        ("/app.css", "text/css", ".lvl-assist"),
    ] {
        let resp = casus_serve::app(state())
            .oneshot(get(path))
            .await
            .unwrap_or_else(|e| match e {});
        assert_eq!(resp.status(), StatusCode::OK);
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(ct.starts_with(kind), "{path}: {ct}");
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        assert!(String::from_utf8_lossy(&bytes).contains(marker), "{path}");
        assert!(
            !String::from_utf8_lossy(&bytes).contains("http://"),
            "{path} loads nothing from elsewhere"
        );
    }
}

/// The shade of a place on a map of the API.
async fn shade(uri: &str, place: &str) -> String {
    let (status, v) = send(get(uri)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let svg = v.as_str().unwrap_or_default();
    let key = format!("data-place=\"{place}\" data-shade=\"");
    svg.split(&key)
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("absent")
        .to_string()
}

#[tokio::test]
async fn maps_shade_sweden_by_its_accession_and_leave_hawaii_out_of_nato() {
    let nato = "/api/map?kind=coverage&treaty=nato/art5";
    assert_eq!(shade(&format!("{nato}&date=2024-03-06"), "SWE").await, "none");
    assert_eq!(
        shade(&format!("{nato}&date=2024-03-08"), "SWE").await,
        "assist-contingent"
    );
    assert_eq!(shade(&format!("{nato}&date=2024-03-08"), "US-HI").await, "none");
    let (status, v) = send(get("/api/map?kind=atlas")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        v["error"].as_str().unwrap_or_default().contains("one of coverage"),
        "{v}"
    );
}
