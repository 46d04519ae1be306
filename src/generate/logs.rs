//! Application logs (`application_logs/part-NNNNN.json`, JSON lines) and the
//! ground-truth Delta table `planted_log_anomalies`.
//!
//! # What is planted
//!
//! Six services log over the 7 days 2025-12-25T00:00Z ..= 2025-12-31T23:59Z
//! (≈100k lines per unit of scale, diurnal traffic curve, one file per day).
//!
//! * **Baseline errors.** Every service logs ERROR/FATAL lines at ≈0.5 %. Per
//!   `(hour, service)` window the number of errors is capped so that the window's
//!   error rate is always strictly below 5 % (`errors * 20 < lines`), whatever the
//!   random draw, so `error_rate > 0.05` never fires outside the planted windows.
//! * **Anomalies.** `payment-service` has a raised error rate (25–30 %) in six
//!   distinct hours (one per day on six of the seven days, between 10:00 and 19:59
//!   UTC, chosen from the seed). They are listed in `planted_log_anomalies`
//!   (`service`, `hour_start`). This also makes payment-service's overall error
//!   percentage clearly the highest (≈1.7 % vs ≈0.5 %).
//! * **Cascading failures.** Some payment-service errors (three per anomalous hour
//!   per unit of scale, plus ~15 % of its baseline errors) share their `request_id`
//!   with an ERROR in `order-service` (5–40 ms later) and one in `api-gateway`
//!   (45–120 ms later). Every other line, including all other errors, has a unique
//!   `request_id`, so errors of other services are independent.
//! * **Error codes.** Error messages end in `(error code: NNN)` with a per-service
//!   skew (e.g. 401 for auth-service, 429 for notification-service, 502/503/504 for
//!   payment-service and api-gateway, 500 everywhere); other messages never contain
//!   the phrase `error code`.
//! * **Malformed records.** ≈0.1 % extra lines are partial records: `timestamp` is
//!   `null` or missing (some also lack host/request_id). They are valid JSON, never
//!   ERROR/FATAL, and are dropped by `WHERE timestamp IS NOT NULL`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use deltalake::arrow::array::{ArrayRef, RecordBatch, StringBuilder, TimestampMicrosecondBuilder};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use deltalake::arrow::error::ArrowError;
use rand::seq::SliceRandom;
use rand::Rng;

use super::delta_writer::{write_delta, BatchIter};
use super::{cdf, fmt_count, sample_cdf, stochastic_round, sub_rng, tag, GenerateError};

/// Directory (under the output directory) holding the JSON-lines files.
pub(super) const LOGS_DIR: &str = "application_logs";
/// Delta table listing the planted `(service, hour_start)` anomalies.
pub(super) const ANOMALIES_TABLE: &str = "planted_log_anomalies";

/// Log lines per unit of scale (excluding malformed extras).
const LINES_PER_SCALE: f64 = 100_000.0;
const DAYS: u64 = 7;
const HOURS: u64 = DAYS * 24;
/// 2025-12-25T00:00:00Z in seconds since the epoch.
const LOG_START_SECS: i64 = 1_766_620_800;
/// First day-of-month of the window (December 25).
const FIRST_DAY_OF_MONTH: u64 = 25;
const MS_PER_HOUR: u32 = 3_600_000;

const SERVICES: [&str; 6] = [
    "api-gateway",
    "auth-service",
    "payment-service",
    "order-service",
    "inventory-service",
    "notification-service",
];
const SERVICE_SHARE: [f64; 6] = [0.30, 0.17, 0.12, 0.18, 0.13, 0.10];
const GATEWAY: usize = 0;
const PAYMENT: usize = 2;
const ORDER: usize = 3;
/// The service whose error rate is raised in the planted hours.
const PLANTED_SERVICE: usize = PAYMENT;
const HOSTS_PER_SERVICE: u8 = 3;

