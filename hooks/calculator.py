"""The live calculator and weight diagrams, as placeholders any page can use.

In a page's Markdown, on a line of its own:

    {{ calculator("LSTM(10)", "(None, 1)") }}
        A link to the calculator opened on that layer and input shape (one sample, no batch axis):
        "Open `LSTM(10)` on `(None, 1)` in the calculator". It may also sit inside a sentence.
        A third string, if given, is the link's text: {{ calculator("GRU(8)", "(None, 3)", "a GRU") }}.

    {{ diagram("LSTM(20)", "(20, 1)") }}
        The layer's weights drawn as blocks (paramcount.diagram.svg), inline, light and dark mode.

    {{ calculator_app("LSTM(10)", "(None, 1)") }}
        The calculator itself, opened on that example (used once, by docs/calculator.md).

The arguments are Python string literals. A layer or shape paramcount cannot count is a build
warning, so `mkdocs build --strict` fails instead of publishing a broken link or picture.
Placeholders inside code (fenced blocks or `inline code`) are left alone, so pages can show them.

The calculator runs paramcount itself in the browser on Pyodide. This hook bundles the package's
sources (and latex2mathml, for the formula's MathML) into `assets/calculator/paramcount.zip` at
build time, and warns when the Pyodide runtime has not been vendored into docs/assets/pyodide/
(`make setup` does it, through scripts/vendor_pyodide.py).
"""

from __future__ import annotations

import ast
import html
import importlib.util
import io
import logging
import posixpath
import re
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # the working tree's paramcount, whatever is installed

import paramcount  # noqa: E402
from paramcount import web  # noqa: E402
from paramcount.diagram import svg  # noqa: E402

log = logging.getLogger("mkdocs.hooks.calculator")

CALCULATOR_PAGE = "calculator.md"
BUNDLE = "assets/calculator/paramcount.zip"
STYLESHEET = "assets/calculator/calculator.css"
SCRIPT = "assets/calculator/calculator.js"

PLACEHOLDER = re.compile(r"\{\{\s*(calculator|diagram|calculator_app)\((.*?)\)\s*\}\}")
# Fenced code blocks and inline code spans: their text is shown as written.
CODE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?^[ \t]*\1[ \t]*$|(`+)[^`\n].*?\2", re.M | re.S)

_app_pages: set[str] = set()


def calculator_query(layer: str, input_shape: str) -> str:
    """The calculator's URL query for a case, everything but letters and digits escaped, so that
    neither Markdown nor a chat client cuts the link short at a parenthesis or a space."""
    return f"layer={quote(layer, safe='')}&input_shape={quote(input_shape, safe='')}"


def calculator_link(layer: str, input_shape: str, src_uri: str, text: str | None = None) -> str:
    target = posixpath.relpath(CALCULATOR_PAGE, posixpath.dirname(src_uri) or ".")
    text = text or f"Open `{layer}` on `{input_shape}` in the calculator"
    return f"[{text}]({target}?{calculator_query(layer, input_shape)})"


def diagram_html(layer: str, input_shape: str) -> str:
    picture = svg(paramcount.explain_layer(layer, input_shape))
    return f'\n\n<div class="pc-diagram-box">{picture}</div>\n\n'


def app_html(layer: str, input_shape: str) -> str:
    """The calculator's form, opened on an example computed now, by the same code the browser runs.

    The results stay hidden until Python has started in the page and recomputed them for what the
    fields hold (the URL may ask for another case), so no stale number is ever shown; having them
    in place from the start keeps the page from jumping when they appear.
    """
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
                f'<p class="pc-error" id="{ident}-error" data-error-for="{name}"></p></div>')

    form = (field("layer", "Layer", "Keras code, e.g. <code>Bidirectional(LSTM(128))</code>", layer)
            + field("input_shape", "Input shape", "one sample, without the batch axis; "
                    "<code>None</code> for a length that varies", input_shape))
    return (f'\n\n<div class="pc-calc" data-state="loading">'
            f'<form class="pc-form" novalidate>{form}</form>'
            f'<p class="pc-status" role="status">Starting Python in your browser…</p>'
            f"<noscript><p>The calculator runs Python in your browser, which needs JavaScript. "
            f"The command line gives the same answers: <code>paramcount explain</code>.</p>"
            f"</noscript>"
            f'<p class="pc-announce" role="status"></p>'  # what a screen reader hears per edit
            f'<div class="pc-results">{web.results_html(answer)}</div>'
            f"</div>\n\n")


