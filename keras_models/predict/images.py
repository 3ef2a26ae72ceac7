"""Images: image files or folders -> each image's class and the class probabilities.

Images are decoded and resized as `keras.utils.image_dataset_from_directory` did for
training (bilinear, to the run's input size, 3 channels, values 0..255). An image that
cannot be decoded is listed in the summary and skipped, not fatal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from keras_models.errors import UserError
from keras_models.images import EXPERIMENT
from keras_models.predict.config import Config, Prediction
from keras_models.predict.finished import FinishedRun

__all__ = ["EXPERIMENT", "predict"]


def image_files(inputs: tuple[str, ...]) -> list[Path]:
    """The image files among `inputs` and, for a folder, every image under it (sorted)."""
    from keras_models.images.folder import IMAGE_EXTENSIONS

    files = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
        elif path.is_file():
            files.append(path)
        else:
            raise UserError(f"{path}: no such file or folder; give image files ({', '.join(IMAGE_EXTENSIONS)}) "
                            "or folders of them")
    if not files:
        raise UserError(f"{', '.join(inputs)}: no image files ({', '.join(IMAGE_EXTENSIONS)}) there")
    return files


def load(files: list[Path], size: tuple[int, int]) -> tuple[np.ndarray, list[Path], dict[str, str]]:
    """(readable images (n, h, w, 3) float32 0..255, their files, {unreadable file: why})."""
    import tensorflow as tf

    from keras_models.images.folder import decode_problem

    images, kept, problems = [], [], {}
    for path in files:
        try:
            image = tf.io.decode_image(tf.io.read_file(str(path)), channels=3, expand_animations=False)
        except tf.errors.OpError:
            problems[str(path)] = decode_problem(path) or "TensorFlow cannot decode it"
            continue
        images.append(tf.image.resize(image, size, method="bilinear").numpy().astype(np.float32))
        kept.append(path)
    return (np.stack(images) if images else np.zeros((0, *size, 3), np.float32)), kept, problems


def readable(files: list[Path]) -> tuple[list[Path], dict[str, str]]:
    """(the files Pillow decodes, {the others: why}); `UserError` when none is readable. No TensorFlow."""
    from concurrent.futures import ThreadPoolExecutor

    from keras_models.images.folder import decode_problem

    with ThreadPoolExecutor(max_workers=4) as pool:
        why = dict(zip(files, pool.map(decode_problem, files)))
    problems = {str(f): reason for f, reason in why.items() if reason is not None}
    if len(problems) == len(files):
        raise UserError(f"none of the {len(files)} file(s) is an image this run can read: "
                        f"{'; '.join(f'{f} ({reason})' for f, reason in list(problems.items())[:3])}; give image files "
                        "(.bmp, .gif, .jpeg, .jpg, .png) or folders of them")
    return [f for f, reason in why.items() if reason is None], problems


def predict(run: FinishedRun, config: Config) -> Prediction:
    files, skipped = readable(image_files(config.inputs))  # before TensorFlow: no readable image costs nothing
    height, width = (run.model_kwargs.get("input_shape") or [64, 64, 3])[:2]
    x, kept, problems = load(files, (int(height), int(width)))
    problems = {**skipped, **problems}
    if not kept:
        raise UserError(f"none of the {len(files)} image file(s) could be read: "
                        f"{'; '.join(f'{f} ({why})' for f, why in list(problems.items())[:3])}")
    names = list(run.recorded("class_names", "its class names"))
    probabilities = run.probabilities(x, config.batch_size, logits=True)
    table = pd.DataFrame({"image": [str(p) for p in kept],
                          "predicted": [names[i] for i in probabilities.argmax(axis=1)]})
    for i, name in enumerate(names):
        table[f"p_{name}"] = probabilities[:, i].round(6)
    summary = {"images": len(table),
               "predicted": table["predicted"].value_counts().reindex(names, fill_value=0).to_dict()}
    if problems:
        summary["unreadable (skipped)"] = problems
    return Prediction(table, summary)
