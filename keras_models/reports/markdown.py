"""REPORT.md: the scoreboard, one section per part of the reports, figures beside it.

Every cell comes from a run's metrics.json (through `keras_models.reports.assess`) or
from the documented entries; nothing is typed by hand. The folder holds::

    REPORT.md       the report (renders on GitHub)
    report.json     the same rows, machine-readable
    figures/*.png   the key figures, copied from the run folders (and the image comparison)

`publish` writes the same report as one Markdown file for a repository's docs/
(``docs/reproduction-cpu.md``, its figures in ``docs/reproduction-cpu/figures/``), naming
the run folders instead of linking them, since run folders are never committed.
"""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from keras_models import machine as host
from keras_models import outputs
from keras_models.audit import format_table
from keras_models.reports import protocols, verdicts
from keras_models.reports.assess import Row, scoreboard
from keras_models.reports.documented import BOOTSTRAP, PARTS
from keras_models.reports.plan import format_duration
from keras_models.reports.runs import FINISHED, RunState

#: per part: (run key, plot name, caption) of the figures shown under its table
FIGURES = {
    "nab": [("nab-v3", "series_anomalies", "v3 (LSTM): anomalies over the whole series"),
            ("nab-base", "series_anomalies", "base: anomalies over the whole series")],
    "heartbeat": [("heartbeat-cnn2d_resnet-class-weights", "confusion_matrix_normalized",
                   "cnn2d_resnet with class weights: confusion matrix (rows normalised)"),
                  ("heartbeat-cnn2d_resnet-class-weights", "loss", "cnn2d_resnet with class weights: loss per epoch")],
    "ag_news": [("ag_news-dropout-es", "confusion_matrix_normalized", "dropout-es: confusion matrix"),
                ("ag_news-base", "loss", "base: loss per epoch (no early stopping)"),
                ("ag_news-dropout-es", "loss", "dropout-es: loss per epoch")],
    "images": [("images-vgg", "confusion_matrix_normalized", "VGG: confusion matrix"),
               ("images-vit", "accuracy", "ViT: accuracy per epoch")],
}
IMAGE_COMPARISON = "images-comparison"


def machine() -> dict:
    """The machine and the versions that produced the runs."""
    cpu = host.describe()
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu": cpu["cpu"], "cpu family": cpu["family"], "cpu features": " ".join(cpu["features"]) or "unknown",
            "oneDNN ISA": f"{cpu['onednn_isa']} ({cpu['onednn_isa_source']})", "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "tensorflow": host.tensorflow_version(), "keras": host.package_version("keras"),
            "keras_models": host.package_version("keras_models")}


@dataclass(frozen=True)
class Layout:
    """Where the report's Markdown and figures go, and how it refers to run folders.

    Attributes:
        markdown: the Markdown file.
        figures: the folder of its figures.
        link_runs: True links each run folder (a local report); False names it as
            `runs/...` (a published copy, whose run folders are not committed).
    """

    markdown: Path
    figures: Path
    link_runs: bool = True

    def figure(self, name: str) -> str:
        """The figure `name` as the Markdown file refers to it."""
        return Path(os.path.relpath(self.figures / name, self.markdown.parent)).as_posix()

    def run(self, folder: Path, text: str) -> str:
        if not self.link_runs:
            return f"`{Path(folder).as_posix()}`"
        return f"[{text}]({Path(os.path.relpath(folder, self.markdown.parent)).as_posix()})"


def _figures(part: str, states: dict[str, RunState], layout: Layout) -> list[str]:
    lines = []
    for key, plot, caption in FIGURES.get(part, []):
        state = states.get(key)
        source = state.folder / "plots" / f"{plot}.png" if state else None
        if state is None or state.status != FINISHED or not source.is_file():
            continue
        name = f"{key}-{plot}.png"
        shutil.copyfile(source, layout.figures / name)
        lines.append(f"![{caption}]({layout.figure(name)})  \n*{caption}* ({layout.run(state.folder, 'run')})\n")
    return lines


