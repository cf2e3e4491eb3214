//! Batches: many scenarios from one CSV file (the form in which dispute data are held), each
//! evaluated, one row per scenario and obliged party.
//!
//! ```
//! use casus::RuleSet;
//! let engine = RuleSet::from_yaml(casus::doc_example())?.compile()?;
//! let batch = casus::panel::batch::read(&engine, "disputes.csv", "date,attacker,target,place\n2020-01-01,RUS,EST,EST\n")?;
//! let rows = casus::panel::batch::evaluate(&engine, &batch)?;
//! let parties: Vec<&str> = rows.iter().map(|r| r.party.as_str()).collect();
//! assert_eq!(parties, ["FRA", "USA"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use rayon::prelude::*;
use thiserror::Error;

use crate::{Actor, Engine, EventKind, Scenario, Verdict, When};

/// A batch file the reader refuses, at its line and column.
#[derive(Debug, Error)]
#[error("{file}:{line}: column {column} (`{name}`): {message}")]
pub struct BatchError {
    /// The file, as named by the caller.
    pub file: String,
    /// The line (1 is the header).
    pub line: u64,
    /// The column, counting from 1.
    pub column: usize,
    /// The column's name in the header.
    pub name: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// One scenario of a batch with the line it came from.
#[derive(Debug, Clone)]
pub struct BatchScenario {
    /// The line of the CSV file.
    pub line: u64,
    /// The place as written (an id or a name), or empty.
    pub place: String,
    /// The scenario.
    pub scenario: Scenario,
}

/// The columns a batch file may have; `date`, `attacker` and `target` are required.
pub const COLUMNS: [&str; 6] = ["date", "attacker", "target", "place", "event", "facts"];

/// Reads a batch: a header row naming the columns (any order; [`COLUMNS`]), then one scenario a
/// row. An empty `attacker` is an unknown attacker; `event` defaults to `armed_attack`;
/// `facts` is `name=true;name=false` (a name alone is true). Every id is checked against the
/// rule set.
///
/// # Errors
///
/// The first [`BatchError`], naming the line and column.
pub fn read(engine: &Engine, file: &str, text: &str) -> Result<Vec<BatchScenario>, BatchError> {
    let mut r = ::csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let header = read_header(&mut r, file)?;
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            batch_error(file, line, 1, "", e.to_string())
        })?;
        out.push(read_row(engine, file, &header, &rec)?);
    }
    Ok(out)
}

/// A [`BatchError`] of `file`.
fn batch_error(file: &str, line: u64, column: usize, name: &str, message: String) -> BatchError {
    BatchError {
        file: file.to_string(),
        line,
        column,
        name: name.to_string(),
        message,
    }
}

