//! Algorithmic core of k-means clustering: pure Rust, no dependencies.
//!
//! This module knows nothing about DataFusion; the table functions wrap it.
//! Data is always row-major `&[f64]` with `n_rows` rows of `n_features` values,
//! NULL rows already dropped by the caller.
//!
//! # Algorithm (mirrors scikit-learn's `KMeans(algorithm="lloyd")`)
//!
//! * Initialisation: greedy k-means++ exactly as scikit-learn does it
//!   (`2 + floor(ln k)` local trials per centre, the candidate that lowers the
//!   potential most is kept), or `Random`: `k` distinct rows chosen uniformly.
//! * Lloyd iterations with squared Euclidean distances. An iteration assigns
//!   every row to its nearest centre (ties go to the lowest centre index) and
//!   recomputes the centres as the means of their rows.
//! * Empty clusters: as scikit-learn, each empty cluster takes the row that is
//!   farthest from its assigned centre (largest distance first, ties to the
//!   lowest row index; a row is never taken from a cluster it would leave
//!   empty).
//! * Stopping: when no label changed ("strict convergence"), or when the
//!   centre shift — the sum over centres of the squared distance moved — is
//!   `<= tol * mean(feature variances)` (population variances, `np.var`), or
//!   after `max_iter` iterations. If the run did not converge strictly, labels
//!   and distances are recomputed against the final centres, as scikit-learn
//!   does, so labels, distances and WCSS always describe the returned centres.
//! * `n_init` runs with different seeds; the one with the lowest WCSS is kept
//!   (ties go to the earliest run).
//!
//! The random streams are this module's own, so a fit is not bit-identical to
//! scikit-learn's for any `random_state`; the golden tests check that the
//! best-of-10 WCSS is within 1% of scikit-learn's for every `k`.
//!
//! Distances are computed directly as `sum((x - c)^2)` (no `|x|^2 - 2x.c + |c|^2`
//! expansion), in tight loops over contiguous rows, specialised at compile time
//! for 1 to 8 features. With enough work, the `n_init` runs (and silhouette
//! rows) are spread over `std::thread::available_parallelism()` threads.
//!
//! # Determinism
//!
//! Everything is a pure function of the data and the options. Randomness comes
//! from an internal xoshiro256** generator seeded through SplitMix64; run `i`
//! of `n_init` uses the `i`-th SplitMix64 output of `opts.seed`. Runs may be
//! spread over threads (`std::thread::scope`), but each run is sequential and
//! the best run is chosen by `(wcss, run index)`, so results do not depend on
//! the number of threads.
//!
//! # Label numbering
//!
//! Clusters are renumbered so that centroids are in ascending lexicographic
//! order: by first coordinate, ties by the second, and so on. Cluster 0 is the
//! one whose centroid has the smallest first coordinate.

use std::fmt;
use std::thread;

/// How initial centres are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Init {
    /// Greedy k-means++ as in scikit-learn (`2 + floor(ln k)` local trials).
    #[default]
    KMeansPlusPlus,
    /// `k` distinct rows drawn uniformly at random.
    Random,
}

/// Options of [`kmeans`].
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansOptions {
    /// Number of clusters, `1 <= k <= n_rows`.
    pub k: usize,
    /// Maximum Lloyd iterations per run (default 100), at least 1.
    pub max_iter: usize,
    /// Relative tolerance (default 1e-4), scikit-learn semantics: a run stops
    /// when the sum of squared centre moves is `<= tol * mean(feature variances)`.
    pub tol: f64,
    /// Seed of the deterministic random generator.
    pub seed: u64,
    /// Number of runs with different seeds (default 10); the lowest WCSS is kept.
    pub n_init: usize,
    /// Initialisation method (default k-means++).
    pub init: Init,
}

impl KMeansOptions {
    /// Options with the given `k` and the defaults for everything else
    /// (`max_iter` 100, `tol` 1e-4, `seed` 0, `n_init` 10, k-means++).
    pub fn new(k: usize) -> Self {
        KMeansOptions {
            k,
            max_iter: 100,
            tol: 1e-4,
            seed: 0,
            n_init: 10,
            init: Init::KMeansPlusPlus,
        }
    }
}

impl Default for KMeansOptions {
    /// `k = 8` (scikit-learn's default `n_clusters`) and the defaults of [`KMeansOptions::new`].
    fn default() -> Self {
        KMeansOptions::new(8)
    }
}

/// A fitted k-means model.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansModel {
    /// `k * n_features` centroid coordinates, row-major, in label order.
    pub centroids: Vec<f64>,
    /// Cluster of each row, `0..k`.
    pub labels: Vec<u32>,
    /// Euclidean distance of each row to its centroid.
    pub distances: Vec<f64>,
    /// Within-cluster sum of squares: sum of squared distances (scikit-learn's `inertia_`).
    pub wcss: f64,
    /// Lloyd iterations of the kept run (scikit-learn's `n_iter_`).
    pub iterations: usize,
}

/// One `k` of an [`elbow`] scan.
#[derive(Debug, Clone, PartialEq)]
pub struct ElbowPoint {
    pub k: usize,
    /// WCSS of the best-of-`n_init` model.
    pub wcss: f64,
    /// Mean silhouette of that model's labels; NaN where undefined (k = 1, or
    /// fewer than 2 or more than `n - 1` distinct labels in the sample).
    pub silhouette: f64,
}

/// Result of [`elbow`].
#[derive(Debug, Clone, PartialEq)]
pub struct ElbowResult {
    /// One point per `k` in `k_min..=k_max`, ascending.
    pub points: Vec<ElbowPoint>,
    /// The recommended `k`: highest silhouette (ties to the smallest k). If no
    /// `k` has a defined silhouette (e.g. `k_min = k_max = 1`), it is `elbow_k`.
    pub best_k_silhouette: usize,
    /// The "kneedle" elbow: the `k` whose normalised point is farthest from the
    /// chord between the first and last points (ties to the smallest k).
    pub elbow_k: usize,
}

/// Errors of this module; `Display` gives a message fit for an end user.
#[derive(Debug, Clone, PartialEq)]
pub enum KMeansError {
    /// No rows.
    EmptyInput,
    /// `n_features == 0`.
    NoFeatures,
    /// `data.len()` is not `n_rows * n_features`.
    DataLengthMismatch {
        expected: Option<usize>,
        actual: usize,
    },
    /// A NaN or infinite value.
    NonFiniteValue { row: usize, feature: usize },
    /// `k < 1`.
    KTooSmall,
    /// `k > n_rows`.
    KExceedsRows { k: usize, n_rows: usize },
    /// `k` does not fit a `u32` label.
    KTooLarge { k: usize },
    /// `k_min > k_max` in [`elbow`].
    InvalidKRange { k_min: usize, k_max: usize },
    /// `max_iter == 0`.
    InvalidMaxIter,
    /// `n_init == 0`.
    InvalidNInit,
    /// `tol` negative or not finite.
    InvalidTol(f64),
    /// `labels.len() != n_rows` in [`silhouette`].
    LabelsLengthMismatch { labels: usize, n_rows: usize },
    /// A label `>= k` in [`silhouette`].
    LabelOutOfRange { row: usize, label: u32, k: usize },
    /// Silhouette needs `2 <= distinct labels <= n_samples - 1`.
    SilhouetteUndefined { n_labels: usize, n_samples: usize },
    /// A worker thread panicked (a bug; reported instead of propagated).
    WorkerPanicked,
}

