"""The one exception paramcount raises for bad input."""


class ParamcountError(ValueError):
    """A problem with the model or layer being counted, described in one line.

    paramcount never guesses: when a config is malformed, a layer unknown or a size invalid it
    raises this error naming the problem (and the layer, with its position) instead of a number.
    ``field`` names the input the problem is in when that is known ("input_shape" for a shape
    that cannot be read or that the layer cannot take), so a form can point at it.
    """

    def __init__(self, message: str = "", *, field: str | None = None):
        super().__init__(message)
        self.field = field
