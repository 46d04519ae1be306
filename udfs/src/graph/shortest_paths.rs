//! Distances to a landmark vertex, as GraphFrames' `shortestPaths` (hops) and its
//! weighted variant (Dijkstra).

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::input::{GraphCall, GraphSignature};
use super::{graph_table, output_schema};

#[user_doc(
    doc_section(label = "Graph Table Functions"),
    description = "Shortest-path distances from every vertex to each landmark, one row per \
reachable (vertex, landmark) pair (GraphFrames' `shortestPaths` gives the same pairs as a \
map per vertex). Distances follow edge direction, from the vertex to the landmark, in hops \
(BIGINT, breadth-first search), as GraphFrames; with `weight => column` they are sums of \
non-negative edge weights (DOUBLE, Dijkstra). `directed => false` ignores edge direction. \
A landmark is 0 from itself; duplicate landmarks count once; a landmark that is not a \
vertex of the graph is an error.",
    syntax_example = "shortest_paths(edges, landmarks [, 'weight => column, directed => true'])",
    sql_example = r#"```sql
> SELECT * FROM shortest_paths('relationships',
      'SELECT id FROM top_entities ORDER BY pagerank DESC LIMIT 10');
```"#,
    argument(
        name = "edges",
        description = "Table, view or quoted query with columns `src` and `dst` (integer or string ids)."
    ),
    argument(
        name = "landmarks",
        description = "Table, view or quoted query whose first column holds the landmark ids."
    ),
    argument(
        name = "options",
        description = "weight: a numeric edge column for weighted distances; directed: false to \
ignore edge direction (default true)."
    )
)]
#[derive(Debug, Default)]
pub struct ShortestPathsFunction;

pub const NAME: &str = "shortest_paths";

const SIGNATURE: GraphSignature = GraphSignature {
    landmarks: true,
    vertices: false,
    options: &["weight", "directed"],
    usage: "(edges, landmarks [, 'weight => column, directed => true'])",
};

impl TableFunctionImpl for ShortestPathsFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let call = GraphCall::parse(NAME, &args, SIGNATURE)?;
        let directed = call.options.bool_or("directed", true)?;
        let (kind, weighted) = (call.kind, call.weighted);
        let distance_type = if weighted {
            DataType::Float64
        } else {
            DataType::Int64
        };
        let schema = output_schema(
            &call,
            vec![
                Field::new("landmark", kind.data_type(), false),
                Field::new("distance", distance_type, false),
            ],
        );
        Ok(graph_table(
            NAME,
            call,
            schema,
            move |graph, landmark_batches| {
                let landmarks = graph.landmark_indices(NAME, kind, landmark_batches)?;
                let n = graph.num_vertices();
                let weights = graph.weights.as_deref();
                // Distances to a landmark are searched from the landmark over reversed edges.
                let reverse = if directed {
                    Csr::from_edges(n, &graph.dst, &graph.src, weights)
                } else {
                    Csr::from_undirected_edges(n, &graph.src, &graph.dst, weights)
                };
                let (mut from, mut to) = (Vec::new(), Vec::new());
                let distances: ArrayRef = if weighted {
                    let mut values = Vec::new();
                    for &landmark in &landmarks {
                        for (v, d) in weighted_distances_to(landmark, &reverse)
                            .into_iter()
                            .enumerate()
                        {
                            if d.is_finite() {
                                from.push(v as u32);
                                to.push(landmark);
                                values.push(d);
                            }
                        }
                    }
                    Arc::new(Float64Array::from(values))
                } else {
                    let mut values = Vec::new();
                    for &landmark in &landmarks {
                        for (v, d) in hop_distances_to(landmark, &reverse).into_iter().enumerate() {
                            if d != UNREACHABLE {
                                from.push(v as u32);
                                to.push(landmark);
                                values.push(i64::from(d));
                            }
                        }
                    }
                    Arc::new(Int64Array::from(values))
                };
                Ok(vec![graph.ids_at(from)?, graph.ids_at(to)?, distances])
            },
        ))
    }
}

impl ShortestPathsFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

// Kernel

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::csr::Csr;

/// The hop count of a vertex that cannot reach the landmark.
pub const UNREACHABLE: u32 = u32::MAX;

/// For every vertex `v`, the number of edges of a shortest path `v -> landmark`, by BFS from
/// the landmark over `reverse` (the in-edges of the graph: `Csr::transpose`, or the edges
/// built by target). `result[landmark] = 0`; [`UNREACHABLE`] where no path exists, and for
/// every vertex when `landmark >= n`.
///
/// Nothing assumes direction beyond the Csr given: for undirected distances pass a Csr
/// holding both directions of every edge ([`Csr::from_undirected_edges`]).
pub fn hop_distances_to(landmark: u32, reverse: &Csr) -> Vec<u32> {
    let n = reverse.num_vertices();
    let mut dist = vec![UNREACHABLE; n];
    let Some(d0) = dist.get_mut(landmark as usize) else {
        return dist;
    };
    *d0 = 0;
    // BFS order is distance order, so one Vec serves as the queue.
    let mut queue: Vec<u32> = Vec::with_capacity(n.min(1 << 16));
    queue.push(landmark);
    let mut head = 0;
    while let Some(&v) = queue.get(head) {
        head += 1;
        let next = dist.get(v as usize).map_or(UNREACHABLE, |d| d + 1);
        for &u in reverse.neighbors(v) {
            if let Some(du) = dist.get_mut(u as usize) {
                if *du == UNREACHABLE {
                    *du = next;
                    queue.push(u);
                }
            }
        }
    }
    dist
}

/// For every vertex `v`, the total weight of a lightest path `v -> landmark`, by Dijkstra
/// from the landmark over `reverse` (in-edges with their weights; every edge weighs 1 when
/// `reverse` is unweighted). `result[landmark] = 0`; `f64::INFINITY` where no path exists,
/// and for every vertex when `landmark >= n`.
///
/// The caller validates that weights are finite and `>= 0` (Dijkstra's precondition). As
/// with [`hop_distances_to`], pass a Csr with both directions for undirected distances.
pub fn weighted_distances_to(landmark: u32, reverse: &Csr) -> Vec<f64> {
    let n = reverse.num_vertices();
    let mut dist = vec![f64::INFINITY; n];
    let Some(d0) = dist.get_mut(landmark as usize) else {
        return dist;
    };
    *d0 = 0.0;
    // Min-heap on (distance bits, vertex): distances are sums of non-negative weights
    // starting from +0.0, so their IEEE bit patterns order like the values, and integer
    // keys compare faster than `f64::total_cmp` (~12% overall). Ties pop the smaller
    // vertex first, for determinism.
    let mut heap = BinaryHeap::new();
    heap.push(Reverse((0f64.to_bits(), landmark)));
    // Lazy deletion: stale entries (longer than the settled distance) are skipped.
    while let Some(Reverse((bits, v))) = heap.pop() {
        let d = f64::from_bits(bits);
        if dist.get(v as usize).is_none_or(|&best| d > best) {
            continue;
        }
        let mut relax = |u: u32, w: f64| {
            let candidate = d + w;
            if let Some(du) = dist.get_mut(u as usize) {
                if candidate < *du {
                    *du = candidate;
                    heap.push(Reverse((candidate.to_bits(), u)));
                }
            }
        };
        let sources = reverse.neighbors(v);
        match reverse.edge_weights(v) {
            Some(weights) => {
                for (&u, &w) in sources.iter().zip(weights) {
                    relax(u, w);
                }
            }
            None => {
                for &u in sources {
                    relax(u, 1.0);
                }
            }
        }
    }
    dist
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u64) -> u32 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 33) as u32
    }

    /// All-pairs shortest paths by Floyd-Warshall on the original (forward) edges.
    fn floyd(n: usize, src: &[u32], dst: &[u32], w: &[f64]) -> Vec<Vec<f64>> {
        let mut d = vec![vec![f64::INFINITY; n]; n];
        for (i, row) in d.iter_mut().enumerate() {
            row[i] = 0.0;
        }
        for ((&a, &b), &x) in src.iter().zip(dst).zip(w) {
            let cell = &mut d[a as usize][b as usize];
            *cell = cell.min(x);
        }
        for k in 0..n {
            for i in 0..n {
                for j in 0..n {
                    let via = d[i][k] + d[k][j];
                    if via < d[i][j] {
                        d[i][j] = via;
                    }
                }
            }
        }
        d
    }

    #[test]
    fn hand_example() {
        // 0 -> 1 -> 2 -> 3, 0 -> 3 (weight 10), 4 -> 0, 5 isolated, 3 -> 3 loop.
        let src = [0, 1, 2, 0, 4, 3];
        let dst = [1, 2, 3, 3, 0, 3];
        let w = [1.0, 2.0, 3.0, 10.0, 0.5, 7.0];
        let out = Csr::from_edges(6, &src, &dst, Some(&w));
        let rev = out.transpose();
        let m = UNREACHABLE;
        assert_eq!(hop_distances_to(3, &rev), vec![1, 2, 1, 0, 2, m]);
        assert_eq!(hop_distances_to(0, &rev), vec![0, m, m, m, 1, m]);
        let inf = f64::INFINITY;
        assert_eq!(
            weighted_distances_to(3, &rev),
            vec![6.0, 5.0, 3.0, 0.0, 6.5, inf]
        );
        // Unweighted Csr: every edge weighs 1.
        let plain = Csr::from_edges(6, &src, &dst, None).transpose();
        assert_eq!(
            weighted_distances_to(3, &plain),
            vec![1.0, 2.0, 1.0, 0.0, 2.0, inf]
        );
        // Landmark out of range: all unreachable, no panic.
        assert!(hop_distances_to(6, &rev).iter().all(|&d| d == m));
        assert!(weighted_distances_to(60, &rev)
            .iter()
            .all(|d| d.is_infinite()));
        assert!(hop_distances_to(0, &Csr::from_edges(0, &[], &[], None)).is_empty());
    }

    #[test]
    fn undirected_use_with_both_directions() {
        let (src, dst) = ([0u32, 1, 3], [1u32, 2, 2]);
        let both_s: Vec<u32> = src.iter().chain(&dst).copied().collect();
        let both_d: Vec<u32> = dst.iter().chain(&src).copied().collect();
        let g = Csr::from_edges(5, &both_s, &both_d, None);
        assert_eq!(hop_distances_to(0, &g), vec![0, 1, 2, 3, UNREACHABLE]);
        let u = Csr::from_undirected_edges(5, &src, &dst, Some(&[2.0, 0.5, 1.0]));
        assert_eq!(hop_distances_to(3, &u), vec![3, 2, 1, 0, UNREACHABLE]);
        let inf = f64::INFINITY;
        assert_eq!(weighted_distances_to(3, &u), vec![3.5, 1.5, 1.0, 0.0, inf]);
    }

    #[test]
    fn random_graphs_match_floyd_warshall() {
        let mut seed = 21;
        for _ in 0..50 {
            let n = 1 + (lcg(&mut seed) % 25) as usize;
            let m = (lcg(&mut seed) % 80) as usize;
            let src: Vec<u32> = (0..m).map(|_| lcg(&mut seed) % n as u32).collect();
            let dst: Vec<u32> = (0..m).map(|_| lcg(&mut seed) % n as u32).collect();
            // Quarter-integers, zeros included, so sums are exact in f64.
            let w: Vec<f64> = (0..m)
                .map(|_| (lcg(&mut seed) % 20) as f64 * 0.25)
                .collect();
            let ones = vec![1.0; m];
            let rev = Csr::from_edges(n, &src, &dst, Some(&w)).transpose();
            let rev_plain = Csr::from_edges(n, &src, &dst, None).transpose();
            let dw = floyd(n, &src, &dst, &w);
            let dh = floyd(n, &src, &dst, &ones);
            for landmark in 0..n {
                let got = weighted_distances_to(landmark as u32, &rev);
                let want: Vec<f64> = (0..n).map(|v| dw[v][landmark]).collect();
                assert_eq!(got, want);
                let hops = hop_distances_to(landmark as u32, &rev_plain);
                let want: Vec<u32> = (0..n)
                    .map(|v| {
                        let d = dh[v][landmark];
                        if d.is_finite() {
                            d as u32
                        } else {
                            UNREACHABLE
                        }
                    })
                    .collect();
                assert_eq!(hops, want);
            }
        }
    }
}
