"""Where checkov meets the domain, for plain checkov: the check classes (adapter.py, sources.py) and the guarded
patches of checkov (patches.py); and the Action's job summary (summary.py). The domain never imports these."""
