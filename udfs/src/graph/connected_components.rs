//! Weakly and strongly connected components, labelled by their smallest vertex.

use std::sync::Arc;

use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::input::{GraphCall, GraphSignature};
use super::{graph_table, output_schema};

#[user_doc(
    doc_section(label = "Graph Table Functions"),
    description = "The connected component of every vertex, labelled by the smallest vertex \
id of the component (GraphFrames labels components by a vertex id too). Weak components by \
default (edge direction ignored, as GraphFrames' `connectedComponents`); `strong => true` \
gives strongly connected components (Tarjan's algorithm from petgraph). Isolated vertices of \
the vertex relation are components of their own.",
    syntax_example = "connected_components(edges [, vertices] [, 'strong => false'])",
    sql_example = r#"```sql
> SELECT component, count(*) FROM connected_components('relationships', 'entities')
  GROUP BY component ORDER BY 2 DESC;
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
        description = "strong: true for strongly connected components (default false)."
    )
)]
#[derive(Debug, Default)]
pub struct ConnectedComponentsFunction;

pub const NAME: &str = "connected_components";

const SIGNATURE: GraphSignature = GraphSignature {
    landmarks: false,
    vertices: true,
    options: &["strong"],
    usage: "(edges [, vertices] [, 'strong => false'])",
};

impl TableFunctionImpl for ConnectedComponentsFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let call = GraphCall::parse(NAME, &args, SIGNATURE)?;
        let strong = call.options.bool_or("strong", false)?;
        let schema = output_schema(
            &call,
            vec![datafusion::arrow::datatypes::Field::new(
                "component",
                call.kind.data_type(),
                false,
            )],
        );
        Ok(graph_table(NAME, call, schema, move |graph, _| {
            let n = graph.num_vertices();
            let labels = if strong {
                strong_components(&Csr::from_edges(n, &graph.src, &graph.dst, None))
            } else {
                weak_components(n, &graph.src, &graph.dst)
            };
            Ok(vec![Arc::clone(&graph.ids), graph.ids_at(labels)?])
        }))
    }
}

impl ConnectedComponentsFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

// Kernel

use super::csr::Csr;

/// Tarjan index of a vertex not reached yet.
const UNVISITED: u32 = u32::MAX;
/// Tarjan index of a vertex already assigned to a component. Larger than every real
/// index, so taking `min` with it is a no-op: no separate on-stack test is needed.
const DONE: u32 = u32::MAX - 1;

/// The weakly connected component of every vertex of the graph with edges
/// `src[i] - dst[i]` on the vertices `0..n`, labelled by the smallest vertex index in the
/// component (an isolated vertex is its own label).
///
/// Union-find over the edge list, so no adjacency needs building: roots always link to
/// the smaller root, which keeps every root the minimum of its set and `parent[v] <= v`,
/// and finds use path halving. Edges with an endpoint `>= n` are skipped (the caller
/// validates); `n <= u32::MAX`.
pub fn weak_components(n: usize, src: &[u32], dst: &[u32]) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    for (&a, &b) in src.iter().zip(dst) {
        if (a as usize) >= n || (b as usize) >= n {
            continue;
        }
        let ra = find(&mut parent, a);
        let rb = find(&mut parent, b);
        if ra < rb {
            parent[rb as usize] = ra;
        } else if rb < ra {
            parent[ra as usize] = rb;
        }
    }
    // parent[v] <= v, so one ascending pass resolves every vertex to its (minimal) root.
    for v in 0..n {
        let p = parent[v] as usize;
        parent[v] = parent[p];
    }
    parent
}

/// The root of `x`, halving the path on the way (every visited vertex skips to its
/// grandparent). `x` and all parents are `< parent.len()`.
#[inline]
fn find(parent: &mut [u32], mut x: u32) -> u32 {
    loop {
        let p = parent[x as usize];
        if p == x {
            return x;
        }
        let gp = parent[p as usize];
        parent[x as usize] = gp;
        x = gp;
    }
}

