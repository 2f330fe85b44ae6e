"""One guard for every CSV the portal writes: a cell a spreadsheet shows as text, never runs.

The guard itself is `core.platform.text.spreadsheet_cell`;
`safe_cell` is the name the export builders use.
"""

from __future__ import annotations

from core.platform.text import spreadsheet_cell

safe_cell = spreadsheet_cell
