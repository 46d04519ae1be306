//! ETL helpers (seed scenario 13): reading CSV and JSON-lines sources against a declared
//! schema with Spark's malformed-record modes (PERMISSIVE, DROPMALFORMED, FAILFAST),
//! instead of failing a whole scan on the first bad row as DataFusion's readers do.
//!
//! Dropped (or kept-as-corrupt) rows are counted per file in the session's
//! [`MalformedTally`], which Ignis's batch runner reports in its pipeline log.

pub mod read_checked;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use datafusion::catalog::TableFunctionImpl;
use datafusion::logical_expr::Documentation;

/// Malformed rows seen by `read_csv_checked` / `read_json_checked`, by file: the count of
/// the latest read of each file (so reading a file twice does not count its rows twice).
///
/// Put one in the session's configuration
/// (`SessionConfig::with_extension(Arc::new(MalformedTally::default()))`) to collect
/// the counts; without it, reads only log them (`RUST_LOG=info`).
#[derive(Debug, Default)]
pub struct MalformedTally {
    counts: Mutex<BTreeMap<String, u64>>,
}

impl MalformedTally {
    /// Records that the latest read of `source` found `malformed` bad rows.
    pub fn record(&self, source: &str, malformed: u64) {
        if let Ok(mut counts) = self.counts.lock() {
            counts.insert(source.to_string(), malformed);
        }
    }

    /// The counts recorded since the last call, by file; clears them.
    pub fn take(&self) -> BTreeMap<String, u64> {
        self.counts
            .lock()
            .map(|mut counts| std::mem::take(&mut *counts))
            .unwrap_or_default()
    }
}

/// The ETL table functions by name.
pub fn table_functions() -> Vec<(&'static str, Arc<dyn TableFunctionImpl>)> {
    vec![
        (
            read_checked::CSV_NAME,
            Arc::new(read_checked::ReadCsvCheckedFunction),
        ),
        (
            read_checked::JSON_NAME,
            Arc::new(read_checked::ReadJsonCheckedFunction),
        ),
    ]
}

/// Documentation of the ETL table functions.
pub fn table_function_docs() -> Vec<(String, Documentation)> {
    [
        (
            read_checked::CSV_NAME,
            read_checked::ReadCsvCheckedFunction.documentation(),
        ),
        (
            read_checked::JSON_NAME,
            read_checked::ReadJsonCheckedFunction.documentation(),
        ),
    ]
    .into_iter()
    .filter_map(|(name, doc)| doc.map(|d| (name.to_string(), d.clone())))
    .collect()
}
