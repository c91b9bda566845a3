# Ablation (thesis Table 5.2, "3D w/o adult pre-training"): the ground-truth
# 2D MINI-RGBD lifter trained from random initialisation (no MPI-INF-3DHP).
_base_ = ['../lifter/martinez_minirgbd-gt2d.py']

load_from = None
