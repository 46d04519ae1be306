//! Helpers shared by the integration tests.

use datafusion::arrow::array::Array;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::error::Result;

/// Every cell of `batches` as text, NULL as "NULL"; `empty` replaces empty strings
/// (sqllogictest cannot express an empty cell).
pub fn format_rows(batches: &[RecordBatch], empty: Option<&str>) -> Result<Vec<Vec<String>>> {
    let options = FormatOptions::default().with_null("NULL");
    let mut rows = Vec::new();
    for batch in batches {
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        for row in 0..batch.num_rows() {
            let cells = formatters
                .iter()
                .zip(batch.columns())
                .map(|(formatter, column)| {
                    let text = formatter.value(row).to_string();
                    match empty {
                        Some(marker) if text.is_empty() && !column.is_null(row) => {
                            marker.to_string()
                        }
                        _ => text,
                    }
                })
                .collect();
            rows.push(cells);
        }
    }
    Ok(rows)
}
