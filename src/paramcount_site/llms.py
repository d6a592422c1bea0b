"""llms.txt: the site as a short Markdown index for language models (https://llmstxt.org/).

Made from mkdocs.yml (the site's name, description, address and nav) and each page's title and
first answer, so it lists exactly the pages the nav lists. Written to docs/llms.txt by
`python -m paramcount_site.generate`; both builders publish it at the site's root.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from . import DOCS, ROOT

HEADING = re.compile(r"^#\s+(.+?)\s*(?:\{#[^}]*\})?\s*$", re.M)


class _Config(yaml.SafeLoader):
    """mkdocs.yml as data: its tags (`!ENV [NAME, default]`) read as their defaults."""


_Config.add_multi_constructor("!", lambda loader, suffix, node: (
    loader.construct_sequence(node)[-1] if isinstance(node, yaml.SequenceNode) else None))


def page_url(markdown_file: str) -> str:
    """docs/a/b.md -> a/b/; a/index.md -> a/; index.md -> '' (folders, as both builders make)."""
    stem = markdown_file.removesuffix(".md")
    stem = stem.removesuffix("index").rstrip("/") if stem.endswith("index") else stem
    return f"{stem}/" if stem else ""


INCLUDE = re.compile(r'^--8<--\s+"([^"]+)"\s*$', re.M)  # pymdownx.snippets, from the repository root


def summary(markdown_file: str, label: str | None = None) -> tuple[str, str]:
    """A page's title (its h1, else its nav label) and the first sentences of its answer."""
    text = (DOCS / markdown_file).read_text(encoding="utf-8")
    text = INCLUDE.sub(lambda m: (ROOT / m[1]).read_text(encoding="utf-8"), text)
    from .placeholders import expand_formulas  # here: placeholders -> generate -> this module

    text = expand_formulas(text)  # an answer that states its formula through {{ formula(...) }}
    heading = HEADING.search(text)
    title = heading[1] if heading else label or Path(markdown_file).stem.replace("-", " ").title()
    body = text[heading.end():] if heading else text
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    prose = [p for p in paragraphs if not p.startswith(("#", "```", "<", "|", "-", "!", "{{", "=", ">"))
             and "{{" not in p]
    answer = next((p for p in prose if p.startswith("**Answer:**")), prose[0] if prose else "")
    answer = " ".join(answer.removeprefix("**Answer:**").split())
    # Whole sentences, enough to say something ("no." alone does not).
    sentences = re.findall(r".+?[.?!](?=\s|$)", answer) or [answer]
    short = sentences[0]
    for sentence in sentences[1:]:
        if len(short) >= 80:
            break
        short += sentence
    return title, short.strip()


def nav_pages(entries: list, section: str = "Pages") -> list[tuple[str, str | None, str]]:
    """(section, label, Markdown file) for each page of a nav, in order. A nested group is a
    section of its own, named after its parents too: "Questions: Recurrent layers"."""
    pages = []
    for entry in entries:
        ((label, target),) = entry.items() if isinstance(entry, dict) else ((None, entry),)
        if isinstance(target, list):
            group = label if section == "Pages" else f"{section}: {label}"
            pages += nav_pages(target, group)
        else:
            pages.append((section, label, target))
    return pages


def llms_txt(config_file: Path = ROOT / "mkdocs.yml") -> str:
    config = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_Config)  # noqa: S506
    base = config["site_url"].rstrip("/") + "/"
    lines = [f"# {config['site_name']}", "", f"> {config['site_description']}", ""]
    sections: dict[str, list[str]] = {}
    for section, label, markdown_file in nav_pages(config["nav"]):
        title, answer = summary(markdown_file, label)
        link = f"- [{title}]({base}{page_url(markdown_file)})"
        sections.setdefault(section, []).append(f"{link}: {answer}" if answer else link)
    for section, links in sections.items():
        lines += [f"## {section}", "", *links, ""]
    return "\n".join(lines)
