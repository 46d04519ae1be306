//! `scd2_merge(target, source, 'keys', 'tracked' [, options])`: Slowly Changing Dimension
//! type 2 on a Delta dimension, as one Delta commit (seed scenario 12).
//!
//! Every source row is compared with the *current* dimension row of the same business
//! key, NULL-safely (`IS DISTINCT FROM`: a change from NULL to a value, or back, is a
//! change — the seed's `!=` misses those):
//! - a new key is inserted as current;
//! - a changed key has its current row expired (end date set, flag false) and its new
//!   version inserted as current, with the next surrogate key;
//! - an unchanged key is left alone; dimension keys missing from the source too.
//!
//! Expiring and inserting are one delta-rs MERGE (the new versions ride along with a
//! NULL merge key so that they never match), so either everything lands or nothing. A
//! missing dimension is created from the source in one write. A call with nothing new or
//! changed writes nothing. Surrogate keys continue from the dimension's maximum, in
//! business-key order.
//!
//! Errors before any write: tracked or key columns missing from the source, NULL or
//! duplicate business keys in the source, a dimension lacking the SCD2 columns.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{exec_err, plan_datafusion_err, plan_err, DataFusionError, Result};
use datafusion::execution::SessionState;
use ignis_udfs::table_function::{plan_input, string_arg, AsyncCompute, DeferredTable, Options};

use super::merge::{merge, MergeClause, MergeRequest};
use super::write::{write_query, CreateMode};
use super::{open_table, DeltaLocation};

/// The `scd2_merge` table function.
#[derive(Debug, Default)]
pub struct Scd2MergeFunction;

pub const NAME: &str = "scd2_merge";

const USAGE: &str = "scd2_merge('delta-table', source, 'key, ...', 'tracked, ...' [, 'surrogate_key => customer_sk, effective_date => effective_date, end_date => end_date, current_flag => is_current, as_of => 2025-01-01 00:00:00'])";

/// Column names of the SCD2 bookkeeping, defaults as in the seed.
#[derive(Debug, Clone)]
struct Scd2Columns {
    surrogate_key: String,
    effective_date: String,
    end_date: String,
    current_flag: String,
}

/// One validated call.
#[derive(Debug, Clone)]
struct Scd2Call {
    target: DeltaLocation,
    /// The source as a parenthesised query, to embed in SQL.
    source_sql: String,
    keys: Vec<String>,
    tracked: Vec<String>,
    columns: Scd2Columns,
    /// SQL expression of the change timestamp (a literal, or `now()`).
    as_of: String,
}

impl TableFunctionImpl for Scd2MergeFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let exprs = args.exprs();
        if exprs.len() < 4 {
            return plan_err!("{NAME} expects {USAGE}, got {} arguments", exprs.len());
        }
        let target_text = string_arg(NAME, 1, &exprs[0])?;
        let target = DeltaLocation::parse(delta_path(&target_text))?;
        target.check_session_roots(args.session())?;
        let source_text = string_arg(NAME, 2, &exprs[1])?;
        let source = plan_input(NAME, args.session(), &source_text)?;
        let keys = column_list(&string_arg(NAME, 3, &exprs[2])?);
        let tracked = column_list(&string_arg(NAME, 4, &exprs[3])?);
        if keys.is_empty() {
            return plan_err!("{NAME}: give at least one business key column");
        }
        if tracked.is_empty() {
            return plan_err!("{NAME}: give at least one tracked column");
        }
        let source_columns: Vec<String> = source
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        for column in keys.iter().chain(&tracked) {
            if !source_columns.contains(column) {
                return plan_err!(
                    "{NAME}: column '{column}' is missing from the source (columns: {})",
                    source_columns.join(", ")
                );
            }
        }
        if let Some(both) = keys.iter().find(|k| tracked.contains(k)) {
            return plan_err!("{NAME}: '{both}' is a business key; it cannot also be tracked");
        }
        let options = Options::parse(
            NAME,
            &exprs[4..],
            5,
            &[
                "surrogate_key",
                "effective_date",
                "end_date",
                "current_flag",
                "as_of",
            ],
        )?;
        let columns = Scd2Columns {
            surrogate_key: options
                .get("surrogate_key")
                .unwrap_or("surrogate_key")
                .to_string(),
            effective_date: options
                .get("effective_date")
                .unwrap_or("effective_date")
                .to_string(),
            end_date: options.get("end_date").unwrap_or("end_date").to_string(),
            current_flag: options
                .get("current_flag")
                .unwrap_or("is_current")
                .to_string(),
        };
        let as_of = match options.get("as_of") {
            Some(ts) => {
                super::parse_timestamp(ts)
                    .map_err(|e| plan_datafusion_err!("{NAME}: as_of: {e}"))?;
                format!("TIMESTAMP '{}'", ts.replace('\'', ""))
            }
            None => "now()".to_string(),
        };
        let trimmed = source_text.trim();
        let first_word = trimmed
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let source_sql = if matches!(first_word.as_str(), "SELECT" | "WITH" | "VALUES") {
            format!("({trimmed})")
        } else {
            format!("(SELECT * FROM {trimmed})")
        };
        let call = Scd2Call {
            target,
            source_sql,
            keys,
            tracked,
            columns,
            as_of,
        };
        let compute: AsyncCompute = Arc::new(move |state, _ctx| {
            let call = call.clone();
            Box::pin(async move { Ok(vec![scd2_merge(&state, &call).await?.batch()?]) })
        });
        Ok(Arc::new(DeferredTable::from_async(
            result_schema(),
            compute,
        )))
    }
}

