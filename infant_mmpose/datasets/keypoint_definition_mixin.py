"""Data sets that hand out their samples in a chosen keypoint definition.

A data set reads its source in the source's own joints (its *native*
definition, e.g. MINI-RGBD's 25). Given ``keypoint_definition='mpii16'`` it
maps every instance once, when the data list is loaded, with the registered
:class:`~.transforms.KeypointMapping` (the same tables and rules: a target
joint without a source joint gets coordinates 0 and visibility 0). Every
pipeline then receives keypoints already in the common definition: training,
test and MMPose's inference pipelines are plain MMPose pipelines with no
source-specific step. ``keypoint_definition=None`` keeps the native joints.
"""
from typing import Iterator, List, Optional, Sequence, Tuple

from ..structures.keypoint_definitions import definition_file, num_keypoints
from .transforms.keypoint_mapping import (KeypointMapping,
                                          pipeline_target_definition)

def _pipeline_mappings(pipeline: Optional[Sequence]
                       ) -> Iterator[Tuple[str, str]]:
    """``(source, target)`` of every ``KeypointMapping`` in a pipeline given
    as configs or built transforms."""
    for transform in pipeline or []:
        if isinstance(transform, dict):
            if transform.get('type') in ('KeypointMapping',
                                         'mmpose.KeypointMapping'):
                yield transform['source'], transform.get('target', 'mpii16')
        elif isinstance(transform, KeypointMapping):
            yield transform.source, transform.target


class NativeMetainfo:
    """``METAINFO`` class attribute: the metainfo file of the class's
    ``NATIVE_DEFINITION``, looked up when read (MMPose reads ``METAINFO``
    when a config gives no ``metainfo``), not when the module is imported,
    so that importing the package needs no config file."""

    def __get__(self, instance, owner) -> dict:
        return dict(from_file=definition_file(owner.NATIVE_DEFINITION))


class KeypointDefinitionMixin:
    """Adds ``keypoint_definition`` to an MMPose data set (put it first in
    the bases).

    After :meth:`_setup_keypoint_definition`:

    * ``native_definition``: the source's own definition;
    * ``keypoint_definition``: the definition the samples are in (the
      requested one, else the native one);
    * ``keypoint_mapping``: the :class:`KeypointMapping` applied to each
      loaded instance, or ``None``.

    Mapped instances carry ``keypoints_definition`` (the target name) and
    ``num_keypoints`` (its joint count), as the transform sets them.
    """

    native_definition: str
    keypoint_definition: str
    keypoint_mapping: Optional[KeypointMapping]

    def _setup_keypoint_definition(self, native: str,
                                   keypoint_definition: Optional[str],
                                   metainfo: Optional[dict],
                                   pipeline: Optional[Sequence]) -> dict:
        """Check the request, build the mapping and return the metainfo.

        Args:
            native: the source's definition, e.g. ``'minirgbd25'``.
            keypoint_definition: the requested definition or ``None``.
            metainfo: the caller's metainfo (kept when given).
            pipeline: the data set's pipeline (configs or transforms).

        Returns:
            ``metainfo`` or, when ``None``, the metainfo file of the
            samples' definition (for native samples that a pipeline's
            ``KeypointMapping`` maps, that mapping's target).

        Raises:
            KeyError: unknown definition name.
            ValueError: the pipeline maps from the native definition again.
        """
        self.native_definition = native
        self.keypoint_definition = keypoint_definition or native
        self.keypoint_mapping = None
        if keypoint_definition is not None:
            self.keypoint_mapping = KeypointMapping(native,
                                                    keypoint_definition)
            if keypoint_definition != native:
                for source, target in _pipeline_mappings(pipeline):
                    if source == native:
                        raise ValueError(
                            f'{type(self).__name__}: keypoint_definition='
                            f'{keypoint_definition!r} already maps the '
                            f'{native} joints when loading; remove '
                            f'KeypointMapping(source={source!r}, '
                            f'target={target!r}) from the pipeline')
        if metainfo is not None:
            return metainfo
        output = (keypoint_definition or pipeline_target_definition(pipeline)
                  or native)
        return dict(from_file=definition_file(output))

    def load_data_list(self) -> List[dict]:
        """The base class's data list, each instance mapped."""
        return self.map_data_list(super().load_data_list())

    def map_data_list(self, data_list: List[dict]) -> List[dict]:
        """Map every instance (in place) to ``keypoint_definition``.

        Raises:
            ValueError: the metainfo describes another number of joints.
        """
        if self.keypoint_mapping is None:
            return data_list
        self.check_metainfo_size()
        return [self.map_instance(info) for info in data_list]

    def check_metainfo_size(self) -> None:
        """Raise ValueError if the samples are mapped and the metainfo
        describes another number of joints than their definition has."""
        if self.keypoint_mapping is None:
            return
        expected = num_keypoints(self.keypoint_definition)
        if self.metainfo['num_keypoints'] != expected:
            raise ValueError(
                f'{type(self).__name__}: the metainfo describes '
                f'{self.metainfo["num_keypoints"]} joints but the samples '
                f'are in {self.keypoint_definition!r} ({expected} joints); '
                'leave metainfo unset or give that definition\'s file')

    def map_instance(self, info: dict) -> dict:
        """Map one data info in place (the keys ``KeypointMapping`` maps:
        2D and 3D keypoints, their visibilities, ``lifting_target``)."""
        return self.keypoint_mapping.transform(info)
