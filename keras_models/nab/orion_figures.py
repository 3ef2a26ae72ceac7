"""Orion's published NAB figures, per series, as data (nothing here is computed).

Source: sintel-dev/Orion, ``benchmark/results/0.7.1.csv`` at commit 7bd8140d (MIT
license): the window-overlap counts (``tp``, ``fp``, ``fn``) of one run (iteration 0)
per signal. Orion's benchmark trains on the whole series and detects on the whole
series, and it aggregates a dataset by summing tp/fp/fn over its signals (its leaderboard
F1 of a dataset is the pooled F1: GANF's 23/13/10 on realTweets is its 0.667).
realKnownCause is not in Orion's benchmark.
"""

from __future__ import annotations

SOURCE = "Orion benchmark/results/0.7.1.csv (sintel-dev/Orion@7bd8140d)"

#: the best pooled F1 of any Orion pipeline per category, and which pipeline
BEST = {"realTweets": (0.667, "ganf")}

#: pipeline -> series -> (tp, fp, fn)
PER_SERIES = {
    "dense_autoencoder": {
        "realTweets/Twitter_volume_AAPL": (3, 1, 1), "realTweets/Twitter_volume_AMZN": (1, 0, 3),
        "realTweets/Twitter_volume_CRM": (3, 1, 0), "realTweets/Twitter_volume_CVS": (2, 1, 1),
        "realTweets/Twitter_volume_FB": (1, 3, 1), "realTweets/Twitter_volume_GOOG": (2, 1, 1),
        "realTweets/Twitter_volume_IBM": (1, 2, 1), "realTweets/Twitter_volume_KO": (2, 0, 1),
        "realTweets/Twitter_volume_PFE": (0, 2, 4), "realTweets/Twitter_volume_UPS": (0, 1, 5),
    },
    "lstm_autoencoder": {
        "realTweets/Twitter_volume_AAPL": (2, 1, 2), "realTweets/Twitter_volume_AMZN": (0, 0, 4),
        "realTweets/Twitter_volume_CRM": (3, 1, 0), "realTweets/Twitter_volume_CVS": (2, 0, 1),
        "realTweets/Twitter_volume_FB": (1, 3, 1), "realTweets/Twitter_volume_GOOG": (2, 1, 1),
        "realTweets/Twitter_volume_IBM": (1, 3, 1), "realTweets/Twitter_volume_KO": (2, 0, 1),
        "realTweets/Twitter_volume_PFE": (0, 1, 4), "realTweets/Twitter_volume_UPS": (0, 2, 5),
    },
}

#: our versions and the Orion pipeline of the same kind
PIPELINE_OF_VERSION = {"base": "dense_autoencoder", "v1": "dense_autoencoder", "v2": "dense_autoencoder",
                       "v3": "lstm_autoencoder"}
