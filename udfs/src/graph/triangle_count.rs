//! Per-vertex triangle counts, as GraphFrames' `triangleCount`.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int64Array};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use datafusion_macros::user_doc;

use super::input::{GraphCall, GraphSignature};
use super::{graph_table, output_schema};

#[user_doc(
    doc_section(label = "Graph Table Functions"),
    description = "The number of triangles through every vertex, with GraphFrames' \
`triangleCount` semantics: edges are taken as undirected, self loops are dropped and \
duplicate edges (including `a -> b` with `b -> a`) count once, so the result equals \
networkx's `triangles` on the simple undirected graph. Each triangle counts once for each \
of its three vertices. Uses degree ordering and sorted-list intersection.",
    syntax_example = "triangle_count(edges [, vertices])",
    sql_example = r#"```sql
> SELECT avg(count) FROM triangle_count('relationships', 'entities');
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
pub struct TriangleCountFunction;

pub const NAME: &str = "triangle_count";

const SIGNATURE: GraphSignature = GraphSignature {
    landmarks: false,
    vertices: true,
    options: &[],
    usage: "(edges [, vertices])",
};

impl TableFunctionImpl for TriangleCountFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let call = GraphCall::parse(NAME, &args, SIGNATURE)?;
        let schema = output_schema(&call, vec![Field::new("count", DataType::Int64, false)]);
        Ok(graph_table(NAME, call, schema, |graph, _| {
            let counts = triangle_count(graph.num_vertices(), &graph.src, &graph.dst);
            let counts: Int64Array = counts.into_iter().map(|c| Some(c as i64)).collect();
            Ok(vec![Arc::clone(&graph.ids), Arc::new(counts) as ArrayRef])
        }))
    }
}

