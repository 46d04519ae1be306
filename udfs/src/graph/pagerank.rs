//! PageRank by power iteration, with the semantics of networkx's `pagerank`.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::input::{GraphCall, GraphSignature};
use super::{graph_table, output_schema};

#[user_doc(
    doc_section(label = "Graph Table Functions"),
    description = "PageRank of every vertex, computed as networkx's `pagerank` on a directed \
multigraph: with damping `alpha = 1 - reset_probability`, each iteration gives every vertex \
`(1 - alpha) / N` plus `alpha` times the score flowing in along its edges (a vertex splits \
its score over its out-edges in proportion to their weight, 1 without a weight column) plus \
an equal share of the score of dangling vertices (no out-edges). Parallel edges add up; a \
self loop is an ordinary edge. Iteration stops when the L1 change is below `N * tol` or after \
`max_iter` iterations (then the last iterate is returned, as GraphFrames' fixed `maxIter`; \
`tol => 0` always runs `max_iter` iterations). Scores sum to 1; GraphFrames scales them to \
sum to N, so multiply by the vertex count to compare. Isolated vertices of the vertex \
relation get the teleport and dangling share.",
    syntax_example = "pagerank(edges [, vertices] [, 'reset_probability => 0.15, max_iter => 100, tol => 1e-6, weight => column'])",
    sql_example = r#"```sql
> SELECT id, pagerank FROM pagerank('relationships', 'entities', 'reset_probability => 0.15')
  ORDER BY pagerank DESC LIMIT 10;
