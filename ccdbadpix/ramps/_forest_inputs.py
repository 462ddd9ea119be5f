"""Checks of what `~ccdbadpix.ramps.forest.RampClassifier` is given: feature matrices
(arrays, tables or `~ccdbadpix.ramps.features.RampFeatures`), names, labels, weights."""

import numpy as np

__all__ = []


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
    """Per-sample weights as float64, or None: finite, >= 0, not all 0."""
    if sample_weight is None:
        return None
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"sample_weight must be numbers, got {sample_weight!r}") from None
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
        raise ValueError(f"sample_weight must be {n} finite weights >= 0, not all 0")
    return w
