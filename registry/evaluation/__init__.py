"""The evaluation centres' side of a qualification: their evaluators, invited by the agency, and (in later slices) the
evaluation contract, plan, per-requirement verdicts, technical report and surveillance audits they file."""
