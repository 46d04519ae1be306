//! `mentions_any(text, keywords)`: whether a text contains any of many keywords.

use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use datafusion::arrow::array::BooleanBuilder;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_datafusion_err, exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion_macros::user_doc;

use super::token_lists::{
    coerce_text, coerce_token_list, constant_string_list, for_each_str, for_each_token_list,
    into_result, lowercase_into, result_rows,
};

#[user_doc(
    doc_section(label = "Text Functions"),
    description = "Whether the text contains any of the keywords, ignoring case: the seed's \
`any(keyword.lower() in text.lower() for keyword in keywords)`, a substring test (so \
`'ion'` matches `'nation'`; surround keywords with spaces or use `regexp_like` with `\\b` \
for whole words). All keywords are matched in one pass over the text with an \
Aho–Corasick automaton built once per query, so thousands of keywords cost about as much \
as one. The keyword list is usually a scalar subquery over a keyword table, \
`(SELECT array_agg(keyword) FROM brand_keywords)`, or a literal list. NULL and empty \
keywords are ignored (an empty keyword would match every text); an empty list gives \
false; NULL text gives NULL. Case folding is Unicode lower-casing, as Python's `lower()` \
for almost all text.",
    syntax_example = "mentions_any(text, keywords)",
    sql_example = r#"```sql
> SELECT mentions_any('Loving my new ACME phone!', ['acme', 'globex']),
         mentions_any('nothing here', (SELECT array_agg(keyword) FROM brand_keywords));
