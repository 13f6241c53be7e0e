# The second chance's cost, sourced by `tools/bench-engine.sh --second-chance` after its set-up (namespaces $GEN and
# $DUT on lbe-bg/lbe-bd, the sink, run(), the engine build). Off and on run side by side: the "off" engine in $DUT, the
# "on" engine in a second namespace $DUT2 (its own veth pair lbe-bg2/lbe-bd2 from $GEN), both started once; each
# off/on pair is measured at the same time, one generator each, round after round, so a busy machine weighs on both
# alike. Every row is unpaced (trafgen's pacing can fall far short of its target on a busy machine): the engine CPU
# per packet is the figure to compare; the summary at the end gives each row's median and the on/off ratios round by
# round.
#  mux:   TCP ACK frames to the VIP over 64256 flows (source address byte x source port byte). The "on" mux started
#         with pool A and was reloaded to B, C and D (four DIPs each, no address shared), so every slot has three
#         earlier owners: every packet of a flow met mid-stream is marked with the largest option (3 alternates), the
#         worst case. The "off" mux serves pool D with no second_chance section.
#         opened  ACKs of other flows whose SYNs both muxes forwarded before the row: the "on" mux knows their DIP
#                 holds the connection and adds no option (the steady state after a pool change)
#  agent: IP-in-IP frames from the generator (the agents' "mux") carrying TCP segments to the VIP:
#         plain    ACKs without the option: delivered (the path of every packet of an unmoved slot)
#         option   ACKs with the option (one alternate, a peer) for flows whose SYN the agent delivered before the
#                  row (its own table says local): delivered
#         away     ACKs with the option for flows this host never had: looked up once each with sock_diag before the
#                  row, then answered from the "not local" cache: redirected to the peer (counted where they come
#                  back to the generator)
#         fresh    as away, but a new flow every packet (random source address and port): one sock_diag lookup per
#                  packet, the most the second chance can cost an agent
#         Delivered packets are counted where the kernel's TCP takes them (Tcp InSegs; the kernel then answers with
#         a reset that has no route back). A flow that the kernel itself has (an established socket found by
#         sock_diag) is not measured: trafgen cannot hold connections open; its answer is cached like "away".
DUT2=lbe-bench-dut2
lb_netns_fresh $DUT2
bench_link lbe-bg2 $DUT2 lbe-bd2 10.91.1.2/24 10.91.1.1/24
gen2_mac=$(ip netns exec $GEN cat /sys/class/net/lbe-bg2/address)
dut2_mac=$(ip netns exec $DUT2 cat /sys/class/net/lbe-bd2/address)
for ns in $DUT $DUT2; do
  ip -n $ns addr add 20.0.0.1/32 dev lo   # the agents deliver to a local VIP
done
ip -n $DUT2 route add 10.99.0.0/16 via 10.91.1.2   # the "on" agent's peer: redirects go back to the generator

FLOWS=64256                      # dinc(0, 250) x dinc(0, 255): the source pairs repeat after 251 x 256 packets
PEER=10.99.0.5
sc_warm_pps=100000   # warm-ups are paced so that every flow reaches the engine

# inner_segment OFFSET SOURCE FLAGS: a 46-byte IPv4 + TCP segment to VIP:80 (6 payload bytes, checksums by trafgen)
# starting at frame offset OFFSET; SOURCE the address bytes and source port.
inner_segment() {
  local at=$1 source=$2 flags=$3
  echo "0x45, 0x00, c16(46), c16(1), 0x40, 0x00, 64, 6, csumip($at, $((at + 19))),
  $source, c16(80), c32(1), c32(1), 0x50, $flags, c16(512), csumtcp($at, $((at + 20))), c16(0),
  fill(0x61, 6)"
}
LOCAL_FLOWS="10, 92, dinc(0, 250), 50,  20, 0, 0, 1,  0x9c, dinc(0, 255)"
AWAY_FLOWS="10, 93, dinc(0, 250), 50,  20, 0, 0, 1,  0x9c, dinc(0, 255)"
FRESH_FLOWS="10, 94, drnd(), drnd(),  20, 0, 0, 1,  drnd(), drnd()"
ACK=0x10 SYN=0x02

