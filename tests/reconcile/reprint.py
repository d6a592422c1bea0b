"""A model's rows laid out as each Keras generation's ``print_summary`` laid them out, and pasted
as people paste them.

Old Keras releases cannot be installed next to Keras 3 and tf-keras, so their layouts are
re-printed here from the rows of models built in today's Keras, following each release's
``print_summary``:

- Keras 1.0 (``keras/utils/layer_utils.py``): 100 wide, columns at 33/55/67, a *Connected to*
  column for every model (a Sequential's first layer reads ``<name>_input_1``), cells cut with no
  space before the next one, ``Total params: 25120`` alone.
- Keras 1.2: the same, with the last character before each column turned into a space, and the
  trainable/non-trainable totals.
- Keras 2.0–2.3 and tf.keras 1.x–2.8: 65 wide with columns at 29/55 for a chain of layers, 98 wide
  at 32/53/65 with *Connected to* otherwise; each further input on a line of its own; rows apart
  by ``____`` lines; tf.keras adds ``Model: "name"`` above (and Keras 2.0 wrote some totals as
  ``12.0``).
- tf-keras 2.9 and later: :func:`tf_wrap`, the same algorithm as tf-keras' own (cells wrapped at
  any character, a leading space, blank lines between rows, nested models in ``|¯¯|`` boxes,
  byte sizes in the totals from 2.13); ``test_reprint_matches_tf_keras`` checks it against the
  real tf-keras, character for character.

Keras 3's own layout is printed by Keras 3 itself in the tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Row:
    name: str
    class_name: str
    shape: str  # the Output Shape as the model's Keras prints it: "(None, 10)", "[(None, 28, 28)]"
    params: int
    inputs: list[str] = field(default_factory=list)  # "name[node][tensor]"
    depth: int = 0
    trainable: bool = True
    real_shape: object = None  # the output shape as a tuple (a list of tuples for several)
    nested: bool = False  # a model whose layers follow, one level deeper


@dataclass
class Table:
    name: str
    rows: list[Row]
    trainable: int
    non_trainable: int
    bytes_trainable: int = 0
    bytes_non_trainable: int = 0

    @property
    def top(self) -> list[Row]:
        return [r for r in self.rows if r.depth == 0]

    def chain(self) -> bool:
        """A chain of layers, each reading the one before: printed without Connected to."""
        rows = self.top
        if sum(1 for r in rows if not r.inputs) > 1 or any(len(r.inputs) > 1 for r in rows):
            return False
        used = [i for r in rows for i in r.inputs]
        return len(used) == len(set(used))


# --- Keras 1 and Keras 2: cells cut at fixed columns ----------------------------------------------

def _cut_row(fields, positions, space: bool) -> str:
    line = ""
    for i, value in enumerate(fields):
        if i > 0 and space:
            line = line[:-1] + " "
        line += str(value)
        line = line[:positions[i]]
        line += " " * (positions[i] - len(line))
    return line


def _positions(line_length: int, positions) -> list[int]:
    return [int(line_length * p) for p in positions] if positions[-1] <= 1 else list(positions)


def keras1(table: Table, line_length: int = 100, positions=(.33, .55, .67, 1.),
           release: str = "1.2") -> str:
    """Keras 1.0 (``release="1.0"``) or 1.2: every model with a Connected to column."""
    space = release != "1.0"
    pos = _positions(line_length, positions)
    out = ["_" * line_length,
           _cut_row(["Layer (type)", "Output Shape", "Param #", "Connected to"], pos, space),
           "=" * line_length]
    rows = table.top
    for i, (row, inputs) in enumerate(zip(rows, keras1_inputs(table))):
        out.append(_cut_row([f"{row.name} ({row.class_name})", row.shape, row.params,
                             inputs[0] if inputs else ""], pos, space))
        for extra in inputs[1:]:
            out.append(_cut_row(["", "", "", extra], pos, space))
        out.append(("=" if i == len(rows) - 1 else "_") * line_length)
    total = table.trainable + table.non_trainable
    if release == "1.0":
        out.append(f"Total params: {total}")
    else:
        out += [f"Total params: {total:,}", f"Trainable params: {table.trainable:,}",
                f"Non-trainable params: {table.non_trainable:,}"]
    out.append("_" * line_length)
    return "\n".join(out) + "\n"


def keras1_inputs(table: Table) -> list[list[str]]:
    """What Keras 1's Connected to names for each row: a Sequential's first layer reads an
    input layer of its own (``dense_input_1``), each further layer the one above."""
    rows = table.top
    if not table.chain():
        return [r.inputs for r in rows]
    return [[f"{rows[i - 1].name}[0][0]"] if i else
            [re.sub(r"_\d+$", "", row.name) + "_input_1[0][0]"] for i, row in enumerate(rows)]


def keras2(table: Table, line_length: int | None = None, positions=None, model_line: bool = True,
           float_totals: bool = False) -> str:
    """Keras 2.0–2.3, tf.keras 1.x–2.8 (``model_line``: tf.keras' ``Model: "name"``;
    ``float_totals``: Keras 2.0's ``Total params: 12.0``)."""
    chain = table.chain()
    if chain:
        line_length = line_length or 65
        pos = _positions(line_length, positions or [.45, .85, 1.])
        header = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        pos = _positions(line_length, positions or [.33, .55, .67, 1.])
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    out = [f'Model: "{table.name}"'] if model_line else []
    out += ["_" * line_length, _cut_row(header, pos, True), "=" * line_length]
    rows = table.top
    for i, row in enumerate(rows):
        fields = [f"{row.name} ({row.class_name})", row.shape, row.params]
        if not chain:
            fields.append(row.inputs[0] if row.inputs else "")
        out.append(_cut_row(fields, pos, True))
        if not chain:
            for extra in row.inputs[1:]:
                out.append(_cut_row(["", "", "", extra], pos, True))
        out.append(("=" if i == len(rows) - 1 else "_") * line_length)
    total = table.trainable + table.non_trainable
    if float_totals:
        out += [f"Total params: {float(total)}", f"Trainable params: {table.trainable}",
                f"Non-trainable params: {float(table.non_trainable)}"]
    else:
        out += [f"Total params: {total:,}", f"Trainable params: {table.trainable:,}",
                f"Non-trainable params: {table.non_trainable:,}"]
    out.append("_" * line_length)
    return "\n".join(out) + "\n"


# --- tf-keras 2.9 and later: cells wrapped -------------------------------------------------------

def _wrap_row(fields, positions, nested_level: int = 0) -> list[str]:
    """tf-keras' print_row: each cell wrapped at its column's width, preferring to break after
    '),', '},', '],' or "',"."""
    left = [str(x) for x in fields]
    lines = []
    while any(left):
        line = ""
        for col in range(len(left)):
            start = positions[col - 1] if col > 0 else 0
            end = positions[col]
            space = 2 if col != len(positions) - 1 else 0
            cutoff = end - start - space
            if col != len(positions) - 1:
                cutoff -= 1
            if col == 0:
                cutoff -= nested_level
            fit = left[col][:cutoff]
            breaks = [fit.find(x) + len(x) for x in ("),", "},", "],", "',") if fit.find(x) >= 0]
            if breaks:
                cutoff = min(breaks)
                fit = fit[:cutoff]
            if col == 0:
                line += "|" * nested_level + " "
            line += fit
            line += " " * space if space else ""
            left[col] = left[col][cutoff:]
            if nested_level and col == len(positions) - 1:
                line += " " * (positions[col] - len(line) - nested_level)
            else:
                line += " " * (positions[col] - len(line))
        line += "|" * nested_level
        lines.append(line)
    return lines


def _readable(size: float) -> str:
    for unit in ["Byte", "KB", "MB", "GB", "TB", "PB"]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def tf_wrap(table: Table, line_length: int | None = None, positions=None,
            show_trainable: bool = False, expand_nested: bool = False,
            byte_sizes: bool = True) -> str:
    """tf-keras 2.9 and later (``byte_sizes``: 2.13 and later)."""
    chain = table.chain()
    if chain:
        line_length = line_length or 65
        pos = _positions(line_length, positions or [.45, .85, 1.])
        header = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        pos = _positions(line_length, positions or [.3, .6, .70, 1.])
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if show_trainable:
        line_length += 11
        pos.append(line_length)
        header.append("Trainable")
    out = [f'Model: "{table.name}"', "_" * line_length, *_wrap_row(header, pos),
           "=" * line_length]
    rows = table.rows if expand_nested else table.top

    def children(i: int) -> list[int]:
        found, j = [], i + 1
        while j < len(rows) and rows[j].depth > rows[i].depth:
            if rows[j].depth == rows[i].depth + 1:
                found.append(j)
            j += 1
        return found

    def print_layer(i: int, level: int, is_nested_last: bool = False) -> None:
        # As tf-keras' print_layer, down to the flag its nested loop leaves set.
        row = rows[i]
        fields = [f"{row.name} ({row.class_name})", row.shape, row.params]
        if not chain:
            fields.append("[" + ", ".join(repr(x) for x in row.inputs) + "]")
        if show_trainable:
            fields.append("Y" if row.trainable else "N")
        out.extend(_wrap_row(fields, pos, level))
        inner = children(i) if expand_nested else []
        if inner:
            out.append("|" * (level + 1) + "¯" * (line_length - 2 * level - 2)
                       + "|" * (level + 1))
            for k, j in enumerate(inner):
                is_nested_last = k == len(inner) - 1
                print_layer(j, level + 1, is_nested_last)
            out.append("|" * level + "¯" * (line_length - 2 * level) + "|" * level)
        if not is_nested_last:
            out.append("|" * level + " " * (line_length - 2 * level) + "|" * level)

    for i, row in enumerate(rows):
        if row.depth == 0:
            print_layer(i, 0)
    out.append("=" * line_length)
    total = table.trainable + table.non_trainable
    if byte_sizes:
        size_t, size_n = table.bytes_trainable, table.bytes_non_trainable
        out += [f"Total params: {total} ({_readable(size_t + size_n)})",
                f"Trainable params: {table.trainable} ({_readable(size_t)})",
                f"Non-trainable params: {table.non_trainable} ({_readable(size_n)})"]
    else:
        out += [f"Total params: {total:,}", f"Trainable params: {table.trainable:,}",
                f"Non-trainable params: {table.non_trainable:,}"]
    out.append("_" * line_length)
    return "\n".join(out) + "\n"


def markdown(table: Table) -> str:
    """The table as someone rewrites it for a Markdown post."""
    out = ["| Layer (type) | Output Shape | Param # |", "|---|---|---|"]
    out += [f"| {r.name} ({r.class_name}) | {r.shape} | {r.params:,} |" for r in table.top]
    return "\n".join(out) + f"\n\nTotal params: {table.trainable + table.non_trainable:,}\n"


# --- as people paste them --------------------------------------------------------------------------


def paste(text: str, habit: str) -> str:
    lines = text.split("\n")
    if habit == "as printed":
        return text
    if habit == "no rules":  # the ____ / ├──┼ lines (and blank lines) between rows deleted
        return "\n".join(line for line in lines if line.strip() and not (
            re.match(r"^\s*_+\s*$", line) or re.match(r"^\s*├[─┼]+┤\s*$", line)))
    if habit == "stripped":
        return "\n".join(line.rstrip() for line in lines)
    if habit == "collapsed":
        return "\n".join(re.sub(r" +", " ", line).strip() for line in lines)
    if habit == "collapsed, no rules":
        return paste(paste(text, "no rules"), "collapsed")
    if habit == "indented":
        return "\n".join("    " + line for line in lines)
    if habit == "fenced":
        return "My model:\n\n```text\n" + text + "\n```\n\nWhy this count?"
    if habit == "quoted":
        return "\n".join("> " + line for line in lines)
    if habit == "commented":
        return "\n".join("# " + line for line in lines)
    if habit == "R console":
        return "\n".join("## " + line for line in lines)
    if habit == "tabs":
        return "\n".join(re.sub(r" {2,}", "\t", line) for line in lines)
    if habit == "ansi":  # a terminal's colours kept: bold names, coloured numbers
        text = re.sub(r"(\d[\d,]*)", "\x1b[34m\\1\x1b[0m", text)
        return re.sub(r'Model: "([^"]*)"', 'Model: "\x1b[1m\\1\x1b[0m"', text)
    if habit == "crlf":
        return text.replace("\n", "\r\n")
    raise ValueError(habit)


HABITS = ("as printed", "no rules", "stripped", "collapsed", "collapsed, no rules", "indented",
          "fenced", "quoted", "commented", "R console", "tabs", "ansi", "crlf")


def cut_at(text: str, width: int) -> str:
    """The table as a terminal of ``width`` columns shows it (lines cut, not wrapped)."""
    return "\n".join(line[:width] for line in text.split("\n"))
