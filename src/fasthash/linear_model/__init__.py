# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""fasthash.linear_model (under construction)."""
