"""The image-classification experiment's Python API: folder -> split -> model -> test metrics.

    from keras_models import images

    result = images.run(images.Config(model="vit", max_images_per_class=30, epochs=1))
    result.metrics["test_metrics"]["accuracy"]
    images.compare(images.Config(epochs=2))                 # the four models and their table
    images.resume("runs/image_classification/<run-id>")

Every function checks its configuration, lists the folder, decodes every image once
(Pillow) and splits it before TensorFlow loads.
"""

from __future__ import annotations

from pathlib import Path

from keras_models import comparison, registry, runner
from keras_models.errors import UserError
from keras_models.images import folder as image_folder
from keras_models.images import split
from keras_models.images.config import FAMILY, WEIGHTS_MODEL, Config
from keras_models.images.loaded import EXPERIMENT, ImageData


def load(config: Config) -> ImageData:
    """Find, list, decode-check and split the image folder of `config` (`UserError` on bad
    input; no TensorFlow). Also checks that a `weights` file exists."""
    if config.weights is not None and not config.weights.is_file():
        raise UserError(f"weights file not found: {config.weights}; give --weights a local .h5 file")
    if config.weights is not None:
        from keras_models.models.images import check_weights_file

        check_weights_file(config.weights)  # a file that is not HDF5 is refused before TensorFlow
    images = image_folder.scan(image_folder.find(config.data))
    image_folder.check_readable(images)
    parts = split.assign(images.labels, tuple(config.split), config.split_seed, images.class_names,
                         config.max_images_per_class)
    counts = split.describe(parts, images.labels, images.class_names)
    print(f"{images.root}: {len(images.files)} images, {images.counts()}")
    for part, per_class in counts.items():
        print(f"{part}: {per_class}")
    return ImageData(images, parts, counts, [images.root])


def run(config: Config, *, resume: Path | None = None, loaded: ImageData | None = None) -> runner.Result:
    """Train `config.model` on its folder's split and evaluate it on the test part; the
    run folder and metrics."""
    return runner.run_experiment(config, EXPERIMENT, __package__, load, resume=resume, loaded=loaded)


def resume(run_dir: Path, epochs: int | None = None) -> runner.Result:
    """Continue an interrupted run (its config.json revalidated, its image folder unchanged)."""
    return run(Config.from_run(run_dir, EXPERIMENT, epochs), resume=Path(run_dir))


def compare(config: Config, models: tuple[str, ...] | None = None,
            model_args: dict[str, dict] | None = None) -> comparison.Comparison:
    """Train each of `models` (default: every image model) with `config`'s other settings
    on the same split (decoded once); one table.

    Args:
        model_args: {model: builder arguments}; default: `config.model_args` for
            `config.model`, none for the others. `config.weights` goes to efficientnet_b0.
    """
    models = tuple(models or registry.names(FAMILY))
    if model_args is None:
        model_args = {config.model: config.model_args} if config.model_args else {}
    unknown = sorted(set(model_args) - set(models))
    if unknown:
        raise UserError(f"model arguments for {', '.join(unknown)}, which are not compared ({', '.join(models)})")
    if config.weights is not None and WEIGHTS_MODEL not in models:
        raise UserError(f"--weights is for {WEIGHTS_MODEL}, which is not compared ({', '.join(models)})")
    ids = comparison.run_ids(config.run_id, list(models))
    configs = {m: config.replace(model=m, model_args=model_args.get(m, {}), run_id=ids[m],
                                 weights=config.weights if m == WEIGHTS_MODEL else None) for m in models}
    shared = {k: v for k, v in config.to_dict().items() if k not in ("model", "model_args", "weights", "run_id")}
    return comparison.compare(configs, lambda: load(config), run, _comparison_row, experiment=EXPERIMENT,
                              description=lambda loaded: {"data": loaded.describe(), "config": shared})


def _comparison_row(name: str, result: runner.Result) -> dict:
    from keras_models.images.experiment import comparison_row  # imports TensorFlow

    return comparison_row(name, result)
