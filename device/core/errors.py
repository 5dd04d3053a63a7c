"""Errors that carry a message for people: what went wrong and what to do about it."""

from __future__ import annotations


class MoodkioskError(Exception):
    """Base class: ``str(error)`` is the problem, ``hint`` says how to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    def describe(self) -> str:
        """The message and, when there is one, the fix, as printed by the CLI."""
        return f"{self}\n  fix: {self.hint}" if self.hint else str(self)


class ConfigError(MoodkioskError):
    """The configuration file or environment holds an unknown key or a bad value."""


class ModelError(MoodkioskError):
    """A model file is missing, corrupt or cannot be loaded."""


class InputDataError(MoodkioskError):
    """A data file given on the command line does not have the expected shape or content."""
