-- Seed scenario 10: Website User Behavior Analysis.
--
-- An e-commerce site's clickstream, enriched with products and users: page analytics on
-- 15-minute windows, each session's ordered journey, the conversion funnel (product
-- view → add to cart → cart view → checkout → purchase) per hour and overall, product
-- interactions per hour, and per-user behaviour features clustered into segments with
-- k-means.
--
-- Bounded batch, not a stream: the seed reads the clickstream from Kafka (readStream)
-- and writes with writeStream (append mode, checkpoints, watermarks of 1 hour to 1 day).
-- Here the same computation runs once over the web_events Delta table; continuous
-- ingestion comes with a later streaming issue. A bounded batch has no late data to
-- drop, so the watermarks are left out and every window is complete when written.
--
-- Deliberate differences from the seed:
-- * Seed bugs fixed, not copied: countDistinct, collect_list, struct, first, min, max
--   and unix_timestamp are used without being imported, `sum` is Python's built-in sum
--   (not Spark's) and `.otherwise(null)` names an undefined `null`, so the seed fails
--   before running; here they are SQL aggregates, and the stage of each funnel action
--   comes from the funnel_stages table.
-- * Joins: the seed's left joins keep two product_id and two user_id columns (and two
--   category_id columns if the product table has one), so later references are
--   ambiguous. enriched_clickstream keeps the event's columns and adds product_name,
--   category_name and price from web_products and the user's signup_date, age and
--   country from web_users; unknown products and users stay (left join) and are
--   counted in clickstream_quality.
-- * NULL timestamps: Spark's window() leaves rows whose time column is NULL out of a
--   windowed aggregation; the windowed outputs here (page_analytics, funnel_analysis,
--   product_interactions) do the same, explicitly. A NULL-timestamp event cannot be
--   placed in a journey or a funnel either, so it is left out of journey_steps and of
--   the funnel. Nothing is dropped silently: session_paths.untimed_events counts them
--   per session and clickstream_quality in total. They still count in user_behavior,
--   which is not time-based (its 1-day watermark has nothing to drop in a batch).
-- * Events out of order: web_events is in arrival order (event_id), and about 1 % of
--   events arrive after a later event of their session. Every result here orders by
--   timestamp, so arrival order changes nothing; the late arrivals are counted
--   (session_paths.late_events, clickstream_quality.late_events).
-- * Session paths: collect_list gives no order guarantee; here the journey is sorted
--   by time. Each step is the struct (timestamp, event_id, page_url, action): event_id
--   (arrival order) breaks timestamp ties, so array_sort of the steps, which compares
--   structs field by field, orders them by (timestamp, event_id), exactly as
--   array_agg(... ORDER BY timestamp, event_id) would; array_agg of a struct with ORDER
--   BY is pathologically slow in DataFusion 55 (over 100 s for 300k events). first() of
--   user, device, browser and location is the value of the session's first event in
--   time (the seed's first() is whatever row comes first). session_duration_minutes
--   is exact (microsecond timestamps); the seed's unix_timestamp truncates to seconds.
--   The table also carries the session's event count and its furthest funnel stage.
--   journey_steps (and start, end, duration) are NULL for the few sessions without any
--   timed event.
-- * Funnel: the seed's five stages are kept (product_view, add_to_cart, cart_view,
--   checkout, purchase). It counts, per hour and stage, the sessions with any event of that
--   stage, so a session that opens a cart saved earlier counts as a cart view without
--   viewing a product, and the stages are no funnel (a later stage can exceed an
--   earlier one). What it intends is a conversion funnel that shows drop-off points:
--   here a session reaches a stage at its first event of that stage at or after the
--   moment it reached the previous stage (stages in order, ties count as in order), and
--   funnel_analysis.unique_sessions counts the sessions that reached each stage in that
--   hour (each session once per stage). The seed's literal count is kept as
--   sessions_with_stage_event. Rows are ordered by window and stage order; the seed's
--   orderBy("window", "funnel_stage") sorts stages by name. conversion_funnel adds the
--   funnel over the whole batch with each stage's rate from the first and the previous
--   stage.
-- * Rates: Spark's `/` is floating-point division; here the counts are cast to DOUBLE
--   (SQL integer division would truncate to 0).
-- * Windows: window(ts, '15 minutes') and window(ts, '1 hour') are Spark's epoch-aligned
--   tumbling windows [start, end); the outputs keep Spark's `window` struct<start, end>
--   column. Distinct sessions and users per page and window, per product and hour, and
--   distinct pages and sessions per user are counted by grouping on them first: the
--   numbers of count(DISTINCT ...), which DataFusion computes far slower (and, per
--   user, in gigabytes of memory) with this many groups.
-- * Segments: the seed prepares user_behavior "for clustering" and imports KMeans but
--   never fits it. Here k-means runs on standardised per-session features
--   (events_per_session, avg_time_spent, cart_rate, conversion_rate) rather than the
--   totals, which grow with the number of sessions and would group users by how often
--   they came rather than how they behave. k is chosen by the best silhouette for k in
--   2..8 (kmeans_elbow is written as user_segments_elbow); user_segment_profiles
--   describes each cluster.
--
-- Variables: ${data} holds the Delta tables web_events, web_products and web_users;
--            ${out} receives page_analytics, session_paths, funnel_analysis,
--            conversion_funnel, product_interactions, user_behavior,
--            user_segments_elbow, user_segments, user_segment_profiles and
--            clickstream_quality.
-- Run:       ignis -f sql/10_website_user_behavior.sql --set data=DIR --set out=DIR

