//! Clustering: k-means with k-means++ initialisation, elbow / silhouette analysis and an
//! automatic choice of k (seed scenario 1), as table functions.

pub mod features;
pub mod kmeans;
pub mod kmeans_centroids;
pub mod kmeans_core;
pub mod kmeans_elbow;

use std::sync::Arc;

use datafusion::catalog::TableFunctionImpl;

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
