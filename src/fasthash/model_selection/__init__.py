# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""fasthash.model_selection (under construction)."""
