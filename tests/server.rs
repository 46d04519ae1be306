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

/// A server on the fixture, with `configure` applied to the default options; the
/// temporary directory (its data root) lives as long as the returned guard.
async fn served(
    configure: impl FnOnce(&mut ServeOptions),
) -> Result<(tempfile::TempDir, SocketAddr), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let init = fixture(dir.path()).await?;
    let mut opts = options(&init);
    configure(&mut opts);
    let address = start(opts).await?;
    Ok((dir, address))
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
        data_roots: vec![init.parent().unwrap_or(init).to_path_buf()],
        tls: None,
        statement_timeout: None,
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

/// The fixture's `items` table still answers, with its 3 rows.
async fn assert_items_intact(client: &Client) -> TestResult {
    let rows = simple_rows(&client.simple_query("SELECT count(*) FROM items").await?);
    assert_eq!(rows, vec![vec![Some("3".to_string())]]);
    Ok(())
}

/// The server's message and SQLSTATE, for assertions.
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

fn code(e: &tokio_postgres::Error) -> String {
    e.as_db_error()
        .map(|d| d.code().code().to_string())
        .unwrap_or_else(|| format!("no SQLSTATE: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_query_with_both_protocols_and_sessions_stay_apart() -> TestResult {
    let (dir, address) = served(|_| {}).await?;
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
    assert_items_intact(&other).await?;

    // Ignis SQL the Postgres parser does not take runs as in the shell (simple protocol).
    let table = dir.path().join("items");
    let rows = simple_rows(
        &client
            .simple_query(&format!(
                "SELECT count(*) FROM delta.`{}` WHERE price > 1",
                table.display()
            ))
            .await?,
    );
    assert_eq!(rows, vec![vec![Some("2".to_string())]]);
    let copy = dir.path().join("items_copy");
    let rows = simple_rows(
        &client
            .simple_query(&format!(
                "CREATE TABLE delta.`{}` AS SELECT id, name FROM items WHERE id < 3",
                copy.display()
            ))
            .await?,
    );
    assert_eq!(rows[0][2].as_deref(), Some("2"), "rows_written: {rows:?}");
    let messages = client
        .simple_query(&format!(
            "CREATE EXTERNAL TABLE items_copy STORED AS DELTA LOCATION '{}'; SELECT count(*) FROM items_copy",
            copy.display()
        ))
        .await?;
    assert!(messages
        .iter()
        .any(|m| matches!(m, SimpleQueryMessage::CommandComplete(_))));
    assert_eq!(simple_rows(&messages), vec![vec![Some("2".to_string())]]);
    let rows = simple_rows(&client.simple_query("DESCRIBE HISTORY items_copy").await?);
    assert_eq!(rows.len(), 1);
    // ... and over the extended protocol: an Ignis query takes parameters, another
    // Ignis statement answers with its tag.
    let rows = client
        .query(
            &format!(
                "SELECT name FROM delta.`{}` VERSION AS OF 0 WHERE id = $1",
                copy.display()
            ),
            &[&2i64],
        )
        .await?;
    let name: &str = rows[0].get(0);
    assert_eq!(name, "pear");
    let written = client
        .execute(
            &format!(
                "INSERT INTO delta.`{}` SELECT id + 10, name FROM items WHERE id = 3",
                copy.display()
            ),
            &[],
        )
        .await?;
    assert_eq!(written, 1);
    let rows = simple_rows(
        &client
            .simple_query("SELECT count(*) FROM items_copy")
            .await?,
    );
    assert_eq!(rows, vec![vec![Some("3".to_string())]]);
    let error = client
        .simple_query("SELECT * FROM delta.`/no/such/table`")
        .await
        .err()
        .ok_or("missing Delta table")?;
    assert!(
        describe(&error).contains("outside the data roots"),
        "{}",
        describe(&error)
    );

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
    let (dir, address) = served(|opts| {
        opts.read_only = true;
        opts.max_connections = 2;
    })
    .await?;
    let client = connect(address, "s3cret").await?;
    assert_items_intact(&client).await?;
    let copy = dir.path().join("copy");
    for sql in [
        "INSERT INTO items VALUES (4, 'fig', 1.0, NULL, NULL, NULL)".to_string(),
        "CREATE TABLE copy AS SELECT * FROM items".to_string(),
        "DROP TABLE items".to_string(),
        format!(
            "CREATE TABLE delta.`{}` AS SELECT * FROM items",
            copy.display()
        ),
        "OPTIMIZE items".to_string(),
        format!("COPY (SELECT 1 AS a) TO '{}/one.csv'", dir.path().display()),
    ] {
        let sql = sql.as_str();
        let error = client.simple_query(sql).await.err().ok_or(sql)?;
        assert_eq!(code(&error), "25006", "{sql}: {error}");
    }
    assert!(!copy.exists());
    // Reads in Ignis SQL still work.
    let rows = simple_rows(
        &client
            .simple_query(&format!(
                "SELECT count(*) FROM delta.`{}`",
                dir.path().join("items").display()
            ))
            .await?,
    );
    assert_eq!(rows, vec![vec![Some("3".to_string())]]);
    let error = client
        .query("DELETE FROM items WHERE id = $1", &[&1i64])
        .await
        .err()
        .ok_or("delete")?;
    assert_eq!(code(&error), "25006");
    // Still answering, and the table is intact.
    assert_items_intact(&client).await?;

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
async fn thirty_two_clients_and_a_dropped_client() -> TestResult {
    let (_dir, address) = served(|_| {}).await?;
    // A client that disconnects in the middle of a long query, while the others run.
    let quitter = tokio::spawn(async move {
        let quitter = connect(address, "s3cret").await?;
        let pending = quitter.simple_query("SELECT sum(value) FROM generate_series(1, 2000000000)");
        let _ = tokio::time::timeout(std::time::Duration::from_millis(300), pending).await;
        Ok::<(), tokio_postgres::Error>(())
    });
    // 32 clients x 200 queries, mixing point reads, aggregates and catalog functions
    // over both protocols.
    let mut tasks = Vec::new();
    for c in 0..32i64 {
        tasks.push(tokio::spawn(async move {
            let client = connect(address, "s3cret").await?;
            let point = client
                .prepare("SELECT name, upper(name) FROM items WHERE id = $1")
                .await?;
            for q in 0..200i64 {
                let id = (c + q) % 3 + 1;
                match q % 4 {
                    0 => {
                        let row = client.query_one(&point, &[&id]).await?;
                        let name: &str = row.get(0);
                        let upper: &str = row.get(1);
                        assert_eq!(upper, name.to_uppercase());
                    }
                    1 => {
                        let rows = client.simple_query("SELECT sum(id) FROM items").await?;
                        assert_eq!(simple_rows(&rows), vec![vec![Some("6".to_string())]]);
                    }
                    2 => {
                        let row = client
                            .query_one(
                                "SELECT sentiment(name || ' is great')['label'], stem(name || 's') FROM items WHERE id = $1",
                                &[&id],
                            )
                            .await?;
                        let label: &str = row.get(0);
                        assert_eq!(label, "positive");
                    }
                    _ => {
                        let rows = client
                            .simple_query(
                                "SELECT fresh, count(*) FROM items GROUP BY fresh ORDER BY fresh",
                            )
                            .await?;
                        assert_eq!(simple_rows(&rows).len(), 3);
                    }
                }
            }
            Ok::<(), tokio_postgres::Error>(())
        }));
    }
    quitter.await??;
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

/// Runs psql (unaligned, tuples only, stop on error) against `url`.
fn psql(
    url: String,
    args: Vec<String>,
) -> tokio::task::JoinHandle<std::io::Result<std::process::Output>> {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new("psql")
            .arg(url)
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args(args)
            .output()
    })
}

/// psql lists the tables (`\dt`), describes one (`\d`) and runs an Ignis function.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn psql_lists_tables_and_queries() -> TestResult {
    if std::process::Command::new("psql")
        .arg("--version")
        .output()
        .is_err()
    {
        return Err("psql not found: install postgresql-client".into());
    }
    let (_dir, address) = served(|_| {}).await?;
    let url = format!(
        "postgresql://ignis:s3cret@127.0.0.1:{}/datafusion",
        address.port()
    );
    let run = |args: Vec<String>| psql(url.clone(), args);
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
    // \d describes a table's columns and types.
    let out = run(vec!["-c".into(), "\\d items".into()]).await??;
    let description = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in ["id|bigint", "name|text", "price|numeric", "day|date"] {
        assert!(
            description.contains(expected),
            "{expected} in {description}"
        );
    }
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
    # Ignis SQL through psycopg (extended protocol): a Delta path with a parameter, and
    # a Delta write.
    table = sys.argv[2]
    cur.execute(f"SELECT count(*) FROM delta.`{table}/items` WHERE id >= %s", (2,))
    print("delta", cur.fetchone()[0])
    cur.execute(f"CREATE TABLE delta.`{table}/from_python` AS SELECT id, name FROM items")
    cur.execute(f"SELECT max(name) FROM delta.`{table}/from_python`")
    print("written", cur.fetchone()[0])
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn psycopg_queries_with_parameters() -> TestResult {
    let (dir, address) = served(|_| {}).await?;
    let url = format!(
        "postgresql://ignis:s3cret@127.0.0.1:{}/datafusion",
        address.port()
    );
    let root = dir.path().display().to_string();
    let out = tokio::task::spawn_blocking(move || {
        common::run_python(&["-c", PSYCOPG_CLIENT, &url, &root]).map_err(|e| e.to_string())
    })
    .await??;
    assert_eq!(out.trim(), "error True\ncount 3\ndelta 2\nwritten plum");
    Ok(())
}

/// The server reads and writes only under its data roots, however a path is written:
/// a statement's LOCATION, a `delta."path"` table, a file-reading table function, SQL
/// text given to a table function, COPY, `..` and other URL schemes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn data_roots_confine_every_path() -> TestResult {
    let (dir, address) = served(|_| {}).await?;
    let client = connect(address, "s3cret").await?;
    let outside = tempfile::tempdir()?;
    std::fs::write(outside.path().join("secret.csv"), "a\n1\n")?;
    let secret = outside.path().join("secret.csv");
    let rules = outside.path().join("rules.json");
    std::fs::write(&rules, r#"{"tables": []}"#)?;
    let outside_name = outside
        .path()
        .file_name()
        .ok_or("tempdir name")?
        .to_string_lossy()
        .to_string();
    let root = dir.path().display().to_string();
    let refused = [
        "CREATE EXTERNAL TABLE p STORED AS CSV LOCATION '/etc/passwd'".to_string(),
        format!(
            "CREATE EXTERNAL TABLE s STORED AS CSV LOCATION '{}'",
            secret.display()
        ),
        format!(
            "CREATE EXTERNAL TABLE s STORED AS CSV LOCATION '{root}/../{outside_name}/secret.csv'"
        ),
        "CREATE EXTERNAL TABLE d STORED AS DELTA LOCATION '/etc'".to_string(),
        "CREATE EXTERNAL TABLE r STORED AS DELTA LOCATION 's3://bucket/table'".to_string(),
        "SELECT * FROM delta.\"/etc\"".to_string(),
        format!(
            "SELECT * FROM read_csv_checked('{}', 'a INT')",
            secret.display()
        ),
        "SELECT * FROM delta_history('/etc')".to_string(),
        "SELECT * FROM pagerank('SELECT 1 AS src, 2 AS dst FROM delta.\"/etc\"')".to_string(),
        format!(
            "COPY (SELECT 1 AS a) TO '{}/out.csv'",
            outside.path().display()
        ),
        format!("SELECT * FROM data_quality_checks('{}')", rules.display()),
        "DESCRIBE HISTORY delta.`/etc`".to_string(),
        "VACUUM delta.`/etc` DRY RUN".to_string(),
        "MERGE INTO delta.`/etc` AS t USING items AS s ON t.id = s.id WHEN MATCHED THEN DELETE"
            .to_string(),
        format!(
            "SELECT * FROM scd2_merge('{}/dim', 'SELECT id, name FROM items', 'id', 'name')",
            outside.path().display()
        ),
    ];
    for sql in &refused {
        let error = client.simple_query(sql).await.err().ok_or(sql.clone())?;
        assert_eq!(code(&error), "42501", "{sql}: {}", describe(&error));
        assert!(
            describe(&error).contains("outside the data roots"),
            "{sql}: {}",
            describe(&error)
        );
    }
    assert!(!outside.path().join("out.csv").exists());
    assert!(!outside.path().join("dim").exists());

    // Inside the root, files can be written, registered and read.
    let out = dir.path().join("seven.csv");
    client
        .simple_query(&format!(
            "COPY (SELECT 7 AS a) TO '{}' STORED AS CSV",
            out.display()
        ))
        .await?;
    client
        .simple_query(&format!(
            "CREATE EXTERNAL TABLE seven STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true')",
            out.display()
        ))
        .await?;
    let rows = simple_rows(&client.simple_query("SELECT a FROM seven").await?);
    assert_eq!(rows, vec![vec![Some("7".to_string())]]);
    let rows = simple_rows(
        &client
            .simple_query(&format!(
                "SELECT a FROM read_csv_checked('{}', 'a INT')",
                out.display()
            ))
            .await?,
    );
    assert_eq!(rows, vec![vec![Some("7".to_string())]]);
    Ok(())
}

/// Errors carry the SQLSTATE a Postgres client expects, in both protocols.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn errors_have_specific_sqlstates() -> TestResult {
    let (_dir, address) = served(|_| {}).await?;
    let client = connect(address, "s3cret").await?;
    for (sql, expected) in [
        ("SELECT * FROM no_such_table", "42P01"),
        ("SELECT no_such_column FROM items", "42703"),
        ("SELECT no_such_function(id) FROM items", "42883"),
        ("SELECT 1 / 0", "22012"),
        ("SELECT CAST('x' AS INT)", "22P02"),
    ] {
        let error = client.simple_query(sql).await.err().ok_or(sql)?;
        assert_eq!(code(&error), expected, "simple {sql}: {error}");
        let error = client.query(sql, &[]).await.err().ok_or(sql)?;
        assert_eq!(code(&error), expected, "extended {sql}: {error}");
    }
    let error = client.simple_query("SELEC 1").await.err().ok_or("syntax")?;
    assert_eq!(code(&error), "42601", "{error}");
    for sql in ["COPY items FROM STDIN", "COPY items TO STDOUT"] {
        let error = client.simple_query(sql).await.err().ok_or(sql)?;
        assert_eq!(code(&error), "0A000", "{sql}: {}", describe(&error));
    }
    // Lists and structs come back as Postgres arrays and records.
    let rows = simple_rows(
        &client
            .simple_query("SELECT make_array(1, 2, 3) AS l, named_struct('a', 1, 'b', 'x') AS s")
            .await?,
    );
    assert_eq!(
        rows,
        vec![vec![Some("{1,2,3}".to_string()), Some("(1,x)".to_string())]]
    );
    let list: Vec<i64> = client
        .query_one(
            "SELECT make_array(id, id * 10) FROM items WHERE id = $1",
            &[&2i64],
        )
        .await?
        .get(0);
    assert_eq!(list, vec![2, 20]);
    // Types Postgres has no match for (maps, lists of lists) arrive as text.
    let unusual =
        "SELECT map(['a'], [id]) AS m, make_array(make_array(id, 2)) AS l FROM items WHERE id = 1";
    let rows = simple_rows(&client.simple_query(unusual).await?);
    assert_eq!(
        rows,
        vec![vec![
            Some("{a: 1}".to_string()),
            Some("[[1, 2]]".to_string())
        ]]
    );
    let row = client.query_one(unusual, &[]).await?;
    let (map, nested): (&str, &str) = (row.get(0), row.get(1));
    assert_eq!((map, nested), ("{a: 1}", "[[1, 2]]"));
    Ok(())
}

/// A statement past --statement-timeout, or canceled by its client, stops with 57014
/// (in both protocols) and the connection goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn long_queries_stop_on_timeout_and_cancel() -> TestResult {
    let dir = tempfile::tempdir()?;
    let init = fixture(dir.path()).await?;
    let mut opts = options(&init);
    opts.statement_timeout = Some(std::time::Duration::from_millis(500));
    let address = start(opts).await?;
    let client = connect(address, "s3cret").await?;
    let long = "SELECT sum(value) FROM generate_series(1, 100000000000)";
    let error = client.simple_query(long).await.err().ok_or("simple")?;
    assert_eq!(code(&error), "57014", "{error}");
    let error = client.query(long, &[]).await.err().ok_or("extended")?;
    assert_eq!(code(&error), "57014", "{error}");
    assert_items_intact(&client).await?;

    // A cancel request (psql's Ctrl-C) stops a running query the same way.
    let address = start(options(&init)).await?;
    let client = connect(address, "s3cret").await?;
    let token = client.cancel_token();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        token.cancel_query(NoTls).await
    });
    let error = client.simple_query(long).await.err().ok_or("canceled")?;
    canceller.await??;
    assert_eq!(code(&error), "57014", "{}", describe(&error));
    assert!(
        describe(&error).contains("user request"),
        "{}",
        describe(&error)
    );
    assert_items_intact(&client).await?;
    Ok(())
}

