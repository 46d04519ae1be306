//! `regex_tokenize(text [, pattern [, gaps [, min_length [, to_lowercase]]]])`: Spark
//! ML's `RegexTokenizer`.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_datafusion_err, exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion_macros::user_doc;
use regex::Regex;

use super::token_lists::{
    coerce_text, constant_arg, constant_bool, constant_int, for_each_str, into_result,
    lowercase_into, result_rows, token_list_builder, token_list_type,
};

#[user_doc(
    doc_section(label = "Text Functions"),
    description = "Spark ML's `RegexTokenizer`. With `gaps` true (the default) the pattern \
matches the separators and the text is split at them; with `gaps` false the pattern \
matches the tokens themselves. The text is lower-cased first unless `to_lowercase` is \
false; tokens shorter than `min_length` characters (UTF-16 units, as Java; default 1) are \
dropped, which also drops the empty tokens a split can produce. Defaults follow Spark: \
pattern `\\s+`, gaps true, min_length 1, to_lowercase true. The pattern uses Rust `regex` \
syntax, which agrees with Java's for the usual classes (`\\w`, `\\s`, `\\d`, `[^...]`, \
`\\p{L}`); look-around and back-references are not supported and give an error. `\\w` \
and `\\d` are Unicode-aware here (Java's are ASCII-only unless `(?U)`); write `[a-z0-9]` \
for Java's ASCII behaviour. The pattern and options must be constants. NULL text gives \
NULL.",
    syntax_example = "regex_tokenize(text [, pattern [, gaps [, min_length [, to_lowercase]]]])",
    sql_example = r#"```sql
