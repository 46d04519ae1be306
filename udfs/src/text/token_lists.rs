//! Shared plumbing of the text functions: reading string and string-list arguments
//! without copying them, building list-of-string results, and argument coercion.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListBuilder, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::ColumnarValue;

/// The list-of-strings type every token function returns (Spark's `array<string>`).
pub fn token_list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

/// Text arguments keep their string type (no copy); NULL stays NULL; anything else is a
/// plan error naming the function.
pub fn coerce_text(name: &str, what: &str, t: &DataType) -> Result<DataType> {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ok(t.clone()),
        DataType::Null => Ok(DataType::Utf8),
        other => plan_err!("{name}: {what} must be a string, got {other}"),
    }
}

/// Token-list arguments (lists of any string type, or NULL) become `List<Utf8>`.
pub fn coerce_token_list(name: &str, what: &str, t: &DataType) -> Result<DataType> {
    match t {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _)
            if matches!(
                f.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
            ) =>
        {
            Ok(token_list_type())
        }
        DataType::Null => Ok(token_list_type()),
        other => {
            plan_err!("{name}: {what} must be a list of strings (e.g. tokenize(text)), got {other}")
        }
    }
}

/// Calls `f` with every value of a string array (NULL as `None`).
pub fn for_each_str<'a>(
    name: &str,
    array: &'a ArrayRef,
    mut f: impl FnMut(Option<&'a str>) -> Result<()>,
) -> Result<()> {
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().try_for_each(f),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().try_for_each(f),
        DataType::Utf8View => array.as_string_view().iter().try_for_each(f),
        DataType::Null => (0..array.len()).try_for_each(|_| f(None)),
        other => exec_err!("{name}: expected a string argument, got {other}"),
    }
}

/// Calls `f` with every row of a `List<Utf8>` array: `None` for a NULL list, otherwise
/// the row's tokens (a NULL element is `None`).
pub fn for_each_token_list<'a>(
    name: &str,
    array: &'a ArrayRef,
    mut f: impl FnMut(Option<TokenRow<'a>>) -> Result<()>,
) -> Result<()> {
    if array.data_type() == &DataType::Null {
        return (0..array.len()).try_for_each(|_| f(None));
    }
    let Some(lists) = array.as_list_opt::<i32>() else {
        return exec_err!(
            "{name}: expected a list of strings, got {}",
            array.data_type()
        );
    };
    let Some(values) = lists.values().as_string_opt::<i32>() else {
        return exec_err!(
            "{name}: expected a list of strings, got {}",
            array.data_type()
        );
    };
    let offsets = lists.value_offsets();
    for row in 0..lists.len() {
        if lists.is_null(row) {
            f(None)?;
        } else {
            f(Some(TokenRow {
                values,
                start: offsets[row] as usize,
                end: offsets[row + 1] as usize,
            }))?;
        }
    }
    Ok(())
}

/// One row of a token list, borrowed from the Arrow buffers.
#[derive(Clone, Copy)]
pub struct TokenRow<'a> {
    values: &'a datafusion::arrow::array::StringArray,
    start: usize,
    end: usize,
}

impl<'a> TokenRow<'a> {
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The tokens, NULL elements as `None`.
    pub fn iter(&self) -> impl Iterator<Item = Option<&'a str>> + 'a {
        let values = self.values;
        (self.start..self.end).map(move |i| values.is_valid(i).then(|| values.value(i)))
    }
}

/// A `List<Utf8>` builder sized for `rows` rows of about `tokens_per_row` tokens.
pub fn token_list_builder(rows: usize, tokens_per_row: usize) -> ListBuilder<StringBuilder> {
    let items = rows.saturating_mul(tokens_per_row);
    ListBuilder::with_capacity(
        StringBuilder::with_capacity(items, items.saturating_mul(6)),
        rows,
    )
}

/// The number of rows a function's result has: 1 when every argument is a scalar
/// (the result is then a scalar too), the batch size otherwise.
pub fn result_rows(args: &[ColumnarValue], number_rows: usize) -> (usize, bool) {
    let all_scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
    (if all_scalar { 1 } else { number_rows }, all_scalar)
}

/// Wraps a computed array as the function's result (a scalar for scalar input).
pub fn into_result(array: ArrayRef, scalar: bool) -> Result<ColumnarValue> {
    if scalar {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &array, 0,
        )?))
    } else {
        Ok(ColumnarValue::Array(array))
    }
}

/// The value of a constant argument, or an error saying it must be constant.
pub fn constant_arg<'a>(name: &str, what: &str, arg: &'a ColumnarValue) -> Result<&'a ScalarValue> {
    match arg {
        ColumnarValue::Scalar(value) => Ok(value),
        ColumnarValue::Array(_) => exec_err!("{name}: {what} must be a constant"),
    }
}

