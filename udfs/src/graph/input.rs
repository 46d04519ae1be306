//! Graph input shared by the graph table functions: argument parsing (edges relation,
//! optional vertex and landmark relations, options) and the conversion of Arrow id
//! columns into dense vertex indices for the kernels.
//!
//! Conventions, as GraphFrames: the edge relation has columns `src` and `dst`, the
//! vertex relation a column `id`. Ids are integers (any width, read as BIGINT) or
//! strings; both relations must use the same kind. Vertex indices follow the order of
//! the ids, so "the smallest index" of a set is "the smallest id".
//!
//! Documented handling of awkward input:
//! - edges with a NULL `src` or `dst` are ignored (as an inner join would); NULL vertex
//!   ids are ignored;
//! - without a vertex relation the graph's vertices are the edge endpoints; with one,
//!   its ids are the vertices (isolated vertices included) and an edge naming an id
//!   missing from it is an error;
//! - self loops and duplicate edges are kept; each function documents what it does
//!   with them;
//! - an empty graph gives an empty result.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, StringArray, UInt32Array,
};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::catalog::TableFunctionArgs;
use datafusion::common::{exec_err, plan_err, Column, HashMap, Result};
use datafusion::logical_expr::{cast, Expr, LogicalPlan, LogicalPlanBuilder};

use crate::table_function::{plan_input, string_arg, Options};

/// What a graph function takes besides the edges and its options.
#[derive(Debug, Clone, Copy)]
pub struct GraphSignature {
    /// A landmark relation (first column: vertex ids) follows the edges; required.
    pub landmarks: bool,
    /// An optional vertex relation may follow.
    pub vertices: bool,
    /// The option names the function accepts.
    pub options: &'static [&'static str],
    /// Usage text for arity errors.
    pub usage: &'static str,
}

/// The kind of vertex ids, which is also the type of id columns in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Integer,
    Text,
}

impl IdKind {
    pub fn data_type(self) -> DataType {
        match self {
            IdKind::Integer => DataType::Int64,
            IdKind::Text => DataType::Utf8,
        }
    }

    fn of(function: &str, what: &str, data_type: &DataType) -> Result<Self> {
        match data_type {
            t if t.is_integer() => Ok(IdKind::Integer),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ok(IdKind::Text),
            DataType::Dictionary(_, value) => IdKind::of(function, what, value),
            other => plan_err!("{function}: {what} must hold integer or string ids, got {other}"),
        }
    }
}

/// A parsed graph function call: the input plans (edges, then vertices and landmarks
/// when given), already projected to the columns the function reads.
pub struct GraphCall {
    pub kind: IdKind,
    pub inputs: Vec<LogicalPlan>,
    pub vertices: Option<usize>,
    pub landmarks: Option<usize>,
    pub weighted: bool,
    pub options: Options,
}

