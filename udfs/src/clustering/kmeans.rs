//! `kmeans(input, features, options...)`: every input row with its cluster.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Builder, Int32Builder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::features::{
    feature_matrix, k_choice, kmeans_error, kmeans_options, maybe_standardize, require_rows,
    run_elbow, FeatureMatrix, KChoice, KMeansCall,
};
use super::kmeans_core::{self, KMeansModel};
use crate::table_function::{DeferredTable, Options};

#[user_doc(
    doc_section(label = "Clustering Table Functions"),
    description = "K-means clustering (Lloyd's algorithm, k-means++ initialisation, best of \
`n_init` runs by WCSS, as scikit-learn's KMeans). Returns every input row with two more \
columns: `cluster_id` (0-based; clusters are numbered by ascending centroid coordinates) and \
`distance` (Euclidean distance to the cluster centroid, in standardised units when \
`standardize` is on). Rows with a NULL or non-finite feature are kept with NULL cluster_id. \
With `k => auto`, k is the value in `k_min..=k_max` with the highest silhouette (see \
`kmeans_elbow`). Deterministic for a given `seed`.",
    syntax_example = "kmeans(input, 'feature1, feature2, ...', 'k => 4' [, 'option => value', ...])",
    sql_example = r#"```sql
> SELECT cluster_id, count(*) FROM kmeans('customer_features',
      'recency, frequency, monetary, age', 'k => 4, seed => 1') GROUP BY cluster_id;
```"#,
    argument(
        name = "input",
        description = "Table or view name, or a query in quotes ('SELECT ...')."
    ),
    argument(
        name = "features",
        description = "Comma-separated numeric feature columns."
    ),
    argument(
        name = "options",
        description = "k (number or auto), seed (default 1), max_iter (100), tol (1e-4), \
n_init (10), init ('k-means++' or 'random'), standardize (true: z-scores with the sample \
standard deviation, as Spark's StandardScaler), k_min (2) and k_max (10) for k => auto, \
silhouette_sample (10000)."
    )
)]
#[derive(Debug, Default)]
pub struct KMeansFunction;

pub const NAME: &str = "kmeans";

/// Fits k-means to the matrix, choosing k by silhouette when asked.
pub(crate) fn fit(
    function: &str,
    matrix: &FeatureMatrix,
    options: &Options,
) -> Result<KMeansModel> {
    require_rows(function, matrix)?;
    let k = match k_choice(options)? {
        KChoice::Fixed(k) => k,
        KChoice::Auto { k_min, k_max } => {
            run_elbow(function, matrix, options, k_min, k_max)?.best_k_silhouette
        }
    };
    let opts = kmeans_options(options, k)?;
    kmeans_core::kmeans(&matrix.data, matrix.n_rows, matrix.n_features, &opts)
        .map_err(|e| kmeans_error(function, e))
}

impl TableFunctionImpl for KMeansFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let KMeansCall {
            input,
            input_schema,
            columns,
            options,
            standardize,
        } = KMeansCall::parse(
            NAME,
            &args,
            3,
            "(input, 'feature, ...', 'k => n' [, options])",
        )?;
        k_choice(&options)?;

        let mut fields: Vec<Field> = input_schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields.push(Field::new("cluster_id", DataType::Int32, true));
        fields.push(Field::new("distance", DataType::Float64, true));
        let schema = Arc::new(Schema::new(fields));
        let out_schema = Arc::clone(&schema);

        let compute = Arc::new(move |batches: Vec<RecordBatch>| {
            let mut matrix = feature_matrix(&batches, &columns)?;
            maybe_standardize(&mut matrix, standardize);
            let model = fit(NAME, &matrix, &options)?;
            label_rows(&batches, &matrix, &model, &out_schema)
        });
        Ok(Arc::new(DeferredTable::new(schema, input, compute)))
    }
}

/// The input batches with cluster_id and distance appended.
fn label_rows(
    batches: &[RecordBatch],
    matrix: &FeatureMatrix,
    model: &KMeansModel,
    schema: &SchemaRef,
) -> Result<Vec<RecordBatch>> {
    let mut input_row = 0;
    batches
        .iter()
        .map(|batch| {
            let n = batch.num_rows();
            let mut clusters = Int32Builder::with_capacity(n);
            let mut distances = Float64Builder::with_capacity(n);
            for row in &matrix.row_of_input[input_row..input_row + n] {
                match row {
                    Some(r) => {
                        clusters.append_value(model.labels[*r] as i32);
                        distances.append_value(model.distances[*r]);
                    }
                    None => {
                        clusters.append_null();
                        distances.append_null();
                    }
                }
            }
            input_row += n;
            let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
            columns.push(Arc::new(clusters.finish()));
            columns.push(Arc::new(distances.finish()));
            Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
        })
        .collect()
}

impl KMeansFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
