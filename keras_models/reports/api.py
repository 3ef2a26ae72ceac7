"""`reproduce(Config(...))`: plan, train what is not finished, write the report.

The same from the command line: ``python -m experiments.reproduce --budget cpu``.
"""

from __future__ import annotations

import sys
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from keras_models import checks, outputs, tracking
from keras_models.config import Config as BaseConfig
from keras_models.config import option, run_id
from keras_models.errors import UserError
from keras_models.reports import assess, documented, markdown, seeds
from keras_models.reports.plan import AUDIT_EXPERIMENT, BUDGETS, PARTS, DataNeed, PlannedRun, data_needs, format_duration, \
    parts_option, plan
from keras_models.reports.runs import FINISHED, MISSING, RunState, execute, inspect

#: the exit status when Ctrl-C stops the command (128 + SIGINT)
INTERRUPTED = 130


def markdown_file(value) -> Path:
    """A path ending in .md (`--publish`)."""
    path = checks.path(value)
    if path.suffix != ".md":
        raise checks.BadValue(f"expected a Markdown file name ending in .md (docs/reproduction-cpu.md), got {value!r}")
    return path


@dataclass(frozen=True)
class Config(BaseConfig):
    """What to reproduce, where the runs live and where the report goes."""

    budget: str = option("smoke", checks.one_of(*BUDGETS), "smoke (~15 min on 2 cores, the pipeline end to end; "
                                                           "no number comparable), cpu (~4 h 30 min on 2 cores, "
                                                           "reduced budgets) or full (the reports' protocols, a GPU)")
    only: tuple = option((), parts_option, f"parts ({','.join(PARTS)}) or run keys to keep, comma-separated (default: all)",
                         metavar="PARTS")
    from_runs: Path | None = option(None, checks.optional(checks.path),
                                    "write the report from the finished runs in this runs folder; train nothing",
                                    metavar="DIR")
    runs_dir: Path = option(Path("runs"), checks.path, "root of the run folders")
    reports_dir: Path = option(Path("reports"), checks.path, "where the report folder is written")
    report_id: str | None = option(None, checks.optional(run_id),
                                   "name of the report folder (default: <budget>-<time>)")
    fetch: bool = option(False, checks.boolean, "download the data sets the plan needs and lacks before training "
                                                "(as python -m experiments.data fetch NAME); without it, missing data "
                                                "stops the command before anything trains")
    publish: Path | None = option(None, checks.optional(markdown_file),
                                  "also write the report as this Markdown file for a repository's docs "
                                  "(figures in a folder of its name; run folders named, not linked)",
                                  metavar="FILE.md")
    jobs: int | None = option(None, checks.optional(checks.positive_int),
                              "train up to N runs at once, each in its own process with its share of the machine "
                              "(one GPU each, or the CPU cores divided); default 1", metavar="N")
    ray: str | None = option(None, checks.optional(checks.text),
                             "train the runs as tasks on a Ray cluster: auto (the local one, started if none runs) "
                             "or HOST:PORT of its head; --runs-dir must be shared by every node", metavar="ADDRESS")
    seeds: int = option(1, checks.positive_int, "when a claim the budget names for more seeds (cpu: the quick "
                                                "heartbeat CNN claims) is left short by its first runs, train its "
                                                "runs again under K-1 more seeds; the report gives mean +- sd "
                                                "across the K seeds", metavar="K")
    track: str | None = option(None, tracking.check, "track every run with MLflow, from whichever process or node "
                                                     "trains it, into the store this command names")

    @property
    def source(self) -> Path:
        """The runs folder the report reads."""
        return self.from_runs if self.from_runs is not None else self.runs_dir


def _check_from_runs(folder: Path) -> None:
    if not folder.is_dir():
        raise UserError(f"--from-runs {folder}: no such folder; give the runs folder of earlier runs "
                        "(runs/<experiment>/<run-id>/)")
    if not any(p.is_dir() for experiment in folder.iterdir() if experiment.is_dir() for p in experiment.iterdir()):
        raise UserError(f"--from-runs {folder}: it holds no run folders (<experiment>/<run-id>/); train first "
                        "(without --from-runs) or give the folder that holds the runs")


def _check_finished_runs(folder: Path) -> None:
    if not any((p / "audit.json").is_file() or ((p / "metrics.json").is_file() and (p / "config.json").is_file())
               for experiment in folder.iterdir() if experiment.is_dir() for p in experiment.iterdir()):
        raise UserError(f"--from-runs {folder}: no finished runs found there (<experiment>/<run-id>/ holding "
                        "config.json and metrics.json, or audit.json for the parameter audit); train first "
                        "(without --from-runs) or give the folder that holds the runs")


def _report_folder(config: Config) -> Path:
    name = config.report_id or f"{config.budget}-{time.strftime('%Y%m%d-%H%M%S')}"
    out = Path(config.reports_dir) / name
    if out.exists():
        raise UserError(f"report folder {out} already exists and reports are never overwritten: choose another "
                        "--report-id")
    if Path(config.reports_dir).exists() and not Path(config.reports_dir).is_dir():
        raise UserError(f"--reports-dir {config.reports_dir} is a file; give a folder")
    return out


