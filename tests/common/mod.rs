//! Helpers shared by the integration tests.

pub mod scenario;

use datafusion::arrow::array::Array;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::error::Result;

/// Every cell of `batches` as text, NULL as "NULL"; `empty` replaces empty strings
/// (sqllogictest cannot express an empty cell).
#[allow(dead_code)]
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

/// The Python interpreter of the reference packages: `$IGNIS_PYTHON`, else `.venv`
/// (created by `.ci/run` from `tests/requirements.txt`).
#[allow(dead_code)]
pub fn python() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("IGNIS_PYTHON") {
        return std::path::PathBuf::from(p);
    }
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python")
}

/// Runs the reference Python with `args`; returns its stdout, or an error with its
/// stdout and stderr when it fails.
#[allow(dead_code)]
pub fn run_python<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
) -> std::result::Result<String, Box<dyn std::error::Error>> {
    let py = python();
    if !py.exists() {
        return Err(format!(
            "{} not found: create it with `python3 -m venv .venv && .venv/bin/pip install -r tests/requirements.txt` (as .ci/run does)",
            py.display()
        )
        .into());
    }
    // cargo puts its build directories on LD_LIBRARY_PATH; pyarrow must load its own libraries.
    let output = std::process::Command::new(&py)
        .env_remove("LD_LIBRARY_PATH")
        .args(args)
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    if !output.status.success() {
        return Err(format!(
            "python failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(stdout)
}
