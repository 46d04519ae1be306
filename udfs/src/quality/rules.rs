//! The rules of `data_quality_checks`, from either of their two forms:
//!
//! - JSON, in the seed's `data_quality_rules.json` format:
//!   `{table: {null_checks: {col: threshold}, uniqueness_checks: {col: threshold},
//!   range_checks: {col: {min, max, threshold}}, pattern_checks: {col: {pattern,
//!   threshold}}, referential_checks: [{source_column, reference_table,
//!   reference_column, threshold}]}}`. Tables keep the file's order; within a table the
//!   checks run in the seed's order (null, uniqueness, range, pattern, referential), each
//!   kind's columns in the file's order. Unknown check kinds, unknown keys and duplicate
//!   keys are errors (the seed silently ignores the first two).
//! - a relation with one row per check and the columns of [`RULE_COLUMNS`]: `table_name`,
//!   `check_type` and `threshold` are required, the others may be left out (NULL).
//!
//! Thresholds are percentages in `0..=100`. Every rule is validated here, before any
//! table is read: a check kind's required fields, a range with at least one bound, a
//! pattern that compiles (Rust `regex` syntax, as the pattern check runs it).

use std::fmt;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{
    exec_datafusion_err, exec_err, plan_datafusion_err, plan_err, Column, Result, ScalarValue,
};
use datafusion::logical_expr::{cast, lit, Expr, LogicalPlan, LogicalPlanBuilder};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// The kinds of check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckType {
    Null,
    Uniqueness,
    Range,
    Pattern,
    Referential,
}

impl CheckType {
    /// In the seed's order of evaluation.
    pub const ALL: [CheckType; 5] = [
        CheckType::Null,
        CheckType::Uniqueness,
        CheckType::Range,
        CheckType::Pattern,
        CheckType::Referential,
    ];

    /// The name in the output's `check_type` column (and in SQL rules).
    pub fn name(self) -> &'static str {
        match self {
            CheckType::Null => "null_check",
            CheckType::Uniqueness => "uniqueness_check",
            CheckType::Range => "range_check",
            CheckType::Pattern => "pattern_check",
            CheckType::Referential => "referential_check",
        }
    }

    /// The key in the JSON rules.
    pub fn json_key(self) -> &'static str {
        match self {
            CheckType::Null => "null_checks",
            CheckType::Uniqueness => "uniqueness_checks",
            CheckType::Range => "range_checks",
            CheckType::Pattern => "pattern_checks",
            CheckType::Referential => "referential_checks",
        }
    }

    /// A check type of SQL rules: the output name (`null_check`) or the JSON key
    /// (`null_checks`), in any case.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().to_ascii_lowercase();
        CheckType::ALL
            .into_iter()
            .find(|c| c.name() == text || c.json_key() == text)
    }

    fn names() -> String {
        CheckType::ALL.map(CheckType::name).join(", ")
    }

    fn json_keys() -> String {
        CheckType::ALL.map(CheckType::json_key).join(", ")
    }
}

/// A range bound as written in the rules: numbers from JSON numbers, text from JSON
/// strings and from every value of SQL rules (which are read as strings). The check
/// interprets it in the column's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    Integer(i64),
    Float(f64),
    Text(String),
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Integer(v) => write!(f, "{v}"),
            Bound::Float(v) => write!(f, "{v}"),
            Bound::Text(v) => write!(f, "'{v}'"),
        }
    }
}

/// One check of one column of one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The table as written in the rules (a name, ``delta.`/path` ``, a view).
    pub table: String,
    pub check: CheckType,
    /// The checked column (the source column of a referential check).
    pub column: String,
    /// FAIL when the failure percentage is above it.
    pub threshold: f64,
    pub min: Option<Bound>,
    pub max: Option<Bound>,
    pub pattern: Option<String>,
    /// Referential checks: the table and column the values must exist in.
    pub reference: Option<(String, String)>,
}

impl Rule {
    fn new(table: &str, check: CheckType, column: &str, threshold: f64) -> Self {
        Self {
            table: table.to_string(),
            check,
            column: column.to_string(),
            threshold,
            min: None,
            max: None,
            pattern: None,
            reference: None,
        }
    }