def print_plan(states: list[RunState], budget: str, training: bool = True) -> None:
    """Every run with its status, protocol and estimated time; the time still to train."""
    from keras_models.audit import format_table

    rows = [{"run": s.run.key, "status": s.status, "protocol": s.run.protocol,
             "estimate": format_duration(s.run.estimate_s) if s.status != FINISHED else "done"} for s in states]
    todo = sum(s.run.estimate_s for s in states if s.status != FINISHED)
    finished = sum(s.status == FINISHED for s in states)
    todo_text = (f"about {format_duration(todo)} to train on 2 CPU cores" if todo else "nothing to train") if training \
        else "training nothing (--from-runs)"
    print(f"reproduction plan, budget {budget}: {len(states)} runs, {finished} finished; {todo_text}")
    print(format_table(rows), flush=True)


def reproduce(config: Config, command: str = "keras_models.reports.reproduce") -> Path:
    """Plan the budget's runs, train those not finished (unless `from_runs`), write the report.

    Returns the path of REPORT.md. Raises `UserError` (nothing written) for a bad
    `only`, a missing or empty `from_runs` folder, an existing report folder, a run
    folder of the plan's name trained with another configuration, or data missing for a
    run still to train (`check_data`; `fetch` downloads it first); with `ray`, for Ray
    missing, a cluster that does not answer or a runs folder some node cannot reach (and
    `jobs` beside `ray`). `jobs` and `ray` spread the runs (`train`; docs/scaling.md).
    Ctrl-C stops with `KeyboardInterrupt` after the running children kept their folders;
    rerunning resumes.
    """
    started, clock = time.strftime("%Y-%m-%d %H:%M:%S %Z"), time.perf_counter()
    _check_spread(config)
    if config.ray is not None:  # the tasks run in other folders, on other machines
        config = config.replace(runs_dir=Path(config.runs_dir).resolve())
    if config.from_runs is not None:
        _check_from_runs(Path(config.from_runs))
    runs = plan(config.budget, config.source, config.only)
    out = _report_folder(config)
    if config.publish is not None and Path(config.publish).is_dir():
        raise UserError(f"--publish {config.publish} is a folder; give a Markdown file such as "
                        "docs/reproduction-cpu.md")
    check_outputs(config, out)
    if config.from_runs is not None:
        _check_finished_runs(Path(config.from_runs))
    states = [inspect(run, config.source) for run in runs]
    cluster = None
    if config.ray is not None and any(state.status != FINISHED for state in states):
        from keras_models.reports import ray_backend

        cluster = ray_backend.connect(config.ray)
        ray_backend.check_shared(cluster, Path(config.source))
    print_plan(states, config.budget, training=config.from_runs is None)
    if config.from_runs is None:
        check_data([state.run for state in states if state.status != FINISHED], fetch=config.fetch)
        states = train(states, config, cluster)
    else:
        states = _not_in_from_runs(states)
    by_key = {state.run.key: state for state in states}
    rows = [assess.assess(entry, by_key) for entry in documented.entries() if _selected(entry, by_key, config.only)]
    extra = seeds.extra_runs(rows, runs, config.budget, config.seeds) if config.seeds > 1 else []
    if extra:
        extra_states = _seeded_states(extra, config, cluster)
        states = states + extra_states
        by_key.update({state.run.key: state for state in extra_states})
        seeded = seeds.by_base(extra_states)
        rows = [assess.assess(entry, by_key, seeded) for entry in documented.entries()
                if _selected(entry, by_key, config.only)]
    written = dict(budget=config.budget, command=command, wall_seconds=time.perf_counter() - clock,
                   started=started)
    path = markdown.write(out, rows, states, **written)
    if config.publish is not None:
        try:
            published = markdown.publish(Path(config.publish), rows, states, **written)
        except BaseException:
            shutil.rmtree(out, ignore_errors=True)  # all or nothing: no report folder without its published copy
            raise
    board = assess.scoreboard(rows)
    print("\n" + ", ".join(f"{verdict}: {board[verdict]['all']}" for verdict in board))
    print(f"wrote {path}")
    if config.publish is not None:
        print(f"wrote {published}")
    return path


def _not_in_from_runs(states: list[RunState]) -> list[RunState]:
    """The missing runs of `states` marked as not found in --from-runs."""
    return [state if state.status != MISSING else RunState(state.run, state.folder, MISSING,
                                                           detail="no such folder in --from-runs")
            for state in states]


