//! What the CLI tests share: running the `casus` binary from the repository's root.

#![allow(dead_code, reason = "each test crate uses what it needs of these")]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's root, where the shipped rules and examples are.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `casus` with `args` from the repository's root: exit code, standard output and
/// standard error.
pub fn casus(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casus"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run casus: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
