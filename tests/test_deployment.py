"""The deployment files agree with each other and are valid."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import yaml
from support.paths import ROOT
from support.servers import StandInServer, free_port
from support.stores import ES_URL, require_elasticsearch


def test_compose_runs_the_same_elasticsearch_version_as_the_script():
    script = (ROOT / "scripts" / "elasticsearch").read_text(encoding="utf-8")
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    script_version = re.search(r'ES_VERSION="\$\{ES_VERSION:-([\d.]+)\}"', script).group(1)
    image_version = re.search(r"elasticsearch/elasticsearch:([\d.]+)", compose).group(1)
    assert script_version == image_version
    client = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    client_major = re.search(r'"elasticsearch>=(\d+)', client).group(1)
    assert client_major == script_version.split(".")[0]


def test_compose_file_is_valid():
    if shutil.which("docker-compose"):
        command = ["docker-compose", "config", "-q"]
    elif shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        command = ["docker", "compose", "config", "-q"]
    else:
        pytest.skip("neither docker compose nor docker-compose is installed")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- the Elasticsearch healthcheck and the API's wait for it ------------------------------

def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


class _Node(StandInServer):
    """A stand-in for an Elasticsearch node's `_cluster/health`: answers each request with
    the next status of `statuses` (408 is what a node says when the cluster does not reach
    the status asked for in time), and records what was asked."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses, self.requests = list(statuses), []
        node = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                node.requests.append(self.path)
                status = node.statuses.pop(0) if node.statuses else 500
                body = json.dumps({"cluster_name": "test", "status": "yellow" if status == 200 else "red",
                                   "timed_out": status == 408}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        super().__init__(Handler)


def _healthcheck(url: str) -> subprocess.CompletedProcess:
    """The compose file's Elasticsearch healthcheck, run by a shell as Docker runs it,
    against the node at `url` instead of localhost:9200."""
    check = _compose()["services"]["elasticsearch"]["healthcheck"]["test"]
    assert check[0] == "CMD-SHELL" and "http://localhost:9200" in check[1]
    return subprocess.run(["sh", "-c", check[1].replace("http://localhost:9200", url)],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(not shutil.which("curl"), reason="curl is not installed")
def test_the_elasticsearch_healthcheck_passes_only_once_the_cluster_is_yellow():
    with _Node([408, 200]) as node:
        assert _healthcheck(f"http://127.0.0.1:{node.port}").returncode != 0  # not yellow yet
        assert _healthcheck(f"http://127.0.0.1:{node.port}").returncode == 0
        # the whole query reached the node (an unquoted & would have cut it and backgrounded curl)
        assert node.requests == ["/_cluster/health?wait_for_status=yellow&timeout=5s"] * 2
    assert _healthcheck(f"http://127.0.0.1:{free_port()}").returncode != 0  # nothing listening


@pytest.mark.elasticsearch
@pytest.mark.skipif(not shutil.which("curl"), reason="curl is not installed")
def test_the_elasticsearch_healthcheck_passes_on_a_real_node():
    require_elasticsearch()
    result = _healthcheck(ES_URL)
    assert result.returncode == 0, result.stderr


def _wait(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "policy_search.wait", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_the_api_container_waits_for_elasticsearch_before_its_first_indexing():
    command = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(encoding="utf-8"), re.M).group(1)
    shell_line = json.loads(command)[-1]
    assert shell_line.index("python -m policy_search.wait || exit 1;") < shell_line.index("policy-search index")
    assert _compose()["services"]["api"]["restart"] == "on-failure"  # started again after giving up
    with _Node([408, 408, 200]) as node:
        result = _wait("--store", f"http://elastic:secret@127.0.0.1:{node.port}", "--delay", "0")
        assert result.returncode == 0, result.stderr
        assert len(node.requests) == 3 and node.requests[0].startswith("/_cluster/health?")
    assert result.stderr.splitlines() == [
        f"policy-search: Elasticsearch at http://127.0.0.1:{node.port} does not answer yet (try {n} of 30);"
        " trying again in 0 s" for n in (1, 2)]  # and not the password
    port = free_port()
    gone = _wait("--store", f"http://127.0.0.1:{port}", "--tries", "2", "--delay", "0")
    assert gone.returncode == 1
    assert gone.stderr.splitlines()[-1] == (
        f"policy-search: Elasticsearch at http://127.0.0.1:{port} did not answer in 2 tries: giving up")
    bad = _wait("--tries", "0")
    assert bad.returncode == 2 and "argument --tries: 0 is too small: use 1 or more" in bad.stderr


def test_waiting_for_the_embedded_store_returns_at_once(tmp_path):
    result = _wait("--store", f"sqlite:///{tmp_path}/none.db", "--tries", "1")
    assert (result.returncode, result.stderr) == (0, "")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.elasticsearch
def test_waiting_for_a_real_node_returns_at_its_first_answer():
    require_elasticsearch()
    result = _wait("--store", ES_URL, "--tries", "1")
    assert (result.returncode, result.stderr) == (0, "")


# --- the build context ---------------------------------------------------------------------

def _ignore_rules() -> list[tuple[bool, re.Pattern]]:
    """.dockerignore as Docker reads it: (is an exception `!…`, pattern), in order; `*` and `?`
    stop at `/`, `**` crosses folders, and a pattern matching a folder matches what is in it."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated, pattern = line.startswith("!"), line.removeprefix("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        rules.append((negated, re.compile(regex)))
    return rules


def _ignored(path: str, rules) -> bool:
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    ignored = False
    for negated, pattern in rules:
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            ignored = not negated
    return ignored


def _build_context() -> dict[str, int]:
    """The files `docker build .` sends from the checkout as it is, with their sizes."""
    rules, files = _ignore_rules(), {}
    for folder, subfolders, names in os.walk(ROOT):
        relative = Path(folder).relative_to(ROOT).as_posix()
        prefix = "" if relative == "." else relative + "/"
        # a folder left out is not entered: no exception in the file names anything inside one
        subfolders[:] = [name for name in subfolders if not _ignored(prefix + name, rules)]
        for name in names:
            if not _ignored(prefix + name, rules):
                files[prefix + name] = (Path(folder) / name).stat().st_size
    return files


def test_the_build_context_holds_what_the_image_copies_and_little_else():
    rules = _ignore_rules()
    for junk in (".venv/bin/python", ".cache/ms-playwright/x", "var/policy-search.db", ".git/HEAD",
                 "docs/screenshots/document.png", "tests/test_cli.py", "bench/results/relevance.json",
                 "policy_search/__pycache__/cli.cpython-311.pyc", "policy_search.egg-info/PKG-INFO"):
        assert _ignored(junk, rules), junk
    context = _build_context()
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    sources = [source for line in re.findall(r"^COPY (.+)$", dockerfile, re.M) for source in line.split()[:-1]]
    assert "policy_search" in sources and "fixtures" in sources
    for source in sources:  # everything the Dockerfile copies is sent, in full
        assert (ROOT / source).exists(), source
        expected = [source] if (ROOT / source).is_file() else [
            p.relative_to(ROOT).as_posix() for p in (ROOT / source).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
        assert set(expected) <= set(context), source
    assert sum(context.values()) < 5_000_000, sorted(context, key=context.get)[-5:]


def test_the_installed_package_holds_every_python_package_of_the_checkout():
    """`pip install .` (the image's install) installs the packages pyproject.toml lists, and
    only those: a package left out is missing from the image, not from the checkout."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {init.parent.relative_to(ROOT).as_posix().replace("/", ".")
             for top in ("policy_search", "indexer", "analyzers", "search_api")
             for init in (ROOT / top).rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
