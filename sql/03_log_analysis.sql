-- Seed scenario 3: Log File Processing and Analysis.
--
-- IT operations find error-prone services, error trends per hour, the most common
-- error codes and errors that cascade across services (same request_id), and raise
-- alerts for hours whose error rate exceeds 5%.
--
-- Variables: ${data} holds application_logs/*.json (JSON lines);
--            ${out} receives the Delta outputs.
-- Run:       ignis -f sql/03_log_analysis.sql --set data=DIR --set out=DIR

-- Read logs with an explicit schema, as the seed does.
CREATE OR REPLACE EXTERNAL TABLE application_logs (
    "timestamp" TIMESTAMP,
    level       VARCHAR,
    service     VARCHAR,
    message     VARCHAR,
    host        VARCHAR,
    request_id  VARCHAR
)
STORED AS JSON
LOCATION '${data}/application_logs/';

-- Clean and prepare: drop records without a timestamp, derive the hour of day, Spark's
-- day of week (1 = Sunday ... 7 = Saturday), error/warning flags and the error code
-- (Spark's regexp_extract returns '' when nothing matches; so does this).
CREATE OR REPLACE VIEW logs AS
SELECT
    "timestamp",
    level,
    service,
    message,
    host,
    request_id,
    CAST(date_part('hour', "timestamp") AS INT)    AS hour_of_day,
    CAST(date_part('dow', "timestamp") AS INT) + 1 AS day_of_week,
    CASE WHEN level IN ('ERROR', 'FATAL') THEN 1 ELSE 0 END AS is_error,
    CASE WHEN level = 'WARN' THEN 1 ELSE 0 END              AS is_warning,
    coalesce(regexp_match(message, 'error code: (\d+)')[1], '') AS error_code
FROM application_logs
WHERE "timestamp" IS NOT NULL;

-- Error trends by service.
CREATE OR REPLACE TABLE delta.`${out}/error_by_service` AS
SELECT
    service,
    COUNT(*)        AS total_logs,
    SUM(is_error)   AS error_count,
    SUM(is_warning) AS warning_count,
    ROUND(SUM(is_error) * 100.0 / COUNT(*), 2) AS error_percentage
FROM logs
GROUP BY service
ORDER BY error_percentage DESC, service;

-- Error patterns over time: Spark's window("timestamp", "1 hour") is an epoch-aligned
-- tumbling window; here the same struct<start, end> built from date_bin.
CREATE OR REPLACE TABLE delta.`${out}/error_trends` AS
SELECT
    named_struct('start', window_start, 'end', window_start + INTERVAL '1 hour') AS "window",
    service,
    total_logs,
    error_count,
    CAST(error_count AS DOUBLE) / total_logs AS error_rate
FROM (
    SELECT
        date_bin(INTERVAL '1 hour', "timestamp", TIMESTAMP '1970-01-01 00:00:00') AS window_start,
        service,
        COUNT(*)      AS total_logs,
        SUM(is_error) AS error_count
    FROM logs
    GROUP BY 1, 2
) hourly
ORDER BY window_start, service;

-- Most common error codes, with a sample message each.
CREATE OR REPLACE TABLE delta.`${out}/common_errors` AS
SELECT
    error_code,
    COUNT(*)             AS occurrence_count,
    first_value(message) AS sample_message
FROM logs
WHERE error_code != ''
GROUP BY error_code
ORDER BY occurrence_count DESC, error_code
LIMIT 10;

-- Errors in different services sharing a request_id: cascading failures.
CREATE OR REPLACE TABLE delta.`${out}/service_correlations` AS
SELECT
    a.service AS service_a,
    b.service AS service_b,
    COUNT(*)  AS correlation_count
FROM logs a
JOIN logs b ON a.request_id = b.request_id
WHERE a.service != b.service
  AND a.is_error = 1
  AND b.is_error = 1
GROUP BY a.service, b.service
ORDER BY correlation_count DESC, service_a, service_b
LIMIT 20;

-- Alerts: hours whose error rate exceeds 5%, newest first.
CREATE OR REPLACE TABLE delta.`${out}/error_anomalies` AS
SELECT *
FROM delta.`${out}/error_trends`
WHERE error_rate > 0.05
ORDER BY "window"['start'] DESC, service;
