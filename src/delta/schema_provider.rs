//! The `delta` schema: ``delta.`/path/to/table` `` resolves to the Delta table at that path.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{SchemaProvider, TableProvider};
use datafusion::common::{plan_err, Result};
use ignis_udfs::data_roots::DataRoots;

use super::{table_provider, DeltaLocation};

/// Name of the schema whose table names are Delta table paths.
pub const DELTA_SCHEMA: &str = "delta";

/// A schema with one "table" per Delta table path. Every lookup reads the table's
/// log afresh, so a query always sees the latest commit (or the version it asks for).
/// With data roots, paths outside them are refused.
#[derive(Debug, Default)]
pub struct DeltaSchemaProvider {
    pub data_roots: Option<Arc<DataRoots>>,
}

impl DeltaSchemaProvider {
    fn location(&self, name: &str) -> Result<DeltaLocation> {
        let location = DeltaLocation::parse(name)?;
        if let Some(roots) = &self.data_roots {
            location.check_roots(roots)?;
        }
        Ok(location)
    }
}

#[async_trait]
impl SchemaProvider for DeltaSchemaProvider {
    /// Paths are not enumerable; `SHOW TABLES` lists registered tables only.
    fn table_names(&self) -> Vec<String> {
        Vec::new()
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        let location = self.location(name)?;
        table_provider(&location).await.map(Some)
    }

    fn register_table(
        &self,
        name: String,
        _table: Arc<dyn TableProvider>,
    ) -> Result<Option<Arc<dyn TableProvider>>> {
        plan_err!(
            "cannot register a table as delta.`{name}`: write it with CREATE TABLE delta.`{name}` AS SELECT ..."
        )
    }

    fn table_exist(&self, name: &str) -> bool {
        self.location(name).is_ok_and(|loc| loc.is_delta_table())
    }
}
