"""Latency of GET /api/v1/suggest through HTTP, one client, as a search box calls it.

    .venv/bin/python bench/suggest.py [--url http://127.0.0.1:8000]

Every prefix of a set of titles and short titles people type (公, 公司, 公司法 …) is asked
in turn, 3 rounds; p50/p95/max are printed and written to bench/results/suggest.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import httpx

TYPED = ["公司法", "中华人民共和国个人信息保护法", "政府信息公开条例", "北京市物业管理条例", "道交法",
         "民事诉讼法", "关于做好政府信息主动公开工作的通知", "浙江省绿色建筑条例", "國務院", "最高人民法院关于"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    prefixes = [text[:n] for text in TYPED for n in range(1, len(text) + 1)]
    timings = []
    with httpx.Client(base_url=args.url) as client:
        client.get("/api/v1/suggest", params={"q": "公"}).raise_for_status()  # warm-up
        for _ in range(3):
            for prefix in prefixes:
                started = time.perf_counter()
                client.get("/api/v1/suggest", params={"q": prefix, "size": 8}).raise_for_status()
                timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    result = {"requests": len(timings), "p50_ms": round(timings[len(timings) // 2], 2),
              "p95_ms": round(timings[int(len(timings) * 0.95)], 2), "max_ms": round(timings[-1], 2)}
    print(result)
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "suggest.json").write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
