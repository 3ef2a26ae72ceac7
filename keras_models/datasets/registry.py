"""The data sets the experiments read: their files, where to download them, licence, citation.

Every data set lives in one folder of a data root (``$KERAS_MODELS_DATA`` or the download
cache ``$KERAS_MODELS_CACHE``, default ``./data``), its files at fixed paths inside it:

=========  ============================  ==================================================
name       folder under the data root    files
=========  ============================  ==================================================
nab        ``nab/``                      ``data/<category>/<series>.csv`` (17 series) and
                                         ``labels/combined_windows.json``,
                                         ``labels/combined_labels.json``
mitdb      ``mitdb/``                    ``<record>.hea``, ``.dat``, ``.atr`` of the 48
                                         records, ``RECORDS``, ``SHA256SUMS.txt``
ag_news    ``ag_news/``                  ``train.csv`` and ``test.csv`` (ag_news_csv)
images     ``images/cnn_dataset/``       ``dogs/``, ``food/``, ``vehicles/``: ``1.jpg`` ..
                                         ``10000.jpg`` each (64x64 RGB JPEG)
=========  ============================  ==================================================

`DATASETS` maps each name to a `Dataset`; `get(name)` looks one up. This module is pure data
(no network, nothing heavy imported): `keras_models.datasets.fetch` downloads and
`keras_models.datasets.status` finds local copies.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from keras_models.datasets.filespec import FileSpec
from keras_models.errors import UserError

FETCH_COMMAND = "python -m experiments.data fetch"




@dataclass(frozen=True)
class Source:
    """Where a data set is downloaded from.

    Attributes:
        url: the archive's URL, or (``archive`` None) the base URL each file's path is appended to.
        description: the source in words (repository and commit, release).
        download_size: approximate bytes a full fetch downloads.
        archive: ``"zip"`` or ``"tgz"`` for one archive to extract; None for separate files.
        member_root: the archive folder holding the data set's files, after
            `strip_components` leading folders are dropped from each member's path.
        strip_components: leading folders of every member path to drop (1 for a GitHub
            archive, whose members start with ``<repo>-<commit>/``).
        checksums: the source's own checksum list (a ``sha256  name`` file, fetched
            first and itself checked against its pin) giving the digests of the files
            whose `FileSpec.sha256` is None.
    """

    url: str
    description: str
    download_size: int
    archive: str | None = None
    member_root: str = ""
    strip_components: int = 0
    checksums: FileSpec | None = None

    def file_url(self, path: str) -> str:
        return self.url + path


@dataclass(frozen=True)
class Dataset:
    """A data set: what it is, where its files go, where they come from, and its terms.

    Attributes:
        name: the short name used by the commands (``nab``).
        title: its full title.
        folder: its folder under a data root (``images/cnn_dataset``).
        layout: the folder's contents in words.
        source: where `fetch` downloads it from.
        licence: the licence or terms of use, in words.
        licence_url: where the licence or terms are published ("" when none is).
        citation: the works to cite, one string each.
        homepage: the data set's page.
        used_by: the experiments that read it.
    """

    name: str
    title: str
    folder: str
    layout: str
    source: Source
    licence: str
    licence_url: str
    citation: tuple[str, ...]
    homepage: str
    used_by: str
    file_list: tuple[FileSpec, ...] | None = None
    manifest: str | None = None  # package resource listing the files (path,size,sha256), gzip CSV

    @cached_property
    def files(self) -> tuple[FileSpec, ...]:
        """Every file `fetch` downloads and verifies (from the package's manifest for the images)."""
        if self.file_list is not None:
            return self.file_list
        from keras_models.datasets.manifest import read_manifest

        return read_manifest(self.manifest)

    @property
    def needed(self) -> tuple[FileSpec, ...]:
        """The files the loaders read: a copy holding them all is complete."""
        return tuple(f for f in self.files if f.needed)

    @property
    def fetch_command(self) -> str:
        return fetch_command(self.name)

    def from_mirror(self, url: str) -> "Dataset":
        """The same data set downloaded from a mirror of its source: `url` replaces the
        archive's URL (an archive) or the base URL the files' paths are appended to. The
        files are verified against the same digests, so a mirror cannot change the data."""
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise UserError(f"--from {url!r}: give an http:// or https:// URL of a mirror of {self.name}'s source")
        if self.source.archive is None and not url.endswith("/"):
            url += "/"
        source = replace(self.source, url=url, description=f"the mirror {url} of {self.source.description}")
        return replace(self, source=source)


# ----------------------------------------------------------------------------- NAB

NAB_COMMIT = "ea702d75cc2258d9d7dd35ca8e5e2539d71f3140"
NAB_RAW_URL = f"https://raw.githubusercontent.com/numenta/NAB/{NAB_COMMIT}/"
#: sha256 of NAB's files at NAB_COMMIT, by path in the NAB repository.
NAB_SHA256 = {
    "data/realKnownCause/ambient_temperature_system_failure.csv": "230b68ccca20f59d562afd5d24ad52939c9b784386bed0054018358bf9120581",
    "data/realKnownCause/cpu_utilization_asg_misconfiguration.csv": "58ba65dc0737cfbac11b51514476d50c438d44011232144bb8d93f392df58f9f",
    "data/realKnownCause/ec2_request_latency_system_failure.csv": "98378580aa80157e057c61d59d81daddccc6c65a2c0c800e3f01f603b8215c3f",
    "data/realKnownCause/machine_temperature_system_failure.csv": "92bf5b87fc7f9bba8ca0b7ec63ccaac8cb4a1371a258e8c29a10ae9c018d82a4",
    "data/realKnownCause/nyc_taxi.csv": "d8fa6f7f0734bf5c8be12c52a94e20a82664c397d9dec4449156bd453d32856d",
    "data/realKnownCause/rogue_agent_key_hold.csv": "47b110baa8e3636574c1033dda1cce780873647fab58223d159d4fee6f180e86",
    "data/realKnownCause/rogue_agent_key_updown.csv": "9797cfef477c13306f7a33874ab4d6cf700f8f2c7e5825a2a5bc02004370909a",
    "data/realTweets/Twitter_volume_AAPL.csv": "826f5cf404c2890784a7824f7102fd00cb134a4948e12e44ec320d095cbbc217",
    "data/realTweets/Twitter_volume_AMZN.csv": "234f5e63f19a62720dfb7ccfd6ecc8349b94d93b33ef8aafbdb17edda0b654f3",
    "data/realTweets/Twitter_volume_CRM.csv": "e7133bf26479623d58fc7367107aea1cd7df6020420dece48b0eee4d26cdb28a",
    "data/realTweets/Twitter_volume_CVS.csv": "f0bdc89cba3dd2265b47069187c750eeae18ef48f76f86067ee26ea1af9c3114",
    "data/realTweets/Twitter_volume_FB.csv": "a7096bd646759486bda6796b5600cd33a4590f0842bf274ea7acba001b3ba591",
    "data/realTweets/Twitter_volume_GOOG.csv": "3a39cc23d1ff6a0f234b55298d0c46c21d2e94ddb81a0dad9e1e46e3aaa9ec90",
    "data/realTweets/Twitter_volume_IBM.csv": "4309bd56d28ddcbdc168e207da9717395fa2e9f74dba41fa768e0f7da8a116fa",
    "data/realTweets/Twitter_volume_KO.csv": "f3aa8157043c6569911031535bd1f7a73b428b5a2d95238d79b9d5b88ceebbd2",
    "data/realTweets/Twitter_volume_PFE.csv": "18d2804d6a5dae63fe711baaba9242dce38a32bfade3dcdee1d8a7c1a866e41b",
    "data/realTweets/Twitter_volume_UPS.csv": "be50f06bbb9d020f37653c8c5cf19af63f77aa0019d8cf10849d91f4af455af4",
    "labels/combined_labels.json": "98724014c162fcfd4be605683517f194051a54e98756c53667bd33ddbc644d9b",
    "labels/combined_windows.json": "1e1fbc4601321aad8d0f8b3784c8134299379f68f6c1f7777565f8ffd57ab6b1",
}

NAB = Dataset(
    name="nab",
    title="Numenta Anomaly Benchmark (NAB): realTweets and realKnownCause series, labelled windows",
    folder="nab",
    layout="data/<category>/<series>.csv (timestamp,value; the 10 realTweets and 7 realKnownCause series) "
           "and labels/combined_windows.json, labels/combined_labels.json, as in the NAB repository",
    source=Source(url=NAB_RAW_URL, description=f"numenta/NAB on GitHub at commit {NAB_COMMIT}, raw files",
                  download_size=5_669_339),
    licence="MIT (Copyright 2014-2024 Numenta, Inc.)",
    licence_url=f"https://github.com/numenta/NAB/blob/{NAB_COMMIT}/LICENSE.txt",
    citation=("Alexander Lavin and Subutai Ahmad. Evaluating Real-time Anomaly Detection Algorithms - the "
              "Numenta Anomaly Benchmark. 14th IEEE International Conference on Machine Learning and "
              "Applications (ICMLA), 2015.",),
    homepage="https://github.com/numenta/NAB",
    used_by="python -m experiments.nab_autoencoder, nab_eda, nab_detection_choice",
    file_list=tuple(FileSpec(path, digest) for path, digest in NAB_SHA256.items()),
)

# ----------------------------------------------------------------------------- MIT-BIH

#: The 48 records of the MIT-BIH Arrhythmia Database (PhysioNet mitdb 1.0.0).
MITDB_RECORDS = tuple(str(r) for r in (
    100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 111, 112, 113, 114, 115, 116, 117, 118, 119,
    121, 122, 123, 124, 200, 201, 202, 203, 205, 207, 208, 209, 210, 212, 213, 214, 215, 217, 219,
    220, 221, 222, 223, 228, 230, 231, 232, 233, 234,
))
MITDB_SUFFIXES = (".hea", ".dat", ".atr")
MITDB_URL = "https://physionet.org/files/mitdb/1.0.0/"
#: the release's own checksum list, pinned: it gives the sha256 of every other file
MITDB_SHA256SUMS = FileSpec("SHA256SUMS.txt", "d0feeffd1276ebb67612948b2519268c7141ad8154c5b518064a4880a5c13a03",
                            needed=False)

MITDB = Dataset(
    name="mitdb",
    title="MIT-BIH Arrhythmia Database (PhysioNet mitdb 1.0.0)",
    folder="mitdb",
    layout="the WFDB files of the 48 records side by side: <record>.hea (header), <record>.dat (signals), "
           "<record>.atr (beat annotations), for records 100 to 234, with the release's RECORDS and SHA256SUMS.txt",
    source=Source(url=MITDB_URL, description="PhysioNet, MIT-BIH Arrhythmia Database 1.0.0, checked against the "
                                             "release's SHA256SUMS.txt",
                  download_size=93_878_130, checksums=MITDB_SHA256SUMS),
    licence="Open Data Commons Attribution License v1.0 (ODC-By 1.0)",
    licence_url="https://physionet.org/content/mitdb/view-license/1.0.0/",
    citation=("Moody GB, Mark RG. The impact of the MIT-BIH Arrhythmia Database. IEEE Engineering in Medicine "
              "and Biology 20(3):45-50 (May-June 2001).",
              "Goldberger AL, Amaral LAN, Glass L, Hausdorff JM, Ivanov PCh, Mark RG, Mietus JE, Moody GB, Peng C-K, "
              "Stanley HE. PhysioBank, PhysioToolkit, and PhysioNet: Components of a new research resource for "
              "complex physiologic signals. Circulation 101(23):e215-e220 (2000)."),
    homepage="https://physionet.org/content/mitdb/1.0.0/",
    used_by="python -m experiments.heartbeat, tune",
    file_list=(MITDB_SHA256SUMS, FileSpec("RECORDS", needed=False))
    + tuple(FileSpec(f"{record}{suffix}") for record in MITDB_RECORDS for suffix in MITDB_SUFFIXES),
)

# ----------------------------------------------------------------------------- AG News

AG_NEWS = Dataset(
    name="ag_news",
    title="AG's News Topic Classification Dataset (ag_news_csv)",
    folder="ag_news",
    layout="train.csv (120,000 rows) and test.csv (7,600 rows): no header, columns class (1-4), title, description",
    source=Source(url="https://s3.amazonaws.com/fast-ai-nlp/ag_news_csv.tgz",
                  description="the public ag_news_csv.tgz archive (members ag_news_csv/train.csv, ag_news_csv/test.csv)",
                  download_size=11_784_419, archive="tgz", member_root="ag_news_csv/"),
    licence='terms of its readme.txt: "provided by the academic community for research purposes in data mining, '
            'information retrieval, data compression, data streaming, and any other non-commercial activity"',
    licence_url="http://groups.di.unipi.it/~gulli/AG_corpus_of_news_articles.html",
    citation=("Xiang Zhang, Junbo Zhao, Yann LeCun. Character-level Convolutional Networks for Text Classification. "
              "Advances in Neural Information Processing Systems 28 (NeurIPS 2015).",),
    homepage="http://groups.di.unipi.it/~gulli/AG_corpus_of_news_articles.html",
    used_by="python -m experiments.ag_news_transformer",
    file_list=(FileSpec("train.csv", "76a0a2d2f92b286371fe4d4044640910a04a803fdd2538e0f3f29a5c6f6b672e", 29_470_338),
               FileSpec("test.csv", "521465c2428ed7f02f8d6db6ffdd4b5447c1c701962353eb2c40d548c3c85699", 1_857_427)),
)

# ----------------------------------------------------------------------------- images

IMAGES_REPO = "madhusikha/cat_dog_food_images_classification_and_googleSVHN"
IMAGES_COMMIT = "9c231c720120d7aace28c1f2ec148a68f5e8ac65"

IMAGES = Dataset(
    name="images",
    title="3-class 64x64 image set (dogs, food, vehicles), CSE 574 Intro to ML, University at Buffalo",
    folder="images/cnn_dataset",
    layout="one sub-folder per class (dogs, food, vehicles), each holding 1.jpg to 10000.jpg (64x64 RGB JPEG)",
    source=Source(url=f"https://github.com/{IMAGES_REPO}/archive/{IMAGES_COMMIT}.zip",
                  description=f"the GitHub archive of {IMAGES_REPO} at commit {IMAGES_COMMIT} "
                              "(members cnn_dataset/{dogs,food,vehicles}/*.jpg)",
                  download_size=120_188_193, archive="zip", member_root="cnn_dataset/", strip_components=1),
    licence="none stated; the source repository's README credits Dr. Alina Vereshchaka for the data set "
            "(CSE 574 Intro to ML, University at Buffalo, Spring 2023)",
    licence_url="",
    citation=("Dr. Alina Vereshchaka, CSE 574: Introduction to Machine Learning, University at Buffalo, Spring 2023 "
              f"(data set as published in github.com/{IMAGES_REPO}).",),
    homepage=f"https://github.com/{IMAGES_REPO}",
    used_by="python -m experiments.image_classification",
    manifest="images_cnn_dataset.csv.gz",
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (NAB, MITDB, AG_NEWS, IMAGES)}


def get(name: str | Dataset) -> Dataset:
    """The data set called `name` (a `Dataset` is returned as is); `UserError` if unknown."""
    if isinstance(name, Dataset):
        return name
    try:
        return DATASETS[name]
    except KeyError:
        raise UserError(f"unknown data set {name!r}; choose one of: {', '.join(DATASETS)}") from None


def fetch_command(name: str) -> str:
    """``python -m experiments.data fetch <name>``."""
    return f"{FETCH_COMMAND} {name}"


def for_relpath(relpath: str) -> Dataset | None:
    """The data set whose folder holds `relpath` (a path under a data root), if any."""
    for dataset in DATASETS.values():
        if relpath == dataset.folder or relpath.startswith(dataset.folder + "/"):
            return dataset
    return None
