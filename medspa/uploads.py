"""Where the site takes uploaded files: the admin only (settings.FILE_UPLOAD_HANDLERS).

No public form has a file field, yet Django reads any multipart body it is
sent, spooling its files to disk (SECURITY-REVIEW #14: a 200 MB file posted
with a booking was accepted). Outside the admin a file is refused as a bad
request before any of it is stored. The proxy's client_max_body_size
(deploy/nginx.conf) limits the admin's own uploads.
"""

from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler


class UploadOutsideAdmin(TooManyFilesSent):
    """A multipart body sent to a page that takes no files: more files than
    its limit of none. Answered 400, and as with TooManyFilesSent, the request
    is marked unreadable, so the 400 page's own CSRF check does not read again."""


class AdminOnlyUploads(FileUploadHandler):
    """First of the upload handlers: passes the admin's files on to the others
    and refuses a file anywhere else at its first byte, before any of it is
    stored (the fields before it are capped by DATA_UPLOAD_MAX_MEMORY_SIZE)."""

    def new_file(self, field_name, file_name, *args, **kwargs):
        if not self.request.path_info.startswith(f"/{settings.ADMIN_URL}"):
            raise UploadOutsideAdmin(
                f"file {field_name!r} sent to {self.request.path_info}, "
                "which takes no files"
            )

    def receive_data_chunk(self, raw_data, start):
        return raw_data  # to the next handler

    def file_complete(self, file_size):
        return None  # the next handler's file
