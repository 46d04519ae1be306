//! Graph sample tables for scenario 17 (graph analysis, GraphFrames style):
//! `entities` (vertices) and `relationships` (directed edges).
//!
//! # What is planted
//!
//! `n = 5000 × scale` vertices with ids `1..=n` (scale 200: ≈1M vertices, ≈10M
//! edges). Every vertex belongs to exactly one *block*: a community, a satellite
//! component or an isolated vertex. `entities.planted_community` is the block's
//! number (1-based; communities, components and isolated vertices are numbered in one
//! seed-shuffled sequence) and `entities.planted_role` tells the kind of block. Ids
//! are scattered: the hubs have the highest ids `n - hubs + 1 ..= n`, every other
//! vertex a pseudo-random id, so a block's ids are not contiguous (contiguous blocks
//! would let label propagation's smallest-label tie-breaking flood the graph from the
//! low-id blocks; see [`GraphContext`]).
//!
//! * **Communities** (`member` and `hub`, ≈98.8 % of vertices). Blocks of 50–400
//!   vertices. Every member has 5–15 distinct out-neighbours (uniform); each goes with
//!   probability 0.9 to another member of its own community, otherwise to a uniform
//!   vertex of the big part (any community vertex). So ≈90 % of a member's
//!   ≈20 undirected neighbours are in its community, and all communities form one
//!   weakly connected component. Label propagation (synchronous, smallest label on
//!   ties, 5 iterations, as the Ignis kernel does) reaches NMI ≈ 0.93–0.98 against
//!   `planted_community` at scales 1–20.
//! * **Hubs** (`hub`, type `organization`; `max(10, n / 1000)` of them, each in a
//!   different community, ids `n - hubs + 1 ..= n`). Hubs have popularity ranks:
//!   every community vertex sends, with probability 0.3, one extra edge to a hub
//!   drawn with Zipf-like weight `1 / (rank + 1)^0.8` (never to itself, never
//!   duplicating one of its other edges). Hubs also have their 5–15 community edges
//!   plus 50–200 out-edges to uniform community vertices. Even the least popular hub
//!   has more than twice the in-degree of any other vertex (scale 200: at least 67
//!   against at most 28), so the top PageRank and in-degree vertices are hubs; at
//!   scales 1–3 every hub outranks every other vertex in PageRank (by at least 2×
//!   over 90 seeds), and with at least 10 hubs a top-10 list is all hubs at any
//!   scale.
//! * **Satellites** (`satellite`, ≈1 % of vertices, at least 5 components). Small
//!   separate components of 3–20 vertices, each its own block: a random spanning tree
//!   with random edge directions plus `0..=size/4` extra edges; the first component
//!   (and each other one with probability 0.5) also contains a directed 3-cycle
//!   `a → b → c → a`. No edge joins a satellite component to any other block, so
//!   connected components finds each one exactly.
//! * **Isolated vertices** (`isolated`, ≈0.2 %, at least 1): present in `entities`,
//!   no edge at all; each is its own block (own `planted_community`).
//! * **Self loops and duplicates.** Community vertices get a self loop `v → v` with
//!   probability 0.005 and repeat one of their (non-loop) edges as an exact duplicate
//!   row with probability 0.005, i.e. ≈0.05 % of edges each. Apart from those planted
//!   rows every `(src, dst)` pair is distinct and `src <> dst`.
//!
//! Non-structural columns: `type` is `organization` for hubs and otherwise drawn
//! (person 55 %, organization 10 %, account 25 %, device 10 %); `properties` is a
//! small JSON object such as `{"region":"EU","since":2019}`; `relationship` is
//! `follows` / `collaborates` / `transacts` (50 / 30 / 20 %), `weight` is uniform in
//! 0.10–10.00 (two decimals) and `created_date` uniform in 2025. None of them
//! carries planted signal.
//!
//! Determinism and memory: the block layout, hubs and edge counts are small O(blocks)
//! arrays computed up front from the seed, and the id permutation is a keyed Feistel
//! network (no per-vertex array); every vertex's attributes and out-edges come from
//! its own ChaCha8 sub-stream keyed by its id (a satellite component's edges from the
//! component's stream, emitted with the vertex in its first slot), so edges are
//! generated per source vertex in bounded-size batches, in source-id order, and
//! chunking never changes the data.

use std::path::Path;
use std::sync::Arc;

use deltalake::arrow::array::{
    ArrayRef, Date32Builder, Float64Builder, Int64Builder, RecordBatch, StringBuilder,
};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use deltalake::arrow::error::ArrowError;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::delta_writer::{write_delta, BatchIter, BATCH_ROWS};
use super::{cdf, id_chunks, mix64, sample_cdf, sub_rng, tag, GenerateError};

/// Vertices per unit of scale.
pub(super) const VERTICES_PER_SCALE: u64 = 5_000;
const MAX_SCALE: u32 = 10_000;
/// 2025-01-01 in days since the epoch.
const YEAR_START_DAY: i32 = 20_089;
const DAYS_IN_YEAR: u16 = 365;

const COMMUNITY_SIZE: (u64, u64) = (50, 400);
const MEMBER_OUT_DEGREE: (u32, u32) = (5, 15);
/// Probability that a member's edge stays inside its community.
const P_INTRA: f64 = 0.9;
const VERTICES_PER_HUB: u64 = 1_000;
const MIN_HUBS: u64 = 10;
/// Probability that a community vertex sends an extra edge to a hub.
const P_HUB_EDGE: f64 = 0.3;
/// Hub popularity weight is `1 / (rank + 1)^HUB_ZIPF_EXPONENT`.
const HUB_ZIPF_EXPONENT: f64 = 0.8;
const HUB_OUT_DEGREE: (u32, u32) = (50, 200);
const SATELLITE_SHARE: f64 = 0.01;
const SATELLITE_SIZE: (u64, u64) = (3, 20);
const MIN_SATELLITE_COMPONENTS: usize = 5;
/// Probability that a satellite component (other than the first) has a 3-cycle.
const P_TRIANGLE: f64 = 0.5;
const ISOLATED_SHARE: f64 = 0.002;
const P_SELF_LOOP: f64 = 0.005;
const P_DUPLICATE: f64 = 0.005;

