//! Sources for seed scenario 13 (ETL pipeline), one per source type the seed reads,
//! under `etl_sources/`:
//!
//! - `customers.csv` (header; customer_id, name, email, country, signup_date,
//!   credit_limit): customers `1..=n` (n = 1000 × scale), some names quoted with commas,
//!   plus planted malformed lines (a field missing, an extra field, a non-numeric id, an
//!   impossible date) inserted between the good ones;
//! - `orders.jsonl` (order_id, customer_id, product_id, quantity, order_ts, status):
//!   orders `1..=5n` of existing customers and products, plus planted malformed lines
//!   (truncated JSON, a quantity that is not a number, a JSON array);
//! - `products.parquet` (product_id, product_name, category, unit_price): 200 products;
//! - `inventory` (Delta; product_id, warehouse, stock_qty, updated_date): each product in
//!   three warehouses;
//! - `planted_etl_malformed` (Delta; source, line, kind): every planted malformed line of
//!   the two text sources with its 1-based line number, the ground truth of how many rows
//!   a DROPMALFORMED read drops and where a FAILFAST read stops.
//!
//! Everything is small and built in memory from one random stream per source.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use datafusion::parquet::arrow::ArrowWriter;
use deltalake::arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use rand::Rng;

use super::delta_writer::write_batch;
use super::{sub_rng, GenerateError};

/// Directory of the sources, under the output directory.
pub(super) const DIR: &str = "etl_sources";
/// The ground-truth table, under [`DIR`].
pub(super) const PLANTED: &str = "planted_etl_malformed";

/// Random stream tag of this group (distinct from the shared tags in `super::tag`).
const TAG: u64 = 1300;

const COUNTRIES: [&str; 5] = ["US", "DE", "FR", "JP", "BR"];
const CATEGORIES: [&str; 4] = ["electronics", "home", "sports", "books"];
const STATUSES: [&str; 3] = ["completed", "pending", "cancelled"];
const WAREHOUSES: [&str; 3] = ["east", "west", "central"];
const FIRST: [&str; 6] = ["Ann", "Bob", "Cy", "Dee", "Eve", "Gus"];
const LAST: [&str; 5] = ["Smith", "Jones", "Lee", "Garcia", "Khan"];
const PRODUCTS: i64 = 200;

/// One planted malformed line.
struct Planted {
    source: &'static str,
    line: i64,
    kind: &'static str,
}

/// Days since 1970-01-01 of 2024-01-01.
const EPOCH_2024: i32 = 19_723;

fn customers_csv(seed: u64, n: i64, planted: &mut Vec<Planted>) -> String {
    let mut rng = sub_rng(seed, TAG, 1);
    let mut text = String::from("customer_id,name,email,country,signup_date,credit_limit\n");
    let mut line = 1i64;
    let kinds = [
        "missing_field",
        "extra_field",
        "non_numeric_id",
        "invalid_date",
    ];
    let mut next_bad = 0usize;
    for id in 1..=n {
        let first = FIRST[rng.random_range(0..FIRST.len())];
        let last = LAST[rng.random_range(0..LAST.len())];
        // Some names are "Last, First": quoted, with a comma inside.
        let name = if rng.random_bool(0.1) {
            format!("\"{last}, {first}\"")
        } else {
            format!("{first} {last}")
        };
        let email = format!("{}{id}@example.com", first.to_lowercase());
        let country = COUNTRIES[rng.random_range(0..COUNTRIES.len())];
        let day = EPOCH_2024 + rng.random_range(0..365);
        let date = date_text(day);
        let limit = rng.random_range(5..100) * 100;
        line += 1;
        let _ = writeln!(text, "{id},{name},{email},{country},{date},{limit}.0");
        // About 2% malformed lines, cycling through the kinds.
        if rng.random_bool(0.02) {
            let kind = kinds[next_bad % kinds.len()];
            next_bad += 1;
            let bad = match kind {
                "missing_field" => format!("{},{first} {last},{email},{country},{date}", n + id),
                "extra_field" => {
                    format!(
                        "{},{first} {last},{email},{country},{date},{limit}.0,oops",
                        n + id
                    )
                }
                "non_numeric_id" => {
                    format!(
                        "C{},{first} {last},{email},{country},{date},{limit}.0",
                        n + id
                    )
                }
                _ => format!(
                    "{},{first} {last},{email},{country},2024-13-45,{limit}.0",
                    n + id
                ),
            };
            line += 1;
            let _ = writeln!(text, "{bad}");
            planted.push(Planted {
                source: "customers.csv",
                line,
                kind,
            });
        }
    }
    text
}

