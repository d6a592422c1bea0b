r"""TeX to MathML at build time, so math costs no script, no font download and no layout shift.

pymdownx.arithmatex (generic mode) leaves `<span class="arithmatex">\(...\)</span>` and
`<div class="arithmatex">\[...\]</div>` in the page; this hook swaps the TeX inside for MathML that
Chromium, Firefox and Safari draw natively. TeX that latex2mathml cannot translate is a build
warning (so `mkdocs build --strict` fails), never raw TeX on the page.
"""

from __future__ import annotations

import html
import logging
import re
import xml.etree.ElementTree as ET

from latex2mathml.converter import convert

log = logging.getLogger("mkdocs.hooks.mathml")

ARITHMATEX = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.DOTALL)
# A table-of-contents title is escaped text, so its inline math has lost the wrapper.
TOC_MATH = re.compile(r"\\\((.+?)\\\)")
DELIMITERS = {"span": (r"\(", r"\)"), "div": (r"\[", r"\]")}
# `291{,}840`: TeX's way to keep a thousands comma from spacing like a list comma.
GROUPED_DIGITS = re.compile(r"<mn>(\d[\d,]*)</mn><mrow><mo>&#x0002C;</mo></mrow><mn>(\d+)</mn>")
# latex2mathml knows `align*` but not `aligned`, which draws the same rows inside display math.
ALIASES = {r"\begin{aligned}": r"\begin{align*}", r"\end{aligned}": r"\end{align*}"}
# Escaped characters inside \text{...}, which latex2mathml copies with their backslash.
TEXT_ESCAPE = re.compile(r"(<mtext>[^<]*?)\\([_%&#${}])")
# What a failed translation leaves behind: a backslash (MathML writes a real one as &#x0005C;),
# or a column separator as plain text.
UNTRANSLATED = re.compile(r"\\[A-Za-z]+|\\.|<m[io]>(?:&amp;|&)</m[io]>")


# Inline math may wrap after these, at the top level of the formula, as TeX wraps a paragraph.
MATHML = "http://www.w3.org/1998/Math/MathML"
BREAK_AFTER = {"=", "+", "\u2212", "<", ">", "\u2264", "\u2265", "\u2248", "\u2260", "\u2192"}
OPENING, CLOSING = set("([{\u27e8"), set(")]}\u27e9")
ET.register_namespace("", MATHML)


class TexError(ValueError):
    pass


def tex_to_mathml(tex: str, display: bool) -> str:
    """One TeX formula (no delimiters) as a `<math>` element; TexError if it cannot be drawn."""
    for old, new in ALIASES.items():
        tex = tex.replace(old, new)
    try:
        mathml = convert(tex, display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises many kinds; all mean "cannot translate"
        raise TexError(f"{type(error).__name__} {error}".strip()) from error
    while TEXT_ESCAPE.search(mathml):
        mathml = TEXT_ESCAPE.sub(r"\1\2", mathml)
    leftover = UNTRANSLATED.search(mathml)
    if leftover:
        raise TexError(f"not understood: {html.unescape(re.sub('<[^>]+>', '', leftover[0]))}")
    while GROUPED_DIGITS.search(mathml):
        mathml = GROUPED_DIGITS.sub(r"<mn>\1,\2</mn>", mathml)
    mathml = mathml if display else wrappable(mathml)
    # HTML knows <math> without its XML namespace; leaving it out saves bytes on every formula.
    return mathml.replace(f' xmlns="{MATHML}"', "")


def wrappable(mathml: str) -> str:
    """Inline math cut after its top-level `=` and `+` into several `<math>` joined by `<wbr>`.

    Browsers do not break a line inside `<math>`, so a long inline formula would make a phone
    screen scroll sideways; as pieces it wraps where TeX would break it on paper.
    """
    root = ET.fromstring(mathml)
    if len(root) != 1 or root[0].tag != f"{{{MATHML}}}mrow":
        return mathml
    pieces, piece, depth = [], [], 0
    for child in root[0]:
        piece.append(child)
        text = (child.text or "").strip() if child.tag == f"{{{MATHML}}}mo" else ""
        depth += (text in OPENING) - (text in CLOSING)
        if depth == 0 and text in BREAK_AFTER:
            pieces.append(piece)
            piece = []
    pieces += [piece] if piece else []
    if len(pieces) < 2:
        return mathml
    html_pieces = []
    for children in pieces:
        math = ET.Element(f"{{{MATHML}}}math", display="inline")
        ET.SubElement(math, f"{{{MATHML}}}mrow").extend(children)
        html_pieces.append(ET.tostring(math, encoding="unicode"))
    return "<wbr>".join(html_pieces)


def _mathml_or_warn(escaped_tex: str, display: bool, where: str) -> str | None:
    tex = html.unescape(escaped_tex)
    try:
        return tex_to_mathml(tex, display)
    except TexError as error:
        log.warning("%s: cannot render TeX %r: %s", where, tex, error)
        return None


def render_math(page_html: str, where: str = "") -> str:
    """Replace every arithmatex wrapper's TeX in `page_html` with MathML."""

    def replace(match: re.Match) -> str:
        tag, body = match[1], match[2].strip()
        opening, closing = DELIMITERS[tag]
        if not (body.startswith(opening) and body.endswith(closing)):
            return match[0]
        mathml = _mathml_or_warn(body[len(opening) : -len(closing)], tag == "div", where)
        return f'<{tag} class="arithmatex">{mathml}</{tag}>' if mathml else match[0]

    return ARITHMATEX.sub(replace, page_html)


def render_toc_title(title: str, where: str = "") -> str:
    def replace(match: re.Match) -> str:
        mathml = _mathml_or_warn(match[1], False, where)
        return f'<span class="arithmatex">{mathml}</span>' if mathml else match[0]

    return TOC_MATH.sub(replace, title)


def plain_title(title: str, where: str = "") -> str:
    """Math in a page title as plain characters (`4·u`): <title>, the nav and the header show text."""

    def replace(match: re.Match) -> str:
        mathml = _mathml_or_warn(match[1], False, where)
        return html.escape(html.unescape(re.sub(r"<[^>]+>", "", mathml))) if mathml else match[0]

    return TOC_MATH.sub(replace, title)


def on_page_content(html_text, page, config, files):
    where = page.file.src_uri
    for item in _walk(page.toc):  # headings with math appear in the table of contents too
        item.title = render_toc_title(item.title, where)
    if page.title:
        page.title = plain_title(page.title, where)
    return render_math(html_text, where)


def _walk(toc):
    for item in toc:
        yield item
        yield from _walk(item.children)
