//! The algorithmic core of FP-growth (Han, Pei & Yin, "Mining Frequent Patterns
//! without Candidate Generation", SIGMOD 2000) and of single-consequent
//! association rules, with the semantics of Spark MLlib's `FPGrowth` and
//! `AssociationRules`.
//!
//! This module is pure Rust with no dependencies: the DataFusion table function
//! that exposes it maps the caller's items (strings, integers) to dense `u32` ids,
//! calls [`frequent_itemsets`] and [`association_rules`], and maps the ids back.
//!
//! # Semantics
//!
//! * An itemset is frequent when its count is `>= ceil(min_support * n)`, where `n`
//!   is the number of transactions, empty transactions included. This is Spark's
//!   `minCount = math.ceil(minSupport * count)`, computed in `f64` exactly as Spark
//!   computes it in `Double`.
//! * An item repeated within one transaction counts once. Spark raises an error on
//!   such transactions; we deduplicate instead.
//! * Rules have a single-item consequent, as in Spark: for every frequent itemset
//!   `S` with at least two items and every item `b` of `S`, the rule
//!   `S \ {b} => {b}` is kept when its confidence is `>= min_confidence`, with
//!   `confidence = count(S) / count(S \ {b})`, `lift = confidence / support({b})` and
//!   `support = count(S) / n`.
//! * `max_len` (as in mlxtend; Spark has no such option) caps the length of the
//!   itemsets returned.
//!
//! Output is deterministic: itemsets are sorted by `(length, items)` with the items
//! of each itemset ascending, and rules by `(antecedent, consequent)`.
//!
//! # Algorithm
//!
//! The FP-tree is an arena of nodes held in parallel vectors and addressed by
//! `u32` indices: item, count, parent, and the node-link to the next node of the
//! same item. The child of a node for an item is found through one hash map per
//! tree keyed by `(parent, item)` (a fast multiply-fold hash), so no node owns a
//! map. Items are ranked by descending frequency (ties by ascending id) before the
//! tree is built. Mining walks the header table from the least frequent item up,
//! builds each conditional FP-tree from the item's conditional pattern base, with
//! the items of the conditional tree renumbered densely so that its per-item arrays
//! stay small, and recurses. A tree that is a single path is finished by
//! enumerating the combinations of its nodes. The scratch trees of each recursion
//! depth are reused, so the recursion allocates only when a scratch buffer grows.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

/// A frequent itemset: its items, ascending, and the number of transactions that
/// contain all of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FrequentItemset {
    /// The items, sorted ascending, without duplicates.
    pub items: Vec<u32>,
    /// The number of transactions containing every item of `items`.
    pub count: u64,
}

/// An association rule `antecedent => consequent` with a single-item consequent.
#[derive(Debug, Clone, PartialEq)]
pub struct AssociationRule {
    /// The items of the left-hand side, sorted ascending.
    pub antecedent: Vec<u32>,
    /// The single item of the right-hand side.
    pub consequent: Vec<u32>,
    /// `count(antecedent ∪ consequent) / count(antecedent)`.
    pub confidence: f64,
    /// `confidence / (count(consequent) / n_transactions)`.
    pub lift: f64,
    /// `count(antecedent ∪ consequent) / n_transactions`.
    pub support: f64,
}

/// Why FP-growth or rule generation refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum FpGrowthError {
    /// `min_support` must be in `(0, 1]`.
    InvalidMinSupport(f64),
    /// `min_confidence` must be in `[0, 1]`.
    InvalidMinConfidence(f64),
    /// `max_len`, when given, must be at least 1.
    InvalidMaxLen(usize),
    /// The input has too many item occurrences for the `u32` node indices of the
    /// FP-tree (the value is the number of item occurrences).
    TooManyItems(usize),
    /// The itemsets given to [`association_rules`] are inconsistent: unsorted or
    /// duplicated items, duplicated itemsets, counts of zero or above the number of
    /// transactions, or a missing subset (every antecedent and every single item of
    /// a rule must itself be among the itemsets, as it is in the output of
    /// [`frequent_itemsets`]).
    InvalidItemsets(String),
}

impl fmt::Display for FpGrowthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FpGrowthError::InvalidMinSupport(v) => {
                write!(f, "min_support must be in (0, 1], got {v}")
            }
            FpGrowthError::InvalidMinConfidence(v) => {
                write!(f, "min_confidence must be in [0, 1], got {v}")
            }
            FpGrowthError::InvalidMaxLen(v) => {
                write!(f, "max_len must be at least 1, got {v}")
            }
            FpGrowthError::TooManyItems(v) => write!(
                f,
                "too many item occurrences for FP-growth: {v} (at most {} supported)",
                u32::MAX - 1
            ),
            FpGrowthError::InvalidItemsets(msg) => write!(f, "invalid itemsets: {msg}"),
        }
    }
}

impl std::error::Error for FpGrowthError {}

/// The smallest count of a frequent itemset: Spark's `ceil(minSupport * count)`.
fn min_count(min_support: f64, n_transactions: usize) -> u64 {
    ((min_support * n_transactions as f64).ceil() as u64).max(1)
}

