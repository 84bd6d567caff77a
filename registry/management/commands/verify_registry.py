from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.certificates.integrity import certificate_pdf_findings
from registry.public.snapshot_chain import snapshot_chain_findings
from registry.public.trusted_lists import trusted_list_findings
from registry.qualification.integrity import document_findings


class Command(BaseCommand):
    # Plain gettext, not lazy: argparse needs real strings, and commands are imported after Django is set up.
    help = _(
        "Check every document's stored SHA-256 against its bytes in the private storage, that every certificate's "
        "PDF is there, the signed snapshot chain (signatures and links) and every signed trusted list. Lists each problem; exits non-zero if any."
    )

    def handle(self, *args, **options):
        problems = 0
        for check in (document_findings, certificate_pdf_findings, snapshot_chain_findings, trusted_list_findings):
            findings = check()
            for problem in findings.problems:
                self.stdout.write(problem)
            problems += len(findings.problems)
            self.stdout.write(
                _("%(subject)s: %(checked)s checked; problems: %(problems)s.")
                % {"subject": findings.subject, "checked": findings.checked, "problems": len(findings.problems)}
            )
        if problems:
            raise CommandError(
                ngettext("%(count)s problem found.", "%(count)s problems found.", problems) % {"count": problems}
            )
        self.stdout.write(self.style.SUCCESS(_("No problem found.")))
