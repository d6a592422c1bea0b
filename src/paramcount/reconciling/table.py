"""Reading a ``model.summary()`` table as people paste it.

Every layout Keras has printed:

- Keras 3: box drawing (``┃ Layer (type) ┃``), rows between ``├──┼`` lines, long cells wrapped
  at word boundaries or cut with ``…``, nested layers marked ``└``.
- tf-keras 2.9 and later: ASCII columns written from a leading space, long cells wrapped onto the
  next line at any character, rows apart by blank lines, nested models in ``|¯¯¯|`` boxes (2.13
  and later add the byte sizes to the totals).
- Keras 2.0–2.3 and tf.keras 1.x–2.8: ASCII columns at 29/55/65 (Sequential) or 32/53/65/98,
  rows apart by ``____`` lines, long cells cut without an ellipsis (``time_distributed_4
  (TimeDist``), each further input of *Connected to* on a line of its own, totals sometimes
  written as ``12.0``.
- Keras 1: 100 wide, columns at 33/55/67, cells cut with no space before the next one, and a
  *Connected to* column even for a Sequential model.

And as people paste them: without the lines between rows, with trailing spaces stripped or runs of
spaces collapsed to one, tabs, indented, fenced, quoted (``> ``), commented (``# ``, ``## ``),
with ANSI colour codes, or turned into a Markdown pipe table. Where the spacing survives, the
columns come from the header line; where it does not, each line is read by its parts (``name
(Class)``, one bracketed shape, the count, *Connected to*). A line without a ``name (Class)`` of
its own continues the row above. Whatever cannot be told apart is refused in one line
(``this table could not be read: …``): a row is never made of two rows, and never holds a
number the table does not.

A class name cut short (``TimeDist``, ``LayerNormalizatio…``) is completed from every class
Keras has (:func:`paramcount.formulas.registry.complete_class`): ``class_name`` is the class when
one fits, ``class_options`` lists every class that fits, ``printed_class`` is what was printed.
A package's class, printed by its bare name (``TransformerEncoder``), is completed the same way to
the name it is registered under (``keras_hub>TransformerEncoder``).

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
from bisect import bisect_left
from dataclasses import dataclass, field

from ..errors import ParamcountError
from ..formulas.registry import complete_class
from ..read.config import MAX_CONFIG_BYTES
from ..safety import MAX_DIGITS, MAX_LAYERS

__all__ = ["SummaryRow", "Summary", "parse_summary", "parse_shape_text", "MULTIPLE"]

MULTIPLE = "multiple"  # tf-keras' word for a layer called on several shapes (or a subclassed model)
# A table of MAX_LAYERS rows, each wrapped over a few lines, stays far below these; beyond them
# the text is refused before it is read, so that reading costs time linear in a bounded size.
MAX_TABLE_LINES = 100_000
MAX_LINE_CHARS = 100_000


@dataclass
class SummaryRow:
    """One row of the table, as printed."""

    name: str
    class_name: str  # completed when it was cut and one class fits; else as printed, ending "…"
    output_text: str  # the Output Shape cell as printed, e.g. "(None, 2)", "multiple", "?"
    params: int | None
    depth: int = 0  # 0 for the model's own layers, 1 inside a nested model (expand_nested)...
    connected: list[tuple[str, int, int]] | None = None  # "Connected to": (layer, node, tensor)
    trainable: bool | None = None  # the "Trainable" column (show_trainable=True), if printed
    unbuilt: bool = False  # Keras 3 prints "0 (unbuilt)" for a layer that has no weights yet
    parent: str | None = None  # the enclosing nested model's row name; None at the top level
    class_options: tuple[str, ...] = ()  # every class a cut class name can be; () if whole
    printed_class: str = ""  # the class as printed ("TimeDist", "LayerNormalizatio…")

    @property
    def output_shape(self):
        """The output shape: a tuple (None for the batch axis), a list of tuples for several
        outputs, or None when the table does not say (``multiple``, ``?``, a cut shape)."""
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
    layout: str = "keras3"  # "keras3" (box drawing), "keras2" (ASCII columns) or "markdown"
    notes: list[str] = field(default_factory=list)
    # The size printed after each total, e.g. {"total": "192.00 B"} (Keras 3, tf-keras 2.13+).
    sizes: dict[str, str] = field(default_factory=dict)

    def printed_sizes(self) -> dict[str, tuple[int | None, str]]:
        """Each totals line's count with the size printed next to it."""
        return {key: (getattr(self, key), text) for key, text in self.sizes.items()}


