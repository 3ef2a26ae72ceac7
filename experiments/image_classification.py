"""Classify 64x64 images (dogs, food, vehicles) with ViT, EfficientNet-B0, VGG and ResNet (report 003, Bonus).

    python -m experiments.image_classification --model vit
    python -m experiments.image_classification --model all --max-images-per-class 300 --epochs 2
    python -m experiments.image_classification --model efficientnet_b0 --weights efficientnetb0_notop.h5
    python -m experiments.image_classification --model vit --model-arg patch_size=4 --epochs 200
    python -m experiments.image_classification --resume runs/image_classification/<run-id>

Images come from --data (any folder with one sub-folder per class), else
$KERAS_MODELS_DATA/images/cnn_dataset, else data/images/cnn_dataset. Every argument is
checked, and the folder listed, decoded and split, before TensorFlow is imported.
The same from Python: ``images.run(images.Config(model="vit"))`` (`keras_models.images`).
"""

from __future__ import annotations

import dataclasses

from keras_models import cli, images, registry
from keras_models.images.config import FAMILY, RECIPE_FIELDS, WEIGHTS_MODEL


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m experiments.image_classification", description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=registry.names(FAMILY) + ["all"], default="vit",
                        help="model, or all four with a comparison table (default vit)")
    parser.add_argument("--model-arg", type=cli.model_arg, action="append", default=None, metavar="[MODEL:]KEY=VALUE",
                        help="builder hyper-parameter, e.g. patch_size=4 or vit:transformer_layers=8 (repeatable)")
    cli.add_config_flags(parser, images.Config, exclude=RECIPE_FIELDS)
    others = tuple(f.name for f in dataclasses.fields(images.Config) if f.name not in RECIPE_FIELDS)
    cli.add_config_flags(parser, images.Config, title="training recipe (default: the model's; each flag overrides "
                         "one of its fields)", exclude=others)
    cli.add_resume_flag(parser)
    return parser


def print_row(result):
    """Print the run's row of the models table; returns `result`."""
    from keras_models.images.experiment import comparison_row  # TensorFlow is loaded by now

    cli.print_table([comparison_row(result.metrics["model"], result)])
    return result


def main(argv: list[str] | None = None) -> None:
    values, given = cli.parse(build_parser(), argv)
    if values["resume"] is not None:
        cli.summarize(print_row(cli.resume(images, values, given)))
        return
    models = registry.names(FAMILY) if values["model"] == "all" else [values["model"]]
    model_args = cli.model_kwargs(values["model_arg"], models)
    if values["model"] == "all":
        # the base configuration is efficientnet_b0's: the one model every flag (--weights too) applies to
        base = cli.config_from_flags(images.Config, values, model=WEIGHTS_MODEL, model_args=model_args[WEIGHTS_MODEL])
        cli.summarize(images.compare(base, tuple(models), model_args=model_args))  # after the table it prints
    else:
        cli.summarize(print_row(images.run(cli.config_from_flags(images.Config, values,
                                                                 model_args=model_args[values["model"]]))))


if __name__ == "__main__":
    cli.main(main)
