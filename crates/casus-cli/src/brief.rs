//! `casus brief`: argument handling and writing; the brief itself is the library's
//! (`casus::brief`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use casus::brief::{BriefOptions, Named};
use casus::verify::{DiffOptions, VerifyOptions};
use clap::{Args, ValueEnum};

use crate::chosen::Chosen;
use crate::load_chosen;

/// How the brief is written.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BriefFormat {
    /// Markdown, with GitHub tables.
    Md,
    /// One HTML page, self-contained, to print on one A4 page.
    Html,
}

/// The arguments of `casus brief`.
#[derive(Args)]
pub(crate) struct BriefArgs {
    /// The rule set to brief on (a folder or a compiled file).
    rules: PathBuf,
    /// Another rule set to compare with (another draft, or the library with an accession).
    #[arg(long, value_name = "OTHER")]
    against: Option<PathBuf>,
    /// A properties file (as for `casus verify`) whose results the brief gives.
    #[arg(long, value_name = "FILE")]
    properties: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BriefFormat::Md)]
    format: BriefFormat,
    /// Write the brief to this file (whole, or not at all) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The party attacked (default: the one beneficiary of the rule set's draft treaties).
    #[arg(long)]
    target: Option<String>,
    /// The day of the attacks (default: the day the last draft treaty enters into force).
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    /// An attacker to add to those the rule set names (repeat, or separate with commas).
    #[arg(long, value_delimiter = ',')]
    attacker: Vec<String>,
    /// The most rows of differences shown (the rest are counted).
    #[arg(long, value_name = "N", default_value_t = casus::brief::DEFAULT_DIFF_ROWS)]
    diff_rows: usize,
    /// The most classes of scenarios the properties' check and the comparison may each
    /// evaluate before stopping with an error (default 50 000 000).
    #[arg(long, value_name = "N", default_value_t = casus::verify::DEFAULT_MAX_EVALUATIONS)]
    max_evaluations: u64,
}

pub(crate) fn brief(a: BriefArgs) -> Result<ExitCode, String> {
    let engine = load_chosen(&a.rules, Chosen::Given)?;
    let other = match &a.against {
        Some(p) => Some(load_chosen(p, Chosen::Given)?),
        None => None,
    };
    let props = match &a.properties {
        Some(p) => Some(crate::verify::load_properties(p, &engine)?),
        None => None,
    };
    let date = match &a.date {
        Some(d) => Some(casus::When::parse(d).map_err(|e| format!("error: --date: {e}\n"))?),
        None => None,
    };
    let options = BriefOptions {
        target: a.target.clone(),
        date,
        attackers: a.attacker.clone(),
        verify: VerifyOptions {
            max_evaluations: a.max_evaluations,
            ..VerifyOptions::default()
        },
        diff: DiffOptions {
            max_evaluations: a.max_evaluations,
            ..DiffOptions::default()
        },
        diff_rows: a.diff_rows,
    };
    let rules_name = shown(&a.rules);
    let against_name = a.against.as_deref().map(shown);
    let against = match (&other, &against_name) {
        (Some(e), Some(name)) => Some(Named { engine: e, name }),
        _ => None,
    };
    let b = casus::brief::brief(
        Named {
            engine: &engine,
            name: &rules_name,
        },
        props.as_ref(),
        against,
        &options,
    )
    .map_err(|e| format!("error: {e}\n"))?;
    let text = match a.format {
        BriefFormat::Md => b.to_markdown(),
        BriefFormat::Html => b.to_html(),
    };
    crate::emit_bytes(a.output.as_deref(), text.as_bytes())
}

/// A path as the brief names it: as given, with `/` between its parts and no trailing one.
fn shown(p: &Path) -> String {
    let s = p.display().to_string().replace('\\', "/");
    s.trim_end_matches('/').to_string()
}
