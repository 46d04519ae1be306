//! Small numeric kernels for the forecasting models: a bounded Nelder-Mead minimiser,
//! least squares by Householder QR, a symmetric positive semi-definite solver and the
//! standard normal quantile. Dependency-free on purpose (each is a few dozen lines).

/// Outcome of [`nelder_mead`].
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    pub evaluations: usize,
}

/// Minimises `f` over the unit box `[0, 1]^d` with the Nelder-Mead simplex method
/// (reflection 1, expansion 2, contraction 1/2, shrink 1/2), starting from `start`.
/// Points leaving the box are projected back onto it, which keeps the method simple and
/// lets it settle on a bound (smoothing parameters often end on 0 or 1). It stops when
/// the simplex has collapsed (values within `1e-10` relative and vertices within `1e-8`)
/// or after `max_evaluations`, and then restarts once from the best vertex with a fresh
/// simplex, the usual guard against a simplex that collapsed early.
pub fn nelder_mead<F: FnMut(&[f64]) -> f64>(
    mut f: F,
    start: &[f64],
    max_evaluations: usize,
) -> Minimum {
    let clamp = |x: &mut Vec<f64>| {
        for v in x.iter_mut() {
            *v = if v.is_nan() { 0.5 } else { v.clamp(0.0, 1.0) };
        }
    };
    let mut x = start.to_vec();
    clamp(&mut x);
    let mut evaluations = 0;
    let mut value = f64::INFINITY;
    for _round in 0..2 {
        let budget = max_evaluations.saturating_sub(evaluations);
        if budget == 0 {
            break;
        }
        let (bx, bv, used) = nelder_mead_round(&mut f, &x, budget, &clamp);
        evaluations += used;
        if bv <= value {
            x = bx;
            value = bv;
        }
    }
    Minimum {
        x,
        value,
        evaluations,
    }
}

