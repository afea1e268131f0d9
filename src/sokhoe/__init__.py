"""Sổ Khỏe: the provincial platform for the electronic health book and BHYT cards."""

__version__ = "0.1.0"
