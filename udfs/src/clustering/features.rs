//! Feature matrices for the clustering table functions: the named numeric columns of
//! the input, as a row-major `f64` matrix, skipping rows with a NULL feature.

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{exec_err, plan_err, DataFusionError, Result};
use datafusion::logical_expr::Expr;

use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableFunctionArgs;
use datafusion::logical_expr::LogicalPlan;

use super::kmeans_core::{self, Init, KMeansError, KMeansOptions};
use crate::table_function::{call_input, string_arg, Options};

/// A parsed call of a k-means table function: `(input, 'features', options...)`.
pub struct KMeansCall {
    pub input: LogicalPlan,
    pub input_schema: SchemaRef,
    pub columns: Vec<usize>,
    pub options: Options,
    pub standardize: bool,
}

impl KMeansCall {
    pub fn parse(
        function: &str,
        args: &TableFunctionArgs,
        min_args: usize,
        usage: &str,
    ) -> Result<Self> {
        let (input, input_schema, exprs) = call_input(function, args, min_args, usage)?;
        let columns = feature_columns(function, &exprs[1], &input_schema)?;
        let options = Options::parse(function, &exprs[2..], 3, KMEANS_OPTIONS)?;
        // Validate options now, so mistakes surface at planning time.
        kmeans_options(&options, 1)?;
        let standardize = options.bool_or("standardize", true)?;
        Ok(Self {
            input,
            input_schema: Arc::clone(&input_schema),
            columns,
            options,
            standardize,
        })
    }
}

/// Options shared by the k-means functions.
pub const KMEANS_OPTIONS: &[&str] = &[
    "k",
    "seed",
    "max_iter",
    "tol",
    "n_init",
    "init",
    "standardize",
    "k_min",
    "k_max",
    "silhouette_sample",
];

/// Column indices of the features named in `arg` (comma-separated), checked numeric.
pub fn feature_columns(function: &str, arg: &Expr, schema: &Schema) -> Result<Vec<usize>> {
    let text = string_arg(function, 2, arg)?;
    let names: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        return plan_err!("{function}: name at least one feature column");
    }
    names
        .iter()
        .map(|name| {
            let index = schema
                .fields()
                .iter()
                .position(|f| f.name().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    let available: Vec<&str> =
                        schema.fields().iter().map(|f| f.name().as_str()).collect();
                    DataFusionError::Plan(format!(
                        "{function}: no column '{name}' in the input; columns are: {}",
                        available.join(", ")
                    ))
                })?;
            let data_type = schema.field(index).data_type();
            if !(data_type.is_numeric() || *data_type == DataType::Null) {
                return plan_err!("{function}: feature '{name}' must be numeric, got {data_type}");
            }
            Ok(index)
        })
        .collect()
}

/// The feature matrix, and for each input row (across batches) its matrix row or
/// `None` when a feature is NULL or not finite.
pub struct FeatureMatrix {
    pub data: Vec<f64>,
    pub n_rows: usize,
    pub n_features: usize,
    pub row_of_input: Vec<Option<usize>>,
}

pub fn feature_matrix(batches: &[RecordBatch], columns: &[usize]) -> Result<FeatureMatrix> {
    let total: usize = batches.iter().map(|b| b.num_rows()).sum();
    let n_features = columns.len();
    let mut data = Vec::with_capacity(total * n_features);
    let mut row_of_input = Vec::with_capacity(total);
    let mut n_rows = 0;
    for batch in batches {
        let arrays = columns
            .iter()
            .map(|&c| cast(batch.column(c), &DataType::Float64))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let arrays: Vec<_> = arrays
            .iter()
            .map(|a| a.as_primitive::<Float64Type>())
            .collect();
        for row in 0..batch.num_rows() {
            let usable = arrays
                .iter()
                .all(|a| a.is_valid(row) && a.value(row).is_finite());
            if usable {
                data.extend(arrays.iter().map(|a| a.value(row)));
                row_of_input.push(Some(n_rows));
                n_rows += 1;
            } else {
                row_of_input.push(None);
            }
        }
    }
    Ok(FeatureMatrix {
        data,
        n_rows,
        n_features,
        row_of_input,
    })
}

/// Standardises the matrix in place when asked; returns (means, stds) to undo it.
pub fn maybe_standardize(
    matrix: &mut FeatureMatrix,
    standardize: bool,
) -> Option<(Vec<f64>, Vec<f64>)> {
    standardize
        .then(|| kmeans_core::standardize(&mut matrix.data, matrix.n_rows, matrix.n_features))
}

/// k-means options from the function options; `k` is handled by the caller.
pub fn kmeans_options(options: &Options, k: usize) -> Result<KMeansOptions> {
    let mut opts = KMeansOptions::new(k);
    opts.seed = options.u64_or("seed", 1)?;
    opts.max_iter = options.usize_or("max_iter", opts.max_iter)?;
    opts.tol = options.f64_or("tol", opts.tol)?;
    opts.n_init = options.usize_or("n_init", opts.n_init)?;
    opts.init = match options.get("init").map(str::to_ascii_lowercase).as_deref() {
        None | Some("k-means++") | Some("kmeans++") => Init::KMeansPlusPlus,
        Some("random") => Init::Random,
        Some(other) => return plan_err!("init must be 'k-means++' or 'random', got '{other}'"),
    };
    Ok(opts)
}

/// The requested k: a number, or `auto` (chosen by silhouette over k_min..=k_max).
pub enum KChoice {
    Fixed(usize),
    Auto { k_min: usize, k_max: usize },
}

pub fn k_choice(options: &Options) -> Result<KChoice> {
    let k_min = options.usize_or("k_min", 2)?;
    let k_max = options.usize_or("k_max", 10)?;
    match options.get("k") {
        None => plan_err!("k-means needs option k, e.g. 'k => 4' or 'k => auto'"),
        Some(v) if v.eq_ignore_ascii_case("auto") => Ok(KChoice::Auto { k_min, k_max }),
        Some(v) => match v.parse::<usize>() {
            Ok(k) if k >= 1 => Ok(KChoice::Fixed(k)),
            _ => plan_err!("k must be a positive integer or 'auto', got '{v}'"),
        },
    }
}

/// Errors of the algorithm as execution errors naming the function.
pub fn kmeans_error(function: &str, e: KMeansError) -> DataFusionError {
    DataFusionError::Execution(format!("{function}: {e}"))
}

/// Fails when no row has all features present.
pub fn require_rows(function: &str, matrix: &FeatureMatrix) -> Result<()> {
    if matrix.n_rows == 0 {
        return exec_err!(
            "{function}: no input rows with all features non-NULL ({} rows skipped)",
            matrix.row_of_input.len()
        );
    }
    Ok(())
}

/// The elbow / silhouette analysis over `k_min..=k_max` (capped at the number of rows).
pub fn run_elbow(
    function: &str,
    matrix: &FeatureMatrix,
    options: &Options,
    k_min: usize,
    k_max: usize,
) -> Result<kmeans_core::ElbowResult> {
    require_rows(function, matrix)?;
    let opts = kmeans_options(options, k_min)?;
    let sample = options.usize_or("silhouette_sample", 10_000)?;
    kmeans_core::elbow(
        &matrix.data,
        matrix.n_rows,
        matrix.n_features,
        k_min,
        k_max.min(matrix.n_rows),
        &opts,
        sample,
    )
    .map_err(|e| kmeans_error(function, e))
}
