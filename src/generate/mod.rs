//! Deterministic sample data for Ignis (`ignis generate --out DIR --scale N --seed S`).
//!
//! Produces a small retail data set (customers, products, orders, transactions and
//! the ground-truth `bundles` table) as Delta tables, JSON-lines application logs
//! and the ground-truth `planted_log_anomalies` Delta table, and a graph (`entities`
//! and `relationships` Delta tables). The three groups can be generated separately
//! ([`GenerateOptions::only`], `ignis generate --only retail,logs,graph`), and the
//! data quality tables `dq_customers` and `dq_orders` with defects planted at exact
//! counts, their ground truth `dq_planted_defects` and the rules file
//! `data_quality_rules.json` (group `quality`, see [`quality`]). Every table
//! contains *planted* structure with a known answer so that the bundled SQL scripts
//! (RFM segmentation, market-basket analysis, log anomaly detection, graph analysis)
//! can be checked:
//!
//! * `customers.planted_segment` is the segment each customer was simulated from
//!   (see [`retail`] for the RFM/age profile of each segment).
//! * `bundles` lists the product sets that are bought together far more often than
//!   chance (see [`retail`]).
//! * `planted_log_anomalies` lists the `(service, hour)` windows whose error rate was
//!   raised (see [`logs`]).
//! * `planted_customer_changes` says which rows of the SCD2 update batches are new,
//!   changed (and in which column, NULL to value and back included) or unchanged
//!   (see [`dimensions`]).
//! * `entities.planted_community` / `entities.planted_role` give each vertex's planted
//!   community (dense blocks of 50–400 vertices that label propagation recovers),
//!   hub (Zipf-popular targets: the top PageRank vertices), satellite component
//!   (small components of 3–20 vertices that connected components finds) or
//!   isolated vertex (no edges); `relationships` also holds a few self loops and exact
//!   duplicate rows (≈0.05 % each) (see [`graph`]).
//! * `planted_late_suppliers` lists the suppliers that deliver late most of the time,
//!   `planted_stock_status` the stock status (CRITICAL, REORDER, OVERSTOCKED, OPTIMAL)
//!   each `(product, warehouse)` of `sc_inventory` was planted with, and
//!   `planted_sc_demand` the expected monthly demand per product (see [`supply_chain`]).
//! * `planted_ts_anomalies` lists the isolated spikes and dips planted in the hourly
//!   `time_series` (daily and weekly seasonality, trend, noise), each 7–10 standard
//!   deviations of seasonality plus noise, 3–5 days apart (see [`timeseries`]).
//! * `planted_sensor_faults` lists the 5-minute windows in which a machine's mean
//!   temperature, vibration and/or pressure in `sensor_readings` leave its
//!   `operating_thresholds` (one sensor: MEDIUM, more: HIGH; no other window crosses);
//!   `historical_sensor_data` degrades before each of the `maintenance_events`; the
//!   JSON-lines `sensor_stream/` holds the out-of-range readings of
//!   `planted_sensor_anomalies`, the error bursts of `planted_device_errors` and the
//!   malformed lines of `planted_stream_malformed` (see [`sensors`]).
//! * `planted_fraud` lists the card transactions of the JSON-lines `fraud_stream/`
//!   that are fraud: bursts (5–10 purchases within 45 minutes), outsized amounts
//!   (5–15 standard deviations above the customer's `fraud_historical_transactions`)
//!   and purchases in a city the customer never used; legitimate travel, sprees and
//!   large purchases make false positives possible. `planted_fraud_stream_defects`
//!   lists the stream's malformed lines and NULL amounts/timestamps (see [`fraud`]).
//! * `planted_web_sessions` gives each `web_events` session its user's planted
//!   behaviour segment (bouncer, browser, cart_abandoner, buyer), the furthest funnel
//!   stage it reached in order (product view → add to cart → cart view → checkout →
//!   purchase, about 100 / 30 / 26 / 15 / 11 %) and its counts of NULL-timestamp and
//!   late-arriving events (see [`clickstream`]).
//! * `planted_fin_anomalies` lists the `fin_transactions` with an outsized amount
//!   (6–12 standard deviations above `fin_historical_stats`), an unusual location or a
//!   burst of 4–8 purchases in one category and day; `planted_fin_bad_input` every row
//!   with a NULL timestamp or amount, an invalid amount, an unknown account, currency
//!   or transaction type, or a late (out-of-order) arrival; `planted_fin_balances` each
//!   account's exact final balance in USD (see [`finance`]).
//! * `planted_posts` gives each of the `social_posts` its planted sentiment, brand and
//!   whether it belongs to the planted Globex outage (two hours of negative posts);
//!   `planted_documents` gives each of the `text_data` documents its planted topic (10
//!   topics with 20 words each, `planted_topic_terms`) and sentiment (see [`text`]).
//!
//! Output is a pure function of `(scale, seed)`: no wall-clock time is used, every
//! table and every chunk draws from its own ChaCha8 sub-stream derived from the seed,
//! so the chunk size never changes the data. Big tables are generated and written in
//! bounded-size record batches (one Delta commit per table), so memory stays flat
//! regardless of `scale`.

