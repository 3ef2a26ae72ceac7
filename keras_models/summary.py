"""The few numbers that tell a finished run's result, each beside its documented value.

A training command ends with `show(result)`: for an NAB autoencoder the test loss, the
threshold, the anomalies it flagged and its NAB-window tp/fp/fn and F1; for a classifier
(heartbeat, images) test accuracy, macro F1 and macro recall; for the AG News transformer
test accuracy and loss; then the run folder. The documented values come from
`keras_models.reports.documented` (which reads the registry's `ModelSpec.documented` and
the AG News variants' reported table), matched to the run by model and setting. The
numbers are the run's metrics.json (`Result.metrics`); nothing here imports TensorFlow.

    nab_v3 on realTweets/Twitter_volume_AAPL (1 epoch)
      test loss (MSE, scaled)          0.001252  documented 0.000129 (report 003)
      threshold                        0.003114  rule percentile:99
      anomalies flagged, test split    66        documented 69 (report 003)
      anomalies flagged, whole series  180
      NAB windows tp/fp/fn             3/4/1     4 labelled windows
      NAB window F1                    0.5455
      run folder                       runs/nab_autoencoder/20261203-134138-v3-s42
"""

from __future__ import annotations

import json
from pathlib import Path

from keras_models.errors import UserError

#: settings named in the title, where the run's configuration has them
SETTINGS = ("balance", "split", "protocol")
#: classifier metrics shown, as percentages: (metrics.json key, label)
CLASSIFIER = (("accuracy", "test accuracy"), ("f1_macro", "test macro F1"), ("recall_macro", "test macro recall"))


def plan_key(metrics: dict, config: dict) -> str | None:
    """The key of the documented setting this run repeats (`keras_models.reports.plan`
    names its runs so): nab-v3, heartbeat-<model>-<balance>, ag_news-<variant>, images-<model>."""
    from keras_models import registry

    model = metrics.get("model") or ""
    try:
        family = registry.get(model).family
    except UserError:  # no such model (a metrics.json from elsewhere)
        return None
    if family == "nab":
        return f"nab-{model.removeprefix('nab_')}"
    if family == "images":
        return f"images-{model}"
    if family == "ag_news":
        variant = (metrics.get("variant") or {}).get("name")
        return f"ag_news-{variant}" if variant else None
    if family == "heartbeat":
        from keras_models.reports.plan import heartbeat_key

        return heartbeat_key(model, config.get("balance", "class-weights"), config.get("split", "intra"),
                             config.get("beats", "annotated"))
    return None


def documented(key: str | None, metric: str) -> list[str]:
    """The documented values of `metric` (a dotted metrics.json path) for the setting `key`,
    each as "value (report N[: source])"; percentages where the report gives them."""
    if key is None:
        return []
    from keras_models.reports import documented as docs
    from keras_models.reports.verdicts import Points

    shown = []
    for entry in docs.entries():
        if entry.kind != "number" or len(entry.runs) != 1 or entry.metric != metric:
            continue
        (documented_key,) = entry.runs
        other_setting = _setting(documented_key, key)
        if documented_key != key and (other_setting is None or entry.literature):
            continue  # another setting; a literature figure only beside a run of its own protocol
        value = f"{entry.documented:.2f} %" if isinstance(entry.rule, Points) else f"{entry.documented:g}"
        _, _, source = entry.measures.partition(", ")  # "test accuracy, Kachuee et al. 2018 (anchor)"
        source = source.removesuffix(" (anchor)") if source.count("(") >= source.count(")") else ""
        details = [f"report {entry.report}" + (f": {source}" if source else "")]
        if entry.literature:  # a published figure the report does not give
            details = [f"literature, not report {entry.report}: {entry.literature.split(',')[0]}"]
        if documented_key != key:
            details.append(f"with {other_setting}")
        shown.append(f"{value} ({', '.join(details)})")
    return shown


def _setting(documented_key: str, key: str) -> str | None:
    """The heartbeat balance a documented number was measured with, when this run (`key`)
    trains the same model with another one; else None."""
    if not key.startswith("heartbeat-"):
        return None
    model = key.removeprefix("heartbeat-").split("-")[0]
    prefix = f"heartbeat-{model}-"
    return documented_key.removeprefix(prefix) if documented_key.startswith(prefix) else None


def _number(value, percent: bool = False) -> str:
    if value is None:
        return "n/a"
    if percent:
        return f"{100 * value:.2f} %"
    if isinstance(value, int):
        return str(value)
    return f"{value:.4g}"


