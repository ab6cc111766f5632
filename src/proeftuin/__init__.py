"""proeftuin: randomized experiments in Dutch social assistance, from design to evidence.

The package is laid out by stage of an experiment; data flow one way::

    design -> registry -> analysis -> report
    rules feed registry and analysis; simulate feeds the registry like real intake
    workflow holds the use cases; cli and web only call workflow and stage APIs
"""

__version__ = "0.1.0"