const BASE_ERROR_RATE: f64 = 0.005;
const N_ANOMALIES: usize = 6;
const ANOMALY_RATE: (f64, f64) = (0.25, 0.30);
/// Anomalous hours start between these hours of day (UTC), inclusive.
const ANOMALY_HOUR_OF_DAY: (u64, u64) = (10, 19);
/// Cascading payment -> order -> gateway failures per anomalous hour, per scale.
const CASCADES_PER_ANOMALY: f64 = 3.0;
/// Share of baseline payment-service errors that cascade.
const BASELINE_CASCADE_SHARE: f64 = 0.15;
const FATAL_SHARE: f64 = 0.04;
const MALFORMED_RATE: f64 = 0.001;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }
}

/// Message = `prefix` + numeric parameter + `suffix`.
type Template = (&'static str, &'static str);

const INFO_TEMPLATES: [[Template; 3]; 6] = [
    [
        ("GET /api/v1/products completed with status 200 in ", " ms"),
        ("POST /api/v1/checkout completed with status 201 in ", " ms"),
        ("GET /api/v1/orders completed with status 200 in ", " ms"),
    ],
    [
        ("User login succeeded, session ttl ", " s"),
        ("Access token refreshed for client app-", ""),
        ("Password policy check passed in ", " ms"),
    ],
    [
        ("Payment authorized in ", " ms"),
        ("Refund processed for order ", ""),
        ("Card tokenized in ", " ms"),
    ],
    [
        ("Order created in ", " ms"),
        ("Order status updated to shipped for order ", ""),
        ("Cart checked out in ", " ms"),
    ],
    [
        ("Stock reserved for SKU ", ""),
        ("Stock level synced for warehouse ", ""),
        ("Product availability reindexed in ", " ms"),
    ],
    [
        ("Email queued for delivery, queue depth ", ""),
        ("Push notification sent in ", " ms"),
        ("SMS delivered in ", " ms"),
    ],
];
const WARN_TEMPLATES: [Template; 4] = [
    ("Slow response detected: ", " ms"),
    ("Retrying downstream call, attempt ", " of 3"),
    ("Connection pool usage at ", "%"),
    ("Cache miss rate high: ", "%"),
];
const DEBUG_TEMPLATES: [Template; 3] = [
    ("Cache hit for key item:", ""),
    ("Connection pool stats: active=", ""),
    ("Request headers parsed in ", " us"),
];
const ERROR_TEMPLATES: [[&str; 3]; 6] = [
    [
        "Upstream request failed",
        "Request rejected by rate limiter",
        "Gateway timeout waiting for upstream",
    ],
    [
        "Authentication failed for client",
        "Token validation failed",
        "Session store unavailable",
    ],
    [
        "Payment authorization failed: processor timeout",
        "Charge declined by payment processor",
        "Payment provider connection reset",
    ],
    [
        "Failed to persist order",
        "Order validation failed",
        "Inventory reservation failed",
    ],
    [
        "Stock lookup failed",
        "SKU not found in catalog",
        "Warehouse sync failed",
    ],
    [
        "Email provider rejected message",
        "Push notification delivery failed",
        "SMS gateway throttled request",
    ],
];
/// Messages of the linked errors of a cascading failure, per service.
const CASCADE_PAYMENT: &str = "Payment processing failed: card processor unavailable";
const CASCADE_ORDER: &str = "Checkout failed: payment-service call failed";
const CASCADE_GATEWAY: &str = "POST /api/v1/checkout failed: upstream order-service error";
const MALFORMED_MESSAGES: [&str; 3] = [
    "Connection reset while writing respo",
    "Request body truncated after 4096 by",
    "Health check",
];

/// Error codes and their relative weights, per service.
const ERROR_CODES: [&[(u16, f64)]; 6] = [
    &[
        (502, 35.0),
        (503, 20.0),
        (504, 15.0),
        (429, 20.0),
        (500, 10.0),
    ],
    &[(401, 55.0), (403, 15.0), (500, 20.0), (503, 10.0)],
    &[(502, 25.0), (503, 25.0), (504, 35.0), (500, 15.0)],
    &[(500, 55.0), (409, 15.0), (503, 30.0)],
    &[(500, 60.0), (404, 25.0), (503, 15.0)],
    &[(500, 40.0), (429, 40.0), (503, 20.0)],
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Message {
    Info(u8),
    Warn(u8),
    Debug(u8),
    Error(u8),
    Cascade,
}

/// One log line, kept compact; formatted to JSON only when written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LogEntry {
    /// Milliseconds since the start of the hour.
    ms: u32,
    service: u8,
    level: Level,
    message: Message,
    /// Numeric message parameter, or the error code for errors.
    param: u32,
    host: u8,
    request_id: u64,
    /// 0 = well-formed; 1 = `"timestamp": null`; 2 = no timestamp key;
    /// 3 = partial record (only level, service, truncated message).
    malformed: u8,
}

