//! Seed scenario 18 (time series analysis) on generated data: the script must find the
//! planted anomalies, build Spark-aligned windows, and forecast the seasonal series.

mod common;

use std::collections::BTreeMap;

use common::scenario::{number, rows, script, setup_only};
use ignis::cli::runner::run_file;
use ignis::generate::DataGroup;
use ignis::IgnisContext;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Points per series: hourly from 2022-01-01 00:00 to 2023-01-31 23:00.
const HOURS_PER_SERIES: f64 = 9504.0;
/// Series at scale 1.
const SERIES: f64 = 4.0;
/// The holdout and forecast horizon: January 2023 / the month after the data.
const MONTH_HOURS: f64 = 744.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_series_analysis_on_planted_series() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::TimeSeries]).await?;
    run_file(&ctx, &script("18_time_series_analysis.sql"), None).await?;

    let total = number(&ctx, "SELECT count(*) FROM delta.`${data}/time_series`").await?;
    assert_eq!(total, SERIES * HOURS_PER_SERIES);

    anomalies_match_planted(&ctx).await?;
    enriched_columns_follow_the_seed(&ctx).await?;
    windows_are_spark_aligned(&ctx, total).await?;
    stats_match_duckdb(&ctx, dir.path()).await?;
    seasonal_profiles_are_complete(&ctx).await?;
    forecasts_fit_the_seasonal_series(&ctx).await?;
    dashboard_has_one_row_per_point(&ctx, total).await?;
    Ok(())
}

/// The seed's |z| > 3 rule recovers the planted spikes and dips.
async fn anomalies_match_planted(ctx: &IgnisContext) -> TestResult {
    let found = number(
        ctx,
        "SELECT count(*) FROM delta.`${out}/time_series_anomalies` a
         JOIN delta.`${data}/planted_ts_anomalies` p
           ON a.series_id = p.series_id AND a.\"timestamp\" = p.\"timestamp\"",
    )
    .await?;
    let flagged = number(
        ctx,
        "SELECT count(*) FROM delta.`${out}/time_series_anomalies`",
    )
    .await?;
    let planted = number(
        ctx,
        "SELECT count(*) FROM delta.`${data}/planted_ts_anomalies`",
    )
    .await?;
    let precision = found / flagged;
    let recall = found / planted;
    println!(
        "anomalies: planted {planted}, flagged {flagged}, both {found}: \
         precision {precision:.4}, recall {recall:.4}"
    );
    assert!(planted >= 300.0, "{planted}");
    assert!(precision >= 0.9, "precision {precision}");
    assert!(recall >= 0.9, "recall {recall}");

    // Spikes are flagged with a positive z-score, dips with a negative one.
    let wrong_sign = number(
        ctx,
        "SELECT count(*) FROM delta.`${out}/time_series_anomalies` a
         JOIN delta.`${data}/planted_ts_anomalies` p
           ON a.series_id = p.series_id AND a.\"timestamp\" = p.\"timestamp\"
         WHERE (p.kind = 'spike') != (a.z_score > 0)",
    )
    .await?;
    assert_eq!(wrong_sign, 0.0);
    Ok(())
}

