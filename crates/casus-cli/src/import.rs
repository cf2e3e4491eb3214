//! `casus import`: turn another data set into a Casus rule set folder. The conversion is the
//! library's ([`casus_atop::import`]); this file reads the inputs, writes the files and
//! prints the report.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

/// The data sets `casus import` reads.
#[derive(Subcommand)]
pub enum Import {
    /// ATOP 4.0 (Alliance Treaty Obligations and Provisions): the alliance-level and
    /// member-level CSV exports, into a rule set of its own (see docs/atop.md).
    Atop {
        /// The alliance-level export (atop-alliance-level.csv).
        #[arg(long)]
        alliances: PathBuf,
        /// The member-level export (atop-member-level.csv).
        #[arg(long)]
        members: PathBuf,
        /// The folder to write; it must not exist yet or be empty.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs `casus import …`: 0 when the rule set was written (rows skipped or changed are
/// reported on standard error), 2 when nothing could be written.
pub fn run(cmd: Import) -> Result<ExitCode, String> {
    match cmd {
        Import::Atop {
            alliances,
            members,
            out,
        } => atop(&alliances, &members, &out),
    }
}

fn read(path: &Path) -> Result<String, String> {
    casus_atop::read_export(path, crate::limits()).map_err(|e| format!("{e}\n"))
}

fn words(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::InvalidData => "not UTF-8 text".into(),
        _ => e.to_string().to_lowercase(),
    }
}

fn atop(alliances: &Path, members: &Path, out: &Path) -> Result<ExitCode, String> {
    let (a_text, m_text) = (read(alliances)?, read(members)?);
    let (a_name, m_name) = (alliances.display().to_string(), members.display().to_string());
    let import = casus_atop::import_with(
        casus_atop::CsvText {
            name: &a_name,
            text: &a_text,
        },
        casus_atop::CsvText {
            name: &m_name,
            text: &m_text,
        },
        crate::limits(),
    )
    .map_err(|e| format!("error: {e}\n"))?;
    // Check the rule set before writing anything.
    import.rule_set().map_err(|e| {
        let mut s = String::new();
        for d in e.diagnostics.items() {
            s.push_str(&d.render());
        }
        s.push_str(&format!(
            "error: the imported rule set does not load: {}\n",
            e.summary()
        ));
        s
    })?;
    if out.exists() {
        let empty = std::fs::read_dir(out)
            .map_err(|e| format!("error: cannot use {}: {}\n", out.display(), words(&e)))?
            .next()
            .is_none();
        if !empty {
            return Err(format!(
                "error: {} is not empty; choose a new or empty folder so that no old file is mixed in\n",
                out.display()
            ));
        }
    }
    for f in &import.files {
        let path = f.path.split('/').fold(out.to_path_buf(), |p, part| p.join(part));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("error: cannot create {}: {}\n", dir.display(), words(&e)))?;
        }
        std::fs::write(&path, &f.text)
            .map_err(|e| format!("error: cannot write {}: {}\n", path.display(), words(&e)))?;
    }
    for p in &import.problems {
        eprintln!("{p}");
    }
    let s = import.stats;
    outln!(
        "{}: wrote {} files — {} treaties, {} clauses, {} parties from {} alliance rows and {} member rows; {} rows skipped, {} warnings",
        out.display(),
        import.files.len(),
        s.treaties,
        s.clauses,
        s.parties,
        s.alliance_rows,
        s.member_rows,
        s.skipped_rows,
        import.problems.iter().filter(|p| !p.skipped).count()
    );
    Ok(ExitCode::SUCCESS)
}
