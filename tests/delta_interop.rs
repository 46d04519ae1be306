//! Delta interoperability with a second implementation: the Python `deltalake`
//! package (delta-rs's Python binding, with its own pyarrow-based reader) installed in
//! `.venv` by `.ci/run` from `tests/requirements.txt`.
//!
//! Ignis writes -> Python reads, and Python writes -> Ignis reads, including time travel.

mod common;

use std::path::Path;

use datafusion::arrow::util::pretty::pretty_format_batches;
use ignis::{IgnisConfig, IgnisContext};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Runs a Python snippet with `path` as argv[1]; returns its stdout.
fn run_python(code: &str, path: &Path) -> Result<String, Box<dyn std::error::Error>> {
    // Exit without interpreter teardown: spawned from the test binary, the native thread
    // pools of pyarrow/deltalake abort in their destructors after the work is done
    // ("terminate called without an active exception"), which would mask the result.
    let code = format!("{code}\nimport os, sys\nsys.stdout.flush()\nos._exit(0)\n");
    common::run_python(&[std::ffi::OsStr::new("-c"), code.as_ref(), path.as_os_str()])
}

async fn query(ctx: &IgnisContext, sql: &str) -> Result<String, Box<dyn std::error::Error>> {
    let batches = ctx.execute(sql).await?.collect().await?;
    Ok(pretty_format_batches(&batches)?.to_string())
}

#[tokio::test]
async fn python_deltalake_reads_what_ignis_writes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("mixed");
    let ctx = IgnisContext::new(IgnisConfig::default())?;
    let p = path.display();
    query(
        &ctx,
        &format!(
            "CREATE TABLE delta.`{p}` AS SELECT * FROM (VALUES
            (1, 'ann', 1.5, DATE '2025-01-31', TIMESTAMP '2025-01-31 10:00:00', true),
            (2, NULL, -2.25, DATE '2024-02-29', TIMESTAMP '2024-02-29 23:59:59.123456', false)
         ) AS t(id, name, score, day, ts, flag)"
        ),
    )
    .await?;
    query(&ctx, &format!(
        "INSERT INTO delta.`{p}` VALUES (3, 'cy', 0.0, DATE '1999-12-31', TIMESTAMP '1999-12-31 00:00:00', NULL)"
    )).await?;
    query(&ctx, &format!(
        "CREATE TABLE delta.`{p}_nested` AS SELECT named_struct('a', 1, 'b', 'x') AS s, make_array(1, 2, 3) AS l"
    )).await?;

    let out = run_python(
        r#"
import sys, json
from deltalake import DeltaTable
dt = DeltaTable(sys.argv[1])
t = dt.to_pyarrow_table().sort_by("id")
print(dt.version())
print(len(dt.history()))
for row in t.to_pylist():
    print(json.dumps([row["id"], row["name"], row["score"], str(row["day"]), row["ts"].isoformat() if row["ts"] else None, row["flag"]]))
nested = DeltaTable(sys.argv[1] + "_nested").to_pyarrow_table().to_pylist()
print(json.dumps(nested))
print(DeltaTable(sys.argv[1], version=0).to_pyarrow_table().num_rows)
"#,
        &path,
    )?;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "1", "two commits: CTAS then INSERT");
    assert_eq!(lines[1], "2");
    assert_eq!(
        lines[2],
        r#"[1, "ann", 1.5, "2025-01-31", "2025-01-31T10:00:00+00:00", true]"#
    );
    assert_eq!(
        lines[3],
        r#"[2, null, -2.25, "2024-02-29", "2024-02-29T23:59:59.123456+00:00", false]"#
    );
    assert_eq!(
        lines[4],
        r#"[3, "cy", 0.0, "1999-12-31", "1999-12-31T00:00:00+00:00", null]"#
    );
    assert_eq!(lines[5], r#"[{"s": {"a": 1, "b": "x"}, "l": [1, 2, 3]}]"#);
    assert_eq!(lines[6], "2", "version 0 holds the CTAS rows");
    Ok(())
}

#[tokio::test]
async fn ignis_reads_what_python_deltalake_writes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("from_python");
    run_python(
        r#"
import sys, datetime
import pyarrow as pa
from deltalake import write_deltalake
t1 = pa.table({
    "id": pa.array([1, 2, 3], pa.int64()),
    "city": ["Oslo", "Lima", None],
    "amount": pa.array([10.5, 20.25, 30.0], pa.float64()),
    "day": pa.array([datetime.date(2025, 1, 1), datetime.date(2025, 6, 30), datetime.date(2025, 12, 31)]),
})
write_deltalake(sys.argv[1], t1, partition_by=["city"])
t2 = pa.table({
    "id": pa.array([4], pa.int64()),
    "city": ["Oslo"],
    "amount": pa.array([1.0], pa.float64()),
    "day": pa.array([datetime.date(2026, 1, 1)]),
})
write_deltalake(sys.argv[1], t2, mode="append")
"#,
        &path,
    )?;
    let ctx = IgnisContext::new(IgnisConfig::default())?;
    let p = path.display();
    let latest = query(
        &ctx,
        &format!(
            "SELECT city, count(*) AS n, sum(amount) AS total, max(day) AS last_day
             FROM delta.`{p}` GROUP BY city ORDER BY city NULLS LAST"
        ),
    )
    .await?;
    let expected = "\
+------+---+-------+------------+
| city | n | total | last_day   |
+------+---+-------+------------+
| Lima | 1 | 20.25 | 2025-06-30 |
| Oslo | 2 | 11.5  | 2026-01-01 |
|      | 1 | 30.0  | 2025-12-31 |
+------+---+-------+------------+";
    assert_eq!(latest, expected);

    let v0 = query(
        &ctx,
        &format!("SELECT count(*) AS n FROM delta.`{p}` VERSION AS OF 0"),
    )
    .await?;
    assert!(v0.contains("| 3 |"), "{v0}");

    // Ignis appends to the Python-written table; Python sees the new version.
    query(
        &ctx,
        &format!("INSERT INTO delta.`{p}` VALUES (5, 'Lima', 2.0, DATE '2026-02-02')"),
    )
    .await?;
    let out = run_python(
        r#"
import sys
from deltalake import DeltaTable
dt = DeltaTable(sys.argv[1])
print(dt.version(), dt.to_pyarrow_table().num_rows)
"#,
        &path,
    )?;
    assert_eq!(out.trim(), "2 5");
    Ok(())
}
