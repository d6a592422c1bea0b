"""The little of HDF5 that counting needs: the tree of groups, each dataset's shape, and string
attributes. Never a dataset's data.

Why not h5py or pyfive: both import NumPy, which costs more start-up time and memory than the
whole rest of a count (see ``make bench``), and neither is needed to read a few kilobytes of
metadata. The files Keras writes (through h5py's defaults) use a small, stable part of the format
(superblock 0 or 2/3, object headers 1 and 2, symbol-table or compact groups); anything else is
refused with :class:`HDF5Unsupported`, never misread. The tests compare this reader with h5py on
every file they write.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from ..errors import ParamcountError
from ..records import record

__all__ = ["HDF5File", "HDF5Unsupported", "Dataset", "Group", "SIGNATURE"]

SIGNATURE = b"\x89HDF\r\n\x1a\n"
_UNDEFINED = 0xFFFFFFFFFFFFFFFF
_MAX_DEPTH = 64
# Objects (groups and datasets) read from one file: a large real model has a few thousand; the
# cap keeps a crafted file's cost bounded.
MAX_OBJECTS = 200_000


class HDF5Unsupported(ParamcountError):
    """The file uses a part of HDF5 this reader does not implement (or is not HDF5 at all)."""


@record(frozen=True)
class Dataset:
    name: str
    shape: tuple[int, ...]


class _Reader:
    """Random access to the file's bytes: ``read(offset, size)``."""

    def __init__(self, read, size: int):
        self._read = read
        self.size = size

    def read(self, offset: int, size: int) -> bytes:
        if offset < 0 or size < 0 or offset + size > self.size:
            raise HDF5Unsupported("truncated or corrupt HDF5 file (an address points outside it)")
        data = self._read(offset, size)
        if len(data) != size:
            raise HDF5Unsupported("truncated HDF5 file")
        return data


class HDF5File:
    """An HDF5 file opened for its metadata. ``read(offset, size)`` returns bytes of the file."""

    def __init__(self, read, size: int):
        self.io = _Reader(read, size)
        self.objects = 0
        head = self.io.read(0, 8) if size >= 8 else b""
        if head != SIGNATURE:
            raise HDF5Unsupported("not an HDF5 file (no HDF5 signature at its start)")
        version = self.io.read(8, 1)[0]
        if version in (0, 1):
            fixed = self.io.read(8, 24)
            self.offsets, self.lengths = fixed[5], fixed[6]
            self._check_sizes()
            at = 24 + (4 if version == 1 else 0)
            o = self.offsets
            # base, free space, end of file, driver info: then the root's symbol table entry
            at += 4 * o
            self.root_address = self._uint(self.io.read(at + o, o))
        elif version in (2, 3):
            fixed = self.io.read(8, 4)
            self.offsets, self.lengths = fixed[1], fixed[2]
            self._check_sizes()
            self.root_address = self._uint(self.io.read(12 + 3 * self.offsets, self.offsets))
        else:
            raise HDF5Unsupported(f"HDF5 superblock version {version} is not supported")

    def _check_sizes(self):
        if self.offsets not in (2, 4, 8) or self.lengths not in (2, 4, 8):
            raise HDF5Unsupported("corrupt HDF5 superblock (sizes of offsets and lengths)")

    @staticmethod
    def _uint(data: bytes) -> int:
        return int.from_bytes(data, "little")

    @property
    def root(self) -> Group:
        return Group(self, "", _ObjectHeader(self, self.root_address), 0)


