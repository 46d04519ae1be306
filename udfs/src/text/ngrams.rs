//! `ngrams(tokens [, n])`: Spark ML's `NGram`.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion_macros::user_doc;

use super::token_lists::{
    coerce_token_list, constant_int, for_each_token_list, into_result, result_rows,
    token_list_builder, token_list_type,
};

#[user_doc(
    doc_section(label = "Text Functions"),
    description = "Spark ML's `NGram`: the sequence of `n` consecutive tokens, each joined \
with a single space, in order. A list shorter than `n` gives an empty list, as Spark. `n` \
defaults to 2 (Spark's default) and must be a constant >= 1. NULL elements are skipped \
before forming n-grams; a NULL list gives NULL.",
    syntax_example = "ngrams(tokens [, n])",
    sql_example = r#"```sql
> SELECT ngrams(['hi', 'i', 'heard', 'about', 'spark'], 2);
+-------------------------------------------+
| [hi i, i heard, heard about, about spark] |
+-------------------------------------------+
```"#,
    argument(
        name = "tokens",
        description = "List of strings, e.g. `tokenize(text)`."
    ),
    argument(name = "n", description = "Number of tokens per n-gram (default 2).")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NGrams {
    signature: Signature,
}

impl Default for NGrams {
    fn default() -> Self {
        Self::new()
    }
}

impl NGrams {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for NGrams {
    fn name(&self) -> &str {
        "ngrams"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        match arg_types {
            [tokens] => Ok(vec![coerce_token_list(name, "the tokens", tokens)?]),
            [tokens, n] if n.is_integer() || n.is_null() => Ok(vec![
                coerce_token_list(name, "the tokens", tokens)?,
                DataType::Int64,
            ]),
            [_, n] => plan_err!("{name}: n must be an integer, got {n}"),
            _ => plan_err!(
                "{name} expects ngrams(tokens [, n]), got {} arguments",
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
        let n = constant_int(name, "n", args.args.get(1), 2)?;
        if n < 1 {
            return exec_err!("{name}: n must be >= 1, got {n}");
        }
        let n = n as usize;
        let (rows, scalar) = result_rows(&args.args, args.number_rows);
        let tokens = tokens.to_array(rows)?;
        let mut out = token_list_builder(rows, 8);
        let mut row_tokens: Vec<&str> = Vec::new();
        let mut gram = String::new();
        for_each_token_list(name, &tokens, |row| {
            let Some(row) = row else {
                out.append_null();
                return Ok(());
            };
            row_tokens.clear();
            row_tokens.extend(row.iter().flatten());
            for window in row_tokens.windows(n) {
                gram.clear();
                for (i, token) in window.iter().enumerate() {
                    if i > 0 {
                        gram.push(' ');
                    }
                    gram.push_str(token);
                }
                out.values().append_value(&gram);
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

    /// Cases from Spark's NGramSuite.
    #[test]
    fn like_spark() -> Result<()> {
        let input = || {
            token_lists(&[
                Some(vec!["Test", "for", "ngram", "."]),
                Some(vec!["a", "b"]),
                Some(vec![]),
                None,
            ])
        };
        let bigrams = string_rows(&invoke(&NGrams::new(), vec![input()], 4)?);
        assert_eq!(
            bigrams,
            vec![
                Some(vec![
                    "Test for".to_string(),
                    "for ngram".to_string(),
                    "ngram .".to_string()
                ]),
                Some(vec!["a b".to_string()]),
                Some(vec![]),
                None
            ]
        );
        let n = |v| ColumnarValue::Scalar(ScalarValue::Int64(Some(v)));
        let grams4 = string_rows(&invoke(&NGrams::new(), vec![input(), n(4)], 4)?);
        assert_eq!(grams4[0], Some(vec!["Test for ngram .".to_string()]));
        assert_eq!(grams4[1], Some(vec![]));
        // Longer than the input: empty, as Spark.
        let grams6 = string_rows(&invoke(&NGrams::new(), vec![input(), n(6)], 4)?);
        assert_eq!(grams6[0], Some(vec![]));
        assert!(invoke(&NGrams::new(), vec![input(), n(0)], 4).is_err());
        Ok(())
    }
}
