"""`python -m experiments.reproduce`: the documented entries, the rules, the plan, the report
from a synthetic runs folder (every verdict), resuming after a kill, and bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, run_cli, run_refused, tree, write_series, write_windows
from keras_models import UserError, reports
from keras_models.reports import documented, verdicts
from keras_models.reports.plan import AUDIT_EXPERIMENT, BUDGETS, PARTS, plan

#: the tuned run beside its default run (report 000's claim that tuning gains little)
TUNED = "heartbeat-cnn1d_resnet-class-weights-tuned"
from keras_models.reports.runs import FINISHED, inspect
from keras_models.reports.verdicts import CONTRADICTED, NOT_COMPARABLE, REPRODUCED, SHORT

# --- rules -------------------------------------------------------------------------------


@pytest.mark.parametrize("rule, documented, values, verdict", [
    (verdicts.Exact(), 588, [588], REPRODUCED),
    (verdicts.Exact(), 1_057_824, [1_058_824], CONTRADICTED),
    (verdicts.Points(), 91.83, [0.9150], REPRODUCED),
    (verdicts.Points(), 91.83, [0.9100], SHORT),
    (verdicts.Points(), 81.15, [0.8500], REPRODUCED),
    (verdicts.Points(test_size=4_500), 91.83, [0.9110], REPRODUCED),  # half-width 0.80 points
    (verdicts.Points(test_size=4_500), 91.83, [0.9090], SHORT),
    (verdicts.Relative(0.5), 69, [80], REPRODUCED),
    (verdicts.Relative(0.5), 32, [100], CONTRADICTED),
    (verdicts.Relative(0.5), 32, [10], CONTRADICTED),
    (verdicts.Relative(0.5, lower_is_better=True), 0.000117, [0.0009], SHORT),
    (verdicts.Relative(0.5, lower_is_better=True), 0.000117, [0.00003], REPRODUCED),
    (verdicts.Greater(labels=("a", "b")), "a beats b", [0.9, 0.8], REPRODUCED),
    (verdicts.Greater(labels=("a", "b")), "a beats b", [0.8, 0.9], CONTRADICTED),
    (verdicts.Greater(labels=("a", "b")), "a beats b", [0.9, 0.898], SHORT),
    (verdicts.Order(labels=("a", "b", "c")), "a > b > c", [0.9, 0.8, 0.7], REPRODUCED),
    (verdicts.Order(labels=("a", "b", "c")), "a > b > c", [0.9, 0.7, 0.8], CONTRADICTED),
    (verdicts.Order(labels=("a", "b", "c")), "a > b > c", [0.9, 0.8, 0.799], SHORT),
    (verdicts.Best(labels=("a", "b", "c")), "a is best", [0.9, 0.8, 0.85], REPRODUCED),
    (verdicts.Best(labels=("a", "b", "c")), "a is best", [0.8, 0.9, 0.7], CONTRADICTED),
    (verdicts.Best(labels=("a", "b"), lower_is_better=True), "a has the lowest loss", [0.26, 0.7], REPRODUCED),
    (verdicts.Best(labels=("a", "b"), lower_is_better=True), "a has the lowest loss", [0.7, 0.26], CONTRADICTED),
    (verdicts.NotAbove(labels=("a", "b")), "b does not help", [0.91, 0.905], REPRODUCED),
    (verdicts.NotAbove(labels=("a", "b")), "b does not help", [0.90, 0.95], CONTRADICTED),
    (verdicts.LittleGain(margin=0.01), "tuning gains little", [0.85, 0.859], REPRODUCED),
    (verdicts.LittleGain(margin=0.01), "tuning gains little", [0.85, 0.80], REPRODUCED),
    (verdicts.LittleGain(margin=0.01), "tuning gains little", [0.85, 0.87], CONTRADICTED),
    (verdicts.Untestable("no such model"), "x", [], NOT_COMPARABLE),
])
def test_each_rule_gives_its_verdicts(rule, documented, values, verdict):
    judged = rule.judge(documented, values)
    assert judged.verdict == verdict, judged
    assert judged.reason and rule.describe()


# --- the documented entries and the plan ----------------------------------------------------


def test_the_documented_entries_cover_the_reports():
    entries = documented.entries()
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids))
    by_id = {e.id: e for e in entries}
    # parameter counts (registry), NAB, heartbeat anchors, AG News (text.variants), images (registry), claims
    assert by_id["params.part1_autoencoder"].documented == 1_057_824
    assert by_id["params.nab_v3"].documented == 4_193 and by_id["params.attention_gru"].documented == 513_797
    assert by_id["nab.base.anomalies"].documented == 32 and by_id["nab.v1.test_loss"].documented == 0.000106
    assert by_id["ag_news.dropout-es.accuracy"].documented == 91.76 and by_id["ag_news.dropout-es.f1"].documented == 91.76
    assert by_id["images.vgg.accuracy"].documented == 91.83 and by_id["images.vit.accuracy"].documented == 81.15
    assert by_id["heartbeat.cvxtz.accuracy"].documented == 98.5
    assert sum(e.kind == "claim" for e in entries) == 14
    assert by_id["heartbeat.claim.tuning"].runs == (TUNED.removesuffix("-tuned"), TUNED)
    assert {e.part for e in entries} == set(documented.PARTS)


@pytest.mark.parametrize("budget", BUDGETS)
def test_every_budget_plans_every_run_the_entries_need(budget, tmp_path):
    runs = plan(budget, tmp_path)
    keys = [r.key for r in runs]
    assert len(keys) == len(set(keys)) and {r.part for r in runs} == set(PARTS)
    needed = {key for entry in documented.entries() for key in entry.runs}
    assert needed <= set(keys) if budget != "smoke" else {k for k in keys if k.startswith("heartbeat-")} == {
        f"heartbeat-{m}-class-weights" for m in ("cnn2d_resnet", "transformer2d_resnet", "attention_gru",
                                                 "cnn1d_resnet", "transformer1d_resnet")} | {TUNED}
    assert TUNED in keys and keys.index(TUNED) > keys.index(TUNED.removesuffix("-tuned"))
    for run in runs:
        assert run.estimate_s > 0 and run.protocol
        assert run.run_id == f"reproduce-{budget}-{run.key}"
        if run.config is not None:
            assert run.config.run_id == run.run_id and Path(run.config.runs_dir) == tmp_path
    comparable = {r.key for r in runs if r.comparable}
    if budget == "smoke":
        assert comparable == {"param-audit"}
    else:
        assert any(k.startswith("heartbeat-") for k in comparable)
        assert all(not k.startswith("ag_news-") for k in comparable) == (budget == "cpu")


def test_every_anchor_names_its_run_and_why_even_before_it_ran():
    from keras_models.reports.assess import assess

    anchors = [e for e in documented.entries() if e.part == "heartbeat" and e.kind == "number"
               and not e.id.startswith("params.")]
    assert len(anchors) == 10 and sum(bool(e.literature) for e in anchors) == 5
    runs = {run.key: run for run in plan("cpu")}
    for entry in anchors:
        assert entry.compared, entry.id
        (key,) = entry.runs
        protocol = assess(entry, {}).protocol  # no run folder at all: the row still names the run
        assert protocol.startswith(f"`{key}` ({entry.compared})"), protocol
        assert ("literature anchor, not report 000" in entry.what) == bool(entry.literature)
        config = runs[key].config
        if ".kachuee." in entry.id or ".cvxtz." in entry.id:  # the Kaggle anchors: their own protocol
            assert (config.balance, config.split, config.beats) == ("none", "kaggle", "annotated")
        if ".inter." in entry.id:
            assert (config.model, config.balance, config.split) == ("cnn2d_resnet", "class-weights", "inter")


def test_only_keeps_parts_and_run_keys_and_refuses_unknown_names(tmp_path):
    assert {r.part for r in plan("smoke", tmp_path, ("nab",))} == {"nab"}
    assert [r.key for r in plan("smoke", tmp_path, ("nab-v3", "audit"))] == ["param-audit", "nab-v3"]
    with pytest.raises(UserError, match="--only nope"):
        plan("smoke", tmp_path, ("nope",))


# --- the report from a synthetic runs folder ---------------------------------------------

#: each rule's verdicts, from the values written into the synthetic runs below
EXPECTED = {
    "params.nab_v3": REPRODUCED,                       # exact
    "params.part1_autoencoder": CONTRADICTED,          # exact: the report left out 1,000 biases
    "nab.v3.anomalies": REPRODUCED,                    # relative count, within range
    "nab.base.anomalies": CONTRADICTED,                # relative count, outside
    "nab.base.test_loss": REPRODUCED,                  # relative loss, lower
    "nab.v1.test_loss": SHORT,                         # relative loss, higher
    "images.vit.accuracy": REPRODUCED,                 # binomial interval
    "images.vgg.accuracy": SHORT,
    "heartbeat.cvxtz.accuracy": REPRODUCED,            # points
    "heartbeat.course.recall_macro": SHORT,
    "images.claim.order": CONTRADICTED,                # claim: order reversed
    "heartbeat.claim.class_weights": REPRODUCED,       # claim: holds
    "heartbeat.claim.smote_cnn1d": SHORT,              # claim: within the margin
    "heartbeat.claim.layernorm_gru": REPRODUCED,       # claim read from history.csv
    "heartbeat.claim.transformer_2d": SHORT,           # claim: the two transformers tie
    "ag_news.dropout-es.accuracy": NOT_COMPARABLE,     # small protocol
    "heartbeat.claim.smote_gru_best": NOT_COMPARABLE,  # its run is missing
    "heartbeat.claim.tuning": REPRODUCED,              # claim: the tuned run gains at most the margin
}
#: (run key, metric path) -> value; everything else gets a neutral default
VALUES = {
    ("nab-v3", "test_anomalies.count"): 80, ("nab-base", "test_anomalies.count"): 100,
    ("nab-base", "test.loss"): 3e-5, ("nab-v1", "test.loss"): 9e-4,
    ("images-vit", "test_metrics.accuracy"): 0.82, ("images-vgg", "test_metrics.accuracy"): 0.70,
    ("images-resnet", "test_metrics.accuracy"): 0.80,
    ("heartbeat-cnn2d_resnet-none-kaggle", "test_metrics.accuracy"): 0.985,
    ("heartbeat-cnn2d_resnet-class-weights", "test_metrics.recall_macro"): 0.90,
    ("heartbeat-cnn2d_resnet-none", "test_metrics.recall_macro"): 0.80,
    ("heartbeat-cnn1d_resnet-smote", "test_metrics.f1_macro"): 0.851,
    ("heartbeat-cnn1d_resnet-oversample-full", "test_metrics.f1_macro"): 0.850,
    (TUNED, "test_metrics.f1_macro"): 0.856,
}
#: what the synthetic search chose (its metrics.json's "search" summary)
CHOSEN = {"batch_size": 128, "optimizer": "rmsprop", "learning_rate": 0.00213, "schedule": "cosine",
          "warmup_epochs": 1}
MISSING_RUN = "heartbeat-gru1d-smote"


def _metrics(key: str) -> dict:
    get = lambda path, default: VALUES.get((key, path), default)  # noqa: E731
    return {"params": {"trainable": 1}, "test": {"loss": get("test.loss", 0.1)},
            "test_anomalies": {"count": get("test_anomalies.count", 50)}, "wall_seconds_this_session": 12.5,
            "test_metrics": {name: get(f"test_metrics.{name}", 0.85)
                             for name in ("accuracy", "f1_macro", "recall_macro", "precision_macro")},
            **({"search": {"best": {"hyperparameters": CHOSEN}}} if key == TUNED else {})}


def write_synthetic_runs(runs_dir: Path, budget: str = "cpu") -> list:
    """A finished run folder for every planned run but `MISSING_RUN`, with `VALUES`."""
    runs = plan(budget, runs_dir)
    for run in runs:
        folder = run.folder(runs_dir)
        if run.key == MISSING_RUN:
            continue
        folder.mkdir(parents=True)
        if run.experiment == AUDIT_EXPERIMENT:
            rows = [{"model": spec, "built_trainable": count} for spec, count in
                    (("nab_v3", 4_193), ("part1_autoencoder", 1_058_824), ("cnn2d_resnet", 1_084_421))]
            (folder / "audit.json").write_text(json.dumps({"rows": rows}))
            continue
        (folder / "config.json").write_text(json.dumps({"experiment": run.experiment, "config": run.config.to_dict()}))
        (folder / "metrics.json").write_text(json.dumps(_metrics(run.key)))
        first = 0.95 if run.key == "heartbeat-attention_gru-class-weights" else 0.83
        (folder / "history.csv").write_text(f"epoch,val_accuracy\n0,{first}\n1,0.97\n")
        (folder / "plots").mkdir()
        (folder / "plots" / "series_anomalies.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return runs


def test_a_report_from_synthetic_runs_gives_every_entry_its_verdict(tmp_path):
    runs = write_synthetic_runs(tmp_path / "runs")
    before = tree(tmp_path / "runs")
    published = tmp_path / "docs" / "reproduction-cpu.md"
    path = reports.reproduce(reports.Config(budget="cpu", from_runs=tmp_path / "runs", publish=published,
                                            reports_dir=tmp_path / "reports", report_id="synthetic"))
    assert path == tmp_path / "reports" / "synthetic" / "REPORT.md"
    assert tree(tmp_path / "runs") == before, "--from-runs trains and writes nothing in the runs folder"
    report = json.loads((path.parent / "report.json").read_text())
    rows = {row["id"]: row for row in report["rows"]}
    assert set(rows) == {e.id for e in documented.entries()}, "every documented entry appears"
    for entry_id, verdict in EXPECTED.items():
        assert rows[entry_id]["verdict"] == verdict, rows[entry_id]
    assert "not yet run" in rows["heartbeat.claim.smote_gru_best"]["reason"]
    assert rows["heartbeat.claim.tuning"]["reason"].startswith(
        "default 0.85, tuned 0.856: tuned - default = +0.0060, not above the margin; the search chose batch_size 128, "
        "optimizer rmsprop, learning_rate 0.00213, schedule cosine, warmup_epochs 1")
    assert "1,000 biases" in rows["params.part1_autoencoder"]["reason"], "the registry's note explains the gap"
    board = report["scoreboard"]
    assert sum(board[v]["all"] for v in verdicts.VERDICTS) == len(rows)
    assert all(board[v]["all"] > 0 for v in verdicts.VERDICTS)

    text = path.read_text()
    assert text.startswith("# Reproduction report: budget `cpu`") and "## Scoreboard" in text
    for heading in documented.PARTS.values():
        assert f"## {heading}" in text
    assert "figures/nab-v3-series_anomalies.png" in text and (path.parent / "figures" / "nab-v3-series_anomalies.png").is_file()
    assert "figures/images-comparison.png" in text and (path.parent / "figures" / "images-comparison.png").is_file()
    assert f"(../../runs/nab_autoencoder/{runs[1].run_id})" in text, "run folders are linked"
    assert "tensorflow" in text and "seeds | 42" in text.replace("  ", " ")
    assert f"{len(runs) - 1} of the plan's {len(runs)} runs are finished; 1 are not (yet)" in text
    # each run's plan estimate beside its measured wall time, and their totals
    header = next(line for line in text.split("## Runs")[1].splitlines() if line.startswith("| run "))
    assert [cell.strip() for cell in header.strip("|").split("|")] == ["run", "status", "protocol", "estimated",
                                                                      "wall s", "folder"]
    total = next(line for line in text.split("## Runs")[1].splitlines() if line.startswith("| **total**"))
    assert f"{len(runs) - 1} of {len(runs)} finished" in total and "estimated for these" in total, total
    # each anchor row names the run it is set against and why; literature figures are marked as not the report's
    kaggle = rows["heartbeat.cvxtz.accuracy"]["our_protocol"]
    assert kaggle.startswith("`heartbeat-cnn2d_resnet-none-kaggle` (their protocol: balance none")
    assert "split kaggle" in kaggle and "beats annotated" in kaggle and "Kaggle-proportion split" in kaggle
    assert "literature anchor, not report 000: de Chazal" in text
    assert rows["heartbeat.inter.mondejar.accuracy"]["our_protocol"].startswith(
        "`heartbeat-cnn2d_resnet-class-weights-inter` (")
    # the intra-patient runs beside the inter-patient and Kaggle-proportion ones
    assert "### One model on several protocols" in text
    assert "| `heartbeat-transformer2d_resnet-class-weights-inter` | transformer2d_resnet | class-weights | inter |" in text

    # the published copy for docs/: figures beside it, run folders named (they are not committed)
    docs = published.read_text()
    assert docs.count("## ") == text.count("## ")
    assert "(reproduction-cpu/figures/nab-v3-series_anomalies.png)" in docs
    assert (published.parent / "reproduction-cpu" / "figures" / "images-comparison.png").is_file()
    assert "](../" not in docs and f"`{runs[1].folder(tmp_path / 'runs').as_posix()}`" in docs


def test_a_damaged_predictions_file_stops_the_report_in_one_line(tmp_path):
    write_synthetic_runs(tmp_path / "runs")
    folder = next(p for p in (tmp_path / "runs" / "heartbeat").iterdir() if p.name.endswith("cnn2d_resnet-none"))
    (folder / "test_predictions.npz").write_bytes(b"edited by hand")
    run_refused("experiments.reproduce", "--budget", "cpu", "--from-runs", "runs", expected=(
        f"{folder.relative_to(tmp_path)}/test_predictions.npz: damaged, not a NumPy archive of arrays"), cwd=tmp_path)


def _predictions(folder: Path, classes: int, n: int, accuracy: float, seed: int) -> None:
    """A test_predictions.npz right on `accuracy` of n examples (the same labels for every seed)."""
    import numpy as np

    from keras_models.classification import write_predictions

    y = np.arange(n) % classes
    rng = np.random.default_rng(seed)
    predicted = np.where(rng.random(n) < accuracy, y, (y + 1) % classes)
    write_predictions(folder, y, np.eye(classes)[predicted] * 0.9 + 0.1 / classes)


def test_a_report_of_runs_with_saved_predictions_shows_the_intervals(tmp_path):
    runs = {run.key: run for run in write_synthetic_runs(tmp_path / "runs")}
    for i, (model, accuracy) in enumerate((("vgg", 0.93), ("resnet", 0.85), ("efficientnet_b0", 0.80), ("vit", 0.80))):
        _predictions(runs[f"images-{model}"].folder(tmp_path / "runs"), 3, 4_500, accuracy, seed=i)
    for i, (key, accuracy) in enumerate((("heartbeat-cnn2d_resnet-class-weights", 0.95),
                                          ("heartbeat-cnn2d_resnet-none", 0.80))):
        _predictions(runs[key].folder(tmp_path / "runs"), 5, 2_000, accuracy, seed=10 + i)
    path = reports.reproduce(reports.Config(budget="cpu", from_runs=tmp_path / "runs",
                                            reports_dir=tmp_path / "reports", report_id="intervals"))
    rows = {row["id"]: row for row in json.loads((path.parent / "report.json").read_text())["rows"]}
    vgg = rows["images.vgg.accuracy"]
    assert vgg["ours"].startswith("93.") and " % [" in vgg["ours"] and "bootstrap interval" in vgg["rule"]
    order = rows["images.claim.order"]  # efficientnet and vit equally good: that step is undecided
    assert order["verdict"] == SHORT and order["reason"].startswith("efficientnet_b0 - vit")
    assert "95 % interval" in order["reason"]
    weights = rows["heartbeat.claim.class_weights"]
    assert weights["verdict"] == REPRODUCED and "95 % interval [+" in weights["reason"]
    assert rows["heartbeat.claim.smote_cnn1d"]["reason"].endswith(
        "no saved predictions: no interval (heartbeat-cnn1d_resnet-smote, heartbeat-cnn1d_resnet-oversample-full)")
    assert (path.parent / "figures" / "images-comparison.png").is_file()
    assert "seed 20261203" in path.read_text()


def _seeded_folder(runs_dir: Path, run, seed: int, f1: float) -> None:
    from keras_models.reports import seeds

    again = seeds.seeded_run(run, seed)
    folder = again.folder(runs_dir)
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"experiment": again.experiment, "config": again.config.to_dict()}))
    (folder / "metrics.json").write_text(json.dumps({"test_metrics": {"f1_macro": f1}}))


def test_seeds_repeat_the_runs_of_the_claims_left_short_and_give_mean_and_sd(tmp_path):
    """--seeds 3 with --from-runs: the short claim the cpu plan names (smote_cnn1d) reads its runs'
    two other seeds; a claim already decided (class_weights) gets none."""
    from keras_models.reports import seeds
    from keras_models.reports.plan import SEEDED_CLAIMS

    assert {"heartbeat.claim.smote_cnn1d", "heartbeat.claim.class_weights"} <= set(SEEDED_CLAIMS["cpu"])
    claims = {e.id for e in documented.entries() if e.kind == "claim" and e.runs}
    assert all(set(ids) <= claims for ids in SEEDED_CLAIMS.values()), "the plan names claims with runs"
    runs = write_synthetic_runs(tmp_path / "runs")
    by_key = {run.key: run for run in runs}
    smote, oversampled = "heartbeat-cnn1d_resnet-smote", "heartbeat-cnn1d_resnet-oversample-full"
    for seed, (a, b) in zip((43, 44), ((0.861, 0.850), (0.871, 0.850))):
        _seeded_folder(tmp_path / "runs", by_key[smote], seed, a)
        _seeded_folder(tmp_path / "runs", by_key[oversampled], seed, b)
    again = seeds.seeded_run(by_key[smote], 43)
    assert again.key == smote + "-seed43" and again.run_id.endswith("-seed43") and again.config.seed == 43
    assert again.config.run_id == again.run_id and again.folder(tmp_path) != by_key[smote].folder(tmp_path)

    path = reports.reproduce(reports.Config(budget="cpu", from_runs=tmp_path / "runs", seeds=3,
                                            reports_dir=tmp_path / "reports", report_id="seeds"))
    report = json.loads((path.parent / "report.json").read_text())
    rows = {row["id"]: row for row in report["rows"]}
    assert rows["heartbeat.claim.smote_cnn1d"]["verdict"] == SHORT
    assert rows["heartbeat.claim.smote_cnn1d"]["across_seeds"] == (
        "SMOTE 0.8610 +- 0.0100 (3 seeds); oversampling 0.8500 +- 0.0000 (3 seeds); "
        "SMOTE - oversampling 0.0110 +- 0.0100 (3 seeds)")
    assert rows["heartbeat.claim.class_weights"]["across_seeds"] == "-"
    seeded = {r["key"] for r in report["runs"] if "-seed" in r["key"]}
    assert seeded == {f"{key}-seed{seed}" for key in (smote, oversampled) for seed in (43, 44)}, "only short claims"
    text = path.read_text()
    assert "across seeds (mean +- sd)" in text and "1,000 resamples" in text


def _classifier(run, recall: float, predicted: list[int], f1: float) -> "RunState":
    """A finished heartbeat run whose test set (one row a class) was predicted as `predicted`."""
    from keras_models.reports.runs import RunState

    matrix = [[count if j == i else 0 for j, count in enumerate(predicted)] for i in range(len(predicted))]
    return RunState(run, Path("unused"), FINISHED, {"test_metrics": {"recall_macro": recall, "f1_macro": f1,
                                                                      "confusion_matrix": matrix}})


def test_a_claim_about_a_run_that_learned_nothing_is_not_comparable(tmp_path):
    """gru1d after one pass predicts one class: a claim that it is better cannot be judged,
    while a claim that another run beats it still can."""
    from keras_models.reports.assess import assess

    states = {run.key: _classifier(run, 0.9, [80, 5, 5, 5, 5], 0.9) for run in plan("cpu", tmp_path)}
    for key in ("heartbeat-gru1d-smote", "heartbeat-gru1d-oversample-full", "heartbeat-gru1d-class-weights"):
        states[key] = _classifier(states[key].run, 0.2, [100, 0, 0, 0, 0], 0.18)
    states["heartbeat-gru1d-oversample-full"].metrics["test_metrics"]["f1_macro"] = 0.03
    entries = {e.id: e for e in documented.entries()}

    smote = assess(entries["heartbeat.claim.smote_gru"], states)
    assert smote.verdict == NOT_COMPARABLE and smote.ours == "SMOTE 0.18, oversampling 0.03"
    assert smote.reason == ("heartbeat-gru1d-smote did not learn (test macro recall 0.200, chance 0.200: it predicts "
                            "one class for 100% of the test set), so it cannot test the claim")
    assert assess(entries["heartbeat.claim.smote_gru_best"], states).verdict == NOT_COMPARABLE
    overfit = assess(entries["heartbeat.claim.1d_overfit_weights"], states)  # gru1d only a rival there
    assert overfit.verdict == SHORT and "did not learn" not in overfit.reason


def test_the_tuning_claim_names_both_test_values_and_the_search_s_choice():
    judged = verdicts.LittleGain(margin=0.01).judge("gains little", [0.8, 0.83], chosen={"optimizer": "sgd",
                                                                                  "learning_rate": 0.004})
    assert judged.verdict == CONTRADICTED and judged.ours == "default 0.8, tuned 0.83"
    assert judged.reason == "default 0.8, tuned 0.83: tuned is better by 0.0300; the search chose optimizer sgd, " \
                            "learning_rate 0.004"


def test_the_tuned_run_searches_the_training_beside_its_default_run(tmp_path):
    """The search tunes report 000's training keys and a warm-up, the rest held at the default
    run's; its final model trains as the default run does; a finished tuned folder is reused."""
    from keras_models import tune

    runs = {run.key: run for run in plan("cpu", tmp_path)}
    tuned, default = runs[TUNED], runs[TUNED.removesuffix("-tuned")]
    config = tuned.config
    assert isinstance(config, tune.Config) and tuned.experiment == tune.EXPERIMENT and tuned.part == "heartbeat"
    assert config.refit == "train" and config.final_epochs == default.config.epochs == 4
    assert (config.seed, config.run_id, Path(config.runs_dir)) == (42, tuned.run_id, tmp_path)
    assert config.experiment.replace(epochs=None) == default.config.replace(epochs=None, run_id=tuned.run_id)
    space = config.space_dict()
    assert {k for k, spec in space.items() if spec["kind"] != "fixed"} == {
        "batch_size", "optimizer", "learning_rate", "schedule", "warmup_epochs"}
    assert (space["balance"]["value"], space["hidden"]["value"], space["num_blocks"]["value"]) == (
        "class-weights", 128, 1)
    assert default.estimate_s < tuned.estimate_s < default.estimate_s + 40 * 60
    (smoke,) = plan("smoke", tmp_path, (TUNED,))
    assert smoke.config.trials <= 2 and smoke.config.experiment.steps_per_epoch == 5 and not smoke.comparable

    folder = tuned.folder(tmp_path)
    folder.mkdir(parents=True)
    recorded = {**config.to_dict(), "experiment": {**config.experiment.to_dict(), "runs_dir": "elsewhere"}}
    del recorded["experiment"]["tensorboard"]  # an option added later, left at its default by the plan
    (folder / "config.json").write_text(json.dumps({"experiment": "tune", "config": recorded}))
    assert inspect(tuned, tmp_path).status == "interrupted"
    (folder / "metrics.json").write_text(json.dumps({"experiment": "heartbeat", **_metrics(TUNED)}))
    state = inspect(tuned, tmp_path)
    assert state.status == FINISHED and state.metrics["search"]["best"]["hyperparameters"] == CHOSEN
    recorded["trials"] = 3
    (folder / "config.json").write_text(json.dumps({"experiment": "tune", "config": recorded}))
    with pytest.raises(UserError, match="trials is 3 there, 16 in the plan"):
        inspect(tuned, tmp_path)