    /// Checks what the rule's kind needs; the error message does not name the rule.
    fn validate(self) -> std::result::Result<Self, String> {
        if self.table.trim().is_empty() {
            return Err("the table name is empty".into());
        }
        if self.column.trim().is_empty() {
            return Err("the column name is empty".into());
        }
        if !(0.0..=100.0).contains(&self.threshold) {
            return Err(format!(
                "threshold must be a percentage between 0 and 100, got {}",
                self.threshold
            ));
        }
        match self.check {
            CheckType::Null | CheckType::Uniqueness => {}
            CheckType::Range => {
                if self.min.is_none() && self.max.is_none() {
                    return Err("a range check needs min, max or both".into());
                }
            }
            CheckType::Pattern => match &self.pattern {
                None => return Err("a pattern check needs a pattern".into()),
                Some(pattern) => {
                    if let Err(e) = regex::Regex::new(pattern) {
                        return Err(format!("invalid regular expression '{pattern}': {e}"));
                    }
                }
            },
            CheckType::Referential => match &self.reference {
                Some((table, column)) if !table.trim().is_empty() && !column.trim().is_empty() => {}
                _ => {
                    return Err(
                        "a referential check needs reference_table and reference_column".into(),
                    )
                }
            },
        }
        Ok(self)
    }
}

// JSON rules

/// A JSON value that keeps the order of object keys (serde_json's `Value` sorts them
/// unless its `preserve_order` feature is on for the whole build) and rejects duplicate
/// keys.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Integer(i64),
    Float(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Integer(_) | Json::Float(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Integer(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        Ok(i64::try_from(v).map_or(Json::Float(v as f64), Json::Integer))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Json>()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries: Vec<(String, Json)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(de::Error::custom(format!("duplicate key \"{key}\"")));
            }
            let value = map.next_value::<Json>()?;
            entries.push((key, value));
        }
        Ok(Json::Object(entries))
    }
}

/// Parses rules in the seed's JSON format; `source` describes where the text came from
/// (e.g. `rules file 'rules.json'`) for error messages.
pub fn parse_json_rules(function: &str, source: &str, text: &str) -> Result<Vec<Rule>> {
    let json: Json = serde_json::from_str(text)
        .map_err(|e| plan_datafusion_err!("{function}: {source} is not valid JSON: {e}"))?;
    let Json::Object(tables) = json else {
        return plan_err!(
            "{function}: {source} must be a JSON object of table name: checks, got {}",
            json.kind()
        );
    };
    let mut rules = Vec::new();
    for (table, checks) in &tables {
        let Json::Object(checks) = checks else {
            return plan_err!(
                "{function}: {source}: the checks of table '{table}' must be an object with \
                 keys {}, got {}",
                CheckType::json_keys(),
                checks.kind()
            );
        };
        if let Some((kind, _)) = checks
            .iter()
            .find(|(kind, _)| !CheckType::ALL.iter().any(|c| c.json_key() == kind))
        {
            return plan_err!(
                "{function}: {source}: unknown check type '{kind}' for table '{table}'; check \
                 types are {}",
                CheckType::json_keys()
            );
        }
        for check in CheckType::ALL {
            if let Some((_, spec)) = checks.iter().find(|(kind, _)| kind == check.json_key()) {
                let place = format!("{source}: {table}.{}", check.json_key());
                json_check_rules(function, &place, table, check, spec, &mut rules)?;
            }
        }
    }
    Ok(rules)
}

fn json_check_rules(
    function: &str,
    place: &str,
    table: &str,
    check: CheckType,
    spec: &Json,
    rules: &mut Vec<Rule>,
) -> Result<()> {
    if check == CheckType::Referential {
        let Json::Array(items) = spec else {
            return plan_err!(
                "{function}: {place} must be an array of objects with source_column, \
                 reference_table, reference_column and threshold, got {}",
                spec.kind()
            );
        };
        for (i, item) in items.iter().enumerate() {
            let place = format!("{place}[{i}]");
            let fields = json_fields(
                function,
                &place,
                item,
                &[
                    "source_column",
                    "reference_table",
                    "reference_column",
                    "threshold",
                ],
            )?;
            let column = json_string(function, &place, "source_column", fields[0])?;
            let reference_table = json_string(function, &place, "reference_table", fields[1])?;
            let reference_column = json_string(function, &place, "reference_column", fields[2])?;
            let threshold = json_threshold(function, &place, fields[3])?;
            let mut rule = Rule::new(table, check, &column, threshold);
            rule.reference = Some((reference_table, reference_column));
            rules.push(
                rule.validate()
                    .map_err(|e| plan_datafusion_err!("{function}: {place}: {e}"))?,
            );
        }
        return Ok(());
    }
    let Json::Object(columns) = spec else {
        let shape = match check {
            CheckType::Null | CheckType::Uniqueness => "column: threshold",
            CheckType::Range => "column: {min, max, threshold}",
            _ => "column: {pattern, threshold}",
        };
        return plan_err!(
            "{function}: {place} must be an object of {shape}, got {}",
            spec.kind()
        );
    };
    for (column, value) in columns {
        let place = format!("{place}.{column}");
        let rule = match check {
            CheckType::Null | CheckType::Uniqueness => Rule::new(
                table,
                check,
                column,
                json_threshold(function, &place, Some(value))?,
            ),
            CheckType::Range => {
                let fields = json_fields(function, &place, value, &["min", "max", "threshold"])?;
                let mut rule = Rule::new(
                    table,
                    check,
                    column,
                    json_threshold(function, &place, fields[2])?,
                );
                rule.min = json_bound(function, &place, "min", fields[0])?;
                rule.max = json_bound(function, &place, "max", fields[1])?;
                rule
            }
            _ => {
                let fields = json_fields(function, &place, value, &["pattern", "threshold"])?;
                let mut rule = Rule::new(
                    table,
                    check,
                    column,
                    json_threshold(function, &place, fields[1])?,
                );
                rule.pattern = Some(json_string(function, &place, "pattern", fields[0])?);
                rule
            }
        };
        rules.push(
            rule.validate()
                .map_err(|e| plan_datafusion_err!("{function}: {place}: {e}"))?,
        );
    }
    Ok(())
}

