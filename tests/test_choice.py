"""grader.checks.choice: which handed-over value is graded as the trained parameters."""
import jax
import numpy as np

from grader import probes
from grader.checks import choice
from grader.checks.context import Context
from grader.run.artifacts import Bundle
from reference import model, train
from reference.data import prepare
from tests.conftest import easy_arrays


def _ctx():
    tr, trl, te, tel = easy_arrays(n_train=600, n_test=200, seed=3)
    tx, ty = prepare(tr, trl)
    vx, vy = prepare(te, tel)
    return Context.build(probes.make((tx, ty, vx, vy), seed=1, n_images=2, batch_size=4),
                         rtol=1e-3, atol=1e-5), tx, ty, vx, vy


def _bundle(candidates, reading, last=None):
    arrays, found = {}, {}
    for key, (_, ps) in zip(("params", "params_alt1", "params_alt2"), candidates):
        for i, a in enumerate(ps):
            arrays[f"{key}/{i}"] = np.asarray(a, np.float64)
        found[key] = 4
    if last is not None:
        arrays["history"] = np.asarray([0.3, last])
    probe = {"found": found, "params_candidates": [n for n, _ in candidates],
             "params_excluded": ["grads"]}
    code = {"params": [{"name": n, "role": r, "score": s, "reason": f"{n} is {r}"}
                       for n, r, s in reading]}
    return Bundle(key="k", status="executed", probe=probe, arrays=arrays, code=code)


def test_equally_good_candidates_are_settled_by_the_last_recorded_accuracy():
    ctx, tx, ty, vx, vy = _ctx()
    start = model.init_params(jax.random.PRNGKey(0))
    trained = train.train_sgd(tx, ty, vx, vy, seed=0, n_records=2, record_every=500, lr=1e-2).params
    acc = choice.accuracy_of(trained, vx, vy)
    reading = [("p", "trained", 3.5), ("q", "trained", 3.5), ("grads", "gradient", 0.0)]
    b = _bundle([("p", start), ("q", trained)], reading, last=acc)
    got = choice.choose(b, ctx, {"history": "accuracies"})
    assert got.name == "q" and "nearest to the last recorded" in got.why
    assert set(got.others) == {"p", "grads"}
    said = choice.note(got, "params")
    assert said.startswith("no `params` in the notebook") and "`grads` (grads is gradient)" in said
    assert choice.choose(b, ctx, {"history": "accuracies"}) is got      # worked out once


def test_the_better_reading_wins_without_looking_at_accuracy():
    ctx, tx, ty, vx, vy = _ctx()
    start = model.init_params(jax.random.PRNGKey(0))
    trained = train.train_sgd(tx, ty, vx, vy, seed=0, n_records=2, record_every=500, lr=1e-2).params
    b = _bundle([("p", trained), ("p0", start)], [("p", "trained", 3.5), ("p0", "copy", 1.0)],
                last=0.3)                          # even a last record that fits p0 better
    got = choice.choose(b, ctx, {})
    assert got.name == "p" and "nearest" not in got.why
    assert choice.note(got, "p") == ""              # the contract name, nothing to explain
    broken = _bundle([("p", [np.zeros((3, 3))] * 4), ("p0", start)],
                     [("p", "trained", 3.5), ("p0", "copy", 1.0)])
    assert choice.choose(broken, ctx, {}).name == "p0"     # the only usable one
    diverged = _bundle([("p", [np.full_like(np.asarray(a), np.nan) for a in trained]),
                        ("p0", start)], [("p", "trained", 3.5), ("p0", "copy", 1.0)])
    assert choice.choose(diverged, ctx, {}).name == "p"    # NaN is the student's result


def test_accuracy_is_the_models_and_is_computed_once_per_parameters_and_data(monkeypatch):
    _, _, _, vx, vy = _ctx()
    a = model.init_params(jax.random.PRNGKey(0), d=8)
    b = model.init_params(jax.random.PRNGKey(1), d=8)
    expect = [float(model.fractionCorrect(p, vx, vy)) for p in (a, b)]
    calls = []
    real = choice._fraction_correct
    monkeypatch.setattr(choice, "_fraction_correct", lambda *args: calls.append(1) or real(*args))
    got = [choice.accuracy_of(p, vx, vy) for p in (a, b, [np.array(w) for w in a], b)]
    assert got == [expect[0], expect[1], expect[0], expect[1]] and len(calls) == 2
    choice.accuracy_of(a, vx[:50], vy[:50])        # another data set: computed again
    assert len(calls) == 3


def test_accuracy_of_values_without_bytes_is_still_computed(monkeypatch):
    _, _, _, vx, vy = _ctx()
    calls = []
    monkeypatch.setattr(choice, "_fraction_correct", lambda *args: calls.append(1) or 0.5)
    odd = [np.array([object()])] * 4
    assert choice.accuracy_of(odd, vx, vy) == choice.accuracy_of(odd, vx, vy) == 0.5
    assert len(calls) == 2
