"""What the server is started with: settings that decide how soon a run reaches the browser."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_streamlit_does_not_collect_garbage_after_every_run():
    # A full collection after each run held the run's messages back by about 130 ms.
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def test_the_server_freezes_what_it_loads_at_start():
    tree = ast.parse((ROOT / "serve.py").read_text())
    calls = [
        node.func
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]
    assert any(f.attr == "freeze" and getattr(f.value, "id", "") == "gc" for f in calls)
