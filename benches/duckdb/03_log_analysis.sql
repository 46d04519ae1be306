-- DuckDB peer of sql/03_log_analysis.sql: the same steps over the same files, with
-- outputs written as Parquet (Ignis writes Delta: Parquet plus a commit).
CREATE OR REPLACE VIEW application_logs AS
SELECT * FROM read_json('${data}/application_logs/*.json', format = 'newline_delimited',
    columns = {"timestamp": 'TIMESTAMP', level: 'VARCHAR', service: 'VARCHAR',
               message: 'VARCHAR', host: 'VARCHAR', request_id: 'VARCHAR'});

CREATE OR REPLACE TABLE logs AS
SELECT "timestamp", level, service, message, host, request_id,
    hour("timestamp") AS hour_of_day,
    dayofweek("timestamp") + 1 AS day_of_week,
    CASE WHEN level IN ('ERROR', 'FATAL') THEN 1 ELSE 0 END AS is_error,
    CASE WHEN level = 'WARN' THEN 1 ELSE 0 END AS is_warning,
    regexp_extract(message, 'error code: (\d+)', 1) AS error_code
FROM application_logs WHERE "timestamp" IS NOT NULL;

COPY (
SELECT service, COUNT(*) AS total_logs, SUM(is_error) AS error_count, SUM(is_warning) AS warning_count,
    ROUND(SUM(is_error) * 100.0 / COUNT(*), 2) AS error_percentage
FROM logs GROUP BY service ORDER BY error_percentage DESC, service
) TO '${out}/error_by_service.parquet';

CREATE OR REPLACE TABLE error_trends AS
SELECT {'start': window_start, 'end': window_start + INTERVAL 1 HOUR} AS "window", service,
    total_logs, error_count, CAST(error_count AS DOUBLE) / total_logs AS error_rate
FROM (SELECT time_bucket(INTERVAL 1 HOUR, "timestamp") AS window_start, service,
        COUNT(*) AS total_logs, SUM(is_error) AS error_count
      FROM logs GROUP BY 1, 2) hourly
ORDER BY window_start, service;
COPY error_trends TO '${out}/error_trends.parquet';

COPY (
SELECT error_code, COUNT(*) AS occurrence_count, first(message) AS sample_message
FROM logs WHERE error_code != '' GROUP BY error_code ORDER BY occurrence_count DESC, error_code LIMIT 10
) TO '${out}/common_errors.parquet';

COPY (
SELECT a.service AS service_a, b.service AS service_b, COUNT(*) AS correlation_count
FROM logs a JOIN logs b ON a.request_id = b.request_id
WHERE a.service != b.service AND a.is_error = 1 AND b.is_error = 1
GROUP BY a.service, b.service ORDER BY correlation_count DESC, service_a, service_b LIMIT 20
) TO '${out}/service_correlations.parquet';

COPY (
SELECT * FROM error_trends WHERE error_rate > 0.05 ORDER BY "window".start DESC, service
) TO '${out}/error_anomalies.parquet';
