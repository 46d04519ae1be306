//! Reading the input into series and putting each on a regular time grid.
//!
//! - Rows are grouped by the series column (any type; NULL is a series of its own) and
//!   sorted by time inside each series, so the input may come in any order.
//! - Rows with a NULL time are skipped. NULL (or NaN / infinite) values are missing:
//!   interpolated when interior, dropped at the ends of the series.
//! - The step is the most frequent positive difference between consecutive times (the
//!   smallest one on a tie). Calendar steps are recognised first: when every time is
//!   midnight on the 1st of a month (in the column's time zone), the grid is in months
//!   (1 = monthly, 3 = quarterly, 12 = yearly) and future times use month arithmetic;
//!   for a timestamp column with a time zone whose times are all local midnights, the
//!   grid is in local calendar days (so daily series cross DST changes). Otherwise the
//!   grid is in the column's own units (days for dates).
//! - Every time must be a whole number of steps after the series' first time; missing
//!   steps (gaps) are filled by linear interpolation between their neighbours before
//!   fitting. Duplicate times are an error naming the series and the time.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike};
use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Date64Array, TimestampMicrosecondArray,
    TimestampMillisecondArray, TimestampNanosecondArray, TimestampSecondArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Date64Type, Float64Type, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::common::{exec_datafusion_err, exec_err, plan_err, Result};

/// The type of the time column.
#[derive(Debug, Clone)]
pub enum TimeType {
    Timestamp(TimeUnit, Option<Arc<str>>),
    Date32,
    Date64,
}

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const EPOCH_DAYS_FROM_CE: i64 = 719_163;

impl TimeType {
    /// The time type of a column, or a plan error naming what is accepted.
    pub fn of(function: &str, column: &str, data_type: &DataType) -> Result<Self> {
        match data_type {
            DataType::Timestamp(unit, tz) => {
                if let Some(tz) = tz {
                    if Tz::from_str(tz).is_err() {
                        return plan_err!(
                            "{function}: time column '{column}' has an unknown time zone '{tz}'"
                        );
                    }
                }
                Ok(Self::Timestamp(*unit, tz.clone()))
            }
            DataType::Date32 => Ok(Self::Date32),
            DataType::Date64 => Ok(Self::Date64),
            other => plan_err!(
                "{function}: time column '{column}' must be a timestamp or a date, got {other}"
            ),
        }
    }

    pub fn data_type(&self) -> DataType {
        match self {
            Self::Timestamp(unit, tz) => DataType::Timestamp(*unit, tz.clone()),
            Self::Date32 => DataType::Date32,
            Self::Date64 => DataType::Date64,
        }
    }

    fn tz(&self) -> Option<Tz> {
        match self {
            Self::Timestamp(_, Some(tz)) => Tz::from_str(tz).ok(),
            _ => None,
        }
    }

    /// Native units per second (dates: per day for Date32).
    fn ticks_per_second(&self) -> i64 {
        match self {
            Self::Timestamp(TimeUnit::Second, _) => 1,
            Self::Timestamp(TimeUnit::Millisecond, _) | Self::Date64 => 1_000,
            Self::Timestamp(TimeUnit::Microsecond, _) => 1_000_000,
            Self::Timestamp(TimeUnit::Nanosecond, _) => 1_000_000_000,
            Self::Date32 => 1,
        }
    }

    /// The wall-clock date and time of a native value (in the column's time zone).
    fn local(&self, v: i64) -> Option<NaiveDateTime> {
        match self {
            Self::Date32 => {
                NaiveDate::from_num_days_from_ce_opt(i32::try_from(v + EPOCH_DAYS_FROM_CE).ok()?)?
                    .and_hms_opt(0, 0, 0)
            }
            Self::Date64 | Self::Timestamp(..) => {
                let per = self.ticks_per_second();
                let nanos = (v.rem_euclid(per) * (1_000_000_000 / per)) as u32;
                let utc = DateTime::from_timestamp(v.div_euclid(per), nanos)?;
                Some(match self.tz() {
                    Some(tz) => utc.with_timezone(&tz).naive_local(),
                    None => utc.naive_utc(),
                })
            }
        }
    }