impl fmt::Display for KMeansError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KMeansError::EmptyInput => {
                write!(f, "k-means needs at least one row without NULLs, got none")
            }
            KMeansError::NoFeatures => write!(f, "k-means needs at least one feature column"),
            KMeansError::DataLengthMismatch { expected, actual } => match expected {
                Some(e) => write!(
                    f,
                    "data has {actual} values but n_rows * n_features = {e}"
                ),
                None => write!(f, "n_rows * n_features overflows (data has {actual} values)"),
            },
            KMeansError::NonFiniteValue { row, feature } => write!(
                f,
                "value at row {row}, feature {feature} is NaN or infinite; k-means needs finite numbers"
            ),
            KMeansError::KTooSmall => write!(f, "k must be at least 1"),
            KMeansError::KExceedsRows { k, n_rows } => write!(
                f,
                "k = {k} is larger than the number of rows ({n_rows}); choose k <= {n_rows}"
            ),
            KMeansError::KTooLarge { k } => write!(f, "k = {k} is too large"),
            KMeansError::InvalidKRange { k_min, k_max } => {
                write!(f, "k_min ({k_min}) must not be greater than k_max ({k_max})")
            }
            KMeansError::InvalidMaxIter => write!(f, "max_iter must be at least 1"),
            KMeansError::InvalidNInit => write!(f, "n_init must be at least 1"),
            KMeansError::InvalidTol(t) => {
                write!(f, "tol must be a finite number >= 0, got {t}")
            }
            KMeansError::LabelsLengthMismatch { labels, n_rows } => {
                write!(f, "got {labels} labels for {n_rows} rows")
            }
            KMeansError::LabelOutOfRange { row, label, k } => {
                write!(f, "label {label} of row {row} is not below k = {k}")
            }
            KMeansError::SilhouetteUndefined {
                n_labels,
                n_samples,
            } => write!(
                f,
                "silhouette needs between 2 and n_samples - 1 clusters, got {n_labels} clusters for {n_samples} samples"
            ),
            KMeansError::WorkerPanicked => write!(f, "internal error: a k-means worker thread failed"),
        }
    }
}

impl std::error::Error for KMeansError {}

// ---------------------------------------------------------------------------
// Deterministic PRNG
// ---------------------------------------------------------------------------

/// SplitMix64: seeds xoshiro and derives per-run seeds.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman & Vigna).
struct Rng([u64; 4]);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut sm = SplitMix64(seed);
        Rng([sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()])
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `0..n` (`n > 0`), Lemire's multiply-shift (bias < n / 2^64).
    fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
}

/// `m` distinct indices of `0..n` (`m <= n`) by a partial Fisher–Yates shuffle.
fn sample_indices(n: usize, m: usize, rng: &mut Rng) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    for i in 0..m.min(n) {
        let j = i + rng.below(n - i);
        idx.swap(i, j);
    }
    idx.truncate(m.min(n));
    idx
}

// ---------------------------------------------------------------------------
// Validation and small helpers
// ---------------------------------------------------------------------------

fn validate_data(data: &[f64], n_rows: usize, n_features: usize) -> Result<(), KMeansError> {
    if n_features == 0 {
        return Err(KMeansError::NoFeatures);
    }
    if n_rows == 0 {
        return Err(KMeansError::EmptyInput);
    }
    let expected = n_rows.checked_mul(n_features);
    if expected != Some(data.len()) {
        return Err(KMeansError::DataLengthMismatch {
            expected,
            actual: data.len(),
        });
    }
    if let Some(pos) = data.iter().position(|v| !v.is_finite()) {
        return Err(KMeansError::NonFiniteValue {
            row: pos / n_features,
            feature: pos % n_features,
        });
    }
    Ok(())
}

fn validate_opts(opts: &KMeansOptions, n_rows: usize) -> Result<(), KMeansError> {
    if opts.k == 0 {
        return Err(KMeansError::KTooSmall);
    }
    if opts.k > n_rows {
        return Err(KMeansError::KExceedsRows { k: opts.k, n_rows });
    }
    if u32::try_from(opts.k).is_err() {
        return Err(KMeansError::KTooLarge { k: opts.k });
    }
    if opts.max_iter == 0 {
        return Err(KMeansError::InvalidMaxIter);
    }
    if opts.n_init == 0 {
        return Err(KMeansError::InvalidNInit);
    }
    if !opts.tol.is_finite() || opts.tol < 0.0 {
        return Err(KMeansError::InvalidTol(opts.tol));
    }
    Ok(())
}

#[inline(always)]
fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let t = x - y;
            t * t
        })
        .sum()
}

/// Mean of the per-feature population variances (scikit-learn's `np.mean(np.var(X, axis=0))`).
fn mean_variance(data: &[f64], n_rows: usize, n_features: usize) -> f64 {
    let mut mean = vec![0.0; n_features];
    for row in data.chunks_exact(n_features) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    let n = n_rows as f64;
    for m in mean.iter_mut() {
        *m /= n;
    }
    let mut ss = vec![0.0; n_features];
    for row in data.chunks_exact(n_features) {
        for ((s, v), m) in ss.iter_mut().zip(row).zip(&mean) {
            let t = v - m;
            *s += t * t;
        }
    }
    ss.iter().map(|s| s / n).sum::<f64>() / n_features as f64
}

/// Threads worth using for `work` elementary operations (1 below ~1M).
fn threads_for(work: usize, max_tasks: usize) -> usize {
    if work < 1 << 20 || max_tasks < 2 {
        return 1;
    }
    thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(max_tasks)
        .max(1)
}

// ---------------------------------------------------------------------------
// k-means
// ---------------------------------------------------------------------------

/// Outcome of one run (one seed).
struct Run {
    centers: Vec<f64>,
    labels: Vec<u32>,
    d2: Vec<f64>,
    inertia: f64,
    iterations: usize,
}

/// Greedy k-means++ (scikit-learn's `_kmeans_plusplus` with unit weights).
fn init_kmeans_pp(data: &[f64], n_rows: usize, d: usize, k: usize, rng: &mut Rng) -> Vec<f64> {
    let mut centers = Vec::with_capacity(k * d);
    let n_trials = 2 + (k as f64).ln() as usize;
    let first = rng.below(n_rows);
    let first_row = &data[first * d..(first + 1) * d];
    centers.extend_from_slice(first_row);
    let unbounded = vec![f64::INFINITY; n_rows];
    let mut closest = vec![0.0; n_rows];
    let mut pot = min_dist_pass(data, d, first_row, &unbounded, &mut closest);
    drop(unbounded);
    let mut cumsum = vec![0.0; n_rows];
    let mut cand = vec![0.0; n_trials * n_rows];
    let mut cand_ids = vec![0usize; n_trials];
    for _ in 1..k {
        let mut acc = 0.0;
        for (c, v) in cumsum.iter_mut().zip(&closest) {
            acc += v;
            *c = acc;
        }
        for id in cand_ids.iter_mut() {
            let r = rng.next_f64() * pot;
            *id = cumsum.partition_point(|&v| v < r).min(n_rows - 1);
        }
        let mut best_t = 0;
        let mut best_pot = f64::INFINITY;
        for (t, (buf, &id)) in cand.chunks_exact_mut(n_rows).zip(&cand_ids).enumerate() {
            let p = min_dist_pass(data, d, &data[id * d..(id + 1) * d], &closest, buf);
            if p < best_pot {
                best_pot = p;
                best_t = t;
            }
        }
        pot = best_pot;
        closest.copy_from_slice(&cand[best_t * n_rows..(best_t + 1) * n_rows]);
        let id = cand_ids[best_t];
        centers.extend_from_slice(&data[id * d..(id + 1) * d]);
    }
    centers
}

/// `out[i] = min(closest[i], |x_i - c|^2)`; returns `sum(out)`.
fn min_dist_pass(data: &[f64], d: usize, c: &[f64], closest: &[f64], out: &mut [f64]) -> f64 {
    match d {
        1 => min_dist_fixed::<1>(data, c, closest, out),
        2 => min_dist_fixed::<2>(data, c, closest, out),
        3 => min_dist_fixed::<3>(data, c, closest, out),
        4 => min_dist_fixed::<4>(data, c, closest, out),
        5 => min_dist_fixed::<5>(data, c, closest, out),
        6 => min_dist_fixed::<6>(data, c, closest, out),
        7 => min_dist_fixed::<7>(data, c, closest, out),
        8 => min_dist_fixed::<8>(data, c, closest, out),
        _ => min_dist_dyn(data, d, c, closest, out),
    }
}

