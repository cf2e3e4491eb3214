//! `casus`: evaluate attack scenarios against collective-defense rule sets.
//!
//! A thin shell over the `casus` library: argument parsing, file choice, printing and exit
//! codes. Every answer and every rendering comes from the library, so that programs that embed
//! it see exactly what the command prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use casus::table::table;
use casus::{Engine, RuleSet, Scenario, Severity};
use clap::{Parser, Subcommand, ValueEnum};

/// Writes to standard output (see [`write_out`]).
macro_rules! out {
    ($($t:tt)*) => {{
        $crate::write_out(format_args!($($t)*))
    }};
}

/// As `out!`, with a newline.
macro_rules! outln {
    () => { out!("\n") };
    ($($t:tt)*) => {{ out!($($t)*); out!("\n") }};
}

mod brief;
mod chosen;
mod graph;
mod import;
mod map;
mod panel;
mod progress;
mod repair;
mod testing;
mod verify;

#[derive(Parser)]
#[command(
    name = "casus",
    version,
    about = "Which signatories must respond to an attack, how strongly, under which clause, and why."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Let paths named inside files (a scenario's `rules:`, a manifest's `extends:`) reach this
    /// folder too; by default they stay within the repository or the current folder.
    #[arg(long, global = true, value_name = "DIR")]
    allow_outside: Vec<PathBuf>,
    /// Print tables at full width, each cell on one line (default: fit 100 columns, wrapping
    /// long cells at word boundaries).
    #[arg(long, global = true)]
    wide: bool,
    /// Read every rule set from its YAML, neither using nor filling the cache of compiled rule
    /// sets (also: environment variable CASUS_NO_CACHE=1).
    #[arg(long, global = true)]
    no_cache: bool,
}

/// Where compiled rule sets are cached (set once in `main`; `None`: no cache).
static CACHE: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();

/// The cache folder: `$CASUS_CACHE_DIR`, else `$XDG_CACHE_HOME/casus`, else
/// `$HOME/.cache/casus`; none with `--no-cache` or `CASUS_NO_CACHE` set to anything but
/// empty or `0`.
fn cache_dir(no_cache: bool) -> Option<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if no_cache || env("CASUS_NO_CACHE").is_some_and(|v| v != "0") {
        return None;
    }
    env("CASUS_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| env("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("casus")))
        .or_else(|| env("HOME").map(|d| PathBuf::from(d).join(".cache/casus")))
}

/// The limits every load of this run uses (set once in `main`, from the command line).
static LIMITS: std::sync::OnceLock<casus::Limits> = std::sync::OnceLock::new();

/// The limits of this run.
fn limits() -> &'static casus::Limits {
    LIMITS.get_or_init(casus::Limits::default)
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Json,
}

