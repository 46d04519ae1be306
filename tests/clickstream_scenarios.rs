//! Scenario script 10 (website user behaviour) on the generated `clickstream` group: the
//! funnel, session paths, windows and per-user features must equal an independent
//! computation (DuckDB and a Python walk over the events) and agree with what the
//! generator planted; k-means must recover the planted user segments.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::scenario::{adjusted_rand_index, number, rows, script, setup_only};
use ignis::cli::runner::run_file;
use ignis::generate::DataGroup;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The reference: the in-order funnel by walking each session's timed events in time
/// order (`funnel|hour start|stage|in-order sessions|sessions with an event`,
/// `furthest|session|stage`), and DuckDB recomputing session paths, 15-minute page
/// analytics (with count(DISTINCT)), product interactions and user features, compared
/// with the script's Delta outputs (`check|name|mismatched rows|rows`).
const REFERENCE: &str = r#"
import sys, duckdb
from collections import Counter
from deltalake import DeltaTable
data, out = sys.argv[1], sys.argv[2]
events = DeltaTable(data + "/web_events").to_pyarrow_table()
products = DeltaTable(data + "/web_products").to_pyarrow_table()
paths = DeltaTable(out + "/session_paths").to_pyarrow_table()
pages = DeltaTable(out + "/page_analytics").to_pyarrow_table()
interactions = DeltaTable(out + "/product_interactions").to_pyarrow_table()
behavior = DeltaTable(out + "/user_behavior").to_pyarrow_table()
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")

