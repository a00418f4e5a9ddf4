"""Root URLs: the REST API under /api/ and user media (with HTTP Range) under /media/."""
from django.urls import include, path, re_path

from api.media import serve_media

urlpatterns = [
    path("api/", include("api.urls")),
    re_path(r"^media/(?P<path>.*)$", serve_media, name="media"),
]
