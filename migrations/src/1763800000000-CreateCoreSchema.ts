import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The core schema (DESIGN §2). Addresses and local parts use the "C" collation so that one
 * btree index serves equality, `LIKE 'prefix%'` and ORDER BY for 1,000,000 mailboxes.
 */
export class CreateCoreSchema1763800000000 implements MigrationInterface {
  name = 'CreateCoreSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE backends (
        id                 serial PRIMARY KEY,
        name               text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
        imap_host          text NOT NULL,
        imap_port          int  NOT NULL CHECK (imap_port BETWEEN 1 AND 65535),
        pop3_port          int  CHECK (pop3_port BETWEEN 1 AND 65535),
        lmtp_host          text NOT NULL,
        lmtp_port          int  NOT NULL CHECK (lmtp_port BETWEEN 1 AND 65535),
        sieve_port         int  CHECK (sieve_port BETWEEN 1 AND 65535),
        admin_user         text NOT NULL DEFAULT 'cyrus',
        admin_secret_ref   text NOT NULL,
        tls_mode           text NOT NULL DEFAULT 'none' CHECK (tls_mode IN ('none','starttls','tls')),
        tls_verify         boolean NOT NULL DEFAULT true,
        capacity_bytes     bigint NOT NULL CHECK (capacity_bytes > 0),
        capacity_mailboxes int NOT NULL CHECK (capacity_mailboxes > 0),
        weight             int NOT NULL DEFAULT 100 CHECK (weight >= 0),
        state              text NOT NULL DEFAULT 'active' CHECK (state IN ('active','draining','readonly','down')),
        health             text NOT NULL DEFAULT 'unknown' CHECK (health IN ('unknown','up','down')),
        health_checked_at  timestamptz,
        health_latency_ms  int,
        health_failures    int NOT NULL DEFAULT 0,
        health_error       text,
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE domains (
        id                  serial PRIMARY KEY,
        name                text COLLATE "C" NOT NULL UNIQUE CHECK (name = lower(name) AND name <> ''),
        active              boolean NOT NULL DEFAULT true,
        max_mailboxes       int CHECK (max_mailboxes >= 0),
        max_aliases         int CHECK (max_aliases >= 0),
        max_quota_bytes     bigint CHECK (max_quota_bytes >= 0),
        total_quota_bytes   bigint CHECK (total_quota_bytes >= 0),
        default_quota_bytes bigint NOT NULL DEFAULT 1073741824 CHECK (default_quota_bytes >= 0),
        placement_policy    jsonb NOT NULL DEFAULT '{"kind":"any"}',
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE alias_domains (
        id               serial PRIMARY KEY,
        name             text COLLATE "C" NOT NULL UNIQUE CHECK (name = lower(name) AND name <> ''),
        target_domain_id int NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
        active           boolean NOT NULL DEFAULT true,
        created_at       timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX alias_domains_target_idx ON alias_domains (target_domain_id);

      CREATE TABLE mailboxes (
        id                   bigserial PRIMARY KEY,
        domain_id            int NOT NULL REFERENCES domains(id),
        local_part           text COLLATE "C" NOT NULL CHECK (local_part = lower(local_part) AND local_part <> ''),
        address              text COLLATE "C" NOT NULL UNIQUE CHECK (address = lower(address)),
        display_name         text NOT NULL DEFAULT '',
        password_hash        text NOT NULL,
        password_must_change boolean NOT NULL DEFAULT false,
        active               boolean NOT NULL DEFAULT true,
        quota_bytes          bigint NOT NULL CHECK (quota_bytes >= 0),
        used_bytes           bigint NOT NULL DEFAULT 0,
        used_synced_at       timestamptz,
        backend_id           int NOT NULL REFERENCES backends(id),
        pinned               boolean NOT NULL DEFAULT false,
        state                text NOT NULL DEFAULT 'provisioning'
          CHECK (state IN ('provisioning','active','moving','frozen','suspended','deleting','error')),
        state_reason         text,
        last_login_at        timestamptz,
        delete_after         timestamptz,
        created_at           timestamptz NOT NULL DEFAULT now(),
        updated_at           timestamptz NOT NULL DEFAULT now(),
        UNIQUE (domain_id, local_part)
      );
      -- The UNIQUE (domain_id, local_part) index serves the per-domain list: sorted, prefix search, paged.
      CREATE INDEX mailboxes_backend_state_idx ON mailboxes (backend_id, state);
      CREATE INDEX mailboxes_state_idx ON mailboxes (state) WHERE state <> 'active';
      CREATE INDEX mailboxes_display_name_idx ON mailboxes (lower(display_name) text_pattern_ops);

      CREATE TABLE aliases (
        id         serial PRIMARY KEY,
        domain_id  int NOT NULL REFERENCES domains(id),
        local_part text COLLATE "C" NOT NULL CHECK (local_part = lower(local_part)),
        address    text COLLATE "C" NOT NULL UNIQUE CHECK (address = lower(address)),
        targets    text[] NOT NULL CHECK (cardinality(targets) > 0),
        active     boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (domain_id, local_part)
      );

      CREATE TABLE moves (
        id                  bigserial PRIMARY KEY,
        mailbox_id          bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
        source_backend_id   int NOT NULL REFERENCES backends(id),
        target_backend_id   int NOT NULL REFERENCES backends(id) CHECK (target_backend_id <> source_backend_id),
        state               text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued','preparing','copying',
          'syncing','frozen','final-sync','verifying','flipped','retained','cleaned','failed','cancelled','rolled-back')),
        engine              text NOT NULL DEFAULT 'imap' CHECK (engine IN ('imap','xfer')),
        folders_total       int NOT NULL DEFAULT 0,
        folders_done        int NOT NULL DEFAULT 0,
        messages_total      bigint NOT NULL DEFAULT 0,
        messages_done       bigint NOT NULL DEFAULT 0,
        bytes_total         bigint NOT NULL DEFAULT 0,
        bytes_done          bigint NOT NULL DEFAULT 0,
        rate_messages_per_s real,
        eta_s               int,
        progress_at         timestamptz,
        frozen_at           timestamptz,
        flipped_at          timestamptz,
        retain_until        timestamptz,
        verification        jsonb,
        requested_by        int,
        rebalance_plan_id   int,
        cancel_requested    boolean NOT NULL DEFAULT false,
        attempts            int NOT NULL DEFAULT 0,
        error               text,
        started_at          timestamptz,
        finished_at         timestamptz,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now()
      );
      -- At most one unfinished move per mailbox.
      CREATE UNIQUE INDEX moves_one_open_per_mailbox ON moves (mailbox_id)
        WHERE state NOT IN ('retained','cleaned','failed','cancelled','rolled-back');
      CREATE INDEX moves_state_idx ON moves (state, created_at);
      CREATE INDEX moves_plan_idx ON moves (rebalance_plan_id) WHERE rebalance_plan_id IS NOT NULL;

