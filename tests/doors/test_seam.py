"""The web routes reach the service through the one typed dependency (``web.deps``),
never through ``request.app.state`` (which is untyped)."""

from __future__ import annotations

from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "newsletter" / "web"


def test_routes_use_the_typed_service_dependency() -> None:
    offenders = [
        str(path.relative_to(WEB))
        for path in WEB.rglob("*.py")
        if path.name not in ("deps.py", "app.py")
        and "app.state.service" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
    assert "app.state.service" in (WEB / "deps.py").read_text(encoding="utf-8")
