//! IoT sensor data for seed scenarios 5 (IoT Sensor Data Processing) and 14 (Streaming
//! Data Processing).
//!
//! # Scenario 5: machines, 5-minute window faults, maintenance history
//!
//! `50 × scale` machines (`M0001`...) in `5 × scale` facilities (`F01`...), six machine
//! types with their own operating point. Tables:
//!
//! * `machine_metadata` (machine_id, facility_id, machine_type, manufacturer,
//!   install_date) and `operating_thresholds` (machine_id, min/max_temperature_threshold,
//!   max_vibration_threshold, min/max_pressure_threshold): one row per machine;
//! * `sensor_readings` (device_id, timestamp, temperature, pressure, humidity,
//!   vibration, machine_id, facility_id): two devices per machine (`M0001-A`, `M0001-B`)
//!   read once a minute from 2025-06-01T00:02:00Z for two days (2880 readings each,
//!   288k rows at scale 1). Device A reads exactly on the minute, so readings fall on
//!   5-minute window boundaries; device B at a random millisecond of the minute. Every
//!   epoch-aligned 5-minute window holds 10 readings per machine, except the partial
//!   first (00:00–00:05, 6 readings) and last (2025-06-03 00:00–00:05, 4 readings).
//! * `planted_sensor_faults` (machine_id, window_start, window_end, temperature_alert,
//!   vibration_alert, pressure_alert, sensors, alert_level): the ground truth. About one
//!   fault per machine lasts 1–3 whole windows; in a fault, every reading of the
//!   affected sensors is outside the machine's thresholds (temperature above or below,
//!   vibration above, pressure above or below) by a margin larger than the noise, so the
//!   window mean is outside too. One sensor → `MEDIUM`, two or three → `HIGH`. Outside
//!   faults every *reading* is well inside the thresholds (bounded noise), so no other
//!   window can be flagged.
//! * `historical_sensor_data` (machine_id, date, avg_/stddev_ daily features) for the
//!   180 days before the readings and `maintenance_events` (machine_id,
//!   maintenance_date, maintenance_type): maintenance every 35–70 days per machine;
//!   in the 21 days before each event temperature, vibration and their standard
//!   deviations rise linearly (strongest before `corrective`, weakest before
//!   `inspection`), so days-to-maintenance is predictable from the features.
//!
//! # Scenario 14: a bounded "stream" of JSON sensor events
//!
//! `40 × scale` devices (`dev-0001`...), each with two sensor types (temperature,
//! humidity, pressure, co2, vibration), report every 30 s (at a fixed millisecond
//! offset per device and sensor) from 2025-06-02T08:02:30Z for 8 hours: 76,800 events
//! at scale 1, as JSON lines shaped like the seed's Kafka payloads
//! (`{"device_id","sensor_type","timestamp","value","unit","location","status"}`) in
//! `sensor_stream/part-HHHHH-CCCCC.json` (one file per hour and block of 50 devices,
//! sorted by time). Every full 5-minute window holds exactly 20 events per device.
//!
//! * `sensor_thresholds` (device_id, sensor_type, min_threshold, max_threshold,
//!   priority): every device/sensor pair except the second sensor of every tenth device
//!   (those have no thresholds, so the seed's LEFT join leaves NULLs and never flags
//!   them). Normal values stay strictly inside the thresholds.
//! * `planted_sensor_anomalies` (device_id, sensor_type, timestamp, value, direction,
//!   min_threshold, max_threshold, priority, flagged): 0–3 out-of-range readings per
//!   thresholded pair (`flagged` true, the seed's rule finds exactly these), plus two
//!   extreme readings per pair without thresholds (`flagged` false).
//! * `planted_device_errors` (device_id, window_start, window_end, error_count,
//!   reading_count, error_rate, expected_status): `4 × scale` devices with a critical
//!   burst (8–12 of the 20 events of one minute-aligned 5-minute window have status
//!   `error`) and `4 × scale` with a warning burst (3–5 of 20). Bursts sit in minutes
//!   5–10 of an epoch-aligned quarter hour; other errors are isolated (at most one per
//!   device per quarter hour, also in minutes 5–10, never in a burst's quarter hour and
//!   never within 5 minutes of the stream's ends), so no 5-minute window outside a burst
//!   has an error rate above 0.05, and windows around a warning burst never exceed 0.25.
//! * `planted_stream_malformed` (file, line, kind): 1–3 extra malformed lines per file
//!   (truncated JSON, a non-numeric value, a JSON array), which a DROPMALFORMED read
//!   drops.
//!
//! All values derive from per-entity ChaCha8 streams (`super::tag::SENSOR_*`), so output
//! depends only on `(scale, seed)`.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use deltalake::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int32Builder, Int64Builder,
    RecordBatch, StringBuilder, TimestampMicrosecondBuilder,
};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use deltalake::arrow::error::ArrowError;
use rand::seq::SliceRandom;
use rand::Rng;

use super::delta_writer::{write_delta, write_named_batch, BatchIter};
use super::{fmt_count, id_chunks, sub_rng, tag, utc_micros, GenerateError};

// ---------------------------------------------------------------------------------------
// Scenario 5
// ---------------------------------------------------------------------------------------

const MACHINES_PER_SCALE: u64 = 50;
const FACILITIES_PER_SCALE: u64 = 5;
/// Machines per generated `sensor_readings` batch (2 × 2880 rows each).
const MACHINES_PER_BATCH: u64 = 10;
const DEVICES: [&str; 2] = ["A", "B"];
/// 2025-06-01T00:00:00Z in seconds since the epoch.
const DAY0_SECS: i64 = 1_748_736_000;
/// 2025-06-01 in days since the epoch.
const DAY0_DAYS: i32 = 20_240;
/// First reading minute, counted from [`DAY0_SECS`] (00:02, so the first window is partial).
const FIRST_MINUTE: u64 = 2;
/// Readings per device: one a minute for two days.
const READING_MINUTES: u64 = 2 * 24 * 60;
/// 5-minute windows (indexed from [`DAY0_SECS`]) entirely covered by readings.
const FULL_WINDOWS: (u64, u64) = (1, 575);
const WINDOW_MINUTES: u64 = 5;
const HISTORY_DAYS: i32 = 180;
/// Days before a maintenance event over which the machine degrades.
const DEGRADE_DAYS: i32 = 21;

