//! The `ignis` binary: `-c`, `-f` (fail fast with file:line), formats, variables.

use std::path::Path;
use std::process::{Command, Output};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn ignis(args: &[&str], cwd: &Path) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_ignis"))
        .args(args)
        .current_dir(cwd)
        .output()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn command_with_csv_format_and_variables() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out = ignis(
        &[
            "--format",
            "csv",
            "-q",
            "--set",
            "greeting=hello",
            "-c",
            "SELECT '${greeting}' AS word, 1 + 1 AS two",
        ],
        dir.path(),
    )?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "word,two\nhello,2");
    Ok(())
}

#[test]
fn csv_and_automatic_formats_render_nested_columns_as_text() -> TestResult {
    let dir = tempfile::tempdir()?;
    let sql = "SELECT named_struct('start', 1, 'end', 2) AS window, make_array(1, 2) AS items";
    for format in ["csv", "automatic"] {
        let out = ignis(&["--format", format, "-q", "-c", sql], dir.path())?;
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout).trim(),
            "window,items\n\"{start: 1, end: 2}\",\"[1, 2]\"",
            "{format}"
        );
    }
    Ok(())
}

#[test]
fn file_runs_in_order_with_relative_delta_paths() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("job.sql"),
        "-- a small job\nSET target = 'tables/t';\nCREATE TABLE delta.`${target}` AS SELECT 1 AS x;\nINSERT INTO delta.`${target}` VALUES (2);\nSELECT sum(x) AS total FROM delta.`${target}`;\n",
    )?;
    let out = ignis(&["-q", "--format", "ndjson", "-f", "job.sql"], dir.path())?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(r#"{"total":3}"#),
        "{}",
        text(&out.stdout)
    );
    assert!(dir.path().join("tables/t/_delta_log").is_dir());
    Ok(())
}

#[test]
fn delta_writes_report_version_and_rows() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out = ignis(
        &[
            "-q",
            "--format",
            "csv",
            "-c",
            "CREATE TABLE delta.`t` AS SELECT 1 AS x UNION ALL SELECT 2",
            "-c",
            "CREATE OR REPLACE TABLE delta.`t` AS SELECT 3 AS x",
        ],
        dir.path(),
    )?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        "table,version,rows_written\nt,0,2\ntable,version,rows_written\nt,1,1"
    );
    Ok(())
}

#[test]
fn first_failing_statement_stops_the_run_with_its_line() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("bad.sql"),
        "CREATE TABLE delta.`t1` AS SELECT 1 AS x;\n\n-- next one fails\nSELECT *\n  FROM delta.`missing`;\nCREATE TABLE delta.`t2` AS SELECT 2 AS x;\n",
    )?;
    let out = ignis(&["-q", "-f", "bad.sql"], dir.path())?;
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("bad.sql:4: error:"), "{stderr}");
    assert!(stderr.contains("missing"), "{stderr}");
    assert!(stderr.contains("FROM delta.`missing`"), "{stderr}");
    assert!(dir.path().join("t1/_delta_log").is_dir());
    assert!(
        !dir.path().join("t2").exists(),
        "statements after the failure must not run"
    );
    Ok(())
}

#[test]
fn syntax_error_reports_file_and_line() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("syntax.sql"), "SELECT 1;\nSELEC 2;\n")?;
    let out = ignis(&["-f", "syntax.sql"], dir.path())?;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("syntax.sql:2: error:"),
        "{}",
        text(&out.stderr)
    );
    Ok(())
}

#[test]
fn undefined_variable_and_missing_file_are_errors() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out = ignis(&["-c", "SELECT '${nope}'"], dir.path())?;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("undefined variable ${nope}"));

    let out = ignis(&["-f", "does_not_exist.sql"], dir.path())?;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read script"));
    Ok(())
}

#[test]
fn shell_reads_statements_from_stdin() -> TestResult {
    use std::io::Write;
    let dir = tempfile::tempdir()?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ignis"))
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    if let Some(stdin) = child.stdin.as_mut() {
        stdin.write_all(b"SELECT 40 +\n 2 AS answer;\n\\q\n")?;
    }
    let out = child.wait_with_output()?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("42"), "{}", text(&out.stdout));
    Ok(())
}
