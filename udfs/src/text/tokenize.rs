//! `tokenize(text)`: Spark ML's `Tokenizer`.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion_macros::user_doc;
use std::sync::Arc;

use super::token_lists::{
    coerce_text, for_each_str, into_result, lowercase_into, result_rows, token_list_builder,
    token_list_type,
};

#[user_doc(
    doc_section(label = "Text Functions"),
    description = "Spark ML's `Tokenizer`: lower-cases the text and splits it at every \
whitespace character (Java's `\\s`: space, tab, newline, vertical tab, form feed, carriage \
return), exactly as Spark's `text.toLowerCase.split(\"\\\\s\")`. Like Spark, consecutive \
whitespace gives empty tokens, a leading space gives a leading empty token, trailing \
empty tokens are dropped, and the empty string gives one empty token (`['']`); clean the \
text first (e.g. `btrim(regexp_replace(text, '\\s+', ' ', 'g'))`) or use \
`regex_tokenize` to avoid them. Lower-casing is Unicode-aware; other characters \
(punctuation, emoji) stay in the tokens. NULL in, NULL out.",
    syntax_example = "tokenize(text)",
    sql_example = r#"```sql
> SELECT tokenize('Hello World  from Ignis!');
+----------------------------------+
| [hello, world, , from, ignis!]   |
+----------------------------------+
```"#,
    argument(name = "text", description = "String.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Tokenize {
    signature: Signature,
}

impl Default for Tokenize {
    fn default() -> Self {
        Self::new()
    }
}

impl Tokenize {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Immutable),
        }
    }
}

/// Java's `\s` in a regular expression (without the UNICODE_CHARACTER_CLASS flag).
fn is_java_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

/// Appends the tokens of Java's `lowercase.split("\\s")` to `out`: splits at every
/// whitespace byte (all are ASCII, so UTF-8 boundaries are safe), drops trailing empty
/// tokens, and keeps the input whole when there is no separator at all.
pub fn split_java_whitespace<'t>(lower: &'t str, mut out: impl FnMut(&'t str)) {
    if !lower.bytes().any(is_java_whitespace) {
        out(lower);
        return;
    }
    let mut pending_empty = 0usize;
    for piece in lower.split(|c: char| c.is_ascii() && is_java_whitespace(c as u8)) {
        if piece.is_empty() {
            pending_empty += 1;
            continue;
        }
        for _ in 0..pending_empty {
            out("");
        }
        pending_empty = 0;
        out(piece);
    }
}

impl ScalarUDFImpl for Tokenize {
    fn name(&self) -> &str {
        "tokenize"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let [text] = arg_types else {
            return plan_err!(
                "tokenize expects tokenize(text), got {} arguments",
                arg_types.len()
            );
        };
        Ok(vec![coerce_text(self.name(), "the text", text)?])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(token_list_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [text] = args.args.as_slice() else {
            return exec_err!("tokenize expects tokenize(text)");
        };
        let (rows, scalar) = result_rows(&args.args, args.number_rows);
        let text = text.to_array(rows)?;
        let mut out = token_list_builder(rows, 16);
        let mut lower = String::new();
        for_each_str(self.name(), &text, |value| {
            match value {
                None => out.append_null(),
                Some(value) => {
                    let lower = lowercase_into(value, &mut lower);
                    split_java_whitespace(lower, |token| out.values().append_value(token));
                    out.append(true);
                }
            }
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

    fn split(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        split_java_whitespace(text, |t| out.push(t.to_string()));
        out
    }

    /// Expected values are Java's `String.split("\\s")` (Spark's Tokenizer).
    #[test]
    fn splits_like_java_string_split() {
        assert_eq!(split("hello world"), ["hello", "world"]);
        assert_eq!(split("a  b"), ["a", "", "b"]);
        assert_eq!(split(" a"), ["", "a"]);
        assert_eq!(split("a \t\n"), ["a"]);
        assert_eq!(split("   "), Vec::<String>::new());
        assert_eq!(split(""), [""]);
        assert_eq!(split("a\u{0B}b\u{0C}c\rd"), ["a", "b", "c", "d"]);
        // Non-breaking space is not `\s` in Java without UNICODE_CHARACTER_CLASS.
        assert_eq!(split("a\u{A0}b"), ["a\u{A0}b"]);
        assert_eq!(split("héllo wörld 😀!"), ["héllo", "wörld", "😀!"]);
    }
}
