//! Delta Lake tables in an Ignis session, on delta-rs.
//!
//! - [`DeltaSchemaProvider`] makes ``delta.`/path` `` resolve to a Delta table (Spark syntax);
//! - [`write_query`] writes a query's result as exactly one Delta commit
//!   (`CREATE [OR REPLACE] TABLE delta.`p` AS SELECT`);
//! - [`history`] / the `delta_history` table function back `DESCRIBE HISTORY`;
//! - [`merge`] runs `MERGE INTO` on delta-rs's merge operation;
//! - [`optimize`] / [`vacuum`] back `OPTIMIZE` and `VACUUM` (maintenance.rs).
//!
//! `INSERT INTO` / `INSERT OVERWRITE` go through delta-rs's own table provider
//! (`insert_into`); `CREATE EXTERNAL TABLE ... STORED AS DELTA` registers a
//! [`LiveDeltaTable`], which always sees the latest commit.

mod history;
mod live_table;
mod location;
mod maintenance;
mod merge;
mod scd2;
mod schema_provider;
mod write;

pub use history::{history, DeltaHistoryFunction};
pub use live_table::{LiveDeltaTable, LiveDeltaTableFactory};
pub use location::{parse_timestamp, DeltaLocation, TableVersion};
pub use maintenance::{
    optimize, optimize_result, parse_partition_predicate, retention_check_enabled, vacuum,
    vacuum_result, OptimizeOptions, OptimizeSummary, PartitionFilter, VacuumOptions, VacuumSummary,
    RETENTION_CHECK_VARIABLE,
};
pub use merge::{merge, rewrite_star_actions, MergeRequest, MergeSummary};
pub use scd2::Scd2MergeFunction;
pub use schema_provider::{DeltaSchemaProvider, DELTA_SCHEMA};
pub use write::{write_query, CreateMode, WriteSummary};

use std::sync::Arc;

use datafusion::catalog::TableProvider;
use datafusion::common::{plan_err, DataFusionError, Result};
use deltalake::{DeltaTable, DeltaTableBuilder};

/// Opens the Delta table at `location` (at the version it names), with errors that
/// say whether the path is missing or simply not a Delta table.
pub async fn open_table(location: &DeltaLocation) -> Result<DeltaTable> {
    if let Some(path) = &location.local_path {
        if !path.exists() {
            return plan_err!(
                "Delta table '{}' not found: path {} does not exist",
                location.display,
                path.display()
            );
        }
        if !location.is_delta_table() {
            return plan_err!(
                "'{}' is not a Delta table: {} has no _delta_log directory",
                location.display,
                path.display()
            );
        }
    }
    let builder = DeltaTableBuilder::from_url(location.url.clone())?;
    let builder = match &location.version {
        TableVersion::Latest => builder,
        TableVersion::Version(v) => builder.with_version(*v),
        TableVersion::AsOf(ts) => builder.with_timestamp(*ts),
    };
    builder.load().await.map_err(|e| {
        DataFusionError::Plan(format!(
            "cannot open Delta table '{}': {e}",
            location.display
        ))
    })
}

/// A DataFusion table provider for a Delta table location.
pub async fn table_provider(location: &DeltaLocation) -> Result<Arc<dyn TableProvider>> {
    let table = open_table(location).await?;
    maintenance::check_version_files(&table, location).await?;
    table.table_provider().await
}
