//! `tf_idf(input, 'id_column', 'tokens_column' [, options])`: Spark ML's
//! `CountVectorizer` + `IDF` as one row per (document, term).

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Float64Array, Int32Array, Int64Array, UInt32Array, UInt64Array,
};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::count_vectorizer::{vectorize, Corpus, CorpusCall};
use crate::table_function::DeferredTable;

pub const NAME: &str = "tf_idf";

/// The options of `tf_idf` besides the vocabulary's.
const TF_IDF_OPTIONS: &[&str] = &["top_n", "min_doc_freq"];

/// Output rows per batch.
const BATCH_ROWS: usize = 64 * 1024;

#[user_doc(
    doc_section(label = "Text Table Functions"),
    description = "TF-IDF with Spark ML's semantics (`CountVectorizer` then `IDF`): one row per \
(document, vocabulary term present in it). The vocabulary keeps the terms occurring in at least \
`min_df` documents (a count when >= 1, else a fraction of the documents; `max_df` alike as an \
upper bound), then the `vocab_size` terms with the highest total count; `term_index` is the \
term's position in it (total count descending; Spark leaves equal counts in no particular \
order, here they are ordered by term ascending). `tf` is the raw count of the term in the \
document, `df` the number of documents containing it, \
`idf = ln((m + 1) / (df + 1))` with m the number of documents (every input row: a NULL or \
empty token list is a document without terms), and 0 for terms with `df < min_doc_freq` \
(Spark's IDF; note scikit-learn's smooth idf adds 1 to this), `tf_idf = tf * idf`. `rank` is \
1 for the document's highest tf_idf (equal scores ordered by term ascending); `top_n` keeps \
ranks <= top_n. Rows come ordered by document (input order) then rank. NULL tokens are \
ignored; documents without a vocabulary term have no rows, and an empty input gives no rows.",
    syntax_example = "tf_idf(input, 'id_column', 'tokens_column' [, 'vocab_size => 10000, min_df => 5, top_n => 10'])",
    sql_example = r#"```sql
> SELECT * FROM tf_idf('SELECT id, tokens FROM (VALUES
      (1, [''spark'', ''sql'', ''spark'']), (2, [''sql'', ''delta'']), (3, [''rust''])) AS t(id, tokens)',
      'id', 'tokens') WHERE id = 1;
