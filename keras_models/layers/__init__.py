"""Custom Keras layers shared by the model builders.

Every layer is registered for serialization under the package name
``"keras_models"`` and has a complete `get_config`. Importing this package registers
them all, which `keras.saving.load_model` needs to read a saved model that uses them
(``import keras_models.layers`` first). Importing it imports Keras.
"""

from keras_models.layers.fused_batch_norm import FusedBatchNormalization
from keras_models.layers.fused_layer_norm import FusedLayerNormalization
from keras_models.layers.lean_gru import LeanGRU
from keras_models.layers.locality_attention import LocalitySelfAttention
from keras_models.layers.patches import PatchEncoder, Patches
from keras_models.layers.positional_encoding import PositionalEncoding
from keras_models.layers.resnet_block import ResNetBlock1D, ResNetBlock2D
from keras_models.layers.text_embedding import TokenAndPositionEmbedding
from keras_models.layers.transformer_block import TransformerBlock

__all__ = ["FusedBatchNormalization", "FusedLayerNormalization", "LeanGRU", "LocalitySelfAttention", "PatchEncoder", "Patches",
           "PositionalEncoding", "ResNetBlock1D", "ResNetBlock2D", "TokenAndPositionEmbedding", "TransformerBlock"]
