"""Placeholders any page can use, expanded at build time (a Python-Markdown extension).

In a page's Markdown, outside code:

    {{ calculator("LSTM(10)", "(None, 1)") }}
        A link to the calculator opened on that layer and input shape (one sample, no batch axis):
        "Open `LSTM(10)` on `(None, 1)` in the calculator". It may sit inside a sentence. A third
        string, if given, is the link's text: {{ calculator("GRU(8)", "(None, 3)", "a GRU") }}.
    {{ diagram("LSTM(20)", "(20, 1)") }}
        The layer's weights drawn as blocks (paramcount.show.diagram.svg), inline, light and dark mode.
    {{ calculator_app("LSTM(10)", "(None, 1)") }}
        The calculator itself, opened on that example (used once, by docs/calculator.md).
    {{ reconcile_link("asked", "Open this table in the reconciler") }}
        A link to the reconcile page opened on the table that a `py` block of this page assigns
        to `asked` (a string literal), carried in the link as reconcile.js reads it.
    {{ formula("LSTM(10)", "(None, 1)") }}
        The layer's count formula as paramcount derives it, as TeX in the pages' notation, to be
        written inside math: `${{ formula("LSTM(10)", "(None, 1)") }}$` shows $4u(m + u + 1)$.
        The values in the arguments choose the case (use_bias, groups...); the symbols stay.
    {{ versions.keras }}, {{ versions.tf_keras }}, {{ versions.tensorflow }}
        The versions pinned in requirements/constraints.txt.

Arguments are Python string literals. A placeholder that cannot be expanded (a layer paramcount
cannot count, wrong arguments, an unknown name, one cut in two by a line break or a backtick) stops
the build with a one-line reason: it is never published as raw text. Placeholders inside code
(fenced blocks or `inline code`) are left alone, so pages can show them.

To add a placeholder, write one function at the end of this file and decorate it with
@placeholder: its name is the placeholder's name, its first parameter the Page being built, the
others the placeholder's arguments. Return Markdown (HTML for a block: wrap it in blank lines, see
`block`); raise ValueError or a ParamcountError to stop the build.
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import html
import inspect
import posixpath
import re
import textwrap
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

import paramcount
from paramcount import web
from paramcount.show.diagram import svg
from paramcount.show.doors import formula_section

from . import calculator_files
from .syntax import CALL, CODE, FORMULA, OPENING, VERSION
from .versions import verified_versions

PLACEHOLDERS: dict[str, Callable[..., str]] = {}



class PlaceholderError(ValueError):
    """A placeholder that cannot be expanded; the build stops with its message."""


@dataclass(frozen=True)
class Page:
    """The page being built, as a placeholder needs it."""

    src_uri: str  # its Markdown file, relative to docs/: "formulas/lstm.md"
    # Zensical resolves relative URLs in raw HTML from the Markdown file, as it does Markdown links;
    # MkDocs leaves them as written, relative to the built page.
    html_urls_from_source: bool = False
    # The page's Markdown as the builder hands it (set by `expand`), for a placeholder that reads
    # the page's own code: reconcile_link.
    source: str = dataclasses.field(default="", repr=False, compare=False)

    def link(self, markdown_file: str) -> str:
        """A Markdown link target from this page to another page's file (the builder turns it
        into that page's URL)."""
        return posixpath.relpath(markdown_file, posixpath.dirname(self.src_uri) or ".")

    def url(self, site_path: str) -> str:
        """A relative URL to a file of the built site, for raw HTML: "assets/x.js" from
        formulas/lstm.md is "../../assets/x.js" for MkDocs (the page is built as
        formulas/lstm/index.html), and "../assets/x.js" for Zensical, which resolves it from the
        Markdown file and rewrites it."""
        if self.html_urls_from_source:
            return self.link(site_path)
        stem = posixpath.splitext(self.src_uri)[0]
        folder = posixpath.dirname(stem) if posixpath.basename(stem) == "index" else stem
        return posixpath.relpath(site_path, folder or ".")