def test_a_folder_of_another_configuration_is_refused(tmp_path):
    runs_dir = tmp_path / "runs"
    write_synthetic_runs(runs_dir)
    config = runs_dir / "nab_autoencoder" / "reproduce-cpu-nab-v3" / "config.json"
    recorded = json.loads(config.read_text())
    recorded["config"]["epochs"] = 3
    config.write_text(json.dumps(recorded))
    with pytest.raises(UserError, match="another configuration .*epochs"):
        reports.reproduce(reports.Config(budget="cpu", runs_dir=runs_dir, reports_dir=tmp_path / "reports"))
    assert not (tmp_path / "reports").exists()


def test_an_option_added_after_a_run_was_trained_keeps_the_run(tmp_path):
    runs_dir = tmp_path / "runs"
    write_synthetic_runs(runs_dir)
    config = runs_dir / "heartbeat" / "reproduce-cpu-heartbeat-cnn2d_resnet-none" / "config.json"
    recorded = json.loads(config.read_text())
    del recorded["config"]["tensorboard"]  # as if --no-tensorboard came later: the plan keeps its default
    config.write_text(json.dumps(recorded))
    (run,) = plan("cpu", runs_dir, only=("heartbeat-cnn2d_resnet-none",))
    assert inspect(run, runs_dir).status == FINISHED
    del recorded["config"]["eval_batch_size"]  # the plan sets 1024, not the default: not the same run
    config.write_text(json.dumps(recorded))
    with pytest.raises(UserError, match="eval_batch_size is None there, 1024 in the plan"):
        inspect(run, runs_dir)


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("args, expected", [
    (["--budget", "huge"], "--budget"),
    (["--only", "nab,nope"], "--only nope"),
    (["--only", ""], "--only"),
    (["--from-runs", "empty"], "holds no run folders"),
    (["--from-runs", "absent"], "no such folder"),
    (["--budget", "smoke", "--from-runs", "runs", "--report-id", "taken"], "already exists"),
    (["--report-id", "a/b"], "--report-id"),
    (["--epochs", "3"], "unrecognized arguments"),
    (["--publish", "docs/report.txt"], "--publish"),
    (["--from-runs", "runs", "--publish", "folder.md"], "is a folder"),
])
def test_bad_flags_end_with_one_line_and_exit_2(tmp_path, args, expected):
    (tmp_path / "empty").mkdir()
    (tmp_path / "runs" / "nab_autoencoder" / "some-run").mkdir(parents=True)
    (tmp_path / "reports" / "taken").mkdir(parents=True)
    (tmp_path / "folder.md").mkdir()
    run_refused("experiments.reproduce", *args, expected=expected, cwd=tmp_path)


