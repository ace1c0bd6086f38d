"""Folders: processing a 300-page PDF and 1,000 small text files, then grep_files and
semantic_search_files latency over all of them. Runs the real server on a fresh SQLite file
(or LETTALITE_DATABASE_URL) against the scripted LLM, whose bag-of-words embeddings stand in
for an embedding model (64 dimensions, answered instantly: the numbers are lettalite's own
cost, not a provider's).

Usage: python -m bench.folders [--pages N] [--files N] [--searches N]
"""

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import WORDS
from bench.run_all import SEED_BLOCKS, summary
from tests.folders.helpers import make_pdf
from tests.servers import FakeLLM, LettaliteServer

EMBEDDING = "openai/text-embedding-3-small"
FACT = "The lighthouse keeper of Quartz Island is Marguerite Vale."
UPLOAD_BATCH = 50


def sentence(rng: random.Random, words: int = 12) -> str:
    return " ".join(rng.choices(WORDS, k=words)).capitalize() + "."


def pdf_pages(rng: random.Random, count: int) -> list[str]:
    return [" ".join(sentence(rng) for _ in range(25)) for _ in range(count)]


def upload(http: httpx.Client, folder_id: str, name: str, data: bytes, mime: str) -> str:
    response = http.post(f"/v1/folders/{folder_id}/upload", files={"file": (name, data, mime)})
    response.raise_for_status()
    return response.json()["id"]


def all_files(http: httpx.Client, folder_id: str) -> list[dict]:
    files: list[dict] = []
    while True:
        params = {"limit": 1000, **({"after": files[-1]["id"]} if files else {})}
        page = http.get(f"/v1/folders/{folder_id}/files", params=params).json()
        files += page
        if len(page) < 1000:
            return files


def wait_all(http: httpx.Client, folder_id: str, count: int) -> dict[str, int]:
    """Poll the file list until every file is completed or in error; the statuses."""
    while True:
        files = all_files(http, folder_id)
        statuses: dict[str, int] = {}
        for file in files:
            statuses[file["processing_status"]] = statuses.get(file["processing_status"], 0) + 1
        if len(files) == count and set(statuses) <= {"completed", "error"}:
            return statuses
        time.sleep(0.2)


def tool_latency(
    http: httpx.Client, agent_id: str, tool: str, arguments: list[dict]
) -> list[float]:
    samples = []
    for args in arguments:
        started = time.perf_counter()
        response = http.post(f"/v1/agents/{agent_id}/tools/{tool}/run", json={"args": args})
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and response.json()["status"] == "success", response.text
    return samples


def find_the_fact(http: httpx.Client, agent_id: str, file_name: str) -> None:
    """The agent's grep_files and semantic_search_files both reach the planted fact."""
    for tool, args in (
        ("grep_files", {"pattern": "lighthouse keeper"}),
        ("semantic_search_files", {"query": "who is the lighthouse keeper"}),
    ):
        response = http.post(f"/v1/agents/{agent_id}/tools/{tool}/run", json={"args": args})
        answer = str(response.json()["func_return"])
        assert file_name in answer and "Marguerite" in answer, f"{tool} missed it: {answer[:500]}"
        print(f"{tool} found the fact in {file_name}")


def measure(http: httpx.Client, args: argparse.Namespace) -> None:
    rng = random.Random(7)
    folder = http.post("/v1/folders/", json={"name": "bench", "embedding": EMBEDDING}).json()
    started = time.perf_counter()
    pdf = make_pdf(pdf_pages(rng, args.pages))
    made = time.perf_counter() - started
    print(f"PDF of {args.pages} pages: {len(pdf) / 1024:.0f} KiB, made in {made:.1f} s")

    started = time.perf_counter()
    pdf_id = upload(http, folder["id"], "book.pdf", pdf, "application/pdf")
    statuses = wait_all(http, folder["id"], 1)
    pdf_file = http.get(f"/v1/folders/{folder['id']}/files/{pdf_id}").json()
    print(
        f"PDF processed in {time.perf_counter() - started:.1f} s: {statuses}, "
        f"{pdf_file['total_chunks']} chunks, {pdf_file['chunks_embedded']} embedded"
    )

    started = time.perf_counter()
    for index in range(args.files):
        text = "\n".join(sentence(rng) for _ in range(rng.randint(3, 12)))
        if index == args.files // 2:  # the fact the agent must find among them all
            text += f"\n{FACT}"
        upload(http, folder["id"], f"note-{index:04}.txt", text.encode(), "text/plain")
    uploaded = time.perf_counter() - started
    statuses = wait_all(http, folder["id"], args.files + 1)
    total = time.perf_counter() - started
    print(
        f"{args.files} text files: uploaded in {uploaded:.1f} s "
        f"({uploaded / args.files * 1000:.1f} ms each), all processed after {total:.1f} s: "
        f"{statuses}"
    )

    agent = http.post(
        "/v1/agents/",
        json={"name": "bench", "memory_blocks": SEED_BLOCKS, "model": "openai/gpt-4o-mini"},
    ).json()
    started = time.perf_counter()
    http.patch(f"/v1/agents/{agent['id']}/folders/attach/{folder['id']}").raise_for_status()
    print(f"attach (opens the newest files): {(time.perf_counter() - started) * 1000:.0f} ms")

    find_the_fact(http, agent["id"], f"bench/note-{args.files // 2:04}.txt")
    patterns = [
        {"pattern": f"{rng.choice(WORDS)} {rng.choice(WORDS)}"} for _ in range(args.searches)
    ]
    print(
        f"grep_files over {args.files + 1} files:",
        summary(tool_latency(http, agent["id"], "grep_files", patterns)),
    )
    queries = [{"query": sentence(rng, 6)} for _ in range(args.searches)]
    print(
        "semantic_search_files (vector, 5 hits):",
        summary(tool_latency(http, agent["id"], "semantic_search_files", queries)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--searches", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        llm = FakeLLM(log=workdir / "fake_llm.log")
        llm.start()
        database = (
            os.environ.get("LETTALITE_DATABASE_URL")
            or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        )
        server = LettaliteServer(database, llm.base_url, workdir / "server")
        server.start()
        try:
            with httpx.Client(base_url=server.url, timeout=120) as http:
                measure(http, args)
        finally:
            server.stop()
            llm.stop()


if __name__ == "__main__":
    main()
