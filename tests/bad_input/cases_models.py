"""Crafted and damaged model files: `RampClassifier.load` refuses each with a ValueError
naming the file (never a crash, a hang, or a hint to load pickles), and
`classify_ramps(model=path)` does the same.

Every file starts from a valid three-tree model and changes one thing; the nodes to
change are found by their role (the root, the n-th inner node below it, the n-th leaf),
so the cases mean the same whatever trees scikit-learn grows.
"""

import json
import zipfile

import numpy as np
from _bad_input__cases import Case

from ccdbadpix import classify_ramps
from ccdbadpix.ramps.forest import RampClassifier


def _fitted():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    y = np.where(x[:, 0] > 0.5, "hot", np.where(x[:, 1] > 0, "good", "dead"))
    return RampClassifier(3, random_state=0, feature_names=("a", "b", "c")).fit(x, y)


def _arrays():
    model = _fitted()
    arrays = {"header": json.loads(json.dumps(dict(
        format="ccdbadpix-forest", version=1, classes=list(model.classes),
        feature_names=list(model.feature_names), train_priors=model.train_priors,
        n_trees=3, meta={}, params={})))}
    for k, tree in enumerate(model._trees):
        for key, value in tree.items():
            arrays[f"{key}_{k}"] = value.copy()
    return arrays


def _save(tmp_path, arrays, name="model.npz"):
    arrays = dict(arrays)
    if isinstance(arrays.get("header"), dict):
        arrays["header"] = np.array(json.dumps(arrays["header"]))
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def _crafted(change):
    """A Case call: save the valid arrays after ``change(arrays)`` and load the file."""
    def call(tmp_path):
        arrays = _arrays()
        change(arrays)
        return RampClassifier.load(_save(tmp_path, arrays))
    return call


def _set(key, index, value):
    def change(arrays):
        arrays[key][index] = value
    return change


def _tree(k, edit):
    """A change of tree ``k``: ``edit(t, inner, leaves)`` on its node arrays ``t`` (keys
    without the ``_k``), with the indices of its inner nodes below the root and of its
    leaves."""
    def change(arrays):
        t = {key: arrays[f"{key}_{k}"] for key in ("feature", "threshold", "left", "right",
                                                    "vote")}
        inner = np.flatnonzero(t["left"] >= 0)[1:]
        leaves = np.flatnonzero(t["left"] < 0)
        assert inner.size >= 2 and leaves.size >= 3, "the model is too small for the case"
        edit(t, inner, leaves)
    return change


def _shared_child(t, inner, leaves):
    t["left"][inner[1]] = t["left"][inner[0]]


def _cycle_to_parent(t, inner, leaves):
    parent = next(p for p in np.flatnonzero(t["left"] >= 0) if t["left"][t["left"][p]] >= 0)
    t["left"][t["left"][parent]] = parent


def _root_as_leaf(t, inner, leaves):
    t["left"][0] = t["right"][0] = -1
    t["feature"][0], t["vote"][0] = -2, 0


def _leaf_with_children(t, inner, leaves):
    t["left"][leaves[0]], t["right"][leaves[0]] = leaves[1], leaves[2]


def _header(**fields):
    def change(arrays):
        arrays["header"].update(fields)
    return change


def _drop_header_key(key):
    def change(arrays):
        del arrays["header"][key]
    return change


def _replace(key, value):
    def change(arrays):
        arrays[key] = value
    return change


def _recast(key, make):
    """Replace an array by ``make(array)``, e.g. the same length in another dtype."""
    def change(arrays):
        arrays[key] = make(arrays[key])
    return change


def _delete(key):
    def change(arrays):
        del arrays[key]
    return change


def _raw_file(content):
    def call(tmp_path):
        path = tmp_path / "model.npz"
        path.write_bytes(content)
        return RampClassifier.load(path)
    return call


def _truncated(fraction):
    def call(tmp_path):
        path = _save(tmp_path, _arrays())
        data = path.read_bytes()
        path.write_bytes(data[:int(len(data) * fraction)])
        return RampClassifier.load(path)
    return call


def _zip_without_model(tmp_path):
    path = tmp_path / "model.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "not a model")
    return RampClassifier.load(path)


