"""Deletes one root attribute of an HDF5 file, to make a file as an older vgs wrote it.

Usage: drop_h5_attribute.py FILE NAME
"""
import sys

import h5py

with h5py.File(sys.argv[1], "r+") as f:
    del f.attrs[sys.argv[2]]
