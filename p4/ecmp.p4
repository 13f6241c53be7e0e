/* -*- P4_16 -*- */
/*
 * lbdeploy fabric program (v1model, bmv2 simple_switch): IPv4 longest-prefix routing with ECMP groups.
 *
 * The control-plane interface is the one of the ECMP exercise of the nsg-ethz adv-net course, so rules written for
 * it load unchanged, e.g. with simple_switch_CLI:
 *   table_add ipv4_lpm set_nhop 10.19.13.2/32 => 00:00:0a:13:0d:02 1
 *   table_add ipv4_lpm ecmp_group 10.19.13.0/24 => 1 2
 *   table_add ecmp_group_to_nhop set_nhop 1 0 => 02:00:00:01:00:03 3
 * The ECMP member of a flow is crc16(srcAddr, dstAddr, srcPort, dstPort, protocol) % num_nhops: the fields and the
 * order of the course's ecmp.p4 (nsg-ethz p4-learning, exercises 05-ECMP and 08-Simple_Routing solutions:
 * { hdr.ipv4.srcAddr, hdr.ipv4.dstAddr, hdr.tcp.srcPort, hdr.tcp.dstPort, hdr.ipv4.protocol }). An IP-in-IP
 * packet (protocol 4) is hashed on its inner header and inner ports, as the course's final-project program does
 * (lbdeploy issue 15; that program's source was not at hand, the field order is the exercises'), so the flows a mux
 * tunnels to one DIP spread over the fabric instead of sharing the outer pair's one path. Unlike the exercises, UDP
 * ports count too (they hash the TCP header only: zeros for UDP).
 *
 * Polarisation: every switch computes the same crc16 of a flow, so a switch that took the flow's crc mod 2 to pick
 * an uplink would, at the next tier, meet only flows of one residue. lbdeploy's rules remove that with the member
 * layout alone (the interface stays the course's): a group of n next hops at a switch with stride S gets n*S
 * members, member i -> next hop (i / S + i mod S) mod n, so each tier reads another digit of the hash. Rules
 * written for the course (stride 1) still load and behave as the course's program does. A flow always takes the
 * same path (and reaches the same mux); lbdeploy's `trace` and the plan's path-spread check predict it.
 */
#include <core.p4>
#include <v1model.p4>

const bit<16> TYPE_IPV4 = 0x0800;
const bit<8>  PROTO_TCP = 6;
const bit<8>  PROTO_UDP = 17;
const bit<8>  PROTO_IPIP = 4;

typedef bit<9>  egressSpec_t;
typedef bit<48> macAddr_t;
typedef bit<32> ip4Addr_t;

/*************************************************************************
*********************** H E A D E R S  ***********************************
*************************************************************************/

header ethernet_t {
    macAddr_t dstAddr;
    macAddr_t srcAddr;
    bit<16>   etherType;
}

header ipv4_t {
    bit<4>    version;
    bit<4>    ihl;
    bit<6>    dscp;
    bit<2>    ecn;
    bit<16>   totalLen;
    bit<16>   identification;
    bit<3>    flags;
    bit<13>   fragOffset;
    bit<8>    ttl;
    bit<8>    protocol;
    bit<16>   hdrChecksum;
    ip4Addr_t srcAddr;
    ip4Addr_t dstAddr;
}

header tcp_t {
    bit<16> srcPort;
    bit<16> dstPort;
    bit<32> seqNo;
    bit<32> ackNo;
    bit<4>  dataOffset;
    bit<4>  res;
    bit<8>  flags;
    bit<16> window;
    bit<16> checksum;
    bit<16> urgentPtr;
}

header udp_t {
    bit<16> srcPort;
    bit<16> dstPort;
    bit<16> length;
    bit<16> checksum;
}

struct metadata {
    bit<14> ecmp_hash;
    bit<14> ecmp_group_id;
    /* The flow the fabric hashes: the IPv4 header, or the inner one of an IP-in-IP packet; the L4 ports of TCP or
       UDP, 0 otherwise (ICMP), so one hash covers both protocols and both kinds of packet. */
    ip4Addr_t flow_src_addr;
    ip4Addr_t flow_dst_addr;
    bit<8>    flow_protocol;
    bit<16>   l4_src_port;
    bit<16>   l4_dst_port;
}

struct headers {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    ipv4_t     inner_ipv4;
    tcp_t      tcp;
    udp_t      udp;
}

/*************************************************************************
*********************** P A R S E R  *************************************
*************************************************************************/

