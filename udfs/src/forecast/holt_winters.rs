//! Holt-Winters exponential smoothing with additive trend and additive seasonality,
//! fitted as statsmodels' `ExponentialSmoothing(y, trend='add', seasonal='add',
//! seasonal_periods=m).fit()` does by default (and the variants without trend or
//! without season).
//!
//! Recursions (one-step prediction `ŷ_t = l_{t-1} + b_{t-1} + s_{t-m}`, error
//! `e_t = y_t - ŷ_t`):
//! `l_t = l_{t-1} + b_{t-1} + α e_t`, `b_t = b_{t-1} + β (l_t - l_{t-1} - b_{t-1})`,
//! `s_t = s_{t-m} + γ e_t`; the h-step forecast is `l_n + h b_n + s_{n+h-m(k+1)}`,
//! k = (h-1) div m (statsmodels 0.14/0.15 use the seasonal of one cycle earlier at
//! h = m, 2m, ...: its issue #9538, fixed after 0.15).
//!
//! Fitting minimises the sum of squared one-step errors over the smoothing parameters
//! and the initial states, with statsmodels' constraints `0 < α < 1`, `0 <= β <= α`,
//! `0 <= γ <= 1 - α`:
//! 1. initial states from statsmodels' heuristic (Hyndman et al. 2008, §2.6: a 2×m
//!    centred moving average over the first cycles; its 'simple' rule on short series),
//! 2. the same brute-force grid over (α, β, γ) as statsmodels, with those initial states,
//! 3. from the best grid point, a Nelder-Mead search over (α, β, γ) in which the initial
//!    states are not searched but solved exactly: the one-step errors are affine in the
//!    initial states, so for given smoothing parameters the best initial states are a
//!    linear least-squares problem. statsmodels searches all of them with L-BFGS-B
//!    instead; both reach the same optimum from the same grid point in the usual case.
//!
//! One direction is not identifiable (adding c to every initial seasonal and removing it
//! from the level changes nothing), so the solved initial seasonals sum to zero.

use super::numeric::{nelder_mead, normal_quantile, solve_psd};

/// statsmodels' lower bound for α (`sqrt(machine epsilon)`).
const ALPHA_EPS: f64 = 1.490_116_119_384_765_6e-8;

/// Which components the model has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HwSpec {
    pub trend: bool,
    /// The season length, `None` for no seasonality.
    pub period: Option<usize>,
}

impl HwSpec {
    fn m(&self) -> usize {
        self.period.unwrap_or(0)
    }

    /// The fewest points the model can be fitted to: two full seasons plus one with a
    /// season, 3 otherwise.
    pub fn min_points(&self) -> usize {
        match self.period {
            Some(m) => 2 * m + 1,
            None => 3,
        }
    }

    /// statsmodels' parameter count `k` (smoothing parameters plus initial states).
    pub fn num_params(&self) -> usize {
        self.m() + 2 * usize::from(self.trend) + 2
    }
}

/// Smoothing parameters and initial states.
#[derive(Debug, Clone, PartialEq)]
pub struct HwParams {
    pub alpha: f64,
    pub beta: f64,
    pub gamma: f64,
    pub level0: f64,
    pub trend0: f64,
    /// The m initial seasonals, for times `1-m ..= 0` (empty without a season).
    pub seasonal0: Vec<f64>,
}

/// A fitted model.
#[derive(Debug, Clone, PartialEq)]
pub struct HwModel {
    pub spec: HwSpec,
    pub params: HwParams,
    /// Sum of squared one-step errors.
    pub sse: f64,
    pub n: usize,
    /// Final level and trend.
    pub level: f64,
    pub slope: f64,
    /// The last m seasonals, indexed by `t mod m` (0-based time).
    pub seasonals: Vec<f64>,
}

