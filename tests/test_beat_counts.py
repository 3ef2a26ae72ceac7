"""benchmarks.beat_counts: our beats per class beside the Kaggle files' (synthetic counts, no records)."""

from __future__ import annotations

import pytest

from benchmarks import beat_counts
from keras_models.heartbeat.splits import KAGGLE_COUNTS


def test_rows_set_our_counts_beside_kaggles():
    parts = {"train": [70, 2, 5, 1, 6], "val": [8, 0, 1, 0, 1], "test": [20, 1, 2, 0, 2]}
    rows = beat_counts.count_rows(parts, KAGGLE_COUNTS)
    assert [row["class"] for row in rows] == ["N", "S", "V", "F", "Q", "total"]
    n, total = rows[0], rows[-1]
    assert (n["ours all"], n["ours train"], n["ours test"]) == (98, 78, 20)   # train = train + validation
    assert (n["Kaggle train"], n["Kaggle test"], n["Kaggle all"]) == (72_471, 18_118, 90_589)
    assert (total["ours all"], total["Kaggle all"]) == (119, 109_446)
    assert total["ours / Kaggle"] == "0.1%"


def test_help_names_the_extractions(capsys):
    with pytest.raises(SystemExit):
        beat_counts.main(["--help"])
    out = capsys.readouterr().out
    assert "--beats" in out and "kachuee" in out and "annotated" in out
