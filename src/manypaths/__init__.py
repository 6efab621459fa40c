"""manypaths: one function, many paths."""

from __future__ import annotations

__version__ = "0.1.0"
