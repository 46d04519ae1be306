//! Text analytics (seed scenarios 6 and 19): VADER sentiment, Spark ML's feature
//! transformers as scalar functions over strings and string lists, keyword matching,
//! and the corpus-level steps (TF-IDF, LDA topics) as table functions.
//!
//! - `sentiment(text)`: VADER (vaderSentiment 3.3.2) compound/positive/neutral/negative
//!   and a label.
//! - `tokenize(text)`, `regex_tokenize(text [, pattern [, gaps [, min_length]]])`: Spark's
//!   `Tokenizer` and `RegexTokenizer`.
//! - `remove_stopwords(tokens [, stopwords])`: Spark's `StopWordsRemover` (English list).
//! - `stem(tokens_or_word)`: Snowball English stemmer (rust-stemmers).
//! - `ngrams(tokens, n)`: Spark's `NGram`.
//! - `hashing_tf(tokens [, num_features])`: Spark's `HashingTF` (MurmurHash3, seed 42).
//! - `mentions_any(text, keywords)`: case-insensitive substring match of many keywords
//!   at once (Aho–Corasick).
//! - `tf_idf(...)`, `lda_topics(...)`, `lda_documents(...)`: table functions.

pub mod count_vectorizer;
pub mod hashing_tf;
pub mod lda;
pub mod lda_core;
pub mod mentions_any;
pub mod ngrams;
pub mod regex_tokenize;
pub mod remove_stopwords;
pub mod sentiment;
pub mod stem;
pub mod tf_idf;
pub mod token_lists;
pub mod tokenize;
pub mod vader;

use std::sync::Arc;

use datafusion::logical_expr::{Documentation, ScalarUDF};

/// The module's scalar functions.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    let functions: Vec<ScalarUDF> = vec![
        // scalar functions: one line each
        ScalarUDF::new_from_impl(sentiment::Sentiment::new()),
        ScalarUDF::new_from_impl(tokenize::Tokenize::new()),
        ScalarUDF::new_from_impl(regex_tokenize::RegexTokenize::new()),
        ScalarUDF::new_from_impl(remove_stopwords::RemoveStopwords::new()),
        ScalarUDF::new_from_impl(stem::Stem::new()),
        ScalarUDF::new_from_impl(ngrams::NGrams::new()),
        ScalarUDF::new_from_impl(hashing_tf::HashingTf::new()),
        ScalarUDF::new_from_impl(mentions_any::MentionsAny::new()),
    ];
    functions.into_iter().map(Arc::new).collect()
}

/// The module's table functions, by name.
pub fn table_functions() -> Vec<(
    &'static str,
    Arc<dyn datafusion::catalog::TableFunctionImpl>,
)> {
    vec![
        // table functions: one line each
        (tf_idf::NAME, Arc::new(tf_idf::TfIdfFunction)),
        (lda::TOPICS_NAME, Arc::new(lda::LdaTopicsFunction)),
        (lda::DOCUMENTS_NAME, Arc::new(lda::LdaDocumentsFunction)),
    ]
}

/// Documentation of the module's table functions.
pub fn table_function_docs() -> Vec<(String, Documentation)> {
    let docs: Vec<(&str, Option<&Documentation>)> = vec![
        // table function docs: one line each
        (tf_idf::NAME, tf_idf::TfIdfFunction.documentation()),
        (lda::TOPICS_NAME, lda::LdaTopicsFunction.documentation()),
        (
            lda::DOCUMENTS_NAME,
            lda::LdaDocumentsFunction.documentation(),
        ),
    ];
    docs.into_iter()
        .filter_map(|(name, doc)| doc.map(|d| (name.to_string(), d.clone())))
        .collect()
}
