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

use datafusion::logical_expr::{ScalarUDF, WindowUDF};

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