impl TriangleCountFunction {
    pub fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

// Kernel

/// Marks an unused slot of the marker array.
const NONE: u32 = u32::MAX;

/// The number of triangles through every vertex of the graph with edges `src[i] - dst[i]`
/// on the vertices `0..n`, with GraphFrames semantics: edges are undirected, self loops
/// are dropped and duplicate edges (including `u -> v` next to `v -> u`) count once.
/// Vertices in no triangle get 0.
///
/// Algorithm: build the simple undirected graph (deduplicated with a marker array),
/// orient every edge from the lower to the higher `(degree, index)` rank, which bounds
/// every out-degree by O(sqrt(m)), then for each vertex `v` mark its out-neighbours and
/// look for marked vertices among the out-neighbours of each out-neighbour `w`: each
/// triangle is found exactly once, at its lowest-ranked vertex, and credited to all three.
/// O(m^1.5) time, O(n + m) memory. Edges with an endpoint `>= n` are skipped (the caller
/// validates); `n < u32::MAX`.
pub fn triangle_count(n: usize, src: &[u32], dst: &[u32]) -> Vec<u64> {
    let mut counts = vec![0u64; n];
    let (offsets, targets) = ranked_adjacency(n, src, dst);
    let mut mark = vec![NONE; n];
    // Row bounds of the out-neighbours of v, looked up in one tight loop first: these
    // lookups are independent cache misses the CPU overlaps, instead of one miss per
    // inner loop (measured ~2x faster on a random 10M-edge graph).
    let mut rows: Vec<(usize, usize)> = Vec::new();
    for (v, row) in offsets.windows(2).enumerate() {
        let vv = v as u32;
        let out_v = &targets[row[0] as usize..row[1] as usize];
        if out_v.len() < 2 {
            continue; // a triangle needs two out-neighbours at its lowest vertex
        }
        rows.clear();
        for &w in out_v {
            let wi = w as usize;
            mark[wi] = vv;
            rows.push((offsets[wi] as usize, offsets[wi + 1] as usize));
        }
        let mut at_v = 0u64;
        for (&w, &(start, end)) in out_v.iter().zip(&rows) {
            let mut at_w = 0u64;
            for &x in &targets[start..end] {
                if mark[x as usize] == vv {
                    at_w += 1;
                    counts[x as usize] += 1;
                }
            }
            at_v += at_w;
            counts[w as usize] += at_w;
        }
        counts[v] += at_v;
    }
    counts
}

/// The simple undirected graph of the edges, each edge kept once and oriented from its
/// lower- to its higher-ranked endpoint, where rank orders by (degree, index): returns
/// CSR `(offsets, targets)` on `0..n`.
fn ranked_adjacency(n: usize, src: &[u32], dst: &[u32]) -> (Vec<u64>, Vec<u32>) {
    let valid = |a: u32, b: u32| a != b && (a as usize) < n && (b as usize) < n;

    // 1. Each edge once as (min, max), rows by min; counting sort.
    let mut offsets = vec![0u64; n + 1];
    for (&a, &b) in src.iter().zip(dst) {
        if valid(a, b) {
            offsets[a.min(b) as usize + 1] += 1;
        }
    }
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    let mut cursor: Vec<u64> = offsets[..n].to_vec();
    let mut targets = vec![0u32; offsets[n] as usize];
    for (&a, &b) in src.iter().zip(dst) {
        if valid(a, b) {
            let slot = &mut cursor[a.min(b) as usize];
            targets[*slot as usize] = a.max(b);
            *slot += 1;
        }
    }
    drop(cursor);

    // 2. Drop duplicates within each row (marker = row owner), compacting in place; the
    //    write position never passes the read position. Count degrees of the simple graph.
    let mut mark = vec![NONE; n];
    let mut degree = vec![0u32; n];
    let mut write = 0usize;
    let mut row_start = 0usize;
    for a in 0..n {
        let row_end = offsets[a + 1] as usize;
        let new_start = write;
        for read in row_start..row_end {
            let b = targets[read];
            if mark[b as usize] != a as u32 {
                mark[b as usize] = a as u32;
                targets[write] = b;
                write += 1;
                degree[b as usize] += 1;
            }
        }
        degree[a] += (write - new_start) as u32;
        offsets[a] = new_start as u64;
        row_start = row_end;
    }
    offsets[n] = write as u64;
    targets.truncate(write);
    drop(mark);

    // 3. Re-orient each edge towards the higher (degree, index) rank; counting sort.
    let higher = |a: u32, b: u32| (degree[b as usize], b) > (degree[a as usize], a);
    let mut ranked_offsets = vec![0u64; n + 1];
    for (a, row) in offsets.windows(2).enumerate() {
        for &b in &targets[row[0] as usize..row[1] as usize] {
            let from = if higher(a as u32, b) { a } else { b as usize };
            ranked_offsets[from + 1] += 1;
        }
    }
    for i in 1..ranked_offsets.len() {
        ranked_offsets[i] += ranked_offsets[i - 1];
    }
    let mut cursor: Vec<u64> = ranked_offsets[..n].to_vec();
    let mut ranked_targets = vec![0u32; write];
    for (a, row) in offsets.windows(2).enumerate() {
        let a = a as u32;
        for &b in &targets[row[0] as usize..row[1] as usize] {
            let (from, to) = if higher(a, b) { (a, b) } else { (b, a) };
            let slot = &mut cursor[from as usize];
            ranked_targets[*slot as usize] = to;
            *slot += 1;
        }
    }
    (ranked_offsets, ranked_targets)
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

    /// O(n^3) reference on the adjacency matrix of the simple undirected graph.
    fn naive(n: usize, src: &[u32], dst: &[u32]) -> Vec<u64> {
        let mut adj = vec![vec![false; n]; n];
        for (&a, &b) in src.iter().zip(dst) {
            if a != b {
                adj[a as usize][b as usize] = true;
                adj[b as usize][a as usize] = true;
            }
        }
        let mut counts = vec![0u64; n];
        for i in 0..n {
            for j in i + 1..n {
                for k in j + 1..n {
                    if adj[i][j] && adj[j][k] && adj[i][k] {
                        counts[i] += 1;
                        counts[j] += 1;
                        counts[k] += 1;
                    }
                }
            }
        }
        counts
    }

    #[test]
    fn hand_examples() {
        // Two triangles sharing edge 1-2 (0-1-2, 1-2-3), given with duplicates, reversed
        // duplicates and a self loop; 4 hangs off 3; 5 is isolated.
        let src = [0, 1, 2, 1, 2, 3, 2, 1, 3, 3];
        let dst = [1, 2, 0, 3, 3, 4, 1, 0, 3, 2];
        assert_eq!(triangle_count(6, &src, &dst), vec![1, 2, 2, 1, 0, 0]);
        // K4: every vertex is in 3 triangles.
        let src = [0, 0, 0, 1, 1, 2];
        let dst = [1, 2, 3, 2, 3, 3];
        assert_eq!(triangle_count(4, &src, &dst), vec![3, 3, 3, 3]);
        assert!(triangle_count(0, &[], &[]).is_empty());
        assert_eq!(triangle_count(3, &[0, 1, 9], &[1, 2, 0]), vec![0, 0, 0]);
    }

    #[test]
    fn random_graphs_match_naive() {
        let mut seed = 9;
        for _ in 0..80 {
            let n = 1 + (lcg(&mut seed) % 40) as usize;
            let m = (lcg(&mut seed) % 300) as usize;
            let src: Vec<u32> = (0..m).map(|_| lcg(&mut seed) % n as u32).collect();
            let dst: Vec<u32> = (0..m).map(|_| lcg(&mut seed) % n as u32).collect();
            assert_eq!(triangle_count(n, &src, &dst), naive(n, &src, &dst));
        }
    }

    #[test]
    fn hub_and_clique() {
        // A star around 0 plus a 6-clique on 1..=6: the hub sits in the 15 clique edges'
        // triangles, each clique vertex in 10 (clique) + 5 (with the hub).
        let mut src = Vec::new();
        let mut dst = Vec::new();
        for v in 1..50u32 {
            src.push(0);
            dst.push(v);
        }
        for a in 1..=6u32 {
            for b in a + 1..=6 {
                src.push(b);
                dst.push(a);
            }
        }
        let counts = triangle_count(50, &src, &dst);
        assert_eq!(counts[0], 15);
        assert!(counts[1..=6].iter().all(|&c| c == 15));
        assert!(counts[7..].iter().all(|&c| c == 0));
        assert_eq!(counts, naive(50, &src, &dst));
    }
}
