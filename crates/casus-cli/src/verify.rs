//! `casus verify` and `casus diff`: argument handling, progress, files and exit codes.
//! The checking and the printing are the library's (`casus::verify`).

use casus::table::Width;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use casus::verify::{
    DiffOptions, DiffReport, MergedReport, Properties, Shard, ShardReadError, ShardReport, VerifyOptions, VerifyReport,
};

use crate::chosen::Chosen;
use crate::progress::Progress;
use crate::{Format, json, load_chosen};

/// `rules` as seen from `dir`, for a scenario file written there.
fn relative(rules: &Path, dir: &Path) -> PathBuf {
    let (Ok(r), Ok(d)) = (rules.canonicalize(), dir.canonicalize()) else {
        return rules.to_path_buf();
    };
    let rc: Vec<Component> = r.components().collect();
    let dc: Vec<Component> = d.components().collect();
    let common = rc.iter().zip(&dc).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..dc.len() {
        out.push("..");
    }
    for c in rc.iter().skip(common) {
        out.push(c.as_os_str());
    }
    out
}

/// Reads a properties file against a rule set; its diagnostics become the error text.
pub(crate) fn load_properties(path: &Path, engine: &casus::Engine) -> Result<Properties, String> {
    Properties::load(path, engine).map_err(|e| {
        let mut s: String = e.diagnostics.items().iter().map(casus::Diagnostic::render).collect();
        s.push_str(&format!("error: {} in {}\n", e.summary(), path.display()));
        s
    })
}

/// Where a shard run writes its report: `--shard I/N`, and `--out FILE` (else standard output).
pub(crate) type Sharding<'a> = Option<(Shard, Option<&'a Path>)>;

pub(crate) fn verify(
    rules: &Path,
    properties: &Path,
    (sample, accept_sampled, max_evaluations): (Option<u32>, bool, u64),
    (format, width): (Format, Width),
    counterexamples: Option<&Path>,
    progress: (bool, bool),
    sharding: Sharding<'_>,
) -> Result<ExitCode, String> {
    let engine = load_chosen(rules, Chosen::Given)?;
    let props = load_properties(properties, &engine)?;
    let names = props.properties.iter().map(|p| p.id.clone()).collect();
    let shown = Progress::new("verify", progress.0, progress.1, names);
    let opts = VerifyOptions {
        sample,
        max_evaluations,
        progress: shown.count(),
        ..VerifyOptions::default()
    };
    let tick = |id: &str, done: u64, total: u64| shown.tick(id, done, total);
    if let Some((shard, out)) = sharding {
        let report = casus::verify::verify_shard(&engine, &props, &opts, shard, Some(&tick))
            .map_err(|e| format!("error: {e}\n"))?;
        shown.finish();
        let sources = [rules, properties].map(|p| p.display().to_string());
        return write_shard(&report.with_sources(sources.to_vec()), out);
    }
    let report = casus::verify::verify(&engine, &props, &opts, Some(&tick)).map_err(|e| format!("error: {e}\n"))?;
    shown.finish();
    print_verify(&report, rules, (format, width), counterexamples, accept_sampled)
}

