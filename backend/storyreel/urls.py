"""Root URLs: the REST API under /api/ and user media (with HTTP Range) under /media/."""

from api.media import serve_media
from django.urls import include, path, re_path

urlpatterns = [
    path("api/", include("api.urls")),
    re_path(r"^media/(?P<path>.*)$", serve_media, name="media"),
]
