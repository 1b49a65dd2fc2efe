"""``portafunc build`` (portafunc._build, _files, _requirements) with a fake provider:
check first, the copy rules (.gitignore with and without git, --include, --exclude),
pinned requirements, the temporary directory moved into place, --force; then the
installed adapters on examples/shop."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import VERSION as PYDANTIC_VERSION

import portafunc
from portafunc import App, PortafuncError, providers
from portafunc._files import Patterns, select
from portafunc._requirements import find, pinned
from portafunc.cli import main
from portafunc.providers import BuildSpec, Finding

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "examples" / "shop"

APP = """
from portafunc import App, Message

import helper

app = App("tiny")


@app.get("/hello")
def hello() -> str:
    return helper.GREETING


@app.queue("jobs")
def job(msg: Message[bytes]) -> None: ...
"""

TREE = {
    "app.py": APP,
    "helper.py": 'GREETING = "hi"\n',
    "data/prices.json": "{}\n",
    "debug.log": "",
    "keep.log": "",
    "secret/key.txt": "",
    "sub/module.py": "",
    "sub/scratch.tmp": "",
    "sub/.gitignore": "*.tmp\n",
    ".gitignore": "*.log\n!keep.log\nsecret/\n/build/\n",
    ".venv/lib/site.py": "",
    "__pycache__/app.cpython-312.pyc": "",
    "sub/__pycache__/module.cpython-312.pyc": "",
    "orphan.pyc": "",
}
COPIED = [
    ".gitignore",
    "app.py",
    "data/prices.json",
    "helper.py",
    "keep.log",
    "sub/.gitignore",
    "sub/module.py",
]


class Builder:
    """A provider whose build records what it was handed and writes one file."""

    name = "fake"

    def __init__(self, findings: tuple[Finding, ...] = (), fail: bool = False) -> None:
        self.findings = findings
        self.fail = fail
        self.calls: list[tuple[BuildSpec, Path, list[str], bool]] = []
        self.out: Path | None = None

    def describe(self, function: Any) -> str:
        return "fake"

    def check(self, app: App) -> list[Finding]:
        return list(self.findings)

    def build(self, app: App, spec: BuildSpec, project: Path) -> list[str]:
        files = sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file())
        exists = self.out is not None and self.out.exists()
        self.calls.append((spec, project, files, exists))
        if self.fail:
            raise PortafuncError("the fake provider cannot build this")
        (project / "entry.py").write_text(f"# imports {spec.app_spec}\n")
        return ["entry.py"]


@pytest.fixture
def isolated() -> Iterator[None]:
    path, modules = list(sys.path), set(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        if name.startswith(("_portafunc_app_", "helper", "pfbuild_")):
            del sys.modules[name]


@pytest.fixture
def builder(monkeypatch: pytest.MonkeyPatch) -> Builder:
    fake = Builder()
    monkeypatch.setattr(providers, "installed", lambda: {"fake": fake})
    return fake


def write_tree(root: Path, tree: dict[str, str]) -> Path:
    for name, text in tree.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def git(directory: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", *args], cwd=directory, check=True, capture_output=True, env=env)


@pytest.fixture(params=["plain", "git"])
def project(request: pytest.FixtureRequest, tmp_path: Path, isolated: None) -> Path:
    root = write_tree(tmp_path / "project", TREE)
    if request.param == "git":
        if shutil.which("git") is None:
            pytest.skip("git is not installed")
        git(root, "init", "-q")
        git(root, "add", "app.py", "helper.py")  # tracked; the rest untracked
    return root


def files(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


def build(project: Path, out: Path, *args: str) -> int:
    return main(["build", str(project / "app.py"), "--provider", "fake", "--out", str(out), *args])


# -- what is copied -------------------------------------------------------------------------


def test_copy_honours_gitignore_and_never_copies_caches(
    project: Path, builder: Builder, capsys: pytest.CaptureFixture[str]
) -> None:
    out = project.parent / "out"
    builder.out = out
    assert build(project, out) == 0
    assert files(out) == sorted([*COPIED, "entry.py"])
    ((spec, temporary, seen, out_existed),) = builder.calls
    assert seen == COPIED  # the source is in place before the provider writes
    assert spec.app_spec == "app:app"
    assert (spec.python, spec.options) == ("3.12", {})
    assert spec.requirements[-1] == f"portafunc=={portafunc.__version__}"
    assert not out_existed  # DIR appears at the end only ...
    assert temporary.parent == out.parent  # ... moved from a directory beside it
    assert temporary.name.startswith(".out.")
    assert not temporary.exists()
    assert sorted(p.name for p in out.parent.iterdir()) == ["out", "project"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "portafunc: checking tiny for fake"
    assert f"portafunc: copying {len(COPIED)} file(s) from {project}" in lines
    assert lines[-1] == f"portafunc: built {out}: entry.py"


def test_include_and_exclude(project: Path, builder: Builder) -> None:
    out = project.parent / "out"
    args = [
        "--include",
        "debug.log",
        "--include",
        "secret/",
        "--exclude",
        "data",
        "--exclude",
        "*.py",
    ]
    assert build(project, out, *args, "--include", "app.py") != 0  # app.py excluded by *.py
    assert not out.exists()
    assert (
        build(project, out, "--include", "debug.log", "--include", "secret/", "--exclude", "data")
        == 0
    )
    expected = [p for p in COPIED if not p.startswith("data/")]
    assert files(out) == sorted([*expected, "debug.log", "secret/key.txt", "entry.py"])


def test_the_app_module_must_be_copied(
    project: Path, builder: Builder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build(project, project.parent / "out", "--exclude", "app.py") == 2
    assert "the app's module is not among the files to copy" in capsys.readouterr().err


def test_an_output_directory_inside_the_source_is_not_copied(
    project: Path, builder: Builder
) -> None:
    out = project / "dist" / "fake"
    assert build(project, out) == 0
    assert build(project, out, "--force") == 0
    ((_, _, first, _), (_, _, second, _)) = builder.calls
    assert first == second == COPIED
    assert files(out) == sorted([*COPIED, "entry.py"])


def test_options_and_python(project: Path, builder: Builder) -> None:
    out = project.parent / "out"
    assert build(project, out, "--python", "3.13", "--http", "per-function") == 0
    spec = builder.calls[0][0]
    assert (spec.python, spec.options) == ("3.13", {"http": "per-function"})


# -- DIR, --force, failures ---------------------------------------------------------------


def test_existing_dir_needs_force(
    project: Path, builder: Builder, capsys: pytest.CaptureFixture[str]
) -> None:
    out = project.parent / "out"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    assert build(project, out) == 2
    assert capsys.readouterr().err == (
        f"portafunc: error: {out} already exists; pass --force to replace it\n"
    )
    assert builder.calls == []
    assert build(project, out, "--force") == 0
    assert not (out / "stale.txt").exists()
    assert (out / "entry.py").is_file()
    assert sorted(p.name for p in out.parent.iterdir()) == ["out", "project"]


def test_a_failing_provider_leaves_nothing_behind(
    project: Path, builder: Builder, capsys: pytest.CaptureFixture[str]
) -> None:
    builder.fail = True
    out = project.parent / "out"
    assert build(project, out) == 2
    assert capsys.readouterr().err == "portafunc: error: the fake provider cannot build this\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["project"]
    out.mkdir()
    (out / "previous.txt").write_text("kept")
    assert build(project, out, "--force") == 2
    assert files(out) == ["previous.txt"]  # --force replaces DIR only with a finished build


@pytest.mark.parametrize("where", [".", ".."])
def test_dir_must_not_hold_the_source(
    project: Path, builder: Builder, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    assert build(project, project / where, "--force") == 2
    assert "holds the app's source" in capsys.readouterr().err
    assert (project / "app.py").is_file()


# -- check first ----------------------------------------------------------------------------


def test_check_errors_stop_the_build(
    project: Path, builder: Builder, capsys: pytest.CaptureFixture[str]
) -> None:
    builder.findings = (
        Finding("warning", "job", "retries differ"),
        Finding("error", "hello", "cannot deploy"),
    )
    out = project.parent / "out"
    assert build(project, out) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[1:] == [
        "  warning: job: retries differ",
        "  error: hello: cannot deploy",
    ]
    assert captured.err == "portafunc: error: check found 1 error for fake; nothing was built\n"
    assert builder.calls == []
    assert not out.exists()


def test_check_warnings_are_printed_and_the_build_goes_on(
    project: Path, builder: Builder, capsys: pytest.CaptureFixture[str]
) -> None:
    builder.findings = (Finding("warning", None, "create the queue jobs yourself"),)
    assert build(project, project.parent / "out") == 0
    assert "  warning: create the queue jobs yourself" in capsys.readouterr().out.splitlines()


# -- command-line errors ------------------------------------------------------------------


def test_missing_adapter(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(providers, "installed", dict)
    argv = [
        "build",
        str(project / "app.py"),
        "--provider",
        "gcp",
        "--out",
        str(project.parent / "o"),
    ]
    assert main(argv) == 2
    assert "pip install portafunc-gcp" in capsys.readouterr().err


@pytest.mark.parametrize(
    "extra", [["--python", "3"], ["--python", "py3.12"], ["--http", "some"], []]
)
def test_usage_errors(extra: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["build", "app.py", "--provider", "fake", *extra]
    if extra:
        argv += ["--out", "x"]
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2
    assert "usage: portafunc build" in capsys.readouterr().err


# -- package.module:app ---------------------------------------------------------------------


def test_a_package_is_copied_under_its_name(
    tmp_path: Path, isolated: None, builder: Builder, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {
        "pfbuild_pkg/__init__.py": "",
        "pfbuild_pkg/api.py": 'from portafunc import App\nservice = App("svc")\n',
        "pfbuild_pkg/assets/logo.txt": "",
        "outside.py": "",
    })  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert main(["build", "pfbuild_pkg.api:service", "--provider", "fake", "--out", "out"]) == 0
    spec, _, seen, _ = builder.calls[0]
    assert spec.app_spec == "pfbuild_pkg.api:service"
    assert seen == ["pfbuild_pkg/__init__.py", "pfbuild_pkg/api.py", "pfbuild_pkg/assets/logo.txt"]


# -- the .gitignore matcher -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "path", "is_dir", "expected"),
    [
        (["*.log"], "a/b/x.log", False, True),
        (["*.log", "!keep.log"], "keep.log", False, False),
        (["/build"], "build", True, True),
        (["/build"], "src/build", True, False),
        (["build/"], "src/build", True, True),
        (["build/"], "build", False, False),  # directories only
        (["docs/*.md"], "docs/a.md", False, True),
        (["docs/*.md"], "docs/sub/a.md", False, False),
        (["docs/**/*.md"], "docs/sub/deep/a.md", False, True),
        (["**/cache"], "a/b/cache", True, True),
        (["logs/**"], "logs/a/b.txt", False, True),
        (["file?.txt"], "file1.txt", False, True),
        (["file[0-9].txt"], "filea.txt", False, False),
        (["file[!0-9].txt"], "filea.txt", False, True),
        (["# comment", ""], "# comment", False, False),
        (["\\#hash"], "#hash", False, True),
    ],
)
def test_patterns(patterns: list[str], path: str, is_dir: bool, expected: bool) -> None:
    assert Patterns(patterns).matches(path, is_dir=is_dir) is expected


def test_patterns_cover_what_is_below_a_match() -> None:
    assert Patterns(["data"]).covers("data/a/b.json")
    assert not Patterns(["data/"]).covers("database.json")


def test_select_skips_the_output_directory(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.py": "", "out/b.py": "", "c/.x.portafunc-build/d.py": ""})
    assert select(tmp_path, skip=tmp_path / "out") == ["a.py"]


# -- requirements ---------------------------------------------------------------------------


def test_requirements_from_pyproject_are_pinned_to_what_is_installed(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "pyproject.toml": """
            [project]
            name = "tiny"
            version = "1"
            dependencies = [
                "pydantic>=2.7",
                "portafunc[aws]~=0.1",
                "pf-not-installed-anywhere>=1 ; python_version >= '3.10'",
            ]
        """,
        "requirements.txt": "ignored==1\n",
        "src/app.py": "",
    })  # fmt: skip
    found = find(tmp_path / "src")
    assert found.origin == str(tmp_path / "pyproject.toml")
    assert found.lines == (
        f"pydantic=={PYDANTIC_VERSION}",
        "pf-not-installed-anywhere>=1 ; python_version >= '3.10'",
        f"portafunc=={portafunc.__version__}",
    )


def test_requirements_txt_as_written(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {"requirements.txt": "# pinned\nhttpx==0.27.0  # client\n\nPortafunc-AWS\n"}
    )
    assert find(tmp_path).lines == (
        "httpx==0.27.0",
        "Portafunc-AWS",
        f"portafunc=={portafunc.__version__}",
    )


def test_no_requirements_but_portafunc(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # the search stops at the work tree's root
    (tmp_path / "app").mkdir()
    found = find(tmp_path / "app")
    assert found.lines == (f"portafunc=={portafunc.__version__}",)
    assert found.origin == "no pyproject.toml or requirements.txt found"


def test_requirements_from_uv_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = write_tree(tmp_path / "bin", {"uv": f"""\
        #!{sys.executable}
        import sys
        print(" ".join(sys.argv[1:]), file=open("uv-args.txt", "w"))
        print("annotated-types==0.7.0\\n-e .\\nportafunc==0.0.1")
        print("pydantic==2.9.2 ; python_version >= '3.10'")
    """})  # fmt: skip
    (bin_dir / "uv").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    write_tree(tmp_path / "proj", {"pyproject.toml": "[project]\nname='p'\n", "uv.lock": ""})
    found = find(tmp_path / "proj")
    assert found.origin == f"{tmp_path / 'proj' / 'uv.lock'} (uv export)"
    assert found.lines == (
        "annotated-types==0.7.0",
        "pydantic==2.9.2 ; python_version >= '3.10'",
        f"portafunc=={portafunc.__version__}",
    )
    arguments = (tmp_path / "proj" / "uv-args.txt").read_text().split()
    assert arguments[:5] == ["export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-workspace"]


def test_requirements_of_the_shop_come_from_the_workspace_lock() -> None:
    if shutil.which("uv") is None:
        pytest.skip("uv is not installed")
    found = find(SHOP)
    assert found.origin == f"{ROOT / 'uv.lock'} (uv export)"
    assert f"pydantic=={PYDANTIC_VERSION}" in found.lines
    assert not [line for line in found.lines if line.startswith(("portafunc-", "-e"))]


def test_pinned_keeps_direct_references_and_extras() -> None:
    assert pinned("pkg @ https://example.com/pkg.whl") == "pkg @ https://example.com/pkg.whl"
    assert pinned("pydantic[email]>=2") == f"pydantic[email]=={PYDANTIC_VERSION}"


# -- examples/shop with the installed adapters ----------------------------------------------


@pytest.mark.parametrize("name", ["aws", "azure", "gcp"])
def test_the_shop_builds_for_each_provider(
    name: str, tmp_path: Path, isolated: None, capsys: pytest.CaptureFixture[str]
) -> None:
    adapter = providers.installed().get(name)
    if adapter is None or not callable(getattr(adapter, "build", None)):
        pytest.skip(f"the {name} adapter does not implement build yet")
    out = tmp_path / name
    assert main(["build", str(SHOP / "app.py"), "--provider", name, "--out", str(out)]) == 0
    assert (out / "app.py").is_file()
    assert (out / "store.py").is_file()
    assert not (out / "__pycache__").exists()
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"portafunc: built {out}: ")
