"""The HTML report in a real headless Chromium: no console errors, every figure loads, a row per patient."""

import shutil

import pytest

from mritool.recipes.screen import screen

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not driver:
        pytest.skip("Debian's chromium and chromium-driver are not installed (.ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--allow-file-access-from-files"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    session = webdriver.Chrome(service=webdriver.ChromeService(executable_path=driver), options=options)
    yield session
    session.quit()


@pytest.fixture(scope="module")
def report(phantoms, tiny_models, tmp_path_factory):
    return screen(phantoms, tiny_models, tmp_path_factory.mktemp("report"), qa="positives")


def test_report_alone_loads_with_every_figure_and_a_row_per_patient(browser, report, tmp_path):
    alone = tmp_path / "passed-on" / "report.html"  # nothing beside it: the figures travel inside
    alone.parent.mkdir()
    shutil.copy(report.out_dir / "report.html", alone)
    browser.get(alone.as_uri())
    browser.set_script_timeout(30)
    status = browser.execute_async_script("""
        var done = arguments[arguments.length - 1];
        var urls = [];
        document.querySelectorAll(".layer, .tile, img").forEach(function (element) {
            var found = getComputedStyle(element).backgroundImage.match(/url\\("[^"]*"\\)/g) || [];
            found.forEach(function (url) { urls.push(url.slice(5, -2)); });
            if (element.src) { urls.push(element.src); }
        });
        Promise.all(urls.map(function (url) {
            return new Promise(function (resolve) {
                var image = new Image();
                image.onload = function () { resolve(image.naturalWidth > 0 ? 0 : 1); };
                image.onerror = function () { resolve(1); };
                image.src = url;
            });
        })).then(function (failed) {
            done({total: urls.length, broken: failed.reduce(function (a, b) { return a + b; }, 0)});
        });
    """)
    ok_slices = int((report.slices["status"] == "ok").sum())
    assert status["total"] == 3 * len(report.patients) + 3 * ok_slices  # each viewer's layers, each tile's three
    assert status["broken"] == 0
    rows = browser.find_elements("css selector", "#patients tbody tr")
    assert len(rows) == len(report.patients) == 6
    severe = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert severe == []


def test_clicking_a_header_sorts_the_table(browser, report):
    browser.get((report.out_dir / "report.html").as_uri())
    headers = browser.find_elements("css selector", "#patients thead th")
    dice_column = [h.text for h in headers].index("predicted_volume_px")
    headers[dice_column].click()
    values = [float(row.find_elements("css selector", "td")[dice_column].get_attribute("data-value"))
              for row in browser.find_elements("css selector", "#patients tbody tr")]
    assert values == sorted(values)


def test_the_slice_viewer_steps_with_the_keyboard_and_toggles_an_overlay(browser, report):
    from selenium.webdriver.common.keys import Keys

    browser.get((report.out_dir / "report.html").as_uri())
    viewers = browser.find_elements("css selector", ".viewer")
    assert len(viewers) == len(report.patients)
    opaque_corners = browser.execute_async_script("""
        var done = arguments[arguments.length - 1];
        var layers = Array.prototype.slice.call(document.querySelectorAll(".viewer .layer.outline"));
        Promise.all(layers.map(function (layer) {
            return new Promise(function (resolve) {
                var image = new Image();
                image.onload = function () {
                    var canvas = document.createElement("canvas");
                    canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
                    var context = canvas.getContext("2d");
                    context.drawImage(image, 0, 0);
                    resolve(context.getImageData(0, 0, 1, 1).data[3]);
                };
                image.src = getComputedStyle(layer).backgroundImage.slice(5, -2);
            });
        })).then(function (alphas) { done(alphas.filter(function (a) { return a !== 0; }).length); });
    """)
    assert opaque_corners == 0  # the outlines lie on transparent layers: the FLAIR shows through
    viewer = viewers[0]
    info = viewer.find_element("css selector", ".info")
    patient = report.patients["patient_id"].iloc[0]
    rows = report.slices[(report.slices["patient_id"] == patient) & (report.slices["status"] == "ok")]
    assert info.text.startswith(f"slice {rows['slice_index'].iloc[0]} (1 of {len(rows)})")
    viewer.find_element("css selector", ".stage").click()
    viewer.send_keys(Keys.ARROW_DOWN)
    viewer.send_keys(Keys.ARROW_DOWN)
    assert info.text.startswith(f"slice {rows['slice_index'].iloc[2]} (3 of {len(rows)}), probability "
                                f"{rows['tumor_probability'].iloc[2]:.3f}")
    layer = viewer.find_element("css selector", ".layer.prediction")
    assert layer.value_of_css_property("background-position") == "0px -512px"
    tiles = browser.find_elements("css selector", ".sheet")[0].find_elements("css selector", ".tile")
    assert len(tiles) == len(rows) and "current" in tiles[2].get_attribute("class")
    tiles[-1].click()  # the overview jumps the viewer to that slice
    assert info.text.startswith(f"slice {rows['slice_index'].iloc[-1]} ({len(rows)} of {len(rows)})")
    viewer.find_element("css selector", "input[value=prediction]").click()
    assert layer.value_of_css_property("display") == "none"
