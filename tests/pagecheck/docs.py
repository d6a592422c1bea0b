"""Run the examples of the docs and of the package's docstrings the same way for every test.

Examples are ```py blocks in docs/**/*.md (also indented inside content tabs and admonitions),
```py blocks in docstrings, and `>>>` examples in docstrings (which run with their module's names).
Each runs against real Keras (TensorFlow backend) after Keras' global state is reset, so automatic
layer names (`lstm`, `dense_1`) and random weights do not depend on test order.
Fence settings, in the info string as in pydantic's docs:

    ```py {group="name"}                      later blocks of the group see earlier blocks' globals
    ```py {test="skip" reason="why"}          not run; shown as a skip with its reason

`model.summary()` is routed through `print` (Keras 3 writes it with rich, tf-keras with
`sys.stdout.write`), and prints made inside Keras are attributed to the example line that caused
them, so a summary table is checked against the `#>` lines under the `summary(...)` call. Keep that
call on one line, and pass `line_length=` so the reader gets the same table.

pytest-examples writes output under the line of the `print`; a loop with two prints at different
lines interleaves their outputs in a way it cannot write back. Use one `print` per loop.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import importlib
import inspect
import os
import re
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_examples import CodeExample, find_examples
from pytest_examples import run_code as examples_run_code
from pytest_examples.config import ExamplesConfig
from pytest_examples.run_code import (
    InsertPrintStatements,
    MockPrintFunction,
    PrintStatement,
    find_print_location,
    run_code,
)

from paramcount_site.keras_tabs import tf_keras_fence, tf_keras_source

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PACKAGE = ROOT / "src" / "paramcount"

# `#>` lines may be this long before pytest-examples switches to a triple-quoted block.
EXAMPLES_CONFIG = ExamplesConfig(line_length=100)
# Wide enough that Keras 3's default summary width (88, or 108 with extra columns) never follows
# the terminal; pages still pass `line_length=` so the reader's own run looks the same.
FIXED_COLUMNS = "200"

Globals = dict[str, Any]


def all_examples() -> list[CodeExample]:
    """Every ```py block in docs/**/*.md, every ```py block and `>>>` example in the package's
    docstrings, in file order."""
    found = with_tf_keras_copies([*find_examples(DOCS), *find_examples(PACKAGE)])
    found += [ex for module in sorted(PACKAGE.rglob("*.py")) for ex in doctest_examples(module)]
    return sorted(found, key=lambda ex: (str(ex.path), ex.start_line, is_tf_keras_copy(ex)))


# --- A Keras 3 block that also stands for its tf-keras tab (paramcount_site.keras_tabs). ---

TF_KERAS_COPY = ' tf_keras_copy="yes"'


def with_tf_keras_copies(examples: list[CodeExample]) -> list[CodeExample]:
    """The blocks, each followed by the tf-keras copy the site shows in the next tab, if it has one:
    the same `#>` lines, its imports switched, run in its own group against tf-keras."""
    found = []
    for example in examples:
        found.append(example)
        if "tf_keras_group" in example.prefix_settings():
            found.append(dataclasses.replace(
                example,
                source=tf_keras_source(example.source),
                prefix=tf_keras_fence(example.prefix).rstrip("}").rstrip() + TF_KERAS_COPY + "}",
            ))
    return found


def is_tf_keras_copy(example: CodeExample) -> bool:
    return TF_KERAS_COPY in example.prefix


# --- `>>>` examples in docstrings (the package's style), run like ```py blocks. ---

DOCSTRING = re.compile(r'(^ *)(r?""")(.+?)"""', re.M | re.S)  # as pytest-examples finds them
PROMPT = re.compile(r"^( *)(?:>>>|\.\.\.)(?: |$)")
OUTPUT = re.compile(r"^ *#>(?: |$)")


def doctest_examples(module: Path) -> list[CodeExample]:
    """Each run of `>>>`/`...` lines and their `#>` output lines becomes one block, prompts removed.

    As under doctest, the blocks of one docstring share their names (they form a group), and
    they see the module's own globals.
    """
    text = module.read_text(encoding="utf-8")
    group = uuid.uuid5(uuid.NAMESPACE_URL, str(module))  # one per file, as pytest-examples needs
    docstrings = [d.span(3) for d in DOCSTRING.finditer(text)]
    examples, run, position = [], [], 0
    for line in [*text.splitlines(keepends=True), ""]:
        inside = [n for n, (start, end) in enumerate(docstrings) if start <= position < end]
        if line and inside and (PROMPT.match(line) or (run and OUTPUT.match(line))):
            run.append((position, line))
            docstring = inside[0]
        elif run:
            examples.append(_doctest_block(module, text, run, group, docstring))
            run = []
        position += len(line)
    return examples


def _doctest_block(module: Path, text: str, run: list, group: uuid.UUID, docstring: int) -> CodeExample:
    indent = len(PROMPT.match(run[0][1]).group(1))
    start, end = run[0][0], run[-1][0] + len(run[-1][1])
    source = "".join(line[indent:] if OUTPUT.match(line) else line[indent + 4 :] or "\n" for _, line in run)
    first_line = text[:start].count("\n")  # the line before the code, like a fence line
    return CodeExample(
        source=source,
        path=module,
        start_line=first_line,
        end_line=first_line + len(run),
        start_index=start,
        end_index=end,
        prefix=f'doctest group="docstring-{docstring}"',
        indent=0,
        group=group,
    )


def is_doctest(example: CodeExample) -> bool:
    return example.prefix.startswith("doctest")


def with_prompts(example: CodeExample, new_source: str) -> str:
    """The docstring text for a doctest block whose `#>` lines were rewritten."""
    original = example.path.read_text(encoding="utf-8")[example.start_index : example.end_index]
    code = iter(line for line in original.splitlines() if not OUTPUT.match(line))
    indent = " " * len(PROMPT.match(original).group(1))
    lines = []
    for line in new_source.splitlines():
        if OUTPUT.match(line):
            lines.append(indent + line)
        elif line.startswith(("'''", '"""')):
            raise ValueError(f"{example_id(example)}: output too long for `#>` lines in a docstring")
        else:
            lines.append(next(code))
    return "\n".join(lines) + "\n"


