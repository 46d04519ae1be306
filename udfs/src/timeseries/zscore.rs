//! `zscore(value) OVER (...)`: the z-score of the current row within its window frame.
//!
//! The frame statistics are kept incrementally as DataFusion moves the frame forward
//! (rows entering are added, rows leaving removed), so a partition costs O(n) whatever
//! the frame width. Sums are of values shifted by an anchor close to the frame mean and
//! compensated (Neumaier), which keeps the variance accurate for data with a large
//! offset (e.g. 1e9 plus small noise); when the frame mean drifts far from the anchor
//! the frame is recomputed around its new mean, at most once per frame-width of moves.

use std::ops::Range;

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{
    Documentation, PartitionEvaluator, Signature, TypeSignature, Volatility, WindowUDFImpl,
};
use datafusion_macros::user_doc;
use std::sync::Arc;

use super::{coerce_numeric, float64_argument};

#[user_doc(
    doc_section(label = "Time Series Functions"),
    description = "Z-score of the current row within its window frame: \
`(value - avg(value)) / stddev_samp(value)` over the frame's non-NULL values (the frame of \
the `OVER` clause: `ROWS BETWEEN 24 PRECEDING AND CURRENT ROW`, `RANGE BETWEEN INTERVAL \
'1 hour' PRECEDING AND CURRENT ROW`, the whole partition without `ORDER BY`, ...). NULL when \
the value is NULL, when the frame has fewer than two non-NULL values, when the frame's \
standard deviation is 0 (a constant frame) and when the result is not finite (a frame holding \
NaN or infinity). Spark's `when(stddev != 0, ...).otherwise(0)` is \
`COALESCE(zscore(value) OVER (...), 0)`. Linear time per partition whatever the frame width.",
    syntax_example = "zscore(value) OVER ([PARTITION BY ...] [ORDER BY ... [frame]])",
    sql_example = r#"```sql
> SELECT series_id, ts, value,
         zscore(value) OVER (PARTITION BY series_id ORDER BY ts
                             ROWS BETWEEN 24 PRECEDING AND CURRENT ROW) AS z
  FROM series;
