//! `date_format(ts, pattern)` with Spark's (Java `DateTimeFormatter`) pattern letters, and
//! Spark's `dayofweek(ts)` (1 = Sunday .. 7 = Saturday).
//!
//! DataFusion's own `date_format` is an alias of `to_char` with chrono (`%Y-%m`)
//! patterns; registering this function replaces that alias with Spark's semantics
//! (`to_char` itself stays available). The pattern is compiled once into a token list
//! and every row is written straight into the result's string buffer.

use std::fmt::Write;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike};
use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int32Array, StringBuilder};
use datafusion::arrow::buffer::ScalarBuffer;
use datafusion::arrow::datatypes::{ArrowNativeType, DataType, Date32Type, Date64Type, TimeUnit};
use datafusion::arrow::datatypes::{Field, FieldRef};
use datafusion::common::{exec_datafusion_err, exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};
use datafusion_macros::user_doc;

use super::{coerce_datetime, map_columnar, timestamp_values};

/// One element of a compiled pattern; the `usize` is the number of repeated letters.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    Era(usize),
    Year(usize),
    Month(usize),
    DayOfMonth(usize),
    DayOfYear(usize),
    /// `H`: 0-23.
    Hour(usize),
    /// `k`: 1-24.
    ClockHour(usize),
    /// `h`: 1-12.
    Hour12(usize),
    /// `K`: 0-11.
    Hour11(usize),
    Minute(usize),
    Second(usize),
    Fraction(usize),
    AmPm,
    DayName(usize),
    /// `u`: 1 = Monday .. 7 = Sunday.
    DayNumber(usize),
    WeekOfYear(usize),
    Quarter(usize),
    /// `X` (`Z` for a zero offset) and `x`.
    OffsetX {
        count: usize,
        zero_as_z: bool,
    },
    /// `Z`.
    OffsetZ(usize),
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

const SUPPORTED: &str = "G y M L d D Q q E u w a h K k H m s S X x Z";

/// Compiles a Java/Spark datetime pattern.
fn compile(pattern: &str) -> std::result::Result<Vec<Token>, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // '' is a quote; otherwise text up to the closing quote, with '' inside.
            if chars.get(i + 1) == Some(&'\'') {
                literal.push('\'');
                i += 2;
                continue;
            }
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("unclosed quote (write '' for a literal quote)".into()),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        literal.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        literal.push(*ch);
                        i += 1;
                    }
                }
            }
            continue;
        }
        if !c.is_ascii_alphabetic() {
            match c {
                // Optional sections: every field is available when formatting.
                '[' | ']' => {}
                '{' | '}' | '#' => return Err(format!("'{c}' is reserved")),
                _ => literal.push(c),
            }
            i += 1;
            continue;
        }
        let mut count = 1;
        while chars.get(i + count) == Some(&c) {
            count += 1;
        }
        i += count;
        let too_many = || {
            format!(
                "too many pattern letters: '{}'",
                c.to_string().repeat(count)
            )
        };
        let token = match (c, count) {
            ('G', 1..=5) => Token::Era(count),
            ('y', 1..=9) => Token::Year(count),
            ('M' | 'L', 1..=5) => Token::Month(count),
            ('d', 1..=2) => Token::DayOfMonth(count),
            ('D', 1..=3) => Token::DayOfYear(count),
            ('Q' | 'q', 1..=5) => Token::Quarter(count),
            ('E', 1..=5) => Token::DayName(count),
            ('u', 1..=9) => Token::DayNumber(count),
            ('w', 1..=2) => Token::WeekOfYear(count),
            ('a', 1) => Token::AmPm,
            ('h', 1..=2) => Token::Hour12(count),
            ('K', 1..=2) => Token::Hour11(count),
            ('k', 1..=2) => Token::ClockHour(count),
            ('H', 1..=2) => Token::Hour(count),
            ('m', 1..=2) => Token::Minute(count),
            ('s', 1..=2) => Token::Second(count),
            ('S', 1..=9) => Token::Fraction(count),
            ('X', 1..=3) => Token::OffsetX {
                count,
                zero_as_z: true,
            },
            ('x', 1..=3) => Token::OffsetX {
                count,
                zero_as_z: false,
            },
            ('Z', 1..=3 | 5) => Token::OffsetZ(count),
            ('G' | 'y' | 'M' | 'L' | 'd' | 'D' | 'Q' | 'q' | 'E' | 'u' | 'w' | 'a' | 'h'
            | 'K' | 'k' | 'H' | 'm' | 's' | 'S' | 'X' | 'x' | 'Z', _) => return Err(too_many()),
            _ => {
                return Err(format!(
                    "pattern letter '{c}' is not supported (supported: {SUPPORTED}; quote literal text as 'T')"
                ))
            }
        };
        if !literal.is_empty() {
            tokens.push(Token::Literal(std::mem::take(&mut literal)));
        }
        tokens.push(token);
    }
    if !literal.is_empty() {
        tokens.push(Token::Literal(literal));
    }
    Ok(tokens)
}

