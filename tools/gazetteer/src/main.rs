//! `cargo run -p casus-gazetteer`: regenerates `rules/world/subdivisions/` from
//! `data/iso-codes/` (run from anywhere in the repository).

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    match casus_gazetteer::write(&root) {
        Ok((files, places)) => {
            println!("rules/world/subdivisions/: {files} files, {places} subdivisions");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
