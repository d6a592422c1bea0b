"""The weights a file stores, as a second witness: each top-level layer's variable shapes.

Three layouts, all read as metadata only (see :mod:`paramcount.read.hdf5`):

- a ``.keras`` archive's ``model.weights.h5`` (and ``model.save_weights("x.weights.h5")``):
  ``layers/<key>/.../vars/<i>``, where ``layers/<key>/vars`` names the layer in its ``name``
  attribute;
- a legacy full-model ``.h5`` (tf-keras, or Keras 3's ``model.save("x.h5")``): the JSON config in
  the root's ``model_config`` attribute, the weights in ``model_weights/<layer name>/...``;
- a legacy weights-only ``.h5`` from tf-keras: the same groups at the root.

Variable names are not all kept (Keras 3 numbers them), so a layer's stored weights are compared
with its formula as a multiset of shapes. Which variables are trainable is never stored.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from ..errors import ParamcountError
from ..records import field, record
from .config import MAX_CONFIG_BYTES, parse_json
from .hdf5 import SIGNATURE, Group, HDF5File, HDF5Unsupported

__all__ = ["StoredWeights", "StoredLayer", "read_h5_file", "read_archive_weights", "is_hdf5"]

# A deflated weights file must be unpacked to be read; beyond this, paramcount does not try.
MAX_DEFLATED_BYTES = 64 * 1024 * 1024


@record
class StoredLayer:
    name: str
    key: str = ""  # its group's name: Keras 3 names it after the class ("dense", "lstm_1")
    outside: bool = False  # Keras 3: at the file's root, not under "layers" (subclassed models)
    paths: list[str] = field(default_factory=list)  # below the layer's group
    shapes: list[tuple[int, ...]] = field(default_factory=list)


@record
class StoredWeights:
    """What a weights file holds, top-level layer by layer (``None``: the file cannot say)."""

    file: str
    layers: dict[str, StoredLayer]
    model_config: dict | None = None  # a legacy full-model .h5 carries its config
    keras_version: str | None = None


def is_hdf5(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(8) == SIGNATURE


def read_h5_file(path: Path) -> StoredWeights:
    """A ``.h5`` file on disk: legacy full model, legacy weights, or Keras 3 ``.weights.h5``."""
    with open(path, "rb") as f:
        size = f.seek(0, 2)

        def read(offset, n):
            f.seek(offset)
            return f.read(n)

        return _read(lambda: HDF5File(read, size), str(path))


def read_archive_weights(path: Path) -> StoredWeights | str:
    """The ``model.weights.h5`` inside a ``.keras`` archive, or why it cannot be read."""
    with zipfile.ZipFile(path) as archive:
        try:
            info = archive.getinfo("model.weights.h5")
        except KeyError:
            return "the archive holds no model.weights.h5"
        where = f"{path}: model.weights.h5"
        if info.compress_type == zipfile.ZIP_STORED:
            with open(path, "rb") as f:
                f.seek(info.header_offset)
                local = f.read(30)
                if local[:4] != b"PK\x03\x04":
                    return "the archive's zip headers are inconsistent"
                start = info.header_offset + 30 + int.from_bytes(local[26:28], "little") \
                    + int.from_bytes(local[28:30], "little")

                def read(offset, n):
                    f.seek(start + offset)
                    return f.read(n)

                return _read(lambda: HDF5File(read, info.file_size), where)
        if info.file_size > MAX_DEFLATED_BYTES:
            return (f"model.weights.h5 is compressed in the archive ({info.file_size:,} bytes "
                    "unpacked); paramcount reads it only when stored as Keras stores it")
        data = archive.read(info)
    return _read(lambda: HDF5File(lambda offset, n: data[offset:offset + n], len(data)), where)


def _read(open_file, where: str) -> StoredWeights:
    try:
        root = open_file().root
        attrs = root.attrs
        config = attrs.get("model_config")
        version = attrs.get("keras_version")
        if config is None and isinstance(root.get("vars"), Group):  # Keras 3 layout
            layers_group = root.get("layers")
            layers = _keras3_layers(layers_group) if isinstance(layers_group, Group) else {}
            # A subclassed Model keeps (some of) its layers under their attribute names.
            for name, layer in _keras3_layers(root).items():
                layer.outside = True
                layers.setdefault(name, layer)
        else:
            weights = root.get("model_weights") if config is not None else root
            if not isinstance(weights, Group):
                raise HDF5Unsupported("no model_weights group")
            layers = _legacy_layers(weights)
    except HDF5Unsupported as e:
        raise ParamcountError(f"{where}: cannot read the HDF5 file ({e})") from None
    except (struct.error, IndexError, ValueError, RecursionError, OverflowError, MemoryError):
        raise ParamcountError(f"{where}: corrupt HDF5 file") from None
    model_config = None
    if isinstance(config, str):
        if len(config) > MAX_CONFIG_BYTES:
            raise ParamcountError(f"{where}: its model_config is larger than "
                                  f"{MAX_CONFIG_BYTES:,} bytes; refusing")
        model_config = parse_json(config, f"{where}: model_config")
    return StoredWeights(where, layers, model_config,
                         version if isinstance(version, str) else None)


_NOT_LAYERS = ("vars", "optimizer", "layers")  # at the root of a Keras 3 weights file


def _keras3_layers(group: Group) -> dict[str, StoredLayer]:
    layers = {}
    for key, member in group.members():
        if not isinstance(member, Group) or (group.name == "" and key in _NOT_LAYERS):
            continue
        own = member.get("vars")
        name = own.attrs.get("name") if isinstance(own, Group) else None
        layer = StoredLayer(name if isinstance(name, str) else key, key)
        _collect(member, member.name, layer)
        layers[layer.name] = layer
    return layers


def _legacy_layers(group: Group) -> dict[str, StoredLayer]:
    layers = {}
    for name, member in group.members():
        if isinstance(member, Group) and name != "top_level_model_weights":
            layer = StoredLayer(name, name)
            _collect(member, member.name, layer)
            layers[name] = layer
    return layers


def _collect(group: Group, base: str, layer: StoredLayer) -> None:
    for dataset in group.datasets():
        layer.paths.append(dataset.name[len(base) + 1:])
        layer.shapes.append(dataset.shape)

