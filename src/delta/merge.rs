//! `MERGE INTO` a Delta table, on delta-rs's merge operation: one commit per statement.
//!
//! ```sql
//! MERGE INTO delta.`/lake/customers` AS t
//! USING updates AS s                      -- a table, a view or (SELECT ...) AS s
//! ON t.id = s.id
//! WHEN MATCHED AND s.deleted THEN DELETE
//! WHEN MATCHED THEN UPDATE SET name = s.name, updated = now()   -- or UPDATE SET *
//! WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name)  -- or INSERT *
//! WHEN NOT MATCHED BY SOURCE THEN DELETE
//! ```
//!
//! Clauses are tried in order and the first whose condition holds applies, as in Delta
//! Lake. Expressions are SQL evaluated by DataFusion with the session's functions.
//! `UPDATE SET *` / `INSERT *` (Delta Lake's shorthand) assign every target column from
//! the source column of the same name.

use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::{plan_datafusion_err, plan_err, DataFusionError, Result};
use datafusion::dataframe::DataFrame;
use datafusion::execution::SessionState;
use datafusion::sql::sqlparser::ast::{
    AssignmentTarget, Expr as SqlExpr, Merge, MergeAction, MergeClauseKind, MergeInsertKind,
    ObjectName, TableFactor,
};
use deltalake::operations::merge::MergeBuilder;

use super::{open_table, DeltaLocation, TableVersion};

/// Column name standing for `*` in `UPDATE SET *` / `INSERT *`, which the SQL parser does
/// not accept: the statement text is rewritten to use it before parsing.
pub const STAR_MARKER: &str = "__ignis_merge_all_columns__";

/// What a `WHEN` clause does.
#[derive(Debug, Clone, PartialEq)]
pub enum MergeClause {
    /// `WHEN MATCHED [AND cond] THEN UPDATE SET ...`; `None` assignments: `SET *`.
    MatchedUpdate {
        predicate: Option<String>,
        assignments: Option<Vec<(String, String)>>,
    },
    /// `WHEN MATCHED [AND cond] THEN DELETE`.
    MatchedDelete { predicate: Option<String> },
    /// `WHEN NOT MATCHED [AND cond] THEN INSERT ...`; `None` values: `INSERT *`.
    NotMatchedInsert {
        predicate: Option<String>,
        values: Option<Vec<(String, String)>>,
    },
    /// `WHEN NOT MATCHED BY SOURCE [AND cond] THEN UPDATE SET ...`.
    NotMatchedBySourceUpdate {
        predicate: Option<String>,
        assignments: Vec<(String, String)>,
    },
    /// `WHEN NOT MATCHED BY SOURCE [AND cond] THEN DELETE`.
    NotMatchedBySourceDelete { predicate: Option<String> },
}

/// A parsed `MERGE INTO` statement.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeRequest {
    pub target: DeltaLocation,
    pub target_alias: String,
    /// A query producing the source rows.
    pub source_sql: String,
    pub source_alias: String,
    /// The join condition.
    pub on: String,
    pub clauses: Vec<MergeClause>,
}

/// Row counts of a merge, as Delta Lake reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MergeSummary {
    pub version: u64,
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
}

/// Rewrites Delta Lake's `UPDATE SET *` and `INSERT *` into a form the SQL parser
/// accepts (see [`STAR_MARKER`]).
pub fn rewrite_star_actions(sql: &str) -> String {
    use std::sync::LazyLock;
    static UPDATE_ALL: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(?i)\bTHEN\s+UPDATE\s+SET\s+\*")
            .unwrap_or_else(|_| unreachable!("static regex"))
    });
    static INSERT_ALL: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(?i)\bTHEN\s+INSERT\s+\*")
            .unwrap_or_else(|_| unreachable!("static regex"))
    });
    let sql = UPDATE_ALL.replace_all(sql, format!("THEN UPDATE SET {STAR_MARKER} = 0"));
    INSERT_ALL
        .replace_all(&sql, format!("THEN INSERT ({STAR_MARKER}) VALUES (0)"))
        .into_owned()
}

