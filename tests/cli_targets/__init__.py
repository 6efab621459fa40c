"""Targets for the CLI tests: each kind of thing a user may point ``manypaths`` at."""
