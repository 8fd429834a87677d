# boardwatch: one image for `serve` (web + worker) and `worker` replicas.
# The database and the secrets file written by /setup live in the /data volume.
FROM python:3.11-slim AS build
WORKDIR /src
# Dependencies first, pinned by the lock file, so a code change reuses this layer.
COPY requirements.lock ./
RUN python -m venv /opt/boardwatch \
 && /opt/boardwatch/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/boardwatch/bin/pip install --no-cache-dir -r requirements.lock
COPY pyproject.toml setup.py README.md ./
COPY service ./service
COPY rules ./rules
RUN /opt/boardwatch/bin/pip install --no-cache-dir --no-deps . \
 && /opt/boardwatch/bin/boardwatch rules check

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 boardwatch \
 && mkdir /data && chown boardwatch:boardwatch /data
COPY --from=build /opt/boardwatch /opt/boardwatch
# The default rules ship inside the package; mount a folder and set BOARDWATCH_RULES_DIR
# to run your own.
ENV PATH=/opt/boardwatch/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    BOARDWATCH_DATABASE_URL=sqlite:////data/boardwatch.db \
    BOARDWATCH_SECRETS_FILE=/data/boardwatch-secrets.json
WORKDIR /data
VOLUME /data
USER boardwatch
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
ENTRYPOINT ["boardwatch"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
