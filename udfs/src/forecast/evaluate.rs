//! `forecast_evaluate(input, 'series', 'time', 'value' [, options])`: per series, the
//! model fitted on all but the last `holdout` points, scored on those points.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::model::{self, Fitted, ModelOptions};
use super::series::Regular;
use super::{map_series, ForecastCall, Output};

#[user_doc(
    doc_section(label = "Forecasting Table Functions"),
    description = "Scores a forecasting method on a holdout: for every series, the model \
(as in `forecast`, same input handling and options) is fitted on all but the last `holdout` \
points and forecasts those points. One row per series: the series column (absent when the \
series argument is ''), `method`, `n_train`, `n_test` (Int64), `rmse`, `mae` and `r2` \
(Float64; r2 = 1 - SSE/SST over the holdout, as Spark's RegressionEvaluator, NULL when the \
holdout values are all equal). The default holdout is one season when the series has one \
(given, or detected among periods that leave two seasons plus one for training after holding \
one season out), otherwise 20% of the points (at least 1); the season found on the whole \
series is the one the training fit uses. Points interpolated into gaps are forecast but not \
scored: `n_test` counts the observed holdout points.",
    syntax_example = "forecast_evaluate(input, 'series_col', 'time_col', 'value_col' [, 'holdout => 24, method => holt_winters'])",
    sql_example = r#"```sql
> SELECT * FROM forecast_evaluate('hourly_metrics', 'metric', 'hour', 'value',
                                  'holdout => 24, method => linear_lags');
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
        description = "holdout (points held out, default one season or 20%); method, \
season_length, trend, lags, on_short as for `forecast`."
    )
)]
#[derive(Debug, Default)]
pub struct ForecastEvaluateFunction;

pub const NAME: &str = "forecast_evaluate";

const USAGE: &str =
    "(input, 'series_col', 'time_col', 'value_col' [, 'holdout => 24, method => holt_winters'])";

const OPTIONS: &[&str] = &[
    "method",
    "holdout",
    "season_length",
    "lags",
    "trend",
    "on_short",
];

/// A model fitted on the training part of a series and its holdout forecasts.
pub(crate) struct HoldoutFit {
    pub fitted: Fitted,
    pub n_train: usize,
    pub forecast: Vec<f64>,
}

/// Splits a series, fits the training part and forecasts the holdout; `Ok(None)` when a
/// too-short series is skipped.
pub(crate) fn holdout_fit(
    function: &str,
    options: &ModelOptions,
    name: &str,
    series: &Regular,
    holdout: Option<usize>,
) -> Result<Option<HoldoutFit>> {
    let y = &series.values;
    let (period, h) = model::split(options, y, holdout);
    let n_train = y.len().saturating_sub(h);
    let points = format!("training points after holding out {h}");
    let Some(fitted) = options.fit(function, name, &points, &y[..n_train], period)? else {
        return Ok(None);
    };
    let forecast = fitted.forecast(y.len() - n_train);
    Ok(Some(HoldoutFit {
        fitted,
        n_train,
        forecast,
    }))
}

/// rmse, mae and r2 (None when the actual values are all equal) of `pairs` (actual,
/// forecast); all None without pairs.
pub fn metrics(pairs: &[(f64, f64)]) -> (Option<f64>, Option<f64>, Option<f64>) {
    if pairs.is_empty() {
        return (None, None, None);
    }
    let n = pairs.len() as f64;
    let sse: f64 = pairs.iter().map(|(a, f)| (a - f) * (a - f)).sum();
    let sae: f64 = pairs.iter().map(|(a, f)| (a - f).abs()).sum();
    let mean = pairs.iter().map(|(a, _)| a).sum::<f64>() / n;
    let sst: f64 = pairs.iter().map(|(a, _)| (a - mean) * (a - mean)).sum();
    let r2 = (sst > 0.0).then(|| 1.0 - sse / sst);
    (Some((sse / n).sqrt()), Some(sae / n), r2)
}

impl TableFunctionImpl for ForecastEvaluateFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let call = ForecastCall::parse(NAME, &args, USAGE, OPTIONS)?;
        let holdout = model::holdout(NAME, &call.options)?;
        let fields = vec![
            Field::new("method", DataType::Utf8, false),
            Field::new("n_train", DataType::Int64, false),
            Field::new("n_test", DataType::Int64, false),
            Field::new("rmse", DataType::Float64, true),
            Field::new("mae", DataType::Float64, true),
            Field::new("r2", DataType::Float64, true),
        ];
        Ok(call.table(fields, move |batches, columns, options| {
            // Per series: (method, n_train, n_test, rmse, mae, r2), None if skipped.
            let (key_arrays, results) = map_series(NAME, batches, columns, |name, series| {
                let Some(fit) = holdout_fit(NAME, options, name, &series, holdout)? else {
                    return Ok(None);
                };
                let pairs: Vec<(f64, f64)> = fit
                    .forecast
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| series.observed[fit.n_train + i])
                    .map(|(i, &f)| (series.values[fit.n_train + i], f))
                    .collect();
                let (e, a, r) = metrics(&pairs);
                Ok(Some((
                    fit.fitted.label(),
                    fit.n_train as i64,
                    pairs.len() as i64,
                    e,
                    a,
                    r,
                )))
            })?;
            let mut keys = Vec::new();
            let mut methods = Vec::new();
            let (mut n_train, mut n_test) = (Vec::new(), Vec::new());
            let (mut rmse, mut mae, mut r2) = (Vec::new(), Vec::new(), Vec::new());
            for (key, result) in results {
                let Some((method, train, test, e, a, r)) = result else {
                    continue;
                };
                keys.push(key);
                methods.push(method);
                n_train.push(train);
                n_test.push(test);
                rmse.push(e);
                mae.push(a);
                r2.push(r);
            }
            let arrays: Vec<ArrayRef> = vec![
                Arc::new(StringArray::from(methods)),
                Arc::new(Int64Array::from(n_train)),
                Arc::new(Int64Array::from(n_test)),
                Arc::new(Float64Array::from(rmse)),
                Arc::new(Float64Array::from(mae)),
                Arc::new(Float64Array::from(r2)),
            ];
            Ok(Output {
                key_arrays,
                keys,
                arrays,
            })
        }))
    }
}

impl ForecastEvaluateFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_as_spark_regression_evaluator() {
        let pairs = [(1.0, 2.0), (2.0, 2.0), (3.0, 5.0), (6.0, 5.0)];
        let (rmse, mae, r2) = metrics(&pairs);
        // errors -1, 0, -2, 1: SSE 6, SAE 4; mean 3, SST 4 + 1 + 0 + 9 = 14.
        assert!((rmse.unwrap() - (6.0f64 / 4.0).sqrt()).abs() < 1e-12);
        assert!((mae.unwrap() - 1.0).abs() < 1e-12);
        assert!((r2.unwrap() - (1.0 - 6.0 / 14.0)).abs() < 1e-12);
        assert_eq!(metrics(&[(2.0, 1.0), (2.0, 3.0)]).2, None);
        assert_eq!(metrics(&[]), (None, None, None));
    }
}
