"""The data sets: one registry, where they are, and a verified, resumable download.

Python API::

    from keras_models import datasets
    datasets.DATASETS["mitdb"].licence         # the registry: files, source, licence, citation
    print("\\n".join(datasets.status("images").lines()))   # where it is, complete or not, what fetch would get
    datasets.fetch("images")                   # download into the cache, verified; resumes; never overwrites

The same from the command line: ``python -m experiments.data status`` and
``python -m experiments.data fetch {nab,mitdb,ag_news,images,all}``.

Modules: registry (`Dataset`, `Source`, `FileSpec`, `DATASETS`, `get`; pure data),
download (resumable verified HTTP downloads), locate (`status`, `Status`, `Copy`: the
local copies), fetching (`fetch`), manifest (the image set's file list shipped with the
package). `registry` and `download` import nothing of the package but its errors, so
`keras_models.datapaths` uses them; `locate` and `fetching` build on `datapaths` and are
imported on first use.
"""

from keras_models.datasets.registry import DATASETS, Dataset, FileSpec, Source, fetch_command, get

_LAZY = {"fetch": "fetching", "status": "locate", "Status": "locate", "Copy": "locate"}


def __getattr__(name):  # fetch and status import datapaths, which imports this package: load them on use
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"keras_models.datasets.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DATASETS", "Copy", "Dataset", "FileSpec", "Source", "Status", "fetch", "fetch_command", "get", "status"]
