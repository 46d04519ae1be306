//! The corpus step shared by the text table functions (`tf_idf`, `lda_topics`,
//! `lda_documents`): Spark ML's `CountVectorizer` over a documents input.
//!
//! The input has an id column (any type; it is carried to the output unchanged) and a
//! tokens column (a list of strings). Every row is a document: a NULL list is a document
//! without tokens, NULL tokens are ignored. The vocabulary is Spark's: the terms whose
//! document frequency is at least `min_df` (and at most `max_df`), then the `vocab_size`
//! terms with the highest total count, ordered by total count descending. Spark leaves
//! the order of terms with equal counts unspecified; here they are ordered by term
//! (byte-wise ascending), so results are reproducible.
//!
//! Tokens are interned once, straight from the Arrow string buffers (no per-token
//! allocation); documents become sparse (term index, count) rows.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{
    new_empty_array, Array, ArrayAccessor, ArrayRef, AsArray, GenericListArray, OffsetSizeTrait,
    StringArray,
};
use datafusion::arrow::compute::concat;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::TableFunctionArgs;
use datafusion::common::{exec_err, plan_err, DataFusionError, Result};
use datafusion::logical_expr::LogicalPlan;

use crate::table_function::{call_input, column_index, string_arg, Options};

/// The options of the vocabulary, shared by every corpus table function.
pub const VECTORIZER_OPTIONS: &[&str] = &["vocab_size", "min_df", "max_df"];

/// Spark's default `vocabSize` (2^18).
pub const DEFAULT_VOCAB_SIZE: usize = 1 << 18;

/// Spark `CountVectorizer` parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VectorizerOptions {
    /// The maximum number of terms kept (the most frequent ones).
    pub vocab_size: usize,
    /// Minimum document frequency: a count of documents when >= 1, else a fraction.
    pub min_df: f64,
    /// Maximum document frequency, same convention; `None` = unlimited.
    pub max_df: Option<f64>,
}

impl Default for VectorizerOptions {
    fn default() -> Self {
        Self {
            vocab_size: DEFAULT_VOCAB_SIZE,
            min_df: 1.0,
            max_df: None,
        }
    }
}

impl VectorizerOptions {
    /// Reads `vocab_size`, `min_df` and `max_df` from the options.
    pub fn parse(function: &str, options: &Options) -> Result<Self> {
        let vocab_size = options.usize_or("vocab_size", DEFAULT_VOCAB_SIZE)?;
        if vocab_size == 0 || vocab_size > i32::MAX as usize {
            return plan_err!(
                "{function}: vocab_size must be between 1 and {}, got {vocab_size}",
                i32::MAX
            );
        }
        let min_df = options.f64_or("min_df", 1.0)?;
        if !(min_df.is_finite() && min_df >= 0.0) {
            return plan_err!(
                "{function}: min_df must be a non-negative number (a count of documents when >= 1, else a fraction), got {min_df}"
            );
        }
        let max_df = match options.get("max_df") {
            None => None,
            Some(_) => {
                let max_df = options.f64_or("max_df", 0.0)?;
                if !(max_df.is_finite() && max_df >= 0.0) {
                    return plan_err!(
                        "{function}: max_df must be a non-negative number (a count of documents when >= 1, else a fraction), got {max_df}"
                    );
                }
                Some(max_df)
            }
        };
        Ok(Self {
            vocab_size,
            min_df,
            max_df,
        })
    }
}

/// A parsed call `f(input, 'id_column', 'tokens_column' [, options...])`.
pub struct CorpusCall {
    pub input: LogicalPlan,
    /// The id column's field (name and type), nullable, for the output.
    pub id_field: Field,
    pub columns: CorpusColumns,
    pub options: Options,
    pub vectorizer: VectorizerOptions,
}

/// Where the documents are in the input batches.
#[derive(Debug, Clone)]
pub struct CorpusColumns {
    pub id: usize,
    pub tokens: usize,
    /// The id column's type (for an empty input's empty id column).
    pub id_type: DataType,
}

