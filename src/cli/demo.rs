//! `ignis generate` and `ignis demo`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use datafusion_cli::print_format::PrintFormat;
use datafusion_cli::print_options::MaxRows;

use super::runner::{run_and_print, run_script};
use super::Args;
use crate::context::IgnisContext;
use crate::generate::{generate, GenerateOptions};

/// The scenario scripts, compiled into the binary so `ignis demo` works anywhere.
/// A test checks this list matches the files in `sql/`.
pub const SCRIPTS: &[(&str, &str)] = &[
    (
        "01_customer_segmentation.sql",
        include_str!("../../sql/01_customer_segmentation.sql"),
    ),
    (
        "02_fraud_detection.sql",
        include_str!("../../sql/02_fraud_detection.sql"),
    ),
    (
        "03_log_analysis.sql",
        include_str!("../../sql/03_log_analysis.sql"),
    ),
    (
        "04_ecommerce_purchase_patterns.sql",
        include_str!("../../sql/04_ecommerce_purchase_patterns.sql"),
    ),
    (
        "05_iot_sensor_processing.sql",
        include_str!("../../sql/05_iot_sensor_processing.sql"),
    ),
    (
        "06_social_media_sentiment.sql",
        include_str!("../../sql/06_social_media_sentiment.sql"),
    ),
    (
        "07_supply_chain_optimization.sql",
        include_str!("../../sql/07_supply_chain_optimization.sql"),
    ),
    (
        "09_financial_transactions.sql",
        include_str!("../../sql/09_financial_transactions.sql"),
    ),
    (
        "10_website_user_behavior.sql",
        include_str!("../../sql/10_website_user_behavior.sql"),
    ),
    (
        "11_data_quality_monitoring.sql",
        include_str!("../../sql/11_data_quality_monitoring.sql"),
    ),
    (
        "12_scd_type2.sql",
        include_str!("../../sql/12_scd_type2.sql"),
    ),
    (
        "13_etl_pipeline.sql",
        include_str!("../../sql/13_etl_pipeline.sql"),
    ),
    (
        "14_streaming_data_processing.sql",
        include_str!("../../sql/14_streaming_data_processing.sql"),
    ),
    (
        "17_graph_analysis.sql",
        include_str!("../../sql/17_graph_analysis.sql"),
    ),
    (
        "18_time_series_analysis.sql",
        include_str!("../../sql/18_time_series_analysis.sql"),
    ),
    (
        "19_natural_language_processing.sql",
        include_str!("../../sql/19_natural_language_processing.sql"),
    ),
];

/// `ignis generate`: writes the sample data, reporting progress on stderr.
pub async fn generate_command(options: &GenerateOptions, quiet: bool) -> i32 {
    let start = Instant::now();
    let progress = |line: &str| {
        if !quiet {
            eprintln!("  {line}");
        }
    };
    match generate(options, &progress).await {
        Ok(tables) => {
            if !quiet {
                for table in &tables {
                    println!(
                        "{:<24} {:>12} rows  {}",
                        table.name,
                        table.rows,
                        table.path.display()
                    );
                }
                let groups = if options.only.is_empty() {
                    String::new()
                } else {
                    let names: Vec<&str> = options.only.iter().map(|g| g.name()).collect();
                    format!(" [{}]", names.join(","))
                };
                println!(
                    "generated scale {}{groups} (seed {}) in {:.1}s",
                    options.scale,
                    options.seed,
                    start.elapsed().as_secs_f64()
                );
            }
            0
        }
        Err(e) => {
            eprintln!("error: generate failed: {e}");
            1
        }
    }
}

/// `ignis demo`: generates scale-1 data under `dir/data`, runs every scenario script
/// with outputs under `dir/out`, and prints each output table's size and first rows.
pub async fn run_demo(dir: &Path, args: &Args) -> i32 {
    let data = dir.join("data");
    let out = dir.join("out");
    println!("Generating scale-1 sample data into {}", data.display());
    let options = GenerateOptions {
        out: data.clone(),
        scale: 1,
        seed: 42,
        only: Vec::new(),
    };
    if generate_command(&options, true).await != 0 {
        return 1;
    }
    if out.exists() {
        if let Err(e) = std::fs::remove_dir_all(&out) {
            eprintln!("error: cannot clear {}: {e}", out.display());
            return 1;
        }
    }
    let mut config = args.config();
    config
        .variables
        .insert("data".into(), absolute(&data).display().to_string());
    config
        .variables
        .insert("out".into(), absolute(&out).display().to_string());
    let ctx = match IgnisContext::new(config) {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let mut print_options = args.print_options();
    print_options.format = PrintFormat::Table;
    print_options.quiet = true;
    print_options.maxrows = MaxRows::Limited(5);

    for (name, script) in SCRIPTS {
        let before = delta_tables(&out);
        let start = Instant::now();
        println!("\n=== {name} ===");
        if let Err(e) = run_script(&ctx, script, name, None).await {
            eprint!("{e}");
            return 1;
        }
        println!("ran in {:.2}s", start.elapsed().as_secs_f64());
        for table in delta_tables(&out).difference(&before) {
            let path = out.join(table);
            let count_sql = format!("SELECT count(*) AS rows FROM delta.`{}`", path.display());
            let rows = count_rows(&ctx, &count_sql).await;
            println!(
                "\n{table}: {} rows",
                rows.map_or("?".to_string(), |r| r.to_string())
            );
            let preview = format!("SELECT * FROM delta.`{}` LIMIT 5", path.display());
            if let Err(e) = run_and_print(&ctx, &preview, &print_options).await {
                eprintln!("error reading {table}: {e}");
                return 1;
            }
        }
    }
    println!("\nOutputs are Delta tables under {}", out.display());
    0
}

async fn count_rows(ctx: &IgnisContext, sql: &str) -> Option<i64> {
    use datafusion::arrow::array::{Array, Int64Array};
    let batches = ctx.execute(sql).await.ok()?.collect().await.ok()?;
    let column = batches
        .first()?
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()?;
    (!column.is_empty()).then(|| column.value(0))
}

/// Names of the Delta tables directly under `dir`.
fn delta_tables(dir: &Path) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeSet::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("_delta_log").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_scripts_match_sql_dir() -> std::io::Result<()> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = SCRIPTS.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(embedded, on_disk);
        Ok(())
    }
}