    /// The native value of a wall-clock date and time (in the column's time zone; a
    /// local time skipped by a DST change moves to the first valid instant after it).
    fn native(&self, local: NaiveDateTime) -> Option<i64> {
        let days = i64::from(local.date().num_days_from_ce()) - EPOCH_DAYS_FROM_CE;
        match self {
            Self::Date32 => Some(days),
            Self::Date64 => Some(local.and_utc().timestamp_millis()),
            Self::Timestamp(unit, _) => {
                let utc = match self.tz() {
                    Some(tz) => {
                        let mut probe = local;
                        // At most a few hours are ever skipped.
                        let mut resolved = None;
                        for _ in 0..48 {
                            if let Some(t) = tz.from_local_datetime(&probe).earliest() {
                                resolved = Some(t.naive_utc());
                                break;
                            }
                            probe += chrono::Duration::minutes(30);
                        }
                        resolved?
                    }
                    None => local,
                };
                let utc = utc.and_utc();
                match unit {
                    TimeUnit::Second => Some(utc.timestamp()),
                    TimeUnit::Millisecond => Some(utc.timestamp_millis()),
                    TimeUnit::Microsecond => Some(utc.timestamp_micros()),
                    TimeUnit::Nanosecond => utc.timestamp_nanos_opt(),
                }
            }
        }
    }

    /// A time array from native values.
    pub fn array(&self, values: Vec<i64>) -> Result<ArrayRef> {
        Ok(match self {
            Self::Date32 => Arc::new(Date32Array::from(
                values
                    .into_iter()
                    .map(|v| {
                        i32::try_from(v).map_err(|_| exec_datafusion_err!("date {v} out of range"))
                    })
                    .collect::<Result<Vec<i32>>>()?,
            )),
            Self::Date64 => Arc::new(Date64Array::from(values)),
            Self::Timestamp(unit, tz) => match unit {
                TimeUnit::Second => {
                    Arc::new(TimestampSecondArray::from(values).with_timezone_opt(tz.clone()))
                }
                TimeUnit::Millisecond => {
                    Arc::new(TimestampMillisecondArray::from(values).with_timezone_opt(tz.clone()))
                }
                TimeUnit::Microsecond => {
                    Arc::new(TimestampMicrosecondArray::from(values).with_timezone_opt(tz.clone()))
                }
                TimeUnit::Nanosecond => {
                    Arc::new(TimestampNanosecondArray::from(values).with_timezone_opt(tz.clone()))
                }
            },
        })
    }

    /// A native value as SQL would display it.
    pub fn display(&self, v: i64) -> String {
        self.array(vec![v])
            .ok()
            .and_then(|a| array_value_to_string(&a, 0).ok())
            .unwrap_or_else(|| v.to_string())
    }

    /// Native values of a time column (NULL as `None`).
    fn values(&self, array: &dyn Array) -> Result<Vec<Option<i64>>> {
        fn collect<T: datafusion::arrow::datatypes::ArrowPrimitiveType>(
            array: &dyn Array,
        ) -> Vec<Option<i64>>
        where
            T::Native: Into<i64>,
        {
            array
                .as_primitive::<T>()
                .iter()
                .map(|v| v.map(Into::into))
                .collect()
        }
        Ok(match array.data_type() {
            DataType::Date32 => collect::<Date32Type>(array),
            DataType::Date64 => collect::<Date64Type>(array),
            DataType::Timestamp(TimeUnit::Second, _) => collect::<TimestampSecondType>(array),
            DataType::Timestamp(TimeUnit::Millisecond, _) => {
                collect::<TimestampMillisecondType>(array)
            }
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                collect::<TimestampMicrosecondType>(array)
            }
            DataType::Timestamp(TimeUnit::Nanosecond, _) => {
                collect::<TimestampNanosecondType>(array)
            }
            other => return exec_err!("time column changed type to {other}"),
        })
    }
}

/// The grid a series lives on: coordinates are native units, local calendar days or
/// months (year * 12 + month - 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calendar {
    Native,
    Days,
    Months,
}

/// Which input columns hold what.
#[derive(Debug, Clone)]
pub struct Columns {
    pub series: Option<usize>,
    pub time: usize,
    pub value: usize,
    pub time_type: TimeType,
}

/// One series as read: its key (batch, row of the first occurrence), key bytes for
/// ordering, and (time, value) points with NaN for a missing value.
#[derive(Debug)]
pub struct RawSeries {
    pub key: (usize, usize),
    sort_key: Vec<u8>,
    pub points: Vec<(i64, f64)>,
}

