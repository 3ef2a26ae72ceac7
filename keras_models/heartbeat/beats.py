"""Build the 5-class AAMI beat set from the raw MIT-BIH Arrhythmia Database records.

Every beat comes out in the form of Kachuee et al. (2018, arXiv:1805.00794), the form
of the Kaggle "ECG Heartbeat Categorization" CSVs: 187 samples at 125 Hz, starting at
the R peak, scaled to [0, 1] by the min and max of a 10 s stretch of signal, 1.2 T
samples long (T = the median R-R interval around the beat) and zero-padded to 187.

Two variants differ in where the R peaks come from:

``"annotated"`` (default)
    One beat per annotated beat: the R positions are the cardiologists' beat
    annotations (``.atr``) and each beat is scaled by the 10 s of signal centred on
    its own R peak; T is the median interval between the annotated beats in those
    10 s. The class counts equal the annotation totals (N 90,631 · S 2,781 · V 7,236
    · F 803 · Q 8,043 over the 48 records), every label is exact, and every beat
    keeps its record id and R position, which the inter-patient split and any
    comparison with the literature need. This is the default for those reasons.

``"kachuee"``
    Kachuee's own detector, on lead MLII (their "lead II") wherever the record has it
    (all but 102 and 104, which have no MLII and give their first lead, V5; in 114
    MLII is the second signal): split the record into consecutive 10 s windows (the last
    one shorter), min-max scale each window to [0, 1], take the local maxima above
    0.9 as R peaks, T = the median interval between those peaks, and cut 1.2 T
    samples from each peak, within its window. A peak is labelled with the class of
    the nearest annotated beat within ±150 ms (the beat-matching window of ANSI/AAMI
    EC57); peaks with no annotated beat that close are dropped and counted. Beats
    whose R peak stays under 0.9 in its window are missed, two peaks on one beat give
    duplicates, and windows with fewer than two peaks give no beats at all, so the
    counts differ from the annotation totals (`BeatSet.info` says by how much).

The record folder is found by `mitdb_dir`; the beat set is cached as one compressed
``.npz`` under ``<cache>/heartbeat/`` named by a hash of the extraction parameters.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import urllib.request
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
from scipy.signal import find_peaks, resample_poly
from tqdm.auto import tqdm

from keras_models import datapaths
from keras_models.datasets import registry
from keras_models.errors import UserError
from keras_models.heartbeat.beatset import AAMI_CLASSES, BEAT_FS, BEAT_LENGTH, BeatSet, class_counts

#: The 48 records of the MIT-BIH Arrhythmia Database (PhysioNet mitdb 1.0.0).
MITDB_RECORDS = registry.MITDB_RECORDS
VARIANTS = ("annotated", "kachuee")
#: the lead each variant reads by name where a record has it (else `ExtractionParams.lead`)
VARIANT_LEAD = {"annotated": None, "kachuee": "MLII"}
#: the files of one record: header, signals, cardiologists' beat annotations
RECORD_SUFFIXES = (".hea", ".dat", ".atr")
DEFAULT_VARIANT = "annotated"
MITDB_FOLDER = "mitdb"
PHYSIONET_RECORDS_URL = "https://physionet.org/files/mitdb/1.0.0/RECORDS"
PROBE_TIMEOUT_S = 10
#: Bump when the extraction code changes what it produces: old caches are then ignored.
CACHE_VERSION = 1


@dataclass(frozen=True)
class ExtractionParams:
    """Parameters of the beat extraction (their hash names the cache file).

    Attributes:
        lead: signal index in the record (0 = MLII in 45 of the 48 records; V5 in 102,
            104 and 114); the "kachuee" variant reads MLII by name instead where the
            record has it (`VARIANT_LEAD`).
        fs: target sampling rate in Hz.
        window_s: length of the scaling window in seconds.
        threshold: R-peak threshold on the [0, 1]-scaled window ("kachuee" only).
        period_factor: beat length as a multiple of the median R-R interval T.
        length: samples per beat after zero-padding or truncation.
        tolerance_s: largest peak-to-annotation distance for a label ("kachuee" only).
    """

    lead: int = 0
    fs: int = BEAT_FS
    window_s: float = 10.0
    threshold: float = 0.9
    period_factor: float = 1.2
    length: int = BEAT_LENGTH
    tolerance_s: float = 0.15

    @property
    def window(self) -> int:
        """Scaling window length in samples at `fs`."""
        return int(round(self.window_s * self.fs))


@dataclass(frozen=True)
class RawRecord:
    """One record's lead, resampled, and its beat annotations.

    Attributes:
        name: record id, e.g. "100".
        lead: the name of the signal read, e.g. "MLII".
        signal: (m,) float64 lead `lead` resampled to `fs`.
        fs: rate of `signal` in Hz.
        source_fs: the record's own rate in Hz (360 for MIT-BIH).
        beat_sample: (k,) int64 annotated R positions at `source_fs` (beat annotations only).
        beat_pos: (k,) float64 the same positions at `fs`.
        symbol: (k,) str annotation symbols.
        label: (k,) int64 AAMI class of each annotated beat.
    """

    name: str
    lead: str
    signal: np.ndarray
    fs: int
    source_fs: float
    beat_sample: np.ndarray
    beat_pos: np.ndarray
    symbol: np.ndarray
    label: np.ndarray


# ----------------------------------------------------------------------------- folder


def mitdb_dir(path: Path | str | None = None, *, download: bool = True) -> Path:
    """The folder holding the MIT-BIH records (``100.hea``, ``100.dat``, ``100.atr``, ...).

    Looked up in order: `path` (must exist), ``$KERAS_MODELS_DATA/mitdb``, the cache
    ``<cache>/mitdb``, else a download with ``wfdb.dl_database("mitdb", <cache>/mitdb)``
    after a quick reachability check, so that an offline machine fails in seconds.
    """
    if path is not None:
        path = Path(path).expanduser()
        if not path.is_dir():
            what = "is a file, not a folder" if path.exists() else "does not exist"
            raise UserError(f"MIT-BIH folder not found: {path} {what}; pass the folder holding 100.hea, 100.dat, "
                            "100.atr, ...")
        return path
    found, tried = datapaths.look_up(MITDB_FOLDER, Path.is_dir)
    if found is not None:
        return found
    fix = datapaths.fix(MITDB_FOLDER, "its path (--mitdb)")
    if not download:
        raise UserError(f"MIT-BIH records not found in {', '.join(tried)}; {fix}")
    return _download_mitdb(datapaths.cache_root() / MITDB_FOLDER, tried, fix)


def _download_mitdb(target: Path, tried: list[str], fix: str) -> Path:
    """Download the records into `target` (the cache's mitdb folder) with
    `keras_models.datasets.fetch`: each file checked against the release's SHA256SUMS.txt,
    moved into place only when all are there, resumed when rerun."""
    from keras_models.datasets import fetch

    where = f"MIT-BIH records not found in {', '.join(tried)}"
    try:
        with urllib.request.urlopen(PHYSIONET_RECORDS_URL, timeout=PROBE_TIMEOUT_S):
            pass
    except OSError as err:
        reason = getattr(err, "reason", err)
        raise UserError(f"{where} and PhysioNet is unreachable ({reason}); {fix}") from None
    print(f"downloading PhysioNet mitdb -> {target}")
    try:
        return fetch("mitdb")
    except UserError as err:
        raise UserError(f"{where}, and downloading them failed: {err}") from None


# ----------------------------------------------------------------------------- records


def record_files(folder: Path, records: Sequence[str]) -> list[Path]:
    """The files of `records` in `folder`: ``<name>.hea``, ``.dat`` and ``.atr`` of each."""
    return [Path(folder) / f"{name}{suffix}" for name in records for suffix in RECORD_SUFFIXES]


def check_records(folder: Path, records: Sequence[str]) -> None:
    """`UserError` naming the first record of `records` with a file missing from `folder`."""
    for name in records:
        for suffix in RECORD_SUFFIXES:
            if not (Path(folder) / f"{name}{suffix}").is_file():
                raise UserError(
                    f"MIT-BIH record {name}: {name}{suffix} not found in {folder}; put the whole record "
                    f"({name}.hea, {name}.dat, {name}.atr) there, e.g. wfdb.dl_database('mitdb', '{folder}')"
                )


def read_record(folder: Path, name: str, lead: int = 0, fs: int = BEAT_FS,
                lead_name: str | None = None) -> RawRecord:
    """Read lead `lead` of record `name`, resample it to `fs` Hz, and keep its beat annotations.

    With `lead_name` (e.g. "MLII") the signal of that name is read instead, where the
    record has one; `lead` where it has not.

    Non-beat annotations (rhythm changes, noise, ``!`` flutter waves, ...) are left out;
    every beat symbol of MIT-BIH has an AAMI class.
    """
    import wfdb

    folder = Path(folder)
    check_records(folder, [name])
    base = str(folder / name)
    try:
        header = wfdb.rdheader(base)
        if not 0 <= lead < header.n_sig:
            raise UserError(f"MIT-BIH record {name} has {header.n_sig} signal(s); lead {lead} does not exist, "
                            f"use 0..{header.n_sig - 1}")
        if lead_name is not None and lead_name in header.sig_name:
            lead = header.sig_name.index(lead_name)
        record = wfdb.rdrecord(base, channels=[lead])
        annotation = wfdb.rdann(base, "atr")
    except UserError:
        raise
    except Exception as err:  # noqa: BLE001 - a damaged file can fail in many ways inside wfdb
        raise UserError(f"MIT-BIH record {name} in {folder} is unreadable ({err}); "
                        "replace its files with the PhysioNet originals") from None

    source_fs = float(record.fs)
    signal = np.asarray(record.p_signal[:, 0], dtype=np.float64)
    signal = np.nan_to_num(signal, nan=0.0)  # wfdb marks invalid samples as NaN
    up, down = _rational(fs, source_fs)
    signal = resample_poly(signal, up, down)

    symbols = np.asarray(annotation.symbol, dtype=str)
    is_beat = np.isin(symbols, list(AAMI_CLASSES))
    beat_sample = np.asarray(annotation.sample, dtype=np.int64)[is_beat]
    symbols = symbols[is_beat]
    return RawRecord(
        name=name,
        lead=str(header.sig_name[lead]),
        signal=signal,
        fs=fs,
        source_fs=source_fs,
        beat_sample=beat_sample,
        beat_pos=beat_sample * (fs / source_fs),
        symbol=symbols,
        label=np.array([AAMI_CLASSES[s] for s in symbols], dtype=np.int64),
    )


def _rational(fs: int, source_fs: float) -> tuple[int, int]:
    """(up, down) for `resample_poly`: 125 / 360 -> (25, 72)."""
    from fractions import Fraction

    ratio = Fraction(fs) / Fraction(source_fs).limit_denominator(1000)
    return ratio.numerator, ratio.denominator


# ----------------------------------------------------------------------------- extraction


def cut_beat(scaled: np.ndarray, start: int, period: float, params: ExtractionParams) -> np.ndarray:
    """(length,) float32: ``scaled[start : start + period_factor * period]``, zero-padded
    (or truncated) to `params.length`."""
    n_take = min(int(round(params.period_factor * period)), params.length)
    piece = scaled[start:start + n_take]
    beat = np.zeros(params.length, dtype=np.float32)
    beat[: len(piece)] = piece
    return beat


def kachuee_windows(signal: np.ndarray,
                    params: ExtractionParams = ExtractionParams()) -> tuple[np.ndarray, np.ndarray, dict]:
    """Kachuee et al.'s beat detector on one resampled lead.

    Args:
        signal: (m,) one lead at `params.fs`.

    Returns:
        beats: (b, length) float32 in [0, 1].
        peaks: (b,) int64 R-peak positions in `signal`.
        stats: ``windows`` (all windows), ``flat_windows`` and ``sparse_windows`` (fewer
            than two peaks), both of which give no beats.
    """
    beats, peaks = [], []
    stats = {"windows": 0, "flat_windows": 0, "sparse_windows": 0}
    for start in range(0, len(signal), params.window):
        window = signal[start:start + params.window]
        stats["windows"] += 1
        low, high = window.min(), window.max()
        if high <= low:
            stats["flat_windows"] += 1
            continue
        scaled = (window - low) / (high - low)
        found, _ = find_peaks(scaled, height=params.threshold)
        if len(found) < 2:
            stats["sparse_windows"] += 1
            continue
        period = float(np.median(np.diff(found)))
        beats.extend(cut_beat(scaled, p, period, params) for p in found)
        peaks.extend(start + found)
    beats = np.stack(beats) if beats else np.zeros((0, params.length), dtype=np.float32)
    return beats, np.asarray(peaks, dtype=np.int64), stats


def match_peaks(peaks: np.ndarray, beat_pos: np.ndarray, tolerance: float) -> np.ndarray:
    """(b,) index into `beat_pos` (sorted, (k,)) of the annotated beat nearest each peak,
    or -1 where none lies within `tolerance` samples."""
    peaks = np.asarray(peaks, dtype=np.float64)
    if len(beat_pos) == 0:
        return np.full(len(peaks), -1, dtype=np.int64)
    right = np.clip(np.searchsorted(beat_pos, peaks), 0, len(beat_pos) - 1)
    left = np.clip(right - 1, 0, len(beat_pos) - 1)
    nearest = np.where(np.abs(beat_pos[left] - peaks) <= np.abs(beat_pos[right] - peaks), left, right)
    return np.where(np.abs(beat_pos[nearest] - peaks) <= tolerance, nearest, -1).astype(np.int64)


def annotated_windows(signal: np.ndarray, beat_pos: np.ndarray,
                      params: ExtractionParams = ExtractionParams()) -> tuple[np.ndarray, np.ndarray, dict]:
    """One beat per annotated beat, each scaled by the 10 s of signal centred on it.

    The scaling window is shifted inwards at the ends of the record so that it always
    spans `params.window` samples (or the whole record if shorter). T is the median
    interval between the annotated beats inside that window; when it holds fewer than
    two, the record's median interval (1 s if the record has fewer than two beats).

    Args:
        signal: (m,) one lead at `params.fs`.
        beat_pos: (k,) sorted annotated R positions at `params.fs` (fractional allowed).

    Returns:
        beats: (b, length) float32 in [0, 1].
        kept: (b,) int64 indices into `beat_pos` of the beats made (all but those in a
            flat window).
        stats: ``flat`` (beats dropped because their window is constant).
    """
    m = len(signal)
    width = min(params.window, m)
    r_peaks = np.clip(np.round(beat_pos).astype(np.int64), 0, m - 1)
    starts = np.clip(r_peaks - width // 2, 0, m - width)
    windows = np.lib.stride_tricks.sliding_window_view(signal, width)[starts]
    lows, highs = windows.min(axis=1), windows.max(axis=1)

    fallback = float(np.median(np.diff(beat_pos))) if len(beat_pos) > 1 else float(params.fs)
    first = np.searchsorted(beat_pos, starts, side="left")
    last = np.searchsorted(beat_pos, starts + width, side="left")
    beats, kept = [], []
    for i, (r, low, high) in enumerate(zip(r_peaks, lows, highs)):
        if high <= low:
            continue
        inside = beat_pos[first[i]:last[i]]
        period = float(np.median(np.diff(inside))) if len(inside) > 1 else fallback
        segment = (signal[r:r + params.length] - low) / (high - low)
        beats.append(cut_beat(segment, 0, period, params))
        kept.append(i)
    beats = np.stack(beats) if beats else np.zeros((0, params.length), dtype=np.float32)
    return beats, np.asarray(kept, dtype=np.int64), {"flat": len(beat_pos) - len(kept)}


def extract_record(raw: RawRecord, variant: str = DEFAULT_VARIANT,
                   params: ExtractionParams = ExtractionParams()) -> tuple[BeatSet, dict]:
    """The beats of one record as a `BeatSet`, and counts of what was dropped."""
    check_variant(variant)
    if variant == "annotated":
        beats, kept, stats = annotated_windows(raw.signal, raw.beat_pos, params)
        sample, index = raw.beat_sample[kept], kept
    else:
        beats, peaks, stats = kachuee_windows(raw.signal, params)
        matched = match_peaks(peaks, raw.beat_pos, params.tolerance_s * params.fs)
        ok = matched >= 0
        index = matched[ok]
        stats["peaks"] = len(peaks)
        stats["unmatched_peaks"] = int((~ok).sum())
        stats["duplicate_peaks"] = int(len(index) - len(np.unique(index)))
        missed = np.setdiff1d(np.arange(len(raw.label)), index)
        stats["missed_per_class"] = class_counts(raw.label[missed]).tolist()
        beats = beats[ok]
        sample = np.round(peaks[ok] * (raw.source_fs / raw.fs)).astype(np.int64)
    stats["annotated_per_class"] = class_counts(raw.label).tolist()
    beatset = BeatSet(
        x=beats,
        y=raw.label[index],
        record=np.full(len(index), raw.name),
        sample=sample,
        symbol=raw.symbol[index],
    )
    return beatset, stats


# ----------------------------------------------------------------------------- whole set


def check_variant(variant: str) -> str:
    if variant not in VARIANTS:
        raise UserError(f"unknown beat extraction {variant!r}; choose one of: {', '.join(VARIANTS)}")
    return variant


def record_names(records: Sequence[str | int]) -> tuple[str, ...]:
    """Record ids as strings; `UserError` if there are none."""
    names = tuple(str(r) for r in records)
    if not names:
        raise UserError("no MIT-BIH records requested; name at least one, e.g. 100")
    return names


def cache_path(variant: str, records: Sequence[str], params: ExtractionParams) -> Path:
    """``<cache>/heartbeat/mitdb_<variant>_<hash>.npz``, the hash covering every parameter."""
    named = {"lead_name": VARIANT_LEAD[variant]} if VARIANT_LEAD[variant] else {}
    key = json.dumps({"version": CACHE_VERSION, "variant": variant, "records": list(records),
                      **asdict(params), **named}, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return datapaths.cache_root() / "heartbeat" / f"mitdb_{variant}_{digest}.npz"


def build_beats(folder: Path, records: Sequence[str] = MITDB_RECORDS, variant: str = DEFAULT_VARIANT,
                params: ExtractionParams = ExtractionParams(), progress: bool = True) -> BeatSet:
    """Extract the beats of `records` in `folder`, in record order then time order (no cache)."""
    check_variant(variant)
    records = record_names(records)
    check_records(folder, records)  # before the progress bar: fail fast, on one line
    parts, totals, leads = [], {}, {}
    for name in tqdm(records, desc=f"mitdb beats ({variant})", unit="record", disable=not progress):
        raw = read_record(folder, name, params.lead, params.fs, VARIANT_LEAD[variant])
        beatset, stats = extract_record(raw, variant, params)
        parts.append(beatset)
        leads[name] = raw.lead
        for key, value in stats.items():
            if key not in totals:
                totals[key] = value
            elif isinstance(value, list):
                totals[key] = np.add(totals[key], value).tolist()
            else:
                totals[key] += value
    info = {"source": "mitdb", "folder": str(folder), "variant": variant, "records": list(records),
            "params": asdict(params), "leads": leads, "extraction": totals}
    return BeatSet(
        x=np.concatenate([p.x for p in parts]),
        y=np.concatenate([p.y for p in parts]),
        record=np.concatenate([p.record for p in parts]),
        sample=np.concatenate([p.sample for p in parts]),
        symbol=np.concatenate([p.symbol for p in parts]),
        info=info,
    )


def load_mitdb_beats(path: Path | str | None = None, *, variant: str = DEFAULT_VARIANT,
                     records: Sequence[str | int] | None = None, params: ExtractionParams | None = None,
                     cache: bool = True, progress: bool = True) -> BeatSet:
    """The AAMI beat set of the MIT-BIH records, from the cache when it is there.

    Args:
        path: folder of the records (else `mitdb_dir` looks it up, downloading if needed).
        variant: "annotated" (one beat per annotated beat) or "kachuee" (detected peaks).
        records: record ids (default: all 48).
        params: extraction parameters (default: Kachuee's).
        cache: read and write ``<cache>/heartbeat/mitdb_<variant>_<hash>.npz``.
        progress: show a progress bar over the records while building.

    Returns:
        a `BeatSet` with x (n, 187) float32 in [0, 1], y (n,), record (n,), sample (n,)
        and symbol (n,); `info` holds the parameters and what was dropped.
    """
    check_variant(variant)
    params = params or ExtractionParams()
    records = record_names(MITDB_RECORDS if records is None else records)
    target = cache_path(variant, records, params)
    if cache and target.is_file():
        cached = _read_cache(target)
        if cached is not None:
            return cached
    beatset = build_beats(mitdb_dir(path), records, variant, params, progress)
    return _write_cache(beatset, target) if cache else beatset


def _write_cache(beatset: BeatSet, target: Path) -> BeatSet:
    """Write `beatset` to `target` (via a temporary file, so a crash leaves no half file);
    return it with the cache path in its info."""
    target.parent.mkdir(parents=True, exist_ok=True)
    beatset = replace(beatset, info={**beatset.info, "cache": str(target)})
    partial = target.with_name(f".{target.stem}.{os.getpid()}.part")
    try:
        with open(partial, "wb") as fh:
            np.savez_compressed(fh, x=beatset.x, y=beatset.y, record=beatset.record, sample=beatset.sample,
                                symbol=beatset.symbol, info=np.array(json.dumps(beatset.info)))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return beatset


def _read_cache(target: Path) -> BeatSet | None:
    """The cached set, or None (with a note) when the file is damaged and must be rebuilt."""
    try:
        with np.load(target, allow_pickle=False) as data:
            return BeatSet(x=data["x"], y=data["y"], record=data["record"], sample=data["sample"],
                           symbol=data["symbol"], info=json.loads(str(data["info"])))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
        print(f"ignoring damaged beat cache {target} ({err}); rebuilding it")
        return None

