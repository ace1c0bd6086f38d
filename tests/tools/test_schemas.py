"""Golden test: the JSON schemas the tools offer to models change only on purpose.

After an intended change, regenerate the golden file with either
    PYTHONPATH=src python -m tests.tools.test_schemas --update
or
    UPDATE_GOLDEN=1 PYTHONPATH=src python -m pytest tests/tools/test_schemas.py
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

from lettalite.tools import TOOLS

GOLDEN_PATH = Path(__file__).with_name("golden_schemas.json")


def current_schemas() -> dict[str, Any]:
    return {name: spec.json_schema for name, spec in TOOLS.items()}


def write_golden() -> None:
    text = json.dumps(current_schemas(), indent=2, ensure_ascii=False)
    GOLDEN_PATH.write_text(text + "\n", encoding="utf-8")


def test_schemas_match_the_golden_file() -> None:
    if os.environ.get("UPDATE_GOLDEN") == "1":
        write_golden()
    golden = json.loads(GOLDEN_PATH.read_text(encoding="utf-8"))
    assert list(golden) == list(TOOLS)
    assert golden == current_schemas()


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python -m tests.tools.test_schemas --update")
    write_golden()
    print(f"wrote {GOLDEN_PATH}")
