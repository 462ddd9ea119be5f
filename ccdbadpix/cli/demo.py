"""The ``ccdbadpix demo`` command: simulate a detector, run ccdbadpix on it, write the
masks and figures and report recovery against the truth."""

import time
from pathlib import Path

from ccdbadpix import __version__
from ccdbadpix.cli._args import check_outputs, int_at_least, nonnegative_int
from ccdbadpix.cli._common import save_figure, save_mask_plot

__all__ = []

OPTIONS = None
#: Files the demo writes into --out.
_DEMO_OUTPUTS = ("hot_pixels.fits", "hot_pixels_jwst_mask.fits", "hot_pixel_map.png",
                 "dark_current_histogram.png", "ramp_dq_mask.fits", "ramp_class_map.png",
                 "hot_pixel_trend.ecsv", "trend_counts.png", "trend_risk.png")


def add_parser(subparsers):
    """The ``demo`` subcommand and its options."""
    demo = subparsers.add_parser(
        "demo", help="simulate a detector and run ccdbadpix on it",
        description="Simulate darks of a detector with known hot, warm, IPC-lit, saturating "
        "and non-proportional pixels, and up-the-ramp cubes with every ramp class (at most "
        "256 x 256); find and classify them; write the masks and figures; report recovery "
        "against the truth.")
    demo.add_argument("--out", default="ccdbadpix_demo", help="output folder")
    demo.add_argument("--size", type=int_at_least(16), default=1024,
                      help="detector size in pixels (at least 16; default 1024)")
    demo.add_argument("--seed", type=nonnegative_int, default=2026,
                      help="random seed (default 2026)")
    demo.add_argument("--overwrite", action="store_true", help="replace existing files")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    return demo


def run(args):
    """Run the demo's steps into --out, then print the report."""
    out = Path(args.out)
    _check_demo_folder(out, args.overwrite)

    from ccdbadpix.cli._demo_report import report
    from ccdbadpix.utils._progress import _progress

    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    demo = _Demo(args, out)
    for label, step in _progress(demo.steps(), enabled=not args.no_progress):
        if args.no_progress:
            print(f"{label} ...")
        step()

    print()
    print(f"ccdbadpix {__version__} demo: {args.size} x {args.size} detector, darks of "
          f"90 s and 1000 s, gain 1.5 e/adu, IPC alpha {demo.sim.ipc_alpha}")
    report(demo.sim, demo.mask, demo.ramp_sim, demo.classes, demo.classify_time,
           demo.trend_sim, demo.trend)
    print(f"wrote {out}/{', '.join(_DEMO_OUTPUTS)} in {time.perf_counter() - start:.1f} s")
    return 0


def _check_demo_folder(out, overwrite):
    """--out is a folder (or can be made), none of the demo's files is in the way."""
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} is a file, not a folder; give a folder (it is "
                                 "made if missing)")
    if out.is_dir():
        check_outputs([("--out", out / name) for name in _DEMO_OUTPUTS], overwrite)
        return
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise NotADirectoryError(f"--out {out}: {parent} is not a folder")


