"""``pip install .`` (not editable) gives a working package: the wheel is
built from a copy of the sources, installed without dependencies into a
temporary target, and used from outside the checkout (the OpenMMLab stack
comes from this environment's site-packages)."""
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest

from infant_mmpose.utils import PROJECT_ROOT

IGNORE = shutil.ignore_patterns('__pycache__', '*.pyc', '.mim')

USE_INSTALLED = textwrap.dedent('''
    import os.path as osp, sys
    import numpy as np
    target = sys.argv[1]
    import infant_mmpose
    assert infant_mmpose.__file__.startswith(target), infant_mmpose.__file__
    from infant_mmpose.utils import configs_root
    assert configs_root() == osp.join(target, 'infant_mmpose', '.mim',
                                      'configs'), configs_root()
    config = infant_mmpose.get_config('quickstart/pose2d')
    assert config.startswith(target), config
    from mmengine.config import Config
    cfg = Config.fromfile(config)  # its _base_ chain resolves in the package
    assert cfg.model.head.out_channels == 16
    from mmpose.apis import inference_topdown, init_model
    model = init_model(config, device='cpu')  # data-set metainfo from the package
    image = np.random.default_rng(0).integers(0, 255, (120, 160, 3), np.uint8)
    result = inference_topdown(model, image)[0].pred_instances
    assert result.keypoints.shape == (1, 16, 2), result.keypoints.shape
    assert model.dataset_meta['keypoint_id2name'][6] == 'pelvis'
    print('OK', len(model.dataset_meta['keypoint_id2name']))
''')


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """(target folder, wheel path) of a wheel built and installed."""
    work = tmp_path_factory.mktemp('package')
    src = work / 'src'
    shutil.copytree(osp.join(PROJECT_ROOT, 'infant_mmpose'),
                    src / 'infant_mmpose', ignore=IGNORE)
    shutil.copytree(osp.join(PROJECT_ROOT, 'configs'), src / 'configs',
                    ignore=IGNORE)
    for name in ('setup.py', 'MANIFEST.in'):
        shutil.copy(osp.join(PROJECT_ROOT, name), src / name)
    shutil.copytree(osp.join(PROJECT_ROOT, 'requirements'),
                    src / 'requirements')
    wheels, target = work / 'wheels', work / 'target'
    pip = [sys.executable, '-m', 'pip', '--disable-pip-version-check']
    for cmd in ([*pip, 'wheel', '--no-deps', '--no-build-isolation', '-q',
                 '-w', str(wheels), str(src)],):
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel, ) = glob.glob(str(wheels / 'infant_mmpose-*.whl'))
    proc = subprocess.run([*pip, 'install', '--no-deps', '-q', '--target',
                           str(target), wheel],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return str(target), wheel


def _outside_env(target):
    env = dict(os.environ, PYTHONPATH=target)
    return env


def test_wheel_carries_every_config_under_mim(installed):
    _, wheel = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    configs = sorted(
        osp.relpath(p, osp.join(PROJECT_ROOT, 'configs'))
        for p in glob.glob(osp.join(PROJECT_ROOT, 'configs', '**', '*.py'),
                           recursive=True))
    assert len(configs) > 20
    for rel in configs:
        assert f'infant_mmpose/.mim/configs/{rel}' in names, rel


def test_installed_package_works_outside_the_checkout(installed, tmp_path):
    target, _ = installed
    script = tmp_path / 'use_installed.py'
    script.write_text(USE_INSTALLED)
    proc = subprocess.run([sys.executable, str(script), target],
                          cwd=str(tmp_path), env=_outside_env(target),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'OK 16' in proc.stdout


def test_console_command_from_the_installed_package(installed, tmp_path):
    target, _ = installed
    command = osp.join(target, 'bin', 'infant-mmpose-infer')
    assert osp.isfile(command)
    proc = subprocess.run([sys.executable, command, '--help'],
                          cwd=str(tmp_path), env=_outside_env(target),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'usage' in proc.stdout.lower()
