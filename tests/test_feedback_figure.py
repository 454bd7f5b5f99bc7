"""Issue 25 item 3: the feedback page shows the student's own figure (the picture the plot
check judged, validated and written again by the grader) beside the grader's re-plot;
hand-built results and bundles, no kernel."""
import base64
import io
from types import SimpleNamespace

import pytest
from PIL import Image

from grader.report import figure, write_all
from grader.report.text import figure_names
from grader.results import CheckResult, SubmissionResult
from tests import report_cases


def png_b64(size=(240, 160), color=(200, 30, 30)) -> str:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


def result(sid="ann", judged=True):
    details = {"figure": {"cell": 1, "index": 0}} if judged else {}
    plot = CheckResult("plot", 0, 15, "the accuracy curve (20 points) is drawn as a bare line",
                       details=details)
    return SubmissionResult(sid, [plot], late=report_cases._lates()["on_time"], final=0.0,
                            history=[0.3, 0.5, 0.7])


def bundle(*pictures):
    cells = [{"index": 0, "ordinal": 0, "line": "import jax"},
             {"index": 2, "ordinal": 1, "line": "plt.plot(s, `acc`) <b>"}]
    return SimpleNamespace(images={"1": list(pictures)}, cells=cells)


def write(tmp_path, r, b):
    written = write_all([r], tmp_path, rubric=report_cases.RUBRIC,
                        bundles=None if b is None else {r.student_id: b})
    fb = tmp_path / "feedback"
    return written, (fb / f"{r.student_id}.html").read_text(), (fb / f"{r.student_id}.md").read_text()


def test_the_students_own_figure_is_shown_beside_the_graders_replot(tmp_path):
    written, html, md = write(tmp_path, result(), bundle(png_b64()))
    own = tmp_path / "feedback" / "ann-figure.png"
    assert written["feedback/ann-figure.png"] == own            # recorded like the others
    with Image.open(own) as im:
        assert im.format == "PNG" and im.size == (240, 160)
    assert html.count("data:image/png;base64,") == 2
    assert ("Your own figure, as code cell 2 (<code>plt.plot(s, `acc`) &lt;b&gt;</code>) "
            "displayed it (the picture the plot check judged):") in html
    assert "The grader's re-plot of the recorded numbers." in html
    assert html.index("Your own figure") < html.index("re-plot of the recorded numbers")
    assert "Your own figure, as code cell 2 (``plt.plot(s, `acc`) <b>``)" in md
    assert "![your own figure](ann-figure.png)" in md and "![accuracy curve](ann.png)" in md


@pytest.mark.parametrize("picture, why", [
    (base64.b64encode(b"<script>alert(1)</script>").decode(), "it is not a PNG file"),
    (base64.b64encode(figure.SIGNATURE + b"\0" * 64).decode(),
     "it is not a PNG that can be read to the end"),
    (png_b64()[:200], "it is not a PNG that can be read to the end"),
    (png_b64((5000, 8)), "it is 5000 x 8 pixels, larger than a figure"),
    ("%%% not base64 %%%", "it is not base64 data"),
])
def test_a_picture_that_is_not_a_sound_png_is_said_in_one_line(tmp_path, picture, why):
    written, html, md = write(tmp_path, result(), bundle(picture))
    assert "feedback/ann-figure.png" not in written
    assert not (tmp_path / "feedback" / "ann-figure.png").exists()
    assert html.count("data:image/png;base64,") == 1 and "<script>" not in html
    line = next(ln for ln in md.splitlines() if ln.startswith("Your own figure"))
    assert line.startswith("Your own figure (shown by code cell 2 (``plt.plot(s, `acc`) <b>``))"
                           f": not shown, as {why}"), line


def test_no_judged_picture_or_no_bundles(tmp_path):
    _, html, _ = write(tmp_path / "a", result(judged=False), bundle(png_b64()))
    assert "Your own figure: not shown, as the plot check found no picture" in html
    assert html.count("data:image/png;base64,") == 1
    _, html, md = write(tmp_path / "b", result(), None)     # results alone: no bundles
    assert "Your own figure" not in html + md
    gone = SimpleNamespace(images={}, cells=[])             # a bundle that lost its pictures
    assert "no longer in the grader's records" in figure.own_figure(result(), gone).note[-1][1]


def test_figure_files_never_take_another_students_name():
    stems = {"bob": "bob", "x": "bob-figure", "y": "BOB-figure-2"}
    names = figure_names(stems)
    assert names["bob"] == "bob-figure-3" and names["x"] == "bob-figure-figure"
    assert len({n.lower() for n in [*names.values(), *stems.values()]}) == 6
