//! `window(ts, size [, slide [, start_offset]])` and
//! `sliding_windows(ts, size, slide [, start_offset])`: Spark's event-time windows.
//!
//! Spark (`TimeWindowing`) aligns windows to the Unix epoch plus the start offset: the
//! latest window start at or before `ts` is `ts - (ts - offset) mod slide` (floored, so
//! timestamps before 1970 work too), a window is `[start, start + size)` (a timestamp on a
//! boundary belongs to the window starting there), and a timestamp belongs to every
//! window with `start <= ts < start + size`. Both functions compute on the raw `i64`
//! values of the timestamp array (UTC instants for zoned timestamps, wall clock for
//! naive ones, as Spark does for `TIMESTAMP` and `TIMESTAMP_NTZ`).

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, ListArray, StructArray, TimestampMicrosecondArray,
    TimestampMillisecondArray, TimestampNanosecondArray, TimestampSecondArray,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use datafusion::arrow::datatypes::{
    ArrowNativeType, DataType, Date32Type, Date64Type, Field, FieldRef, Fields, TimeUnit,
};
use datafusion::common::{exec_datafusion_err, exec_err, plan_datafusion_err, plan_err};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};
use datafusion_macros::user_doc;

use super::{coerce_datetime, map_columnar, timestamp_values};

const NANOS_PER_SECOND: i128 = 1_000_000_000;
const NANOS_PER_DAY: i128 = 86_400 * NANOS_PER_SECOND;

/// Window size, slide and start offset, in nanoseconds or (after [`Self::in_unit`]) in
/// the unit of the timestamp column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WindowSpec {
    pub size: i64,
    pub slide: i64,
    pub offset: i64,
}

impl WindowSpec {
    /// Checks Spark's constraints (`TimeWindow.checkInputDataTypes`).
    fn validate(&self, name: &str) -> Result<()> {
        if self.size <= 0 {
            return plan_err!("{name}: the window size must be greater than 0");
        }
        if self.slide <= 0 {
            return plan_err!("{name}: the slide must be greater than 0");
        }
        if self.slide > self.size {
            return plan_err!(
                "{name}: the slide ({}) must be less than or equal to the window size ({})",
                format_nanos(self.slide),
                format_nanos(self.size)
            );
        }
        if self.offset.unsigned_abs() >= self.slide.unsigned_abs() {
            return plan_err!(
                "{name}: the absolute value of the start offset ({}) must be less than the slide ({})",
                format_nanos(self.offset),
                format_nanos(self.slide)
            );
        }
        Ok(())
    }

    /// The spec in units of `unit`; durations finer than the unit cannot be represented.
    fn in_unit(&self, name: &str, unit: TimeUnit) -> Result<Self> {
        let per = unit_nanos(unit);
        let convert = |what: &str, v: i64| -> Result<i64> {
            if v % per != 0 {
                return plan_err!(
                    "{name}: the {what} ({}) is not a whole number of {} and cannot be applied to a timestamp with that precision",
                    format_nanos(v),
                    unit_name(unit)
                );
            }
            Ok(v / per)
        };
        Ok(Self {
            size: convert("window size", self.size)?,
            slide: convert("slide", self.slide)?,
            offset: convert("start offset", self.offset)?,
        })
    }

    /// Start of the latest window that starts at or before `ts`; `None` on overflow.
    #[inline]
    fn last_start(&self, ts: i64) -> Option<i64> {
        let r = ts.checked_sub(self.offset)?.rem_euclid(self.slide);
        ts.checked_sub(r)
    }
}

fn unit_nanos(unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => 1_000_000_000,
        TimeUnit::Millisecond => 1_000_000,
        TimeUnit::Microsecond => 1_000,
        TimeUnit::Nanosecond => 1,
    }
}

fn unit_name(unit: TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Second => "seconds",
        TimeUnit::Millisecond => "milliseconds",
        TimeUnit::Microsecond => "microseconds",
        TimeUnit::Nanosecond => "nanoseconds",
    }
}

/// A duration in nanoseconds for messages, e.g. `300000000000 ns (300 s)`.
fn format_nanos(v: i64) -> String {
    if v % 1_000_000_000 == 0 {
        format!("{} s", v / 1_000_000_000)
    } else {
        format!("{} ns", v)
    }
}

/// Parses a Spark interval string (`'5 minutes'`, `'interval 1 hour 30 minutes'`,
/// `'500 milliseconds'`, `'1.5 seconds'`) into nanoseconds. Months and years are
/// rejected: they have no fixed length (Spark rejects them in windows too).
pub(crate) fn parse_interval_nanos(text: &str) -> std::result::Result<i64, String> {
    let lower = text.trim().to_ascii_lowercase();
    let mut tokens: Vec<&str> = lower.split_whitespace().collect();
    if tokens.first() == Some(&"interval") {
        tokens.remove(0);
    }
    if tokens.is_empty() {
        return Err("empty interval".to_string());
    }
    if !tokens.len().is_multiple_of(2) {
        return Err(
            "expected '<number> <unit>' pairs such as '5 minutes' or '1 hour 30 minutes'"
                .to_string(),
        );
    }
    let mut total: i128 = 0;
    for pair in tokens.chunks(2) {
        let (number, unit) = (pair[0], pair[1]);
        let unit_len: i128 = match unit.strip_suffix('s').unwrap_or(unit) {
            "nanosecond" => 1,
            "microsecond" => 1_000,
            "millisecond" => 1_000_000,
            "second" => NANOS_PER_SECOND,
            "minute" => 60 * NANOS_PER_SECOND,
            "hour" => 3_600 * NANOS_PER_SECOND,
            "day" => NANOS_PER_DAY,
            "week" => 7 * NANOS_PER_DAY,
            "month" | "year" => {
                return Err(
                    "months and years have no fixed length and are not supported in windows \
(Spark rejects them too); use days, e.g. '30 days'"
                        .to_string(),
                )
            }
            _ => {
                return Err(format!(
                "unknown unit '{unit}' (expected millisecond, second, minute, hour, day or week)"
            ))
            }
        };
        total = total
            .checked_add(scaled(number, unit_len)?)
            .ok_or_else(|| "interval too large".to_string())?;
    }
    i64::try_from(total).map_err(|_| "interval too large".to_string())
}

