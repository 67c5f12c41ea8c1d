-- 0005: the audit log.

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL CHECK (actor <> ''),
    action      text NOT NULL CHECK (action <> ''),
    subject     text NOT NULL DEFAULT '',
    request_id  text,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- A user subject is 'user:' and the lower-case hex SHA-256 of the user id, e.g.
    -- 'user:' || encode(sha256(convert_to($1, 'UTF8')), 'hex'), never the id itself.
    CONSTRAINT audit_log_user_subject_hashed CHECK (
        subject NOT LIKE 'user:%' OR subject ~ '^user:[0-9a-f]{64}$'
    )
);
COMMENT ON TABLE audit_log IS
    'Append-only record of administrative and privacy actions (forget-me, catalog imports, '
    'deletes, model activations). It must never hold personal data: it outlives forget-me, '
    'so it has no foreign keys to users, and user subjects are hashed.';
COMMENT ON COLUMN audit_log.actor IS 'Who did it: an admin key name, "gateway", "rec-svc train", ... — never a shopper id.';
COMMENT ON COLUMN audit_log.action IS 'What was done, e.g. user.forget, catalog.import, product.delete, model.activate.';
COMMENT ON COLUMN audit_log.subject IS 'What it was done to: ''user:<sha256 hex>'', ''product:<id>'', ''model:<version>''; see the check.';
COMMENT ON COLUMN audit_log.request_id IS 'x-request-id of the call that did it.';
COMMENT ON COLUMN audit_log.details IS 'Counts and parameters (events_deleted, cart_items_deleted, reason, rows imported, ...); no personal data.';

CREATE INDEX audit_log_subject_idx ON audit_log (subject, at DESC);
COMMENT ON INDEX audit_log_subject_idx IS 'History of one subject, e.g. whether a hashed user was already forgotten.';
