"""The data registry, `status` and `fetch` against a local HTTP server (127.0.0.1, Range
requests, responses cut short on demand): verified files, resumed downloads, refused
corrupted archives, never-overwritten copies, and the data command's output."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import tarfile
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import run_cli

from experiments import data as data_cli
from keras_models import datapaths, datasets
from keras_models.datasets import registry
from keras_models.datasets.download import DownloadInterrupted, VerificationFailed, download
from keras_models.datasets.fetching import archive_path, partial_root
from keras_models.errors import UserError


class Server:
    """Files served over HTTP on 127.0.0.1; `cut[path] = n` makes the next full response of
    `path` stop after n bytes (its Content-Length still the whole size)."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.cut: dict[str, int] = {}
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                server.requests.append((self.path, self.headers.get("Range")))
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                start = int(self.headers["Range"].split("=")[1].split("-")[0]) if self.headers.get("Range") else 0
                if start >= len(body) and start:
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.end_headers()
                    return
                self.send_response(206 if start else 200)
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                stop = server.cut.pop(self.path, None) if not start else None
                self.wfile.write(body[start:stop])

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


@pytest.fixture
def server():
    served = Server()
    served.thread.start()
    yield served
    served.httpd.shutdown()
    served.httpd.server_close()


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


FILES = {"a/one.csv": b"timestamp,value\n1,2\n" * 50, "two.json": b'{"x": [1, 2, 3]}'}


def files_dataset(server: Server, name: str = "toy", **changes) -> registry.Dataset:
    """A data set of separate files served from `server`, registered under `name`."""
    for path, body in FILES.items():
        server.files[f"/{name}/{path}"] = body
    dataset = registry.Dataset(
        name=name, title="toy", folder=name, layout="a/one.csv and two.json",
        source=registry.Source(url=f"{server.url}{name}/", description="the local test server", download_size=1_000),
        licence="MIT", licence_url="", citation=("A. Author. Toy data. 2024.",), homepage="", used_by="tests",
        file_list=tuple(registry.FileSpec(p, digest(b)) for p, b in FILES.items()))
    return dataclasses.replace(dataset, **changes)


MEMBERS = {f"{c}/{i}.jpg": f"{c} image {i} ".encode() * 40 for c in ("cats", "dogs") for i in (1, 2, 3)}


def zip_bytes(members: dict[str, bytes], top: str = "repo-0123abcd/cnn_dataset/") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("repo-0123abcd/README.md", b"not part of the data set")
        for path, body in members.items():
            archive.writestr(top + path, body)
    return buffer.getvalue()


def tgz_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, body in members.items():
            info = tarfile.TarInfo(f"ag_news_csv/{path}")
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def archive_dataset(server: Server, kind: str, body: bytes, members: dict[str, bytes]) -> registry.Dataset:
    server.files[f"/archive.{kind}"] = body
    root, strip = ("cnn_dataset/", 1) if kind == "zip" else ("ag_news_csv/", 0)
    return registry.Dataset(
        name=f"toy_{kind}", title="toy archive", folder=f"pictures/toy_{kind}", layout="class folders",
        source=registry.Source(url=f"{server.url}archive.{kind}", description="a local archive",
                               download_size=len(body), archive=kind, member_root=root, strip_components=strip),
        licence="none stated", licence_url="", citation=(), homepage="", used_by="tests",
        file_list=tuple(registry.FileSpec(p, digest(b), len(b)) for p, b in members.items()))


def no_partial_left(cache: Path) -> bool:
    partial = cache / ".partial"
    return not partial.exists() or not any(p.is_file() for p in partial.rglob("*"))


# ----------------------------------------------------------------------------- the registry