/// `number` (optionally signed, optionally with a fraction) times `unit_len`
/// nanoseconds; the result must be a whole number of nanoseconds.
fn scaled(number: &str, unit_len: i128) -> std::result::Result<i128, String> {
    let bad = || format!("'{number}' is not a number");
    let (negative, digits) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number.strip_prefix('+').unwrap_or(number)),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
        || int_part.len() > 30
        || frac_part.len() > 18
    {
        return Err(bad());
    }
    let int_value: i128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| bad())?
    };
    let mut value = int_value
        .checked_mul(unit_len)
        .ok_or_else(|| "interval too large".to_string())?;
    if !frac_part.is_empty() {
        let frac: i128 = frac_part.parse().map_err(|_| bad())?;
        let scale = 10i128.pow(frac_part.len() as u32);
        let frac_nanos = frac * unit_len;
        if frac_nanos % scale != 0 {
            return Err(format!("'{number}' is finer than a nanosecond"));
        }
        value += frac_nanos / scale;
    }
    Ok(if negative { -value } else { value })
}

/// A duration argument (string or interval literal) in nanoseconds.
fn duration_arg(name: &str, what: &str, value: &ScalarValue) -> Result<i64> {
    let string = match value {
        ScalarValue::Utf8(s) | ScalarValue::LargeUtf8(s) | ScalarValue::Utf8View(s) => s.as_deref(),
        ScalarValue::IntervalMonthDayNano(Some(v)) => {
            if v.months != 0 {
                return plan_err!(
                    "{name}: the {what} is an interval with months or years, which have no fixed \
length (Spark rejects them too); use days, e.g. INTERVAL '30 days'"
                );
            }
            let nanos = i128::from(v.days) * NANOS_PER_DAY + i128::from(v.nanoseconds);
            return i64::try_from(nanos)
                .map_err(|_| plan_datafusion_err!("{name}: the {what} is too large"));
        }
        ScalarValue::IntervalDayTime(Some(v)) => {
            let nanos = i128::from(v.days) * NANOS_PER_DAY + i128::from(v.milliseconds) * 1_000_000;
            return i64::try_from(nanos)
                .map_err(|_| plan_datafusion_err!("{name}: the {what} is too large"));
        }
        ScalarValue::IntervalYearMonth(Some(_)) => {
            return plan_err!(
                "{name}: the {what} is a year-month interval, which has no fixed length \
(Spark rejects them too); use days, e.g. INTERVAL '30 days'"
            );
        }
        ScalarValue::DurationSecond(Some(v)) => return scale_duration(name, what, *v, 1_000_000_000),
        ScalarValue::DurationMillisecond(Some(v)) => {
            return scale_duration(name, what, *v, 1_000_000)
        }
        ScalarValue::DurationMicrosecond(Some(v)) => return scale_duration(name, what, *v, 1_000),
        ScalarValue::DurationNanosecond(Some(v)) => return Ok(*v),
        other if other.is_null() => None,
        other => {
            return plan_err!(
                "{name}: the {what} must be an interval string such as '5 minutes' or an INTERVAL, got {}",
                other.data_type()
            )
        }
    };
    let Some(text) = string else {
        return plan_err!("{name}: the {what} must not be NULL");
    };
    parse_interval_nanos(text)
        .map_err(|e| plan_datafusion_err!("{name}: invalid {what} '{text}': {e}"))
}

fn scale_duration(name: &str, what: &str, v: i64, per: i64) -> Result<i64> {
    v.checked_mul(per)
        .ok_or_else(|| plan_datafusion_err!("{name}: the {what} is too large"))
}

/// Parses the size/slide/offset arguments (after the timestamp) of `window` or
/// `sliding_windows`; `None` marks a non-constant argument.
fn parse_spec(name: &str, sliding: bool, args: &[Option<&ScalarValue>]) -> Result<WindowSpec> {
    let what = ["window size", "slide", "start offset"];
    let mut durations = Vec::with_capacity(args.len());
    for (i, arg) in args.iter().enumerate() {
        let Some(value) = arg else {
            return plan_err!(
                "{name}: the {} must be a constant such as '5 minutes', not a column or expression",
                what[i]
            );
        };
        durations.push(duration_arg(name, what[i], value)?);
    }
    let size = durations[0];
    let slide = durations.get(1).copied().unwrap_or(size);
    let offset = durations.get(2).copied().unwrap_or(0);
    let spec = WindowSpec {
        size,
        slide,
        offset,
    };
    if !sliding && slide != size && size > 0 && slide > 0 {
        return plan_err!(
            "{name}: a slide ({}) different from the window size ({}) puts a timestamp in several \
windows; use unnest(sliding_windows(ts, size, slide)) for sliding windows",
            format_nanos(slide),
            format_nanos(size)
        );
    }
    spec.validate(name)?;
    Ok(spec)
}

