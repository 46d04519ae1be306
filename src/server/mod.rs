//! `ignis serve`: the Postgres wire-protocol front door, on datafusion-postgres and
//! pgwire (the protocol, the simple and extended query flows, parameters, type
//! encoding and `pg_catalog` come from them).
//!
//! What Ignis adds around them:
//! - one [`IgnisContext`] per connection, so a view, a variable or a `SET` in one
//!   connection never leaks into another, while Delta tables (storage) are shared;
//!   `--init` runs in every new connection's context (e.g. registering tables), built
//!   on its first statement;
//! - password authentication (cleartext, for use on loopback or behind TLS
//!   termination), refused without a password on a non-loopback address unless
//!   explicitly allowed;
//! - `--read-only`: every statement but queries, `SHOW`, `SET`, `EXPLAIN` and
//!   transaction control is refused with SQLSTATE 25006, and the writing table function
//!   `scd2_merge` is removed;
//! - data roots: a connection reads and writes only under its `--data-root`
//!   directories (the current directory by default), SQLSTATE 42501 otherwise;
//! - TLS (`--tls-cert`/`--tls-key`): clients that ask for it get it, on rustls;
//! - a connection limit (extra clients get FATAL 53300), a memory limit per connection
//!   (DataFusion's memory pool; one statement runs at a time per connection) and a
//!   statement timeout; a timeout or a cancel request stops a running statement (57014);
//! - SQLSTATEs for DataFusion's errors (syntax, missing table or column, bad values...).

mod as_text;
mod auth;
mod checks;
mod errors;
mod read_only;
mod service;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use datafusion::common::{DataFusionError, Result};
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::setup_pg_catalog;
use datafusion_postgres::hooks::cursor::CursorStatementHook;
use datafusion_postgres::hooks::set_show::SetShowHook;
use datafusion_postgres::hooks::transactions::TransactionStatementHook;
use datafusion_postgres::pgwire::api::auth::StartupHandler;
use datafusion_postgres::pgwire::api::cancel::{CancelHandler, DefaultCancelHandler};
use datafusion_postgres::pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use datafusion_postgres::pgwire::api::{ConnectionManager, ErrorHandler, PgWireServerHandlers};
use datafusion_postgres::pgwire::tokio::tokio_rustls::rustls;
use datafusion_postgres::pgwire::tokio::{process_socket, TlsAcceptor};
use datafusion_postgres::{DfSessionService, QueryHook};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::context::{IgnisConfig, IgnisContext};
use crate::data_roots::DataRoots;
use crate::statements::split_statements;

/// Options of `ignis serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on.
    pub host: String,
    /// Port to listen on (0: any free port).
    pub port: u16,
    /// Refuse every statement that writes.
    pub read_only: bool,
    /// The user and password clients must give; `None`: no authentication.
    pub credentials: Option<(String, String)>,
    /// Serve without a password on a non-loopback address.
    pub allow_no_auth: bool,
    /// SQL script run in every new connection's context.
    pub init: Option<PathBuf>,
    /// Most connections at once (0: no limit).
    pub max_connections: usize,
    /// Directories connections may read and write (empty: the current directory).
    pub data_roots: Vec<PathBuf>,
    /// PEM certificate chain and private key; clients that ask for TLS get it.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Longest a statement may run, planning and result included (`None`: no limit).
    pub statement_timeout: Option<Duration>,
    /// Settings of each connection's context (memory limit, variables, partitions).
    pub config: IgnisConfig,
}

/// What every connection shares.
struct Shared {
    options: ServeOptions,
    /// Every connection's cancel signal, for cancel requests (which come on a new socket).
    connections: Arc<ConnectionManager>,
    init_script: Option<(String, String)>,
    tls: Option<TlsAcceptor>,
}

/// Binds `host:port` and serves until the process is stopped.
pub async fn serve(options: ServeOptions) -> Result<()> {
    let listener = TcpListener::bind((options.host.as_str(), options.port))
        .await
        .map_err(|e| {
            DataFusionError::Execution(format!(
                "cannot listen on {}:{}: {e}",
                options.host, options.port
            ))
        })?;
    serve_on(listener, options).await
}

/// Serves on an already-bound listener (tests bind port 0 and read the address).
pub async fn serve_on(listener: TcpListener, mut options: ServeOptions) -> Result<()> {
    let address = listener.local_addr()?;
    check_authentication(&options, &address)?;
    let roots = if options.data_roots.is_empty() {
        vec![std::env::current_dir()?]
    } else {
        options.data_roots.clone()
    };
    let roots = Arc::new(DataRoots::new(&roots)?);
    options.config.data_roots = Some(Arc::clone(&roots));
    let tls = match &options.tls {
        Some((cert, key)) => Some(tls_acceptor(cert, key)?),
        None => None,
    };
    let init_script = match &options.init {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                DataFusionError::Execution(format!("cannot read --init {}: {e}", path.display()))
            })?;
            Some((path.display().to_string(), text))
        }
        None => None,
    };
    let shared = Arc::new(Shared {
        options,
        connections: Arc::new(ConnectionManager::new()),
        init_script,
        tls,
    });
    // A broken --init script fails at start, not at every connection.
    connection_context(&shared).await?;
    let limiter = (shared.options.max_connections > 0)
        .then(|| Arc::new(Semaphore::new(shared.options.max_connections)));
    eprintln!(
        "ignis serve: listening on {address}{}{}{}; data roots: {}",
        if shared.options.read_only {
            " (read-only)"
        } else {
            ""
        },
        if shared.options.credentials.is_some() {
            ", password required"
        } else {
            ""
        },
        if shared.tls.is_some() { ", TLS" } else { "" },
        roots
            .roots()
            .iter()
            .map(|r| r.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    loop {
        let (socket, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                log::warn!("accept failed: {e}");
                continue;
            }
        };
        let _ = socket.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let limiter = limiter.clone();
        tokio::spawn(async move {
            let permit = match &limiter {
                Some(semaphore) => match Arc::clone(semaphore).try_acquire_owned() {
                    Ok(permit) => Some(permit),
                    Err(_) => {
                        let refuse = Arc::new(auth::TooManyConnections);
                        let _ = process_socket(socket, shared.tls.clone(), refuse).await;
                        return;
                    }
                },
                None => None,
            };
            let handlers = Arc::new(ConnectionHandlers::new(&shared));
            if let Err(e) = process_socket(socket, shared.tls.clone(), handlers).await {
                log::debug!("connection {peer}: {e}");
            }
            drop(permit);
        });
    }
}

