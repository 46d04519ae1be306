//! `data_quality_checks(rules [, options])`: rule-driven data quality checks (null,
//! uniqueness, range, pattern, referential) with one result row per check, as the seed's
//! scenario 11 (`apply_data_quality_checks`).
//!
//! How it runs: the rules are read (a JSON file or inline JSON when the query is planned,
//! a rules relation when the result is scanned); then, table by table in the rules'
//! order, the table is resolved like a SQL table name and one aggregate query planned by
//! DataFusion computes its row count and the failure counts of all its null,
//! uniqueness, range and pattern checks in a single scan; each referential check is one
//! more query (an anti join against the distinct reference values, then a count). A
//! table that cannot be resolved or read gives one `table_access` row instead of its
//! checks, as the seed's `except` branch (the reason goes to the log, where the seed
//! prints it). Rules that do not fit a table (a missing column, a bound of the wrong
//! type) are errors, found when the checks are planned, before the table is read.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, Float64Builder, Int64Array, Int64Builder, RecordBatch, StringBuilder,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::compute::cast as cast_array;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{
    exec_datafusion_err, plan_datafusion_err, plan_err, Column, JoinType, Result, ScalarValue,
};
use datafusion::execution::context::SessionState;
use datafusion::execution::TaskContext;
use datafusion::functions::math::expr_fn::isnan;
use datafusion::functions_aggregate::count::count_all;
use datafusion::functions_aggregate::expr_fn::{count, count_distinct};
use datafusion::logical_expr::expr::BinaryExpr;
use datafusion::logical_expr::type_coercion::binary::comparison_coercion;
use datafusion::logical_expr::{
    cast, lit, try_cast, when, Documentation, Expr, LogicalPlan, LogicalPlanBuilder, Operator,
};
use datafusion::physical_plan::collect;
use datafusion_macros::user_doc;

use super::rules::{
    parse_json_rules, project_rules_relation, rules_from_batches, Bound, CheckType, Rule,
};
use crate::data_roots::check_session_path;
use crate::table_function::{plan_input, string_arg, AsyncCompute, DeferredTable, Options};

#[user_doc(
    doc_section(label = "Data Quality Table Functions"),
    description = "Rule-driven data quality checks, one result row per check, as the seed's \
data quality monitoring job.\n\n\
Rules: the seed's JSON (`{table: {null_checks: {col: threshold}, uniqueness_checks: {col: \
threshold}, range_checks: {col: {min, max, threshold}}, pattern_checks: {col: {pattern, \
threshold}}, referential_checks: [{source_column, reference_table, reference_column, \
threshold}]}}`) from a file (an argument ending in `.json`, or any path with \
`format => json`) or inline (an argument starting with `{`); or a relation (table, view or \
quoted query) with one row per check and columns `table_name`, `check_type` (null_check, \
uniqueness_check, range_check, pattern_check, referential_check), `column_name`, \
`threshold` and, as the check needs them, `min_value`, `max_value`, `pattern`, \
`reference_table`, `reference_column`. Thresholds are percentages: a check FAILs when \
`failure_percentage = 100 * failed_count / total_count` is above it (0 for an empty \
table).\n\n\
Failed rows, with Spark's semantics: null_check counts NULL and NaN; uniqueness_check \
counts `total - distinct values`, NULL counting as one value (two NULLs make one \
duplicate); range_check counts values `< min` or `> max` (bounds inclusive, either may be \
omitted; NULL is never out of range, NaN is above every number); pattern_check counts \
non-NULL values in which the regular expression finds no match (a search, as Spark's \
`rlike`: anchor it with `^...$` for a full match; Rust regex syntax); referential_check \
counts rows whose value is not among the reference column's values (a left anti join: \
NULL counts as missing).\n\n\
Tables: names resolve as in SQL (``delta.`/path` ``, registered tables, views); with \
`table_root => DIR` every bare name `t` is the Delta table `DIR/t`. A table that cannot \
be read gives one `table_access` row (failed 1 of 1, 100 %, threshold 0, FAIL) instead of \
its checks, and the reason is logged as a warning (`RUST_LOG=warn`); a reference table that cannot be read turns that referential check into a \
`table_access` row naming it in `reference_table`. A missing column, an unknown check \
type or malformed rules are errors.\n\n\
Output columns: table_name, check_type, column_name, check_timestamp (when the table's \
checks started, UTC), failed_count, total_count, failure_percentage, threshold, status \
('PASS' or 'FAIL'), reference_table, reference_column. Rows follow the rules' order \
(JSON: tables in file order, then null, uniqueness, range, pattern and referential \
checks). Each table's null, uniqueness, range and pattern checks run as one aggregate \
query (one scan); each referential check is one more query.",
    syntax_example = "data_quality_checks(rules [, 'table_root => DIR, format => json|relation'])",
    sql_example = r#"```sql
