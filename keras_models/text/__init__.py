"""Text classification: AG News data, the transformer experiment's glue, and a NumPy
reference of self-attention.

Modules:
    ag_news:         read and check the AG News CSVs (or tfds `ag_news_subset`); the
                     `full` and `small` protocols' train/val/test splits.
    tfds_source:     the tfds fallback, tried only after every local copy, failing fast offline.
    variants:        the five training variants (base, dropout, dropout-es, dropout-es-l2, best).
    experiment:      one `runner.Job` per variant, its evaluation and its table row.
    attention_numpy: single- and multi-head self-attention in NumPy, equal to
                     `keras.layers.MultiHeadAttention` given its weights.
    attention_graph: the self-attention math as a functional Keras model, to draw its graph.

`ag_news`, `variants` and `attention_numpy` import neither TensorFlow nor Keras.
"""