/// All series of the input, ordered by series value, and the series column of each
/// batch (to build output keys with `interleave`).
pub struct SeriesSet {
    pub series: Vec<RawSeries>,
    pub key_arrays: Vec<ArrayRef>,
}

/// Groups the input rows into series.
pub fn read_series(batches: &[RecordBatch], columns: &Columns) -> Result<SeriesSet> {
    let converter = match columns.series {
        Some(i) => match batches.first() {
            Some(b) => Some(RowConverter::new(vec![SortField::new(
                b.column(i).data_type().clone(),
            )])?),
            None => None,
        },
        None => None,
    };
    let mut index: HashMap<Box<[u8]>, usize> = HashMap::new();
    let mut series: Vec<RawSeries> = Vec::new();
    let mut key_arrays = Vec::with_capacity(batches.len());
    for (b, batch) in batches.iter().enumerate() {
        let times = columns
            .time_type
            .values(batch.column(columns.time).as_ref())?;
        let values = cast(batch.column(columns.value), &DataType::Float64)?;
        let values = values.as_primitive::<Float64Type>();
        let rows = match (&converter, columns.series) {
            (Some(c), Some(i)) => {
                key_arrays.push(Arc::clone(batch.column(i)));
                Some(c.convert_columns(&[Arc::clone(batch.column(i))])?)
            }
            _ => None,
        };
        for (r, time) in times.into_iter().enumerate() {
            let Some(time) = time else { continue };
            let value = if values.is_valid(r) {
                let v = values.value(r);
                if v.is_finite() {
                    v
                } else {
                    f64::NAN
                }
            } else {
                f64::NAN
            };
            let key: &[u8] = rows.as_ref().map(|rows| rows.row(r).data()).unwrap_or(&[]);
            let s = match index.get(key) {
                Some(&s) => s,
                None => {
                    index.insert(key.into(), series.len());
                    series.push(RawSeries {
                        key: (b, r),
                        sort_key: key.to_vec(),
                        points: Vec::new(),
                    });
                    series.len() - 1
                }
            };
            series[s].points.push((time, value));
        }
    }
    series.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
    Ok(SeriesSet { series, key_arrays })
}

/// A series' name for messages: `series 'x'` (`series NULL`), or `the series` without
/// a series column.
pub fn describe(key_arrays: &[ArrayRef], key: (usize, usize)) -> String {
    match key_arrays.get(key.0) {
        Some(array) if array.is_null(key.1) => "series NULL".to_string(),
        Some(array) => {
            let text = array_value_to_string(array, key.1).unwrap_or_default();
            format!("series '{text}'")
        }
        None => "the series".to_string(),
    }
}

/// A series on its regular grid, gaps filled.
#[derive(Debug, Clone, PartialEq)]
pub struct Regular {
    pub calendar: Calendar,
    /// Grid coordinate of the first point and the step, in calendar units.
    pub start: i64,
    pub step: i64,
    pub values: Vec<f64>,
    /// Whether each value was observed (false: interpolated into a gap or NULL).
    pub observed: Vec<bool>,
}

/// Gaps may make a series at most this many times longer than its observations (plus
/// [`GAP_SLACK`]): a stray time far away should not allocate a huge grid.
const GAP_FACTOR: usize = 10;
const GAP_SLACK: usize = 1000;

