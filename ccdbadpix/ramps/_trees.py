"""The forest's trees as plain node arrays: made from scikit-learn's trees, compiled back
into them for fast prediction, or walked with numpy.

A tree is a dict of equal-length arrays: ``feature`` (int16, -2 at leaves),
``threshold`` (float32; go left when ``x <= threshold``), ``left`` / ``right`` (int32
child indices, -1 at leaves) and ``vote`` (int16 class index at leaves, -1 elsewhere).
"""

import numpy as np

__all__ = []


def _node_arrays(estimators):
    """The node arrays of each fitted scikit-learn decision tree in ``estimators``."""
    trees = []
    for est in estimators:
        tree = est.tree_
        leaf = tree.children_left < 0
        vote = np.argmax(tree.value[:, 0, :], axis=1).astype(np.int16)
        trees.append(dict(
            feature=np.where(leaf, -2, tree.feature).astype(np.int16),
            threshold=_float32_floor(np.where(leaf, -2.0, tree.threshold)),
            left=tree.children_left.astype(np.int32),
            right=tree.children_right.astype(np.int32),
            vote=np.where(leaf, vote, -1).astype(np.int16)))
    return trees


def _compile_trees(trees, nfeat, ncls):
    """scikit-learn Tree objects rebuilt from the node arrays (raises if impossible)."""
    from sklearn.tree._tree import Tree

    probe = Tree(nfeat, np.array([ncls], np.intp), 1)
    dtype = probe.__getstate__()["nodes"].dtype
    compiled = []
    for t in trees:
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
        tree = Tree(nfeat, np.array([ncls], np.intp), 1)
        tree.__setstate__({"max_depth": depth, "node_count": t["feature"].size,
                           "nodes": nodes, "values": values})
        compiled.append(tree)
    return compiled


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
