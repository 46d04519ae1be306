//! Delta writes under faults: a process killed in the middle of a large write, and two
//! writers racing on one table. The log must stay readable and every version whole.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ignis::{IgnisConfig, IgnisContext};

type TestResult = Result<(), Box<dyn std::error::Error>>;

async fn count(ctx: &IgnisContext, sql: &str) -> Result<i64, Box<dyn std::error::Error>> {
    let batches = ctx.execute(sql).await?.collect().await?;
    let column = batches
        .first()
        .map(|b| b.column(0).clone())
        .ok_or("no rows")?;
    let column =
        datafusion::arrow::compute::cast(&column, &datafusion::arrow::datatypes::DataType::Int64)?;
    let ints = column
        .as_any()
        .downcast_ref::<datafusion::arrow::array::Int64Array>()
        .ok_or("not an integer")?;
    Ok(ints.value(0))
}

fn parquet_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "parquet"))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_killed_midway_leaves_the_previous_version() -> TestResult {
    let dir = tempfile::tempdir()?;
    let table = dir.path().join("t");
    let ctx = IgnisContext::new(IgnisConfig::default())?;
    let t = table.display();
    ctx.execute(&format!(
        "CREATE TABLE delta.`{t}` AS SELECT value AS id, 'v0' AS tag FROM generate_series(1, 1000)"
    ))
    .await?
    .collect()
    .await?;
    let files_before = parquet_files(&table);

    // A replace large enough to write many files; killed once it has written some.
    let mut child = Command::new(env!("CARGO_BIN_EXE_ignis"))
        .args([
            "-q",
            "-c",
            &format!(
                "CREATE OR REPLACE TABLE delta.`{t}` AS \
                 SELECT value AS id, repeat('x', 200) AS tag FROM generate_series(1, 200000000)"
            ),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let start = Instant::now();
    while parquet_files(&table) == files_before && start.elapsed() < Duration::from_secs(120) {
        if child.try_wait()?.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let finished_early = child.try_wait()?.is_some();
    child.kill()?;
    child.wait()?;
    assert!(
        !finished_early,
        "the write finished before it could be killed; make it larger"
    );
    assert!(
        parquet_files(&table) > files_before,
        "the killed write never produced a data file"
    );

    // Orphan data files of the killed write are invisible: version 0, all its rows.
    let reader = IgnisContext::new(IgnisConfig::default())?;
    assert_eq!(
        count(&reader, &format!("SELECT count(*) FROM delta.`{t}`")).await?,
        1000
    );
    assert_eq!(
        count(
            &reader,
            &format!("SELECT max(version) FROM delta_history('{t}')")
        )
        .await?,
        0
    );
    // And the table takes the next write normally.
    reader
        .execute(&format!("INSERT INTO delta.`{t}` VALUES (1001, 'v1')"))
        .await?
        .collect()
        .await?;
    assert_eq!(
        count(&reader, &format!("SELECT count(*) FROM delta.`{t}`")).await?,
        1001
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_land_in_order_or_fail_cleanly() -> TestResult {
    let dir = tempfile::tempdir()?;
    let table = dir.path().join("t");
    let t = table.display().to_string();
    let setup = IgnisContext::new(IgnisConfig::default())?;
    setup
        .execute(&format!(
            "CREATE TABLE delta.`{t}` AS SELECT value AS id, 0 AS writer FROM generate_series(1, 100)"
        ))
        .await?
        .collect()
        .await?;

    // Appends from two sessions, and MERGEs updating the same rows from two sessions.
    let mut tasks = Vec::new();
    for writer in 1..=2 {
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let ctx = IgnisContext::new(IgnisConfig::default())?;
            let mut landed = Vec::new();
            for round in 0..3 {
                let insert = format!(
                    "INSERT INTO delta.`{t}` SELECT value + {offset}, {writer} FROM generate_series(1, 50)",
                    offset = 1000 * (writer * 10 + round)
                );
                landed.push(("insert", ctx.execute(&insert).await?.collect().await.map(|_| ())));
                let merge = format!(
                    "MERGE INTO delta.`{t}` AS d USING (SELECT value AS id FROM generate_series(1, 100)) AS s \
                     ON d.id = s.id WHEN MATCHED THEN UPDATE SET writer = {writer}"
                );
                let result = match ctx.execute(&merge).await {
                    Ok(df) => df.collect().await.map(|_| ()),
                    Err(e) => Err(e),
                };
                landed.push(("merge", result));
            }
            Ok::<_, datafusion::error::DataFusionError>(landed)
        }));
    }
    let mut inserts_landed = 0;
    let mut operations_landed = 0;
    for task in tasks {
        for (kind, result) in task.await?? {
            match result {
                Ok(()) => {
                    operations_landed += 1;
                    if kind == "insert" {
                        inserts_landed += 1;
                    }
                }
                Err(e) => {
                    let message = e.to_string();
                    assert!(
                        message.to_lowercase().contains("conflict")
                            || message.to_lowercase().contains("concurrent")
                            || message.contains("version"),
                        "a failed {kind} must report a conflict, got: {message}"
                    );
                }
            }
        }
    }

    // The log is whole: contiguous versions, one per landed write, and the rows add up.
    let reader = IgnisContext::new(IgnisConfig::default())?;
    let versions = count(
        &reader,
        &format!("SELECT count(*) FROM delta_history('{t}')"),
    )
    .await?;
    let latest = count(
        &reader,
        &format!("SELECT max(version) FROM delta_history('{t}')"),
    )
    .await?;
    assert_eq!(versions, latest + 1);
    assert_eq!(latest, operations_landed);
    assert_eq!(
        count(&reader, &format!("SELECT count(*) FROM delta.`{t}`")).await?,
        100 + 50 * inserts_landed
    );
    assert_eq!(
        count(
            &reader,
            &format!("SELECT count(DISTINCT writer) FROM delta.`{t}` WHERE id <= 100")
        )
        .await?,
        1,
        "each MERGE rewrote all 100 rows at once"
    );
    Ok(())
}
