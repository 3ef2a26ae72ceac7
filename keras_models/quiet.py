"""Keep TensorFlow's and Keras' own chatter off a command's console; ``--verbose`` shows it.

TensorFlow's C++ log honours ``TF_CPP_MIN_LOG_LEVEL``, read when TensorFlow is imported:
importing this package sets it to 3 (fatal errors only) unless the user set it. A few
lines come before TensorFlow initialises its log, and the C++ logging library writes them
to standard error whatever the level (the "oneDNN custom operations are on" notice, once
per TensorFlow library loaded): `console` drops exactly those lines from the process's
standard error. Python warnings are not filtered: a normal run gives none (their causes
are fixed, e.g. no ``shuffle=`` with a dataset). Nothing here imports TensorFlow.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from contextlib import contextmanager

LEVEL = "TF_CPP_MIN_LOG_LEVEL"
#: the level this package chose, beside it (so that a child process, a tuning worker or a
#: command started by another, tells the package's level from the user's)
CHOSEN = "KERAS_MODELS_TF_LOG_LEVEL"
#: the level the user set before this package was imported (None: not set)
USER_LEVEL = None if os.environ.get(LEVEL) == os.environ.get(CHOSEN) else os.environ.get(LEVEL)

#: a C++ log line of TensorFlow's logging library, info or warning:
#: ``I0000 00:00:1796304891.073177   11988 port.cc:153] ...``
LOG_LINE = re.compile(rb"^[IW]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w./-]+:\d+\] ")
#: the logging library's note above those lines
LOG_NOTE = b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"


def default_level() -> None:
    """TensorFlow's C++ log off (level 3) unless the user chose a level."""
    if USER_LEVEL is None:
        _choose("3")


def _choose(level: str) -> None:
    os.environ[LEVEL] = os.environ[CHOSEN] = level


def is_noise(line: bytes) -> bool:
    """Whether a line of standard error is TensorFlow's C++ info/warning chatter."""
    return bool(LOG_LINE.match(line)) or line.rstrip(b"\r\n") == LOG_NOTE


@contextmanager
def console(verbose: bool):
    """Run a command quietly, or (`verbose`) with every framework log line; a level the
    user set is theirs either way.

    Quiet: when standard error is the process's own (not captured, as under pytest), its
    C++ log lines are filtered (`is_noise`).
    """
    if USER_LEVEL is not None:
        yield
        return
    if verbose:
        _choose("0")  # read when TensorFlow is imported, after this
        yield
        return
    with _filtered_stderr():
        yield


@contextmanager
def _filtered_stderr():
    """File descriptor 2 through a pipe whose reader drops `is_noise` lines."""
    if sys.stderr is not sys.__stderr__ or sys.__stderr__ is None:
        yield
        return
    try:
        fd = sys.__stderr__.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stderr.flush()
    original = os.dup(fd)
    read_end, write_end = os.pipe()
    os.dup2(write_end, fd)
    os.close(write_end)

    def copy() -> None:
        with os.fdopen(read_end, "rb") as lines:
            for line in lines:
                if not is_noise(line):
                    os.write(original, line)

    reader = threading.Thread(target=copy, name="stderr-filter", daemon=True)
    reader.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(original, fd)  # the pipe's last writer in this process is gone: the reader ends
        reader.join(timeout=5)  # (a child process still holding the pipe keeps it open)
        if not reader.is_alive():
            os.close(original)
