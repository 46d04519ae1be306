//! Delta tables registered by name (`CREATE EXTERNAL TABLE t STORED AS DELTA LOCATION ...`).
//!
//! delta-rs's factory pins the snapshot that was current at registration, so a session
//! that appends through the name and reads it back would see stale data. Here every scan
//! and insert reloads the latest snapshot first, as Spark's catalog tables behave.

use std::borrow::Cow;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider, TableProviderFactory};
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::dml::InsertOp;
use datafusion::logical_expr::{CreateExternalTable, Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;

use super::{table_provider, DeltaLocation};

/// A Delta table by location that always reads and writes its latest version.
#[derive(Debug)]
pub struct LiveDeltaTable {
    location: DeltaLocation,
    /// The latest provider seen; refreshed before each scan or insert.
    current: RwLock<Arc<dyn TableProvider>>,
}

impl LiveDeltaTable {
    pub async fn open(location: DeltaLocation) -> Result<Self> {
        let provider = table_provider(&location).await?;
        Ok(Self {
            location,
            current: RwLock::new(provider),
        })
    }

    async fn refresh(&self) -> Result<Arc<dyn TableProvider>> {
        let provider = table_provider(&self.location).await?;
        if let Ok(mut current) = self.current.write() {
            *current = Arc::clone(&provider);
        }
        Ok(provider)
    }

    fn current(&self) -> Result<Arc<dyn TableProvider>> {
        match self.current.read() {
            Ok(p) => Ok(Arc::clone(&p)),
            Err(_) => plan_err!(
                "Delta table '{}' state is unavailable",
                self.location.display
            ),
        }
    }
}

#[async_trait]
impl TableProvider for LiveDeltaTable {
    fn schema(&self) -> SchemaRef {
        match self.current.read() {
            Ok(p) => p.schema(),
            Err(poisoned) => poisoned.into_inner().schema(),
        }
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn get_table_definition(&self) -> Option<&str> {
        None
    }

    fn get_logical_plan(&self) -> Option<Cow<'_, datafusion::logical_expr::LogicalPlan>> {
        None
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        self.current()?.supports_filters_pushdown(filters)
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let provider = self.refresh().await?;
        provider.scan(state, projection, filters, limit).await
    }

    async fn insert_into(
        &self,
        state: &dyn Session,
        input: Arc<dyn ExecutionPlan>,
        insert_op: InsertOp,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.refresh()
            .await?
            .insert_into(state, input, insert_op)
            .await
    }
}

/// `STORED AS DELTA` / `STORED AS DELTATABLE`.
#[derive(Debug, Default)]
pub struct LiveDeltaTableFactory;

#[async_trait]
impl TableProviderFactory for LiveDeltaTableFactory {
    async fn create(
        &self,
        state: &dyn Session,
        cmd: &CreateExternalTable,
    ) -> Result<Arc<dyn TableProvider>> {
        if !cmd.options.is_empty() {
            return plan_err!(
                "OPTIONS are not supported for Delta tables yet (got {:?})",
                cmd.options.keys().collect::<Vec<_>>()
            );
        }
        let [location] = cmd.locations.as_slice() else {
            return plan_err!(
                "a Delta table needs exactly one LOCATION, got {}",
                cmd.locations.len()
            );
        };
        let location = DeltaLocation::parse(location)?;
        location.check_session_roots(state)?;
        Ok(Arc::new(LiveDeltaTable::open(location).await?))
    }
}