/// Planted roles (`entities.planted_role`).
const MEMBER: &str = "member";
const HUB: &str = "hub";
const SATELLITE: &str = "satellite";
const ISOLATED: &str = "isolated";

const TYPES: [&str; 4] = ["person", "organization", "account", "device"];
const TYPE_WEIGHTS: [f64; 4] = [55.0, 10.0, 25.0, 10.0];
const ORGANIZATION: usize = 1;
const RELATIONSHIPS: [&str; 3] = ["follows", "collaborates", "transacts"];
const RELATIONSHIP_WEIGHTS: [f64; 3] = [50.0, 30.0, 20.0];
const REGIONS: [&str; 5] = ["EU", "NA", "APAC", "LATAM", "MEA"];
const SINCE_YEARS: (u32, u32) = (2010, 2025);

const FIRST_NAMES: [&str; 16] = [
    "Ava", "Ben", "Chloe", "Daniel", "Emma", "Felix", "Grace", "Hugo", "Isla", "Jonas", "Kara",
    "Liam", "Maya", "Noah", "Olivia", "Paul",
];
const LAST_NAMES: [&str; 16] = [
    "Adams", "Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
    "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Petrov",
];
const ORG_PREFIXES: [&str; 12] = [
    "Northwind",
    "Bluepeak",
    "Crescent",
    "Ironleaf",
    "Silverline",
    "Redwood",
    "Brightwater",
    "Summit",
    "Quantum",
    "Harbor",
    "Evergreen",
    "Falcon",
];
const ORG_SUFFIXES: [&str; 6] = [
    "Labs", "Holdings", "Systems", "Partners", "Group", "Networks",
];

/// The graph tables, in write order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum GraphTable {
    Entities,
    Relationships,
}

impl GraphTable {
    pub(super) const ALL: [GraphTable; 2] = [GraphTable::Entities, GraphTable::Relationships];

    pub(super) fn name(self) -> &'static str {
        match self {
            GraphTable::Entities => "entities",
            GraphTable::Relationships => "relationships",
        }
    }
}

/// What a block of contiguous vertex ids is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BlockKind {
    Community,
    /// A satellite component, with its index (the sub-stream of its edges).
    Satellite(u64),
    Isolated,
}

/// Vertex slots `start .. start + size`; its `planted_community` is its index + 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Block {
    start: u64,
    size: u64,
    kind: BlockKind,
}

/// One edge, kept compact until it is appended to a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct EdgeRec {
    src: u64,
    dst: u64,
    relationship: u8,
    weight_cents: u16,
    day: u16,
}

/// The draws of a community vertex that decide how many edges it has; they come
/// first in the vertex's stream so the up-front counting pass can stop after them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct VertexPlan {
    degree: u32,
    hub_target: Option<u64>,
    hub_out: u32,
    self_loop: bool,
    duplicate: bool,
}

impl VertexPlan {
    fn edges(&self) -> u64 {
        u64::from(self.degree)
            + u64::from(self.hub_out)
            + u64::from(self.hub_target.is_some())
            + u64::from(self.self_loop)
            + u64::from(self.duplicate)
    }
}

/// A keyed pseudo-random permutation of `0..m` (a balanced Feistel network on the
/// smallest even number of bits covering `m`, with cycle walking), so ids can be
/// scattered over the layout in O(1) memory.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Permutation {
    m: u64,
    half_bits: u32,
    keys: [u64; 6],
}

impl Permutation {
    fn new(m: u64, rng: &mut ChaCha8Rng) -> Permutation {
        let bits = (64 - m.saturating_sub(1).leading_zeros()).max(2);
        Permutation {
            m,
            half_bits: bits.div_ceil(2),
            keys: std::array::from_fn(|_| rng.random()),
        }
    }

    fn mask(&self) -> u64 {
        (1 << self.half_bits) - 1
    }

    fn encrypt(&self, x: u64) -> u64 {
        let mask = self.mask();
        let (mut l, mut r) = (x >> self.half_bits, x & mask);
        for &key in &self.keys {
            (l, r) = (r, l ^ (mix64(r ^ key) & mask));
        }
        (l << self.half_bits) | r
    }

    fn decrypt(&self, y: u64) -> u64 {
        let mask = self.mask();
        let (mut l, mut r) = (y >> self.half_bits, y & mask);
        for &key in self.keys.iter().rev() {
            (l, r) = (r ^ (mix64(l ^ key) & mask), l);
        }
        (l << self.half_bits) | r
    }

    /// Image of `x` (`< m`), also `< m`.
    fn forward(&self, x: u64) -> u64 {
        let mut y = self.encrypt(x);
        while y >= self.m {
            y = self.encrypt(y);
        }
        y
    }

    /// Inverse of [`Permutation::forward`].
    fn backward(&self, y: u64) -> u64 {
        let mut x = self.decrypt(y);
        while x >= self.m {
            x = self.decrypt(x);
        }
        x
    }
}

/// Shared, immutable layout of the planted graph.
///
/// The layout lives in *slot* space `0..n`, where every block is a contiguous run of
/// slots. Vertex ids are a seeded permutation of the slots: hubs get the highest ids
/// `n - hubs + 1 ..= n`, every other slot a pseudo-random id in `1 ..= n - hubs`.
/// Scattering ids matters for label propagation with smallest-label tie-breaking
/// (GraphFrames' deterministic variant): with contiguous blocks the low-id blocks'
/// labels would win every tie across cross edges and flood the graph, and a hub with
/// a small id would spread its label to every community.
pub(super) struct GraphContext {
    seed: u64,
    n: u64,
    /// All blocks in slot order.
    blocks: Vec<Block>,
    /// `blocks[i].start`, for binary search.
    block_starts: Vec<u64>,
    /// Block indices of the communities, in slot order.
    communities: Vec<usize>,
    /// Community vertices before each entry of `communities`.
    member_prefix: Vec<u64>,
    n_members: u64,
    /// Hub slots by popularity rank (most popular first).
    hubs: Vec<u64>,
    /// Hub slots in increasing order; the i-th has id `first_hub_id + i`.
    hubs_sorted: Vec<u64>,
    /// `hubs_sorted[i] - i`: the number of non-hub slots before the i-th hub.
    hub_gaps: Vec<u64>,
    first_hub_id: u64,
    /// Ids of the non-hub slots (by their rank among non-hub slots).
    perm: Permutation,
    hub_cdf: Vec<f64>,
    type_cdf: Vec<f64>,
    relationship_cdf: Vec<f64>,
    total_edges: u64,
}