/// Rate of change and rolling z-score: the seed's definitions, recomputed here in plain
/// SQL (sliding mean and stddev_samp over the same frame).
async fn enriched_columns_follow_the_seed(ctx: &IgnisContext) -> TestResult {
    let mismatches = number(
        ctx,
        "SELECT count(*) FROM (
             SELECT e.*,
                 lag(value) OVER w AS ref_prev,
                 lead(value) OVER w AS ref_next,
                 mean(value) OVER w24 AS ref_mean,
                 stddev(value) OVER w24 AS ref_std
             FROM delta.`${out}/time_series_enriched` e
             WINDOW w AS (PARTITION BY series_id ORDER BY \"timestamp\"),
                    w24 AS (PARTITION BY series_id ORDER BY \"timestamp\"
                            ROWS BETWEEN 24 PRECEDING AND CURRENT ROW)
         ) t
         WHERE (prev_value IS DISTINCT FROM ref_prev)
            OR (next_value IS DISTINCT FROM ref_next)
            OR (value_change IS DISTINCT FROM value - ref_prev)
            OR abs(pct_change - CASE WHEN ref_prev IS NULL OR ref_prev = 0 THEN 0
                                     ELSE (value - ref_prev) / ref_prev * 100 END) > 1e-9
            OR abs(rolling_mean - ref_mean) > 1e-9 * abs(ref_mean)
            OR (rolling_stddev IS NULL) != (ref_std IS NULL)
            OR abs(rolling_stddev - ref_std) > 1e-9 * ref_std
            OR abs(z_score - coalesce((value - ref_mean) / nullif(ref_std, 0), 0)) > 1e-9
            OR is_anomaly != (abs(z_score) > 3)",
    )
    .await?;
    assert_eq!(mismatches, 0.0);

    // The first point of each series has no predecessor: Spark's otherwise(0).
    let first = rows(
        ctx,
        "SELECT prev_value, pct_change, z_score, rolling_stddev
         FROM delta.`${out}/time_series_enriched`
         WHERE \"timestamp\" = TIMESTAMP '2022-01-01T00:00:00Z'",
    )
    .await?;
    assert_eq!(first.len(), SERIES as usize);
    for row in &first {
        assert_eq!(row, &["NULL", "0.0", "0.0", "NULL"], "{first:?}");
    }

    // Time components as Spark: 2022-01-03 was a Monday in week 2 (Sunday-based weeks).
    let monday = rows(
        ctx,
        "SELECT DISTINCT year, month, day, hour, minute, day_of_week, week_of_year
         FROM delta.`${out}/time_series_enriched`
         WHERE \"timestamp\" = TIMESTAMP '2022-01-03T05:00:00Z'",
    )
    .await?;
    assert_eq!(monday, [["2022", "1", "3", "5", "0", "Mon", "2"]]);
    Ok(())
}

