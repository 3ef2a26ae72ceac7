"""Comparison rules: how a documented number or claim is judged against our runs.

Every rule returns a `Judgement`: one of four verdicts, the value we measured as text,
and the reason in words. The rules (stated in the report beside each entry):

- `Exact`: parameter counts. Equal: reproduced; different: contradicted.
- `Points`: accuracies and other percentages, within a tolerance in points (0.5 unless
  stated, or the half-width of a 95 % binomial interval on the test size). Worse than
  the tolerance: short; within or better: reproduced (how much better is said).
- `Relative`: counts and losses, within a stated relative range of the documented value.
  Outside it: contradicted, or for a loss (lower is better) short above the range and
  reproduced below it.
- Claims compare runs on one metric with a margin: `Greater` (a > b), `Order`
  (a > b > c ...), `Best` (a above every other), `NotAbove` (b does not beat a), `LittleGain`
  (a tuned run does not beat its default run; the reason names what the search chose).
  Holding by more than the margin: reproduced; reversed by more than the margin:
  contradicted; within the margin: short (the runs do not show the difference).
- `Untestable`: a claim no run of the package can test; always not comparable, with why.

Where the runs kept their test predictions, `Points` and the claims are given the
metric's bootstrap `Samples` (`keras_models.reports.bootstrap`, the same resamples for
every run) and judge the interval instead of the single value: a claim holds when the
interval of each difference it makes lies above +margin, is contradicted when one lies
below -margin, and is short otherwise (the interval is in the reason); a percentage is
reproduced when our interval reaches the documented value or lies above it, short when
it lies below. Without samples (a run without saved predictions, a loss, a metric of
the history) the single values decide as above.

Nothing here imports TensorFlow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keras_models.reports.bootstrap import Interval, Samples

REPRODUCED = "reproduced"
SHORT = "short"
CONTRADICTED = "contradicted"
NOT_COMPARABLE = "not comparable"
VERDICTS = (REPRODUCED, SHORT, CONTRADICTED, NOT_COMPARABLE)


#: the margin a claim's difference must exceed, unless its rule states another
MARGIN = 0.005


@dataclass(frozen=True)
class Judgement:
    verdict: str
    ours: str
    reason: str


def format_number(value) -> str:
    """A number as a table shows it: integers with separators, small floats in 3 significant digits."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 100):
        return f"{int(value):,}"
    if abs(value) < 0.01:
        return f"{value:.3g}"
    return f"{value:.4g}"


@dataclass(frozen=True)
class Exact:
    """Equal or contradicted (parameter counts)."""

    def describe(self) -> str:
        return "exact"

    def judge(self, documented, values: list, samples: Samples | None = None) -> Judgement:
        (ours,) = values
        if ours == documented:
            return Judgement(REPRODUCED, format_number(ours), "equal")
        return Judgement(CONTRADICTED, format_number(ours), f"ours differs by {format_number(ours - documented)}")


@dataclass(frozen=True)
class Points:
    """A percentage within `tolerance` points, or within the 95 % binomial half-width on
    `test_size` examples when that is given. Documented values are in %, ours in [0, 1]."""

    tolerance: float = 0.5
    test_size: int | None = None

    def points(self, documented: float) -> float:
        if self.test_size is None:
            return self.tolerance
        p = documented / 100
        return 100 * 1.96 * math.sqrt(p * (1 - p) / self.test_size)

    def describe(self) -> str:
        if self.test_size is None:
            return f"within {self.tolerance:g} points"
        return f"within a 95 % binomial interval on {self.test_size:,} test examples"

    def judge(self, documented: float, values: list, samples: Samples | None = None) -> Judgement:
        if samples is not None:
            return self._judge_interval(documented, samples.value(0), samples.rule.confidence)
        (ours,) = values
        ours_pct = 100 * ours
        tolerance = self.points(documented)
        gap = ours_pct - documented
        text = f"{ours_pct:.2f} %"
        if gap < -tolerance:
            return Judgement(SHORT, text, f"{-gap:.2f} points below (tolerance {tolerance:.2f})")
        if gap > tolerance:
            return Judgement(REPRODUCED, text, f"{gap:.2f} points above (tolerance {tolerance:.2f})")
        return Judgement(REPRODUCED, text, f"within {tolerance:.2f} points ({gap:+.2f})")

    @staticmethod
    def _judge_interval(documented: float, ours: Interval, confidence: float) -> Judgement:
        """The documented value (%) against our interval: inside or below it reproduced, above it short."""
        text = f"{100 * ours.point:.2f} % {ours.text(100, 2, sign=False)}"
        interval = f"our {100 * confidence:g} % interval {ours.text(100, 2, sign=False)}"
        if 100 * ours.high < documented:
            return Judgement(SHORT, text, f"{interval} lies {documented - 100 * ours.high:.2f} points below")
        if 100 * ours.low > documented:
            return Judgement(REPRODUCED, text, f"{interval} lies {100 * ours.low - documented:.2f} points above")
        return Judgement(REPRODUCED, text, f"{interval} holds the documented value")


