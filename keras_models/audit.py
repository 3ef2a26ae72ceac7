"""Parameter audit: documented parameter counts against the built models.

Keras' `count_params()` includes non-trainable weights such as BatchNorm moving
statistics, which PyTorch keeps as buffers, so the comparison uses trainable counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from keras_models import interrupts, registry


@dataclass(frozen=True)
class AuditRow:
    name: str
    documented: int | None
    trainable: int
    non_trainable: int
    note: str

    @property
    def difference(self) -> int | None:
        return None if self.documented is None else self.trainable - self.documented

    def as_dict(self) -> dict:
        return {
            "model": self.name, "documented": self.documented, "built_trainable": self.trainable,
            "built_non_trainable": self.non_trainable, "difference": self.difference, "note": self.note,
        }


def count_params(model) -> tuple[int, int]:
    """(trainable, non-trainable) parameter counts of a built Keras model."""
    import keras

    trainable = sum(int(keras.ops.size(w)) for w in model.trainable_weights)
    non_trainable = sum(int(keras.ops.size(w)) for w in model.non_trainable_weights)
    return trainable, non_trainable


def audit(names: list[str] | None = None) -> list[AuditRow]:
    """Build each registered model and compare its trainable count with the documented one."""
    rows = []
    for name in names or registry.names():
        spec = registry.get(name)
        with interrupts.deferred():  # Ctrl-C stops between models, not inside TensorFlow's graph building
            trainable, non_trainable = count_params(spec.build())
        note = spec.note
        if spec.documented_params is None:
            note = note or "no documented count"
        elif trainable == spec.documented_params:
            note = note or "matches"
        rows.append(AuditRow(name, spec.documented_params, trainable, non_trainable, note))
    return rows


def write_run(names: list[str] | None, runs_root, run_id: str | None, experiment: str = "param_audit"):
    """Audit `names` (default: every registered model), print the table and write it to a new
    run folder ``<runs_root>/<experiment>/<run_id>/`` (audit.md, audit.json); returns the `RunDir`."""
    from keras_models.rundir import RunDir

    rows = [row.as_dict() for row in audit(names)]
    table = format_table(rows)
    print(table)
    run = RunDir.create(runs_root, experiment, run_id, resumable=False)
    with run.writing():
        (run.path / "audit.md").write_text(table + "\n")
        run.write_json("audit.json", {"rows": rows})
    return run


def format_table(rows: list[dict], columns: list[str] | None = None) -> str:
    """A GitHub Markdown table of `rows` (dicts), one row per dict, rendered by pandas'
    `DataFrame.to_markdown` (tabulate). Cells are formatted here first: None -> "-",
    integers get thousands separators, floats 6 significant digits; tabulate then
    neither re-parses them as numbers nor pads them (``| name |`` stays searchable)."""
    import pandas as pd

    columns = columns or list(rows[0])

    def cell(value) -> str:
        if value is None:
            return "-"
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, float):
            return f"{value:.6g}"
        return str(value)

    frame = pd.DataFrame([[cell(row.get(c)) for c in columns] for row in rows], columns=columns, dtype=object)
    return frame.to_markdown(index=False, tablefmt="github", disable_numparse=True, stralign=None)
