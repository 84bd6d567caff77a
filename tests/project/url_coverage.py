"""Where each URL name the project resolves is covered by a permission matrix, and the few that no matrix requests.

tests/project/test_url_matrix.py walks the URL resolver and fails for a named URL that is in none of: its own MATRIX, the
matrices of other test files listed in ELSEWHERE (it checks that each listed key is still in that matrix), and
NOT_IN_A_MATRIX (each with its reason). A new URL therefore needs a line in a matrix before the suite passes.
"""

# URL name -> (test module, matrix dict, key in it): matrices written before this file, kept where they are.
ELSEWHERE = {
    # The provider's organisation pages (GET and POST matrices).
    "portal:provider": ("tests.portal.test_portal_permissions", "MATRIX", "provider"),
    "portal:provider-edit": ("tests.portal.test_portal_permissions", "MATRIX", "provider-edit"),
    "portal:ownership": ("tests.portal.test_portal_permissions", "MATRIX", "ownership"),
    "portal:history": ("tests.portal.test_portal_permissions", "MATRIX", "history"),
    "portal:members": ("tests.portal.test_portal_permissions", "MATRIX", "members"),
    "portal:service-new": ("tests.portal.test_portal_permissions", "MATRIX", "service-new"),
    "portal:service": ("tests.portal.test_portal_permissions", "MATRIX", "service"),
    "portal:member-role": ("tests.portal.test_portal_permissions", "POSTS", "member-role"),
    "portal:member-remove": ("tests.portal.test_portal_permissions", "POSTS", "member-remove"),
    "portal:invitation-revoke": ("tests.portal.test_portal_permissions", "POSTS", "invitation-revoke"),
    "portal:require-mfa": ("tests.portal.test_portal_permissions", "POSTS", "require-mfa"),
    # The dossier pages of the portal.
    "portal:dossier-new": ("tests.portal.test_portal_dossier_permissions", "MATRIX", "dossier-new"),
    "portal:dossier": ("tests.portal.test_portal_dossier_permissions", "MATRIX", "dossier"),
    "portal:dossier-section": ("tests.portal.test_portal_dossier_permissions", "MATRIX", "section-scope"),
    "portal:dossier-assessment": ("tests.portal.test_portal_dossier_permissions", "MATRIX", "assessment"),
    "portal:dossier-documents": ("tests.portal.test_portal_dossier_permissions", "MATRIX", "documents"),
    "portal:dossier-declaration": ("tests.portal.test_portal_dossier_permissions", "MATRIX", "declaration"),
    "portal:dossier-message": ("tests.portal.test_portal_dossier_permissions", "MATRIX", "messages"),
    "portal:dossier-withdraw": ("tests.portal.test_portal_dossier_permissions", "MATRIX", "withdraw"),
    "portal:dossier-evaluation": ("tests.portal.test_portal_dossier_permissions", "MATRIX", "evaluation"),
    "portal:dossier-submit": ("tests.portal.test_portal_dossier_permissions", "MATRIX", "submit (POST)"),
    "portal:dossier-answer": ("tests.portal.test_portal_dossier_permissions", "MATRIX", "answer (POST)"),
    "portal:document-download": ("tests.portal.test_portal_dossier_permissions", "MATRIX", "document-download"),
}

# URL name -> why no matrix requests it. Empty: every URL, the public and the framework's (allauth, the admin's own
# pages, the API's index) included, is requested in a matrix. A URL that shows or changes anything belongs in one; only
# something no request can reach meaningfully would go here, with its reason.
NOT_IN_A_MATRIX: dict[str, str] = {}
