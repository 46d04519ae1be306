-- Seed scenario 18: Time Series Analysis.
--
-- Monitoring and planning teams study hourly metric series: basic statistics per
-- series, moving aggregates on tumbling windows (1 hour to 30 days), rate of change,
-- anomalies by a rolling 24-hour z-score, hour-of-day / day-of-week / month profiles,
-- a holdout evaluation of a forecasting model on January 2023, a forecast of the month
-- after the data ends, and a dashboard view joining it all.
--
-- Differences from the seed, on purpose:
-- - time_series_enriched carries rolling_mean, rolling_stddev, z_score and is_anomaly.
--   The seed computes them only after writing that table, yet its dashboard reads
--   them from it; here they are computed first.
-- - Seasonal profiles are per series (GROUP BY series_id, hour ...). The seed averages
--   all series together, which blends series with different levels and phases into a
--   profile that belongs to none of them. daily_pattern also carries Spark's
--   dayofweek number (1 = Sunday ... 7 = Saturday) so that it sorts by weekday.
-- - Forecasting: the seed trains a RandomForestRegressor on 24 lag features per series.
--   Supervised models (random forest) come with the supervised-ML issue and are not
--   faked here; this script uses the forecasting table functions instead: additive
--   Holt-Winters (trend + daily season of 24 hours; `method => linear_lags, lags => 24`
--   is the lag-feature linear model closest to the seed's features). The holdout is the
--   last 744 points of each series, which is January 2023 on this gap-free hourly data:
--   the seed's `timestamp >= '2023-01-01'` test split.
-- - One forecast_results table for all series instead of one table per series
--   (forecast_results_<id>): one table is what the dashboard joins (the seed's view
--   reads the path glob forecast_results_*, which is not a Delta table), and a new
--   series needs no new table. The same for future_forecast.
-- - The seed's "future" forecast covers 2023-01-01 .. 2023-01-31, the month it just
--   tested on, not the future. future_forecast holds the 744 hours after each series'
--   last point (February 2023 onwards), with a 95 % prediction interval (lower, upper).
-- - forecast_metrics is rewritten, not appended to, so re-running the script does not
--   accumulate duplicate rows; model_type is the fitted method as the function reports
--   it, e.g. holt_winters(season=24).
-- - week_of_year uses date_format(ts, 'w') as the seed writes it; Spark 3 rejects
--   week-based patterns such as 'w' unless spark.sql.legacy.timeParserPolicy=LEGACY.
--   Ignis gives that legacy (US) week: weeks start on Sunday and week 1 holds January 1.
-- - The dashboard joins each moving-average table on its window start as well as on
--   the seed's range condition. For tumbling windows the two are equivalent (a point
--   lies in exactly one window), and the equality lets the join use a hash table
--   instead of comparing every point with every window of its series.
--
-- Variables: ${data} holds the Delta table time_series (series_id, timestamp, value);
--            ${out} receives the Delta outputs.
-- Run:       ignis -f sql/18_time_series_analysis.sql --set data=DIR --set out=DIR

-- Load the series and extract time components (Spark's year, month, dayofmonth, hour,
-- minute; date_format 'E' = abbreviated day name, 'w' = week of year).
CREATE OR REPLACE VIEW time_series AS
SELECT
    series_id,
    "timestamp",
    value,
    CAST(date_part('year', "timestamp") AS INT)   AS year,
    CAST(date_part('month', "timestamp") AS INT)  AS month,
    CAST(date_part('day', "timestamp") AS INT)    AS day,
    CAST(date_part('hour', "timestamp") AS INT)   AS hour,
    CAST(date_part('minute', "timestamp") AS INT) AS minute,
    date_format("timestamp", 'E')                 AS day_of_week,
    date_format("timestamp", 'w')                 AS week_of_year
FROM delta.`${data}/time_series`;

