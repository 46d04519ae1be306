//! Latent Dirichlet Allocation by batch variational Bayes (Hoffman, Blei & Bach 2010,
//! "Online Learning for Latent Dirichlet Allocation", with every document in every
//! update), following scikit-learn's `LatentDirichletAllocation(learning_method='batch')`
//! step by step:
//!
//! - topic-word variational parameters `lambda` (k x V) start from Gamma(100, 1/100);
//! - E-step, per document: gamma starts from Gamma(100, 1/100), then
//!   `gamma = alpha + exp(E[log theta]) * sum_w n_w exp(E[log beta_w]) / phi_norm_w` until
//!   the mean absolute change of gamma is below 1e-3 (at most 100 iterations);
//! - M-step: `lambda = eta + exp(E[log beta]) * sufficient statistics`.
//!
//! Spark's default optimizer ("online") fits the same model by stochastic updates on
//! mini-batches; the batch algorithm is deterministic and converges better on small
//! corpora. Random numbers come from SplitMix64 seeded by the user's seed (each
//! document's initial gamma from its own stream), and documents are processed in a fixed
//! number of contiguous partitions whose statistics are added in order: results depend
//! on the seed only, not on the number of cores.

use datafusion::common::Result;

use crate::table_function::parallel_map;

/// Convergence tolerance of a document's gamma (scikit-learn's `mean_change_tol`).
const MEAN_CHANGE_TOL: f64 = 1e-3;
/// Maximum E-step iterations per document (scikit-learn's `max_doc_update_iter`).
const MAX_DOC_ITER: usize = 100;
/// Added to phi's normaliser to avoid dividing by zero (numpy's float64 eps).
const EPS: f64 = f64::EPSILON;
/// Shape of the Gamma initialisation (scale is its inverse), as scikit-learn and Spark.
const GAMMA_SHAPE: f64 = 100.0;
/// Most partitions of the documents (each has its own k x V statistics).
const MAX_PARTITIONS: usize = 8;
/// Documents per partition below which fewer partitions are used.
const MIN_PARTITION_DOCS: usize = 256;
/// Cap on the f64 entries of all partitions' statistics together.
const MAX_STATS_ENTRIES: usize = 32 * 1024 * 1024;

/// Sparse documents: document d's terms are `terms[offsets[d]..offsets[d + 1]]`.
#[derive(Debug, Clone, Copy)]
pub struct Documents<'a> {
    pub offsets: &'a [usize],
    pub terms: &'a [u32],
    pub counts: &'a [u32],
}

impl Documents<'_> {
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The model's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LdaParams {
    pub k: usize,
    pub max_iter: usize,
    pub seed: u64,
    /// Symmetric Dirichlet prior of documents over topics (alpha).
    pub doc_concentration: f64,
    /// Symmetric Dirichlet prior of topics over terms (eta).
    pub topic_concentration: f64,
}

/// A fitted model: `lambda`, k rows of V term weights (row-major).
#[derive(Debug, Clone)]
pub struct LdaModel {
    pub k: usize,
    pub vocab_len: usize,
    pub lambda: Vec<f64>,
}

impl LdaModel {
    /// Topic `t`'s distribution over the vocabulary (lambda's row normalised to sum 1),
    /// as Spark's `describeTopics`.
    pub fn topic_distribution(&self, topic: usize) -> Vec<f64> {
        let row = &self.lambda[topic * self.vocab_len..(topic + 1) * self.vocab_len];
        let sum: f64 = row.iter().sum();
        row.iter().map(|w| w / sum).collect()
    }

    /// exp(E[log beta]) transposed: V rows of k values (one document's terms are then
    /// contiguous rows).
    fn exp_elog_beta_by_term(&self) -> Vec<f64> {
        let (k, v) = (self.k, self.vocab_len);
        let mut out = vec![0.0; k * v];
        for t in 0..k {
            let row = &self.lambda[t * v..(t + 1) * v];
            let psi_sum = digamma(row.iter().sum());
            for (w, &l) in row.iter().enumerate() {
                out[w * k + t] = (digamma(l) - psi_sum).exp();
            }
        }
        out
    }
}