def _pickled_threshold(tmp_path):
    arrays = _arrays()
    arrays["threshold_1"] = np.array([object()] * 9, dtype=object)
    header = np.array(json.dumps(arrays.pop("header")))
    path = tmp_path / "model.npz"
    np.savez(path, header=header, **arrays)  # object arrays are pickled by np.savez
    return RampClassifier.load(path)


def _npy_file(tmp_path):
    path = tmp_path / "model.npz"
    with open(path, "wb") as fh:
        np.save(fh, np.arange(10))
    return RampClassifier.load(path)


def _directory(tmp_path):
    path = tmp_path / "model.npz"
    path.mkdir()
    return RampClassifier.load(path)


def _classify_with(change):
    def call(tmp_path):
        arrays = _arrays()
        change(arrays)
        path = _save(tmp_path, arrays)
        cube = np.random.default_rng(1).normal(100, 5, (6, 4, 4))
        return classify_ramps(cube, group_time=10, gain=1.0, model=path, progress=False)
    return call


_BIG_N = np.iinfo(np.int32).max
_MODEL = r"model\.npz"
_STRUCTURE = [
    ("negative-left-child", _set("left_0", 0, -5)),
    ("negative-right-child", _tree(0, lambda t, i, lv: t["right"].__setitem__(i[0], -7))),
    ("child-beyond-the-end", _tree(0, lambda t, i, lv: t["right"].__setitem__(
        0, t["right"].size))),
    ("child-huge", _tree(0, lambda t, i, lv: t["left"].__setitem__(i[1], _BIG_N))),
    ("cycle-to-root", _tree(0, lambda t, i, lv: t["left"].__setitem__(i[1], 0))),
    ("cycle-to-itself", _tree(0, lambda t, i, lv: t["left"].__setitem__(i[0], i[0]))),
    ("cycle-to-parent", _tree(0, _cycle_to_parent)),
    ("child-shared-by-two-parents", _tree(0, _shared_child)),
    ("one-child-only", _tree(0, lambda t, i, lv: t["left"].__setitem__(i[0], -1))),
    ("leaf-with-children", _tree(0, _leaf_with_children)),
    ("leaf-with-a-feature", _tree(0, lambda t, i, lv: t["feature"].__setitem__(lv[0], 1))),
    ("leaf-without-vote", _tree(0, lambda t, i, lv: t["vote"].__setitem__(lv[0], -1))),
    ("leaf-vote-negative", _tree(0, lambda t, i, lv: t["vote"].__setitem__(lv[1], -3))),
    ("leaf-vote-too-large", _tree(0, lambda t, i, lv: t["vote"].__setitem__(lv[1], 3))),
    ("inner-node-with-vote", _set("vote_0", 0, 1)),
    ("feature-negative", _set("feature_0", 0, -1)),
    ("feature-too-large", _tree(0, lambda t, i, lv: t["feature"].__setitem__(i[0], 3))),
    ("threshold-nan", _set("threshold_2", 0, np.nan)),
    ("threshold-inf", _tree(2, lambda t, i, lv: t["threshold"].__setitem__(i[0], np.inf))),
    ("threshold-minus-inf", _set("threshold_1", 0, -np.inf)),
    ("root-is-a-leaf-of-a-big-tree", _tree(1, _root_as_leaf)),
    ("arrays-of-different-lengths", _replace("vote_0", np.zeros(5, np.int16))),
    ("empty-tree", lambda a: a.update({f"{k}_0": a[f"{k}_0"][:0] for k in
                                      ("feature", "threshold", "left", "right", "vote")})),
    ("two-dimensional-array", _replace("left_1", np.zeros((3, 3), np.int32))),
    ("float-child-indices", _recast("left_2", lambda a: a.astype(float))),
    ("string-feature-array", _recast("feature_2", lambda a: np.full(a.size, "a"))),
    ("feature-outside-int16", _recast("feature_0", lambda a: np.full(a.size, 70000,
                                                                     np.int64))),
    ("missing-tree-array", _delete("vote_2")),
    ("missing-threshold", _delete("threshold_0")),
]
_HEADER = [
    ("n-trees-zero", _header(n_trees=0)),
    ("n-trees-negative", _header(n_trees=-1)),
    ("n-trees-string", _header(n_trees="3")),
    ("n-trees-bool", _header(n_trees=True)),
    ("n-trees-float", _header(n_trees=3.0)),
    ("n-trees-more-than-stored", _header(n_trees=4)),
    ("n-trees-missing", _drop_header_key("n_trees")),
    ("format-other", _header(format="something else")),
    ("format-missing", _drop_header_key("format")),
    ("version-too-new", _header(version=99)),
    ("version-string", _header(version="1")),
    ("version-zero", _header(version=0)),
    ("classes-one", _header(classes=["good"])),
    ("classes-duplicate", _header(classes=["good", "good", "hot"])),
    ("classes-not-a-list", _header(classes="good,hot,dead")),
    ("classes-numbers", _header(classes=[1, 2, 3])),
    ("classes-empty-name", _header(classes=["good", "", "hot"])),
    ("classes-fewer-than-votes", _header(classes=["dead", "good"])),
    ("feature-names-empty", _header(feature_names=[])),
    ("feature-names-duplicate", _header(feature_names=["a", "a", "c"])),
    ("feature-names-fewer-than-used", _header(feature_names=["a"])),
    ("priors-nan", _header(train_priors={"good": float("nan")})),
    ("priors-negative", _header(train_priors={"good": -0.1})),
    ("priors-above-one", _header(train_priors={"good": 1.5})),
    ("priors-unknown-class", _header(train_priors={"warm": 0.1})),
    ("priors-string", _header(train_priors={"good": "0.5"})),
    ("priors-not-a-dict", _header(train_priors=[0.5])),
    ("meta-not-a-dict", _header(meta=[1, 2])),
    ("meta-domain-not-a-dict", _header(meta={"domain": [5, 200]})),
    ("meta-domain-reversed", _header(meta={"domain": {"ngroups": [200, 5]}})),
    ("meta-domain-nan", _header(meta={"domain": {"read_noise_e": [3, float("nan")]}})),
    ("meta-domain-text", _header(meta={"domain": {"ngroups": ["5", "200"]}})),
    ("params-not-a-dict", _header(params="x")),
    ("header-not-json", _replace("header", np.array("{not json"))),
    ("header-json-list", _replace("header", np.array("[1, 2]"))),
    ("header-not-text", _replace("header", np.arange(3))),
    ("header-array-of-texts", _replace("header", np.array(["{}", "{}"]))),
    ("header-missing", _delete("header")),
]

