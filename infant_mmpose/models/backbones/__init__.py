"""Registered backbones; importing this package registers them."""
from .identity_backbone import IdentityBackbone

__all__ = ['IdentityBackbone']
