//! The loader on arbitrary bytes written to disk: up to five files of a rule-set folder,
//! split at 0xFF bytes (never valid UTF-8, so never inside a valid file):
//!
//! ```text
//! root/ruleset.yaml   root/a.yaml   root/sub/ruleset.yaml   root/sub/b.yaml   root/c.yml
//! ```
//!
//! `sub/` is a nested rule set, skipped unless a manifest extends it, and its own manifest may
//! extend `..`: cycles and diamonds of `extends` come up. Manifest text that could name a path
//! outside the folder (`/`, `\`, `.`, `%`) is replaced by one of a few fixed manifests, so that
//! the fuzzer never walks the machine's file system.

#![no_main]

use std::fs;
use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = std::path::Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        base.join(format!("casus-fuzz-load-files-{}", std::process::id()))
    })
}

const ROOT_MANIFESTS: [&str; 5] = [
    "name: root\n",
    "extends: [sub]\n",
    "extends: [., sub]\n",
    "extends: [sub, sub]\n",
    "extends: [nowhere]\n",
];
const SUB_MANIFESTS: [&str; 4] = [
    "name: sub\n",
    "extends: [..]\n",
    "extends: [.]\n",
    "extends: [../sub]\n",
];

fn manifest(chunk: &[u8], fixed: &[&str]) -> Vec<u8> {
    if chunk.iter().any(|b| matches!(b, b'/' | b'\\' | b'.' | b'%')) {
        let i = chunk.first().map_or(0, |b| *b as usize) % fixed.len();
        fixed.get(i).map_or_else(Vec::new, |m| m.as_bytes().to_vec())
    } else {
        chunk.to_vec()
    }
}

fuzz_target!(|data: &[u8]| {
    let root = scratch();
    let _ = fs::remove_dir_all(root);
    if fs::create_dir_all(root.join("sub")).is_err() {
        return;
    }
    let names = ["ruleset.yaml", "a.yaml", "sub/ruleset.yaml", "sub/b.yaml", "c.yml"];
    for (i, chunk) in data.split(|b| *b == 0xFF).take(names.len()).enumerate() {
        let bytes = match i {
            0 => manifest(chunk, &ROOT_MANIFESTS),
            2 => manifest(chunk, &SUB_MANIFESTS),
            _ => chunk.to_vec(),
        };
        if let Some(name) = names.get(i) {
            let _ = fs::write(root.join(name), bytes);
        }
    }
    let mut u = Unstructured::new(data);
    casus_fuzz::check_load(casus::RuleSet::load(root), &mut u);
});