STAGE = {"view_product": 1, "add_to_cart": 2, "view_cart": 3, "checkout": 4, "purchase": 5}
HOUR = 3_600_000_000
reached, any_event = {}, set()
for sid, ts, action in con.execute("""
        SELECT session_id, epoch_us("timestamp"), action FROM events
        WHERE "timestamp" IS NOT NULL ORDER BY session_id, "timestamp", event_id""").fetchall():
    stage = STAGE.get(action)
    if stage is None:
        continue
    any_event.add((ts // HOUR, stage, sid))
    times = reached.setdefault(sid, [])
    if stage == len(times) + 1:
        times.append(ts)
in_order = Counter((t // HOUR, k + 1) for times in reached.values() for k, t in enumerate(times))
any_count = Counter((h, k) for h, k, _ in any_event)
for (h, k), n in sorted(any_count.items()):
    print(f"funnel|{h * 3600}|{k}|{in_order.get((h, k), 0)}|{n}")
for sid, times in sorted(reached.items()):
    print(f"furthest|{sid}|{len(times)}")

def check(name, sql):
    bad, total = con.execute(sql).fetchone()
    print(f"check|{name}|{bad}|{total}")

check("session_paths", """
    WITH x AS (
        SELECT session_id,
               list({'timestamp': "timestamp", 'event_id': event_id, 'page_url': page_url,
                     'action': action} ORDER BY "timestamp", event_id)
                   FILTER (WHERE "timestamp" IS NOT NULL) AS steps,
               min("timestamp") AS s, max("timestamp") AS e, count(*) AS n,
               count(*) FILTER (WHERE "timestamp" IS NULL) AS untimed
        FROM events GROUP BY session_id)
    SELECT count(*) FILTER (WHERE p.session_id IS NULL OR x.session_id IS NULL
               OR p.journey_steps IS DISTINCT FROM x.steps
               OR p.session_start IS DISTINCT FROM x.s OR p.session_end IS DISTINCT FROM x.e
               OR p.event_count != x.n OR p.untimed_events != x.untimed
               OR p.session_duration_minutes IS DISTINCT FROM
                  (epoch_us(x.e) - epoch_us(x.s)) / 60e6),
           count(*)
    FROM x FULL JOIN paths p ON p.session_id = x.session_id""")

check("page_analytics", """
    WITH x AS (
        SELECT page_url, epoch_us("timestamp") // 900000000 * 900000000 AS ws,
               count(*) AS v, avg(time_spent) AS a,
               count(DISTINCT session_id) AS us, count(DISTINCT user_id) AS uu
        FROM events WHERE "timestamp" IS NOT NULL GROUP BY ALL)
    SELECT count(*) FILTER (WHERE p.page_url IS NULL OR x.page_url IS NULL
               OR p.page_views != x.v OR abs(p.avg_time_spent - x.a) > 1e-9
               OR p.unique_sessions != x.us OR p.unique_users != x.uu
               OR epoch_us(p."window"."end") - epoch_us(p."window".start) != 900000000),
           count(*)
    FROM x FULL JOIN pages p
      ON p.page_url = x.page_url AND epoch_us(p."window".start) = x.ws""")

check("product_interactions", """
    WITH x AS (
        SELECT e.product_id, epoch_us(e."timestamp") // 3600000000 * 3600000000 AS ws,
               count(*) FILTER (WHERE action = 'view_product') AS v,
               count(*) FILTER (WHERE action = 'add_to_cart') AS c,
               count(*) FILTER (WHERE action = 'purchase') AS b,
               count(DISTINCT session_id) AS us, any_value(pr.product_name) AS name
        FROM events e LEFT JOIN products pr ON pr.product_id = e.product_id
        WHERE e."timestamp" IS NOT NULL AND e.product_id IS NOT NULL GROUP BY ALL)
    SELECT count(*) FILTER (WHERE p.product_id IS NULL OR x.product_id IS NULL
               OR p.views != x.v OR p.add_to_carts != x.c OR p.purchases != x.b
               OR p.unique_sessions != x.us OR p.product_name IS DISTINCT FROM x.name
               OR abs(p.cart_rate - CASE WHEN x.v > 0 THEN x.c / x.v ELSE 0 END) > 1e-12
               OR abs(p.conversion_rate - CASE WHEN x.v > 0 THEN x.b / x.v ELSE 0 END) > 1e-12),
           count(*)
    FROM x FULL JOIN interactions p
      ON p.product_id = x.product_id AND epoch_us(p."window".start) = x.ws""")

check("user_behavior", """
    WITH x AS (
        SELECT user_id, count(*) AS n, count(DISTINCT session_id) AS s,
               count(DISTINCT page_url) AS pages, avg(time_spent) AS a,
               count(*) FILTER (WHERE action = 'view_product') AS v,
               count(*) FILTER (WHERE action = 'add_to_cart') AS c,
               count(*) FILTER (WHERE action = 'purchase') AS b,
               coalesce(sum(pr.price) FILTER (WHERE action = 'purchase'), 0) AS spend
        FROM events e LEFT JOIN products pr ON pr.product_id = e.product_id GROUP BY ALL)
    SELECT count(*) FILTER (WHERE p.user_id IS NULL OR x.user_id IS NULL
               OR p.total_events != x.n OR p.session_count != x.s
               OR p.unique_pages_visited != x.pages OR abs(p.avg_time_spent - x.a) > 1e-9
               OR p.product_views != x.v OR p.add_to_carts != x.c OR p.purchases != x.b
               OR abs(p.total_spend - x.spend) > 1e-6
               OR abs(p.events_per_session - x.n / x.s) > 1e-12),
           count(*)
    FROM x FULL JOIN behavior p ON p.user_id = x.user_id""")
"#;

/// Funnel stage names in order (0: no product viewed).
const STAGES: [&str; 6] = [
    "none",
    "product_view",
    "add_to_cart",
    "cart_view",
    "checkout",
    "purchase",
];

/// `CASE` expression mapping a stage name column to its order.
fn stage_order(column: &str) -> String {
    let arms: String = STAGES
        .iter()
        .enumerate()
        .map(|(i, s)| format!(" WHEN '{s}' THEN {i}"))
        .collect();
    format!("CASE {column}{arms} END")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn funnel_paths_and_windows_are_exact() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Clickstream]).await?;
    run_file(&ctx, &script("10_website_user_behavior.sql"), None).await?;

    // Bad input is counted, not dropped: NULL timestamps, late arrivals and unknown
    // products equal what was planted (and the events table itself).
    let quality = rows(
        &ctx,
        "SELECT total_events, untimed_events, late_events, unknown_product_events,
                unknown_user_events, sessions_with_untimed_events
         FROM delta.`${out}/clickstream_quality`",
    )
    .await?;
    let planted = rows(
        &ctx,
        "SELECT sum(events), sum(untimed_events), sum(late_events),
                (SELECT count(*) FROM delta.`${data}/web_events` e
                 WHERE e.product_id IS NOT NULL AND NOT EXISTS (
                     SELECT 1 FROM delta.`${data}/web_products` p
                     WHERE p.product_id = e.product_id)),
                0,
                count(*) FILTER (WHERE untimed_events > 0)
         FROM delta.`${data}/planted_web_sessions`",
    )
    .await?;
    assert_eq!(quality, planted);
    let q: Vec<f64> = quality[0]
        .iter()
        .map(|c| c.parse::<f64>())
        .collect::<Result<_, _>>()?;
    let total = number(&ctx, "SELECT count(*) FROM delta.`${data}/web_events`").await?;
    assert_eq!(q[0], total);
    assert!((250_000.0..350_000.0).contains(&total), "{total}");
    assert!(q[1] > 100.0 && q[2] > 1000.0 && q[3] > 100.0, "{quality:?}");
    println!("quality (total, untimed, late, unknown product, unknown user, sessions with untimed): {quality:?}");

    // Session paths: one row per session; every event is either a journey step or
    // counted as untimed; per-session counts equal the planted ones.
    let sessions = number(
        &ctx,
        "SELECT count(*) FROM delta.`${data}/planted_web_sessions`",
    )
    .await?;
    assert!((18_000.0..26_000.0).contains(&sessions), "{sessions}");
    let paths = rows(
        &ctx,
        "SELECT count(*),
                count(*) FILTER (WHERE p.event_count != g.events
                                    OR p.untimed_events != g.untimed_events
                                    OR p.late_events != g.late_events
                                    OR coalesce(cardinality(p.journey_steps), 0)
                                       + p.untimed_events != p.event_count
                                    OR p.user_id != g.user_id)
         FROM delta.`${out}/session_paths` p
         JOIN delta.`${data}/planted_web_sessions` g ON g.session_id = p.session_id",
    )
    .await?;
    assert_eq!(paths, [[sessions.to_string(), "0".to_string()]]);
    let inconsistent = number(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/session_paths`
         WHERE journey_steps[1]['timestamp'] != session_start
            OR journey_steps[CAST(cardinality(journey_steps) AS BIGINT)]['timestamp']
               != session_end
            OR (journey_steps IS NULL) != (session_start IS NULL)",
    )
    .await?;
    assert_eq!(inconsistent, 0.0);

    // DuckDB and the Python funnel walk on the same files.
    let data = dir.path().join("data").display().to_string();
    let out = dir.path().join("out").display().to_string();
    let reference = common::run_python(&["-c", REFERENCE, &data, &out])?;
    let mut expected: BTreeMap<&str, Vec<Vec<String>>> = BTreeMap::new();
    for line in reference.lines() {
        let mut cells = line.split('|');
        let tag = cells.next().unwrap_or_default();
        expected
            .entry(tag)
            .or_default()
            .push(cells.map(str::to_string).collect());
    }
    for check in &expected["check"] {
        println!("DuckDB check {check:?}");
        assert_eq!(check[1], "0", "{} rows differ from DuckDB", check[0]);
        assert!(check[2].parse::<u64>()? > 1000, "{check:?}");
    }
    assert_eq!(expected["check"].len(), 4);

    // Funnel per hour: exact against the walk, in both the in-order count and the
    // seed's any-event count; hours are epoch-aligned.
    let misaligned = number(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/funnel_analysis`
         WHERE \"window\".end - \"window\".start != INTERVAL '1 hour'
            OR CAST(date_part('epoch', \"window\".start) AS BIGINT) % 3600 != 0",
    )
    .await?;
    assert_eq!(misaligned, 0.0);
    let mut funnel = BTreeSet::new();
    for r in rows(
        &ctx,
        "SELECT CAST(date_part('epoch', \"window\".start) AS BIGINT), stage_order,
                unique_sessions, sessions_with_stage_event, funnel_stage
         FROM delta.`${out}/funnel_analysis`",
    )
    .await?
    {
        assert_eq!(STAGES[r[1].parse::<usize>()?], r[4], "{r:?}");
        funnel.insert(r[..4].to_vec());
    }
    let reference_funnel: BTreeSet<Vec<String>> = expected["funnel"].iter().cloned().collect();
    assert!(funnel.len() > 500, "{}", funnel.len());
    let missing: Vec<_> = reference_funnel.difference(&funnel).take(5).collect();
    let unexpected: Vec<_> = funnel.difference(&reference_funnel).take(5).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "funnel_analysis differs from the walk: missing {missing:?}, unexpected {unexpected:?}"
    );
    // The seed's count is no funnel: sessions opening a cart saved earlier view the
    // cart without having added anything in this session.
    let cart_without_add = number(
        &ctx,
        "SELECT sum(sessions_with_stage_event - unique_sessions)
         FROM delta.`${out}/funnel_analysis` WHERE funnel_stage = 'cart_view'",
    )
    .await?;
    assert!(cart_without_add > 50.0, "{cart_without_add}");

    // Furthest stage per session: the walk's, and the planted one wherever no event
    // of the session lost its timestamp (otherwise never further than planted).
    let furthest: BTreeMap<String, String> = rows(
        &ctx,
        &format!(
            "SELECT session_id, CAST({} AS VARCHAR) FROM delta.`${{out}}/session_paths`",
            stage_order("furthest_funnel_stage")
        ),
    )
    .await?
    .into_iter()
    .map(|r| (r[0].clone(), r[1].clone()))
    .collect();
    let walked: BTreeMap<String, String> = expected["furthest"]
        .iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert_eq!(furthest.len() as f64, sessions);
    for (session, stage) in &furthest {
        let want = walked.get(session).map_or("0", String::as_str);
        assert_eq!(stage, want, "session {session}");
    }
    let vs_planted = rows(
        &ctx,
        &format!(
            "SELECT count(*) FILTER (WHERE g.untimed_events = 0 AND {f} != {p}),
                    count(*) FILTER (WHERE g.untimed_events > 0 AND {f} > {p}),
                    count(*) FILTER (WHERE {f} != {p})
             FROM delta.`${{out}}/session_paths` s
             JOIN delta.`${{data}}/planted_web_sessions` g ON g.session_id = s.session_id",
            f = stage_order("s.furthest_funnel_stage"),
            p = stage_order("g.planted_stage"),
        ),
    )
    .await?;
    assert_eq!(vs_planted[0][..2], ["0", "0"], "{vs_planted:?}");
    println!(
        "sessions whose NULL timestamps hide part of the planted funnel: {}",
        vs_planted[0][2]
    );

    // Overall funnel: sessions per stage are the walk's; realistic drop-off.
    let conversion = rows(
        &ctx,
        "SELECT stage_order, funnel_stage, sessions, rate_from_first_stage,
                rate_from_previous_stage
         FROM delta.`${out}/conversion_funnel` ORDER BY stage_order",
    )
    .await?;
    println!("conversion funnel: {conversion:?}");
    assert_eq!(conversion.len(), 5);
    let mut previous = f64::INFINITY;
    for (k, row) in conversion.iter().enumerate() {
        assert_eq!(row[1], STAGES[k + 1]);
        let reached = walked
            .values()
            .filter(|s| s.parse::<usize>().is_ok_and(|s| s > k))
            .count();
        let count: f64 = row[2].parse()?;
        assert_eq!(count, reached as f64, "{row:?}");
        assert!(count < previous, "{conversion:?}");
        previous = count;
    }
    let rate = |k: usize| conversion[k][3].parse::<f64>();
    assert!((0.25..0.38).contains(&rate(1)?), "{conversion:?}");
    assert!((0.10..0.20).contains(&rate(3)?), "{conversion:?}");
    assert!((0.06..0.14).contains(&rate(4)?), "{conversion:?}");

    // 15-minute windows: epoch-aligned, and their views add up to the timed events.
    let windows = rows(
        &ctx,
        "SELECT sum(page_views),
                count(*) FILTER (WHERE CAST(date_part('epoch', \"window\".start) AS BIGINT) % 900 != 0
                                    OR \"window\".end - \"window\".start != INTERVAL '15 minutes')
         FROM delta.`${out}/page_analytics`",
    )
    .await?;
    assert_eq!(
        windows,
        [[(total - q[1]).to_string(), "0".to_string()]],
        "{windows:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kmeans_recovers_planted_user_segments() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Clickstream]).await?;
    run_file(&ctx, &script("10_website_user_behavior.sql"), None).await?;

    // k by the best silhouette is the planted number of segments.
    let best = rows(
        &ctx,
        "SELECT k FROM delta.`${out}/user_segments_elbow` WHERE best",
    )
    .await?;
    assert_eq!(best, [["4"]]);
    let pairs = rows(
        &ctx,
        "SELECT CAST(s.prediction AS VARCHAR), g.planted_segment
         FROM delta.`${out}/user_segments` s
         JOIN (SELECT DISTINCT user_id, planted_segment
               FROM delta.`${data}/planted_web_sessions`) g ON g.user_id = s.user_id",
    )
    .await?;
    let users = number(&ctx, "SELECT count(*) FROM delta.`${data}/web_users`").await?;
    assert_eq!(pairs.len() as f64, users);
    let predicted: Vec<String> = pairs.iter().map(|r| r[0].clone()).collect();
    let planted: Vec<String> = pairs.iter().map(|r| r[1].clone()).collect();
    let ari = adjusted_rand_index(&predicted, &planted);
    println!("adjusted Rand index of user segments: {ari:.4}");
    assert!(ari >= 0.8, "adjusted Rand index {ari}");

    // Profiles: one row per cluster, sizes add up, and the segments differ the way
    // they were planted (one cluster converts far better than all others).
    let profiles = rows(
        &ctx,
        "SELECT users, avg_conversion_rate FROM delta.`${out}/user_segment_profiles`
         ORDER BY avg_conversion_rate DESC",
    )
    .await?;
    assert_eq!(profiles.len(), 4);
    let sizes: f64 = profiles
        .iter()
        .map(|r| r[0].parse::<f64>())
        .sum::<Result<f64, _>>()?;
    assert_eq!(sizes, users);
    let top: f64 = profiles[0][1].parse()?;
    let second: f64 = profiles[1][1].parse()?;
    assert!(top > 5.0 * second, "{profiles:?}");
    Ok(())
}
