"""Spreading the reproduction: `reproduce --jobs N` (local processes), `reproduce --ray`
(a Ray cluster), the plan's makespan on k workers, and their refusals of bad input."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.plan_walltime import runs_numbers
from conftest import REPO, run_cli, run_refused
from keras_models import backup_layout, runfiles
from keras_models.errors import UserError
from keras_models.reports import makespan, ray_backend, scheduler
from keras_models.reports.plan import plan
from keras_models.reports.runs import FAILED, FINISHED, MISSING, RunState

# --- the makespan of a plan ------------------------------------------------------------------


def test_longest_first_greedy_makespan():
    assert makespan.makespan([3, 3, 2, 2, 2], 2) == 7  # 3+2+2 | 3+2
    assert makespan.makespan([5, 1, 1], 4) == 5
    assert makespan.makespan([2, 2], 1) == 4
    with pytest.raises(ValueError):
        makespan.makespan([1], 0)


def test_the_full_budget_is_bound_by_its_longest_run_from_four_workers(capsys):
    estimates = [run.estimate_s for run in plan("full")]
    assert makespan.makespan(estimates, 1) == pytest.approx(sum(estimates))
    assert makespan.makespan(estimates, 4) == max(estimates) > sum(estimates) / 4
    makespan.main(["--budget", "full", "--workers", "1,4"])
    out = capsys.readouterr().out
    assert f"{len(estimates)} runs" in out and "heartbeat-gru1d-oversample-full" in out and "the longest run" in out


# --- the local scheduler, with a fake worker -------------------------------------------------


def _states(tmp_path: Path, seconds: list[float]) -> list[RunState]:
    runs = plan("smoke", tmp_path)[: len(seconds)]
    import dataclasses

    return [RunState(dataclasses.replace(run, estimate_s=s), run.folder(tmp_path), MISSING)
            for run, s in zip(runs, seconds)]


FAKE = ("import os, sys, time, pathlib; folder = pathlib.Path(sys.argv[1]); folder.mkdir(parents=True); "
        "start = time.time(); print('threads', os.environ.get('TF_NUM_INTRAOP_THREADS'), flush=True); "
        "time.sleep(float(sys.argv[2])); (folder / 'span').write_text(f'{start} {time.time()}'); "
        "print('error: a bad input' if sys.argv[3] != '0' else 'done'); sys.exit(int(sys.argv[3]))")


def test_jobs_run_at_most_n_at_once_longest_first_and_a_failure_does_not_stop_the_others(tmp_path):
    states = _states(tmp_path, [0.3, 0.3, 1.2, 0.3])
    code = {states[1].run.key: 2}
    lines, started = [], []

    def command(s, root):
        started.append(s.run.key)  # the order the scheduler starts the runs in
        return [sys.executable, "-c", FAKE, str(s.folder), str(s.run.estimate_s), str(code.get(s.run.key, 0))]

    shares = scheduler.Shares(jobs=2, gpus=[], cores=4)
    done = scheduler.run_all(
        states, tmp_path, shares, print_=lambda *a, **k: lines.append(" ".join(map(str, a))), command=command,
        finished=lambda s, root: RunState(s.run, s.folder, FINISHED))
    assert [s.status for s in done] == [FINISHED, FAILED, FINISHED, FINISHED]
    assert "exit status 2: error: a bad input" in done[1].detail
    spans = sorted(tuple(map(float, (s.folder / "span").read_text().split())) for s in states)
    for i, (start, _) in enumerate(spans):
        assert sum(1 for s, e in spans if s <= start < e) <= 2, "never more than --jobs runs at once"
    assert started[0] == states[2].run.key, "the longest run starts first"
    for state in states:
        log = (state.folder / scheduler.LOG_NAME).read_text()
        assert "threads 2" in log, "4 cores shared by 2 jobs: 2 threads each"
        assert not scheduler.log_paths(state.folder)[0].exists()
    assert len(lines) == 5 and lines[-1].startswith("[4/4]") and "done 4, running 0, left 0" in lines[-1]
    assert any("FAILED (exit status 2" in line for line in lines)


def test_each_job_gets_one_gpu_where_there_are_gpus(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    shares = scheduler.Shares.detect(4)
    assert shares.jobs == 2, "at most one run per GPU"
    assert [shares.env(slot) for slot in range(2)] == [{"CUDA_VISIBLE_DEVICES": "0"}, {"CUDA_VISIBLE_DEVICES": "1"}]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert scheduler.Shares.detect(3).gpus == [] and scheduler.Shares.detect(3).jobs == 3


def test_a_run_asks_ray_for_a_gpu_only_where_the_cluster_has_one():
    heartbeat = next(run for run in plan("full") if run.part == "heartbeat")
    nab = next(run for run in plan("full") if run.part == "nab")
    gpus = {"CPU": 32, "GPU": 4, "node_cpus": 16, "node_memory": 64 * 2 ** 30}
    assert ray_backend.resources(heartbeat, gpus) == {"num_cpus": 2, "num_gpus": 1, "memory": 6 * 2 ** 30}
    assert ray_backend.resources(nab, gpus)["num_gpus"] == 0
    small = {"CPU": 2, "node_cpus": 1, "node_memory": 2 * 2 ** 30}
    assert ray_backend.resources(heartbeat, small) == {"num_cpus": 1, "num_gpus": 0, "memory": 2 ** 30}


# --- bad input: one line, exit 2, nothing written --------------------------------------------


@pytest.mark.parametrize("args, expected", [
    (["--jobs", "0"], "--jobs: expected a positive integer"),
    (["--ray", "--jobs", "2"], "--ray and --jobs do not go together"),
    pytest.param(["--ray", "127.0.0.1:{port}"], "no Ray cluster answers there", marks=pytest.mark.skipif(
        importlib.util.find_spec("ray") is None, reason="Ray is not installed (pip install -e \".[ray]\")")),
    (["--jobs", "2", "--from-runs", "."], "--from-runs trains nothing"),
])
def test_bad_spreading_flags_end_with_one_line_and_exit_2(tmp_path, args, expected):
    from keras_models.tuning.distributed import free_port

    args = [a.format(port=free_port()) for a in args]
    run_refused("experiments.reproduce", "--only", "nab-v1", *args, expected=expected, cwd=tmp_path)


def test_ray_without_ray_installed_is_refused_in_one_line(tmp_path):
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "ray.py").write_text("raise ImportError('no ray here')\n")
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": f"{shim}{os.pathsep}{REPO}"}  # a fresh process: the shim comes first
    result = run_cli("experiments.reproduce", "--only", "nab-v1", "--ray", cwd=work, env=env)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and "--ray needs Ray: pip install" in lines[0], result.stderr
    assert not any(work.iterdir()), "nothing written"


# --- end to end: --jobs 2 against --jobs 1, and a Ray cluster of two nodes -------------------


def _env(tmp_path: Path, points: int = 900) -> dict:
    """The commands' environment: synthetic NAB data (`points` of Twitter_volume_AAPL) and a fresh cache."""
    from test_reproduce import _nab_data

    data = tmp_path / "data"
    if not data.exists():
        _nab_data(data, points)
    return {**{k: v for k, v in os.environ.items() if k != "KERAS_MODELS_DATA"}, "KERAS_MODELS_DATA": str(data),
            "PYTHONPATH": str(REPO), "KERAS_MODELS_CACHE": str(tmp_path / "cache"), "PYTHONUNBUFFERED": "1",
            "RAY_AUTH_MODE": "disabled"}  # as the test cluster (tests/ray_cluster.py)