/// Tumbling windows: epoch-aligned, one size long, every point counted once, and the
/// same groups as a plain `date_bin` computation.
async fn windows_are_spark_aligned(ctx: &IgnisContext, total: f64) -> TestResult {
    let sizes: [(&str, i64); 5] = [
        ("1h", 3600),
        ("6h", 6 * 3600),
        ("1d", 86_400),
        ("7d", 7 * 86_400),
        ("30d", 30 * 86_400),
    ];
    for (name, secs) in sizes {
        let table = format!("delta.`${{out}}/moving_avg_{name}`");
        let misaligned = number(
            ctx,
            &format!(
                "SELECT count(*) FROM {table}
                 WHERE to_unixtime(window_start) % {secs} != 0
                    OR to_unixtime(window_end) - to_unixtime(window_start) != {secs}"
            ),
        )
        .await?;
        assert_eq!(misaligned, 0.0, "moving_avg_{name}");
        let counted = number(ctx, &format!("SELECT sum(count_{name}) FROM {table}")).await?;
        assert_eq!(counted, total, "moving_avg_{name}");
        let columns: Vec<String> = ctx
            .execute(&format!("SELECT * FROM {table}"))
            .await?
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let expected: Vec<String> = ["series_id", "window_start", "window_end"]
            .into_iter()
            .map(str::to_string)
            .chain(["avg", "min", "max", "count"].map(|s| format!("{s}_{name}")))
            .collect();
        assert_eq!(columns, expected);
    }
    // Days start at midnight UTC; 7-day windows on Thursdays (1970-01-01 was one).
    let day_starts = rows(
        ctx,
        "SELECT DISTINCT date_part('hour', window_start), date_part('minute', window_start)
         FROM delta.`${out}/moving_avg_1d`",
    )
    .await?;
    assert_eq!(day_starts, [["0", "0"]]);
    let week_starts = rows(
        ctx,
        "SELECT DISTINCT date_format(window_start, 'E'), date_part('hour', window_start)
         FROM delta.`${out}/moving_avg_7d`",
    )
    .await?;
    assert_eq!(week_starts, [["Thu", "0"]]);
    // The first 7-day window holds 2022-01-01 (a Saturday) to 01-05: it starts on 2021-12-30.
    let first_week = rows(
        ctx,
        "SELECT DISTINCT window_start, count_7d FROM delta.`${out}/moving_avg_7d`
         WHERE window_start <= TIMESTAMP '2022-01-01T00:00:00Z'",
    )
    .await?;
    assert_eq!(first_week, [["2021-12-30T00:00:00Z", "120"]]);

    // 6 hours and 7 days against date_bin with the epoch as origin.
    for (name, interval) in [("6h", "6 hours"), ("7d", "7 days")] {
        let reference = format!(
            "SELECT series_id,
                 date_bin(INTERVAL '{interval}', \"timestamp\", TIMESTAMP '1970-01-01T00:00:00Z') AS ws,
                 mean(value) AS a, min(value) AS lo, max(value) AS hi, count(*) AS n
             FROM delta.`${{data}}/time_series`
             GROUP BY 1, 2"
        );
        let differences = number(
            ctx,
            &format!(
                "SELECT count(*) FROM delta.`${{out}}/moving_avg_{name}` m
                 FULL OUTER JOIN ({reference}) r
                   ON m.series_id = r.series_id AND m.window_start = r.ws
                 WHERE m.series_id IS NULL OR r.series_id IS NULL
                    OR m.window_end != r.ws + INTERVAL '{interval}'
                    OR abs(m.avg_{name} - r.a) > 1e-12 * abs(r.a)
                    OR m.min_{name} != r.lo OR m.max_{name} != r.hi
                    OR m.count_{name} != r.n"
            ),
        )
        .await?;
        assert_eq!(differences, 0.0, "moving_avg_{name} vs date_bin");
    }
    Ok(())
}

/// time_series_stats against DuckDB on the same Delta table.
async fn stats_match_duckdb(ctx: &IgnisContext, dir: &std::path::Path) -> TestResult {
    let ours = rows(
        ctx,
        "SELECT series_id, count, mean, stddev, min, max
         FROM delta.`${out}/time_series_stats` ORDER BY series_id",
    )
    .await?;
    let table = dir.join("data").join("time_series");
    let reference = common::run_python(&[
        "-c".as_ref(),
        "import sys, duckdb\n\
         from deltalake import DeltaTable\n\
         t = DeltaTable(sys.argv[1]).to_pyarrow_table()\n\
         q = 'SELECT series_id, count(value), avg(value), stddev_samp(value), min(value), max(value) FROM t GROUP BY 1 ORDER BY 1'\n\
         for r in duckdb.sql(q).fetchall():\n    print(','.join(repr(x) if isinstance(x, float) else str(x) for x in r))\n"
            .as_ref(),
        table.as_os_str(),
    ])?;
    let theirs: Vec<Vec<String>> = reference
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(ours.len(), theirs.len(), "{ours:?} vs {theirs:?}");
    for (a, b) in ours.iter().zip(&theirs) {
        assert_eq!(a[0], b[0]);
        assert_eq!(a[1], b[1]);
        for i in 2..6 {
            let (x, y): (f64, f64) = (a[i].parse()?, b[i].parse()?);
            assert!(
                (x - y).abs() <= 1e-9 * y.abs(),
                "{} column {i}: {x} vs DuckDB {y}",
                a[0]
            );
        }
    }
    Ok(())
}

/// Hour-of-day, day-of-week and month profiles per series; the planted daily cycle shows.
async fn seasonal_profiles_are_complete(ctx: &IgnisContext) -> TestResult {
    for (table, per_series) in [
        ("hourly_pattern", 24.0),
        ("daily_pattern", 7.0),
        ("monthly_pattern", 12.0),
    ] {
        let n = number(
            ctx,
            &format!("SELECT count(*) FROM delta.`${{out}}/{table}`"),
        )
        .await?;
        assert_eq!(n, SERIES * per_series, "{table}");
    }
    let days = rows(
        ctx,
        "SELECT DISTINCT day_of_week_number, day_of_week FROM delta.`${out}/daily_pattern`
         ORDER BY day_of_week_number",
    )
    .await?;
    let names: Vec<&str> = days.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(names, ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]);
    // The daily cycle dominates: each series' hourly profile spans more than its
    // day-of-week profile.
    let flat = number(
        ctx,
        "SELECT count(*) FROM
             (SELECT series_id, max(hourly_avg) - min(hourly_avg) AS h
              FROM delta.`${out}/hourly_pattern` GROUP BY series_id) h
         JOIN (SELECT series_id, max(daily_avg) - min(daily_avg) AS d
               FROM delta.`${out}/daily_pattern` GROUP BY series_id) d
           USING (series_id)
         WHERE h.h <= 2 * d.d",
    )
    .await?;
    assert_eq!(flat, 0.0);
    Ok(())
}

