"""The report tool on a small fixture of MMEngine-style results and logs."""
import csv
import importlib.util
import json
import os
import os.path as osp

import pytest
from PIL import Image

from infant_mmpose.visualization import report
from infant_mmpose.utils import PROJECT_ROOT

MPII_JOINTS = ['r_ankle', 'r_knee', 'r_hip', 'l_hip', 'l_knee', 'l_ankle',
               'pelvis', 'thorax', 'upper_neck', 'head_top', 'r_wrist',
               'r_elbow', 'r_shoulder', 'l_shoulder', 'l_elbow', 'l_wrist']


def _pose_metrics(ajpe, pckh1, pckh2, prefix=''):
    """Metrics as the registered evaluators key them, per joint included."""
    metrics = {f'{prefix}AJPE': ajpe, f'{prefix}PCKh@1.0': pckh1,
               f'{prefix}PCKh@2.0': pckh2, 'data_time': 0.01, 'time': 0.1}
    for i, joint in enumerate(MPII_JOINTS):
        metrics[f'{prefix}PCKh@1.0/{joint}'] = 50.0 + i
        metrics[f'{prefix}AJPE/{joint}'] = 1.0 + i
    return metrics


def _write_work_dir(root, timestamp, metrics=None, log_lines=None):
    """An MMEngine work dir: <ts>/<ts>.json and <ts>/vis_data/scalars.json."""
    run = osp.join(root, timestamp)
    os.makedirs(osp.join(run, 'vis_data'), exist_ok=True)
    if metrics is not None:
        with open(osp.join(run, timestamp + '.json'), 'w') as f:
            json.dump(metrics, f)
    if log_lines is not None:
        with open(osp.join(run, 'vis_data', 'scalars.json'), 'w') as f:
            f.write('\n'.join(json.dumps(line) for line in log_lines) + '\n')
    return root


def _training_log(epochs=3, iters_per_epoch=4, start_epoch=1):
    """Lines as MMEngine's LoggerHook writes them: train iterations carry
    'iter' and 'epoch'; validation epochs carry metrics and 'val_loss'."""
    lines = []
    for epoch in range(start_epoch, start_epoch + epochs):
        for i in range(iters_per_epoch):
            it = (epoch - 1) * iters_per_epoch + i + 1
            lines.append(dict(lr=1e-4, data_time=0.01, loss=1.0 / epoch + i,
                              loss_kpt=1.0 / epoch, epoch=epoch, iter=it,
                              time=0.2, step=it))
        lines.append({'PCKh@1.0': 50.0 + epoch, 'val_loss': 2.0 / epoch,
                      'loss_kpt': 2.0 / epoch, 'data_time': 0.01,
                      'time': 0.1, 'step': epoch})
    return lines


@pytest.fixture(scope='module')
def fixture_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp('report_inputs')
    # 2D: a work dir with an older and a newer test run; the newer counts.
    pose2d = _write_work_dir(str(root / 'pose2d_test'), '20260101_000000',
                             metrics=_pose_metrics(99.0, 1.0, 2.0))
    _write_work_dir(pose2d, '20260102_000000',
                    metrics=_pose_metrics(8.5, 91.25, 95.5))
    # 3D: a bare metrics file, keys under an evaluator prefix.
    lifter = str(root / 'lifter.json')
    with open(lifter, 'w') as f:
        json.dump(_pose_metrics(26.0, 70.5, 90.0, prefix='test/'), f)
    detector = str(root / 'det.json')
    with open(detector, 'w') as f:
        json.dump({'mIoU': 88.123, 'IoU_below_0.7': 0.5,
                   'no_detection': 0.0}, f)
    # training log split over a run and its resumed continuation
    logs = _write_work_dir(str(root / 'pose2d_train'), '20260101_000000',
                           log_lines=_training_log(epochs=2))
    _write_work_dir(logs, '20260101_120000',
                    log_lines=_training_log(epochs=1, start_epoch=3))
    return dict(pose2d=pose2d, lifter=lifter, detector=detector, logs=logs)


