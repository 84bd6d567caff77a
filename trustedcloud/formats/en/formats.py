"""English dates for a European registry: day before month, month in letters and a 24-hour clock ("29 Nov 2026,
14:05"), rather than Django's American defaults ("Nov. 29, 2026", "11/29/2026", "2:05 p.m."): a numeric date whose
order depends on the reader's country is the one a relying party must not misread."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1  # Monday