impl CorpusCall {
    /// Parses the call, accepting the vocabulary options and `extra_options`.
    pub fn parse(function: &str, args: &TableFunctionArgs, extra_options: &[&str]) -> Result<Self> {
        let usage = "(input, 'id_column', 'tokens_column' [, 'option => value, ...'])";
        let (input, schema, exprs) = call_input(function, args, 3, usage)?;
        let id_name = string_arg(function, 2, &exprs[1])?;
        let tokens_name = string_arg(function, 3, &exprs[2])?;
        let fields: Vec<&Field> = schema.fields().iter().map(|f| f.as_ref()).collect();
        let id = column_index(function, "id", id_name.trim(), &fields)?;
        let tokens = column_index(function, "tokens", tokens_name.trim(), &fields)?;
        check_tokens_type(function, schema.field(tokens))?;
        let allowed: Vec<&str> = VECTORIZER_OPTIONS
            .iter()
            .chain(extra_options)
            .copied()
            .collect();
        let options = Options::parse(function, &exprs[3..], 4, &allowed)?;
        let vectorizer = VectorizerOptions::parse(function, &options)?;
        Ok(Self {
            input,
            id_field: schema.field(id).clone().with_nullable(true),
            columns: CorpusColumns {
                id,
                tokens,
                id_type: schema.field(id).data_type().clone(),
            },
            options,
            vectorizer,
        })
    }

    /// The output fields: the id column then `rest`; an error if a name is taken twice.
    pub fn output_schema(&self, function: &str, rest: Vec<Field>) -> Result<Arc<Schema>> {
        if let Some(clash) = rest.iter().find(|f| f.name() == self.id_field.name()) {
            return plan_err!(
                "{function}: the id column must not be named '{}', an output column of {function}; rename it in the input query",
                clash.name()
            );
        }
        Ok(Arc::new(Schema::new(
            std::iter::once(self.id_field.clone())
                .chain(rest)
                .collect::<Vec<_>>(),
        )))
    }
}

fn is_string(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

fn check_tokens_type(function: &str, field: &Field) -> Result<()> {
    match field.data_type() {
        DataType::List(item) | DataType::LargeList(item) if is_string(item.data_type()) => Ok(()),
        other => plan_err!(
            "{function}: tokens column '{}' must be a list of strings (e.g. tokenize(text)), got {other}",
            field.name()
        ),
    }
}

/// A vectorised corpus: the vocabulary and every document's term counts.
#[derive(Debug)]
pub struct Corpus {
    /// The id of every document, in input order (the input's id type).
    pub ids: ArrayRef,
    /// The vocabulary, by term index.
    pub vocabulary: StringArray,
    /// Number of documents containing each vocabulary term.
    pub doc_freq: Vec<u64>,
    /// Total count of each vocabulary term over the corpus.
    pub term_count: Vec<u64>,
    /// Document d's terms are `term_indices[doc_offsets[d]..doc_offsets[d + 1]]`
    /// (ascending), with `counts` alongside.
    pub doc_offsets: Vec<usize>,
    pub term_indices: Vec<u32>,
    pub counts: Vec<u32>,
}

impl Corpus {
    pub fn num_docs(&self) -> usize {
        self.doc_offsets.len().saturating_sub(1)
    }

    pub fn vocab_len(&self) -> usize {
        self.vocabulary.len()
    }

    /// The (term index, count) entries of document `doc`.
    pub fn doc(&self, doc: usize) -> (&[u32], &[u32]) {
        let range = self.doc_offsets[doc]..self.doc_offsets[doc + 1];
        (&self.term_indices[range.clone()], &self.counts[range])
    }
}

/// FxHash (rustc's hasher): fast for short keys; the keys are the corpus' own tokens.
#[derive(Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Pass 1 state: every distinct token with its counts, and each document's tokens.
struct Interner<'a> {
    ids: FxMap<&'a str, u32>,
    terms: Vec<&'a str>,
    total: Vec<u64>,
    doc_freq: Vec<u64>,
    /// The last document a term was seen in (for document frequencies in one pass).
    last_doc: Vec<usize>,
    /// Every document's token ids, flat, with `offsets`.
    tokens: Vec<u32>,
    offsets: Vec<usize>,
}

