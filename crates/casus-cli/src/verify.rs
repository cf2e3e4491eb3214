//! `casus verify` and `casus diff`: argument handling, progress, files and exit codes.
//! The checking and the printing are the library's (`casus::verify`).

use casus::table::Width;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use casus::verify::{DiffOptions, Properties, VerifyOptions};

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

pub(crate) fn verify(
    rules: &Path,
    properties: &Path,
    (sample, accept_sampled, max_evaluations): (Option<u32>, bool, u64),
    (format, width): (Format, Width),
    counterexamples: Option<&Path>,
    progress: (bool, bool),
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
    let report = casus::verify::verify(&engine, &props, &opts, Some(&tick)).map_err(|e| format!("error: {e}\n"))?;
    shown.finish();
    if let Some(dir) = counterexamples {
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
    }
    match format {
        Format::Json => println!("{}", json(&report)?),
        Format::Table => print!("{}", casus::verify::render_verify(&report, width)),
    }
    Ok(if !report.all_hold() {
        ExitCode::FAILURE
    } else if report.any_unsettled() && !accept_sampled {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

pub(crate) fn diff(
    old: &Path,
    new: &Path,
    (targets, parties): (&[String], &[String]),
    (format, width): (Format, Width),
    (progress, max_evaluations, full): ((bool, bool), u64, bool),
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
    let mut report = casus::verify::diff(&a, &b, &opts, Some(&tick)).map_err(|e| format!("error: {e}\n"))?;
    shown.finish();
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