/// Week of the year with `Locale.US` rules (`SimpleDateFormat`'s `w`): weeks start on
/// Sunday and week 1 is the week containing January 1st, so the last days of December
/// that share a week with the next January 1st are in week 1.
fn us_week_of_year(date: NaiveDate) -> u32 {
    let weekday = date.weekday().num_days_from_sunday();
    let week_end = date.checked_add_days(Days::new(u64::from(6 - weekday)));
    if week_end.is_some_and(|end| end.year() > date.year()) {
        return 1;
    }
    let jan1_weekday = (7 + weekday - date.ordinal0() % 7) % 7;
    (date.ordinal0() + jan1_weekday) / 7 + 1
}

fn write_offset(
    out: &mut impl Write,
    seconds: i32,
    colon: bool,
    with_minutes: bool,
) -> std::fmt::Result {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    let (h, m) = (abs / 3600, abs % 3600 / 60);
    write!(out, "{sign}{h:02}")?;
    if with_minutes || m != 0 {
        if colon {
            out.write_char(':')?;
        }
        write!(out, "{m:02}")?;
    }
    Ok(())
}

/// Writes one local date-time (with its UTC offset in seconds) in the compiled pattern.
fn format_into(
    out: &mut impl Write,
    tokens: &[Token],
    dt: &NaiveDateTime,
    offset: i32,
) -> std::fmt::Result {
    for token in tokens {
        match token {
            Token::Literal(s) => out.write_str(s)?,
            Token::Era(n) => {
                let ad = dt.year() > 0;
                out.write_str(match (n, ad) {
                    (4, true) => "Anno Domini",
                    (4, false) => "Before Christ",
                    (5, true) => "A",
                    (5, false) => "B",
                    (_, true) => "AD",
                    (_, false) => "BC",
                })?
            }
            Token::Year(n) => {
                let year = dt.year();
                let year_of_era = if year > 0 { year } else { 1 - year };
                if *n == 2 {
                    write!(out, "{:02}", year_of_era % 100)?
                } else {
                    write!(out, "{:0width$}", year_of_era, width = *n)?
                }
            }
            Token::Month(n) => {
                let m = dt.month() as usize;
                let name = MONTHS[m - 1];
                match n {
                    1 | 2 => write!(out, "{:0width$}", m, width = *n)?,
                    3 => out.write_str(&name[..3])?,
                    4 => out.write_str(name)?,
                    _ => out.write_str(&name[..1])?,
                }
            }
            Token::DayOfMonth(n) => write!(out, "{:0width$}", dt.day(), width = *n)?,
            Token::DayOfYear(n) => write!(out, "{:0width$}", dt.ordinal(), width = *n)?,
            Token::Hour(n) => write!(out, "{:0width$}", dt.hour(), width = *n)?,
            Token::ClockHour(n) => {
                let h = if dt.hour() == 0 { 24 } else { dt.hour() };
                write!(out, "{:0width$}", h, width = *n)?
            }
            Token::Hour12(n) => {
                let h = if dt.hour().is_multiple_of(12) {
                    12
                } else {
                    dt.hour() % 12
                };
                write!(out, "{:0width$}", h, width = *n)?
            }
            Token::Hour11(n) => write!(out, "{:0width$}", dt.hour() % 12, width = *n)?,
            Token::Minute(n) => write!(out, "{:0width$}", dt.minute(), width = *n)?,
            Token::Second(n) => write!(out, "{:0width$}", dt.second(), width = *n)?,
            Token::Fraction(n) => {
                // Leap-second nanoseconds (>= 1e9) never occur in Arrow timestamps.
                let nanos = dt.nanosecond() % 1_000_000_000;
                let digits = nanos / 10u32.pow(9 - *n as u32);
                write!(out, "{:0width$}", digits, width = *n)?
            }
            Token::AmPm => out.write_str(if dt.hour() < 12 { "AM" } else { "PM" })?,
            Token::DayName(n) => {
                let name = DAYS[dt.weekday().num_days_from_monday() as usize];
                match n {
                    4 => out.write_str(name)?,
                    5 => out.write_str(&name[..1])?,
                    _ => out.write_str(&name[..3])?,
                }
            }
            Token::DayNumber(n) => write!(
                out,
                "{:0width$}",
                dt.weekday().number_from_monday(),
                width = *n
            )?,
            Token::WeekOfYear(n) => {
                write!(out, "{:0width$}", us_week_of_year(dt.date()), width = *n)?
            }
            Token::Quarter(n) => {
                let q = (dt.month() - 1) / 3 + 1;
                match n {
                    1 | 5 => write!(out, "{q}")?,
                    2 => write!(out, "{q:02}")?,
                    3 => write!(out, "Q{q}")?,
                    _ => out
                        .write_str(["1st", "2nd", "3rd", "4th"][q as usize - 1])
                        .and_then(|_| out.write_str(" quarter"))?,
                }
            }
            Token::OffsetX { count, zero_as_z } => {
                if *zero_as_z && offset == 0 {
                    out.write_char('Z')?
                } else {
                    match count {
                        1 => write_offset(out, offset, false, false)?,
                        2 => write_offset(out, offset, false, true)?,
                        _ => write_offset(out, offset, true, true)?,
                    }
                }
            }
            Token::OffsetZ(count) => {
                if *count == 5 {
                    if offset == 0 {
                        out.write_char('Z')?
                    } else {
                        write_offset(out, offset, true, true)?
                    }
                } else {
                    write_offset(out, offset, false, true)?
                }
            }
        }
    }
    Ok(())
}

