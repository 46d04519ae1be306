//! Forecasting (seed scenarios 7 and 18): per-series models fitted inside a table
//! function, returning future points with prediction intervals and holdout metrics.
//!
//! - [`series`] reads the input into series on a regular time grid (gaps interpolated),
//! - [`season`] detects season lengths from the autocorrelation function,
//! - [`holt_winters`] and [`linear_lags`] are the two models, [`numeric`] their solvers,
//! - [`model`] holds the shared options and fits one series with the chosen method,
//! - [`forecast_table`] (`forecast`), [`evaluate`] (`forecast_evaluate`) and [`backtest`]
//!   (`forecast_backtest`) are the table functions.
//!
//! Series are independent: each is read, fitted and emitted in turn.

pub mod backtest;
pub mod evaluate;
pub mod forecast_table;
pub mod holt_winters;
pub mod linear_lags;
pub mod model;
pub mod numeric;
pub mod season;
pub mod series;

use std::sync::Arc;

use datafusion::arrow::array::{new_empty_array, Array, ArrayRef};
use datafusion::arrow::compute::interleave;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{Documentation, LogicalPlan};

use crate::table_function::{
    call_input, column_index, parallel_map, string_arg, DeferredTable, Options,
};
use model::ModelOptions;
use series::{describe, read_series, regularize, Columns, Regular, TimeType};

/// The module's table functions, by name.
pub fn table_functions() -> Vec<(&'static str, Arc<dyn TableFunctionImpl>)> {
    vec![
        (
            forecast_table::NAME,
            Arc::new(forecast_table::ForecastFunction),
        ),
        (evaluate::NAME, Arc::new(evaluate::ForecastEvaluateFunction)),
        (backtest::NAME, Arc::new(backtest::ForecastBacktestFunction)),
    ]
}

/// The documentation of the module's table functions.
pub fn table_function_docs() -> Vec<(String, Documentation)> {
    [
        (
            forecast_table::NAME,
            forecast_table::ForecastFunction.documentation(),
        ),
        (
            evaluate::NAME,
            evaluate::ForecastEvaluateFunction.documentation(),
        ),
        (
            backtest::NAME,
            backtest::ForecastBacktestFunction.documentation(),
        ),
    ]
    .into_iter()
    .filter_map(|(name, doc)| doc.map(|d| (name.to_string(), d.clone())))
    .collect()
}

/// A parsed call `f(input, 'series', 'time', 'value' [, options...])`.
pub(crate) struct ForecastCall {
    pub input: LogicalPlan,
    pub columns: Columns,
    pub series_field: Option<Field>,
    pub time_field: Field,
    pub options: Options,
    pub model: ModelOptions,
}

impl ForecastCall {
    pub fn parse(
        function: &str,
        args: &TableFunctionArgs,
        usage: &str,
        allowed: &[&str],
    ) -> Result<Self> {
        let (input, schema, exprs) = call_input(function, args, 4, usage)?;
        let fields: Vec<&Field> = schema.fields().iter().map(|f| f.as_ref()).collect();
        let series_name = string_arg(function, 2, &exprs[1])?;
        let time_name = string_arg(function, 3, &exprs[2])?;
        let value_name = string_arg(function, 4, &exprs[3])?;
        let series = match series_name.trim() {
            "" => None,
            name => Some(column_index(function, "series", name, &fields)?),
        };
        let time = column_index(function, "time", time_name.trim(), &fields)?;
        let value = column_index(function, "value", value_name.trim(), &fields)?;
        let time_type = TimeType::of(function, fields[time].name(), fields[time].data_type())?;
        let value_type = fields[value].data_type();
        if !(value_type.is_numeric() || *value_type == DataType::Null) {
            return plan_err!(
                "{function}: value column '{}' must be numeric, got {value_type}",
                fields[value].name()
            );
        }
        let options = Options::parse(function, &exprs[4..], 5, allowed)?;
        let model = ModelOptions::parse(function, &options)?;
        Ok(Self {
            input,
            series_field: series.map(|i| fields[i].clone().with_nullable(true)),
            time_field: Field::new(fields[time].name(), time_type.data_type(), false),
            columns: Columns {
                series,
                time,
                value,
                time_type,
            },
            options,
            model,
        })
    }

