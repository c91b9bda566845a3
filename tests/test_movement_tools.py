"""Movement analysis around the features (issue 13): reading the
inferencer's files, the normative comparison, the command and its sheets,
and the feature catalogue in ``docs/``."""
import csv
import os.path as osp

import cv2
import numpy as np
import pytest

from infant_mmpose.apis.writers import write_csv, write_json, write_npz
from infant_mmpose.movement import (NormativeReference, ReferenceError,
                                    SeriesFileError, analyse,
                                    catalogue_markdown, feature_names,
                                    feature_units, load_pose_series)
from infant_mmpose.synthetic.movement import synthetic_infant
from infant_mmpose.utils import PROJECT_ROOT

SCRIPT = osp.join(PROJECT_ROOT, 'tools', 'analysis', 'movement_features.py')


def _cli():
    import importlib.util
    spec = importlib.util.spec_from_file_location('movement_features_cli',
                                                  SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def recording():
    series = synthetic_infant(12, seed=7)
    series.status[40:43] = ['unreadable'] * 3
    series.keypoints_3d[40:43] = np.nan
    series.keypoints_2d[40:43] = np.nan
    return series


def test_npz_json_csv_files_read_back_to_the_same_features(tmp_path,
                                                           recording):
    direct = analyse(recording).features
    # NPZ stores float32, JSON times to 1 µs (3e-5 of a frame step: the
    # frames are resampled onto the exact grid), the CSV 3 decimals of a mm
    for write, ext, tol in ((write_npz, 'npz', 1e-5), (write_json, 'json',
                                                       1e-4),
                            (write_csv, 'csv', 2e-3)):
        path = write(str(tmp_path / f'run.{ext}'), recording)
        series = load_pose_series(path)
        assert series.joint_names == recording.joint_names
        assert series.status == recording.status
        assert series.fps == pytest.approx(recording.fps)
        assert series.keypoint_definition == 'mpii16'
        for name, value in analyse(path).features.items():
            ref = direct[name]
            assert np.isnan(value) == np.isnan(ref), (ext, name)
            if not np.isnan(ref) and '_hoj' not in name:
                assert value == pytest.approx(ref, rel=tol, abs=tol), (ext,
                                                                        name)


def test_bad_files_are_reported_with_path_and_reason(tmp_path, recording):
    cases = {
        'missing.npz': (None, 'no such file'),
        'notes.txt': ('hello', 'unknown extension'),
        'broken.npz': ('not a zip', 'not a readable inferencer .npz'),
        'other.json': ('{"a": 1}', 'not an inferencer result'),
        'wrong.csv': ('frame,time\n0,0\n', "lacks the columns"),
    }
    for name, (content, reason) in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_text(content)
        with pytest.raises(SeriesFileError, match=reason) as err:
            load_pose_series(str(path))
        assert str(path) in str(err.value)
    no3d = synthetic_infant(2, seed=0)
    no3d.keypoints_3d = None
    path = write_json(str(tmp_path / 'no3d.json'), no3d)
    with pytest.raises(SeriesFileError, match='no 3D keypoints'):
        load_pose_series(path)


def _reference_rows(num=30, seed=0):
    rng = np.random.default_rng(seed)
    names = [f'f{i}' for i in range(12)]
    means, stds = rng.uniform(-5, 5, 12), rng.uniform(0.1, 3, 12)
    return names, [dict(zip(names, means + stds * rng.normal(size=12)))
                   for _ in range(num)]


def test_z_scores_and_surprise_against_a_reference():
    names, rows = _reference_rows()
    ref = NormativeReference(rows)
    table = np.array([[r[n] for n in names] for r in rows])
    mu, sd = table.mean(0), table.std(0, ddof=1)
    x = dict(zip(names, mu + np.arange(12) * sd / 4))
    out = ref.compare(x)
    for i, n in enumerate(names):
        assert out[f'{n}_z'] == pytest.approx(i / 4)
    # surprise: negative log-likelihood of independent normals (scipy)
    from scipy.stats import norm
    nll = -norm.logpdf([x[n] for n in names], mu, sd).sum()
    assert out['surprise'] == pytest.approx(nll)
    assert out['surprise_features'] == 12
    # surprise_z: standardised by the reference rows' own surprise, each
    # row scored against the other rows (leave-one-out)
    loo = [-norm.logpdf(table[i], np.delete(table, i, 0).mean(0),
                        np.delete(table, i, 0).std(0, ddof=1)).sum()
           for i in range(len(table))]
    assert out['surprise_z'] == pytest.approx(
        (nll - np.mean(loo)) / np.std(loo, ddof=1))
    # the reference mean is the least surprising recording; an outlier is
    # far out
    typical = ref.compare(dict(zip(names, mu)))
    assert typical['surprise'] < min(ref.compare(r)['surprise'] for r in rows)
    assert typical['surprise_z'] < -1
    outlier = ref.compare(dict(zip(names, mu + 4 * sd)))
    assert outlier['surprise_z'] > 5
    # missing features are left out, not counted as zeros
    partial = ref.compare({n: v for n, v in list(x.items())[:6]})
    assert partial['surprise_features'] == 6


def test_reference_needs_a_spread():
    with pytest.raises(ReferenceError, match='at least 2'):
        NormativeReference([{'a': 1.0}])
    with pytest.raises(ReferenceError, match='non-zero spread'):
        NormativeReference([{'a': 1.0}, {'a': 1.0}])


def test_command_writes_rows_sheets_and_reports_bad_files(tmp_path, capsys):
    cli = _cli()
    ref_inputs = [write_npz(str(tmp_path / f'typical_{s}.npz'),
                            synthetic_infant(8, seed=s)) for s in range(6)]
    ref_csv = str(tmp_path / 'ref.csv')
    assert cli.main(ref_inputs + ['--out', ref_csv, '--quiet']) == 0
    with open(ref_csv, newline='') as f:
        ref_rows = list(csv.DictReader(f))
    assert [r['input'] for r in ref_rows] == ref_inputs
    header = list(ref_rows[0])
    assert header[0] == 'input'
    assert header[-len(feature_names()):] == feature_names()

    calm = write_json(str(tmp_path / 'calm.json'),
                      synthetic_infant(8, seed=11))
    wild = write_npz(str(tmp_path / 'wild.npz'),
                     synthetic_infant(8, seed=12, activity=3.0))
    bad = str(tmp_path / 'broken.npz')
    with open(bad, 'w') as f:
        f.write('garbage')
    out_csv = str(tmp_path / 'features.csv')
    plots = tmp_path / 'sheets'
    status = cli.main([calm, bad, wild, '--out', out_csv, '--reference',
                       ref_csv, '--plots', str(plots)])
    captured = capsys.readouterr()
    assert status == 1  # one input skipped, the others written
    assert f'SKIPPED {bad}: not a readable inferencer .npz' in captured.err
    with open(out_csv, newline='') as f:
        rows = {r['input']: r for r in csv.DictReader(f)}
    assert list(rows) == [calm, wild]
    # an infant moving three times as much is far more surprising
    assert float(rows[wild]['surprise_z']) > float(rows[calm]['surprise_z'])
    assert float(rows[wild]['surprise_z']) > 3
    assert float(rows[wild]['l_wrist_speed_median_z']) > 2
    for name in (calm, wild):
        sheet = plots / (osp.splitext(osp.basename(name))[0]
                         + '_movement.png')
        image = cv2.imread(str(sheet))
        assert image is not None and image.shape[0] > 500, sheet
        assert image.std() > 10  # something is drawn
    assert not list(plots.glob('broken*'))
    # nothing usable at all: exit status 2 and no table
    assert cli.main([bad, '--out', str(tmp_path / 'none.csv'),
                     '--quiet']) == 2
    assert not osp.exists(tmp_path / 'none.csv')


def test_feature_catalogue_documents_every_feature(capsys):
    names = feature_names()
    assert len(names) == len(set(names))
    units = feature_units()
    assert list(units) == names
    assert list(analyse(synthetic_infant(3, seed=0)).features) == names
    # the examples
    assert {'l_wrist_dominant_freq_hz', 'l_elbow_angle_entropy'} <= set(names)
    doc = osp.join(PROJECT_ROOT, 'docs', 'movement_features.md')
    with open(doc, encoding='utf-8') as f:
        assert f.read() == catalogue_markdown(), (
            'docs/movement_features.md is stale: regenerate it with '
            'python tools/analysis/movement_features.py --feature-table > '
            'docs/movement_features.md')
    # every feature's family has a documented unit and formula
    from infant_mmpose.movement.catalogue import feature_specs
    text = catalogue_markdown()
    assert _cli().main(['--feature-table']) == 0
    assert capsys.readouterr().out == text
    suffixes = [spec.suffix for spec in feature_specs()]
    for spec in feature_specs():
        assert f'| `<subject>_{spec.suffix}` | {spec.unit} |' in text
    for name in names:
        assert any(name.endswith('_' + s) for s in suffixes), name