impl<'a> Interner<'a> {
    #[inline]
    fn add(&mut self, token: &'a str, doc: usize) {
        let next = self.terms.len() as u32;
        let id = *self.ids.entry(token).or_insert(next);
        if id == next {
            self.terms.push(token);
            self.total.push(0);
            self.doc_freq.push(0);
            self.last_doc.push(usize::MAX);
        }
        let i = id as usize;
        self.total[i] += 1;
        if self.last_doc[i] != doc {
            self.last_doc[i] = doc;
            self.doc_freq[i] += 1;
        }
        self.tokens.push(id);
    }

    fn end_doc(&mut self) {
        self.offsets.push(self.tokens.len());
    }

    fn add_strings<S>(&mut self, strings: S, start: usize, end: usize, doc: usize)
    where
        S: ArrayAccessor<Item = &'a str>,
    {
        let has_nulls = strings.null_count() > 0;
        for i in start..end {
            if has_nulls && strings.is_null(i) {
                continue;
            }
            self.add(strings.value(i), doc);
        }
    }

    fn add_lists<O: OffsetSizeTrait>(
        &mut self,
        lists: &'a GenericListArray<O>,
        first_doc: usize,
    ) -> Result<()> {
        let values = lists.values();
        let offsets = lists.value_offsets();
        for row in 0..lists.len() {
            let doc = first_doc + row;
            if lists.is_valid(row) {
                let (start, end) = (offsets[row].as_usize(), offsets[row + 1].as_usize());
                match values.data_type() {
                    DataType::Utf8 => self.add_strings(values.as_string::<i32>(), start, end, doc),
                    DataType::LargeUtf8 => {
                        self.add_strings(values.as_string::<i64>(), start, end, doc)
                    }
                    DataType::Utf8View => {
                        self.add_strings(values.as_string_view(), start, end, doc)
                    }
                    other => return exec_err!("tokens must be strings, got {other}"),
                }
            }
            self.end_doc();
        }
        Ok(())
    }
}

/// The minimum/maximum document frequency as a count, the way Spark reads them.
fn df_threshold(value: f64, num_docs: usize) -> f64 {
    if value >= 1.0 {
        value
    } else {
        value * num_docs as f64
    }
}