fn entities_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, true),
        Field::new("name", DataType::Utf8, true),
        Field::new("type", DataType::Utf8, true),
        Field::new("properties", DataType::Utf8, true),
        Field::new("planted_community", DataType::Int64, true),
        Field::new("planted_role", DataType::Utf8, true),
    ]))
}

fn relationships_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("src", DataType::Int64, true),
        Field::new("dst", DataType::Int64, true),
        Field::new("relationship", DataType::Utf8, true),
        Field::new("weight", DataType::Float64, true),
        Field::new("created_date", DataType::Date32, true),
    ]))
}

/// Community sizes in `COMMUNITY_SIZE` summing to `total` (which must be at least
/// the minimum size; a smaller remainder becomes one smaller community).
fn community_sizes(rng: &mut ChaCha8Rng, total: u64) -> Vec<u64> {
    let (lo, hi) = COMMUNITY_SIZE;
    let mut sizes = Vec::new();
    let mut remaining = total;
    while remaining > 0 {
        let size = if remaining <= hi {
            remaining
        } else if remaining < hi + lo {
            remaining / 2
        } else {
            rng.random_range(lo..=hi.min(remaining - lo))
        };
        sizes.push(size);
        remaining -= size;
    }
    sizes
}

impl GraphContext {
    /// Lay out blocks and hubs for `(seed, scale)` and count the edges (one cheap
    /// pass over the first draws of every vertex stream).
    pub(super) fn new(seed: u64, scale: u32) -> Result<Arc<GraphContext>, GenerateError> {
        if scale > MAX_SCALE {
            return Err(GenerateError::ScaleTooLarge(scale));
        }
        let n = VERTICES_PER_SCALE * u64::from(scale);
        let mut rng = sub_rng(seed, tag::GRAPH_LAYOUT, 0);

        let n_isolated = ((n as f64 * ISOLATED_SHARE).round() as u64).max(1);
        let satellite_target = (n as f64 * SATELLITE_SHARE).round() as u64;
        let mut satellite_sizes = Vec::new();
        let mut n_satellites = 0;
        while n_satellites < satellite_target || satellite_sizes.len() < MIN_SATELLITE_COMPONENTS {
            let size = rng.random_range(SATELLITE_SIZE.0..=SATELLITE_SIZE.1);
            satellite_sizes.push(size);
            n_satellites += size;
        }
        let n_members = n - n_isolated - n_satellites;
        let community_sizes = community_sizes(&mut rng, n_members);

        let mut layout: Vec<(u64, BlockKind)> = community_sizes
            .iter()
            .map(|&size| (size, BlockKind::Community))
            .chain(
                satellite_sizes
                    .iter()
                    .enumerate()
                    .map(|(i, &size)| (size, BlockKind::Satellite(i as u64))),
            )
            .chain((0..n_isolated).map(|_| (1, BlockKind::Isolated)))
            .collect();
        layout.shuffle(&mut rng);
        let mut blocks = Vec::with_capacity(layout.len());
        let mut next_slot = 0;
        for (size, kind) in layout {
            blocks.push(Block {
                start: next_slot,
                size,
                kind,
            });
            next_slot += size;
        }
        let block_starts: Vec<u64> = blocks.iter().map(|b| b.start).collect();
        let communities: Vec<usize> = (0..blocks.len())
            .filter(|&i| blocks[i].kind == BlockKind::Community)
            .collect();
        let mut member_prefix = Vec::with_capacity(communities.len());
        let mut acc = 0;
        for &b in &communities {
            member_prefix.push(acc);
            acc += blocks[b].size;
        }

        let n_hubs = (n / VERTICES_PER_HUB)
            .max(MIN_HUBS)
            .min(communities.len() as u64) as usize;
        let hub_communities = rand::seq::index::sample(&mut rng, communities.len(), n_hubs);
        let hubs: Vec<u64> = hub_communities
            .iter()
            .map(|c| {
                let block = blocks[communities[c]];
                block.start + rng.random_range(0..block.size)
            })
            .collect();
        let mut hubs_sorted = hubs.clone();
        hubs_sorted.sort_unstable();
        let hub_gaps = hubs_sorted
            .iter()
            .enumerate()
            .map(|(i, &h)| h - i as u64)
            .collect();
        let first_hub_id = n - hubs.len() as u64 + 1;
        let perm = Permutation::new(n - hubs.len() as u64, &mut rng);
        let hub_weights: Vec<f64> = (0..hubs.len())
            .map(|r| 1.0 / ((r + 1) as f64).powf(HUB_ZIPF_EXPONENT))
            .collect();

        let mut ctx = GraphContext {
            seed,
            n,
            blocks,
            block_starts,
            communities,
            member_prefix,
            n_members,
            hubs,
            hubs_sorted,
            hub_gaps,
            first_hub_id,
            perm,
            hub_cdf: cdf(&hub_weights),
            type_cdf: cdf(&TYPE_WEIGHTS),
            relationship_cdf: cdf(&RELATIONSHIP_WEIGHTS),
            total_edges: 0,
        };
        let mut total = 0;
        for block in &ctx.blocks {
            match block.kind {
                BlockKind::Community => {
                    for slot in block.start..block.start + block.size {
                        let mut rng = sub_rng(seed, tag::GRAPH_EDGE, ctx.id_of(slot));
                        total += ctx.plan(slot, &mut rng).edges();
                    }
                }
                BlockKind::Satellite(index) => {
                    total += ctx.component_edges(index, block).len() as u64;
                }
                BlockKind::Isolated => {}
            }
        }
        ctx.total_edges = total;
        Ok(Arc::new(ctx))
    }

