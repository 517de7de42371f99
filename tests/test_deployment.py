"""The deployment files agree with each other and are valid."""

import re
import shutil
import subprocess

import pytest

from conftest import ROOT


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
