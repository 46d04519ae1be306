//! Golden test of VADER sentiment against vaderSentiment 3.3.2: every text of
//! udfs/tests/fixtures/text/vader_golden.tsv (made by make_vader_fixture.py, see its
//! docstring for the texts and the escaping of the text column) must score within 1e-4
//! of `SentimentIntensityAnalyzer().polarity_scores(text)` on all four scores, through
//! `vader::polarity_scores` and, for a sample, through SQL `sentiment(text)`.

use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use ignis_udfs::text::vader::polarity_scores;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

const TOLERANCE: f64 = 1e-4;

struct Golden {
    line: usize,
    text: String,
    /// compound, pos, neu, neg.
    scores: [f64; 4],
}

/// Undoes the fixture's escaping: `\\`, `\t`, `\n`, `\r`, `\xHH`.
fn unescape(field: &str) -> TestResult<String> {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                let code = u32::from_str_radix(&hex, 16)?;
                out.push(char::from_u32(code).ok_or("bad \\x escape")?);
            }
            other => return Err(format!("bad escape \\{other:?} in {field:?}").into()),
        }
    }
    Ok(out)
}

fn golden() -> TestResult<Vec<Golden>> {
    read_golden(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/text/vader_golden.tsv"),
    )
}

fn read_golden(path: &std::path::Path) -> TestResult<Vec<Golden>> {
    let content = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut rows = Vec::new();
    for (index, line) in content.split('\n').enumerate().skip(1) {
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [text, compound, pos, neu, neg] = fields.as_slice() else {
            return Err(format!("line {}: expected 5 fields: {line:?}", index + 1).into());
        };
        rows.push(Golden {
            line: index + 1,
            text: unescape(text)?,
            scores: [compound.parse()?, pos.parse()?, neu.parse()?, neg.parse()?],
        });
    }
    Ok(rows)
}

const NAMES: [&str; 4] = ["compound", "pos", "neu", "neg"];

#[test]
fn matches_vader_sentiment_3_3_2() -> TestResult {
    let rows = golden()?;
    assert!(rows.len() >= 2500, "only {} golden texts", rows.len());
    check_all(&rows)
}

/// More texts on demand: `VADER_EXTRA_GOLDEN=/tmp/more.tsv cargo test ... vader_golden`
/// with a file from `make_vader_fixture.py --seed N --count M --out /tmp/more.tsv`.
#[test]
fn matches_extra_fixture_if_given() -> TestResult {
    match std::env::var_os("VADER_EXTRA_GOLDEN") {
        Some(path) => check_all(&read_golden(std::path::Path::new(&path))?),
        None => Ok(()),
    }
}

fn check_all(rows: &[Golden]) -> TestResult {
    let mut worst = (0.0f64, String::new());
    let mut failures = Vec::new();
    for row in rows {
        let s = polarity_scores(&row.text);
        let got = [s.compound, s.positive, s.neutral, s.negative];
        for k in 0..4 {
            let diff = (got[k] - row.scores[k]).abs();
            if diff > worst.0 || worst.1.is_empty() {
                worst = (
                    diff,
                    format!("line {} {:?} ({})", row.line, row.text, NAMES[k]),
                );
            }
            if diff > TOLERANCE {
                failures.push(format!(
                    "line {} {:?}: {} = {} (vaderSentiment {})",
                    row.line, row.text, NAMES[k], got[k], row.scores[k]
                ));
            }
        }
    }
    println!(
        "{} texts; worst difference {:e} at {}",
        rows.len(),
        worst.0,
        worst.1
    );
    assert!(
        failures.is_empty(),
        "{} score(s) differ by more than {TOLERANCE} (worst {:e} at {}):\n{}",
        failures.len(),
        worst.0,
        worst.1,
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    Ok(())
}

/// Every 7th golden text through `SELECT sentiment(text)` over a table.
#[tokio::test]
async fn sql_sentiment_matches() -> TestResult {
    let rows: Vec<Golden> = golden()?.into_iter().step_by(7).collect();
    let ids: Vec<i64> = (0..rows.len() as i64).collect();
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("text", DataType::Utf8, true),
    ]));
    let texts: StringArray = rows.iter().map(|r| Some(r.text.as_str())).collect();
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(datafusion::arrow::array::Int64Array::from(ids)),
            Arc::new(texts),
        ],
    )?;
    let mut ctx = SessionContext::new();
    ignis_udfs::register_all(&mut ctx)?;
    ctx.register_table("t", Arc::new(MemTable::try_new(schema, vec![vec![batch]])?))?;
    let batches = ctx
        .sql(
            "SELECT id, s['compound'] AS compound, s['positive'] AS pos, s['neutral'] AS neu, \
             s['negative'] AS neg, s['label'] AS label \
             FROM (SELECT id, sentiment(text) AS s FROM t) ORDER BY id",
        )
        .await?
        .collect()
        .await?;
    let mut seen = 0;
    for batch in &batches {
        let id = batch
            .column(0)
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        let label = datafusion::arrow::compute::cast(batch.column(5), &DataType::Utf8)?;
        let label = label.as_string::<i32>();
        for r in 0..batch.num_rows() {
            let golden = &rows[usize::try_from(id.value(r))?];
            for (k, (name, want)) in NAMES.iter().zip(golden.scores).enumerate() {
                let got = batch.column(k + 1).as_primitive::<Float64Type>().value(r);
                assert!(
                    (got - want).abs() <= TOLERANCE,
                    "SQL line {} {:?}: {name} = {got} (vaderSentiment {want})",
                    golden.line,
                    golden.text,
                );
            }
            let compound = golden.scores[0];
            let want = if compound >= 0.05 {
                "positive"
            } else if compound <= -0.05 {
                "negative"
            } else {
                "neutral"
            };
            assert_eq!(label.value(r), want, "label of {:?}", golden.text);
            assert!(label.is_valid(r));
            seen += 1;
        }
    }
    assert_eq!(seen, rows.len());
    Ok(())
}