    /// Index of the block holding `slot`.
    fn block_of(&self, slot: u64) -> usize {
        self.block_starts
            .partition_point(|&s| s <= slot)
            .saturating_sub(1)
    }

    fn is_hub(&self, slot: u64) -> bool {
        self.hubs_sorted.binary_search(&slot).is_ok()
    }

    /// Vertex id (`1..=n`) of `slot` (`0..n`).
    fn id_of(&self, slot: u64) -> u64 {
        match self.hubs_sorted.binary_search(&slot) {
            Ok(i) => self.first_hub_id + i as u64,
            Err(hubs_before) => 1 + self.perm.forward(slot - hubs_before as u64),
        }
    }

    /// Slot of vertex `id` (`1..=n`); inverse of [`GraphContext::id_of`].
    fn slot_of(&self, id: u64) -> u64 {
        if id >= self.first_hub_id {
            let i = (id - self.first_hub_id) as usize;
            return self.hubs_sorted.get(i).copied().unwrap_or_default();
        }
        let rank = self.perm.backward(id - 1);
        rank + self.hub_gaps.partition_point(|&g| g <= rank) as u64
    }

    /// A uniformly drawn community slot (the big connected part).
    fn uniform_member(&self, rng: &mut ChaCha8Rng) -> u64 {
        let k = rng.random_range(0..self.n_members);
        let c = self
            .member_prefix
            .partition_point(|&p| p <= k)
            .saturating_sub(1);
        self.blocks[self.communities[c]].start + (k - self.member_prefix[c])
    }

    /// The count-deciding first draws of the edge stream of community `slot`
    /// (`hub_target` is a slot too).
    fn plan(&self, slot: u64, rng: &mut ChaCha8Rng) -> VertexPlan {
        let degree = rng.random_range(MEMBER_OUT_DEGREE.0..=MEMBER_OUT_DEGREE.1);
        let hub_target = if rng.random_bool(P_HUB_EDGE) {
            let hub = self.hubs[sample_cdf(rng, &self.hub_cdf)];
            (hub != slot).then_some(hub)
        } else {
            None
        };
        let hub_out = if self.is_hub(slot) {
            rng.random_range(HUB_OUT_DEGREE.0..=HUB_OUT_DEGREE.1)
        } else {
            0
        };
        VertexPlan {
            degree,
            hub_target,
            hub_out,
            self_loop: rng.random_bool(P_SELF_LOOP),
            duplicate: rng.random_bool(P_DUPLICATE),
        }
    }

    /// Edge `src -> dst` with drawn attributes.
    fn edge(&self, rng: &mut ChaCha8Rng, src: u64, dst: u64) -> EdgeRec {
        EdgeRec {
            src,
            dst,
            relationship: sample_cdf(rng, &self.relationship_cdf) as u8,
            weight_cents: rng.random_range(10..=1000),
            day: rng.random_range(0..DAYS_IN_YEAR),
        }
    }

    /// All edges of satellite component `index` (occupying `block`): a random
    /// spanning tree, a few extra edges and possibly a directed 3-cycle, without
    /// self loops or duplicate `(src, dst)` pairs.
    fn component_edges(&self, index: u64, block: &Block) -> Vec<EdgeRec> {
        let mut rng = sub_rng(self.seed, tag::GRAPH_COMPONENT, index);
        let size = block.size;
        let mut pairs: Vec<(u64, u64)> = Vec::with_capacity(size as usize * 2);
        let add = |pairs: &mut Vec<(u64, u64)>, a: u64, b: u64| {
            if a != b && !pairs.contains(&(a, b)) {
                pairs.push((a, b));
            }
        };
        for i in 1..size {
            let j = rng.random_range(0..i);
            if rng.random_bool(0.5) {
                add(&mut pairs, i, j);
            } else {
                add(&mut pairs, j, i);
            }
        }
        let extra = rng.random_range(0..=size / 4);
        for _ in 0..extra {
            let a = rng.random_range(0..size);
            let b = rng.random_range(0..size);
            add(&mut pairs, a, b);
        }
        if index == 0 || rng.random_bool(P_TRIANGLE) {
            let picked = rand::seq::index::sample(&mut rng, size as usize, 3);
            let (a, b, c) = (
                picked.index(0) as u64,
                picked.index(1) as u64,
                picked.index(2) as u64,
            );
            add(&mut pairs, a, b);
            add(&mut pairs, b, c);
            add(&mut pairs, c, a);
        }
        pairs
            .into_iter()
            .map(|(a, b)| {
                let (src, dst) = (self.id_of(block.start + a), self.id_of(block.start + b));
                self.edge(&mut rng, src, dst)
            })
            .collect()
    }

    /// Append the out-edges of vertex `v` (an id) to `out`. A satellite component's
    /// edges are all emitted with the vertex in its first slot.
    fn vertex_edges(&self, v: u64, out: &mut Vec<EdgeRec>) {
        let slot = self.slot_of(v);
        let block = self.blocks[self.block_of(slot)];
        match block.kind {
            BlockKind::Isolated => {}
            BlockKind::Satellite(index) => {
                if slot == block.start {
                    out.extend(self.component_edges(index, &block));
                }
            }
            BlockKind::Community => {
                let mut rng = sub_rng(self.seed, tag::GRAPH_EDGE, v);
                let plan = self.plan(slot, &mut rng);
                let hub_target = plan.hub_target.map(|h| self.id_of(h));
                let first = out.len();
                let taken = |out: &[EdgeRec], d: u64| {
                    d == v || Some(d) == hub_target || out[first..].iter().any(|e| e.dst == d)
                };
                for _ in 0..plan.degree {
                    let intra = rng.random_bool(P_INTRA);
                    let dst = loop {
                        let d = self.id_of(if intra {
                            block.start + rng.random_range(0..block.size)
                        } else {
                            self.uniform_member(&mut rng)
                        });
                        if !taken(out, d) {
                            break d;
                        }
                    };
                    let e = self.edge(&mut rng, v, dst);
                    out.push(e);
                }
                for _ in 0..plan.hub_out {
                    let dst = loop {
                        let d = self.id_of(self.uniform_member(&mut rng));
                        if !taken(out, d) {
                            break d;
                        }
                    };
                    let e = self.edge(&mut rng, v, dst);
                    out.push(e);
                }
                if let Some(hub) = hub_target {
                    let e = self.edge(&mut rng, v, hub);
                    out.push(e);
                }
                let plain = out.len();
                if plan.self_loop {
                    let e = self.edge(&mut rng, v, v);
                    out.push(e);
                }
                if plan.duplicate {
                    let e = out[first + rng.random_range(0..plain - first)];
                    out.push(e);
                }
            }
        }
    }