CASES = [Case(f"model-{name}", _crafted(change), ValueError, _MODEL)
         for name, change in _STRUCTURE + _HEADER]
CASES += [
    Case("model-empty-file", _raw_file(b""), ValueError, _MODEL + ".*empty"),
    Case("model-text-file", _raw_file(b"hello, I am not a model\n"), ValueError, _MODEL),
    Case("model-random-bytes", _raw_file(np.random.default_rng(2).bytes(4096)), ValueError,
         _MODEL),
    Case("model-zip-magic-then-garbage", _raw_file(b"PK\x03\x04" + b"\0" * 200), ValueError,
         _MODEL),
    Case("model-truncated-10pc", _truncated(0.1), ValueError, _MODEL),
    Case("model-truncated-50pc", _truncated(0.5), ValueError, _MODEL),
    Case("model-truncated-99pc", _truncated(0.99), ValueError, _MODEL),
    Case("model-zip-without-arrays", _zip_without_model, ValueError, _MODEL + ".*header"),
    Case("model-pickled-array", _pickled_threshold, ValueError, _MODEL + ".*objects"),
    Case("model-npy-not-npz", _npy_file, ValueError, _MODEL),
    Case("model-directory", _directory, ValueError, _MODEL + ".*directory"),
    Case("model-missing-file", lambda tmp: RampClassifier.load(tmp / "nothing.npz"),
         FileNotFoundError, r"nothing\.npz"),
    Case("classify-model-cyclic", _classify_with(_set("left_0", 5, 0)), ValueError, _MODEL),
    Case("classify-model-other-features",
         lambda tmp: classify_ramps(np.random.default_rng(1).normal(100, 5, (6, 4, 4)),
                                    group_time=10, gain=1.0, model=_fitted(), progress=False),
         ValueError, "feature_names"),
    Case("classify-model-no-trees", _classify_with(_header(n_trees=0)), ValueError, _MODEL),
    Case("classify-model-negative-child", _classify_with(_set("left_0", 0, -5)), ValueError,
         _MODEL),
]