/// Line counts of one hour, drawn up front so totals are known before writing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct HourPlan {
    /// Well-formed lines per service.
    lines: [u32; 6],
    /// ERROR/FATAL lines per service (including cascade errors).
    errors: [u32; 6],
    /// Payment errors whose request_id is shared with order-service and api-gateway.
    cascades: u32,
    /// Extra malformed lines.
    malformed: u32,
    anomalous: bool,
}

impl HourPlan {
    fn total(&self) -> u64 {
        self.lines.iter().map(|&n| u64::from(n)).sum::<u64>() + u64::from(self.malformed)
    }
}

/// Largest error count that keeps a window strictly below a 5 % error rate.
fn error_cap(lines: u32) -> u32 {
    lines.saturating_sub(1) / 20
}

/// Hour indices (0 = 2025-12-25T00:00Z) of the planted anomalies, sorted.
fn anomaly_hours(seed: u64) -> Vec<u64> {
    let mut rng = sub_rng(seed, tag::LOG_PLAN, u64::MAX);
    let mut days: Vec<u64> = (0..DAYS).collect();
    days.shuffle(&mut rng);
    let mut hours: Vec<u64> = days[..N_ANOMALIES]
        .iter()
        .map(|day| day * 24 + rng.random_range(ANOMALY_HOUR_OF_DAY.0..=ANOMALY_HOUR_OF_DAY.1))
        .collect();
    hours.sort_unstable();
    hours
}

fn plan_hour(seed: u64, scale: u32, hour: u64, anomalous: bool) -> HourPlan {
    let mut rng = sub_rng(seed, tag::LOG_PLAN, hour);
    let hour_of_day = (hour % 24) as f64;
    // Diurnal curve: trough ~03:00 UTC (0.45x), peak ~15:00 UTC (1.55x).
    let diurnal = 1.0 + 0.55 * (2.0 * std::f64::consts::PI * (hour_of_day - 9.0) / 24.0).sin();
    let per_hour = LINES_PER_SCALE * f64::from(scale) / HOURS as f64;
    let mut plan = HourPlan {
        anomalous,
        ..HourPlan::default()
    };
    for (s, share) in SERVICE_SHARE.iter().enumerate() {
        let noise = rng.random_range(0.92..1.08);
        plan.lines[s] = (per_hour * share * diurnal * noise).round().max(1.0) as u32;
    }
    let mut baseline = [0u32; 6];
    for (s, b) in baseline.iter_mut().enumerate() {
        let expected = f64::from(plan.lines[s]) * BASE_ERROR_RATE;
        *b = (stochastic_round(&mut rng, expected) as u32).min(error_cap(plan.lines[s]));
    }
    let cascade_cap = error_cap(plan.lines[ORDER]).min(error_cap(plan.lines[GATEWAY]));
    if anomalous {
        let rate = rng.random_range(ANOMALY_RATE.0..=ANOMALY_RATE.1);
        let errors = (f64::from(plan.lines[PLANTED_SERVICE]) * rate).round() as u32;
        plan.errors[PLANTED_SERVICE] = errors.min(plan.lines[PLANTED_SERVICE]);
        let wanted = (CASCADES_PER_ANOMALY * f64::from(scale)).round() as u32;
        plan.cascades = wanted.min(cascade_cap).min(plan.errors[PLANTED_SERVICE]);
    } else {
        plan.errors[PLANTED_SERVICE] = baseline[PLANTED_SERVICE];
        let mut cascades = 0;
        for _ in 0..baseline[PLANTED_SERVICE] {
            if rng.random_bool(BASELINE_CASCADE_SHARE) {
                cascades += 1;
            }
        }
        plan.cascades = cascades.min(cascade_cap);
    }
    for (s, &own) in baseline.iter().enumerate() {
        if s == PLANTED_SERVICE {
            continue;
        }
        let linked = if s == ORDER || s == GATEWAY {
            plan.cascades
        } else {
            0
        };
        let own = own.min(error_cap(plan.lines[s]).saturating_sub(linked));
        plan.errors[s] = own + linked;
    }
    let total: u32 = plan.lines.iter().sum();
    plan.malformed = stochastic_round(&mut rng, f64::from(total) * MALFORMED_RATE) as u32;
    plan
}

