//! Loading a draft again with some of its own files edited, without reading the rest again.
//!
//! A repair loads its draft once for every candidate edit and every set of edits it tries.
//! What the draft reads besides its own files (the library it `extends`: hundreds of files,
//! thousands of places) is the same each time, so it is read from disk and parsed once, here;
//! a reload parses the edited files only and resolves the whole again, exactly as a load of
//! the folder with the edited texts in place of the files (`Sources`) does: the same files in
//! the same order, the same amendments, the same limits.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::kernel::FileCtx;
use crate::model::RuleFile;
use crate::{Diagnostics, Engine, LoadError, RuleSet};

use super::{Draft, RepairError};

/// Every rule file a draft reads, parsed, with where its own files are among them.
pub(super) struct Reload {
    files: Vec<(FileCtx, Arc<RuleFile>)>,
    amendments: Vec<(FileCtx, Vec<crate::kernel::AmendDecl>)>,
    /// For each of the draft's own files (by index), its place in `files`.
    own: Vec<Option<usize>>,
    /// The bytes of every rule file read, together (what `max_total_bytes` bounds).
    bytes: u64,
}

impl Reload {
    /// Reads and parses every rule file of the draft read from `root` (which loads without
    /// errors: the repair has loaded it already).
    pub(super) fn read(draft: &Draft, root: &Path) -> Result<Reload, RepairError> {
        let read = crate::kernel::read_rules(&[root.to_path_buf()], &draft.limits, &crate::Sources::new());
        if read.diagnostics.has_errors() {
            return Err(RepairError::Load(LoadError {
                diagnostics: read.diagnostics,
            }));
        }
        let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let paths: Vec<PathBuf> = read.files.iter().map(|(ctx, _)| canon(&ctx.path)).collect();
        let own = draft
            .paths
            .iter()
            .map(|p| {
                let p = canon(p);
                paths.iter().position(|q| *q == p)
            })
            .collect();
        let bytes = read.files.iter().map(|(ctx, _)| ctx.text_len()).sum();
        Ok(Reload {
            files: read.files,
            amendments: read.amendments,
            own,
            bytes,
        })
    }

    /// The engine of the draft with the texts of `changed` (own file index, text) in place of
    /// its files; `Err` with the diagnostics when they make it invalid.
    pub(super) fn engine(&self, draft: &Draft, changed: &[(usize, String)]) -> Result<Engine, RepairError> {
        let limits = &draft.limits;
        let mut files = self.files.clone();
        let mut diagnostics = Diagnostics::new();
        let mut bytes = self.bytes;
        for (i, text) in changed {
            let Some(slot) = self.own.get(*i).copied().flatten().and_then(|at| files.get_mut(at)) else {
                continue;
            };
            let ctx = FileCtx::new(&slot.0.path, Some(text.as_str().into()));
            bytes = bytes.saturating_sub(slot.0.text_len()) + text.len() as u64;
            match crate::kernel::on_parse_stack(|| crate::kernel::parse_yaml::<RuleFile>(&ctx, text, limits)) {
                Ok(file) => *slot = (ctx, Arc::new(file)),
                Err(d) => diagnostics.push(*d),
            }
        }
        if bytes > limits.max_total_bytes || diagnostics.has_errors() {
            return Err(RepairError::Load(LoadError { diagnostics }));
        }
        crate::kernel::apply_amendments(&mut files, &self.amendments, &mut diagnostics);
        let rules = RuleSet::finish(files, diagnostics, limits, None)?;
        rules.into_engine().map_err(|e| RepairError::Read {
            path: draft
                .root
                .as_ref()
                .map_or("<rules>".into(), |r| r.display().to_string()),
            message: e.to_string(),
        })
    }
}
