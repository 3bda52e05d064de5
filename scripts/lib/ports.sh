# Sourced by the test, e2e and bench scripts: loopback ports that are free now,
# so that two runs on one machine (two worktrees, two CI jobs) never fight over
# fixed port numbers.
#
#   pick_port VAR [VALUE]   set VAR to VALUE (an override from the environment)
#                           or, when VALUE is empty, to a free 127.0.0.1 port
#
# Free: nothing accepts a connection on 127.0.0.1 at that port (bash's
# /dev/tcp; no other tool needed). Picks are random, below the kernel's
# ephemeral range (net.ipv4.ip_local_port_range), so an outgoing connection
# never takes a picked port before its server binds it; and one shell never
# gets the same port twice, so a script may pick all its ports before it
# starts its first server. What is left: another run picking the same port
# between a pick and its bind, one chance in thousands per pair of picks made
# in those few seconds.

_PICKED_PORTS=${_PICKED_PORTS:-}

pick_port() {
    local var=$1 value=${2:-} ephemeral low=20000 high port tries
    if [ -z "$value" ]; then
        read -r ephemeral _ </proc/sys/net/ipv4/ip_local_port_range
        high=$(( (ephemeral < 32768 ? ephemeral : 32768) - 1 ))
        (( high - low >= 1000 )) || low=10000   # an unusual ephemeral range: the room below it
        for ((tries = 0; tries < 200; tries++)); do
            port=$(( low + (RANDOM * 32768 + RANDOM) % (high - low + 1) ))
            [[ " $_PICKED_PORTS " == *" $port "* ]] && continue
            if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
                value=$port
                break
            fi
        done
        [ -n "$value" ] || { echo "pick_port: no free 127.0.0.1 port in $low..$high" >&2; return 1; }
    fi
    _PICKED_PORTS+=" $value"
    printf -v "$var" '%s' "$value"
}
