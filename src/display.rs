//! Values as text, as the shell prints them (Arrow's display): used where a consumer
//! has no type for a column, e.g. nested values written to CSV by the batch runner, or
//! maps sent to a Postgres client.

use std::fmt::Write;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, StringBuilder};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::common::{DataFusionError, Result};

/// Every value of `array` as text; NULL stays NULL.
pub fn array_as_text(array: &dyn Array) -> Result<ArrayRef> {
    let formatter = ArrayFormatter::try_new(array, &FormatOptions::default())?;
    let mut text = StringBuilder::with_capacity(array.len(), array.len() * 16);
    let mut cell = String::new();
    for row in 0..array.len() {
        if array.is_null(row) {
            text.append_null();
        } else {
            cell.clear();
            write!(cell, "{}", formatter.value(row))
                .map_err(|e| DataFusionError::Execution(format!("formatting a value: {e}")))?;
            text.append_value(&cell);
        }
    }
    Ok(Arc::new(text.finish()))
}
