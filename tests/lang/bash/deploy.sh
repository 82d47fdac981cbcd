#!/usr/bin/env bash
# deploy.sh - build and ship the service to the target hosts.
set -euo pipefail

source ./lib/common.sh
. "$(dirname "$0")/lib/log.sh"
source "${HOME}/.deployrc"
if [[ -f ./local.env ]]; then
    source ./local.env
fi

# Where artifacts are staged.
BUILD_DIR=/tmp/build
readonly RELEASE_TAG="v$(date +%Y%m%d)"
export DEPLOY_ENV=${DEPLOY_ENV:-staging}
declare -r MAX_RETRIES=3
declare -a hosts=(web1 web2)
retries=0
local_only=false # set by --local

# Print usage and exit.
usage() {
    cat <<USAGE
usage: $0 [--local] [host...]
USAGE
    exit 1
}

# Build the release tarball.
function build {
    . lib/build_helpers.sh
    log_info "building ${RELEASE_TAG}"
    mkdir -p "$BUILD_DIR"
    make -C src release
    tar -czf "$BUILD_DIR/app.tgz" -C src/dist .
}

function upload() {
    local host=$1
    local attempt=0
    until scp "$BUILD_DIR/app.tgz" "deploy@${host}:/srv/app/"; do
        attempt=$((attempt + 1))
        if (( attempt >= MAX_RETRIES )); then
            log_error "upload to $host failed"
            return 1
        fi
        sleep 2
    done
}

restart_service() {
    ssh "deploy@$1" sudo systemctl restart app.service \
        && log_info "restarted on $1"
}

# Deploy to every host in parallel.
deploy_all() {
    local pids=()
    for h in "${hosts[@]}"; do
        (upload "$h" && restart_service "$h") &
        pids+=($!)
    done
    for p in "${pids[@]}"; do
        wait "$p" || retries=$((retries + 1))
    done
    echo "done with ${retries} failures" | tee -a deploy.log
}

cleanup() { rm -rf "$BUILD_DIR"; }
trap cleanup EXIT

main() {
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --local) local_only=true ;;
            -h|--help) usage ;;
            *) hosts+=("$1") ;;
        esac
        shift
    done
    build
    if [[ "$local_only" == true ]]; then
        log_info "local build only"
        return 0
    fi
    deploy_all
}

main "$@"
