#!/usr/bin/env bash
set -euo pipefail

source ./lib/common.sh

BACKUP_DIR=${BACKUP_DIR:-/var/backups/app}
KEEP_DAYS=14

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

make_archive() {
  local name
  name="app-$(date +%Y%m%d).tar.gz"
  tar -czf "$BACKUP_DIR/$name" -C /srv/app data config
  echo "$name"
}

prune_old() {
  find "$BACKUP_DIR" -name 'app-*.tar.gz' -mtime +"$KEEP_DAYS" -delete
}

verify_archive() {
  tar -tzf "$BACKUP_DIR/$1" >/dev/null || die "corrupt archive $1"
}

upload() {
  aws s3 cp "$BACKUP_DIR/$1" "s3://backups/app/$1"
}

mkdir -p "$BACKUP_DIR"
archive=$(make_archive)
log "created $archive"
prune_old
