//! `CREATE [OR REPLACE] TABLE delta.`path` AS SELECT ...` as one Delta commit.
//!
//! The query streams into delta-rs's write operation (no collecting into memory), and
//! the commit happens only after every file is written: a failing query leaves the
//! table exactly as it was.

use std::sync::{Arc, Mutex};

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::catalog::streaming::StreamingTable;
use datafusion::common::{plan_err, Column, DFSchema, Result};
use datafusion::datasource::provider_as_source;
use datafusion::error::DataFusionError;
use datafusion::execution::SessionState;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{cast, Expr, LogicalPlan, LogicalPlanBuilder};
use datafusion::physical_plan::execute_stream_partitioned;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use deltalake::operations::write::SchemaMode;
use deltalake::protocol::SaveMode;
use deltalake::DeltaTable;
use futures::StreamExt;
use futures::TryStreamExt;

use super::{open_table, DeltaLocation};

/// What to do when a table already exists at the location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateMode {
    /// `CREATE TABLE`: fail if the table exists.
    ErrorIfExists,
    /// `CREATE TABLE IF NOT EXISTS`: leave an existing table untouched.
    IgnoreIfExists,
    /// `CREATE OR REPLACE TABLE`: replace data and schema, as a new version.
    Replace,
}

/// The outcome of a write, printed by the front doors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteSummary {
    /// Table version after the write (unchanged when nothing was written).
    pub version: u64,
    /// Rows written by this statement (0 when skipped).
    pub rows: u64,
    pub skipped: bool,
}

/// Writes the result of `plan` to the Delta table at `location` in one commit.
pub async fn write_query(
    state: &SessionState,
    location: &DeltaLocation,
    plan: LogicalPlan,
    mode: CreateMode,
    partition_by: Vec<String>,
) -> Result<WriteSummary> {
    if location.version != super::TableVersion::Latest {
        return plan_err!(
            "cannot write to a past version of Delta table '{}'",
            location.display
        );
    }
    let exists = location.is_delta_table();
    if exists {
        match mode {
            CreateMode::ErrorIfExists => {
                return plan_err!(
                    "Delta table '{}' already exists; use CREATE OR REPLACE TABLE to overwrite it or INSERT INTO to append",
                    location.display
                )
            }
            CreateMode::IgnoreIfExists => {
                let table = open_table(location).await?;
                return Ok(WriteSummary {
                    version: table.version().unwrap_or(0),
                    rows: 0,
                    skipped: true,
                });
            }
            CreateMode::Replace => {}
        }
    }
    let (input, single_stream) = streamed_input(state, delta_compatible(plan)?).await?;
    // A single stream may carry an ORDER BY: plan the write without repartitioning.
    // (Not SessionStateBuilder: building a state re-creates the default catalog in the
    // shared catalog list, which would drop the session's `delta` schema.)
    let mut write_state = state.clone();
    if single_stream {
        write_state
            .config_mut()
            .options_mut()
            .execution
            .target_partitions = 1;
    }

    let table = if exists {
        open_table(location).await?
    } else {
        if let Some(path) = &location.local_path {
            std::fs::create_dir_all(path).map_err(|e| {
                datafusion::common::DataFusionError::Plan(format!(
                    "cannot create Delta table directory {}: {e}",
                    path.display()
                ))
            })?;
        }
        DeltaTable::try_from_url(location.url.clone()).await?
    };

    let mut builder = table
        .write(Vec::new())
        .with_input_plan(input)
        .with_session_state(Arc::new(write_state));
    builder = if exists {
        // CREATE OR REPLACE: new data and new schema, as the next version.
        builder
            .with_save_mode(SaveMode::Overwrite)
            .with_schema_mode(SchemaMode::Overwrite)
    } else {
        builder.with_save_mode(SaveMode::ErrorIfExists)
    };
    if !partition_by.is_empty() {
        builder = builder.with_partition_columns(partition_by);
    }
    let table = builder.await?;
    let rows = last_commit_rows(&table).await;
    Ok(WriteSummary {
        version: table.version().unwrap_or(0),
        rows,
        skipped: false,
    })
}

/// Rows added by the latest commit, from its `operationMetrics`.
async fn last_commit_rows(table: &DeltaTable) -> u64 {
    let commits: Vec<_> = match table.history(Some(1)).try_collect().await {
        Ok(c) => c,
        Err(_) => return 0,
    };
    commits
        .first()
        .and_then(|c| c.info.get("operationMetrics"))
        .and_then(|m| m.get("num_added_rows"))
        .and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .unwrap_or(0)
}

/// Casts columns whose Arrow types have no Delta equivalent to the nearest one Spark
/// would write: timestamps to microseconds, unsigned to signed integers, view and large
/// strings to strings, naive timestamps to UTC. Other unsupported types fail in delta-rs with its own message.
fn delta_compatible(plan: LogicalPlan) -> Result<LogicalPlan> {
    let schema: &DFSchema = plan.schema();
    let mut changed = false;
    let exprs: Vec<Expr> = schema
        .iter()
        .map(|(qualifier, field)| {
            let column = Expr::Column(Column::new(qualifier.cloned(), field.name()));
            match delta_type(field.data_type()) {
                Some(target) => {
                    changed = true;
                    cast(column, target).alias(field.name())
                }
                None => column,
            }
        })
        .collect();
    if !changed {
        return Ok(plan);
    }
    LogicalPlanBuilder::from(plan).project(exprs)?.build()
}

