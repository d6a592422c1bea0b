"""Run the ```py blocks of the docs the same way for every test that needs them.

A block runs against real Keras (TensorFlow backend) with Keras' global state reset first, so
automatic layer names (`lstm`, `dense_1`) and random weights do not depend on test order.
Fence settings, in the info string as in pydantic's docs:

    ```py {group="name"}                      later blocks of the group see earlier blocks' globals
    ```py {test="skip" reason="why"}          not run; shown as a skip with its reason

`model.summary()` is routed through `print` (Keras 3 writes it with rich, tf-keras with
`sys.stdout.write`), and prints made inside Keras are attributed to the example line that caused
them, so a summary table is checked against the `#>` lines under the `summary(...)` call.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import tempfile
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from pytest_examples import CodeExample, find_examples
from pytest_examples.config import ExamplesConfig
from pytest_examples.run_code import InsertPrintStatements, run_code

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PACKAGE = ROOT / "src" / "paramcount"

# `#>` lines may be this long before pytest-examples switches to a triple-quoted block.
EXAMPLES_CONFIG = ExamplesConfig(line_length=100)
# Wide enough that Keras 3's default summary width (88, or 108 with extra columns) never follows
# the terminal; pages still pass `line_length=` so the reader's own run looks the same.
FIXED_COLUMNS = "200"

Globals = dict[str, Any]


def all_examples() -> list[CodeExample]:
    """Every ```py block in docs/**/*.md and in src/paramcount docstrings, in page order."""
    found = [*find_examples(DOCS), *find_examples(PACKAGE)]
    return sorted(found, key=lambda ex: (str(ex.path), ex.start_line))


def example_id(example: CodeExample) -> str:
    return f"{rel(example.path)}:{example.start_line}"


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


def key(example: CodeExample) -> tuple[str, int]:
    return str(example.path), example.start_line


def include_print(file: Path, frame: inspect.FrameInfo, args: Any) -> bool:
    """Check a print if the example is anywhere on the call stack, not only its direct caller."""
    current = frame.frame
    while current is not None:
        if current.f_code.co_filename == str(file):
            return True
        current = current.f_back
    return False


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

    for k in (keras, tf_keras):
        k.backend.clear_session()
        k.utils.set_random_seed(0)


@cache
def _scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="docs-examples-"))


def run_with_print_mock(
    example: CodeExample, module_globals: Globals
) -> tuple[InsertPrintStatements, Globals]:
    """Run one block outside pytest's fixtures, recording its prints as pytest-examples does."""
    python_file = _scratch_dir() / f"{example.module_name}.py"
    python_file.write_text(example.source)
    with fixed_terminal():
        return run_code(
            example=example,
            python_file=python_file,
            loader=None,
            config=EXAMPLES_CONFIG,
            enable_print_mock=True,
            print_callback=None,
            include_print=include_print,
            module_globals=module_globals,
            call=None,
        )


def capture_prints(example: CodeExample, module_globals: Globals) -> tuple[list[str], Globals]:
    """Run one block; return the text of each print it made (summaries included) and its globals."""
    printed, new_globals = run_with_print_mock(example, module_globals)
    return [str(statement) for statement in printed.print_statements()], new_globals


Execute = Callable[[CodeExample, Globals], Globals]


@cache
def examples_on(page: Path) -> list[CodeExample]:
    """The blocks of one file (a page or a module), top to bottom."""
    return sorted(find_examples(page), key=lambda ex: ex.start_line)


def predecessors(example: CodeExample) -> list[CodeExample]:
    """The blocks that run before this one in its group; none if it is not grouped."""
    group = group_of(example)
    if group is None:
        return []
    return [
        ex
        for ex in examples_on(example.path)
        if ex.start_line < example.start_line
        and group_of(ex) == group
        and skip_reason(ex) is None
    ]


class BlockRunner:
    """Runs blocks one at a time as if each page ran top to bottom in a fresh process.

    A grouped block continues from its predecessor's globals when that predecessor was the last
    block run; otherwise the group is replayed from its start, so `-k` or any test order gives the
    same names and numbers.
    """

    def __init__(self) -> None:
        self._last: tuple[tuple[str, int], Globals] | None = None

    def run(self, example: CodeExample, execute: Execute) -> Globals:
        before = predecessors(example)
        if before and self._last is not None and self._last[0] == key(before[-1]):
            module_globals = self._last[1]
        else:
            self._last = None
            fresh_keras()
            module_globals = {}
            for earlier in before:
                _, module_globals = capture_prints(earlier, module_globals)
        self._last = None
        with fixed_terminal():
            new_globals = execute(example, dict(module_globals))
        self._last = key(example), new_globals
        return new_globals


# One runner per process: Keras' global state is per process too.
RUNNER = BlockRunner()


@cache
def page_outputs(page: Path) -> tuple[list[CodeExample], list[str]]:
    """Run a page's blocks once per session: the blocks that ran and everything they printed."""
    ran: list[CodeExample] = []
    printed: list[str] = []

    def execute(example: CodeExample, module_globals: Globals) -> Globals:
        lines, new_globals = capture_prints(example, module_globals)
        printed.extend(lines)
        return new_globals

    for example in examples_on(page):
        if skip_reason(example) is None:
            RUNNER.run(example, execute)
            ran.append(example)
    return ran, printed


def rel(path: Path) -> str:
    """A path as the tests name it: relative to the repository when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
