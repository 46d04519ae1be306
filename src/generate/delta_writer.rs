//! Streaming Delta writes: a lazily generated sequence of record batches is exposed to
//! deltalake's `WriteBuilder` as a single-partition DataFusion streaming table, so a
//! table of any size is written in bounded memory and committed once
//! (`SaveMode::Overwrite`, schema overwrite allowed so re-runs always succeed).

use std::fmt;
use std::future::IntoFuture;
use std::path::Path;
use std::sync::Arc;

use deltalake::arrow::array::RecordBatch;
use deltalake::arrow::datatypes::SchemaRef;
use deltalake::arrow::error::ArrowError;
use deltalake::datafusion::catalog::streaming::StreamingTable;
use deltalake::datafusion::datasource::provider_as_source;
use deltalake::datafusion::error::DataFusionError;
use deltalake::datafusion::execution::{SendableRecordBatchStream, TaskContext};
use deltalake::datafusion::logical_expr::LogicalPlanBuilder;
use deltalake::datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use deltalake::datafusion::physical_plan::streaming::PartitionStream;
use deltalake::operations::write::SchemaMode;
use deltalake::protocol::SaveMode;
use deltalake::DeltaTable;
use futures::channel::mpsc;
use futures::{FutureExt, StreamExt};

use super::{fmt_count, GenerateError};

/// Rows per generated record batch (the last batch of a table may be smaller; batches
/// built from whole customers may slightly exceed it).
pub(super) const BATCH_ROWS: usize = 65_536;

/// A lazily evaluated sequence of record batches.
pub(super) type BatchIter = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

/// Creates a fresh batch iterator each time the table is scanned.
type BatchFactory = Arc<dyn Fn() -> BatchIter + Send + Sync>;

/// Single DataFusion partition that runs a [`BatchFactory`] and reports the number of
/// rows of every produced batch through a channel (for progress lines).
struct GeneratedPartition {
    schema: SchemaRef,
    factory: BatchFactory,
    rows_tx: mpsc::UnboundedSender<u64>,
}

impl fmt::Debug for GeneratedPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedPartition")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl PartitionStream for GeneratedPartition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let tx = self.rows_tx.clone();
        let batches = (self.factory)().map(move |batch| {
            if let Ok(b) = &batch {
                // The receiver only drives progress output; a closed channel is harmless.
                let _ = tx.unbounded_send(b.num_rows() as u64);
            }
            batch.map_err(DataFusionError::from)
        });
        Box::pin(RecordBatchStreamAdapter::new(
            Arc::clone(&self.schema),
            futures::stream::iter(batches),
        ))
    }
}

/// Write the batches produced by `factory` as the Delta table at `location`
/// (overwriting any existing table in one commit). `expected_rows` is only used for
/// progress lines. Returns the number of rows written.
pub(super) async fn write_delta<F>(
    name: &str,
    location: &Path,
    schema: SchemaRef,
    expected_rows: u64,
    factory: F,
    progress: &dyn Fn(&str),
) -> Result<u64, GenerateError>
where
    F: Fn() -> BatchIter + Send + Sync + 'static,
{
    std::fs::create_dir_all(location)?;
    let url = url::Url::from_directory_path(location)
        .map_err(|()| GenerateError::InvalidPath(location.to_path_buf()))?;
    let table = DeltaTable::try_from_url(url).await?;

    let (rows_tx, mut rows_rx) = mpsc::unbounded::<u64>();
    let partition = GeneratedPartition {
        schema: Arc::clone(&schema),
        factory: Arc::new(factory),
        rows_tx,
    };
    let partition: Arc<dyn PartitionStream> = Arc::new(partition);
    let provider = StreamingTable::try_new(schema, vec![partition])?;
    let plan =
        LogicalPlanBuilder::scan(name, provider_as_source(Arc::new(provider)), None)?.build()?;

    let write = table
        .write(Vec::<RecordBatch>::new())
        .with_input_plan(plan)
        .with_save_mode(SaveMode::Overwrite)
        .with_schema_mode(SchemaMode::Overwrite)
        .with_table_name(name)
        .into_future()
        .fuse();
    let mut write = std::pin::pin!(write);

    let mut rows: u64 = 0;
    let mut reported_tenths: u64 = 0;
    let result = loop {
        futures::select! {
            res = write => break res,
            n = rows_rx.next() => {
                if let Some(n) = n {
                    rows += n;
                    let tenths = (rows * 10).checked_div(expected_rows).unwrap_or(10);
                    if tenths > reported_tenths && rows < expected_rows {
                        reported_tenths = tenths;
                        progress(&format!(
                            "{name}: {} / {} rows",
                            fmt_count(rows),
                            fmt_count(expected_rows)
                        ));
                    }
                }
            }
        }
    };
    result?;
    while let Ok(n) = rows_rx.try_recv() {
        rows += n;
    }
    progress(&format!("{name}: {} rows written", fmt_count(rows)));
    Ok(rows)
}

/// Writes one in-memory batch (a small table: ground truth, dimensions) as the Delta
/// table at `location`. Returns the number of rows written.
pub(super) async fn write_batch(
    name: &str,
    location: &Path,
    schema: SchemaRef,
    batch: RecordBatch,
    progress: &dyn Fn(&str),
) -> Result<u64, GenerateError> {
    let rows = batch.num_rows() as u64;
    let factory = move || -> BatchIter { Box::new(std::iter::once(Ok(batch.clone()))) };
    write_delta(name, location, schema, rows, factory, progress).await
}

/// [`write_batch`] to `root/name`, returning `(name, rows)` as the group writers report.
pub(super) async fn write_named_batch(
    name: &str,
    root: &Path,
    schema: SchemaRef,
    batch: RecordBatch,
    progress: &dyn Fn(&str),
) -> Result<(String, u64), GenerateError> {
    let rows = write_batch(name, &root.join(name), schema, batch, progress).await?;
    Ok((name.to_string(), rows))
}