```"#,
    argument(
        name = "edges",
        description = "Table, view or quoted query with columns `src` and `dst` (integer or string ids)."
    ),
    argument(
        name = "vertices",
        description = "Optional table, view or query with an `id` column: the graph's vertices."
    ),
    argument(
        name = "options",
        description = "reset_probability in (0, 1) (default 0.15), max_iter (default 100), \
tol (default 1e-6), weight: a numeric edge column (non-negative)."
    )
)]
#[derive(Debug, Default)]
pub struct PageRankFunction;

pub const NAME: &str = "pagerank";

const SIGNATURE: GraphSignature = GraphSignature {
    landmarks: false,
    vertices: true,
    options: &["reset_probability", "max_iter", "tol", "weight"],
    usage: "(edges [, vertices] [, 'reset_probability => 0.15, max_iter => 100, tol => 1e-6, weight => column'])",
};

impl TableFunctionImpl for PageRankFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let call = GraphCall::parse(NAME, &args, SIGNATURE)?;
        let reset_probability = call.options.f64_or("reset_probability", 0.15)?;
        if !(reset_probability > 0.0 && reset_probability < 1.0) {
            return plan_err!(
                "{NAME}: reset_probability must be in (0, 1), got {reset_probability}"
            );
        }
        let max_iter = call.options.usize_or("max_iter", 100)?;
        if max_iter == 0 {
            return plan_err!("{NAME}: max_iter must be at least 1");
        }
        let tol = call.options.f64_or("tol", 1e-6)?;
        if !(tol >= 0.0 && tol.is_finite()) {
            return plan_err!("{NAME}: tol must be a non-negative number, got {tol}");
        }
        let schema = output_schema(
            &call,
            vec![Field::new("pagerank", DataType::Float64, false)],
        );
        Ok(graph_table(NAME, call, schema, move |graph, _| {
            let result = pagerank_from_edges(
                graph.num_vertices(),
                &graph.src,
                &graph.dst,
                graph.weights.as_deref(),
                reset_probability,
                max_iter,
                tol,
            );
            Ok(vec![
                Arc::clone(&graph.ids),
                Arc::new(Float64Array::from(result.scores)) as ArrayRef,
            ])
        }))
    }
}

impl PageRankFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

// Kernel

use super::csr::Csr;

/// The outcome of [`pagerank`].
#[derive(Debug, Clone, PartialEq)]
pub struct PageRankResult {
    /// The score of every vertex, by dense index; they sum to 1 (up to rounding).
    pub scores: Vec<f64>,
    /// The number of power iterations run.
    pub iterations: usize,
    /// Whether the L1 change of the last iteration fell below `n * tol`; false when
    /// `max_iter` iterations ran without that (networkx raises an error there instead).
    pub converged: bool,
}

/// PageRank of a directed multigraph, given its in-edges (the [`Csr::transpose`] of the
/// graph, or `Csr::from_edges(n, dst, src, weights)`) and the out-weight sums of its
/// vertices ([`Csr::out_weight_sums`] of the graph, or [`out_weight_sums_of_in_edges`]).
///
/// Exactly networkx's `pagerank` on a `MultiDiGraph` (parallel edges add up, self loops are
/// ordinary edges, a vertex with out-weight 0 is dangling and spreads its score evenly):
/// with `alpha = 1 - reset_probability`, `x` starts at `1/n` and each iteration computes
/// `x'[v] = alpha * Σ_{u->v} x[u] * w(u,v) / W(u) + alpha * D / n + (1 - alpha) / n`, where
/// `D` is the score held by dangling vertices. It stops after an iteration whose L1
/// change `Σ|x' - x|` is `< n * tol`, or after `max_iter` iterations (then `converged` is
/// false). With `tol = 0` it runs exactly `max_iter` iterations. Unweighted in-edges count
/// 1 each. `n = 0` gives empty scores (0 iterations, converged).
///
/// The caller validates `0 <= reset_probability <= 1` and finite, non-negative weights;
/// `out_weight` has one entry per vertex (missing entries read as dangling).
pub fn pagerank(
    in_edges: &Csr,
    out_weight: &[f64],
    reset_probability: f64,
    max_iter: usize,
    tol: f64,
) -> PageRankResult {
    let n = in_edges.num_vertices();
    if n == 0 {
        return PageRankResult {
            scores: Vec::new(),
            iterations: 0,
            converged: true,
        };
    }
    let nf = n as f64;
    let alpha = 1.0 - reset_probability;
    let teleport = (1.0 - alpha) / nf;
    let threshold = nf * tol;

    // 1/W(u), with 0 marking dangling vertices: one multiply per vertex per iteration
    // instead of a division per edge.
    let inv_out: Vec<f64> = (0..n)
        .map(|u| match out_weight.get(u) {
            Some(&w) if w != 0.0 => 1.0 / w,
            _ => 0.0,
        })
        .collect();

    let mut x = vec![1.0 / nf; n];
    let mut next = vec![0.0; n];
    let mut contrib = vec![0.0; n];
    let mut iterations = 0;
    let mut converged = false;
    while iterations < max_iter {
        let mut dangling = 0.0;
        for ((c, &xu), &inv) in contrib.iter_mut().zip(&x).zip(&inv_out) {
            *c = xu * inv;
            if inv == 0.0 {
                dangling += xu;
            }
        }
        let base = alpha * dangling / nf + teleport;

        // Pull over in-edges: sequential writes, gathers from the small `contrib` array.
        let mut err = 0.0;
        let weights = in_edges.weights();
        for (v, (xn, &xv)) in next.iter_mut().zip(&x).enumerate() {
            let v = v as u32;
            let sources = in_edges.neighbors(v);
            let sum: f64 = match weights {
                None => sources.iter().map(|&u| contrib[u as usize]).sum(),
                Some(_) => {
                    let ws = in_edges.edge_weights(v).unwrap_or(&[]);
                    sources
                        .iter()
                        .zip(ws)
                        .map(|(&u, &w)| contrib[u as usize] * w)
                        .sum()
                }
            };
            let value = alpha * sum + base;
            err += (value - xv).abs();
            *xn = value;
        }
        std::mem::swap(&mut x, &mut next);
        iterations += 1;
        if err < threshold {
            converged = true;
            break;
        }
    }
    PageRankResult {
        scores: x,
        iterations,
        converged,
    }
}

