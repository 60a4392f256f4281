"""The page in real headless Chromium: generate, thumbs up, edit a line, save — and the stored
row holds the rating, the edit and the edit's report. Writes docs/img/serve.png for the README.

Needs Debian's chromium (/usr/bin/chromium) and the playwright package; skips with the reason
where either is missing (see ../shared/toolchain.md: Playwright's own browser download fails).
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from dslgen.serve.app import create_app
from dslgen.serve.settings import ServeSettings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "serve.png"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="Chromium is not installed (apt-get install -y chromium); the page test needs it",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server_url(tiny_session, db_url):
    """uvicorn serving the tiny model on a free port, in a thread of this process."""
    import uvicorn

    port = _free_port()
    app = create_app(ServeSettings(port=port, db=db_url, retrieval=False), session=tiny_session)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(15)


def test_generate_rate_edit_and_save_in_the_page(server_url, store):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(server_url)
            page.wait_for_selector("#fixture option:nth-child(2)", state="attached")
            page.select_option("#fixture", index=1)  # the first example fixture
            net = next(iter(json.loads(page.text_content("#fixture-preview"))["design_nets"]))
            page.fill("#instruction", f"Route {net} on M3.")
            page.click("#generate")
            page.wait_for_selector("#result:not([hidden])", timeout=60_000)
            interaction_id = int(page.text_content("#status").rsplit(" ", 1)[-1])
            assert page.locator("#script .line").count() >= 1

            page.click("#up")
            page.wait_for_selector("#up.chosen")

            page.click("#edit")
            lines = page.input_value("#edit-text").split("\n")
            edited_line = len(lines)  # the last line, often the empty one after the final \n
            lines[-1] = f"my::route -net {net} -layer M7"  # edited, with a mistake in it
            edited = "\n".join(lines)
            page.fill("#edit-text", edited)
            page.click("#save")
            page.wait_for_function(
                "document.getElementById('status').textContent.includes('edit saved')"
            )
            assert page.text_content("#report-title") == "Validator report of your edit"
            errors = page.locator("#report .errors li")
            shown_errors = errors.count()
            errors.filter(has_text="bad_enum").first.click()  # an error links to its line
            assert page.get_attribute(".line.highlight", "id") == f"L{edited_line}"
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()

    record = store.get(interaction_id)
    assert record.rating == "up" and record.source == "api" and record.client_id == "web"
    edit = record.latest_edit
    assert edit is not None and edit.edited_output == edited
    assert edit.edited_report is not None and edit.edited_report["valid"] is False
    assert len(edit.edited_report["errors"]) == shown_errors
    errors = [(e["line"], e["class"]) for e in edit.edited_report["errors"]]
    assert (edited_line, "bad_enum") in errors
