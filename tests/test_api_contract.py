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


def test_every_answer_matches_the_description(service, tmp_path):
    some = httpx.get(f"{service}/api/v1/search", params={"size": 5, "facets": ""}).json()["results"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
           "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
           "POLICY_SEARCH_CONTRACT_IDS": ",".join(hit["id"] for hit in some)}
    run = subprocess.run(
        [*_schemathesis(), "run", f"{service}/openapi.json", "--checks", "all",
         "--max-examples", str(EXAMPLES_PER_OPERATION), "--seed", str(SEED), "--generation-database", "none",
         "--no-color", "--request-timeout", "10"],
        capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path,  # its .schemathesis/ goes there
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    counted = re.search(r"(\d+) generated, (\d+) passed", output)
    assert counted, output[-3000:]
    generated, passed = map(int, counted.groups())
    assert generated == passed and generated >= 500, output[-3000:]
    described = sum(len(methods) for methods in httpx.get(f"{service}/openapi.json").json()["paths"].values())
    assert described >= 8  # search, articles, documents, versions, current, suggest, health, ready
    assert f"Operations:       {described} selected / {described} total" in output  # every one was tested
    print(f"schemathesis: {generated} cases, {generated - passed} failures")
