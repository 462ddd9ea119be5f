"""`RampClassifier`: a Random Forest over ramp features, stored without pickle.

The forest is trained with scikit-learn and kept as plain node arrays (feature index,
threshold, children, and the class each leaf votes for). Saved models are ``.npz``
archives written with ``allow_pickle=False`` and read the same way, plus a JSON header,
so loading a model never executes code. Prediction rebuilds scikit-learn's compiled
trees from the arrays (falling back to a pure numpy traversal), and the probability of a
class is the fraction of trees voting for it, as in the Ariel AIRS-CH1 study.
"""

import copy
import functools
import json
import zipfile
import zlib
from importlib import resources

import numpy as np

from ccdbadpix.ramps._kernel import FEATURE_NAMES
from ccdbadpix.utils._checks import _integer
from ccdbadpix.utils._files import _atomic_write

__all__ = ["RampClassifier"]

_FORMAT = "ccdbadpix-forest"
_FORMAT_VERSION = 1
_DEFAULT_MODEL = "default_ramp_model.npz"


def _as_matrix(features, feature_names):
    """(nsamples, nfeatures) finite float32 from an array, a Table or `RampFeatures`."""
    from astropy.table import Table

    try:
        if hasattr(features, "to_table") and hasattr(features, "values"):  # RampFeatures
            values = np.asarray(features.values)
            x = values.reshape(values.shape[0], -1).T.astype(np.float32)
        elif isinstance(features, Table):
            missing = [n for n in feature_names if n not in features.colnames]
            if missing:
                raise ValueError(f"features table lacks the columns {missing}")
            x = np.column_stack([np.asarray(features[n], np.float32) for n in feature_names])
        else:
            x = np.asarray(features, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        if "lacks the columns" in str(exc):
            raise
        raise TypeError("features must be numbers: an array (nsamples, nfeatures), a Table "
                        f"or RampFeatures ({exc})") from None
    if x.ndim != 2 or x.shape[1] != len(feature_names):
        raise ValueError(f"features must have shape (nsamples, {len(feature_names)}), "
                         f"got {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("features hold NaN or inf values")
    return x


def _check_names(names, name):
    """A tuple of different non-empty strings (not one string split into letters)."""
    if isinstance(names, str | bytes) or not np.iterable(names):
        raise TypeError(f"{name} must be a sequence of names, got {names!r}")
    names = tuple(names)
    if not names or not all(isinstance(n, str) and n for n in names) \
            or len(set(names)) != len(names):
        raise ValueError(f"{name} must be different non-empty strings, got {names!r}")
    return names


def _check_labels(labels, n):
    """Class names, one per sample, as a str array."""
    y = np.asarray(labels)
    if y.shape != (n,):
        raise ValueError(f"labels must have one entry per sample ({n}), got shape {y.shape}")
    if y.dtype.kind not in "US" and not (
            y.dtype == object and all(isinstance(v, str) for v in y)):
        raise TypeError(f"labels must be class names (strings), got dtype {y.dtype}")
    y = y.astype(str)
    if (y == "").any():
        raise ValueError("labels must not be empty strings")
    return y


def _check_sample_weight(sample_weight, n):
    if sample_weight is None:
        return None
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"sample_weight must be numbers, got {sample_weight!r}") from None
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
        raise ValueError(f"sample_weight must be {n} finite weights >= 0, not all 0")
    return w


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
        self._trees = []
        for est in forest.estimators_:
            tree = est.tree_
            leaf = tree.children_left < 0
            vote = np.argmax(tree.value[:, 0, :], axis=1).astype(np.int16)
            self._trees.append(dict(
                feature=np.where(leaf, -2, tree.feature).astype(np.int16),
                threshold=_float32_floor(np.where(leaf, -2.0, tree.threshold)),
                left=tree.children_left.astype(np.int32),
                right=tree.children_right.astype(np.int32),
                vote=np.where(leaf, vote, -1).astype(np.int16)))
        self._compiled = None
        return self

    # ---------------------------------------------------------------- prediction
    def _compile(self):
        """scikit-learn Tree objects rebuilt from the node arrays, or None if impossible."""
        try:
            from sklearn.tree._tree import Tree

            ncls = len(self.classes)
            probe = Tree(len(self.feature_names), np.array([ncls], np.intp), 1)
            dtype = probe.__getstate__()["nodes"].dtype
            compiled = []
            for t in self._trees:
                nodes = np.zeros(t["feature"].size, dtype=dtype)
                nodes["left_child"] = t["left"]
                nodes["right_child"] = t["right"]
                nodes["feature"] = t["feature"]
                nodes["threshold"] = t["threshold"]
                nodes["n_node_samples"] = 1
                nodes["weighted_n_node_samples"] = 1.0
                values = np.zeros((t["feature"].size, 1, ncls))
                leaf = t["vote"] >= 0
                values[np.flatnonzero(leaf), 0, t["vote"][leaf]] = 1.0
                depth = _tree_depth(t["left"], t["right"])
                tree = Tree(len(self.feature_names), np.array([ncls], np.intp), 1)
                tree.__setstate__({"max_depth": depth, "node_count": t["feature"].size,
                                   "nodes": nodes, "values": values})
                compiled.append(tree)
            return compiled
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
        votes = np.zeros((x.shape[0], len(self.classes)), np.int16)
        rows = np.arange(x.shape[0])
        for i, tree in enumerate(self._trees):
            leaf = _apply_numpy(tree, x) if engine == "numpy" else self._leaves(x, i)
            votes[rows, tree["vote"][leaf]] += 1
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


#: Largest uncompressed size of one array of a model file (a guard against zip bombs).
_MAX_MEMBER_BYTES = 256 * 2**20
_TREE_KEYS = {"feature": "i", "threshold": "f", "left": "i", "right": "i", "vote": "i"}
_TREE_DTYPES = {"feature": np.int16, "threshold": np.float32, "left": np.int32,
                "right": np.int32, "vote": np.int16}


def _read_model_file(path):
    """(header, trees) of a model file, every part validated; ValueError names the file."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except IsADirectoryError as exc:
        raise ValueError(f"model file {path} is a directory, not a ccdbadpix forest "
                         "model") from exc
    if head != b"PK\x03\x04" or not zipfile.is_zipfile(path):
        raise ValueError(f"model file {path} is not a ccdbadpix forest model: "
                         f"{'it is empty' if not head else 'not an npz (zip) archive'}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            sizes = {info.filename: info.file_size for info in npz.zip.infolist()}
            big = [name for name, size in sizes.items() if size > _MAX_MEMBER_BYTES]
            if big:
                raise _ModelError(f"member {big[0]} is larger than "
                                  f"{_MAX_MEMBER_BYTES // 2**20} MiB")
            header = _check_header(_member(npz, "header"))
            trees = [{key: _member(npz, f"{key}_{k}") for key in _TREE_KEYS}
                     for k in range(header["n_trees"])]
    except _ModelError as exc:
        raise ValueError(f"model file {path} is not a valid ccdbadpix forest model: "
                         f"{exc}") from None
    except (OSError, EOFError, zipfile.BadZipFile, ValueError, zlib.error) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"model file {path} is not a readable ccdbadpix forest model "
                         f"(damaged or truncated: {type(exc).__name__})") from None
    ncls, nfeat = len(header["classes"]), len(header["feature_names"])
    for k, tree in enumerate(trees):
        try:
            trees[k] = _check_tree(tree, ncls, nfeat)
        except _ModelError as exc:
            raise ValueError(f"model file {path} is not a valid ccdbadpix forest model: "
                             f"tree {k}: {exc}") from None
    return header, trees


class _ModelError(Exception):
    """What is wrong with a model file (turned into a ValueError naming the file)."""


def _member(npz, name):
    """One array of the archive; object (pickled) arrays are refused, never loaded."""
    if f"{name}.npy" not in npz.zip.namelist():
        raise _ModelError(f"the array {name!r} is missing")
    try:
        return npz[name]
    except ValueError as exc:
        if "pickle" in str(exc):
            raise _ModelError(f"the array {name!r} holds Python objects") from None
        raise


def _check_header(array):
    """The JSON header as a dict with every field's type and range checked."""
    if array.shape != () or array.dtype.kind != "U":
        raise _ModelError("the header is not a text scalar")
    try:
        header = json.loads(str(array))
    except json.JSONDecodeError:
        raise _ModelError("the header is not valid JSON") from None
    if not isinstance(header, dict) or header.get("format") != _FORMAT:
        raise _ModelError(f"the header does not name the format {_FORMAT!r}")
    version = header.get("version")
    if type(version) is not int or version < 1:
        raise _ModelError(f"the format version must be a positive integer, got {version!r}")
    if version > _FORMAT_VERSION:
        raise _ModelError(f"model format version {version}; this ccdbadpix reads up to "
                          f"{_FORMAT_VERSION}")
    for key, minimum in (("classes", 2), ("feature_names", 1)):
        names = header.get(key)
        if (not isinstance(names, list) or len(names) < minimum
                or not all(isinstance(n, str) and n for n in names)
                or len(set(names)) != len(names)):
            raise _ModelError(f"{key} must be a list of at least {minimum} different "
                              f"non-empty names, got {names!r}")
    n_trees = header.get("n_trees")
    if type(n_trees) is not int or not 1 <= n_trees <= 100_000:
        raise _ModelError(f"n_trees must be a positive integer, got {n_trees!r}")
    priors = header.get("train_priors", {})
    if not isinstance(priors, dict) or not all(
            k in header["classes"] and type(v) in (int, float) and 0 <= v <= 1
            for k, v in priors.items()):
        raise _ModelError("train_priors must map class names to fractions in [0, 1]")
    for key in ("meta", "params"):
        header.setdefault(key, {})
        if not isinstance(header[key], dict):
            raise _ModelError(f"{key} must be a JSON object")
    header["train_priors"] = priors
    return header


def _check_tree(tree, ncls, nfeat):
    """The node arrays of one tree, checked and cast to the stored dtypes."""
    n = tree["feature"].shape[0] if tree["feature"].ndim == 1 else -1
    for key, kind in _TREE_KEYS.items():
        a = tree[key]
        if a.ndim != 1 or a.shape[0] != n or n < 1:
            raise _ModelError(f"{key} must be a non-empty 1-D array as long as feature")
        if a.dtype.kind not in (kind + "u" if kind == "i" else kind):
            raise _ModelError(f"{key} has dtype {a.dtype}, expected "
                              f"{'integers' if kind == 'i' else 'floats'}")
    out = {key: tree[key].astype(_TREE_DTYPES[key]) for key in _TREE_KEYS}
    for key in _TREE_KEYS:
        if not np.array_equal(out[key], tree[key], equal_nan=key == "threshold"):
            raise _ModelError(f"{key} holds values outside {np.dtype(_TREE_DTYPES[key])}")
    feature, left, right, vote = (out[k] for k in ("feature", "left", "right", "vote"))
    leaf = left == -1
    if not np.array_equal(leaf, right == -1):
        raise _ModelError("a node has exactly one child")
    inner = ~leaf
    if not np.all((feature[leaf] == -2) & (vote[leaf] >= 0) & (vote[leaf] < ncls)):
        raise _ModelError(f"a leaf has a feature, or a vote outside [0, {ncls - 1}]")
    if not np.all((feature[inner] >= 0) & (feature[inner] < nfeat) & (vote[inner] == -1)):
        raise _ModelError(f"an inner node has a vote, or a feature outside [0, {nfeat - 1}]")
    if not np.isfinite(out["threshold"][inner]).all():
        raise _ModelError("a split threshold is not finite")
    index = np.flatnonzero(inner)
    children = np.concatenate([left[inner], right[inner]])
    parents = np.concatenate([index, index])
    # every child comes after its parent (no cycle) and every node but the root is the
    # child of exactly one node (connected, a tree)
    if not np.all(children > parents) or children.max(initial=0) >= n:
        raise _ModelError("a child index is out of range or not after its parent")
    if not np.array_equal(np.bincount(children, minlength=n)[1:], np.ones(n - 1, np.int64)) \
            or (n > 1 and leaf[0]):
        raise _ModelError("the nodes do not form one tree (a node has no parent or two)")
    return out


def _float32_floor(threshold):
    """The largest float32 at or below each threshold.

    Features are float32, so ``x <= floor32(t)`` holds exactly when ``x <= t``: the
    forest's split points lose nothing by being stored in half the space.
    """
    t = np.asarray(threshold, np.float64)
    t32 = t.astype(np.float32)
    above = t32.astype(np.float64) > t
    t32[above] = np.nextafter(t32[above], np.float32(-np.inf))
    return t32


def _tree_depth(left, right):
    """Depth of a tree given its child arrays (-1 at leaves)."""
    depth, frontier = 0, np.array([0])
    while True:
        inner = frontier[left[frontier] >= 0]
        if not inner.size:
            return depth
        frontier = np.concatenate([left[inner], right[inner]])
        depth += 1


def _apply_numpy(tree, x):
    """Leaf index of every row of ``x`` by a vectorised walk down ``tree``."""
    node = np.zeros(x.shape[0], np.int32)
    active = np.arange(x.shape[0])
    feature, threshold, left, right = (tree[k] for k in ("feature", "threshold", "left",
                                                         "right"))
    while active.size:
        nd = node[active]
        f = feature[nd]
        go_left = x[active, f] <= threshold[nd]
        nxt = np.where(go_left, left[nd], right[nd])
        node[active] = nxt
        active = active[feature[nxt] >= 0]
    return node
