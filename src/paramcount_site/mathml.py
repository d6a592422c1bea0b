r"""TeX to MathML at build time (a Python-Markdown extension): no script, no font, no layout shift.

pymdownx.arithmatex (generic mode) finds the math on a page, `$...$`, `\(...\)` and `$$...$$`, and
leaves it as `<span class="arithmatex">` / `<div class="arithmatex">` holding the TeX. This
extension swaps that TeX for the MathML Core of paramcount.show.mathml.tex (math-core), which
Chromium, Firefox and Safari draw natively. It runs before the table of contents is made, so a
heading's math is MathML there too and plain characters in the page's title. TeX the converter
cannot draw stops the build; it is never published raw.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from html.entities import html5

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

from paramcount.show.mathml import TexError, tex

from .placeholders import current_page

DELIMITERS = {"span": (r"\(", r"\)"), "div": (r"\[", r"\]")}
# Inline math may wrap after these, at the top level of the formula, as TeX wraps a paragraph.
BREAK_AFTER = {"=", "+", "\u2212", "<", ">", "\u2264", "\u2265", "\u2248", "\u2260", "\u2192"}
OPENING, CLOSING = set("([{\u27e8"), set(")]}\u27e9")
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# MathML in HTML may name characters as HTML does (math-core writes &ApplyFunction;); XML knows
# only its own five names, so the others are read as the characters they stand for.
HTML_ENTITY = re.compile(r"&(?!(?:lt|gt|amp|quot|apos);)([A-Za-z][A-Za-z0-9]*;)")


def _character(entity: re.Match) -> str:
    return html5.get(entity[1], entity[0])


class MathError(ValueError):
    """TeX on a page that cannot be drawn; the build stops with its message."""


def math_elements(source: str, display: bool) -> list[ET.Element]:
    """One formula as `<math>` elements: one for display math; for inline math, one per piece
    it may wrap between (a browser never breaks a line inside `<math>`)."""
    math = ET.fromstring(HTML_ENTITY.sub(_character, tex(source, display)))
    return [math] if display else wrappable(math)


def wrappable(math: ET.Element) -> list[ET.Element]:
    """Inline math cut after its top-level `=` and `+`, as TeX breaks a formula in a paragraph, so
    a long one does not make a phone screen scroll sideways. The pieces are joined by `<wbr>`."""
    pieces, piece, depth = [], [], 0
    for child in list(math):
        piece.append(child)
        text = (child.text or "").strip() if child.tag == "mo" else ""
        depth += (text in OPENING) - (text in CLOSING)
        if depth == 0 and text in BREAK_AFTER:
            pieces.append(piece)
            piece = []
    pieces += [piece] if piece else []
    if len(pieces) < 2:
        return [math]
    out = []
    for children in pieces:
        part = ET.Element("math", math.attrib)
        part.extend(children)
        out.append(part)
    return out


# Operators written with a space on each side in a formula's text form.
SPACED = BREAK_AFTER | {"\u22c5", "\u00d7", "\u2299", "\u2218", "\u00b7", "&"}


def math_text(element: ET.Element) -> str:
    """A formula as readable plain text: ``i_t = σ(x_t W_i + h_(t−1) U_i + b_i)``, rows of an
    aligned block separated by ``;``. What site search indexes instead of MathML's characters
    run together ("it=σ(xtWi+ht−1Ui+bi)")."""
    tag, children = element.tag, list(element)
    text = (element.text or "").replace("\u00a0", " ").strip()
    parts = [math_text(child) for child in children]
    if tag == "mo":
        return f" {text} " if text in SPACED else text
    if tag in ("mi", "mn", "mtext", "ms"):
        return text
    if tag in ("msub", "msup", "msubsup") and len(parts) >= 2:
        marks = {"msub": ["_"], "msup": ["^"], "msubsup": ["_", "^"]}[tag]
        out = parts[0]
        for mark, script in zip(marks, parts[1:]):
            script = script.replace(" ", "")
            out += mark + (script if len(script) == 1 else f"({script})")
        return out
    if tag == "mfrac" and len(parts) == 2:
        return f"({parts[0].strip()})/({parts[1].strip()})"
    if tag in ("msqrt", "mroot"):
        return f"√({parts[0].strip()})" if parts else "√"
    if tag in ("mover", "munder", "munderover") and parts:
        return parts[0]  # the accent or the brace's label is drawn, not read
    if tag == "mtable":
        return "; ".join(p.strip() for p in parts)
    if tag == "mtr":
        return "  ".join(p.strip() for p in parts if p.strip())
    if tag == "annotation":
        return ""
    joined, previous = "", None
    for child, part in zip(children, parts):
        if previous in SCRIPTED and child.tag in SCRIPTED | {"mi", "mn"}:
            joined += " "  # x_t W_i, not x_tW_i
        joined, previous = joined + part, child.tag
    return re.sub(r"  +", " ", joined)


SCRIPTED = {"msub", "msup", "msubsup"}


class _ToMathML(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        where = current_page(self.md).src_uri
        in_heading = {id(e) for h in root.iter() if h.tag in HEADINGS for e in h.iter()}
        wrappers = [e for e in root.iter() if e.get("class") == "arithmatex" and e.tag in DELIMITERS]
        for element in wrappers:
            opening, closing = DELIMITERS[element.tag]
            body = html.unescape(element.text or "").strip()
            if not (body.startswith(opening) and body.endswith(closing)):
                raise MathError(f"{where}: math without its delimiters: {body!r}")
            source = body[len(opening):-len(closing)]
            try:
                pieces = math_elements(source, display=element.tag == "div")
            except TexError as error:
                raise MathError(f"{where}: cannot draw the TeX {source!r}: {error}") from None
            element.text = None
            for i, piece in enumerate(pieces):
                if i:
                    wbr = ET.Element("wbr")
                    element.append(wbr)
                element.append(piece)
            if id(element) not in in_heading:  # a heading's text is its title: left as it is
                _searchable(element, pieces)


def _searchable(element: ET.Element, pieces: list[ET.Element]) -> None:
    """Site search reads the formula's text form, not the MathML (Material's search skips an
    element marked data-search-exclude); readers and screen readers get the MathML only."""
    for piece in pieces:
        piece.set("data-search-exclude", "")
    text = ET.SubElement(element, "span", {"class": "pc-math-text", "aria-hidden": "true"})
    text.text = " ".join(math_text(piece).strip() for piece in pieces)


class MathMLExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After inline patterns (20, where arithmatex finds inline math), before the table of
        # contents (5) reads the headings.
        md.treeprocessors.register(_ToMathML(md), "paramcount_mathml", 10)


def makeExtension(**kwargs) -> MathMLExtension:
    return MathMLExtension(**kwargs)
