//! Compressed sparse row (CSR) adjacency shared by the graph kernels.

// Kernel

use petgraph::visit::{
    GraphBase, IntoNeighbors, IntoNodeIdentifiers, NodeCompactIndexable, NodeCount, NodeIndexable,
    VisitMap, Visitable,
};

/// A directed multigraph on the dense vertices `0..n`, stored as compressed sparse rows:
/// the out-edges of `v` are `targets[offsets[v]..offsets[v + 1]]`, in input order.
///
/// Invariants (established by [`Csr::from_edges`]): `offsets.len() == n + 1`, `offsets` is
/// non-decreasing from 0 to `targets.len()`, every target is `< n`, and `weights`, when
/// present, is parallel to `targets`. Kernels rely on them, so fields stay private.
#[derive(Debug, Clone, PartialEq)]
pub struct Csr {
    offsets: Vec<u64>,
    targets: Vec<u32>,
    weights: Option<Vec<f64>>,
}

impl Csr {
    /// Builds the adjacency by source of the edges `src[i] -> dst[i]` (with weight
    /// `weights[i]`, when given) on the vertices `0..n`, by a stable counting sort in
    /// O(n + m): within a row, edges keep their input order. Parallel edges and self loops
    /// are kept.
    ///
    /// The caller validates the input (`n <= u32::MAX`, every index `< n`, equal lengths);
    /// as a guard against panics, edges with an endpoint `>= n` are skipped and edges past
    /// the shortest of the slices are ignored.
    pub fn from_edges(n: usize, src: &[u32], dst: &[u32], weights: Option<&[f64]>) -> Csr {
        Self::build(n, src, dst, weights, false)
    }

    /// Like [`Csr::from_edges`], but every edge `src[i] - dst[i]` is stored in both
    /// directions (a self loop twice in its own row), for undirected traversals such as
    /// undirected shortest paths. Row `v` lists, in input order, the other endpoint of
    /// every edge touching `v`. Same preconditions as [`Csr::from_edges`].
    pub fn from_undirected_edges(
        n: usize,
        src: &[u32],
        dst: &[u32],
        weights: Option<&[f64]>,
    ) -> Csr {
        Self::build(n, src, dst, weights, true)
    }