def placeholder(function: Callable[..., str]) -> Callable[..., str]:
    """Register `function` as the placeholder {{ function_name(...) }}."""
    PLACEHOLDERS[function.__name__] = function
    return function


def block(html_text: str) -> str:
    """HTML that stands as a block of its own, wherever the placeholder was written."""
    return f"\n\n{html_text}\n\n"


# --- Expanding ---------------------------------------------------------------------------------


def expand(markdown: str, page: Page) -> str:
    """Every placeholder outside code replaced; code is copied as it is."""
    page = dataclasses.replace(page, source=markdown)
    out, last = [], 0
    for code in CODE.finditer(markdown):
        out += [_expand_text(markdown[last:code.start()], page), code[0]]
        last = code.end()
    out.append(_expand_text(markdown[last:], page))
    return "".join(out)


def _expand_text(text: str, page: Page) -> str:
    versions = verified_versions()

    def version(match: re.Match) -> str:
        if match[1] not in versions:
            known = ", ".join(f"versions.{k}" for k in versions)
            raise PlaceholderError(f"{page.src_uri}: unknown placeholder {match[0]} (known: {known})")
        return versions[match[1]]

    expanded = CALL.sub(lambda m: _call(m, page), VERSION.sub(version, text))
    left = OPENING.search(expanded)
    if left:
        line = expanded[left.start():].split("\n", 1)[0]
        raise PlaceholderError(f"{page.src_uri}: unfinished placeholder {line!r}: keep it on one "
                               "line, with no backticks inside")
    return expanded


def _call(match: re.Match, page: Page) -> str:
    name, arguments = match[1], match[2]
    function = PLACEHOLDERS.get(name)
    try:
        if function is None:
            raise ValueError(f"unknown placeholder (known: {', '.join(sorted(PLACEHOLDERS))})")
        try:
            args = ast.literal_eval(f"({arguments},)") if arguments.strip() else ()
        except (ValueError, SyntaxError):
            raise ValueError("the arguments must be Python string literals") from None
        if not all(isinstance(a, str) for a in args):
            raise ValueError("the arguments must be strings")
        try:
            inspect.signature(function).bind(page, *args)
        except TypeError:
            wanted = list(inspect.signature(function).parameters)[1:]
            raise ValueError(f"expected the arguments {', '.join(wanted)}") from None
        return function(page, *args)
    except (ValueError, paramcount.ParamcountError) as error:
        raise PlaceholderError(f"{page.src_uri}: cannot expand {match[0]}: {error}") from None


# --- The extension -----------------------------------------------------------------------------


def current_page(md: Markdown) -> Page:
    """The page this Markdown instance is converting, as each builder tells it."""
    relpath = md.treeprocessors["relpath"] if "relpath" in md.treeprocessors else None
    if relpath is not None and hasattr(relpath, "file"):  # MkDocs: its link-rewriting step
        return Page(relpath.file.src_uri)
    for processor in md.preprocessors:  # Zensical: its rendering context
        path = getattr(getattr(processor, "page", None), "path", None)
        if path:
            return Page(path, html_urls_from_source=True)
    return Page("index.md")  # a bare Markdown converter (the tests): the site's root


