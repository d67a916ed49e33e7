"""The auditor's checklist (policies/compliance.yaml) judged against the incident record.

- :mod:`.facts` reads what the checks need, a few plain selects for all incidents
- :mod:`.checks` holds one function per known check id
- :mod:`.report` applies the policy's checks and severity filters: pass/fail/n.a.
"""

from warroom.compliance.report import CheckResult, ComplianceReport, Finding, evaluate

__all__ = ["CheckResult", "ComplianceReport", "Finding", "evaluate"]