def test_the_registry_names_files_sources_licences_and_citations():
    assert list(datasets.DATASETS) == ["nab", "mitdb", "ag_news", "images"]
    for dataset in datasets.DATASETS.values():
        assert dataset.title and dataset.licence and dataset.layout and dataset.source.download_size > 0
        assert dataset.fetch_command == f"python -m experiments.data fetch {dataset.name}"
        assert dataset.source.url.startswith("https://")
    assert all(f.sha256 for f in registry.NAB.files) and len(registry.NAB.files) == 19
    assert len(registry.MITDB.needed) == 144 and registry.MITDB.files[0].sha256 == registry.MITDB_SHA256SUMS.sha256
    assert registry.AG_NEWS.files[0] == registry.FileSpec(
        "train.csv", "76a0a2d2f92b286371fe4d4044640910a04a803fdd2538e0f3f29a5c6f6b672e", 29_470_338)
    images = registry.IMAGES.files  # the package's manifest
    assert len(images) == 30_000 and images[0].path == "dogs/1.jpg" and images[-1].path == "vehicles/10000.jpg"
    assert sum(f.size for f in images) == 110_502_316 and all(len(f.sha256) == 64 for f in images[:10])
    assert "Lavin" in registry.NAB.citation[0] and "Moody" in registry.MITDB.citation[0]
    assert "ODC-By" in registry.MITDB.licence and "Zhang" in registry.AG_NEWS.citation[0]
    assert registry.for_relpath("images/cnn_dataset/dogs/1.jpg") is registry.IMAGES
    assert registry.for_relpath("heartbeat/mitbih_train.csv") is None
    with pytest.raises(UserError, match="unknown data set 'nope'; choose one of: nab, mitdb, ag_news, images"):
        datasets.get("nope")


def test_manifest_round_trip(tmp_path):
    from keras_models.datasets.manifest import make_manifest, write_manifest

    for name in ("b/10.jpg", "b/2.jpg", "a/1.jpg", ".hidden/x.jpg"):
        (tmp_path / "set" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "set" / name).write_bytes(name.encode())
    files = make_manifest(tmp_path / "set")
    assert [f.path for f in files] == ["a/1.jpg", "b/2.jpg", "b/10.jpg"] and files[0].sha256 == digest(b"a/1.jpg")
    write_manifest(files, tmp_path / "one.csv.gz")
    write_manifest(files, tmp_path / "two.csv.gz")
    assert (tmp_path / "one.csv.gz").read_bytes() == (tmp_path / "two.csv.gz").read_bytes()  # no time stamp inside


# ----------------------------------------------------------------------------- fetch


def test_fetch_downloads_verifies_and_never_downloads_twice(server, roots):
    dataset = files_dataset(server)
    assert datasets.status(dataset).found is None
    folder = datasets.fetch(dataset, progress=False, log=lambda line: None)
    assert folder == roots / "cache" / "toy"
    assert {p: (folder / p).read_bytes() for p in FILES} == FILES and no_partial_left(roots / "cache")
    assert datasets.status(dataset).found.where == "cache"
    count = len(server.requests)
    lines = []
    datasets.fetch(dataset, progress=False, log=lines.append)
    assert len(server.requests) == count and lines == [f"toy: complete in the cache ({folder}), 2 files verified"]


def test_a_complete_local_copy_is_not_downloaded(server, roots, monkeypatch):
    dataset = files_dataset(server)
    for path, body in FILES.items():
        (roots / "local" / "toy" / path).parent.mkdir(parents=True, exist_ok=True)
        (roots / "local" / "toy" / path).write_bytes(body)
    monkeypatch.setenv("KERAS_MODELS_DATA", str(roots / "local"))
    lines = []
    assert datasets.fetch(dataset, progress=False, log=lines.append) == roots / "local" / "toy"
    assert server.requests == [] and "complete in $KERAS_MODELS_DATA" in lines[0] and not (roots / "cache").exists()


def test_a_cached_file_failing_verification_is_reported_not_replaced(server, roots):
    dataset = files_dataset(server)
    bad = roots / "cache" / "toy" / "two.json"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"edited by hand")
    with pytest.raises(VerificationFailed) as err:
        datasets.fetch(dataset, progress=False, log=lambda line: None)
    message = str(err.value)
    assert "\n" not in message and "two.json (sha256 differs)" in message and "not replaced" in message
    assert "python -m experiments.data fetch toy" in message
    assert bad.read_bytes() == b"edited by hand" and server.requests == []