+----+-------+------------+-----+----+--------------------+--------------------+------+
| id | term  | term_index | tf  | df | idf                | tf_idf             | rank |
+----+-------+------------+-----+----+--------------------+--------------------+------+
| 1  | spark | 0          | 2.0 | 1  | 0.6931471805599453 | 1.3862943611198906 | 1    |
| 1  | sql   | 1          | 1.0 | 2  | 0.28768207245178085 | 0.28768207245178085 | 2    |
+----+-------+------------+-----+----+--------------------+--------------------+------+
```"#,
    argument(name = "input", description = "Table or view name, or a quoted query."),
    argument(
        name = "id_column",
        description = "The document id column (any type; returned as is)."
    ),
    argument(
        name = "tokens_column",
        description = "A list of strings per document, e.g. `remove_stopwords(tokenize(text))`."
    ),
    argument(
        name = "options",
        description = "vocab_size (default 262144, as Spark), min_df (default 1), max_df \
(default: unlimited), min_doc_freq (Spark IDF's minDocFreq, default 0), top_n (default: all terms)."
    )
)]
#[derive(Debug, Default)]
pub struct TfIdfFunction;

impl TableFunctionImpl for TfIdfFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let call = CorpusCall::parse(NAME, &args, TF_IDF_OPTIONS)?;
        let top_n = match call.options.get("top_n") {
            None => None,
            Some(_) => match call.options.usize_or("top_n", 0)? {
                0 => return plan_err!("{NAME}: top_n must be at least 1"),
                n => Some(n),
            },
        };
        let min_doc_freq = call.options.u64_or("min_doc_freq", 0)?;
        let schema = call.output_schema(
            NAME,
            vec![
                Field::new("term", DataType::Utf8, false),
                Field::new("term_index", DataType::Int32, false),
                Field::new("tf", DataType::Float64, false),
                Field::new("df", DataType::Int64, false),
                Field::new("idf", DataType::Float64, false),
                Field::new("tf_idf", DataType::Float64, false),
                Field::new("rank", DataType::Int32, false),
            ],
        )?;
        let out_schema = Arc::clone(&schema);
        let (columns, vectorizer) = (call.columns, call.vectorizer);
        let compute = Arc::new(move |batches: Vec<RecordBatch>| {
            let corpus = vectorize(NAME, &batches, &columns, &vectorizer)?;
            let scores = TfIdfScores::new(&corpus, min_doc_freq, top_n);
            scores.batches(&corpus, &out_schema)
        });
        Ok(Arc::new(DeferredTable::new(schema, call.input, compute)))
    }
}

impl TfIdfFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

/// Spark IDF weights: `ln((m + 1) / (df + 1))`, 0 when `df < min_doc_freq`.
pub fn spark_idf(doc_freq: &[u64], num_docs: usize, min_doc_freq: u64) -> Vec<f64> {
    let m = num_docs as f64;
    doc_freq
        .iter()
        .map(|&df| {
            if df < min_doc_freq {
                0.0
            } else {
                ((m + 1.0) / (df as f64 + 1.0)).ln()
            }
        })
        .collect()
}

/// The output rows, as columns (document position, not yet the id).
struct TfIdfScores {
    doc: Vec<u64>,
    term_index: Vec<u32>,
    tf: Vec<f64>,
    df: Vec<i64>,
    idf: Vec<f64>,
    tf_idf: Vec<f64>,
    rank: Vec<i32>,
}

impl TfIdfScores {
    fn new(corpus: &Corpus, min_doc_freq: u64, top_n: Option<usize>) -> Self {
        let idf = spark_idf(&corpus.doc_freq, corpus.num_docs(), min_doc_freq);
        // Each term's position in byte-wise term order, for ties (sorted once).
        let mut by_term: Vec<u32> = (0..corpus.vocab_len() as u32).collect();
        by_term.sort_unstable_by_key(|&t| corpus.vocabulary.value(t as usize));
        let mut term_order = vec![0u32; by_term.len()];
        for (position, &t) in by_term.iter().enumerate() {
            term_order[t as usize] = position as u32;
        }

        let capacity = match top_n {
            Some(n) => corpus
                .term_indices
                .len()
                .min(n.saturating_mul(corpus.num_docs())),
            None => corpus.term_indices.len(),
        };
        let mut out = Self {
            doc: Vec::with_capacity(capacity),
            term_index: Vec::with_capacity(capacity),
            tf: Vec::with_capacity(capacity),
            df: Vec::with_capacity(capacity),
            idf: Vec::with_capacity(capacity),
            tf_idf: Vec::with_capacity(capacity),
            rank: Vec::with_capacity(capacity),
        };
        let mut entries: Vec<(f64, u32, u32)> = Vec::new();
        for doc in 0..corpus.num_docs() {
            let (terms, counts) = corpus.doc(doc);
            entries.clear();
            entries.extend(
                terms
                    .iter()
                    .zip(counts)
                    .map(|(&t, &c)| (f64::from(c) * idf[t as usize], t, c)),
            );
            entries.sort_unstable_by(|a, b| {
                b.0.total_cmp(&a.0)
                    .then_with(|| term_order[a.1 as usize].cmp(&term_order[b.1 as usize]))
            });
            let keep = top_n.map_or(entries.len(), |n| n.min(entries.len()));
            for (rank, &(score, t, count)) in entries[..keep].iter().enumerate() {
                out.doc.push(doc as u64);
                out.term_index.push(t);
                out.tf.push(f64::from(count));
                out.df.push(corpus.doc_freq[t as usize] as i64);
                out.idf.push(idf[t as usize]);
                out.tf_idf.push(score);
                out.rank.push(rank as i32 + 1);
            }
        }
        out
    }

    fn batches(self, corpus: &Corpus, schema: &Arc<Schema>) -> Result<Vec<RecordBatch>> {
        let rows = self.doc.len();
        let term_index = UInt32Array::from(self.term_index);
        let columns: Vec<ArrayRef> = vec![
            take(corpus.ids.as_ref(), &UInt64Array::from(self.doc), None)?,
            take(&corpus.vocabulary, &term_index, None)?,
            Arc::new(Int32Array::from_iter_values(
                term_index.values().iter().map(|&t| t as i32),
            )),
            Arc::new(Float64Array::from(self.tf)),
            Arc::new(Int64Array::from(self.df)),
            Arc::new(Float64Array::from(self.idf)),
            Arc::new(Float64Array::from(self.tf_idf)),
            Arc::new(Int32Array::from(self.rank)),
        ];
        let all = RecordBatch::try_new(Arc::clone(schema), columns)?;
        if rows <= BATCH_ROWS {
            return Ok(vec![all]);
        }
        Ok((0..rows)
            .step_by(BATCH_ROWS)
            .map(|start| all.slice(start, BATCH_ROWS.min(rows - start)))
            .collect())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::text::count_vectorizer::CorpusColumns;
    use datafusion::arrow::array::{Array, AsArray, ListBuilder, StringBuilder};
    use datafusion::arrow::datatypes::{Float64Type, Int32Type};
    use std::time::Instant;

    fn corpus(docs: &[&[&str]]) -> Corpus {
        let mut lists = ListBuilder::new(StringBuilder::new());
        for doc in docs {
            for t in *doc {
                lists.values().append_value(t);
            }
            lists.append(true);
        }
        let ids: ArrayRef = Arc::new(datafusion::arrow::array::StringArray::from_iter_values(
            (0..docs.len()).map(|i| format!("d{i}")),
        ));
        let batch = RecordBatch::try_from_iter(vec![
            ("id", ids),
            ("tokens", Arc::new(lists.finish()) as ArrayRef),
        ])
        .unwrap();
        let columns = CorpusColumns {
            id: 0,
            tokens: 1,
            id_type: DataType::Utf8,
        };
        vectorize(NAME, &[batch], &columns, &Default::default()).unwrap()
    }

    fn schema() -> Arc<Schema> {
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, true),
            Field::new("term", DataType::Utf8, false),
            Field::new("term_index", DataType::Int32, false),
            Field::new("tf", DataType::Float64, false),
            Field::new("df", DataType::Int64, false),
            Field::new("idf", DataType::Float64, false),
            Field::new("tf_idf", DataType::Float64, false),
            Field::new("rank", DataType::Int32, false),
        ]))
    }

    #[test]
    fn hand_computed_scores_and_ranks() {
        let c = corpus(&[&["a", "b", "a"], &["b", "c"], &["c", "d"]]);
        let batches = TfIdfScores::new(&c, 0, None)
            .batches(&c, &schema())
            .unwrap();
        let b = &batches[0];
        let terms: Vec<&str> = b.column(1).as_string::<i32>().iter().flatten().collect();
        let ids: Vec<&str> = b.column(0).as_string::<i32>().iter().flatten().collect();
        let tf_idf = b.column(6).as_primitive::<Float64Type>().values();
        let rank = b.column(7).as_primitive::<Int32Type>().values();
        assert_eq!(ids, ["d0", "d0", "d1", "d1", "d2", "d2"]);
        // d1: b and c both have df 2: equal scores, ordered by term
        assert_eq!(terms, ["a", "b", "b", "c", "d", "c"]);
        let ln = |x: f64| x.ln();
        let expected = [
            2.0 * ln(4.0 / 2.0),
            ln(4.0 / 3.0),
            ln(4.0 / 3.0),
            ln(4.0 / 3.0),
            ln(4.0 / 2.0),
            ln(4.0 / 3.0),
        ];
        for (got, want) in tf_idf.iter().zip(expected) {
            assert!((got - want).abs() < 1e-15, "{got} vs {want}");
        }
        assert_eq!(rank, &[1, 2, 1, 2, 1, 2]);
    }

    #[test]
    fn top_n_and_min_doc_freq() {
        let c = corpus(&[&["a", "b", "a"], &["b", "c"], &["c", "d"]]);
        let b = &TfIdfScores::new(&c, 2, Some(1))
            .batches(&c, &schema())
            .unwrap()[0];
        let terms: Vec<&str> = b.column(1).as_string::<i32>().iter().flatten().collect();
        let idf = b.column(5).as_primitive::<Float64Type>().values();
        // a and d have df 1 < 2: idf 0, so b and c lead
        assert_eq!(terms, ["b", "b", "c"]);
        assert!(idf.iter().all(|&v| v > 0.0));
    }

    #[test]
    fn many_documents_are_fast() {
        // 200k documents of 50 tokens over a 20k-word Zipf-ish vocabulary.
        let words: Vec<String> = (0..20_000).map(|i| format!("word{i}")).collect();
        let mut lists = ListBuilder::new(StringBuilder::new());
        let mut state = 12345u64;
        for _ in 0..200_000 {
            for _ in 0..50 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (state >> 33) as f64 / (1u64 << 31) as f64;
                let w = ((words.len() as f64).powf(u) - 1.0) as usize;
                lists.values().append_value(&words[w.min(words.len() - 1)]);
            }
            lists.append(true);
        }
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(0..200_000));
        let batch = RecordBatch::try_from_iter(vec![
            ("id", ids),
            ("tokens", Arc::new(lists.finish()) as ArrayRef),
        ])
        .unwrap();
        let columns = CorpusColumns {
            id: 0,
            tokens: 1,
            id_type: DataType::Int64,
        };
        let start = Instant::now();
        let c = vectorize(NAME, &[batch], &columns, &Default::default()).unwrap();
        let mut fields = schema().fields().to_vec();
        fields[0] = Arc::new(Field::new("id", DataType::Int64, true));
        let batches = TfIdfScores::new(&c, 0, Some(10))
            .batches(&c, &Arc::new(Schema::new(fields)))
            .unwrap();
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        eprintln!("tf_idf over 200k x 50 tokens: {:?}", start.elapsed());
        assert_eq!(rows, 2_000_000);
        assert!(batches.iter().all(|b| b.column(0).null_count() == 0));
    }
}