    /// Write one graph table as a Delta table at `location`; returns its row count.
    pub(super) async fn write_table(
        self: &Arc<Self>,
        table: GraphTable,
        location: &Path,
        progress: &dyn Fn(&str),
    ) -> Result<u64, GenerateError> {
        let name = table.name();
        let ctx = Arc::clone(self);
        match table {
            GraphTable::Entities => {
                write_delta(
                    name,
                    location,
                    entities_schema(),
                    self.n,
                    move || ctx.entities_iter(),
                    progress,
                )
                .await
            }
            GraphTable::Relationships => {
                write_delta(
                    name,
                    location,
                    relationships_schema(),
                    self.total_edges,
                    move || ctx.relationships_iter(BATCH_ROWS),
                    progress,
                )
                .await
            }
        }
    }

    fn entities_iter(self: &Arc<Self>) -> BatchIter {
        let ctx = Arc::clone(self);
        Box::new(
            id_chunks(self.n, BATCH_ROWS as u64)
                .map(move |(first, last)| ctx.entities_batch(first, last)),
        )
    }

    /// Vertices `first..=last` as one batch.
    fn entities_batch(&self, first: u64, last: u64) -> Result<RecordBatch, ArrowError> {
        let n = (last + 1).saturating_sub(first) as usize;
        let mut id_b = Int64Builder::with_capacity(n);
        let mut name_b = StringBuilder::with_capacity(n, n * 16);
        let mut type_b = StringBuilder::with_capacity(n, n * 8);
        let mut properties_b = StringBuilder::with_capacity(n, n * 32);
        let mut community_b = Int64Builder::with_capacity(n);
        let mut role_b = StringBuilder::with_capacity(n, n * 8);
        let mut buf = String::with_capacity(64);
        for id in first..=last {
            let slot = self.slot_of(id);
            let b = self.block_of(slot);
            let is_hub = self.is_hub(slot);
            let role = match self.blocks[b].kind {
                BlockKind::Community if is_hub => HUB,
                BlockKind::Community => MEMBER,
                BlockKind::Satellite(_) => SATELLITE,
                BlockKind::Isolated => ISOLATED,
            };
            let mut rng = sub_rng(self.seed, tag::GRAPH_ENTITY, id);
            let drawn = sample_cdf(&mut rng, &self.type_cdf);
            let kind = if is_hub { ORGANIZATION } else { drawn };
            buf.clear();
            match TYPES[kind] {
                "person" => {
                    buf.push_str(FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())]);
                    buf.push(' ');
                    buf.push_str(LAST_NAMES[rng.random_range(0..LAST_NAMES.len())]);
                }
                "organization" => {
                    buf.push_str(ORG_PREFIXES[rng.random_range(0..ORG_PREFIXES.len())]);
                    buf.push(' ');
                    buf.push_str(ORG_SUFFIXES[rng.random_range(0..ORG_SUFFIXES.len())]);
                }
                "account" => buf.push_str(&format!("acct-{id:08}")),
                _ => buf.push_str(&format!("device-{:08x}", rng.random::<u32>())),
            }
            name_b.append_value(&buf);
            let region = REGIONS[rng.random_range(0..REGIONS.len())];
            let since = rng.random_range(SINCE_YEARS.0..=SINCE_YEARS.1);
            buf.clear();
            buf.push_str(&format!("{{\"region\":\"{region}\",\"since\":{since}}}"));
            properties_b.append_value(&buf);

            id_b.append_value(id as i64);
            type_b.append_value(TYPES[kind]);
            community_b.append_value(b as i64 + 1);
            role_b.append_value(role);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id_b.finish()),
            Arc::new(name_b.finish()),
            Arc::new(type_b.finish()),
            Arc::new(properties_b.finish()),
            Arc::new(community_b.finish()),
            Arc::new(role_b.finish()),
        ];
        RecordBatch::try_new(entities_schema(), columns)
    }

    /// Batches of edges, walking source vertices in id order; a batch is closed once
    /// it holds at least `batch_rows` edges (so it may exceed it by one vertex's edges).
    fn relationships_iter(self: &Arc<Self>, batch_rows: usize) -> BatchIter {
        Box::new(EdgeIter {
            ctx: Arc::clone(self),
            next_vertex: 1,
            batch_rows,
            edges: Vec::new(),
        })
    }
}

fn relationships_batch(edges: &[EdgeRec]) -> Result<RecordBatch, ArrowError> {
    let n = edges.len();
    let mut src_b = Int64Builder::with_capacity(n);
    let mut dst_b = Int64Builder::with_capacity(n);
    let mut relationship_b = StringBuilder::with_capacity(n, n * 10);
    let mut weight_b = Float64Builder::with_capacity(n);
    let mut date_b = Date32Builder::with_capacity(n);
    for e in edges {
        src_b.append_value(e.src as i64);
        dst_b.append_value(e.dst as i64);
        relationship_b.append_value(RELATIONSHIPS[usize::from(e.relationship)]);
        weight_b.append_value(f64::from(e.weight_cents) / 100.0);
        date_b.append_value(YEAR_START_DAY + i32::from(e.day));
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(src_b.finish()),
        Arc::new(dst_b.finish()),
        Arc::new(relationship_b.finish()),
        Arc::new(weight_b.finish()),
        Arc::new(date_b.finish()),
    ];
    RecordBatch::try_new(relationships_schema(), columns)
}

struct EdgeIter {
    ctx: Arc<GraphContext>,
    next_vertex: u64,
    batch_rows: usize,
    edges: Vec<EdgeRec>,
}

