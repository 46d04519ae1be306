//! `association_rules(input, items_column, options...)`: rules from FP-growth itemsets.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::baskets::{
    baskets, fpgrowth_error, item_lists, items_column, sort_by_value, FPGROWTH_OPTIONS,
};
use super::fpgrowth_core;
use super::frequent_itemsets::mining_options;
use crate::table_function::{plan_input, string_arg, DeferredTable, Options};

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
        let exprs = args.exprs();
        if exprs.len() < 2 {
            return plan_err!(
                "association_rules expects (input, 'items_column' [, options]), got {} arguments",
                exprs.len()
            );
        }
        let input = plan_input(NAME, args.session(), &string_arg(NAME, 1, &exprs[0])?)?;
        let input_schema: SchemaRef = Arc::new(input.schema().as_arrow().clone());
        let (column, kind) = items_column(NAME, &exprs[1], &input_schema)?;
        let options = Options::parse(NAME, &exprs[2..], 3, FPGROWTH_OPTIONS)?;
        let (min_support, max_len) = mining_options(NAME, &options)?;
        let min_confidence = options.f64_or("min_confidence", 0.8)?;
        if !(0.0..=1.0).contains(&min_confidence) {
            return plan_err!("{NAME}: min_confidence must be in [0, 1], got {min_confidence}");
        }

        let schema = Arc::new(Schema::new(vec![
            Field::new("antecedent", kind.list_type(), false),
            Field::new("consequent", kind.list_type(), false),
            Field::new("confidence", DataType::Float64, false),
            Field::new("lift", DataType::Float64, false),
            Field::new("support", DataType::Float64, false),
        ]));
        let out_schema = Arc::clone(&schema);
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
        Ok(Arc::new(DeferredTable::new(schema, input, compute)))
    }
}

impl AssociationRulesFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
