"""The four distributions: one version, compatible pins, entry points, a lean core."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from importlib.metadata import entry_points, requires, version
from pathlib import Path

import pytest

import portafunc
import portafunc_aws
import portafunc_azure
import portafunc_gcp

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = {"aws": portafunc_aws, "azure": portafunc_azure, "gcp": portafunc_gcp}


def test_one_version_for_all_four_distributions() -> None:
    core = version("portafunc")
    assert portafunc.__version__ == core
    for name, module in ADAPTERS.items():
        assert version(f"portafunc-{name}") == core
        assert module.__version__ == core


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_each_adapter_requires_a_compatible_core(name: str) -> None:
    pins = [r for r in requires(f"portafunc-{name}") or [] if r.startswith("portafunc")]
    major, minor, _ = version("portafunc").split(".")
    assert pins == [f"portafunc~={major}.{minor}.0"]


def test_root_extras_install_the_adapters() -> None:
    pin = f"~={version('portafunc')}"
    extras = {r.replace('"', "'") for r in requires("portafunc") or [] if "extra ==" in r}
    for name in ADAPTERS:
        assert f"portafunc-{name}{pin}; extra == '{name}'" in extras
        assert f"portafunc-{name}{pin}; extra == 'all'" in extras


def test_each_adapter_registers_a_provider_entry_point() -> None:
    found = {ep.name: ep.load() for ep in entry_points(group="portafunc.providers")}
    assert sorted(found) == sorted(ADAPTERS)
    for name, provider in found.items():
        assert provider.name == name


def test_core_depends_only_on_pydantic_and_typing_extensions() -> None:
    runtime = [r for r in requires("portafunc") or [] if "extra ==" not in r]
    assert sorted(r.split(">")[0].split("<")[0] for r in runtime) == [
        "pydantic",
        "typing-extensions",
    ]


@pytest.mark.parametrize("module", ["portafunc", "portafunc.testing"])
def test_importing_the_core_loads_no_provider_sdk_and_reads_no_entry_points(module: str) -> None:
    probe = f"""
import importlib.metadata, sys

def refuse(*args, **kwargs):
    raise SystemExit("entry points were read")

importlib.metadata.entry_points = refuse
before = set(sys.modules)  # site may pre-load namespace packages (google) from .pth files
import {module}
forbidden = ("azure", "functions_framework", "flask", "google", "cloudevents",
             "aws_lambda_powertools", "boto3", "botocore", "portafunc_aws",
             "portafunc_azure", "portafunc_gcp", "portafunc.cli")
new = set(sys.modules) - before
loaded = sorted(m for m in new if m.split(".")[0] in forbidden or m in forbidden)
print(",".join(loaded))
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


@pytest.mark.skipif(shutil.which("uv") is None, reason="needs the uv executable to build")
def test_the_core_sdist_leaves_out_adapters_docs_and_examples(tmp_path: Path) -> None:
    subprocess.run(
        ["uv", "build", "--sdist", "--package", "portafunc", "--out-dir", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (sdist,) = tmp_path.glob("portafunc-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
    assert "src/portafunc/__init__.py" in names
    assert "src/portafunc/py.typed" in names
    for left_out in ("adapters/", "docs/", "examples/"):
        assert not any(name.startswith(left_out) for name in names), left_out
