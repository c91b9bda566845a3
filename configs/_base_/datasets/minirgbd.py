# MINI-RGBD 25 joints (Hesse et al., ECCVW 2018) in file order (FACTS section 1).
# SMIL/SMPL naming: thigh = hip, calf = knee, foot = ankle, upperArm = shoulder,
# foreArm = elbow, hand = wrist, shoulder = collar. Colours follow MMPose's
# convention: left limbs green, right limbs orange, centre line blue.
# Skeleton links are the SMPL kinematic tree (child -> parent).
# sigmas: COCO's per-part values for the matching body part (hip, knee,
# ankle, shoulder, elbow, wrist, eye/nose for the head); extra SMIL joints
# (spine, toes, fingers, collars) reuse their nearest COCO part.
_L = [0, 255, 0]
_R = [255, 128, 0]
_C = [51, 153, 255]
dataset_info = dict(
    dataset_name='minirgbd',
    paper_info=dict(
        author='Hesse, Nikolas and Bodensteiner, Christoph and Arens, Michael '
        'and Hofmann, Ulrich G. and Weinberger, Raphael and Schroeder, '
        'A. Sebastian',
        title='Computer Vision for Medical Infant Motion Analysis: State of '
        'the Art and RGB-D Data Set',
        container='ECCV Workshops',
        year='2018',
        homepage='https://www.iosb.fraunhofer.de/en/competences/image-'
        'exploitation/object-recognition/sensor-networks/motion-analysis.html',
    ),
    keypoint_info={
        0: dict(name='pelvis', id=0, color=_C, type='lower', swap=''),
        1: dict(name='leftThigh', id=1, color=_L, type='lower', swap='rightThigh'),
        2: dict(name='rightThigh', id=2, color=_R, type='lower', swap='leftThigh'),
        3: dict(name='spine', id=3, color=_C, type='upper', swap=''),
        4: dict(name='leftCalf', id=4, color=_L, type='lower', swap='rightCalf'),
        5: dict(name='rightCalf', id=5, color=_R, type='lower', swap='leftCalf'),
        6: dict(name='spine1', id=6, color=_C, type='upper', swap=''),
        7: dict(name='leftFoot', id=7, color=_L, type='lower', swap='rightFoot'),
        8: dict(name='rightFoot', id=8, color=_R, type='lower', swap='leftFoot'),
        9: dict(name='spine2', id=9, color=_C, type='upper', swap=''),
        10: dict(name='leftToes', id=10, color=_L, type='lower', swap='rightToes'),
        11: dict(name='rightToes', id=11, color=_R, type='lower', swap='leftToes'),
        12: dict(name='neck', id=12, color=_C, type='upper', swap=''),
        13: dict(name='leftShoulder', id=13, color=_L, type='upper',
                 swap='rightShoulder'),
        14: dict(name='rightShoulder', id=14, color=_R, type='upper',
                 swap='leftShoulder'),
        15: dict(name='head', id=15, color=_C, type='upper', swap=''),
        16: dict(name='leftUpperArm', id=16, color=_L, type='upper',
                 swap='rightUpperArm'),
        17: dict(name='rightUpperArm', id=17, color=_R, type='upper',
                 swap='leftUpperArm'),
        18: dict(name='leftForeArm', id=18, color=_L, type='upper',
                 swap='rightForeArm'),
        19: dict(name='rightForeArm', id=19, color=_R, type='upper',
                 swap='leftForeArm'),
        20: dict(name='leftHand', id=20, color=_L, type='upper', swap='rightHand'),
        21: dict(name='rightHand', id=21, color=_R, type='upper', swap='leftHand'),
        22: dict(name='leftFingers', id=22, color=_L, type='upper',
                 swap='rightFingers'),
        23: dict(name='rightFingers', id=23, color=_R, type='upper',
                 swap='leftFingers'),
        24: dict(name='noseVertex', id=24, color=_C, type='upper', swap=''),
    },
    skeleton_info={
        0: dict(link=('leftThigh', 'pelvis'), id=0, color=_L),
        1: dict(link=('rightThigh', 'pelvis'), id=1, color=_R),
        2: dict(link=('spine', 'pelvis'), id=2, color=_C),
        3: dict(link=('leftCalf', 'leftThigh'), id=3, color=_L),
        4: dict(link=('rightCalf', 'rightThigh'), id=4, color=_R),
        5: dict(link=('spine1', 'spine'), id=5, color=_C),
        6: dict(link=('leftFoot', 'leftCalf'), id=6, color=_L),
        7: dict(link=('rightFoot', 'rightCalf'), id=7, color=_R),
        8: dict(link=('spine2', 'spine1'), id=8, color=_C),
        9: dict(link=('leftToes', 'leftFoot'), id=9, color=_L),
        10: dict(link=('rightToes', 'rightFoot'), id=10, color=_R),
        11: dict(link=('neck', 'spine2'), id=11, color=_C),
        12: dict(link=('leftShoulder', 'spine2'), id=12, color=_L),
        13: dict(link=('rightShoulder', 'spine2'), id=13, color=_R),
        14: dict(link=('head', 'neck'), id=14, color=_C),
        15: dict(link=('leftUpperArm', 'leftShoulder'), id=15, color=_L),
        16: dict(link=('rightUpperArm', 'rightShoulder'), id=16, color=_R),
        17: dict(link=('leftForeArm', 'leftUpperArm'), id=17, color=_L),
        18: dict(link=('rightForeArm', 'rightUpperArm'), id=18, color=_R),
        19: dict(link=('leftHand', 'leftForeArm'), id=19, color=_L),
        20: dict(link=('rightHand', 'rightForeArm'), id=20, color=_R),
        21: dict(link=('leftFingers', 'leftHand'), id=21, color=_L),
        22: dict(link=('rightFingers', 'rightHand'), id=22, color=_R),
        23: dict(link=('noseVertex', 'head'), id=23, color=_C),
    },
    joint_weights=[1.0] * 25,
    sigmas=[
        0.107, 0.107, 0.107, 0.107, 0.087, 0.087, 0.107, 0.089, 0.089, 0.107,
        0.089, 0.089, 0.079, 0.079, 0.079, 0.079, 0.079, 0.079, 0.072, 0.072,
        0.062, 0.062, 0.062, 0.062, 0.026
    ])
