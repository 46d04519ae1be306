//! Delta table maintenance: `OPTIMIZE` (compaction or Z-ordering) and `VACUUM`, on
//! delta-rs's optimize and vacuum operations.
//!
//! - `OPTIMIZE <table> [WHERE <partition predicate>] [ZORDER BY (col, ...)]` rewrites small
//!   files into larger ones (bins up to the table's `delta.targetFileSize`, 100 MiB by
//!   default) as one commit; with `ZORDER BY` it rewrites every file of each selected
//!   partition sorted along a Z-order curve of the columns. A table with nothing to
//!   compact is left at its version.
//! - `VACUUM <table> [LITE | FULL] [RETAIN <n> HOURS] [DRY RUN]` deletes files the table
//!   no longer references and that are older than the retention (by default the table's
//!   `delta.deletedFileRetentionDuration`, 7 days). A shorter retention is refused unless
//!   the session sets `SET delta_retention_check = false`, the Ignis counterpart of Spark's
//!   `spark.databricks.delta.retentionDurationCheck.enabled`.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{plan_datafusion_err, plan_err, DataFusionError, Result};
use datafusion::execution::SessionState;
use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, UnaryOperator, Value};
use datafusion::sql::sqlparser::dialect::Dialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::sqlparser::tokenizer::Token;
use deltalake::operations::optimize::{Metrics, OptimizeType};
use deltalake::operations::vacuum::VacuumMode;
use deltalake::table::config::TablePropertiesExt;
use deltalake::{DeltaTable, FilterLiteral, FilterOp, FilterValue};
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::ObjectStoreExt;

use super::{open_table, DeltaLocation, TableVersion};

/// The session variable that, set to `false`, lets `VACUUM` use a retention shorter
/// than the table's `delta.deletedFileRetentionDuration`.
pub const RETENTION_CHECK_VARIABLE: &str = "delta_retention_check";

/// One conjunct of `OPTIMIZE ... WHERE`: a comparison of a partition column with
/// literal values (as text; delta-rs parses them with the column's type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionFilter {
    pub column: String,
    /// True when the column was written quoted: matched exactly, not case-insensitively.
    pub quoted: bool,
    pub op: FilterOp,
    /// One value for comparisons, the list for `IN` / `NOT IN`; `""` stands for NULL.
    pub values: Vec<String>,
}

/// What `OPTIMIZE` should do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptimizeOptions {
    /// Partition filters, all of which must hold (`WHERE a = 1 AND b IN (...)`).
    pub filters: Vec<PartitionFilter>,
    /// `ZORDER BY` columns; empty for plain compaction.
    pub zorder_by: Vec<String>,
}

/// What `VACUUM` should do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VacuumOptions {
    /// `RETAIN n HOURS`; the table's deleted-file retention when absent.
    pub retain_hours: Option<f64>,
    pub dry_run: bool,
    /// `LITE`: only delete files the log recorded as removed. Otherwise (`FULL`, the
    /// default as in Databricks) also delete files in the table directory that the log
    /// never referenced (e.g. left by failed writes).
    pub lite: bool,
}

/// The outcome of `OPTIMIZE`.
#[derive(Debug, Clone)]
pub struct OptimizeSummary {
    /// Table version after the operation (unchanged when there was nothing to do).
    pub version: u64,
    pub metrics: Metrics,
}

/// The outcome of `VACUUM`.
#[derive(Debug, Clone)]
pub struct VacuumSummary {
    /// Full paths of the files deleted (or, on a dry run, that would be deleted).
    pub files: Vec<String>,
    pub dry_run: bool,
}

/// Parses the text after `OPTIMIZE ... WHERE` into partition filters: comparisons
/// (`=`, `<>`/`!=`, `<`, `<=`, `>`, `>=`), `IN (...)`, `NOT IN (...)`, `IS [NOT] NULL`
/// of a column with literals, combined with `AND`.
pub fn parse_partition_predicate(
    text: &str,
    dialect: &dyn Dialect,
) -> Result<Vec<PartitionFilter>> {
    let mut parser = Parser::new(dialect)
        .try_with_sql(text)
        .map_err(|e| plan_datafusion_err!("invalid OPTIMIZE WHERE predicate '{text}': {e}"))?;
    let expr = parser
        .parse_expr()
        .map_err(|e| plan_datafusion_err!("invalid OPTIMIZE WHERE predicate '{text}': {e}"))?;
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return plan_err!(
            "invalid OPTIMIZE WHERE predicate '{text}': unexpected '{}' after the predicate",
            next.token
        );
    }
    let mut filters = Vec::new();
    collect_filters(&expr, &mut filters)?;
    Ok(filters)
}

