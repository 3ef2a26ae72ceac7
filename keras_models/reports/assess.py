"""Each documented entry set beside the runs that test it: one `Row` with a verdict and a reason.

An entry is "not comparable" when a run it needs is not in the plan (``--only``), not
finished, failed, lacks the value, or was trained under a budget that cannot be set
against the documented protocol (smoke; AG News' small protocol); our value is still
shown when there is one. A claim is not comparable either when the classifier it claims
better (or, for a ranking, any of them) did not learn: test macro recall at chance,
1/classes, as a GRU after the `cpu` budget's single pass; its value only says which
class it happened to predict. Otherwise the entry's rule decides (`keras_models.reports.verdicts`).
"""

from __future__ import annotations

from dataclasses import dataclass

from keras_models.reports import verdicts
from keras_models.reports.documented import Entry
from keras_models.reports.runs import FINISHED, MISSING, RunState, value


@dataclass(frozen=True)
class Row:
    entry: Entry
    documented: str
    ours: str
    protocol: str
    verdict: str
    reason: str
    runs: tuple[RunState, ...]

    def as_dict(self) -> dict:
        return {"id": self.entry.id, "report": self.entry.report, "part": self.entry.part, "kind": self.entry.kind,
                "measures": self.entry.measures, "documented": self.documented, "ours": self.ours,
                "documented_protocol": self.entry.protocol, "our_protocol": self.protocol,
                "rule": self.entry.rule.describe(), "verdict": self.verdict, "reason": self.reason,
                "runs": [state.run.key for state in self.runs]}


def documented_text(entry: Entry) -> str:
    if entry.kind == "claim":
        return entry.documented
    if isinstance(entry.rule, verdicts.Points):
        return f"{entry.documented:.2f} %"
    return verdicts.format_number(entry.documented)


def _protocol(states: list[RunState]) -> str:
    protocols = list(dict.fromkeys(state.run.protocol for state in states))
    if not protocols:
        return "-"
    return protocols[0] + (f" (and {len(protocols) - 1} other protocol(s))" if len(protocols) > 1 else "")


def _blocked(entry: Entry, keys: list[str], states: dict[str, RunState]) -> str:
    """Why the entry cannot be judged from these runs ("" when it can)."""
    for key in keys:
        state = states.get(key)
        if state is None:
            return f"run {key} is not in this plan (its budget, or --only)"
        if state.status == MISSING:
            return f"run {key} not yet run" + (f" ({state.detail})" if state.detail else "")
        if state.status != FINISHED:
            return f"run {key} is {state.status}" + (f": {state.detail}" if state.detail else "")
    return ""


#: a classifier whose test macro recall is within this of chance (1/classes) learned nothing
CHANCE_MARGIN = 0.02


def did_not_learn(state: RunState) -> str:
    """Why a finished classifier run cannot test a claim ("" when it learned): its test
    macro recall is within `CHANCE_MARGIN` of 1/classes (read from the confusion matrix)."""
    test = state.metrics.get("test_metrics") or {}
    recall, matrix = test.get("recall_macro"), test.get("confusion_matrix")
    if recall is None or not matrix:
        return ""
    chance = 1 / len(matrix)
    if recall > chance + CHANCE_MARGIN:
        return ""
    predicted = [sum(column) for column in zip(*matrix)]
    share = max(predicted) / max(sum(predicted), 1)
    return (f"{state.run.key} did not learn (test macro recall {recall:.3f}, chance {chance:.3f}: it predicts one "
            f"class for {share:.0%} of the test set), so it cannot test the claim")


def assess(entry: Entry, states: dict[str, RunState]) -> Row:
    """The row of `entry` given the planned runs' `states` (by key)."""
    keys = list(entry.runs)
    present = [states[key] for key in keys if key in states]
    documented, protocol = documented_text(entry), _protocol(present)
    if entry.compared:  # name the runs and why they are the ones compared
        protocol = f"{', '.join(f'`{key}`' for key in keys)} ({entry.compared}): {protocol}"
    note = f"; {entry.note}" if entry.note else ""
    if not keys:
        judged = entry.rule.judge(entry.documented, [])
        return Row(entry, documented, judged.ours, protocol, judged.verdict, judged.reason + note, ())
    blocked = _blocked(entry, keys, states)
    if blocked:
        return Row(entry, documented, "-", protocol, verdicts.NOT_COMPARABLE, blocked, tuple(present))
    try:
        values = [value(states[key], entry.metric) for key in keys]
    except (KeyError, IndexError, TypeError):
        return Row(entry, documented, "-", protocol, verdicts.NOT_COMPARABLE,
                   f"a run lacks {entry.metric}", tuple(present))
    if any(v is None for v in values):
        return Row(entry, documented, "-", protocol, verdicts.NOT_COMPARABLE, f"{entry.metric} is empty",
                   tuple(present))
    judged = _judge(entry, values, states[keys[-1]])
    incomparable = [state.run.why_not for state in present if not state.run.comparable]
    if incomparable:
        return Row(entry, documented, judged.ours, protocol, verdicts.NOT_COMPARABLE,
                   incomparable[0] + note, tuple(present))
    subjects = entry.rule.subjects(len(keys)) if hasattr(entry.rule, "subjects") else ()
    untrained = [why for why in (did_not_learn(states[keys[i]]) for i in subjects) if why]
    if untrained:
        return Row(entry, documented, judged.ours, protocol, verdicts.NOT_COMPARABLE,
                   "; ".join(untrained) + note, tuple(present))
    return Row(entry, documented, judged.ours, protocol, judged.verdict, judged.reason + note, tuple(present))


def _judge(entry: Entry, values: list, last: RunState) -> verdicts.Judgement:
    """The rule's judgement; a rule with a `chosen` path also gets that value of the last run
    (a search's chosen hyper-parameters; None when the run lacks it)."""
    if getattr(entry.rule, "chosen", None) is None:
        return entry.rule.judge(entry.documented, values)
    try:
        chosen = value(last, entry.rule.chosen)
    except (KeyError, IndexError, TypeError):
        chosen = None
    return entry.rule.judge(entry.documented, values, chosen)


def scoreboard(rows: list[Row]) -> dict[str, dict[str, int]]:
    """{verdict: {"numbers": n, "claims": n, "all": n}} for every verdict."""
    board = {verdict: {"numbers": 0, "claims": 0, "all": 0} for verdict in verdicts.VERDICTS}
    for row in rows:
        board[row.verdict]["numbers" if row.entry.kind == "number" else "claims"] += 1
        board[row.verdict]["all"] += 1
    return board