/// The out-weight sum `W(u)` of every vertex, computed from the in-edges (the out-degree
/// when unweighted), for [`pagerank`] when only the in-edge CSR was built.
pub fn out_weight_sums_of_in_edges(in_edges: &Csr) -> Vec<f64> {
    let n = in_edges.num_vertices();
    let mut sums = vec![0.0; n];
    let weights = in_edges.weights();
    for (e, &u) in in_edges.targets().iter().enumerate() {
        // Targets are < n by the Csr invariant, so the slot always exists.
        if let Some(s) = sums.get_mut(u as usize) {
            *s += weights.and_then(|w| w.get(e)).copied().unwrap_or(1.0);
        }
    }
    sums
}

/// [`pagerank`] straight from an edge list `src[i] -> dst[i]` on the vertices `0..n`:
/// builds only the in-edge CSR. Same preconditions as [`Csr::from_edges`].
pub fn pagerank_from_edges(
    n: usize,
    src: &[u32],
    dst: &[u32],
    weights: Option<&[f64]>,
    reset_probability: f64,
    max_iter: usize,
    tol: f64,
) -> PageRankResult {
    let in_edges = Csr::from_edges(n, dst, src, weights);
    let out_weight = out_weight_sums_of_in_edges(&in_edges);
    pagerank(&in_edges, &out_weight, reset_probability, max_iter, tol)
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

    /// Dense power iteration written from the networkx formula, as a reference.
    fn naive(
        n: usize,
        edges: &[(u32, u32, f64)],
        alpha: f64,
        max_iter: usize,
        tol: f64,
    ) -> (Vec<f64>, usize, bool) {
        let mut a = vec![vec![0.0; n]; n];
        for &(u, v, w) in edges {
            a[u as usize][v as usize] += w;
        }
        let out: Vec<f64> = a.iter().map(|r| r.iter().sum()).collect();
        let mut x = vec![1.0 / n as f64; n];
        for it in 1..=max_iter {
            let dangling: f64 = (0..n).filter(|&u| out[u] == 0.0).map(|u| x[u]).sum();
            let mut y = vec![0.0; n];
            for v in 0..n {
                let mut s = 0.0;
                for u in 0..n {
                    if out[u] != 0.0 {
                        s += x[u] * a[u][v] / out[u];
                    }
                }
                y[v] = alpha * (s + dangling / n as f64) + (1.0 - alpha) / n as f64;
            }
            let err: f64 = (0..n).map(|i| (y[i] - x[i]).abs()).sum();
            x = y;
            if err < n as f64 * tol {
                return (x, it, true);
            }
        }
        (x, max_iter, false)
    }

    const EDGES: [(u32, u32, f64); 7] = [
        (0, 1, 1.0),
        (0, 1, 2.0),
        (1, 2, 0.5),
        (2, 0, 1.5),
        (2, 2, 1.0),
        (3, 2, 3.0),
        (1, 0, 1.0),
    ];

    fn split(edges: &[(u32, u32, f64)]) -> (Vec<u32>, Vec<u32>, Vec<f64>) {
        (
            edges.iter().map(|e| e.0).collect(),
            edges.iter().map(|e| e.1).collect(),
            edges.iter().map(|e| e.2).collect(),
        )
    }

    #[test]
    fn matches_networkx_values() {
        // Reference values from networkx 3.6 pagerank on the MultiDiGraph of EDGES plus
        // isolated vertex 4 (tol 1e-14).
        let cases: [(Option<()>, f64, [f64; 5]); 4] = [
            (
                None,
                0.85,
                [
                    0.3020503064891179,
                    0.29288733882899304,
                    0.33277319805538297,
                    0.03614457831325302,
                    0.03614457831325302,
                ],
            ),
            (
                None,
                0.5,
                [
                    0.24444444444444366,
                    0.23333333333333497,
                    0.2999999999999992,
                    0.11111111111111112,
                    0.11111111111111112,
                ],
            ),
            (
                Some(()),
                0.85,
                [
                    0.34978358308389884,
                    0.333460623934577,
                    0.24446663635501797,
                    0.03614457831325302,
                    0.03614457831325302,
                ],
            ),
            (
                Some(()),
                0.5,
                [
                    0.2712842712842757,
                    0.2467532467532405,
                    0.25974025974026166,
                    0.11111111111111112,
                    0.11111111111111112,
                ],
            ),
        ];
        let (src, dst, w) = split(&EDGES);
        for (weighted, alpha, expect) in cases {
            let ws = weighted.map(|_| &w[..]);
            let r = pagerank_from_edges(5, &src, &dst, ws, 1.0 - alpha, 1000, 1e-14);
            assert!(r.converged);
            for (got, want) in r.scores.iter().zip(expect) {
                assert!((got - want).abs() < 1e-12, "{got} vs {want}");
            }
            assert!((r.scores.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn iteration_count_matches_networkx() {
        // networkx needs max_iter >= 15 to converge on EDGES with tol 1e-6.
        let (src, dst, _) = split(&EDGES);
        let r = pagerank_from_edges(5, &src, &dst, None, 0.15, 100, 1e-6);
        assert_eq!((r.iterations, r.converged), (15, true));
        let r = pagerank_from_edges(5, &src, &dst, None, 0.15, 14, 1e-6);
        assert_eq!((r.iterations, r.converged), (14, false));
        let r = pagerank_from_edges(5, &src, &dst, None, 0.15, 7, 0.0);
        assert_eq!((r.iterations, r.converged), (7, false));
        let r = pagerank_from_edges(5, &src, &dst, None, 0.15, 0, 1e-6);
        assert_eq!(r.iterations, 0);
        assert_eq!(r.scores, vec![0.2; 5]);
    }

    #[test]
    fn empty_and_edgeless() {
        let r = pagerank_from_edges(0, &[], &[], None, 0.15, 10, 1e-6);
        assert!(r.scores.is_empty());
        let r = pagerank_from_edges(4, &[], &[], None, 0.15, 10, 1e-6);
        assert_eq!(r.scores, vec![0.25; 4]);
        assert_eq!((r.iterations, r.converged), (1, true));
    }

    #[test]
    fn random_multigraphs_match_naive() {
        let mut seed = 42;
        for trial in 0..30 {
            let n = 1 + (lcg(&mut seed) % 30) as usize;
            let m = (lcg(&mut seed) % 80) as usize;
            let edges: Vec<(u32, u32, f64)> = (0..m)
                .map(|_| {
                    let u = lcg(&mut seed) % n as u32;
                    let v = lcg(&mut seed) % n as u32;
                    // Some zero weights, so weighted dangling vertices with out-edges occur.
                    let w = (lcg(&mut seed) % 4) as f64 * 0.5;
                    (u, v, w)
                })
                .collect();
            let (src, dst, w) = split(&edges);
            let reset = [0.15, 0.3, 0.05][trial % 3];
            let tol = [1e-6, 1e-9, 0.0][trial % 3];
            for weighted in [false, true] {
                let ws = weighted.then_some(&w[..]);
                let ref_edges: Vec<(u32, u32, f64)> = if weighted {
                    edges.clone()
                } else {
                    edges.iter().map(|&(u, v, _)| (u, v, 1.0)).collect()
                };
                let (want, it, conv) = naive(n, &ref_edges, 1.0 - reset, 50, tol);
                let got = pagerank_from_edges(n, &src, &dst, ws, reset, 50, tol);
                assert_eq!((got.iterations, got.converged), (it, conv));
                for (a, b) in got.scores.iter().zip(&want) {
                    assert!((a - b).abs() < 1e-12);
                }
                // The out-CSR path gives the same answer.
                let out = Csr::from_edges(n, &src, &dst, ws);
                let again = pagerank(&out.transpose(), &out.out_weight_sums(), reset, 50, tol);
                for (a, b) in again.scores.iter().zip(&want) {
                    assert!((a - b).abs() < 1e-12);
                }
            }
        }
    }
}
