"""Classify 64x64 images (dogs, food, vehicles) with ViT, EfficientNet-B0, VGG and ResNet (report 003, Bonus).

    python -m experiments.image_classification --model vit
    python -m experiments.image_classification --model all --max-images-per-class 300 --epochs 2
    python -m experiments.image_classification --model efficientnet_b0 --weights efficientnetb0_notop.h5
    python -m experiments.image_classification --model vit --model-arg patch_size=4 --epochs 200
    python -m experiments.image_classification --resume runs/image_classification/<run-id>

Images come from --data (any folder with one sub-folder per class), else
$KERAS_MODELS_DATA/images/cnn_dataset, else data/images/cnn_dataset. Every argument is
checked, and the folder listed, decoded and split, before TensorFlow is imported.
"""

from __future__ import annotations

from pathlib import Path

from keras_models import cli, registry
from keras_models.errors import UserError
from keras_models.images import folder as image_folder
from keras_models.images import recipe as recipes
from keras_models.images import split
from keras_models.rundir import check_new_run, write_comparison

EXPERIMENT = "image_classification"
#: builder arguments that --model-arg may not set, and what sets them
SET_ELSEWHERE = {"input_shape": "--image-size", "num_classes": "the class sub-folders", "weights": "--weights"}


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m experiments.image_classification", description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=registry.names("images") + ["all"], default="vit",
                        help="model, or all four with a comparison table (default vit)")
    parser.add_argument("--data", type=Path, default=None,
                        help="folder of class sub-folders of images (default: $KERAS_MODELS_DATA/images/cnn_dataset, "
                             "else data/images/cnn_dataset)")
    parser.add_argument("--image-size", type=cli.positive_int, default=64, help="image side in pixels (default 64)")
    parser.add_argument("--split", type=cli.fractions, default=(0.7, 0.15, 0.15),
                        help="stratified TRAIN,VAL,TEST fractions (default 0.7,0.15,0.15)")
    parser.add_argument("--split-seed", type=cli.non_negative_int, default=42,
                        help="seed of the split, shared by every model whatever --seed is (default 42)")
    parser.add_argument("--max-images-per-class", type=cli.int_at_least(3, "an integer >= 3"), default=None,
                        help="use a stratified subset of the split: at most this many images per class")
    parser.add_argument("--weights", type=Path, default=None,
                        help="local weights file for efficientnet_b0's backbone (e.g. efficientnetb0_notop.h5)")
    parser.add_argument("--model-arg", type=cli.model_arg, action="append", default=None, metavar="[MODEL:]KEY=VALUE",
                        help="builder hyper-parameter, e.g. patch_size=4 or vit:transformer_layers=8 (repeatable)")
    recipes.add_recipe_flags(parser)
    cli.add_run_flags(parser, epochs=None, batch_size=None)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = cli.parse_args(build_parser(), argv, EXPERIMENT)
    models = registry.names("images") if args.model == "all" else [args.model]
    model_kwargs = cli.model_kwargs(args.model_arg, models)
    for model in models:
        registry.get(model).check_kwargs(model_kwargs[model])
        for key in set(model_kwargs[model]) & set(SET_ELSEWHERE):
            raise UserError(f"--model-arg {key}=...: {key} is set by {SET_ELSEWHERE[key]}")
    if args.weights is not None:
        if "efficientnet_b0" not in models:
            raise UserError("--weights is for efficientnet_b0 only")
        if not args.weights.is_file():
            raise UserError(f"weights file not found: {args.weights}; give --weights a local .h5 file")
    plans = {model: recipes.resolve(args, model) for model in models}
    run_ids = {m: (f"{args.run_id}-{m}" if args.run_id and len(models) > 1 else args.run_id) for m in models}
    if args.resume is None:
        for run_id in run_ids.values():
            check_new_run(args.runs_dir, EXPERIMENT, run_id)

    images = image_folder.scan(image_folder.find(args.data))
    image_folder.check_readable(images)
    parts = split.assign(images.labels, tuple(args.split), args.split_seed, images.class_names,
                         args.max_images_per_class)
    counts = split.describe(parts, images.labels, images.class_names)
    print(f"{images.root}: {len(images.files)} images, {images.counts()}")
    for part, per_class in counts.items():
        print(f"{part}: {per_class}")

    from keras_models import runner  # imports TensorFlow
    from keras_models.audit import format_table
    from keras_models.images import data
    from keras_models.images.experiment import comparison_row, make_job

    splits = data.load(images, parts, (args.image_size, args.image_size))
    data_config = {"folder": str(images.root), "class_names": list(images.class_names), "images": images.counts(),
                   "image_size": args.image_size, "split": list(args.split), "split_seed": args.split_seed,
                   "max_images_per_class": args.max_images_per_class, "counts": counts}
    rows = []
    for model in models:
        job = make_job(args, model, splits, plans[model], model_kwargs[model], data_config, run_ids[model])
        _, metrics = runner.run(job)
        rows.append(comparison_row(model, plans[model], metrics))
    table = format_table(rows)
    print(table)
    if len(rows) > 1:
        write_comparison(args.runs_dir, EXPERIMENT, table, {"data": data_config}, rows)


if __name__ == "__main__":
    cli.main(main)
