"""Reading a model's config as data: dicts, JSON text or files, and ``.keras`` archives.

Nothing here imports Keras or runs anything a file contains: a ``.keras`` archive is a zip whose
``config.json`` is read as JSON; its weights are read elsewhere (:mod:`paramcount.read.stored`), as
shapes only, and any pickled or Python content is never touched.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
import zlib
from pathlib import Path

from ..errors import ParamcountError
from ..safety import MAX_JSON_CONTAINERS, contract

__all__ = ["load_model_config", "keras_major", "MAX_CONFIG_BYTES"]

# The largest config read, from a file, stdin or an archive: real ones stay under a few MB, and
# any JSON up to this size (even 8 MiB of nested empty lists) parses within the time and memory
# budget (docs/explain.md).
MAX_CONFIG_BYTES = 8 * 1024 * 1024
_MAX_RATIO = 200  # zip bombs compress far better than JSON does


@contract
def load_model_config(source) -> dict:
    """Return a model config (the dict ``json.loads(model.to_json())`` gives) from ``source``.

    ``source`` may be that dict, a JSON string, a path to a ``.json`` file or a ``.keras`` archive.
    """
    if isinstance(source, dict):
        return _check_model(source, "the config")
    if isinstance(source, os.PathLike):
        return _load_path(Path(source))
    if isinstance(source, bytes):
        source = source.decode("utf-8", errors="replace")
    if isinstance(source, str):
        if len(source) > MAX_CONFIG_BYTES:
            raise ParamcountError(f"the JSON text is {len(source):,} characters; paramcount reads "
                                  f"configs of at most {MAX_CONFIG_BYTES:,} bytes")
        text = source.strip()
        if not text:
            raise ParamcountError("empty input: expected a Keras model config (JSON) or a path")
        if text.startswith(("{", "[")) or "\n" in text or len(text) > 4096:
            return _check_model(parse_json(text, "the JSON text"), "the JSON text")
        return _load_path(Path(source))
    raise ParamcountError(f"cannot read a model from a {type(source).__name__}")


def _load_path(path: Path) -> dict:
    try:
        return _read_path(path)
    except OSError as e:  # unreadable, a FIFO, a name too long...
        raise ParamcountError(f"{path}: cannot read ({e.strerror or e})") from None


def _read_path(path: Path) -> dict:
    if not path.exists():
        raise ParamcountError(f"{path}: no such file")
    if path.is_dir():
        if (path / "saved_model.pb").is_file():
            raise ParamcountError(
                f"{path}: is a TensorFlow SavedModel, which holds a graph, not a Keras config; "
                "convert it where it was made: tf_keras.models.load_model(dir).save('model.h5') "
                "for one saved by tf.keras / tf-keras (Keras 3 export() keeps no Keras model: "
                "save the original model as .keras)")
        raise ParamcountError(f"{path}: is a directory, not a model file")
    if not path.is_file():
        raise ParamcountError(f"{path}: not a regular file")
    if zipfile.is_zipfile(path):
        return _check_model(_read_archive(path), str(path))
    size = path.stat().st_size
    if size == 0:
        raise ParamcountError(f"{path}: file is empty")
    if size > MAX_CONFIG_BYTES:
        raise ParamcountError(f"{path}: {size:,} bytes is too large for a model config")
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"\x89HDF"):  # paramcount.count reads these through witness.load_source
        raise ParamcountError(f"{path}: is an HDF5 (.h5) file; read it with paramcount.count()")
    if path.suffix == ".keras":
        raise ParamcountError(f"{path}: not a valid .keras archive (not a zip file)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ParamcountError(f"{path}: not a text file; expected JSON or a .keras archive") from None
    return _check_model(parse_json(text, str(path)), str(path))


def _read_archive(path: Path) -> dict:
    try:
        with zipfile.ZipFile(path) as archive:
            data = _member(archive, "config.json", path, required=True)
            metadata = _member(archive, "metadata.json", path, required=False)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
            zlib.error) as e:
        raise ParamcountError(f"{path}: broken zip archive ({e})") from None
    except RuntimeError as e:  # an encrypted archive
        raise ParamcountError(f"{path}: cannot read the archive ({e})") from None
    config = parse_json(data.decode("utf-8", errors="replace"), f"{path}: config.json")
    # The Keras version that wrote the archive is in metadata.json, not in config.json.
    try:
        version = json.loads(metadata or b"{}").get("keras_version")
    except (ValueError, AttributeError, RecursionError):
        version = None
    if isinstance(config, dict) and isinstance(version, str) and "keras_version" not in config:
        config["keras_version"] = version
    return config


def _member(archive: zipfile.ZipFile, name: str, path: Path, *, required: bool) -> bytes | None:
    """One file of the archive, refused if it would unpack to an implausible size (zip bombs)."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        if required:
            raise ParamcountError(f"{path}: archive has no {name}; is it a .keras model?") from None
        return None
    if info.file_size > MAX_CONFIG_BYTES or (
            info.file_size > 1024 * 1024
            and info.file_size > _MAX_RATIO * max(info.compress_size, 1)):
        raise ParamcountError(f"{path}: {name} would unpack to {info.file_size:,} bytes; "
                              "refusing (not a plausible model config)")
    with archive.open(info) as f:
        data = f.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise ParamcountError(f"{path}: {name} is larger than its archive declares; refusing")
    return data


def parse_json(text: str, where: str):
    containers = text.count("[") + text.count("{")  # a cheap scan before Python builds them
    if containers > MAX_JSON_CONTAINERS:
        raise ParamcountError(f"{where}: holds {containers:,} lists and objects; paramcount reads "
                              f"configs of at most {MAX_JSON_CONTAINERS:,}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ParamcountError(f"{where}: not valid JSON ({e.msg} at line {e.lineno}, column "
                              f"{e.colno}); expected a model config as model.to_json() writes "
                              "it, or a .keras archive") from None
    except RecursionError:
        raise ParamcountError(f"{where}: JSON nested too deeply") from None
    except ValueError:  # an integer longer than Python converts
        raise ParamcountError(f"{where}: holds a number of more than 4,300 digits; not a model "
                              "config") from None


def _check_model(data, where: str) -> dict:
    if not isinstance(data, dict) or not isinstance(data.get("config"), dict) \
            or not isinstance(data.get("class_name"), str):
        raise ParamcountError(f"{where}: not a Keras model config (expected an object with "
                              "'class_name' and 'config', as model.to_json() writes)")
    return data


def keras_major(model: dict) -> int:
    """2 for configs written by tf.keras / tf-keras, 3 for Keras 3 ones."""
    version = model.get("keras_version")
    major = re.match(r"\d+", version) if isinstance(version, str) else None
    if major:  # "3.15.0", "2.21.0-tf", even "3x": its first number
        number = int(major.group()[:6])
        return number if number >= 3 else 2
    layers = model.get("config", {}).get("layers")
    if isinstance(layers, list):
        for entry in layers:
            if not isinstance(entry, dict):
                continue
            nodes = entry.get("inbound_nodes")
            if isinstance(nodes, list) and nodes and isinstance(nodes[0], list):
                return 2
            config = entry.get("config")
            if isinstance(config, dict) and "batch_input_shape" in config:
                return 2
    return 3


