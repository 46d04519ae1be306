//! Market basket analysis: FP-growth frequent itemsets and association rules with Spark
//! MLlib FPGrowth's semantics (seed scenario 4), as table functions.

pub mod association_rules;
pub mod baskets;
pub mod fpgrowth_core;
pub mod frequent_itemsets;

use std::sync::Arc;

use datafusion::catalog::TableFunctionImpl;
use datafusion::logical_expr::Documentation;

/// The market-basket table functions by name.
pub fn table_functions() -> Vec<(&'static str, Arc<dyn TableFunctionImpl>)> {
    vec![
        (
            frequent_itemsets::NAME,
            Arc::new(frequent_itemsets::FrequentItemsetsFunction),
        ),
        (
            association_rules::NAME,
            Arc::new(association_rules::AssociationRulesFunction),
        ),
    ]
}

/// Documentation of the market-basket table functions.
pub fn table_function_docs() -> Vec<(String, Documentation)> {
    [
        (
            frequent_itemsets::NAME,
            frequent_itemsets::FrequentItemsetsFunction.documentation(),
        ),
        (
            association_rules::NAME,
            association_rules::AssociationRulesFunction.documentation(),
        ),
    ]
    .into_iter()
    .filter_map(|(name, doc)| doc.map(|d| (name.to_string(), d.clone())))
    .collect()
}
