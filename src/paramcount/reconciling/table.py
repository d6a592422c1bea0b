"""Reading a ``model.summary()`` table as people paste it.

Two layouts: Keras 3's box-drawing table (``┃ Layer (type) ┃``, rows between ``├──┼`` lines,
long cells wrapped at word boundaries) and Keras 2 / tf-keras' ASCII table (columns at fixed
positions, rows separated by blank or ``____`` lines, long cells cut at any character). Either may
be indented, sit inside a Markdown fence, have lost its trailing spaces or its header line.

>>> table = '''
... Model: "sequential"
... ┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━┓
... ┃ Layer (type)        ┃ Output Shape   ┃ Param # ┃
... ┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━┩
... │ lstm (LSTM)         │ (None, 2)      │      48 │
... └─────────────────────┴────────────────┴─────────┘
...  Total params: 48 (192.00 B)
... '''
>>> row = parse_summary(table).rows[0]
>>> print(row.name, row.class_name, row.output_shape, row.params)
#> lstm LSTM (None, 2) 48
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import ParamcountError
from ..formulas.registry import REGISTRY, load_formulas

__all__ = ["SummaryRow", "Summary", "parse_summary", "parse_shape_text", "MULTIPLE"]

MULTIPLE = "multiple"  # tf-keras' word for a layer called on several shapes (or a subclassed model)


@dataclass
class SummaryRow:
    """One row of the table, as printed."""

    name: str
    class_name: str
    output_text: str  # the Output Shape cell as printed, e.g. "(None, 2)", "multiple", "?"
    params: int | None
    depth: int = 0  # 0 for the model's own layers, 1 inside a nested model (expand_nested)...
    connected: list[tuple[str, int, int]] | None = None  # "Connected to": (layer, node, tensor)
    trainable: bool | None = None  # the "Trainable" column (show_trainable=True), if printed
    unbuilt: bool = False  # Keras 3 prints "0 (unbuilt)" for a layer that has no weights yet

    @property
    def output_shape(self):
        """The output shape: a tuple (None for the batch axis), a list of tuples for several
        outputs, or None when the table does not say (``multiple``, ``?``)."""
        return parse_shape_text(self.output_text)


@dataclass
class Summary:
    """The whole table: its rows and the totals printed below it."""

    rows: list[SummaryRow]
    model_name: str | None = None
    total: int | None = None
    trainable: int | None = None
    non_trainable: int | None = None
    optimizer: int | None = None  # Keras 3, once the optimizer is built: "Optimizer params"
    has_connected: bool = False  # a "Connected to" column: inputs are named, not the row above
    layout: str = "keras3"  # "keras3" (box drawing) or "keras2" (ASCII)
    notes: list[str] = field(default_factory=list)


def parse_summary(text: str) -> Summary:
    """Read a pasted ``model.summary()``; raise :class:`ParamcountError` if it is not one."""
    if not isinstance(text, str) or not text.strip():
        raise ParamcountError("not a model summary: the text is empty")
    lines = _clean_lines(text)
    summary = (_parse_box(lines) if any(_is_box_line(line) for line in lines)
               else _parse_ascii(lines))
    if not summary.rows:
        raise ParamcountError("not a model summary: no 'name (Class)' rows with a parameter "
                              "count were found (paste the whole table model.summary() prints)")
    _read_totals(lines, summary)
    return summary


# --- cleaning what was pasted ------------------------------------------------------------------

_FENCE = re.compile(r"^\s*(```|~~~)")


def _clean_lines(text: str) -> list[str]:
    """Lines without Markdown fences, quote marks, tabs or trailing spaces, and dedented."""
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _FENCE.match(line):
            continue
        line = line.expandtabs(4).rstrip()
        lines.append(line)
    quoted = [line for line in lines if line.strip()]
    if quoted and all(line.lstrip().startswith(">") for line in quoted):  # a Markdown quote
        lines = [re.sub(r"^\s*> ?", "", line) for line in lines]
    indents = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return [line[cut:] for line in lines]


# --- Keras 3: box drawing ------------------------------------------------------------------------

_BOX_ROW = "│┃"
_BOX_RULE = set("┏┓┗┛┡┩├┤┼└┘┌┐╇╈┳┻┯┷━─╋┠┨┬┴")


def _is_box_line(line: str) -> bool:
    s = line.strip()
    return bool(s) and (s[0] in _BOX_ROW or s[0] in "┏┡├└┌")


def _box_cells(line: str) -> list[tuple[str, int]]:
    """The cells of one table line, each with its inner width (to spot folded words)."""
    s = line.strip()
    parts = re.split("[│┃]", s)[1:]  # text before the first bar is not a cell
    if parts and not s.endswith(("│", "┃")) and parts[-1].strip() == "":
        parts = parts[:-1]
    return [(p, len(p)) for p in parts]


def _parse_box(lines: list[str]) -> Summary:
    header: list[str] = []
    rows_cells: list[list[str]] = []
    current: list[str] | None = None
    previous: list[tuple[str, int]] | None = None
    model_name = _model_name(lines)
    for line in lines:
        s = line.strip()
        if not s or not _is_box_line(line):
            continue
        if s[0] == "┃":  # the header, perhaps wrapped over several lines
            for i, (cell, _) in enumerate(_box_cells(line)):
                if i >= len(header):
                    header.append("")
                header[i] = _join(header[i], cell, False)
            continue
        if s[0] in _BOX_RULE:  # a rule ends the row being read
            if current is not None:
                rows_cells.append(current)
            current, previous = None, None
            continue
        cells = _box_cells(line)
        if current is None:
            current = [""] * len(cells)
        for i, (cell, _) in enumerate(cells):
            if i >= len(current):
                current.append("")
            # Rich folds a word longer than the column: the piece then fills the whole cell.
            folded = previous is not None and i < len(previous) and _fills(previous[i])
            current[i] = _join(current[i], cell, folded)
        previous = cells
    if current is not None:
        rows_cells.append(current)
    columns = _columns(header, rows_cells)
    summary = Summary(rows=[], model_name=model_name, layout="keras3",
                      has_connected="connected" in columns)
    depths = sorted({_nest_indent(cells[columns["layer"]]) for cells in rows_cells
                     if columns["layer"] < len(cells)} - {-1})
    for cells in rows_cells:
        row = _row(cells, columns, summary)
        if row is not None:
            indent = _nest_indent(cells[columns["layer"]])
            row.depth = 0 if indent < 0 else depths.index(indent) + 1
            summary.rows.append(row)
    return summary


def _fills(cell: tuple[str, int]) -> bool:
    text, width = cell
    return width > 2 and text[1:-1].strip() != "" and not text[1:-1].endswith(" ") \
        and not text.rstrip().endswith((",", "…"))


def _join(done: str, piece: str, folded: bool) -> str:
    piece = piece.strip()
    if not done:
        return piece
    if not piece:
        return done
    return done + piece if folded else f"{done} {piece}"


def _nest_indent(cell: str) -> int:
    """Where the nesting mark └ sits in a Keras 3 name cell (-1 for a top-level layer)."""
    return cell.find("└")


# --- Keras 2 / tf-keras: fixed columns ---------------------------------------------------------

_RULE_EQ = re.compile(r"^=+$")
_RULE_LOW = re.compile(r"^_+$")
_NEST_OPEN = re.compile(r"^\|¯+\|$")
_NEST_CLOSE = re.compile(r"^¯+$")


def _parse_ascii(lines: list[str]) -> Summary:
    header_at = next((i for i, line in enumerate(lines) if re.match(r"^\s*Layer \(", line)), None)
    rules = [i for i, line in enumerate(lines) if _RULE_EQ.match(line.strip())]
    if header_at is None and not rules:
        raise ParamcountError("not a model summary: no table was found (expected the "
                              "'Layer (type)  Output Shape  Param #' table of model.summary())")
    if header_at is not None:
        body_from = next((i for i in rules if i > header_at), header_at) + 1
    else:
        body_from = rules[0] + 1
    body_to = next((i for i in rules if i >= body_from), len(lines))
    # A header that wraps goes on until the ===== rule; take its first line for the columns.
    header_lines = lines[header_at:body_from - 1] if header_at is not None else []
    blocks: list[list[str]] = []
    block: list[str] = []
    depth = 0
    for line in lines[body_from:body_to]:
        s = line.strip()
        if _NEST_OPEN.match(s):
            depth += 1
            if block:
                blocks.append(block)
            block = []
            continue
        if _NEST_CLOSE.match(s):
            depth = max(0, depth - 1)
            if block:
                blocks.append(block)
            block = []
            continue
        inner = _unpipe(line, depth)
        if not inner.strip() or _RULE_LOW.match(s):
            if block:
                blocks.append(block)
            block = []
            continue
        if not block:
            block = [f"{depth}"]
        block.append(inner)
    if block:
        blocks.append(block)
    starts = _ascii_starts(header_lines[0] if header_lines else None,
                           [b[1] for b in blocks])
    header = [""] * len(starts)
    for line in header_lines:
        for i, cell in enumerate(_slice(line, starts)):
            header[i] += cell
    rows_cells = []
    for b in blocks:
        cells = [""] * len(starts)
        for line in b[1:]:
            for i, cell in enumerate(_slice(line, starts)):
                cells[i] += cell  # tf-keras cuts long cells at any character
        rows_cells.append((int(b[0]), cells))
    columns = _columns(header if header_lines else [], [c for _, c in rows_cells])
    summary = Summary(rows=[], model_name=_model_name(lines), layout="keras2",
                      has_connected="connected" in columns)
    for depth, cells in rows_cells:
        row = _row(cells, columns, summary)
        if row is not None:
            row.depth = depth
            summary.rows.append(row)
        elif summary.rows and not any(c.strip() for c in cells[:1]):
            # Old tf.keras prints each further input of "Connected to" on a line of its own.
            extra = cells[columns["connected"]] if "connected" in columns and \
                columns["connected"] < len(cells) else ""
            if extra.strip() and summary.rows[-1].connected is not None:
                summary.rows[-1].connected += _connections(extra, summary.rows)
    return summary


def _unpipe(line: str, depth: int) -> str:
    """A nested row without the | marks of its box, columns kept in place."""
    if depth and line.startswith("|"):
        line = " " * depth + line[depth:] if line[:depth] == "|" * depth else line
        line = line.rstrip()
        while line.endswith("|"):
            line = line[:-1]
    return line


def _ascii_starts(header: str | None, first_lines: list[str]) -> list[int]:
    """Where each column starts: at the header's words, or (no header) at the widest row's."""
    def starts(line: str) -> list[int]:
        return [m.start() for m in re.finditer(r"\S+(?: \S+)*", line)]

    if header is not None:
        found = starts(header)
        if len(found) >= 3:
            return found
    candidates = [starts(line) for line in first_lines]
    if not candidates:
        return [0]
    return max(candidates, key=len)


def _slice(line: str, starts: list[int]) -> list[str]:
    cells = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else None
        cells.append(line[start:end].rstrip() if end is not None else line[start:].rstrip())
    # A cell is written from its column's start; what precedes the first start is indentation.
    if starts and starts[0] > 0 and line[:starts[0]].strip():
        cells[0] = line[:starts[0]].strip() + cells[0]
    return [c.strip() for c in cells]


# --- cells to rows ---------------------------------------------------------------------------------

_NAME = re.compile(r"^\s*(?:[└|]\s*)*(?P<name>.*?)\s*\((?P<cls>[A-Za-z_][\w.]*…?)\)?\s*$")
_PARAMS = re.compile(r"^\s*(?P<n>\d[\d,]*)(?:\s*\(unbuilt\))?\s*$")


def _columns(header: list[str], rows: list[list[str]]) -> dict[str, int]:
    """Which cell holds what, from the header's words (or their order when it is missing)."""
    names = {}
    for i, text in enumerate(header):
        t = text.strip().lower()
        for key, prefix in (("layer", "lay"), ("shape", "out"), ("params", "par"),
                            ("connected", "con"), ("trainable", "tra")):
            if t.startswith(prefix) and key not in names:
                names[key] = i
    if {"layer", "shape", "params"} <= set(names):
        return names
    # No header: name, shape, params, then "Connected to" and/or "Trainable".
    width = max((len(r) for r in rows), default=3)
    names = {"layer": 0, "shape": 1, "params": 2}
    for i in range(3, width):
        values = {r[i].strip() for r in rows if i < len(r) and r[i].strip()}
        if values and values <= {"Y", "N"}:
            names.setdefault("trainable", i)
        elif values:
            names.setdefault("connected", i)
    return names


