from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from regions.models import User
from tasks_app.models import Assignment
from tasks_app.selectors import unit_assignment_counts


@login_required
def home(request):
    user: User = request.user
    context = {"user": user}
    if user.role == User.Role.UNIT_USER and user.unit_id:
        counts = unit_assignment_counts(unit=user.unit)
        context["state_counts"] = [
            (label, counts[value]) for value, label in Assignment.State.choices
        ]
    return render(request, "home.html", context)
