//! The `ignis` command line: shell, batch runner, data generator and demo.

pub mod demo;
pub mod pipeline;
pub mod repl;
pub mod runner;

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use datafusion_cli::object_storage::instrumented::InstrumentedObjectStoreRegistry;
use datafusion_cli::print_format::PrintFormat;
use datafusion_cli::print_options::{MaxRows, PrintOptions};

use crate::context::{IgnisConfig, IgnisContext};
use crate::generate::{DataGroup, GenerateOptions};
use crate::statements::Variables;

/// Ignis: Spark-style data pipelines as plain SQL over Delta Lake, on Apache DataFusion.
#[derive(Debug, Parser)]
#[command(name = "ignis", version, about)]
pub struct Args {
    /// Run this SQL (one or more statements) and exit. May be repeated.
    #[arg(short = 'c', long = "command", value_name = "SQL")]
    pub commands: Vec<String>,

    /// Run the statements of this .sql file in order and exit; stops at the first
    /// failing statement with exit code 1. May be repeated.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Output format for query results: table, csv, tsv, json, ndjson or automatic.
    #[arg(long, default_value = "automatic", value_parser = parse_format)]
    pub format: PrintFormat,

    /// Quiet: print results only, no timing or row counts.
    #[arg(short, long)]
    pub quiet: bool,

    /// Set a script variable, substituted as ${name}. May be repeated.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_variable)]
    pub variables: Vec<(String, String)>,

    /// Rows shown for a query in table format ('inf' for all).
    #[arg(long, default_value = "40", value_parser = |s: &str| s.parse::<MaxRows>())]
    pub maxrows: MaxRows,

    /// Memory limit for query execution, e.g. 4G or 512M (default: unbounded).
    #[arg(long, value_parser = parse_bytes)]
    pub memory_limit: Option<usize>,

    #[command(subcommand)]
    pub command: Option<SubCommand>,
}

#[derive(Debug, Subcommand)]
pub enum SubCommand {
    /// Write deterministic sample data (Delta tables and JSON logs) for the scenarios.
    Generate {
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Scale factor: 1 is about 100k transactions.
        #[arg(long, default_value_t = 1)]
        scale: u32,
        /// Random seed; the same seed gives identical tables.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Generate only these table groups (comma-separated; default: all):
        /// retail (customers, products, orders, transactions, bundles), logs
        /// (application_logs, planted_log_anomalies), graph (entities, relationships;
        /// 5000 vertices and about 50k edges per unit of scale), quality (dq_customers,
        /// dq_orders, dq_planted_defects, data_quality_rules.json), dimensions
        /// (customer_updates_initial/_batch1/_batch2, planted_customer_changes), etl
        /// (etl_sources/), timeseries (time_series), sensors (IoT readings, machines,
        /// thresholds), supply_chain (sc_* tables, suppliers), fraud (fraud_* tables and
        /// stream), finance (fin_* tables, exchange_rates), clickstream (web_* tables) and
        /// text (social_posts, *_keywords, text_data and their planted truth).
        #[arg(long, value_name = "GROUPS", value_delimiter = ',')]
        only: Vec<DataGroup>,
    },
    /// Print the reference of Ignis's function catalog (Markdown), generated from each
    /// function's own documentation.
    Functions,
    /// Generate scale-1 data and run every scenario script on it, printing a summary.
    Demo {
        /// Working directory for data and outputs.
        #[arg(long, default_value = "ignis-demo")]
        dir: PathBuf,
    },
    /// Serve the SQL surface over the Postgres wire protocol (psql, JDBC, psycopg...).
    /// Each connection gets its own session (views, variables, SET); Delta tables are
    /// shared. `--memory-limit` applies to each connection.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port to listen on.
        #[arg(long, default_value_t = 5432)]
        port: u16,
        /// Refuse every statement that writes (SQLSTATE 25006).
        #[arg(long)]
        read_only: bool,
        /// User name clients must give (with --password or --password-file).
        #[arg(long, requires = "password_source")]
        user: Option<String>,
        /// Password clients must give.
        #[arg(long, group = "password_source")]
        password: Option<String>,
        /// File holding the password (first line).
        #[arg(long, group = "password_source")]
        password_file: Option<PathBuf>,
        /// Serve without a password on a non-loopback address (not recommended).
        #[arg(long)]
        allow_no_auth: bool,
        /// SQL script run in every new connection (e.g. CREATE EXTERNAL TABLE ... STORED AS DELTA).
        #[arg(long)]
        init: Option<PathBuf>,
        /// Most clients connected at once (0: no limit).
        #[arg(long, default_value_t = 64)]
        max_connections: usize,
        /// Directory clients may read and write (repeatable); paths elsewhere are
        /// refused. Default: the current directory.
        #[arg(long = "data-root")]
        data_roots: Vec<PathBuf>,
        /// PEM certificate chain for TLS (with --tls-key).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM private key for TLS (with --tls-cert).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Stop a statement after this many seconds (SQLSTATE 57014; 0: no limit).
        #[arg(long, default_value_t = 0.0)]
        statement_timeout: f64,
    },
}

