"""The one exception type for problems with the user's input."""


class UserError(Exception):
    """Bad input from the user: a missing or malformed file, a bad flag value, ...

    The message names the problem and the fix in one line. Command-line tools turn
    it into that line on stderr and exit status 2 (see `keras_models.cli.main`).
    """
