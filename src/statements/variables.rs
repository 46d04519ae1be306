//! Script variables: `--set name=value` and `SET name = value`, substituted as
//! `${name}` in statement text before parsing, so scripts never hard-code paths.

use std::collections::BTreeMap;

use datafusion::common::{plan_err, Result};

/// Variable names to values.
pub type Variables = BTreeMap<String, String>;

/// Replaces every `${name}` in `text`. An undefined variable is an error naming it;
/// `$${` escapes a literal `${`.
pub fn substitute_variables(text: &str, variables: &Variables) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("${") {
        if rest[..pos].ends_with('$') {
            out.push_str(&rest[..pos - 1]);
            out.push_str("${");
            rest = &rest[pos + 2..];
            continue;
        }
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 2..];
        let Some(end) = after.find('}') else {
            return plan_err!("unterminated variable reference '${{' (expected ${{name}})");
        };
        let name = after[..end].trim();
        match variables.get(name) {
            Some(value) => out.push_str(value),
            None => {
                let known: Vec<&str> = variables.keys().map(String::as_str).collect();
                return plan_err!(
                    "undefined variable ${{{name}}}: set it with --set {name}=... or SET {name} = '...'; defined: [{}]",
                    known.join(", ")
                );
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_and_reports_undefined() -> Result<()> {
        let mut vars = Variables::new();
        vars.insert("data".into(), "/lake".into());
        assert_eq!(
            substitute_variables("SELECT * FROM delta.`${data}/t` -- ${ data }", &vars)?,
            "SELECT * FROM delta.`/lake/t` -- /lake"
        );
        assert_eq!(substitute_variables("'$${data}'", &vars)?, "'${data}'");
        let err = substitute_variables("${out}/x", &vars)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("undefined variable ${out}"), "{err}");
        assert!(substitute_variables("${data", &vars).is_err());
        Ok(())
    }
}