/// The strongly connected component of every vertex of the directed graph `out`,
/// labelled by the smallest vertex index in the component.
///
/// Tarjan's algorithm with an explicit DFS stack: petgraph's `tarjan_scc` (0.8.3) is
/// recursive and overflows the thread stack on long paths (a million-vertex chain), so it
/// is not used here. O(n + m) time. The low-link lives in the DFS frame and finished
/// vertices get the index `DONE`, so each edge costs one random read (`index[w]`).
/// `n < u32::MAX - 1`.
pub fn strong_components(out: &Csr) -> Vec<u32> {
    /// One vertex being explored: its Tarjan index, low-link and next out-edge slot.
    struct Frame {
        v: u32,
        index: u32,
        low: u32,
        next: usize,
        end: usize,
    }

    let n = out.num_vertices();
    let offsets = out.offsets();
    let targets = out.targets();
    // Edge slots of row v; the Csr invariant makes both offsets exist for v < n.
    let row = |v: u32| -> (usize, usize) {
        let v = v as usize;
        match (offsets.get(v), offsets.get(v + 1)) {
            (Some(&s), Some(&e)) => (s as usize, e as usize),
            _ => (0, 0),
        }
    };
    let mut index = vec![UNVISITED; n];
    let mut label = vec![UNVISITED; n];
    // Visited vertices not yet in a component, in visit order (Tarjan's stack).
    let mut stack: Vec<u32> = Vec::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut counter = 0u32;

    for root in 0..n as u32 {
        if index[root as usize] != UNVISITED {
            continue;
        }
        index[root as usize] = counter;
        let (next, end) = row(root);
        frames.push(Frame {
            v: root,
            index: counter,
            low: counter,
            next,
            end,
        });
        counter += 1;
        stack.push(root);

        while let Some(top) = frames.last_mut() {
            if top.next < top.end {
                // Always in range by the Csr invariant; v itself would be a harmless
                // stand-in (min with its own index changes nothing).
                let w = targets.get(top.next).copied().unwrap_or(top.v);
                top.next += 1;
                let iw = index[w as usize];
                if iw == UNVISITED {
                    index[w as usize] = counter;
                    let (next, end) = row(w);
                    frames.push(Frame {
                        v: w,
                        index: counter,
                        low: counter,
                        next,
                        end,
                    });
                    counter += 1;
                    stack.push(w);
                } else {
                    // On the stack: a back or cross edge within the current SCC; DONE
                    // (already assigned elsewhere) is larger than any low and changes nothing.
                    top.low = top.low.min(iw);
                }
                continue;
            }
            // All edges of v explored: return from v.
            let (v, iv, low) = (top.v, top.index, top.low);
            frames.pop();
            if low == iv {
                // v roots an SCC: v and everything above it on the stack.
                let start = stack.iter().rposition(|&u| u == v).unwrap_or(0);
                let members = stack.get(start..).unwrap_or(&[]);
                let smallest = members.iter().copied().min().unwrap_or(v);
                for &u in members {
                    label[u as usize] = smallest;
                    index[u as usize] = DONE;
                }
                stack.truncate(start);
            } else if let Some(parent) = frames.last_mut() {
                parent.low = parent.low.min(low);
            }
        }
    }
    label
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

    fn random_edges(seed: &mut u64, n: usize, m: usize) -> (Vec<u32>, Vec<u32>) {
        let src = (0..m).map(|_| lcg(seed) % n as u32).collect();
        let dst = (0..m).map(|_| lcg(seed) % n as u32).collect();
        (src, dst)
    }

    /// Reachability matrix by Floyd-Warshall style closure (reflexive).
    fn reach(n: usize, src: &[u32], dst: &[u32]) -> Vec<Vec<bool>> {
        let mut r = vec![vec![false; n]; n];
        for (v, row) in r.iter_mut().enumerate() {
            row[v] = true;
        }
        for (&a, &b) in src.iter().zip(dst) {
            r[a as usize][b as usize] = true;
        }
        for k in 0..n {
            let via = r[k].clone();
            for row in r.iter_mut() {
                if row[k] {
                    for (cell, &reach_kj) in row.iter_mut().zip(&via) {
                        *cell |= reach_kj;
                    }
                }
            }
        }
        r
    }

    #[test]
    fn weak_hand_example() {
        // {0, 3, 5}, {1, 4}, {2}, {6 (self loop)}
        let src = [5, 4, 3, 6];
        let dst = [3, 1, 0, 6];
        assert_eq!(weak_components(7, &src, &dst), vec![0, 1, 2, 0, 1, 0, 6]);
        assert!(weak_components(0, &[], &[]).is_empty());
        // Out of range edges are ignored, not a panic.
        assert_eq!(weak_components(2, &[0, 7], &[9, 1]), vec![0, 1]);
    }

    #[test]
    fn weak_random_vs_closure() {
        let mut seed = 3;
        for _ in 0..40 {
            let n = 1 + (lcg(&mut seed) % 40) as usize;
            let m = (lcg(&mut seed) % 50) as usize;
            let (src, dst) = random_edges(&mut seed, n, m);
            // Undirected closure: add both directions.
            let both_s: Vec<u32> = src.iter().chain(&dst).copied().collect();
            let both_d: Vec<u32> = dst.iter().chain(&src).copied().collect();
            let r = reach(n, &both_s, &both_d);
            let want: Vec<u32> = (0..n)
                .map(|v| (0..n).find(|&u| r[v][u]).unwrap() as u32)
                .collect();
            assert_eq!(weak_components(n, &src, &dst), want);
        }
    }

    #[test]
    fn strong_hand_example() {
        // 0 -> 1 -> 2 -> 0 is an SCC; 2 -> 3 -> 4 -> 3 gives {3, 4}; 5 alone; 6 self loop.
        let src = [0, 1, 2, 2, 3, 4, 5, 6];
        let dst = [1, 2, 0, 3, 4, 3, 4, 6];
        let g = Csr::from_edges(7, &src, &dst, None);
        assert_eq!(strong_components(&g), vec![0, 0, 0, 3, 3, 5, 6]);
        assert!(strong_components(&Csr::from_edges(0, &[], &[], None)).is_empty());
    }

    #[test]
    fn strong_random_vs_closure_and_petgraph() {
        let mut seed = 11;
        for _ in 0..60 {
            let n = 1 + (lcg(&mut seed) % 40) as usize;
            let m = (lcg(&mut seed) % 90) as usize;
            let (src, dst) = random_edges(&mut seed, n, m);
            let g = Csr::from_edges(n, &src, &dst, None);
            let r = reach(n, &src, &dst);
            let want: Vec<u32> = (0..n)
                .map(|v| (0..n).find(|&u| r[v][u] && r[u][v]).unwrap() as u32)
                .collect();
            let got = strong_components(&g);
            assert_eq!(got, want);
            // petgraph's Tarjan through the Csr visit traits agrees.
            let mut from_petgraph = vec![u32::MAX; n];
            for scc in petgraph::algo::tarjan_scc(&g) {
                let min = *scc.iter().min().unwrap();
                for v in scc {
                    from_petgraph[v as usize] = min;
                }
            }
            assert_eq!(from_petgraph, want);
        }
    }

    #[test]
    fn long_paths_do_not_overflow_the_stack() {
        // A 1M-vertex chain, closed into a cycle or not: DFS depth 1M.
        let n = 1_000_000u32;
        let src: Vec<u32> = (0..n - 1).collect();
        let dst: Vec<u32> = (1..n).collect();
        let path = Csr::from_edges(n as usize, &src, &dst, None);
        let labels = strong_components(&path);
        assert!(labels.iter().enumerate().all(|(v, &l)| l == v as u32));

        let mut src = src;
        let mut dst = dst;
        src.push(n - 1);
        dst.push(0);
        let cycle = Csr::from_edges(n as usize, &src, &dst, None);
        assert!(strong_components(&cycle).iter().all(|&l| l == 0));
        // Reversed chain: worst case for the union-find link direction.
        let rev: Vec<u32> = (0..n - 1).rev().collect();
        let rev1: Vec<u32> = (1..n).rev().collect();
        assert!(weak_components(n as usize, &rev1, &rev)
            .iter()
            .all(|&l| l == 0));
    }
}
