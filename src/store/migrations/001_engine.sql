-- 001_engine: the workspace engine's durable state (DESIGN.md, "The engine's state").
-- Portable SQL (see src/store/store.h): BIGINT and TEXT only, times are epoch ms,
-- ids are TEXT, counters are rows. File content never lives here: it is in git.

-- Registered repositories: a bare repository under <data>/repos/<name>.git.
CREATE TABLE repos (
    name        TEXT PRIMARY KEY,
    path        TEXT NOT NULL,
    branch      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    -- last agent number handed out ("agent-N"), never reused
    agent_seq   BIGINT NOT NULL DEFAULT 0,
    -- last changeset number of this repository
    changeset_seq BIGINT NOT NULL DEFAULT 0,
    -- last event id of this repository
    event_seq   BIGINT NOT NULL DEFAULT 0
);

-- Sessions: a copy-on-write overlay over a pinned base commit.
-- state: active | stranded | abandoned | closed
CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    repo          TEXT NOT NULL REFERENCES repos(name),
    agent_id      TEXT NOT NULL,
    agent_name    TEXT NOT NULL,
    intent        TEXT NOT NULL,
    -- 40 hex digits, or '' when the branch was unborn at connect
    base_commit   TEXT NOT NULL,
    mode          TEXT NOT NULL CHECK (mode IN ('ephemeral', 'persistent')),
    state         TEXT NOT NULL CHECK (state IN ('active', 'stranded', 'abandoned', 'closed')),
    -- the token that created the session (NULL: local, trusted caller)
    owner         TEXT,
    changeset_id  TEXT,
    created_at    BIGINT NOT NULL,
    last_active   BIGINT NOT NULL,
    -- persistent sessions: when they may be collected (NULL: no deadline)
    expires_at    BIGINT,
    stranded_at   BIGINT,
    stranded_reason TEXT,
    abandoned_at  BIGINT,
    abandoned_reason TEXT,
    -- resume: the session that took this one over
    superseded_by TEXT,
    -- the node serving it last (informational)
    node          TEXT
);
CREATE INDEX sessions_repo_state ON sessions (repo, state);

-- Overlay entries: path -> {blob id, mode} or deleted.
CREATE TABLE overlay (
    session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    -- 40 hex digits; NULL when deleted
    blob_id     TEXT,
    mode        BIGINT NOT NULL DEFAULT 33188,
    deleted     BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (session_id, path)
);

-- The session's changed symbols per path, against its base.
-- change: added | modified | deleted
CREATE TABLE session_symbols (
    session_id     TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    path           TEXT NOT NULL,
    qualified_name TEXT NOT NULL,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    change         TEXT NOT NULL CHECK (change IN ('added', 'modified', 'deleted')),
    PRIMARY KEY (session_id, path, qualified_name, kind)
);

-- Read marks (stale-overlay detection).
CREATE TABLE read_marks (
    session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    read_at     BIGINT NOT NULL,
    PRIMARY KEY (session_id, path)
);

-- Claims: at most one live lease per (repo, path, qualified name). A claim is
-- live while its holder session is active and not past its lease.
CREATE TABLE claims (
    repo           TEXT NOT NULL,
    path           TEXT NOT NULL,
    qualified_name TEXT NOT NULL,
    kind           TEXT NOT NULL,
    session_id     TEXT NOT NULL,
    agent_name     TEXT NOT NULL,
    since          BIGINT NOT NULL,
    PRIMARY KEY (repo, path, qualified_name)
);
CREATE INDEX claims_session ON claims (session_id);

-- Changesets: one per session.
-- state: draft | submitted | verifying | approved | rejected | merged | closed | abandoned
CREATE TABLE changesets (
    id            TEXT PRIMARY KEY,
    repo          TEXT NOT NULL REFERENCES repos(name),
    number        BIGINT NOT NULL,
    session_id    TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'verifying', 'approved',
                                                 'rejected', 'merged', 'closed', 'abandoned')),
    reason        TEXT,
    intent        TEXT NOT NULL,
    agent_name    TEXT NOT NULL,
    base_commit   TEXT NOT NULL,
    -- submit: the session's tree as a commit on its base (refs/dk/changesets/<id>)
    submit_commit TEXT,
    -- land: the commit that landed on the branch
    merged_commit TEXT,
    -- revert: the changeset this one reverts
    reverts       TEXT,
    -- verification results as a JSON document (the verification issue)
    verify_json   TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (repo, number)
);
CREATE INDEX changesets_repo_state ON changesets (repo, state);

-- Events: a bounded window per repository; ids increase per repository.
CREATE TABLE events (
    repo        TEXT NOT NULL,
    id          BIGINT NOT NULL,
    type        TEXT NOT NULL,
    session_id  TEXT,
    agent       TEXT,
    changeset_id TEXT,
    -- JSON object with the event's details
    payload     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (repo, id)
);

-- API tokens (the protocol issue): only hashes are stored.
-- scope: read | write | approve | admin ; repo NULL: every repository
CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,
    repo        TEXT,
    scope       TEXT NOT NULL,
    label       TEXT,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
