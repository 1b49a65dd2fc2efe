"""Every ```python block in docs/*.md runs, and each page opens with one.

The blocks of a page run in order in one fresh module namespace, so a later block
can use what an earlier one defined; asserts in the blocks make them self-checking.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
README = ROOT / "README.md"
FENCE = re.compile(r"^```(?P<lang>[\w+-]*)[^\n]*\n(?P<code>.*?)^```[ \t]*$", re.M | re.S)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """The ```python blocks of ``text``, each with the line its code starts on."""
    return [
        (text.count("\n", 0, match.start("code")) + 1, match["code"])
        for match in FENCE.finditer(text)
        if match["lang"] == "python"
    ]


def test_there_are_pages() -> None:
    names = {page.name for page in PAGES}
    assert {"index.md", "concepts.md", "testing.md", "errors.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_page_opens_with_a_python_example(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    first = FENCE.search(text)
    assert first is not None, f"{page.name} has no code block"
    assert first["lang"] == "python", f"{page.name} opens with a {first['lang']!r} block"


@pytest.mark.parametrize("page", [*PAGES, README], ids=[*(p.name for p in PAGES), "README"])
def test_python_blocks_run(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = page.read_text(encoding="utf-8")
    module = ModuleType(f"docs_{page.stem}")
    module.__file__ = str(page)
    # pydantic and `inspect.signature(eval_str=True)` resolve names through the module.
    monkeypatch.setitem(sys.modules, module.__name__, module)
    for line, code in python_blocks(text):
        # Pad with newlines so tracebacks point at the line in the .md file.
        compiled = compile("\n" * (line - 1) + code, str(page), "exec")
        exec(compiled, module.__dict__)


def test_fences_are_closed() -> None:
    for page in PAGES:
        fences = [
            line for line in page.read_text(encoding="utf-8").splitlines() if line.startswith("```")
        ]
        assert len(fences) % 2 == 0, f"{page.name} has an unclosed code fence"


def test_relative_links_resolve() -> None:
    for page in PAGES:
        for target in re.findall(
            r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")
        ):
            assert (page.parent / target).is_file(), f"{page.name} links to missing {target}"
