//! `stem(word_or_tokens)`: Snowball English stemming (rust-stemmers).

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::StringBuilder;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion_macros::user_doc;
use rust_stemmers::{Algorithm, Stemmer};

use super::token_lists::{
    coerce_text, coerce_token_list, for_each_str, for_each_token_list, into_result, result_rows,
    token_list_builder, token_list_type,
};

static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

#[user_doc(
    doc_section(label = "Text Functions"),
    description = "Stems a word, or every token of a list, with the Snowball English \
stemmer (\"Porter2\", from the rust-stemmers crate): `running` → `run`, `connections` → \
`connect`, `generously` → `generous`. The seed uses NLTK's `PorterStemmer` (the original \
1980 Porter algorithm); Snowball English is its revision and stems most words the same \
way, but not all (e.g. `generously`: Porter `gener`, Snowball `generous`). Words are \
stemmed as given: pass lower-case tokens (`tokenize` lower-cases). Non-ASCII words are \
handled by the Snowball rules (accented letters are left alone). NULL in, NULL out; NULL \
list elements stay NULL.",
    syntax_example = "stem(word) | stem(tokens)",
    sql_example = r#"```sql
> SELECT stem('running'), stem(['connections', 'happily', 'studies']);
+-----+----------------------------+
| run | [connect, happili, studi]  |
+-----+----------------------------+
```"#,
    argument(
        name = "word_or_tokens",
        description = "A string, or a list of strings (e.g. `remove_stopwords(tokenize(text))`)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Stem {
    signature: Signature,
}

impl Default for Stem {
    fn default() -> Self {
        Self::new()
    }
}

impl Stem {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for Stem {
    fn name(&self) -> &str {
        "stem"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        let [arg] = arg_types else {
            return plan_err!(
                "{name} expects stem(word) or stem(tokens), got {} arguments",
                arg_types.len()
            );
        };
        match arg {
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => {
                Ok(vec![coerce_token_list(name, "the tokens", arg)?])
            }
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
                Ok(vec![coerce_text(name, "the word", arg)?])
            }
            other => plan_err!("{name}: expects a string or a list of strings, got {other}"),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types.first() {
            Some(DataType::List(_)) => Ok(token_list_type()),
            _ => Ok(DataType::Utf8),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let [input] = args.args.as_slice() else {
            return exec_err!("{name} expects one argument");
        };
        let (rows, scalar) = result_rows(&args.args, args.number_rows);
        let input = input.to_array(rows)?;
        let stemmer = &*ENGLISH;
        if matches!(input.data_type(), DataType::List(_)) {
            let mut out = token_list_builder(rows, 8);
            for_each_token_list(name, &input, |row| {
                let Some(row) = row else {
                    out.append_null();
                    return Ok(());
                };
                for token in row.iter() {
                    match token {
                        Some(token) => out.values().append_value(stemmer.stem(token)),
                        None => out.values().append_null(),
                    }
                }
                out.append(true);
                Ok(())
            })?;
            into_result(Arc::new(out.finish()), scalar)
        } else {
            let mut out = StringBuilder::with_capacity(rows, rows * 8);
            for_each_str(name, &input, |word| {
                out.append_option(word.map(|w| stemmer.stem(w)));
                Ok(())
            })?;
            into_result(Arc::new(out.finish()), scalar)
        }
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::token_lists::{invoke, string_rows, texts, token_lists};
    use datafusion::arrow::array::AsArray;

    /// Expected stems from the Snowball project's English vocabulary/output lists.
    #[test]
    fn snowball_english() -> Result<()> {
        let words = [
            ("running", "run"),
            ("connections", "connect"),
            ("generously", "generous"),
            ("happily", "happili"),
            ("studies", "studi"),
            ("consign", "consign"),
            ("consignment", "consign"),
            ("knightly", "knight"),
            ("skies", "sky"),
            ("dying", "die"),
            ("news", "news"),
            ("", ""),
        ];
        let input: Vec<Option<&str>> = words.iter().map(|(w, _)| Some(*w)).collect();
        let out = invoke(&Stem::new(), vec![texts(&input)], input.len())?;
        let out = out.as_string::<i32>();
        for (i, (word, stem)) in words.iter().enumerate() {
            assert_eq!(out.value(i), *stem, "{word}");
        }
        Ok(())
    }

    #[test]
    fn lists_and_nulls() -> Result<()> {
        let input = token_lists(&[Some(vec!["loved", "products"]), None, Some(vec![])]);
        let out = string_rows(&invoke(&Stem::new(), vec![input], 3)?);
        assert_eq!(
            out,
            vec![
                Some(vec!["love".to_string(), "product".to_string()]),
                None,
                Some(vec![])
            ]
        );
        let out = invoke(&Stem::new(), vec![texts(&[None, Some("café😀")])], 2)?;
        assert!(out.is_null(0));
        Ok(())
    }
}
