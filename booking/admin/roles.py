"""What staff may do, refused plainly when they try anything else."""

from django.core.exceptions import PermissionDenied


class ForbiddenActionsRefused:
    """Answer 403 to a changelist action the user may not run.

    Django leaves such an action out of the menu, and a POST naming it anyway
    (a crafted form, an old page) only gets "No action selected"; an export or
    a delete attempt is refused as plainly as the delete page refuses it.
    """

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST":
            allowed = self.get_actions(request)
            # The page's other action menu posts an empty choice.
            if any(
                name and name not in allowed for name in request.POST.getlist("action")
            ):
                raise PermissionDenied
        return super().changelist_view(request, extra_context)