/// Pre-computed per-service distributions.
struct Model {
    code_cdfs: Vec<Vec<f64>>,
    level_cdf: Vec<f64>,
}

impl Model {
    fn new() -> Model {
        Model {
            code_cdfs: ERROR_CODES
                .iter()
                .map(|codes| cdf(&codes.iter().map(|&(_, w)| w).collect::<Vec<_>>()))
                .collect(),
            // DEBUG, INFO, WARN for non-error lines.
            level_cdf: cdf(&[10.0, 76.0, 14.0]),
        }
    }
}

/// Generate the lines of one hour into `out` (sorted by time).
fn hour_entries(seed: u64, hour: u64, plan: &HourPlan, model: &Model, out: &mut Vec<LogEntry>) {
    out.clear();
    let mut rng = sub_rng(seed, tag::LOG_HOUR, hour);
    let cascade_start = out.len();
    // Planted service first, so its cascade errors exist before the linked ones.
    let order = [PAYMENT, ORDER, GATEWAY, 1, 4, 5];
    for &s in &order {
        for i in 0..plan.lines[s] {
            let mut entry = LogEntry {
                ms: rng.random_range(0..MS_PER_HOUR),
                service: s as u8,
                level: Level::Info,
                message: Message::Info(0),
                param: 0,
                host: rng.random_range(0..HOSTS_PER_SERVICE),
                request_id: rng.random(),
                malformed: 0,
            };
            let cascade = i < plan.cascades && (s == PAYMENT || s == ORDER || s == GATEWAY);
            if cascade {
                entry.level = Level::Error;
                entry.message = Message::Cascade;
                if s == PAYMENT {
                    entry.ms = rng.random_range(0..MS_PER_HOUR - 200);
                    entry.param = if rng.random_bool(0.5) { 503 } else { 504 };
                } else {
                    let source = out[cascade_start + i as usize];
                    let delay = if s == ORDER {
                        rng.random_range(5..=40)
                    } else {
                        rng.random_range(45..=120)
                    };
                    entry.ms = source.ms + delay;
                    entry.request_id = source.request_id;
                    entry.param = 502;
                }
            } else if i < plan.errors[s] {
                entry.level = if rng.random_bool(FATAL_SHARE) {
                    Level::Fatal
                } else {
                    Level::Error
                };
                entry.message = Message::Error(rng.random_range(0..3));
                let codes = ERROR_CODES[s];
                entry.param = u32::from(codes[sample_cdf(&mut rng, &model.code_cdfs[s])].0);
            } else {
                match sample_cdf(&mut rng, &model.level_cdf) {
                    0 => {
                        entry.level = Level::Debug;
                        entry.message = Message::Debug(rng.random_range(0..3));
                        entry.param = rng.random_range(1..5000);
                    }
                    1 => {
                        entry.level = Level::Info;
                        entry.message = Message::Info(rng.random_range(0..3));
                        entry.param = rng.random_range(3..400);
                    }
                    _ => {
                        entry.level = Level::Warn;
                        let t = rng.random_range(0..WARN_TEMPLATES.len()) as u8;
                        entry.message = Message::Warn(t);
                        entry.param = match t {
                            0 => rng.random_range(1000..9000),
                            1 => rng.random_range(2..=3),
                            _ => rng.random_range(80..100),
                        };
                    }
                }
            }
            out.push(entry);
        }
    }
    for _ in 0..plan.malformed {
        let s = rng.random_range(0..SERVICES.len());
        out.push(LogEntry {
            ms: rng.random_range(0..MS_PER_HOUR),
            service: s as u8,
            level: if rng.random_bool(0.7) {
                Level::Info
            } else {
                Level::Warn
            },
            message: Message::Info(0),
            param: rng.random_range(0..MALFORMED_MESSAGES.len() as u32),
            host: rng.random_range(0..HOSTS_PER_SERVICE),
            request_id: rng.random(),
            malformed: rng.random_range(1..=3),
        });
    }
    out.sort_by_key(|e| e.ms);
}

