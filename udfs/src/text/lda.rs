//! `lda_topics(...)` and `lda_documents(...)`: an LDA topic model (Spark ML's `LDA` on
//! `CountVectorizer` counts) fitted inside the table function; the first returns the
//! topics' top terms (Spark's `describeTopics`), the second every document's topic
//! distribution (Spark's `transform`). The algorithm is in [`super::lda_core`].

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int32Array, ListArray, UInt32Array};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::count_vectorizer::{vectorize, Corpus, CorpusCall, CorpusColumns, VectorizerOptions};
use super::lda_core::{self, Documents, LdaModel, LdaParams};
use crate::table_function::DeferredTable;

pub const TOPICS_NAME: &str = "lda_topics";
pub const DOCUMENTS_NAME: &str = "lda_documents";

/// The options of both functions besides the vocabulary's (the same for both, so that
/// one option string serves the two calls).
const LDA_OPTIONS: &[&str] = &[
    "k",
    "max_iter",
    "seed",
    "top_terms",
    "doc_concentration",
    "topic_concentration",
];

/// Upper bound of k x vocabulary size (the model's size, in f64 values).
const MAX_MODEL_ENTRIES: usize = 50_000_000;

/// A parsed call of either function.
struct LdaCall {
    corpus: CorpusCall,
    params: LdaParams,
    top_terms: usize,
}

impl LdaCall {
    fn parse(function: &str, args: &TableFunctionArgs) -> Result<Self> {
        let corpus = CorpusCall::parse(function, args, LDA_OPTIONS)?;
        let options = &corpus.options;
        let k = options.usize_or("k", 10)?;
        if k < 2 {
            return plan_err!("{function}: k (the number of topics) must be at least 2, got {k}");
        }
        let max_iter = options.usize_or("max_iter", 20)?;
        if max_iter == 0 {
            return plan_err!("{function}: max_iter must be at least 1");
        }
        let seed = options.u64_or("seed", 42)?;
        let top_terms = options.usize_or("top_terms", 10)?;
        if top_terms == 0 {
            return plan_err!("{function}: top_terms must be at least 1");
        }
        let concentration = |key: &str| -> Result<f64> {
            let value = options.f64_or(key, 1.0 / k as f64)?;
            if !(value.is_finite() && value > 0.0) {
                return plan_err!("{function}: {key} must be a positive number, got {value}");
            }
            Ok(value)
        };
        let params = LdaParams {
            k,
            max_iter,
            seed,
            doc_concentration: concentration("doc_concentration")?,
            topic_concentration: concentration("topic_concentration")?,
        };
        Ok(Self {
            corpus,
            params,
            top_terms,
        })
    }
}

/// Vectorises the documents and fits the model, checking the corpus fits the options.
fn fit_corpus(
    function: &str,
    batches: &[RecordBatch],
    columns: &CorpusColumns,
    vectorizer: &VectorizerOptions,
    params: &LdaParams,
) -> Result<(Corpus, LdaModel)> {
    let corpus = vectorize(function, batches, columns, vectorizer)?;
    if corpus.num_docs() == 0 {
        return exec_err!("{function}: the input has no documents");
    }
    let vocab_len = corpus.vocab_len();
    if vocab_len == 0 {
        return exec_err!(
            "{function}: the vocabulary is empty: no token occurs in at least min_df documents (lower min_df, or check the tokens column)"
        );
    }
    if params.k > vocab_len {
        return exec_err!(
            "{function}: k ({}) must be at most the vocabulary size ({vocab_len})",
            params.k
        );
    }
    if params.k.saturating_mul(vocab_len) > MAX_MODEL_ENTRIES {
        return exec_err!(
            "{function}: k x vocabulary size ({} x {vocab_len}) exceeds {MAX_MODEL_ENTRIES}; lower k or vocab_size",
            params.k
        );
    }
    let docs = documents(&corpus);
    let model = lda_core::fit(docs, vocab_len, params)?;
    Ok((corpus, model))
}

fn documents(corpus: &Corpus) -> Documents<'_> {
    Documents {
        offsets: &corpus.doc_offsets,
        terms: &corpus.term_indices,
        counts: &corpus.counts,
    }
}

