-- DuckDB peer of sql/10_website_user_behavior.sql: the same steps over the same files
-- (the Parquet files of each Delta table), with outputs written as Parquet (Ignis writes
-- Delta: Parquet plus a commit). session_paths and user_behavior are written and read
-- back, as in the Ignis script.
--
-- Left out: the k-means steps (user_segments_elbow, user_segments and
-- user_segment_profiles, which reads user_segments): DuckDB has no k-means, so the
-- comparison covers every other output and the Ignis time includes k-means.
--
-- Windows are Spark's epoch-aligned tumbling windows: time_bucket on the UTC wall-clock
-- TIMESTAMP (win_start; DuckDB's time_bucket on TIMESTAMPTZ goes through ICU per row and
-- is ~40x slower) with a {start, end} struct. The journey is list_sort of the step
-- structs, as Ignis's array_sort (list(... ORDER BY ...) runs out of memory at 10M
-- events); first() with ORDER BY is Ignis's first_value(... ORDER BY ...). Distinct counts are grouped first, as in Ignis.
-- Sums of counts are cast to BIGINT (DuckDB sums BIGINT to HUGEINT), so the output
-- types match Ignis's.
SET TimeZone = 'UTC';
SET enable_progress_bar = false;
CREATE OR REPLACE MACRO win_start(ts, width) AS time_bucket(width, CAST(ts AS TIMESTAMP));
CREATE OR REPLACE MACRO win(start_ts, width) AS
    {'start': CAST(start_ts AS TIMESTAMPTZ), 'end': CAST(start_ts + width AS TIMESTAMPTZ)};