/// --memory-limit bounds each connection's queries: a query that needs more fails with
/// 53200, a client cannot lift the limit with SET, and large results stream within it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_limit_holds_per_connection() -> TestResult {
    let (dir, address) = served(|opts| {
        opts.config.memory_limit = Some(4 << 20);
    })
    .await?;
    let client = connect(address, "s3cret").await?;
    let heavy = "SELECT count(*) FROM generate_series(1, 2000000) a JOIN generate_series(1, 2000000) b ON a.value = b.value";
    let error = client.simple_query(heavy).await.err().ok_or("heavy")?;
    assert_eq!(code(&error), "53200", "{}", describe(&error));
    for sql in [
        "SET datafusion.runtime.memory_limit = '100G'".to_string(),
        format!(
            "SET datafusion.runtime.memory_limit = '100G'; SELECT count(*) FROM delta.`{}`",
            dir.path().join("items").display()
        ),
    ] {
        let error = client.simple_query(&sql).await.err().ok_or(sql.clone())?;
        assert_eq!(code(&error), "42501", "{sql}: {}", describe(&error));
    }
    let error = client
        .simple_query(heavy)
        .await
        .err()
        .ok_or("heavy again")?;
    assert_eq!(code(&error), "53200", "{}", describe(&error));
    // A result far larger than the limit streams out (it is never held whole).
    let rows = client
        .query_raw(
            "SELECT value, value * 2 AS twice FROM generate_series(1, 1000000)",
            std::iter::empty::<i64>(),
        )
        .await?;
    let mut rows = std::pin::pin!(rows);
    let (mut count, mut sum) = (0u64, 0i64);
    while let Some(row) = futures::StreamExt::next(&mut rows).await {
        let row = row?;
        count += 1;
        sum += row.get::<_, i64>(1);
    }
    assert_eq!((count, sum), (1_000_000, 1_000_001_000_000));
    assert_items_intact(&client).await?;
    Ok(())
}