/// `delta.`/p`` or a plain path.
fn delta_path(text: &str) -> &str {
    let trimmed = text.trim();
    trimmed
        .strip_prefix("delta.`")
        .and_then(|rest| rest.strip_suffix('`'))
        .unwrap_or(trimmed)
}

fn column_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|c| c.trim().trim_matches('"').to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

fn quoted(column: &str) -> String {
    format!("\"{}\"", column.replace('"', "\"\""))
}

fn result_schema() -> SchemaRef {
    let count = |name: &str| Field::new(name, DataType::UInt64, false);
    Arc::new(Schema::new(vec![
        count("new_records"),
        count("changed_records"),
        count("unchanged_records"),
        count("expired_records"),
        Field::new("version", DataType::Int64, true),
    ]))
}

/// What a call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scd2Counts {
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub expired: u64,
    /// The dimension's version after the call (None: nothing was written).
    pub version: Option<u64>,
}

impl Scd2Counts {
    fn batch(&self) -> Result<RecordBatch> {
        let count = |v: u64| Arc::new(UInt64Array::from(vec![v])) as ArrayRef;
        Ok(RecordBatch::try_new(
            result_schema(),
            vec![
                count(self.new),
                count(self.changed),
                count(self.unchanged),
                count(self.expired),
                Arc::new(Int64Array::from(vec![self
                    .version
                    .and_then(|v| i64::try_from(v).ok())])),
            ],
        )?)
    }
}

async fn query_counts(state: &SessionState, sql: &str) -> Result<Vec<u64>> {
    let plan = state.create_logical_plan(sql).await?;
    let batches = datafusion::dataframe::DataFrame::new(state.clone(), plan)
        .collect()
        .await?;
    let mut values = Vec::new();
    for batch in &batches {
        for column in batch.columns() {
            let column = datafusion::arrow::compute::cast(column, &DataType::Int64)?;
            let ints = column
                .as_any()
                .downcast_ref::<Int64Array>()
                .ok_or_else(|| DataFusionError::Internal("count is not an integer".into()))?;
            values.extend(ints.iter().map(|v| v.unwrap_or(0).max(0) as u64));
        }
    }
    Ok(values)
}

