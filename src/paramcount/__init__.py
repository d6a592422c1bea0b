"""Count and explain the parameters of a Keras model from its config, without TensorFlow.

>>> import paramcount
>>> lstm = paramcount.explain_layer("LSTM(10)", input_shape="(None, 1)")
>>> print(lstm.params, lstm.formula)
#> 480 4·u·(m + u + 1)
"""

from __future__ import annotations

import json
import os

from .counting import count_model
from .errors import ParamcountError
from .formulas.apply import count_layer
from .formulas.registry import registration
from .result import LayerCount, ModelCount, Weight
from .safety import ArgumentTypeError, contract

TYPE_CHECKING = False  # as typing's: the command line does not import typing (several ms)
if TYPE_CHECKING:
    from .reconciling import Reconciliation

__all__ = ["count", "explain_layer", "reconcile", "ModelCount", "LayerCount", "Weight", "ParamcountError",
           "__version__"]

__version__ = "0.1.0"


@contract
def count(source: dict | str | os.PathLike | object,
          input_shape: tuple | str | None = None,
          weights: str | os.PathLike | None = None) -> ModelCount:
    """Count a Keras model, layer by layer, exactly as ``model.summary()`` does.

    Args:
        source: a model config as a dict (what ``json.loads(model.to_json())`` gives), a JSON
            string, a path to a ``.json`` file, a ``.keras`` archive or a legacy full-model
            ``.h5`` file, or a live Keras model (only then is Keras used, to call ``to_json()``).
        input_shape: the input shape without the batch axis, for a model that declares none.
        weights: a weights file (``model.save_weights(...)``, ``.weights.h5`` or ``.h5``) for a
            JSON config. Files that hold weights (this one, a ``.keras`` archive, a ``.h5``) are
            a second witness: their stored shapes count layers no formula covers
            (``source == "stored weights"``) and check every other layer; the result's
            ``witness`` lists any disagreement. Only shapes are read, never values.

    Returns:
        The totals (``.total``, ``.trainable``, ``.non_trainable``) and ``.layers``. A live model
        is counted from its config, as Keras counts it after saving and loading: the one known
        difference is a Keras 3 ``MultiHeadAttention`` frozen after it was built, which a reload
        unfreezes (see the question page on freezing it).

    Raises:
        ParamcountError: the source is not a model config paramcount can count.
    """
    if hasattr(source, "to_json") and hasattr(source, "count_params"):
        source = json.loads(source.to_json())
    shape = _batch_shape(input_shape) if input_shape is not None else None
    return count_model(source, shape, weights=weights)


@contract
def explain_layer(code: str, input_shape: tuple | str | None = None) -> LayerCount:
    """Count one layer written as Keras code, on an input of the given shape.

    Args:
        code: the layer as you would write it, e.g. ``"Bidirectional(LSTM(128))"``; it is
            parsed, never run.
        input_shape: the shape of one sample (no batch axis), as a tuple or as text such as
            ``"(28, 28)"``; for a layer with several inputs, a list of shapes such as
            ``"[(10, 64), (20, 64)]"`` (an attention layer's query and value). May be omitted
            when the code sets ``input_shape=`` itself.

    Returns:
        The layer's count, weights and derivation.

    Raises:
        ParamcountError: the code or the shape cannot be read, or the layer cannot take the input.
        TypeError: ``code`` is not a string.
    """
    if not isinstance(code, str):
        raise ArgumentTypeError(f"code must be a str, got {type(code).__name__}")
    from .read.layercode import parse_layer  # it imports ast: not on `paramcount count`'s path

    return count_layer_entry(parse_layer(code), input_shape)


@contract
def count_layer_entry(entry: dict, input_shape: tuple | str | None = None) -> LayerCount:
    """:func:`explain_layer` on layer code already parsed by :func:`paramcount.read.layercode.parse_layer`."""
    config = dict(entry["config"])
    written = config.pop("input_shape", None)
    if written is not None and not isinstance(written, list):
        raise ParamcountError(f"input_shape must be a tuple such as (28, 28), got {written!r}")
    if input_shape is None and written is not None:
        input_shape = tuple(written)
    if input_shape is None:  # Keras 2's input_dim (and input_length), as the layer class reads it
        input_shape = registration(entry["class_name"]).keras2_input_shape(config)
    if input_shape is None:
        raise ParamcountError("give the input shape, e.g. (28, 28): the weights depend on it",
                              field="input_shape")
    where = f"layer '{config['name']}' ({entry['class_name']})"
    return count_layer(entry["class_name"], config, _batch_shapes(input_shape), where=where)


@contract
def reconcile(text: str) -> Reconciliation:
    """Explain every row of a pasted ``model.summary()`` table, solving what it does not show.

    Args:
        text: the table as Keras 3 or Keras 2 / tf-keras prints it (indented, inside a Markdown
            fence, or without its header line are all fine).

    Returns:
        The printed totals and, for each row, ``explained``, the inferred ``input_shape``, the
        ``derivation`` with the solved values and a ``note`` when several settings fit or none
        does; ``.to_dict()`` gives the JSON of ``paramcount reconcile --json``.

    Raises:
        ParamcountError: the text is not a ``model.summary()`` table.
    """
    from .reconciling import reconcile as reconcile_table  # only `reconcile` needs the reconciler

    return reconcile_table(text)


def _batch_shapes(shape) -> list[tuple]:
    if not isinstance(shape, (str, tuple, list, int)):
        raise ArgumentTypeError(f"input_shape must be a tuple or a str, got {type(shape).__name__}")
    from .read.layercode import parse_shapes  # it imports ast: not on `paramcount count`'s path

    return parse_shapes(shape if isinstance(shape, str) else repr(shape))


def _batch_shape(shape) -> tuple:
    from .read.layercode import parse_shape  # it imports ast: not on `paramcount count`'s path

    if isinstance(shape, str):
        return parse_shape(shape)
    if isinstance(shape, int):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise ArgumentTypeError(f"input_shape must be a tuple or a str, got {type(shape).__name__}")
    return parse_shape(repr(tuple(shape)))
