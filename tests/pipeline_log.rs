//! Pipeline stage logging in the batch runner (`SET pipeline_log`, `SET stage`).

mod common;

use ignis::cli::runner::run_script;
use ignis::{IgnisConfig, IgnisContext};

type TestResult = Result<(), Box<dyn std::error::Error>>;

async fn rows(
    ctx: &IgnisContext,
    sql: &str,
) -> Result<Vec<Vec<String>>, Box<dyn std::error::Error>> {
    let batches = ctx.execute(sql).await?.collect().await?;
    Ok(common::format_rows(&batches, None)?)
}

fn context(dir: &std::path::Path) -> Result<IgnisContext, Box<dyn std::error::Error>> {
    let mut config = IgnisConfig::default();
    config
        .variables
        .insert("out".into(), dir.display().to_string());
    Ok(IgnisContext::new(config)?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_good_stages_and_a_failing_one_leave_three_rows() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = context(dir.path())?;
    let script = "
SET pipeline_log = '${out}/logs';
SET pipeline_id = 'run_1';
SELECT 1;  -- outside any stage: not logged
SET stage = 'extract';
CREATE TABLE delta.`${out}/a` AS SELECT * FROM generate_series(1, 10) AS t(x);
INSERT INTO delta.`${out}/a` SELECT * FROM generate_series(11, 15) AS t(x);
SELECT count(*) FROM delta.`${out}/a`;
SET stage = 'transform';
CREATE TABLE delta.`${out}/b` AS SELECT x * 2 AS y FROM delta.`${out}/a` WHERE x <= 3;
MERGE INTO delta.`${out}/b` t USING (SELECT 2 AS y UNION ALL SELECT 100) s ON t.y = s.y
  WHEN MATCHED THEN UPDATE SET y = s.y WHEN NOT MATCHED THEN INSERT (y) VALUES (s.y);
SET stage = 'load';
INSERT INTO delta.`${out}/b` SELECT 7;
SELECT no_such_column FROM delta.`${out}/b`;
SET stage = 'never';
SELECT 1;
";
    let err = match run_script(&ctx, script, "pipeline.sql", None).await {
        Ok(()) => return Err("the script should fail".into()),
        Err(e) => e,
    };
    assert_eq!(err.line, 15, "{err}");
    assert!(err.to_string().contains("no_such_column"), "{err}");

    let log = rows(
        &ctx,
        "SELECT pipeline_id, stage, status, records_processed, records_rejected, error_message,
                start_time <= end_time
         FROM delta.`${out}/logs` ORDER BY start_time, stage",
    )
    .await?;
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(
        log[0],
        ["run_1", "extract", "SUCCESS", "15", "0", "NULL", "true"]
    );
    // CTAS writes 3 rows, MERGE updates 1 and inserts 1.
    assert_eq!(
        log[1],
        ["run_1", "transform", "SUCCESS", "5", "0", "NULL", "true"]
    );
    assert_eq!(&log[2][..5], ["run_1", "load", "FAILED", "1", "0"]);
    assert!(log[2][5].contains("no_such_column"), "{log:?}");
    // The stage after the failure never ran.
    let never = rows(
        &ctx,
        "SELECT count(*) FROM delta.`${out}/logs` WHERE stage = 'never'",
    )
    .await?;
    assert_eq!(never[0][0], "0");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stages_end_at_script_end_and_count_malformed_rows() -> TestResult {
    let dir = tempfile::tempdir()?;
    let csv = dir.path().join("in.csv");
    std::fs::write(&csv, "id,name\n1,a\nx,b\n3,c,extra\n4,d\n")?;
    let ctx = context(dir.path())?;
    let script = "
SET pipeline_log = '${out}/logs';
SET stage = 'extract';
CREATE TABLE delta.`${out}/c` AS
SELECT * FROM read_csv_checked('${out}/in.csv', 'id BIGINT, name VARCHAR', 'mode => dropmalformed');
SET stage = '';
SELECT 1;
SET stage = 'again';
INSERT INTO delta.`${out}/c` SELECT * FROM delta.`${out}/c`;
SET stage = 'again';
INSERT INTO delta.`${out}/c` SELECT 9, 'z'
";
    run_script(&ctx, script, "pipeline.sql", None).await?;
    let log = rows(
        &ctx,
        "SELECT stage, status, records_processed, records_rejected, pipeline_id LIKE 'ETL_%'
         FROM delta.`${out}/logs` ORDER BY start_time",
    )
    .await?;
    assert_eq!(
        log,
        [
            ["extract", "SUCCESS", "2", "2", "true"],
            ["again", "SUCCESS", "2", "0", "true"],
            ["again", "SUCCESS", "1", "0", "true"]
        ]
    );
    // The generated pipeline id is a variable the script can use.
    assert!(ctx.variables().contains_key("pipeline_id"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_pipeline_log_nothing_is_written() -> TestResult {
    let dir = tempfile::tempdir()?;
    let ctx = context(dir.path())?;
    run_script(
        &ctx,
        "SET stage = 'a'; CREATE TABLE delta.`${out}/t` AS SELECT 1 AS x",
        "s.sql",
        None,
    )
    .await?;
    assert!(!dir.path().join("logs").exists());
    assert!(!ctx.variables().contains_key("pipeline_id"));
    Ok(())
}

/// The binary: a failing stage is logged, then the run stops with exit code 1 and
/// `file:line`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exits_non_zero_after_logging_the_failure() -> TestResult {
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("etl.sql");
    std::fs::write(
        &script,
        "SET pipeline_log = '${out}/logs';\nSET stage = 'extract';\n\
         SELECT * FROM read_csv_checked('${out}/missing.csv', 'id INT');\n",
    )?;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ignis"))
        .arg("-q")
        .arg("-f")
        .arg(&script)
        .arg("--set")
        .arg(format!("out={}", dir.path().display()))
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("etl.sql:3: error:"), "{stderr}");
    let ctx = context(dir.path())?;
    let log = rows(
        &ctx,
        "SELECT stage, status, error_message FROM delta.`${out}/logs`",
    )
    .await?;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(&log[0][..2], ["extract", "FAILED"]);
    assert!(log[0][2].contains("cannot read"), "{log:?}");
    Ok(())
}
