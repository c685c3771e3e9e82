"""axe-core, the npm package (installed by .ci/run into tests/web/axe), run in the page:
any violation, whatever its impact, fails the test."""

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page

AXE = Path(__file__).resolve().parents[1] / "web" / "axe" / "node_modules" / "axe-core" / \
    "axe.min.js"


@cache
def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("CI"):
            raise AssertionError(f"{AXE} is missing: .ci/run installs it with npm")
        pytest.skip("axe-core not installed: npm ci --prefix tests/web/axe")
    return AXE.read_text(encoding="utf-8")


async def check(page: Page, where: str, include: str | None = None) -> None:
    """No violation of any rule axe runs by default (WCAG 2.0–2.1 A and AA and best
    practices) in the page, or in the part of it under `include`."""
    # Evaluated by the browser's debugging protocol: the page's CSP does not apply.
    await page.evaluate(f"() => {{ if (!window.axe) {{ {axe_source()} }} }}")
    found: list[dict[str, Any]] = await page.evaluate(
        """async (include) => (await axe.run(include ? { include: [include] } : document,
                                             { resultTypes: ["violations"] })).violations
             .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                            nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }))""",
        include)
    assert not found, f"axe at {where}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in found)
