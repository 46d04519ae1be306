//! sqllogictest driver for Ignis: runs every `tests/slt/**/*.slt` against a fresh
//! `IgnisContext`, with `${tmp}` set to a fresh temporary directory per file (for Delta
//! tables the file writes). `cargo test --test sqllogictests [filter]`.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::DataFusionError;
use ignis::{IgnisConfig, IgnisContext};
use sqllogictest::{DBOutput, DefaultColumnType};

struct IgnisDb {
    ctx: IgnisContext,
    /// The file's temporary directory, shown as `${tmp}` in results so that expected
    /// outputs do not depend on it.
    tmp: String,
}

#[async_trait]
impl sqllogictest::AsyncDB for IgnisDb {
    type Error = DataFusionError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, DataFusionError> {
        let df = self.ctx.execute(sql).await?;
        let schema = df.schema().inner().clone();
        let batches = df.collect().await?;
        let is_query =
            sql.trim_start().get(..6).is_some_and(|s| {
                s.eq_ignore_ascii_case("select") || s.eq_ignore_ascii_case("values")
            }) || sql
                .trim_start()
                .get(..4)
                .is_some_and(|s| s.eq_ignore_ascii_case("with"))
                || sql
                    .trim_start()
                    .get(..8)
                    .is_some_and(|s| s.eq_ignore_ascii_case("describe"));
        if !is_query && schema.fields().is_empty() {
            return Ok(DBOutput::StatementComplete(0));
        }
        let types = schema
            .fields()
            .iter()
            .map(|f| column_type(f.data_type()))
            .collect();
        let rows = common::format_rows(&batches, Some("(empty)"))?
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|cell| cell.replace(&self.tmp, "${tmp}"))
                    .collect()
            })
            .collect();
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "ignis"
    }

    async fn sleep(dur: Duration) {
        tokio::time::sleep(dur).await;
    }
}

fn column_type(data_type: &DataType) -> DefaultColumnType {
    if data_type.is_integer() {
        DefaultColumnType::Integer
    } else if data_type.is_floating()
        || matches!(
            data_type,
            DataType::Decimal128(..) | DataType::Decimal256(..)
        )
    {
        DefaultColumnType::FloatingPoint
    } else if matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    ) {
        DefaultColumnType::Text
    } else {
        DefaultColumnType::Any
    }
}

fn slt_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            slt_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "slt") {
            out.push(path);
        }
    }
}

async fn run_file(path: &Path) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let tmp_path = tmp.path().display().to_string();
    let mut runner = sqllogictest::Runner::new(move || {
        let mut config = IgnisConfig::default();
        config.variables.insert("tmp".into(), tmp_path.clone());
        let tmp = tmp_path.clone();
        async move {
            Ok::<_, DataFusionError>(IgnisDb {
                ctx: IgnisContext::new(config)?,
                tmp,
            })
        }
    });
    runner
        .run_file_async(path)
        .await
        .map_err(|e| e.display(true).to_string())
}

#[tokio::main]
async fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt");
    let mut files = Vec::new();
    slt_files(&root, &mut files);
    files.sort();
    let mut failures = 0;
    for file in &files {
        let name = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        match run_file(file).await {
            Ok(()) => println!("ok      {name}"),
            Err(e) => {
                failures += 1;
                println!("FAILED  {name}\n{e}");
            }
        }
    }
    if failures > 0 {
        eprintln!("{failures} sqllogictest file(s) failed");
        std::process::exit(1);
    }
}