def test_a_wrong_file_from_the_server_is_refused_and_nothing_kept(server, roots):
    dataset = files_dataset(server)
    server.files["/toy/two.json"] = b"changed upstream"
    with pytest.raises(VerificationFailed, match="two.json has sha256 .* expected .*refused, nothing was kept"):
        datasets.fetch(dataset, progress=False, log=lambda line: None)
    assert not (roots / "cache" / "toy").exists() and datasets.status(dataset).found is None
    assert not list((roots / "cache").rglob("two.json*"))


def test_an_interrupted_download_resumes_to_a_verified_file(server, roots):
    dataset = files_dataset(server)
    server.cut["/toy/a/one.csv"] = 100
    with pytest.raises(DownloadInterrupted, match="stopped at 100 B of 1.0 kB; run the same command again to resume"):
        datasets.fetch(dataset, progress=False, log=lambda line: None)
    part = partial_root() / "toy" / "a" / "one.csv.part"
    assert part.stat().st_size == 100 and not (roots / "cache" / "toy").exists()  # nothing looks complete
    assert datasets.status(dataset).found is None
    folder = datasets.fetch(dataset, progress=False, log=lambda line: None)
    assert ("/toy/a/one.csv", "bytes=100-") in server.requests  # only the missing bytes were asked for
    assert (folder / "a" / "one.csv").read_bytes() == FILES["a/one.csv"] and no_partial_left(roots / "cache")


def test_a_checksum_list_gives_the_digests_and_is_itself_pinned(server, roots):
    sums = "".join(f"{digest(b)}  {p}\n" for p, b in FILES.items()).encode()
    server.files["/toy/SHA256SUMS.txt"] = sums
    listing = registry.FileSpec("SHA256SUMS.txt", digest(sums), needed=False)
    dataset = files_dataset(server)
    dataset = dataclasses.replace(dataset, source=dataclasses.replace(dataset.source, checksums=listing),
                                  file_list=(listing,) + tuple(registry.FileSpec(p) for p in FILES))
    folder = datasets.fetch(dataset, progress=False, log=lambda line: None)
    assert server.paths()[0] == "/toy/SHA256SUMS.txt" and (folder / "SHA256SUMS.txt").read_bytes() == sums
    (folder / "a" / "one.csv").write_bytes(b"damaged")
    with pytest.raises(VerificationFailed, match="a/one.csv"):
        datasets.fetch(dataset, progress=False, log=lambda line: None)


@pytest.mark.parametrize("kind", ["zip", "tgz"])
def test_an_archive_is_extracted_member_by_member_and_verified(server, roots, kind):
    body = zip_bytes(MEMBERS) if kind == "zip" else tgz_bytes(MEMBERS)
    dataset = archive_dataset(server, kind, body, MEMBERS)
    folder = datasets.fetch(dataset, progress=False, log=lambda line: None)
    assert folder == roots / "cache" / "pictures" / f"toy_{kind}"
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == sorted(MEMBERS)
    assert not archive_path(dataset).exists() and no_partial_left(roots / "cache")