fn min_dist_dyn(data: &[f64], d: usize, c: &[f64], closest: &[f64], out: &mut [f64]) -> f64 {
    let mut p = 0.0;
    for ((o, x), cl) in out.iter_mut().zip(data.chunks_exact(d)).zip(closest) {
        let v = sq_dist(x, c).min(*cl);
        *o = v;
        p += v;
    }
    p
}

fn min_dist_fixed<const D: usize>(
    data: &[f64],
    c: &[f64],
    closest: &[f64],
    out: &mut [f64],
) -> f64 {
    let c: [f64; D] = match c.try_into() {
        Ok(a) => a,
        // Unreachable (callers pass a row of D values); stay correct anyway.
        Err(_) => return min_dist_dyn(data, D, c, closest, out),
    };
    let mut p = 0.0;
    for ((o, x), cl) in out.iter_mut().zip(data.chunks_exact(D)).zip(closest) {
        let mut s = 0.0;
        for j in 0..D {
            let t = x[j] - c[j];
            s += t * t;
        }
        let v = s.min(*cl);
        *o = v;
        p += v;
    }
    p
}

fn init_random(data: &[f64], n_rows: usize, d: usize, k: usize, rng: &mut Rng) -> Vec<f64> {
    let mut centers = Vec::with_capacity(k * d);
    for i in sample_indices(n_rows, k, rng) {
        centers.extend_from_slice(&data[i * d..(i + 1) * d]);
    }
    centers
}

/// E-step (+ accumulation for the M-step). Returns how many labels changed.
/// Dispatches to a copy specialised for the number of features when it is
/// small (same arithmetic, same order, so the same results).
fn assign(
    data: &[f64],
    d: usize,
    centers: &[f64],
    labels: &mut [u32],
    d2: &mut [f64],
    acc: Option<(&mut [f64], &mut [usize])>,
) -> usize {
    match d {
        1 => assign_fixed::<1>(data, centers, labels, d2, acc),
        2 => assign_fixed::<2>(data, centers, labels, d2, acc),
        3 => assign_fixed::<3>(data, centers, labels, d2, acc),
        4 => assign_fixed::<4>(data, centers, labels, d2, acc),
        5 => assign_fixed::<5>(data, centers, labels, d2, acc),
        6 => assign_fixed::<6>(data, centers, labels, d2, acc),
        7 => assign_fixed::<7>(data, centers, labels, d2, acc),
        8 => assign_fixed::<8>(data, centers, labels, d2, acc),
        _ => assign_dyn(data, d, centers, labels, d2, acc),
    }
}

fn assign_fixed<const D: usize>(
    data: &[f64],
    centers: &[f64],
    labels: &mut [u32],
    d2: &mut [f64],
    mut acc: Option<(&mut [f64], &mut [usize])>,
) -> usize {
    let mut changed = 0;
    for ((x, lab), dist) in data
        .chunks_exact(D)
        .zip(labels.iter_mut())
        .zip(d2.iter_mut())
    {
        let mut best = 0usize;
        let mut best_d = f64::INFINITY;
        for (c, cen) in centers.chunks_exact(D).enumerate() {
            let mut s = 0.0;
            for j in 0..D {
                let t = x[j] - cen[j];
                s += t * t;
            }
            if s < best_d {
                best_d = s;
                best = c;
            }
        }
        let b = best as u32;
        if *lab != b {
            changed += 1;
            *lab = b;
        }
        *dist = best_d;
        if let Some((sums, counts)) = acc.as_mut() {
            let s = &mut sums[best * D..(best + 1) * D];
            for j in 0..D {
                s[j] += x[j];
            }
            counts[best] += 1;
        }
    }
    changed
}

fn assign_dyn(
    data: &[f64],
    d: usize,
    centers: &[f64],
    labels: &mut [u32],
    d2: &mut [f64],
    mut acc: Option<(&mut [f64], &mut [usize])>,
) -> usize {
    let mut changed = 0;
    for ((x, lab), dist) in data
        .chunks_exact(d)
        .zip(labels.iter_mut())
        .zip(d2.iter_mut())
    {
        let mut best = 0usize;
        let mut best_d = f64::INFINITY;
        for (c, cen) in centers.chunks_exact(d).enumerate() {
            let s = sq_dist(x, cen);
            if s < best_d {
                best_d = s;
                best = c;
            }
        }
        let b = best as u32;
        if *lab != b {
            changed += 1;
            *lab = b;
        }
        *dist = best_d;
        if let Some((sums, counts)) = acc.as_mut() {
            for (s, v) in sums[best * d..(best + 1) * d].iter_mut().zip(x) {
                *s += v;
            }
            counts[best] += 1;
        }
    }
    changed
}

/// Gives each empty cluster the row farthest from its assigned centre
/// (scikit-learn's `_relocate_empty_clusters`). Returns whether anything moved.
fn relocate_empty(
    data: &[f64],
    d: usize,
    labels: &[u32],
    d2: &[f64],
    sums: &mut [f64],
    counts: &mut [usize],
) -> bool {
    let empty: Vec<usize> = (0..counts.len()).filter(|&c| counts[c] == 0).collect();
    if empty.is_empty() {
        return false;
    }
    let mut taken: Vec<usize> = Vec::with_capacity(empty.len());
    let mut moved = false;
    for c in empty {
        let mut far: Option<usize> = None;
        let mut far_d = f64::NEG_INFINITY;
        for (i, (&dist, &lab)) in d2.iter().zip(labels).enumerate() {
            if dist > far_d && counts[lab as usize] > 1 && !taken.contains(&i) {
                far_d = dist;
                far = Some(i);
            }
        }
        let Some(i) = far else { continue };
        taken.push(i);
        let old = labels[i] as usize;
        let x = &data[i * d..(i + 1) * d];
        for (s, v) in sums[old * d..(old + 1) * d].iter_mut().zip(x) {
            *s -= v;
        }
        sums[c * d..(c + 1) * d].copy_from_slice(x);
        counts[old] -= 1;
        counts[c] = 1;
        moved = true;
    }
    moved
}

/// Lloyd iterations from the given initial centres.
fn lloyd(
    data: &[f64],
    n_rows: usize,
    d: usize,
    mut centers: Vec<f64>,
    max_iter: usize,
    tol_abs: f64,
) -> Run {
    let k = centers.len() / d;
    let mut labels = vec![u32::MAX; n_rows];
    let mut d2 = vec![0.0; n_rows];
    let mut sums = vec![0.0; k * d];
    let mut counts = vec![0usize; k];
    let mut new_centers = vec![0.0; k * d];
    let mut strict = false;
    let mut relocated = false;
    let mut iterations = 0;
    for it in 0..max_iter {
        sums.fill(0.0);
        counts.fill(0);
        let changed = assign(
            data,
            d,
            &centers,
            &mut labels,
            &mut d2,
            Some((&mut sums, &mut counts)),
        );
        relocated = relocate_empty(data, d, &labels, &d2, &mut sums, &mut counts);
        let mut shift = 0.0;
        for (c, &cnt) in counts.iter().enumerate() {
            let old = &centers[c * d..(c + 1) * d];
            let new = &mut new_centers[c * d..(c + 1) * d];
            if cnt > 0 {
                let inv = 1.0 / cnt as f64;
                for (nv, s) in new.iter_mut().zip(&sums[c * d..(c + 1) * d]) {
                    *nv = s * inv;
                }
            } else {
                new.copy_from_slice(old);
            }
            shift += sq_dist(new, old);
        }
        std::mem::swap(&mut centers, &mut new_centers);
        iterations = it + 1;
        if changed == 0 {
            strict = true;
            break;
        }
        if shift <= tol_abs {
            break;
        }
    }
    if !strict || relocated {
        assign(data, d, &centers, &mut labels, &mut d2, None);
    }
    let inertia = d2.iter().sum();
    Run {
        centers,
        labels,
        d2,
        inertia,
        iterations,
    }
}