/// The values of `keys` in an object (None when absent); other keys are an error.
fn json_fields<'a>(
    function: &str,
    place: &str,
    value: &'a Json,
    keys: &[&str],
) -> Result<Vec<Option<&'a Json>>> {
    let Json::Object(entries) = value else {
        return plan_err!(
            "{function}: {place} must be an object with keys {}, got {}",
            keys.join(", "),
            value.kind()
        );
    };
    if let Some((key, _)) = entries.iter().find(|(k, _)| !keys.contains(&k.as_str())) {
        return plan_err!(
            "{function}: {place}: unknown key '{key}'; keys are {}",
            keys.join(", ")
        );
    }
    Ok(keys
        .iter()
        .map(|key| entries.iter().find(|(k, _)| k == key).map(|(_, v)| v))
        .collect())
}

fn json_string(function: &str, place: &str, key: &str, value: Option<&Json>) -> Result<String> {
    match value {
        Some(Json::String(s)) => Ok(s.clone()),
        None => plan_err!("{function}: {place}: {key} is missing"),
        Some(other) => plan_err!(
            "{function}: {place}: {key} must be a string, got {}",
            other.kind()
        ),
    }
}

fn json_threshold(function: &str, place: &str, value: Option<&Json>) -> Result<f64> {
    match value {
        Some(Json::Integer(v)) => Ok(*v as f64),
        Some(Json::Float(v)) => Ok(*v),
        None => plan_err!("{function}: {place}: threshold is missing"),
        Some(other) => plan_err!(
            "{function}: {place}: threshold must be a number (a percentage), got {}",
            other.kind()
        ),
    }
}

fn json_bound(
    function: &str,
    place: &str,
    key: &str,
    value: Option<&Json>,
) -> Result<Option<Bound>> {
    match value {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Integer(v)) => Ok(Some(Bound::Integer(*v))),
        Some(Json::Float(v)) => Ok(Some(Bound::Float(*v))),
        Some(Json::String(v)) => Ok(Some(Bound::Text(v.clone()))),
        Some(other) => plan_err!(
            "{function}: {place}: {key} must be a number or a string, got {}",
            other.kind()
        ),
    }
}

// SQL rules

/// The columns of a rules relation: (name, required). `threshold` is read as DOUBLE,
/// the others as strings.
pub const RULE_COLUMNS: [(&str, bool); 9] = [
    ("table_name", true),
    ("check_type", true),
    ("column_name", true),
    ("threshold", true),
    ("min_value", false),
    ("max_value", false),
    ("pattern", false),
    ("reference_table", false),
    ("reference_column", false),
];

