//! Data quality monitoring (seed scenario 11): rule-driven checks (null, uniqueness,
//! range, pattern, referential) that return one result row per check. [`rules`] reads
//! the rules (the seed's JSON format, or a relation of SQL rules); the checks themselves
//! are aggregate queries planned and run by DataFusion.

pub mod data_quality_checks;
pub mod rules;

use std::sync::Arc;

use datafusion::catalog::TableFunctionImpl;
use datafusion::logical_expr::Documentation;

/// The data quality table functions by name.
pub fn table_functions() -> Vec<(&'static str, Arc<dyn TableFunctionImpl>)> {
    vec![(
        data_quality_checks::NAME,
        Arc::new(data_quality_checks::DataQualityChecksFunction),
    )]
}

/// Documentation of the data quality table functions.
pub fn table_function_docs() -> Vec<(String, Documentation)> {
    [(
        data_quality_checks::NAME,
        data_quality_checks::DataQualityChecksFunction.documentation(),
    )]
    .into_iter()
    .filter_map(|(name, doc)| doc.map(|d| (name.to_string(), d.clone())))
    .collect()
}
