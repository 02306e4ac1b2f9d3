"""The Scatter's HTML map, opened in a real headless Chromium from file:// with the network blocked."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from embedflow.blocks.scatter.html_map import (
    MAX_ROWS,
    HtmlMapTooLarge,
    MapContent,
    html_map_page,
    write_html_map,
)
from embedflow.blocks.scatter.style import color_mapping, point_sizes
from tests.browser_support import Browser, browser_session

HOSTILE = '</script><script>window.pwned = 1</script><img src=x onerror="window.pwned=2">'
TRICKY = 'say "hi",\nthen \u202eleave'  # quotes, a comma, a newline and a right-to-left override


def two_clusters(rows: int = 200) -> pd.DataFrame:
    """Fruit on the left (x ≈ -10), vehicles on the right (x ≈ +10), one row without coordinates."""
    rng = np.random.default_rng(0)
    half = rows // 2
    frame = pd.DataFrame({
        "x": np.r_[rng.normal(-10, 1, half), rng.normal(10, 1, rows - half)],
        "y": rng.normal(0, 1, rows),
        "word": [f"apple {i}" for i in range(half)] + [f"truck {i}" for i in range(rows - half)],
        "kind": ["fruit"] * half + ["vehicle"] * (rows - half),
    })
    frame.loc[3, "word"] = HOSTILE
    frame.loc[4, "word"] = TRICKY
    frame.loc[5, ["x", "y"]] = np.nan
    return frame


def write_map(frame: pd.DataFrame, path, color: str = "kind", **extra) -> MapContent:
    content = MapContent(frame[["x", "y"]].to_numpy(), color_mapping(frame, color), point_sizes(frame, ""),
                         frame[["word", "kind"]], extra.pop("title", "Fruit & vehicles"), "PCA", **extra)
    write_html_map(content, path)
    return content


def blended(rgba) -> tuple[int, int, int]:
    """A colour with alpha as the page draws it over white."""
    alpha = rgba[3] / 255
    return tuple(round(float(c) * alpha + 255 * (1 - alpha)) for c in rgba[:3])


def pixels_of(browser: Browser, rgb) -> int:
    """How many pixels of the points' canvas have exactly this colour."""
    return browser.js("""
        const c = document.getElementById('points');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const [r, g, b] = arguments;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] === r && d[i + 1] === g && d[i + 2] === b) n++;
        return n;""", *rgb)


def drag(browser: Browser, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A mouse drag on the map between two points given as fractions of its width and height."""
    from selenium.webdriver.common.action_chains import ActionChains

    overlay = browser.driver.find_element("id", "overlay")
    size = overlay.size
    def offset(point):
        return int((point[0] - 0.5) * size["width"]), int((point[1] - 0.5) * size["height"])
    actions = ActionChains(browser.driver)
    actions.move_to_element_with_offset(overlay, *offset(start)).click_and_hold()
    for step in range(1, 9):
        f = step / 8
        actions.move_to_element_with_offset(overlay, *offset((start[0] + (end[0] - start[0]) * f,
                                                              start[1] + (end[1] - start[1]) * f)))
    actions.release().perform()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from browser_session(tmp_path_factory)


@pytest.fixture(scope="module")
def fruit_map(tmp_path_factory):
    path = tmp_path_factory.mktemp("map") / "fruit.html"
    frame = two_clusters()
    return path, frame, write_map(frame, path)


def test_the_map_draws_every_row_with_coordinates_and_says_how_many_were_left_out(browser, fruit_map):
    path, frame, _ = fruit_map
    browser.open_map(path)
    assert browser.js("return window.embedflowMap.count") == len(frame) - 1
    assert "1 row without coordinates" in browser.driver.find_element("css selector", ".notes").text
    assert "199 of 200 rows" in browser.driver.find_element("css selector", ".facts").text
    assert browser.console_errors() == []


def test_nothing_is_fetched_from_the_network(browser, fruit_map):
    path, _, _ = fruit_map
    browser.open_map(path)
    requests = browser.requests()
    assert any(url.startswith("file:") and url.endswith("fruit.html") for url in requests)  # the log works
    assert [url for url in requests if url.startswith(("http:", "https:", "ws:", "wss:", "ftp:"))] == []
    page = path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:|url\(\s*["']?https?:""", page)
    assert "default-src 'none'" in page  # the page's own policy forbids any fetch as well


