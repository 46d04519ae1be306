//! `read_csv_checked(path, schema [, options])` and `read_json_checked(path, schema [,
//! options])`: read CSV or JSON-lines files against a declared schema, handling
//! malformed rows as Spark's readers do (`mode` PERMISSIVE, DROPMALFORMED or FAILFAST).
//!
//! How it runs: when the result is scanned, each file is read whole; every row is split
//! into its fields (CSV with the `csv` crate, quotes and embedded newlines included; JSON
//! lines with `serde_json`), each column is cast from text to its declared type with
//! Arrow's cast kernel, and a row is malformed when it has the wrong number of fields
//! (CSV), is not a JSON object (JSON), or has a non-empty value that does not cast to
//! its column's type (or a NULL in a `NOT NULL` column).

use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, RecordBatch, StringArray, StringBuilder,
};
use datafusion::arrow::compute::{cast_with_options, filter_record_batch, CastOptions};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{exec_datafusion_err, exec_err, plan_datafusion_err, plan_err, Result};
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::MalformedTally;
use crate::data_roots::check_session_path;
use crate::table_function::{string_arg, DeferredTable, MultiCompute, Options};

pub const CSV_NAME: &str = "read_csv_checked";
pub const JSON_NAME: &str = "read_json_checked";

/// The column that PERMISSIVE mode adds, holding the raw text of a malformed row.
pub const CORRUPT_RECORD: &str = "_corrupt_record";

#[user_doc(
    doc_section(label = "ETL Table Functions"),
    description = "Reads CSV files against a declared schema, handling malformed rows as \
Spark's CSV reader does (DataFusion's own reader fails the whole scan on the first bad \
row).\n\n\
A row is malformed when it has a different number of fields than the schema has \
columns, or a non-empty field that does not convert to its column's type (`abc` for a \
BIGINT, `2024-13-01` for a DATE), or no value in a `NOT NULL` column. Empty fields are \
NULL. Modes: `permissive` (the default, as in Spark) keeps every row, with NULL in the \
fields that do not convert and the raw line in an extra `_corrupt_record` column (NULL \
for good rows); `dropmalformed` drops malformed rows; `failfast` stops at the first one \
with an error naming the file, the line and the reason.\n\n\
The number of malformed rows of each file is recorded in the session (the Ignis batch \
runner's pipeline log reports them as `records_rejected` of the stage that read them) \
and logged at info level.\n\n\
`path` is a file or a directory (every file in it not starting with `.` or `_`, in name \
order). Types: BOOLEAN, TINYINT, SMALLINT, INT/INTEGER, BIGINT/LONG, FLOAT/REAL, DOUBLE, \
DECIMAL(p, s), VARCHAR/STRING/TEXT, DATE, TIMESTAMP (also Spark's lower-case names). \
Each file is read into memory when the result is scanned.",
    syntax_example = "read_csv_checked(path, 'col TYPE [NOT NULL], ...' [, 'mode => permissive|dropmalformed|failfast, header => true, delimiter => ,'])",
    sql_example = r#"```sql
> SELECT * FROM read_csv_checked('/lake/in/customers.csv',
    'customer_id BIGINT NOT NULL, name VARCHAR, signup_date DATE, credit_limit DOUBLE',
    'mode => dropmalformed');
```"#,
    argument(
        name = "path",
        description = "A CSV file, or a directory of CSV files."
    ),
    argument(
        name = "schema",
        description = "The columns, as in CREATE TABLE: `name TYPE [NOT NULL], ...`."
    ),
    argument(
        name = "options",
        description = "mode: `permissive` (default), `dropmalformed` or `failfast`; header: \
whether the first line of each file is a header to skip (default true); delimiter: one \
character (default `,`; `\\t` for tab)."
    )
)]
#[derive(Debug, Default)]
pub struct ReadCsvCheckedFunction;

#[user_doc(
    doc_section(label = "ETL Table Functions"),
    description = "Reads JSON-lines files (one JSON object per line) against a declared \
schema, handling malformed lines as Spark's JSON reader does (DataFusion's own reader \
fails the whole scan on the first bad line).\n\n\
A line is malformed when it is not valid JSON, is not a JSON object, or has a value that \
does not convert to its column's type (a string `\"abc\"` for a BIGINT, `12.5` for an \
INT, an object for a DOUBLE), or no value in a `NOT NULL` column. Missing keys and JSON \
`null` are NULL; keys not in the schema are ignored; blank lines are skipped; objects and \
arrays read into VARCHAR columns as JSON text. Modes: `permissive` (the default, as in \
Spark) keeps every line, with NULL in the values that do not convert and the raw line in \
an extra `_corrupt_record` column; `dropmalformed` drops malformed lines; `failfast` \
stops at the first one with an error naming the file, the line and the reason.\n\n\
The number of malformed lines of each file is recorded in the session (the Ignis batch \
runner's pipeline log reports them as `records_rejected`) and logged at info level. \
`path` is a file or a directory, and the types are those of `read_csv_checked`.",
    syntax_example = "read_json_checked(path, 'col TYPE [NOT NULL], ...' [, 'mode => permissive|dropmalformed|failfast'])",
    sql_example = r#"```sql
