"""An editor's day in a real browser: Chromium (Debian's chromium and chromium-driver, headless,
1400x900) driven by Selenium against a live server on the PostgreSQL test database.

An editor logs in, adds a statistic with its citation and submits it from the record's page; a
reviewer logs in and publishes it from there; the anonymous API then serves it. Then a
correction goes through review, and a spreadsheet (the API's CSV) is imported. On the way, the
main admin pages are saved as PNG screenshots: into BROWSER_SCREENSHOTS when set (`make
screenshots` writes docs/screenshots/), else into the test's temporary directory.

`make browser-test` runs it (`make test` leaves it out: marker ``browser``). Without chromium
it is skipped, except in CI (CI=true), where it fails.
"""

import json
import os
import shutil
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from resources.models import Change, Statistic

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # an environment made before requirements-dev.txt listed it
    webdriver = None

pytestmark = [
    pytest.mark.browser,
    # The live server answers from a thread of its own, on a connection of its own: it sees
    # only what is committed. The seed and the users are restored for the tests after it.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WINDOW = (1400, 900)
WAIT_SECONDS = 15
PAGE_LOAD_SECONDS = 30
PASSWORD = "a-long-browser-pass-8e1d"
SLUG = "georgia-arrivals-browser-test"
CLAIM = "Georgia took in 25,000 Russians in the first two weeks of the war."
SEED_SOURCE_TITLE = "Essay on the 2022 Russian exodus"
IMPORTED_SLUG = "georgia-arrivals-imported-in-the-browser"


def missing_browser():
    """Why Chromium cannot be driven here, or None."""
    if webdriver is None:
        return "needs the selenium package: pip install -r requirements-dev.txt"
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        return (
            "needs Debian's chromium and chromium-driver: apt-get install chromium chromium-driver"
        )
    return None


@pytest.fixture
def browser():
    """A headless Chromium of a fixed window size, quit after the test whatever happens."""
    reason = missing_browser()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI runs the browser test: {reason}")
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, which Chromium's sandbox refuses
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--force-device-scale-factor=1",
        "--lang=en",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    ):
        options.add_argument(argument)
    # The driver named explicitly: Selenium Manager never looks for one on the network.
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    driver.set_page_load_timeout(PAGE_LOAD_SECONDS)
    driver.set_script_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def screenshots(tmp_path):
    """Where the screenshots go: BROWSER_SCREENSHOTS, or the test's temporary directory."""
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def team(db):
    """The seed (lists worth looking at, a published source to cite), an editor and a reviewer
    who log in with a password, each a member of their real group."""
    call_command("load_seed", stdout=StringIO())
    for username, group in (("editor", "editors"), ("reviewer", "reviewers")):
        user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=group))


class Admin:
    """The admin as a person uses it, through the browser: every wait bounded."""

    def __init__(self, driver, base_url, screenshots):
        self.driver, self.base_url, self.screenshots = driver, base_url, screenshots
        self.wait = WebDriverWait(driver, WAIT_SECONDS)

    def open(self, path):
        self.driver.get(self.base_url + path)

    def find(self, css):
        return self.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def log_in(self, username):
        self.open("/admin/login/?next=/admin/")
        self.find("#id_username").send_keys(username)
        self.find("#id_password").send_keys(PASSWORD)
        self.find("#login-form input[type=submit]").click()
        self.wait.until(EC.url_to_be(self.base_url + "/admin/"))

    def log_out(self):
        self.find("#logout-form button").click()
        self.wait.until(EC.url_contains("/admin/logout/"))

    def type(self, field_id, text):
        self.find(f"#{field_id}").send_keys(text)

    def select(self, field_id, value):
        Select(self.find(f"#{field_id}")).select_by_value(value)

    def autocomplete(self, field_id, term, choice):
        """Pick ``choice`` in an autocomplete (select2) field, after typing ``term``."""
        self.find(f"#{field_id} + .select2 .select2-selection").click()
        self.find(".select2-container--open .select2-search__field").send_keys(term)
        option = (
            By.XPATH,
            f"//li[contains(@class, 'select2-results__option')][normalize-space() = '{choice}']",
        )
        self.wait.until(EC.element_to_be_clickable(option)).click()
        self.wait.until(
            EC.text_to_be_present_in_element(
                (By.CSS_SELECTOR, f"#{field_id} + .select2 .select2-selection__rendered"), choice
            )
        )

    def press(self, css, then_message):
        """Click a button that loads a page, and wait for the page's success message."""
        self.find(css).click()
        self.wait.until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".messagelist"), then_message)
        )

    def screenshot(self, name):
        path = self.screenshots / f"{name}.png"
        assert self.driver.save_screenshot(str(path)), f"no screenshot saved at {path}"