#[user_doc(
    doc_section(label = "Text Table Functions"),
    description = "Fits an LDA topic model (Latent Dirichlet Allocation, as Spark ML's `LDA` on \
`CountVectorizer` counts) and returns each topic's `top_terms` terms: `topic` (0-based), `rank` \
(1-based), `term`, `term_index` (its position in the vocabulary) and `term_weight`, the topic's \
distribution over the vocabulary normalised to sum 1 (Spark's `describeTopics`); ordered by \
topic then weight descending (equal weights by term index). The vocabulary is built as in \
`tf_idf` (vocab_size, min_df, max_df). The model is fitted by batch variational Bayes \
(Hoffman et al. 2010, as scikit-learn's `LatentDirichletAllocation(learning_method='batch')`): \
Spark's default \"online\" optimizer fits the same model with stochastic mini-batch updates; \
the batch algorithm is deterministic and converges better on small corpora, so weights are \
close to but not identical with Spark's. Results depend only on the seed. Every input row is \
a document (NULL token lists are empty documents, NULL tokens are ignored). An input without \
documents or without any vocabulary term is an error.",
    syntax_example = "lda_topics(input, 'id_column', 'tokens_column' [, 'k => 10, max_iter => 20, seed => 42, top_terms => 10'])",
    sql_example = r#"```sql
> SELECT topic, rank, term, round(term_weight, 3) AS weight
  FROM lda_topics('processed_text', 'document_id', 'filtered_tokens',
                  'k => 10, max_iter => 10, vocab_size => 10000, min_df => 5')
  WHERE rank <= 3;
```"#,
    argument(name = "input", description = "Table or view name, or a quoted query."),
    argument(name = "id_column", description = "The document id column (any type)."),
    argument(
        name = "tokens_column",
        description = "A list of strings per document, e.g. `remove_stopwords(tokenize(text))`."
    ),
    argument(
        name = "options",
        description = "k (topics, >= 2, default 10), max_iter (passes over the corpus, default \
20 as Spark), seed (default 42), top_terms (default 10), doc_concentration and \
topic_concentration (symmetric Dirichlet priors alpha and eta, > 0, default 1/k as Spark's \
online LDA), vocab_size (default 262144), min_df (default 1), max_df (default: unlimited)."
    )
)]
#[derive(Debug, Default)]
pub struct LdaTopicsFunction;

impl TableFunctionImpl for LdaTopicsFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let call = LdaCall::parse(TOPICS_NAME, &args)?;
        let schema = Arc::new(Schema::new(vec![
            Field::new("topic", DataType::Int32, false),
            Field::new("rank", DataType::Int32, false),
            Field::new("term", DataType::Utf8, false),
            Field::new("term_index", DataType::Int32, false),
            Field::new("term_weight", DataType::Float64, false),
        ]));
        let out_schema = Arc::clone(&schema);
        let (columns, vectorizer) = (call.corpus.columns, call.corpus.vectorizer);
        let (params, top_terms) = (call.params, call.top_terms);
        let compute = Arc::new(move |batches: Vec<RecordBatch>| {
            let (corpus, model) =
                fit_corpus(TOPICS_NAME, &batches, &columns, &vectorizer, &params)?;
            topic_terms(&corpus, &model, top_terms, &out_schema).map(|b| vec![b])
        });
        Ok(Arc::new(DeferredTable::new(
            schema,
            call.corpus.input,
            compute,
        )))
    }
}

impl LdaTopicsFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

/// The top terms of every topic, as `lda_topics` rows.
fn topic_terms(
    corpus: &Corpus,
    model: &LdaModel,
    top_terms: usize,
    schema: &Arc<Schema>,
) -> Result<RecordBatch> {
    let top = top_terms.min(model.vocab_len);
    let rows = model.k * top;
    let (mut topic, mut rank, mut term_index, mut weight) = (
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
    );
    for t in 0..model.k {
        let distribution = model.topic_distribution(t);
        let mut order: Vec<u32> = (0..model.vocab_len as u32).collect();
        let by_weight = |a: &u32, b: &u32| {
            distribution[*b as usize]
                .total_cmp(&distribution[*a as usize])
                .then(a.cmp(b))
        };
        if top < order.len() {
            order.select_nth_unstable_by(top - 1, by_weight);
            order.truncate(top);
        }
        order.sort_unstable_by(by_weight);
        for (r, &w) in order.iter().enumerate() {
            topic.push(t as i32);
            rank.push(r as i32 + 1);
            term_index.push(w);
            weight.push(distribution[w as usize]);
        }
    }
    let term_index = UInt32Array::from(term_index);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from(topic)),
        Arc::new(Int32Array::from(rank)),
        take(&corpus.vocabulary, &term_index, None)?,
        Arc::new(Int32Array::from_iter_values(
            term_index.values().iter().map(|&w| w as i32),
        )),
        Arc::new(Float64Array::from(weight)),
    ];
    Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
}

#[user_doc(
    doc_section(label = "Text Table Functions"),
    description = "Fits the same LDA topic model as `lda_topics` (same arguments and options, \
same seed, same model) and returns every document (every input row, in input order): its id, \
`topic_distribution` (k probabilities summing to 1: the document's normalised variational \
gamma, as Spark's `topicDistribution`, inferred from the fitted topics) and `primary_topic`, \
the 0-based index of the largest probability (the first one on ties, as \
`array_position(dist, array_max(dist)) - 1`). A document without vocabulary terms gets the \
uniform distribution and primary topic 0.",
    syntax_example = "lda_documents(input, 'id_column', 'tokens_column' [, 'k => 10, max_iter => 20, seed => 42'])",
    sql_example = r#"```sql
