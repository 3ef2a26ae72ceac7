"""Each documented entry set beside the runs that test it: one `Row` with a verdict and a reason.

An entry is "not comparable" when a run it needs is not in the plan (``--only``), not
finished, failed, lacks the value, or was trained under a budget that cannot be set
against the documented protocol (smoke; AG News' small protocol); our value is still
shown when there is one. A claim is not comparable either when the classifier it claims
better (or, for a ranking, any of them) did not learn: test macro recall at chance,
1/classes, as a GRU after the `cpu` budget's single pass; its value only says which
class it happened to predict. Otherwise the entry's rule decides (`keras_models.reports.verdicts`),
on the bootstrap samples of the runs' saved test predictions where the metric is one of
`bootstrap.METRICS` (`samples`), on the single values otherwise; a run trained before
runs kept their predictions is judged on its value with the note "no saved predictions:
no interval". Runs trained again under other seeds (``--seeds``) add the mean +- sd of
each run's value across its seeds (`keras_models.reports.seeds`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from keras_models import runfiles
from keras_models.reports import bootstrap, seeds, verdicts
from keras_models.reports.documented import BOOTSTRAP, Entry
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
    #: each run's value across its seeds (mean +- sd), or "-"
    across_seeds: str = "-"
    #: the bootstrap's confidence where the verdict was judged on intervals, else None
    confidence: float | None = None

    @property
    def rule(self) -> str:
        """The rule as applied: the entry's, on bootstrap intervals where the runs kept their predictions."""
        text = self.entry.rule.describe()
        if self.confidence is None:
            return text
        if self.entry.kind == "number":
            return f"documented value within or below our {100 * self.confidence:g} % bootstrap interval"
        return f"{text}, the {100 * self.confidence:g} % bootstrap interval of each difference"

    def as_dict(self) -> dict:
        return {"id": self.entry.id, "report": self.entry.report, "part": self.entry.part, "kind": self.entry.kind,
                "measures": self.entry.measures, "documented": self.documented, "ours": self.ours,
                "documented_protocol": self.entry.protocol, "our_protocol": self.protocol,
                "rule": self.rule, "verdict": self.verdict, "reason": self.reason,
                "across_seeds": self.across_seeds, "runs": [state.run.key for state in self.runs]}


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


NO_PREDICTIONS = "no saved predictions: no interval"


def samples(entry: Entry, keys: list[str], states: dict[str, RunState],
            rule: bootstrap.Rule = BOOTSTRAP) -> tuple[bootstrap.Samples | None, str]:
    """The bootstrap samples of `entry`'s metric over its runs (the same resamples for each),
    or None and why not ("" where the metric is no test metric of a classifier). Runs are
    paired only on the same test split: equal ``y_true``.

    Raises:
        UserError: a run's test_predictions.npz is damaged (`runfiles.read_predictions`).
    """
    if entry.metric not in bootstrap.METRICS:
        return None, ""
    found = [(key, runfiles.read_predictions(states[key].folder)) for key in keys]
    lacking = [key for key, predictions in found if predictions is None]
    if lacking:
        return None, f"{NO_PREDICTIONS} ({', '.join(lacking)})"
    (first, reference), *others = found
    for key, predictions in others:
        same = (predictions["y_true"].shape == reference["y_true"].shape
                and predictions["probabilities"].shape[1] == reference["probabilities"].shape[1]
                and np.array_equal(predictions["y_true"], reference["y_true"]))
        if not same:
            return None, (f"{key} and {first} were tested on different test splits (their saved test labels differ), "
                          "so they cannot be resampled together: no interval")
    classes = reference["probabilities"].shape[1]
    return bootstrap.sample(entry.metric, reference["y_true"], [p["y_pred"] for _, p in found], classes, rule), ""


def assess(entry: Entry, states: dict[str, RunState], seeded: dict[str, list[RunState]] | None = None) -> Row:
    """The row of `entry` given the planned runs' `states` (by key) and, by key, the finished
    runs trained again under other seeds (`seeded`, from ``--seeds``)."""
    keys = list(entry.runs)
    present = [states[key] for key in keys if key in states]
    documented, protocol = documented_text(entry), _protocol(present)
    if entry.compared:  # name the runs and why they are the ones compared
        protocol = f"{entry.run_names} ({entry.compared}): {protocol}"
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
    drawn, why_no_interval = samples(entry, keys, states)
    if drawn is not None:
        judged = _judge(entry, values, states[keys[-1]], drawn)
    note += f"; {why_no_interval}" if why_no_interval else ""
    across = seeds.spread(entry, [states[key] for key in keys], seeded or {})
    return Row(entry, documented, judged.ours, protocol, judged.verdict, judged.reason + note, tuple(present), across,
               None if drawn is None else drawn.rule.confidence)


def _judge(entry: Entry, values: list, last: RunState, drawn=None) -> verdicts.Judgement:
    """The rule's judgement (on the bootstrap samples `drawn` when given); a rule with a `chosen`
    path also gets that value of the last run (a search's chosen hyper-parameters; None when
    the run lacks it)."""
    if getattr(entry.rule, "chosen", None) is None:
        return entry.rule.judge(entry.documented, values, drawn)
    try:
        chosen = value(last, entry.rule.chosen)
    except (KeyError, IndexError, TypeError):
        chosen = None
    return entry.rule.judge(entry.documented, values, drawn, chosen=chosen)


def scoreboard(rows: list[Row]) -> dict[str, dict[str, int]]:
    """{verdict: {"numbers": n, "claims": n, "all": n}} for every verdict."""
    board = {verdict: {"numbers": 0, "claims": 0, "all": 0} for verdict in verdicts.VERDICTS}
    for row in rows:
        board[row.verdict]["numbers" if row.entry.kind == "number" else "claims"] += 1
        board[row.verdict]["all"] += 1
    return board
