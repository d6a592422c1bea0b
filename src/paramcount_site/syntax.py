"""How a page writes a placeholder, read by the expansion (placeholders) and by the build's scan
of the pages for the calculator cases they link to (calculator_files)."""

from __future__ import annotations

import ast
import re

CALL = re.compile(r"\{\{\s*(\w+)\((.*?)\)\s*\}\}")
VERSION = re.compile(r"\{\{\s*versions\.(\w+)\s*\}\}")
OPENING = re.compile(r"\{\{")
# Fenced code blocks and inline code spans: their text is shown as written.
CODE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?^[ \t]*\1[ \t]*$|(`+)[^`\n].*?\2", re.M | re.S)
FORMULA = re.compile(r"\{\{\s*formula\((.*?)\)\s*\}\}")


def calculator_cases(markdown: str) -> list[tuple[str, str]]:
    """The (layer, input_shape) of every calculator link and calculator in a page, outside code."""
    cases = []
    for text in CODE.split(markdown)[::3]:  # the text between code: split keeps 2 groups per match
        for match in CALL.finditer(text or ""):
            try:
                args = ast.literal_eval(f"({match[2]},)")
            except (ValueError, SyntaxError):
                continue  # expanding the page stops the build with the reason
            if (match[1] in {"calculator", "calculator_app"} and len(args) >= 2
                    and all(isinstance(a, str) for a in args[:2])):
                cases.append(args[:2])
    return cases