fn push_padded(buf: &mut String, value: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut v = value;
    let mut len = 0;
    while v > 0 || len == 0 {
        digits[len] = b'0' + (v % 10) as u8;
        v /= 10;
        len += 1;
    }
    for _ in len..width {
        buf.push('0');
    }
    for &d in digits[..len].iter().rev() {
        buf.push(char::from(d));
    }
}

fn push_json_str(buf: &mut String, s: &str) {
    buf.push('"');
    for ch in s.chars() {
        match ch {
            '"' => buf.push_str("\\\""),
            '\\' => buf.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                buf.push_str("\\u00");
                let b = u32::from(c);
                buf.push(char::from(b"0123456789abcdef"[(b >> 4) as usize]));
                buf.push(char::from(b"0123456789abcdef"[(b & 15) as usize]));
            }
            c => buf.push(c),
        }
    }
    buf.push('"');
}

fn push_message(buf: &mut String, e: &LogEntry) {
    let s = e.service as usize;
    let (prefix, suffix) = match e.message {
        Message::Info(t) => INFO_TEMPLATES[s][t as usize],
        Message::Warn(t) => WARN_TEMPLATES[t as usize],
        Message::Debug(t) => DEBUG_TEMPLATES[t as usize],
        Message::Error(t) => (ERROR_TEMPLATES[s][t as usize], ""),
        Message::Cascade => match s {
            PAYMENT => (CASCADE_PAYMENT, ""),
            ORDER => (CASCADE_ORDER, ""),
            _ => (CASCADE_GATEWAY, ""),
        },
    };
    buf.push('"');
    buf.push_str(prefix);
    if matches!(e.message, Message::Error(_) | Message::Cascade) {
        buf.push_str(" (error code: ");
        push_padded(buf, e.param, 3);
        buf.push(')');
    } else {
        push_padded(buf, e.param, 1);
        buf.push_str(suffix);
    }
    buf.push('"');
}

/// Append one JSON line for `e`; `hour_prefix` is e.g. `2025-12-25T13:`.
fn push_line(buf: &mut String, hour_prefix: &str, e: &LogEntry) {
    let service = SERVICES[e.service as usize];
    buf.push('{');
    match e.malformed {
        0 => {
            buf.push_str("\"timestamp\":\"");
            buf.push_str(hour_prefix);
            push_padded(buf, e.ms / 60_000, 2);
            buf.push(':');
            push_padded(buf, (e.ms / 1000) % 60, 2);
            buf.push('.');
            push_padded(buf, e.ms % 1000, 3);
            buf.push_str("Z\",");
        }
        1 => buf.push_str("\"timestamp\":null,"),
        _ => {}
    }
    buf.push_str("\"level\":\"");
    buf.push_str(e.level.as_str());
    buf.push_str("\",\"service\":");
    push_json_str(buf, service);
    buf.push_str(",\"message\":");
    if e.malformed == 0 {
        push_message(buf, e);
    } else {
        push_json_str(
            buf,
            MALFORMED_MESSAGES[e.param as usize % MALFORMED_MESSAGES.len()],
        );
    }
    if e.malformed != 3 {
        buf.push_str(",\"host\":\"");
        buf.push_str(service);
        buf.push('-');
        push_padded(buf, u32::from(e.host) + 1, 1);
        buf.push_str("\",\"request_id\":\"req-");
        for shift in (0..16).rev() {
            let nibble = ((e.request_id >> (shift * 4)) & 15) as usize;
            buf.push(char::from(b"0123456789abcdef"[nibble]));
        }
        buf.push('"');
    }
    buf.push_str("}\n");
}

