//! `pct_change(value [, periods]) OVER (...)`: percentage change from `periods` rows
//! earlier in the window's order (pandas' `pct_change` times 100).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Float64Array};
use datafusion::arrow::buffer::{BooleanBuffer, NullBuffer, ScalarBuffer};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::expr::WindowFunction;
use datafusion::logical_expr::function::{
    PartitionEvaluatorArgs, WindowFunctionSimplification, WindowUDFFieldArgs,
};
use datafusion::logical_expr::{
    Documentation, Expr, PartitionEvaluator, Signature, TypeSignature, Volatility, WindowUDFImpl,
};
use datafusion::physical_expr::expressions::Literal;
use datafusion_macros::user_doc;

use super::{coerce_numeric, float64_argument};

#[user_doc(
    doc_section(label = "Time Series Functions"),
    description = "Percentage change of `value` from the row `periods` rows earlier in the \
window's `ORDER BY` order within its partition: `(value - lag) / lag * 100` with \
`lag = lag(value, periods)`. NULL for the first `periods` rows of a partition and when the \
value or the lagged value is NULL or the lagged value is 0 (Spark scripts write \
`when(prev != 0, ...).otherwise(0)`: wrap it in `COALESCE(..., 0)`). The window frame is \
ignored; without `ORDER BY` the input order is used, which is not deterministic.",
    syntax_example = "pct_change(value [, periods]) OVER ([PARTITION BY ...] ORDER BY ...)",
    sql_example = r#"```sql
> SELECT ts, value, pct_change(value) OVER (PARTITION BY series_id ORDER BY ts) AS pct
  FROM series;
