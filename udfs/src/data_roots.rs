//! Data roots: the directories a session may read and write (`ignis serve --data-root`).
//!
//! A session whose config carries a [`DataRoots`] extension refuses every path outside
//! them. The catalog's own file readers (`read_csv_checked`, `read_json_checked`, a
//! `data_quality_checks` rules file) call [`check_session_path`]; Ignis checks Delta
//! paths, `CREATE EXTERNAL TABLE` locations and DataFusion's local object store with
//! the same rule. A session without the extension (the shell, the batch runner) is
//! unrestricted.

use std::path::{Component, Path, PathBuf};

use datafusion::catalog::Session;
use datafusion::common::{plan_err, DataFusionError, Result};

/// Start of every refusal, so front doors can recognise it (the server maps it to
/// SQLSTATE 42501, insufficient privilege).
pub const OUTSIDE_DATA_ROOTS: &str = "is outside the data roots";

/// The directories a session may touch, canonicalised (symlinks resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRoots {
    roots: Vec<PathBuf>,
}

impl DataRoots {
    /// The given directories, which must exist.
    pub fn new(roots: &[PathBuf]) -> Result<Self> {
        if roots.is_empty() {
            return plan_err!("give at least one data root directory");
        }
        let mut canonical = Vec::with_capacity(roots.len());
        for root in roots {
            let path = root.canonicalize().map_err(|e| {
                DataFusionError::Configuration(format!(
                    "data root '{}' is not usable: {e}",
                    root.display()
                ))
            })?;
            if !path.is_dir() {
                return Err(DataFusionError::Configuration(format!(
                    "data root '{}' is not a directory",
                    root.display()
                )));
            }
            canonical.push(path);
        }
        Ok(Self { roots: canonical })
    }

    /// The canonical root directories.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Checks a location as a user wrote it: a local path (relative ones resolve
    /// against the current directory) or a `file://` URL. Other URL schemes are refused:
    /// roots are local directories.
    pub fn check_location(&self, location: &str) -> Result<()> {
        let location = location.trim();
        if let Some(path) = location.strip_prefix("file://") {
            return self.check_path(Path::new(path));
        }
        if location.contains("://") {
            return plan_err!(
                "location '{location}' {OUTSIDE_DATA_ROOTS} ({}): only local paths under them are allowed",
                self.describe()
            );
        }
        self.check_path(Path::new(location))
    }

    /// Checks a local path. `..` is resolved lexically, then the longest existing
    /// ancestor is canonicalised, so neither `..` nor a symlink inside a root can lead
    /// out of it.
    pub fn check_path(&self, path: &Path) -> Result<()> {
        let resolved = resolve(path)?;
        if self.roots.iter().any(|root| resolved.starts_with(root)) {
            Ok(())
        } else {
            plan_err!(
                "path '{}' {OUTSIDE_DATA_ROOTS} ({})",
                path.display(),
                self.describe()
            )
        }
    }

    fn describe(&self) -> String {
        self.roots
            .iter()
            .map(|r| r.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Checks `location` against the session's data roots, if it has any.
pub fn check_session_path(session: &dyn Session, location: &str) -> Result<()> {
    match session.config().get_extension::<DataRoots>() {
        Some(roots) => roots.check_location(location),
        None => Ok(()),
    }
}

/// The absolute, normalised form of `path` with its existing part's symlinks resolved.
fn resolve(path: &Path) -> Result<PathBuf> {
    let absolute = std::path::absolute(path)
        .map_err(|e| DataFusionError::Plan(format!("invalid path '{}': {e}", path.display())))?;
    let mut normal = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    // Canonicalise the longest prefix that exists; the rest cannot contain symlinks.
    let mut existing = normal.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            let mut full = canonical;
            for part in rest.iter().rev() {
                full.push(part);
            }
            return Ok(full);
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return Ok(normal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ignis_roots_{name}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn inside_and_outside() {
        let dir = temp_dir("inside");
        let roots = DataRoots::new(std::slice::from_ref(&dir)).unwrap();
        roots.check_path(&dir.join("lake/events")).unwrap();
        roots
            .check_location(&format!("file://{}/x", dir.display()))
            .unwrap();
        roots.check_path(&dir).unwrap();
        let err = roots.check_path(Path::new("/etc/passwd")).unwrap_err();
        assert!(err.to_string().contains(OUTSIDE_DATA_ROOTS), "{err}");
        assert!(roots.check_location("s3://bucket/t").is_err());
        assert!(roots.check_location("file:///etc").is_err());
        // `..` cannot climb out, even through a path that does not exist yet.
        assert!(roots
            .check_path(&dir.join("missing/../../../etc/passwd"))
            .is_err());
        // A sibling whose name starts with the root's name is not inside it.
        let sibling = PathBuf::from(format!("{}_other", dir.display()));
        assert!(roots.check_path(&sibling).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn symlink_out_of_a_root_is_refused() {
        let dir = temp_dir("symlink");
        std::os::unix::fs::symlink("/etc", dir.join("etc_link")).unwrap();
        let roots = DataRoots::new(std::slice::from_ref(&dir)).unwrap();
        assert!(roots.check_path(&dir.join("etc_link/passwd")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn roots_must_exist() {
        let err = DataRoots::new(&[PathBuf::from("/no/such/ignis/root")]).unwrap_err();
        assert!(err.to_string().contains("not usable"), "{err}");
        assert!(DataRoots::new(&[]).is_err());
    }
}
