"""Draw docs/html-map.png: the word-similarity example's HTML map in headless Chromium.

The page is written by `embedflow run` on a copy of the examples; the picture shows "royal" searched
(matches ringed and labelled), a lasso selection of the top-left corner and the hover label of a point.
Run: python docs/make_html_map_picture.py [OUT.png]   (needs chromium and chromium-driver)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser_support import Browser, missing_reason


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "html-map.png"
    reason = missing_reason()
    if reason:
        sys.exit(f"make_html_map_picture: {reason}")
    from selenium.webdriver.common.action_chains import ActionChains

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        subprocess.run([sys.executable, "-m", "embedflow", "examples", "--copy", str(folder / "copy")], check=True,
                       stdout=subprocess.DEVNULL)
        workflow = folder / "copy" / "examples" / "word-similarity.embedflow"
        subprocess.run([sys.executable, "-m", "embedflow", "run", str(workflow), "--out", str(folder / "out"),
                        "--outputs", "n5"], check=True, stderr=subprocess.DEVNULL)
        browser = Browser(folder)
        try:
            browser.driver.set_window_size(1200, 760)
            browser.open_map(folder / "out" / "n5.html")
            browser.driver.find_element("id", "search").send_keys("royal")
            browser.driver.find_element("css selector", "input[value='lasso']").click()
            overlay = browser.driver.find_element("id", "overlay")
            w, h = overlay.size["width"], overlay.size["height"]
            corners = [(-0.45, -0.45), (-0.1, -0.45), (-0.1, -0.05), (-0.45, -0.05), (-0.45, -0.44)]
            actions = ActionChains(browser.driver)
            actions.move_to_element_with_offset(overlay, int(corners[0][0] * w), int(corners[0][1] * h))
            actions.click_and_hold()
            for x, y in corners[1:]:
                actions.move_to_element_with_offset(overlay, int(x * w), int(y * h))
            actions.release().perform()
            ActionChains(browser.driver).move_to_element_with_offset(overlay, int(0.1 * w), int(0.1 * h)).perform()
            tooltip = browser.driver.find_element("id", "tooltip")
            browser.wait_for(tooltip.is_displayed, "the hover label", timeout=10)
            browser.driver.save_screenshot(str(target))
        finally:
            browser.close()
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
