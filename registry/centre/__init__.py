"""The evaluation centres' space (/centre/): an evaluator's pages for the dossiers and certificates of their centre.
A face: views and URLs only; the rules and reads are registry.evaluation's."""