def _image_comparison(rows: list[Row], layout: Layout) -> list[str]:
    """A bar chart of the documented and our image accuracies, when we have them."""
    points = [row for row in rows if row.entry.part == "images" and row.entry.metric == "test_metrics.accuracy"
              and row.entry.kind == "number" and row.ours != "-"]
    if not points:
        return []
    from keras_models import plots

    fig, ax = plots.figure()
    labels = [row.entry.runs[0].removeprefix("images-") for row in points]
    xs = range(len(points))
    ax.bar([x - 0.2 for x in xs], [row.entry.documented for row in points], width=0.4, label="documented")
    ax.bar([x + 0.2 for x in xs], [float(row.ours.split(" %")[0]) for row in points], width=0.4, label="ours")
    ax.set_xticks(list(xs), labels)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("Image classification: documented and reproduced test accuracy")
    ax.legend()
    plots.save(fig, layout.figures / f"{IMAGE_COMPARISON}.png")
    caption = "test accuracy, documented and ours (protocols in the table)"
    return [f"![{caption}]({layout.figure(IMAGE_COMPARISON + '.png')})  \n*{caption}*\n"]


def _table(rows: list[Row]) -> str:
    seeded = any(row.across_seeds != "-" for row in rows)
    return format_table([{
        "what": row.entry.what, "documented": row.documented, "ours": row.ours,
        "documented protocol": row.entry.protocol, "our protocol": row.protocol, "rule": row.rule,
        "verdict": f"**{row.verdict}**", "reason": row.reason,
        **({"across seeds (mean +- sd)": row.across_seeds} if seeded else {})} for row in rows])


def rules_text() -> str:
    """The report's "Rules" sentence: how each kind of entry is judged, with the bootstrap's settings."""
    level = f"{100 * BOOTSTRAP.confidence:g} %"
    return ("Rules: parameter counts exact; counts and losses within a stated relative range. Where the runs kept "
            f"their test predictions, each test-set metric is redrawn by a {BOOTSTRAP.describe()}, the same "
            "resamples for every run of an entry: a percentage is reproduced when our interval (shown beside our "
            "value) reaches the documented value or lies above it, short when it lies below; a claim holds when the "
            f"{level} interval of each difference it makes lies above +margin (margin {verdicts.MARGIN:g} unless "
            "stated), is contradicted when one lies below -margin, and is short otherwise (the interval is in the "
            "reason). Runs without saved predictions are judged on their single values: percentages within 0.5 "
            "points (the images: a 95 % binomial interval on 4,500 test images), claims by more than the margin.")


def _wall_s(state: RunState) -> float | None:
    """A finished run's wall seconds in its last session (a search's: its trials' and its final
    model's); None when it has none."""
    if state.status != FINISHED or state.metrics.get("wall_seconds_this_session") is None:
        return None
    search = (state.metrics.get("search") or {}).get("search_seconds_this_session") or 0
    return round(state.metrics["wall_seconds_this_session"] + search, 2)


def _wall_text(state: RunState, wall: float | None) -> str | float:
    """The "wall s" cell: `wall`, said to be the final model's only for a search trained
    before searches timed themselves."""
    if wall is None:
        return "-"
    untimed = "search" in state.metrics and "search_seconds_this_session" not in state.metrics["search"]
    return f"{wall} (the final model's; its search was not timed)" if untimed else wall


def _runs_table(states: list[RunState], layout: Layout) -> str:
    """One row a run: its plan estimate beside its measured wall time, then their totals."""
    walls = {state.run.key: _wall_s(state) for state in states}
    rows = [{"run": state.run.key, "status": state.status + (f" ({state.detail})" if state.detail else ""),
             "protocol": state.run.protocol, "estimated": format_duration(state.run.estimate_s),
             "wall s": _wall_text(state, walls[state.run.key]),
             "folder": layout.run(state.folder, state.folder.name) if state.folder.exists() else "-"}
            for state in states]
    measured = [state for state in states if walls[state.run.key] is not None]
    measured_s = sum(walls[state.run.key] for state in measured)
    rows.append({"run": "**total**", "status": f"{sum(s.status == FINISHED for s in states)} of {len(states)} finished",
                 "protocol": "", "estimated": format_duration(sum(state.run.estimate_s for state in states)),
                 "wall s": f"{measured_s:.0f} ({format_duration(measured_s)}; estimated for these "
                           f"{format_duration(sum(state.run.estimate_s for state in measured))})",
                 "folder": ""})
    return format_table(rows)


