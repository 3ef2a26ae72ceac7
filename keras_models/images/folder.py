"""Image folders (one sub-folder per class), listed and checked in plain Python.

The listing follows `keras.utils.image_dataset_from_directory`: every sub-folder whose
name does not start with "." is a class (sorted by name); its images are the files
below it, at any depth, whose names end (in any case) with .bmp, .gif, .jpeg, .jpg or
.png. Other files, and images directly in the root folder, are not used.

Checks, each a `UserError` (one line, exit status 2 in the commands): a missing folder,
no class sub-folders, no images at all, a single class, a class with no images, and
unreadable images: files that Pillow cannot decode in full, or that are not BMP, GIF,
JPEG or PNG inside (TensorFlow decodes only those). Unreadable images stop the run,
listing them; nothing is skipped silently, so every model sees the same files.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from keras_models import datapaths
from keras_models.errors import UserError

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
DECODABLE_FORMATS = {"BMP", "GIF", "JPEG", "PNG"}
DEFAULT_RELPATH = "images/cnn_dataset"  # under $KERAS_MODELS_DATA or the cache (the data set "images")
SHOWN = 5  # unreadable files named in the error message


@dataclass(frozen=True)
class ImageFolder:
    """The images of a folder of class sub-folders.

    Attributes:
        root: the folder.
        class_names: class sub-folder names, sorted; label k is `class_names[k]`.
        files: image paths relative to `root` (POSIX), class by class, sorted.
        labels: (n,) integer labels of `files`.
    """

    root: Path
    class_names: tuple[str, ...]
    files: tuple[str, ...]
    labels: np.ndarray

    def counts(self, index: np.ndarray | None = None) -> dict[str, int]:
        """Images per class (of the rows `index`, if given)."""
        labels = self.labels if index is None else self.labels[index]
        return {name: int((labels == k).sum()) for k, name in enumerate(self.class_names)}


def find(explicit: Path | None) -> Path:
    """The image folder: `explicit` (--data), else $KERAS_MODELS_DATA/images/cnn_dataset,
    else the cache's images/cnn_dataset."""
    return datapaths.resolve_dir(DEFAULT_RELPATH, explicit=explicit, flag="--data")


def _class_images(class_dir: Path) -> list[str]:
    """Image files below `class_dir`, relative to it, in Keras' order (folders by path,
    then file names sorted)."""
    found = []
    for folder, _, names in sorted(os.walk(class_dir), key=lambda entry: entry[0]):
        rel = Path(folder).relative_to(class_dir)
        found += [(rel / n).as_posix() for n in sorted(names) if n.lower().endswith(IMAGE_EXTENSIONS)]
    return found


def scan(root: Path) -> ImageFolder:
    """List the class sub-folders of `root` and their images; `UserError` if the folder
    cannot train a classifier."""
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"image folder not found: {root}; give --data a folder with one sub-folder per class")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    hint = f"put each class's images ({', '.join(IMAGE_EXTENSIONS)}) in a sub-folder named after the class"
    if not classes:
        raise UserError(f"no class sub-folders in {root}: {hint}")
    per_class = {name: _class_images(root / name) for name in classes}
    if not any(per_class.values()):
        raise UserError(f"no images in {root}: {hint}")
    if len(classes) == 1:
        raise UserError(f"only one class ({classes[0]!r}) in {root}: a classifier needs at least two class sub-folders")
    empty = [name for name, files in per_class.items() if not files]
    if empty:
        raise UserError(f"class folder(s) {', '.join(map(repr, empty))} in {root} hold no images: "
                        "add images or remove the folder(s)")
    files = tuple(f"{name}/{f}" for name in classes for f in per_class[name])
    labels = np.concatenate([np.full(len(per_class[name]), k, dtype=np.int64) for k, name in enumerate(classes)])
    return ImageFolder(root, tuple(classes), files, labels)


def decode_problem(path: Path) -> str | None:
    """Why TensorFlow could not decode the image at `path` (None if it can)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.load()
            kind = image.format
    except Exception as err:  # Pillow raises many types for broken files
        return f"{type(err).__name__}: {err}".splitlines()[0]
    if kind not in DECODABLE_FORMATS:
        return f"a {kind} image; TensorFlow reads only {', '.join(sorted(DECODABLE_FORMATS))}"
    return None


def check_readable(folder: ImageFolder, workers: int | None = None) -> None:
    """Decode every image (Pillow, in threads); `UserError` naming the unreadable ones."""
    paths = [folder.root / f for f in folder.files]
    with ThreadPoolExecutor(max_workers=workers or min(8, os.cpu_count() or 1)) as pool:
        problems = list(pool.map(decode_problem, paths))
    bad = [(f, why) for f, why in zip(folder.files, problems) if why is not None]
    if bad:
        shown = "; ".join(f"{f} ({why})" for f, why in bad[:SHOWN])
        more = f" and {len(bad) - SHOWN} more" if len(bad) > SHOWN else ""
        raise UserError(f"{len(bad)} unreadable image file(s) in {folder.root}: {shown}{more}; "
                        "delete or replace them (unreadable images stop the run, they are not skipped)")