parser MyParser(packet_in packet,
                out headers hdr,
                inout metadata meta,
                inout standard_metadata_t standard_metadata) {

    state start {
        transition parse_ethernet;
    }

    state parse_ethernet {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            TYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        meta.flow_src_addr = hdr.ipv4.srcAddr;
        meta.flow_dst_addr = hdr.ipv4.dstAddr;
        meta.flow_protocol = hdr.ipv4.protocol;
        /* Headers behind this one only in first fragments without IP options: elsewhere the bytes are not one. */
        transition select(hdr.ipv4.ihl, hdr.ipv4.fragOffset, hdr.ipv4.protocol) {
            (4w5, 13w0, PROTO_TCP): parse_tcp;
            (4w5, 13w0, PROTO_UDP): parse_udp;
            (4w5, 13w0, PROTO_IPIP): parse_inner_ipv4;
            default: accept;
        }
    }

    /* A mux's tunnel to a DIP: the inner (client) header names the flow. */
    state parse_inner_ipv4 {
        packet.extract(hdr.inner_ipv4);
        meta.flow_src_addr = hdr.inner_ipv4.srcAddr;
        meta.flow_dst_addr = hdr.inner_ipv4.dstAddr;
        meta.flow_protocol = hdr.inner_ipv4.protocol;
        transition select(hdr.inner_ipv4.ihl, hdr.inner_ipv4.fragOffset, hdr.inner_ipv4.protocol) {
            (4w5, 13w0, PROTO_TCP): parse_tcp;
            (4w5, 13w0, PROTO_UDP): parse_udp;
            default: accept;
        }
    }

    state parse_tcp {
        packet.extract(hdr.tcp);
        meta.l4_src_port = hdr.tcp.srcPort;
        meta.l4_dst_port = hdr.tcp.dstPort;
        transition accept;
    }

    state parse_udp {
        packet.extract(hdr.udp);
        meta.l4_src_port = hdr.udp.srcPort;
        meta.l4_dst_port = hdr.udp.dstPort;
        transition accept;
    }
}

/*************************************************************************
************   C H E C K S U M    V E R I F I C A T I O N   *************
*************************************************************************/

control MyVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

/*************************************************************************
**************  I N G R E S S   P R O C E S S I N G   *******************
*************************************************************************/

control MyIngress(inout headers hdr,
                  inout metadata meta,
                  inout standard_metadata_t standard_metadata) {

    action drop() {
        mark_to_drop(standard_metadata);
    }

    /* Pick the group member of this flow: crc16 over the (inner) 5-tuple in the course's order, modulo the group size. */
    action ecmp_group(bit<14> ecmp_group_id, bit<16> num_nhops) {
        hash(meta.ecmp_hash,
             HashAlgorithm.crc16,
             (bit<1>)0,
             { meta.flow_src_addr,
               meta.flow_dst_addr,
               meta.l4_src_port,
               meta.l4_dst_port,
               meta.flow_protocol },
             num_nhops);
        meta.ecmp_group_id = ecmp_group_id;
    }

    /* Forward to a neighbour: its MAC becomes the destination, ours (the old destination) the source. */
    action set_nhop(macAddr_t dstAddr, egressSpec_t port) {
        hdr.ethernet.srcAddr = hdr.ethernet.dstAddr;
        hdr.ethernet.dstAddr = dstAddr;
        standard_metadata.egress_spec = port;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
    }

    table ecmp_group_to_nhop {
        key = {
            meta.ecmp_group_id: exact;
            meta.ecmp_hash: exact;
        }
        actions = {
            drop;
            set_nhop;
        }
        /* room for the replicated members of the layout (n * stride per group) */
        size = 16384;
        default_action = drop();
    }

    table ipv4_lpm {
        key = {
            hdr.ipv4.dstAddr: lpm;
        }
        actions = {
            set_nhop;
            ecmp_group;
            drop;
        }
        size = 4096;
        default_action = drop();
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            /* the fabric is routed: hosts have static ARP entries for their gateway */
            drop();
        } else if (hdr.ipv4.ttl <= 1) {
            drop();
        } else {
            switch (ipv4_lpm.apply().action_run) {
                ecmp_group: {
                    ecmp_group_to_nhop.apply();
                }
            }
        }
    }
}

/*************************************************************************
****************  E G R E S S   P R O C E S S I N G   *******************
*************************************************************************/

control MyEgress(inout headers hdr,
                 inout metadata meta,
                 inout standard_metadata_t standard_metadata) {
    apply { }
}

/*************************************************************************
*************   C H E C K S U M    C O M P U T A T I O N   **************
*************************************************************************/

control MyComputeChecksum(inout headers hdr, inout metadata meta) {
    apply {
        update_checksum(
            hdr.ipv4.isValid(),
            { hdr.ipv4.version,
              hdr.ipv4.ihl,
              hdr.ipv4.dscp,
              hdr.ipv4.ecn,
              hdr.ipv4.totalLen,
              hdr.ipv4.identification,
              hdr.ipv4.flags,
              hdr.ipv4.fragOffset,
              hdr.ipv4.ttl,
              hdr.ipv4.protocol,
              hdr.ipv4.srcAddr,
              hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum,
            HashAlgorithm.csum16);
    }
}

/*************************************************************************
***********************  D E P A R S E R  *******************************
*************************************************************************/

control MyDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.inner_ipv4);
        packet.emit(hdr.tcp);
        packet.emit(hdr.udp);
    }
}

/*************************************************************************
***********************  S W I T C H  *******************************
*************************************************************************/

V1Switch(
    MyParser(),
    MyVerifyChecksum(),
    MyIngress(),
    MyEgress(),
    MyComputeChecksum(),
    MyDeparser()
) main;
