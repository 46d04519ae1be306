//! The query service of one connection: datafusion-postgres's, plus
//! - Ignis SQL: a statement the Postgres-dialect parser does not take (``delta.`path` ``,
//!   time travel, `CREATE EXTERNAL TABLE`, `MERGE`, `OPTIMIZE`, `DESCRIBE HISTORY`,
//!   `${variables}`...) runs through the connection's [`IgnisContext`], as in the shell.
//!   In the extended protocol an Ignis *query* is planned at Parse, so it takes `$n`
//!   parameters and describes its rows like any other; other Ignis statements run at
//!   Execute and answer with a command tag;
//! - `--statement-timeout` and cancel requests: a statement that runs longer, or whose
//!   client cancels it, is stopped with SQLSTATE 57014. DataFusion does most of a
//!   query's work while its result streams out, after the response has been returned,
//!   so stopping only planning would miss it: the interrupt covers both planning and
//!   every row of the result. Dropping the row stream stops DataFusion's execution;
//!   the connection stays usable. (pgwire's own cancel support covers planning only,
//!   so the connection registers its signal under its own type, [`CancelSignal`].)

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, RecordBatch, UInt64Array};
use datafusion::dataframe::DataFrame;
use datafusion::sql::parser::Statement as DFStatement;
use datafusion::sql::sqlparser::ast::Statement;
use datafusion::sql::sqlparser::parser::ParserError;
use datafusion_postgres::arrow_pg::datatypes::df::encode_dataframe;
use datafusion_postgres::pgwire::api::portal::Format;
use datafusion_postgres::pgwire::api::portal::Portal;
use datafusion_postgres::pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use datafusion_postgres::pgwire::api::results::{
    FieldInfo, QueryResponse, Response, SendableRowStream, Tag,
};
use datafusion_postgres::pgwire::api::stmt::QueryParser;
use datafusion_postgres::pgwire::api::store::PortalStore;
use datafusion_postgres::pgwire::api::Type;
use datafusion_postgres::pgwire::api::{ClientInfo, ClientPortalStore, ConnectionHandle};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::data::DataRow;
use datafusion_postgres::pgwire::messages::PgWireBackendMessage;
use datafusion_postgres::pgwire::types::format::FormatOptions;
use datafusion_postgres::DfSessionService;
use futures::channel::oneshot;
use futures::future::{BoxFuture, FutureExt, Shared};
use futures::{Sink, Stream};
use tokio::sync::OnceCell;
use tokio::time::{Instant, Sleep};

use super::as_text::text_for_unencodable;
use super::checks::{forbidden_setting, insufficient_privilege};
use super::errors::{error_info, QUERY_CANCELED};
use super::read_only::{is_ignis_read_only, refusal_error};
use crate::context::IgnisContext;
use crate::statements::{split_statements, IgnisStatement};

/// datafusion-postgres's session service, with Ignis SQL and a statement deadline.
pub struct ConnectionService {
    session: Arc<LazySession>,
    parser: Arc<IgnisQueryParser>,
    read_only: bool,
    timeout: Option<Duration>,
}

/// A connection's session, built on its first statement: a socket that only sends a
/// cancel request, or never authenticates, costs no context, catalog or `--init` run.
pub struct LazySession {
    build: Box<dyn Fn() -> BoxFuture<'static, datafusion::common::Result<Session>> + Send + Sync>,
    session: OnceCell<Session>,
}

/// What a connection queries: its Ignis context and datafusion-postgres's service on it.
pub struct Session {
    pub ignis: IgnisContext,
    pub service: DfSessionService,
}

impl LazySession {
    pub fn new(
        build: impl Fn() -> BoxFuture<'static, datafusion::common::Result<Session>>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        Self {
            build: Box::new(build),
            session: OnceCell::new(),
        }
    }

    async fn get(&self) -> PgWireResult<&Session> {
        self.session
            .get_or_try_init(|| (self.build)())
            .await
            .map_err(api_error)
    }
}

