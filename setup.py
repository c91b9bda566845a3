"""infant_mmpose as a package.

``pip install -e .`` (the Makefile's way) uses the checkout's ``configs/``.
A normal install (``pip install .``, a wheel) copies ``configs/`` into the
package as ``infant_mmpose/.mim/configs``, the layout MMPose uses for its
own configs, where ``infant_mmpose.get_config`` finds them.
"""
import os
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildPyWithConfigs(build_py):
    """``build_py`` that also packages ``configs/`` as ``.mim/configs``."""

    def run(self):
        super().run()
        if getattr(self, 'editable_mode', False):
            return  # an editable install reads the checkout's configs/
        target = os.path.join(self.build_lib, 'infant_mmpose', '.mim',
                              'configs')
        if os.path.isdir(target):
            shutil.rmtree(target)
        shutil.copytree(
            os.path.join(HERE, 'configs'), target,
            ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))


setup(
    name='infant_mmpose',
    version=open(os.path.join(HERE, 'infant_mmpose', 'version.py')).read()
    .split("'")[1],
    description='3D infant pose from RGB video: an MMPose/MMDetection plugin',
    packages=find_packages(include=['infant_mmpose', 'infant_mmpose.*']),
    python_requires='>=3.10',
    include_package_data=True,
    cmdclass={'build_py': BuildPyWithConfigs},
    entry_points={
        'console_scripts': [
            'infant-mmpose-infer = infant_mmpose.apis.infer_cli:main',
        ],
    },
)