fn orders_jsonl(seed: u64, n: i64, planted: &mut Vec<Planted>) -> String {
    let mut rng = sub_rng(seed, TAG, 2);
    let mut text = String::new();
    let mut line = 0i64;
    let kinds = ["truncated_json", "non_numeric_quantity", "not_an_object"];
    let mut next_bad = 0usize;
    for order_id in 1..=5 * n {
        let customer = rng.random_range(1..=n);
        let product = rng.random_range(1..=PRODUCTS);
        let quantity = rng.random_range(1..=5);
        let day = EPOCH_2024 + rng.random_range(0..365);
        let (h, m) = (rng.random_range(0..24), rng.random_range(0..60));
        let ts = format!("{}T{h:02}:{m:02}:00", date_text(day));
        let status = STATUSES[weighted_status(&mut rng)];
        line += 1;
        let _ = writeln!(
            text,
            "{{\"order_id\": {order_id}, \"customer_id\": {customer}, \"product_id\": {product}, \"quantity\": {quantity}, \"order_ts\": \"{ts}\", \"status\": \"{status}\"}}"
        );
        if rng.random_bool(0.01) {
            let kind = kinds[next_bad % kinds.len()];
            next_bad += 1;
            let bad = match kind {
                "truncated_json" => {
                    format!("{{\"order_id\": {}, \"customer_id\": {customer}, \"prod", 10 * n + order_id)
                }
                "non_numeric_quantity" => format!(
                    "{{\"order_id\": {}, \"customer_id\": {customer}, \"product_id\": {product}, \"quantity\": \"two\", \"order_ts\": \"{ts}\", \"status\": \"{status}\"}}",
                    10 * n + order_id
                ),
                _ => format!("[{}, {customer}, {product}]", 10 * n + order_id),
            };
            line += 1;
            let _ = writeln!(text, "{bad}");
            planted.push(Planted {
                source: "orders.jsonl",
                line,
                kind,
            });
        }
    }
    text
}

fn weighted_status(rng: &mut impl Rng) -> usize {
    match rng.random_range(0..10) {
        0..=6 => 0,
        7..=8 => 1,
        _ => 2,
    }
}

fn date_text(days: i32) -> String {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(i64::from(days))))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn products_batch(seed: u64) -> Result<RecordBatch, GenerateError> {
    let mut rng = sub_rng(seed, TAG, 3);
    let ids: Vec<i64> = (1..=PRODUCTS).collect();
    let names: Vec<String> = ids.iter().map(|id| format!("Product {id}")).collect();
    let categories: Vec<&str> = ids
        .iter()
        .map(|_| CATEGORIES[rng.random_range(0..CATEGORIES.len())])
        .collect();
    let prices: Vec<f64> = ids
        .iter()
        .map(|_| f64::from(rng.random_range(199..20_000)) / 100.0)
        .collect();
    let schema = Arc::new(Schema::new(vec![
        Field::new("product_id", DataType::Int64, false),
        Field::new("product_name", DataType::Utf8, false),
        Field::new("category", DataType::Utf8, false),
        Field::new("unit_price", DataType::Float64, false),
    ]));
    Ok(RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from(ids)) as ArrayRef,
            Arc::new(StringArray::from(names)),
            Arc::new(StringArray::from(categories)),
            Arc::new(Float64Array::from(prices)),
        ],
    )?)
}

fn inventory_batch(seed: u64) -> Result<RecordBatch, GenerateError> {
    let mut rng = sub_rng(seed, TAG, 4);
    let (mut ids, mut warehouses, mut stock, mut dates) = (vec![], vec![], vec![], vec![]);
    for id in 1..=PRODUCTS {
        for warehouse in WAREHOUSES {
            ids.push(id);
            warehouses.push(warehouse);
            stock.push(rng.random_range(0..500i64));
            dates.push(EPOCH_2024 + 365 + rng.random_range(0..30));
        }
    }
    Ok(RecordBatch::try_new(
        inventory_schema(),
        vec![
            Arc::new(Int64Array::from(ids)) as ArrayRef,
            Arc::new(StringArray::from(warehouses)),
            Arc::new(Int64Array::from(stock)),
            Arc::new(Date32Array::from(dates)),
        ],
    )?)
}