impl Iterator for EdgeIter {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.edges.clear();
        while self.edges.len() < self.batch_rows && self.next_vertex <= self.ctx.n {
            self.ctx.vertex_edges(self.next_vertex, &mut self.edges);
            self.next_vertex += 1;
        }
        if self.edges.is_empty() {
            return None;
        }
        Some(relationships_batch(&self.edges))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltalake::arrow::array::{AsArray, Int64Array};
    use deltalake::arrow::datatypes::{Date32Type, Float64Type, Int64Type};
    use std::collections::{HashMap, HashSet};

    fn collect(iter: BatchIter) -> Vec<RecordBatch> {
        iter.collect::<Result<Vec<_>, _>>().unwrap()
    }

    fn concat(schema: SchemaRef, batches: &[RecordBatch]) -> RecordBatch {
        deltalake::arrow::compute::concat_batches(&schema, batches).unwrap()
    }

    fn i64_col(batch: &RecordBatch, name: &str) -> Int64Array {
        batch
            .column_by_name(name)
            .unwrap()
            .as_primitive::<Int64Type>()
            .clone()
    }

    fn str_col(batch: &RecordBatch, name: &str) -> Vec<String> {
        batch
            .column_by_name(name)
            .unwrap()
            .as_string::<i32>()
            .iter()
            .map(|s| s.unwrap().to_string())
            .collect()
    }

    /// The generated graph, read back from the batches.
    struct Graph {
        n: usize,
        /// Indexed by id (index 0 unused).
        community: Vec<i64>,
        role: Vec<String>,
        kind: Vec<String>,
        edges: Vec<(usize, usize)>,
    }

    fn build(seed: u64, scale: u32) -> (Arc<GraphContext>, Graph) {
        let ctx = GraphContext::new(seed, scale).unwrap();
        let entities = concat(entities_schema(), &collect(ctx.entities_iter()));
        let edges = concat(
            relationships_schema(),
            &collect(ctx.relationships_iter(BATCH_ROWS)),
        );
        let n = entities.num_rows();
        let ids = i64_col(&entities, "id");
        assert!(ids
            .values()
            .iter()
            .enumerate()
            .all(|(i, &id)| id == i as i64 + 1));
        let mut community = vec![0];
        community.extend(i64_col(&entities, "planted_community").values().iter());
        let mut role = vec![String::new()];
        role.extend(str_col(&entities, "planted_role"));
        let mut kind = vec![String::new()];
        kind.extend(str_col(&entities, "type"));
        let src = i64_col(&edges, "src");
        let dst = i64_col(&edges, "dst");
        let edges = src
            .values()
            .iter()
            .zip(dst.values().iter())
            .map(|(&s, &d)| (s as usize, d as usize))
            .collect();
        let graph = Graph {
            n,
            community,
            role,
            kind,
            edges,
        };
        (ctx, graph)
    }

    fn find(parent: &mut [usize], x: usize) -> usize {
        let mut root = x;
        while parent[root] != root {
            root = parent[root];
        }
        let mut y = x;
        while parent[y] != root {
            let next = parent[y];
            parent[y] = root;
            y = next;
        }
        root
    }