def parse_summary(text: str) -> Summary:
    """Read a pasted ``model.summary()``; raise :class:`ParamcountError` if it is not one, or if
    its columns cannot be told apart."""
    if not isinstance(text, str) or not text.strip():
        raise ParamcountError("not a model summary: the text is empty")
    if len(text) > MAX_CONFIG_BYTES or len(text.encode("utf-8", "replace")) > MAX_CONFIG_BYTES:
        raise _unreadable(f"it is larger than {MAX_CONFIG_BYTES:,} bytes, the limit for any input")
    if text.count("\n") + text.count("\r") > 2 * MAX_TABLE_LINES:
        raise _unreadable(f"it has more than {MAX_TABLE_LINES:,} lines; a summary of "
                          f"{MAX_LAYERS:,} layers, paramcount's limit, is far shorter")
    lines = _clean_lines(text)
    if len(lines) > MAX_TABLE_LINES:
        raise _unreadable(f"it has more than {MAX_TABLE_LINES:,} lines; a summary of "
                          f"{MAX_LAYERS:,} layers, paramcount's limit, is far shorter")
    if sum(1 for line in lines if "(" in line and _ROW_LIKE.match(line.lstrip(" │|└"))) \
            > MAX_LAYERS + 1:  # + the header
        raise _unreadable(f"it has more than {MAX_LAYERS:,} 'name (Class)' rows, paramcount's "
                          "limit for one model")
    if ("│" in text or "┃" in text) and any(_is_box_line(line) for line in lines):
        summary = _parse_cells(lines, "keras3")
    elif any(line[:1] in "|-:" and _is_pipe_line(line) for line in lines):
        summary = _parse_cells(lines, "markdown")
    else:
        summary = _parse_ascii(lines)
    if not summary.rows:
        raise ParamcountError("not a model summary: no 'name (Class)' rows with a parameter "
                              "count were found (paste the whole table model.summary() prints)")
    _read_totals(lines, summary)
    return summary


def _unreadable(why: str) -> ParamcountError:
    return ParamcountError(f"this table could not be read: {why}")


def _cut() -> ParamcountError:
    return _unreadable("its Param # column is cut off or cut short (by a narrow terminal?); "
                       "paste the table as printed, or print it wider")


# A "name (Class" at a line's start: counted (cheaply, over the whole text) to refuse a table of
# more rows than a model may have layers before any row is read.
_ROW_LIKE = re.compile(r"[^\s()│|]+ ?\([A-Za-z_]")


# --- cleaning what was pasted ------------------------------------------------------------------

_FENCE = re.compile(r"^[ \t]*(?:```|~~~)")
# Colour codes (SGR) a terminal's copy keeps; any other escape sequence stays, to be shown
# escaped, never run.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# A quote (">", "> >"), a comment ("#", "##", R's "## ") or a doctest-like "#>": never the
# start of a line Keras prints. (A "#" far to the right is the Param # header wrapped.)
_PREFIX = re.compile(r"^[ \t]{0,8}(?:(?:>[ \t]?)+|#+>?[ \t]?)")