mod clickstream;
mod delta_writer;
mod dimensions;
mod etl;
mod finance;
mod fraud;
mod graph;
mod logs;
mod quality;
mod retail;
mod sensors;
mod supply_chain;
mod text;
mod timeseries;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use deltalake::arrow::error::ArrowError;
use deltalake::datafusion::error::DataFusionError;
use deltalake::DeltaTableError;

/// Options for [`generate`].
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Output directory; created if missing. Tables are written to `out/<table>`.
    pub out: PathBuf,
    /// Size multiplier: scale 1 is roughly 100k transactions and 100k log lines.
    pub scale: u32,
    /// Random seed; the same `(scale, seed)` always yields the same data.
    pub seed: u64,
    /// Table groups to write; empty means all of them. Each group's data does not
    /// depend on which other groups are written.
    pub only: Vec<DataGroup>,
}

impl GenerateOptions {
    /// Whether `group` is written with these options.
    pub fn includes(&self, group: DataGroup) -> bool {
        self.only.is_empty() || self.only.contains(&group)
    }
}

/// A group of tables that [`generate`] can write on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataGroup {
    /// `customers`, `products`, `orders`, `transactions`, `bundles`.
    Retail,
    /// `application_logs` (JSON lines) and `planted_log_anomalies`.
    Logs,
    /// `entities` and `relationships`.
    Graph,
    /// `dq_customers`, `dq_orders`, `dq_planted_defects`, `data_quality_rules.json`.
    Quality,
    /// `customer_updates_initial`, `customer_updates_batch1`, `customer_updates_batch2`,
    /// `planted_customer_changes` (SCD type 2 sources).
    Dimensions,
    /// `etl_sources/`: `customers.csv`, `orders.jsonl` (with planted malformed lines),
    /// `products.parquet`, the Delta tables `inventory` and `planted_etl_malformed`
    /// (seed scenario 13, see [`etl`]).
    Etl,
    /// `time_series` (hourly series with trend, daily and weekly seasonality) and
    /// `planted_ts_anomalies` (seed scenario 18, see [`timeseries`]).
    TimeSeries,
    /// IoT sensors (seed scenarios 5 and 14, see [`sensors`]).
    Sensors,
    /// Supply chain tables (seed scenario 7, see [`supply_chain`]).
    SupplyChain,
    /// Card transactions with planted fraud (seed scenario 2, see [`fraud`]).
    Fraud,
    /// Accounts, exchange rates and transactions (seed scenario 9, see [`finance`]).
    Finance,
    /// Website sessions and click events (seed scenario 10, see [`clickstream`]).
    Clickstream,
    /// Social media posts, keyword tables and text documents (seed scenarios 6 and 19,
    /// see [`text`]).
    Text,
}

impl DataGroup {
    /// Every group, in generation order.
    pub const ALL: [DataGroup; 13] = [
        DataGroup::Retail,
        DataGroup::Logs,
        DataGroup::Graph,
        DataGroup::Quality,
        DataGroup::Dimensions,
        DataGroup::Etl,
        DataGroup::TimeSeries,
        DataGroup::Sensors,
        DataGroup::SupplyChain,
        DataGroup::Fraud,
        DataGroup::Finance,
        DataGroup::Clickstream,
        DataGroup::Text,
    ];

