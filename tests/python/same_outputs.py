#!/usr/bin/python3
"""same_outputs.py GOT.npy WANT.npy: exit 0 when the shapes are equal and the largest difference is
at most 1e-5 of the expected output's largest magnitude (logits near zero make elementwise relative
error meaningless)."""
import sys

import numpy as np

got, want = np.load(sys.argv[1]), np.load(sys.argv[2])
if got.shape != want.shape:
    sys.exit(f"shape {got.shape}, expected {want.shape}")
err = np.abs(got - want).max() / max(np.abs(want).max(), 1e-12)
sys.exit(0 if err <= 1e-5 else f"max error {err} relative to the output's range")
