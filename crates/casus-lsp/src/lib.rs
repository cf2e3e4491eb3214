//! The language server of Casus: `casus lsp` speaks the Language Server Protocol over
//! standard input and output to any editor.
//!
//! For rule files, `ruleset.yaml` manifests and scenarios it gives:
//!
//! - **diagnostics** as you type: every diagnostic `casus check` gives, at the range of the
//!   offending value, for the whole rule set the file belongs to (`extends` followed), the
//!   unsaved buffers read in place of the files ([`casus::Sources`]); a scenario is checked
//!   against its rule set (`rules:`, else the `rules` initialization option, else `rules/` in
//!   the workspace);
//! - **hover** on an id (party, territory, area, tag, fact, treaty, clause): its name, holders
//!   over time, members, citation and paraphrase; on a word of a closed vocabulary (a level,
//!   an event kind, a form) its meaning; on a scenario's first line, its verdict;
//! - **go to definition** and **find references** across the rule set;
//! - **completion** of ids and vocabulary words, with names as details;
//! - **code actions** that apply a did-you-mean;
//! - a **code lens** on a scenario's first line with the verdict, recomputed on save.
//!
//! A change in a scenario evaluates it against the rule set already loaded (no rule set is
//! reloaded); a change in a rule file reloads the rule sets that contain it, parsing again that
//! file only (each rule set keeps its files as parsed, in a [`casus::ParseCache`]), and
//! re-indexes that file only.
//!
//! The server is a plain state machine ([`Server::handle`]: one message in, the messages to
//! send out), driven by [`run_stdio`]; the protocol layer is `lsp-server`, the synchronous
//! scaffold rust-analyzer uses, since every answer here is computed in one step with no I/O
//! to wait on.

mod index;
mod server;
pub mod text;

pub use server::{Server, run_stdio};