def rows(metrics: dict, config: dict | None = None) -> list[tuple[str, str, str]]:
    """(what, our value, documented values or a note) for the run's `metrics`; `config` is
    its config.json's "config" (it names the setting, e.g. the heartbeat balance)."""
    key = plan_key(metrics, config or {})
    test = metrics.get("test") or {}

    def row(label: str, value: str, metric: str | None = None, note: str = "") -> tuple[str, str, str]:
        docs = documented(key, metric) if metric else []
        return label, value, ("documented " + "\n".join(docs)) if docs else note  # one value a line

    if "test_anomalies" in metrics:  # an NAB autoencoder
        threshold = metrics["threshold"]
        out = [row("test loss (MSE, scaled)", _number(test.get("loss")), "test.loss"),
               row("threshold", _number(threshold["value"]), note=f"rule {threshold['rule']}"),
               row("anomalies flagged, test split", str(metrics["test_anomalies"]["count"]), "test_anomalies.count"),
               row("anomalies flagged, whole series", str(metrics["series_anomalies"]["count"]))]
        whole = (metrics.get("window_scores") or {}).get("whole_series")
        if whole:
            out += [row("NAB windows tp/fp/fn", f"{whole['tp']}/{whole['fp']}/{whole['fn']}",
                        note=f"{whole.get('windows', whole['tp'] + whole['fn'])} labelled windows"),
                    row("NAB window F1", _number(whole["f1"]))]
        else:
            out.append(row("NAB windows", "not scored", note=metrics.get("window_scores_note", "")))
        return out
    scores = metrics.get("test_metrics") or {}
    if "variant" in metrics:  # the AG News transformer
        return [row("test accuracy", _number(scores.get("accuracy"), percent=True), "test_metrics.accuracy"),
                row("test loss", _number(test.get("loss")), "test.loss")]
    if scores:  # a classifier
        return [row(label, _number(scores.get(name), percent=True), f"test_metrics.{name}")
                for name, label in CLASSIFIER]
    return [row(f"test {name}", _number(value)) for name, value in test.items()]


def lines(run_dir: Path, metrics: dict) -> list[str]:
    """The summary of one finished run, as printed."""
    config_path = Path(run_dir) / "config.json"
    recorded = json.loads(config_path.read_text()) if config_path.is_file() else {}
    config = recorded.get("config") or {}
    series = (recorded.get("data") or {}).get("series")
    epochs = metrics.get("epochs_run")
    setting = [f"{name} {config[name]}" for name in SETTINGS if isinstance(config.get(name), str)]
    title = f"{metrics.get('model', metrics.get('experiment', 'run'))}" + (f" on {series}" if series else "") \
        + (f", {', '.join(setting)}" if setting else "") \
        + (f" ({epochs} epoch{'s' if epochs != 1 else ''})" if epochs is not None else "")
    table = rows(metrics, config) + [("run folder", str(run_dir), "")]
    width = max(len(label) for label, _, _ in table)
    value_width = max(len(value) for _, value, _ in table[:-1]) if len(table) > 1 else 0
    out = [title]
    for label, value, note in table:
        first, *more = note.split("\n")
        head = f"  {label:<{width}}  {value:<{value_width}}"
        out.append((head + (f"  {first}" if first else "")).rstrip())
        out += [" " * (len(head) + 2 + len("documented ")) + line for line in more]
    return out


def show(result) -> None:
    """Print the summary of what a training command returned: a `runner.Result`, a
    comparison (each of its runs, then its table's folder), an NAB category result, or
    None (a tuning worker: nothing)."""
    if result is None:
        return
    if hasattr(result, "results"):  # comparison.Comparison
        for one in result.results.values():
            print("\n" + "\n".join(lines(one.run_dir, one.metrics)))
        if result.folder is not None:
            print(f"\ncomparison table: {result.folder / 'comparison.md'}")
        return
    if hasattr(result, "summary") and hasattr(result, "table"):  # nab.category.CategoryResult
        summary, pooled = result.summary, result.summary["pooled"]
        print(f"\n{summary['pattern']} ({summary['version']}), {summary['series']} series:")
        print(f"  NAB windows tp/fp/fn  {pooled['tp']}/{pooled['fp']}/{pooled['fn']}")
        print(f"  pooled window F1      {_number(pooled['f1'])}")
        print(f"  mean window F1        {_number(summary['mean_f1'])}")
        same = summary.get("orion_same_series")
        if same:
            print(f"  Orion's pooled F1     {_number(same['pooled_f1'])} on the {same['series']} series it publishes "
                  f"(ours on them {_number(same['ours_pooled_f1'])})")
        print(f"  tables                {result.folder}")
        return
    print("\n" + "\n".join(lines(result.run_dir, result.metrics)))
