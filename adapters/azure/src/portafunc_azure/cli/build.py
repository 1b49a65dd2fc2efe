"""``portafunc build --provider azure``: the files that make a copied source tree a
project ``func azure functionapp publish`` deploys as is.

- ``function_app.py``: imports the app and builds its one FunctionApp, ``app``;
- ``host.json`` and ``local.settings.json`` (``settings``);
- ``requirements.txt``: the project's requirements, ``portafunc`` and
  ``portafunc-azure`` pinned to the installed versions, and ``azure-functions``
  with the adapter's bounds per Python version;
- ``RESOURCES.md`` (``guide``); ``.funcignore`` (what publishing leaves out).

A project ``check`` finds errors in is not written: PortafuncError lists them.
"""

from __future__ import annotations

import json
import re
from importlib import metadata
from typing import TYPE_CHECKING

import portafunc
from portafunc.errors import PortafuncError
from portafunc.providers import BuildSpec

from .. import __version__
from .check import findings
from .deployment import deployments
from .guide import resources_md
from .settings import host_json, local_settings

if TYPE_CHECKING:
    from pathlib import Path

    from portafunc.app import App

__all__ = ["build", "entry_module", "requirements"]

AZURE_FUNCTIONS = (
    'azure-functions>=1.21,<2; python_version < "3.13"',
    'azure-functions>=2,<3; python_version >= "3.13"',
)
FUNCIGNORE = ".git*\n.venv\n__pycache__\nlocal.settings.json\n"
_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def build(app: App, spec: BuildSpec, project: Path) -> list[str]:
    """Write the project's Azure files into ``project``; the paths written, relative."""
    errors = [str(f) for f in findings(app) if f.level == "error"]
    if errors:
        raise PortafuncError(f"app {app.name!r} cannot deploy on Azure:\n" + "\n".join(errors))
    deployed = deployments(app)
    files = {
        "function_app.py": entry_module(spec.app_spec),
        "host.json": _json(host_json(deployed)),
        "local.settings.json": _json(local_settings(deployed)),
        "requirements.txt": requirements(spec.requirements),
        "RESOURCES.md": resources_md(app.name, deployed, spec.python),
        ".funcignore": FUNCIGNORE,
    }
    for name, text in files.items():
        (project / name).write_text(text, encoding="utf-8")
    return list(files)


def _json(data: object) -> str:
    return json.dumps(data, indent=2) + "\n"


def entry_module(app_spec: str) -> str:
    """``function_app.py`` for the app ``module:attribute`` (``attribute`` default ``app``)."""
    module, _, attribute = app_spec.partition(":")
    attribute = attribute or "app"
    if not (_DOTTED.fullmatch(module) and _DOTTED.fullmatch(attribute)):
        raise PortafuncError(f"cannot import the app {app_spec!r}: expected module:attribute")
    if module.split(".")[0] == "function_app":
        raise PortafuncError(
            f"the app's module {module!r} clashes with the function_app.py Azure needs: rename it"
        )
    first, *rest = attribute.split(".")
    target = ".".join(["_app", *rest])
    return (
        '"""Azure Functions entry module, written by `portafunc build --provider azure`.\n\n'
        "The Azure worker indexes the one FunctionApp of this module: ``app``.\n"
        '"""\n\n'
        "import portafunc_azure\n\n"
        f"from {module} import {first} as _app\n\n"
        f"app = portafunc_azure.function_app({target})\n"
    )


def requirements(project: tuple[str, ...] | list[str]) -> str:
    """``requirements.txt``: the project's lines, then the adapter's pinned dependencies."""
    ours = {
        "portafunc": (f"portafunc=={portafunc.__version__}",),
        "portafunc-azure": (f"portafunc-azure=={_installed()}",),
        "azure-functions": AZURE_FUNCTIONS,
    }
    kept = [line for line in project if _name(line) not in ours or _name(line) == "portafunc"]
    if not any(_name(line) == "portafunc" for line in kept):
        kept.extend(ours["portafunc"])
    kept.extend((*ours["portafunc-azure"], *ours["azure-functions"]))
    return "".join(f"{line}\n" for line in kept)


def _name(line: str) -> str | None:
    """The normalised project name a requirement line names (None: a comment or option)."""
    match = _NAME.match(line)
    return re.sub(r"[-_.]+", "-", match[1]).lower() if match else None


def _installed() -> str:
    try:
        return metadata.version("portafunc-azure")
    except metadata.PackageNotFoundError:  # running from a source tree
        return __version__