def test_labels_with_markup_quotes_newlines_and_rtl_marks_stay_text(browser, fruit_map):
    path, _, _ = fruit_map
    browser.open_map(path)
    assert browser.js("return window.pwned") is None
    assert browser.js("return document.querySelectorAll('script').length") == 2  # the data and the page's own
    assert browser.js("return window.embedflowMap.search(arguments[0])", "onerror=") == 1
    assert browser.js("return window.embedflowMap.search(arguments[0])", "\u202eleave") == 1
    assert browser.driver.title == "Fruit & vehicles"


def test_search_counts_the_matching_rows_and_says_so_beside_the_box(browser, fruit_map):
    path, frame, _ = fruit_map
    browser.open_map(path)
    apples = int((frame["word"].str.contains("apple") & frame["x"].notna()).sum())  # drawn rows only
    assert browser.js("return window.embedflowMap.search('APPLE')") == apples
    box = browser.driver.find_element("id", "search")
    box.clear()
    box.send_keys("vehicle")
    assert browser.driver.find_element("id", "search-status").text == "100 matches"  # the kind column too
    assert browser.js("return window.embedflowMap.search('no such word')") == 0


def test_box_selection_of_the_left_half_downloads_the_fruit_rows_as_csv(browser, fruit_map):
    path, frame, _ = fruit_map
    browser.open_map(path)
    browser.driver.find_element("css selector", "input[value='box']").click()
    drag(browser, (0.01, 0.01), (0.5, 0.99))
    fruit = [r for r in range(100) if r != 5]  # row 5 has no coordinates
    assert browser.js("return window.embedflowMap.selected()") == fruit
    assert browser.driver.find_element("id", "selection-status").text == "99 selected"
    browser.driver.find_element("id", "download").click()
    table = pd.read_csv(browser.downloaded("selected-rows.csv"), keep_default_na=False)
    assert table["row"].tolist() == fruit and list(table.columns) == ["row", "x", "y", "word", "kind"]
    expected = frame.loc[fruit]
    assert table["word"].tolist() == expected["word"].tolist()  # the hostile and tricky labels, intact
    np.testing.assert_allclose(table["x"], expected["x"], rtol=1e-6)


def test_lasso_selects_the_points_inside_the_drawn_shape(browser, fruit_map):
    path, _, _ = fruit_map
    browser.open_map(path)
    browser.driver.find_element("css selector", "input[value='lasso']").click()
    # A lasso around the right half only (from the top centre, round the right, back).
    from selenium.webdriver.common.action_chains import ActionChains

    overlay = browser.driver.find_element("id", "overlay")
    w, h = overlay.size["width"], overlay.size["height"]
    corners = [(0.55, 0.02), (0.99, 0.02), (0.99, 0.98), (0.55, 0.98), (0.55, 0.03)]
    actions = ActionChains(browser.driver)
    actions.move_to_element_with_offset(overlay, int((corners[0][0] - 0.5) * w), int((corners[0][1] - 0.5) * h))
    actions.click_and_hold()
    for x, y in corners[1:]:
        actions.move_to_element_with_offset(overlay, int((x - 0.5) * w), int((y - 0.5) * h))
    actions.release().perform()
    assert browser.js("return window.embedflowMap.selected()") == list(range(100, 200))


def test_clicking_a_legend_entry_hides_its_points_and_a_second_click_shows_them(browser, fruit_map):
    path, _, content = fruit_map
    browser.open_map(path)
    fruit, vehicle = (blended(content.colors.colors[i]) for _, i in content.colors.legend)
    assert pixels_of(browser, fruit) > 200 and pixels_of(browser, vehicle) > 200
    button = browser.driver.find_element("css selector", "#legend button[data-index='0']")
    assert button.text.startswith("fruit")
    button.click()
    browser.wait_for(lambda: pixels_of(browser, fruit) == 0, "the fruit to disappear")
    assert pixels_of(browser, vehicle) > 200
    button.click()
    browser.wait_for(lambda: pixels_of(browser, fruit) > 200, "the fruit to come back")