/// Puts a series on its grid (see the module documentation). `describe` names the
/// series in errors.
pub fn regularize(
    function: &str,
    mut points: Vec<(i64, f64)>,
    time_type: &TimeType,
    describe: &dyn Fn() -> String,
) -> Result<Regular> {
    points.sort_unstable_by_key(|p| p.0);
    if let Some(w) = points.windows(2).find(|w| w[0].0 == w[1].0) {
        return exec_err!(
            "{function}: {} has more than one row at time {}",
            describe(),
            time_type.display(w[0].0)
        );
    }
    // Drop missing values at the ends.
    let first = points.iter().position(|p| p.1.is_finite());
    let last = points.iter().rposition(|p| p.1.is_finite());
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(Regular {
            calendar: Calendar::Native,
            start: 0,
            step: 1,
            values: Vec::new(),
            observed: Vec::new(),
        });
    };
    let points = &points[first..=last];

    let locals: Vec<Option<NaiveDateTime>> = points.iter().map(|p| time_type.local(p.0)).collect();
    let midnight = |d: &Option<NaiveDateTime>| {
        d.is_some_and(|d| d.num_seconds_from_midnight() == 0 && d.nanosecond() == 0)
    };
    let calendar = if points.len() >= 2
        && locals
            .iter()
            .all(|d| midnight(d) && d.is_some_and(|d| d.day() == 1))
    {
        Calendar::Months
    } else if matches!(time_type, TimeType::Timestamp(_, Some(_)))
        && points.len() >= 2
        && locals.iter().all(midnight)
    {
        Calendar::Days
    } else {
        Calendar::Native
    };
    let coords: Vec<i64> = match calendar {
        Calendar::Native => points.iter().map(|p| p.0).collect(),
        Calendar::Days => locals
            .iter()
            .map(|d| {
                d.map_or(0, |d| {
                    i64::from(d.date().num_days_from_ce()) - EPOCH_DAYS_FROM_CE
                })
            })
            .collect(),
        Calendar::Months => locals
            .iter()
            .map(|d| d.map_or(0, |d| i64::from(d.year()) * 12 + i64::from(d.month0())))
            .collect(),
    };
    let step = most_frequent_step(&coords);
    let start = coords[0];
    // Offsets in i128: the difference of two extreme i64 times does not fit an i64.
    let offset = |c: i64| (i128::from(c) - i128::from(start)) / i128::from(step);
    for (c, p) in coords.iter().zip(points) {
        if (i128::from(*c) - i128::from(start)) % i128::from(step) != 0 {
            return exec_err!(
                "{function}: {} has time {}, which is not a whole number of steps ({}) after its \
first time {}; aggregate the series to a regular interval first",
                describe(),
                time_type.display(p.0),
                describe_step(calendar, step, time_type),
                time_type.display(points[0].0)
            );
        }
    }
    let len = usize::try_from(offset(coords[coords.len() - 1]))
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    if len > GAP_FACTOR * points.len() + GAP_SLACK {
        return exec_err!(
            "{function}: {} has {} times spread over {len} steps of {}; filling that many gaps \
is refused (aggregate the series to a coarser interval)",
            describe(),
            points.len(),
            describe_step(calendar, step, time_type)
        );
    }
    let mut values = vec![f64::NAN; len];
    for (c, p) in coords.iter().zip(points) {
        values[offset(*c) as usize] = p.1;
    }
    let observed: Vec<bool> = values.iter().map(|v| v.is_finite()).collect();
    interpolate(&mut values);
    Ok(Regular {
        calendar,
        start,
        step,
        values,
        observed,
    })
}

/// The most frequent positive difference between consecutive sorted coordinates (the
/// smallest on a tie; 1 for a single point).
fn most_frequent_step(coords: &[i64]) -> i64 {
    let mut diffs: Vec<i64> = coords
        .windows(2)
        .filter_map(|w| w[1].checked_sub(w[0]))
        .filter(|d| *d > 0)
        .collect();
    diffs.sort_unstable();
    let mut best = (0usize, 1i64);
    let mut i = 0;
    while i < diffs.len() {
        let j = diffs[i..]
            .iter()
            .position(|d| *d != diffs[i])
            .map_or(diffs.len(), |p| i + p);
        if j - i > best.0 {
            best = (j - i, diffs[i]);
        }
        i = j;
    }
    best.1
}

/// A step for messages: "1 month", "1 day", "3600 s".
pub fn describe_step(calendar: Calendar, step: i64, time_type: &TimeType) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match (calendar, time_type) {
        (Calendar::Months, _) => plural(step, "month"),
        (Calendar::Days, _) | (Calendar::Native, TimeType::Date32) => plural(step, "day"),
        (Calendar::Native, _) => {
            let per = time_type.ticks_per_second();
            if step % per == 0 {
                let secs = step / per;
                match secs {
                    s if s % 86_400 == 0 => plural(s / 86_400, "day"),
                    s if s % 3_600 == 0 => plural(s / 3_600, "hour"),
                    s if s % 60 == 0 => plural(s / 60, "minute"),
                    s => plural(s, "second"),
                }
            } else {
                format!("{} s", step as f64 / per as f64)
            }
        }
    }
}

