//! Confining a session to its data roots (`ignis serve --data-root DIR`).
//!
//! The rule itself ([`DataRoots`]) lives in the catalog crate, whose file readers check
//! it too. Here it is installed at every place a session resolves a path, so that no
//! way of naming a file escapes it, whether it is written in a statement, in SQL text
//! passed to a table function, or reached by DataFusion's own file scans and writes:
//! - the session config carries the roots (the table functions look there);
//! - `CREATE EXTERNAL TABLE` checks `LOCATION` in every table factory;
//! - DataFusion's local object store (`file://`) refuses paths outside the roots, which
//!   covers `COPY ... TO` and listing-table scans;
//! - Delta paths are checked where they are opened (`DeltaLocation::check_session_roots`).

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider, TableProviderFactory};
use datafusion::common::Result;
use datafusion::execution::SessionState;
use datafusion::logical_expr::CreateExternalTable;
use futures::stream::{BoxStream, StreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
};
use url::Url;

pub use ignis_udfs::data_roots::{check_session_path, DataRoots, OUTSIDE_DATA_ROOTS};

/// Confines `state` to `roots`: config extension, table factories and object store.
pub fn install(state: &mut SessionState, roots: &Arc<DataRoots>) -> Result<()> {
    let factories = state.table_factories_mut();
    for factory in factories.values_mut() {
        *factory = Arc::new(RootedTableFactory {
            inner: Arc::clone(factory),
        });
    }
    let local = Url::parse("file://")
        .map_err(|e| datafusion::common::DataFusionError::Internal(format!("file:// URL: {e}")))?;
    state.runtime_env().register_object_store(
        &local,
        Arc::new(RootedLocalFileSystem {
            inner: LocalFileSystem::new(),
            roots: Arc::clone(roots),
        }),
    );
    Ok(())
}

/// A table factory that checks `LOCATION` before the real factory reads anything.
#[derive(Debug)]
struct RootedTableFactory {
    inner: Arc<dyn TableProviderFactory>,
}

#[async_trait]
impl TableProviderFactory for RootedTableFactory {
    async fn create(
        &self,
        state: &dyn Session,
        cmd: &CreateExternalTable,
    ) -> Result<Arc<dyn TableProvider>> {
        for location in &cmd.locations {
            check_session_path(state, location)?;
        }
        self.inner.create(state, cmd).await
    }
}

/// DataFusion's local file system, limited to the data roots.
#[derive(Debug)]
struct RootedLocalFileSystem {
    inner: LocalFileSystem,
    roots: Arc<DataRoots>,
}

impl RootedLocalFileSystem {
    fn check(&self, location: &Path) -> object_store::Result<()> {
        let path = std::path::PathBuf::from(format!("/{location}"));
        self.roots
            .check_path(&path)
            .map_err(|e| object_store::Error::PermissionDenied {
                path: path.display().to_string(),
                source: Box::new(e),
            })
    }
}

impl fmt::Display for RootedLocalFileSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LocalFileSystem limited to {:?}", self.roots.roots())
    }
}

#[async_trait]
impl ObjectStore for RootedLocalFileSystem {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        self.check(location)?;
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.check(location)?;
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        self.check(location)?;
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        let roots = Arc::clone(&self.roots);
        let checked = locations
            .map(move |location| {
                let location = location?;
                let path = std::path::PathBuf::from(format!("/{location}"));
                roots
                    .check_path(&path)
                    .map_err(|e| object_store::Error::PermissionDenied {
                        path: path.display().to_string(),
                        source: Box::new(e),
                    })?;
                Ok(location)
            })
            .boxed();
        self.inner.delete_stream(checked)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        match self.check(prefix.unwrap_or(&Path::default())) {
            Ok(()) => self.inner.list(prefix),
            Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
        }
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.check(prefix.unwrap_or(&Path::default()))?;
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        self.check(from)?;
        self.check(to)?;
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(
        &self,
        from: &Path,
        to: &Path,
        options: RenameOptions,
    ) -> object_store::Result<()> {
        self.check(from)?;
        self.check(to)?;
        self.inner.rename_opts(from, to, options).await
    }
}
