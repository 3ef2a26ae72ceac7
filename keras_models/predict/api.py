"""`predict(Config(...))`: a finished run applied to new inputs; `write` puts the table out.

Nothing is written into the run folder, and nothing at all before every input has been
read and predicted: bad input ends with one `UserError` and no file.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

from keras_models import interrupts, outputs
from keras_models.errors import UserError
from keras_models.predict.config import FORMATS, SCALES, Config, Prediction
from keras_models.predict.finished import FinishedRun

__all__ = ["FORMATS", "SCALES", "Config", "Prediction", "predict", "write"]


def _families() -> dict:
    from keras_models.predict import heartbeat, images, nab, text  # here: they import pandas

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
    from keras_models.predict import nab

    if config.scale != "run" and family is not nab:
        raise UserError(f"--scale {config.scale} applies to NAB runs only; {config.run_dir} is a run of "
                        f"{run.experiment!r}")
    with interrupts.deferred():  # the first Ctrl-C stops between batches, not inside TensorFlow
        return family.predict(run, config)


def write(prediction: Prediction, config: Config) -> list[Path]:
    """Write the table to `config.out` (or standard output) and the figures beside it; returns
    the files written. Warnings go to stderr first; the summary to standard output, or to
    stderr when the table does."""
    for warning in prediction.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    interrupts.check()  # a Ctrl-C swallowed while predicting: write nothing
    frame = prediction.table
    text = (frame.to_csv(index=False) if config.format == "csv" else
            json.dumps({"run": str(config.run_dir), "summary": prediction.summary, "warnings": prediction.warnings,
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
