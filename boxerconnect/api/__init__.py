"""Project-wide DRF plumbing: the base views, JSON errors, pagination, shared serializers."""
