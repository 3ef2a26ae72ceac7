"""tf.data pipelines of a split image folder: read once, cache, shuffle, augment, prefetch.

`keras.utils.image_dataset_from_directory` reads the folder in its sorted order, one
image at a time; each part (train, val, test) keeps its own images by index (the split
of `keras_models.images.split`), with labels one-hot, and caches them in memory as
uint8 (a 64x64 RGB image is 12 KiB: 30,000 take 369 MB). The first pass over a part
decodes the folder's images; later epochs read the cache.

Batches: ``x`` of shape ``(batch, height, width, 3)``, float32 pixels 0-255; ``y`` of
shape ``(batch, num_classes)``, one-hot float32. The training batches are reshuffled
every epoch (seeded) and augmented by Keras preprocessing layers; validation and test
batches keep the folder's order, unaugmented.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from keras_models.batches import steady
from keras_models.images.folder import ImageFolder
from keras_models.images.split import PARTS

AUTOTUNE = tf.data.AUTOTUNE


def augmentation_layers(kind: str, seed: int) -> list:
    """The training augmentation ``kind`` as seeded Keras preprocessing layers.

    "none": no layers. "basic": horizontal flip; translation by up to 10 % of the height
    and width, rotation by up to 0.05 turns (18 degrees) and zoom by up to 10 %, each
    filling with reflections. Images keep their shape and 0-255 range.
    """
    if kind == "none":
        return []
    if kind != "basic":
        raise ValueError(f"unknown augmentation {kind!r}")
    return [
        keras.layers.RandomFlip("horizontal", seed=seed),
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode="reflect", seed=seed + 1),
        keras.layers.RandomRotation(0.05, fill_mode="reflect", seed=seed + 2),
        keras.layers.RandomZoom(0.1, fill_mode="reflect", seed=seed + 3),
    ]


@dataclass
class ImageSplits:
    """The cached, unbatched parts of a split folder.

    Attributes:
        parts: {"train"|"val"|"test": dataset of (image uint8 (h, w, 3), one-hot (k,))}.
        labels: {part: (n_part,) integer labels in the dataset's order}.
        class_names: the k class names.
    """

    parts: dict
    labels: dict[str, np.ndarray]
    class_names: tuple[str, ...]

    def size(self, part: str) -> int:
        return int(len(self.labels[part]))

    def batches(self, part: str, batch_size: int, *, shuffle_seed: int | None = None, augment: list = ()):
        """Batched float32 dataset of `part`, shuffled when `shuffle_seed` is given and
        passed through the `augment` layers (training mode)."""
        dataset = self.parts[part]
        if shuffle_seed is not None:
            dataset = dataset.shuffle(self.size(part), seed=shuffle_seed, reshuffle_each_iteration=True)

        def to_float(images, labels):
            images = tf.cast(images, tf.float32)
            for layer in augment:
                images = layer(images, training=True)
            return images, labels

        return steady(dataset.batch(batch_size).map(to_float, num_parallel_calls=AUTOTUNE).prefetch(AUTOTUNE))


def keras_order(folder: ImageFolder, file_paths: list[str]) -> np.ndarray:
    """Indices into `folder.files` of the files in `file_paths` (Keras' listing, absolute
    or relative to the folder's parent as given), in Keras' order."""
    index = {f: i for i, f in enumerate(folder.files)}
    relative = [os.path.relpath(p, folder.root).replace(os.sep, "/") for p in file_paths]
    missing = [r for r in relative if r not in index]
    if missing or len(relative) != len(index):
        raise RuntimeError(f"{folder.root} changed while it was read ({len(relative)} files listed by Keras, "
                           f"{len(index)} before; e.g. {missing[:3]}): run again")
    return np.array([index[r] for r in relative], dtype=np.int64)


def load(folder: ImageFolder, parts: np.ndarray, image_size: tuple[int, int]) -> ImageSplits:
    """The cached parts of `folder` split by `parts` (one code per file: 0 train, 1 val,
    2 test, -1 unused); images resized to `image_size` (bilinear) if they differ."""
    full = keras.utils.image_dataset_from_directory(
        str(folder.root), labels="inferred", label_mode="int", class_names=list(folder.class_names),
        color_mode="rgb", batch_size=None, image_size=tuple(image_size), shuffle=False, verbose=False)
    order = keras_order(folder, full.file_paths)
    codes, labels = parts[order], folder.labels[order]
    code_table = tf.constant(codes)
    num_classes = len(folder.class_names)

    def part_dataset(code: int):
        def keep(i, _):
            return tf.gather(code_table, i) == code

        def to_cache(_, example):
            image, label = example
            pixels = tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)
            return pixels, tf.one_hot(label, num_classes)

        kept = full.enumerate().filter(keep).map(to_cache, num_parallel_calls=AUTOTUNE)
        # filter() hides the length; stating it lets Keras count the steps of an epoch
        return kept.apply(tf.data.experimental.assert_cardinality(int((codes == code).sum()))).cache()

    return ImageSplits(
        parts={part: part_dataset(code) for code, part in enumerate(PARTS)},
        labels={part: labels[codes == code] for code, part in enumerate(PARTS)},
        class_names=folder.class_names,
    )
