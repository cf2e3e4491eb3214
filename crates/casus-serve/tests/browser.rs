//! The page as a person uses it, in headless Chromium driven through WebDriver.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//!
//! Needs Debian's `chromium` and `chromium-driver` (`apt-get install chromium chromium-driver`).
//! Without them each test prints `SKIPPED <name>: …` and passes, unless `CASUS_REQUIRE_CHROMIUM`
//! is set (CI sets it), where a missing browser fails. With `CASUS_SCREENSHOTS=1` each view is
//! also saved to `docs/serve-<view>.png` (the pictures of docs/serve.md).

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use casus_serve::{Config, State};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// A program on the `PATH`.
fn program(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// Whether the browser is there; says SKIPPED (or fails, when required) when it is not.
fn browser_or_skip(test: &str) -> Option<(PathBuf, PathBuf)> {
    let found = program("chromedriver").zip(program("chromium").or_else(|| program("chromium-browser")));
    if found.is_none() {
        assert!(
            std::env::var_os("CASUS_REQUIRE_CHROMIUM").is_none(),
            "{test}: CASUS_REQUIRE_CHROMIUM is set but chromium or chromedriver is missing"
        );
        println!(
            "SKIPPED {test}: chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        );
    }
    found
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(9515)
}

/// A chromedriver of our own, stopped when dropped, and the browser's profile folder.
struct Driver {
    child: Child,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// The server on a free port, the driver, and a browser session on the page.
async fn open(test: &str) -> Option<(Client, Driver, String)> {
    let (chromedriver, chromium) = browser_or_skip(test)?;
    let mut config = Config::new(PathBuf::from("../../rules"));
    config.properties = Some(PathBuf::from("../../examples/properties"));
    let state = Arc::new(State::load(&config).unwrap_or_else(|e| panic!("{e}")));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let page = format!("http://{}/", listener.local_addr().unwrap_or_else(|e| panic!("{e}")));
    tokio::spawn(async move { axum::serve(listener, casus_serve::app(state)).await });

    let port = free_port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("chromedriver: {e}"));
    let profile = std::env::temp_dir().join(format!("casus-chromium-{}-{port}", std::process::id()));
    let driver = Driver { child, profile };
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
    ];
    let mut args: Vec<String> = args.iter().map(|a| (*a).to_string()).collect();
    args.push(format!("--user-data-dir={}", driver.profile.display()));
    let caps = json!({"goog:chromeOptions": {"binary": chromium, "args": args}});
    let Value::Object(caps) = caps else { unreachable!() };
    let mut client = None;
    for _ in 0..100 {
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        if let Ok(c) = c {
            client = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let client = client.unwrap_or_else(|| panic!("{test}: chromedriver did not start a session"));
    client.goto(&page).await.unwrap_or_else(|e| panic!("{e}"));
    wait_for(&client, "body[data-ready=true]", 60).await;
    Some((client, driver, page))
}

/// Waits for an element, at most `secs` seconds.
async fn wait_for(c: &Client, css: &str, secs: u64) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(secs))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for `{css}`: {e}"))
}

/// Sets a form field's value as a person's typing would, with its events.
async fn set(c: &Client, id: &str, value: &str) {
    c.execute(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input')); e.dispatchEvent(new Event('change'));",
        vec![json!(id), json!(value)],
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

async fn click(c: &Client, css: &str) {
    wait_for(c, css, 30)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking `{css}`: {e}"));
}

async fn text(c: &Client, css: &str) -> String {
    wait_for(c, css, 30).await.text().await.unwrap_or_default()
}

/// Saves the view, scrolled to `css`, when screenshots are asked for (`CASUS_SCREENSHOTS=1`).
async fn screenshot(c: &Client, view: &str, css: &str) {
    if std::env::var_os("CASUS_SCREENSHOTS").is_none() {
        return;
    }
    c.execute(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'start'});",
        vec![json!(css)],
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let png = c.screenshot().await.unwrap_or_else(|e| panic!("{e}"));
    let path = Path::new("../../docs").join(format!("serve-{view}.png"));
    std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_an_attack_on_estonia_and_read_the_verdict() {
    let Some((c, _driver, _)) = open("ask_an_attack_on_estonia_and_read_the_verdict").await else {
        return;
    };
    set(&c, "ask-date", "2026-06-01").await;
    c.find(Locator::Id("ask-target"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .select_by_value("EST")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    c.find(Locator::Id("ask-attacker"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .select_by_value("RUS")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let place = wait_for(&c, "#ask-place", 5).await;
    place.send_keys("Tallinn").await.unwrap_or_else(|e| panic!("{e}"));
    wait_for(&c, "#places option[value='EE-784']", 30).await;
    click(&c, "#ask-go").await;
    wait_for(&c, "#verdict tr[data-party=USA], #ask-error:not([hidden])", 60).await;
    let error = text(&c, "#ask-error").await;
    assert!(error.is_empty(), "{error}");
    let usa = text(&c, "#verdict tr[data-party=USA]").await;
    assert!(usa.contains("assist") && usa.contains("definite"), "{usa}");
    let fra = text(&c, "#verdict tr[data-party=FRA]").await;
    assert!(fra.contains("all_means") && fra.contains("TEU Art. 42(7)"), "{fra}");
    let why = text(&c, "#why-not").await;
    assert!(why.contains("csto"), "{why}");
    // The obligation opens into its clauses and citations.
    click(&c, "#verdict tr[data-party=USA] summary").await;
    let open = text(&c, "#verdict tr[data-party=USA] details ul").await;
    assert!(open.contains("Art. 5"), "{open}");
    screenshot(&c, "ask", "#ask-go").await;
    c.close().await.unwrap_or_else(|e| panic!("{e}"));
}

/// Moves the date, waits for the page to show it, and reads Sweden's shading and guarantors.
async fn sweden_on(c: &Client, date: &str) -> (String, String) {
    set(c, "look-date", date).await;
    wait_for(c, &format!("body[data-look-date='{date}']"), 120).await;
    click(c, "#party-SWE").await;
    wait_for(c, &format!("#guarantors[data-shown='SWE {date}']"), 120).await;
    let level = wait_for(c, "#party-SWE", 5)
        .await
        .attr("class")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    (level, text(c, "#guarantors").await)
}

/// Sweden's shade on the map of the Look view, once the map of the date is shown.
async fn map_shade(c: &Client, date: &str) -> String {
    wait_for(
        c,
        &format!("#look-map[data-query*='date={date}'] path[data-place=SWE]"),
        120,
    )
    .await;
    let swe = wait_for(c, "#look-map path[data-place=SWE]", 5).await;
    swe.attr("data-shade").await.ok().flatten().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_the_date_across_swedens_accession() {
    let Some((c, _driver, _)) = open("move_the_date_across_swedens_accession").await else {
        return;
    };
    click(&c, "#tab-look").await;
    // Every treaty: Sweden's guarantors gain NATO's members.
    let (_, g_before) = sweden_on(&c, "2024-03-06").await;
    let (_, g_after) = sweden_on(&c, "2024-03-08").await;
    assert!(
        g_before.contains("TEU Art. 42(7)") && !g_before.contains("Art. 5"),
        "{g_before}"
    );
    assert!(g_after.contains("USA") && g_after.contains("Art. 5"), "{g_after}");
    // NATO alone: Sweden goes from unshaded to shaded at `assist`.
    c.find(Locator::Id("look-treaty"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .select_by_value("nato")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (before, _) = sweden_on(&c, "2024-03-05").await;
    let map_before = map_shade(&c, "2024-03-05").await;
    let (after, _) = sweden_on(&c, "2024-03-09").await;
    let map_after = map_shade(&c, "2024-03-09").await;
    assert_eq!(before, "lvl-none");
    assert!(after.starts_with("lvl-assist"), "{after}");
    assert_eq!(
        (map_before.as_str(), map_after.as_str()),
        ("none", "assist-contingent"),
        "contingent: on who attacked"
    );
    screenshot(&c, "look", "#look-legend").await;
    c.close().await.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paste_a_draft_with_an_error_and_see_where_it_is() {
    let Some((c, _driver, _)) = open("paste_a_draft_with_an_error_and_see_where_it_is").await else {
        return;
    };
    click(&c, "#tab-draft").await;
    c.find(Locator::Id("draft-open"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .select_by_value("drafts/ukraine-coalition-a")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&c, "#draft-load").await;
    let draft = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#draft-text"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut original = String::new();
    for _ in 0..100 {
        original = draft.prop("value").await.ok().flatten().unwrap_or_default();
        if !original.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let broken = original.replacen("level: assist", "level: asist", 1);
    let line = broken.lines().position(|l| l.contains("asist")).map_or(0, |i| i + 1);
    assert!(line > 0, "the draft has a `level: assist`");
    set(&c, "draft-text", &broken).await;
    click(&c, "#draft-check").await;
    let diag = text(&c, "#draft-diags li.error-item").await;
    assert!(diag.starts_with(&format!("<draft>:{line}:")), "{diag}");
    assert!(diag.contains("asist"), "{diag}");
    screenshot(&c, "draft", "#draft-check").await;
    c.close().await.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_drafts_a_and_b_and_see_the_occupied_oblasts() {
    let Some((c, _driver, _)) = open("diff_drafts_a_and_b_and_see_the_occupied_oblasts").await else {
        return;
    };
    click(&c, "#tab-draft").await;
    c.find(Locator::Id("diff-old"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .select_by_value("drafts/ukraine-coalition-a")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    c.find(Locator::Id("diff-new"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .select_by_value("drafts/ukraine-coalition-b")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&c, "#diff-go").await;
    wait_for(&c, "#diff-places mark", 900).await;
    let marks = c.find_all(Locator::Css("#diff-places mark")).await.unwrap_or_default();
    let mut places = Vec::new();
    for m in marks {
        places.push(m.attr("data-place").await.ok().flatten().unwrap_or_default());
    }
    for occupied in ["UA-09-OCC", "UA-14-OCC", "UA-23-OCC", "UA-65-OCC", "UA-40", "UA-43"] {
        assert!(places.iter().any(|p| p == occupied), "{occupied} not in {places:?}");
    }
    assert!(
        !places.iter().any(|p| p == "UA-30"),
        "Kyiv is covered by both drafts: {places:?}"
    );
    screenshot(&c, "diff", "#diff-result").await;
    c.close().await.unwrap_or_else(|e| panic!("{e}"));
}
