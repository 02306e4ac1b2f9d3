"""Exceptions that carry a message meant for the user."""

from __future__ import annotations


class EmbedflowError(Exception):
    """An error whose message is shown to the user as it is."""


class NodeError(EmbedflowError):
    """A node could not produce its outputs; `code` is a stable diagnostic code."""

    def __init__(self, message: str, code: str = "node-failed", hint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.hint = hint


class Cancelled(EmbedflowError):
    """The user cancelled the run."""

    def __init__(self, message: str = "Cancelled") -> None:
        super().__init__(message)


class WorkflowFileError(EmbedflowError):
    """A workflow file could not be read or written."""
