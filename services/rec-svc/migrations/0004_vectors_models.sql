-- 0004: model versions, item text embeddings, item factors and user vectors.
--
-- pgvector is not available (Debian 12), so PostgreSQL only stores vectors; the search
-- runs on rec-svc's in-memory index (exact SIMD and HNSW), built at start from the rows of
-- the active model versions and kept fresh through NOTIFY catalog_changed (0001).
--
-- Vector encoding, for every "vector" column below: bytea of exactly dims * 4 bytes, the
-- IEEE 754 binary32 (float32) components in order, each little-endian — the in-memory
-- layout of a [Float] on x86-64 and arm64, so it is written from and read into
-- Swift arrays without conversion. dims is stored next to it and checked against the length.
-- Bulk loads use COPY (binary or text with bytea hex escapes).

CREATE TABLE model_versions (
    version       text PRIMARY KEY CHECK (version <> ''),
    kind          text NOT NULL CHECK (kind IN ('text_embedding', 'mf_factors')),
    dims          integer NOT NULL CHECK (dims > 0),
    is_active     boolean NOT NULL DEFAULT false,
    params        jsonb NOT NULL DEFAULT '{}'::jsonb,
    metrics       jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    activated_at  timestamptz
);
COMMENT ON TABLE model_versions IS
    'Versions of the vector models. A new version''s vectors are written completely while the '
    'old one stays active; then, in one transaction, the old one is deactivated and the new '
    'one activated — two UPDATE statements in that order, because the unique index on active '
    'versions is checked row by row — and rec-svc swaps its in-memory index without '
    'downtime. Deleting a version deletes its vectors (CASCADE).';
COMMENT ON COLUMN model_versions.version IS 'Version name, e.g. "mf-2025-01-31T12:00Z" or "emb-minilm-v1"; reported as model_version in responses.';
COMMENT ON COLUMN model_versions.kind IS 'text_embedding: item text embeddings (query and item in one space); mf_factors: item and user factors of matrix factorisation (ALS/BPR).';
COMMENT ON COLUMN model_versions.dims IS 'Vector dimension of every vector of this version.';
COMMENT ON COLUMN model_versions.params IS 'Training or model parameters (factors, regularisation, epochs, model file, ...).';
COMMENT ON COLUMN model_versions.metrics IS 'Offline evaluation (recall@20, ndcg@20, training seconds, ...).';

CREATE UNIQUE INDEX model_versions_one_active_idx ON model_versions (kind) WHERE is_active;
COMMENT ON INDEX model_versions_one_active_idx IS 'At most one active version per kind.';

-- ---------------------------------------------------------------------------------------

CREATE TABLE item_embeddings (
    product_id     bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    model_version  text NOT NULL REFERENCES model_versions (version) ON DELETE CASCADE,
    dims           integer NOT NULL CHECK (dims > 0),
    vector         bytea NOT NULL,
    text_hash      text,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (product_id, model_version),
    CONSTRAINT item_embeddings_vector_length CHECK (octet_length(vector) = dims * 4)
);
COMMENT ON TABLE item_embeddings IS 'Text embedding of each product per text_embedding model version.';
COMMENT ON COLUMN item_embeddings.vector IS 'dims little-endian float32 values (see the file header); L2-normalised by the writer.';
COMMENT ON COLUMN item_embeddings.text_hash IS 'Hash of the product text the embedding was computed from; a reindex re-embeds only products whose text changed.';

CREATE INDEX item_embeddings_version_idx ON item_embeddings (model_version);

CREATE TABLE item_factors (
    product_id     bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    model_version  text NOT NULL REFERENCES model_versions (version) ON DELETE CASCADE,
    dims           integer NOT NULL CHECK (dims > 0),
    vector         bytea NOT NULL,
    bias           real NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (product_id, model_version),
    CONSTRAINT item_factors_vector_length CHECK (octet_length(vector) = dims * 4)
);
COMMENT ON TABLE item_factors IS 'Item factors v_i of an mf_factors version (offline training); the score is sigma(h_u . v_i).';
COMMENT ON COLUMN item_factors.vector IS 'dims little-endian float32 values (see the file header).';
COMMENT ON COLUMN item_factors.bias IS 'Item bias, when the trainer learns one (0 otherwise).';

CREATE INDEX item_factors_version_idx ON item_factors (model_version);

CREATE TABLE user_vectors (
    user_id        text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    model_version  text NOT NULL REFERENCES model_versions (version) ON DELETE CASCADE,
    dims           integer NOT NULL CHECK (dims > 0),
    vector         bytea NOT NULL,
    online_steps   bigint NOT NULL DEFAULT 0 CHECK (online_steps >= 0),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, model_version),
    CONSTRAINT user_vectors_vector_length CHECK (octet_length(vector) = dims * 4)
);
COMMENT ON TABLE user_vectors IS
    'User vectors h_u of an mf_factors version: written by offline training, then moved by '
    'one online gradient step per RecordEvent (in the event''s transaction). CASCADE: '
    'forget-me deletes them.';
COMMENT ON COLUMN user_vectors.vector IS 'dims little-endian float32 values (see the file header).';
COMMENT ON COLUMN user_vectors.online_steps IS 'Online gradient steps applied since the vector was trained (or created for a new user).';

CREATE INDEX user_vectors_version_idx ON user_vectors (model_version);