/// Holdout forecasts for January 2023, their metrics, and the month after the data.
async fn forecasts_fit_the_seasonal_series(ctx: &IgnisContext) -> TestResult {
    // forecast_results: the 744 January hours of every series, with actual values.
    let holdout = rows(
        ctx,
        "SELECT series_id, count(*), min(\"timestamp\"), max(\"timestamp\")
         FROM delta.`${out}/forecast_results` GROUP BY series_id ORDER BY series_id",
    )
    .await?;
    assert_eq!(holdout.len(), SERIES as usize);
    for row in &holdout {
        assert_eq!(
            row[1..],
            ["744", "2023-01-01T00:00:00Z", "2023-01-31T23:00:00Z"],
            "{holdout:?}"
        );
    }
    let wrong = number(
        ctx,
        "SELECT count(*) FROM delta.`${out}/forecast_results` f
         LEFT JOIN delta.`${data}/time_series` t
           ON t.series_id = f.series_id AND t.\"timestamp\" = f.\"timestamp\"
         WHERE t.value IS NULL OR t.value != f.value
            OR f.prediction IS NULL OR abs(f.error - (f.value - f.prediction)) > 1e-9",
    )
    .await?;
    assert_eq!(wrong, 0.0);

    // forecast_metrics: one row per series, consistent with forecast_results.
    let metrics = rows(
        ctx,
        "SELECT m.series_id, m.model_type, m.r2, m.rmse, m.mae,
                r.rmse, r.mae, r.r2, c.r2
         FROM delta.`${out}/forecast_metrics` m
         JOIN (SELECT series_id,
                      sqrt(avg(error * error)) AS rmse,
                      avg(abs(error)) AS mae,
                      1 - sum(error * error) / (count(*) * var_pop(value)) AS r2
               FROM delta.`${out}/forecast_results` GROUP BY series_id) r
           USING (series_id)
         JOIN (SELECT f.series_id,
                      1 - sum(f.error * f.error) / (count(*) * var_pop(f.value)) AS r2
               FROM delta.`${out}/forecast_results` f
               LEFT JOIN delta.`${data}/planted_ts_anomalies` p
                 ON p.series_id = f.series_id AND p.\"timestamp\" = f.\"timestamp\"
               WHERE p.series_id IS NULL
               GROUP BY f.series_id) c
           USING (series_id)
         ORDER BY m.series_id",
    )
    .await?;
    assert_eq!(metrics.len(), SERIES as usize, "{metrics:?}");
    for row in &metrics {
        let v: Vec<f64> = row[2..]
            .iter()
            .map(|c| c.parse::<f64>())
            .collect::<Result<_, _>>()?;
        let (r2, rmse, mae, ref_rmse, ref_mae, ref_r2, clean_r2) =
            (v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        println!(
            "{} {}: r2 {r2:.4} (without the planted anomalies {clean_r2:.4}), rmse {rmse:.3}, mae {mae:.3}",
            row[0], row[1]
        );
        assert!(row[1].starts_with("holt_winters"), "{row:?}");
        assert!((rmse - ref_rmse).abs() <= 1e-6 * ref_rmse, "{row:?}");
        assert!((mae - ref_mae).abs() <= 1e-6 * ref_mae, "{row:?}");
        assert!((r2 - ref_r2).abs() <= 1e-6, "{row:?}");
        // The planted one-hour spikes and dips (7-10 sigma, about one per 4 days) are
        // unforecastable by design and make up about 40 % of the holdout's variance, so
        // R2 over all points is near 0.55; on the other points the seasonal model must
        // fit closely.
        assert!(clean_r2 > 0.9, "{row:?}");
        assert!(r2 > 0.4, "{row:?}");
    }

    // future_forecast: 744 hourly points per series from one hour after its last point.
    let future = rows(
        ctx,
        "SELECT f.series_id, count(*), count(DISTINCT f.\"timestamp\"),
                min(f.\"timestamp\") = max(t.last) + INTERVAL '1 hour',
                max(f.\"timestamp\") = max(t.last) + INTERVAL '744 hours',
                sum(CASE WHEN f.lower <= f.prediction AND f.prediction <= f.upper
                         AND f.lower < f.upper THEN 1 ELSE 0 END)
         FROM delta.`${out}/future_forecast` f
         JOIN (SELECT series_id, max(\"timestamp\") AS last
               FROM delta.`${data}/time_series` GROUP BY series_id) t
           USING (series_id)
         GROUP BY f.series_id ORDER BY f.series_id",
    )
    .await?;
    assert_eq!(future.len(), SERIES as usize, "{future:?}");
    for row in &future {
        assert_eq!(
            row[1..],
            ["744", "744", "true", "true", "744"],
            "{future:?}"
        );
    }
    // The forecast continues the series: its level stays near January's.
    let drift = number(
        ctx,
        "SELECT max(abs(f.m - j.m) / j.s) FROM
             (SELECT series_id, avg(prediction) AS m FROM delta.`${out}/future_forecast`
              GROUP BY series_id) f
         JOIN (SELECT series_id, avg(value) AS m, stddev(value) AS s
               FROM delta.`${data}/time_series`
               WHERE \"timestamp\" >= TIMESTAMP '2023-01-01T00:00:00Z'
               GROUP BY series_id) j
           USING (series_id)",
    )
    .await?;
    assert!(
        drift < 2.0,
        "future forecast drifts {drift} January stddevs"
    );
    Ok(())
}

/// The dashboard view: one row per point, every moving average found.
async fn dashboard_has_one_row_per_point(ctx: &IgnisContext, total: f64) -> TestResult {
    let summary = rows(
        ctx,
        "SELECT count(*), count(avg_1h), count(avg_6h), count(avg_1d), count(prediction),
                sum(CASE WHEN avg_1h = value THEN 1 ELSE 0 END),
                count(DISTINCT series_id || CAST(\"timestamp\" AS VARCHAR))
         FROM time_series_dashboard",
    )
    .await?;
    let counts: Vec<f64> = summary[0]
        .iter()
        .map(|c| c.parse::<f64>())
        .collect::<Result<_, _>>()?;
    assert_eq!(
        counts,
        [
            total,
            total,
            total,
            total,
            SERIES * MONTH_HOURS,
            total,
            total
        ],
        "{summary:?}"
    );
    let by_kind: BTreeMap<String, f64> = rows(
        ctx,
        "SELECT CAST(is_anomaly AS VARCHAR), count(*) FROM time_series_dashboard GROUP BY 1",
    )
    .await?
    .into_iter()
    .map(|r| Ok((r[0].clone(), r[1].parse::<f64>()?)))
    .collect::<Result<_, Box<dyn std::error::Error>>>()?;
    let anomalies = number(
        ctx,
        "SELECT count(*) FROM delta.`${out}/time_series_anomalies`",
    )
    .await?;
    assert_eq!(by_kind.get("true").copied().unwrap_or(0.0), anomalies);
    Ok(())
}
