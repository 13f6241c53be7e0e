#!/usr/bin/env bash
# Throughput of lbengine on a veth path driven by trafgen, side by side with the kernel over the same path.
#   tools/bench-engine.sh [--seconds N] [--rate PPS] [--paths "ring pcap xdp"]   (root; a few minutes)
#                                                        a path ringN (ring2, ring4) runs the mux with N packet
#                                                        threads (packet_threads; mux rows only)
#   tools/bench-engine.sh --second-chance [--rounds N] [--seconds N]
#                                                        (root; about 2 minutes a round, 2 rounds by default) only the
#                                                        second chance's cost rows, off and on side by side, unpaced
#                                                        (tools/lib/bench-second-chance.sh)
# Two namespaces, one veth pair: lbe-bench-gen (trafgen + sink) <-> lbe-bench-dut (device under test).
#  mux:    trafgen sends 60-byte UDP frames to the VIP; the dut (lbengine mux, or kernel forwarding) sends them back
#          (encapsulated to a DIP via the gen side as gateway / routed back); the gen side counts what comes back
#          (rx_packets; an nftables ingress rule drops them there, before the IP stack).
#  agent:  trafgen sends the same packets already encapsulated (IP-in-IP from a "mux" = gen) to the dut; lbengine agent
#          delivers the inner packets to the local VIP (ring: AF_PACKET ring + injection on lo; pcap: raw IP sockets;
#          xdp: AF_XDP socket + injection on lo);
#          the kernel baseline receives the inner packets directly.
# CPU per packet: busy jiffies of the whole machine during the run (includes trafgen and anything else running),
# and the engine process's own CPU. Nothing leaves the two namespaces; both are deleted on exit.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$LB_ROOT"
seconds=4
rate=250000
second_chance=0
rounds=2
paths="ring pcap xdp"
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --second-chance) second_chance=1; shift ;;
    --rounds) rounds=$2; shift 2 ;;
    --paths) paths=$2; shift 2 ;;
    *) lb_usage 2 ;;
  esac
done
lb_check_range --seconds "$seconds" 1 600
lb_check_range --rate "$rate" 1000 10000000
lb_check_range --rounds "$rounds" 1 20
for io in $paths; do [[ $io =~ ^(ring([2-9]|1[0-6])?|pcap|xdp)$ ]] || lb_die "--paths: unknown packet_io '$io'; use ring, ringN (N packet threads, 2-16), pcap and/or xdp"; done
lb_need_root "network namespaces"
lb_need_command trafgen netsniff-ng

GEN=lbe-bench-gen DUT=lbe-bench-dut
lb_workdir lbe-bench
work=$LB_WORK
engine_pid=""
stop_engine() { lb_stop_pid "$engine_pid"; engine_pid=""; }

dotnet build engine/LbEngine/LbEngine.csproj -c Release -nologo -v q >/dev/null
engine=$PWD/engine/LbEngine/bin/Release/net10.0/lbengine.dll

