"""Heartbeat data layer: beat extraction, beat files, splits, views, balancing.

Everything runs on tiny synthetic data (a fake WFDB record written with wfdb), except
the two real-data tests at the end (slow tier), which read MIT-BIH from $KERAS_MODELS_DATA/mitdb
or the download cache and are skipped when neither holds it.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import wfdb

from conftest import real_data_dir
from keras_models.errors import UserError
from keras_models.heartbeat import balance as hb_balance
from keras_models.heartbeat import beats as hb_beats
from keras_models.heartbeat import files as hb_files
from keras_models.heartbeat import splits as hb_splits
from keras_models.heartbeat.beatset import AAMI_CLASSES, CLASS_NAMES, BeatSet, class_counts, format_counts

FS = 360
SECONDS = 32
BEAT_TIMES = np.arange(0.5, SECONDS - 0.2, 0.8)  # s; none on a 10 s window boundary
SYMBOLS = ["N", "N", "V", "N", "A", "N", "F", "N", "/", "N", "Q", "j"]
LOW_BEAT = 5            # this annotated beat is drawn at half height: under Kachuee's 0.9
EXTRA_SPIKE_S = 4.9     # an R-like spike with no annotation: Kachuee finds it, no label


# ----------------------------------------------------------------------------- fixtures


def synthetic_signal(fs: int = FS) -> np.ndarray:
    """(m,) a spike (R) and a small dip (S) per beat, at `BEAT_TIMES`, plus the extra spike."""
    t = np.arange(SECONDS * fs) / fs
    signal = np.zeros_like(t)
    for i, r in enumerate(np.append(BEAT_TIMES, EXTRA_SPIKE_S)):
        height = 0.5 if i == LOW_BEAT else 1.0
        signal += height * np.exp(-0.5 * ((t - r) / 0.012) ** 2)
        signal -= 0.3 * np.exp(-0.5 * ((t - r - 0.04) / 0.01) ** 2)
    return signal


def beat_symbols() -> list[str]:
    return [SYMBOLS[i % len(SYMBOLS)] for i in range(len(BEAT_TIMES))]


def write_record(folder: Path, name: str = "900") -> Path:
    """A 32 s, 2-lead, 360 Hz WFDB record with beat annotations and one non-beat one."""
    folder.mkdir(parents=True, exist_ok=True)
    signal = synthetic_signal()
    wfdb.wrsamp(name, fs=FS, units=["mV", "mV"], sig_name=["MLII", "V1"],
                p_signal=np.column_stack([signal, -signal]), fmt=["212", "212"], write_dir=str(folder))
    samples = np.round(BEAT_TIMES * FS).astype(np.int64)
    wfdb.wrann(name, "atr", sample=np.concatenate([[3], samples]), symbol=["+"] + beat_symbols(),
               aux_note=["(N"] + [""] * len(samples), write_dir=str(folder))
    return folder


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    """An empty download/beat cache, and no $KERAS_MODELS_DATA."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("KERAS_MODELS_CACHE", str(cache))
    monkeypatch.delenv("KERAS_MODELS_DATA", raising=False)
    return cache


@pytest.fixture
def record_dir(tmp_path) -> Path:
    return write_record(tmp_path / "mitdb")


def expected_labels() -> np.ndarray:
    return np.array([AAMI_CLASSES[s] for s in beat_symbols()])


def fake_beatset(records_counts: dict[str, list[int]], seed: int = 0) -> BeatSet:
    """A BeatSet whose record r holds counts[c] beats of class c."""
    rng = np.random.default_rng(seed)
    records, labels = [], []
    for record, counts in records_counts.items():
        for label, count in enumerate(counts):
            records += [record] * count
            labels += [label] * count
    y = np.array(labels, dtype=np.int64)
    return BeatSet(x=rng.random((len(y), 187), dtype=np.float32), y=y, record=np.array(records),
                   sample=np.arange(len(y)), symbol=np.array(["N"] * len(y)))


