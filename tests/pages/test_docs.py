"""Every ```py block in docs/ and in the package's docstrings runs, and prints what its `#>` lines say.

`make update-examples` (pytest tests/pages/test_docs.py --update-examples) rewrites the `#>` lines from a
real run. How blocks run (groups, skips, summaries, fresh Keras state) is in docs_support.
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
from pathlib import Path

import pytest
from pytest_examples import CodeExample, EvalExample
from pytest_examples.lint import code_diff
from pytest_examples.modify_files import _modify_files

from pagecheck.docs import (
    EXAMPLES_CONFIG,
    LIBRARY_PRINT_MOCK,
    RUNNER,
    PrintRecorder,
    all_examples,
    doctest_examples,
    example_id,
    examples_on,
    expected_source,
    is_doctest,
    is_tf_keras_copy,
    orphan_messages,
    predecessors,
    run_quietly,
    run_with_print_mock,
    skip_reason,
    with_prompts,
)

EXAMPLES = all_examples()


@pytest.mark.keras
@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_docs_example(example: CodeExample, eval_example: EvalExample) -> None:
    reason = skip_reason(example)
    if reason:
        pytest.skip(f"{example_id(example)}: {reason}")
    RUNNER.run(example, checked_by(eval_example))


def checked_by(eval_example: EvalExample, *, may_update: bool = True):
    """Run a block with pytest-examples' print mock and compare its prints with the `#>` lines,
    or (under --update-examples, for the page's own blocks) rewrite them.

    Output under a statement that printed nothing fails too, naming its page line (pytest-examples
    leaves such lines alone); an update removes it.
    """

    def execute(example: CodeExample, module_globals: dict, recorder: PrintRecorder) -> dict:
        printed, new_globals = run_with_print_mock(example, module_globals, recorder)
        if may_update and eval_example.update_examples and not is_tf_keras_copy(example):
            new_source = expected_source(example, printed)
            if new_source != example.source:
                if is_doctest(example):
                    new_source = with_prompts(example, new_source)
                eval_example.to_update.append(dataclasses.replace(example, source=new_source))
            return new_globals
        orphans = orphan_messages(example, printed)
        if orphans:
            pytest.fail("\n".join(orphans), pytrace=False)
        new_source = printed.updated_print_statements(example)
        if new_source is not None:
            diff = code_diff(example, new_source, EXAMPLES_CONFIG)
            copy = " in the tf-keras tab's copy (if Keras 3 prints the `#>` lines, write that tab " \
                "out by hand)" if is_tf_keras_copy(example) else ""
            pytest.fail(f"Print output changed code{copy}:\n{textwrap.indent(diff, '  ')}",
                        pytrace=False)
        return new_globals

    return execute


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
    with pytest.raises(pytest.fail.Exception, match="Print output changed code"):
        RUNNER.run(altered, checked_by(eval_example, may_update=False))


@pytest.mark.keras
@pytest.mark.parametrize("pattern", [SUMMARY_ROW, PRINTED_VALUE], ids=["summary-row", "print"])
def test_update_restores_a_wrong_digit(pattern: re.Pattern[str]) -> None:
    """What --update-examples would write over an altered snippet is the page's real text."""
    original, altered = with_one_digit_changed(pattern)
    rewritten: list[str | None] = []

    def execute(example, module_globals, recorder):
        printed, new_globals = run_with_print_mock(example, module_globals, recorder)
        rewritten.append(printed.updated_print_statements(example))
        return new_globals

    RUNNER.run(altered, execute)
    assert rewritten == [original.source]


@pytest.mark.keras
def test_an_error_in_a_snippet_names_the_page_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n```py\nunits = 0\nraise ValueError(f'units={units}')\n```\n")
    with pytest.raises(pytest.fail.Exception, match=r"page\.md:5: ValueError: units=0$"):
        RUNNER.run(examples_on(page)[0], run_quietly)


def test_the_print_mock_records_what_pytest_examples_own_records(tmp_path: Path, monkeypatch) -> None:
    """pagecheck's faster print mock: the same lines, separators and values as the library's."""
    from pytest_examples import run_code as library

    page = tmp_path / "page.md"
    page.write_text("# A page\n\n```py\ndef show(x):\n    print('x is', x, sep=' = ')\n\n\n"
                    "print(1, 2)\nshow([3, 4])\nprint()\n```\n")
    example = examples_on(page)[0]
    ours = run_with_print_mock(example, {})[0].print_func.statements
    monkeypatch.setattr(library, "MockPrintFunction", LIBRARY_PRINT_MOCK)
    theirs = run_with_print_mock(example, {})[0].print_func.statements
    assert type(theirs[0]) is type(ours[0])
    assert [(s.line_no, s.sep, str(s)) for s in ours] == [
        (s.line_no, s.sep, str(s)) for s in theirs] == [(5, " ", "1 2"), (2, " = ", "x is = [3, 4]"),
                                                        (7, " ", "")]  # lines of the block


@pytest.mark.keras
def test_a_grouped_block_passes_on_its_own(eval_example: EvalExample) -> None:
    """Run cold (as under `-k`), a late block of a group replays its group first and gets the
    same layer names and numbers as in a top-to-bottom run."""
    grouped = [ex for ex in EXAMPLES if len(predecessors(ex)) >= 2 and skip_reason(ex) is None]
    assert grouped, "no docs page has a group of three blocks or more"
    RUNNER.run(EXAMPLES[0], run_quietly)  # whatever ran last is not this block's predecessor
    RUNNER.run(grouped[-1], checked_by(eval_example, may_update=False))


def test_a_skip_must_say_why(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        '```py {test="skip"}\nprint(1)\n```\n\n```py {test="skip" reason="a GPU"}\nprint(2)\n```\n'
    )
    silent, explained = examples_on(page)
    with pytest.raises(ValueError, match='needs reason="..."'):
        skip_reason(silent)
    assert skip_reason(explained) == "a gpu"  # pytest-examples lower-cases the fence line


# --- `>>>` examples in docstrings: checked and rewritten like the pages' blocks. ---

DOCSTRING_MODULE = '''\
"""A module.

>>> answer = 2 * 21
>>> print(answer)
#> 41
>>> print(answer + 1)
#> 43

Prose between two examples of one docstring: they share names, as under doctest.

>>> print(answer * 2)
#> 84
"""
'''


@pytest.mark.keras
def test_a_wrong_docstring_output_fails_and_update_rewrites_it(
    tmp_path: Path, eval_example: EvalExample
) -> None:
    module = tmp_path / "module.py"
    module.write_text(DOCSTRING_MODULE)
    example, later = doctest_examples(module)
    RUNNER.run(later, checked_by(eval_example, may_update=False))  # replays `example` first
    assert example.source == "answer = 2 * 21\nprint(answer)\n#> 41\nprint(answer + 1)\n#> 43\n"
    with pytest.raises(pytest.fail.Exception, match=r"(?s)-#> 41\n  \+#> 42"):
        RUNNER.run(example, checked_by(eval_example, may_update=False))

    printed, _ = run_with_print_mock(example, {})
    rewritten = dataclasses.replace(
        example, source=with_prompts(example, printed.updated_print_statements(example))
    )
    _modify_files([rewritten])  # what --update-examples does at the end of the session
    assert module.read_text() == DOCSTRING_MODULE.replace("#> 41", "#> 42")


# --- Output that nothing printed: a `#>` line or an output block under a silent statement. ---

ORPHANS = '''\
# A page

```py
units = 7
#> 424242
for n in range(2):
    print(n)
    #> 0
    #> 1
total = units * 2
"""
14
"""
print(total)
#> 14
```
'''


@pytest.mark.keras
def test_output_under_a_silent_statement_fails_naming_page_and_line(
    tmp_path: Path, eval_example: EvalExample
) -> None:
    page = tmp_path / "page.md"
    page.write_text(ORPHANS)
    with pytest.raises(pytest.fail.Exception) as failure:
        RUNNER.run(examples_on(page)[0], checked_by(eval_example, may_update=False))
    assert str(failure.value).splitlines() == [
        f"{page}:5: output '#> 424242' is under a statement that printed nothing",
        f"{page}:11: output '\"\"\"' is under a statement that printed nothing",
        f"{page}:12: output '14' is under a statement that printed nothing",
        f"{page}:13: output '\"\"\"' is under a statement that printed nothing",
    ]


@pytest.mark.keras
def test_output_under_a_print_wrapped_over_lines_says_where_its_parenthesis_goes(
    tmp_path: Path,
) -> None:
    page = tmp_path / "page.md"
    page.write_text('```py\nx = 2\nprint("a", x,\n      "b", x + 1)\n#> a 2 b 3\n```\n')
    example = examples_on(page)[0]
    printed, _ = run_with_print_mock(example, {})
    assert orphan_messages(example, printed) == [
        f"{page}:5: output '#> a 2 b 3' is under a print wrapped over lines: put its closing `)` "
        "on a line of its own"]
    page = tmp_path / "fixed.md"
    page.write_text('```py\nx = 2\nprint("a", x,\n      "b", x + 1,\n)\n#> a 2 b 3\n```\n')
    example = examples_on(page)[0]
    printed, _ = run_with_print_mock(example, {})
    assert orphan_messages(example, printed) == []


@pytest.mark.keras
def test_update_removes_output_that_nothing_printed(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(ORPHANS)
    example = examples_on(page)[0]
    printed, _ = run_with_print_mock(example, {})
    assert expected_source(example, printed) == (
        "units = 7\nfor n in range(2):\n    print(n)\n    #> 0\n    #> 1\n"
        "total = units * 2\nprint(total)\n#> 14\n"
    )


@pytest.mark.keras
def test_an_orphan_in_a_docstring_example_fails(tmp_path: Path, eval_example: EvalExample) -> None:
    module = tmp_path / "module.py"
    module.write_text('"""A module.\n\n>>> answer = 42\n#> 42\n>>> print(answer)\n#> 42\n"""\n')
    (example,) = doctest_examples(module)
    with pytest.raises(pytest.fail.Exception, match=rf"^{module}:4: output '#> 42' is under"):
        RUNNER.run(example, checked_by(eval_example, may_update=False))
