//! `association_rules(input, items_column, options...)`: rules from FP-growth itemsets.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::baskets::{baskets, fpgrowth_error, item_lists, sort_by_value, BasketCall};
use super::fpgrowth_core;
use crate::table_function::DeferredTable;

#[user_doc(
    doc_section(label = "Market Basket Table Functions"),
    description = "Association rules `antecedent => consequent` (single-item consequent) from \
the FP-growth frequent itemsets, as Spark MLlib FPGrowth's `associationRules`: \
`confidence` = freq(antecedent ∪ consequent) / freq(antecedent), `lift` = confidence / \
support(consequent), `support` = freq(antecedent ∪ consequent) / n. Only rules with \
confidence >= `min_confidence` are returned.",
    syntax_example = "association_rules(input, 'items_column' [, 'min_support => 0.01, min_confidence => 0.5'])",
    sql_example = r#"```sql
> SELECT * FROM association_rules('baskets', 'items',
      'min_support => 0.01, min_confidence => 0.5') ORDER BY lift DESC;
```"#,
    argument(name = "input", description = "Table or view name, or a quoted query."),
    argument(
        name = "items_column",
        description = "A list column of integers or strings."
    ),
    argument(
        name = "options",
        description = "min_support in (0, 1] (default 0.3), min_confidence in [0, 1] (default 0.8, as Spark), max_len."
    )
)]
#[derive(Debug, Default)]
pub struct AssociationRulesFunction;

pub const NAME: &str = "association_rules";

impl TableFunctionImpl for AssociationRulesFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let call = BasketCall::parse(NAME, &args)?;
        let min_confidence = call.options.f64_or("min_confidence", 0.8)?;
        if !(0.0..=1.0).contains(&min_confidence) {
            return plan_err!("{NAME}: min_confidence must be in [0, 1], got {min_confidence}");
        }

        let schema = Arc::new(Schema::new(vec![
            Field::new("antecedent", call.kind.list_type(), false),
            Field::new("consequent", call.kind.list_type(), false),
            Field::new("confidence", DataType::Float64, false),
            Field::new("lift", DataType::Float64, false),
            Field::new("support", DataType::Float64, false),
        ]));
        let out_schema = Arc::clone(&schema);
        let (column, kind, min_support, max_len) =
            (call.column, call.kind, call.min_support, call.max_len);
        let compute = Arc::new(move |batches: Vec<RecordBatch>| {
            let baskets = baskets(&batches, column, kind)?;
            let n = baskets.transactions.len() as u64;
            let itemsets =
                fpgrowth_core::frequent_itemsets(&baskets.transactions, min_support, max_len)
                    .map_err(|e| fpgrowth_error(NAME, e))?;
            let mut rules = fpgrowth_core::association_rules(&itemsets, n, min_confidence)
                .map_err(|e| fpgrowth_error(NAME, e))?;
            for rule in &mut rules {
                sort_by_value(&baskets, &mut rule.antecedent);
            }
            let columns: Vec<ArrayRef> = vec![
                item_lists(&baskets, rules.iter().map(|r| r.antecedent.as_slice())),
                item_lists(&baskets, rules.iter().map(|r| r.consequent.as_slice())),
                Arc::new(Float64Array::from_iter_values(
                    rules.iter().map(|r| r.confidence),
                )),
                Arc::new(Float64Array::from_iter_values(rules.iter().map(|r| r.lift))),
                Arc::new(Float64Array::from_iter_values(
                    rules.iter().map(|r| r.support),
                )),
            ];
            Ok(vec![RecordBatch::try_new(
                Arc::clone(&out_schema),
                columns,
            )?])
        });
        Ok(Arc::new(DeferredTable::new(schema, call.input, compute)))
    }
}

impl AssociationRulesFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
