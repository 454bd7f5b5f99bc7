"""Student notebooks for the integrity report's tests: honest work in different styles and
planted copies of one of them.

Each honest student fills the answer cells of the notebook ``grader assign`` generates
(given cells kept, as students hand it in), following the same lecture (the course
network sigmoid(W2 tanh(W1 x + b1) + b2), the summed cross-entropy, ``jax.grad``, SGD
recording test accuracies, a matplotlib plot) in their own style: parameters as a list,
dict or tuple, Python loops or vmap, scan, fori_loop or a plain loop, different helpers.
``copies(name)`` makes the planted copies of one: renamed identifiers, moved cells,
changed comments, and all three together.
"""
from __future__ import annotations

import io
import keyword
import random
import re
import tokenize

import nbformat

from grader import student_notebook

STUB = re.compile(r"^([ \t]*)# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)\n?", re.M)
ANSWERS = ("data", "net", "init", "loss", "fraction", "grad", "train", "plot", "loop", "vmap",
           "minibatch")


def template():
    return nbformat.reads(student_notebook.generate(student_notebook.default_solution()),
                          as_version=4)


def filled(answers: dict):
    """The student notebook with its answer cells filled: a value replaces the stub
    (indented like it); a value starting with "def " or "@" replaces the whole cell."""
    nb = template()
    cells = [c for c in nb.cells if "answer" in c.metadata.get("tags", [])]
    for name, cell in zip(ANSWERS, cells):
        text = answers.get(name)
        if text is None:
            continue
        text = text.strip("\n")
        if text.startswith(("def ", "@", "#!cell\n")):
            cell.source = cell.source.split("\n")[0] + "\n" + text.removeprefix("#!cell\n")
        else:
            m = STUB.search(cell.source)
            body = "\n".join(m.group(1) + ln if ln else ln for ln in text.split("\n"))
            cell.source = cell.source[:m.start()] + body + "\n" + cell.source[m.end():]
    return nb


