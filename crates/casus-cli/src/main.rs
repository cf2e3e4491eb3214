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

mod chosen;
mod graph;
mod import;
mod progress;
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

#[derive(Subcommand)]
enum Command {
    /// Evaluate scenario files and print who must respond.
    Eval {
        /// The rule set (folder or file). Default: the scenario's `rules:`, else `rules/`.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Scenario files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
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
    /// Check what a drafter requires of a rule set over every scenario (exit 1 if violated).
    Verify {
        /// The rule set (folder or file).
        rules: PathBuf,
        /// The properties file (see docs/verify.md).
        properties: PathBuf,
        /// Check this many random scenarios per property instead of every scenario.
        #[arg(long)]
        sample: Option<u32>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write each smallest counterexample as a scenario file into this folder.
        #[arg(long)]
        counterexamples: Option<PathBuf>,
        /// Where standard error is not a terminal, also write a progress line when each
        /// property starts and ends (there is one every few seconds anyway).
        #[arg(long)]
        progress: bool,
    },
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
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Where standard error is not a terminal, also write a progress line at the start and
        /// the end (there is one every few seconds anyway).
        #[arg(long)]
        progress: bool,
        /// Every row of the table and one scenario of each, however many (by default a diff
        /// of more than 40 rows shows the first 40 and sums up the rest per kind and party).
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
    /// Every commitment between all parties at a date (optionally of some treaties only).
    Graph(graph::GraphArgs),
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
fn load_chosen(path: &Path, how: chosen::Chosen<'_>) -> Result<Engine, String> {
    let rules = RuleSet::load_with(&[path.to_path_buf()], limits()).map_err(|e| {
        if !path.exists() {
            return chosen::missing(path, how);
        }
        let mut s = String::new();
        for d in e.diagnostics.items().iter().filter(|d| d.severity == Severity::Error) {
            s.push_str(&d.render());
        }
        s.push_str(&format!(
            "error: {} (run `casus check --rules {}`)\n",
            e,
            path.display()
        ));
        s
    })?;
    rules.compile().map_err(|e| format!("error: {e}\n"))
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

fn run(cli: Cli) -> Result<ExitCode, String> {
    let width = casus::table::Width::wide(cli.wide);
    match cli.command {
        Command::Eval {
            rules,
            scenarios,
            format,
            explain,
            why_not,
        } => {
            let mut engines = Engines { cache: BTreeMap::new() };
            let mut outputs = Vec::new();
            let mut text = String::new();
            for path in &scenarios {
                let s = Scenario::load(path).map_err(|e| scenario_error(&e))?;
                let engine = engines.for_scenario(rules.as_deref(), &s, path)?;
                let v = if explain {
                    engine.evaluate_explained(&s)
                } else {
                    engine.evaluate(&s)
                }
                .map_err(|e| scenario_error(&e))?;
                match format {
                    Format::Json => {
                        outputs.push(serde_json::json!({"scenario": path.display().to_string(), "verdict": v}))
                    }
                    Format::Table => {
                        if scenarios.len() > 1 {
                            text.push_str(&format!("== {}\n", path.display()));
                        }
                        let options = casus::TableOptions {
                            width,
                            explain,
                            why_not,
                        };
                        text.push_str(&casus::render_verdict(&v, &options));
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
        Command::Check { rules, format } => {
            let result = RuleSet::load_with(std::slice::from_ref(&rules), limits());
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
                    Err(e) => outln!("{}: {e}", rules.display()),
                }
            }
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Test { rules, paths } => testing::run(rules.as_deref(), &paths),
        Command::Parties { rules, format } => {
            let e = load(&rules)?;
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
        Command::Territories {
            rules,
            within,
            find,
            format,
        } => {
            let e = load(&rules)?;
            let mut list = match &within {
                Some(w) => e.places_within(w).map_err(|err| err.to_string())?,
                None => e.places(),
            };
            if let Some(q) = &find {
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
        Command::Import(cmd) => import::run(cmd),
        Command::Verify {
            rules,
            properties,
            sample,
            format,
            counterexamples,
            progress,
        } => verify::verify(
            &rules,
            &properties,
            sample,
            (format, width),
            counterexamples.as_deref(),
            progress,
        ),
        Command::Diff {
            old,
            new,
            target,
            party,
            format,
            progress,
            full,
        } => verify::diff(&old, &new, (&target, &party), (format, width), (progress, full)),
        Command::Guarantors(q) => graph::party_query(q, casus::Relation::Guarantors, width),
        Command::Commitments(q) => graph::party_query(q, casus::Relation::Commitments, width),
        Command::Exposure(a) => graph::exposure(a, width),
        Command::Cascade(a) => graph::cascade(a, width),
        Command::Graph(a) => graph::graph(a, width),
        Command::Treaties { rules, format, date } => {
            let e = load(&rules)?;
            let at = graph::date(date.as_deref())?;
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
    }
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
