"""Where the data sets are, and a verified download of the missing ones.

    python -m experiments.data status                 # every data set: where it is, complete or not, what fetch gets
    python -m experiments.data status images --path DIR   # also look in DIR (a folder given to a command's flag)
    python -m experiments.data fetch images           # download into the cache, verified (resumes when rerun)
    python -m experiments.data fetch all
    python -m experiments.data fetch images --from http://mirror.example/cnn_dataset.zip   # a mirror, same checks

Data sets are looked for in $KERAS_MODELS_DATA/<folder> (a local copy), then in the cache
$KERAS_MODELS_CACHE/<folder> (default ./data/<folder>), where `fetch` downloads. `fetch`
never downloads a data set that is complete in either, never replaces a cached file (one
that fails its check is reported with the fix), and resumes an interrupted download.
Folders, sources, licences and citations: docs/data.md. The same from Python:
``keras_models.datasets.status("images")``, ``keras_models.datasets.fetch("images")``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from keras_models import cli, datapaths, datasets
from keras_models.errors import UserError


def build_parser() -> cli.ArgumentParser:
    head, examples = __doc__.split("\n\n")[:2]
    parser = cli.ArgumentParser(prog="python -m experiments.data", description=head, epilog="examples:\n" + examples,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{status,fetch}")
    names = list(datasets.DATASETS)
    show = commands.add_parser("status", help="where each data set is and what fetch would download")
    show.add_argument("name", nargs="?", choices=names, metavar="DATASET", help=f"one of {', '.join(names)} "
                      "(default: all)")
    show.add_argument("--path", type=Path, default=None, metavar="DIR",
                      help="a folder holding the data set's files, looked at first (as a command's path flag)")
    get = commands.add_parser("fetch", help="download a data set into the cache, verified")
    get.add_argument("name", choices=names + ["all"], metavar="DATASET", help=f"one of {', '.join(names)}, or all")
    get.add_argument("--no-progress", action="store_true", help="no progress bars")
    get.add_argument("--from", dest="mirror", default=None, metavar="URL",
                     help="download from this mirror of the source instead: the archive's URL for an archive "
                          "(images, ag_news), else the base URL the files' paths are appended to (nab, mitdb); "
                          "every file is verified against the same digests")
    for sub in (show, get):
        sub.error = parser.error
    return parser


def main(argv: list[str] | None = None) -> None:
    values, _ = cli.parse(build_parser(), argv)
    if values["command"] == "status":
        if values["path"] is not None and values["name"] is None:
            raise UserError("--path needs a data set: python -m experiments.data status DATASET --path DIR")
        root = datapaths.data_root()
        print(f"looking in: {'--path ' + str(values['path']) + ', then ' if values['path'] else ''}"
              f"${datapaths.DATA_ENV} ({root if root is not None else 'unset'}), then the cache "
              f"{datapaths.cache_root()} (${datapaths.CACHE_ENV}, default ./data)")
        for name in [values["name"]] if values["name"] else datasets.DATASETS:
            print("\n".join(datasets.status(name, explicit=values["path"]).lines()))
        return
    if values["mirror"] is not None and values["name"] == "all":
        raise UserError("--from names one data set's mirror: python -m experiments.data fetch DATASET --from URL")
    for name in datasets.DATASETS if values["name"] == "all" else [values["name"]]:
        dataset = datasets.get(name)
        if values["mirror"] is not None:
            dataset = dataset.from_mirror(values["mirror"])
        datasets.fetch(dataset, progress=not values["no_progress"])


if __name__ == "__main__":
    cli.main(main)
