-- DuckDB peer of sql/09_financial_transactions.sql: the same steps over the same files
-- (the Parquet files of each Delta table), with outputs written as Parquet (Ignis writes
-- Delta: Parquet plus a commit). enriched_transactions is written and read back, as in
-- the Ignis script. Windows are Spark's epoch-aligned tumbling windows: time_bucket in
-- UTC with a {start, end} struct. count(DISTINCT ...) is written as such (the Ignis
-- script spells it with array_agg/array_distinct to avoid a DataFusion memory issue).
-- Nothing of the Ignis script is left out. Window starts are computed on the UTC
-- wall-clock TIMESTAMP (win_start): DuckDB's time_bucket on TIMESTAMPTZ goes through ICU
-- per row and is ~40x slower, which would measure a DuckDB quirk, not the work.
SET TimeZone = 'UTC';
SET enable_progress_bar = false;
CREATE OR REPLACE MACRO win_start(ts, width) AS time_bucket(width, CAST(ts AS TIMESTAMP));

CREATE OR REPLACE VIEW fin_transactions AS
SELECT * FROM read_parquet('${data}/fin_transactions/*.parquet');
CREATE OR REPLACE VIEW fin_accounts AS SELECT * FROM read_parquet('${data}/fin_accounts/*.parquet');
CREATE OR REPLACE VIEW fin_exchange_rates AS
SELECT * FROM read_parquet('${data}/exchange_rates/*.parquet');
CREATE OR REPLACE VIEW fin_historical_stats AS
SELECT * FROM read_parquet('${data}/fin_historical_stats/*.parquet');

CREATE OR REPLACE VIEW fin_checked AS
SELECT
    t.transaction_id, t.account_id, t.transaction_type, t.amount, t.currency, t."timestamp",
    t.merchant_id, t.merchant_category, t.location, t.device_id,
    a.starting_balance,
    r.usd_rate,
    CASE
        WHEN t."timestamp" IS NULL THEN 'null_timestamp'
        WHEN t.amount IS NULL THEN 'null_amount'
        WHEN isnan(t.amount) OR t.amount <= 0 OR t.amount >= 1e15 THEN 'invalid_amount'
        WHEN a.account_id IS NULL THEN 'unknown_account'
        WHEN r.usd_rate IS NULL OR isnan(r.usd_rate) OR r.usd_rate <= 0 THEN 'unknown_currency'
        WHEN t.amount * r.usd_rate >= 1e15 THEN 'invalid_amount'
        WHEN t.transaction_type IS NULL
          OR t.transaction_type NOT IN ('deposit', 'credit', 'refund',
                                        'withdrawal', 'debit', 'payment')
            THEN 'unknown_transaction_type'
    END AS reject_reason
FROM fin_transactions t
LEFT JOIN fin_accounts a ON t.account_id = a.account_id
LEFT JOIN fin_exchange_rates r ON t.currency = r.currency_code;

COPY (
SELECT transaction_id, account_id, transaction_type, amount, currency, "timestamp",
    merchant_id, merchant_category, location, device_id, reject_reason
FROM fin_checked
WHERE reject_reason IS NOT NULL
ORDER BY reject_reason, transaction_id
) TO '${out}/fin_rejected_transactions.parquet';

