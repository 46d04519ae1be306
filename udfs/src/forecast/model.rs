//! The model options shared by the forecasting table functions, and fitting one series
//! with the chosen method.

use datafusion::common::{exec_err, plan_err, Result};

use super::holt_winters::{self, HwModel, HwSpec};
use super::linear_lags::{self, LagError, LagModel};
use super::season::detect_period;
use crate::table_function::Options;

/// The default forecast horizon (steps).
pub const DEFAULT_HORIZON: usize = 24;
/// The default number of lags of `linear_lags` when the series has no season.
pub const DEFAULT_LAGS: usize = 24;
/// The default prediction interval level.
pub const DEFAULT_LEVEL: f64 = 0.95;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    HoltWinters,
    LinearLags,
}

/// The `season_length` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Season {
    Auto,
    None,
    Fixed(usize),
}

/// Parsed model options.
#[derive(Debug, Clone)]
pub struct ModelOptions {
    pub method: Method,
    pub season: Season,
    pub trend: bool,
    /// Explicit `lags`, else the season length or [`DEFAULT_LAGS`], capped by the data.
    pub lags: Option<usize>,
    /// `on_short => skip`: leave out series too short for the model instead of failing.
    pub skip_short: bool,
}

impl ModelOptions {
    pub fn parse(function: &str, options: &Options) -> Result<Self> {
        let method = match options
            .get("method")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("holt_winters") => Method::HoltWinters,
            Some("linear_lags") => Method::LinearLags,
            Some(other) => {
                return plan_err!(
                    "{function}: unknown method '{other}'; methods are holt_winters, linear_lags"
                )
            }
        };
        let season = match options.get("season_length").map(str::to_ascii_lowercase).as_deref() {
            None | Some("auto") => Season::Auto,
            Some("none") => Season::None,
            Some(text) => match text.parse::<usize>() {
                Ok(m) if m >= 2 => Season::Fixed(m),
                _ => {
                    return plan_err!(
                        "{function}: season_length must be auto, none or an integer of at least 2, got '{text}'"
                    )
                }
            },
        };
        let lags = match options.get("lags") {
            None => None,
            Some(_) => {
                let p = options.usize_or("lags", 0)?;
                if p == 0 {
                    return plan_err!("{function}: lags must be at least 1");
                }
                if method != Method::LinearLags {
                    return plan_err!("{function}: lags applies to method => linear_lags only");
                }
                Some(p)
            }
        };
        let trend = options.bool_or("trend", true)?;
        if options.get("trend").is_some() && method != Method::HoltWinters {
            return plan_err!("{function}: trend applies to method => holt_winters only");
        }
        let skip_short = match options
            .get("on_short")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("error") => false,
            Some("skip") => true,
            Some(other) => {
                return plan_err!("{function}: on_short must be error or skip, got '{other}'")
            }
        };
        Ok(Self {
            method,
            season,
            trend,
            lags,
            skip_short,
        })
    }

    /// The season length of a series: given, none, or detected among periods up to
    /// `max_period`.
    pub fn period(&self, y: &[f64], max_period: usize) -> Option<usize> {
        match self.season {
            Season::Auto => detect_period(y, max_period),
            Season::None => None,
            Season::Fixed(m) => Some(m),
        }
    }

    /// The longest season a series of n points can be fitted with after holding out
    /// `holdout` points (two seasons plus one must remain).
    pub fn max_period(n: usize, holdout: usize) -> usize {
        n.saturating_sub(holdout).saturating_sub(1) / 2
    }

    /// Fits one series. `what` names it in errors ("series 'x'"), `points` says what its
    /// values are ("points", "training points"). `Ok(None)`: too short and skipped.
    pub fn fit(
        &self,
        function: &str,
        what: &str,
        points: &str,
        y: &[f64],
        period: Option<usize>,
    ) -> Result<Option<Fitted>> {
        let n = y.len();
        let short = |needed: usize, model: String| -> Result<Option<Fitted>> {
            if self.skip_short {
                Ok(None)
            } else {
                exec_err!(
                    "{function}: {what} has {n} {points}; {model} needs at least {needed} \
(or pass 'on_short => skip')"
                )
            }
        };
        match self.method {
            Method::HoltWinters => {
                let spec = HwSpec {
                    trend: self.trend,
                    period,
                };
                if n < spec.min_points() {
                    let model = match period {
                        Some(m) => {
                            format!("holt_winters with season_length {m} (two seasons plus one)")
                        }
                        None => "holt_winters without a season".to_string(),
                    };
                    return short(spec.min_points(), model);
                }
                Ok(Some(Fitted::HoltWinters(holt_winters::fit(y, spec))))
            }
            Method::LinearLags => {
                let lags = match self.lags {
                    Some(p) => p,
                    None => period
                        .unwrap_or(DEFAULT_LAGS)
                        .min(linear_lags::max_lags(n))
                        .max(1),
                };
                let model = format!(
                    "linear_lags with {lags} lag{}",
                    if lags == 1 { "" } else { "s" }
                );
                match linear_lags::fit(y, lags) {
                    Ok(fitted) => Ok(Some(Fitted::LinearLags(fitted))),
                    Err(LagError::TooShort { needed, .. }) => short(needed, model),
                    Err(LagError::Singular) => exec_err!(
                        "{function}: {what}: {model} cannot be fitted: the intercept, trend and lagged \
values are collinear (the series follows an exact pattern, e.g. it is constant or a straight \
line); use fewer lags or method => holt_winters"
                    ),
                }
            }
        }
    }
}

