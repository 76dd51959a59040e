from medspa.staff.management.base import StaffMemberCommand
from medspa.staff.services import staff_sessions_end


class Command(StaffMemberCommand):
    help = "Sign a staff member out everywhere (a lost laptop, a shared computer)."

    def handle_staff_member(self, user) -> str:
        sessions = staff_sessions_end(user=user)
        return f"Ended {sessions} session(s) of {user.get_username()}."
