"""The status presenter derives what the canvas says about runs, with no Qt and no window."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

from embedflow_canvas import status

from embedflow.core.diagnostics import error, warning
from embedflow.engine import NodeResult


@dataclass
class Live:
    state: str
    fraction: float | None = None
    message: str = ""


def test_the_presenter_imports_no_qt():
    code = "import sys, embedflow_canvas.status; print(any(m.startswith('PyQt') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_a_refused_block_is_painted_invalid_with_no_text_of_its_own():
    result = NodeResult("n1", "refused", diagnostic=error("language-model-mismatch", "Models differ", node_id="n1"))
    shown = status.node_status(Live("refused"), result)
    assert (shown.state, shown.text) == ("invalid", "")


def test_a_failed_block_shows_the_error_of_its_own_result():
    shown = status.node_status(Live("failed", message="x"), NodeResult("n1", "failed", error="file is gone"))
    assert (shown.state, shown.text) == ("failed", "file is gone")


def test_a_result_from_an_earlier_run_is_not_shown_while_the_block_runs_again():
    done = NodeResult("n1", "done", summary="3 rows", messages=[warning("w", "careful", node_id="n1")])
    running = status.node_status(Live("running", 0.5, "working"), done)
    assert (running.summary, running.messages) == ("", [])
    assert status.node_status(Live("done"), done).summary == "3 rows"


def test_the_editor_says_why_a_refused_block_never_ran():
    result = NodeResult("n1", "refused", diagnostic=error("language-model-mismatch", "Models differ", node_id="n1"))
    assert status.editor_status(Live("refused"), result) == "State: not run: Models differ"


def test_a_result_window_says_updating_while_running_and_failed_with_the_error():
    assert status.result_window_note(Live("running", 0.2), None) == "Updating…"
    note = status.result_window_note(Live("failed"), NodeResult("n1", "failed", error="boom"))
    assert note.startswith("This block failed: boom")
    assert status.result_window_note(Live("done"), NodeResult("n1", "done")) == ""


def test_the_output_is_there_only_when_the_current_run_finished():
    result = NodeResult("n1", "done", outputs={"data": "table"})
    assert status.output_value(Live("done"), result, "data") == "table"
    assert status.output_value(Live("running"), result, "data") is None


def test_run_messages_that_repeat_a_validation_finding_are_listed_once():
    finding = warning("feature-not-text", "Not text", node_id="n1")
    result = NodeResult("n1", "done", messages=[finding, warning("skipped-rows", "2 rows skipped", node_id="n1")])
    shown = status.shown_messages([finding], {"n1": (Live("done"), result)}, [])
    assert [d.code for d in shown] == ["feature-not-text", "skipped-rows"]


def test_the_run_report_counts_blocks_that_ran_failed_and_were_skipped():
    assert status.run_report(["done", "failed", "blocked", "blocked"]) == \
        "Run finished: 1 ran, 1 failed, 2 skipped (see Messages)"
    assert status.run_report(["done", "done"]) == "Run finished: every block is up to date (2 blocks)"


def test_the_run_report_does_not_call_refused_blocks_up_to_date():
    assert status.run_report(["done", "refused", "refused"]) == "Run finished: 1 ran, 2 skipped (see Messages)"


def test_the_messages_title_counts_each_severity():
    found = [error("a", "x"), warning("b", "y"), warning("c", "z")]
    assert status.messages_title(found) == "Messages — 1 error, 2 warnings"
