def serve_media(request, path):
    raise NotImplementedError
