# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Under construction."""
