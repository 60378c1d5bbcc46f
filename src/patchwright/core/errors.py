"""The errors a user sees: one line each, exit code 2 at the command line. Code below the
entry points raises these (or subclasses); entry points print ``str(exc)`` and exit."""

from __future__ import annotations


class PatchwrightError(Exception):
    """Bad input or environment; the message is one line for the user (exit code 2)."""


class ConfigError(PatchwrightError, ValueError):
    """Bad configuration (a file, an override, an unknown component name)."""


class RepairError(PatchwrightError):
    """A run cannot start or go on (bad path, no tests, unknown test, missing model)."""


class BaseRunCrashed(RepairError):
    """The test command crashed at the base commit (nothing collected): a migration falls
    back to applying every rule at once when it sees this."""


class NoTestsFound(RepairError):
    """The test runner found no tests in the project."""


class MigrateError(PatchwrightError):
    """A migration cannot start (bad target, no rules, environment not buildable)."""
