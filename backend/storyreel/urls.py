"""Root URLs: the REST API under /api/ and user media (with HTTP Range) under /media/; unmatched URLs and errors
outside the views answer JSON like the API (``api.exceptions.json_not_found``/``json_server_error``)."""

from api.media import serve_media
from django.urls import include, path, re_path

urlpatterns = [
    path("api/", include("api.urls")),
    re_path(r"^media/(?P<path>.*)$", serve_media, name="media"),
]

handler404 = "api.exceptions.json_not_found"
handler500 = "api.exceptions.json_server_error"
