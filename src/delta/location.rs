//! Where a Delta table lives and which version of it a statement means.
//!
//! Spark and Databricks name a table by path as ``delta.`/some/path` ``; Delta's own
//! time-travel shorthand appends `@v<N>` (a version) or `@<timestamp>` to that path.
//! Ignis accepts both, plus `VERSION AS OF n` / `TIMESTAMP AS OF '...'`, which the
//! statement layer rewrites into the `@` form before DataFusion plans the query.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use datafusion::catalog::Session;
use datafusion::common::{plan_datafusion_err, plan_err, Result};
use ignis_udfs::data_roots::DataRoots;
use url::Url;

/// A version selector for time travel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableVersion {
    Latest,
    Version(u64),
    AsOf(DateTime<Utc>),
}

/// A Delta table location (a local directory or an object-store URL) and a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaLocation {
    /// The location as the user wrote it, for error messages.
    pub display: String,
    pub url: Url,
    /// Local directory, when the location is on the local file system.
    pub local_path: Option<PathBuf>,
    pub version: TableVersion,
}

impl DeltaLocation {
    /// Parses a table path as written inside ``delta.`...` ``, with an optional
    /// `@v<N>` / `@<timestamp>` suffix. Relative paths resolve against the
    /// current directory.
    pub fn parse(spec: &str) -> Result<Self> {
        let spec = spec.trim();
        if spec.is_empty() {
            return plan_err!("empty Delta table path in delta.`...`");
        }
        let (path_part, version) = match spec.rsplit_once('@') {
            Some((path, suffix)) if !path.is_empty() && !suffix.contains('/') => {
                (path, parse_version_suffix(suffix)?)
            }
            _ => (spec, TableVersion::Latest),
        };
        let (url, local_path) = to_url(path_part)?;
        Ok(Self {
            display: path_part.to_string(),
            url,
            local_path,
            version,
        })
    }

    /// The same location at its latest version.
    pub fn latest(&self) -> Self {
        Self {
            version: TableVersion::Latest,
            ..self.clone()
        }
    }

    /// True when the location holds a Delta log (a `_delta_log` directory).
    /// Non-local locations are assumed to exist and checked when opened.
    pub fn is_delta_table(&self) -> bool {
        match &self.local_path {
            Some(path) => path.join("_delta_log").is_dir(),
            None => true,
        }
    }
}

impl DeltaLocation {
    /// Refuses a Delta location outside `roots` (non-local locations always are).
    pub fn check_roots(&self, roots: &DataRoots) -> Result<()> {
        match &self.local_path {
            Some(path) => roots.check_path(path),
            None => roots.check_location(self.url.as_str()),
        }
    }

    /// Refuses a Delta location outside the session's data roots, if it has any.
    pub fn check_session_roots(&self, session: &dyn Session) -> Result<()> {
        match session.config().get_extension::<DataRoots>() {
            Some(roots) => self.check_roots(&roots),
            None => Ok(()),
        }
    }
}

fn to_url(path: &str) -> Result<(Url, Option<PathBuf>)> {
    if let Some(rest) = path.strip_prefix("file://") {
        return local_url(Path::new(rest), path);
    }
    if path.contains("://") {
        let url = Url::parse(path)
            .map_err(|e| plan_datafusion_err!("invalid Delta table URL '{path}': {e}"))?;
        return Ok((url, None));
    }
    local_url(Path::new(path), path)
}

fn local_url(path: &Path, display: &str) -> Result<(Url, Option<PathBuf>)> {
    let absolute = std::path::absolute(path)
        .map_err(|e| plan_datafusion_err!("invalid Delta table path '{display}': {e}"))?;
    let absolute = normalize(&absolute);
    let url = Url::from_directory_path(&absolute)
        .map_err(|_| plan_datafusion_err!("invalid Delta table path '{display}'"))?;
    Ok((url, Some(absolute)))
}

/// Removes `.` and `..` components without touching the file system, so a path that
/// does not exist yet (a table about to be created) still has one canonical form.
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn parse_version_suffix(suffix: &str) -> Result<TableVersion> {
    if let Some(number) = suffix.strip_prefix(['v', 'V']) {
        return match number.parse::<u64>() {
            Ok(v) => Ok(TableVersion::Version(v)),
            _ => plan_err!("invalid Delta table version '@{suffix}': expected @v<N> with N >= 0"),
        };
    }
    parse_timestamp(suffix).map(TableVersion::AsOf)
}

/// Accepts RFC 3339, `YYYY-MM-DD[ HH:MM:SS[.fff]]` (UTC) and Delta's compact
/// `yyyyMMddHHmmssSSS` form.
pub fn parse_timestamp(text: &str) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(ts) = DateTime::parse_from_rfc3339(text) {
        return Ok(ts.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y%m%d%H%M%S%3f",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(Utc.from_utc_datetime(&naive));
        }
    }
    if let Some(naive) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        return Ok(Utc.from_utc_datetime(&naive));
    }
    plan_err!(
        "invalid time-travel timestamp '{text}': expected e.g. '2025-01-31 12:00:00' or RFC 3339"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions_and_paths() -> Result<()> {
        let loc = DeltaLocation::parse("/tmp/a/b@v3")?;
        assert_eq!(loc.version, TableVersion::Version(3));
        assert_eq!(loc.local_path, Some(PathBuf::from("/tmp/a/b")));
        assert_eq!(loc.url.as_str(), "file:///tmp/a/b/");

        let loc = DeltaLocation::parse("/tmp/x/../y")?;
        assert_eq!(loc.local_path, Some(PathBuf::from("/tmp/y")));
        assert_eq!(loc.version, TableVersion::Latest);

        let loc = DeltaLocation::parse("/tmp/t@2025-01-02 03:04:05")?;
        assert!(matches!(loc.version, TableVersion::AsOf(_)));

        assert!(DeltaLocation::parse("/tmp/t@v-1").is_err());
        assert!(DeltaLocation::parse("/tmp/t@yesterday").is_err());
        assert!(DeltaLocation::parse("").is_err());
        Ok(())
    }

    #[test]
    fn relative_paths_resolve_against_cwd() -> Result<()> {
        let loc = DeltaLocation::parse("some/rel")?;
        let cwd = std::env::current_dir()?;
        assert_eq!(loc.local_path, Some(cwd.join("some/rel")));
        Ok(())
    }
}
