//! Hourly metric series for seed scenario 18 (time series analysis).
//!
//! - `time_series` (series_id, timestamp, value): `4 × scale` series `sensor_001`,
//!   `sensor_002`, ..., each with one point per hour from 2022-01-01 00:00 to
//!   2023-01-31 23:00 UTC (9,504 points, no gaps, so `ROWS BETWEEN 24 PRECEDING` spans
//!   24 hours). A value is `level + trend + daily + weekly + noise`: every series draws
//!   its own level (50–500), linear trend (−15 % … +25 % of the level over the whole
//!   period), daily profile (two harmonics of 24 h, amplitude 4–8 % of the level),
//!   smooth weekly pattern (one harmonic of 168 h, 8–15 % of the daily amplitude) and
//!   Gaussian noise (5–8 % of the daily amplitude).
//! - `planted_ts_anomalies` (series_id, timestamp, kind, magnitude): isolated one-hour
//!   spikes and dips, one every 3–5 days per series (gaps of 72–120 hours, so a
//!   25-point rolling window never holds two, and none in the first 48 hours, so the
//!   window is full). Each one moves the value away from its noise-free expectation by
//!   7–10 times the series' standard deviation of daily seasonality plus noise; the
//!   seed's rolling z-score (24 preceding rows) then lies between about 3.4 and 4.5,
//!   above its |z| > 3 rule, while normal points stay below about 2.5. `magnitude` is
//!   that absolute deviation, `kind` its direction (`spike` up, `dip` down).
//!
//! Each series is generated from its own random streams (parameters and anomaly
//! schedule, noise), one record batch per series.

use std::path::Path;
use std::sync::Arc;

use deltalake::arrow::array::{
    ArrayRef, Float64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use rand::Rng;

use super::delta_writer::{write_delta, write_named_batch, BatchIter};
use super::{gaussian, sub_rng, tag, utc_micros, GenerateError};

/// The series table.
pub(super) const SERIES_TABLE: &str = "time_series";
/// The ground-truth table of planted anomalies.
pub(super) const ANOMALIES_TABLE: &str = "planted_ts_anomalies";

/// Series per unit of scale.
const SERIES_PER_SCALE: u32 = 4;
/// 2022-01-01 00:00:00 UTC, in seconds since the epoch.
const START_SECS: i64 = 1_640_995_200;
/// Hours from 2022-01-01 00:00 to 2023-01-31 23:00 inclusive (365 + 31 days).
pub(super) const HOURS: usize = 396 * 24;
/// No anomaly before this hour: the rolling window must hold 24 normal points.
const FIRST_ANOMALY_HOUR: usize = 48;
/// Hours between consecutive anomalies of one series (inclusive range).
const ANOMALY_GAP: std::ops::RangeInclusive<usize> = 72..=120;
/// Anomaly size in standard deviations of daily seasonality plus noise.
const ANOMALY_SIGMAS: std::ops::Range<f64> = 7.0..10.0;
/// Relative weight of the second daily harmonic (a sharper peak than a sine).
const SECOND_HARMONIC: f64 = 0.35;

/// One planted anomaly: hour index, `true` for a spike, absolute deviation.
#[derive(Debug, Clone, PartialEq)]
struct Anomaly {
    hour: usize,
    spike: bool,
    magnitude: f64,
}

/// One generated series.
#[derive(Debug, Clone, PartialEq)]
struct Series {
    id: String,
    values: Vec<f64>,
    anomalies: Vec<Anomaly>,
}

/// Parameters of one series, drawn from its own stream.
struct Profile {
    level: f64,
    /// Change over the whole period.
    trend: f64,
    daily_amp: f64,
    daily_phase: [f64; 2],
    weekly_amp: f64,
    weekly_phase: f64,
    noise: f64,
}

impl Profile {
    fn draw(rng: &mut impl Rng) -> Self {
        let level = rng.random_range(50.0..500.0);
        let daily_amp = level * rng.random_range(0.04..0.08);
        let tau = std::f64::consts::TAU;
        Profile {
            level,
            trend: level * rng.random_range(-0.15..0.25),
            daily_amp,
            daily_phase: [rng.random_range(0.0..tau), rng.random_range(0.0..tau)],
            weekly_amp: daily_amp * rng.random_range(0.08..0.15),
            weekly_phase: rng.random_range(0.0..tau),
            noise: daily_amp * rng.random_range(0.05..0.08),
        }
    }

    /// Noise-free value at hour `h`.
    fn expected(&self, h: usize) -> f64 {
        let t = h as f64;
        let tau = std::f64::consts::TAU;
        let daily = self.daily_amp
            * ((tau * t / 24.0 + self.daily_phase[0]).sin()
                + SECOND_HARMONIC * (2.0 * tau * t / 24.0 + self.daily_phase[1]).sin());
        let weekly = self.weekly_amp * (tau * t / 168.0 + self.weekly_phase).sin();
        self.level + self.trend * t / HOURS as f64 + daily + weekly
    }

    /// Standard deviation of daily seasonality plus noise: the spread a 24-hour
    /// rolling window sees, the unit of anomaly sizes.
    fn spread(&self) -> f64 {
        let seasonal_var =
            self.daily_amp * self.daily_amp * (1.0 + SECOND_HARMONIC * SECOND_HARMONIC) / 2.0;
        (seasonal_var + self.noise * self.noise).sqrt()
    }
}

fn series_id(index: u64) -> String {
    format!("sensor_{:03}", index + 1)
}

/// Series `index` (0-based) of the data set.
fn series(seed: u64, index: u64) -> Series {
    let mut rng = sub_rng(seed, tag::TS_SERIES, index);
    let profile = Profile::draw(&mut rng);
    let mut anomalies = Vec::new();
    let mut hour = FIRST_ANOMALY_HOUR + rng.random_range(0..*ANOMALY_GAP.end());
    while hour < HOURS {
        anomalies.push(Anomaly {
            hour,
            spike: rng.random_bool(0.5),
            magnitude: rng.random_range(ANOMALY_SIGMAS) * profile.spread(),
        });
        hour += rng.random_range(ANOMALY_GAP);
    }
    let mut noise = sub_rng(seed, tag::TS_NOISE, index);
    let mut values: Vec<f64> = (0..HOURS)
        .map(|h| profile.expected(h) + profile.noise * gaussian(&mut noise))
        .collect();
    for a in &anomalies {
        let sign = if a.spike { 1.0 } else { -1.0 };
        values[a.hour] = profile.expected(a.hour) + sign * a.magnitude;
    }
    Series {
        id: series_id(index),
        values,
        anomalies,
    }
}

fn micros(hour: usize) -> i64 {
    (START_SECS + hour as i64 * 3600) * 1_000_000
}

fn series_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("series_id", DataType::Utf8, false),
        Field::new("timestamp", utc_micros(), false),
        Field::new("value", DataType::Float64, false),
    ]))
}

