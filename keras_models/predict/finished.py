"""A finished run folder, read for `experiments.predict`: its recorded settings and its model."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from keras_models import interrupts, runfiles
from keras_models.errors import UserError
from keras_models.rundir import RunDir

#: inputs from which prediction shows a progress bar
PROGRESS_FROM = 5_000


@dataclass
class FinishedRun:
    """What a finished run recorded.

    Attributes:
        path: the run folder.
        experiment: its family's experiment name (``nab_autoencoder``, ``heartbeat``, ...).
        config: the typed configuration's settings (config.json ``config``).
        data: what its data loader recorded (config.json ``data``: class names, scaler, ...).
        model_kwargs: the builder's arguments (input shape, window, ...).
        metrics: its metrics.json.
    """

    path: Path
    experiment: str
    config: dict
    data: dict
    model_kwargs: dict
    metrics: dict
    _model: object = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path) -> FinishedRun:
        recorded, metrics = runfiles.read_finished(RunDir.open_finished(path).path)
        return cls(Path(path), str(recorded.get("experiment")), recorded.get("config") or {},
                   recorded.get("data") or {}, recorded.get("model_kwargs") or {}, metrics)

    @property
    def name(self) -> str:
        return self.path.name

    def recorded(self, key: str, what: str):
        """`data[key]`, or a `UserError` saying the run predates it."""
        if key not in self.data:
            raise UserError(f"{self.path}: the run did not record {what} (trained by an older version of "
                            "keras_models); train it again to predict with it")
        return self.data[key]

    def model(self):
        """The run's model.keras (loaded once, not compiled: prediction only)."""
        if self._model is None:
            self._model = runfiles.load_model(self.path)
        return self._model

    def outputs(self, x, batch_size: int):
        """The model's outputs on `x` (n, ...), batch by batch, with a progress bar (on
        stderr, so standard output can carry the predictions) past `PROGRESS_FROM` inputs."""
        import numpy as np
        from tqdm.auto import tqdm

        model = self.model()
        starts = range(0, len(x), batch_size)
        bar = tqdm(starts, desc="predicting", unit="batch", disable=len(x) < PROGRESS_FROM)
        parts = []
        for i in bar:
            interrupts.check()  # a Ctrl-C that TensorFlow swallowed stops here, not at the end
            parts.append(np.asarray(model.predict_on_batch(x[i:i + batch_size])))
        return np.concatenate(parts)

    def probabilities(self, x, batch_size: int, logits: bool):
        """Class probabilities on `x`: (n, ...) -> (n, classes) float32. `logits`: the model
        returns logits (heartbeat, images) rather than probabilities (AG News)."""
        import numpy as np
        from scipy.special import softmax

        out = self.outputs(x, batch_size).astype(np.float32)
        return softmax(out, axis=1).astype(np.float32) if logits else out
