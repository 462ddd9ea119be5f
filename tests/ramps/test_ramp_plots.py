"""Figures of ramp classifications: class map, confidence, example ramps."""

from types import SimpleNamespace

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ccdbadpix import classify_ramps  # noqa: E402
from ccdbadpix.plotting import (  # noqa: E402
    plot_class_ramps,
    plot_classification,
    plot_confidence,
)
from ccdbadpix.simulate import simulate_ramps  # noqa: E402


@pytest.fixture(scope="module")
def result():
    sim = simulate_ramps((48, 48), ngroups=20, seed=3)
    return classify_ramps(sim.data, times=sim.times, gain=sim.gain, progress=False)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _present(res):
    counts = res.counts()
    return [name for name in res.classes if counts[name]]


def _fake(labels, classes=("good", "hot", "warm", "uncertain")):
    labels = np.asarray(labels, np.int16)
    return SimpleNamespace(classes=classes, labels=labels,
                           confidence=np.ones(labels.shape, np.float32), meta={})


def test_map_legend_lists_each_class_present_with_its_count(result):
    ax = plot_classification(result, title="map")
    counts = result.counts()
    expected = [f"{name} ({counts[name]})" for name in _present(result) if name != "good"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == expected
    assert ax.get_title() == "map"
    image = ax.get_images()[0]
    assert image.get_array().shape == result.labels.shape
    np.testing.assert_array_equal(image.get_array(), result.labels)  # small: every pixel
    assert image.get_interpolation() == "nearest"


def test_map_show_good_and_given_axes(result):
    _, ax = plt.subplots()
    out = plot_classification(result, ax=ax, show_good=True)
    assert out is ax
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[0] == f"good ({result.counts()['good']})"
    assert len(texts) == len(_present(result))
    assert result.plot_map().get_legend() is not None  # the RampClassification method


def test_large_map_is_block_reduced_keeping_isolated_defects():
    labels = np.zeros((100, 100), np.int16)
    labels[57, 13] = 1  # one hot pixel
    labels[3, 90] = 3  # one uncertain pixel
    labels[4, 91] = 2  # a warm pixel in the same block: the more severe class wins
    ax = plot_classification(_fake(labels), max_display=10)
    shown = ax.get_images()[0].get_array()
    assert shown.shape == (10, 10)
    assert shown[5, 1] == 1 and shown[0, 9] == 2
    assert np.count_nonzero(shown) == 2
    assert ax.get_xlim() == (-0.5, 99.5)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["hot (1)", "warm (1)", "uncertain (1)"]


def test_map_rejects_other_objects():
    with pytest.raises(TypeError, match="RampClassification"):
        plot_classification(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="max_display"):
        plot_classification(_fake(np.zeros((4, 4))), max_display=0)


def test_confidence_figure_has_map_colorbar_and_one_histogram_per_class(result):
    fig = plot_confidence(result, bins=10)
    hist = [ax for ax in fig.axes if ax.get_label().startswith("confidence histogram")]
    assert [ax.get_label().split()[-1] for ax in hist] == _present(result)
    assert all(ax.get_yscale() == "log" for ax in hist)
    assert all(ax.get_xlim() == (0, 1) for ax in hist)
    counts = result.counts()
    for ax in hist:
        name = ax.get_label().split()[-1]
        assert ax.get_title() == f"{name} ({counts[name]})"
        assert sum(p.get_height() for p in ax.patches) == counts[name]
    image = fig.axes[0].get_images()[0]
    np.testing.assert_allclose(image.get_array(), result.confidence)
    assert len(fig.axes) == len(hist) + 2  # map and colour bar
    assert result.plot_confidence() is not None


def test_confidence_map_of_a_large_image_shows_the_lowest_per_block():
    res = _fake(np.zeros((40, 40)))
    res.confidence[7, 33] = 0.2
    fig = plot_confidence(res, max_display=8)
    shown = fig.axes[0].get_images()[0].get_array()
    assert shown.shape == (8, 8)
    assert shown[1, 6] == pytest.approx(0.2)
    assert shown.min() == pytest.approx(0.2)


def test_class_ramps_one_row_per_class_present(result):
    fig = plot_class_ramps(result, n_per_class=3, seed=1)
    present = _present(result)
    axes = np.array(fig.axes).reshape(len(present), 3)
    assert [row[0].get_ylabel().split()[0] for row in axes] == present
    counts = result.counts()
    gain = result.gain.value
    cube = np.asarray(result.ramps.cube)
    for row, name in zip(axes, present, strict=True):
        shown = [ax for ax in row if ax.axison]
        assert len(shown) == min(3, counts[name])
        for ax in shown:
            xy, conf = ax.get_title().split("  conf ")
            x, y = (int(v) for v in xy.strip("()").split(","))
            assert result.labels[y, x] == result.classes.index(name)
            assert float(conf) == pytest.approx(result.confidence[y, x], abs=0.005)
            line = ax.get_lines()[0]
            np.testing.assert_allclose(line.get_xdata(), result.times.value)
            ramp = cube[0, :, y, x].astype(float)
            np.testing.assert_allclose(line.get_ydata(), (ramp - ramp[0]) * gain, rtol=1e-6)
    assert axes[-1][0].get_xlabel() == "time [s]"


def test_class_ramps_are_reproducible_and_selectable(result):
    def titles(fig):
        return [ax.get_title() for ax in fig.axes]

    assert titles(plot_class_ramps(result, seed=4)) == titles(plot_class_ramps(result, seed=4))
    fig = result.plot_ramps(classes=["hot", "dead"], n_per_class=2)
    assert [ax.get_ylabel().split()[0] for ax in fig.axes[::2]] == ["hot", "dead"]
    with pytest.raises(ValueError, match="unknown classes"):
        plot_class_ramps(result, classes=["sparkly"])
    with pytest.raises(ValueError, match="n_per_class"):
        plot_class_ramps(result, n_per_class=0)
    with pytest.raises(ValueError, match="integration"):
        plot_class_ramps(result, integration=1)
    with pytest.raises(ValueError, match="no ramps"):
        plot_class_ramps(_fake(np.zeros((4, 4))))