fn collect_filters(expr: &Expr, out: &mut Vec<PartitionFilter>) -> Result<()> {
    match expr {
        Expr::Nested(inner) => collect_filters(inner, out),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            collect_filters(left, out)?;
            collect_filters(right, out)
        }
        Expr::BinaryOp { left, op, right } => {
            let Some(op) = comparison(op) else {
                return unsupported_predicate(expr);
            };
            // `col op value`, or `value op col` with the comparison mirrored.
            let (column, op, value) = match (column_name(left), column_name(right)) {
                (Some(column), None) => (column, op, right),
                (None, Some(column)) => (column, mirror(op), left),
                _ => return unsupported_predicate(expr),
            };
            let Some(value) = literal(value)? else {
                return plan_err!(
                    "OPTIMIZE WHERE compares partition columns with literals; use IS NULL / IS NOT NULL for NULL (in '{expr}')"
                );
            };
            out.push(PartitionFilter {
                column: column.0,
                quoted: column.1,
                op,
                values: vec![value],
            });
            Ok(())
        }
        Expr::InList {
            expr: inner,
            list,
            negated,
        } => {
            let Some(column) = column_name(inner) else {
                return unsupported_predicate(expr);
            };
            let mut values = Vec::with_capacity(list.len());
            for item in list {
                match literal(item)? {
                    Some(v) => values.push(v),
                    None => {
                        return plan_err!(
                        "OPTIMIZE WHERE ... IN (...) takes literal values, not NULL (in '{expr}')"
                    )
                    }
                }
            }
            out.push(PartitionFilter {
                column: column.0,
                quoted: column.1,
                op: if *negated {
                    FilterOp::NotIn
                } else {
                    FilterOp::In
                },
                values,
            });
            Ok(())
        }
        Expr::IsNull(inner) | Expr::IsNotNull(inner) => {
            let Some(column) = column_name(inner) else {
                return unsupported_predicate(expr);
            };
            out.push(PartitionFilter {
                column: column.0,
                quoted: column.1,
                op: if matches!(expr, Expr::IsNull(_)) {
                    FilterOp::Eq
                } else {
                    FilterOp::Ne
                },
                // Delta stores a NULL partition value as an empty string.
                values: vec![String::new()],
            });
            Ok(())
        }
        _ => unsupported_predicate(expr),
    }
}

fn unsupported_predicate<T>(expr: &Expr) -> Result<T> {
    plan_err!(
        "OPTIMIZE WHERE supports only partition-column conditions combined with AND: col = value, col <> value, <, <=, >, >=, col [NOT] IN (v1, ...), col IS [NOT] NULL; got '{expr}'"
    )
}

fn comparison(op: &BinaryOperator) -> Option<FilterOp> {
    Some(match op {
        BinaryOperator::Eq => FilterOp::Eq,
        BinaryOperator::NotEq => FilterOp::Ne,
        BinaryOperator::Lt => FilterOp::Lt,
        BinaryOperator::LtEq => FilterOp::Le,
        BinaryOperator::Gt => FilterOp::Gt,
        BinaryOperator::GtEq => FilterOp::Ge,
        _ => return None,
    })
}

/// `1 < col` is `col > 1`.
fn mirror(op: FilterOp) -> FilterOp {
    match op {
        FilterOp::Lt => FilterOp::Gt,
        FilterOp::Le => FilterOp::Ge,
        FilterOp::Gt => FilterOp::Lt,
        FilterOp::Ge => FilterOp::Le,
        other => other,
    }
}

/// A plain column name and whether it was quoted.
fn column_name(expr: &Expr) -> Option<(String, bool)> {
    match expr {
        Expr::Identifier(ident) => Some((ident.value.clone(), ident.quote_style.is_some())),
        Expr::Nested(inner) => column_name(inner),
        _ => None,
    }
}