@dataclass(frozen=True)
class Relative:
    """Within `documented x (1 +- within)`. `lower_is_better` (losses): above the range is
    short, below it reproduced; otherwise (counts) outside the range is contradicted."""

    within: float = 0.5
    lower_is_better: bool = False

    def describe(self) -> str:
        return f"within +-{100 * self.within:g} % of the documented value"

    def judge(self, documented: float, values: list, samples: Samples | None = None) -> Judgement:
        (ours,) = values
        ratio = ours / documented if documented else math.inf
        text = format_number(ours)
        span = f"{1 - self.within:.2f}-{1 + self.within:.2f}x"
        if 1 - self.within <= ratio <= 1 + self.within:
            return Judgement(REPRODUCED, text, f"{ratio:.2f}x the documented value, within {span}")
        side = "above" if ratio > 1 else "below"
        where = f"{ratio:.2f}x the documented value, {side} {span}"
        if self.lower_is_better:
            return Judgement(SHORT if ratio > 1 else REPRODUCED, text, where + " (lower is better)")
        return Judgement(CONTRADICTED, text, where)


@dataclass(frozen=True)
class _Claim:
    """A claim comparing runs' values of one metric (higher is better) with a margin."""

    margin: float = MARGIN
    lower_is_better: bool = False

    def subjects(self, n: int) -> range:
        """Which of the n runs the claim is about (each must have learned something to test it)."""
        return range(n)

    def _oriented(self, values: list) -> list:
        """The values with higher meaning better (losses negated)."""
        return [-x for x in values] if self.lower_is_better else list(values)

    def _how(self) -> str:
        return " (lower is better)" if self.lower_is_better else ""

    def _verdict(self, gap: float, holds: str, fails: str) -> tuple[str, str]:
        if gap > self.margin:
            return REPRODUCED, holds
        if gap < -self.margin:
            return CONTRADICTED, fails
        return SHORT, f"the difference ({gap:+.4f}) is within the margin {self.margin:g}: the runs do not show it"

    def pairs(self, n: int) -> list[tuple[int, int]]:
        """The differences values[i] - values[j] (better minus worse) the claim says exceed the margin."""
        return [(0, 1)]

    def _difference(self, samples: Samples, i: int, j: int) -> Interval:
        """The interval of values[i] - values[j], oriented so that positive is better."""
        difference = samples.difference(i, j)
        return -difference if self.lower_is_better else difference

    def _say(self, samples: Samples, pair: tuple[int, int], difference: Interval) -> str:
        i, j = pair
        return (f"{self.labels[i]} - {self.labels[j]} {difference.point:+.4f}, "
                f"{100 * samples.rule.confidence:g} % interval {difference.text()}{self._how()}")

    def _from_samples(self, samples: Samples, n: int) -> tuple[str, str]:
        """Every difference's interval above +margin: reproduced; one below -margin: contradicted; else short."""
        found = {pair: self._difference(samples, *pair) for pair in self.pairs(n)}
        reversed_ = [pair for pair, d in found.items() if d.high < -self.margin]
        if reversed_:
            pair = min(reversed_, key=lambda p: found[p].high)
            return CONTRADICTED, f"{self._say(samples, pair, found[pair])}: below -{self.margin:g}"
        undecided = [pair for pair, d in found.items() if d.low <= self.margin]
        if undecided:
            pair = min(undecided, key=lambda p: found[p].low)
            return SHORT, (f"{self._say(samples, pair, found[pair])}: not above +{self.margin:g}, the runs do not "
                           "show it")
        pair = min(found, key=lambda p: found[p].low)
        return REPRODUCED, f"{self._say(samples, pair, found[pair])}: above +{self.margin:g}"

    def _with_samples(self, samples: Samples, values: list) -> tuple[str, str, str]:
        """(verdict, ours, reason) from the samples."""
        verdict, reason = self._from_samples(samples, len(values))
        return verdict, self._values(self.labels, values), reason

    @staticmethod
    def _values(labels: tuple[str, ...], values: list) -> str:
        return ", ".join(f"{label} {format_number(v)}" for label, v in zip(labels, values))


@dataclass(frozen=True)
class Greater(_Claim):
    """values[0] > values[1] by more than the margin."""

    labels: tuple[str, ...] = ("a", "b")

    def subjects(self, n: int) -> range:
        """The claimed better run: if only the other one learned nothing, the claim still holds."""
        return range(1)

    def describe(self) -> str:
        return f"{self.labels[0]} > {self.labels[1]} by more than {self.margin:g}{self._how()}"

    def judge(self, documented, values: list, samples: Samples | None = None) -> Judgement:
        if samples is not None:
            return Judgement(*self._with_samples(samples, values))
        better = self._oriented(values)
        gap = better[0] - better[1]
        verdict, reason = self._verdict(gap, f"{self.labels[0]} leads by {gap:.4f}",
                                        f"{self.labels[1]} leads by {-gap:.4f}")
        return Judgement(verdict, self._values(self.labels, values), reason)