fn check_arity(name: &str, n: usize, sliding: bool) -> Result<()> {
    let (min, usage) = if sliding {
        (3, "sliding_windows(ts, size, slide [, start_offset])")
    } else {
        (2, "window(ts, size [, slide [, start_offset]])")
    };
    if n < min || n > 4 {
        return plan_err!("{name} expects {usage}, got {n} arguments");
    }
    Ok(())
}

/// Coercion shared by both functions: the timestamp argument must be a timestamp or a
/// date (strings are cast to timestamps), the others strings or intervals.
fn coerce(name: &str, sliding: bool, arg_types: &[DataType]) -> Result<Vec<DataType>> {
    check_arity(name, arg_types.len(), sliding)?;
    let mut out = Vec::with_capacity(arg_types.len());
    out.push(coerce_datetime(name, &arg_types[0])?);
    for t in &arg_types[1..] {
        match t {
            DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Interval(_)
            | DataType::Duration(_)
            | DataType::Null => out.push(t.clone()),
            other => {
                return plan_err!(
                    "{name}: durations must be interval strings such as '5 minutes' or INTERVAL literals, got {other}"
                )
            }
        }
    }
    Ok(out)
}

/// The timestamp type of the window bounds for a timestamp argument of type `t`.
fn bound_type(name: &str, t: &DataType) -> Result<DataType> {
    match t {
        DataType::Timestamp(..) => Ok(t.clone()),
        DataType::Date32 | DataType::Date64 | DataType::Null => {
            Ok(DataType::Timestamp(TimeUnit::Microsecond, None))
        }
        other => plan_err!("{name}: the first argument must be a timestamp or a date, got {other}"),
    }
}

/// `{start, end}` with both fields of type `t`.
pub(crate) fn window_fields(t: &DataType) -> Fields {
    Fields::from(vec![
        Field::new("start", t.clone(), true),
        Field::new("end", t.clone(), true),
    ])
}

/// The unit of a bound type built by [`bound_type`].
fn bound_unit(t: &DataType) -> Result<(TimeUnit, Option<Arc<str>>)> {
    match t {
        DataType::Timestamp(unit, tz) => Ok((*unit, tz.clone())),
        other => exec_err!("window bounds must be timestamps, got {other}"),
    }
}

fn timestamp_array(
    values: Vec<i64>,
    nulls: Option<NullBuffer>,
    unit: TimeUnit,
    tz: Option<Arc<str>>,
) -> ArrayRef {
    let values = ScalarBuffer::from(values);
    match unit {
        TimeUnit::Second => {
            Arc::new(TimestampSecondArray::new(values, nulls).with_timezone_opt(tz))
        }
        TimeUnit::Millisecond => {
            Arc::new(TimestampMillisecondArray::new(values, nulls).with_timezone_opt(tz))
        }
        TimeUnit::Microsecond => {
            Arc::new(TimestampMicrosecondArray::new(values, nulls).with_timezone_opt(tz))
        }
        TimeUnit::Nanosecond => {
            Arc::new(TimestampNanosecondArray::new(values, nulls).with_timezone_opt(tz))
        }
    }
}

fn overflow(name: &str) -> datafusion::error::DataFusionError {
    exec_datafusion_err!("{name}: a window bound is outside the range of the timestamp type")
}

/// Visits the valid timestamps of `array`, in the bound unit (dates become
/// microseconds since the epoch), calling `f(row, ts)`; nulls are skipped.
fn for_each_timestamp(
    name: &str,
    array: &ArrayRef,
    mut f: impl FnMut(usize, i64) -> Result<()>,
) -> Result<()> {
    fn visit<N: ArrowNativeType>(
        values: &[N],
        nulls: Option<&NullBuffer>,
        convert: impl Fn(N) -> Option<i64>,
        name: &str,
        f: &mut impl FnMut(usize, i64) -> Result<()>,
    ) -> Result<()> {
        for (row, v) in values.iter().enumerate() {
            if nulls.is_some_and(|n| n.is_null(row)) {
                continue;
            }
            let ts = convert(*v).ok_or_else(|| overflow(name))?;
            f(row, ts)?;
        }
        Ok(())
    }
    let nulls = array.nulls();
    if let Some((values, _)) = timestamp_values(array) {
        return visit(values, nulls, Some, name, &mut f);
    }
    match array.data_type() {
        DataType::Date32 => visit(
            array.as_primitive::<Date32Type>().values(),
            nulls,
            |days: i32| i64::from(days).checked_mul(86_400_000_000),
            name,
            &mut f,
        ),
        DataType::Date64 => visit(
            array.as_primitive::<Date64Type>().values(),
            nulls,
            |ms: i64| ms.checked_mul(1_000),
            name,
            &mut f,
        ),
        DataType::Null => Ok(()),
        other => exec_err!("{name}: the first argument must be a timestamp or a date, got {other}"),
    }
}

/// The NULL rows of `ts` (all of them for a Null array): the rows without a window.
fn row_nulls(ts: &ArrayRef) -> Option<NullBuffer> {
    if ts.data_type() == &DataType::Null {
        Some(NullBuffer::new_null(ts.len()))
    } else {
        ts.logical_nulls()
    }
}