    fn components(g: &Graph) -> Vec<usize> {
        let mut parent: Vec<usize> = (0..=g.n).collect();
        for &(s, d) in &g.edges {
            let (a, b) = (find(&mut parent, s), find(&mut parent, d));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
        (0..=g.n).map(|v| find(&mut parent, v)).collect()
    }

    fn pagerank(g: &Graph, iterations: usize) -> Vec<f64> {
        let n = g.n as f64;
        let mut out_degree = vec![0usize; g.n + 1];
        for &(s, _) in &g.edges {
            out_degree[s] += 1;
        }
        let mut rank = vec![1.0 / n; g.n + 1];
        rank[0] = 0.0;
        for _ in 0..iterations {
            let dangling: f64 = (1..=g.n)
                .filter(|&v| out_degree[v] == 0)
                .map(|v| rank[v])
                .sum();
            let mut next = vec![(0.15 + 0.85 * dangling) / n; g.n + 1];
            next[0] = 0.0;
            for &(s, d) in &g.edges {
                next[d] += 0.85 * rank[s] / out_degree[s] as f64;
            }
            rank = next;
        }
        rank
    }

    /// Synchronous label propagation on the undirected graph (self loops ignored,
    /// ties broken by the smallest label), as GraphFrames' `labelPropagation` does
    /// up to tie-breaking.
    fn label_propagation(g: &Graph, iterations: usize) -> Vec<usize> {
        let mut adjacency: Vec<Vec<usize>> = vec![Vec::new(); g.n + 1];
        for &(s, d) in &g.edges {
            if s != d {
                adjacency[s].push(d);
                adjacency[d].push(s);
            }
        }
        let mut labels: Vec<usize> = (0..=g.n).collect();
        for _ in 0..iterations {
            let next: Vec<usize> = (0..=g.n)
                .map(|v| {
                    let mut counts: HashMap<usize, usize> = HashMap::new();
                    for &u in &adjacency[v] {
                        *counts.entry(labels[u]).or_default() += 1;
                    }
                    counts
                        .into_iter()
                        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                        .map_or(labels[v], |(label, _)| label)
                })
                .collect();
            labels = next;
        }
        labels
    }

    /// Normalised mutual information (arithmetic-mean normalisation).
    fn nmi(a: &[i64], b: &[usize]) -> f64 {
        let n = a.len() as f64;
        let mut joint: HashMap<(i64, usize), f64> = HashMap::new();
        let mut pa: HashMap<i64, f64> = HashMap::new();
        let mut pb: HashMap<usize, f64> = HashMap::new();
        for (&x, &y) in a.iter().zip(b) {
            *joint.entry((x, y)).or_default() += 1.0;
            *pa.entry(x).or_default() += 1.0;
            *pb.entry(y).or_default() += 1.0;
        }
        let entropy = |m: Vec<f64>| -> f64 { m.iter().map(|c| -(c / n) * (c / n).ln()).sum() };
        let mutual: f64 = joint
            .iter()
            .map(|(&(x, y), &c)| (c / n) * ((c * n) / (pa[&x] * pb[&y])).ln())
            .sum();
        let ha = entropy(pa.into_values().collect());
        let hb = entropy(pb.into_values().collect());
        2.0 * mutual / (ha + hb)
    }

    #[test]
    fn permutation_is_a_bijection() {
        let mut rng = sub_rng(1, 99, 1);
        for m in [1, 2, 3, 4, 5, 17, 64, 100, 1_000, 4_097] {
            let p = Permutation::new(m, &mut rng);
            let mut seen = vec![false; m as usize];
            for x in 0..m {
                let y = p.forward(x);
                assert!(y < m);
                assert!(!seen[y as usize], "m {m}: {y} twice");
                seen[y as usize] = true;
                assert_eq!(p.backward(y), x);
            }
        }
    }

    #[test]
    fn ids_and_slots_are_inverse() {
        let ctx = GraphContext::new(13, 1).unwrap();
        let mut seen = vec![false; ctx.n as usize + 1];
        for slot in 0..ctx.n {
            let id = ctx.id_of(slot);
            assert!((1..=ctx.n).contains(&id));
            assert!(!seen[id as usize]);
            seen[id as usize] = true;
            assert_eq!(ctx.slot_of(id), slot);
        }
        let hub_ids: Vec<u64> = ctx.hubs_sorted.iter().map(|&h| ctx.id_of(h)).collect();
        assert_eq!(hub_ids, (ctx.n - 9..=ctx.n).collect::<Vec<_>>());
        // Communities are scattered over the id range, not contiguous.
        let block = ctx.blocks[ctx.communities[0]];
        let ids: Vec<u64> = (block.start..block.start + block.size)
            .map(|s| ctx.id_of(s))
            .collect();
        let span = ids.iter().max().unwrap() - ids.iter().min().unwrap();
        assert!(span > ctx.n / 2, "{span}");
    }

    #[test]
    fn dates_match_chrono() {
        let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        assert_eq!((start - epoch).num_days(), i64::from(YEAR_START_DAY));
    }

    #[test]
    fn tables_are_deterministic() {
        let a = GraphContext::new(7, 1).unwrap();
        let b = GraphContext::new(7, 1).unwrap();
        assert_eq!(collect(a.entities_iter()), collect(b.entities_iter()));
        assert_eq!(
            collect(a.relationships_iter(BATCH_ROWS)),
            collect(b.relationships_iter(BATCH_ROWS))
        );
        let c = GraphContext::new(8, 1).unwrap();
        assert_ne!(
            collect(a.relationships_iter(BATCH_ROWS)),
            collect(c.relationships_iter(BATCH_ROWS))
        );
        assert_ne!(collect(a.entities_iter()), collect(c.entities_iter()));
    }

    #[test]
    fn chunking_does_not_change_the_data() {
        let ctx = GraphContext::new(3, 1).unwrap();
        let whole = ctx.entities_batch(1, 1000).unwrap();
        let first = ctx.entities_batch(1, 377).unwrap();
        let rest = ctx.entities_batch(378, 1000).unwrap();
        assert_eq!(whole, concat(entities_schema(), &[first, rest]));

        let big = collect(ctx.relationships_iter(BATCH_ROWS));
        let small = collect(ctx.relationships_iter(1000));
        assert!(small.len() > 40, "{}", small.len());
        assert!(small
            .iter()
            .all(|b| b.num_rows() >= 1000 || b == small.last().unwrap()));
        assert_eq!(
            concat(relationships_schema(), &big),
            concat(relationships_schema(), &small)
        );
        let rows: usize = big.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows as u64, ctx.total_edges);
    }

    #[test]
    fn community_sizes_stay_in_range() {
        let mut rng = sub_rng(1, 99, 0);
        for total in [50, 399, 400, 401, 449, 450, 451, 4_851, 100_000] {
            let sizes = community_sizes(&mut rng, total);
            assert_eq!(sizes.iter().sum::<u64>(), total);
            assert!(
                sizes.iter().all(|s| (50..=400).contains(s)),
                "{total}: {sizes:?}"
            );
        }
    }

    #[test]
    fn column_values_are_in_range() {
        let ctx = GraphContext::new(4, 1).unwrap();
        let entities = concat(entities_schema(), &collect(ctx.entities_iter()));
        for p in str_col(&entities, "properties") {
            let v: serde_json::Value = serde_json::from_str(&p).unwrap();
            assert!(REGIONS.contains(&v["region"].as_str().unwrap()), "{p}");
            assert!((2010..=2025).contains(&v["since"].as_u64().unwrap()), "{p}");
        }
        assert!(str_col(&entities, "name").iter().all(|s| !s.is_empty()));
        let edges = concat(
            relationships_schema(),
            &collect(ctx.relationships_iter(BATCH_ROWS)),
        );
        let weights = edges
            .column_by_name("weight")
            .unwrap()
            .as_primitive::<Float64Type>();
        assert!(weights
            .values()
            .iter()
            .all(|&w| (0.1..=10.0).contains(&w) && ((w * 100.0).round() - w * 100.0).abs() < 1e-9));
        let dates = edges
            .column_by_name("created_date")
            .unwrap()
            .as_primitive::<Date32Type>();
        assert!(dates
            .values()
            .iter()
            .all(|&d| (YEAR_START_DAY..YEAR_START_DAY + 365).contains(&d)));
        let rels: HashSet<String> = str_col(&edges, "relationship").into_iter().collect();
        assert_eq!(rels.len(), 3);
        assert!(rels.iter().all(|r| RELATIONSHIPS.contains(&r.as_str())));
    }

