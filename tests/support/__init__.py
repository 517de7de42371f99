"""What the tests share besides fixtures, imported as `support.<module>` (tests/ is on
`sys.path` under pytest, as for conftest.py):

- `paths` — the checkout, fixtures/, the law corpus and its committed sample;
- `documents` — documents the tests know by construction (`sample_documents`, `law`) and
  hostile ones (`hostile_documents`, `PAYLOAD`);
- `stores` — `make_store` and the store kinds every store test runs on (`STORE_KINDS`),
  the Elasticsearch node the suite uses, and filling a store (`indexed_store`);
- `servers` — `free_port`, an app served by uvicorn (`ServedApp`) and stand-in HTTP servers;
- `faults` — Elasticsearch nodes, served APIs and loads of the fault tests;
- `corpus_sample`, `fuzz_corpus` — scripts that write the corpus sample and the hostile inputs.

The pytest fixtures themselves are in tests/conftest.py.
"""