fn anomalies_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("series_id", DataType::Utf8, false),
        Field::new("timestamp", utc_micros(), false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("magnitude", DataType::Float64, false),
    ]))
}

fn series_batch(s: &Series) -> Result<RecordBatch, deltalake::arrow::error::ArrowError> {
    let ids = StringArray::from_iter_values(std::iter::repeat_n(s.id.as_str(), s.values.len()));
    let times = TimestampMicrosecondArray::from_iter_values((0..s.values.len()).map(micros))
        .with_timezone("UTC");
    RecordBatch::try_new(
        series_schema(),
        vec![
            Arc::new(ids) as ArrayRef,
            Arc::new(times),
            Arc::new(Float64Array::from(s.values.clone())),
        ],
    )
}

fn anomalies_batch(all: &[Series]) -> Result<RecordBatch, GenerateError> {
    let rows: Vec<(&str, &Anomaly)> = all
        .iter()
        .flat_map(|s| s.anomalies.iter().map(move |a| (s.id.as_str(), a)))
        .collect();
    let ids = StringArray::from_iter_values(rows.iter().map(|(id, _)| *id));
    let times =
        TimestampMicrosecondArray::from_iter_values(rows.iter().map(|(_, a)| micros(a.hour)))
            .with_timezone("UTC");
    let kinds =
        StringArray::from_iter_values(
            rows.iter()
                .map(|(_, a)| if a.spike { "spike" } else { "dip" }),
        );
    let magnitudes = Float64Array::from_iter_values(rows.iter().map(|(_, a)| a.magnitude));
    Ok(RecordBatch::try_new(
        anomalies_schema(),
        vec![
            Arc::new(ids) as ArrayRef,
            Arc::new(times),
            Arc::new(kinds),
            Arc::new(magnitudes),
        ],
    )?)
}

