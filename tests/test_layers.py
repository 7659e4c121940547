"""The house's floors: every import points down (entry points -> flows -> steps -> transforms and
contracts -> core), so a package never depends on one above it and no two packages import each
other. The test reads the imports of every module (top-level and inside functions alike)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOORS = {
    "core": 0,  # settings, rules, catalog, calendar, labels
    "schemas": 1,  # contracts
    "transforms": 2,  # pure rules
    "ingest": 3,  # the gate: landing folders -> staging
    "steps": 4,  # read -> compose -> validate
    "reports": 4,
    "delivery": 4,
    "flows": 5,  # Prefect wiring
    "synth": 6,  # the synthetic bank: a tool, never imported by the runtime
    "bench": 7,  # benchmarks
    "cmreport": 8,  # entry points: CLI, demo, status, export (and the benchmark's command)
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(FLOORS)


def modules() -> list[Path]:
    return sorted(p for pkg in FLOORS for p in (ROOT / pkg).rglob("*.py"))


def test_every_package_has_a_floor():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages == set(FLOORS)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down(path):
    own = path.relative_to(ROOT).parts[0]
    up = sorted(
        f"{own} (floor {FLOORS[own]}) imports {other} (floor {FLOORS[other]})"
        for other in imports_of(path)
        if other != own and FLOORS[other] >= FLOORS[own]
    )
    assert not up, "; ".join(up)
