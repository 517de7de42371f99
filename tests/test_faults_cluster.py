"""A three-node Elasticsearch cluster on loopback with one replica: the node holding the
index's primary is killed while the API answers a bounded search load and an indexing run
writes. Searches keep answering (at most a brief 503 while the cluster promotes the
replica), the run completes, no document is lost.

The cluster is started with `scripts/elasticsearch cluster-start` (tests/support/faults.py) at
$POLICY_SEARCH_CLUSTER_ES_PORT and the two ports after it; the service is given all three
nodes, comma-separated, as an operator would configure it.
"""

from __future__ import annotations

import subprocess
import threading
import time
from urllib.parse import urlencode

import pytest
from support.faults import (
    CLUSTER_PORT,
    Load,
    checksum,
    cli_env,
    error_code,
    get,
    index_command,
    node_fixture,
    serve,
    stop_server,
    write_records,
)

from policy_search.stores.elastic import ElasticsearchStore

pytestmark = [pytest.mark.faults, pytest.mark.elasticsearch]

cluster = node_fixture(CLUSTER_PORT, 3)

QUERIES = ["政务公开", "城乡规划", "示范办法", "安全生产", "政策解读", "营商环境"]
# How long after the kill a 503 still counts as "while the cluster reroutes": the master
# notices a dead node at once (its connection closes) and promotes the replica in well
# under a second; the margin is for a busy two-core machine.
REROUTE_SECONDS = 10.0


def test_a_node_killed_under_load_loses_no_document_and_searches_go_on(cluster, tmp_path):
    index = "faults-cluster"
    store = ElasticsearchStore(cluster.url, index=index, request_timeout=30)
    store.drop()
    first, second = tmp_path / "first", tmp_path / "second"
    write_records(first, 3000, 80, prefix="one")
    write_records(second, 3000, 80, prefix="two")
    run = subprocess.run(index_command(cluster.url, index, first), env=cli_env(index), capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    health = store.client.cluster.health(index=index, wait_for_status="green", timeout="60s")
    assert health["status"] == "green" and not health["timed_out"]
    settings = store.client.indices.get_settings(index=index)
    assert next(iter(settings.body.values()))["settings"]["index"]["number_of_replicas"] == "1"
    shards = store.client.cat.shards(index=index, format="json").body
    primary = next(shard["node"] for shard in shards if shard["prirep"] == "p")
    primary_port = int(primary.removeprefix("node-"))

    process, port = serve(cluster.url, index, tmp_path / "server.log")
    paths = ["/api/v1/search?" + urlencode({"q": q}) for q in QUERIES] + ["/api/v1/suggest?" + urlencode({"q": "第1"})]
    assert get(port, paths[0])[0] == 200  # the first search loads the dictionary
    outcome: dict = {}

    def index_second_batch() -> None:
        outcome["run"] = subprocess.run(index_command(cluster.url, index, second), env=cli_env(index),
                                        capture_output=True, text=True, timeout=300)

    writer = threading.Thread(target=index_second_batch)
    try:
        with Load(port, lambda n: paths[n % len(paths)], clients=8, pause=0.02) as load:
            time.sleep(2.0)
            writer.start()
            deadline = time.monotonic() + 60
            while store.count() < 3500 and time.monotonic() < deadline:  # the second run is writing
                time.sleep(0.1)
            killed_at = time.monotonic()
            cluster.kill(primary_port)
            writer.join(300)
            time.sleep(max(0.0, killed_at + REROUTE_SECONDS + 5 - time.monotonic()))
    finally:
        stop_server(process)

    before = [a for a in load.answers if load.started + a.at < killed_at]
    assert before and all(a.status == 200 for a in before)
    after = load.since(killed_at)
    late = load.since(killed_at + REROUTE_SECONDS)
    refused = [a for a in after if a.status != 200]
    print(f"measured: {len(after)} requests after the kill, {len(refused)} not 200 "
          f"(the last {max((a.at + load.started - killed_at for a in refused), default=0):.1f} s after it)")
    assert all(a.status == 503 and error_code(a) == "store_unavailable" for a in refused), \
        sorted({(a.status, a.body[:100]) for a in refused})
    assert late and all(a.status == 200 for a in late), "searches did not come back after the cluster rerouted"

    run = outcome["run"]
    assert run.returncode == 0, run.stderr[-2000:]
    try:
        ids = store.ids()
        assert len(ids) == 6000 and store.count() == 6000
        expected = [f"{prefix}-{n:06d}" for prefix in ("one", "two") for n in range(3000)]
        assert checksum(ids) == checksum(expected)
    finally:
        store.drop()
        store.close()
