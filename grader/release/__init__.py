"""The students' release folder: what ``grader assign --release DIR`` writes.

Students never install this package (it holds the solution notebook, the
reference model and a full-marks example). They get a folder with

* ``galaxy_classifier.ipynb``: the student notebook (``grader.student_notebook``);
* ``selfcheck.py``: a stand-alone self-check (copied from this package; it
  imports only numpy, nbformat and nbclient);
* ``selfcheck_expected.npz``: public inputs drawn from ``PUBLIC_SEED``
  (``grader.probes.public_inputs``) and the reference model's outputs on them
  (never the rubric's private probe seed), and the rubric's plot rule
  (``plot_min_points``, ``plot_values_atol``, ``plot_last_value_tolerance``);
* ``README.md`` and ``release.json`` (what was written, from what);
* ``dataG.pkl.gz`` only when the TA passes ``--data``.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from reference import model

from .. import rubric as rubric_mod
from ..checks.catalog import PLOT
from ..errors import data_errors, not_found
from ..probes import PUBLIC_SEED, params_of, public_inputs
from ..student_notebook import DEFAULT_NAME, AssignError, generate

MANIFEST = "release.json"
SELFCHECK = "selfcheck.py"
EXPECTED = "selfcheck_expected.npz"
HERE = Path(__file__).resolve().parent


def expected_values(inputs: dict, *, rtol: float, atol: float) -> dict:
    """The reference model's answers on ``inputs``, flattened for ``np.savez``."""
    p = params_of(inputs)
    fc_x, fc_y = inputs["fc_images"], inputs["fc_labels"].copy()
    # make about half of the labels right, so a wrong fractionCorrect cannot hit the value by chance
    half = len(fc_x) // 2
    guesses = np.argmax(np.asarray(model.batched_net(p, fc_x)), axis=1)
    fc_y[:half] = np.eye(model.N_CLASSES, dtype=np.float32)[guesses[:half]]
    out = dict(inputs, fc_labels=fc_y, rtol=np.float64(rtol), atol=np.float64(atol))
    out["net"] = np.stack([np.asarray(model.net(p, v)) for v in inputs["images"]])
    out["loss"] = np.stack([np.asarray(model.loss(p, v, y))
                            for v, y in zip(inputs["images"], inputs["labels"])])
    out["fractionCorrect"] = np.asarray(model.fractionCorrect(p, fc_x, fc_y))
    grads = {"loss_grad": model.loss_grad(p, inputs["images"][0], inputs["labels"][0]),
             "batch_loss_grad": model.batch_loss_grad(p, inputs["batch_images"],
                                                      inputs["batch_labels"])}
    for name, parts in grads.items():
        out.update({f"{name}.{i}": np.asarray(g) for i, g in enumerate(parts)})
    return out


def plot_settings(rub) -> dict:
    """The course's plot rule for the self-check (public: what the feedback says too)."""
    plot = rub.check(PLOT)
    return {"plot_min_points": np.int64(plot.min_points),
            "plot_values_atol": np.float64(plot.values_atol),
            "plot_last_value_tolerance": np.float64(plot.last_value_tolerance)}


def _check_target(target: Path, force: bool) -> None:
    """Refuse a target that is not ours, unless ``force``."""
    if not target.parent.is_dir():
        raise AssignError(not_found(target.parent, folder=True))
    if target.exists() and not target.is_dir():
        raise AssignError(f"{target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        what = ("holds a release already (a TA may have edited it)"
                if (target / MANIFEST).is_file() else "is not empty and is not a release folder")
        raise AssignError(f"{target}: folder {what}; refusing to write into it (use --force "
                          "to replace the release's files; other files are left alone)")


def _validate(*, release, solution, rubric, data, force):
    """All inputs checked before anything is computed or written."""
    notebook = generate(Path(solution))
    rub = rubric_mod.load(rubric)
    if rub.probes.seed == PUBLIC_SEED:
        raise AssignError(f"{rub.source}: probes.seed equals the self-check's public seed "
                          f"{PUBLIC_SEED}; choose another private probe seed")
    if data is not None:
        from reference.data import read_raw
        with data_errors():
            read_raw(data)      # one line naming the file
    target = Path(release)
    _check_target(target, force)
    return notebook, rub, target


def _readme(data_name: str, with_data: bool, min_points: int) -> str:
    text = (HERE / "README.md").read_text(encoding="utf-8")
    where = (f"`{data_name}` is included in this folder." if with_data else
             f"Your instructor gives you the data file; save it in this folder as `{data_name}`.")
    return (text.replace("{DATA}", where).replace("{DATA_NAME}", data_name)
            .replace("{MIN_POINTS}", str(min_points)))


def build(*, release, solution, rubric=None, data=None, force=False) -> Path:
    """Write the release folder ``release``; returns its path.

    Our files are replaced one by one (atomically); other files in the folder are
    left alone. Raises AssignError / RubricError / DataError (one line each).
    """
    notebook, rub, target = _validate(release=release, solution=solution, rubric=rubric,
                                      data=data, force=force)
    values = expected_values(public_inputs(), rtol=rub.probes.rtol, atol=rub.probes.atol)
    values.update(plot_settings(rub))
    data_name = rub.data.name_in_notebook
    stage = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        (stage / DEFAULT_NAME).write_text(notebook, encoding="utf-8")
        shutil.copyfile(HERE / SELFCHECK, stage / SELFCHECK)
        np.savez_compressed(stage / EXPECTED, **values)
        readme = _readme(data_name, data is not None, int(values["plot_min_points"]))
        (stage / "README.md").write_text(readme, encoding="utf-8")
        if data is not None:
            shutil.copyfile(data, stage / data_name)
        files = sorted(p.name for p in stage.iterdir())
        manifest = {"assignment": rub.assignment, "notebook": DEFAULT_NAME,
                    "public_seed": PUBLIC_SEED, "files": files + [MANIFEST]}
        (stage / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        target.mkdir(exist_ok=True)
        for name in files + [MANIFEST]:
            os.replace(stage / name, target / name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return target