fn parse_variable(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("expected NAME=VALUE, got '{s}'")),
    }
}

fn parse_format(s: &str) -> Result<PrintFormat, String> {
    match s.to_ascii_lowercase().as_str() {
        "ndjson" | "jsonl" => Ok(PrintFormat::NdJson),
        other => other.parse::<PrintFormat>().map_err(|_| {
            format!("unknown format '{s}': use table, csv, tsv, json, ndjson or automatic")
        }),
    }
}

fn parse_bytes(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let (number, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let number: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("invalid size '{s}': expected e.g. 512M or 4G"))?;
    let factor = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1.0,
        "K" | "KB" => 1024.0,
        "M" | "MB" => 1024.0 * 1024.0,
        "G" | "GB" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(format!("invalid size unit in '{s}': use K, M or G")),
    };
    Ok((number * factor) as usize)
}

impl Args {
    pub fn print_options(&self) -> PrintOptions {
        PrintOptions {
            format: self.format,
            quiet: self.quiet,
            maxrows: self.maxrows,
            color: std::io::IsTerminal::is_terminal(&std::io::stdout()),
            instrumented_registry: Arc::new(InstrumentedObjectStoreRegistry::new()),
        }
    }

    pub fn config(&self) -> IgnisConfig {
        IgnisConfig {
            variables: self.variables.iter().cloned().collect::<Variables>(),
            memory_limit: self.memory_limit,
            ..IgnisConfig::default()
        }
    }
}

/// Runs the command line; returns the process exit code.
pub async fn main(args: Args) -> i32 {
    match &args.command {
        Some(SubCommand::Generate {
            out,
            scale,
            seed,
            only,
        }) => {
            let options = GenerateOptions {
                out: out.clone(),
                scale: *scale,
                seed: *seed,
                only: only.clone(),
            };
            return demo::generate_command(&options, args.quiet).await;
        }
        Some(SubCommand::Demo { dir }) => return demo::run_demo(dir, &args).await,
        Some(SubCommand::Functions) => {
            print!("{}", function_reference());
            return 0;
        }
        Some(SubCommand::Serve {
            host,
            port,
            read_only,
            user,
            password,
            password_file,
            allow_no_auth,
            init,
            max_connections,
            data_roots,
            tls_cert,
            tls_key,
            statement_timeout,
        }) => {
            let statement_timeout = match std::time::Duration::try_from_secs_f64(*statement_timeout)
            {
                Ok(t) if t.is_zero() => None,
                Ok(t) => Some(t),
                Err(e) => {
                    eprintln!("error: --statement-timeout {statement_timeout}: {e}");
                    return 2;
                }
            };
            let password = match (password, password_file) {
                (Some(p), _) => Some(p.clone()),
                (None, Some(file)) => match std::fs::read_to_string(file) {
                    Ok(text) => Some(text.lines().next().unwrap_or_default().to_string()),
                    Err(e) => {
                        eprintln!("error: cannot read --password-file {}: {e}", file.display());
                        return 2;
                    }
                },
                (None, None) => None,
            };
            let credentials = match (user, password) {
                (Some(user), Some(password)) => Some((user.clone(), password)),
                (None, Some(password)) => Some(("ignis".to_string(), password)),
                _ => None,
            };
            let options = crate::server::ServeOptions {
                host: host.clone(),
                port: *port,
                read_only: *read_only,
                credentials,
                allow_no_auth: *allow_no_auth,
                init: init.clone(),
                max_connections: *max_connections,
                data_roots: data_roots.clone(),
                tls: tls_cert.clone().zip(tls_key.clone()),
                statement_timeout,
                config: args.config(),
            };
            return match crate::server::serve(options).await {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("error: {e}");
                    1
                }
            };
        }
        None => {}
    }
    let ctx = match IgnisContext::new(args.config()) {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return 1;
        }
    };
    let mut print_options = args.print_options();
    if args.commands.is_empty() && args.files.is_empty() {
        if print_options.format == PrintFormat::Automatic {
            print_options.format = PrintFormat::Table;
        }
        return match repl::run_repl(&ctx, &mut print_options).await {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("error: {e}");
                1
            }
        };
    }
    for (i, sql) in args.commands.iter().enumerate() {
        let source = format!("<command {}>", i + 1);
        if let Err(e) = runner::run_script(&ctx, sql, &source, Some(&print_options)).await {
            eprint!("{e}");
            return 1;
        }
    }
    for file in &args.files {
        if let Err(e) = runner::run_file(&ctx, file, Some(&print_options)).await {
            eprint!("{e}");
            return 1;
        }
    }
    0
}

