"""Where each trial of a distributed search ran: which worker, on which machine.

A worker of a distributed search (``--workers N`` or ``--ray``) appends one line a trial to
``<run folder>/workers/<worker>.trials.jsonl`` as the trial starts: ``{"trial": id,
"worker": "tuner0", "node": ...}``. The node is what the worker's launcher names it by
(``KERAS_MODELS_NODE``: a Ray node's address and id) or else the machine's host name. The
chief reads the files into the trial table's "ran on" column. Each worker writes only its
own file. No TensorFlow here.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from keras_models.errors import UserError

#: set by a launcher to name the node a worker runs on
NODE_ENV = "KERAS_MODELS_NODE"
SUFFIX = ".trials.jsonl"


def record_trials(tuner, run_dir: Path, worker: str) -> None:
    """Make `tuner` (a worker's) append each trial it starts to its placement file."""
    path = Path(run_dir) / "workers" / f"{worker}{SUFFIX}"
    path.parent.mkdir(parents=True, exist_ok=True)
    node = os.environ.get(NODE_ENV) or socket.gethostname()
    begin = tuner.on_trial_begin

    def on_trial_begin(trial):
        with open(path, "a") as out:
            out.write(json.dumps({"trial": trial.trial_id, "worker": worker, "node": node}) + "\n")
        return begin(trial)

    tuner.on_trial_begin = on_trial_begin


def placements(run_dir: Path) -> dict[str, str]:
    """{trial id: "tuner0 on NODE"} from the workers' files (the last start of a retried
    trial wins); empty for a search without workers. `UserError` for a damaged file."""
    found = {}
    for path in sorted((Path(run_dir) / "workers").glob(f"*{SUFFIX}")):
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            try:
                record = json.loads(line)
                found[str(record["trial"])] = f"{record['worker']} on {record['node']}"
            except (ValueError, KeyError, TypeError):
                raise UserError(f"{path}: line {number} is damaged; delete the file (it only records where the "
                                "trials ran) and run the command again") from None
    return found