/// Tumbling windows of every row of `ts`: a struct array `{start, end}` of `bound` type.
pub(crate) fn tumbling_windows(
    name: &str,
    ts: &ArrayRef,
    spec: WindowSpec,
    bound: &DataType,
) -> Result<ArrayRef> {
    let (unit, tz) = bound_unit(bound)?;
    let spec = spec.in_unit(name, unit)?;
    let n = ts.len();
    let mut starts = vec![0i64; n];
    let mut ends = vec![0i64; n];
    for_each_timestamp(name, ts, |row, v| {
        let start = spec.last_start(v).ok_or_else(|| overflow(name))?;
        starts[row] = start;
        ends[row] = start.checked_add(spec.size).ok_or_else(|| overflow(name))?;
        Ok(())
    })?;
    let nulls = row_nulls(ts);
    let columns = vec![
        timestamp_array(starts, nulls.clone(), unit, tz.clone()),
        timestamp_array(ends, nulls.clone(), unit, tz),
    ];
    Ok(Arc::new(StructArray::try_new(
        window_fields(bound),
        columns,
        nulls,
    )?))
}

/// Every window containing each row of `ts`, ascending by start: a list of `{start, end}`.
pub(crate) fn all_windows(
    name: &str,
    ts: &ArrayRef,
    spec: WindowSpec,
    bound: &DataType,
) -> Result<ArrayRef> {
    let (unit, tz) = bound_unit(bound)?;
    let spec = spec.in_unit(name, unit)?;
    let n = ts.len();
    // ceil(size / slide) candidate windows per timestamp, as Spark generates them.
    let candidates = (spec.size - 1) / spec.slide + 1;
    let per_row = usize::try_from(candidates).unwrap_or(usize::MAX);
    let mut counts = vec![0i32; n];
    let mut starts: Vec<i64> = Vec::with_capacity(n.saturating_mul(per_row).min(1 << 24));
    let mut ends: Vec<i64> = Vec::with_capacity(starts.capacity());
    for_each_timestamp(name, ts, |row, v| {
        let last = spec.last_start(v).ok_or_else(|| overflow(name))?;
        let before = starts.len();
        for i in (0..candidates).rev() {
            // i * slide < size, so the product cannot overflow.
            let start = last
                .checked_sub(i * spec.slide)
                .ok_or_else(|| overflow(name))?;
            let end = start.checked_add(spec.size).ok_or_else(|| overflow(name))?;
            if v < end {
                starts.push(start);
                ends.push(end);
            }
        }
        counts[row] = i32::try_from(starts.len() - before).map_err(|_| overflow(name))?;
        Ok(())
    })?;
    if i32::try_from(starts.len()).is_err() {
        return exec_err!(
            "{name}: too many windows ({}) for one batch; use a larger slide",
            starts.len()
        );
    }
    let nulls = row_nulls(ts);
    let offsets = OffsetBuffer::from_lengths(counts.iter().map(|c| *c as usize));
    let fields = window_fields(bound);
    let structs = StructArray::try_new(
        fields.clone(),
        vec![
            timestamp_array(starts, None, unit, tz.clone()),
            timestamp_array(ends, None, unit, tz),
        ],
        None,
    )?;
    let item = Arc::new(Field::new_list_field(DataType::Struct(fields), true));
    Ok(Arc::new(ListArray::try_new(
        item,
        offsets,
        Arc::new(structs),
        nulls,
    )?))
}

/// The result type of either function for a timestamp argument of type `ts`: the
/// `{start, end}` struct, or for `sliding_windows` a list of them.
fn window_type(name: &str, sliding: bool, ts: &DataType) -> Result<DataType> {
    let window = DataType::Struct(window_fields(&bound_type(name, ts)?));
    Ok(if sliding {
        DataType::List(Arc::new(Field::new_list_field(window, true)))
    } else {
        window
    })
}

/// The return type of either function.
fn result_type(name: &str, sliding: bool, arg_types: &[DataType]) -> Result<DataType> {
    check_arity(name, arg_types.len(), sliding)?;
    window_type(name, sliding, &arg_types[0])
}

/// The return field of either function; constant durations are checked at plan time.
fn result_field(name: &str, sliding: bool, args: ReturnFieldArgs) -> Result<FieldRef> {
    check_arity(name, args.arg_fields.len(), sliding)?;
    parse_spec(name, sliding, &args.scalar_arguments[1..])?;
    let data_type = window_type(name, sliding, args.arg_fields[0].data_type())?;
    Ok(Arc::new(Field::new(name, data_type, true)))
}

/// Evaluates either function: the timestamp (array or scalar) and the constant specs.
fn invoke(
    name: &str,
    sliding: bool,
    args: ScalarFunctionArgs,
    compute: fn(&str, &ArrayRef, WindowSpec, &DataType) -> Result<ArrayRef>,
) -> Result<ColumnarValue> {
    check_arity(name, args.args.len(), sliding)?;
    let scalars: Vec<Option<&ScalarValue>> = args.args[1..]
        .iter()
        .map(|a| match a {
            ColumnarValue::Scalar(s) => Some(s),
            ColumnarValue::Array(_) => None,
        })
        .collect();
    let spec = parse_spec(name, sliding, &scalars)?;
    let bound = bound_type(name, &args.args[0].data_type())?;
    map_columnar(&args.args[0], |ts| compute(name, ts, spec, &bound))
}

