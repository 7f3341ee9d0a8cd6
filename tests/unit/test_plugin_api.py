"""The plugin API is exactly what `assistant.plugin_api` lists, and the plugin uses nothing else
of the host (as httpx asserts its exported members)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import assistant.plugin_api as api

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


def _host_imports() -> list[tuple[str, int, str, list[str]]]:
    """Every import of an `assistant` module in the plugins: (file, line, module, names)."""
    found = []
    for path in sorted(PLUGINS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "assistant":
                found.append((str(path.relative_to(PLUGINS)), node.lineno, node.module, [a.name for a in node.names]))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "assistant":
                        found.append((str(path.relative_to(PLUGINS)), node.lineno, alias.name, []))
    return found


def test_every_listed_name_resolves_and_nothing_else_is_listed() -> None:
    assert sorted(api.__all__) == sorted(api._HOME)
    for name in api.__all__:
        assert getattr(api, name) is not None, name


def test_an_unlisted_name_is_refused_with_the_list() -> None:
    with pytest.raises(AttributeError, match="may use only"):
        _ = api.Gateway


def test_the_plugin_imports_only_the_plugin_api_from_the_host() -> None:
    imports = _host_imports()
    assert imports, "the plugin uses the host somewhere"
    outside = [f"{file}:{line} imports {module}" for file, line, module, _ in imports if module != "assistant.plugin_api"]
    assert outside == []
    unlisted = [f"{file}:{line} {name}" for file, line, _, names in imports for name in names if name not in api.__all__]
    assert unlisted == []