# frames NAME DUT_MAC GEN_MAC GEN_IP DUT_IP: the trafgen configs for one pair, $work/NAME-*.cfg.
frames() {
  local name=$1 dmac=$2 smac=$3 gen_ip=$4 dut_ip=$5
  local eth="$(hexmac "$dmac"), $(hexmac "$smac"), 0x08, 0x00"
  local plain="0x45, 0x00, c16(66), c16(1), 0x40, 0x00, 64, 4, csumip(14, 33), ${gen_ip//./, }, ${dut_ip//./, }"
  local option="0x47, 0x00, c16(74), c16(1), 0x40, 0x00, 64, 4, csumip(14, 41), ${gen_ip//./, }, ${dut_ip//./, },
  94, 8, 0x10, 0x00, ${PEER//./, }"
  echo "{ $eth, $(inner_segment 14 "$LOCAL_FLOWS" $ACK) }" >"$work/$name-mux.cfg"
  echo "{ $eth, $(inner_segment 14 "$AWAY_FLOWS" $SYN) }" >"$work/$name-mux-syn.cfg"
  echo "{ $eth, $(inner_segment 14 "$AWAY_FLOWS" $ACK) }" >"$work/$name-mux-opened.cfg"
  echo "{ $eth, $plain, $(inner_segment 34 "$LOCAL_FLOWS" $ACK) }" >"$work/$name-plain.cfg"
  echo "{ $eth, $plain, $(inner_segment 34 "$LOCAL_FLOWS" $SYN) }" >"$work/$name-syn.cfg"
  echo "{ $eth, $option, $(inner_segment 42 "$LOCAL_FLOWS" $ACK) }" >"$work/$name-option.cfg"
  echo "{ $eth, $option, $(inner_segment 42 "$AWAY_FLOWS" $ACK) }" >"$work/$name-away.cfg"
  echo "{ $eth, $option, $(inner_segment 42 "$FRESH_FLOWS" $ACK) }" >"$work/$name-fresh.cfg"
}
frames off "$dut_mac" "$gen_mac" 10.91.0.2 10.91.0.1
frames on "$dut2_mac" "$gen2_mac" 10.91.1.2 10.91.1.1

# pool K: four DIPs of their own (pool 3 is D, the one both muxes end with).
pool() { echo "[{\"name\":\"p$1a\",\"address\":\"10.99.$1.2\"},{\"name\":\"p$1b\",\"address\":\"10.99.$1.3\"},{\"name\":\"p$1c\",\"address\":\"10.99.$1.4\"},{\"name\":\"p$1d\",\"address\":\"10.99.$1.5\"}]"; }
# engine_config ROLE NAME INTERFACE ADDRESS GATEWAY GATEWAY_MAC EXTRA: one engine's config, EXTRA its last keys.
engine_config() {
  cat >"$work/$2.json" <<EOF
{"version":1,"role":"$1","packet_io":"ring","host":"bench-$2","interface":"$3","address":"$4",
 "gateway":{"address":"$5","mac":"$6"},"control_socket":"$work/$2.sock",
 "vips":[{"address":"20.0.0.1","ports":[{"protocol":"tcp","port":80}]}],
 "connections":{"capacity":262144,"idle_timeout_seconds":3600},
 $7}
EOF
}
SECOND_CHANCE_ON='"second_chance":{"enabled":true,"retention_seconds":3600'

# start_in NS ROLE NAME: starts lbengine ROLE with $work/NAME.json in NS; its pid in started_pid, stopped at exit.
start_in() {
  ip netns exec "$1" dotnet "$engine" "$2" --config "$work/$3.json" >"$work/$3.log" 2>&1 &
  started_pid=$!
  lb_on_exit lb_stop_pid "$started_pid"
  for _ in $(seq 50); do [[ -S $work/$3.sock ]] && return 0; sleep 0.2; done
  echo "lbengine $2 ($3) did not start:" >&2; cat "$work/$3.log" >&2; exit 1
}
ask_engine() { # NAME COMMAND: fails the run unless the engine says ok
  local reply
  reply=$(lb_python deployment.py engine-json "$work/$1.sock" "$2")
  [[ $reply == *'"ok": true'* ]] || lb_die "lbengine $1 refused '$2': $reply"
}
# warm DEV CFG COUNT PPS: untimed traffic (JIT tiering, flow tables, caches) before the measured rows.
warm() { ip netns exec $GEN trafgen --dev "$1" --conf "$2" --num "$3" --rate "${4}pps" --cpus 1 -q -C >/dev/null 2>&1 || true; sleep 0.5; }
tcp_in_segs() { ip netns exec "$1" awk '/^Tcp: [0-9]/{print $11}' /proc/net/snmp; }
back_off() { stat_of $GEN lbe-bg rx_packets; }
back_on() { stat_of $GEN lbe-bg2 rx_packets; }
delivered_off() { tcp_in_segs $DUT; }
delivered_on() { tcp_in_segs $DUT2; }
# side_by_side LABEL_OFF CFG_OFF COUNTER_OFF LABEL_ON CFG_ON COUNTER_ON ROLE: one trafgen per pair at full speed, both
# at once, so both engines see the same machine at the same moment (a busy, shared machine swings more between two
# runs than the second chance costs). Two rows; the machine's CPU is shared between them, so its column is "-".
side_by_side() {
  local label_off=$1 cfg_off=$2 counter_off=$3 label_on=$4 cfg_on=$5 counter_on=$6 role=$7 pair
  local count=$((400000 * seconds)) t0 t1
  declare -A tx0 rx0 proc0
  for pair in off on; do
    tx0[$pair]=$(stat_of $GEN "$(gen_device $pair)" tx_packets)
    rx0[$pair]=$($(pick $pair "$counter_off" "$counter_on"))
    proc0[$pair]=$(proc_jiffies "$(pid_of "$role-$pair")")
    lb_python deployment.py engine-json "$work/$role-$pair.sock" >"$work/stats-before-$pair.json"
  done
  t0=$(date +%s.%N)
  ip netns exec $GEN trafgen --dev lbe-bg --conf "$work/off-$cfg_off.cfg" --num "$count" --cpus 1 -q -C >/dev/null 2>&1 &
  local gen_off=$!
  ip netns exec $GEN trafgen --dev lbe-bg2 --conf "$work/on-$cfg_on.cfg" --num "$count" --cpus 1 -q -C >/dev/null 2>&1 || true
  wait "$gen_off" || true
  sleep 0.5
  t1=$(date +%s.%N)
  for pair in off on; do
    local label counter tx1 rx1 proc1 note
    label=$(pick $pair "$label_off" "$label_on")
    counter=$(pick $pair "$counter_off" "$counter_on")
    tx1=$(stat_of $GEN "$(gen_device $pair)" tx_packets)
    rx1=$($counter)
    proc1=$(proc_jiffies "$(pid_of "$role-$pair")")
    lb_python deployment.py engine-json "$work/$role-$pair.sock" >"$work/stats-after-$pair.json"
    note=$(lb_python stats.py second-chance-note "$work/stats-before-$pair.json" "$work/stats-after-$pair.json")
    lb_python stats.py rate-row "$label" $((tx1 - ${tx0[$pair]})) $((rx1 - ${rx0[$pair]})) \
      "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a - 0.5 }')" - $((proc1 - ${proc0[$pair]})) "$note" | tee -a "$work/rows.md"
  done
}
# measure NAME CFG COUNTER ENGINE: one row of the "on" pair alone, at full speed.
measure() {
  gen_dev=lbe-bg2
  run "$1" "$work/on-$2.cfg" max "$3" "$(pid_of "$4")" "$work/$4.sock" | tee -a "$work/rows.md"
}
pick() { [[ $1 == on ]] && echo "$3" || echo "$2"; }   # PAIR OFF_VALUE ON_VALUE
gen_device() { pick "$1" lbe-bg lbe-bg2; }
declare -A engine_pids
pid_of() { echo "${engine_pids[$1]}"; }

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; $rounds round(s) of ${seconds} s rows"
echo
echo "| run | offered pps | handled pps | handled/offered | machine CPU ns/pkt | engine CPU ns/pkt | second chance |"
echo "|---|---|---|---|---|---|---|"

# Mux: off serves pool D; on went A -> B -> C -> D.
engine_config mux mux-off lbe-bd 10.91.0.1 10.91.0.2 "$gen_mac" "\"dips\":$(pool 3)"
start_in $DUT mux mux-off; engine_pids[mux-off]=$started_pid
engine_config mux mux-on lbe-bd2 10.91.1.1 10.91.1.2 "$gen2_mac" "\"dips\":$(pool 0), $SECOND_CHANCE_ON}"
start_in $DUT2 mux mux-on; engine_pids[mux-on]=$started_pid
for k in 1 2 3; do
  engine_config mux mux-on lbe-bd2 10.91.1.1 10.91.1.2 "$gen2_mac" "\"dips\":$(pool $k), $SECOND_CHANCE_ON}"
  ask_engine mux-on reload
done
warm lbe-bg "$work/off-mux.cfg" $((2 * FLOWS)) "$sc_warm_pps"
warm lbe-bg2 "$work/on-mux.cfg" $((2 * FLOWS)) "$sc_warm_pps"
for round in $(seq "$rounds"); do
  side_by_side "mux, second chance off (round $round)" mux back_off \
    "mux, second chance on, 3 earlier pools (round $round)" mux back_on mux
done
warm lbe-bg "$work/off-mux-syn.cfg" $((2 * FLOWS)) "$sc_warm_pps"
warm lbe-bg2 "$work/on-mux-syn.cfg" $((2 * FLOWS)) "$sc_warm_pps"
for round in $(seq "$rounds"); do
  side_by_side "mux off, flows opened by SYN (round $round)" mux-opened back_off \
    "mux on, 3 earlier pools, flows whose SYN it sent (round $round)" mux-opened back_on mux
done
lb_stop_pid "${engine_pids[mux-off]}"
lb_stop_pid "${engine_pids[mux-on]}"

# Agent: off has no second_chance section; on lists one peer, the alternate every option names.
engine_config agent agent-off lbe-bd 10.91.0.1 10.91.0.2 "$gen_mac" '"muxes":[{"name":"gen","address":"10.91.0.2"}]'
start_in $DUT agent agent-off; engine_pids[agent-off]=$started_pid
engine_config agent agent-on lbe-bd2 10.91.1.1 10.91.1.2 "$gen2_mac" \
  "\"muxes\":[{\"name\":\"gen\",\"address\":\"10.91.1.2\"}], $SECOND_CHANCE_ON,\"peers\":[{\"name\":\"peer\",\"address\":\"$PEER\"}]}"
start_in $DUT2 agent agent-on; engine_pids[agent-on]=$started_pid
warm lbe-bg "$work/off-plain.cfg" $((2 * FLOWS)) "$sc_warm_pps"
warm lbe-bg2 "$work/on-plain.cfg" $((2 * FLOWS)) "$sc_warm_pps"
warm lbe-bg2 "$work/on-syn.cfg" $((2 * FLOWS)) "$sc_warm_pps"    # the option rows' flows are now the agent's own
warm lbe-bg2 "$work/on-away.cfg" $((3 * FLOWS)) "$sc_warm_pps"   # and the away rows' flows are cached "not local"
for round in $(seq "$rounds"); do
  side_by_side "agent off, no option (round $round)" plain delivered_off \
    "agent on, no option: delivered (round $round)" plain delivered_on agent
  side_by_side "agent off, option (ignored) (round $round)" option delivered_off \
    "agent on, option, own flow: delivered (round $round)" option delivered_on agent
done
# Not comparable with an off row (the packets leave by another way): the on agent alone.
for round in $(seq "$rounds"); do
  measure "agent on, option, cached not local: redirected (round $round)" away back_on agent-on
done
# Last: its random flows push the away flows out of the agent's "not local" cache.
for round in $(seq "$rounds"); do
  measure "agent on, option, new flow each packet (sock_diag): redirected (round $round)" fresh back_on agent-on
done

echo
lb_python stats.py rate-summary "$work/rows.md" \
  "mux, second chance on, 3 earlier pools=mux, second chance off" \
  "mux on, 3 earlier pools, flows whose SYN it sent=mux off, flows opened by SYN" \
  "agent on, no option: delivered=agent off, no option" \
  "agent on, option, own flow: delivered=agent off, option (ignored)"
