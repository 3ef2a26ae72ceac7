"""Ctrl-C that is never lost: a SIGINT handler that also leaves a mark, and checks of it.

Python turns SIGINT into a `KeyboardInterrupt` raised wherever the main thread happens
to be, and two things can make it vanish:

* a process started with SIGINT ignored (``cmd &`` in a shell without job control)
  never gets the `KeyboardInterrupt` at all: Python installs its handler only when
  SIGINT is not ignored;
* a `KeyboardInterrupt` raised inside a finalizer (``__del__``, a weakref callback:
  TensorFlow has many, run whenever the garbage collector runs) is printed as
  "Exception ignored in ..." and dropped, and one raised inside library code that
  catches every exception is turned into something else or dropped too.

And one thing makes it dangerous: raised while TensorFlow builds a graph (the first
training step is traced), the exception unwinds through C++ that does not expect it, and
the process can die of a segmentation fault instead of stopping (seen 3 times in 77
Ctrl-Cs sent 0.2 s into training).

`install` (called by `keras_models.cli.main` for every command) sets a handler that
records the signal before it raises, whatever the inherited disposition; `check` raises
`KeyboardInterrupt` again where a lost one must not let the work go on: between training
batches (`callback`), between prediction batches, and before anything is written. Inside
`deferred` (TensorFlow's work: training, evaluation, export, prediction) the first Ctrl-C
only records the signal and the work stops at the next of those checks; a second one
raises at once. No TensorFlow here (`callback` imports Keras when called).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager

_received = threading.Event()
#: how many `deferred` blocks are open (main thread only)
_deferring = 0


def _on_sigint(signum, frame):
    if _deferring and not _received.is_set():
        _received.set()  # the first Ctrl-C: the next `check` raises, where raising is safe
        _notice(DEFERRED)
        return
    _received.set()
    raise KeyboardInterrupt


#: said on standard output when the first Ctrl-C waits for TensorFlow (standard error keeps
#: the command's one line)
DEFERRED = "Ctrl-C: stopping when TensorFlow's current step ends (Ctrl-C again stops at once)"


def _notice(text: str) -> None:
    """`text` on its own line of standard output, from a signal handler: one `os.write`,
    never the buffered stream that the interrupted code may be in the middle of using."""
    try:
        os.write(sys.__stdout__.fileno(), f"\n{text}\n".encode())
    except (AttributeError, OSError, ValueError):
        pass  # no standard output: nothing to say it on


@contextmanager
def deferred():
    """Inside the block the first Ctrl-C only leaves its mark: the work stops at the next
    `check` (a batch's end, a stage's end), never inside TensorFlow's C++; a second
    Ctrl-C raises `KeyboardInterrupt` at once. Leaving the block checks, so a deferred
    Ctrl-C stops the work there at the latest. Any thread may enter it; only the main
    thread's handler reads it."""
    global _deferring
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
    check()


#: the line of a command stopped before it did anything (`keras_models.cli.main` prints it too)
NOTHING_WRITTEN = "interrupted before any run folder or output file was written"


#: the module a reproduce worker runs as (its parent prints the one line)
WORKER = "keras_models.reports.worker"


def _on_sigint_early(signum, frame):
    print(NOTHING_WRITTEN, file=sys.stderr, flush=True)
    os._exit(130)


def _on_sigint_early_quiet(signum, frame):
    os._exit(130)


def _command_module() -> str | None:
    """The module of ``python -m MODULE`` that started this process, if any."""
    argv = list(getattr(sys, "orig_argv", ()))
    return next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "-m"), None)


def install_early() -> None:
    """While a command (``python -m experiments.<name>``, or a reproduce worker) imports its
    modules, nothing written yet: SIGINT prints the one line (the worker: nothing) and ends
    the process with status 130 at once, wherever the import was. A program that imports
    the package is left alone."""
    module = _command_module() or ""
    if threading.current_thread() is not threading.main_thread():
        return
    if module.startswith("experiments."):
        signal.signal(signal.SIGINT, _on_sigint_early)
    elif module == WORKER:
        signal.signal(signal.SIGINT, _on_sigint_early_quiet)


def install() -> None:
    """Handle SIGINT in this process (main thread only; otherwise nothing), forgetting an
    earlier one: `received` says whether one came since."""
    if threading.current_thread() is not threading.main_thread():
        return
    _received.clear()
    signal.signal(signal.SIGINT, _on_sigint)


def ensure():
    """Put this module's handler in place if something replaced it (keeping the mark);
    returns the handler it replaced (None: nothing changed, or not the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    previous = signal.getsignal(signal.SIGINT)
    if previous is _on_sigint:
        return None
    signal.signal(signal.SIGINT, _on_sigint)
    return previous


def ignore() -> None:
    """Ignore SIGINT from now on (main thread only): for a command whose work is done and
    written, so that a Ctrl-C while Python and TensorFlow shut down neither prints a
    traceback nor turns its exit status into a signal's."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def received() -> bool:
    """Whether SIGINT came since `install` (even if its `KeyboardInterrupt` was swallowed)."""
    return _received.is_set()


def clear() -> None:
    """Forget a SIGINT once it has been acted on (the command stopped, reporting it)."""
    _received.clear()


def check() -> None:
    """Raise `KeyboardInterrupt` if SIGINT came (and something swallowed its exception)."""
    if _received.is_set():
        raise KeyboardInterrupt


def callback():
    """A Keras callback that calls `check` after every batch of fit, evaluate and predict."""
    import keras

    class StopOnInterrupt(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            check()

        def on_test_batch_end(self, batch, logs=None):
            check()

        def on_predict_batch_end(self, batch, logs=None):
            check()

        def on_epoch_end(self, epoch, logs=None):
            check()

    return StopOnInterrupt()


def exit_interrupted(status: int) -> None:
    """End a command stopped by Ctrl-C with `status` (130).

    In the process of a command (``python -m experiments.<name>`` or a reproduce worker)
    this is `os._exit` after flushing: a `KeyboardInterrupt` that passed through C code
    running Python (pybind11's exec, during TensorFlow's import) leaves the interpreter
    marked to end by re-raising SIGINT at exit, which would turn status 130 into "killed
    by SIGINT". Everything the command writes is already closed (files are written
    atomically). Anywhere else (a program or a test calling `cli.main`): `sys.exit`."""
    module = _command_module() or ""
    if threading.current_thread() is threading.main_thread() and \
            (module.startswith("experiments.") or module == WORKER):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)
