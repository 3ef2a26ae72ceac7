"""Custom Keras layers, each registered as serializable (package "keras_models").

Modules:
    text_embedding:   TokenAndPositionEmbedding (token ids -> token + learned position vectors).
    text_transformer: TransformerBlock (post-LayerNorm encoder block for text).

Importing this package registers them, which `keras.saving.load_model` needs to read a
saved model that uses them: ``import keras_models.layers`` first.
"""

from keras_models.layers import text_embedding, text_transformer  # noqa: F401  (registers the layers)
