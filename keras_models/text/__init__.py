"""Text classification: the AG News transformer experiment (report 003, Part IV) and a
NumPy reference of self-attention.

Python API (no TensorFlow until training starts)::

    from keras_models import ag_news        # the same names as keras_models.text
    result = ag_news.run(ag_news.Config(variant="best", protocol="small", epochs=2))
    result.metrics["test_metrics"]["accuracy"]

Modules:
    config:          the typed `Config` (variant, protocol, data, vectorizer, training).
    api:             `run`, `resume`, `compare`, `load`.
    loaded:          the experiment's name and `AgNewsData` (what `load` returns).
    ag_news:         read and check the AG News CSVs (or tfds `ag_news_subset`); the
                     `full` and `small` protocols' train/val/test splits.
    tfds_source:     the tfds fallback, tried only after every local copy, failing fast offline.
    textset:         `TextSet` (labelled texts) and `join_text`, shared by `ag_news` and `tfds_source`.
    variants:        the five training variants (base, dropout, dropout-es, dropout-es-l2, best).
    experiment:      `make_job` (one `runner.Job` per variant), its evaluation and its table row.
    attention_numpy: single- and multi-head self-attention in NumPy, equal to
                     `keras.layers.MultiHeadAttention` given its weights.
    attention_graph: the self-attention math as a functional Keras model, to draw its graph.

Importing this package imports neither TensorFlow nor Keras; nor do `ag_news`,
`variants`, `config`, `api` and `attention_numpy`.
"""

from keras_models.text.api import EXPERIMENT, compare, load, resume, run
from keras_models.text.config import Config
from keras_models.text.variants import VARIANTS

__all__ = ["EXPERIMENT", "VARIANTS", "Config", "compare", "load", "resume", "run"]
