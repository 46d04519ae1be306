//! `ignis serve` with real Postgres clients: tokio-postgres (simple and extended
//! protocols, parameters, types, errors with SQLSTATE, per-connection sessions,
//! authentication, read-only, connection limit, concurrent clients), psql and psycopg.

mod common;

use std::net::SocketAddr;
use std::path::Path;

use ignis::context::{IgnisConfig, IgnisContext};
use ignis::server::{serve_on, ServeOptions};
use tokio::net::TcpListener;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A Delta table `items` (id, name, price, day, seen) and an --init script registering it.
async fn fixture(dir: &Path) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    let table = dir.join("items");
    let ctx = IgnisContext::new(IgnisConfig::default())?;
    ctx.execute(&format!(
        "CREATE TABLE delta.`{}` AS SELECT * FROM (VALUES
            (1, 'apple', CAST(1.25 AS DECIMAL(10, 2)), DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05', true),
            (2, 'pear', CAST(2.50 AS DECIMAL(10, 2)), DATE '2024-02-03', TIMESTAMP '2024-02-03 04:05:06', false),
            (3, 'plum', CAST(0.75 AS DECIMAL(10, 2)), NULL, NULL, NULL)
        ) AS t(id, name, price, day, seen, fresh)",
        table.display()
    ))
    .await?
    .collect()
    .await?;
    let init = dir.join("init.sql");
    std::fs::write(
        &init,
        format!(
            "CREATE EXTERNAL TABLE items STORED AS DELTA LOCATION '{}';\n",
            table.display()
        ),
    )?;
    Ok(init)
}

async fn start(options: ServeOptions) -> Result<SocketAddr, Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = serve_on(listener, options).await {
            eprintln!("server stopped: {e}");
        }
    });
    Ok(address)
}

fn options(init: &Path) -> ServeOptions {
    ServeOptions {
        host: "127.0.0.1".into(),
        port: 0,
        read_only: false,
        credentials: Some(("ignis".into(), "s3cret".into())),
        allow_no_auth: false,
        init: Some(init.to_path_buf()),
        max_connections: 64,
        config: IgnisConfig::default(),
    }
}

