# MPII 16 joints, the project's default common keypoint definition.
# Reuses MMPose's own metainfo unchanged (FACTS section 2 order):
# 0 right_ankle 1 right_knee 2 right_hip 3 left_hip 4 left_knee 5 left_ankle
# 6 pelvis 7 thorax 8 upper_neck 9 head_top 10 right_wrist 11 right_elbow
# 12 right_shoulder 13 left_shoulder 14 left_elbow 15 left_wrist
_base_ = ['mmpose::_base_/datasets/mpii.py']
