# lettalite: migrates its database, then serves the Letta API on :8283.
FROM python:3.11-slim

# bubblewrap sandboxes custom tools where the container may create namespaces (e.g. run with
# a seccomp profile that allows them); under Docker's default profile lettalite falls back to
# plain subprocesses and says so in its log and in /v1/health/. Where bubblewrap works, also
# run the container with an init (`docker run --init`, compose `init: true`): each call leaves
# a process to PID 1 to reap. Without bubblewrap no init is wanted: lettalite as PID 1 hides
# its environment from the tools (which then run as its user), an init would not.
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/*
# The data dir exists, owned by lettalite, so a volume mounted there starts writable.
RUN useradd --create-home --uid 10001 lettalite \
    && install -d -o lettalite -g lettalite /home/lettalite/data
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY src ./src
COPY migrations ./migrations
# Editable install: the CLI finds alembic.ini and migrations/ beside the source.
RUN pip install --no-cache-dir -e . && chown -R lettalite /app

USER lettalite
ENV LETTALITE_HOST=0.0.0.0 \
    LETTALITE_PORT=8283 \
    LETTALITE_DATA_DIR=/home/lettalite/data
EXPOSE 8283
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8283/v1/health/')"
CMD ["lettalite", "serve"]