/// Linear interpolation of interior NaNs (the ends are finite).
fn interpolate(values: &mut [f64]) {
    let mut prev: Option<usize> = None;
    for i in 0..values.len() {
        if values[i].is_finite() {
            if let Some(p) = prev {
                if i > p + 1 {
                    let (a, b) = (values[p], values[i]);
                    let span = (i - p) as f64;
                    for (k, v) in values[p + 1..i].iter_mut().enumerate() {
                        *v = a + (b - a) * (k + 1) as f64 / span;
                    }
                }
            }
            prev = Some(i);
        }
    }
}

impl Regular {
    /// The native time value of grid position `i` (may be past the end: future steps).
    pub fn time_at(&self, i: usize, time_type: &TimeType) -> Result<i64> {
        let coord = (i as i64)
            .checked_mul(self.step)
            .and_then(|o| o.checked_add(self.start))
            .ok_or_else(|| {
                exec_datafusion_err!("a forecast time is out of range for the time column")
            })?;
        let native = match self.calendar {
            Calendar::Native => Some(coord),
            Calendar::Days => NaiveDate::from_num_days_from_ce_opt(
                i32::try_from(coord + EPOCH_DAYS_FROM_CE).unwrap_or(i32::MAX),
            )
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|d| time_type.native(d)),
            Calendar::Months => {
                let year = i32::try_from(coord.div_euclid(12)).unwrap_or(i32::MAX);
                let month = coord.rem_euclid(12) as u32 + 1;
                NaiveDate::from_ymd_opt(year, month, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .and_then(|d| time_type.native(d))
            }
        };
        native.ok_or_else(|| {
            exec_datafusion_err!("a forecast time is out of range for the time column")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int32Array, StringArray};
    use datafusion::arrow::datatypes::{Field, Schema};

    const HOUR_US: i64 = 3_600_000_000;

    fn ts_us(tz: Option<&str>) -> TimeType {
        TimeType::Timestamp(TimeUnit::Microsecond, tz.map(Arc::from))
    }

    fn reg(points: Vec<(i64, f64)>, t: &TimeType) -> Result<Regular> {
        regularize("forecast", points, t, &|| "series 'a'".to_string())
    }

    #[test]
    fn sorts_fills_gaps_and_trims_null_ends() {
        let t = ts_us(None);
        let points = vec![
            (5 * HOUR_US, 5.0),
            (HOUR_US, f64::NAN),
            (2 * HOUR_US, 2.0),
            (3 * HOUR_US, f64::NAN),
            (6 * HOUR_US, 8.0),
            (7 * HOUR_US, f64::NAN),
        ];
        let r = reg(points, &t).unwrap();
        assert_eq!(r.calendar, Calendar::Native);
        assert_eq!((r.start, r.step), (2 * HOUR_US, HOUR_US));
        assert_eq!(r.values, vec![2.0, 3.0, 4.0, 5.0, 8.0]);
        assert_eq!(r.observed, vec![true, false, false, true, true]);
        assert_eq!(r.time_at(5, &t).unwrap(), 7 * HOUR_US);
    }

    #[test]
    fn duplicates_and_off_grid_times_are_errors() {
        let t = ts_us(None);
        let err = reg(vec![(0, 1.0), (HOUR_US, 2.0), (HOUR_US, 3.0)], &t).unwrap_err();
        assert!(
            err.to_string()
                .contains("series 'a' has more than one row at time 1970-01-01T01:00:00"),
            "{err}"
        );
        let err = reg(
            vec![
                (0, 1.0),
                (HOUR_US, 2.0),
                (2 * HOUR_US, 3.0),
                (HOUR_US * 5 / 2, 1.0),
            ],
            &t,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("not a whole number of steps (1 hour)"),
            "{err}"
        );
        let err = reg(vec![(0, 1.0), (HOUR_US, 2.0), (HOUR_US * 100_000, 3.0)], &t).unwrap_err();
        assert!(
            err.to_string()
                .contains("filling that many gaps is refused"),
            "{err}"
        );
    }

    #[test]
    fn months_are_calendar_steps() {
        // 2023-11-01, 2023-12-01, 2024-02-01 (January missing) as Date32.
        let days = |y, m| {
            i64::from(NaiveDate::from_ymd_opt(y, m, 1).unwrap().num_days_from_ce())
                - EPOCH_DAYS_FROM_CE
        };
        let t = TimeType::Date32;
        let r = reg(
            vec![
                (days(2023, 11), 1.0),
                (days(2023, 12), 2.0),
                (days(2024, 2), 4.0),
            ],
            &t,
        )
        .unwrap();
        assert_eq!(r.calendar, Calendar::Months);
        assert_eq!(r.step, 1);
        assert_eq!(r.values, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(r.time_at(4, &t).unwrap(), days(2024, 3));
        assert_eq!(t.display(r.time_at(15, &t).unwrap()), "2025-02-01");
        // Quarterly timestamps in a time zone: local midnights on the 1st.
        let t = ts_us(Some("Europe/Berlin"));
        let local = |y, m| {
            t.native(
                NaiveDate::from_ymd_opt(y, m, 1)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap(),
            )
            .unwrap()
        };
        let r = reg(
            vec![
                (local(2024, 1), 1.0),
                (local(2024, 4), 2.0),
                (local(2024, 7), 3.0),
            ],
            &t,
        )
        .unwrap();
        assert_eq!((r.calendar, r.step), (Calendar::Months, 3));
        assert_eq!(
            t.display(r.time_at(3, &t).unwrap()),
            "2024-10-01T00:00:00+02:00"
        );
        assert_eq!(
            t.display(r.time_at(4, &t).unwrap()),
            "2025-01-01T00:00:00+01:00"
        );
    }

    #[test]
    fn local_days_cross_daylight_saving() {
        let t = ts_us(Some("America/New_York"));
        let day = |d| {
            t.native(
                NaiveDate::from_ymd_opt(2024, 3, d)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap(),
            )
            .unwrap()
        };
        // 2024-03-10 is the spring-forward day: 23 hours between those midnights.
        let r = reg((8..=12).map(|d| (day(d), d as f64)).collect(), &t).unwrap();
        assert_eq!((r.calendar, r.step), (Calendar::Days, 1));
        assert_eq!(r.values.len(), 5);
        assert_eq!(r.time_at(5, &t).unwrap(), day(13));
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let t = ts_us(None);
        let result = reg(vec![(i64::MIN + 5, 1.0), (0, 2.0), (i64::MAX - 5, 3.0)], &t);
        assert!(result
            .unwrap_err()
            .to_string()
            .contains("not a whole number of steps"));
        let r = reg(
            vec![(i64::MAX - 2, 1.0), (i64::MAX - 1, 2.0), (i64::MAX, 3.0)],
            &t,
        )
        .unwrap();
        assert!(r.time_at(3, &t).is_err());
    }

    #[test]
    fn step_is_the_most_frequent_difference() {
        assert_eq!(most_frequent_step(&[0, 2, 4, 5, 6, 8]), 2);
        assert_eq!(most_frequent_step(&[0, 1, 3]), 1);
        assert_eq!(most_frequent_step(&[7]), 1);
    }

    #[test]
    fn reads_series_of_any_key_type_in_key_order() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("k", DataType::Utf8, true),
            Field::new("t", DataType::Date32, true),
            Field::new("v", DataType::Int32, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec![
                    Some("b"),
                    Some("a"),
                    None,
                    Some("b"),
                    Some("a"),
                ])),
                Arc::new(Date32Array::from(vec![
                    Some(1),
                    Some(1),
                    Some(1),
                    None,
                    Some(2),
                ])),
                Arc::new(Int32Array::from(vec![
                    Some(10),
                    None,
                    Some(3),
                    Some(4),
                    Some(5),
                ])),
            ],
        )
        .unwrap();
        let columns = Columns {
            series: Some(0),
            time: 1,
            value: 2,
            time_type: TimeType::Date32,
        };
        let set = read_series(&[batch], &columns).unwrap();
        let names: Vec<String> = set
            .series
            .iter()
            .map(|s| describe(&set.key_arrays, s.key))
            .collect();
        assert_eq!(names, vec!["series NULL", "series 'a'", "series 'b'"]);
        assert_eq!(set.series[1].points.len(), 2);
        assert!(set.series[1].points[0].1.is_nan());
        // The NULL-time row of 'b' is skipped.
        assert_eq!(set.series[2].points, vec![(1, 10.0)]);
    }
}