> SELECT regex_tokenize('Great product!! Loved it :)', '\W+');
+-------------------------------+
| [great, product, loved, it]   |
+-------------------------------+
> SELECT regex_tokenize('Call 555-1234 or 555-9876', '[0-9]+', false);
+---------------+
| [555, 1234, 555, 9876] |
+---------------+
```"#,
    argument(name = "text", description = "String."),
    argument(
        name = "pattern",
        description = "Regular expression: the separators (gaps = true) or the tokens (gaps = false). Default '\\s+'."
    ),
    argument(
        name = "gaps",
        description = "Whether the pattern matches separators (true, default) or tokens."
    ),
    argument(
        name = "min_length",
        description = "Minimum token length in characters (default 1)."
    ),
    argument(
        name = "to_lowercase",
        description = "Lower-case the text before tokenizing (default true)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RegexTokenize {
    signature: Signature,
}

impl Default for RegexTokenize {
    fn default() -> Self {
        Self::new()
    }
}

impl RegexTokenize {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Immutable),
        }
    }
}

/// Spark's default `RegexTokenizer` pattern.
const DEFAULT_PATTERN: &str = r"\s+";

fn compile(name: &str, pattern: &str) -> Result<Regex> {
    Regex::new(pattern)
        .map_err(|e| exec_datafusion_err!("{name}: invalid pattern '{pattern}': {e}"))
}

impl ScalarUDFImpl for RegexTokenize {
    fn name(&self) -> &str {
        "regex_tokenize"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        if arg_types.is_empty() || arg_types.len() > 5 {
            return plan_err!(
                "{name} expects regex_tokenize(text [, pattern [, gaps [, min_length [, to_lowercase]]]]), got {} arguments",
                arg_types.len()
            );
        }
        let mut types = vec![coerce_text(name, "the text", &arg_types[0])?];
        for (i, t) in arg_types.iter().enumerate().skip(1) {
            let (expected, ok) = match i {
                1 => (
                    DataType::Utf8,
                    t.is_null() || coerce_text(name, "", t).is_ok(),
                ),
                2 | 4 => (DataType::Boolean, t.is_null() || t == &DataType::Boolean),
                _ => (DataType::Int64, t.is_null() || t.is_integer()),
            };
            if !ok {
                let what = ["", "the pattern", "gaps", "min_length", "to_lowercase"][i];
                return plan_err!("{name}: {what} must be {expected}, got {t}");
            }
            types.push(expected);
        }
        Ok(types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(token_list_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let Some(text) = args.args.first() else {
            return exec_err!("{name} expects at least the text argument");
        };
        let pattern = match args.args.get(1) {
            None => DEFAULT_PATTERN.to_string(),
            Some(arg) => match constant_arg(name, "the pattern", arg)? {
                ScalarValue::Utf8(Some(p)) => p.clone(),
                ScalarValue::Utf8(None) | ScalarValue::Null => DEFAULT_PATTERN.to_string(),
                other => return exec_err!("{name}: the pattern must be a string, got {other}"),
            },
        };
        let regex = compile(name, &pattern)?;
        let gaps = constant_bool(name, "gaps", args.args.get(2), true)?;
        let min_length = constant_int(name, "min_length", args.args.get(3), 1)?;
        if min_length < 0 {
            return exec_err!("{name}: min_length must be >= 0, got {min_length}");
        }
        let min_length = min_length as usize;
        let to_lowercase = constant_bool(name, "to_lowercase", args.args.get(4), true)?;

        let (rows, scalar) = result_rows(&args.args, args.number_rows);
        let text = text.to_array(rows)?;
        let mut out = token_list_builder(rows, 16);
        let mut lower = String::new();
        // Java counts String length in UTF-16 units; ASCII tokens skip the count.
        let long_enough = |token: &str| {
            token.len() >= min_length
                && (token.is_ascii() || token.encode_utf16().count() >= min_length)
        };
        for_each_str(name, &text, |value| {
            let Some(value) = value else {
                out.append_null();
                return Ok(());
            };
            let value = if to_lowercase {
                lowercase_into(value, &mut lower)
            } else {
                value
            };
            if gaps {
                // Java's Pattern.split drops trailing empty tokens.
                let mut pending_empty = 0usize;
                for token in regex.split(value) {
                    if token.is_empty() {
                        pending_empty += 1;
                        continue;
                    }
                    if min_length == 0 {
                        for _ in 0..pending_empty {
                            out.values().append_value("");
                        }
                    }
                    pending_empty = 0;
                    if long_enough(token) {
                        out.values().append_value(token);
                    }
                }
            } else {
                for token in regex.find_iter(value).map(|m| m.as_str()) {
                    if long_enough(token) {
                        out.values().append_value(token);
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
    use crate::text::token_lists::{invoke, string_rows, texts};

    fn run(values: Vec<Option<&str>>, extra: Vec<ScalarValue>) -> Result<Vec<Option<Vec<String>>>> {
        let n = values.len();
        let mut args = vec![texts(&values)];
        args.extend(extra.into_iter().map(ColumnarValue::Scalar));
        Ok(string_rows(&invoke(&RegexTokenize::new(), args, n)?))
    }

    fn s(v: &str) -> ScalarValue {
        ScalarValue::Utf8(Some(v.to_string()))
    }

    /// Expected values from Spark's RegexTokenizer documentation and its test suite.
    #[test]
    fn spark_defaults_and_options() -> Result<()> {
        assert_eq!(
            run(vec![Some("Test for  tokenization."), None], vec![])?,
            vec![
                Some(vec!["test".into(), "for".into(), "tokenization.".into()]),
                None
            ]
        );
        // Spark's RegexTokenizerSuite: pattern "\\w+|\\p{Punct}", gaps false.
        assert_eq!(
            run(
                vec![Some("Test for tokenization.")],
                vec![s(r"\w+|\p{P}"), ScalarValue::Boolean(Some(false))]
            )?,
            vec![Some(vec![
                "test".into(),
                "for".into(),
                "tokenization".into(),
                ".".into()
            ])]
        );
        // minTokenLength 3 drops short tokens; to_lowercase false keeps case.
        assert_eq!(
            run(
                vec![Some("Te,st. punct")],
                vec![
                    s(r"\s"),
                    ScalarValue::Boolean(Some(true)),
                    ScalarValue::Int64(Some(3)),
                    ScalarValue::Boolean(Some(false))
                ]
            )?,
            vec![Some(vec!["Te,st.".into(), "punct".into()])]
        );
        // Leading separators give no empty token with min_length 1.
        assert_eq!(
            run(vec![Some("  a b  "), Some("")], vec![])?,
            vec![Some(vec!["a".into(), "b".into()]), Some(vec![])]
        );
        Ok(())
    }

    #[test]
    fn bad_pattern_is_an_error() {
        let err = run(vec![Some("x")], vec![s("(unclosed")]);
        assert!(err.is_err_and(|e| e.to_string().contains("invalid pattern")));
    }
}
