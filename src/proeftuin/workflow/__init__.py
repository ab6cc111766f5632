"""Use cases a person starts: the demo, the standard analysis and report of stored trials, imports, exports."""
