"""The API keeps its own description: schemathesis, all checks, against /openapi.json.

The service runs in uvicorn on loopback over the fixtures (the embedded store), and
schemathesis's command line tries every operation with requests made from the description,
valid ones and invalid ones (its coverage phase: each parameter's bounds, enums, formats,
missing and unexpected values, other methods; then generated requests), and checks each
answer: no server error, a declared status, the declared content type and schema, invalid
requests refused, valid ones accepted. Bounded by the examples per operation and a fixed
seed (about 15 s here). `tests/schemathesis_hooks.py` keeps generated requests inside the
two rules that span parameters and supplies ids of existing documents.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.servers import ServedApp
from support.stores import index_fixtures, indexed_store

from policy_search.keys import KeyStore, Scope
from policy_search.settings import Settings
from search_api import create_app

TESTS = Path(__file__).resolve().parent
EXAMPLES_PER_OPERATION = 100
SEED = 15


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[str]:
    for store in indexed_store("sqlite", tmp_path_factory.mktemp("contract"), index_fixtures):
        with ServedApp(create_app(Settings(), store=store)) as server:
            yield server.url


def _schemathesis() -> list[str]:
    found = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("schemathesis is not installed: pip install -e '.[test]'")
    return [found]


def _run_schemathesis(url: str, tmp_path: Path, env: dict[str, str], *options: str) -> tuple[int, int, str]:
    """schemathesis over the description at `url` with every check: (cases generated, passed,
    its output); it must end without failure."""
    run = subprocess.run(
        [*_schemathesis(), "run", f"{url}/openapi.json", "--checks", "all", *options,
         "--max-examples", str(EXAMPLES_PER_OPERATION), "--seed", str(SEED), "--generation-database", "none",
         "--no-color", "--request-timeout", "10"],
        capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path,  # its .schemathesis/ goes there
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    counted = re.search(r"(\d+) generated, (\d+) passed", output)
    assert counted, output[-3000:]
    generated, passed = map(int, counted.groups())
    return generated, passed, output


def test_every_answer_matches_the_description(service, tmp_path):
    some = httpx.get(f"{service}/api/v1/search", params={"size": 5, "facets": ""}).json()["results"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
           "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
           "POLICY_SEARCH_CONTRACT_IDS": ",".join(hit["id"] for hit in some)}
    generated, passed, output = _run_schemathesis(service, tmp_path, env)
    assert generated == passed and generated >= 500, output[-3000:]
    described = sum(len(methods) for methods in httpx.get(f"{service}/openapi.json").json()["paths"].values())
    assert described >= 12  # search, articles, documents, versions, current, suggest, health, ready; writes
    assert f"Operations:       {described} selected / {described} total" in output  # every one was tested
    print(f"schemathesis: {generated} cases, {generated - passed} failures")


@pytest.fixture(scope="module")
def service_with_a_key(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """The service over the fixtures with an admin key, for the write routes."""
    folder = tmp_path_factory.mktemp("contract-writes")
    settings = Settings(keys_file=str(folder / "keys.db"), stats_file=str(folder / "stats.db"))
    _, token = KeyStore(settings.keys_file).create(Scope.ADMIN)
    for store in indexed_store("sqlite", folder, index_fixtures):
        with ServedApp(create_app(settings, store=store)) as server:
            yield server.url, token


def test_the_write_routes_with_a_key_match_the_description(service_with_a_key, tmp_path):
    """PUT, DELETE and the audit log, authorised, written to for real: records made from the
    description are written or refused as it says. (The batch body is JSON lines, which a
    description can only call text: left to tests/test_write_api.py.)"""
    url, token = service_with_a_key
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
           "SCHEMATHESIS_HOOKS": "schemathesis_hooks"}
    generated, passed, output = _run_schemathesis(
        url, tmp_path, env, "--include-tag", "write", "--exclude-path", "/api/v1/documents:batch",
        "-H", f"Authorization: Bearer {token}")
    assert generated == passed and generated >= 200, output[-3000:]
    assert "Operations:       3 selected" in output, output[-3000:]
    assert "Authentication failed" not in output  # the key was taken: the routes ran, not only 401s
    print(f"schemathesis with a key: {generated} cases")
