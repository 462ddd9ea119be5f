"""Model files: valid forests of every shape load and predict as saved; the shipped
model is read, validated and compiled once per process. (Crafted and damaged files are
in the bad-input table, ``tests/bad_input/cases_models.py``.)"""

import numpy as np
import pytest

from ccdbadpix.ramps import forest as classifier
from ccdbadpix.ramps.forest import RampClassifier


def _data(seed=0, n=400):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = np.where(x[:, 0] > 0.5, "hot", np.where(x[:, 1] > 0, "good", "dead"))
    return x, y


@pytest.mark.parametrize("kwargs", [dict(), dict(max_depth=1), dict(max_depth=3),
                                    dict(min_samples_leaf=150), dict(n_estimators=1)])
def test_valid_forests_round_trip(tmp_path, kwargs):
    x, y = _data()
    params = dict(n_estimators=5, random_state=1) | kwargs
    model = RampClassifier(feature_names=("a", "b", "c"), **params).fit(x, y)
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = RampClassifier.load(path)
    assert loaded.classes == model.classes and len(loaded._trees) == params["n_estimators"]
    np.testing.assert_array_equal(loaded.predict_votes(x), model.predict_votes(x))
    np.testing.assert_array_equal(loaded.predict_votes(x, engine="numpy"),
                                  model.predict_votes(x))


def test_single_leaf_tree_is_valid(tmp_path):
    """A tree that is one leaf (a pure bootstrap sample) votes its class for everything."""
    x, y = _data()
    model = RampClassifier(3, random_state=0, feature_names=("a", "b", "c")).fit(x, y)
    model._trees[0] = dict(feature=np.array([-2], np.int16),
                           threshold=np.array([-2], np.float32),
                           left=np.array([-1], np.int32), right=np.array([-1], np.int32),
                           vote=np.array([model.classes.index("dead")], np.int16))
    model._compiled = None
    model.save(tmp_path / "leaf.npz")
    loaded = RampClassifier.load(tmp_path / "leaf.npz")
    votes = loaded.predict_votes(x)
    assert (votes[:, loaded.classes.index("dead")] >= 1).all()
    np.testing.assert_array_equal(votes, model.predict_votes(x))


def test_default_model_is_read_once(monkeypatch):
    first = RampClassifier.default()

    def refuse(path):
        raise AssertionError(f"the default model was read again from {path}")

    monkeypatch.setattr(classifier, "_read_model_file", refuse)
    second = RampClassifier.default()
    assert second is not first
    assert second._trees is first._trees and second._compiled is first._compiled
    assert second._compiled  # compiled once, with the trees
    second.meta["note"] = "mine"
    second.train_priors["good"] = 0.0
    third = RampClassifier.default()
    assert "note" not in third.meta and third.train_priors["good"] > 0


def test_default_model_arrays_are_read_only():
    model = RampClassifier.default()
    with pytest.raises(ValueError, match="read-only"):
        model._trees[0]["threshold"][0] = 0


def test_loading_validates_the_shipped_model():
    """The shipped model passes the full validation on its own (not only through the
    cache): read it straight from the package data."""
    from importlib import resources

    ref = resources.files("ccdbadpix.ramps") / "data" / "default_ramp_model.npz"
    with resources.as_file(ref) as path:
        header, trees = classifier._read_model_file(path)
    assert header["n_trees"] == len(trees) == len(RampClassifier.default()._trees)
    for mine, shipped in zip(trees, RampClassifier.default()._trees, strict=True):
        for key in mine:
            np.testing.assert_array_equal(mine[key], shipped[key])