/// The column names of a batch, each one of [`COLUMNS`], the required ones all there.
fn read_header(r: &mut ::csv::Reader<&[u8]>, file: &str) -> Result<Vec<String>, BatchError> {
    let header: Vec<String> = r
        .headers()
        .map_err(|e| batch_error(file, 1, 1, "", e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    for (i, h) in header.iter().enumerate() {
        if !COLUMNS.contains(&h.as_str()) {
            let hint = crate::names::suggest(h, COLUMNS.iter().copied())
                .map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
            return Err(batch_error(
                file,
                1,
                i + 1,
                h,
                format!("unknown column{hint}; the columns are {}", COLUMNS.join(", ")),
            ));
        }
    }
    for need in ["date", "attacker", "target"] {
        if !header.iter().any(|h| h == need) {
            return Err(batch_error(
                file,
                1,
                header.len() + 1,
                need,
                "missing: a batch needs the columns date, attacker and target".into(),
            ));
        }
    }
    Ok(header)
}

/// One row of a batch as a scenario, every id checked against the rule set.
fn read_row(
    engine: &Engine,
    file: &str,
    header: &[String],
    rec: &::csv::StringRecord,
) -> Result<BatchScenario, BatchError> {
    let line = rec.position().map_or(0, |p| p.line());
    let mut fields: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for (i, (h, v)) in header.iter().zip(rec.iter()).enumerate() {
        fields.insert(h.as_str(), (i + 1, v.trim()));
    }
    let get = |name: &str| fields.get(name).copied().unwrap_or((0, ""));
    let at = |name: &str, message: String| batch_error(file, line, get(name).0, name, message);
    let date = When::parse(get("date").1).map_err(|e| at("date", format!("{e}; write YYYY-MM-DD")))?;
    let event = match get("event").1 {
        "" => EventKind::ArmedAttack,
        v => v.parse::<EventKind>().map_err(|e| at("event", e.to_string()))?,
    };
    let party = |name: &str| -> Result<Option<String>, BatchError> {
        let v = get(name).1;
        if v.is_empty() {
            return Ok(None);
        }
        if engine.party_ix.contains_key(v) {
            return Ok(Some(v.to_string()));
        }
        let hint = crate::names::suggest(v, engine.party_ix.keys().map(String::as_str))
            .map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
        Err(at(name, format!("unknown party `{v}`{hint}")))
    };
    let Some(target) = party("target")? else {
        return Err(at("target", "empty: every scenario needs a target".into()));
    };
    let mut s = Scenario::new(date, event, &target);
    s.attacker = party("attacker")?.map(Actor::Party);
    let place = get("place").1.to_string();
    if !place.is_empty() {
        let id = if engine.place_ix.contains_key(&place) {
            place.clone()
        } else {
            engine.find_place(&place).map_err(|e| at("place", e.to_string()))?.id
        };
        s.location = Some(id);
    }
    read_facts(engine, get("facts").1, &mut s, &|message| at("facts", message))?;
    Ok(BatchScenario {
        line,
        place,
        scenario: s,
    })
}

/// The `facts` cell of a row (`name=true;name=false`, a name alone true) into the scenario;
/// `at` makes the error of the cell.
fn read_facts(
    engine: &Engine,
    cell: &str,
    s: &mut Scenario,
    at: &dyn Fn(String) -> BatchError,
) -> Result<(), BatchError> {
    for item in cell.split(';').map(str::trim).filter(|x| !x.is_empty()) {
        let (name, value) = match item.split_once('=') {
            Some((n, v)) => (n.trim(), v.trim()),
            None => (item, "true"),
        };
        let value = match value {
            "true" | "1" => true,
            "false" | "0" => false,
            v => return Err(at(format!("`{name}={v}`: a fact is true or false"))),
        };
        if !engine.fact_ix.contains_key(name) {
            let hint = crate::names::suggest(name, engine.fact_ix.keys().map(String::as_str))
                .map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
            return Err(at(format!("unknown fact `{name}`{hint}")));
        }
        s.facts.insert(name.to_string(), value);
    }
    Ok(())
}

/// One row of a batch's answer: a scenario and a party it obliges (or, with `party` empty and
/// `level` `none`, a scenario that obliges nobody).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    /// The line of the scenario in the batch file.
    pub line: u64,
    /// The scenario's date.
    pub date: String,
    /// The attacker (empty: unknown).
    pub attacker: String,
    /// The target.
    pub target: String,
    /// The place as written.
    pub place: String,
    /// The event.
    pub event: String,
    /// The obliged party.
    pub party: String,
    /// Its COW code on the date, where known.
    pub party_cow: Option<u32>,
    /// Its strongest level, or `none`.
    pub level: String,
    /// `definite` or `contingent` (empty for `none`).
    pub status: String,
    /// What a contingent obligation waits on, `;`-separated.
    pub depends_on: String,
    /// The treaty/clause pairs it comes from, `;`-separated.
    pub sources: String,
}

/// The full verdict of every scenario, in order (for JSON Lines).
///
/// # Errors
///
/// A scenario the engine refuses, with its line.
pub fn verdicts(engine: &Engine, batch: &[BatchScenario]) -> Result<Vec<(u64, Verdict)>, BatchError> {
    batch
        .par_iter()
        .map(|b| {
            engine
                .evaluate(&b.scenario)
                .map(|v| (b.line, v))
                .map_err(|e| BatchError {
                    file: String::new(),
                    line: b.line,
                    column: 1,
                    name: String::new(),
                    message: e.to_string(),
                })
        })
        .collect()
}

/// One row per scenario and obliged party (see [`BatchRow`]), in the order of the file.
///
/// # Errors
///
/// A scenario the engine refuses, with its line.
pub fn evaluate(engine: &Engine, batch: &[BatchScenario]) -> Result<Vec<BatchRow>, BatchError> {
    let verdicts = verdicts(engine, batch)?;
    let mut out = Vec::new();
    for (b, (_, v)) in batch.iter().zip(&verdicts) {
        let s = &b.scenario;
        let base = BatchRow {
            line: b.line,
            date: s.date.to_string(),
            attacker: match &s.attacker {
                Some(Actor::Party(p)) => p.clone(),
                Some(Actor::NonState { non_state }) => non_state.clone(),
                None => String::new(),
            },
            target: s.target.clone().unwrap_or_default(),
            place: b.place.clone(),
            event: s.event.to_string(),
            party: String::new(),
            party_cow: None,
            level: "none".into(),
            status: String::new(),
            depends_on: String::new(),
            sources: String::new(),
        };
        if v.obligations.is_empty() {
            out.push(base.clone());
        }
        for o in &v.obligations {
            let cow = engine
                .cow_code(&o.party, &s.date)
                .or_else(|| crate::cow::cow_code_of(&o.party, Some(s.date.day())));
            let sources: Vec<String> = o.sources.iter().map(|x| format!("{}/{}", x.treaty, x.clause)).collect();
            out.push(BatchRow {
                party: o.party.to_string(),
                party_cow: cow,
                level: o.level.as_str().to_string(),
                status: o.status.as_str().to_string(),
                depends_on: o.depends_on.join(";"),
                sources: sources.join(";"),
                ..base.clone()
            });
        }
    }
    Ok(out)
}

/// The column names of [`BatchRow`], in order.
pub const ROW_COLUMNS: [&str; 12] = [
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
    "sources",
];

impl BatchRow {
    /// The row as CSV fields, in [`ROW_COLUMNS`] order.
    #[must_use]
    pub fn fields(&self) -> [String; 12] {
        [
            self.line.to_string(),
            self.date.clone(),
            self.attacker.clone(),
            self.target.clone(),
            self.place.clone(),
            self.event.clone(),
            self.party.clone(),
            self.party_cow.map(|c| c.to_string()).unwrap_or_default(),
            self.level.clone(),
            self.status.clone(),
            self.depends_on.clone(),
            self.sources.clone(),
        ]
    }
}

/// Writes batch rows as CSV with a header; returns the number of rows.
///
/// # Errors
///
/// [`super::PanelError::Write`] when the writer fails.
pub fn write_csv<W: std::io::Write>(rows: &[BatchRow], w: W) -> Result<usize, super::PanelError> {
    let mut out = ::csv::Writer::from_writer(w);
    let err = |e: ::csv::Error| super::PanelError::Write(e.to_string());
    out.write_record(ROW_COLUMNS).map_err(err)?;
    for r in rows {
        out.write_record(r.fields()).map_err(err)?;
    }
    out.flush().map_err(|e| super::PanelError::Write(e.to_string()))?;
    Ok(rows.len())
}

/// Writes batch rows as Parquet: `line` and `party_cow` as integers, the rest as text.
///
/// # Errors
///
/// [`super::PanelError::Write`] when the writer fails.
#[cfg(feature = "parquet")]
pub fn write_parquet<W: std::io::Write + Send>(rows: &[BatchRow], w: W) -> Result<usize, super::PanelError> {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    let err = |e: &dyn std::fmt::Display| super::PanelError::Write(e.to_string());
    let fields: Vec<Field> = ROW_COLUMNS
        .iter()
        .map(|c| match *c {
            "line" => Field::new(*c, DataType::Int64, false),
            "party_cow" => Field::new(*c, DataType::Int64, true),
            _ => Field::new(*c, DataType::Utf8, false),
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (i, c) in ROW_COLUMNS.iter().enumerate() {
        arrays.push(match *c {
            "line" => Arc::new(Int64Array::from(
                rows.iter()
                    .map(|r| i64::try_from(r.line).unwrap_or(i64::MAX))
                    .collect::<Vec<_>>(),
            )),
            "party_cow" => Arc::new(Int64Array::from(
                rows.iter().map(|r| r.party_cow.map(i64::from)).collect::<Vec<_>>(),
            )),
            _ => Arc::new(StringArray::from(
                rows.iter()
                    .map(|r| r.fields().get(i).cloned().unwrap_or_default())
                    .collect::<Vec<String>>(),
            )),
        });
    }
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| err(&e))?;
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let mut writer = parquet::arrow::ArrowWriter::try_new(w, schema, Some(props)).map_err(|e| err(&e))?;
    writer.write(&batch).map_err(|e| err(&e))?;
    writer.close().map_err(|e| err(&e))?;
    Ok(rows.len())
}