> SELECT * FROM read_json_checked('/lake/in/orders.jsonl',
    'order_id BIGINT NOT NULL, customer_id BIGINT, amount DOUBLE, order_ts TIMESTAMP',
    'mode => failfast');
```"#,
    argument(
        name = "path",
        description = "A JSON-lines file, or a directory of them."
    ),
    argument(
        name = "schema",
        description = "The columns, as in CREATE TABLE: `name TYPE [NOT NULL], ...`."
    ),
    argument(
        name = "options",
        description = "mode: `permissive` (default), `dropmalformed` or `failfast`."
    )
)]
#[derive(Debug, Default)]
pub struct ReadJsonCheckedFunction;

impl ReadCsvCheckedFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

impl ReadJsonCheckedFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

/// What to do with a malformed row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Permissive,
    DropMalformed,
    FailFast,
}

impl Mode {
    fn parse(function: &str, text: Option<&str>) -> Result<Self> {
        match text.map(str::to_ascii_lowercase).as_deref() {
            None | Some("permissive") => Ok(Mode::Permissive),
            Some("dropmalformed") => Ok(Mode::DropMalformed),
            Some("failfast") => Ok(Mode::FailFast),
            Some(other) => plan_err!(
                "{function}: unknown mode '{other}'; use permissive, dropmalformed or failfast"
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv { header: bool, delimiter: u8 },
    Json,
}

impl TableFunctionImpl for ReadCsvCheckedFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        const USAGE: &str = "read_csv_checked(path, 'col TYPE, ...' [, 'mode => ..., header => true, delimiter => ,'])";
        let exprs = args.exprs();
        if exprs.len() < 2 {
            return plan_err!("{CSV_NAME} expects {USAGE}, got {} arguments", exprs.len());
        }
        let options = Options::parse(CSV_NAME, &exprs[2..], 3, &["mode", "header", "delimiter"])?;
        let delimiter = match options.get("delimiter") {
            None => b',',
            Some("\\t") | Some("tab") => b'\t',
            Some(d) if d.len() == 1 => d.as_bytes()[0],
            Some(d) => return plan_err!("{CSV_NAME}: delimiter must be one character, got '{d}'"),
        };
        let format = Format::Csv {
            header: options.bool_or("header", true)?,
            delimiter,
        };
        plan_read(CSV_NAME, &args, format, &options)
    }
}

impl TableFunctionImpl for ReadJsonCheckedFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        const USAGE: &str = "read_json_checked(path, 'col TYPE, ...' [, 'mode => ...'])";
        let exprs = args.exprs();
        if exprs.len() < 2 {
            return plan_err!("{JSON_NAME} expects {USAGE}, got {} arguments", exprs.len());
        }
        let options = Options::parse(JSON_NAME, &exprs[2..], 3, &["mode"])?;
        plan_read(JSON_NAME, &args, Format::Json, &options)
    }
}

fn plan_read(
    function: &'static str,
    args: &TableFunctionArgs,
    format: Format,
    options: &Options,
) -> Result<Arc<dyn TableProvider>> {
    let exprs = args.exprs();
    let path = string_arg(function, 1, &exprs[0])?;
    let schema_text = string_arg(function, 2, &exprs[1])?;
    let columns = parse_schema(function, &schema_text)?;
    let mode = Mode::parse(function, options.get("mode"))?;
    check_session_path(args.session(), path.trim())?;
    let files = list_files(function, Path::new(path.trim()))?;
    let mut fields: Vec<Field> = columns
        .iter()
        .map(|c| Field::new(&c.name, c.data_type.clone(), true))
        .collect();
    if mode == Mode::Permissive {
        if columns.iter().any(|c| c.name == CORRUPT_RECORD) {
            return plan_err!("{function}: '{CORRUPT_RECORD}' is the column PERMISSIVE mode adds; do not declare it");
        }
        fields.push(Field::new(CORRUPT_RECORD, DataType::Utf8, true));
    }
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let tally = args.session().config().get_extension::<MalformedTally>();
    let reader = Arc::new(Reader {
        function,
        columns,
        schema: Arc::clone(&schema),
        format,
        mode,
    });
    let compute: MultiCompute = Arc::new(move |_inputs| {
        let mut batches = Vec::with_capacity(files.len());
        for file in &files {
            let (batch, malformed) = reader.read_file(file)?;
            let source = file.display().to_string();
            if malformed > 0 {
                log::info!(
                    "{}: {malformed} malformed rows in {source}",
                    reader.function
                );
            }
            if let Some(tally) = &tally {
                tally.record(&source, malformed);
            }
            if batch.num_rows() > 0 {
                batches.push(batch);
            }
        }
        Ok(batches)
    });
    Ok(Arc::new(DeferredTable::with_inputs(
        schema,
        Vec::new(),
        compute,
    )))
}

/// A declared column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub data_type: DataType,
    pub not_null: bool,
}

/// Parses `name TYPE [NOT NULL], ...` (an optional leading `schema =>` is accepted).
pub fn parse_schema(function: &str, text: &str) -> Result<Vec<Column>> {
    let text = text.trim();
    let text = match text.split_once("=>") {
        Some((key, rest)) if key.trim().eq_ignore_ascii_case("schema") => rest.trim(),
        _ => text,
    };
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    let mut columns: Vec<Column> = Vec::new();
    for part in parts {
        let part = part.trim();
        if part.is_empty() {
            return plan_err!(
                "{function}: the schema has an empty column; write it as 'name TYPE, name TYPE, ...'"
            );
        }
        let (name, rest) = match part.strip_prefix('"') {
            Some(quoted) => match quoted.split_once('"') {
                Some((name, rest)) => (name.to_string(), rest),
                None => {
                    return plan_err!("{function}: unterminated quoted column name in '{part}'")
                }
            },
            None => match part.split_once(char::is_whitespace) {
                Some((name, rest)) => (name.to_string(), rest),
                None => {
                    return plan_err!("{function}: column '{part}' has no type; write 'name TYPE'")
                }
            },
        };
        let mut type_text = rest.trim().to_ascii_uppercase();
        let not_null = type_text.ends_with("NOT NULL");
        if not_null {
            type_text.truncate(type_text.len() - "NOT NULL".len());
        }
        let data_type = parse_type(function, &name, type_text.trim())?;
        if columns.iter().any(|c| c.name.eq_ignore_ascii_case(&name)) {
            return plan_err!("{function}: column '{name}' is declared twice");
        }
        columns.push(Column {
            name,
            data_type,
            not_null,
        });
    }
    Ok(columns)
}

fn parse_type(function: &str, column: &str, text: &str) -> Result<DataType> {
    let compact: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let data_type = match compact.as_str() {
        "BOOLEAN" | "BOOL" => DataType::Boolean,
        "TINYINT" | "BYTE" => DataType::Int8,
        "SMALLINT" | "SHORT" => DataType::Int16,
        "INT" | "INTEGER" => DataType::Int32,
        "BIGINT" | "LONG" => DataType::Int64,
        "FLOAT" | "REAL" => DataType::Float32,
        "DOUBLE" | "DOUBLE PRECISION" => DataType::Float64,
        "VARCHAR" | "STRING" | "TEXT" | "CHAR" => DataType::Utf8,
        "DATE" => DataType::Date32,
        "TIMESTAMP" => DataType::Timestamp(TimeUnit::Microsecond, None),
        other => {
            let decimal = other
                .strip_prefix("DECIMAL")
                .or_else(|| other.strip_prefix("NUMERIC"))
                .map(str::trim);
            let sized_text = other
                .strip_prefix("VARCHAR")
                .or_else(|| other.strip_prefix("CHAR"))
                .map(str::trim);
            if let Some(args) = decimal {
                decimal_type(function, column, args)?
            } else if sized_text.is_some_and(|a| a.starts_with('(') && a.ends_with(')')) {
                DataType::Utf8
            } else {
                return plan_err!(
                    "{function}: column '{column}' has unsupported type '{text}'; use BOOLEAN, \
TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(p, s), VARCHAR, DATE or TIMESTAMP"
                );
            }
        }
    };
    Ok(data_type)
}

fn decimal_type(function: &str, column: &str, args: &str) -> Result<DataType> {
    if args.is_empty() {
        return Ok(DataType::Decimal128(10, 0));
    }
    let inner = args
        .strip_prefix('(')
        .and_then(|a| a.strip_suffix(')'))
        .ok_or_else(|| {
            plan_datafusion_err!("{function}: column '{column}': write DECIMAL(p, s)")
        })?;
    let numbers: Vec<&str> = inner.split(',').map(str::trim).collect();
    let parse = |s: &str| {
        s.parse::<u8>().map_err(|_| {
            plan_datafusion_err!("{function}: column '{column}': invalid DECIMAL size '{s}'")
        })
    };
    let (precision, scale) = match numbers.as_slice() {
        [p] => (parse(p)?, 0),
        [p, s] => (parse(p)?, parse(s)?),
        _ => return plan_err!("{function}: column '{column}': write DECIMAL(p, s)"),
    };
    if precision == 0 || precision > 38 || scale > precision {
        return plan_err!(
            "{function}: column '{column}': DECIMAL({precision}, {scale}) needs 1 <= p <= 38 and s <= p"
        );
    }
    Ok(DataType::Decimal128(precision, scale as i8))
}

fn list_files(function: &str, path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path)
        .map_err(|e| plan_datafusion_err!("{function}: cannot read '{}': {e}", path.display()))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| plan_datafusion_err!("{function}: cannot list '{}': {e}", path.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| {
            plan_datafusion_err!("{function}: cannot list '{}': {e}", path.display())
        })?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        if entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
            files.push(entry.path());
        }
    }
    files.sort();
    if files.is_empty() {
        return plan_err!("{function}: no files in directory '{}'", path.display());
    }
    Ok(files)
}

/// The text rows of one file, column by column, before casting.
struct TextRows {
    columns: Vec<StringBuilder>,
    /// 1-based line where each row starts.
    lines: Vec<u64>,
    /// The raw text of each row.
    raw: Vec<String>,
    /// Why a row is malformed before casting (wrong field count, not an object...).
    problems: Vec<Option<String>>,
}

impl TextRows {
    fn new(width: usize) -> Self {
        Self {
            columns: (0..width).map(|_| StringBuilder::new()).collect(),
            lines: Vec::new(),
            raw: Vec::new(),
            problems: Vec::new(),
        }
    }
}

struct Reader {
    function: &'static str,
    columns: Vec<Column>,
    schema: SchemaRef,
    format: Format,
    mode: Mode,
}

impl Reader {
    /// The rows of one file and how many of them were malformed.
    fn read_file(&self, file: &Path) -> Result<(RecordBatch, u64)> {
        let bytes = std::fs::read(file).map_err(|e| {
            exec_datafusion_err!("{}: cannot read '{}': {e}", self.function, file.display())
        })?;
        let rows = match self.format {
            Format::Csv { header, delimiter } => self.split_csv(&bytes, header, delimiter)?,
            Format::Json => self.split_json(&bytes),
        };
        self.convert(file, rows)
    }

    fn split_csv(&self, bytes: &[u8], header: bool, delimiter: u8) -> Result<TextRows> {
        let width = self.columns.len();
        let mut rows = TextRows::new(width);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(bytes);
        let mut record = csv::ByteRecord::new();
        let mut pending: Option<(u64, usize)> = None;
        let mut first = true;
        loop {
            let more = reader
                .read_byte_record(&mut record)
                .map_err(|e| exec_datafusion_err!("{}: cannot read CSV: {e}", self.function))?;
            let start = record.position().map(|p| (p.line(), p.byte() as usize));
            // The previous record ends where this one starts.
            if let Some((_, previous_start)) = pending.take() {
                let end = if more {
                    start.map_or(bytes.len(), |(_, b)| b)
                } else {
                    bytes.len()
                };
                if let Some(raw) = rows.raw.last_mut() {
                    *raw = trim_line_end(&bytes[previous_start.min(end)..end]);
                }
            }
            if !more {
                break;
            }
            if std::mem::take(&mut first) && header {
                continue;
            }
            let (line, byte) = start.unwrap_or((0, 0));
            pending = Some((line, byte));
            rows.lines.push(line);
            rows.raw.push(String::new());
            let mut problem = None;
            if record.len() != width {
                problem = Some(format!("expected {width} fields, found {}", record.len()));
            }
            for (i, builder) in rows.columns.iter_mut().enumerate() {
                match record.get(i) {
                    Some(field) if !field.is_empty() => match std::str::from_utf8(field) {
                        Ok(text) => builder.append_value(text),
                        Err(_) => {
                            problem.get_or_insert_with(|| {
                                format!("column {}: not valid UTF-8", self.columns[i].name)
                            });
                            builder.append_null();
                        }
                    },
                    _ => builder.append_null(),
                }
            }
            rows.problems.push(problem);
        }
        Ok(rows)
    }

    fn split_json(&self, bytes: &[u8]) -> TextRows {
        let mut rows = TextRows::new(self.columns.len());
        for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
            let text = String::from_utf8_lossy(line);
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            rows.lines.push(index as u64 + 1);
            rows.raw.push(text.to_string());
            let object = match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Object(map)) => Ok(map),
                Ok(_) => Err("not a JSON object".to_string()),
                Err(e) => Err(format!("invalid JSON: {e}")),
            };
            match object {
                Ok(map) => {
                    for (column, builder) in self.columns.iter().zip(rows.columns.iter_mut()) {
                        match map.get(&column.name) {
                            None | Some(serde_json::Value::Null) => builder.append_null(),
                            Some(serde_json::Value::String(s)) => builder.append_value(s),
                            Some(other) => builder.append_value(other.to_string()),
                        }
                    }
                    rows.problems.push(None);
                }
                Err(problem) => {
                    for builder in rows.columns.iter_mut() {
                        builder.append_null();
                    }
                    rows.problems.push(Some(problem));
                }
            }
        }
        rows
    }

    /// Casts the text columns; finds, reports or drops the malformed rows.
    fn convert(&self, file: &Path, mut rows: TextRows) -> Result<(RecordBatch, u64)> {
        let n = rows.lines.len();
        let mut reasons = rows.problems;
        let options = CastOptions {
            safe: true,
            ..Default::default()
        };
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.schema.fields().len());
        for (column, builder) in self.columns.iter().zip(rows.columns.iter_mut()) {
            let text: StringArray = builder.finish();
            let cast = cast_with_options(&text, &column.data_type, &options)?;
            for (i, reason) in reasons.iter_mut().enumerate() {
                if reason.is_some() {
                    continue;
                }
                if text.is_valid(i) && cast.is_null(i) {
                    *reason = Some(format!(
                        "column {}: cannot read '{}' as {}",
                        column.name,
                        text.value(i),
                        type_name(&column.data_type)
                    ));
                } else if column.not_null && text.is_null(i) {
                    *reason = Some(format!(
                        "column {} is NOT NULL but has no value",
                        column.name
                    ));
                }
            }
            arrays.push(cast);
        }
        let malformed = reasons.iter().filter(|r| r.is_some()).count() as u64;
        match self.mode {
            Mode::FailFast => {
                if let Some((i, Some(reason))) =
                    reasons.iter().enumerate().find(|(_, r)| r.is_some())
                {
                    return exec_err!(
                        "{}: malformed row at {} line {}: {reason} (mode => failfast; \
use mode => dropmalformed to skip malformed rows, or permissive to keep them)",
                        self.function,
                        file.display(),
                        rows.lines[i]
                    );
                }
                Ok((RecordBatch::try_new(Arc::clone(&self.schema), arrays)?, 0))
            }
            Mode::DropMalformed => {
                let batch = RecordBatch::try_new(Arc::clone(&self.schema), arrays)?;
                let keep: BooleanArray = reasons.iter().map(|r| Some(r.is_none())).collect();
                Ok((filter_record_batch(&batch, &keep)?, malformed))
            }
            Mode::Permissive => {
                let corrupt: StringArray = (0..n)
                    .map(|i| reasons[i].as_ref().map(|_| rows.raw[i].as_str()))
                    .collect();
                arrays.push(Arc::new(corrupt));
                Ok((
                    RecordBatch::try_new(Arc::clone(&self.schema), arrays)?,
                    malformed,
                ))
            }
        }
    }
}

fn trim_line_end(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.trim_end_matches(['\n', '\r']).to_string()
}

fn type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Int8 => "TINYINT".into(),
        DataType::Int16 => "SMALLINT".into(),
        DataType::Int32 => "INT".into(),
        DataType::Int64 => "BIGINT".into(),
        DataType::Float32 => "FLOAT".into(),
        DataType::Float64 => "DOUBLE".into(),
        DataType::Decimal128(p, s) => format!("DECIMAL({p}, {s})"),
        DataType::Utf8 => "VARCHAR".into(),
        DataType::Date32 => "DATE".into(),
        DataType::Timestamp(..) => "TIMESTAMP".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(schema: &str, format: Format, mode: Mode) -> Reader {
        let columns = parse_schema("t", schema).unwrap();
        let mut fields: Vec<Field> = columns
            .iter()
            .map(|c| Field::new(&c.name, c.data_type.clone(), true))
            .collect();
        if mode == Mode::Permissive {
            fields.push(Field::new(CORRUPT_RECORD, DataType::Utf8, true));
        }
        Reader {
            function: "t",
            columns,
            schema: Arc::new(Schema::new(fields)),
            format,
            mode,
        }
    }

    fn csv(mode: Mode, text: &str) -> Result<(RecordBatch, u64)> {
        let r = reader(
            "id BIGINT NOT NULL, name VARCHAR, amount DECIMAL(8, 2), day DATE",
            Format::Csv {
                header: true,
                delimiter: b',',
            },
            mode,
        );
        let rows = r.split_csv(text.as_bytes(), true, b',')?;
        r.convert(Path::new("x.csv"), rows)
    }

    const CSV: &str = "id,name,amount,day\n1,Ann,1.50,2024-01-02\n2,\"Bob, Jr\nthe second\",2,2024-01-03\nabc,Cy,3,2024-01-04\n4,Dee,4\n5,,,\n,Nobody,1,2024-01-01\n";

    #[test]
    fn schema_parsing() {
        let cols = parse_schema(
            "f",
            "schema => a INT NOT NULL, \"b c\" decimal(10, 2), d string",
        )
        .unwrap();
        assert_eq!(cols.len(), 3);
        assert!(cols[0].not_null);
        assert_eq!(cols[1].name, "b c");
        assert_eq!(cols[1].data_type, DataType::Decimal128(10, 2));
        assert_eq!(cols[2].data_type, DataType::Utf8);
        assert!(parse_schema("f", "a").is_err());
        assert!(parse_schema("f", "a BLOB").is_err());
        assert!(parse_schema("f", "a INT, , b INT").is_err());
        assert!(parse_schema("f", "a INT, A INT").is_err());
    }

    #[test]
    fn csv_modes() -> Result<()> {
        let (batch, bad) = csv(Mode::DropMalformed, CSV)?;
        assert_eq!(bad, 3);
        assert_eq!(batch.num_rows(), 3);
        let (batch, bad) = csv(Mode::Permissive, CSV)?;
        assert_eq!(bad, 3);
        assert_eq!(batch.num_rows(), 6);
        let corrupt = batch
            .column(4)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert_eq!(corrupt.value(2), "abc,Cy,3,2024-01-04");
        assert_eq!(corrupt.value(3), "4,Dee,4");
        assert!(corrupt.is_null(1));
        let err = csv(Mode::FailFast, CSV).unwrap_err().to_string();
        assert!(err.contains("x.csv line 5"), "{err}");
        assert!(err.contains("cannot read 'abc' as BIGINT"), "{err}");
        Ok(())
    }

    #[test]
    fn json_modes() -> Result<()> {
        let text = "{\"id\": 1, \"name\": \"a\", \"extra\": [1]}\n\n{\"id\": \"x\"}\nnot json\n[1]\n{\"id\": 5, \"name\": {\"k\": 1}}\n{\"id\": 2.5}\n";
        let r = reader("id BIGINT, name VARCHAR", Format::Json, Mode::DropMalformed);
        let (batch, bad) = r.convert(Path::new("x.jsonl"), r.split_json(text.as_bytes()))?;
        assert_eq!(bad, 4);
        assert_eq!(batch.num_rows(), 2);
        let r = reader("id BIGINT, name VARCHAR", Format::Json, Mode::FailFast);
        let err = r
            .convert(Path::new("x.jsonl"), r.split_json(text.as_bytes()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("x.jsonl line 3: column id: cannot read 'x' as BIGINT"),
            "{err}"
        );
        Ok(())
    }
}