/// A literal as the text delta-rs parses with the column's type; `None` for NULL.
fn literal(expr: &Expr) -> Result<Option<String>> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Null => Ok(None),
            Value::Number(n, _) => Ok(Some(n.to_string())),
            Value::Boolean(b) => Ok(Some(b.to_string())),
            other => match other.clone().into_string() {
                Some(s) => Ok(Some(s)),
                None => plan_err!("OPTIMIZE WHERE: unsupported literal {other}"),
            },
        },
        // DATE '2025-01-01', TIMESTAMP '...'
        Expr::TypedString(typed) => match typed.value.clone().into_string() {
            Some(s) => Ok(Some(s)),
            None => plan_err!("OPTIMIZE WHERE: unsupported literal {expr}"),
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr: inner,
        } => match literal(inner)? {
            Some(s) => Ok(Some(format!("-{s}"))),
            None => plan_err!("OPTIMIZE WHERE: unsupported literal {expr}"),
        },
        Expr::Nested(inner) => literal(inner),
        _ => {
            plan_err!("OPTIMIZE WHERE compares partition columns with literal values, got '{expr}'")
        }
    }
}

/// Compacts (or Z-orders) the Delta table at `location` as one commit.
pub async fn optimize(
    state: &SessionState,
    location: &DeltaLocation,
    options: &OptimizeOptions,
) -> Result<OptimizeSummary> {
    latest_only(location, "OPTIMIZE")?;
    let table = open_table(location).await?;
    let (partition_columns, columns) = table_columns(&table)?;

    let mut filters = Vec::with_capacity(options.filters.len());
    for filter in &options.filters {
        let Some(column) = resolve_column(&filter.column, filter.quoted, &columns) else {
            return plan_err!(
                "OPTIMIZE WHERE: column '{}' does not exist in Delta table '{}' (columns: {})",
                filter.column,
                location.display,
                columns.join(", ")
            );
        };
        if !partition_columns.contains(&column) {
            return plan_err!(
                "OPTIMIZE WHERE can only filter on partition columns; '{column}' is not one ({})",
                describe_partitioning(&partition_columns)
            );
        }
        filters.push((column, filter.op, filter.values.as_slice()));
    }
    let literals: Vec<FilterLiteral<'_>> = filters
        .iter()
        .map(|(column, op, values)| {
            let value = match op {
                FilterOp::In | FilterOp::NotIn => {
                    FilterValue::Set(values.iter().map(String::as_str).collect())
                }
                _ => FilterValue::Scalar(values.first().map(String::as_str).unwrap_or("")),
            };
            (column.as_str(), *op, value)
        })
        .collect();

    let optimize_type = if options.zorder_by.is_empty() {
        OptimizeType::Compact
    } else {
        let mut zorder = Vec::with_capacity(options.zorder_by.len());
        for name in &options.zorder_by {
            let column = resolve_zorder_column(name, &columns, &table).ok_or_else(|| {
                plan_datafusion_err!(
                    "ZORDER BY column '{name}' does not exist in Delta table '{}' (columns: {})",
                    location.display,
                    columns.join(", ")
                )
            })?;
            if partition_columns.contains(&column) {
                return plan_err!(
                    "ZORDER BY column '{column}' is a partition column of Delta table '{}'; Z-ordering sorts data within each partition, so name data columns only",
                    location.display
                );
            }
            if !zorder.contains(&column) {
                zorder.push(column);
            }
        }
        OptimizeType::ZOrder(zorder)
    };

    let mut builder = table
        .optimize()
        .with_type(optimize_type)
        .with_session_state(Arc::new(state.clone()));
    if !literals.is_empty() {
        builder = builder.with_filters(&literals);
    }
    let (table, metrics) = builder.await.map_err(|e| {
        DataFusionError::Execution(format!(
            "OPTIMIZE of Delta table '{}' failed: {e}",
            location.display
        ))
    })?;
    Ok(OptimizeSummary {
        version: table.version().unwrap_or(0),
        metrics,
    })
}

