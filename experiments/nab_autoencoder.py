"""Train the report's NAB autoencoders and detect anomalies.

    python -m experiments.nab_autoencoder --version v3
    python -m experiments.nab_autoencoder --version all --threshold max-train
    python -m experiments.nab_autoencoder --resume runs/nab_autoencoder/<run-id>
    python -m experiments.nab_autoencoder --version v1 --series 'realKnownCause/*'   # a table per category
    python -m experiments.nab_autoencoder --version v1 --category realTweets --threshold dynamic

Every argument is checked, and the data loaded and checked, before TensorFlow is imported.
The same from Python: ``nab.run(nab.Config(version="v3"))`` (`keras_models.nab`).
"""

from __future__ import annotations

from keras_models import cli, nab
from keras_models.errors import UserError
from keras_models.nab import category, data


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m experiments.nab_autoencoder", description=__doc__.split("\n")[0])
    parser.add_argument("--version", choices=nab.VERSIONS + ("all",), default="v3",
                        help="autoencoder version, or all four with a comparison table (default v3)")
    parser.add_argument("--category", default=None, metavar="NAME", type=cli.argtype(category.category_name),
                        help="every series of an NAB category (--series 'NAME/*'): one run each, one table")
    cli.add_config_flags(parser, nab.Config)
    cli.add_resume_flag(parser)
    return parser


def main(argv: list[str] | None = None) -> None:
    values, given = cli.parse(build_parser(), argv)
    pattern = category.requested_pattern(values["category"], values["series"], values["csv"], "series" in given)
    if pattern is not None:
        if values["resume"] is not None or values["version"] == "all":
            raise UserError("a category runs one version and resumes by itself: run the same command again "
                            "(without --resume or --version all)")
        cli.summarize(nab.run_category(cli.config_from_flags(nab.Config, values, series=data.DEFAULT_SERIES), pattern))
        return
    cli.run_family(nab, values, given, choice="version", first="v3")


if __name__ == "__main__":
    cli.main(main)
