"""Alerts: incidents the rules raise (storm onset, negative share, silence, copy share, translated
republication, saved-search matches), stored one row per incident and delivered as digests to
webhooks (Slack-compatible or signed JSON) and e-mail.

* :mod:`limelight.alerts.model`: the :class:`Alert` and its evidence, stable ids, delivery state;
* :mod:`limelight.alerts.channels`: the channels configured in ``limelight.toml`` (``[[alerts.webhook]]``,
  ``[alerts.email]``);
* :mod:`limelight.alerts.render`: the messages, every piece of ingested text escaped for where it goes;
* :mod:`limelight.alerts.deliver`: digests, signatures, retries with backoff, SMTP.

Kept free of imports beyond the model, so the store can name the types.
"""

from limelight.alerts.model import Alert, AlertChanges, Delivery, Evidence, EvidenceDocument, alert_id

__all__ = ["Alert", "AlertChanges", "Delivery", "Evidence", "EvidenceDocument", "alert_id"]