/// The function catalog as Markdown, from each function's `documentation()`.
pub fn function_reference() -> String {
    let mut out = String::from("# Ignis function reference\n");
    let mut section = "";
    for (name, doc) in ignis_udfs::all_documentation() {
        if doc.doc_section.label != section {
            section = doc.doc_section.label;
            out.push_str(&format!("\n## {section}\n"));
        }
        out.push_str(&format!(
            "\n### `{name}`\n\n{}\n\n```sql\n{}\n```\n",
            doc.description, doc.syntax_example
        ));
        if let Some(arguments) = &doc.arguments {
            out.push_str("\n| argument | description |\n|---|---|\n");
            for (arg, text) in arguments {
                out.push_str(&format!("| `{arg}` | {text} |\n"));
            }
        }
        if let Some(example) = &doc.sql_example {
            out.push_str(&format!("\nExample:\n\n{example}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_reference_covers_the_catalog() {
        let reference = function_reference();
        for name in [
            "rfm",
            "rfm_segment",
            "kmeans",
            "kmeans_centroids",
            "kmeans_elbow",
            "frequent_itemsets",
            "association_rules",
        ] {
            assert!(
                reference.contains(&format!("### `{name}`")),
                "{name} missing"
            );
        }
    }

    /// docs/functions.md is generated (`ignis functions > docs/functions.md`), never edited.
    #[test]
    fn committed_function_reference_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/functions.md");
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == function_reference(),
            "docs/functions.md is stale: run `cargo run -- functions > docs/functions.md`"
        );
    }

    #[test]
    fn generate_only_takes_a_comma_separated_list() {
        let args = Args::try_parse_from([
            "ignis",
            "generate",
            "--out",
            "/tmp/x",
            "--only",
            "retail,graph",
        ])
        .unwrap();
        match args.command {
            Some(SubCommand::Generate { only, .. }) => {
                assert_eq!(only, [DataGroup::Retail, DataGroup::Graph]);
            }
            other => panic!("unexpected {other:?}"),
        }
        let args = Args::try_parse_from(["ignis", "generate", "--out", "/tmp/x"]).unwrap();
        assert!(matches!(
            args.command,
            Some(SubCommand::Generate { only, .. }) if only.is_empty()
        ));
        assert!(
            Args::try_parse_from(["ignis", "generate", "--out", "x", "--only", "nope"]).is_err()
        );
    }

    #[test]
    fn parses_sizes_and_variables() {
        assert_eq!(parse_bytes("512M"), Ok(512 * 1024 * 1024));
        assert_eq!(parse_bytes("2G"), Ok(2 * 1024 * 1024 * 1024));
        assert!(parse_bytes("lots").is_err());
        assert_eq!(
            parse_variable("out=/tmp/a=b"),
            Ok(("out".to_string(), "/tmp/a=b".to_string()))
        );
        assert!(parse_variable("=x").is_err());
    }
}