def write(out: Path, rows: list[Row], states: list[RunState], *, budget: str, command: str,
          wall_seconds: float, started: str) -> Path:
    """Write REPORT.md, report.json and figures/ into the new folder `out`; returns REPORT.md's path.
    A report that fails half-way leaves no folder behind."""
    try:
        (out / "figures").mkdir(parents=True)
        path = render(Layout(out / "REPORT.md", out / "figures"), rows, states, budget=budget, command=command,
                      wall_seconds=wall_seconds, started=started)
        _write_json(out / "report.json", rows, states, budget=budget, command=command, started=started)
        return path
    except BaseException as err:
        shutil.rmtree(out, ignore_errors=True)
        if isinstance(err, OSError):  # a full disk, say: one line, no half report
            raise outputs.os_error(err, out, "free space or give --reports-dir another folder; nothing was "
                                             "written") from None
        raise


def publish(target: Path, rows: list[Row], states: list[RunState], *, budget: str, command: str,
            wall_seconds: float, started: str) -> Path:
    """Write the report as the Markdown file `target` (``docs/reproduction-cpu.md``), its
    figures in ``<target without .md>/figures/`` (replaced), run folders named, not linked."""
    figures = target.with_suffix("") / "figures"
    staging = None
    try:  # written into a staging folder beside it, then moved in place: a failure changes nothing
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.stem}."))
        staged = Layout(staging / target.name, staging / target.stem / "figures", link_runs=False)
        staged.figures.mkdir(parents=True)
        render(staged, rows, states, budget=budget, command=command, wall_seconds=wall_seconds, started=started)
        if figures.exists():
            shutil.rmtree(figures)
        figures.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.figures, figures)
        os.replace(staged.markdown, target)
        return target
    except OSError as err:
        raise outputs.os_error(err, target, "free space or give --publish another place; the report folder "
                                            "is not kept either") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _write_json(path: Path, rows: list[Row], states: list[RunState], *, budget: str, command: str,
                started: str) -> None:
    import json

    path.write_text(json.dumps(
        {"budget": budget, "command": command, "started": started, "machine": machine(),
         "scoreboard": scoreboard(rows), "rows": [row.as_dict() for row in rows],
         "runs": [{"key": s.run.key, "status": s.status, "folder": str(s.folder)} for s in states]}, indent=2) + "\n")


def _progress(states: list[RunState]) -> str:
    finished = sum(state.status == FINISHED for state in states)
    text = f"{finished} of the plan's {len(states)} runs are finished"
    if finished == len(states):
        return text + "."
    return (text + f"; {len(states) - finished} are not (yet): their entries are \"not comparable\" with the "
            "reason, and rerunning the command trains them (table \"Runs\" at the end).")


def render(layout: Layout, rows: list[Row], states: list[RunState], *, budget: str, command: str,
           wall_seconds: float, started: str) -> Path:
    """Write the report's Markdown and figures where `layout` says; returns the Markdown's path."""
    by_key = {state.run.key: state for state in states}
    board = scoreboard(rows)
    host = machine()
    seeds = sorted({state.run.config.seed for state in states if state.run.config is not None})
    trained_s = sum(_wall_s(state) or 0 for state in states)
    lines = [f"# Reproduction report: budget `{budget}`", "",
             f"Written by `{command}` on {started}. Every cell below comes from a run's metrics.json or from "
             "the documented entries (`keras_models/reports/documented.py`); nothing is typed by hand.", "",
             "## Scoreboard", "",
             format_table([{"verdict": verdict, **board[verdict]} for verdict in verdicts.VERDICTS]), "",
             f"{len(rows)} documented entries: {sum(r.entry.kind == 'number' for r in rows)} numbers and "
             f"{sum(r.entry.kind == 'claim' for r in rows)} claims. {rules_text()}", "",
             _progress(states), "",
             "## Machine, versions, seeds, time", "",
             format_table([{"item": k, "value": v} for k, v in {
                 **host, "seeds": ", ".join(map(str, seeds)) or "-", "budget": budget,
                 "wall s of the runs used (their last session)": round(trained_s, 1),
                 "wall s of this command": round(wall_seconds, 1)}.items()]), ""]
    for part, heading in PARTS.items():
        part_rows = [row for row in rows if row.entry.part == part]
        if not part_rows:
            continue
        lines += [f"## {heading}", "", _table(part_rows), ""]
        if part == "heartbeat":
            lines += protocols.table(by_key)
        lines += _figures(part, by_key, layout)
        if part == "images":
            lines += _image_comparison(part_rows, layout)
    lines += ["## Runs", "", _runs_table(states, layout), ""]
    layout.markdown.write_text("\n".join(lines))
    return layout.markdown