fn nelder_mead_round<F: FnMut(&[f64]) -> f64>(
    f: &mut F,
    start: &[f64],
    budget: usize,
    clamp: &dyn Fn(&mut Vec<f64>),
) -> (Vec<f64>, f64, usize) {
    let d = start.len();
    let mut evaluations = 0;
    let mut eval = |x: &[f64], evaluations: &mut usize| {
        *evaluations += 1;
        let v = f(x);
        if v.is_nan() {
            f64::INFINITY
        } else {
            v
        }
    };
    // Initial simplex: steps of 0.05 along each axis, towards the inside of the box.
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(d + 1);
    let v0 = eval(start, &mut evaluations);
    simplex.push((start.to_vec(), v0));
    for i in 0..d {
        let mut p = start.to_vec();
        p[i] += if p[i] + 0.05 <= 1.0 { 0.05 } else { -0.05 };
        let v = eval(&p, &mut evaluations);
        simplex.push((p, v));
    }
    while evaluations < budget {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (simplex[0].1, simplex[d].1);
        let spread = simplex
            .iter()
            .skip(1)
            .flat_map(|(p, _)| p.iter().zip(&simplex[0].0).map(|(a, b)| (a - b).abs()))
            .fold(0.0_f64, f64::max);
        if (worst - best).abs() <= 1e-10 * best.abs() + 1e-300 && spread <= 1e-8 {
            break;
        }
        // Centroid of all but the worst vertex.
        let mut centroid = vec![0.0; d];
        for (p, _) in &simplex[..d] {
            for (c, v) in centroid.iter_mut().zip(p) {
                *c += v / d as f64;
            }
        }
        let along = |t: f64| -> Vec<f64> {
            let mut p: Vec<f64> = centroid
                .iter()
                .zip(&simplex[d].0)
                .map(|(c, w)| c + t * (c - w))
                .collect();
            clamp(&mut p);
            p
        };
        let reflected = along(1.0);
        let fr = eval(&reflected, &mut evaluations);
        if fr < best {
            let expanded = along(2.0);
            let fe = eval(&expanded, &mut evaluations);
            simplex[d] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < simplex[d - 1].1 {
            simplex[d] = (reflected, fr);
        } else {
            let (contracted, fc) = if fr < worst {
                let p = along(0.5);
                let v = eval(&p, &mut evaluations);
                (p, v)
            } else {
                let p = along(-0.5);
                let v = eval(&p, &mut evaluations);
                (p, v)
            };
            if fc < fr.min(worst) {
                simplex[d] = (contracted, fc);
            } else {
                // Shrink towards the best vertex.
                let first = simplex[0].0.clone();
                for vertex in simplex.iter_mut().skip(1) {
                    let mut p: Vec<f64> = first
                        .iter()
                        .zip(&vertex.0)
                        .map(|(b, v)| b + 0.5 * (v - b))
                        .collect();
                    clamp(&mut p);
                    let v = eval(&p, &mut evaluations);
                    *vertex = (p, v);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (x, v) = simplex.swap_remove(0);
    (x, v, evaluations)
}

/// Why a least-squares problem has no unique solution.
#[derive(Debug, Clone, PartialEq)]
pub enum LstsqError {
    /// Fewer rows than columns.
    Underdetermined { rows: usize, columns: usize },
    /// Column `column` is (numerically) a linear combination of the others.
    Singular { column: usize },
}

/// Least squares `min ||X b - y||` by Householder QR, `x` row-major with `columns`
/// columns. Returns the coefficients and the residual sum of squares. A column whose
/// remaining norm is below `1e-10` of its original norm is reported as singular (the
/// regressors are collinear) rather than solved with a meaningless huge coefficient.
pub fn lstsq(x: &[f64], y: &[f64], columns: usize) -> Result<(Vec<f64>, f64), LstsqError> {
    let rows = y.len();
    if rows < columns || x.len() != rows * columns {
        return Err(LstsqError::Underdetermined { rows, columns });
    }
    // Column-major copy: the reflections work down columns.
    let mut a: Vec<Vec<f64>> = (0..columns)
        .map(|j| (0..rows).map(|i| x[i * columns + j]).collect())
        .collect();
    let norms: Vec<f64> = a
        .iter()
        .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
        .collect();
    let mut b = y.to_vec();
    let mut r_diag = vec![0.0; columns];
    for k in 0..columns {
        let (head, tail) = a.split_at_mut(k + 1);
        let col = &mut head[k];
        let norm = col[k..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm <= 1e-10 * norms[k].max(f64::MIN_POSITIVE) || norm == 0.0 {
            return Err(LstsqError::Singular { column: k });
        }
        let alpha = if col[k] > 0.0 { -norm } else { norm };
        // v = col[k..] - alpha e1, stored in place; H = I - 2 v v^T / (v^T v).
        col[k] -= alpha;
        let vtv: f64 = col[k..].iter().map(|v| v * v).sum();
        for other in tail.iter_mut() {
            let dot: f64 = col[k..].iter().zip(&other[k..]).map(|(v, o)| v * o).sum();
            let s = 2.0 * dot / vtv;
            for (o, v) in other[k..].iter_mut().zip(&col[k..]) {
                *o -= s * v;
            }
        }
        let dot: f64 = col[k..].iter().zip(&b[k..]).map(|(v, o)| v * o).sum();
        let s = 2.0 * dot / vtv;
        for (o, v) in b[k..].iter_mut().zip(&col[k..]) {
            *o -= s * v;
        }
        r_diag[k] = alpha;
    }
    // Back substitution with R (diagonal in r_diag, above it in a[j][i], i < j).
    let mut coef = vec![0.0; columns];
    for i in (0..columns).rev() {
        let mut s = b[i];
        for j in i + 1..columns {
            s -= a[j][i] * coef[j];
        }
        coef[i] = s / r_diag[i];
    }
    let rss = b[columns..].iter().map(|v| v * v).sum();
    Ok((coef, rss))
}

/// Solves `G x = h` for a symmetric positive semi-definite `G` (row-major `k x k`, only
/// the upper triangle is read) by Cholesky on the unit-diagonal scaled matrix. A pivot
/// that vanishes (relative `1e-11`) marks a direction the data cannot determine; its
/// coefficient is set to 0, which still gives a least-squares minimiser when the
/// dependence is exact (e.g. the level/seasonal trade-off of Holt-Winters).
pub fn solve_psd(g: &[f64], h: &[f64], k: usize) -> Vec<f64> {
    let scale: Vec<f64> = (0..k)
        .map(|i| {
            let d = g[i * k + i];
            if d > 0.0 {
                1.0 / d.sqrt()
            } else {
                0.0
            }
        })
        .collect();
    // Lower-triangular factor L of the scaled matrix, row-major.
    let mut l = vec![0.0; k * k];
    let mut dropped = vec![false; k];
    for j in 0..k {
        let mut d: f64 = if scale[j] > 0.0 { 1.0 } else { 0.0 };
        for p in 0..j {
            d -= l[j * k + p] * l[j * k + p];
        }
        if d <= 1e-11 || scale[j] == 0.0 {
            dropped[j] = true;
            continue;
        }
        let root = d.sqrt();
        l[j * k + j] = root;
        for i in j + 1..k {
            let (lo, hi) = if i < j { (i, j) } else { (j, i) };
            let mut s = g[lo * k + hi] * scale[i] * scale[j];
            for p in 0..j {
                s -= l[i * k + p] * l[j * k + p];
            }
            l[i * k + j] = s / root;
        }
    }
    // Forward then backward substitution on the scaled system.
    let mut z = vec![0.0; k];
    for i in 0..k {
        if dropped[i] {
            continue;
        }
        let mut s = h[i] * scale[i];
        for p in 0..i {
            s -= l[i * k + p] * z[p];
        }
        z[i] = s / l[i * k + i];
    }
    let mut x = vec![0.0; k];
    for i in (0..k).rev() {
        if dropped[i] {
            continue;
        }
        let mut s = z[i];
        for p in i + 1..k {
            s -= l[p * k + i] * x[p];
        }
        x[i] = s / l[i * k + i];
    }
    for (xi, s) in x.iter_mut().zip(&scale) {
        *xi *= s;
    }
    x
}

/// The standard normal quantile (Acklam's rational approximation, relative error below
/// 1.2e-9) for `0 < p < 1`; NaN outside.
pub fn normal_quantile(p: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    const LOW: f64 = 0.02425;
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nelder_mead_finds_interior_and_boundary_minima() {
        let m = nelder_mead(
            |x| (x[0] - 0.3).powi(2) + 2.0 * (x[1] - 0.7).powi(2) + (x[0] * x[1] - 0.21).powi(2),
            &[0.9, 0.1],
            2000,
        );
        assert!(
            (m.x[0] - 0.3).abs() < 1e-4 && (m.x[1] - 0.7).abs() < 1e-4,
            "{m:?}"
        );
        // Unconstrained minimum at (-1, 2): the box minimum is at (0, 1).
        let m = nelder_mead(
            |x| (x[0] + 1.0).powi(2) + (x[1] - 2.0).powi(2),
            &[0.5, 0.5],
            2000,
        );
        assert!(m.x[0].abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6, "{m:?}");
        // Rosenbrock on the box (minimum at (1, 1), on the boundary of the box).
        let m = nelder_mead(
            |x| 100.0 * (x[1] - x[0] * x[0]).powi(2) + (1.0 - x[0]).powi(2),
            &[0.1, 0.8],
            5000,
        );
        assert!(m.value < 1e-8, "{m:?}");
    }

    #[test]
    fn nelder_mead_respects_the_budget() {
        let mut calls = 0;
        let m = nelder_mead(
            |x| {
                calls += 1;
                (x[0] - 0.5).powi(2)
            },
            &[0.0],
            7,
        );
        assert!(
            m.evaluations <= 8 && calls == m.evaluations,
            "{m:?} {calls}"
        );
    }

    #[test]
    fn lstsq_recovers_coefficients() {
        // y = 1 + 2 a - 3 b exactly, then with a residual.
        let rows: Vec<[f64; 3]> = (0..8)
            .map(|i| [1.0, i as f64, ((i * i) % 5) as f64])
            .collect();
        let x: Vec<f64> = rows.iter().flatten().copied().collect();
        let y: Vec<f64> = rows.iter().map(|r| 1.0 + 2.0 * r[1] - 3.0 * r[2]).collect();
        let (b, rss) = lstsq(&x, &y, 3).unwrap();
        assert!(
            (b[0] - 1.0).abs() < 1e-12 && (b[1] - 2.0).abs() < 1e-12 && (b[2] + 3.0).abs() < 1e-12
        );
        assert!(rss < 1e-20);
        let mut y2 = y.clone();
        y2[3] += 1.0;
        let (_, rss) = lstsq(&x, &y2, 3).unwrap();
        assert!(rss > 0.1 && rss < 1.0, "{rss}");
    }

    #[test]
    fn lstsq_reports_collinear_and_short_systems() {
        let x = vec![1.0, 2.0, 2.0, 4.0, 3.0, 6.0];
        assert_eq!(
            lstsq(&x, &[1.0, 2.0, 3.0], 2),
            Err(LstsqError::Singular { column: 1 })
        );
        assert_eq!(
            lstsq(&x, &[1.0, 2.0], 3),
            Err(LstsqError::Underdetermined {
                rows: 2,
                columns: 3
            })
        );
    }

    #[test]
    fn solve_psd_handles_full_and_deficient_rank() {
        // G = [[4, 2], [2, 3]], h = G [1, -1].
        let x = solve_psd(&[4.0, 2.0, 2.0, 3.0], &[2.0, -1.0], 2);
        assert!(
            (x[0] - 1.0).abs() < 1e-12 && (x[1] + 1.0).abs() < 1e-12,
            "{x:?}"
        );
        // Rank 1: G = v v^T with v = (1, 1); any x with x0 + x1 = 3 solves G x = 3 v.
        let x = solve_psd(&[1.0, 1.0, 1.0, 1.0], &[3.0, 3.0], 2);
        assert!((x[0] + x[1] - 3.0).abs() < 1e-9, "{x:?}");
    }

    #[test]
    fn normal_quantiles() {
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-8);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.005) + 2.575_829_303_548_901).abs() < 1e-8);
        assert!((normal_quantile(0.9) - 1.281_551_565_544_600_5).abs() < 1e-8);
        assert!(normal_quantile(0.0).is_nan() && normal_quantile(1.0).is_nan());
    }
}