@dataclass(frozen=True)
class Order(_Claim):
    """values[0] > values[1] > ... each by more than the margin."""

    labels: tuple[str, ...] = ()

    def describe(self) -> str:
        return " > ".join(self.labels) + f", each step by more than {self.margin:g}{self._how()}"

    def pairs(self, n: int) -> list[tuple[int, int]]:
        return [(i, i + 1) for i in range(n - 1)]

    def judge(self, documented, values: list, samples: Samples | None = None) -> Judgement:
        better = self._oriented(values)
        gaps = [a - b for a, b in zip(better, better[1:])]
        worst = min(range(len(gaps)), key=gaps.__getitem__)
        pair = f"{self.labels[worst]} vs {self.labels[worst + 1]}"
        verdict, reason = self._verdict(gaps[worst], "every step holds", f"{pair} is reversed by {-gaps[worst]:.4f}")
        if verdict == SHORT:
            reason = f"{pair}: {reason}"
        if samples is not None:
            verdict, reason = self._from_samples(samples, len(values))
        ranking = " > ".join(label for _, label in sorted(zip(better, self.labels), reverse=True))
        return Judgement(verdict, self._values(self.labels, values), f"{reason}; ours: {ranking}")


@dataclass(frozen=True)
class Best(_Claim):
    """values[0] above every other value by more than the margin."""

    labels: tuple[str, ...] = ()

    def subjects(self, n: int) -> range:
        """The claimed best: a rival that learned nothing takes nothing from the claim."""
        return range(1)

    def describe(self) -> str:
        return f"{self.labels[0]} above each of {', '.join(self.labels[1:])} by more than {self.margin:g}{self._how()}"

    def pairs(self, n: int) -> list[tuple[int, int]]:
        return [(0, j) for j in range(1, n)]

    def judge(self, documented, values: list, samples: Samples | None = None) -> Judgement:
        if samples is not None:
            return Judgement(*self._with_samples(samples, values))
        better = self._oriented(values)
        rival = max(range(1, len(better)), key=better.__getitem__)
        gap = better[0] - better[rival]
        verdict, reason = self._verdict(gap, f"{self.labels[0]} leads the next best ({self.labels[rival]}) by {gap:.4f}",
                                        f"{self.labels[rival]} is better by {-gap:.4f}")
        return Judgement(verdict, self._values(self.labels, values), reason)


@dataclass(frozen=True)
class NotAbove(_Claim):
    """values[1] does not beat values[0] by more than the margin ("b does not help")."""

    labels: tuple[str, ...] = ("a", "b")

    def describe(self) -> str:
        return f"{self.labels[1]} not above {self.labels[0]} by more than {self.margin:g}{self._how()}"

    def pairs(self, n: int) -> list[tuple[int, int]]:
        return [(1, 0)]

    def _from_samples(self, samples: Samples, n: int) -> tuple[str, str]:
        """b - a above +margin: contradicted; its interval at or below +margin: reproduced; else short."""
        pair = (1, 0)
        difference = self._difference(samples, *pair)
        said = self._say(samples, pair, difference)
        if difference.low > self.margin:
            return CONTRADICTED, f"{said}: above +{self.margin:g}"
        if difference.high <= self.margin:
            return REPRODUCED, f"{said}: not above +{self.margin:g}"
        return SHORT, f"{said}: reaches above +{self.margin:g}, the runs do not show that it does not help"

    def judge(self, documented, values: list, samples: Samples | None = None) -> Judgement:
        if samples is not None:
            return Judgement(*self._with_samples(samples, values))
        better = self._oriented(values)
        gap = better[1] - better[0]
        if gap > self.margin:
            return Judgement(CONTRADICTED, self._values(self.labels, values),
                             f"{self.labels[1]} is better by {gap:.4f}")
        return Judgement(REPRODUCED, self._values(self.labels, values),
                         f"{self.labels[1]} - {self.labels[0]} = {gap:+.4f}, not above the margin")


@dataclass(frozen=True)
class LittleGain(NotAbove):
    """A tuned run (values[1]) does not beat its default run (values[0]) by more than the margin:
    "tuning gains little". The reason gives both values and the search's choice, read from
    the tuned run's metrics at the dotted path `chosen` (`assess` passes it)."""

    labels: tuple[str, ...] = ("default", "tuned")
    chosen: str = "search.best.hyperparameters"

    def judge(self, documented, values: list, samples: Samples | None = None,
              chosen: dict | None = None) -> Judgement:
        judged = super().judge(documented, values, samples)
        picked = ", ".join(f"{k} {format_number(v) if isinstance(v, float) else v}" for k, v in (chosen or {}).items())
        reason = f"{self._values(self.labels, values)}: {judged.reason}" + (f"; the search chose {picked}"
                                                                            if picked else "")
        return Judgement(judged.verdict, judged.ours, reason)


@dataclass(frozen=True)
class Untestable:
    """A claim that no run of the package can test."""

    why: str

    def describe(self) -> str:
        return "no test"

    def judge(self, documented, values: list, samples: Samples | None = None) -> Judgement:
        return Judgement(NOT_COMPARABLE, "-", self.why)