/// Frequent itemsets by FP-growth, with Spark MLlib `FPGrowth` semantics (see the
/// module documentation): an itemset is frequent when its count is
/// `>= ceil(min_support * transactions.len())`; repeated items within a transaction
/// count once; `max_len` caps the itemset length. Sorted by `(length, items)`.
pub fn frequent_itemsets(
    transactions: &[Vec<u32>],
    min_support: f64,
    max_len: Option<usize>,
) -> Result<Vec<FrequentItemset>, FpGrowthError> {
    // Written so that NaN is rejected too.
    if !(min_support > 0.0 && min_support <= 1.0) {
        return Err(FpGrowthError::InvalidMinSupport(min_support));
    }
    if max_len == Some(0) {
        return Err(FpGrowthError::InvalidMaxLen(0));
    }
    let max_len = max_len.unwrap_or(usize::MAX);
    if transactions.is_empty() {
        return Ok(Vec::new());
    }
    let total_len: usize = transactions.iter().map(Vec::len).sum();
    if total_len >= (u32::MAX - 1) as usize {
        return Err(FpGrowthError::TooManyItems(total_len));
    }
    let min_count = min_count(min_support, transactions.len());
    let max_id = transactions
        .iter()
        .flat_map(|t| t.iter().copied())
        .max()
        .unwrap_or(0) as usize;

    // Ids are expected dense; if they are not, compact them through a map first so
    // that the per-item arrays stay proportional to the data.
    if max_id <= total_len.saturating_mul(4).max(1 << 16) {
        mine_all(
            transactions,
            max_id + 1,
            |id| id,
            |d| d,
            min_count,
            max_len,
            total_len,
        )
    } else {
        let mut dense: FxHashMap<u32, u32> = FxHashMap::default();
        let mut ids: Vec<u32> = Vec::new();
        for &id in transactions.iter().flatten() {
            if let Entry::Vacant(v) = dense.entry(id) {
                v.insert(ids.len() as u32);
                ids.push(id);
            }
        }
        // Every id was entered in the map above, so the fallback is never taken.
        let to_dense = |id: u32| dense.get(&id).copied().unwrap_or(0);
        let to_orig = |d: u32| ids[d as usize];
        mine_all(
            transactions,
            ids.len(),
            to_dense,
            to_orig,
            min_count,
            max_len,
            total_len,
        )
    }
}

/// Counts the items, builds the FP-tree and mines it. `to_dense` maps an input id
/// to an index below `n_dense`, `to_orig` maps it back.
fn mine_all(
    transactions: &[Vec<u32>],
    n_dense: usize,
    to_dense: impl Fn(u32) -> u32,
    to_orig: impl Fn(u32) -> u32,
    min_count: u64,
    max_len: usize,
    total_len: usize,
) -> Result<Vec<FrequentItemset>, FpGrowthError> {
    // Item counts, each transaction counting an item once: `stamp` remembers the
    // last transaction that counted the item.
    let mut counts = vec![0u64; n_dense];
    let mut stamp = vec![usize::MAX; n_dense];
    for (t, tx) in transactions.iter().enumerate() {
        for &id in tx {
            let d = to_dense(id) as usize;
            if stamp[d] != t {
                stamp[d] = t;
                counts[d] += 1;
            }
        }
    }
    drop(stamp);

    // Rank the frequent items: most frequent first, ties by ascending id.
    let mut frequent: Vec<u32> = (0..n_dense as u32)
        .filter(|&d| counts[d as usize] >= min_count)
        .collect();
    frequent.sort_unstable_by(|&a, &b| {
        counts[b as usize]
            .cmp(&counts[a as usize])
            .then_with(|| to_orig(a).cmp(&to_orig(b)))
    });
    let n_frequent = frequent.len();
    if n_frequent == 0 {
        return Ok(Vec::new());
    }
    let mut rank_of = vec![NONE; n_dense];
    for (r, &d) in frequent.iter().enumerate() {
        rank_of[d as usize] = r as u32;
    }
    let orig_of_rank: Vec<u32> = frequent.iter().map(|&d| to_orig(d)).collect();
    drop(counts);

    // The FP-tree of the whole database, items in rank order along each path.
    let mut tree = Tree::default();
    tree.reset(n_frequent, total_len);
    tree.global.extend(0..n_frequent as u32);
    let mut path: Vec<u32> = Vec::new();
    for tx in transactions {
        path.clear();
        for &id in tx {
            let r = rank_of[to_dense(id) as usize];
            if r != NONE {
                path.push(r);
            }
        }
        if path.is_empty() {
            continue;
        }
        path.sort_unstable();
        path.dedup();
        tree.insert(&path, 1);
    }
    drop(rank_of);

    let mut miner = Miner {
        min_count,
        max_len,
        levels: Vec::new(),
        suffix: Vec::new(),
        out_items: Vec::new(),
        out_sets: Vec::new(),
    };
    miner.mine(&tree, 0);
    drop(tree);

    let mut result: Vec<FrequentItemset> = miner
        .out_sets
        .iter()
        .map(|&(start, len, count)| {
            let mut items: Vec<u32> = miner.out_items[start..start + len]
                .iter()
                .map(|&r| orig_of_rank[r as usize])
                .collect();
            items.sort_unstable();
            FrequentItemset { items, count }
        })
        .collect();
    // Itemsets are distinct, so an unstable sort is deterministic.
    result.sort_unstable_by(|a, b| {
        a.items
            .len()
            .cmp(&b.items.len())
            .then_with(|| a.items.cmp(&b.items))
    });
    Ok(result)
}

