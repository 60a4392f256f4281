"""The predictor, its scoring (regret, time, rank correlation) and the sweep config, on studies
made of known figures (no model): what `dslgen sweep predict` claims must follow from them."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from dslgen.cli import main
from dslgen.errors import InputFileError
from dslgen.sweep.config import SweepConfig, SweepError, for_domain, load_sweep_config
from dslgen.sweep.points import Encoder, TrialPoint
from dslgen.sweep.predict import _spearman, fit_predictor, predict, run_predict
from dslgen.sweep.report import importances, pareto_front, write_sweep_report
from dslgen.sweep.study import default_storage, open_study

optuna = pytest.importorskip("optuna")
pytest.importorskip("sklearn")

SPACE = {
    "r": [2, 4, 8, 16],
    "learning_rate": [1e-3, 3e-3, 1e-2],
    "target_modules": ["qv", "attn"],
}


def _sweep(**fields) -> SweepConfig:
    return SweepConfig.model_validate({"name": "known", "space": SPACE} | fields)


def _truth(params: dict) -> float:
    """A figure that rises with rank, peaks at the middle learning rate, and likes attn."""
    lr_bonus = {1e-3: 0.0, 3e-3: 0.2, 1e-2: 0.05}[params["learning_rate"]]
    return (
        0.05 * math.log2(params["r"])
        + lr_bonus
        + (0.1 if params["target_modules"] == "attn" else 0)
    )


def _seconds(params: dict) -> float:
    return 60.0 + 10.0 * math.log2(params["r"])


def _known_study(sweep: SweepConfig, folder: Path, configs: list[dict]):
    """The sweep's study with one finished trial per configuration, figures from `_truth`."""
    study = open_study(sweep, default_storage(folder))
    distributions = {
        name: optuna.distributions.CategoricalDistribution(values)
        for name, values in sweep.space.dimensions().items()
    }
    for params in configs:
        study.add_trial(
            optuna.trial.create_trial(
                params=params,
                distributions=distributions,
                value=_truth(params),
                user_attrs={"seconds": _seconds(params), "train_seconds": _seconds(params) - 30},
            )
        )
    return study


def test_the_predictor_ranks_unseen_configurations_by_what_the_trials_taught_it():
    sweep = _sweep()
    grid = sweep.grid()
    assert len(grid) == 4 * 3 * 2 * 1 * 1 * 1 * 1  # fixed settings add no configurations
    seen = random.Random(0).sample(grid, 14)
    points = [TrialPoint(i, p, _truth(p), 60.0, 30.0) for i, p in enumerate(seen)]
    name, fitted, scores = fit_predictor(sweep, points)
    assert name in scores and scores[name] == min(scores.values())
    unseen = [p for p in grid if p not in seen]
    guesses = predict(fitted, unseen)
    assert _spearman(guesses, [_truth(p) for p in unseen]) > 0.8
    best_guess = unseen[max(range(len(unseen)), key=lambda i: guesses[i])]
    assert _truth(best_guess) >= sorted(map(_truth, unseen))[-2]  # the best or the runner-up


def test_predict_after_an_exhaustive_sweep_scores_regret_and_time_against_the_truth(tmp_path):
    sweep = _sweep()
    grid = sweep.grid()
    _known_study(sweep, tmp_path, grid)
    report = run_predict(sweep, tmp_path, None, top_k=3, fit_on=10)
    assert report.exhaustive and report.seconds_exhaustive_measured
    assert report.fit_trials == 10 and report.heldout["trials"] == len(grid) - 10
    assert [r.source for r in report.top_k] == ["truth"] * 3
    for row in report.top_k:
        assert row.actual == pytest.approx(_truth(row.params))
    best = max(map(_truth, grid))
    tried = [r for r in report.ranking if r.source == "fit"] + report.top_k
    assert report.best_known == pytest.approx(best)
    assert report.best_found == pytest.approx(max(r.actual for r in tried))
    assert report.regret == pytest.approx(best - report.best_found)
    assert report.seconds_spent == pytest.approx(sum(_seconds(r.params) for r in tried))
    assert report.seconds_exhaustive == pytest.approx(sum(map(_seconds, grid)))
    assert report.speedup == pytest.approx(report.seconds_exhaustive / report.seconds_spent)
    assert report.heldout["spearman"] > 0.5

    path = write_sweep_report(sweep, tmp_path, default_storage(tmp_path))
    text = path.read_text()
    assert "## Which settings pay" in text and "## Accuracy against time" in text
    assert (tmp_path / "importance.png").stat().st_size > 5000


