"""Whether every certificate's PDF is in the private storage (manage.py verify_registry, after a restore or an
incident). Its bytes have no recorded sum to check against: the PDF is drawn again from the row at each status change."""

from django.utils.translation import gettext as _

from registry.certificates.models import Certificate
from registry.core.integrity import Findings


def certificate_pdf_findings() -> Findings:
    findings = Findings(subject=_("certificate PDFs"))
    storage = Certificate._meta.get_field("pdf").storage
    for number, name in Certificate.objects.order_by("number").values_list("number", "pdf").iterator(chunk_size=500):
        findings.checked += 1
        if not name:
            findings.problems.append(
                _("Certificate %(number)s has no PDF yet (the periodic render_stale_certificate_pdfs draws it).")
                % {"number": number}
            )
        elif not storage.exists(name):
            findings.problems.append(
                _("Certificate %(number)s: its PDF %(name)s is missing from the private storage.")
                % {"number": number, "name": name}
            )
    return findings