class Group:
    """A group: its members (groups and datasets) and its string attributes."""

    def __init__(self, file: HDF5File, name: str, header: _ObjectHeader, depth: int):
        if depth > _MAX_DEPTH:
            raise HDF5Unsupported("HDF5 groups nested too deeply")
        self.file, self.name, self.depth, self._header = file, name, depth, header
        self._members: list[tuple[str, Group | Dataset]] | None = None

    @property
    def attrs(self) -> dict[str, object]:
        """String attributes (str, or a list of str); attributes of other types are left out."""
        return self._header.attributes()

    def members(self) -> list[tuple[str, Group | Dataset]]:
        """(name, member) in the order HDF5 lists them, read once: a layer's group is asked
        for its ``vars`` and then walked."""
        if self._members is None:
            self._members = [(name, self._member(name, address))
                             for name, address in self._header.links()]
        return self._members

    def _member(self, name: str, address: int) -> Group | Dataset:
        header = _ObjectHeader(self.file, address)
        path = f"{self.name}/{name}"
        if header.shape is not None:
            return Dataset(path, header.shape)
        return Group(self.file, path, header, self.depth + 1)

    def get(self, name: str) -> Group | Dataset | None:
        return next((m for n, m in self.members() if n == name), None)

    def datasets(self) -> Iterator[Dataset]:
        """Every dataset below this group, depth first, in the order HDF5 lists them."""
        for _, member in self.members():
            if isinstance(member, Dataset):
                yield member
            else:
                yield from member.datasets()


# --- object headers ------------------------------------------------------------------------

_DATASPACE, _LINK_INFO, _DATATYPE, _LINK, _LAYOUT = 0x01, 0x02, 0x03, 0x06, 0x08
_ATTRIBUTE, _CONTINUATION, _SYMBOL_TABLE, _ATTRIBUTE_INFO = 0x0C, 0x10, 0x11, 0x15


class _ObjectHeader:
    """The messages of one object header, version 1 or 2, continuation blocks included."""

    def __init__(self, file: HDF5File, address: int):
        file.objects += 1
        if file.objects > MAX_OBJECTS:
            raise HDF5Unsupported(f"more than {MAX_OBJECTS:,} objects; not a Keras weights file")
        self.file = file
        self.messages: list[tuple[int, bytes]] = []
        io = file.io
        if io.read(address, 4) == b"OHDR":
            self._read_v2(address)
        else:
            head = io.read(address, 16)
            if head[0] != 1:
                raise HDF5Unsupported(f"HDF5 object header version {head[0]} is not supported")
            count, size = struct.unpack_from("<H4xI", head, 2)
            self._read_v1_block(address + 16, size, count)
        self.shape = self._shape() if any(t == _LAYOUT for t, _ in self.messages) else None

    def _read_v1_block(self, at: int, size: int, budget: int):
        data = self.file.io.read(at, size)
        pos = 0
        while pos + 8 <= len(data) and len(self.messages) < budget + 1024:
            kind, length, flags = struct.unpack_from("<HHB", data, pos)
            body = data[pos + 8: pos + 8 + length]
            self._message(kind, flags, body, version=1)
            pos += 8 + length

    def _read_v2(self, address: int):
        io = self.file.io
        head = io.read(address, 6)
        if head[4] != 2:
            raise HDF5Unsupported(f"HDF5 object header version {head[4]} is not supported")
        flags = head[5]
        at = address + 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
        width = 1 << (flags & 0x03)
        size = int.from_bytes(io.read(at, width), "little")
        self._read_v2_block(at + width, size, flags)

    def _read_v2_block(self, at: int, size: int, header_flags: int):
        data = self.file.io.read(at, size)
        pos, extra = 0, (2 if header_flags & 0x04 else 0)
        while pos + 4 + extra <= len(data):
            kind, length, flags = struct.unpack_from("<BHB", data, pos)
            pos += 4 + extra
            self._message(kind, flags, data[pos:pos + length], version=2,
                          header_flags=header_flags)
            pos += length

    def _message(self, kind, flags, body, *, version, header_flags=0):
        if flags & 0x02 and kind in (_DATASPACE, _DATATYPE, _ATTRIBUTE):
            raise HDF5Unsupported("shared HDF5 header messages are not supported")
        if kind == _CONTINUATION:
            o, n = self.file.offsets, self.file.lengths
            address = int.from_bytes(body[:o], "little")
            length = int.from_bytes(body[o:o + n], "little")
            if version == 1:
                self._read_v1_block(address, length, 1 << 16)
            else:
                if self.file.io.read(address, 4) != b"OCHK":
                    raise HDF5Unsupported("corrupt HDF5 object header continuation")
                self._read_v2_block(address + 4, length - 8, header_flags)
            return
        self.messages.append((kind, body))

    # -- datasets --------------------------------------------------------------------------
    def _shape(self) -> tuple[int, ...]:
        body = next((b for t, b in self.messages if t == _DATASPACE), None)
        if body is None:
            raise HDF5Unsupported("an HDF5 dataset without a dataspace")
        return _dataspace(body, self.file.lengths)

    # -- groups ----------------------------------------------------------------------------
    def links(self) -> Iterator[tuple[str, int]]:
        """(name, object header address) of each hard link of a group."""
        for kind, body in self.messages:
            if kind == _SYMBOL_TABLE:
                o = self.file.offsets
                btree = int.from_bytes(body[:o], "little")
                heap = int.from_bytes(body[o:2 * o], "little")
                yield from _symbol_table(self.file, btree, _local_heap(self.file, heap))
            elif kind == _LINK:
                link = _link(body, self.file.offsets)
                if link is not None:
                    yield link
            elif kind == _LINK_INFO:
                o = self.file.offsets
                flags = body[1]
                heap = int.from_bytes(body[2 + (8 if flags & 1 else 0):][:o], "little")
                if heap != _UNDEFINED and heap != (1 << (8 * o)) - 1:
                    raise HDF5Unsupported("HDF5 groups with dense link storage are not supported")

    # -- attributes ------------------------------------------------------------------------
    def attributes(self) -> dict[str, object]:
        found = {}
        for kind, body in self.messages:
            if kind == _ATTRIBUTE_INFO:
                o = self.file.offsets
                flags = body[1]
                heap = int.from_bytes(body[2 + (2 if flags & 1 else 0):][:o], "little")
                if heap != (1 << (8 * o)) - 1:
                    raise HDF5Unsupported("HDF5 dense attribute storage is not supported")
            if kind == _ATTRIBUTE:
                name, value = _attribute(self.file, body)
                if value is not None:
                    found[name] = value
        return found


