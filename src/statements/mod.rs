//! Statements Ignis handles before (or instead of) DataFusion's planner:
//!
//! - `SET name = value` for script variables (names without a dot; dotted names such
//!   as `datafusion.execution.batch_size` stay DataFusion configuration);
//! - `DESCRIBE HISTORY <table> [LIMIT n]`;
//! - `OPTIMIZE <table> [WHERE <partition predicate>] [ZORDER BY (c, ...)]` and
//!   `VACUUM <table> [LITE | FULL] [RETAIN n HOURS] [DRY RUN]` (Delta maintenance);
//! - `CREATE [OR REPLACE] TABLE [IF NOT EXISTS] delta.`path` [PARTITIONED BY (c, ...)] AS <query>`;
//! - time travel: `<table> VERSION AS OF n` and `<table> TIMESTAMP AS OF 'ts'` are
//!   rewritten to Delta's own path syntax ``delta.`path@v<n>` ``, which the `delta`
//!   schema resolves (DataFusion's planner has no table-version clause).
//!
//! Everything else is parsed and planned by DataFusion unchanged.

mod split;
mod variables;

pub use split::{split_statements, SourceStatement};
pub use variables::{substitute_variables, Variables};

use std::collections::HashMap;
use std::sync::LazyLock;

use datafusion::common::{plan_datafusion_err, plan_err, Result};
use datafusion::sql::parser::{DFParser, Statement as DFStatement};
use datafusion::sql::sqlparser::ast::{
    CreateTable, HiveDistributionStyle, ObjectName, ObjectNamePart, Query, Statement,
};
use datafusion::sql::sqlparser::dialect::dialect_from_str;
use regex::Regex;

use crate::delta::{rewrite_star_actions, DeltaLocation, MergeRequest, DELTA_SCHEMA};

/// A statement ready to execute.
#[derive(Debug)]
pub enum IgnisStatement {
    /// `SET name = value` on a script variable.
    SetVariable { name: String, value: String },
    /// `DESCRIBE HISTORY`.
    DescribeHistory {
        location: DeltaLocation,
        limit: Option<usize>,
    },
    /// `CREATE [OR REPLACE] TABLE delta.`p` AS <query>`.
    CreateDeltaTableAs {
        location: DeltaLocation,
        or_replace: bool,
        if_not_exists: bool,
        partition_by: Vec<String>,
        query: Box<Query>,
    },
    /// `MERGE INTO <delta table> USING <source> ON ... WHEN ...`.
    Merge(Box<MergeRequest>),
    /// Any other statement, for DataFusion.
    DataFusion(Box<DFStatement>),
    /// `OPTIMIZE <table> [WHERE <partition predicate>] [ZORDER BY (c, ...)]`.
    Optimize {
        location: DeltaLocation,
        options: crate::delta::OptimizeOptions,
    },
    /// `VACUUM <table> [LITE | FULL] [RETAIN n HOURS] [DRY RUN]`.
    Vacuum {
        location: DeltaLocation,
        options: crate::delta::VacuumOptions,
    },
}

static SET_VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^\s*SET\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?:=|\s+TO\s)\s*(.*?)\s*$")
        .unwrap_or_else(|_| unreachable!("static regex"))
});
static DESCRIBE_HISTORY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^\s*(?:DESCRIBE|DESC)\s+HISTORY\s+(.+?)(?:\s+LIMIT\s+(\d+))?\s*$")
        .unwrap_or_else(|_| unreachable!("static regex"))
});
static DELTA_PATH_TABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^delta\s*\.\s*`([^`]*)`$").unwrap_or_else(|_| unreachable!("static regex"))
});
static MERGE_STATEMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^\s*MERGE\s").unwrap_or_else(|_| unreachable!("static regex"))
});
/// A table in OPTIMIZE / VACUUM: ``delta.`path` ``, `'path'`, or a (dotted) name.
const MAINTENANCE_TABLE: &str =
    r#"delta\s*\.\s*`[^`]*`|'(?:[^']|'')*'|"[^"]*"|[A-Za-z_][A-Za-z0-9_.]*"#;