/// Fits the model on `docs` over a vocabulary of `vocab_len` terms.
pub fn fit(docs: Documents, vocab_len: usize, params: &LdaParams) -> Result<LdaModel> {
    let k = params.k;
    let mut rng = SplitMix64::new(params.seed);
    let lambda = (0..k * vocab_len)
        .map(|_| rng.gamma(GAMMA_SHAPE) / GAMMA_SHAPE)
        .collect();
    let mut model = LdaModel {
        k,
        vocab_len,
        lambda,
    };
    for iteration in 0..params.max_iter {
        let exp_elog_beta = model.exp_elog_beta_by_term();
        let init = GammaInit::Random {
            seed: params.seed,
            iteration: iteration as u64,
        };
        let (_, stats) = e_step(docs, &exp_elog_beta, k, params, init, true)?;
        // stats is V x k; lambda is k x V.
        for w in 0..vocab_len {
            for t in 0..k {
                model.lambda[t * vocab_len + w] =
                    params.topic_concentration + stats[w * k + t] * exp_elog_beta[w * k + t];
            }
        }
    }
    Ok(model)
}

/// Each document's distribution over topics (its normalised gamma, n rows of k), with
/// gamma started from ones as scikit-learn's `transform`.
pub fn transform(model: &LdaModel, docs: Documents, params: &LdaParams) -> Result<Vec<f64>> {
    let exp_elog_beta = model.exp_elog_beta_by_term();
    let (mut gamma, _) = e_step(
        docs,
        &exp_elog_beta,
        model.k,
        params,
        GammaInit::Ones,
        false,
    )?;
    for row in gamma.chunks_mut(model.k) {
        let sum: f64 = row.iter().sum();
        row.iter_mut().for_each(|g| *g /= sum);
    }
    Ok(gamma)
}

#[derive(Debug, Clone, Copy)]
enum GammaInit {
    Ones,
    Random { seed: u64, iteration: u64 },
}

/// One partition's gammas and statistics.
type Partition = (Vec<f64>, Vec<f64>);

/// The E-step over all documents: their gammas (n x k) and, if `with_stats`, the
/// sufficient statistics (V x k, before the product with exp(E[log beta])).
fn e_step(
    docs: Documents,
    exp_elog_beta: &[f64],
    k: usize,
    params: &LdaParams,
    init: GammaInit,
    with_stats: bool,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let n = docs.len();
    let vocab_len = exp_elog_beta.len() / k.max(1);
    let stats_len = if with_stats { vocab_len * k } else { 0 };
    let partitions = (n / MIN_PARTITION_DOCS)
        .clamp(1, MAX_PARTITIONS)
        .min((MAX_STATS_ENTRIES / stats_len.max(1)).max(1));
    let bounds: Vec<usize> = (0..=partitions).map(|p| p * n / partitions).collect();
    let run = |p: usize| -> Partition {
        let mut gamma = vec![0.0; (bounds[p + 1] - bounds[p]) * k];
        let mut stats = vec![0.0; stats_len];
        let mut work = DocWork::new(k);
        for (row, doc) in (bounds[p]..bounds[p + 1]).enumerate() {
            let range = docs.offsets[doc]..docs.offsets[doc + 1];
            let (terms, counts) = (&docs.terms[range.clone()], &docs.counts[range]);
            let out = &mut gamma[row * k..(row + 1) * k];
            match init {
                GammaInit::Ones => out.fill(1.0),
                GammaInit::Random { seed, iteration } => {
                    let mut rng = SplitMix64::new(
                        seed ^ mix(iteration.wrapping_add(1)) ^ mix(doc as u64 ^ 0x9e37),
                    );
                    out.iter_mut()
                        .for_each(|g| *g = rng.gamma(GAMMA_SHAPE) / GAMMA_SHAPE);
                }
            }
            work.infer(terms, counts, exp_elog_beta, params.doc_concentration, out);
            if with_stats {
                work.add_stats(terms, counts, exp_elog_beta, &mut stats);
            }
        }
        (gamma, stats)
    };

    let results = parallel_map("LDA", partitions, run)?;
    // Partitions in order, so the sums do not depend on the threads' timing.
    let mut gamma = Vec::with_capacity(n * k);
    let mut stats = vec![0.0; stats_len];
    for (g, s) in results {
        gamma.extend(g);
        stats.iter_mut().zip(s).for_each(|(a, b)| *a += b);
    }
    Ok((gamma, stats))
}

