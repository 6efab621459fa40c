"""A module whose import fails inside the user's code."""

raise RuntimeError("configuration missing: set DATABASE_URL")
