//! The Ignis function catalog: analytics functions for DataFusion, one module per
//! domain, one file per function. [`register_all`] adds every function to a
//! registry; it is what each Ignis front door calls, and what any DataFusion user
//! calls to get the catalog in their own `SessionContext`.

pub mod clustering;
pub mod data_roots;
pub mod etl;
pub mod forecast;
pub mod graph;
pub mod market_basket;
pub mod quality;
pub mod retail;
pub mod table_function;
pub mod text;
pub mod timeseries;

use datafusion::catalog::TableFunctionImpl;
use datafusion::common::Result;
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::{AggregateUDF, Documentation, ScalarUDF, WindowUDF};
use datafusion::prelude::SessionContext;
use std::sync::Arc;

/// Every scalar function of the catalog.
pub fn all_scalar_functions() -> Vec<Arc<ScalarUDF>> {
    let mut functions = retail::scalar_functions();
    functions.extend(timeseries::scalar_functions());
    functions.extend(text::scalar_functions());
    functions
}

/// Every aggregate function of the catalog.
pub fn all_aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    retail::aggregate_functions()
}

/// Every window function of the catalog.
pub fn all_window_functions() -> Vec<Arc<WindowUDF>> {
    timeseries::window_functions()
}

/// Every table function of the catalog, by name.
pub fn all_table_functions() -> Vec<(&'static str, Arc<dyn TableFunctionImpl>)> {
    let mut functions = clustering::table_functions();
    functions.extend(market_basket::table_functions());
    functions.extend(graph::table_functions());
    functions.extend(quality::table_functions());
    functions.extend(etl::table_functions());
    functions.extend(forecast::table_functions());
    functions.extend(text::table_functions());
    functions
}

/// The documentation of every catalog function, as (name, documentation), sorted by
/// section then name: the source of the SQL function reference (`ignis functions`).
pub fn all_documentation() -> Vec<(String, Documentation)> {
    let mut docs: Vec<(String, Documentation)> = Vec::new();
    for udf in all_scalar_functions() {
        if let Some(doc) = udf.documentation() {
            docs.push((udf.name().to_string(), doc.clone()));
        }
    }
    for udaf in all_aggregate_functions() {
        if let Some(doc) = udaf.documentation() {
            docs.push((udaf.name().to_string(), doc.clone()));
        }
    }
    for udwf in all_window_functions() {
        if let Some(doc) = udwf.documentation() {
            docs.push((udwf.name().to_string(), doc.clone()));
        }
    }
    docs.extend(clustering::table_function_docs());
    docs.extend(market_basket::table_function_docs());
    docs.extend(graph::table_function_docs());
    docs.extend(quality::table_function_docs());
    docs.extend(etl::table_function_docs());
    docs.extend(forecast::table_function_docs());
    docs.extend(text::table_function_docs());
    docs.sort_by(|a, b| (a.1.doc_section.label, &a.0).cmp(&(b.1.doc_section.label, &b.0)));
    docs
}

/// Registers the catalog's table functions, which live on a `SessionContext` rather
/// than a `FunctionRegistry`.
pub fn register_table_functions(ctx: &SessionContext) {
    for (name, function) in all_table_functions() {
        ctx.register_udtf(name, function);
    }
}

/// Registers the scalar, aggregate and window functions of the catalog (table
/// functions: [`register_table_functions`]).
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
