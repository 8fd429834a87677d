# boardwatch: one image for `serve` (web + worker) and `worker` replicas.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
RUN python -m venv /opt/boardwatch \
 && /opt/boardwatch/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/boardwatch/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 boardwatch
COPY --from=build /opt/boardwatch /opt/boardwatch
COPY rules /app/rules
WORKDIR /app
ENV PATH=/opt/boardwatch/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    BOARDWATCH_RULES_DIR=/app/rules \
    BOARDWATCH_DATABASE_URL=sqlite:////data/boardwatch.db
RUN mkdir /data && chown boardwatch /data
VOLUME /data
USER boardwatch
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
ENTRYPOINT ["boardwatch"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
