"""Pooling a pilot's effect across trusts: DerSimonian and Laird's random-effects estimate, with the
heterogeneity between trusts (Cochran's Q, τ² and I²).

DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials 1986;7:177–188;
I² from Higgins JPT, Thompson SG, Stat Med 2002;21:1539–1558. Each trust's effect y_i (its stratified
risk difference) with variance v_i:

    w_i = 1/v_i,  ȳ_F = Σ w_i y_i / Σ w_i,  Q = Σ w_i (y_i − ȳ_F)²,  df = k − 1
    τ² = max(0, (Q − df) / (Σ w_i − Σ w_i² / Σ w_i))
    w*_i = 1/(v_i + τ²),  ȳ_R = Σ w*_i y_i / Σ w*_i,  SE(ȳ_R) = 1/√Σ w*_i,  95% interval ȳ_R ± 1.96 SE
    I² = max(0, (Q − df)/Q)

statsmodels' combine_effects(method_re="chi2") computes the same (tests/hub/test_meta_analysis.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats as scipy_stats

from reports.stats import Z95


@dataclass(frozen=True)
class PooledEffect:
    estimate: float
    low: float
    high: float
    se: float
    fixed_estimate: float
    tau_squared: float
    q: float
    df: int
    q_p_value: float | None
    i_squared: float | None
    studies: int


def dersimonian_laird(effects: Sequence[float], variances: Sequence[float], *, z: float = Z95) -> PooledEffect | None:
    """The random-effects pooled estimate of `effects` (with their within-study `variances`); None
    for no effects, ValueError for a variance that is not positive."""
    if len(effects) != len(variances):
        raise ValueError(f"{len(effects)} effects for {len(variances)} variances.")
    if not effects:
        return None
    if any(not v > 0 for v in variances):
        raise ValueError("Every effect needs a positive variance to be weighed by.")
    w = [1 / v for v in variances]
    sw = math.fsum(w)
    fixed = math.fsum(wi * y for wi, y in zip(w, effects, strict=True)) / sw
    q = math.fsum(wi * (y - fixed) ** 2 for wi, y in zip(w, effects, strict=True))
    df = len(effects) - 1
    c = sw - math.fsum(wi * wi for wi in w) / sw
    tau2 = max(0.0, (q - df) / c) if df > 0 and c > 0 else 0.0
    w_star = [1 / (v + tau2) for v in variances]
    pooled = math.fsum(wi * y for wi, y in zip(w_star, effects, strict=True)) / math.fsum(w_star)
    se = 1 / math.sqrt(math.fsum(w_star))
    p_value = float(scipy_stats.chi2.sf(q, df)) if df > 0 else None
    i2 = (max(0.0, (q - df) / q) if q > 0 else 0.0) if df > 0 else None
    return PooledEffect(pooled, pooled - z * se, pooled + z * se, se, fixed, tau2, q, df, p_value, i2, len(effects))
