"""The import rules between the packages of newsletter/ (docs/architecture.md).

The graph is read from the source with ``ast`` (every import, also those inside functions
and under TYPE_CHECKING), so a rule holds for what the code says, not for what one run
happens to load. Each rule is a function over the graph; the tests at the end feed each
one a graph that breaks it and check that it says so.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "newsletter"

Graph = Mapping[str, frozenset[str]]

#: modules every layer may use: settings, the context, errors, messages, records, text
SHARED = frozenset(
    {"newsletter", "config", "context", "errors", "i18n", "models", "text", "links", "tokens"}
    | {"message_ids", "shipped", "baseurl", "faults", "xmltext", "versions", "moments"}
)
#: the stages of the flow (intake → editorial → render → delivery; audience beside them)
STAGES = frozenset({"audience", "intake", "editorial", "render", "delivery"})
#: what people and machines come in by: they call the service and nothing else
DOORS = frozenset({"web", "cli", "schedule", "demo", "__main__"})
#: what a process entry point may assemble besides the service: the server, the
#: scheduler, the transports and the embedded mail catcher, the event loop of a sender
ENTRY_POINT_WIRING: Mapping[str, frozenset[str]] = {
    "newsletter.__main__": frozenset({"newsletter.cli"}),
    # `serve` and `demo`
    "newsletter.cli.web": frozenset({"newsletter.web.server", "newsletter.demo"}),
    "newsletter.web.server": frozenset({"newsletter.schedule", "newsletter.delivery.catcher"}),
    # `issue send` runs the sender in its own process (progress bar, --processes)
    "newsletter.cli.send_run": frozenset(
        {
            "newsletter.delivery.catcher",
            "newsletter.delivery.event_loop",
            "newsletter.delivery.smtp",
            "newsletter.delivery.throttle",
            "newsletter.delivery.transport",
            "newsletter.delivery.worker",
        }
    ),
}
#: libraries a door never imports: queries live in the service, the stages and store/
DOOR_FORBIDDEN_LIBRARIES = frozenset({"sqlalchemy"})

#: ALLOWED FOR NOW, each to be deleted by the change that removes it (a test fails when an
#: entry is no longer needed, so the list cannot outlive its reason).
TO_REMOVE: Mapping[tuple[str, str], str] = {}

#: what the send engine must not load (README, "Speed and memory")
SEND_ENGINE_FORBIDDEN = ("jinja2", "premailer", "newsletter.intake", "newsletter.web", "alembic")


# --- the graph ---------------------------------------------------------------------------


def module_name(package: Path, path: Path) -> str:
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path) -> dict[str, frozenset[str]]:
    """Every module of ``package`` → the modules it imports (absolute names; names from
    outside the package as written, e.g. ``sqlalchemy.orm``). ``from a import b`` counts
    as importing ``a.b`` when that is a module of the package, else ``a``."""
    paths = {
        module_name(package, path): path
        for path in sorted(package.rglob("*.py"))
        if "versions" not in path.relative_to(package).parts  # Alembic revisions
    }
    graph: dict[str, frozenset[str]] = {}
    for name, path in paths.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    found.add(full if full in paths else base)
        graph[name] = frozenset(found - {name})
    return graph


def unit(module: str) -> str:
    """The package (or top-level module) of ``newsletter`` a module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def own(module: str) -> bool:
    return module == "newsletter" or module.startswith("newsletter.")


def _allowed(source: str, target: str, allowances: Iterable[tuple[str, str]]) -> bool:
    return any(source == a and (target == b or target.startswith(b + ".")) for a, b in allowances)


# --- the rules ---------------------------------------------------------------------------


def unit_cycles(graph: Graph, allowed: Iterable[tuple[str, str]] = ()) -> list[list[str]]:
    """Groups of packages that import each other, directly or around a loop (the
    strongly connected components of more than one package, Tarjan's algorithm)."""
    allowed = list(allowed)
    edges: dict[str, set[str]] = {}
    for source, targets in graph.items():
        for target in targets:
            crosses = own(target) and unit(target) != unit(source)
            if crosses and not _allowed(source, target, allowed):
                edges.setdefault(unit(source), set()).add(unit(target))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return cycles


