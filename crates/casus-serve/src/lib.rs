//! `casus serve`: the analyst's page and the HTTP API behind it.
//!
//! A local web server over one compiled rule set. The page (HTML, CSS and JavaScript embedded
//! in the binary: no network needed) asks the API under `/api/`; other programs may ask it
//! too (see `docs/serve.md`). Every answer comes from the `casus` library, in the same JSON as
//! the command line gives.
//!
//! The engine is built once and shared read-only by every request; a draft pasted into the
//! page is loaded through the same [`casus::Limits`] as a file, and a `verify` or `diff`
//! started from the page runs as a job that can be cancelled and stops by itself after a
//! time limit.
//!
//! ```no_run
//! let config = casus_serve::Config::new("rules".into());
//! let state = casus_serve::State::load(&config)?;
//! let app = casus_serve::app(std::sync::Arc::new(state));
//! # let _ = app;
//! # Ok::<(), String>(())
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use casus::{Engine, Limits, RuleSet, Severity};

mod api;
mod assets;
mod jobs;

pub use jobs::{Ctx, JobState, JobView, Jobs};

/// The largest request body accepted, in bytes (a rule text is further bounded by
/// [`Limits::max_file_bytes`]).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// How the server is started.
#[derive(Debug, Clone)]
pub struct Config {
    /// The rule set every question is asked of (its `drafts/` folder lists the drafts).
    pub rules: PathBuf,
    /// A folder of properties files offered to `verify` (none: only pasted properties).
    pub properties: Option<PathBuf>,
    /// Where to listen.
    pub addr: SocketAddr,
    /// The limits of every load, pasted text included.
    pub limits: Limits,
    /// The longest a `verify` or `diff` may run before it is stopped.
    pub job_time: Duration,
}

impl Config {
    /// The defaults: 127.0.0.1:7878, properties from `examples/properties` when that folder
    /// exists, jobs stopped after 10 minutes.
    #[must_use]
    pub fn new(rules: PathBuf) -> Config {
        let props = PathBuf::from("examples/properties");
        Config {
            rules,
            properties: props.is_dir().then_some(props),
            addr: SocketAddr::from(([127, 0, 0, 1], 7878)),
            limits: Limits::default(),
            job_time: Duration::from_secs(600),
        }
    }
}

/// What every request shares: the compiled rule set (read-only), the drafts and properties
/// on offer, the engines of drafts already loaded, and the running jobs.
#[derive(Debug)]
pub struct State {
    /// The main engine.
    pub engine: Arc<Engine>,
    /// Its name (manifest) or folder.
    pub name: String,
    /// Its folder or file.
    pub rules: PathBuf,
    /// Drafts by name (`drafts/ukraine-coalition-a`): their folders.
    pub drafts: BTreeMap<String, PathBuf>,
    /// Properties files by name (file stem): their paths.
    pub properties: BTreeMap<String, PathBuf>,
    /// The limits of every load.
    pub limits: Limits,
    /// Drafts already compiled, by name.
    engines: Mutex<BTreeMap<String, Arc<Engine>>>,
    /// Running and finished jobs.
    pub jobs: Jobs,
}

impl State {
    /// Loads and compiles the rule set; the error is the rendered diagnostics, as `casus
    /// check` prints them.
    pub fn load(config: &Config) -> Result<State, String> {
        let set = load_rules(&config.rules, &config.limits)?;
        let engine = set.compile().map_err(|e| format!("error: {e}\n"))?;
        let name = set
            .name()
            .map_or_else(|| config.rules.display().to_string(), String::from);
        Ok(State {
            engine: Arc::new(engine),
            name,
            rules: config.rules.clone(),
            drafts: list_folders(&config.rules.join("drafts"), "drafts/"),
            properties: config.properties.as_deref().map(list_yaml).unwrap_or_default(),
            limits: config.limits.clone(),
            engines: Mutex::new(BTreeMap::new()),
            jobs: Jobs::new(config.job_time),
        })
    }