      CREATE TABLE move_folders (
        move_id            bigint NOT NULL REFERENCES moves(id) ON DELETE CASCADE,
        name               text NOT NULL,
        source_uidvalidity bigint,
        last_copied_uid    bigint NOT NULL DEFAULT 0,
        highest_modseq     text,
        messages_total     int NOT NULL DEFAULT 0,
        messages_done      int NOT NULL DEFAULT 0,
        bytes_total        bigint NOT NULL DEFAULT 0,
        bytes_done         bigint NOT NULL DEFAULT 0,
        done               boolean NOT NULL DEFAULT false,
        PRIMARY KEY (move_id, name)
      );

      CREATE TABLE admins (
        id             serial PRIMARY KEY,
        username       text COLLATE "C" NOT NULL UNIQUE CHECK (username = lower(username) AND username <> ''),
        password_hash  text NOT NULL,
        role           text NOT NULL CHECK (role IN ('superadmin','ops','domain-admin','support')),
        totp_secret    text,
        totp_required  boolean NOT NULL DEFAULT false,
        active         boolean NOT NULL DEFAULT true,
        failed_logins  int NOT NULL DEFAULT 0,
        locked_until   timestamptz,
        last_login_at  timestamptz,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE rebalance_plans (
        id                    serial PRIMARY KEY,
        created_by            int REFERENCES admins(id) ON DELETE SET NULL,
        policy                jsonb NOT NULL,
        dry_run               jsonb,
        state                 text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft','approved','running',
          'paused','completed','cancelled','failed')),
        approved_by           int REFERENCES admins(id) ON DELETE SET NULL,
        approved_at           timestamptz,
        max_moves_per_backend int NOT NULL DEFAULT 1 CHECK (max_moves_per_backend > 0),
        window_start          time,
        window_end            time,
        error                 text,
        created_at            timestamptz NOT NULL DEFAULT now(),
        updated_at            timestamptz NOT NULL DEFAULT now()
      );
      ALTER TABLE moves
        ADD FOREIGN KEY (requested_by) REFERENCES admins(id) ON DELETE SET NULL,
        ADD FOREIGN KEY (rebalance_plan_id) REFERENCES rebalance_plans(id) ON DELETE SET NULL;

      CREATE TABLE admin_domains (
        admin_id  int NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
        domain_id int NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
        PRIMARY KEY (admin_id, domain_id)
      );
      CREATE INDEX admin_domains_domain_idx ON admin_domains (domain_id);

      CREATE TABLE admin_credentials (
        id           serial PRIMARY KEY,
        admin_id     int NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
        kind         text NOT NULL CHECK (kind IN ('session','api-token')),
        name         text NOT NULL DEFAULT '',
        secret_hash  text NOT NULL UNIQUE,
        prefix       text NOT NULL,
        expires_at   timestamptz,
        last_used_at timestamptz,
        revoked_at   timestamptz,
        created_at   timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX admin_credentials_admin_idx ON admin_credentials (admin_id, kind);

      CREATE TABLE password_resets (
        id         serial PRIMARY KEY,
        mailbox_id bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at    timestamptz,
        created_by int REFERENCES admins(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX password_resets_mailbox_idx ON password_resets (mailbox_id);

      CREATE TABLE audit_events (
        id          bigserial PRIMARY KEY,
        at          timestamptz NOT NULL DEFAULT now(),
        actor_id    int,
        actor_name  text NOT NULL,
        role        text NOT NULL,
        action      text NOT NULL,
        target_type text NOT NULL,
        target_id   text,
        domain_id   int,
        before      jsonb,
        after       jsonb,
        ip          text,
        reason      text
      );
      CREATE INDEX audit_events_at_idx ON audit_events (at DESC);
      CREATE INDEX audit_events_domain_idx ON audit_events (domain_id, at DESC);
      CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, at DESC);
      CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id, at DESC);

      CREATE TABLE relays (
        id              serial PRIMARY KEY,
        name            text NOT NULL UNIQUE,
        control_command jsonb NOT NULL,
        active          boolean NOT NULL DEFAULT true,
        created_at      timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE relay_calls (
        id          bigserial PRIMARY KEY,
        relay_id    int NOT NULL REFERENCES relays(id) ON DELETE CASCADE,
        action      text NOT NULL,
        reason      text NOT NULL,
        exit_code   int,
        output      text NOT NULL DEFAULT '',
        duration_ms int NOT NULL,
        at          timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX relay_calls_relay_idx ON relay_calls (relay_id, at DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE relay_calls, relays, audit_events, password_resets, admin_credentials, admin_domains,
        move_folders, moves, rebalance_plans, admins, aliases, mailboxes, alias_domains, domains, backends;
    `);
  }
}