/// Applies SCD type 2 from the call's source to its dimension.
async fn scd2_merge(state: &SessionState, call: &Scd2Call) -> Result<Scd2Counts> {
    let source = &call.source_sql;
    let key_list = call.keys.iter().map(|k| quoted(k)).collect::<Vec<_>>();
    let keys = key_list.join(", ");

    // Source keys must be present and unique, or the dimension would get two current rows.
    let null_keys = call
        .keys
        .iter()
        .map(|k| format!("{} IS NULL", quoted(k)))
        .collect::<Vec<_>>()
        .join(" OR ");
    let nulls = query_counts(
        state,
        &format!("SELECT count(*) FROM {source} s WHERE {null_keys}"),
    )
    .await?;
    if nulls.first().copied().unwrap_or(0) > 0 {
        return exec_err!(
            "{NAME}: the source has {} rows with a NULL business key ({keys}); nothing was written",
            nulls[0]
        );
    }
    let duplicates = query_counts(
        state,
        &format!("SELECT count(*) FROM (SELECT {keys} FROM {source} s GROUP BY {keys} HAVING count(*) > 1) d"),
    )
    .await?;
    if duplicates.first().copied().unwrap_or(0) > 0 {
        return exec_err!(
            "{NAME}: {} business keys ({keys}) appear more than once in the source; nothing was written",
            duplicates[0]
        );
    }

    let c = &call.columns;
    let timestamp_type = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())).to_string();
    let as_of = format!("arrow_cast({}, '{timestamp_type}')", call.as_of);
    let tracked_select = call
        .tracked
        .iter()
        .map(|t| format!("s.{}", quoted(t)))
        .collect::<Vec<_>>()
        .join(", ");
    let key_select = call
        .keys
        .iter()
        .map(|k| format!("s.{}", quoted(k)))
        .collect::<Vec<_>>()
        .join(", ");

    if !call.target.is_delta_table() {
        // First load: every source row is new.
        let sql = format!(
            "SELECT CAST(row_number() OVER (ORDER BY {key_select}) AS BIGINT) AS {sk}, {key_select}, {tracked_select},
                    {as_of} AS {eff}, arrow_cast(NULL, '{timestamp_type}') AS {end}, true AS {cur}
             FROM {source} s ORDER BY {sk}",
            sk = quoted(&c.surrogate_key),
            eff = quoted(&c.effective_date),
            end = quoted(&c.end_date),
            cur = quoted(&c.current_flag),
        );
        let plan = state.create_logical_plan(&sql).await?;
        let summary = write_query(
            state,
            &call.target,
            plan,
            CreateMode::ErrorIfExists,
            Vec::new(),
        )
        .await?;
        return Ok(Scd2Counts {
            new: summary.rows,
            version: Some(summary.version),
            ..Scd2Counts::default()
        });
    }

    let table = open_table(&call.target).await?;
    let target_schema = table.table_provider().await?.schema();
    for column in [
        &c.surrogate_key,
        &c.effective_date,
        &c.end_date,
        &c.current_flag,
    ]
    .into_iter()
    .chain(&call.keys)
    .chain(&call.tracked)
    {
        if target_schema.field_with_name(column).is_err() {
            return plan_err!(
                "{NAME}: the dimension '{}' has no column '{column}'",
                call.target.display
            );
        }
    }
    let target = format!("delta.`{}`", call.target.display);
    let cast_to_target = |column: &str, expr: String| -> Result<String> {
        let field = target_schema.field_with_name(column)?;
        Ok(format!("arrow_cast({expr}, '{}')", field.data_type()))
    };
    let join = call
        .keys
        .iter()
        .map(|k| format!("t.{q} = s.{q}", q = quoted(k)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let changed = call
        .tracked
        .iter()
        .map(|t| format!("(s.{q} IS DISTINCT FROM t.{q})", q = quoted(t)))
        .collect::<Vec<_>>()
        .join(" OR ");
    let first_key = quoted(&call.keys[0]);
    let classified = format!(
        "SELECT s.*, CASE WHEN t.{first_key} IS NULL THEN 'new' WHEN {changed} THEN 'changed' ELSE 'unchanged' END AS __scd2_kind
         FROM {source} s
         LEFT JOIN (SELECT * FROM {target} WHERE {cur}) t ON {join}",
        cur = quoted(&c.current_flag),
    );
    let counts = query_counts(
        state,
        &format!(
            "SELECT count(*) FILTER (WHERE __scd2_kind = 'new'), count(*) FILTER (WHERE __scd2_kind = 'changed'),
                    count(*) FILTER (WHERE __scd2_kind = 'unchanged'),
                    (SELECT coalesce(max({sk}), 0) FROM {target})
             FROM ({classified}) c",
            sk = quoted(&c.surrogate_key)
        ),
    )
    .await?;
    let [new, changed_count, unchanged, max_key] = counts.as_slice() else {
        return exec_err!("{NAME}: unexpected classification result");
    };
    let mut result = Scd2Counts {
        new: *new,
        changed: *changed_count,
        unchanged: *unchanged,
        expired: *changed_count,
        version: None,
    };
    if *new == 0 && *changed_count == 0 {
        return Ok(result);
    }

    // The staged source: one row per changed key to expire (merge key = the business
    // key), one row per new version to insert (merge key NULL: never matches).
    let merge_keys = call
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("c.{} AS __scd2_mk{i}", quoted(k)))
        .collect::<Vec<_>>()
        .join(", ");
    let null_merge_keys = call
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            Ok(format!(
                "{} AS __scd2_mk{i}",
                cast_to_target(k, "NULL".into())?
            ))
        })
        .collect::<Result<Vec<_>>>()?
        .join(", ");
    let mut insert_columns = Vec::new();
    for column in call.keys.iter().chain(&call.tracked) {
        insert_columns.push(format!(
            "{} AS {}",
            cast_to_target(column, format!("c.{}", quoted(column)))?,
            quoted(column)
        ));
    }
    let insert_columns = insert_columns.join(", ");
    let typed_nulls = call
        .keys
        .iter()
        .chain(&call.tracked)
        .map(|column| {
            Ok(format!(
                "{} AS {}",
                cast_to_target(column, "NULL".into())?,
                quoted(column)
            ))
        })
        .collect::<Result<Vec<_>>>()?
        .join(", ");
    let sk_type = target_schema
        .field_with_name(&c.surrogate_key)?
        .data_type()
        .to_string();
    let key_order = call
        .keys
        .iter()
        .map(|k| format!("c.{}", quoted(k)))
        .collect::<Vec<_>>()
        .join(", ");
    let staged = format!(
        "SELECT 'expire' AS __scd2_action, {merge_keys}, arrow_cast(NULL, '{sk_type}') AS __scd2_sk, {typed_nulls}
         FROM ({classified}) c WHERE __scd2_kind = 'changed'
         UNION ALL
         SELECT 'insert', {null_merge_keys},
                arrow_cast({max_key} + row_number() OVER (ORDER BY {key_order}), '{sk_type}'), {insert_columns}
         FROM ({classified}) c WHERE __scd2_kind IN ('new', 'changed')"
    );
    let on = call
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("t.{} = s.__scd2_mk{i}", quoted(k)))
        .chain(std::iter::once(format!("t.{}", quoted(&c.current_flag))))
        .collect::<Vec<_>>()
        .join(" AND ");
    let mut values = vec![
        (c.surrogate_key.clone(), "s.__scd2_sk".to_string()),
        (
            c.effective_date.clone(),
            call_as_of_for_target(&as_of, &target_schema, &c.effective_date)?,
        ),
        (
            c.end_date.clone(),
            cast_to_target(&c.end_date, "NULL".into())?,
        ),
        (c.current_flag.clone(), "true".to_string()),
    ];
    for column in call.keys.iter().chain(&call.tracked) {
        values.push((column.clone(), format!("s.{}", quoted(column))));
    }
    let request = MergeRequest {
        target: call.target.clone(),
        target_alias: "t".into(),
        source_sql: staged,
        source_alias: "s".into(),
        on,
        clauses: vec![
            MergeClause::MatchedUpdate {
                predicate: Some("s.__scd2_action = 'expire'".into()),
                assignments: Some(vec![
                    (
                        c.end_date.clone(),
                        call_as_of_for_target(&as_of, &target_schema, &c.end_date)?,
                    ),
                    (c.current_flag.clone(), "false".into()),
                ]),
            },
            MergeClause::NotMatchedInsert {
                predicate: Some("s.__scd2_action = 'insert'".into()),
                values: Some(values),
            },
        ],
    };
    let summary = merge(state, request).await?;
    result.version = Some(summary.version);
    Ok(result)
}

/// The change timestamp cast to the type of a dimension date column.
fn call_as_of_for_target(as_of: &str, schema: &SchemaRef, column: &str) -> Result<String> {
    let field = schema.field_with_name(column)?;
    Ok(format!("arrow_cast({as_of}, '{}')", field.data_type()))
}
