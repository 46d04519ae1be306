//! `sentiment(text)`: VADER sentiment scores (vaderSentiment 3.3.2, see `vader.rs`) and
//! a label, as a struct.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Builder, StringBuilder, StructArray};
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion_macros::user_doc;

use super::token_lists::{coerce_text, for_each_str, into_result, result_rows};
use super::vader::{polarity_scores_with, Scratch};

/// The label of a compound score, with the usual VADER thresholds (±0.05).
pub fn label(compound: f64) -> &'static str {
    if compound >= 0.05 {
        "positive"
    } else if compound <= -0.05 {
        "negative"
    } else {
        "neutral"
    }
}

#[user_doc(
    doc_section(label = "Text Functions"),
    description = "VADER sentiment of a text, reproducing vaderSentiment 3.3.2's \
`SentimentIntensityAnalyzer().polarity_scores(text)` rule for rule (its lexicon and emoji \
lexicon, MIT-licensed, ship with Ignis as data): negations (incl. \"n't\" words), boosters \
and dampeners (\"very\", \"kind of\", \"barely\"), \"but\", \"least\", \"no\", ALL-CAPS \
emphasis when the text mixes case, \"!\" and \"?\" amplification, emoticons, emoji (scored \
through their descriptions) and the special idioms, with 3.3.2's quirks and rounding. \
Returns a struct: `compound` (normalised score in [-1, 1], 4 decimals), `positive`, \
`neutral`, `negative` (shares of the text, 3 decimals) and `label`: 'positive' when \
compound >= 0.05, 'negative' when compound <= -0.05, else 'neutral'. Read fields with \
`sentiment(text)['compound']` or `s.compound` on an aliased column. VADER is English and \
sentence-level: score sentences or short texts (a long document is one big sum that \
saturates towards ±1). NULL gives a NULL struct (and NULL fields); the empty string and whitespace-only or \
word-less text give all-zero scores and 'neutral' (as vaderSentiment); any text, \
including non-ASCII, emoji and megabyte-long values, is scored without error.",
    syntax_example = "sentiment(text)",
    sql_example = r#"```sql