TINY = ["--budget", "smoke", "--only", "nab-base,nab-v1"]


@pytest.mark.slow
def test_two_jobs_give_the_metrics_of_one(tmp_path):
    env = _env(tmp_path)
    one = run_cli("experiments.reproduce", *TINY, "--runs-dir", "one", cwd=tmp_path, env=env)
    assert one.returncode == 0, one.stderr[-2000:]
    two = run_cli("experiments.reproduce", *TINY, "--runs-dir", "two", "--jobs", "2", cwd=tmp_path, env=env)
    assert two.returncode == 0, two.stderr[-2000:]
    assert "[2/2]" in two.stdout and "Model: " not in two.stdout, "one line per run, the runs' output in logs"
    assert "wrote two/nab_autoencoder/reproduce-smoke-nab-v1" in \
        (tmp_path / "two/nab_autoencoder/reproduce-smoke-nab-v1/train.log").read_text()
    assert runs_numbers(tmp_path / "one") == runs_numbers(tmp_path / "two") != {}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if shutil.which(str(Path(sys.executable).with_name("ray"))) is None:
        pytest.skip("Ray is not installed (pip install -e \".[ray]\")")
    from ray_cluster import Cluster

    root = tmp_path_factory.mktemp("ray")
    made = Cluster(root)
    try:
        made.start_node("head", head=True)
        made.start_node("second")
        yield made
    finally:
        made.stop()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:
        return ""


