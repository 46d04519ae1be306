//! Shared set-up of the scenario tests: generated data, a context with `${data}` and
//! `${out}` set, and query helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use ignis::generate::{generate, DataGroup, GenerateOptions};
use ignis::{IgnisConfig, IgnisContext};

/// Rows of a query as strings.
pub async fn rows(
    ctx: &IgnisContext,
    sql: &str,
) -> Result<Vec<Vec<String>>, Box<dyn std::error::Error>> {
    let batches = ctx.execute(sql).await?.collect().await?;
    Ok(super::format_rows(&batches, None)?)
}

/// The first cell of a query as a number.
pub async fn number(ctx: &IgnisContext, sql: &str) -> Result<f64, Box<dyn std::error::Error>> {
    let rows = rows(ctx, sql).await?;
    let cell = rows
        .first()
        .and_then(|r| r.first())
        .ok_or_else(|| format!("no rows from {sql}"))?;
    Ok(cell.parse::<f64>()?)
}

/// The path of a scenario script in `sql/`.
pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sql").join(name)
}

/// Generates the `groups` of sample data at scale 1 (seed 7) and returns a context with
/// `${data}` and `${out}` set.
pub async fn setup_only(
    dir: &Path,
    groups: Vec<DataGroup>,
) -> Result<IgnisContext, Box<dyn std::error::Error>> {
    let data = dir.join("data");
    let out = dir.join("out");
    let options = GenerateOptions {
        out: data.clone(),
        scale: 1,
        seed: 7,
        only: groups,
    };
    generate(&options, &|_| {}).await?;
    let mut config = IgnisConfig::default();
    config
        .variables
        .insert("data".into(), data.display().to_string());
    config
        .variables
        .insert("out".into(), out.display().to_string());
    Ok(IgnisContext::new(config)?)
}

/// Adjusted Rand index of two labelings (Hubert & Arabie), as sklearn's adjusted_rand_score.
pub fn adjusted_rand_index(a: &[String], b: &[String]) -> f64 {
    use std::collections::HashMap;
    let comb2 = |n: f64| n * (n - 1.0) / 2.0;
    let mut table: HashMap<(&str, &str), f64> = HashMap::new();
    let mut rows: HashMap<&str, f64> = HashMap::new();
    let mut cols: HashMap<&str, f64> = HashMap::new();
    for (x, y) in a.iter().zip(b) {
        *table.entry((x, y)).or_default() += 1.0;
        *rows.entry(x).or_default() += 1.0;
        *cols.entry(y).or_default() += 1.0;
    }
    let index: f64 = table.values().map(|&n| comb2(n)).sum();
    let sum_rows: f64 = rows.values().map(|&n| comb2(n)).sum();
    let sum_cols: f64 = cols.values().map(|&n| comb2(n)).sum();
    let expected = sum_rows * sum_cols / comb2(a.len() as f64);
    let max = (sum_rows + sum_cols) / 2.0;
    (index - expected) / (max - expected)
}

/// A result cell as a number, or an error naming the cell.
pub fn f(cell: &str) -> Result<f64, Box<dyn std::error::Error>> {
    Ok(cell
        .parse::<f64>()
        .map_err(|e| format!("not a number: {cell:?} ({e})"))?)
}

/// A result cell as an integer, or an error naming the cell.
pub fn i(cell: &str) -> Result<i64, Box<dyn std::error::Error>> {
    Ok(cell
        .parse::<i64>()
        .map_err(|e| format!("not an integer: {cell:?} ({e})"))?)
}

/// Whether two result cells are equal: numbers within 1e-9 relative, text exactly.
pub fn close(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
        _ => a == b,
    }
}
