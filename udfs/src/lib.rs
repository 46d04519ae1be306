//! The Ignis function catalog: analytics functions for DataFusion, one module per
//! domain, one file per function. [`register_all`] adds every function to a
//! registry; it is what each Ignis front door calls, and what any DataFusion user
//! calls to get the catalog in their own `SessionContext`.

use datafusion::common::Result;
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::{AggregateUDF, ScalarUDF, WindowUDF};
use std::sync::Arc;

/// Every scalar function of the catalog.
pub fn all_scalar_functions() -> Vec<Arc<ScalarUDF>> {
    Vec::new()
}

/// Every aggregate function of the catalog.
pub fn all_aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    Vec::new()
}

/// Every window function of the catalog.
pub fn all_window_functions() -> Vec<Arc<WindowUDF>> {
    Vec::new()
}

/// Registers the whole catalog. Table functions, which need a `SessionContext`
/// rather than a registry, are added by the domains that define them as they land.
pub fn register_all(registry: &mut dyn FunctionRegistry) -> Result<()> {
    for udf in all_scalar_functions() {
        registry.register_udf(udf)?;
    }
    for udaf in all_aggregate_functions() {
        registry.register_udaf(udaf)?;
    }
    for udwf in all_window_functions() {
        registry.register_udwf(udwf)?;
    }
    Ok(())
}
