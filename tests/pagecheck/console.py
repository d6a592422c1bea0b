"""Shell sessions in the docs: ```console blocks, run and compared with what they show.

A page shows the command line as a reader types it, with what it prints:

    ```console {group="file"}
    $ paramcount count model.keras
    Model: "sequential"
    ...
    $ echo $?
    0
    ```

Each `$ paramcount ...` line is split as a POSIX shell splits it (shlex) and run through
paramcount.cli.main in this process, its standard output and standard error captured together, in
the order a terminal shows them; `$ echo $?` prints the exit status of the command before it.
Nothing else runs: any other command is an error in the page. The lines under a command, up to the
next `$` line, must be what it printed (trailing spaces and blank lines aside).

Sessions run in the working directory of their page's ```py blocks (pagecheck.docs.working_directory):
with `group="name"`, the blocks of that group above the session run first, so a session can count
the `model.keras` that a block saved. `pytest tests/pages/test_console_sessions.py
--update-examples` rewrites the output under each command from a real run.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from .docs import DOCS, RUNNER, examples_on, group_of, rel, run_quietly, skip_reason, working_directory

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,})console(?:[ \t]*\{(?P<settings>[^}]*)\})?[ \t]*$")
SETTING = re.compile(r'(\w+)="([^"]*)"')
PROMPT = "$ "


@dataclass(frozen=True)
class Command:
    line: int  # the `$` line's number on the page
    text: str  # what follows "$ "
    shown: tuple[str, ...]  # the output the page shows under it


@dataclass(frozen=True)
class Session:
    """One ```console block."""

    page: Path
    line: int  # the opening fence's line number
    group: str | None
    commands: tuple[Command, ...]
    index: int = 0  # its place among the page's sessions

    @property
    def id(self) -> str:
        return f"{rel(self.page)}:{self.line}"


def sessions_on(page: Path) -> list[Session]:
    lines = page.read_text(encoding="utf-8").splitlines()
    found, index = [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        index += 1
        if not opening:
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        settings = dict(SETTING.findall(opening["settings"] or ""))
        start, body = index, []
        while index < len(lines) and lines[index].strip() != fence:
            body.append(lines[index][indent:])
            index += 1
        index += 1
        found.append(Session(page, start, settings.get("group"), _commands(body, start + 1),
                             len(found)))
    return found


def _commands(body: list[str], first_line: int) -> tuple[Command, ...]:
    commands: list[Command] = []
    for number, line in enumerate(body, start=first_line):
        if line.startswith(PROMPT):
            commands.append(Command(number, line[len(PROMPT):], ()))
        elif not commands:
            raise ValueError(f"line {number}: a console block starts with a `$ ` command")
        else:
            last = commands[-1]
            commands[-1] = Command(last.line, last.text, (*last.shown, line))
    return tuple(commands)


def all_sessions() -> list[Session]:
    return [s for page in sorted(DOCS.rglob("*.md")) for s in sessions_on(page)]


def run_command(text: str, status: int) -> tuple[str, int]:
    """What one command prints, and its exit status (`echo $?` keeps the one before)."""
    from paramcount import cli

    words = shlex.split(text)
    if words == ["echo", "$?"]:
        return f"{status}\n", status
    if not words or words[0] != "paramcount":
        raise ValueError(f"only `paramcount ...` and `echo $?` run in a console block: {text!r}")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        try:
            status = cli.main(words[1:])
        except SystemExit as exit:  # --help, --version and argparse's own errors
            status = exit.code if isinstance(exit.code, int) else 1
    return printed.getvalue(), status


def lines_of(text: str | tuple[str, ...]) -> list[str]:
    lines = [line.rstrip() for line in (text.splitlines() if isinstance(text, str) else text)]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def run_session(session: Session) -> list[tuple[Command, list[str]]]:
    """Each command with what it printed, in the page's working directory, after the blocks of
    its group above it."""
    with working_directory(session.page):
        if session.group:
            before = [ex for ex in examples_on(session.page) if group_of(ex) == session.group
                      and ex.start_line < session.line and skip_reason(ex) is None]
            if not before:
                raise ValueError(f"{session.id}: no ```py block of group {session.group!r} above it")
            RUNNER.run(before[-1], run_quietly)  # replays the group from its start
        status, printed = 0, []
        for command in session.commands:
            output, status = run_command(command.text, status)
            printed.append((command, lines_of(output)))
    return printed


def differences(session: Session, printed: list[tuple[Command, list[str]]]) -> list[str]:
    """One message per command whose shown output is not what it printed."""
    messages = []
    for command, lines in printed:
        if lines != lines_of(command.shown):
            shown = "\n".join(f"    {line}" for line in lines_of(command.shown))
            real = "\n".join(f"    {line}" for line in lines)
            messages.append(f"{rel(session.page)}:{command.line}: `$ {command.text}` prints\n{real}\n"
                            f"  but the page shows\n{shown}")
    return messages


def rewrite(session: Session, printed: list[tuple[Command, list[str]]]) -> bool:
    """Write the printed output under each command of the session on its page (as the page is
    now: a session rewritten above it may have moved it)."""
    session = sessions_on(session.page)[session.index]
    assert [c.text for c in session.commands] == [c.text for c, _ in printed], session.id
    printed = [(now, output) for now, (_, output) in zip(session.commands, printed)]
    text = session.page.read_text(encoding="utf-8")
    lines = text.splitlines()
    indent = FENCE.match(lines[session.line - 1])["indent"]
    for command, output in reversed(printed):
        start = command.line  # the `$` line is command.line (1-based): output follows it
        lines[start:start + len(command.shown)] = [f"{indent}{line}" if line else ""
                                                   for line in output]
    new = "\n".join(lines) + ("\n" if text.endswith("\n") else "")
    if new != text:
        session.page.write_text(new, encoding="utf-8")
    return new != text
