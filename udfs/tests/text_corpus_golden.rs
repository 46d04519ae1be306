//! Golden tests of the corpus text functions (fixtures made by
//! udfs/tests/fixtures/text/make_corpus_fixtures.py; see its docstring):
//!
//! - `tf_idf` on a 200-document corpus (with a NULL and two empty token lists, shuffled
//!   ids) equals scikit-learn's `CountVectorizer` counts with Spark's IDF formula computed
//!   in numpy, row for row (order, ranks, vocabulary indices), values within 1e-12;
//! - `lda_topics` / `lda_documents` with k = 5 recover the 5 planted topics of a 600
//!   document corpus (each fitted topic's top-10 terms >= 80% from one planted topic, a
//!   bijection; primary topics agree with the planted ones for >= 90% of documents), agree
//!   with scikit-learn's batch LDA on the same corpus, and are reproducible.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, AsArray, Int64Array, ListBuilder, RecordBatch, StringArray, StringBuilder,
};
use datafusion::arrow::datatypes::{Float64Type, Int32Type, Int64Type};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn fixture(name: &str) -> TestResult<Vec<csv::StringRecord>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/text")
        .join(name);
    let mut reader = csv::Reader::from_path(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(reader.records().collect::<Result<Vec<_>, _>>()?)
}

/// A tokens list column from space-joined fields (`\N` = NULL, empty = no tokens).
fn token_lists<'a>(fields: impl Iterator<Item = &'a str>) -> ArrayRef {
    let mut lists = ListBuilder::new(StringBuilder::new());
    for field in fields {
        if field == "\\N" {
            lists.append_null();
            continue;
        }
        for token in field.split(' ').filter(|t| !t.is_empty()) {
            lists.values().append_value(token);
        }
        lists.append(true);
    }
    Arc::new(lists.finish())
}

fn context(table: &str, batch: RecordBatch) -> TestResult<SessionContext> {
    let ctx = SessionContext::new();
    ignis_udfs::register_table_functions(&ctx);
    let mem = MemTable::try_new(batch.schema(), vec![vec![batch]])?;
    ctx.register_table(table, Arc::new(mem))?;
    Ok(ctx)
}

async fn query(ctx: &SessionContext, sql: &str) -> TestResult<Vec<RecordBatch>> {
    Ok(ctx.sql(sql).await?.collect().await?)
}

