//! Graph analysis (seed scenario 17, GraphFrames in the seed) as table functions over an
//! edge relation (`src`, `dst`[, weight]) and an optional vertex relation (`id`):
//! degrees, PageRank, label propagation, connected components, triangle counts and
//! shortest paths to landmarks. [`input`] turns the relations into dense vertex indices
//! and [`csr`] into compressed adjacency; each function file holds its kernel.

pub mod connected_components;
pub mod csr;
pub mod graph_degrees;
pub mod input;
pub mod label_propagation;
pub mod pagerank;
pub mod shortest_paths;
pub mod triangle_count;

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::table_function::DeferredTable;
use input::{load_graph, GraphCall, LoadedGraph};

/// The graph table functions by name.
pub fn table_functions() -> Vec<(&'static str, Arc<dyn TableFunctionImpl>)> {
    vec![
        (
            graph_degrees::NAME,
            Arc::new(graph_degrees::GraphDegreesFunction),
        ),
        (pagerank::NAME, Arc::new(pagerank::PageRankFunction)),
        (
            label_propagation::NAME,
            Arc::new(label_propagation::LabelPropagationFunction),
        ),
        (
            connected_components::NAME,
            Arc::new(connected_components::ConnectedComponentsFunction),
        ),
        (
            triangle_count::NAME,
            Arc::new(triangle_count::TriangleCountFunction),
        ),
        (
            shortest_paths::NAME,
            Arc::new(shortest_paths::ShortestPathsFunction),
        ),
    ]
}

/// Documentation of the graph table functions.
pub fn table_function_docs() -> Vec<(String, Documentation)> {
    [
        (
            graph_degrees::NAME,
            graph_degrees::GraphDegreesFunction.documentation(),
        ),
        (pagerank::NAME, pagerank::PageRankFunction.documentation()),
        (
            label_propagation::NAME,
            label_propagation::LabelPropagationFunction.documentation(),
        ),
        (
            connected_components::NAME,
            connected_components::ConnectedComponentsFunction.documentation(),
        ),
        (
            triangle_count::NAME,
            triangle_count::TriangleCountFunction.documentation(),
        ),
        (
            shortest_paths::NAME,
            shortest_paths::ShortestPathsFunction.documentation(),
        ),
    ]
    .into_iter()
    .filter_map(|(name, doc)| doc.map(|d| (name.to_string(), d.clone())))
    .collect()
}

/// The output schema `id` + `columns`, the id typed as the input ids.
fn output_schema(call: &GraphCall, columns: Vec<Field>) -> SchemaRef {
    let mut fields = vec![Field::new("id", call.kind.data_type(), false)];
    fields.extend(columns);
    Arc::new(Schema::new(fields))
}

/// A deferred table computing `columns` from the loaded graph (and the landmark
/// batches, empty when the function takes none) when it is scanned.
fn graph_table<F>(
    function: &'static str,
    call: GraphCall,
    schema: SchemaRef,
    columns: F,
) -> Arc<dyn TableProvider>
where
    F: Fn(&LoadedGraph, &[RecordBatch]) -> Result<Vec<ArrayRef>> + Send + Sync + 'static,
{
    let out_schema = Arc::clone(&schema);
    let (kind, vertices, landmarks) = (call.kind, call.vertices, call.landmarks);
    let compute = Arc::new(move |inputs: Vec<Vec<RecordBatch>>| {
        let edges = inputs.first().map(Vec::as_slice).unwrap_or_default();
        let vertex_batches = vertices.and_then(|i| inputs.get(i)).map(Vec::as_slice);
        let graph = load_graph(function, kind, edges, vertex_batches)?;
        let landmark_batches = landmarks
            .and_then(|i| inputs.get(i))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let columns = columns(&graph, landmark_batches)?;
        Ok(vec![RecordBatch::try_new(
            Arc::clone(&out_schema),
            columns,
        )?])
    });
    Arc::new(DeferredTable::with_inputs(schema, call.inputs, compute))
}
