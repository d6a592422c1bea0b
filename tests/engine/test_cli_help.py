"""`paramcount --help` and each command's: examples that run, and the input limits once, where
they apply (count and explain read a model; reconcile reads a table of text)."""

from __future__ import annotations

import io
import shlex
import shutil
from pathlib import Path

import pytest

from paramcount import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LIMITS = "8,388,608 bytes and 500,000 lists and objects"
COMMANDS = [None, "count", "explain", "reconcile"]


def help_text(command: str | None, capsys, monkeypatch) -> str:
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps the options to the terminal
    with pytest.raises(SystemExit) as done:
        cli.main([command, "--help"] if command else ["--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def examples_in(text: str) -> list[str]:
    """The command lines under "examples:"."""
    block = text.split("\nexamples:\n", 1)[1].split("\n\n", 1)[0]
    return [line.strip() for line in block.splitlines() if line.startswith("  paramcount ")]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c or "paramcount")
def test_each_help_has_two_or_three_examples_of_its_own_command(command, capsys, monkeypatch):
    examples = examples_in(help_text(command, capsys, monkeypatch))
    assert 2 <= len(examples) <= 3
    if command:
        assert all(line.startswith(f"paramcount {command} ") for line in examples)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c or "paramcount")
def test_the_limits_are_listed_once_where_they_apply(command, capsys, monkeypatch):
    text = " ".join(help_text(command, capsys, monkeypatch).split())  # wrapped lines joined
    assert text.count(LIMITS) == (1 if command in ("count", "explain") else 0)
    if command == "count":
        assert "under 2 s and 300 MB" in text


def test_explain_help_names_every_file_it_reads(capsys, monkeypatch):
    text = help_text("explain", capsys, monkeypatch)
    assert all(kind in text for kind in (".keras", ".h5", "JSON"))


def every_example() -> list[str]:
    return [line for command, lines in cli.EXAMPLES.items() for line, _ in lines]


@pytest.mark.parametrize("line", every_example())
def test_every_example_is_a_command_line_paramcount_accepts(line):
    words = shlex.split(line)
    words = words[:words.index("<")] if "<" in words else words  # the shell's, not ours
    assert words[0] == "paramcount"
    cli._parser().parse_args(words[1:])  # argparse exits on a line it rejects


# The files the examples name, from the test fixtures; an example whose files are all here runs.
FILES = {"model.keras": "keras3_sequential.keras", "model.h5": "keras3_legacy.h5",
         "summary.txt": "summaries/keras3_lstm_dense_default.txt"}


def files_named(line: str) -> set[str]:
    return {word for word in shlex.split(line) if "." in word and "(" not in word}


@pytest.mark.parametrize("line", [line for line in every_example() if files_named(line) <= set(FILES)])
def test_an_example_with_its_files_at_hand_runs(line, tmp_path, monkeypatch, capsys):
    for name, fixture in FILES.items():
        shutil.copy(FIXTURES / fixture, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    words = shlex.split(line)[1:]
    if "<" in words:  # what the shell would do: the file on standard input
        at = words.index("<")
        stdin = io.TextIOWrapper(io.BytesIO((tmp_path / words[at + 1]).read_bytes()))
        monkeypatch.setattr("sys.stdin", stdin)
        words = words[:at]
    assert cli.main(words) == 0
    out = capsys.readouterr()
    assert out.err == "" and out.out.strip()
