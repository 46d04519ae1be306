//! Scenario scripts on generated data: each script must find what the generator planted.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::scenario::{adjusted_rand_index, number, rows, script, setup_only};
use ignis::cli::runner::run_file;
use ignis::generate::DataGroup;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_analysis_finds_planted_incidents() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Logs]).await?;
    run_file(&ctx, &script("03_log_analysis.sql"), None).await?;

    // The planted service tops error_percentage.
    let by_service = rows(
        &ctx,
        "SELECT service, error_percentage FROM delta.`${out}/error_by_service` ORDER BY error_percentage DESC",
    )
    .await?;
    assert_eq!(by_service[0][0], "payment-service", "{by_service:?}");
    assert!(by_service.len() >= 5, "{by_service:?}");

    // Exactly the planted anomalous hours are alerted.
    let planted: BTreeSet<Vec<String>> = rows(
        &ctx,
        "SELECT service, CAST(hour_start AS TIMESTAMP) FROM delta.`${data}/planted_log_anomalies`",
    )
    .await?
    .into_iter()
    .collect();
    let alerted: BTreeSet<Vec<String>> = rows(
        &ctx,
        "SELECT service, CAST(\"window\"['start'] AS TIMESTAMP) FROM delta.`${out}/error_anomalies`",
    )
    .await?
    .into_iter()
    .collect();
    assert!(!planted.is_empty());
    assert_eq!(alerted, planted);

    // Every alert has a rate above 5% and windows are one hour long.
    let bad = number(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/error_anomalies`
         WHERE error_rate <= 0.05 OR \"window\"['end'] - \"window\"['start'] != INTERVAL '1 hour'",
    )
    .await?;
    assert_eq!(bad, 0.0);

    // Cascading failures: payment-service errors share request ids with order-service
    // and api-gateway errors; the top pairs are the planted ones.
    let pairs: BTreeSet<(String, String)> = rows(
        &ctx,
        "SELECT service_a, service_b FROM delta.`${out}/service_correlations` ORDER BY correlation_count DESC LIMIT 6",
    )
    .await?
    .into_iter()
    .map(|r| (r[0].clone(), r[1].clone()))
    .collect();
    for (a, b) in [
        ("payment-service", "order-service"),
        ("order-service", "payment-service"),
        ("payment-service", "api-gateway"),
        ("api-gateway", "payment-service"),
    ] {
        assert!(
            pairs.contains(&(a.to_string(), b.to_string())),
            "missing {a} -> {b} in {pairs:?}"
        );
    }

    // Common errors are numeric codes with sample messages containing them.
    let common = rows(
        &ctx,
        "SELECT error_code, occurrence_count, sample_message FROM delta.`${out}/common_errors`",
    )
    .await?;
    assert!(common.len() >= 3, "{common:?}");
    for row in &common {
        assert!(row[0].chars().all(|c| c.is_ascii_digit()), "{row:?}");
        assert!(
            row[2].contains(&format!("error code: {}", row[0])),
            "{row:?}"
        );
    }
    // error_trends covers every clean log line exactly once.
    let trend_total = number(
        &ctx,
        "SELECT sum(total_logs) FROM delta.`${out}/error_trends`",
    )
    .await?;
    let clean_total = number(
        &ctx,
        "SELECT sum(total_logs) FROM delta.`${out}/error_by_service`",
    )
    .await?;
    assert_eq!(trend_total, clean_total);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purchase_patterns_match_the_data() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Retail]).await?;
    run_file(&ctx, &script("04_ecommerce_purchase_patterns.sql"), None).await?;

    // Planted bundles co-occur: each bundle is complete in at least 1.5% of orders,
    // more than any pair of products outside the bundles.
    let bundle_support = rows(
        &ctx,
        "WITH sizes AS (SELECT bundle_id, count(*) AS n FROM delta.`${data}/bundles` GROUP BY bundle_id),
              hits AS (SELECT b.bundle_id, t.order_id, count(DISTINCT t.product_id) AS c
                       FROM delta.`${data}/transactions` t
                       JOIN delta.`${data}/bundles` b ON t.product_id = b.product_id
                       GROUP BY b.bundle_id, t.order_id),
              orders AS (SELECT count(DISTINCT order_id) AS n FROM delta.`${data}/transactions`)
         SELECT h.bundle_id, CAST(count(*) AS DOUBLE) / max(o.n) AS support
         FROM hits h JOIN sizes s ON h.bundle_id = s.bundle_id CROSS JOIN orders o
         WHERE h.c = s.n GROUP BY h.bundle_id ORDER BY h.bundle_id",
    )
    .await?;
    assert!(bundle_support.len() >= 3, "{bundle_support:?}");
    let min_bundle = bundle_support
        .iter()
        .map(|r| r[1].parse::<f64>().unwrap_or(0.0))
        .fold(f64::INFINITY, f64::min);
    assert!(min_bundle >= 0.015, "{bundle_support:?}");
    let best_other_pair = number(
        &ctx,
        "WITH lines AS (SELECT DISTINCT order_id, product_id FROM delta.`${data}/transactions`),
              orders AS (SELECT count(DISTINCT order_id) AS n FROM lines),
              bundle_pairs AS (SELECT x.product_id AS p1, y.product_id AS p2
                               FROM delta.`${data}/bundles` x JOIN delta.`${data}/bundles` y
                               ON x.bundle_id = y.bundle_id)
         SELECT CAST(count(*) AS DOUBLE) / max(o.n) AS support
         FROM lines a JOIN lines b ON a.order_id = b.order_id AND a.product_id < b.product_id
         LEFT JOIN bundle_pairs bp ON bp.p1 = a.product_id AND bp.p2 = b.product_id
         CROSS JOIN orders o
         WHERE bp.p1 IS NULL
         GROUP BY a.product_id, b.product_id ORDER BY support DESC LIMIT 1",
    )
    .await?;
    assert!(
        best_other_pair < min_bundle,
        "non-bundle pair support {best_other_pair} >= bundle support {min_bundle}"
    );

    // Revenue adds up across outputs and matches the raw transactions.
    let raw = number(&ctx, "SELECT sum(amount) FROM delta.`${data}/transactions`").await?;
    let by_product = number(
        &ctx,
        "SELECT sum(revenue) FROM delta.`${out}/product_metrics`",
    )
    .await?;
    let by_category = number(
        &ctx,
        "SELECT sum(revenue) FROM delta.`${out}/category_metrics`",
    )
    .await?;
    let by_month = number(
        &ctx,
        "SELECT sum(revenue) FROM delta.`${out}/seasonal_trends`",
    )
    .await?;
    for value in [by_product, by_category, by_month] {
        assert!((value - raw).abs() < 5.0, "{value} vs {raw}");
    }
    let months = number(
        &ctx,
        "SELECT count(DISTINCT month) FROM delta.`${out}/seasonal_trends`",
    )
    .await?;
    assert_eq!(months, 12.0);

    // Top customers by spend: ranks start at 1, at most 100 ranks, mostly planted champions.
    let top = rows(
        &ctx,
        "SELECT h.spend_rank, c.planted_segment FROM delta.`${out}/high_value_customers` h
         JOIN delta.`${data}/customers` c ON h.customer_id = c.customer_id ORDER BY h.spend_rank",
    )
    .await?;
    assert!(top.len() >= 100 && top.len() < 110, "{}", top.len());
    assert_eq!(top[0][0], "1");
    let champions = top.iter().filter(|r| r[1] == "champions").count();
    assert!(
        champions * 10 >= top.len() * 8,
        "{champions} of {}",
        top.len()
    );

    // Customer patterns cover every customer who bought something.
    let customers = number(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/customer_patterns`",
    )
    .await?;
    let buyers = number(
        &ctx,
        "SELECT count(DISTINCT customer_id) FROM delta.`${data}/transactions`",
    )
    .await?;
    assert_eq!(customers, buyers);
    Ok(())
}

