"""The layering the README describes, checked on the source: imports point down only, no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "interviewbot"
# Lower number = lower layer. A module may import its own layer or a lower one, never a higher one.
LAYERS = {
    0: ("errors", "vocabulary", "config"),
    1: (
        "answers",
        "prompts",
        "corpus",
        "embeddings",
        "embedding_adapters",
        "vectorpack",
        "speech",
        "questions",
        "index",
        "vectorpack",
        "judge",
        "llm",
        "llm_support",
        "llm_replies",
        "phrasing",
        "grading",
        "transcripts",
        "database",
        "db_schema",
    ),
    2: ("practice", "render", "wording", "exports", "followups"),
    3: ("services",),
    4: ("interview", "turn", "guards", "coding_round"),
    5: ("terminal", "cli", "ui", "__main__", "__init__"),
}
LAYER_NAMES = {0: "base", 1: "service", 2: "policy/presentation", 3: "wiring", 4: "engine", 5: "shell"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    for layer, names in LAYERS.items():
        if top in names:
            return layer
    raise AssertionError(f"{module}: not assigned to a layer in tests/test_architecture.py")


def _resolve(name: str, current: str, level: int) -> str:
    if level:
        base = current.split(".")
        base = base[: len(base) - level + (1 if MODULES[current].name == "__init__.py" else 0)]
        name = ".".join(base + ([name] if name else []))
    return name


def imports_of(module: str) -> list[tuple[str, int]]:
    """Internal modules imported anywhere in `module` (top level or inside functions), with lines."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", module, node.level)
            # `from pkg import submodule` imports the submodule; `from mod import name` the module
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target.startswith("interviewbot") and target != module:
                found.append((target, node.lineno))
    return found


GRAPH = {m: imports_of(m) for m in MODULES}


MAX_MODULE_LINES = 349  # a module over this does more than one job: split it by job


def test_every_module_is_small_enough_to_have_one_job():
    long = {
        m: n
        for m, p in MODULES.items()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_every_module_is_in_a_layer_and_says_its_job():
    for module, path in MODULES.items():
        _layer(module)
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc and doc.strip(), f"{module}: the module docstring should name its one job"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    mine = _layer(module)
    upward = [
        f"{MODULES[module].relative_to(ROOT)}:{line} imports {target} "
        f"({LAYER_NAMES[_layer(target)]} layer, above {LAYER_NAMES[mine]})"
        for target, line in GRAPH[module]
        if _layer(target) > mine
    ]
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target, _ in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert not cycles, f"import cycles: {cycles}"


def test_the_checker_sees_function_level_imports():
    """A guard on the guard: imports inside functions count (they hid cycles before)."""
    targets = {t for t, _ in GRAPH["interviewbot.cli.practice"]}
    assert "interviewbot.services" in targets and "interviewbot.render" in targets
