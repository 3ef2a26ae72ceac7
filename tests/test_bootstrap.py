"""The paired bootstrap of saved test predictions (`keras_models.reports.bootstrap`) and the
verdicts it gives, on SYNTHETIC predictions of known difference: a heartbeat-sized test split
(21,899 beats, 161 F and 556 S) where each run is right on a known share of every class, so
the true difference of macro recall between two runs is known."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skm

from keras_models import UserError, classification, runfiles
from keras_models.reports import bootstrap, documented
from keras_models.reports.assess import NO_PREDICTIONS, assess
from keras_models.reports.plan import plan
from keras_models.reports.runs import FINISHED, RunState
from keras_models.reports.verdicts import CONTRADICTED, REPRODUCED, SHORT, Best, Greater, NotAbove, Order, Points

#: a heartbeat-like test split: N, S, V, F, Q
CLASS_SIZES = (18_118, 556, 1_448, 161, 1_616)
RULE = documented.BOOTSTRAP
RECALL = "test_metrics.recall_macro"


def labels() -> np.ndarray:
    return np.repeat(np.arange(len(CLASS_SIZES)), CLASS_SIZES)


def predict(y: np.ndarray, recall: float, seed: int) -> np.ndarray:
    """Predictions right on each example with probability `recall` (so macro recall `recall` in
    expectation), otherwise one of the other classes."""
    rng = np.random.default_rng(seed)
    wrong = (y + rng.integers(1, len(CLASS_SIZES), len(y))) % len(CLASS_SIZES)
    return np.where(rng.random(len(y)) < recall, y, wrong)


def samples(*recalls: float, metric: str = RECALL) -> bootstrap.Samples:
    y = labels()
    runs = [predict(y, recall, seed=100 + i) for i, recall in enumerate(recalls)]
    return bootstrap.sample(metric, y, runs, len(CLASS_SIZES), RULE)


@pytest.mark.parametrize("recall_a, recall_b, verdict", [
    (0.95, 0.85, REPRODUCED),   # clearly better
    (0.85, 0.95, CONTRADICTED),  # clearly worse
    (0.90, 0.90, SHORT),         # indistinguishable
    (0.908, 0.90, SHORT),        # better by more than the margin, but not by more than the noise
])
def test_a_claim_is_judged_on_the_interval_of_the_paired_difference(recall_a, recall_b, verdict):
    drawn = samples(recall_a, recall_b)
    judged = Greater(labels=("a", "b")).judge("a beats b", list(drawn.points), drawn)
    assert judged.verdict == verdict, judged
    difference = drawn.difference(0, 1)
    truth = recall_a - recall_b
    assert difference.low <= truth <= difference.high, (truth, difference)
    assert f"95 % interval {difference.text()}" in judged.reason
    assert 0.01 < difference.high - difference.low < 0.06, "a few hundred rare beats: an interval a few points wide"


def test_without_samples_the_same_predictions_are_judged_on_their_single_values():
    """The case the interval guards against: a gap above the margin that the noise explains."""
    drawn = samples(0.908, 0.90)
    gap = drawn.points[0] - drawn.points[1]
    single = Greater(labels=("a", "b")).judge("a beats b", list(drawn.points))
    assert single.verdict == (REPRODUCED if gap > 0.005 else SHORT if gap > -0.005 else CONTRADICTED)
    assert Greater(labels=("a", "b")).judge("a beats b", list(drawn.points), drawn).verdict == SHORT


@pytest.mark.parametrize("rule, recalls, verdict, named", [
    (Order(labels=("a", "b", "c")), (0.97, 0.90, 0.83), REPRODUCED, "b - c"),
    (Order(labels=("a", "b", "c")), (0.97, 0.90, 0.90), SHORT, "b - c"),
    (Order(labels=("a", "b", "c")), (0.97, 0.83, 0.90), CONTRADICTED, "b - c"),
    (Best(labels=("a", "b", "c")), (0.95, 0.85, 0.80), REPRODUCED, "a - b"),
    (Best(labels=("a", "b", "c")), (0.95, 0.95, 0.80), SHORT, "a - b"),
    (Best(labels=("a", "b", "c")), (0.85, 0.80, 0.95), CONTRADICTED, "a - c"),
    (NotAbove(labels=("a", "b")), (0.95, 0.85), REPRODUCED, "b - a"),
    (NotAbove(labels=("a", "b")), (0.90, 0.91), SHORT, "b - a"),
    (NotAbove(labels=("a", "b")), (0.85, 0.95), CONTRADICTED, "b - a"),
])
def test_rankings_compare_every_pair_on_the_same_resamples(rule, recalls, verdict, named):
    drawn = samples(*recalls)
    judged = rule.judge("claim", list(drawn.points), drawn)
    assert judged.verdict == verdict, judged
    assert judged.reason.startswith(named), judged.reason
    for i, j in rule.pairs(len(recalls)):
        difference = drawn.difference(i, j)
        assert difference.low <= recalls[i] - recalls[j] <= difference.high


@pytest.mark.parametrize("documented_pct, verdict, said", [
    (90.0, REPRODUCED, "holds the documented value"),
    (95.0, SHORT, "points below"),
    (80.0, REPRODUCED, "points above"),
])
def test_a_documented_number_is_set_against_our_interval(documented_pct, verdict, said):
    drawn = samples(0.90)
    ours = drawn.value(0)
    assert ours.low <= 0.90 <= ours.high
    judged = Points().judge(documented_pct, [float(drawn.points[0])], drawn)
    assert judged.verdict == verdict and said in judged.reason, judged
    assert judged.ours == f"{100 * ours.point:.2f} % {ours.text(100, 2, sign=False)}"


def test_each_metric_matches_scikit_learn_on_the_whole_split():
    y = labels()
    predicted = predict(y, 0.7, seed=3)
    predicted[predicted == 3] = 0  # a class never predicted: its precision is 0, as scikit-learn's zero_division=0
    expected = {"test_metrics.accuracy": skm.accuracy_score(y, predicted)}
    for name, score in (("recall", skm.recall_score), ("precision", skm.precision_score), ("f1", skm.f1_score)):
        expected[f"test_metrics.{name}_macro"] = score(y, predicted, labels=range(5), average="macro", zero_division=0)
    for metric, value in expected.items():
        few = bootstrap.Rule(resamples=3, seed=1)
        assert bootstrap.sample(metric, y, [predicted], 5, few).points[0] == pytest.approx(value, abs=1e-12), metric


def test_resamples_are_seeded_shared_and_fast():
    y = labels()
    runs = [predict(y, 0.9, seed=1), predict(y, 0.88, seed=2)]
    bootstrap.resample_counts.cache_clear()  # timed from the draw of the resamples
    started = time.perf_counter()
    drawn = bootstrap.sample(RECALL, y, runs, 5, RULE)
    seconds = time.perf_counter() - started
    print(f"1,000 resamples of {len(y):,} beats, 2 runs: {seconds:.2f} s")
    assert drawn.draws.shape == (1_000, 2) and seconds < 30
    again = bootstrap.sample(RECALL, y, runs[:1], 5, RULE)
    np.testing.assert_array_equal(again.draws[:, 0], drawn.draws[:, 0])  # the same seed: the same resamples
    other = bootstrap.sample(RECALL, y, runs[:1], 5, bootstrap.Rule(seed=RULE.seed + 1))
    assert not np.array_equal(other.draws[:, 0], drawn.draws[:, 0])
    assert "1,000 resamples" in RULE.describe() and f"seed {RULE.seed}" in RULE.describe()


# --- the report's rows, from tiny run folders ----------------------------------------------

CLAIM = "heartbeat.claim.class_weights"


def _finished(run, folder: Path, y: np.ndarray, predicted: np.ndarray | None) -> RunState:
    """A finished run whose metrics are those of `predicted`, with test_predictions.npz unless None."""
    folder.mkdir(parents=True)
    probabilities = np.full((len(y), 5), 0.01)
    if predicted is None:
        predicted = y
    else:
        probabilities[np.arange(len(y)), predicted] = 0.96
        classification.write_predictions(folder, y, probabilities)
    recall = skm.recall_score(y, predicted, average="macro", labels=range(5), zero_division=0)
    matrix = skm.confusion_matrix(y, predicted, labels=range(5)).tolist()
    return RunState(run, folder, FINISHED, {"test_metrics": {"recall_macro": recall, "confusion_matrix": matrix}})


def _claim_states(tmp_path: Path, first: np.ndarray | None, second: np.ndarray | None, y_second=None) -> dict:
    entry = {e.id: e for e in documented.entries()}[CLAIM]
    runs = {run.key: run for run in plan("cpu", tmp_path)}
    y = labels()
    (a, b) = entry.runs
    return {a: _finished(runs[a], tmp_path / a, y, first),
            b: _finished(runs[b], tmp_path / b, y if y_second is None else y_second, second)}, entry


def test_a_row_shows_the_interval_of_runs_with_saved_predictions(tmp_path):
    y = labels()
    states, entry = _claim_states(tmp_path, predict(y, 0.95, 1), predict(y, 0.85, 2))
    row = assess(entry, states)
    assert row.verdict == REPRODUCED, row
    assert "class weights - none +0.1" in row.reason and "95 % interval [+0.0" in row.reason
    assert row.as_dict()["rule"] == ("class weights > none by more than 0.005, the 95 % bootstrap interval of each "
                                     "difference")


def test_a_run_without_saved_predictions_is_judged_on_its_value_with_a_note(tmp_path):
    y = labels()
    states, entry = _claim_states(tmp_path, predict(y, 0.95, 1), None)
    row = assess(entry, states)
    assert row.verdict == CONTRADICTED, row  # the second run's recall is 1.0 (it predicted y itself)
    assert row.reason.endswith(f"{NO_PREDICTIONS} ({entry.runs[1]})") and "interval" not in row.reason.split(";")[0]
    assert row.rule == entry.rule.describe()


def test_runs_tested_on_different_splits_are_not_paired(tmp_path):
    y = labels()
    shuffled = np.random.default_rng(0).permutation(y)
    states, entry = _claim_states(tmp_path, predict(y, 0.95, 1), predict(shuffled, 0.85, 2), y_second=shuffled)
    row = assess(entry, states)
    assert row.verdict == REPRODUCED and "tested on different test splits" in row.reason and "no interval" in row.reason


def _npz(path: Path, **arrays) -> None:
    np.savez(path, **arrays)


GOOD = {"y_true": np.array([0, 1, 2]), "y_pred": np.array([0, 1, 1]), "probabilities": np.eye(3)[[0, 1, 1]]}


@pytest.mark.parametrize("write, expected", [
    (lambda p: p.write_bytes(b"not an archive"), "damaged, not a NumPy archive of arrays"),
    (lambda p: np.save(open(p, "wb"), np.zeros(3)), "one array, not an archive of arrays"),
    (lambda p: _npz(p, y_true=GOOD["y_true"], y_pred=GOOD["y_pred"]), "it lacks the array(s) probabilities"),
    (lambda p: _npz(p, **{**GOOD, "y_pred": np.array([0, 1, 7])}), "y_pred holds labels outside 0..2"),
    (lambda p: _npz(p, **{**GOOD, "probabilities": np.full((3, 3), np.nan)}), "NaN or infinite"),
    (lambda p: _npz(p, **{**GOOD, "y_true": np.array([0, 1])}), "do not agree"),
    (lambda p: _npz(p, **{**GOOD, "y_true": np.array(["a", "b", "c"])}), "expected integer labels"),
])
def test_a_damaged_predictions_file_is_refused_in_one_line(tmp_path, write, expected):
    path = tmp_path / runfiles.PREDICTIONS
    write(path)
    with pytest.raises(UserError) as caught:
        runfiles.read_predictions(tmp_path)
    message = str(caught.value)
    assert message.startswith(str(path)) and expected in message and message.endswith(runfiles.RETRAIN)
    assert "\n" not in message


def test_the_file_as_written_reads_back_and_an_old_run_has_none(tmp_path):
    assert runfiles.read_predictions(tmp_path) is None
    classification.write_predictions(tmp_path, GOOD["y_true"], GOOD["probabilities"])
    kept = runfiles.read_predictions(tmp_path)
    np.testing.assert_array_equal(kept["y_pred"], GOOD["y_pred"])