lb_netns_fresh $GEN $DUT
lb_on_exit stop_engine   # registered last, so it runs first: the engine stops before its namespace goes
# One bench link: a veth pair from the generator's namespace to a device under test, offloads off, with a sink.
# The sink: frames coming back to the gen side are counted (rx_packets, counted by veth before any hook) and dropped
# at its ingress hook, so the receiving end costs next to nothing and the CPU figures measure the device under test
# (a real mux's frames leave the machine through its NIC). ARP still passes (the kernel baseline needs it).
#   bench_link GEN_IF DUT_NS DUT_IF GEN_ADDR/24 DUT_ADDR/24
bench_link() {
  local gen_if=$1 dut_ns=$2 dut_if=$3 sink=sink_${1//-/_}
  ip link add "$gen_if" netns $GEN type veth peer name "$dut_if" netns "$dut_ns"
  ip -n $GEN addr add "$4" dev "$gen_if"
  ip -n "$dut_ns" addr add "$5" dev "$dut_if"
  for pair in "$GEN:$gen_if" "$dut_ns:$dut_if"; do
    ip -n "${pair%%:*}" link set "${pair#*:}" up
    ip netns exec "${pair%%:*}" ethtool -K "${pair#*:}" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
  done
  ip netns exec $GEN nft "add table netdev $sink; add chain netdev $sink ingress { type filter hook ingress device \"$gen_if\" priority 0; policy accept; }; add rule netdev $sink ingress meta protocol ip drop"
  ip netns exec "$dut_ns" sysctl -qw net.ipv4.conf.all.send_redirects=0 "net.ipv4.conf.$dut_if.send_redirects=0"
}
bench_link lbe-bg $DUT lbe-bd 10.91.0.2/24 10.91.0.1/24
ip netns exec $GEN sysctl -qw net.ipv4.ip_forward=0
gen_mac=$(ip netns exec $GEN cat /sys/class/net/lbe-bg/address)
dut_mac=$(ip netns exec $DUT cat /sys/class/net/lbe-bd/address)

# trafgen packet configs: 60-byte frames, the UDP source port cycles over 256 values (256 flows).
hexmac() { echo "$1" | sed 's/^/0x/; s/:/, 0x/g'; }
cat >"$work/mux.cfg" <<EOF
{ $(hexmac "$dut_mac"), $(hexmac "$gen_mac"), 0x08, 0x00,
  0x45, 0x00, c16(46), c16(1), 0x40, 0x00, 64, 17, csumip(14, 33),
  10, 91, 0, 50,  20, 0, 0, 1,
  0x9c, dinc(0, 255), c16(9), c16(26), c16(0),
  fill(0x61, 18) }
EOF
cat >"$work/agent.cfg" <<EOF
{ $(hexmac "$dut_mac"), $(hexmac "$gen_mac"), 0x08, 0x00,
  0x45, 0x00, c16(66), c16(1), 0x40, 0x00, 64, 4, csumip(14, 33),
  10, 91, 0, 2,  10, 91, 0, 1,
  0x45, 0x00, c16(46), c16(1), 0x40, 0x00, 64, 17, csumip(34, 53),
  10, 91, 0, 50,  20, 0, 0, 1,
  0x9c, dinc(0, 255), c16(9), c16(26), c16(0),
  fill(0x61, 18) }
EOF

cat >"$work/mux-ring.json" <<EOF
{"version":1,"role":"mux","packet_io":"ring","host":"bench-mux","interface":"lbe-bd","address":"10.91.0.1",
 "gateway":{"address":"10.91.0.2","mac":"$gen_mac"},"mtu":1500,"control_socket":"$work/mux.sock",
 "vips":[{"address":"20.0.0.1","ports":[{"protocol":"udp","port":9}]}],
 "dips":[{"name":"d1","address":"10.99.0.2","weight":1},{"name":"d2","address":"10.99.0.3","weight":1}]}
EOF
sed 's/"packet_io":"ring"/"packet_io":"pcap"/' "$work/mux-ring.json" >"$work/mux-pcap.json"
sed 's/"packet_io":"ring"/"packet_io":"xdp"/' "$work/mux-ring.json" >"$work/mux-xdp.json"
for io in $paths; do
  if [[ $io =~ ^ring([0-9]+)$ ]]; then sed "s/\"packet_io\":\"ring\"/\"packet_io\":\"ring\",\"packet_threads\":${BASH_REMATCH[1]}/" "$work/mux-ring.json" >"$work/mux-$io.json"; fi
done
cat >"$work/agent-ring.json" <<EOF
{"version":1,"role":"agent","packet_io":"ring","host":"bench-agent","interface":"lbe-bd","address":"10.91.0.1",
 "gateway":{"address":"10.91.0.2"},"control_socket":"$work/agent.sock",
 "vips":[{"address":"20.0.0.1","ports":[{"protocol":"udp","port":9}]}],
 "muxes":[{"name":"gen","address":"10.91.0.2"}]}
EOF

sed 's/"packet_io":"ring"/"packet_io":"pcap"/' "$work/agent-ring.json" >"$work/agent-pcap.json"
sed 's/"packet_io":"ring"/"packet_io":"xdp"/' "$work/agent-ring.json" >"$work/agent-xdp.json"

stat_of() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }
busy_jiffies() { awk '/^cpu /{print $2+$3+$4+$6+$7+$8}' /proc/stat; }
proc_jiffies() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
udp_noports() { ip netns exec $DUT awk '/^Udp: [0-9]/{print $3}' /proc/net/snmp; }
control() { lb_python deployment.py engine-stat "$1" "$2"; }
start_engine() { # role config
  ip netns exec $DUT dotnet "$engine" "$1" --config "$2" >"$work/$1.log" 2>&1 &
  engine_pid=$!
  for _ in $(seq 50); do
    if [[ -S $work/$1.sock ]]; then
      # An xdp row that fell back to the rings would measure the rings: say so.
      if grep -q "AF_XDP path unavailable" "$work/$1.log"; then echo "lbengine $1 fell back to rings: $(grep -o 'AF_XDP path unavailable.*' "$work/$1.log")" >&2; fi
      return 0
    fi
    sleep 0.2
  done
  echo "lbengine $1 did not start:" >&2; cat "$work/$1.log" >&2; exit 1
}