def test_a_screenshot_shows_the_categories_in_their_colours(browser, fruit_map, tmp_path):
    path, _, content = fruit_map
    browser.open_map(path)
    shot = Image.open(io.BytesIO(browser.driver.get_screenshot_as_png())).convert("RGB")
    shot.save(tmp_path / "map.png")
    pixels = np.asarray(shot).reshape(-1, 3).astype(int)
    for name, index in content.colors.legend:
        colour = np.array(blended(content.colors.colors[index]))
        assert (np.abs(pixels - colour).max(axis=1) <= 3).sum() > 200, name


def test_a_numeric_colour_gets_a_colour_bar_instead_of_a_legend(browser, tmp_path):
    frame = two_clusters()
    write_map(frame, tmp_path / "numeric.html", color="x")
    browser.open_map(tmp_path / "numeric.html")
    assert browser.js("return document.querySelectorAll('#legend button').length") == 0
    assert browser.js("return document.getElementById('colour-bar') !== null")


def test_an_image_row_shows_its_thumbnail_on_hover(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains

    picture = tmp_path / "red.png"
    Image.new("RGB", (300, 200), (220, 20, 20)).save(picture)
    frame = pd.DataFrame({"x": [1.0], "y": [2.0], "word": ["a red picture"], "kind": ["photo"]})
    content = MapContent(frame[["x", "y"]].to_numpy(), color_mapping(frame, "kind"), point_sizes(frame, ""),
                         frame[["word", "kind"]], "Pictures", "PCA", images=[picture])
    write_html_map(content, tmp_path / "pictures.html")
    data = json.loads(re.search(r'id="embedflow-map-data">(.*?)</script>', (tmp_path / "pictures.html").read_text(),
                                re.DOTALL).group(1))
    with Image.open(io.BytesIO(base64.b64decode(data["thumbs"][0].split(",", 1)[1]))) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 64
    browser.open_map(tmp_path / "pictures.html")
    # One point is drawn at the map's centre: hovering there shows it.
    ActionChains(browser.driver).move_to_element(browser.driver.find_element("id", "overlay")).perform()
    tooltip = browser.driver.find_element("id", "tooltip")
    browser.wait_for(tooltip.is_displayed, "the tooltip")
    assert "a red picture" in tooltip.text and "row 0" in tooltip.text
    assert tooltip.find_element("tag name", "img").get_attribute("src").startswith("data:image/jpeg;base64,")


def test_an_empty_map_says_so(browser, tmp_path):
    frame = pd.DataFrame({"x": [np.nan], "y": [np.nan], "word": ["lost"], "kind": ["a"]}).iloc[:0]
    write_map(frame, tmp_path / "empty.html")
    browser.open_map(tmp_path / "empty.html")
    assert browser.js("return window.embedflowMap.count") == 0
    assert "no rows to show" in browser.driver.find_element("tag name", "body").text
    assert browser.console_errors() == []


def test_a_map_over_the_browser_limit_is_refused_naming_the_limit_and_nothing_is_written(tmp_path):
    rows = MAX_ROWS + 1
    content = MapContent(np.zeros((rows, 2), np.float32), color_mapping(pd.DataFrame(index=range(rows)), ""),
                         np.full(rows, 7.0, np.float32), pd.DataFrame(index=range(rows)), "Huge", "PCA")
    target = tmp_path / "huge.html"
    target.write_text("the previous map")
    with pytest.raises(HtmlMapTooLarge, match="at most 5,000,000 rows"):
        write_html_map(content, target)
    assert target.read_text() == "the previous map" and list(tmp_path.iterdir()) == [target]


def test_the_data_block_cannot_be_closed_by_a_label(fruit_map):
    page = html_map_page(fruit_map[2])
    assert HOSTILE not in page and "</script><script>window.pwned" not in page
    data = json.loads(re.search(r'id="embedflow-map-data">(.*?)</script>', page, re.DOTALL).group(1))
    words = next(c for c in data["columns"] if c["name"] == "word")["values"]
    assert HOSTILE in words and TRICKY in words


def test_a_title_is_escaped_in_the_heading(browser, tmp_path):
    write_map(two_clusters(), tmp_path / "title.html", title='<b>bold</b> {{DATA}} "map"')
    browser.open_map(tmp_path / "title.html")
    assert browser.driver.find_element("tag name", "h1").text == '<b>bold</b> {{DATA}} "map"'


def test_enter_in_the_search_box_brings_the_matches_into_view(browser, fruit_map):
    path, _, content = fruit_map
    browser.open_map(path)
    vehicle = blended(content.colors.colors[content.colors.legend[1][1]])
    browser.js("""
        const o = document.getElementById('overlay'), b = o.getBoundingClientRect();
        for (let i = 0; i < 12; i++)
            o.dispatchEvent(new WheelEvent('wheel', {deltaY: -300, clientX: b.left + b.width * 0.2,
                                                     clientY: b.top + b.height / 2,
                                                     bubbles: true, cancelable: true}));""")
    browser.wait_for(lambda: pixels_of(browser, vehicle) == 0, "zoomed in on the fruit only")
    box = browser.driver.find_element("id", "search")
    box.clear()
    box.send_keys("truck\n")
    browser.wait_for(lambda: pixels_of(browser, vehicle) > 200, "the trucks brought into view")


def test_an_unreadable_image_gets_no_thumbnail_and_a_note(tmp_path):
    good, broken = tmp_path / "good.jpg", tmp_path / "broken.jpg"
    Image.new("RGB", (100, 80), (20, 120, 20)).save(good)
    broken.write_bytes(b"not a picture")
    frame = pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0], "word": ["good", "broken"], "kind": ["a", "a"]})
    content = MapContent(frame[["x", "y"]].to_numpy(), color_mapping(frame, "kind"), point_sizes(frame, ""),
                         frame[["word", "kind"]], "Pictures", "PCA", images=[good, broken])
    page = html_map_page(content)
    data = json.loads(re.search(r'id="embedflow-map-data">(.*?)</script>', page, re.DOTALL).group(1))
    assert data["thumbs"][0].startswith("data:image/jpeg;base64,") and data["thumbs"][1] is None
    assert "1 image could not be read; its point shows no thumbnail." in page