/// How `casus eval` writes its answer.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EvalFormat {
    Table,
    Json,
    /// With --batch: one row per scenario and obliged party.
    Csv,
    /// With --batch: the same rows as Parquet.
    Parquet,
    /// With --batch: the full verdict of each scenario, one JSON object a line.
    Jsonl,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate scenario files and print who must respond.
    Eval {
        /// The rule set (folder or file). Default: the scenario's `rules:`, else `rules/`.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Scenario files.
        #[arg(required_unless_present = "batch", conflicts_with = "batch")]
        scenarios: Vec<PathBuf>,
        /// Output format (csv, parquet and jsonl with --batch).
        #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
        format: EvalFormat,
        /// Evaluate every row of a CSV file (columns date, attacker, target; optional place,
        /// event, facts): one output row per scenario and obliged party (docs/research.md).
        #[arg(long, value_name = "FILE.csv")]
        batch: Option<PathBuf>,
        /// With --batch: write to this file instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE", requires = "batch")]
        output: Option<PathBuf>,
        /// Show every relevant trigger's condition tree with its values (implies --why-not).
        #[arg(long)]
        explain: bool,
        /// List every party that owes nothing with its reason (default: a summary per treaty
        /// and reason).
        #[arg(long)]
        why_not: bool,
    },
    /// Validate a rule set and print every diagnostic.
    Check {
        /// The rule set (folder or file).
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Run the `expect` blocks of scenario files (folders are searched for *.yaml).
    Test {
        /// The rule set. Default: each scenario's `rules:`, else `rules/`.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Scenario files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// List the parties of a rule set.
    Parties {
        /// The rule set.
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List the territories and areas of a rule set.
    Territories {
        /// The rule set.
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
        /// Only the places that lie within this one (an id or a name), at any depth.
        #[arg(long, value_name = "PLACE")]
        within: Option<String>,
        /// Only the places whose id, name or an alias contains this text (case, diacritics
        /// and punctuation ignored).
        #[arg(long, value_name = "NAME")]
        find: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Import a rule set from another data set (ATOP 4.0 alliances).
    #[command(subcommand)]
    Import(import::Import),
    /// Check what a drafter requires of a rule set over every scenario (exit 1 if violated, 3 if
    /// a property could only be sampled).
    Verify {
        /// The rule set (folder or file).
        rules: PathBuf,
        /// The properties file (see docs/verify.md).
        properties: PathBuf,
        /// Check this many random scenarios per property instead of every scenario.
        #[arg(long)]
        sample: Option<u32>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table, conflicts_with = "shard")]
        format: Format,
        /// Write each smallest counterexample as a scenario file into this folder.
        #[arg(long, conflicts_with = "shard")]
        counterexamples: Option<PathBuf>,
        /// Where standard error is not a terminal, also write a progress line when each
        /// property starts and ends (there is one every few seconds anyway).
        #[arg(long, conflicts_with = "no_progress")]
        progress: bool,
        /// (ext) Show no progress at all: no bar on a terminal, no lines elsewhere.
        #[arg(long)]
        no_progress: bool,
        /// Accept a property that could only be sampled (its scope counts several attackers,
        /// or its space is too large): exit 0 when sampling finds no violation, instead of 3.
        #[arg(long, conflicts_with = "shard")]
        accept_sampled: bool,
        /// The most classes of scenarios one property's walk may evaluate before it stops with
        /// an error (default 50 000 000; with --shard, of the shard's share of the walk).
        #[arg(long, value_name = "N", default_value_t = casus::verify::DEFAULT_MAX_EVALUATIONS)]
        max_evaluations: u64,
        /// Walk only shard I of N (from 1: `--shard 2/8`) and write a shard report instead of
        /// the answer; `casus merge` joins the N reports into the answer of one run (see
        /// docs/verify.md).
        #[arg(long, value_name = "I/N")]
        shard: Option<casus::verify::Shard>,
        /// With --shard: write the shard report to this file (default: standard output).
        #[arg(long, value_name = "FILE", requires = "shard")]
        out: Option<PathBuf>,
    },
    /// (ext) Search the smallest edits of a rule set's own treaties that make its properties
    /// hold, each proved exhaustively, with its patch and side effects (exit 1 if none within
    /// --max-edits).
    Repair(repair::RepairArgs),
    /// Compare two rule sets over every scenario: what changes, for whom (exit 1 if anything).
    Diff {
        /// The old rule set.
        old: PathBuf,
        /// The new rule set.
        new: PathBuf,
        /// Only scenarios whose target is one of these parties (repeat, or separate with commas).
        #[arg(long, value_delimiter = ',')]
        target: Vec<String>,
        /// Only the obligations of these parties (repeat, or separate with commas).
        #[arg(long, value_delimiter = ',')]
        party: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table, conflicts_with = "shard")]
        format: Format,
        /// Where standard error is not a terminal, also write a progress line at the start and
        /// the end (there is one every few seconds anyway).
        #[arg(long, conflicts_with = "no_progress")]
        progress: bool,
        /// (ext) Show no progress at all: no bar on a terminal, no lines elsewhere.
        #[arg(long)]
        no_progress: bool,
        /// The most classes of scenarios the walk may evaluate before it stops with an error
        /// (default 50 000 000).
        #[arg(long, value_name = "N", default_value_t = casus::verify::DEFAULT_MAX_EVALUATIONS)]
        max_evaluations: u64,
        /// Every row of the table and one scenario of each, however many (by default a diff
        /// of more than 40 rows shows the first 40 and sums up the rest per kind and party);
        /// with `--format json`, every group (by default the first 40 and a `summary`).
        #[arg(long, conflicts_with = "shard")]
        full: bool,
        /// Walk only shard I of N (from 1: `--shard 2/8`) and write a shard report instead of
        /// the answer; `casus merge` joins the N reports into the answer of one run.
        #[arg(long, value_name = "I/N")]
        shard: Option<casus::verify::Shard>,
        /// With --shard: write the shard report to this file (default: standard output).
        #[arg(long, value_name = "FILE", requires = "shard")]
        out: Option<PathBuf>,
    },
    /// Join the shard reports of `casus verify --shard I/N` or `casus diff --shard I/N` into the
    /// answer of one run: the same output, byte for byte, and the same exit code.
    Merge {
        /// Every shard's report, 1/N to N/N, in any order.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Of verify reports: write each smallest counterexample as a scenario file into this
        /// folder (as `casus verify --counterexamples`).
        #[arg(long)]
        counterexamples: Option<PathBuf>,
        /// Of verify reports: exit 0 when a property that could only be sampled holds (as
        /// `casus verify --accept-sampled`).
        #[arg(long)]
        accept_sampled: bool,
        /// Of diff reports: every row, or with `--format json` every group (as `casus diff
        /// --full`).
        #[arg(long)]
        full: bool,
    },
    /// Who is bound to help a party, at what level, under which clause (--from/--to: when that changes).
    Guarantors(graph::PartyQuery),
    /// Whom a party is bound to help, at what level, under which clause (--from/--to: when that changes).
    Commitments(graph::PartyQuery),
    /// Every class of attack (target, place, attacker, event) that would oblige a party to act.
    Exposure(graph::ExposureArgs),
    /// How one attack pulls in party after party: rounds of entry until no one new enters.
    Cascade(graph::CascadeArgs),
    /// Every commitment between all parties at a date (optionally of some treaties only; --from/--to: how it changes).
    Graph(graph::GraphArgs),
    /// Compile a rule set into one file that loads without reading YAML (use it as `--rules FILE`).
    Build {
        /// The rule set (folder or file).
        rules: PathBuf,
        /// The file to write.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Serve the analyst's page and its HTTP API (see docs/serve.md); Ctrl-C stops it.
    Serve {
        /// The rule set (its `drafts/` folder lists the drafts the page offers).
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
        /// The port to listen on (0: any free port).
        #[arg(long, default_value_t = 7878)]
        port: u16,
        /// The address to listen on. The default, 127.0.0.1, is reachable only from this
        /// machine; any other address exposes the page and its API to the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// A folder of properties files the page offers to `verify` (default:
        /// examples/properties when it exists).
        #[arg(long, value_name = "DIR")]
        properties: Option<PathBuf>,
        /// The longest, in seconds, a `verify` or `diff` started from the page may run.
        #[arg(long, default_value_t = 600)]
        max_seconds: u64,
    },
    /// (ext) Draw a world map (SVG or PNG): coverage, guarantors, exposure, diff, cascade.
    #[command(subcommand)]
    Map(map::MapCommand),
    /// (ext) A one-page brief: who must respond to each kind of attack, where, by whom, in
    /// what form and by when; the properties that hold or fail; the differences from another
    /// rule set (--against).
    Brief(brief::BriefArgs),
    /// Who is bound to whom, year by year (or day by day), as CSV or Parquet for statistics
    /// packages: one row per pair and period (see docs/research.md).
    Panel(panel::PanelArgs),
    /// List the treaties of a rule set, with where each stands on a date.
    Treaties {
        /// The rule set.
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
        /// The date of the STATUS column (YYYY-MM-DD or an RFC 3339 instant). Default: today.
        #[arg(long)]
        date: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Run the language server over standard input and output (for editors; see docs/editors.md).
    Lsp,
    /// Print the JSON Schema of a file format, for editors (the same as schemas/KIND.schema.json).
    Schema {
        /// Which format: rule files, scenarios, properties files or `ruleset.yaml` manifests.
        #[arg(value_enum)]
        kind: SchemaArg,
    },
}

/// The file formats `casus schema` describes.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SchemaArg {
    Rules,
    Scenario,
    Properties,
    Manifest,
}

