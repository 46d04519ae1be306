//! Season length detection from the autocorrelation function.
//!
//! The rule ([`detect_period`]), on a series of n points:
//! 1. remove the least-squares line (a trend would otherwise dominate the ACF) and
//!    compute the autocorrelations r(k) for lags k = 1 ..= L, L = min(n / 2, 1000);
//! 2. a candidate period is a lag k >= 2 (and at most the caller's maximum) where r has
//!    a local maximum (r(k) > r(k-1), r(k) >= r(k+1)) that is *significant*: r(k) above
//!    the white-noise bound 1.96 / √n, and rising above the lowest r since the previous
//!    local maximum by at least 2 z / √n, z the normal quantile for 5% Bonferroni-split
//!    over the L - 1 lags (the prominence test is what rejects the slow wiggles of
//!    random walks and autoregressive noise);
//! 3. the strongest candidate (largest r) wins, unless a smaller candidate d fits
//!    q >= 2 times into it (within q - 1 lags): then the smallest such d wins, so a daily
//!    pattern modulated weekly gives 24, not 168;
//! 4. the winner d is refined to d - 1, d or d + 1, whichever has the largest mean
//!    autocorrelation over its multiples (r(k) scaled by n / (n - k) to undo the
//!    estimator's shrinkage), since a single broad ACF peak can sit one lag off.
//!
//! No candidate: no seasonality. The ACF costs O(n L).

use super::numeric::normal_quantile;

/// The largest lag examined.
pub const MAX_LAG: usize = 1000;

