"""The README's quick start holds: its commands run as written, and say what they need."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.paths import ROOT
from support.servers import free_port

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _quick_start() -> list[str]:
    """The shell blocks of the Quick start section, in order."""
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_the_readme_states_the_python_version_and_python3_venv():
    required = re.search(r'requires-python = ">=(\d+\.\d+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    assert f"Needs Python {required} or newer" in README
    assert "`python3-venv`" in README


def _ready(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline and server.poll() is None, "the service did not start"
        time.sleep(0.2)


@pytest.mark.skipif(not shutil.which("curl"), reason="curl is not installed")
def test_the_quick_start_indexes_and_serves_and_its_curl_line_answers(tmp_path):
    setup, curl = _quick_start()[:2]
    steps = setup.split(" && ")
    # the first two make the environment this suite runs in
    assert steps[:2] == ["python3 -m venv .venv", ".venv/bin/pip install -e ."]
    if Path(sys.prefix) != ROOT / ".venv":
        pytest.skip("the suite runs outside the checkout's .venv, which the quick start makes")
    # the others as written, in a fresh folder holding the checkout's .venv and fixtures,
    # on a free port rather than 8000 (the first serves, so it runs in the background)
    for name in (".venv", "fixtures"):
        (tmp_path / name).symlink_to(ROOT / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_SEARCH_")}
    *index, serve = steps[2:]
    assert serve == ".venv/bin/policy-search serve"
    for step in index:
        subprocess.run(["sh", "-c", step], cwd=tmp_path, env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    server = subprocess.Popen(["sh", "-c", f"exec {serve} --port {port}"], cwd=tmp_path, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _ready(port, server)
        assert "127.0.0.1:8000" in curl
        answer = subprocess.run(["sh", "-c", curl.replace("127.0.0.1:8000", f"127.0.0.1:{port}")],
                                capture_output=True, timeout=60)
        assert answer.returncode == 0, answer.stderr
        body = json.loads(answer.stdout)
        assert body["query"] == "政务公开" and body["total"] == 4
    finally:
        server.terminate()
        server.wait(15)
