"""AG News: data loading, layers, model, and the experiment end to end on synthetic CSVs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import real_data_dir, write_ag_news
from keras_models import ag_news as api
from keras_models.errors import UserError
from keras_models.text import ag_news, tfds_source

TINY = ["--vocab-size", "60", "--sequence-length", "12", "--batch-size", "16", "--no-tensorboard"]
RAW = np.array(["Striker scores as coach wins the league playoff",
                "Shares jump after merger; investors cheer record earnings",
                "New browser and chip from the internet firm", "Minister calls election"], dtype=object)


# Data ----------------------------------------------------------------------------------------

def test_read_csv_joins_title_and_description(tmp_path):
    path = tmp_path / "test.csv"
    path.write_text('"3","Fears for pension","Unions say they are disappointed."\n'
                    '"4","Title, with comma","Line one\\\nline two"\n\n"1","  Only title  ",""\n')
    data = ag_news.read_csv(path)
    assert data.labels.tolist() == [2, 3, 0]
    assert data.texts[0] == "Fears for pension Unions say they are disappointed."
    assert data.texts[1].startswith("Title, with comma Line one")
    assert data.texts[2] == "Only title"


def test_protocols_split_stratified_and_seeded(ag_news_dir):
    full = ag_news.load("full", ag_news_dir, val_fraction=0.25, seed=3)
    assert {p: len(s.labels) for p, s in full.parts().items()} == {"train": 120, "val": 40, "test": 80}
    assert full.train.class_counts() == [30] * 4 and full.test.class_counts() == [20] * 4
    small = ag_news.load("small", ag_news_dir, val_fraction=0.25, seed=3)
    assert {p: len(s.labels) for p, s in small.parts().items()} == {"train": 48, "val": 16, "test": 16}
    assert "NOT comparable" in small.note and small.sources == {"test.csv": str(ag_news_dir / "test.csv")}
    again = ag_news.load("small", ag_news_dir, val_fraction=0.25, seed=3)
    assert (again.test.texts == small.test.texts).all()


def test_data_root_is_searched_before_tfds(tmp_path, monkeypatch):
    write_ag_news(tmp_path / "root" / "ag_news", files=("test.csv",))
    monkeypatch.setenv("KERAS_MODELS_DATA", str(tmp_path / "root"))
    monkeypatch.setenv("KERAS_MODELS_CACHE", str(tmp_path / "cache"))
    assert ag_news.load("small").sources["test.csv"] == str(tmp_path / "root" / "ag_news" / "test.csv")
    monkeypatch.setattr(tfds_source, "unreachable", lambda: "probe was called")
    with pytest.raises(UserError, match="AG News train.csv not found in .*probe was called"):
        ag_news.load("full")  # train.csv absent locally: only then is tfds considered


@pytest.mark.parametrize("root_has, cache_has, expected", [
    (("test.csv",), (), "AG News train.csv not found in "),
    (("train.csv",), (), "AG News test.csv not found in "),
    ((), (), "AG News train.csv and test.csv not found in "),
    (("train.csv",), ("test.csv",), "AG News train.csv and test.csv are not in one folder: "),
])
def test_not_found_names_only_the_missing_files_and_the_fix(tmp_path, monkeypatch, root_has, cache_has, expected):
    for folder, files in (("root", root_has), ("cache", cache_has)):
        (tmp_path / folder / "ag_news").mkdir(parents=True)
        for name in files:
            (tmp_path / folder / "ag_news" / name).write_text('"1","t","d"\n')
    monkeypatch.setenv("KERAS_MODELS_DATA", str(tmp_path / "root"))
    monkeypatch.setenv("KERAS_MODELS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(tfds_source, "prepared", lambda: False)
    monkeypatch.setattr(tfds_source, "unreachable", lambda: "downloads are off")
    with pytest.raises(UserError) as err:
        ag_news.load("full")
    message = str(err.value)
    assert message.startswith(expected) and "\n" not in message
    assert "`python -m experiments.data fetch ag_news`" in message
    assert "<data root>/ag_news/train.csv and <data root>/ag_news/test.csv" in message
    assert "SPEC" not in message and "shared" not in message


def test_tfds_split_becomes_a_text_set():
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices({"title": [b"Title", b"Other"], "description": [b"text.", b" "],
                                                  "label": np.array([3, 0], dtype=np.int64)})
    data = tfds_source.as_text_set(dataset)
    assert data.texts.tolist() == ["Title text.", "Other"] and data.labels.tolist() == [3, 0]


# Configuration and job (no training) -----------------------------------------------------

def test_config_defaults_rules_and_round_trip():
    best = api.Config(variant="best", protocol="small")
    assert (best.effective_patience(), best.effective_learning_rate(), best.model_kwargs()) == (2, 5e-4, {})
    base = api.Config(variant="base", learning_rate="0.01", ngrams="1", sequence_length=20)
    assert (base.effective_patience(), base.effective_learning_rate()) == (0, 0.01)
    assert base.ngrams is None and base.model_kwargs() == {"sequence_length": 20}
    assert api.Config.from_dict(base.to_dict()) == base
    with pytest.raises(UserError, match="variant base trains without early stopping"):
        api.Config(variant="base", patience=3)
    with pytest.raises(UserError, match="--patience 0 turns off"):
        api.Config(variant="best", patience=0)
    for bad in ({"val_fraction": float("nan")}, {"learning_rate": float("inf")}, {"seed": 2**32},
                {"variant": "huge"}, {"ngrams": 4}, {"vocab_size": 2}):
        with pytest.raises(UserError, match="expected|unknown value"):
            api.Config(**bad)


def test_compare_keeps_patience_for_early_stopping_variants_only():
    from keras_models.text.api import variant_config

    config = api.Config(patience=3, run_id="cmp")
    assert variant_config(config, "base", "cmp-base").patience is None
    assert variant_config(config, "best", "cmp-best").patience == 3
    with pytest.raises(UserError, match="unknown value 'huge'"):
        variant_config(config, "huge", None)


def test_make_job_takes_every_training_setting_from_the_config(ag_news_dir, tmp_path):
    from keras_models.text.experiment import make_job

    config = api.Config(variant="best", protocol="small", data_dir=ag_news_dir, vocab_size=60, ngrams=2,
                        runs_dir=tmp_path / "runs")
    loaded = api.load(config)
    assert loaded.files == [(ag_news_dir / "test.csv").resolve()]
    job = make_job(config.replace(batch_size=8), loaded)
    assert (job.model, job.config.batch_size, job.config.patience) == ("ag_news_best", 8, 2)
    assert (job.optimizer.optimizer, job.optimizer.learning_rate) == ("adam", 5e-4)
    assert job.model_kwargs == {"vocab_size": 60, "ngrams": 2} and job.classifier
    assert len(job.train.x) == len(loaded.splits.train.labels) and job.data_files == loaded.files
    assert json.loads(json.dumps(job.describe()))["config"]["protocol"] == "small"


# Layers and model ----------------------------------------------------------------------------

def test_layers_serialize_and_mask_padding():
    import keras

    from keras_models.layers.text_embedding import TokenAndPositionEmbedding
    from keras_models.layers.transformer_block import TransformerBlock

    embed = TokenAndPositionEmbedding(8, 20, 6, mask_zero=True)
    block = TransformerBlock(2, intermediate_dim=10, key_dim=6, dropout=0.3, l2=1e-3, epsilon=1e-6)
    for layer in (embed, block):
        clone = keras.layers.deserialize(keras.layers.serialize(layer))
        assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
    short = np.array([[5, 6, 7, 0, 0]])
    long = np.array([[5, 6, 7, 0, 0, 0, 0, 0]])
    outputs = [block(embed(t), mask=embed.compute_mask(t)).numpy()[:, :3] for t in (short, long)]
    np.testing.assert_allclose(outputs[0], outputs[1], atol=1e-6)  # padding is out of the attention
    assert len(block.losses) == 6  # L2 on the q, k, v and output kernels and the two FFN kernels


def test_every_variant_model_builds_with_defaults_and_takes_raw_strings():
    from keras_models import registry
    from keras_models.models.ag_news import adapt_vectorizer

    for name in registry.names("ag_news"):
        model = registry.build(name, vocab_size=50, sequence_length=10)
        assert adapt_vectorizer(model, RAW) > 2
        probabilities = model.predict(RAW, verbose=0)
        assert probabilities.shape == (4, 4)
        np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_parameter_counts():
    from keras_models import audit, registry

    rows = {row.name: row for row in audit.audit(registry.names("ag_news"))}
    # embedding 20,000 x 32 + 200 x 32 positions; block: attention 4 x (32x2x32 + ...) = 8,416, FFN 2,112,
    # two LayerNorms 128; head 32 x 4 + 4.
    assert {n: r.trainable for n, r in rows.items()} == {
        "ag_news_base": 657_188, "ag_news_dropout": 657_188, "ag_news_dropout_l2": 657_188,
        "ag_news_best": 657_188 - 72 * 32}
    assert all(r.documented is None and "report" in r.note for r in rows.values())


# The experiment end to end (in-process: one TensorFlow import for the file) ----------------

def _runs(root):
    return sorted(p for p in (root / "ag_news_transformer").iterdir() if p.is_dir())


def _train(tmp_path, *args):
    from experiments import ag_news_transformer

    ag_news_transformer.main([*args, "--epochs", "1", *TINY, "--runs-dir", str(tmp_path / "runs")])
    return _runs(tmp_path / "runs")


@pytest.mark.slow
def test_all_variants_full_protocol_on_a_synthetic_folder(tmp_path, ag_news_dir, capsys):
    runs = _train(tmp_path, "--variant", "all", "--protocol", "full", "--data-dir", str(ag_news_dir))
    assert len(runs) == 6
    comparison = next(p for p in runs if "comparison" in p.name)
    rows = json.loads((comparison / "comparison.json").read_text())["rows"]
    assert [r["variant"] for r in rows] == ["base", "dropout", "dropout-es", "dropout-es-l2", "best"]
    assert all(r["epochs"] == 1 and r["wall_s"] > 0 and 0 <= r["test_acc"] <= 100 for r in rows)
    assert [r["report_test_acc"] for r in rows] == [89.20, 90.11, 91.76, 91.13, None]
    assert "| dropout-es-l2 |" in (comparison / "comparison.md").read_text()
    assert "report_test_acc" in capsys.readouterr().out

    run = next(p for p in runs if "dropout-es-l2" in p.name)
    for name in ("config.json", "history.csv", "model.keras", "saved_model/saved_model.pb", "plots/accuracy.png",
                 "plots/loss.png", "plots/confusion_matrix.png", "plots/roc.png"):
        assert (run / name).exists(), name
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["protocol"] == "full" and metrics["model"] == "ag_news_dropout_l2"
    assert {"accuracy", "loss"} <= set(metrics["test"]) and {"accuracy", "loss"} <= set(metrics["val"])
    test = metrics["test_metrics"]
    assert {"precision_macro", "recall_macro", "f1_macro"} <= set(test) and len(test["confusion_matrix"]) == 4
    assert set(test["roc_auc"]) == {"World", "Sports", "Business", "Sci/Tech"}
    assert metrics["export"]["saved_model_max_abs_diff"] <= 1e-6
    assert metrics["vectorizer"]["max_tokens"] == 60 and metrics["vectorizer"]["sequence_length"] == 12
    config = json.loads((run / "config.json").read_text())
    assert config["data"]["rows"] == {"train": 144, "val": 16, "test": 80}
    assert config["config"]["patience"] == 2
    assert config["data"]["sources"]["train.csv"] == str(ag_news_dir / "train.csv")
    assert config["optimizer"]["learning_rate"] == 1e-3
    assert config["model_kwargs"] == {"vocab_size": 60, "sequence_length": 12}
    base = json.loads((next(p for p in runs if "-base-" in p.name) / "config.json").read_text())
    assert base["config"]["patience"] == 0  # --variant all: no early stopping for base and dropout


def test_saved_model_answers_raw_strings_with_the_models_probabilities(tmp_path, ag_news_dir):
    import keras
    import tensorflow as tf

    (run,) = _train(tmp_path, "--variant", "best", "--protocol", "small", "--data-dir", str(ag_news_dir))
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["protocol"] == "small" and "NOT comparable" in metrics["protocol_note"]
    reloaded = tf.saved_model.load(str(run / "saved_model"))  # keep it referenced while serving
    served = reloaded.serve(tf.constant(RAW.astype(str))).numpy()
    expected = keras.saving.load_model(run / "model.keras").predict(RAW, verbose=0)
    np.testing.assert_allclose(served, expected, atol=1e-6)
    np.testing.assert_allclose(served.sum(axis=1), 1, atol=1e-5)


@pytest.mark.slow
def test_real_test_csv_small_protocol_counts(monkeypatch):
    monkeypatch.setenv("KERAS_MODELS_DATA", str(real_data_dir("ag_news/test.csv", "ag_news")))
    splits = ag_news.load("small")
    assert {p: s.class_counts() for p, s in splits.parts().items()} == {
        "train": [1368] * 4, "val": [152] * 4, "test": [380] * 4}


@pytest.mark.slow
def test_python_api_run_then_resume_an_interrupted_run(tmp_path, ag_news_dir, monkeypatch):
    import keras

    from keras_models import runner

    class StopAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise KeyboardInterrupt

    make_callbacks = runner.callbacks
    monkeypatch.setattr(runner, "callbacks", lambda *a: make_callbacks(*a) + [StopAfterFirstEpoch()])
    config = api.Config(variant="dropout", protocol="small", data_dir=ag_news_dir, epochs=2, vocab_size=60,
                        sequence_length=12, batch_size=16, tensorboard=False, runs_dir=tmp_path / "runs",
                        run_id="killed")
    with pytest.raises(runner.Interrupted):
        api.run(config)
    run_dir = tmp_path / "runs" / "ag_news_transformer" / "killed"
    monkeypatch.setattr(runner, "callbacks", make_callbacks)

    test_csv = ag_news_dir / "test.csv"
    original = test_csv.read_bytes()
    test_csv.write_bytes(original + b'"1","Minister Election","troops and embassy."\n')
    with pytest.raises(UserError, match="changed since the run started"):
        api.resume(run_dir)
    test_csv.write_bytes(original)

    result = api.resume(run_dir)
    assert result.run_dir == run_dir and result.metrics["resumed"] is True and result.metrics["epochs_run"] == 2
    assert result.metrics["variant"]["name"] == "dropout" and 0 <= result.metrics["test_metrics"]["accuracy"] <= 1
    with pytest.raises(UserError, match="already finished"):
        api.resume(run_dir)
