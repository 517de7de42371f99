FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY policy_search policy_search
COPY indexer indexer
COPY analyzers analyzers
COPY search_api search_api
COPY fixtures fixtures
RUN pip install --no-cache-dir . && useradd --system --uid 10001 app
USER app
ENV POLICY_SEARCH_STORE=http://elasticsearch:9200
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"
# Wait until Elasticsearch answers (bounded, a line per try), index the sample documents
# (idempotent), then serve.
CMD ["sh", "-c", "python -m policy_search.wait || exit 1; policy-search index --quiet fixtures; exec policy-search serve --host 0.0.0.0 --port 8000"]
