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
