"""Help pages: one per block, true to the block's settings, ports and codes, with working links."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from embedflow import help as help_pages
from embedflow import registry
from embedflow.io.resources import resource
from embedflow.registry import default_registry

SPECS = default_registry().specs()
SOURCE = "\n".join(path.read_text(encoding="utf-8") for path in Path(registry.__file__).parent.rglob("*.py"))
PAGES = sorted(resource("help").glob("*.md"))
# Codes a block module reports: error("code", ...), warning("code", ...), ctx.report(Severity.X, "code", ...)
# and NodeError(message, "code", ...).
REPORTED = re.compile(r'(?:\berror|\bwarning)\(\s*"([a-z]+(?:-[a-z]+)+)"'
                      r'|report\(\s*(?:"\w+"|Severity\.[A-Z]+),\s*"([a-z]+(?:-[a-z]+)+)"'
                      r'|NodeError\((?:[^()]|\([^()]*\))*?,\s*"([a-z]+(?:-[a-z]+)+)"', re.S)


def page_text(spec) -> str:
    path = help_pages.block_page(spec.type, default_registry())
    assert path is not None, f"{spec.type} has no help page"
    return path.read_text(encoding="utf-8")


def messages_section(text: str) -> str:
    return text.split("## Messages you may see", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type)
def test_every_block_has_a_help_page(spec):
    specs = default_registry()
    assert help_pages.block_page(spec.type, specs) == resource("help", f"{help_pages.page_name(spec.type, specs)}.md")


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type)
def test_help_page_names_every_setting_as_saved_in_the_file(spec):
    text = page_text(spec)
    assert [s.name for s in spec.settings if f"`{s.name}`" not in text] == []


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type)
def test_help_page_names_every_port(spec):
    text = page_text(spec)
    assert [p.name for p in spec.inputs + spec.outputs if f"**{p.name}**" not in text] == []


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type)
def test_help_page_lists_only_codes_that_the_code_can_report(spec):
    codes = re.findall(r"`([a-z]+(?:-[a-z]+)+)`", messages_section(page_text(spec)))
    assert codes
    assert [code for code in codes if f'"{code}"' not in SOURCE] == []


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type)
def test_help_page_lists_every_code_its_block_reports(spec):
    module = Path(sys.modules[spec.run.__module__].__file__)
    reported = {code for found in REPORTED.findall(module.read_text(encoding="utf-8")) for code in found if code}
    assert reported
    assert sorted(code for code in reported if f"`{code}`" not in messages_section(page_text(spec))) == []


@pytest.mark.parametrize("name,title", help_pages.CONCEPTS)
def test_concept_page_exists_with_its_title(name, title):
    assert help_pages.page_path(name).read_text(encoding="utf-8").startswith(f"# {title}")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_help_page_links_lead_to_existing_pages(page):
    links = re.findall(r"\]\(([^)#]+\.md)\)", page.read_text(encoding="utf-8"))
    assert [link for link in links if not (page.parent / link).is_file()] == []