HONEST = {
    "ana": {  # list params, helper sigmoid, Python loops, plain SGD loop with numpy
        "data": """
train_images = train_images_raw.reshape(train_images_raw.shape[0], -1).astype(np.float32) / 256.
test_images = test_images_raw.reshape(test_images_raw.shape[0], -1).astype(np.float32) / 256.
""",
        "net": """
def sigmoid(x):
    return 1 / (1 + jnp.exp(-x))

def net(params, imageVector):
    W1, b1, W2, b2 = params
    y1 = jnp.tanh(jnp.dot(W1, imageVector) + b1)
    y2 = jnp.dot(W2, y1) + b2
    return sigmoid(y2)
""",
        "init": """
keys = jax.random.split(init_key, 4)
W1 = 0.1 * jax.random.normal(keys[0], (d, n_in))
b1 = 0.1 * jax.random.normal(keys[1], (d,))
W2 = 0.1 * jax.random.normal(keys[2], (n_out, d))
b2 = 0.1 * jax.random.normal(keys[3], (n_out,))
""",
        "loss": """
a = net(params, imageVector)
return jnp.sum(-correctLabel * jnp.log(a) - (1 - correctLabel) * jnp.log(1 - a))
""",
        "fraction": """
correct = 0
for i in range(len(images)):
    if jnp.argmax(net(params, images[i])) == jnp.argmax(labels[i]):
        correct += 1
return correct / len(images)
""",
        "grad": "loss_grad = jax.jit(jax.grad(loss))",
        "train": """
rng = np.random.default_rng(42)
for step in range(1, N_RECORDS * STEPS_PER_RECORD + 1):
    i = rng.integers(len(train_images))
    g = loss_grad(params, train_images[i], train_labels[i])
    params = [p - LEARNING_RATE * gp for p, gp in zip(params, g)]
    if step % STEPS_PER_RECORD == 0:
        steps.append(step)
        accuracies.append(float(fractionCorrect(params, test_images, test_labels)))
        print(step, accuracies[-1])
""",
        "plot": """
plt.figure(figsize=(8, 5))
plt.plot(steps, accuracies, marker="o")
plt.xlabel("SGD steps")
plt.ylabel("test accuracy")
plt.grid(True)
plt.show()
""",
    },
    "ben": {  # dict params built by name, vmap, lax.fori_loop, tree_map, object-style plot
        "data": """
n_train = train_images_raw.shape[0]
n_test = test_images_raw.shape[0]
train_images = jnp.array(train_images_raw, dtype=jnp.float32).reshape((n_train, 4761)) / 256
test_images = jnp.array(test_images_raw, dtype=jnp.float32).reshape((n_test, 4761)) / 256
""",
        "net": """
hidden = jnp.tanh(params["W1"] @ imageVector + params["b1"])
return jax.nn.sigmoid(params["W2"] @ hidden + params["b2"])
""",
        "init": """#!cell
d = 100
shapes = {"W1": (d, 69 * 69), "b1": (d,), "W2": (5, d), "b2": (5,)}
subkeys = dict(zip(shapes, jax.random.split(jax.random.PRNGKey(0), len(shapes))))
params = {name: 0.1 * jax.random.normal(subkeys[name], shape) for name, shape in shapes.items()}
print({name: value.shape for name, value in params.items()})
""",
        "loss": """
a = jnp.clip(net(params, imageVector), 1e-7, 1 - 1e-7)
ce = correctLabel * jnp.log(a) + (1.0 - correctLabel) * jnp.log(1.0 - a)
return -ce.sum()
""",
        "fraction": """#!cell
batched_net = jax.vmap(net, in_axes=(None, 0))

def fractionCorrect(params, images, labels):
    predicted = batched_net(params, images).argmax(axis=-1)
    actual = labels.argmax(axis=-1)
    return (predicted == actual).mean()
""",
        "grad": "loss_grad = jit(grad(loss))",
        "train": """
@jax.jit
def train_block(params, key):
    def body(i, carry):
        params, key = carry
        key, sub = jax.random.split(key)
        j = jax.random.randint(sub, (), 0, train_images.shape[0])
        grads = loss_grad(params, train_images[j], train_labels[j])
        params = jax.tree_util.tree_map(lambda p, g: p - LEARNING_RATE * g, params, grads)
        return params, key
    return jax.lax.fori_loop(0, STEPS_PER_RECORD, body, (params, key))

key = jax.random.PRNGKey(2024)
for r in range(N_RECORDS):
    params, key = train_block(params, key)
    steps.append(STEPS_PER_RECORD * (r + 1))
    accuracies.append(float(fractionCorrect(params, test_images, test_labels)))
print("done:", accuracies[-1])
""",
        "plot": """
fig, ax = plt.subplots()
ax.plot(steps, accuracies, "s--", color="tab:orange")
ax.axhline(0.66, ls=":", c="k")
ax.set(xlabel="step", ylabel="accuracy on test set", title="Training progress")
fig.tight_layout()
plt.show()
""",
        "vmap": """
per_example = jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(params, images, labels)
return {name: g.mean(axis=0) for name, g in per_example.items()}
""",
    },
    "chen": {  # tuple params, dense() helper, numpy RandomState, jitted update, while loop
        "data": """
def prepare(raw):
    flat = np.reshape(raw, (raw.shape[0], 69 * 69))
    return (flat / 256.0).astype("float32")

train_images = prepare(train_images_raw)
test_images = prepare(test_images_raw)
""",
        "net": """
def dense(W, b, x):
    return W @ x + b

def net(params, imageVector):
    W1, b1, W2, b2 = params
    h = jnp.tanh(dense(W1, b1, imageVector))
    z = dense(W2, b2, h)
    return 1.0 / (1.0 + jnp.exp(-z))
""",
        "init": """
rs = np.random.RandomState(7)
W1 = jnp.asarray(rs.normal(0, 0.1, size=(d, n_in)), dtype=jnp.float32)
b1 = jnp.asarray(rs.normal(0, 0.1, size=d), dtype=jnp.float32)
W2 = jnp.asarray(rs.normal(0, 0.1, size=(n_out, d)), dtype=jnp.float32)
b2 = jnp.asarray(rs.normal(0, 0.1, size=n_out), dtype=jnp.float32)
""",
        "loss": """
W1, b1, W2, b2 = params
z = dense(W2, b2, jnp.tanh(dense(W1, b1, imageVector)))
# log(sigmoid(z)) and log(1 - sigmoid(z)) written so that they stay finite
terms = correctLabel * jax.nn.log_sigmoid(z) + (1 - correctLabel) * jax.nn.log_sigmoid(-z)
return -jnp.sum(terms)
""",
        "fraction": """
def predict_all(params, images):
    return vmap(lambda v: net(params, v))(images)

def fractionCorrect(params, images, labels):
    hits = np.argmax(predict_all(params, images), 1) == np.argmax(labels, 1)
    return float(np.sum(hits)) / len(labels)
""",
        "grad": """
loss_grad = grad(loss)

@jit
def sgd_update(params, x, y):
    grads = loss_grad(params, x, y)
    return tuple(p - LEARNING_RATE * g for p, g in zip(params, grads))
""",
        "train": """
params = tuple(params)
order = np.random.default_rng(3).integers(0, len(train_images), size=N_RECORDS * STEPS_PER_RECORD)
step = 0
while step < len(order):
    params = sgd_update(params, train_images[order[step]], train_labels[order[step]])
    step += 1
    if step % STEPS_PER_RECORD == 0:
        acc = fractionCorrect(params, test_images, test_labels)
        steps.append(step)
        accuracies.append(acc)
        if len(steps) % 20 == 0:
            print(f"{step:7d} steps: {acc:.3f}")
""",
        "plot": """
plt.plot(np.array(steps) / 1000, accuracies, ".", ms=8, label="test set")
plt.plot(np.array(steps) / 1000, accuracies, lw=0.8, alpha=0.5)
plt.xlabel("thousands of SGD steps")
plt.ylabel("fraction correct")
plt.legend()
plt.show()
""",
    },
    "dara": {  # functional: lambdas, list comprehension init, jnp.where loss, scan + tree_map
        "data": """
to_vectors = lambda imgs: imgs.reshape(-1, 4761).astype(np.float32) / 256
train_images, test_images = to_vectors(train_images_raw), to_vectors(test_images_raw)
""",
        "net": """
(W1, b1), (W2, b2) = params[:2], params[2:]
layer1 = jnp.tanh(jnp.matmul(W1, imageVector) + b1)
return jax.nn.sigmoid(jnp.matmul(W2, layer1) + b2)
""",
        "init": """
shapes = [(d, n_in), (d,), (n_out, d), (n_out,)]
W1, b1, W2, b2 = [0.1 * jax.random.normal(k, s) for k, s in zip(jax.random.split(init_key, 4), shapes)]
""",
        "loss": """
out = net(params, imageVector)
per_class = jnp.where(correctLabel == 1, -jnp.log(out), -jnp.log1p(-out))
return per_class.sum()
""",
        "fraction": """
def is_right(x, y):
    return jnp.argmax(net(params, x)) == jnp.argmax(y)
return jnp.mean(jax.vmap(is_right)(images, labels).astype(jnp.float32))
""",
        "grad": "loss_grad = jax.jit(jax.grad(loss, argnums=0))",
        "train": """
def sgd_step(p, idx):
    g = loss_grad(p, train_images[idx], train_labels[idx])
    return jax.tree_util.tree_map(lambda w, dw: w - LEARNING_RATE * dw, p, g), None

@jax.jit
def many_steps(p, key):
    picks = jax.random.choice(key, train_images.shape[0], (STEPS_PER_RECORD,))
    p, _ = jax.lax.scan(sgd_step, p, picks)
    return p

rkey = jax.random.PRNGKey(11)
for rec in range(1, N_RECORDS + 1):
    rkey, sk = jax.random.split(rkey)
    params = many_steps(params, sk)
    steps.append(rec * STEPS_PER_RECORD)
    accuracies.append(fractionCorrect(params, test_images, test_labels).item())
""",
        "plot": """
plt.figure()
plt.scatter(steps, accuracies, s=12)
plt.plot(steps, accuracies, alpha=0.4)
plt.axhline(y=0.66, color="red", linestyle="--")
plt.title("accuracy vs. step")
plt.xlabel("step"); plt.ylabel("accuracy")
plt.show()
""",
        "loop": """
acc = jax.tree_util.tree_map(jnp.zeros_like, params)
for x, y in zip(images, labels):
    acc = jax.tree_util.tree_map(jnp.add, acc, loss_grad(params, x, y))
return jax.tree_util.tree_map(lambda t: t / images.shape[0], acc)
""",
        "vmap": """
every = vmap(grad(loss), in_axes=(None, 0, 0))(params, images, labels)
return jax.tree_util.tree_map(lambda t: jnp.mean(t, axis=0), every)
""",
    },
    "eli": {  # a beginner: index by index, loops over pixels and classes, many prints
        "data": """
# flatten every image into one long vector and scale it
N_train = len(train_images_raw)
N_test = len(test_images_raw)
train_images = np.zeros((N_train, 4761), dtype=np.float32)
for n in range(N_train):
    train_images[n] = train_images_raw[n].flatten() / 256
test_images = np.zeros((N_test, 4761), dtype=np.float32)
for n in range(N_test):
    test_images[n] = test_images_raw[n].flatten() / 256
""",
        "net": """
W1 = params[0]
b1 = params[1]
W2 = params[2]
b2 = params[3]
# hidden layer
y1 = jnp.tanh(jnp.dot(W1, imageVector) + b1)
# output layer
y2 = jnp.dot(W2, y1) + b2
a = 1 / (1 + jnp.exp(-y2))
return a
""",
        "init": """
key1, key2, key3, key4 = jax.random.split(init_key, num=4)
W1 = jax.random.normal(key1, shape=(d, n_in)) * 0.1
b1 = jax.random.normal(key2, shape=(d,)) * 0.1
W2 = jax.random.normal(key3, shape=(n_out, d)) * 0.1
b2 = jax.random.normal(key4, shape=(n_out,)) * 0.1
""",
        "loss": """
a = net(params, imageVector)
L = 0.0
for i in range(5):
    L = L - correctLabel[i] * jnp.log(a[i]) - (1 - correctLabel[i]) * jnp.log(1 - a[i])
return L
""",
        "fraction": """
outputs = vmap(net, in_axes=(None, 0))(params, images)
predictions = jnp.argmax(outputs, axis=1)
answers = jnp.argmax(labels, axis=1)
number_right = jnp.sum(predictions == answers)
return number_right / len(answers)
""",
        "grad": """
loss_grad = grad(loss)
loss_grad = jit(loss_grad)
""",
        "train": """
@jit
def update(params, image, label):
    gradient = loss_grad(params, image, label)
    new_params = []
    for p, g in zip(params, gradient):
        new_params.append(p - LEARNING_RATE * g)
    return new_params

total_steps = N_RECORDS * STEPS_PER_RECORD
for t in range(total_steps):
    n = np.random.randint(0, N_train)
    params = update(params, train_images[n], train_labels[n])
    if (t + 1) % STEPS_PER_RECORD == 0:
        acc = fractionCorrect(params, test_images, test_labels)
        steps.append(t + 1)
        accuracies.append(float(acc))
        print("step", t + 1, "accuracy", float(acc))
""",
        "plot": """
plt.plot(steps, accuracies, 'bo-')
plt.xlabel('step')
plt.ylabel('test accuracy')
plt.title('Test accuracy while training')
plt.show()
""",
    },
    "fay": {  # the reference's compiled-scan recipe in her own words, with extra credit
        "data": """
def flatten(raw):
    return np.asarray(raw, np.float32).reshape(raw.shape[0], n_pixels) / 256.0

n_pixels = 69 * 69
train_images, test_images = flatten(train_images_raw), flatten(test_images_raw)
""",
        "net": """
weights_in, bias_in, weights_out, bias_out = params
activation = jnp.tanh(weights_in @ imageVector + bias_in)   # hidden layer, d values
logits = weights_out @ activation + bias_out
return jax.nn.sigmoid(logits)
""",
        "init": """
keys = list(jax.random.split(init_key, 4))
W1 = jax.random.normal(keys.pop(), (d, n_in)) / 10
W2 = jax.random.normal(keys.pop(), (n_out, d)) / 10
b1 = jax.random.normal(keys.pop(), (d,)) / 10
b2 = jax.random.normal(keys.pop(), (n_out,)) / 10
""",
        "loss": """
prob = net(params, imageVector)
positive = correctLabel * jnp.log(prob)
negative = (1 - correctLabel) * jnp.log(1 - prob)
return -(positive + negative).sum()
""",
        "fraction": """
guess = jnp.argmax(vmap(lambda image: net(params, image))(images), axis=-1)
return jnp.count_nonzero(guess == jnp.argmax(labels, axis=-1)) / labels.shape[0]
""",
        "grad": "loss_grad = jit(jax.grad(loss))",
        "train": """
X_train, Y_train = jnp.asarray(train_images), jnp.asarray(train_labels)

@jit
def block(params, key):
    indices = jax.random.randint(key, shape=(STEPS_PER_RECORD,), minval=0, maxval=X_train.shape[0])
    def update(carry, index):
        gradients = loss_grad(carry, X_train[index], Y_train[index])
        return [w - LEARNING_RATE * dw for w, dw in zip(carry, gradients)], None
    final, _ = jax.lax.scan(update, params, indices)
    return final

master = jax.random.PRNGKey(123)
t_start = time.time()
for record in range(N_RECORDS):
    master, sub = jax.random.split(master)
    params = block(params, sub)
    steps.append((record + 1) * STEPS_PER_RECORD)
    accuracies.append(float(fractionCorrect(params, test_images, test_labels)))
    if record % 25 == 24:
        print(f"record {record + 1}: {accuracies[-1]:.3f} after {time.time() - t_start:.0f} s")
""",
        "plot": """
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(steps, accuracies, marker="o", markersize=3, linewidth=1)
ax.axhline(0.66, color="gray", linestyle="--", label="goal")
ax.set_xlabel("step")
ax.set_ylabel("test accuracy")
ax.legend()
plt.show()
""",
        "loop": """
sums = [jnp.zeros(w.shape) for w in params]
for k in range(len(images)):
    g = loss_grad(params, images[k], labels[k])
    sums = [s + gk for s, gk in zip(sums, g)]
return [s / len(images) for s in sums]
""",
        "vmap": """
gradients = vmap(grad(loss), in_axes=(None, 0, 0))(params, images, labels)
return [jnp.mean(gr, axis=0) for gr in gradients]
""",
    },
}