/// An optional constant integer argument (`default` when absent or NULL).
pub fn constant_int(
    name: &str,
    what: &str,
    arg: Option<&ColumnarValue>,
    default: i64,
) -> Result<i64> {
    let Some(arg) = arg else { return Ok(default) };
    let value = constant_arg(name, what, arg)?;
    if value.is_null() {
        return Ok(default);
    }
    match value.cast_to(&DataType::Int64)? {
        ScalarValue::Int64(Some(v)) => Ok(v),
        other => exec_err!("{name}: {what} must be an integer, got {other}"),
    }
}

/// An optional constant boolean argument (`default` when absent or NULL).
pub fn constant_bool(
    name: &str,
    what: &str,
    arg: Option<&ColumnarValue>,
    default: bool,
) -> Result<bool> {
    let Some(arg) = arg else { return Ok(default) };
    match constant_arg(name, what, arg)? {
        ScalarValue::Boolean(Some(v)) => Ok(*v),
        ScalarValue::Boolean(None) | ScalarValue::Null => Ok(default),
        other => exec_err!("{name}: {what} must be true or false, got {other}"),
    }
}

/// The strings of a constant list argument (NULL elements skipped).
pub fn constant_string_list(name: &str, what: &str, arg: &ColumnarValue) -> Result<Vec<String>> {
    let value = constant_arg(name, what, arg)?;
    let array = value.to_array_of_size(1)?;
    let array = datafusion::arrow::compute::cast(&array, &token_list_type())?;
    let mut out = Vec::new();
    for_each_token_list(name, &array, |row| {
        if let Some(row) = row {
            out.extend(row.iter().flatten().map(str::to_string));
        }
        Ok(())
    })?;
    Ok(out)
}

/// Lower-cases `text` into `buffer` (cleared first), without allocating for ASCII text.
/// Non-ASCII text uses Unicode lower-casing, as Java's `toLowerCase`.
pub fn lowercase_into<'b>(text: &str, buffer: &'b mut String) -> &'b str {
    buffer.clear();
    if text.is_ascii() {
        buffer.push_str(text);
        buffer.make_ascii_lowercase();
    } else {
        buffer.push_str(&text.to_lowercase());
    }
    buffer.as_str()
}

/// Builds a `List<Utf8>` from the rows of `lists` (a `ListArray` result helper for tests).
#[cfg(test)]
pub fn list_rows(array: &ArrayRef) -> Vec<Option<Vec<Option<String>>>> {
    let lists = array.as_list::<i32>();
    (0..lists.len())
        .map(|row| {
            lists.is_valid(row).then(|| {
                let values = lists.value(row);
                let values = values.as_string::<i32>();
                values.iter().map(|v| v.map(str::to_string)).collect()
            })
        })
        .collect()
}

/// Calls a scalar function implementation directly (unit tests) and returns its result
/// as an array of `number_rows` rows.
#[cfg(test)]
pub fn invoke(
    udf: &dyn datafusion::logical_expr::ScalarUDFImpl,
    args: Vec<ColumnarValue>,
    number_rows: usize,
) -> Result<ArrayRef> {
    use datafusion::config::ConfigOptions;
    use datafusion::logical_expr::ScalarFunctionArgs;
    let types: Vec<DataType> = args.iter().map(ColumnarValue::data_type).collect();
    let arg_fields = types
        .iter()
        .map(|t| Arc::new(Field::new("arg", t.clone(), true)))
        .collect();
    let return_type = udf.return_type(&types)?;
    udf.invoke_with_args(ScalarFunctionArgs {
        args,
        arg_fields,
        number_rows,
        return_field: Arc::new(Field::new(udf.name(), return_type, true)),
        config_options: Arc::new(ConfigOptions::default()),
    })?
    .to_array(number_rows)
}

/// A string column argument (unit tests).
#[cfg(test)]
pub fn texts(values: &[Option<&str>]) -> ColumnarValue {
    ColumnarValue::Array(Arc::new(datafusion::arrow::array::StringArray::from(
        values.to_vec(),
    )))
}

/// A token-list column argument (unit tests).
#[cfg(test)]
pub fn token_lists(rows: &[Option<Vec<&str>>]) -> ColumnarValue {
    let mut builder = token_list_builder(rows.len(), 4);
    for row in rows {
        match row {
            None => builder.append_null(),
            Some(tokens) => {
                for t in tokens {
                    builder.values().append_value(t);
                }
                builder.append(true);
            }
        }
    }
    ColumnarValue::Array(Arc::new(builder.finish()))
}

/// The rows of a list-of-strings result, NULL elements as "NULL" (unit tests).
#[cfg(test)]
pub fn string_rows(array: &ArrayRef) -> Vec<Option<Vec<String>>> {
    list_rows(array)
        .into_iter()
        .map(|r| {
            r.map(|r| {
                r.into_iter()
                    .map(|t| t.unwrap_or_else(|| "NULL".into()))
                    .collect()
            })
        })
        .collect()
}