# ----------------------------------------------------------------------------- beats


def test_read_record_resamples_and_keeps_beat_annotations_only(record_dir):
    raw = hb_beats.read_record(record_dir, "900")
    assert raw.fs == 125 and raw.source_fs == FS
    assert len(raw.signal) == int(np.ceil(SECONDS * FS * 125 / FS))
    assert list(raw.symbol) == beat_symbols()  # the "+" rhythm annotation is left out
    np.testing.assert_array_equal(raw.label, expected_labels())
    np.testing.assert_allclose(raw.beat_pos, np.round(BEAT_TIMES * FS) * 125 / FS)


def test_annotated_variant_gives_one_beat_per_annotated_beat(record_dir):
    beatset = hb_beats.build_beats(record_dir, ["900"], "annotated", progress=False)
    n = len(BEAT_TIMES)
    assert beatset.x.shape == (n, 187) and beatset.x.dtype == np.float32
    np.testing.assert_array_equal(beatset.y, expected_labels())
    assert set(beatset.record) == {"900"}
    np.testing.assert_array_equal(beatset.sample, np.round(BEAT_TIMES * FS))
    assert beatset.x.min() >= 0 and beatset.x.max() <= 1
    full = np.arange(n) != LOW_BEAT
    assert (beatset.x[full, 0] > 0.9).all()            # each beat starts at its R peak
    # T = 0.8 s = 100 samples at 125 Hz: 1.2 T = 120 samples of signal, then zeros,
    # except the last beat, 0.3 s before the end of the record
    assert (beatset.x[:, 120:] == 0).all() and (beatset.x[:-1, 119] > 0).all()
    assert 36 <= np.count_nonzero(beatset.x[-1]) <= 39
    assert beatset.info["extraction"]["annotated_per_class"] == class_counts(expected_labels()).tolist()


def test_kachuee_variant_drops_unmatched_and_misses_low_peaks(record_dir):
    beatset = hb_beats.build_beats(record_dir, ["900"], "kachuee", progress=False)
    dropped = beatset.info["extraction"]
    assert dropped["unmatched_peaks"] == 1                  # the extra spike has no annotation
    assert dropped["duplicate_peaks"] == 0
    missed = np.zeros(5, dtype=int)
    missed[expected_labels()[LOW_BEAT]] = 1                 # the half-height beat stays under 0.9
    assert dropped["missed_per_class"] == missed.tolist()
    np.testing.assert_array_equal(beatset.y, np.delete(expected_labels(), LOW_BEAT))
    ann = np.delete(np.round(BEAT_TIMES * FS), LOW_BEAT)
    assert np.abs(beatset.sample - ann).max() <= 4         # peaks sit on the annotated R peaks
    assert (beatset.x[:, 0] > 0.9).all() and beatset.x.max() <= 1 and beatset.x.min() >= 0
    # the beat at 9.3 s is cut at the end of its 10 s window: 0.7 s = 87-88 samples, not 120
    edge = int(np.flatnonzero(np.isclose(np.delete(BEAT_TIMES, LOW_BEAT), 9.3))[0])
    assert 86 <= np.count_nonzero(beatset.x[edge]) <= 89


def test_match_peaks_nearest_within_tolerance():
    beat_pos = np.array([10.0, 50.0, 100.0])
    matched = hb_beats.match_peaks(np.array([9, 32, 48, 75, 99, 130]), beat_pos, tolerance=18.75)
    np.testing.assert_array_equal(matched, [0, 1, 1, -1, 2, -1])
    np.testing.assert_array_equal(hb_beats.match_peaks(np.array([5]), np.array([]), 10), [-1])


def test_kachuee_windows_skip_flat_and_sparse_windows():
    params = hb_beats.ExtractionParams()
    flat = np.zeros(params.window)
    one_peak = np.zeros(params.window)
    one_peak[600] = 1.0
    beats, peaks, stats = hb_beats.kachuee_windows(np.concatenate([flat, one_peak]), params)
    assert beats.shape == (0, 187) and len(peaks) == 0
    assert stats == {"windows": 2, "flat_windows": 1, "sparse_windows": 1}