> SELECT table_name, check_type, column_name, failed_count, status
  FROM data_quality_checks('/lake/config/data_quality_rules.json', 'table_root => /lake/data');

> SELECT * FROM data_quality_checks('SELECT * FROM (VALUES
    (''customers'', ''null_check'', ''email'', 5.0),
    (''customers'', ''uniqueness_check'', ''customer_id'', 0.0)
  ) AS r(table_name, check_type, column_name, threshold)');
```"#,
    argument(
        name = "rules",
        description = "A JSON rules file (path ending in `.json`), inline JSON rules \
(starting with `{`), or a table, view or quoted query of SQL rules."
    ),
    argument(
        name = "options",
        description = "table_root: directory of the Delta tables that bare table names \
(letters, digits, `_`) in the rules refer to; format: `json` (the first argument is a JSON \
file path, whatever its name) or `relation` (it is a table, view or query), by default \
decided from the argument as above."
    )
)]
#[derive(Debug, Default)]
pub struct DataQualityChecksFunction;

pub const NAME: &str = "data_quality_checks";

const USAGE: &str = "data_quality_checks(rules [, 'table_root => DIR, format => json|relation'])";

/// The status values.
pub const PASS: &str = "PASS";
pub const FAIL: &str = "FAIL";
/// The check type of a table (or reference table) that cannot be read.
pub const TABLE_ACCESS: &str = "table_access";

impl TableFunctionImpl for DataQualityChecksFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let exprs = args.exprs();
        let Some(first) = exprs.first() else {
            return plan_err!("{NAME} expects {USAGE}, got no arguments");
        };
        let rules_arg = string_arg(NAME, 1, first)?;
        let options = Options::parse(NAME, &exprs[1..], 2, &["table_root", "format"])?;
        let table_root = match options.get("table_root") {
            None => None,
            Some(root) => {
                let root = root.trim().trim_end_matches('/');
                if root.is_empty() {
                    return plan_err!("{NAME}: table_root is empty");
                }
                if root.contains('`') {
                    return plan_err!("{NAME}: table_root must not contain a backtick: '{root}'");
                }
                Some(root.to_string())
            }
        };
        let trimmed = rules_arg.trim();
        let json = match options
            .get("format")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("json") => true,
            Some("relation") => false,
            Some(other) => {
                return plan_err!("{NAME}: format must be json or relation, got '{other}'")
            }
            None => trimmed.starts_with('{') || trimmed.to_ascii_lowercase().ends_with(".json"),
        };
        let source = if !json {
            let plan = plan_input(NAME, args.session(), trimmed)?;
            RulesSource::Relation(project_rules_relation(NAME, plan)?)
        } else if trimmed.starts_with('{') {
            RulesSource::Parsed(parse_json_rules(NAME, "the inline rules", trimmed)?)
        } else {
            check_session_path(args.session(), trimmed)?;
            let text = std::fs::read_to_string(trimmed).map_err(|e| {
                plan_datafusion_err!("{NAME}: cannot read rules file '{trimmed}': {e}")
            })?;
            RulesSource::Parsed(parse_json_rules(
                NAME,
                &format!("rules file '{trimmed}'"),
                &text,
            )?)
        };
        let compute: AsyncCompute = Arc::new(move |session, ctx| {
            let (source, table_root) = (source.clone(), table_root.clone());
            Box::pin(async move {
                let rules = match source {
                    RulesSource::Parsed(rules) => rules,
                    RulesSource::Relation(plan) => {
                        let plan = session.create_physical_plan(&plan).await?;
                        rules_from_batches(NAME, &collect(plan, Arc::clone(&ctx)).await?)?
                    }
                };
                let rows = run_checks(&session, &ctx, &rules, table_root.as_deref()).await?;
                Ok(vec![results_batch(&output_schema(), &rows)?])
            })
        });
        Ok(Arc::new(DeferredTable::from_async(
            output_schema(),
            compute,
        )))
    }
}

impl DataQualityChecksFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

