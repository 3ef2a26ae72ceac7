"""AG News transformer of report 003 Part IV, in its variants.

raw strings (batch,) -> TextVectorization -> (batch, sequence_length) token ids
-> TokenAndPositionEmbedding -> (batch, sequence_length, embed_dim)
-> TransformerBlock -> (batch, sequence_length, embed_dim)
-> GlobalAveragePooling1D -> (batch, embed_dim) -> Dropout -> Dense(4, softmax) -> (batch, 4)

The vectorizer is part of the model, so the saved model and the SavedModel take raw
strings. The report gives no hyper-parameters; the defaults are those of keras-io's
"Text classification with Transformer", which the report's description follows
(vocabulary 20,000, length 200, embedding 32, 2 heads, feed-forward 32, dropout 0.1).
An unadapted vectorizer is fine for building and counting parameters; experiments
adapt it on the training texts (`adapt_vectorizer`).
"""

from __future__ import annotations

from functools import partial

from keras_models.lazy import custom_layers, keras, layers, regularizers
from keras_models.errors import UserError
from keras_models.registry import register_model
from keras_models.tuning.specs import choice

NUM_CLASSES = 4
VECTORIZER = "vectorize"


def _check_heads(kwargs: dict) -> None:
    """The embedding must split into the attention heads (`UserError` otherwise)."""
    if kwargs["embed_dim"] % kwargs["num_heads"]:
        raise UserError(f"embed_dim={kwargs['embed_dim']} is not divisible by num_heads={kwargs['num_heads']}; "
                        "change one of them")


def ag_news_transformer(*, vocab_size: int = 20_000, sequence_length: int = 200, embed_dim: int = 32,
                        num_heads: int = 2, ff_dim: int = 32, dropout: float = 0.1, l2: float = 0.0,
                        ngrams: int | None = None, mask_padding: bool = False, num_classes: int = NUM_CLASSES,
                        name: str = "ag_news_transformer") -> keras.Model:
    """Raw strings (batch,) -> class probabilities (batch, num_classes).

    Args:
        vocab_size: vectorizer vocabulary size (padding and out-of-vocabulary included).
        sequence_length: tokens per text after padding/truncation.
        dropout: rate of the block's two dropout layers and of the head's (0: no dropout layers).
        l2: L2 penalty on every Dense/attention kernel (0: none).
        ngrams: 2 adds each text's bigrams as tokens after its words (fastText's trick).
        mask_padding: keep padding out of attention and of the average.
    """
    inputs = keras.Input(shape=(), dtype="string", name="text")
    tokens = layers.TextVectorization(max_tokens=vocab_size, output_sequence_length=sequence_length,
                                      ngrams=ngrams, name=VECTORIZER)(inputs)
    x = custom_layers.TokenAndPositionEmbedding(sequence_length, vocab_size, embed_dim, mask_zero=mask_padding,
                                  name="token_and_position_embedding")(tokens)
    x = custom_layers.TransformerBlock(num_heads, intermediate_dim=ff_dim, key_dim=embed_dim, dropout=dropout, l2=l2,
                         epsilon=1e-6, name="transformer_block")(x)
    x = layers.GlobalAveragePooling1D(name="average_pool")(x)
    if dropout:
        x = layers.Dropout(dropout, name="head_dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities",
                           kernel_regularizer=regularizers.L2(l2) if l2 else None)(x)
    return keras.Model(inputs, outputs, name=name)


def adapt_vectorizer(model: keras.Model, texts, batch_size: int = 512) -> int:
    """Build the model's vocabulary from `texts` ((n,) strings); return its size."""
    vectorizer = model.get_layer(VECTORIZER)
    vectorizer.adapt(texts, batch_size=batch_size)
    return int(vectorizer.vocabulary_size())


# The report's four models (early stopping is training, not architecture: dropout-es
# trains ag_news_dropout) and the fifth variant's: padding masked out of the attention
# and the average (the report's model averages 200 positions of which ~38 are words),
# dropout 0.2, 128 positions (AG News texts have at most 137 words, 99.9 % under 118).
_AG_NOTE = "report 003 gives no parameter count; keras-io sizes (vocabulary 20,000, length 200, embedding 32)"
_AG_SPACE = {"embed_dim": choice(32, 64), "num_heads": choice(2, 4), "ff_dim": choice(32, 64)}


def _register(name: str, source: str, note: str = _AG_NOTE, **defaults) -> None:
    register_model("ag_news", name=name, source=source, note=note, check=_check_heads, tunable=_AG_SPACE,
                   test_kwargs=dict(vocab_size=50, sequence_length=8, embed_dim=8, ff_dim=8))(
        partial(ag_news_transformer, name=name, **defaults))


_register("ag_news_base", "report 003, Part IV (base)", dropout=0.0)
_register("ag_news_dropout", "report 003, Part IV (dropout; also dropout + early stopping)", dropout=0.1)
_register("ag_news_dropout_l2", "report 003, Part IV (dropout + early stopping + L2)", dropout=0.1, l2=1e-4)
_register("ag_news_best", "this package (variant best)",
          "not in the report: keras-io sizes with padding masked, length 128 and dropout 0.2",
          sequence_length=128, dropout=0.2, mask_padding=True)
