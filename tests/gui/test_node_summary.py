"""A block's summary under its title wraps onto a second line instead of being cut with "…"."""

from __future__ import annotations

SUMMARY = "158 queries × 5 neighbours (cosine, exact, leaving out the query's words): 790 rows"


def test_a_long_summary_is_shown_whole_on_two_lines(window):
    node_id = window.document.add_node("t_numbers", (0.0, 0.0))
    item = window.scene.nodes[node_id]
    item.set_run_state("done", summary=SUMMARY)
    shown = item.status_item.text()
    assert "…" not in shown
    assert shown.replace("\n", " ") == SUMMARY
    assert shown.count("\n") == 1
