from setuptools import find_packages, setup

setup(
    name='infant_mmpose',
    version=open('infant_mmpose/version.py').read().split("'")[1],
    description='3D infant pose from RGB video: an MMPose/MMDetection plugin',
    packages=find_packages(include=['infant_mmpose', 'infant_mmpose.*']),
    python_requires='>=3.10',
    include_package_data=True,
    entry_points={
        'console_scripts': [
            'infant-mmpose-infer = infant_mmpose.apis.infer_cli:main',
        ],
    },
)
