"""Train the report's AG News transformer variants (and a fifth, `best`) on raw news texts.

    python -m experiments.ag_news_transformer --variant dropout-es
    python -m experiments.ag_news_transformer --variant all --protocol small
    python -m experiments.ag_news_transformer --resume runs/ag_news_transformer/<run-id>

Every argument is checked, and the data read and checked, before TensorFlow is imported.
The same from Python: ``ag_news.run(ag_news.Config(variant="best"))`` (`keras_models.ag_news`).
"""

from __future__ import annotations

from keras_models import ag_news, cli

EXPERIMENT = ag_news.EXPERIMENT


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(
        prog="python -m experiments.ag_news_transformer", description=__doc__.split("\n")[0],
        epilog="Defaults of unset model flags and of --learning-rate and --patience are each variant's; "
               "with --variant all, --patience applies to the early-stopping variants only.")
    parser.add_argument("--variant", choices=(*ag_news.VARIANTS, "all"), default="dropout-es",
                        help="training variant, or all five with a comparison table (default dropout-es)")
    cli.add_config_flags(parser, ag_news.Config)
    cli.add_resume_flag(parser)
    return parser


def main(argv: list[str] | None = None) -> None:
    values, given = cli.parse(build_parser(), argv)
    cli.run_family(ag_news, values, given, choice="variant", first="dropout-es")


if __name__ == "__main__":
    cli.main(main)