def test_transfer_is_scored_on_the_other_studys_trials(tmp_path):
    sweep = _sweep()
    _known_study(sweep, tmp_path / "a", sweep.grid())
    other = _sweep(name="other", domain="finance")
    configs = sweep.grid()[:5]
    _known_study(other, tmp_path / "b", configs)
    report = run_predict(
        sweep, tmp_path / "a", None, top_k=2, transfer=(other, default_storage(tmp_path / "b"))
    )
    assert report.transfer["trials"] == 5 and report.transfer["domain"] == "finance"
    assert report.transfer["mae"] is not None


def test_importance_names_the_setting_that_moves_the_figure(tmp_path):
    sweep = _sweep()
    study = _known_study(sweep, tmp_path, sweep.grid())
    scores = importances(study, seed=0)
    assert isinstance(scores, dict)
    objective = scores["objective"]
    assert max(objective, key=objective.get) == "learning_rate"
    assert max(scores["train seconds"], key=scores["train seconds"].get) == "r"


def test_pareto_front_keeps_only_trials_nothing_beats_on_both_counts():
    points = [
        TrialPoint(0, {}, 0.5, 100.0, 0.0),
        TrialPoint(1, {}, 0.4, 120.0, 0.0),  # slower and worse than 0
        TrialPoint(2, {}, 0.8, 200.0, 0.0),
        TrialPoint(3, {}, 0.2, 50.0, 0.0),
    ]
    assert [p.number for p in pareto_front(points)] == [3, 0, 2]


def test_spearman_is_undefined_when_every_trial_scored_the_same():
    assert _spearman([0.1, 0.2, 0.3], [0.0, 0.0, 0.0]) is None
    assert _spearman([0.1, 0.2], [0.0, 1.0]) is None  # under 3 pairs
    assert _spearman([0.1, 0.2, 0.3], [1.0, 2.0, 3.0]) == pytest.approx(1.0)


def test_encoder_uses_log_scales_one_hot_names_and_drops_fixed_settings():
    encoder = Encoder(_sweep())
    assert encoder.names == [
        "log2(r)", "target_modules=qv", "target_modules=attn", "log2(learning_rate)"
    ]  # fmt: skip
    row = encoder.encode({"r": 8, "learning_rate": 1e-3, "target_modules": "attn", "dropout": 0.05})
    assert row[:3] == [3.0, 0.0, 1.0] and row[3] == pytest.approx(math.log2(1e-3))


def test_too_few_trials_is_a_clear_error():
    with pytest.raises(SweepError, match="at least 3"):
        fit_predictor(_sweep(), [TrialPoint(0, _sweep().grid()[0], 0.1, 1.0, 1.0)])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("naem = 'x'\n", "naem: Extra inputs are not permitted"),
        ("[space]\nalpha = [8]\nalpha_ratio = [2.0]\n", "either alpha or alpha_ratio"),
        ("[train]\nlora = {r = 4}\n", "[train] sets lora, which the sweep decides"),
        ("[space]\ntarget_modules = ['mlp_only']\n", "unknown target module set mlp_only"),
        ("[train]\ndev_max_tokens = 8\n", "train.dev_max_tokens"),
        ("objective = 'bleu'\n", "objective must be one of"),
        ("name = 'x'\n[space\n", "not valid TOML"),
    ],
)
def test_bad_sweep_configs_name_the_file_and_the_setting(tmp_path, text, message):
    path = tmp_path / "sweep.toml"
    path.write_text(text)
    with pytest.raises(InputFileError) as caught:
        load_sweep_config(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_a_study_made_with_other_fixed_settings_is_refused(tmp_path):
    open_study(_sweep(), default_storage(tmp_path))
    changed = _sweep(eval={"limit": 5})
    with pytest.raises(SweepError, match="other fixed settings"):
        open_study(changed, default_storage(tmp_path))


def test_another_domain_gets_its_own_study_suite_and_corpus():
    sweep = _sweep(train={"corpus": "runs/pdflow-001/corpus"})
    moved = for_domain(sweep, "finance")
    assert moved.name == "known-finance" and moved.domain == "finance"
    assert moved.eval.suite == "synthetic" and "corpus" not in moved.train
    assert for_domain(sweep, None) is sweep


def test_predict_without_a_study_is_one_sentence(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text("name = 'missing'\n[space]\nr = [2, 4]\n")
    result = CliRunner().invoke(
        main, ["sweep", "predict", "--config", str(path), "--out", str(tmp_path / "s")]
    )
    assert result.exit_code == 1
    assert "no study 'missing'" in result.output and "Traceback" not in result.output
