//! Time series and event-time windows (seed scenarios 5, 7, 14, 18): Spark's `window`
//! grouping and its sliding form, rolling statistics as window functions, and Spark's
//! date formats.
//!
//! - `window(ts, size [, slide [, start_offset]])`: Spark's tumbling window `{start, end}`
//!   of a timestamp, for `GROUP BY`.
//! - `sliding_windows(ts, size, slide [, start_offset])`: every sliding window of a
//!   timestamp, as a list to `unnest` (DataFusion cannot expand a row into several groups
//!   inside `GROUP BY`, which Spark's `window(ts, size, slide)` does).
//! - `zscore(value) OVER (...)`: z-score within the window frame, O(n) per partition.
//! - `pct_change(value [, periods]) OVER (...)`: percentage change from an earlier row.
//! - `date_format(ts, pattern)`: Spark (Java) datetime patterns; `dayofweek(ts)`:
//!   1 = Sunday .. 7 = Saturday.

pub mod date_format;
pub mod pct_change;
pub mod window;
pub mod zscore;

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, Float64Array};
use datafusion::arrow::datatypes::{
    DataType, Float64Type, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, WindowUDF};

/// The module's scalar functions.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(window::Window::new())),
        Arc::new(ScalarUDF::new_from_impl(window::SlidingWindows::new())),
        Arc::new(ScalarUDF::new_from_impl(date_format::DateFormat::new())),
        Arc::new(ScalarUDF::new_from_impl(date_format::DayOfWeek::new())),
    ]
}

/// The module's window functions.
pub fn window_functions() -> Vec<Arc<WindowUDF>> {
    vec![
        Arc::new(WindowUDF::new_from_impl(zscore::ZScore::new())),
        Arc::new(WindowUDF::new_from_impl(pct_change::PctChange::new())),
    ]
}

/// Numeric (or NULL) arguments become Float64; anything else is a plan error.
pub(crate) fn coerce_numeric(name: &str, what: &str, t: &DataType) -> Result<DataType> {
    if t.is_numeric() || matches!(t, DataType::Null) {
        Ok(DataType::Float64)
    } else {
        plan_err!("{name}: the {what} must be numeric, got {t}")
    }
}

/// The first argument of a window function, coerced to Float64 by [`coerce_numeric`].
pub(crate) fn float64_argument<'a>(name: &str, values: &'a [ArrayRef]) -> Result<&'a Float64Array> {
    let Some(array) = values.first() else {
        return exec_err!("{name}: missing argument");
    };
    let Some(x) = array.as_primitive_opt::<Float64Type>() else {
        return exec_err!(
            "{name}: expected a Float64 argument, got {}",
            array.data_type()
        );
    };
    Ok(x)
}

/// Timestamps and dates stay as they are; strings are cast to timestamps.
pub(crate) fn coerce_datetime(name: &str, t: &DataType) -> Result<DataType> {
    match t {
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => Ok(t.clone()),
        DataType::Null | DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            Ok(DataType::Timestamp(TimeUnit::Microsecond, None))
        }
        other => plan_err!("{name}: the first argument must be a timestamp or a date, got {other}"),
    }
}

/// The raw values of a timestamp array of any unit, with the unit; `None` for other types.
pub(crate) fn timestamp_values(array: &ArrayRef) -> Option<(&[i64], TimeUnit)> {
    let DataType::Timestamp(unit, _) = array.data_type() else {
        return None;
    };
    let values: &[i64] = match unit {
        TimeUnit::Second => array.as_primitive::<TimestampSecondType>().values(),
        TimeUnit::Millisecond => array.as_primitive::<TimestampMillisecondType>().values(),
        TimeUnit::Microsecond => array.as_primitive::<TimestampMicrosecondType>().values(),
        TimeUnit::Nanosecond => array.as_primitive::<TimestampNanosecondType>().values(),
    };
    Some((values, *unit))
}

/// Applies an array function to an array or scalar argument (a scalar as a one-row array).
pub(crate) fn map_columnar(
    arg: &ColumnarValue,
    f: impl FnOnce(&ArrayRef) -> Result<ArrayRef>,
) -> Result<ColumnarValue> {
    match arg {
        ColumnarValue::Array(array) => Ok(ColumnarValue::Array(f(array)?)),
        ColumnarValue::Scalar(value) => {
            let result = f(&value.to_array()?)?;
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                &result, 0,
            )?))
        }
    }
}