/// The "no node" / "no item" marker.
const NONE: u32 = u32::MAX;

/// A small, fast hasher for the integer keys of this module (a multiply-fold on
/// the 64-bit key, as in wyhash/foldhash); not DoS resistant, which is fine for
/// keys derived from tree indices.
#[derive(Default, Clone, Copy)]
struct FoldHasher {
    hash: u64,
}

impl FoldHasher {
    #[inline]
    fn add(&mut self, x: u64) {
        let m = u128::from(self.hash ^ x) * 0x9E37_79B9_7F4A_7C15_u128;
        self.hash = (m as u64) ^ ((m >> 64) as u64);
    }
}

impl Hasher for FoldHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }
    #[inline]
    fn write_u32(&mut self, x: u32) {
        self.add(u64::from(x));
    }
    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.add(x);
    }
}

type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FoldHasher>>;

/// An FP-tree over a local item space `0..m` (see [`Tree::global`]), its nodes in
/// parallel vectors. Node 0 is the root. Along every root-to-leaf path the local
/// item ids increase.
#[derive(Default)]
struct Tree {
    /// The local item of each node (`NONE` for the root).
    item: Vec<u32>,
    /// The parent of each node (`NONE` for the root).
    parent: Vec<u32>,
    /// The next node of the same item (header-table node-link), or `NONE`.
    link: Vec<u32>,
    /// The count of each node.
    count: Vec<u64>,
    /// Whether each node has at least one child.
    has_child: Vec<bool>,
    /// `(parent << 32 | item) -> child`.
    children: FxHashMap<u64, u32>,
    /// Header table: the first node of each local item, or `NONE`.
    head: Vec<u32>,
    /// Header table: the total count of each local item.
    total: Vec<u64>,
    /// The global rank of each local item.
    global: Vec<u32>,
    /// Whether the tree is a single path (no node has two children).
    single_path: bool,
}

impl Tree {
    /// Empties the tree (keeping its capacity) for a local item space of `m` items
    /// and at most `max_nodes` nodes besides the root.
    fn reset(&mut self, m: usize, max_nodes: usize) {
        self.item.clear();
        self.parent.clear();
        self.link.clear();
        self.count.clear();
        self.has_child.clear();
        // Clearing a hash map costs its capacity: do not let one large tree make
        // every later small tree at the same depth pay for it.
        if self.children.capacity() > 4 * max_nodes + 1024 {
            self.children = FxHashMap::with_capacity_and_hasher(max_nodes, Default::default());
        } else {
            self.children.clear();
        }
        self.item.push(NONE);
        self.parent.push(NONE);
        self.link.push(NONE);
        self.count.push(0);
        self.has_child.push(false);
        self.head.clear();
        self.head.resize(m, NONE);
        self.total.clear();
        self.total.resize(m, 0);
        self.global.clear();
        self.single_path = true;
    }

    /// Adds `path` (local items, strictly increasing) with multiplicity `c`.
    #[inline]
    fn insert(&mut self, path: &[u32], c: u64) {
        let mut cur = 0u32;
        for &y in path {
            let key = (u64::from(cur) << 32) | u64::from(y);
            let next = match self.children.entry(key) {
                Entry::Occupied(e) => *e.get(),
                Entry::Vacant(v) => {
                    let id = self.item.len() as u32;
                    v.insert(id);
                    self.item.push(y);
                    self.parent.push(cur);
                    self.link.push(self.head[y as usize]);
                    self.count.push(0);
                    self.has_child.push(false);
                    self.head[y as usize] = id;
                    if self.has_child[cur as usize] {
                        self.single_path = false;
                    }
                    self.has_child[cur as usize] = true;
                    id
                }
            };
            self.count[next as usize] += c;
            self.total[y as usize] += c;
            cur = next;
        }
    }
}

/// The scratch space of one recursion depth: the conditional tree built there and
/// the buffers used to build it.
#[derive(Default)]
struct Level {
    tree: Tree,
    /// Item counts of the conditional pattern base, indexed by the parent tree's
    /// local ids (zero outside of a build).
    base_count: Vec<u64>,
    /// The parent-local items with a non-zero `base_count`.
    touched: Vec<u32>,
    /// Parent-local id -> local id in the conditional tree, or `NONE`.
    map: Vec<u32>,
    /// One path of the pattern base.
    path: Vec<u32>,
}