/// datafusion-postgres's statement: the SQL text and, for what it planned, the parsed
/// statement and its plan. Ignis statements that are not queries are stored without a
/// plan and run at Execute.
type PgStatement = <DfSessionService as ExtendedQueryHandler>::Statement;

/// datafusion-postgres's parser for Parse messages, falling back to Ignis SQL.
pub struct IgnisQueryParser {
    session: Arc<LazySession>,
}

impl IgnisQueryParser {
    async fn parse_ignis(
        &self,
        ignis: &IgnisContext,
        sql: &str,
    ) -> PgWireResult<Option<PgStatement>> {
        let statement = ignis.parse(sql).map_err(api_error)?;
        if let IgnisStatement::DataFusion(parsed) = &statement {
            if let DFStatement::Statement(query) = parsed.as_ref() {
                if matches!(query.as_ref(), Statement::Query(_)) {
                    let plan = ignis
                        .session()
                        .state()
                        .statement_to_plan(DFStatement::Statement(query.clone()))
                        .await
                        .map_err(api_error)?;
                    return Ok(Some((sql.to_string(), Some((*query.clone(), plan)))));
                }
            }
        }
        Ok(Some((sql.to_string(), None)))
    }
}

#[async_trait]
impl QueryParser for IgnisQueryParser {
    type Statement = PgStatement;

    async fn parse_sql<C>(
        &self,
        client: &C,
        sql: &str,
        types: &[Option<Type>],
    ) -> PgWireResult<Option<Self::Statement>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let session = self.session.get().await?;
        let parsed = match session
            .service
            .query_parser()
            .parse_sql(client, sql, types)
            .await
        {
            Err(e) if is_postgres_syntax_error(&e) => {
                match self.parse_ignis(&session.ignis, sql).await {
                    Err(ignis) if is_syntax_error(&ignis) => Err(e),
                    other => other,
                }
            }
            other => other,
        }?;
        Ok(match parsed {
            Some((sql, Some((statement, plan)))) => {
                let plan = text_for_unencodable(plan).map_err(api_error)?;
                Some((sql, Some((statement, plan))))
            }
            other => other,
        })
    }

    // Describe comes after Parse, so the session exists by then.
    fn get_parameter_types(&self, statement: &Self::Statement) -> PgWireResult<Vec<Type>> {
        match self.session.session.get() {
            Some(session) => session
                .service
                .query_parser()
                .get_parameter_types(statement),
            None => Ok(Vec::new()),
        }
    }

    fn get_result_schema(
        &self,
        statement: &Self::Statement,
        column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        match self.session.session.get() {
            Some(session) => session
                .service
                .query_parser()
                .get_result_schema(statement, column_format),
            None => Ok(Vec::new()),
        }
    }
}

impl ConnectionService {
    pub fn new(session: LazySession, read_only: bool, timeout: Option<Duration>) -> Self {
        let session = Arc::new(session);
        Self {
            parser: Arc::new(IgnisQueryParser {
                session: Arc::clone(&session),
            }),
            session,
            read_only,
            timeout,
        }
    }

    /// Runs a simple query's statements through the Ignis context, one response each;
    /// the first failure ends the query, as in PostgreSQL.
    async fn run_ignis<C: ClientInfo>(
        &self,
        ignis: &IgnisContext,
        client: &C,
        query: &str,
    ) -> PgWireResult<Vec<Response>> {
        let format = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
        let mut responses = Vec::new();
        for statement in split_statements(query) {
            match self
                .run_ignis_statement(ignis, &statement.text, &format, false)
                .await
            {
                Ok(response) => responses.push(response),
                Err(e) if responses.is_empty() => return Err(e),
                Err(e) => {
                    responses.push(Response::Error(Box::new(error_info(e))));
                    break;
                }
            }
        }
        if responses.is_empty() {
            responses.push(Response::EmptyQuery);
        }
        Ok(responses)
    }