/// Runs the recursions; returns the SSE and the final state.
fn smooth(y: &[f64], spec: HwSpec, p: &HwParams) -> (f64, f64, f64, Vec<f64>) {
    let m = spec.m();
    let (mut l, mut b) = (p.level0, if spec.trend { p.trend0 } else { 0.0 });
    let mut s = p.seasonal0.clone();
    let mut sse = 0.0;
    for (t, &yt) in y.iter().enumerate() {
        let st = if m > 0 { s[t % m] } else { 0.0 };
        let e = yt - (l + b + st);
        sse += e * e;
        let l_new = l + b + p.alpha * e;
        if spec.trend {
            b += p.beta * (l_new - l - b);
        }
        if m > 0 {
            s[t % m] = st + p.gamma * e;
        }
        l = l_new;
    }
    (sse, l, b, s)
}

/// Grid points evaluated together: their recursions are independent, so running them
/// side by side (and in SIMD lanes) hides the latency of each one's dependency chain.
const LANES: usize = 8;

/// The SSE of each of up to [`LANES`] (α, β, γ) points with the initial states of `x0`,
/// written to `out`. Without a trend β is 0 and the trend stays 0; without a season one
/// seasonal slot stays 0 (γ is 0), so a single branch-free loop serves every model.
fn sse_lanes(y: &[f64], x0: &HwParams, points: &[(f64, f64, f64)], out: &mut [f64]) {
    let m = x0.seasonal0.len().max(1);
    let mut alpha = [0.0; LANES];
    let mut beta = [0.0; LANES];
    let mut gamma = [0.0; LANES];
    for (i, &(a, b, g)) in points.iter().take(LANES).enumerate() {
        (alpha[i], beta[i], gamma[i]) = (a, b, g);
    }
    let mut l = [x0.level0; LANES];
    let mut b = [x0.trend0; LANES];
    let mut s = vec![[0.0; LANES]; m];
    for (slot, &v) in s.iter_mut().zip(&x0.seasonal0) {
        *slot = [v; LANES];
    }
    let mut sse = [0.0; LANES];
    let mut phase = 0;
    for &yt in y {
        let st = &mut s[phase];
        for i in 0..LANES {
            let e = yt - (l[i] + b[i] + st[i]);
            sse[i] += e * e;
            let l_new = l[i] + b[i] + alpha[i] * e;
            b[i] += beta[i] * (l_new - l[i] - b[i]);
            st[i] += gamma[i] * e;
            l[i] = l_new;
        }
        phase += 1;
        if phase == m {
            phase = 0;
        }
    }
    for (o, v) in out.iter_mut().zip(sse) {
        *o = v;
    }
}

/// Ordinary least-squares line through `v[0..10]` against x = 1..=10 (statsmodels'
/// `pinv([1, x]) @ v`): (intercept, slope).
fn line_first_ten(v: &[f64]) -> (f64, f64) {
    let n = v.len().min(10);
    let nf = n as f64;
    let xm = (nf + 1.0) / 2.0;
    let ym = v[..n].iter().sum::<f64>() / nf;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, &vi) in v[..n].iter().enumerate() {
        let dx = (i + 1) as f64 - xm;
        sxy += dx * (vi - ym);
        sxx += dx * dx;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (ym - slope * xm, slope)
}