impl Level {
    /// Builds in `self.tree` the conditional FP-tree of the local item `x` of
    /// `parent`, keeping only the items whose count in the pattern base reaches
    /// `min_count`.
    fn build_conditional(&mut self, parent: &Tree, x: usize, min_count: u64) {
        if self.base_count.len() < x {
            self.base_count.resize(x, 0);
            self.map.resize(x, NONE);
        }
        // Pass 1: count the items of the conditional pattern base.
        self.touched.clear();
        let mut base_len = 0usize;
        let mut node = parent.head[x];
        while node != NONE {
            let c = parent.count[node as usize];
            let mut p = parent.parent[node as usize];
            while p != 0 {
                base_len += 1;
                let y = parent.item[p as usize] as usize;
                if self.base_count[y] == 0 {
                    self.touched.push(y as u32);
                }
                self.base_count[y] += c;
                p = parent.parent[p as usize];
            }
            node = parent.link[node as usize];
        }
        // Renumber the frequent ones densely, keeping the parent's order.
        self.touched.sort_unstable();
        let m = self
            .touched
            .iter()
            .filter(|&&y| self.base_count[y as usize] >= min_count)
            .count();
        self.tree.reset(m, base_len);
        let mut next = 0u32;
        for &y in &self.touched {
            let y = y as usize;
            if self.base_count[y] >= min_count {
                self.map[y] = next;
                self.tree.global.push(parent.global[y]);
                next += 1;
            } else {
                self.map[y] = NONE;
            }
            self.base_count[y] = 0;
        }
        if m == 0 {
            return;
        }
        // Pass 2: insert each prefix path, restricted to the frequent items.
        let mut node = parent.head[x];
        while node != NONE {
            let c = parent.count[node as usize];
            self.path.clear();
            let mut p = parent.parent[node as usize];
            while p != 0 {
                let local = self.map[parent.item[p as usize] as usize];
                if local != NONE {
                    self.path.push(local);
                }
                p = parent.parent[p as usize];
            }
            if !self.path.is_empty() {
                self.path.reverse();
                self.tree.insert(&self.path, c);
            }
            node = parent.link[node as usize];
        }
    }
}

/// The recursive miner and its output, itemsets stored flat as global ranks.
struct Miner {
    min_count: u64,
    max_len: usize,
    levels: Vec<Level>,
    /// The itemset being extended (global ranks).
    suffix: Vec<u32>,
    out_items: Vec<u32>,
    /// `(start in out_items, length, count)` of each itemset found.
    out_sets: Vec<(usize, usize, u64)>,
}

impl Miner {
    #[inline]
    fn emit(&mut self, count: u64) {
        let start = self.out_items.len();
        self.out_items.extend_from_slice(&self.suffix);
        self.out_sets.push((start, self.suffix.len(), count));
    }

    /// Emits every frequent itemset of `tree` joined with the current suffix.
    fn mine(&mut self, tree: &Tree, depth: usize) {
        if tree.single_path {
            self.mine_single_path(tree, 1);
            return;
        }
        if self.levels.len() <= depth {
            self.levels.resize_with(depth + 1, Level::default);
        }
        for x in (0..tree.global.len()).rev() {
            let total = tree.total[x];
            if total < self.min_count {
                continue;
            }
            self.suffix.push(tree.global[x]);
            self.emit(total);
            if self.suffix.len() < self.max_len && x > 0 {
                let mut level = std::mem::take(&mut self.levels[depth]);
                level.build_conditional(tree, x, self.min_count);
                if !level.tree.global.is_empty() {
                    self.mine(&level.tree, depth + 1);
                }
                self.levels[depth] = level;
            }
            self.suffix.pop();
        }
    }

    /// For a single-path tree, whose nodes `1..` are in root-to-leaf order: emits
    /// every combination of nodes from `start` on, joined with the suffix, with the
    /// count of its deepest node.
    fn mine_single_path(&mut self, tree: &Tree, start: usize) {
        for j in start..tree.item.len() {
            let count = tree.count[j];
            if count < self.min_count {
                // Counts do not increase down the path.
                break;
            }
            self.suffix.push(tree.global[tree.item[j] as usize]);
            self.emit(count);
            if self.suffix.len() < self.max_len {
                self.mine_single_path(tree, j + 1);
            }
            self.suffix.pop();
        }
    }
}

