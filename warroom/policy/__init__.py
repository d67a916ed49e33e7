"""The process as data: pydantic models of ``policies/*.yaml`` and their loader."""

from warroom.policy.loader import default_policies_dir, load_policies
from warroom.policy.models import Policies

__all__ = ["Policies", "default_policies_dir", "load_policies"]
