//! Pipeline stage logging for batch scripts: a plain SQL script becomes an ETL pipeline
//! whose stages are logged to a Delta table, as the seed's `log_event` does.
//!
//! ```sql
//! SET pipeline_log = '${out}/etl_pipeline_logs';   -- turns logging on
//! SET pipeline_id = 'nightly_2025_01_31';           -- optional; generated if unset
//! SET stage = 'extract_customers';                  -- opens a stage
//! CREATE OR REPLACE TABLE delta.`...` AS SELECT ...;
//! SET stage = 'transform_orders';                   -- closes it (SUCCESS), opens the next
//! ...
//! ```
//!
//! A stage runs from its `SET stage` to the next one (or `SET stage = ''`, or the end
//! of the script). When it ends, one SUCCESS row is appended to the log table; when one
//! of its statements fails, one FAILED row with the error message is appended and the
//! script stops with that error. `records_processed` is the number of rows the stage's
//! statements wrote (CREATE TABLE AS, INSERT, COPY, MERGE's affected rows);
//! `records_rejected` the malformed rows that `read_csv_checked` / `read_json_checked`
//! met in the stage (latest read of each file).
//!
//! The log table (created on first use, one Delta commit per row): pipeline_id, stage,
//! status ('SUCCESS' or 'FAILED'), start_time, end_time (UTC timestamps),
//! records_processed, records_rejected, error_message.

use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{
    Array, ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray, UInt64Array,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::common::{plan_datafusion_err, DataFusionError, Result};
use deltalake::protocol::SaveMode;
use deltalake::DeltaTable;
use regex::Regex;

use crate::context::IgnisContext;
use crate::delta::{self, DeltaLocation, TableVersion};

/// The variable naming the log table (logging is off while it is unset or empty).
pub const LOG_VARIABLE: &str = "pipeline_log";
/// The variable holding the pipeline id (generated as `ETL_<yyyymmdd_hhmmss>` if unset).
pub const ID_VARIABLE: &str = "pipeline_id";
/// The variable naming the current stage.
pub const STAGE_VARIABLE: &str = "stage";

/// `SET stage = ...` / `SET stage TO ...`.
static SET_STAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^\s*SET\s+stage\s*(?:=|\s+TO\s)")
        .unwrap_or_else(|_| unreachable!("static regex"))
});

pub const SUCCESS: &str = "SUCCESS";
pub const FAILED: &str = "FAILED";

/// The log table's schema.
pub fn log_schema() -> SchemaRef {
    let timestamp = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    Arc::new(Schema::new(vec![
        Field::new("pipeline_id", DataType::Utf8, true),
        Field::new("stage", DataType::Utf8, true),
        Field::new("status", DataType::Utf8, true),
        Field::new("start_time", timestamp.clone(), true),
        Field::new("end_time", timestamp, true),
        Field::new("records_processed", DataType::Int64, true),
        Field::new("records_rejected", DataType::Int64, true),
        Field::new("error_message", DataType::Utf8, true),
    ]))
}

#[derive(Debug)]
struct OpenStage {
    name: String,
    start: DateTime<Utc>,
    records: u64,
}

/// Follows the `stage` variable through a script and writes the log rows.
#[derive(Debug, Default)]
pub struct PipelineTracker {
    current: Option<OpenStage>,
}

impl PipelineTracker {
    /// Starts tracking; a stage already set (`--set stage=...`) opens now.
    pub fn start(ctx: &IgnisContext) -> Self {
        let mut tracker = Self::default();
        tracker.sync_stage(ctx);
        tracker
    }

    /// After statement `sql` succeeded: counts the rows it wrote, then closes the current
    /// stage (SUCCESS) and opens the next if the statement set the `stage` variable (even
    /// to the same name: a repeated stage is logged once per run of it).
    pub async fn after_statement(
        &mut self,
        ctx: &IgnisContext,
        sql: &str,
        written: u64,
    ) -> Result<()> {
        if let Some(stage) = &mut self.current {
            stage.records += written;
        }
        if SET_STAGE.is_match(sql)
            || current_stage_name(ctx) != self.current.as_ref().map(|s| s.name.clone())
        {
            self.close(ctx, SUCCESS, None).await?;
            self.sync_stage(ctx);
        }
        Ok(())
    }

    /// A statement failed: writes the current stage's FAILED row (if any stage is open).
    pub async fn fail(&mut self, ctx: &IgnisContext, error: &DataFusionError) -> Result<()> {
        let message = error.to_string();
        self.close(ctx, FAILED, Some(&message)).await
    }

    /// End of the script: the open stage (if any) succeeded.
    pub async fn finish(&mut self, ctx: &IgnisContext) -> Result<()> {
        self.close(ctx, SUCCESS, None).await
    }