/// The zone timestamps of a column are shown in.
enum Zone {
    /// Naive timestamps and dates: their wall clock, offset 0 (as UTC).
    Naive,
    Tz(Tz),
}

fn utc_naive(v: i64, unit: TimeUnit) -> Option<NaiveDateTime> {
    let (secs, nanos) = match unit {
        TimeUnit::Second => (v, 0),
        TimeUnit::Millisecond => (v.div_euclid(1_000), v.rem_euclid(1_000) * 1_000_000),
        TimeUnit::Microsecond => (v.div_euclid(1_000_000), v.rem_euclid(1_000_000) * 1_000),
        TimeUnit::Nanosecond => (v.div_euclid(1_000_000_000), v.rem_euclid(1_000_000_000)),
    };
    DateTime::from_timestamp(secs, u32::try_from(nanos).ok()?).map(|d| d.naive_utc())
}

/// Local date-time and UTC offset (seconds) of a timestamp value.
fn local(v: i64, unit: TimeUnit, zone: &Zone) -> Option<(NaiveDateTime, i32)> {
    let utc = utc_naive(v, unit)?;
    match zone {
        Zone::Naive => Some((utc, 0)),
        Zone::Tz(tz) => {
            let offset = tz.offset_from_utc_datetime(&utc).fix().local_minus_utc();
            let local = utc.checked_add_signed(chrono::TimeDelta::seconds(i64::from(offset)))?;
            Some((local, offset))
        }
    }
}