/// Scratch space of one document's inference.
struct DocWork {
    k: usize,
    exp_elog_theta: Vec<f64>,
    last: Vec<f64>,
    norm_phi: Vec<f64>,
}

impl DocWork {
    fn new(k: usize) -> Self {
        Self {
            k,
            exp_elog_theta: vec![0.0; k],
            last: vec![0.0; k],
            norm_phi: Vec::new(),
        }
    }

    /// Iterates the document's gamma (given its initial value) to convergence.
    fn infer(
        &mut self,
        terms: &[u32],
        counts: &[u32],
        exp_elog_beta: &[f64],
        alpha: f64,
        gamma: &mut [f64],
    ) {
        let k = self.k;
        dirichlet_expectation_exp(gamma, &mut self.exp_elog_theta);
        for _ in 0..MAX_DOC_ITER {
            self.last.copy_from_slice(gamma);
            self.normalisers(terms, exp_elog_beta);
            gamma.fill(0.0);
            for ((&w, &c), &norm) in terms.iter().zip(counts).zip(&self.norm_phi) {
                let beta_w = &exp_elog_beta[w as usize * k..(w as usize + 1) * k];
                let weight = f64::from(c) / norm;
                gamma
                    .iter_mut()
                    .zip(beta_w)
                    .for_each(|(g, &b)| *g += weight * b);
            }
            for (g, &e) in gamma.iter_mut().zip(&self.exp_elog_theta) {
                *g = *g * e + alpha;
            }
            dirichlet_expectation_exp(gamma, &mut self.exp_elog_theta);
            let change = gamma
                .iter()
                .zip(&self.last)
                .map(|(a, b)| (a - b).abs())
                .sum::<f64>()
                / k as f64;
            if change < MEAN_CHANGE_TOL {
                break;
            }
        }
    }

    /// phi's normaliser per term: sum_t exp(E[log theta_t]) exp(E[log beta_tw]) + eps.
    fn normalisers(&mut self, terms: &[u32], exp_elog_beta: &[f64]) {
        let k = self.k;
        self.norm_phi.clear();
        self.norm_phi.extend(terms.iter().map(|&w| {
            let beta_w = &exp_elog_beta[w as usize * k..(w as usize + 1) * k];
            beta_w
                .iter()
                .zip(&self.exp_elog_theta)
                .map(|(b, e)| b * e)
                .sum::<f64>()
                + EPS
        }));
    }

    /// Adds the converged document's statistics: stats[w][t] += exp(E[log theta_t]) n_w / norm_w.
    fn add_stats(
        &mut self,
        terms: &[u32],
        counts: &[u32],
        exp_elog_beta: &[f64],
        stats: &mut [f64],
    ) {
        let k = self.k;
        self.normalisers(terms, exp_elog_beta);
        for ((&w, &c), &norm) in terms.iter().zip(counts).zip(&self.norm_phi) {
            let weight = f64::from(c) / norm;
            stats[w as usize * k..(w as usize + 1) * k]
                .iter_mut()
                .zip(&self.exp_elog_theta)
                .for_each(|(s, &e)| *s += e * weight);
        }
    }
}

/// exp(E[log theta]) of a Dirichlet(gamma): exp(digamma(gamma_t) - digamma(sum gamma)).
fn dirichlet_expectation_exp(gamma: &[f64], out: &mut [f64]) {
    let psi_sum = digamma(gamma.iter().sum());
    for (o, &g) in out.iter_mut().zip(gamma) {
        *o = (digamma(g) - psi_sum).exp();
    }
}

/// The digamma function psi(x) for x > 0: the recurrence psi(x) = psi(x + 1) - 1/x up to
/// x >= 10, then the asymptotic series (truncation error below 1e-16 there).
pub fn digamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return x;
    }
    let mut x = x;
    let mut result = 0.0;
    while x < 10.0 {
        result -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // B2n / (2n) for n = 1..7: 1/12, -1/120, 1/252, -1/240, 1/132, -691/32760, 1/12
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2
                        * (1.0 / 252.0
                            - inv2
                                * (1.0 / 240.0
                                    - inv2
                                        * (1.0 / 132.0
                                            - inv2 * (691.0 / 32760.0 - inv2 / 12.0))))));
    result + x.ln() - 0.5 * inv - series
}

