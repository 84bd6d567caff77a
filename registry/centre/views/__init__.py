"""The centre's pages, by what the evaluator does: their space and a dossier (space.py), the evaluation contract
(contracts.py), the evaluation plan (plans.py), the grid of verdicts and the technical report (grid.py)."""
