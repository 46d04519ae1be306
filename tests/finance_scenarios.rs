//! Seed scenario 9 (financial transaction processing) on generated data: balances must
//! equal the generator's exact balances, the planted anomalies must be found, every
//! planted bad input row must be rejected (or, for late arrivals, flagged) with its
//! reason, and the per-transaction, daily and monthly figures must equal an independent
//! computation from the raw tables for a sample of accounts.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use common::scenario::{f, i, number, rows, script, setup_only};
use ignis::cli::runner::run_file;
use ignis::generate::DataGroup;
use ignis::IgnisContext;

type Res<T> = Result<T, Box<dyn std::error::Error>>;
type TestResult = Res<()>;

const DAY: i64 = 86_400;
/// Sample accounts: those whose number is a multiple of this.
const SAMPLE_EVERY: u64 = 40;
const TYPES: [&str; 6] = [
    "deposit",
    "credit",
    "refund",
    "withdrawal",
    "debit",
    "payment",
];

/// A DECIMAL(_, 2) cell as whole cents, exactly.
fn cents(cell: &str) -> Res<i64> {
    let (sign, digits) = match cell.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, cell),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    let frac = format!("{frac:0<2}");
    if frac.len() != 2 {
        return Err(format!("not a 2-decimal amount: {cell:?}").into());
    }
    Ok(sign * (i(whole)? * 100 + i(&frac)?))
}

fn opt(cell: &str) -> Option<&str> {
    (cell != "NULL").then_some(cell)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn financial_transactions_on_planted_data() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = setup_only(dir.path(), vec![DataGroup::Finance]).await?;
    run_file(&ctx, &script("09_financial_transactions.sql"), None).await?;

    bad_input_is_accounted_for(&ctx).await?;
    balances_match_planted(&ctx).await?;
    planted_anomalies_are_found(&ctx).await?;
    daily_windows_are_aligned_and_complete(&ctx).await?;

    let sample = Sample::load(&ctx).await?;
    sample.running_balances(&ctx).await?;
    sample.anomaly_rule(&ctx).await?;
    sample.daily_spend(&ctx).await?;
    sample.monthly_and_top_categories(&ctx).await?;
    Ok(())
}

/// Every planted bad row is rejected with its reason and nothing else is; the summary
/// counts add up; late arrivals are kept and flagged.
async fn bad_input_is_accounted_for(ctx: &IgnisContext) -> TestResult {
    let planted: BTreeSet<(String, String)> = rows(
        ctx,
        "SELECT transaction_id, reason FROM delta.`${data}/planted_fin_bad_input`",
    )
    .await?
    .into_iter()
    .map(|r| (r[0].clone(), r[1].clone()))
    .collect();
    let planted_rejects: BTreeSet<(String, String)> = planted
        .iter()
        .filter(|(_, reason)| reason != "out_of_order")
        .cloned()
        .collect();
    let rejected: BTreeSet<(String, String)> = rows(
        ctx,
        "SELECT transaction_id, reject_reason FROM delta.`${out}/fin_rejected_transactions`",
    )
    .await?
    .into_iter()
    .map(|r| (r[0].clone(), r[1].clone()))
    .collect();
    assert_eq!(rejected, planted_rejects);

    let mut planted_counts: BTreeMap<String, i64> = BTreeMap::new();
    for (_, reason) in &planted {
        *planted_counts.entry(reason.clone()).or_default() += 1;
    }
    println!("planted bad input: {planted_counts:?}");
    for reason in [
        "null_timestamp",
        "null_amount",
        "invalid_amount",
        "unknown_account",
        "unknown_currency",
        "unknown_transaction_type",
        "out_of_order",
    ] {
        assert!(
            planted_counts.get(reason).copied().unwrap_or(0) >= 40,
            "{reason}: {planted_counts:?}"
        );
    }

    let summary: BTreeMap<String, i64> = rows(
        ctx,
        "SELECT item, row_count FROM delta.`${out}/fin_input_summary`",
    )
    .await?
    .into_iter()
    .map(|r| Ok((r[0].clone(), i(&r[1])?)))
    .collect::<Res<_>>()?;
    for (reason, n) in &planted_counts {
        assert_eq!(summary.get(reason), Some(n), "{reason}: {summary:?}");
    }
    let input = number(ctx, "SELECT count(*) FROM delta.`${data}/fin_transactions`").await? as i64;
    let accepted = number(
        ctx,
        "SELECT count(*) FROM delta.`${out}/enriched_transactions`",
    )
    .await? as i64;
    assert_eq!(summary["input_rows"], input);
    assert_eq!(summary["accepted_rows"], accepted);
    assert_eq!(input, accepted + planted_rejects.len() as i64);
    for check in [
        "without_historical_stats",
        "duplicate_account_ids",
        "duplicate_currency_codes",
    ] {
        assert_eq!(summary.get(check), Some(&0), "{check}: {summary:?}");
    }

    // Late arrivals: kept and flagged, exactly the planted ones.
    let late: BTreeSet<String> = rows(
        ctx,
        "SELECT transaction_id FROM delta.`${out}/enriched_transactions`
         WHERE arrived_out_of_order",
    )
    .await?
    .into_iter()
    .map(|r| r[0].clone())
    .collect();
    let planted_late: BTreeSet<String> = planted
        .iter()
        .filter(|(_, reason)| reason == "out_of_order")
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(late, planted_late);
    Ok(())
}