    /// The group's name as accepted by `ignis generate --only`.
    pub fn name(self) -> &'static str {
        match self {
            DataGroup::Retail => "retail",
            DataGroup::Logs => "logs",
            DataGroup::Graph => "graph",
            DataGroup::Quality => "quality",
            DataGroup::Dimensions => "dimensions",
            DataGroup::Etl => "etl",
            DataGroup::TimeSeries => "timeseries",
            DataGroup::Sensors => "sensors",
            DataGroup::SupplyChain => "supply_chain",
            DataGroup::Fraud => "fraud",
            DataGroup::Finance => "finance",
            DataGroup::Clickstream => "clickstream",
            DataGroup::Text => "text",
        }
    }
}

impl fmt::Display for DataGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DataGroup {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        DataGroup::ALL
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!(
                    "unknown data group '{s}': use retail, logs, graph, quality, dimensions, etl, timeseries, sensors, supply_chain, fraud, finance, clickstream or text"
                )
            })
    }
}

/// One generated table (or, for `application_logs`, one directory of JSON-lines files;
/// for `data_quality_rules.json`, one file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSummary {
    /// Table name (the directory name under the output directory).
    pub name: String,
    /// Number of rows (lines for `application_logs`, including malformed ones; checks
    /// for `data_quality_rules.json`).
    pub rows: u64,
    /// Location of the table.
    pub path: PathBuf,
}

