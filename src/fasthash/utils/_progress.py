# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Progress bars: ``tqdm.auto`` on stderr (a widget in notebooks), or nothing."""

import sys

__all__ = ["progress_bar"]


def progress_bar(total, enabled, desc, unit="fit", **options):
    """A ``tqdm.auto`` bar on stderr, or None when ``enabled`` is false.

    Parameters
    ----------
    total : int, float or None
        The amount of work, in ``unit``; None if unknown (no time left is shown).
    enabled : bool
        Whether to show a bar at all.
    desc : str
        The text before the bar.
    unit : str, default="fit"
        What is counted.
    **options
        Further keyword arguments of ``tqdm`` (``unit_scale``, ``unit_divisor``, ...).

    Returns
    -------
    bar : tqdm.auto.tqdm or None
        The caller updates and closes it.
    """
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, **options)
