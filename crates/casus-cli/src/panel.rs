//! `casus panel`: the dyad-year (or dyad-day) table of a rule set, as CSV or Parquet. The
//! panel itself is the library's (`casus::Engine::panel`).

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use casus::panel::{PanelOptions, Unit};
use clap::{Args, ValueEnum};

use crate::load;

/// The unit of observation.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnitArg {
    /// One row per pair and year in which the pair is bound on at least one day.
    DyadYear,
    /// One row per pair and day on which the pair is bound.
    DyadDay,
}

/// How a table for statistics packages is written.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// Apache Parquet (binary: give --output FILE).
    Parquet,
}

/// `casus panel`.
#[derive(Args)]
pub struct PanelArgs {
    /// The rule set (folder or file), e.g. rules or a folder written by `casus import atop`.
    rules: PathBuf,
    /// The first day (YYYY-MM-DD).
    #[arg(long)]
    from: String,
    /// The last day (YYYY-MM-DD), inclusive.
    #[arg(long)]
    to: String,
    /// One row per pair and year, or per pair and day.
    #[arg(long, value_enum, default_value_t = UnitArg::DyadYear)]
    unit: UnitArg,
    /// One row per ordered pair (obligor, beneficiary); default: one per unordered pair.
    #[arg(long)]
    directed: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DataFormat::Csv)]
    format: DataFormat,
    /// Write to this file instead of standard output (written whole, or not at all).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// A day on the command line, or the error that says which flag is wrong.
pub(crate) fn day(flag: &str, s: &str) -> Result<jiff::civil::Date, String> {
    s.parse::<jiff::civil::Date>().map_err(|e| {
        format!("error: --{flag} `{s}` is not a date ({e})\n  help: write it as YYYY-MM-DD, e.g. 1990-01-01\n")
    })
}

pub fn run(a: PanelArgs) -> Result<ExitCode, String> {
    let opts = PanelOptions {
        from: day("from", &a.from)?,
        to: day("to", &a.to)?,
        unit: match a.unit {
            UnitArg::DyadYear => Unit::DyadYear,
            UnitArg::DyadDay => Unit::DyadDay,
        },
        directed: a.directed,
    };
    if a.format == DataFormat::Parquet && a.output.is_none() && std::io::stdout().is_terminal() {
        return Err("error: Parquet is binary and standard output is a terminal\n  help: give --output FILE (e.g. --output panel.parquet), or redirect the output to a file\n".into());
    }
    let engine = load(&a.rules)?;
    let panel = engine.panel(&opts).map_err(|e| format!("error: {e}\n"))?;
    let mut bytes = Vec::new();
    let rows = match a.format {
        DataFormat::Csv => panel.write_csv(&mut bytes),
        DataFormat::Parquet => write_parquet(&panel, &mut bytes)?,
    }
    .map_err(|e| format!("error: {e}\n"))?;
    eprintln!(
        "{} rows ({} {} pairs, {} to {}, {})",
        rows,
        panel.dyads(),
        if opts.directed { "ordered" } else { "unordered" },
        opts.from,
        opts.to,
        opts.unit.as_str()
    );
    crate::emit_bytes(a.output.as_deref(), &bytes)
}

#[cfg(feature = "parquet")]
fn write_parquet(
    panel: &casus::panel::Panel,
    bytes: &mut Vec<u8>,
) -> Result<Result<usize, casus::panel::PanelError>, String> {
    Ok(panel.write_parquet(bytes))
}

#[cfg(not(feature = "parquet"))]
fn write_parquet(_: &casus::panel::Panel, _: &mut Vec<u8>) -> Result<Result<usize, casus::panel::PanelError>, String> {
    Err(crate::NO_PARQUET.into())
}

/// `casus eval --batch FILE.csv`: every row evaluated; CSV (default), Parquet or JSON Lines.
pub(crate) fn batch(
    rules: Option<&std::path::Path>,
    file: &std::path::Path,
    format: crate::EvalFormat,
    output: Option<&std::path::Path>,
) -> Result<ExitCode, String> {
    use casus::panel::batch as b;
    let engine = load(rules.unwrap_or(std::path::Path::new("rules")))?;
    let text = crate::limits()
        .read_text(file)
        .map_err(|d| format!("error: {}\n", d.render().trim_end()))?;
    let name = file.display().to_string();
    let scenarios = b::read(&engine, &name, &text).map_err(|e| format!("error: {e}\n"))?;
    let mut bytes = Vec::new();
    let fail = |e: b::BatchError| format!("error: {name}:{}: {}\n", e.line, e.message);
    let written = match format {
        crate::EvalFormat::Jsonl => {
            let verdicts = b::verdicts(&engine, &scenarios).map_err(fail)?;
            for (line, v) in &verdicts {
                let row = serde_json::json!({"line": line, "verdict": v});
                bytes.extend(
                    serde_json::to_string(&row)
                        .map_err(|e| format!("error: {e}\n"))?
                        .into_bytes(),
                );
                bytes.push(b'\n');
            }
            verdicts.len()
        }
        crate::EvalFormat::Parquet => {
            let rows = b::evaluate(&engine, &scenarios).map_err(fail)?;
            batch_parquet(&rows, &mut bytes)?
        }
        crate::EvalFormat::Csv | crate::EvalFormat::Table => {
            let rows = b::evaluate(&engine, &scenarios).map_err(fail)?;
            b::write_csv(&rows, &mut bytes).map_err(|e| format!("error: {e}\n"))?
        }
        crate::EvalFormat::Json => return Err("error: --batch writes csv, parquet or jsonl\n".into()),
    };
    eprintln!("{} scenarios, {written} rows", scenarios.len());
    crate::emit_bytes(output, &bytes)
}

#[cfg(feature = "parquet")]
fn batch_parquet(rows: &[casus::panel::batch::BatchRow], bytes: &mut Vec<u8>) -> Result<usize, String> {
    casus::panel::batch::write_parquet(rows, bytes).map_err(|e| format!("error: {e}\n"))
}

#[cfg(not(feature = "parquet"))]
fn batch_parquet(_: &[casus::panel::batch::BatchRow], _: &mut Vec<u8>) -> Result<usize, String> {
    Err(crate::NO_PARQUET.into())
}
