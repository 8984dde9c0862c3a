"""The layout promises of docs/ARCHITECTURE.md, checked on the source tree itself."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "diagnose"
# What each part may import from diagnose (besides itself). Lower layers never import upper ones.
ALLOWED = {
    "errors": set(),
    "settings": set(),
    "messages": {"errors", "io"},
    "taxonomy": set(),
    "io": {"errors", "settings", "taxonomy"},
    "model": {"errors", "settings", "taxonomy", "io"},
    "store": {"errors", "settings", "taxonomy", "io"},
    "pipeline": {"errors", "settings", "taxonomy", "io", "model"},
    "analysis": {"errors", "settings", "taxonomy", "io", "model", "store"},
    "batch": {"errors", "settings", "taxonomy", "io", "model", "pipeline"},
    "cli": {"errors", "messages", "settings", "taxonomy", "io", "model", "pipeline", "analysis", "batch", "store"},
    "__init__": {"errors", "io", "model", "pipeline", "analysis"},
    "__main__": {"cli"},
}
MAX_FUNCTION_LINES = 120
MAX_MODULE_LINES = 800


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py"))


def _part(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    """The diagnose parts a module imports (absolute imports; relative ones are not used here)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import; use absolute diagnose.* imports"
            names = [node.module or ""]
            if node.module == "diagnose":
                names = [f"diagnose.{a.name}" for a in node.names]
        for name in names:
            if name.startswith("diagnose."):
                found.add(name.split(".")[1])
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_point_down(path):
    part = _part(path)
    wrong = _imports(path) - ALLOWED[part] - {part}
    assert not wrong, f"{path.relative_to(PACKAGE)} ({part}) imports {sorted(wrong)}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_library_never_imports_streamlit(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not any(a.name.split(".")[0] == "streamlit" for a in node.names), path
        elif isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] != "streamlit", path


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_functions_and_modules_fit_on_a_screen_or_two(path):
    source = path.read_text(encoding="utf-8")
    assert source.count("\n") <= MAX_MODULE_LINES, f"{path.name}: {source.count(chr(10))} lines"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            assert length <= MAX_FUNCTION_LINES, f"{path.name}:{node.lineno} {node.name} is {length} lines"


def test_help_does_not_import_the_heavy_stack():
    import subprocess
    import sys

    code = ("import sys; from diagnose.cli import build_parser; build_parser(); "
            "print(','.join(m for m in ('pandas', 'sklearn', 'jieba', 'pyspark') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent)
    assert out.stdout.strip() == ""