#[test]
fn adjusted_rand_index_reference_values() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // sklearn.metrics.adjusted_rand_score([0,0,1,1],[1,1,0,0]) == 1.0
    assert!(
        (adjusted_rand_index(&s(&["0", "0", "1", "1"]), &s(&["1", "1", "0", "0"])) - 1.0).abs()
            < 1e-12
    );
    // adjusted_rand_score([0,0,1,2],[0,0,1,1]) == 0.5714285714285715
    assert!(
        (adjusted_rand_index(&s(&["0", "0", "1", "2"]), &s(&["0", "0", "1", "1"]))
            - 0.5714285714285715)
            .abs()
            < 1e-12
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_segmentation_recovers_planted_segments() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Retail]).await?;
    run_file(&ctx, &script("01_customer_segmentation.sql"), None).await?;

    // k chosen automatically is the planted 4, by silhouette and by the elbow.
    let elbow = rows(
        &ctx,
        "SELECT k FROM delta.`${out}/kmeans_elbow` WHERE best AND elbow",
    )
    .await?;
    assert_eq!(elbow, vec![vec!["4".to_string()]]);
    let pairs = rows(
        &ctx,
        "SELECT CAST(s.prediction AS VARCHAR), c.planted_segment
         FROM delta.`${out}/customer_segments` s
         JOIN delta.`${data}/customers` c ON c.customer_id = s.customer_id",
    )
    .await?;
    let predicted: Vec<String> = pairs.iter().map(|r| r[0].clone()).collect();
    let planted: Vec<String> = pairs.iter().map(|r| r[1].clone()).collect();
    let ari = adjusted_rand_index(&predicted, &planted);
    assert!(ari >= 0.9, "adjusted Rand index {ari}");
    assert_eq!(pairs.len(), 5000);

    // The cluster profile has one row per cluster and sizes add up.
    let total = number(
        &ctx,
        "SELECT sum(cluster_size) FROM delta.`${out}/cluster_analysis`",
    )
    .await?;
    assert_eq!(total, 5000.0);
    // Planted champions are mostly named Champions or Loyal Customers by RFM scores.
    let share = number(
        &ctx,
        "SELECT avg(CASE WHEN r.segment IN ('Champions', 'Loyal Customers') THEN 1.0 ELSE 0.0 END)
         FROM delta.`${out}/rfm_segments` r JOIN delta.`${data}/customers` c ON c.customer_id = r.customer_id
         WHERE c.planted_segment = 'champions'",
    )
    .await?;
    assert!(share >= 0.9, "{share}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn market_basket_finds_planted_bundles() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Retail]).await?;
    run_file(&ctx, &script("04_ecommerce_purchase_patterns.sql"), None).await?;

    // Every planted bundle is a frequent itemset, with its product names.
    let missing = number(
        &ctx,
        "WITH bundles AS (SELECT bundle_id, array_sort(array_agg(product_id)) AS items
                          FROM delta.`${data}/bundles` GROUP BY bundle_id)
         SELECT count(*) FROM bundles b
         WHERE NOT array_has_any(
             (SELECT array_agg(array_to_string(items, ',')) FROM delta.`${out}/frequent_itemsets`),
             make_array(array_to_string(b.items, ',')))",
    )
    .await?;
    assert_eq!(missing, 0.0);
    let names = rows(
        &ctx,
        "SELECT cardinality(product_names) = cardinality(items) FROM delta.`${out}/frequent_itemsets`",
    )
    .await?;
    assert!(names.iter().all(|r| r[0] == "true"));
    // Every multi-item frequent itemset lies inside one bundle: nothing else is planted.
    let stray = number(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/frequent_itemsets` f
         WHERE cardinality(f.items) > 1 AND NOT EXISTS (
             SELECT 1 FROM (SELECT array_agg(product_id) AS members FROM delta.`${data}/bundles` GROUP BY bundle_id) b
             WHERE array_has_all(b.members, f.items))",
    )
    .await?;
    assert_eq!(stray, 0.0);
    // Rules link products of the same bundle with high lift.
    let rules = rows(
        &ctx,
        "SELECT min(lift), min(confidence), count(*) FROM delta.`${out}/association_rules`",
    )
    .await?;
    let min_lift: f64 = rules[0][0].parse()?;
    let min_conf: f64 = rules[0][1].parse()?;
    assert!(min_lift > 5.0 && min_conf >= 0.5, "{rules:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_analysis_matches_networkx_and_finds_planted_structure() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Graph]).await?;
    run_file(&ctx, &script("17_graph_analysis.sql"), None).await?;

    // The most influential entities are the planted hubs: as many top PageRank
    // entities as there are hubs are all hubs.
    let hubs = number(
        &ctx,
        "SELECT count(*) FROM delta.`${data}/entities` WHERE planted_role = 'hub'",
    )
    .await?;
    assert!(hubs >= 3.0, "{hubs} planted hubs");
    let non_hubs = number(
        &ctx,
        &format!(
            "SELECT count(*) FROM (
               SELECT id FROM delta.`${{out}}/pagerank_results` ORDER BY pagerank DESC LIMIT {hubs}) p
             JOIN delta.`${{data}}/entities` e ON e.id = p.id
             WHERE e.planted_role <> 'hub'"
        ),
    )
    .await?;
    assert_eq!(non_hubs, 0.0, "top PageRank entities that are not hubs");

    // Every planted satellite group and isolated vertex is a component of its own, and
    // the communities form one more.
    let components = number(
        &ctx,
        "SELECT count(DISTINCT component) FROM delta.`${out}/connected_components`",
    )
    .await?;
    let planted = number(
        &ctx,
        "SELECT count(DISTINCT planted_community) + 1 FROM delta.`${data}/entities`
         WHERE planted_role IN ('satellite', 'isolated')",
    )
    .await?;
    assert_eq!(components, planted);

    // Every output table has one row per entity; motifs and similarity are non-empty.
    for table in [
        "degree_results",
        "pagerank_results",
        "community_results",
        "connected_components",
        "triangle_counts",
    ] {
        let rows = number(
            &ctx,
            &format!("SELECT count(*) FROM delta.`${{out}}/{table}`"),
        )
        .await?;
        let entities = number(&ctx, "SELECT count(*) FROM delta.`${data}/entities`").await?;
        assert_eq!(rows, entities, "{table}");
    }
    for table in [
        "triangle_motifs",
        "hub_motifs",
        "entity_similarity",
        "shortest_paths",
    ] {
        let rows = number(
            &ctx,
            &format!("SELECT count(*) FROM delta.`${{out}}/{table}`"),
        )
        .await?;
        assert!(rows > 0.0, "{table} is empty");
    }
    let dashboard = number(
        &ctx,
        "SELECT count(*) FROM graph_analysis_dashboard WHERE pagerank IS NULL",
    )
    .await?;
    assert_eq!(dashboard, 0.0);

    // Values against networkx on the same graph: PageRank, components, triangles, hops,
    // degrees; label propagation against the planted communities (NMI).
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graph_reference.py");
    let (data, out) = (dir.path().join("data"), dir.path().join("out"));
    let report = common::run_python(&[
        script.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])?;
    println!("{report}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scd_type2_keeps_every_planted_change() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Dimensions]).await?;
    run_file(&ctx, &script("12_scd_type2.sql"), None).await?;

    // Each batch's counts equal the planted ones.
    let logged = rows(
        &ctx,
        "SELECT batch, new_records, changed_records, unchanged_records, expired_records
         FROM delta.`${out}/scd2_run_log` ORDER BY version",
    )
    .await?;
    let planted = rows(
        &ctx,
        "SELECT 'batch' || CAST(batch AS VARCHAR),
                count(*) FILTER (WHERE kind = 'new') AS new,
                count(*) FILTER (WHERE kind = 'changed') AS changed,
                count(*) FILTER (WHERE kind = 'unchanged') AS unchanged,
                count(*) FILTER (WHERE kind = 'changed') AS expired
         FROM delta.`${data}/planted_customer_changes` GROUP BY batch ORDER BY batch",
    )
    .await?;
    assert_eq!(logged[0], vec!["initial_load", "1000", "0", "0", "0"]);
    assert_eq!(logged[1..], planted[..]);

    // Every customer has one version per planted change plus one, exactly one current.
    let mismatched = number(
        &ctx,
        "SELECT count(*) FROM (
           SELECT d.customer_id, count(*) AS versions,
                  count(*) FILTER (WHERE d.is_current) AS current
           FROM delta.`${out}/customer_dimension` d GROUP BY d.customer_id) v
         LEFT JOIN (
           SELECT customer_id, count(*) FILTER (WHERE kind = 'changed') AS changes
           FROM delta.`${data}/planted_customer_changes` GROUP BY customer_id) p
           ON p.customer_id = v.customer_id
         WHERE v.versions <> 1 + coalesce(p.changes, 0) OR v.current <> 1",
    )
    .await?;
    assert_eq!(mismatched, 0.0);

    // Surrogate keys are unique and contiguous from 1.
    let keys = rows(
        &ctx,
        "SELECT count(*), count(DISTINCT customer_sk), min(customer_sk), max(customer_sk)
         FROM delta.`${out}/customer_dimension`",
    )
    .await?;
    assert_eq!(keys[0][0], keys[0][1]);
    assert_eq!(keys[0][2], "1");
    assert_eq!(keys[0][0], keys[0][3]);

    // Current rows hold the latest values: the last batch's rows match the source.
    let stale = number(
        &ctx,
        "SELECT count(*) FROM delta.`${data}/customer_updates_batch2` s
         JOIN delta.`${out}/customer_dimension` d ON d.customer_id = s.customer_id AND d.is_current
         WHERE (d.email IS DISTINCT FROM s.email) OR (d.phone IS DISTINCT FROM s.phone)
            OR (d.address IS DISTINCT FROM s.address)
            OR (d.credit_score IS DISTINCT FROM s.credit_score)",
    )
    .await?;
    assert_eq!(stale, 0.0);

    // One commit per batch.
    let history = rows(
        &ctx,
        "SELECT version, operation FROM delta_history('${out}/customer_dimension') ORDER BY version",
    )
    .await?;
    let operations: Vec<&str> = history.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(operations[..3], ["WRITE", "MERGE", "MERGE"]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_quality_monitoring_finds_exactly_the_planted_defects() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Quality]).await?;
    run_file(&ctx, &script("11_data_quality_monitoring.sql"), None).await?;

    // Every check's failed count is exactly the planted number of defects, and there is
    // one result per planted check (the missing table as its table_access row).
    let key = "table_name, check_type, coalesce(column_name, '-'), failed_count";
    let planted: BTreeSet<Vec<String>> = rows(
        &ctx,
        &format!("SELECT {key} FROM delta.`${{data}}/dq_planted_defects`"),
    )
    .await?
    .into_iter()
    .collect();
    let found: Vec<Vec<String>> = rows(
        &ctx,
        &format!("SELECT {key} FROM delta.`${{out}}/data_quality_results`"),
    )
    .await?;
    assert_eq!(found.len(), planted.len(), "{found:?}");
    assert_eq!(found.into_iter().collect::<BTreeSet<_>>(), planted);
    assert!(planted.contains(&vec![
        "dq_inventory".to_string(),
        "table_access".to_string(),
        "-".to_string(),
        "1".to_string()
    ]));

    // Totals are the tables' row counts; status is FAIL exactly above the threshold.
    let wrong_totals = number(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/data_quality_results` r
         WHERE r.check_type <> 'table_access' AND r.total_count <> CASE r.table_name
           WHEN 'dq_customers' THEN (SELECT count(*) FROM delta.`${data}/dq_customers`)
           ELSE (SELECT count(*) FROM delta.`${data}/dq_orders`) END",
    )
    .await?;
    assert_eq!(wrong_totals, 0.0);
    let wrong_status = number(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/data_quality_results`
         WHERE status <> CASE WHEN failure_percentage > threshold THEN 'FAIL' ELSE 'PASS' END
            OR abs(failure_percentage - 100.0 * failed_count / total_count) > 1e-9",
    )
    .await?;
    assert_eq!(wrong_status, 0.0);

    // Summary and failures describe this run.
    let summary = number(
        &ctx,
        "SELECT sum(count) FROM delta.`${out}/data_quality_summary`",
    )
    .await?;
    assert_eq!(summary, planted.len() as f64);
    let failures = rows(
        &ctx,
        "SELECT table_name, check_type, coalesce(column_name, '-')
         FROM delta.`${out}/data_quality_failures` ORDER BY 1, 2, 3",
    )
    .await?;
    let expected_failures = rows(
        &ctx,
        "SELECT table_name, check_type, coalesce(column_name, '-')
         FROM delta.`${out}/data_quality_results` WHERE status = 'FAIL' ORDER BY 1, 2, 3",
    )
    .await?;
    assert_eq!(failures, expected_failures);
    assert!(failures.len() >= 2, "{failures:?}");
    let critical = rows(
        &ctx,
        "SELECT table_name, check_type FROM delta.`${out}/data_quality_failures`
         WHERE failure_percentage > 50",
    )
    .await?;
    assert_eq!(critical, [["dq_inventory", "table_access"]]);

    // The SQL rules of the script give the same counts as the JSON rules.
    let sql_rules = rows(
        &ctx,
        &format!(
            "SELECT {key} FROM data_quality_checks('quality_rules', 'table_root => ${{data}}')"
        ),
    )
    .await?;
    assert_eq!(sql_rules.len(), 8);
    for row in &sql_rules {
        assert!(planted.contains(row), "{row:?} not planted");
    }

    // A second run appends to the history and replaces summary and failures.
    run_file(&ctx, &script("11_data_quality_monitoring.sql"), None).await?;
    let history = rows(
        &ctx,
        "SELECT count(*), count(DISTINCT run_timestamp) FROM delta.`${out}/data_quality_results`",
    )
    .await?;
    assert_eq!(
        history,
        [[(2 * planted.len()).to_string(), "2".to_string()]]
    );
    let summary = number(
        &ctx,
        "SELECT sum(count) FROM delta.`${out}/data_quality_summary`",
    )
    .await?;
    assert_eq!(summary, planted.len() as f64);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etl_pipeline_loads_every_good_row_and_logs_every_stage() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Etl]).await?;
    run_file(&ctx, &script("13_etl_pipeline.sql"), None).await?;

    // Ground truth: the planted malformed lines of each text source.
    let planted = |source: &'static str| {
        let ctx = ctx.clone();
        async move {
            number(
                &ctx,
                &format!(
                    "SELECT count(*) FROM delta.`${{data}}/etl_sources/planted_etl_malformed` WHERE source = '{source}'"
                ),
            )
            .await
        }
    };
    let bad_customers = planted("customers.csv").await?;
    let bad_orders = planted("orders.jsonl").await?;
    assert!(bad_customers >= 8.0 && bad_orders >= 20.0);
    let sources = dir.path().join("data/etl_sources");
    let csv_rows = std::fs::read_to_string(sources.join("customers.csv"))?
        .lines()
        .count() as f64
        - 1.0;
    let json_rows = std::fs::read_to_string(sources.join("orders.jsonl"))?
        .lines()
        .count() as f64;
    let good_customers = csv_rows - bad_customers;
    let good_orders = json_rows - bad_orders;
    assert_eq!(good_customers, 1000.0);
    assert_eq!(good_orders, 5000.0);

    // Extracts keep exactly the good rows; every order joins, so sales_fact has them all.
    for (table, expected) in [
        ("etl_staging/customers", good_customers),
        ("etl_staging/orders", good_orders),
        ("etl_staging/products", 200.0),
        ("etl_staging/inventory", 600.0),
        ("sales_fact", good_orders),
    ] {
        let n = number(
            &ctx,
            &format!("SELECT count(*) FROM delta.`${{out}}/{table}`"),
        )
        .await?;
        assert_eq!(n, expected, "{table}");
    }
    let completed = number(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/sales_fact` WHERE status = 'completed'",
    )
    .await?;
    let summarised = number(
        &ctx,
        "SELECT sum(order_count) FROM delta.`${out}/customer_summary`",
    )
    .await?;
    assert_eq!(summarised, completed);
    assert!(completed > 0.5 * good_orders);

    // Lineage columns are present and filled.
    let missing_lineage = number(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/sales_fact`
         WHERE source_id IS NULL OR extract_time IS NULL OR transform_id IS NULL
            OR transform_time IS NULL OR load_time IS NULL OR pipeline_id IS NULL
            OR extract_time > transform_time OR transform_time > load_time",
    )
    .await?;
    assert_eq!(missing_lineage, 0.0);
    // Partitioned by month, and the Parquet load has one row per product.
    assert!(dir
        .path()
        .join("out/sales_fact/order_month=2024-01")
        .is_dir());
    ctx.execute(
        "CREATE EXTERNAL TABLE etl_check_parquet STORED AS PARQUET LOCATION '${out}/inventory_status.parquet'",
    )
    .await?;
    let parquet_rows = number(
        &ctx,
        "SELECT count(*) FROM etl_check_parquet WHERE load_time IS NOT NULL AND transform_id = 'inventory_status'",
    )
    .await?;
    assert_eq!(parquet_rows, 200.0);

    // One SUCCESS row per stage; the extracts report the rows kept and rejected.
    let log = rows(
        &ctx,
        "SELECT stage, status, records_processed, records_rejected, error_message
         FROM delta.`${out}/etl_pipeline_logs` ORDER BY start_time",
    )
    .await?;
    let stages: Vec<&str> = log.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        stages,
        [
            "extract_customers",
            "extract_orders",
            "extract_products",
            "extract_inventory",
            "transform_order_details",
            "transform_completed_orders",
            "transform_customer_summary",
            "transform_inventory_status",
            "load_sales_fact",
            "load_customer_summary",
            "load_inventory_status"
        ]
    );
    assert!(
        log.iter().all(|r| r[1] == "SUCCESS" && r[4] == "NULL"),
        "{log:?}"
    );
    let cell = |stage: &str, column: usize| -> Result<f64, Box<dyn std::error::Error>> {
        let row = log
            .iter()
            .find(|r| r[0] == stage)
            .ok_or_else(|| format!("no log row for {stage}"))?;
        Ok(row[column].parse::<f64>()?)
    };
    assert_eq!(cell("extract_customers", 2)?, good_customers);
    assert_eq!(cell("extract_customers", 3)?, bad_customers);
    assert_eq!(cell("extract_orders", 2)?, good_orders);
    assert_eq!(cell("extract_orders", 3)?, bad_orders);
    assert_eq!(cell("transform_completed_orders", 2)?, completed);
    assert_eq!(cell("load_sales_fact", 2)?, good_orders);
    assert_eq!(cell("load_inventory_status", 2)?, 200.0);

    // FAILFAST stops at the first planted line.
    let first_bad = number(
        &ctx,
        "SELECT min(line) FROM delta.`${data}/etl_sources/planted_etl_malformed` WHERE source = 'customers.csv'",
    )
    .await?;
    let failfast = rows(
        &ctx,
        "SELECT count(*) FROM read_csv_checked('${data}/etl_sources/customers.csv',
            'customer_id BIGINT, name VARCHAR, email VARCHAR, country VARCHAR, signup_date DATE, credit_limit DOUBLE',
            'mode => failfast')",
    )
    .await;
    let message = match failfast {
        Ok(r) => return Err(format!("FAILFAST read succeeded: {r:?}").into()),
        Err(e) => e.to_string(),
    };
    assert!(
        message.contains(&format!("customers.csv line {first_bad}:")),
        "{message}"
    );
    Ok(())
}
