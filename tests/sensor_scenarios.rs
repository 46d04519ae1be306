//! Scenario scripts 05 (IoT sensor processing) and 14 (streaming data processing) on the
//! generated `sensors` group: each must find exactly what the generator planted.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::scenario::{close, number, rows, script, setup_only};
use ignis::cli::runner::run_file;
use ignis::generate::DataGroup;
use ignis::IgnisContext;

type TestResult = Result<(), Box<dyn std::error::Error>>;

async fn set(
    ctx: &IgnisContext,
    sql: &str,
) -> Result<BTreeSet<Vec<String>>, Box<dyn std::error::Error>> {
    Ok(rows(ctx, sql).await?.into_iter().collect())
}

/// DuckDB over the same Delta files (read with deltalake into Arrow): daily aggregates
/// and the maintenance training join, printed as `tag|...` lines.
const DUCKDB_REFERENCE: &str = r#"
import sys, duckdb
from deltalake import DeltaTable
data = sys.argv[1]
readings = DeltaTable(data + "/sensor_readings").to_pyarrow_table()
history = DeltaTable(data + "/historical_sensor_data").to_pyarrow_table()
events = DeltaTable(data + "/maintenance_events").to_pyarrow_table()
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
for r in con.execute("""
    SELECT machine_id, facility_id, CAST(date_trunc('day', CAST("timestamp" AS TIMESTAMP)) AS DATE),
           avg(temperature), avg(pressure), avg(humidity), avg(vibration),
           min(temperature), max(temperature), min(pressure), max(pressure), count(*)
    FROM readings GROUP BY ALL ORDER BY ALL""").fetchall():
    print("daily|" + "|".join(str(v) for v in r))
