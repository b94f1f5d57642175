"""Start real servers on loopback for tests and benchmarks: llama_cpp.server with the bundled
SmolLM2 GGUF, chroma run, and the OpenAI-compatible embeddings server beside this file."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from assistant.resources import bundled_gguf

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not come up in {seconds}s")


class Server:
    def __init__(self, args: list[str], ready_url: str, log: Path):
        self.args, self.ready_url, self.log = args, ready_url, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        handle = self.log.open("ab")
        self.proc = subprocess.Popen(self.args, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
        wait_for(self.ready_url, self.proc)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def llama_server(tmp: Path) -> tuple[Server, str]:
    port = free_port()
    server = Server([sys.executable, "-m", "llama_cpp.server", "--model", str(bundled_gguf()),
                     "--model_alias", "smollm2", "--host", "127.0.0.1", "--port", str(port),
                     "--n_ctx", "2048", "--verbose", "false"],
                    f"http://127.0.0.1:{port}/v1/models", tmp / f"llama-{port}.log")
    return server.start(), f"http://127.0.0.1:{port}/v1"


def chroma_server(tmp: Path) -> tuple[Server, int]:
    port = free_port()
    chroma_bin = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    server = Server([chroma_bin, "run", "--path", str(tmp / "chroma"), "--host", "127.0.0.1", "--port", str(port)],
                    f"http://127.0.0.1:{port}/api/v2/heartbeat", tmp / "chroma.log")
    return server.start(), port


def embedding_server(tmp: Path) -> tuple[Server, str]:
    port = free_port()
    server = Server([sys.executable, str(Path(__file__).with_name("embedding_server.py")), "--port", str(port)],
                    f"http://127.0.0.1:{port}/v1/models", tmp / "embed.log")
    return server.start(), f"http://127.0.0.1:{port}/v1"


def postgres_server(tmp: Path) -> tuple[subprocess.Popen, str, Path]:
    """A throwaway PostgreSQL cluster on loopback (trust auth, its own socket dir). PostgreSQL
    refuses to run as root, so as root it runs as the `postgres` user Debian's package creates."""
    bindir = next((Path(p).parent for p in sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))), None)
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found: apt-get install -y postgresql")
    data = tmp / "pgdata"
    as_user: list[str] = []
    if os.geteuid() == 0:
        # pytest's temp dirs are private to root: the postgres user needs its own.
        data = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
        shutil.chown(data, "postgres", "postgres")
        # runuser lives in /usr/sbin, which a minimal PATH (cron, env -i) may leave out.
        runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin") or "runuser"
        as_user = [runuser, "-u", "postgres", "--"]
    else:
        data.mkdir()
    init = subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres",
                           "--no-sync"], capture_output=True, text=True)
    if init.returncode:
        raise RuntimeError(f"initdb failed: {init.stderr}")
    port = free_port()
    proc = subprocess.Popen([*as_user, str(bindir / "postgres"), "-D", str(data), "-p", str(port),
                             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={data}",
                             "-c", "fsync=off"], stdout=(tmp / "postgres.log").open("ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"postgres exited early: {(tmp / 'postgres.log').read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.3)
    # Accepting connections can trail the port opening by a moment.
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    from sqlalchemy import create_engine, text

    for _ in range(50):
        try:
            with create_engine(url).connect() as conn:
                conn.execute(text("SELECT 1"))
            break
        except Exception:  # "the database system is starting up"
            time.sleep(0.2)
    return proc, url, data