def _clean_lines(text: str) -> list[str]:
    """Lines without colour codes, Markdown fences, quote or comment marks, tabs or trailing
    spaces, and dedented."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    raw = text.split("\n")
    for line in raw:
        if len(line) > MAX_LINE_CHARS:
            raise _unreadable(f"a line of it is longer than {MAX_LINE_CHARS:,} characters; no "
                              "row of a summary is")
    # A lone "#" or ">" is a blank line of a commented or quoted paste, or (where most lines
    # are not marked) the "#" of a "Param #" header wrapped and then pushed left.
    marked = sum(1 for line in raw if line[:12].lstrip(" \t")[:1] in (">", "#"))
    mostly_marked = 2 * marked >= sum(1 for line in raw if line.strip())
    lines = []
    for line in raw:
        head = line[:12].lstrip(" \t")[:1]
        if head in (">", "#"):
            m = _PREFIX.match(line)
            if m and (mostly_marked or m.end() < len(line.rstrip())):
                line = line[m.end():]
                head = line[:12].lstrip(" \t")[:1]
        if head in ("`", "~") and _FENCE.match(line):
            continue
        if "\t" in line:  # a tab stands where a run of spaces was: it separates cells, but
            line = " ".join(line.split())  # tells nothing of the columns
        lines.append(line.rstrip())
    cut = min((len(line) - len(line.lstrip(" ")) for line in lines if line), default=0)
    return [line[cut:] for line in lines] if cut else lines


# --- tables with drawn cells: Keras 3's box drawing, Markdown pipe tables -----------------------

_BOX_ROW = "│┃"
_BOX_RULE = set("┏┓┗┛┡┩├┤┼└┘┌┐╇╈┳┻┯┷━─╋┠┨┬┴")
_PIPE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?$")


def _is_box_line(line: str) -> bool:
    s = line.strip()
    return bool(s) and (s[0] in _BOX_ROW or s[0] in "┏┡├└┌")


def _is_pipe_line(line: str) -> bool:
    """A Markdown table's line: cells between pipes (a tf-keras nested row has pipes only at
    its ends, and is told apart by the ¯ lines around it)."""
    s = line.strip()
    return bool(_PIPE_RULE.match(s)) or (s.startswith("|") and s.count("|") >= 3
                                         and "Layer (" in s)


def _split_cells(line: str, bars: str) -> list[str]:
    s = line.strip()
    parts = re.split(f"[{bars}]", s)
    if s[:1] in bars:
        parts = parts[1:]  # text before the first bar is not a cell
    if parts and s[-1:] in bars:
        parts = parts[:-1]
    return parts


def _parse_cells(lines: list[str], layout: str) -> Summary:
    bars = "│┃" if layout == "keras3" else "|"
    header: list[list[str]] = []
    body: list[tuple[list[str], bool]] = []  # (cells, a rule or the header came before)
    after_rule = True
    seen_header = False
    complete = 1_000  # the fewest whole cells a line kept (fewer when cut at the right)
    for line in lines:
        s = line.strip()
        if layout == "keras3":
            if not _is_box_line(line):
                continue
            if s[0] in _BOX_RULE:
                after_rule = True
                continue
            is_header = s[0] == "┃"
        else:
            if not s.startswith("|") and s.count("|") < 2:
                continue
            if _PIPE_RULE.match(s):
                after_rule = True
                continue
            is_header = not seen_header and "Layer (" in s
        cells = _split_cells(line, bars)
        if layout == "keras3" and s[-1] not in bars:
            # Cut at the right by a narrow terminal: the last cell is a piece of one.
            cells = cells[:-1]
            complete = min(complete, len(cells))
        if is_header:
            seen_header = True
            for i, cell in enumerate(cells):
                while i >= len(header):
                    header.append([])
                header[i].append(cell.strip())
            continue
        body.append((cells, after_rule))
        after_rule = False
    columns = _columns([" ".join(p for p in h if p) for h in header], [c for c, _ in body])
    if "params" not in columns or columns["params"] >= complete:
        raise _cut()
    summary = Summary(rows=[], model_name=_model_name(lines), layout=layout,
                      has_connected="connected" in columns)
    rows: list[_Row] = []
    previous: list[str] | None = None
    for cells, ruled in body:
        named = {key: cells[i] for key, i in columns.items() if i < len(cells)}
        stripped = {key: value.strip() for key, value in named.items()}
        if ruled or _starts_row(stripped):  # a rule always ends a row
            rows.append(_Row(depth_mark=_nest_indent(named.get("layer", ""))))
            previous = None
        elif not rows:
            continue
        else:
            _continues(rows[-1], stripped)  # refuses a second 'name (Class)'
        row = rows[-1]
        for key, value in stripped.items():
            if not value:
                continue
            # Rich folds a word longer than its column: the piece then fills the whole cell,
            # and the next piece goes on without a space.
            folded = previous is not None and key in previous and _fills(previous[key])
            row.add(key, value, " " if not folded else "")
        previous = named
    depths = sorted({r.depth_mark for r in rows} - {-1})
    for r in rows:
        r.depth = 0 if r.depth_mark < 0 else depths.index(r.depth_mark) + 1
    _finish(rows, summary)
    return summary


def _fills(cell: str) -> bool:
    return len(cell) > 2 and cell[1:-1].strip() != "" and not cell[1:-1].endswith(" ") \
        and not cell.rstrip().endswith((",", "…"))


def _nest_indent(cell: str) -> int:
    """Where the nesting mark └ sits in a Keras 3 name cell (-1 for a top-level layer)."""
    return cell.find("└")


# --- ASCII tables: Keras 1, Keras 2, tf.keras, tf-keras ------------------------------------------

_RULE = re.compile(r"^(?:=+|_+|-+)$")
_NEST_LINE = re.compile(r"^(\|*)¯+(\|*)$")
_HEADER = re.compile(r"\bLayer \(type\)")
_HEADER_WORDS = (("layer", r"Layer\b"), ("shape", r"Output\b"), ("params", r"Param\b"),
                 ("connected", r"Connected\b"), ("trainable", r"Trainable\b"))
_TOTALS_LINE = re.compile(r"^\s*(?:Total|Trainable|Non-trainable|Optimizer) params:")


def _parse_ascii(lines: list[str]) -> Summary:
    header_at = next((i for i, line in enumerate(lines) if _HEADER.search(line)), None)
    start = header_at + 1 if header_at is not None else 0
    if header_at is None:
        # No header: the rows start after the first "=====" rule, or at the first line that
        # reads as one.
        rule = next((i for i, line in enumerate(lines) if re.match(r"^=+$", line.strip())), None)
        if rule is not None:
            start = rule + 1
        else:
            starts = ((i, parts) for i, line in enumerate(lines)
                      if (parts := _row_parts(line.strip())))
            first, parts = next(starts, (None, None))
            # A line of code, "model.add(LSTM(2, input_dim=3))", reads as a row whose shape was
            # cut short: with no header, rule or totals either, only a whole row makes a table.
            if first is None or ("cut" in parts and not any("cut" not in p for _, p in starts)
                                 and not any(_TOTALS_LINE.match(line) for line in lines)):
                raise ParamcountError(
                    "not a model summary: no table was found (expected the "
                    "'Layer (type)  Output Shape  Param #' table of model.summary())")
            start = first
    header_lines = []
    if header_at is not None:  # a wrapped header goes on until the ===== rule
        header_lines = [lines[header_at]]
        i = start
        while i < len(lines) and not re.match(r"^=+$", lines[i].strip()) and i - start < 4 \
                and not _row_parts(lines[i].strip()):
            if lines[i].strip():
                header_lines.append(lines[i])
            i += 1
        if i < len(lines) and re.match(r"^=+$", lines[i].strip()):
            start = i + 1
    body: list[tuple[str, int]] = []  # (line without its nesting pipes, depth)
    depth = 0
    for line in lines[start:]:
        s = line.strip()
        if not s:
            continue
        first = s[0]
        if (first in "TNO" and _TOTALS_LINE.match(s)) or (first == "=" and body and _RULE.match(s)):
            break
        if "¯" in s:
            nest = _NEST_LINE.match(s)
            if nest:
                pipes = len(nest[1])
                depth = depth + 1 if pipes == depth + 1 else max(0, pipes)
                continue
        if first in "=_-" and _RULE.match(s):
            continue
        if first == "|":
            line = _unpipe(line, depth)
        if not body and not _row_parts(line.strip()):
            continue  # what stands between the header and the first row
        body.append((line, depth))
    positions = _header_positions(header_lines) if header_lines else None
    spaced = bool(header_lines) and _spaced(header_lines[0])
    if header_lines and not (spaced and positions) and "#" not in "".join(header_lines):
        # Without its spacing, a header that lost "Param #" is all that tells of a cut.
        raise _cut()
    if positions is not None and "params" not in positions:
        raise _cut()
    summary = Summary(rows=[], model_name=_model_name(lines), layout="keras2")
    rows = None
    if positions is not None and spaced:
        width = max((len(line) for line in lines if line[:1] in "=_" and _RULE.match(line)),
                    default=None)
        # tf-keras 2.9 and later write each line from a leading space, and wrap what does not
        # fit its column (the header too); older releases cut it.
        wraps = header_lines[0].startswith(" ") or len(header_lines) > 1
        rows = _rows_by_columns(body, positions, width, wraps)  # None: the columns do not fit
        summary.has_connected = "connected" in positions
    if rows is None:
        named = _header_names(header_lines)
        summary.has_connected = "connected" in named if header_lines else False
        rows = _rows_by_parts(body, named if header_lines else None)
        if not header_lines:
            summary.has_connected = any(r.pieces.get("connected") for r in rows)
    _finish(rows, summary)
    if not summary.rows and any(re.search(r"\S \(\w+\)?\s+[\[(]", b) for b, _ in body):
        raise _unreadable("its rows have no parameter count (was the Param # column cut at a "
                          "narrow terminal's width?)")
    return summary


def _unpipe(line: str, depth: int) -> str:
    """A nested row without the | marks of its box, columns kept in place."""
    if depth and line.startswith("|"):
        pipes = len(line) - len(line.lstrip("|"))
        line = " " * pipes + line[pipes:]
        line = line.rstrip()
        while line.endswith("|"):
            line = line[:-1].rstrip()
    return line


def _header_positions(header_lines: list[str]) -> dict[str, int] | None:
    """Where each column starts, from the header (tf-keras wraps a header word at any
    character: "Par" / "am" / "#"); the first column starts at 0, whatever its indent."""
    starts = [m.start() for m in re.finditer(r"\S+(?: \S+)*", header_lines[0])]
    if not starts:
        return None
    texts = [""] * len(starts)
    for line in header_lines:
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else len(line)
            texts[i] += line[start:end].strip()
    found: dict[str, int] = {}
    for start, text in zip(starts, texts):
        for key, prefix in (("layer", "lay"), ("shape", "out"), ("params", "par"),
                            ("connected", "con"), ("trainable", "tra")):
            if text.lower().startswith(prefix) and key not in found:
                found[key] = start
    if not {"layer", "shape"} <= set(found):
        return None
    found["layer"] = 0
    return found


# The column ends Keras has used by default, as fractions of the line: Keras 1 and 2 with
# Connected to, tf-keras with Connected to, and a chain of layers.
_DEFAULT_POSITIONS = ((.33, .55, .67), (.3, .6, .7), (.45, .85))


def _full_width(positions: dict[str, int], width: int) -> bool:
    """The header's columns start where Keras puts them on a line of ``width`` (or of ``width``
    less the Trainable column's 11): the rules are whole, not cut by a terminal."""
    starts = sorted(p for key, p in positions.items() if key not in ("layer", "trainable"))
    for line_length in (width, width - 11):
        for fractions in _DEFAULT_POSITIONS:
            ends = [int(line_length * f) for f in fractions]
            if starts == ends[:len(starts)] and len(starts) == len(ends):
                return True
    return False


