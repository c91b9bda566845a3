"""Generators of the project's built-in data: MINI-RGBD- and
MPI-INF-3DHP-format folders (written in the real formats, read back by the
real readers) and synthetic 3D movement series for the movement analysis.
"""