def test_cut_beat_pads_and_truncates():
    params = hb_beats.ExtractionParams()
    scaled = np.linspace(0, 1, 1000)
    short = hb_beats.cut_beat(scaled, 10, 50.0, params)        # 1.2 * 50 = 60 samples
    assert short.shape == (187,) and np.count_nonzero(short) == 60 and short[0] == np.float32(scaled[10])
    long = hb_beats.cut_beat(scaled, 0, 400.0, params)         # 480 samples, truncated
    np.testing.assert_allclose(long, scaled[:187].astype(np.float32))


def test_load_writes_one_npz_and_reuses_it(record_dir, cache_dir):
    first = hb_beats.load_mitdb_beats(record_dir, records=["900"], progress=False)
    files = list((cache_dir / "heartbeat").iterdir())
    assert len(files) == 1 and files[0].name.startswith("mitdb_annotated_") and files[0].suffix == ".npz"
    assert first.info["cache"] == str(files[0])
    assert files[0] == hb_beats.cache_path("annotated", ("900",), hb_beats.ExtractionParams())
    shutil.rmtree(record_dir)                                   # the cache alone must do
    again = hb_beats.load_mitdb_beats(record_dir, records=["900"], progress=False)
    np.testing.assert_array_equal(again.x, first.x)
    np.testing.assert_array_equal(again.y, first.y)
    np.testing.assert_array_equal(again.record, first.record)
    assert again.info["cache"] == str(files[0])
    with pytest.raises(UserError, match="MIT-BIH folder not found"):   # other parameters: rebuild
        hb_beats.load_mitdb_beats(record_dir, records=["900"], progress=False,
                                  params=hb_beats.ExtractionParams(threshold=0.8))


def test_cache_key_covers_every_parameter():
    base = hb_beats.cache_path("annotated", ("100",), hb_beats.ExtractionParams())
    assert hb_beats.cache_path("kachuee", ("100",), hb_beats.ExtractionParams()) != base
    assert hb_beats.cache_path("annotated", ("100", "101"), hb_beats.ExtractionParams()) != base
    assert hb_beats.cache_path("annotated", ("100",), hb_beats.ExtractionParams(lead=1)) != base
    assert hb_beats.cache_path("annotated", ("100",), hb_beats.ExtractionParams(tolerance_s=0.1)) != base


def test_damaged_cache_is_rebuilt(record_dir, cache_dir, capsys):
    target = hb_beats.cache_path("kachuee", ("900",), hb_beats.ExtractionParams())
    target.parent.mkdir(parents=True)
    target.write_bytes(b"not a zip file")
    beatset = hb_beats.load_mitdb_beats(record_dir, variant="kachuee", records=[900], progress=False)
    assert len(beatset) == len(BEAT_TIMES) - 1
    assert "damaged beat cache" in capsys.readouterr().out


def test_missing_record_file_names_record_and_fix(record_dir):
    (record_dir / "900.atr").unlink()
    with pytest.raises(UserError, match=r"record 900: 900\.atr not found .*dl_database"):
        hb_beats.read_record(record_dir, "900")
    with pytest.raises(UserError, match=r"record 901: 901\.hea not found"):
        hb_beats.build_beats(record_dir, ["901"], progress=False)


def test_bad_lead_and_variant(record_dir):
    with pytest.raises(UserError, match="lead 2 does not exist"):
        hb_beats.read_record(record_dir, "900", lead=2)
    with pytest.raises(UserError, match="unknown beat extraction 'peaks'; choose one of: annotated, kachuee"):
        hb_beats.load_mitdb_beats(record_dir, variant="peaks")
    with pytest.raises(UserError, match="no MIT-BIH records"):
        hb_beats.load_mitdb_beats(record_dir, records=[])