/// statsmodels' initial states for `initialization_method='estimated'`: the heuristic
/// when `n >= 10 + 2 (m / 2)`, the simple rule otherwise. Needs `n >= 2m` (seasonal) or
/// `n >= 2`.
pub fn initial_states(y: &[f64], spec: HwSpec) -> HwParams {
    let n = y.len();
    let m = spec.m();
    let min_obs = 10 + 2 * (m / 2);
    let mut p = HwParams {
        alpha: 0.0,
        beta: 0.0,
        gamma: 0.0,
        level0: 0.0,
        trend0: 0.0,
        seasonal0: Vec::new(),
    };
    if n < min_obs {
        // Hyndman & Athanasopoulos §7.6.
        if m == 0 {
            p.level0 = y[0];
            p.trend0 = if spec.trend && n > 1 {
                y[1] - y[0]
            } else {
                0.0
            };
        } else {
            p.level0 = y[..m].iter().sum::<f64>() / m as f64;
            if spec.trend {
                p.trend0 = (0..m).map(|i| (y[m + i] - y[i]) / m as f64).sum::<f64>() / m as f64;
            }
            p.seasonal0 = y[..m].iter().map(|v| v - p.level0).collect();
        }
        return p;
    }
    if m == 0 {
        let (level, slope) = line_first_ten(y);
        p.level0 = level;
        p.trend0 = if spec.trend { slope } else { 0.0 };
        return p;
    }
    // Hyndman et al. (2008) §2.6: 2×m (or m) centred moving average over the first
    // k cycles, detrended cycles averaged per phase, level and trend from a line through
    // the first ten moving-average values.
    let k_cycles = (n / m).min(5).max(min_obs.div_ceil(m));
    let len = (m * k_cycles).min(n);
    let x = &y[..len];
    let mut trend = vec![f64::NAN; len];
    let half = m / 2;
    if m.is_multiple_of(2) {
        for (i, slot) in trend
            .iter_mut()
            .enumerate()
            .take(len.saturating_sub(half))
            .skip(half)
        {
            let inner: f64 = x[i + 1 - half..i + half].iter().sum();
            *slot = (0.5 * x[i - half] + inner + 0.5 * x[i + half]) / m as f64;
        }
    } else {
        for (i, slot) in trend
            .iter_mut()
            .enumerate()
            .take(len.saturating_sub(half))
            .skip(half)
        {
            *slot = x[i - half..=i + half].iter().sum::<f64>() / m as f64;
        }
    }
    let mut sums = vec![0.0; m];
    let mut counts = vec![0usize; m];
    for (i, (&xi, &ti)) in x.iter().zip(&trend).enumerate() {
        if !ti.is_nan() {
            sums[i % m] += xi - ti;
            counts[i % m] += 1;
        }
    }
    let mut seasonal: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &c)| if c > 0 { s / c as f64 } else { 0.0 })
        .collect();
    let mean = seasonal.iter().sum::<f64>() / m as f64;
    for s in &mut seasonal {
        *s -= mean;
    }
    let smoothed: Vec<f64> = trend.into_iter().filter(|v| !v.is_nan()).collect();
    let (level, slope) = line_first_ten(&smoothed);
    p.level0 = level;
    p.trend0 = if spec.trend { slope } else { 0.0 };
    p.seasonal0 = seasonal;
    p
}

/// `np.linspace(a, b, n)`.
fn linspace(a: f64, b: f64, n: usize) -> impl Iterator<Item = f64> {
    let step = if n > 1 { (b - a) / (n - 1) as f64 } else { 0.0 };
    (0..n).map(move |i| {
        if i + 1 == n && n > 1 {
            b
        } else {
            a + step * i as f64
        }
    })
}

/// statsmodels' `_setup_brute` grid, in its order: (α, β, γ) points.
fn brute_grid(spec: HwSpec) -> Vec<(f64, f64, f64)> {
    let seasonal = spec.period.is_some();
    let free = 1 + usize::from(spec.trend) + usize::from(seasonal);
    let ns = 87 / free;
    let mut points = Vec::new();
    for a in linspace(0.005, 0.995, ns) {
        let nb = (ns as f64 * a.sqrt()).ceil() as usize;
        let ng = (ns as f64 * (1.0 - a).sqrt()).ceil() as usize;
        match (spec.trend, seasonal) {
            (true, true) => {
                for g in linspace(0.0, 1.0 - a, ng) {
                    for b in linspace(0.0, a, nb) {
                        points.push((a, b, g));
                    }
                }
            }
            (true, false) => points.extend(linspace(0.0, a, nb).map(|b| (a, b, 0.0))),
            (false, true) => points.extend(linspace(0.0, 1.0 - a, ng).map(|g| (a, 0.0, g))),
            (false, false) => points.push((a, 0.0, 0.0)),
        }
    }
    points
}

/// Maps the optimiser's unit box to the constrained smoothing parameters (statsmodels'
/// `to_restricted`): `α = ε + u0 (1 - 2ε)`, `β = u1 α`, `γ = u2 (1 - α)`.
fn restricted(u: &[f64], spec: HwSpec) -> (f64, f64, f64) {
    let alpha = ALPHA_EPS + u[0] * (1.0 - 2.0 * ALPHA_EPS);
    let mut i = 1;
    let beta = if spec.trend {
        i += 1;
        u[1] * alpha
    } else {
        0.0
    };
    let gamma = if spec.period.is_some() {
        u[i] * (1.0 - alpha)
    } else {
        0.0
    };
    (alpha, beta, gamma)
}

