//! Runs statements and prints their results with datafusion-cli's printers.
//!
//! Unlike datafusion-cli's file mode, a script stops at its first failing statement,
//! reporting `file:line`, the statement and the error: a scheduled job must not carry on
//! after a broken step.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::Result;
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion_cli::print_format::PrintFormat;
use datafusion_cli::print_options::PrintOptions;
use futures::{StreamExt, TryStreamExt};

use super::pipeline::{self, PipelineTracker};
use crate::context::IgnisContext;
use crate::display::array_as_text;
use crate::statements::split_statements;

/// A statement that failed, with where it came from.
#[derive(Debug)]
pub struct StatementError {
    pub source: String,
    pub line: usize,
    pub statement: String,
    pub error: DataFusionError,
}

impl fmt::Display for StatementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX_LINES: usize = 12;
        writeln!(f, "{}:{}: error: {}", self.source, self.line, self.error)?;
        writeln!(f, "in statement:")?;
        let lines: Vec<&str> = self.statement.lines().collect();
        for line in lines.iter().take(MAX_LINES) {
            writeln!(f, "    {line}")?;
        }
        if lines.len() > MAX_LINES {
            writeln!(f, "    ... ({} more lines)", lines.len() - MAX_LINES)?;
        }
        Ok(())
    }
}

impl std::error::Error for StatementError {}

/// Runs every statement of `script` in order, printing results (or, with `None`,
/// only running them); stops at the first error.
///
/// With `SET pipeline_log = '<delta path>'` and `SET stage = '<name>'` statements the
/// script is a pipeline whose stages are logged (see [`super::pipeline`]): a failing
/// statement inside a stage appends a FAILED row before the error is returned.
pub async fn run_script(
    ctx: &IgnisContext,
    script: &str,
    source: &str,
    print_options: Option<&PrintOptions>,
) -> std::result::Result<(), StatementError> {
    let mut tracker = PipelineTracker::start(ctx);
    let mut last_line = 0;
    for statement in split_statements(script) {
        last_line = statement.line;
        let result = run_counting(ctx, &statement.text, print_options).await;
        let result = match result {
            Ok(written) => tracker.after_statement(ctx, &statement.text, written).await,
            Err(error) => {
                let error = match tracker.fail(ctx, &error).await {
                    Ok(()) => error,
                    Err(log_error) => DataFusionError::Execution(format!(
                        "{error} (and the pipeline log could not record the failure: {log_error})"
                    )),
                };
                Err(error)
            }
        };
        if let Err(error) = result {
            return Err(StatementError {
                source: source.to_string(),
                line: statement.line,
                statement: statement.text,
                error,
            });
        }
    }
    tracker.finish(ctx).await.map_err(|error| StatementError {
        source: source.to_string(),
        line: last_line,
        statement: String::new(),
        error,
    })
}

/// Runs one statement, printing its result with `print_options` (or draining it);
/// returns the rows it wrote (see [`pipeline::rows_written`]).
async fn run_counting(
    ctx: &IgnisContext,
    sql: &str,
    print_options: Option<&PrintOptions>,
) -> Result<u64> {
    if !pipeline::is_write(sql) {
        return match print_options {
            Some(options) => run_and_print(ctx, sql, options).await.map(|()| 0),
            None => run_silently(ctx, sql).await.map(|()| 0),
        };
    }
    // A write's result is one short row: keep it to count the rows written.
    let start = Instant::now();
    let df = ctx.execute(sql).await?;
    let schema = df.schema().inner().clone();
    let batches = df.collect().await?;
    let written = pipeline::rows_written(sql, &schema, &batches);
    if let Some(options) = print_options {
        let format_options = ctx.session().state().config().options().format.clone();
        let rows = batches.iter().map(|b| b.num_rows()).sum();
        options.print_batches(schema, &batches, start, rows, &format_options)?;
    }
    Ok(written)
}

/// Runs a `.sql` file; see [`run_script`].
pub async fn run_file(
    ctx: &IgnisContext,
    path: &Path,
    print_options: Option<&PrintOptions>,
) -> std::result::Result<(), StatementError> {
    let source = path.display().to_string();
    let script = std::fs::read_to_string(path).map_err(|e| StatementError {
        source: source.clone(),
        line: 0,
        statement: String::new(),
        error: DataFusionError::Execution(format!("cannot read script {source}: {e}")),
    })?;
    run_script(ctx, &script, &source, print_options).await
}

/// Executes one statement and prints its result.
pub async fn run_and_print(
    ctx: &IgnisContext,
    sql: &str,
    print_options: &PrintOptions,
) -> Result<()> {
    let start = Instant::now();
    let df = ctx.execute(sql).await?;
    let format_options = ctx.session().state().config().options().format.clone();
    if print_options.format == PrintFormat::Table {
        let schema = df.schema().inner().clone();
        let batches = df.collect().await?;
        let rows = batches.iter().map(|b| b.num_rows()).sum();
        print_options.print_batches(schema, &batches, start, rows, &format_options)
    } else if print_options.format == PrintFormat::Automatic {
        // datafusion-cli prints "automatic" as CSV.
        let stream = nested_as_text(df.execute_stream().await?)?;
        let schema = stream.schema();
        let batches: Vec<RecordBatch> = stream.try_collect().await?;
        let rows = batches.iter().map(|b| b.num_rows()).sum();
        print_options.print_batches(schema, &batches, start, rows, &format_options)
    } else {
        // Streaming keeps memory flat for large CSV/JSON exports.
        let mut stream = df.execute_stream().await?;
        if matches!(print_options.format, PrintFormat::Csv | PrintFormat::Tsv) {
            stream = nested_as_text(stream)?;
        }
        print_options
            .print_stream(stream, start, &format_options)
            .await
    }
}

/// Renders struct, list and map columns as text (`{start: .., end: ..}`, `[a, b]`), as
/// the table printer shows them: Arrow's CSV writer refuses nested types, and a query
/// returning Spark's `window` struct must still export.
fn nested_as_text(stream: SendableRecordBatchStream) -> Result<SendableRecordBatchStream> {
    let schema = stream.schema();
    let is_nested: Vec<bool> = schema
        .fields()
        .iter()
        .map(|f| f.data_type().is_nested())
        .collect();
    if !is_nested.contains(&true) {
        return Ok(stream);
    }
    let text_schema = Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .zip(&is_nested)
            .map(|(field, nested)| match nested {
                true => Field::new(field.name(), DataType::Utf8, field.is_nullable()),
                false => field.as_ref().clone(),
            })
            .collect::<Vec<_>>(),
    ));
    let output_schema = Arc::clone(&text_schema);
    let batches = stream.map(move |batch| {
        let batch = batch?;
        let columns = batch
            .columns()
            .iter()
            .zip(&is_nested)
            .map(|(column, nested)| match nested {
                true => array_as_text(column.as_ref()),
                false => Ok(Arc::clone(column)),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(RecordBatch::try_new(Arc::clone(&text_schema), columns)?)
    });
    Ok(Box::pin(RecordBatchStreamAdapter::new(
        output_schema,
        batches,
    )))
}

/// Executes one statement, draining its result without printing.
pub async fn run_silently(ctx: &IgnisContext, sql: &str) -> Result<()> {
    let mut stream = ctx.execute(sql).await?.execute_stream().await?;
    while let Some(batch) = futures::StreamExt::next(&mut stream).await {
        batch?;
    }
    Ok(())
}
