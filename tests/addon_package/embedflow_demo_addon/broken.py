"""A block module whose dependency is missing: importing it fails, as a broken add-on's would."""

import embedflow_demo_missing_dependency  # noqa: F401  (not installed, on purpose)