/// Projects a rules relation to [`RULE_COLUMNS`] in that order (absent optional columns
/// as NULL), or fails naming a missing required column.
pub fn project_rules_relation(function: &str, plan: LogicalPlan) -> Result<LogicalPlan> {
    let schema = plan.schema().clone();
    let mut projection = Vec::with_capacity(RULE_COLUMNS.len());
    for (name, required) in RULE_COLUMNS {
        let target = if name == "threshold" {
            DataType::Float64
        } else {
            DataType::Utf8
        };
        let found = schema.iter().find(|(_, f)| f.name() == name).or_else(|| {
            schema
                .iter()
                .find(|(_, f)| f.name().eq_ignore_ascii_case(name))
        });
        match found {
            Some((qualifier, field)) => {
                if name == "threshold"
                    && !(field.data_type().is_numeric() || field.data_type() == &DataType::Null)
                {
                    return plan_err!(
                        "{function}: the rules' threshold column must be numeric, got {}",
                        field.data_type()
                    );
                }
                let column = Expr::Column(Column::from((qualifier, field)));
                projection.push(cast(column, target).alias(name));
            }
            None if required => {
                let columns: Vec<String> =
                    schema.fields().iter().map(|f| f.name().clone()).collect();
                return plan_err!(
                    "{function}: the rules relation has no column '{name}' (it has: {}); rules \
                     have columns {}",
                    columns.join(", "),
                    RULE_COLUMNS.map(|(n, _)| n).join(", ")
                );
            }
            None => {
                let null = ScalarValue::try_from(&target)?;
                projection.push(lit(null).alias(name));
            }
        }
    }
    LogicalPlanBuilder::from(plan).project(projection)?.build()
}