@pytest.fixture(scope='module')
def written(fixture_dirs, tmp_path_factory):
    out = str(tmp_path_factory.mktemp('report_out'))
    return report.make_report(
        results=dict(pose2d=fixture_dirs['pose2d'],
                     lifter_gt2d=fixture_dirs['lifter'],
                     detector=fixture_dirs['detector']),
        logs=dict(pose2d=fixture_dirs['logs']), out_dir=out)


def _read_csv(path):
    with open(path, newline='') as f:
        return list(csv.reader(f))


def test_all_outputs_exist(written):
    expected = {'report', 'table_5_1.md', 'table_5_1.csv', 'table_5_2.md',
                'table_5_2.csv', 'table_stages.md', 'table_stages.csv',
                'per_joint_pckh_2d', 'per_joint_pckh_3d', 'loss_pose2d'}
    assert set(written) == expected
    for path in written.values():
        assert osp.getsize(path) > 0, path


def test_table_5_1_layout_and_values(written):
    rows = _read_csv(written['table_5_1.csv'])
    assert rows[0] == ['Input Data', 'AJPE/mm (thesis)', 'AJPE/mm (this run)',
                       'PCKh 1.0/% (thesis)', 'PCKh 1.0/% (this run)',
                       'PCKh 2.0/% (thesis)', 'PCKh 2.0/% (this run)']
    body = {row[0]: row[1:] for row in rows[1:]}
    assert len(rows) == 5
    # this run's values (found under the 'test/' prefix) beside the thesis's
    assert body['MINI-RGBD 2D ground-truth'] == [
        '25.44', '26.00', '69.28', '70.50', '91.19', '90.00']
    # stages not evaluated: thesis numbers only
    assert body['2D Pose Estimation Model (fine-tuning)'] == [
        '28.47', '', '65.20', '', '88.99', '']
    assert body['Hesse et al. (random ferns, RGB-D)'][::2] == [
        '44.90', '51.09', '83.87']


def test_table_5_2_and_stage_table(written):
    rows = _read_csv(written['table_5_2.csv'])
    assert len(rows[0]) == 5 and len(rows) == 8
    assert [r[0] for r in rows[1:]] == [
        'Full 2D Model', 'w/o Adult Pre-training', 'w/o Mapping',
        'w/o Bounding Box Crop', 'Full 3D Model', 'w/o Adult Pre-training',
        'w/o Mapping']
    # newest 2D run (91.25 %, 8.5 px), not the older one
    assert rows[1][1:] == ['93.77', '91.25', '8.17', '8.50']
    assert rows[5][1:] == ['69.28', '70.50', '25.44', '26.00']
    stages = {(r[0], r[1]): r[2:] for r in _read_csv(
        written['table_stages.csv'])[1:]}
    assert stages[('Detector (Faster R-CNN)', 'mean IoU/%')] == [
        '87.70', '88.12']
    assert stages[('Detector (Faster R-CNN)',
                   'images with IoU < 0.7/%')] == ['0.0045', '0.50']
    md = open(written['table_5_1.md']).read().splitlines()
    assert md[2].startswith('| Input Data |') and md[3].count('---') == 7
    assert '—' in md[-1]  # missing values shown as a dash in Markdown


def test_charts_are_pngs_of_the_documented_size(written):
    for name, size in (('per_joint_pckh_2d', report.PER_JOINT_CHART_PX),
                       ('per_joint_pckh_3d', report.PER_JOINT_CHART_PX),
                       ('loss_pose2d', report.LOSS_CHART_PX)):
        with open(written[name], 'rb') as f:
            assert f.read(8) == b'\x89PNG\r\n\x1a\n'
        with Image.open(written[name]) as img:
            img.verify()
        with Image.open(written[name]) as img:
            assert img.size == size
            # a drawn chart, not a blank canvas
            assert len(img.convert('L').getcolors(1 << 16)) > 10


