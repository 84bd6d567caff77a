"""Country helpers. Countries are ISO 3166-1 alpha-2 codes (django-countries)."""

# The 27 member states of the European Union. EEA members (Norway, Iceland, Liechtenstein) and Switzerland are not.
EU_MEMBER_STATES = frozenset(
    {
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
        "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    }
)  # fmt: skip


def is_eu(code) -> bool:
    """True when the ISO code (or a django-countries Country) is an EU member state."""
    return str(code or "").upper() in EU_MEMBER_STATES