def _seeded_states(runs: list[PlannedRun], config: Config, cluster=None) -> list[RunState]:
    """The states of the runs trained again under other seeds (`seeds.extra_runs`): trained now
    unless `from_runs`, reused and resumed like the plan's runs."""
    states = [inspect(run, config.source) for run in runs]
    print(f"\n--seeds {config.seeds}: the runs of the claims left short, again under other seeds")
    print_plan(states, config.budget, training=config.from_runs is None)
    if config.from_runs is not None:
        return _not_in_from_runs(states)
    check_data([state.run for state in states if state.status != FINISHED], fetch=config.fetch)
    if config.ray is not None and cluster is None and any(state.status != FINISHED for state in states):
        from keras_models.reports import ray_backend

        cluster = ray_backend.connect(config.ray)
    return train(states, config, cluster)


def _check_spread(config: Config) -> None:
    """--jobs, --ray and --track: refused together where they make no sense (one line, nothing written)."""
    if config.ray is not None and config.jobs is not None:
        raise UserError("--ray and --jobs do not go together: on Ray the cluster's resources decide how many runs "
                        "train at once; drop --jobs")
    if config.from_runs is not None and (config.ray is not None or config.jobs is not None):
        raise UserError("--from-runs trains nothing: drop --jobs and --ray")
    if config.track is not None:
        tracking.resolve(config.track)


def tracking_env(config: Config) -> dict[str, str]:
    """The environment that makes every worker track its run into the store this command names."""
    track = tracking.resolve(config.track)
    if not track:
        return {}
    return {tracking.ENV: track, "MLFLOW_TRACKING_URI": tracking.store_uri(Path(config.source).resolve())}


def train(states: list[RunState], config: Config, cluster=None) -> list[RunState]:
    """Train the runs of `states` not finished: one after another (each in its own process, its
    progress on the console), `config.jobs` at once (`scheduler`), or on the Ray cluster
    `cluster` (`ray_backend`); the new states in the same order."""
    todo = [state for state in states if state.status != FINISHED]
    env = tracking_env(config)
    if env and (cluster is not None or (config.jobs or 1) > 1):
        # the store and its experiments made once, here: workers making them at once collide
        for experiment in sorted({state.run.experiment for state in todo} - {AUDIT_EXPERIMENT}):
            tracking.connect(Path(config.source).resolve(), experiment, env["MLFLOW_TRACKING_URI"])
    if cluster is not None:
        from keras_models.reports import ray_backend

        done = ray_backend.run_all(cluster, todo, Path(config.source), extra_env=env)
    elif (config.jobs or 1) > 1 and todo:
        from keras_models.reports import scheduler

        done = scheduler.run_all(todo, Path(config.source), scheduler.Shares.detect(config.jobs), extra_env=env)
    else:
        done = [execute(state, config.source, env) for state in todo]
    new = {state.run.key: state for state in done}
    return [new.get(state.run.key, state) for state in states]


def check_data(runs: list[PlannedRun], fetch: bool = False) -> None:
    """Before training: the data every run of `runs` reads must be here ($KERAS_MODELS_DATA or
    the cache, `keras_models.datasets.status`). With `fetch`, the missing data sets are
    downloaded first (`keras_models.datasets.fetch`); without, one line per missing data set
    naming its fetch command goes to stderr and `UserError` stops the command."""
    from keras_models import datasets

    wanted: dict[str, list] = {}
    for run in runs:
        for need in data_needs(run):
            wanted.setdefault(need.dataset, []).append((run.key, need))
    missing = {name: [key for key, need in pairs if not _has(datasets.status(name), need)]
               for name, pairs in wanted.items()}
    missing = {name: keys for name, keys in missing.items() if keys}
    if not missing:
        return
    if fetch:
        for name in missing:
            datasets.fetch(name)
        return
    for name, keys in missing.items():
        dataset = datasets.get(name)
        shown = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
        print(f"missing data: {name} ({dataset.folder}/, read by {shown}): {dataset.fetch_command}", file=sys.stderr)
    raise UserError(f"data missing for {len(missing)} data set(s) ({', '.join(missing)}): run the fetch command(s) "
                    "above, or add --fetch to download them first; nothing was trained")


def _has(status, need: DataNeed) -> bool:
    """Whether a copy in the lookup order holds what `need` asks for."""
    if need.alternative is not None and need.alternative.exists():
        return True
    if not need.paths:
        return status.found is not None
    return any(all((copy.path / path).is_file() for path in need.paths) for copy in status.copies)


def check_outputs(config: Config, report_folder: Path) -> None:
    """Before any work: the report folder, the runs folder (when training) and the --publish file (and its
    figures folder) can be written; `UserError` otherwise."""
    outputs.check_folder(report_folder, "--reports-dir")
    if config.from_runs is None:
        outputs.check_folder(config.runs_dir, "--runs-dir")
    if config.publish is not None:
        outputs.check_file(Path(config.publish), "--publish")
        outputs.check_folder(Path(config.publish).with_suffix("") / "figures", "--publish")


def _selected(entry: documented.Entry, states: dict, only: tuple) -> bool:
    """With --only, the entries of the selected parts (an entry with no run: its part's)."""
    if not only:
        return True
    if entry.runs:
        return any(key in states for key in entry.runs)
    return any(state.run.part == entry.part for state in states.values())