fn unrestricted(alpha: f64, beta: f64, gamma: f64, spec: HwSpec) -> Vec<f64> {
    let mut u = vec![((alpha - ALPHA_EPS) / (1.0 - 2.0 * ALPHA_EPS)).clamp(0.0, 1.0)];
    if spec.trend {
        u.push(if alpha > 0.0 {
            (beta / alpha).clamp(0.0, 1.0)
        } else {
            0.0
        });
    }
    if spec.period.is_some() {
        u.push(if alpha < 1.0 {
            (gamma / (1.0 - alpha)).clamp(0.0, 1.0)
        } else {
            0.0
        });
    }
    u
}

/// Workspace for [`concentrated`]: the states as affine functions of the corrections
/// to the base initial states (k coefficients plus a constant, per state).
struct Concentrated<'a> {
    y: &'a [f64],
    spec: HwSpec,
    base: &'a HwParams,
    k: usize,
    level: Vec<f64>,
    slope: Vec<f64>,
    seasons: Vec<Vec<f64>>,
    pred: Vec<f64>,
    gram: Vec<f64>,
    rhs: Vec<f64>,
}

impl<'a> Concentrated<'a> {
    fn new(y: &'a [f64], spec: HwSpec, base: &'a HwParams) -> Self {
        let m = spec.m();
        // Free corrections: level, trend, and m - 1 seasonals (the last one is minus
        // their sum, which removes the unidentifiable level/season direction).
        let k = 1 + usize::from(spec.trend) + m.saturating_sub(1);
        Self {
            y,
            spec,
            base,
            k,
            level: vec![0.0; k + 1],
            slope: vec![0.0; k + 1],
            seasons: vec![vec![0.0; k + 1]; m],
            pred: vec![0.0; k + 1],
            gram: vec![0.0; k * k],
            rhs: vec![0.0; k],
        }
    }

    /// The best initial-state corrections for the smoothing parameters, and the SSE.
    fn solve(&mut self, alpha: f64, beta: f64, gamma: f64) -> (Vec<f64>, f64) {
        let (k, m, trend) = (self.k, self.spec.m(), self.spec.trend);
        let (beta, gamma) = (
            if trend { beta } else { 0.0 },
            if m > 0 { gamma } else { 0.0 },
        );
        let c = k; // index of the constant term
        for v in [&mut self.level, &mut self.slope] {
            v.iter_mut().for_each(|x| *x = 0.0);
        }
        self.level[0] = 1.0;
        self.level[c] = self.base.level0;
        if trend {
            self.slope[1] = 1.0;
            self.slope[c] = self.base.trend0;
        }
        let first_season = 1 + usize::from(trend);
        for (j, s) in self.seasons.iter_mut().enumerate() {
            s.iter_mut().for_each(|x| *x = 0.0);
            if j + 1 < m {
                s[first_season + j] = 1.0;
            } else {
                s[first_season..k].iter_mut().for_each(|x| *x = -1.0);
            }
            s[c] = self.base.seasonal0[j];
        }
        self.gram.iter_mut().for_each(|x| *x = 0.0);
        self.rhs.iter_mut().for_each(|x| *x = 0.0);
        let mut rr = 0.0;
        let mut phase = 0;
        // Without a season a single all-zero slot stands in (γ is 0), so the loop has no
        // branches; without a trend the slope stays 0 (β is 0).
        let mut zero_season = vec![vec![0.0; k + 1]];
        let seasons = if m > 0 {
            &mut self.seasons
        } else {
            &mut zero_season
        };
        let slots = seasons.len();
        let (level, slope, pred, gram, rhs) = (
            &mut self.level,
            &mut self.slope,
            &mut self.pred,
            &mut self.gram,
            &mut self.rhs,
        );
        for &yt in self.y {
            let season = &mut seasons[phase];
            // The prediction as an affine function of the corrections.
            for (((p, l), b), s) in pred
                .iter_mut()
                .zip(level.iter())
                .zip(slope.iter())
                .zip(season.iter())
            {
                *p = l + b + s;
            }
            // Residual r = (y - pred_c) - pred_x · x: accumulate the normal equations.
            let target = yt - pred[c];
            rr += target * target;
            for i in 0..k {
                let pi = pred[i];
                rhs[i] += pi * target;
                for (g, pj) in gram[i * k + i..(i + 1) * k].iter_mut().zip(&pred[i..k]) {
                    *g += pi * pj;
                }
            }
            // The error e = y - pred is -pred with constant target; update the states.
            pred[c] = -target;
            for (((l, b), s), p) in level
                .iter_mut()
                .zip(slope.iter_mut())
                .zip(season.iter_mut())
                .zip(pred.iter())
            {
                let e = -p;
                let l_new = *l + *b + alpha * e;
                *b += beta * (l_new - *l - *b);
                *s += gamma * e;
                *l = l_new;
            }
            phase += 1;
            if phase == slots {
                phase = 0;
            }
        }
        let x = solve_psd(&self.gram, &self.rhs, k);
        let explained: f64 = x.iter().zip(&self.rhs).map(|(a, b)| a * b).sum();
        (x, (rr - explained).max(0.0))
    }