> SELECT sentiment('The book was good.');
+-----------------------------------------------------------------------------------------+
| {compound: 0.4404, positive: 0.492, neutral: 0.508, negative: 0.0, label: positive}       |
+-----------------------------------------------------------------------------------------+
> SELECT s.compound, s.label FROM (SELECT sentiment('VADER is not smart, handsome, nor funny.') AS s);
+---------+----------+
| -0.7424 | negative |
+---------+----------+
```"#,
    argument(name = "text", description = "String (a sentence or short text).")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Sentiment {
    signature: Signature,
}

impl Default for Sentiment {
    fn default() -> Self {
        Self::new()
    }
}

impl Sentiment {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Immutable),
        }
    }

    /// The fields of the result struct.
    pub fn result_fields() -> Fields {
        Fields::from(vec![
            Field::new("compound", DataType::Float64, true),
            Field::new("positive", DataType::Float64, true),
            Field::new("neutral", DataType::Float64, true),
            Field::new("negative", DataType::Float64, true),
            Field::new("label", DataType::Utf8, true),
        ])
    }
}

/// Scores every row of a string array into the result struct (NULL rows are NULL
/// structs with NULL fields).
fn sentiment_array(name: &str, text: &ArrayRef) -> Result<ArrayRef> {
    let rows = text.len();
    let mut compound = Float64Builder::with_capacity(rows);
    let mut positive = Float64Builder::with_capacity(rows);
    let mut neutral = Float64Builder::with_capacity(rows);
    let mut negative = Float64Builder::with_capacity(rows);
    let mut labels = StringBuilder::with_capacity(rows, rows * 8);
    let mut scratch = Scratch::new();
    for_each_str(name, text, |value| {
        let Some(value) = value else {
            // NULL fields too: DataFusion's field access does not apply the struct's
            // nulls to the field it extracts.
            compound.append_null();
            positive.append_null();
            neutral.append_null();
            negative.append_null();
            labels.append_null();
            return Ok(());
        };
        let scores = polarity_scores_with(&mut scratch, value);
        compound.append_value(scores.compound);
        positive.append_value(scores.positive);
        neutral.append_value(scores.neutral);
        negative.append_value(scores.negative);
        labels.append_value(label(scores.compound));
        Ok(())
    })?;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(compound.finish()),
        Arc::new(positive.finish()),
        Arc::new(neutral.finish()),
        Arc::new(negative.finish()),
        Arc::new(labels.finish()),
    ];
    let nulls = text.logical_nulls();
    Ok(Arc::new(StructArray::try_new(
        Sentiment::result_fields(),
        columns,
        nulls,
    )?))
}

impl ScalarUDFImpl for Sentiment {
    fn name(&self) -> &str {
        "sentiment"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let [text] = arg_types else {
            return plan_err!(
                "sentiment expects sentiment(text), got {} arguments",
                arg_types.len()
            );
        };
        Ok(vec![coerce_text(self.name(), "the text", text)?])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(Self::result_fields()))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [text] = args.args.as_slice() else {
            return exec_err!("sentiment expects sentiment(text)");
        };
        let (rows, scalar) = result_rows(&args.args, args.number_rows);
        let text = text.to_array(rows)?;
        into_result(sentiment_array(self.name(), &text)?, scalar)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{
        Array, AsArray, LargeStringArray, NullArray, StringArray, StringViewArray,
    };
    use datafusion::arrow::datatypes::Float64Type;

    fn field(array: &ArrayRef, name: &str) -> Vec<f64> {
        let s = array.as_struct();
        s.column_by_name(name)
            .unwrap()
            .as_primitive::<Float64Type>()
            .values()
            .to_vec()
    }

    fn labels(array: &ArrayRef) -> Vec<String> {
        array
            .as_struct()
            .column_by_name("label")
            .unwrap()
            .as_string::<i32>()
            .iter()
            .map(|v| v.unwrap_or("NULL").to_string())
            .collect()
    }

    /// Scores printed by vaderSentiment 3.3.2 (udfs/tests/fixtures/text/vader_golden.tsv).
    #[test]
    fn known_sentences() {
        let text: ArrayRef = Arc::new(StringArray::from(vec![
            Some("The book was good."),
            Some("VADER is not smart, handsome, nor funny."),
            None,
            Some(""),
            Some("Catch utf-8 emoji such as 💘 and 💋 and 😁"),
            Some("I ❤️ it"),
            Some("Sentiment analysis has never been this good!"),
            Some("The book was only kind of good."),
        ]));
        let out = sentiment_array("sentiment", &text).unwrap();
        assert_eq!(out.null_count(), 1);
        assert!(out.is_null(2));
        assert!(out.as_struct().column(0).is_null(2));
        assert_eq!(labels(&out)[2], "NULL");
        let compound = field(&out, "compound");
        assert_eq!(compound[0], 0.4404);
        assert_eq!(compound[1], -0.7424);
        assert_eq!(compound[3], 0.0);
        assert_eq!(compound[4], 0.875);
        // U+2764 U+FE0F: the heart is replaced, the variation selector sticks to "heart".
        assert_eq!(compound[5], 0.0);
        assert_eq!(compound[6], 0.5672);
        assert_eq!(compound[7], 0.3832);
        assert_eq!(field(&out, "positive")[0], 0.492);
        assert_eq!(field(&out, "neutral")[0], 0.508);
        assert_eq!(field(&out, "negative")[1], 0.646);
        // vaderSentiment gives 0.0 for every score of the empty string.
        assert_eq!(field(&out, "neutral")[3], 0.0);
        assert_eq!(labels(&out)[0], "positive");
        assert_eq!(labels(&out)[1], "negative");
        assert_eq!(labels(&out)[3], "neutral");
    }

    #[test]
    fn string_types() {
        let values = vec![Some("good"), None, Some("bad!!!")];
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(values.clone())),
            Arc::new(LargeStringArray::from(values.clone())),
            Arc::new(StringViewArray::from(values)),
        ];
        for text in arrays {
            let out = sentiment_array("sentiment", &text).unwrap();
            assert_eq!(field(&out, "compound")[0], 0.4404);
            assert!(out.is_null(1));
            assert!(field(&out, "compound")[2] < -0.5);
        }
        let nulls: ArrayRef = Arc::new(NullArray::new(3));
        let out = sentiment_array("sentiment", &nulls).unwrap();
        assert_eq!(out.null_count(), 3);
    }

    #[test]
    fn coercion() {
        let udf = Sentiment::new();
        assert_eq!(
            udf.coerce_types(&[DataType::Utf8View]).unwrap(),
            vec![DataType::Utf8View]
        );
        assert_eq!(
            udf.coerce_types(&[DataType::Null]).unwrap(),
            vec![DataType::Utf8]
        );
        let err = udf.coerce_types(&[DataType::Int64]).unwrap_err();
        assert!(err.to_string().contains("sentiment"), "{err}");
        let err = udf.coerce_types(&[]).unwrap_err();
        assert!(err.to_string().contains("sentiment(text)"), "{err}");
    }

    #[test]
    fn bad_input_never_panics() {
        let big = "Not bad at ALL!!! but the staff was kind of rude :( 😡 ".repeat(20_000);
        let text: ArrayRef = Arc::new(StringArray::from(vec![
            big.as_str(),
            "!!!???...,,,;;;",
            "((((((((",
            "'''\"\"\"",
            ":-):-(:D",
            "\u{0}\u{1}\u{1c}\u{7f}",
            "\u{fe0f}\u{200d}\u{1f3fb}",
            "日本語のテキスト",
            "n't n't n't but but",
        ]));
        let out = sentiment_array("sentiment", &text).unwrap();
        for c in field(&out, "compound") {
            assert!((-1.0..=1.0).contains(&c));
        }
        assert_eq!(labels(&out)[1], "neutral");
    }

    #[test]
    fn thresholds() {
        assert_eq!(label(0.05), "positive");
        assert_eq!(label(0.0499), "neutral");
        assert_eq!(label(-0.05), "negative");
        assert_eq!(label(-0.0499), "neutral");
    }
}