/// The output schema (the seed's result schema, with a real timestamp).
pub fn output_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("table_name", DataType::Utf8, false),
        Field::new("check_type", DataType::Utf8, false),
        Field::new("column_name", DataType::Utf8, true),
        Field::new(
            "check_timestamp",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("failed_count", DataType::Int64, false),
        Field::new("total_count", DataType::Int64, false),
        Field::new("failure_percentage", DataType::Float64, false),
        Field::new("threshold", DataType::Float64, false),
        Field::new("status", DataType::Utf8, false),
        Field::new("reference_table", DataType::Utf8, true),
        Field::new("reference_column", DataType::Utf8, true),
    ]))
}

#[derive(Debug, Clone)]
enum RulesSource {
    Parsed(Vec<Rule>),
    /// A rules relation, projected to the rule columns; read at scan time.
    Relation(LogicalPlan),
}

/// One output row.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRow {
    pub table: String,
    pub check_type: &'static str,
    pub column: Option<String>,
    /// Microseconds since the epoch, UTC.
    pub timestamp: i64,
    pub failed: i64,
    pub total: i64,
    pub threshold: f64,
    pub reference: Option<(String, String)>,
}

impl CheckRow {
    fn table_access(table: &str, timestamp: i64) -> Self {
        Self {
            table: table.to_string(),
            check_type: TABLE_ACCESS,
            column: None,
            timestamp,
            failed: 1,
            total: 1,
            threshold: 0.0,
            reference: None,
        }
    }

    /// `100 * failed / total`, 0 for an empty table (as the seed).
    pub fn failure_percentage(&self) -> f64 {
        if self.total > 0 {
            self.failed as f64 / self.total as f64 * 100.0
        } else {
            0.0
        }
    }

    pub fn status(&self) -> &'static str {
        if self.failure_percentage() > self.threshold {
            FAIL
        } else {
            PASS
        }
    }
}

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Runs every rule, table by table (in order of first appearance); rows come back in
/// the rules' order, a table that cannot be read as one `table_access` row at the place
/// of its first rule.
async fn run_checks(
    session: &SessionState,
    ctx: &Arc<TaskContext>,
    rules: &[Rule],
    table_root: Option<&str>,
) -> Result<Vec<CheckRow>> {
    let mut tables: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        match tables.iter_mut().find(|(t, _)| *t == rule.table) {
            Some((_, indices)) => indices.push(i),
            None => tables.push((&rule.table, vec![i])),
        }
    }
    let mut rows: Vec<Option<CheckRow>> = vec![None; rules.len()];
    for (table, indices) in tables {
        let table_rules: Vec<&Rule> = indices.iter().filter_map(|&i| rules.get(i)).collect();
        let results = check_table(session, ctx, table, &table_rules, table_root).await?;
        match results {
            TableResult::Rows(results) => {
                for (i, row) in indices.iter().zip(results) {
                    if let Some(slot) = rows.get_mut(*i) {
                        *slot = Some(row);
                    }
                }
            }
            TableResult::Unreadable(row) => {
                if let Some(slot) = indices.first().and_then(|&i| rows.get_mut(i)) {
                    *slot = Some(row);
                }
            }
        }
    }
    Ok(rows.into_iter().flatten().collect())
}

enum TableResult {
    /// One row per rule, in the order of the table's rules.
    Rows(Vec<CheckRow>),
    /// The table could not be read: its `table_access` row.
    Unreadable(CheckRow),
}

/// The SQL that reads a table of the rules.
fn table_query(table: &str, table_root: Option<&str>) -> String {
    let bare = !table.is_empty()
        && table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !table.starts_with(|c: char| c.is_ascii_digit());
    match table_root {
        Some(root) if bare => format!("SELECT * FROM delta.`{root}/{table}`"),
        _ => format!("SELECT * FROM {table}"),
    }
}

/// Plans the scan of a table named in the rules; None (the reason logged) when it
/// cannot be resolved.
async fn resolve_table(
    session: &SessionState,
    table: &str,
    table_root: Option<&str>,
) -> Option<LogicalPlan> {
    match session
        .create_logical_plan(&table_query(table, table_root))
        .await
    {
        Ok(plan) => Some(plan),
        Err(e) => {
            log::warn!("{NAME}: cannot read table '{table}': {e}");
            None
        }
    }
}

