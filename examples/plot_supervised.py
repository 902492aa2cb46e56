"""
A class map: digits predicted by a map
======================================

``SOMClassifier`` is a map with a class on every unit: ``predict(X)``
finds each row's best matching unit on X alone and answers with that
unit's class. With ``supervision="joint"`` (the default) the labels train
with the data as a label block that takes part in the BMU search, so the
digits of one class gather on one part of the map; with
``supervision="post_hoc"`` the map is unsupervised and each unit takes the
classes of the training rows it wins. Needs scikit-learn for the digits
(``pip install "fastsom[cluster]"``).

The data: scikit-learn's 1,797 digits of 8x8 pixels, scaled to [0, 1],
two thirds to train on and one third held out.
"""

# %%
import numpy as np

from fastsom import SOMClassifier
from fastsom.analysis import plot
from fastsom.datasets import load_digits

X, y = load_digits()
X /= 16.0
order = np.random.default_rng(0).permutation(len(X))
train, test = order[:1200], order[1200:]

params = dict(n_rows=20, n_cols=20, topology="hexagonal", algorithm="batch", init="pca", random_state=0)
joint = SOMClassifier(**params).fit(X[train], y[train])
post_hoc = SOMClassifier(supervision="post_hoc", **params).fit(X[train], y[train])
print(f"accuracy on the {len(test)} held-out digits: joint {joint.score(X[test], y[test]):.3f}, "
      f"post hoc {post_hoc.score(X[test], y[test]):.3f}")

# %%
# Each unit in the colour of its most probable class, paler where the
# unit is less sure (its top probability is lower). The joint map gives
# every digit one region with clean borders; the post hoc map, which never
# saw the labels while it trained, has more pale units where classes mix,
# and the 1s and the 9s in more than one piece.
fig, (left, right) = plot.pyplot().subplots(1, 2, figsize=(11, 5))
plot.plot_classes(joint, ax=left, title="joint", legend=False)
plot.plot_classes(post_hoc, ax=right, title="post hoc")
fig.tight_layout()

# %%
# ``predict_proba`` gives each class's probability from the row's unit.
# The held-out digits the joint map gets wrong, with the probability it
# gave the right class:
wrong = test[joint.predict(X[test]) != y[test]]
proba = joint.predict_proba(X[wrong])
for row, p in zip(wrong[:8], proba[:8], strict=False):
    print(f"digit {y[row]} predicted {joint.classes_[p.argmax()]} "
          f"(p = {p.max():.2f}; p of the right class {p[y[row]]:.2f})")