def test_report_links_what_it_wrote(written):
    text = open(written['report']).read()
    for name in ('per_joint_pckh_2d.png', 'per_joint_pckh_3d.png',
                 'loss_pose2d.png', 'Table 5.1', 'Table 5.2'):
        assert name in text


def test_find_metric_plain_and_prefixed():
    plain = _pose_metrics(1.0, 2.0, 3.0)
    value, per_joint = report.find_metric(plain, 'PCKh@1.0')
    assert value == 2.0 and list(per_joint) == MPII_JOINTS
    assert per_joint['l_wrist'] == 65.0
    value, per_joint = report.find_metric(
        _pose_metrics(1.0, 2.0, 3.0, prefix='val/'), 'AJPE')
    assert value == 1.0 and per_joint['r_ankle'] == 1.0
    assert report.find_metric(plain, 'PCK@150mm') == (None, {})


def test_training_log_split_and_epoch_means(fixture_dirs):
    train, val = report.load_training_log(fixture_dirs['logs'])
    assert len(train) == 12 and len(val) == 3  # both runs, oldest first
    assert [r['step'] for r in val] == [1, 2, 3]
    curves = report.training_curves(train, val)
    assert list(curves) == ['training loss', 'validation loss (val_loss)',
                            'validation PCKh@1.0']
    epochs, means = curves['training loss']
    assert epochs == [1, 2, 3]
    # mean over iterations i=0..3 of 1/epoch + i
    assert means == pytest.approx([1.0 / e + 1.5 for e in (1, 2, 3)])
    assert curves['validation loss (val_loss)'] == (
        [1, 2, 3], pytest.approx([2.0, 1.0, 2.0 / 3]))
    assert curves['validation PCKh@1.0'][1] == [51.0, 52.0, 53.0]
    # without a 'val_loss' key the other validation losses are used
    stripped = [{k: v for k, v in r.items() if k != 'val_loss'} for r in val]
    assert 'validation loss (loss_kpt)' in report.training_curves(
        train, stripped)


def test_bad_inputs_give_clear_errors(tmp_path, fixture_dirs):
    with pytest.raises(ValueError, match='unknown stage'):
        report.make_report({'pose3d': fixture_dirs['lifter']}, {},
                           str(tmp_path))
    with pytest.raises(FileNotFoundError, match='no <timestamp>'):
        report.load_metrics(str(tmp_path))
    bad = tmp_path / 'scalars.json'
    bad.write_text('{"loss": 1}\n{"loss": 2}\n')
    with pytest.raises(ValueError, match='--logs'):
        report.load_metrics(str(bad))
    no_loss = tmp_path / 'no_loss.json'
    no_loss.write_text('{"lr": 1, "iter": 1, "step": 1}\n')
    with pytest.raises(ValueError, match='no loss values'):
        report.make_report({}, {'pose2d': str(no_loss)}, str(tmp_path))
    bad.write_text('{"loss": 1}\nnot json\n')
    with pytest.raises(ValueError, match=r'scalars.json:2'):
        report.load_training_log(str(bad))