class _Expand(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return expand("\n".join(lines), current_page(self.md)).split("\n")


class PlaceholderExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After pymdownx.snippets (32) includes other files, before code blocks are set aside (25).
        md.preprocessors.register(_Expand(md), "paramcount_placeholders", 31)


def makeExtension(**kwargs) -> PlaceholderExtension:
    return PlaceholderExtension(**kwargs)


# --- The placeholders --------------------------------------------------------------------------

CALCULATOR_PAGE = "calculator.md"


def calculator_query(layer: str, input_shape: str) -> str:
    """The calculator's URL query for a case, everything but letters and digits escaped, so that
    neither Markdown nor a chat client cuts the link short at a parenthesis or a space."""
    return f"layer={quote(layer, safe='')}&input_shape={quote(input_shape, safe='')}"


@placeholder
def calculator(page: Page, layer: str, input_shape: str, text: str = "") -> str:
    paramcount.explain_layer(layer, input_shape)  # a link to a case the calculator rejects is a bug
    text = text or f"Open `{layer}` on `{input_shape}` in the calculator"
    return f"[{text}]({page.link(CALCULATOR_PAGE)}?{calculator_query(layer, input_shape)})"


@placeholder
def diagram(page: Page, layer: str, input_shape: str) -> str:
    picture = svg(paramcount.explain_layer(layer, input_shape))
    return block(f'<div class="pc-diagram-box">{picture}</div>')


@placeholder
def calculator_app(page: Page, layer: str, input_shape: str) -> str:
    """The calculator's form, its fields holding an example, and an empty results area.

    The page's script fills the results for the case in the fields (the URL may name another one)
    from the build's answer for that case, if the site has one (calculator_files.answers), then from Python
    in the browser: no number is in the HTML, so none can be shown next to the wrong case. The
    stylesheet and the script come with the form, so only this page loads them.
    """
    calculator_files.check_bundle()
    answered = " ".join(calculator_files.check_answers())  # the page asks for no answer the build lacks
    problem = calculator_files.pyodide_problem()
    if problem:
        raise ValueError(problem)
    answer = web.result(layer, input_shape)
    if not answer["ok"]:
        raise paramcount.ParamcountError(answer["error"])

    def field(name: str, label: str, hint: str, value: str) -> str:
        ident = "pc-" + name.replace("_", "-")
        return (f'<div class="pc-field"><label for="{ident}">{label}</label>'
                f'<input id="{ident}" name="{name}" type="text" value="{html.escape(value)}" '
                f'spellcheck="false" autocapitalize="off" autocomplete="off" autocorrect="off" '
                f'aria-describedby="{ident}-hint {ident}-error">'
                f'<p class="pc-hint" id="{ident}-hint">{hint}</p>'
                f'<p class="pc-error" id="{ident}-error" data-error-for="{name}"></p>'
                # where an unknown class's answer points to (web.result's door_html)
                + ('<p class="pc-door-help" data-door-for="layer"></p>' if name == "layer" else "")
                + "</div>")

    form = (field("layer", "Layer", "Keras code, e.g. <code>Bidirectional(LSTM(128))</code>", layer)
            + field("input_shape", "Input shape", "one sample, without the batch axis; "
                    "<code>None</code> for a length that varies", input_shape))
    assets = (f'<link rel="stylesheet" href="{page.url(calculator_files.CALCULATOR_CSS)}">'
              # async: the script starts Python while the rest of the page is still read
              f'<script type="module" async src="{page.url(calculator_files.CALCULATOR_JS)}"></script>'
              f'<link rel="modulepreload" href="{page.url(calculator_files.CALCULATOR_RUNTIME)}">')
    return block(
        f'<div class="pc-calc" data-state="loading" data-answers="{answered}">{assets}'
        f'<form class="pc-form" novalidate>{form}</form>'
        f'<p class="pc-status" role="status">Starting Python in your browser…</p>'
        f"<noscript><p>The calculator runs Python in your browser, which needs JavaScript. "
        f"The command line gives the same answers: <code>paramcount explain</code>.</p>"
        f"</noscript>"
        f'<p class="pc-announce" role="status"></p>'  # what a screen reader hears per edit
        f'<div class="pc-results"></div>'
        f"</div>")


@placeholder
def formula(page: Page, layer: str, input_shape: str) -> str:
    return paramcount.explain_layer(layer, input_shape).expr.tex()


def expand_formulas(text: str) -> str:
    """Only the `{{ formula(...) }}` placeholders expanded (for readers of a page's Markdown that
    need its math as the site shows it: llms.txt, the pages' arithmetic checks)."""
    return FORMULA.sub(lambda m: formula(Page(""), *ast.literal_eval(f"({m[1]},)")), text)


@placeholder
def assets(page: Page, *site_paths: str) -> str:
    """{{ assets("assets/x/x.css", "assets/x/x.js") }}: a page's own stylesheets and module scripts,
    at addresses right for both builders (raw HTML written by hand gets them right for only one:
    Zensical rewrites relative URLs in raw HTML from the Markdown file, MkDocs does not)."""
    tags = []
    for path in site_paths:
        if path.endswith(".css"):
            tags.append(f'<link rel="stylesheet" href="{page.url(path)}">')
        elif path.endswith((".js", ".mjs")):
            tags.append(f'<script type="module" src="{page.url(path)}"></script>')
        else:
            raise ValueError(f"{path!r} is neither a stylesheet (.css) nor a script (.js)")
    return block("".join(tags))



def _statuses(package: str) -> tuple[str, list]:
    """The version and each layer class's status, for "keras", "tf_keras" or "keras_hub"."""
    from .keras_layers import load, registered_name
    from .supported import status

    listed = load()
    if package not in listed:
        raise ValueError(f"unknown package {package!r} (known: {', '.join(listed)})")
    return listed[package]["version"], [status(registered_name(package, name))
                                        for name in listed[package]["classes"]]


_MODULES = {"keras": ("Keras", "keras.layers"), "tf_keras": ("tf-keras", "tf_keras.layers"),
            "keras_hub": ("KerasHub", "keras_hub.layers")}


@placeholder
def supported_summary(page: Page, package: str) -> str:
    """{{ supported_summary("keras") }}: one line, how many classes of that package's layers
    module have each status."""
    from .supported import STATUSES

    version, statuses = _statuses(package)
    name, module = _MODULES[package]
    counts = [sum(s.status == kind for s in statuses) for kind in STATUSES]
    parts = ", ".join(f"**{n}** {kind}" for n, kind in zip(counts, STATUSES))
    return f"{name} {version}: **{len(statuses)}** classes in `{module}`: {parts}."


# How each status's group is introduced on the supported-layers page.
_GROUP_TITLES = {"formula": "Counted by a formula",
                 "weightless": "Weightless: no weights, 0 parameters each",
                 "stored weights only": "Counted from a saved file's stored weights only",
                 "refused": "Refused, with the reason"}


@placeholder
def supported_layers(page: Page, package: str) -> str:
    """{{ supported_layers("keras") }}: every layer class of the package (as listed in
    paramcount_site/keras_layers.json), grouped by its status in paramcount: a table per status,
    whose links name their class; the weightless ones, which need no words, folded in a list.
    Each group carries data-status for the page's filter box (assets/javascripts/supported-layers.js)."""
    from .supported import NOT_BUILT, STATUSES

    _, statuses = _statuses(package)
    out = []
    for kind in STATUSES:
        group = [s for s in statuses if s.status == kind]
        if not group:
            continue
        title = f"{_GROUP_TITLES[kind]} ({len(group)})"
        if kind == "weightless":
            why = {s: formula_section(s.class_name) for s in group}  # a page says why, for some
            unbuilt = NOT_BUILT.get(package, {})  # Keras could not confirm these: say why
            items = "\n".join(f"- `{s.short_name}`" + (f" ([why]({page.link(why[s])}))" if why[s]
                                                        else "")
                              + (f" (not built in Keras to confirm it: "
                                 f"{html.escape(unbuilt[s.class_name])})"
                                 if s.class_name in unbuilt else "") for s in group)
            out.append(f'<details class="pc-status-group" data-status="{kind}" markdown>\n'
                       f"<summary>{title}</summary>\n\n{items}\n\n</details>")
            continue
        rows = ["| Class | " + ("How it is counted" if kind == "formula" else "Why") + " |",
                "|---|---|"]
        for s in group:
            if kind == "formula":
                section = formula_section(s.class_name)
                details = (f"[how {s.short_name} is counted]({page.link(section)})" if section
                           else "counted from its config")
            else:
                details = html.escape(s.reason or "").replace("|", "\\|")
            rows.append(f"| `{s.short_name}` | {details} |")
        out.append(f'<div class="pc-status-group" data-status="{kind}" markdown>\n\n'
                   f'<p class="pc-status-title"><strong>{title}</strong></p>\n\n'
                   + "\n".join(rows) + "\n\n</div>")
    return "\n\n" + "\n\n".join(out) + "\n\n"


@placeholder
def supported_backbones(page: Page) -> str:
    """{{ supported_backbones() }}: the KerasHub backbones paramcount counts from their config
    (``BACKBONES`` in formulas/kerashub_backbones.py), as a table: models, not layers, so they
    are in no layers module's list."""
    from paramcount.formulas.kerashub_backbones import BACKBONES

    link = page.link("explain.md#kerashub-backbones")
    rows = ["| Backbone | How it is counted |", "|---|---|"]
    rows += [f"| `{name}` | [from its config's hyperparameters]({link}), layer by layer |"
             for name in sorted(BACKBONES)]
    return "\n\n" + "\n".join(rows) + "\n\n"


# --- The reconcile page opened on a table --------------------------------------------------------

RECONCILE_PAGE = "reconcile/"
# Fenced `py` blocks, as the docs tests run them (indented inside tabs too).
PY_BLOCK = re.compile(r"^([ \t]*)(`{3,})py(?:thon)?\b[^\n]*\n(.*?)^\1\2[ \t]*$", re.M | re.S)


def summary_fragment(table: str) -> str:
    """The reconcile page's URL fragment for a table, as docs/assets/reconcile/reconcile.js writes
    and reads it: `summary=` and the text's UTF-8, deflated (raw, no zlib header), in base64url
    without padding."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    deflated = compressor.compress(table.encode("utf-8")) + compressor.flush()
    return "summary=" + base64.urlsafe_b64encode(deflated).decode("ascii").rstrip("=")


def assigned_string(markdown: str, variable: str) -> str:
    """The string literal that the page's `py` blocks assign to `variable` (a triple-quoted
    table), found by parsing the blocks: the table is written once, in the code that reconciles
    it, and the link carries that very text."""
    values = []
    for match in PY_BLOCK.finditer(markdown):
        try:
            module = ast.parse(textwrap.dedent(match[3]))
        except SyntaxError:
            continue  # the docs tests name a block that does not parse
        values += [node.value.value for node in module.body
                   if isinstance(node, ast.Assign) and len(node.targets) == 1
                   and isinstance(node.targets[0], ast.Name) and node.targets[0].id == variable
                   and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)]
    if not values:
        raise ValueError(f"no py block of the page assigns a string literal to {variable}")
    if len(set(values)) > 1:
        raise ValueError(f"the page's py blocks assign {len(set(values))} different strings to "
                         f"{variable}: which one is the link's?")
    return values[0]


@placeholder
def reconcile_link(page: Page, variable: str, text: str) -> str:
    """{{ reconcile_link("asked", "Open this table in the reconciler") }}: a link that opens the
    reconcile page on the table a `py` block of this page assigns to `asked`.

    Raw HTML, not a Markdown link: both builders check a Markdown link's #fragment against the
    target's headings, and this one is read by the page's script instead. The URL is relative to
    the built page for MkDocs, to the Markdown file for Zensical (which rewrites it)."""
    table = assigned_string(page.source, variable)
    paramcount.reconcile(table)  # a link to a table the reconciler refuses is a bug of the page
    url = page.url(RECONCILE_PAGE).rstrip("/") + "/"
    return f'<a href="{html.escape(url)}#{summary_fragment(table)}">{html.escape(text)}</a>'