#[user_doc(
    doc_section(label = "Time Series Functions"),
    description = "Spark's tumbling event-time window containing `ts`, as a struct \
`{start, end}`: windows are `[start, end)`, `size` long and aligned to the Unix epoch plus \
`start_offset` (a timestamp exactly on a boundary belongs to the window starting there; \
timestamps before 1970 are floored too). `start` and `end` have the type of `ts` (zoned \
timestamps keep their zone and are aligned in UTC, naive ones on their wall clock; a date \
counts as its midnight and gives `Timestamp(Microsecond)`). Use it in `GROUP BY` and read \
the bounds as `w['start']` / `w.start` on the aliased column or \
`window(ts, '5 minutes')['start']` on the call (DataFusion does not parse `window(...).start`); \
grouping by `w['start']` (a plain timestamp) is faster than grouping by the struct. A NULL `ts` gives a NULL window. \
Durations are Spark interval strings ('5 minutes', '1 hour 30 minutes', '500 milliseconds', \
'interval 1 day', units millisecond to week) or INTERVAL literals; they must be constants. \
Months and years are rejected (no fixed length; Spark rejects them too). A `slide` is only \
accepted when equal to `size`: for sliding windows use `sliding_windows`. As in Spark, \
`|start_offset|` must be less than the slide.",
    syntax_example = "window(ts, size [, slide [, start_offset]])",
    sql_example = r#"```sql
> SELECT w['start'] AS start, w['end'] AS end, avg(value) AS avg_value
  FROM (SELECT window(ts, '5 minutes') AS w, value FROM readings)
  GROUP BY w ORDER BY start;
> SELECT window(TIMESTAMP '2024-01-01 12:07:30', '1 hour', '1 hour', '15 minutes');
+--------------------------------------------------------+
| {start: 2024-01-01T11:15:00, end: 2024-01-01T12:15:00} |
+--------------------------------------------------------+
```"#,
    argument(
        name = "ts",
        description = "Event time: a timestamp of any unit, with or without time zone, or a date."
    ),
    argument(
        name = "size",
        description = "Window length, e.g. '5 minutes' or INTERVAL '1 hour'."
    ),
    argument(
        name = "slide",
        description = "Optional; must equal `size` (tumbling windows)."
    ),
    argument(
        name = "start_offset",
        description = "Optional shift of the window alignment from the epoch, e.g. '15 minutes' (default 0)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Window {
    signature: Signature,
}

impl Default for Window {
    fn default() -> Self {
        Self::new()
    }
}

impl Window {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for Window {
    fn name(&self) -> &str {
        "window"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce(self.name(), false, arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        result_type(self.name(), false, arg_types)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        result_field(self.name(), false, args)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        invoke(self.name(), false, args, tumbling_windows)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[user_doc(
    doc_section(label = "Time Series Functions"),
    description = "Every Spark sliding window containing `ts`, as a list of `{start, end}` \
structs ordered by start: the windows `[start, start + size)` with starts on the grid \
`epoch + start_offset + k * slide` and `start <= ts < start + size` (Spark's \
`window(ts, size, slide)`: ceil(size / slide) candidates, those containing `ts` kept). \
DataFusion cannot expand one row into several groups inside `GROUP BY`, so unnest the list \
in a subquery and group by the unnested struct. Types, durations and NULL handling as \
`window` (a NULL `ts` gives a NULL list, which unnest drops); `slide` must not exceed \
`size`.",
    syntax_example = "sliding_windows(ts, size, slide [, start_offset])",
    sql_example = r#"```sql
> SELECT w['start'] AS start, w['end'] AS end, count(*) AS events
  FROM (SELECT unnest(sliding_windows(ts, '5 minutes', '1 minute')) AS w FROM events)
  GROUP BY w ORDER BY start;
