"""Files on disk: data-set readers and caches, stage result files, COCO
conversion and the one atomic writer every other module uses.

Readers turn a data set's own files (MINI-RGBD folders, MPI-INF-3DHP
``annot.mat`` / calibration files) into numpy arrays; the registered data
sets in :mod:`infant_mmpose.datasets` build their samples from them.
"""