/// Errors raised while generating sample data.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// `--scale` must be at least 1.
    #[error("invalid scale {0}: scale must be at least 1")]
    InvalidScale(u32),
    /// `--scale` is so large that row counts overflow.
    #[error("scale {0} is too large")]
    ScaleTooLarge(u32),
    /// The output path cannot be turned into a table URL.
    #[error("invalid output path '{}': cannot be used as a table location", .0.display())]
    InvalidPath(PathBuf),
    /// Reading or writing local files failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Writing a Delta table failed.
    #[error("Delta Lake error: {0}")]
    Delta(#[from] DeltaTableError),
    /// Building Arrow record batches failed.
    #[error("Arrow error: {0}")]
    Arrow(#[from] ArrowError),
    /// Planning the DataFusion input of a Delta write failed.
    #[error("DataFusion error: {0}")]
    DataFusion(#[from] DataFusionError),
}

/// Generate all sample tables under `opts.out`.
///
/// Existing tables at the target paths are overwritten (one Delta commit with
/// `SaveMode::Overwrite` per table), so re-running with the same options is
/// idempotent. `progress` receives short human-readable status lines.
pub async fn generate(
    opts: &GenerateOptions,
    progress: &dyn Fn(&str),
) -> Result<Vec<TableSummary>, GenerateError> {
    if opts.scale == 0 {
        return Err(GenerateError::InvalidScale(opts.scale));
    }
    std::fs::create_dir_all(&opts.out)?;
    let root = std::fs::canonicalize(&opts.out)?;
    let mut summaries = Vec::new();

    if opts.includes(DataGroup::Retail) {
        progress("preparing retail model (customers, products, order plans)");
        let ctx = retail::RetailContext::new(opts.seed, opts.scale)?;
        for table in retail::RetailTable::ALL {
            let name = table.name();
            let location = root.join(name);
            let rows = ctx.write_table(table, &location, progress).await?;
            summaries.push(summary(&opts.out, name, rows));
        }
    }

    if opts.includes(DataGroup::Logs) {
        let log_rows =
            logs::write_logs(opts.seed, opts.scale, &root.join(logs::LOGS_DIR), progress)?;
        summaries.push(summary(&opts.out, logs::LOGS_DIR, log_rows));
        let anomalies =
            logs::write_anomalies_table(opts.seed, &root.join(logs::ANOMALIES_TABLE), progress)
                .await?;
        summaries.push(summary(&opts.out, logs::ANOMALIES_TABLE, anomalies));
    }

    if opts.includes(DataGroup::Graph) {
        progress("preparing graph layout (communities, hubs, satellite components)");
        let ctx = graph::GraphContext::new(opts.seed, opts.scale)?;
        for table in graph::GraphTable::ALL {
            let name = table.name();
            let location = root.join(name);
            let rows = ctx.write_table(table, &location, progress).await?;
            summaries.push(summary(&opts.out, name, rows));
        }
    }

    if opts.includes(DataGroup::Quality) {
        let ctx = quality::QualityContext::new(opts.seed, opts.scale)?;
        for table in quality::QualityTable::ALL {
            let name = table.name();
            let rows = ctx.write_table(table, &root.join(name), progress).await?;
            summaries.push(summary(&opts.out, name, rows));
        }
        let checks = ctx.write_rules(&root.join(quality::RULES_FILE), progress)?;
        summaries.push(summary(&opts.out, quality::RULES_FILE, checks));
    }

    if opts.includes(DataGroup::Dimensions) {
        for (name, rows) in
            dimensions::write_dimensions(opts.seed, opts.scale, &root, progress).await?
        {
            summaries.push(summary(&opts.out, name, rows));
        }
    }
    if opts.includes(DataGroup::Etl) {
        for (name, rows) in etl::write_etl(opts.seed, opts.scale, &root, progress).await? {
            summaries.push(summary(&opts.out, &name, rows));
        }
    }
    if opts.includes(DataGroup::TimeSeries) {
        for (name, rows) in
            timeseries::write_timeseries(opts.seed, opts.scale, &root, progress).await?
        {
            summaries.push(summary(&opts.out, &name, rows));
        }
    }
    if opts.includes(DataGroup::Sensors) {
        for (name, rows) in sensors::write_sensors(opts.seed, opts.scale, &root, progress).await? {
            summaries.push(summary(&opts.out, &name, rows));
        }
    }
    if opts.includes(DataGroup::SupplyChain) {
        for (name, rows) in
            supply_chain::write_supply_chain(opts.seed, opts.scale, &root, progress).await?
        {
            summaries.push(summary(&opts.out, &name, rows));
        }
    }
    if opts.includes(DataGroup::Fraud) {
        for (name, rows) in fraud::write_fraud(opts.seed, opts.scale, &root, progress).await? {
            summaries.push(summary(&opts.out, &name, rows));
        }
    }
    if opts.includes(DataGroup::Finance) {
        for (name, rows) in finance::write_finance(opts.seed, opts.scale, &root, progress).await? {
            summaries.push(summary(&opts.out, &name, rows));
        }
    }
    if opts.includes(DataGroup::Clickstream) {
        for (name, rows) in
            clickstream::write_clickstream(opts.seed, opts.scale, &root, progress).await?
        {
            summaries.push(summary(&opts.out, &name, rows));
        }
    }
    if opts.includes(DataGroup::Text) {
        for (name, rows) in text::write_text(opts.seed, opts.scale, &root, progress).await? {
            summaries.push(summary(&opts.out, &name, rows));
        }
    }
    Ok(summaries)
}

fn summary(out: &Path, name: &str, rows: u64) -> TableSummary {
    TableSummary {
        name: name.to_string(),
        rows,
        path: out.join(name),
    }
}

/// Sub-stream tags: each table/purpose gets its own family of random streams.
mod tag {
    pub const SEGMENT: u64 = 1;
    pub const CUSTOMER: u64 = 2;
    pub const ACTIVITY: u64 = 3;
    pub const CATALOG: u64 = 4;
    pub const LOG_HOUR: u64 = 5;
    pub const LOG_PLAN: u64 = 6;
    pub const GRAPH_LAYOUT: u64 = 7;
    pub const GRAPH_ENTITY: u64 = 8;
    pub const GRAPH_EDGE: u64 = 9;
    pub const GRAPH_COMPONENT: u64 = 10;
    pub const DIMENSION: u64 = 12;
    pub const SENSOR_MACHINE: u64 = 30;
    pub const SENSOR_READING: u64 = 31;
    pub const SENSOR_HISTORY: u64 = 32;
    pub const SENSOR_STREAM_PLAN: u64 = 33;
    pub const SENSOR_STREAM_DEVICE: u64 = 34;
    pub const SENSOR_STREAM_EVENT: u64 = 35;
    pub const SENSOR_STREAM_MALFORMED: u64 = 36;
    pub const SC_PRODUCT: u64 = 40;
    pub const SC_SUPPLIER: u64 = 41;
    pub const SC_INVENTORY: u64 = 42;
    pub const SC_ORDERS: u64 = 43;
    pub const SC_SHIPMENT: u64 = 44;
    pub const FRAUD_CUSTOMER: u64 = 50;
    pub const FRAUD_PLAN: u64 = 51;
    pub const FRAUD_HISTORY: u64 = 52;
    pub const FRAUD_STREAM: u64 = 53;
    pub const FRAUD_DEFECT: u64 = 54;
    /// Clickstream products, users (segment, session starts), sessions, arrival shuffle.
    pub const WEB_PRODUCT: u64 = 70;
    pub const WEB_USER: u64 = 71;
    pub const WEB_SESSION: u64 = 72;
    pub const WEB_ARRIVAL: u64 = 73;
    /// Finance account model, one stream per account.
    pub const FIN_ACCOUNT: u64 = 60;
    /// Finance transactions of an account, one stream per account.
    pub const FIN_EVENTS: u64 = 61;
    /// Social media posts (one stream per post), users, text documents.
    pub const TEXT_POST: u64 = 80;
    pub const TEXT_USER: u64 = 81;
    pub const TEXT_DOCUMENT: u64 = 82;
    /// Time series parameters and anomaly schedule, one stream per series.
    pub const TS_SERIES: u64 = 20;
    /// Time series noise, one stream per series.
    pub const TS_NOISE: u64 = 21;
}

/// SplitMix64 finaliser: a cheap, well-mixed bijection on `u64`.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Independent ChaCha8 stream for `(seed, tag, index)`.
///
/// Deriving one stream per entity (customer, log hour, ...) instead of sharing one
/// stream per table is what makes the output independent of chunking.
fn sub_rng(seed: u64, tag: u64, index: u64) -> rand_chacha::ChaCha8Rng {
    use rand::SeedableRng;
    let derived = mix64(mix64(mix64(seed) ^ tag.wrapping_mul(0xA24B_AED4_963E_E407)) ^ index);
    rand_chacha::ChaCha8Rng::seed_from_u64(derived)
}

/// `1..=n` cut into inclusive `(first, last)` ranges of at most `chunk` ids, for
/// generating an entity table batch by batch.
fn id_chunks(n: u64, chunk: u64) -> impl Iterator<Item = (u64, u64)> {
    let chunk = chunk.max(1);
    (0..n.div_ceil(chunk)).map(move |c| (c * chunk + 1, ((c + 1) * chunk).min(n)))
}

/// The timestamp type of every generated table: microseconds, UTC (what Spark writes).
fn utc_micros() -> deltalake::arrow::datatypes::DataType {
    use deltalake::arrow::datatypes::{DataType, TimeUnit};
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// Standard normal draw (Box–Muller; `1 - u` keeps the logarithm finite).
fn gaussian(rng: &mut impl rand::Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Poisson draw: Knuth's product method for small means, a rounded normal above 30
/// (where the product method slows down and the normal approximation is close).
fn poisson(rng: &mut impl rand::Rng, mean: f64) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 30.0 {
        return (mean + mean.sqrt() * gaussian(rng)).round().max(0.0) as u64;
    }
    let limit = (-mean).exp();
    let mut k = 0u64;
    let mut p = rng.random::<f64>();
    while p > limit {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}

/// `1234567` -> `"1,234,567"` for progress lines.
fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|group| std::str::from_utf8(group).unwrap_or_default())
        .collect();
    groups.join(",")
}

/// Cumulative distribution over `weights`, for [`sample_cdf`].
fn cdf(weights: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    weights
        .iter()
        .map(|w| {
            acc += w;
            acc
        })
        .collect()
}

/// Index drawn from a cumulative distribution built by [`cdf`].
fn sample_cdf(rng: &mut impl rand::Rng, cdf: &[f64]) -> usize {
    let total = cdf.last().copied().unwrap_or(0.0);
    let u = rng.random::<f64>() * total;
    cdf.partition_point(|&c| c <= u)
        .min(cdf.len().saturating_sub(1))
}

/// Round `x` to a whole number, rounding the fraction up with probability equal to it
/// (unbiased rounding, so small expected counts still add up correctly).
fn stochastic_round(rng: &mut impl rand::Rng, x: f64) -> u64 {
    let floor = x.floor();
    let frac = x - floor;
    let extra = u64::from(rng.random::<f64>() < frac);
    (floor.max(0.0) as u64) + extra
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmt_count_groups_thousands() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(999), "999");
        assert_eq!(fmt_count(1000), "1,000");
        assert_eq!(fmt_count(1_200_000), "1,200,000");
    }

    #[test]
    fn sub_streams_are_independent_and_reproducible() {
        use rand::Rng;
        let a: u64 = sub_rng(7, tag::CUSTOMER, 1).random();
        let b: u64 = sub_rng(7, tag::CUSTOMER, 1).random();
        let c: u64 = sub_rng(7, tag::CUSTOMER, 2).random();
        let d: u64 = sub_rng(7, tag::ACTIVITY, 1).random();
        let e: u64 = sub_rng(8, tag::CUSTOMER, 1).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_ne!(a, e);
    }

    #[test]
    fn cdf_sampling_respects_weights() {
        let c = cdf(&[1.0, 0.0, 3.0]);
        let mut rng = sub_rng(1, 99, 0);
        let mut counts = [0u32; 3];
        for _ in 0..4000 {
            counts[sample_cdf(&mut rng, &c)] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!(counts[2] > 2 * counts[0]);
    }

    async fn read_sorted(
        root: &Path,
        name: &str,
        order_by: &str,
    ) -> (Option<u64>, deltalake::arrow::array::RecordBatch) {
        use deltalake::datafusion::prelude::SessionContext;
        let path = std::fs::canonicalize(root.join(name)).unwrap();
        let url = url::Url::from_directory_path(path).unwrap();
        let table = deltalake::open_table(url).await.unwrap();
        let ctx = SessionContext::new();
        table.update_datafusion_session(&ctx.state()).unwrap();
        ctx.register_table(name, table.table_provider().await.unwrap())
            .unwrap();
        let df = ctx
            .sql(&format!("SELECT * FROM {name} ORDER BY {order_by}"))
            .await
            .unwrap();
        let schema = std::sync::Arc::new(df.schema().as_arrow().clone());
        let batches = df.collect().await.unwrap();
        let batch = deltalake::arrow::compute::concat_batches(&schema, &batches).unwrap();
        (table.version(), batch)
    }

    /// End to end: Delta tables are readable, re-running overwrites in one commit and
    /// reproduces identical contents.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn generate_is_idempotent_and_deterministic() {
        let out = std::env::temp_dir().join(format!("ignis-generate-e2e-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let opts = GenerateOptions {
            out: out.clone(),
            scale: 1,
            seed: 5,
            only: Vec::new(),
        };
        let lines = std::sync::Mutex::new(Vec::new());
        let record = |s: &str| lines.lock().unwrap().push(s.to_string());
        let first = generate(&opts, &record).await.unwrap();
        let names: Vec<&str> = first.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "customers",
                "products",
                "orders",
                "transactions",
                "bundles",
                "application_logs",
                "planted_log_anomalies",
                "entities",
                "relationships",
                "dq_customers",
                "dq_orders",
                "dq_planted_defects",
                "data_quality_rules.json",
                "customer_updates_initial",
                "customer_updates_batch1",
                "customer_updates_batch2",
                "planted_customer_changes",
                "etl_sources/customers.csv",
                "etl_sources/orders.jsonl",
                "etl_sources/products.parquet",
                "etl_sources/inventory",
                "etl_sources/planted_etl_malformed",
                "time_series",
                "planted_ts_anomalies",
                "machine_metadata",
                "operating_thresholds",
                "sensor_readings",
                "planted_sensor_faults",
                "historical_sensor_data",
                "maintenance_events",
                "sensor_stream",
                "sensor_thresholds",
                "planted_sensor_anomalies",
                "planted_device_errors",
                "planted_stream_malformed",
                "sc_products",
                "suppliers",
                "sc_inventory",
                "sc_orders",
                "sc_shipments",
                "planted_late_suppliers",
                "planted_stock_status",
                "planted_sc_demand",
                "fraud_customers",
                "fraud_historical_transactions",
                "fraud_stream",
                "planted_fraud",
                "planted_fraud_stream_defects",
                "exchange_rates",
                "fin_accounts",
                "fin_historical_stats",
                "fin_transactions",
                "planted_fin_anomalies",
                "planted_fin_bad_input",
                "planted_fin_balances",
                "web_products",
                "web_users",
                "web_events",
                "planted_web_sessions",
                "brand_keywords",
                "product_keywords",
                "campaign_keywords",
                "social_posts",
                "planted_posts",
                "text_data",
                "planted_documents",
                "planted_topic_terms"
            ]
        );
        assert!(lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.starts_with("transactions: ") && l.contains(" / ")));
        let keys = [
            ("customers", "customer_id"),
            ("products", "product_id"),
            ("orders", "order_id"),
            ("transactions", "transaction_id"),
            ("bundles", "bundle_id, product_id"),
            ("planted_log_anomalies", "hour_start"),
            ("entities", "id"),
            (
                "relationships",
                "src, dst, relationship, weight, created_date",
            ),
        ];
        let mut before = Vec::new();
        for (name, key) in keys {
            let (version, batch) = read_sorted(&out, name, key).await;
            assert_eq!(version, Some(0), "{name}");
            let summary = first.iter().find(|s| s.name == name).unwrap();
            assert_eq!(batch.num_rows() as u64, summary.rows, "{name}");
            before.push(batch);
        }
        let second = generate(&opts, &|_| {}).await.unwrap();
        assert_eq!(first, second);
        for ((name, key), old) in keys.into_iter().zip(before) {
            let (version, batch) = read_sorted(&out, name, key).await;
            assert_eq!(version, Some(1), "{name}: one overwrite commit");
            assert_eq!(batch, old, "{name}");
        }
        let _ = std::fs::remove_dir_all(&out);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn scale_zero_is_rejected() {
        let opts = GenerateOptions {
            out: std::env::temp_dir().join("ignis-generate-scale-zero"),
            scale: 0,
            seed: 1,
            only: Vec::new(),
        };
        let res = generate(&opts, &|_| {}).await;
        assert!(matches!(res, Err(GenerateError::InvalidScale(0))));
    }

    #[test]
    fn data_groups_parse() {
        assert_eq!("graph".parse::<DataGroup>(), Ok(DataGroup::Graph));
        assert_eq!(" Retail".parse::<DataGroup>(), Ok(DataGroup::Retail));
        assert!("graphs".parse::<DataGroup>().is_err());
        for group in DataGroup::ALL {
            assert_eq!(group.to_string().parse::<DataGroup>(), Ok(group));
        }
    }

    /// `only` writes just the selected groups, with the same contents as a full run.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_selected_groups_are_written() {
        let out = std::env::temp_dir().join(format!("ignis-generate-only-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let opts = GenerateOptions {
            out: out.clone(),
            scale: 1,
            seed: 5,
            only: vec![DataGroup::Graph, DataGroup::Logs],
        };
        let tables = generate(&opts, &|_| {}).await.unwrap();
        let names: Vec<&str> = tables.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "application_logs",
                "planted_log_anomalies",
                "entities",
                "relationships"
            ]
        );
        assert!(!out.join("customers").exists());
        let (_, relationships) = read_sorted(&out, "relationships", "src, dst").await;
        assert_eq!(relationships.num_rows() as u64, tables[3].rows);
        let _ = std::fs::remove_dir_all(&out);
    }
}