impl GraphCall {
    pub fn parse(
        function: &str,
        args: &TableFunctionArgs,
        signature: GraphSignature,
    ) -> Result<Self> {
        let exprs = args.exprs();
        let usage = signature.usage;
        let mut relations = Vec::new();
        let mut option_args: Vec<Expr> = Vec::new();
        for (i, expr) in exprs.iter().enumerate() {
            let text = string_arg(function, i + 1, expr)?;
            if looks_like_option(&text) {
                option_args.push(expr.clone());
            } else if option_args.is_empty() {
                relations.push(text);
            } else {
                return plan_err!(
                    "{function}: argument {} ('{text}') is not an option, but options must come \
                     after the relations; usage: {function}{usage}",
                    i + 1
                );
            }
        }
        let max_relations = 1 + usize::from(signature.landmarks) + usize::from(signature.vertices);
        let min_relations = 1 + usize::from(signature.landmarks);
        if relations.len() < min_relations || relations.len() > max_relations {
            return plan_err!(
                "{function} expects {function}{usage}, got {} relation argument(s)",
                relations.len()
            );
        }
        let options = Options::parse(
            function,
            &option_args,
            relations.len() + 1,
            signature.options,
        )?;
        let session = args.session();

        let edges = plan_input(function, session, &relations[0])?;
        let src_type = column_type(function, &edges, "src", "the edge relation")?;
        let dst_type = column_type(function, &edges, "dst", "the edge relation")?;
        let kind = IdKind::of(function, "edge column src", &src_type)?;
        if IdKind::of(function, "edge column dst", &dst_type)? != kind {
            return plan_err!(
                "{function}: edge columns src ({src_type}) and dst ({dst_type}) must both be \
                 integer or both be string ids"
            );
        }
        let mut projection = vec![id_column(kind, "src"), id_column(kind, "dst")];
        let weight = options.get("weight").map(str::to_string);
        if let Some(weight) = &weight {
            let weight_type = column_type(function, &edges, weight, "the edge relation")?;
            if !weight_type.is_numeric() {
                return plan_err!(
                    "{function}: weight column {weight} must be numeric, got {weight_type}"
                );
            }
            projection.push(
                cast(
                    Expr::Column(Column::new_unqualified(weight)),
                    DataType::Float64,
                )
                .alias("weight"),
            );
        }
        let mut inputs = vec![LogicalPlanBuilder::from(edges)
            .project(projection)?
            .build()?];

        let mut landmarks = None;
        let mut vertices = None;
        let mut next = 1;
        if signature.landmarks {
            let plan = plan_input(function, session, &relations[next])?;
            let Some(first) = plan.schema().fields().first().cloned() else {
                return plan_err!("{function}: the landmark relation has no columns");
            };
            if IdKind::of(function, "the landmark column", first.data_type())? != kind {
                return plan_err!(
                    "{function}: landmark ids ({}) and edge ids ({src_type}) must be of the same kind",
                    first.data_type()
                );
            }
            let column = Expr::Column(Column::new_unqualified(first.name()));
            let plan = LogicalPlanBuilder::from(plan)
                .project(vec![cast(column, kind.data_type()).alias("landmark")])?
                .build()?;
            landmarks = Some(inputs.len());
            inputs.push(plan);
            next += 1;
        }
        if let Some(relation) = relations.get(next) {
            let plan = plan_input(function, session, relation)?;
            let id_type = column_type(function, &plan, "id", "the vertex relation")?;
            if IdKind::of(function, "vertex column id", &id_type)? != kind {
                return plan_err!(
                    "{function}: vertex ids ({id_type}) and edge ids ({src_type}) must be of the same kind"
                );
            }
            let plan = LogicalPlanBuilder::from(plan)
                .project(vec![id_column(kind, "id")])?
                .build()?;
            vertices = Some(inputs.len());
            inputs.push(plan);
        }
        Ok(Self {
            kind,
            inputs,
            vertices,
            landmarks,
            weighted: weight.is_some(),
            options,
        })
    }
}

/// An option argument looks like `name => value` (or `name = value`); anything else is
/// a relation (a table name or a query).
fn looks_like_option(text: &str) -> bool {
    let text = text.trim_start();
    let name_len = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    name_len > 0 && text[name_len..].trim_start().starts_with('=')
}

fn column_type(function: &str, plan: &LogicalPlan, name: &str, what: &str) -> Result<DataType> {
    match plan.schema().fields().iter().find(|f| f.name() == name) {
        Some(field) => Ok(field.data_type().clone()),
        None => {
            let columns: Vec<&str> = plan
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect();
            plan_err!(
                "{function}: {what} has no column '{name}' (columns: {})",
                columns.join(", ")
            )
        }
    }
}

fn id_column(kind: IdKind, name: &str) -> Expr {
    cast(
        Expr::Column(Column::new_unqualified(name)),
        kind.data_type(),
    )
    .alias(name)
}

/// A graph with dense vertex indices, ready for the kernels.
#[derive(Debug)]
pub struct LoadedGraph {
    /// Vertex ids in index order (ascending): Int64 or Utf8.
    pub ids: ArrayRef,
    pub src: Vec<u32>,
    pub dst: Vec<u32>,
    /// Edge weights when the call named a weight column: finite and non-negative.
    pub weights: Option<Vec<f64>>,
}

impl LoadedGraph {
    pub fn num_vertices(&self) -> usize {
        self.ids.len()
    }

    /// The ids of the given vertex indices.
    pub fn ids_at(&self, indices: Vec<u32>) -> Result<ArrayRef> {
        Ok(take(self.ids.as_ref(), &UInt32Array::from(indices), None)?)
    }

