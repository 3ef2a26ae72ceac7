"""Several runs of one experiment side by side: run each configuration, then one table.

Used by the commands' ``--version all`` / ``--model all`` / ``--variant all``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from keras_models.runner import Result


@dataclass(frozen=True)
class Comparison:
    """The runs, the Markdown table across them, and the folder holding comparison.md/.json."""

    results: dict[str, Result]
    table: str
    folder: Path | None


def run_ids(run_id: str | None, names: list[str]) -> dict[str, str | None]:
    """Each run's id: `run_id` itself for one run, `run_id-name` for several (None stays None)."""
    return {name: (f"{run_id}-{name}" if run_id and len(names) > 1 else run_id) for name in names}


def compare(configs: dict, load: Callable[[], Any], run_one: Callable[..., Result],
            row: Callable[[str, Result], dict], *, experiment: str, description: Callable[[Any], dict],
            tag: str = "comparison", note: Callable[[Any], str] | None = None) -> Comparison:
    """Run each {name: config} on data loaded once; write the table when there are several.

    Every run folder name is checked free before the data is loaded (which can take long).

    Args:
        load: `load()` -> the data every run shares.
        run_one: `run_one(config, loaded=data)` -> the run's `Result` (a family's `run`).
        row: `row(name, result)` -> the table row of one run.
        description: `description(data)` -> what comparison.json says of the data.
        note: `note(data)` -> a line printed above the table (and saved with it).
    """
    from keras_models.audit import format_table
    from keras_models.rundir import check_new_run, write_comparison

    for config in configs.values():
        check_new_run(config.runs_dir, experiment, config.run_id)
    loaded = load()
    results = {name: run_one(config, loaded=loaded) for name, config in configs.items()}
    rows = [row(name, result) for name, result in results.items()]
    table = format_table(rows)
    table = f"{note(loaded)}\n\n{table}" if note else table
    print(table)
    folder = None
    if len(results) > 1:
        runs_dir = next(iter(configs.values())).runs_dir
        folder = write_comparison(runs_dir, experiment, table, description(loaded), rows, tag=tag).path
    return Comparison(results, table, folder)