/// The query as delta-rs's write input: its physical plan is executed here, with this
/// session's parallelism, and each output partition is handed over as a one-shot
/// stream. This keeps two properties delta-rs's own planning would lose:
/// - an ORDER BY (a single sorted partition) is the order rows are written in;
/// - every column is declared nullable, as Spark does for CTAS (`schema.asNullable`),
///   so a table created from `SELECT 1 AS x` still accepts NULLs in later inserts.
///
/// Returns the input plan and whether it is a single (possibly ordered) stream.
async fn streamed_input(state: &SessionState, plan: LogicalPlan) -> Result<(LogicalPlan, bool)> {
    let physical = state.create_physical_plan(&plan).await?;
    let streams = execute_stream_partitioned(physical, state.task_ctx())?;
    let schema = nullable_schema(plan.schema().inner());
    let single = streams.len() == 1;
    let partitions: Vec<Arc<dyn PartitionStream>> = streams
        .into_iter()
        .map(|stream| {
            Arc::new(OneShotPartition {
                schema: Arc::clone(&schema),
                stream: Mutex::new(Some(stream)),
            }) as _
        })
        .collect();
    let table = StreamingTable::try_new(Arc::clone(&schema), partitions)?;
    let input =
        LogicalPlanBuilder::scan("query", provider_as_source(Arc::new(table)), None)?.build()?;
    Ok((input, single))
}

fn nullable_schema(schema: &SchemaRef) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| f.as_ref().clone().with_nullable(true))
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// One partition of an already running query, readable once.
struct OneShotPartition {
    schema: SchemaRef,
    stream: Mutex<Option<SendableRecordBatchStream>>,
}

impl std::fmt::Debug for OneShotPartition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OneShotPartition")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl PartitionStream for OneShotPartition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let schema = Arc::clone(&self.schema);
        let taken = self.stream.lock().ok().and_then(|mut s| s.take());
        match taken {
            Some(stream) => {
                let target = Arc::clone(&schema);
                // Relaxing nullability is a valid schema change for existing batches.
                Box::pin(RecordBatchStreamAdapter::new(
                    schema,
                    stream.map(move |batch| {
                        batch.and_then(|b| {
                            b.with_schema(Arc::clone(&target))
                                .map_err(DataFusionError::from)
                        })
                    }),
                ))
            }
            None => Box::pin(RecordBatchStreamAdapter::new(
                schema,
                futures::stream::once(async {
                    Err(DataFusionError::Internal(
                        "CTAS input stream was already consumed".to_string(),
                    ))
                }),
            )),
        }
    }
}

fn delta_type(data_type: &DataType) -> Option<DataType> {
    match data_type {
        // Spark's TIMESTAMP is an instant stored in UTC; writing naive timestamps as
        // UTC keeps tables readable by every Delta reader (no timestampNtz feature).
        DataType::Timestamp(TimeUnit::Microsecond, Some(_)) => None,
        DataType::Timestamp(_, tz) => Some(DataType::Timestamp(
            TimeUnit::Microsecond,
            Some(tz.clone().unwrap_or_else(|| "UTC".into())),
        )),
        DataType::UInt8 => Some(DataType::Int16),
        DataType::UInt16 => Some(DataType::Int32),
        DataType::UInt32 | DataType::UInt64 => Some(DataType::Int64),
        DataType::Utf8View | DataType::LargeUtf8 => Some(DataType::Utf8),
        DataType::BinaryView | DataType::LargeBinary => Some(DataType::Binary),
        DataType::Float16 => Some(DataType::Float32),
        DataType::Date64 => Some(DataType::Date32),
        DataType::Struct(fields) => {
            let converted: Vec<Option<DataType>> =
                fields.iter().map(|f| delta_type(f.data_type())).collect();
            if converted.iter().all(Option::is_none) {
                return None;
            }
            let fields: Vec<Field> = fields
                .iter()
                .zip(converted)
                .map(|(f, t)| match t {
                    Some(t) => f.as_ref().clone().with_data_type(t),
                    None => f.as_ref().clone(),
                })
                .collect();
            Some(DataType::Struct(fields.into()))
        }
        DataType::List(item) | DataType::LargeList(item) | DataType::ListView(item) => {
            let inner = delta_type(item.data_type());
            if inner.is_none() && matches!(data_type, DataType::List(_)) {
                return None;
            }
            let item = item
                .as_ref()
                .clone()
                .with_data_type(inner.unwrap_or_else(|| item.data_type().clone()));
            Some(DataType::List(Arc::new(item)))
        }
        _ => None,
    }
}
