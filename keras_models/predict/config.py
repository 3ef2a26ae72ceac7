"""What every predictor shares: `Config` (what to predict on, with which run, where it goes)
and `Prediction` (what a family's predictor returns). Below `api` and the family readers,
so each imports it and none imports another."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from keras_models import checks, outputs
from keras_models.config import Config as BaseConfig
from keras_models.config import option
from keras_models.errors import UserError

FORMATS = ("csv", "json")
#: NAB: which scaler maps the series to the model's [0, 1] (`keras_models.predict.nab_scale`)
SCALES = ("run", "series")


@dataclass(frozen=True)
class Config(BaseConfig):
    """What to predict on, with which run, and where the predictions go."""

    run_dir: Path = option(Path("."), checks.path, "a finished run folder (runs/<experiment>/<run-id>)", cli=False)
    inputs: tuple = option((), checks.sequence_of(checks.text, "input paths"),
                           "NAB: a timestamp,value CSV; heartbeat: a CSV of beats or MIT-BIH record ids; AG News: a "
                           "text file of one headline a line, or - for standard input; images: image files or folders",
                           cli=False)
    out: Path | None = option(None, checks.optional(checks.path),
                              "write the predictions to this file (default: standard output); figures beside it",
                              metavar="FILE")
    format: str = option("csv", checks.one_of(*FORMATS), "csv or json")
    batch_size: int = option(256, checks.positive_int, "batch size of the model's predictions")
    labels: Path | None = option(None, checks.optional(checks.path),
                                 "NAB: NAB's combined_windows.json, to score the flagged points against its windows "
                                 "(default: nab/labels/combined_windows.json under $KERAS_MODELS_DATA or the "
                                 "data cache, when there)")
    scale: str = option("run", checks.one_of(*SCALES),
                        "NAB: run scales the series with the run's scaler (its training part's min and max); "
                        "series fits a min-max scaler on this series' first part, as training did (the run's "
                        "--split train fraction), for a series on another scale than the run's",
                        metavar="{run,series}")
    mitdb: Path | None = option(None, checks.optional(checks.path),
                                "heartbeat: the folder of the MIT-BIH records given as inputs (default: as "
                                "experiments.heartbeat finds it)")

    def validate(self) -> None:
        if not self.inputs:
            raise UserError("give the input to predict on after RUN_DIR (a file, a folder, record ids, or - for "
                            "standard input)")
        if self.out is not None:
            out = Path(self.out)
            if out.is_dir():
                raise UserError(f"--out {out} is a folder; give a file name such as predictions.csv")
            if Path(self.run_dir).resolve() in out.resolve().parents:
                raise UserError(f"--out {out} is inside the run folder {self.run_dir}, which predict never writes "
                                "into; give a file elsewhere")
            outputs.check_file(out, "--out")  # before any work: a read-only folder, a file as folder, a full disk


@dataclass
class Prediction:
    """What a family's predictor returns.

    Attributes:
        table: one row per point, beat, text or image.
        summary: a few numbers printed after the table is written (counts, scores, problems).
        figures: {file suffix: a function writing that figure to a path}, written beside `--out`.
        warnings: one line each, printed on stderr before anything is written (and kept in
            the JSON output): the input may not suit the run.
    """

    table: object  # pandas.DataFrame
    summary: dict = field(default_factory=dict)
    figures: dict[str, Callable[[Path], Path]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