CREATE OR REPLACE VIEW clickstream AS
SELECT
    *,
    coalesce("timestamp" < max("timestamp") OVER (
        PARTITION BY session_id ORDER BY event_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS arrived_late
FROM read_parquet('${data}/web_events/*.parquet');

CREATE OR REPLACE VIEW enriched_clickstream AS
SELECT
    e.event_id, e.session_id, e.user_id, e."timestamp", e.page_url, e.referrer_url, e.action,
    e.product_id, e.category_id, e.time_spent, e.device_type, e.browser, e.location,
    e.arrived_late,
    p.product_name, p.category_name, p.price,
    u.signup_date, u.age, u.country,
    e.product_id IS NOT NULL AND p.product_id IS NULL AS unknown_product,
    e.user_id IS NOT NULL AND u.user_id IS NULL       AS unknown_user
FROM clickstream e
LEFT JOIN read_parquet('${data}/web_products/*.parquet') p ON e.product_id = p.product_id
LEFT JOIN read_parquet('${data}/web_users/*.parquet') u ON e.user_id = u.user_id;

CREATE OR REPLACE VIEW timed_clickstream AS
SELECT * FROM enriched_clickstream WHERE "timestamp" IS NOT NULL;

CREATE OR REPLACE VIEW page_sessions AS
SELECT
    page_url,
    win_start("timestamp", INTERVAL 15 MINUTE) AS window_start,
    session_id,
    count(*)          AS events,
    sum(time_spent)   AS time_sum,
    count(time_spent) AS time_count
FROM timed_clickstream
GROUP BY page_url, win_start("timestamp", INTERVAL 15 MINUTE), session_id;

CREATE OR REPLACE VIEW page_users AS
SELECT page_url, window_start, count(user_id) AS unique_users
FROM (
    SELECT page_url, win_start("timestamp", INTERVAL 15 MINUTE) AS window_start, user_id
    FROM timed_clickstream
    GROUP BY page_url, win_start("timestamp", INTERVAL 15 MINUTE), user_id
) per_user
GROUP BY page_url, window_start;

COPY (
SELECT
    s.page_url,
    win(s.window_start, INTERVAL 15 MINUTE) AS "window",
    s.page_views, s.avg_time_spent, s.unique_sessions, u.unique_users
FROM (
    SELECT
        page_url, window_start,
        CAST(sum(events) AS BIGINT)                     AS page_views,
        sum(time_sum) / CAST(nullif(sum(time_count), 0) AS DOUBLE) AS avg_time_spent,
        count(session_id)                               AS unique_sessions
    FROM page_sessions
    GROUP BY page_url, window_start
) s
JOIN page_users u
  ON (u.page_url IS NOT DISTINCT FROM s.page_url) AND u.window_start = s.window_start
ORDER BY s.window_start, s.page_url
) TO '${out}/page_analytics.parquet';

CREATE OR REPLACE VIEW funnel_stages AS
SELECT * FROM (VALUES
    (CAST(1 AS BIGINT), 'product_view', 'view_product'),
    (2, 'add_to_cart',  'add_to_cart'),
    (3, 'cart_view',    'view_cart'),
    (4, 'checkout',     'checkout'),
    (5, 'purchase',     'purchase')
) AS s(stage_order, funnel_stage, action);

CREATE OR REPLACE VIEW funnel_events AS
SELECT e.session_id, e."timestamp", s.stage_order
FROM timed_clickstream e
JOIN funnel_stages s ON s.action = e.action;

CREATE OR REPLACE VIEW session_funnel AS
SELECT
    session_id,
    min(t1) AS product_view_at,
    min(t2) AS add_to_cart_at,
    min(t3) AS cart_view_at,
    min(t4) AS checkout_at,
    min(t5) AS purchase_at
FROM (
    SELECT *, min(CASE WHEN stage_order = 5 AND "timestamp" >= t4 THEN "timestamp" END)
                  OVER (PARTITION BY session_id) AS t5
    FROM (
        SELECT *, min(CASE WHEN stage_order = 4 AND "timestamp" >= t3 THEN "timestamp" END)
                      OVER (PARTITION BY session_id) AS t4
        FROM (
            SELECT *, min(CASE WHEN stage_order = 3 AND "timestamp" >= t2 THEN "timestamp" END)
                          OVER (PARTITION BY session_id) AS t3
            FROM (
                SELECT *, min(CASE WHEN stage_order = 2 AND "timestamp" >= t1 THEN "timestamp" END)
                              OVER (PARTITION BY session_id) AS t2
                FROM (
                    SELECT *, min(CASE WHEN stage_order = 1 THEN "timestamp" END)
                                  OVER (PARTITION BY session_id) AS t1
                    FROM funnel_events
                ) s1
            ) s2
        ) s3
    ) s4
) s5
GROUP BY session_id;

CREATE OR REPLACE VIEW funnel_reached AS
SELECT session_id, stage_order, reached_at
FROM (
    SELECT
        f.session_id,
        s.stage_order,
        CASE s.stage_order
            WHEN 1 THEN f.product_view_at
            WHEN 2 THEN f.add_to_cart_at
            WHEN 3 THEN f.cart_view_at
            WHEN 4 THEN f.checkout_at
            WHEN 5 THEN f.purchase_at
        END AS reached_at
    FROM session_funnel f
    CROSS JOIN funnel_stages s
) per_stage
WHERE reached_at IS NOT NULL;

COPY (
SELECT
    p.session_id, p.journey_steps, p.session_start, p.session_end,
    p.user_id, p.device_type, p.browser, p.location,
    (epoch_us(p.session_end) - epoch_us(p.session_start)) / 60000000.0 AS session_duration_minutes,
    p.event_count, p.untimed_events, p.late_events,
    CASE
        WHEN f.purchase_at IS NOT NULL     THEN 'purchase'
        WHEN f.checkout_at IS NOT NULL     THEN 'checkout'
        WHEN f.cart_view_at IS NOT NULL    THEN 'cart_view'
        WHEN f.add_to_cart_at IS NOT NULL  THEN 'add_to_cart'
        WHEN f.product_view_at IS NOT NULL THEN 'product_view'
        ELSE 'none'
    END AS furthest_funnel_stage
FROM (
    SELECT
        session_id,
        list_sort(list({'timestamp': "timestamp", 'event_id': event_id, 'page_url': page_url,
                        'action': action}) FILTER (WHERE "timestamp" IS NOT NULL))
            AS journey_steps,
        min("timestamp") AS session_start,
        max("timestamp") AS session_end,
        first(user_id ORDER BY "timestamp", event_id)     AS user_id,
        first(device_type ORDER BY "timestamp", event_id) AS device_type,
        first(browser ORDER BY "timestamp", event_id)     AS browser,
        first(location ORDER BY "timestamp", event_id)    AS location,
        count(*) AS event_count,
        count(*) FILTER (WHERE "timestamp" IS NULL) AS untimed_events,
        count(*) FILTER (WHERE arrived_late)         AS late_events
    FROM enriched_clickstream
    GROUP BY session_id
) p
LEFT JOIN session_funnel f ON f.session_id = p.session_id
ORDER BY p.session_id
) TO '${out}/session_paths.parquet';

COPY (
WITH any_event AS (
    SELECT win_start("timestamp", INTERVAL 1 HOUR) AS window_start, stage_order,
        count(DISTINCT session_id) AS sessions_with_stage_event
    FROM funnel_events
    GROUP BY win_start("timestamp", INTERVAL 1 HOUR), stage_order
),
in_order AS (
    SELECT win_start(reached_at, INTERVAL 1 HOUR) AS window_start, stage_order,
        count(*) AS unique_sessions
    FROM funnel_reached
    GROUP BY win_start(reached_at, INTERVAL 1 HOUR), stage_order
)
SELECT
    win(a.window_start, INTERVAL 1 HOUR) AS "window",
    s.funnel_stage,
    s.stage_order,
    coalesce(i.unique_sessions, 0) AS unique_sessions,
    a.sessions_with_stage_event
FROM any_event a
JOIN funnel_stages s ON s.stage_order = a.stage_order
LEFT JOIN in_order i ON i.window_start = a.window_start AND i.stage_order = a.stage_order
ORDER BY a.window_start, s.stage_order
) TO '${out}/funnel_analysis.parquet';

COPY (
SELECT
    stage_order,
    funnel_stage,
    sessions,
    sessions / CAST(first_value(sessions) OVER (ORDER BY stage_order) AS DOUBLE)
        AS rate_from_first_stage,
    sessions / CAST(lag(sessions) OVER (ORDER BY stage_order) AS DOUBLE)
        AS rate_from_previous_stage
FROM (
    SELECT
        s.stage_order,
        s.funnel_stage,
        CAST(sum(coalesce(f.furthest, 0)) OVER (ORDER BY s.stage_order DESC) AS BIGINT)
            AS sessions
    FROM funnel_stages s
    LEFT JOIN (
        SELECT furthest_funnel_stage, count(*) AS furthest
        FROM read_parquet('${out}/session_paths.parquet')
        GROUP BY furthest_funnel_stage
    ) f ON f.furthest_funnel_stage = s.funnel_stage
) per_stage
ORDER BY stage_order
) TO '${out}/conversion_funnel.parquet';

SELECT * FROM read_parquet('${out}/conversion_funnel.parquet') ORDER BY stage_order;

COPY (
SELECT
    *,
    CASE WHEN views > 0 THEN add_to_carts / CAST(views AS DOUBLE) ELSE 0 END AS cart_rate,
    CASE WHEN views > 0 THEN purchases / CAST(views AS DOUBLE) ELSE 0 END AS conversion_rate
FROM (
    SELECT
        product_id, product_name, category_name,
        win(window_start, INTERVAL 1 HOUR) AS "window",
        CAST(sum(views) AS BIGINT)        AS views,
        CAST(sum(add_to_carts) AS BIGINT) AS add_to_carts,
        CAST(sum(purchases) AS BIGINT)    AS purchases,
        count(session_id) AS unique_sessions
    FROM (
        SELECT
            product_id, product_name, category_name,
            win_start("timestamp", INTERVAL 1 HOUR)         AS window_start,
            session_id,
            count(*) FILTER (WHERE action = 'view_product') AS views,
            count(*) FILTER (WHERE action = 'add_to_cart')  AS add_to_carts,
            count(*) FILTER (WHERE action = 'purchase')     AS purchases
        FROM timed_clickstream
        WHERE product_id IS NOT NULL
        GROUP BY product_id, product_name, category_name,
                 win_start("timestamp", INTERVAL 1 HOUR), session_id
    ) per_session
    GROUP BY product_id, product_name, category_name, window_start
) per_hour
ORDER BY "window".start, product_id
) TO '${out}/product_interactions.parquet';

CREATE OR REPLACE VIEW user_pages AS
SELECT
    user_id,
    page_url,
    count(*)                                        AS events,
    sum(time_spent)                                 AS time_sum,
    count(time_spent)                               AS time_count,
    count(*) FILTER (WHERE action = 'view_product') AS product_views,
    count(*) FILTER (WHERE action = 'add_to_cart')  AS add_to_carts,
    count(*) FILTER (WHERE action = 'purchase')     AS purchases,
    sum(CASE WHEN action = 'purchase' THEN price ELSE 0 END) AS spend
FROM enriched_clickstream
GROUP BY user_id, page_url;

CREATE OR REPLACE VIEW user_sessions AS
SELECT user_id, count(session_id) AS session_count
FROM (SELECT user_id, session_id FROM enriched_clickstream GROUP BY user_id, session_id) s
GROUP BY user_id;

COPY (
SELECT
    *,
    CASE WHEN product_views > 0 THEN add_to_carts / CAST(product_views AS DOUBLE) ELSE 0 END
        AS cart_rate,
    CASE WHEN product_views > 0 THEN purchases / CAST(product_views AS DOUBLE) ELSE 0 END
        AS conversion_rate,
    total_events / CAST(session_count AS DOUBLE) AS events_per_session
FROM (
    SELECT
        p.user_id, p.total_events, s.session_count, p.unique_pages_visited, p.avg_time_spent,
        p.product_views, p.add_to_carts, p.purchases, p.total_spend
    FROM (
        SELECT
            user_id,
            CAST(sum(events) AS BIGINT)                          AS total_events,
            count(page_url)                                      AS unique_pages_visited,
            sum(time_sum) / CAST(nullif(sum(time_count), 0) AS DOUBLE) AS avg_time_spent,
            CAST(sum(product_views) AS BIGINT)                   AS product_views,
            CAST(sum(add_to_carts) AS BIGINT)                    AS add_to_carts,
            CAST(sum(purchases) AS BIGINT)                       AS purchases,
            sum(spend)                                           AS total_spend
        FROM user_pages
        GROUP BY user_id
    ) p
    JOIN user_sessions s ON s.user_id IS NOT DISTINCT FROM p.user_id
) per_user
ORDER BY user_id
) TO '${out}/user_behavior.parquet';

-- (k-means steps of the Ignis script left out: see the header.)

COPY (
SELECT
    count(*)                                           AS total_events,
    count(*) FILTER (WHERE "timestamp" IS NULL)        AS untimed_events,
    count(*) FILTER (WHERE arrived_late)               AS late_events,
    count(*) FILTER (WHERE unknown_product)            AS unknown_product_events,
    count(*) FILTER (WHERE unknown_user)               AS unknown_user_events,
    count(DISTINCT session_id) FILTER (WHERE "timestamp" IS NULL) AS sessions_with_untimed_events
FROM enriched_clickstream
) TO '${out}/clickstream_quality.parquet';

SELECT * FROM read_parquet('${out}/clickstream_quality.parquet');
