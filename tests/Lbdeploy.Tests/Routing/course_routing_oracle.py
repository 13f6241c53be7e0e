#!/usr/bin/python3
"""Independent oracle for lbdeploy's Router: the course's ECMP routing controller, written with networkx.

Usage: course_routing_oracle.py TOPOLOGY_JSON [VIP=MUX,MUX ...]
Prints {switch: {prefix: [[dst_mac, egress_port], ...]}} as JSON: what the controller would install (next-hop sets,
duplicates removed) plus the VIP rule (muxes attached: split among them; elsewhere the first hops of all shortest
paths to the nearest switches with muxes).
"""
import ipaddress
import json
import sys

import networkx as nx
from networkx.readwrite import json_graph


def main():
    with open(sys.argv[1]) as f:
        data = json.load(f)
    graph = json_graph.node_link_graph(data)
    switches = [n for n, a in graph.nodes(data=True) if a.get("isP4Switch")]
    hosts = {n for n, a in graph.nodes(data=True) if a.get("isHost")}

    def port_of(node, neighbor):
        link = graph.edges[node, neighbor]
        return link["port1"] if link["node1"] == node else link["port2"]

    def mac_of(node, neighbor):
        link = graph.edges[node, neighbor]
        return link["addr1"] if link["node1"] == node else link["addr2"]

    def hosts_of(switch):
        return [n for n in graph.neighbors(switch) if n in hosts]

    def first_hops(src, dst):
        return {path[1] for path in nx.all_shortest_paths(graph, src, dst, weight="weight")}

    tables = {sw: {} for sw in switches}
    for sw in switches:
        for dst in switches:
            if sw == dst:
                for host in hosts_of(sw):
                    ip = graph.nodes[host]["ip"].split("/")[0]
                    tables[sw][ip + "/32"] = {(graph.nodes[host]["mac"], port_of(sw, host))}
            elif hosts_of(dst):
                hops = first_hops(sw, dst)
                for host in hosts_of(dst):
                    prefix = str(ipaddress.ip_interface(graph.nodes[host]["ip"]).network)
                    tables[sw][prefix] = {(mac_of(hop, sw), port_of(sw, hop)) for hop in hops}

    for spec in sys.argv[2:]:
        vip, muxes = spec.split("=")
        muxes = muxes.split(",")
        mux_switches = {next(iter(graph.neighbors(m))) for m in muxes}
        for sw in switches:
            if sw in mux_switches:
                entries = {(graph.nodes[m]["mac"], port_of(sw, m)) for m in muxes if graph.has_edge(sw, m)}
            else:
                lengths = {m: nx.shortest_path_length(graph, sw, m, weight="weight") for m in mux_switches}
                nearest = min(lengths.values())
                entries = set()
                for m in mux_switches:
                    if lengths[m] == nearest:
                        entries |= {(mac_of(hop, sw), port_of(sw, hop)) for hop in first_hops(sw, m)}
            tables[sw][vip + "/32"] = entries

    out = {sw: {prefix: sorted([list(e) for e in entries], key=lambda e: e[1]) for prefix, entries in routes.items()}
           for sw, routes in tables.items()}
    json.dump(out, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