    /// Runs one Ignis statement. Its result rows are sent in the simple protocol; in the
    /// extended one (where Describe announced no rows) it answers with a command tag.
    async fn run_ignis_statement(
        &self,
        ignis: &IgnisContext,
        text: &str,
        format: &Arc<FormatOptions>,
        extended: bool,
    ) -> PgWireResult<Response> {
        let statement = ignis.parse(text).map_err(api_error)?;
        if self.read_only && !is_ignis_read_only(&statement) {
            return Err(refusal_error(text));
        }
        if let IgnisStatement::DataFusion(parsed) = &statement {
            if let DFStatement::Statement(parsed) = parsed.as_ref() {
                if let Some(message) = forbidden_setting(parsed) {
                    return Err(insufficient_privilege(message));
                }
            }
        }
        let frame = ignis.execute_parsed(statement).await.map_err(api_error)?;
        if frame.schema().fields().is_empty() {
            // DDL: nothing to show but what was done.
            return Ok(Response::Execution(Tag::new(&command_tag(text))));
        }
        if extended {
            let rows = affected_rows(frame.collect().await.map_err(api_error)?);
            let command = command_tag(text);
            let tag = Tag::new(&command);
            // PostgreSQL's INSERT tag carries an oid (always 0) before the row count.
            let tag = if command == "INSERT" {
                tag.with_oid(0)
            } else {
                tag
            };
            return Ok(Response::Execution(match rows {
                Some(rows) => tag.with_rows(rows),
                None => tag,
            }));
        }
        let (state, plan) = frame.into_parts();
        let frame = DataFrame::new(state, text_for_unencodable(plan).map_err(api_error)?);
        let response =
            encode_dataframe(frame, &Format::UnifiedText, Some(Arc::clone(format))).await?;
        Ok(Response::Query(response))
    }

    /// A new statement's interrupt: its deadline, and a fresh cancel signal (which
    /// also retires the previous statement's).
    async fn interrupt<C: ClientInfo>(&self, client: &C) -> Interrupt {
        let cancel = match client.session_extensions().get::<CancelSignal>() {
            Some(signal) => Some(signal.0.start_query().await.shared()),
            None => None,
        };
        Interrupt {
            deadline: self.timeout.map(|t| Instant::now() + t),
            cancel,
        }
    }
}

fn api_error(e: datafusion::common::DataFusionError) -> PgWireError {
    PgWireError::ApiError(Box::new(e))
}

/// The rows a write reports (`rows_written`, MERGE's `num_affected_rows`, INSERT's `count`).
fn affected_rows(batches: Vec<RecordBatch>) -> Option<usize> {
    let batch = batches.first()?;
    let column = ["rows_written", "num_affected_rows", "count"]
        .iter()
        .find_map(|name| batch.column_by_name(name))?;
    let counts = column.as_any().downcast_ref::<UInt64Array>()?;
    (!counts.is_empty()).then(|| usize::try_from(counts.value(0)).unwrap_or(usize::MAX))
}

/// The command tag of a statement without result rows: `CREATE TABLE`, `DROP VIEW`...
fn command_tag(text: &str) -> String {
    let words: Vec<String> = text
        .split_whitespace()
        .take(4)
        .map(str::to_ascii_uppercase)
        .collect();
    match words.first().map(String::as_str) {
        Some("CREATE" | "DROP" | "ALTER") => {
            // CREATE [OR REPLACE] [EXTERNAL|TEMPORARY] TABLE -> CREATE TABLE
            let object = words[1..]
                .iter()
                .find(|w| {
                    !matches!(
                        w.as_str(),
                        "OR" | "REPLACE" | "EXTERNAL" | "TEMPORARY" | "TEMP" | "UNBOUNDED"
                    )
                })
                .cloned()
                .unwrap_or_default();
            format!("{} {object}", words[0]).trim_end().to_string()
        }
        Some(first) => first.to_string(),
        None => String::new(),
    }
}

/// Whether arrow-pg refused a result column's type (raised before execution).
fn is_unencodable_type_error(error: &PgWireError) -> bool {
    let message = match error {
        PgWireError::UserError(info) => info.message.clone(),
        other => other.to_string(),
    };
    message.starts_with("Unsupported Datatype") || message.starts_with("Unsupported List Datatype")
}

