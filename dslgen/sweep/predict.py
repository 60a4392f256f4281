"""`dslgen sweep predict`: learn from finished trials which settings pay, predict every other
configuration of the grid, try the most promising, and say how right the prediction was.

The predictor is a Gaussian process or gradient-boosted trees (scikit-learn), whichever has the
lower cross-validated mean absolute error on the trials it is fitted on. `fit_on` fits it on a
seeded random subset of the finished trials instead of all of them; the other finished trials
are then the truth the prediction is scored against (after an exhaustive sweep, the whole grid),
and a top-k configuration that was already tried is looked up, not trained again. Top-k
configurations never tried are run as new trials of the study.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dslgen.sweep.config import SweepConfig, SweepError, Value, params_key
from dslgen.sweep.points import Encoder, TrialPoint, finished_points
from dslgen.sweep.study import Say, open_study, run_queued

MIN_TRIALS = 3  # fewer finished trials than this cannot be cross-validated


@dataclass
class Ranked:
    params: dict[str, Value]
    predicted: float
    actual: float | None = None
    seconds: float | None = None
    source: str = "grid"  # fit (trained on) | truth (looked up) | ran (run now) | grid (untried)


@dataclass
class PredictReport:
    study: str
    predictor: str
    subset_seed: int | None
    cv_mae: dict[str, float]
    fit_trials: int
    grid_size: int
    top_k: list[Ranked]
    ranking: list[Ranked]
    heldout: dict[str, float | int | None]  # MAE / Spearman over every known trial not fitted on
    top_k_mae: float | None
    top_k_spearman: float | None
    best_found: float | None
    best_known: float | None
    regret: float | None
    exhaustive: bool  # every grid configuration has a finished trial: best_known is the truth
    seconds_spent: float
    seconds_exhaustive: float
    seconds_exhaustive_measured: bool
    transfer: dict[str, Any] = field(default_factory=dict)

    @property
    def speedup(self) -> float | None:
        return self.seconds_exhaustive / self.seconds_spent if self.seconds_spent else None

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"speedup": self.speedup}


def fit_predictor(
    sweep: SweepConfig, points: list[TrialPoint], seed: int = 0
) -> tuple[str, Any, dict[str, float]]:
    """The predictor with the lower cross-validated MAE, fitted on all `points`."""
    import numpy as np
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
    from sklearn.model_selection import KFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    encoder = Encoder(sweep)
    if not encoder.columns:
        raise SweepError("the sweep's space has one value per setting: nothing to predict")
    if len(points) < MIN_TRIALS:
        raise SweepError(
            f"{len(points)} finished trial(s); the predictor needs at least {MIN_TRIALS}: run "
            "more trials first (`dslgen sweep run --trials N`)"
        )
    features = np.array([encoder.encode(p.params) for p in points])
    target = np.array([p.value for p in points])
    width = features.shape[1]
    candidates = {
        "gaussian_process": make_pipeline(
            StandardScaler(),
            GaussianProcessRegressor(
                kernel=ConstantKernel(1.0) * Matern(length_scale=np.ones(width), nu=2.5)
                + WhiteKernel(0.01),
                normalize_y=True,
                random_state=seed,
            ),
        ),
        "gradient_boosting": GradientBoostingRegressor(
            n_estimators=100, max_depth=2, learning_rate=0.1, random_state=seed
        ),
    }
    folds = KFold(n_splits=min(5, len(points)), shuffle=True, random_state=seed)
    scores: dict[str, float] = {}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GP hyper-parameter bounds on tiny, flat data
        for name, model in candidates.items():
            folded = cross_val_score(
                model, features, target, cv=folds, scoring="neg_mean_absolute_error"
            )
            scores[name] = float(-folded.mean())
        chosen = min(scores, key=lambda name: (scores[name], name != "gaussian_process"))
        model = candidates[chosen].fit(features, target)
    return chosen, (encoder, model), scores


def predict(fitted: tuple[Encoder, Any], configs: list[dict[str, Value]]) -> list[float]:
    import numpy as np

    encoder, model = fitted
    return [float(v) for v in model.predict(np.array([encoder.encode(c) for c in configs]))]


def run_predict(
    sweep: SweepConfig,
    folder: Path,
    storage_url: str | None,
    top_k: int = 5,
    fit_on: int | None = None,
    transfer: tuple[SweepConfig, str] | None = None,
    say: Say = lambda message: None,
    subset_seed: int | None = None,
) -> PredictReport:
    """Fit, rank the grid, try the top-k, score; `transfer` (another sweep and its storage) is
    scored with the same predictor."""
    from dslgen.sweep.study import default_storage

    storage_url = storage_url or default_storage(folder)
    study = open_study(sweep, storage_url, create=False)
    known = {p.key: p for p in finished_points(study)}
    fit_points = list(known.values())
    if fit_on is not None:
        if fit_on >= len(fit_points):
            raise SweepError(
                f"--fit-on {fit_on}: the study has only {len(fit_points)} finished trials"
            )
        seed = sweep.seed if subset_seed is None else subset_seed
        fit_points = random.Random(seed).sample(fit_points, fit_on)
    name, fitted, scores = fit_predictor(sweep, fit_points, sweep.seed)
    say(f"predictor: {name} (cross-validated MAE {scores})")
    fitted_keys = {p.key for p in fit_points}
    grid = sweep.grid()
    ranking = sorted(
        (Ranked(c, v) for c, v in zip(grid, predict(fitted, grid), strict=True)),
        key=lambda r: -r.predicted,
    )
    chosen = [r for r in ranking if params_key(r.params) not in fitted_keys][:top_k]
    to_run = [r.params for r in chosen if params_key(r.params) not in known]
    if to_run:
        say(f"running {len(to_run)} predicted configuration(s) not tried yet")
        run_queued(sweep, folder, storage_url, to_run, say)
        known = {p.key: p for p in finished_points(study)}
    for row in ranking:
        key = params_key(row.params)
        point = known.get(key)
        if point is not None:
            row.actual, row.seconds = point.value, point.seconds
            row.source = (
                "fit" if key in fitted_keys else ("ran" if row.params in to_run else "truth")
            )
    heldout = [p for p in known.values() if p.key not in fitted_keys]
    heldout_predicted = predict(fitted, [p.params for p in heldout]) if heldout else []
    tried = fit_points + [
        known[params_key(r.params)] for r in chosen if params_key(r.params) in known
    ]
    exhaustive = all(params_key(c) in known for c in grid)
    measured = [p.seconds for p in known.values()]
    seconds_exhaustive = (
        sum(known[params_key(c)].seconds for c in grid)
        if exhaustive
        else (sum(measured) / len(measured)) * len(grid)
    )
    best_known = max((p.value for p in known.values()), default=None)
    best_found = max((p.value for p in tried), default=None)
    report = PredictReport(
        study=sweep.name,
        predictor=name,
        subset_seed=None
        if fit_on is None
        else (sweep.seed if subset_seed is None else subset_seed),
        cv_mae=scores,
        fit_trials=len(fit_points),
        grid_size=len(grid),
        top_k=chosen,
        ranking=ranking,
        heldout={
            "trials": len(heldout),
            "mae": _mae(heldout_predicted, [p.value for p in heldout]),
            "spearman": _spearman(heldout_predicted, [p.value for p in heldout]),
        },
        top_k_mae=_mae([r.predicted for r in chosen], [r.actual for r in chosen]),
        top_k_spearman=_spearman([r.predicted for r in chosen], [r.actual for r in chosen]),
        best_found=best_found,
        best_known=best_known,
        regret=None if best_known is None or best_found is None else best_known - best_found,
        exhaustive=exhaustive,
        seconds_spent=sum(p.seconds for p in tried),
        seconds_exhaustive=seconds_exhaustive,
        seconds_exhaustive_measured=exhaustive,
    )
    if transfer is not None:
        report.transfer = score_transfer(fitted, *transfer)
    return report


def score_transfer(
    fitted: tuple[Encoder, Any], other: SweepConfig, storage_url: str
) -> dict[str, Any]:
    """How well the predictor ranks another sweep's finished trials (another domain's)."""
    study = open_study(other, storage_url, create=False)
    points = finished_points(study)
    predicted = predict(fitted, [p.params for p in points]) if points else []
    actual = [p.value for p in points]
    return {
        "study": other.name,
        "domain": other.domain,
        "trials": len(points),
        "mae": _mae(predicted, actual),
        "spearman": _spearman(predicted, actual),
        "points": [
            {"params": p.params, "predicted": guess, "actual": p.value}
            for p, guess in zip(points, predicted, strict=True)
        ],
    }


def _mae(predicted: list[float], actual: list[float | None]) -> float | None:
    pairs = [(p, a) for p, a in zip(predicted, actual, strict=True) if a is not None]
    return sum(abs(p - a) for p, a in pairs) / len(pairs) if pairs else None


def _spearman(predicted: list[float], actual: list[float | None]) -> float | None:
    """Spearman's rank correlation; None where it is undefined (under 3 pairs, or one side
    constant — e.g. every trial scored 0)."""
    from scipy.stats import spearmanr

    pairs = [(p, a) for p, a in zip(predicted, actual, strict=True) if a is not None]
    if len(pairs) < 3 or len({a for _, a in pairs}) < 2 or len({p for p, _ in pairs}) < 2:
        return None
    return float(spearmanr([p for p, _ in pairs], [a for _, a in pairs]).statistic)