def _spaced(header: str) -> bool:
    """The header kept the runs of spaces between its columns (so the rows kept theirs)."""
    m = re.search(r"Layer \(type\)( *)Output", header)
    return bool(m) and len(m[1]) >= 2


def _header_names(header_lines: list[str]) -> set[str]:
    text = " ".join(header_lines)
    return {key for key, word in _HEADER_WORDS if re.search(word, text)}


class _Row:
    """A row being read: its cells' pieces, joined once it is whole (a join per line would cost
    the square of a long wrapped cell), and what it still lacks."""

    __slots__ = ("pieces", "depth", "depth_mark", "cells", "opened", "named", "level",
                 "full_count")

    def __init__(self, depth: int = 0, depth_mark: int = -1):
        self.pieces: dict[str, list[str]] = {}
        self.depth = depth
        self.depth_mark = depth_mark
        self.cells: dict[str, str] = {}
        self.opened = False  # the name cell has the "(" of its class
        self.named = False  # ... and its ")": the name cell is whole
        self.level = 0  # brackets the shape cell leaves open: > 0 while it goes on
        self.full_count = False  # the count reaches its column's end: it may have been cut

    def add(self, key: str, piece: str, sep: str = "") -> None:
        parts = self.pieces.setdefault(key, [])
        if parts and sep:
            parts.append(sep)
        parts.append(piece)
        if key == "layer":
            self.opened = self.opened or "(" in piece
            self.named = self.opened and piece.endswith(")")
        elif key == "shape":
            self.level += piece.count("(") + piece.count("[") - piece.count(")") \
                - piece.count("]")

    def text(self, key: str) -> str:
        return "".join(self.pieces.get(key, ()))