def _row(cells: list[str], columns: dict[str, int], summary: Summary) -> SummaryRow | None:
    def cell(key: str) -> str | None:
        i = columns.get(key)
        return cells[i] if i is not None and i < len(cells) else None

    name_match = _NAME.match(cell("layer") or "")
    params_text = cell("params") or ""
    params_match = _PARAMS.match(params_text)
    if not name_match or not params_match:
        return None
    connected = None
    if "connected" in columns:
        connected = _connections(cell("connected") or "", summary.rows)
    trainable_text = (cell("trainable") or "").strip()
    return SummaryRow(
        name=name_match["name"].strip(), class_name=_class_name(name_match["cls"]),
        output_text=re.sub(r"\s+", " ", (cell("shape") or "").strip()),
        params=int(params_match["n"].replace(",", "")), connected=connected,
        trainable={"Y": True, "N": False}.get(trainable_text),
        unbuilt="unbuilt" in params_text)


def _class_name(text: str) -> str:
    """The class name, completed when Keras 3 cut it short (``LayerNormalizatio…``)."""
    if not text.endswith("…"):
        return text
    load_formulas()
    stem = text.rstrip("…")
    known = sorted(c for c in [*REGISTRY, "InputLayer", "Functional"] if c.startswith(stem))
    return known[0] if len(known) == 1 else text