def test_editor_adds_and_submits_reviewer_publishes_anonymous_api_serves(
    browser, live_server, screenshots, team, tmp_path
):
    admin = Admin(browser, live_server.url, screenshots)
    citation = "id_resources-citation-content_type-object_id-0"

    # The editor adds the statistic, its citation inline, and submits it from its page.
    admin.log_in("editor")
    admin.screenshot("admin-index")
    admin.open("/admin/resources/statistic/add/")
    admin.type("id_slug", SLUG)
    admin.autocomplete("id_destination", "Geor", "Georgia (GE)")
    admin.select("id_metric", "arrivals")
    admin.type("id_value", "25000")
    admin.select("id_unit", "people")
    admin.select("id_measure", "flow")
    admin.type("id_period_start", "2022-02-24")
    admin.type("id_period_end", "2022-03-10")
    admin.autocomplete(f"{citation}-source", "Essay", SEED_SOURCE_TITLE)
    admin.type(f"{citation}-locator", "para 1")
    admin.type(f"{citation}-claim", CLAIM)
    admin.press("input[name=_continue]", "was added successfully")
    statistic = Statistic.objects.get(slug=SLUG)
    assert statistic.publication_status == "draft"
    admin.press("#workflow-submit", "Statistic submitted.")
    assert admin.find("#workflow h2").text == "Editorial status: in review"
    statistic.refresh_from_db()
    assert statistic.publication_status == "in_review"
    admin.log_out()

    # The reviewer sees who submitted it and publishes it from its page.
    admin.log_in("reviewer")
    admin.open(f"/admin/resources/statistic/{statistic.pk}/change/")
    assert admin.find("#workflow-submission").text.startswith("Submitted for review: by editor, ")
    assert admin.find("#workflow-publish").text == "Publish"
    admin.screenshot("statistic-change")
    admin.press("#workflow-publish", "Statistic published.")
    assert admin.find("#workflow h2").text == "Editorial status: published"
    changes = Change.objects.filter(record_key=SLUG).order_by("id")
    assert list(changes.values_list("action", "username")) == [
        ("created", "editor"),
        ("submitted", "editor"),
        ("published", "reviewer"),
    ]

    admin.open(f"/admin/resources/statistic/{statistic.pk}/history/")
    assert SEED_SOURCE_TITLE in admin.find("ul.history-citations").text
    admin.screenshot("statistic-history")
    admin.open("/admin/resources/statistic/")
    assert admin.find("#result_list").is_displayed()
    admin.screenshot("statistics-list")
    admin.open("/admin/resources/hostpolicy/")
    assert admin.find("#result_list").is_displayed()
    admin.screenshot("policies-list")

    # The anonymous API serves it, as published.
    url = f"{live_server.url}/api/v1/statistics/{statistic.pk}/"
    with urllib.request.urlopen(url, timeout=WAIT_SECONDS) as response:
        body = json.load(response)
    assert (body["slug"], body["value"], body["publication_status"]) == (SLUG, 25000, "published")
    assert [c["claim"] for c in body["citations"]] == [CLAIM]

    # A correction: the editor proposes one from the published statistic's page (read-only to
    # them) and submits it; the reviewer publishes it; the anonymous API serves the new value.
    admin.log_out()
    admin.log_in("editor")
    admin.open(f"/admin/resources/statistic/{statistic.pk}/change/")
    admin.find("#propose-correction-link").click()
    data = admin.find("#id_data")
    corrected = json.loads(data.get_attribute("value")) | {"value": 26000}
    data.clear()
    data.send_keys(json.dumps(corrected))
    admin.type("id_reason", "The source says 26,000.")
    admin.press("#propose-correction", "proposed")
    assert admin.find("#correction h2").text.endswith(": draft")
    with urllib.request.urlopen(url, timeout=WAIT_SECONDS) as response:
        assert json.load(response)["value"] == 25000
    admin.press("#correction-submit", "submitted")
    revision_page = browser.current_url
    admin.log_out()

    admin.log_in("reviewer")
    admin.driver.get(revision_page)
    admin.press("#correction-publish", "published")
    with urllib.request.urlopen(url, timeout=WAIT_SECONDS) as response:
        assert json.load(response)["value"] == 26000

    # A spreadsheet: the editor imports the API's CSV export, one new row in it, through the
    # list's Import page: a preview first, then the import; the row becomes a draft.
    export = f"{live_server.url}/api/v1/statistics/?format=csv"
    with urllib.request.urlopen(export, timeout=WAIT_SECONDS) as response:
        header, *rows = response.read().decode().splitlines()
    row = next(line for line in rows if SLUG in line).replace(SLUG, IMPORTED_SLUG)
    spreadsheet = tmp_path / "figures.csv"
    spreadsheet.write_text(f"{header}\r\n{row}\r\n", encoding="utf-8")
    admin.log_out()
    admin.log_in("editor")
    admin.open("/admin/resources/statistic/import/")
    # A file input may be styled out of sight: present is enough to hand it a file.
    upload = (By.CSS_SELECTOR, "input[type=file][name=import_file]")
    admin.wait.until(EC.presence_of_element_located(upload)).send_keys(str(spreadsheet))
    formats = admin.wait.until(EC.presence_of_element_located((By.NAME, "format")))
    Select(formats).select_by_visible_text("csv")
    admin.find("form[enctype='multipart/form-data'] input[type=submit]").click()
    # The preview, then its confirmation (the second form on the page).
    admin.press("form[action$='process_import/'] [type=submit]", "Imported statistics: 1 new")
    imported = Statistic.objects.get(slug=IMPORTED_SLUG)
    assert imported.publication_status == "draft"
    assert Change.objects.get(record_key=IMPORTED_SLUG).username == "editor"