/// Whether datafusion-postgres refused the text as not Postgres SQL.
fn is_postgres_syntax_error(error: &PgWireError) -> bool {
    matches!(error, PgWireError::ApiError(e) if e.downcast_ref::<ParserError>().is_some())
}

fn is_syntax_error(error: &PgWireError) -> bool {
    match error {
        PgWireError::ApiError(e) => super::errors::sqlstate(e.as_ref()) == "42601",
        _ => false,
    }
}

/// The cancel signal of a connection: registered with the server's connection manager
/// at startup, fired by a client's cancel request (psql's Ctrl-C).
pub struct CancelSignal(pub Arc<ConnectionHandle>);

fn canceled(reason: &str) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_string(),
        QUERY_CANCELED.to_string(),
        format!("canceling statement due to {reason}"),
    )))
}

/// What stops a statement: its deadline or the client's cancel request. It covers
/// planning and then each result's row stream.
#[derive(Clone)]
struct Interrupt {
    deadline: Option<Instant>,
    cancel: Option<Shared<oneshot::Receiver<()>>>,
}

impl Interrupt {
    fn is_none(&self) -> bool {
        self.deadline.is_none() && self.cancel.is_none()
    }

    fn armed(self) -> ArmedInterrupt {
        ArmedInterrupt {
            sleep: self.deadline.map(|d| Box::pin(tokio::time::sleep_until(d))),
            cancel: self.cancel,
        }
    }
}

/// An [`Interrupt`] being waited on.
struct ArmedInterrupt {
    sleep: Option<Pin<Box<Sleep>>>,
    cancel: Option<Shared<oneshot::Receiver<()>>>,
}

impl ArmedInterrupt {
    /// Ready with the error to report once the statement must stop.
    fn poll_stop(&mut self, cx: &mut Context<'_>) -> Poll<PgWireError> {
        if let Some(sleep) = &mut self.sleep {
            if sleep.as_mut().poll(cx).is_ready() {
                return Poll::Ready(canceled(
                    "statement timeout (ignis serve --statement-timeout)",
                ));
            }
        }
        if let Some(cancel) = &mut self.cancel {
            match Pin::new(cancel).poll(cx) {
                Poll::Ready(Ok(())) => return Poll::Ready(canceled("user request")),
                // The sender went away: no cancel can come any more.
                Poll::Ready(Err(_)) => self.cancel = None,
                Poll::Pending => {}
            }
        }
        Poll::Pending
    }
}

/// Runs `work` (planning, or a whole Ignis statement) unless interrupted first.
async fn interruptible<T>(
    interrupt: &Interrupt,
    work: impl Future<Output = PgWireResult<T>>,
) -> PgWireResult<T> {
    if interrupt.is_none() {
        return work.await;
    }
    let mut armed = interrupt.clone().armed();
    let mut work = std::pin::pin!(work);
    std::future::poll_fn(|cx| match armed.poll_stop(cx) {
        Poll::Ready(error) => Poll::Ready(Err(error)),
        Poll::Pending => work.as_mut().poll(cx),
    })
    .await
}

/// Puts the interrupt on a query response's rows.
fn interruptible_rows(response: Response, interrupt: &Interrupt) -> Response {
    match response {
        Response::Query(query) if !interrupt.is_none() => {
            let QueryResponse {
                command_tag,
                row_schema,
                data_rows,
                ..
            } = query;
            let rows: SendableRowStream = Box::pin(InterruptibleRows {
                rows: data_rows,
                interrupt: interrupt.clone().armed(),
                stopped: false,
            });
            let mut guarded = QueryResponse::new(row_schema, rows);
            guarded.command_tag = command_tag;
            Response::Query(guarded)
        }
        response => response,
    }
}

/// A row stream that ends with an error once its statement is interrupted. Dropping
/// the inner stream stops DataFusion's execution.
struct InterruptibleRows {
    rows: SendableRowStream,
    interrupt: ArmedInterrupt,
    stopped: bool,
}

