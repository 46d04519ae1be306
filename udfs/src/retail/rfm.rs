//! `rfm(date, amount [, as_of])`: recency, frequency and monetary value of a group.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Float64Array, Int32Array, Int64Array, StructArray,
};
use datafusion::arrow::compute::{cast, max, sum};
use datafusion::arrow::datatypes::{DataType, Date32Type, Field, FieldRef, Fields, Float64Type};
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, Signature, TypeSignature, Volatility,
};
use datafusion_macros::user_doc;

#[user_doc(
    doc_section(label = "Retail Functions"),
    description = "Recency, frequency and monetary value (RFM) of a group of transactions, \
as a struct `{recency, frequency, monetary}`: `recency` is the number of days from the \
latest transaction date to `as_of` (default: the current UTC date), `frequency` the number \
of transactions with a date, `monetary` the sum of the amounts. Rows with a NULL date are \
ignored; NULL amounts count as transactions but add nothing to `monetary`. Replaces the \
usual `datediff(current_date(), max(date)), count(*), sum(amount)` triple (seed scenario 1).",
    syntax_example = "rfm(date, amount [, as_of])",
    sql_example = r#"```sql
> SELECT customer_id, rfm(transaction_date, amount, DATE '2026-01-01') AS r
  FROM transactions GROUP BY customer_id;
