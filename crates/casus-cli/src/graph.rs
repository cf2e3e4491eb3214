//! `casus guarantors`, `commitments`, `exposure`, `cascade` and `graph`: argument handling,
//! the choice of output, and rendering pictures through Graphviz. The analyses and every
//! rendering but the image are the library's (`casus::Engine::guarantors` and friends).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};

use casus::graph::{CascadeOptions, CascadePolicy, CommitmentGraph, Relation};
use casus::table::Width;
use casus::{Level, Scenario, When};
use clap::{Args, ValueEnum};

use crate::{Engines, json, load};

/// How an analysis is printed.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// An aligned table.
    Table,
    /// Stable JSON.
    Json,
    /// Graphviz DOT text.
    Dot,
    /// An SVG picture (needs Graphviz's `dot`).
    Svg,
    /// A PNG picture (needs Graphviz's `dot`).
    Png,
}

/// Where and how an analysis is written.
#[derive(Args)]
pub struct Output {
    /// Output format (svg and png need Graphviz's `dot`).
    #[arg(long, value_enum, default_value_t = GraphFormat::Table)]
    format: GraphFormat,
    /// Write to this file instead of standard output; the file is written only when the whole
    /// output was produced, so a failed rendering leaves no empty or partial file behind.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// `casus guarantors` and `casus commitments`.
#[derive(Args)]
pub struct PartyQuery {
    /// The party (an id of the rule set, e.g. POL).
    party: String,
    /// The date (YYYY-MM-DD or an RFC 3339 instant). Default: today.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    date: Option<String>,
    /// With --to: list every date in the range where the answer changes.
    #[arg(long, requires = "to")]
    from: Option<String>,
    /// The end of the range (inclusive).
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// The rule set.
    #[arg(long, default_value = "rules")]
    rules: PathBuf,
    #[command(flatten)]
    out: Output,
}

/// `casus exposure`.
#[derive(Args)]
pub struct ExposureArgs {
    /// The party whose obligations are listed.
    party: String,
    /// The date. Default: today.
    #[arg(long)]
    date: Option<String>,
    /// The weakest level listed (neutrality < consult < diplomatic < assist < all_means <
    /// military).
    #[arg(long, default_value = "neutrality", value_parser = parse_level)]
    min_level: Level,
    /// The rule set.
    #[arg(long, default_value = "rules")]
    rules: PathBuf,
    #[command(flatten)]
    out: Output,
}

/// Whether entering a war counts as an attack.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Policy {
    /// An entry is not an attack: the cascade ends after round 1.
    Best,
    /// An entry is an armed attack on the party the entrant fights.
    Worst,
}

/// `casus cascade`.
#[derive(Args)]
pub struct CascadeArgs {
    /// The scenario file.
    scenario: PathBuf,
    /// Whether an entry counts as an attack on the enemy.
    #[arg(long, value_enum, default_value_t = Policy::Best)]
    policy: Policy,
    /// The weakest level at which an obliged party enters.
    #[arg(long, default_value = "assist", value_parser = parse_level)]
    min_level: Level,
    /// The rule set. Default: the scenario's `rules:`, else `rules/`.
    #[arg(long)]
    rules: Option<PathBuf>,
    #[command(flatten)]
    out: Output,
}

/// `casus graph`.
#[derive(Args)]
pub struct GraphArgs {
    /// The date. Default: today.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    date: Option<String>,
    /// With --to: the graph at this date and every date up to --to at which a commitment
    /// begins or ends.
    #[arg(long, requires = "to")]
    from: Option<String>,
    /// The end of the range (inclusive).
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// The most commitments the whole graph may hold before it is built (default 2,000,000;
    /// see docs/limits.md).
    #[arg(long, value_name = "N")]
    max_edges: Option<u64>,
    /// Only the commitments under these treaties (ids; repeat or separate with commas).
    #[arg(long, value_delimiter = ',')]
    treaty: Vec<String>,
    /// The rule set.
    #[arg(long, default_value = "rules")]
    rules: PathBuf,
    /// (ext) Every commitment, however many: past 20,000, table and JSON show the first 100
    /// and a summary (per treaty, level and obligor), and dot, svg and png are refused.
    #[arg(long)]
    full: bool,
    #[command(flatten)]
    out: Output,
}

