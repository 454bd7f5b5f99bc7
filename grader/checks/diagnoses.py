"""The catalogue of known mistakes: each a key, the sentence that names it and its fix.

A check names a mistake only after the grader computed that wrong variant itself and
found it equal to what the student's code returned (or, for the training mistakes,
after its own measurements point there); ``named(key)`` gives the sentence and the
details entry that records which diagnosis was made, so a feedback page says it in
words and grades.json says it by key.  One check names at most one mistake.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from reference import model

from ..probes import params_of
from .kept import Kept

MISTAKES = {
    "sigmoid_typo": "This is the lecture's typo 1/(1 - exp(-x)); the sigmoid is "
                    "1/(1 + exp(-x)).",
    "softmax": "It looks like a softmax over the classes; the course network puts a "
               "sigmoid on each output.",
    "loss_missing_term": "It looks like the (1 - y) log(1 - a) term is missing.",
    "loss_mean_over_classes": "It is the mean over the {n} classes; the course's loss is "
                              "their sum (use jnp.sum).",
    "divided_by_255": "The images look divided by 255; the course divides by 256.",
    "not_scaled": "The images look not divided by 256 at all.",
    "labels_not_one_hot": "The labels look like class numbers; the course keeps them "
                          "one-hot, as in the data file.",
    "w1_transposed": "W1 looks transposed: it must be d x 4761 so that W1 @ v works.",
    "percentage": "It looks like a percentage; return a fraction.",
    "grad_of_other_function": "It is the gradient of {what}, not of `{loss}`: use "
                              "jax.grad({loss}) on your loss.",
    "grad_wrt_image": "It is the gradient with respect to the image (4761 numbers), not "
                      "the parameters: jax.grad differentiates the first argument, params.",
    "learning_rate_small": "The accuracy history rises like the grader's own training with "
                           "a learning rate 10x smaller than the course's {lr:g}: check "
                           "the step size of the update.",
    "learning_rate_large": "The accuracy history behaves like the grader's own training "
                           "with a learning rate 10x larger than the course's {lr:g}: "
                           "check the step size of the update.",
    "update_sign": "The accuracy history stays where the grader's own training ends up when "
                   "the update adds the gradient (params + lr * grad climbs the loss) or the "
                   "step is far too large: the step is params - {lr:g} * grad.",
    "accuracy_on_training_set": "The recorded accuracies are the accuracy on the training "
                                "set ({train:.3f} for your final parameters), not on the "
                                "test set ({test:.3f}): record fractionCorrect on the "
                                "test images.",
    "trained_on_test_data": "The network looks trained on the test data: train on "
                            "training images only and keep the test set for measuring.",
}


# what a check's failure follows from, when an earlier check found it: recorded as the
# details' "cause" (the check that failed), never as a diagnosis of this check
CAUSES = {
    "loss_grad": "This follows from the failed gradient check: `{loss_grad}` is not the "
                 "gradient of the course's loss ({wrong} wrong), so the update steps do not "
                 "lower that loss and training longer will not help: fix `{loss_grad}` "
                 "first.",
}


def caused(check: str, **values) -> tuple[str, dict]:
    """(the sentence saying a failure follows from the failed ``check``, the details
    entry that records it)."""
    return CAUSES[check].format(**values), {"cause": check}


def named(key: str, **values) -> tuple[str, dict]:
    """(the sentence for mistake ``key``, the details entry that records it)."""
    return MISTAKES[key].format(**values), {"diagnosis": key}


def _cross_entropy_first_term(P, x, y):
    return jnp.sum(-y * jnp.log(model.net(P, x)))


def _mean_over_classes(P, x, y):
    return model.loss(P, x, y) / y.shape[0]


def _squared_error(P, x, y):
    return jnp.sum((model.net(P, x) - y) ** 2)


def _minus_loss(P, x, y):
    return -model.loss(P, x, y)


def _softmax_cross_entropy(P, x, y):
    return -jnp.sum(y * jax.nn.log_softmax(model.logits(P, x)))


# what a student's loss_grad is the gradient of, when it is not the loss's
OTHER_FUNCTIONS = {
    "the loss without its (1 - y) log(1 - a) term": _cross_entropy_first_term,
    "the mean over classes instead of the sum": _mean_over_classes,
    "the squared error sum((a - y)^2)": _squared_error,
    "minus the loss (the sign is flipped)": _minus_loss,
    "a softmax cross-entropy": _softmax_cross_entropy,
}


# their gradients in one compiled program (op by op, each call compiled ~100 programs)
_other_gradients = jax.jit(lambda P, x, y: [jax.grad(fn)(P, x, y)
                                            for fn in OTHER_FUNCTIONS.values()])
_OTHER = Kept(2)          # context -> the other functions' gradients on probe image 0


def _others(ctx) -> list:
    P = [jnp.asarray(p) for p in params_of(ctx.probes.inputs)]
    x, y = (jnp.asarray(ctx.probes.inputs[k][0]) for k in ("images", "labels"))
    return _other_gradients(P, x, y)


def other_gradient(ctx, grad) -> str:
    """Which known other function ``grad`` (the student's gradient on probe image 0,
    four arrays) is the gradient of, or ""."""
    refs = _OTHER.get((ctx,), lambda: _others(ctx))
    for what, ref in zip(OTHER_FUNCTIONS, refs):
        if len(grad) == 4 and all(ctx.close(a, b) for a, b in zip(grad, ref)):
            return what
    return ""