/// Set once a reader closed standard output (`casus … | head`): what follows is not written.
static PIPE_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes to standard output. A closed pipe is not an error: the rest of the output is dropped
/// and the command still ends with its own exit status. Any other write error (a full disk,
/// `> /dev/full`) ends the program with exit status 2 and says so, because output was lost.
fn write_out(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    use std::sync::atomic::Ordering;
    if PIPE_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        write_failed(&e);
    }
}

/// Handles a failed write to standard output (see [`write_out`]).
fn write_failed(e: &std::io::Error) {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        PIPE_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
    } else {
        eprintln!("error: cannot write the output: {e}");
        std::process::exit(2);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = LIMITS.set(casus::Limits {
        allow_outside: cli.allow_outside.clone(),
        ..casus::Limits::default()
    });
    let _ = CACHE.set(cache_dir(cli.no_cache));
    let code = match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprint!("{message}");
            if !message.ends_with('\n') {
                eprintln!();
            }
            ExitCode::from(2)
        }
    };
    // What is still buffered must reach its reader too, or the command says it did not.
    if let Err(e) = std::io::Write::flush(&mut std::io::stdout()) {
        write_failed(&e);
    }
    code
}

/// Loads the rule set of a command whose `--rules` defaults to `rules`.
fn load(path: &Path) -> Result<Engine, String> {
    let how = if path == Path::new("rules") {
        chosen::Chosen::Default { scenario: false }
    } else {
        chosen::Chosen::Given
    };
    load_chosen(path, how)
}

