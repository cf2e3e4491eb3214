//! `casus import atop` as a user runs it: the folder it writes is a rule set every other
//! command reads; bad rows are reported with file and line; an occupied folder is refused.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn casus(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casus"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run casus: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("casus-import-atop-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const ALLIANCES: &str = "atopid,begyr,begmo,begday,endyr,endmo,endday,defense,offense,neutral,nonagg,consul\n\
3180,1949,4,4,0,0,0,1,0,0,1,1\n\
9999,19xx,1,1,0,0,0,1,0,0,0,0\n";

const MEMBERS: &str = "atopid,member,yrent,moent,dayent,yrexit,moexit,dayexit,defense,offense,neutral,nonagg,consul,\
defcoadv,defcoloc,defcocon,defconum,defcodem,defconpr,neucoadv,neucoloc,neucocon,neuconum,neucodem,neuconpr,neucoatt,\
concoadv,concoloc,concocon,concoreq\n\
3180,2,1949,4,4,0,0,0,1,0,0,1,1,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n\
3180,211,1949,4,4,0,0,0,1,0,0,1,1,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n\
3180,12345,1949,4,4,0,0,0,1,0,0,1,1,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n";

#[test]
fn the_written_folder_is_a_rule_set_and_bad_rows_are_reported() {
    let dir = scratch("ok");
    std::fs::write(dir.join("a.csv"), ALLIANCES).unwrap();
    std::fs::write(dir.join("m.csv"), MEMBERS).unwrap();
    let (code, out, err) = casus(
        &[
            "import",
            "atop",
            "--alliances",
            "a.csv",
            "--members",
            "m.csv",
            "--out",
            "rules",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        err,
        "a.csv:3: row skipped: `begyr` is `19xx`, not a whole number\n\
         m.csv:4: row skipped: unknown state code 12345 in `member`\n"
    );
    assert!(out.contains("1 treaties, 3 clauses, 2 parties"), "{out}");
    assert!(dir.join("rules/alliances/atop_3180.yaml").is_file());
    assert!(dir.join("rules/ruleset.yaml").is_file());

    let (code, out, err) = casus(&["check", "--rules", "rules"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 treaties, 3 clauses"), "{out}");

    std::fs::write(
        dir.join("attack.yaml"),
        "date: 1990-07-01\nevent: armed_attack\ntarget: BEL\nlocation: BEL\nfacts: {atop_location_condition: true}\n\
         expect:\n  assist: [USA]\n  definite: [USA]\n",
    )
    .unwrap();
    let (code, out, err) = casus(&["test", "--rules", "rules", "attack.yaml"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = casus(&["eval", "--rules", "rules", "attack.yaml", "--explain"], &dir);
    assert_eq!(code, 0);
    assert!(out.contains("ATOP 3180: defense, defcoloc (from 1949-04-04)"), "{out}");

    // The folder is now occupied: a second import refuses to mix files.
    let (code, _, err) = casus(
        &[
            "import",
            "atop",
            "--alliances",
            "a.csv",
            "--members",
            "m.csv",
            "--out",
            "rules",
        ],
        &dir,
    );
    assert_eq!(code, 2);
    assert!(err.contains("rules is not empty"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_that_is_not_an_export_writes_nothing() {
    let dir = scratch("bad");
    std::fs::write(dir.join("a.csv"), "atopid,year\n1,1900\n").unwrap();
    std::fs::write(dir.join("m.csv"), MEMBERS).unwrap();
    let (code, _, err) = casus(
        &[
            "import",
            "atop",
            "--alliances",
            "a.csv",
            "--members",
            "m.csv",
            "--out",
            "rules",
        ],
        &dir,
    );
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: a.csv: no column `begyr`; is this the ATOP alliance-level export?\n"
    );
    assert!(!dir.join("rules").exists());
    let (code, _, err) = casus(
        &[
            "import",
            "atop",
            "--alliances",
            "missing.csv",
            "--members",
            "m.csv",
            "--out",
            "rules",
        ],
        &dir,
    );
    assert_eq!(code, 2);
    assert!(
        err.starts_with("missing.csv: error[io]: cannot read: no such file or folder\n"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
