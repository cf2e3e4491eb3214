//! Writing a panel as Parquet through the `arrow` and `parquet` crates (feature `parquet`).

use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Date32Array, Int32Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use jiff::civil::Date;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::{Panel, PanelError, PanelRow, Period, Unit};

/// Rows per record batch (and row group).
const BATCH: usize = 65_536;

impl Panel {
    /// The Arrow schema of [`Panel::write_parquet`]: the columns of [`Panel::columns`], codes and
    /// `year`, `days` as 32-bit integers, `date` as a date, indicators as booleans, the rest as
    /// text.
    #[must_use]
    pub fn schema(&self) -> Schema {
        let cols = self.columns();
        let fields: Vec<Field> = cols
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let (ty, nullable) = match i {
                    0 | 1 | 8 | 9 => (DataType::Utf8, false),
                    2 | 3 => (DataType::Int32, true),
                    4 | 5 => (DataType::Utf8, true),
                    6 if self.options.unit == Unit::DyadDay => (DataType::Date32, false),
                    6 | 7 => (DataType::Int32, false),
                    _ if name == "treaties" || name == "atop_ids" => (DataType::Utf8, false),
                    _ => (DataType::Boolean, false),
                };
                Field::new(name.as_str(), ty, nullable)
            })
            .collect();
        Schema::new(fields)
    }

    /// Writes the panel as a Parquet file (Snappy-compressed, one row group per 65,536 rows);
    /// returns the number of rows.
    ///
    /// # Errors
    ///
    /// [`PanelError::Write`] when the writer fails.
    pub fn write_parquet<W: std::io::Write + Send>(&self, w: W) -> Result<usize, PanelError> {
        let err = |e: &dyn std::fmt::Display| PanelError::Write(e.to_string());
        let schema = Arc::new(self.schema());
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(BATCH))
            .build();
        let mut writer = ArrowWriter::try_new(w, schema.clone(), Some(props)).map_err(|e| err(&e))?;
        let mut n = 0;
        let mut chunk: Vec<PanelRow> = Vec::with_capacity(BATCH);
        let mut rows = self.rows();
        loop {
            chunk.clear();
            chunk.extend(rows.by_ref().take(BATCH));
            if chunk.is_empty() && n > 0 {
                break;
            }
            let batch = RecordBatch::try_new(schema.clone(), self.arrays(&chunk)).map_err(|e| err(&e))?;
            writer.write(&batch).map_err(|e| err(&e))?;
            n += chunk.len();
            if chunk.len() < BATCH {
                break;
            }
        }
        writer.close().map_err(|e| err(&e))?;
        Ok(n)
    }

    fn arrays(&self, rows: &[PanelRow]) -> Vec<ArrayRef> {
        let text = |f: &dyn Fn(&PanelRow) -> String| -> ArrayRef {
            Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<String>>()))
        };
        let maybe_text = |f: &dyn Fn(&PanelRow) -> Option<String>| -> ArrayRef {
            Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<Option<String>>>()))
        };
        let code = |f: &dyn Fn(&PanelRow) -> Option<u32>| -> ArrayRef {
            Arc::new(Int32Array::from(
                rows.iter()
                    .map(|r| f(r).and_then(|c| i32::try_from(c).ok()))
                    .collect::<Vec<Option<i32>>>(),
            ))
        };
        let flag = |f: &dyn Fn(&PanelRow) -> bool| -> ArrayRef {
            Arc::new(BooleanArray::from(rows.iter().map(f).collect::<Vec<bool>>()))
        };
        let period: ArrayRef = match self.options.unit {
            Unit::DyadDay => Arc::new(Date32Array::from(
                rows.iter().map(|r| epoch_days(&r.period)).collect::<Vec<i32>>(),
            )),
            Unit::DyadYear => Arc::new(Int32Array::from(
                rows.iter().map(|r| epoch_days(&r.period)).collect::<Vec<i32>>(),
            )),
        };
        let mut v: Vec<ArrayRef> = vec![
            text(&|r| r.obligor.clone()),
            text(&|r| r.beneficiary.clone()),
            code(&|r| r.obligor_cow),
            code(&|r| r.beneficiary_cow),
            maybe_text(&|r| r.obligor_iso3.clone()),
            maybe_text(&|r| r.beneficiary_iso3.clone()),
            period,
            Arc::new(Int32Array::from(
                rows.iter()
                    .map(|r| i32::try_from(r.days).unwrap_or(i32::MAX))
                    .collect::<Vec<i32>>(),
            )),
            text(&|r| r.level.as_str().to_string()),
            text(&|r| r.status.as_str().to_string()),
        ];
        for k in 0..5 {
            v.push(flag(&|r| r.kinds.get(k).copied().unwrap_or(false)));
        }
        for c in 0..self.conditions.len() {
            v.push(flag(&|r| r.waits.get(c).copied().unwrap_or(false)));
        }
        v.push(flag(&|r| r.direction_uncertain));
        v.push(text(&|r| r.treaties.join(";")));
        v.push(text(&|r| {
            r.atop_ids.iter().map(u32::to_string).collect::<Vec<_>>().join(";")
        }));
        v
    }
}

/// A year as itself, a day as days since 1970-01-01 (Arrow's `Date32`).
fn epoch_days(p: &Period) -> i32 {
    match p {
        Period::Year(y) => i32::from(*y),
        Period::Day(d) => Date::new(1970, 1, 1)
            .ok()
            .and_then(|e| e.until(*d).ok())
            .map_or(0, |s| s.get_days()),
    }
}