    fn sync_stage(&mut self, ctx: &IgnisContext) {
        self.current = current_stage_name(ctx).map(|name| {
            let logging = matches!(log_location(ctx), Ok(Some(_)));
            if logging && !ctx.variables().contains_key(ID_VARIABLE) {
                let id = format!("ETL_{}", Utc::now().format("%Y%m%d_%H%M%S"));
                ctx.set_variable(ID_VARIABLE, &id);
            }
            // Malformed rows read before the stage are not its own.
            ctx.take_malformed_counts();
            OpenStage {
                name,
                start: Utc::now(),
                records: 0,
            }
        });
    }

    async fn close(
        &mut self,
        ctx: &IgnisContext,
        status: &str,
        error_message: Option<&str>,
    ) -> Result<()> {
        let Some(stage) = self.current.take() else {
            return Ok(());
        };
        let rejected: u64 = ctx.take_malformed_counts().values().sum();
        let Some(log) = log_location(ctx)? else {
            return Ok(());
        };
        let pipeline_id = ctx
            .variables()
            .get(ID_VARIABLE)
            .cloned()
            .unwrap_or_default();
        let micros = |t: DateTime<Utc>| t.timestamp_micros();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec![pipeline_id])),
            Arc::new(StringArray::from(vec![stage.name.clone()])),
            Arc::new(StringArray::from(vec![status])),
            Arc::new(
                TimestampMicrosecondArray::from(vec![micros(stage.start)]).with_timezone("UTC"),
            ),
            Arc::new(
                TimestampMicrosecondArray::from(vec![micros(Utc::now())]).with_timezone("UTC"),
            ),
            Arc::new(Int64Array::from(vec![to_i64(stage.records)])),
            Arc::new(Int64Array::from(vec![to_i64(rejected)])),
            Arc::new(StringArray::from(vec![error_message])),
        ];
        let batch = RecordBatch::try_new(log_schema(), columns)?;
        append(&log, batch).await.map_err(|e| {
            plan_datafusion_err!(
                "cannot write the pipeline log '{}' for stage '{}': {e}",
                log.display,
                stage.name
            )
        })
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn current_stage_name(ctx: &IgnisContext) -> Option<String> {
    ctx.variables()
        .get(STAGE_VARIABLE)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The log table, if logging is on; an error if `pipeline_log` is not a table path.
fn log_location(ctx: &IgnisContext) -> Result<Option<DeltaLocation>> {
    let Some(path) = ctx
        .variables()
        .get(LOG_VARIABLE)
        .map(|p| p.trim().to_string())
    else {
        return Ok(None);
    };
    if path.is_empty() {
        return Ok(None);
    }
    DeltaLocation::parse(&path)
        .map(Some)
        .map_err(|e| plan_datafusion_err!("{LOG_VARIABLE} '{path}' is not a table path: {e}"))
}

/// Appends one batch to the Delta table at `location`, creating the table if needed.
async fn append(location: &DeltaLocation, batch: RecordBatch) -> Result<()> {
    if location.version != TableVersion::Latest {
        return Err(plan_datafusion_err!(
            "the log must be a table path without a version (@v...)"
        ));
    }
    let table = if location.is_delta_table() {
        delta::open_table(location).await?
    } else {
        if let Some(path) = &location.local_path {
            std::fs::create_dir_all(path).map_err(|e| {
                plan_datafusion_err!("cannot create directory {}: {e}", path.display())
            })?;
        }
        DeltaTable::try_from_url(location.url.clone()).await?
    };
    table
        .write(vec![batch])
        .with_save_mode(SaveMode::Append)
        .await?;
    Ok(())
}

/// Rows written by a statement, from its result: the `rows_written` of CREATE TABLE AS,
/// the `num_affected_rows` of MERGE, the `count` of INSERT and COPY; 0 for anything else.
pub fn rows_written(sql: &str, schema: &Schema, batches: &[RecordBatch]) -> u64 {
    let keyword = first_keyword(sql);
    let column = if schema.index_of("rows_written").is_ok() {
        "rows_written"
    } else if schema.index_of("num_affected_rows").is_ok() && keyword == "MERGE" {
        "num_affected_rows"
    } else if schema.fields().len() == 1
        && schema.field(0).name() == "count"
        && matches!(keyword.as_str(), "INSERT" | "COPY")
    {
        "count"
    } else {
        return 0;
    };
    batches
        .iter()
        .filter_map(|batch| {
            let array = batch.column_by_name(column)?;
            if let Some(values) = array.as_any().downcast_ref::<UInt64Array>() {
                return Some(values.iter().flatten().sum::<u64>());
            }
            array
                .as_any()
                .downcast_ref::<Int64Array>()
                .map(|values| values.iter().flatten().map(|v| v.max(0) as u64).sum())
        })
        .sum()
}

/// Whether a statement's result may carry a rows-written count (so the runner keeps
/// its batches to count them).
pub fn is_write(sql: &str) -> bool {
    matches!(
        first_keyword(sql).as_str(),
        "CREATE" | "INSERT" | "COPY" | "MERGE"
    )
}

/// The statement's first word, upper-cased.
fn first_keyword(sql: &str) -> String {
    sql.trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase()
}
