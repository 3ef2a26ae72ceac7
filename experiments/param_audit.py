"""Documented against built parameter counts for every registered model, and the
Part I autoencoder's computational graph.

    python -m experiments.param_audit [--model NAME ...] [--no-graph]
"""

from __future__ import annotations


from keras_models import cli, registry
from keras_models.rundir import check_new_run

EXPERIMENT = "param_audit"
GRAPH_MODEL = "part1_autoencoder"


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m experiments.param_audit", description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", default=None,
                        help="audit only this registered model (repeatable; default: all)")
    parser.add_argument("--no-graph", action="store_true", help=f"skip the {GRAPH_MODEL} graph image")
    cli.add_output_flags(parser)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    names = args.model or registry.names()
    for name in names:
        registry.get(name)
    check_new_run(args.runs_dir, EXPERIMENT, args.run_id, resumable=False)

    from keras_models import audit, graph

    run = audit.write_run(names, args.runs_dir, args.run_id, EXPERIMENT)
    if not args.no_graph and GRAPH_MODEL in names:
        print(graph.draw(registry.build(GRAPH_MODEL), run.plot(f"{GRAPH_MODEL}_graph")))
    print(f"wrote {run.path}")


if __name__ == "__main__":
    cli.main(main)
