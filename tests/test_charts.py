"""grader.report.charts: PNGs kept in the batch's cache, drawn again only when their
inputs change."""
import os

import pytest

from grader.report import charts

STEPS, VALUES = [100, 200, 300], [0.2, 0.5, 0.7]


def counting(monkeypatch):
    drawn = []
    real = charts._accuracy_curve

    def draw(*args):
        drawn.append(args)
        return real(*args)
    monkeypatch.setattr(charts, "_accuracy_curve", draw)
    return drawn


def test_a_kept_curve_is_read_back_not_drawn_again(tmp_path, monkeypatch):
    drawn = counting(monkeypatch)
    first = charts.accuracy_curve_png(STEPS, VALUES, 0.66, "Test accuracy: a", cache=tmp_path)
    again = charts.accuracy_curve_png(STEPS, VALUES, 0.66, "Test accuracy: a", cache=tmp_path)
    assert first == again and first.startswith(charts.PNG_SIGNATURE)
    assert len(drawn) == 1 and len(list(tmp_path.glob("*.png"))) == 1


@pytest.mark.parametrize("change", [
    {"values": [0.2, 0.5, 0.71]}, {"steps": [100, 200, 400]}, {"threshold": 0.7},
    {"title": "Test accuracy: b"}, {"xlabel": "record"}])
def test_any_changed_input_draws_a_new_curve(tmp_path, monkeypatch, change):
    drawn = counting(monkeypatch)
    args = {"steps": STEPS, "values": VALUES, "threshold": 0.66, "title": "t",
            "xlabel": "training step"}
    charts.accuracy_curve_png(**args, cache=tmp_path)
    charts.accuracy_curve_png(**{**args, **change}, cache=tmp_path)
    assert len(drawn) == 2 and len(list(tmp_path.glob("*.png"))) == 2


def test_a_kept_file_that_is_not_a_png_is_drawn_again_and_replaced(tmp_path, monkeypatch):
    first = charts.accuracy_curve_png(STEPS, VALUES, cache=tmp_path)
    (kept,) = tmp_path.glob("*.png")
    kept.write_bytes(b"not a picture")
    drawn = counting(monkeypatch)
    assert charts.accuracy_curve_png(STEPS, VALUES, cache=tmp_path) == first
    assert len(drawn) == 1 and kept.read_bytes() == first


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_cache_that_cannot_be_written_still_gives_the_curve(tmp_path):
    tmp_path.chmod(0o500)
    try:
        png = charts.accuracy_curve_png(STEPS, VALUES, cache=tmp_path / "charts")
    finally:
        tmp_path.chmod(0o700)
    assert png == charts.accuracy_curve_png(STEPS, VALUES)


def test_a_cache_that_is_a_file_still_gives_the_curve(tmp_path):
    blocker = tmp_path / "charts"
    blocker.write_text("a file where the folder should be")
    assert charts.accuracy_curve_png(STEPS, VALUES, cache=blocker) == \
        charts.accuracy_curve_png(STEPS, VALUES)
