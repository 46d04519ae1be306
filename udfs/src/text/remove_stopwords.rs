//! `remove_stopwords(tokens [, stopwords [, case_sensitive]])`: Spark ML's
//! `StopWordsRemover`.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion_macros::user_doc;

use super::token_lists::{
    coerce_token_list, constant_bool, constant_string_list, for_each_token_list, into_result,
    lowercase_into, result_rows, token_list_builder, token_list_type,
};

/// Spark's default English stop words (`StopWordsRemover.loadDefaultStopWords("english")`,
/// 181 words, from spark/mllib/src/main/resources/org/apache/spark/ml/feature/stopwords).
pub const SPARK_ENGLISH_STOPWORDS: &str = include_str!("data/spark_english_stopwords.txt");

static DEFAULT_STOPWORDS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    SPARK_ENGLISH_STOPWORDS
        .lines()
        .map(str::to_string)
        .collect()
});

#[user_doc(
    doc_section(label = "Text Functions"),
    description = "Spark ML's `StopWordsRemover`: removes stop words from a list of tokens, \
keeping the others in order. The default list is Spark's English list (181 words, e.g. \
`the`, `and`, `not`, `don't`, `won't`); a second argument gives your own list instead. \
Matching ignores case unless `case_sensitive` is true (Spark's default is false). Tokens \
are compared whole, so tokenize first. NULL elements are kept (Spark fails on them); a \
NULL list gives NULL. The stop-word list and the flag must be constants.",
    syntax_example = "remove_stopwords(tokens [, stopwords [, case_sensitive]])",
    sql_example = r#"```sql
> SELECT remove_stopwords(tokenize('The battery is NOT what I expected'));
+---------------------------+
| [battery, expected]       |
+---------------------------+
> SELECT remove_stopwords(['the', 'acme', 'phone'], ['acme']);
+-------------------+
| [the, phone]      |
+-------------------+
```"#,
    argument(
        name = "tokens",
        description = "List of strings, e.g. `tokenize(text)`."
    ),
    argument(
        name = "stopwords",
        description = "Optional list of stop words replacing Spark's English list."
    ),
    argument(
        name = "case_sensitive",
        description = "Whether matching is case sensitive (default false)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RemoveStopwords {
    signature: Signature,
}

impl Default for RemoveStopwords {
    fn default() -> Self {
        Self::new()
    }
}

impl RemoveStopwords {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for RemoveStopwords {
    fn name(&self) -> &str {
        "remove_stopwords"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        match arg_types {
            [tokens] => Ok(vec![coerce_token_list(name, "the tokens", tokens)?]),
            [tokens, stopwords, rest @ ..] if rest.len() <= 1 => {
                let mut types = vec![
                    coerce_token_list(name, "the tokens", tokens)?,
                    coerce_token_list(name, "the stop words", stopwords)?,
                ];
                if let Some(flag) = rest.first() {
                    if !(flag.is_null() || flag == &DataType::Boolean) {
                        return plan_err!("{name}: case_sensitive must be a boolean, got {flag}");
                    }
                    types.push(DataType::Boolean);
                }
                Ok(types)
            }
            _ => plan_err!(
                "{name} expects remove_stopwords(tokens [, stopwords [, case_sensitive]]), got {} arguments",
                arg_types.len()
            ),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(token_list_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let Some(tokens) = args.args.first() else {
            return exec_err!("{name} expects a list of tokens");
        };
        let case_sensitive = constant_bool(name, "case_sensitive", args.args.get(2), false)?;
        let custom: Option<HashSet<String>> = match args.args.get(1) {
            None => None,
            Some(list) => Some(
                constant_string_list(name, "the stop-word list", list)?
                    .into_iter()
                    .map(|w| if case_sensitive { w } else { w.to_lowercase() })
                    .collect(),
            ),
        };
        let stopwords = custom.as_ref().unwrap_or(&*DEFAULT_STOPWORDS);

        let (rows, scalar) = result_rows(&args.args, args.number_rows);
        let tokens = tokens.to_array(rows)?;
        let mut out = token_list_builder(rows, 8);
        let mut lower = String::new();
        for_each_token_list(name, &tokens, |row| {
            let Some(row) = row else {
                out.append_null();
                return Ok(());
            };
            for token in row.iter() {
                match token {
                    None => out.values().append_null(),
                    Some(token) => {
                        let key = if case_sensitive {
                            token
                        } else {
                            lowercase_into(token, &mut lower)
                        };
                        if !stopwords.contains(key) {
                            out.values().append_value(token);
                        }
                    }
                }
            }
            out.append(true);
            Ok(())
        })?;
        into_result(Arc::new(out.finish()), scalar)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::token_lists::{invoke, string_rows, token_lists};
    use datafusion::common::ScalarValue;

    #[test]
    fn spark_default_list() {
        assert_eq!(DEFAULT_STOPWORDS.len(), 181);
        for word in [
            "i", "the", "not", "don't", "won't", "would", "could", "cannot",
        ] {
            assert!(DEFAULT_STOPWORDS.contains(word), "{word}");
        }
        // Spark removed "won" from the list (SPARK-18374).
        assert!(!DEFAULT_STOPWORDS.contains("won"));
    }

    /// Cases from Spark's StopWordsRemoverSuite.
    #[test]
    fn removes_like_spark() -> Result<()> {
        let input = token_lists(&[
            Some(vec!["test", "test"]),
            Some(vec!["a", "b", "c", "d"]),
            Some(vec!["a", "the", "an"]),
            Some(vec!["A", "The", "AN"]),
            Some(vec![]),
            None,
        ]);
        let out = string_rows(&invoke(&RemoveStopwords::new(), vec![input], 6)?);
        assert_eq!(
            out,
            vec![
                Some(vec!["test".to_string(), "test".to_string()]),
                Some(vec!["b".into(), "c".into(), "d".into()]),
                Some(vec![]),
                Some(vec![]),
                Some(vec![]),
                None
            ]
        );
        Ok(())
    }

    #[test]
    fn custom_list_and_case_sensitivity() -> Result<()> {
        let list = ScalarValue::List(ScalarValue::new_list_nullable(
            &[ScalarValue::from("python"), ScalarValue::from("Scala")],
            &DataType::Utf8,
        ));
        let input = || token_lists(&[Some(vec!["python", "scala", "a", "Python"])]);
        let insensitive = invoke(
            &RemoveStopwords::new(),
            vec![input(), ColumnarValue::Scalar(list.clone())],
            1,
        )?;
        assert_eq!(string_rows(&insensitive), vec![Some(vec!["a".to_string()])]);
        let sensitive = invoke(
            &RemoveStopwords::new(),
            vec![
                input(),
                ColumnarValue::Scalar(list),
                ColumnarValue::Scalar(ScalarValue::Boolean(Some(true))),
            ],
            1,
        )?;
        assert_eq!(
            string_rows(&sensitive),
            vec![Some(vec![
                "scala".to_string(),
                "a".to_string(),
                "Python".to_string()
            ])]
        );
        Ok(())
    }
}