pub(crate) fn parse_level(s: &str) -> Result<Level, String> {
    Level::parse(s).ok_or_else(|| {
        let all: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
        format!("unknown level `{s}`; one of {}", all.join(", "))
    })
}

/// A date given on the command line, today (UTC) when none is given.
pub(crate) fn date(s: Option<&str>) -> Result<When, String> {
    match s {
        Some(s) => When::parse(s).map_err(|e| format!("error: {e}\n")),
        None => Ok(When::Day(
            jiff::tz::Offset::UTC.to_datetime(jiff::Timestamp::now()).date(),
        )),
    }
}

/// Prints text, or renders DOT through Graphviz for the picture formats.
fn emit(
    out: &Output,
    table: impl FnOnce() -> String,
    json_text: impl FnOnce() -> Result<String, String>,
    dot: impl FnOnce() -> String,
) -> Result<ExitCode, String> {
    let bytes = match out.format {
        GraphFormat::Table => table().into_bytes(),
        GraphFormat::Json => (json_text()? + "\n").into_bytes(),
        GraphFormat::Dot => dot().into_bytes(),
        GraphFormat::Svg => render(&dot(), "svg")?,
        GraphFormat::Png => render(&dot(), "png")?,
    };
    if let Some(path) = &out.output {
        write_file(path, &bytes)?;
        return Ok(ExitCode::SUCCESS);
    }
    // A reader that stops early (`| head`) is not an error; a full disk is.
    if let Err(e) = std::io::stdout().write_all(&bytes) {
        crate::write_failed(&e);
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the whole output to `path` at once: into a temporary file beside it, renamed over
/// `path` only when every byte is written, so that no reader sees a partial file.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    let fail = |e: std::io::Error| {
        let _ = std::fs::remove_file(&tmp);
        format!("error: cannot write {}: {e}\n", path.display())
    };
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

/// Runs Graphviz's `dot` on the text and returns the picture.
fn render(dot: &str, format: &str) -> Result<Vec<u8>, String> {
    let program = std::env::var_os("CASUS_DOT").unwrap_or_else(|| "dot".into());
    let mut child = std::process::Command::new(&program)
        .arg(format!("-T{format}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "error: --format {format} needs Graphviz's `dot` program, which is not installed\n  \
                 help: install it (`apt-get install graphviz` on Debian and Ubuntu, `brew install graphviz` on macOS), \
                 or use --format dot and render the text elsewhere\n"
            ),
            _ => format!("error: cannot run `{}`: {e}\n", Path::new(&program).display()),
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(dot.as_bytes())
            .map_err(|e| format!("error: cannot send the graph to `dot`: {e}\n"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("error: `dot` failed: {e}\n"))?;
    if !out.status.success() {
        return Err(format!(
            "error: `dot` failed: {}\n",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

/// `casus guarantors X` and `casus commitments X`, at a date or over a range.
pub fn party_query(q: PartyQuery, relation: Relation, width: Width) -> Result<ExitCode, String> {
    let engine = load(&q.rules)?;
    let err = |e: casus::graph::GraphError| format!("error: {e}\n");
    if let (Some(from), Some(to)) = (&q.from, &q.to) {
        let t = engine
            .timeline(&q.party, relation, date(Some(from))?, date(Some(to))?)
            .map_err(err)?;
        return match q.out.format {
            GraphFormat::Table => emit(&q.out, || t.to_table(width), || json(&t), String::new),
            GraphFormat::Json => emit(&q.out, String::new, || json(&t), String::new),
            _ => Err("error: a timeline has no picture; use --format table or json, or --date for one date\n".into()),
        };
    }
    let at = date(q.date.as_deref())?;
    let list = match relation {
        Relation::Guarantors => engine.guarantors(&q.party, at),
        Relation::Commitments => engine.commitments(&q.party, at),
    }
    .map_err(err)?;
    emit(
        &q.out,
        || casus::graph::render_commitments(&q.party, relation, &at, &list, width),
        || json(&list),
        || engine.commitments_dot(&q.party, relation, at, &list),
    )
}

/// `casus exposure X`.
pub fn exposure(a: ExposureArgs, width: Width) -> Result<ExitCode, String> {
    let engine = load(&a.rules)?;
    let x = engine
        .exposure(&a.party, date(a.date.as_deref())?, a.min_level)
        .map_err(|e| format!("error: {e}\n"))?;
    emit(&a.out, || x.to_table(width), || json(&x), || x.to_dot())
}

/// `casus cascade SCENARIO`.
pub fn cascade(a: CascadeArgs, width: Width) -> Result<ExitCode, String> {
    let s = Scenario::load(&a.scenario).map_err(|e| crate::scenario_error(&e))?;
    let mut engines = Engines {
        cache: std::collections::BTreeMap::new(),
    };
    let engine = engines.for_scenario(a.rules.as_deref(), &s, &a.scenario)?;
    let options = CascadeOptions {
        policy: match a.policy {
            Policy::Best => CascadePolicy::Best,
            Policy::Worst => CascadePolicy::Worst,
        },
        min_level: a.min_level,
    };
    let c = engine
        .cascade(&s, &options)
        .map_err(|e| format!("{}: error: {e}\n", a.scenario.display()))?;
    emit(&a.out, || c.to_table(width), || json(&c), || c.to_dot())
}

/// `casus graph`: every commitment at a date, or over a range.
pub fn graph(a: GraphArgs, width: Width) -> Result<ExitCode, String> {
    let engine = load(&a.rules)?;
    let known: Vec<String> = engine.treaties().into_iter().map(|t| t.id).collect();
    for t in &a.treaty {
        if !known.contains(t) {
            return Err(format!(
                "error: unknown treaty `{t}`{}\n",
                casus::names::suggest(t, known.iter().map(String::as_str))
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default()
            ));
        }
    }
    let max_edges = a.max_edges.unwrap_or(crate::limits().max_graph_edges);
    if let (Some(from), Some(to)) = (&a.from, &a.to) {
        let t = engine
            .graph_timeline(date(Some(from))?, date(Some(to))?, max_edges)
            .map_err(|e| format!("error: {e}\n"))?
            .with_treaties(&a.treaty);
        let n = t.listed();
        if !a.full && n > CommitmentGraph::SUMMARIZE_ABOVE {
            return Err(format!(
                "error: the range holds {n} commitments and changes, too many to list (more than {}); \
                 narrow it with --treaty, see a summary of one day with --date, or list every one with --full\n",
                CommitmentGraph::SUMMARIZE_ABOVE
            ));
        }
        return emit(&a.out, || t.to_table(width), || json(&t), || t.to_dot());
    }
    let g = engine
        .commitment_graph_within(date(a.date.as_deref())?, max_edges)
        .map_err(|e| format!("error: {e}\n"))?;
    // Filtering copies the graph: only when asked to.
    let g = if a.treaty.is_empty() {
        g
    } else {
        g.with_treaties(&a.treaty)
    };
    let full = a.full;
    match a.out.format {
        GraphFormat::Table => stream(&a.out, |w| g.write_table(width, full, w)),
        GraphFormat::Json => stream(&a.out, |w| g.write_json(full, w)),
        _ => {
            let n = g.commitments().len();
            if !full && n > CommitmentGraph::SUMMARIZE_ABOVE {
                return Err(format!(
                    "error: the graph holds {n} commitments, too many to draw (more than {}); \
                     draw some treaties with --treaty, ask about one party (guarantors, commitments), \
                     see a summary with --format table, or draw every one with --full\n",
                    CommitmentGraph::SUMMARIZE_ABOVE
                ));
            }
            emit(&a.out, String::new, || Ok(String::new()), || g.to_dot())
        }
    }
}

/// Writes output as it is made: to standard output, or into a temporary file beside `--output`,
/// renamed over it only when every byte is written (as [`write_file`]).
fn stream(
    out: &Output,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<ExitCode, String> {
    if let Some(path) = &out.output {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
        let written = std::fs::File::create(&tmp).and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            write(&mut w)?;
            w.flush()
        });
        if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
            let _ = std::fs::remove_file(&tmp);
            return Err(format!("error: cannot write {}: {e}\n", path.display()));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    // A reader that stops early (`| head`) is not an error; a full disk is.
    if let Err(e) = write(&mut w).and_then(|()| w.flush()) {
        crate::write_failed(&e);
    }
    Ok(ExitCode::SUCCESS)
}
