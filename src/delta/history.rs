//! Commit history of a Delta table: `DESCRIBE HISTORY <table> [LIMIT n]`, and the
//! `delta_history('path' [, limit])` table function behind it, which can be used in a
//! `FROM` clause like any table.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, Int64Array, StringArray, TimestampMillisecondArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{plan_err, Result, ScalarValue};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_plan::ExecutionPlan;
use futures::TryStreamExt;

use super::{open_table, DeltaLocation};

/// The rows of `DESCRIBE HISTORY`: one per commit, newest first, like Databricks.
pub async fn history(location: &DeltaLocation, limit: Option<usize>) -> Result<RecordBatch> {
    let table = open_table(&location.latest()).await?;
    let latest = table.version().unwrap_or(0);
    let commits: Vec<_> = table.history(limit).try_collect().await?;

    let n = commits.len();
    let mut versions = Vec::with_capacity(n);
    let mut timestamps = Vec::with_capacity(n);
    let mut operations = Vec::with_capacity(n);
    let mut parameters = Vec::with_capacity(n);
    let mut metrics = Vec::with_capacity(n);
    let mut engines = Vec::with_capacity(n);
    for (i, commit) in commits.iter().enumerate() {
        versions.push(latest.saturating_sub(i as u64) as i64);
        timestamps.push(commit.timestamp);
        operations.push(commit.operation.clone());
        parameters.push(
            commit
                .operation_parameters
                .as_ref()
                .and_then(|p| serde_json::to_string(p).ok()),
        );
        metrics.push(commit.info.get("operationMetrics").map(|m| m.to_string()));
        engines.push(commit.engine_info.clone());
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(versions)),
        Arc::new(TimestampMillisecondArray::from(timestamps).with_timezone("UTC")),
        Arc::new(StringArray::from(operations)),
        Arc::new(StringArray::from(parameters)),
        Arc::new(StringArray::from(metrics)),
        Arc::new(StringArray::from(engines)),
    ];
    Ok(RecordBatch::try_new(history_schema(), columns)?)
}

/// Columns of `DESCRIBE HISTORY` / `delta_history`.
pub fn history_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("version", DataType::Int64, false),
        Field::new(
            "timestamp",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            true,
        ),
        Field::new("operation", DataType::Utf8, true),
        Field::new("operation_parameters", DataType::Utf8, true),
        Field::new("operation_metrics", DataType::Utf8, true),
        Field::new("engine_info", DataType::Utf8, true),
    ]))
}

/// `delta_history('path' [, limit])`: the commit history of the Delta table at `path`,
/// newest first (columns: version, timestamp, operation, operation_parameters,
/// operation_metrics, engine_info).
#[derive(Debug, Default)]
pub struct DeltaHistoryFunction;

impl TableFunctionImpl for DeltaHistoryFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let exprs = args.exprs();
        let path = match exprs.first() {
            Some(Expr::Literal(ScalarValue::Utf8(Some(p)), _)) => p.clone(),
            _ => {
                return plan_err!(
                    "delta_history expects a table path as a string literal: delta_history('/path/to/table' [, limit])"
                )
            }
        };
        let limit = match exprs.get(1) {
            None => None,
            Some(Expr::Literal(ScalarValue::Int64(Some(n)), _)) if *n >= 0 => Some(*n as usize),
            Some(other) => {
                return plan_err!(
                    "delta_history limit must be a non-negative integer literal, got {other}"
                )
            }
        };
        if exprs.len() > 2 {
            return plan_err!("delta_history takes at most 2 arguments (path, limit)");
        }
        let location = DeltaLocation::parse(&path)?;
        location.check_session_roots(args.session())?;
        Ok(Arc::new(HistoryTable { location, limit }))
    }
}

/// Reads the history when scanned, so the result is current at execution time.
#[derive(Debug)]
struct HistoryTable {
    location: DeltaLocation,
    limit: Option<usize>,
}

#[async_trait]
impl TableProvider for HistoryTable {
    fn schema(&self) -> SchemaRef {
        history_schema()
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let batch = history(&self.location, self.limit).await?;
        Ok(MemorySourceConfig::try_new_exec(
            &[vec![batch]],
            history_schema(),
            projection.cloned(),
        )?)
    }
}
