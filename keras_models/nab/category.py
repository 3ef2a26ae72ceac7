"""One autoencoder per series of an NAB category (or any glob of series), scored per series
and over the category, beside Orion's published figures.

    from keras_models import nab
    result = nab.run_category(nab.Config(version="v1"), "realKnownCause/*")
    result.table                 # one row per series: windows, tp, fp, fn, precision, recall, f1
    result.summary["pooled"]     # F1 of the summed tp/fp/fn (Orion's aggregation); also "mean_f1"

Each series gets its own run folder ``<prefix>-<category>_<name>`` (prefix: ``--run-id``,
default ``category-<version>-s<seed>``), so the command can be killed and run again: a
finished run is reused (and scored again from its saved reconstructions when the
detection options differ), an interrupted one resumed. The table goes to
``runs/nab_category/<prefix>/<pattern>/<detection>/`` (table.csv, table.md,
summary.json; one folder per glob and set of detection options), written again from the run folders each time.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from keras_models import datapaths, runfiles
from keras_models.audit import format_table
from keras_models.errors import UserError
from keras_models.nab import data, orion_figures, scoring
from keras_models.nab.config import DETECTION_FIELDS, Config

TABLES = "nab_category"


def category_name(value) -> str:
    """``--category``: an NAB category name such as realKnownCause (a `keras_models.checks` check)."""
    from keras_models import checks

    if not isinstance(value, str) or not value.strip() or "/" in value or data.is_pattern(value):
        raise checks.BadValue(f"expected an NAB category name such as realKnownCause, got {value!r}")
    return value.strip()


def requested_pattern(category: str | None, series: str, csv: Path | None, series_given: bool) -> str | None:
    """The glob of series a command trains one run each (``--category NAME`` or a ``--series``
    glob), or None for one series; `UserError` for flags that contradict each other."""
    if category is not None and series_given:
        raise UserError("--category and --series both name the series to train; give --category NAME or "
                        "--series PATTERN, not both")
    pattern = f"{category}/*" if category is not None else series if data.is_pattern(series) else None
    if pattern is not None and csv is not None:
        flag = f"--category {category}" if category is not None else f"--series {series!r}"
        raise UserError(f"{flag} trains every NAB series of a category by name, --csv {csv} one file; give one "
                        "of them (--csv with --series CATEGORY/NAME names that file's series)")
    return pattern


def known_series() -> set[str]:
    """CATEGORY/NAME of every NAB series this package can read: the pinned downloads and
    the CSVs of local copies ($KERAS_MODELS_DATA, the data/ cache)."""
    names = {key[len("data/"):-len(".csv")] for key in data.NAB_SHA256 if key.startswith("data/")}
    for root in (datapaths.data_root(), datapaths.cache_root()):
        if root is not None:
            names |= {f"{p.parent.name}/{p.stem}" for p in (Path(root) / "nab" / "data").glob("*/*.csv")}
    return names


def series_matching(pattern: str) -> list[str]:
    """The known series matching the glob `pattern` (`UserError` when none does)."""
    names = known_series()
    matched = sorted(name for name in names if fnmatch.fnmatchcase(name, pattern.removesuffix(".csv")))
    if not matched:
        categories = sorted({name.split("/")[0] for name in names})
        raise UserError(f"--series {pattern!r} matches no NAB series; categories: {', '.join(categories)} "
                        "(e.g. --series 'realKnownCause/*' or --category realTweets)")
    return matched


def pattern_slug(pattern: str) -> str:
    """A folder name for a glob: ``realKnownCause/*`` -> ``realKnownCause_all``."""
    return "".join("_" if c == "/" else "all" if c == "*" else c for c in pattern if c not in "?[]")


def prefix_of(config: Config) -> str:
    return config.run_id or f"category-{config.version}-s{config.seed}"


def run_id_of(prefix: str, series: str) -> str:
    return f"{prefix}-{series.replace('/', '_')}"


@dataclass(frozen=True)
class CategoryResult:
    """The per-series `table`, the category `summary` and the folder they were written to."""

    table: pd.DataFrame
    summary: dict
    folder: Path


def _training_settings(recorded: dict) -> dict:
    return {k: v for k, v in recorded.items() if k not in (*DETECTION_FIELDS, "run_id", "runs_dir")}


def _train_or_reuse(config: Config, run_dir: Path) -> dict:
    """The metrics of the series' run under `config`'s detection: trained, resumed or reused."""
    from keras_models.nab.api import EXPERIMENT, rescore, resume, run

    if not run_dir.exists():
        return run(config).metrics
    recorded = runfiles.read_config(run_dir)["config"] if (run_dir / runfiles.CONFIG).is_file() else None
    wanted = _training_settings(config.to_dict())
    if recorded is None or _training_settings({**wanted, **recorded}) != wanted:
        raise UserError(f"{run_dir} holds another run (trained with other settings); give another --run-id "
                        "or move that folder away")
    if not (run_dir / "metrics.json").is_file():
        resume(run_dir)
    metrics = runfiles.read_metrics(run_dir, EXPERIMENT)
    if metrics.get("detection") == dataclasses.asdict(config.detection):
        return metrics
    return {**metrics, **rescore(run_dir, config.detection)}


def row(series: str, metrics: dict, version: str) -> dict:
    """One series: our window scores over the whole series, and Orion's where published."""
    scores = (metrics.get("window_scores") or {}).get("whole_series") or {}
    orion = orion_figures.PER_SERIES.get(orion_figures.PIPELINE_OF_VERSION[version], {}).get(series)
    return {"series": series, "windows": scores.get("windows"), "segments": scores.get("detected_segments"),
            "tp": scores.get("tp"), "fp": scores.get("fp"), "fn": scores.get("fn"),
            "precision": scores.get("precision"), "recall": scores.get("recall"), "f1": scores.get("f1"),
            "orion_tp/fp/fn": "/".join(map(str, orion)) if orion else None,
            "orion_f1": _f1(*orion) if orion else None, "run": metrics.get("run_id")}


def _f1(tp: int, fp: int, fn: int) -> float:
    return scoring.counts_scores(tp, fp, fn)["f1"]


def summarise(table: pd.DataFrame, version: str) -> dict:
    """Mean F1 over series, and the pooled F1 of the summed counts (Orion's aggregation),
    ours and Orion's over the series where Orion has figures."""
    summary = {"series": int(len(table)), "mean_f1": float(table["f1"].mean()),
               "pooled": scoring.counts_scores(*(int(table[c].sum()) for c in ("tp", "fp", "fn"))),
               "orion_pipeline": orion_figures.PIPELINE_OF_VERSION[version], "orion_source": orion_figures.SOURCE}
    published = table.dropna(subset=["orion_tp/fp/fn"])
    if len(published):
        counts = [tuple(map(int, text.split("/"))) for text in published["orion_tp/fp/fn"]]
        sums = [sum(c[i] for c in counts) for i in range(3)]
        summary["orion_same_series"] = {"series": len(published), "pooled_f1": _f1(*sums),
                                        "mean_f1": sum(_f1(*c) for c in counts) / len(counts),
                                        "ours_pooled_f1": _f1(*(int(published[c].sum()) for c in ("tp", "fp", "fn")))}
    categories = {name.split("/")[0] for name in table["series"]}
    summary["orion_best"] = {c: orion_figures.BEST[c] for c in sorted(categories) if c in orion_figures.BEST}
    return summary


def run_category(config: Config, pattern: str) -> CategoryResult:
    """Train `config.version` on every series matching `pattern` (one run folder each, reused
    or resumed when present), score each with `config.detection`, and write the table."""
    from tqdm import tqdm

    names = series_matching(pattern)
    labels = data.labels_path(config.labels)
    unlabelled = [name for name in names if data.load_windows(name, labels) is None]
    if unlabelled:  # checked before any training: a category is scored against NAB's windows
        raise UserError(f"{labels} has no labelled windows for {', '.join(unlabelled)}; a category table needs "
                        "NAB's labels for every series (give --labels FILE, or a --series glob without these)")
    prefix = prefix_of(config)
    runs = Path(config.runs_dir) / "nab_autoencoder"
    rows = []
    progress = tqdm(names, desc=f"{pattern} ({config.version})", unit="series")
    for series in progress:
        progress.set_postfix_str(series)
        one = config.replace(series=series, run_id=run_id_of(prefix, series))
        rows.append(row(series, _train_or_reuse(one, runs / one.run_id), config.version))
    table = pd.DataFrame(rows)
    summary = {"pattern": pattern, "version": config.version, "detection": dataclasses.asdict(config.detection),
               **summarise(table, config.version)}
    folder = Path(config.runs_dir) / TABLES / prefix / pattern_slug(pattern) / config.detection.slug
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "table.csv", index=False)
    (folder / "table.md").write_text(format_table(rows) + "\n")
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    pooled = summary["pooled"]
    print(f"\n{len(table)} series: mean F1 {summary['mean_f1']:.3f}; pooled F1 {pooled['f1']:.3f} "
          f"(tp/fp/fn {pooled['tp']}/{pooled['fp']}/{pooled['fn']}); wrote {folder}")
    return CategoryResult(table, summary, folder)
