"""The report's sections on what happened besides the effects: subgroups, services received per arm,
the two sources of the labour outcomes, and balance and attrition with what the analysis did about them.

The numbers are computed by the workflow (:mod:`proeftuin.workflow.report_sections`) into the
plain data of :mod:`proeftuin.report.sections.data`; each module here turns one section into rows
and sentences in the report's language, every count through the disclosure rule
(:func:`proeftuin.report.disclosure.publish`, complementary suppression).
"""