/// Current balances equal the generator's exact decimal balances, and each account's
/// last running balance is its current balance.
async fn balances_match_planted(ctx: &IgnisContext) -> TestResult {
    let planted: BTreeMap<String, Vec<String>> = rows(
        ctx,
        "SELECT account_id, starting_balance, expected_balance, transaction_count,
                last_transaction_time
         FROM delta.`${data}/planted_fin_balances`",
    )
    .await?
    .into_iter()
    .map(|r| (r[0].clone(), r[1..].to_vec()))
    .collect();
    let found: BTreeMap<String, Vec<String>> = rows(
        ctx,
        "SELECT account_id, starting_balance, current_balance, transaction_count,
                last_transaction_time
         FROM delta.`${out}/current_account_balances`",
    )
    .await?
    .into_iter()
    .map(|r| (r[0].clone(), r[1..].to_vec()))
    .collect();
    assert_eq!(found.len(), 10_000);
    assert_eq!(found.len(), planted.len());
    for (account, p) in &planted {
        let c = found
            .get(account)
            .ok_or_else(|| format!("{account} has no balance"))?;
        assert_eq!(cents(&c[0])?, cents(&p[0])?, "{account}: starting balance");
        assert_eq!(cents(&c[1])?, cents(&p[1])?, "{account}: balance");
        assert_eq!(c[2..], p[2..], "{account}: count, last transaction time");
    }
    // Dormant accounts have a row too.
    assert!(planted.values().any(|p| p[2] == "0"), "no dormant account");

    let mismatched = number(
        ctx,
        "SELECT count(*) FROM delta.`${out}/current_account_balances` c
         JOIN (SELECT account_id, balance_after,
                      row_number() OVER (PARTITION BY account_id
                                         ORDER BY \"timestamp\" DESC, transaction_id DESC) AS rn
               FROM delta.`${out}/enriched_transactions`) e
           ON c.account_id = e.account_id AND e.rn = 1
         WHERE c.current_balance != e.balance_after",
    )
    .await?;
    assert_eq!(mismatched, 0.0);
    Ok(())
}

/// Recall of the planted anomalies (overall and per kind, each by its own flag) and the
/// precision of the intended rule.
async fn planted_anomalies_are_found(ctx: &IgnisContext) -> TestResult {
    let planted: HashMap<String, String> = rows(
        ctx,
        "SELECT transaction_id, kind FROM delta.`${data}/planted_fin_anomalies`",
    )
    .await?
    .into_iter()
    .map(|r| (r[0].clone(), r[1].clone()))
    .collect();
    let flagged: HashMap<String, [bool; 3]> = rows(
        ctx,
        "SELECT transaction_id, amount_flag, location_flag, frequency_flag, is_anomalous
         FROM delta.`${out}/anomalous_transactions`",
    )
    .await?
    .into_iter()
    .map(|r| {
        assert_eq!(r[4], "1", "{r:?}");
        (
            r[0].clone(),
            [r[1] == "true", r[2] == "true", r[3] == "true"],
        )
    })
    .collect();
    let mut per_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (id, kind) in &planted {
        let flag = match kind.as_str() {
            "amount" => 0,
            "location" => 1,
            "frequency" => 2,
            other => return Err(format!("unknown kind {other}").into()),
        };
        let e = per_kind.entry(kind.as_str()).or_default();
        e.0 += 1;
        e.1 += usize::from(flagged.get(id).is_some_and(|f| f[flag]));
    }
    let found = planted
        .keys()
        .filter(|id| flagged.contains_key(*id))
        .count();
    let recall = found as f64 / planted.len() as f64;
    let precision = found as f64 / flagged.len() as f64;
    let accepted = number(
        ctx,
        "SELECT count(*) FROM delta.`${out}/enriched_transactions`",
    )
    .await?;
    let false_positive_rate = (flagged.len() - found) as f64 / (accepted - planted.len() as f64);
    println!(
        "anomalies: planted {}, flagged {}, both {found}: recall {recall:.4}, \
         precision {precision:.4}, false-positive rate {false_positive_rate:.5}; \
         per kind (planted, found by its flag): {per_kind:?}",
        planted.len(),
        flagged.len()
    );
    assert!(planted.len() >= 2_000, "{}", planted.len());
    assert!(recall >= 0.9, "recall {recall}");
    for (kind, (n, hit)) in &per_kind {
        assert!(*n >= 300, "{kind}: {n} planted");
        assert!(*hit as f64 >= 0.9 * *n as f64, "{kind}: {hit} of {n}");
    }
    // The rule is not "flag everything": most flags are planted.
    assert!(precision >= 0.6, "precision {precision}");
    Ok(())
}

/// Daily windows are epoch-aligned UTC days, and their counts and spend add up to the
/// accepted debit and payment transactions.
async fn daily_windows_are_aligned_and_complete(ctx: &IgnisContext) -> TestResult {
    let misaligned = number(
        ctx,
        "SELECT count(*) FROM delta.`${out}/spending_patterns`
         WHERE to_unixtime(\"window\".start) % 86400 != 0
            OR to_unixtime(\"window\".end) - to_unixtime(\"window\".start) != 86400",
    )
    .await?;
    assert_eq!(misaligned, 0.0);
    let windows = rows(
        ctx,
        "SELECT sum(transaction_count), sum(daily_spend) FROM delta.`${out}/spending_patterns`",
    )
    .await?;
    let spend = rows(
        ctx,
        "SELECT count(*), sum(amount_usd) FROM delta.`${out}/enriched_transactions`
         WHERE transaction_type IN ('debit', 'payment')",
    )
    .await?;
    assert_eq!(windows, spend);
    // The same count from the raw input: spend rows minus rejected spend rows.
    let raw = number(
        ctx,
        "SELECT (SELECT count(*) FROM delta.`${data}/fin_transactions`
                 WHERE transaction_type IN ('debit', 'payment'))
              - (SELECT count(*) FROM delta.`${out}/fin_rejected_transactions`
                 WHERE transaction_type IN ('debit', 'payment'))",
    )
    .await?;
    assert_eq!(i(&windows[0][0])?, raw as i64);
    Ok(())
}

/// One raw transaction row.
#[derive(Debug, Clone)]
struct Tx {
    id: String,
    account: String,
    tx_type: Option<String>,
    amount: Option<f64>,
    currency: Option<String>,
    secs: Option<i64>,
    merchant: Option<String>,
    category: String,
    location: String,
}

/// An accepted transaction, converted independently of the script.
#[derive(Debug, Clone)]
struct Accepted {
    tx: Tx,
    secs: i64,
    usd_cents: i64,
    sign: i64,
}

/// The raw input of the sample accounts and their independent processing.
struct Sample {
    accepted: Vec<Accepted>,
    starting: HashMap<String, i64>,
    /// (account, category) -> (avg, stddev, usual location, avg daily transactions)
    stats: HashMap<(String, String), (f64, f64, String, f64)>,
}

/// `SAMPLE_EVERY`-th accounts, as a SQL condition on `account_id`.
fn sample_filter(column: &str) -> String {
    format!("CAST(substr({column}, 4) AS BIGINT) % {SAMPLE_EVERY} = 0")
}

impl Sample {
    async fn load(ctx: &IgnisContext) -> Res<Sample> {
        let starting: HashMap<String, i64> = rows(
            ctx,
            &format!(
                "SELECT account_id, starting_balance FROM delta.`${{data}}/fin_accounts`
                 WHERE {}",
                sample_filter("account_id")
            ),
        )
        .await?
        .into_iter()
        .map(|r| Ok((r[0].clone(), (f(&r[1])? * 100.0).round() as i64)))
        .collect::<Res<_>>()?;
        let accounts: HashSet<String> = starting.keys().cloned().collect();
        assert_eq!(accounts.len(), (10_000 / SAMPLE_EVERY) as usize);
        let rates: HashMap<String, i64> = rows(
            ctx,
            "SELECT currency_code, usd_rate FROM delta.`${data}/exchange_rates`",
        )
        .await?
        .into_iter()
        .map(|r| Ok((r[0].clone(), (f(&r[1])? * 1e6).round() as i64)))
        .collect::<Res<_>>()?;
        let stats = rows(
            ctx,
            &format!(
                "SELECT account_id, merchant_category, avg_amount, stddev_amount,
                        usual_location, avg_daily_transactions
                 FROM delta.`${{data}}/fin_historical_stats` WHERE {}",
                sample_filter("account_id")
            ),
        )
        .await?
        .into_iter()
        .map(|r| {
            Ok((
                (r[0].clone(), r[1].clone()),
                (f(&r[2])?, f(&r[3])?, r[4].clone(), f(&r[5])?),
            ))
        })
        .collect::<Res<_>>()?;
        // Rows of the sample accounts, and of unknown accounts whose number would be.
        let raw = rows(
            ctx,
            &format!(
                "SELECT transaction_id, coalesce(account_id, 'NULL'), transaction_type,
                        CAST(amount AS VARCHAR), currency, to_unixtime(\"timestamp\"),
                        merchant_id, merchant_category, location
                 FROM delta.`${{data}}/fin_transactions`
                 WHERE {} OR account_id IS NULL",
                sample_filter("account_id")
            ),
        )
        .await?;
        let planted_bad: HashSet<String> = rows(
            ctx,
            "SELECT transaction_id FROM delta.`${data}/planted_fin_bad_input`
             WHERE reason != 'out_of_order'",
        )
        .await?
        .into_iter()
        .map(|r| r[0].clone())
        .collect();

        let mut accepted = Vec::new();
        let mut rejected = 0;
        for r in raw {
            let tx = Tx {
                id: r[0].clone(),
                account: r[1].clone(),
                tx_type: opt(&r[2]).map(str::to_string),
                amount: opt(&r[3]).map(f).transpose()?,
                currency: opt(&r[4]).map(str::to_string),
                secs: opt(&r[5]).map(i).transpose()?,
                merchant: opt(&r[6]).map(str::to_string),
                category: r[7].clone(),
                location: r[8].clone(),
            };
            // The documented acceptance rules, applied independently.
            let sign = match tx.tx_type.as_deref() {
                Some("deposit" | "credit" | "refund") => Some(1),
                Some("withdrawal" | "debit" | "payment") => Some(-1),
                _ => None,
            };
            let rate = tx.currency.as_ref().and_then(|c| rates.get(c)).copied();
            let ok = match (tx.secs, tx.amount, rate, sign) {
                (Some(secs), Some(x), Some(rate), Some(sign))
                    if x.is_finite() && x > 0.0 && accounts.contains(&tx.account) =>
                {
                    let amount_cents = (x * 100.0).round() as i128;
                    let p = amount_cents * i128::from(rate);
                    let usd_cents = ((p + 500_000) / 1_000_000) as i64;
                    Some(Accepted {
                        tx: tx.clone(),
                        secs,
                        usd_cents,
                        sign,
                    })
                }
                _ => None,
            };
            assert_eq!(ok.is_none(), planted_bad.contains(&tx.id), "{tx:?}");
            match ok {
                Some(a) => accepted.push(a),
                None => rejected += 1,
            }
        }
        assert!(rejected > 0 && accepted.len() > 4_000);
        assert!(TYPES
            .iter()
            .all(|t| accepted.iter().any(|a| a.tx.tx_type.as_deref() == Some(*t))));
        Ok(Sample {
            accepted,
            starting,
            stats,
        })
    }

    /// Running balances in (timestamp, transaction_id) order, and the arrival-order flag.
    async fn running_balances(&self, ctx: &IgnisContext) -> TestResult {
        let script: HashMap<String, (i64, i64, bool)> = rows(
            ctx,
            &format!(
                "SELECT transaction_id, amount_usd, balance_after, arrived_out_of_order
                 FROM delta.`${{out}}/enriched_transactions` WHERE {}",
                sample_filter("account_id")
            ),
        )
        .await?
        .into_iter()
        .map(|r| Ok((r[0].clone(), (cents(&r[1])?, cents(&r[2])?, r[3] == "true"))))
        .collect::<Res<_>>()?;
        assert_eq!(script.len(), self.accepted.len());
        let mut by_account: BTreeMap<&str, Vec<&Accepted>> = BTreeMap::new();
        for a in &self.accepted {
            by_account.entry(&a.tx.account).or_default().push(a);
        }
        let mut late = 0;
        for (account, mut txs) in by_account {
            // Arrival order: transaction_id.
            txs.sort_by(|a, b| a.tx.id.cmp(&b.tx.id));
            let mut max_secs = None;
            for a in &txs {
                let expected_late = max_secs.is_some_and(|m| a.secs < m);
                late += usize::from(expected_late);
                assert_eq!(script[&a.tx.id].2, expected_late, "{:?}", a.tx);
                max_secs = max_secs.max(Some(a.secs));
            }
            // Event order: timestamp, then transaction_id.
            txs.sort_by(|a, b| (a.secs, &a.tx.id).cmp(&(b.secs, &b.tx.id)));
            let mut balance = self.starting[account];
            for a in &txs {
                balance += a.sign * a.usd_cents;
                let (usd, after, _) = script[&a.tx.id];
                assert_eq!(usd, a.usd_cents, "{:?}", a.tx);
                assert_eq!(after, balance, "{:?}", a.tx);
            }
        }
        assert!(late > 0, "the sample holds no late arrival");
        Ok(())
    }

    /// The intended anomaly rule recomputed for every accepted sample transaction.
    async fn anomaly_rule(&self, ctx: &IgnisContext) -> TestResult {
        let mut per_day: HashMap<(&str, &str, i64), i64> = HashMap::new();
        for a in &self.accepted {
            *per_day
                .entry((&a.tx.account, &a.tx.category, a.secs.div_euclid(DAY)))
                .or_default() += 1;
        }
        let mut expected = BTreeSet::new();
        for a in &self.accepted {
            let key = (a.tx.account.clone(), a.tx.category.clone());
            let Some((avg, sd, usual, daily)) = self.stats.get(&key) else {
                continue;
            };
            let usd = a.usd_cents as f64 / 100.0;
            let z = if *sd > 0.0 { (usd - avg) / sd } else { 0.0 };
            let count = per_day[&(
                a.tx.account.as_str(),
                a.tx.category.as_str(),
                a.secs.div_euclid(DAY),
            )];
            if z > 3.0 || a.tx.location != *usual || count as f64 > daily * 2.0 {
                expected.insert(a.tx.id.clone());
            }
        }
        let found: BTreeSet<String> = rows(
            ctx,
            &format!(
                "SELECT transaction_id FROM delta.`${{out}}/anomalous_transactions` WHERE {}",
                sample_filter("account_id")
            ),
        )
        .await?
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
        assert!(expected.len() > 50, "{}", expected.len());
        assert_eq!(found, expected);
        Ok(())
    }

    fn spend(&self) -> impl Iterator<Item = &Accepted> {
        self.accepted
            .iter()
            .filter(|a| matches!(a.tx.tx_type.as_deref(), Some("debit" | "payment")))
    }

    /// Daily spend per account, category and UTC day.
    async fn daily_spend(&self, ctx: &IgnisContext) -> TestResult {
        let mut expected: BTreeMap<(String, String, i64), (i64, i64)> = BTreeMap::new();
        for a in self.spend() {
            let e = expected
                .entry((
                    a.tx.account.clone(),
                    a.tx.category.clone(),
                    a.secs.div_euclid(DAY) * DAY,
                ))
                .or_default();
            e.0 += a.usd_cents;
            e.1 += 1;
        }
        let found: BTreeMap<(String, String, i64), (i64, i64)> = rows(
            ctx,
            &format!(
                "SELECT account_id, merchant_category, to_unixtime(\"window\".start),
                        daily_spend, transaction_count
                 FROM delta.`${{out}}/spending_patterns` WHERE {}",
                sample_filter("account_id")
            ),
        )
        .await?
        .into_iter()
        .map(|r| {
            Ok((
                (r[0].clone(), r[1].clone(), i(&r[2])?),
                (cents(&r[3])?, i(&r[4])?),
            ))
        })
        .collect::<Res<_>>()?;
        assert_eq!(found, expected);
        Ok(())
    }

    /// Monthly summaries and the top 3 categories (rank with ties) per account-month.
    async fn monthly_and_top_categories(&self, ctx: &IgnisContext) -> TestResult {
        type Month = (String, String);
        let month_of = |secs: i64| -> Res<String> {
            let t = chrono::DateTime::from_timestamp(secs, 0).ok_or("bad timestamp")?;
            Ok(t.format("%Y-%m").to_string())
        };
        let mut totals: BTreeMap<Month, (i64, i64, BTreeSet<String>, BTreeSet<String>)> =
            BTreeMap::new();
        let mut per_category: BTreeMap<Month, BTreeMap<String, i64>> = BTreeMap::new();
        for a in self.spend() {
            let key = (a.tx.account.clone(), month_of(a.secs)?);
            let t = totals.entry(key.clone()).or_default();
            t.0 += a.usd_cents;
            t.1 += 1;
            if let Some(m) = &a.tx.merchant {
                t.2.insert(m.clone());
            }
            t.3.insert(a.tx.category.clone());
            *per_category
                .entry(key)
                .or_default()
                .entry(a.tx.category.clone())
                .or_default() += a.usd_cents;
        }
        let expected: BTreeMap<Month, [i64; 4]> = totals
            .into_iter()
            .map(|(k, t)| (k, [t.0, t.1, t.2.len() as i64, t.3.len() as i64]))
            .collect();
        let found: BTreeMap<Month, [i64; 4]> = rows(
            ctx,
            &format!(
                "SELECT account_id, year_month, total_spend, transaction_count,
                        unique_merchants, unique_categories
                 FROM delta.`${{out}}/monthly_spending_summaries` WHERE {}",
                sample_filter("account_id")
            ),
        )
        .await?
        .into_iter()
        .map(|r| {
            Ok((
                (r[0].clone(), r[1].clone()),
                [cents(&r[2])?, i(&r[3])?, i(&r[4])?, i(&r[5])?],
            ))
        })
        .collect::<Res<_>>()?;
        assert_eq!(found, expected);
        assert!(found.keys().any(|(_, m)| m == "2024-03"));

        let mut expected_top = BTreeSet::new();
        for ((account, month), categories) in &per_category {
            for (category, spend) in categories {
                let rank = 1 + categories.values().filter(|s| *s > spend).count() as i64;
                if rank <= 3 {
                    expected_top.insert((
                        account.clone(),
                        month.clone(),
                        category.clone(),
                        *spend,
                        rank,
                    ));
                }
            }
        }
        let found_top: BTreeSet<(String, String, String, i64, i64)> = rows(
            ctx,
            &format!(
                "SELECT account_id, year_month, merchant_category, category_spend, \"rank\"
                 FROM delta.`${{out}}/top_spending_categories` WHERE {}",
                sample_filter("account_id")
            ),
        )
        .await?
        .into_iter()
        .map(|r| {
            Ok((
                r[0].clone(),
                r[1].clone(),
                r[2].clone(),
                cents(&r[3])?,
                i(&r[4])?,
            ))
        })
        .collect::<Res<_>>()?;
        assert_eq!(found_top, expected_top);
        // Most account-months have more than 3 categories, so the cut matters.
        let cut = per_category.values().filter(|c| c.len() > 3).count();
        assert!(cut > 100, "{cut}");
        Ok(())
    }
}