/// With --tls-cert/--tls-key, psql negotiates TLS (sslmode=require) and queries.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn psql_connects_over_tls() -> TestResult {
    let dir = tempfile::tempdir()?;
    let init = fixture(dir.path()).await?;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
    let mut opts = options(&init);
    opts.tls = Some((fixtures.join("server.crt"), fixtures.join("server.key")));
    let address = start(opts).await?;
    let url = format!(
        "postgresql://ignis:s3cret@127.0.0.1:{}/datafusion?sslmode=require",
        address.port()
    );
    let out = psql(
        url,
        vec![
            "-c".into(),
            "\\conninfo".into(),
            "-c".into(),
            "SELECT count(*) FROM items".into(),
        ],
    )
    .await??;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("SSL connection"), "{stdout}");
    assert!(stdout.trim_end().ends_with('3'), "{stdout}");
    // Plain connections are still accepted (TLS is offered, not required).
    let client = connect(address, "s3cret").await?;
    assert_eq!(
        simple_rows(&client.simple_query("SELECT 1").await?),
        vec![vec![Some("1".to_string())]]
    );
    // A broken key pair is refused at start.
    let mut broken = options(&init);
    broken.tls = Some((fixtures.join("server.key"), fixtures.join("server.key")));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let error = serve_on(listener, broken).await.err().ok_or("started")?;
    assert!(error.to_string().contains("--tls-cert"), "{error}");
    Ok(())
}

