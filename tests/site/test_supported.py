"""The supported-layers page: every layer class of the installed Keras and tf-keras, listed once,
with a status that paramcount's own behaviour confirms."""

from __future__ import annotations

import html
import re

import pytest

import paramcount
from paramcount.formulas.registry import registration
from paramcount_site import keras_layers, placeholders
from paramcount_site.supported import STATUSES, probe_params

PACKAGES = list(keras_layers.PACKAGES)
GROUP = re.compile(r'^<(?:div|details) class="pc-status-group" data-status="([a-z ]+)"', re.M)
# A table's row (class, details), or an item of the weightless list (class, a link saying why).
ROW = re.compile(r"^\| `(\w+)` \| (.*) \|$|^- `(\w+)`(?: \((.*)\))?$", re.M)


def expanded(package: str) -> str:
    return placeholders.expand(f'{{{{ supported_layers("{package}") }}}}',
                               placeholders.Page("supported-layers.md"))


def table(package: str) -> list[tuple[str, str, str]]:
    """(class, status, details) for every class the page lists, read from the status group it
    stands in (details: a table's second cell, or what follows a weightless class's name)."""
    text = expanded(package)
    groups = list(GROUP.finditer(text))
    assert groups, "no status groups"
    rows = []
    for group, following in zip(groups, [*groups[1:], None]):
        body = text[group.end():following.start() if following else len(text)]
        rows += [(row[1] or row[3], group[1], row[2] or row[4] or "") for row in ROW.finditer(body)]
    return rows


@pytest.mark.keras
@pytest.mark.parametrize("package", PACKAGES)
def test_the_class_list_matches_the_installed_package(package):
    """A new Keras (or tf-keras) release cannot add or drop a layer class silently: regenerate
    with `python -m paramcount_site.keras_layers` and give each new class a formula or a reason."""
    pytest.importorskip(package)
    assert keras_layers.installed(package) == keras_layers.load()[package]


@pytest.mark.parametrize("package", PACKAGES)
def test_the_table_lists_every_class_exactly_once(package):
    names = [name for name, _, _ in table(package)]
    assert sorted(names) == sorted(keras_layers.load()[package]["classes"])
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("package", PACKAGES)
def test_the_summary_counts_the_tables_rows(package):
    summary = placeholders.expand(f'{{{{ supported_summary("{package}") }}}}',
                                  placeholders.Page("supported-layers.md"))
    rows = table(package)
    for status in STATUSES:
        count = sum(row_status == status for _, row_status, _ in rows)
        assert f"**{count}** {status}" in summary
    assert f"**{len(rows)}** classes" in summary


def one_layer_model(class_name: str) -> dict:
    return {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 4]}},
        {"class_name": class_name, "config": {"name": "the_layer"}}]}}


@pytest.mark.parametrize("package", PACKAGES)
def test_each_status_agrees_with_paramcount(package):
    for short_name, status, details in table(package):
        name = keras_layers.registered_name(package, short_name)  # keras_hub>TransformerEncoder
        registered = registration(name)
        if name == "InputLayer":  # the model's input: read, and counted as nothing
            assert status == "weightless"
            assert paramcount.count(one_layer_model("Flatten")).total == 0
            continue
        if status in ("formula", "weightless"):
            assert registered is not None, name
            counted = probe_params(name)
            if status == "weightless":
                assert counted and not any(counted), name
            if registered.page:
                assert f"({registered.page.removeprefix('formulas/')}" not in details  # relative
                assert f"](formulas/{registered.page.split('/')[-1]}#" in details, name
                if status == "formula":  # the link names its class
                    assert details.startswith(f"[how {short_name} is counted]"), name
        else:
            assert registered is None, name
            with pytest.raises(paramcount.ParamcountError) as refused:
                paramcount.count(one_layer_model(name))
            reason = html.unescape(details.replace("\\|", "|"))
            assert reason and reason in str(refused.value), name


def test_formula_classes_are_counted():
    """A class shown with a formula gives a nonzero count on a real example."""
    assert paramcount.explain_layer("Dense(8)", "(4,)").params == 40
    rows = dict((name, status) for name, status, _ in table("keras"))
    assert rows["Dense"] == "formula" and rows["Flatten"] == "weightless"
    assert rows["JaxLayer"] == "stored weights only" and rows["AugMix"] == "refused"
    hub = dict((name, status) for name, status, _ in table("keras_hub"))
    assert hub["TransformerEncoder"] == "formula" and hub["RotaryEmbedding"] == "weightless"
    assert hub["ImageConverter"] == "stored weights only"


def test_an_unknown_package_stops_the_build():
    with pytest.raises(placeholders.PlaceholderError, match="unknown package"):
        placeholders.expand('{{ supported_layers("keras2") }}', placeholders.Page("x.md"))


def test_each_formula_page_in_the_registry_is_published_and_explains_its_family():
    """The links in the tables: a registered page exists, is in the nav, and names at least one
    class of the formula it is recorded for (aliases such as Convolution2D share the page)."""
    from pathlib import Path

    from paramcount.formulas.registry import REGISTRY, load_formulas

    root = Path(__file__).resolve().parents[2]
    nav = (root / "mkdocs.yml").read_text(encoding="utf-8")
    load_formulas()
    families: dict[tuple, set[str]] = {}
    for name, registered in REGISTRY.items():
        if registered.page:
            families.setdefault((registered.page, registered.formula), set()).add(name)
    assert families
    for (page, _), names in families.items():
        text = (root / "docs" / page).read_text(encoding="utf-8")
        assert f"- {page}\n" in nav, page
        assert any(re.search(rf"\b{name}\b", text) for name in names), (page, sorted(names))


@pytest.mark.parametrize("package", PACKAGES)
def test_the_classes_are_grouped_by_status_and_the_weightless_folded(package):
    text = expanded(package)
    groups = [g[1] for g in GROUP.finditer(text)]
    assert groups == [s for s in STATUSES if any(status == s for _, status, _ in table(package))]
    assert '<details class="pc-status-group" data-status="weightless" markdown>' in text
    weightless = [name for name, status, _ in table(package) if status == "weightless"]
    assert weightless and all(f"\n- `{name}`" in text for name in weightless)
    folded = text.split('data-status="weightless"')[1].split("</details>")[0]
    assert "no weights" in folded.split("</summary>")[0] and "no weights" not in folded.split(
        "</summary>")[1]  # said once, in the title


def test_every_kerashub_backbone_is_listed_once():
    from paramcount.formulas.kerashub_backbones import BACKBONES

    text = placeholders.expand("{{ supported_backbones() }}",
                               placeholders.Page("supported-layers.md"))
    listed = [row[1] for row in ROW.finditer(text)]
    assert sorted(listed) == sorted(BACKBONES)
    assert all("explain.md#kerashub-backbones" in row[2]
               for row in ROW.finditer(text))
