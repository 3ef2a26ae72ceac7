"""The data sets: one registry, where they are, and a verified, resumable download.

Python API::

    from keras_models import datasets
    datasets.DATASETS["mitdb"].licence         # the registry: files, source, licence, citation
    print("\\n".join(datasets.status("images").lines()))   # where it is, complete or not, what fetch would get
    datasets.fetch("images")                   # download into the cache, verified; resumes; never overwrites

The same from the command line: ``python -m experiments.data status`` and
``python -m experiments.data fetch {nab,mitdb,ag_news,images,all}``.

Modules: registry (`Dataset`, `Source`, `FileSpec`, `DATASETS`, `get`), status (`status`,
`Status`, `Copy`), fetch (`fetch`), download (resumable verified HTTP downloads), manifest
(the image set's file list shipped with the package).
"""

from keras_models.datasets.fetch import fetch
from keras_models.datasets.registry import DATASETS, Dataset, FileSpec, Source, fetch_command, get
from keras_models.datasets.status import Copy, Status, status

__all__ = ["DATASETS", "Copy", "Dataset", "FileSpec", "Source", "Status", "fetch", "fetch_command", "get", "status"]
