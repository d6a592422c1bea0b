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


class _ToMathML(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        where = current_page(self.md).src_uri
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


class MathMLExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After inline patterns (20, where arithmatex finds inline math), before the table of
        # contents (5) reads the headings.
        md.treeprocessors.register(_ToMathML(md), "paramcount_mathml", 10)


def makeExtension(**kwargs) -> MathMLExtension:
    return MathMLExtension(**kwargs)
