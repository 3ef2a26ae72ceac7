"""The GRUs' training levers (tempered class weights, gradient clipping, a warmed-up
constant rate) as recipe fields and flags, and `benchmarks.gru_recipe`'s choice, on
synthetic data. What the levers do to accuracy is measured by the benchmark, never here."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import write_kaggle

from benchmarks import gru_recipe
from keras_models import cli, heartbeat, optimizers
from keras_models.errors import UserError
from keras_models.heartbeat import balance as hb_balance

Y = np.repeat(np.arange(5), [900, 36, 100, 9, 81])


def test_class_weight_power_tempers_the_balanced_weights():
    balanced = hb_balance.class_weights(Y)
    counts = np.bincount(Y)
    assert balanced == pytest.approx({c: len(Y) / (5 * n) for c, n in enumerate(counts)})
    assert hb_balance.class_weights(Y, 1.0) == pytest.approx(balanced)
    root = hb_balance.class_weights(Y, 0.5)
    ratios = [root[c] / np.sqrt(balanced[c]) for c in range(5)]
    assert ratios == pytest.approx([ratios[0]] * 5)  # proportional to sqrt(w_c)
    assert sum(root[c] * n for c, n in enumerate(counts)) == pytest.approx(len(Y))  # mean weight of a beat 1
    assert root[3] / root[0] == pytest.approx(np.sqrt(900 / 9))  # F vs N: 100:1 -> 10:1
    assert hb_balance.class_weights(Y, 0.0) == pytest.approx({c: 1.0 for c in range(5)})
    x = np.zeros((len(Y), 3), np.float32)
    assert hb_balance.balance(x, Y, "class-weights", class_weight_power=0.5)[2] == pytest.approx(root)


def test_clipnorm_and_the_constant_warm_up_reach_the_optimizer():
    clipped = optimizers.build_optimizer(optimizers.OptimizerConfig(clipnorm=1.0), steps_per_epoch=5, epochs=4)
    assert clipped.clipnorm == 1.0
    assert optimizers.build_optimizer(optimizers.OptimizerConfig(), 5, 4).clipnorm is None
    warm = optimizers.build_optimizer(optimizers.OptimizerConfig(learning_rate=1e-3, warmup_epochs=1), 5, 4)
    rate = warm._learning_rate
    assert [float(rate(s)) for s in (0, 5, 12, 20)] == pytest.approx([0.0, 1e-3, 1e-3, 1e-3])


def test_levers_are_flags_that_override_the_recipe_and_round_trip(tmp_path):
    from keras_models.heartbeat.experiment import make_job

    parser = cli.ArgumentParser()
    cli.add_config_flags(parser, heartbeat.Config)
    train, test = write_kaggle(tmp_path / "train.csv", 20), write_kaggle(tmp_path / "test.csv", 4, seed=1)
    values, _ = cli.parse(parser, ["--model", "gru1d", "--clipnorm", "0.5", "--class-weight-power", "0.25",
                                   "--balance", "class-weights", "--train-file", str(train),
                                   "--test-file", str(test)])
    config = cli.config_from_flags(heartbeat.Config, values)
    resolved = config.resolved()
    assert (resolved.clipnorm, resolved.class_weight_power) == (0.5, 0.25)
    assert heartbeat.Config.from_dict(resolved.to_dict()) == resolved
    default = heartbeat.Config(model="gru1d").resolved()
    assert heartbeat.Config(model="cnn2d_resnet").resolved().clipnorm == 0.0  # other recipes unclipped
    assert default.clipnorm == heartbeat.RECIPES["cpu-gru"].clipnorm
    job = make_job(config, heartbeat.load(config))
    assert job.optimizer.clipnorm == 0.5
    assert job.rebalance(np.zeros((len(Y), 3)), Y, "class-weights", 0)[2] == \
        pytest.approx(hb_balance.class_weights(Y, 0.25))
    with pytest.raises(UserError, match="class-weight-power"):
        cli.config_from_flags(heartbeat.Config, {**values, "class_weight_power": 2.0})


def _row(candidate, recall, wall=10):
    return {"candidate": candidate, "val macro recall": recall, "wall s": wall,
            "learned": "yes" if recall >= gru_recipe.LEARNED_RECALL else "no"}


def test_the_benchmark_chooses_on_validation_macro_recall_among_candidates_that_learned_everywhere():
    rows = [_row("a", 0.9), _row("a", 0.2), _row("b", 0.6), _row("b", 0.5), _row("c", 0.6, 5), _row("c", 0.5, 5)]
    assert gru_recipe.choose(rows) == "c"  # a failed once; b and c tie on recall, c is faster
    assert gru_recipe.choose(rows[:2]) is None
    current = heartbeat.Config(model="gru1d", **gru_recipe.CANDIDATES["b64-1e-3-clip1-sqrtw-chrono"]).resolved()
    assert current == heartbeat.Config(model="gru1d").resolved()  # the candidate that is cpu-gru now
    for overrides in gru_recipe.CANDIDATES.values():
        heartbeat.Config(model="gru1d", **overrides).resolved()  # every candidate is a valid configuration


def test_the_cpu_plan_trains_the_gru_recipe_and_leaves_room_for_its_seed_runs_within_six_hours():
    from keras_models.reports.plan import plan

    runs = plan("cpu")
    grus = [run for run in runs if run.part == "heartbeat" and "gru" in run.config.model]
    assert len(grus) == 4 and all(run.config.recipe == "cpu-gru" for run in grus)
    assert all((run.config.batch_size, run.config.clipnorm, run.config.class_weight_power,
                run.config.gru_update_bias) == (64, 1.0, 0.5, "chrono") for run in grus)
    assert {run.config.steps_per_epoch for run in grus if run.config.balance in ("oversample-full", "smote")} == \
        {1198}  # a resampled set trains one pass's worth of beats
    assert sum(run.estimate_s for run in runs) + 3600 <= 6 * 3600  # an hour left for the --seeds runs
