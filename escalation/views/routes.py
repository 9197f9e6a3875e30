"""The escalation pages' URL patterns (included by escalation/urls.py), under
/<school_slug>/escalation/."""

from django.urls import path

from . import cases, legal, policy, queue, simulator

urlpatterns = [
    # The morning queue (the area's front page).
    path("", queue.queue, name="queue"),
    path(
        "queue/proposals/<int:proposal_id>/approve/",
        queue.proposal_approve,
        name="proposal_approve",
    ),
    path("queue/proposals/<int:proposal_id>/skip/", queue.proposal_skip, name="proposal_skip"),
    path("tasks/<int:task_id>/finish/", queue.task_finish, name="task_finish"),
    path("tasks/<int:task_id>/book/", queue.meeting_book, name="meeting_book"),
    # Cases.
    path("cases/", cases.case_list, name="cases"),
    path("cases/<int:case_id>/", cases.case_detail, name="case"),
    path("cases/<int:case_id>/move/", cases.case_move, name="case_move"),
    path("cases/<int:case_id>/meetings/", cases.meeting_new, name="meeting_new"),
    path("cases/<int:case_id>/documents/", cases.attachment_new, name="attachment_new"),
    path(
        "cases/<int:case_id>/documents/<int:attachment_id>/",
        cases.attachment,
        name="attachment",
    ),
    path("pupils/", cases.pupil_find, name="pupil_find"),
    path("pupils/<int:pupil_id>/", cases.pupil_cases, name="pupil_cases"),
    # Legal steps and the evidence pack.
    path("legal/", legal.legal, name="legal"),
    path(
        "legal/penalty-notices/<int:notice_id>/status/",
        legal.penalty_notice_move,
        name="penalty_notice_move",
    ),
    path(
        "pupils/<int:pupil_id>/notice-to-improve/",
        legal.notice_to_improve_new,
        name="nti_new",
    ),
    path(
        "legal/notices-to-improve/<int:nti_id>/issue/",
        legal.notice_to_improve_issue,
        name="nti_issue",
    ),
    path(
        "legal/notices-to-improve/<int:nti_id>/recheck/",
        legal.notice_to_improve_recheck,
        name="nti_recheck",
    ),
    path(
        "legal/notices-to-improve/<int:nti_id>/withdraw/",
        legal.notice_to_improve_withdraw,
        name="nti_withdraw",
    ),
    path("pupils/<int:pupil_id>/evidence-pack/", legal.evidence_pack, name="evidence_pack"),
    # The policy and the simulator.
    path("policy/", policy.policy, name="policy"),
    path("policy/preset/", policy.preset_switch, name="preset_switch"),
    path("policy/settings/", policy.settings_save, name="policy_settings"),
    path("policy/rules/<str:rule_id>/", policy.rule_edit, name="rule_edit"),
    path("policy/rules/<str:rule_id>/preview/", policy.rule_preview, name="rule_preview"),
    path("policy/rules/<str:rule_id>/switch/", policy.rule_switch, name="rule_switch"),
    path("policy/rules/<str:rule_id>/reset/", policy.rule_reset, name="rule_reset"),
    path("simulator/", simulator.simulator, name="simulator"),
    path("simulator/<int:run_id>/", simulator.simulation, name="simulation"),
    path(
        "simulator/<int:run_id>/progress/",
        simulator.simulation_progress,
        name="simulation_progress",
    ),
]