/// Writes the group's tables under `root`; returns (name, rows) pairs.
pub(super) async fn write_timeseries(
    seed: u64,
    scale: u32,
    root: &Path,
    progress: &dyn Fn(&str),
) -> Result<Vec<(String, u64)>, GenerateError> {
    let n_series = u64::from(
        scale
            .checked_mul(SERIES_PER_SCALE)
            .ok_or(GenerateError::ScaleTooLarge(scale))?,
    );
    let expected = n_series * HOURS as u64;
    // One batch per series, generated lazily so memory stays flat at any scale.
    let factory = move || -> BatchIter {
        Box::new((0..n_series).map(move |i| series_batch(&series(seed, i))))
    };
    let rows = write_delta(
        SERIES_TABLE,
        &root.join(SERIES_TABLE),
        series_schema(),
        expected,
        factory,
        progress,
    )
    .await?;
    let mut written = vec![(SERIES_TABLE.to_string(), rows)];

    // The ground truth is small (about 100 rows per series) and built in one batch;
    // the series are regenerated from their streams rather than kept in memory.
    let mut planted: Vec<Series> = Vec::new();
    for i in 0..n_series {
        let mut s = series(seed, i);
        s.values = Vec::new();
        planted.push(s);
    }
    written.push(
        write_named_batch(
            ANOMALIES_TABLE,
            root,
            anomalies_schema(),
            anomalies_batch(&planted)?,
            progress,
        )
        .await?,
    );
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spark's rolling z-score over `ROWS BETWEEN 24 PRECEDING AND CURRENT ROW`.
    fn rolling_z(values: &[f64]) -> Vec<f64> {
        (0..values.len())
            .map(|i| {
                let frame = &values[i.saturating_sub(24)..=i];
                let n = frame.len() as f64;
                if frame.len() < 2 {
                    return 0.0;
                }
                let mean = frame.iter().sum::<f64>() / n;
                let var = frame.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
                if var == 0.0 {
                    0.0
                } else {
                    (values[i] - mean) / var.sqrt()
                }
            })
            .collect()
    }

    #[test]
    fn series_are_deterministic_and_distinct() {
        assert_eq!(series(7, 0), series(7, 0));
        assert_ne!(series(7, 0).values, series(7, 1).values);
        assert_ne!(series(7, 0).values, series(8, 0).values);
        assert_eq!(series(7, 2).id, "sensor_003");
        assert_eq!(series(7, 0).values.len(), HOURS);
    }

    #[test]
    fn anomalies_are_isolated_and_every_three_to_five_days() {
        for i in 0..8 {
            let s = series(7, i);
            let hours: Vec<usize> = s.anomalies.iter().map(|a| a.hour).collect();
            assert!(hours[0] >= FIRST_ANOMALY_HOUR);
            assert!(*hours.last().unwrap_or(&0) < HOURS);
            assert!(hours
                .windows(2)
                .all(|w| w[1] - w[0] >= 72 && w[1] - w[0] <= 120));
            // 396 days / 3..5 days.
            assert!((75..=135).contains(&hours.len()), "{}", hours.len());
            assert!(s.anomalies.iter().any(|a| a.spike));
            assert!(s.anomalies.iter().any(|a| !a.spike));
            assert!(s.values.iter().all(|v| *v > 0.0));
        }
    }

    /// The seed's |z| > 3 rule finds exactly the planted points, with a margin.
    #[test]
    fn rolling_z_separates_planted_anomalies() {
        for (seed, i) in [1, 7, 42]
            .into_iter()
            .flat_map(|seed| (0..8).map(move |i| (seed, i)))
        {
            let s = series(seed, i);
            let z = rolling_z(&s.values);
            let planted: std::collections::BTreeSet<usize> =
                s.anomalies.iter().map(|a| a.hour).collect();
            for (h, zh) in z.iter().enumerate() {
                if planted.contains(&h) {
                    assert!(
                        zh.abs() > 3.3,
                        "seed {seed} series {i} hour {h}: planted z {zh}"
                    );
                } else {
                    assert!(
                        zh.abs() < 2.7,
                        "seed {seed} series {i} hour {h}: normal z {zh}"
                    );
                }
            }
        }
    }
}
