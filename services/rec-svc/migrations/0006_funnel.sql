-- 0006: the voice funnel. One row per utterance the gateway served; the events that follow
-- from it (click, add to cart, purchase) carry its request id.

CREATE TABLE utterances (
    request_id      text PRIMARY KEY CHECK (request_id <> '' AND length(request_id) <= 128),
    source          text NOT NULL CHECK (source IN ('voice', 'text')),
    intent          text NOT NULL CHECK (intent <> '' AND length(intent) <= 64),
    asr_confidence  real CHECK (asr_confidence BETWEEN 0 AND 1),
    results_shown   integer NOT NULL DEFAULT 0 CHECK (results_shown >= 0),
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT utterances_confidence_is_voice CHECK (source = 'voice' OR asr_confidence IS NULL)
);
COMMENT ON TABLE utterances IS
    'The voice funnel''s first stage: what each utterance was understood as and how many '
    'products it showed. Deliberately holds no text, no audio and no user or session id, so '
    'it is not personal data and survives forget-me; the events that carry the same '
    'request_id are deleted with their user.';
COMMENT ON COLUMN utterances.request_id IS 'The gateway request''s x-request-id; events.request_id links to it.';
COMMENT ON COLUMN utterances.source IS '"voice" (asr-svc recognised it) or "text" (typed).';
COMMENT ON COLUMN utterances.intent IS 'The REST API''s intent name, e.g. search_products, add_to_cart.';
COMMENT ON COLUMN utterances.asr_confidence IS 'The top ASR alternative''s confidence; NULL for typed requests.';
COMMENT ON COLUMN utterances.results_shown IS 'How many products the answer listed.';

CREATE INDEX utterances_occurred_at_idx ON utterances (occurred_at);
COMMENT ON INDEX utterances_occurred_at_idx IS 'Funnel reports read a time window.';