/// Runs a check query. Planning errors (the rules do not fit the table) are errors;
/// execution errors mean the data cannot be read: None, the reason logged.
async fn execute(
    session: &SessionState,
    ctx: &Arc<TaskContext>,
    table: &str,
    plan: &LogicalPlan,
) -> Result<Option<Vec<RecordBatch>>> {
    let physical = session.create_physical_plan(plan).await?;
    match collect(physical, Arc::clone(ctx)).await {
        Ok(batches) => Ok(Some(batches)),
        Err(e) => {
            log::warn!("{NAME}: cannot read table '{table}': {e}");
            Ok(None)
        }
    }
}

/// What each rule reads from the aggregate's output columns.
enum Plan {
    /// Failed rows are one count.
    Count(usize),
    /// Duplicates: total - distinct non-NULL values - (1 if there is a NULL).
    Uniqueness { distinct: usize, nulls: usize },
    /// A separate anti-join query.
    Referential,
}

/// The aggregate expressions of one table, deduplicated (a null check and a uniqueness
/// check of one column share the NULL count).
struct Aggregates {
    exprs: Vec<Expr>,
    keys: HashMap<String, usize>,
}

impl Aggregates {
    fn new() -> Self {
        Self {
            exprs: vec![count_all().alias("__dq_0")],
            keys: HashMap::new(),
        }
    }

    fn add(&mut self, key: String, expr: Expr) -> usize {
        if let Some(&i) = self.keys.get(&key) {
            return i;
        }
        let i = self.exprs.len();
        self.exprs.push(expr.alias(format!("__dq_{i}")));
        self.keys.insert(key, i);
        i
    }

    /// Rows where `predicate` is true (NULL does not count).
    fn count_where(&mut self, key: String, predicate: Expr) -> Result<usize> {
        let expr = count(when(predicate, lit(1_i64)).end()?);
        Ok(self.add(key, expr))
    }
}

async fn check_table(
    session: &SessionState,
    ctx: &Arc<TaskContext>,
    table: &str,
    rules: &[&Rule],
    table_root: Option<&str>,
) -> Result<TableResult> {
    let timestamp = now_micros();
    let Some(input) = resolve_table(session, table, table_root).await else {
        return Ok(TableResult::Unreadable(CheckRow::table_access(
            table, timestamp,
        )));
    };

    let mut aggregates = Aggregates::new();
    let mut plans = Vec::with_capacity(rules.len());
    for rule in rules {
        let place = format!("{} on {table}.{}", rule.check.name(), rule.column);
        let (column, data_type) = resolve_column(&input, table, &rule.column, &place)?;
        let plan = match rule.check {
            CheckType::Null => {
                let mut predicate = column.clone().is_null();
                if matches!(
                    data_type,
                    DataType::Float16 | DataType::Float32 | DataType::Float64
                ) {
                    predicate = predicate.or(isnan(column));
                }
                Plan::Count(aggregates.count_where(format!("null:{}", rule.column), predicate)?)
            }
            CheckType::Uniqueness => Plan::Uniqueness {
                distinct: aggregates.add(
                    format!("distinct:{}", rule.column),
                    count_distinct(column.clone()),
                ),
                nulls: aggregates
                    .count_where(format!("isnull:{}", rule.column), column.is_null())?,
            },
            CheckType::Range => {
                let predicate = range_predicate(&place, column, &data_type, rule)?;
                Plan::Count(aggregates.count_where(
                    format!("range:{}:{:?}:{:?}", rule.column, rule.min, rule.max),
                    predicate,
                )?)
            }
            CheckType::Pattern => {
                let pattern = rule.pattern.clone().unwrap_or_default();
                let text = if matches!(
                    data_type,
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) {
                    column
                } else {
                    cast(column, DataType::Utf8)
                };
                let predicate = Expr::BinaryExpr(BinaryExpr::new(
                    Box::new(text),
                    Operator::RegexNotMatch,
                    Box::new(lit(pattern.clone())),
                ));
                Plan::Count(
                    aggregates
                        .count_where(format!("pattern:{}:{pattern}", rule.column), predicate)?,
                )
            }
            CheckType::Referential => Plan::Referential,
        };
        plans.push(plan);
    }
    let aggregate = LogicalPlanBuilder::from(input.clone())
        .aggregate(Vec::<Expr>::new(), aggregates.exprs)?
        .build()?;
    let Some(batches) = execute(session, ctx, table, &aggregate).await? else {
        return Ok(TableResult::Unreadable(CheckRow::table_access(
            table, timestamp,
        )));
    };
    let counts = single_row_counts(&batches)?;
    let value = |i: usize| counts.get(i).copied().unwrap_or_default();
    let total = value(0);

    let mut rows = Vec::with_capacity(rules.len());
    for (rule, plan) in rules.iter().zip(plans) {
        let mut row = CheckRow {
            table: table.to_string(),
            check_type: rule.check.name(),
            column: Some(rule.column.clone()),
            timestamp,
            failed: 0,
            total,
            threshold: rule.threshold,
            reference: None,
        };
        match plan {
            Plan::Count(i) => row.failed = value(i),
            Plan::Uniqueness { distinct, nulls } => {
                let distinct = value(distinct) + i64::from(value(nulls) > 0);
                row.failed = total - distinct;
            }
            Plan::Referential => {
                let (reference_table, reference_column) =
                    rule.reference.clone().unwrap_or_default();
                row.reference = Some((reference_table.clone(), reference_column.clone()));
                match referential_missing(
                    session,
                    ctx,
                    &input,
                    table,
                    rule,
                    &reference_table,
                    &reference_column,
                    table_root,
                )
                .await?
                {
                    Some(missing) => row.failed = missing,
                    None => {
                        row.check_type = TABLE_ACCESS;
                        row.failed = 1;
                        row.total = 1;
                        row.threshold = 0.0;
                    }
                }
            }
        }
        rows.push(row);
    }
    Ok(TableResult::Rows(rows))
}