> SELECT sliding_windows(TIMESTAMP '2024-01-01 12:07:30', '2 minutes', '1 minute');
+------------------------------------------------------------------------------------------------------------------+
| [{start: 2024-01-01T12:06:00, end: 2024-01-01T12:08:00}, {start: 2024-01-01T12:07:00, end: 2024-01-01T12:09:00}] |
+------------------------------------------------------------------------------------------------------------------+
```"#,
    argument(
        name = "ts",
        description = "Event time: a timestamp of any unit, with or without time zone, or a date."
    ),
    argument(name = "size", description = "Window length, e.g. '5 minutes'."),
    argument(
        name = "slide",
        description = "Distance between window starts, e.g. '1 minute'; at most `size`."
    ),
    argument(
        name = "start_offset",
        description = "Optional shift of the window alignment from the epoch (default 0)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SlidingWindows {
    signature: Signature,
}

impl Default for SlidingWindows {
    fn default() -> Self {
        Self::new()
    }
}

impl SlidingWindows {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for SlidingWindows {
    fn name(&self) -> &str {
        "sliding_windows"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce(self.name(), true, arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        result_type(self.name(), true, arg_types)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        result_field(self.name(), true, args)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        invoke(self.name(), true, args, all_windows)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Date32Array;
    use datafusion::arrow::datatypes::{
        IntervalMonthDayNano, TimestampMicrosecondType, TimestampMillisecondType,
        TimestampNanosecondType, TimestampSecondType,
    };

    const MIN: i64 = 60_000_000; // one minute in microseconds

    fn spec(size: &str, slide: &str, offset: &str) -> WindowSpec {
        let s = ScalarValue::Utf8(Some(size.into()));
        let l = ScalarValue::Utf8(Some(slide.into()));
        let o = ScalarValue::Utf8(Some(offset.into()));
        parse_spec("sliding_windows", true, &[Some(&s), Some(&l), Some(&o)]).unwrap()
    }

    fn micros(values: Vec<Option<i64>>) -> ArrayRef {
        Arc::new(TimestampMicrosecondArray::from(values))
    }

    fn bounds(array: &ArrayRef) -> Vec<Option<(i64, i64)>> {
        let s = array.as_struct();
        let start = s.column(0).as_primitive::<TimestampMicrosecondType>();
        let end = s.column(1).as_primitive::<TimestampMicrosecondType>();
        (0..s.len())
            .map(|i| (!s.is_null(i)).then(|| (start.value(i), end.value(i))))
            .collect()
    }

    fn list_bounds(array: &ArrayRef) -> Vec<Option<Vec<(i64, i64)>>> {
        let list = array.as_list::<i32>();
        (0..list.len())
            .map(|i| {
                (!list.is_null(i)).then(|| {
                    let v = list.value(i);
                    bounds(&v).into_iter().map(|b| b.unwrap()).collect()
                })
            })
            .collect()
    }

    /// Spark's algorithm written out literally, as the reference.
    fn spark_windows(ts: i64, size: i64, slide: i64, offset: i64) -> Vec<(i64, i64)> {
        let last_start = ts - (ts - offset).rem_euclid(slide);
        let max = (size + slide - 1) / slide;
        let mut out: Vec<(i64, i64)> = (0..max)
            .map(|i| (last_start - i * slide, last_start - i * slide + size))
            .filter(|(s, e)| *s <= ts && ts < *e)
            .collect();
        out.reverse();
        out
    }

    #[test]
    fn parses_spark_interval_strings() {
        let m = 60_000_000_000i64;
        assert_eq!(parse_interval_nanos("5 minutes"), Ok(5 * m));
        assert_eq!(parse_interval_nanos("1 minute"), Ok(m));
        assert_eq!(parse_interval_nanos("interval 5 minutes"), Ok(5 * m));
        assert_eq!(parse_interval_nanos(" 1 Hour 30 Minutes "), Ok(90 * m));
        assert_eq!(parse_interval_nanos("6 hours"), Ok(360 * m));
        assert_eq!(parse_interval_nanos("7 days"), Ok(7 * 1440 * m));
        assert_eq!(parse_interval_nanos("1 week"), Ok(7 * 1440 * m));
        assert_eq!(parse_interval_nanos("10 seconds"), Ok(10_000_000_000));
        assert_eq!(parse_interval_nanos("500 milliseconds"), Ok(500_000_000));
        assert_eq!(parse_interval_nanos("1.5 seconds"), Ok(1_500_000_000));
        assert_eq!(parse_interval_nanos("-10 minutes"), Ok(-10 * m));
        assert!(parse_interval_nanos("1 month")
            .unwrap_err()
            .contains("months"));
        assert!(parse_interval_nanos("2 years")
            .unwrap_err()
            .contains("months"));
        assert!(parse_interval_nanos("5 minuts")
            .unwrap_err()
            .contains("unknown unit"));
        assert!(parse_interval_nanos("five minutes")
            .unwrap_err()
            .contains("not a number"));
        assert!(parse_interval_nanos("5").is_err());
        assert!(parse_interval_nanos("").is_err());
        assert!(parse_interval_nanos("interval").is_err());
        assert!(parse_interval_nanos("99999999999999999999 weeks")
            .unwrap_err()
            .contains("too large"));
    }

    #[test]
    fn interval_literals_and_validation() {
        let five = ScalarValue::IntervalMonthDayNano(Some(IntervalMonthDayNano::new(
            0,
            0,
            300_000_000_000,
        )));
        let s = parse_spec("window", false, &[Some(&five)]).unwrap();
        assert_eq!(s.size, 300_000_000_000);
        assert_eq!(s.slide, s.size);
        let month = ScalarValue::IntervalMonthDayNano(Some(IntervalMonthDayNano::new(1, 0, 0)));
        let err = parse_spec("window", false, &[Some(&month)]).unwrap_err();
        assert!(err.to_string().contains("months"), "{err}");
        // Slide different from size in `window`.
        let one = ScalarValue::Utf8(Some("1 minute".into()));
        let err = parse_spec("window", false, &[Some(&five), Some(&one)]).unwrap_err();
        assert!(err.to_string().contains("sliding_windows"), "{err}");
        // Non-constant size.
        let err = parse_spec("window", false, &[None]).unwrap_err();
        assert!(err.to_string().contains("constant"), "{err}");
        // slide > size, zero size, negative slide, offset too large.
        let err = parse_spec("sliding_windows", true, &[Some(&one), Some(&five)]).unwrap_err();
        assert!(err.to_string().contains("less than or equal"), "{err}");
        let zero = ScalarValue::Utf8(Some("0 seconds".into()));
        assert!(parse_spec("window", false, &[Some(&zero)]).is_err());
        let neg = ScalarValue::Utf8(Some("-1 minute".into()));
        assert!(parse_spec("sliding_windows", true, &[Some(&five), Some(&neg)]).is_err());
        let err = parse_spec("window", false, &[Some(&one), Some(&one), Some(&five)]).unwrap_err();
        assert!(err.to_string().contains("start offset"), "{err}");
        let null = ScalarValue::Utf8(None);
        assert!(parse_spec("window", false, &[Some(&null)]).is_err());
        let int = ScalarValue::Int64(Some(5));
        assert!(parse_spec("window", false, &[Some(&int)]).is_err());
    }

    #[test]
    fn tumbling_boundaries_negative_and_nulls() {
        let five = spec("5 minutes", "5 minutes", "0 seconds");
        let bound = DataType::Timestamp(TimeUnit::Microsecond, None);
        let ts = micros(vec![
            Some(0),
            Some(5 * MIN),     // exactly on a boundary: its own window
            Some(5 * MIN - 1), // last microsecond of the first window
            Some(-1),          // just before the epoch
            Some(-5 * MIN),    // boundary before the epoch
            Some(-7 * MIN - 30_000_000),
            None,
        ]);
        let out = tumbling_windows("window", &ts, five, &bound).unwrap();
        assert_eq!(
            bounds(&out),
            vec![
                Some((0, 5 * MIN)),
                Some((5 * MIN, 10 * MIN)),
                Some((0, 5 * MIN)),
                Some((-5 * MIN, 0)),
                Some((-5 * MIN, 0)),
                Some((-10 * MIN, -5 * MIN)),
                None,
            ]
        );
        // The null row's fields are null too.
        assert!(out.as_struct().column(0).is_null(6));
        // Start offset: 1-hour windows starting at quarter past.
        let hour = spec("1 hour", "1 hour", "15 minutes");
        let ts = micros(vec![
            Some(12 * 60 * MIN + 7 * MIN),
            Some(12 * 60 * MIN + 15 * MIN),
        ]);
        let out = tumbling_windows("window", &ts, hour, &bound).unwrap();
        assert_eq!(
            bounds(&out),
            vec![
                Some((11 * 60 * MIN + 15 * MIN, 12 * 60 * MIN + 15 * MIN)),
                Some((12 * 60 * MIN + 15 * MIN, 13 * 60 * MIN + 15 * MIN)),
            ]
        );
    }

    #[test]
    fn units_time_zones_and_dates() {
        let five = spec("5 minutes", "5 minutes", "0 seconds");
        // Nanoseconds with a time zone: type and zone are kept.
        let bound = DataType::Timestamp(TimeUnit::Nanosecond, Some("+05:30".into()));
        let ts: ArrayRef = Arc::new(
            TimestampNanosecondArray::from(vec![Some(301_000_000_001i64), None])
                .with_timezone("+05:30"),
        );
        let out = tumbling_windows("window", &ts, five, &bound).unwrap();
        assert_eq!(out.data_type(), &DataType::Struct(window_fields(&bound)));
        let s = out.as_struct();
        let start = s.column(0).as_primitive::<TimestampNanosecondType>();
        assert_eq!(start.value(0), 300_000_000_000);
        assert!(s.is_null(1));
        // Seconds: sub-second windows cannot be represented.
        let half = spec("500 milliseconds", "500 milliseconds", "0 seconds");
        let bound_s = DataType::Timestamp(TimeUnit::Second, None);
        let ts: ArrayRef = Arc::new(TimestampSecondArray::from(vec![1i64]));
        let err = tumbling_windows("window", &ts, half, &bound_s).unwrap_err();
        assert!(err.to_string().contains("whole number of seconds"), "{err}");
        // Milliseconds with a sub-second window works.
        let bound_ms = DataType::Timestamp(TimeUnit::Millisecond, None);
        let ts: ArrayRef = Arc::new(TimestampMillisecondArray::from(vec![1_750i64, -250]));
        let out = tumbling_windows("window", &ts, half, &bound_ms).unwrap();
        let start = out
            .as_struct()
            .column(0)
            .as_primitive::<TimestampMillisecondType>();
        assert_eq!(start.values().to_vec(), vec![1_500, -500]);
        // Dates: midnight, in microseconds.
        let bound_d = DataType::Timestamp(TimeUnit::Microsecond, None);
        let ts: ArrayRef = Arc::new(Date32Array::from(vec![Some(1), Some(-1), None]));
        let week = spec("7 days", "7 days", "0 seconds");
        let out = tumbling_windows("window", &ts, week, &bound_d).unwrap();
        let day = 1440 * MIN;
        // 1970-01-01 is a Thursday: epoch-aligned weeks start on Thursdays.
        assert_eq!(
            bounds(&out),
            vec![Some((0, 7 * day)), Some((-7 * day, 0)), None]
        );
    }

    #[test]
    fn sliding_matches_spark_algorithm() {
        let bound = DataType::Timestamp(TimeUnit::Microsecond, None);
        // The brief's example: 12:07:30 in 5-minute windows every minute.
        let t = 12 * 60 * MIN + 7 * MIN + 30_000_000;
        let s = spec("5 minutes", "1 minute", "0 seconds");
        let out = all_windows("sliding_windows", &micros(vec![Some(t), None]), s, &bound).unwrap();
        let expected: Vec<(i64, i64)> = (3..=7)
            .map(|m| (12 * 60 * MIN + m * MIN, 12 * 60 * MIN + (m + 5) * MIN))
            .collect();
        assert_eq!(list_bounds(&out), vec![Some(expected), None]);
        // Randomised against the literal algorithm, including size not a multiple of slide,
        // offsets and negative timestamps.
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for (size, slide, offset) in [
            ("5 minutes", "1 minute", "0 seconds"),
            ("10 minutes", "3 minutes", "0 seconds"),
            ("10 minutes", "3 minutes", "-2 minutes"),
            ("1 hour", "15 minutes", "5 minutes"),
            ("7 minutes", "7 minutes", "0 seconds"),
        ] {
            let sp = spec(size, slide, offset);
            let sp_us = sp.in_unit("t", TimeUnit::Microsecond).unwrap();
            let values: Vec<Option<i64>> = (0..500)
                .map(|_| Some((next() % 2_000_000) as i64 * 1_000_000 - 1_000_000_000_000))
                .chain([Some(0), Some(-sp_us.slide), Some(sp_us.offset)])
                .collect();
            let out = all_windows("sliding_windows", &micros(values.clone()), sp, &bound).unwrap();
            let got = list_bounds(&out);
            for (v, g) in values.iter().zip(got) {
                let v = v.unwrap();
                let want = spark_windows(v, sp_us.size, sp_us.slide, sp_us.offset);
                assert_eq!(g.unwrap(), want, "ts {v} {size}/{slide}/{offset}");
            }
            // Tumbling equals the sliding list's single element when slide == size.
            if size == slide {
                let tumbling =
                    tumbling_windows("window", &micros(values.clone()), sp, &bound).unwrap();
                let single: Vec<_> = list_bounds(&out)
                    .into_iter()
                    .map(|l| l.map(|l| l[0]))
                    .collect();
                assert_eq!(bounds(&tumbling), single);
            }
        }
    }

    #[test]
    fn empty_and_all_null_inputs() {
        let bound = DataType::Timestamp(TimeUnit::Microsecond, None);
        let s = spec("5 minutes", "1 minute", "0 seconds");
        let empty = micros(vec![]);
        assert_eq!(all_windows("w", &empty, s, &bound).unwrap().len(), 0);
        let t = spec("5 minutes", "5 minutes", "0 seconds");
        assert_eq!(tumbling_windows("w", &empty, t, &bound).unwrap().len(), 0);
        let nulls: ArrayRef = Arc::new(datafusion::arrow::array::NullArray::new(2));
        let out = tumbling_windows("w", &nulls, t, &bound).unwrap();
        assert_eq!(out.null_count(), 2);
        let out = all_windows("w", &nulls, s, &bound).unwrap();
        assert_eq!(out.null_count(), 2);
    }

    #[test]
    fn overflow_is_an_error() {
        let bound = DataType::Timestamp(TimeUnit::Microsecond, None);
        let t = spec("1 day", "1 day", "0 seconds");
        let err =
            tumbling_windows("window", &micros(vec![Some(i64::MAX - 1)]), t, &bound).unwrap_err();
        assert!(err.to_string().contains("outside the range"), "{err}");
        let err = tumbling_windows("window", &micros(vec![Some(i64::MIN)]), t, &bound).unwrap_err();
        assert!(err.to_string().contains("outside the range"), "{err}");
        let s = spec("1 day", "1 hour", "0 seconds");
        assert!(all_windows(
            "sliding_windows",
            &micros(vec![Some(i64::MIN + 5)]),
            s,
            &bound
        )
        .is_err());
        // Dates far outside the timestamp range.
        let dates: ArrayRef = Arc::new(Date32Array::from(vec![i32::MAX]));
        assert!(tumbling_windows("window", &dates, t, &bound).is_err());
    }

    #[test]
    fn udf_types_and_scalar_invocation() {
        let w = Window::new();
        let ts = DataType::Timestamp(TimeUnit::Second, Some("UTC".into()));
        assert_eq!(
            w.coerce_types(&[ts.clone(), DataType::Utf8]).unwrap(),
            vec![ts.clone(), DataType::Utf8]
        );
        assert!(w.coerce_types(&[DataType::Int64, DataType::Utf8]).is_err());
        assert!(w.coerce_types(&[ts.clone(), DataType::Int64]).is_err());
        assert!(w.coerce_types(std::slice::from_ref(&ts)).is_err());
        assert!(SlidingWindows::new()
            .coerce_types(&[ts.clone(), DataType::Utf8])
            .is_err());
        let args = ScalarFunctionArgs {
            args: vec![
                ColumnarValue::Scalar(ScalarValue::TimestampSecond(
                    Some(3_601),
                    Some("UTC".into()),
                )),
                ColumnarValue::Scalar(ScalarValue::Utf8(Some("1 hour".into()))),
            ],
            arg_fields: vec![
                Arc::new(Field::new("ts", ts.clone(), true)),
                Arc::new(Field::new("size", DataType::Utf8, false)),
            ],
            number_rows: 3,
            return_field: Arc::new(Field::new("w", DataType::Struct(window_fields(&ts)), true)),
            config_options: Arc::new(Default::default()),
        };
        let ColumnarValue::Scalar(ScalarValue::Struct(s)) = w.invoke_with_args(args).unwrap()
        else {
            panic!("expected a struct scalar")
        };
        let start = s.column(0).as_primitive::<TimestampSecondType>();
        assert_eq!(start.value(0), 3_600);
        assert_eq!(s.column(1).data_type(), &ts);
    }
}
