"""The receipt page (gateway/html/, served at /) in a real headless Chromium on a 360 px phone
screen, through the native stack's gateway: a wrong token is refused plainly; with the right one,
two receipt photos uploaded through the file input reach `done` with their totals shown; the
token stays on the device; "Share → Lifeboard" (the manifest's share target, received by the
service worker) uploads a shared HEIC; Polish browsers get Polish. Any request to another host
and any CSP violation fails the test.

Screenshots land in test-artifacts/receipt-page/; with LIFEBOARD_DOCS_SCREENSHOTS=1 the phone
screenshot the README shows (docs/receipt-page.png) is written too.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import upload_samples as samples
from test_swagger_browser import CHROMIUM, CHROMIUM_ARGS, PageWatch

playwright_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "receipt-page"
DOCS_SCREENSHOT = ROOT / "docs" / "receipt-page.png"
DONE_TIMEOUT_MS = 240_000
STATUSES = {"uploading", "pending", "processing", "done", "failed"}
PHONE = {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}

pytestmark = pytest.mark.slow

# Records every value data-status takes on any element, from the first moment of the page.
RECORD_STATUSES = """
window.__statuses = new Set();
new MutationObserver((records) => {
  for (const r of records) window.__statuses.add(r.target.getAttribute('data-status'));
}).observe(document, {attributes: true, attributeFilter: ['data-status'], subtree: true});
"""


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it)")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def receipts(tmp_path_factory) -> list[tuple[Path, str]]:
    """Two phone photos of receipts (files) with their true totals."""
    folder = tmp_path_factory.mktemp("page-receipts")
    made = []
    for index in (10, 11):
        sample = samples.receipt_sample(seed=5, index=index)
        path = folder / f"receipt-{index}.jpg"
        path.write_bytes(sample.image)
        made.append((path, sample.truth.to_json()["total"]))
    return made


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def entry(page, path: Path):
    return page.locator("#receipts > li", has=page.locator(".name", has_text=path.name))


def sign_in(page, token: str) -> None:
    page.locator("input[name=token]").fill(token)
    page.locator("#token-form button[type=submit]").click()


def test_a_wrong_token_is_refused_plainly(native_stack, browser):
    context = browser.new_context(**PHONE, locale="en-US")
    page = context.new_page()
    watch = PageWatch(page, native_stack.gateway_url)
    page.goto(f"{native_stack.gateway_url}/")
    sign_in(page, "not-the-token")
    error = page.locator("#token-error")
    error.wait_for(state="visible", timeout=15_000)
    assert "Wrong token" in error.inner_text()
    assert page.locator("input[type=file]").is_hidden()
    shot(page, "01-wrong-token")
    watch.assert_clean()
    context.close()


def test_two_photos_uploaded_through_the_page_reach_done_with_their_totals(
        native_stack, browser, receipts):
    context = browser.new_context(**PHONE, locale="en-US")
    context.add_init_script(RECORD_STATUSES)
    page = context.new_page()
    watch = PageWatch(page, native_stack.gateway_url)
    page.goto(f"{native_stack.gateway_url}/")
    sign_in(page, native_stack.api_token)
    page.locator("#upload-section").wait_for(state="visible", timeout=15_000)
    assert page.locator("#token-error").is_hidden()

    page.locator("input[type=file]").set_input_files([str(path) for path, _ in receipts])
    for path, _ in receipts:
        entry(page, path).wait_for(timeout=30_000)
    shot(page, "02-uploading")
    for path, total in receipts:
        done = entry(page, path).and_(page.locator("[data-status=done]"))
        done.wait_for(timeout=DONE_TIMEOUT_MS)
        assert done.get_attribute("data-receipt-id")
        assert done.locator(".total").get_attribute("data-total") == total
        assert total.replace(".", ",") in done.locator(".total").inner_text() or \
            total in done.locator(".total").inner_text()
        assert done.locator(".grafana").get_attribute("href").startswith(
            "/grafana/d/lifeboard-finance/")
    # the page shows what the API says
    headers = native_stack.auth_headers
    for path, total in receipts:
        receipt_id = entry(page, path).get_attribute("data-receipt-id")
        body = httpx.get(f"{native_stack.gateway_url}/api/v1/receipts/{receipt_id}",
                         headers=headers, timeout=10).json()
        assert body["status"] == "done" and body["total"] == total
        items = entry(page, path).locator(".items").inner_text()
        assert items == f"{len(body['items'])} items"
    seen = set(page.evaluate("[...window.__statuses]"))
    assert seen <= STATUSES, seen
    assert "done" in seen
    page.set_viewport_size({"width": 360, "height": 780})
    page.screenshot(path=str(ARTIFACTS / "03-done-phone.png"))
    if os.environ.get("LIFEBOARD_DOCS_SCREENSHOTS") == "1":
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS_SCREENSHOT))

    # the token stays on the device: a new visit goes straight to the list
    page.reload()
    page.locator("#upload-section").wait_for(state="visible", timeout=15_000)
    for path, _ in receipts:
        assert entry(page, path).get_attribute("data-status") == "done"
    # usable at 360 px: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    watch.assert_clean()
    context.close()


def test_share_to_lifeboard_uploads_the_shared_file(native_stack, browser, tmp_path):
    """What Android does on "Share → Lifeboard": a multipart POST to the manifest's
    share_target action, which the service worker keeps for the page to upload."""
    manifest = httpx.get(f"{native_stack.gateway_url}/app/manifest.webmanifest").json()
    target = manifest["share_target"]
    assert target["method"] == "POST" and target["enctype"] == "multipart/form-data"
    field = target["params"]["files"][0]["name"]
    sample = samples.receipt_sample(seed=5, index=12)
    shared = tmp_path / "IMG_4032.HEIC"
    shared.write_bytes(samples.heic_bytes(samples.receipt_image(sample)))

    context = browser.new_context(**PHONE, locale="en-US")
    context.add_init_script(RECORD_STATUSES)
    page = context.new_page()
    watch = PageWatch(page, native_stack.gateway_url)
    page.goto(f"{native_stack.gateway_url}/")
    sign_in(page, native_stack.api_token)
    page.locator("#upload-section").wait_for(state="visible", timeout=15_000)
    page.wait_for_function(
        "navigator.serviceWorker.getRegistration('/app/')"
        ".then(r => !!(r && r.active && r.active.state === 'activated'))", timeout=15_000)
    page.evaluate("""([action, field]) => {
        const form = document.createElement('form');
        form.method = 'POST'; form.enctype = 'multipart/form-data'; form.action = action;
        const input = document.createElement('input');
        input.type = 'file'; input.name = field; input.id = 'share-sim';
        form.append(input); document.body.append(form);
    }""", [target["action"], field])
    page.set_input_files("#share-sim", str(shared))
    with page.expect_navigation():
        page.evaluate("document.getElementById('share-sim').form.submit()")
    assert page.url.rstrip("/").endswith(native_stack.gateway_url.removeprefix("http://")) \
        or "/?shared=" in page.url or page.url.endswith("/")
    done = entry(page, shared).and_(page.locator("[data-status=done]"))
    done.wait_for(timeout=DONE_TIMEOUT_MS)
    assert done.locator(".total").get_attribute("data-total") == sample.truth.to_json()["total"]
    shot(page, "04-shared-heic-done")
    watch.assert_clean()
    context.close()


def test_polish_browsers_get_polish(native_stack, browser):
    context = browser.new_context(**PHONE, locale="pl-PL")
    page = context.new_page()
    page.goto(f"{native_stack.gateway_url}/")
    sign_in(page, "zly-token")
    page.locator("#token-error").wait_for(state="visible", timeout=15_000)
    assert "Zły token" in page.locator("#token-error").inner_text()
    assert page.locator("html").get_attribute("lang") == "pl"
    sign_in(page, native_stack.api_token)
    page.locator("#upload-section").wait_for(state="visible", timeout=15_000)
    assert page.locator("#receipts-title").inner_text() == "Paragony"
    shot(page, "05-polish")
    context.close()
