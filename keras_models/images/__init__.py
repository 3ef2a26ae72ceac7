"""Image classification (report 003, Bonus): ViT, EfficientNet-B0, VGG and ResNet on a
folder of class sub-folders.

Python API (no TensorFlow until training starts)::

    from keras_models import images
    result = images.run(images.Config(model="vit", epochs=2))   # -> Result(run_dir, metrics)

Modules:
    config:      the typed `Config` (model, folder, split, builder arguments, recipe overrides).
    api:         `run`, `resume`, `compare`, `load` (the checked folder and its split).
    loaded:      the experiment's name and `ImageData` (what `load` returns).
    folder:      list and check an image folder (`ImageFolder`); no TensorFlow.
    split:       the one seeded, stratified train/val/test split; no TensorFlow.
    recipe:      training recipes (`basic`, `vit`) as data; Keras only when used.
    data:        tf.data pipelines (image_dataset_from_directory, cache, augmentation, prefetch).
    experiment:  `make_job` (the runner job of one model) and the comparison table row.
"""

from keras_models.images.api import EXPERIMENT, compare, load, resume, run
from keras_models.images.config import Config

__all__ = ["EXPERIMENT", "Config", "compare", "load", "resume", "run"]
