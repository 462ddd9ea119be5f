"""`RampClassifier`: a Random Forest over ramp features, stored without pickle.

The forest is trained with scikit-learn and kept as plain node arrays (feature index,
threshold, children, and the class each leaf votes for). Saved models are ``.npz``
archives written with ``allow_pickle=False`` and read the same way, plus a JSON header,
so loading a model never executes code. Prediction rebuilds scikit-learn's compiled
trees from the arrays (falling back to a pure numpy traversal), and the probability of a
class is the fraction of trees voting for it, as in the Ariel AIRS-CH1 study.

The node arrays are made, compiled and walked in `ccdbadpix.ramps._trees`; model files
are read and validated in `ccdbadpix.ramps._forest_io`.
"""

import copy
import functools
import json
from importlib import resources

import numpy as np

from ccdbadpix.ramps._forest_inputs import (
    _as_matrix,
    _check_labels,
    _check_names,
    _check_sample_weight,
)
from ccdbadpix.ramps._forest_io import _FORMAT, _FORMAT_VERSION, _read_model_file
from ccdbadpix.ramps._kernel import FEATURE_NAMES
from ccdbadpix.ramps._trees import _apply_numpy, _compile_trees, _node_arrays
from ccdbadpix.utils._checks import _integer
from ccdbadpix.utils._files import _atomic_write

__all__ = ["RampClassifier"]

_DEFAULT_MODEL = "default_ramp_model.npz"