async fn connect(address: SocketAddr, password: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(
        &format!(
            "host=127.0.0.1 port={} user=ignis password={password} dbname=datafusion",
            address.port()
        ),
        NoTls,
    )
    .await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

fn simple_rows(messages: &[SimpleQueryMessage]) -> Vec<Vec<Option<String>>> {
    messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

fn code(e: &tokio_postgres::Error) -> String {
    e.as_db_error()
        .map(|d| d.code().code().to_string())
        .unwrap_or_else(|| format!("no SQLSTATE: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_query_with_both_protocols_and_sessions_stay_apart() -> TestResult {
    let dir = tempfile::tempdir()?;
    let init = fixture(dir.path()).await?;
    let address = start(options(&init)).await?;
    let client = connect(address, "s3cret").await?;

    // Simple protocol, text values of every type, and an Ignis function.
    let rows = simple_rows(
        &client
            .simple_query(
                "SELECT id, name, price, day, seen, fresh, stem('running') AS s FROM items ORDER BY id",
            )
            .await?,
    );
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][0].as_deref(), Some("1"));
    assert_eq!(rows[0][1].as_deref(), Some("apple"));
    assert_eq!(rows[0][2].as_deref(), Some("1.25"));
    assert_eq!(rows[0][3].as_deref(), Some("2024-01-02"));
    assert!(rows[0][4]
        .as_deref()
        .is_some_and(|t| t.starts_with("2024-01-02 03:04:05")));
    assert_eq!(rows[0][5].as_deref(), Some("t"));
    assert_eq!(rows[0][6].as_deref(), Some("run"));
    assert_eq!(rows[2][3], None);

    // Extended protocol with a parameter, binary decoding of typed values.
    let rows = client
        .query("SELECT id, name, fresh FROM items WHERE id = $1", &[&2i64])
        .await?;
    assert_eq!(rows.len(), 1);
    let id: i64 = rows[0].get(0);
    let name: &str = rows[0].get(1);
    let fresh: Option<bool> = rows[0].get(2);
    assert_eq!((id, name, fresh), (2, "pear", Some(false)));
    let statement = client
        .prepare("SELECT count(*) FROM items WHERE name LIKE $1")
        .await?;
    for (pattern, expected) in [("p%", 2i64), ("a%", 1), ("z%", 0)] {
        let n: i64 = client.query_one(&statement, &[&pattern]).await?.get(0);
        assert_eq!(n, expected, "{pattern}");
    }
    let score: f64 = client
        .query_one("SELECT sentiment($1)['compound']", &[&"The book was good."])
        .await?
        .get(0);
    assert!((score - 0.4404).abs() < 1e-9);

    // Errors carry a SQLSTATE and leave the connection usable.
    let error = client
        .simple_query("SELECT * FROM no_such_table")
        .await
        .err()
        .ok_or("expected an error")?;
    assert!(error.as_db_error().is_some(), "{error}");
    let rows = simple_rows(&client.simple_query("SELECT 40 + 2").await?);
    assert_eq!(rows, vec![vec![Some("42".to_string())]]);

    // A view in one connection is not seen by another.
    client
        .simple_query("CREATE VIEW cheap AS SELECT * FROM items WHERE price < 2")
        .await?;
    let rows = simple_rows(&client.simple_query("SELECT count(*) FROM cheap").await?);
    assert_eq!(rows, vec![vec![Some("2".to_string())]]);
    let other = connect(address, "s3cret").await?;
    assert!(other.simple_query("SELECT * FROM cheap").await.is_err());
    let rows = simple_rows(&other.simple_query("SELECT count(*) FROM items").await?);
    assert_eq!(rows, vec![vec![Some("3".to_string())]]);

    // Wrong password: refused with 28P01.
    let refused = connect(address, "wrong")
        .await
        .err()
        .ok_or("expected a refusal")?;
    assert_eq!(code(&refused), "28P01");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn read_only_server_refuses_writes_and_limits_connections() -> TestResult {
    let dir = tempfile::tempdir()?;
    let init = fixture(dir.path()).await?;
    let mut opts = options(&init);
    opts.read_only = true;
    opts.max_connections = 2;
    let address = start(opts).await?;
    let client = connect(address, "s3cret").await?;
    let rows = simple_rows(&client.simple_query("SELECT count(*) FROM items").await?);
    assert_eq!(rows, vec![vec![Some("3".to_string())]]);
    for sql in [
        "INSERT INTO items VALUES (4, 'fig', 1.0, NULL, NULL, NULL)",
        "CREATE TABLE copy AS SELECT * FROM items",
        "DROP TABLE items",
    ] {
        let error = client.simple_query(sql).await.err().ok_or(sql)?;
        assert_eq!(code(&error), "25006", "{sql}: {error}");
    }
    let error = client
        .query("DELETE FROM items WHERE id = $1", &[&1i64])
        .await
        .err()
        .ok_or("delete")?;
    assert_eq!(code(&error), "25006");
    // Still answering, and the table is intact.
    let rows = simple_rows(&client.simple_query("SELECT count(*) FROM items").await?);
    assert_eq!(rows, vec![vec![Some("3".to_string())]]);

    // Two connections at most: the third gets 53300.
    let _second = connect(address, "s3cret").await?;
    let third = connect(address, "s3cret")
        .await
        .err()
        .ok_or("expected a refusal")?;
    assert_eq!(code(&third), "53300");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_and_a_dropped_client() -> TestResult {
    let dir = tempfile::tempdir()?;
    let init = fixture(dir.path()).await?;
    let address = start(options(&init)).await?;
    // A client that disconnects in the middle of its work.
    {
        let quitter = connect(address, "s3cret").await?;
        let pending = quitter.simple_query("SELECT count(*) FROM generate_series(1, 20000000)");
        let _ = tokio::time::timeout(std::time::Duration::from_millis(50), pending).await;
    }
    let mut tasks = Vec::new();
    for c in 0..16i64 {
        tasks.push(tokio::spawn(async move {
            let client = connect(address, "s3cret").await?;
            for q in 0..20i64 {
                let id = (c + q) % 3 + 1;
                let row = client
                    .query_one("SELECT name, upper(name) FROM items WHERE id = $1", &[&id])
                    .await?;
                let name: &str = row.get(0);
                let upper: &str = row.get(1);
                assert_eq!(upper, name.to_uppercase());
                let rows = client.simple_query("SELECT sum(id) FROM items").await?;
                assert_eq!(simple_rows(&rows), vec![vec![Some("6".to_string())]]);
            }
            Ok::<(), tokio_postgres::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let client = connect(address, "s3cret").await?;
    assert_eq!(
        simple_rows(&client.simple_query("SELECT 1").await?),
        vec![vec![Some("1".to_string())]]
    );
    Ok(())
}

/// psql lists the tables (`\dt`) and runs an Ignis function.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn psql_lists_tables_and_queries() -> TestResult {
    if std::process::Command::new("psql")
        .arg("--version")
        .output()
        .is_err()
    {
        return Err("psql not found: install postgresql-client".into());
    }
    let dir = tempfile::tempdir()?;
    let init = fixture(dir.path()).await?;
    let address = start(options(&init)).await?;
    let url = format!(
        "postgresql://ignis:s3cret@127.0.0.1:{}/datafusion",
        address.port()
    );
    let run = |args: Vec<String>| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new("psql")
                .arg(url)
                .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
                .args(args)
                .output()
        })
    };
    let out = run(vec!["-c".into(), "\\dt".into()]).await??;
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(listing.contains("items"), "{listing}");
    let out = run(vec![
        "-c".into(),
        "SELECT name, stem(name || 's') FROM items ORDER BY id".into(),
    ])
    .await??;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "apple|appl\npear|pear\nplum|plum"
    );
    Ok(())
}

/// psycopg 3 (from PyPI, installed by .ci/run): server-side parameters, types, an
/// error with its SQLSTATE, and the connection still usable after it.
const PSYCOPG_CLIENT: &str = r#"
import sys, datetime, decimal
import psycopg
with psycopg.connect(sys.argv[1]) as conn:
    cur = conn.cursor()
    cur.execute("SELECT id, name, price, day, fresh FROM items WHERE id = %s", (1,))
    row = cur.fetchone()
    assert row == (1, "apple", decimal.Decimal("1.25"), datetime.date(2024, 1, 2), True), row
    cur.execute("SELECT s['label'] FROM (SELECT sentiment(%s) AS s) t", ("I love this!",))
    assert cur.fetchone() == ("positive",)
    try:
        cur.execute("SELECT * FROM missing_table")
        raise SystemExit("expected an error")
    except psycopg.Error as e:
        print("error", e.sqlstate is not None)
    conn.rollback()
    cur.execute("SELECT count(*) FROM items")
    print("count", cur.fetchone()[0])
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn psycopg_queries_with_parameters() -> TestResult {
    let dir = tempfile::tempdir()?;
    let init = fixture(dir.path()).await?;
    let address = start(options(&init)).await?;
    let url = format!(
        "postgresql://ignis:s3cret@127.0.0.1:{}/datafusion",
        address.port()
    );
    let out = tokio::task::spawn_blocking(move || {
        common::run_python(&["-c", PSYCOPG_CLIENT, &url]).map_err(|e| e.to_string())
    })
    .await??;
    assert_eq!(out.trim(), "error True\ncount 3");
    Ok(())
}