def _slice(line: str, starts: list[tuple[str, int, int | None]]) -> dict[str, str]:
    return {key: line[start:end].strip() for key, start, end in starts}


def _rows_by_columns(body: list[tuple[str, int]], positions: dict[str, int],
                     width: int | None = None, wraps: bool = False) -> list[_Row] | None:
    """Rows of a table that kept its spacing, each line cut at the header's column starts; None
    when a line does not fit those columns (then the rows are read by their parts).

    ``width`` is the rules' length, ``wraps`` says whether the release wrapped long cells. A
    count that reaches the end of its column may have been cut there: by a narrow terminal
    (the rules are shorter than the columns say), or by a release that cut cells; unless the
    rest of its digits follow on the next line, the table is refused."""
    order = sorted((pos, key) for key, pos in positions.items())
    starts = [(key, pos, order[i + 1][0] if i + 1 < len(order) else None)
              for i, (pos, key) in enumerate(order)]
    count_end = next((end for key, _, end in starts if key == "params"), None) or width
    terminal = width is not None and not _full_width(positions, width)
    rows: list[_Row] = []
    for line, depth in body:
        cells = _slice(line, starts)
        if _starts_row(cells):
            if not _fits_columns(cells):
                return None
            row = _Row(depth=depth)
            rows.append(row)
            if count_end is not None:
                end = line.find(cells["params"], positions["params"]) + len(cells["params"])
                last = count_end == width
                if last and terminal and end >= width:
                    raise _cut()  # cut where the terminal ended, perhaps through the digits
                if not wraps and end >= count_end - (0 if last else 1):
                    row.full_count = True
        elif not rows:
            return None
        elif not _continues(rows[-1], cells):
            return None
        row = rows[-1]
        for key, value in cells.items():
            if value:
                # tf-keras wraps a cell at any character, Keras 2 puts each further input of
                # "Connected to" on its own line: the pieces join as they are.
                row.add(key, value)
    for row in rows:
        _check_digits(row.text("layer"), row.text("params"))
        if row.full_count and len(row.pieces["params"]) == 1:
            raise _unreadable(f"the count of {row.text('layer')!r} fills its column, where "
                              "Keras cut longer counts short; print the summary wider, e.g. "
                              "model.summary(line_length=120)")
    return rows


_NAME_START = re.compile(r"^(?:[└|]\s*)*[^\s()]+(?:\s*\(|$)")
_SHAPE_START = re.compile(r"^(?:[\[(]|multiple\b|\?$)")
_COUNT_START = re.compile(r"^\d")


def _starts_row(cells: dict[str, str]) -> bool:
    """A line that begins a row: a name (perhaps with its class), a shape and a count."""
    layer = cells.get("layer", "")
    if not layer:
        return False
    if "└" in layer:  # Keras 3 marks a nested row's first line, even when its name wraps
        return bool(_COUNT_START.match(cells.get("params", "")))
    return bool(_NAME_START.match(layer)) and not (")" in layer and "(" not in layer) \
        and bool(_SHAPE_START.match(cells.get("shape", ""))) \
        and bool(_COUNT_START.match(cells.get("params", "")))


