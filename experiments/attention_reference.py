"""Check the NumPy self-attention reference against Keras and draw the attention graph.

    python -m experiments.attention_reference [--heads 2] [--key-dim 16] [--runs-dir runs]

Compares `keras_models.text.attention_numpy` with keras.layers.MultiHeadAttention (one
head and `--heads` heads, random weights and inputs) and with the spelled-out graph
model, prints the largest differences (must be <= 1e-5), and writes the graphs of the
single-head attention block and of the AG News transformer as images.
"""

from __future__ import annotations


from keras_models import cli
from keras_models.errors import UserError
from keras_models.rundir import RunDir, check_new_run

EXPERIMENT = "attention_reference"
TOLERANCE = 1e-5
#: largest --heads x --key-dim checked: the check's weights and activations take about 4.4 kB per unit
#: of width (65536: about 300 MB), and wider layers test nothing that narrower ones do not
MAX_WIDTH = 65536


def build_parser() -> cli.ArgumentParser:
    parser = cli.ArgumentParser(prog="python -m experiments.attention_reference", description=__doc__.split("\n")[0])
    parser.add_argument("--heads", type=cli.positive_int, default=2, help="heads of the multi-head check (default 2)")
    parser.add_argument("--key-dim", type=cli.positive_int, default=16, help="query/key width per head (default 16)")
    parser.add_argument("--seed", type=cli.non_negative_int, default=0, help="random seed (default 0)")
    cli.add_output_flags(parser)
    return parser


def compare(heads: int, key_dim: int, seed: int) -> dict:
    """Largest |NumPy - Keras| for a single-head layer, a multi-head layer and the graph model."""
    import keras
    import numpy as np

    from keras_models.text import attention_numpy as ref
    from keras_models.text.attention_graph import graph_weights, self_attention_graph

    keras.utils.set_random_seed(seed)
    x = np.random.default_rng(seed).normal(size=(4, 12, 32)).astype("float32")
    diffs = {}
    for name, n_heads in (("single_head", 1), ("multi_head", heads)):
        layer = keras.layers.MultiHeadAttention(n_heads, key_dim=key_dim, bias_initializer="random_normal")
        expected = layer(x, x).numpy()
        diffs[name] = float(np.abs(ref.multi_head_self_attention(x, ref.multi_head_weights(layer)) - expected).max())
    graph = self_attention_graph(12, 32, key_dim, key_dim, 32)
    head, w_o, b_o = graph_weights(graph)
    diffs["graph_model"] = float(np.abs(ref.self_attention(x, head, w_o, b_o) - graph.predict(x, verbose=0)).max())
    return diffs


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if max(args.heads, 1) * args.key_dim > MAX_WIDTH:
        raise UserError(f"--heads {args.heads} x --key-dim {args.key_dim} = {args.heads * args.key_dim} is wider than "
                        f"{MAX_WIDTH} (about {MAX_WIDTH * 4400 / 1e6:.0f} MB for the check); give a smaller --key-dim "
                        "or fewer --heads")
    check_new_run(args.runs_dir, EXPERIMENT, args.run_id, resumable=False)

    from keras_models import graph, registry
    from keras_models.audit import format_table
    from keras_models.text.attention_graph import self_attention_graph

    diffs = compare(args.heads, args.key_dim, args.seed)
    rows = [{"check": name, "max_abs_diff": value, "within_1e-5": value <= TOLERANCE} for name, value in diffs.items()]
    print(format_table(rows))
    run = RunDir.create(args.runs_dir, EXPERIMENT, args.run_id, resumable=False)
    print(graph.draw(self_attention_graph(), run.plot("self_attention_graph")))
    print(graph.draw(registry.build("ag_news_dropout"), run.plot("ag_news_transformer_graph")))
    run.write_json("metrics.json", {"tolerance": TOLERANCE, "rows": rows})
    print(f"wrote {run.path}")
    if not all(row["within_1e-5"] for row in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    cli.main(main)