impl MergeRequest {
    /// Builds the request from the parsed statement; `resolve` maps the target table
    /// name to its Delta location (or says why it is not a Delta table).
    pub fn from_statement(
        merge: &Merge,
        resolve: impl Fn(&ObjectName) -> Result<DeltaLocation>,
    ) -> Result<Self> {
        let (target, target_alias) = match &merge.table {
            TableFactor::Table { name, alias, .. } => {
                let location = resolve(name)?;
                let alias = match alias {
                    Some(a) => a.name.value.clone(),
                    None => default_alias(name),
                };
                (location, alias)
            }
            other => return plan_err!("MERGE INTO needs a Delta table as target, got {other}"),
        };
        let (source_sql, source_alias) = match &merge.source {
            TableFactor::Table { name, alias, .. } => (
                format!("SELECT * FROM {name}"),
                alias
                    .as_ref()
                    .map(|a| a.name.value.clone())
                    .unwrap_or_else(|| default_alias(name)),
            ),
            TableFactor::Derived {
                subquery, alias, ..
            } => {
                let Some(alias) = alias else {
                    return plan_err!(
                        "the MERGE source subquery needs an alias: USING (SELECT ...) AS s"
                    );
                };
                (subquery.to_string(), alias.name.value.clone())
            }
            other => {
                return plan_err!(
                "unsupported MERGE source {other}: use a table, a view or (SELECT ...) AS alias"
            )
            }
        };
        if source_alias.eq_ignore_ascii_case(&target_alias) {
            return plan_err!(
                "MERGE target and source are both called '{target_alias}': give them different aliases"
            );
        }
        let mut clauses = Vec::new();
        for clause in &merge.clauses {
            let predicate = clause.predicate.as_ref().map(ToString::to_string);
            let parsed = match (&clause.clause_kind, &clause.action) {
                (MergeClauseKind::Matched, MergeAction::Update(update)) => {
                    MergeClause::MatchedUpdate {
                        predicate,
                        assignments: assignments(&update.assignments)?,
                    }
                }
                (MergeClauseKind::Matched, MergeAction::Delete { .. }) => {
                    MergeClause::MatchedDelete { predicate }
                }
                (
                    MergeClauseKind::NotMatched | MergeClauseKind::NotMatchedByTarget,
                    MergeAction::Insert(insert),
                ) => {
                    let columns: Vec<String> = insert.columns.iter().map(column_name).collect();
                    let values = match &insert.kind {
                        MergeInsertKind::Values(values) => match values.rows.as_slice() {
                            [row] => row,
                            _ => return plan_err!("MERGE INSERT takes exactly one VALUES row"),
                        },
                        MergeInsertKind::Row => {
                            return plan_err!("MERGE INSERT ROW is not supported; use INSERT (cols) VALUES (...) or INSERT *")
                        }
                    };
                    let values = if columns.len() == 1 && columns[0] == STAR_MARKER {
                        None
                    } else if columns.is_empty() {
                        return plan_err!(
                            "MERGE INSERT needs a column list: INSERT (col, ...) VALUES (...), or INSERT *"
                        );
                    } else if columns.len() != values.len() {
                        return plan_err!(
                            "MERGE INSERT lists {} columns but {} values",
                            columns.len(),
                            values.len()
                        );
                    } else {
                        Some(
                            columns
                                .into_iter()
                                .zip(values.iter().map(ToString::to_string))
                                .collect(),
                        )
                    };
                    MergeClause::NotMatchedInsert { predicate, values }
                }
                (MergeClauseKind::NotMatchedBySource, MergeAction::Update(update)) => {
                    let Some(assignments) = assignments(&update.assignments)? else {
                        return plan_err!("WHEN NOT MATCHED BY SOURCE cannot UPDATE SET *: there is no source row");
                    };
                    MergeClause::NotMatchedBySourceUpdate {
                        predicate,
                        assignments,
                    }
                }
                (MergeClauseKind::NotMatchedBySource, MergeAction::Delete { .. }) => {
                    MergeClause::NotMatchedBySourceDelete { predicate }
                }
                (kind, action) => {
                    return plan_err!("unsupported MERGE clause: WHEN {kind} THEN {action}")
                }
            };
            clauses.push(parsed);
        }
        if clauses.is_empty() {
            return plan_err!("MERGE needs at least one WHEN clause");
        }
        Ok(Self {
            target,
            target_alias,
            source_sql,
            source_alias,
            on: merge.on.to_string(),
            clauses,
        })
    }
}

fn default_alias(name: &ObjectName) -> String {
    // delta.`/path` has no usable name: Delta Lake users write an alias; default to
    // "target"/"source"-free naming by the last identifier otherwise.
    name.0
        .last()
        .and_then(|part| part.as_ident())
        .map(|ident| ident.value.clone())
        .filter(|v| !v.contains('/'))
        .unwrap_or_else(|| "target".to_string())
}

fn column_name(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|part| part.as_ident())
        .map(|ident| ident.value.clone())
        .unwrap_or_else(|| name.to_string())
}

/// `SET a = x, t.b = y` as (column, expression) pairs; `None` for `SET *`.
fn assignments(
    assignments: &[datafusion::sql::sqlparser::ast::Assignment],
) -> Result<Option<Vec<(String, String)>>> {
    let mut pairs = Vec::new();
    for assignment in assignments {
        let column = match &assignment.target {
            AssignmentTarget::ColumnName(name) => column_name(name),
            AssignmentTarget::Tuple(_) => {
                return plan_err!(
                    "MERGE UPDATE SET (a, b) = ... is not supported; assign columns one by one"
                )
            }
        };
        if column == STAR_MARKER {
            return Ok(None);
        }
        pairs.push((column, expr_sql(&assignment.value)));
    }
    Ok(Some(pairs))
}

