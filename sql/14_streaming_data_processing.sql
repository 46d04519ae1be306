-- Seed scenario 14: Streaming Data Processing.
--
-- IoT sensor events (JSON payloads) are archived raw with a processing time, aggregated
-- per device and sensor type in 5-minute windows, checked against per-sensor thresholds
-- (anomalies, and alerts for the high-priority ones), and each device's error rate is
-- tracked on 5-minute windows sliding every minute; a dashboard view joins the three.
--
-- Bounded batch, not a stream: the seed subscribes to a Kafka topic (readStream) and
-- writes every result with writeStream (append mode, checkpoints, 10-minute
-- watermarks). Here the "stream" is a directory of JSON-lines files holding the same
-- payloads, processed once; continuous Kafka ingestion and the Kafka alert sink come with
-- a later streaming issue. A bounded batch has no late data, so the watermarks have
-- nothing to drop and are left out: every window is complete when written.
--
-- Deliberate differences from the seed:
-- * Payloads are parsed with read_json_checked against the seed's schema in
--   DROPMALFORMED mode: a line that is not a JSON object or whose value is not a number
--   is dropped (the seed's from_json would archive it as a row of NULLs).
--   Timestamps are UTC.
-- * The seed joins the thresholds on two column expressions, which keeps both tables'
--   device_id and sensor_type columns, and Delta rejects duplicate column names;
--   sensor_anomalies keeps one copy.
-- * Anomalies: as in the seed, `value > max_threshold OR value < min_threshold` is NULL
--   for a sensor without a thresholds row (left join), and when(...).otherwise(false)
--   makes that "not an anomaly": such sensors never raise anomalies, however extreme.
-- * High-priority alerts: the seed serialises them with to_json(struct(*)) and sends them
--   to the Kafka topic sensor_alerts. Until the Kafka sink exists they are written to
--   the Delta table sensor_alerts, one column per field of the seed's struct.
-- * Device status: the seed's when(error_rate > 0.1, 'warning').when(error_rate > 0.3,
--   'critical') can never yield 'critical' (the first branch takes every rate above
--   0.1); the branches are tested in the intended order, critical first.
-- * Spark's window(ts, '5 minutes', '1 minute') inside GROUP BY puts each event in the
--   five windows containing it; here sliding_windows(...) lists those windows and
--   unnest gives one row per (event, window) before grouping.
-- * `window` columns are Spark's struct<start, end> (epoch-aligned, [start, end)). The
--   dashboard's window(timestamp, '5 minutes').end is written ...['end']: DataFusion
--   allows dot access on columns (d.window.end) but not on a function call's result.
--
-- Variables: ${data} holds sensor_stream/*.json (JSON lines) and sensor_thresholds
--            (Delta); ${out} receives raw_sensor_data, aggregated_sensor_data,
--            sensor_anomalies, sensor_alerts and device_status.
-- Run:       ignis -f sql/14_streaming_data_processing.sql --set data=DIR --set out=DIR

-- Parse the payloads and archive them with the processing time.
CREATE OR REPLACE TABLE delta.`${out}/raw_sensor_data` AS
SELECT
    device_id,
    sensor_type,
    "timestamp",
    value,
    unit,
    location,
    status,
    now() AS processing_time
FROM read_json_checked('${data}/sensor_stream',
    'device_id VARCHAR, sensor_type VARCHAR, timestamp TIMESTAMP, value DOUBLE,
     unit VARCHAR, location VARCHAR, status VARCHAR',
    'mode => dropmalformed');

CREATE OR REPLACE VIEW enriched_stream AS
SELECT * FROM delta.`${out}/raw_sensor_data`;

-- 5-minute aggregates per device and sensor type.
CREATE OR REPLACE TABLE delta.`${out}/aggregated_sensor_data` AS
SELECT
    device_id,
    sensor_type,
    window("timestamp", '5 minutes') AS "window",
    avg(value) AS avg_value,
    min(value) AS min_value,
    max(value) AS max_value,
    count(*)   AS reading_count
FROM enriched_stream
GROUP BY device_id, sensor_type, window("timestamp", '5 minutes')
ORDER BY device_id, sensor_type, "window".start;

-- Anomalies: readings outside their sensor's thresholds.
CREATE OR REPLACE TABLE delta.`${out}/sensor_anomalies` AS
SELECT *
FROM (
    SELECT
        e.device_id,
        e.sensor_type,
        e."timestamp",
        e.value,
        e.unit,
        e.location,
        e.status,
        e.processing_time,
        t.min_threshold,
        t.max_threshold,
        t.priority,
        CASE WHEN e.value > t.max_threshold OR e.value < t.min_threshold
             THEN true ELSE false END AS is_anomaly
    FROM enriched_stream e
    LEFT JOIN delta.`${data}/sensor_thresholds` t
      ON e.device_id = t.device_id AND e.sensor_type = t.sensor_type
) joined
WHERE is_anomaly
ORDER BY "timestamp", device_id, sensor_type;

-- High-priority alerts (the seed's Kafka topic sensor_alerts).
CREATE OR REPLACE TABLE delta.`${out}/sensor_alerts` AS
SELECT
    device_id,
    sensor_type,
    "timestamp",
    value,
    max_threshold,
    min_threshold,
    now() AS alert_time
FROM delta.`${out}/sensor_anomalies`
WHERE priority = 'high'
ORDER BY "timestamp", device_id, sensor_type;

-- Device status on 5-minute windows sliding every minute.
CREATE OR REPLACE TABLE delta.`${out}/device_status` AS
SELECT
    device_id,
    "window",
    reading_count,
    error_count,
    error_rate,
    CASE
        WHEN error_rate > 0.3 THEN 'critical'
        WHEN error_rate > 0.1 THEN 'warning'
        ELSE 'normal'
    END AS device_status
FROM (
    SELECT
        device_id,
        "window",
        count(*) AS reading_count,
        count(CASE WHEN status = 'error' THEN 1 END) AS error_count,
        CAST(count(CASE WHEN status = 'error' THEN 1 END) AS DOUBLE) / count(*) AS error_rate
    FROM (
        SELECT
            device_id,
            status,
            unnest(sliding_windows("timestamp", '5 minutes', '1 minute')) AS "window"
        FROM enriched_stream
    ) per_window
    GROUP BY device_id, "window"
) counted
ORDER BY device_id, "window".start;

-- Dashboard: 5-minute aggregates with the device status of the sliding window ending at
-- the same time and the number of anomalies in the window.
CREATE OR REPLACE VIEW sensor_dashboard AS
SELECT
    d.device_id,
    d.sensor_type,
    d."window".end AS time_window,
    d.avg_value,
    d.min_value,
    d.max_value,
    d.reading_count,
    s.device_status,
    s.error_rate,
    a.anomaly_count
FROM delta.`${out}/aggregated_sensor_data` d
LEFT JOIN (
    SELECT
        device_id,
        "window".end AS time_window,
        device_status,
        error_rate
    FROM delta.`${out}/device_status`
) s
  ON d.device_id = s.device_id AND d."window".end = s.time_window
LEFT JOIN (
    SELECT
        device_id,
        sensor_type,
        window("timestamp", '5 minutes')['end'] AS time_window,
        count(*) AS anomaly_count
    FROM delta.`${out}/sensor_anomalies`
    GROUP BY device_id, sensor_type, window("timestamp", '5 minutes')
) a
  ON d.device_id = a.device_id AND d.sensor_type = a.sensor_type
 AND d."window".end = a.time_window;