/// Deletes the files the Delta table at `location` no longer needs. With
/// `retention_check` (the default), a retention shorter than the table's
/// `delta.deletedFileRetentionDuration` is refused.
pub async fn vacuum(
    location: &DeltaLocation,
    options: &VacuumOptions,
    retention_check: bool,
) -> Result<VacuumSummary> {
    latest_only(location, "VACUUM")?;
    let table = open_table(location).await?;
    let minimum = table
        .snapshot()
        .map_err(|e| plan_datafusion_err!("cannot read Delta table '{}': {e}", location.display))?
        .table_config()
        .deleted_file_retention_duration();
    let minimum_ms = i64::try_from(minimum.as_millis()).unwrap_or(i64::MAX);

    let retention_ms = match options.retain_hours {
        Some(hours) => {
            if !hours.is_finite() || hours < 0.0 {
                return plan_err!(
                    "VACUUM RETAIN takes a non-negative number of hours, got {hours}"
                );
            }
            let ms = hours * 3_600_000.0;
            // chrono durations hold up to i64::MAX milliseconds.
            if ms >= i64::MAX as f64 {
                return plan_err!("VACUUM RETAIN {hours} HOURS is too long");
            }
            Some(ms.round() as i64)
        }
        None => None,
    };
    if let Some(ms) = retention_ms {
        if retention_check && ms < minimum_ms {
            return plan_err!(
                "VACUUM RETAIN {} HOURS is shorter than the {} hours Delta table '{}' keeps removed files (delta.deletedFileRetentionDuration): \
                 deleting them sooner can break readers of older versions, time travel and writes still in progress. \
                 Use RETAIN {} HOURS or more, or, to vacuum anyway, first run SET {RETENTION_CHECK_VARIABLE} = false",
                format_hours(ms),
                format_hours(minimum_ms),
                location.display,
                format_hours(minimum_ms)
            );
        }
    }

    // delta-rs lists every expired tombstone of the log, including files an earlier
    // VACUUM already deleted (deleting a missing file counts as deleted), and commits
    // VACUUM START/END whenever that list is non-empty. So plan with a dry run, keep
    // the files that still exist, and only run the deletion when there are some.
    let run = |table: DeltaTable, dry_run: bool| {
        let mut builder = table
            .vacuum()
            .with_enforce_retention_duration(retention_check)
            .with_dry_run(dry_run)
            .with_mode(if options.lite {
                VacuumMode::Lite
            } else {
                VacuumMode::Full
            });
        if let Some(ms) = retention_ms {
            builder = builder.with_retention_period(chrono::Duration::milliseconds(ms));
        }
        async move {
            builder
                .await
                .map(|(_, metrics)| metrics.files_deleted)
                .map_err(|e| {
                    DataFusionError::Execution(format!(
                        "VACUUM of Delta table '{}' failed: {e}",
                        location.display
                    ))
                })
        }
    };
    let planned = run(table.clone(), true).await?;
    let existing = existing_files(&table, planned.clone()).await?;
    let deleted = if options.dry_run || existing.is_empty() {
        existing
    } else {
        // Report what the deletion run removed, less the files already gone at planning.
        let present: HashSet<&String> = existing.iter().collect();
        let gone: HashSet<&String> = planned.iter().filter(|f| !present.contains(f)).collect();
        run(table, false)
            .await?
            .into_iter()
            .filter(|f| !gone.contains(f))
            .collect()
    };
    let mut files: Vec<String> = deleted
        .iter()
        .map(|relative| full_path(location, relative))
        .collect();
    files.sort();
    Ok(VacuumSummary {
        files,
        dry_run: options.dry_run,
    })
}

