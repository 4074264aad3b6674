"""ABC grading (客户分类分级) and churn warnings (客户流失预警).

rules.py      the pure maths: windows, month helpers, grades_compute, churn_evaluate
selectors.py  every read: settings, snapshots, changes, the store card, the inbox, runs
services.py   settings updates, the manager's warning actions, starting a run
jobs.py       the overnight runs: recompute_grades and scan_churn (set-wise, COPY)
views.py, apis.py, urls.py, serializers.py, forms.py, filters.py, demo.py

Job plumbing (advisory lock, run records, COPY) is shared in crm_project.jobs.
"""
