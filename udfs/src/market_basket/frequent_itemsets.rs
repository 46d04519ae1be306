//! `frequent_itemsets(input, items_column, options...)`: FP-growth frequent itemsets.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array};
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
use crate::table_function::{plan_input, string_arg, DeferredTable, Options};

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

/// min_support and max_len, validated.
pub(crate) fn mining_options(function: &str, options: &Options) -> Result<(f64, Option<usize>)> {
    let min_support = options.f64_or("min_support", 0.3)?;
    if !(min_support > 0.0 && min_support <= 1.0) {
        return plan_err!("{function}: min_support must be in (0, 1], got {min_support}");
    }
    let max_len = match options.get("max_len") {
        None => None,
        Some(_) => match options.usize_or("max_len", 0)? {
            0 => return plan_err!("{function}: max_len must be at least 1"),
            n => Some(n),
        },
    };
    Ok((min_support, max_len))
}

impl TableFunctionImpl for FrequentItemsetsFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let exprs = args.exprs();
        if exprs.len() < 2 {
            return plan_err!(
                "frequent_itemsets expects (input, 'items_column' [, options]), got {} arguments",
                exprs.len()
            );
        }
        let input = plan_input(NAME, args.session(), &string_arg(NAME, 1, &exprs[0])?)?;
        let input_schema: SchemaRef = Arc::new(input.schema().as_arrow().clone());
        let (column, kind) = items_column(NAME, &exprs[1], &input_schema)?;
        let options = Options::parse(NAME, &exprs[2..], 3, FPGROWTH_OPTIONS)?;
        if options.get("min_confidence").is_some() {
            return plan_err!("{NAME}: min_confidence applies to association_rules");
        }
        let (min_support, max_len) = mining_options(NAME, &options)?;

        let schema = Arc::new(Schema::new(vec![
            Field::new("items", kind.list_type(), false),
            Field::new("freq", DataType::Int64, false),
            Field::new("support", DataType::Float64, false),
        ]));
        let out_schema = Arc::clone(&schema);
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
        Ok(Arc::new(DeferredTable::new(schema, input, compute)))
    }
}

impl FrequentItemsetsFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
