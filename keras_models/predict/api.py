"""`predict(Config(...))`: a finished run applied to new inputs; `write` puts the table out.

Nothing is written into the run folder, and nothing at all before every input has been
read and predicted: bad input ends with one `UserError` and no file.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from keras_models import checks, interrupts, outputs
from keras_models.config import Config as BaseConfig
from keras_models.config import option
from keras_models.errors import UserError
from keras_models.predict.finished import FinishedRun

FORMATS = ("csv", "json")


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
                                 "NAB: NAB's combined_windows.json, to score the flagged points against its windows")
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
    """

    table: object  # pandas.DataFrame
    summary: dict = field(default_factory=dict)
    figures: dict[str, Callable[[Path], Path]] = field(default_factory=dict)


def _families() -> dict:
    from keras_models.predict import heartbeat, images, nab, text

    return {module.EXPERIMENT: module for module in (nab, heartbeat, text, images)}


def predict(config: Config) -> Prediction:
    """Apply the finished run `config.run_dir` to `config.inputs`; returns the table (not written).

    Raises:
        UserError: not a finished run, a family without a predictor, or inputs it cannot read.
    """
    run = FinishedRun.open(config.run_dir)
    families = _families()
    family = families.get(run.experiment)
    if family is None:
        raise UserError(f"{config.run_dir}: a run of {run.experiment!r}; predict applies runs of "
                        f"{', '.join(sorted(families))}")
    return family.predict(run, config)


def write(prediction: Prediction, config: Config) -> list[Path]:
    """Write the table to `config.out` (or standard output) and the figures beside it; returns
    the files written. The summary goes to standard output, or to stderr when the table does."""
    interrupts.check()  # a Ctrl-C swallowed while predicting: write nothing
    frame = prediction.table
    text = (frame.to_csv(index=False) if config.format == "csv" else
            json.dumps({"run": str(config.run_dir), "summary": prediction.summary,
                        "predictions": json.loads(frame.to_json(orient="records", date_format="iso"))}, indent=2) + "\n")
    written = []
    if config.out is None:
        sys.stdout.write(text)
        if prediction.figures:
            print(f"figures ({', '.join(prediction.figures)}) are written beside --out FILE; none without it",
                  file=sys.stderr)
    else:
        out = Path(config.out)
        targets = [out] + [out.with_name(f"{out.stem}-{suffix}.png") for suffix in prediction.figures]
        with contextlib.ExitStack() as stack:  # every file complete, or none (a full disk: one line)
            temps = [stack.enter_context(outputs.atomic(target, "--out")) for target in targets]
            temps[0].write_text(text)
            for tmp, draw in zip(temps[1:], prediction.figures.values()):
                draw(tmp)
        written += targets
    stream = sys.stderr if config.out is None else sys.stdout
    for key, value in prediction.summary.items():
        print(f"{key}: {value}", file=stream)
    for path in written:
        print(f"wrote {path}", file=stream)
    return written