/// Association rules with a single-item consequent, as Spark MLlib's
/// `AssociationRules`: for every itemset `S` of two or more items and every item
/// `b` of `S`, the rule `S \ {b} => {b}` with
/// `confidence = count(S) / count(S \ {b})`, kept when `confidence >= min_confidence`,
/// `lift = confidence / (count({b}) / n_transactions)` and
/// `support = count(S) / n_transactions`. `itemsets` must be closed under the
/// subsets used (as the output of [`frequent_itemsets`] is); Spark silently drops a
/// rule whose antecedent is missing, we return an error. Sorted by
/// `(antecedent, consequent)`.
pub fn association_rules(
    itemsets: &[FrequentItemset],
    n_transactions: u64,
    min_confidence: f64,
) -> Result<Vec<AssociationRule>, FpGrowthError> {
    // Written so that NaN is rejected too.
    if !(0.0..=1.0).contains(&min_confidence) {
        return Err(FpGrowthError::InvalidMinConfidence(min_confidence));
    }
    if itemsets.is_empty() {
        return Ok(Vec::new());
    }
    if n_transactions == 0 {
        return Err(FpGrowthError::InvalidItemsets(
            "itemsets given for zero transactions".to_string(),
        ));
    }
    let mut counts: HashMap<&[u32], u64> = HashMap::with_capacity(itemsets.len());
    for set in itemsets {
        if set.items.is_empty() {
            return Err(FpGrowthError::InvalidItemsets(
                "an itemset is empty".to_string(),
            ));
        }
        if set.items.windows(2).any(|w| w[0] >= w[1]) {
            return Err(FpGrowthError::InvalidItemsets(format!(
                "items of {:?} are not strictly ascending",
                set.items
            )));
        }
        if set.count == 0 || set.count > n_transactions {
            return Err(FpGrowthError::InvalidItemsets(format!(
                "count {} of {:?} is not in 1..={n_transactions}",
                set.count, set.items
            )));
        }
        if counts.insert(set.items.as_slice(), set.count).is_some() {
            return Err(FpGrowthError::InvalidItemsets(format!(
                "itemset {:?} appears twice",
                set.items
            )));
        }
    }
    let n = n_transactions as f64;
    let mut rules = Vec::new();
    let mut antecedent: Vec<u32> = Vec::new();
    for set in itemsets.iter().filter(|s| s.items.len() >= 2) {
        for (i, &consequent) in set.items.iter().enumerate() {
            antecedent.clear();
            antecedent.extend_from_slice(&set.items[..i]);
            antecedent.extend_from_slice(&set.items[i + 1..]);
            let Some(&count_a) = counts.get(antecedent.as_slice()) else {
                return Err(FpGrowthError::InvalidItemsets(format!(
                    "subset {antecedent:?} of {:?} is missing",
                    set.items
                )));
            };
            let Some(&count_b) = counts.get([consequent].as_slice()) else {
                return Err(FpGrowthError::InvalidItemsets(format!(
                    "item {consequent} of {:?} is missing as a single itemset",
                    set.items
                )));
            };
            let confidence = set.count as f64 / count_a as f64;
            if confidence >= min_confidence {
                rules.push(AssociationRule {
                    antecedent: antecedent.clone(),
                    consequent: vec![consequent],
                    confidence,
                    lift: confidence / (count_b as f64 / n),
                    support: set.count as f64 / n,
                });
            }
        }
    }
    // (antecedent, consequent) pairs are distinct, so an unstable sort is deterministic.
    rules.sort_unstable_by(|a, b| {
        a.antecedent
            .cmp(&b.antecedent)
            .then_with(|| a.consequent.cmp(&b.consequent))
    });
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn sets(found: &[FrequentItemset]) -> BTreeMap<Vec<u32>, u64> {
        found.iter().map(|s| (s.items.clone(), s.count)).collect()
    }

    /// Every itemset of every transaction, counted: the obvious reference.
    fn brute_force(
        transactions: &[Vec<u32>],
        min_support: f64,
        max_len: Option<usize>,
    ) -> BTreeMap<Vec<u32>, u64> {
        let mut all: BTreeMap<Vec<u32>, u64> = BTreeMap::new();
        for tx in transactions {
            let mut items = tx.clone();
            items.sort_unstable();
            items.dedup();
            assert!(items.len() < 20);
            for mask in 1u32..(1 << items.len()) {
                let subset: Vec<u32> = (0..items.len())
                    .filter(|&i| mask & (1 << i) != 0)
                    .map(|i| items[i])
                    .collect();
                if max_len.is_some_and(|m| subset.len() > m) {
                    continue;
                }
                *all.entry(subset).or_insert(0) += 1;
            }
        }
        let min = (min_support * transactions.len() as f64).ceil() as u64;
        all.retain(|_, c| *c >= min);
        all
    }

    /// A tiny deterministic generator (SplitMix64).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn random_db(rng: &mut Rng, n: usize, n_items: u64, max_tx: u64) -> Vec<Vec<u32>> {
        (0..n)
            .map(|_| {
                let len = rng.below(max_tx + 1);
                // Skewed items, so that some long itemsets are frequent.
                (0..len)
                    .map(|_| {
                        let a = rng.below(n_items);
                        let b = rng.below(n_items);
                        a.min(b) as u32
                    })
                    .collect()
            })
            .collect()
    }

    /// The example of Han, Pei & Yin (2000), items a..p as 0..15.
    fn textbook() -> Vec<Vec<u32>> {
        let ids = |s: &str| -> Vec<u32> { s.bytes().map(|b| u32::from(b - b'a')).collect() };
        vec![
            ids("facdgimp"),
            ids("abcflmo"),
            ids("bfhjo"),
            ids("bcksp"),
            ids("afcelpmn"),
        ]
    }

    fn letters(s: &str) -> Vec<u32> {
        let mut v: Vec<u32> = s.bytes().map(|b| u32::from(b - b'a')).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn textbook_example() {
        let db = textbook();
        assert_eq!(min_count(0.6, 5), 3);
        let found = frequent_itemsets(&db, 0.6, None).unwrap();
        let expected: BTreeMap<Vec<u32>, u64> = [
            ("f", 4),
            ("c", 4),
            ("a", 3),
            ("b", 3),
            ("m", 3),
            ("p", 3),
            ("fc", 3),
            ("fa", 3),
            ("fm", 3),
            ("ca", 3),
            ("cm", 3),
            ("am", 3),
            ("cp", 3),
            ("fca", 3),
            ("fcm", 3),
            ("fam", 3),
            ("cam", 3),
            ("fcam", 3),
        ]
        .iter()
        .map(|&(s, c)| (letters(s), c))
        .collect();
        assert_eq!(sets(&found), expected);
        assert_eq!(found.len(), 18);
        // Sorted by (length, items).
        let keys: Vec<(usize, Vec<u32>)> = found
            .iter()
            .map(|s| (s.items.len(), s.items.clone()))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(found[0].items, letters("a"));
        assert_eq!(found[17].items, letters("acfm"));
    }

    #[test]
    fn textbook_rules() {
        let db = textbook();
        let found = frequent_itemsets(&db, 0.6, None).unwrap();
        let rules = association_rules(&found, 5, 0.0).unwrap();
        // Each itemset of length k yields k rules: 7 pairs * 2 + 4 triples * 3 + 4.
        assert_eq!(rules.len(), 7 * 2 + 4 * 3 + 4);
        // p => c: count(cp) = 3, count(p) = 3, support(c) = 4/5.
        let pc = rules
            .iter()
            .find(|r| r.antecedent == letters("p") && r.consequent == letters("c"))
            .unwrap();
        assert!((pc.confidence - 1.0).abs() < 1e-12);
        assert!((pc.lift - 1.25).abs() < 1e-12);
        assert!((pc.support - 0.6).abs() < 1e-12);
        // c => p: 3/4.
        let cp = rules
            .iter()
            .find(|r| r.antecedent == letters("c") && r.consequent == letters("p"))
            .unwrap();
        assert!((cp.confidence - 0.75).abs() < 1e-12);
        assert!((cp.lift - 0.75 / 0.6).abs() < 1e-12);
        // Only confidence 1 left at min_confidence 0.8.
        let strict = association_rules(&found, 5, 0.8).unwrap();
        assert!(strict.iter().all(|r| r.confidence >= 0.8));
        assert_eq!(
            strict.len(),
            rules.iter().filter(|r| r.confidence >= 0.8).count()
        );
        assert!(strict.len() < rules.len());
        // Sorted by (antecedent, consequent), consequents single items.
        for w in rules.windows(2) {
            assert!((&w[0].antecedent, &w[0].consequent) < (&w[1].antecedent, &w[1].consequent));
        }
        assert!(rules.iter().all(|r| r.consequent.len() == 1));
    }

    #[test]
    fn matches_brute_force_on_random_data() {
        let mut rng = Rng(42);
        for round in 0..40 {
            let n = 1 + rng.below(300) as usize;
            let n_items = 2 + rng.below(14);
            let db = random_db(&mut rng, n, n_items, 9);
            for &ms in &[0.01, 0.05, 0.1, 0.3, 0.5, 1.0] {
                for &ml in &[None, Some(1), Some(2), Some(3)] {
                    let found = frequent_itemsets(&db, ms, ml).unwrap();
                    assert_eq!(
                        sets(&found),
                        brute_force(&db, ms, ml),
                        "round {round} min_support {ms} max_len {ml:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn min_support_one_keeps_only_items_in_every_transaction() {
        let db = vec![vec![1, 2, 3], vec![3, 2], vec![2, 3, 4]];
        let found = frequent_itemsets(&db, 1.0, None).unwrap();
        assert_eq!(
            found,
            vec![
                FrequentItemset {
                    items: vec![2],
                    count: 3
                },
                FrequentItemset {
                    items: vec![3],
                    count: 3
                },
                FrequentItemset {
                    items: vec![2, 3],
                    count: 3
                },
            ]
        );
        // An empty transaction makes nothing frequent at 1.0.
        let mut with_empty = db.clone();
        with_empty.push(vec![]);
        assert!(frequent_itemsets(&with_empty, 1.0, None)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn tiny_min_support_keeps_everything() {
        let db = vec![vec![5, 7], vec![7, 9], vec![1]];
        let found = frequent_itemsets(&db, 1e-12, None).unwrap();
        assert_eq!(sets(&found), brute_force(&db, 1e-12, None));
        assert_eq!(found.len(), 4 + 2);
        assert!(found.iter().all(|s| s.count >= 1));
    }

    #[test]
    fn min_count_follows_spark_ceil() {
        assert_eq!(min_count(0.5, 4), 2);
        assert_eq!(min_count(0.5, 5), 3);
        assert_eq!(min_count(0.01, 1000), 10);
        assert_eq!(min_count(1e-12, 1000), 1);
        assert_eq!(min_count(1.0, 7), 7);
        // Support of exactly 2/4 passes at 0.5, 1/4 does not.
        let db = vec![vec![1, 2], vec![1], vec![2, 3], vec![4]];
        let found = frequent_itemsets(&db, 0.5, None).unwrap();
        assert_eq!(
            found,
            vec![
                FrequentItemset {
                    items: vec![1],
                    count: 2
                },
                FrequentItemset {
                    items: vec![2],
                    count: 2
                },
            ]
        );
    }

    #[test]
    fn invalid_parameters_are_errors() {
        let db = vec![vec![1]];
        for bad in [0.0, -0.1, 1.0000001, f64::NAN, f64::INFINITY] {
            let err = frequent_itemsets(&db, bad, None).unwrap_err();
            assert!(matches!(err, FpGrowthError::InvalidMinSupport(_)), "{bad}");
            assert!(err.to_string().contains("min_support"));
        }
        assert_eq!(
            frequent_itemsets(&db, 0.5, Some(0)).unwrap_err(),
            FpGrowthError::InvalidMaxLen(0)
        );
        let found = frequent_itemsets(&db, 0.5, None).unwrap();
        for bad in [-0.01, 1.01, f64::NAN] {
            let err = association_rules(&found, 1, bad).unwrap_err();
            assert!(
                matches!(err, FpGrowthError::InvalidMinConfidence(_)),
                "{bad}"
            );
        }
        assert!(association_rules(&found, 1, 0.0).unwrap().is_empty());
        assert!(association_rules(&found, 1, 1.0).unwrap().is_empty());
    }

    #[test]
    fn empty_inputs() {
        assert!(frequent_itemsets(&[], 0.5, None).unwrap().is_empty());
        // Parameters are still checked on empty input.
        assert!(frequent_itemsets(&[], 0.0, None).is_err());
        assert!(association_rules(&[], 0, 0.5).unwrap().is_empty());
        // Only empty transactions: nothing to find.
        let empties = vec![vec![]; 4];
        assert!(frequent_itemsets(&empties, 0.1, None).unwrap().is_empty());
    }

    #[test]
    fn empty_transactions_count_towards_n() {
        // 2 of 4 transactions hold {1, 2}: support 0.5.
        let db = vec![vec![1, 2], vec![2, 1], vec![], vec![]];
        let found = frequent_itemsets(&db, 0.5, None).unwrap();
        assert_eq!(sets(&found).get(&vec![1, 2]), Some(&2));
        assert!(frequent_itemsets(&db, 0.6, None).unwrap().is_empty());
        let rules = association_rules(&found, 4, 0.5).unwrap();
        assert_eq!(rules.len(), 2);
        assert!((rules[0].support - 0.5).abs() < 1e-12);
        assert!((rules[0].lift - 2.0).abs() < 1e-12);
    }

    #[test]
    fn duplicates_within_a_transaction_count_once() {
        let db = vec![vec![3, 3, 3, 1], vec![1, 1], vec![3, 1, 3]];
        let found = frequent_itemsets(&db, 0.1, None).unwrap();
        assert_eq!(
            found,
            vec![
                FrequentItemset {
                    items: vec![1],
                    count: 3
                },
                FrequentItemset {
                    items: vec![3],
                    count: 2
                },
                FrequentItemset {
                    items: vec![1, 3],
                    count: 2
                },
            ]
        );
        let deduped: Vec<Vec<u32>> = vec![vec![1, 3], vec![1], vec![1, 3]];
        assert_eq!(found, frequent_itemsets(&deduped, 0.1, None).unwrap());
    }

    #[test]
    fn max_len_caps_itemset_length() {
        let db = textbook();
        let all = frequent_itemsets(&db, 0.6, None).unwrap();
        for m in 1..=5 {
            let capped = frequent_itemsets(&db, 0.6, Some(m)).unwrap();
            let expected: Vec<FrequentItemset> =
                all.iter().filter(|s| s.items.len() <= m).cloned().collect();
            assert_eq!(capped, expected, "max_len {m}");
        }
        // Rules from capped itemsets are the rules of the capped itemsets.
        let capped = frequent_itemsets(&db, 0.6, Some(2)).unwrap();
        let rules = association_rules(&capped, 5, 0.0).unwrap();
        assert_eq!(rules.len(), 7 * 2);
    }

    #[test]
    fn single_path_tree() {
        // Nested transactions make the FP-tree one path: every subset of the
        // longest prefix that is frequent must be found with the right count.
        let db = vec![
            vec![1, 2, 3, 4, 5],
            vec![1, 2, 3, 4],
            vec![1, 2, 3],
            vec![1, 2],
            vec![1],
        ];
        for ms in [0.2, 0.4, 0.6, 1.0] {
            for ml in [None, Some(2), Some(4)] {
                let found = frequent_itemsets(&db, ms, ml).unwrap();
                assert_eq!(sets(&found), brute_force(&db, ms, ml), "{ms} {ml:?}");
            }
        }
        assert_eq!(frequent_itemsets(&db, 0.2, None).unwrap().len(), 31);
    }

    #[test]
    fn sparse_ids_are_supported() {
        let db = vec![
            vec![u32::MAX, 7, 4_000_000_000],
            vec![u32::MAX, 7],
            vec![4_000_000_000, 7],
        ];
        let found = frequent_itemsets(&db, 0.5, None).unwrap();
        assert_eq!(sets(&found), brute_force(&db, 0.5, None));
        assert_eq!(found.len(), 5);
    }

    #[test]
    fn ties_and_order_are_deterministic() {
        let db = vec![vec![9, 8], vec![8, 9], vec![7, 6], vec![6, 7]];
        let a = frequent_itemsets(&db, 0.5, None).unwrap();
        let reversed: Vec<Vec<u32>> = db.iter().rev().cloned().collect();
        let b = frequent_itemsets(&reversed, 0.5, None).unwrap();
        assert_eq!(a, b);
        let items: Vec<Vec<u32>> = a.iter().map(|s| s.items.clone()).collect();
        assert_eq!(
            items,
            vec![vec![6], vec![7], vec![8], vec![9], vec![6, 7], vec![8, 9]]
        );
    }

    #[test]
    fn inconsistent_itemsets_are_errors() {
        let bad_order = vec![FrequentItemset {
            items: vec![2, 1],
            count: 1,
        }];
        assert!(association_rules(&bad_order, 2, 0.5).is_err());
        let missing = vec![
            FrequentItemset {
                items: vec![1],
                count: 2,
            },
            FrequentItemset {
                items: vec![1, 2],
                count: 1,
            },
        ];
        let err = association_rules(&missing, 2, 0.5).unwrap_err();
        assert!(matches!(err, FpGrowthError::InvalidItemsets(_)));
        let too_big = vec![FrequentItemset {
            items: vec![1],
            count: 3,
        }];
        assert!(association_rules(&too_big, 2, 0.5).is_err());
        let twice = vec![
            FrequentItemset {
                items: vec![1],
                count: 1,
            },
            FrequentItemset {
                items: vec![1],
                count: 1,
            },
        ];
        assert!(association_rules(&twice, 2, 0.5).is_err());
        let one = vec![FrequentItemset {
            items: vec![1],
            count: 1,
        }];
        assert!(association_rules(&one, 0, 0.5).is_err());
    }

    #[test]
    fn rules_match_definitions_on_random_data() {
        let mut rng = Rng(7);
        let db = random_db(&mut rng, 500, 10, 7);
        let n = db.len() as u64;
        let found = frequent_itemsets(&db, 0.05, None).unwrap();
        let counts = sets(&found);
        let rules = association_rules(&found, n, 0.3).unwrap();
        let mut expected = 0;
        for (items, &c) in &counts {
            if items.len() < 2 {
                continue;
            }
            for (i, &b) in items.iter().enumerate() {
                let mut a = items.clone();
                a.remove(i);
                let conf = c as f64 / counts[&a] as f64;
                if conf < 0.3 {
                    continue;
                }
                expected += 1;
                let r = rules
                    .iter()
                    .find(|r| r.antecedent == a && r.consequent == vec![b])
                    .unwrap();
                assert!((r.confidence - conf).abs() < 1e-12);
                let sup_b = counts[&vec![b]] as f64 / n as f64;
                assert!((r.lift - conf / sup_b).abs() < 1e-12);
                assert!((r.support - c as f64 / n as f64).abs() < 1e-12);
            }
        }
        assert_eq!(rules.len(), expected);
        assert!(expected > 10);
    }

    // ---- Golden tests against mlxtend (fixtures made by make_fixtures.py) ----

    fn fixture_dir() -> std::path::PathBuf {
        match std::env::var("IGNIS_FIXTURES") {
            Ok(dir) => std::path::PathBuf::from(dir),
            Err(_) => std::path::PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/fpgrowth"
            )),
        }
    }

    fn read(name: &str) -> String {
        let path = fixture_dir().join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
    }

    fn parse_items(s: &str) -> Vec<u32> {
        s.split_whitespace().map(|t| t.parse().unwrap()).collect()
    }

    /// antecedent, consequent, confidence, lift, support.
    type ExpectedRule = (Vec<u32>, Vec<u32>, f64, f64, f64);

    #[test]
    fn golden_against_mlxtend() {
        let manifest = read("manifest.tsv");
        let mut cases = 0;
        for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 6, "manifest line {line:?}");
            let (case, baskets_file, min_support, min_confidence, max_len) = (
                f[0],
                f[1],
                f[2].parse::<f64>().unwrap(),
                f[3].parse::<f64>().unwrap(),
                if f[4] == "-" {
                    None
                } else {
                    Some(f[4].parse::<usize>().unwrap())
                },
            );
            let n_expected: u64 = f[5].parse().unwrap();
            // One line per basket; empty lines are empty baskets.
            let baskets: Vec<Vec<u32>> = read(baskets_file).lines().map(parse_items).collect();
            assert_eq!(baskets.len() as u64, n_expected, "{case}: basket count");
            let n = baskets.len() as u64;

            let found = frequent_itemsets(&baskets, min_support, max_len).unwrap();
            let expected_sets: BTreeMap<Vec<u32>, u64> = read(&format!("{case}.itemsets.csv"))
                .lines()
                .skip(1)
                .map(|l| {
                    let (items, count) = l.split_once(',').unwrap();
                    (parse_items(items), count.parse().unwrap())
                })
                .collect();
            assert!(!expected_sets.is_empty(), "{case}: no itemsets in fixture");
            assert_eq!(sets(&found), expected_sets, "{case}: itemsets");

            let rules = association_rules(&found, n, min_confidence).unwrap();
            let expected_rules: Vec<ExpectedRule> = read(&format!("{case}.rules.csv"))
                .lines()
                .skip(1)
                .map(|l| {
                    let r: Vec<&str> = l.split(',').collect();
                    assert_eq!(r.len(), 5, "{case}: rule line {l:?}");
                    (
                        parse_items(r[0]),
                        parse_items(r[1]),
                        r[2].parse().unwrap(),
                        r[3].parse().unwrap(),
                        r[4].parse().unwrap(),
                    )
                })
                .collect();
            assert_eq!(rules.len(), expected_rules.len(), "{case}: rule count");
            let mut expected_rules = expected_rules;
            expected_rules.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
            for (got, want) in rules.iter().zip(&expected_rules) {
                assert_eq!(
                    (&got.antecedent, &got.consequent),
                    (&want.0, &want.1),
                    "{case}"
                );
                assert!(
                    (got.confidence - want.2).abs() < 1e-9,
                    "{case}: {got:?} vs {want:?}"
                );
                assert!(
                    (got.lift - want.3).abs() < 1e-9,
                    "{case}: {got:?} vs {want:?}"
                );
                assert!(
                    (got.support - want.4).abs() < 1e-9,
                    "{case}: {got:?} vs {want:?}"
                );
            }
            cases += 1;
        }
        assert!(
            cases >= 3,
            "expected at least 3 golden cases, found {cases}"
        );
    }
}