#: two runs of 10 epochs (one a node) on a series long enough for an epoch to take seconds
EPOCHS = ["--budget", "cpu", "--only", "nab-v2,nab-v3"]


def _finished_epochs(folder: Path) -> int:
    try:
        latest = backup_layout.latest_epoch_folder(folder / "backup")
        return json.loads((latest / backup_layout.STATE).read_text())["epoch"] if latest else 0
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.slow
def test_a_ray_run_survives_a_node_killed_after_a_finished_epoch(cluster, tmp_path):
    from ray_cluster import marked_pids

    env = _env(tmp_path, points=12_000)
    reference = run_cli("experiments.reproduce", *EPOCHS, "--runs-dir", "reference", cwd=tmp_path, env=env)
    assert reference.returncode == 0, reference.stderr[-2000:]
    runs = tmp_path / "shared-runs"
    driver = subprocess.Popen([sys.executable, "-m", "experiments.reproduce", *EPOCHS, "--runs-dir", str(runs),
                               "--ray", cluster.address], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    second = cluster.marks[1]
    deadline = time.time() + 300
    killed, epochs = None, 0
    while killed is None and time.time() < deadline and driver.poll() is None:
        # kill the second node once its run has finished (and backed up) an epoch, before its last
        for folder in runs.glob("nab_autoencoder/*"):
            epochs = _finished_epochs(folder)
            if 1 <= epochs < 9 and not (folder / "metrics.json").exists() and any(
                    folder.name in _cmdline(pid) for pid in marked_pids(second)):
                killed = folder
                cluster.kill(second)
                break
        time.sleep(0.05)
    output = driver.communicate(timeout=600)[0]
    assert driver.returncode == 0, output[-3000:]
    assert killed is not None, "the second node trained no run past an epoch: " + output[-2000:]
    assert "[2/2]" in output and "FAILED" not in output, output[-2000:]
    resumed = (killed / "train.log").read_text().split("=== resuming", 1)
    assert len(resumed) == 2, "the retried task resumes the run's folder"
    first_epoch = re.search(r"Epoch (\d+)/10", resumed[1])
    assert first_epoch and int(first_epoch.group(1)) > epochs, "it goes on after the epochs it had finished"
    print(f"killed the node training {killed.name} after {epochs} finished epoch(s); the retried task resumed at "
          f"epoch {first_epoch.group(1)}/10")
    assert runs_numbers(runs) == runs_numbers(tmp_path / "reference") != {}
    assert next(tmp_path.glob("reports/*/REPORT.md")).is_file()


@pytest.mark.slow
def test_ctrl_c_on_a_ray_driver_cancels_the_tasks_and_the_same_command_goes_on(cluster, tmp_path):
    env = _env(tmp_path, points=12_000)
    runs = tmp_path / "shared-runs"
    args = [sys.executable, "-m", "experiments.reproduce", *EPOCHS, "--runs-dir", str(runs), "--ray", cluster.address]
    driver = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    deadline = time.time() + 300
    while time.time() < deadline and driver.poll() is None and not any(
            _finished_epochs(folder) >= 1 for folder in runs.glob("nab_autoencoder/*")):
        time.sleep(0.05)
    driver.send_signal(signal.SIGINT)
    output = driver.communicate(timeout=300)[0]
    assert driver.returncode == 130, output[-3000:]
    assert "cancelling" in output and "run the same command again" in output, output[-2000:]
    folders = sorted(runs.glob("nab_autoencoder/*"))
    stopped = [f for f in folders if not (f / "metrics.json").exists()]
    assert stopped, "Ctrl-C came before every run finished"
    for folder in stopped:
        assert "=== cancelled" in (folder / "train.log").read_text()
        runfiles.check_resume_state(folder)  # what the next command resumes is whole
    again = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-2000:]
    assert all((f / "metrics.json").is_file() for f in folders)
    assert any("=== resuming" in (f / "train.log").read_text() for f in stopped)


