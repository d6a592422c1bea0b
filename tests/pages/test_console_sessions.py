"""Every ```console session in docs/ prints what the page shows (tests/pagecheck/console.py says how
they run). `--update-examples` rewrites their output from a real run."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pagecheck.console import (
    Command,
    Session,
    all_sessions,
    differences,
    rewrite,
    run_command,
    run_session,
    sessions_on,
)

SESSIONS = all_sessions()


@pytest.mark.keras
@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_console_session(session: Session, request) -> None:
    printed = run_session(session)
    if request.config.getoption("update_examples"):
        rewrite(session, printed)
        return
    problems = differences(session, printed)
    assert not problems, "\n".join(problems)


def test_the_explain_page_shows_the_commands_as_typed():
    explain = next(s for s in SESSIONS if s.page.name == "explain.md")
    commands = [c.text for s in SESSIONS if s.page == explain.page for c in s.commands]
    assert any(c.startswith("paramcount count ") and c.endswith(".keras") for c in commands)
    assert any(c.startswith("paramcount explain ") for c in commands)
    assert all(c.shown for s in SESSIONS for c in s.commands)  # every command shows its output


def test_a_wrong_digit_in_a_session_fails():
    """The check bites: the first shown line with a digit, one digit changed, is reported."""
    session = next(s for s in SESSIONS if not s.group and any(
        any(ch.isdigit() for line in c.shown for ch in line) for c in s.commands))
    command = next(c for c in session.commands if any(ch.isdigit() for line in c.shown for ch in line))
    index = next(i for i, line in enumerate(command.shown) if any(ch.isdigit() for ch in line))
    line = command.shown[index]
    at = next(i for i, ch in enumerate(line) if ch.isdigit())
    wrong = line[:at] + str((int(line[at]) + 1) % 10) + line[at + 1:]
    altered = dataclasses.replace(command, shown=(*command.shown[:index], wrong,
                                                  *command.shown[index + 1:]))
    session = dataclasses.replace(session, commands=(altered,))
    problems = differences(session, run_session(session))
    assert len(problems) == 1 and wrong in problems[0] and line in problems[0]


def test_only_paramcount_runs():
    with pytest.raises(ValueError, match="only `paramcount"):
        run_command("rm -rf model.keras", 0)


def test_echo_shows_the_status_of_the_command_before():
    output, status = run_command('paramcount explain "LSTM(-4)" --input-shape "(3, 2)"', 0)
    assert output.startswith("paramcount: error:") and status == 2
    assert run_command("echo $?", status) == ("2\n", 2)


def test_a_session_is_read_from_its_fence(tmp_path: Path):
    page = tmp_path / "page.md"
    page.write_text('Text\n\n```console {group="g"}\n$ paramcount --version\nparamcount 1\n\n'
                    "$ echo $?\n0\n```\n", encoding="utf-8")
    [session] = sessions_on(page)
    assert session.group == "g" and session.line == 3
    assert session.commands == (Command(4, "paramcount --version", ("paramcount 1", "")),
                                Command(7, "echo $?", ("0",)))


def test_update_writes_the_real_output_under_each_command(tmp_path: Path):
    page = tmp_path / "page.md"
    page.write_text('```console\n$ paramcount explain "Dense(2)" --input-shape "(3,)"\nstale\n'
                    "$ echo $?\n7\n```\n", encoding="utf-8")
    [session] = sessions_on(page)
    assert rewrite(session, run_session(session))
    [fresh] = sessions_on(page)
    assert differences(fresh, run_session(fresh)) == []
    assert "Total params: 8 (32.00 B)" in fresh.commands[0].shown
    assert fresh.commands[1].shown == ("0",)
