# MAVHEA: the thesis's real infant videos, 12 labelled limb joints (no
# pelvis, thorax, neck or head). Order derived from the thesis mapping into
# MPII (FACTS section 2): MPII joint i = MAVHEA joint
# [6, 7, 8, 3, 4, 5, -, -, -, -, 11, 10, 9, 2, 1, 0][i], i.e. MAVHEA lists
# the left arm wrist->shoulder, left leg hip->ankle, right leg ankle->hip,
# right arm shoulder->wrist.
# yapf: disable
dataset_info = dict(
    dataset_name='mavhea12',
    paper_info=dict(
        author='MAVHEA project, Imperial College London',
        title='MAVHEA real infant video data set (12 labelled limb joints)',
        container='unpublished; described in the thesis, section 5.8',
        year='2020',
        homepage='',
    ),
    keypoint_info={
        0: dict(name='left_wrist', id=0, color=[0, 255, 0], type='upper', swap='right_wrist'),
        1: dict(name='left_elbow', id=1, color=[0, 255, 0], type='upper', swap='right_elbow'),
        2: dict(name='left_shoulder', id=2, color=[0, 255, 0], type='upper', swap='right_shoulder'),
        3: dict(name='left_hip', id=3, color=[0, 255, 0], type='lower', swap='right_hip'),
        4: dict(name='left_knee', id=4, color=[0, 255, 0], type='lower', swap='right_knee'),
        5: dict(name='left_ankle', id=5, color=[0, 255, 0], type='lower', swap='right_ankle'),
        6: dict(name='right_ankle', id=6, color=[255, 128, 0], type='lower', swap='left_ankle'),
        7: dict(name='right_knee', id=7, color=[255, 128, 0], type='lower', swap='left_knee'),
        8: dict(name='right_hip', id=8, color=[255, 128, 0], type='lower', swap='left_hip'),
        9: dict(name='right_shoulder', id=9, color=[255, 128, 0], type='upper', swap='left_shoulder'),
        10: dict(name='right_elbow', id=10, color=[255, 128, 0], type='upper', swap='left_elbow'),
        11: dict(name='right_wrist', id=11, color=[255, 128, 0], type='upper', swap='left_wrist'),
    },
    skeleton_info={
        0: dict(link=('left_wrist', 'left_elbow'), id=0, color=[0, 255, 0]),
        1: dict(link=('left_elbow', 'left_shoulder'), id=1, color=[0, 255, 0]),
        2: dict(link=('left_shoulder', 'right_shoulder'), id=2, color=[255, 128, 0]),
        3: dict(link=('right_shoulder', 'right_elbow'), id=3, color=[255, 128, 0]),
        4: dict(link=('right_elbow', 'right_wrist'), id=4, color=[255, 128, 0]),
        5: dict(link=('left_shoulder', 'left_hip'), id=5, color=[0, 255, 0]),
        6: dict(link=('right_shoulder', 'right_hip'), id=6, color=[255, 128, 0]),
        7: dict(link=('left_hip', 'right_hip'), id=7, color=[255, 128, 0]),
        8: dict(link=('left_hip', 'left_knee'), id=8, color=[0, 255, 0]),
        9: dict(link=('left_knee', 'left_ankle'), id=9, color=[0, 255, 0]),
        10: dict(link=('right_hip', 'right_knee'), id=10, color=[255, 128, 0]),
        11: dict(link=('right_knee', 'right_ankle'), id=11, color=[255, 128, 0]),
    },
    joint_weights=[1.] * 12,
    sigmas=[])