def _fits_columns(cells: dict[str, str]) -> bool:
    """A row's first line cut at the columns: each cell holds one thing (a line shifted off the
    header's columns puts a piece of one cell into the next)."""
    layer = re.sub(r"^(?:[└|]\s*)+", "", cells.get("layer", ""))
    if not re.match(r"^[^\s()]+(?:\s*\([A-Za-z_][\w.]*\)?)?$", layer):
        return False
    if not re.match(r"^(?:[\[(][^\[\]()]*(?:[\[(\])][^\[\]()]*)*|multiple|\?)$",
                    cells.get("shape", "")):
        return False
    if cells.get("connected", "")[:1].isdigit() or cells.get("trainable", "") not in ("", "Y", "N"):
        return False
    return bool(re.match(r"^\d[\d,]*(?:\.0)?(?:\s*\((?:unbuilt|unused)\))?$",
                         cells.get("params", "")))


_NAMED = re.compile(r"^[^\s()]+\s*\(")


def _continues(row: _Row, cells: dict[str, str]) -> bool:
    """A line without a row start of its own: the rest of the cells of the row above. Refused
    when it would join two rows: a 'name (Class' of its own after a name that already has its
    class (a name longer than its column goes on before its class), or any name piece after a
    whole one."""
    layer = cells.get("layer", "")
    if layer and (row.named or (row.opened and _NAMED.match(layer))):
        raise _unreadable(f"the row {row.text('layer')!r} is followed by {layer!r} without a "
                          "shape or count of its own: two rows would join")
    count = cells.get("params", "")
    return not count or bool(_DIGITS.match(count))


_DIGITS = re.compile(r"^[\d,]+$")


# --- reading a line by its parts (the spacing is lost) ------------------------------------------

# "(None, …" after a name cut before its class is the shape, not a class.
_PARTS_NAME = re.compile(r"^(?:[└|]\s*)*(?P<name>[^\s()]+)(?:\s?\((?!None\b)"
                         r"(?P<cls>[A-Za-z_][\w.]*)?(?P<close>\))?)?\s*")
_PARTS_COUNT = re.compile(r"^(?P<count>\d[\d,]*(?:\.0)?(?:\s*\((?:unbuilt|unused)\))?)(?=\s|$)\s*")


_SHAPE_CHARS = frozenset("0123456789, ()[]None")


def _shape_end(text: str) -> tuple[int, bool]:
    """How far the bracketed shape at the start of ``text`` goes, and whether it closed."""
    if text.startswith(MULTIPLE):
        return len(MULTIPLE), True
    if text.startswith("?"):
        return 1, True
    level = 0
    for i, ch in enumerate(text):
        if ch in "([":
            level += 1
        elif ch in ")]":
            level -= 1
            if level <= 0:
                return i + 1, level == 0
        elif ch not in _SHAPE_CHARS:
            return i, False
    return len(text), False


def _row_parts(line: str) -> dict[str, str] | None:
    """A row's first line read by its parts, or None when the line does not begin a row."""
    m = _PARTS_NAME.match(line)
    if not m or m.end() >= len(line):
        return None
    rest = line[m.end():]
    if not _SHAPE_START.match(rest):
        return None
    end, closed = _shape_end(rest)
    shape = rest[:end]
    after = rest[end:].lstrip()
    if not closed:
        # tf-keras wraps a list of shapes after "),": the count follows that piece.
        cut = shape.rfind("),")
        if cut < 0 or not re.match(r"^\s*\d", shape[cut + 2:]):
            return {"layer": line[:m.end()].strip(), "shape": shape, "cut": "shape"}
        after = shape[cut + 2:].lstrip() + rest[end:]
        shape = shape[:cut + 2]
    c = _PARTS_COUNT.match(after)
    if not c:
        return None
    return {"layer": line[:m.end()].strip(), "shape": shape.strip(), "params": c["count"],
            "rest": after[c.end():]}


def _rows_by_parts(body: list[tuple[str, int]], header: set[str] | None) -> list[_Row]:
    rows: list[_Row] = []
    for line, depth in body:
        s = line.strip()
        parts = _row_parts(s)
        if parts is not None and parts.get("cut") == "shape":
            raise _unreadable(f"the Output Shape of {parts['layer']!r} was cut short and the "
                              "spaces that set it apart from the count are lost (paste the "
                              "table as printed)")
        if parts is not None:
            row = _Row(depth=depth)
            rows.append(row)
            row.add("layer", parts["layer"])
            row.add("shape", parts["shape"])
            row.add("params", parts["params"])
            _add_rest(row, parts["rest"], header)
            continue
        if not rows:
            continue  # text above the table
        _continue_by_parts(rows[-1], s, header)
    return rows


_NOT_NAME = re.compile(r"\[\d+\]|^['\"\[]|^\((?:None|\d)|^\d+\)|^None\b|^-$")