def test_a_view_gathered_from_a_cluster_without_its_feature_column_still_makes_a_map(tmp_path):
    from embedflow.analysis.projection import Projection
    from embedflow.blocks.scatter.block import ScatterView
    from embedflow.blocks.scatter.html_map import content_of
    from embedflow.core.table import Table

    # On a cluster only the coordinates and the styled columns come back: no vectors, no `text`.
    data = Table(pd.DataFrame({"topic": ["a", "b", "a"]}), None, feature="text", provenance={"kind": "text"})
    coords = np.array([[0.0, 1.0], [1.0, 0.0], [np.nan, np.nan]])
    view = ScatterView(data, Projection(coords, "tsne", ("t-SNE 1", "t-SNE 2")), "Map", color="topic")
    content = content_of(view, workflow="corpus")
    assert list(content.columns.columns) == ["topic"] and content.images is None
    page = html_map_page(content)
    assert "corpus — Map" in page and "t-SNE keeps neighbourhoods" in page and "2 of 3 rows" in page


def test_images_as_points_draws_each_thumbnail_at_its_point(browser, tmp_path):
    pictures = []
    for name, colour in (("red", (220, 20, 20)), ("blue", (20, 20, 220))):
        Image.new("RGB", (120, 90), colour).save(tmp_path / f"{name}.png")
        pictures.append(tmp_path / f"{name}.png")
    frame = pd.DataFrame({"x": [0.0, 10.0], "y": [0.0, 0.0], "word": ["red", "blue"], "kind": ["a", "a"]})
    content = MapContent(frame[["x", "y"]].to_numpy(), color_mapping(frame, "kind"), point_sizes(frame, ""),
                         frame[["word", "kind"]], "Pictures", "PCA", images=pictures)
    write_html_map(content, tmp_path / "pictures.html")
    browser.open_map(tmp_path / "pictures.html")
    count_reds = """
        const c = document.getElementById('overlay'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let red = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 180 && d[i + 1] < 70 && d[i + 2] < 70 && d[i + 3] > 200) red++;
        return red;"""
    assert browser.js(count_reds) == 0
    browser.driver.find_element("id", "images").click()
    browser.wait_for(lambda: browser.js(count_reds) > 400, "the red picture drawn at its point")