/// The paths (relative to the table root) that exist in the table's storage.
async fn existing_files(table: &DeltaTable, paths: Vec<String>) -> Result<Vec<String>> {
    let store = table.log_store().object_store(None);
    let checks = futures::stream::iter(paths.into_iter().map(|relative| {
        let store = Arc::clone(&store);
        async move {
            let path = ObjectPath::parse(&relative)
                .unwrap_or_else(|_| ObjectPath::from(relative.as_str()));
            match store.head(&path).await {
                Ok(_) => Ok(Some(relative)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(DataFusionError::from(e)),
            }
        }
    }))
    .buffer_unordered(16);
    let found: Vec<Option<String>> = checks.try_collect().await?;
    Ok(found.into_iter().flatten().collect())
}

/// For time travel to a local table: fails with an explanation when data files of the
/// version were deleted (typically by VACUUM), instead of a "not found" error from the
/// middle of the scan. Remote tables are not checked (one request per file).
pub(super) async fn check_version_files(
    table: &DeltaTable,
    location: &DeltaLocation,
) -> Result<()> {
    if location.version == TableVersion::Latest || location.local_path.is_none() {
        return Ok(());
    }
    let paths: Vec<String> = table
        .snapshot()
        .map_err(|e| plan_datafusion_err!("cannot read Delta table '{}': {e}", location.display))?
        .log_data()
        .into_iter()
        .map(|add| add.object_store_path().to_string())
        .collect();
    let total = paths.len();
    let existing: HashSet<String> = existing_files(table, paths.clone())
        .await?
        .into_iter()
        .collect();
    let missing: Vec<&String> = paths.iter().filter(|p| !existing.contains(*p)).collect();
    let Some(first) = missing.first() else {
        return Ok(());
    };
    plan_err!(
        "Delta table '{}' version {} can no longer be read: {} of its {total} data files no longer exist (e.g. {}). \
         VACUUM deletes files that only versions older than its retention (delta.deletedFileRetentionDuration) still use",
        location.display,
        table.version().unwrap_or(0),
        missing.len(),
        full_path(location, first)
    )
}

/// Reads the `delta_retention_check` session variable: true unless set to a false value.
pub fn retention_check_enabled(value: Option<&str>) -> Result<bool> {
    let Some(value) = value else {
        return Ok(true);
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "1" => Ok(true),
        "false" | "off" | "no" | "0" => Ok(false),
        other => plan_err!("{RETENTION_CHECK_VARIABLE} must be true or false, got '{other}'"),
    }
}

/// One row: the table, its version after the operation and the metrics.
pub fn optimize_result(location: &DeltaLocation, summary: &OptimizeSummary) -> Result<RecordBatch> {
    let m = &summary.metrics;
    let u64_col = |v: u64| -> ArrayRef { Arc::new(UInt64Array::from(vec![v])) };
    let schema = Arc::new(Schema::new(vec![
        Field::new("table", DataType::Utf8, false),
        Field::new("version", DataType::UInt64, false),
        Field::new("files_added", DataType::UInt64, false),
        Field::new("files_removed", DataType::UInt64, false),
        Field::new("partitions_optimized", DataType::UInt64, false),
        Field::new("total_considered_files", DataType::UInt64, false),
        Field::new("total_files_skipped", DataType::UInt64, false),
        Field::new("bytes_added", DataType::UInt64, false),
        Field::new("bytes_removed", DataType::UInt64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(vec![location.display.as_str()])),
            u64_col(summary.version),
            u64_col(m.num_files_added),
            u64_col(m.num_files_removed),
            u64_col(m.partitions_optimized),
            u64_col(m.total_considered_files as u64),
            u64_col(m.total_files_skipped as u64),
            u64_col(u64::try_from(m.files_added.total_size).unwrap_or(0)),
            u64_col(u64::try_from(m.files_removed.total_size).unwrap_or(0)),
        ],
    )?;
    Ok(batch)
}

/// One row per file deleted (or, on a dry run, to be deleted), in column `path`.
pub fn vacuum_result(summary: &VacuumSummary) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![Field::new("path", DataType::Utf8, false)]));
    let paths: Vec<&str> = summary.files.iter().map(String::as_str).collect();
    Ok(RecordBatch::try_new(
        schema,
        vec![Arc::new(StringArray::from(paths))],
    )?)
}

fn latest_only(location: &DeltaLocation, operation: &str) -> Result<()> {
    if location.version != TableVersion::Latest {
        return plan_err!(
            "{operation} works on the current version of a Delta table; remove the version from '{}'",
            location.display
        );
    }
    Ok(())
}

/// Partition columns and all top-level columns of the table.
fn table_columns(table: &DeltaTable) -> Result<(Vec<String>, Vec<String>)> {
    let state = table
        .snapshot()
        .map_err(|e| plan_datafusion_err!("cannot read Delta table state: {e}"))?;
    let partition_columns = state.metadata().partition_columns().to_vec();
    let columns = state
        .schema()
        .fields()
        .map(|f| f.name().to_string())
        .collect();
    Ok((partition_columns, columns))
}

/// The table's spelling of `name`: exact when quoted, otherwise the one column that
/// matches case-insensitively (as Spark resolves names).
fn resolve_column(name: &str, quoted: bool, columns: &[String]) -> Option<String> {
    if let Some(exact) = columns.iter().find(|c| c.as_str() == name) {
        return Some(exact.clone());
    }
    if quoted {
        return None;
    }
    let mut matches = columns.iter().filter(|c| c.eq_ignore_ascii_case(name));
    match (matches.next(), matches.next()) {
        (Some(only), None) => Some(only.clone()),
        _ => None,
    }
}

