//! `kmeans_elbow(input, features, options...)`: WCSS and silhouette for a range of k.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanArray, Float64Array, Int32Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::features::{feature_matrix, maybe_standardize, run_elbow, KMeansCall};
use crate::table_function::DeferredTable;

#[user_doc(
    doc_section(label = "Clustering Table Functions"),
    description = "The elbow method and silhouette analysis for choosing k: for each k in \
`k_min..=k_max` (default 2..10), the WCSS (within-cluster sum of squares, scikit-learn's \
`inertia_`) of the best of `n_init` k-means runs and its mean silhouette coefficient \
(exact up to `silhouette_sample` rows, otherwise on a deterministic sample). `best` marks \
the k with the highest silhouette (what `kmeans(..., 'k => auto')` uses); `elbow` marks the \
knee of the WCSS curve (largest distance to the line through its end points).",
    syntax_example = "kmeans_elbow(input, 'feature1, ...' [, 'k_min => 2, k_max => 10', ...])",
    sql_example = r#"```sql
> SELECT k, wcss, silhouette, best FROM kmeans_elbow('customer_features',
      'recency, frequency, monetary, age', 'k_min => 2, k_max => 10, seed => 1');
```"#,
    argument(name = "input", description = "Table or view name, or a quoted query."),
    argument(
        name = "features",
        description = "Comma-separated numeric feature columns."
    ),
    argument(
        name = "options",
        description = "k_min, k_max, seed, max_iter, tol, n_init, init, standardize, silhouette_sample (as for kmeans)."
    )
)]
#[derive(Debug, Default)]
pub struct KMeansElbowFunction;

pub const NAME: &str = "kmeans_elbow";

impl TableFunctionImpl for KMeansElbowFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let KMeansCall {
            input,
            columns,
            options,
            standardize,
            ..
        } = KMeansCall::parse(NAME, &args, 2, "(input, 'feature, ...' [, options])")?;
        if options.get("k").is_some() {
            return plan_err!("kmeans_elbow takes k_min and k_max, not k");
        }
        let k_min = options.usize_or("k_min", 2)?;
        let k_max = options.usize_or("k_max", 10)?;
        if k_min < 1 || k_min > k_max {
            return plan_err!(
                "kmeans_elbow: need 1 <= k_min <= k_max, got k_min {k_min}, k_max {k_max}"
            );
        }
        // Checked here so a bad value fails at planning time.
        options.usize_or("silhouette_sample", 10_000)?;

        let schema = Arc::new(Schema::new(vec![
            Field::new("k", DataType::Int32, false),
            Field::new("wcss", DataType::Float64, false),
            Field::new("silhouette", DataType::Float64, true),
            Field::new("best", DataType::Boolean, false),
            Field::new("elbow", DataType::Boolean, false),
        ]));
        let out_schema = Arc::clone(&schema);
        let compute = Arc::new(move |batches: Vec<RecordBatch>| {
            let mut matrix = feature_matrix(&batches, &columns)?;
            maybe_standardize(&mut matrix, standardize);
            let result = run_elbow(NAME, &matrix, &options, k_min, k_max)?;
            let points = &result.points;
            let columns: Vec<ArrayRef> = vec![
                Arc::new(Int32Array::from_iter_values(
                    points.iter().map(|p| p.k as i32),
                )),
                Arc::new(Float64Array::from_iter_values(
                    points.iter().map(|p| p.wcss),
                )),
                Arc::new(Float64Array::from_iter(
                    points
                        .iter()
                        .map(|p| p.silhouette.is_finite().then_some(p.silhouette)),
                )),
                Arc::new(BooleanArray::from_iter(
                    points.iter().map(|p| Some(p.k == result.best_k_silhouette)),
                )),
                Arc::new(BooleanArray::from_iter(
                    points.iter().map(|p| Some(p.k == result.elbow_k)),
                )),
            ];
            Ok(vec![RecordBatch::try_new(
                Arc::clone(&out_schema),
                columns,
            )?])
        });
        Ok(Arc::new(DeferredTable::new(schema, input, compute)))
    }
}

impl KMeansElbowFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