impl Stream for InterruptibleRows {
    type Item = PgWireResult<DataRow>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.stopped {
            return Poll::Ready(None);
        }
        if let Poll::Ready(error) = self.interrupt.poll_stop(cx) {
            self.stopped = true;
            self.rows = Box::pin(futures::stream::empty());
            return Poll::Ready(Some(Err(error)));
        }
        self.rows.as_mut().poll_next(cx)
    }
}

#[async_trait]
impl SimpleQueryHandler for ConnectionService {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let interrupt = self.interrupt(client).await;
        let responses = interruptible(&interrupt, async {
            let session = self.session.get().await?;
            match SimpleQueryHandler::do_query(&session.service, client, query).await {
                // Planned, but with a column type the encoder lacks: the Ignis path
                // sends such columns as text.
                Err(e) if is_unencodable_type_error(&e) => {
                    self.run_ignis(&session.ignis, client, query).await
                }
                Err(e) if is_postgres_syntax_error(&e) => {
                    // Not Postgres SQL; Ignis SQL then. If it is not that either, report
                    // the Postgres parser's error: the client talks to a Postgres server.
                    match self.run_ignis(&session.ignis, client, query).await {
                        Err(ignis) if is_syntax_error(&ignis) => Err(e),
                        other => other,
                    }
                }
                other => other,
            }
        })
        .await?;
        Ok(responses
            .into_iter()
            .map(|response| interruptible_rows(response, &interrupt))
            .collect())
    }
}

#[async_trait]
impl ExtendedQueryHandler for ConnectionService {
    type Statement = <DfSessionService as ExtendedQueryHandler>::Statement;
    type QueryParser = IgnisQueryParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        Arc::clone(&self.parser)
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Self::Statement>,
        max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let interrupt = self.interrupt(client).await;
        let response = interruptible(&interrupt, async {
            let session = self.session.get().await?;
            match &portal.statement.statement {
                (sql, None) if !sql.trim().is_empty() => {
                    if !portal.parameters.is_empty() {
                        return Err(PgWireError::UserError(Box::new(ErrorInfo::new(
                            "ERROR".to_string(),
                            "0A000".to_string(),
                            "this Ignis statement takes no $n parameters (queries do)".to_string(),
                        ))));
                    }
                    let format = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
                    self.run_ignis_statement(&session.ignis, sql, &format, true)
                        .await
                }
                _ => {
                    ExtendedQueryHandler::do_query(&session.service, client, portal, max_rows).await
                }
            }
        })
        .await?;
        Ok(interruptible_rows(response, &interrupt))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::StringArray;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    #[test]
    fn command_tags_name_the_command() {
        for (sql, tag) in [
            (
                "CREATE EXTERNAL TABLE t STORED AS DELTA LOCATION 'x'",
                "CREATE TABLE",
            ),
            (
                "create or replace table delta.`x` as select 1",
                "CREATE TABLE",
            ),
            ("CREATE OR REPLACE VIEW v AS SELECT 1", "CREATE VIEW"),
            ("DROP TABLE t", "DROP TABLE"),
            ("  MERGE INTO t USING s ON t.a = s.a", "MERGE"),
            ("insert into delta.`x` select 1", "INSERT"),
            ("", ""),
        ] {
            assert_eq!(command_tag(sql), tag, "{sql}");
        }
    }

    #[test]
    fn affected_rows_come_from_the_write_summary() {
        let batch = |name: &str| {
            RecordBatch::try_new(
                Arc::new(Schema::new(vec![
                    Field::new("table", DataType::Utf8, false),
                    Field::new(name, DataType::UInt64, false),
                ])),
                vec![
                    Arc::new(StringArray::from(vec!["/lake/t"])),
                    Arc::new(UInt64Array::from(vec![7u64])),
                ],
            )
            .unwrap()
        };
        assert_eq!(affected_rows(vec![batch("rows_written")]), Some(7));
        assert_eq!(affected_rows(vec![batch("num_affected_rows")]), Some(7));
        assert_eq!(affected_rows(vec![batch("count")]), Some(7));
        assert_eq!(affected_rows(vec![batch("version")]), None);
        assert_eq!(affected_rows(Vec::new()), None);
    }
}