/// The autocorrelations r(0..=max_lag) of `y` after removing its least-squares line;
/// `None` for a series that is exactly a line.
fn detrended_acf(y: &[f64], max_lag: usize) -> Option<Vec<f64>> {
    let n = y.len();
    let nf = n as f64;
    let tm = (nf - 1.0) / 2.0;
    let ym = y.iter().sum::<f64>() / nf;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (t, &v) in y.iter().enumerate() {
        let dt = t as f64 - tm;
        sxy += dt * (v - ym);
        sxx += dt * dt;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let e: Vec<f64> = y
        .iter()
        .enumerate()
        .map(|(t, &v)| v - ym - slope * (t as f64 - tm))
        .collect();
    let c0: f64 = e.iter().map(|v| v * v).sum();
    let scale = e.iter().map(|v| v.abs()).fold(0.0, f64::max);
    if c0 <= 1e-24 * scale * scale * nf || !c0.is_finite() {
        return None;
    }
    Some(
        (0..=max_lag.min(n - 1))
            .map(|k| {
                e[..n - k]
                    .iter()
                    .zip(&e[k..])
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
                    / c0
            })
            .collect(),
    )
}

/// The season length of `y` by the rule in the module documentation, at most
/// `max_period`; `None` when there is no significant seasonality.
pub fn detect_period(y: &[f64], max_period: usize) -> Option<usize> {
    let n = y.len();
    let lags = (n / 2).min(MAX_LAG);
    let k_max = lags.min(max_period);
    if k_max < 2 {
        return None;
    }
    let r = detrended_acf(y, lags)?;
    let nf = n as f64;
    let z = normal_quantile(1.0 - 0.05 / (2.0 * (lags - 1).max(1) as f64));
    let level = 1.96 / nf.sqrt();
    let prominence = 2.0 * z / nf.sqrt();

    let mut peaks: Vec<(usize, f64)> = Vec::new();
    let mut trough = r[1];
    for k in 2..=k_max {
        trough = trough.min(r[k]);
        let right = r.get(k + 1).copied().unwrap_or(f64::NEG_INFINITY);
        if r[k] > r[k - 1] && r[k] >= right {
            if r[k] > level && r[k] - trough > prominence {
                peaks.push((k, r[k]));
            }
            trough = r[k];
        }
    }
    let &(strongest, _) = peaks
        .iter()
        .fold(None, |best: Option<&(usize, f64)>, p| match best {
            Some(b) if b.1 >= p.1 => Some(b),
            _ => Some(p),
        })?;
    let fundamental = peaks
        .iter()
        .map(|&(k, _)| k)
        .find(|&k| {
            let q = (strongest as f64 / k as f64).round() as usize;
            k < strongest && q >= 2 && strongest.abs_diff(q * k) < q
        })
        .unwrap_or(strongest);

    let harmonics = (lags / (fundamental + 1)).max(1);
    let comb = |m: usize| -> f64 {
        let mut sum = 0.0;
        let mut count = 0;
        let mut k = m;
        while k <= lags && count < harmonics {
            sum += r[k] * nf / (nf - k as f64);
            count += 1;
            k += m;
        }
        sum / count.max(1) as f64
    };
    let mut best = (fundamental, comb(fundamental));
    for m in [fundamental.saturating_sub(1), fundamental + 1] {
        if (2..=k_max).contains(&m) {
            let c = comb(m);
            if c > best.1 || (c == best.1 && m < best.0) {
                best = (m, c);
            }
        }
    }
    Some(best.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// Deterministic standard normal noise (Box-Muller over an LCG).
    struct Noise(u64);
    impl Noise {
        fn uniform(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }
        fn normal(&mut self) -> f64 {
            let (u, v) = (self.uniform(), self.uniform());
            (-2.0 * u.ln()).sqrt() * (2.0 * PI * v).cos()
        }
    }

    #[test]
    fn finds_daily_and_monthly_seasons() {
        let mut noise = Noise(1);
        let hourly: Vec<f64> = (0..24 * 14)
            .map(|t| {
                10.0 + 0.05 * t as f64 + 3.0 * (2.0 * PI * t as f64 / 24.0).sin() + noise.normal()
            })
            .collect();
        assert_eq!(detect_period(&hourly, usize::MAX), Some(24));
        let monthly: Vec<f64> = (0..48)
            .map(|t| 100.0 + t as f64 + 8.0 * (2.0 * PI * t as f64 / 12.0).cos() + noise.normal())
            .collect();
        assert_eq!(detect_period(&monthly, usize::MAX), Some(12));
        // The cap on the period is honoured.
        assert_eq!(detect_period(&monthly, 11), None);
    }

    #[test]
    fn prefers_the_daily_season_under_a_weekly_one() {
        let mut noise = Noise(2);
        let y: Vec<f64> = (0..24 * 21)
            .map(|t| {
                let t = t as f64;
                3.0 * (2.0 * PI * t / 24.0).sin()
                    + 3.0 * (2.0 * PI * t / 168.0).sin()
                    + noise.normal()
            })
            .collect();
        assert_eq!(detect_period(&y, usize::MAX), Some(24));
    }

    #[test]
    fn business_hours_pattern() {
        let mut noise = Noise(3);
        let y: Vec<f64> = (0..24 * 21)
            .map(|t| if (8..18).contains(&(t % 24)) { 3.0 } else { 0.0 } + noise.normal())
            .collect();
        assert_eq!(detect_period(&y, usize::MAX), Some(24));
    }

    #[test]
    fn no_season_in_noise_lines_and_short_series() {
        let mut noise = Noise(4);
        let white: Vec<f64> = (0..400).map(|t| 0.01 * t as f64 + noise.normal()).collect();
        assert_eq!(detect_period(&white, usize::MAX), None);
        let line: Vec<f64> = (0..100).map(|t| 3.0 * t as f64).collect();
        assert_eq!(detect_period(&line, usize::MAX), None);
        assert_eq!(detect_period(&[1.0, 2.0, 1.0], usize::MAX), None);
        assert_eq!(detect_period(&[5.0; 50], usize::MAX), None);
    }

    #[test]
    fn few_false_seasons_in_random_walks() {
        let mut noise = Noise(5);
        let mut found = 0;
        for i in 0..40 {
            let n = 100 + 10 * i;
            let mut level = 0.0;
            let y: Vec<f64> = (0..n)
                .map(|_| {
                    level += 0.3 + noise.normal();
                    level
                })
                .collect();
            found += usize::from(detect_period(&y, usize::MAX).is_some());
        }
        assert!(found <= 8, "{found} of 40 random walks looked seasonal");
    }
}
