"""The project's own exceptions. The CLI turns each into one line on stderr and an exit code.

Messages follow one style: lowercase, no trailing period, user values in backticks, and the
place (file, line, column, key or byte offset) first when there is one.
"""


class GptprivError(Exception):
    """Base class: anything the user can fix. Exit code 2 unless a subclass says otherwise."""

    exit_code = 2


class InvalidValue(GptprivError):
    """A name, date, domain, URL or other value given on the command line is not acceptable."""


class NotFound(GptprivError):
    """An account, GPT, device or other record does not exist."""


class AlreadyExists(GptprivError):
    """Creating something whose name is taken."""


class ProfileError(GptprivError):
    """A profile file cannot be read, parsed or understood."""


class StoreLocked(GptprivError):
    """Another gptpriv process held the store's lock for too long."""


def show(value: object) -> str:
    """Quote a user value for an error message: backticks, unsafe characters escaped
    (`gptpriv.text`: controls, ESC, DEL, bidi controls)."""
    from gptpriv.text import visible

    text = visible(str(value))
    if len(text) > 80:
        text = text[:77] + "..."
    return f"`{text}`"
