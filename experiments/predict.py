"""Apply a finished run to new data; it never trains and never writes into the run folder.

    python -m experiments.predict runs/nab_autoencoder/<run> new_series.csv --out pred.csv   # + pred-anomalies.png
    python -m experiments.predict runs/nab_autoencoder/<run> other.csv --scale series        # its own scaler
    python -m experiments.predict runs/heartbeat/<run> beats.csv --format json              # Kaggle-layout beats
    python -m experiments.predict runs/heartbeat/<run> 100 101                              # MIT-BIH records
    echo "Stocks rally as oil falls" | python -m experiments.predict runs/ag_news_transformer/<run> -
    python -m experiments.predict runs/image_classification/<run> photos/ --out labels.csv

The run's family decides what the input is and what comes out: NAB gives every point's
reconstruction error and anomaly flag (and the window scores when NAB's labels have
windows for the series), the classifiers each item's class and probabilities; NAB's
--scale is explained at the end of --help (`NAB_SCALING`). The same from Python:
``predict.predict(predict.Config(run_dir=..., inputs=(...)))`` (`keras_models.predict`).
"""

from __future__ import annotations

from pathlib import Path

from keras_models import cli, predict

NAB_SCALING = (
    "NAB scaling: by default (--scale run) a series is scaled with the run's scaler, the min and max of the "
    "run's training part, so the run's own series gives back its anomalies. A series on another scale (another "
    "Twitter volume, another sensor) is squeezed or stretched by it: predict then warns in one line, and "
    "--scale series fits a min-max scaler on that series' first part (the run's train fraction), as training "
    "did. The summary's scale line says which scaler was used.")


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m experiments.predict", description=__doc__.split("\n")[0],
                               epilog=NAB_SCALING)
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a finished run folder (runs/<experiment>/<id>)")
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help=predict.Config.__dataclass_fields__["inputs"].metadata["help"])
    cli.add_config_flags(parser, predict.Config)
    return parser


def main(argv: list[str] | None = None) -> None:
    values, _ = cli.parse(build_parser(), argv)
    config = cli.config_from_flags(predict.Config, values)
    predict.write(predict.predict(config), config)


if __name__ == "__main__":
    cli.main(main)