/// Calls `f(row, local)` for every row of a timestamp or date array (`None` for NULL).
fn for_each_local(
    name: &str,
    array: &ArrayRef,
    mut f: impl FnMut(usize, Option<(NaiveDateTime, i32)>) -> Result<()>,
) -> Result<()> {
    fn visit<N: ArrowNativeType + Into<i64>>(
        name: &str,
        values: &[N],
        nulls: Option<&datafusion::arrow::buffer::NullBuffer>,
        unit: TimeUnit,
        scale: i64,
        zone: &Zone,
        f: &mut impl FnMut(usize, Option<(NaiveDateTime, i32)>) -> Result<()>,
    ) -> Result<()> {
        for (row, v) in values.iter().enumerate() {
            if nulls.is_some_and(|n| n.is_null(row)) {
                f(row, None)?;
                continue;
            }
            let raw: i64 = (*v).into();
            let dt = raw
                .checked_mul(scale)
                .and_then(|v| local(v, unit, zone))
                .ok_or_else(|| exec_datafusion_err!("{name}: timestamp {raw} is out of range"))?;
            f(row, Some(dt))?;
        }
        Ok(())
    }
    let zone = match array.data_type() {
        DataType::Timestamp(_, Some(tz)) => Zone::Tz(tz.parse::<Tz>()?),
        _ => Zone::Naive,
    };
    let nulls = array.nulls();
    let f = &mut f;
    if let Some((values, unit)) = timestamp_values(array) {
        return visit(name, values, nulls, unit, 1, &zone, f);
    }
    match array.data_type() {
        DataType::Date32 => visit(
            name,
            array.as_primitive::<Date32Type>().values(),
            nulls,
            TimeUnit::Second,
            86_400,
            &zone,
            f,
        ),
        DataType::Date64 => visit(
            name,
            array.as_primitive::<Date64Type>().values(),
            nulls,
            TimeUnit::Millisecond,
            1,
            &zone,
            f,
        ),
        DataType::Null => (0..array.len()).try_for_each(|row| f(row, None)),
        other => exec_err!("{name}: expected a timestamp or a date, got {other}"),
    }
}

fn pattern_error(name: &str, pattern: &str, e: String) -> datafusion::error::DataFusionError {
    datafusion::error::DataFusionError::Plan(format!("{name}: invalid pattern '{pattern}': {e}"))
}

#[user_doc(
    doc_section(label = "Time Series Functions"),
    description = "Formats a timestamp or date with a Spark (Java `DateTimeFormatter`) pattern. \
Letters: `y` year (`yy` two digits, `yyyy` padded), `M`/`L` month (`M`, `MM`, `MMM` Jan, `MMMM` \
January), `d` day of month, `D` day of year, `Q`/`q` quarter (`Q` 1, `QQ` 01, `QQQ` Q1, `QQQQ` \
1st quarter), `E` day name (`E`..`EEE` Mon, `EEEE` Monday), `u` day number (1 = Monday .. \
7 = Sunday), `w` week of year, `a` AM/PM, `H` hour 0-23, `h` 1-12, `k` 1-24, `K` 0-11, `m` \
minute, `s` second, `S`..`SSSSSSSSS` fraction of a second (truncated), `G` era, `X`/`x`/`Z` \
UTC offset. Text in single quotes is literal (`'T'`, `''` for a quote); other punctuation \
passes through. `w` follows `Locale.US` rules (Java `SimpleDateFormat`, i.e. Spark 2 or \
Spark 3 with `spark.sql.legacy.timeParserPolicy=LEGACY`; Spark 3's default parser rejects \
week-based letters): weeks start on Sunday and week 1 is the week containing January 1st, \
so 2023-12-31 (a Sunday) is in week 1. Zoned timestamps are formatted in their zone, naive \
timestamps and dates as they are (offset `Z`). English names only. Unsupported letters \
(`Y`, `W`, `e`, `z`, `V`, ...) are an error; a non-constant pattern is compiled per distinct \
value. NULL in, NULL out.",
    syntax_example = "date_format(ts, pattern)",
    sql_example = r#"```sql
> SELECT date_format(TIMESTAMP '2023-12-31 18:05:09', 'yyyy-MM'),
         date_format(TIMESTAMP '2023-12-31 18:05:09', 'E'),
         date_format(TIMESTAMP '2023-12-31 18:05:09', 'w'),
         date_format(TIMESTAMP '2023-12-31 18:05:09', 'EEEE dd MMM yyyy hh:mm a');