fn run_once(
    data: &[f64],
    n_rows: usize,
    d: usize,
    opts: &KMeansOptions,
    seed: u64,
    tol_abs: f64,
) -> Run {
    let mut rng = Rng::new(seed);
    let centers = match opts.init {
        Init::KMeansPlusPlus => init_kmeans_pp(data, n_rows, d, opts.k, &mut rng),
        Init::Random => init_random(data, n_rows, d, opts.k, &mut rng),
    };
    lloyd(data, n_rows, d, centers, opts.max_iter, tol_abs)
}

/// Renumbers clusters so centroids ascend lexicographically.
fn canonicalize(run: Run, d: usize) -> KMeansModel {
    let k = run.centers.len() / d;
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| {
        let ca = &run.centers[a * d..(a + 1) * d];
        let cb = &run.centers[b * d..(b + 1) * d];
        ca.iter()
            .zip(cb)
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    let mut new_of_old = vec![0u32; k];
    let mut centroids = Vec::with_capacity(k * d);
    for (new, &old) in order.iter().enumerate() {
        new_of_old[old] = new as u32;
        centroids.extend_from_slice(&run.centers[old * d..(old + 1) * d]);
    }
    KMeansModel {
        centroids,
        labels: run.labels.iter().map(|&l| new_of_old[l as usize]).collect(),
        distances: run.d2.iter().map(|v| v.sqrt()).collect(),
        wcss: run.inertia,
        iterations: run.iterations,
    }
}

/// Fits k-means (best of `opts.n_init` runs). See the module docs for the
/// algorithm, determinism and label numbering.
pub fn kmeans(
    data: &[f64],
    n_rows: usize,
    n_features: usize,
    opts: &KMeansOptions,
) -> Result<KMeansModel, KMeansError> {
    kmeans_with_threads(data, n_rows, n_features, opts, None)
}

/// [`kmeans`] with an explicit thread count (`None`: automatic). The result
/// does not depend on it; tests use it to check that.
fn kmeans_with_threads(
    data: &[f64],
    n_rows: usize,
    n_features: usize,
    opts: &KMeansOptions,
    threads: Option<usize>,
) -> Result<KMeansModel, KMeansError> {
    validate_data(data, n_rows, n_features)?;
    validate_opts(opts, n_rows)?;
    let d = n_features;
    let tol_abs = opts.tol * mean_variance(data, n_rows, d);
    let mut sm = SplitMix64(opts.seed);
    let seeds: Vec<u64> = (0..opts.n_init).map(|_| sm.next_u64()).collect();

    let work = n_rows.saturating_mul(d).saturating_mul(opts.k);
    let n_threads = threads
        .unwrap_or_else(|| threads_for(work, opts.n_init))
        .clamp(1, opts.n_init);
    let better = |a: &(usize, Run), b: &(usize, Run)| {
        a.1.inertia < b.1.inertia || (a.1.inertia == b.1.inertia && a.0 < b.0)
    };
    let worker = |t: usize| -> Option<(usize, Run)> {
        let mut best: Option<(usize, Run)> = None;
        for (i, &seed) in seeds.iter().enumerate().skip(t).step_by(n_threads) {
            let cand = (i, run_once(data, n_rows, d, opts, seed, tol_abs));
            if best.as_ref().is_none_or(|b| better(&cand, b)) {
                best = Some(cand);
            }
        }
        best
    };
    let results: Vec<Option<(usize, Run)>> = if n_threads <= 1 {
        vec![worker(0)]
    } else {
        thread::scope(|s| {
            let handles: Vec<_> = (0..n_threads)
                .map(|t| {
                    let w = &worker;
                    s.spawn(move || w(t))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().map_err(|_| KMeansError::WorkerPanicked))
                .collect::<Result<Vec<_>, _>>()
        })?
    };
    let mut best: Option<(usize, Run)> = None;
    for cand in results.into_iter().flatten() {
        if best.as_ref().is_none_or(|b| better(&cand, b)) {
            best = Some(cand);
        }
    }
    let (_, run) = best.ok_or(KMeansError::InvalidNInit)?;
    Ok(canonicalize(run, d))
}

// ---------------------------------------------------------------------------
// Standardisation
// ---------------------------------------------------------------------------

/// Standardises columns in place to z-scores, `(x - mean) / std`, with the
/// **sample** standard deviation (`n - 1` denominator), as Spark ML's
/// `StandardScaler(withMean = true, withStd = true)`. (scikit-learn's
/// `StandardScaler` uses the population std; the two differ by the constant
/// factor `sqrt(n / (n - 1))` on every column, which changes no k-means
/// labeling nor silhouette and scales WCSS by `n / (n - 1)`.)
///
/// A column whose values are all equal (or a single row) has std 0 and becomes
/// all zeros. Returns `(means, stds)` per column, so results can be reported in
/// the original units (`x = z * std + mean`; for a zero-std column, `mean`).
///
/// Never panics: if `data` holds fewer than `n_rows * n_features` values only
/// the complete rows present are used; with `n_rows == 0` or `n_features == 0`
/// nothing changes and zeros are returned. Non-finite values propagate.
pub fn standardize(data: &mut [f64], n_rows: usize, n_features: usize) -> (Vec<f64>, Vec<f64>) {
    let mut means = vec![0.0; n_features];
    let mut stds = vec![0.0; n_features];
    if n_features == 0 {
        return (means, stds);
    }
    let rows = n_rows.min(data.len() / n_features);
    if rows == 0 {
        return (means, stds);
    }
    let data = &mut data[..rows * n_features];
    for row in data.chunks_exact(n_features) {
        for (m, v) in means.iter_mut().zip(row) {
            *m += v;
        }
    }
    for m in means.iter_mut() {
        *m /= rows as f64;
    }
    let first: Vec<f64> = data[..n_features].to_vec();
    let mut constant = vec![true; n_features];
    let mut ss = vec![0.0; n_features];
    for row in data.chunks_exact(n_features) {
        for j in 0..n_features {
            let v = row[j];
            let t = v - means[j];
            ss[j] += t * t;
            if v != first[j] {
                constant[j] = false;
            }
        }
    }
    for j in 0..n_features {
        if constant[j] && first[j].is_finite() {
            // Exactly constant: report the exact value as the mean.
            means[j] = first[j];
        } else if rows > 1 {
            stds[j] = (ss[j] / (rows - 1) as f64).sqrt();
        }
    }
    for row in data.chunks_exact_mut(n_features) {
        for j in 0..n_features {
            row[j] = if stds[j] > 0.0 || stds[j].is_nan() {
                (row[j] - means[j]) / stds[j]
            } else {
                0.0
            };
        }
    }
    (means, stds)
}

// ---------------------------------------------------------------------------
// Silhouette
// ---------------------------------------------------------------------------

/// Mean silhouette coefficient with Euclidean distance, as
/// `sklearn.metrics.silhouette_score`: for each sample, `a` = mean distance to
/// the other members of its cluster, `b` = lowest mean distance to another
/// (non-empty) cluster, `s = (b - a) / max(a, b)`; `s = 0` for a sample alone in
/// its cluster or with `a = b = 0`. The result is the mean of `s`.
///
/// Exact O(n²) when `sample_size == 0` or `n_rows <= sample_size`. Otherwise it
/// is computed, as scikit-learn's `sample_size`, on `sample_size` distinct rows
/// drawn uniformly without replacement by the internal generator seeded with
/// `seed` (same seed, same sample), using the distances among sampled rows only.
///
/// Errors unless every label is `< k` and the (sampled) rows carry between 2 and
/// `n_samples - 1` distinct labels.
pub fn silhouette(
    data: &[f64],
    n_rows: usize,
    n_features: usize,
    labels: &[u32],
    k: usize,
    sample_size: usize,
    seed: u64,
) -> Result<f64, KMeansError> {
    silhouette_with_threads(data, n_rows, n_features, labels, k, sample_size, seed, None)
}

/// [`silhouette`] with an explicit thread count (`None`: automatic); the
/// result does not depend on it.
#[allow(clippy::too_many_arguments)]
fn silhouette_with_threads(
    data: &[f64],
    n_rows: usize,
    n_features: usize,
    labels: &[u32],
    k: usize,
    sample_size: usize,
    seed: u64,
    threads: Option<usize>,
) -> Result<f64, KMeansError> {
    validate_data(data, n_rows, n_features)?;
    if labels.len() != n_rows {
        return Err(KMeansError::LabelsLengthMismatch {
            labels: labels.len(),
            n_rows,
        });
    }
    if k == 0 {
        return Err(KMeansError::KTooSmall);
    }
    if let Some(row) = labels.iter().position(|&l| l as usize >= k) {
        return Err(KMeansError::LabelOutOfRange {
            row,
            label: labels[row],
            k,
        });
    }
    let d = n_features;
    let (x, lab): (Vec<f64>, Vec<u32>) = if sample_size == 0 || n_rows <= sample_size {
        (data.to_vec(), labels.to_vec())
    } else {
        let mut rng = Rng::new(seed);
        let mut idx = sample_indices(n_rows, sample_size, &mut rng);
        idx.sort_unstable();
        let mut x = Vec::with_capacity(sample_size * d);
        for &i in &idx {
            x.extend_from_slice(&data[i * d..(i + 1) * d]);
        }
        (x, idx.iter().map(|&i| labels[i]).collect())
    };
    let m = lab.len();
    let mut counts = vec![0usize; k];
    for &l in &lab {
        counts[l as usize] += 1;
    }
    let n_labels = counts.iter().filter(|&&c| c > 0).count();
    if n_labels < 2 || n_labels + 1 > m {
        return Err(KMeansError::SilhouetteUndefined {
            n_labels,
            n_samples: m,
        });
    }

    let mut s = vec![0.0; m];
    let per_sample = |range_start: usize, out: &mut [f64]| {
        let mut sums = vec![0.0; k];
        for (off, o) in out.iter_mut().enumerate() {
            let i = range_start + off;
            let xi = &x[i * d..(i + 1) * d];
            sums.fill(0.0);
            for (xj, &lj) in x.chunks_exact(d).zip(&lab) {
                sums[lj as usize] += sq_dist(xi, xj).sqrt();
            }
            let li = lab[i] as usize;
            if counts[li] <= 1 {
                *o = 0.0;
                continue;
            }
            let a = sums[li] / (counts[li] - 1) as f64;
            let mut b = f64::INFINITY;
            for (c, (&sc, &cnt)) in sums.iter().zip(&counts).enumerate() {
                if c != li && cnt > 0 {
                    b = b.min(sc / cnt as f64);
                }
            }
            let den = a.max(b);
            *o = if den > 0.0 { (b - a) / den } else { 0.0 };
        }
    };
    let n_threads = threads
        .unwrap_or_else(|| threads_for(m.saturating_mul(m).saturating_mul(d), m))
        .clamp(1, m);
    if n_threads <= 1 {
        per_sample(0, &mut s);
    } else {
        let chunk = m.div_ceil(n_threads);
        thread::scope(|sc| {
            let handles: Vec<_> = s
                .chunks_mut(chunk)
                .enumerate()
                .map(|(t, out)| {
                    let f = &per_sample;
                    sc.spawn(move || f(t * chunk, out))
                })
                .collect();
            handles
                .into_iter()
                .try_for_each(|h| h.join().map_err(|_| KMeansError::WorkerPanicked))
        })?;
    }
    Ok(s.iter().sum::<f64>() / m as f64)
}

// ---------------------------------------------------------------------------
// Elbow / choice of k
// ---------------------------------------------------------------------------

/// Fits k-means for every `k` in `k_min..=k_max` (with `opts`, its `k` ignored)
/// and reports WCSS and silhouette of each best-of-`n_init` model.
///
/// The silhouette uses [`silhouette`] with `silhouette_sample` as sample size
/// and `opts.seed` as sampling seed, so every `k` is scored on the same rows.
///
/// Choice of k: `best_k_silhouette` is the primary answer — the `k` with the
/// highest silhouette (ties to the smallest `k`; falls back to `elbow_k` when no
/// silhouette is defined). `elbow_k` is the "kneedle" elbow: both axes are
/// normalised to `[0, 1]` (k by `(k - k_min) / (k_max - k_min)`, WCSS by its
/// min and max over the scan) and the point farthest (perpendicular distance)
/// from the straight line through the first and last points is taken, ties to
/// the smallest `k`; with fewer than 3 points, or a flat WCSS curve, it is `k_min`.
pub fn elbow(
    data: &[f64],
    n_rows: usize,
    n_features: usize,
    k_min: usize,
    k_max: usize,
    opts: &KMeansOptions,
    silhouette_sample: usize,
) -> Result<ElbowResult, KMeansError> {
    validate_data(data, n_rows, n_features)?;
    if k_min == 0 {
        return Err(KMeansError::KTooSmall);
    }
    if k_min > k_max {
        return Err(KMeansError::InvalidKRange { k_min, k_max });
    }
    if k_max > n_rows {
        return Err(KMeansError::KExceedsRows { k: k_max, n_rows });
    }
    let mut points = Vec::with_capacity(k_max - k_min + 1);
    for k in k_min..=k_max {
        let o = KMeansOptions { k, ..opts.clone() };
        let model = kmeans(data, n_rows, n_features, &o)?;
        let sil = match silhouette(
            data,
            n_rows,
            n_features,
            &model.labels,
            k,
            silhouette_sample,
            opts.seed,
        ) {
            Ok(v) => v,
            Err(KMeansError::SilhouetteUndefined { .. }) => f64::NAN,
            Err(e) => return Err(e),
        };
        points.push(ElbowPoint {
            k,
            wcss: model.wcss,
            silhouette: sil,
        });
    }
    let elbow_k = kneedle(&points).unwrap_or(k_min);
    let mut best: Option<(usize, f64)> = None;
    for p in &points {
        if p.silhouette.is_finite() && best.is_none_or(|(_, s)| p.silhouette > s) {
            best = Some((p.k, p.silhouette));
        }
    }
    Ok(ElbowResult {
        best_k_silhouette: best.map(|(k, _)| k).unwrap_or(elbow_k),
        elbow_k,
        points,
    })
}

fn kneedle(points: &[ElbowPoint]) -> Option<usize> {
    let (first, last) = (points.first()?, points.last()?);
    if points.len() < 3 {
        return None;
    }
    let wmin = points.iter().map(|p| p.wcss).fold(f64::INFINITY, f64::min);
    let wmax = points
        .iter()
        .map(|p| p.wcss)
        .fold(f64::NEG_INFINITY, f64::max);
    if wmax <= wmin || !(wmax - wmin).is_finite() {
        return None;
    }
    let kspan = (last.k - first.k) as f64;
    let norm = |p: &ElbowPoint| {
        (
            (p.k - first.k) as f64 / kspan,
            (p.wcss - wmin) / (wmax - wmin),
        )
    };
    let (x0, y0) = norm(first);
    let (x1, y1) = norm(last);
    let (dx, dy) = (x1 - x0, y1 - y0);
    let len = (dx * dx + dy * dy).sqrt();
    let mut best: Option<(usize, f64)> = None;
    for p in points {
        let (x, y) = norm(p);
        let dist = ((x - x0) * dy - (y - y0) * dx).abs() / len;
        if best.is_none_or(|(_, b)| dist > b) {
            best = Some((p.k, dist));
        }
    }
    best.map(|(k, _)| k)
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture_dir() -> PathBuf {
        std::env::var("IGNIS_FIXTURES")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                PathBuf::from(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/fixtures/kmeans"
                ))
            })
    }

    /// Reads a CSV of numbers with a header line: (header, rows).
    fn read_csv(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let path = fixture_dir().join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header = lines
            .next()
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect();
        let rows = lines
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect();
        (header, rows)
    }

    /// A dataset fixture: (row-major features, n_rows, n_features, true labels).
    fn dataset(name: &str) -> (Vec<f64>, usize, usize, Vec<u32>) {
        let (header, rows) = read_csv(&format!("{name}.csv"));
        let d = header.len() - 1;
        let mut x = Vec::with_capacity(rows.len() * d);
        let mut y = Vec::with_capacity(rows.len());
        for r in &rows {
            for v in &r[..d] {
                x.push(v.parse::<f64>().unwrap());
            }
            y.push(r[d].parse::<u32>().unwrap());
        }
        (x, rows.len(), d, y)
    }

    fn variant_data(name: &str, variant: &str) -> (Vec<f64>, usize, usize, Vec<u32>) {
        let (mut x, n, d, y) = dataset(name);
        if variant == "std" {
            standardize(&mut x, n, d);
        }
        (x, n, d, y)
    }

    struct Golden {
        dataset: String,
        variant: String,
        k: usize,
        inertia: f64,
        silhouette: f64,
    }

    fn golden() -> Vec<Golden> {
        read_csv("golden.csv")
            .1
            .into_iter()
            .map(|r| Golden {
                dataset: r[0].clone(),
                variant: r[1].clone(),
                k: r[2].parse().unwrap(),
                inertia: r[3].parse().unwrap(),
                silhouette: r[4].parse().unwrap(),
            })
            .collect()
    }

    /// Adjusted Rand index (Hubert & Arabie) of two labelings.
    fn ari(a: &[u32], b: &[u32]) -> f64 {
        assert_eq!(a.len(), b.len());
        let ka = *a.iter().max().unwrap() as usize + 1;
        let kb = *b.iter().max().unwrap() as usize + 1;
        let mut table = vec![0u64; ka * kb];
        for (&x, &y) in a.iter().zip(b) {
            table[x as usize * kb + y as usize] += 1;
        }
        let c2 = |n: u64| (n * n.saturating_sub(1) / 2) as f64;
        let sum_ij: f64 = table.iter().map(|&n| c2(n)).sum();
        let sum_a: f64 = (0..ka)
            .map(|i| c2(table[i * kb..(i + 1) * kb].iter().sum()))
            .sum();
        let sum_b: f64 = (0..kb)
            .map(|j| c2((0..ka).map(|i| table[i * kb + j]).sum()))
            .sum();
        let expected = sum_a * sum_b / c2(a.len() as u64);
        let max = (sum_a + sum_b) / 2.0;
        if max == expected {
            return 1.0;
        }
        (sum_ij - expected) / (max - expected)
    }

    /// Gaussian blobs from the internal generator (Box–Muller).
    fn make_blobs(centers: &[&[f64]], per: usize, std: f64, seed: u64) -> (Vec<f64>, Vec<u32>) {
        let mut rng = Rng::new(seed);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..per * centers.len() {
            let c = i % centers.len();
            for &mu in centers[c] {
                let u1 = 1.0 - rng.next_f64();
                let u2 = rng.next_f64();
                let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                x.push(mu + std * z);
            }
            y.push(c as u32);
        }
        (x, y)
    }

    fn opts(k: usize) -> KMeansOptions {
        KMeansOptions::new(k)
    }

    #[test]
    fn separated_blobs_recovered_exactly() {
        let centers: [&[f64]; 4] = [
            &[0.0, 0.0, 0.0],
            &[20.0, 0.0, 5.0],
            &[0.0, 25.0, -5.0],
            &[-20.0, -20.0, 20.0],
        ];
        let (x, y) = make_blobs(&centers, 250, 1.0, 42);
        for init in [Init::KMeansPlusPlus, Init::Random] {
            let m = kmeans(&x, 1000, 3, &KMeansOptions { init, ..opts(4) }).unwrap();
            assert_eq!(ari(&m.labels, &y), 1.0);
            assert_eq!(m.centroids.len(), 12);
            // Labels ordered by ascending first centroid coordinate.
            let firsts: Vec<f64> = m.centroids.chunks(3).map(|c| c[0]).collect();
            assert!(firsts.windows(2).all(|w| w[0] <= w[1]), "{firsts:?}");
            assert_eq!(m.labels[3], 0); // blob 3 has centre x = -20
                                        // distances and wcss agree with centroids.
            let mut wcss = 0.0;
            for i in 0..1000 {
                let c = m.labels[i] as usize;
                let dd = sq_dist(&x[i * 3..i * 3 + 3], &m.centroids[c * 3..c * 3 + 3]);
                assert!((m.distances[i] - dd.sqrt()).abs() < 1e-12);
                wcss += dd;
            }
            assert!((wcss - m.wcss).abs() <= 1e-9 * wcss);
            assert!(m.iterations >= 1 && m.iterations <= 100);
        }
    }

    #[test]
    fn k_equals_one_gives_means() {
        let x = [1.0, 10.0, 2.0, 20.0, 3.0, 30.0, 6.0, 0.0];
        let m = kmeans(&x, 4, 2, &opts(1)).unwrap();
        assert_eq!(m.labels, vec![0; 4]);
        assert!((m.centroids[0] - 3.0).abs() < 1e-12);
        assert!((m.centroids[1] - 15.0).abs() < 1e-12);
        let expect = 4.0 + 1.0 + 0.0 + 9.0 + 25.0 + 25.0 + 225.0 + 225.0;
        assert!((m.wcss - expect).abs() < 1e-9);
        // Single row.
        let m = kmeans(&[5.0, -1.0], 1, 2, &opts(1)).unwrap();
        assert_eq!(m.centroids, vec![5.0, -1.0]);
        assert_eq!(m.wcss, 0.0);
    }

    #[test]
    fn k_equals_n_gives_zero_wcss() {
        let x = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 5.0, 5.0, -3.0, 2.0];
        for init in [Init::KMeansPlusPlus, Init::Random] {
            let m = kmeans(&x, 5, 2, &KMeansOptions { init, ..opts(5) }).unwrap();
            assert_eq!(m.wcss, 0.0);
            let mut l = m.labels.clone();
            l.sort();
            assert_eq!(l, vec![0, 1, 2, 3, 4]);
            assert!(m.distances.iter().all(|&v| v == 0.0));
            assert_eq!(m.labels[4], 0); // x = -3 is the smallest first coordinate
        }
    }

    #[test]
    fn duplicates_and_empty_clusters() {
        // 3 distinct points repeated; k = 3 must find them, k = 2 works too.
        let mut x = Vec::new();
        for _ in 0..10 {
            x.extend_from_slice(&[0.0, 0.0, 10.0, 10.0, -10.0, 10.0]);
        }
        for seed in 0..20 {
            let o = KMeansOptions {
                seed,
                n_init: 1,
                init: Init::Random,
                ..opts(3)
            };
            let m = kmeans(&x, 30, 2, &o).unwrap();
            assert_eq!(m.wcss, 0.0, "seed {seed}");
        }
        // All rows identical, k = 2: one cluster stays empty, nothing fails.
        let same = vec![1.5; 20];
        let m = kmeans(&same, 10, 2, &opts(2)).unwrap();
        assert_eq!(m.wcss, 0.0);
        assert!(m.centroids.iter().all(|&v| v == 1.5));
    }

    #[test]
    fn empty_cluster_is_relocated_to_farthest_point() {
        // Centre 1 starts far away and gets no rows; it must take the row
        // farthest from its centre (x = 10), as scikit-learn does.
        let x = [0.0, 1.0, 2.0, 10.0];
        let run = lloyd(&x, 4, 1, vec![1.0, 1000.0], 100, 0.0);
        let m = canonicalize(run, 1);
        assert_eq!(m.centroids, vec![1.0, 10.0]);
        assert_eq!(m.labels, vec![0, 0, 0, 1]);
        assert!((m.wcss - 2.0).abs() < 1e-12);
    }

    #[test]
    fn errors_are_reported() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let e = |r: Result<KMeansModel, KMeansError>| r.unwrap_err();
        assert_eq!(e(kmeans(&[], 0, 2, &opts(1))), KMeansError::EmptyInput);
        assert_eq!(e(kmeans(&x, 2, 0, &opts(1))), KMeansError::NoFeatures);
        assert_eq!(e(kmeans(&x, 2, 2, &opts(0))), KMeansError::KTooSmall);
        assert_eq!(
            e(kmeans(&x, 2, 2, &opts(3))),
            KMeansError::KExceedsRows { k: 3, n_rows: 2 }
        );
        assert_eq!(
            e(kmeans(&x, 3, 2, &opts(1))),
            KMeansError::DataLengthMismatch {
                expected: Some(6),
                actual: 4
            }
        );
        assert!(matches!(
            e(kmeans(&x, usize::MAX, 2, &opts(1))),
            KMeansError::DataLengthMismatch { expected: None, .. }
        ));
        assert_eq!(
            e(kmeans(&[1.0, 2.0, f64::NAN, 4.0], 2, 2, &opts(1))),
            KMeansError::NonFiniteValue { row: 1, feature: 0 }
        );
        assert_eq!(
            e(kmeans(&[1.0, f64::INFINITY], 1, 2, &opts(1))),
            KMeansError::NonFiniteValue { row: 0, feature: 1 }
        );
        let bad = |f: fn(&mut KMeansOptions)| {
            let mut o = opts(1);
            f(&mut o);
            kmeans(&x, 2, 2, &o).unwrap_err()
        };
        assert_eq!(bad(|o| o.max_iter = 0), KMeansError::InvalidMaxIter);
        assert_eq!(bad(|o| o.n_init = 0), KMeansError::InvalidNInit);
        assert!(matches!(bad(|o| o.tol = -1.0), KMeansError::InvalidTol(_)));
        assert!(matches!(
            bad(|o| o.tol = f64::NAN),
            KMeansError::InvalidTol(_)
        ));

        assert_eq!(
            elbow(&x, 2, 2, 2, 1, &opts(1), 0).unwrap_err(),
            KMeansError::InvalidKRange { k_min: 2, k_max: 1 }
        );
        assert_eq!(
            elbow(&x, 2, 2, 0, 1, &opts(1), 0).unwrap_err(),
            KMeansError::KTooSmall
        );
        assert_eq!(
            elbow(&x, 2, 2, 1, 3, &opts(1), 0).unwrap_err(),
            KMeansError::KExceedsRows { k: 3, n_rows: 2 }
        );
        assert_eq!(
            silhouette(&x, 2, 2, &[0], 2, 0, 0).unwrap_err(),
            KMeansError::LabelsLengthMismatch {
                labels: 1,
                n_rows: 2
            }
        );
        assert_eq!(
            silhouette(&x, 2, 2, &[0, 2], 2, 0, 0).unwrap_err(),
            KMeansError::LabelOutOfRange {
                row: 1,
                label: 2,
                k: 2
            }
        );
        assert_eq!(
            silhouette(&x, 2, 2, &[0, 0], 2, 0, 0).unwrap_err(),
            KMeansError::SilhouetteUndefined {
                n_labels: 1,
                n_samples: 2
            }
        );
        assert_eq!(
            silhouette(&x, 2, 2, &[0, 1], 2, 0, 0).unwrap_err(),
            KMeansError::SilhouetteUndefined {
                n_labels: 2,
                n_samples: 2
            }
        );
        // Every variant has a non-empty message.
        let all = [
            KMeansError::EmptyInput,
            KMeansError::NoFeatures,
            KMeansError::DataLengthMismatch {
                expected: Some(1),
                actual: 2,
            },
            KMeansError::DataLengthMismatch {
                expected: None,
                actual: 2,
            },
            KMeansError::NonFiniteValue { row: 1, feature: 2 },
            KMeansError::KTooSmall,
            KMeansError::KExceedsRows { k: 5, n_rows: 3 },
            KMeansError::KTooLarge { k: 1 << 40 },
            KMeansError::InvalidKRange { k_min: 3, k_max: 2 },
            KMeansError::InvalidMaxIter,
            KMeansError::InvalidNInit,
            KMeansError::InvalidTol(-1.0),
            KMeansError::LabelsLengthMismatch {
                labels: 1,
                n_rows: 2,
            },
            KMeansError::LabelOutOfRange {
                row: 0,
                label: 9,
                k: 2,
            },
            KMeansError::SilhouetteUndefined {
                n_labels: 1,
                n_samples: 5,
            },
            KMeansError::WorkerPanicked,
        ];
        for err in all {
            assert!(!err.to_string().is_empty());
        }
        assert_eq!(
            KMeansError::KExceedsRows { k: 5, n_rows: 3 }.to_string(),
            "k = 5 is larger than the number of rows (3); choose k <= 3"
        );
    }

    #[test]
    fn deterministic_for_a_seed() {
        let (x, n, d, _) = dataset("overlap5");
        for init in [Init::KMeansPlusPlus, Init::Random] {
            let o = KMeansOptions {
                seed: 7,
                init,
                ..opts(6)
            };
            let a = kmeans(&x, n, d, &o).unwrap();
            let b = kmeans(&x, n, d, &o).unwrap();
            assert_eq!(a, b);
        }
        // Different seeds generally give different single runs.
        let r = |seed| {
            kmeans(
                &x,
                n,
                d,
                &KMeansOptions {
                    seed,
                    n_init: 1,
                    ..opts(8)
                },
            )
            .unwrap()
            .wcss
        };
        let w: Vec<f64> = (0..5).map(r).collect();
        assert!(w.iter().any(|&v| v != w[0]), "{w:?}");
    }

    #[test]
    fn results_do_not_depend_on_thread_count() {
        let (x, n, d, y) = dataset("overlap5");
        for init in [Init::KMeansPlusPlus, Init::Random] {
            let o = KMeansOptions {
                seed: 3,
                init,
                ..opts(6)
            };
            let one = kmeans_with_threads(&x, n, d, &o, Some(1)).unwrap();
            for t in [2, 3, 4, 64] {
                assert_eq!(one, kmeans_with_threads(&x, n, d, &o, Some(t)).unwrap());
            }
            assert_eq!(one, kmeans(&x, n, d, &o).unwrap());
        }
        let one = silhouette_with_threads(&x, n, d, &y, 5, 0, 0, Some(1)).unwrap();
        for t in [2, 3, 7] {
            let s = silhouette_with_threads(&x, n, d, &y, 5, 0, 0, Some(t)).unwrap();
            assert_eq!(one.to_bits(), s.to_bits());
        }
    }

    #[test]
    fn max_iter_and_tol_are_respected() {
        let (x, n, d, _) = dataset("overlap5");
        let o = KMeansOptions {
            max_iter: 1,
            n_init: 1,
            ..opts(5)
        };
        assert_eq!(kmeans(&x, n, d, &o).unwrap().iterations, 1);
        // tol = 0 runs to strict convergence: a further run from the result
        // does not move.
        let o = KMeansOptions {
            tol: 0.0,
            n_init: 1,
            ..opts(5)
        };
        let m = kmeans(&x, n, d, &o).unwrap();
        assert!(m.iterations < 100);
        let again = lloyd(&x, n, d, m.centroids.clone(), 100, 0.0);
        assert_eq!(again.iterations, 1);
        assert!((again.inertia - m.wcss).abs() <= 1e-9 * m.wcss);
    }

    #[test]
    fn standardize_matches_numpy_ddof1() {
        for name in ["blobs4", "overlap5"] {
            let (mut x, n, d, _) = dataset(name);
            let (means, stds) = standardize(&mut x, n, d);
            let (_, rows) = read_csv(&format!("{name}_standardize.csv"));
            for (j, r) in rows.iter().enumerate() {
                let m: f64 = r[1].parse().unwrap();
                let s: f64 = r[2].parse().unwrap();
                assert!(
                    (means[j] - m).abs() <= 1e-12 * m.abs().max(1.0),
                    "{name} {j}"
                );
                assert!((stds[j] - s).abs() <= 1e-12 * s, "{name} {j}");
            }
            for j in 0..d {
                let col: Vec<f64> = x.iter().skip(j).step_by(d).copied().collect();
                let mean = col.iter().sum::<f64>() / n as f64;
                let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
                assert!(mean.abs() < 1e-12);
                assert!((var - 1.0).abs() < 1e-12);
            }
        }
        // Zero-variance column stays 0; single row; degenerate shapes.
        let mut x = vec![1.0, 7.0, 2.0, 7.0, 3.0, 7.0];
        let (m, s) = standardize(&mut x, 3, 2);
        assert_eq!(m, vec![2.0, 7.0]);
        assert_eq!(s, vec![1.0, 0.0]);
        assert_eq!(x, vec![-1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
        let mut x = vec![0.1; 30];
        let (m, s) = standardize(&mut x, 10, 3);
        assert_eq!((m, s), (vec![0.1; 3], vec![0.0; 3]));
        assert!(x.iter().all(|&v| v == 0.0));
        let mut one = vec![4.0, 5.0];
        let (m, s) = standardize(&mut one, 1, 2);
        assert_eq!(
            (m, s, one),
            (vec![4.0, 5.0], vec![0.0, 0.0], vec![0.0, 0.0])
        );
        let mut empty: Vec<f64> = vec![];
        assert_eq!(standardize(&mut empty, 0, 2), (vec![0.0; 2], vec![0.0; 2]));
        assert_eq!(standardize(&mut empty, 5, 0), (vec![], vec![]));
        let mut short = vec![1.0, 3.0, 5.0];
        let (m, _) = standardize(&mut short, 5, 1);
        assert_eq!(m, vec![3.0]);
    }

    #[test]
    fn silhouette_matches_sklearn_on_sklearn_labels() {
        let mut checked = 0;
        for g in golden() {
            let (x, n, d, _) = variant_data(&g.dataset, &g.variant);
            let (header, rows) = read_csv(&format!("{}_{}_labels.csv", g.dataset, g.variant));
            let col = header
                .iter()
                .position(|h| *h == format!("k{}", g.k))
                .unwrap();
            let labels: Vec<u32> = rows.iter().map(|r| r[col].parse().unwrap()).collect();
            assert_eq!(labels.len(), n);
            let s = silhouette(&x, n, d, &labels, g.k, 0, 0).unwrap();
            assert!(
                (s - g.silhouette).abs() <= 1e-9,
                "{} {} k={}: {s} vs sklearn {}",
                g.dataset,
                g.variant,
                g.k,
                g.silhouette
            );
            checked += 1;
        }
        assert_eq!(checked, 28);
    }

    #[test]
    fn silhouette_small_cases_and_sampling() {
        // Two tight pairs far apart: a = 1, b ~ 100.
        let x = [0.0, 1.0, 100.0, 101.0];
        let s = silhouette(&x, 4, 1, &[0, 0, 1, 1], 2, 0, 0).unwrap();
        let expect = ((99.5 - 1.0) / 99.5 + (100.5 - 1.0) / 100.5) / 2.0;
        assert!((s - expect).abs() < 1e-12);
        // A singleton scores 0; unused label values are ignored.
        let s = silhouette(&[0.0, 1.0, 50.0], 3, 1, &[0, 0, 3], 4, 0, 0).unwrap();
        let expect = ((50.0 - 1.0) / 50.0 + (49.0 - 1.0) / 49.0) / 3.0;
        assert!((s - expect).abs() < 1e-12);
        // Sampling: deterministic, close to the exact value.
        let (x, n, d, y) = dataset("overlap5");
        let exact = silhouette(&x, n, d, &y, 5, 0, 0).unwrap();
        assert_eq!(exact, silhouette(&x, n, d, &y, 5, n, 9).unwrap());
        let a = silhouette(&x, n, d, &y, 5, 500, 3).unwrap();
        let b = silhouette(&x, n, d, &y, 5, 500, 3).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, exact);
        assert!((a - exact).abs() < 0.05, "{a} vs {exact}");
    }

    #[test]
    fn golden_wcss_within_one_percent_of_sklearn() {
        for g in golden() {
            let (x, n, d, _) = variant_data(&g.dataset, &g.variant);
            let m = kmeans(&x, n, d, &opts(g.k)).unwrap();
            let rel = (m.wcss - g.inertia) / g.inertia;
            assert!(
                rel.abs() <= 0.01,
                "{} {} k={}: wcss {} vs sklearn {} ({:+.4}%)",
                g.dataset,
                g.variant,
                g.k,
                m.wcss,
                g.inertia,
                rel * 100.0
            );
        }
    }

    #[test]
    fn true_blobs_recovered_for_k4() {
        for variant in ["raw", "std"] {
            let (x, n, d, y) = variant_data("blobs4", variant);
            let m = kmeans(&x, n, d, &opts(4)).unwrap();
            let a = ari(&m.labels, &y);
            assert!(a >= 0.9, "{variant}: ARI {a}");
            if variant == "std" {
                assert_eq!(a, 1.0);
            }
        }
    }

    #[test]
    fn elbow_picks_four_on_blobs() {
        let (x, n, d, _) = variant_data("blobs4", "std");
        let r = elbow(&x, n, d, 1, 8, &opts(1), 0).unwrap();
        assert_eq!(r.points.len(), 8);
        assert_eq!(r.points[0].k, 1);
        assert!(r.points[0].silhouette.is_nan());
        assert!(r.points[1..].iter().all(|p| p.silhouette.is_finite()));
        assert_eq!(r.best_k_silhouette, 4);
        assert_eq!(r.elbow_k, 4);
        // Same WCSS as a direct fit; sampled silhouette also picks 4.
        let direct = kmeans(&x, n, d, &opts(4)).unwrap();
        assert_eq!(r.points[3].wcss, direct.wcss);
        let r = elbow(&x, n, d, 2, 6, &opts(1), 700).unwrap();
        assert_eq!(r.best_k_silhouette, 4);
        // Degenerate ranges.
        let r = elbow(&x, n, d, 1, 1, &opts(1), 0).unwrap();
        assert_eq!((r.best_k_silhouette, r.elbow_k), (1, 1));
        let r = elbow(&x, n, d, 3, 4, &opts(1), 0).unwrap();
        assert_eq!((r.best_k_silhouette, r.elbow_k), (4, 3));
    }

    #[test]
    fn kneedle_on_a_known_curve() {
        let pts: Vec<ElbowPoint> = [100.0, 40.0, 12.0, 10.0, 9.0, 8.5]
            .iter()
            .enumerate()
            .map(|(i, &w)| ElbowPoint {
                k: i + 2,
                wcss: w,
                silhouette: f64::NAN,
            })
            .collect();
        assert_eq!(kneedle(&pts), Some(4));
        assert_eq!(kneedle(&pts[..2]), None);
    }

    #[test]
    fn prng_is_stable() {
        // Reference values of SplitMix64 for seed 1234567 (Vigna's test vector).
        let mut sm = SplitMix64(1234567);
        assert_eq!(sm.next_u64(), 6457827717110365317);
        assert_eq!(sm.next_u64(), 3203168211198807973);
        let mut r = Rng::new(0);
        for _ in 0..1000 {
            let v = r.next_f64();
            assert!((0.0..1.0).contains(&v));
            assert!(r.below(7) < 7);
        }
        let mut idx = sample_indices(10, 10, &mut Rng::new(5));
        idx.sort();
        assert_eq!(idx, (0..10).collect::<Vec<_>>());
    }
}
