"""Reading models as data, never running them: JSON configs and ``.keras`` archives
(:mod:`.config`), the weights' shapes in HDF5 files (:mod:`.hdf5`, :mod:`.stored`), layer code
such as ``LSTM(2)`` (:mod:`.layercode`), and :func:`load`, which picks by the source's type."""

from .config import MAX_CONFIG_BYTES, keras_major, load_model_config
from .source import load

__all__ = ["load", "load_model_config", "keras_major", "MAX_CONFIG_BYTES"]
