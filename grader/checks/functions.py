"""Checks of the student's functions on the grader's probe inputs."""
from __future__ import annotations

import numpy as np

from ..message import say, student
from ..results import CheckResult
from .catalog import EXTRA_CREDIT, FRACTION_CORRECT, LOSS, LOSS_GRAD, NET
from .diagnoses import named, other_gradient
from .kept import Kept
from ..run.compact import directional
from ..run.protocol import FINITE_DIFFERENCES, result_key


def _error(bundle, key):
    return bundle.probe.get("errors", {}).get(key, "")


def _failed(bundle, role, n, missing):
    """The key of the first of ``role``'s ``n`` calls that left nothing and has an error
    recorded by the probe; else ``role`` (where a missing name's error is)."""
    keys = [result_key(role, i) for i in range(n) if missing(result_key(role, i))]
    return next((k for k in keys if _error(bundle, k)), role)


def _missing(name, spec, bundle, role, label):
    err = _error(bundle, role)
    why = student(err) if err else say("`{label}` returned nothing the grader could read",
                                       label=label)
    return CheckResult(name, 0.0, spec.points, say("could not check `{label}`: {why}",
                                                   label=label, why=why))


def check_net(bundle, ctx, spec, names) -> CheckResult:
    outs = [bundle.arrays.get(result_key("net", i)) for i in range(len(ctx.net))]
    if any(o is None for o in outs):
        first = next(k for k in (result_key("net", i) for i in range(len(ctx.net))) if k not in bundle.arrays)
        return _missing(NET, spec, bundle, first if _error(bundle, first) else "net", names["net"])
    shapes = {tuple(o.shape) for o in outs}
    if shapes != {(ctx.net[0].shape[0],)}:
        return CheckResult(NET, 0.0, spec.points,
                           f"`{names['net']}` returned shape {sorted(shapes)[0]}; expected (5,) for one image")
    if not all(np.all((o > 0) & (o < 1)) for o in outs):
        z = [np.log(r / (1 - r)) for r in ctx.net]
        typo = [1 / (1 - np.exp(-zz)) for zz in z]
        hint, seen = named("sigmoid_typo") if all(ctx.close(o, t) for o, t in zip(outs, typo)) \
            else ("", {})
        return CheckResult(NET, 0.0, spec.points,
                           f"`{names['net']}` outputs are not all between 0 and 1, so the output "
                           "layer is not a sigmoid." + (" " + hint if hint else ""), details=seen)
    if all(ctx.close(o, r) for o, r in zip(outs, ctx.net)):
        return CheckResult(NET, spec.points, spec.points,
                           f"`{names['net']}` matches the reference on {len(outs)} probe images")
    worst = max(float(np.max(np.abs(o - r))) for o, r in zip(outs, ctx.net))
    z = [np.log(r / (1 - r)) for r in ctx.net]             # the reference's pre-activations
    softmax = [np.exp(zz - zz.max()) / np.exp(zz - zz.max()).sum() for zz in z]
    hint, seen = named("softmax") if all(ctx.close(o, m) for o, m in zip(outs, softmax)) else \
        ("check the layer order, tanh, and that W1 is d x 4761.", {})
    return CheckResult(NET, 0.0, spec.points,
                       f"`{names['net']}` outputs differ from sigmoid(W2 tanh(W1 v + b1) + b2) by up to "
                       f"{worst:.3g}. {hint[0].upper()}{hint[1:]}",
                       details={"max_abs_diff": worst, **seen})


def check_loss(bundle, ctx, spec, names) -> CheckResult:
    vals = [bundle.arrays.get(result_key("loss", i)) for i in range(len(ctx.loss))]
    if any(v is None for v in vals):
        return _missing(LOSS, spec, bundle,
                        _failed(bundle, "loss", len(vals), lambda k: k not in bundle.arrays),
                        names["loss"])
    if any(np.asarray(v).size != 1 for v in vals):
        return CheckResult(LOSS, 0.0, spec.points, f"`{names['loss']}` must return a single number per image")
    got = [float(np.asarray(v).reshape(())) for v in vals]
    if all(ctx.close(g, r) for g, r in zip(got, ctx.loss)):
        return CheckResult(LOSS, spec.points, spec.points,
                           f"`{names['loss']}` matches the cross-entropy on {len(got)} probe images")
    hint, seen = _loss_hint(ctx, got)
    return CheckResult(LOSS, 0.0, spec.points,
                       f"`{names['loss']}` differs from sum -y log(a) - (1 - y) log(1 - a) "
                       f"(e.g. {got[0]:.5g} instead of {ctx.loss[0]:.5g})." +
                       (" " + hint if hint else ""), details=seen)


