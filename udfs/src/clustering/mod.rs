//! Clustering: k-means with k-means++ initialisation, elbow / silhouette analysis and an
//! automatic choice of k (seed scenario 1), as table functions.

pub mod features;
pub mod kmeans;
pub mod kmeans_centroids;
pub mod kmeans_core;
pub mod kmeans_elbow;

use std::sync::Arc;

use datafusion::catalog::TableFunctionImpl;
use datafusion::logical_expr::Documentation;

/// The clustering table functions by name.
pub fn table_functions() -> Vec<(&'static str, Arc<dyn TableFunctionImpl>)> {
    vec![
        (kmeans::NAME, Arc::new(kmeans::KMeansFunction)),
        (
            kmeans_centroids::NAME,
            Arc::new(kmeans_centroids::KMeansCentroidsFunction),
        ),
        (
            kmeans_elbow::NAME,
            Arc::new(kmeans_elbow::KMeansElbowFunction),
        ),
    ]
}

/// Documentation of the clustering table functions.
pub fn table_function_docs() -> Vec<(String, Documentation)> {
    [
        (kmeans::NAME, kmeans::KMeansFunction.documentation()),
        (
            kmeans_centroids::NAME,
            kmeans_centroids::KMeansCentroidsFunction.documentation(),
        ),
        (
            kmeans_elbow::NAME,
            kmeans_elbow::KMeansElbowFunction.documentation(),
        ),
    ]
    .into_iter()
    .filter_map(|(name, doc)| doc.map(|d| (name.to_string(), d.clone())))
    .collect()
}
