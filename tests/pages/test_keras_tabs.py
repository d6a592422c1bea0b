"""One source for an example that Keras 3 and tf-keras run alike: the tf-keras tab is written from it."""

from __future__ import annotations

from pathlib import Path

import markdown

from pagecheck.docs import examples_on, is_tf_keras_copy
from paramcount_site.keras_tabs import tf_keras_source, with_tf_keras_tabs

PAGE = '''\
Intro.

=== "Keras 3"

    ```py {group="k3" tf_keras_group="k2"}
    import keras
    from keras import layers

    print(layers.Dense(2).units)
    #> 2
    ```

After.
'''


def test_the_tf_keras_tab_is_the_same_block_with_tf_keras_imports() -> None:
    assert with_tf_keras_tabs(PAGE.split("\n")) == (
        PAGE.replace(
            "    ```\n\nAfter.",
            '    ```\n\n=== "Keras 2 (tf-keras)"\n\n'
            '    ```py {group="k2"}\n    import tf_keras as keras\n    from tf_keras import layers\n\n'
            "    print(layers.Dense(2).units)\n    #> 2\n    ```\n\nAfter.",
        ).split("\n")
    )


def test_a_tab_without_the_option_is_left_alone() -> None:
    plain = PAGE.replace(' tf_keras_group="k2"', "")
    assert with_tf_keras_tabs(plain.split("\n")) == plain.split("\n")


def test_imports_are_the_only_change() -> None:
    code = "import keras\nfrom keras.layers import LSTM\nx = keras.layers.Dense(1)  # keras\n"
    assert tf_keras_source(code) == (
        "import tf_keras as keras\nfrom tf_keras.layers import LSTM\nx = keras.layers.Dense(1)  # keras\n"
    )


def test_the_site_shows_both_tabs(tmp_path: Path) -> None:
    html = markdown.markdown(PAGE, extensions=["pymdownx.superfences", "pymdownx.tabbed",
                                               "paramcount_site.keras_tabs"])
    assert html.count("Keras 3") == 1 and html.count("Keras 2 (tf-keras)") == 1
    assert "tf_keras_group" not in html.split("Keras 2 (tf-keras)")[1]


def test_the_tests_run_the_copy_in_its_own_group(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    original, copy = examples_on(page)
    assert not is_tf_keras_copy(original) and is_tf_keras_copy(copy)
    assert copy.prefix_settings()["group"] == "k2"
    assert copy.source == tf_keras_source(original.source)
