//! Baskets for the market-basket table functions: a list column of items (integers or
//! strings), mapped to dense ids for FP-growth and back to values for the output.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Int64Builder, ListBuilder, StringBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{plan_err, DataFusionError, Result};
use datafusion::logical_expr::Expr;

use datafusion::catalog::TableFunctionArgs;
use datafusion::logical_expr::LogicalPlan;

use super::fpgrowth_core::FpGrowthError;
use crate::table_function::{call_input, string_arg, Options};

/// A parsed call of a market-basket table function: `(input, 'items', options...)`.
pub struct BasketCall {
    pub input: LogicalPlan,
    pub column: usize,
    pub kind: ItemKind,
    pub options: Options,
    pub min_support: f64,
    pub max_len: Option<usize>,
}

impl BasketCall {
    pub fn parse(function: &str, args: &TableFunctionArgs) -> Result<Self> {
        let (input, input_schema, exprs) =
            call_input(function, args, 2, "(input, 'items_column' [, options])")?;
        let (column, kind) = items_column(function, &exprs[1], &input_schema)?;
        let options = Options::parse(function, &exprs[2..], 3, FPGROWTH_OPTIONS)?;
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
        Ok(Self {
            input,
            column,
            kind,
            options,
            min_support,
            max_len,
        })
    }
}

/// Options shared by the market-basket functions (Spark MLlib FPGrowth's parameters).
pub const FPGROWTH_OPTIONS: &[&str] = &["min_support", "min_confidence", "max_len"];

/// The kind of item values, which is also the element type of the output lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Integer,
    Text,
}

impl ItemKind {
    pub fn list_type(self) -> DataType {
        let item = match self {
            ItemKind::Integer => DataType::Int64,
            ItemKind::Text => DataType::Utf8,
        };
        DataType::List(Arc::new(Field::new("item", item, true)))
    }
}

/// The index of the items column and the kind of its items.
pub fn items_column(function: &str, arg: &Expr, schema: &Schema) -> Result<(usize, ItemKind)> {
    let name = string_arg(function, 2, arg)?;
    let name = name.trim();
    let index = schema
        .fields()
        .iter()
        .position(|f| f.name().eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            DataFusionError::Plan(format!("{function}: no column '{name}' in the input"))
        })?;
    let element = match schema.field(index).data_type() {
        DataType::List(f) | DataType::LargeList(f) | DataType::ListView(f) => f.data_type().clone(),
        other => {
            return plan_err!(
                "{function}: '{name}' must be a list of items (e.g. array_agg(product_id)), got {other}"
            )
        }
    };
    let kind = if element.is_integer() {
        ItemKind::Integer
    } else if matches!(
        element,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    ) {
        ItemKind::Text
    } else {
        return plan_err!("{function}: items must be integers or strings, got {element}");
    };
    Ok((index, kind))
}

/// Item values and the baskets as dense ids. NULL lists are skipped; NULL items
/// inside a list are ignored.
pub struct Baskets {
    pub transactions: Vec<Vec<u32>>,
    pub integers: Vec<i64>,
    pub texts: Vec<String>,
    pub kind: ItemKind,
    pub skipped_null_lists: usize,
}

pub fn baskets(batches: &[RecordBatch], column: usize, kind: ItemKind) -> Result<Baskets> {
    let mut result = Baskets {
        transactions: Vec::new(),
        integers: Vec::new(),
        texts: Vec::new(),
        kind,
        skipped_null_lists: 0,
    };
    let mut int_ids: HashMap<i64, u32> = HashMap::new();
    let mut text_ids: HashMap<String, u32> = HashMap::new();
    for batch in batches {
        let target = kind.list_type();
        let lists = cast(batch.column(column), &target)?;
        let lists = lists.as_list::<i32>();
        let values = lists.values();
        for row in 0..lists.len() {
            if lists.is_null(row) {
                result.skipped_null_lists += 1;
                continue;
            }
            let offsets = lists.value_offsets();
            let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
            let mut basket = Vec::with_capacity(end - start);
            match kind {
                ItemKind::Integer => {
                    let ints = values.as_primitive::<Int64Type>();
                    for i in start..end {
                        if ints.is_valid(i) {
                            let next = result.integers.len() as u32;
                            let id = *int_ids.entry(ints.value(i)).or_insert_with(|| {
                                result.integers.push(ints.value(i));
                                next
                            });
                            basket.push(id);
                        }
                    }
                }
                ItemKind::Text => {
                    let strings = values.as_string::<i32>();
                    for i in start..end {
                        if strings.is_valid(i) {
                            let value = strings.value(i);
                            let id = match text_ids.get(value) {
                                Some(id) => *id,
                                None => {
                                    let id = result.texts.len() as u32;
                                    result.texts.push(value.to_string());
                                    text_ids.insert(value.to_string(), id);
                                    id
                                }
                            };
                            basket.push(id);
                        }
                    }
                }
            }
            result.transactions.push(basket);
        }
    }
    Ok(result)
}

/// A list array of item sets, each given as ids, in the input's item kind.
pub fn item_lists<'a>(baskets: &Baskets, sets: impl Iterator<Item = &'a [u32]>) -> ArrayRef {
    match baskets.kind {
        ItemKind::Integer => {
            let mut builder = ListBuilder::new(Int64Builder::new());
            for set in sets {
                for id in set {
                    builder
                        .values()
                        .append_value(baskets.integers[*id as usize]);
                }
                builder.append(true);
            }
            Arc::new(builder.finish())
        }
        ItemKind::Text => {
            let mut builder = ListBuilder::new(StringBuilder::new());
            for set in sets {
                for id in set {
                    builder.values().append_value(&baskets.texts[*id as usize]);
                }
                builder.append(true);
            }
            Arc::new(builder.finish())
        }
    }
}

/// Items of each output set sorted by value (ids follow first appearance).
pub fn sort_by_value(baskets: &Baskets, ids: &mut [u32]) {
    match baskets.kind {
        ItemKind::Integer => ids.sort_by_key(|id| baskets.integers[*id as usize]),
        ItemKind::Text => {
            ids.sort_by(|a, b| baskets.texts[*a as usize].cmp(&baskets.texts[*b as usize]))
        }
    }
}

pub fn fpgrowth_error(function: &str, e: FpGrowthError) -> DataFusionError {
    DataFusionError::Execution(format!("{function}: {e}"))
}