fn inventory_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("product_id", DataType::Int64, true),
        Field::new("warehouse", DataType::Utf8, true),
        Field::new("stock_qty", DataType::Int64, true),
        Field::new("updated_date", DataType::Date32, true),
    ]))
}

fn planted_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("source", DataType::Utf8, true),
        Field::new("line", DataType::Int64, true),
        Field::new("kind", DataType::Utf8, true),
    ]))
}

fn planted_batch(planted: &[Planted]) -> Result<RecordBatch, GenerateError> {
    Ok(RecordBatch::try_new(
        planted_schema(),
        vec![
            Arc::new(
                planted
                    .iter()
                    .map(|p| Some(p.source))
                    .collect::<StringArray>(),
            ) as ArrayRef,
            Arc::new(Int64Array::from_iter_values(planted.iter().map(|p| p.line))),
            Arc::new(
                planted
                    .iter()
                    .map(|p| Some(p.kind))
                    .collect::<StringArray>(),
            ),
        ],
    )?)
}

/// Writes the sources under `root/etl_sources`; returns (name, rows) pairs, the text
/// sources counting their good rows.
pub(super) async fn write_etl(
    seed: u64,
    scale: u32,
    root: &Path,
    progress: &dyn Fn(&str),
) -> Result<Vec<(String, u64)>, GenerateError> {
    let n = 1000 * i64::from(scale);
    let dir = root.join(DIR);
    std::fs::create_dir_all(&dir)?;
    let mut planted = Vec::new();
    let mut written = Vec::new();

    progress("etl_sources: customers.csv, orders.jsonl, products.parquet");
    std::fs::write(
        dir.join("customers.csv"),
        customers_csv(seed, n, &mut planted),
    )?;
    written.push((format!("{DIR}/customers.csv"), n as u64));
    std::fs::write(
        dir.join("orders.jsonl"),
        orders_jsonl(seed, n, &mut planted),
    )?;
    written.push((format!("{DIR}/orders.jsonl"), 5 * n as u64));

    let products = products_batch(seed)?;
    let file = std::fs::File::create(dir.join("products.parquet"))?;
    let parquet_error = |e: datafusion::parquet::errors::ParquetError| {
        GenerateError::Io(std::io::Error::other(format!(
            "writing products.parquet: {e}"
        )))
    };
    let mut writer = ArrowWriter::try_new(file, products.schema(), None).map_err(parquet_error)?;
    writer.write(&products).map_err(parquet_error)?;
    writer.close().map_err(parquet_error)?;
    written.push((
        format!("{DIR}/products.parquet"),
        products.num_rows() as u64,
    ));

    let tables = [
        ("inventory", inventory_schema(), inventory_batch(seed)?),
        (PLANTED, planted_schema(), planted_batch(&planted)?),
    ];
    for (name, schema, batch) in tables {
        let rows = write_batch(name, &dir.join(name), schema, batch, progress).await?;
        written.push((format!("{DIR}/{name}"), rows));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_lines_are_planted_at_their_lines() {
        let mut planted = Vec::new();
        let csv = customers_csv(7, 1000, &mut planted);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len() as i64, 1 + 1000 + planted.len() as i64);
        assert!(planted.len() >= 8, "{}", planted.len());
        for p in &planted {
            let line = lines[(p.line - 1) as usize];
            assert!(!line.starts_with(&format!("{},", p.line)), "{line}");
        }
        let mut json_planted = Vec::new();
        let json = orders_jsonl(7, 1000, &mut json_planted);
        let lines: Vec<&str> = json.lines().collect();
        assert_eq!(lines.len(), 5000 + json_planted.len());
        assert!(json_planted.len() >= 20);
        for p in &json_planted {
            let line = lines[(p.line - 1) as usize];
            let parsed: Result<serde_json::Value, _> = serde_json::from_str(line);
            let good_object = matches!(&parsed, Ok(serde_json::Value::Object(m))
                if m.get("quantity").is_some_and(|q| q.is_number()));
            assert!(!good_object, "{line}");
        }
        // Same seed, same files.
        let mut again = Vec::new();
        assert_eq!(customers_csv(7, 1000, &mut again), csv);
    }
}
