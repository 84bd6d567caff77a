"""Pagination for lists of tens of thousands of rows: the admin's dossiers, the public providers' index and archive."""

from django.core.paginator import Paginator


class IdsFirstPaginator(Paginator):
    """Finds the page's ids first, then loads only those rows with their joins.

    A plain OFFSET over a select_related query makes the database join every skipped row to its service, provider and
    reviewer before throwing it away: the last page of 50,000 dossiers cost a full join and sort. The id query is read
    from the ordering index alone (from whichever end of the list is nearer), and the joins are done for the page's
    rows only. Two queries per page, whatever the page or the size of the table.
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if bottom > self.count // 2:
            # Past the middle, read from the other end: the last page is then as cheap as the first one (the list's
            # ordering must be total, ending with the primary key, so the reversed order is the same list backwards).
            ids = list(self.object_list.reverse().values_list("pk", flat=True)[self.count - top : self.count - bottom])
            ids.reverse()
        else:
            ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids).order_by()}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)