    #[test]
    fn planted_structure_at_scale_one() {
        let (ctx, g) = build(11, 1);
        assert_eq!(g.n, 5_000);
        let m = g.edges.len();
        assert!((50_000..60_000).contains(&m), "{m}");
        assert!(g
            .edges
            .iter()
            .all(|&(s, d)| (1..=g.n).contains(&s) && (1..=g.n).contains(&d)));

        let count = |role: &str| g.role.iter().filter(|r| *r == role).count();
        let hubs: HashSet<usize> = (1..=g.n).filter(|&v| g.role[v] == HUB).collect();
        assert_eq!(hubs.len(), 10);
        assert!(hubs.iter().all(|&h| g.kind[h] == "organization"));
        let isolated = count(ISOLATED);
        let satellites = count(SATELLITE);
        assert_eq!(isolated, 10);
        assert!((40..=120).contains(&satellites), "{satellites}");
        assert_eq!(count(MEMBER) + hubs.len() + isolated + satellites, g.n);

        // Isolated vertices: no edge at all; each its own community.
        let mut degree = vec![0usize; g.n + 1];
        for &(s, d) in &g.edges {
            degree[s] += 1;
            degree[d] += 1;
        }
        let mut community_sizes: HashMap<i64, usize> = HashMap::new();
        for v in 1..=g.n {
            *community_sizes.entry(g.community[v]).or_default() += 1;
        }
        for v in (1..=g.n).filter(|&v| g.role[v] == ISOLATED) {
            assert_eq!(degree[v], 0, "isolated {v}");
            assert_eq!(community_sizes[&g.community[v]], 1);
        }

        // Weakly connected components: one big part (all members and hubs), each
        // satellite community exactly, each isolated vertex alone.
        let roots = components(&g);
        let big = roots[*hubs.iter().next().unwrap()];
        let mut satellite_roots: HashMap<i64, HashSet<usize>> = HashMap::new();
        for (v, &root) in roots.iter().enumerate().skip(1) {
            match g.role[v].as_str() {
                MEMBER | HUB => assert_eq!(root, big, "{v}"),
                SATELLITE => {
                    assert_ne!(root, big);
                    satellite_roots
                        .entry(g.community[v])
                        .or_default()
                        .insert(root);
                }
                _ => {}
            }
        }
        assert!(satellite_roots.len() >= 5, "{}", satellite_roots.len());
        assert!(satellite_roots.values().all(|r| r.len() == 1));
        let distinct: HashSet<usize> = satellite_roots.values().flatten().copied().collect();
        assert_eq!(distinct.len(), satellite_roots.len());
        for c in satellite_roots.keys() {
            assert!((3..=20).contains(&community_sizes[c]));
        }
        // Planted communities sized 50..=400.
        for v in (1..=g.n).filter(|&v| g.role[v] == MEMBER) {
            assert!((50..=400).contains(&community_sizes[&g.community[v]]));
        }

        // At least one satellite component has a directed 3-cycle.
        let satellite_edges: HashSet<(usize, usize)> = g
            .edges
            .iter()
            .copied()
            .filter(|&(s, _)| g.role[s] == SATELLITE)
            .collect();
        let has_triangle = satellite_edges.iter().any(|&(a, b)| {
            satellite_edges
                .iter()
                .any(|&(b2, c)| b2 == b && c != a && satellite_edges.contains(&(c, a)))
        });
        assert!(has_triangle);

        // Self loops and duplicates are rare, and the only duplicates are pairs.
        let loops = g.edges.iter().filter(|(s, d)| s == d).count();
        let mut pairs: HashMap<(usize, usize), usize> = HashMap::new();
        for &e in &g.edges {
            *pairs.entry(e).or_default() += 1;
        }
        let duplicates = m - pairs.len();
        assert!(pairs.values().all(|&c| c <= 2));
        assert!((5..=60).contains(&loops), "{loops}");
        assert!((5..=60).contains(&duplicates), "{duplicates}");
        let planned: (u64, u64) = ctx
            .blocks
            .iter()
            .filter(|b| b.kind == BlockKind::Community)
            .flat_map(|b| b.start..b.start + b.size)
            .map(|slot| ctx.plan(slot, &mut sub_rng(11, tag::GRAPH_EDGE, ctx.id_of(slot))))
            .fold((0, 0), |(l, d), p| {
                (l + u64::from(p.self_loop), d + u64::from(p.duplicate))
            });
        assert_eq!(planned, (loops as u64, duplicates as u64));

        // Edges stay mostly inside communities.
        let member_edges: Vec<&(usize, usize)> = g
            .edges
            .iter()
            .filter(|&&(s, d)| g.role[s] == MEMBER && s != d && !hubs.contains(&d))
            .collect();
        let intra = member_edges
            .iter()
            .filter(|&&&(s, d)| g.community[s] == g.community[d])
            .count();
        let share = intra as f64 / member_edges.len() as f64;
        assert!((0.88..0.92).contains(&share), "{share}");

        // Hubs: far higher in-degree than anyone else, and the top PageRank vertices.
        let mut in_degree = vec![0usize; g.n + 1];
        for &(_, d) in &g.edges {
            in_degree[d] += 1;
        }
        let min_hub = hubs.iter().map(|&h| in_degree[h]).min().unwrap();
        let max_other = (1..=g.n)
            .filter(|v| !hubs.contains(v))
            .map(|v| in_degree[v])
            .max()
            .unwrap();
        assert!(min_hub > 3 * max_other, "{min_hub} vs {max_other}");
        let rank = pagerank(&g, 30);
        let mut order: Vec<usize> = (1..=g.n).collect();
        order.sort_by(|&a, &b| rank[b].total_cmp(&rank[a]));
        let top: HashSet<usize> = order[..hubs.len()].iter().copied().collect();
        assert_eq!(top, hubs);
    }

    #[test]
    fn label_propagation_recovers_communities() {
        for (seed, scale) in [(7, 1), (42, 1), (5, 2)] {
            let (_, g) = build(seed, scale);
            let labels = label_propagation(&g, 5);
            let score = nmi(&g.community[1..], &labels[1..]);
            assert!(score >= 0.9, "seed {seed} scale {scale}: NMI {score}");
        }
    }

    #[test]
    fn hubs_lead_pagerank_at_larger_scale() {
        let (ctx, g) = build(2, 8);
        let hubs: HashSet<usize> = ctx.hubs.iter().map(|&h| ctx.id_of(h) as usize).collect();
        assert_eq!(hubs.len(), 40);
        let rank = pagerank(&g, 30);
        let mut order: Vec<usize> = (1..=g.n).collect();
        order.sort_by(|&a, &b| rank[b].total_cmp(&rank[a]));
        let top: HashSet<usize> = order[..hubs.len()].iter().copied().collect();
        assert_eq!(top, hubs);
    }
}