def test_lead_by_name_where_the_record_has_it(record_dir):
    by_name = hb_beats.read_record(record_dir, "900", lead_name="V1")
    assert by_name.lead == "V1"
    np.testing.assert_allclose(by_name.signal, -hb_beats.read_record(record_dir, "900", lead=0).signal, atol=1e-3)
    assert hb_beats.read_record(record_dir, "900", lead=1, lead_name="II").lead == "V1"  # no such signal: `lead`
    assert hb_beats.VARIANT_LEAD == {"annotated": None, "kachuee": "MLII"}
    params = hb_beats.ExtractionParams()
    assert hb_beats.cache_path("kachuee", ["900"], params).name != hb_beats.cache_path("annotated", ["900"], params).name


def test_lead_1_is_read(record_dir):
    lead0 = hb_beats.read_record(record_dir, "900", lead=0)
    lead1 = hb_beats.read_record(record_dir, "900", lead=1)
    np.testing.assert_allclose(lead1.signal, -lead0.signal, atol=1e-2)


def test_mitdb_dir_lookup_order(tmp_path, cache_dir, monkeypatch):
    with pytest.raises(UserError, match="MIT-BIH folder not found"):
        hb_beats.mitdb_dir(tmp_path / "nowhere")
    assert hb_beats.mitdb_dir(tmp_path) == tmp_path
    with pytest.raises(UserError, match=r"KERAS_MODELS_DATA \(unset\).*set KERAS_MODELS_DATA"):
        hb_beats.mitdb_dir(download=False)
    (cache_dir / "mitdb").mkdir(parents=True)
    assert hb_beats.mitdb_dir() == cache_dir / "mitdb"
    data = tmp_path / "local_data"
    (data / "mitdb").mkdir(parents=True)
    monkeypatch.setenv("KERAS_MODELS_DATA", str(data))
    assert hb_beats.mitdb_dir() == data / "mitdb"


def test_download_fails_fast_offline(cache_dir, monkeypatch):
    monkeypatch.setattr(hb_beats, "PHYSIONET_RECORDS_URL", "http://127.0.0.1:9/RECORDS")
    start = time.monotonic()
    with pytest.raises(UserError, match="PhysioNet is unreachable.*set KERAS_MODELS_DATA"):
        hb_beats.mitdb_dir()
    assert time.monotonic() - start < hb_beats.PROBE_TIMEOUT_S + 5
    assert not (cache_dir / "mitdb").exists()


def test_format_counts():
    assert format_counts(np.array([0, 0, 1, 4])) == "N 2 · S 1 · V 0 · F 0 · Q 1 = 4"
    assert CLASS_NAMES == ("N", "S", "V", "F", "Q")


# ----------------------------------------------------------------------------- files


def kaggle_rows(n: int = 20, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.random((n, 187)), np.arange(n) % 5]).astype(np.float64)


def test_read_kaggle_csv(tmp_path):
    rows = kaggle_rows()
    path = tmp_path / "mitbih_train.csv"
    np.savetxt(path, rows, delimiter=",", fmt="%.18e")
    beatset = hb_files.read_kaggle_csv(path)
    assert beatset.x.shape == (20, 187) and beatset.x.dtype == np.float32
    np.testing.assert_array_equal(beatset.y, rows[:, -1].astype(int))
    np.testing.assert_allclose(beatset.x, rows[:, :187], rtol=1e-6)
    assert beatset.record is None
    assert hb_files.read_beats_file(path).x.shape == (20, 187)