static OPTIMIZE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?is)^\s*OPTIMIZE\s+({MAINTENANCE_TABLE})(?:\s+WHERE\s+(.+?))?(?:\s+ZORDER\s+BY\s*(.+?))?\s*$"
    ))
    .unwrap_or_else(|_| unreachable!("static regex"))
});
static VACUUM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?is)^\s*VACUUM\s+({MAINTENANCE_TABLE})((?:\s+\S+)*)\s*$"
    ))
    .unwrap_or_else(|_| unreachable!("static regex"))
});
static MAINTENANCE_KEYWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^\s*(OPTIMIZE|VACUUM)\b").unwrap_or_else(|_| unreachable!("static regex"))
});
static ZORDER_COLUMN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^(?:`[^`]+`|"[^"]+"|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)$"#)
        .unwrap_or_else(|_| unreachable!("static regex"))
});
/// `<table> VERSION AS OF 3` / `<table> TIMESTAMP AS OF '2025-01-01'`, where the table
/// is ``delta.`path` `` or a plain (possibly dotted) name.
static TIME_TRAVEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?is)(delta\s*\.\s*`[^`]*`|[A-Za-z_][A-Za-z0-9_.]*)\s+(?:FOR\s+)?(VERSION|TIMESTAMP)\s+AS\s+OF\s+('[^']*'|\d+)",
    )
    .unwrap_or_else(|_| unreachable!("static regex"))
});

/// Parses one statement (already variable-substituted). `delta_tables` maps names
/// registered with `STORED AS DELTA` to their locations, for history and time travel.
pub fn parse_statement(
    sql: &str,
    dialect: &str,
    delta_tables: &HashMap<String, DeltaLocation>,
) -> Result<IgnisStatement> {
    if let Some(caps) = SET_VARIABLE.captures(sql) {
        let name = caps[1].to_string();
        let value = unquote(&caps[2]);
        return Ok(IgnisStatement::SetVariable { name, value });
    }
    if let Some(caps) = DESCRIBE_HISTORY.captures(sql) {
        let location = resolve_table(caps[1].trim(), delta_tables)?;
        let limit = match caps.get(2) {
            Some(n) => Some(
                n.as_str()
                    .parse::<usize>()
                    .map_err(|e| plan_datafusion_err!("invalid LIMIT in DESCRIBE HISTORY: {e}"))?,
            ),
            None => None,
        };
        return Ok(IgnisStatement::DescribeHistory { location, limit });
    }

    if let Some(statement) = parse_maintenance(sql, dialect, delta_tables)? {
        return Ok(statement);
    }
    let sql = rewrite_time_travel(sql, delta_tables)?;
    let sql = if MERGE_STATEMENT.is_match(&sql) {
        rewrite_star_actions(&sql)
    } else {
        sql
    };
    let dialect = dialect_from_str(dialect)
        .ok_or_else(|| plan_datafusion_err!("unsupported SQL dialect: {dialect}"))?;
    let mut statements = DFParser::parse_sql_with_dialect(&sql, dialect.as_ref())?;
    if statements.len() != 1 {
        return plan_err!("expected one statement, found {}", statements.len());
    }
    let Some(statement) = statements.pop_front() else {
        return plan_err!("empty statement");
    };
    if let DFStatement::Statement(inner) = &statement {
        if let Statement::CreateTable(create) = inner.as_ref() {
            if let Some(location) = delta_path(&create.name)? {
                return create_delta_table_as(create, location);
            }
        }
        if let Statement::Merge(merge) = inner.as_ref() {
            let request =
                MergeRequest::from_statement(merge, |name| resolve_table_name(name, delta_tables))?;
            return Ok(IgnisStatement::Merge(Box::new(request)));
        }
    }
    Ok(IgnisStatement::DataFusion(Box::new(statement)))
}

