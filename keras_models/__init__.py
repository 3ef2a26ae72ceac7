"""keras_models: reproduce, audit and improve documented deep-learning experiments.

Importing this package is cheap: TensorFlow and Keras are imported only by the
modules that build or train models, so command-line tools can check their
arguments (and fail fast) before paying the import cost.
"""

import os

# Keras runs on TensorFlow here; keep TensorFlow's C++ log off the console (`keras_models.quiet`).
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from keras_models import quiet  # noqa: E402

# A command (`python -m experiments.<name>`) stopped by Ctrl-C while it still imports its
# modules ends in one line, not a traceback (`keras_models.interrupts`); a program that
# imports the package keeps its own SIGINT handling.
from keras_models import interrupts as _interrupts  # noqa: E402

_interrupts.install_early()

from keras_models.errors import UserError  # noqa: E402

quiet.default_level()

__all__ = ["UserError"]
__version__ = "0.1.0"
