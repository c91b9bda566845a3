#!/usr/bin/env python
"""3D infant keypoints from an image, folder, video or camera.

See ``python tools/infer.py --help`` and
:mod:`infant_mmpose.apis.infer_cli` (also the proposed console command
``infant-mmpose-infer``).
"""
import sys

from infant_mmpose.apis.infer_cli import main

if __name__ == '__main__':
    sys.exit(main())