/// Builds the vocabulary and the documents' term counts (Spark `CountVectorizer`).
pub fn vectorize(
    function: &str,
    batches: &[RecordBatch],
    columns: &CorpusColumns,
    options: &VectorizerOptions,
) -> Result<Corpus> {
    let num_docs: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let mut interner = Interner {
        ids: FxMap::default(),
        terms: Vec::new(),
        total: Vec::new(),
        doc_freq: Vec::new(),
        last_doc: Vec::new(),
        tokens: Vec::new(),
        offsets: Vec::with_capacity(num_docs + 1),
    };
    interner.offsets.push(0);
    let mut first_doc = 0;
    for batch in batches {
        let column = batch.column(columns.tokens);
        let result = match column.data_type() {
            DataType::List(_) => interner.add_lists(column.as_list::<i32>(), first_doc),
            DataType::LargeList(_) => interner.add_lists(column.as_list::<i64>(), first_doc),
            DataType::Null => {
                (0..batch.num_rows()).for_each(|_| interner.end_doc());
                Ok(())
            }
            other => exec_err!("tokens must be a list of strings, got {other}"),
        };
        result.map_err(|e| DataFusionError::Execution(format!("{function}: {e}")))?;
        first_doc += batch.num_rows();
    }

    let min_df = df_threshold(options.min_df, num_docs);
    let max_df = options.max_df.map(|m| df_threshold(m, num_docs));
    if let Some(max_df) = max_df {
        if max_df < min_df {
            return exec_err!(
                "{function}: max_df ({max_df} documents) must be >= min_df ({min_df} documents)"
            );
        }
    }
    let mut candidates: Vec<u32> = (0..interner.terms.len() as u32)
        .filter(|&t| {
            let df = interner.doc_freq[t as usize] as f64;
            df >= min_df && max_df.is_none_or(|m| df <= m)
        })
        .collect();
    // Total count descending, then term ascending: a total order, so the selection is
    // deterministic.
    let order = |a: &u32, b: &u32| {
        let (a, b) = (*a as usize, *b as usize);
        interner.total[b]
            .cmp(&interner.total[a])
            .then_with(|| interner.terms[a].cmp(interner.terms[b]))
    };
    if candidates.len() > options.vocab_size {
        candidates.select_nth_unstable_by(options.vocab_size - 1, order);
        candidates.truncate(options.vocab_size);
    }
    candidates.sort_unstable_by(order);

    let mut to_vocab = vec![u32::MAX; interner.terms.len()];
    for (index, &raw) in candidates.iter().enumerate() {
        to_vocab[raw as usize] = index as u32;
    }
    let vocabulary: StringArray = candidates
        .iter()
        .map(|&raw| Some(interner.terms[raw as usize]))
        .collect();
    let doc_freq = candidates
        .iter()
        .map(|&raw| interner.doc_freq[raw as usize])
        .collect();
    let term_count = candidates
        .iter()
        .map(|&raw| interner.total[raw as usize])
        .collect();

    // Pass 2: each document's vocabulary indices, sorted, run-length encoded.
    let mut doc_offsets = Vec::with_capacity(num_docs + 1);
    doc_offsets.push(0);
    let mut term_indices = Vec::new();
    let mut counts = Vec::new();
    let mut scratch: Vec<u32> = Vec::new();
    for doc in 0..num_docs {
        let tokens = &interner.tokens[interner.offsets[doc]..interner.offsets[doc + 1]];
        scratch.clear();
        scratch.extend(
            tokens
                .iter()
                .map(|&t| to_vocab[t as usize])
                .filter(|&v| v != u32::MAX),
        );
        scratch.sort_unstable();
        for run in scratch.chunk_by(|a, b| a == b) {
            term_indices.push(run[0]);
            counts.push(run.len() as u32);
        }
        doc_offsets.push(term_indices.len());
    }

    Ok(Corpus {
        ids: id_column(batches, columns)?,
        vocabulary,
        doc_freq,
        term_count,
        doc_offsets,
        term_indices,
        counts,
    })
}

