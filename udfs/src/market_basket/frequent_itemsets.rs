//! `frequent_itemsets(input, items_column, options...)`: FP-growth frequent itemsets.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array};
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
    description = "Frequent itemsets by FP-growth with Spark MLlib FPGrowth's semantics: an \
itemset is frequent when it occurs in at least `ceil(min_support * n)` baskets, n being the \
number of non-NULL baskets. Returns `items` (a list of the item values, ascending), `freq` \
(number of baskets containing them) and `support` (freq / n). Duplicate items in a basket \
count once (Spark rejects them); NULL items are ignored and NULL baskets skipped.",
    syntax_example = "frequent_itemsets(input, 'items_column' [, 'min_support => 0.01', 'max_len => 3'])",
    sql_example = r#"```sql
> SELECT * FROM frequent_itemsets(
      'SELECT order_id, array_agg(product_id) AS items FROM transactions GROUP BY order_id',
      'items', 'min_support => 0.01') ORDER BY freq DESC;
```"#,
    argument(name = "input", description = "Table or view name, or a quoted query."),
    argument(
        name = "items_column",
        description = "A list column of integers or strings."
    ),
    argument(
        name = "options",
        description = "min_support in (0, 1] (default 0.3, as Spark), max_len (default: unlimited)."
    )
)]
#[derive(Debug, Default)]
pub struct FrequentItemsetsFunction;

pub const NAME: &str = "frequent_itemsets";

impl TableFunctionImpl for FrequentItemsetsFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let call = BasketCall::parse(NAME, &args)?;
        if call.options.get("min_confidence").is_some() {
            return plan_err!("{NAME}: min_confidence applies to association_rules");
        }

        let schema = Arc::new(Schema::new(vec![
            Field::new("items", call.kind.list_type(), false),
            Field::new("freq", DataType::Int64, false),
            Field::new("support", DataType::Float64, false),
        ]));
        let out_schema = Arc::clone(&schema);
        let (column, kind, min_support, max_len) =
            (call.column, call.kind, call.min_support, call.max_len);
        let compute = Arc::new(move |batches: Vec<RecordBatch>| {
            let baskets = baskets(&batches, column, kind)?;
            let n = baskets.transactions.len();
            let mut itemsets =
                fpgrowth_core::frequent_itemsets(&baskets.transactions, min_support, max_len)
                    .map_err(|e| fpgrowth_error(NAME, e))?;
            for set in &mut itemsets {
                sort_by_value(&baskets, &mut set.items);
            }
            let items = item_lists(&baskets, itemsets.iter().map(|s| s.items.as_slice()));
            let columns: Vec<ArrayRef> = vec![
                items,
                Arc::new(Int64Array::from_iter_values(
                    itemsets.iter().map(|s| s.count as i64),
                )),
                Arc::new(Float64Array::from_iter_values(
                    itemsets.iter().map(|s| s.count as f64 / n.max(1) as f64),
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

impl FrequentItemsetsFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