```"#,
    argument(
        name = "value",
        description = "Numeric expression (computed as Float64)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ZScore {
    signature: Signature,
}

impl Default for ZScore {
    fn default() -> Self {
        Self::new()
    }
}

impl ZScore {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Immutable),
        }
    }
}

impl WindowUDFImpl for ZScore {
    fn name(&self) -> &str {
        "zscore"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.len() != 1 {
            return plan_err!(
                "zscore expects one argument, zscore(value), got {}",
                arg_types.len()
            );
        }
        Ok(vec![coerce_numeric("zscore", "value", &arg_types[0])?])
    }

    fn partition_evaluator(
        &self,
        _args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::<ZScoreEvaluator>::default())
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

/// A compensated (Neumaier) sum supporting removal by adding the negation.
#[derive(Debug, Default, Clone, Copy)]
struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    #[inline]
    fn add(&mut self, v: f64) {
        let t = self.sum + v;
        if self.sum.abs() >= v.abs() {
            self.compensation += (self.sum - t) + v;
        } else {
            self.compensation += (v - t) + self.sum;
        }
        self.sum = t;
    }

    #[inline]
    fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

/// Frame statistics of (value - anchor) over the frame's finite non-NULL values.
#[derive(Debug, Default)]
pub(crate) struct FrameStats {
    anchor: f64,
    count: usize,
    /// NaN or infinite values in the frame: they make every statistic non-finite.
    non_finite: usize,
    s1: CompensatedSum,
    s2: CompensatedSum,
    /// Values added or removed since the anchor was chosen.
    moves: usize,
    frame: Range<usize>,
    initialized: bool,
}

/// Drift of the frame mean from the anchor, in standard deviations squared, beyond which
/// the frame is recomputed (cancellation then costs at most ~4 of 16 digits).
const MAX_DRIFT2: f64 = 1e4;
/// A sum of squared deviations this small relative to the sum of squares is rounding
/// noise: the frame is constant.
const ZERO_VARIANCE: f64 = 1e-12;

impl FrameStats {
    #[inline]
    fn add(&mut self, x: f64) {
        if x.is_finite() {
            let d = x - self.anchor;
            self.count += 1;
            self.s1.add(d);
            self.s2.add(d * d);
        } else {
            self.non_finite += 1;
        }
        self.moves += 1;
    }

    #[inline]
    fn remove(&mut self, x: f64) {
        if x.is_finite() {
            let d = x - self.anchor;
            self.count -= 1;
            self.s1.add(-d);
            self.s2.add(-(d * d));
        } else {
            self.non_finite -= 1;
        }
        self.moves += 1;
        if self.count == 0 {
            // Nothing left: drop accumulated rounding noise.
            self.s1 = CompensatedSum::default();
            self.s2 = CompensatedSum::default();
        }
    }

    /// Recomputes the statistics of `frame` from scratch, anchored at its mean.
    fn recompute(&mut self, values: &datafusion::arrow::array::Float64Array, frame: Range<usize>) {
        let mut n = 0usize;
        let mut first = None;
        let mut sum = CompensatedSum::default();
        for i in frame.clone() {
            if values.is_valid(i) {
                let x = values.value(i);
                if x.is_finite() {
                    let k = *first.get_or_insert(x);
                    sum.add(x - k);
                    n += 1;
                }
            }
        }
        self.anchor = match first {
            Some(k) => k + sum.value() / n as f64,
            None => 0.0,
        };
        self.count = 0;
        self.non_finite = 0;
        self.s1 = CompensatedSum::default();
        self.s2 = CompensatedSum::default();
        for i in frame.clone() {
            if values.is_valid(i) {
                self.add(values.value(i));
            }
        }
        self.moves = 0;
        self.frame = frame;
        self.initialized = true;
    }

    /// Moves the statistics to `frame`, incrementally when it moved forward.
    pub(crate) fn move_to(
        &mut self,
        values: &datafusion::arrow::array::Float64Array,
        frame: &Range<usize>,
    ) {
        let old = self.frame.clone();
        if !self.initialized
            || frame.start < old.start
            || frame.end < old.end
            || frame.start >= old.end
        {
            self.recompute(values, frame.clone());
            return;
        }
        for i in old.end..frame.end {
            if values.is_valid(i) {
                self.add(values.value(i));
            }
        }
        for i in old.start..frame.start {
            if values.is_valid(i) {
                self.remove(values.value(i));
            }
        }
        self.frame = frame.clone();
        if self.count >= 2 && self.moves >= self.count.max(16) {
            let n = self.count as f64;
            let shift = self.s1.value() / n;
            let m2 = self.s2.value() - self.s1.value() * shift;
            if shift * shift * (n - 1.0) > MAX_DRIFT2 * m2.max(0.0) {
                self.recompute(values, frame.clone());
            }
        }
    }

    /// Z-score of `x` in the frame, when the frame's statistics are defined, finite and
    /// the standard deviation is not 0. The deviation from the mean is taken in anchored
    /// form, `(x - anchor) - mean(d)`: the mean itself, rounded near a large offset,
    /// would lose the digits that matter.
    pub(crate) fn zscore(&self, x: f64) -> Option<f64> {
        let (shifted_mean, stddev) = self.shifted_mean_stddev()?;
        let z = ((x - self.anchor) - shifted_mean) / stddev;
        z.is_finite().then_some(z)
    }

    /// Mean of (value - anchor) and sample standard deviation of the frame, when defined,
    /// finite and the deviation is not 0.
    fn shifted_mean_stddev(&self) -> Option<(f64, f64)> {
        if self.count < 2 || self.non_finite > 0 {
            return None;
        }
        let n = self.count as f64;
        let s1 = self.s1.value();
        let s2 = self.s2.value();
        let m2 = s2 - s1 * (s1 / n);
        // Also rejects NaN.
        if m2.partial_cmp(&(ZERO_VARIANCE * s2)) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        let stddev = (m2 / (n - 1.0)).sqrt();
        let mean = s1 / n;
        (stddev.is_finite() && mean.is_finite()).then_some((mean, stddev))
    }
}

#[derive(Debug, Default)]
struct ZScoreEvaluator {
    stats: FrameStats,
    /// The row being evaluated: DataFusion evaluates a partition's rows in order.
    row: usize,
}

impl PartitionEvaluator for ZScoreEvaluator {
    fn uses_window_frame(&self) -> bool {
        true
    }

    fn evaluate(&mut self, values: &[ArrayRef], range: &Range<usize>) -> Result<ScalarValue> {
        let x = float64_argument("zscore", values)?;
        let row = self.row;
        self.row += 1;
        if row >= x.len() || range.end > x.len() || range.start > range.end {
            return exec_err!("zscore: window frame {range:?} outside the partition");
        }
        self.stats.move_to(x, range);
        if x.is_null(row) {
            return Ok(ScalarValue::Float64(None));
        }
        Ok(ScalarValue::Float64(self.stats.zscore(x.value(row))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{AsArray, Float64Array, TimestampMicrosecondArray};
    use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Schema};
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::logical_expr::WindowUDF;
    use datafusion::prelude::SessionContext;

    /// Two-pass z-score of `values[row]` over `frame`, the reference. Deviations are taken
    /// from the frame's first value (exact for nearby values), so the reference itself
    /// stays accurate with a large offset and is exactly 0 for a constant frame.
    fn naive(values: &[Option<f64>], frame: Range<usize>, row: usize) -> Option<f64> {
        let x = values[row]?;
        let v: Vec<f64> = values[frame].iter().flatten().copied().collect();
        if v.len() < 2 {
            return None;
        }
        let n = v.len() as f64;
        let k = v[0];
        let mean_d = v.iter().map(|a| a - k).sum::<f64>() / n;
        let var = v
            .iter()
            .map(|a| ((a - k) - mean_d) * ((a - k) - mean_d))
            .sum::<f64>()
            / (n - 1.0);
        let sd = var.sqrt();
        if sd == 0.0 {
            return None;
        }
        Some(((x - k) - mean_d) / sd)
    }

    fn run(values: &[Option<f64>], frames: &[Range<usize>]) -> Vec<Option<f64>> {
        let array: ArrayRef = Arc::new(Float64Array::from(values.to_vec()));
        let mut e = ZScoreEvaluator::default();
        frames
            .iter()
            .map(
                |f| match e.evaluate(std::slice::from_ref(&array), f).unwrap() {
                    ScalarValue::Float64(v) => v,
                    other => panic!("unexpected {other:?}"),
                },
            )
            .collect()
    }

    fn close(a: Option<f64>, b: Option<f64>, tol: f64) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => (a - b).abs() <= tol * b.abs().max(1.0),
            _ => false,
        }
    }

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn check(values: &[Option<f64>], frames: &[Range<usize>], tol: f64) {
        let got = run(values, frames);
        for (row, f) in frames.iter().enumerate() {
            let want = naive(values, f.clone(), row);
            assert!(
                close(got[row], want, tol),
                "row {row} frame {f:?}: got {:?} want {want:?}",
                got[row]
            );
        }
    }

    fn rows_preceding(n: usize, w: usize) -> Vec<Range<usize>> {
        (0..n).map(|i| i.saturating_sub(w)..i + 1).collect()
    }

    #[test]
    fn matches_naive_on_rows_frames_with_large_offset() {
        let mut rng = Rng(42);
        let values: Vec<Option<f64>> = (0..3000)
            .map(|i| {
                if i % 37 == 5 {
                    None
                } else {
                    Some(1e9 + rng.next() * 0.01)
                }
            })
            .collect();
        check(&values, &rows_preceding(values.len(), 24), 1e-6);
        // Unbounded preceding, whole partition, and a centred frame.
        let n = values.len();
        check(&values, &(0..n).map(|i| 0..i + 1).collect::<Vec<_>>(), 1e-6);
        check(&values, &vec![0..n; n], 1e-6);
        let centred: Vec<_> = (0..n)
            .map(|i| i.saturating_sub(3)..(i + 4).min(n))
            .collect();
        check(&values, &centred, 1e-6);
    }

    #[test]
    fn matches_naive_on_trends_steps_and_outliers() {
        let mut rng = Rng(7);
        let trend: Vec<Option<f64>> = (0..5000)
            .map(|i| Some(1e6 + i as f64 * 1000.0 + rng.next()))
            .collect();
        check(&trend, &rows_preceding(trend.len(), 24), 1e-6);
        // Steps between constant levels: constant frames give NULL.
        let steps: Vec<Option<f64>> = (0..400)
            .map(|i| Some(((i / 50) as f64) * 1e8 + 0.1))
            .collect();
        let got = run(&steps, &rows_preceding(steps.len(), 9));
        assert_eq!(got[30], None, "constant frame");
        check(&steps, &rows_preceding(steps.len(), 9), 1e-6);
        // A planted anomaly stands out.
        let mut spike: Vec<Option<f64>> = (0..100).map(|_| Some(10.0 + rng.next())).collect();
        spike[60] = Some(100.0);
        let z = run(&spike, &rows_preceding(100, 24));
        assert!(z[60].unwrap() > 3.0);
    }

    #[test]
    fn frames_moving_backwards_or_jumping_are_recomputed() {
        let mut rng = Rng(3);
        let values: Vec<Option<f64>> = (0..200).map(|_| Some(rng.next() * 100.0)).collect();
        let frames: Vec<Range<usize>> = (0..200)
            .map(|i: usize| match i % 3 {
                0 => i.saturating_sub(10)..i + 1,
                1 => 0..i.div_ceil(2) + 1,
                _ => i..(i + 5).min(200),
            })
            .collect();
        check(&values, &frames, 1e-9);
    }

    #[test]
    fn nulls_small_frames_and_non_finite_values() {
        let values = vec![
            Some(1.0),
            None,
            Some(3.0),
            Some(f64::NAN),
            Some(5.0),
            Some(7.0),
            Some(9.0),
        ];
        let frames = rows_preceding(values.len(), 2);
        let got = run(&values, &frames);
        assert_eq!(got[0], None); // one value
        assert_eq!(got[1], None); // NULL value
        assert!(close(got[2], naive(&values, frames[2].clone(), 2), 1e-12)); // {1, 3}
        assert_eq!(got[3], None); // NaN in frame
        assert_eq!(got[4], None);
        assert_eq!(got[5], None);
        assert!(close(got[6], naive(&values, frames[6].clone(), 6), 1e-12));
        // Empty frame (e.g. 5 PRECEDING AND 3 PRECEDING at the first rows).
        let empty_frame = std::iter::once(0..0).collect::<Vec<_>>();
        assert_eq!(run(&[Some(1.0)], &empty_frame), vec![None]);
        // Frames beyond the partition are an error, not a panic.
        let array: ArrayRef = Arc::new(Float64Array::from(vec![1.0]));
        let mut e = ZScoreEvaluator::default();
        assert!(e.evaluate(&[array], &(0..3)).is_err());
    }

    async fn sql_matches_naive(sql: &str, frame: impl Fn(&[i64], usize) -> Range<usize>) {
        let mut rng = Rng(11);
        let n = 600;
        let ts: Vec<i64> = (0..n as i64)
            .map(|i| i * 600_000_000 + (i % 7) * 1_000_000)
            .collect();
        let values: Vec<Option<f64>> = (0..n)
            .map(|i| (i % 50 != 3).then(|| 1e9 + rng.next() * 10.0))
            .collect();
        let schema = Arc::new(Schema::new(vec![
            Field::new(
                "ts",
                DataType::Timestamp(datafusion::arrow::datatypes::TimeUnit::Microsecond, None),
                false,
            ),
            Field::new("v", DataType::Float64, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(TimestampMicrosecondArray::from(ts.clone())),
                Arc::new(Float64Array::from(values.clone())),
            ],
        )
        .unwrap();
        let ctx = SessionContext::new();
        ctx.register_udwf(WindowUDF::new_from_impl(ZScore::new()));
        ctx.register_batch("t", batch).unwrap();
        let out = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let got: Vec<Option<f64>> = out
            .iter()
            .flat_map(|b| {
                b.column(0)
                    .as_primitive::<Float64Type>()
                    .iter()
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(got.len(), n);
        for (row, z) in got.iter().enumerate() {
            let want = naive(&values, frame(&ts, row), row);
            assert!(close(*z, want, 1e-6), "row {row}: {z:?} vs {want:?}");
        }
    }

    #[tokio::test]
    async fn sql_frames_rows_range_and_unbounded() {
        sql_matches_naive(
            "SELECT zscore(v) OVER (ORDER BY ts ROWS BETWEEN 24 PRECEDING AND CURRENT ROW) FROM t ORDER BY ts",
            |_, i| i.saturating_sub(24)..i + 1,
        )
        .await;
        // RANGE with an interval over timestamps: rows within the last hour.
        sql_matches_naive(
            "SELECT zscore(v) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '1 hour' PRECEDING AND CURRENT ROW) FROM t ORDER BY ts",
            |ts, i| {
                let lo = ts.iter().position(|t| *t >= ts[i] - 3_600_000_000).unwrap();
                lo..i + 1
            },
        )
        .await;
        sql_matches_naive("SELECT zscore(v) OVER () FROM t ORDER BY ts", |ts, _| {
            0..ts.len()
        })
        .await;
        sql_matches_naive(
            "SELECT zscore(v) OVER (ORDER BY ts) FROM t ORDER BY ts",
            |_, i| 0..i + 1,
        )
        .await;
    }

    #[test]
    fn coercion() {
        let z = ZScore::new();
        assert_eq!(
            z.coerce_types(&[DataType::Int32]).unwrap(),
            vec![DataType::Float64]
        );
        assert!(z.coerce_types(&[DataType::Utf8]).is_err());
        assert!(z.coerce_types(&[]).is_err());
    }
}
