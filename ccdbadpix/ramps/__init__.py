"""Up-the-ramp dark cubes: reading them, pure per-tile kernels, ramp features, the
Random Forest (`RampClassifier`), its training, clustering for a verified benchmark, and
`classify_ramps` with its `RampClassification`."""

from ccdbadpix.ramps.classify import DEFAULT_DQ_MAPPING, classify_ramps
from ccdbadpix.ramps.clustering import (
    DEFAULT_CLUSTER_FEATURES,
    RampClusters,
    cluster_ramps,
    training_set_from_sample,
)
from ccdbadpix.ramps.features import FEATURE_NAMES, RampFeatures, estimate_read_noise, ramp_features
from ccdbadpix.ramps.forest import RampClassifier
from ccdbadpix.ramps.result import RampClassification

__all__ = ["DEFAULT_CLUSTER_FEATURES", "DEFAULT_DQ_MAPPING", "FEATURE_NAMES",
           "RampClassification", "RampClassifier", "RampClusters", "RampFeatures",
           "classify_ramps", "cluster_ramps", "estimate_read_noise", "ramp_features",
           "training_set_from_sample"]