fn create_delta_table_as(create: &CreateTable, location: DeltaLocation) -> Result<IgnisStatement> {
    let Some(query) = &create.query else {
        return plan_err!(
            "CREATE TABLE delta.`{}` needs AS SELECT ...; to create an empty table, use AS SELECT ... WHERE false",
            location.display
        );
    };
    if !create.columns.is_empty() {
        return plan_err!(
            "CREATE TABLE delta.`{}` AS SELECT takes its columns from the query; remove the column list",
            location.display
        );
    }
    let partition_by = match &create.hive_distribution {
        HiveDistributionStyle::PARTITIONED { columns } => {
            columns.iter().map(|c| c.name.value.clone()).collect()
        }
        HiveDistributionStyle::NONE => Vec::new(),
        _ => return plan_err!("only PARTITIONED BY (col, ...) is supported for Delta tables"),
    };
    Ok(IgnisStatement::CreateDeltaTableAs {
        location,
        or_replace: create.or_replace,
        if_not_exists: create.if_not_exists,
        partition_by,
        query: query.clone(),
    })
}

/// ``delta.`path` `` as a location; `None` for any other name.
fn delta_path(name: &ObjectName) -> Result<Option<DeltaLocation>> {
    let parts: Vec<&str> = name
        .0
        .iter()
        .filter_map(|p| match p {
            ObjectNamePart::Identifier(ident) => Some(ident.value.as_str()),
            _ => None,
        })
        .collect();
    match parts.as_slice() {
        [schema, path] if schema.eq_ignore_ascii_case(DELTA_SCHEMA) => {
            DeltaLocation::parse(path).map(Some)
        }
        _ => Ok(None),
    }
}

/// A table named in a parsed statement: ``delta.`path` `` or a registered Delta table.
fn resolve_table_name(
    name: &ObjectName,
    delta_tables: &HashMap<String, DeltaLocation>,
) -> Result<DeltaLocation> {
    if let Some(location) = delta_path(name)? {
        return Ok(location);
    }
    resolve_table(&name.to_string(), delta_tables)
}

/// A table named in DESCRIBE HISTORY: ``delta.`path` ``, `'path'`, or a registered name.
fn resolve_table(
    text: &str,
    delta_tables: &HashMap<String, DeltaLocation>,
) -> Result<DeltaLocation> {
    if let Some(caps) = DELTA_PATH_TABLE.captures(text) {
        return DeltaLocation::parse(&caps[1]);
    }
    if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
        return DeltaLocation::parse(&unquote(text));
    }
    let key = text.trim_matches('"').to_ascii_lowercase();
    delta_tables.get(&key).cloned().ok_or_else(|| {
        plan_datafusion_err!(
            "'{text}' is not a Delta table: name one as delta.`/path` or register it with CREATE EXTERNAL TABLE {text} STORED AS DELTA LOCATION '...'"
        )
    })
}

/// `OPTIMIZE` and `VACUUM`; `None` for any other statement.
fn parse_maintenance(
    sql: &str,
    dialect: &str,
    delta_tables: &HashMap<String, DeltaLocation>,
) -> Result<Option<IgnisStatement>> {
    const OPTIMIZE_SYNTAX: &str =
        "OPTIMIZE <table> [WHERE <partition predicate>] [ZORDER BY (col, ...)]";
    const VACUUM_SYNTAX: &str = "VACUUM <table> [LITE | FULL] [RETAIN <n> HOURS] [DRY RUN]";
    let sql = sql.trim_end_matches(|c: char| c == ';' || c.is_whitespace());
    if let Some(caps) = OPTIMIZE.captures(sql) {
        let location = resolve_table(caps[1].trim(), delta_tables)?;
        let filters = match caps.get(2) {
            Some(predicate) => {
                let dialect = dialect_from_str(dialect)
                    .ok_or_else(|| plan_datafusion_err!("unsupported SQL dialect: {dialect}"))?;
                crate::delta::parse_partition_predicate(predicate.as_str(), dialect.as_ref())?
            }
            None => Vec::new(),
        };
        let zorder_by = match caps.get(3) {
            Some(columns) => zorder_columns(columns.as_str())?,
            None => Vec::new(),
        };
        let options = crate::delta::OptimizeOptions { filters, zorder_by };
        return Ok(Some(IgnisStatement::Optimize { location, options }));
    }
    if let Some(caps) = VACUUM.captures(sql) {
        let location = resolve_table(caps[1].trim(), delta_tables)?;
        let options = vacuum_options(&caps[2], VACUUM_SYNTAX)?;
        return Ok(Some(IgnisStatement::Vacuum { location, options }));
    }
    if let Some(caps) = MAINTENANCE_KEYWORD.captures(sql) {
        let syntax = if caps[1].eq_ignore_ascii_case("OPTIMIZE") {
            OPTIMIZE_SYNTAX
        } else {
            VACUUM_SYNTAX
        };
        return plan_err!(
            "syntax error in {}: expected {syntax}",
            caps[1].to_ascii_uppercase()
        );
    }
    Ok(None)
}