+------+-------+
| true | false |
+------+-------+
```"#,
    argument(name = "text", description = "String."),
    argument(
        name = "keywords",
        description = "List of keywords (a constant list, a scalar subquery, or a list column)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MentionsAny {
    signature: Signature,
}

impl Default for MentionsAny {
    fn default() -> Self {
        Self::new()
    }
}

impl MentionsAny {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Immutable),
        }
    }
}

/// Keywords lower-cased, NULL and empty ones dropped.
struct KeywordMatcher {
    automaton: Option<AhoCorasick>,
}

impl KeywordMatcher {
    fn new<'k>(name: &str, keywords: impl IntoIterator<Item = &'k str>) -> Result<Self> {
        let lowered: Vec<String> = keywords
            .into_iter()
            .filter(|k| !k.is_empty())
            .map(str::to_lowercase)
            .collect();
        if lowered.is_empty() {
            return Ok(Self { automaton: None });
        }
        // Only existence matters, so the automaton may stop at the first match; ASCII
        // case-insensitivity lets ASCII text be searched without lower-casing it.
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&lowered)
            .map_err(|e| exec_datafusion_err!("{name}: cannot build the keyword matcher: {e}"))?;
        Ok(Self {
            automaton: Some(automaton),
        })
    }

    fn matches(&self, text: &str, lower: &mut String) -> bool {
        let Some(automaton) = &self.automaton else {
            return false;
        };
        if text.is_ascii() {
            automaton.is_match(text)
        } else {
            automaton.is_match(lowercase_into(text, lower))
        }
    }
}

impl ScalarUDFImpl for MentionsAny {
    fn name(&self) -> &str {
        "mentions_any"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        let [text, keywords] = arg_types else {
            return plan_err!(
                "{name} expects mentions_any(text, keywords), got {} arguments",
                arg_types.len()
            );
        };
        Ok(vec![
            coerce_text(name, "the text", text)?,
            coerce_token_list(name, "the keywords", keywords)?,
        ])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let [text, keywords] = args.args.as_slice() else {
            return exec_err!("{name} expects mentions_any(text, keywords)");
        };
        let (rows, scalar) = result_rows(&args.args, args.number_rows);
        let text = text.to_array(rows)?;
        let mut out = BooleanBuilder::with_capacity(rows);
        let mut lower = String::new();
        match keywords {
            ColumnarValue::Scalar(_) => {
                let list = constant_string_list(name, "the keywords", keywords)?;
                let matcher = KeywordMatcher::new(name, list.iter().map(String::as_str))?;
                for_each_str(name, &text, |value| {
                    out.append_option(value.map(|t| matcher.matches(t, &mut lower)));
                    Ok(())
                })?;
            }
            ColumnarValue::Array(lists) => {
                // A list per row: rebuild the automaton only when the list changes.
                let mut texts = Vec::with_capacity(rows);
                for_each_str(name, &text, |value| {
                    texts.push(value);
                    Ok(())
                })?;
                let mut current: Option<(Vec<String>, KeywordMatcher)> = None;
                let mut row = 0usize;
                for_each_token_list(name, lists, |keywords| {
                    let text = texts.get(row).copied().flatten();
                    row += 1;
                    let Some(keywords) = keywords else {
                        out.append_null();
                        return Ok(());
                    };
                    let same = current.as_ref().is_some_and(|(previous, _)| {
                        previous.len() == keywords.len()
                            && keywords
                                .iter()
                                .zip(previous)
                                .all(|(k, p)| k.unwrap_or_default() == p)
                    });
                    if !same {
                        let list: Vec<String> = keywords
                            .iter()
                            .map(|k| k.unwrap_or_default().to_string())
                            .collect();
                        let matcher = KeywordMatcher::new(name, list.iter().map(String::as_str))?;
                        current = Some((list, matcher));
                    }
                    match (text, &current) {
                        (Some(text), Some((_, matcher))) => {
                            out.append_value(matcher.matches(text, &mut lower))
                        }
                        _ => out.append_null(),
                    }
                    Ok(())
                })?;
            }
        }
        let result = out.finish();
        debug_assert_eq!(result.len(), rows);
        into_result(Arc::new(result), scalar)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::token_lists::{invoke, texts, token_lists};
    use datafusion::arrow::array::{ArrayRef, AsArray};
    use datafusion::common::ScalarValue;

    fn bools(array: &ArrayRef) -> Vec<Option<bool>> {
        array.as_boolean().iter().collect()
    }

    fn list(words: &[&str]) -> ColumnarValue {
        let values: Vec<ScalarValue> = words.iter().map(|w| ScalarValue::from(*w)).collect();
        ColumnarValue::Scalar(ScalarValue::List(ScalarValue::new_list_nullable(
            &values,
            &DataType::Utf8,
        )))
    }

    /// Expected values follow the seed's Python: `any(k.lower() in text.lower() ...)`.
    #[test]
    fn substring_match_ignoring_case() -> Result<()> {
        let input = texts(&[
            Some("Loving my new ACME phone!"),
            Some("The nation voted"),
            Some("nothing to see"),
            Some("ÉCOLE Zürich rocks"),
            Some(""),
            None,
        ]);
        let out = invoke(
            &MentionsAny::new(),
            vec![input, list(&["acme", "ion", "école", "", "ZÜRICH"])],
            6,
        )?;
        assert_eq!(
            bools(&out),
            vec![
                Some(true),
                Some(true),
                Some(false),
                Some(true),
                Some(false),
                None
            ]
        );
        Ok(())
    }

    #[test]
    fn empty_list_and_per_row_lists() -> Result<()> {
        let out = invoke(&MentionsAny::new(), vec![texts(&[Some("x")]), list(&[])], 1)?;
        assert_eq!(bools(&out), vec![Some(false)]);
        let lists = token_lists(&[Some(vec!["a"]), Some(vec!["a"]), Some(vec!["zz"]), None]);
        let out = invoke(
            &MentionsAny::new(),
            vec![
                texts(&[Some("cat"), Some("dog"), Some("buzz"), Some("x")]),
                lists,
            ],
            4,
        )?;
        assert_eq!(bools(&out), vec![Some(true), Some(false), Some(true), None]);
        Ok(())
    }

    #[test]
    fn thousands_of_keywords() -> Result<()> {
        let words: Vec<String> = (0..5000).map(|i| format!("brand{i:05}")).collect();
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        let out = invoke(
            &MentionsAny::new(),
            vec![
                texts(&[
                    Some("I like BRAND04999 a lot"),
                    Some("brand5000 is not one"),
                ]),
                list(&refs),
            ],
            2,
        )?;
        assert_eq!(bools(&out), vec![Some(true), Some(false)]);
        Ok(())
    }
}
