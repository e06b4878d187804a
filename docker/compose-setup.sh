#!/bin/sh
# One-shot setup of `docker compose up`: the schema, a server group `demo` holding the two
# simulated BBB servers, and a superuser `admin` (its password is printed once, in this
# service's log: `docker compose logs setup`). Safe to run again: it only adds what is missing.
set -eu

bbb-gateway migrate up

if ! bbb-gateway group list | awk 'NR > 1 { print $2 }' | grep -qx demo; then
    bbb-gateway group create demo
fi

add_server() { # name url secret
    if ! bbb-gateway server list --group demo | awk 'NR > 1 { print $2 }' | grep -qx "$1"; then
        printf '%s\n' "$3" | bbb-gateway server add "$1" --group demo --url "$2" --secret-stdin
    fi
}
add_server bbb-sim-1 http://bbb-sim-1:8081/bigbluebutton/api/ "$BBB_SIM_1_SECRET"
add_server bbb-sim-2 http://bbb-sim-2:8082/bigbluebutton/api/ "$BBB_SIM_2_SECRET"

if ! bbb-gateway user list | awk 'NR > 1 { print $2 }' | grep -qx admin; then
    bbb-gateway user create admin --superuser --staff
fi
bbb-gateway server list