/// A fitted model of either method.
#[derive(Debug, Clone)]
pub enum Fitted {
    HoltWinters(HwModel),
    LinearLags(LagModel),
}

impl Fitted {
    pub fn forecast(&self, horizon: usize) -> Vec<f64> {
        match self {
            Self::HoltWinters(m) => m.forecast(horizon),
            Self::LinearLags(m) => m.forecast(horizon),
        }
    }

    pub fn half_widths(&self, horizon: usize, level: f64) -> Vec<f64> {
        match self {
            Self::HoltWinters(m) => m.half_widths(horizon, level),
            Self::LinearLags(m) => m.half_widths(horizon, level),
        }
    }

    /// The method column: `holt_winters(season=24)`, `holt_winters(season=none)`,
    /// `holt_winters(season=12, trend=none)`, `linear_lags(lags=24)`.
    pub fn label(&self) -> String {
        match self {
            Self::HoltWinters(m) => {
                let season = m
                    .spec
                    .period
                    .map_or_else(|| "none".to_string(), |p| p.to_string());
                let trend = if m.spec.trend { "" } else { ", trend=none" };
                format!("holt_winters(season={season}{trend})")
            }
            Self::LinearLags(m) => format!("linear_lags(lags={})", m.lags),
        }
    }
}

/// Parses `horizon` (default [`DEFAULT_HORIZON`], at least 1).
pub fn horizon(function: &str, options: &Options) -> Result<usize> {
    let h = options.usize_or("horizon", DEFAULT_HORIZON)?;
    if h == 0 {
        return plan_err!("{function}: horizon must be at least 1");
    }
    Ok(h)
}

/// Parses `level` (default [`DEFAULT_LEVEL`], strictly between 0 and 1).
pub fn level(function: &str, options: &Options) -> Result<f64> {
    let level = options.f64_or("level", DEFAULT_LEVEL)?;
    if !(level > 0.0 && level < 1.0) {
        return plan_err!("{function}: level must be between 0 and 1 (e.g. 0.95), got {level}");
    }
    Ok(level)
}

/// Parses `holdout`: `None` for the default (one season, else 20% of the points).
pub fn holdout(function: &str, options: &Options) -> Result<Option<usize>> {
    match options.get("holdout") {
        None => Ok(None),
        Some(_) => {
            let h = options.usize_or("holdout", 0)?;
            if h == 0 {
                return plan_err!("{function}: holdout must be at least 1");
            }
            Ok(Some(h))
        }
    }
}