def _dataspace(body: bytes, lengths: int) -> tuple[int, ...]:
    version, rank = body[0], body[1]
    if version == 1:
        at = 8
    elif version == 2:
        at = 4
        if body[3] == 2:  # a null dataspace: no elements
            return (0,)
    else:
        raise HDF5Unsupported(f"HDF5 dataspace version {version} is not supported")
    return tuple(int.from_bytes(body[at + i * lengths: at + (i + 1) * lengths], "little")
                 for i in range(rank))


def _local_heap(file: HDF5File, address: int) -> bytes:
    head = file.io.read(address, 8 + 2 * file.lengths + file.offsets)
    if head[:4] != b"HEAP":
        raise HDF5Unsupported("corrupt HDF5 local heap")
    n, o = file.lengths, file.offsets
    size = int.from_bytes(head[8:8 + n], "little")
    data = int.from_bytes(head[8 + 2 * n:8 + 2 * n + o], "little")
    return file.io.read(data, size)


def _heap_string(heap: bytes, offset: int) -> str:
    end = heap.find(b"\x00", offset)
    return heap[offset:end if end >= 0 else len(heap)].decode("utf-8", errors="replace")


def _symbol_table(file: HDF5File, address: int, heap: bytes, depth: int = 0):
    """Walk a version 1 B-tree of group nodes down to its symbol table nodes."""
    if depth > _MAX_DEPTH:
        raise HDF5Unsupported("corrupt HDF5 group B-tree (too deep)")
    o, n = file.offsets, file.lengths
    head = file.io.read(address, 8 + 2 * o)
    if head[:4] != b"TREE" or head[4] != 0:
        raise HDF5Unsupported("corrupt HDF5 group B-tree")
    level, used = head[5], struct.unpack_from("<H", head, 6)[0]
    body = file.io.read(address + 8 + 2 * o, used * (n + o) + n)
    for i in range(used):
        child = int.from_bytes(body[n + i * (n + o): n + i * (n + o) + o], "little")
        if level > 0:
            yield from _symbol_table(file, child, heap, depth + 1)
            continue
        node = file.io.read(child, 8)
        if node[:4] != b"SNOD":
            raise HDF5Unsupported("corrupt HDF5 symbol table node")
        count = struct.unpack_from("<H", node, 6)[0]
        entry = 2 * o + 24
        entries = file.io.read(child + 8, count * entry)
        for k in range(count):
            e = entries[k * entry:(k + 1) * entry]
            name = _heap_string(heap, int.from_bytes(e[:o], "little"))
            yield name, int.from_bytes(e[o:2 * o], "little")


