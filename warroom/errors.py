"""Errors a user can meet, each with the exit code of the command-line contract.

0 ok, 1 failure, 2 bad usage or bad input, 3 not permitted.
"""

from __future__ import annotations


class WarroomError(Exception):
    """A failure explained in one paragraph; never shown with a traceback."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadInput(WarroomError):
    """The user gave something we cannot accept (exit 2). Nothing was changed."""

    exit_code = 2


class NotFound(BadInput):
    """An unknown reference, person or item (exit 2)."""


def no_incident(incident_id: int) -> NotFound:
    """The one "no such incident" error, wherever an incident number names nothing."""
    return NotFound(f"no incident INC-{incident_id} in this database (see warroom list).")


class NotPermitted(WarroomError):
    """The policy does not allow this actor to do this (exit 3)."""

    exit_code = 3


class StoreError(WarroomError):
    """The database could not be opened or written (exit 1)."""

    exit_code = 1


class PolicyError(BadInput):
    """A policy file is broken or wrong (exit 2)."""
