"""The console in a web browser: textual-serve runs one console process per tab.

UI-side (the core never imports Textual or its server); ``warroom serve`` calls it
after checking the database and policies. On top of textual-serve this server:

- answers only at its own addresses: a request whose ``Host`` is not one of them
  (DNS rebinding) gets 421, and one whose browser ``Origin`` is another site's (a
  cross-origin page driving the WebSocket) gets 403 (``warroom.access.Addresses``);
- with access tokens (``warroom tokens add NAME``) asks for one at ``/login``, keeps
  the session in an HttpOnly, SameSite=Strict cookie, and runs each tab's console as
  the token's person; a revoked token's sessions are closed within a minute.
"""

from __future__ import annotations

import asyncio
import html
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from warroom.access import AccessTokens, Addresses

COOKIE = "warroom_session"
SESSION_SECONDS = 12 * 3600  # a login lasts a shift
RECHECK_SECONDS = 30  # how often open sessions are checked against revocations
LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>warroom: log in</title><meta name="viewport" content="width=device-width">
<style>body{{font:16px/1.5 system-ui,sans-serif;background:#111;color:#eee;margin:4em auto;
max-width:32em;padding:0 1em}}input{{font:inherit;width:100%;padding:.4em}}
button{{font:inherit;margin-top:1em;padding:.4em 1.2em}}.err{{color:#ff8a80}}</style>
</head><body><h1>warroom</h1><p>{message}</p>
<form method="post" action="/login"><label for="t">Access token</label>
<input id="t" name="token" type="password" autocomplete="current-password" autofocus>
<button type="submit">Open the console</button></form></body></html>"""


@dataclass
class Session:
    person: str
    digest: str
    expires: float
    sockets: set[web.WebSocketResponse] = field(default_factory=set)


SESSION: web.RequestKey[Session] = web.RequestKey("warroom_session", Session)
TokensOpener = Callable[[], Awaitable[tuple[AccessTokens, Callable[[], Awaitable[None]]]]]


class GuardedServer(Server):
    """textual-serve with address checks, logins and a console per person."""

    def __init__(
        self,
        command_for: Callable[[str | None], str],
        *,
        host: str,
        port: int,
        public_url: str | None,
        addresses: Addresses,
        open_tokens: TokensOpener,
        always_login: bool,
    ) -> None:
        super().__init__(command_for(None), host=host, port=port, title="warroom",
                         public_url=public_url)  # fmt: skip
        self.command_for = command_for
        self.addresses = addresses
        self.open_tokens = open_tokens
        self.always_login = always_login  # served beyond loopback: never without a token
        self.tokens: AccessTokens | None = None
        self._close_tokens: Callable[[], Awaitable[None]] | None = None
        self.sessions: dict[str, Session] = {}
        self._recheck: asyncio.Task[None] | None = None

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        app.router.add_get("/login", self.handle_login_page)
        app.router.add_post("/login", self.handle_login)
        app.router.add_get("/logout", self.handle_logout)
        return app

    # --- every request ------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not self.addresses.host_ok(request.headers.get("Host")):
            return web.Response(status=421, text="This console does not answer at that address.")
        if not self.addresses.origin_ok(request.headers.get("Origin")):
            return web.Response(status=403, text="Refused: a request from another site.")
        if request.path.startswith(("/static/", "/login")) or not await self._login_required():
            return await handler(request)
        session = await self._session(request)
        if session is None:
            if request.path == "/ws":
                return web.Response(status=401, text="Log in first.")
            raise web.HTTPSeeOther("/login")
        request[SESSION] = session
        return await handler(request)

    async def _login_required(self) -> bool:
        """Beyond loopback always; on loopback as soon as a token was ever issued (so a
        token added while the server runs takes effect at once, and revoking the last
        one does not open the console)."""
        assert self.tokens is not None
        return self.always_login or await self.tokens.any_issued()

    async def _session(self, request: web.Request) -> Session | None:
        sid = request.cookies.get(COOKIE, "")
        session = self.sessions.get(sid)
        if session is None:
            return None
        if session.expires < time.monotonic() or not await self._active(session):
            self.sessions.pop(sid, None)
            return None
        return session

    async def _active(self, session: Session) -> bool:
        assert self.tokens is not None
        return await self.tokens.still_active(session.digest)

    # --- logging in ---------------------------------------------------------------------

    async def handle_login_page(self, request: web.Request) -> web.Response:
        return self._login_page("Paste your access token (<code>warroom tokens add NAME</code>).")

    def _login_page(self, message: str, status: int = 200) -> web.Response:
        resp = web.Response(
            status=status, text=LOGIN_PAGE.format(message=message), content_type="text/html"
        )
        resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        resp.headers["X-Frame-Options"] = "DENY"
        return resp

    async def handle_login(self, request: web.Request) -> web.Response:
        assert self.tokens is not None
        form = await request.post()
        secret = str(form.get("token", "")).strip()
        found = await self.tokens.authenticate(secret) if secret else None
        if found is None:
            return self._login_page('<span class="err">That token is not valid.</span>', 401)
        person, digest = found
        sid = secrets.token_urlsafe(32)
        self.sessions[sid] = Session(person, digest, time.monotonic() + SESSION_SECONDS)
        resp = web.HTTPSeeOther("/")
        resp.set_cookie(
            COOKIE,
            sid,
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="Strict",
            secure=self.addresses.secure,
            path="/",
        )
        raise resp

    async def handle_logout(self, request: web.Request) -> web.Response:
        session = self.sessions.pop(request.cookies.get(COOKIE, ""), None)
        if session is not None:
            for ws in list(session.sockets):
                await ws.close()
        resp = web.HTTPSeeOther("/login")
        resp.del_cookie(COOKIE, path="/")
        raise resp

    # --- the console of one tab -----------------------------------------------------------

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's handler, with the console run as the session's person."""
        session: Session | None = request.get(SESSION)
        command = self.command_for(session.person if session else None)
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        app_service: AppService | None = None
        try:
            await websocket.prepare(request)
            if session is not None:
                session.sockets.add(websocket)

            async def close() -> None:
                await websocket.close()

            app_service = AppService(
                command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await app_service.start(width, height)
            await self._process_messages(websocket, app_service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # one tab's failure is logged; the server goes on
            self.console.print(f"a browser console stopped: {type(error).__name__}: {error}")
        finally:
            if session is not None:
                session.sockets.discard(websocket)
            if app_service is not None:
                await app_service.stop()
        return websocket

    # --- start and stop -------------------------------------------------------------------

    async def on_startup(self, app: web.Application) -> None:
        self.tokens, self._close_tokens = await self.open_tokens()
        self._recheck = asyncio.create_task(self._drop_revoked())
        login = await self._login_required()
        who = "log in with an access token" if login else "no login: loopback only"
        self.console.print(f"warroom console on {html.escape(self.public_url)} ({who})")
        self.console.print("Press Ctrl+C to stop.", highlight=False)

    async def on_shutdown(self, app: web.Application) -> None:
        if self._recheck is not None:
            self._recheck.cancel()
        for session in self.sessions.values():
            for ws in list(session.sockets):
                await ws.close()
        if self._close_tokens is not None:
            await self._close_tokens()

    async def _drop_revoked(self) -> None:
        """Close the consoles of sessions whose token was revoked or has expired."""
        while True:
            await asyncio.sleep(RECHECK_SECONDS)
            for sid, session in list(self.sessions.items()):
                try:
                    keep = session.expires >= time.monotonic() and await self._active(session)
                except Exception:  # the database is away: keep sessions, check again later
                    continue
                if not keep:
                    self.sessions.pop(sid, None)
                    for ws in list(session.sockets):
                        await ws.close()


def serve_console(
    command_for: Callable[[str | None], str],
    *,
    host: str,
    port: int,
    public_url: str | None,
    addresses: Addresses,
    open_tokens: TokensOpener,
    always_login: bool,
) -> None:
    """Serve the console until Ctrl-C; OSError if the port cannot be bound.

    ``command_for(person)`` is the console command for a logged-in person (None: no
    login, the ``--as`` person); ``open_tokens`` opens the token store in the server's
    event loop; ``always_login`` when served beyond loopback."""
    GuardedServer(
        command_for,
        host=host,
        port=port,
        public_url=public_url,
        addresses=addresses,
        open_tokens=open_tokens,
        always_login=always_login,
    ).serve()
