"""Build ``reference/solution.ipynb`` (the TA's notebook) from the cells below.

The notebook is kept here as code so that a change to it is an ordinary diff.
Regenerate both notebooks after editing this file:

    python tools/make_solution.py
    python -c "from grader.assign import main; main(solution='reference/solution.ipynb', \
out='assignment/galaxy_classifier.ipynb', force=True)"

(``python tools/make_solution.py --assign`` does both.)

Conventions the tests rely on (tests/test_solution.py):

* Code cells the students fill in start with ``# ANSWER CELL`` and carry the
  cell tag ``answer``; the solution sits between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` lines, which ``grader.assign`` turns into a
  ``raise NotImplementedError()`` stub.
* Cells tagged ``definitions`` (the imports and the function definitions)
  run without the data file and without training; the tests execute only
  those to compare the functions with ``reference.model``.
* ``N_RECORDS`` reads the environment variable ``GG_RECORDS`` (default 100) so
  tests and quick checks can shorten training.
* Cell ids are fixed strings, so the output is the same on every run.
"""
from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "reference" / "solution.ipynb"
STUDENT = ROOT / "assignment" / "galaxy_classifier.ipynb"

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
DEFINITIONS = "definitions"   # cell tag: safe to run without data or training
ANSWER = "answer"             # cell tag: students write code here


def _text(source: str) -> str:
    return textwrap.dedent(source).strip("\n")


def md(cell_id: str, source: str):
    return new_markdown_cell(_text(source), id=cell_id)


def code(cell_id: str, source: str, *tags: str):
    cell = new_code_cell(_text(source), id=cell_id)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