+---------+-----+---+-----------------------------+
| 2023-12 | Sun | 1 | Sunday 31 Dec 2023 06:05 PM |
+---------+-----+---+-----------------------------+
```"#,
    argument(
        name = "ts",
        description = "Timestamp (any unit, with or without time zone), date, or a string cast to a timestamp."
    ),
    argument(
        name = "pattern",
        description = "Spark datetime pattern, e.g. 'yyyy-MM-dd HH:mm:ss', 'E', 'w', 'yyyy-MM'."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DateFormat {
    signature: Signature,
}

impl Default for DateFormat {
    fn default() -> Self {
        Self::new()
    }
}

impl DateFormat {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Immutable),
        }
    }
}

/// Formats every row of `ts` with the pattern of each row (`patterns`), compiling a
/// pattern only when it differs from the previous row's.
fn format_array(
    name: &str,
    ts: &ArrayRef,
    pattern_at: impl Fn(usize) -> Option<String>,
) -> Result<ArrayRef> {
    let n = ts.len();
    let mut out = StringBuilder::with_capacity(n, n * 16);
    let mut compiled: Option<(String, Vec<Token>)> = None;
    for_each_local(name, ts, |row, value| {
        let (Some((dt, offset)), Some(pattern)) = (value, pattern_at(row)) else {
            out.append_null();
            return Ok(());
        };
        if compiled.as_ref().is_none_or(|(p, _)| *p != pattern) {
            let tokens = compile(&pattern).map_err(|e| pattern_error(name, &pattern, e))?;
            compiled = Some((pattern, tokens));
        }
        if let Some((_, tokens)) = &compiled {
            format_into(&mut out, tokens, &dt, offset)
                .map_err(|_| exec_datafusion_err!("{name}: formatting failed"))?;
        }
        out.append_value("");
        Ok(())
    })?;
    Ok(Arc::new(out.finish()))
}

fn string_scalar(value: &ScalarValue) -> Option<Option<&str>> {
    match value {
        ScalarValue::Utf8(s) | ScalarValue::LargeUtf8(s) | ScalarValue::Utf8View(s) => {
            Some(s.as_deref())
        }
        ScalarValue::Null => Some(None),
        _ => None,
    }
}

impl ScalarUDFImpl for DateFormat {
    fn name(&self) -> &str {
        "date_format"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let [ts, pattern] = arg_types else {
            return plan_err!(
                "date_format expects date_format(ts, pattern), got {} arguments",
                arg_types.len()
            );
        };
        let pattern = match pattern {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
                DataType::Utf8
            }
            other => return plan_err!("date_format: the pattern must be a string, got {other}"),
        };
        Ok(vec![coerce_datetime(self.name(), ts)?, pattern])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    /// Compiles a constant pattern at plan time, so that bad patterns fail early.
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        if let Some(Some(value)) = args.scalar_arguments.get(1) {
            if let Some(Some(pattern)) = string_scalar(value) {
                compile(pattern).map_err(|e| pattern_error(self.name(), pattern, e))?;
            }
        }
        Ok(Arc::new(Field::new(self.name(), DataType::Utf8, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [ts, pattern] = args.args.as_slice() else {
            return exec_err!("date_format expects date_format(ts, pattern)");
        };
        let scalar_input =
            matches!(ts, ColumnarValue::Scalar(_)) && matches!(pattern, ColumnarValue::Scalar(_));
        let rows = if scalar_input { 1 } else { args.number_rows };
        let ts = ts.to_array(rows)?;
        let result = match pattern {
            ColumnarValue::Scalar(value) => {
                let Some(pattern) = string_scalar(value) else {
                    return exec_err!("date_format: the pattern must be a string");
                };
                let pattern = pattern.map(str::to_string);
                format_array(self.name(), &ts, |_| pattern.clone())?
            }
            ColumnarValue::Array(patterns) => {
                let patterns = datafusion::arrow::compute::cast(patterns, &DataType::Utf8)?;
                let patterns = patterns.as_string::<i32>();
                format_array(self.name(), &ts, |row| {
                    patterns
                        .is_valid(row)
                        .then(|| patterns.value(row).to_string())
                })?
            }
        };
        if scalar_input {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                &result, 0,
            )?))
        } else {
            Ok(ColumnarValue::Array(result))
        }
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[user_doc(
    doc_section(label = "Time Series Functions"),
    description = "Spark's `dayofweek`: the day of the week of a timestamp or date as an \
integer, 1 = Sunday, 2 = Monday, .., 7 = Saturday. Zoned timestamps use their local date. \
NULL in, NULL out. (DataFusion's `date_part('dow', ts)` counts 0 = Sunday.)",
    syntax_example = "dayofweek(ts)",
    sql_example = r#"```sql