def _loss_hint(ctx, got):
    """Name a known wrong variant of the loss when the student's values match it."""
    Y = ctx.probes.inputs["labels"]
    first_term = [float(np.sum(-y * np.log(a))) for y, a in zip(Y, ctx.net)]
    if all(ctx.close(g, f) for g, f in zip(got, first_term)):
        return named("loss_missing_term")
    n_classes = len(Y[0])
    if all(ctx.close(g, r / n_classes) for g, r in zip(got, ctx.loss)):
        return named("loss_mean_over_classes", n=n_classes)
    return "", {}


def _student_grads(bundle, ctx) -> list:
    return [bundle.get_list(result_key("loss_grad", i)) for i in range(len(ctx.grads))]


_REFERENCE_GRADIENT = Kept(8)     # (bundle, context) -> bool: asked by several checks


def gradient_is_reference(bundle, ctx) -> bool:
    """The student's loss_grad equals the reference gradient on every probe image."""
    return _REFERENCE_GRADIENT.get((bundle, ctx), lambda: all(
        g is not None and len(g) == 4 and all(ctx.close(a, b) for a, b in zip(g, r))
        for g, r in zip(_student_grads(bundle, ctx), ctx.grads)))


GRAD_PARTS = ("gW1", "gb1", "gW2", "gb2")     # the gradient of params = [W1, b1, W2, b2]


def gradient_is_wrong(bundle, ctx) -> bool:
    """The student's loss_grad was read on every probe image and is not the reference
    gradient: the loss_grad check failed on what it returned (not for want of it)."""
    return all(g is not None for g in _student_grads(bundle, ctx)) and \
        not gradient_is_reference(bundle, ctx)


def wrong_parts(bundle, ctx) -> list:
    """The parts of the student's gradient that differ from the reference on some probe
    image (all of them when it is not a list of four arrays)."""
    grads = _student_grads(bundle, ctx)
    if any(g is None or len(g) != 4 for g in grads):
        return list(GRAD_PARTS)
    return [name for i, name in enumerate(GRAD_PARTS)
            if not all(ctx.close(g[i], r[i]) for g, r in zip(grads, ctx.grads))]


def _parts_said(wrong) -> str:
    """' Wrong: gW1, gb1 (gW2, gb2 are right) ...', the parts named as in params."""
    right = [p for p in GRAD_PARTS if p not in wrong]
    said = f" Wrong: {', '.join(wrong)}" + (f" ({', '.join(right)} right)" if right else
                                            " (every part)")
    return said + "; the gradient's parts follow params = [W1, b1, W2, b2]."


def check_loss_grad(bundle, ctx, spec, names) -> CheckResult:
    grads = _student_grads(bundle, ctx)
    single = bundle.arrays.get(result_key("loss_grad", 0))
    if grads[0] is None and single is not None and np.shape(single) == ctx.probes.inputs["images"][0].shape:
        hint, seen = named("grad_wrt_image")
        return CheckResult(LOSS_GRAD, 0.0, spec.points, f"`{names['loss_grad']}` returned one "
                           f"array of shape {np.shape(single)}. {hint}", details=seen)
    if any(g is None for g in grads):
        return _missing(LOSS_GRAD, spec, bundle,
                        _failed(bundle, "loss_grad", len(grads), lambda k: bundle.get_list(k) is None),
                        names["loss_grad"])
    if gradient_is_reference(bundle, ctx):
        return CheckResult(LOSS_GRAD, spec.points, spec.points,
                           f"`{names['loss_grad']}` equals the gradient of the reference loss")
    consistent, detail = _self_consistent(bundle, ctx, grads[0])
    wrong = wrong_parts(bundle, ctx)
    detail, which = {**detail, "wrong_parts": wrong}, _parts_said(wrong)
    partial = float(spec.self_consistent_points)
    if consistent:
        return CheckResult(LOSS_GRAD, min(partial, spec.points), spec.points,
                           f"`{names['loss_grad']}` is not the gradient of the correct loss, but it is the "
                           f"gradient of your own `{names['loss']}` (finite differences agree): partial "
                           f"credit.{which}", details=detail)
    if detail.get("reason", "").startswith("the loss does not change"):
        return CheckResult(LOSS_GRAD, 0.0, spec.points,
                           f"`{names['loss_grad']}` is not the reference gradient, and your `{names['loss']}` does not "
                           f"change with the parameters, so no gradient of it can be checked.{which}",
                           details=detail)
    other = other_gradient(ctx, grads[0])
    if other:
        hint, seen = named("grad_of_other_function", what=other, loss=names["loss"])
        return CheckResult(LOSS_GRAD, 0.0, spec.points,
                           f"`{names['loss_grad']}` is not the gradient of the course loss. {hint}{which}",
                           details={**detail, **seen})
    return CheckResult(LOSS_GRAD, 0.0, spec.points,
                       f"`{names['loss_grad']}` is neither the reference gradient nor the gradient of your "
                       f"`{names['loss']}` (finite differences disagree); use jax.grad(loss).{which}",
                       details=detail)


FLAT_LOSS = 1e-4      # a loss whose every directional derivative is below this is constant