CELLS = [
    md("title", r"""
        # Sorting SDSS galaxies with a small neural network

        Each galaxy in this homework is a 69 x 69 pixel cutout from the Sloan Digital Sky
        Survey, in the g band only. Volunteers sorted the galaxies by shape; we keep five of
        the Galaxy10 SDSS classes and number them 0 to 4:

        | label | Galaxy10 class | what it looks like |
        |---|---|---|
        | 0 | 0 | disk seen face-on, no spiral arms |
        | 1 | 1 | smooth, completely round |
        | 2 | 2 | smooth, between round and elongated ("in-between") |
        | 3 | 4 | disk seen edge-on, with a rounded bulge |
        | 4 | 7 | disk seen face-on, tightly wound spiral |

        You will write, in JAX, a network with one hidden layer that maps the 4761 pixel
        values of an image to five numbers between 0 and 1, one per class, and train it with
        stochastic gradient descent until it labels at least 66 % of the *test* galaxies
        correctly. Smooth round galaxies are the most common class (a bit over a third), so
        always guessing that class is the score to beat by a wide margin.

        The parts: (a) read and prepare the data, (b) the network, (c) the loss and the
        accuracy, (d) gradient and training, (e) extra credit: mini-batches.
        """),
    md("contract", r"""
        ## How this notebook is graded: read this first

        The grader runs the notebook from top to bottom in a fresh kernel and then looks up
        the names below. **Keep these names and argument orders exactly as given**: a renamed
        function or variable counts as missing.

        | name | what it is | shape / type |
        |---|---|---|
        | `train_images`, `test_images` | images flattened to vectors, pixel values divided by 256 | `(N_train, 4761)`, `(N_test, 4761)` |
        | `train_labels`, `test_labels` | one-hot labels, as read from the file | `(N_train, 5)`, `(N_test, 5)` |
        | `net(params, imageVector)` | network output for one image | 5 numbers in (0, 1) |
        | `loss(params, imageVector, correctLabel)` | cross-entropy for one image | a scalar |
        | `loss_grad(params, imageVector, correctLabel)` | gradient of `loss` with respect to `params` | a list shaped like `params` |
        | `fractionCorrect(params, images, labels)` | fraction of images whose largest output is the labelled class | a scalar in [0, 1] |
        | `params` | the **trained** parameters `[W1, b1, W2, b2]` | `(100, 4761)`, `(100,)`, `(5, 100)`, `(5,)` |
        | `accuracies`, `steps` | test accuracy at each record, and the SGD step it was taken at | two lists of equal length, one entry per record |
        | `batch_loss_grad(params, images, labels)` | extra credit: gradient averaged over a batch | a list `[gW1, gb1, gW2, gb2]` |

        Ground rules:

        * **Data file.** Put the data file next to this notebook under the name
          `dataG.pkl.gz`. Do not add a cell that downloads it: grading machines have no
          network. Your instructor gives you the file; the `README.md` of the homework
          folder says where it goes.
        * **Time.** The whole notebook should finish in under about 3 minutes on a laptop
          CPU with 2 cores. The grader stops cells and notebooks that run too long.
        * **Training length.** Leave the line `N_RECORDS = int(os.environ.get("GG_RECORDS", 100))`
          as it is: quick checks shorten training through that environment variable.
        * **No training on test data.** Test images and labels are only for measuring
          accuracy, never for a gradient step.
        * **Where to write.** Code cells that start with `# ANSWER CELL` are yours: replace
          `raise NotImplementedError()` with your code. Leave the other cells as they are.
        """),
    code("imports", """
        import gzip
        import os
        import pickle
        import time

        import numpy as np
        import matplotlib.pyplot as plt

        import jax
        jax.config.update('jax_platform_name', 'cpu')   # run on the CPU, as in the lecture
        import jax.numpy as jnp
        from jax import grad, jit, vmap
        """, DEFINITIONS),

    md("part-a", r"""
        ## (a) Reading and preparing the data

        The data file is a Python pickle (a byte stream that rebuilds Python objects)
        compressed with gzip. It holds four arrays: training images, training labels, test
        images, test labels. Each image is a `69 x 69 x 1` array of pixel values from 0 to 255;
        each label is a one-hot vector of length 5 (a 1 at the position of the class).

        Loading a pickle can run code stored in it, so only unpickle files from a source you
        trust, such as the course's own data file.
        """),
    code("load", """
        (train_images_raw, train_labels, test_images_raw, test_labels) = pickle.load(
            gzip.open("dataG.pkl.gz", "rb"))

        print("training images:", train_images_raw.shape, train_images_raw.dtype)
        print("test images:    ", test_images_raw.shape)
        print("one label:      ", train_labels[0])
        counts = np.bincount(np.argmax(train_labels, axis=1), minlength=5)
        print("training images per class:", counts,
              f"(most common class: {counts.max() / counts.sum():.0%} of them)")
        """),
    md("show-text", r"""
        A few training galaxies with their labels. Each label is the position of the 1 in the
        one-hot vector.
        """),
    code("show", """
        CLASS_NAMES = ["disk, face-on, no spiral", "smooth, completely round",
                       "smooth, in-between round", "disk, edge-on, rounded bulge",
                       "disk, face-on, tight spiral"]

        fig, axes = plt.subplots(2, 5, figsize=(12, 5.6))
        for ax, image, label in zip(axes.flat, train_images_raw, train_labels):
            k = int(np.argmax(label))
            ax.imshow(image[:, :, 0], cmap="gray", vmin=0, vmax=255)
            ax.set_title(f"{k}: " + CLASS_NAMES[k].replace(", ", ",\\n", 1), fontsize=9)
            ax.axis("off")
        plt.show()
        """),
    md("prepare-text", r"""
        The network takes a plain vector, so each image becomes a vector of
        69 * 69 * 1 = 4761 numbers, divided by 256 to bring them into [0, 1). Store the
        results as `train_images` (shape `(N_train, 4761)`) and `test_images`
        (`(N_test, 4761)`). The labels need no change.

        Tip: convert to `float32` before dividing. Dividing the `uint8` array directly gives
        `float64`, twice the memory, and JAX works in `float32` anyway.
        """),
    code("prepare", """
        # ANSWER CELL
        ### BEGIN SOLUTION
        train_images = np.asarray(train_images_raw, dtype=np.float32).reshape(len(train_images_raw), 69 * 69) / 256
        test_images = np.asarray(test_images_raw, dtype=np.float32).reshape(len(test_images_raw), 69 * 69) / 256
        ### END SOLUTION
        print(train_images.shape, test_images.shape, train_images.dtype,
              float(train_images.min()), float(train_images.max()))
        """, ANSWER),

    md("part-b", r"""
        ## (b) The network

        With an input vector $v$ of 4761 pixel values and $d = 100$ hidden units,

        $$y_1 = \tanh(W_1 v + b_1), \qquad y_2 = W_2\, y_1 + b_2, \qquad a = \sigma(y_2),$$

        where the sigmoid $\sigma(x) = \dfrac{1}{1 + e^{-x}}$ acts on each of the five
        entries and squeezes it into (0, 1). (One lecture slide prints the sigmoid with a
        minus sign in the denominator, $1/(1 - e^{-x})$; that is a typo. With the plus sign,
        a large positive $x$ gives an output near 1 and a large negative one an output near 0.)

        The parameters are the list `params = [W1, b1, W2, b2]` with shapes `(d, 4761)`,
        `(d,)`, `(5, d)` and `(5,)`: 476,705 numbers in all. The network's guess is the class
        with the largest output.

        Write `net(params, imageVector)` for **one** image vector; part (c) maps it over many
        images with `jax.vmap`. Use `jnp` functions so that JAX can differentiate and compile it.
        """),
    code("net", """
        # ANSWER CELL
        def net(params, imageVector):
            \"\"\"Five outputs in (0, 1) for one image vector of length 4761.\"\"\"
            ### BEGIN SOLUTION
            W1, b1, W2, b2 = params
            hidden = jnp.tanh(W1 @ imageVector + b1)
            return 1.0 / (1.0 + jnp.exp(-(W2 @ hidden + b2)))
            ### END SOLUTION
        """, ANSWER, DEFINITIONS),
    md("init-text", r"""
        Start from small random parameters: 0.1 times draws from a standard normal
        distribution. JAX has no hidden global random state. Each draw takes an explicit key
        made from `jax.random.PRNGKey(seed)`; `jax.random.split` turns one key into several
        independent ones. The same key always gives the same numbers, so a run can be
        repeated exactly.
        """),
    code("init", """
        # ANSWER CELL
        d = 100          # hidden units
        n_in = 69 * 69   # 4761 pixels
        n_out = 5        # classes
        init_key = jax.random.PRNGKey(0)
        ### BEGIN SOLUTION
        k1, k2, k3, k4 = jax.random.split(init_key, 4)
        W1 = 0.1 * jax.random.normal(k1, (d, n_in))
        b1 = 0.1 * jax.random.normal(k2, (d,))
        W2 = 0.1 * jax.random.normal(k3, (n_out, d))
        b2 = 0.1 * jax.random.normal(k4, (n_out,))
        ### END SOLUTION
        params = [W1, b1, W2, b2]
        print("parameters:", sum(p.size for p in params))
        """, ANSWER),
    code("try-net", """
        a = net(params, train_images[0])
        print("outputs:", a)
        print("guess:", int(jnp.argmax(a)), "  label:", int(np.argmax(train_labels[0])))
        """),

    md("part-c", r"""
        ## (c) Loss and accuracy

        Training needs a single number that says how wrong the outputs $a$ are for an image
        whose one-hot label is $y$. We use the cross-entropy, summed over the five classes:

        $$L = \sum_{i=1}^{5} \Big[ -y_i \log a_i - (1 - y_i) \log(1 - a_i) \Big].$$

        For the correct class ($y_i = 1$) only $-\log a_i$ is left, which is small when
        $a_i$ is near 1; for the other classes only $-\log(1 - a_i)$ is left, which is small
        when $a_i$ is near 0. $L$ is zero only for a perfectly confident, correct answer.

        The direct way to write it is

        ```python
        a = net(params, imageVector)
        return jnp.sum(-correctLabel * jnp.log(a) - (1 - correctLabel) * jnp.log(1 - a))
        ```

        and that is a fine answer. The solution below computes the same numbers from $y_2$,
        using $\log \sigma(x)$ = `jax.nn.log_sigmoid(x)` and $1 - \sigma(x) = \sigma(-x)$.
        The two agree unless an output is rounded to exactly 0 or 1 in single precision
        (roughly $|y_2| > 17$), where the direct version gives infinity and the rewritten one
        stays finite.
        """),
    code("loss", """
        # ANSWER CELL
        def loss(params, imageVector, correctLabel):
            \"\"\"Summed cross-entropy between net(params, imageVector) and a one-hot label.\"\"\"
            ### BEGIN SOLUTION
            W1, b1, W2, b2 = params
            y2 = W2 @ jnp.tanh(W1 @ imageVector + b1) + b2   # net's output is sigmoid(y2)
            log_a = jax.nn.log_sigmoid(y2)                    # log(a)
            log_one_minus_a = jax.nn.log_sigmoid(-y2)         # log(1 - a)
            return jnp.sum(-correctLabel * log_a - (1 - correctLabel) * log_one_minus_a)
            ### END SOLUTION
        """, ANSWER, DEFINITIONS),
    code("try-loss", """
        a = net(params, train_images[0])
        y = train_labels[0]
        print("loss:         ", loss(params, train_images[0], y))
        print("direct formula:", jnp.sum(-y * jnp.log(a) - (1 - y) * jnp.log(1 - a)))
        """),
    md("accuracy-text", r"""
        `fractionCorrect(params, images, labels)` takes a whole array of image vectors
        (one per row) and the matching labels, and returns the fraction of images whose
        largest output sits at the same position as the 1 in the label.
        `jax.vmap(net, in_axes=(None, 0))` turns `net` into a function of a batch: `None`
        means "the same `params` for every image", `0` means "loop over the rows of the second
        argument". The loop happens inside JAX, which is much faster than a Python loop.
        """),
    code("fraction-correct", """
        # ANSWER CELL
        def fractionCorrect(params, images, labels):
            \"\"\"Fraction of the rows of `images` whose largest output is the labelled class.\"\"\"
            ### BEGIN SOLUTION
            outputs = vmap(net, in_axes=(None, 0))(params, images)   # shape (N, 5)
            guesses = jnp.argmax(outputs, axis=1)
            truth = jnp.argmax(labels, axis=1)
            return jnp.mean(guesses == truth)
            ### END SOLUTION
        """, ANSWER, DEFINITIONS),
    md("try-accuracy-text", r"""
        Untrained, the network is close to guessing: the score depends on which class the
        random start happens to favour (about 30 % on the course data).
        """),
    code("try-accuracy", """
        print("test accuracy before training:", float(fractionCorrect(params, test_images, test_labels)))
        """),

    md("part-d", r"""
        ## (d) Gradient and training

        `jax.grad(loss)` is a new function that returns the derivative of `loss` with respect
        to its first argument, `params`, in the same list layout `[dW1, db1, dW2, db2]`.
        Wrapping it in `jax.jit` compiles it the first time it is called, and the compiled
        version is reused afterwards.
        """),
    code("loss-grad", """
        # ANSWER CELL
        ### BEGIN SOLUTION
        loss_grad = jit(grad(loss))
        ### END SOLUTION
        """, ANSWER, DEFINITIONS),
    code("try-grad", """
        g = loss_grad(params, train_images[0], train_labels[0])
        print([gi.shape for gi in g])
        """),
    md("sgd-text", r"""
        **Stochastic gradient descent.** Each step picks **one** random image from the
        *training* set, computes `loss_grad` for it, and moves every parameter a little
        against its gradient: `p -> p - 0.001 * dp` (learning rate 1e-3). Following the
        gradient of one image at a time is noisy, and that noise helps: the parameters never
        settle on fitting the training set exactly, which keeps the network from memorising
        it. Every 2000 steps, measure the accuracy on the *test* set and keep it in
        `accuracies` (and the step number in `steps`). Test data must never be used for a
        step.

        The course asks for at least 50 records (100,000 steps); 100 records (200,000 steps) leaves a safer margin above 0.66.

        **Why the loop below is compiled.** The simplest version is a Python loop:

        ```python
        for step in range(2000):
            i = np.random.randint(len(train_images))
            g = loss_grad(params, train_images[i], train_labels[i])
            params = [p - 0.001 * dp for p, dp in zip(params, g)]
        ```

        It is correct, but every step is a separate call from Python into compiled code, and
        the fixed cost of each call is larger than the arithmetic for one small image. On a
        2-core laptop that is about 2,000 steps per second. Putting the 2000 steps between two
        records into one compiled function with `jax.lax.scan` (a loop that JAX compiles as a
        whole, carrying `params` from one step to the next) removes the per-step calls and is
        about five times faster, around 10,000 steps per second. The random image indices come from a JAX
        key, like the initial parameters. Either version is accepted, as long as the notebook
        stays within the time limit.
        """),
    code("train", """
        # ANSWER CELL
        LEARNING_RATE = 1e-3
        STEPS_PER_RECORD = 2000
        N_RECORDS = int(os.environ.get("GG_RECORDS", 100))  # 100 records = 200,000 steps
        steps = []        # SGD step at which each accuracy was measured
        accuracies = []   # test accuracy after that step
        ### BEGIN SOLUTION
        @jit
        def sgd_block(params, key, images, labels):
            \"\"\"STEPS_PER_RECORD SGD steps, each on one randomly chosen training image.\"\"\"
            picks = jax.random.randint(key, (STEPS_PER_RECORD,), 0, images.shape[0])

            def one_step(params, i):
                g = loss_grad(params, images[i], labels[i])
                return [p - LEARNING_RATE * dp for p, dp in zip(params, g)], None

            params, _ = jax.lax.scan(one_step, params, picks)
            return params

        train_x, train_y = jnp.asarray(train_images), jnp.asarray(train_labels)   # convert once
        test_x, test_y = jnp.asarray(test_images), jnp.asarray(test_labels)
        test_accuracy = jit(fractionCorrect)
        train_key = jax.random.PRNGKey(1)
        start = time.perf_counter()
        for record in range(N_RECORDS):
            train_key, block_key = jax.random.split(train_key)
            params = sgd_block(params, block_key, train_x, train_y)   # training data only
            steps.append((record + 1) * STEPS_PER_RECORD)
            accuracies.append(float(test_accuracy(params, test_x, test_y)))   # test data: measure only
            if (record + 1) % 10 == 0 or record + 1 == N_RECORDS:
                print(f"step {steps[-1]:>7}: test accuracy {accuracies[-1]:.3f}")
        elapsed = time.perf_counter() - start
        print(f"{steps[-1]} steps in {elapsed:.1f} s, {steps[-1] / elapsed:,.0f} steps per second")
        ### END SOLUTION
        """, ANSWER),
    md("plot-text", r"""
        Plot the test accuracy against the step number. Draw the measured points with
        markers, not only a line, so that every record is visible even where the curve is
        nearly flat. The dashed line marks the 66 % goal.
        """),
    code("plot", """
        # ANSWER CELL
        ### BEGIN SOLUTION
        fig, ax = plt.subplots(figsize=(7, 4.5))
        ax.plot(steps, accuracies, "o-", markersize=4, label="test accuracy")
        ax.axhline(0.66, color="gray", linestyle="--", label="goal: 0.66")
        ax.set_xlabel("SGD step (one training image per step)")
        ax.set_ylabel("fraction of test images correct")
        ax.set_title("Test accuracy during training")
        ax.legend(loc="lower right")
        plt.show()
        ### END SOLUTION
        print(f"final test accuracy: {accuracies[-1]:.3f} (best: {max(accuracies):.3f})")
        """, ANSWER),
    md("plot-remarks", r"""
        The curve wobbles from one record to the next: every block of 2000 steps follows a
        different random sequence of images, and the last images seen always pull the
        parameters their way. How fast it climbs, and whether it has flattened by the last
        record, depends on the data set; if it is still rising at the end, 100 records gain a
        little more. `params` now holds the trained network.
        """),

    md("part-e", r"""
        ## (e) Extra credit (5 points): mini-batches

        Instead of stepping on the gradient of a single image, average the gradient over a
        small batch of images (about ten) and take one step with the average. The average is
        less noisy than any single gradient.

        1. Write `batch_loss_grad_loop(params, images, labels)` with a Python loop over the
           batch that averages `loss_grad`.
        2. Write `batch_loss_grad(params, images, labels)` that does the same with `jax.vmap`:
           `vmap(grad(loss), in_axes=(None, 0, 0))` computes all per-image gradients at once
           (the same `params`, looping over the rows of `images` and `labels`); average them
           over the batch axis. Return a list `[gW1, gb1, gW2, gb2]` shaped like `params`.
        3. Check that the two agree.
        """),
    code("batch-loop", """
        # ANSWER CELL (extra credit)
        def batch_loss_grad_loop(params, images, labels):
            \"\"\"Mean of loss_grad over the rows of images/labels, with a Python loop.\"\"\"
            ### BEGIN SOLUTION
            total = [jnp.zeros_like(p) for p in params]
            for image, label in zip(images, labels):
                g = loss_grad(params, image, label)
                total = [t + dp for t, dp in zip(total, g)]
            return [t / len(images) for t in total]
            ### END SOLUTION
        """, ANSWER, DEFINITIONS),
    code("batch-vmap", """
        # ANSWER CELL (extra credit)
        def batch_loss_grad(params, images, labels):
            \"\"\"Mean of the per-image gradients of loss over a batch, with jax.vmap.\"\"\"
            ### BEGIN SOLUTION
            per_image = vmap(grad(loss), in_axes=(None, 0, 0))(params, images, labels)
            return [jnp.mean(g, axis=0) for g in per_image]
            ### END SOLUTION
        """, ANSWER, DEFINITIONS),
    code("batch-compare", """
        batch = np.random.default_rng(2).integers(0, len(train_images), 10)   # ten training images
        images, labels = jnp.asarray(train_images[batch]), jnp.asarray(train_labels[batch])

        t0 = time.perf_counter()
        g_loop = batch_loss_grad_loop(params, images, labels)
        t1 = time.perf_counter()
        g_vmap = batch_loss_grad(params, images, labels)
        jax.block_until_ready(g_vmap)
        t2 = time.perf_counter()
        print(f"loop: {t1 - t0:.3f} s, vmap: {t2 - t1:.3f} s (first calls, compile time included)")
        for name, x, y in zip(["W1", "b1", "W2", "b2"], g_loop, g_vmap):
            print(f"{name}: largest difference {float(jnp.max(jnp.abs(x - y))):.1e}")
            assert jnp.allclose(x, y, rtol=1e-4, atol=1e-6), name
        print("the loop and vmap gradients agree")
        """),
    md("minibatch-text", r"""
        Optional: a short training run with mini-batches, from the same random start as in
        part (b). One step on the average of 10 gradients with learning rate 10 x 0.001 moves
        the parameters about as far as ten single-image steps, with less noise, so 2000
        mini-batch steps see as many images as 20,000 single-image steps. Each step costs
        more than ten single-image steps here, because `vmap` first builds all ten full
        gradients and only then averages them. The trained single-image network in `params`
        is left untouched.
        """),
    code("minibatch", """
        # ANSWER CELL (extra credit, optional)
        BATCH_SIZE = 10
        MB_STEPS = 20 * N_RECORDS   # 2000 by default; a shortened run stays short
        MB_LEARNING_RATE = 10 * LEARNING_RATE
        ### BEGIN SOLUTION
        @jit
        def minibatch_run(params, key, images, labels):
            picks = jax.random.randint(key, (MB_STEPS, BATCH_SIZE), 0, images.shape[0])

            def one_step(params, idx):
                g = batch_loss_grad(params, images[idx], labels[idx])
                return [p - MB_LEARNING_RATE * dp for p, dp in zip(params, g)], None

            params, _ = jax.lax.scan(one_step, params, picks)
            return params

        k1, k2, k3, k4 = jax.random.split(init_key, 4)   # the same start as part (b)
        mb_start = [0.1 * jax.random.normal(k1, (d, n_in)), 0.1 * jax.random.normal(k2, (d,)),
                    0.1 * jax.random.normal(k3, (n_out, d)), 0.1 * jax.random.normal(k4, (n_out,))]
        t0 = time.perf_counter()
        mb_params = minibatch_run(mb_start, jax.random.PRNGKey(3), train_x, train_y)
        mb_accuracy = float(test_accuracy(mb_params, test_x, test_y))
        print(f"{MB_STEPS} mini-batch steps of {BATCH_SIZE} images in {time.perf_counter() - t0:.1f} s: "
              f"test accuracy {mb_accuracy:.3f}")
        if MB_STEPS * BATCH_SIZE in steps:
            same = steps.index(MB_STEPS * BATCH_SIZE)
            print(f"single-image SGD after {steps[same]} steps (as many images): {accuracies[same]:.3f}")
        ### END SOLUTION
        """, ANSWER),

    md("self-check", r"""
        ## Before you hand it in

        1. Restart the kernel and run all cells (Kernel -> Restart & Run All). The notebook
           must run from top to bottom without errors, in under about 3 minutes. (If you skip
           the extra credit, the cells of part (e) stop with `NotImplementedError`; that is fine.)
        2. From a terminal in this folder, run the self-check that came with the notebook:

        ```bash
        python selfcheck.py galaxy_classifier.ipynb           # runs the whole notebook
        python selfcheck.py --quick galaxy_classifier.ipynb   # a fast look with shortened training
        ```

           It calls your functions on public inputs. The TA grades with different, private
           inputs and galaxies you have not seen, so write what the notebook asks for, not
           what makes the self-check pass.
        """),
]


def build():
    nb = new_notebook(cells=CELLS)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    return nb


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write reference/solution.ipynb.")
    ap.add_argument("--out", default=str(SOLUTION))
    ap.add_argument("--assign", action="store_true",
                    help=f"also regenerate {STUDENT.relative_to(ROOT)} with grader.assign")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from grader.assign import main as assign_main, render
    out = Path(args.out)
    out.write_text(render(build()), encoding="utf-8")
    print(f"wrote {out}")
    if args.assign:
        assign_main(solution=out, out=STUDENT, force=True)
        print(f"wrote {STUDENT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
