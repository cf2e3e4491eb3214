//! `casus repair`: argument handling, progress lines, the `--out` folders and exit codes.
//! The search and the printing are the library's (`casus::repair`).

use std::path::PathBuf;
use std::process::ExitCode;

use casus::repair::{Draft, RepairOptions};

/// How `casus repair` writes its report.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum RepairFormat {
    /// The edits, the patch, the proof and the side effects, in words.
    #[value(alias = "table")]
    Text,
    /// The report as JSON.
    Json,
}

/// The arguments of `casus repair`.
#[derive(clap::Args)]
pub(crate) struct RepairArgs {
    /// The rule set (folder or file) whose own rule files may be edited.
    rules: PathBuf,
    /// The properties file (see docs/verify.md).
    properties: PathBuf,
    /// The most edits in one repair.
    #[arg(long, value_name = "K", default_value_t = 3)]
    max_edits: usize,
    /// Repair only these properties (repeat, or separate with commas); by default every
    /// violated one. The others that held must still hold.
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    property: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RepairFormat::Text)]
    format: RepairFormat,
    /// Write each repaired rule set as a folder `DIR/repair-N` that `casus verify` and
    /// `casus eval` read as they read the original.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Show no progress lines on standard error.
    #[arg(long)]
    no_progress: bool,
    /// The most classes of scenarios one walk may evaluate before it stops with an error.
    #[arg(long, value_name = "N", default_value_t = casus::verify::DEFAULT_MAX_EVALUATIONS)]
    max_evaluations: u64,
}

pub(crate) fn repair(a: &RepairArgs) -> Result<ExitCode, String> {
    let draft = Draft::load(&a.rules, crate::limits()).map_err(|e| error_text(&e))?;
    let text =
        std::fs::read_to_string(&a.properties).map_err(|e| format!("error: {}: {e}\n", a.properties.display()))?;
    let opts = RepairOptions {
        max_edits: a.max_edits,
        properties: a.property.clone(),
        verify: casus::verify::VerifyOptions {
            max_evaluations: a.max_evaluations,
            ..Default::default()
        },
        limits: crate::limits().clone(),
        ..RepairOptions::default()
    };
    let shown = Stages::new(a.no_progress);
    let say = |s: &str| shown.say(s);
    let report = casus::repair::repair(&draft, (&a.properties, &text), &opts, Some(&say));
    shown.finish();
    let report = report.map_err(|e| error_text(&e))?;
    let mut written = Vec::new();
    if let Some(dir) = &a.out {
        for (n, r) in report.repairs.iter().enumerate() {
            let folder = dir.join(format!("repair-{}", n + 1));
            written.push(casus::repair::write_repaired(&draft, r, &folder).map_err(|e| error_text(&e))?);
        }
    }
    match a.format {
        RepairFormat::Text => {
            print!("{}", casus::repair::render_repair(&report));
            for w in &written {
                println!("Written: {}", w.display());
            }
        }
        RepairFormat::Json => println!("{}", crate::json(&report)?),
    }
    Ok(if report.blocked.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The stages of the search on standard error: a spinner with the stage and the time spent
/// on a terminal, one line per stage elsewhere (a log, a CI job), nothing with
/// `--no-progress`. Standard output is never touched.
enum Stages {
    Spinner(indicatif::ProgressBar),
    Lines,
    Off,
}

impl Stages {
    fn new(off: bool) -> Stages {
        use std::io::IsTerminal as _;
        if off {
            Stages::Off
        } else if std::io::stderr().is_terminal() {
            let pb = indicatif::ProgressBar::new_spinner();
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} repair: {msg} ({elapsed})") {
                pb.set_style(style);
            }
            pb.enable_steady_tick(std::time::Duration::from_millis(200));
            Stages::Spinner(pb)
        } else {
            Stages::Lines
        }
    }

    fn say(&self, stage: &str) {
        match self {
            // The finished stage stays on the screen above the spinner.
            Stages::Spinner(pb) => {
                pb.println(format!("repair: {stage}"));
                pb.set_message(stage.to_string());
            }
            Stages::Lines => eprintln!("repair: {stage}"),
            Stages::Off => {}
        }
    }

    fn finish(&self) {
        if let Stages::Spinner(pb) = self {
            pb.finish_and_clear();
        }
    }
}

fn error_text(e: &casus::repair::RepairError) -> String {
    match e {
        casus::repair::RepairError::Load(l) => {
            let mut s: String = l.diagnostics.items().iter().map(casus::Diagnostic::render).collect();
            s.push_str(&format!("error: {e}\n"));
            s
        }
        other => format!("error: {other}\n"),
    }
}
