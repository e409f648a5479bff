from django.urls import path

from contactpoint.web import (
    account,
    activity,
    alerts,
    children,
    manage,
    notifications,
    passkeys,
    record_changes,
    review,
    set_up_link,
    signin,
    subject_access,
    team_contact,
    views,
)

app_name = "web"
urlpatterns = [
    path("", views.start, name="start"),
    # Signing in and out (web/signin.py, web/passkeys.py)
    path("sign-in/", signin.sign_in, name="sign-in"),
    path("sign-in/new-password/", signin.new_password, name="new-password"),
    path("sign-in/set-up/app/", signin.set_up_app, name="set-up-app"),
    path("sign-in/set-up/security-key/", passkeys.set_up_security_key,
         name="set-up-security-key"),
    path("sign-in/second-factor/", signin.second_factor, name="second-factor"),
    # A set-up link from the management team (web/set_up_link.py)
    path("sign-in/set-up/link/<str:secret>/", set_up_link.open_link, name="set-up-link"),
    path("sign-in/set-up/password/", set_up_link.set_password, name="set-up-password"),
    path("sign-out/", signin.sign_out, name="sign-out"),
    path("signed-out/", signin.signed_out, name="signed-out"),
    # Finding a child and the record (web/children.py, web/record_changes.py)
    path("children/search/", children.search, name="search"),
    path("children/<str:contactpoint_id>/", children.record, name="record"),
    path("children/<str:contactpoint_id>/break-glass/", children.break_glass,
         name="break-glass"),
    path("children/<str:contactpoint_id>/involvement/", record_changes.add_involvement,
         name="add-involvement"),
    path("children/<str:contactpoint_id>/shield/", record_changes.shield, name="shield"),
    path("children/<str:contactpoint_id>/match-history/", review.history,
         name="match-history"),
    path("children/<str:contactpoint_id>/subject-access/", subject_access.subject_access,
         name="subject-access"),
    # Match review (web/review.py)
    path("review/", review.queue, name="review-queue"),
    path("review/split/", review.split, name="review-split"),
    path("review/merge/", review.merge, name="review-merge"),
    path("review/<int:item_id>/", review.pair, name="review-pair"),
    path("review/<int:item_id>/decide/", review.decide, name="review-decide"),
    path("review/decisions/<int:decision>/undo/", review.undo, name="review-undo"),
    # Your account
    path("account/", account.account, name="account"),
    path("account/api-tokens/new/", account.create_api_token, name="create-api-token"),
    path("account/api-tokens/<str:prefix>/revoke/", account.revoke_api_token,
         name="revoke-api-token"),
    # Management team pages (web/manage.py)
    path("manage/users/", manage.users, name="manage-users"),
    path("manage/add-user/", manage.add_user, name="manage-add-user"),
    path("manage/users/<str:username>/", manage.user_detail, name="manage-user"),
    path("manage/users/<str:username>/<slug:action>/", manage.user_action,
         name="manage-user-action"),
    path("manage/users/<str:username>/api-tokens/<str:prefix>/revoke/",
         manage.revoke_user_token, name="manage-revoke-api-token"),
    path("manage/organisations/", manage.organisations, name="manage-organisations"),
    path("manage/add-organisation/", manage.add_organisation,
         name="manage-add-organisation"),
    path("manage/contact/", team_contact.contact, name="manage-contact"),
    # The audit trail, for those who monitor use of the index (web/activity.py)
    path("activity/", activity.activity, name="activity"),
    # Misuse alerts, for management teams and the national team (web/alerts.py)
    path("alerts/", alerts.alerts, name="alerts"),
    path("alerts/<int:alert_id>/", alerts.alert, name="alert"),
    path("alerts/<int:alert_id>/<slug:action>/", alerts.alert_action, name="alert-action"),
    # Who outside the team opened its children's records (web/notifications.py)
    path("notifications/", notifications.notifications, name="notifications"),
]