# ------------------------------------------------ RampClassifier options and inputs
def _fit(*args, x=None, y=None, **kwargs):
    def call(tmp_path):
        xx = np.arange(16.0).reshape(8, 2) if x is None else x
        yy = ["a", "b"] * 4 if y is None else y
        return RampClassifier(*args, feature_names=("u", "v"), **kwargs).fit(xx, yy)
    return call


def _fit_weighted(weight):
    def call(tmp_path):
        return RampClassifier(2, feature_names=("u", "v")).fit(
            np.arange(16.0).reshape(8, 2), ["a", "b"] * 4, sample_weight=weight)
    return call


def _predict(x, **kwargs):
    def call(tmp_path):
        model = RampClassifier(2, random_state=0, feature_names=("u", "v")).fit(
            np.arange(16.0).reshape(8, 2), ["a", "b"] * 4)
        return model.predict(x, **kwargs)
    return call


def _saved_params(**params):
    return _header(params=params)


_T, _V = TypeError, ValueError
CASES += [
    Case("classifier-n-estimators-string", _fit("abc"), _T, "n_estimators"),
    Case("classifier-n-estimators-float", _fit(2.7), _T, "n_estimators"),
    Case("classifier-n-estimators-bool", _fit(True), _T, "n_estimators"),
    Case("classifier-max-depth-zero", _fit(2, max_depth=0), _V, "max_depth"),
    Case("classifier-max-depth-float", _fit(2, max_depth=2.5), _T, "max_depth"),
    Case("classifier-min-samples-leaf-string", _fit(2, min_samples_leaf="2"), _T,
         "min_samples_leaf"),
    Case("classifier-class-weight-bad", _fit(2, class_weight="heavy"), _V, "class_weight"),
    Case("classifier-random-state-negative", _fit(2, random_state=-1), _V, "random_state"),
    Case("classifier-random-state-string", _fit(2, random_state="0"), _T, "random_state"),
    Case("classifier-feature-names-one-string",
         lambda tmp: RampClassifier(2, feature_names="uv"), _T, "feature_names"),
    Case("classifier-feature-names-duplicate",
         lambda tmp: RampClassifier(2, feature_names=("u", "u")), _V, "feature_names"),
    Case("classifier-feature-names-empty",
         lambda tmp: RampClassifier(2, feature_names=()), _V, "feature_names"),
    Case("classifier-feature-names-numbers",
         lambda tmp: RampClassifier(2, feature_names=(1, 2)), _V, "feature_names"),
    Case("classifier-fit-string-features", _fit(2, x=np.array([["a", "b"]] * 8)), _T,
         "features"),
    Case("classifier-fit-inf-features", _fit(2, x=np.full((8, 2), np.inf)), _V, "features"),
    Case("classifier-fit-none-labels", _fit(2, y=[None, "a"] * 4), _T, "labels"),
    Case("classifier-fit-integer-labels", _fit(2, y=[0, 1] * 4), _T, "labels"),
    Case("classifier-fit-empty-label", _fit(2, y=["", "a"] * 4), _V, "labels"),
    Case("classifier-fit-weight-negative", _fit_weighted([-1.0] + [1.0] * 7), _V,
         "sample_weight"),
    Case("classifier-fit-weight-nan", _fit_weighted([np.nan] * 8), _V, "sample_weight"),
    Case("classifier-fit-weight-all-zero", _fit_weighted([0.0] * 8), _V, "sample_weight"),
    Case("classifier-fit-weight-string", _fit_weighted(["x"] * 8), _T, "sample_weight"),
    Case("classifier-predict-string-features", _predict(np.array([["a", "b"]])), _T,
         "features"),
    Case("classifier-predict-nan-features", _predict(np.array([[np.nan, 1.0]])), _V,
         "features"),
    Case("classifier-predict-engine-unknown", _predict(np.zeros((1, 2)), engine="bogus"), _V,
         "engine"),
    Case("model-params-n-estimators-string", _crafted(_saved_params(n_estimators="x")), _V,
         _MODEL + ".*n_estimators"),
    Case("model-params-max-depth-negative", _crafted(_saved_params(max_depth=-3)), _V,
         _MODEL + ".*max_depth"),
]
