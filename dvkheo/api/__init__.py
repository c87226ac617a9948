"""The public, read-only JSON API (/api/v1) and its open data (CSV), with the page that documents them (/du-lieu-mo).

Every answer shows what a public page shows, and no more: the registry of models (`dvkheo.registry`), confirmed
replications, campaigns in their public phase with their results and vote ledger (`dvkheo.voting`), and the
certificate check (`dvkheo.certificates.verify_views`). Each endpoint reads through the page's own query function.
"""
