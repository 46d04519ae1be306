//! SQLSTATE codes for the errors a query can raise, so clients can tell a typo from a
//! missing table, a bad value or an exhausted memory pool. datafusion-postgres reports
//! every DataFusion error as XX000 (internal error); pgwire lets the server rewrite an
//! error just before it is sent, which is where [`SqlStateErrors`] maps it.

use datafusion::arrow::error::ArrowError;
use datafusion::common::DataFusionError;
use datafusion::sql::sqlparser::parser::ParserError;
use datafusion_postgres::pgwire::api::{ClientInfo, ErrorHandler};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError};
use ignis_udfs::data_roots::OUTSIDE_DATA_ROOTS;

/// SQLSTATE of a statement that ran past the statement timeout.
pub const QUERY_CANCELED: &str = "57014";
/// SQLSTATE of a path outside the data roots.
pub const INSUFFICIENT_PRIVILEGE: &str = "42501";

/// Rewrites opaque errors (XX000) into ones with a specific SQLSTATE.
#[derive(Debug, Default)]
pub struct SqlStateErrors;

impl ErrorHandler for SqlStateErrors {
    fn on_error<C: ClientInfo>(&self, _client: &C, error: &mut PgWireError) {
        let PgWireError::ApiError(cause) = error else {
            return;
        };
        *error = PgWireError::UserError(Box::new(cause_info(cause.as_ref())));
    }
}

fn cause_info(cause: &(dyn std::error::Error + Send + Sync + 'static)) -> ErrorInfo {
    ErrorInfo::new(
        "ERROR".to_string(),
        sqlstate(cause).to_string(),
        cause.to_string(),
    )
}

/// The error message for a client, with its SQLSTATE.
pub fn error_info(error: PgWireError) -> ErrorInfo {
    match error {
        PgWireError::UserError(info) => *info,
        PgWireError::ApiError(cause) => cause_info(cause.as_ref()),
        other => ErrorInfo::from(other),
    }
}

/// The SQLSTATE for an error raised while parsing, planning or running a statement.
pub fn sqlstate(error: &(dyn std::error::Error + 'static)) -> &'static str {
    if let Some(e) = error.downcast_ref::<DataFusionError>() {
        return datafusion_sqlstate(e);
    }
    if let Some(e) = error.downcast_ref::<ArrowError>() {
        return arrow_sqlstate(e);
    }
    if error.downcast_ref::<ParserError>().is_some() {
        return "42601";
    }
    message_sqlstate(&error.to_string()).unwrap_or("XX000")
}

fn datafusion_sqlstate(error: &DataFusionError) -> &'static str {
    let root = error.find_root();
    if let Some(code) = message_sqlstate(&root.to_string()) {
        return code;
    }
    match root {
        DataFusionError::SQL(..) => "42601",
        DataFusionError::SchemaError(e, _) => {
            use datafusion::common::SchemaError;
            match e.as_ref() {
                SchemaError::FieldNotFound { .. } => "42703",
                SchemaError::AmbiguousReference { .. } => "42702",
                SchemaError::DuplicateQualifiedField { .. }
                | SchemaError::DuplicateUnqualifiedField { .. } => "42701",
            }
        }
        DataFusionError::NotImplemented(_) => "0A000",
        DataFusionError::ResourcesExhausted(_) => "53200",
        DataFusionError::ArrowError(e, _) => arrow_sqlstate(e),
        DataFusionError::IoError(_) | DataFusionError::ObjectStore(_) => "58030",
        DataFusionError::Configuration(_) => "22023",
        DataFusionError::Plan(_) => "42000",
        DataFusionError::Execution(_) => "22000",
        DataFusionError::External(e) => sqlstate(e.as_ref()),
        _ => "XX000",
    }
}

fn arrow_sqlstate(error: &ArrowError) -> &'static str {
    match error {
        ArrowError::DivideByZero => "22012",
        ArrowError::ArithmeticOverflow(_) => "22003",
        ArrowError::CastError(_) | ArrowError::ParseError(_) => "22P02",
        ArrowError::MemoryError(_) => "53200",
        ArrowError::IoError(..) => "58030",
        _ => "XX000",
    }
}

/// Codes recognisable from the message alone (DataFusion reports these as plain plan or
/// execution errors).
fn message_sqlstate(message: &str) -> Option<&'static str> {
    let lower = message.to_ascii_lowercase();
    let code = if message.contains(OUTSIDE_DATA_ROOTS) {
        INSUFFICIENT_PRIVILEGE
    } else if lower.contains("divide by zero") || lower.contains("division by zero") {
        "22012"
    } else if lower.contains("overflow") {
        "22003"
    } else if (lower.contains("table '") || lower.contains("table \""))
        && lower.contains("not found")
    {
        "42P01"
    } else if lower.contains("invalid function") || lower.contains("no function matches") {
        "42883"
    } else {
        return None;
    };
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::SessionContext;

    async fn code_of(sql: &str) -> &'static str {
        let ctx = SessionContext::new();
        let result = match ctx.sql(sql).await {
            Ok(frame) => frame.collect().await.map(|_| ()),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => "none",
            Err(e) => sqlstate(&e),
        }
    }

    #[tokio::test]
    async fn codes_for_common_mistakes() {
        assert_eq!(code_of("SELEC 1").await, "42601");
        assert_eq!(code_of("SELECT * FROM no_such_table").await, "42P01");
        assert_eq!(
            code_of("SELECT no_such_column FROM (SELECT 1 AS a)").await,
            "42703"
        );
        assert_eq!(code_of("SELECT no_such_function(1)").await, "42883");
        assert_eq!(code_of("SELECT 1 / 0").await, "22012");
        assert_eq!(code_of("SELECT CAST('x' AS INT)").await, "22P02");
        assert_eq!(code_of("SELECT 1").await, "none");
    }

    #[test]
    fn data_roots_refusal_is_insufficient_privilege() {
        let e = DataFusionError::Plan(format!("path '/etc' {OUTSIDE_DATA_ROOTS} (/data)"));
        assert_eq!(sqlstate(&e), INSUFFICIENT_PRIVILEGE);
        let wrapped = DataFusionError::Context("while planning".into(), Box::new(e));
        assert_eq!(sqlstate(&wrapped), INSUFFICIENT_PRIVILEGE);
    }
}
