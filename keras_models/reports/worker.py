"""One planned run in its own process (started by `keras_models.reports.runs.execute`).

    python -m keras_models.reports.worker EXPERIMENT new CONFIG_JSON
    python -m keras_models.reports.worker EXPERIMENT resume RUN_DIR
    python -m keras_models.reports.worker param_audit audit '{"runs_dir": ..., "run_id": ...}'

Errors end as a training command's do: one line, exit status 2; Ctrl-C keeps the run
folder for a resume (exit status 130) and prints nothing: the reproduce command says it, once.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from keras_models import cli
from keras_models.errors import UserError

#: experiment name -> the family package with `Config`, `run` and `resume`
FAMILIES = {"nab_autoencoder": "keras_models.nab", "heartbeat": "keras_models.heartbeat",
            "ag_news_transformer": "keras_models.text", "image_classification": "keras_models.images",
            "tune": "keras_models.tune"}


def main(argv: list[str] | None = None) -> None:
    experiment, mode, payload = sys.argv[1:] if argv is None else argv
    if experiment == "param_audit" and mode == "audit":
        from keras_models import audit

        where = json.loads(payload)
        audit.write_run(None, Path(where["runs_dir"]), where["run_id"], experiment)
        return
    if experiment not in FAMILIES or mode not in ("new", "resume"):
        raise UserError(f"worker: unknown experiment {experiment!r} or mode {mode!r}")
    family = importlib.import_module(FAMILIES[experiment])
    if mode == "resume":
        family.resume(Path(payload))
    else:
        family.run(family.Config.from_dict(json.loads(payload), source="the reproduction plan"))


if __name__ == "__main__":
    cli.main(main, report_interrupt=False)  # on Ctrl-C the reproduce command prints the one line