/// Machine type: name, nominal temperature (°C), pressure (psi), vibration (mm/s).
const MACHINE_TYPES: [(&str, f64, f64, f64); 6] = [
    ("CNC Mill", 62.0, 95.0, 2.2),
    ("Lathe", 58.0, 90.0, 1.8),
    ("Hydraulic Press", 70.0, 160.0, 3.0),
    ("Air Compressor", 75.0, 120.0, 2.6),
    ("Injection Molder", 85.0, 140.0, 1.5),
    ("Conveyor", 40.0, 60.0, 1.2),
];
const MANUFACTURERS: [&str; 5] = ["Siemens", "Fanuc", "Haas", "Bosch Rexroth", "ABB"];
/// Maintenance type and how strongly the machine degrades before it.
const MAINTENANCE_TYPES: [(&str, f64); 3] = [
    ("preventive", 0.6),
    ("corrective", 1.0),
    ("inspection", 0.3),
];

/// Which way a sensor is pushed out of range during a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Push {
    None,
    High,
    Low,
}

/// A fault: `windows` consecutive 5-minute windows from `first_window`.
#[derive(Debug, Clone)]
struct Fault {
    first_window: u64,
    windows: u64,
    temperature: Push,
    vibration: bool,
    pressure: Push,
}

impl Fault {
    fn contains(&self, window: u64) -> bool {
        window >= self.first_window && window < self.first_window + self.windows
    }

    fn sensors(&self) -> Vec<&'static str> {
        let mut s = Vec::new();
        if self.temperature != Push::None {
            s.push("temperature");
        }
        if self.vibration {
            s.push("vibration");
        }
        if self.pressure != Push::None {
            s.push("pressure");
        }
        s
    }

    fn alert_level(&self) -> &'static str {
        if self.sensors().len() >= 2 {
            "HIGH"
        } else {
            "MEDIUM"
        }
    }
}

#[derive(Debug, Clone)]
struct Machine {
    index: u64,
    id: String,
    facility: String,
    kind: usize,
    manufacturer: &'static str,
    install_date: i32,
    temperature: f64,
    pressure: f64,
    vibration: f64,
    humidity: f64,
    min_temperature: f64,
    max_temperature: f64,
    max_vibration: f64,
    min_pressure: f64,
    max_pressure: f64,
    faults: Vec<Fault>,
}

fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

impl Machine {
    fn new(seed: u64, scale: u32, index: u64) -> Machine {
        let mut rng = sub_rng(seed, tag::SENSOR_MACHINE, index);
        let facilities = FACILITIES_PER_SCALE * u64::from(scale);
        let kind = rng.random_range(0..MACHINE_TYPES.len());
        let (_, t, p, v) = MACHINE_TYPES[kind];
        let temperature = round_to(t * rng.random_range(0.95..1.05), 1);
        let pressure = round_to(p * rng.random_range(0.95..1.05), 1);
        let vibration = round_to(v * rng.random_range(0.9..1.1), 2);
        let faults = plan_faults(&mut rng);
        Machine {
            index,
            id: format!("M{index:04}"),
            facility: format!("F{:02}", (index - 1) % facilities + 1),
            kind,
            manufacturer: MANUFACTURERS[rng.random_range(0..MANUFACTURERS.len())],
            install_date: DAY0_DAYS - rng.random_range(400..4000),
            temperature,
            pressure,
            vibration,
            humidity: round_to(rng.random_range(35.0..55.0), 1),
            // Normal readings stay within ±5 °C, ±4 % and +20 % of the operating point.
            min_temperature: round_to(temperature - 20.0, 1),
            max_temperature: round_to(temperature + 15.0, 1),
            max_vibration: round_to(vibration * 2.0, 2),
            min_pressure: round_to(pressure * 0.8, 1),
            max_pressure: round_to(pressure * 1.2, 1),
            faults,
        }
    }

    fn fault_at(&self, window: u64) -> Option<&Fault> {
        self.faults.iter().find(|f| f.contains(window))
    }

    /// One reading at `secs`, pushed out of range by `fault`.
    fn reading(&self, rng: &mut impl Rng, secs: i64, fault: Option<&Fault>) -> [f64; 4] {
        let day_phase = (secs.rem_euclid(86_400) as f64) / 86_400.0 * std::f64::consts::TAU;
        let mut temperature =
            self.temperature + 3.0 * day_phase.sin() + rng.random_range(-2.0..2.0);
        let mut pressure = self.pressure * (1.0 + rng.random_range(-0.04..0.04));
        let humidity = self.humidity + rng.random_range(-8.0..8.0);
        let mut vibration = self.vibration * (1.0 + rng.random_range(-0.2..0.2));
        if let Some(f) = fault {
            match f.temperature {
                Push::High => temperature = self.max_temperature + rng.random_range(3.0..8.0),
                Push::Low => temperature = self.min_temperature - rng.random_range(3.0..8.0),
                Push::None => {}
            }
            if f.vibration {
                vibration = self.max_vibration * rng.random_range(1.3..1.8);
            }
            let step = self.pressure * rng.random_range(0.03..0.08);
            match f.pressure {
                Push::High => pressure = self.max_pressure + step,
                Push::Low => pressure = self.min_pressure - step,
                Push::None => {}
            }
        }
        [
            round_to(temperature, 3),
            round_to(pressure, 3),
            round_to(humidity, 3),
            round_to(vibration, 4),
        ]
    }
}

/// 0–2 faults (1 on average) in disjoint stretches of the full windows, each 1–3
/// windows long with a random non-empty set of sensors.
fn plan_faults(rng: &mut impl Rng) -> Vec<Fault> {
    let n = [0u64, 1, 1, 2][rng.random_range(0..4)];
    let (first, last) = FULL_WINDOWS;
    let span = (last - first + 1) / n.max(1);
    (0..n)
        .map(|j| {
            let windows = rng.random_range(1..=3);
            let lo = first + j * span + 1;
            let hi = first + (j + 1) * span - windows - 1;
            let start = rng.random_range(lo..=hi);
            // Non-empty subset of {temperature, vibration, pressure}.
            let mask = rng.random_range(1..8u8);
            let temperature = if mask & 1 == 0 {
                Push::None
            } else if rng.random_bool(0.7) {
                Push::High
            } else {
                Push::Low
            };
            let pressure = if mask & 4 == 0 {
                Push::None
            } else if rng.random_bool(0.5) {
                Push::High
            } else {
                Push::Low
            };
            Fault {
                first_window: start,
                windows,
                temperature,
                vibration: mask & 2 != 0,
                pressure,
            }
        })
        .collect()
}

fn machines(seed: u64, scale: u32) -> Vec<Machine> {
    let n = MACHINES_PER_SCALE * u64::from(scale);
    (1..=n).map(|i| Machine::new(seed, scale, i)).collect()
}

fn metadata_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("machine_id", DataType::Utf8, true),
        Field::new("facility_id", DataType::Utf8, true),
        Field::new("machine_type", DataType::Utf8, true),
        Field::new("manufacturer", DataType::Utf8, true),
        Field::new("install_date", DataType::Date32, true),
    ]))
}