-- Basic statistics per series (stddev is the sample standard deviation, as Spark's).
CREATE OR REPLACE TABLE delta.`${out}/time_series_stats` AS
SELECT
    series_id,
    COUNT(value)  AS count,
    AVG(value)    AS mean,
    STDDEV(value) AS stddev,
    MIN(value)    AS min,
    MAX(value)    AS max
FROM time_series
GROUP BY series_id
ORDER BY series_id;

SELECT * FROM delta.`${out}/time_series_stats` ORDER BY series_id;

-- Moving aggregates on Spark's epoch-aligned tumbling windows.
CREATE OR REPLACE TABLE delta.`${out}/moving_avg_1h` AS
SELECT
    series_id,
    window("timestamp", '1 hour')['start'] AS window_start,
    window("timestamp", '1 hour')['end']   AS window_end,
    AVG(value)   AS avg_1h,
    MIN(value)   AS min_1h,
    MAX(value)   AS max_1h,
    COUNT(value) AS count_1h
FROM time_series
GROUP BY series_id, window("timestamp", '1 hour')
ORDER BY series_id, window_start;

CREATE OR REPLACE TABLE delta.`${out}/moving_avg_6h` AS
SELECT
    series_id,
    window("timestamp", '6 hours')['start'] AS window_start,
    window("timestamp", '6 hours')['end']   AS window_end,
    AVG(value)   AS avg_6h,
    MIN(value)   AS min_6h,
    MAX(value)   AS max_6h,
    COUNT(value) AS count_6h
FROM time_series
GROUP BY series_id, window("timestamp", '6 hours')
ORDER BY series_id, window_start;

CREATE OR REPLACE TABLE delta.`${out}/moving_avg_1d` AS
SELECT
    series_id,
    window("timestamp", '1 day')['start'] AS window_start,
    window("timestamp", '1 day')['end']   AS window_end,
    AVG(value)   AS avg_1d,
    MIN(value)   AS min_1d,
    MAX(value)   AS max_1d,
    COUNT(value) AS count_1d
FROM time_series
GROUP BY series_id, window("timestamp", '1 day')
ORDER BY series_id, window_start;

-- 7-day windows are aligned on the epoch like Spark's: they start on Thursdays
-- (1970-01-01 was a Thursday), not on Mondays.
CREATE OR REPLACE TABLE delta.`${out}/moving_avg_7d` AS
SELECT
    series_id,
    window("timestamp", '7 days')['start'] AS window_start,
    window("timestamp", '7 days')['end']   AS window_end,
    AVG(value)   AS avg_7d,
    MIN(value)   AS min_7d,
    MAX(value)   AS max_7d,
    COUNT(value) AS count_7d
FROM time_series
GROUP BY series_id, window("timestamp", '7 days')
ORDER BY series_id, window_start;

CREATE OR REPLACE TABLE delta.`${out}/moving_avg_30d` AS
SELECT
    series_id,
    window("timestamp", '30 days')['start'] AS window_start,
    window("timestamp", '30 days')['end']   AS window_end,
    AVG(value)   AS avg_30d,
    MIN(value)   AS min_30d,
    MAX(value)   AS max_30d,
    COUNT(value) AS count_30d
FROM time_series
GROUP BY series_id, window("timestamp", '30 days')
ORDER BY series_id, window_start;

-- Rate of change and rolling z-score. pct_change is NULL when the previous value is
-- missing or 0; the seed's otherwise(0) turns that into 0, and likewise a z-score
-- without spread (first row, constant frame) into 0. The frame is the current hour
-- and the 24 before it, per series.
CREATE OR REPLACE TABLE delta.`${out}/time_series_enriched` AS
SELECT
    series_id,
    "timestamp",
    value,
    year,
    month,
    day,
    hour,
    minute,
    day_of_week,
    week_of_year,
    prev_value,
    next_value,
    value - prev_value AS value_change,
    pct_change,
    rolling_mean,
    rolling_stddev,
    z_score,
    abs(z_score) > 3 AS is_anomaly
FROM (
    SELECT
        *,
        lag(value, 1) OVER w                       AS prev_value,
        lead(value, 1) OVER w                      AS next_value,
        coalesce(pct_change(value) OVER w, 0)      AS pct_change,
        AVG(value) OVER w24                        AS rolling_mean,
        STDDEV(value) OVER w24                     AS rolling_stddev,
        coalesce(zscore(value) OVER w24, 0)        AS z_score
    FROM time_series
    WINDOW
        w   AS (PARTITION BY series_id ORDER BY "timestamp"),
        w24 AS (PARTITION BY series_id ORDER BY "timestamp"
                ROWS BETWEEN 24 PRECEDING AND CURRENT ROW)
) enriched
ORDER BY series_id, "timestamp";

-- Anomalies: more than 3 rolling standard deviations from the rolling mean.
CREATE OR REPLACE TABLE delta.`${out}/time_series_anomalies` AS
SELECT *
FROM delta.`${out}/time_series_enriched`
WHERE is_anomaly
ORDER BY series_id, "timestamp";

SELECT series_id, COUNT(*) AS anomalies
FROM delta.`${out}/time_series_anomalies`
GROUP BY series_id
ORDER BY series_id;

-- Seasonal profiles per series: hour of day, day of week, month.
CREATE OR REPLACE TABLE delta.`${out}/hourly_pattern` AS
SELECT series_id, hour, AVG(value) AS hourly_avg
FROM time_series
GROUP BY series_id, hour
ORDER BY series_id, hour;

CREATE OR REPLACE TABLE delta.`${out}/daily_pattern` AS
SELECT series_id, day_of_week, dayofweek("timestamp") AS day_of_week_number, AVG(value) AS daily_avg
FROM time_series
GROUP BY series_id, day_of_week, dayofweek("timestamp")
ORDER BY series_id, day_of_week_number;

CREATE OR REPLACE TABLE delta.`${out}/monthly_pattern` AS
SELECT series_id, month, AVG(value) AS monthly_avg
FROM time_series
GROUP BY series_id, month
ORDER BY series_id, month;

-- Holdout forecasts: fit on everything before January 2023, forecast its 744 hours.
CREATE OR REPLACE TABLE delta.`${out}/forecast_results` AS
SELECT
    series_id,
    "timestamp",
    actual            AS value,
    forecast          AS prediction,
    actual - forecast AS error
FROM forecast_backtest('time_series', 'series_id', 'timestamp', 'value',
    'method => holt_winters, season_length => 24, holdout => 744')
ORDER BY series_id, "timestamp";

-- Holdout metrics per series, as the seed's RegressionEvaluator (RMSE, MAE, R2).
CREATE OR REPLACE TABLE delta.`${out}/forecast_metrics` AS
SELECT
    series_id,
    method AS model_type,
    now()  AS training_date,
    rmse,
    mae,
    r2
FROM forecast_evaluate('time_series', 'series_id', 'timestamp', 'value',
    'method => holt_winters, season_length => 24, holdout => 744')
ORDER BY series_id;

SELECT series_id, model_type, rmse, mae, r2
FROM delta.`${out}/forecast_metrics`
ORDER BY series_id;

-- The next 744 hours (one month) after each series ends, fitted on all of it.
CREATE OR REPLACE TABLE delta.`${out}/future_forecast` AS
SELECT
    series_id,
    "timestamp",
    forecast AS prediction,
    lower,
    upper
FROM forecast('time_series', 'series_id', 'timestamp', 'value',
    'method => holt_winters, season_length => 24, horizon => 744, level => 0.95')
ORDER BY series_id, "timestamp";

-- Time series dashboard view.
CREATE OR REPLACE VIEW time_series_dashboard AS
SELECT
    ts.series_id,
    ts."timestamp",
    ts.value,
    ts.rolling_mean,
    ts.rolling_stddev,
    ts.z_score,
    ts.is_anomaly,
    ma1.avg_1h,
    ma6.avg_6h,
    ma24.avg_1d,
    fr.prediction,
    fr.error
FROM delta.`${out}/time_series_enriched` ts
LEFT JOIN delta.`${out}/moving_avg_1h` ma1
    ON ts.series_id = ma1.series_id
   AND ma1.window_start = window(ts."timestamp", '1 hour')['start']
   AND ts."timestamp" >= ma1.window_start AND ts."timestamp" < ma1.window_end
LEFT JOIN delta.`${out}/moving_avg_6h` ma6
    ON ts.series_id = ma6.series_id
   AND ma6.window_start = window(ts."timestamp", '6 hours')['start']
   AND ts."timestamp" >= ma6.window_start AND ts."timestamp" < ma6.window_end
LEFT JOIN delta.`${out}/moving_avg_1d` ma24
    ON ts.series_id = ma24.series_id
   AND ma24.window_start = window(ts."timestamp", '1 day')['start']
   AND ts."timestamp" >= ma24.window_start AND ts."timestamp" < ma24.window_end
LEFT JOIN (
    SELECT series_id, "timestamp", prediction, error
    FROM delta.`${out}/forecast_results`
) fr
    ON ts.series_id = fr.series_id AND ts."timestamp" = fr."timestamp";

SELECT *
FROM time_series_dashboard
WHERE is_anomaly
ORDER BY series_id, "timestamp"
LIMIT 10;
