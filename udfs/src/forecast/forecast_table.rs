//! `forecast(input, 'series', 'time', 'value' [, options])`: future points with
//! prediction intervals for every series.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::model::{self, ModelOptions};
use super::{map_series, ForecastCall, Output};

#[user_doc(
    doc_section(label = "Forecasting Table Functions"),
    description = "Fits a model to every series of the input and returns its future points \
with prediction intervals, one row per series and step: the series column (same type; absent \
when the series argument is ''), the time column (same type; future times continue the \
series' step), `forecast`, `lower`, `upper` (Float64) and `method` (Utf8, the model used, \
e.g. `holt_winters(season=24)`).\n\n\
**Input.** Any numeric value column (read as Float64), a timestamp (any unit or time zone) \
or date time column and a series column of any type. Rows may come in any order; each series \
is sorted by time. Rows with a NULL time are skipped; NULL (and NaN or infinite) values are \
interpolated when interior and dropped at the ends. The step is the most frequent difference between \
consecutive times; when all times are midnight on the 1st of a month the step is in calendar \
months (month arithmetic for future times), and zoned timestamps all at local midnight step \
in local days. Missing steps (gaps) are filled by linear interpolation before fitting (a series whose gaps \
would make it more than 10 times longer than its rows, plus 1000, is refused); a time that is \
not a whole number of steps from the first is an error, as are duplicate times.\n\n\
**holt_winters** (default): additive Holt-Winters (level, additive trend, additive season) \
fitted like statsmodels' `ExponentialSmoothing(y, trend='add', seasonal='add', \
seasonal_periods=m).fit()`: least squares over the smoothing parameters (0 < alpha < 1, \
0 <= beta <= alpha, 0 <= gamma <= 1 - alpha) and the initial states, started from \
statsmodels' heuristic initial states and grid (the initial states are solved exactly by \
least squares for each trial of the smoothing parameters). Forecasts are the textbook \
l_n + h b_n + s_{n+h-m(k+1)}; they agree with statsmodels' within 1% (statsmodels 0.14/0.15 \
reuse a season-old seasonal at steps m, 2m, ..., its issue #9538). Intervals: the ETS(A,A,A) variance sigma^2 (1 + sum_{j<h} (alpha + alpha beta j + gamma \
[j mod m = 0])^2), sigma^2 = SSE / (n - k), k = m + 2 (trend) + 2, with the normal quantile \
of `level`. Without a season (none given, none detected) it is Holt's linear trend \
(`holt_winters(season=none)`); `trend => false` drops the trend.\n\n\
**linear_lags**: least squares of y_t on an intercept, a linear time trend and the lags \
y_{t-1}..y_{t-p} (statsmodels' `AutoReg(y, lags=p, trend='ct')`), forecast recursively. \
Intervals are forecast ± z s sqrt(h), s the residual standard error: an approximation that \
ignores how errors propagate through the lags.\n\n\
**Season detection** (`season_length => auto`): after removing a least-squares line, the \
autocorrelation is computed up to lag min(n/2, 1000); a candidate period is a local maximum \
above 1.96/sqrt(n) that rises over the preceding trough by at least 2z/sqrt(n) (z the \
Bonferroni 5% normal quantile over those lags). The strongest candidate wins unless a smaller \
candidate divides it (a daily season modulated weekly gives 24, not 168), then the winner is \
refined by ±1 lag on the mean autocorrelation of its multiples. Only periods leaving two \
seasons plus one are considered.\n\n\
**Too short** series (fewer than 2 seasons + 1 points for a seasonal Holt-Winters, 3 \
without season, 2 lags + 3 for linear_lags) are an error naming the series, unless \
`on_short => skip`.",
    syntax_example = "forecast(input, 'series_col', 'time_col', 'value_col' [, 'method => holt_winters, horizon => 24, season_length => auto, level => 0.95'])",
    sql_example = r#"```sql
> SELECT sensor, ts, forecast, lower, upper, method
  FROM forecast('SELECT sensor, ts, temperature FROM readings', 'sensor', 'ts', 'temperature',
                'horizon => 48, season_length => 24')
  ORDER BY sensor, ts;