+-------------+---------------------------------------------------+
| customer_id | r                                                 |
+-------------+---------------------------------------------------+
| 1           | {recency: 12, frequency: 7, monetary: 412.5}      |
+-------------+---------------------------------------------------+
> SELECT r.recency, r.frequency, r.monetary FROM (SELECT rfm(d, a) AS r FROM t);
```"#,
    argument(
        name = "date",
        description = "Transaction date: DATE or TIMESTAMP (timestamps count by their calendar date)."
    ),
    argument(name = "amount", description = "Transaction amount, any numeric type."),
    argument(
        name = "as_of",
        description = "Optional reference DATE for recency; must be the same for every row of a group."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Rfm {
    signature: Signature,
}

impl Default for Rfm {
    fn default() -> Self {
        Self::new()
    }
}

impl Rfm {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Stable),
        }
    }

    fn result_fields() -> Fields {
        Fields::from(vec![
            Field::new("recency", DataType::Int32, true),
            Field::new("frequency", DataType::Int64, false),
            Field::new("monetary", DataType::Float64, true),
        ])
    }
}

fn is_date_like(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _) | DataType::Null
    )
}

impl AggregateUDFImpl for Rfm {
    fn name(&self) -> &str {
        "rfm"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if !(2..=3).contains(&arg_types.len()) {
            return plan_err!(
                "rfm expects 2 or 3 arguments (date, amount [, as_of]), got {}",
                arg_types.len()
            );
        }
        if !is_date_like(&arg_types[0]) {
            return plan_err!(
                "rfm: date must be a DATE or TIMESTAMP, got {}",
                arg_types[0]
            );
        }
        if !(arg_types[1].is_numeric() || arg_types[1] == DataType::Null) {
            return plan_err!("rfm: amount must be numeric, got {}", arg_types[1]);
        }
        let mut coerced = vec![DataType::Date32, DataType::Float64];
        if let Some(as_of) = arg_types.get(2) {
            if !is_date_like(as_of) {
                return plan_err!("rfm: as_of must be a DATE or TIMESTAMP, got {as_of}");
            }
            coerced.push(DataType::Date32);
        }
        Ok(coerced)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(Self::result_fields()))
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        if args.is_distinct {
            return plan_err!("rfm(DISTINCT ...) is not supported");
        }
        Ok(Box::new(RfmAccumulator::new(today_days())))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new(
                format!("{}[max_date]", args.name),
                DataType::Date32,
                true,
            )),
            Arc::new(Field::new(
                format!("{}[count]", args.name),
                DataType::Int64,
                true,
            )),
            Arc::new(Field::new(
                format!("{}[sum]", args.name),
                DataType::Float64,
                true,
            )),
            Arc::new(Field::new(
                format!("{}[as_of]", args.name),
                DataType::Date32,
                true,
            )),
        ])
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

/// Days since the Unix epoch of today's UTC date.
fn today_days() -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (Utc::now().date_naive() - epoch).num_days() as i32
}

#[derive(Debug)]
struct RfmAccumulator {
    max_date: Option<i32>,
    count: i64,
    sum: Option<f64>,
    as_of: Option<i32>,
    default_as_of: i32,
}

impl RfmAccumulator {
    fn new(default_as_of: i32) -> Self {
        Self {
            max_date: None,
            count: 0,
            sum: None,
            as_of: None,
            default_as_of,
        }
    }

    fn merge_as_of(&mut self, as_of: Option<i32>) -> Result<()> {
        match (self.as_of, as_of) {
            (Some(a), Some(b)) if a != b => exec_err!(
                "rfm: as_of must be the same for every row of a group (saw {} and {})",
                date_string(a),
                date_string(b)
            ),
            (None, Some(b)) => {
                self.as_of = Some(b);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn add_sum(&mut self, value: Option<f64>) {
        if let Some(v) = value {
            self.sum = Some(self.sum.unwrap_or(0.0) + v);
        }
    }

    fn update_max(&mut self, value: Option<i32>) {
        if let Some(v) = value {
            self.max_date = Some(self.max_date.map_or(v, |m| m.max(v)));
        }
    }
}

fn date_string(days: i32) -> String {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|e| e.checked_add_signed(chrono::Duration::days(days as i64)))
        .map(|d| d.to_string())
        .unwrap_or_else(|| days.to_string())
}

/// Distinct non-null value of a constant-per-group column, or an error.
fn single_date(array: &Date32Array) -> Result<Option<i32>> {
    let mut found: Option<i32> = None;
    for v in array.iter().flatten() {
        match found {
            Some(f) if f != v => {
                return exec_err!(
                    "rfm: as_of must be the same for every row of a group (saw {} and {})",
                    date_string(f),
                    date_string(v)
                )
            }
            _ => found = Some(v),
        }
    }
    Ok(found)
}

impl Accumulator for RfmAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let dates = cast(&values[0], &DataType::Date32)?;
        let dates = dates.as_primitive::<Date32Type>();
        let amounts = values[1].as_primitive::<Float64Type>();
        // Only rows with a date count; their amounts feed monetary.
        let counted = if dates.null_count() == 0 {
            amounts.clone()
        } else {
            let filtered = datafusion::arrow::compute::filter(
                amounts,
                &datafusion::arrow::compute::is_not_null(dates)?,
            )?;
            filtered.as_primitive::<Float64Type>().clone()
        };
        self.count += (dates.len() - dates.null_count()) as i64;
        self.add_sum(sum(&counted));
        self.update_max(max(dates));
        if let Some(as_of) = values.get(2) {
            let as_of = cast(as_of, &DataType::Date32)?;
            self.merge_as_of(single_date(as_of.as_primitive::<Date32Type>())?)?;
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let max_dates = states[0].as_primitive::<Date32Type>();
        let counts = states[1].as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        let sums = states[2].as_primitive::<Float64Type>();
        self.update_max(max(max_dates));
        self.count += sum(counts).unwrap_or(0);
        self.add_sum(sum(sums));
        self.merge_as_of(single_date(states[3].as_primitive::<Date32Type>())?)?;
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            ScalarValue::Date32(self.max_date),
            ScalarValue::Int64(Some(self.count)),
            ScalarValue::Float64(self.sum),
            ScalarValue::Date32(self.as_of),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let as_of = self.as_of.unwrap_or(self.default_as_of);
        let recency = self.max_date.map(|d| as_of - d);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from(vec![recency])),
            Arc::new(Int64Array::from(vec![self.count])),
            Arc::new(Float64Array::from(vec![self.sum])),
        ];
        let array = StructArray::try_new(Rfm::result_fields(), columns, None)?;
        Ok(ScalarValue::Struct(Arc::new(array)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(y: i32, m: u32, d: u32) -> i32 {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        (NaiveDate::from_ymd_opt(y, m, d).unwrap() - epoch).num_days() as i32
    }

    fn fields(value: ScalarValue) -> (Option<i32>, i64, Option<f64>) {
        let ScalarValue::Struct(s) = value else {
            panic!("expected struct")
        };
        let r = s
            .column(0)
            .as_primitive::<datafusion::arrow::datatypes::Int32Type>();
        let f = s
            .column(1)
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        let m = s.column(2).as_primitive::<Float64Type>();
        (
            r.is_valid(0).then(|| r.value(0)),
            f.value(0),
            m.is_valid(0).then(|| m.value(0)),
        )
    }

    #[test]
    fn update_merge_and_nulls() -> Result<()> {
        let as_of = days(2025, 12, 31);
        let mut a = RfmAccumulator::new(0);
        a.update_batch(&[
            Arc::new(Date32Array::from(vec![
                Some(days(2025, 12, 1)),
                None,
                Some(days(2025, 12, 21)),
            ])),
            Arc::new(Float64Array::from(vec![Some(10.0), Some(99.0), None])),
            Arc::new(Date32Array::from(vec![as_of, as_of, as_of])),
        ])?;
        let mut b = RfmAccumulator::new(0);
        b.update_batch(&[
            Arc::new(Date32Array::from(vec![Some(days(2025, 11, 1))])),
            Arc::new(Float64Array::from(vec![Some(5.5)])),
            Arc::new(Date32Array::from(vec![as_of])),
        ])?;
        let state: Vec<ArrayRef> = b
            .state()?
            .iter()
            .map(|s| s.to_array())
            .collect::<Result<_>>()?;
        a.merge_batch(&state)?;
        // The NULL-date row (amount 99) is ignored; the NULL amount still counts.
        assert_eq!(fields(a.evaluate()?), (Some(10), 3, Some(15.5)));
        Ok(())
    }

    #[test]
    fn empty_group_and_default_as_of() -> Result<()> {
        let mut a = RfmAccumulator::new(days(2026, 1, 1));
        assert_eq!(fields(a.evaluate()?), (None, 0, None));
        a.update_batch(&[
            Arc::new(Date32Array::from(vec![Some(days(2025, 12, 31))])),
            Arc::new(Float64Array::from(vec![Some(1.0)])),
        ])?;
        assert_eq!(fields(a.evaluate()?), (Some(1), 1, Some(1.0)));
        Ok(())
    }

    #[test]
    fn conflicting_as_of_is_an_error() {
        let mut a = RfmAccumulator::new(0);
        let result = a.update_batch(&[
            Arc::new(Date32Array::from(vec![Some(1), Some(2)])),
            Arc::new(Float64Array::from(vec![Some(1.0), Some(2.0)])),
            Arc::new(Date32Array::from(vec![10, 11])),
        ]);
        assert!(result.is_err());
    }

    #[test]
    fn coercion_rejects_bad_types() {
        let rfm = Rfm::new();
        assert!(rfm
            .coerce_types(&[DataType::Utf8, DataType::Float64])
            .is_err());
        assert!(rfm
            .coerce_types(&[DataType::Date32, DataType::Utf8])
            .is_err());
        assert!(rfm.coerce_types(&[DataType::Date32]).is_err());
        assert_eq!(
            rfm.coerce_types(&[DataType::Date32, DataType::Int64]).ok(),
            Some(vec![DataType::Date32, DataType::Float64])
        );
    }
}