    /// The index of a vertex id given as a one-row slice of an id column.
    fn index_of(&self, kind: IdKind, id: &dyn Array, row: usize) -> Option<u32> {
        let position = match kind {
            IdKind::Integer => {
                let value = id.as_primitive::<Int64Type>().value(row);
                self.ids
                    .as_primitive::<Int64Type>()
                    .values()
                    .binary_search(&value)
                    .ok()
            }
            IdKind::Text => {
                let value = id.as_string::<i32>().value(row);
                let ids = self.ids.as_string::<i32>();
                let (mut lo, mut hi) = (0, ids.len());
                // Binary search over the sorted id strings.
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    match ids.value(mid).cmp(value) {
                        std::cmp::Ordering::Less => lo = mid + 1,
                        std::cmp::Ordering::Greater => hi = mid,
                        std::cmp::Ordering::Equal => return u32::try_from(mid).ok(),
                    }
                }
                None
            }
        };
        position.and_then(|p| u32::try_from(p).ok())
    }

    /// The indices of the landmark ids (first column of `batches`), deduplicated, in the
    /// order given. A landmark that is not a vertex is an error; NULLs are ignored.
    pub fn landmark_indices(
        &self,
        function: &str,
        kind: IdKind,
        batches: &[RecordBatch],
    ) -> Result<Vec<u32>> {
        let mut seen = vec![false; self.num_vertices()];
        let mut landmarks = Vec::new();
        for batch in batches {
            let column = batch.column(0);
            for row in 0..column.len() {
                if column.is_null(row) {
                    continue;
                }
                let Some(index) = self.index_of(kind, column.as_ref(), row) else {
                    let shown =
                        datafusion::arrow::util::display::array_value_to_string(column, row)?;
                    return exec_err!("{function}: landmark {shown} is not a vertex of the graph");
                };
                if !std::mem::replace(&mut seen[index as usize], true) {
                    landmarks.push(index);
                }
            }
        }
        Ok(landmarks)
    }
}

/// Builds the dense graph from the collected inputs of a [`GraphCall`].
pub fn load_graph(
    function: &str,
    call_kind: IdKind,
    edges: &[RecordBatch],
    vertices: Option<&[RecordBatch]>,
) -> Result<LoadedGraph> {
    let weighted = edges.first().is_some_and(|b| b.num_columns() > 2);
    let mut loaded = match call_kind {
        IdKind::Integer => load_integer_ids(function, edges, vertices)?,
        IdKind::Text => load_text_ids(function, edges, vertices)?,
    };
    if weighted {
        loaded.weights = Some(edge_weights(function, edges)?);
    }
    Ok(loaded)
}

/// Rows of an edge batch whose endpoints are both non-NULL.
fn valid_edge(batch: &RecordBatch, row: usize) -> bool {
    batch.column(0).is_valid(row) && batch.column(1).is_valid(row)
}

fn edge_weights(function: &str, edges: &[RecordBatch]) -> Result<Vec<f64>> {
    let mut weights = Vec::new();
    for batch in edges {
        let column: &Float64Array = batch.column(2).as_primitive();
        for row in 0..batch.num_rows() {
            if !valid_edge(batch, row) {
                continue;
            }
            if column.is_null(row) {
                return exec_err!("{function}: an edge has a NULL weight; filter or COALESCE it");
            }
            let w = column.value(row);
            if !w.is_finite() || w < 0.0 {
                return exec_err!(
                    "{function}: edge weights must be finite and non-negative, got {w}"
                );
            }
            weights.push(w);
        }
    }
    Ok(weights)
}

