# COCO 17 joints: the definition of MMPose's COCO-trained 2D models (the zoo:
# SimpleBaseline, HRNet, RTMPose, ViTPose) and of the public real-infant 2D
# data (SyRIP, FiDIP's benchmark). MMPose's own metainfo, inherited unchanged
# (names, flip pairs, skeleton and the OKS sigmas CocoMetric scores with):
# 0 nose 1 left_eye 2 right_eye 3 left_ear 4 right_ear 5 left_shoulder
# 6 right_shoulder 7 left_elbow 8 right_elbow 9 left_wrist 10 right_wrist
# 11 left_hip 12 right_hip 13 left_knee 14 right_knee 15 left_ankle
# 16 right_ankle
_base_ = ['mmpose::_base_/datasets/coco.py']
