"""One example, two tabs: the "Keras 2 (tf-keras)" tab written from the "Keras 3" tab's block.

Where an example differs between Keras 3 and tf-keras only in its imports, and prints the same,
the page writes it once, in the Keras 3 tab, naming the group its tf-keras copy runs in:

    === "Keras 3"

        ```py {group="keras3" tf_keras_group="keras2"}
        import keras
        from keras import layers
        ...
        ```

At build time (a Python-Markdown preprocessor, so MkDocs and Zensical both run it) a
`=== "Keras 2 (tf-keras)"` tab follows with the same block, its imports switched to tf-keras
(`tf_keras_source`). The tests run both copies, each against its own Keras, and compare both
with the one set of `#>` lines (tests/pagecheck/docs.py).
"""

from __future__ import annotations

import re

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

KERAS3_TAB = re.compile(r'^(\s*)=== "Keras 3"\s*$')
KERAS2_TAB = 'Keras 2 (tf-keras)'
OPTION = re.compile(r'\s*tf_keras_group="([^"]*)"')
GROUP = re.compile(r'group="[^"]*"')
IMPORTS = [
    (re.compile(r"^(\s*)import keras$", re.M), r"\1import tf_keras as keras"),
    (re.compile(r"^(\s*)from keras(\.[\w.]+)? import ", re.M), r"\1from tf_keras\2 import "),
]


def tf_keras_source(code: str) -> str:
    """A Keras 3 example's code with its imports switched to tf-keras."""
    for pattern, replacement in IMPORTS:
        code = pattern.sub(replacement, code)
    return code


def tf_keras_fence(fence_line: str) -> str:
    """The fence of the tf-keras copy: in the group the option names, without the option."""
    group = OPTION.search(fence_line)[1]
    return GROUP.sub(f'group="{group}"', OPTION.sub("", fence_line))


def with_tf_keras_tabs(lines: list[str]) -> list[str]:
    """After each "Keras 3" tab whose block has the option, its tf-keras tab."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        tab = KERAS3_TAB.match(lines[i])
        if not tab:
            out.append(lines[i])
            i += 1
            continue
        indent = tab[1]
        end = i + 1
        while end < len(lines) and (not lines[end].strip() or
                                    lines[end].startswith(indent + "    ")):
            end += 1
        while end > i + 1 and not lines[end - 1].strip():
            end -= 1  # the blank lines after the tab belong to what follows
        body = lines[i + 1 : end]
        out += lines[i:end]
        if any(OPTION.search(line) for line in body):
            copy = [tf_keras_fence(line) if OPTION.search(line) else line for line in body]
            out += ["", f'{indent}=== "{KERAS2_TAB}"', *tf_keras_source("\n".join(copy)).split("\n")]
        i = end
    return out


class _TfKerasTabs(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return with_tf_keras_tabs(lines)


class KerasTabsExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Before code blocks are set aside (25) and before the placeholders (31), after snippets.
        md.preprocessors.register(_TfKerasTabs(md), "paramcount_keras_tabs", 31.5)


def makeExtension(**kwargs) -> KerasTabsExtension:
    return KerasTabsExtension(**kwargs)