/// The id column of all batches as one array.
fn id_column(batches: &[RecordBatch], columns: &CorpusColumns) -> Result<ArrayRef> {
    match batches {
        [] => Ok(new_empty_array(&columns.id_type)),
        [one] => Ok(Arc::clone(one.column(columns.id))),
        _ => {
            let arrays: Vec<&dyn Array> = batches
                .iter()
                .map(|b| b.column(columns.id).as_ref())
                .collect();
            Ok(concat(&arrays)?)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, ListBuilder, StringBuilder, StringViewBuilder};

    fn batch(docs: &[Option<Vec<Option<&str>>>]) -> RecordBatch {
        let mut lists = ListBuilder::new(StringBuilder::new());
        for doc in docs {
            match doc {
                None => lists.append_null(),
                Some(tokens) => {
                    for t in tokens {
                        lists.values().append_option(*t);
                    }
                    lists.append(true);
                }
            }
        }
        let ids = Int64Array::from_iter_values(0..docs.len() as i64);
        RecordBatch::try_from_iter(vec![
            ("id", Arc::new(ids) as ArrayRef),
            ("tokens", Arc::new(lists.finish()) as ArrayRef),
        ])
        .unwrap()
    }

    const COLUMNS: &CorpusColumns = &CorpusColumns {
        id: 0,
        tokens: 1,
        id_type: DataType::Int64,
    };

    fn vocab(corpus: &Corpus) -> Vec<&str> {
        corpus.vocabulary.iter().map(|t| t.unwrap()).collect()
    }

    #[test]
    fn counts_terms_and_orders_vocabulary() {
        let b = batch(&[
            Some(vec![Some("a"), Some("b"), Some("a"), None]),
            None,
            Some(vec![Some("c"), Some("b"), Some("a")]),
            Some(vec![]),
        ]);
        let corpus = vectorize("t", &[b], COLUMNS, &VectorizerOptions::default()).unwrap();
        assert_eq!(corpus.num_docs(), 4);
        // a: 3, b: 2, c: 1
        assert_eq!(vocab(&corpus), ["a", "b", "c"]);
        assert_eq!(corpus.term_count, [3, 2, 1]);
        assert_eq!(corpus.doc_freq, [2, 2, 1]);
        assert_eq!(corpus.doc(0), (&[0u32, 1][..], &[2u32, 1][..]));
        assert_eq!(corpus.doc(1), (&[][..], &[][..]));
        assert_eq!(corpus.doc(2), (&[0u32, 1, 2][..], &[1u32, 1, 1][..]));
        assert_eq!(corpus.doc(3), (&[][..], &[][..]));
        assert_eq!(corpus.ids.len(), 4);
    }

    #[test]
    fn ties_by_term_and_vocab_size() {
        let b = batch(&[Some(vec![Some("z"), Some("y"), Some("x"), Some("x")])]);
        let options = VectorizerOptions {
            vocab_size: 2,
            ..Default::default()
        };
        let corpus = vectorize("t", &[b], COLUMNS, &options).unwrap();
        assert_eq!(vocab(&corpus), ["x", "y"]);
        assert_eq!(corpus.doc(0), (&[0u32, 1][..], &[2u32, 1][..]));
    }

    #[test]
    fn min_df_count_and_fraction() {
        let docs = [
            Some(vec![Some("a"), Some("b")]),
            Some(vec![Some("a"), Some("c")]),
            Some(vec![Some("a"), Some("b")]),
            Some(vec![Some("d"), Some("d"), Some("d")]),
        ];
        let run = |min_df: f64, max_df: Option<f64>| {
            let options = VectorizerOptions {
                min_df,
                max_df,
                ..Default::default()
            };
            vocab(&vectorize("t", &[batch(&docs)], COLUMNS, &options).unwrap())
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>()
        };
        assert_eq!(run(2.0, None), ["a", "b"]);
        // 0.5 * 4 documents = 2
        assert_eq!(run(0.5, None), ["a", "b"]);
        assert_eq!(run(0.75, None), ["a"]);
        assert_eq!(run(1.0, Some(2.0)), ["d", "b", "c"]);
        assert_eq!(run(1.0, Some(0.25)), ["d", "c"]);
        let options = VectorizerOptions {
            min_df: 3.0,
            max_df: Some(2.0),
            ..Default::default()
        };
        assert!(vectorize("t", &[batch(&docs)], COLUMNS, &options).is_err());
    }

    #[test]
    fn string_views_and_several_batches() {
        let mut lists = ListBuilder::new(StringViewBuilder::new());
        lists.values().append_value("ünïcödé 🎉");
        lists
            .values()
            .append_value("a much longer token than twelve bytes");
        lists.append(true);
        let second = RecordBatch::try_from_iter(vec![
            ("id", Arc::new(Int64Array::from(vec![7])) as ArrayRef),
            ("tokens", Arc::new(lists.finish()) as ArrayRef),
        ])
        .unwrap();
        let first = batch(&[Some(vec![Some("ünïcödé 🎉")])]);
        // Different list element types per batch do not happen in one relation, but the
        // reader handles each batch on its own.
        let corpus = vectorize("t", &[first, second], COLUMNS, &Default::default()).unwrap();
        assert_eq!(
            vocab(&corpus),
            ["ünïcödé 🎉", "a much longer token than twelve bytes"]
        );
        assert_eq!(corpus.doc_freq, [2, 1]);
        let ids = corpus.ids.as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!(ids.values(), &[0, 7]);
    }

    #[test]
    fn empty_input() {
        let corpus = vectorize("t", &[], COLUMNS, &Default::default()).unwrap();
        assert_eq!(corpus.num_docs(), 0);
        assert_eq!(corpus.vocab_len(), 0);
    }
}
