"""Choosing a reader by what the source is: a config, a ``.keras`` archive (config and weights), a
legacy ``.h5`` file, and an optional separate weights file."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from ..errors import ParamcountError
from .config import load_model_config
from .stored import StoredWeights, is_hdf5, read_archive_weights, read_h5_file

__all__ = ["load"]


def load(source, weights=None) -> tuple[dict, StoredWeights | None, str | None]:
    """The model config, the stored weights (or None) and why they could not be read (or None),
    from anything paramcount reads: a config dict, JSON text, a ``.json``/``.keras`` path, a
    legacy ``.h5`` file, a KerasHub preset directory; ``weights``, a ``.weights.h5`` file,
    replaces the stored weights.

    A legacy full-model ``.h5`` gives both from one file; a weights-only ``.h5`` needs its config
    given separately (``weights=``)."""
    if isinstance(source, dict) and weights is None:
        return load_model_config(source), None, None
    path = _path(source)
    stored, unread = None, None
    if path is not None and path.is_dir() and (path / "config.json").is_file():
        config, stored, unread = _preset_directory(path)
    elif path is not None and path.is_file() and _is_hdf5(path):
        stored = read_h5_file(path)
        if stored.model_config is None:
            raise ParamcountError(
                f"{path}: holds weights only, no model config; count the model's JSON config "
                "(model.to_json()) and pass this file with --weights")
        config = load_model_config(stored.model_config)
        if stored.keras_version and "keras_version" not in config:
            config["keras_version"] = stored.keras_version
    else:
        config = load_model_config(source)
        if path is not None and path.is_file() and zipfile.is_zipfile(path):
            try:
                found = read_archive_weights(path)
            except ParamcountError as e:
                found = str(e)
            stored, unread = (None, found) if isinstance(found, str) else (found, None)
    if weights is not None:
        weights = Path(weights)
        if not weights.is_file() or not _is_hdf5(weights):
            raise ParamcountError(f"{weights}: not an HDF5 weights file (.weights.h5 or .h5)")
        stored, unread = read_h5_file(weights), None
    return config, stored, unread


def _preset_directory(path: Path) -> tuple[dict, StoredWeights | None, str | None]:
    """A KerasHub preset directory: the backbone's ``config.json`` and, if it was saved with
    them, its weights in ``model.weights.h5`` (the second witness)."""
    config = load_model_config(path / "config.json")
    weights = path / "model.weights.h5"
    if weights.is_file() and _is_hdf5(weights):
        return config, read_h5_file(weights), None
    if any(path.glob("model_*.weights.h5")):
        return config, None, f"{path}: its weights are sharded (model_*.weights.h5), not read"
    return config, None, None


def _path(source) -> Path | None:
    if isinstance(source, os.PathLike):
        return Path(source)
    if isinstance(source, str) and "\n" not in source and len(source) < 4096 \
            and not source.lstrip().startswith(("{", "[")):
        return Path(source)
    return None


def _is_hdf5(path: Path) -> bool:
    try:
        return is_hdf5(path)
    except OSError:
        return False


