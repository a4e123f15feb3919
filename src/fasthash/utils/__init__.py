# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Internal utilities of fasthash."""