/// The column `name` of a table's plan (exact name, else the only case-insensitive
/// match, as Spark resolves columns) and its type.
fn resolve_column(
    plan: &LogicalPlan,
    table: &str,
    name: &str,
    place: &str,
) -> Result<(Expr, DataType)> {
    let schema = plan.schema();
    let exact: Vec<_> = schema.iter().filter(|(_, f)| f.name() == name).collect();
    let candidates = if exact.is_empty() {
        schema
            .iter()
            .filter(|(_, f)| f.name().eq_ignore_ascii_case(name))
            .collect()
    } else {
        exact
    };
    match candidates.as_slice() {
        [(qualifier, field)] => Ok((
            Expr::Column(Column::from((*qualifier, *field))),
            field.data_type().clone(),
        )),
        [] => {
            let columns: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            plan_err!(
                "{NAME}: {place}: table '{table}' has no column '{name}' (columns: {})",
                columns.join(", ")
            )
        }
        _ => plan_err!("{NAME}: {place}: column '{name}' of table '{table}' is ambiguous"),
    }
}

/// `column < min OR column > max` (either side omitted), with the bounds read in the
/// column's type: numbers for numeric columns (compared as BIGINT when both are
/// integers, else as DOUBLE), strings cast to the column's type for dates, timestamps
/// and other types, and for string columns string comparison (or, with numeric bounds,
/// numeric comparison of the values that parse as numbers).
fn range_predicate(place: &str, column: Expr, data_type: &DataType, rule: &Rule) -> Result<Expr> {
    let bounds = [&rule.min, &rule.max];
    let is_text = matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    );
    let numeric_bounds = bounds
        .iter()
        .any(|b| matches!(b, Some(Bound::Integer(_) | Bound::Float(_))));
    let literals: Vec<Option<Expr>>;
    let target: Expr;
    if data_type.is_numeric() || (is_text && numeric_bounds) {
        let numbers: Vec<Option<Bound>> = bounds
            .iter()
            .map(|b| match b {
                None => Ok(None),
                Some(Bound::Text(text)) => {
                    let text = text.trim();
                    text.parse::<i64>()
                        .map(Bound::Integer)
                        .or_else(|_| text.parse::<f64>().map(Bound::Float))
                        .map(Some)
                        .map_err(|_| {
                            plan_datafusion_err!(
                                "{NAME}: {place}: range bound '{text}' is not a number \
                                 (the column is {data_type})"
                            )
                        })
                }
                Some(other) => Ok(Some((*other).clone())),
            })
            .collect::<Result<_>>()?;
        let integers =
            data_type.is_integer() && numbers.iter().all(|b| !matches!(b, Some(Bound::Float(_))));
        if integers {
            target = column;
            literals = numbers
                .iter()
                .map(|b| match b {
                    Some(Bound::Integer(v)) => Some(lit(*v)),
                    _ => None,
                })
                .collect();
        } else {
            target = if is_text {
                try_cast(column, DataType::Float64)
            } else {
                cast(column, DataType::Float64)
            };
            literals = numbers
                .iter()
                .map(|b| match b {
                    Some(Bound::Integer(v)) => Some(lit(*v as f64)),
                    Some(Bound::Float(v)) => Some(lit(*v)),
                    _ => None,
                })
                .collect();
        }
    } else {
        target = column;
        literals = bounds
            .iter()
            .map(|b| match b {
                None => Ok(None),
                Some(Bound::Text(text)) => ScalarValue::Utf8(Some(text.clone()))
                    .cast_to(data_type)
                    .map(|v| Some(lit(v)))
                    .map_err(|_| {
                        plan_datafusion_err!(
                            "{NAME}: {place}: range bound '{text}' is not a valid {data_type}"
                        )
                    }),
                Some(number) => plan_err!(
                    "{NAME}: {place}: range bound {number} cannot be compared with a \
                     {data_type} column; write it as a string, e.g. '2024-01-31'"
                ),
            })
            .collect::<Result<_>>()?;
    }
    let mut predicate: Option<Expr> = None;
    if let Some(Some(min)) = literals.first() {
        predicate = Some(target.clone().lt(min.clone()));
    }
    if let Some(Some(max)) = literals.get(1) {
        let above = target.gt(max.clone());
        predicate = Some(match predicate {
            Some(below) => below.or(above),
            None => above,
        });
    }
    predicate.ok_or_else(|| plan_datafusion_err!("{NAME}: {place}: a range check needs min or max"))
}