/// A Z-order column: a top-level column, or `struct_col.field` for nested fields.
fn resolve_zorder_column(name: &str, columns: &[String], table: &DeltaTable) -> Option<String> {
    let (quoted, bare) = strip_identifier_quotes(name);
    if let Some(column) = resolve_column(bare, quoted, columns) {
        return Some(column);
    }
    // Nested field: resolve the top-level column, keep the rest as written; delta-rs
    // checks the path.
    let (head, rest) = bare.split_once('.')?;
    let column = resolve_column(head, quoted, columns)?;
    let schema = table.snapshot().ok()?.schema();
    let mut current = schema.field(&column)?.data_type().clone();
    for segment in rest.split('.') {
        let deltalake::kernel::DataType::Struct(inner) = current else {
            return None;
        };
        current = inner.field(segment)?.data_type().clone();
    }
    Some(format!("{column}.{rest}"))
}

fn strip_identifier_quotes(name: &str) -> (bool, &str) {
    let name = name.trim();
    for (open, close) in [('`', '`'), ('"', '"')] {
        if name.len() >= 2 && name.starts_with(open) && name.ends_with(close) {
            return (true, &name[1..name.len() - 1]);
        }
    }
    (false, name)
}

fn describe_partitioning(partition_columns: &[String]) -> String {
    if partition_columns.is_empty() {
        "the table is not partitioned".to_string()
    } else {
        format!("partition columns: {}", partition_columns.join(", "))
    }
}

/// `168`, or `0.5` for fractions of an hour.
fn format_hours(ms: i64) -> String {
    let hours = ms as f64 / 3_600_000.0;
    if hours.fract() == 0.0 {
        format!("{hours:.0}")
    } else {
        format!("{hours}")
    }
}

/// A path relative to the table root as a full path (local) or URL.
fn full_path(location: &DeltaLocation, relative: &str) -> String {
    match &location.local_path {
        Some(root) => root.join(Path::new(relative)).display().to_string(),
        None => location
            .url
            .join(relative)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| {
                format!("{}/{relative}", location.url.as_str().trim_end_matches('/'))
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::dialect::GenericDialect;

    fn filters(text: &str) -> Result<Vec<PartitionFilter>> {
        parse_partition_predicate(text, &GenericDialect {})
    }

    #[test]
    fn partition_predicates() -> Result<()> {
        let parsed = filters("day = '2025-01-01' AND (n IN (1, 2)) AND 3 < k AND b IS NULL")?;
        assert_eq!(parsed.len(), 4);
        assert_eq!(parsed[0].column, "day");
        assert_eq!(parsed[0].op, FilterOp::Eq);
        assert_eq!(parsed[0].values, vec!["2025-01-01".to_string()]);
        assert_eq!(parsed[1].op, FilterOp::In);
        assert_eq!(parsed[1].values, vec!["1".to_string(), "2".to_string()]);
        assert_eq!(parsed[2].column, "k");
        assert_eq!(parsed[2].op, FilterOp::Gt);
        assert_eq!(parsed[3].op, FilterOp::Eq);
        assert_eq!(parsed[3].values, vec![String::new()]);

        let parsed = filters("\"Day\" NOT IN ('a') AND x <> -1 AND d >= DATE '2025-01-01'")?;
        assert!(parsed[0].quoted);
        assert_eq!(parsed[0].op, FilterOp::NotIn);
        assert_eq!(parsed[1].values, vec!["-1".to_string()]);
        assert_eq!(parsed[2].values, vec!["2025-01-01".to_string()]);

        assert!(filters("a = 1 OR b = 2").is_err());
        assert!(filters("a = b").is_err());
        assert!(filters("a = NULL").is_err());
        assert!(filters("upper(a) = 'X'").is_err());
        assert!(filters("a = 1 b").is_err());
        Ok(())
    }

    #[test]
    fn retention_check_values() -> Result<()> {
        assert!(retention_check_enabled(None)?);
        assert!(!retention_check_enabled(Some("false"))?);
        assert!(!retention_check_enabled(Some("OFF"))?);
        assert!(retention_check_enabled(Some("true"))?);
        assert!(retention_check_enabled(Some("maybe")).is_err());
        Ok(())
    }

    #[test]
    fn column_resolution() {
        let columns = vec!["Day".to_string(), "v".to_string()];
        assert_eq!(resolve_column("day", false, &columns), Some("Day".into()));
        assert_eq!(resolve_column("day", true, &columns), None);
        assert_eq!(resolve_column("V", false, &columns), Some("v".into()));
        assert_eq!(resolve_column("w", false, &columns), None);
        assert_eq!(format_hours(168 * 3_600_000), "168");
        assert_eq!(format_hours(1_800_000), "0.5");
    }
}
