"""Pagination of list endpoints (``REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]``)."""

from __future__ import annotations

from typing import Any

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's page-number pagination (``?page=``, ``PAGE_SIZE`` a page).

    Its OpenAPI schema (DRF's) is corrected to what the response really is: ``next`` and ``previous`` are always sent,
    as a URL or null, written as an OpenAPI 3.1 type union (DRF writes the 3.0 ``nullable``, which 3.1 dropped).
    """

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated: dict[str, Any] = super().get_paginated_response_schema(schema)
        for link in ("next", "previous"):
            prop = paginated["properties"][link]
            prop.pop("nullable", None)
            prop["type"] = ["string", "null"]
        paginated["required"] = ["count", "next", "previous", "results"]
        return paginated
