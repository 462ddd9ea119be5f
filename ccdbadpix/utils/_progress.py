"""Progress bars (astropy's), switchable off."""

__all__ = []


def _progress(iterable, enabled, total=None):
    """Iterate with an astropy progress bar when ``enabled``."""
    if not enabled:
        yield from iterable
        return
    from astropy.utils.console import ProgressBar

    items = list(iterable) if total is None else iterable
    with ProgressBar(len(items) if total is None else total) as bar:
        for item in items:
            yield item
            bar.update()
