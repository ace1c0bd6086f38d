"""The data directory's encryption key, made by processes starting at once (workers, replicas
on one directory): they all end up with one whole key."""

import multiprocessing
import stat
from pathlib import Path

from lettalite.config import Settings
from lettalite.secret_box import KEY_FILE, SecretBox

PROCESSES = 8


def key_of_a_starting_process(data_dir: str) -> bytes:
    settings = Settings(LETTALITE_DATA_DIR=data_dir, LETTALITE_ENCRYPTION_KEY=None)
    return SecretBox.from_settings(settings).key


def test_processes_creating_the_key_at_once_share_one(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        for attempt in range(3):
            data_dir = tmp_path / str(attempt)
            keys = pool.map(key_of_a_starting_process, [str(data_dir)] * PROCESSES)
            assert len(set(keys)) == 1 and len(keys[0]) == 44  # a Fernet key, read whole
            assert [p.name for p in data_dir.iterdir()] == [KEY_FILE]  # nothing staged left
            assert (data_dir / KEY_FILE).read_bytes() == keys[0]
            assert stat.S_IMODE((data_dir / KEY_FILE).stat().st_mode) == 0o600
    first = tmp_path / "0"
    assert key_of_a_starting_process(str(first)) == (first / KEY_FILE).read_bytes()  # a restart