/// Reads the rows of a rules relation projected by [`project_rules_relation`].
pub fn rules_from_batches(function: &str, batches: &[RecordBatch]) -> Result<Vec<Rule>> {
    let mut rules = Vec::new();
    for batch in batches {
        if batch.num_columns() != RULE_COLUMNS.len() {
            return exec_err!(
                "{function}: unexpected rules batch with {} columns",
                batch.num_columns()
            );
        }
        let text = |i: usize| batch.column(i).as_string_opt::<i32>();
        let (Some(table), Some(check), Some(column)) = (text(0), text(1), text(2)) else {
            return exec_err!("{function}: the rules batch does not hold strings");
        };
        let Some(threshold) = batch.column(3).as_primitive_opt::<Float64Type>() else {
            return exec_err!("{function}: the rules' threshold is not DOUBLE");
        };
        let (Some(min), Some(max), Some(pattern), Some(ref_table), Some(ref_column)) =
            (text(4), text(5), text(6), text(7), text(8))
        else {
            return exec_err!("{function}: the rules batch does not hold strings");
        };
        let value = |array: &datafusion::arrow::array::StringArray, row: usize| {
            array.is_valid(row).then(|| array.value(row).to_string())
        };
        for row in 0..batch.num_rows() {
            let number = rules.len() + 1;
            let Some(table_name) = value(table, row) else {
                return exec_err!("{function}: rule {number}: table_name is NULL");
            };
            let place = format!("rule {number} (table '{table_name}')");
            let Some(check_text) = value(check, row) else {
                return exec_err!("{function}: {place}: check_type is NULL");
            };
            let Some(check_type) = CheckType::parse(&check_text) else {
                return exec_err!(
                    "{function}: {place}: unknown check type '{check_text}'; check types are {}",
                    CheckType::names()
                );
            };
            let Some(column_name) = value(column, row) else {
                return exec_err!("{function}: {place}: column_name is NULL");
            };
            if threshold.is_null(row) {
                return exec_err!("{function}: {place}: threshold is NULL");
            }
            let mut rule = Rule::new(&table_name, check_type, &column_name, threshold.value(row));
            rule.min = value(min, row).map(Bound::Text);
            rule.max = value(max, row).map(Bound::Text);
            rule.pattern = value(pattern, row);
            rule.reference = match (value(ref_table, row), value(ref_column, row)) {
                (Some(t), Some(c)) => Some((t, c)),
                _ => None,
            };
            let rule = rule
                .validate()
                .map_err(|e| exec_datafusion_err!("{function}: {place}: {e}"))?;
            rules.push(rule);
        }
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: &str = "data_quality_checks";

    fn parse(text: &str) -> Result<Vec<Rule>> {
        parse_json_rules(F, "inline rules", text)
    }

    fn err(text: &str) -> String {
        match parse(text) {
            Ok(rules) => format!("unexpectedly parsed {rules:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn seed_format_in_seed_order() -> Result<()> {
        let rules = parse(
            r#"{
              "orders": {
                "referential_checks": [{"source_column": "customer_id",
                  "reference_table": "customers", "reference_column": "id", "threshold": 1}],
                "pattern_checks": {"status": {"pattern": "^(a|b)$", "threshold": 0.5}},
                "null_checks": {"z": 5, "a": 0.5},
                "range_checks": {"amount": {"min": 0, "max": 99.5, "threshold": 2}},
                "uniqueness_checks": {"order_id": 0}
              },
              "customers": {"null_checks": {"email": 1}}
            }"#,
        )?;
        let summary: Vec<(&str, &str, &str, f64)> = rules
            .iter()
            .map(|r| {
                (
                    r.table.as_str(),
                    r.check.name(),
                    r.column.as_str(),
                    r.threshold,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("orders", "null_check", "z", 5.0),
                ("orders", "null_check", "a", 0.5),
                ("orders", "uniqueness_check", "order_id", 0.0),
                ("orders", "range_check", "amount", 2.0),
                ("orders", "pattern_check", "status", 0.5),
                ("orders", "referential_check", "customer_id", 1.0),
                ("customers", "null_check", "email", 1.0),
            ]
        );
        assert_eq!(rules[3].min, Some(Bound::Integer(0)));
        assert_eq!(rules[3].max, Some(Bound::Float(99.5)));
        assert_eq!(rules[4].pattern.as_deref(), Some("^(a|b)$"));
        assert_eq!(
            rules[5].reference,
            Some(("customers".to_string(), "id".to_string()))
        );
        Ok(())
    }

    #[test]
    fn bounds_may_be_strings_or_one_sided() -> Result<()> {
        let rules = parse(
            r#"{"t": {"range_checks": {
                "d": {"min": "2024-01-01", "threshold": 0},
                "x": {"max": 10, "min": null, "threshold": 0}}}}"#,
        )?;
        assert_eq!(rules[0].min, Some(Bound::Text("2024-01-01".into())));
        assert_eq!(rules[0].max, None);
        assert_eq!(
            (rules[1].min.clone(), rules[1].max.clone()),
            (None, Some(Bound::Integer(10)))
        );
        Ok(())
    }

    #[test]
    fn malformed_rules_are_errors_naming_the_problem() {
        assert!(
            err("{\"t\": ").contains("is not valid JSON"),
            "{}",
            err("{\"t\": ")
        );
        assert!(err("[1]").contains("must be a JSON object"));
        assert!(err(r#"{"t": [1]}"#).contains("checks of table 't' must be an object"));
        let e = err(r#"{"t": {"freshness_checks": {"a": 1}}}"#);
        assert!(
            e.contains("unknown check type 'freshness_checks' for table 't'"),
            "{e}"
        );
        let e = err(r#"{"t": {"null_checks": {"a": "5"}}}"#);
        assert!(
            e.contains("t.null_checks.a: threshold must be a number"),
            "{e}"
        );
        let e = err(r#"{"t": {"null_checks": {"a": 150}}}"#);
        assert!(e.contains("between 0 and 100, got 150"), "{e}");
        let e = err(r#"{"t": {"range_checks": {"a": {"threshold": 1}}}}"#);
        assert!(e.contains("needs min, max or both"), "{e}");
        let e = err(r#"{"t": {"range_checks": {"a": {"minimum": 1, "threshold": 1}}}}"#);
        assert!(e.contains("unknown key 'minimum'"), "{e}");
        let e = err(r#"{"t": {"range_checks": {"a": {"min": 1}}}}"#);
        assert!(e.contains("threshold is missing"), "{e}");
        let e = err(r#"{"t": {"pattern_checks": {"a": {"pattern": "(", "threshold": 1}}}}"#);
        assert!(e.contains("invalid regular expression '('"), "{e}");
        let e = err(r#"{"t": {"referential_checks": {"a": 1}}}"#);
        assert!(e.contains("referential_checks must be an array"), "{e}");
        let e = err(
            r#"{"t": {"referential_checks": [{"source_column": "a", "reference_table": "r",
                "threshold": 1}]}}"#,
        );
        assert!(
            e.contains("referential_checks[0]: reference_column is missing"),
            "{e}"
        );
        let e = err(r#"{"t": {"null_checks": {"a": 1, "a": 2}}}"#);
        assert!(e.contains("duplicate key \"a\""), "{e}");
    }

    #[test]
    fn check_types_parse_both_spellings() {
        assert_eq!(CheckType::parse(" NULL_CHECK"), Some(CheckType::Null));
        assert_eq!(CheckType::parse("range_checks"), Some(CheckType::Range));
        assert_eq!(CheckType::parse("nul_check"), None);
        for check in CheckType::ALL {
            assert_eq!(CheckType::parse(check.name()), Some(check));
        }
    }

    #[test]
    fn empty_rules_are_no_checks() -> Result<()> {
        assert!(parse("{}")?.is_empty());
        assert!(parse(r#"{"t": {}}"#)?.is_empty());
        Ok(())
    }
}
