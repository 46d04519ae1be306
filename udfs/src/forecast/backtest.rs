//! `forecast_backtest(input, 'series', 'time', 'value' [, options])`: the holdout
//! forecasts of `forecast_evaluate`, one row per held-out point.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::evaluate::holdout_fit;
use super::model;
use super::{map_series, ForecastCall, Output};

#[user_doc(
    doc_section(label = "Forecasting Table Functions"),
    description = "The holdout forecasts behind `forecast_evaluate`, one row per held-out \
point: the series column (absent when the series argument is ''), the time column, `actual`, \
`forecast`, `error` (actual - forecast), `lower` and `upper` (the prediction interval at \
`level`). Same input handling, split and options as `forecast_evaluate`, plus `level`. Points \
interpolated into gaps are left out (they have no actual value).",
    syntax_example = "forecast_backtest(input, 'series_col', 'time_col', 'value_col' [, 'holdout => 24, method => holt_winters, level => 0.95'])",
    sql_example = r#"```sql
> SELECT metric, hour, actual, forecast, error
  FROM forecast_backtest('hourly_metrics', 'metric', 'hour', 'value', 'holdout => 48')
  WHERE abs(error) > 10;
```"#,
    argument(
        name = "input",
        description = "Table or view name, or a query in quotes ('SELECT ...')."
    ),
    argument(
        name = "series_col",
        description = "Column identifying the series, or '' for a single series."
    ),
    argument(name = "time_col", description = "Timestamp or date column."),
    argument(name = "value_col", description = "Numeric column to forecast."),
    argument(
        name = "options",
        description = "holdout, method, season_length, trend, lags, on_short as for \
`forecast_evaluate`; level (prediction interval level, default 0.95)."
    )
)]
#[derive(Debug, Default)]
pub struct ForecastBacktestFunction;

pub const NAME: &str = "forecast_backtest";

const USAGE: &str =
    "(input, 'series_col', 'time_col', 'value_col' [, 'holdout => 24, method => holt_winters'])";

const OPTIONS: &[&str] = &[
    "method",
    "holdout",
    "season_length",
    "level",
    "lags",
    "trend",
    "on_short",
];

impl TableFunctionImpl for ForecastBacktestFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let call = ForecastCall::parse(NAME, &args, USAGE, OPTIONS)?;
        let holdout = model::holdout(NAME, &call.options)?;
        let level = model::level(NAME, &call.options)?;
        let fields = vec![
            call.time_field.clone(),
            Field::new("actual", DataType::Float64, false),
            Field::new("forecast", DataType::Float64, false),
            Field::new("error", DataType::Float64, false),
            Field::new("lower", DataType::Float64, false),
            Field::new("upper", DataType::Float64, false),
        ];
        Ok(call.table(fields, move |batches, columns, options| {
            // Per series: (time, actual, forecast, half-width) of each observed holdout point.
            let (key_arrays, results) = map_series(NAME, batches, columns, |name, series| {
                let Some(fit) = holdout_fit(NAME, options, name, &series, holdout)? else {
                    return Ok(Vec::new());
                };
                let half = fit.fitted.half_widths(fit.forecast.len(), level);
                let mut rows = Vec::new();
                for (i, (&f, w)) in fit.forecast.iter().zip(half).enumerate() {
                    let position = fit.n_train + i;
                    if series.observed[position] {
                        let time = series.time_at(position, &columns.time_type)?;
                        rows.push((time, series.values[position], f, w));
                    }
                }
                Ok(rows)
            })?;
            let mut keys = Vec::new();
            let mut times = Vec::new();
            let (mut actual, mut forecast, mut error) = (Vec::new(), Vec::new(), Vec::new());
            let (mut lower, mut upper) = (Vec::new(), Vec::new());
            for (key, rows) in results {
                for (time, a, f, w) in rows {
                    keys.push(key);
                    times.push(time);
                    actual.push(a);
                    forecast.push(f);
                    error.push(a - f);
                    lower.push(f - w);
                    upper.push(f + w);
                }
            }
            let mut arrays: Vec<ArrayRef> = vec![columns.time_type.array(times)?];
            for values in [actual, forecast, error, lower, upper] {
                arrays.push(Arc::new(Float64Array::from(values)));
            }
            Ok(Output {
                key_arrays,
                keys,
                arrays,
            })
        }))
    }
}

impl ForecastBacktestFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::Float64Type;
    use datafusion::prelude::SessionContext;

    /// One row per held-out point, error = actual - forecast, inside the interval for a
    /// noisy line.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn backtest_rows_on_a_noisy_line() -> Result<()> {
        let ctx = SessionContext::new();
        ctx.register_udtf(NAME, Arc::new(ForecastBacktestFunction));
        let batches = ctx
            .sql(
                "SELECT actual, forecast, error, lower, upper FROM forecast_backtest(
                   'SELECT to_timestamp_seconds(i * 60) AS t, 2.0 * i + (i * 7 % 5) AS v
                    FROM generate_series(0, 59) s(i)', '', 't', 'v',
                   'holdout => 6, season_length => none, level => 0.99')",
            )
            .await?
            .collect()
            .await?;
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows, 6);
        for b in &batches {
            let column = |i: usize| b.column(i).as_primitive::<Float64Type>();
            let (actual, forecast, error) = (column(0), column(1), column(2));
            let (lower, upper) = (column(3), column(4));
            for r in 0..b.num_rows() {
                assert!((error.value(r) - (actual.value(r) - forecast.value(r))).abs() < 1e-12);
                assert!(lower.value(r) <= actual.value(r) && actual.value(r) <= upper.value(r));
            }
        }
        Ok(())
    }
}
