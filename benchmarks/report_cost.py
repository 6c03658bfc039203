"""What the figures and the report cost a screening run, and how big the one-file report is.

Screens the root with the same loaded models, with ``--qa positives`` (figures, viewer strips and the
report's embedded pictures) and with ``--qa none``, ``--repeats`` rounds in alternating order after an
untimed warm-up, and prints the median walls, the share of the first spent on figures and report, and
the size of its ``report.html``. With ``--screenshot PNG`` (headless Chromium and selenium), it also opens that report
alone, steps the first patient's viewer to its largest predicted lesion and saves a screenshot.

    python benchmarks/report_cost.py --data ../shared/data/lgg/kaggle_3m --models MODELS --repeats 3 --screenshot docs/viewer.png
"""

import shutil
import statistics
import tempfile
from pathlib import Path

from _common import arguments, in_turns, start
from mritool.engine.stages import Stages
from mritool.recipes.screen import screen
from mritool.volumes.readers import find_studies


def screenshot(report: Path, steps: int, out: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.common.keys import Keys

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=webdriver.ChromeService(executable_path=shutil.which("chromedriver")),
                               options=options)
    try:
        browser.get(report.as_uri())
        viewer = browser.find_elements("css selector", ".viewer")[0]
        browser.execute_script("arguments[0].scrollIntoView();", viewer.find_element("xpath", ".."))
        viewer.find_element("css selector", ".stage").click()
        for _ in range(steps):
            viewer.send_keys(Keys.ARROW_DOWN)
        browser.save_screenshot(str(out))
    finally:
        browser.quit()


def main():
    parser = arguments(__doc__, repeats=3)
    parser.add_argument("--screenshot", type=Path)
    args = start(parser)
    studies = find_studies(args.data)
    stages = Stages.open(args.models).load()
    with tempfile.TemporaryDirectory() as tmp:
        screen(studies=studies[:2], stages=stages, out_dir=Path(tmp) / "warm", qa="positives")
        walls, results = in_turns(["positives", "none"], args.repeats, lambda qa, round_: screen(
            studies=studies, stages=stages, out_dir=Path(tmp) / f"{qa}{round_}", qa=qa))
        result = results["positives"]
        report, first = result.out_dir / "report.html", result.slices
        size = report.stat().st_size
        with_, without = statistics.median(walls["positives"]), statistics.median(walls["none"])
        print(f"{len(studies)} patients, {int(result.summary['slices'])} slices; medians of {args.repeats} rounds")
        print(f"screen with figures and report: {with_:.1f} s; without: {without:.1f} s; "
              f"figures and report {(with_ - without) / with_:.1%} of the wall")
        print(f"report.html: {size / 2**20:.1f} MiB, one file")
        if args.screenshot:
            patient = result.patients["patient_id"].iloc[0]
            rows = first[(first["patient_id"] == patient) & (first["status"] == "ok")].reset_index(drop=True)
            alone = Path(tmp) / "alone" / "report.html"
            alone.parent.mkdir()
            shutil.copy(report, alone)
            screenshot(alone, int(rows["predicted_area_px"].idxmax()), args.screenshot)
            print(f"screenshot: {args.screenshot}")


if __name__ == "__main__":
    main()
