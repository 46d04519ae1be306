//! `kmeans_centroids(input, features, options...)`: the fitted clusters.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int32Array, Int64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::features::{feature_matrix, k_choice, maybe_standardize, KMeansCall};
use super::kmeans::fit;
use crate::table_function::DeferredTable;

#[user_doc(
    doc_section(label = "Clustering Table Functions"),
    description = "The clusters of `kmeans` with the same arguments (same seed, same \
clusters): one row per cluster with `cluster_id`, `size`, the centroid in the features' \
original units (one column per feature, named after it), the cluster's within-cluster sum \
of squares `cluster_wcss` and the model's total `wcss` (in standardised units when \
`standardize` is on).",
    syntax_example = "kmeans_centroids(input, 'feature1, ...', 'k => 4' [, options])",
    sql_example = r#"```sql
> SELECT * FROM kmeans_centroids('customer_features', 'recency, monetary', 'k => 3');
```"#,
    argument(name = "input", description = "Table or view name, or a quoted query."),
    argument(
        name = "features",
        description = "Comma-separated numeric feature columns."
    ),
    argument(name = "options", description = "As for kmeans.")
)]
#[derive(Debug, Default)]
pub struct KMeansCentroidsFunction;

pub const NAME: &str = "kmeans_centroids";

impl TableFunctionImpl for KMeansCentroidsFunction {
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

        let mut fields = vec![
            Field::new("cluster_id", DataType::Int32, false),
            Field::new("size", DataType::Int64, false),
        ];
        for &c in &columns {
            fields.push(Field::new(
                input_schema.field(c).name(),
                DataType::Float64,
                false,
            ));
        }
        fields.push(Field::new("cluster_wcss", DataType::Float64, false));
        fields.push(Field::new("wcss", DataType::Float64, false));
        let schema = Arc::new(Schema::new(fields));
        let out_schema = Arc::clone(&schema);

        let compute = Arc::new(move |batches: Vec<RecordBatch>| {
            let mut matrix = feature_matrix(&batches, &columns)?;
            let scaling = maybe_standardize(&mut matrix, standardize);
            let model = fit(NAME, &matrix, &options)?;
            let d = matrix.n_features;
            let k = model.centroids.len() / d.max(1);
            let mut sizes = vec![0i64; k];
            let mut cluster_wcss = vec![0f64; k];
            for (label, distance) in model.labels.iter().zip(&model.distances) {
                sizes[*label as usize] += 1;
                cluster_wcss[*label as usize] += distance * distance;
            }
            let mut columns_out: Vec<ArrayRef> = vec![
                Arc::new(Int32Array::from_iter_values(0..k as i32)),
                Arc::new(Int64Array::from(sizes)),
            ];
            for f in 0..d {
                let values = (0..k).map(|c| {
                    let v = model.centroids[c * d + f];
                    match &scaling {
                        Some((means, stds)) => v * stds[f] + means[f],
                        None => v,
                    }
                });
                columns_out.push(Arc::new(Float64Array::from_iter_values(values)));
            }
            columns_out.push(Arc::new(Float64Array::from(cluster_wcss)));
            columns_out.push(Arc::new(Float64Array::from(vec![model.wcss; k])));
            Ok(vec![RecordBatch::try_new(
                Arc::clone(&out_schema),
                columns_out,
            )?])
        });
        Ok(Arc::new(DeferredTable::new(schema, input, compute)))
    }
}

impl KMeansCentroidsFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
