"""The console in a web browser: textual-serve runs one console process per tab.

UI-side (the core never imports Textual or its server); ``warroom serve`` calls it
after checking the database and policies."""

from __future__ import annotations

from textual_serve.server import Server


def serve_console(command: str, *, host: str, port: int, public_url: str | None) -> None:
    """Serve ``command`` (a ``warroom`` console) until Ctrl-C; OSError if the port
    cannot be bound."""
    Server(command, host=host, port=port, title="warroom", public_url=public_url).serve()