for r in con.execute("""
    SELECT h.machine_id, h.date, e.maintenance_date, e.maintenance_date - h.date
    FROM history h JOIN events e
      ON h.machine_id = e.machine_id AND h.date BETWEEN e.maintenance_date - 30 AND e.maintenance_date
    ORDER BY ALL""").fetchall():
    print("train|" + "|".join(str(v) for v in r))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iot_sensor_processing_alerts_exactly_the_planted_faults() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Sensors]).await?;
    run_file(&ctx, &script("05_iot_sensor_processing.sql"), None).await?;

    // Every planted fault window is alerted with its sensors and level; nothing else is.
    let planted = set(
        &ctx,
        "SELECT machine_id, CAST(window_start AS TIMESTAMP), CAST(window_end AS TIMESTAMP),
                temperature_alert, vibration_alert, pressure_alert, alert_level
         FROM delta.`${data}/planted_sensor_faults`",
    )
    .await?;
    let alerted = set(
        &ctx,
        "SELECT machine_id, CAST(\"window\".start AS TIMESTAMP), CAST(\"window\".end AS TIMESTAMP),
                temperature_alert, vibration_alert, pressure_alert, alert_level
         FROM delta.`${out}/anomaly_alerts`",
    )
    .await?;
    assert!(planted.len() > 40, "{}", planted.len());
    assert_eq!(alerted, planted);
    let levels: BTreeSet<String> = planted.iter().map(|r| r[6].clone()).collect();
    assert_eq!(levels, BTreeSet::from(["HIGH".into(), "MEDIUM".into()]));

    // Alert rows carry the window statistics and the thresholds they broke.
    let inconsistent = number(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/anomaly_alerts`
         WHERE reading_count != 10
            OR (temperature_alert = 1) != (avg_temperature > max_temperature_threshold
                                           OR avg_temperature < min_temperature_threshold)
            OR (vibration_alert = 1) != (avg_vibration > max_vibration_threshold)
            OR stddev_temperature IS NULL",
    )
    .await?;
    assert_eq!(inconsistent, 0.0);

    // Windows are Spark's: epoch-aligned 5-minute [start, end), a reading on a boundary
    // in the window starting there; 577 windows per machine, the first and last partial.
    let misaligned = number(
        &ctx,
        "SELECT count(*) FROM windowed_stats
         WHERE CAST(date_part('epoch', \"window\".start) AS BIGINT) % 300 != 0
            OR \"window\".end - \"window\".start != INTERVAL '5 minutes'",
    )
    .await?;
    assert_eq!(misaligned, 0.0);
    let per_machine = rows(
        &ctx,
        "SELECT count(*), min(reading_count), max(reading_count), sum(reading_count)
         FROM windowed_stats GROUP BY machine_id",
    )
    .await?;
    assert_eq!(per_machine.len(), 50);
    for r in &per_machine {
        assert_eq!(r, &["577", "4", "10", "5760"], "{per_machine:?}");
    }
    let outside = number(
        &ctx,
        "SELECT count(*) FROM (
             SELECT \"timestamp\", window(\"timestamp\", '5 minutes') AS w FROM enriched_readings)
         WHERE NOT (w.start <= \"timestamp\" AND \"timestamp\" < w.end)",
    )
    .await?;
    assert_eq!(outside, 0.0);
    let boundary = rows(
        &ctx,
        "SELECT CAST(w.start AS VARCHAR), CAST(w.end AS VARCHAR) FROM (
             SELECT window(\"timestamp\", '5 minutes') AS w FROM delta.`${data}/sensor_readings`
             WHERE device_id = 'M0001-A' AND \"timestamp\" = TIMESTAMP '2025-06-01T00:05:00Z')",
    )
    .await?;
    assert_eq!(
        boundary,
        [["2025-06-01T00:05:00Z", "2025-06-01T00:10:00Z"]],
        "{boundary:?}"
    );

    // Daily aggregates and the training join equal DuckDB's on the same data.
    let reference = common::run_python(&[
        "-c",
        DUCKDB_REFERENCE,
        &dir.path().join("data").display().to_string(),
    ])?;
    let mut expected: BTreeMap<&str, Vec<Vec<String>>> = BTreeMap::new();
    for line in reference.lines() {
        let mut cells = line.split('|');
        let tag = cells.next().unwrap_or_default();
        expected
            .entry(tag)
            .or_default()
            .push(cells.map(str::to_string).collect());
    }
    let daily = rows(
        &ctx,
        "SELECT machine_id, facility_id, CAST(date AS DATE),
                avg_temperature, avg_pressure, avg_humidity, avg_vibration,
                min_temperature, max_temperature, min_pressure, max_pressure, reading_count
         FROM delta.`${out}/daily_sensor_aggregates` ORDER BY 1, 2, 3",
    )
    .await?;
    assert_eq!(daily.len(), 150);
    assert_eq!(daily.len(), expected["daily"].len());
    for (got, want) in daily.iter().zip(&expected["daily"]) {
        assert!(
            got.len() == want.len() && got.iter().zip(want).all(|(a, b)| close(a, b)),
            "{got:?} != {want:?}"
        );
    }
    let training = rows(
        &ctx,
        "SELECT machine_id, date, maintenance_date, days_to_maintenance
         FROM delta.`${out}/maintenance_training_data` ORDER BY 1, 2, 3",
    )
    .await?;
    assert!(training.len() > 3000, "{}", training.len());
    assert_eq!(training, expected["train"]);

    // The degradation before maintenance is visible: sensor spread rises as the event
    // nears (the signal the pending model will learn).
    let correlation = number(
        &ctx,
        "SELECT corr(stddev_temperature, days_to_maintenance)
         FROM delta.`${out}/maintenance_training_data`",
    )
    .await?;
    assert!(correlation < -0.5, "{correlation}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_processing_finds_planted_anomalies_and_error_bursts() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Sensors]).await?;
    run_file(&ctx, &script("14_streaming_data_processing.sql"), None).await?;

    // The raw archive holds every well-formed line: the planted malformed ones are dropped.
    let mut lines = 0usize;
    for entry in std::fs::read_dir(dir.path().join("data/sensor_stream"))? {
        lines += std::fs::read_to_string(entry?.path())?.lines().count();
    }
    let malformed = number(
        &ctx,
        "SELECT count(*) FROM delta.`${data}/planted_stream_malformed`",
    )
    .await?;
    assert!(malformed > 0.0);
    let raw = number(&ctx, "SELECT count(*) FROM delta.`${out}/raw_sensor_data`").await?;
    assert_eq!(raw, lines as f64 - malformed);
    assert_eq!(raw, 40.0 * 2.0 * 960.0);
    let no_processing_time = number(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/raw_sensor_data` WHERE processing_time IS NULL",
    )
    .await?;
    assert_eq!(no_processing_time, 0.0);

    // 5-minute aggregates: epoch-aligned tumbling windows covering every event once.
    let aggregates = rows(
        &ctx,
        "SELECT count(*), sum(reading_count), max(reading_count),
                sum(CASE WHEN CAST(date_part('epoch', \"window\".start) AS BIGINT) % 300 != 0
                           OR \"window\".end - \"window\".start != INTERVAL '5 minutes'
                         THEN 1 ELSE 0 END)
         FROM delta.`${out}/aggregated_sensor_data`",
    )
    .await?;
    assert_eq!(aggregates, [["7760", "76800", "10", "0"]]);

    // Anomalies: exactly the planted out-of-range readings of sensors with thresholds.
    let planted = set(
        &ctx,
        "SELECT device_id, sensor_type, CAST(\"timestamp\" AS TIMESTAMP), value
         FROM delta.`${data}/planted_sensor_anomalies` WHERE flagged",
    )
    .await?;
    let found = set(
        &ctx,
        "SELECT device_id, sensor_type, CAST(\"timestamp\" AS TIMESTAMP), value
         FROM delta.`${out}/sensor_anomalies`",
    )
    .await?;
    assert!(planted.len() > 50, "{}", planted.len());
    assert_eq!(found, planted);
    let unthresholded = number(
        &ctx,
        "SELECT count(*) FROM delta.`${data}/planted_sensor_anomalies` WHERE NOT flagged",
    )
    .await?;
    assert!(
        unthresholded > 0.0,
        "sensors without thresholds carry extreme values too"
    );

    // Alerts: the high-priority anomalies.
    let planted_high = set(
        &ctx,
        "SELECT device_id, sensor_type, CAST(\"timestamp\" AS TIMESTAMP)
         FROM delta.`${data}/planted_sensor_anomalies` WHERE flagged AND priority = 'high'",
    )
    .await?;
    let alerts = set(
        &ctx,
        "SELECT device_id, sensor_type, CAST(\"timestamp\" AS TIMESTAMP)
         FROM delta.`${out}/sensor_alerts` WHERE alert_time IS NOT NULL",
    )
    .await?;
    assert!(!planted_high.is_empty());
    assert_eq!(alerts, planted_high);

    // Device status on sliding windows: every event is in five minute-aligned 5-minute
    // windows, so each device's window counts add up to five times its events.
    let per_device = rows(
        &ctx,
        "SELECT s.device_id, s.total, e.events FROM
            (SELECT device_id, sum(reading_count) AS total FROM delta.`${out}/device_status`
             GROUP BY device_id) s
         JOIN (SELECT device_id, count(*) AS events FROM delta.`${out}/raw_sensor_data`
               GROUP BY device_id) e ON s.device_id = e.device_id",
    )
    .await?;
    assert_eq!(per_device.len(), 40);
    for r in &per_device {
        assert_eq!(r[1].parse::<u64>()?, 5 * r[2].parse::<u64>()?, "{r:?}");
    }
    let misaligned = number(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/device_status`
         WHERE CAST(date_part('epoch', \"window\".start) AS BIGINT) % 60 != 0
            OR \"window\".end - \"window\".start != INTERVAL '5 minutes'",
    )
    .await?;
    assert_eq!(misaligned, 0.0);
    // A timestamp on a minute boundary starts the last of its five windows.
    let on_boundary = rows(
        &ctx,
        "SELECT CAST(w.start AS VARCHAR) FROM (SELECT unnest(sliding_windows(
             TIMESTAMP '2025-06-02 08:05:00', '5 minutes', '1 minute')) AS w) ORDER BY 1",
    )
    .await?;
    let starts: Vec<&str> = on_boundary.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        starts,
        [
            "2025-06-02T08:01:00",
            "2025-06-02T08:02:00",
            "2025-06-02T08:03:00",
            "2025-06-02T08:04:00",
            "2025-06-02T08:05:00"
        ]
    );

    // Each planted burst window has its planted status and rate.
    let bursts = set(
        &ctx,
        "SELECT device_id, CAST(window_start AS TIMESTAMP), expected_status, error_rate
         FROM delta.`${data}/planted_device_errors`",
    )
    .await?;
    let found_bursts = set(
        &ctx,
        "SELECT s.device_id, CAST(s.\"window\".start AS TIMESTAMP), s.device_status, s.error_rate
         FROM delta.`${out}/device_status` s
         JOIN delta.`${data}/planted_device_errors` p
           ON s.device_id = p.device_id AND s.\"window\".start = p.window_start",
    )
    .await?;
    assert_eq!(bursts.len(), 8);
    assert_eq!(found_bursts, bursts);
    // Critical windows only on critical-burst devices (all of them); warnings only around
    // bursts; no window far from a burst leaves "normal".
    let critical = set(
        &ctx,
        "SELECT DISTINCT device_id FROM delta.`${out}/device_status` WHERE device_status = 'critical'",
    )
    .await?;
    let planted_critical = set(
        &ctx,
        "SELECT device_id FROM delta.`${data}/planted_device_errors` WHERE expected_status = 'critical'",
    )
    .await?;
    assert_eq!(critical, planted_critical);
    let stray = number(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/device_status` s
         LEFT JOIN delta.`${data}/planted_device_errors` p
           ON s.device_id = p.device_id
          AND s.\"window\".start > p.window_start - INTERVAL '5 minutes'
          AND s.\"window\".start < p.window_end
         WHERE s.device_status != 'normal' AND p.device_id IS NULL",
    )
    .await?;
    assert_eq!(stray, 0.0);

    // The dashboard view joins status and anomaly counts onto every 5-minute aggregate.
    let dashboard = rows(
        &ctx,
        "SELECT count(*), count(device_status), sum(anomaly_count) FROM sensor_dashboard",
    )
    .await?;
    assert_eq!(
        dashboard,
        [[
            "7760".to_string(),
            "7760".to_string(),
            planted.len().to_string()
        ]]
    );
    let burst_rows = set(
        &ctx,
        "SELECT d.device_id, CAST(d.time_window AS TIMESTAMP), d.device_status
         FROM sensor_dashboard d
         JOIN delta.`${data}/planted_device_errors` p
           ON d.device_id = p.device_id AND d.time_window = p.window_end",
    )
    .await?;
    let expected_rows = set(
        &ctx,
        "SELECT device_id, CAST(window_end AS TIMESTAMP), expected_status
         FROM delta.`${data}/planted_device_errors`",
    )
    .await?;
    assert_eq!(burst_rows, expected_rows);
    Ok(())
}