/// `2025-12-25T13:` for hour index 13.
fn hour_prefix(hour: u64) -> String {
    format!(
        "2025-12-{:02}T{:02}:",
        FIRST_DAY_OF_MONTH + hour / 24,
        hour % 24
    )
}

fn all_plans(seed: u64, scale: u32) -> Vec<HourPlan> {
    let anomalies = anomaly_hours(seed);
    (0..HOURS)
        .map(|h| plan_hour(seed, scale, h, anomalies.contains(&h)))
        .collect()
}

/// Write the JSON-lines log files to `dir` (one file per day, replacing any
/// previous `part-*.json` files). Returns the number of lines written.
pub(super) fn write_logs(
    seed: u64,
    scale: u32,
    dir: &Path,
    progress: &dyn Fn(&str),
) -> Result<u64, GenerateError> {
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
    let plans = all_plans(seed, scale);
    let expected: u64 = plans.iter().map(HourPlan::total).sum();
    let model = Model::new();
    let mut entries = Vec::new();
    let mut buf = String::new();
    let mut written = 0u64;
    for day in 0..DAYS {
        let path = dir.join(format!("part-{day:05}.json"));
        let mut file = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        for hour in day * 24..(day + 1) * 24 {
            let plan = &plans[hour as usize];
            hour_entries(seed, hour, plan, &model, &mut entries);
            let prefix = hour_prefix(hour);
            buf.clear();
            for e in &entries {
                push_line(&mut buf, &prefix, e);
            }
            file.write_all(buf.as_bytes())?;
            written += entries.len() as u64;
        }
        file.flush()?;
        progress(&format!(
            "{LOGS_DIR}: {} / {} lines",
            fmt_count(written),
            fmt_count(expected)
        ));
    }
    Ok(written)
}

fn anomalies_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("service", DataType::Utf8, true),
        Field::new(
            "hour_start",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ),
    ]))
}

fn anomalies_batch(seed: u64) -> Result<RecordBatch, ArrowError> {
    let hours = anomaly_hours(seed);
    let mut service_b = StringBuilder::new();
    let mut hour_b = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    for h in hours {
        service_b.append_value(SERVICES[PLANTED_SERVICE]);
        hour_b.append_value((LOG_START_SECS + h as i64 * 3600) * 1_000_000);
    }
    let columns: Vec<ArrayRef> = vec![Arc::new(service_b.finish()), Arc::new(hour_b.finish())];
    RecordBatch::try_new(anomalies_schema(), columns)
}

