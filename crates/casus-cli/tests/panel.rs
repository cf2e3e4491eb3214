//! `casus panel` as a researcher runs it: a dyad-year table of the shipped library, written as
//! CSV and Parquet, read back by pandas and R where they are installed.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn casus(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casus"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap_or_else(|e| panic!("cannot run casus: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("casus-panel-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The directed dyad-years of 2024 in the shipped library.
fn panel_2024(format: &str, out: &Path) -> String {
    let (code, _, err) = casus(&[
        "panel",
        "rules",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--directed",
        "--format",
        format,
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    err
}

#[test]
fn the_shipped_library_as_directed_dyad_years() {
    let dir = scratch("csv");
    let file = dir.join("panel.csv");
    let err = panel_2024("csv", &file);
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header[..10],
        [
            "obligor",
            "beneficiary",
            "obligor_cow",
            "beneficiary_cow",
            "obligor_iso3",
            "beneficiary_iso3",
            "year",
            "days",
            "level",
            "status"
        ]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(err.starts_with(&format!("{} rows (", rows.len())), "{err}");
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let find = |a: &str, b: &str| {
        rows.iter()
            .find(|r| r[0] == a && r[1] == b)
            .unwrap_or_else(|| panic!("{a} -> {b}"))
    };
    // Sweden joined NATO on 2024-03-07: 300 days of 2024 (a leap year), COW codes 2 and 380.
    let usa_swe = find("USA", "SWE");
    assert_eq!((usa_swe[2], usa_swe[3], usa_swe[7]), ("2", "380", "300"));
    assert_eq!(usa_swe[col("defense")], "1");
    assert_eq!(usa_swe[col("treaties")], "nato");
    // France is bound to Estonia under NATO and TEU 42(7): all_means, waiting on the request.
    let fra_est = find("FRA", "EST");
    assert_eq!(
        (fra_est[col("level")], fra_est[col("treaties")]),
        ("all_means", "nato;teu_42_7")
    );
    assert_eq!(fra_est[col("waits_requested")], "1");
}

#[test]
fn a_bad_date_names_the_flag_and_nothing_is_written() {
    let dir = scratch("bad");
    let file = dir.join("panel.csv");
    let (code, out, err) = casus(&[
        "panel",
        "rules",
        "--from",
        "2024-13-01",
        "--to",
        "2024-12-31",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("--from `2024-13-01` is not a date") && err.contains("YYYY-MM-DD"),
        "{err}"
    );
    let (code, _, err) = casus(&["panel", "rules", "--from", "2024-12-31", "--to", "2024-01-01"]);
    assert_eq!(code, 2);
    assert!(err.contains("the end comes before the start"), "{err}");
    assert!(!file.exists());
}

/// Runs a program on a script; `None` when the program is missing (the test then says it
/// skipped, unless `required` names an environment variable that is set).
fn run_tool(program: &str, args: &[&str], required: &str) -> Option<String> {
    match Command::new(program).args(args).output() {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr);
            if std::env::var_os(required).is_none() && err.contains("No module named") {
                return None;
            }
            panic!("{program} failed: {err}")
        }
        Err(e) => {
            assert!(
                std::env::var_os(required).is_none(),
                "{program} is required ({required}) but cannot run: {e}"
            );
            None
        }
    }
}

#[test]
fn pandas_reads_the_csv_and_the_parquet_back_with_the_same_rows() {
    let dir = scratch("pandas");
    let (csv, parquet) = (dir.join("panel.csv"), dir.join("panel.parquet"));
    panel_2024("csv", &csv);
    panel_2024("parquet", &parquet);
    let want = std::fs::read_to_string(&csv).unwrap().lines().count() - 1;
    let script = format!(
        "import pandas as pd\n\
         c = pd.read_csv({csv:?})\n\
         p = pd.read_parquet({parquet:?})\n\
         assert list(c.columns) == list(p.columns)\n\
         assert (c['obligor'].tolist(), c['year'].tolist()) == (p['obligor'].tolist(), p['year'].tolist())\n\
         assert (c['defense'] == p['defense'].astype(int)).all()\n\
         print(len(c), len(p), int(p['defense'].sum()))\n",
        csv = csv.to_str().unwrap(),
        parquet = parquet.to_str().unwrap()
    );
    let Some(out) = run_tool("python3", &["-c", &script], "CASUS_REQUIRE_PANDAS") else {
        println!(
            "SKIPPED pandas_reads_the_csv_and_the_parquet_back_with_the_same_rows: python3 with pandas and pyarrow is not installed (pip install pandas pyarrow)"
        );
        return;
    };
    let counts: Vec<usize> = out.split_whitespace().map(|n| n.parse().unwrap()).collect();
    assert_eq!(counts[..2], [want, want], "{out}");
    assert!(counts[2] > 0 && counts[2] <= want, "{out}");
}

#[test]
fn r_reads_the_csv_back_with_the_same_rows() {
    let dir = scratch("r");
    let csv = dir.join("panel.csv");
    panel_2024("csv", &csv);
    let want = std::fs::read_to_string(&csv).unwrap().lines().count() - 1;
    let script = format!(
        "d <- read.csv({:?}, stringsAsFactors = FALSE); cat(nrow(d), sum(d$defense), sum(d$year == 2024), '\\n')",
        csv.to_str().unwrap()
    );
    let Some(out) = run_tool("Rscript", &["-e", &script], "CASUS_REQUIRE_R") else {
        println!("SKIPPED r_reads_the_csv_back_with_the_same_rows: R is not installed (apt-get install r-base-core)");
        return;
    };
    let counts: Vec<usize> = out.split_whitespace().map(|n| n.parse().unwrap()).collect();
    assert_eq!((counts[0], counts[2]), (want, want), "{out}");
    assert!(counts[1] > 0, "{out}");
}

#[test]
fn a_batch_gives_one_row_per_scenario_and_obliged_party() {
    let dir = scratch("batch");
    let out = dir.join("rows.csv");
    let (code, _, err) = casus(&[
        "eval",
        "--batch",
        "examples/batch/disputes.csv",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "line",
            "date",
            "attacker",
            "target",
            "place",
            "event",
            "party",
            "party_cow",
            "level",
            "status",
            "depends_on",
            "sources"
        ]
    );
    // Line 2: Russia attacks Estonia, which asked for help: the United States under NATO.
    let usa = rows.iter().find(|r| r[0] == "2" && r[6] == "USA").unwrap();
    assert_eq!((usa[7], usa[8]), ("2", "assist"));
    // Line 4: Ukraine in 2022 is in no treaty that binds anyone to defend it: one row, `none`.
    let ukr: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == "4").collect();
    assert!(
        ukr.iter()
            .all(|r| r[8] != "assist" && r[8] != "all_means" && r[8] != "military"),
        "{ukr:?}"
    );
    assert!(err.contains("4 scenarios"), "{err}");
    // JSON Lines: one full verdict a scenario.
    let (code, out, _) = casus(&["eval", "--batch", "examples/batch/disputes.csv", "--format", "jsonl"]);
    assert_eq!(code, 0);
    let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["line"], 2);
    assert!(lines[0]["verdict"]["obligations"].is_array());
}