KEEP = set(keyword.kwlist) | {
    "np", "jnp", "jax", "plt", "pickle", "gzip", "os", "time", "grad", "jit", "vmap", "print",
    "range", "len", "zip", "float", "int", "list", "tuple", "dict", "sum", "max", "min",
    "enumerate", "sorted", "self", "True", "False", "None"}


def rename(code: str, mapping: dict) -> str:
    """Every user identifier (not a keyword, builtin, module or attribute) renamed, as a
    search-and-replace would (in strings and comments too)."""
    prev = None
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.NAME and tok.string not in KEEP and prev != ".":
            mapping.setdefault(tok.string, f"v{len(mapping)}_{tok.string[::-1].lower()}")
        prev = tok.string
    names = sorted(mapping, key=len, reverse=True)
    pattern = re.compile(r"(?<![.\w])(" + "|".join(map(re.escape, names)) + r")\b")
    return pattern.sub(lambda m: mapping[m.group(1)], code) if names else code


COMMENT = re.compile(r"[ \t]*#.*$", re.M)


def recomment(code: str) -> str:
    """Comments removed, then new ones added above and beside statements."""
    lines = []
    for i, line in enumerate(COMMENT.sub("", code).split("\n")):
        indent = line[: len(line) - len(line.lstrip())]
        if line.strip() and i % 3 == 0:
            lines.append(f"{indent}# step {i}: here we work out the next part")
        lines.append(line + ("  # important!" if line.strip() and i % 4 == 1 else ""))
    return "\n".join(lines)


def copies(name: str) -> dict:
    """{kind: notebook}: the planted copies of HONEST[name]."""
    original = filled(HONEST[name])

    def edit(nb, fn):
        for c in nb.cells:
            if c.cell_type == "code":
                c.source = fn(c.source)
        return nb

    def shuffle(nb):
        code = [c for c in nb.cells if c.cell_type == "code"]
        random.Random(4).shuffle(code)
        nb.cells = code + [c for c in nb.cells if c.cell_type != "code"]
        return nb

    mapping = {}
    for c in original.cells:          # every name in the notebook first, then rename
        if c.cell_type == "code":
            rename(c.source, mapping)
    return {
        "renamed": edit(filled(HONEST[name]), lambda s: rename(s, mapping)),
        "reordered": shuffle(filled(HONEST[name])),
        "comments": edit(filled(HONEST[name]), recomment),
        "all_three": shuffle(edit(edit(filled(HONEST[name]), recomment),
                                  lambda s: rename(s, mapping))),
        "original": original,
    }
