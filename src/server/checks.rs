//! Checks on statements before they are planned, installed as datafusion-postgres
//! query hooks ([`CheckHook`]): `--read-only` (read_only.rs) and the server's policy,
//! what no client may do (SQLSTATE 42501):
//! - `COPY ... TO 'file'` outside the data roots. In Postgres syntax it goes straight
//!   to DataFusion, whose local object store refuses such a path only once the write
//!   has begun (and reports it as an internal error);
//! - `SET datafusion.runtime.*`: the memory limit and spill settings belong to the
//!   server (`--memory-limit`), not to a client;
//! - and, with 0A000 rather than a parser error from DataFusion, the `COPY` forms
//!   Ignis does not support (`FROM`, `TO STDOUT`).

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::common::ParamValues;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{CopyTarget, ObjectName, Set, Statement};
use datafusion_postgres::hooks::HookClient;
use datafusion_postgres::pgwire::api::results::Response;
use datafusion_postgres::pgwire::api::ClientInfo;
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::QueryHook;

use super::errors::INSUFFICIENT_PRIVILEGE;
use crate::data_roots::DataRoots;

/// A rule on Postgres statements, checked before they are planned.
pub trait StatementCheck: Send + Sync {
    /// The error to answer instead of running `statement`, if it is refused.
    fn refusal(&self, statement: &Statement) -> Option<PgWireError>;
}

/// Installs a [`StatementCheck`] as a datafusion-postgres query hook, for the simple
/// protocol and for both steps of the extended one.
#[derive(Debug)]
pub struct CheckHook<T>(pub T);

/// Refuses `COPY` to or from a file outside the data roots, `COPY ... PROGRAM` and
/// runtime settings.
#[derive(Debug)]
pub struct ServerPolicy {
    pub roots: Arc<DataRoots>,
}

impl StatementCheck for ServerPolicy {
    fn refusal(&self, statement: &Statement) -> Option<PgWireError> {
        let Statement::Copy { to, target, .. } = statement else {
            return forbidden_setting(statement).map(insufficient_privilege);
        };
        match (to, target) {
            (true, CopyTarget::File { filename }) => self
                .roots
                .check_location(filename)
                .err()
                .map(|e| insufficient_privilege(e.to_string())),
            (_, CopyTarget::Program { .. }) => Some(insufficient_privilege(
                "COPY ... PROGRAM is not allowed".to_string(),
            )),
            (true, _) => Some(not_supported(
                "COPY ... TO STDOUT is not supported: run the query itself, or COPY (query) TO 'file'",
            )),
            (false, _) => Some(not_supported(
                "COPY ... FROM is not supported: read files with CREATE EXTERNAL TABLE or read_csv_checked(...)",
            )),
        }
    }
}

fn not_supported(message: &str) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_string(),
        "0A000".to_string(),
        message.to_string(),
    )))
}

/// The 42501 error.
pub fn insufficient_privilege(message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_string(),
        INSUFFICIENT_PRIVILEGE.to_string(),
        message,
    )))
}

/// Why a `SET` is not for clients, if it is not.
pub fn forbidden_setting(statement: &Statement) -> Option<String> {
    let Statement::Set(set) = statement else {
        return None;
    };
    let names: Vec<&ObjectName> = match set {
        Set::SingleAssignment { variable, .. } => vec![variable],
        Set::ParenthesizedAssignments { variables, .. } => variables.iter().collect(),
        Set::MultipleAssignments { assignments } => assignments.iter().map(|a| &a.name).collect(),
        _ => return None,
    };
    names
        .into_iter()
        .map(|name| name.to_string().to_ascii_lowercase())
        .find(|name| name.starts_with("datafusion.runtime."))
        .map(|name| {
            format!("cannot SET {name}: runtime settings (memory limit, spilling) are the server's (ignis serve --memory-limit)")
        })
}

#[async_trait]
impl<T: StatementCheck> QueryHook for CheckHook<T> {
    async fn handle_simple_query(
        &self,
        statement: &Statement,
        _session_context: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        self.0.refusal(statement).map(Err)
    }

    async fn handle_extended_parse_query(
        &self,
        statement: &Statement,
        _session_context: &SessionContext,
        _client: &(dyn ClientInfo + Send + Sync),
    ) -> Option<PgWireResult<LogicalPlan>> {
        self.0.refusal(statement).map(Err)
    }

    async fn handle_extended_query(
        &self,
        statement: &Statement,
        _logical_plan: &LogicalPlan,
        _params: &ParamValues,
        _session_context: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        self.0.refusal(statement).map(Err)
    }
}