@cache
def module_globals_of(module: Path) -> Globals:
    """What a docstring example sees without imports: the module's own names."""
    if not module.is_relative_to(PACKAGE):
        return {}
    dotted = ".".join(module.relative_to(PACKAGE.parent).with_suffix("").parts)
    namespace = vars(importlib.import_module(dotted.removesuffix(".__init__")))
    return {name: value for name, value in namespace.items() if not name.startswith("__")}


def example_id(example: CodeExample) -> str:
    copy = " (tf-keras tab)" if is_tf_keras_copy(example) else ""
    return f"{rel(example.path)}:{example.start_line}{copy}"


def skip_reason(example: CodeExample) -> str | None:
    """The reason a block is not run, or None if it runs. A skip without a reason is an error."""
    settings = example.prefix_settings()
    if settings.get("test") != "skip":
        return None
    reason = settings.get("reason")
    if not reason:
        raise ValueError(f'{example_id(example)}: test="skip" needs reason="..." in the fence')
    return reason


def group_of(example: CodeExample) -> str | None:
    return example.prefix_settings().get("group")


def key(example: CodeExample) -> tuple[str, int, bool]:
    return str(example.path), example.start_line, is_tf_keras_copy(example)


def example_on_stack(file: Path, frame: inspect.FrameInfo) -> bool:
    current = frame.frame
    while current is not None:
        if current.f_code.co_filename == str(file):
            return True
        current = current.f_back
    return False


class _CallerOnlyPrint(MockPrintFunction):
    """pytest-examples' print mock (0.0.18), given its caller's frame without ``inspect.stack()``.
    That call reads the source of every frame on the stack, and looks each frame's module up
    among all of ``sys.modules``: with TensorFlow loaded, about 0.1 s a print, most of the time
    the page tests took. What the mock records is unchanged: the same frame, line and text."""

    __slots__ = ()

    def __call__(self, *args: Any, sep: str = " ", **kwargs: Any) -> None:
        caller = sys._getframe(examples_run_code.parent_frame_id)  # what stack()[id] would give
        frame = inspect.FrameInfo(caller, caller.f_code.co_filename, caller.f_lineno,
                                  caller.f_code.co_name, None, None)
        if self._include_file(frame, args):
            arguments = [examples_run_code.Arg(arg) for arg in args]
            self.statements.append(PrintStatement(self._find_line_number(frame), sep, arguments))