@pytest.mark.slow
def test_a_runs_folder_one_node_cannot_reach_is_refused(cluster, tmp_path):
    """A node in its own mount namespace sees an empty file system at the runs folder's path,
    as a node without the shared file system mounted would."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare to give one node its own file system")
    runs = tmp_path / "runs"
    runs.mkdir()
    hide = f"mount -t tmpfs none {runs} && exec \"$@\""
    cluster.start_node("elsewhere", prefix=["unshare", "--mount", "--propagation", "private", "sh", "-c", hide, "sh"])
    try:
        line = run_refused("experiments.reproduce", *TINY, "--runs-dir", str(runs), "--ray", cluster.address,
                           expected="must be one folder every Ray node reaches", cwd=tmp_path, env=_env(tmp_path))
        assert "not shared with this machine" in line
    finally:
        cluster.kill(cluster.marks[-1])


@pytest.mark.slow
def test_tune_on_a_two_node_cluster_runs_its_trials_on_both_nodes(cluster, tmp_path):
    """The chief here, two workers as Ray tasks (one a node): the trial table names each trial's node."""
    from conftest import write_series

    extra = cluster.start_node("tune-second")
    try:
        csv = write_series(tmp_path / "s.csv", n=600)
        result = run_cli("experiments.tune", "--model", "nab_base", "--csv", csv, "--trials", "4", "--epochs", "1",
                         "--workers", "2", "--ray", cluster.address, "--no-tensorboard", "--runs-dir",
                         tmp_path / "runs", cwd=tmp_path, env=_env(tmp_path), timeout=600)
    finally:
        cluster.kill(extra)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    rows = json.loads(next((tmp_path / "runs" / "tune").glob("*/trials.json")).read_text())["trials"]
    assert len(rows) == 4 and all(r["status"] == "COMPLETED" for r in rows)
    print(next((tmp_path / "runs" / "tune").glob("*/trials.md")).read_text())
    assert len({r["ran on"].split(" on ", 1)[1] for r in rows}) == 2, "the two workers ran on two nodes"


def test_tune_on_an_unreachable_ray_cluster_is_refused_before_any_folder(tmp_path):
    pytest.importorskip("ray", reason="Ray is not installed (pip install -e \".[ray]\")")
    from keras_models.tuning.distributed import free_port

    run_refused("experiments.tune", "--model", "nab_base", "--trials", "2", "--epochs", "1", "--ray",
                f"127.0.0.1:{free_port()}", expected="no Ray cluster answers there", cwd=tmp_path)


def test_a_cluster_that_asks_for_a_token_is_refused_with_the_fix(monkeypatch):
    class AuthenticationError(Exception):
        pass

    class FakeRay:
        @staticmethod
        def init(**options):
            try:
                raise AuthenticationError("RPC error: InvalidAuthToken")
            except AuthenticationError as err:
                raise ConnectionError("Failed to connect to Ray cluster") from err

    monkeypatch.setattr(ray_backend, "_import_ray", lambda: FakeRay)
    with pytest.raises(UserError, match=r"--ray auto: the Ray cluster asks for an authentication token .* copy the "
                                        r"head's ~/.ray/auth_token here and set RAY_AUTH_MODE=token"):
        ray_backend.connect("auto")