/// `(a, b)` or `a, b` after ZORDER BY.
fn zorder_columns(text: &str) -> Result<Vec<String>> {
    let text = text.trim();
    let inner = match text.strip_prefix('(') {
        Some(rest) => match rest.strip_suffix(')') {
            Some(inner) => inner,
            None => return plan_err!("ZORDER BY: missing ')' in '{text}'"),
        },
        None => text,
    };
    let columns: Vec<String> = inner.split(',').map(|c| c.trim().to_string()).collect();
    if let Some(bad) = columns.iter().find(|c| !ZORDER_COLUMN.is_match(c)) {
        if bad.is_empty() {
            return plan_err!("ZORDER BY takes one or more column names: ZORDER BY (col, ...)");
        }
        return plan_err!("ZORDER BY takes column names, got '{bad}'");
    }
    Ok(columns)
}

/// The clauses after `VACUUM <table>`, in any order, each at most once.
fn vacuum_options(tail: &str, syntax: &str) -> Result<crate::delta::VacuumOptions> {
    let tokens: Vec<&str> = tail.split_whitespace().collect();
    let mut options = crate::delta::VacuumOptions::default();
    let (mut mode, mut retain) = (false, false);
    let mut i = 0;
    while let Some(token) = tokens.get(i) {
        let word = token.to_ascii_uppercase();
        match word.as_str() {
            "LITE" | "FULL" if !mode => {
                options.lite = word == "LITE";
                mode = true;
                i += 1;
            }
            "RETAIN" if !retain => {
                let (Some(number), Some(unit)) = (tokens.get(i + 1), tokens.get(i + 2)) else {
                    return plan_err!(
                        "VACUUM RETAIN takes a number of hours, e.g. RETAIN 168 HOURS"
                    );
                };
                if !unit.eq_ignore_ascii_case("HOURS") && !unit.eq_ignore_ascii_case("HOUR") {
                    return plan_err!(
                        "VACUUM RETAIN takes a number of hours, e.g. RETAIN {number} HOURS (got '{unit}')"
                    );
                }
                let hours = number
                    .parse::<f64>()
                    .ok()
                    .filter(|h| h.is_finite())
                    .ok_or_else(|| {
                        plan_datafusion_err!(
                            "VACUUM RETAIN takes a number of hours, got '{number}'"
                        )
                    })?;
                if hours < 0.0 {
                    return plan_err!(
                        "VACUUM RETAIN takes a non-negative number of hours, got {number}"
                    );
                }
                options.retain_hours = Some(hours);
                retain = true;
                i += 3;
            }
            "DRY"
                if !options.dry_run
                    && tokens
                        .get(i + 1)
                        .is_some_and(|t| t.eq_ignore_ascii_case("RUN")) =>
            {
                options.dry_run = true;
                i += 2;
            }
            _ => return plan_err!("unexpected '{token}' in VACUUM: expected {syntax}"),
        }
    }
    Ok(options)
}