#[test]
fn a_bad_batch_row_names_its_line_and_column() {
    let dir = scratch("bad-batch");
    let file = dir.join("bad.csv");
    for (text, want) in [
        (
            "date,attacker,target\n2024-06-01,RUS,EST\n2024-06-01,RUSS,EST\n",
            ":3: column 2 (`attacker`): unknown party `RUSS` (did you mean `RUS`?)",
        ),
        ("date,attacker,target\n2024-13-01,RUS,EST\n", ":2: column 1 (`date`):"),
        (
            "date,attacker,taget\n",
            ":1: column 3 (`taget`): unknown column (did you mean `target`?)",
        ),
        (
            "date,attacker,target,facts\n2024-06-01,RUS,EST,requestd\n",
            ":2: column 4 (`facts`): unknown fact `requestd` (did you mean `requested`?)",
        ),
    ] {
        std::fs::write(&file, text).unwrap();
        let (code, _, err) = casus(&["eval", "--batch", file.to_str().unwrap()]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(want), "{err}\nwanted {want}");
    }
}

/// The batch's rows load in pandas (CSV and Parquet, the same rows) and in R (CSV; R's own
/// installation reads no Parquet without further packages).
#[test]
fn pandas_and_r_read_a_batch_back_with_the_same_rows() {
    let dir = scratch("batch-read");
    let (csv, parquet) = (dir.join("rows.csv"), dir.join("rows.parquet"));
    for (format, out) in [("csv", &csv), ("parquet", &parquet)] {
        let (code, _, err) = casus(&[
            "eval",
            "--batch",
            "examples/batch/disputes.csv",
            "--format",
            format,
            "--output",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
    }
    let want = std::fs::read_to_string(&csv).unwrap().lines().count() - 1;
    assert!(want > 0);
    let script = format!(
        "import pandas as pd\n\
         c = pd.read_csv({csv:?})\n\
         p = pd.read_parquet({parquet:?})\n\
         assert list(c.columns) == list(p.columns)\n\
         print(len(c), len(p))\n",
        csv = csv.to_str().unwrap(),
        parquet = parquet.to_str().unwrap()
    );
    match run_tool("python3", &["-c", &script], "CASUS_REQUIRE_PANDAS") {
        Some(out) => assert_eq!(out.trim(), format!("{want} {want}"), "{out}"),
        None => println!(
            "SKIPPED pandas_and_r_read_a_batch_back_with_the_same_rows (pandas part): python3 with pandas and pyarrow is not installed"
        ),
    }
    let script = format!("d <- read.csv({:?}); cat(nrow(d), '\\n')", csv.to_str().unwrap());
    match run_tool("Rscript", &["-e", &script], "CASUS_REQUIRE_R") {
        Some(out) => assert_eq!(out.trim(), want.to_string(), "{out}"),
        None => println!(
            "SKIPPED pandas_and_r_read_a_batch_back_with_the_same_rows (R part): R is not installed (apt-get install r-base-core)"
        ),
    }
}