/// A TLS acceptor for a PEM certificate chain and key (PKCS#8, PKCS#1 or SEC1).
fn tls_acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let tls_error = |what: &str, e: &dyn std::fmt::Display| {
        DataFusionError::Configuration(format!("{what}: {e}"))
    };
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| tls_error(&format!("cannot read --tls-cert {}", cert.display()), &e))?;
    if certs.is_empty() {
        return Err(DataFusionError::Configuration(format!(
            "--tls-cert {} holds no certificate",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| tls_error(&format!("cannot read --tls-key {}", key.display()), &e))?;
    // rustls is built with two crypto providers in this binary, so name one.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("TLS setup", &e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| tls_error("--tls-cert and --tls-key do not make a usable pair", &e))?;
    // Clients using PostgreSQL 17's direct TLS negotiation require this ALPN name.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// No password is only allowed on loopback, or when explicitly requested.
fn check_authentication(options: &ServeOptions, address: &SocketAddr) -> Result<()> {
    if options.credentials.is_none() && !address.ip().is_loopback() {
        if options.allow_no_auth {
            eprintln!(
                "ignis serve: WARNING: no password on {address}: anyone who can reach it can read your data"
            );
        } else {
            return Err(DataFusionError::Configuration(format!(
                "refusing to serve {address} without a password: give --user and --password (or --password-file), bind to 127.0.0.1, or pass --allow-no-auth"
            )));
        }
    }
    Ok(())
}

/// A new connection's own context: the Ignis catalog, pg_catalog for client tools, and
/// the --init script.
async fn connection_context(shared: &Shared) -> Result<IgnisContext> {
    let ignis = IgnisContext::new(shared.options.config.clone())?;
    setup_pg_catalog(ignis.session(), "datafusion", EmptyContextProvider).map_err(|e| *e)?;
    if shared.options.read_only {
        ignis.session().deregister_udtf("scd2_merge");
    }
    if let Some((source, script)) = &shared.init_script {
        for statement in split_statements(script) {
            let result = match ignis.execute(&statement.text).await {
                Ok(frame) => frame.collect().await.map(|_| ()),
                Err(e) => Err(e),
            };
            result.map_err(|e| {
                DataFusionError::Execution(format!("--init {source}, line {}: {e}", statement.line))
            })?;
        }
    }
    Ok(ignis)
}

/// The pgwire handlers of one connection.
struct ConnectionHandlers {
    service: Arc<service::ConnectionService>,
    startup: Arc<auth::Startup>,
    cancel: Arc<DefaultCancelHandler>,
}

impl ConnectionHandlers {
    fn new(shared: &Arc<Shared>) -> Self {
        let for_session = Arc::clone(shared);
        let session = service::LazySession::new(move || {
            let shared = Arc::clone(&for_session);
            Box::pin(async move { connection_session(&shared).await })
        });
        Self {
            service: Arc::new(service::ConnectionService::new(
                session,
                shared.options.read_only,
                shared.options.statement_timeout,
            )),
            startup: Arc::new(auth::Startup::new(
                shared.options.credentials.clone(),
                Arc::clone(&shared.connections),
            )),
            cancel: Arc::new(DefaultCancelHandler::new(Arc::clone(&shared.connections))),
        }
    }
}

/// A connection's session: its context, and datafusion-postgres's service with the
/// server's statement checks before pg_catalog-aware SET/SHOW, cursors and
/// transactions.
async fn connection_session(shared: &Shared) -> Result<service::Session> {
    let ignis = connection_context(shared).await?;
    let mut hooks: Vec<Arc<dyn QueryHook>> = Vec::new();
    if shared.options.read_only {
        hooks.push(Arc::new(checks::CheckHook(read_only::ReadOnly)));
    }
    if let Some(roots) = &shared.options.config.data_roots {
        hooks.push(Arc::new(checks::CheckHook(checks::ServerPolicy {
            roots: Arc::clone(roots),
        })));
    }
    hooks.push(Arc::new(CursorStatementHook));
    hooks.push(Arc::new(SetShowHook));
    hooks.push(Arc::new(TransactionStatementHook));
    let service = DfSessionService::new_with_hooks(Arc::new(ignis.session().clone()), hooks);
    Ok(service::Session { ignis, service })
}

impl PgWireServerHandlers for ConnectionHandlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        Arc::clone(&self.service)
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        Arc::clone(&self.service)
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        Arc::clone(&self.startup)
    }

    fn error_handler(&self) -> Arc<impl ErrorHandler> {
        Arc::new(errors::SqlStateErrors)
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        Arc::clone(&self.cancel)
    }
}