> SELECT v, pct_change(v, 2) OVER (ORDER BY i) FROM (VALUES (1, 10.0), (2, 20.0), (3, 15.0)) t(i, v);
```"#,
    argument(
        name = "value",
        description = "Numeric expression (computed as Float64)."
    ),
    argument(
        name = "periods",
        description = "Optional positive integer literal: how many rows back the reference value is (default 1)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PctChange {
    signature: Signature,
}

impl Default for PctChange {
    fn default() -> Self {
        Self::new()
    }
}

impl PctChange {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Immutable),
        }
    }
}

/// The number of periods from a literal argument.
fn periods_from(value: Option<&ScalarValue>) -> Result<usize> {
    let Some(value) = value else {
        return plan_err!("pct_change: periods must be a positive integer literal such as 1");
    };
    let periods = match value {
        ScalarValue::Int8(Some(v)) => i64::from(*v),
        ScalarValue::Int16(Some(v)) => i64::from(*v),
        ScalarValue::Int32(Some(v)) => i64::from(*v),
        ScalarValue::Int64(Some(v)) => *v,
        ScalarValue::UInt8(Some(v)) => i64::from(*v),
        ScalarValue::UInt16(Some(v)) => i64::from(*v),
        ScalarValue::UInt32(Some(v)) => i64::from(*v),
        ScalarValue::UInt64(Some(v)) => i64::try_from(*v).unwrap_or(i64::MAX),
        other => return plan_err!("pct_change: periods must be a positive integer, got {other}"),
    };
    if periods < 1 {
        return plan_err!("pct_change: periods must be a positive integer, got {periods}");
    }
    Ok(usize::try_from(periods).unwrap_or(usize::MAX))
}

impl WindowUDFImpl for PctChange {
    fn name(&self) -> &str {
        "pct_change"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [value] => Ok(vec![coerce_numeric("pct_change", "value", value)?]),
            [value, periods] => {
                if !periods.is_integer() {
                    return plan_err!(
                        "pct_change: periods must be a positive integer literal, got {periods}"
                    );
                }
                Ok(vec![
                    coerce_numeric("pct_change", "value", value)?,
                    DataType::Int64,
                ])
            }
            _ => plan_err!(
                "pct_change expects pct_change(value [, periods]), got {} arguments",
                arg_types.len()
            ),
        }
    }

    /// Checks `periods` at plan time (the evaluator checks it again at run time).
    fn simplify(&self) -> Option<WindowFunctionSimplification> {
        Some(Box::new(|function: WindowFunction, _| {
            if let Some(arg) = function.params.args.get(1) {
                match arg {
                    Expr::Literal(value, _) => {
                        periods_from(Some(value))?;
                    }
                    _ => {
                        periods_from(None)?;
                    }
                }
            }
            Ok(Expr::WindowFunction(Box::new(function)))
        }))
    }

    fn partition_evaluator(
        &self,
        args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        let periods = match args.input_exprs().get(1) {
            None => 1,
            Some(expr) => periods_from(expr.downcast_ref::<Literal>().map(|l| l.value()))?,
        };
        Ok(Box::new(PctChangeEvaluator { periods }))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new(
            field_args.name(),
            DataType::Float64,
            true,
        )))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[derive(Debug)]
struct PctChangeEvaluator {
    periods: usize,
}

/// Percentage changes of `values` over `periods` rows.
fn pct_change(values: &Float64Array, periods: usize) -> Float64Array {
    let n = values.len();
    let x = values.values();
    let mut out = vec![0.0f64; n];
    let mut valid = vec![false; n];
    for i in periods.min(n)..n {
        let j = i - periods;
        if values.is_valid(i) && values.is_valid(j) && x[j] != 0.0 {
            out[i] = (x[i] - x[j]) / x[j] * 100.0;
            valid[i] = true;
        }
    }
    let nulls = NullBuffer::new(BooleanBuffer::from(valid));
    Float64Array::new(ScalarBuffer::from(out), Some(nulls))
}

impl PartitionEvaluator for PctChangeEvaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let x = float64_argument("pct_change", values)?;
        if x.len() != num_rows {
            return exec_err!("pct_change: {} values for {num_rows} rows", x.len());
        }
        Ok(Arc::new(pct_change(x, self.periods)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::Float64Type;
    use datafusion::logical_expr::WindowUDF;
    use datafusion::prelude::SessionContext;

    #[test]
    fn changes_nulls_and_zeros() {
        let v = Float64Array::from(vec![
            Some(10.0),
            Some(20.0),
            Some(15.0),
            None,
            Some(0.0),
            Some(5.0),
            Some(-5.0),
            Some(5.0),
        ]);
        let out: Vec<Option<f64>> = pct_change(&v, 1).iter().collect();
        assert_eq!(
            out,
            vec![
                None,
                Some(100.0),
                Some(-25.0),
                None, // value NULL
                None, // lag NULL
                None, // lag 0
                Some(-200.0),
                Some(-200.0), // negative lag: (5 - -5) / -5
            ]
        );
        let out: Vec<Option<f64>> = pct_change(&v, 2).iter().collect();
        assert_eq!(out[..3], [None, None, Some(50.0)]);
        // Periods beyond the partition and empty input.
        assert_eq!(pct_change(&v, 100).null_count(), v.len());
        assert_eq!(
            pct_change(&Float64Array::from(Vec::<f64>::new()), 1).len(),
            0
        );
    }

    #[test]
    fn periods_validation() {
        assert_eq!(periods_from(Some(&ScalarValue::Int64(Some(3)))).unwrap(), 3);
        assert!(periods_from(Some(&ScalarValue::Int64(Some(0)))).is_err());
        assert!(periods_from(Some(&ScalarValue::Int64(Some(-1)))).is_err());
        assert!(periods_from(Some(&ScalarValue::Int64(None))).is_err());
        assert!(periods_from(None).is_err());
        let p = PctChange::new();
        assert!(p
            .coerce_types(&[DataType::Int32, DataType::Float64])
            .is_err());
        assert!(p.coerce_types(&[DataType::Utf8]).is_err());
        assert_eq!(
            p.coerce_types(&[DataType::Int32, DataType::Int32]).unwrap(),
            vec![DataType::Float64, DataType::Int64]
        );
    }

    #[tokio::test]
    async fn from_sql_per_partition() {
        let ctx = SessionContext::new();
        ctx.register_udwf(WindowUDF::new_from_impl(PctChange::new()));
        let df = ctx
            .sql(
                "SELECT g, i, pct_change(v) OVER (PARTITION BY g ORDER BY i) AS p1, \
                 pct_change(v, 2) OVER (PARTITION BY g ORDER BY i) AS p2 \
                 FROM (VALUES ('a', 1, 10), ('a', 2, 20), ('a', 3, 30), ('b', 1, 4), ('b', 2, 5)) t(g, i, v) \
                 ORDER BY g, i",
            )
            .await
            .unwrap();
        let batches = df.collect().await.unwrap();
        let batch =
            datafusion::arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
        let p1: Vec<Option<f64>> = batch
            .column(2)
            .as_primitive::<Float64Type>()
            .iter()
            .collect();
        let p2: Vec<Option<f64>> = batch
            .column(3)
            .as_primitive::<Float64Type>()
            .iter()
            .collect();
        assert_eq!(p1, vec![None, Some(100.0), Some(50.0), None, Some(25.0)]);
        assert_eq!(p2, vec![None, None, Some(200.0), None, None]);
        let result = match ctx
            .sql("SELECT pct_change(v, 0) OVER (ORDER BY v) FROM (VALUES (1)) t(v)")
            .await
        {
            Ok(df) => df.collect().await.map(|_| ()),
            Err(e) => Err(e),
        };
        let err = result.unwrap_err();
        assert!(err.to_string().contains("positive integer"), "{err}");
    }
}
