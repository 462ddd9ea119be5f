"""`RampClusters`: the clusters of `~ccdbadpix.ramps.clustering.cluster_ramps` and the
sample to verify (`RampClusters.write_sample`, `RampClusters.plot_contact_sheet`)."""

from dataclasses import dataclass, field

import numpy as np
from astropy.table import Table

from ccdbadpix.ramps._sheet import _contact_sheet
from ccdbadpix.ramps.features import RampFeatures
from ccdbadpix.utils._files import _atomic_write

__all__ = ["RampClusters"]


@dataclass(frozen=True, eq=False)
class RampClusters:
    """Gaussian-Mixture clusters of ramp features and a sample to verify, from `cluster_ramps`.

    Attributes
    ----------
    labels : `~numpy.ndarray`
        (ny, nx) int cluster of each pixel, -1 for pixels left out (non-finite ramps or
        features, ``exclude``). Clusters are numbered by size, largest first.
    n_components : int
        Number of clusters (mixture components; a component may end up with no pixel).
    bic : dict or None
        Bayesian information criterion of each number of components tried, when
        ``n_components`` was chosen by it; None when it was given.
    sizes : `~numpy.ndarray`
        Pixels in each cluster.
    means : `~astropy.table.Table`
        One row per cluster: ``cluster``, ``size`` and the mean of every feature.
    sample : `~astropy.table.Table`
        Up to ``n_per_cluster`` pixels drawn at random from each cluster: ``cluster``,
        ``x``, ``y``, an empty ``verified_label`` column to fill in, and every feature.
    features : `~ccdbadpix.ramps.features.RampFeatures`
        The feature maps clustered.
    feature_names : tuple of str
        The features the mixture was fitted on.
    mixture : `sklearn.mixture.GaussianMixture`
        The fitted mixture; component ``i`` is cluster ``i``. It works on the
        features after ``preprocessor``.
    preprocessor : `sklearn.pipeline.Pipeline`
        Fitted map from raw feature values, (npixels, len(feature_names)), to the space
        of the mixture: signed logarithm, standardisation, rotation onto the principal
        axes. ``mixture.predict(preprocessor.transform(x))`` clusters new pixels.
    ramps : array or None
        The (ngroups, ny, nx) counts the features describe, kept (not copied) for
        `plot_contact_sheet`; None when the clusters were built from `RampFeatures`.
    ramp_unit : str
        Unit of ``ramps`` (``"DN"`` or ``"electron"``).

    Examples
    --------
    >>> from ccdbadpix.ramps.clustering import cluster_ramps
    >>> from ccdbadpix.simulate import simulate_ramps
    >>> sim = simulate_ramps((16, 16), ngroups=10, seed=0)
    >>> clusters = cluster_ramps(sim.data, times=sim.times, gain=sim.gain,
    ...                          read_noise=sim.read_noise, n_components=2,
    ...                          n_per_cluster=4)
    >>> clusters
    <RampClusters 2 clusters (given) of 256 pixels, 0 left out; sample of 5>
    >>> clusters.labels.shape, len(clusters.means)
    ((16, 16), 2)
    """

    labels: np.ndarray
    n_components: int
    bic: dict | None
    sizes: np.ndarray
    means: Table
    sample: Table
    features: RampFeatures = field(repr=False)
    feature_names: tuple = field(repr=False)
    mixture: object = field(repr=False)
    preprocessor: object = field(repr=False)
    ramps: object = field(default=None, repr=False)
    ramp_unit: str = "DN"

    def __repr__(self):
        how = "chosen by BIC" if self.bic is not None else "given"
        excluded = int((self.labels < 0).sum())
        return (f"<RampClusters {self.n_components} clusters ({how}) of "
                f"{self.labels.size - excluded} pixels, {excluded} left out; "
                f"sample of {len(self.sample)}>")

    def write_sample(self, path, overwrite=False):
        """Write `sample` as an ECSV table for a person to fill in ``verified_label``.

        The file's header explains what to do. Once filled in, pass the file to
        `training_set_from_sample`. (Reading it back with `~astropy.table.Table.read`,
        the still-empty ``verified_label`` column comes back masked and one character
        wide: assign the whole column, ``t["verified_label"] = names``, rather than
        single items, which astropy would truncate.)

        Parameters
        ----------
        path : str or `~pathlib.Path`
            Output file (``.ecsv``).
        overwrite : bool, optional
            Replace an existing file (otherwise `FileExistsError`).

        Returns
        -------
        `~pathlib.Path`
            The file written (atomically).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from astropy.table import MaskedColumn, Table
        >>> from ccdbadpix.ramps.clustering import cluster_ramps
        >>> from ccdbadpix.simulate import simulate_ramps
        >>> sim = simulate_ramps((24, 24), ngroups=10, seed=0)
        >>> clusters = cluster_ramps(sim.data, times=sim.times, gain=sim.gain,
        ...                          read_noise=sim.read_noise, n_components=2,
        ...                          n_per_cluster=3)
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "sample.ecsv"
        >>> _ = clusters.write_sample(path)
        >>> Table.read(path).colnames[:4]
        ['cluster', 'x', 'y', 'verified_label']
        """
        table = self.sample.copy()
        return _atomic_write(
            path, lambda tmp: table.write(tmp, format="ascii.ecsv", overwrite=True), overwrite)

    def plot_contact_sheet(self, path=None, *, ramps=None, max_per_cluster=12,
                           overwrite=False):
        """Grid of the sampled ramps: one row per cluster, one small panel per pixel.

        Each panel shows a pixel's signal minus its first group against time, titled
        with its (x, y); the first panel of a row names the cluster and its size. The
        pixels are the first ``max_per_cluster`` rows of each cluster in `sample`.

        Parameters
        ----------
        path : str or `~pathlib.Path`, optional
            Save the figure there, in the format of its extension (``.png``, ``.pdf``,
            ...), atomically.
        ramps : optional
            The ramps, when the clusters were built from `RampFeatures` (anything
            `ramp_features` accepts; of several integrations the first is drawn).
        max_per_cluster : int, optional
            Panels per row at most.
        overwrite : bool, optional
            Replace an existing ``path`` (otherwise `FileExistsError`).

        Returns
        -------
        `matplotlib.figure.Figure`

        Examples
        --------
        >>> from ccdbadpix.ramps.clustering import cluster_ramps
        >>> from ccdbadpix.simulate import simulate_ramps
        >>> sim = simulate_ramps((24, 24), ngroups=10, seed=0)
        >>> clusters = cluster_ramps(sim.data, times=sim.times, gain=sim.gain,
        ...                          read_noise=sim.read_noise, n_components=2,
        ...                          n_per_cluster=3)
        >>> fig = clusters.plot_contact_sheet()
        >>> len(fig.axes)  # 2 clusters x 3 pixels
        6
        """
        return _contact_sheet(self, path, ramps, max_per_cluster, overwrite)