/// Reads one backend message (type byte, body).
async fn read_message(
    stream: &mut tokio::net::TcpStream,
) -> Result<(u8, Vec<u8>), Box<dyn std::error::Error>> {
    use tokio::io::AsyncReadExt;
    let kind = stream.read_u8().await?;
    let len = stream.read_i32().await?;
    let mut body = vec![0; usize::try_from(len - 4)?];
    stream.read_exact(&mut body).await?;
    Ok((kind, body))
}

/// A malformed protocol message closes that connection only.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn malformed_message_closes_only_that_connection() -> TestResult {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (_dir, address) = served(|opts| {
        opts.credentials = None;
    })
    .await?;
    let (bystander, connection) = tokio_postgres::connect(
        &format!("host=127.0.0.1 port={} user=ignis", address.port()),
        NoTls,
    )
    .await?;
    tokio::spawn(connection);

    // A proper startup (protocol 3.0), then a message of an unknown type.
    let mut raw = tokio::net::TcpStream::connect(address).await?;
    let mut startup = Vec::new();
    startup.extend_from_slice(&196608i32.to_be_bytes());
    startup.extend_from_slice(b"user\0ignis\0\0");
    raw.write_i32(i32::try_from(startup.len() + 4)?).await?;
    raw.write_all(&startup).await?;
    loop {
        let (kind, _) = read_message(&mut raw).await?;
        if kind == b'Z' {
            break;
        }
    }
    raw.write_all(&[b'!', 0, 0, 0, 4]).await?;
    // The server answers with an error (or nothing) and closes the socket.
    let mut rest = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        raw.read_to_end(&mut rest),
    )
    .await??;

    // A length that cannot be right, before any startup.
    let mut raw = tokio::net::TcpStream::connect(address).await?;
    raw.write_all(&[0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0]).await?;
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        raw.read_to_end(&mut rest),
    )
    .await?;

    // The other client and new ones are unaffected.
    assert_eq!(
        simple_rows(&bystander.simple_query("SELECT count(*) FROM items").await?),
        vec![vec![Some("3".to_string())]]
    );
    let (fresh, connection) = tokio_postgres::connect(
        &format!("host=127.0.0.1 port={} user=ignis", address.port()),
        NoTls,
    )
    .await?;
    tokio::spawn(connection);
    assert_eq!(
        simple_rows(&fresh.simple_query("SELECT 2").await?),
        vec![vec![Some("2".to_string())]]
    );
    Ok(())
}
