"""Where the site takes uploaded files: the admin only, from staff it lets in
(settings.FILE_UPLOAD_HANDLERS).

No public form has a file field, yet Django reads any multipart body it is
sent, spooling its files to disk (SECURITY-REVIEW #14: a 200 MB file posted
with a booking was accepted). A file sent anywhere else, or to the admin by
someone not signed in to it (its sign-in page takes no files either), is
refused as a bad request before any of it is stored. The proxy's
client_max_body_size (deploy/nginx.conf) limits the admin's own uploads.
"""

from django.contrib import admin
from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler

from medspa.secret_links import is_admin_path


class UploadRefused(TooManyFilesSent):
    """A multipart body with a file where none is taken: more files than its
    limit of none. Answered 400, and as with TooManyFilesSent, the request is
    marked unreadable, so the 400 page's own CSRF check does not read again."""


class AdminOnlyUploads(FileUploadHandler):
    """First of the upload handlers: passes the files of staff signed in to the
    admin on to the others and refuses any other file at its first byte, before
    any of it is stored (the fields before it are capped by
    DATA_UPLOAD_MAX_MEMORY_SIZE)."""

    def new_file(self, field_name, file_name, *args, **kwargs):
        path = self.request.path_info
        if not is_admin_path(path):
            raise UploadRefused(
                f"file {field_name!r} sent to {path}, which takes no files"
            )
        # request.user is set by now: no middleware reads the body before
        # CsrfViewMiddleware.process_view, which runs after every middleware's
        # request phase, AuthenticationMiddleware's included.
        if not admin.site.has_permission(self.request):
            raise UploadRefused(
                f"file {field_name!r} sent to {path} by someone not signed in "
                "to the admin"
            )

    def receive_data_chunk(self, raw_data, start):
        return raw_data  # to the next handler

    def file_complete(self, file_size):
        return None  # the next handler's file