class RampClassifier:
    """Random Forest pixel classifier over ramp features, with vote-fraction confidence.

    Parameters
    ----------
    n_estimators : int, optional
        Number of trees.
    max_depth : int or None, optional
        Maximum tree depth (None: grown until leaves hold ``min_samples_leaf``).
    min_samples_leaf : int, optional
        Minimum training samples per leaf; larger values give smaller models.
    class_weight : str, dict or None, optional
        Passed to `sklearn.ensemble.RandomForestClassifier` (default ``"balanced"`` so
        rare defect classes count as much as good pixels).
    random_state : int or None, optional
        Seed of the forest.
    feature_names : sequence of str, optional
        Names of the feature columns (default: the features of `ramp_features`).

    Attributes
    ----------
    classes : tuple of str
        Class names, the order of `predict_proba` columns (after `fit` or `load`).
    train_priors : dict
        Fraction of each class in the training labels, the ``pi_train`` of the prior
        update of `classify_ramps` (``priors=``).
    meta : dict
        Free-form provenance (JSON-serialisable), saved with the model.

    Examples
    --------
    >>> import numpy as np
    >>> from ccdbadpix.ramps.forest import RampClassifier
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 2)); y = np.where(x[:, 0] > 0, "hot", "good")
    >>> clf = RampClassifier(n_estimators=5, random_state=0, feature_names=("a", "b"))
    >>> clf.fit(x, y).classes
    ('good', 'hot')
    >>> labels, confidence = clf.predict(np.array([[3.0, 0.0], [-3.0, 0.0]]))
    >>> labels.tolist()
    ['hot', 'good']
    >>> bool(confidence.min() >= 0.6)  # most of the 5 trees agree
    True
    """

    def __init__(self, n_estimators=64, *, max_depth=None, min_samples_leaf=2,
                 class_weight="balanced", random_state=None, feature_names=FEATURE_NAMES):
        self.n_estimators = _integer(n_estimators, "n_estimators", 1)
        self.max_depth = None if max_depth is None else _integer(max_depth, "max_depth", 1)
        self.min_samples_leaf = _integer(min_samples_leaf, "min_samples_leaf", 1)
        if not (class_weight is None or isinstance(class_weight, dict)
                or class_weight in ("balanced", "balanced_subsample")):
            raise ValueError("class_weight must be None, 'balanced', 'balanced_subsample' or a "
                             f"dict of class name -> weight, got {class_weight!r}")
        self.class_weight = class_weight
        self.random_state = None if random_state is None else _integer(
            random_state, "random_state", 0, 2**32 - 1)
        self.feature_names = _check_names(feature_names, "feature_names")
        self.classes = None
        self.train_priors = {}
        self.meta = {}
        self._trees = None  # list of dicts of arrays
        self._compiled = None

    def __getstate__(self):  # for dask workers: the compiled trees are rebuilt there
        state = self.__dict__.copy()
        state["_compiled"] = None
        return state

    def __repr__(self):
        state = "unfitted" if self._trees is None else (
            f"{len(self._trees)} trees, {self.n_nodes} nodes, classes={self.classes}")
        return f"<RampClassifier {state}>"

    @property
    def n_nodes(self):
        """Total number of nodes over all trees (a measure of model size)."""
        return 0 if self._trees is None else sum(t["feature"].size for t in self._trees)

    def _check_fitted(self):
        if self._trees is None:
            raise RuntimeError("this RampClassifier is not fitted; call fit() or load()")

    # ------------------------------------------------------------------ training
    def fit(self, features, labels, *, sample_weight=None):
        """Train on a labelled benchmark.

        Parameters
        ----------
        features : array (nsamples, nfeatures), `~astropy.table.Table` or `RampFeatures`
            Feature values; a table must have a column per ``feature_names``.
        labels : array-like of str
            Class name of each sample (e.g. the verified labels of `cluster_ramps`).
        sample_weight : array-like, optional
            Per-sample weights.

        Returns
        -------
        RampClassifier
            ``self``.
        """
        from sklearn.ensemble import RandomForestClassifier

        x = _as_matrix(features, self.feature_names)
        y = _check_labels(labels, x.shape[0])
        sample_weight = _check_sample_weight(sample_weight, x.shape[0])
        classes, counts = np.unique(y, return_counts=True)
        if classes.size < 2:
            raise ValueError(f"labels must name at least 2 classes, got {classes.tolist()}")
        forest = RandomForestClassifier(
            n_estimators=self.n_estimators, max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf, class_weight=self.class_weight,
            random_state=self.random_state, n_jobs=2)
        forest.fit(x, y, sample_weight=sample_weight)
        self.classes = tuple(str(c) for c in forest.classes_)
        self.train_priors = {str(c): float(k) / y.size for c, k in zip(classes, counts,
                                                                          strict=True)}
        self._trees = _node_arrays(forest.estimators_)
        self._compiled = None
        return self

    # ---------------------------------------------------------------- prediction
    def _compile(self):
        """scikit-learn Tree objects rebuilt from the node arrays, or False if impossible."""
        try:
            return _compile_trees(self._trees, len(self.feature_names), len(self.classes))
        except Exception:  # pragma: no cover - depends on scikit-learn internals
            return False

    def _leaves(self, x, i):
        """Leaf index of every sample in tree ``i``."""
        if self._compiled is None:
            self._compiled = self._compile()
        if self._compiled:
            return self._compiled[i].apply(x)
        return _apply_numpy(self._trees[i], x)

    def predict_votes(self, features, *, engine="auto"):
        """Per-class vote counts (nsamples, nclasses) int16.

        Parameters
        ----------
        features : array (nsamples, nfeatures), `~astropy.table.Table` or `RampFeatures`
        engine : {"auto", "numpy"}, optional
            ``"numpy"`` forces the pure numpy tree traversal (same result, slower).
        """
        self._check_fitted()
        if engine not in ("auto", "numpy"):
            raise ValueError(f"engine must be 'auto' or 'numpy', got {engine!r}")
        x = np.ascontiguousarray(_as_matrix(features, self.feature_names))
        nsamples, ncls = x.shape[0], len(self.classes)

        def leaves(x, i):
            return _apply_numpy(self._trees[i], x) if engine == "numpy" else self._leaves(x, i)

        # samples in the order of their leaf in the first tree: neighbours walk the same
        # nodes of every tree, which is kinder to the caches (~15 % faster)
        leaf = leaves(x, 0)
        order = np.argsort(leaf, kind="stable")
        x = x[order]
        voted = np.empty((len(self._trees), nsamples), np.intp)
        voted[0] = self._trees[0]["vote"][leaf[order]]
        for i in range(1, len(self._trees)):
            voted[i] = self._trees[i]["vote"][leaves(x, i)]
        voted += np.arange(nsamples) * ncls  # one count per (sample, class) cell
        counts = np.bincount(voted.ravel(), minlength=nsamples * ncls)
        votes = np.empty((nsamples, ncls), np.int16)
        votes[order] = counts.reshape(nsamples, ncls)
        return votes

    def predict_proba(self, features, **kwargs):
        """Fraction of trees voting for each class, (nsamples, nclasses) float32.

        Examples
        --------
        >>> import numpy as np
        >>> from ccdbadpix.ramps.forest import RampClassifier
        >>> x = np.arange(40.0).reshape(20, 2); y = ["a"] * 10 + ["b"] * 10
        >>> clf = RampClassifier(4, random_state=1, feature_names=("u", "v")).fit(x, y)
        >>> clf.predict_proba(x[:1]).tolist()
        [[1.0, 0.0]]
        """
        votes = self.predict_votes(features, **kwargs)
        return (votes / np.float32(len(self._trees))).astype(np.float32)

    def predict(self, features, **kwargs):
        """Class names and confidence (fraction of trees voting for that class).

        Returns
        -------
        labels : ndarray of str
        confidence : ndarray of float32

        Examples
        --------
        >>> import numpy as np
        >>> from ccdbadpix.ramps.forest import RampClassifier
        >>> x = np.arange(40.0).reshape(20, 2); y = ["a"] * 10 + ["b"] * 10
        >>> clf = RampClassifier(4, random_state=1, feature_names=("u", "v")).fit(x, y)
        >>> clf.predict(x[-1:])[0].tolist()
        ['b']
        """
        proba = self.predict_proba(features, **kwargs)
        best = proba.argmax(axis=1)
        return np.asarray(self.classes)[best], proba[np.arange(best.size), best]

    # ------------------------------------------------------------------ storage
    def save(self, path, overwrite=False):
        """Write the model as a pickle-free ``.npz`` archive, atomically.

        The archive holds a JSON header (``header``: format, version, classes, feature
        names, training priors, meta) and, per tree ``k``, the arrays ``feature_k``
        (int16, -2 at leaves), ``threshold_k`` (float32; go left when ``x <=
        threshold`` for float32 ``x``), ``left_k`` / ``right_k`` (int32 child indices,
        -1 at leaves) and ``vote_k`` (int16 class index at leaves, -1 elsewhere).

        Parameters
        ----------
        path : str or path-like
            Output file (conventionally ``*.npz``).
        overwrite : bool, optional
            Replace an existing file.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from ccdbadpix.ramps.forest import RampClassifier
        >>> x = np.arange(40.0).reshape(20, 2); y = ["a"] * 10 + ["b"] * 10
        >>> clf = RampClassifier(3, random_state=0, feature_names=("u", "v")).fit(x, y)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
        >>> clf.save(path)
        >>> RampClassifier.load(path).classes
        ('a', 'b')
        """
        self._check_fitted()
        header = dict(format=_FORMAT, version=_FORMAT_VERSION, classes=list(self.classes),
                      feature_names=list(self.feature_names), train_priors=self.train_priors,
                      n_trees=len(self._trees), meta=self.meta,
                      params=dict(n_estimators=self.n_estimators, max_depth=self.max_depth,
                                  min_samples_leaf=self.min_samples_leaf,
                                  random_state=self.random_state))
        arrays = {"header": np.array(json.dumps(header))}
        for k, tree in enumerate(self._trees):
            for key, value in tree.items():
                arrays[f"{key}_{k}"] = value

        def write(tmp):
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays)

        _atomic_write(path, write, overwrite)

    @classmethod
    def load(cls, path):
        """Read a model written by `save`, validated before use (no pickle is ever loaded).

        Every tree is checked in full: node arrays of one length with the expected
        integer and float types, children in range and each node the child of exactly
        one earlier node (so the tree is connected and acyclic), leaves and inner nodes
        consistent, features and votes in range, finite thresholds; and the header: types,
        at least one tree and two classes, unique names, training priors in [0, 1].

        Raises
        ------
        FileNotFoundError
            There is no such file.
        ValueError
            The file is not a ccdbadpix forest model or is inconsistent; the message
            names the file and what is wrong.
        """
        header, trees = _read_model_file(path)
        params = header["params"]
        try:
            self = cls(params.get("n_estimators", len(trees)),
                       max_depth=params.get("max_depth"),
                       min_samples_leaf=params.get("min_samples_leaf", 1),
                       random_state=params.get("random_state"),
                       feature_names=header["feature_names"])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"model file {path} is not a valid ccdbadpix forest model: "
                             f"params: {exc}") from None
        self.classes = tuple(header["classes"])
        self.train_priors = dict(header["train_priors"])
        self.meta = dict(header["meta"])
        self._trees = trees
        return self

    @classmethod
    def default(cls):
        """The model shipped with ccdbadpix, trained on widely randomised simulations.

        Read, validated and compiled once per process; each call returns a new
        `RampClassifier` sharing the (read-only) trees. See
        `ccdbadpix.ramps.training.train_default_model` for how it is built.

        Examples
        --------
        >>> from ccdbadpix.ramps.forest import RampClassifier
        >>> model = RampClassifier.default()
        >>> "good" in model.classes and "telegraph" in model.classes
        True
        """
        shared = _default_model()
        model = cls.__new__(cls)
        model.__dict__.update(shared.__dict__)  # not copy.copy: __getstate__ drops _compiled
        model.meta = copy.deepcopy(shared.meta)
        model.train_priors = dict(shared.train_priors)
        return model


@functools.lru_cache(maxsize=1)
def _default_model():
    """The shipped model, loaded and compiled once; its arrays are made read-only."""
    ref = resources.files("ccdbadpix.ramps") / "data" / _DEFAULT_MODEL
    with resources.as_file(ref) as path:
        model = RampClassifier.load(path)
    for tree in model._trees:
        for array in tree.values():
            array.flags.writeable = False
    model._compiled = model._compile()
    return model