fn close(got: f64, want: f64, what: &str) -> TestResult {
    if (got - want).abs() > 1e-12 {
        return Err(format!("{what}: got {got}, want {want}").into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tf_idf_matches_sklearn_counts_with_spark_idf() -> TestResult {
    let docs = fixture("corpus_docs.csv")?;
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(docs.iter().map(|r| &r[0])));
    let tokens = token_lists(docs.iter().map(|r| &r[1]));
    let batch = RecordBatch::try_from_iter(vec![("id", ids), ("tokens", tokens)])?;
    let ctx = context("docs", batch)?;

    for (config, options) in [
        ("default", ""),
        (
            "limited",
            ", 'vocab_size => 41, min_df => 0.02', 'min_doc_freq => 10, top_n => 5'",
        ),
    ] {
        let expected = fixture(&format!("corpus_tfidf_{config}.csv"))?;
        let sql = format!("SELECT * FROM tf_idf('docs', 'id', 'tokens'{options})");
        let batches = query(&ctx, &sql).await?;
        let mut got = Vec::new();
        for b in &batches {
            let (id, term) = (
                b.column(0).as_string::<i32>(),
                b.column(1).as_string::<i32>(),
            );
            let term_index = b.column(2).as_primitive::<Int32Type>();
            let df = b.column(4).as_primitive::<Int64Type>();
            let rank = b.column(7).as_primitive::<Int32Type>();
            let floats = [3, 5, 6].map(|c| b.column(c).as_primitive::<Float64Type>());
            for i in 0..b.num_rows() {
                got.push((
                    id.value(i).to_string(),
                    term.value(i).to_string(),
                    term_index.value(i),
                    df.value(i),
                    rank.value(i),
                    floats.map(|f| f.value(i)),
                ));
            }
        }
        assert_eq!(got.len(), expected.len(), "{config}: row count");
        for (row, want) in got.iter().zip(&expected) {
            let what = format!("{config} {} {}", &want[0], &want[1]);
            assert_eq!(
                (row.0.as_str(), row.1.as_str()),
                (&want[0], &want[1]),
                "{what}"
            );
            assert_eq!(row.2, want[2].parse::<i32>()?, "{what}: term_index");
            assert_eq!(row.3, want[4].parse::<i64>()?, "{what}: df");
            assert_eq!(row.4, want[7].parse::<i32>()?, "{what}: rank");
            close(row.5[0], want[3].parse()?, &format!("{what}: tf"))?;
            close(row.5[1], want[5].parse()?, &format!("{what}: idf"))?;
            close(row.5[2], want[6].parse()?, &format!("{what}: tf_idf"))?;
        }
    }
    Ok(())
}

/// The planted topic of a term `t<topic>w<i>` (noise words have none).
fn planted(term: &str) -> Option<usize> {
    let rest = term.strip_prefix('t')?;
    rest.split_once('w')?.0.parse().ok()
}

/// Fitted topic -> its top terms with weights.
type Topics = BTreeMap<i32, Vec<(String, f64)>>;

fn topics(batches: &[RecordBatch]) -> Topics {
    let mut out = Topics::new();
    for b in batches {
        let topic = b.column(0).as_primitive::<Int32Type>();
        let term = b.column(2).as_string::<i32>();
        let weight = b.column(4).as_primitive::<Float64Type>();
        for i in 0..b.num_rows() {
            out.entry(topic.value(i))
                .or_default()
                .push((term.value(i).to_string(), weight.value(i)));
        }
    }
    out
}

/// Maps each topic to the planted topic most of its terms come from, checking >= 80%.
fn planted_mapping(topics: &Topics) -> TestResult<HashMap<i32, usize>> {
    let mut mapping = HashMap::new();
    for (&topic, terms) in topics {
        let mut votes = [0usize; 5];
        for (term, _) in terms {
            if let Some(p) = planted(term) {
                votes[p] += 1;
            }
        }
        let (best, &count) = votes
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| **c)
            .ok_or("no votes")?;
        if count * 10 < terms.len() * 8 {
            return Err(format!("topic {topic} is mixed: {terms:?}").into());
        }
        mapping.insert(topic, best);
    }
    let targets: BTreeSet<usize> = mapping.values().copied().collect();
    if targets.len() != topics.len() {
        return Err(format!("not a bijection: {mapping:?}").into());
    }
    Ok(mapping)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lda_recovers_planted_topics() -> TestResult {
    let docs = fixture("lda_docs.csv")?;
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(docs.iter().map(|r| &r[0])));
    let planted_topic: Vec<usize> = docs
        .iter()
        .map(|r| r[1].parse())
        .collect::<Result<_, _>>()?;
    let planted_array: ArrayRef = Arc::new(Int64Array::from_iter_values(
        planted_topic.iter().map(|&p| p as i64),
    ));
    let tokens = token_lists(docs.iter().map(|r| &r[2]));
    let batch = RecordBatch::try_from_iter(vec![
        ("id", ids),
        ("planted", planted_array),
        ("tokens", tokens),
    ])?;
    let ctx = context("planted", batch)?;

    let sql = "SELECT * FROM lda_topics('planted', 'id', 'tokens', 'k => 5')";
    let fitted = topics(&query(&ctx, sql).await?);
    assert_eq!(fitted.len(), 5);
    assert!(fitted.values().all(|terms| terms.len() == 10));
    let mapping = planted_mapping(&fitted)?;
    // Reproducible: the same seed gives the same model.
    assert_eq!(topics(&query(&ctx, sql).await?), fitted);

    // scikit-learn's batch LDA on the same counts finds the same topics, with term
    // weights close to ours.
    let mut sklearn = Topics::new();
    for row in fixture("lda_sklearn_topics.csv")? {
        sklearn
            .entry(row[0].parse()?)
            .or_default()
            .push((row[2].to_string(), row[3].parse()?));
    }
    let sklearn_mapping = planted_mapping(&sklearn)?;
    let by_planted: HashMap<usize, i32> = mapping.iter().map(|(&t, &p)| (p, t)).collect();
    let fitted_all = topics(
        &query(
            &ctx,
            "SELECT * FROM lda_topics('planted', 'id', 'tokens', 'k => 5, top_terms => 1000')",
        )
        .await?,
    );
    let mut worst: f64 = 0.0;
    for (sk_topic, terms) in &sklearn {
        let ours = &fitted_all[&by_planted[&sklearn_mapping[sk_topic]]];
        let weights: HashMap<&str, f64> = ours.iter().map(|(t, w)| (t.as_str(), *w)).collect();
        for (term, sk_weight) in terms {
            let weight = weights[term.as_str()];
            worst = worst.max((weight - sk_weight).abs() / sk_weight);
            assert!(
                (weight - sk_weight).abs() < 0.05 * sk_weight,
                "{term}: ours {weight}, sklearn {sk_weight}"
            );
        }
    }

    eprintln!("largest relative difference from sklearn's top-term weights: {worst}");

    let batches = query(
        &ctx,
        "SELECT d.*, p.planted FROM lda_documents('planted', 'id', 'tokens', 'k => 5') d \
         JOIN planted p ON d.id = p.id",
    )
    .await?;
    let (mut agree, mut total) = (0, 0);
    for b in &batches {
        let distributions = b.column(1).as_list::<i32>();
        let primary = b.column(2).as_primitive::<Int32Type>();
        let planted = b.column(3).as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            let distribution = distributions.value(i);
            let p = distribution.as_primitive::<Float64Type>();
            assert_eq!(p.len(), 5);
            assert!((p.values().iter().sum::<f64>() - 1.0).abs() < 1e-12);
            let best =
                p.values()
                    .iter()
                    .enumerate()
                    .fold(0, |best, (t, &v)| if v > p.value(best) { t } else { best });
            assert_eq!(primary.value(i) as usize, best);
            total += 1;
            if mapping[&primary.value(i)] == planted.value(i) as usize {
                agree += 1;
            }
        }
    }
    assert_eq!(total, 600);
    assert!(
        agree * 10 >= total * 9,
        "primary topic agrees for {agree} of {total}"
    );
    eprintln!("primary topic agrees with the planted one for {agree} of {total} documents");
    Ok(())
}