/// SplitMix64's output function, to derive independent seeds.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// SplitMix64 (Steele, Lea & Flood 2014): small, fast, and good enough for starting
/// values.
struct SplitMix64 {
    state: u64,
    spare_normal: Option<f64>,
}

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        Self {
            state: seed,
            spare_normal: None,
        }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.state)
    }

    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller, both values used).
    fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        let (u1, u2) = (self.uniform(), self.uniform());
        let radius = (-2.0 * u1.ln()).sqrt();
        let angle = std::f64::consts::TAU * u2;
        self.spare_normal = Some(radius * angle.sin());
        radius * angle.cos()
    }

    /// Gamma(shape, 1) for shape >= 1 (Marsaglia & Tsang 2000).
    fn gamma(&mut self, shape: f64) -> f64 {
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.uniform();
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn digamma_known_values() {
        // Values from scipy.special.digamma.
        let cases = [
            (1.0, -0.5772156649015329),
            (0.5, -1.9635100260214235),
            (2.0, 0.42278433509846713),
            (10.0, 2.251752589066721),
            (0.01, -100.56088545786868),
            (0.1, -10.423754940411076),
            (3.7, 1.1671535393615113),
            (1000.0, 6.907255195648812),
            (1e-6, -1000000.57721402),
        ];
        for (x, want) in cases {
            let got = digamma(x);
            assert!(
                ((got - want) / want.abs().max(1.0)).abs() < 1e-13,
                "digamma({x}) = {got}, want {want}"
            );
        }
        assert!(digamma(0.0).is_nan());
        assert!(digamma(-1.0).is_nan());
    }

    #[test]
    fn gamma_sampler_moments() {
        let mut rng = SplitMix64::new(42);
        let n = 200_000;
        let samples: Vec<f64> = (0..n).map(|_| rng.gamma(100.0) / 100.0).collect();
        let mean = samples.iter().sum::<f64>() / n as f64;
        let var = samples.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n as f64;
        // Gamma(100, 1/100): mean 1, variance 0.01
        assert!((mean - 1.0).abs() < 1e-3, "{mean}");
        assert!((var - 0.01).abs() < 5e-4, "{var}");
    }

    #[test]
    fn separates_two_topics_deterministically() {
        // Documents are either all terms 0..3 or all terms 3..6.
        let mut offsets = vec![0];
        let mut terms = Vec::new();
        let mut counts = Vec::new();
        for d in 0..40u32 {
            let base = if d % 2 == 0 { 0 } else { 3 };
            for w in base..base + 3 {
                terms.push(w);
                counts.push(1 + (d + w) % 3);
            }
            offsets.push(terms.len());
        }
        let docs = Documents {
            offsets: &offsets,
            terms: &terms,
            counts: &counts,
        };
        let params = LdaParams {
            k: 2,
            max_iter: 20,
            seed: 7,
            doc_concentration: 0.5,
            topic_concentration: 0.5,
        };
        let model = fit(docs, 6, &params).unwrap();
        let again = fit(docs, 6, &params).unwrap();
        assert_eq!(model.lambda, again.lambda);
        let topics: Vec<Vec<f64>> = (0..2).map(|t| model.topic_distribution(t)).collect();
        for topic in &topics {
            assert!((topic.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            let low: f64 = topic[..3].iter().sum();
            assert!(!(0.05..=0.95).contains(&low), "{topic:?}");
        }
        let theta = transform(&model, docs, &params).unwrap();
        for (d, row) in theta.chunks(2).enumerate() {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            let other = theta[((d + 1) % 40) * 2..((d + 1) % 40) * 2 + 2].to_vec();
            // consecutive documents belong to different topics
            assert!((row[0] > 0.5) != (other[0] > 0.5), "{row:?} {other:?}");
        }
    }

    #[test]
    fn empty_documents_get_uniform_topics() {
        let offsets = [0, 0, 2];
        let terms = [0, 1];
        let counts = [1, 1];
        let docs = Documents {
            offsets: &offsets,
            terms: &terms,
            counts: &counts,
        };
        let params = LdaParams {
            k: 2,
            max_iter: 2,
            seed: 1,
            doc_concentration: 0.5,
            topic_concentration: 0.5,
        };
        let model = fit(docs, 2, &params).unwrap();
        let theta = transform(&model, docs, &params).unwrap();
        assert!((theta[0] - 0.5).abs() < 1e-12 && (theta[1] - 0.5).abs() < 1e-12);
    }
}