/// Integer ids: a direct lookup table when the ids span a dense range (the common case
/// of surrogate keys), a hash map otherwise.
fn load_integer_ids(
    function: &str,
    edges: &[RecordBatch],
    vertices: Option<&[RecordBatch]>,
) -> Result<LoadedGraph> {
    let int_columns = |batches: &[RecordBatch], columns: &[usize]| -> Vec<Int64Array> {
        batches
            .iter()
            .flat_map(|b| {
                columns
                    .iter()
                    .map(|&c| b.column(c).as_primitive::<Int64Type>().clone())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    // The id set: the vertex relation when given, else the edge endpoints.
    let id_arrays = match vertices {
        Some(batches) => int_columns(batches, &[0]),
        None => int_columns(edges, &[0, 1]),
    };
    let (mut min, mut max, mut count) = (i64::MAX, i64::MIN, 0usize);
    for array in &id_arrays {
        for value in array.iter().flatten() {
            min = min.min(value);
            max = max.max(value);
            count += 1;
        }
    }
    let span = if count == 0 {
        0
    } else {
        (max as i128 - min as i128 + 1) as u128
    };
    let dense = count > 0 && span <= (4 * count as u128).max(1 << 16) && span <= (1 << 28);

    let (src, dst);
    let ids: Vec<i64>;
    if dense {
        const ABSENT: u32 = u32::MAX;
        let mut table = vec![ABSENT; span as usize];
        for array in &id_arrays {
            for value in array.iter().flatten() {
                table[(value - min) as usize] = 0;
            }
        }
        let mut sorted = Vec::new();
        for (offset, slot) in table.iter_mut().enumerate() {
            if *slot != ABSENT {
                *slot = u32::try_from(sorted.len()).map_err(|_| too_many(function))?;
                sorted.push(min + offset as i64);
            }
        }
        (src, dst) = map_endpoints(function, edges, integer_endpoint, |&value| {
            value
                .checked_sub(min)
                .and_then(|o| usize::try_from(o).ok())
                .and_then(|o| table.get(o))
                .copied()
                .filter(|&i| i != ABSENT)
        })?;
        ids = sorted;
    } else {
        let mut unique: Vec<i64> = id_arrays.iter().flat_map(|a| a.iter().flatten()).collect();
        unique.sort_unstable();
        unique.dedup();
        let mut index: HashMap<i64, u32> = HashMap::with_capacity(unique.len());
        for (i, &value) in unique.iter().enumerate() {
            index.insert(value, u32::try_from(i).map_err(|_| too_many(function))?);
        }
        (src, dst) = map_endpoints(function, edges, integer_endpoint, |value| {
            index.get(value).copied()
        })?;
        ids = unique;
    }
    Ok(LoadedGraph {
        ids: Arc::new(Int64Array::from(ids)),
        src,
        dst,
        weights: None,
    })
}

fn load_text_ids(
    function: &str,
    edges: &[RecordBatch],
    vertices: Option<&[RecordBatch]>,
) -> Result<LoadedGraph> {
    let string_columns = |batches: &[RecordBatch], columns: &[usize]| -> Vec<StringArray> {
        batches
            .iter()
            .flat_map(|b| {
                columns
                    .iter()
                    .map(|&c| b.column(c).as_string::<i32>().clone())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let id_arrays = match vertices {
        Some(batches) => string_columns(batches, &[0]),
        None => string_columns(edges, &[0, 1]),
    };
    let mut unique: Vec<&str> = id_arrays.iter().flat_map(|a| a.iter().flatten()).collect();
    unique.sort_unstable();
    unique.dedup();
    let mut index: HashMap<&str, u32> = HashMap::with_capacity(unique.len());
    for (i, &value) in unique.iter().enumerate() {
        index.insert(value, u32::try_from(i).map_err(|_| too_many(function))?);
    }
    let (src, dst) = map_endpoints(
        function,
        edges,
        |batch, column, row| batch.column(column).as_string::<i32>().value(row),
        |value| index.get(value).copied(),
    )?;
    Ok(LoadedGraph {
        ids: Arc::new(StringArray::from(unique)),
        src,
        dst,
        weights: None,
    })
}

/// An integer endpoint (`column` 0: src, 1: dst) of an edge batch.
fn integer_endpoint(batch: &RecordBatch, column: usize, row: usize) -> i64 {
    batch.column(column).as_primitive::<Int64Type>().value(row)
}

/// The vertex indices of both endpoints of every edge without a NULL endpoint, or an
/// error naming the first endpoint `index_of` does not know.
fn map_endpoints<'a, T: std::fmt::Display>(
    function: &str,
    edges: &'a [RecordBatch],
    value: impl Fn(&'a RecordBatch, usize, usize) -> T,
    index_of: impl Fn(&T) -> Option<u32>,
) -> Result<(Vec<u32>, Vec<u32>)> {
    let edge_count: usize = edges.iter().map(RecordBatch::num_rows).sum();
    let mut src = Vec::with_capacity(edge_count);
    let mut dst = Vec::with_capacity(edge_count);
    for batch in edges {
        for row in 0..batch.num_rows() {
            if !valid_edge(batch, row) {
                continue;
            }
            for (column, out) in [(0, &mut src), (1, &mut dst)] {
                let endpoint = value(batch, column, row);
                match index_of(&endpoint) {
                    Some(index) => out.push(index),
                    None => {
                        return exec_err!(
                            "{function}: an edge references vertex {endpoint}, which is not in the \
                             vertex relation; add it to the vertices or filter the edges"
                        )
                    }
                }
            }
        }
    }
    Ok((src, dst))
}

fn too_many(function: &str) -> datafusion::common::DataFusionError {
    datafusion::common::DataFusionError::Execution(format!(
        "{function}: graphs are limited to {} vertices",
        u32::MAX - 1
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::{Field, Schema};

    fn int_edges(src: &[Option<i64>], dst: &[Option<i64>]) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("src", DataType::Int64, true),
            Field::new("dst", DataType::Int64, true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(src.to_vec())),
                Arc::new(Int64Array::from(dst.to_vec())),
            ],
        )
        .unwrap()
    }

    fn ids(graph: &LoadedGraph) -> Vec<i64> {
        graph.ids.as_primitive::<Int64Type>().values().to_vec()
    }

    #[test]
    fn options_are_told_apart_from_relations() {
        assert!(looks_like_option("max_iter => 5"));
        assert!(looks_like_option(" tol=0"));
        assert!(!looks_like_option("relationships"));
        assert!(!looks_like_option("SELECT src, dst FROM e WHERE w = 1"));
        assert!(!looks_like_option("delta.`/tmp/x`"));
    }

    #[test]
    fn dense_integer_ids_map_in_id_order_and_skip_null_endpoints() {
        let edges = int_edges(
            &[Some(12), Some(10), None, Some(11)],
            &[Some(10), Some(12), Some(10), Some(12)],
        );
        let graph = load_graph("t", IdKind::Integer, &[edges], None).unwrap();
        assert_eq!(ids(&graph), vec![10, 11, 12]);
        assert_eq!(graph.src, vec![2, 0, 1]);
        assert_eq!(graph.dst, vec![0, 2, 2]);
    }

    #[test]
    fn sparse_integer_ids_use_the_hash_map() {
        let edges = int_edges(
            &[Some(i64::MIN), Some(5)],
            &[Some(i64::MAX), Some(i64::MIN)],
        );
        let graph = load_graph("t", IdKind::Integer, &[edges], None).unwrap();
        assert_eq!(ids(&graph), vec![i64::MIN, 5, i64::MAX]);
        assert_eq!(graph.src, vec![0, 1]);
        assert_eq!(graph.dst, vec![2, 0]);
    }

    #[test]
    fn vertex_relation_adds_isolated_vertices_and_rejects_unknown_endpoints() {
        let edges = int_edges(&[Some(1)], &[Some(2)]);
        let vertices = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, true)])),
            vec![Arc::new(Int64Array::from(vec![
                Some(3),
                Some(2),
                None,
                Some(1),
            ]))],
        )
        .unwrap();
        let graph = load_graph(
            "t",
            IdKind::Integer,
            std::slice::from_ref(&edges),
            Some(std::slice::from_ref(&vertices)),
        )
        .unwrap();
        assert_eq!(ids(&graph), vec![1, 2, 3]);
        let unknown = int_edges(&[Some(1)], &[Some(4)]);
        let err = load_graph("t", IdKind::Integer, &[unknown], Some(&[vertices])).unwrap_err();
        assert!(err.to_string().contains("vertex 4"), "{err}");
    }

    #[test]
    fn text_ids_sort_lexicographically() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("src", DataType::Utf8, true),
            Field::new("dst", DataType::Utf8, true),
        ]));
        let edges = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec!["b", "c"])),
                Arc::new(StringArray::from(vec!["a", "b"])),
            ],
        )
        .unwrap();
        let graph = load_graph("t", IdKind::Text, &[edges], None).unwrap();
        assert_eq!(
            graph
                .ids
                .as_string::<i32>()
                .iter()
                .flatten()
                .collect::<Vec<_>>(),
            vec!["a", "b", "c"]
        );
        assert_eq!(graph.src, vec![1, 2]);
        assert_eq!(graph.dst, vec![0, 1]);
    }

    #[test]
    fn bad_weights_are_rejected() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("src", DataType::Int64, true),
            Field::new("dst", DataType::Int64, true),
            Field::new("weight", DataType::Float64, true),
        ]));
        for weight in [Some(-1.0), Some(f64::NAN), None] {
            let edges = RecordBatch::try_new(
                Arc::clone(&schema),
                vec![
                    Arc::new(Int64Array::from(vec![1])),
                    Arc::new(Int64Array::from(vec![2])),
                    Arc::new(Float64Array::from(vec![weight])),
                ],
            )
            .unwrap();
            assert!(load_graph("t", IdKind::Integer, &[edges], None).is_err());
        }
    }
}