> SELECT * FROM forecast('monthly_sales', '', 'month', 'revenue', 'horizon => 6');
```"#,
    argument(
        name = "input",
        description = "Table or view name, or a query in quotes ('SELECT ...')."
    ),
    argument(
        name = "series_col",
        description = "Column identifying the series (any type; NULL is a series of its own), or '' for a single series."
    ),
    argument(
        name = "time_col",
        description = "Timestamp (any unit or time zone) or date column."
    ),
    argument(name = "value_col", description = "Numeric column to forecast."),
    argument(
        name = "options",
        description = "method (holt_winters or linear_lags, default holt_winters); horizon \
(steps ahead, default 24); season_length (auto (default), none, or an integer >= 2); level \
(prediction interval level in (0, 1), default 0.95); trend (holt_winters: true (default) or \
false); lags (linear_lags: default the season length, else 24, capped at (n - 3) / 2 for the \
series' n points); on_short (error (default) or skip)."
    )
)]
#[derive(Debug, Default)]
pub struct ForecastFunction;

pub const NAME: &str = "forecast";

const USAGE: &str = "(input, 'series_col', 'time_col', 'value_col' [, 'method => holt_winters, horizon => 24, ...'])";

const OPTIONS: &[&str] = &[
    "method",
    "horizon",
    "season_length",
    "level",
    "lags",
    "trend",
    "on_short",
];

impl TableFunctionImpl for ForecastFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let call = ForecastCall::parse(NAME, &args, USAGE, OPTIONS)?;
        let horizon = model::horizon(NAME, &call.options)?;
        let level = model::level(NAME, &call.options)?;
        let fields = vec![
            call.time_field.clone(),
            Field::new("forecast", DataType::Float64, false),
            Field::new("lower", DataType::Float64, false),
            Field::new("upper", DataType::Float64, false),
            Field::new("method", DataType::Utf8, false),
        ];
        Ok(call.table(fields, move |batches, columns, options| {
            // Per series: (future times, forecasts, half-widths, method), None if skipped.
            let (key_arrays, results) = map_series(NAME, batches, columns, |name, series| {
                let y = &series.values;
                let period = options.period(y, ModelOptions::max_period(y.len(), 0));
                let Some(fitted) = options.fit(NAME, name, "points", y, period)? else {
                    return Ok(None);
                };
                let times = (0..horizon)
                    .map(|h| series.time_at(y.len() + h, &columns.time_type))
                    .collect::<Result<Vec<i64>>>()?;
                Ok(Some((
                    times,
                    fitted.forecast(horizon),
                    fitted.half_widths(horizon, level),
                    fitted.label(),
                )))
            })?;
            let mut keys = Vec::new();
            let mut times = Vec::new();
            let (mut mean, mut lower, mut upper) = (Vec::new(), Vec::new(), Vec::new());
            let mut methods: Vec<String> = Vec::new();
            for (key, result) in results {
                let Some((t, f, w, label)) = result else {
                    continue;
                };
                for ((t, f), w) in t.into_iter().zip(f).zip(w) {
                    keys.push(key);
                    times.push(t);
                    mean.push(f);
                    lower.push(f - w);
                    upper.push(f + w);
                    methods.push(label.clone());
                }
            }
            let arrays: Vec<ArrayRef> = vec![
                columns.time_type.array(times)?,
                Arc::new(Float64Array::from(mean)),
                Arc::new(Float64Array::from(lower)),
                Arc::new(Float64Array::from(upper)),
                Arc::new(StringArray::from(methods)),
            ];
            Ok(Output {
                key_arrays,
                keys,
                arrays,
            })
        }))
    }
}

impl ForecastFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{AsArray, Int64Array};
    use datafusion::arrow::datatypes::{Date32Type, Float64Type};
    use datafusion::prelude::SessionContext;

    /// On a bare DataFusion context: an integer series key and monthly dates keep their
    /// types, future months follow the calendar, and an exact seasonal pattern with a
    /// trend is continued exactly.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn forecasts_months_per_integer_series() -> Result<()> {
        let ctx = SessionContext::new();
        ctx.register_udtf(NAME, Arc::new(ForecastFunction));
        ctx.sql(
            "CREATE TABLE m AS SELECT CAST(k AS BIGINT) AS k,
                    make_date(2020 + i / 12, i % 12 + 1, 1) AS month,
                    10.0 * k + i + CASE WHEN i % 4 = 0 THEN 3.0 ELSE 0.0 END AS v
             FROM generate_series(0, 35) a(i), (VALUES (1), (2)) b(k)",
        )
        .await?
        .collect()
        .await?;
        let batches = ctx
            .sql(
                "SELECT k, month, forecast, upper - lower AS width, method
                 FROM forecast('m', 'k', 'month', 'v', 'horizon => 5, season_length => 4')
                 ORDER BY k, month",
            )
            .await?
            .collect()
            .await?;
        let b = &batches[0];
        assert_eq!(b.num_rows(), 10);
        let keys = b.column(0).as_any().downcast_ref::<Int64Array>();
        assert_eq!(keys.map(|k| k.value(9)), Some(2));
        let months = b.column(1).as_primitive::<Date32Type>();
        let first = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).map(|d| d.to_string());
        assert_eq!(months.value_as_date(0).map(|d| d.to_string()), first);
        let fifth = chrono::NaiveDate::from_ymd_opt(2023, 5, 1).map(|d| d.to_string());
        assert_eq!(months.value_as_date(4).map(|d| d.to_string()), fifth);
        let forecast = b.column(2).as_primitive::<Float64Type>();
        for (row, i) in (0..5).zip(36..) {
            let expected = 10.0 + i as f64 + if i % 4 == 0 { 3.0 } else { 0.0 };
            assert!(
                (forecast.value(row) - expected).abs() < 1e-6,
                "{row}: {}",
                forecast.value(row)
            );
        }
        assert!(b.column(3).as_primitive::<Float64Type>().value(0) < 1e-6);
        assert_eq!(
            b.column(4).as_string::<i32>().value(0),
            "holt_winters(season=4)"
        );
        Ok(())
    }
}