# run NAME CFG RATE COUNTER [PID [SOCKET]]: offers packets, prints offered/received pps and CPU per packet.
# COUNTER is a command printing the cumulative count of packets the dut handled; trafgen sends on $gen_dev.
# With SOCKET, a last column says what the engine's second chance did meanwhile (from its stats).
gen_dev=lbe-bg
run() {
  local name=$1 cfg=$2 pps=$3 counter=$4 pid=${5:-} socket=${6:-} note=()
  local count pace
  if [[ $pps == max ]]; then count=$((400000 * seconds)); pace=(); else count=$((pps * seconds)); pace=(--rate "${pps}pps"); fi
  local tx0 rx0 busy0 proc0 t0 tx1 rx1 busy1 proc1 t1
  tx0=$(stat_of $GEN "$gen_dev" tx_packets); rx0=$($counter); busy0=$(busy_jiffies); proc0=0
  [[ -n $pid ]] && proc0=$(proc_jiffies "$pid")
  [[ -n $socket ]] && lb_python deployment.py engine-json "$socket" >"$work/stats-before.json"
  t0=$(date +%s.%N)
  ip netns exec $GEN trafgen --dev "$gen_dev" --conf "$2" --num "$count" "${pace[@]}" --cpus 1 -q -C >/dev/null 2>&1 || true
  sleep 0.5
  t1=$(date +%s.%N)
  tx1=$(stat_of $GEN "$gen_dev" tx_packets); rx1=$($counter); busy1=$(busy_jiffies); proc1=0
  [[ -n $pid ]] && proc1=$(proc_jiffies "$pid")
  if [[ -n $socket ]]; then
    lb_python deployment.py engine-json "$socket" >"$work/stats-after.json"
    note=("$(lb_python stats.py second-chance-note "$work/stats-before.json" "$work/stats-after.json")")
  fi
  lb_python stats.py rate-row "$name" $((tx1 - tx0)) $((rx1 - rx0)) "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a - 0.5 }')" \
    $((busy1 - busy0)) "$([[ -n $pid ]] && echo $((proc1 - proc0)) || echo -)" "${note[@]}"
}

if ((second_chance)); then
  source "$LB_LIB/bench-second-chance.sh"
  exit 0
fi

rx_back() { stat_of $GEN lbe-bg rx_packets; }
mux_forwarded() { control "$work/mux.sock" forwarded; }

echo "| run | offered pps | handled pps | handled/offered | machine CPU ns/pkt | engine CPU ns/pkt |"
echo "|---|---|---|---|---|---|"
# Mux vs kernel forwarding (hairpin back over the same veth).
for io in $paths; do
  start_engine mux "$work/mux-$io.json"
  run "lbengine mux ($io) @${rate}" "$work/mux.cfg" "$rate" rx_back "$engine_pid"
  run "lbengine mux ($io) @max" "$work/mux.cfg" max rx_back "$engine_pid"
  echo "mux ($io) stats: forwarded $(mux_forwarded), packets_in $(control "$work/mux.sock" packets_in), lost before capture $(control "$work/mux.sock" kernel_drops)" >&2
  stop_engine
done
ip netns exec $DUT sysctl -qw net.ipv4.ip_forward=1
ip -n $DUT route add 20.0.0.1/32 via 10.91.0.2 dev lbe-bd
run "kernel forwarding @${rate}" "$work/mux.cfg" "$rate" rx_back
run "kernel forwarding @max" "$work/mux.cfg" max rx_back
ip -n $DUT route del 20.0.0.1/32
ip netns exec $DUT sysctl -qw net.ipv4.ip_forward=0
# The generator's own share: the same frames, dropped at the dut's ingress hook (counted by veth on arrival).
# Subtracting it from a row's machine CPU gives that row's marginal cost per packet.
ip netns exec $DUT nft 'add table netdev lbe_gen_only; add chain netdev lbe_gen_only ingress { type filter hook ingress device "lbe-bd" priority 0; policy accept; }; add rule netdev lbe_gen_only ingress meta protocol ip drop'
dut_rx() { stat_of $DUT lbe-bd rx_packets; }
run "generator only @${rate}" "$work/mux.cfg" "$rate" dut_rx
run "generator only @max" "$work/mux.cfg" max dut_rx
ip netns exec $DUT nft delete table netdev lbe_gen_only
ip -n $DUT addr add 20.0.0.1/32 dev lo   # the agent delivers to a local VIP

# Agent vs the kernel receiving the inner packets itself. Both are counted where the kernel UDP layer sees them (a
# closed port: Udp NoPorts), so "handled" means delivered to the local stack.
for io in $paths; do
  [[ $io =~ ^ring[0-9]+$ ]] && continue   # packet threads are the mux's only
  start_engine agent "$work/agent-$io.json"
  run "lbengine agent ($io) @${rate}" "$work/agent.cfg" "$rate" udp_noports "$engine_pid"
  run "lbengine agent ($io) @max" "$work/agent.cfg" max udp_noports "$engine_pid"
  stop_engine
done
run "kernel local delivery @${rate}" "$work/mux.cfg" "$rate" udp_noports
run "kernel local delivery @max" "$work/mux.cfg" max udp_noports
