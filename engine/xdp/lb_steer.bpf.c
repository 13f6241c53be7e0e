// SPDX-License-Identifier: GPL-2.0
// lbengine's XDP program: steers the frames the engine handles into its AF_XDP socket and passes every other frame
// to the kernel's stack. The engine fills lb_targets (which IPv4 addresses, and how they match) and lb_xsks (one
// AF_XDP socket per receive queue). Loaded through libxdp, so it runs beside other programs (xdp-dispatcher).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdp/xdp_helpers.h>

// lb_targets value bits (Lb.Engine.PacketIo.XdpTargets in the engine: keep equal).
#define LB_MATCH_DESTINATION 1 // any IPv4 frame to the address (the mux's VIPs)
#define LB_MATCH_SOURCE 2      // any IPv4 frame from the address (the mux counts VIP-sourced frames as DSR violations)
#define LB_MATCH_IPIP 4        // IP-in-IP (protocol 4) to the address (the agent's own address)

// Big enough for EngineLimits.MaxVips; the engine refuses more.
#define LB_MAX_TARGETS 256
#define LB_MAX_QUEUES 64

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LB_MAX_TARGETS);
	__type(key, __u32);   // IPv4 address, network byte order
	__type(value, __u32); // LB_MATCH_* bits
} lb_targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, LB_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} lb_xsks SEC(".maps");

// libxdp's dispatcher: our priority, and run the next program only for frames we pass.
struct {
	__uint(priority, 20);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(lb_steer);

SEC("xdp")
int lb_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;

	__u32 key = ip->daddr;
	__u32 *match = bpf_map_lookup_elem(&lb_targets, &key);
	int steer = match && ((*match & LB_MATCH_DESTINATION) || ((*match & LB_MATCH_IPIP) && ip->protocol == IPPROTO_IPIP));
	if (!steer) {
		key = ip->saddr;
		match = bpf_map_lookup_elem(&lb_targets, &key);
		steer = match && (*match & LB_MATCH_SOURCE);
	}
	if (!steer)
		return XDP_PASS;
	// No socket on this queue: the stack gets the frame, as without the program.
	return bpf_redirect_map(&lb_xsks, ctx->rx_queue_index, XDP_PASS);
}

char _license[] SEC("license") = "GPL";