LIBRARY_PRINT_MOCK = MockPrintFunction  # kept for the test that the two record the same
examples_run_code.MockPrintFunction = _CallerOnlyPrint  # what InsertPrintStatements builds


class PrintRecorder:
    """pytest-examples' `include_print` hook: check a print if the example is anywhere on the call
    stack, not only its direct caller (that is how a summary table reaches the `#>` lines), and keep
    the text of every print it lets through for the number audit; after the run, `record` holds
    pytest-examples' record of the prints (what the mutation check compares `#>` lines with)."""

    def __init__(self) -> None:
        self.printed: list[str] = []
        self.record: InsertPrintStatements | None = None

    def __call__(self, file: Path, frame: inspect.FrameInfo, args: Any) -> bool:
        if not example_on_stack(file, frame):
            return False
        self.printed.append(" ".join(map(str, args)))
        return True


def _print_lines(text: str, *_args: Any, **_kwargs: Any) -> None:
    """A summary's `print_fn`: one `print` per non-blank line, so each becomes one `#>` line."""
    for line in str(text).splitlines():
        if line.strip():
            print(line.rstrip())


def _print_through_print(original: Callable[..., Any]) -> Callable[..., Any]:
    def print_summary(*args: Any, print_fn: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        return original(*args, print_fn=print_fn or _print_lines, **kwargs)

    print_summary.routed_through_print = True
    return print_summary


@cache
def _route_summaries_through_print() -> None:
    """Import Keras 3 and tf-keras once, and make `summary()` without `print_fn` use `print`."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from keras.src.utils import summary_utils
    from tf_keras.src.utils import layer_utils

    for module in (summary_utils, layer_utils):
        module.print_summary = _print_through_print(module.print_summary)


@contextlib.contextmanager
def fixed_terminal() -> Iterator[None]:
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = FIXED_COLUMNS
    try:
        yield
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


def fresh_keras() -> None:
    """Forget every layer name and seed every random generator, in Keras 3 and tf-keras alike."""
    _route_summaries_through_print()
    import keras
    import tf_keras

    keras.backend.clear_session(free_memory=False)  # names only; a gc pass costs 0.4 s a block
    tf_keras.backend.clear_session()
    for k in (keras, tf_keras):
        k.utils.set_random_seed(0)


@cache
def _scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="docs-examples-"))


@contextlib.contextmanager
def working_directory(page: Path) -> Iterator[Path]:
    """A scratch directory of the page's own, as the current directory: a block that saves
    "model.keras" there leaves the repository alone, and a ```console session of the page
    (console_sessions) finds the file where the reader's shell would."""
    folder = _scratch_dir() / "cwd" / rel(page).replace("/", "__")
    folder.mkdir(parents=True, exist_ok=True)
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(before)


# --- Orphan output: `#>` lines (or a triple-quoted output block) that no print wrote. ---
# pytest-examples replaces only the output right under a print that ran, so output under any other
# statement (`x = 7` then `#> 424242`) would stay on the page unchecked.

ORPHAN_MARK = "#<orphan output>"  # a comment, so the marked block still parses


def output_blocks(source: str) -> list[tuple[int, int]]:
    """(first, last) 0-based line indexes of each output in a block: a run of `#>` lines, or a
    bare triple-quoted string (one that is not a docstring)."""
    lines = source.splitlines()
    blocks, start = [], None
    for index, line in enumerate([*lines, ""]):
        if OUTPUT.match(line) and index < len(lines):
            start = index if start is None else start
        elif start is not None:
            blocks.append((start, index - 1))
            start = None
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", [])
        for position, statement in enumerate(body if isinstance(body, list) else []):
            is_docstring = position == 0 and isinstance(node, (ast.FunctionDef, ast.ClassDef))
            if (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                    and isinstance(statement.value.value, str) and not is_docstring
                    and lines[statement.lineno - 1].strip() in ('"""', "'''")):
                blocks.append((statement.lineno - 1, statement.end_lineno - 1))
    return sorted(blocks)


def orphan_outputs(example: CodeExample, printed: InsertPrintStatements) -> list[int]:
    """0-based indexes of the output lines in a block that sit under no print that ran."""
    after_print = {find_print_location(example, s.line_no)[0] for s in printed.print_statements()}
    return [
        index
        for first, last in output_blocks(example.source)
        if first not in after_print  # line `first` (0-based) follows the print's last line
        for index in range(first, last + 1)
    ]


def orphan_messages(example: CodeExample, printed: InsertPrintStatements) -> list[str]:
    lines = example.source.splitlines()
    # pytest-examples finds the output of a print wrapped over lines only under a `)` of its own.
    wrapped_ends = {node.end_lineno for node in ast.walk(ast.parse(example.source))
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "print" and node.end_lineno > node.lineno}
    return [
        f"{rel(example.path)}:{example.start_line + index + 1}: output {lines[index].strip()!r} "
        + ("is under a print wrapped over lines: put its closing `)` on a line of its own"
           if index in wrapped_ends else "is under a statement that printed nothing")
        for index in orphan_outputs(example, printed)
    ]


def expected_source(example: CodeExample, printed: InsertPrintStatements) -> str:
    """The block as a real run writes it: each print's output under it, orphan output removed."""
    lines = example.source.splitlines()
    for index in orphan_outputs(example, printed):
        lines[index] = ORPHAN_MARK
    marked = dataclasses.replace(example, source="\n".join(lines) + "\n")
    rewritten = printed.updated_print_statements(marked) or marked.source
    return "".join(
        line for line in rewritten.splitlines(keepends=True) if line.strip() != ORPHAN_MARK
    )


def run_with_print_mock(
    example: CodeExample, module_globals: Globals, recorder: PrintRecorder | None = None
) -> tuple[InsertPrintStatements, Globals]:
    """Run one block outside pytest's fixtures, recording its prints as pytest-examples does."""
    python_file = _scratch_dir() / f"{example.module_name}.py"
    python_file.write_text(example.source)
    if is_doctest(example):
        module_globals = {**module_globals_of(example.path), **module_globals}
    recorder = recorder or PrintRecorder()
    with fixed_terminal():
        record, new_globals = run_code(
            example=example,
            python_file=python_file,
            loader=None,
            config=EXAMPLES_CONFIG,
            enable_print_mock=True,
            print_callback=None,
            include_print=recorder,
            module_globals=module_globals,
            call=None,
        )
    recorder.record = record
    return record, new_globals


def failure_message(example: CodeExample, error: Exception) -> str:
    """`page.md:LINE: Error: message`, read from the traceback without formatting it.

    pytest-examples rewrites the traceback onto the page's lines with synthetic frames that
    Python 3.11's traceback printer can crash on (an INTERNALERROR), so pytest never sees them.
    """
    line, tb = example.start_line, error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename == str(example.path):  # a frame already moved onto the page
            line = tb.tb_lineno
        elif filename.endswith(f"{example.module_name}.py"):
            line = example.start_line + tb.tb_lineno
        tb = tb.tb_next
    return f"{rel(example.path)}:{line}: {type(error).__name__}: {error}"


# Runs one block with the given globals and print hook; returns the block's globals.
Execute = Callable[[CodeExample, Globals, PrintRecorder], Globals]


@cache
def examples_on(page: Path) -> list[CodeExample]:
    """The blocks of one file (a page or a module), top to bottom."""
    found = with_tf_keras_copies(find_examples(page))
    found += doctest_examples(page) if page.suffix == ".py" else []
    return sorted(found, key=lambda ex: (ex.start_line, is_tf_keras_copy(ex)))


def predecessors(example: CodeExample) -> list[CodeExample]:
    """The blocks that run before this one in its group; none if it is not grouped."""
    group = group_of(example)
    if group is None:
        return []
    return [
        ex
        for ex in examples_on(example.path)
        if ex.start_line < example.start_line and group_of(ex) == group and skip_reason(ex) is None
    ]


class BlockRunner:
    """Runs blocks one at a time as if each page ran top to bottom in a fresh process.

    A grouped block continues from its predecessor's globals when that predecessor was the last
    block run; otherwise the group is replayed from its start, so `-k` or any test order gives the
    same names and numbers.
    """

    def __init__(self) -> None:
        self._last: tuple[tuple[str, int, bool], Globals] | None = None
        # What each block printed the last time it ran to the end (and, under test_docs, matched
        # its `#>` lines), with the source it ran, so the number audit need not run it again.
        self.printed: dict[tuple[str, int, bool], tuple[str, list[str]]] = {}
        # pytest-examples' record of those prints, by block.
        self.records: dict[tuple[str, int, bool], InsertPrintStatements] = {}

    def run(self, example: CodeExample, execute: Execute) -> Globals:
        before = predecessors(example)
        if before and self._last is not None and self._last[0] == key(before[-1]):
            module_globals = self._last[1]
        else:
            self._last = None
            fresh_keras()
            module_globals = {}
            for earlier in before:
                module_globals = self._execute(earlier, module_globals, run_quietly)
        self._last = None
        new_globals = self._execute(example, module_globals, execute)
        self._last = key(example), new_globals
        return new_globals

    def _execute(self, example: CodeExample, module_globals: Globals, execute: Execute) -> Globals:
        recorder = PrintRecorder()
        failure = None
        try:
            with fixed_terminal(), working_directory(example.path):
                new_globals = execute(example, dict(module_globals), recorder)
        except Exception as error:  # pytest's own failures are BaseExceptions and pass through
            failure = failure_message(example, error)
        if failure is not None:
            # Failed outside the except block, so no snippet traceback is chained to it: Python
            # 3.11 cannot format the positions of pytest-examples' rewritten code (StopIteration).
            pytest.fail(failure, pytrace=False)
        self.printed[key(example)] = (example.source, recorder.printed)
        if recorder.record is not None:
            self.records[key(example)] = recorder.record
        return new_globals


def run_quietly(example: CodeExample, module_globals: Globals, recorder: PrintRecorder) -> Globals:
    return run_with_print_mock(example, module_globals, recorder)[1]


# One runner per process: Keras' global state is per process too.
RUNNER = BlockRunner()


@cache
def page_outputs(page: Path) -> tuple[list[CodeExample], list[str]]:
    """A page's blocks that run, and everything they printed (summary tables included).

    Blocks that test_docs already ran and checked in this session are not run again.
    """
    ran: list[CodeExample] = []
    printed: list[str] = []
    for example in examples_on(page):
        if skip_reason(example) is not None:
            continue
        source, lines = RUNNER.printed.get(key(example), (None, []))
        if source != example.source:
            RUNNER.run(example, run_quietly)
            source, lines = RUNNER.printed[key(example)]
        ran.append(example)
        printed.extend(lines)
    return ran, printed


# --- Prose: a page's lines outside code fences, with pymdownx.snippets includes read in place. ---

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
SNIPPET_INCLUDE = re.compile(r'^\s*-+8<-+\s*"([^"]+)"')  # pymdownx.snippets: --8<-- "FILE.md"


def prose_lines(lines: list[str], first_line: int, where: Path) -> Iterator[tuple[str, str]]:
    """(file:LINE, text) for each line outside code fences; an included file's lines are named
    after that file."""
    fence = None
    for number, line in enumerate(lines, start=first_line):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
            continue
        if fence is not None:
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                fence = None
            continue
        include = SNIPPET_INCLUDE.match(line)
        if include:  # the included file is prose of this page too
            included = next(p for p in (ROOT / include[1], DOCS / include[1]) if p.exists())
            yield from prose_lines(included.read_text(encoding="utf-8").splitlines(), 1, included)
            continue
        yield f"{rel(where)}:{number}", line


def split_front_matter(text: str) -> tuple[dict, list[str], int]:
    """The YAML front matter, the remaining lines, and the line number of the first of them."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        for end, line in enumerate(lines[1:], start=1):
            if line.strip() == "---":
                meta = yaml.safe_load("\n".join(lines[1:end])) or {}
                return meta, lines[end + 1 :], end + 2
    return {}, lines, 1


def rel(path: Path) -> str:
    """A path as the tests name it: relative to the repository when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
