#!/usr/bin/env python3
"""Opens the built catalog in headless Chromium and fails on what a visitor must never meet.

For the index, a product page (whose analyst text is full of injection payloads) and the
allegations page, in English and Spanish, opened from disk (file://):
  * serious or critical accessibility violations found by axe-core;
  * any script running from analyst text (alert, confirm, prompt are trapped and recorded);
  * any network request other than the site's own files, and any Content-Security-Policy report;
  * a page that does not render its content with JavaScript turned off;
  * a Spanish product page whose untranslated (English) text is not marked lang="en" (WCAG 3.1.2):
    the fixture product translates only its name and summary, so its page mixes both languages;
  * a French page (a language added as a registry's strings file, Tests/Fixtures/languages/fr.json,
    with a handful of words) whose interface words that fall back to English are not marked lang="en".

Needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver), selenium,
and axe-core 4 as shipped in the PyPI package axe-playwright-python (only its axe.min.js is used:
`pip install selenium` and `pip install --no-deps axe-playwright-python==0.1.8`). The site comes
from the Swift tests:

    swift test --filter CatalogTests            # writes .build/catalog-browser-site
    python3 Tests/Browser/check_catalog.py      # or pass another site folder
"""
import importlib.util
import json
import pathlib
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = [
    "index.html",
    "products/station-incident-hotspots.html",
    "allegations.html",
    "verify.html",
    "es/index.html",
    "es/products/station-incident-hotspots.html",
    "products-status-in-use.html",
    "reports/2025.html",
    "reports/2026.html",
    "es/reports/2026.html",
    "products/retired-survey-1.html",
    "es/products/retired-survey-1.html",
    "fr/index.html",
    "fr/products/station-incident-hotspots.html",
]
TRAP = """
window.__scriptFromText = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = function () { window.__scriptFromText.push(name + ": " + Array.from(arguments).join(" ")); };
}
"""



def axe_source():
    """axe.min.js from the installed axe-playwright-python package, found without importing it
    (importing would need Playwright, which these checks do not use)."""
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("axe-core is missing: pip install --no-deps axe-playwright-python==0.1.8")
    return (pathlib.Path(next(iter(spec.submodule_search_locations))) / "axe.min.js").read_text()


# Runs the injected axe-core and returns only what the check needs.
AXE_RUN = """
var done = arguments[arguments.length - 1];
var tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"].filter(function (tag) {
  return axe.getRules([tag]).length > 0;
});
axe.run(document, {runOnly: {type: "tag", values: tags}})
  .then(function (results) {
    done(results.violations.map(function (v) {
      return {id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map(function (n) { return n.target; })};
    }));
  }, function (error) { done([{id: "axe-error", impact: "critical", help: String(error), targets: []}]); });
"""


def driver(javascript=True):
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--allow-file-access-from-files"]:
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def requests_made(browser):
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def check(site):
    failures = []
    axe_version = "?"
    axe = axe_source()
    browser = driver()
    browser.set_script_timeout(120)
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TRAP})
    try:
        for page in PAGES:
            url = (site / page).as_uri()
            browser.get(url)
            ran = browser.execute_script("return window.__scriptFromText || []")
            if ran:
                failures.append(f"{page}: script from analyst text ran: {ran}")
            for request in requests_made(browser):
                if not (request.startswith("file://") or request.startswith("data:")):
                    failures.append(f"{page}: requested {request}")
            for entry in browser.get_log("browser"):
                if "Content Security Policy" in entry["message"] or "Refused" in entry["message"]:
                    failures.append(f"{page}: {entry['message']}")
            browser.execute_script(axe)
            axe_version = browser.execute_script("return axe.version")
            for violation in browser.execute_async_script(AXE_RUN):
                if violation["impact"] in ("serious", "critical"):
                    failures.append(f"{page}: {violation['impact']} {violation['id']}: {violation['help']} at {violation['targets']}")
    finally:
        browser.quit()

    plain = driver(javascript=False)
    try:
        for page in PAGES:
            plain.get((site / page).as_uri())
            heading = plain.find_elements(By.CSS_SELECTOR, "main h1")
            if not heading or not heading[0].text.strip():
                failures.append(f"{page}: no main heading without JavaScript")
            if page.endswith("index.html") and len(plain.find_elements(By.CSS_SELECTOR, "#product-table tbody tr")) == 0:
                failures.append(f"{page}: the product list is empty without JavaScript")
            # A removed product's page shows its last record, with no translation coverage.
            if page.startswith("es/products/") and not page.startswith("es/products/retired-"):
                marked = plain.find_elements(By.CSS_SELECTOR, "main [lang=en]")
                if not marked:
                    failures.append(f"{page}: no untranslated text is marked lang=\"en\"")
                if any(element.get_attribute("lang") != "en" for element in plain.find_elements(By.CSS_SELECTOR, "main [lang]")):
                    failures.append(f"{page}: a language mark other than lang=\"en\" inside a Spanish page")
                if "textos traducidos" not in plain.find_element(By.CSS_SELECTOR, "main").text:
                    failures.append(f"{page}: the translation coverage is not shown")
            if page.startswith("fr/"):
                if plain.find_element(By.CSS_SELECTOR, "html").get_attribute("lang") != "fr":
                    failures.append(f"{page}: not marked as French")
                if not plain.find_elements(By.CSS_SELECTOR, "main [lang=en]"):
                    failures.append(f"{page}: no English fallback word is marked lang=\"en\"")
                if "Aller au contenu principal" not in plain.page_source:
                    failures.append(f"{page}: the French strings file's words are not used")
            if plain.find_elements(By.CSS_SELECTOR, "form.search:not([hidden])"):
                failures.append(f"{page}: the search box shows without JavaScript, where it cannot work")
    finally:
        plain.quit()
    print(f"axe-core {axe_version}")
    return failures


def main():
    site = pathlib.Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / ".build" / "catalog-browser-site"
    if not (site / "index.html").exists():
        print(f"No catalog at {site}; run 'swift test --filter CatalogTests' first, or pass a site folder.")
        return 2
    failures = check(site)
    for failure in failures:
        print("FAIL", failure)
    print(f"{len(PAGES)} pages checked, {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