    /// The engine of a rule set by name: `main` (or empty) for the main one, else a draft.
    pub fn engine_named(&self, name: &str) -> Result<Arc<Engine>, String> {
        if name.is_empty() || name == "main" {
            return Ok(self.engine.clone());
        }
        let Some(dir) = self.drafts.get(name) else {
            let hint = casus::names::suggest(name, self.drafts.keys().map(String::as_str));
            return Err(format!(
                "error: no draft `{name}`{}; the drafts are {}\n",
                hint.map(|h| format!(" (did you mean `{h}`?)")).unwrap_or_default(),
                self.drafts.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        };
        if let Some(e) = self.engines.lock().map_err(|_| "error: busy".to_string())?.get(name) {
            return Ok(e.clone());
        }
        let set = load_rules(dir, &self.limits)?;
        let engine = Arc::new(set.compile().map_err(|e| format!("error: {e}\n"))?);
        if let Ok(mut cache) = self.engines.lock() {
            cache.insert(name.to_string(), engine.clone());
        }
        Ok(engine)
    }
}

/// Loads a rule set, rendering its errors as the command line does.
fn load_rules(path: &Path, limits: &Limits) -> Result<RuleSet, String> {
    RuleSet::load_with(&[path.to_path_buf()], limits).map_err(|e| {
        let mut s: String = e
            .diagnostics
            .items()
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(casus::Diagnostic::render)
            .collect();
        s.push_str(&format!(
            "error: {} (run `casus check --rules {}`)\n",
            e.summary(),
            path.display()
        ));
        s
    })
}

/// The sub-folders of `dir` holding a `ruleset.yaml`, by `prefix` + folder name, sorted.
fn list_folders(dir: &Path, prefix: &str) -> BTreeMap<String, PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("ruleset.yaml").is_file())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            Some((format!("{prefix}{name}"), p))
        })
        .collect()
}

/// The `.yaml` files of `dir` by file stem, sorted.
fn list_yaml(dir: &Path) -> BTreeMap<String, PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml") && p.is_file())
        .filter_map(|p| Some((p.file_stem()?.to_str()?.to_string(), p)))
        .collect()
}

/// The page and the API, over a shared state.
pub fn app(state: Arc<State>) -> Router {
    Router::new()
        .route("/", get(assets::index))
        .route("/app.js", get(assets::script))
        .route("/app.css", get(assets::style))
        .route("/api/info", get(api::info))
        .route("/api/places", get(api::places))
        .route("/api/eval", post(api::eval))
        .route("/api/guarantors/{party}", get(api::guarantors))
        .route("/api/commitments/{party}", get(api::commitments))
        .route("/api/exposure/{party}", get(api::exposure))
        .route("/api/graph", get(api::graph))
        .route("/api/map", get(api::map))
        .route("/api/cascade", post(api::cascade))
        .route("/api/drafts/{*name}", get(api::draft))
        .route("/api/properties/{name}", get(api::properties))
        .route("/api/check", post(api::check))
        .route("/api/verify", post(api::verify))
        .route("/api/diff", post(api::diff))
        .route("/api/jobs/{id}", get(api::job).delete(api::cancel))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Loads the rule set, binds the address and serves until interrupted (Ctrl-C). Prints the
/// address to open on standard error.
pub fn serve(config: &Config) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("error: cannot start the server: {e}\n"))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|e| format!("error: cannot listen on {}: {e}\n", config.addr))?;
        let cfg = config.clone();
        let state = tokio::task::spawn_blocking(move || State::load(&cfg))
            .await
            .map_err(|e| format!("error: {e}\n"))??;
        let addr = listener.local_addr().map_err(|e| format!("error: {e}\n"))?;
        eprintln!("casus: serving {} on http://{addr}/ (Ctrl-C stops)", state.name);
        if !addr.ip().is_loopback() {
            eprintln!("casus: warning: listening on {addr}, reachable from other machines (see docs/serve.md)");
        }
        axum::serve(listener, app(Arc::new(state)))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| format!("error: {e}\n"))
    })
}
