# MPI-INF-3DHP 17 joints: the test-set subset that MMPose's preprocessed npz
# files use. MMPose's metainfo already has exactly the order of FACTS
# section 2 (0 head_top ... 14 root (pelvis), 15 spine, 16 head), so it is
# inherited unchanged; only the name says which of the two 3DHP sets it is.
_base_ = ['mmpose::_base_/datasets/mpi_inf_3dhp.py']

dataset_info = dict(dataset_name='mpi_inf_3dhp17')
