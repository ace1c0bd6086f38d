"""A server that stops while it processes an upload leaves no file stuck: the claim lapses
and the next server process takes the file over."""

import time

from letta_client import Letta

from tests.folders.helpers import make_pdf, new_folder, upload, wait_processed

PAGES = 200


def test_a_file_interrupted_by_a_crash_is_processed_after_the_restart(start_server) -> None:
    server = start_server(LETTALITE_FILE_LEASE_SECONDS="1")
    client = Letta(base_url=server.url, max_retries=0)
    folder = new_folder(client, None)
    pdf = make_pdf([f"Page {n} tells of the {n}th lighthouse keeper." for n in range(PAGES)])
    file = upload(client, folder.id, "keepers.pdf", pdf, "application/pdf")
    time.sleep(0.2)  # parsing 200 pages takes longer than this
    server.stop(kill=True)
    server.start()
    done = wait_processed(client, folder.id, file.id, content=True, timeout=60)
    assert done.processing_status == "completed", done.error_message
    assert "the 199th lighthouse keeper" in done.content
    assert done.total_chunks and done.total_chunks > 1