_REF = re.compile(r"^(?P<name>[^\[\]]+?)\[(?P<node>\d+)\]\[(?P<tensor>\d+)\]$")


def _connections(text: str, earlier: list[SummaryRow]) -> list[tuple[str, int, int]]:
    """``['a[0][0]', 'b[0][0]']`` (tf-keras), ``a[0][0], b[0][0]`` (Keras 3), with names that
    Keras 3 cut short (``input_layer_…``) completed from the rows above when only one fits."""
    # Old tf.keras puts each input on a line of its own: "a[0][0]" then "b[0][0]".
    text = re.sub(r"\](?=[A-Za-z_])", "], ", text.strip())
    if text in ("", "-", "[]"):
        return []
    if text.startswith("[") and text.endswith("]") and ("'" in text or text == "[]"):
        text = text[1:-1]
    refs = []
    for token in re.split(r"[,\s]+", text):  # a name holds no comma or space
        token = token.strip().strip("'\"").strip()
        if not token:
            continue
        m = _REF.match(token)
        if m:
            refs.append((m["name"], int(m["node"]), int(m["tensor"])))
            continue
        stem = token.rstrip("…").rstrip(".")
        if "[" in stem:  # the indices were cut: the name is whole
            refs.append((stem.split("[", 1)[0], 0, 0))
            continue
        matches = [r.name for r in earlier if r.name.startswith(stem)]
        refs.append((matches[-1] if len(set(matches)) == 1 else stem + "…", 0, 0))
    return refs


