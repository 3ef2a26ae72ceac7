"""The one exception type for problems with the user's input."""


class UserError(Exception):
    """Bad input from the user: a missing or malformed file, a bad flag value, ...

    The message names the problem and the fix in one line. Command-line tools turn
    it into that line on stderr and exit status 2 (see `keras_models.cli.main`).
    A problem worded differently for a command (its flags) than for a Python caller
    (its arguments) gives the command's wording as `command`.
    """

    def __init__(self, message: str = "", *, command: str | None = None):
        super().__init__(message)
        self.command = command

    def for_command(self) -> str:
        """The line a command prints: `command` where given, else the message."""
        return self.command or str(self)