/// Write the `planted_log_anomalies` Delta table; returns its row count.
pub(super) async fn write_anomalies_table(
    seed: u64,
    location: &Path,
    progress: &dyn Fn(&str),
) -> Result<u64, GenerateError> {
    let factory = move || -> BatchIter { Box::new(std::iter::once(anomalies_batch(seed))) };
    write_delta(
        ANOMALIES_TABLE,
        location,
        anomalies_schema(),
        N_ANOMALIES as u64,
        factory,
        progress,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ignis-generate-logs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn constants_match_chrono() {
        let start = chrono::DateTime::from_timestamp(LOG_START_SECS, 0).unwrap();
        assert_eq!(start.to_rfc3339(), "2025-12-25T00:00:00+00:00");
        for h in [0, 13, 167] {
            let t = chrono::DateTime::from_timestamp(LOG_START_SECS + h as i64 * 3600, 0).unwrap();
            assert_eq!(hour_prefix(h), t.format("%Y-%m-%dT%H:").to_string());
        }
    }

    #[test]
    fn anomalies_are_six_distinct_daytime_hours() {
        for seed in 0..20 {
            let hours = anomaly_hours(seed);
            assert_eq!(hours.len(), N_ANOMALIES);
            let mut days: Vec<u64> = hours.iter().map(|h| h / 24).collect();
            days.dedup();
            assert_eq!(days.len(), N_ANOMALIES);
            assert!(hours.iter().all(|h| (10..=19).contains(&(h % 24))));
        }
    }

    #[test]
    fn files_are_deterministic() {
        let a = temp_dir("det-a");
        let b = temp_dir("det-b");
        let na = write_logs(3, 1, &a, &|_| {}).unwrap();
        let nb = write_logs(3, 1, &b, &|_| {}).unwrap();
        assert_eq!(na, nb);
        for day in 0..DAYS {
            let name = format!("part-{day:05}.json");
            let fa = std::fs::read(a.join(&name)).unwrap();
            let fb = std::fs::read(b.join(&name)).unwrap();
            assert!(fa == fb, "{name} differs");
        }
        let _ = std::fs::remove_dir_all(&a);
        let _ = std::fs::remove_dir_all(&b);
    }

    #[derive(Default)]
    struct Window {
        lines: u32,
        errors: u32,
    }

    /// Parse the written files like the SQL scripts would and check the signals.
    #[test]
    fn planted_signals_are_recoverable_from_files() {
        let seed = 17;
        let dir = temp_dir("signals");
        let total = write_logs(seed, 1, &dir, &|_| {}).unwrap();
        assert!((95_000..110_000).contains(&total), "{total}");

        let mut windows: HashMap<(String, String), Window> = HashMap::new();
        let mut per_service: HashMap<String, Window> = HashMap::new();
        let mut error_ids: HashMap<String, Vec<String>> = HashMap::new();
        let mut malformed = 0;
        for day in 0..DAYS {
            let text = std::fs::read_to_string(dir.join(format!("part-{day:05}.json"))).unwrap();
            for line in text.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let Some(ts) = v.get("timestamp").and_then(|t| t.as_str()) else {
                    malformed += 1;
                    assert!(!matches!(v["level"].as_str(), Some("ERROR" | "FATAL")));
                    continue;
                };
                assert_eq!(ts.len(), 24);
                let service = v["service"].as_str().unwrap().to_string();
                let level = v["level"].as_str().unwrap();
                let message = v["message"].as_str().unwrap();
                let is_error = level == "ERROR" || level == "FATAL";
                assert_eq!(is_error, message.contains("error code: "), "{message}");
                let w = windows
                    .entry((ts[..13].to_string(), service.clone()))
                    .or_default();
                w.lines += 1;
                let s = per_service.entry(service.clone()).or_default();
                s.lines += 1;
                if is_error {
                    w.errors += 1;
                    s.errors += 1;
                    error_ids
                        .entry(v["request_id"].as_str().unwrap().to_string())
                        .or_default()
                        .push(service);
                }
            }
        }
        assert!(malformed > 50 && malformed < 200, "{malformed}");

        let planted: Vec<String> = anomaly_hours(seed)
            .iter()
            .map(|&h| hour_prefix(h)[..13].to_string())
            .collect();
        assert_eq!(windows.len(), HOURS as usize * SERVICES.len());
        for ((hour, service), w) in &windows {
            let rate = f64::from(w.errors) / f64::from(w.lines);
            if service == "payment-service" && planted.contains(hour) {
                assert!(rate > 0.2, "{hour} {service} {rate}");
            } else {
                assert!(rate < 0.05, "{hour} {service} {rate}");
            }
        }

        let pct = |s: &str| {
            let w = &per_service[s];
            f64::from(w.errors) / f64::from(w.lines)
        };
        for s in SERVICES {
            if s != "payment-service" {
                assert!(pct("payment-service") > 2.0 * pct(s), "{s}");
                assert!(pct(s) > 0.002, "{s} baseline {}", pct(s));
            }
        }

        let mut cascades = 0;
        for services in error_ids.values() {
            if services.len() > 1 {
                let mut sorted = services.clone();
                sorted.sort();
                assert_eq!(sorted, ["api-gateway", "order-service", "payment-service"]);
                cascades += 1;
            }
        }
        assert!(cascades >= 18, "{cascades}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn caps_hold_at_every_scale() {
        for scale in [1, 2, 5] {
            for plan in all_plans(9, scale) {
                for s in 0..SERVICES.len() {
                    if plan.anomalous && s == PLANTED_SERVICE {
                        assert!(plan.errors[s] * 20 > plan.lines[s]);
                    } else {
                        assert!(plan.errors[s] * 20 < plan.lines[s]);
                    }
                }
            }
        }
    }
}