fn metadata_batch(machines: &[Machine]) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut facility = StringBuilder::new();
    let mut kind = StringBuilder::new();
    let mut manufacturer = StringBuilder::new();
    let mut installed = Date32Builder::new();
    for m in machines {
        id.append_value(&m.id);
        facility.append_value(&m.facility);
        kind.append_value(MACHINE_TYPES[m.kind].0);
        manufacturer.append_value(m.manufacturer);
        installed.append_value(m.install_date);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(facility.finish()),
        Arc::new(kind.finish()),
        Arc::new(manufacturer.finish()),
        Arc::new(installed.finish()),
    ];
    RecordBatch::try_new(metadata_schema(), columns)
}

fn thresholds_schema() -> SchemaRef {
    let f = |name: &str| Field::new(name, DataType::Float64, true);
    Arc::new(Schema::new(vec![
        Field::new("machine_id", DataType::Utf8, true),
        f("min_temperature_threshold"),
        f("max_temperature_threshold"),
        f("max_vibration_threshold"),
        f("min_pressure_threshold"),
        f("max_pressure_threshold"),
    ]))
}

fn thresholds_batch(machines: &[Machine]) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut cols: [Float64Builder; 5] = Default::default();
    for m in machines {
        id.append_value(&m.id);
        let values = [
            m.min_temperature,
            m.max_temperature,
            m.max_vibration,
            m.min_pressure,
            m.max_pressure,
        ];
        for (b, v) in cols.iter_mut().zip(values) {
            b.append_value(v);
        }
    }
    let mut columns: Vec<ArrayRef> = vec![Arc::new(id.finish())];
    columns.extend(cols.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    RecordBatch::try_new(thresholds_schema(), columns)
}

fn readings_schema() -> SchemaRef {
    let f = |name: &str| Field::new(name, DataType::Float64, true);
    Arc::new(Schema::new(vec![
        Field::new("device_id", DataType::Utf8, true),
        Field::new("timestamp", utc_micros(), true),
        f("temperature"),
        f("pressure"),
        f("humidity"),
        f("vibration"),
        Field::new("machine_id", DataType::Utf8, true),
        Field::new("facility_id", DataType::Utf8, true),
    ]))
}

/// Rows of `sensor_readings` for `machines`, machine by machine in time order.
fn readings_batch(seed: u64, machines: &[Machine]) -> Result<RecordBatch, ArrowError> {
    let rows = machines.len() * DEVICES.len() * READING_MINUTES as usize;
    let mut device = StringBuilder::with_capacity(rows, rows * 8);
    let mut ts = TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC");
    let mut values: [Float64Builder; 4] = [
        Float64Builder::with_capacity(rows),
        Float64Builder::with_capacity(rows),
        Float64Builder::with_capacity(rows),
        Float64Builder::with_capacity(rows),
    ];
    let mut machine_id = StringBuilder::with_capacity(rows, rows * 5);
    let mut facility = StringBuilder::with_capacity(rows, rows * 3);
    for m in machines {
        let mut rng = sub_rng(seed, tag::SENSOR_READING, m.index);
        let device_ids: Vec<String> = DEVICES.iter().map(|d| format!("{}-{d}", m.id)).collect();
        for minute in FIRST_MINUTE..FIRST_MINUTE + READING_MINUTES {
            let fault = m.fault_at(minute / WINDOW_MINUTES);
            for (d, device_id) in device_ids.iter().enumerate() {
                // Device A reads exactly on the minute; B somewhere inside it.
                let offset_ms: i64 = if d == 0 {
                    0
                } else {
                    rng.random_range(1..60_000)
                };
                let secs = DAY0_SECS + minute as i64 * 60;
                let reading = m.reading(&mut rng, secs, fault);
                device.append_value(device_id);
                ts.append_value((secs * 1000 + offset_ms) * 1000);
                for (b, v) in values.iter_mut().zip(reading) {
                    b.append_value(v);
                }
                machine_id.append_value(&m.id);
                facility.append_value(&m.facility);
            }
        }
    }
    let mut columns: Vec<ArrayRef> = vec![Arc::new(device.finish()), Arc::new(ts.finish())];
    columns.extend(values.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.push(Arc::new(machine_id.finish()));
    columns.push(Arc::new(facility.finish()));
    RecordBatch::try_new(readings_schema(), columns)
}

fn faults_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("machine_id", DataType::Utf8, true),
        Field::new("window_start", utc_micros(), true),
        Field::new("window_end", utc_micros(), true),
        Field::new("temperature_alert", DataType::Int32, true),
        Field::new("vibration_alert", DataType::Int32, true),
        Field::new("pressure_alert", DataType::Int32, true),
        Field::new("sensors", DataType::Utf8, true),
        Field::new("alert_level", DataType::Utf8, true),
    ]))
}

fn faults_batch(machines: &[Machine]) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut start = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut end = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut flags: [Int32Builder; 3] = Default::default();
    let mut sensors = StringBuilder::new();
    let mut level = StringBuilder::new();
    let window_micros = WINDOW_MINUTES as i64 * 60 * 1_000_000;
    for m in machines {
        for f in &m.faults {
            for w in f.first_window..f.first_window + f.windows {
                let s = DAY0_SECS * 1_000_000 + w as i64 * window_micros;
                id.append_value(&m.id);
                start.append_value(s);
                end.append_value(s + window_micros);
                let set = [
                    f.temperature != Push::None,
                    f.vibration,
                    f.pressure != Push::None,
                ];
                for (b, on) in flags.iter_mut().zip(set) {
                    b.append_value(i32::from(on));
                }
                sensors.append_value(f.sensors().join(","));
                level.append_value(f.alert_level());
            }
        }
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(start.finish()),
        Arc::new(end.finish()),
    ];
    columns.extend(flags.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.push(Arc::new(sensors.finish()));
    columns.push(Arc::new(level.finish()));
    RecordBatch::try_new(faults_schema(), columns)
}

/// Maintenance events of one machine: (day index in the history, type index), plus the
/// first event after the history (not written) that the last days degrade towards.
fn maintenance_plan(seed: u64, index: u64) -> Vec<(i32, usize)> {
    let mut rng = sub_rng(seed, tag::SENSOR_HISTORY, index);
    let mut events = Vec::new();
    let mut day = rng.random_range(15..50);
    loop {
        let kind = match rng.random_range(0..20) {
            0..=10 => 0,
            11..=16 => 1,
            _ => 2,
        };
        events.push((day, kind));
        if day >= HISTORY_DAYS {
            break;
        }
        day += rng.random_range(35..=70);
    }
    events
}

fn history_schema() -> SchemaRef {
    let f = |name: &str| Field::new(name, DataType::Float64, true);
    Arc::new(Schema::new(vec![
        Field::new("machine_id", DataType::Utf8, true),
        Field::new("date", DataType::Date32, true),
        f("avg_temperature"),
        f("avg_pressure"),
        f("avg_humidity"),
        f("avg_vibration"),
        f("stddev_temperature"),
        f("stddev_vibration"),
    ]))
}