# --- shapes and totals -------------------------------------------------------------------------

def parse_shape_text(text: str):
    """``(None, 2)`` → ``(None, 2)``; ``[(None, 3), (None, 4)]`` → a list; ``multiple``, ``?``
    or anything unreadable → None. A list of one shape (tf-keras' InputLayer) is that shape."""
    text = (text or "").strip()
    groups = re.findall(r"\(([^()]*)\)", text)
    if not groups or text.lower() == MULTIPLE:
        return None
    shapes = []
    for group in groups:
        dims = []
        for part in group.split(","):
            part = part.strip()
            if not part:
                continue
            if part == "None":
                dims.append(None)
            elif part.isdigit():
                dims.append(int(part))
            else:
                return None
        shapes.append(tuple(dims))
    if len(shapes) == 1:
        return shapes[0]
    return shapes


_TOTALS = {"total": "Total params", "trainable": "Trainable params",
           "non_trainable": "Non-trainable params", "optimizer": "Optimizer params"}


def _read_totals(lines: list[str], summary: Summary) -> None:
    for line in lines:
        for key, label in _TOTALS.items():
            m = re.match(rf"^\s*{label}:\s*(\d[\d,]*)", line)
            if m and getattr(summary, key) is None:
                setattr(summary, key, int(m[1].replace(",", "")))


def _model_name(lines: list[str]) -> str | None:
    for line in lines:
        m = re.match(r'^\s*Model:\s*"(?P<name>[^"]*)"', line)
        if m:
            return m["name"]
    return None
