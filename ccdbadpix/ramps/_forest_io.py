"""Reading a `~ccdbadpix.ramps.forest.RampClassifier` model file, validated in full.

A model file is an ``.npz`` archive read with ``allow_pickle=False``: a JSON header and
five node arrays per tree. Everything read is checked before it is used (`_check_header`,
`_check_tree`); what is wrong becomes a `ValueError` naming the file.
"""

import json
import math
import zipfile
import zlib

import numpy as np

__all__ = []

_FORMAT = "ccdbadpix-forest"
_FORMAT_VERSION = 1
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
    _check_domain_meta(header["meta"].get("domain"))
    header["train_priors"] = priors
    return header


def _check_domain_meta(domain):
    """``meta["domain"]``, when present: name -> [low, high] of finite numbers, low <= high."""
    if domain is None:
        return
    if not isinstance(domain, dict):
        raise _ModelError("meta['domain'] must be a JSON object of name -> [low, high]")
    for name, bounds in domain.items():
        ok = (isinstance(bounds, list) and len(bounds) == 2
              and all(type(b) in (int, float) and math.isfinite(b) for b in bounds)
              and bounds[0] <= bounds[1])
        if not ok:
            raise _ModelError(f"meta['domain'][{name!r}] must be [low, high] with finite "
                              f"low <= high, got {bounds!r}")


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
