//! `rfm_segment(r_score, f_score [, m_score])`: the named RFM segment of 1–5 scores.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion_macros::user_doc;

#[user_doc(
    doc_section(label = "Retail Functions"),
    description = "Named customer segment from RFM scores on a 1–5 scale (5 = most recent / \
most frequent / highest spend), using the widely used R×F segment map: \
Champions (R 5, F 4–5), Loyal Customers (R 3–4, F 4–5), Potential Loyalists (R 4–5, F 2–3), \
New Customers (R 5, F 1), Promising (R 4, F 1), Need Attention (R 3, F 3), \
About To Sleep (R 3, F 1–2), At Risk (R 1–2, F 3–4), Can't Lose Them (R 1–2, F 5), \
Hibernating (R 1–2, F 1–2). With three arguments the F used is the rounded mean of the \
F and M scores. Scores usually come from `ntile(5) OVER (ORDER BY recency DESC)` etc. \
NULL scores give NULL; scores outside 1–5 are an error.",
    syntax_example = "rfm_segment(r_score, f_score [, m_score])",
    sql_example = r#"```sql
> SELECT rfm_segment(5, 5), rfm_segment(1, 2), rfm_segment(2, 4, 5);
+-----------+-------------+-----------------+
| Champions | Hibernating | Can't Lose Them |
+-----------+-------------+-----------------+
```"#,
    argument(
        name = "r_score",
        description = "Recency score, 1 (oldest) to 5 (most recent)."
    ),
    argument(name = "f_score", description = "Frequency score, 1 to 5."),
    argument(name = "m_score", description = "Optional monetary score, 1 to 5.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RfmSegment {
    signature: Signature,
}

impl Default for RfmSegment {
    fn default() -> Self {
        Self::new()
    }
}

impl RfmSegment {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Immutable),
        }
    }
}

/// The segment of an (R, F) pair of 1–5 scores.
pub fn segment_name(r: i64, f: i64) -> &'static str {
    match (r, f) {
        (5, 4..=5) => "Champions",
        (3..=4, 4..=5) => "Loyal Customers",
        (4..=5, 2..=3) => "Potential Loyalists",
        (5, 1) => "New Customers",
        (4, 1) => "Promising",
        (3, 3) => "Need Attention",
        (3, 1..=2) => "About To Sleep",
        (1..=2, 5) => "Can't Lose Them",
        (1..=2, 3..=4) => "At Risk",
        _ => "Hibernating",
    }
}

impl ScalarUDFImpl for RfmSegment {
    fn name(&self) -> &str {
        "rfm_segment"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if !(2..=3).contains(&arg_types.len()) {
            return plan_err!(
                "rfm_segment expects 2 or 3 scores (r, f [, m]), got {} arguments",
                arg_types.len()
            );
        }
        for t in arg_types {
            if !(t.is_integer() || *t == DataType::Null) {
                return plan_err!("rfm_segment: scores must be integers 1–5, got {t}");
            }
        }
        Ok(vec![DataType::Int64; arg_types.len()])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let arrays: Vec<ArrayRef> = args
            .args
            .iter()
            .map(|a| a.to_array(n).and_then(|a| Ok(cast(&a, &DataType::Int64)?)))
            .collect::<Result<_>>()?;
        let columns: Vec<_> = arrays
            .iter()
            .map(|a| a.as_primitive::<Int64Type>())
            .collect();
        let mut out = StringBuilder::with_capacity(n, n * 12);
        for row in 0..n {
            if columns.iter().any(|c| c.is_null(row)) {
                out.append_null();
                continue;
            }
            let scores: Vec<i64> = columns.iter().map(|c| c.value(row)).collect();
            if let Some(bad) = scores.iter().find(|s| !(1..=5).contains(*s)) {
                return exec_err!("rfm_segment: scores must be between 1 and 5, got {bad}");
            }
            let f = match scores.as_slice() {
                [_, f, m] => (f + m + 1) / 2,
                [_, f] => *f,
                _ => return exec_err!("rfm_segment expects 2 or 3 scores"),
            };
            out.append_value(segment_name(scores[0], f));
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_score_pair_has_a_segment() {
        let mut seen = std::collections::BTreeSet::new();
        for r in 1..=5 {
            for f in 1..=5 {
                seen.insert(segment_name(r, f));
            }
        }
        assert_eq!(seen.len(), 10);
        assert_eq!(segment_name(5, 5), "Champions");
        assert_eq!(segment_name(4, 5), "Loyal Customers");
        assert_eq!(segment_name(1, 1), "Hibernating");
        assert_eq!(segment_name(2, 3), "At Risk");
        assert_eq!(segment_name(1, 5), "Can't Lose Them");
        assert_eq!(segment_name(5, 1), "New Customers");
    }
}
