from rest_framework.pagination import PageNumberPagination


class RegistryPagination(PageNumberPagination):
    """?page= and ?page_size=, the same parameter names as the registry page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