class _Demo:
    """The demo's steps, in order; each keeps what it makes for the next and the report."""

    def __init__(self, args, out):
        import astropy.units as u

        self.args, self.out = args, out
        self.e_s = u.electron / u.s
        self.gain = 1.5 * u.electron / u.adu
        self.saturation = 65535 * u.adu
        self.ramp_size = min(args.size, 256)
        self.trend_size = max(256, min(args.size, 1024))

    def steps(self):
        """(label, step) pairs, in the order they run."""
        return [("simulating darks", self.simulate), ("finding hot pixels", self.find),
                ("writing masks", self.write), ("drawing figures", self.figures),
                ("simulating and classifying ramps", self.classify),
                ("writing the ramp mask and map", self.write_classes),
                ("simulating and trending three years of darks", self.trend_darks),
                ("writing the trend table and figures", self.write_trend)]

    def simulate(self):
        import astropy.units as u

        from ccdbadpix.simulate import simulate_darks

        self.sim = simulate_darks(
            (self.args.size, self.args.size), exposure_times=(90, 1000) * u.s,
            gain=self.gain, read_noise=10 * u.electron, hot_fraction=2e-3,
            hot_rate=(1, 300) * self.e_s, warm_fraction=4e-3, nonproportional_fraction=5e-4,
            saturation=self.saturation, ipc_alpha=0.015, seed=self.args.seed)

    def find(self):
        """The one mask the demo writes, plots and reports on, and the dark current."""
        from ccdbadpix.darks.current import measure_dark_current
        from ccdbadpix.darks.hotpixels import find_hot_pixels

        self.mask = find_hot_pixels(self.sim.darks, neighbors="none", gain=self.gain,
                                    threshold=1 * self.e_s, warm_threshold=0.1 * self.e_s,
                                    saturation=self.saturation)
        self.rate = measure_dark_current(self.sim.darks, gain=self.gain,
                                         saturation=self.saturation)

    def write(self):
        overwrite = self.args.overwrite
        self.mask.write(self.out / "hot_pixels.fits", overwrite=overwrite)
        self.mask.write(self.out / "hot_pixels_jwst_mask.fits", format="jwst",
                        instrument="NIRSPEC", detector="NRS1",
                        useafter="2026-01-01T00:00:00", pedigree="SIMULATION",
                        description="ccdbadpix demo mask (simulated detector)",
                        overwrite=overwrite)

    def figures(self):
        from ccdbadpix.darks.plotting import plot_dark_current_histogram

        save_mask_plot(self.mask, self.out / "hot_pixel_map.png", self.args.overwrite,
                       title="ccdbadpix demo: flagged pixels (neighbors='none')")
        ax = plot_dark_current_histogram(
            self.rate, thresholds={"hot": 1 * self.e_s, "warm": 0.1 * self.e_s},
            title="dark current of the simulated detector")
        ax.figure.tight_layout()
        save_figure(ax.figure, self.out / "dark_current_histogram.png", self.args.overwrite)

    def classify(self):
        from ccdbadpix.ramps.classify import classify_ramps
        from ccdbadpix.simulate import simulate_ramps

        size = self.ramp_size
        self.ramp_sim = sim = simulate_ramps((size, size), ngroups=40, seed=self.args.seed)
        t0 = time.perf_counter()
        self.classes = classify_ramps(sim.data, times=sim.times, gain=sim.gain, progress=False)
        self.classify_time = time.perf_counter() - t0

    def write_classes(self):
        self.classes.dq.write(self.out / "ramp_dq_mask.fits", overwrite=self.args.overwrite)
        ax = self.classes.plot_map(title=f"ccdbadpix demo: classes of {self.ramp_size} x "
                                   f"{self.ramp_size} simulated ramps")
        save_figure(ax.figure, self.out / "ramp_class_map.png", self.args.overwrite,
                    bbox_inches="tight")

    def trend_darks(self):
        """Three years of monthly darks with about NIRSpec's density of new hot pixels
        (0.02-0.03 % of the pixels per year); half way, a change in how neighbours are
        flagged adds a batch of pixels at once (the report's mid-2023 jump)."""
        import astropy.units as u

        from ccdbadpix.simulate import simulate_hot_pixel_series
        from ccdbadpix.trend.trend import trend_hot_pixels

        size = self.trend_size
        scale = (size / 1024) ** 2
        self.trend_sim = simulate_hot_pixel_series(
            (size, size), 37, start="2022-07-12", new_per_month=25 * scale,
            initial_hot=round(2000 * scale), heal_fraction=0.1,
            intermittent=round(100 * scale), step_time="2024-01-20",
            step_pixels=round(600 * scale), noise=0.02 * u.DN / u.s, seed=self.args.seed)
        self.trend = trend_hot_pixels(self.trend_sim.frames, progress=False)

    def write_trend(self):
        overwrite = self.args.overwrite
        self.trend.write(self.out / "hot_pixel_trend.ecsv", overwrite=overwrite)
        save_figure(self.trend.plot(), self.out / "trend_counts.png", overwrite)
        ax = self.trend.plot_risk(n_stamps=(1, 8), max_risk=0.1)
        save_figure(ax.figure, self.out / "trend_risk.png", overwrite, bbox_inches="tight")