/// Writes a shard report to `out`, or to standard output.
fn write_shard(report: &ShardReport, out: Option<&Path>) -> Result<ExitCode, String> {
    let text = report
        .to_json()
        .map_err(|e| format!("error: cannot write JSON: {e}\n"))?;
    match out {
        Some(path) => std::fs::write(path, text).map_err(|e| format!("error: {}: {e}\n", path.display()))?,
        None => out!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints what `casus verify` found (and writes the counterexamples), with its exit code.
fn print_verify(
    report: &VerifyReport,
    rules: &Path,
    (format, width): (Format, Width),
    counterexamples: Option<&Path>,
    accept_sampled: bool,
) -> Result<ExitCode, String> {
    if let Some(dir) = counterexamples {
        write_counterexamples(report, rules, dir)?;
    }
    match format {
        Format::Json => println!("{}", json(&report)?),
        Format::Table => print!("{}", casus::verify::render_verify(report, width)),
    }
    Ok(if !report.all_hold() {
        ExitCode::FAILURE
    } else if report.any_unsettled() && !accept_sampled {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes each smallest counterexample of `report` as a scenario file into `dir`.
fn write_counterexamples(report: &VerifyReport, rules: &Path, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("error: {}: {e}\n", dir.display()))?;
    for p in &report.properties {
        if let Some(c) = &p.counterexample {
            let mut s = c.scenario.clone();
            s.name = Some(format!("counterexample to {}", p.id));
            s.description = Some(c.why.clone());
            s.rules = Some(relative(rules, dir).display().to_string());
            let path = dir.join(format!("{}.yaml", p.id));
            let text = format!(
                "{} to `{}`, written by `casus verify`: `casus eval` reproduces it; `casus test` skips it until it has an `expect:` block\n{}",
                casus::COUNTEREXAMPLE_MARKER,
                p.id,
                s.to_yaml().map_err(|e| format!("error: {e}\n"))?
            );
            std::fs::write(&path, text).map_err(|e| format!("error: {}: {e}\n", path.display()))?;
        }
    }
    Ok(())
}

pub(crate) fn diff(
    old: &Path,
    new: &Path,
    (targets, parties): (&[String], &[String]),
    (format, width): (Format, Width),
    (progress, max_evaluations, full): ((bool, bool), u64, bool),
    sharding: Sharding<'_>,
) -> Result<ExitCode, String> {
    let a = load_chosen(old, Chosen::Given)?;
    let b = load_chosen(new, Chosen::Given)?;
    let shown = Progress::new("diff", progress.0, progress.1, vec!["diff".into()]);
    let tick = |_: &str, done: u64, total: u64| shown.tick("", done, total);
    let opts = DiffOptions {
        targets: (!targets.is_empty()).then(|| targets.to_vec()),
        parties: (!parties.is_empty()).then(|| parties.to_vec()),
        max_evaluations,
        progress: shown.count(),
        ..DiffOptions::default()
    };
    if let Some((shard, out)) = sharding {
        let report =
            casus::verify::diff_shard(&a, &b, &opts, shard, Some(&tick)).map_err(|e| format!("error: {e}\n"))?;
        shown.finish();
        let sources = [old, new].map(|p| p.display().to_string());
        return write_shard(&report.with_sources(sources.to_vec()), out);
    }
    let report = casus::verify::diff(&a, &b, &opts, Some(&tick)).map_err(|e| format!("error: {e}\n"))?;
    shown.finish();
    print_diff(report, (format, width), full)
}

/// Prints what `casus diff` found, with its exit code.
fn print_diff(mut report: DiffReport, (format, width): (Format, Width), full: bool) -> Result<ExitCode, String> {
    let changed = !report.groups.is_empty();
    let view = casus::verify::DiffView {
        full,
        ..casus::verify::DiffView::default()
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // Written as it is made: a full diff of a large alliance is never held whole.
    let written = match format {
        Format::Json => {
            if !full {
                report.summarize(view.rows);
            }
            serde_json::to_writer_pretty(&mut out, &report)
                .map_err(std::io::Error::from)
                .and_then(|()| std::io::Write::write_all(&mut out, b"\n"))
        }
        Format::Table => casus::verify::write_diff(&report, width, view, &mut out),
    };
    if let Err(e) = written.and_then(|()| std::io::Write::flush(&mut out)) {
        crate::write_failed(&e);
    }
    Ok(if changed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// What `casus merge` prints besides the answer: as `verify` and `diff` take them.
pub(crate) struct MergeView<'a> {
    pub format: Format,
    pub width: Width,
    pub counterexamples: Option<&'a Path>,
    pub accept_sampled: bool,
    pub full: bool,
}

/// `casus merge`: reads shard reports, adds them up, and prints what the single run prints.
pub(crate) fn merge(paths: &[PathBuf], view: &MergeView<'_>) -> Result<ExitCode, String> {
    let mut reports = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(|e| format!("error: {}: {e}\n", path.display()))?;
        let report = ShardReport::from_json(&text).map_err(|e| match e {
            ShardReadError::Invalid { line, column, message } => format!(
                "error: {}:{line}:{column}: not a shard report ({message}); make one with `casus verify --shard I/N` or `casus diff --shard I/N`\n",
                path.display()
            ),
            e => format!("error: {}: {e}\n", path.display()),
        })?;
        reports.push((path.display().to_string(), report));
    }
    let merged = casus::verify::merge(&reports).map_err(|e| format!("error: {e}\n"))?;
    match merged.report {
        MergedReport::Verify(r) => {
            if view.full {
                return Err(
                    "error: --full is for the reports of `casus diff --shard`; these are of `casus verify`\n".into(),
                );
            }
            let rules = merged.sources.first().map(PathBuf::from).unwrap_or_default();
            print_verify(
                &r,
                &rules,
                (view.format, view.width),
                view.counterexamples,
                view.accept_sampled,
            )
        }
        MergedReport::Diff(r) => {
            if view.counterexamples.is_some() || view.accept_sampled {
                return Err("error: --counterexamples and --accept-sampled are for the reports of `casus verify --shard`; these are of `casus diff`\n".into());
            }
            print_diff(r, (view.format, view.width), view.full)
        }
        _ => Err("error: these shard reports are of a command this casus cannot print\n".into()),
    }
}
