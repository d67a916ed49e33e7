"""The web console lets no one in: its own addresses only, and a login per person."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from screens.serve import GuardedServer
from tests.cli_helpers import Warroom
from tests.net_helpers import free_port
from warroom.access import AccessTokens, allowed_origins, is_loopback
from warroom.errors import BadInput
from warroom.store import Store

EVIL = "https://evil.example.com"


def test_the_console_answers_only_at_its_own_addresses() -> None:
    local = allowed_origins("127.0.0.1", 8000, None)
    assert local.host_ok("127.0.0.1:8000") and local.host_ok("localhost:8000")
    assert not local.host_ok("evil.example.com:8000")  # DNS rebinding to 127.0.0.1
    assert not local.host_ok("127.0.0.1:9000") and not local.host_ok(None)
    assert local.origin_ok("http://127.0.0.1:8000") and local.origin_ok(None)
    assert not local.origin_ok(EVIL) and not local.origin_ok("null")
    proxied = allowed_origins("0.0.0.0", 8000, "https://warroom.example.com")
    assert proxied.secure and proxied.host_ok("warroom.example.com")
    assert proxied.origin_ok("https://warroom.example.com")
    assert not proxied.origin_ok("http://warroom.example.com")
    assert not proxied.host_ok("10.0.0.5:8000")  # a name nobody gave
    assert is_loopback("::1") and is_loopback("localhost") and not is_loopback("0.0.0.0")
    with pytest.raises(BadInput, match="not an http"):
        allowed_origins("127.0.0.1", 8000, "javascript:alert(1)")


async def test_tokens_are_kept_hashed_revocable_and_name_their_person(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    async with await Store.open(db) as store:
        tokens = AccessTokens(store)
        secret = await tokens.add("alice", by="root")
        other = await tokens.add("bob", by="root")
        assert secret.startswith("wr_") and len(secret) > 40 and secret != other
        assert (await tokens.authenticate(secret) or ("",))[0] == "alice"
        assert await tokens.authenticate(secret[:-1] + "x") is None
        assert await tokens.authenticate("not a token") is None
        revoked = await tokens.revoke("ALICE", by="root")
        assert [v.person for v in revoked] == ["alice"]
        assert await tokens.authenticate(secret) is None
        assert await tokens.authenticate(other) is not None
        with pytest.raises(BadInput, match="no active token"):
            await tokens.revoke("alice", by="root")
        assert [v.person for v in await tokens.listed()] == ["bob"]
    wal = tmp_path / "w.db-wal"  # checkpointed into the file when the store closed
    raw = db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert secret.encode() not in raw and other.encode() not in raw


def test_serving_beyond_loopback_without_tokens_is_refused(tmp_path: Path) -> None:
    wr = Warroom(tmp_path / "w.db")
    r = wr("serve", "--host", "0.0.0.0", "--port", str(free_port()))
    assert r.exit_code == 2
    assert "no login" in r.stderr and "warroom tokens add" in r.stderr
    r = wr("tokens", "add", "carol")
    assert r.exit_code == 0, r.output
    secret = r.stdout.strip()
    listing = wr("tokens", "list")
    assert "carol" in listing.stdout and secret not in listing.stdout
    assert wr("tokens", "revoke", secret[:10]).exit_code == 0
    assert "no access tokens" in wr("tokens", "list").stdout


class _Served:
    def __init__(self, server: GuardedServer, test: TestServer) -> None:
        self.server, self.test = server, test
        self.url = f"http://127.0.0.1:{test.port}"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[_Served, str, list[str | None]]]:
    """The guarded server in this process; alice has a token. Consoles are `true`."""
    store = await Store.open(tmp_path / "w.db")
    secret = await AccessTokens(store).add("alice", by="root")
    started: list[str | None] = []

    def command_for(person: str | None) -> str:
        started.append(person)
        return "true"

    async def open_tokens():  # type: ignore[no-untyped-def]
        async def nothing() -> None:
            return None

        return AccessTokens(store), nothing

    port = free_port()
    server = GuardedServer(
        command_for,
        host="127.0.0.1",
        port=port,
        public_url=None,
        addresses=allowed_origins("127.0.0.1", port, None),
        open_tokens=open_tokens,
        always_login=False,
    )
    test = TestServer(await server._make_app(), host="127.0.0.1", port=port)
    await test.start_server()
    started.clear()  # the server's own default command
    try:
        yield _Served(server, test), secret, started
    finally:
        await test.close()
        await store.close()


async def _login(http: aiohttp.ClientSession, url: str, secret: str) -> int:
    async with http.post(f"{url}/login", data={"token": secret}, allow_redirects=False) as r:
        return r.status


async def test_a_cross_origin_page_cannot_drive_the_console(served) -> None:  # type: ignore[no-untyped-def]
    s, secret, started = served
    async with aiohttp.ClientSession() as http:
        assert await _login(http, s.url, secret) == 303
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(f"{s.url}/ws", headers={"Origin": EVIL})
        assert refused.value.status == 403
        async with http.get(f"{s.url}/", headers={"Host": "evil.example.com"}) as r:
            assert r.status == 421  # a rebinding name for 127.0.0.1
    assert started == []  # no console ran for either


async def test_every_page_needs_a_login_and_each_tab_acts_as_its_person(served) -> None:  # type: ignore[no-untyped-def]
    s, secret, started = served
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies of an IP address (127.0.0.1)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(f"{s.url}/", allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"] == "/login"
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(f"{s.url}/ws")
        assert refused.value.status == 401
        assert await _login(http, s.url, "wr_guessed") == 401
        assert await _login(http, s.url, secret) == 303
        cookie = next(c for c in http.cookie_jar if c.key == "warroom_session")
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
        async with http.get(f"{s.url}/") as r:
            assert r.status == 200 and "ws://" in await r.text()
        ws = await http.ws_connect(f"{s.url}/ws", headers={"Origin": s.url})
        await ws.close()
        assert started == ["alice"]  # the console ran as alice, not as a shared --as
        await AccessTokens(s.server.tokens.store).revoke("alice", by="root")  # type: ignore[union-attr]
        async with http.get(f"{s.url}/", allow_redirects=False) as r:
            assert r.status == 303  # a revoked token's session is over


def test_the_real_server_refuses_a_cross_origin_websocket(tmp_path: Path) -> None:
    """`warroom serve` as a process: the keystrokes of a page on another site never
    reach a console."""
    argv = [sys.executable, "-m", "warroom", "--db", str(tmp_path / "w.db"), "--as", "alice"]
    port = free_port()
    proc = subprocess.Popen(
        [*argv, "serve", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        import asyncio

        async def attempt() -> int:
            deadline = time.monotonic() + 30
            async with aiohttp.ClientSession() as http:
                while True:
                    try:
                        await http.ws_connect(f"ws://127.0.0.1:{port}/ws", headers={"Origin": EVIL})
                    except aiohttp.WSServerHandshakeError as err:
                        return err.status
                    except aiohttp.ClientConnectionError:
                        assert time.monotonic() < deadline and proc.poll() is None
                        await asyncio.sleep(0.1)  # the server is starting
                        continue
                    return 101

        assert asyncio.run(attempt()) == 403
    finally:
        proc.terminate()
        proc.wait(timeout=10)
