"""The one exception paramcount raises for bad input, and text made safe to show."""

from __future__ import annotations

import re

__all__ = ["ParamcountError", "UnknownLayerError", "printable"]

MAX_MESSAGE_CHARS = 1000  # an error quotes the input it refuses; a long input, only its start

# Control characters (C0, DEL, C1), lone surrogates, and the invisible characters that reorder or
# hide text (bidirectional overrides, zero-width, line and paragraph separators). A pattern, not a
# compiled one: most text is printable and never needs it, and compiling costs 1 ms of start-up.
_UNSAFE = ("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff"
           "\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    r"""``text`` with every control or invisible character written as an escape (``\n``,
    ``\x1b``, ``\u202e``), so a name read from a file can neither forge a line nor drive the
    terminal.

    >>> print(printable("dense\x1b[31m\nparamcount: error: forged"))
    #> dense\x1b[31m\nparamcount: error: forged
    """
    if text.isprintable():  # nothing to escape: isprintable() refuses every character of _UNSAFE
        return text
    return re.sub(_UNSAFE, _escape, text)  # re caches the compiled pattern


def _escape(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


class ParamcountError(ValueError):
    """A problem with the model or layer being counted, described in one line.

    paramcount never guesses: when a config is malformed, a layer unknown or a size invalid it
    raises this error naming the problem (and the layer, with its position) instead of a number.
    ``field`` names the input the problem is in when that is known ("input_shape" for a shape
    that cannot be read or that the layer cannot take), so a form can point at it. The message
    is always one printable line: names quoted from a file are escaped, and a long quote is cut
    short.
    """

    def __init__(self, message: str = "", *, field: str | None = None):
        text = printable(str(message))
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[:MAX_MESSAGE_CHARS - 1] + "…"
        super().__init__(text)
        self.field = field


class UnknownLayerError(ParamcountError):
    """Layer code names a class paramcount has no formula for (a typo, or a layer of your own):
    the calculator then points to the supported layers and to counting a saved file."""

    def __init__(self, message: str, class_name: str):
        super().__init__(message, field="layer")
        self.class_name = class_name
