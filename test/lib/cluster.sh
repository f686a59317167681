# Throwaway PostgreSQL cluster for tests, the demo and benchmarks.
#
# Source this file, then call cluster_start. It runs initdb into a fresh
# temporary directory, starts the server on a free port on 127.0.0.1 with
# trust authentication, and exports PGHOST, PGPORT, PGUSER and PGDATABASE.
# cluster_stop (also installed as an EXIT trap by cluster_start) stops the
# server and removes the directory, even after a failure. initdb refuses to
# run as root, so as root the cluster runs as the postgres system user.

cluster_find_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then
        echo "$PG_BINDIR"
        return
    fi
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
        echo "cluster: no PostgreSQL server found under /usr/lib/postgresql;" \
             "install it with contrib/install-deps" >&2
        return 1
    fi
    echo "$dir"
}

cluster_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

cluster_port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

cluster_start() {
    local bindir port attempt
    bindir=$(cluster_find_bindir) || return 1

    CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tenantmate-pg.XXXXXX")
    chmod 0755 "$CLUSTER_DIR"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$CLUSTER_DIR"
    fi
    trap cluster_stop EXIT

    if ! cluster_as_owner "$bindir/initdb" -D "$CLUSTER_DIR/data" -U postgres \
            --auth=trust --encoding=UTF8 --locale=C --no-sync \
            >"$CLUSTER_DIR/initdb.log" 2>&1; then
        echo "cluster: initdb failed:" >&2
        cat "$CLUSTER_DIR/initdb.log" >&2
        return 1
    fi

    for attempt in $(seq 1 20); do
        port=$((20000 + RANDOM % 30000))
        cluster_port_free "$port" || continue
        if cluster_as_owner "$bindir/pg_ctl" -D "$CLUSTER_DIR/data" -w -t 30 \
                -l "$CLUSTER_DIR/server.log" \
                -o "-p $port -k $CLUSTER_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=${CLUSTER_MAX_CONNECTIONS:-300}" \
                start >/dev/null 2>&1; then
            export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres
            CLUSTER_BINDIR=$bindir
            return 0
        fi
    done

    echo "cluster: could not start PostgreSQL on a free port:" >&2
    tail -n 20 "$CLUSTER_DIR/server.log" >&2
    return 1
}

cluster_stop() {
    if [ -n "${CLUSTER_DIR:-}" ] && [ -d "$CLUSTER_DIR" ]; then
        if [ -f "$CLUSTER_DIR/data/postmaster.pid" ]; then
            cluster_as_owner "$CLUSTER_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" \
                -m immediate stop >/dev/null 2>&1 || true
        fi
        rm -rf "$CLUSTER_DIR"
    fi
    CLUSTER_DIR=
}