@pytest.mark.parametrize("damage", ["member", "truncated"])
def test_a_corrupted_archive_is_refused_in_one_line(server, roots, damage, capsys, monkeypatch):
    members = dict(MEMBERS, **{"dogs/2.jpg": b"another picture"}) if damage == "member" else MEMBERS
    body = zip_bytes(members)
    if damage == "truncated":
        body = body[: len(body) // 2]
    dataset = archive_dataset(server, "zip", body, MEMBERS)
    monkeypatch.setitem(registry.DATASETS, dataset.name, dataset)
    with pytest.raises(SystemExit) as stop:
        from keras_models import cli

        cli.main(data_cli.main, ["fetch", dataset.name, "--no-progress"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is corrupted" in err and "refused and deleted, nothing kept" in err
    assert ("dogs/2.jpg" in err) == (damage == "member")
    assert not (roots / "cache" / "pictures").exists() and no_partial_left(roots / "cache")
    assert datasets.status(dataset).found is None


def test_an_interrupted_archive_download_resumes(server, roots):
    body = tgz_bytes(MEMBERS)
    dataset = archive_dataset(server, "tgz", body, MEMBERS)
    server.cut["/archive.tgz"] = len(body) // 3
    with pytest.raises(DownloadInterrupted):
        datasets.fetch(dataset, progress=False, log=lambda line: None)
    assert datasets.status(dataset).found is None
    datasets.fetch(dataset, progress=False, log=lambda line: None)
    assert ("/archive.tgz", f"bytes={len(body) // 3}-") in server.requests
    assert datasets.status(dataset).found is not None


def test_only_missing_files_are_added_to_a_partial_cache_copy(server, roots):
    dataset = archive_dataset(server, "zip", zip_bytes(MEMBERS), MEMBERS)
    kept = roots / "cache" / dataset.folder / "cats" / "1.jpg"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(MEMBERS["cats/1.jpg"])
    before = kept.stat().st_mtime_ns
    datasets.fetch(dataset, progress=False, log=lambda line: None)
    assert kept.stat().st_mtime_ns == before and datasets.status(dataset).found.where == "cache"


# ----------------------------------------------------------------------------- single files (datapaths)


def test_datapaths_downloads_a_pinned_file_once(server, roots):
    server.files["/nab/z.csv"] = b"timestamp,value\n"
    remote = datapaths.Remote(server.url + "nab/z.csv", digest(b"timestamp,value\n"))
    path = datapaths.resolve("nab/z.csv", remote=remote)
    assert path == roots / "cache" / "nab" / "z.csv" and path.read_bytes() == b"timestamp,value\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["z.csv"]  # no partial file left
    assert datapaths.resolve("nab/z.csv", remote=remote) == path and len(server.requests) == 1


def test_datapaths_refuses_a_wrong_hash_and_names_the_fetch_command(server, roots):
    server.files["/nab/z.csv"] = b"changed upstream"
    with pytest.raises(UserError) as err:
        datapaths.resolve("nab/z.csv", remote=datapaths.Remote(server.url + "nab/z.csv", "0" * 64))
    message = str(err.value)
    assert "\n" not in message and "expected " + "0" * 64 in message and digest(b"changed upstream") in message
    assert "nothing was kept" in message and message.endswith("python -m experiments.data fetch nab")
    assert not any((roots / "cache" / "nab").iterdir())


def test_datapaths_network_failure_names_the_url(roots):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/nab/z.csv"
    with pytest.raises(UserError, match=f"download of {url} failed") as err:
        datapaths.resolve("nab/z.csv", remote=datapaths.Remote(url, "0" * 64))
    assert "\n" not in str(err.value) and "shared" not in str(err.value)


def test_download_restarts_when_the_server_ignores_range(server, tmp_path):
    body = b"x" * 5000
    server.files["/f.bin"] = body
    target = tmp_path / "f.bin"
    (tmp_path / "f.bin.part").write_bytes(b"y" * 6000)  # longer than the file: cannot be a prefix
    assert download(server.url + "f.bin", target, sha256=digest(body), size=5000, progress=False).read_bytes() == body


# ----------------------------------------------------------------------------- status and the command


def test_status_says_where_each_data_set_is_and_what_fetch_would_get(roots, monkeypatch, capsys):
    local = roots / "local"
    for path in registry.AG_NEWS.files[1:]:
        (local / "ag_news").mkdir(parents=True)
        (local / "ag_news" / path.path).write_bytes(b"1,title,text\n")
    (local / "nab" / "labels").mkdir(parents=True)
    for spec in registry.NAB.files:
        (local / "nab" / spec.path).parent.mkdir(parents=True, exist_ok=True)
        (local / "nab" / spec.path).write_bytes(b"x" * 10)
    monkeypatch.setenv("KERAS_MODELS_DATA", str(local))
    data_cli.main(["status"])
    head, *out = capsys.readouterr().out.splitlines()
    assert head == f"looking in: $KERAS_MODELS_DATA ({local}), then the cache {roots / 'cache'} " \
                   "($KERAS_MODELS_CACHE, default ./data)"
    assert out[0] == f"nab (nab/): complete in $KERAS_MODELS_DATA {local / 'nab'} (19 files, 190 B)"
    assert out[1] == f"    cache: no folder {roots / 'cache' / 'nab'}"
    assert out[2:5] == ["mitdb (mitdb/): MISSING", f"    $KERAS_MODELS_DATA: no folder {local / 'mitdb'}",
                        f"    cache: no folder {roots / 'cache' / 'mitdb'}"]
    assert out[5].startswith("    fetch would download about 93.9 MB from PhysioNet") and out[5].endswith(
        "python -m experiments.data fetch mitdb")
    assert out[6] == "ag_news (ag_news/): INCOMPLETE"
    assert out[7] == f"    $KERAS_MODELS_DATA: incomplete, 1 of 2 files in {local / 'ag_news'} (missing train.csv)"
    assert "about 11.8 MB" in out[9] and out[-1].endswith("python -m experiments.data fetch images")
    data_cli.main(["status", "nab", "--path", str(roots / "elsewhere")])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"looking in: --path {roots / 'elsewhere'}, then $KERAS_MODELS_DATA")
    assert out[2] == f"    --path: no folder {roots / 'elsewhere'}"


def test_the_data_command_refuses_bad_arguments_in_one_line():
    with pytest.raises(UserError, match="invalid choice: 'nope'"):
        data_cli.main(["fetch", "nope"])
    with pytest.raises(UserError, match="--path needs a data set"):
        data_cli.main(["status", "--path", "x"])


def test_not_found_messages_name_the_fetch_command_and_describe_the_layout(roots):
    with pytest.raises(UserError) as err:
        datapaths.resolve_dir("images/cnn_dataset", flag="--data")
    message = str(err.value)
    assert message.endswith("download it into the cache: python -m experiments.data fetch images")
    assert "one sub-folder per class (dogs, food, vehicles)" in message and "shared" not in message
    assert os.environ.get("KERAS_MODELS_DATA") is None


# ----------------------------------------------------------------------------- reproduce checks the data first


def test_reproduce_names_every_missing_data_set_before_training(roots, monkeypatch, capsys):
    from keras_models.reports.api import check_data
    from keras_models.reports.plan import plan

    monkeypatch.setenv("TFDS_DATA_DIR", str(roots / "tfds"))  # no prepared tfds copy either
    runs = [run for run in plan("smoke", roots / "runs") if run.part != "audit"]
    with pytest.raises(UserError, match=r"data missing for 4 data set\(s\) \(nab, mitdb, ag_news, images\).*--fetch"):
        check_data(runs)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 4 and lines[0].startswith("missing data: nab (nab/, read by nab-base, nab-v1")
    assert [line.rsplit(": ", 1)[1] for line in lines] == [
        f"python -m experiments.data fetch {name}" for name in ("nab", "mitdb", "ag_news", "images")]
    check_data([run for run in plan("smoke", roots / "runs") if run.part == "audit"])  # the audit reads no data


def test_reproduce_fetch_downloads_what_the_plan_lacks(server, roots, monkeypatch, capsys):
    from keras_models.reports.api import check_data
    from keras_models.reports.plan import data_needs, plan

    runs = plan("smoke", roots / "runs", only=("nab-v1",))
    (need,) = data_needs(runs[0])
    assert need.paths == ("data/realTweets/Twitter_volume_AAPL.csv", "labels/combined_windows.json")
    bodies = {path: f"{path}\n".encode() for path in need.paths}
    for path, body in bodies.items():
        server.files[f"/nab/{path}"] = body
    toy = dataclasses.replace(files_dataset(server, "nab"), folder="nab",
                              file_list=tuple(registry.FileSpec(p, digest(b)) for p, b in bodies.items()))
    monkeypatch.setitem(registry.DATASETS, "nab", toy)
    with pytest.raises(UserError):
        check_data(runs)
    assert server.requests == []  # without fetch nothing is downloaded
    check_data(runs, fetch=True)
    assert (roots / "cache" / "nab" / need.paths[0]).read_bytes() == bodies[need.paths[0]]
    check_data(runs)  # now complete: passes without a download
    assert len(server.requests) == 2


def test_reproduce_without_the_data_stops_before_training(tmp_path):
    result = run_cli("experiments.reproduce", "--only", "nab-v1,images-vit", cwd=tmp_path,
                     env={"TFDS_DATA_DIR": str(tmp_path / "tfds")})
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == ["missing data: nab (nab/, read by nab-v1): python -m experiments.data fetch nab",
                     "missing data: images (images/cnn_dataset/, read by images-vit): "
                     "python -m experiments.data fetch images",
                     "error: data missing for 2 data set(s) (nab, images): run the fetch command(s) above, or add "
                     "--fetch to download them first; nothing was trained"]
    assert "reproduction plan, budget smoke" in result.stdout and not (tmp_path / "runs").exists()


# ----------------------------------------------------------------------------- the pins against real copies


def test_the_mitdb_checksum_pin_and_the_image_manifest_match_real_copies(real_data):
    from keras_models.datasets.download import sha256_of
    from keras_models.datasets.fetching import parse_checksums

    sums = real_data / "mitdb" / "SHA256SUMS.txt"
    if not sums.is_file():
        pytest.skip(f"no MIT-BIH checksum list at {sums}")
    assert sha256_of(sums) == registry.MITDB_SHA256SUMS.sha256
    listed = parse_checksums(sums.read_text())
    assert all(spec.path in listed for spec in registry.MITDB.files[1:])
    assert sha256_of(real_data / "mitdb" / "100.hea") == listed["100.hea"]
    folder = real_data / "images" / "cnn_dataset"
    if folder.is_dir():  # sizes of all 30,000, digests of a sample (all of them: test_..._slow)
        files = registry.IMAGES.files
        assert all((folder / f.path).stat().st_size == f.size for f in files)
        assert all(sha256_of(folder / f.path) == f.sha256 for f in files[::997])


@pytest.mark.slow
def test_every_real_image_matches_the_manifest_slow(real_images):
    from keras_models.datasets.manifest import make_manifest

    assert tuple(make_manifest(real_images)) == registry.IMAGES.files


def test_fetch_from_a_mirror_verifies_against_the_same_digests(server, roots, monkeypatch, capsys):
    """`fetch NAME --from URL` downloads from a mirror; a mirror serving other bytes is refused."""
    from keras_models import cli

    good = archive_dataset(server, "zip", zip_bytes(MEMBERS), MEMBERS)
    pinned = dataclasses.replace(good, source=dataclasses.replace(good.source, url="https://unreachable.invalid/a.zip"))
    monkeypatch.setitem(registry.DATASETS, pinned.name, pinned)
    server.files["/bad.zip"] = zip_bytes(dict(MEMBERS, **{"cats/1.jpg": b"not the pinned picture"}))
    with pytest.raises(SystemExit) as stop:
        cli.main(data_cli.main, ["fetch", pinned.name, "--no-progress", "--from", f"{server.url}bad.zip"])
    assert stop.value.code == 2 and "cats/1.jpg" in capsys.readouterr().err
    cli.main(data_cli.main, ["fetch", pinned.name, "--no-progress", "--from", f"{server.url}archive.zip"])
    assert "verified" in capsys.readouterr().out
    assert datasets.status(pinned).found is not None
    with pytest.raises(UserError, match="http:// or https://"):
        pinned.from_mirror("ftp://example.org/a.zip")
