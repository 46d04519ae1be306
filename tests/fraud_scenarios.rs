//! Scenario script 02 (real-time fraud detection, as a bounded batch) on the generated
//! `fraud` group: it must find the planted fraud with few false positives, compute its
//! features as an independent computation does, and account for every stream line.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::scenario::{close, number, rows, script, setup_only};
use ignis::cli::runner::run_file;
use ignis::generate::DataGroup;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// DuckDB over the history Delta table (read with deltalake into Arrow): the customer
/// profiles, printed as `customer|avg|stddev|count` lines.
const DUCKDB_PROFILES: &str = r#"
import sys, duckdb
from deltalake import DeltaTable
history = DeltaTable(sys.argv[1] + "/fraud_historical_transactions").to_pyarrow_table()
con = duckdb.connect()
for r in con.execute("""
    SELECT customer_id, avg(amount), stddev_samp(amount), count(transaction_id)
    FROM history GROUP BY customer_id ORDER BY customer_id""").fetchall():
    print("|".join("NULL" if v is None else str(v) for v in r))
"#;

/// A well-formed stream payload with an amount and a timestamp.
struct Payload {
    id: String,
    customer: String,
    micros: i64,
    amount: f64,
}

/// Reads every stream line; returns the scoreable payloads and the number of lines.
fn read_stream(dir: &std::path::Path) -> Result<(Vec<Payload>, usize), Box<dyn std::error::Error>> {
    let mut payloads = Vec::new();
    let mut lines = 0;
    for entry in std::fs::read_dir(dir)? {
        for line in std::fs::read_to_string(entry?.path())?.lines() {
            lines += 1;
            let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(line)
            else {
                continue;
            };
            let text = |k: &str| o.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let stamp = text("timestamp")
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(&s).ok())
                .map(|t| t.timestamp_micros());
            let amount = o.get("amount").and_then(serde_json::Value::as_f64);
            if let (Some(id), Some(customer), Some(micros), Some(amount)) =
                (text("transaction_id"), text("customer_id"), stamp, amount)
            {
                payloads.push(Payload {
                    id,
                    customer,
                    micros,
                    amount,
                });
            }
        }
    }
    Ok((payloads, lines))
}

