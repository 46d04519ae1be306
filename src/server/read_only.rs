//! `--read-only`: a query hook that refuses, before planning, every statement that is
//! not a query, `EXPLAIN` of a query, `SHOW`, `SET`, cursor or transaction control.

use datafusion::sql::parser::Statement as DFStatement;
use datafusion::sql::sqlparser::ast::Statement;
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError};

use super::checks::StatementCheck;
use crate::statements::IgnisStatement;

/// Refuses writes with SQLSTATE 25006 (read_only_sql_transaction), as PostgreSQL.
/// (Installed as a query hook through [`super::checks::CheckHook`].)
#[derive(Debug)]
pub struct ReadOnly;

/// Whether a statement only reads.
pub fn is_read_only(statement: &Statement) -> bool {
    match statement {
        Statement::Explain {
            statement, analyze, ..
        } => !*analyze || is_read_only(statement),
        Statement::Query(_)
        | Statement::ExplainTable { .. }
        | Statement::Set(_)
        | Statement::ShowVariable { .. }
        | Statement::ShowVariables { .. }
        | Statement::ShowTables { .. }
        | Statement::ShowColumns { .. }
        | Statement::ShowFunctions { .. }
        | Statement::ShowStatus { .. }
        | Statement::ShowDatabases { .. }
        | Statement::ShowSchemas { .. }
        | Statement::ShowCreate { .. }
        | Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Declare { .. }
        | Statement::Fetch { .. }
        | Statement::Close { .. }
        | Statement::Discard { .. }
        | Statement::Deallocate { .. } => true,
        _ => false,
    }
}

/// Whether an Ignis statement (one the Postgres parser did not take) only reads.
pub fn is_ignis_read_only(statement: &IgnisStatement) -> bool {
    match statement {
        IgnisStatement::SetVariable { .. } | IgnisStatement::DescribeHistory { .. } => true,
        IgnisStatement::DataFusion(statement) => match statement.as_ref() {
            DFStatement::Statement(statement) => is_read_only(statement),
            DFStatement::Explain(explain) => {
                !explain.options.analyze
                    || matches!(explain.statement.as_ref(), DFStatement::Statement(s) if is_read_only(s))
            }
            _ => false,
        },
        IgnisStatement::CreateDeltaTableAs { .. }
        | IgnisStatement::Merge(_)
        | IgnisStatement::Optimize { .. }
        | IgnisStatement::Vacuum { .. } => false,
    }
}

/// The 25006 error for a write on a read-only server.
pub fn refusal_error(statement_text: &str) -> PgWireError {
    let first_words: String = statement_text
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_string(),
        "25006".to_string(),
        format!("cannot execute {first_words} ...: this Ignis server is read-only (--read-only)"),
    )))
}

impl StatementCheck for ReadOnly {
    fn refusal(&self, statement: &Statement) -> Option<PgWireError> {
        (!is_read_only(statement)).then(|| refusal_error(&statement.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    #[test]
    fn reads_pass_and_writes_are_refused() {
        let parse = |sql: &str| {
            Parser::parse_sql(&PostgreSqlDialect {}, sql)
                .unwrap()
                .remove(0)
        };
        for sql in [
            "SELECT 1",
            "WITH t AS (SELECT 1) SELECT * FROM t",
            "EXPLAIN SELECT 1",
            "SHOW TABLES",
            "SET search_path = public",
            "BEGIN",
            "COMMIT",
        ] {
            assert!(is_read_only(&parse(sql)), "{sql}");
        }
        for sql in [
            "INSERT INTO t VALUES (1)",
            "CREATE TABLE t AS SELECT 1",
            "CREATE VIEW v AS SELECT 1",
            "DROP TABLE t",
            "DELETE FROM t",
            "UPDATE t SET a = 1",
            "COPY t FROM '/etc/passwd'",
            "EXPLAIN ANALYZE INSERT INTO t VALUES (1)",
        ] {
            assert!(!is_read_only(&parse(sql)), "{sql}");
        }
    }
}