fn history_batch(seed: u64, machines: &[Machine]) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut date = Date32Builder::new();
    let mut cols: [Float64Builder; 6] = Default::default();
    for m in machines {
        let index = m.index;
        let events = maintenance_plan(seed, index);
        // A separate stream from the plan's, so the plan does not shift the noise.
        let mut rng = sub_rng(seed, tag::SENSOR_HISTORY, index | (1 << 63));
        let first_day = DAY0_DAYS - HISTORY_DAYS;
        for day in 0..HISTORY_DAYS {
            let (next, kind) = events
                .iter()
                .copied()
                .find(|(e, _)| *e >= day)
                .unwrap_or((HISTORY_DAYS + 60, 0));
            let until = next - day;
            let wear = f64::from((DEGRADE_DAYS - until).max(0)) / f64::from(DEGRADE_DAYS)
                * MAINTENANCE_TYPES[kind].1;
            id.append_value(&m.id);
            date.append_value(first_day + day);
            let values = [
                m.temperature + 8.0 * wear + rng.random_range(-1.5..1.5),
                m.pressure * (1.0 - 0.05 * wear + rng.random_range(-0.02..0.02)),
                m.humidity + rng.random_range(-4.0..4.0),
                m.vibration * (1.0 + 0.8 * wear + rng.random_range(-0.05..0.05)),
                1.2 * (1.0 + 1.5 * wear) * rng.random_range(0.9..1.1),
                0.08 * m.vibration * (1.0 + 2.0 * wear) * rng.random_range(0.9..1.1),
            ];
            for (b, v) in cols.iter_mut().zip(values) {
                b.append_value(round_to(v, 4));
            }
        }
    }
    let mut columns: Vec<ArrayRef> = vec![Arc::new(id.finish()), Arc::new(date.finish())];
    columns.extend(cols.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    RecordBatch::try_new(history_schema(), columns)
}

fn maintenance_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("machine_id", DataType::Utf8, true),
        Field::new("maintenance_date", DataType::Date32, true),
        Field::new("maintenance_type", DataType::Utf8, true),
    ]))
}

fn maintenance_batch(seed: u64, machines: &[Machine]) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut date = Date32Builder::new();
    let mut kind_b = StringBuilder::new();
    for m in machines {
        for (day, kind) in maintenance_plan(seed, m.index) {
            if day < HISTORY_DAYS {
                id.append_value(&m.id);
                date.append_value(DAY0_DAYS - HISTORY_DAYS + day);
                kind_b.append_value(MAINTENANCE_TYPES[kind].0);
            }
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(date.finish()),
        Arc::new(kind_b.finish()),
    ];
    RecordBatch::try_new(maintenance_schema(), columns)
}

// ---------------------------------------------------------------------------------------
// Scenario 14
// ---------------------------------------------------------------------------------------

/// Directory of the JSON-lines stream, under the output directory.
const STREAM_DIR: &str = "sensor_stream";
const STREAM_DEVICES_PER_SCALE: u64 = 40;
/// Devices per stream file (files are per hour and per block of devices).
const DEVICES_PER_FILE: u64 = 50;
/// 2025-06-02T08:02:30Z in milliseconds.
const STREAM_START_MS: i64 = (DAY0_SECS + 86_400 + 8 * 3600 + 150) * 1000;
const STREAM_HOURS: u64 = 8;
const STREAM_STEP_MS: i64 = 30_000;
const READINGS_PER_HOUR: u64 = 120;
const STREAM_END_MS: i64 = STREAM_START_MS + STREAM_HOURS as i64 * 3_600_000;
const QUARTER_MS: i64 = 900_000;
const FIVE_MIN_MS: i64 = 300_000;
const CRITICAL_PER_SCALE: u64 = 4;
const WARNING_PER_SCALE: u64 = 4;
/// Chance that a device has one isolated error in an eligible quarter hour.
const BASELINE_ERROR_CHANCE: f64 = 0.25;
const CALIBRATING_CHANCE: f64 = 0.005;

/// Sensor type: name, unit, normal range (low, high), threshold base (min, max).
const SENSOR_TYPES: [(&str, &str, f64, f64, f64, f64); 5] = [
    ("temperature", "celsius", 18.0, 26.0, 10.0, 35.0),
    ("humidity", "percent", 35.0, 55.0, 20.0, 70.0),
    ("pressure", "hPa", 1005.0, 1020.0, 990.0, 1035.0),
    ("co2", "ppm", 450.0, 900.0, 350.0, 1500.0),
    ("vibration", "mm/s", 0.5, 3.0, 0.0, 8.0),
];
const PRIORITIES: [&str; 3] = ["high", "medium", "low"];

/// One device/sensor pair of the stream.
#[derive(Debug, Clone)]
struct Channel {
    sensor: usize,
    /// Milliseconds after each 30-second step at which this channel reports.
    offset_ms: i64,
    /// (min, max, priority index) or none.
    threshold: Option<(f64, f64, usize)>,
    /// Planted out-of-range readings: (reading index, value, "above"/"below").
    anomalies: Vec<(u64, f64, &'static str)>,
    /// Reading indices whose status is `error`.
    errors: Vec<u64>,
}

impl Channel {
    fn time_ms(&self, i: u64) -> i64 {
        STREAM_START_MS + i as i64 * STREAM_STEP_MS + self.offset_ms
    }

