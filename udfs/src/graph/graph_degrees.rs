//! `graph_degrees(edges [, vertices])`: in-, out- and total degree of every vertex.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int64Array};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::input::{GraphCall, GraphSignature, LoadedGraph};
use super::{graph_table, output_schema};

#[user_doc(
    doc_section(label = "Graph Table Functions"),
    description = "In-degree, out-degree and total degree (in + out) of every vertex, as \
GraphFrames' `inDegrees`, `outDegrees` and `degrees` in one table. Parallel edges count \
once each; a self loop adds one to both the in- and the out-degree. Vertices of the vertex \
relation without edges appear with zeros (GraphFrames leaves them out). Edges with a NULL \
endpoint are ignored; an edge naming a vertex missing from the vertex relation is an error.",
    syntax_example = "graph_degrees(edges [, vertices])",
    sql_example = r#"```sql
> SELECT * FROM graph_degrees('relationships', 'entities') ORDER BY degree DESC LIMIT 3;
```"#,
    argument(
        name = "edges",
        description = "Table, view or quoted query with columns `src` and `dst` (integer or string ids)."
    ),
    argument(
        name = "vertices",
        description = "Optional table, view or query with an `id` column: the graph's vertices."
    )
)]
#[derive(Debug, Default)]
pub struct GraphDegreesFunction;

pub const NAME: &str = "graph_degrees";

const SIGNATURE: GraphSignature = GraphSignature {
    landmarks: false,
    vertices: true,
    options: &[],
    usage: "(edges [, vertices])",
};

impl TableFunctionImpl for GraphDegreesFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let call = GraphCall::parse(NAME, &args, SIGNATURE)?;
        let schema = output_schema(
            &call,
            vec![
                Field::new("in_degree", DataType::Int64, false),
                Field::new("out_degree", DataType::Int64, false),
                Field::new("degree", DataType::Int64, false),
            ],
        );
        Ok(graph_table(NAME, call, schema, |graph, _| {
            let (in_degree, out_degree) = degrees(graph);
            let degree: Int64Array = in_degree
                .iter()
                .zip(&out_degree)
                .map(|(i, o)| Some(i + o))
                .collect();
            Ok(vec![
                Arc::clone(&graph.ids),
                Arc::new(Int64Array::from(in_degree)) as ArrayRef,
                Arc::new(Int64Array::from(out_degree)),
                Arc::new(degree),
            ])
        }))
    }
}

impl GraphDegreesFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

/// In- and out-degree per vertex index, parallel edges and self loops included.
fn degrees(graph: &LoadedGraph) -> (Vec<i64>, Vec<i64>) {
    let n = graph.num_vertices();
    let (mut in_degree, mut out_degree) = (vec![0i64; n], vec![0i64; n]);
    for (&s, &d) in graph.src.iter().zip(&graph.dst) {
        out_degree[s as usize] += 1;
        in_degree[d as usize] += 1;
    }
    (in_degree, out_degree)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Int64Array;

    #[test]
    fn self_loops_and_parallel_edges_count_each_time() {
        let graph = LoadedGraph {
            ids: Arc::new(Int64Array::from(vec![1, 2, 3])),
            src: vec![0, 0, 1, 2],
            dst: vec![1, 1, 1, 0],
            weights: None,
        };
        let (in_degree, out_degree) = degrees(&graph);
        assert_eq!(in_degree, vec![1, 3, 0]);
        assert_eq!(out_degree, vec![2, 1, 1]);
    }
}