> SELECT dayofweek(DATE '2024-01-07'), dayofweek(TIMESTAMP '2024-01-13 23:59:59');
+---+---+
| 1 | 7 |
+---+---+
```"#,
    argument(
        name = "ts",
        description = "Timestamp (any unit, with or without time zone), date, or a string cast to a timestamp."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DayOfWeek {
    signature: Signature,
}

impl Default for DayOfWeek {
    fn default() -> Self {
        Self::new()
    }
}

impl DayOfWeek {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Immutable),
        }
    }
}

/// Spark's day of week (1 = Sunday) of `days` since 1970-01-01 (a Thursday).
#[inline]
fn day_of_week_from_days(days: i64) -> i32 {
    ((days + 4).rem_euclid(7) + 1) as i32
}

fn day_of_week(name: &str, ts: &ArrayRef) -> Result<ArrayRef> {
    let n = ts.len();
    let nulls = ts.logical_nulls();
    // Naive timestamps and dates: straight from the day number.
    let per_day = match ts.data_type() {
        DataType::Timestamp(unit, None) => Some(match unit {
            TimeUnit::Second => 86_400i64,
            TimeUnit::Millisecond => 86_400_000,
            TimeUnit::Microsecond => 86_400_000_000,
            TimeUnit::Nanosecond => 86_400_000_000_000,
        }),
        DataType::Date64 => Some(86_400_000),
        _ => None,
    };
    let values: Vec<i32> = match (ts.data_type(), per_day) {
        (DataType::Date32, _) => ts
            .as_primitive::<Date32Type>()
            .values()
            .iter()
            .map(|d| day_of_week_from_days(i64::from(*d)))
            .collect(),
        (DataType::Timestamp(..) | DataType::Date64, Some(per_day)) => {
            let raw: &[i64] = match timestamp_values(ts) {
                Some((values, _)) => values,
                None => ts.as_primitive::<Date64Type>().values(),
            };
            raw.iter()
                .map(|v| day_of_week_from_days(v.div_euclid(per_day)))
                .collect()
        }
        _ => {
            let mut values = vec![0i32; n];
            for_each_local(name, ts, |row, local| {
                if let Some((dt, _)) = local {
                    values[row] = dt.weekday().number_from_sunday() as i32;
                }
                Ok(())
            })?;
            values
        }
    };
    Ok(Arc::new(Int32Array::new(ScalarBuffer::from(values), nulls)))
}

impl ScalarUDFImpl for DayOfWeek {
    fn name(&self) -> &str {
        "dayofweek"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let [ts] = arg_types else {
            return plan_err!(
                "dayofweek expects one argument, dayofweek(ts), got {}",
                arg_types.len()
            );
        };
        Ok(vec![coerce_datetime(self.name(), ts)?])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [ts] = args.args.as_slice() else {
            return exec_err!("dayofweek expects one argument");
        };
        map_columnar(ts, |array| day_of_week(self.name(), array))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{
        Date32Array, TimestampMicrosecondArray, TimestampNanosecondArray, TimestampSecondArray,
    };

    fn at(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32, nanos: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_nano_opt(h, mi, s, nanos)
            .unwrap()
    }

    fn fmt(pattern: &str, dt: &NaiveDateTime, offset: i32) -> String {
        let tokens = compile(pattern).unwrap();
        let mut s = String::new();
        format_into(&mut s, &tokens, dt, offset).unwrap();
        s
    }

    #[test]
    fn common_patterns() {
        let dt = at(2024, 3, 5, 14, 7, 9, 123_456_789);
        assert_eq!(fmt("yyyy-MM-dd HH:mm:ss", &dt, 0), "2024-03-05 14:07:09");
        assert_eq!(fmt("yyyy-MM", &dt, 0), "2024-03");
        assert_eq!(fmt("yy/M/d", &dt, 0), "24/3/5");
        assert_eq!(fmt("y", &dt, 0), "2024");
        assert_eq!(fmt("MMM MMMM", &dt, 0), "Mar March");
        assert_eq!(fmt("E EE EEE EEEE", &dt, 0), "Tue Tue Tue Tuesday");
        assert_eq!(fmt("u", &dt, 0), "2");
        assert_eq!(fmt("D DDD", &dt, 0), "65 065");
        assert_eq!(fmt("h hh a K k", &dt, 0), "2 02 PM 2 14");
        assert_eq!(
            fmt("S SSS SSSSSS SSSSSSSSS", &dt, 0),
            "1 123 123456 123456789"
        );
        assert_eq!(fmt("Q QQ QQQ QQQQ", &dt, 0), "1 01 Q1 1st quarter");
        assert_eq!(fmt("G", &dt, 0), "AD");
        assert_eq!(
            fmt("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", &dt, 0),
            "2024-03-05T14:07:09.123Z"
        );
        assert_eq!(fmt("XXX xx Z X", &dt, 19_800), "+05:30 +0530 +0530 +0530");
        assert_eq!(fmt("XXX x ZZZZZ", &dt, -28_800), "-08:00 -08 -08:00");
        assert_eq!(fmt("'o''clock' ''h''", &dt, 0), "o'clock '2'");
        assert_eq!(fmt("[yyyy]", &dt, 0), "2024");
        let midnight = at(2024, 3, 5, 0, 0, 0, 0);
        assert_eq!(fmt("hh a k K", &midnight, 0), "12 AM 24 0");
        assert_eq!(fmt("yyyy", &at(987, 1, 1, 0, 0, 0, 0), 0), "0987");
    }

    #[test]
    fn week_of_year_around_new_year() {
        let week = |y, m, d| fmt("w", &at(y, m, d, 12, 0, 0, 0), 0);
        // 2022-01-01 is a Saturday: week 1; Sunday 2022-01-02 starts week 2.
        assert_eq!(week(2022, 1, 1), "1");
        assert_eq!(week(2022, 1, 2), "2");
        assert_eq!(week(2021, 12, 25), "52");
        // Dec 26-31 2021 share a week with 2022-01-01: week 1.
        assert_eq!(week(2021, 12, 26), "1");
        assert_eq!(week(2021, 12, 31), "1");
        // 2023-12-31 is a Sunday whose week holds 2024-01-01.
        assert_eq!(week(2023, 12, 31), "1");
        assert_eq!(week(2023, 12, 30), "52");
        assert_eq!(week(2023, 1, 1), "1");
        assert_eq!(week(2023, 1, 8), "2");
        assert_eq!(week(2024, 1, 6), "1");
        assert_eq!(week(2024, 1, 7), "2");
        // A 53-week year: 2022-12-25 (Sunday) starts week 53 (2023-01-01 is Sunday).
        assert_eq!(week(2022, 12, 25), "53");
        assert_eq!(week(2022, 12, 31), "53");
        assert_eq!(fmt("ww", &at(2024, 1, 6, 0, 0, 0, 0), 0), "01");
        // Against a brute-force definition for every day of 1999-2031.
        let mut d = NaiveDate::from_ymd_opt(1999, 1, 1).unwrap();
        while d.year() < 2032 {
            let mut sunday = d;
            while sunday.weekday().num_days_from_sunday() != 0 {
                sunday = sunday.pred_opt().unwrap();
            }
            let saturday = sunday + chrono::Duration::days(6);
            let expected = if saturday.year() > d.year() {
                1
            } else {
                let jan1 = NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap();
                let mut first_sunday = jan1;
                while first_sunday.weekday().num_days_from_sunday() != 0 {
                    first_sunday = first_sunday.pred_opt().unwrap();
                }
                (sunday - first_sunday).num_days() / 7 + 1
            };
            assert_eq!(us_week_of_year(d) as i64, expected, "{d}");
            d = d.succ_opt().unwrap();
        }
    }

    #[test]
    fn pattern_errors() {
        assert!(compile("YYYY")
            .unwrap_err()
            .contains("'Y' is not supported"));
        assert!(compile("e").unwrap_err().contains("'e'"));
        assert!(compile("ddd").unwrap_err().contains("too many"));
        assert!(compile("'abc").unwrap_err().contains("unclosed"));
        assert!(compile("{").unwrap_err().contains("reserved"));
        assert_eq!(compile("").unwrap(), vec![]);
        assert_eq!(
            compile("-/: ").unwrap(),
            vec![Token::Literal("-/: ".into())]
        );
    }

    #[test]
    fn arrays_time_zones_and_nulls() {
        // 2024-01-01T00:30:00Z: still Dec 31 in New York, already 06:00 in Kolkata.
        let v = 1_704_069_000i64;
        let utc: ArrayRef = Arc::new(TimestampSecondArray::from(vec![Some(v), None]));
        let ny: ArrayRef =
            Arc::new(TimestampSecondArray::from(vec![v]).with_timezone("America/New_York"));
        let kol: ArrayRef = Arc::new(
            TimestampNanosecondArray::from(vec![v * 1_000_000_000 + 5]).with_timezone("+05:30"),
        );
        let p = |_| Some("yyyy-MM-dd HH:mm:ss.SSSSSSSSS XXX E".to_string());
        let out = format_array("date_format", &utc, p).unwrap();
        let out = out.as_string::<i32>();
        assert_eq!(out.value(0), "2024-01-01 00:30:00.000000000 Z Mon");
        assert!(out.is_null(1));
        let out = format_array("date_format", &ny, p).unwrap();
        assert_eq!(
            out.as_string::<i32>().value(0),
            "2023-12-31 19:30:00.000000000 -05:00 Sun"
        );
        let out = format_array("date_format", &kol, p).unwrap();
        assert_eq!(
            out.as_string::<i32>().value(0),
            "2024-01-01 06:00:00.000000005 +05:30 Mon"
        );
        // Negative timestamps (before 1970) and dates.
        let old: ArrayRef = Arc::new(TimestampMicrosecondArray::from(vec![-1i64]));
        let out = format_array("date_format", &old, |_| {
            Some("yyyy-MM-dd HH:mm:ss.SSSSSS".into())
        })
        .unwrap();
        assert_eq!(
            out.as_string::<i32>().value(0),
            "1969-12-31 23:59:59.999999"
        );
        let dates: ArrayRef = Arc::new(Date32Array::from(vec![Some(19_723), None]));
        let out = format_array("date_format", &dates, |_| Some("yyyy-MM-dd EEEE".into())).unwrap();
        assert_eq!(out.as_string::<i32>().value(0), "2024-01-01 Monday");
        // Per-row patterns (NULL pattern gives NULL), empty input.
        let two: ArrayRef = Arc::new(TimestampSecondArray::from(vec![v, v, v]));
        let patterns = ["yyyy", "MM", ""];
        let out = format_array("date_format", &two, |row| {
            (row < 2).then(|| patterns[row].to_string())
        })
        .unwrap();
        let out = out.as_string::<i32>();
        assert_eq!((out.value(0), out.value(1)), ("2024", "01"));
        assert!(out.is_null(2));
        let empty: ArrayRef = Arc::new(TimestampSecondArray::from(Vec::<i64>::new()));
        assert_eq!(format_array("date_format", &empty, p).unwrap().len(), 0);
        // A bad per-row pattern is an error.
        assert!(format_array("date_format", &two, |_| Some("Y".into())).is_err());
    }

    #[test]
    fn day_of_week_values() {
        // 2024-01-07 is a Sunday; 1969-12-31 a Wednesday.
        let dates: ArrayRef = Arc::new(Date32Array::from(vec![Some(19_729), Some(-1), None]));
        let out = day_of_week("dayofweek", &dates).unwrap();
        let out: Vec<Option<i32>> = out
            .as_primitive::<datafusion::arrow::datatypes::Int32Type>()
            .iter()
            .collect();
        assert_eq!(out, vec![Some(1), Some(4), None]);
        let week: Vec<i64> = (0..7)
            .map(|d| (19_729 + d) * 86_400_000_000 + 3_600_000_000)
            .collect();
        let ts: ArrayRef = Arc::new(TimestampMicrosecondArray::from(week.clone()));
        let out = day_of_week("dayofweek", &ts).unwrap();
        let out: Vec<i32> = out
            .as_primitive::<datafusion::arrow::datatypes::Int32Type>()
            .values()
            .to_vec();
        assert_eq!(out, vec![1, 2, 3, 4, 5, 6, 7]);
        // Zoned: 01:00 UTC on Sunday is still Saturday in New York.
        let zoned: ArrayRef = Arc::new(
            TimestampMicrosecondArray::from(vec![week[0]]).with_timezone("America/New_York"),
        );
        let out = day_of_week("dayofweek", &zoned).unwrap();
        assert_eq!(
            out.as_primitive::<datafusion::arrow::datatypes::Int32Type>()
                .value(0),
            7
        );
    }
}