    /// Reading indices whose timestamp lies in `[from, to)` (milliseconds).
    fn readings_in(&self, from: i64, to: i64) -> std::ops::Range<u64> {
        let first = |t: i64| -> u64 {
            let rel = t - STREAM_START_MS - self.offset_ms;
            (rel.max(0) + STREAM_STEP_MS - 1).div_euclid(STREAM_STEP_MS) as u64
        };
        let total = STREAM_HOURS * READINGS_PER_HOUR;
        first(from).min(total)..first(to).min(total)
    }
}

/// A planted error burst: the 5-minute window from `start_ms` and its error count.
#[derive(Debug, Clone, Copy)]
struct Burst {
    start_ms: i64,
    errors: u64,
    critical: bool,
}

#[derive(Debug, Clone)]
struct StreamDevice {
    index: u64,
    id: String,
    location: String,
    channels: [Channel; 2],
    burst: Option<Burst>,
}

/// Start of every epoch-aligned quarter hour that lies in the stream at least 5
/// minutes from both ends (errors are planted only there).
fn eligible_quarters() -> Vec<i64> {
    let first = (STREAM_START_MS + FIVE_MIN_MS + QUARTER_MS - 1).div_euclid(QUARTER_MS);
    let last = (STREAM_END_MS - FIVE_MIN_MS).div_euclid(QUARTER_MS) - 1;
    (first..=last).map(|q| q * QUARTER_MS).collect()
}

impl StreamDevice {
    fn new(seed: u64, index: u64, burst_quarter: Option<(i64, bool)>) -> StreamDevice {
        let mut rng = sub_rng(seed, tag::SENSOR_STREAM_DEVICE, index);
        let mut kinds: Vec<usize> = (0..SENSOR_TYPES.len()).collect();
        kinds.shuffle(&mut rng);
        let location = format!(
            "building-{}/floor-{}",
            ["A", "B", "C", "D"][rng.random_range(0..4)],
            rng.random_range(1..=3)
        );
        let make_channel = |rng: &mut rand_chacha::ChaCha8Rng, sensor: usize, thresholded: bool| {
            let (_, _, low, high, min_base, max_base) = SENSOR_TYPES[sensor];
            let spread = high - low;
            let offset_ms = rng.random_range(0..STREAM_STEP_MS);
            let threshold = thresholded.then(|| {
                let min = round_to((min_base - rng.random_range(0.0..0.1) * spread).max(0.0), 1);
                let max = round_to(max_base + rng.random_range(0.0..0.1) * spread, 1);
                let priority = match rng.random_range(0..10) {
                    0..=2 => 0,
                    3..=6 => 1,
                    _ => 2,
                };
                (min, max, priority)
            });
            let total = STREAM_HOURS * READINGS_PER_HOUR;
            let count = if thresholded {
                rng.random_range(0..=3)
            } else {
                2
            };
            let mut anomalies: Vec<(u64, f64, &'static str)> =
                rand::seq::index::sample(rng, total as usize, count)
                    .into_iter()
                    .map(|i| {
                        let (min, max) = threshold.map_or((min_base, max_base), |t| (t.0, t.1));
                        if min > 0.0 && rng.random_bool(0.4) {
                            (
                                i as u64,
                                round_to(min * rng.random_range(0.5..0.9), 2),
                                "below",
                            )
                        } else {
                            let v = max + spread * rng.random_range(0.2..1.0);
                            (i as u64, round_to(v, 2), "above")
                        }
                    })
                    .collect();
            anomalies.sort_by_key(|a| a.0);
            Channel {
                sensor,
                offset_ms,
                threshold,
                anomalies,
                errors: Vec::new(),
            }
        };
        // The second sensor of every tenth device has no thresholds.
        let first = make_channel(&mut rng, kinds[0], true);
        let second = make_channel(&mut rng, kinds[1], !index.is_multiple_of(10));
        let mut device = StreamDevice {
            index,
            id: format!("dev-{index:04}"),
            location,
            channels: [first, second],
            burst: None,
        };

        // Isolated errors: at most one per eligible quarter hour, in its minutes 5-10,
        // none in (or next to) the burst's quarter hour.
        for q in eligible_quarters() {
            if burst_quarter.is_some_and(|(b, _)| (q - b).abs() <= QUARTER_MS) {
                continue;
            }
            if rng.random_bool(BASELINE_ERROR_CHANCE) {
                let c = rng.random_range(0..2);
                let range = device.channels[c].readings_in(q + FIVE_MIN_MS, q + 2 * FIVE_MIN_MS);
                let i = rng.random_range(range);
                device.channels[c].errors.push(i);
            }
        }
        if let Some((q, critical)) = burst_quarter {
            let start_ms = q + FIVE_MIN_MS;
            let errors = if critical {
                rng.random_range(8..=12)
            } else {
                rng.random_range(3..=5)
            };
            let mut slots: Vec<(usize, u64)> = Vec::new();
            for (c, channel) in device.channels.iter().enumerate() {
                for i in channel.readings_in(start_ms, start_ms + FIVE_MIN_MS) {
                    slots.push((c, i));
                }
            }
            for k in rand::seq::index::sample(&mut rng, slots.len(), errors as usize) {
                let (c, i) = slots[k];
                device.channels[c].errors.push(i);
            }
            device.burst = Some(Burst {
                start_ms,
                errors,
                critical,
            });
        }
        for c in &mut device.channels {
            c.errors.sort_unstable();
        }
        device
    }
}

fn stream_devices(seed: u64, scale: u32) -> Vec<StreamDevice> {
    let n = STREAM_DEVICES_PER_SCALE * u64::from(scale);
    let mut rng = sub_rng(seed, tag::SENSOR_STREAM_PLAN, 0);
    let mut order: Vec<u64> = (1..=n).collect();
    order.shuffle(&mut rng);
    let critical = (CRITICAL_PER_SCALE * u64::from(scale)) as usize;
    let warning = (WARNING_PER_SCALE * u64::from(scale)) as usize;
    let quarters = eligible_quarters();
    let mut bursts = vec![None; n as usize];
    for (k, &d) in order.iter().take(critical + warning).enumerate() {
        let q = quarters[rng.random_range(0..quarters.len())];
        bursts[(d - 1) as usize] = Some((q, k < critical));
    }
    (1..=n)
        .map(|d| StreamDevice::new(seed, d, bursts[(d - 1) as usize]))
        .collect()
}

fn push_timestamp(buf: &mut String, ms: i64) {
    let text = chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default();
    buf.push_str(&text);
}

/// One JSON line; `value` is `None` for the planted non-numeric value.
fn push_event(
    buf: &mut String,
    device: &StreamDevice,
    channel: &Channel,
    ms: i64,
    value: Option<f64>,
    status: &str,
) {
    let (sensor, unit, ..) = SENSOR_TYPES[channel.sensor];
    let _ = write!(
        buf,
        "{{\"device_id\":\"{}\",\"sensor_type\":\"{sensor}\",\"timestamp\":\"",
        device.id
    );
    push_timestamp(buf, ms);
    match value {
        Some(v) => {
            let _ = write!(buf, "\",\"value\":{v}");
        }
        None => buf.push_str("\",\"value\":\"n/a\""),
    }
    let _ = writeln!(
        buf,
        ",\"unit\":\"{unit}\",\"location\":\"{}\",\"status\":\"{status}\"}}",
        device.location
    );
}

/// One planted malformed line.
struct Malformed {
    file: String,
    line: i64,
    kind: &'static str,
}

const MALFORMED_KINDS: [&str; 3] = ["truncated_json", "non_numeric_value", "not_an_object"];

/// The text of one stream file: `devices` for `hour`, sorted by time, with malformed
/// lines inserted; returns the text and the number of well-formed events.
fn stream_file(
    seed: u64,
    hour: u64,
    block: u64,
    devices: &[StreamDevice],
    file: &str,
    malformed: &mut Vec<Malformed>,
) -> (String, u64) {
    // (time, device, channel, value, status)
    let mut events: Vec<(i64, usize, usize, f64, &'static str)> = Vec::new();
    for (d, device) in devices.iter().enumerate() {
        for (c, channel) in device.channels.iter().enumerate() {
            let (_, _, low, high, ..) = SENSOR_TYPES[channel.sensor];
            let mut rng = sub_rng(
                seed,
                tag::SENSOR_STREAM_EVENT,
                (device.index * 2 + c as u64) * STREAM_HOURS + hour,
            );
            let phase = rng.random_range(0.0..std::f64::consts::TAU);
            for i in hour * READINGS_PER_HOUR..(hour + 1) * READINGS_PER_HOUR {
                let ms = channel.time_ms(i);
                let cycle = (ms as f64 / 3_600_000.0 * std::f64::consts::TAU / 6.0 + phase).sin();
                let noise = rng.random_range(-0.15..0.15);
                let calibrating = rng.random_bool(CALIBRATING_CHANCE);
                let normal = low + (high - low) * (0.5 + 0.35 * cycle + noise);
                let value = match channel.anomalies.binary_search_by_key(&i, |a| a.0) {
                    Ok(k) => channel.anomalies[k].1,
                    Err(_) => round_to(normal, 2),
                };
                let status = if channel.errors.binary_search(&i).is_ok() {
                    "error"
                } else if calibrating {
                    "calibrating"
                } else {
                    "ok"
                };
                events.push((ms, d, c, value, status));
            }
        }
    }
    events.sort_by_key(|e| (e.0, e.1, e.2));
    let good = events.len() as u64;

    let mut rng = sub_rng(seed, tag::SENSOR_STREAM_MALFORMED, hour * 1_000_003 + block);
    let bad = rng.random_range(1..=3usize);
    let mut positions: Vec<usize> = rand::seq::index::sample(&mut rng, events.len().max(1), bad)
        .into_iter()
        .collect();
    positions.sort_unstable();
    let mut text = String::with_capacity(events.len() * 170);
    let mut line = 0i64;
    let mut next_bad = 0usize;
    for (k, &(ms, d, c, value, status)) in events.iter().enumerate() {
        let device = &devices[d];
        let channel = &device.channels[c];
        while next_bad < positions.len() && positions[next_bad] == k {
            let kind = MALFORMED_KINDS[rng.random_range(0..MALFORMED_KINDS.len())];
            match kind {
                "truncated_json" => {
                    let _ = writeln!(
                        text,
                        "{{\"device_id\":\"{}\",\"sensor_type\":\"{}\",\"timest",
                        device.id, SENSOR_TYPES[channel.sensor].0
                    );
                }
                "non_numeric_value" => push_event(&mut text, device, channel, ms, None, "ok"),
                _ => {
                    let _ = writeln!(text, "[\"{}\", {value}]", device.id);
                }
            }
            line += 1;
            malformed.push(Malformed {
                file: file.to_string(),
                line,
                kind,
            });
            next_bad += 1;
        }
        push_event(&mut text, device, channel, ms, Some(value), status);
        line += 1;
    }
    (text, good)
}

/// Writes `sensor_stream/` (replacing previous `part-*.json` files); returns the number
/// of lines written (malformed ones included) and the planted malformed lines.
fn write_stream(
    seed: u64,
    devices: &[StreamDevice],
    dir: &Path,
    progress: &dyn Fn(&str),
) -> Result<(u64, Vec<Malformed>), GenerateError> {
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_part = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("part-") && n.ends_with(".json"));
        if is_part && path.is_file() {
            std::fs::remove_file(&path)?;
        }
    }
    let mut malformed = Vec::new();
    let mut lines = 0u64;
    for hour in 0..STREAM_HOURS {
        for (first, last) in id_chunks(devices.len() as u64, DEVICES_PER_FILE) {
            let block = (first - 1) / DEVICES_PER_FILE;
            let name = format!("part-{hour:05}-{block:05}.json");
            let before = malformed.len();
            let (text, good) = stream_file(
                seed,
                hour,
                block,
                &devices[(first - 1) as usize..last as usize],
                &name,
                &mut malformed,
            );
            std::fs::write(dir.join(&name), text)?;
            lines += good + (malformed.len() - before) as u64;
        }
        progress(&format!(
            "{STREAM_DIR}: {} lines (hour {} of {STREAM_HOURS})",
            fmt_count(lines),
            hour + 1
        ));
    }
    Ok((lines, malformed))
}

fn sensor_thresholds_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("device_id", DataType::Utf8, true),
        Field::new("sensor_type", DataType::Utf8, true),
        Field::new("min_threshold", DataType::Float64, true),
        Field::new("max_threshold", DataType::Float64, true),
        Field::new("priority", DataType::Utf8, true),
    ]))
}

