"""Every ```py block in docs/ and in the package's docstrings runs, and prints what its `#>` lines say.

`make update-examples` (pytest tests/test_docs.py --update-examples) rewrites the `#>` lines from a
real run. How blocks run (groups, skips, summaries, fresh Keras state) is in docs_support.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from docs_support import (
    EXAMPLES_CONFIG,
    RUNNER,
    all_examples,
    example_id,
    include_print,
    run_with_print_mock,
    skip_reason,
)
from pytest_examples import CodeExample, EvalExample

EXAMPLES = all_examples()


@pytest.mark.keras
@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_docs_example(example: CodeExample, eval_example: EvalExample) -> None:
    reason = skip_reason(example)
    if reason:
        pytest.skip(f"{example_id(example)}: {reason}")
    eval_example.config = EXAMPLES_CONFIG
    eval_example.include_print = include_print
    if eval_example.update_examples:
        RUNNER.run(example, lambda ex, g: eval_example.run_print_update(ex, module_globals=g))
    else:
        RUNNER.run(example, lambda ex, g: eval_example.run_print_check(ex, module_globals=g))


# --- The check bites: a page's own snippet with one digit changed in its output must fail. ---

SUMMARY_ROW = re.compile(r"^ *#> │.*?(\d) *│$", re.M)  # a layer row's last cell: "Param #"
TOTAL_LINE = re.compile(r"^ *#> +Total params: (\d)", re.M)
PRINTED_VALUE = re.compile(r"^ *print\(.*\n *#> [^│┃┏┡└\n]*?(\d)", re.M)  # a plain print's output


def with_one_digit_changed(pattern: re.Pattern[str]) -> tuple[CodeExample, CodeExample]:
    """The first docs snippet whose output matches `pattern`, and a copy with that digit changed."""
    for example in EXAMPLES:
        match = pattern.search(example.source)
        if match and skip_reason(example) is None:
            digit = match.group(1)
            wrong = str((int(digit) + 1) % 10)
            source = example.source[: match.start(1)] + wrong + example.source[match.end(1) :]
            return example, dataclasses.replace(example, source=source)
    pytest.fail(f"no docs snippet has output matching {pattern.pattern!r} to alter")


@pytest.mark.keras
@pytest.mark.parametrize(
    "pattern", [SUMMARY_ROW, TOTAL_LINE, PRINTED_VALUE], ids=["summary-row", "total", "print"]
)
def test_a_wrong_digit_fails(pattern: re.Pattern[str], eval_example: EvalExample) -> None:
    original, altered = with_one_digit_changed(pattern)
    eval_example.config = EXAMPLES_CONFIG
    eval_example.include_print = include_print
    with pytest.raises(pytest.fail.Exception, match="Print output changed code"):
        RUNNER.run(altered, lambda ex, g: eval_example.run_print_check(ex, module_globals=g))


@pytest.mark.keras
@pytest.mark.parametrize("pattern", [SUMMARY_ROW, PRINTED_VALUE], ids=["summary-row", "print"])
def test_update_restores_a_wrong_digit(pattern: re.Pattern[str]) -> None:
    """What --update-examples would write over an altered snippet is the page's real text."""
    original, altered = with_one_digit_changed(pattern)
    rewritten: list[str | None] = []

    def execute(example, module_globals):
        printed, new_globals = run_with_print_mock(example, module_globals)
        rewritten.append(printed.updated_print_statements(example))
        return new_globals

    RUNNER.run(altered, execute)
    assert rewritten == [original.source]