    /// The initial states for corrections `x`.
    fn states(&self, x: &[f64], alpha: f64, beta: f64, gamma: f64) -> HwParams {
        let m = self.spec.m();
        let first_season = 1 + usize::from(self.spec.trend);
        let corrections = &x[first_season..];
        let last = -corrections.iter().sum::<f64>();
        HwParams {
            alpha,
            beta,
            gamma,
            level0: self.base.level0 + x[0],
            trend0: if self.spec.trend {
                self.base.trend0 + x[1]
            } else {
                0.0
            },
            seasonal0: (0..m)
                .map(|j| self.base.seasonal0[j] + if j + 1 < m { corrections[j] } else { last })
                .collect(),
        }
    }
}

/// Fits the model (see the module documentation). `y` must have at least
/// [`HwSpec::min_points`] finite values.
pub fn fit(y: &[f64], spec: HwSpec) -> HwModel {
    let base = initial_states(y, spec);
    // 2. statsmodels' grid with the heuristic initial states.
    let mut best = (f64::INFINITY, 0.5, 0.0, 0.0);
    let mut values = [0.0; LANES];
    for chunk in brute_grid(spec).chunks(LANES) {
        sse_lanes(y, &base, chunk, &mut values);
        // In grid order, the first strictly smaller value wins (as statsmodels).
        for (&(a, b, g), &v) in chunk.iter().zip(&values) {
            if v < best.0 {
                best = (v, a, b, g);
            }
        }
    }
    // 3. Nelder-Mead over the smoothing parameters with concentrated initial states.
    let mut work = Concentrated::new(y, spec, &base);
    let start = unrestricted(best.1, best.2, best.3, spec);
    let minimum = nelder_mead(
        |u| {
            let (a, b, g) = restricted(u, spec);
            work.solve(a, b, g).1
        },
        &start,
        1500,
    );
    let (alpha, beta, gamma) = restricted(&minimum.x, spec);
    let (x, _) = work.solve(alpha, beta, gamma);
    let params = work.states(&x, alpha, beta, gamma);
    let (sse, level, slope, seasonals) = smooth(y, spec, &params);
    HwModel {
        spec,
        params,
        sse,
        n: y.len(),
        level,
        slope,
        seasonals,
    }
}

impl HwModel {
    /// Point forecasts for steps 1..=horizon.
    pub fn forecast(&self, horizon: usize) -> Vec<f64> {
        let m = self.spec.m();
        (1..=horizon)
            .map(|h| {
                let season = if m > 0 {
                    self.seasonals[(self.n + h - 1) % m]
                } else {
                    0.0
                };
                self.level + h as f64 * self.slope + season
            })
            .collect()
    }

    /// The residual variance `SSE / (n - k)` (k: [`HwSpec::num_params`]; at least 1
    /// degree of freedom).
    pub fn sigma2(&self) -> f64 {
        let dof = self.n.saturating_sub(self.spec.num_params()).max(1);
        self.sse / dof as f64
    }

