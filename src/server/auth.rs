//! Startup of a connection: password authentication when configured, and the refusal
//! of connections over the limit.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion_postgres::pgwire::api::auth::cleartext::CleartextPasswordAuthStartupHandler;
use datafusion_postgres::pgwire::api::auth::{
    AuthSource, DefaultServerParameterProvider, LoginInfo, Password, StartupHandler,
};
use datafusion_postgres::pgwire::api::{
    ClientInfo, ConnectionManager, NoopHandler, PgWireConnectionState, PgWireServerHandlers,
};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use futures::Sink;

use super::service::CancelSignal;

/// The one user and password `ignis serve` accepts.
#[derive(Debug)]
pub struct Credentials {
    user: String,
    password: String,
}

#[async_trait]
impl AuthSource for Credentials {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        match login.user() {
            Some(user) if user == self.user => {
                Ok(Password::new(None, self.password.as_bytes().to_vec()))
            }
            user => Err(fatal(
                "28P01",
                format!(
                    "password authentication failed for user \"{}\"",
                    user.unwrap_or_default()
                ),
            )),
        }
    }
}

fn fatal(code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "FATAL".to_string(),
        code.to_string(),
        message,
    )))
}

/// Password authentication (PostgreSQL's cleartext exchange) or none; once the
/// client is in, its cancel signal is registered with the server's connections.
pub struct Startup {
    password:
        Option<CleartextPasswordAuthStartupHandler<Credentials, DefaultServerParameterProvider>>,
    connections: Arc<ConnectionManager>,
}

impl Startup {
    pub fn new(credentials: Option<(String, String)>, connections: Arc<ConnectionManager>) -> Self {
        Self {
            connections,
            password: credentials.map(|(user, password)| {
                CleartextPasswordAuthStartupHandler::new(
                    Credentials { user, password },
                    DefaultServerParameterProvider::default(),
                )
            }),
        }
    }
}

#[async_trait]
impl StartupHandler for Startup {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match &self.password {
            Some(handler) => handler.on_startup(client, message).await?,
            None => NoopHandler.on_startup(client, message).await?,
        }
        let extensions = client.session_extensions();
        if matches!(client.state(), PgWireConnectionState::ReadyForQuery)
            && extensions.get::<CancelSignal>().is_none()
        {
            let (pid, secret_key) = client.pid_and_secret_key();
            let (handle, guard) = self.connections.register(pid, secret_key);
            extensions.insert(CancelSignal(handle));
            extensions.insert(guard);
        }
        Ok(())
    }
}

/// Answers a connection over `--max-connections` with FATAL 53300, as PostgreSQL does.
pub struct TooManyConnections;

#[async_trait]
impl StartupHandler for TooManyConnections {
    async fn on_startup<C>(
        &self,
        _client: &mut C,
        _message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(fatal(
            "53300",
            "sorry, too many clients already (ignis serve --max-connections)".to_string(),
        ))
    }
}

impl PgWireServerHandlers for TooManyConnections {
    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        Arc::new(TooManyConnections)
    }
}
