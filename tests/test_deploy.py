"""What can be checked of the container setup without a Docker engine: the compose file and
Dockerfile agree with the settings the server reads, and the image's command works."""

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import yaml

from lettalite.config import Settings
from lettalite.workers import usable_cores
from tests.factories import wait_for
from tests.servers import ROOT, free_port, stop, wait_until_ready
from tests.workers.processes import spawned_children

# The image's command runs one worker per core; here, on two at most.
SERVE_CORES = 2

COMPOSE_ONLY_VARIABLES = {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}


def setting_names() -> set[str]:
    names = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names.update(getattr(alias, "choices", None) or [alias])
    return {name for name in names if isinstance(name, str)}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def env_example_names() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in lines
        if re.match(r"^#? ?[A-Z_]+=", line)
    }


def test_compose_runs_lettalite_on_postgres_with_pgvector() -> None:
    services = compose()["services"]
    assert "pgvector" in services["postgres"]["image"]
    assert "healthcheck" in services["postgres"]
    assert services["lettalite"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pgdata" in compose()["volumes"]
    assert any("pgdata:" in volume for volume in services["postgres"]["volumes"])


def test_compose_environment_is_made_of_settings_the_server_reads() -> None:
    environment = compose()["services"]["lettalite"]["environment"]
    assert set(environment) <= setting_names()
    assert environment["LETTALITE_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "LETTALITE_API_KEY" in environment  # it binds 0.0.0.0, so a key is required


def test_env_example_documents_every_setting() -> None:
    documented = env_example_names()
    assert setting_names() - {"OPENAI_API_BASE", "LETTA_SERVER_PASSWORD"} <= documented
    assert documented - COMPOSE_ONLY_VARIABLES <= setting_names()


def test_dockerfile_runs_unprivileged_and_serves() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE)
    assert 'CMD ["lettalite", "serve"]' in dockerfile
    # No init of its own: without bubblewrap, the server as PID 1 hides its environment from
    # tools; an init (whose /proc/1/environ they could read) is advised only with bubblewrap.
    assert "ENTRYPOINT" not in dockerfile and "init: true" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "EXPOSE 8283" in dockerfile


def test_the_image_command_migrates_a_fresh_database_and_serves(
    database_factory, tmp_path: Path
) -> None:
    """`lettalite serve` as the container runs it, with the compose file's kind of settings:
    one worker per core it may run on."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LETTA", "OPENAI_"))}
    env.update(
        {
            "LETTALITE_DATABASE_URL": database_factory(),
            "LETTALITE_HOST": "127.0.0.1",
            "LETTALITE_PORT": str(port),
            "LETTALITE_API_KEY": "compose-key",
            "LETTALITE_DATA_DIR": str(tmp_path / "data"),
        }
    )
    log = tmp_path / "serve.log"
    cores = sorted(os.sched_getaffinity(0))[:SERVE_CORES]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "lettalite", "serve"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: os.sched_setaffinity(0, cores),
        )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/v1/health/", process, log)
        agents = httpx.get(
            f"http://127.0.0.1:{port}/v1/agents/", headers={"Authorization": "Bearer compose-key"}
        )
        assert agents.status_code == 200 and agents.json() == []
        workers = min(SERVE_CORES, usable_cores())
        wait_for(lambda: len(spawned_children(process.pid)) == workers)
    finally:
        stop(process)