    /// The counting sort behind both constructors; `both` also stores `dst -> src`.
    fn build(n: usize, src: &[u32], dst: &[u32], weights: Option<&[f64]>, both: bool) -> Csr {
        let m = src
            .len()
            .min(dst.len())
            .min(weights.map_or(usize::MAX, <[f64]>::len));
        let (src, dst) = (&src[..m], &dst[..m]);
        let valid = |s: u32, d: u32| (s as usize) < n && (d as usize) < n;

        // offsets[s + 1] counts the edges of s, then a prefix sum turns counts into starts.
        let mut offsets = vec![0u64; n + 1];
        for (&s, &d) in src.iter().zip(dst) {
            if valid(s, d) {
                offsets[s as usize + 1] += 1;
                if both {
                    offsets[d as usize + 1] += 1;
                }
            }
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let kept = offsets[n] as usize;

        // Scatter in input order through a moving cursor per row, which keeps rows stable.
        let mut cursor: Vec<u64> = offsets[..n].to_vec();
        let mut targets = vec![0u32; kept];
        let mut out_weights = weights.map(|_| vec![0f64; kept]);
        let mut place = |from: u32, to: u32, i: usize| {
            let slot = &mut cursor[from as usize];
            let at = *slot as usize;
            *slot += 1;
            targets[at] = to;
            if let (Some(ow), Some(w)) = (out_weights.as_mut(), weights) {
                ow[at] = w[i];
            }
        };
        for (i, (&s, &d)) in src.iter().zip(dst).enumerate() {
            if valid(s, d) {
                place(s, d, i);
                if both {
                    place(d, s, i);
                }
            }
        }
        Csr {
            offsets,
            targets,
            weights: out_weights,
        }
    }

    /// The reverse graph: the in-edges of every vertex, by target (edge `u -> v` becomes
    /// `v -> u`), with the same weights. Rows are ordered by the original source, then by
    /// position within the original row.
    pub fn transpose(&self) -> Csr {
        let n = self.num_vertices();
        let m = self.targets.len();
        let mut offsets = vec![0u64; n + 1];
        for &t in &self.targets {
            offsets[t as usize + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut cursor: Vec<u64> = offsets[..n].to_vec();
        let mut targets = vec![0u32; m];
        let mut weights = self.weights.as_ref().map(|_| vec![0f64; m]);
        for (u, row) in self.offsets.windows(2).enumerate() {
            for e in row[0] as usize..row[1] as usize {
                let v = self.targets[e] as usize;
                let at = cursor[v] as usize;
                cursor[v] += 1;
                targets[at] = u as u32;
                if let (Some(tw), Some(sw)) = (weights.as_mut(), self.weights.as_ref()) {
                    tw[at] = sw[e];
                }
            }
        }
        Csr {
            offsets,
            targets,
            weights,
        }
    }

    /// The number of vertices `n`.
    pub fn num_vertices(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The number of edges, parallel edges and self loops included.
    pub fn num_edges(&self) -> usize {
        self.targets.len()
    }

    /// Whether the edges carry weights.
    pub fn is_weighted(&self) -> bool {
        self.weights.is_some()
    }

    /// The edge slots `start..end` of row `v`; empty for `v >= n`.
    #[inline]
    fn row(&self, v: u32) -> core::ops::Range<usize> {
        let v = v as usize;
        match (self.offsets.get(v), self.offsets.get(v + 1)) {
            (Some(&s), Some(&e)) => s as usize..e as usize,
            _ => 0..0,
        }
    }

    /// The targets of the out-edges of `v`, in input order (empty for `v >= n`).
    #[inline]
    pub fn neighbors(&self, v: u32) -> &[u32] {
        self.targets.get(self.row(v)).unwrap_or(&[])
    }

    /// The weights of the out-edges of `v`, parallel to [`Csr::neighbors`]; `None` when
    /// the graph is unweighted.
    #[inline]
    pub fn edge_weights(&self, v: u32) -> Option<&[f64]> {
        let row = self.row(v);
        self.weights.as_ref().map(|w| w.get(row).unwrap_or(&[]))
    }

    /// The number of out-edges of `v` (parallel edges and self loops included).
    #[inline]
    pub fn out_degree(&self, v: u32) -> usize {
        self.row(v).len()
    }

    /// The sum of the out-edge weights of every vertex; the out-degree when unweighted.
    /// Zero marks a dangling vertex for PageRank.
    pub fn out_weight_sums(&self) -> Vec<f64> {
        match &self.weights {
            Some(w) => self
                .offsets
                .windows(2)
                .map(|r| w[r[0] as usize..r[1] as usize].iter().sum())
                .collect(),
            None => self
                .offsets
                .windows(2)
                .map(|r| (r[1] - r[0]) as f64)
                .collect(),
        }
    }

    /// The row boundaries (`n + 1` entries), for kernels that sweep all rows in order.
    #[inline]
    pub fn offsets(&self) -> &[u64] {
        &self.offsets
    }

    /// All edge targets, row after row (see [`Csr::offsets`]).
    #[inline]
    pub fn targets(&self) -> &[u32] {
        &self.targets
    }

    /// All edge weights, parallel to [`Csr::targets`]; `None` when unweighted.
    #[inline]
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }
}

// petgraph visit traits, so petgraph's algorithms (e.g. `tarjan_scc`, `Dfs`, `Bfs`) run on
// a `&Csr` without copying it. Nodes are the dense `u32` indices; edges are CSR slots.

impl GraphBase for Csr {
    type NodeId = u32;
    type EdgeId = usize;
}

impl<'a> IntoNeighbors for &'a Csr {
    type Neighbors = core::iter::Copied<core::slice::Iter<'a, u32>>;

    fn neighbors(self, a: u32) -> Self::Neighbors {
        Csr::neighbors(self, a).iter().copied()
    }
}

impl IntoNodeIdentifiers for &Csr {
    type NodeIdentifiers = core::ops::Range<u32>;

    fn node_identifiers(self) -> Self::NodeIdentifiers {
        0..self.num_vertices() as u32
    }
}

impl NodeCount for Csr {
    fn node_count(&self) -> usize {
        self.num_vertices()
    }
}

impl NodeIndexable for Csr {
    fn node_bound(&self) -> usize {
        self.num_vertices()
    }

    fn to_index(&self, a: u32) -> usize {
        a as usize
    }

    fn from_index(&self, i: usize) -> u32 {
        i as u32
    }
}

impl NodeCompactIndexable for Csr {}

impl Visitable for Csr {
    type Map = VisitSet;

    fn visit_map(&self) -> VisitSet {
        VisitSet::with_len(self.num_vertices())
    }

    fn reset_map(&self, map: &mut VisitSet) {
        map.clear_and_resize(self.num_vertices());
    }
}

/// A bitmap of visited vertices, petgraph's `Visitable` map for [`Csr`]. Vertices beyond
/// the graph read as unvisited and are not recorded.
#[derive(Debug, Clone, Default)]
pub struct VisitSet {
    words: Vec<u64>,
}

impl VisitSet {
    /// An empty set with room for vertices `0..n`.
    pub fn with_len(n: usize) -> VisitSet {
        VisitSet {
            words: vec![0; n.div_ceil(64)],
        }
    }

    fn clear_and_resize(&mut self, n: usize) {
        self.words.clear();
        self.words.resize(n.div_ceil(64), 0);
    }
}

impl VisitMap<u32> for VisitSet {
    fn visit(&mut self, a: u32) -> bool {
        let bit = 1u64 << (a % 64);
        match self.words.get_mut((a / 64) as usize) {
            Some(w) => {
                let first = *w & bit == 0;
                *w |= bit;
                first
            }
            None => false,
        }
    }

    fn is_visited(&self, a: &u32) -> bool {
        let bit = 1u64 << (a % 64);
        self.words
            .get((a / 64) as usize)
            .is_some_and(|w| w & bit != 0)
    }

    fn unvisit(&mut self, a: u32) -> bool {
        let bit = 1u64 << (a % 64);
        match self.words.get_mut((a / 64) as usize) {
            Some(w) => {
                let was = *w & bit != 0;
                *w &= !bit;
                was
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use petgraph::visit::{Bfs, Dfs};

    fn lcg(seed: &mut u64) -> u32 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 33) as u32
    }

    #[test]
    fn rows_are_stable_and_complete() {
        let src = [2, 0, 2, 1, 0, 2];
        let dst = [1, 3, 0, 1, 3, 2];
        let w = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let g = Csr::from_edges(4, &src, &dst, Some(&w));
        assert_eq!(g.num_vertices(), 4);
        assert_eq!(g.num_edges(), 6);
        assert_eq!(g.neighbors(0), &[3, 3]);
        assert_eq!(g.edge_weights(0), Some(&[2.0, 5.0][..]));
        assert_eq!(g.neighbors(1), &[1]);
        assert_eq!(g.neighbors(2), &[1, 0, 2]);
        assert_eq!(g.edge_weights(2), Some(&[1.0, 3.0, 6.0][..]));
        assert_eq!(g.neighbors(3), &[] as &[u32]);
        assert_eq!(g.out_degree(2), 3);
        assert_eq!(g.out_weight_sums(), vec![7.0, 4.0, 10.0, 0.0]);
        // Out of range reads are empty rather than panics.
        assert_eq!(g.neighbors(4), &[] as &[u32]);
        assert_eq!(g.out_degree(99), 0);
        assert_eq!(g.edge_weights(7), Some(&[][..]));

        let t = g.transpose();
        assert_eq!(t.neighbors(0), &[2]);
        assert_eq!(t.neighbors(1), &[1, 2]);
        assert_eq!(t.neighbors(2), &[2]);
        assert_eq!(t.neighbors(3), &[0, 0]);
        assert_eq!(t.edge_weights(3), Some(&[2.0, 5.0][..]));
        assert_eq!(t.edge_weights(1), Some(&[4.0, 1.0][..]));
        // Transposing back gives the same rows, ordered by target.
        let back = t.transpose();
        assert_eq!(back.neighbors(2), &[0, 1, 2]);
        assert_eq!(back.edge_weights(2), Some(&[3.0, 1.0, 6.0][..]));
        assert_eq!(back.neighbors(0), g.neighbors(0));
    }

    #[test]
    fn undirected_rows_hold_both_directions() {
        let g = Csr::from_undirected_edges(
            4,
            &[0, 2, 1, 3],
            &[1, 0, 1, 9],
            Some(&[1.0, 2.0, 3.0, 4.0]),
        );
        assert_eq!(g.num_edges(), 6);
        assert_eq!(g.neighbors(0), &[1, 2]);
        assert_eq!(g.edge_weights(0), Some(&[1.0, 2.0][..]));
        assert_eq!(g.neighbors(1), &[0, 1, 1]);
        assert_eq!(g.neighbors(2), &[0]);
        assert_eq!(g.neighbors(3), &[] as &[u32]);
        assert_eq!(g.transpose(), g.transpose().transpose().transpose());
    }

    #[test]
    fn invalid_edges_are_skipped() {
        let g = Csr::from_edges(3, &[0, 5, 1, 2], &[1, 0, 9, 0, 2], None);
        assert_eq!(g.num_edges(), 2);
        assert_eq!(g.neighbors(0), &[1]);
        assert_eq!(g.neighbors(2), &[0]);
        assert!(!g.is_weighted());
        let e = Csr::from_edges(0, &[], &[], None);
        assert_eq!(e.num_vertices(), 0);
        assert_eq!(e.transpose().num_vertices(), 0);
        assert!(e.out_weight_sums().is_empty());
    }

    #[test]
    fn random_graph_matches_edge_list() {
        let mut seed = 7;
        let n = 50usize;
        let m = 400;
        let src: Vec<u32> = (0..m).map(|_| lcg(&mut seed) % n as u32).collect();
        let dst: Vec<u32> = (0..m).map(|_| lcg(&mut seed) % n as u32).collect();
        let w: Vec<f64> = (0..m).map(|i| i as f64).collect();
        let g = Csr::from_edges(n, &src, &dst, Some(&w));
        for v in 0..n as u32 {
            let expect: Vec<(u32, f64)> = (0..m)
                .filter(|&i| src[i] == v)
                .map(|i| (dst[i], w[i]))
                .collect();
            let got: Vec<(u32, f64)> = g
                .neighbors(v)
                .iter()
                .copied()
                .zip(g.edge_weights(v).unwrap().iter().copied())
                .collect();
            assert_eq!(got, expect);
        }
        let t = g.transpose();
        for v in 0..n as u32 {
            let expect: Vec<(u32, f64)> = (0..m)
                .filter(|&i| dst[i] == v)
                .map(|i| (src[i], w[i]))
                .collect();
            let mut got: Vec<(u32, f64)> = t
                .neighbors(v)
                .iter()
                .copied()
                .zip(t.edge_weights(v).unwrap().iter().copied())
                .collect();
            got.sort_by(|a, b| a.1.total_cmp(&b.1));
            assert_eq!(got, expect);
        }
    }

    #[test]
    fn petgraph_traversals_run_on_csr() {
        // 0 -> 1 -> 2, 3 -> 0, 4 isolated
        let g = Csr::from_edges(5, &[0, 1, 3], &[1, 2, 0], None);
        let mut dfs = Dfs::new(&g, 0);
        let mut seen = Vec::new();
        while let Some(v) = dfs.next(&g) {
            seen.push(v);
        }
        assert_eq!(seen, vec![0, 1, 2]);
        let mut bfs = Bfs::new(&g, 3);
        let mut seen = Vec::new();
        while let Some(v) = bfs.next(&g) {
            seen.push(v);
        }
        assert_eq!(seen, vec![3, 0, 1, 2]);
        let sccs = petgraph::algo::tarjan_scc(&g);
        assert_eq!(sccs.len(), 5);

        let mut set = g.visit_map();
        assert!(set.visit(4));
        assert!(!set.visit(4));
        assert!(set.is_visited(&4));
        assert!(set.unvisit(4));
        assert!(!set.is_visited(&4));
        assert!(!set.visit(1000));
        g.reset_map(&mut set);
        assert!(!set.is_visited(&0));
    }
}