def _continue_by_parts(row: _Row, s: str, header: set[str] | None) -> None:
    """The pieces of a line that continues the row above, each to the cell that needs it."""
    if _NAMED.match(s) and row.opened:
        raise _unreadable(f"the row {row.text('layer')!r} is followed by {s[:60]!r} without a "
                          "shape or count of its own: two rows would join")
    tokens = s.split(" ")
    i = 0
    # A name wrapped at any character: "batch_normalization (Batc" then "hNormalization)".
    while i < len(tokens) and not row.named and not _NOT_NAME.search(tokens[i]):
        row.add("layer", tokens[i], " " if tokens[i].startswith("(") else "")
        i += 1
    # A list of shapes wrapped after "),".
    while i < len(tokens) and row.level > 0:
        row.add("shape", tokens[i], " ")
        i += 1
    # The last digits of a count cut at its column's width.
    if i < len(tokens) and _DIGITS.match(tokens[i]) and "connected" not in row.pieces:
        row.add("params", tokens[i])
        i += 1
    _add_rest(row, " ".join(tokens[i:]), header)


def _add_rest(row: _Row, rest: str, header: set[str] | None) -> None:
    """What follows the count: the inputs ("Connected to") and/or the Trainable flag."""
    rest = rest.strip()
    if not rest:
        return
    m = re.search(r"(?:^|\s)([YN])$", rest)
    if m and (header is None or "trainable" in header):
        row.add("trainable", m[1])
        rest = rest[:m.start()].strip()
    if not rest:
        return
    if header is not None and "connected" not in header:
        raise _unreadable(f"the row {row.text('layer')!r} holds {rest!r} after its count, in no "
                          "column of the header")
    row.add("connected", rest)  # tf-keras cuts a name anywhere: the pieces join as they are


# --- cells to rows ---------------------------------------------------------------------------------

_NAME = re.compile(r"^\s*(?:[└|]\s*)*(?P<name>[^()]*?)\s*"
                   r"(?:\((?P<cls>[A-Za-z_][\w.]*…?)?(?P<close>\))?\s*)?$")
_PARAMS = re.compile(r"^\s*(?P<n>\d[\d,]*?)(?P<frac>\.0)?(?P<note>\s*\((?:unbuilt|unused)\))?\s*$")


def _columns(header: list[str], body: list[list[str]]) -> dict[str, int]:
    """Which cell holds what, from the header's words (or their order when it is missing)."""
    names = {}
    for i, text in enumerate(header):
        t = text.strip().lower()
        for key, prefix in (("layer", "lay"), ("shape", "out"), ("params", "par"),
                            ("connected", "con"), ("trainable", "t")):
            if t.startswith(prefix) and key not in names:
                names[key] = i
                break
    if {"layer", "shape"} <= set(names):
        return names
    # No header: name, shape, params, then "Connected to" and/or "Trainable" (Y or N).
    names = {"layer": 0, "shape": 1, "params": 2}
    for i in range(3, max((len(cells) for cells in body), default=3)):
        values = {cells[i].strip() for cells in body if i < len(cells) and cells[i].strip()}
        if values and values <= {"Y", "N"}:
            names.setdefault("trainable", i)
        elif values:
            names.setdefault("connected", i)
    return names


def _finish(rows: list[_Row], summary: Summary) -> None:
    """Each row's cells checked and read into a :class:`SummaryRow`; a nested row's parent is
    the row above it one level up."""
    for r in rows:
        r.cells = {key: r.text(key) for key in r.pieces}
    names = sorted({m["name"].strip() for r in rows
                    if (m := _NAME.match(r.cells.get("layer", ""))) and m["name"]})
    enclosing: list[str] = []  # the open nested models' names, outermost first
    for r in rows:
        row = _row(r, summary, names)
        del enclosing[row.depth:]
        row.parent = enclosing[-1] if enclosing and len(enclosing) == row.depth else None
        if len(enclosing) == row.depth:
            enclosing.append(row.name)
        summary.rows.append(row)


def _row(r: _Row, summary: Summary, names: list[str]) -> SummaryRow:
    layer = r.cells.get("layer", "")
    m = _NAME.match(layer)
    if not m or not m["name"]:
        raise _unreadable(f"{layer!r} is not a 'name (Class)' cell")
    printed = m["cls"] or ""
    whole = bool(m["close"]) and not printed.endswith("…")
    # A class cut off entirely (the name filled the column) is no class: "…", no options.
    options = () if not printed else complete_class(printed, whole=whole)
    if whole:
        # A package's class prints its bare name: the registered name is a completion.
        class_name = options[0] if len(options) == 1 else printed
        options = () if class_name == printed else options
    elif len(options) == 1:
        class_name = options[0]
    else:
        class_name = printed.rstrip("…") + "…"
    params_text = r.cells.get("params", "")
    p = _PARAMS.match(params_text)
    if not p:
        if "…" in params_text:
            raise _unreadable(f"the count of {m['name']!r} was cut short ({params_text!r}); "
                              "print the summary wider, e.g. model.summary(line_length=120)")
        raise _unreadable(f"the count of {m['name']!r} is {params_text!r}, not a number")
    digits = p["n"].replace(",", "")
    _check_digits(m["name"], digits)
    connected = None
    if summary.has_connected:
        connected = _connections(r.cells.get("connected", ""), names)
    return SummaryRow(
        name=m["name"].strip(), class_name=class_name,
        output_text=_tidy_shape(r.cells.get("shape", "")),
        params=int(digits), depth=r.depth, connected=connected,
        trainable={"Y": True, "N": False}.get(r.cells.get("trainable", "").strip()),
        unbuilt="unbuilt" in params_text, class_options=options, printed_class=printed)


