"""The heartbeat models on several protocols: intra-patient beside inter-patient and Kaggle-proportion runs.

The documented entries set each run against a published figure; this table sets our
runs against each other: every run of `plan.HEARTBEAT_PROTOCOL_RUNS` beside the run of
the same model and balance on the intra-patient split, so that the drop from the
optimistic split (beats of one patient in train and test) to the honest one (DS1 ->
DS2) and the effect of the split and beat extraction are read in one place. Nothing here
imports TensorFlow.
"""

from __future__ import annotations

from keras_models.audit import format_table
from keras_models.reports.plan import HEARTBEAT_PROTOCOL_RUNS, heartbeat_key
from keras_models.reports.runs import FINISHED, RunState, value

#: (column, dotted metrics path) of the test-split scores shown
SCORES = (("test accuracy", "accuracy"), ("macro F1", "f1_macro"), ("macro recall", "recall_macro"),
          ("S recall", "per_class.S.recall"), ("V recall", "per_class.V.recall"))
HEADING = "### One model on several protocols"
INTRO = ("Our runs of a model beside each other: the intra-patient split (beats of one patient in training and "
         "test, optimistic), the Kaggle-proportion split (the protocol of the Kaggle anchors) and the "
         "inter-patient split (de Chazal's DS1 -> DS2: no test patient seen in training, the honest estimate). "
         "Test-split scores in %; `-` where the run is not finished.")


def protocol_keys() -> list[tuple[str, str, str, str]]:
    """(model, balance, split, beats) of each row: every protocol run after its intra-patient twin."""
    rows = []
    for model, balance, split, beats in HEARTBEAT_PROTOCOL_RUNS:
        for row in ((model, balance, "intra", "annotated"), (model, balance, split, beats)):
            if row not in rows:
                rows.append(row)
    return rows


def _score(state: RunState, path: str) -> str:
    try:
        score = value(state, f"test_metrics.{path}")
    except (KeyError, IndexError, TypeError):
        return "-"
    return "-" if score is None else f"{100 * score:.2f}"


def table(states: dict[str, RunState]) -> list[str]:
    """The section's Markdown lines ([] when no run of it is in the plan)."""
    rows = []
    for model, balance, split, beats in protocol_keys():
        key = heartbeat_key(model, balance, split, beats)
        state = states.get(key)
        if state is None:
            continue
        finished = state.status == FINISHED
        rows.append({"run": f"`{key}`", "model": model, "balance": balance, "split": split, "beats": beats,
                     **{label: _score(state, path) if finished else "-" for label, path in SCORES}})
    if not rows:
        return []
    return [HEADING, "", INTRO, "", format_table(rows), ""]