def write_csv(path: Path, rows: list[list]) -> Path:
    path.write_text("\n".join(",".join(str(v) for v in row) for row in rows) + "\n")
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda rows: [r[:-1] for r in rows], "187 columns, expected 188"),
    (lambda rows: rows[:3] + [rows[3][:10] + ["abc"] + rows[3][11:]] + rows[4:], "non-numeric value 'abc' in column 11, row 4"),
    (lambda rows: rows[:2] + [rows[2][:5] + [""] + rows[2][6:]] + rows[3:], "NaN.*column 6, row 3"),
    (lambda rows: rows[:1] + [rows[1][:-1] + [5]] + rows[2:], "label 5 in the last column, row 2; labels must be whole numbers 0..4"),
    (lambda rows: rows[:1] + [rows[1][:-1] + [1.5]] + rows[2:], "label 1.5 in the last column"),
    (lambda rows: [rows[0][:-1] + [-1]] + rows[1:], "label -1 in the last column, row 1"),
])
def test_kaggle_csv_validation(tmp_path, edit, message):
    rows = [list(r) for r in kaggle_rows(6)]
    path = write_csv(tmp_path / "bad.csv", edit(rows))
    with pytest.raises(UserError, match=message):
        hb_files.read_kaggle_csv(path)


def test_kaggle_csv_unreadable(tmp_path):
    with pytest.raises(UserError, match="file not found"):
        hb_files.read_kaggle_csv(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(UserError, match="not a readable CSV"):
        hb_files.read_kaggle_csv(empty)


def parquet_frame(n: int = 10) -> pd.DataFrame:
    rows = kaggle_rows(n)
    frame = pd.DataFrame(rows[:, :187], columns=[f"c_{i}" for i in range(187)])
    frame["target"] = rows[:, -1].astype(np.int64)
    return frame


def test_read_parquet(tmp_path):
    frame = parquet_frame()
    path = tmp_path / "heart_big_train.parq"
    frame.to_parquet(path)
    beatset = hb_files.read_parquet(path)
    assert beatset.x.shape == (10, 187)
    np.testing.assert_array_equal(beatset.y, frame["target"].to_numpy())
    assert hb_files.read_beats_file(path).x.shape == (10, 187)


@pytest.mark.parametrize("edit, message", [
    (lambda f: f.drop(columns="target"), "no 'target' column"),
    (lambda f: f.drop(columns="c_3"), "186 value columns besides 'target', expected 187"),
    (lambda f: f.assign(c_7=["x"] + ["0.5"] * 9), "non-numeric value 'x' in column 'c_7', row 1"),
    (lambda f: f.assign(c_8=[0.5] * 4 + [np.nan] + [0.5] * 5), "NaN.*column 'c_8', row 5"),
    (lambda f: f.assign(target=[0, 1, 2, 3, 4, 7, 0, 1, 2, 3]), "label 7 in 'target', row 6"),
])
def test_parquet_validation(tmp_path, edit, message):
    path = tmp_path / "bad.parq"
    edit(parquet_frame()).to_parquet(path)
    with pytest.raises(UserError, match=message):
        hb_files.read_parquet(path)


def test_parquet_unreadable_and_unknown_suffix(tmp_path):
    junk = tmp_path / "junk.parq"
    junk.write_text("not parquet")
    with pytest.raises(UserError, match="not a readable parquet file"):
        hb_files.read_parquet(junk)
    with pytest.raises(UserError, match="unknown beat file type '.txt'"):
        hb_files.read_beats_file(tmp_path / "beats.txt")


def test_load_beat_files_resolves_data_root(tmp_path, cache_dir, monkeypatch):
    folder = tmp_path / "data" / "heartbeat"
    folder.mkdir(parents=True)
    np.savetxt(folder / "mitbih_train.csv", kaggle_rows(8), delimiter=",")
    np.savetxt(folder / "mitbih_test.csv", kaggle_rows(4), delimiter=",")
    monkeypatch.setenv("KERAS_MODELS_DATA", str(tmp_path / "data"))
    parts = hb_files.load_beat_files("kaggle")
    assert (len(parts["train"]), len(parts["test"])) == (8, 4)
    with pytest.raises(UserError, match="heart_big_train.parq not found"):
        hb_files.load_beat_files("parquet")
    with pytest.raises(UserError, match="unknown beat file kind"):
        hb_files.load_beat_files("csv")


# ----------------------------------------------------------------------------- splits and views


def test_intra_patient_split_is_stratified_and_seeded():
    beatset = fake_beatset({"100": [700, 60, 120, 20, 100]})
    parts = hb_splits.intra_patient_split(beatset, val_fraction=0.1, test_fraction=0.2, seed=3)
    sizes = {name: len(part) for name, part in parts.items()}
    assert sum(sizes.values()) == len(beatset)
    assert sizes["test"] == 200 and sizes["val"] == 100
    for name, fraction in (("test", 0.2), ("val", 0.1)):
        expected = fraction * beatset.class_counts()
        assert np.abs(parts[name].class_counts() - expected).max() <= 1
    all_samples = np.concatenate([p.sample for p in parts.values()])
    assert len(np.unique(all_samples)) == len(beatset)                 # disjoint, complete
    again = hb_splits.intra_patient_split(beatset, val_fraction=0.1, test_fraction=0.2, seed=3)
    np.testing.assert_array_equal(again["test"].sample, parts["test"].sample)
    other = hb_splits.intra_patient_split(beatset, val_fraction=0.1, test_fraction=0.2, seed=4)
    assert not np.array_equal(other["test"].sample, parts["test"].sample)
    assert parts["train"].info["split"] == "intra" and parts["train"].info["part"] == "train"


def test_inter_patient_split_keeps_patients_apart():
    counts = [40, 8, 8, 4, 4]
    records = {r: counts for r in ("101", "106", "203", "100", "117", "234", "102", "217")}
    beatset = fake_beatset(records)
    parts = hb_splits.inter_patient_split(beatset, val_fraction=0.25, seed=0)
    train_val = set(parts["train"].record) | set(parts["val"].record)
    test = set(parts["test"].record)
    assert train_val == {"101", "106", "203"} and test == {"100", "117", "234"}
    assert not train_val & test
    assert not (train_val | test) & set(hb_splits.PACED)
    assert len(parts["train"]) + len(parts["val"]) == 3 * sum(counts)
    np.testing.assert_array_equal(parts["val"].class_counts(), 0.25 * 3 * np.array(counts))


def test_inter_patient_split_needs_record_ids_and_both_sets():
    no_records = BeatSet(x=np.zeros((10, 187), np.float32), y=np.arange(10) % 5)
    with pytest.raises(UserError, match="needs each beat's record id"):
        hb_splits.inter_patient_split(no_records)
    with pytest.raises(UserError, match="no beats from the DS2 records"):
        hb_splits.inter_patient_split(fake_beatset({"101": [10, 10, 10, 10, 10]}))


def kaggle_sized_beatset() -> BeatSet:
    """The class counts of the Kaggle files (109,446 beats), one sample each (x (n, 1)) to stay small."""
    totals = np.add(hb_splits.KAGGLE_COUNTS["train"], hb_splits.KAGGLE_COUNTS["test"])
    y = np.repeat(np.arange(len(CLASS_NAMES)), totals)
    return BeatSet(x=np.zeros((len(y), 1), np.float32), y=y, sample=np.arange(len(y)))


def test_kaggle_split_takes_kaggles_test_share_of_every_class():
    assert sum(hb_splits.KAGGLE_COUNTS["train"]) == 87_554 and sum(hb_splits.KAGGLE_COUNTS["test"]) == 21_892
    beatset = kaggle_sized_beatset()
    parts = hb_splits.split_beats(beatset, "kaggle", val_fraction=0.1, test_fraction=0.5, seed=42)  # 0.5 unused
    assert len(parts["test"]) == 21_892 and len(parts["train"]) + len(parts["val"]) == 87_554
    # stratified: each class within 3 beats of Kaggle's own test file
    assert np.abs(parts["test"].class_counts() - hb_splits.KAGGLE_COUNTS["test"]).max() <= 3
    rest = parts["train"].class_counts() + parts["val"].class_counts()
    assert np.abs(parts["val"].class_counts() - 0.1 * rest).max() < 2   # validation: 0.1 of the training beats
    assert len(np.unique(np.concatenate([p.sample for p in parts.values()]))) == len(beatset)  # disjoint, complete
    assert {p.info["split"] for p in parts.values()} == {"kaggle"}


def test_kaggle_split_is_seeded():
    beatset = fake_beatset({"100": [700, 60, 120, 20, 100]})
    parts = hb_splits.kaggle_split(beatset, val_fraction=0.1, seed=3)
    again = hb_splits.kaggle_split(beatset, val_fraction=0.1, seed=3)
    for name in hb_splits.PARTS:
        np.testing.assert_array_equal(again[name].sample, parts[name].sample)
    other = hb_splits.kaggle_split(beatset, val_fraction=0.1, seed=4)
    assert not np.array_equal(other["test"].sample, parts["test"].sample)
    with pytest.raises(UserError, match="val_fraction 1 is outside"):
        hb_splits.kaggle_split(beatset, val_fraction=1)


def test_split_validation():
    beatset = fake_beatset({"101": [20, 4, 4, 4, 4], "100": [20, 4, 4, 4, 4]})
    with pytest.raises(UserError, match="unknown split 'random'; choose one of: intra, inter"):
        hb_splits.split_beats(beatset, "random")
    with pytest.raises(UserError, match="val_fraction 0 is outside"):
        hb_splits.split_beats(beatset, "intra", val_fraction=0)
    with pytest.raises(UserError, match="leave no training beats"):
        hb_splits.split_beats(beatset, "intra", val_fraction=0.5, test_fraction=0.5)
    lonely = fake_beatset({"101": [20, 1, 4, 4, 4], "100": [5, 5, 5, 5, 5]})
    with pytest.raises(UserError, match="cannot take a stratified 0.1 of 33 DS1 beats"):
        hb_splits.split_beats(lonely, "inter")
    assert set(hb_splits.split_beats(beatset, "inter", val_fraction=0.25)) == {"train", "val", "test"}


def test_views_pad_to_192():
    x = np.random.default_rng(0).random((3, 187)).astype(np.float32)
    one = hb_splits.to_1d(x)
    two = hb_splits.to_2d(x)
    assert one.shape == (3, 192, 1) and two.shape == (3, 16, 12, 1)
    assert one.dtype == two.dtype == np.float32
    np.testing.assert_array_equal(one[:, :187, 0], x)
    assert (one[:, 187:] == 0).all()
    np.testing.assert_array_equal(two[:, 0, :, 0], x[:, :12])         # row-major
    np.testing.assert_array_equal(two[:, 15, 7:, 0], 0)               # the 5 padded zeros
    np.testing.assert_array_equal(hb_splits.to_view(x, "2d"), two)
    with pytest.raises(UserError, match="unknown view '3d'"):
        hb_splits.to_view(x, "3d")
    with pytest.raises(UserError, match="cannot be padded"):
        hb_splits.to_1d(np.zeros((2, 200)))


# ----------------------------------------------------------------------------- balance


@pytest.fixture
def imbalanced():
    y = np.repeat(np.arange(5), [900, 36, 100, 9, 81])
    x = np.random.default_rng(0).random((len(y), 187)).astype(np.float32)
    return x, y


def test_balance_none_and_class_weights(imbalanced):
    x, y = imbalanced
    assert hb_balance.balance(x, y, "none")[2] is None
    x_out, y_out, weights = hb_balance.balance(x, y, "class-weights")
    assert x_out is x and y_out is y
    counts = np.bincount(y)
    for label, weight in weights.items():
        assert weight == pytest.approx(len(y) / (5 * counts[label]))


def test_balance_oversampling_counts(imbalanced):
    x, y = imbalanced
    _, y_full, w = hb_balance.balance(x, y, "oversample-full", seed=1)
    assert w is None and np.bincount(y_full).tolist() == [900] * 5
    x_semi, y_semi, _ = hb_balance.balance(x, y, "oversample-semi", seed=1)
    assert np.bincount(y_semi).tolist() == [900, 180, 300, 90, 270]  # sqrt(n_c * 900)
    assert x_semi.shape == (len(y_semi), 187)
    # oversampled beats are copies of training beats
    originals = {row.tobytes() for row in x}
    assert all(row.tobytes() in originals for row in x_semi)
    again = hb_balance.balance(x, y, "oversample-semi", seed=1)[0]
    np.testing.assert_array_equal(again, x_semi)


def test_balance_smote_counts_and_shape(imbalanced):
    x, y = imbalanced
    x_view = hb_splits.to_2d(x)
    x_out, y_out, _ = hb_balance.balance(x_view, y, "smote", seed=0)
    assert np.bincount(y_out).tolist() == [900] * 5
    assert x_out.shape == (4500, 16, 12, 1) and x_out.dtype == np.float32
    np.testing.assert_array_equal(x_out[: len(x)], x_view)          # originals come first
    assert hb_balance.semi_targets(y) == {0: 900, 1: 180, 2: 300, 3: 90, 4: 270}


def test_balance_validation(imbalanced):
    x, y = imbalanced
    with pytest.raises(UserError, match="unknown --balance 'undersample'; choose one of: none, class-weights, "
                                        "oversample-semi, oversample-full, smote"):
        hb_balance.balance(x, y, "undersample")
    with pytest.raises(UserError, match="SMOTE needs at least 2 training beats per class; class\\(es\\) F"):
        hb_balance.balance(x[:5], np.array([0, 0, 1, 1, 3]), "smote")
    with pytest.raises(UserError, match="needs at least 2 classes"):
        hb_balance.balance(x[:5], np.zeros(5, int), "oversample-full")
    with pytest.raises(UserError, match="one label per beat"):
        hb_balance.balance(x, y[:-1], "none")


# ----------------------------------------------------------------------------- real MIT-BIH data


def real_mitdb() -> Path:
    return real_data_dir("mitdb/100.dat", "mitdb") / "mitdb"


def annotation_counts(folder: Path, records) -> np.ndarray:
    counts = np.zeros(5, dtype=int)
    for record in records:
        symbols = wfdb.rdann(str(folder / record), "atr").symbol
        counts += class_counts(np.array([AAMI_CLASSES[s] for s in symbols if s in AAMI_CLASSES], dtype=int))
    return counts


@pytest.mark.slow
def test_real_records_both_variants():
    folder = real_mitdb()
    records = ["100", "119", "208"]          # N, many V (bigeminy), S/V/F
    counts = annotation_counts(folder, records)
    annotated = hb_beats.build_beats(folder, records, "annotated", progress=False)
    np.testing.assert_array_equal(annotated.class_counts(), counts)
    assert annotated.x.shape == (counts.sum(), 187) and 0 <= annotated.x.min() and annotated.x.max() <= 1
    assert list(dict.fromkeys(annotated.record)) == records
    kachuee = hb_beats.build_beats(folder, records, "kachuee", progress=False)
    dropped = kachuee.info["extraction"]
    assert len(kachuee) == dropped["peaks"] - dropped["unmatched_peaks"]
    assert len(kachuee) - dropped["duplicate_peaks"] == counts.sum() - sum(dropped["missed_per_class"])
    assert 0.3 * counts.sum() < len(kachuee) < counts.sum()


@pytest.mark.slow
def test_real_all_48_records_match_annotation_totals():
    folder = real_mitdb()
    beatset = hb_beats.build_beats(folder, hb_beats.MITDB_RECORDS, "annotated", progress=False)
    assert beatset.class_counts().tolist() == [90_631, 2_781, 7_236, 803, 8_043]
    parts = hb_splits.inter_patient_split(beatset)
    assert set(parts["test"].record) == set(hb_splits.DS2)
    assert set(parts["train"].record) | set(parts["val"].record) == set(hb_splits.DS1)