def _make_report_cli():
    """``tools/analysis/make_report.py`` loaded as a module (in-process, so
    the test does not pay for a second interpreter)."""
    script = osp.join(PROJECT_ROOT, 'tools', 'analysis', 'make_report.py')
    spec = importlib.util.spec_from_file_location('make_report', script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli(fixture_dirs, tmp_path, capsys):
    cli = _make_report_cli()
    out = tmp_path / 'cli'
    assert cli.main(['--results', f'pose2d={fixture_dirs["pose2d"]}',
                     '--logs', f'pose2d={fixture_dirs["logs"]}',
                     '--out', str(out)]) == 0
    assert 'report: ' in capsys.readouterr().out
    assert (out / 'report.md').is_file()
    assert (out / 'loss_pose2d.png').is_file()
    # no 3D results: the 3D chart is skipped and the report says so
    assert not (out / 'per_joint_pckh_3d.png').exists()
    assert 'no per-joint values' in (out / 'report.md').read_text()
    # a bad stage name is reported, not a traceback
    assert cli.main(['--results', f'pose3d={fixture_dirs["lifter"]}',
                     '--out', str(out)]) == 1
    assert 'unknown stage' in capsys.readouterr().err
    with pytest.raises(SystemExit, match='STAGE=PATH'):
        cli.main(['--results', 'nostage', '--out', str(out)])
    assert cli.main(['--list-stages']) == 0
    assert 'lifter_pred2d_ft' in capsys.readouterr().out


def test_per_joint_series_pairs_3dhp_with_minirgbd():
    """Figure 5.5's pairing: the MPI-INF-3DHP lifter's PCK@150mm beside the
    MINI-RGBD lifter's PCKh@1.0, joint by joint."""
    lifter = _pose_metrics(26.0, 70.5, 90.0)
    adult = {'PCK@150mm': 92.0, 'AUC': 60.0}
    adult.update({f'PCK@150mm/{j}': 90.0 for j in MPII_JOINTS})
    results = {'lifter_gt2d': lifter, 'lifter_3dhp': adult,
               'pose2d': _pose_metrics(8.0, 93.0, 96.0)}
    series = report.per_joint_series(results, '3d')
    assert list(series) == ['lifter_3dhp: PCK@150mm', 'lifter_gt2d: PCKh@1.0']
    assert series['lifter_gt2d: PCKh@1.0']['r_knee'] == 51.0
    assert list(report.per_joint_series(results, '2d')) == [
        'pose2d: PCKh@1.0']


def test_data_note_heads_the_report(fixture_dirs, tmp_path):
    note = 'This run: synthetic data, not comparable with the thesis.'
    with_note = report.make_report({'pose2d': fixture_dirs['pose2d']}, {},
                                   str(tmp_path / 'noted'), data_note=note)
    text = open(with_note['report']).read()
    assert text.index(note) < text.index('Thesis numbers:')
    plain = report.make_report({'pose2d': fixture_dirs['pose2d']}, {},
                               str(tmp_path / 'plain'))
    assert note not in open(plain['report']).read()


def test_report_states_the_pckh_convention_of_each_stage(tmp_path):
    """HeadPCK records its convention beside the values; the report names
    it per stage, and says so when a results file predates the key."""
    thesis_rule = _pose_metrics(26.0, 65.0, 90.0, prefix='test/')
    thesis_rule['test/PCKh_zero_error_correct'] = 0.0
    zero_correct = _pose_metrics(26.0, 71.25, 96.25)
    zero_correct['PCKh_zero_error_correct'] = 1.0
    paths = {}
    for stage, metrics in (('lifter_gt2d', thesis_rule),
                           ('lifter_pred2d', zero_correct),
                           ('pose2d', _pose_metrics(8.0, 90.0, 95.0)),
                           ('detector', {'mIoU': 80.0})):
        paths[stage] = str(tmp_path / f'{stage}.json')
        with open(paths[stage], 'w') as f:
            json.dump(metrics, f)
    written = report.make_report(paths, {}, str(tmp_path / 'out'))
    text = open(written['report']).read()
    section = text[text.index('**PCKh convention'):]
    lines = [line for line in section.splitlines() if line.startswith('- `')]
    by_stage = {line.split('`')[1]: line for line in lines[:3]}
    assert set(by_stage) == {'lifter_gt2d', 'lifter_pred2d', 'pose2d'}
    assert '0 < error' in by_stage['lifter_gt2d']
    assert 'zero error correct' in by_stage['lifter_pred2d']
    assert 'not stated' in by_stage['pose2d']
    assert report.pckh_convention(thesis_rule) is False
    assert report.pckh_convention(zero_correct) is True
    assert report.pckh_convention({'mIoU': 1.0}) is None
