"""Find the :class:`App` a command names: ``path/to/module.py:app`` or ``package.module:app``.

The attribute defaults to ``app``. A file is imported under a fresh module name with
its directory on ``sys.path``, so its sibling imports work; a module name is imported
with the current directory on ``sys.path``, as ``python -m`` would. Every failure is
a :class:`PortafuncError` whose message says what is wrong.

:func:`source_of` says, without importing anything, which directory holds the app's
source (what ``build`` copies and ``serve --reload`` watches) and how a copy of it
imports the app.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .app import App
from .errors import PortafuncError

__all__ = ["Source", "load_app", "source_of"]

_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
_NOT_WORD = re.compile(r"\W")
_FORMS = "APP is path/to/module.py:app or package.module:app"


def load_app(spec: str) -> App:
    """The :class:`App` that ``spec`` names; PortafuncError saying why it cannot."""
    target, attribute = _split(spec)
    if not target:
        raise PortafuncError(f"{spec!r} names no module ({_FORMS})")
    if _is_file(target):
        module = _import_file(Path(target))
    elif _DOTTED.fullmatch(target):
        module = _import_module(target)
    else:
        raise PortafuncError(f"{target!r} is neither a .py file nor a module name ({_FORMS})")
    return _app_attribute(module, target, attribute)


@dataclass(frozen=True)
class Source:
    """Where an app's source lives.

    ``directory`` is copied to ``prefix`` inside a project (``""``: its root; a package
    name for ``package.module:app``), where ``app_spec`` (``module:attribute``) imports it.
    """

    directory: Path
    prefix: str
    app_spec: str


def source_of(spec: str) -> Source:
    """The source of the app ``spec`` names: the directory holding its module file, or
    the top-level package's directory; PortafuncError if there is none."""
    target, attribute = _split(spec)
    if _is_file(target):
        path = Path(target).resolve()
        if not path.is_file():
            raise PortafuncError(f"file {str(path)!r} not found")
        return Source(path.parent, "", f"{path.stem}:{attribute}")
    if not _DOTTED.fullmatch(target):
        raise PortafuncError(f"{target!r} is neither a .py file nor a module name ({_FORMS})")
    top = target.partition(".")[0]
    _prepend_path(os.getcwd())
    found = importlib.util.find_spec(top)  # a top-level name: nothing is executed
    if found is None:
        raise PortafuncError(f"module {top!r} not found")
    if found.submodule_search_locations:
        package = Path(next(iter(found.submodule_search_locations))).resolve()
        return Source(package, top, f"{target}:{attribute}")
    if found.origin is None or not found.origin.endswith(".py"):
        raise PortafuncError(f"module {top!r} has no Python source file")
    return Source(Path(found.origin).resolve().parent, "", f"{target}:{attribute}")


def _split(spec: str) -> tuple[str, str]:
    target, colon, attribute = spec.strip().rpartition(":")
    if not colon or not _DOTTED.fullmatch(attribute):
        # No attribute, or the colon belongs to the path (``C:\apps\shop.py``).
        return spec.strip(), "app"
    return target, attribute


def _is_file(target: str) -> bool:
    return target.endswith(".py") or "/" in target or os.sep in target


def _import_file(path: Path) -> ModuleType:
    path = path.resolve()
    if not path.is_file():
        raise PortafuncError(f"file {str(path)!r} not found")
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    name = f"_portafunc_app_{_NOT_WORD.sub('_', path.stem)}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PortafuncError(f"cannot import {str(path)!r}: not a Python module")
    _prepend_path(str(path.parent))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pydantic and dataclasses resolve names through it
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise PortafuncError(f"cannot import {str(path)!r}: {_describe(exc)}") from exc
    return module


def _import_module(name: str) -> ModuleType:
    _prepend_path(os.getcwd())
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and f"{name}.".startswith(f"{exc.name}."):
            raise PortafuncError(f"module {name!r} not found") from exc
        raise PortafuncError(f"cannot import module {name!r}: {_describe(exc)}") from exc
    except Exception as exc:
        raise PortafuncError(f"cannot import module {name!r}: {_describe(exc)}") from exc


def _app_attribute(module: ModuleType, target: str, attribute: str) -> App:
    value: object = module
    for part in attribute.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            found = [key for key, obj in vars(module).items() if isinstance(obj, App)]
            hint = f" (App objects in it: {', '.join(found)})" if found else ""
            raise PortafuncError(f"{target!r} has no attribute {attribute!r}{hint}") from None
    if not isinstance(value, App):
        got = "a class" if isinstance(value, type) else f"a value of type {type(value).__name__}"
        raise PortafuncError(f"{target}:{attribute} is not a portafunc App (got {got})")
    return value


def _prepend_path(directory: str) -> None:
    if directory not in sys.path:
        sys.path.insert(0, directory)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