fn expr_sql(expr: &SqlExpr) -> String {
    expr.to_string()
}

/// Runs the merge as one Delta commit.
pub async fn merge(state: &SessionState, request: MergeRequest) -> Result<MergeSummary> {
    if request.target.version != TableVersion::Latest {
        return plan_err!(
            "cannot MERGE INTO a past version of Delta table '{}'",
            request.target.display
        );
    }
    let table = open_table(&request.target).await?;
    let target_schema = table.table_provider().await?.schema();
    let source_plan = state
        .create_logical_plan(&request.source_sql)
        .await
        .map_err(|e| plan_datafusion_err!("cannot read the MERGE source: {e}"))?;
    let source = DataFrame::new(state.clone(), source_plan);
    let source_schema: SchemaRef = Arc::new(source.schema().as_arrow().clone());
    let star_pairs = |clause: &str| -> Result<Vec<(String, String)>> {
        target_schema
            .fields()
            .iter()
            .map(|field| {
                if source_schema.field_with_name(field.name()).is_err() {
                    return plan_err!(
                        "{clause} *: the source has no column '{}' of the target",
                        field.name()
                    );
                }
                Ok((
                    field.name().clone(),
                    format!("{}.\"{}\"", request.source_alias, field.name()),
                ))
            })
            .collect()
    };
    for clause in &request.clauses {
        for column in clause_columns(clause) {
            if target_schema.field_with_name(column).is_err() {
                return plan_err!(
                    "MERGE assigns column '{column}', which Delta table '{}' does not have",
                    request.target.display
                );
            }
        }
    }

    let mut builder: MergeBuilder = table
        .merge(source, request.on.clone())
        .with_source_alias(&request.source_alias)
        .with_target_alias(&request.target_alias)
        .with_session_state(Arc::new(state.clone()));
    for clause in &request.clauses {
        builder = match clause.clone() {
            MergeClause::MatchedUpdate {
                predicate,
                assignments,
            } => {
                let pairs = match assignments {
                    Some(pairs) => pairs,
                    None => star_pairs("UPDATE SET")?,
                };
                builder.when_matched_update(|mut update| {
                    if let Some(p) = predicate {
                        update = update.predicate(p);
                    }
                    for (column, value) in pairs {
                        update = update.update(column, value);
                    }
                    update
                })
            }
            MergeClause::MatchedDelete { predicate } => {
                builder.when_matched_delete(|delete| match predicate {
                    Some(p) => delete.predicate(p),
                    None => delete,
                })
            }
            MergeClause::NotMatchedInsert { predicate, values } => {
                let pairs = match values {
                    Some(pairs) => pairs,
                    None => star_pairs("INSERT")?,
                };
                builder.when_not_matched_insert(|mut insert| {
                    if let Some(p) = predicate {
                        insert = insert.predicate(p);
                    }
                    for (column, value) in pairs {
                        insert = insert.set(column, value);
                    }
                    insert
                })
            }
            MergeClause::NotMatchedBySourceUpdate {
                predicate,
                assignments,
            } => builder.when_not_matched_by_source_update(|mut update| {
                if let Some(p) = predicate {
                    update = update.predicate(p);
                }
                for (column, value) in assignments {
                    update = update.update(column, value);
                }
                update
            }),
            MergeClause::NotMatchedBySourceDelete { predicate } => builder
                .when_not_matched_by_source_delete(|delete| match predicate {
                    Some(p) => delete.predicate(p),
                    None => delete,
                }),
        }
        .map_err(merge_error)?;
    }
    let (table, metrics) = builder.await.map_err(merge_error)?;
    Ok(MergeSummary {
        version: table.version().unwrap_or(0),
        inserted: metrics.num_target_rows_inserted as u64,
        updated: metrics.num_target_rows_updated as u64,
        deleted: metrics.num_target_rows_deleted as u64,
    })
}

/// Target columns a clause assigns explicitly.
fn clause_columns(clause: &MergeClause) -> Vec<&str> {
    let pairs = match clause {
        MergeClause::MatchedUpdate {
            assignments: Some(pairs),
            ..
        }
        | MergeClause::NotMatchedInsert {
            values: Some(pairs),
            ..
        }
        | MergeClause::NotMatchedBySourceUpdate {
            assignments: pairs, ..
        } => pairs.as_slice(),
        _ => &[],
    };
    pairs.iter().map(|(c, _)| c.as_str()).collect()
}

fn merge_error(e: deltalake::DeltaTableError) -> DataFusionError {
    DataFusionError::Execution(format!("MERGE failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_actions_are_rewritten() {
        let sql = "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN insert *";
        let rewritten = rewrite_star_actions(sql);
        assert!(rewritten.contains(&format!("UPDATE SET {STAR_MARKER} = 0")));
        assert!(rewritten.contains(&format!("INSERT ({STAR_MARKER}) VALUES (0)")));
    }
}
