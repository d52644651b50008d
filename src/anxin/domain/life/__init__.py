"""Individual life-policy servicing (保全): products, policies, servicing rules, relief campaigns.

Pure rules: the batch engine (:mod:`anxin.engine.servicing`) and the per-request rules
(:mod:`anxin.domain.life.servicing`) follow the same definitions, stated here once.
"""