/// The split of a series for evaluation: the season length used and the holdout size.
/// With the default holdout, an automatic season is detected among periods that leave
/// two seasons plus one for training after holding out one season; the holdout is that
/// season, else 20% of the points (at least 1).
pub fn split(options: &ModelOptions, y: &[f64], holdout: Option<usize>) -> (Option<usize>, usize) {
    let n = y.len();
    match holdout {
        Some(h) => (options.period(y, ModelOptions::max_period(n, h)), h),
        None => {
            let period = options.period(y, n.saturating_sub(1) / 3);
            let h = period.unwrap_or_else(|| ((n as f64 * 0.2).round() as usize).max(1));
            (period, h)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::logical_expr::{lit, Expr};

    fn options(text: &str) -> Result<ModelOptions> {
        let args: Vec<Expr> = vec![lit(text)];
        let parsed = Options::parse(
            "forecast",
            &args,
            5,
            &["method", "season_length", "lags", "trend", "on_short"],
        )?;
        ModelOptions::parse("forecast", &parsed)
    }

    #[test]
    fn parses_and_validates_options() {
        let o = options("").unwrap();
        assert_eq!(
            (o.method, o.season, o.trend, o.lags, o.skip_short),
            (Method::HoltWinters, Season::Auto, true, None, false)
        );
        let o = options("method => linear_lags, lags => 3, season_length => 7, on_short => skip")
            .unwrap();
        assert_eq!(
            (o.method, o.season, o.lags, o.skip_short),
            (Method::LinearLags, Season::Fixed(7), Some(3), true)
        );
        assert_eq!(
            options("season_length => none").unwrap().season,
            Season::None
        );
        for (bad, message) in [
            ("method => arima", "unknown method 'arima'"),
            (
                "season_length => 1",
                "season_length must be auto, none or an integer",
            ),
            (
                "lags => 0, method => linear_lags",
                "lags must be at least 1",
            ),
            ("lags => 4", "lags applies to method => linear_lags only"),
            (
                "method => linear_lags, trend => false",
                "trend applies to method => holt_winters only",
            ),
            ("on_short => drop", "on_short must be error or skip"),
        ] {
            let err = options(bad).unwrap_err().to_string();
            assert!(err.contains(message), "{bad}: {err}");
        }
    }

    #[test]
    fn too_short_series_error_or_skip() {
        let y: Vec<f64> = (0..10).map(|t| (t % 4) as f64 + t as f64).collect();
        let o = options("season_length => 5").unwrap();
        let err = o
            .fit("forecast", "series 'x'", "points", &y, Some(5))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("series 'x' has 10 points; holt_winters with season_length 5 (two seasons plus one) needs at least 11"),
            "{err}"
        );
        let o = options("season_length => 5, on_short => skip").unwrap();
        assert!(o
            .fit("forecast", "series 'x'", "points", &y, Some(5))
            .unwrap()
            .is_none());
        let o = options("method => linear_lags, lags => 4").unwrap();
        let err = o
            .fit("forecast", "series 'x'", "points", &y, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("linear_lags with 4 lags needs at least 11"),
            "{err}"
        );
        // Default lags are capped by the data: 10 points allow 3.
        let o = options("method => linear_lags").unwrap();
        let fitted = o
            .fit("forecast", "series 'x'", "points", &y, None)
            .unwrap()
            .unwrap();
        assert_eq!(fitted.label(), "linear_lags(lags=3)");
    }

    #[test]
    fn labels_and_default_split() {
        let y: Vec<f64> = (0..40)
            .map(|t| ((t % 4) * 3) as f64 + 0.1 * t as f64)
            .collect();
        let o = options("season_length => 4, trend => false").unwrap();
        let fitted = o.fit("f", "s", "points", &y, Some(4)).unwrap().unwrap();
        assert_eq!(fitted.label(), "holt_winters(season=4, trend=none)");
        assert_eq!(split(&o, &y, None), (Some(4), 4));
        let o = options("season_length => none").unwrap();
        assert_eq!(split(&o, &y, None), (None, 8));
        assert_eq!(split(&o, &y, Some(3)), (None, 3));
        let fitted = o.fit("f", "s", "points", &y, None).unwrap().unwrap();
        assert_eq!(fitted.label(), "holt_winters(season=none)");
    }
}
