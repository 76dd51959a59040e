"""Admin pages for records only the code writes (the audit trail, the record of
medical reviews): staff with the view permission read them; nobody adds,
changes or deletes one there."""


class ReadOnlyRecordAdmin:
    """Mix in before admin.ModelAdmin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
