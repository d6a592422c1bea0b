"""The one exception paramcount raises for bad input."""


class ParamcountError(ValueError):
    """A problem with the model or layer being counted, described in one line.

    paramcount never guesses: when a config is malformed, a layer unknown or a size invalid it
    raises this error naming the problem (and the layer, with its position) instead of a number.
    """