-- Events in arrival order, each flagged when it arrives after a later event of its
-- session (NULL timestamps are never late and do not move the latest time seen).
CREATE OR REPLACE VIEW clickstream AS
SELECT
    *,
    coalesce("timestamp" < max("timestamp") OVER (
        PARTITION BY session_id ORDER BY event_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS arrived_late
FROM delta.`${data}/web_events`;

-- Join with product and user information (left joins: unknown ids stay).
CREATE OR REPLACE VIEW enriched_clickstream AS
SELECT
    e.event_id,
    e.session_id,
    e.user_id,
    e."timestamp",
    e.page_url,
    e.referrer_url,
    e.action,
    e.product_id,
    e.category_id,
    e.time_spent,
    e.device_type,
    e.browser,
    e.location,
    e.arrived_late,
    p.product_name,
    p.category_name,
    p.price,
    u.signup_date,
    u.age,
    u.country,
    e.product_id IS NOT NULL AND p.product_id IS NULL AS unknown_product,
    e.user_id IS NOT NULL AND u.user_id IS NULL       AS unknown_user
FROM clickstream e
LEFT JOIN delta.`${data}/web_products` p ON e.product_id = p.product_id
LEFT JOIN delta.`${data}/web_users` u ON e.user_id = u.user_id;

-- Events that can be placed in time.
CREATE OR REPLACE VIEW timed_clickstream AS
SELECT * FROM enriched_clickstream WHERE "timestamp" IS NOT NULL;

-- Page views and engagement per page on 15-minute tumbling windows (every event on the
-- page counts as a view, as the seed's count("*")). Distinct sessions and users are
-- counted by grouping on them first (see the header).
CREATE OR REPLACE VIEW page_sessions AS
SELECT
    page_url,
    window("timestamp", '15 minutes')['start'] AS window_start,
    session_id,
    count(*)          AS events,
    sum(time_spent)   AS time_sum,
    count(time_spent) AS time_count
FROM timed_clickstream
GROUP BY page_url, window("timestamp", '15 minutes')['start'], session_id;

CREATE OR REPLACE VIEW page_users AS
SELECT page_url, window_start, count(user_id) AS unique_users
FROM (
    SELECT page_url, window("timestamp", '15 minutes')['start'] AS window_start, user_id
    FROM timed_clickstream
    GROUP BY page_url, window("timestamp", '15 minutes')['start'], user_id
) per_user
GROUP BY page_url, window_start;

CREATE OR REPLACE TABLE delta.`${out}/page_analytics` AS
SELECT
    s.page_url,
    window(s.window_start, '15 minutes') AS "window",
    s.page_views,
    s.avg_time_spent,
    s.unique_sessions,
    u.unique_users
FROM (
    SELECT
        page_url,
        window_start,
        sum(events)                                     AS page_views,
        sum(time_sum) / CAST(nullif(sum(time_count), 0) AS DOUBLE) AS avg_time_spent,
        count(session_id)                               AS unique_sessions
    FROM page_sessions
    GROUP BY page_url, window_start
) s
JOIN page_users u
  ON (u.page_url IS NOT DISTINCT FROM s.page_url) AND u.window_start = s.window_start
ORDER BY s.window_start, s.page_url;

-- Funnel events: the stage of each timed funnel action.
CREATE OR REPLACE VIEW funnel_stages AS
SELECT * FROM (VALUES
    (1, 'product_view', 'view_product'),
    (2, 'add_to_cart',  'add_to_cart'),
    (3, 'cart_view',    'view_cart'),
    (4, 'checkout',     'checkout'),
    (5, 'purchase',     'purchase')
) AS s(stage_order, funnel_stage, action);

CREATE OR REPLACE VIEW funnel_events AS
SELECT e.session_id, e."timestamp", s.stage_order
FROM timed_clickstream e
JOIN funnel_stages s ON s.action = e.action;

-- When each session reached each stage in order: stage k at the first event of stage k
-- at or after the moment stage k - 1 was reached (NULL: not reached).
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

-- One row per session and stage reached, with the moment it was reached.
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

-- Journey of each session: its timed steps in time order, start, end and duration.
CREATE OR REPLACE TABLE delta.`${out}/session_paths` AS
SELECT
    p.session_id,
    p.journey_steps,
    p.session_start,
    p.session_end,
    p.user_id,
    p.device_type,
    p.browser,
    p.location,
    -- Whole microseconds (exact), then minutes.
    CAST(arrow_cast(p.session_end - p.session_start, 'Duration(Microsecond)') AS BIGINT)
        / 60000000.0 AS session_duration_minutes,
    p.event_count,
    p.untimed_events,
    p.late_events,
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
        array_sort(array_agg(named_struct('timestamp', "timestamp", 'event_id', event_id,
                                          'page_url', page_url, 'action', action))
                   FILTER (WHERE "timestamp" IS NOT NULL))
            AS journey_steps,
        min("timestamp") AS session_start,
        max("timestamp") AS session_end,
        first_value(user_id ORDER BY "timestamp", event_id)     AS user_id,
        first_value(device_type ORDER BY "timestamp", event_id) AS device_type,
        first_value(browser ORDER BY "timestamp", event_id)     AS browser,
        first_value(location ORDER BY "timestamp", event_id)    AS location,
        count(*) AS event_count,
        count(*) FILTER (WHERE "timestamp" IS NULL) AS untimed_events,
        count(*) FILTER (WHERE arrived_late)         AS late_events
    FROM enriched_clickstream
    GROUP BY session_id
) p
LEFT JOIN session_funnel f ON f.session_id = p.session_id
ORDER BY p.session_id;

-- Conversion funnel per hour: sessions that reached each stage (in order) in that hour,
-- next to the seed's count of sessions with any event of the stage in the hour.
CREATE OR REPLACE TABLE delta.`${out}/funnel_analysis` AS
WITH any_event AS (
    SELECT
        window("timestamp", '1 hour')['start'] AS window_start,
        stage_order,
        count(DISTINCT session_id) AS sessions_with_stage_event
    FROM funnel_events
    GROUP BY window("timestamp", '1 hour')['start'], stage_order
),
in_order AS (
    SELECT
        window(reached_at, '1 hour')['start'] AS window_start,
        stage_order,
        count(*) AS unique_sessions
    FROM funnel_reached
    GROUP BY window(reached_at, '1 hour')['start'], stage_order
)
SELECT
    window(a.window_start, '1 hour') AS "window",
    s.funnel_stage,
    s.stage_order,
    coalesce(i.unique_sessions, 0) AS unique_sessions,
    a.sessions_with_stage_event
FROM any_event a
JOIN funnel_stages s ON s.stage_order = a.stage_order
LEFT JOIN in_order i ON i.window_start = a.window_start AND i.stage_order = a.stage_order
ORDER BY a.window_start, s.stage_order;

-- The funnel over the whole batch: sessions per stage and the drop-off between stages.
-- A session reached every stage up to its furthest one (session_paths), so the
-- sessions of a stage are those whose furthest stage is this one or a later one.
CREATE OR REPLACE TABLE delta.`${out}/conversion_funnel` AS
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
        sum(coalesce(f.furthest, 0)) OVER (ORDER BY s.stage_order DESC) AS sessions
    FROM funnel_stages s
    LEFT JOIN (
        SELECT furthest_funnel_stage, count(*) AS furthest
        FROM delta.`${out}/session_paths`
        GROUP BY furthest_funnel_stage
    ) f ON f.furthest_funnel_stage = s.funnel_stage
) per_stage
ORDER BY stage_order;

SELECT * FROM delta.`${out}/conversion_funnel` ORDER BY stage_order;

-- Product interactions per hour (sessions counted by grouping on them first, as above).
CREATE OR REPLACE TABLE delta.`${out}/product_interactions` AS
SELECT
    *,
    CASE WHEN views > 0 THEN add_to_carts / CAST(views AS DOUBLE) ELSE 0 END AS cart_rate,
    CASE WHEN views > 0 THEN purchases / CAST(views AS DOUBLE) ELSE 0 END AS conversion_rate
FROM (
    SELECT
        product_id,
        product_name,
        category_name,
        window(window_start, '1 hour') AS "window",
        sum(views)                     AS views,
        sum(add_to_carts)              AS add_to_carts,
        sum(purchases)                 AS purchases,
        count(session_id)              AS unique_sessions
    FROM (
        SELECT
            product_id,
            product_name,
            category_name,
            window("timestamp", '1 hour')['start']          AS window_start,
            session_id,
            count(*) FILTER (WHERE action = 'view_product') AS views,
            count(*) FILTER (WHERE action = 'add_to_cart')  AS add_to_carts,
            count(*) FILTER (WHERE action = 'purchase')     AS purchases
        FROM timed_clickstream
        WHERE product_id IS NOT NULL
        GROUP BY product_id, product_name, category_name,
                 window("timestamp", '1 hour')['start'], session_id
    ) per_session
    GROUP BY product_id, product_name, category_name, window_start
) per_hour
ORDER BY "window".start, product_id;

-- Behaviour features per user: the seed's totals and rates, plus events per session.
-- Distinct pages and sessions are counted by grouping on them first (see the header).
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

CREATE OR REPLACE TABLE delta.`${out}/user_behavior` AS
SELECT
    *,
    CASE WHEN product_views > 0 THEN add_to_carts / CAST(product_views AS DOUBLE) ELSE 0 END
        AS cart_rate,
    CASE WHEN product_views > 0 THEN purchases / CAST(product_views AS DOUBLE) ELSE 0 END
        AS conversion_rate,
    total_events / CAST(session_count AS DOUBLE) AS events_per_session
FROM (
    SELECT
        p.user_id,
        p.total_events,
        s.session_count,
        p.unique_pages_visited,
        p.avg_time_spent,
        p.product_views,
        p.add_to_carts,
        p.purchases,
        p.total_spend
    FROM (
        SELECT
            user_id,
            sum(events)                                          AS total_events,
            count(page_url)                                      AS unique_pages_visited,
            sum(time_sum) / CAST(nullif(sum(time_count), 0) AS DOUBLE) AS avg_time_spent,
            sum(product_views)                                   AS product_views,
            sum(add_to_carts)                                    AS add_to_carts,
            sum(purchases)                                       AS purchases,
            sum(spend)                                           AS total_spend
        FROM user_pages
        GROUP BY user_id
    ) p
    JOIN user_sessions s ON s.user_id IS NOT DISTINCT FROM p.user_id
) per_user
ORDER BY user_id;

CREATE OR REPLACE VIEW user_features AS
SELECT user_id, events_per_session, avg_time_spent, cart_rate, conversion_rate
FROM delta.`${out}/user_behavior`;

-- Choosing k: WCSS and silhouette for k = 2..8 on the standardised features.
CREATE OR REPLACE TABLE delta.`${out}/user_segments_elbow` AS
SELECT *
FROM kmeans_elbow('user_features',
                  'events_per_session, avg_time_spent, cart_rate, conversion_rate',
                  'k_min => 2, k_max => 8, seed => 1, standardize => true')
ORDER BY k;

-- User segments: k-means with the k of the best silhouette.
CREATE OR REPLACE TABLE delta.`${out}/user_segments` AS
SELECT
    user_id, events_per_session, avg_time_spent, cart_rate, conversion_rate,
    cluster_id AS prediction,
    distance
FROM kmeans('user_features',
            'events_per_session, avg_time_spent, cart_rate, conversion_rate',
            'k => auto, k_min => 2, k_max => 8, seed => 1, standardize => true')
ORDER BY user_id;

-- What each segment looks like.
CREATE OR REPLACE TABLE delta.`${out}/user_segment_profiles` AS
SELECT
    s.prediction,
    count(*)                  AS users,
    avg(b.events_per_session) AS avg_events_per_session,
    avg(b.avg_time_spent)     AS avg_time_spent,
    avg(b.cart_rate)          AS avg_cart_rate,
    avg(b.conversion_rate)    AS avg_conversion_rate,
    avg(b.session_count)      AS avg_sessions,
    avg(b.purchases)          AS avg_purchases,
    avg(b.total_spend)        AS avg_total_spend
FROM delta.`${out}/user_segments` s
JOIN delta.`${out}/user_behavior` b ON b.user_id = s.user_id
GROUP BY s.prediction
ORDER BY s.prediction;

SELECT * FROM delta.`${out}/user_segment_profiles` ORDER BY prediction;

-- What the time-based outputs could not use, and the other input defects.
CREATE OR REPLACE TABLE delta.`${out}/clickstream_quality` AS
SELECT
    count(*)                                           AS total_events,
    count(*) FILTER (WHERE "timestamp" IS NULL)        AS untimed_events,
    count(*) FILTER (WHERE arrived_late)               AS late_events,
    count(*) FILTER (WHERE unknown_product)            AS unknown_product_events,
    count(*) FILTER (WHERE unknown_user)               AS unknown_user_events,
    count(DISTINCT session_id) FILTER (WHERE "timestamp" IS NULL) AS sessions_with_untimed_events
FROM enriched_clickstream;

SELECT * FROM delta.`${out}/clickstream_quality`;
