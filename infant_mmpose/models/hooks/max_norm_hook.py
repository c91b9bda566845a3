"""Apply the Martinez max-norm weight constraint after every optimiser step."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmpose.registry import HOOKS


@HOOKS.register_module()
class MaxNormConstraintHook(Hook):
    """Call ``apply_max_norm()`` on every sub-module that defines it.

    ``after_train_iter`` runs after ``optim_wrapper.update_params`` in
    MMEngine's train loop, so the weights used by the next iteration, by
    validation and by every checkpoint satisfy the constraint.  The bound
    itself is the head's ``max_norm`` argument (``None`` = no constraint).

    Args:
        interval (int): Apply every ``interval`` iterations. Defaults to 1
            (the constraint then holds after every step).
    """

    priority = 'LOW'  # after the optimizer/param-scheduler bookkeeping

    def __init__(self, interval: int = 1):
        self.interval = interval

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if not self.every_n_train_iters(runner, self.interval):
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        for module in model.modules():
            if hasattr(module, 'apply_max_norm'):
                module.apply_max_norm()