/// The number of rows of `input` whose `rule.column` is not among the values of the
/// reference column (left anti join on equality, so NULL counts as missing), or None
/// when the reference table cannot be read.
#[allow(clippy::too_many_arguments)]
async fn referential_missing(
    session: &SessionState,
    ctx: &Arc<TaskContext>,
    input: &LogicalPlan,
    table: &str,
    rule: &Rule,
    reference_table: &str,
    reference_column: &str,
    table_root: Option<&str>,
) -> Result<Option<i64>> {
    let place = format!(
        "referential_check on {table}.{} -> {reference_table}.{reference_column}",
        rule.column
    );
    let (source, source_type) = resolve_column(input, table, &rule.column, &place)?;
    let Some(reference) = resolve_table(session, reference_table, table_root).await else {
        return Ok(None);
    };
    let (target, target_type) =
        resolve_column(&reference, reference_table, reference_column, &place)?;
    let Some(common) = comparison_coercion(&source_type, &target_type) else {
        return plan_err!(
            "{NAME}: {place}: {source_type} values cannot be compared with {target_type} values"
        );
    };
    let left = LogicalPlanBuilder::from(input.clone())
        .project(vec![cast(source, common.clone()).alias("__dq_key")])?
        .build()?;
    let right = LogicalPlanBuilder::from(reference)
        .project(vec![cast(target, common).alias("__dq_ref")])?
        .distinct()?
        .build()?;
    let plan = LogicalPlanBuilder::from(left)
        .join(
            right,
            JoinType::LeftAnti,
            (
                vec![Column::from_name("__dq_key")],
                vec![Column::from_name("__dq_ref")],
            ),
            None,
        )?
        .aggregate(Vec::<Expr>::new(), vec![count_all().alias("missing")])?
        .build()?;
    let tables = format!("{table}' or '{reference_table}");
    match execute(session, ctx, &tables, &plan).await? {
        Some(batches) => Ok(single_row_counts(&batches)?.first().copied()),
        None => Ok(None),
    }
}

/// The values of a one-row aggregate result, as BIGINT.
fn single_row_counts(batches: &[RecordBatch]) -> Result<Vec<i64>> {
    let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) else {
        return Err(exec_datafusion_err!(
            "{NAME}: the check query returned no rows"
        ));
    };
    batch
        .columns()
        .iter()
        .map(|column| {
            let column = cast_array(column, &DataType::Int64)?;
            let values = column
                .as_any()
                .downcast_ref::<Int64Array>()
                .ok_or_else(|| exec_datafusion_err!("{NAME}: a check count is not an integer"))?;
            Ok(if values.is_null(0) {
                0
            } else {
                values.value(0)
            })
        })
        .collect()
}

