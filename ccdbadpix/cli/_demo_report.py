"""The report of ``ccdbadpix demo``: what was found against the simulated truth (hot
pixels, ramp classes, hot-pixel growth and cadence)."""

__all__ = []


def report(sim, mask, ramp_sim, classes, classify_time, trend_sim, trend):
    """Print the three recoveries: hot pixels, ramp classes, the trend."""
    _print_hot_recovery(sim, mask)
    _print_class_recovery(ramp_sim, classes, classify_time)
    _print_trend_recovery(trend_sim, trend)


def _recovery(found, truth):
    import numpy as np

    tp = int(np.count_nonzero(found & truth))
    precision = tp / max(int(found.sum()), 1)
    recall = tp / max(int(truth.sum()), 1)
    return precision, recall


def _print_hot_recovery(sim, mask):
    """The demo's hot-pixel report, every figure taken from the mask that is written."""
    import numpy as np

    flagged = {name: mask.to_boolean(flags=name) for name in
               ("HOT", "WARM", "SATURATED", "UNRELIABLE_DARK")}
    print(f"hot_pixels.fits, hot_pixels_jwst_mask.fits and hot_pixel_map.png: "
          f"neighbors='none' (pixels hot in their own right, IPC coupling measured "
          f"{mask.meta['IPCALPHA']:.4f}, simulated {sim.ipc_alpha})")
    for line in mask.summary().splitlines():
        print(f"  {line}")
    rows = (("hot pixels (>= 1 e/s):", sim.hot, "HOT"),
            ("warm pixels (0.1-1 e/s):", sim.warm, "WARM"),
            ("not proportional to t:", sim.nonproportional, "UNRELIABLE_DARK"))
    for label, truth, flag in rows:
        precision, recall = _recovery(flagged[flag], truth)
        print(f"  {label:<25}{int(truth.sum()):6d} injected, {int(flagged[flag].sum())} "
              f"flagged {flag}, precision {precision:.3f}, recall {recall:.3f}")
    lit = int(np.count_nonzero(flagged["HOT"] & sim.ipc_lit))
    print(f"  {'IPC-lit neighbours:':<25}{int(sim.ipc_lit.sum()):6d} above the hot threshold only "
          f"through IPC, {lit} flagged HOT")
    sat = sim.saturated[-1]
    both = int(np.count_nonzero(flagged["SATURATED"] & sat))
    print(f"  {'saturated in 1000 s:':<25}{int(sat.sum()):6d} simulated, "
          f"{int(flagged['SATURATED'].sum())} flagged SATURATED ({both} of them truly "
          "saturated)")


def _print_class_recovery(sim, res, seconds):
    """Per-class precision and recall of a ramp classification against the truth."""
    import numpy as np

    truth = sim.observable_labels(ambiguous_step=1.0)
    scored = truth >= 0
    ngroups = sim.times.size
    ny, nx = res.labels.shape
    counts = res.counts()
    print(f"ramp classification: {ny} x {nx} pixels, {ngroups} groups, read noise "
          f"{sim.read_noise:.3g}, in {seconds:.2f} s; 'labelled' counts every pixel, as "
          "ramp_class_map.png does; precision and recall leave out the "
          f"{int((~scored).sum())} pixels with a cosmic-ray step of 1-6 read noises (too "
          "small to see, yet biasing the dark current):")
    print(f"  {'class':<12}{'true':>7}{'labelled':>9}{'precision':>11}{'recall':>8}")
    for code, name in enumerate(sim.classes):
        found = (res.labels == res.classes.index(name)) & scored
        true = truth == code
        precision, recall = _recovery(found, true)
        print(f"  {name:<12}{int(true.sum()):7d}{counts[name]:9d}{precision:11.3f}"
              f"{recall:8.3f}")
    accuracy = float(np.mean(res.labels[scored] == truth[scored]))
    print(f"  uncertain (confidence < {res.meta['MINCONF']:g}): {counts['uncertain']} pixels; "
          f"accuracy {accuracy:.4f}; {len(res.cosmic_rays)} cosmic-ray events")
    print(f"  ramp_dq_mask.fits: {int(res.dq.to_boolean().sum())} flagged pixels")


def _cadence_text(trend, max_risk, n_stamps):
    """'every 8.7 months (264 days)', or why no cadence follows from the fitted growth."""
    from ccdbadpix.utils._units import month

    fit = trend.fits[0]
    rate, err = fit["rate"].value, fit["rate_err"].value
    if not rate > 0:
        return f"no cadence: the fitted growth ({rate:.2g} +- {err:.2g} pix/month) is not positive"
    if err > rate:
        return (f"no cadence: the fitted growth ({rate:.2g} +- {err:.2g} pix/month) is not "
                "significant")
    cadence = trend.recommend_cadence(max_risk, n_stamps=n_stamps)
    return f"every {cadence.to_value(month):.2g} months ({cadence.to_value('d'):.0f} days)"


def _print_trend_recovery(sim, trend):
    """The demo's trending report: fitted growth and steps against the truth."""
    import astropy.units as u
    import numpy as np

    from ccdbadpix.utils._units import month

    ny, nx = sim.frames[0].shape
    print(f"hot-pixel trend: {ny} x {nx} pixels, {len(sim.times)} monthly epochs "
          f"{sim.times[0].isot[:10]} to {sim.times[-1].isot[:10]}, "
          f"{int(sim.step.sum())} pixels added at once on {sim.step_time.isot[:10]}:")
    print(f"  {'threshold':>12}{'fitted pix/month':>20}{'true':>8}{'step found':>12}"
          f"{'true step':>11}")
    for row in trend.fits:
        thr = row["threshold"]
        true_step = int(np.count_nonzero(sim.step & (sim.amplitude >= thr)))
        fitted = f"{row['rate'].value:.1f} +- {row['rate_err'].value:.1f}"
        step = f"{row['step'].value:.0f}" if row["n_steps"] else "none"
        print(f"  {thr.value:>7g} DN/s{fitted:>20}"
              f"{sim.realized_rate(thr).to_value(u.pix / month):8.1f}{step:>12}"
              f"{true_step:>11d}")
    frac = trend.fits["fraction_per_year"][0].to_value(1 / u.yr)
    print(f"  {100 * frac:.3g} % of the pixels turn hot (>= 1 DN/s) per year (NIRSpec: "
          "0.02 %); to keep the risk of an unmasked hot pixel below 10 %, update the mask")
    for n in (1, 8):
        print(f"    {_cadence_text(trend, 0.1, n)} for {n} 32x32 stamp{'s' if n > 1 else ''}")