# --- a killed reproduce resumes ------------------------------------------------------------


def _nab_data(root: Path, points: int = 900) -> Path:
    """$KERAS_MODELS_DATA with a synthetic Twitter_volume_AAPL of `points` and its labelled windows."""
    series = root / "nab" / "data" / "realTweets"
    series.mkdir(parents=True)
    write_series(series / "Twitter_volume_AAPL.csv", n=points)
    (root / "nab" / "labels").mkdir()
    windows = write_windows(root / "nab" / "labels" / "combined_windows.json", "Twitter_volume_AAPL.csv",
                            [("2015-03-02 13:00:00", "2015-03-02 15:00:00")])
    windows.write_text(windows.read_text().replace("synthetic/", "realTweets/"))
    return root


@pytest.mark.slow
def test_a_killed_reproduce_resumes_and_reuses_finished_runs(tmp_path):
    env = {**{k: v for k, v in os.environ.items() if k != "KERAS_MODELS_DATA"},
           "KERAS_MODELS_DATA": str(_nab_data(tmp_path / "data")), "PYTHONPATH": str(REPO),
           "KERAS_MODELS_CACHE": str(tmp_path / "cache"), "PYTHONUNBUFFERED": "1"}
    args = [sys.executable, "-m", "experiments.reproduce", "--budget", "smoke", "--only", "nab-base,nab-v1"]
    first = tmp_path / "runs" / "nab_autoencoder" / "reproduce-smoke-nab-base"
    child = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, start_new_session=True)
    deadline = time.time() + 300
    while not (first / "config.json").exists() and time.time() < deadline and child.poll() is None:
        time.sleep(0.2)
    os.killpg(child.pid, signal.SIGINT)  # Ctrl-C in a terminal reaches the whole group
    output = child.communicate(timeout=300)[0]
    assert child.returncode == 130, output[-3000:]
    assert "run the same command again" in output
    assert not (tmp_path / "reports").exists(), "no report from a killed command"
    finished_before = {p.parent.name: p.stat().st_mtime_ns
                       for p in (tmp_path / "runs" / "nab_autoencoder").glob("*/metrics.json")}

    again = run_cli("experiments.reproduce", *args[3:], cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    folders = sorted(p.name for p in (tmp_path / "runs" / "nab_autoencoder").iterdir())
    assert folders == ["reproduce-smoke-nab-base", "reproduce-smoke-nab-v1"], "one folder per planned run"
    for name in folders:
        assert (tmp_path / "runs" / "nab_autoencoder" / name / "metrics.json").is_file()
    for name, mtime in finished_before.items():
        assert (tmp_path / "runs" / "nab_autoencoder" / name / "metrics.json").stat().st_mtime_ns == mtime
    if "reproduce-smoke-nab-base" not in finished_before:
        assert "resuming nab-base" in again.stdout
    report = next((tmp_path / "reports").glob("smoke-*/report.json"))
    rows = json.loads(report.read_text())["rows"]
    assert rows and all(row["verdict"] == NOT_COMPARABLE for row in rows), "smoke: nothing is comparable"

    done = run_cli("experiments.reproduce", *args[3:], "--report-id", "third", cwd=tmp_path, env=env)
    assert done.returncode == 0 and "2 finished" in done.stdout and "=== training" not in done.stdout


@pytest.mark.slow
def test_ctrl_c_in_a_worker_s_start_up_stops_reproduce_started_with_sigint_ignored(tmp_path):
    """A shell without job control starts `reproduce ... &` with SIGINT ignored; SIGINT while
    a worker still imports and loads data must stop both, keeping no finished run."""
    env = {**os.environ, "KERAS_MODELS_DATA": str(_nab_data(tmp_path / "data")), "PYTHONPATH": str(REPO),
           "KERAS_MODELS_CACHE": str(tmp_path / "cache"), "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen([sys.executable, "-m", "experiments.reproduce", "--budget", "smoke", "--only", "nab-v1"],
                             cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    lines = []
    for line in child.stdout:  # the worker has just been started
        lines.append(line)
        if line.startswith("=== training"):
            break
    time.sleep(0.5)
    os.killpg(child.pid, signal.SIGINT)
    output = "".join(lines) + child.communicate(timeout=120)[0]
    assert child.returncode == 130, output[-3000:]
    assert "run the same command again" in output
    assert not list((tmp_path / "runs").glob("*/*/metrics.json")), "the run was stopped before it finished"


def test_a_worker_that_ignores_ctrl_c_is_terminated_not_waited_for_forever():
    from keras_models.reports import runs

    stubborn = subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGINT, "
                                 "signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"],
                                stdout=subprocess.PIPE, text=True)
    stubborn.stdout.readline()
    started = time.time()
    runs._stop(stubborn, grace=0.1, stop_timeout=1.0)
    assert stubborn.returncode == -signal.SIGTERM and time.time() - started < 30
