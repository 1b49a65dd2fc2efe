"""The documentation site builds with ``mkdocs build --strict``, as CI builds it.

Strict mode turns every warning into a failure: a page missing from the nav or a nav
entry missing from docs/, a broken link between pages, a docstring mkdocstrings cannot
read, a module the API reference names that does not import.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Pages the site must have, as built paths (``use_directory_urls``).
PAGES = [
    "index.html",
    "getting-started/index.html",
    "concepts/index.html",
    "migrating/index.html",
    "changelog/index.html",
    "aws/index.html",
    "azure/index.html",
    "gcp/index.html",
    "reference/portafunc/index.html",
    "reference/testing/index.html",
    "reference/aws/index.html",
    "reference/aws-testing/index.html",
    "reference/azure/index.html",
    "reference/azure-testing/index.html",
    "reference/gcp/index.html",
    "reference/gcp-testing/index.html",
    "reference/pipeline/index.html",
    "reference/log/index.html",
]

#: An object each API reference page must document (its anchor id in the HTML).
DOCUMENTED = {
    "reference/portafunc/index.html": "portafunc.App",
    "reference/testing/index.html": "portafunc.testing.TestClient",
    "reference/aws/index.html": "portafunc_aws.lambda_handler",
    "reference/aws-testing/index.html": "portafunc_aws.testing.sqs_event",
    "reference/azure/index.html": "portafunc_azure.function_app",
    "reference/azure-testing/index.html": "portafunc_azure.testing.invoke",
    "reference/gcp/index.html": "portafunc_gcp.entry_points",
    "reference/gcp-testing/index.html": "portafunc_gcp.testing.pubsub_event",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once for this module's tests."""
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    return out


@pytest.mark.parametrize("page", PAGES)
def test_page_is_built(site: Path, page: str) -> None:
    assert (site / page).is_file(), f"{page} is not in the site"


@pytest.mark.parametrize(("page", "name"), sorted(DOCUMENTED.items()))
def test_reference_documents(site: Path, page: str, name: str) -> None:
    assert f'id="{name}"' in (site / page).read_text(encoding="utf-8")


def test_chart_script_is_not_published(site: Path) -> None:
    assert (site / "performance.png").is_file()
    assert not (site / "performance_chart.py").exists()


def test_every_page_is_in_the_nav(site: Path) -> None:
    # Strict mode only reports pages left out of the nav at INFO level.
    docs = ROOT / "docs"
    pages = {p.relative_to(docs).with_suffix("").as_posix() for p in docs.rglob("*.md")}
    built = (site / "index.html").read_text(encoding="utf-8")
    missing = [p for p in sorted(pages) if p != "index" and f'href="{p}/"' not in built]
    assert not missing, f"pages missing from mkdocs.yml's nav: {missing}"
