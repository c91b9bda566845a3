"""Data sets, readers and data transforms; importing registers them."""
from . import transforms  # noqa: F401
from . import mpi_inf_3dhp_dataset, mpii_head_size  # noqa: F401
from . import minirgbd_dataset, minirgbd_lifting_dataset  # noqa: F401
from . import lifting_collate, samplers  # noqa: F401
