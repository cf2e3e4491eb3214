//! A repair as a patch of the rule files, and as a folder of the repaired rule set.

use std::path::{Path, PathBuf};

use super::{Draft, Repair, RepairError};

/// The unified diff of the files `texts` changes, against their original text.
pub(super) fn unified(draft: &Draft, texts: &[(usize, String)]) -> String {
    let mut out = String::new();
    for (i, new) in texts {
        let Some(f) = draft.files.get(*i) else { continue };
        let diff = similar::TextDiff::from_lines(f.text.as_str(), new.as_str());
        let name = f.shown.as_str();
        out.push_str(&diff.unified_diff().context_radius(2).header(name, name).to_string());
    }
    out
}

/// Writes the repaired rule set as the folder `out`, which `casus verify` and `casus eval`
/// read as they read the original: every rule file the original rule set reads, copied under
/// `out` in the same layout (relative to the folder that holds them all), the repaired files
/// patched, and the rule set's own manifest at the top without its `extends:` (what it
/// extended is copied in). Returns the folder to name to `casus`.
pub fn write_repaired(draft: &Draft, repair: &Repair, out: &Path) -> Result<PathBuf, RepairError> {
    let Some(root) = &draft.root else {
        return Err(RepairError::Read {
            path: "<rules>".into(),
            message: "a rule set given as text cannot be written as a folder".into(),
        });
    };
    let err = |p: &Path, e: std::io::Error| RepairError::Read {
        path: p.display().to_string(),
        message: e.to_string(),
    };
    let read = crate::kernel::read_rules(std::slice::from_ref(root), &draft.limits, &crate::Sources::new());
    let files: Vec<PathBuf> = read.files.iter().map(|(ctx, _)| ctx.path.clone()).collect();
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let base = common_ancestor(files.iter().map(|p| canon(p)));
    std::fs::create_dir_all(out).map_err(|e| err(out, e))?;
    for f in &files {
        let real = canon(f);
        let rel = real.strip_prefix(&base).unwrap_or(&real);
        let dest = out.join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| err(parent, e))?;
        }
        let own = draft.paths.iter().position(|p| canon(p) == real);
        let patched = own.and_then(|i| repair.texts.iter().find(|(j, _)| *j == i));
        match patched {
            Some((_, text)) => std::fs::write(&dest, text).map_err(|e| err(&dest, e))?,
            None => {
                std::fs::copy(f, &dest).map_err(|e| err(&dest, e))?;
            }
        }
    }
    let manifest = root.join("ruleset.yaml");
    if manifest.is_file() {
        let text = std::fs::read_to_string(&manifest).map_err(|e| err(&manifest, e))?;
        let dest = out.join("ruleset.yaml");
        std::fs::write(&dest, without_extends(&text)).map_err(|e| err(&dest, e))?;
    }
    Ok(out.to_path_buf())
}

/// The deepest folder that holds every path.
fn common_ancestor(paths: impl Iterator<Item = PathBuf>) -> PathBuf {
    let mut base: Option<PathBuf> = None;
    for p in paths {
        let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
        base = Some(match base {
            None => dir,
            Some(b) => b
                .ancestors()
                .find(|a| dir.starts_with(a))
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        });
    }
    base.unwrap_or_default()
}

/// A manifest's text without its `extends:` key (and the list lines under it).
fn without_extends(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.split_inclusive('\n') {
        if line.starts_with("extends:") {
            skipping = true;
            continue;
        }
        if skipping && (line.starts_with(' ') || line.starts_with('-')) {
            continue;
        }
        skipping = false;
        out.push_str(line);
    }
    out
}