    /// Half-widths of the prediction intervals at `level` for steps 1..=horizon.
    pub fn half_widths(&self, horizon: usize, level: f64) -> Vec<f64> {
        let z = normal_quantile(0.5 + level / 2.0);
        relative_variances(&self.params, self.spec, horizon)
            .into_iter()
            .map(|v| z * (self.sigma2() * v).sqrt())
            .collect()
    }
}

/// The ETS(A,A,A) forecast variance relative to σ² (Hyndman et al. 2008, class 1):
/// `1 + Σ_{j=1}^{h-1} c_j²` with `c_j = α + αβ j + γ [j mod m = 0]` (αβ is the ETS
/// trend parameter when β is Holt's).
pub fn relative_variances(p: &HwParams, spec: HwSpec, horizon: usize) -> Vec<f64> {
    let m = spec.m();
    let mut out = Vec::with_capacity(horizon);
    let mut acc = 1.0;
    for h in 1..=horizon {
        out.push(acc);
        let j = h as f64;
        let mut c = p.alpha;
        if spec.trend {
            c += p.alpha * p.beta * j;
        }
        if m > 0 && h % m == 0 {
            c += p.gamma;
        }
        acc += c * c;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seasonal_series(n: usize, m: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..n)
            .map(|t| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                50.0 + 0.1 * t as f64
                    + 5.0 * (2.0 * std::f64::consts::PI * t as f64 / m as f64).sin()
                    + u
            })
            .collect()
    }

    #[test]
    fn grid_matches_statsmodels_sizes() {
        // ns = 29 alphas; Σ ceil(29 sqrt(a)) * ceil(29 sqrt(1 - a)) points.
        let full = brute_grid(HwSpec {
            trend: true,
            period: Some(4),
        });
        assert_eq!(full.first(), Some(&(0.005, 0.0, 0.0)));
        assert!(full
            .iter()
            .all(|&(a, b, g)| b <= a + 1e-15 && g <= 1.0 - a + 1e-15));
        assert_eq!(
            brute_grid(HwSpec {
                trend: false,
                period: None
            })
            .len(),
            87
        );
        let holt = brute_grid(HwSpec {
            trend: true,
            period: None,
        });
        let expected: usize = linspace(0.005, 0.995, 43)
            .map(|a| (43.0 * a.sqrt()).ceil() as usize)
            .sum();
        assert_eq!(holt.len(), expected);
    }

    #[test]
    fn heuristic_initialisation_of_a_pure_pattern() {
        // Exact linear trend plus a zero-mean pattern: the heuristic recovers both.
        let pattern = [3.0, -1.0, -4.0, 2.0];
        let y: Vec<f64> = (0..40)
            .map(|t| 10.0 + 0.5 * t as f64 + pattern[t % 4])
            .collect();
        let p = initial_states(
            &y,
            HwSpec {
                trend: true,
                period: Some(4),
            },
        );
        assert!((p.trend0 - 0.5).abs() < 1e-12, "{p:?}");
        // The first moving-average value (index 2, 11.0) is the line at x = 1, so the
        // intercept at x = 0 is 10.5 (statsmodels' convention, kept as is).
        assert!((p.level0 - 10.5).abs() < 1e-12, "{p:?}");
        for (j, s) in p.seasonal0.iter().enumerate() {
            assert!((s - pattern[j]).abs() < 1e-12, "{p:?}");
        }
    }

    #[test]
    fn simple_initialisation_for_short_series() {
        let y = [1.0, 2.0, 4.0, 3.0, 2.0, 4.0, 6.0, 5.0, 4.0];
        let p = initial_states(
            &y,
            HwSpec {
                trend: true,
                period: Some(4),
            },
        );
        assert_eq!(p.level0, 2.5);
        assert_eq!(p.trend0, 0.4375);
        assert_eq!(p.seasonal0, vec![-1.5, -0.5, 1.5, 0.5]);
        let p = initial_states(
            &y,
            HwSpec {
                trend: true,
                period: None,
            },
        );
        assert_eq!((p.level0, p.trend0), (1.0, 1.0));
    }

    #[test]
    fn concentrated_states_beat_any_perturbation() {
        let spec = HwSpec {
            trend: true,
            period: Some(6),
        };
        let y = seasonal_series(60, 6, 3);
        let base = initial_states(&y, spec);
        let mut work = Concentrated::new(&y, spec, &base);
        let (x, sse) = work.solve(0.3, 0.05, 0.2);
        let p = work.states(&x, 0.3, 0.05, 0.2);
        let (direct, ..) = smooth(&y, spec, &p);
        assert!(
            (direct - sse).abs() < 1e-8 * direct.max(1.0),
            "{direct} {sse}"
        );
        for i in 0..3 {
            let mut q = p.clone();
            match i {
                0 => q.level0 += 0.01,
                1 => q.trend0 -= 0.001,
                _ => q.seasonal0[2] += 0.01,
            }
            assert!(smooth(&y, spec, &q).0 > direct);
        }
        // Seasonals sum to the base sum (the heuristic's is 0).
        assert!(p.seasonal0.iter().sum::<f64>().abs() < 1e-9);
    }

    #[test]
    fn fit_recovers_a_deterministic_seasonal_series() {
        let spec = HwSpec {
            trend: true,
            period: Some(12),
        };
        let y: Vec<f64> = (0..60)
            .map(|t| {
                100.0 + 2.0 * t as f64 + 10.0 * (2.0 * std::f64::consts::PI * t as f64 / 12.0).cos()
            })
            .collect();
        let model = fit(&y, spec);
        assert!(model.sse < 1e-12, "{model:?}");
        let fc = model.forecast(13);
        for (h, f) in fc.iter().enumerate() {
            let t = (60 + h) as f64;
            let expected = 100.0 + 2.0 * t + 10.0 * (2.0 * std::f64::consts::PI * t / 12.0).cos();
            assert!((f - expected).abs() < 1e-6, "{h}: {f} vs {expected}");
        }
    }

    #[test]
    fn fit_without_trend_or_season() {
        let y = seasonal_series(80, 8, 11);
        for spec in [
            HwSpec {
                trend: false,
                period: Some(8),
            },
            HwSpec {
                trend: false,
                period: None,
            },
            HwSpec {
                trend: true,
                period: None,
            },
        ] {
            let model = fit(&y, spec);
            assert!(model.sse.is_finite() && model.params.alpha > 0.0 && model.params.alpha < 1.0);
            assert!(model.params.beta <= model.params.alpha);
            assert!(model.params.gamma <= 1.0 - model.params.alpha + 1e-12);
            if !spec.trend {
                assert_eq!(model.params.beta, 0.0);
                assert_eq!(model.slope, 0.0);
            }
            // The grid's lanes agree with the plain recursion, and the optimum is at
            // least as good as the best grid point.
            let base = initial_states(&y, spec);
            let mut grid_best = f64::INFINITY;
            let mut values = [0.0; LANES];
            for chunk in brute_grid(spec).chunks(LANES) {
                sse_lanes(&y, &base, chunk, &mut values);
                for (&(alpha, beta, gamma), &v) in chunk.iter().zip(&values) {
                    let p = HwParams {
                        alpha,
                        beta,
                        gamma,
                        ..base.clone()
                    };
                    let direct = smooth(&y, spec, &p).0;
                    assert!((v - direct).abs() <= 1e-9 * direct.max(1.0), "{spec:?}");
                    grid_best = grid_best.min(v);
                }
            }
            assert!(model.sse <= grid_best + 1e-9, "{spec:?}");
        }
    }

    #[test]
    fn relative_variance_formula() {
        let p = HwParams {
            alpha: 0.5,
            beta: 0.2,
            gamma: 0.3,
            level0: 0.0,
            trend0: 0.0,
            seasonal0: vec![0.0; 2],
        };
        let v = relative_variances(
            &p,
            HwSpec {
                trend: true,
                period: Some(2),
            },
            4,
        );
        // c1 = 0.5 + 0.1 = 0.6; c2 = 0.5 + 0.2 + 0.3 = 1.0; c3 = 0.5 + 0.3 = 0.8.
        let expected = [1.0, 1.36, 2.36, 3.0];
        for (a, b) in v.iter().zip(expected) {
            assert!((a - b).abs() < 1e-12, "{v:?}");
        }
    }
}