/// The output batch of `rows`.
pub fn results_batch(schema: &SchemaRef, rows: &[CheckRow]) -> Result<RecordBatch> {
    let n = rows.len();
    let mut table = StringBuilder::with_capacity(n, n * 16);
    let mut check = StringBuilder::with_capacity(n, n * 16);
    let mut column = StringBuilder::with_capacity(n, n * 16);
    let mut timestamp = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut failed = Int64Builder::with_capacity(n);
    let mut total = Int64Builder::with_capacity(n);
    let mut percentage = Float64Builder::with_capacity(n);
    let mut threshold = Float64Builder::with_capacity(n);
    let mut status = StringBuilder::with_capacity(n, n * 4);
    let mut reference_table = StringBuilder::with_capacity(n, n * 16);
    let mut reference_column = StringBuilder::with_capacity(n, n * 16);
    for row in rows {
        table.append_value(&row.table);
        check.append_value(row.check_type);
        column.append_option(row.column.as_deref());
        timestamp.append_value(row.timestamp);
        failed.append_value(row.failed);
        total.append_value(row.total);
        percentage.append_value(row.failure_percentage());
        threshold.append_value(row.threshold);
        status.append_value(row.status());
        reference_table.append_option(row.reference.as_ref().map(|r| r.0.as_str()));
        reference_column.append_option(row.reference.as_ref().map(|r| r.1.as_str()));
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(table.finish()),
        Arc::new(check.finish()),
        Arc::new(column.finish()),
        Arc::new(timestamp.finish()),
        Arc::new(failed.finish()),
        Arc::new(total.finish()),
        Arc::new(percentage.finish()),
        Arc::new(threshold.finish()),
        Arc::new(status.finish()),
        Arc::new(reference_table.finish()),
        Arc::new(reference_column.finish()),
    ];
    Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::AsArray;
    use datafusion::prelude::SessionContext;

    fn row(failed: i64, total: i64, threshold: f64) -> CheckRow {
        CheckRow {
            table: "t".into(),
            check_type: "null_check",
            column: Some("c".into()),
            timestamp: 0,
            failed,
            total,
            threshold,
            reference: None,
        }
    }

    #[test]
    fn status_fails_only_above_the_threshold() {
        assert_eq!(row(1, 10, 10.0).status(), PASS);
        assert_eq!(row(2, 10, 10.0).status(), FAIL);
        assert_eq!(row(0, 10, 0.0).status(), PASS);
        assert_eq!(row(1, 10, 0.0).status(), FAIL);
        assert_eq!(row(0, 0, 0.0).failure_percentage(), 0.0);
        assert_eq!(row(0, 0, 0.0).status(), PASS);
        // As the seed: (failed / total) * 100.
        assert_eq!(row(1, 3, 0.0).failure_percentage(), 1.0 / 3.0 * 100.0);
        let access = CheckRow::table_access("missing", 5);
        assert_eq!(
            (
                access.failed,
                access.total,
                access.failure_percentage(),
                access.status()
            ),
            (1, 1, 100.0, FAIL)
        );
    }

    #[test]
    fn bare_names_resolve_under_the_table_root() {
        assert_eq!(
            table_query("customers", Some("/lake")),
            "SELECT * FROM delta.`/lake/customers`"
        );
        assert_eq!(table_query("customers", None), "SELECT * FROM customers");
        assert_eq!(
            table_query("delta.`/x/y`", Some("/lake")),
            "SELECT * FROM delta.`/x/y`"
        );
        assert_eq!(table_query("s.t", Some("/lake")), "SELECT * FROM s.t");
        assert_eq!(table_query("1t", Some("/lake")), "SELECT * FROM 1t");
    }

    #[test]
    fn results_batch_has_the_output_schema() -> Result<()> {
        let schema = output_schema();
        let mut referential = row(2, 8, 50.0);
        referential.check_type = "referential_check";
        referential.reference = Some(("r".into(), "id".into()));
        let batch = results_batch(&schema, &[row(3, 4, 10.0), referential])?;
        assert_eq!(batch.num_rows(), 2);
        let pct = batch
            .column(6)
            .as_primitive::<datafusion::arrow::datatypes::Float64Type>();
        assert_eq!(pct.value(0), 75.0);
        assert_eq!(batch.column(8).as_string::<i32>().value(0), FAIL);
        assert_eq!(batch.column(8).as_string::<i32>().value(1), PASS);
        assert!(batch.column(9).is_null(0));
        assert_eq!(batch.column(9).as_string::<i32>().value(1), "r");
        Ok(())
    }

    /// The table function on a bare DataFusion context (no Ignis): every check kind in
    /// one call, against counts worked out by hand.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn checks_on_memory_tables() -> Result<()> {
        let ctx = SessionContext::new();
        ctx.register_udtf(NAME, Arc::new(DataQualityChecksFunction));
        ctx.sql(
            "CREATE TABLE c AS SELECT * FROM (VALUES
               (1, 'a@x.io', 30, 1.5), (2, NULL, 17, 'NaN'::double), (2, 'bad', 101, NULL),
               (NULL, 'b@y.io', NULL, 2.0), (NULL, 'c@z.io', 18, 3.0)
             ) AS t(id, email, age, score)",
        )
        .await?
        .collect()
        .await?;
        ctx.sql("CREATE TABLE o AS SELECT * FROM (VALUES (1, 1), (2, 3), (3, NULL), (4, 2)) AS t(oid, cid)")
            .await?
            .collect()
            .await?;
        let rules = r#"{
            "c": {"null_checks": {"email": 10, "score": 50, "id": 40},
                  "uniqueness_checks": {"id": 0},
                  "range_checks": {"age": {"min": 18, "max": 100, "threshold": 50}},
                  "pattern_checks": {"email": {"pattern": "@", "threshold": 30}}},
            "o": {"referential_checks": [{"source_column": "cid", "reference_table": "c",
                  "reference_column": "id", "threshold": 25}]},
            "nope": {"null_checks": {"x": 0}}
        }"#;
        let batches = ctx
            .sql(&format!(
                "SELECT table_name, check_type, column_name, failed_count, total_count, status
                 FROM data_quality_checks('{rules}')"
            ))
            .await?
            .collect()
            .await?;
        let batch = datafusion::arrow::compute::concat_batches(&batches[0].schema(), &batches)?;
        let text = |i: usize, r: usize| {
            let column = cast_array(batch.column(i), &DataType::Utf8).ok()?;
            let column = column.as_string::<i32>();
            column.is_valid(r).then(|| column.value(r).to_string())
        };
        let got: Vec<Vec<Option<String>>> = (0..batch.num_rows())
            .map(|r| (0..6).map(|i| text(i, r)).collect())
            .collect();
        let expect = [
            ["c", "null_check", "email", "1", "5", "FAIL"],
            ["c", "null_check", "score", "2", "5", "PASS"],
            ["c", "null_check", "id", "2", "5", "PASS"],
            // ids 1, 2, 2, NULL, NULL: distinct {1, 2, NULL} -> 2 duplicates
            ["c", "uniqueness_check", "id", "2", "5", "FAIL"],
            ["c", "range_check", "age", "2", "5", "PASS"],
            ["c", "pattern_check", "email", "1", "5", "PASS"],
            // cid 3 and NULL are not among c.id
            ["o", "referential_check", "cid", "2", "4", "FAIL"],
            ["nope", "table_access", "", "1", "1", "FAIL"],
        ];
        let expect: Vec<Vec<Option<String>>> = expect
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| (!v.is_empty()).then(|| v.to_string()))
                    .collect()
            })
            .collect();
        assert_eq!(got, expect);
        Ok(())
    }

    /// A table that resolves but fails while being read (a malformed CSV row) is a
    /// table_access row; a rule that does not fit the table is an error.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unreadable_data_is_table_access() -> Result<()> {
        let dir = std::env::temp_dir().join(format!("ignis-dq-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("broken.csv");
        std::fs::write(&file, "a,b\n1,2\nnot a number,3\n")?;
        let ctx = SessionContext::new();
        ctx.register_udtf(NAME, Arc::new(DataQualityChecksFunction));
        ctx.sql(&format!(
            "CREATE EXTERNAL TABLE broken (a INT, b INT) STORED AS CSV LOCATION '{}' \
             OPTIONS ('format.has_header' 'true')",
            file.display()
        ))
        .await?
        .collect()
        .await?;
        let batches = ctx
            .sql(r#"SELECT check_type, failed_count FROM data_quality_checks('{"broken": {"null_checks": {"a": 0}}}')"#)
            .await?
            .collect()
            .await?;
        let check = cast_array(batches[0].column(0), &DataType::Utf8)?;
        assert_eq!(check.as_string::<i32>().value(0), TABLE_ACCESS);
        let err = ctx
            .sql(r#"SELECT * FROM data_quality_checks('{"broken": {"null_checks": {"c": 0}}}')"#)
            .await?
            .collect()
            .await
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("table 'broken' has no column 'c'"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