fn sensor_thresholds_batch(devices: &[StreamDevice]) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut sensor = StringBuilder::new();
    let mut min = Float64Builder::new();
    let mut max = Float64Builder::new();
    let mut priority = StringBuilder::new();
    for d in devices {
        for c in &d.channels {
            if let Some((lo, hi, p)) = c.threshold {
                id.append_value(&d.id);
                sensor.append_value(SENSOR_TYPES[c.sensor].0);
                min.append_value(lo);
                max.append_value(hi);
                priority.append_value(PRIORITIES[p]);
            }
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(sensor.finish()),
        Arc::new(min.finish()),
        Arc::new(max.finish()),
        Arc::new(priority.finish()),
    ];
    RecordBatch::try_new(sensor_thresholds_schema(), columns)
}

fn anomalies_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("device_id", DataType::Utf8, true),
        Field::new("sensor_type", DataType::Utf8, true),
        Field::new("timestamp", utc_micros(), true),
        Field::new("value", DataType::Float64, true),
        Field::new("direction", DataType::Utf8, true),
        Field::new("min_threshold", DataType::Float64, true),
        Field::new("max_threshold", DataType::Float64, true),
        Field::new("priority", DataType::Utf8, true),
        Field::new("flagged", DataType::Boolean, true),
    ]))
}

fn anomalies_batch(devices: &[StreamDevice]) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut sensor = StringBuilder::new();
    let mut ts = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut value = Float64Builder::new();
    let mut direction = StringBuilder::new();
    let mut min = Float64Builder::new();
    let mut max = Float64Builder::new();
    let mut priority = StringBuilder::new();
    let mut flagged = BooleanBuilder::new();
    for d in devices {
        for c in &d.channels {
            for &(i, v, dir) in &c.anomalies {
                id.append_value(&d.id);
                sensor.append_value(SENSOR_TYPES[c.sensor].0);
                ts.append_value(c.time_ms(i) * 1000);
                value.append_value(v);
                direction.append_value(dir);
                min.append_option(c.threshold.map(|t| t.0));
                max.append_option(c.threshold.map(|t| t.1));
                priority.append_option(c.threshold.map(|t| PRIORITIES[t.2]));
                flagged.append_value(c.threshold.is_some());
            }
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(sensor.finish()),
        Arc::new(ts.finish()),
        Arc::new(value.finish()),
        Arc::new(direction.finish()),
        Arc::new(min.finish()),
        Arc::new(max.finish()),
        Arc::new(priority.finish()),
        Arc::new(flagged.finish()),
    ];
    RecordBatch::try_new(anomalies_schema(), columns)
}

