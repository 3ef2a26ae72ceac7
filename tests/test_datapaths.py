"""Data paths (offline refusals, folder lookup; downloads are tested against a local
server in test_data_fetch.py) and the Markdown tables of `keras_models.audit.format_table`."""

from __future__ import annotations

import hashlib

import pytest

from keras_models import datapaths
from keras_models.audit import format_table
from keras_models.errors import UserError

URL = "https://example.invalid/nab/z.csv"


def test_offline_raises_without_calling_the_downloader(roots, monkeypatch):
    monkeypatch.setenv("KERAS_MODELS_OFFLINE", "1")

    def no_download(*args, **kwargs):
        raise AssertionError("download called while offline")

    monkeypatch.setattr(datapaths, "fetch_file", no_download)
    with pytest.raises(UserError, match=r"downloads are off \(\$KERAS_MODELS_OFFLINE is set\).*KERAS_MODELS_DATA"):
        datapaths.resolve("nab/z.csv", remote=datapaths.Remote("https://example.invalid/z.csv", hashlib.sha256(b"x").hexdigest()))
    assert not (roots / "cache").exists()


def test_unsupported_url_is_a_user_error(roots, tmp_path):
    source = tmp_path / "origin.csv"
    source.write_bytes(b"x")
    with pytest.raises(UserError, match="cannot download file://.*KERAS_MODELS_DATA"):
        datapaths.resolve("nab/z.csv", remote=datapaths.Remote(source.as_uri(), hashlib.sha256(b"x").hexdigest()))


def test_sha256_of(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc" * 1000)
    assert datapaths.sha256_of(path) == hashlib.sha256(b"abc" * 1000).hexdigest()


def test_resolve_dir_order_and_errors(roots, monkeypatch):
    cached = roots / "cache" / "images" / "set"
    cached.mkdir(parents=True)
    assert datapaths.resolve_dir("images/set") == cached
    local = roots / "local" / "images" / "set"
    local.mkdir(parents=True)
    monkeypatch.setenv("KERAS_MODELS_DATA", str(roots / "local"))
    assert datapaths.resolve_dir("images/set") == local
    with pytest.raises(UserError, match="is a file, not a folder; give --data a folder"):
        (roots / "file").write_text("x")
        datapaths.resolve_dir("images/set", explicit=roots / "file", flag="--data")
    with pytest.raises(UserError, match="images/other not found in .*; set KERAS_MODELS_DATA"):
        datapaths.resolve_dir("images/other")


def test_format_table_is_github_markdown_with_unpadded_cells():
    rows = [{"model": "cnn2d_resnet", "params": 1084421, "acc": 0.912345678, "ok": True, "note": None},
            {"model": "v3", "params": 4193, "acc": 1e-7, "ok": False, "note": "matches"}]
    lines = format_table(rows).splitlines()
    assert lines[0] == "| model | params | acc | ok | note |"
    assert set(lines[1]) == {"|", "-"} and lines[1].count("|") == 6
    assert lines[2:] == ["| cnn2d_resnet | 1,084,421 | 0.912346 | True | - |",
                         "| v3 | 4,193 | 1e-07 | False | matches |"]
    assert format_table(rows, ["params", "model"]).splitlines()[2] == "| 1,084,421 | cnn2d_resnet |"
    # numbers-looking strings are kept as given, not re-parsed
    assert format_table([{"id": "007", "x": "1e3"}]).splitlines()[2] == "| 007 | 1e3 |"