COPY (
SELECT
    transaction_id, account_id, transaction_type, amount, currency, "timestamp",
    merchant_id, merchant_category, location, device_id, usd_rate, amount_usd, amount_change,
    starting_balance
        + SUM(amount_change) OVER (
            PARTITION BY account_id ORDER BY "timestamp", transaction_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS balance_after,
    "timestamp" < max("timestamp") OVER (
            PARTITION BY account_id ORDER BY transaction_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS arrived_out_of_order
FROM (
    SELECT
        *,
        CASE WHEN transaction_type IN ('deposit', 'credit', 'refund') THEN amount_usd
             ELSE -amount_usd END AS amount_change
    FROM (
        SELECT
            transaction_id, account_id, transaction_type, amount, currency, "timestamp",
            merchant_id, merchant_category, location, device_id, usd_rate,
            CAST(starting_balance AS DECIMAL(18, 2)) AS starting_balance,
            CAST(CAST(amount AS DECIMAL(18, 2)) * CAST(usd_rate AS DECIMAL(18, 6))
                 AS DECIMAL(18, 2)) AS amount_usd
        FROM fin_checked
        WHERE reject_reason IS NULL
    ) converted
) signed
ORDER BY account_id, "timestamp", transaction_id
) TO '${out}/enriched_transactions.parquet';

CREATE OR REPLACE VIEW enriched_stream AS
SELECT * FROM read_parquet('${out}/enriched_transactions.parquet');

COPY (
SELECT
    a.account_id,
    coalesce(b.balance_change, CAST(0 AS DECIMAL(18, 2))) AS balance_change,
    b.last_transaction_time,
    coalesce(b.transaction_count, 0) AS transaction_count,
    CAST(a.starting_balance AS DECIMAL(18, 2)) AS starting_balance,
    CAST(a.starting_balance AS DECIMAL(18, 2))
        + coalesce(b.balance_change, CAST(0 AS DECIMAL(18, 2))) AS current_balance
FROM fin_accounts a
LEFT JOIN (
    SELECT account_id, SUM(amount_change) AS balance_change,
        MAX("timestamp") AS last_transaction_time, count(*) AS transaction_count
    FROM enriched_stream
    GROUP BY account_id
) b ON a.account_id = b.account_id
ORDER BY a.account_id
) TO '${out}/current_account_balances.parquet';

COPY (
SELECT
    account_id, merchant_category,
    {'start': CAST(day_start AS TIMESTAMPTZ), 'end': CAST(day_start + INTERVAL 1 DAY AS TIMESTAMPTZ)} AS "window",
    SUM(amount_usd)        AS daily_spend,
    count(transaction_id)  AS transaction_count
FROM (
    SELECT account_id, merchant_category, transaction_id, amount_usd,
           win_start("timestamp", INTERVAL 1 DAY) AS day_start
    FROM enriched_stream
    WHERE transaction_type IN ('debit', 'payment')
) spend
GROUP BY account_id, merchant_category, day_start
ORDER BY account_id, day_start, merchant_category
) TO '${out}/spending_patterns.parquet';

CREATE OR REPLACE VIEW fin_anomaly_detection AS
SELECT
    *,
    CASE WHEN amount_flag OR location_flag OR frequency_flag THEN 1 ELSE 0 END AS is_anomalous
FROM (
    SELECT
        *,
        coalesce(amount_zscore > 3, false)                                 AS amount_flag,
        coalesce(location <> usual_location, false)                        AS location_flag,
        coalesce(transaction_count_1d > avg_daily_transactions * 2, false) AS frequency_flag
    FROM (
        SELECT
            e.transaction_id, e.account_id, e.transaction_type, e.amount, e.currency,
            e.amount_usd, e."timestamp", e.merchant_id, e.merchant_category, e.location,
            e.device_id,
            s.avg_amount, s.stddev_amount, s.usual_location, s.avg_daily_transactions,
            CASE WHEN s.stddev_amount > 0
                 THEN (CAST(e.amount_usd AS DOUBLE) - s.avg_amount) / s.stddev_amount
                 ELSE 0 END AS amount_zscore,
            d.transaction_count_1d
        FROM enriched_stream e
        JOIN (
            SELECT account_id, merchant_category,
                   win_start("timestamp", INTERVAL 1 DAY) AS day_start,
                   count(*) AS transaction_count_1d
            FROM enriched_stream
            GROUP BY account_id, merchant_category, win_start("timestamp", INTERVAL 1 DAY)
        ) d
          ON e.account_id = d.account_id
         AND (e.merchant_category IS NOT DISTINCT FROM d.merchant_category)
         AND win_start(e."timestamp", INTERVAL 1 DAY) = d.day_start
        LEFT JOIN fin_historical_stats s
          ON e.account_id = s.account_id AND e.merchant_category = s.merchant_category
    ) scored
) flagged;

COPY (
SELECT * FROM fin_anomaly_detection
WHERE is_anomalous = 1
ORDER BY account_id, "timestamp", transaction_id
) TO '${out}/anomalous_transactions.parquet';

COPY (
SELECT
    account_id,
    strftime("timestamp", '%Y-%m')       AS year_month,
    SUM(amount_usd)                      AS total_spend,
    count(transaction_id)                AS transaction_count,
    count(DISTINCT merchant_id)          AS unique_merchants,
    count(DISTINCT merchant_category)    AS unique_categories
FROM enriched_stream
WHERE transaction_type IN ('debit', 'payment')
GROUP BY account_id, strftime("timestamp", '%Y-%m')
ORDER BY account_id, year_month
) TO '${out}/monthly_spending_summaries.parquet';

COPY (
SELECT account_id, year_month, merchant_category, category_spend, "rank"
FROM (
    SELECT account_id, year_month, merchant_category, category_spend,
        rank() OVER (PARTITION BY account_id, year_month ORDER BY category_spend DESC) AS "rank"
    FROM (
        SELECT account_id, strftime("timestamp", '%Y-%m') AS year_month, merchant_category,
            SUM(amount_usd) AS category_spend
        FROM enriched_stream
        WHERE transaction_type IN ('debit', 'payment')
        GROUP BY account_id, strftime("timestamp", '%Y-%m'), merchant_category
    ) per_category
) ranked
WHERE "rank" <= 3
ORDER BY account_id, year_month, "rank", merchant_category
) TO '${out}/top_spending_categories.parquet';

COPY (
SELECT item, row_count, handling
FROM (
    SELECT 0 AS ord, 'input_rows' AS item, count(*) AS row_count,
           'rows of fin_transactions' AS handling
    FROM fin_transactions
    UNION ALL
    SELECT 1, 'accepted_rows', count(*), 'processed: enriched_transactions and every output'
    FROM enriched_stream
    UNION ALL
    SELECT 2 + r.ord, r.reason, coalesce(c.n, 0), 'rejected: fin_rejected_transactions'
    FROM (VALUES (0, 'null_timestamp'), (1, 'null_amount'), (2, 'invalid_amount'),
                 (3, 'unknown_account'), (4, 'unknown_currency'),
                 (5, 'unknown_transaction_type')) AS r(ord, reason)
    LEFT JOIN (
        SELECT reject_reason, count(*) AS n
        FROM read_parquet('${out}/fin_rejected_transactions.parquet')
        GROUP BY reject_reason
    ) c ON c.reject_reason = r.reason
    UNION ALL
    SELECT 10, 'out_of_order', count(*), 'kept: processed in event-time order'
    FROM enriched_stream
    WHERE arrived_out_of_order
    UNION ALL
    SELECT 11, 'without_historical_stats', count(*), 'kept: never flagged as anomalous'
    FROM enriched_stream e
    LEFT JOIN fin_historical_stats s
      ON e.account_id = s.account_id AND e.merchant_category = s.merchant_category
    WHERE s.account_id IS NULL
    UNION ALL
    SELECT 12, 'duplicate_account_ids', CAST(coalesce(sum(n - 1), 0) AS BIGINT),
           'check: extra fin_accounts rows per account_id (must be 0)'
    FROM (SELECT count(*) AS n FROM fin_accounts GROUP BY account_id HAVING count(*) > 1) d
    UNION ALL
    SELECT 13, 'duplicate_currency_codes', CAST(coalesce(sum(n - 1), 0) AS BIGINT),
           'check: extra exchange_rates rows per currency_code (must be 0)'
    FROM (SELECT count(*) AS n FROM fin_exchange_rates GROUP BY currency_code
          HAVING count(*) > 1) d
) summary
ORDER BY ord
) TO '${out}/fin_input_summary.parquet';
