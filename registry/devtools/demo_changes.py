"""The demo's change notice (issue 15): at one qualified provider, a new shareholder from outside the EU, notified
late (rule 19.6.f: within one month), filed and waiting for a reviewer. Through the services, as a provider files it."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from registry.certificates import changes
from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES
from registry.certificates.models import Certificate, ChangeNotice
from registry.notifications.models import OutgoingEmail
from registry.providers.models import Membership

NEW_HOLDER = {
    "name": "Atlantic Cloud Holdings Inc.",
    "country": "US",
    "capital_percent": Decimal("12.00"),
    "voting_percent": Decimal("12.00"),
    "veto_right": False,
    "appoints_board_majority": False,
}
EFFECTIVE_DAYS_AGO = 50  # more than a month before filing: late


def seed_change_notice(summary) -> None:
    certificate = (
        Certificate.objects.filter(status__in=LIVE_CERTIFICATE_STATUSES)
        .select_related("service__provider")
        .order_by("pk")
        .first()
    )
    if certificate is None:
        return
    provider = certificate.service.provider
    if ChangeNotice.objects.filter(provider=provider).exists():
        summary.existing["change notices"] += 1
        return
    owner = Membership.objects.filter(provider=provider, role=Membership.Role.OWNER).select_related("user").first()
    if owner is None:
        return
    with transaction.atomic():
        notice = changes.notice_open(provider=provider, by=owner.user)
        holders = [dict(row) for row in notice.proposed["shareholders"]]
        if holders:  # the newcomer's shares come from the largest holder, so that the totals stay within 100 %
            largest = max(holders, key=lambda row: Decimal(row["capital_percent"]))
            for name in ("capital_percent", "voting_percent"):
                largest[name] = max(Decimal(largest[name]) - NEW_HOLDER[name], Decimal(0))
        profile = dict(notice.proposed["provider"])
        changes.notice_propose_provider(
            notice=notice, by=owner.user, profile=profile, shareholders=[*holders, NEW_HOLDER]
        )
        notice = changes.notice_file(
            notice=notice,
            by=owner.user,
            kind="ownership",
            change_type="transformative",
            effective_on=timezone.localdate() - datetime.timedelta(days=EFFECTIVE_DAYS_AGO),
            description=(
                "Atlantic Cloud Holdings Inc. (United States) acquired 12 % of the capital and voting rights from "
                "the founders."
            ),
        )
        # The demo's addresses are invented: its e-mails count as sent.
        OutgoingEmail.objects.filter(key__startswith=f"change_notice:{notice.pk}:").update(sent_at=timezone.now())
    summary.created["change notices"] += 1