> SELECT document_id, primary_topic, topic_distribution[1] AS topic_0_prob
  FROM lda_documents('processed_text', 'document_id', 'filtered_tokens',
                     'k => 10, max_iter => 10, vocab_size => 10000, min_df => 5');
```"#,
    argument(name = "input", description = "Table or view name, or a quoted query."),
    argument(
        name = "id_column",
        description = "The document id column (any type; returned as is)."
    ),
    argument(
        name = "tokens_column",
        description = "A list of strings per document."
    ),
    argument(
        name = "options",
        description = "As `lda_topics` (top_terms is accepted and ignored)."
    )
)]
#[derive(Debug, Default)]
pub struct LdaDocumentsFunction;

impl TableFunctionImpl for LdaDocumentsFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let call = LdaCall::parse(DOCUMENTS_NAME, &args)?;
        let distribution_type =
            DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)));
        let schema = call.corpus.output_schema(
            DOCUMENTS_NAME,
            vec![
                Field::new("topic_distribution", distribution_type, false),
                Field::new("primary_topic", DataType::Int32, false),
            ],
        )?;
        let out_schema = Arc::clone(&schema);
        let (columns, vectorizer) = (call.corpus.columns, call.corpus.vectorizer);
        let params = call.params;
        let compute = Arc::new(move |batches: Vec<RecordBatch>| {
            let (corpus, model) =
                fit_corpus(DOCUMENTS_NAME, &batches, &columns, &vectorizer, &params)?;
            let theta = lda_core::transform(&model, documents(&corpus), &params)?;
            let k = model.k;
            let primary: Int32Array = theta
                .chunks(k)
                .map(|row| {
                    // First maximum, as array_position(dist, array_max(dist)) - 1.
                    let mut best = 0;
                    for (t, &p) in row.iter().enumerate() {
                        if p > row[best] {
                            best = t;
                        }
                    }
                    Some(best as i32)
                })
                .collect();
            let offsets = OffsetBuffer::from_lengths(std::iter::repeat_n(k, corpus.num_docs()));
            let distribution = ListArray::try_new(
                Arc::new(Field::new_list_field(DataType::Float64, true)),
                offsets,
                Arc::new(Float64Array::from(theta)),
                None,
            )?;
            let columns: Vec<ArrayRef> = vec![
                Arc::clone(&corpus.ids),
                Arc::new(distribution),
                Arc::new(primary),
            ];
            Ok(vec![RecordBatch::try_new(
                Arc::clone(&out_schema),
                columns,
            )?])
        });
        Ok(Arc::new(DeferredTable::new(
            schema,
            call.corpus.input,
            compute,
        )))
    }
}

impl LdaDocumentsFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
