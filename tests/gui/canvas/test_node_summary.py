"""A block's summary under its title wraps onto more lines instead of being cut with "…"."""

from __future__ import annotations

SUMMARY = "158 queries × 5 neighbours (cosine, exact, leaving out the query's words): 790 rows"


def test_a_long_summary_is_shown_whole_on_a_few_lines_no_wider_than_the_gap_between_blocks(window):
    node_id = window.document.add_node("t_numbers", (0.0, 0.0))
    item = window.scene.nodes[node_id]
    item.set_run_state("done", summary=SUMMARY)
    shown = item.status_item.text()
    assert "…" not in shown
    assert shown.replace("\n", " ") == SUMMARY
    assert 1 <= shown.count("\n") <= 2
    assert item.status_item.boundingRect().width() <= 170
