"""Seal the reasons people gave for their match decisions, as shield reasons are sealed.

A reason is free text a person typed and may name someone; until now it was stored in
the clear. Each is sealed under the key of the child the decision is about (its
`child`, else `retired`, else `created`) through identity.sealing, as matching.review
writes them. MatchAction holds one row per human decision, so
rewriting it row by row holds no lock worth noting. A reason whose child's key is gone
(a shredded child), or that names no child at all (no service writes one), cannot be
sealed and is dropped rather than left in the clear.
"""

from django.db import migrations, models


def _owner(action):
    for child in (action.child, action.retired, action.created):
        if child is not None:
            return child.contactpoint_id
    return None


def seal_reasons(apps, schema_editor):
    MatchAction = apps.get_model("matching", "MatchAction")
    actions = (MatchAction.objects.using(schema_editor.connection.alias)
               .select_related("child", "retired", "created").order_by("pk"))
    if not actions.exists():
        return  # a new installation: no key store needed
    from contactpoint.crypto.keystore import MissingKey, get_keystore  # noqa: PLC0415
    from contactpoint.identity import sealing  # noqa: PLC0415

    keys = get_keystore()
    for action in actions.iterator():
        owner = _owner(action)
        sealed = None
        if owner is not None and action.reason:
            try:
                cipher = keys.child_key(owner)
            except MissingKey:
                cipher = None
            if cipher is not None:
                sealed = sealing.seal_match_reason(cipher, owner, action.pk, action.reason)
        action.sealed_reason = sealed
        action.save(update_fields=["sealed_reason"])


def open_reasons(apps, schema_editor):
    """Back to the clear, only to roll this migration back."""
    MatchAction = apps.get_model("matching", "MatchAction")
    actions = (MatchAction.objects.using(schema_editor.connection.alias)
               .select_related("child", "retired", "created").exclude(sealed_reason=None))
    if not actions.exists():
        return
    from contactpoint.crypto.keystore import MissingKey, get_keystore  # noqa: PLC0415
    from contactpoint.identity import sealing  # noqa: PLC0415

    keys = get_keystore()
    for action in actions.iterator():
        owner = _owner(action)
        try:
            cipher = keys.child_key(owner)
        except MissingKey:
            continue
        action.reason = sealing.open_match_reason(cipher, owner, action.pk,
                                                  action.sealed_reason)[:500]
        action.save(update_fields=["reason"])


class Migration(migrations.Migration):

    dependencies = [
        ("matching", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="matchaction",
            name="sealed_reason",
            field=models.BinaryField(null=True),
        ),
        migrations.RunPython(seal_reasons, open_reasons, elidable=False),
        migrations.RemoveField(
            model_name="matchaction",
            name="reason",
        ),
        migrations.RenameField(
            model_name="matchaction",
            old_name="sealed_reason",
            new_name="reason",
        ),
    ]