def _link(body: bytes, offsets: int) -> tuple[str, int] | None:
    flags = body[1]
    at = 2
    kind = 0
    if flags & 0x08:
        kind = body[at]
        at += 1
    if flags & 0x04:
        at += 8
    if flags & 0x10:
        at += 1
    width = 1 << (flags & 0x03)
    size = int.from_bytes(body[at:at + width], "little")
    at += width
    name = body[at:at + size].decode("utf-8", errors="replace")
    at += size
    if kind != 0:  # soft or external links point at no object of their own
        return None
    return name, int.from_bytes(body[at:at + offsets], "little")


def _attribute(file: HDF5File, body: bytes) -> tuple[str, object]:
    version = body[0]
    name_size, type_size, space_size = struct.unpack_from("<HHH", body, 2)
    at = 8
    if version == 3:
        at += 1  # name encoding
    elif version not in (1, 2):
        raise HDF5Unsupported(f"HDF5 attribute message version {version} is not supported")
    pad = (lambda k: (k + 7) // 8 * 8) if version == 1 else (lambda k: k)
    name = body[at:at + name_size].split(b"\x00")[0].decode("utf-8", errors="replace")
    at += pad(name_size)
    datatype = body[at:at + type_size]
    at += pad(type_size)
    shape = _dataspace(body[at:at + space_size], file.lengths)
    at += pad(space_size)
    count = 1
    for d in shape:
        count *= d
    return name, _strings(file, datatype, body[at:], count, scalar=not shape)


def _strings(file: HDF5File, datatype: bytes, data: bytes, count: int, scalar: bool):
    """A string attribute's value (fixed-length or variable-length); None for other types."""
    kind = datatype[0] & 0x0F
    size = struct.unpack_from("<I", datatype, 4)[0]
    if kind == 3:  # fixed-length string
        values = [data[i * size:(i + 1) * size].split(b"\x00")[0].decode("utf-8", "replace")
                  for i in range(count)]
    elif kind == 9 and datatype[1] & 0x0F == 1:  # variable-length string
        o = file.offsets
        width = 4 + o + 4
        values = []
        for i in range(count):
            item = data[i * width:(i + 1) * width]
            length = struct.unpack_from("<I", item)[0]
            collection = int.from_bytes(item[4:4 + o], "little")
            index = struct.unpack_from("<I", item, 4 + o)[0]
            values.append(_global_heap(file, collection, index)[:length]
                          .decode("utf-8", "replace"))
    else:
        return None
    return values[0] if scalar and values else values


def _global_heap(file: HDF5File, address: int, index: int) -> bytes:
    n = file.lengths
    head = file.io.read(address, 8 + n)
    if head[:4] != b"GCOL":
        raise HDF5Unsupported("corrupt HDF5 global heap")
    size = int.from_bytes(head[8:8 + n], "little")
    data = file.io.read(address, size)
    at = 8 + n
    while at + 8 + n <= size:
        number = struct.unpack_from("<H", data, at)[0]
        length = int.from_bytes(data[at + 8:at + 8 + n], "little")
        if number == 0:
            break
        if number == index:
            return data[at + 8 + n:at + 8 + n + length]
        at += 8 + n + (length + 7) // 8 * 8
    raise HDF5Unsupported("an HDF5 string points at a missing global heap object")
