//! `hashing_tf(tokens [, num_features [, binary]])`: Spark ML's `HashingTF`.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Builder, Int32Builder, ListBuilder, StructArray};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion_macros::user_doc;

use super::token_lists::{
    coerce_token_list, constant_bool, constant_int, for_each_token_list, into_result, result_rows,
};

/// Spark's HashingTF seed (`OldHashingTF.seed`).
const SEED: u32 = 42;
/// Spark's default number of features, 2^18.
const DEFAULT_NUM_FEATURES: i64 = 1 << 18;

/// MurmurHash3 x86 32-bit of `bytes` (Spark's `Murmur3_x86_32.hashUnsafeBytes2`, the
/// standard algorithm), as a signed integer like Java's.
pub fn murmur3_x86_32(bytes: &[u8], seed: u32) -> i32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let mut chunks = bytes.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, b) in tail.iter().enumerate() {
            k ^= u32::from(*b) << (8 * i);
        }
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
    }
    h ^= bytes.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h as i32
}

/// The feature index of a term: Spark's `nonNegativeMod(murmur3(term), num_features)`;
/// a NULL term hashes to the seed, as Spark.
pub fn feature_index(term: Option<&str>, num_features: i32) -> i32 {
    let hash = term.map_or(SEED as i32, |t| murmur3_x86_32(t.as_bytes(), SEED));
    hash.rem_euclid(num_features)
}

fn sparse_vector_fields() -> Fields {
    Fields::from(vec![
        Field::new("size", DataType::Int32, false),
        Field::new(
            "indices",
            DataType::List(Arc::new(Field::new_list_field(DataType::Int32, true))),
            false,
        ),
        Field::new(
            "values",
            DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true))),
            false,
        ),
    ])
}

#[user_doc(
    doc_section(label = "Text Functions"),
    description = "Spark ML's `HashingTF`: term frequencies hashed into a sparse vector of \
`num_features` dimensions (default 2^18 = 262144, as Spark). A term's index is \
`MurmurHash3_x86_32(utf8 bytes, seed 42) mod num_features` (non-negative), Spark's \
function, so indices equal Spark's for the same terms. Returns Spark's `SparseVector` as \
a struct `{size, indices, values}` with indices ascending; `values` are counts, or 1.0 \
with `binary` true. A NULL element hashes like Spark's NULL (to the seed); a NULL list \
gives NULL.",
    syntax_example = "hashing_tf(tokens [, num_features [, binary]])",
    sql_example = r#"```sql
> SELECT hashing_tf(['a', 'b', 'a'], 20);
+--------------------------------------------------+
| {size: 20, indices: [5, 7], values: [1.0, 2.0]}  |
+--------------------------------------------------+
```"#,
    argument(
        name = "tokens",
        description = "List of strings, e.g. `tokenize(text)`."
    ),
    argument(
        name = "num_features",
        description = "Vector size, a constant >= 1 (default 262144)."
    ),
    argument(
        name = "binary",
        description = "Whether all non-zero counts become 1.0 (default false)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct HashingTf {
    signature: Signature,
}

impl Default for HashingTf {
    fn default() -> Self {
        Self::new()
    }
}

impl HashingTf {
    pub fn new() -> Self {
        Self {
            signature: Signature::new(TypeSignature::UserDefined, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for HashingTf {
    fn name(&self) -> &str {
        "hashing_tf"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        let usage = "hashing_tf(tokens [, num_features [, binary]])";
        let Some(tokens) = arg_types.first() else {
            return plan_err!("{name} expects {usage}");
        };
        if arg_types.len() > 3 {
            return plan_err!("{name} expects {usage}, got {} arguments", arg_types.len());
        }
        let mut types = vec![coerce_token_list(name, "the tokens", tokens)?];
        if let Some(n) = arg_types.get(1) {
            if !(n.is_integer() || n.is_null()) {
                return plan_err!("{name}: num_features must be an integer, got {n}");
            }
            types.push(DataType::Int64);
        }
        if let Some(b) = arg_types.get(2) {
            if !(b.is_null() || b == &DataType::Boolean) {
                return plan_err!("{name}: binary must be a boolean, got {b}");
            }
            types.push(DataType::Boolean);
        }
        Ok(types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(sparse_vector_fields()))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let Some(tokens) = args.args.first() else {
            return exec_err!("{name} expects a list of tokens");
        };
        let num_features =
            constant_int(name, "num_features", args.args.get(1), DEFAULT_NUM_FEATURES)?;
        let Ok(num_features) = i32::try_from(num_features) else {
            return exec_err!(
                "{name}: num_features must be between 1 and 2147483647, got {num_features}"
            );
        };
        if num_features < 1 {
            return exec_err!("{name}: num_features must be >= 1, got {num_features}");
        }
        let binary = constant_bool(name, "binary", args.args.get(2), false)?;

        let (rows, scalar) = result_rows(&args.args, args.number_rows);
        let tokens = tokens.to_array(rows)?;
        let mut sizes = Int32Builder::with_capacity(rows);
        let mut indices = ListBuilder::with_capacity(Int32Builder::new(), rows);
        let mut values = ListBuilder::with_capacity(Float64Builder::new(), rows);
        let mut valid = Vec::with_capacity(rows);
        let mut hashed: Vec<i32> = Vec::new();
        for_each_token_list(name, &tokens, |row| {
            valid.push(row.is_some());
            sizes.append_value(num_features);
            if let Some(row) = row {
                hashed.clear();
                hashed.extend(row.iter().map(|t| feature_index(t, num_features)));
                hashed.sort_unstable();
                let mut i = 0;
                while i < hashed.len() {
                    let index = hashed[i];
                    let mut j = i;
                    while j < hashed.len() && hashed[j] == index {
                        j += 1;
                    }
                    indices.values().append_value(index);
                    values
                        .values()
                        .append_value(if binary { 1.0 } else { (j - i) as f64 });
                    i = j;
                }
            }
            indices.append(true);
            values.append(true);
            Ok(())
        })?;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(sizes.finish()),
            Arc::new(indices.finish()),
            Arc::new(values.finish()),
        ];
        let result = StructArray::try_new(
            sparse_vector_fields(),
            columns,
            Some(NullBuffer::from(valid)),
        )?;
        into_result(Arc::new(result), scalar)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values: Python `mmh3.hash(s.encode(), 42, signed=True)` and `% n`
    /// (non-negative), which is what Spark's HashingTF computes.
    #[test]
    fn murmur3_matches_reference() {
        let cases = [
            ("spark", -226_056_714, 173_558, 6),
            ("hello", -488_910_111, 250_593, 9),
            ("a", -1_293_573_533, 107_107, 7),
            ("", 142_593_372, 249_180, 12),
            ("résumé", -1_236_250_435, 20_669, 5),
            ("the quick brown fox", -1_980_964_478, 57_730, 2),
            ("😀", 1_877_935_379, 197_907, 19),
        ];
        for (term, hash, index_2_18, index_20) in cases {
            assert_eq!(murmur3_x86_32(term.as_bytes(), 42), hash, "{term}");
            assert_eq!(feature_index(Some(term), 1 << 18), index_2_18, "{term}");
            assert_eq!(feature_index(Some(term), 20), index_20, "{term}");
        }
        assert_eq!(feature_index(None, 20), 2);
    }
}