def _check_digits(name: str, count: str) -> None:
    if len(count) > MAX_DIGITS and sum(c.isdigit() for c in count) > MAX_DIGITS:
        raise _unreadable(f"the count of {name!r} has more than {MAX_DIGITS} digits; no Keras "
                          "model is that large")


def _tidy_shape(text: str) -> str:
    text = re.sub(r"\s+", " ", text.strip())
    return re.sub(r",(?=\S)", ", ", text)


# Indices of more digits than any model has are no reference (and int() of them is costly).
_REF = re.compile(r"^(?P<name>[^\[\]]+?)\[(?P<node>\d{1,18})\]\[(?P<tensor>\d{1,18})\]$")
_REF_SPLIT = re.compile(r"[,\s]+")


def _connections(text: str, names: list[str]) -> list[tuple[str, int, int]]:
    """``['a[0][0]', 'b[0][0]']`` (tf-keras), ``a[0][0], b[0][0]`` (Keras 3), ``a[0][0]b[0][0]``
    (Keras 2, one input a line), with names cut short (``input_lay…``, ``input_1[0][``)
    completed from the table's names when only one fits (``names`` is sorted)."""
    text = re.sub(r"\](?=['\"]?[A-Za-z_])", "], ", text.strip())
    if text in ("", "-", "[]"):
        return []
    if text.startswith("[") and text.endswith("]") and ("'" in text or text == "[]"):
        text = text[1:-1]
    refs = []
    for token in _REF_SPLIT.split(text):  # a name holds no comma or space
        token = token.strip("'\"")
        m = _REF.match(token)
        if m:
            refs.append((m["name"], int(m["node"]), int(m["tensor"])))
            continue
        token = token.strip("[]'\"")
        if not token:
            continue
        stem = token.rstrip("…").rstrip(".")
        if "[" in stem:  # the indices were cut: the name is whole
            refs.append((stem.split("[", 1)[0], 0, 0))
            continue
        at = bisect_left(names, stem)
        fits = [n for n in names[at:at + 2] if n.startswith(stem)]
        refs.append((fits[0] if len(fits) == 1 else stem + "…", 0, 0))
    return refs


# --- shapes and totals -------------------------------------------------------------------------

def parse_shape_text(text: str):
    """``(None, 2)`` → ``(None, 2)``; ``[(None, 3), (None, 4)]`` → a list; ``multiple``, ``?``,
    a shape cut short or anything unreadable → None. A list of one shape (tf-keras' InputLayer)
    is that shape."""
    # A long table repeats its shapes: each text is read once (a list is given as a copy).
    if text not in _SHAPES:
        if len(_SHAPES) > 4096:
            _SHAPES.clear()
        _SHAPES[text] = _parse_shape_text(text)
    shape = _SHAPES[text]
    return list(shape) if isinstance(shape, list) else shape


_SHAPES: dict = {}


def _parse_shape_text(text: str):
    text = (text or "").strip()
    if not text or text.lower() == MULTIPLE or not _shape_end(text)[1] \
            or _shape_end(text)[0] != len(text):
        return None
    groups = re.findall(r"\(([^()]*)\)", text)
    if not groups:
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
            elif part.isdigit() and len(part) <= MAX_DIGITS:
                dims.append(int(part))
            else:
                return None
        shapes.append(tuple(dims))
    if len(shapes) == 1:
        return shapes[0]
    return shapes


_TOTALS = {"total": "Total params", "trainable": "Trainable params",
           "non_trainable": "Non-trainable params", "optimizer": "Optimizer params"}
_TOTAL_LINE = re.compile(r"^\s*(Total|Trainable|Non-trainable|Optimizer) params:\s*(\d[\d,]*)"
                         r"(?:\.0\b)?(?:\s*\(([^()]{0,40})\))?")


def _read_totals(lines: list[str], summary: Summary) -> None:
    for line in lines:
        m = _TOTAL_LINE.match(line)
        if not m:
            continue
        key = {"Total": "total", "Trainable": "trainable", "Non-trainable": "non_trainable",
               "Optimizer": "optimizer"}[m[1]]
        digits = m[2].replace(",", "")
        if len(digits) > MAX_DIGITS:
            raise _unreadable(f"its {_TOTALS[key]} has more than {MAX_DIGITS} digits; no Keras "
                              "model is that large")
        if getattr(summary, key) is None:
            setattr(summary, key, int(digits))
            if m[3] is not None:  # the size printed after it, "(192.00 B)"
                summary.sizes[key] = m[3].strip()


def _model_name(lines: list[str]) -> str | None:
    for line in lines:
        m = re.match(r'^\s*Model:\s*"(?P<name>[^"]*)"', line)
        if m:
            return m["name"]
    return None