    /// The output fields: the series column (if any) then `rest`.
    pub fn fields(&self, rest: Vec<Field>) -> Vec<Field> {
        self.series_field.iter().cloned().chain(rest).collect()
    }

    /// The function's table: the series column (if any) then the fields `rest`, computed
    /// at scan time by `rows(batches, columns, model)` (typically with [`map_series`]).
    pub fn table<R>(self, rest: Vec<Field>, rows: R) -> Arc<dyn TableProvider>
    where
        R: Fn(&[RecordBatch], &Columns, &ModelOptions) -> Result<Output> + Send + Sync + 'static,
    {
        let schema = Arc::new(Schema::new(self.fields(rest)));
        let out_schema = Arc::clone(&schema);
        let (columns, model) = (self.columns, self.model);
        let series_type = self.series_field.map(|f| f.data_type().clone());
        let compute = Arc::new(move |batches: Vec<RecordBatch>| {
            let output = rows(&batches, &columns, &model)?;
            let mut arrays: Vec<ArrayRef> = Vec::new();
            if let Some(data_type) = &series_type {
                arrays.push(key_column(&output.key_arrays, &output.keys, data_type)?);
            }
            arrays.extend(output.arrays);
            Ok(vec![RecordBatch::try_new(Arc::clone(&out_schema), arrays)?])
        });
        Arc::new(DeferredTable::new(schema, self.input, compute))
    }
}

/// The rows of a forecasting table function's output.
pub(crate) struct Output {
    /// The series column of every input batch (from [`map_series`]).
    pub key_arrays: Vec<ArrayRef>,
    /// The series key (batch, row) of every output row.
    pub keys: Vec<(usize, usize)>,
    /// The columns after the series column.
    pub arrays: Vec<ArrayRef>,
}

/// The series column of every input batch, and per-series results with their keys
/// (batch, row of the series' first row).
pub(crate) type Mapped<T> = (Vec<ArrayRef>, Vec<((usize, usize), T)>);

/// Reads the input into series, puts each on its grid and maps it with `each(name,
/// series)`, several series at a time on the available cores (series are independent).
/// Returns the series column of every batch and the results with their series keys, in
/// series order; the first error in series order wins. A series without any value comes
/// with no points, for the model's too-short check to report.
pub(crate) fn map_series<T, F>(
    function: &str,
    batches: &[RecordBatch],
    columns: &Columns,
    each: F,
) -> Result<Mapped<T>>
where
    T: Send,
    F: Fn(&str, Regular) -> Result<T> + Sync,
{
    let set = read_series(batches, columns)?;
    let run = |i: usize| -> Result<T> {
        let raw = &set.series[i];
        let name = describe(&set.key_arrays, raw.key);
        let regular = regularize(function, raw.points.clone(), &columns.time_type, &|| {
            name.clone()
        })?;
        each(&name, regular)
    };
    let results = parallel_map(function, set.series.len(), run)?;
    let mut out = Vec::with_capacity(results.len());
    for (raw, result) in set.series.iter().zip(results) {
        out.push((raw.key, result?));
    }
    Ok((set.key_arrays, out))
}

/// The series column of the output rows, from the (batch, row) keys.
fn key_column(
    key_arrays: &[ArrayRef],
    keys: &[(usize, usize)],
    data_type: &DataType,
) -> Result<ArrayRef> {
    if keys.is_empty() || key_arrays.is_empty() {
        return Ok(new_empty_array(data_type));
    }
    let arrays: Vec<&dyn Array> = key_arrays.iter().map(|a| a.as_ref()).collect();
    Ok(interleave(&arrays, keys)?)
}