fn rewrite_time_travel(sql: &str, delta_tables: &HashMap<String, DeltaLocation>) -> Result<String> {
    if !TIME_TRAVEL.is_match(sql) {
        return Ok(sql.to_string());
    }
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for caps in TIME_TRAVEL.captures_iter(sql) {
        let (Some(whole), Some(table)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        // Keywords that merely look like a table name before VERSION/TIMESTAMP.
        let table_text = table.as_str();
        let base = if let Some(path) = DELTA_PATH_TABLE.captures(table_text) {
            path[1].to_string()
        } else if let Some(loc) = delta_tables.get(&table_text.to_ascii_lowercase()) {
            loc.display.clone()
        } else {
            return plan_err!(
                "time travel needs a Delta table: '{table_text}' is not delta.`path` or a table registered STORED AS DELTA"
            );
        };
        let spec = &caps[3];
        let suffix = if caps[2].eq_ignore_ascii_case("VERSION") {
            if spec.starts_with('\'') {
                return plan_err!("VERSION AS OF takes a number, got {spec}");
            }
            format!("v{spec}")
        } else {
            let ts = crate::delta::parse_timestamp(&unquote(spec))?;
            ts.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
        };
        out.push_str(&sql[last..whole.start()]);
        out.push_str(&format!("delta.`{base}@{suffix}`"));
        last = whole.end();
    }
    out.push_str(&sql[last..]);
    Ok(out)
}

/// `'it''s'` -> `it's`; unquoted text is returned trimmed.
fn unquote(text: &str) -> String {
    let text = text.trim();
    if text.len() >= 2
        && ((text.starts_with('\'') && text.ends_with('\''))
            || (text.starts_with('"') && text.ends_with('"')))
    {
        let quote = &text[..1];
        return text[1..text.len() - 1].replace(&quote.repeat(2), quote);
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str) -> Result<IgnisStatement> {
        parse_statement(sql, "generic", &HashMap::new())
    }

    #[test]
    fn set_variable() -> Result<()> {
        match parse("SET out = '/tmp/it''s'")? {
            IgnisStatement::SetVariable { name, value } => {
                assert_eq!(name, "out");
                assert_eq!(value, "/tmp/it's");
            }
            other => return plan_err!("unexpected {other:?}"),
        }
        assert!(matches!(
            parse("SET datafusion.execution.batch_size = 10")?,
            IgnisStatement::DataFusion(_)
        ));
        Ok(())
    }

    #[test]
    fn describe_history() -> Result<()> {
        match parse("DESCRIBE HISTORY delta.`/tmp/t` LIMIT 2")? {
            IgnisStatement::DescribeHistory { location, limit } => {
                assert_eq!(location.display, "/tmp/t");
                assert_eq!(limit, Some(2));
            }
            other => return plan_err!("unexpected {other:?}"),
        }
        assert!(parse("DESCRIBE HISTORY unknown_table").is_err());
        Ok(())
    }

    #[test]
    fn create_delta_table_as() -> Result<()> {
        match parse("CREATE OR REPLACE TABLE delta.`/tmp/t` PARTITIONED BY (d) AS SELECT 1 AS d")? {
            IgnisStatement::CreateDeltaTableAs {
                location,
                or_replace,
                partition_by,
                ..
            } => {
                assert_eq!(location.display, "/tmp/t");
                assert!(or_replace);
                assert_eq!(partition_by, vec!["d".to_string()]);
            }
            other => return plan_err!("unexpected {other:?}"),
        }
        assert!(matches!(
            parse("CREATE TABLE t AS SELECT 1")?,
            IgnisStatement::DataFusion(_)
        ));
        assert!(parse("CREATE TABLE delta.`/tmp/t` (a INT)").is_err());
        Ok(())
    }

    #[test]
    fn time_travel_rewrites() -> Result<()> {
        let mut tables = HashMap::new();
        tables.insert("events".to_string(), DeltaLocation::parse("/lake/events")?);
        let sql = rewrite_time_travel(
            "SELECT * FROM delta.`/tmp/t` VERSION AS OF 3 JOIN events TIMESTAMP AS OF '2025-01-02' ON true",
            &tables,
        )?;
        assert_eq!(
            sql,
            "SELECT * FROM delta.`/tmp/t@v3` JOIN delta.`/lake/events@2025-01-02T00:00:00.000Z` ON true"
        );
        assert!(rewrite_time_travel("SELECT * FROM plain VERSION AS OF 1", &tables).is_err());
        Ok(())
    }

    #[test]
    fn optimize_statements() -> Result<()> {
        use deltalake::FilterOp;
        match parse(
            "optimize delta.`/tmp/t` WHERE day = '2025-01-01' AND n IN (1, 2) zorder by (a, `B`);",
        )? {
            IgnisStatement::Optimize { location, options } => {
                assert_eq!(location.display, "/tmp/t");
                assert_eq!(options.filters.len(), 2);
                assert_eq!(options.filters[0].column, "day");
                assert_eq!(options.filters[1].op, FilterOp::In);
                assert_eq!(options.zorder_by, vec!["a".to_string(), "`B`".to_string()]);
            }
            other => return plan_err!("unexpected {other:?}"),
        }
        match parse("OPTIMIZE '/tmp/t' ZORDER BY x")? {
            IgnisStatement::Optimize { location, options } => {
                assert_eq!(location.display, "/tmp/t");
                assert!(options.filters.is_empty());
                assert_eq!(options.zorder_by, vec!["x".to_string()]);
            }
            other => return plan_err!("unexpected {other:?}"),
        }
        let mut tables = HashMap::new();
        tables.insert("events".to_string(), DeltaLocation::parse("/lake/events")?);
        match parse_statement("OPTIMIZE Events", "generic", &tables)? {
            IgnisStatement::Optimize { location, options } => {
                assert_eq!(location.display, "/lake/events");
                assert_eq!(options, crate::delta::OptimizeOptions::default());
            }
            other => return plan_err!("unexpected {other:?}"),
        }
        assert!(parse("OPTIMIZE unknown_table").is_err());
        assert!(parse("OPTIMIZE delta.`/tmp/t` WHERE a = 1 OR b = 2").is_err());
        assert!(parse("OPTIMIZE delta.`/tmp/t` ZORDER BY ()").is_err());
        assert!(parse("OPTIMIZE delta.`/tmp/t` ZORDER BY (a + 1)").is_err());
        assert!(parse("OPTIMIZE delta.`/tmp/t` FULL").is_err());
        Ok(())
    }

    #[test]
    fn vacuum_statements() -> Result<()> {
        match parse("vacuum delta.`/tmp/t`")? {
            IgnisStatement::Vacuum { location, options } => {
                assert_eq!(location.display, "/tmp/t");
                assert_eq!(options, crate::delta::VacuumOptions::default());
            }
            other => return plan_err!("unexpected {other:?}"),
        }
        match parse("VACUUM delta.`/tmp/t` RETAIN 0.5 HOURS LITE DRY RUN")? {
            IgnisStatement::Vacuum { options, .. } => {
                assert_eq!(options.retain_hours, Some(0.5));
                assert!(options.dry_run);
                assert!(options.lite);
            }
            other => return plan_err!("unexpected {other:?}"),
        }
        let err = |sql: &str| match parse(sql) {
            Ok(other) => format!("parsed: {other:?}"),
            Err(e) => e.to_string(),
        };
        assert!(err("VACUUM delta.`/tmp/t` RETAIN -1 HOURS").contains("non-negative"));
        assert!(err("VACUUM delta.`/tmp/t` RETAIN abc HOURS").contains("got 'abc'"));
        assert!(err("VACUUM delta.`/tmp/t` RETAIN 5 DAYS").contains("number of hours"));
        assert!(err("VACUUM delta.`/tmp/t` RETAIN").contains("number of hours"));
        assert!(err("VACUUM delta.`/tmp/t` DRY RUN DRY RUN").contains("unexpected 'DRY'"));
        assert!(err("VACUUM").contains("expected VACUUM <table>"));
        assert!(err("VACUUM unknown_table").contains("is not a Delta table"));
        Ok(())
    }
}