def _expand(match: re.Match, src_uri: str) -> str:
    kind = match[1]
    try:
        args = ast.literal_eval(f"({match[2]},)")
        wanted = (2, 3) if kind == "calculator" else (2,)
        if len(args) not in wanted or not all(isinstance(a, str) for a in args):
            raise ValueError("expected two strings, the layer code and the input shape"
                             + (" (and the link text)" if kind == "calculator" else ""))
        if kind == "calculator":
            paramcount.explain_layer(*args[:2])  # a link to a case the calculator rejects is a bug
            return calculator_link(*args[:2], src_uri, *args[2:])
        if kind == "diagram":
            return diagram_html(*args)
        _app_pages.add(src_uri)
        return app_html(*args)
    except (ValueError, SyntaxError, paramcount.ParamcountError) as error:
        log.warning("%s: cannot expand %s: %s", src_uri, match[0], error)
        return match[0]


def expand_placeholders(markdown: str, src_uri: str) -> str:
    """Every placeholder outside code replaced; code is copied as it is."""
    out, last = [], 0
    for code in CODE.finditer(markdown):
        out.append(_expand_text(markdown[last:code.start()], src_uri))
        out.append(code[0])
        last = code.end()
    out.append(_expand_text(markdown[last:], src_uri))
    return "".join(out)


UNFINISHED = re.compile(r"\{\{\s*(calculator|diagram|calculator_app)\(")


def _expand_text(text: str, src_uri: str) -> str:
    expanded = PLACEHOLDER.sub(lambda m: _expand(m, src_uri), text)
    # A placeholder cut in two (by a line break, or a backtick inside it that opens inline code)
    # would be published as raw text: make it a build warning instead.
    rest = PLACEHOLDER.sub("", expanded)  # whole ones that could not be counted warned already
    for left in UNFINISHED.finditer(rest):
        line = rest[left.start():].split("\n", 1)[0]
        log.warning(f"{src_uri}: unfinished placeholder {line!r}: keep it on one line, "
                    "with no backticks inside")
    return expanded


def bundle() -> bytes:
    """paramcount's sources, and the latex2mathml distribution, as a zip to unpack into Pyodide.

    Fixed timestamps and a sorted order: the same sources always give the same bytes.
    """
    source = ROOT / "src"
    members = {path.relative_to(source).as_posix(): path
               for path in (source / "paramcount").rglob("*.py")}
    latex2mathml = metadata.distribution("latex2mathml")  # with its dist-info: it reads its version
    for file in latex2mathml.files:
        inside = ".." not in file.parts  # not the console scripts in bin/
        if inside and "__pycache__" not in file.parts and not file.name.endswith((".pyc", "RECORD")):
            members[file.as_posix()] = Path(latex2mathml.locate_file(file))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, members[name].read_bytes())
    return buffer.getvalue()


def _pyodide_missing(docs_dir: Path) -> str | None:
    spec = importlib.util.spec_from_file_location("vendor_pyodide", ROOT / "scripts" / "vendor_pyodide.py")
    vendor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor)
    if vendor.TARGET != docs_dir / "assets" / "pyodide" or not vendor.is_current():
        return (f"the calculator needs Pyodide {vendor.VERSION} in docs/assets/pyodide/: "
                "run `make setup` (or python scripts/vendor_pyodide.py)")
    return None


def on_config(config):
    config.watch.append(str(ROOT / "src" / "paramcount"))  # mkdocs serve: rebuild on engine edits
    return config


def on_files(files, config):
    problem = _pyodide_missing(Path(config.docs_dir))
    if problem:
        log.warning(problem)
    files.append(File.generated(config, BUNDLE, content=bundle()))
    return files


def on_page_markdown(markdown, page, config, files):
    _app_pages.discard(page.file.src_uri)
    return expand_placeholders(markdown, page.file.src_uri)


def on_post_page(output, page, config):
    """The calculator's stylesheet and script, on the pages that hold it only."""
    if page.file.src_uri not in _app_pages:
        return output
    css = get_relative_url(STYLESHEET, page.url)
    js = get_relative_url(SCRIPT, page.url)
    tags = f'<link rel="stylesheet" href="{css}"><script type="module" src="{js}"></script>'
    return output.replace("</head>", tags + "</head>", 1)