/// Loads the rule set at `path`; when it is not there, says where it was looked for and how
/// it came to be that path.
///
/// A compiled rule set (`casus build`) is read as such; a folder or YAML file goes through the
/// cache of compiled rule sets unless it is turned off.
fn load_chosen(path: &Path, how: chosen::Chosen<'_>) -> Result<Engine, String> {
    if path.is_file() && starts_compiled(path) {
        return Engine::load_compiled(path, limits()).map_err(|e| format!("error: {e}\n"));
    }
    let paths = [path.to_path_buf()];
    let loaded = match CACHE.get().and_then(Option::as_deref) {
        Some(cache) => Engine::load_cached(&paths, limits(), cache),
        None => RuleSet::load_with(&paths, limits())
            .map_err(casus::CachedLoadError::from)
            .and_then(|r| Ok(r.into_engine()?)),
    };
    loaded.map_err(|e| match e {
        casus::CachedLoadError::Load(e) => {
            if !path.exists() {
                return chosen::missing(path, how);
            }
            let mut s = String::new();
            for d in e.diagnostics.items().iter().filter(|d| d.severity == Severity::Error) {
                s.push_str(&d.render());
            }
            s.push_str(&format!(
                "error: {} (run `casus check --rules {}`)\n",
                e.summary(),
                path.display()
            ));
            s
        }
        other => format!("error: {other}\n"),
    })
}

/// Whether a file begins as a compiled rule set does.
fn starts_compiled(path: &Path) -> bool {
    use std::io::Read as _;
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && casus::compiled::is_compiled(&head)
}

struct Engines {
    cache: BTreeMap<PathBuf, Engine>,
}