def _self_consistent(bundle, ctx, grad):
    """Compare the student's gradient with central differences of the student's loss."""
    inp = ctx.probes.inputs
    h = float(inp["fd_step"][0])
    dirs = inp["directions"]
    rows = []
    for j in range(len(dirs) // 4):
        plus, minus = (bundle.arrays.get(result_key(t, j)) for t in FINITE_DIFFERENCES)
        if plus is None or minus is None or len(grad) != 4:
            return False, {"reason": "finite differences unavailable"}
        if any(np.shape(g) != np.shape(d) for g, d in zip(grad, dirs[4 * j:4 * j + 4])):
            return False, {"reason": "gradient shapes do not match the parameters"}
        fd = (float(np.asarray(plus).reshape(-1)[0]) - float(np.asarray(minus).reshape(-1)[0])) / (2 * h)
        try:
            an = sum(directional(g, d, j) for g, d in zip(grad, dirs[4 * j:4 * j + 4]))
        except ValueError:
            return False, {"reason": "gradient shapes do not match the parameters"}
        rows.append((fd, an))
    detail = {"finite_differences": [r[0] for r in rows], "directional": [r[1] for r in rows]}
    if not any(abs(fd) > FLAT_LOSS for fd, _ in rows):
        return False, {**detail, "reason": "the loss does not change with the parameters"}
    ok = all(np.isfinite(an) and abs(fd - an) <= 2e-2 * max(abs(fd), abs(an)) + 1e-3
             for fd, an in rows)
    return ok, detail


def check_fraction_correct(bundle, ctx, spec, names) -> CheckResult:
    v = bundle.arrays.get("fraction_correct")
    if v is None:
        return _missing(FRACTION_CORRECT, spec, bundle, "fraction_correct",
                        names["fraction_correct"])
    n = len(ctx.probes.inputs["fc_images"])
    v, per_image = np.asarray(v, np.float64), ""
    if v.shape == (n,) and np.all((v == 0) | (v == 1)):    # one right/wrong per image
        v, per_image = v.mean(), (" (it returns one right/wrong value per image; the grader "
                                  "took their mean: return jnp.mean(...) for the fraction)")
    if v.size != 1:
        return CheckResult(FRACTION_CORRECT, 0.0, spec.points,
                           f"`{names['fraction_correct']}` must return one number (a fraction), "
                           f"or one right/wrong value per image; it returned shape {v.shape}")
    got = float(v.reshape(()))
    if abs(got - ctx.fraction_correct) <= 0.5 / n:
        return CheckResult(FRACTION_CORRECT, spec.points, spec.points,
                           f"`{names['fraction_correct']}` is right on a batch of {n} images"
                           + per_image)
    hint, seen = named("percentage") if abs(got - 100 * ctx.fraction_correct) <= 50 / n \
        else ("", {})
    return CheckResult(FRACTION_CORRECT, 0.0, spec.points,
                       f"`{names['fraction_correct']}` gave {got:.4g} on a batch where the right value is "
                       f"{ctx.fraction_correct:.4g}." + (" " + hint if hint else ""), details=seen)


def _batch_note(bundle, names) -> tuple[str, str]:
    """(the name the mini-batch gradient was found under, what the grader did with it)."""
    probe = bundle.probe if isinstance(bundle.probe, dict) else {}
    alt = probe.get("batch_grad_name")
    name = student(alt[:60]) if isinstance(alt, str) and alt else names["batch_grad"]
    said = say(" (found as `{name}`: no `{contract}` in the notebook)", name=name,
               contract=names["batch_grad"]) if name != names["batch_grad"] else ""
    means = probe.get("per_image_mean")
    if isinstance(means, list) and "batch_grad" in means:
        said += say("; `{name}` returns one gradient per image, and their mean over the "
                    "batch (which the grader took) is the mini-batch gradient", name=name)
    return name, said


def check_extra_credit(bundle, ctx, spec, names) -> CheckResult:
    g = bundle.get_list("batch_grad")
    name, said = _batch_note(bundle, names)
    if g is None:
        err = _error(bundle, "batch_grad")
        return CheckResult(EXTRA_CREDIT, 0.0, spec.points,
                           say("no mini-batch gradient `{name}` found", name=names["batch_grad"])
                           + (say(" ({err})", err=student(err)) if err else ""),
                           extra_credit=True)
    if len(g) == 4 and all(ctx.close(a, b) for a, b in zip(g, ctx.batch_grad)):
        return CheckResult(EXTRA_CREDIT, spec.points, spec.points,
                           say("the mini-batch gradient equals the mean of per-image "
                               "gradients{said}", said=said), extra_credit=True)
    return CheckResult(EXTRA_CREDIT, 0.0, spec.points,
                       say("the mini-batch gradient `{name}` is not the mean of the per-image "
                           "gradients (vmap grad(loss) with in_axes=(None, 0, 0), then "
                           "average){said}", name=name, said=said), extra_credit=True)