fn device_errors_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("device_id", DataType::Utf8, true),
        Field::new("window_start", utc_micros(), true),
        Field::new("window_end", utc_micros(), true),
        Field::new("error_count", DataType::Int64, true),
        Field::new("reading_count", DataType::Int64, true),
        Field::new("error_rate", DataType::Float64, true),
        Field::new("expected_status", DataType::Utf8, true),
    ]))
}

fn device_errors_batch(devices: &[StreamDevice]) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut start = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut end = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut errors = Int64Builder::new();
    let mut readings = Int64Builder::new();
    let mut rate = Float64Builder::new();
    let mut status = StringBuilder::new();
    for d in devices {
        if let Some(b) = d.burst {
            let n: u64 = d
                .channels
                .iter()
                .map(|c| {
                    let r = c.readings_in(b.start_ms, b.start_ms + FIVE_MIN_MS);
                    r.end - r.start
                })
                .sum();
            id.append_value(&d.id);
            start.append_value(b.start_ms * 1000);
            end.append_value((b.start_ms + FIVE_MIN_MS) * 1000);
            errors.append_value(b.errors as i64);
            readings.append_value(n as i64);
            rate.append_value(b.errors as f64 / n as f64);
            status.append_value(if b.critical { "critical" } else { "warning" });
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(start.finish()),
        Arc::new(end.finish()),
        Arc::new(errors.finish()),
        Arc::new(readings.finish()),
        Arc::new(rate.finish()),
        Arc::new(status.finish()),
    ];
    RecordBatch::try_new(device_errors_schema(), columns)
}

fn malformed_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("file", DataType::Utf8, true),
        Field::new("line", DataType::Int64, true),
        Field::new("kind", DataType::Utf8, true),
    ]))
}

fn malformed_batch(malformed: &[Malformed]) -> Result<RecordBatch, ArrowError> {
    let mut file = StringBuilder::new();
    let mut line = Int64Builder::new();
    let mut kind = StringBuilder::new();
    for m in malformed {
        file.append_value(&m.file);
        line.append_value(m.line);
        kind.append_value(m.kind);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(file.finish()),
        Arc::new(line.finish()),
        Arc::new(kind.finish()),
    ];
    RecordBatch::try_new(malformed_schema(), columns)
}

