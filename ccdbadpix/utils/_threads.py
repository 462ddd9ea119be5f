"""BLAS thread limits: results that must not depend on the number of threads."""

import contextlib
import functools

__all__ = []


@functools.lru_cache(maxsize=1)
def _blas_controller():
    """threadpoolctl's view of the BLAS libraries loaded (numpy's and scipy's are, by the
    time a cube is classified), made once: finding them costs milliseconds per call."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return None
    return ThreadpoolController()


def _one_blas_thread():
    """A context limiting the BLAS libraries to one thread each."""
    controller = _blas_controller()
    if controller is None:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")
