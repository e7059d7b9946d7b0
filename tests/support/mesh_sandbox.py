"""NHS England's MESH sandbox (the `mesh-sandbox` package), run on loopback for the MESH tests.

`mesh_sandbox` is a session fixture: it starts the sandbox's FastAPI app under uvicorn in a
subprocess on a free port, with full authentication (mesh-client's HMAC token over the shared key
and each mailbox's password) and an in-memory store, and waits until it answers. Its mailboxes
are the sandbox's own (mesh_sandbox/store/data/mailboxes.jsonl): X26ABC1, X26ABC2 and X26ABC3,
each with the password "password". Nothing leaves the machine.

Use `sandbox.reset()` at the start of a test for empty mailboxes, and `sandbox.client(mailbox)`
for a MeshClient logged in as one of them (the hub's side of a test).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import pytest
import requests
from mesh_client import MeshClient

SHARED_KEY = "TestKey"
PASSWORD = "password"
TRUST_MAILBOX, HUB_MAILBOX, OTHER_MAILBOX = "X26ABC1", "X26ABC2", "X26ABC3"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class MeshSandbox:
    url: str

    def reset(self) -> None:
        requests.delete(f"{self.url}/admin/reset", timeout=10).raise_for_status()

    def client(self, mailbox: str) -> MeshClient:
        return MeshClient(self.url, mailbox, PASSWORD, shared_key=SHARED_KEY.encode(), max_retries=0)

    def settings(self, mailbox: str = TRUST_MAILBOX, recipient: str = HUB_MAILBOX) -> dict[str, str]:
        """The ATTEND_MESH_* settings of a trust whose mailbox is `mailbox`."""
        return {
            "ATTEND_MESH_URL": self.url,
            "ATTEND_MESH_MAILBOX_ID": mailbox,
            "ATTEND_MESH_PASSWORD": PASSWORD,
            "ATTEND_MESH_SHARED_KEY": SHARED_KEY,
            "ATTEND_MESH_RECIPIENT": recipient,
        }


@pytest.fixture(scope="session")
def mesh_sandbox():
    port = _free_port()
    env = {**os.environ, "ENV": "local", "AUTH_MODE": "full", "STORE_MODE": "memory", "SHARED_KEY": SHARED_KEY}
    log = tempfile.TemporaryFile()  # noqa: SIM115 - open while the server runs, closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "mesh_sandbox.api:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"],
        env=env, stdout=log, stderr=log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"The MESH sandbox did not start: {log.read().decode()[-2000:]}")
            time.sleep(0.1)
        yield MeshSandbox(url)
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