/// Writes the group's tables under `root`; returns (name, rows) pairs.
pub(super) async fn write_sensors(
    seed: u64,
    scale: u32,
    root: &Path,
    progress: &dyn Fn(&str),
) -> Result<Vec<(String, u64)>, GenerateError> {
    let mut written = Vec::new();

    // Scenario 5.
    progress("preparing machines, thresholds and planted faults");
    let machines = Arc::new(machines(seed, scale));
    written.push(
        write_named_batch(
            "machine_metadata",
            root,
            metadata_schema(),
            metadata_batch(&machines)?,
            progress,
        )
        .await?,
    );
    written.push(
        write_named_batch(
            "operating_thresholds",
            root,
            thresholds_schema(),
            thresholds_batch(&machines)?,
            progress,
        )
        .await?,
    );
    let expected = machines.len() as u64 * DEVICES.len() as u64 * READING_MINUTES;
    let all = Arc::clone(&machines);
    let factory = move || -> BatchIter {
        let all = Arc::clone(&all);
        Box::new(
            id_chunks(all.len() as u64, MACHINES_PER_BATCH).map(move |(first, last)| {
                readings_batch(seed, &all[(first - 1) as usize..last as usize])
            }),
        )
    };
    let name = "sensor_readings";
    let rows = write_delta(
        name,
        &root.join(name),
        readings_schema(),
        expected,
        factory,
        progress,
    )
    .await?;
    written.push((name.to_string(), rows));
    written.push(
        write_named_batch(
            "planted_sensor_faults",
            root,
            faults_schema(),
            faults_batch(&machines)?,
            progress,
        )
        .await?,
    );
    written.push(
        write_named_batch(
            "historical_sensor_data",
            root,
            history_schema(),
            history_batch(seed, &machines)?,
            progress,
        )
        .await?,
    );
    written.push(
        write_named_batch(
            "maintenance_events",
            root,
            maintenance_schema(),
            maintenance_batch(seed, &machines)?,
            progress,
        )
        .await?,
    );

    // Scenario 14.
    progress("preparing stream devices, thresholds and planted anomalies");
    let devices = stream_devices(seed, scale);
    let (lines, malformed) = write_stream(seed, &devices, &root.join(STREAM_DIR), progress)?;
    written.push((STREAM_DIR.to_string(), lines));
    written.push(
        write_named_batch(
            "sensor_thresholds",
            root,
            sensor_thresholds_schema(),
            sensor_thresholds_batch(&devices)?,
            progress,
        )
        .await?,
    );
    written.push(
        write_named_batch(
            "planted_sensor_anomalies",
            root,
            anomalies_schema(),
            anomalies_batch(&devices)?,
            progress,
        )
        .await?,
    );
    written.push(
        write_named_batch(
            "planted_device_errors",
            root,
            device_errors_schema(),
            device_errors_batch(&devices)?,
            progress,
        )
        .await?,
    );
    written.push(
        write_named_batch(
            "planted_stream_malformed",
            root,
            malformed_schema(),
            malformed_batch(&malformed)?,
            progress,
        )
        .await?,
    );
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn constants_match_chrono() {
        let day0 = chrono::NaiveDate::from_ymd_opt(2025, 6, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        assert_eq!(day0.timestamp(), DAY0_SECS);
        assert_eq!(day0.timestamp() / 86_400, i64::from(DAY0_DAYS));
        let stream = chrono::NaiveDate::from_ymd_opt(2025, 6, 2)
            .unwrap()
            .and_hms_opt(8, 2, 30)
            .unwrap()
            .and_utc();
        assert_eq!(stream.timestamp_millis(), STREAM_START_MS);
        // Full windows: those whose 5 minutes all carry readings.
        let minutes = FIRST_MINUTE..FIRST_MINUTE + READING_MINUTES;
        let full: Vec<u64> = (0..=minutes.end / WINDOW_MINUTES)
            .filter(|w| {
                (w * WINDOW_MINUTES..(w + 1) * WINDOW_MINUTES).all(|m| minutes.contains(&m))
            })
            .collect();
        assert_eq!(full.first().copied(), Some(FULL_WINDOWS.0));
        assert_eq!(full.last().copied(), Some(FULL_WINDOWS.1));
    }

    /// Per machine and window: the mean of each sensor is outside the thresholds exactly
    /// in the planted windows, with the planted sensors.
    #[test]
    fn window_means_cross_thresholds_only_in_faults() {
        for seed in [7, 42, 1] {
            window_means_match_plan(seed);
        }
    }

    fn window_means_match_plan(seed: u64) {
        let machines = machines(seed, 1);
        let batch = readings_batch(seed, &machines).unwrap();
        assert_eq!(batch.num_rows(), 50 * 2 * 2880);
        let col = |i: usize| {
            batch
                .column(i)
                .as_any()
                .downcast_ref::<deltalake::arrow::array::Float64Array>()
                .unwrap()
                .clone()
        };
        let ts = batch
            .column(1)
            .as_any()
            .downcast_ref::<deltalake::arrow::array::TimestampMicrosecondArray>()
            .unwrap();
        let (t, p, v) = (col(2), col(3), col(5));
        let ids = batch
            .column(6)
            .as_any()
            .downcast_ref::<deltalake::arrow::array::StringArray>()
            .unwrap();
        // (machine, window) -> (sum t, sum p, sum v, n)
        let mut sums: BTreeMap<(String, i64), (f64, f64, f64, u32)> = BTreeMap::new();
        for r in 0..batch.num_rows() {
            let w = ts.value(r).div_euclid(300_000_000);
            let e = sums.entry((ids.value(r).to_string(), w)).or_default();
            e.0 += t.value(r);
            e.1 += p.value(r);
            e.2 += v.value(r);
            e.3 += 1;
        }
        let by_id: BTreeMap<&str, &Machine> = machines.iter().map(|m| (m.id.as_str(), m)).collect();
        let mut flagged = 0;
        let mut levels = BTreeMap::new();
        for ((id, w), (st, sp, sv, n)) in &sums {
            let m = by_id[id.as_str()];
            let n = f64::from(*n);
            let (mt, mp, mv) = (st / n, sp / n, sv / n);
            let flags = [
                mt > m.max_temperature || mt < m.min_temperature,
                mv > m.max_vibration,
                mp > m.max_pressure || mp < m.min_pressure,
            ];
            let window = (*w - DAY0_SECS / 300) as u64;
            match m.fault_at(window) {
                Some(f) => {
                    let want = [
                        f.temperature != Push::None,
                        f.vibration,
                        f.pressure != Push::None,
                    ];
                    assert_eq!(flags, want, "{id} window {window}");
                    flagged += 1;
                    *levels.entry(f.alert_level()).or_insert(0) += 1;
                }
                None => assert_eq!(flags, [false; 3], "{id} window {window}"),
            }
        }
        let planted = faults_batch(&machines).unwrap().num_rows();
        assert_eq!(flagged, planted);
        assert!(planted > 40, "{planted}");
        assert!(levels["HIGH"] > 5 && levels["MEDIUM"] > 5, "{levels:?}");
    }

    #[test]
    fn maintenance_is_spaced_and_history_degrades() {
        let machines = machines(7, 1);
        for i in 1..=50 {
            let plan = maintenance_plan(7, i);
            assert!(plan.windows(2).all(|w| w[1].0 - w[0].0 >= 35));
            assert!(plan.last().is_some_and(|e| e.0 >= HISTORY_DAYS));
        }
        let history = history_batch(7, &machines).unwrap();
        assert_eq!(history.num_rows(), 50 * 180);
        assert!(maintenance_batch(7, &machines).unwrap().num_rows() >= 100);
    }

    #[test]
    fn quarters_keep_clear_of_stream_ends() {
        let q = eligible_quarters();
        assert_eq!(q.len(), 30);
        assert!(q.iter().all(|&s| s >= STREAM_START_MS + FIVE_MIN_MS));
        assert!(q
            .iter()
            .all(|&s| s + QUARTER_MS <= STREAM_END_MS - FIVE_MIN_MS));
        assert!(q.iter().all(|&s| s % QUARTER_MS == 0));
    }

    /// Every minute-aligned 5-minute window: reading counts are 20 per device when the
    /// window lies in the stream, and error rates stay low outside bursts.
    #[test]
    fn device_error_rates_follow_the_plan() {
        for seed in [7, 42, 1] {
            device_error_rates_match_plan(seed);
        }
    }

    fn device_error_rates_match_plan(seed: u64) {
        let devices = stream_devices(seed, 1);
        assert_eq!(devices.iter().filter(|d| d.burst.is_some()).count(), 8);
        for d in &devices {
            let mut start = STREAM_START_MS.div_euclid(60_000) * 60_000 - 4 * 60_000;
            while start < STREAM_END_MS {
                let end = start + FIVE_MIN_MS;
                let (mut n, mut e) = (0u64, 0u64);
                for c in &d.channels {
                    let r = c.readings_in(start, end);
                    n += r.end - r.start;
                    e += c.errors.iter().filter(|i| r.contains(i)).count() as u64;
                }
                if start >= STREAM_START_MS && end <= STREAM_END_MS {
                    assert_eq!(n, 20);
                }
                let rate = e as f64 / n.max(1) as f64;
                match d.burst {
                    Some(b) if start == b.start_ms => {
                        assert_eq!(e, b.errors);
                        assert_eq!(rate > 0.3, b.critical);
                        assert!(rate > 0.1);
                    }
                    Some(b) if (start - b.start_ms).abs() < FIVE_MIN_MS => {
                        if !b.critical {
                            assert!(rate <= 0.3, "{} {start}", d.id);
                        }
                    }
                    _ => assert!(e <= 1 && rate <= 0.1, "{} {start} {e}/{n}", d.id),
                }
                start += 60_000;
            }
        }
    }

    #[test]
    fn stream_files_are_deterministic_and_well_formed() {
        let devices = stream_devices(7, 1);
        let mut malformed = Vec::new();
        let (text, good) = stream_file(7, 3, 0, &devices, "f", &mut malformed);
        let (again, _) = stream_file(7, 3, 0, &devices, "f", &mut Vec::new());
        assert_eq!(text, again);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(good, 40 * 2 * 120);
        assert_eq!(lines.len() as u64, good + malformed.len() as u64);
        let bad: Vec<i64> = malformed.iter().map(|m| m.line).collect();
        for (k, line) in lines.iter().enumerate() {
            let parsed: Result<serde_json::Value, _> = serde_json::from_str(line);
            let ok = matches!(&parsed, Ok(serde_json::Value::Object(o))
                if o.get("value").is_some_and(|v| v.is_number()));
            assert_eq!(!ok, bad.contains(&(k as i64 + 1)), "{line}");
        }
    }
}
