//! Columns the Postgres encoder (arrow-pg) has no type for (maps, lists of lists,
//! 256-bit decimals, structs holding those) are sent as text instead of failing the
//! query: a projection formats them with Arrow's display, as the shell prints them.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, Expr, LogicalPlan, LogicalPlanBuilder, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Volatility,
};
use datafusion_postgres::arrow_pg::datatypes::into_pg_type;

use crate::display::array_as_text;

/// Whether arrow-pg can send a column of this type.
pub fn encodable(data_type: &DataType) -> bool {
    match data_type {
        DataType::Struct(fields) => fields.iter().all(|f| encodable(f.data_type())),
        other => into_pg_type(other).is_ok(),
    }
}

/// `plan` with its unencodable output columns formatted as text (unchanged when there
/// are none, and for statements without rows).
pub fn text_for_unencodable(plan: LogicalPlan) -> Result<LogicalPlan> {
    if matches!(plan, LogicalPlan::Ddl(_) | LogicalPlan::Dml(_))
        || plan
            .schema()
            .fields()
            .iter()
            .all(|f| encodable(f.data_type()))
    {
        return Ok(plan);
    }
    let as_text = Arc::new(ScalarUDF::from(AsText::new()));
    let columns: Vec<Expr> = plan
        .schema()
        .iter()
        .map(|(qualifier, field)| {
            let column = Expr::Column(datafusion::common::Column::new(
                qualifier.cloned(),
                field.name(),
            ));
            if encodable(field.data_type()) {
                column
            } else {
                as_text.call(vec![column]).alias(field.name())
            }
        })
        .collect();
    LogicalPlanBuilder::from(plan).project(columns)?.build()
}

/// Any value as text, with Arrow's display (what the shell prints).
#[derive(Debug, PartialEq, Eq, Hash)]
struct AsText {
    signature: Signature,
}

impl AsText {
    fn new() -> Self {
        Self {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for AsText {
    fn name(&self) -> &str {
        "ignis_as_text"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value] = args.args.as_slice() else {
            return exec_err!("ignis_as_text takes one argument");
        };
        let array = value.to_array(args.number_rows)?;
        Ok(ColumnarValue::Array(array_as_text(array.as_ref())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::SessionContext;

    #[tokio::test]
    async fn maps_and_nested_lists_become_text() {
        let ctx = SessionContext::new();
        let frame = ctx
            .sql("SELECT 1 AS n, map(['a'], [1]) AS m, make_array(make_array(1, 2), NULL) AS l, CAST(NULL AS INT) AS z")
            .await
            .unwrap();
        let plan = text_for_unencodable(frame.logical_plan().clone()).unwrap();
        let types: Vec<DataType> = plan
            .schema()
            .fields()
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        assert_eq!(types[1], DataType::Utf8);
        assert_eq!(types[2], DataType::Utf8);
        assert_eq!(types[0], DataType::Int64);
        let names: Vec<&str> = plan
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        assert_eq!(names, ["n", "m", "l", "z"]);
        let batches = ctx
            .execute_logical_plan(plan)
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string();
        assert!(text.contains("{a: 1}"), "{text}");
        assert!(text.contains("[[1, 2], ]"), "{text}");
    }

    #[test]
    fn encodable_types() {
        assert!(encodable(&DataType::Int64));
        assert!(encodable(&DataType::new_list(DataType::Utf8, true)));
        assert!(!encodable(&DataType::new_list(
            DataType::new_list(DataType::Int64, true),
            true
        )));
    }
}
