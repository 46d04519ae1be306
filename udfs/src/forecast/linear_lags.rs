//! Lag-feature linear model: ordinary least squares of `y_t` on an intercept, a linear
//! time trend and the lags `y_{t-1} .. y_{t-p}`, fitted on t = p .. n-1 (as statsmodels'
//! `AutoReg(y, lags=p, trend='ct')`, whose trend is t + 1 for the 0-based position t),
//! forecast recursively (each forecast feeds the next step's lags).
//!
//! Intervals: ± z·s·√h around the h-step forecast, s the residual standard error
//! `sqrt(RSS / (n - p - (p + 2)))`. This is an approximation (exact only for a random
//! walk); it ignores parameter uncertainty and the model's own error propagation.

use super::numeric::{lstsq, normal_quantile, LstsqError};

/// A fitted model.
#[derive(Debug, Clone, PartialEq)]
pub struct LagModel {
    pub lags: usize,
    /// Intercept, trend, then the lag coefficients 1..=p (statsmodels' order).
    pub params: Vec<f64>,
    pub rss: f64,
    /// Residual standard error.
    pub sigma: f64,
    /// The last p observations (oldest first) and the number of observations.
    tail: Vec<f64>,
    n: usize,
}

/// The fewest points `lags` lags can be fitted to: the n - p regression rows must
/// outnumber the p + 2 coefficients by one (a residual degree of freedom).
pub fn min_points(lags: usize) -> usize {
    2 * lags + 3
}

/// The most lags a series of n points supports (0 when n < 5).
pub fn max_lags(n: usize) -> usize {
    n.saturating_sub(3) / 2
}

/// Why a fit failed.
#[derive(Debug, Clone, PartialEq)]
pub enum LagError {
    TooShort {
        points: usize,
        needed: usize,
    },
    /// The regressors are collinear (e.g. a constant or exactly linear series).
    Singular,
}

/// Fits the model with `lags >= 1` lags.
pub fn fit(y: &[f64], lags: usize) -> Result<LagModel, LagError> {
    let n = y.len();
    let p = lags;
    if lags == 0 || n < min_points(p) {
        return Err(LagError::TooShort {
            points: n,
            needed: min_points(p.max(1)),
        });
    }
    let columns = p + 2;
    let rows = n - p;
    let mut x = Vec::with_capacity(rows * columns);
    for t in p..n {
        x.push(1.0);
        x.push((t + 1) as f64);
        for j in 1..=p {
            x.push(y[t - j]);
        }
    }
    let (params, rss) = lstsq(&x, &y[p..], columns).map_err(|e| match e {
        LstsqError::Underdetermined { .. } => LagError::TooShort {
            points: n,
            needed: min_points(p),
        },
        LstsqError::Singular { .. } => LagError::Singular,
    })?;
    let dof = (rows - columns).max(1);
    Ok(LagModel {
        lags: p,
        params,
        rss,
        sigma: (rss / dof as f64).sqrt(),
        tail: y[n - p..].to_vec(),
        n,
    })
}

impl LagModel {
    /// Recursive point forecasts for steps 1..=horizon.
    pub fn forecast(&self, horizon: usize) -> Vec<f64> {
        let p = self.lags;
        let mut history = self.tail.clone();
        let mut out = Vec::with_capacity(horizon);
        for h in 1..=horizon {
            let t = self.n + h - 1;
            let mut v = self.params[0] + self.params[1] * (t + 1) as f64;
            for j in 1..=p {
                v += self.params[1 + j] * history[history.len() - j];
            }
            history.push(v);
            out.push(v);
        }
        out
    }

    /// Interval half-widths `z s √h` for steps 1..=horizon.
    pub fn half_widths(&self, horizon: usize, level: f64) -> Vec<f64> {
        let z = normal_quantile(0.5 + level / 2.0);
        (1..=horizon)
            .map(|h| z * self.sigma * (h as f64).sqrt())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_an_exact_autoregression_with_trend() {
        // y_t = 2 + 0.1 (t + 1) + 0.5 y_{t-1} - 0.2 y_{t-2} + small wiggle.
        let mut y = vec![1.0, 3.0];
        for t in 2..60 {
            let wiggle = if t % 3 == 0 { 0.01 } else { -0.005 };
            y.push(2.0 + 0.1 * (t + 1) as f64 + 0.5 * y[t - 1] - 0.2 * y[t - 2] + wiggle);
        }
        let model = fit(&y, 2).unwrap();
        assert_eq!(model.params.len(), 4);
        assert!((model.params[2] - 0.5).abs() < 0.05 && (model.params[3] + 0.2).abs() < 0.05);
        // Forecasts follow the fitted recursion.
        let fc = model.forecast(3);
        let n = y.len();
        let p = &model.params;
        let f1 = p[0] + p[1] * (n + 1) as f64 + p[2] * y[n - 1] + p[3] * y[n - 2];
        let f2 = p[0] + p[1] * (n + 2) as f64 + p[2] * f1 + p[3] * y[n - 1];
        assert!((fc[0] - f1).abs() < 1e-12 && (fc[1] - f2).abs() < 1e-12);
        let hw = model.half_widths(4, 0.95);
        assert!((hw[3] / hw[0] - 2.0).abs() < 1e-12);
    }

    #[test]
    fn short_and_singular_series() {
        assert_eq!(
            fit(&[1.0, 2.0, 3.0, 4.0], 1),
            Err(LagError::TooShort {
                points: 4,
                needed: 5
            })
        );
        assert_eq!(max_lags(4), 0);
        assert_eq!(max_lags(5), 1);
        assert_eq!(max_lags(27), 12);
        // A straight line: y_{t-1} is collinear with the intercept and trend.
        let line: Vec<f64> = (0..20).map(|t| 2.0 * t as f64).collect();
        assert_eq!(fit(&line, 1), Err(LagError::Singular));
    }
}