/// Per transaction: the largest count and amount over the epoch-aligned 1-hour windows
/// sliding every 15 minutes that contain it, by brute force.
fn window_features(payloads: &[Payload]) -> BTreeMap<String, (u64, f64)> {
    const SLIDE: i64 = 15 * 60 * 1_000_000;
    const SIZE: i64 = 4 * SLIDE;
    let mut by_customer: BTreeMap<&str, Vec<&Payload>> = BTreeMap::new();
    for p in payloads {
        by_customer.entry(&p.customer).or_default().push(p);
    }
    let mut features = BTreeMap::new();
    for txs in by_customer.values() {
        for t in txs {
            let last_start = t.micros.div_euclid(SLIDE) * SLIDE;
            let mut best = (0u64, f64::MIN);
            for k in 0..4 {
                let start = last_start - k * SLIDE;
                let inside = txs
                    .iter()
                    .filter(|o| o.micros >= start && o.micros < start + SIZE);
                let count = inside.clone().count() as u64;
                let amount: f64 = inside.map(|o| o.amount).sum();
                best = (best.0.max(count), best.1.max(amount));
            }
            features.insert(t.id.clone(), best);
        }
    }
    features
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fraud_detection_finds_planted_fraud_and_accounts_for_every_line() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Fraud]).await?;
    run_file(&ctx, &script("02_fraud_detection.sql"), None).await?;

    // Recall at the documented threshold, per kind and overall; the false-positive rate
    // over legitimate scored purchases is low but not zero (travel, sprees and large
    // purchases are legitimately unusual).
    let per_kind = rows(
        &ctx,
        "SELECT p.kind, count(*), count(a.transaction_id), count(f.transaction_id)
         FROM delta.`${data}/planted_fraud` p
         LEFT JOIN delta.`${out}/fraud_alerts` a ON p.transaction_id = a.transaction_id
         LEFT JOIN delta.`${out}/fraud_features` f ON p.transaction_id = f.transaction_id
         GROUP BY p.kind ORDER BY p.kind",
    )
    .await?;
    let kinds: Vec<&str> = per_kind.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(kinds, ["burst", "outsized_amount", "unusual_location"]);
    let (mut planted, mut found) = (0.0, 0.0);
    for r in &per_kind {
        let (n, hit, scored) = (r[1].parse::<f64>()?, r[2].parse::<f64>()?, &r[3]);
        assert_eq!(scored, &r[1], "every planted fraud is scored: {r:?}");
        println!("recall {}: {hit}/{n} = {:.3}", r[0], hit / n);
        planted += n;
        found += hit;
    }
    let recall = found / planted;
    let scored = number(&ctx, "SELECT count(*) FROM delta.`${out}/fraud_features`").await?;
    let false_positives = number(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/fraud_alerts`
         WHERE transaction_id NOT IN (SELECT transaction_id FROM delta.`${data}/planted_fraud`)",
    )
    .await?;
    let fpr = false_positives / (scored - planted);
    println!(
        "recall {found}/{planted} = {recall:.4}; false positives {false_positives}/{} = {fpr:.4}; \
         fraud share {:.4}",
        scored - planted,
        planted / scored
    );
    assert!(recall >= 0.9, "recall {recall}");
    assert!(fpr < 0.02, "false-positive rate {fpr}");
    assert!(false_positives > 0.0, "legitimate outliers exist");
    assert!(
        (0.01..=0.02).contains(&(planted / scored)),
        "{planted}/{scored}"
    );
    // Burst purchases, card tests included, all see their whole burst.
    let missed_bursts = number(
        &ctx,
        "SELECT count(*) FROM delta.`${data}/planted_fraud` p
         JOIN delta.`${out}/fraud_features` f ON p.transaction_id = f.transaction_id
         WHERE p.kind = 'burst' AND f.tx_count_1h < 5",
    )
    .await?;
    assert_eq!(missed_bursts, 0.0);

    // Alerts are exactly the scored purchases at or above the threshold, labelled.
    let alert_check = rows(
        &ctx,
        "SELECT
            (SELECT count(*) FROM delta.`${out}/fraud_alerts`) AS alerts,
            (SELECT count(*) FROM delta.`${out}/fraud_features` WHERE fraud_score >= 0.6)
                AS above,
            (SELECT count(*) FROM delta.`${out}/fraud_alerts`
             WHERE scoring != 'rule-based v1' OR fraud_score < 0.6 OR fraud_score > 1
                OR alert_reasons = '') AS bad_alerts,
            (SELECT count(*) FROM delta.`${out}/fraud_features`
             WHERE fraud_score < 0 OR fraud_score > 1 OR scoring != 'rule-based v1')
                AS bad_scores",
    )
    .await?;
    assert_eq!(alert_check[0][0], alert_check[0][1]);
    assert_eq!(alert_check[0][2..], ["0", "0"]);

    // Profiles equal DuckDB's on the same history.
    let reference = common::run_python(&[
        "-c",
        DUCKDB_PROFILES,
        &dir.path().join("data").display().to_string(),
    ])?;
    let expected: Vec<Vec<String>> = reference
        .lines()
        .map(|l| l.split('|').map(str::to_string).collect())
        .collect();
    let profiles = rows(
        &ctx,
        "SELECT customer_id, avg_amount, stddev_amount, transaction_count
         FROM delta.`${out}/fraud_customer_profiles` ORDER BY customer_id",
    )
    .await?;
    assert!(profiles.len() > 1900, "{}", profiles.len());
    assert_eq!(profiles.len(), expected.len());
    for (got, want) in profiles.iter().zip(&expected) {
        assert!(
            got.len() == want.len() && got.iter().zip(want).all(|(a, b)| close(a, b)),
            "{got:?} != {want:?}"
        );
    }
    // The z-score is the seed's: 0 without a positive standard deviation.
    let bad_z = number(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/fraud_features`
         WHERE CASE WHEN stddev_amount > 0
                    THEN abs(amount_zscore - (amount - avg_amount) / stddev_amount) > 1e-9
                    ELSE amount_zscore != 0 END",
    )
    .await?;
    assert_eq!(bad_z, 0.0);

    // One feature row per scoreable payload, with the window features of a brute-force
    // computation over the raw lines.
    let (payloads, lines) = read_stream(&dir.path().join("data/fraud_stream"))?;
    let ids: BTreeSet<&str> = payloads.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), payloads.len(), "transaction ids are unique");
    let features = rows(
        &ctx,
        "SELECT transaction_id, tx_count_1h, tx_amount_1h FROM delta.`${out}/fraud_features`",
    )
    .await?;
    assert_eq!(features.len(), payloads.len());
    let expected_windows = window_features(&payloads);
    for r in &features {
        let (count, amount) = expected_windows
            .get(&r[0])
            .ok_or_else(|| format!("unexpected transaction {}", r[0]))?;
        assert_eq!(r[1].parse::<u64>()?, *count, "{r:?}");
        assert!(
            (r[2].parse::<f64>()? - amount).abs() < 1e-6,
            "{r:?} {amount}"
        );
    }
    let busy = expected_windows.values().filter(|v| v.0 >= 5).count();
    assert!(busy > 100, "{busy}");

    // The run summary accounts for every line, with the planted defect counts.
    let defects: BTreeMap<String, f64> = rows(
        &ctx,
        "SELECT CASE WHEN kind IN ('null_amount', 'null_timestamp') THEN kind
                     ELSE 'malformed' END, count(*)
         FROM delta.`${data}/planted_fraud_stream_defects` GROUP BY 1",
    )
    .await?
    .into_iter()
    .map(|r| Ok((r[0].clone(), r[1].parse::<f64>()?)))
    .collect::<Result<_, Box<dyn std::error::Error>>>()?;
    let summary = rows(
        &ctx,
        "SELECT lines_read, malformed_dropped, null_amount_excluded, null_timestamp_excluded,
                lines_unscored, transactions_scored, alerts, alert_threshold, scoring
         FROM delta.`${out}/fraud_run_summary`",
    )
    .await?;
    let alerts = number(&ctx, "SELECT count(*) FROM delta.`${out}/fraud_alerts`").await?;
    let planted_defects: f64 = defects.values().sum();
    let want = [
        lines as f64,
        defects["malformed"],
        defects["null_amount"],
        defects["null_timestamp"],
        planted_defects,
        payloads.len() as f64,
        alerts,
        0.6,
    ];
    assert_eq!(summary.len(), 1);
    for (got, want) in summary[0].iter().zip(want) {
        assert_eq!(got.parse::<f64>()?, want, "{summary:?}");
    }
    assert_eq!(summary[0][8], "rule-based v1");
    assert!(defects.values().all(|&n| n > 0.0), "{defects:?}");
    assert_eq!(lines as f64, payloads.len() as f64 + planted_defects);
    // The unscored NULL payloads are the planted ones, by transaction id.
    let unscored = rows(
        &ctx,
        "SELECT reason, transaction_id FROM delta.`${out}/fraud_unscored_transactions`
         WHERE reason != 'malformed' ORDER BY 1, 2",
    )
    .await?;
    let planted_nulls = rows(
        &ctx,
        "SELECT kind, transaction_id FROM delta.`${data}/planted_fraud_stream_defects`
         WHERE transaction_id IS NOT NULL ORDER BY 1, 2",
    )
    .await?;
    assert_eq!(unscored, planted_nulls);
    Ok(())
}