def door_violations(graph: Graph, allowed: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Doors (web, cli, schedule, demo) import the service, shared modules and their own
    package only (plus the wiring of a process entry point), and never SQLAlchemy."""
    allowed = [*allowed, *((a, b) for a, bs in ENTRY_POINT_WIRING.items() for b in bs)]
    found = []
    for source, targets in sorted(graph.items()):
        if unit(source) not in DOORS:
            continue
        for target in sorted(targets):
            if not own(target):
                if target.split(".")[0] in DOOR_FORBIDDEN_LIBRARIES:
                    found.append(f"{source} imports {target} (a door holds no query)")
                continue
            if unit(target) in {unit(source), "service"} | SHARED:
                continue
            if not _allowed(source, target, allowed):
                found.append(f"{source} imports {target}")
    return found


def stage_violations(graph: Graph, allowed: Iterable[tuple[str, str]] = ()) -> list[str]:
    """No stage imports the service or a door; store and the shared modules import no
    stage, service or door either."""
    allowed = list(allowed)
    above = {"service"} | DOORS
    found = []
    for source, targets in sorted(graph.items()):
        if unit(source) in STAGES:
            forbidden = above
        elif unit(source) in SHARED | {"store"}:
            forbidden = above | STAGES
        else:
            continue
        for target in sorted(targets):
            reaches = own(target) and unit(target) in forbidden - {unit(source)}
            if reaches and not _allowed(source, target, allowed):
                found.append(f"{source} imports {target}")
    return found


def loaded_by(modules: Iterable[str], forbidden: Iterable[str]) -> list[str]:
    """Import the modules in a fresh interpreter; which of ``forbidden`` (names of modules
    or packages) got loaded."""
    script = (
        "import importlib, json, sys\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(list(modules))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return loaded(json.loads(done.stdout), forbidden)


def loaded(modules: Iterable[str], forbidden: Iterable[str]) -> list[str]:
    """Which of ``forbidden`` (modules or packages) are among ``modules``."""
    names = list(modules)
    return sorted({f for f in forbidden for name in names if name == f or name.startswith(f + ".")})


# --- the rules hold for the code -----------------------------------------------------------

GRAPH = import_graph(PACKAGE)


def test_the_graph_is_read() -> None:
    assert "newsletter.service" in GRAPH["newsletter.schedule"]
    assert "newsletter.store.base" in GRAPH["newsletter.store"]
    assert len(GRAPH) > 100


def test_no_import_cycle_between_packages() -> None:
    assert unit_cycles(GRAPH, TO_REMOVE) == []


def test_doors_import_only_the_service_and_shared_modules() -> None:
    assert door_violations(GRAPH, TO_REMOVE) == []


def test_no_stage_imports_the_service_or_a_door() -> None:
    assert stage_violations(GRAPH, TO_REMOVE) == []


def test_every_allowance_is_still_needed() -> None:
    stale = [edge for edge in TO_REMOVE if edge[1] not in GRAPH.get(edge[0], frozenset())]
    assert stale == [], f"remove these entries from TO_REMOVE: {stale}"
    for source, target in ENTRY_POINT_WIRING.items():
        unused = {t for t in target if not any(g.startswith(t) for g in GRAPH.get(source, ()))}
        assert not unused, f"{source} no longer imports {unused}: drop them from the wiring"


def test_the_send_engine_loads_no_template_css_intake_or_web_code() -> None:
    engine = sorted(name for name in GRAPH if name.startswith("newsletter.delivery."))
    assert "newsletter.delivery.worker" in engine and "newsletter.delivery.smtp" in engine
    assert loaded_by(engine, SEND_ENGINE_FORBIDDEN) == []


# --- each rule can fail --------------------------------------------------------------------


def _graph(edges: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    return {source: frozenset(targets) for source, targets in edges.items()}


def test_a_cycle_is_found_directly_or_around_a_loop() -> None:
    direct = _graph({"newsletter.intake.a": ["newsletter.delivery.b"],
                     "newsletter.delivery.b": ["newsletter.intake.c"]})  # fmt: skip
    assert unit_cycles(direct) == [["delivery", "intake"]]
    loop = _graph({"newsletter.render.a": ["newsletter.editorial.b"],
                   "newsletter.editorial.b": ["newsletter.audience.c"],
                   "newsletter.audience.c": ["newsletter.render.d"],
                   "newsletter.store.e": ["newsletter.models"]})  # fmt: skip
    assert unit_cycles(loop) == [["audience", "editorial", "render"]]
    # an allowed edge breaks the loop; a cycle inside one package is not between packages
    assert unit_cycles(loop, [("newsletter.audience.c", "newsletter.render.d")]) == []
    inside = _graph({"newsletter.web.a": ["newsletter.web.b"],
                     "newsletter.web.b": ["newsletter.web.a"]})  # fmt: skip
    assert unit_cycles(inside) == []


def test_a_door_reaching_past_the_service_is_found() -> None:
    broken = _graph(
        {
            "newsletter.web.console.issues": ["newsletter.store.base", "newsletter.service"],
            "newsletter.cli.intake": ["newsletter.intake.mail.pipeline", "newsletter.models"],
            "newsletter.schedule": ["sqlalchemy", "newsletter.service.delivery"],
            "newsletter.web.server": ["newsletter.delivery.smtp"],  # not its wiring
        }
    )
    assert door_violations(broken) == [
        "newsletter.cli.intake imports newsletter.intake.mail.pipeline",
        "newsletter.schedule imports sqlalchemy (a door holds no query)",
        "newsletter.web.console.issues imports newsletter.store.base",
        "newsletter.web.server imports newsletter.delivery.smtp",
    ]
    fine = _graph(
        {
            "newsletter.web.console.issues": ["newsletter.service.results", "fastapi"],
            "newsletter.cli.editorial": ["newsletter.models", "newsletter.cli.common"],
            "newsletter.web.server": ["newsletter.delivery.catcher", "uvicorn"],
        }
    )
    assert door_violations(fine) == []


def test_a_stage_reaching_up_is_found() -> None:
    broken = _graph(
        {
            "newsletter.render.preview": ["newsletter.service.editorial"],
            "newsletter.delivery.worker": ["newsletter.web.app", "newsletter.store.base"],
            "newsletter.intake.news": ["newsletter.schedule"],
            "newsletter.store.audience": ["newsletter.audience.segments"],
            "newsletter.models": ["newsletter.cli"],
        }
    )
    assert stage_violations(broken) == [
        "newsletter.delivery.worker imports newsletter.web.app",
        "newsletter.intake.news imports newsletter.schedule",
        "newsletter.models imports newsletter.cli",
        "newsletter.render.preview imports newsletter.service.editorial",
        "newsletter.store.audience imports newsletter.audience.segments",
    ]
    allowed = [("newsletter.intake.news", "newsletter.schedule")]
    assert "newsletter.intake.news imports newsletter.schedule" not in stage_violations(
        broken, allowed
    )


def test_a_module_that_loads_a_forbidden_library_is_found() -> None:
    # the template engine of render does load Jinja2: the check must see it
    assert loaded_by(["newsletter.render.templating"], ["jinja2", "premailer"]) == ["jinja2"]
    assert loaded_by(["newsletter.render.inline"], ["jinja2", "premailer"]) == ["premailer"]
    assert loaded_by(["newsletter.models"], ["jinja2", "premailer"]) == []


def test_the_graph_reader_on_a_package_that_breaks_every_rule(tmp_path: Path) -> None:
    package = tmp_path / "newsletter"
    files = {
        "__init__.py": "",
        "models.py": "",
        "service/__init__.py": "from newsletter import models\n",
        "intake/__init__.py": "",
        "intake/mail/__init__.py": "",
        "intake/mail/pipeline.py": "from ...delivery import bounces\n",
        "delivery/__init__.py": "",
        "delivery/bounces.py": (
            "def parse():\n    from newsletter.intake.mail import pipeline\n"
            "    from newsletter.service import Service\n"
        ),
        "web/__init__.py": "",
        "web/routes.py": "import sqlalchemy.orm\nfrom newsletter.delivery.bounces import parse\n",
    }
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    graph = import_graph(package)
    assert graph["newsletter.intake.mail.pipeline"] == {"newsletter.delivery.bounces"}
    assert graph["newsletter.service"] == {"newsletter.models"}
    assert unit_cycles(graph) == [["delivery", "intake"]]
    assert door_violations(graph) == [
        "newsletter.web.routes imports newsletter.delivery.bounces",
        "newsletter.web.routes imports sqlalchemy.orm (a door holds no query)",
    ]
    assert stage_violations(graph) == ["newsletter.delivery.bounces imports newsletter.service"]