impl Engines {
    fn for_scenario(&mut self, explicit: Option<&Path>, scenario: &Scenario, file: &Path) -> Result<&Engine, String> {
        let (path, how) = chosen::for_scenario(explicit, scenario, file);
        if let chosen::Chosen::Scenario { .. } = how {
            // A scenario's `rules:` may not lead out of its repository (see `Limits`).
            scenario
                .rules_path_confined(file, limits())
                .map_err(|e| scenario_error(&e))?;
        }
        if !self.cache.contains_key(&path) {
            let e = load_chosen(&path, how)?;
            self.cache.insert(path.clone(), e);
        }
        self.cache
            .get(&path)
            .ok_or_else(|| "internal: rule set cache".to_string())
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, String> {
    serde_json::to_string_pretty(v).map_err(|e| format!("error: cannot write JSON: {e}"))
}

/// Runs one subcommand: each is a function of its own (or of its module).
fn run(cli: Cli) -> Result<ExitCode, String> {
    let width = casus::table::Width::wide(cli.wide);
    match cli.command {
        Command::Lsp => lsp(),
        Command::Schema { kind } => schema(kind),
        Command::Eval {
            rules,
            scenarios,
            format,
            explain,
            why_not,
            batch,
            output,
        } => {
            let how = (explain, why_not, width);
            eval(rules.as_deref(), &scenarios, format, how, (batch, output))
        }
        Command::Check { rules, format } => check(&rules, format),
        Command::Test { rules, paths } => testing::run(rules.as_deref(), &paths),
        Command::Parties { rules, format } => parties(&rules, format, width),
        Command::Territories {
            rules,
            within,
            find,
            format,
        } => territories(&rules, (within.as_deref(), find.as_deref()), format, width),
        Command::Import(cmd) => import::run(cmd),
        Command::Verify {
            rules,
            properties,
            sample,
            format,
            counterexamples,
            progress,
            no_progress,
            accept_sampled,
            max_evaluations,
            shard,
            out,
        } => verify::verify(
            &rules,
            &properties,
            (sample, accept_sampled, max_evaluations),
            (format, width),
            counterexamples.as_deref(),
            (progress, no_progress),
            shard.map(|s| (s, out.as_deref())),
        ),
        Command::Diff {
            old,
            new,
            target,
            party,
            format,
            progress,
            no_progress,
            max_evaluations,
            full,
            shard,
            out,
        } => verify::diff(
            &old,
            &new,
            (&target, &party),
            (format, width),
            ((progress, no_progress), max_evaluations, full),
            shard.map(|s| (s, out.as_deref())),
        ),
        Command::Merge {
            reports,
            format,
            counterexamples,
            accept_sampled,
            full,
        } => {
            let how = (accept_sampled, full);
            merge(&reports, format, counterexamples.as_deref(), how, width)
        }
        Command::Repair(a) => repair::repair(&a),
        Command::Brief(a) => brief::brief(a),
        Command::Guarantors(q) => graph::party_query(q, casus::graph::Relation::Guarantors, width),
        Command::Commitments(q) => graph::party_query(q, casus::graph::Relation::Commitments, width),
        Command::Exposure(a) => graph::exposure(a, width),
        Command::Cascade(a) => graph::cascade(a, width),
        Command::Graph(a) => graph::graph(a, width),
        Command::Build { rules, output } => build(&rules, &output),
        Command::Serve {
            rules,
            port,
            bind,
            properties,
            max_seconds,
        } => serve(rules, std::net::SocketAddr::new(bind, port), properties, max_seconds),
        Command::Map(m) => map::run(m),
        Command::Panel(a) => panel::run(a),
        Command::Treaties { rules, format, date } => treaties(&rules, format, date.as_deref(), width),
    }
}

/// `casus schema`: the JSON Schema of one kind of file.
fn schema(kind: SchemaArg) -> Result<ExitCode, String> {
    use casus::schema::SchemaKind;
    let kind = match kind {
        SchemaArg::Rules => SchemaKind::Rules,
        SchemaArg::Scenario => SchemaKind::Scenario,
        SchemaArg::Properties => SchemaKind::Properties,
        SchemaArg::Manifest => SchemaKind::Manifest,
    };
    out!("{}", casus::schema::json(kind));
    Ok(ExitCode::SUCCESS)
}

/// `casus lsp`: the language server over standard input and output, until the editor stops it.
fn lsp() -> Result<ExitCode, String> {
    casus_lsp::run_stdio().map_err(|e| format!("error: the language server stopped: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// `casus eval`: with `--batch`, a panel of the scenarios a CSV file lists; otherwise one
/// verdict per scenario file, as a table or JSON.
fn eval(
    rules: Option<&Path>,
    scenarios: &[PathBuf],
    format: EvalFormat,
    (explain, why_not, width): (bool, bool, casus::table::Width),
    (batch, output): (Option<PathBuf>, Option<PathBuf>),
) -> Result<ExitCode, String> {
    if let Some(file) = batch {
        return panel::batch(rules, &file, format, output.as_deref());
    }
    let options = &casus::report::TableOptions {
        width,
        explain,
        why_not,
    };
    let format = match format {
        EvalFormat::Table => Format::Table,
        EvalFormat::Json => Format::Json,
        _ => return Err("error: --format csv, parquet and jsonl go with --batch FILE.csv\n".into()),
    };
    let mut engines = Engines { cache: BTreeMap::new() };
    let mut outputs = Vec::new();
    let mut text = String::new();
    for path in scenarios {
        let s = Scenario::load(path).map_err(|e| scenario_error(&e))?;
        let engine = engines.for_scenario(rules, &s, path)?;
        let v = if options.explain {
            engine.evaluate_explained(&s)
        } else {
            engine.evaluate(&s)
        }
        .map_err(|e| scenario_error(&e))?;
        match format {
            Format::Json => outputs.push(serde_json::json!({"scenario": path.display().to_string(), "verdict": v})),
            Format::Table => {
                if scenarios.len() > 1 {
                    text.push_str(&format!("== {}\n", path.display()));
                }
                text.push_str(&casus::report::render_verdict(&v, options));
            }
        }
    }
    match format {
        Format::Json if outputs.len() == 1 => {
            let v = outputs
                .pop()
                .and_then(|mut o| o.get_mut("verdict").map(serde_json::Value::take));
            outln!("{}", json(&v)?);
        }
        Format::Json => outln!("{}", json(&outputs)?),
        Format::Table => out!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `casus merge`: the reports of the shards of one `verify` or `diff`, as one report.
fn merge(
    reports: &[PathBuf],
    format: Format,
    counterexamples: Option<&Path>,
    (accept_sampled, full): (bool, bool),
    width: casus::table::Width,
) -> Result<ExitCode, String> {
    let view = verify::MergeView {
        format,
        width,
        counterexamples,
        accept_sampled,
        full,
    };
    verify::merge(reports, &view)
}

/// `casus check`: every diagnostic of the rule set, and a summary.
fn check(rules: &Path, format: Format) -> Result<ExitCode, String> {
    let result = RuleSet::load_with(&[rules.to_path_buf()], limits());
    let (diags, ok) = match &result {
        Ok(r) => (r.diagnostics().clone(), true),
        Err(e) => (e.diagnostics.clone(), false),
    };
    if format == Format::Json {
        outln!(
            "{}",
            json(&serde_json::json!({"ok": ok, "diagnostics": diags.items()}))?
        );
    } else {
        for d in diags.items() {
            out!("{}", d.render());
        }
        match &result {
            Ok(r) => {
                let e = r.compile().map_err(|e| format!("error: {e}\n"))?;
                let clauses: usize = e.treaties().iter().map(|t| t.clauses.len()).sum();
                outln!(
                    "{}: ok — {} parties, {} territories and areas, {} treaties, {} clauses",
                    rules.display(),
                    e.parties().len(),
                    e.places().len(),
                    e.treaties().len(),
                    clauses
                );
            }
            Err(e) => outln!("{}: {}", rules.display(), e.summary()),
        }
    }
    // A path that cannot be read is "could not run" (2), not "the rules are wrong" (1).
    let unreadable = diags
        .items()
        .iter()
        .any(|d| d.code == "io" && d.severity == casus::Severity::Error);
    Ok(if ok {
        ExitCode::SUCCESS
    } else if unreadable {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    })
}

/// `casus parties`: every party of the rule set.
fn parties(rules: &Path, format: Format, width: casus::table::Width) -> Result<ExitCode, String> {
    let e = load(rules)?;
    let list = e.parties();
    if format == Format::Json {
        outln!("{}", json(&list)?);
    } else {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|p| {
                vec![
                    p.id.clone(),
                    serde_json::to_value(p.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default(),
                    p.name.clone(),
                    p.members.len().to_string(),
                ]
            })
            .collect();
        out!("{}", table(&["ID", "KIND", "NAME", "MEMBERS"], &rows, width));
    }
    Ok(ExitCode::SUCCESS)
}

/// `casus territories`: the territories and areas of the rule set, or those `within` one
/// place, or those a `find` query names.
fn territories(
    rules: &Path,
    (within, find): (Option<&str>, Option<&str>),
    format: Format,
    width: casus::table::Width,
) -> Result<ExitCode, String> {
    let e = load(rules)?;
    let mut list = match within {
        Some(w) => e.places_within(w).map_err(|err| err.to_string())?,
        None => e.places(),
    };
    if let Some(q) = find {
        let hits: std::collections::BTreeSet<String> = e.search_places(q).into_iter().map(|p| p.id).collect();
        list.retain(|p| hits.contains(&p.id));
    }
    if format == Format::Json {
        outln!("{}", json(&list)?);
    } else {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|p| {
                vec![
                    p.id.clone(),
                    p.name.clone(),
                    p.sovereign.join("; "),
                    [p.controller.join("; "), p.administrator.join("; ")]
                        .iter()
                        .filter(|x| !x.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" | "),
                    p.tags.join(", "),
                ]
            })
            .collect();
        out!(
            "{}",
            table(
                &["ID", "NAME", "SOVEREIGN", "CONTROL / ADMINISTRATION", "TAGS"],
                &rows,
                width
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `casus serve`: the analyst's page and its HTTP API, until stopped.
fn serve(
    rules: PathBuf,
    addr: std::net::SocketAddr,
    properties: Option<PathBuf>,
    max_seconds: u64,
) -> Result<ExitCode, String> {
    if !rules.exists() {
        let how = if rules == Path::new("rules") {
            chosen::Chosen::Default { scenario: false }
        } else {
            chosen::Chosen::Given
        };
        return Err(chosen::missing(&rules, how));
    }
    let mut config = casus_serve::Config::new(rules);
    config.addr = addr;
    config.limits = limits().clone();
    config.job_time = std::time::Duration::from_secs(max_seconds.max(1));
    if properties.is_some() {
        config.properties = properties;
    }
    casus_serve::serve(&config)?;
    Ok(ExitCode::SUCCESS)
}

/// `casus treaties`: every treaty with its status on a date (default: today).
fn treaties(rules: &Path, format: Format, date: Option<&str>, width: casus::table::Width) -> Result<ExitCode, String> {
    let e = load(rules)?;
    let at = graph::date(date)?;
    let list = e.treaties();
    if format == Format::Json {
        outln!("{}", json(&list)?);
    } else {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|t| {
                vec![
                    t.id.clone(),
                    t.name.clone(),
                    t.status_on(&at).to_string(),
                    t.in_force.map_or("-".into(), |d| d.to_string()),
                    t.terminated.map_or("-".into(), |d| d.to_string()),
                    t.parties.to_string(),
                    t.clauses.join(", "),
                ]
            })
            .collect();
        outln!("Status on {at}:");
        out!(
            "{}",
            table(
                &["ID", "NAME", "STATUS", "IN FORCE", "ENDED", "PARTIES", "CLAUSES"],
                &rows,
                width
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `casus build`: the rule set, validated and compiled, into one file that records the
/// (absolute) path and content hash of its sources.
fn build(rules: &Path, output: &Path) -> Result<ExitCode, String> {
    let set = RuleSet::load_with(&[rules.to_path_buf()], limits()).map_err(|e| {
        if !rules.exists() {
            return chosen::missing(rules, chosen::Chosen::Given);
        }
        let mut s = String::new();
        for d in e.diagnostics.items().iter().filter(|d| d.severity == Severity::Error) {
            s.push_str(&d.render());
        }
        s.push_str(&format!(
            "error: {} (run `casus check --rules {}`)\n",
            e.summary(),
            rules.display()
        ));
        s
    })?;
    let origin = std::fs::canonicalize(rules).unwrap_or_else(|_| rules.to_path_buf());
    let (engine, bytes) = set
        .build(&origin.display().to_string())
        .map_err(|e| format!("error: {e}\n"))?;
    std::fs::write(output, &bytes).map_err(|e| format!("error: cannot write {}: {e}\n", output.display()))?;
    outln!(
        "{}: {} parties, {} territories and areas, {} treaties; {} bytes written to {}",
        rules.display(),
        engine.parties().len(),
        engine.places().len(),
        engine.treaties().len(),
        bytes.len(),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// What `--format parquet` says in a build without Parquet.
#[cfg(not(feature = "parquet"))]
pub(crate) const NO_PARQUET: &str = "error: this casus was built without Parquet support\n  help: use --format csv, or rebuild with it: cargo install --path crates/casus-cli --features parquet\n";

/// Writes bytes to a file (whole, or not at all) or to standard output.
fn emit_bytes(output: Option<&Path>, bytes: &[u8]) -> Result<ExitCode, String> {
    use std::io::Write as _;
    if let Some(path) = output {
        graph::write_file(path, bytes)?;
    } else if let Err(e) = std::io::stdout().write_all(bytes) {
        write_failed(&e);
    }
    Ok(ExitCode::SUCCESS)
}

fn scenario_error(e: &casus::ScenarioError) -> String {
    e.render()
}

fn collect(p: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(p)?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(p)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for e in entries {
            let is_yaml = matches!(e.extension().and_then(|x| x.to_str()), Some("yaml" | "yml"));
            if std::fs::symlink_metadata(&e).is_ok_and(|m| m.is_dir()) || is_yaml {
                collect(&e, out)?;
            }
        }
    } else {
        out.push(p.to_path_buf());
    }
    Ok(())
}
